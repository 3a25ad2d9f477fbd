// SPDX-License-Identifier: GPL-2.0
/*
 * Services: addresses served by every member, and who owns which of their
 * buckets.
 *
 * Configuration runs under sn->lock (and RTNL where a device is touched);
 * the packet path finds services and their ownership tables under RCU.
 * Ownership is recomputed whenever anything it depends on changes, and
 * published as a new table, so a packet sees either the old or the new.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <net/addrconf.h>
#include <net/netlink.h>

#include "bucket.h"
#include "lookup.h"
#include "shoal.h"

/* Buckets assigned between two chances to reschedule. */
#define ASSIGN_CHUNK		4096

static u32 shoal_addr_hash(u8 family, const union shoal_addr *addr)
{
	u32 words[4];
	unsigned int n = shoal_addr_words(family, addr->ip6.s6_addr32, words);

	return shoal_hash_words(words, n, 0);
}

/* A locally administered multicast MAC: 03:53:48 ("SH") + 24 hash bits. */
void shoal_service_mac(u8 family, const union shoal_addr *addr, u8 *mac)
{
	u32 h = shoal_addr_hash(family, addr);

	mac[0] = 0x03;
	mac[1] = 0x53;
	mac[2] = 0x48;
	mac[3] = h >> 16;
	mac[4] = h >> 8;
	mac[5] = h;
}

/* Caller holds sn->lock. */
struct shoal_service *shoal_service_find(struct shoal_net *sn, u8 family,
					 const union shoal_addr *addr)
{
	struct shoal_service *svc;

	lockdep_assert_held(&sn->lock);
	list_for_each_entry(svc, &sn->services, list)
		if (svc->family == family &&
		    shoal_addr_equal(family, &svc->addr, addr))
			return svc;
	return NULL;
}

/* The solicited-node multicast MAC neighbour solicitations arrive on. */
static void shoal_solicited_mac(const struct in6_addr *addr, u8 *mac)
{
	struct in6_addr group;

	addrconf_addr_solict_mult(addr, &group);
	ipv6_eth_mc_map(&group, mac);
}

static void shoal_service_link_dev(struct shoal_service *svc,
				   struct net_device *dev)
{
	u8 mac[ETH_ALEN];

	ASSERT_RTNL();
	if (svc->mode == SHOAL_SERVICE_MODE_SHARED)
		dev_mc_add(dev, svc->mac);
	if (svc->family == AF_INET6) {
		shoal_solicited_mac(&svc->addr.ip6, mac);
		dev_mc_add(dev, mac);
	}
	WRITE_ONCE(svc->ifindex, dev->ifindex);
}

static void shoal_service_unlink(struct shoal_net *sn,
				 struct shoal_service *svc)
{
	struct net_device *dev;
	u8 mac[ETH_ALEN];

	ASSERT_RTNL();
	if (!svc->ifindex)
		return;
	dev = __dev_get_by_index(sn->net, svc->ifindex);
	if (dev) {
		if (svc->mode == SHOAL_SERVICE_MODE_SHARED)
			dev_mc_del(dev, svc->mac);
		if (svc->family == AF_INET6) {
			shoal_solicited_mac(&svc->addr.ip6, mac);
			dev_mc_del(dev, mac);
		}
	}
	WRITE_ONCE(svc->ifindex, 0);
}

/* The device is going away: services on it stop answering neighbours. */
void shoal_service_unlink_dev(struct shoal_net *sn, int ifindex)
{
	struct shoal_service *svc;

	mutex_lock(&sn->lock);
	list_for_each_entry(svc, &sn->services, list)
		if (svc->ifindex == ifindex)
			shoal_service_unlink(sn, svc);
	mutex_unlock(&sn->lock);
}

/* With hops, room for where packets go in distributor mode. */
struct shoal_table *shoal_table_alloc(u32 nbuckets, bool hops)
{
	struct shoal_table *t;
	size_t bitmap = BITS_TO_LONGS(nbuckets) * sizeof(unsigned long);

	t = kvzalloc(sizeof(*t) + 3 * bitmap + (hops ? 3 : 1) * nbuckets,
		     SHOAL_GFP);
	if (!t)
		return NULL;
	t->nbuckets = nbuckets;
	t->contested = (unsigned long *)((u8 *)t->owned + bitmap);
	t->holding = (unsigned long *)((u8 *)t->contested + bitmap);
	t->owner = (u8 *)t->holding + bitmap;
	if (hops) {
		t->acting = t->owner + nbuckets;
		t->taken = t->acting + nbuckets;
	}
	return t;
}

struct shoal_move {
	u32 from, to, count;
};

#define SHOAL_MOVES_BATCH	16

/* Announce buckets that changed owner, one event per (from, to) pair. */
static void shoal_report_moves(struct shoal_net *sn,
			       const struct shoal_service *svc,
			       const u8 *old, const u8 *new)
{
	struct shoal_move moves[SHOAL_MOVES_BATCH];
	unsigned int n = 0, i;
	u32 b;

	for (b = 0; b < svc->nbuckets; b++) {
		u32 from = old[b], to = new[b];

		if (from == to)
			continue;
		for (i = 0; i < n; i++)
			if (moves[i].from == from && moves[i].to == to)
				break;
		if (i == n) {
			if (n == SHOAL_MOVES_BATCH) {
				for (i = 0; i < n; i++)
					shoal_notify_moves(sn, svc,
							   moves[i].count,
							   moves[i].from,
							   moves[i].to);
				n = 0;
				i = 0;
			}
			moves[n++] = (struct shoal_move){ from, to, 0 };
		}
		moves[i].count++;
	}
	for (i = 0; i < n; i++)
		shoal_notify_moves(sn, svc, moves[i].count, moves[i].from,
				   moves[i].to);
}

/*
 * The members as the assignment sees them: the service's nodes (with a
 * pool, its active ones) as regular members, every other spare as a
 * stand-in, in id order. Nodes out of the service for their
 * configuration count as down.
 */
static unsigned int shoal_service_members(struct shoal_net *sn,
					  const struct shoal_service *svc,
					  struct shoal_member *m)
{
	DECLARE_BITMAP(listed, SHOAL_NODE_ID_MAX + 1);
	u8 active[SHOAL_POOL_MEMBERS];
	struct shoal_node *node;
	unsigned int n = 0, i;
	bool member, spare;
	u32 id;

	bitmap_zero(listed, SHOAL_NODE_ID_MAX + 1);
	if (svc->pool) {
		n = shoal_pool_active(sn, svc, active);
		for (i = 0; i < n; i++)
			__set_bit(active[i], listed);
		n = 0;
	} else {
		for (i = 0; i < svc->nodes.n; i++)
			__set_bit(svc->nodes.id[i], listed);
	}
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		node = shoal_node_get_locked(sn, id);
		if (!node)
			continue;
		spare = node->flags & SHOAL_NODE_F_SPARE;
		member = svc->all_nodes && !svc->pool ? !spare :
			 test_bit(id, listed);
		if (!member && !spare)
			continue;
		m[n++] = (struct shoal_member){
			.id = id,
			.weight = node->weight,
			.up = shoal_node_state(sn, node) == SHOAL_STATE_UP &&
			      !test_bit(id, svc->cfg_out),
			.spare = !member,
		};
	}
	return n;
}

/*
 * Rank each bucket's members once per set of ids and weights, so that a
 * node going down or up costs a walk over short lists, not a rendezvous
 * over every member.
 */
static int shoal_service_rank(struct shoal_net *sn, struct shoal_service *svc,
			      const struct shoal_member *members,
			      unsigned int nmemb)
{
	u32 b, count;

	/* a pool's members change with its decisions: compare them */
	if (svc->rank && svc->ranked_gen == sn->members_gen &&
	    (!svc->pool || shoal_pool_ranked(svc->pool, members, nmemb)))
		return 0;
	if (!svc->rank) {
		svc->rank = kvmalloc_array(svc->nbuckets, SHOAL_RANKS,
					   SHOAL_GFP);
		if (!svc->rank)
			return -ENOMEM;
	}
	for (b = 0; b < svc->nbuckets; b += ASSIGN_CHUNK) {
		count = min_t(u32, ASSIGN_CHUNK, svc->nbuckets - b);
		shoal_rank(members, nmemb, b, count,
			   svc->rank + (size_t)b * SHOAL_RANKS);
		cond_resched();
	}
	svc->ranked_gen = sn->members_gen;
	if (svc->pool)
		shoal_pool_note_ranked(svc->pool, members, nmemb);
	return 0;
}

/*
 * Owners for every bucket from the candidates of members, pins
 * included, into owner; skip: a node id taken as down (0: none).
 */
static void shoal_service_assign(struct shoal_net *sn,
				 const struct shoal_service *svc,
				 struct shoal_member *members,
				 unsigned int nmemb, bool serving, u32 skip,
				 struct shoal_candidate *cand, u8 *owner)
{
	struct shoal_node *pin;
	unsigned int ncand, i;
	u8 up = 0;
	u32 b;

	for (i = 0; i < nmemb; i++)
		if (members[i].id == skip) {
			up = members[i].up;
			members[i].up = 0;
		}
	/* without quorum this side serves nothing, and knows of no owner */
	ncand = serving ? shoal_candidates(members, nmemb, cand) : 0;
	for (i = 0; i < nmemb; i++)
		if (members[i].id == skip)
			members[i].up = up;
	for (b = 0; b < svc->nbuckets; b += ASSIGN_CHUNK) {
		shoal_assign_ranked(cand, ncand,
				    svc->rank + (size_t)b * SHOAL_RANKS, b,
				    min_t(u32, ASSIGN_CHUNK, svc->nbuckets - b),
				    owner + b);
		cond_resched();
	}
	for (b = 0; serving && b < svc->nbuckets; b++) {
		if (!svc->pins[b] || svc->pins[b] == skip)
			continue;
		pin = shoal_node_get_locked(sn, svc->pins[b]);
		if (pin && shoal_node_state(sn, pin) == SHOAL_STATE_UP &&
		    !test_bit(pin->id, svc->cfg_out))
			owner[b] = svc->pins[b];
	}
}

/*
 * Work out who is to own what (svc->target) and its digest, and who would
 * without this node (svc->without: who had its buckets while it was
 * away); hold.c then decides when this node acts on it.
 */
static int shoal_service_recompute(struct shoal_net *sn,
				   struct shoal_service *svc)
{
	struct shoal_candidate *cand = sn->cand;
	struct shoal_member *members = sn->members;
	u8 *owner = svc->scratch;
	u32 words[4], local = sn->local_id;
	unsigned int nmemb, n;
	bool serving, out;
	u64 cfg;
	int err;

	lockdep_assert_held(&sn->lock);

	cfg = shoal_service_cfg_digest(svc);
	sn->cfgs_changed |= cfg != svc->cfg_digest;
	svc->cfg_digest = cfg;
	out = shoal_service_vote(sn, svc);
	if (out && svc->computed)
		shoal_notify_service(sn, svc, SHOAL_EVENT_SERVICE_CONFIG);
	/* out of the service, this node serves none of it */
	serving = shoal_has_quorum(sn) && !sn->left &&
		  !(local && test_bit(local, svc->cfg_out));
	nmemb = shoal_service_members(sn, svc, members);
	/* (only a service's first recompute allocates: when it is added) */
	err = shoal_service_rank(sn, svc, members, nmemb);
	if (err)
		return err;
	shoal_service_assign(sn, svc, members, nmemb, serving, 0, cand, owner);
	if (memcmp(owner, svc->target, svc->nbuckets)) {
		if (svc->computed)
			shoal_report_moves(sn, svc, svc->target, owner);
		memcpy(svc->target, owner, svc->nbuckets);
		sn->service_gen++;	/* dumps show the target */
	}
	svc->computed = true;
	n = shoal_addr_words(svc->family, svc->addr.ip6.s6_addr32, words);
	svc->digest = shoal_table_digest(words, n, svc->target, svc->nbuckets);
	if (sn->returning)
		shoal_service_assign(sn, svc, members, nmemb, serving, local,
				     cand, svc->without);
	shoal_distributor_update(sn, svc);
	return 0;
}

/* Something ownership depends on changed: nodes, the local id. */
void shoal_services_recompute(struct shoal_net *sn)
{
	struct shoal_service *svc;

	lockdep_assert_held(&sn->lock);
	list_for_each_entry(svc, &sn->services, list)
		if (shoal_service_recompute(sn, svc))
			pr_warn_ratelimited("shoal: out of memory recomputing buckets\n");
	shoal_services_settle(sn);
}

static void shoal_service_free(struct shoal_service *svc)
{
	kfree(svc->pool);
	kvfree(rcu_access_pointer(svc->table));
	kvfree(svc->target);
	kvfree(svc->acting);
	kvfree(svc->taken);
	kvfree(svc->without);
	bitmap_free(svc->held);
	kvfree(svc->scratch);
	kvfree(svc->pins);
	kvfree(svc->rank);
	kvfree(svc->stats);
	free_percpu(svc->totals);
	kfree(svc->cfg_peer);
	kfree(svc);
}

static void shoal_service_free_rcu(struct rcu_head *head)
{
	shoal_service_free(container_of(head, struct shoal_service, rcu));
}

static int shoal_service_check_dev(struct shoal_service *svc,
				   struct net_device *dev,
				   struct netlink_ext_ack *extack)
{
	if (dev->type != ARPHRD_ETHER) {
		NL_SET_ERR_MSG(extack, "device is not an Ethernet device");
		return -EINVAL;
	}
	if (shoal_is_persona_dev(dev)) {
		NL_SET_ERR_MSG(extack, "a persona's interface cannot carry a service");
		return -EINVAL;
	}
	if (svc->family == AF_INET && !__in_dev_get_rtnl(dev)) {
		NL_SET_ERR_MSG(extack, "IPv4 is not enabled on the device");
		return -EINVAL;
	}
	if (svc->family == AF_INET6 && !__in6_dev_get(dev)) {
		NL_SET_ERR_MSG(extack, "IPv6 is not enabled on the device");
		return -EINVAL;
	}
	return 0;
}

/*
 * A new cluster device: services left without a device (theirs went away)
 * come onto it, if it can carry them. Caller holds RTNL and sn->lock.
 */
void shoal_service_adopt_dev(struct shoal_net *sn, struct net_device *dev)
{
	struct shoal_service *svc;

	ASSERT_RTNL();
	lockdep_assert_held(&sn->lock);
	list_for_each_entry(svc, &sn->services, list) {
		if (svc->ifindex || shoal_service_check_dev(svc, dev, NULL))
			continue;
		shoal_service_link_dev(svc, dev);
		sn->service_gen++;
		shoal_notify_service(sn, svc, SHOAL_EVENT_SERVICE_CHANGED);
	}
}

static bool shoal_nodes_declared(struct shoal_net *sn,
				 const struct shoal_node_list *nodes)
{
	unsigned int i;

	for (i = 0; i < nodes->n; i++)
		if (!shoal_node_get_locked(sn, nodes->id[i]))
			return false;
	return true;
}

/*
 * A service's nodes (all, or those of the list) in the order that makes
 * them candidates of its pool: the list's, or every non-spare node in id
 * order. Returns how many.
 */
unsigned int shoal_service_candidates(struct shoal_net *sn, bool all,
				      const struct shoal_node_list *nodes,
				      u8 *ids)
{
	struct shoal_node *node;
	unsigned int n = 0;
	u32 id;

	if (!all) {
		memcpy(ids, nodes->id, nodes->n);
		return nodes->n;
	}
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		node = shoal_node_get_locked(sn, id);
		if (node && !(node->flags & SHOAL_NODE_F_SPARE))
			ids[n++] = id;
	}
	return n;
}

static struct hlist_head *shoal_svc_hash(struct shoal_net *sn)
{
	return rcu_dereference_protected(sn->svc_hash,
					 lockdep_is_held(&sn->lock));
}

static int shoal_hooks_get(struct shoal_net *sn)
{
	struct hlist_head *heads;
	int err;

	if (sn->service_count)
		return 0;
	heads = kcalloc(1 << SHOAL_SVC_HASH_BITS, sizeof(*heads), SHOAL_GFP);
	if (!heads)
		return -ENOMEM;
	rcu_assign_pointer(sn->svc_hash, heads);
	err = shoal_filter_start(sn->net);
	if (err)
		goto err_heads;
	err = shoal_arp_out_get(sn);
	if (err)
		goto err_filter;
	return 0;

err_filter:
	shoal_filter_stop(sn->net);
err_heads:
	RCU_INIT_POINTER(sn->svc_hash, NULL);
	synchronize_net();
	kfree(heads);
	return err;
}

static void shoal_hooks_put(struct shoal_net *sn)
{
	struct hlist_head *heads = shoal_svc_hash(sn);

	if (sn->service_count)
		return;
	/*
	 * Packets find no table from now on; those in flight, through the
	 * hooks or an XDP program, are waited for before it goes.
	 */
	RCU_INIT_POINTER(sn->svc_hash, NULL);
	shoal_arp_out_put(sn);
	shoal_filter_stop(sn->net);
	synchronize_net();
	kfree(heads);
}

/*
 * Buckets of every service, what a namespace is allowed a bounded number
 * of. Caller holds sn->lock.
 */
static unsigned long shoal_buckets_in_use(struct shoal_net *sn)
{
	struct shoal_service *svc;
	unsigned long n = 0;

	list_for_each_entry(svc, &sn->services, list)
		n += svc->nbuckets;
	return n;
}

/* A service's totals, one set per CPU (zeroed), each with its sync. */
static struct shoal_svc_stats __percpu *shoal_totals_alloc(void)
{
	struct shoal_svc_stats __percpu *totals;
	int cpu;

	totals = alloc_percpu_gfp(struct shoal_svc_stats, SHOAL_GFP);
	if (totals)
		for_each_possible_cpu(cpu)
			u64_stats_init(&per_cpu_ptr(totals, cpu)->syncp);
	return totals;
}

/*
 * Add a service from tmpl, which the caller filled and checked for
 * everything that needs no lock. Takes RTNL and sn->lock.
 */
int shoal_service_add(struct shoal_net *sn, struct shoal_service *tmpl,
		      struct netlink_ext_ack *extack)
{
	struct shoal_service *svc;
	struct net_device *dev;
	int err;

	rtnl_lock();
	mutex_lock(&sn->lock);

	if (shoal_service_find(sn, tmpl->family, &tmpl->addr)) {
		NL_SET_ERR_MSG(extack, "a service for this address exists");
		err = -EEXIST;
		goto out;
	}
	if (sn->service_count >= SHOAL_SERVICES_MAX) {
		NL_SET_ERR_MSG(extack, "a namespace has at most "
			       __stringify(SHOAL_SERVICES_MAX) " services");
		err = -ENOSPC;
		goto out;
	}
	if (shoal_buckets_in_use(sn) + tmpl->nbuckets > SHOAL_NS_BUCKETS_MAX) {
		NL_SET_ERR_MSG(extack, "a namespace's services have at most "
			       __stringify(SHOAL_NS_BUCKETS_MAX)
			       " buckets in all");
		err = -ENOSPC;
		goto out;
	}
	if (!tmpl->all_nodes && !shoal_nodes_declared(sn, &tmpl->nodes)) {
		NL_SET_ERR_MSG(extack, "node list names a node that is not declared");
		err = -ENOENT;
		goto out;
	}
	if (tmpl->mode == SHOAL_SERVICE_MODE_DISTRIBUTOR &&
	    (!shoal_nodes_declared(sn, &tmpl->distributors) ||
	     !shoal_distributors_listed(sn, &tmpl->distributors,
					tmpl->all_nodes, &tmpl->nodes))) {
		NL_SET_ERR_MSG(extack, "a distributor must be one of the service's nodes");
		err = -EDOM;
		goto out;
	}
	if (!tmpl->ifindex)
		tmpl->ifindex = sn->ifindex;
	if (!tmpl->ifindex) {
		NL_SET_ERR_MSG(extack,
			       "no device: give one or set the cluster device");
		err = -ENODEV;
		goto out;
	}
	dev = __dev_get_by_index(sn->net, tmpl->ifindex);
	if (!dev) {
		NL_SET_ERR_MSG(extack, "device does not exist in this namespace");
		err = -ENODEV;
		goto out;
	}
	err = shoal_service_check_dev(tmpl, dev, extack);
	if (err)
		goto out;

	err = -ENOMEM;
	svc = kmemdup(tmpl, sizeof(*svc), SHOAL_GFP);
	if (!svc)
		goto out;
	svc->flow_hash_init = shoal_flow_hash_init(svc->family, svc->hash);
	svc->port_shift = svc->hash == SHOAL_HASH_SADDR_SPORT ? 16 : 0;
	svc->xdp_match = shoal_xdp_match(svc, svc->xdp);
	svc->pool = NULL;
	INIT_HLIST_NODE(&svc->hnode);
	INIT_LIST_HEAD(&svc->list);
	RCU_INIT_POINTER(svc->table, NULL);
	svc->ifindex = 0;
	svc->rank = NULL;
	svc->computed = false;
	svc->pins = kvzalloc(svc->nbuckets, SHOAL_GFP);
	svc->target = kvzalloc(svc->nbuckets, SHOAL_GFP);
	svc->acting = kvzalloc(svc->nbuckets, SHOAL_GFP);
	svc->taken = kvzalloc(svc->nbuckets, SHOAL_GFP);
	svc->without = kvzalloc(svc->nbuckets, SHOAL_GFP);
	svc->held = bitmap_zalloc(svc->nbuckets, SHOAL_GFP);
	svc->scratch = kvzalloc(max_t(size_t, svc->nbuckets,
				      bitmap_size(svc->nbuckets)), SHOAL_GFP);
	svc->stats = kvcalloc(svc->nbuckets, sizeof(*svc->stats), SHOAL_GFP);
	svc->totals = shoal_totals_alloc();
	svc->cfg_digest = 0;
	svc->cfg_peer = kcalloc(SHOAL_NODE_ID_MAX + 1, sizeof(u64), SHOAL_GFP);
	bitmap_zero(svc->cfg_heard, SHOAL_NODE_ID_MAX + 1);
	bitmap_zero(svc->cfg_out, SHOAL_NODE_ID_MAX + 1);
	if (!svc->pins || !svc->target || !svc->acting || !svc->taken ||
	    !svc->without || !svc->held || !svc->scratch || !svc->stats ||
	    !svc->totals || !svc->cfg_peer)
		goto err_free;
	err = shoal_service_recompute(sn, svc);
	if (!err)
		err = shoal_service_publish(sn, svc);
	if (err)
		goto err_free;
	err = shoal_hooks_get(sn);
	if (err)
		goto err_free;

	shoal_service_link_dev(svc, dev);
	list_add_tail(&svc->list, &sn->services);
	hlist_add_head_rcu(&svc->hnode,
			   &shoal_svc_hash(sn)[shoal_svc_slot(svc->family,
							      &svc->addr)]);
	sn->service_count++;
	sn->service_gen++;
	shoal_services_settle(sn);
	shoal_notify_service(sn, svc, SHOAL_EVENT_SERVICE_ADDED);
	shoal_distributor_added(sn, svc);
	goto out;

err_free:
	shoal_service_free(svc);
out:
	if (err == -ENOMEM)
		NL_SET_ERR_MSG(extack,
			       "not enough memory for the service's buckets (memory cgroup limit?)");
	mutex_unlock(&sn->lock);
	rtnl_unlock();
	return err;
}

/* Caller holds sn->lock. */
int shoal_service_set_nodes(struct shoal_net *sn, struct shoal_service *svc,
			    bool all, const struct shoal_node_list *nodes)
{
	lockdep_assert_held(&sn->lock);

	if (!all && !shoal_nodes_declared(sn, nodes))
		return -ENOENT;
	svc->all_nodes = all;
	if (!all)
		svc->nodes = *nodes;
	/* other members: rank again */
	svc->ranked_gen = sn->members_gen - 1;
	sn->service_gen++;
	shoal_service_recompute(sn, svc);
	shoal_services_settle(sn);
	shoal_notify_service(sn, svc, SHOAL_EVENT_SERVICE_CHANGED);
	return 0;
}

/* Caller holds sn->lock. */
int shoal_service_pin(struct shoal_net *sn, struct shoal_service *svc,
		      u32 bucket, u32 node)
{
	u8 old = svc->pins[bucket];
	int err;

	lockdep_assert_held(&sn->lock);
	svc->pins[bucket] = node;
	err = shoal_service_recompute(sn, svc);
	if (err) {
		svc->pins[bucket] = old;
		return err;
	}
	sn->service_gen++;		/* pins are in bucket dumps */
	shoal_services_settle(sn);
	return 0;
}

/* Caller holds RTNL and sn->lock. */
void shoal_service_del(struct shoal_net *sn, struct shoal_service *svc)
{
	ASSERT_RTNL();
	lockdep_assert_held(&sn->lock);

	shoal_notify_service(sn, svc, SHOAL_EVENT_SERVICE_DELETED);
	sn->cfgs_changed = true;
	hlist_del_rcu(&svc->hnode);
	list_del(&svc->list);
	shoal_service_unlink(sn, svc);
	sn->service_count--;
	sn->service_gen++;
	shoal_hooks_put(sn);
	call_rcu(&svc->rcu, shoal_service_free_rcu);
	shoal_services_settle(sn);
}

/* Drop every service; used when the namespace or the module goes away. */
void shoal_service_flush(struct shoal_net *sn)
{
	struct shoal_service *svc, *tmp;

	rtnl_lock();
	mutex_lock(&sn->lock);
	list_for_each_entry_safe(svc, tmp, &sn->services, list)
		shoal_service_del(sn, svc);
	mutex_unlock(&sn->lock);
	rtnl_unlock();
}

/* A bucket's counters; no lock needed. */
void shoal_bucket_stats(const struct shoal_service *svc, u32 bucket,
			struct shoal_stats_sum *sum)
{
	const atomic64_t *n = svc->stats[bucket].n;

	memset(sum, 0, sizeof(*sum));
	sum->packets = atomic64_read(&n[SHOAL_KEPT]);
	sum->xdp_dropped = atomic64_read(&n[SHOAL_XDP_DROPPED]);
	sum->dropped = atomic64_read(&n[SHOAL_DROPPED]) + sum->xdp_dropped;
	sum->xdp_forwarded = atomic64_read(&n[SHOAL_XDP_FORWARDED]);
	sum->forwarded = atomic64_read(&n[SHOAL_FORWARDED]) +
			 sum->xdp_forwarded;
}

/*
 * A service's counters: its totals, added up over the CPUs. No lock
 * needed; the caller keeps svc from being freed (sn->lock or RCU).
 */
void shoal_service_stats(const struct shoal_service *svc,
			 struct shoal_stats_sum *sum)
{
	u64 n[SHOAL_FATES], bytes, new_flows;
	const struct shoal_svc_stats *s;
	unsigned int start, i;
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(svc->totals, cpu);
		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < SHOAL_FATES; i++)
				n[i] = u64_stats_read(&s->n[i]);
			bytes = u64_stats_read(&s->bytes);
			new_flows = u64_stats_read(&s->new_flows);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		sum->packets += n[SHOAL_KEPT];
		sum->bytes += bytes;
		sum->new_flows += new_flows;
		sum->dropped += n[SHOAL_DROPPED] + n[SHOAL_XDP_DROPPED];
		sum->xdp_dropped += n[SHOAL_XDP_DROPPED];
		sum->forwarded += n[SHOAL_FORWARDED] + n[SHOAL_XDP_FORWARDED];
		sum->xdp_forwarded += n[SHOAL_XDP_FORWARDED];
	}
}
