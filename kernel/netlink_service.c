// SPDX-License-Identifier: GPL-2.0
/*
 * The service and bucket commands of the generic netlink family.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "lookup.h"
#include "netlink.h"

/* The counters as attributes; a bucket has no bytes or new flows. */
static const struct {
	int attr;
	size_t off;
	bool service;		/* the service's only */
} shoal_stats_attrs[] = {
	{ SHOAL_A_STATS_RX_PACKETS, offsetof(struct shoal_stats_sum, packets) },
	{ SHOAL_A_STATS_RX_BYTES, offsetof(struct shoal_stats_sum, bytes),
	  true },
	{ SHOAL_A_STATS_DROPPED, offsetof(struct shoal_stats_sum, dropped) },
	{ SHOAL_A_STATS_XDP_DROPPED,
	  offsetof(struct shoal_stats_sum, xdp_dropped) },
	{ SHOAL_A_STATS_NEW_FLOWS, offsetof(struct shoal_stats_sum, new_flows),
	  true },
	{ SHOAL_A_STATS_FORWARDED, offsetof(struct shoal_stats_sum, forwarded) },
	{ SHOAL_A_STATS_XDP_FORWARDED,
	  offsetof(struct shoal_stats_sum, xdp_forwarded) },
};

static u64 shoal_stat(const struct shoal_stats_sum *sum, unsigned int i)
{
	return *(const u64 *)((const u8 *)sum + shoal_stats_attrs[i].off);
}

static struct nlattr *shoal_put_stats(struct sk_buff *skb, int attr,
				      const struct shoal_stats_sum *sum,
				      bool service)
{
	struct nlattr *nest = nla_nest_start(skb, attr);
	unsigned int i;

	if (!nest)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(shoal_stats_attrs); i++)
		if ((service || !shoal_stats_attrs[i].service) &&
		    nla_put_u64_64bit(skb, shoal_stats_attrs[i].attr,
				      shoal_stat(sum, i), SHOAL_A_PAD))
			return NULL;
	nla_nest_end(skb, nest);
	return nest;
}

/* The counters of a nest shoal_put_stats() made, set to sum's. */
static void shoal_set_stats(struct nlattr *nest,
			    const struct shoal_stats_sum *sum)
{
	struct nlattr *nla;
	unsigned int i;
	u64 val;
	int rem;

	nla_for_each_nested(nla, nest, rem) {
		for (i = 0; i < ARRAY_SIZE(shoal_stats_attrs); i++) {
			if (nla_type(nla) != shoal_stats_attrs[i].attr)
				continue;
			val = shoal_stat(sum, i);
			memcpy(nla_data(nla), &val, sizeof(val));
		}
	}
}

static int shoal_put_service_addr(struct sk_buff *skb,
				  const struct shoal_service *svc)
{
	if (svc->family == AF_INET)
		return nla_put_in_addr(skb, SHOAL_A_SERVICE_ADDR4, svc->addr.ip);
	return nla_put_in6_addr(skb, SHOAL_A_SERVICE_ADDR6, &svc->addr.ip6);
}

/* The members as configured: the list, or every non-spare node now. */
static int shoal_put_service_nodes(struct sk_buff *skb, struct shoal_net *sn,
				   const struct shoal_service *svc)
{
	u8 ids[SHOAL_NODE_ID_MAX];
	struct nlattr *nest;
	unsigned int i, n;

	nest = nla_nest_start(skb, SHOAL_A_SERVICE_NODES);
	if (!nest)
		return -EMSGSIZE;
	n = shoal_service_candidates(sn, svc->all_nodes, &svc->nodes, ids);
	for (i = 0; i < n; i++)
		if (nla_put_u32(skb, SHOAL_A_NODE_ID, ids[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* A decision, or a standby passed over. */
static int shoal_put_decision(struct sk_buff *skb,
			      const struct shoal_pool_decision *d)
{
	struct nlattr *nest;

	if (!d->event)
		return 0;
	nest = nla_nest_start(skb, SHOAL_A_POOL_DECISION);
	if (!nest ||
	    nla_put_u8(skb, SHOAL_A_EVENT, d->event) ||
	    nla_put_u32(skb, SHOAL_A_POOL_EPOCH, d->epoch) ||
	    nla_put_u32(skb, SHOAL_A_POOL_DECIDER, d->decider) ||
	    nla_put_u32(skb, SHOAL_A_NODE_ID, d->member) ||
	    (d->util != SHOAL_UTIL_NONE &&
	     nla_put_u32(skb, SHOAL_A_POOL_UTIL, d->util)) ||
	    nla_put_u8(skb, SHOAL_A_POOL_WHY, d->why) ||
	    nla_put_u32(skb, SHOAL_A_POOL_AGO,
			div_u64(ktime_get_ns() - d->at, NSEC_PER_MSEC)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Each candidate: active or standing by, and its utilization. */
static int shoal_put_pool_members(struct sk_buff *skb, struct shoal_net *sn,
				  const struct shoal_service *svc)
{
	u8 cand[SHOAL_NODE_ID_MAX], active[SHOAL_POOL_MEMBERS], util;
	unsigned int ncand, nactive, i, j;
	struct nlattr *nest;
	bool on;

	ncand = shoal_service_candidates(sn, svc->all_nodes, &svc->nodes,
					 cand);
	nactive = shoal_pool_active(sn, svc, active);
	for (i = 0; i < ncand; i++) {
		for (on = false, j = 0; j < nactive && !on; j++)
			on = active[j] == cand[i];
		util = shoal_pool_util_of(sn, svc, cand[i]);
		nest = nla_nest_start(skb, SHOAL_A_POOL_MEMBER);
		if (!nest ||
		    nla_put_u32(skb, SHOAL_A_NODE_ID, cand[i]) ||
		    nla_put_u8(skb, SHOAL_A_POOL_ROLE,
			       on ? SHOAL_POOL_ACTIVE : SHOAL_POOL_STANDBY) ||
		    (util != SHOAL_UTIL_NONE &&
		     nla_put_u32(skb, SHOAL_A_POOL_UTIL, util)))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	return 0;
}

/*
 * The pool's settings and the decision it follows; its members, and the
 * decision d (an event's, or the last one seen) with full.
 */
static int shoal_put_pool(struct sk_buff *skb, struct shoal_net *sn,
			  const struct shoal_service *svc,
			  const struct shoal_pool_decision *d, bool full)
{
	const struct shoal_pool *pool = svc->pool;
	struct nlattr *nest;

	if (!pool)
		return 0;
	nest = nla_nest_start(skb, SHOAL_A_SERVICE_POOL);
	if (!nest ||
	    nla_put_u32(skb, SHOAL_A_POOL_MIN, pool->min) ||
	    nla_put_u32(skb, SHOAL_A_POOL_MAX, pool->max) ||
	    nla_put_u32(skb, SHOAL_A_POOL_UP, pool->up) ||
	    nla_put_u32(skb, SHOAL_A_POOL_DOWN, pool->down) ||
	    nla_put_u32(skb, SHOAL_A_POOL_HOLD, pool->hold) ||
	    nla_put_u8(skb, SHOAL_A_POOL_LOAD, pool->load) ||
	    (pool->capacity &&
	     nla_put_u32(skb, SHOAL_A_POOL_CAPACITY, pool->capacity)) ||
	    nla_put_u32(skb, SHOAL_A_POOL_EPOCH, pool->epoch) ||
	    (pool->decider &&
	     nla_put_u32(skb, SHOAL_A_POOL_DECIDER, pool->decider)) ||
	    (full && shoal_put_pool_members(skb, sn, svc)) ||
	    (d && shoal_put_decision(skb, d)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Bucket b in byte b / 8, bit b % 8, whatever the machine's word order:
 * the buckets set in a or in b (b may be NULL).
 */
static void shoal_fill_buckets(u8 *bytes, u32 nbuckets,
			       const unsigned long *a, const unsigned long *b)
{
	unsigned int i, n = DIV_ROUND_UP(nbuckets, 8);
	unsigned long word = 0;

	for (i = 0; i < n; i++) {
		if (i % sizeof(long) == 0)
			word = a[i / sizeof(long)] |
			       (b ? b[i / sizeof(long)] : 0);
		bytes[i] = word >> (8 * (i % sizeof(long)));
	}
}

/*
 * What changes with traffic: the buckets this node serves, and the
 * counters. The room for them is made with the rest of a reply, under
 * sn->lock; they are filled in once it is released (shoal_fill_traffic()),
 * under RCU, which keeps the service: adding up the counters of every CPU,
 * or writing out 65536 buckets, holds up no configuration or failover.
 */
struct shoal_traffic {
	const struct shoal_service *svc;
	u8 *owned;
	u8 *held;
	struct nlattr *stats;
};

static int shoal_put_traffic(struct sk_buff *skb,
			     const struct shoal_service *svc,
			     struct shoal_traffic *tr)
{
	static const struct shoal_stats_sum zero;
	int len = DIV_ROUND_UP(svc->nbuckets, 8);
	struct nlattr *owned, *held;

	/* owned: whose new flows are ours; held: whose old flows are */
	owned = nla_reserve(skb, SHOAL_A_SERVICE_OWNED, len);
	held = nla_reserve(skb, SHOAL_A_SERVICE_HELD, len);
	if (!owned || !held ||
	    nla_put_u32(skb, SHOAL_A_SERVICE_HELD_FLOWS, svc->held_flows))
		return -EMSGSIZE;
	tr->stats = shoal_put_stats(skb, SHOAL_A_SERVICE_STATS, &zero, true);
	if (!tr->stats)
		return -EMSGSIZE;
	tr->svc = svc;
	tr->owned = nla_data(owned);
	tr->held = nla_data(held);
	return 0;
}

/* Caller is in an RCU read-side section begun under sn->lock. */
static void shoal_fill_traffic(const struct shoal_traffic *tr)
{
	const struct shoal_service *svc = tr->svc;
	const struct shoal_table *t = rcu_dereference(svc->table);
	struct shoal_stats_sum sum;

	shoal_fill_buckets(tr->owned, svc->nbuckets, t->owned, t->contested);
	shoal_fill_buckets(tr->held, svc->nbuckets, t->holding, NULL);
	shoal_service_stats(svc, &sum);
	shoal_set_stats(tr->stats, &sum);
}

/* A distributor service's mode, distributors and holder. */
static int shoal_put_service_mode(struct sk_buff *skb,
				  const struct shoal_service *svc)
{
	struct nlattr *nest;
	unsigned int i;

	if (nla_put_u8(skb, SHOAL_A_SERVICE_MODE, svc->mode))
		return -EMSGSIZE;
	if (svc->mode != SHOAL_SERVICE_MODE_DISTRIBUTOR)
		return 0;
	nest = nla_nest_start(skb, SHOAL_A_SERVICE_DISTRIBUTORS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < svc->distributors.n; i++)
		if (nla_put_u32(skb, SHOAL_A_NODE_ID, svc->distributors.id[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return nla_put_u32(skb, SHOAL_A_SERVICE_HOLDER,
			   READ_ONCE(svc->holder));
}

/*
 * Caller holds sn->lock. With tr, the full reply: room for what changes
 * with traffic, for shoal_fill_traffic() after the lock.
 */
static int shoal_put_service(struct sk_buff *skb, struct shoal_net *sn,
			     const struct shoal_service *svc,
			     struct shoal_traffic *tr)
{
	bool full = tr;
	struct net_device *dev;
	int ifindex = READ_ONCE(svc->ifindex);

	if (shoal_put_service_addr(skb, svc) ||
	    nla_put_u8(skb, SHOAL_A_SERVICE_PROTO, svc->proto) ||
	    nla_put_u16(skb, SHOAL_A_SERVICE_PORT, ntohs(svc->port)) ||
	    nla_put_u8(skb, SHOAL_A_SERVICE_HASH, svc->hash) ||
	    nla_put_u32(skb, SHOAL_A_SERVICE_BUCKETS, svc->nbuckets) ||
	    nla_put_u32(skb, SHOAL_A_SERVICE_FLAGS,
			svc->all_nodes ? SHOAL_SERVICE_F_ALL_NODES : 0) ||
	    nla_put_u8(skb, SHOAL_A_SERVICE_XDP, READ_ONCE(svc->xdp)) ||
	    (svc->mode == SHOAL_SERVICE_MODE_SHARED &&
	     nla_put(skb, SHOAL_A_SERVICE_MAC, ETH_ALEN, svc->mac)) ||
	    shoal_put_service_nodes(skb, sn, svc) ||
	    shoal_put_node_set(skb, SHOAL_A_SERVICE_CONFIG_OUT, svc->cfg_out) ||
	    shoal_put_service_mode(skb, svc) ||
	    shoal_put_pool(skb, sn, svc, full && svc->pool ?
			   &svc->pool->last : NULL, full))
		return -EMSGSIZE;
	if (ifindex) {
		rcu_read_lock();
		dev = dev_get_by_index_rcu(sn->net, ifindex);
		if (dev && (nla_put_u32(skb, SHOAL_A_SERVICE_IFINDEX, ifindex) ||
			    nla_put_string(skb, SHOAL_A_SERVICE_IFNAME,
					   dev->name))) {
			rcu_read_unlock();
			return -EMSGSIZE;
		}
		rcu_read_unlock();
	}
	return full ? shoal_put_traffic(skb, svc, tr) : 0;
}

/* Room for a service with the largest bitmaps of buckets. */
/* two bucket bitmaps, a pool member nest and a node id or two for
 * every node, and the rest
 */
#define SHOAL_SERVICE_MSG_SIZE	(NLMSG_GOODSIZE + 2 * SHOAL_BUCKETS_MAX / 8 + \
				 SHOAL_NODE_ID_MAX * 48)

void shoal_notify_service(struct shoal_net *sn,
			  const struct shoal_service *svc, u8 event)
{
	struct sk_buff *skb;
	void *hdr;

	skb = shoal_ntf_begin(sn, SHOAL_CMD_SERVICE_NTF, event, &hdr);
	if (skb)
		shoal_ntf_end(sn, skb, hdr,
			      shoal_put_service(skb, sn, svc, NULL));
}

/* A pool's decision, or a standby passed over: the service and why. */
void shoal_notify_pool(struct shoal_net *sn, const struct shoal_service *svc,
		       const struct shoal_pool_decision *d)
{
	struct sk_buff *skb;
	void *hdr;

	skb = shoal_ntf_begin(sn, SHOAL_CMD_SERVICE_NTF, d->event, &hdr);
	if (skb)
		shoal_ntf_end(sn, skb, hdr,
			      shoal_put_service_addr(skb, svc) ||
			      shoal_put_pool(skb, sn, svc, d, false));
}

void shoal_notify_moves(struct shoal_net *sn, const struct shoal_service *svc,
			u32 count, u32 from, u32 to)
{
	struct sk_buff *skb;
	void *hdr;

	skb = shoal_ntf_begin(sn, SHOAL_CMD_BUCKET_NTF,
			      SHOAL_EVENT_BUCKETS_MOVED, &hdr);
	if (!skb)
		return;
	shoal_ntf_end(sn, skb, hdr,
		      shoal_put_service_addr(skb, svc) ||
		      nla_put_u32(skb, SHOAL_A_MOVE_COUNT, count) ||
		      nla_put_u32(skb, SHOAL_A_MOVE_FROM, from) ||
		      nla_put_u32(skb, SHOAL_A_MOVE_TO, to));
}

/* Exactly one service address, and one a service can have. */
static int shoal_parse_service_addr(struct nlattr **attrs,
				    struct netlink_ext_ack *extack,
				    u8 *family, union shoal_addr *addr)
{
	struct nlattr *a4 = attrs[SHOAL_A_SERVICE_ADDR4];
	struct nlattr *a6 = attrs[SHOAL_A_SERVICE_ADDR6];
	int type;

	if (!a4 == !a6) {
		NL_SET_ERR_MSG(extack, "give exactly one service address");
		if (!a4)
			NL_SET_ERR_ATTR_MISS(extack, NULL,
					     SHOAL_A_SERVICE_ADDR4);
		return -EINVAL;
	}
	if (a4) {
		*family = AF_INET;
		memset(addr, 0, sizeof(*addr));
		addr->ip = nla_get_in_addr(a4);
		if (ipv4_is_zeronet(addr->ip) || ipv4_is_loopback(addr->ip) ||
		    ipv4_is_multicast(addr->ip) || ipv4_is_lbcast(addr->ip))
			goto bad;
		return 0;
	}
	*family = AF_INET6;
	addr->ip6 = nla_get_in6_addr(a6);
	type = ipv6_addr_type(&addr->ip6);
	if (type == IPV6_ADDR_ANY ||
	    type & (IPV6_ADDR_LOOPBACK | IPV6_ADDR_MULTICAST |
		    IPV6_ADDR_LINKLOCAL | IPV6_ADDR_MAPPED))
		goto bad;
	return 0;
bad:
	NL_SET_ERR_MSG_ATTR(extack, a4 ?: a6,
			    "not a unicast address a service can use");
	return -EINVAL;
}

/* An empty nest means every non-spare node. */
static int shoal_parse_node_list(struct nlattr *nest,
				 struct netlink_ext_ack *extack,
				 bool *all, struct shoal_node_list *nodes)
{
	DECLARE_BITMAP(seen, SHOAL_NODE_ID_MAX + 1);
	struct nlattr *nla;
	int rem;
	u32 id;

	bitmap_zero(seen, SHOAL_NODE_ID_MAX + 1);
	nodes->n = 0;
	nla_for_each_nested(nla, nest, rem) {
		if (nla_type(nla) != SHOAL_A_NODE_ID)
			continue;
		id = nla_get_u32(nla);	/* the policy checked its range */
		/* the order counts (a pool's candidates): each node once */
		if (test_and_set_bit(id, seen)) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "a node appears twice in the list");
			return -EINVAL;
		}
		nodes->id[nodes->n++] = id;
	}
	*all = !nodes->n;
	return 0;
}

/*
 * The pool nest of a SERVICE_SET: off (*conf NULL) or whole settings in
 * conf, each in its range.
 */
static int shoal_parse_pool(struct nlattr *nest, struct netlink_ext_ack *extack,
			    struct shoal_pool *conf, bool *off)
{
	static const int needed[] = { SHOAL_A_POOL_MIN, SHOAL_A_POOL_MAX,
				      SHOAL_A_POOL_UP, SHOAL_A_POOL_DOWN };
	struct nlattr *tb[SHOAL_A_MAX + 1];
	unsigned int i;
	int err;

	err = nla_parse_nested(tb, SHOAL_A_MAX, nest, NULL, extack);
	if (err)
		return err;
	memset(conf, 0, sizeof(*conf));
	*off = nla_get_flag(tb[SHOAL_A_POOL_OFF]);
	if (*off) {
		for (i = SHOAL_A_POOL_MIN; i <= SHOAL_A_POOL_CAPACITY; i++) {
			if (tb[i]) {
				NL_SET_ERR_MSG_ATTR(extack, tb[i],
						    "a pool set off takes no other setting");
				return -EINVAL;
			}
		}
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(needed); i++) {
		if (!tb[needed[i]]) {
			NL_SET_ERR_ATTR_MISS(extack, nest, needed[i]);
			NL_SET_ERR_MSG(extack,
				       "a pool needs min, max, up and down");
			return -EINVAL;
		}
	}
	/* the policy checked each value's range */
	conf->min = nla_get_u32(tb[SHOAL_A_POOL_MIN]);
	conf->max = nla_get_u32(tb[SHOAL_A_POOL_MAX]);
	if (conf->max < conf->min) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SHOAL_A_POOL_MAX],
				    "pool max must be at least min");
		return -ERANGE;
	}
	conf->up = nla_get_u32(tb[SHOAL_A_POOL_UP]);
	conf->down = nla_get_u32(tb[SHOAL_A_POOL_DOWN]);
	if (conf->down >= conf->up) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SHOAL_A_POOL_DOWN],
				    "pool down must be below up");
		return -ERANGE;
	}
	conf->hold = tb[SHOAL_A_POOL_HOLD] ?
		     nla_get_u32(tb[SHOAL_A_POOL_HOLD]) : SHOAL_POOL_HOLD_DEFAULT;
	conf->load = tb[SHOAL_A_POOL_LOAD] ?
		     nla_get_u8(tb[SHOAL_A_POOL_LOAD]) : SHOAL_LOAD_CPU;
	if (conf->load == SHOAL_LOAD_PPS || conf->load == SHOAL_LOAD_CONNS) {
		if (!tb[SHOAL_A_POOL_CAPACITY]) {
			NL_SET_ERR_ATTR_MISS(extack, nest,
					     SHOAL_A_POOL_CAPACITY);
			NL_SET_ERR_MSG(extack,
				       "a pool whose load is a rate needs the capacity of one member");
			return -EINVAL;
		}
		conf->capacity = nla_get_u32(tb[SHOAL_A_POOL_CAPACITY]);
	} else if (tb[SHOAL_A_POOL_CAPACITY]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SHOAL_A_POOL_CAPACITY],
				    "a capacity goes with a pool whose load is a rate");
		return -EINVAL;
	}
	return 0;
}

/* Look the request's service up; caller holds sn->lock. */
static struct shoal_service *shoal_request_service(struct shoal_net *sn,
						   struct nlattr **attrs,
						   struct netlink_ext_ack *extack,
						   int *err)
{
	struct shoal_service *svc;
	union shoal_addr addr;
	u8 family;

	*err = shoal_parse_service_addr(attrs, extack, &family, &addr);
	if (*err)
		return NULL;
	svc = shoal_service_find(sn, family, &addr);
	if (!svc) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[SHOAL_A_SERVICE_ADDR4] ?:
					    attrs[SHOAL_A_SERVICE_ADDR6],
				    "no service for this address");
		*err = -ENOENT;
	}
	return svc;
}

static int shoal_fill_service(struct sk_buff *skb, struct shoal_net *sn,
			      const struct shoal_service *svc, u32 portid,
			      u32 seq, int flags, struct netlink_callback *cb,
			      struct shoal_traffic *tr)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &shoal_genl_family, flags,
			  SHOAL_CMD_SERVICE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (shoal_put_service(skb, sn, svc, tr)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int shoal_nl_service_get(struct sk_buff *skb, struct genl_info *info)
{
	struct shoal_net *sn = shoal_info_net(info);
	struct shoal_traffic tr;
	struct shoal_service *svc;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(SHOAL_SERVICE_MSG_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&sn->lock);
	svc = shoal_request_service(sn, info->attrs, info->extack, &err);
	if (svc)
		err = shoal_fill_service(msg, sn, svc, info->snd_portid,
					 info->snd_seq, 0, NULL, &tr);
	/* a service deleted from now on is freed after this section */
	rcu_read_lock();
	mutex_unlock(&sn->lock);
	if (!err)
		shoal_fill_traffic(&tr);
	rcu_read_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

int shoal_nl_service_dump_start(struct netlink_callback *cb)
{
	cb->min_dump_alloc = SHOAL_SERVICE_MSG_SIZE;
	return 0;
}

/* Services a part of a dump takes at most: their traffic is on the stack. */
#define SHOAL_DUMP_SERVICES	16

int shoal_nl_service_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct shoal_net *sn = shoal_net(sock_net(cb->skb->sk));
	struct shoal_traffic tr[SHOAL_DUMP_SERVICES];
	struct shoal_service *svc;
	unsigned int n = 0, i;
	/* args[0]: how many services earlier parts sent */
	long idx = 0;

	mutex_lock(&sn->lock);
	cb->seq = sn->service_gen;
	list_for_each_entry(svc, &sn->services, list) {
		if (idx++ < cb->args[0])
			continue;
		if (n == ARRAY_SIZE(tr) ||
		    shoal_fill_service(skb, sn, svc,
				       NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI, cb,
				       &tr[n])) {
			idx--;
			break;
		}
		n++;
	}
	/* as in shoal_nl_service_get() */
	rcu_read_lock();
	mutex_unlock(&sn->lock);
	for (i = 0; i < n; i++)
		shoal_fill_traffic(&tr[i]);
	rcu_read_unlock();
	cb->args[0] = idx;
	return skb->len;
}

/*
 * MODE and DISTRIBUTORS of a SERVICE_ADD into tmpl, whose nodes, MAC and
 * XDP are parsed: a distributor service has no cluster MAC and no XDP
 * program (yet), and its distributors default to its nodes.
 */
static int shoal_parse_service_mode(struct nlattr **attrs,
				    struct netlink_ext_ack *extack,
				    struct shoal_service *tmpl)
{
	struct nlattr *dist = attrs[SHOAL_A_SERVICE_DISTRIBUTORS];
	bool all;
	int err;

	if (attrs[SHOAL_A_SERVICE_MODE])
		tmpl->mode = nla_get_u8(attrs[SHOAL_A_SERVICE_MODE]);
	if (tmpl->mode != SHOAL_SERVICE_MODE_DISTRIBUTOR) {
		if (dist) {
			NL_SET_ERR_MSG_ATTR(extack, dist,
					    "distributors need mode distributor");
			return -EINVAL;
		}
		return 0;
	}
	if (attrs[SHOAL_A_SERVICE_MAC]) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[SHOAL_A_SERVICE_MAC],
				    "a distributor service has no cluster MAC: its holder answers with its own");
		return -EINVAL;
	}
	eth_zero_addr(tmpl->mac);
	if (!dist)
		return 0;
	err = shoal_parse_node_list(dist, extack, &all, &tmpl->distributors);
	if (err)
		return err;
	if (all) {
		NL_SET_ERR_MSG_ATTR(extack, dist, "give at least one distributor");
		return -EINVAL;
	}
	return 0;
}

int shoal_nl_service_add(struct sk_buff *skb, struct genl_info *info)
{
	struct shoal_net *sn = shoal_info_net(info);
	struct nlattr **attrs = info->attrs;
	struct shoal_service *tmpl;
	int err;

	tmpl = kzalloc(sizeof(*tmpl), SHOAL_GFP);
	if (!tmpl)
		return -ENOMEM;
	tmpl->hash = SHOAL_HASH_SADDR_SPORT;
	tmpl->nbuckets = SHOAL_BUCKETS_DEFAULT;
	tmpl->all_nodes = true;

	err = shoal_parse_service_addr(attrs, info->extack, &tmpl->family,
				       &tmpl->addr);
	if (err)
		goto out;
	if (attrs[SHOAL_A_SERVICE_PROTO]) {
		tmpl->proto = nla_get_u8(attrs[SHOAL_A_SERVICE_PROTO]);
		if (tmpl->proto && tmpl->proto != IPPROTO_TCP &&
		    tmpl->proto != IPPROTO_UDP) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[SHOAL_A_SERVICE_PROTO],
					    "protocol must be tcp, udp or any");
			err = -EINVAL;
			goto out;
		}
	}
	if (attrs[SHOAL_A_SERVICE_PORT])
		tmpl->port = htons(nla_get_u16(attrs[SHOAL_A_SERVICE_PORT]));
	if (attrs[SHOAL_A_SERVICE_HASH])
		tmpl->hash = nla_get_u8(attrs[SHOAL_A_SERVICE_HASH]);
	if (attrs[SHOAL_A_SERVICE_BUCKETS])
		tmpl->nbuckets = nla_get_u32(attrs[SHOAL_A_SERVICE_BUCKETS]);
	if (attrs[SHOAL_A_SERVICE_NODES]) {
		err = shoal_parse_node_list(attrs[SHOAL_A_SERVICE_NODES],
					    info->extack, &tmpl->all_nodes,
					    &tmpl->nodes);
		if (err)
			goto out;
	}
	if (attrs[SHOAL_A_SERVICE_MAC]) {
		memcpy(tmpl->mac, nla_data(attrs[SHOAL_A_SERVICE_MAC]),
		       ETH_ALEN);
		if (!is_multicast_ether_addr(tmpl->mac) ||
		    is_broadcast_ether_addr(tmpl->mac)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[SHOAL_A_SERVICE_MAC],
					    "cluster MAC must be multicast (and not broadcast)");
			err = -EINVAL;
			goto out;
		}
	} else {
		shoal_service_mac(tmpl->family, &tmpl->addr, tmpl->mac);
	}
	if (attrs[SHOAL_A_SERVICE_IFINDEX])
		tmpl->ifindex = nla_get_u32(attrs[SHOAL_A_SERVICE_IFINDEX]);

	if (attrs[SHOAL_A_SERVICE_XDP])
		tmpl->xdp = nla_get_u8(attrs[SHOAL_A_SERVICE_XDP]);
	err = shoal_parse_service_mode(attrs, info->extack, tmpl);
	if (err)
		goto out;

	err = shoal_service_add(sn, tmpl, info->extack);
	if (err == -ENOENT)
		NL_SET_BAD_ATTR(info->extack, attrs[SHOAL_A_SERVICE_NODES]);
	else if (err == -ENODEV || err == -EINVAL)
		NL_SET_BAD_ATTR(info->extack, attrs[SHOAL_A_SERVICE_IFINDEX]);
	else if (err == -EEXIST)
		NL_SET_BAD_ATTR(info->extack, attrs[SHOAL_A_SERVICE_ADDR4] ?:
					      attrs[SHOAL_A_SERVICE_ADDR6]);
	if (err == -EDOM) {
		NL_SET_BAD_ATTR(info->extack,
				attrs[SHOAL_A_SERVICE_DISTRIBUTORS] ?:
				attrs[SHOAL_A_SERVICE_NODES]);
		err = -EINVAL;
	}
out:
	kfree(tmpl);
	return err;
}

int shoal_nl_service_set(struct sk_buff *skb, struct genl_info *info)
{
	struct shoal_net *sn = shoal_info_net(info);
	struct nlattr *nest = info->attrs[SHOAL_A_SERVICE_NODES];
	struct nlattr *xdp = info->attrs[SHOAL_A_SERVICE_XDP];
	struct nlattr *pool = info->attrs[SHOAL_A_SERVICE_POOL];
	struct shoal_node_list *nodes = NULL;
	struct shoal_service *svc;
	struct shoal_pool conf;
	bool all, off;
	int err;

	if (info->attrs[SHOAL_A_SERVICE_MODE] ||
	    info->attrs[SHOAL_A_SERVICE_DISTRIBUTORS]) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[SHOAL_A_SERVICE_MODE] ?:
				    info->attrs[SHOAL_A_SERVICE_DISTRIBUTORS],
				    "a service's mode and distributors are fixed once added: delete it and add it again");
		return -EINVAL;
	}
	if (!nest && !xdp && !pool) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to set: give a node list, XDP or a pool");
		return -EINVAL;
	}
	if (pool) {
		err = shoal_parse_pool(pool, info->extack, &conf, &off);
		if (err)
			return err;
	}
	if (nest) {
		nodes = kmalloc(sizeof(*nodes), SHOAL_GFP);
		if (!nodes)
			return -ENOMEM;
		err = shoal_parse_node_list(nest, info->extack, &all, nodes);
		if (err)
			goto out;
	}

	mutex_lock(&sn->lock);
	svc = shoal_request_service(sn, info->attrs, info->extack, &err);
	/* the pool as it will be, against the nodes as they will be */
	if (svc && (pool ? !off : nest && svc->pool)) {
		err = shoal_pool_check(sn, svc, pool ? &conf : svc->pool,
				       nest ? all : svc->all_nodes,
				       nest ? nodes : &svc->nodes,
				       info->extack);
		if (err)
			NL_SET_BAD_ATTR(info->extack, pool ?: nest);
	}
	if (svc && !err && nest &&
	    svc->mode == SHOAL_SERVICE_MODE_DISTRIBUTOR &&
	    !shoal_distributors_listed(sn, &svc->distributors, all, nodes)) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "the node list leaves out a distributor");
		err = -EINVAL;
	}
	if (svc && !err && nest) {
		err = shoal_service_set_nodes(sn, svc, all, nodes);
		if (err)
			NL_SET_ERR_MSG_ATTR(info->extack, nest,
					    "node list names a node that is not declared");
	}
	if (svc && !err && pool)
		err = shoal_pool_set(sn, svc, off ? NULL : &conf);
	if (svc && !err && xdp && READ_ONCE(svc->xdp) != nla_get_u8(xdp)) {
		WRITE_ONCE(svc->xdp, nla_get_u8(xdp));
		WRITE_ONCE(svc->xdp_match, shoal_xdp_match(svc, svc->xdp));
		sn->service_gen++;
		shoal_notify_service(sn, svc, SHOAL_EVENT_SERVICE_CHANGED);
	}
	mutex_unlock(&sn->lock);
out:
	kfree(nodes);
	return err;
}

int shoal_nl_service_del(struct sk_buff *skb, struct genl_info *info)
{
	struct shoal_net *sn = shoal_info_net(info);
	struct shoal_service *svc;
	int err;

	rtnl_lock();
	mutex_lock(&sn->lock);
	svc = shoal_request_service(sn, info->attrs, info->extack, &err);
	if (svc)
		shoal_service_del(sn, svc);
	mutex_unlock(&sn->lock);
	rtnl_unlock();
	return err;
}

static int shoal_fill_bucket(struct sk_buff *skb,
			     const struct shoal_service *svc,
			     const struct shoal_table *t, u32 b,
			     struct netlink_callback *cb)
{
	struct shoal_stats_sum sum;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &shoal_genl_family, NLM_F_MULTI,
			  SHOAL_CMD_BUCKET_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	shoal_bucket_stats(svc, b, &sum);
	if (nla_put_u32(skb, SHOAL_A_BUCKET_ID, b) ||
	    nla_put_u32(skb, SHOAL_A_BUCKET_OWNER, t->owner[b]) ||
	    nla_put_u32(skb, SHOAL_A_BUCKET_PIN, svc->pins[b]) ||
	    !shoal_put_stats(skb, SHOAL_A_BUCKET_STATS, &sum, false)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int shoal_nl_bucket_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct shoal_net *sn = shoal_net(sock_net(cb->skb->sk));
	const struct shoal_table *t;
	struct shoal_service *svc;
	/* args[0]: the next bucket to send */
	u32 b = cb->args[0];
	int err;

	mutex_lock(&sn->lock);
	cb->seq = sn->service_gen;
	/* the error and its message end the dump, in NLMSG_DONE */
	svc = shoal_request_service(sn, shoal_dump_attrs(cb), cb->extack, &err);
	if (!svc) {
		mutex_unlock(&sn->lock);
		return err;
	}
	t = rcu_dereference_protected(svc->table, lockdep_is_held(&sn->lock));
	for (; b < svc->nbuckets; b++)
		if (shoal_fill_bucket(skb, svc, t, b, cb))
			break;
	mutex_unlock(&sn->lock);
	cb->args[0] = b;
	return skb->len;
}

int shoal_nl_bucket_set(struct sk_buff *skb, struct genl_info *info)
{
	struct shoal_net *sn = shoal_info_net(info);
	struct nlattr **attrs = info->attrs;
	struct shoal_service *svc;
	u32 bucket, pin;
	int err;

	if (!attrs[SHOAL_A_BUCKET_ID] || !attrs[SHOAL_A_BUCKET_PIN]) {
		NL_SET_ERR_MSG(info->extack, "missing bucket or node");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL,
				     attrs[SHOAL_A_BUCKET_ID] ?
				     SHOAL_A_BUCKET_PIN : SHOAL_A_BUCKET_ID);
		return -EINVAL;
	}
	bucket = nla_get_u32(attrs[SHOAL_A_BUCKET_ID]);
	pin = nla_get_u32(attrs[SHOAL_A_BUCKET_PIN]);

	mutex_lock(&sn->lock);
	svc = shoal_request_service(sn, attrs, info->extack, &err);
	if (!svc)
		goto out;
	if (bucket >= svc->nbuckets) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[SHOAL_A_BUCKET_ID],
				    "bucket out of range for this service");
		err = -ERANGE;
		goto out;
	}
	if (pin && !shoal_node_get_locked(sn, pin)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[SHOAL_A_BUCKET_PIN],
				    "node does not exist");
		err = -ENOENT;
		goto out;
	}
	err = shoal_service_pin(sn, svc, bucket, pin);
out:
	mutex_unlock(&sn->lock);
	return err;
}
