// SPDX-License-Identifier: GPL-2.0
/*
 * Elastic pools: which of a service's candidate nodes are active, the
 * others standing by (Documentation/pools.md). Settings, and the
 * decisions every node follows, under sn->lock; the decisions travel in
 * every node's heartbeats (an entry per pooled service, frame.h).
 */
#include <linux/slab.h>

#include "lookup.h"

/*
 * Whether a pool's settings (each already in its range) suit a service
 * whose nodes are all, or those of the list: enough candidates for its
 * min. Caller holds sn->lock.
 */
int shoal_pool_check(struct shoal_net *sn, const struct shoal_service *svc,
		     const struct shoal_pool *conf, bool all,
		     const struct shoal_node_list *nodes,
		     struct netlink_ext_ack *extack)
{
	const struct shoal_service *other;
	unsigned int n = 0;
	u8 ids[SHOAL_NODE_ID_MAX];

	lockdep_assert_held(&sn->lock);
	if (conf->load == SHOAL_LOAD_CONNS && svc->proto &&
	    svc->proto != IPPROTO_TCP) {
		NL_SET_ERR_MSG(extack,
			       "a pool whose load is new connections needs a TCP service");
		return -EINVAL;
	}
	/* every pool has an entry in every frame */
	list_for_each_entry(other, &sn->services, list)
		n += other != svc && other->pool;
	if (n >= SHOAL_HB_POOLS_MAX) {
		NL_SET_ERR_MSG(extack, "at most "
			       __stringify(SHOAL_HB_POOLS_MAX)
			       " services of a node have a pool");
		return -ENOSPC;
	}
	n = shoal_service_candidates(sn, all, nodes, ids);
	if (n < conf->min) {
		NL_SET_ERR_MSG(extack,
			       "the service has fewer nodes than the pool's min");
		return -EINVAL;
	}
	return 0;
}

/*
 * Give svc the pool conf (checked), or none if NULL. A decision the pool
 * follows stays: only the settings change. Caller holds sn->lock.
 */
int shoal_pool_set(struct shoal_net *sn, struct shoal_service *svc,
		   const struct shoal_pool *conf)
{
	struct shoal_pool *pool = NULL;

	lockdep_assert_held(&sn->lock);
	if (conf) {
		pool = kmemdup(conf, sizeof(*pool), SHOAL_GFP);
		if (!pool)
			return -ENOMEM;
		pool->util = SHOAL_UTIL_NONE;
		if (svc->pool) {
			pool->epoch = svc->pool->epoch;
			pool->decider = svc->pool->decider;
			pool->nactive = svc->pool->nactive;
			memcpy(pool->active, svc->pool->active,
			       sizeof(pool->active));
			pool->last = svc->pool->last;
			/* the same counters: keep measuring */
			if (pool->load == svc->pool->load) {
				pool->util = svc->pool->util;
				pool->window = svc->pool->window;
			}
		}
		mod_delayed_work(system_wq, &sn->pool_work, 0);
	}
	kfree(svc->pool);
	svc->pool = pool;
	sn->service_gen++;
	shoal_pools_announce(sn);
	/* its members: the active ones, or all again */
	svc->ranked_gen = sn->members_gen - 1;
	shoal_services_recompute(sn);
	shoal_notify_service(sn, svc, SHOAL_EVENT_SERVICE_CHANGED);
	return 0;
}

/*
 * The active members of svc's pool (room for SHOAL_POOL_MEMBERS): those
 * of the decision it follows that are still candidates; before the first
 * decision, the first min candidates that are up. Returns how many.
 */
unsigned int shoal_pool_active(struct shoal_net *sn,
			       const struct shoal_service *svc, u8 *ids)
{
	const struct shoal_pool *pool = svc->pool;
	struct shoal_node *node;
	unsigned int n = 0, ncand, i, j;
	u8 cand[SHOAL_NODE_ID_MAX];

	ncand = shoal_service_candidates(sn, svc->all_nodes, &svc->nodes, cand);
	if (!pool->epoch) {
		for (i = 0; i < ncand && n < pool->min; i++) {
			node = shoal_node_get_locked(sn, cand[i]);
			if (node && shoal_node_state(sn, node) == SHOAL_STATE_UP)
				ids[n++] = cand[i];
		}
	} else {
		for (i = 0; i < pool->nactive; i++)
			for (j = 0; j < ncand; j++)
				if (cand[j] == pool->active[i])
					ids[n++] = cand[j];
	}
	return n;
}

/* Whether the service's ranks were computed with these regular members. */
bool shoal_pool_ranked(const struct shoal_pool *pool,
		       const struct shoal_member *members, unsigned int n)
{
	unsigned int i, k = 0;

	for (i = 0; i < n; i++) {
		if (members[i].spare)
			continue;
		if (k == pool->nranked || pool->ranked[k++] != members[i].id)
			return false;
	}
	return k == pool->nranked;
}

void shoal_pool_note_ranked(struct shoal_pool *pool,
			    const struct shoal_member *members, unsigned int n)
{
	unsigned int i;

	pool->nranked = 0;
	for (i = 0; i < n && pool->nranked < SHOAL_POOL_MEMBERS; i++)
		if (!members[i].spare)
			pool->ranked[pool->nranked++] = members[i].id;
}

/*
 * This node's utilization for a pool, in percent (SHOAL_UTIL_NONE): as
 * pushed, or as last measured (shoal_pool_measure_load()).
 */
static u8 shoal_pool_util(struct shoal_net *sn, const struct shoal_pool *pool)
{
	if (pool->load == SHOAL_LOAD_PUSHED)
		return READ_ONCE(sn->pushed_load);
	return pool->util;
}

/* Measure what the pools count as this node's utilization. */
static void shoal_pool_measure_load(struct shoal_net *sn, u64 now)
{
	struct shoal_service *svc;
	bool cpu_done = false;
	u8 cpu = SHOAL_UTIL_NONE;

	list_for_each_entry(svc, &sn->services, list) {
		if (!svc->pool)
			continue;
		switch (svc->pool->load) {
		case SHOAL_LOAD_CPU:
			if (!cpu_done) {
				cpu = shoal_load_cpu(sn, now);
				cpu_done = true;
			}
			svc->pool->util = cpu;
			break;
		case SHOAL_LOAD_PPS:
		case SHOAL_LOAD_CONNS:
			svc->pool->util = shoal_load_rate(svc, now);
			break;
		}
	}
}

/*
 * This node's entry for svc's pool: what it serves there, its weight and
 * utilization, and the decision it follows.
 */
static void shoal_pool_entry(struct shoal_net *sn,
			     const struct shoal_service *svc,
			     struct shoal_hb_pool *e)
{
	const struct shoal_node *self = shoal_node_get_locked(sn, sn->local_id);
	const struct shoal_pool *pool = svc->pool;

	BUILD_BUG_ON(SHOAL_POOL_MEMBERS != SHOAL_HB_POOL_ACTIVE);
	BUILD_BUG_ON(SHOAL_POOLS_MAX != SHOAL_HB_POOLS_MAX);
	BUILD_BUG_ON(SHOAL_POOL_WHY_SILENT != SHOAL_HB_POOL_WHY_MAX);
	memset(e, 0, sizeof(*e));
	e->family = svc->family == AF_INET ? 4 : 6;
	e->proto = svc->proto;
	e->port = ntohs(svc->port);
	/* the address as it is in memory, network order */
	memcpy(e->addr, &svc->addr, svc->family == AF_INET ? 4 : 16);
	e->weight = self ? self->weight : 0;
	e->util = shoal_pool_util(sn, pool);
	e->epoch = pool->epoch;
	e->decider = pool->decider;
	e->nactive = pool->nactive;
	memcpy(e->active, pool->active, sizeof(e->active));
	/* what the decision did travels with it, for the others' events */
	e->trigger = SHOAL_UTIL_NONE;
	if (pool->epoch && pool->last.epoch == pool->epoch &&
	    pool->last.event != SHOAL_EVENT_POOL_SKIP) {
		e->why = pool->last.why;
		e->trigger = pool->last.util;
	}
}

/* Put this node's pool entries in its heartbeats. Caller holds sn->lock. */
void shoal_pools_announce(struct shoal_net *sn)
{
	struct shoal_service *svc;
	struct shoal_hb_pool *e = sn->pools_said;
	unsigned int n = 0;

	lockdep_assert_held(&sn->lock);
	list_for_each_entry(svc, &sn->services, list)
		if (svc->pool && n < SHOAL_HB_POOLS_MAX)
			shoal_pool_entry(sn, svc, &e[n++]);
	shoal_hb_set_pools(sn, e, n);
}

/* The service an entry speaks of, if this node has it with a pool. */
static struct shoal_service *shoal_pool_service(struct shoal_net *sn,
						const struct shoal_hb_pool *e)
{
	union shoal_addr addr = {};
	struct shoal_service *svc;

	memcpy(&addr, e->addr, e->family == 4 ? 4 : 16);
	svc = shoal_service_find(sn, e->family == 4 ? AF_INET : AF_INET6,
				 &addr);
	return svc && svc->pool ? svc : NULL;
}

/*
 * Whether a decision heard is newer than the one followed: a higher
 * epoch, or the same made by a lower node id.
 */
static bool shoal_pool_newer(const struct shoal_hb_pool *e,
			     const struct shoal_pool *pool)
{
	if (e->epoch != pool->epoch)
		return e->epoch > pool->epoch;
	return e->decider && e->decider < pool->decider;
}

/* Whether id is among the n of ids. */
static bool shoal_ids_have(const u8 *ids, unsigned int n, u32 id)
{
	while (n--)
		if (ids[n] == id)
			return true;
	return false;
}

/*
 * Follow a decision: its epoch, decider and active members. d says what
 * it did when this node made it; else it is told from the members that
 * came or went. Timers start again; the ranks follow. Caller holds
 * sn->lock and recomputes the services.
 */
static void shoal_pool_follow(struct shoal_net *sn, struct shoal_service *svc,
			      u32 epoch, u8 decider, const u8 *active,
			      unsigned int n, u8 why, u8 trigger,
			      const struct shoal_pool_decision *d)
{
	struct shoal_pool *pool = svc->pool;
	struct shoal_pool_decision told = {
		.util = trigger,
		.why = why,
		.epoch = epoch,
		.decider = decider,
	};
	u8 before[SHOAL_POOL_MEMBERS];
	unsigned int nbefore, i;

	nbefore = shoal_pool_active(sn, svc, before);
	pool->epoch = epoch;
	pool->decider = decider;
	pool->nactive = n;
	memset(pool->active, 0, sizeof(pool->active));
	memcpy(pool->active, active, n);
	pool->over_since = 0;
	pool->under_since = 0;
	svc->ranked_gen = sn->members_gen - 1;
	if (!d) {
		for (i = 0; i < n && !told.member; i++)
			if (!shoal_ids_have(before, nbefore, active[i])) {
				told.event = SHOAL_EVENT_POOL_GROW;
				told.member = active[i];
			}
		for (i = 0; i < nbefore && !told.member; i++)
			if (!shoal_ids_have(active, n, before[i])) {
				told.event = SHOAL_EVENT_POOL_SHRINK;
				told.member = before[i];
			}
		d = &told;
	}
	if (!d->event)
		return;
	pool->last = *d;
	pool->last.at = ktime_get_ns();
	shoal_notify_pool(sn, svc, &pool->last);
}

/*
 * Frames changed: follow the newest decision any live node carries for
 * each pool. Caller holds sn->lock.
 */
void shoal_pools_heard(struct shoal_net *sn)
{
	struct shoal_service *svc;
	struct shoal_hb_pool *heard;
	unsigned int n, i;
	bool adopted = false;
	u32 id;

	lockdep_assert_held(&sn->lock);
	if (list_empty(&sn->services))
		return;
	heard = sn->pools_heard;
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		if (id == sn->local_id)
			continue;
		n = shoal_hb_pools_of(sn, id, 0, SHOAL_HB_POOLS_MAX, heard);
		for (i = 0; i < n; i++) {
			svc = shoal_pool_service(sn, &heard[i]);
			if (!svc || !shoal_pool_newer(&heard[i], svc->pool))
				continue;
			shoal_pool_follow(sn, svc, heard[i].epoch,
					  heard[i].decider, heard[i].active,
					  heard[i].nactive, heard[i].why,
					  heard[i].trigger, NULL);
			adopted = true;
		}
	}
	/* our frames carry the newest decision too; the caller recomputes */
	if (adopted)
		shoal_pools_announce(sn);
	/* a utilization heard counts from now, not from the next round */
	shoal_pools_kick(sn);
}

/* Judge the pools now: something they depend on changed. */
void shoal_pools_kick(struct shoal_net *sn)
{
	struct shoal_service *svc;

	lockdep_assert_held(&sn->lock);
	list_for_each_entry(svc, &sn->services, list) {
		if (svc->pool) {
			mod_delayed_work(system_wq, &sn->pool_work, 0);
			return;
		}
	}
}

/* A node this node counts up: a member, neither down nor draining. */
static bool shoal_pool_node_up(struct shoal_net *sn, u32 id)
{
	struct shoal_node *node = shoal_node_get_locked(sn, id);

	return node && shoal_node_state(sn, node) == SHOAL_STATE_UP;
}

/* Node id's entry for svc, as its newest frame says it. */
static bool shoal_pool_entry_of(struct shoal_net *sn,
				const struct shoal_service *svc, u32 id,
				struct shoal_hb_pool *heard,
				struct shoal_hb_pool *out)
{
	struct shoal_hb_pool mine;
	unsigned int n, i;

	if (id == sn->local_id) {
		shoal_pool_entry(sn, svc, out);
		return true;
	}
	shoal_pool_entry(sn, svc, &mine);
	n = shoal_hb_pools_of(sn, id, 0, SHOAL_HB_POOLS_MAX, heard);
	for (i = 0; i < n; i++) {
		if (heard[i].family == mine.family &&
		    !memcmp(heard[i].addr, mine.addr, sizeof(mine.addr))) {
			*out = heard[i];
			return true;
		}
	}
	return false;
}

/* Node id's utilization for svc's pool, as last said; SHOAL_UTIL_NONE. */
u8 shoal_pool_util_of(struct shoal_net *sn, const struct shoal_service *svc,
		      u32 id)
{
	struct shoal_hb_pool e;
	u8 util = SHOAL_UTIL_NONE;

	if (shoal_pool_entry_of(sn, svc, id, sn->pools_heard, &e))
		util = e.util;
	return util;
}

/*
 * Whether this node decides for the pools: a member with quorum, not
 * starting, and the lowest id of the members.
 */
static bool shoal_pool_decider(struct shoal_net *sn)
{
	u32 id, local = sn->local_id;

	if (!local || sn->left || shoal_hb_starting(sn) ||
	    !shoal_hb_alive(sn, local) || !shoal_has_quorum(sn))
		return false;
	for (id = 1; id < local; id++)
		if (shoal_node_get_locked(sn, id) && shoal_hb_alive(sn, id))
			return false;
	return true;
}

/* Say once why a standby was passed over. */
static void shoal_pool_skip(struct shoal_net *sn, struct shoal_service *svc,
			    u32 id, u8 why)
{
	struct shoal_pool_decision d = {
		.event = SHOAL_EVENT_POOL_SKIP,
		.member = id,
		.util = SHOAL_UTIL_NONE,
		.why = why,
		.epoch = svc->pool->epoch,
		.decider = sn->local_id,
		.at = ktime_get_ns(),
	};

	if (svc->pool->skipped[id] == why)
		return;
	svc->pool->skipped[id] = why;
	shoal_notify_pool(sn, svc, &d);
}

/*
 * The standby to bring in: up, not draining, serving what the service
 * serves with the weight configured for it (its own frames say so), the
 * least loaded, first in the list on a tie. 0 if none.
 */
static u32 shoal_pool_standby(struct shoal_net *sn, struct shoal_service *svc,
			      const u8 *active, unsigned int nactive,
			      struct shoal_hb_pool *heard)
{
	struct shoal_hb_pool mine, e;
	unsigned int ncand, i, best_util = UINT_MAX, util;
	struct shoal_node *node;
	u32 best = 0;
	u8 cand[SHOAL_NODE_ID_MAX];

	shoal_pool_entry(sn, svc, &mine);
	ncand = shoal_service_candidates(sn, svc->all_nodes, &svc->nodes, cand);
	for (i = 0; i < ncand; i++) {
		if (shoal_ids_have(active, nactive, cand[i]) ||
		    !shoal_pool_node_up(sn, cand[i]))
			continue;
		if (!shoal_pool_entry_of(sn, svc, cand[i], heard, &e)) {
			shoal_pool_skip(sn, svc, cand[i], SHOAL_POOL_WHY_SILENT);
			continue;
		}
		node = shoal_node_get_locked(sn, cand[i]);
		if (e.proto != mine.proto || e.port != mine.port) {
			shoal_pool_skip(sn, svc, cand[i], SHOAL_POOL_WHY_SERVES);
			continue;
		}
		if (!node || e.weight != node->weight) {
			shoal_pool_skip(sn, svc, cand[i], SHOAL_POOL_WHY_WEIGHT);
			continue;
		}
		svc->pool->skipped[cand[i]] = 0;
		/* unknown counts as idle: it says nothing against it */
		util = e.util == SHOAL_UTIL_NONE ? 0 : e.util;
		if (util < best_util) {
			best_util = util;
			best = cand[i];
		}
	}
	return best;
}

/*
 * How busy the active members are: whether one that is up is above up
 * (*busiest: the highest), and whether every one is below down, all
 * known.
 */
static void shoal_pool_measure(struct shoal_net *sn, struct shoal_service *svc,
			       const u8 *active, unsigned int n,
			       struct shoal_hb_pool *heard, bool *over,
			       bool *under, u8 *busiest)
{
	const struct shoal_pool *pool = svc->pool;
	struct shoal_hb_pool e;
	unsigned int i;

	*over = false;
	*under = n > 0;
	*busiest = 0;
	for (i = 0; i < n; i++) {
		if (!shoal_pool_node_up(sn, active[i]) ||
		    !shoal_pool_entry_of(sn, svc, active[i], heard, &e) ||
		    e.util == SHOAL_UTIL_NONE) {
			*under = false;
			continue;
		}
		*busiest = max(*busiest, e.util);
		if (e.util > pool->up)
			*over = true;
		if (e.util >= pool->down)
			*under = false;
	}
}

/* Make a decision: who is active from now on, and why. */
static void shoal_pool_decide(struct shoal_net *sn, struct shoal_service *svc,
			      const u8 *active, unsigned int n, u8 event,
			      u32 member, u8 util, u8 why)
{
	struct shoal_pool_decision d = {
		.event = event,
		.member = member,
		.util = util,
		.why = why,
		.epoch = svc->pool->epoch + 1,
		.decider = sn->local_id,
	};

	shoal_pool_follow(sn, svc, d.epoch, d.decider, active, n, why, util,
			  &d);
}

/*
 * Judge one pool, as its decider. A decision is made on the members that
 * are up: one that is down leaves the pool with it, and comes back as a
 * standby.
 */
static void shoal_pool_judge(struct shoal_net *sn, struct shoal_service *svc,
			     struct shoal_hb_pool *heard, u64 now)
{
	struct shoal_pool *pool = svc->pool;
	u8 active[SHOAL_POOL_MEMBERS], util;
	unsigned int n, up = 0, i;
	u64 hold = (u64)pool->hold * NSEC_PER_SEC;
	bool over, under;
	u32 id;

	n = shoal_pool_active(sn, svc, active);
	for (i = 0; i < n; i++)
		if (shoal_pool_node_up(sn, active[i]))
			active[up++] = active[i];
	shoal_pool_measure(sn, svc, active, up, heard, &over, &under, &util);
	if (!over)
		pool->over_since = 0;
	else if (!pool->over_since)
		pool->over_since = now;
	if (over)
		pool->over_util = util;
	if (!under)
		pool->under_since = 0;
	else if (!pool->under_since)
		pool->under_since = now;
	if (under)
		pool->under_util = util;

	if (up < pool->min) {
		/* fewer than min up: bring a standby in at once */
		id = shoal_pool_standby(sn, svc, active, up, heard);
		if (id) {
			active[up++] = id;
			shoal_pool_decide(sn, svc, active, up,
					  SHOAL_EVENT_POOL_GROW, id,
					  SHOAL_UTIL_NONE, SHOAL_POOL_WHY_MIN);
		}
	} else if (pool->over_since && now - pool->over_since >= hold &&
		   up < pool->max) {
		id = shoal_pool_standby(sn, svc, active, up, heard);
		if (id) {
			active[up++] = id;
			shoal_pool_decide(sn, svc, active, up,
					  SHOAL_EVENT_POOL_GROW, id,
					  pool->over_util, SHOAL_POOL_WHY_LOAD);
		}
	} else if (pool->under_since && now - pool->under_since >= hold &&
		   up > pool->min) {
		/* the last one in leaves: its flows are held, a drain */
		id = active[--up];
		shoal_pool_decide(sn, svc, active, up, SHOAL_EVENT_POOL_SHRINK,
				  id, pool->under_util, SHOAL_POOL_WHY_IDLE);
	}
}

/*
 * Every heartbeat interval while there are pools: say this node's
 * utilization, and decide if this node is the decider.
 */
static void shoal_pool_work(struct work_struct *work)
{
	struct shoal_net *sn = container_of(to_delayed_work(work),
					    struct shoal_net, pool_work);
	struct shoal_service *svc;
	struct mem_cgroup *memcg;
	struct shoal_hb_pool *heard;
	u64 now = ktime_get_ns(), next, hold;
	bool any = false, decided = false;
	u32 epoch;

	mutex_lock(&sn->lock);
	memcg = shoal_charge_begin(sn);
	if (sn->dying)
		goto out;
	list_for_each_entry(svc, &sn->services, list)
		any |= !!svc->pool;
	if (!any)
		goto out;
	shoal_pool_measure_load(sn, now);
	shoal_pools_announce(sn);
	heard = sn->pools_heard;
	if (shoal_pool_decider(sn)) {
		list_for_each_entry(svc, &sn->services, list) {
			if (!svc->pool)
				continue;
			epoch = svc->pool->epoch;
			shoal_pool_judge(sn, svc, heard, now);
			decided |= svc->pool->epoch != epoch;
		}
	}
	if (decided) {
		shoal_pools_announce(sn);
		shoal_services_recompute(sn);
	}
	/* every interval, and when a hold is up: a decision on time */
	next = (u64)READ_ONCE(sn->interval_ms) * NSEC_PER_MSEC;
	list_for_each_entry(svc, &sn->services, list) {
		if (!svc->pool)
			continue;
		hold = (u64)svc->pool->hold * NSEC_PER_SEC;
		if (svc->pool->over_since &&
		    svc->pool->over_since + hold > now)
			next = min(next, svc->pool->over_since + hold - now);
		if (svc->pool->under_since &&
		    svc->pool->under_since + hold > now)
			next = min(next, svc->pool->under_since + hold - now);
	}
	queue_delayed_work(system_wq, &sn->pool_work, nsecs_to_jiffies(next));
out:
	mutex_unlock(&sn->lock);
	shoal_charge_end(memcg);
}

void shoal_pool_net_init(struct shoal_net *sn)
{
	INIT_DELAYED_WORK(&sn->pool_work, shoal_pool_work);
}

/* The namespace is going, sn->dying set: nothing queues the work again. */
void shoal_pool_net_exit(struct shoal_net *sn)
{
	cancel_delayed_work_sync(&sn->pool_work);
}
