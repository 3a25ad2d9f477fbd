// SPDX-License-Identifier: GPL-2.0
/*
 * Buckets that move between live nodes, without breaking a connection.
 *
 * Every node computes who is to own each bucket (svc->target) from the
 * members. When a bucket's owner changes and the old owner stays alive
 * (it came back, was added, weighed, pinned or drained), the old owner
 * keeps the flows it has sockets for and the new owner takes every new
 * flow; every node sees every packet, so each decides alone, from the
 * packet and its own sockets:
 *
 *  - A node gives a bucket up at once, and holds its flows in it: it
 *    keeps a TCP packet it has a socket for (not a SYN; a request socket
 *    only for the ACK of its own SYN-ACK), and a UDP datagram of a
 *    connected socket it had when it gave the bucket up (fingerprints of
 *    those travel in its heartbeats).
 *  - A node takes a bucket from a live node only once every live member
 *    (not set down) says it computes the same tables (their digests
 *    agree): the old owner has given it up by then, so no packet is kept
 *    twice. From a node that is down it takes the bucket at once: nothing
 *    is held.
 *  - The new owner keeps SYNs, TCP packets it has a socket for, and UDP
 *    datagrams of no fingerprint a holder sent, while the old owner says
 *    it holds flows; then every packet.
 *  - Holding ends when the node has no flow left in the buckets it gave
 *    up (counted every SHOAL_HOLD_SCAN_MS), or at the hold timeout.
 *
 * Packets of other protocols in a bucket being held go to the new owner.
 */
#include <linux/bitmap.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/inet_hashtables.h>
#include <net/inet6_hashtables.h>
#include <net/tcp.h>
#include <net/udp.h>

#include "lookup.h"

/* How often held flows are counted. */
#define SHOAL_HOLD_SCAN_MS	200

/* Whether a node may hold flows: alive, serving or draining. */
/* Whether node id is up or on its way: a member whose work it keeps. */
bool shoal_node_live(struct shoal_net *sn, u32 id)
{
	struct shoal_node *node = shoal_node_get_locked(sn, id);

	return node && shoal_node_state(sn, node) != SHOAL_STATE_DOWN;
}

/* The address of a service as host-order words; returns how many. */
static unsigned int shoal_service_words(const struct shoal_service *svc,
					u32 *words)
{
	return shoal_addr_words(svc->family, svc->addr.ip6.s6_addr32, words);
}

static u64 shoal_print_of(const struct shoal_service *svc,
			  const __be32 *client, __be16 cport, __be16 sport)
{
	u32 sw[4], cw[4];
	unsigned int n = shoal_service_words(svc, sw);

	shoal_addr_words(svc->family, client, cw);
	return shoal_flow_print(sw, cw, n, IPPROTO_UDP,
				shoal_ports(cport, sport));
}

static bool shoal_prints_has(const struct shoal_prints *prints, u64 print)
{
	return prints && shoal_print_find(prints->print, prints->n, print);
}

/*
 * The TCP socket this node has for a flow to the service, if one that
 * holds it: not in TIME_WAIT; a request socket only for a packet that is
 * no ACK or acknowledges its SYN-ACK (a SYN answered by another node
 * since gets another sequence number).
 */
static bool shoal_tcp_holds(struct net *net, const struct shoal_service *svc,
			    struct sk_buff *skb, const struct shoal_flow *flow,
			    const struct tcphdr *th)
{
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	int dif = skb->dev->ifindex;
	struct request_sock *req;
	struct sock *sk;
	bool holds;

	if (svc->family == AF_INET)
		sk = __inet_lookup_established(net, hinfo, flow->client.ip,
					       flow->client_port, svc->addr.ip,
					       ntohs(flow->service_port), dif,
					       0);
	else
		sk = __inet6_lookup_established(net, hinfo, &flow->client.ip6,
						flow->client_port,
						&svc->addr.ip6,
						ntohs(flow->service_port), dif,
						0);
	if (!sk)
		return false;
	switch (sk->sk_state) {
	case TCP_TIME_WAIT:
		holds = false;
		break;
	case TCP_NEW_SYN_RECV:
		req = inet_reqsk(sk);
		holds = !th || !th->ack ||
			ntohl(th->ack_seq) == tcp_rsk(req)->snt_isn + 1;
		break;
	default:
		holds = true;
	}
	sock_gen_put(sk);
	return holds;
}

/**
 * shoal_hold_keeps - whether this node keeps a packet of a moving bucket
 * @sn: the namespace
 * @svc: the packet's service
 * @skb: the packet
 * @flow: what it belongs to
 * @ours: the bucket is this node's, and another node holds flows in it;
 *	else it moved away from this node, which holds flows in it
 *
 * Called under RCU from the packet path, for buckets that moved between
 * live nodes only. Every node sees the packet and decides alike.
 */
bool shoal_hold_keeps(struct shoal_net *sn, const struct shoal_service *svc,
		      struct sk_buff *skb, const struct shoal_flow *flow,
		      bool ours)
{
	struct tcphdr _th;
	const struct tcphdr *th = NULL;
	u64 print;

	if (!flow->has_ports)
		return ours;
	if (flow->proto == IPPROTO_TCP) {
		if (!flow->quoted) {
			th = skb_header_pointer(skb, flow->l4off, sizeof(_th),
						&_th);
			if (!th)
				return false;
			/* a new flow: the new owner's */
			if (th->syn && !th->ack)
				return ours;
		}
		return shoal_tcp_holds(dev_net(skb->dev), svc, skb, flow, th);
	}
	if (flow->proto == IPPROTO_UDP) {
		print = shoal_print_of(svc, flow->client.ip6.s6_addr32,
				       flow->client_port, flow->service_port);
		if (ours)
			return !shoal_hb_print_held(sn, print);
		return shoal_prints_has(rcu_dereference(sn->prints), print);
	}
	return ours;
}

/*
 * The bucket of a socket's flow if it is one of svc's: its local address
 * and port the service's, its protocol one the service serves.
 */
static bool shoal_sock_bucket(const struct shoal_service *svc,
			      const struct sock *sk, u8 proto, u32 *bucket)
{
	const __be32 *client;

	if (svc->proto && svc->proto != proto)
		return false;
	if (svc->port && sk->sk_num != ntohs(svc->port))
		return false;
	if (svc->family == AF_INET) {
		if (sk->sk_rcv_saddr != svc->addr.ip ||
		    (sk->sk_family == AF_INET6 &&
		     !ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr)))
			return false;
		client = &sk->sk_daddr;
	} else {
		if (sk->sk_family != AF_INET6 ||
		    !ipv6_addr_equal(&sk->sk_v6_rcv_saddr, &svc->addr.ip6))
			return false;
		client = sk->sk_v6_daddr.s6_addr32;
	}
	*bucket = shoal_flow_bucket(svc, svc->family, client,
				    shoal_ports(sk->sk_dport,
						htons(sk->sk_num)));
	return true;
}

/*
 * Count the TCP flows this node holds in svc's held buckets, marking the
 * buckets that have any in busy. A chain that changed under the walk is
 * walked again: a flow missed would be a flow broken.
 */
static u32 shoal_count_tcp(struct net *net, const struct shoal_service *svc,
			   unsigned long *busy)
{
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	const struct hlist_nulls_node *node;
	struct inet_ehash_bucket *head;
	u32 slot, b, count = 0, in_slot;
	struct sock *sk;

	for (slot = 0; slot <= hinfo->ehash_mask; slot++) {
		head = &hinfo->ehash[slot];
		if (hlist_nulls_empty(&head->chain))
			continue;
		rcu_read_lock();
again:
		in_slot = 0;
		sk_nulls_for_each_rcu(sk, node, &head->chain) {
			if (!net_eq(sock_net(sk), net) ||
			    sk->sk_state == TCP_TIME_WAIT ||
			    !shoal_sock_bucket(svc, sk, IPPROTO_TCP, &b) ||
			    !test_bit(b, svc->held))
				continue;
			__set_bit(b, busy);
			in_slot++;
		}
		if (get_nulls_value(node) != slot)
			goto again;
		rcu_read_unlock();
		count += in_slot;
		if (!(slot & 1023))
			cond_resched();
	}
	return count;
}

/*
 * Walk svc's connected UDP sockets in the buckets set in which: fn is
 * called with each one's fingerprint and bucket.
 */
static void shoal_walk_udp(struct net *net, const struct shoal_service *svc,
			   const unsigned long *which,
			   void (*fn)(void *arg, u64 print, u32 bucket),
			   void *arg)
{
	u32 slot, first = 0, last = udp_table.mask, b;
	struct udp_hslot *hslot;
	struct sock *sk;

	if (svc->proto && svc->proto != IPPROTO_UDP)
		return;
	/* sockets are hashed by local port: one slot, if the service has one */
	if (svc->port) {
		first = udp_hashfn(net, ntohs(svc->port), udp_table.mask);
		last = first;
	}
	for (slot = first; slot <= last; slot++) {
		hslot = &udp_table.hash[slot];
		if (hlist_empty(&hslot->head))
			continue;
		spin_lock_bh(&hslot->lock);
		sk_for_each(sk, &hslot->head) {
			if (!net_eq(sock_net(sk), net) ||
			    sk->sk_state != TCP_ESTABLISHED ||
			    !shoal_sock_bucket(svc, sk, IPPROTO_UDP, &b) ||
			    !test_bit(b, which))
				continue;
			fn(arg, shoal_print_of(svc, svc->family == AF_INET ?
					       &sk->sk_daddr :
					       sk->sk_v6_daddr.s6_addr32,
					       sk->sk_dport, htons(sk->sk_num)),
			   b);
		}
		spin_unlock_bh(&hslot->lock);
		if (!(slot & 1023))
			cond_resched();
	}
}

/* Fingerprints being gathered: a list to add to, or to keep from. */
struct shoal_print_walk {
	struct shoal_prints *out;
	const struct shoal_prints *keep;	/* NULL: add any */
	unsigned long *busy;
	u32 count;
	u32 dropped;
};

static void shoal_print_found(void *arg, u64 print, u32 bucket)
{
	struct shoal_print_walk *w = arg;
	unsigned int i;

	if (w->keep && !shoal_prints_has(w->keep, print))
		return;
	for (i = 0; i < w->out->n; i++)
		if (w->out->print[i] == print)
			return;
	if (w->out->n == SHOAL_HB_PRINTS_MAX) {
		w->dropped++;
		return;
	}
	w->out->print[w->out->n++] = print;
	if (w->busy)
		__set_bit(bucket, w->busy);
	w->count++;
}

static int shoal_print_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Sort n fingerprints for shoal_print_find(). */
void shoal_prints_sort(u64 *print, unsigned int n)
{
	sort(print, n, sizeof(print[0]), shoal_print_cmp, NULL);
}

/* Replace the held fingerprints with new (none if NULL or empty). */
static void shoal_prints_publish(struct shoal_net *sn,
				 struct shoal_prints *new)
{
	struct shoal_prints *old;

	if (new && !new->n) {
		kfree(new);
		new = NULL;
	}
	if (new)
		shoal_prints_sort(new->print, new->n);
	old = rcu_replace_pointer(sn->prints, new, lockdep_is_held(&sn->lock));
	if (old)
		kfree_rcu(old, rcu);
}

/*
 * Buckets just given up: the connected UDP flows in them are held from
 * now on, before any node can take the buckets (the heartbeat that lets
 * them carries the fingerprints). Caller holds sn->lock.
 */
static void shoal_hold_udp(struct shoal_net *sn, struct shoal_service *svc,
			   const unsigned long *released)
{
	struct shoal_prints *cur, *new;
	struct shoal_print_walk w = {};

	cur = rcu_dereference_protected(sn->prints,
					lockdep_is_held(&sn->lock));
	new = kzalloc(sizeof(*new), SHOAL_GFP);
	if (!new) {
		net_warn_ratelimited("shoal: out of memory holding UDP flows\n");
		return;
	}
	if (cur) {
		new->n = cur->n;
		memcpy(new->print, cur->print, cur->n * sizeof(cur->print[0]));
	}
	w.out = new;
	shoal_walk_udp(sn->net, svc, released, shoal_print_found, &w);
	if (w.dropped)
		net_warn_ratelimited("shoal: %u connected UDP flows not held: at most %u are\n",
				     w.dropped, SHOAL_HB_PRINTS_MAX);
	if (!w.count) {
		kfree(new);
		return;
	}
	shoal_prints_publish(sn, new);
}

static u64 shoal_hold_deadline(struct shoal_net *sn, u64 now)
{
	struct shoal_node *node = shoal_node_get_locked(sn, sn->local_id);
	u32 timeout = sn->hold_timeout;

	if (node && node->admin == SHOAL_STATE_DRAINING && node->drain_timeout)
		timeout = node->drain_timeout;
	return now + (u64)timeout * NSEC_PER_SEC;
}

/* What settling needs to know of every node once. */
struct shoal_settle {
	u32 local;
	bool returning;		/* take back from svc->without */
	bool agreed;		/* every member heard computes our tables */
	bool member;		/* this node is one */
	bool hold;		/* it holds what it gives up */
	u64 until;		/* until then */
	DECLARE_BITMAP(live, SHOAL_NODE_ID_MAX + 1);
	DECLARE_BITMAP(holding, SHOAL_NODE_ID_MAX + 1);
};

/*
 * Act on svc->target as far as is safe (see the top of this file); the
 * buckets this node gives up now are set in released.
 */
static void shoal_service_settle(struct shoal_service *svc,
				 const struct shoal_settle *st,
				 unsigned long *released)
{
	u32 b, t, e, from;
	bool wait;

	if (!st->member) {
		/* what it sees now, a view without itself, tells it nothing
		 * of who acts once it is back
		 */
		memset(svc->acting, 0, svc->nbuckets);
		memset(svc->taken, 0, svc->nbuckets);
		bitmap_zero(svc->held, svc->nbuckets);
		return;
	}
	for (b = 0; b < svc->nbuckets; b++) {
		from = svc->taken[b];
		if (from && !(test_bit(from, st->live) &&
			      test_bit(from, st->holding)))
			svc->taken[b] = 0;
		t = svc->target[b];
		e = svc->acting[b];
		if (e == t)
			continue;
		if (st->local && e == st->local) {
			/* given up at once; held while its new owner lives */
			svc->acting[b] = t;
			if (t && st->hold && !__test_and_set_bit(b, svc->held))
				__set_bit(b, released);
			continue;
		}
		/* from a live node only once it has given the bucket up */
		from = e;
		wait = from && test_bit(from, st->live);
		/*
		 * Back (started, returned, regained quorum): from who had it
		 * meanwhile, even if not heard yet (it may be alive still),
		 * once all agree.
		 */
		if (!from && st->returning && st->local && t == st->local) {
			from = svc->without[b];
			wait = from;
		}
		if (wait && !st->agreed)
			continue;
		if (st->local && t == st->local) {
			/* its frame that agreed says whether it holds flows */
			svc->taken[b] = from && test_bit(from, st->live) &&
					test_bit(from, st->holding) ? from : 0;
			__clear_bit(b, svc->held);
		}
		svc->acting[b] = t;
	}
}

/*
 * No memory for a new table: what this node no longer serves goes out of
 * the published one in place, bit by bit, so that it never serves a bucket
 * another node has; what it gains waits for the table the caller retries.
 * A bucket owned outright may only become contested or held (each keeps
 * less than owned does): that bit goes in before owned goes out, so the
 * flows it keeps are never dropped in between.
 */
static void shoal_table_narrow(struct shoal_net *sn, struct shoal_service *svc,
			       struct shoal_table *t)
{
	u32 local = READ_ONCE(sn->local_id), b;

	for (b = 0; b < svc->nbuckets; b++) {
		bool ours = local && svc->acting[b] == local;

		if (test_bit(b, t->owned) && (!ours || svc->taken[b])) {
			if (ours)
				set_bit(b, t->contested);
			else if (test_bit(b, svc->held))
				set_bit(b, t->holding);
			/* the narrower bit first, for readers in between */
			smp_mb__before_atomic();
			clear_bit(b, t->owned);
		}
		if (test_bit(b, t->contested) && !ours)
			clear_bit(b, t->contested);
		if (test_bit(b, t->holding) && !test_bit(b, svc->held))
			clear_bit(b, t->holding);
	}
}

/*
 * Publish what the packet path does with svc's buckets, if it changed.
 * Returns -ENOMEM if it could not, all of it: the caller tries again.
 */
int shoal_service_publish(struct shoal_net *sn, struct shoal_service *svc)
{
	size_t bitmap = BITS_TO_LONGS(svc->nbuckets) * sizeof(unsigned long);
	bool hops = svc->mode == SHOAL_SERVICE_MODE_DISTRIBUTOR;
	u32 local = READ_ONCE(sn->local_id), b;
	struct shoal_table *old, *new;

	lockdep_assert_held(&sn->lock);
	old = rcu_dereference_protected(svc->table,
					lockdep_is_held(&sn->lock));
	new = shoal_table_alloc(svc->nbuckets, hops);
	if (!new) {
		if (old)
			shoal_table_narrow(sn, svc, old);
		sn->service_gen++;
		return -ENOMEM;
	}
	memcpy(new->owner, svc->target, svc->nbuckets);
	for (b = 0; hops && b < svc->nbuckets; b++) {
		/* not taken back yet: who had it meanwhile still serves it */
		new->acting[b] = svc->acting[b] ?:
				 sn->returning ? svc->without[b] : 0;
		new->taken[b] = svc->taken[b];
	}
	for (b = 0; local && b < svc->nbuckets; b++) {
		if (svc->acting[b] == local)
			__set_bit(b, svc->taken[b] ? new->contested :
				  new->owned);
		else if (test_bit(b, svc->held))
			__set_bit(b, new->holding);
	}
	if (old && !memcmp(old->owned, new->owned,
			   3 * bitmap + (hops ? 3 : 1) * svc->nbuckets)) {
		kvfree(new);
		return 0;
	}
	rcu_assign_pointer(svc->table, new);
	/* service and bucket dumps show the table: one in parts is torn */
	sn->service_gen++;
	if (old)
		kvfree_rcu(old, rcu);
	return 0;
}

/*
 * A draining node holds nothing any more: say so once. Another node's
 * drain is done when its frames show our tables (it has given its
 * buckets up) and no hold.
 */
static void shoal_report_drained(struct shoal_net *sn, u64 digest,
				 bool holding)
{
	struct shoal_node *node;
	bool done;
	u32 id;

	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		node = shoal_node_get_locked(sn, id);
		if (!node || node->admin != SHOAL_STATE_DRAINING) {
			clear_bit(id, sn->reported_drained);
			continue;
		}
		if (id == sn->local_id)
			done = !holding;
		else
			done = shoal_hb_agrees(sn, id, digest) &&
			       !shoal_hb_holding(sn, id);
		if (!done)
			clear_bit(id, sn->reported_drained);
		else if (!test_and_set_bit(id, sn->reported_drained))
			shoal_notify_node(sn, node, SHOAL_EVENT_NODE_DRAINED);
	}
}

/*
 * Ownership may change: targets were computed, frames told what the
 * others compute and hold, holds ended. Act on what is safe, publish the
 * tables, and say in heartbeats what this node computes and holds.
 * Caller holds sn->lock.
 */
void shoal_services_settle(struct shoal_net *sn)
{
	DECLARE_BITMAP(voters, SHOAL_NODE_ID_MAX + 1);
	struct shoal_service *svc;
	struct shoal_settle st = {};
	unsigned long *released;
	bool holding = false, unpublished = false;
	u64 digest = 0, now = ktime_get_ns();
	u32 held = 0, id;

	lockdep_assert_held(&sn->lock);
	if (sn->dying)
		return;
	shoal_hb_set_cfgs(sn);
	/*
	 * A node out of a service for its configuration computes other
	 * tables, and owns none of that service: it has no say.
	 */
	bitmap_zero(voters, SHOAL_NODE_ID_MAX + 1);
	list_for_each_entry(svc, &sn->services, list) {
		digest += svc->digest;
		bitmap_or(voters, voters, svc->cfg_out, SHOAL_NODE_ID_MAX + 1);
	}
	st.local = sn->local_id;
	st.member = !sn->left && (!st.local || shoal_hb_alive(sn, st.local));
	/* away: the others served this node's buckets meanwhile */
	if (!st.member || !shoal_has_quorum(sn))
		sn->returning = true;
	st.returning = sn->returning;
	st.until = shoal_hold_deadline(sn, now);
	st.hold = st.member && st.until > now;
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		if (id == st.local || !shoal_node_live(sn, id))
			continue;
		__set_bit(id, st.live);
		if (shoal_hb_holding(sn, id))
			__set_bit(id, st.holding);
	}
	/* a node set down owns nothing and takes nothing: no say */
	bitmap_andnot(voters, st.live, voters, SHOAL_NODE_ID_MAX + 1);
	st.agreed = shoal_hb_agreed(sn, digest, voters);

	list_for_each_entry(svc, &sn->services, list) {
		released = svc->scratch;
		bitmap_zero(released, svc->nbuckets);
		shoal_service_settle(svc, &st, released);
		if (!bitmap_empty(released, svc->nbuckets)) {
			shoal_hold_udp(sn, svc, released);
			svc->hold_until = max(svc->hold_until, st.until);
		}
		if (shoal_service_publish(sn, svc)) {
			pr_warn_ratelimited("shoal: out of memory publishing buckets: trying again\n");
			unpublished = true;
		}
		if (!bitmap_empty(svc->held, svc->nbuckets)) {
			holding = true;
			held += svc->held_flows;
		} else {
			svc->held_flows = 0;
			svc->hold_until = 0;
		}
	}
	/* back, and every bucket taken from whoever had it */
	if (st.member && st.agreed && shoal_has_quorum(sn))
		sn->returning = false;
	if (!holding && rcu_access_pointer(sn->prints))
		shoal_prints_publish(sn, NULL);
	shoal_hb_set_holds(sn, digest, holding, held,
			   rcu_dereference_protected(sn->prints,
						     lockdep_is_held(&sn->lock)));
	/* the hold work settles again, and so publishes again */
	if ((holding || unpublished) && !delayed_work_pending(&sn->hold_work))
		queue_delayed_work(system_wq, &sn->hold_work,
				   msecs_to_jiffies(SHOAL_HOLD_SCAN_MS));
	shoal_report_drained(sn, digest, holding);
}

/* Flows this node holds, as last counted. */
u32 shoal_hold_local(struct shoal_net *sn)
{
	struct shoal_service *svc;
	u32 held = 0;

	lockdep_assert_held(&sn->lock);
	list_for_each_entry(svc, &sn->services, list)
		held += svc->held_flows;
	return held;
}

/*
 * Count the flows held, and give up the buckets that have none left (and
 * none that a node we took them from still holds), or all at the hold
 * timeout.
 */
static void shoal_hold_work(struct work_struct *work)
{
	struct shoal_net *sn = container_of(to_delayed_work(work),
					    struct shoal_net, hold_work);
	struct shoal_print_walk w = {};
	const struct shoal_prints *cur;
	struct shoal_service *svc;
	struct mem_cgroup *memcg;
	unsigned long *busy;
	u64 now = ktime_get_ns();
	u32 b, from;

	mutex_lock(&sn->lock);
	memcg = shoal_charge_begin(sn);
	if (sn->dying)
		goto out;
	cur = rcu_dereference_protected(sn->prints,
					lockdep_is_held(&sn->lock));
	w.keep = cur;
	w.out = kzalloc(sizeof(*w.out), SHOAL_GFP);
	if (!w.out)
		goto retry;
	list_for_each_entry(svc, &sn->services, list) {
		if (bitmap_empty(svc->held, svc->nbuckets))
			continue;
		busy = svc->scratch;
		bitmap_zero(busy, svc->nbuckets);
		w.busy = busy;
		w.count = 0;
		svc->held_flows = shoal_count_tcp(sn->net, svc, busy);
		if (cur)
			shoal_walk_udp(sn->net, svc, svc->held,
				       shoal_print_found, &w);
		svc->held_flows += w.count;
		for_each_set_bit(b, svc->held, svc->nbuckets) {
			from = svc->taken[b];
			if (!test_bit(b, busy) &&
			    !(from && shoal_node_live(sn, from) &&
			      shoal_hb_holding(sn, from)))
				__clear_bit(b, svc->held);
		}
		if (now >= svc->hold_until) {
			if (svc->held_flows)
				net_info_ratelimited("shoal: hold timeout: %u flows given up\n",
						     svc->held_flows);
			bitmap_zero(svc->held, svc->nbuckets);
		}
	}
	shoal_prints_publish(sn, w.out);
	w.out = NULL;
	shoal_services_settle(sn);
	goto out;
retry:
	kfree(w.out);
	queue_delayed_work(system_wq, &sn->hold_work,
			   msecs_to_jiffies(SHOAL_HOLD_SCAN_MS));
out:
	mutex_unlock(&sn->lock);
	shoal_charge_end(memcg);
}

void shoal_hold_net_init(struct shoal_net *sn)
{
	INIT_DELAYED_WORK(&sn->hold_work, shoal_hold_work);
	sn->hold_timeout = SHOAL_HOLD_TIMEOUT_DEFAULT;
	sn->pushed_load = SHOAL_UTIL_NONE;
	sn->returning = true;
}

/* The namespace is going, sn->dying set: nothing queues the work again. */
void shoal_hold_net_exit(struct shoal_net *sn)
{
	struct shoal_prints *prints;

	cancel_delayed_work_sync(&sn->hold_work);
	prints = rcu_dereference_protected(sn->prints, true);
	RCU_INIT_POINTER(sn->prints, NULL);
	if (prints)
		kfree_rcu(prints, rcu);
}
