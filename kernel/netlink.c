// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family: the only door between shoal and userspace.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "netlink.h"
#include "shoal.h"

static const struct genl_multicast_group shoal_mcgrps[] = {
	[SHOAL_MCGRP_EVENTS_ID] = {
		.name = SHOAL_MCGRP_EVENTS,
		/* events name disks and addresses: administrators only */
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

/*
 * Ranges live in the policies, so that a policy dump (CTRL_CMD_GETPOLICY)
 * tells a client what is accepted and a refusal carries the range. What
 * depends on other values (a pool's max and min, a bucket of this service)
 * is checked where the request is applied.
 */
static struct netlink_range_validation shoal_ifindex_range = {
	.min = 1, .max = INT_MAX,
};

/* a device, or 0 for none */
static struct netlink_range_validation shoal_ifindex_or_none_range = {
	.min = 0, .max = INT_MAX,
};

static struct netlink_range_validation shoal_interval_range = {
	.min = SHOAL_INTERVAL_MIN, .max = SHOAL_INTERVAL_MAX,
};

static struct netlink_range_validation shoal_weight_range = {
	.min = SHOAL_WEIGHT_MIN, .max = SHOAL_WEIGHT_MAX,
};

static struct netlink_range_validation shoal_hold_range = {
	.min = 0, .max = SHOAL_HOLD_TIMEOUT_MAX,
};

static struct netlink_range_validation shoal_drain_range = {
	.min = 1, .max = SHOAL_HOLD_TIMEOUT_MAX,
};

static struct netlink_range_validation shoal_buckets_range = {
	.min = 1, .max = SHOAL_BUCKETS_MAX,
};

static struct netlink_range_validation shoal_bucket_id_range = {
	.min = 0, .max = SHOAL_BUCKETS_MAX - 1,
};

#define SHOAL_NODE_ID_POLICY NLA_POLICY_RANGE(NLA_U32, 1, SHOAL_NODE_ID_MAX)

static const struct nla_policy shoal_cluster_set_policy[SHOAL_A_MAX + 1] = {
	[SHOAL_A_CLUSTER_NODE_ID] = SHOAL_NODE_ID_POLICY,
	[SHOAL_A_CLUSTER_IFINDEX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &shoal_ifindex_range),
	[SHOAL_A_CLUSTER_IFINDEX2] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &shoal_ifindex_or_none_range),
	[SHOAL_A_CLUSTER_KEY] = NLA_POLICY_EXACT_LEN(SHOAL_KEY_LEN),
	[SHOAL_A_CLUSTER_KEY_CLEAR] = { .type = NLA_FLAG },
	[SHOAL_A_CLUSTER_INTERVAL] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &shoal_interval_range),
	[SHOAL_A_CLUSTER_DEAD] =
		NLA_POLICY_RANGE(NLA_U32, SHOAL_DEAD_MIN, SHOAL_DEAD_MAX),
	[SHOAL_A_CLUSTER_QUORUM] = NLA_POLICY_MAX(NLA_U8, 1),
	[SHOAL_A_CLUSTER_HOLD_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &shoal_hold_range),
	/* 0..SHOAL_UTIL_MAX, or SHOAL_UTIL_NONE just above */
	[SHOAL_A_CLUSTER_LOAD] = NLA_POLICY_MAX(NLA_U32, SHOAL_UTIL_NONE),
};

static const struct nla_policy shoal_node_id_policy[SHOAL_A_MAX + 1] = {
	[SHOAL_A_NODE_ID] = SHOAL_NODE_ID_POLICY,
};

static const struct nla_policy shoal_node_change_policy[SHOAL_A_MAX + 1] = {
	[SHOAL_A_NODE_ID] = SHOAL_NODE_ID_POLICY,
	[SHOAL_A_NODE_WEIGHT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &shoal_weight_range),
	[SHOAL_A_NODE_FLAGS] = NLA_POLICY_MASK(NLA_U32, SHOAL_NODE_F_ALL),
	[SHOAL_A_NODE_ADMIN] = NLA_POLICY_MAX(NLA_U8, SHOAL_STATE_DRAINING),
	[SHOAL_A_NODE_DRAIN_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &shoal_drain_range),
	/* empty: none */
	[SHOAL_A_NODE_ADDR4] = { .type = NLA_BINARY,
				 .len = sizeof(struct in_addr) },
	[SHOAL_A_NODE_ADDR6] = { .type = NLA_BINARY,
				 .len = sizeof(struct in6_addr) },
};

static const struct nla_policy shoal_node_list_policy[SHOAL_A_MAX + 1] = {
	[SHOAL_A_NODE_ID] = SHOAL_NODE_ID_POLICY,
};

#define SHOAL_SERVICE_ADDR_POLICY					\
	[SHOAL_A_SERVICE_ADDR4] = { .type = NLA_BE32 },			\
	[SHOAL_A_SERVICE_ADDR6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr))

static const struct nla_policy shoal_service_addr_policy[SHOAL_A_MAX + 1] = {
	SHOAL_SERVICE_ADDR_POLICY,
};

static const struct nla_policy shoal_service_add_policy[SHOAL_A_MAX + 1] = {
	SHOAL_SERVICE_ADDR_POLICY,
	/* IPPROTO_TCP, IPPROTO_UDP or 0: checked in shoal_parse_service() */
	[SHOAL_A_SERVICE_PROTO] = { .type = NLA_U8 },
	/* 0: every port */
	[SHOAL_A_SERVICE_PORT] = { .type = NLA_U16 },
	[SHOAL_A_SERVICE_HASH] = NLA_POLICY_MAX(NLA_U8, SHOAL_HASH_MAX),
	[SHOAL_A_SERVICE_BUCKETS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &shoal_buckets_range),
	[SHOAL_A_SERVICE_NODES] = NLA_POLICY_NESTED(shoal_node_list_policy),
	[SHOAL_A_SERVICE_MAC] = NLA_POLICY_EXACT_LEN(ETH_ALEN),
	[SHOAL_A_SERVICE_IFINDEX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &shoal_ifindex_range),
	[SHOAL_A_SERVICE_XDP] = NLA_POLICY_MAX(NLA_U8, 1),
	[SHOAL_A_SERVICE_MODE] = NLA_POLICY_MAX(NLA_U8, SHOAL_SERVICE_MODE_MAX),
	[SHOAL_A_SERVICE_DISTRIBUTORS] =
		NLA_POLICY_NESTED(shoal_node_list_policy),
};

/* A set of node ids as a nest of SHOAL_A_NODE_ID; none: no attribute. */
int shoal_put_node_set(struct sk_buff *skb, int attr, const unsigned long *ids)
{
	struct nlattr *nest;
	u32 id;

	if (bitmap_empty(ids, SHOAL_NODE_ID_MAX + 1))
		return 0;
	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	for_each_set_bit(id, ids, SHOAL_NODE_ID_MAX + 1)
		if (nla_put_u32(skb, SHOAL_A_NODE_ID, id))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* max >= min and down < up are checked in shoal_parse_pool() */
static const struct nla_policy shoal_pool_policy[SHOAL_A_MAX + 1] = {
	[SHOAL_A_POOL_OFF] = { .type = NLA_FLAG },
	[SHOAL_A_POOL_MIN] = NLA_POLICY_RANGE(NLA_U32, 1, SHOAL_POOL_MEMBERS),
	[SHOAL_A_POOL_MAX] = NLA_POLICY_RANGE(NLA_U32, 1, SHOAL_POOL_MEMBERS),
	[SHOAL_A_POOL_UP] = NLA_POLICY_RANGE(NLA_U32, 1, SHOAL_UTIL_MAX),
	[SHOAL_A_POOL_DOWN] = NLA_POLICY_MAX(NLA_U32, SHOAL_UTIL_MAX - 1),
	[SHOAL_A_POOL_HOLD] =
		NLA_POLICY_RANGE(NLA_U32, 1, SHOAL_POOL_HOLD_MAX),
	[SHOAL_A_POOL_LOAD] = NLA_POLICY_MAX(NLA_U8, __SHOAL_LOAD_MAX - 1),
	[SHOAL_A_POOL_CAPACITY] = NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy shoal_service_set_policy[SHOAL_A_MAX + 1] = {
	SHOAL_SERVICE_ADDR_POLICY,
	[SHOAL_A_SERVICE_NODES] = NLA_POLICY_NESTED(shoal_node_list_policy),
	[SHOAL_A_SERVICE_XDP] = NLA_POLICY_MAX(NLA_U8, 1),
	[SHOAL_A_SERVICE_POOL] = NLA_POLICY_NESTED(shoal_pool_policy),
	/* refused with a reason: fixed once the service is added */
	[SHOAL_A_SERVICE_MODE] = { .type = NLA_U8 },
	[SHOAL_A_SERVICE_DISTRIBUTORS] = { .type = NLA_NESTED },
};

static const struct nla_policy shoal_bucket_set_policy[SHOAL_A_MAX + 1] = {
	SHOAL_SERVICE_ADDR_POLICY,
	/* and below the service's bucket count */
	[SHOAL_A_BUCKET_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &shoal_bucket_id_range),
	/* 0: unpinned */
	[SHOAL_A_BUCKET_PIN] = NLA_POLICY_MAX(NLA_U32, SHOAL_NODE_ID_MAX),
};

static const struct nla_policy shoal_persona_name_policy[SHOAL_A_MAX + 1] = {
	[SHOAL_A_PERSONA_NAME] = { .type = NLA_NUL_STRING,
				   .len = SHOAL_PERSONA_NAME_MAX },
};

static const struct nla_policy shoal_disk_policy[SHOAL_A_MAX + 1] = {
	[SHOAL_A_DISK_NAME] = { .type = NLA_NUL_STRING,
				.len = SHOAL_DISK_NAME_MAX },
	[SHOAL_A_DISK_SPEC] = { .type = NLA_NUL_STRING,
				.len = SHOAL_DISK_SPEC_MAX },
	[SHOAL_A_DISK_STATE] = NLA_POLICY_MAX(NLA_U8, SHOAL_DISK_FAILING),
};

static const struct nla_policy shoal_disk_list_policy[SHOAL_A_MAX + 1] = {
	[SHOAL_A_DISK] = NLA_POLICY_NESTED(shoal_disk_policy),
};

static const struct nla_policy shoal_addr_policy[SHOAL_A_MAX + 1] = {
	[SHOAL_A_ADDR_IN] = { .type = NLA_BE32 },
	[SHOAL_A_ADDR_IN6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[SHOAL_A_ADDR_PREFIXLEN] = NLA_POLICY_RANGE(NLA_U8, 1, 128),
};

static const struct nla_policy shoal_addr_list_policy[SHOAL_A_MAX + 1] = {
	[SHOAL_A_ADDR] = NLA_POLICY_NESTED(shoal_addr_policy),
};

static const struct nla_policy shoal_disk_report_policy[SHOAL_A_MAX + 1] = {
	[SHOAL_A_PERSONA_NAME] = { .type = NLA_NUL_STRING,
				   .len = SHOAL_PERSONA_NAME_MAX },
	[SHOAL_A_PERSONA_DISKS] = NLA_POLICY_NESTED(shoal_disk_list_policy),
};

static const struct nla_policy shoal_persona_add_policy[SHOAL_A_MAX + 1] = {
	[SHOAL_A_PERSONA_NAME] = { .type = NLA_NUL_STRING,
				   .len = SHOAL_PERSONA_NAME_MAX },
	[SHOAL_A_PERSONA_MAC] = NLA_POLICY_EXACT_LEN(ETH_ALEN),
	[SHOAL_A_PERSONA_VLAN] = NLA_POLICY_MAX(NLA_U16, SHOAL_VLAN_MAX),
	[SHOAL_A_PERSONA_NODES] = NLA_POLICY_NESTED(shoal_node_list_policy),
	[SHOAL_A_PERSONA_DISKS] = NLA_POLICY_NESTED(shoal_disk_list_policy),
	[SHOAL_A_PERSONA_ADDRS] = NLA_POLICY_NESTED(shoal_addr_list_policy),
};

int shoal_put_hb_stats(struct sk_buff *skb, int attr,
		       const struct shoal_hb_stats *st)
{
	struct nlattr *nest = nla_nest_start(skb, attr);

	if (!nest ||
	    nla_put_u64_64bit(skb, SHOAL_A_HB_TX, st->tx, SHOAL_A_PAD) ||
	    nla_put_u64_64bit(skb, SHOAL_A_HB_RX, st->rx, SHOAL_A_PAD) ||
	    nla_put_u64_64bit(skb, SHOAL_A_HB_LOST, st->lost, SHOAL_A_PAD) ||
	    nla_put_u64_64bit(skb, SHOAL_A_HB_REJECTED, st->rejected,
			      SHOAL_A_PAD) ||
	    nla_put_u64_64bit(skb, SHOAL_A_HB_BAD_MAC, st->bad_mac,
			      SHOAL_A_PAD) ||
	    nla_put_u64_64bit(skb, SHOAL_A_HB_REPLAYED, st->replayed,
			      SHOAL_A_PAD) ||
	    nla_put_u64_64bit(skb, SHOAL_A_HB_MALFORMED, st->malformed,
			      SHOAL_A_PAD) ||
	    nla_put_u64_64bit(skb, SHOAL_A_HB_FOREIGN, st->foreign,
			      SHOAL_A_PAD) ||
	    nla_put_u64_64bit(skb, SHOAL_A_HB_UNVERIFIED, st->unverified,
			      SHOAL_A_PAD) ||
	    nla_put_u64_64bit(skb, SHOAL_A_HB_UNKNOWN, st->unknown,
			      SHOAL_A_PAD) ||
	    nla_put_u64_64bit(skb, SHOAL_A_HB_DUPLICATE, st->duplicate,
			      SHOAL_A_PAD) ||
	    (attr == SHOAL_A_CLUSTER_STATS &&
	     nla_put_u64_64bit(skb, SHOAL_A_HB_STALLED_MS, st->stalled_ms,
			       SHOAL_A_PAD)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int shoal_put_cluster(struct sk_buff *skb, struct shoal_net *sn)
{
	u32 local_id = READ_ONCE(sn->local_id);
	int ifindex = READ_ONCE(sn->ifindex);
	int ifindex2 = READ_ONCE(sn->ifindex2);
	struct shoal_hb_stats stats;
	struct net_device *dev;
	bool running;
	int err = 0;

	running = shoal_hb_stats(sn, &stats);
	if (local_id && nla_put_u32(skb, SHOAL_A_CLUSTER_NODE_ID, local_id))
		return -EMSGSIZE;
	if (nla_put_u32(skb, SHOAL_A_CLUSTER_INTERVAL,
			READ_ONCE(sn->interval_ms)) ||
	    nla_put_u32(skb, SHOAL_A_CLUSTER_DEAD, READ_ONCE(sn->dead)) ||
	    nla_put_u8(skb, SHOAL_A_CLUSTER_QUORUM, READ_ONCE(sn->quorum)) ||
	    nla_put_u32(skb, SHOAL_A_CLUSTER_HOLD_TIMEOUT,
			READ_ONCE(sn->hold_timeout)) ||
	    (READ_ONCE(sn->pushed_load) != SHOAL_UTIL_NONE &&
	     nla_put_u32(skb, SHOAL_A_CLUSTER_LOAD,
			 READ_ONCE(sn->pushed_load))) ||
	    nla_put_u8(skb, SHOAL_A_CLUSTER_HEARTBEAT, running) ||
	    (running && nla_put_u8(skb, SHOAL_A_CLUSTER_STARTING,
				   shoal_hb_starting(sn))) ||
	    (running && nla_put_u8(skb, SHOAL_A_CLUSTER_KEY_CHANGE,
				   shoal_hb_key_change(sn))) ||
	    (running && shoal_put_hb_stats(skb, SHOAL_A_CLUSTER_STATS, &stats)))
		return -EMSGSIZE;
	if (!ifindex)
		return 0;

	rcu_read_lock();
	dev = dev_get_by_index_rcu(sn->net, ifindex);
	if (dev && (nla_put_u32(skb, SHOAL_A_CLUSTER_IFINDEX, ifindex) ||
		    nla_put_string(skb, SHOAL_A_CLUSTER_IFNAME, dev->name)))
		err = -EMSGSIZE;
	dev = ifindex2 ? dev_get_by_index_rcu(sn->net, ifindex2) : NULL;
	if (!err && dev &&
	    (nla_put_u32(skb, SHOAL_A_CLUSTER_IFINDEX2, ifindex2) ||
	     nla_put_string(skb, SHOAL_A_CLUSTER_IFNAME2, dev->name)))
		err = -EMSGSIZE;
	rcu_read_unlock();
	return err;
}

/* The utilization the node's frames give for each pool it is part of. */
static int shoal_put_node_utils(struct sk_buff *skb, struct shoal_net *sn,
				u32 id)
{
	struct shoal_hb_pool e;
	struct nlattr *nest;
	unsigned int i;

	/* one at a time: replies are built under RCU, with no room for all */
	for (i = 0; i < shoal_hb_pools_of(sn, id, i, 1, &e); i++) {
		nest = nla_nest_start(skb, SHOAL_A_NODE_UTIL);
		if (!nest ||
		    (e.family == 4 ?
		     nla_put(skb, SHOAL_A_SERVICE_ADDR4, 4, e.addr) :
		     nla_put(skb, SHOAL_A_SERVICE_ADDR6, 16, e.addr)) ||
		    nla_put_u8(skb, SHOAL_A_SERVICE_PROTO, e.proto) ||
		    nla_put_u16(skb, SHOAL_A_SERVICE_PORT, e.port) ||
		    (e.util != SHOAL_UTIL_NONE &&
		     nla_put_u32(skb, SHOAL_A_POOL_UTIL, e.util)))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	return 0;
}

/* What heartbeats know of the node, if they run. */
/* The heartbeat links a live node is heard on, while there are two. */
static int shoal_put_node_links(struct sk_buff *skb, struct shoal_net *sn,
				u8 links)
{
	int ifindex[SHOAL_HB_LINKS] = { READ_ONCE(sn->ifindex),
					READ_ONCE(sn->ifindex2) };
	struct nlattr *nest;
	unsigned int l;

	if (!links || !ifindex[1])
		return 0;
	nest = nla_nest_start(skb, SHOAL_A_NODE_LINKS);
	if (!nest)
		return -EMSGSIZE;
	for (l = 0; l < SHOAL_HB_LINKS; l++)
		if ((links & BIT(l)) && ifindex[l] &&
		    nla_put_u32(skb, SHOAL_A_CLUSTER_IFINDEX, ifindex[l]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int shoal_put_node_hb(struct sk_buff *skb, struct shoal_net *sn,
			     const struct shoal_node *node)
{
	struct shoal_peer_info peer;

	if (!shoal_hb_peer(sn, node->id, &peer))
		return 0;
	if (peer.heard &&
	    (nla_put_u32(skb, SHOAL_A_NODE_LAST_HEARD,
			 min_t(u64, peer.since_ms, U32_MAX)) ||
	     nla_put_u32(skb, SHOAL_A_NODE_DOWN_AFTER, peer.down_after_us)))
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, SHOAL_A_NODE_LOAD, peer.load_pps,
			      SHOAL_A_PAD) ||
	    nla_put_u32(skb, SHOAL_A_NODE_HELD,
			shoal_hb_held_of(sn, node->id)) ||
	    shoal_put_hb_stats(skb, SHOAL_A_NODE_STATS, &peer.stats) ||
	    shoal_put_node_links(skb, sn, peer.links) ||
	    shoal_put_node_utils(skb, sn, node->id))
		return -EMSGSIZE;
	return 0;
}

static int shoal_put_node(struct sk_buff *skb, struct shoal_net *sn,
			  const struct shoal_node *node)
{
	if (nla_put_u32(skb, SHOAL_A_NODE_ID, node->id) ||
	    nla_put_u32(skb, SHOAL_A_NODE_WEIGHT, node->weight) ||
	    nla_put_u32(skb, SHOAL_A_NODE_FLAGS, node->flags) ||
	    nla_put_u8(skb, SHOAL_A_NODE_ADMIN, node->admin) ||
	    (node->drain_timeout &&
	     nla_put_u32(skb, SHOAL_A_NODE_DRAIN_TIMEOUT,
			 node->drain_timeout)) ||
	    (node->addr4 &&
	     nla_put_in_addr(skb, SHOAL_A_NODE_ADDR4, node->addr4)) ||
	    (!ipv6_addr_any(&node->addr6) &&
	     nla_put_in6_addr(skb, SHOAL_A_NODE_ADDR6, &node->addr6)) ||
	    nla_put_u8(skb, SHOAL_A_NODE_STATE, shoal_node_state(sn, node)) ||
	    shoal_put_node_hb(skb, sn, node))
		return -EMSGSIZE;
	return 0;
}

/*
 * Start a notification for the namespace's "events" listeners; NULL if
 * nobody listens (or no memory: events are best effort).
 */
struct sk_buff *shoal_ntf_begin(struct shoal_net *sn, u8 cmd, u8 event,
				void **hdr)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&shoal_genl_family, sn->net,
				SHOAL_MCGRP_EVENTS_ID))
		return NULL;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &shoal_genl_family, 0, cmd);
	if (!*hdr || nla_put_u8(skb, SHOAL_A_EVENT, event)) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

void shoal_ntf_end(struct shoal_net *sn, struct sk_buff *skb, void *hdr,
		   int err)
{
	if (err) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	if (READ_ONCE(sn->ntf_holding)) {
		skb_queue_tail(&sn->ntf_held, skb);
		return;
	}
	genlmsg_multicast_netns(&shoal_genl_family, sn->net, skb, 0,
				SHOAL_MCGRP_EVENTS_ID, GFP_KERNEL);
}

/*
 * Hold back the events made from now on, in order, until
 * shoal_ntf_release(): while ownership changes, a listener woken by an
 * event (a monitor, say) could run before the new tables are published
 * and delay them. Caller holds lock.
 */
void shoal_ntf_hold(struct shoal_net *sn)
{
	lockdep_assert_held(&sn->lock);
	WRITE_ONCE(sn->ntf_holding, true);
}

/* Send the events held back. Caller holds lock. */
void shoal_ntf_release(struct shoal_net *sn)
{
	struct sk_buff *skb;

	lockdep_assert_held(&sn->lock);
	WRITE_ONCE(sn->ntf_holding, false);
	while ((skb = skb_dequeue(&sn->ntf_held)))
		genlmsg_multicast_netns(&shoal_genl_family, sn->net, skb, 0,
					SHOAL_MCGRP_EVENTS_ID, GFP_KERNEL);
}

void shoal_notify_cluster(struct shoal_net *sn)
{
	struct sk_buff *skb;
	void *hdr;

	skb = shoal_ntf_begin(sn, SHOAL_CMD_CLUSTER_NTF,
			      SHOAL_EVENT_CLUSTER_CHANGED, &hdr);
	if (skb)
		shoal_ntf_end(sn, skb, hdr, shoal_put_cluster(skb, sn));
}

void shoal_notify_node(struct shoal_net *sn, const struct shoal_node *node,
		       u8 event)
{
	struct sk_buff *skb;
	void *hdr;

	skb = shoal_ntf_begin(sn, SHOAL_CMD_NODE_NTF, event, &hdr);
	if (skb)
		shoal_ntf_end(sn, skb, hdr, shoal_put_node(skb, sn, node));
}

void shoal_notify_node_state(struct shoal_net *sn,
			     const struct shoal_node *node, bool up, u8 reason)
{
	struct sk_buff *skb;
	void *hdr;

	skb = shoal_ntf_begin(sn, SHOAL_CMD_NODE_NTF,
			      up ? SHOAL_EVENT_NODE_UP : SHOAL_EVENT_NODE_DOWN,
			      &hdr);
	if (skb)
		shoal_ntf_end(sn, skb, hdr,
			      shoal_put_node(skb, sn, node) ||
			      nla_put_u8(skb, SHOAL_A_NODE_REASON, reason));
}

void shoal_notify_auth_failed(struct shoal_net *sn,
			      const struct shoal_hb_stats *stats, u32 node_id)
{
	struct sk_buff *skb;
	void *hdr;

	skb = shoal_ntf_begin(sn, SHOAL_CMD_CLUSTER_NTF,
			      SHOAL_EVENT_AUTH_FAILED, &hdr);
	if (skb)
		shoal_ntf_end(sn, skb, hdr,
			      shoal_put_hb_stats(skb, SHOAL_A_CLUSTER_STATS,
						 stats) ||
			      (node_id &&
			       nla_put_u32(skb, SHOAL_A_NODE_ID, node_id)));
}

static int shoal_nl_cluster_get(struct sk_buff *skb, struct genl_info *info)
{
	struct shoal_net *sn = shoal_info_net(info);
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &shoal_genl_family, 0,
				SHOAL_CMD_CLUSTER_GET);
	if (!hdr || shoal_put_cluster(msg, sn)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int shoal_nl_cluster_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *ifindex_attr = info->attrs[SHOAL_A_CLUSTER_IFINDEX];
	struct nlattr *ifindex2_attr = info->attrs[SHOAL_A_CLUSTER_IFINDEX2];
	struct shoal_net *sn = shoal_info_net(info);
	struct nlattr **attrs = info->attrs;
	struct shoal_cluster_cfg cfg = {
		.ifindex_attr = ifindex_attr,
		.ifindex2_attr = ifindex2_attr,
	};
	u32 node_id, interval, dead, hold;
	int ifindex, ifindex2;
	u8 pushed;
	bool quorum;

	if (!attrs[SHOAL_A_CLUSTER_NODE_ID] && !ifindex_attr &&
	    !ifindex2_attr &&
	    !attrs[SHOAL_A_CLUSTER_KEY] && !attrs[SHOAL_A_CLUSTER_KEY_CLEAR] &&
	    !attrs[SHOAL_A_CLUSTER_INTERVAL] &&
	    !attrs[SHOAL_A_CLUSTER_DEAD] && !attrs[SHOAL_A_CLUSTER_QUORUM] &&
	    !attrs[SHOAL_A_CLUSTER_HOLD_TIMEOUT] &&
	    !attrs[SHOAL_A_CLUSTER_LOAD]) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to set: give a node id, a device or heartbeat settings");
		return -EINVAL;
	}
	if (attrs[SHOAL_A_CLUSTER_NODE_ID]) {
		node_id = nla_get_u32(attrs[SHOAL_A_CLUSTER_NODE_ID]);
		cfg.node_id = &node_id;
	}
	if (ifindex_attr) {
		ifindex = nla_get_u32(ifindex_attr);
		cfg.ifindex = &ifindex;
	}
	if (ifindex2_attr) {
		ifindex2 = nla_get_u32(ifindex2_attr);
		cfg.ifindex2 = &ifindex2;
	}
	if (attrs[SHOAL_A_CLUSTER_KEY] && attrs[SHOAL_A_CLUSTER_KEY_CLEAR]) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    attrs[SHOAL_A_CLUSTER_KEY_CLEAR],
				    "a key, or no key: not both");
		return -EINVAL;
	}
	if (attrs[SHOAL_A_CLUSTER_KEY])
		cfg.key = nla_data(attrs[SHOAL_A_CLUSTER_KEY]);
	cfg.clear_key = nla_get_flag(attrs[SHOAL_A_CLUSTER_KEY_CLEAR]);
	if (attrs[SHOAL_A_CLUSTER_INTERVAL]) {
		interval = nla_get_u32(attrs[SHOAL_A_CLUSTER_INTERVAL]);
		cfg.interval = &interval;
	}
	if (attrs[SHOAL_A_CLUSTER_DEAD]) {
		dead = nla_get_u32(attrs[SHOAL_A_CLUSTER_DEAD]);
		cfg.dead = &dead;
	}
	if (attrs[SHOAL_A_CLUSTER_QUORUM]) {
		quorum = nla_get_u8(attrs[SHOAL_A_CLUSTER_QUORUM]);
		cfg.quorum = &quorum;
	}
	if (attrs[SHOAL_A_CLUSTER_HOLD_TIMEOUT]) {
		hold = nla_get_u32(attrs[SHOAL_A_CLUSTER_HOLD_TIMEOUT]);
		cfg.hold_timeout = &hold;
	}
	if (attrs[SHOAL_A_CLUSTER_LOAD]) {
		pushed = nla_get_u32(attrs[SHOAL_A_CLUSTER_LOAD]);
		cfg.pushed_load = &pushed;
	}

	return shoal_cluster_set(sn, &cfg, info->extack);
}

static int shoal_nl_cluster_leave(struct sk_buff *skb, struct genl_info *info)
{
	return shoal_cluster_leave(shoal_info_net(info), info->extack);
}

static int shoal_fill_node(struct sk_buff *skb, struct shoal_net *sn,
			   const struct shoal_node *node, u32 portid, u32 seq,
			   int flags, u8 cmd, struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &shoal_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (shoal_put_node(skb, sn, node)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int shoal_require_node_id(struct genl_info *info, u32 *id)
{
	if (!info->attrs[SHOAL_A_NODE_ID]) {
		NL_SET_ERR_MSG(info->extack, "missing node id");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, SHOAL_A_NODE_ID);
		return -EINVAL;
	}
	*id = nla_get_u32(info->attrs[SHOAL_A_NODE_ID]);
	return 0;
}

static int shoal_nl_node_get(struct sk_buff *skb, struct genl_info *info)
{
	struct shoal_net *sn = shoal_info_net(info);
	struct shoal_node *node;
	struct sk_buff *msg;
	u32 id;
	int err;

	err = shoal_require_node_id(info, &id);
	if (err)
		return err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rcu_read_lock();
	node = shoal_node_get(sn, id);
	if (!node) {
		rcu_read_unlock();
		nlmsg_free(msg);
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SHOAL_A_NODE_ID],
				    "node does not exist");
		return -ENOENT;
	}
	err = shoal_fill_node(msg, sn, node, info->snd_portid, info->snd_seq, 0,
			      SHOAL_CMD_NODE_GET, NULL);
	rcu_read_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int shoal_nl_node_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct shoal_net *sn = shoal_net(sock_net(cb->skb->sk));
	struct shoal_node *node;
	/* args[0]: the next id to look at; 0 before the first part */
	u32 id = cb->args[0] ?: 1;

	rcu_read_lock();
	cb->seq = READ_ONCE(sn->node_gen);
	for (; id <= SHOAL_NODE_ID_MAX; id++) {
		node = shoal_node_get(sn, id);
		if (!node)
			continue;
		if (shoal_fill_node(skb, sn, node, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI,
				    SHOAL_CMD_NODE_GET, cb))
			break;
	}
	rcu_read_unlock();
	cb->args[0] = id;
	return skb->len;
}

/*
 * A node's address: empty for none, else one that can be sent to alone
 * (not any, loopback, multicast or broadcast).
 */
static int shoal_parse_node_addr(struct genl_info *info,
				 struct shoal_node *node)
{
	const struct nlattr *a4 = info->attrs[SHOAL_A_NODE_ADDR4];
	const struct nlattr *a6 = info->attrs[SHOAL_A_NODE_ADDR6];
	struct in6_addr addr6 = {};
	__be32 addr4 = 0;

	if (a4 && nla_len(a4)) {
		if (nla_len(a4) != sizeof(addr4))
			goto bad_len4;
		addr4 = nla_get_in_addr(a4);
		if (ipv4_is_zeronet(addr4) || ipv4_is_loopback(addr4) ||
		    ipv4_is_multicast(addr4) || ipv4_is_lbcast(addr4)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a4,
					    "a node's address must be unicast");
			return -EINVAL;
		}
	}
	if (a6 && nla_len(a6)) {
		if (nla_len(a6) != sizeof(addr6)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a6,
					    "an IPv6 address is 16 bytes");
			return -EINVAL;
		}
		addr6 = nla_get_in6_addr(a6);
		/* a link-local one would need a device to route by */
		if (ipv6_addr_type(&addr6) & (IPV6_ADDR_ANY | IPV6_ADDR_LOOPBACK |
					      IPV6_ADDR_MULTICAST |
					      IPV6_ADDR_MAPPED |
					      IPV6_ADDR_LINKLOCAL)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a6,
					    "a node's address must be unicast and not link-local");
			return -EINVAL;
		}
	}
	if (a4)
		node->addr4 = addr4;
	if (a6)
		node->addr6 = addr6;
	return 0;

bad_len4:
	NL_SET_ERR_MSG_ATTR(info->extack, a4, "an IPv4 address is 4 bytes");
	return -EINVAL;
}

/* Apply the optional attributes of NODE_ADD/NODE_SET to node. */
static int shoal_parse_node_attrs(struct genl_info *info,
				  struct shoal_node *node)
{
	struct nlattr **attrs = info->attrs;
	u32 weight = node->weight;
	u32 flags = node->flags;
	u8 admin = node->admin;
	u32 drain_timeout = 0;

	if (attrs[SHOAL_A_NODE_WEIGHT])
		weight = nla_get_u32(attrs[SHOAL_A_NODE_WEIGHT]);
	if (attrs[SHOAL_A_NODE_FLAGS])
		flags = nla_get_u32(attrs[SHOAL_A_NODE_FLAGS]);
	if (attrs[SHOAL_A_NODE_ADMIN])
		admin = nla_get_u8(attrs[SHOAL_A_NODE_ADMIN]);
	if (attrs[SHOAL_A_NODE_DRAIN_TIMEOUT]) {
		if (admin != SHOAL_STATE_DRAINING) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[SHOAL_A_NODE_DRAIN_TIMEOUT],
					    "a drain timeout needs the admin state draining");
			return -EINVAL;
		}
		drain_timeout = nla_get_u32(attrs[SHOAL_A_NODE_DRAIN_TIMEOUT]);
	}

	if (shoal_parse_node_addr(info, node))
		return -EINVAL;
	node->weight = weight;
	node->flags = flags;
	node->admin = admin;
	/* a drain's own timeout lasts as long as the drain */
	if (admin != SHOAL_STATE_DRAINING || attrs[SHOAL_A_NODE_DRAIN_TIMEOUT])
		node->drain_timeout = drain_timeout;
	return 0;
}

static int shoal_nl_node_add(struct sk_buff *skb, struct genl_info *info)
{
	struct shoal_net *sn = shoal_info_net(info);
	struct shoal_node tmpl = {
		.weight = SHOAL_WEIGHT_DEFAULT,
		.admin = SHOAL_STATE_UP,
	};
	int err;

	err = shoal_require_node_id(info, &tmpl.id);
	if (err)
		return err;
	err = shoal_parse_node_attrs(info, &tmpl);
	if (err)
		return err;

	mutex_lock(&sn->lock);
	err = shoal_node_add(sn, &tmpl, info->extack);
	if (err == -EEXIST)
		NL_SET_BAD_ATTR(info->extack, info->attrs[SHOAL_A_NODE_ID]);
	if (!err) {
		shoal_notify_node(sn, &tmpl, SHOAL_EVENT_NODE_ADDED);
		shoal_nodes_changed(sn, SHOAL_REASON_ADMIN);
	}
	mutex_unlock(&sn->lock);
	return err;
}

static int shoal_nl_node_set(struct sk_buff *skb, struct genl_info *info)
{
	struct shoal_net *sn = shoal_info_net(info);
	struct shoal_node *node, tmpl;
	u32 id;
	int err;

	err = shoal_require_node_id(info, &id);
	if (err)
		return err;
	if (!info->attrs[SHOAL_A_NODE_WEIGHT] &&
	    !info->attrs[SHOAL_A_NODE_FLAGS] &&
	    !info->attrs[SHOAL_A_NODE_ADMIN] &&
	    !info->attrs[SHOAL_A_NODE_DRAIN_TIMEOUT] &&
	    !info->attrs[SHOAL_A_NODE_ADDR4] &&
	    !info->attrs[SHOAL_A_NODE_ADDR6]) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to set: give a weight, flags, an admin state or an address");
		return -EINVAL;
	}

	mutex_lock(&sn->lock);
	node = shoal_node_get_locked(sn, id);
	if (!node) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SHOAL_A_NODE_ID],
				    "node does not exist");
		err = -ENOENT;
		goto out;
	}
	tmpl = *node;
	err = shoal_parse_node_attrs(info, &tmpl);
	if (err)
		goto out;
	if (tmpl.weight == node->weight && tmpl.flags == node->flags &&
	    tmpl.admin == node->admin &&
	    tmpl.drain_timeout == node->drain_timeout &&
	    tmpl.addr4 == node->addr4 &&
	    ipv6_addr_equal(&tmpl.addr6, &node->addr6))
		goto out;
	err = shoal_node_replace(sn, &tmpl);
	if (!err) {
		shoal_notify_node(sn, &tmpl, SHOAL_EVENT_NODE_CHANGED);
		shoal_nodes_changed(sn, SHOAL_REASON_ADMIN);
	}
out:
	mutex_unlock(&sn->lock);
	return err;
}

static int shoal_nl_node_del(struct sk_buff *skb, struct genl_info *info)
{
	struct shoal_net *sn = shoal_info_net(info);
	struct shoal_node *node, gone;
	u32 id;
	int err;

	err = shoal_require_node_id(info, &id);
	if (err)
		return err;

	mutex_lock(&sn->lock);
	node = shoal_node_get_locked(sn, id);
	if (!node) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SHOAL_A_NODE_ID],
				    "node does not exist");
		mutex_unlock(&sn->lock);
		return -ENOENT;
	}
	/* node is freed after a grace period; report what it was */
	gone = *node;
	shoal_node_del(sn, node);
	shoal_notify_node(sn, &gone, SHOAL_EVENT_NODE_DELETED);
	clear_bit(id, sn->reported_up);
	shoal_nodes_changed(sn, SHOAL_REASON_ADMIN);
	mutex_unlock(&sn->lock);
	return 0;
}

static const struct genl_ops shoal_genl_ops[] = {
	{
		.cmd = SHOAL_CMD_CLUSTER_GET,
		.doit = shoal_nl_cluster_get,
	},
	{
		.cmd = SHOAL_CMD_CLUSTER_SET,
		.doit = shoal_nl_cluster_set,
		.policy = shoal_cluster_set_policy,
		.maxattr = SHOAL_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SHOAL_CMD_CLUSTER_LEAVE,
		.doit = shoal_nl_cluster_leave,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SHOAL_CMD_NODE_GET,
		.doit = shoal_nl_node_get,
		.dumpit = shoal_nl_node_dump,
		.policy = shoal_node_id_policy,
		.maxattr = SHOAL_A_MAX,
	},
	{
		.cmd = SHOAL_CMD_NODE_ADD,
		.doit = shoal_nl_node_add,
		.policy = shoal_node_change_policy,
		.maxattr = SHOAL_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SHOAL_CMD_NODE_SET,
		.doit = shoal_nl_node_set,
		.policy = shoal_node_change_policy,
		.maxattr = SHOAL_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SHOAL_CMD_NODE_DEL,
		.doit = shoal_nl_node_del,
		.policy = shoal_node_id_policy,
		.maxattr = SHOAL_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SHOAL_CMD_SERVICE_GET,
		.doit = shoal_nl_service_get,
		.start = shoal_nl_service_dump_start,
		.dumpit = shoal_nl_service_dump,
		.policy = shoal_service_addr_policy,
		.maxattr = SHOAL_A_MAX,
	},
	{
		.cmd = SHOAL_CMD_SERVICE_ADD,
		.doit = shoal_nl_service_add,
		.policy = shoal_service_add_policy,
		.maxattr = SHOAL_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SHOAL_CMD_SERVICE_SET,
		.doit = shoal_nl_service_set,
		.policy = shoal_service_set_policy,
		.maxattr = SHOAL_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SHOAL_CMD_SERVICE_DEL,
		.doit = shoal_nl_service_del,
		.policy = shoal_service_addr_policy,
		.maxattr = SHOAL_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SHOAL_CMD_BUCKET_GET,
		.dumpit = shoal_nl_bucket_dump,
		.policy = shoal_service_addr_policy,
		.maxattr = SHOAL_A_MAX,
	},
	{
		.cmd = SHOAL_CMD_BUCKET_SET,
		.doit = shoal_nl_bucket_set,
		.policy = shoal_bucket_set_policy,
		.maxattr = SHOAL_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SHOAL_CMD_PERSONA_GET,
		.doit = shoal_nl_persona_get,
		.dumpit = shoal_nl_persona_dump,
		.policy = shoal_persona_name_policy,
		.maxattr = SHOAL_A_MAX,
	},
	{
		.cmd = SHOAL_CMD_PERSONA_ADD,
		.doit = shoal_nl_persona_add,
		.policy = shoal_persona_add_policy,
		.maxattr = SHOAL_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SHOAL_CMD_PERSONA_DEL,
		.doit = shoal_nl_persona_del,
		.policy = shoal_persona_name_policy,
		.maxattr = SHOAL_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SHOAL_CMD_PERSONA_TAKEOVER,
		.doit = shoal_nl_persona_takeover,
		.policy = shoal_persona_name_policy,
		.maxattr = SHOAL_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SHOAL_CMD_PERSONA_RELEASE,
		.doit = shoal_nl_persona_release,
		.policy = shoal_persona_name_policy,
		.maxattr = SHOAL_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SHOAL_CMD_DISK_REPORT,
		.doit = shoal_nl_disk_report,
		.policy = shoal_disk_report_policy,
		.maxattr = SHOAL_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

struct genl_family shoal_genl_family __ro_after_init = {
	.name = SHOAL_GENL_NAME,
	.version = SHOAL_GENL_VERSION,
	.maxattr = SHOAL_A_MAX,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = shoal_genl_ops,
	.n_ops = ARRAY_SIZE(shoal_genl_ops),
	.mcgrps = shoal_mcgrps,
	.n_mcgrps = ARRAY_SIZE(shoal_mcgrps),
};

int shoal_genl_init(void)
{
	return genl_register_family(&shoal_genl_family);
}

void shoal_genl_uninit(void)
{
	genl_unregister_family(&shoal_genl_family);
}
