// SPDX-License-Identifier: GPL-2.0
/*
 * Heartbeats: every member announces itself on the cluster device every
 * interval, in a frame authenticated with the cluster key; a member not
 * heard for dead intervals is declared down, one heard again steadily is
 * up again, and bucket ownership follows with no userspace involved.
 *
 * Sending runs from a soft hrtimer, timeouts from another kept at the
 * earliest deadline, receiving from a packet handler, all in softirq
 * context under hb->lock. What needs sn->lock
 * (recomputing buckets, events) runs from sn->hb_work.
 */
#include <linux/etherdevice.h>
#include <linux/hrtimer.h>
#include <linux/netdevice.h>
#include <linux/netpoll.h>
#include <linux/pkt_sched.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <crypto/algapi.h>
#include <net/ipv6.h>

#include "frame.h"
#include "shoal.h"

static const u8 shoal_hb_mac[ETH_ALEN] = SHOAL_HEARTBEAT_MAC;

/* Auth failure events go out at most this often. */
#define SHOAL_HB_EVENT_GAP_NS	NSEC_PER_SEC
/* frames that say a node leaves, sent back to back */
#define SHOAL_HB_LEAVE_FRAMES	3

/*
 * The tag: SipHash-2-4 under each half of the 256-bit key, 128 bits in
 * all, over everything before it.
 */
static void shoal_hb_tag(const struct shoal_hb_key *key, const u8 *frame,
			 unsigned int len, u8 *tag)
{
	u64 t0 = siphash(frame, len, &key->mac[0]);
	u64 t1 = siphash(frame, len, &key->mac[1]);

	put_unaligned_be64(t0, tag);
	put_unaligned_be64(t1, tag + 8);
}

static void shoal_hb_key_init(struct shoal_hb_key *k, const u8 *key)
{
	/* frames of clusters with other keys are told apart, not refused */
	static const char label[] = "shoal cluster id";
	unsigned int i;

	for (i = 0; i < 2; i++) {
		k->mac[i].key[0] = get_unaligned_le64(key + 16 * i);
		k->mac[i].key[1] = get_unaligned_le64(key + 16 * i + 8);
	}
	k->cluster_id = siphash(label, sizeof(label), &k->mac[0]);
	k->vlan.key[0] = siphash_1u64(1, &k->mac[0]);
	k->vlan.key[1] = siphash_1u64(2, &k->mac[1]);
}

static bool shoal_hb_key_equal(const struct shoal_hb_key *a,
			       const struct shoal_hb_key *b)
{
	return !crypto_memneq(a->mac, b->mac, sizeof(a->mac));
}

/* The key frames go out under: the old one while the new spreads. */
static const struct shoal_hb_key *shoal_hb_tx_key(const struct shoal_hb_state *hb)
{
	return &hb->keys[hb->key_change == SHOAL_KEY_SPREADING];
}

/* The key a frame of this cluster id is tagged with, if we take it. */
static const struct shoal_hb_key *shoal_hb_rx_key(const struct shoal_hb_state *hb,
						  u32 cluster_id)
{
	if (cluster_id == hb->keys[0].cluster_id)
		return &hb->keys[0];
	if (hb->key_change != SHOAL_KEY_STEADY &&
	    cluster_id == hb->keys[1].cluster_id)
		return &hb->keys[1];
	return NULL;
}

/*
 * Caller holds hb->lock: take the configured key. A running instance
 * given another one sends under the one it had until the others have
 * the new one too (shoal_hb_key_progress()).
 */
static void shoal_hb_set_key(struct shoal_hb_state *hb, const u8 *key,
			     bool running)
{
	struct shoal_hb_key k;
	unsigned int id;

	shoal_hb_key_init(&k, key);
	if (running && shoal_hb_key_equal(&k, &hb->keys[0]))
		goto out;
	write_seqcount_begin(&hb->key_seq);
	if (!running) {
		hb->key_change = SHOAL_KEY_STEADY;
	} else if (hb->key_change == SHOAL_KEY_SPREADING &&
		   shoal_hb_key_equal(&k, &hb->keys[1])) {
		/* taken back before it went round: nothing changes */
		hb->key_change = SHOAL_KEY_STEADY;
		memzero_explicit(&hb->keys[1], sizeof(hb->keys[1]));
	} else {
		/* the others read what we send now */
		if (hb->key_change != SHOAL_KEY_SPREADING)
			hb->keys[1] = hb->keys[0];
		hb->key_change = SHOAL_KEY_SPREADING;
		for (id = 1; id <= SHOAL_NODE_ID_MAX; id++)
			hb->peers[id].has_key = false;
	}
	hb->keys[0] = k;
	write_seqcount_end(&hb->key_seq);
out:
	memzero_explicit(&k, sizeof(k));
}

static u64 shoal_hb_load(struct shoal_net *sn, struct shoal_hb_state *hb,
			 u64 now)
{
	u64 total = 0, delta, pps = 0;
	int cpu;

	/*
	 * Over an interval at least: a frame sent out of turn (a node
	 * lost, say: just when the least loaded spare is chosen) says the
	 * last rate, not one of the few packets since the last frame.
	 */
	if (hb->load_time &&
	    now - hb->load_time < (u64)hb->interval_ms * NSEC_PER_MSEC)
		return hb->load_pps;
	for_each_possible_cpu(cpu)
		total += *per_cpu_ptr(sn->rx_accepted, cpu);
	delta = total - hb->load_total;
	if (hb->load_time && now > hb->load_time)
		pps = div64_u64(delta * NSEC_PER_SEC, now - hb->load_time);
	hb->load_total = total;
	hb->load_time = now;
	hb->load_pps = pps;
	return pps;
}

/*
 * The silence after which a peer is down: dead of its intervals, and the
 * margin the lateness of its frames needs (struct shoal_lateness).
 */
static u64 shoal_peer_deadline(const struct shoal_hb_state *hb,
			       const struct shoal_peer *peer)
{
	u64 interval = (u64)peer->interval_ms * NSEC_PER_MSEC;

	return hb->dead * interval +
	       shoal_lateness_margin(&peer->late, interval);
}

/*
 * How long we have not heard the peer while we ran: time this machine was
 * stalled (hb->stalled) does not count, as we could hear nobody then.
 */
static u64 shoal_peer_silence(const struct shoal_hb_state *hb,
			      const struct shoal_peer *peer, u64 now)
{
	u64 silence = now - peer->last_heard;
	u64 stalled = READ_ONCE(hb->stalled) - peer->stalled_at;

	return silence > stalled ? silence - stalled : 0;
}

/* Whether frames of the boot we count came within the dead time. */
static bool shoal_hb_current(const struct shoal_hb_state *hb,
			     const struct shoal_peer *peer, u64 now)
{
	return peer->heard &&
	       shoal_peer_silence(hb, peer, now) <
	       shoal_peer_deadline(hb, peer);
}

/* Whether a boot we cannot count yet was heard within our dead time. */
static bool shoal_hb_candidate(const struct shoal_hb_state *hb,
			       const struct shoal_peer *peer, u64 now)
{
	return peer->cand_heard &&
	       now - peer->cand_heard <
	       (u64)hb->dead * hb->interval_ms * NSEC_PER_MSEC;
}

/*
 * Whether to echo the boot we cannot count yet rather than the one we
 * count: only once the latter has fallen silent for an interval, so that
 * replays of an old boot do not take the echo from a live one. A node
 * that restarted is then recognised within about two intervals.
 */
static bool shoal_hb_echo_candidate(const struct shoal_hb_state *hb,
				    const struct shoal_peer *peer, u64 now)
{
	return shoal_hb_candidate(hb, peer, now) &&
	       (!shoal_hb_current(hb, peer, now) ||
		now - peer->last_heard >=
		(u64)peer->interval_ms * NSEC_PER_MSEC);
}

/* Whether our frames name the peer, echoing what we last heard of it. */
static bool shoal_hb_echoes(const struct shoal_hb_state *hb,
			    const struct shoal_peer *peer, u64 now)
{
	return shoal_hb_current(hb, peer, now) ||
	       shoal_hb_candidate(hb, peer, now);
}

/*
 * Caller holds hb->lock: move a key change on. Frames go under the new
 * key once every node we hear has said it has it, and the old one is
 * forgotten dead intervals later, when no frame under it can still be
 * on the way.
 */
static void shoal_hb_key_progress(struct shoal_hb_state *hb, u64 now)
{
	unsigned int id;

	if (hb->key_change == SHOAL_KEY_SPREADING) {
		for (id = 1; id <= SHOAL_NODE_ID_MAX; id++)
			if (id != hb->node_id && !hb->peers[id].has_key &&
			    shoal_hb_echoes(hb, &hb->peers[id], now))
				return;
		write_seqcount_begin(&hb->key_seq);
		hb->key_change = SHOAL_KEY_RETIRING;
		write_seqcount_end(&hb->key_seq);
		hb->old_key_end = now + (u64)hb->dead * hb->interval_ms *
				  NSEC_PER_MSEC;
	} else if (hb->key_change == SHOAL_KEY_RETIRING &&
		   now >= hb->old_key_end) {
		write_seqcount_begin(&hb->key_seq);
		hb->key_change = SHOAL_KEY_STEADY;
		memzero_explicit(&hb->keys[1], sizeof(hb->keys[1]));
		write_seqcount_end(&hb->key_seq);
	}
}

/* Caller holds hb->lock: an authentic frame says which keys its sender has. */
static void shoal_hb_key_heard(struct shoal_hb_state *hb,
			       struct shoal_peer *peer,
			       const struct shoal_hb_key *key,
			       const struct shoal_hb *frame, u64 now)
{
	peer->has_key = key == &hb->keys[0] ||
			frame->next_key ==
			shoal_hb_key_id(hb->keys[0].cluster_id);
	shoal_hb_key_progress(hb, now);
}

/* A heartbeat link's device, if it is set and up; caller holds RCU. */
static struct net_device *shoal_hb_link_dev(struct shoal_net *sn,
					    unsigned int link)
{
	int ifindex = link ? READ_ONCE(sn->ifindex2) : READ_ONCE(sn->ifindex);
	struct net_device *dev;

	if (!ifindex)
		return NULL;
	dev = dev_get_by_index_rcu(sn->net, ifindex);
	return dev && netif_running(dev) ? dev : NULL;
}

/* The frame in skb, addressed to the heartbeat group on dev. */
static struct sk_buff *shoal_hb_header(struct sk_buff *skb,
				       struct net_device *dev)
{
	skb->dev = dev;
	skb->protocol = htons(SHOAL_ETH_P_HEARTBEAT);
	skb->priority = TC_PRIO_CONTROL;
	if (dev_hard_header(skb, dev, SHOAL_ETH_P_HEARTBEAT, shoal_hb_mac,
			    dev->dev_addr, skb->len) < 0) {
		kfree_skb(skb);
		return NULL;
	}
	return skb;
}

/*
 * The next heartbeat, ready to send: skbs[link] for each link that is up,
 * NULL for the others. Returns whether there is any. Caller holds
 * hb->lock and RCU. From the panic path (panic): the personas as far as
 * they can be read without their lock, and no allocation that may wait.
 */
static bool shoal_hb_build(struct shoal_net *sn, struct shoal_hb_state *hb,
			   u64 now, bool panic,
			   struct sk_buff *skbs[SHOAL_HB_LINKS])
{
	struct net_device *devs[SHOAL_HB_LINKS], *dev = NULL;
	u32 local = READ_ONCE(sn->local_id);
	struct shoal_hb frame = {};
	struct shoal_hb_peer rec;
	struct shoal_peer *peer;
	unsigned int n, p, f, q, c, room, i, len, l;
	struct sk_buff *skb;
	bool any = false;
	u8 *buf;
	u32 id;

	/* one frame for all links: it fits the smallest MTU */
	for (l = 0; l < SHOAL_HB_LINKS; l++) {
		skbs[l] = NULL;
		devs[l] = shoal_hb_link_dev(sn, l);
		if (devs[l] && (!dev || devs[l]->mtu < dev->mtu))
			dev = devs[l];
	}
	if (!dev)
		return false;
	n = panic ? shoal_persona_entries_panic(sn, hb->entries) :
	    shoal_persona_entries(sn, hb->entries, now,
				  (u64)hb->dead * hb->interval_ms * NSEC_PER_MSEC);
	f = hb->holding ? hb->nprints : 0;
	q = hb->npools;
	for (p = 0, id = 1; id <= SHOAL_NODE_ID_MAX; id++)
		p += id != local && shoal_hb_echoes(hb, &hb->peers[id], now);
	/* peers past the device's MTU are left out, the highest ids first */
	room = dev->mtu > shoal_hb_len(0, n, f, q, 0) ?
	       (dev->mtu - shoal_hb_len(0, n, f, q, 0)) / SHOAL_HB_PEER_LEN : 0;
	if (p > room) {
		net_warn_ratelimited("shoal: %s: heartbeats name %u of %u peers: MTU %u too small\n",
				     dev->name, room, p, dev->mtu);
		p = room;
	}
	/* the services' configurations, a few a frame, in the room left */
	room = dev->mtu > shoal_hb_len(p, n, f, q, 0) ?
	       (dev->mtu - shoal_hb_len(p, n, f, q, 0)) / SHOAL_HB_CFG_LEN : 0;
	c = min3((unsigned int)hb->ncfgs, (unsigned int)SHOAL_HB_CFGS_MAX, room);
	len = shoal_hb_len(p, n, f, q, c);
	skb = alloc_skb(LL_RESERVED_SPACE(dev) + len + dev->needed_tailroom,
			GFP_ATOMIC);
	if (!skb)
		return false;
	skb_reserve(skb, LL_RESERVED_SPACE(dev));
	skb_reset_network_header(skb);
	buf = skb_put(skb, len);

	frame.node_id = local;
	frame.flags = (hb->starting ? SHOAL_HB_F_STARTING : 0) |
		      (hb->holding ? SHOAL_HB_F_HOLDING : 0) |
		      (hb->leaving ? SHOAL_HB_F_LEAVING : 0);
	frame.interval_ms = hb->interval_ms;
	frame.cluster_id = shoal_hb_tx_key(hb)->cluster_id;
	/* while under the old key: that we have the new one */
	if (hb->key_change == SHOAL_KEY_SPREADING)
		frame.next_key = shoal_hb_key_id(hb->keys[0].cluster_id);
	frame.nonce = hb->nonce;
	frame.seq = ++hb->seq;
	frame.load_pps = shoal_hb_load(sn, hb, now);
	frame.digest = hb->digest;
	frame.held = hb->held;
	frame.view = hb->view;
	frame.npeers = p;
	frame.nentries = n;
	frame.nprints = f;
	frame.npools = q;
	frame.ncfgs = c;
	shoal_hb_encode(&frame, buf);
	for (i = 0, id = 1; id <= SHOAL_NODE_ID_MAX && i < p; id++) {
		peer = &hb->peers[id];
		if (id == local || !shoal_hb_echoes(hb, peer, now))
			continue;
		rec.id = id;
		rec.flags = peer->alive && !peer->starting ?
			    SHOAL_HB_PEER_ALIVE : 0;
		rec.echo = shoal_hb_echo_candidate(hb, peer, now) ?
			   peer->cand_seq : peer->win.top;
		shoal_hb_put_peer(buf, i++, &rec);
	}
	for (i = 0; i < n; i++)
		shoal_hb_put_entry(buf, &frame, i, &hb->entries[i]);
	for (i = 0; i < f; i++)
		shoal_hb_put_print(buf, &frame, i, hb->prints[i]);
	for (i = 0; i < q; i++)
		shoal_hb_put_pool(buf, &frame, i, &hb->pools[i]);
	for (i = 0; i < c; i++)
		shoal_hb_put_cfg(buf, &frame, i,
				 &hb->cfgs[(hb->cfg_next + i) % hb->ncfgs]);
	if (c)
		hb->cfg_next = (hb->cfg_next + c) % hb->ncfgs;
	shoal_hb_tag(shoal_hb_tx_key(hb), buf, shoal_hb_tag_off(p, n, f, q, c),
		     buf + shoal_hb_tag_off(p, n, f, q, c));

	/* the same frame, sequence number and all, on every link */
	for (l = 0; l < SHOAL_HB_LINKS; l++) {
		if (!devs[l] || devs[l] == dev)
			continue;
		skbs[l] = skb_copy_expand(skb, LL_RESERVED_SPACE(devs[l]),
					  devs[l]->needed_tailroom, GFP_ATOMIC);
		if (skbs[l])
			skbs[l] = shoal_hb_header(skbs[l], devs[l]);
	}
	for (l = 0; devs[l] != dev; l++)
		;
	skbs[l] = shoal_hb_header(skb, dev);
	for (l = 0; l < SHOAL_HB_LINKS; l++)
		any |= !!skbs[l];
	if (any)
		hb->stats.tx++;
	return any;
}

/* Send what shoal_hb_build() made; caller holds RCU, not hb->lock. */
static void shoal_hb_xmit(struct sk_buff *skbs[SHOAL_HB_LINKS])
{
	unsigned int l;

	for (l = 0; l < SHOAL_HB_LINKS; l++)
		if (skbs[l])
			dev_queue_xmit(skbs[l]);
}

/*
 * Caller holds hb->lock: the send tick, due at expires, is seen at now.
 * A tick overdue by more than an interval marks a stall: this machine
 * could hear nobody since it last ran (hb->ran, when a timer of ours
 * last ran), all of which counts as stalled, and frames that arrived
 * meanwhile may still wait to be read. A tick late by more than a
 * quarter interval counts its lateness. One a little late is the
 * scheduler's noise: the peers' margins take it, as it makes their
 * frames look late too. Each moment counts once (hb->stall_mark): the
 * check timer looks at the tick too.
 */
static void shoal_hb_note_stall(struct shoal_hb_state *hb, ktime_t expires,
				u64 now)
{
	u64 interval = (u64)hb->interval_ms * NSEC_PER_MSEC;
	u64 due = ktime_to_ns(expires), from = now;

	if ((s64)(now - due) > (s64)interval) {
		from = hb->ran;
		hb->stall_end = now;
	} else if ((s64)(now - due) > (s64)(interval / 4)) {
		from = due;
	}
	hb->ran = max(hb->ran, now);
	from = max(from, hb->stall_mark);
	if ((s64)(now - from) <= 0)
		return;
	WRITE_ONCE(hb->stalled, hb->stalled + now - from);
	hb->stall_mark = now;
}

/*
 * Caller holds hb->lock. A starting node becomes a member once every
 * node it hears, or hears of, counts it alive and echoes its boot, and
 * no peer with a lower id is still starting (so that two nodes started
 * together do not each count the other out); or on its own when nobody
 * was heard for dead intervals; or, whatever it heard, after twice that.
 */
static void shoal_hb_settle(struct shoal_net *sn, struct shoal_hb_state *hb,
			    u64 now)
{
	u64 window = (u64)hb->dead * hb->interval_ms * NSEC_PER_MSEC;
	u32 local = READ_ONCE(sn->local_id), id, x;
	bool heard = false, waiting = false;
	struct shoal_peer *peer;

	if (!hb->starting)
		return;
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		peer = &hb->peers[id];
		if (id == local || !shoal_hb_echoes(hb, peer, now))
			continue;
		heard = true;
		if (shoal_hb_candidate(hb, peer, now) || !peer->alive ||
		    !peer->confirms || (peer->starting && id < local)) {
			waiting = true;
			break;
		}
		for (x = 1; x <= SHOAL_NODE_ID_MAX && !waiting; x++)
			waiting = x != local &&
				  shoal_idset_has(&hb->reports[id].hears, x) &&
				  !hb->peers[x].alive;
	}
	if (heard ? waiting && now - hb->started < 2 * window :
		    now - hb->started < window)
		return;
	hb->starting = false;
	hb->alone = !heard;
}

/*
 * Caller holds hb->lock. A node we stop hearing that a member we hear
 * still counts alive may only have stopped reaching us: that member's
 * next frame will tell (it echoes a frame of the node we did not hear),
 * or its own deadline will (it says so at once). Until then, two of
 * that member's intervals, the node stays. Returns that grace, or 0.
 */
static u64 shoal_hb_grace(const struct shoal_hb_state *hb, u32 id)
{
	u64 grace = 0;
	u32 r;

	for (r = 1; r <= SHOAL_NODE_ID_MAX; r++)
		if (r != id && hb->peers[r].alive &&
		    shoal_idset_has(&hb->reports[r].relays, id))
			grace = max_t(u64, grace, 2ULL * hb->peers[r].interval_ms *
					       NSEC_PER_MSEC);
	return grace;
}

/* Whether a node we stopped hearing is still relayed, within its grace. */
static bool shoal_hb_in_grace(const struct shoal_hb_state *hb, u32 id,
			      u64 now)
{
	u32 r;

	if (hb->peers[id].grace_end <= now)
		return false;
	for (r = 1; r <= SHOAL_NODE_ID_MAX; r++)
		if (r != id && hb->peers[r].alive &&
		    shoal_idset_has(&hb->reports[r].relays, id))
			return true;
	return false;
}

/*
 * Caller holds hb->lock. Work out the members again (member.h); if they
 * changed, note why for each node whose place changed and return true.
 */
static bool shoal_hb_publish(struct shoal_net *sn, struct shoal_hb_state *hb,
			     u64 now)
{
	struct shoal_view_input in = {
		.local = READ_ONCE(sn->local_id),
		.local_starting = hb->starting,
		.prev = hb->view,
		.reports = hb->reports,
	};
	struct shoal_idset view, grace = {};
	struct shoal_peer *peer;
	bool was, is;
	u32 id;

	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		peer = &hb->peers[id];
		if (id == in.local)
			continue;
		/* relayed, not news yet: counts like a relay that is */
		if (!peer->alive && shoal_hb_in_grace(hb, id, now))
			shoal_idset_add(&grace, id);
		/* alive until the deadline check says otherwise: it alone
		 * judges time, and not while this node is just out of a stall
		 */
		if (peer->alive)
			shoal_idset_add(&in.alive, id);
		if ((peer->starting && shoal_hb_current(hb, peer, now)) ||
		    peer->left)
			shoal_idset_add(&in.starting, id);
	}
	shoal_view_compute(&in, &view);
	for (id = 0; id < 4; id++)
		view.w[id] |= grace.w[id] & ~in.starting.w[id];
	if (shoal_idset_equal(&view, &hb->view))
		return false;
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		was = shoal_idset_has(&hb->view, id);
		is = shoal_idset_has(&view, id);
		if (was == is)
			continue;
		peer = &hb->peers[id];
		/* not heard itself for long: relays alone kept it a member */
		if (!is && id != in.local)
			peer->left_unheard =
				now - peer->last_heard >
				2 * shoal_peer_deadline(hb, peer) ? now : 0;
		if (id == in.local) {
			peer->reason = is ? hb->alone ? SHOAL_REASON_ALONE :
						       SHOAL_REASON_JOINED :
				       hb->starting ? SHOAL_REASON_STARTING :
						      SHOAL_REASON_UNSEEN;
			hb->alone = false;
		} else if (!is && peer->restarted) {
			peer->reason = SHOAL_REASON_RESTARTED;
		} else if (!is && peer->left) {
			peer->reason = SHOAL_REASON_LEFT;
		} else {
			peer->reason = is ? SHOAL_REASON_HEARD :
					    SHOAL_REASON_TIMEOUT;
		}
		peer->restarted = false;
	}
	WRITE_ONCE(hb->view.w[0], view.w[0]);
	WRITE_ONCE(hb->view.w[1], view.w[1]);
	WRITE_ONCE(hb->view.w[2], view.w[2]);
	WRITE_ONCE(hb->view.w[3], view.w[3]);
	return true;
}

/*
 * Caller holds hb->lock: publish for the packet path the fingerprints of
 * the flows that live members hold, if they changed. (A set that cannot
 * be allocated now is made on the next frame or check.)
 */
static void shoal_hb_sync_prints(struct shoal_hb_state *hb)
{
	struct shoal_print_set *set, *old;
	const struct shoal_peer *peer;
	unsigned int n = 0, k = 0, i;
	bool same;
	u32 id;

	old = rcu_dereference_protected(hb->held_prints,
					lockdep_is_held(&hb->lock));
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		peer = &hb->peers[id];
		if (peer->alive && peer->holding)
			n += peer->nprints;
	}
	same = n == (old ? old->n : 0);
	for (id = 1; same && n && id <= SHOAL_NODE_ID_MAX; id++) {
		peer = &hb->peers[id];
		if (!peer->alive || !peer->holding)
			continue;
		for (i = 0; same && i < peer->nprints; i++)
			same = old->print[k++] == peer->prints[i];
	}
	if (same)
		return;
	set = NULL;
	if (n) {
		set = kmalloc(struct_size(set, print, 2 * n), GFP_ATOMIC);
		if (!set)
			return;
		set->n = n;
		set->sorted = set->print + n;
		k = 0;
		for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
			peer = &hb->peers[id];
			if (!peer->alive || !peer->holding)
				continue;
			memcpy(set->print + k, peer->prints,
			       peer->nprints * sizeof(peer->prints[0]));
			k += peer->nprints;
		}
		memcpy(set->sorted, set->print, n * sizeof(set->print[0]));
		shoal_prints_sort(set->sorted, n);
	}
	rcu_assign_pointer(hb->held_prints, set);
	if (old)
		kfree_rcu(old, rcu);
}

/*
 * Declare down the nodes whose time is up, at the moment it is up: this
 * timer is kept at the earliest deadline of the nodes alive (or an
 * interval away when none is), so a node is declared down dead intervals
 * after its last frame, not a tick later. A node coming up needs no
 * re-arming: its deadline is never earlier than the others'.
 */
static enum hrtimer_restart shoal_hb_check(struct hrtimer *timer)
{
	struct shoal_hb_state *hb = container_of(timer, struct shoal_hb_state,
						 check_timer);
	u64 now = ktime_get_ns(), next = U64_MAX, deadline;
	u64 interval = (u64)hb->interval_ms * NSEC_PER_MSEC;
	struct shoal_peer *peer;
	bool lost = false, changed = false, starting;
	u32 id;

	spin_lock(&hb->lock);
	/*
	 * Time this machine was stalled does not count against anyone
	 * (shoal_peer_silence()); and for an interval after a stall, frames
	 * that arrived meanwhile may not have been read yet: judge nobody.
	 */
	shoal_hb_note_stall(hb, hrtimer_get_expires(&hb->timer), now);
	if ((s64)(now - hb->stall_end) < (s64)interval) {
		next = hb->stall_end + interval;
		goto out;
	}
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		peer = &hb->peers[id];
		if (!peer->alive)
			continue;
		deadline = now - shoal_peer_silence(hb, peer, now) +
			   shoal_peer_deadline(hb, peer);
		if (now >= deadline) {
			peer->alive = false;
			peer->rise = 0;
			hb->reports[id] = (struct shoal_member_report){};
			peer->grace_end = now + shoal_hb_grace(hb, id);
			lost = true;
		} else if (deadline < next) {
			next = deadline;
		}
	}
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		peer = &hb->peers[id];
		if (peer->grace_end > now && peer->grace_end < next)
			next = peer->grace_end;
	}
	shoal_hb_key_progress(hb, now);
	if (hb->key_change == SHOAL_KEY_RETIRING && hb->old_key_end < next)
		next = hb->old_key_end;
	starting = hb->starting;
	shoal_hb_settle(hb->sn, hb, now);
	changed = shoal_hb_publish(hb->sn, hb, now);
	hb->members_changed |= changed;
	/* the others learn at once whom we lost, and that we are in */
	lost |= starting != hb->starting;
	if (next == U64_MAX || (hb->starting && now + interval < next))
		next = now + interval;
	shoal_hb_sync_prints(hb);
out:
	hrtimer_set_expires(timer, ns_to_ktime(next));
	spin_unlock(&hb->lock);

	if (lost)
		shoal_hb_send_now(hb->sn);
	if (changed)
		queue_work(system_highpri_wq, &hb->sn->hb_work);
	return HRTIMER_RESTART;
}

static enum hrtimer_restart shoal_hb_tick(struct hrtimer *timer)
{
	struct shoal_hb_state *hb = container_of(timer, struct shoal_hb_state,
						 timer);
	struct shoal_net *sn = hb->sn;
	struct sk_buff *skbs[SHOAL_HB_LINKS];
	bool changed = false;
	u64 now = ktime_get_ns();

	rcu_read_lock();
	spin_lock(&hb->lock);
	shoal_hb_note_stall(hb, hrtimer_get_expires(timer), now);
	shoal_hb_build(sn, hb, now, false, skbs);
	if (hb->stats.rejected != hb->reported_rejected &&
	    now - hb->auth_event_time >= SHOAL_HB_EVENT_GAP_NS)
		changed = true;
	hrtimer_forward_now(timer, ms_to_ktime(hb->interval_ms));
	spin_unlock(&hb->lock);
	shoal_hb_xmit(skbs);
	rcu_read_unlock();

	if (changed)
		queue_work(system_highpri_wq, &sn->hb_work);
	return HRTIMER_RESTART;
}

/* Count a rejected frame, against the node it claims if it names one. */
static void shoal_hb_reject(struct shoal_hb_state *hb, u64 *why, u32 id)
{
	(*why)++;
	hb->stats.rejected++;
	if (id && id <= SHOAL_NODE_ID_MAX) {
		hb->peers[id].stats.rejected++;
		hb->rejected_claim = hb->rejected_claim == 0 ||
				     hb->rejected_claim == id ? id : U32_MAX;
	} else {
		hb->rejected_claim = U32_MAX;
	}
}

/* The echo of our boot in the frame's peer records, if it has one. */
static bool shoal_hb_echo_of(const u8 *buf, const struct shoal_hb *frame,
			     u32 local, u32 *echo)
{
	struct shoal_hb_peer rec;
	unsigned int i;

	for (i = 0; i < frame->npeers; i++) {
		shoal_hb_get_peer(buf, i, &rec);
		if (rec.id == local) {
			*echo = rec.echo;
			return true;
		}
	}
	return false;
}

enum shoal_hb_verdict {
	SHOAL_HB_FRESH,
	SHOAL_HB_REPLAYED,
	SHOAL_HB_UNVERIFIED,
};

/*
 * Whether the frame is fresh: a sequence number not seen before from the
 * boot we count (within a window, so that frames the network reordered
 * still count); or a new boot, which counts only once its frame echoes
 * one of our own last frames. That proves it was made after we sent
 * them: a recorded frame of an earlier boot can never bring a node up,
 * and a node that restarts is recognised as soon as it has heard us,
 * without waiting for its old boot to time out.
 */
static enum shoal_hb_verdict shoal_hb_fresh(struct shoal_net *sn,
					    struct shoal_hb_state *hb,
					    struct shoal_peer *peer,
					    const u8 *buf,
					    const struct shoal_hb *frame,
					    u64 now)
{
	u32 echo, window;
	unsigned int i;
	s64 gap;

	if (peer->heard && frame->nonce == peer->nonce) {
		if (!shoal_seqwin_accept(&peer->win, frame->seq, &gap))
			return SHOAL_HB_REPLAYED;
		peer->stats.lost += gap;
		hb->stats.lost += gap;
		return SHOAL_HB_FRESH;
	}
	for (i = 0; i < ARRAY_SIZE(peer->old_nonces); i++)
		if (peer->old_nonces[i] == frame->nonce)
			return SHOAL_HB_REPLAYED;
	if (!shoal_hb_echo_of(buf, frame, READ_ONCE(sn->local_id), &echo)) {
		/*
		 * A new boot that has not heard us yet: echo it, wait. It
		 * proves nothing yet and may be a recording: one that
		 * advances holds its place, so that replays of another boot
		 * cannot take it while a live one keeps talking.
		 */
		if (frame->nonce == peer->cand_nonce) {
			if (frame->seq > peer->cand_seq) {
				peer->cand_seq = frame->seq;
				peer->cand_heard = now;
			}
		} else if (!peer->cand_heard ||
			   now - peer->cand_heard >=
			   2 * (u64)max_t(u32, hb->interval_ms,
					  peer->cand_interval_ms) *
			   NSEC_PER_MSEC) {
			peer->cand_nonce = frame->nonce;
			peer->cand_seq = frame->seq;
			peer->cand_interval_ms = frame->interval_ms;
			peer->cand_heard = now;
		}
		return SHOAL_HB_UNVERIFIED;
	}
	/* our frames it may have heard: one per interval of ours during
	 * its dead time, in its intervals, and two more for the way
	 */
	window = hb->dead + 2 +
		 DIV_ROUND_UP((u32)hb->dead * frame->interval_ms,
			      hb->interval_ms);
	if (!shoal_echo_within(hb->seq, echo, window))
		return SHOAL_HB_REPLAYED;
	if (peer->heard) {
		memmove(&peer->old_nonces[1], &peer->old_nonces[0],
			sizeof(peer->old_nonces) - sizeof(peer->old_nonces[0]));
		peer->old_nonces[0] = peer->nonce;
	}
	if (peer->alive) {
		/* its old boot is gone, and whatever it held with it */
		peer->alive = false;
		peer->restarted = true;
		hb->reports[frame->node_id] = (struct shoal_member_report){};
	}
	peer->nonce = frame->nonce;
	shoal_seqwin_init(&peer->win, frame->seq);
	/* what the old boot held and computed went with it */
	peer->top_seq = 0;
	peer->has_digest = false;
	peer->holding = false;
	peer->held = 0;
	peer->nprints = 0;
	peer->npools = 0;
	peer->left = false;
	peer->heard = false;	/* not steady yet: rise counts from one */
	peer->rise = 0;
	peer->cand_heard = 0;
	return SHOAL_HB_FRESH;
}

/*
 * Whether a relay's echo of a node is news to us: a frame of it we have
 * not heard (or of a boot we do not know). A relay that heard no more
 * than we did cannot keep the node up once we stop hearing it, so that a
 * node that dies is declared down at our own deadline, not at the
 * slowest relay's.
 */
static bool shoal_hb_news(const struct shoal_peer *peer, u32 echo)
{
	return !peer->heard || !shoal_echo_within(peer->win.top, echo, 1 << 16);
}

/* Caller holds hb->lock: what a fresh frame says of its sender. */
static void shoal_hb_heard(struct shoal_net *sn, struct shoal_hb_state *hb,
			   struct shoal_peer *peer, const u8 *buf,
			   const struct shoal_hb *frame, u64 now)
{
	struct shoal_member_report *report = &hb->reports[frame->node_id];
	bool steady = peer->heard &&
		      now - peer->last_heard <= shoal_peer_deadline(hb, peer);
	struct shoal_hb_peer rec;
	u32 echo, interval_ms;
	unsigned int i;
	u64 interval;

	/* a sender's own interval, from frames that say it */
	interval_ms = frame->interval_ms ?: hb->interval_ms;
	interval = (u64)interval_ms * NSEC_PER_MSEC;
	if (!peer->heard)
		shoal_lateness_init(&peer->late, interval);
	else if (peer->has_digest && frame->seq > peer->top_seq &&
		 frame->seq - peer->top_seq <= SHOAL_SEQ_WINDOW)
		shoal_lateness_sample(&peer->late,
				      shoal_peer_silence(hb, peer, now),
				      frame->seq - peer->top_seq, interval);
	peer->heard = true;
	peer->last_heard = now;
	peer->stalled_at = hb->stalled;
	peer->interval_ms = interval_ms;
	peer->load_pps = frame->load_pps;
	peer->starting = frame->flags & SHOAL_HB_F_STARTING;
	/* frames after first_seq: those of this boot */
	peer->confirms = hb->seq != hb->first_seq &&
			 shoal_hb_echo_of(buf, frame, READ_ONCE(sn->local_id),
					  &echo) &&
			 shoal_echo_within(hb->seq, echo,
					   hb->seq - hb->first_seq - 1);
	peer->stats.rx++;
	hb->stats.rx++;
	if (!peer->alive) {
		peer->rise = steady ? peer->rise + 1 : 1;
		if (peer->rise >= SHOAL_HEARTBEAT_RISE)
			peer->alive = true;
	}
	if (!peer->alive) {
		*report = (struct shoal_member_report){};
		return;
	}
	report->hears = (struct shoal_idset){};
	report->relays = (struct shoal_idset){};
	report->hears_local = false;
	for (i = 0; i < frame->npeers; i++) {
		shoal_hb_get_peer(buf, i, &rec);
		if (!(rec.flags & SHOAL_HB_PEER_ALIVE))
			continue;
		shoal_idset_add(&report->relays, rec.id);
		if (shoal_hb_news(&hb->peers[rec.id], rec.echo))
			shoal_idset_add(&report->hears, rec.id);
	}
	for (i = 0; i < frame->npeers; i++) {
		shoal_hb_get_peer(buf, i, &rec);
		if (rec.id == READ_ONCE(sn->local_id))
			report->hears_local = true;
	}
	report->view = frame->view;
}

/*
 * Caller holds hb->lock: what the sender's newest frame says of its
 * tables, holds and pools (a late frame says what is no longer so).
 * Returns whether ownership may change with it.
 */
static bool shoal_hb_holds(struct shoal_hb_state *hb, struct shoal_peer *peer,
			   const u8 *buf, const struct shoal_hb *frame)
{
	bool holding = frame->flags & SHOAL_HB_F_HOLDING;
	bool changed;
	unsigned int i;

	if (peer->has_digest && frame->seq <= peer->top_seq)
		return false;
	changed = !peer->has_digest || peer->digest != frame->digest ||
		  peer->holding != holding ||
		  peer->nprints != (holding ? frame->nprints : 0);
	peer->top_seq = frame->seq;
	peer->has_digest = true;
	peer->digest = frame->digest;
	peer->holding = holding;
	peer->held = frame->held;
	peer->nprints = holding ? frame->nprints : 0;
	for (i = 0; i < peer->nprints; i++)
		peer->prints[i] = shoal_hb_get_print(buf, frame, i);
	changed |= peer->npools != frame->npools;
	peer->npools = frame->npools;
	for (i = 0; i < frame->npools; i++) {
		struct shoal_hb_pool e = {};

		shoal_hb_get_pool(buf, frame, i, &e);
		changed |= memcmp(&e, &peer->pools[i], sizeof(e));
		peer->pools[i] = e;
	}
	return changed;
}

/* What the frame says of the sender's services' and personas' configurations. */
static bool shoal_hb_cfgs_heard(struct shoal_net *sn, const u8 *buf,
				const struct shoal_hb *frame)
{
	struct shoal_hb_cfg cfg;
	bool changed = false;
	unsigned int i;

	for (i = 0; i < frame->ncfgs; i++) {
		shoal_hb_get_cfg(buf, frame, i, &cfg);
		if (cfg.kind == SHOAL_HB_CFG_SERVICE)
			changed |= shoal_service_cfg_heard(sn, frame->node_id,
							   &cfg);
		else
			changed |= shoal_persona_cfg_heard(sn, frame->node_id,
							   &cfg);
	}
	return changed;
}

/*
 * Caller holds hb->lock: whether this is the first time the frame, of the
 * peer's boot n, comes over link; if so it is recorded.
 */
static bool shoal_hb_link_fresh(struct shoal_peer *peer,
				const struct shoal_hb *frame, unsigned int link)
{
	s64 gap;

	if (peer->link_nonce[link] != frame->nonce) {
		peer->link_nonce[link] = frame->nonce;
		shoal_seqwin_init(&peer->link_win[link], frame->seq);
		return true;
	}
	return shoal_seqwin_accept(&peer->link_win[link], frame->seq, &gap);
}

/*
 * Caller holds hb->lock: the links the peer is heard on, those over
 * which one of its last dead frames came. Counted in frames, not time,
 * so that a stall of this machine, which hears no link, loses none.
 */
static void shoal_hb_links_heard(struct shoal_hb_state *hb,
				 struct shoal_peer *peer)
{
	unsigned int l;
	u8 links = 0;

	for (l = 0; l < SHOAL_HB_LINKS; l++)
		if (peer->link_nonce[l] == peer->nonce &&
		    peer->win.top - peer->link_win[l].top < hb->dead)
			links |= BIT(l);
	if (links != peer->links) {
		peer->links = links;
		hb->links_changed = true;
	}
}

/*
 * Caller holds hb->lock: a frame the peer's window has seen may be its
 * copy sent over the other link, heard second: of the boot we count, and
 * new over this link. That is no replay: it is dropped and counted, and
 * says the link works. (Which link a frame came over is not
 * authenticated: a frame of one link replayed on the other keeps only
 * that link's state up.)
 */
static bool shoal_hb_duplicate(struct shoal_hb_state *hb,
			       struct shoal_peer *peer,
			       const struct shoal_hb *frame, unsigned int link)
{
	if (!peer->nonce || frame->nonce != peer->nonce ||
	    !shoal_hb_link_fresh(peer, frame, link))
		return false;
	peer->stats.duplicate++;
	hb->stats.duplicate++;
	shoal_hb_links_heard(hb, peer);
	return true;
}

/*
 * Caller holds hb->lock: the sender says it leaves. It is no member from
 * now on, whatever others relay, until a new boot of it is heard.
 */
static void shoal_hb_left(struct shoal_hb_state *hb, struct shoal_peer *peer,
			  u32 id)
{
	peer->left = true;
	peer->alive = false;
	peer->rise = 0;
	peer->holding = false;
	peer->nprints = 0;
	peer->npools = 0;
	peer->grace_end = 0;
	hb->reports[id] = (struct shoal_member_report){};
}

static void shoal_hb_input(struct shoal_net *sn, struct shoal_hb_state *hb,
			   const u8 *buf, unsigned int len, unsigned int link)
{
	u64 now = ktime_get_ns();
	struct shoal_hb frame;
	struct shoal_peer *peer;
	const struct shoal_hb_key *key;
	u8 tag[SHOAL_HB_TAG_LEN];
	bool changed = false;
	unsigned int tag_off;

	spin_lock(&hb->lock);
	if (shoal_hb_decode(buf, len, &frame) != SHOAL_HB_OK) {
		shoal_hb_reject(hb, &hb->stats.malformed,
				len > 6 ? buf[6] : 0);
		goto out;
	}
	key = shoal_hb_rx_key(hb, frame.cluster_id);
	if (!key) {
		hb->stats.foreign++;
		goto out;
	}
	tag_off = shoal_hb_tag_off(frame.npeers, frame.nentries,
				   frame.nprints, frame.npools, frame.ncfgs);
	shoal_hb_tag(key, buf, tag_off, tag);
	if (crypto_memneq(tag, buf + tag_off, SHOAL_HB_TAG_LEN)) {
		shoal_hb_reject(hb, &hb->stats.bad_mac, frame.node_id);
		goto out;
	}
	/* authentic, but one of ours claimed by someone else is a replay */
	if (frame.node_id == READ_ONCE(sn->local_id)) {
		if (frame.nonce != hb->nonce)
			shoal_hb_reject(hb, &hb->stats.replayed, frame.node_id);
		goto out;
	}
	if (!shoal_node_get(sn, frame.node_id)) {
		hb->stats.unknown++;
		goto out;
	}
	peer = &hb->peers[frame.node_id];
	switch (shoal_hb_fresh(sn, hb, peer, buf, &frame, now)) {
	case SHOAL_HB_REPLAYED:
		if (!shoal_hb_duplicate(hb, peer, &frame, link))
			shoal_hb_reject(hb, &hb->stats.replayed,
					frame.node_id);
		goto out;
	case SHOAL_HB_UNVERIFIED:
		peer->stats.unverified++;
		hb->stats.unverified++;
		shoal_hb_key_heard(hb, peer, key, &frame, now);
		goto out;
	case SHOAL_HB_FRESH:
		break;
	}
	shoal_hb_link_fresh(peer, &frame, link);
	shoal_hb_links_heard(hb, peer);
	shoal_hb_key_heard(hb, peer, key, &frame, now);
	if (peer->left)
		goto out;
	if (frame.flags & SHOAL_HB_F_LEAVING) {
		/* what it let go of, it says in the same frame */
		shoal_persona_input(sn, frame.node_id, buf, &frame);
		shoal_hb_left(hb, peer, frame.node_id);
		changed = shoal_hb_publish(sn, hb, now);
		goto out;
	}
	shoal_hb_heard(sn, hb, peer, buf, &frame, now);
	changed = shoal_hb_holds(hb, peer, buf, &frame);
	changed |= shoal_hb_cfgs_heard(sn, buf, &frame);
	shoal_persona_input(sn, frame.node_id, buf, &frame);
	shoal_hb_settle(sn, hb, now);
	changed |= shoal_hb_publish(sn, hb, now);
out:
	hb->members_changed |= changed;
	changed |= hb->links_changed;
	shoal_hb_sync_prints(hb);
	spin_unlock(&hb->lock);
	if (changed)
		queue_work(system_highpri_wq, &sn->hb_work);
}

static int shoal_hb_rcv(struct sk_buff *skb, struct net_device *dev,
			struct packet_type *pt, struct net_device *orig_dev)
{
	struct shoal_net *sn = shoal_net(dev_net(dev));
	struct shoal_hb_state *hb;
	unsigned int link;

	if (skb->pkt_type == PACKET_OTHERHOST)
		goto drop;
	/* a frame too long for any type is not read, only counted */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb || !pskb_may_pull(skb, min_t(unsigned int, skb->len,
					      SHOAL_HB_LEN_MAX)))
		goto drop;
	/* personas' virtual LAN frames, for a node that hosts none of them */
	if (skb->len >= 4 && skb->data[3] == SHOAL_VLAN_TYPE)
		goto drop;
	if (dev->ifindex == READ_ONCE(sn->ifindex))
		link = 0;
	else if (dev->ifindex == READ_ONCE(sn->ifindex2))
		link = 1;
	else
		goto drop;
	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	if (!hb) {
		rcu_read_unlock();
		goto drop;
	}
	shoal_hb_input(sn, hb, skb->data, skb->len, link);
	rcu_read_unlock();
drop:
	kfree_skb(skb);
	return NET_RX_SUCCESS;
}

static struct packet_type shoal_hb_packet_type __read_mostly = {
	.type = cpu_to_be16(SHOAL_ETH_P_HEARTBEAT),
	.func = shoal_hb_rcv,
};

/*
 * Whether node id is a member as far as heartbeats tell: heard by this
 * node or by a member it hears, and not starting; this node itself once
 * it has heard the others.
 */
bool shoal_hb_alive(struct shoal_net *sn, u32 id)
{
	struct shoal_hb_state *hb;
	bool alive;

	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	alive = !hb || shoal_idset_has(&hb->view, id);
	rcu_read_unlock();
	return alive;
}

/*
 * Node id's record, for a read of one field under rcu_read_lock(); NULL
 * without heartbeats or for an id out of range.
 */
static struct shoal_peer *shoal_hb_peer_rcu(struct shoal_net *sn, u32 id)
{
	struct shoal_hb_state *hb = rcu_dereference(sn->hb);

	return hb && id && id <= SHOAL_NODE_ID_MAX ? &hb->peers[id] : NULL;
}

/* Why node id last joined or left the members, for events. */
u8 shoal_hb_reason(struct shoal_net *sn, u32 id, bool up)
{
	struct shoal_peer *peer;
	u8 reason;

	rcu_read_lock();
	peer = shoal_hb_peer_rcu(sn, id);
	reason = peer ? READ_ONCE(peer->reason) : 0;
	rcu_read_unlock();
	return reason ?: up ? SHOAL_REASON_HEARD : SHOAL_REASON_TIMEOUT;
}

/* Whether this node is still starting, and so owns nothing. */
bool shoal_hb_starting(struct shoal_net *sn)
{
	struct shoal_hb_state *hb;
	bool starting;

	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	starting = hb && READ_ONCE(hb->starting);
	rcu_read_unlock();
	return starting;
}

/*
 * Whether this node hears every other member itself, not through a
 * relay: then it has heard whatever they say they hold. Read without
 * hb->lock, like shoal_hb_joining().
 */
bool shoal_hb_hears_members(struct shoal_net *sn)
{
	u32 local = READ_ONCE(sn->local_id), id;
	struct shoal_hb_state *hb;
	u64 now = ktime_get_ns();
	bool all = true;

	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	for (id = 1; hb && all && id <= SHOAL_NODE_ID_MAX; id++) {
		if (id == local || !shoal_idset_has(&hb->view, id))
			continue;
		/* racy, as a hint may be: a frame changes it any time */
		all = data_race(hb->peers[id].alive &&
				shoal_hb_current(hb, &hb->peers[id], now));
	}
	rcu_read_unlock();
	return all;
}

/*
 * When node id last left the members while this node had not heard it
 * itself for long, only of it through relays; 0 if it did not. It may
 * not know yet that it is out: the member that stopped relaying it is
 * what tells it.
 */
u64 shoal_hb_left_unheard(struct shoal_net *sn, u32 id)
{
	struct shoal_peer *peer;
	u64 left;

	rcu_read_lock();
	peer = shoal_hb_peer_rcu(sn, id);
	left = peer ? READ_ONCE(peer->left_unheard) : 0;
	rcu_read_unlock();
	return left;
}

/*
 * Whether node id is heard (or heard of, as a new boot) but is not a
 * member yet: it may be about to join. A hint for placement, read
 * without hb->lock, which nests outside persona_lock.
 */
bool shoal_hb_joining(struct shoal_net *sn, u32 id)
{
	struct shoal_hb_state *hb;
	bool joining = false;
	u64 now = ktime_get_ns();

	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	if (hb && id && id <= SHOAL_NODE_ID_MAX &&
	    id != READ_ONCE(sn->local_id))
		/* racy, as a hint may be: a frame changes it any time */
		joining = data_race(shoal_hb_echoes(hb, &hb->peers[id], now)) &&
			  !shoal_idset_has(&hb->view, id);
	rcu_read_unlock();
	return joining;
}

/* What heartbeats know of node id, for replies. */
bool shoal_hb_peer(struct shoal_net *sn, u32 id, struct shoal_peer_info *out)
{
	struct shoal_hb_state *hb;
	const struct shoal_peer *peer;
	u64 last_heard;
	bool ok = false;

	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	if (hb) {
		spin_lock_bh(&hb->lock);
		peer = &hb->peers[id];
		out->heard = peer->heard;
		last_heard = peer->last_heard;
		out->load_pps = id == READ_ONCE(sn->local_id) ?
				hb->load_pps : peer->load_pps;
		out->links = peer->alive ? peer->links : 0;
		out->down_after_us = div_u64(shoal_peer_deadline(hb, peer),
					     NSEC_PER_USEC);
		out->stats = peer->stats;
		spin_unlock_bh(&hb->lock);
		out->since_ms = out->heard ?
			div_u64(ktime_get_ns() - last_heard, NSEC_PER_MSEC) :
			0;
		ok = true;
	}
	rcu_read_unlock();
	return ok;
}

/* Whether heartbeats run, and since when. */
bool shoal_hb_since(struct shoal_net *sn, u64 *started)
{
	struct shoal_hb_state *hb;
	bool ok = false;

	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	if (hb) {
		*started = hb->started;
		ok = true;
	}
	rcu_read_unlock();
	return ok;
}

/* The load node id last reported (this node's own, as last sent). */
u64 shoal_hb_load_of(struct shoal_net *sn, u32 id)
{
	struct shoal_hb_state *hb;
	u64 load = 0;

	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	if (hb)
		load = id == READ_ONCE(sn->local_id) ? READ_ONCE(hb->load_pps) :
		       READ_ONCE(hb->peers[id].load_pps);
	rcu_read_unlock();
	return load;
}

/* Send a heartbeat now, between ticks: ownership changed. */
void shoal_hb_send_now(struct shoal_net *sn)
{
	struct sk_buff *skbs[SHOAL_HB_LINKS];
	struct shoal_hb_state *hb;

	rcu_read_lock_bh();
	hb = rcu_dereference_bh(sn->hb);
	if (hb) {
		spin_lock(&hb->lock);
		shoal_hb_build(sn, hb, ktime_get_ns(), false, skbs);
		spin_unlock(&hb->lock);
		shoal_hb_xmit(skbs);
	}
	rcu_read_unlock_bh();
}

/*
 * Whether every other member in live (those that may own buckets)
 * computes the bucket tables this node does, digest: each has said so in
 * its newest frame. A member heard only through others cannot say: not
 * agreed. Without heartbeats nobody can.
 */
bool shoal_hb_agreed(struct shoal_net *sn, u64 digest,
		     const unsigned long *live)
{
	u32 local = READ_ONCE(sn->local_id), id;
	struct shoal_hb_state *hb;
	struct shoal_peer *peer;
	bool agreed = true;

	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	if (hb) {
		spin_lock_bh(&hb->lock);
		for (id = 1; id <= SHOAL_NODE_ID_MAX && agreed; id++) {
			if (id == local || !shoal_idset_has(&hb->view, id) ||
			    !test_bit(id, live))
				continue;
			peer = &hb->peers[id];
			agreed = peer->alive && !peer->starting &&
				 peer->has_digest && peer->digest == digest;
		}
		spin_unlock_bh(&hb->lock);
	}
	rcu_read_unlock();
	return agreed;
}

/* Whether node id, heard itself, computes the tables this node does. */
bool shoal_hb_agrees(struct shoal_net *sn, u32 id, u64 digest)
{
	struct shoal_hb_state *hb;
	struct shoal_peer *peer;
	bool agrees = false;

	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	if (hb && id && id <= SHOAL_NODE_ID_MAX) {
		spin_lock_bh(&hb->lock);
		peer = &hb->peers[id];
		agrees = peer->alive && peer->has_digest &&
			 peer->digest == digest;
		spin_unlock_bh(&hb->lock);
	}
	rcu_read_unlock();
	return agrees;
}

/* Whether node id said last that it holds flows in buckets it gave up. */
bool shoal_hb_holding(struct shoal_net *sn, u32 id)
{
	struct shoal_peer *peer;
	bool holding;

	rcu_read_lock();
	peer = shoal_hb_peer_rcu(sn, id);
	holding = peer && READ_ONCE(peer->holding);
	rcu_read_unlock();
	return holding;
}

/* How many flows node id said last it holds; this node's own as sent. */
u32 shoal_hb_held_of(struct shoal_net *sn, u32 id)
{
	struct shoal_hb_state *hb;
	u32 held = 0;

	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	if (hb && id && id <= SHOAL_NODE_ID_MAX)
		held = id == READ_ONCE(sn->local_id) ? READ_ONCE(hb->held) :
		       READ_ONCE(hb->peers[id].held);
	rcu_read_unlock();
	return held;
}

/*
 * Whether a live node holds the UDP flow with this fingerprint: then its
 * datagrams are that node's. From the packet path, under RCU.
 */
bool shoal_hb_print_held(struct shoal_net *sn, u64 print)
{
	const struct shoal_print_set *set;
	struct shoal_hb_state *hb;

	hb = rcu_dereference(sn->hb);
	set = hb ? rcu_dereference(hb->held_prints) : NULL;
	return set && shoal_print_find(set->sorted, set->n, print);
}

/*
 * What this node's frames say of its tables and holds from now on; a
 * frame goes out at once when that changed, for the others to act on.
 */
void shoal_hb_set_holds(struct shoal_net *sn, u64 digest, bool holding,
			u32 held, const struct shoal_prints *prints)
{
	struct shoal_hb_state *hb;
	unsigned int n = prints ? prints->n : 0;
	bool changed = false;

	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	if (hb) {
		spin_lock_bh(&hb->lock);
		changed = hb->digest != digest || hb->holding != holding ||
			  hb->nprints != n ||
			  memcmp(hb->prints, prints ? prints->print : hb->prints,
				 n * sizeof(hb->prints[0]));
		hb->digest = digest;
		hb->holding = holding;
		hb->held = held;
		hb->nprints = n;
		if (n)
			memcpy(hb->prints, prints->print,
			       n * sizeof(hb->prints[0]));
		spin_unlock_bh(&hb->lock);
	}
	rcu_read_unlock();
	if (changed)
		shoal_hb_send_now(sn);
}

/* Say in this node's frames what its pools are (pool.c). */
void shoal_hb_set_pools(struct shoal_net *sn,
			const struct shoal_hb_pool *pools, unsigned int n)
{
	struct shoal_hb_state *hb;
	bool changed = false;

	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	if (hb) {
		spin_lock_bh(&hb->lock);
		changed = hb->npools != n ||
			  memcmp(hb->pools, pools, n * sizeof(pools[0]));
		hb->npools = n;
		memcpy(hb->pools, pools, n * sizeof(pools[0]));
		spin_unlock_bh(&hb->lock);
	}
	rcu_read_unlock();
	/* a decision reaches the others within an interval: at once */
	if (changed)
		shoal_hb_send_now(sn);
}

/*
 * The pool entries of node id's newest frame (this node's own included;
 * none unless it is alive): copies those from first on, at most max, into
 * out, and returns how many there are in all.
 */
unsigned int shoal_hb_pools_of(struct shoal_net *sn, u32 id,
			       unsigned int first, unsigned int max,
			       struct shoal_hb_pool *out)
{
	const struct shoal_hb_pool *pools = NULL;
	struct shoal_hb_state *hb;
	unsigned int n = 0;

	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	if (hb) {
		spin_lock_bh(&hb->lock);
		if (id == READ_ONCE(sn->local_id)) {
			n = hb->npools;
			pools = hb->pools;
		} else if (id && id <= SHOAL_NODE_ID_MAX &&
			   hb->peers[id].alive) {
			n = hb->peers[id].npools;
			pools = hb->peers[id].pools;
		}
		if (first < n)
			memcpy(out, pools + first,
			       min(max, n - first) * sizeof(out[0]));
		spin_unlock_bh(&hb->lock);
	}
	rcu_read_unlock();
	return n;
}

/*
 * The kernel panics (departure.c): say this node leaves, through
 * netpoll, if heartbeats run and nothing holds their lock.
 */
void shoal_hb_panic(struct shoal_net *sn)
{
	struct shoal_hb_state *hb = rcu_dereference(sn->hb);
	struct sk_buff *skbs[SHOAL_HB_LINKS];
	unsigned int i, l;

	if (!hb || (!hb->np[0] && !hb->np[1]) || hb->starting ||
	    !spin_trylock(&hb->lock))
		return;
	hb->leaving = true;
	hb->holding = false;
	for (i = 0; i < SHOAL_HB_LEAVE_FRAMES; i++) {
		if (!shoal_hb_build(sn, hb, ktime_get_ns(), true, skbs))
			continue;
		for (l = 0; l < SHOAL_HB_LINKS; l++) {
			if (!skbs[l])
				continue;
			if (hb->np[l] && hb->np[l]->dev == skbs[l]->dev)
				netpoll_send_skb(hb->np[l], skbs[l]);
			else
				kfree_skb(skbs[l]);
		}
	}
	spin_unlock(&hb->lock);
}

/*
 * Caller holds sn->lock: what our frames are to say of the services'
 * configurations, once they changed or heartbeats started.
 */
void shoal_hb_set_cfgs(struct shoal_net *sn)
{
	struct shoal_hb_state *hb;
	struct shoal_service *svc;
	struct shoal_persona *p;
	struct shoal_hb_cfg *cfg;
	unsigned int n = 0;

	lockdep_assert_held(&sn->lock);
	hb = rcu_dereference_protected(sn->hb, lockdep_is_held(&sn->lock));
	if (!hb || !sn->cfgs_changed)
		return;
	spin_lock_bh(&hb->lock);
	list_for_each_entry(svc, &sn->services, list) {
		cfg = &hb->cfgs[n++];
		cfg->kind = SHOAL_HB_CFG_SERVICE;
		if (svc->family == AF_INET)
			ipv6_addr_set_v4mapped(svc->addr.ip,
					       (struct in6_addr *)cfg->key);
		else
			memcpy(cfg->key, &svc->addr.ip6, sizeof(cfg->key));
		cfg->digest = svc->cfg_digest;
	}
	list_for_each_entry(p, &sn->personas, list) {
		cfg = &hb->cfgs[n++];
		cfg->kind = SHOAL_HB_CFG_PERSONA;
		memset(cfg->key, 0, sizeof(cfg->key));
		ether_addr_copy(cfg->key, p->mac);
		cfg->digest = p->cfg_digest;
	}
	hb->ncfgs = n;
	if (hb->cfg_next >= n)
		hb->cfg_next = 0;
	spin_unlock_bh(&hb->lock);
	sn->cfgs_changed = false;
}

/* How a change of key goes round (enum shoal_key_change). */
u8 shoal_hb_key_change(struct shoal_net *sn)
{
	struct shoal_hb_state *hb;
	u8 change = SHOAL_KEY_STEADY;

	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	if (hb) {
		spin_lock_bh(&hb->lock);
		change = hb->key_change;
		spin_unlock_bh(&hb->lock);
	}
	rcu_read_unlock();
	return change;
}

bool shoal_hb_stats(struct shoal_net *sn, struct shoal_hb_stats *out)
{
	struct shoal_hb_state *hb;
	bool ok = false;

	rcu_read_lock();
	hb = rcu_dereference(sn->hb);
	if (hb) {
		spin_lock_bh(&hb->lock);
		*out = hb->stats;
		out->stalled_ms = div_u64(hb->stalled, NSEC_PER_MSEC);
		spin_unlock_bh(&hb->lock);
		ok = true;
	}
	rcu_read_unlock();
	return ok;
}

/*
 * Caller holds hb->lock: the live peers whose links changed since last
 * told, while two links are set, in ids. A peer that comes up has its
 * links told by its state; one down has none.
 */
static void shoal_hb_links_told(struct shoal_net *sn,
				struct shoal_hb_state *hb, unsigned long *ids)
{
	bool two = READ_ONCE(sn->ifindex2);
	struct shoal_peer *peer;
	u32 id;

	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		peer = &hb->peers[id];
		if (!peer->alive) {
			peer->links_told = 0;
			continue;
		}
		if (two && peer->links_told && peer->links != peer->links_told)
			__set_bit(id, ids);
		peer->links_told = peer->links;
	}
	hb->links_changed = false;
}

/*
 * In process context: report state changes and rejected frames, and let
 * bucket ownership follow.
 */
static void shoal_hb_work(struct work_struct *work)
{
	struct shoal_net *sn = container_of(work, struct shoal_net, hb_work);
	DECLARE_BITMAP(links, SHOAL_NODE_ID_MAX + 1) = {};
	struct shoal_hb_stats stats;
	struct shoal_hb_state *hb;
	struct shoal_node *node;
	struct mem_cgroup *memcg;
	u32 claim = 0, id;
	bool report = false, changed;

	mutex_lock(&sn->lock);
	memcg = shoal_charge_begin(sn);
	hb = rcu_dereference_protected(sn->hb, lockdep_is_held(&sn->lock));
	if (!hb)
		goto out;
	spin_lock_bh(&hb->lock);
	if (hb->stats.rejected != hb->reported_rejected &&
	    ktime_get_ns() - hb->auth_event_time >= SHOAL_HB_EVENT_GAP_NS) {
		hb->reported_rejected = hb->stats.rejected;
		hb->auth_event_time = ktime_get_ns();
		claim = hb->rejected_claim != U32_MAX ? hb->rejected_claim : 0;
		hb->rejected_claim = 0;
		stats = hb->stats;
		report = true;
	}
	changed = hb->members_changed;
	hb->members_changed = false;
	shoal_hb_links_told(sn, hb, links);
	spin_unlock_bh(&hb->lock);
	if (report)
		shoal_notify_auth_failed(sn, &stats, claim);
	for_each_set_bit(id, links, SHOAL_NODE_ID_MAX + 1) {
		node = shoal_node_get(sn, id);
		if (node)
			shoal_notify_node(sn, node, SHOAL_EVENT_NODE_LINKS);
	}
	if (!changed)
		goto out;
	shoal_pools_heard(sn);
	shoal_nodes_changed(sn, SHOAL_REASON_UNSPEC);
	shoal_personas_cfg_check(sn);
out:
	mutex_unlock(&sn->lock);
	shoal_charge_end(memcg);
}

/* The device of each heartbeat link, as configured: 0 for none. */
static void shoal_hb_links(const struct shoal_net *sn,
			   int ifindex[SHOAL_HB_LINKS])
{
	ifindex[0] = sn->ifindex;
	ifindex[1] = sn->ifindex2;
}

/*
 * Join the heartbeat group on the links heartbeats run on (on none if
 * they do not), and leave it on those they no longer do.
 */
static void shoal_hb_listen(struct shoal_net *sn, bool running)
{
	int ifindex[SHOAL_HB_LINKS];
	struct net_device *dev;
	unsigned int l;

	ASSERT_RTNL();
	shoal_hb_links(sn, ifindex);
	for (l = 0; l < SHOAL_HB_LINKS; l++) {
		if (!running)
			ifindex[l] = 0;
		if (sn->hb_mc_ifindex[l] == ifindex[l])
			continue;
		if (sn->hb_mc_ifindex[l]) {
			dev = __dev_get_by_index(sn->net,
						 sn->hb_mc_ifindex[l]);
			if (dev)
				dev_mc_del(dev, shoal_hb_mac);
		}
		sn->hb_mc_ifindex[l] = 0;
		dev = ifindex[l] ? __dev_get_by_index(sn->net, ifindex[l]) :
		      NULL;
		if (dev && !dev_mc_add(dev, shoal_hb_mac))
			sn->hb_mc_ifindex[l] = ifindex[l];
	}
}

/*
 * A running instance's link changed device: its netpoll goes to the new
 * one, and what was heard over the old one is forgotten. Caller holds
 * RTNL.
 */
static void shoal_hb_relink(struct shoal_net *sn, struct shoal_hb_state *hb,
			    unsigned int link, int ifindex)
{
	struct netpoll *np;
	u32 id;

	spin_lock_bh(&hb->lock);
	np = hb->np[link];
	hb->np[link] = NULL;
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		hb->peers[id].link_nonce[link] = 0;
		shoal_hb_links_heard(hb, &hb->peers[id]);
	}
	spin_unlock_bh(&hb->lock);
	shoal_netpoll_close(np);
	np = ifindex ? shoal_netpoll_open(__dev_get_by_index(sn->net,
							     ifindex)) :
	     NULL;
	spin_lock_bh(&hb->lock);
	hb->np[link] = np;
	spin_unlock_bh(&hb->lock);
}

/*
 * Tell the others this node leaves, so that they take its work over at
 * once rather than after dead intervals: a few frames, in case one is
 * lost. Whatever it served, it stopped serving before.
 */
static void shoal_hb_say_leaving(struct shoal_net *sn,
				 struct shoal_hb_state *hb)
{
	struct sk_buff *skbs[SHOAL_HB_LINKS];
	unsigned int i;
	bool built;

	for (i = 0; i < SHOAL_HB_LEAVE_FRAMES; i++) {
		rcu_read_lock_bh();
		spin_lock(&hb->lock);
		hb->leaving = true;
		built = !hb->starting &&
			shoal_hb_build(sn, hb, ktime_get_ns(), false, skbs);
		spin_unlock(&hb->lock);
		if (built)
			shoal_hb_xmit(skbs);
		rcu_read_unlock_bh();
	}
}

static void shoal_hb_free_rcu(struct rcu_head *head)
{
	shoal_hb_free(container_of(head, struct shoal_hb_state, rcu));
}

static void shoal_hb_stop(struct shoal_net *sn)
{
	struct shoal_hb_state *hb;

	hb = rcu_dereference_protected(sn->hb, lockdep_is_held(&sn->lock));
	if (!hb)
		return;
	hrtimer_cancel(&hb->timer);
	hrtimer_cancel(&hb->check_timer);
	/* (heartbeats restarted, on another device or as another node,
	 * are a new boot: the others tell that by themselves)
	 */
	if (sn->left)
		shoal_hb_say_leaving(sn, hb);
	RCU_INIT_POINTER(sn->hb, NULL);
	/* waits for a panic that may be sending through them */
	shoal_netpoll_close(hb->np[0]);
	shoal_netpoll_close(hb->np[1]);
	hrtimer_cancel(&hb->timer);
	hrtimer_cancel(&hb->check_timer);
	/* the packet path may read both until a grace period is over */
	kfree_rcu(rcu_dereference_protected(hb->held_prints, true), rcu);
	call_rcu(&hb->rcu, shoal_hb_free_rcu);
}

/*
 * The state of a heartbeat instance, allocated before a change that may
 * start one, so that the change cannot fail half done.
 */
struct shoal_hb_state *shoal_hb_alloc(void)
{
	return kvzalloc(sizeof(struct shoal_hb_state), SHOAL_GFP);
}

void shoal_hb_free(struct shoal_hb_state *hb)
{
	if (!hb)
		return;
	/* no copy of a key is left behind */
	memzero_explicit(hb->keys, sizeof(hb->keys));
	kvfree(hb);
}

static void shoal_hb_start(struct shoal_net *sn, struct shoal_hb_state *hb)
{
	int ifindex[SHOAL_HB_LINKS];
	unsigned int i;

	hb->sn = sn;
	hb->node_id = sn->local_id;
	spin_lock_init(&hb->lock);
	seqcount_spinlock_init(&hb->key_seq, &hb->lock);
	for (i = 0; i <= SHOAL_NODE_ID_MAX; i++)
		spin_lock_init(&hb->vlan_rx[i].lock);
	hb->interval_ms = sn->interval_ms;
	hb->dead = sn->dead;
	shoal_hb_set_key(hb, sn->key, false);
	/*
	 * A new boot. Its sequence numbers start anywhere, so that the echo
	 * of one names this boot and no other; and it owns nothing until it
	 * has heard the others.
	 */
	hb->nonce = get_random_u64();
	hb->seq = get_random_u32();
	hb->first_seq = hb->seq;
	hb->starting = true;
	hb->peers[hb->node_id].reason = SHOAL_REASON_STARTING;
	hb->started = ktime_get_ns();
	hb->ran = hb->started;
	/* its frames name the services from the next settling on */
	sn->cfgs_changed = true;
	shoal_hb_links(sn, ifindex);
	for (i = 0; i < SHOAL_HB_LINKS; i++)
		hb->np[i] = ifindex[i] ?
			    shoal_netpoll_open(__dev_get_by_index(sn->net,
								  ifindex[i])) :
			    NULL;
	hrtimer_init(&hb->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	hb->timer.function = shoal_hb_tick;
	hrtimer_init(&hb->check_timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	hb->check_timer.function = shoal_hb_check;
	rcu_assign_pointer(sn->hb, hb);
	hrtimer_start(&hb->timer, 0, HRTIMER_MODE_REL_SOFT);
	hrtimer_start(&hb->check_timer, ms_to_ktime(hb->interval_ms),
		      HRTIMER_MODE_REL_SOFT);
}

/*
 * Bring heartbeats in line with the configuration: they run when the
 * node id, the device and the key are all set. Changes to a running
 * instance keep what it knows of the other nodes. An instance that
 * starts takes *fresh if given (shoal_hb_alloc()), and cannot fail then.
 * Caller holds RTNL and sn->lock.
 */
int shoal_hb_update(struct shoal_net *sn, struct shoal_hb_state **fresh)
{
	bool want = sn->has_key && sn->local_id && sn->ifindex && !sn->left;
	int ifindex[SHOAL_HB_LINKS];
	struct shoal_hb_state *hb;
	unsigned int l;
	int err = 0;

	ASSERT_RTNL();
	lockdep_assert_held(&sn->lock);

	hb = rcu_dereference_protected(sn->hb, lockdep_is_held(&sn->lock));
	/* another node id is another node: it starts afresh */
	if (!want || (hb && hb->node_id != sn->local_id)) {
		shoal_hb_stop(sn);
		hb = NULL;
	}
	if (want && !hb) {
		if (fresh) {
			hb = *fresh;
			*fresh = NULL;
		}
		if (!hb)
			hb = shoal_hb_alloc();
		if (hb)
			shoal_hb_start(sn, hb);
		else
			err = -ENOMEM;
	} else if (want) {
		spin_lock_bh(&hb->lock);
		hb->interval_ms = sn->interval_ms;
		hb->dead = sn->dead;
		shoal_hb_set_key(hb, sn->key, true);
		shoal_hb_key_progress(hb, ktime_get_ns());
		spin_unlock_bh(&hb->lock);
		/* (a link moved: listened on since the instance started) */
		shoal_hb_links(sn, ifindex);
		for (l = 0; l < SHOAL_HB_LINKS; l++)
			if (sn->hb_mc_ifindex[l] != ifindex[l])
				shoal_hb_relink(sn, hb, l, ifindex[l]);
	}
	shoal_hb_listen(sn, want && !err);
	/* a new instance, or another node id: say what the pools are */
	if (want && !err)
		shoal_pools_announce(sn);
	return err;
}

/*
 * Start heartbeats anew, as a new boot: this node takes nothing until it
 * has heard the others again. Caller holds RTNL and sn->lock.
 */
int shoal_hb_restart(struct shoal_net *sn)
{
	struct shoal_hb_state *hb;
	struct shoal_hb_key old;
	bool spreading;
	int err;

	ASSERT_RTNL();
	lockdep_assert_held(&sn->lock);
	hb = rcu_dereference_protected(sn->hb, lockdep_is_held(&sn->lock));
	if (!hb)
		return 0;
	/* a key change going round goes on: the others may not have it */
	spin_lock_bh(&hb->lock);
	spreading = hb->key_change == SHOAL_KEY_SPREADING;
	old = hb->keys[1];
	spin_unlock_bh(&hb->lock);
	shoal_hb_stop(sn);
	err = shoal_hb_update(sn, NULL);
	hb = rcu_dereference_protected(sn->hb, lockdep_is_held(&sn->lock));
	if (!err && hb && spreading) {
		spin_lock_bh(&hb->lock);
		write_seqcount_begin(&hb->key_seq);
		hb->keys[1] = old;
		hb->key_change = SHOAL_KEY_SPREADING;
		write_seqcount_end(&hb->key_seq);
		spin_unlock_bh(&hb->lock);
	}
	memzero_explicit(&old, sizeof(old));
	return err;
}

/*
 * The namespace is going: heartbeats have stopped and no frame is being
 * received (shoal_net_exit()), so nothing queues the work any more.
 */
void shoal_hb_net_exit(struct shoal_net *sn)
{
	WARN_ON_ONCE(rcu_access_pointer(sn->hb));
	cancel_work_sync(&sn->hb_work);
}

void shoal_hb_net_init(struct shoal_net *sn)
{
	INIT_WORK(&sn->hb_work, shoal_hb_work);
	sn->interval_ms = SHOAL_INTERVAL_DEFAULT;
	sn->dead = SHOAL_DEAD_DEFAULT;
}

void shoal_hb_init(void)
{
	dev_add_pack(&shoal_hb_packet_type);
}

void shoal_hb_uninit(void)
{
	dev_remove_pack(&shoal_hb_packet_type);
}
