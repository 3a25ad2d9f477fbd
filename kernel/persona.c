// SPDX-License-Identifier: GPL-2.0
/*
 * Personas: identities that live on one node at a time. This file keeps
 * their configuration; persona_dev.c is their interface.
 *
 * The list changes under RTNL and sn->lock (an interface comes and goes
 * with each persona) and is read under RCU by the packet path.
 */
#include <linux/etherdevice.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "shoal.h"

static void shoal_persona_work(struct work_struct *work);

void shoal_persona_net_init(struct shoal_net *sn)
{
	INIT_DELAYED_WORK(&sn->persona_work, shoal_persona_work);
	INIT_LIST_HEAD(&sn->personas);
	__hash_init(sn->persona_by_mac, ARRAY_SIZE(sn->persona_by_mac));
	spin_lock_init(&sn->persona_lock);
	sn->persona_gen = 1;
}

/*
 * What persona dumps compare between their parts: a number that changes
 * with the list (persona_gen) and with any persona's view. Views change in
 * softirq under persona_lock, where sn->lock cannot be taken to bump a
 * generation, so it is computed from them. Caller holds sn->lock.
 */
u32 shoal_persona_dump_gen(struct shoal_net *sn)
{
	struct shoal_persona *p;
	u32 gen = sn->persona_gen;

	lockdep_assert_held(&sn->lock);
	spin_lock_bh(&sn->persona_lock);
	list_for_each_entry(p, &sn->personas, list)
		gen = jhash_3words(p->owner, p->epoch,
				   p->state | p->disks_ready << 8, gen);
	spin_unlock_bh(&sn->persona_lock);
	return gen ?: 1;	/* 0 would turn the check off */
}

/* Caller holds sn->lock or RCU. */
struct shoal_persona *shoal_persona_find(struct shoal_net *sn,
					 const char *name)
{
	struct shoal_persona *p;

	list_for_each_entry_rcu(p, &sn->personas, list,
				lockdep_is_held(&sn->lock))
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

static struct hlist_head *shoal_persona_mac_slot(struct shoal_net *sn,
						 const u8 *mac)
{
	/* the low bytes are the ones that differ */
	u32 key = (u32)mac[2] << 24 | mac[3] << 16 | mac[4] << 8 | mac[5];

	return &sn->persona_by_mac[hash_32(key, SHOAL_PERSONA_MAC_HASH_BITS)];
}

/* The persona with this MAC; caller holds sn->lock or RCU. */
struct shoal_persona *shoal_persona_by_mac(struct shoal_net *sn,
					   const u8 *mac)
{
	struct shoal_persona *p;

	hlist_for_each_entry_rcu(p, shoal_persona_mac_slot(sn, mac), mac_node,
				 lockdep_is_held(&sn->lock))
		if (ether_addr_equal(p->mac, mac))
			return p;
	return NULL;
}

static bool shoal_persona_nodes_declared(struct shoal_net *sn,
					 const struct shoal_persona *tmpl,
					 struct netlink_ext_ack *extack)
{
	unsigned int i;

	for (i = 0; i < tmpl->nnodes; i++) {
		if (!shoal_node_get_locked(sn, tmpl->nodes[i])) {
			NL_SET_ERR_MSG(extack,
				       "the node list names a node that is not declared");
			return false;
		}
	}
	return true;
}

/* A persona of this MAC is added again: it speaks for itself. */
static void shoal_persona_unbury(struct shoal_net *sn, const u8 *mac)
{
	unsigned int i;

	spin_lock_bh(&sn->persona_lock);
	for (i = 0; i < sn->ngone; i++) {
		if (ether_addr_equal(sn->gone[i].mac, mac)) {
			sn->gone[i] = sn->gone[--sn->ngone];
			break;
		}
	}
	spin_unlock_bh(&sn->persona_lock);
}

int shoal_persona_add(struct shoal_net *sn, const struct shoal_persona *tmpl,
		      struct netlink_ext_ack *extack)
{
	struct net_device *lower;
	struct shoal_persona *p;
	int err;

	rtnl_lock();
	mutex_lock(&sn->lock);
	err = -EEXIST;
	if (shoal_persona_find(sn, tmpl->name)) {
		NL_SET_ERR_MSG(extack, "a persona with this name exists");
		goto out;
	}
	if (shoal_persona_by_mac(sn, tmpl->mac)) {
		NL_SET_ERR_MSG(extack, "another persona has this MAC");
		goto out;
	}
	err = -ENOSPC;
	if (sn->persona_count >= SHOAL_PERSONAS_MAX) {
		NL_SET_ERR_MSG(extack, "too many personas in this namespace");
		goto out;
	}
	err = -ENOENT;
	if (!shoal_persona_nodes_declared(sn, tmpl, extack))
		goto out;
	err = -ENODEV;
	lower = sn->ifindex ? __dev_get_by_index(sn->net, sn->ifindex) : NULL;
	if (!lower) {
		NL_SET_ERR_MSG(extack,
			       "personas need the cluster device: shoal cluster set dev DEV");
		goto out;
	}
	err = -EADDRINUSE;
	if (ether_addr_equal(lower->dev_addr, tmpl->mac)) {
		NL_SET_ERR_MSG(extack, "the MAC is the cluster device's own");
		goto out;
	}

	err = shoal_rtnl_open(sn);
	if (err) {
		NL_SET_ERR_MSG(extack, "could not open rtnetlink for the addresses");
		goto out;
	}
	err = -ENOMEM;
	p = kmemdup(tmpl, sizeof(*p), SHOAL_GFP);
	if (!p)
		goto out;
	INIT_LIST_HEAD(&p->list);
	p->dev = NULL;
	p->added = ktime_get_ns();
	p->addrs_on = false;
	p->owner = 0;
	p->epoch = 0;
	p->state = SHOAL_PERSONA_STANDBY;
	p->cfg_digest = shoal_persona_cfg_digest(p);
	memset(p->cfg_peer, 0, sizeof(p->cfg_peer));
	bitmap_zero(p->cfg_heard, SHOAL_NODE_ID_MAX + 1);
	bitmap_zero(p->cfg_differs, SHOAL_NODE_ID_MAX + 1);
	err = shoal_persona_dev_create(sn, p, lower, extack);
	if (err) {
		kfree(p);
		goto out;
	}
	shoal_persona_unbury(sn, p->mac);
	list_add_tail_rcu(&p->list, &sn->personas);
	hlist_add_head_rcu(&p->mac_node, shoal_persona_mac_slot(sn, p->mac));
	sn->persona_count++;
	sn->persona_gen++;
	/* the others hear how it is configured here */
	sn->cfgs_changed = true;
	shoal_hb_set_cfgs(sn);
	shoal_notify_persona(sn, p, SHOAL_EVENT_PERSONA_ADDED);
	shoal_persona_kick(sn);
out:
	mutex_unlock(&sn->lock);
	rtnl_unlock();
	return err;
}

/* Caller holds RTNL and sn->lock. */
static void shoal_persona_unlink(struct shoal_net *sn, struct shoal_persona *p,
				 struct list_head *kill)
{
	shoal_notify_persona(sn, p, SHOAL_EVENT_PERSONA_DELETED);
	list_del_rcu(&p->list);
	hlist_del_rcu(&p->mac_node);
	sn->persona_count--;
	sn->persona_gen++;
	sn->cfgs_changed = true;
	shoal_hb_set_cfgs(sn);
	shoal_persona_dev_destroy(sn, p, kill);
	kfree_rcu(p, rcu);
}

/*
 * The cluster device is going away (its NETDEV_UNREGISTER, under RTNL):
 * its personas go with it, their interfaces unregistered with it.
 */
void shoal_persona_unlink_dev(struct shoal_net *sn, struct net_device *dev)
{
	struct shoal_persona *p, *tmp;
	LIST_HEAD(kill);

	ASSERT_RTNL();
	if (sn->persona_lower != dev)
		return;
	mutex_lock(&sn->lock);
	list_for_each_entry_safe(p, tmp, &sn->personas, list)
		shoal_persona_unlink(sn, p, &kill);
	shoal_persona_dev_release_lower(sn);
	mutex_unlock(&sn->lock);
	unregister_netdevice_many(&kill);
}

/* The namespace is going away. */
void shoal_persona_flush(struct shoal_net *sn)
{
	struct shoal_persona *p, *tmp;
	LIST_HEAD(kill);

	rtnl_lock();
	mutex_lock(&sn->lock);
	list_for_each_entry_safe(p, tmp, &sn->personas, list)
		shoal_persona_unlink(sn, p, &kill);
	shoal_persona_dev_release_lower(sn);
	mutex_unlock(&sn->lock);
	unregister_netdevice_many(&kill);
	rtnl_unlock();
}

/*
 * Ownership
 * ---------
 *
 * Every node keeps its view of each persona's owner and epoch, learns
 * other nodes' claims from their heartbeats (shoal_persona_input(), in
 * softirq) and says its own in its heartbeats (shoal_persona_entries()).
 * Decisions that bring an interface up or down run from persona_work,
 * under RTNL and sn->lock; fencing itself happens at once, wherever it is
 * learnt. See Documentation/personas.md.
 */

#define SHOAL_PERSONA_EV(e)	BIT(SHOAL_EVENT_PERSONA_##e - SHOAL_EVENT_PERSONA_ADDED)

/*
 * Also from the receive path, which may still run while the namespace's
 * exit begins (it waits for it before cancelling the work).
 */
void shoal_persona_kick(struct shoal_net *sn)
{
	if (!READ_ONCE(sn->dying))
		mod_delayed_work(system_highpri_wq, &sn->persona_work, 0);
}

/* Whether claim (epoch, node) beats the one known, (known, owner). */
static bool shoal_claim_beats(u32 epoch, u32 node, u32 known, u32 owner)
{
	return epoch > known || (epoch == known && owner && node < owner);
}

/*
 * Caller holds persona_lock. Stops speaking for p at once: the packet
 * path reads the state (shoal_persona_speaks()).
 */
static void shoal_persona_fence(struct shoal_persona *p, u8 reason, u64 now)
{
	if (p->state != SHOAL_PERSONA_ACTIVE &&
	    p->state != SHOAL_PERSONA_CLAIMING)
		return;
	p->held_epoch = p->epoch;
	WRITE_ONCE(p->state, reason == SHOAL_PERSONA_REASON_COMMAND ?
		   SHOAL_PERSONA_RELEASED : SHOAL_PERSONA_FENCED);
	shoal_persona_dev_carrier(p);
	p->reason = reason;
	p->changed = now;
	p->disks_ready = false;
	p->disks_idle = false;
	p->events |= p->state == SHOAL_PERSONA_RELEASED ?
		     SHOAL_PERSONA_EV(RELEASED) : SHOAL_PERSONA_EV(FENCED);
}

/*
 * p is deleted. If this node holds it, it lets it go first, as by
 * release; if it holds it or is still saying it let go, its frames go on
 * saying so after p is gone (struct shoal_persona_gone). Caller holds
 * sn->lock.
 */
static void shoal_persona_bury(struct shoal_net *sn, struct shoal_persona *p)
{
	u64 window = (u64)sn->dead * sn->interval_ms * NSEC_PER_MSEC;
	u64 now = ktime_get_ns();
	struct shoal_persona_gone *g;

	spin_lock_bh(&sn->persona_lock);
	shoal_persona_fence(p, SHOAL_PERSONA_REASON_COMMAND, now);
	if ((p->state == SHOAL_PERSONA_FENCED ||
	     p->state == SHOAL_PERSONA_RELEASED) &&
	    (!p->disks_idle || now - p->idle_since < window) &&
	    !WARN_ON_ONCE(sn->ngone >= ARRAY_SIZE(sn->gone))) {
		g = &sn->gone[sn->ngone++];
		strscpy(g->name, p->name, sizeof(g->name));
		ether_addr_copy(g->mac, p->mac);
		g->epoch = p->held_epoch;
		g->disks_idle = p->disks_idle;
		g->idle_since = p->idle_since;
	}
	spin_unlock_bh(&sn->persona_lock);
}

/*
 * Deleted personas' disks: once idle, each is said released for dead
 * intervals, then forgotten. Returns when to look again (0: never).
 * Caller holds sn->lock.
 */
static u64 shoal_persona_graves(struct shoal_net *sn, u64 now, bool *idle)
{
	u64 window = (u64)sn->dead * sn->interval_ms * NSEC_PER_MSEC;
	u64 next = 0, when;
	unsigned int i;

	for (i = 0; i < READ_ONCE(sn->ngone); i++) {
		struct shoal_persona_gone *g = &sn->gone[i];
		bool drained = false;

		/* (only this function and del change the array, both
		 * under sn->lock; persona_lock is for the frames' reader)
		 */
		if (!g->disks_idle)
			drained = shoal_dm_idle(sn->net, g->name);
		spin_lock_bh(&sn->persona_lock);
		if (drained) {
			g->disks_idle = true;
			g->idle_since = now;
			*idle = true;
		}
		if (g->disks_idle && now - g->idle_since >= window) {
			sn->gone[i--] = sn->gone[--sn->ngone];
			spin_unlock_bh(&sn->persona_lock);
			continue;
		}
		spin_unlock_bh(&sn->persona_lock);
		when = g->disks_idle ? g->idle_since + window :
		       now + window / max_t(u32, sn->dead, 1);
		next = !next || when < next ? when : next;
	}
	return next;
}

/* Caller holds RTNL and sn->lock. */
void shoal_persona_del(struct shoal_net *sn, struct shoal_persona *p)
{
	ASSERT_RTNL();
	lockdep_assert_held(&sn->lock);
	shoal_persona_bury(sn, p);
	shoal_persona_unlink(sn, p, NULL);
	shoal_persona_dev_release_lower(sn);
	/* the others hear at once that it is free */
	shoal_hb_send_now(sn);
	shoal_persona_kick(sn);
}

/*
 * This node leaves the cluster: it stops speaking for every persona now,
 * and says released for those whose disks have nothing in flight, so
 * that the frames saying it leaves let the others take them at once.
 * persona_work does the rest (interfaces, addresses, events). Caller
 * holds sn->lock.
 */
void shoal_persona_leave(struct shoal_net *sn)
{
	u64 now = ktime_get_ns();
	struct shoal_persona *p;
	bool fenced;

	lockdep_assert_held(&sn->lock);
	list_for_each_entry(p, &sn->personas, list) {
		spin_lock_bh(&sn->persona_lock);
		shoal_persona_fence(p, SHOAL_PERSONA_REASON_STOPPED, now);
		fenced = (p->state == SHOAL_PERSONA_FENCED ||
			  p->state == SHOAL_PERSONA_RELEASED) &&
			 !p->disks_idle;
		spin_unlock_bh(&sn->persona_lock);
		if (!fenced || !shoal_dm_idle(sn->net, p->name))
			continue;
		spin_lock_bh(&sn->persona_lock);
		if (!p->disks_idle) {
			p->disks_idle = true;
			p->idle_since = now;
			p->events |= SHOAL_PERSONA_EV(DISKS_FENCED);
		}
		spin_unlock_bh(&sn->persona_lock);
	}
	shoal_persona_kick(sn);
}

/* Caller holds persona_lock: this node owns p from now on. */
static void shoal_persona_activate(struct shoal_persona *p, u8 reason,
				   u64 now, u64 ready_at)
{
	/* pairs with shoal_persona_speaks(): the epoch is set before */
	smp_store_release(&p->state, SHOAL_PERSONA_ACTIVE);
	p->reason = reason;
	p->changed = now;
	p->announced = 0;
	p->next_announce = now;
	p->disks_ready = false;
	p->ready_at = ready_at;
	p->events |= SHOAL_PERSONA_EV(TAKEOVER);
	shoal_persona_dev_carrier(p);
}

unsigned int shoal_persona_entries(struct shoal_net *sn,
				   struct shoal_hb_entry *out, u64 now,
				   u64 window)
{
	struct shoal_persona *p;
	unsigned int n = 0, i;

	list_for_each_entry_rcu(p, &sn->personas, list) {
		struct shoal_hb_entry *e = &out[n];

		spin_lock(&sn->persona_lock);
		switch (p->state) {
		case SHOAL_PERSONA_ACTIVE:
		case SHOAL_PERSONA_CLAIMING:
			e->kind = p->state == SHOAL_PERSONA_ACTIVE ?
				  SHOAL_HB_ENTRY_ACTIVE : SHOAL_HB_ENTRY_CLAIM;
			e->epoch = p->epoch;
			break;
		case SHOAL_PERSONA_FENCED:
		case SHOAL_PERSONA_RELEASED:
			/*
			 * Let go only once no bio of ours can reach its disks
			 * (until then we still hold it); then for a while,
			 * long enough for everyone to hear.
			 */
			e->kind = !p->disks_idle ? SHOAL_HB_ENTRY_FENCING :
				  now - p->idle_since < window ?
				  SHOAL_HB_ENTRY_RELEASED : 0;
			e->epoch = p->held_epoch;
			break;
		default:
			e->kind = 0;
		}
		spin_unlock(&sn->persona_lock);
		if (!e->kind)
			continue;
		ether_addr_copy(e->mac, p->mac);
		if (++n == SHOAL_HB_ENTRIES_MAX)
			return n;
	}
	spin_lock(&sn->persona_lock);
	for (i = 0; i < sn->ngone && n < SHOAL_HB_ENTRIES_MAX; i++) {
		const struct shoal_persona_gone *g = &sn->gone[i];

		if (g->disks_idle && now - g->idle_since >= window)
			continue;
		out[n].kind = g->disks_idle ? SHOAL_HB_ENTRY_RELEASED :
					      SHOAL_HB_ENTRY_FENCING;
		out[n].epoch = g->epoch;
		ether_addr_copy(out[n].mac, g->mac);
		n++;
	}
	spin_unlock(&sn->persona_lock);
	return n;
}

/*
 * The entries of a frame sent as the kernel panics: no lock can be taken
 * (another CPU, stopped, may hold it), so the view is read as it is. A
 * persona this node speaks for is let go: nothing it does goes out from
 * now on; but one with disks may have writes in flight, which the
 * others wait out (fencing), as after any failure.
 */
unsigned int shoal_persona_entries_panic(struct shoal_net *sn,
					 struct shoal_hb_entry *out)
{
	struct shoal_persona *p;
	unsigned int n = 0;
	u8 state;

	list_for_each_entry_rcu(p, &sn->personas, list) {
		state = READ_ONCE(p->state);
		if (state != SHOAL_PERSONA_ACTIVE &&
		    state != SHOAL_PERSONA_CLAIMING)
			continue;
		out[n].kind = p->ndisks ? SHOAL_HB_ENTRY_FENCING :
					  SHOAL_HB_ENTRY_RELEASED;
		out[n].epoch = READ_ONCE(p->epoch);
		ether_addr_copy(out[n].mac, p->mac);
		if (++n == SHOAL_HB_ENTRIES_MAX)
			break;
	}
	return n;
}

/* Whether the frame has an entry for p. */
static bool shoal_persona_named(const struct shoal_persona *p, const u8 *buf,
				const struct shoal_hb *frame)
{
	struct shoal_hb_entry e;
	unsigned int i;

	for (i = 0; i < frame->nentries; i++) {
		shoal_hb_get_entry(buf, frame, i, &e);
		if (ether_addr_equal(e.mac, p->mac))
			return true;
	}
	return false;
}

/* What node from says in an authentic, fresh frame; in softirq. */
void shoal_persona_input(struct shoal_net *sn, u32 from, const u8 *buf,
			 const struct shoal_hb *frame)
{
	struct shoal_hb_entry e;
	struct shoal_persona *p;
	u64 now = ktime_get_ns();
	bool kick = false;
	unsigned int i;

	for (i = 0; i < frame->nentries; i++) {
		shoal_hb_get_entry(buf, frame, i, &e);
		p = shoal_persona_by_mac(sn, e.mac);
		if (!p)
			continue;
		spin_lock(&sn->persona_lock);
		if (e.kind == SHOAL_HB_ENTRY_RELEASED) {
			if (e.epoch > p->epoch ||
			    (e.epoch == p->epoch && from == p->owner)) {
				/* someone held it after us: we are stale */
				if (e.epoch > p->epoch)
					shoal_persona_fence(p,
							    SHOAL_PERSONA_REASON_SUPERSEDED,
							    now);
				p->epoch = e.epoch;
				p->owner = 0;
				p->released_by = from;
				p->events |= SHOAL_PERSONA_EV(MOVED);
				kick = true;
			} else if (p->state == SHOAL_PERSONA_CLAIMING &&
				   e.epoch + 1 == p->epoch &&
				   from == p->prev_owner && !p->prev_released) {
				p->prev_released = true;
				kick = true;
			}
		} else if (e.epoch == p->epoch && from == p->owner) {
			p->owner_heard = now;
		} else if (shoal_claim_beats(e.epoch, from, p->epoch,
					     /* it let go: no tie to win */
					     e.kind == SHOAL_HB_ENTRY_FENCING ?
					     0 : p->owner)) {
			shoal_persona_fence(p, SHOAL_PERSONA_REASON_SUPERSEDED,
					    now);
			p->prev_owner = p->owner;
			p->epoch = e.epoch;
			p->owner = from;
			p->owner_heard = now;
			p->released_by = 0;
			p->events |= SHOAL_PERSONA_EV(MOVED);
			kick = true;
		}
		spin_unlock(&sn->persona_lock);
	}

	/*
	 * A claim waits for the previous owner to let go. An owner holds
	 * what it names in every frame, so one that names the persona no
	 * more does not hold it (it restarted, or never heard it had it).
	 */
	list_for_each_entry_rcu(p, &sn->personas, list) {
		if (READ_ONCE(p->state) != SHOAL_PERSONA_CLAIMING ||
		    READ_ONCE(p->prev_owner) != from ||
		    shoal_persona_named(p, buf, frame))
			continue;
		spin_lock(&sn->persona_lock);
		if (p->state == SHOAL_PERSONA_CLAIMING &&
		    p->prev_owner == from && !p->prev_released) {
			p->prev_released = true;
			kick = true;
		}
		spin_unlock(&sn->persona_lock);
	}
	if (kick)
		shoal_persona_kick(sn);
}

static bool shoal_persona_node_up(struct shoal_net *sn, u32 id)
{
	struct shoal_node *node = id ? shoal_node_get_locked(sn, id) : NULL;

	return node && shoal_node_state(sn, node) == SHOAL_STATE_UP;
}

/*
 * Who should own p now, the same on every node that sees the same: the
 * first node of its list that is up, else the least loaded spare that is
 * up. A node that let p go is passed over.
 */
static u32 shoal_persona_choose(struct shoal_net *sn,
				const struct shoal_persona *p, u32 skip)
{
	struct shoal_node *node;
	u64 load, best_load = U64_MAX;
	u32 id, best = 0;
	unsigned int i;

	if (p->nnodes) {
		for (i = 0; i < p->nnodes; i++)
			if (p->nodes[i] != skip &&
			    shoal_persona_node_up(sn, p->nodes[i]))
				return p->nodes[i];
	} else {
		for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
			node = shoal_node_get_locked(sn, id);
			if (node && id != skip &&
			    !(node->flags & SHOAL_NODE_F_SPARE) &&
			    shoal_persona_node_up(sn, id))
				return id;
		}
	}
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		node = shoal_node_get_locked(sn, id);
		if (!node || id == skip || !(node->flags & SHOAL_NODE_F_SPARE) ||
		    !shoal_persona_node_up(sn, id))
			continue;
		load = shoal_hb_load_of(sn, id);
		if (load < best_load) {
			best_load = load;
			best = id;
		}
	}
	return best;
}

/* Whether a node that may own p is heard but not a member yet. */
static bool shoal_persona_joining(struct shoal_net *sn,
				  const struct shoal_persona *p)
{
	struct shoal_node *node;
	unsigned int i;
	u32 id;

	if (p->nnodes) {
		for (i = 0; i < p->nnodes; i++)
			if (shoal_hb_joining(sn, p->nodes[i]))
				return true;
		return false;
	}
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		node = shoal_node_get_locked(sn, id);
		if (node && shoal_hb_joining(sn, id))
			return true;
	}
	return false;
}

/* Whether a node before id in p's list (ids, with no list) is not up. */
static bool shoal_persona_before(struct shoal_net *sn,
				 const struct shoal_persona *p, u32 id)
{
	struct shoal_node *node;
	unsigned int i;
	u32 n;

	if (p->nnodes) {
		for (i = 0; i < p->nnodes && p->nodes[i] != id; i++)
			if (!shoal_persona_node_up(sn, p->nodes[i]))
				return true;
		return false;
	}
	for (n = 1; n < id; n++) {
		node = shoal_node_get_locked(sn, n);
		if (node && !(node->flags & SHOAL_NODE_F_SPARE) &&
		    !shoal_persona_node_up(sn, n))
			return true;
	}
	return false;
}

/* First placements wait this many dead times for nodes listed before. */
#define SHOAL_PLACEMENT_WAIT	10

static u64 shoal_next(u64 next, u64 when);

/*
 * Decide, for every persona, whether this node takes it now. Returns
 * when to look again (0: only on the next change). Caller holds sn->lock.
 */
static u64 shoal_personas_place(struct shoal_net *sn, u64 now, bool *claimed)
{
	u64 window = (u64)sn->dead * sn->interval_ms * NSEC_PER_MSEC;
	u32 local = READ_ONCE(sn->local_id);
	struct shoal_persona *p;
	u64 started, ready, heard, next = 0;
	bool running, quorate, member, starting;
	u32 owner;
	u8 reason;

	running = shoal_hb_since(sn, &started) && local;
	quorate = shoal_has_quorum(sn);
	/*
	 * A node holds personas only as a member: not while it starts (it
	 * first hears who owns what), nor once the members it hears count it
	 * out (they will give what it holds to others).
	 */
	member = shoal_persona_node_up(sn, local);
	starting = shoal_hb_starting(sn);

	list_for_each_entry(p, &sn->personas, list) {
		spin_lock_bh(&sn->persona_lock);
		if (!running || !quorate || !member) {
			shoal_persona_fence(p, !running || starting ?
					    SHOAL_PERSONA_REASON_STOPPED :
					    !member ?
					    SHOAL_PERSONA_REASON_UNSEEN :
					    SHOAL_PERSONA_REASON_QUORUM, now);
			goto next;
		}
		/* new here: first hear whether another node owns it */
		if (now < p->added + window) {
			if (!next || p->added + window < next)
				next = p->added + window;
			goto next;
		}
		/*
		 * A claim completes when the previous owner let go or is no
		 * member any more; while it is one, however long, the claim
		 * waits (it may not hear us: two holders would be worse). An
		 * owner unknown to this node had the dead time to object.
		 */
		if (p->state == SHOAL_PERSONA_CLAIMING) {
			if (p->prev_released ||
			    (p->prev_owner &&
			     !shoal_persona_node_up(sn, p->prev_owner)) ||
			    (!p->prev_owner && now >= p->deadline &&
			     shoal_hb_hears_members(sn)))
				shoal_persona_activate(p,
						       SHOAL_PERSONA_REASON_COMMAND,
						       now, p->prev_released ?
						       now : now + window);
			else if (!p->prev_owner)
				next = shoal_next(next, max(p->deadline,
							    now + window / sn->dead));
			goto next;
		}
		/*
		 * Fenced from it while no member (or without quorum): this
		 * node knows it does not hold it. Once a member again it may
		 * claim it anew, at a new epoch, like any other node.
		 */
		owner = p->owner != local ? p->owner : 0;
		/*
		 * An owner that still says so is alive, even while it is
		 * not up again in this node's view (three frames in a row).
		 */
		if (p->state == SHOAL_PERSONA_ACTIVE ||
		    (owner && shoal_persona_node_up(sn, owner)))
			goto next;
		/*
		 * An owner known only through relays left the members when
		 * a relay stopped counting it: it learns that from the same
		 * relay, and fences then. Its dead time runs from there.
		 */
		heard = max(p->owner_heard, shoal_hb_left_unheard(sn, owner));
		if (owner && now - heard < window) {
			if (!next || heard + window < next)
				next = heard + window;
			goto next;
		}
		/*
		 * Placed for the first time: not while a node is heard that
		 * is not a member yet, which may come before us in the list.
		 */
		if (!p->epoch && shoal_persona_joining(sn, p)) {
			next = shoal_next(next, now + window / sn->dead);
			goto next;
		}
		/*
		 * Nobody known to hold it: only a node that hears every
		 * member itself would have heard a holder say so. A member
		 * heard of only through another may hold it unbeknown.
		 */
		if (!owner && !shoal_hb_hears_members(sn)) {
			next = shoal_next(next, now + window / sn->dead);
			goto next;
		}
		if (shoal_persona_choose(sn, p, owner ? 0 : p->released_by) !=
		    local)
			goto next;
		/*
		 * The first placement follows the list, not the order in
		 * which nodes happened to start: for a while after this
		 * node's own start it leaves the persona to a node before it
		 * in the list that is not up yet.
		 */
		if (!p->epoch && now < started + SHOAL_PLACEMENT_WAIT * window &&
		    shoal_persona_before(sn, p, local)) {
			next = shoal_next(next, now + window / sn->dead);
			goto next;
		}
		reason = owner ? SHOAL_PERSONA_REASON_NODE_DOWN :
				 SHOAL_PERSONA_REASON_PLACEMENT;
		/* disks at once only after an owner said it let go */
		ready = !owner && p->released_by ? now : now + window;
		p->prev_owner = owner;
		p->epoch++;
		p->owner = local;
		p->released_by = 0;
		shoal_persona_activate(p, reason, now, ready);
		*claimed = true;
next:
		spin_unlock_bh(&sn->persona_lock);
	}
	return next;
}

/*
 * What persona_work does for one persona outside its locks: rtnetlink
 * takes RTNL itself, so addresses change between two locked phases.
 */
struct shoal_persona_job {
	char name[IFNAMSIZ];
	int ifindex;
	bool add, del;
	u8 naddrs;
	struct shoal_prefix addrs[SHOAL_PERSONA_ADDRS_MAX];
};

/*
 * Phase one, under RTNL and sn->lock: bring the interface up for an
 * owner, report, and say which addresses must come or go.
 */
static u64 shoal_persona_follow(struct shoal_net *sn, struct shoal_persona *p,
				u64 now, struct shoal_persona_job *job,
				bool *idle)
{
	struct net_device *dev = p->dev;
	bool active, draining, ready = false;
	u64 next = 0;
	u32 events;
	u8 reason;

	/*
	 * Fenced: new bios fail already. Say released once those that
	 * passed before have completed (dm_target.c kicks us then).
	 */
	spin_lock_bh(&sn->persona_lock);
	draining = (p->state == SHOAL_PERSONA_FENCED ||
		    p->state == SHOAL_PERSONA_RELEASED) && !p->disks_idle;
	spin_unlock_bh(&sn->persona_lock);
	if (draining && shoal_dm_idle(sn->net, p->name)) {
		spin_lock_bh(&sn->persona_lock);
		if ((p->state == SHOAL_PERSONA_FENCED ||
		     p->state == SHOAL_PERSONA_RELEASED) && !p->disks_idle) {
			p->disks_idle = true;
			p->idle_since = now;
			p->events |= SHOAL_PERSONA_EV(DISKS_FENCED);
			*idle = true;
		}
		spin_unlock_bh(&sn->persona_lock);
	}

	spin_lock_bh(&sn->persona_lock);
	active = p->state == SHOAL_PERSONA_ACTIVE;
	events = p->events;
	p->events = 0;
	reason = p->reason;
	if (active && !p->disks_ready) {
		if (now >= p->ready_at) {
			p->disks_ready = true;
			ready = true;
		} else {
			next = p->ready_at;
		}
	}
	spin_unlock_bh(&sn->persona_lock);

	if (dev && active && !(dev->flags & IFF_UP)) {
		if (dev_open(dev, NULL))
			netdev_warn(dev, "could not bring the persona up\n");
		/* as it is now: it may have been fenced since */
		spin_lock_bh(&sn->persona_lock);
		shoal_persona_dev_carrier(p);
		spin_unlock_bh(&sn->persona_lock);
	}
	memset(job, 0, sizeof(*job));
	if (dev) {
		job->add = active && !p->addrs_on;
		job->del = !active && p->addrs_on;
		strscpy(job->name, p->name, sizeof(job->name));
		job->ifindex = dev->ifindex;
		job->naddrs = p->naddrs;
		memcpy(job->addrs, p->addrs, sizeof(job->addrs));
	}

	if (events & SHOAL_PERSONA_EV(FENCED))
		shoal_notify_persona_change(sn, p, SHOAL_EVENT_PERSONA_FENCED,
					    reason, 0);
	if (events & SHOAL_PERSONA_EV(RELEASED))
		shoal_notify_persona_change(sn, p,
					    SHOAL_EVENT_PERSONA_RELEASED,
					    reason, 0);
	if (events & SHOAL_PERSONA_EV(DISKS_FENCED))
		shoal_notify_persona_change(sn, p,
					    SHOAL_EVENT_PERSONA_DISKS_FENCED,
					    0, 0);
	if (events & SHOAL_PERSONA_EV(MOVED) && !active)
		shoal_notify_persona_change(sn, p, SHOAL_EVENT_PERSONA_MOVED,
					    0, 0);
	if (events & SHOAL_PERSONA_EV(TAKEOVER))
		shoal_notify_persona_change(sn, p,
					    SHOAL_EVENT_PERSONA_TAKEOVER,
					    reason, 0);
	if (ready)
		shoal_notify_persona_change(sn, p,
					    SHOAL_EVENT_PERSONA_DISKS_READY,
					    0, 0);
	return next;
}

/* Phase two, no lock held: the addresses themselves. */
static void shoal_persona_addrs(struct shoal_net *sn,
				const struct shoal_persona_job *job)
{
	unsigned int i;
	int err;

	for (i = 0; i < job->naddrs; i++) {
		err = shoal_rtnl_addr(sn, job->ifindex, &job->addrs[i],
				      job->add);
		/* gone already, or there already: what was wanted */
		if (err && err != -EEXIST && err != -EADDRNOTAVAIL &&
		    err != -ENODEV)
			pr_warn_ratelimited("shoal: %s: could not %s address %u: %d\n",
					    job->name,
					    job->add ? "add" : "remove", i,
					    err);
	}
}

/*
 * Phase three, under RTNL and sn->lock again: a persona given up goes
 * down once its addresses are gone; a new owner announces itself once
 * they are there, SHOAL_PERSONA_ANNOUNCE_ROUNDS times an interval apart.
 */
static u64 shoal_persona_finish(struct shoal_net *sn,
				const struct shoal_persona_job *job, u64 now)
{
	u64 interval = (u64)sn->interval_ms * NSEC_PER_MSEC, next = 0;
	struct shoal_persona *p = shoal_persona_find(sn, job->name);
	bool active, announce = false;
	struct net_device *dev;
	u32 round = 0;

	if (!p || !p->dev || p->dev->ifindex != job->ifindex)
		return 0;
	dev = p->dev;
	if (job->add)
		p->addrs_on = true;
	if (job->del)
		p->addrs_on = false;

	spin_lock_bh(&sn->persona_lock);
	active = p->state == SHOAL_PERSONA_ACTIVE;
	if (active && p->addrs_on &&
	    p->announced < SHOAL_PERSONA_ANNOUNCE_ROUNDS) {
		if (now >= p->next_announce) {
			announce = true;
			round = ++p->announced;
			p->next_announce = now + interval;
		}
		if (p->announced < SHOAL_PERSONA_ANNOUNCE_ROUNDS)
			next = p->next_announce;
	}
	spin_unlock_bh(&sn->persona_lock);

	if (!active && !p->addrs_on && (dev->flags & IFF_UP))
		dev_close(dev);
	/* it changed hands meanwhile: its addresses must follow */
	if (active != p->addrs_on)
		next = now;
	if (announce && (dev->flags & IFF_UP)) {
		__netdev_notify_peers(dev);
		shoal_notify_persona_change(sn, p,
					    SHOAL_EVENT_PERSONA_GARP_SENT,
					    0, round);
	}
	return next;
}

static u64 shoal_next(u64 next, u64 when)
{
	return !when ? next : !next || when < next ? when : next;
}

static void shoal_persona_work(struct work_struct *work)
{
	struct shoal_net *sn = container_of(to_delayed_work(work),
					    struct shoal_net, persona_work);
	struct shoal_persona_job *jobs;
	struct shoal_persona *p;
	struct mem_cgroup *memcg;
	unsigned int n = 0, i;
	bool claimed = false, idle = false;
	u64 now, next;

	memcg = shoal_charge_begin(sn);
	jobs = kcalloc(SHOAL_PERSONAS_MAX, sizeof(*jobs), SHOAL_GFP);
	if (!jobs) {
		/* try again in a moment */
		if (!READ_ONCE(sn->dying))
			mod_delayed_work(system_highpri_wq, &sn->persona_work,
					 HZ / 10);
		shoal_charge_end(memcg);
		return;
	}
	rtnl_lock();
	mutex_lock(&sn->lock);
	/* queued before the namespace's exit began: it owns sn now */
	if (sn->dying)
		goto out;
	now = ktime_get_ns();
	next = shoal_personas_place(sn, now, &claimed);
	next = shoal_next(next, shoal_persona_graves(sn, now, &idle));
	list_for_each_entry(p, &sn->personas, list) {
		if (n == SHOAL_PERSONAS_MAX)
			break;
		next = shoal_next(next, shoal_persona_follow(sn, p, now,
							     &jobs[n], &idle));
		n++;
	}
	mutex_unlock(&sn->lock);
	rtnl_unlock();

	/* tell the others at once, not at the next tick */
	if (claimed || idle)
		shoal_hb_send_now(sn);
	for (i = 0; i < n; i++)
		if (jobs[i].add || jobs[i].del)
			shoal_persona_addrs(sn, &jobs[i]);

	rtnl_lock();
	mutex_lock(&sn->lock);
	if (sn->dying)
		goto out;
	now = ktime_get_ns();
	for (i = 0; i < n; i++)
		next = shoal_next(next, shoal_persona_finish(sn, &jobs[i], now));
	/* under the lock: the exit that sets dying waits for it */
	if (next)
		mod_delayed_work(system_highpri_wq, &sn->persona_work,
				 nsecs_to_jiffies(next > now ? next - now : 0));
out:
	mutex_unlock(&sn->lock);
	rtnl_unlock();
	kfree(jobs);
	shoal_charge_end(memcg);
}

/* A planned move to this node. Caller holds RTNL and sn->lock. */
int shoal_persona_takeover(struct shoal_net *sn, struct shoal_persona *p,
			   struct netlink_ext_ack *extack)
{
	u64 window = (u64)sn->dead * sn->interval_ms * NSEC_PER_MSEC;
	u32 local = READ_ONCE(sn->local_id);
	u64 started, now = ktime_get_ns();
	int err = 0;

	if (!shoal_hb_since(sn, &started) || !local) {
		NL_SET_ERR_MSG(extack,
			       "moving a persona needs heartbeats: a node id, a device and a key");
		return -ENOTCONN;
	}
	if (!shoal_has_quorum(sn)) {
		NL_SET_ERR_MSG(extack, "this node has no quorum");
		return -ENOTCONN;
	}
	if (shoal_hb_starting(sn)) {
		NL_SET_ERR_MSG(extack,
			       "this node is starting: it has not heard the others yet");
		return -EAGAIN;
	}
	if (!shoal_persona_node_up(sn, local)) {
		NL_SET_ERR_MSG(extack,
			       "this node is not a member: the members it hears count it down");
		return -EAGAIN;
	}
	spin_lock_bh(&sn->persona_lock);
	if (p->state == SHOAL_PERSONA_ACTIVE ||
	    p->state == SHOAL_PERSONA_CLAIMING) {
		NL_SET_ERR_MSG(extack, "this node owns the persona already");
		err = -EALREADY;
	} else {
		p->prev_owner = p->owner;
		p->prev_released = false;
		p->epoch++;
		p->owner = local;
		p->released_by = 0;
		WRITE_ONCE(p->state, SHOAL_PERSONA_CLAIMING);
		p->reason = SHOAL_PERSONA_REASON_COMMAND;
		p->changed = now;
		p->deadline = now + window;
	}
	spin_unlock_bh(&sn->persona_lock);
	if (!err) {
		shoal_hb_send_now(sn);
		shoal_persona_kick(sn);
	}
	return err;
}

/* This node, the owner, gives p up. Caller holds RTNL and sn->lock. */
int shoal_persona_release(struct shoal_net *sn, struct shoal_persona *p,
			  struct netlink_ext_ack *extack)
{
	u32 local = READ_ONCE(sn->local_id);
	int err = 0;

	spin_lock_bh(&sn->persona_lock);
	if (p->state != SHOAL_PERSONA_ACTIVE &&
	    p->state != SHOAL_PERSONA_CLAIMING) {
		NL_SET_ERR_MSG(extack, "this node does not own the persona");
		err = -EPERM;
	} else {
		shoal_persona_fence(p, SHOAL_PERSONA_REASON_COMMAND,
				    ktime_get_ns());
		p->owner = 0;
		p->released_by = local;
	}
	spin_unlock_bh(&sn->persona_lock);
	if (!err) {
		shoal_hb_send_now(sn);
		shoal_persona_kick(sn);
	}
	return err;
}

/*
 * Whether this node holds persona @name at @epoch with its disks ready:
 * what the device-mapper target asks for every I/O. *@added, if not 0,
 * is when this node learnt of the persona, as found before: a persona
 * deleted and added again is another one, whose epochs start over. On
 * return it is the persona's. Returns 0 if this node holds it, else
 * -ENOENT (no such persona), -ESTALE (it is at another epoch here),
 * -EPERM (this node does not own it at @epoch) or -EAGAIN (it does, but
 * its disks are not ready yet). Caller holds RCU.
 */
int shoal_persona_holds(struct shoal_net *sn, const char *name, u32 epoch,
			u64 *added)
{
	struct shoal_persona *p = shoal_persona_find(sn, name);
	int ret;

	if (!p || (*added && p->added != *added))
		return -ENOENT;
	*added = p->added;
	spin_lock_bh(&sn->persona_lock);
	if (p->epoch != epoch)
		ret = -ESTALE;
	else if (p->state != SHOAL_PERSONA_ACTIVE)
		ret = -EPERM;
	else if (!p->disks_ready)
		ret = -EAGAIN;
	else
		ret = 0;
	spin_unlock_bh(&sn->persona_lock);
	return ret;
}

void shoal_persona_net_exit(struct shoal_net *sn)
{
	cancel_delayed_work_sync(&sn->persona_work);
	shoal_rtnl_close(sn);
}
