// SPDX-License-Identifier: GPL-2.0
/*
 * The table of declared cluster members.
 *
 * Nodes are indexed directly by id. Changes are made under sn->lock by
 * publishing a new copy, so readers under RCU always see a whole node.
 */
#include <linux/slab.h>
#include <net/netlink.h>

#include "shoal.h"

/* nodes in all namespaces; must be zero when the module goes */
static atomic_t shoal_nodes_alive = ATOMIC_INIT(0);

/* Caller is in an RCU read-side section (see shoal_deref()). */
struct shoal_node *shoal_node_get(struct shoal_net *sn, u32 id)
{
	if (id == 0 || id > SHOAL_NODE_ID_MAX)
		return NULL;
	return shoal_deref(sn->nodes[id]);
}

struct shoal_node *shoal_node_get_locked(struct shoal_net *sn, u32 id)
{
	if (id == 0 || id > SHOAL_NODE_ID_MAX)
		return NULL;
	return rcu_dereference_protected(sn->nodes[id],
					 lockdep_is_held(&sn->lock));
}

/*
 * Whether the node takes part: wanted up (or draining: alive, but taking
 * no new flow), and alive if heartbeats run.
 */
u8 shoal_node_state(struct shoal_net *sn, const struct shoal_node *node)
{
	if (node->admin == SHOAL_STATE_DOWN || !shoal_hb_alive(sn, node->id))
		return SHOAL_STATE_DOWN;
	return node->admin;
}

/*
 * With the quorum option, a side that sees at most half of the regular
 * nodes (itself included) stops serving, so that of two halves of a
 * split at most one serves.
 */
bool shoal_has_quorum(struct shoal_net *sn)
{
	unsigned int regular = 0, live = 0;
	struct shoal_node *node;
	u32 id;

	if (!sn->quorum || !rcu_access_pointer(sn->hb))
		return true;
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		node = shoal_node_get_locked(sn, id);
		if (!node || node->flags & SHOAL_NODE_F_SPARE)
			continue;
		regular++;
		/* this node is on its own side, even while not yet counted */
		if (shoal_node_state(sn, node) != SHOAL_STATE_DOWN ||
		    (id == READ_ONCE(sn->local_id) &&
		     node->admin != SHOAL_STATE_DOWN))
			live++;
	}
	return 2 * live > regular;
}

/*
 * Node states may have changed (by hand, by heartbeats): announce each
 * change and let bucket ownership follow. reason is what changed them,
 * or SHOAL_REASON_UNSPEC for heartbeats to tell.
 */
void shoal_nodes_changed(struct shoal_net *sn, u8 reason)
{
	struct shoal_node *node;
	bool up;
	u32 id;

	lockdep_assert_held(&sn->lock);
	if (WARN_ON_ONCE(sn->dying))
		return;
	/* the tables first, then who is told */
	shoal_ntf_hold(sn);
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		node = shoal_node_get_locked(sn, id);
		if (!node)
			continue;
		up = shoal_node_state(sn, node) != SHOAL_STATE_DOWN;
		if (up == test_bit(id, sn->reported_up))
			continue;
		__assign_bit(id, sn->reported_up, up);
		shoal_notify_node_state(sn, node, up, reason ?:
					shoal_hb_reason(sn, id, up));
	}
	/* this node stops or resumes serving with quorum: say so, as itself */
	up = shoal_has_quorum(sn);
	if (up != sn->quorate) {
		sn->quorate = up;
		node = shoal_node_get_locked(sn, READ_ONCE(sn->local_id));
		if (node)
			shoal_notify_node_state(sn, node, up,
						SHOAL_REASON_QUORUM);
	}
	shoal_services_recompute(sn);
	shoal_persona_kick(sn);
	shoal_ntf_release(sn);
}

static void shoal_node_publish(struct shoal_net *sn, u32 id,
			       struct shoal_node *node)
{
	struct shoal_node *old = shoal_node_get_locked(sn, id);

	if (!old || !node || old->weight != node->weight ||
	    old->flags != node->flags)
		sn->members_gen++;
	rcu_assign_pointer(sn->nodes[id], node);
	/* 0 would read as "no generation yet" to a dump */
	if (!++sn->node_gen)
		sn->node_gen = 1;
	if (old)
		kfree_rcu(old, rcu);
}

int shoal_node_add(struct shoal_net *sn, const struct shoal_node *tmpl,
		   struct netlink_ext_ack *extack)
{
	struct shoal_node *node;

	lockdep_assert_held(&sn->lock);

	if (shoal_node_get_locked(sn, tmpl->id)) {
		NL_SET_ERR_MSG(extack, "node already exists");
		return -EEXIST;
	}
	node = kmemdup(tmpl, sizeof(*node), SHOAL_GFP);
	if (!node)
		return -ENOMEM;
	shoal_node_publish(sn, node->id, node);
	__assign_bit(node->id, sn->reported_up,
		     shoal_node_state(sn, node) != SHOAL_STATE_DOWN);
	atomic_inc(&shoal_nodes_alive);
	return 0;
}

/* Replace an existing node with tmpl's contents. */
int shoal_node_replace(struct shoal_net *sn, const struct shoal_node *tmpl)
{
	struct shoal_node *node;

	lockdep_assert_held(&sn->lock);

	node = kmemdup(tmpl, sizeof(*node), SHOAL_GFP);
	if (!node)
		return -ENOMEM;
	shoal_node_publish(sn, node->id, node);
	return 0;
}

void shoal_node_del(struct shoal_net *sn, struct shoal_node *node)
{
	lockdep_assert_held(&sn->lock);

	shoal_node_publish(sn, node->id, NULL);
	atomic_dec(&shoal_nodes_alive);
}

/* Drop every node; used when the namespace goes away. */
void shoal_node_flush(struct shoal_net *sn)
{
	struct shoal_node *node;
	u32 id;

	mutex_lock(&sn->lock);
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		node = shoal_node_get_locked(sn, id);
		if (node)
			shoal_node_del(sn, node);
	}
	mutex_unlock(&sn->lock);
}

void shoal_node_check_leaks(void)
{
	WARN(atomic_read(&shoal_nodes_alive), "shoal: %d nodes leaked\n",
	     atomic_read(&shoal_nodes_alive));
}
