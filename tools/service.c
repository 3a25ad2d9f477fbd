// SPDX-License-Identifier: GPL-2.0
/* shoal service: addresses the whole cluster serves. */
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/shoal.h>

#include "addr.h"
#include "json.h"
#include "nl.h"
#include "parse.h"
#include "poolspec.h"
#include "shoal.h"
#include "utils.h"
#include "xdp.h"

#define HINT "shoal service help"

static void usage(void)
{
	printf("Usage: shoal service add ADDR [ proto PROTO ] [ port PORT ] [ hash HASH ]\n"
	       "                         [ buckets N ] [ nodes NODES ] [ mac MAC ] [ dev DEV ]\n"
	       "                         [ xdp { on | off } ]\n"
	       "                         [ mode { shared | distributor } [ distributors IDS ] ]\n"
	       "       shoal service set ADDR [ nodes NODES ] [ xdp { on | off } ] [ pool POOL ]\n"
	       "       shoal service del ADDR\n"
	       "       shoal [ -s ] service show [ ADDR ]\n"
	       "       shoal service help\n"
	       "where  ADDR := an IPv4 or IPv6 address\n"
	       "       PROTO := { tcp | udp | any }\n"
	       "       PORT := { 1..65535 | all }\n"
	       "       HASH := { saddr | saddr-sport | saddr-sport-dport }\n"
	       "       N := 1..%u\n"
	       "       NODES := { ID,ID,... | all }\n"
	       "       IDS := ID,ID,... (first choice first; default: the nodes)\n"
	       "       MAC := xx:xx:xx:xx:xx:xx\n"
	       "       POOL := { min N max M up PCT down PCT [ hold S ]\n"
	       "                 [ load { cpu | pps RATE | conns RATE | pushed } ] | off }\n"
	       "               (last: it takes the rest of the line)\n",
	       SHOAL_BUCKETS_MAX);
}

/* Keyword values, and how they print. */
static const struct keyword protos[] = {
	{ "tcp", IPPROTO_TCP, false },
	{ "udp", IPPROTO_UDP, false },
	{ "any", 0, false },
	{ NULL, 0, false },
};

static const struct keyword hashes[] = {
	{ "saddr", SHOAL_HASH_SADDR, false },
	{ "saddr-sport", SHOAL_HASH_SADDR_SPORT, false },
	{ "saddr-sport-dport", SHOAL_HASH_SADDR_SPORT_DPORT, false },
	{ NULL, 0, false },
};

static const char *keyword_name(const struct keyword *table, int id)
{
	for (; table->name; table++)
		if (table->id == id)
			return table->name;
	return NULL;
}

/* A value from @table, or: Error: "ARG" is not a valid WHAT; expected LIST. */
static int value_get(const struct keyword *table, const char *arg,
		     const char *what, const char *expected)
{
	int id = keyword_find(table, arg);

	if (id == KW_AMBIGUOUS)
		return keyword_get(table, arg, what, NULL, HINT);
	if (id == KW_UNKNOWN) {
		pr_err("\"%s\" is not a valid %s; expected %s.", arg, what,
		       expected);
		return -1;
	}
	return id;
}

/* Counters and addresses, shared with bucket.c. */

int stats_parse(const struct nlattr *nest, struct shoal_stats *st)
{
	const struct nlattr *attr;

	memset(st, 0, sizeof(*st));
	mnl_attr_for_each_nested(attr, nest) {
		uint64_t *val;

		switch (mnl_attr_get_type(attr)) {
		case SHOAL_A_STATS_RX_PACKETS:
			val = &st->rx_packets;
			break;
		case SHOAL_A_STATS_RX_BYTES:
			val = &st->rx_bytes;
			st->has_bytes = true;
			break;
		case SHOAL_A_STATS_DROPPED:
			val = &st->dropped;
			break;
		case SHOAL_A_STATS_XDP_DROPPED:
			val = &st->xdp_dropped;
			break;
		case SHOAL_A_STATS_NEW_FLOWS:
			val = &st->new_flows;
			st->has_new_flows = true;
			break;
		case SHOAL_A_STATS_FORWARDED:
			val = &st->forwarded;
			break;
		case SHOAL_A_STATS_XDP_FORWARDED:
			val = &st->xdp_forwarded;
			break;
		default:
			/* a newer kernel may count more */
			continue;
		}
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0) {
			pr_err_sys("malformed reply from the kernel (counter %u).",
				   mnl_attr_get_type(attr));
			return -1;
		}
		*val = mnl_attr_get_u64(attr);
	}
	st->valid = true;
	return 0;
}

void stats_print(const struct shoal_stats *st)
{
	printf("rx_packets %llu", (unsigned long long)st->rx_packets);
	if (st->has_bytes)
		printf(" rx_bytes %llu", (unsigned long long)st->rx_bytes);
	printf(" dropped_packets %llu xdp_dropped_packets %llu",
	       (unsigned long long)st->dropped,
	       (unsigned long long)st->xdp_dropped);
	if (st->has_new_flows)
		printf(" new_flows %llu", (unsigned long long)st->new_flows);
	printf(" forwarded_packets %llu xdp_forwarded_packets %llu",
	       (unsigned long long)st->forwarded,
	       (unsigned long long)st->xdp_forwarded);
}

void stats_json(struct json *j, const struct shoal_stats *st)
{
	if (!st->valid) {
		json_kv_null(j, "stats");
		return;
	}
	json_key(j, "stats");
	json_obj_open(j);
	json_kv_uint(j, "rx_packets", st->rx_packets);
	if (st->has_bytes)
		json_kv_uint(j, "rx_bytes", st->rx_bytes);
	json_kv_uint(j, "dropped_packets", st->dropped);
	json_kv_uint(j, "xdp_dropped_packets", st->xdp_dropped);
	if (st->has_new_flows)
		json_kv_uint(j, "new_flows", st->new_flows);
	json_kv_uint(j, "forwarded_packets", st->forwarded);
	json_kv_uint(j, "xdp_forwarded_packets", st->xdp_forwarded);
	json_obj_close(j);
}

int service_addr_arg(int argc, char **argv, const char *hint,
		     struct shoal_addr *addr)
{
	if (argc < 1) {
		pr_err("missing service address; try \"%s\".", hint);
		return -1;
	}
	return parse_addr(argv[0], addr);
}

void service_addr_put(struct nlmsghdr *req, const struct shoal_addr *addr)
{
	if (addr->family == AF_INET)
		mnl_attr_put(req, SHOAL_A_SERVICE_ADDR4, sizeof(addr->v4),
			     &addr->v4);
	else
		mnl_attr_put(req, SHOAL_A_SERVICE_ADDR6, sizeof(addr->v6),
			     &addr->v6);
}

/* What a reply said; -1 marks an attribute it left out. */
struct service_info {
	struct shoal_addr addr;
	int proto;
	int32_t port;
	int hash;
	int64_t buckets;
	int64_t flags;
	int nnodes;
	uint32_t nodes[SHOAL_NODE_ID_MAX];
	bool has_mac;
	uint8_t mac[MAC_LEN];
	uint32_t ifindex;	/* 0: none */
	char ifname[IF_NAMESIZE];
	int xdp;		/* -1: not reported */
	int mode;		/* enum shoal_service_mode, -1: not reported */
	int ndist;
	uint32_t dist[SHOAL_NODE_ID_MAX];
	int64_t holder;		/* 0: none; -1: not reported */
	/* nodes out of the service for their configuration of it */
	int nout;
	uint32_t out[SHOAL_NODE_ID_MAX];
	uint8_t *owned;		/* NULL: not reported */
	size_t owned_bits;
	uint8_t *held;		/* moved away, flows still held here */
	size_t held_bits;
	int64_t held_flows;
	struct shoal_stats stats;
	bool has_pool;
	struct pool_info {
		uint32_t min, max, up, down, hold, capacity, epoch, decider;
		int load;
		int nmembers;
		struct pool_member {
			uint32_t id;
			int role;	/* enum shoal_pool_role */
			int util;	/* percent, -1: unknown */
		} members[SHOAL_NODE_ID_MAX];
		struct pool_decision {
			int event;	/* SHOAL_EVENT_POOL_*, 0: none */
			uint32_t member, epoch, decider, ago_ms;
			int util;	/* -1: unknown */
			int why;
		} decision;
	} pool;
};

struct service_list {
	struct service_info *services;
	size_t count;
	size_t size;
};

static int parse_nodes(const struct nlattr *nest, uint32_t *ids, int *n)
{
	const struct nlattr *attr;

	*n = 0;
	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) != SHOAL_A_NODE_ID)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0 ||
		    *n == SHOAL_NODE_ID_MAX) {
			pr_err_sys("malformed reply from the kernel (node list).");
			return -1;
		}
		ids[(*n)++] = mnl_attr_get_u32(attr);
	}
	return 0;
}

/* A bucket bitmap covers the buckets, or what was sent if fewer. */
static int parse_bitmap(const struct nlattr *attr, const struct service_info *s,
			uint8_t **map, size_t *nbits)
{
	size_t len = mnl_attr_get_payload_len(attr);
	size_t bits = len * 8;

	if (s->buckets >= 0 && (uint64_t)s->buckets < bits)
		bits = (size_t)s->buckets;
	/* one spare byte so an empty bitmap still reads as "reported" */
	*map = calloc(1, len + 1);
	if (!*map) {
		pr_err_sys("out of memory.");
		return -1;
	}
	memcpy(*map, mnl_attr_get_payload(attr), len);
	*nbits = bits;
	return 0;
}

/* A nest of u32 and u8 attributes: each listed one into its place. */
static int parse_pool_nest(const struct nlattr *nest, const int *types,
			   int *const *vals, size_t n)
{
	const struct nlattr *attr;
	size_t i;
	int type;

	mnl_attr_for_each_nested(attr, nest) {
		type = mnl_attr_get_type(attr);
		for (i = 0; i < n; i++) {
			if (type != types[i])
				continue;
			if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
				*vals[i] = (int)mnl_attr_get_u32(attr);
			else if (mnl_attr_validate(attr, MNL_TYPE_U8) >= 0)
				*vals[i] = mnl_attr_get_u8(attr);
			else
				return -1;
		}
	}
	return 0;
}

static int parse_pool_member(const struct nlattr *nest, struct pool_info *p)
{
	static const int types[] = { SHOAL_A_NODE_ID, SHOAL_A_POOL_ROLE,
				     SHOAL_A_POOL_UTIL };
	struct pool_member *m;
	int id = 0;

	if (p->nmembers == SHOAL_NODE_ID_MAX)
		return -1;
	m = &p->members[p->nmembers];
	m->role = SHOAL_POOL_STANDBY;
	m->util = -1;
	if (parse_pool_nest(nest, types, (int *const[]){ &id, &m->role,
							 &m->util }, 3) || !id)
		return -1;
	m->id = (uint32_t)id;
	p->nmembers++;
	return 0;
}

static int parse_pool_decision(const struct nlattr *nest,
			       struct pool_decision *d)
{
	static const int types[] = {
		SHOAL_A_EVENT, SHOAL_A_NODE_ID, SHOAL_A_POOL_EPOCH,
		SHOAL_A_POOL_DECIDER, SHOAL_A_POOL_AGO, SHOAL_A_POOL_UTIL,
		SHOAL_A_POOL_WHY,
	};
	int member = 0, epoch = 0, decider = 0, ago = 0;

	d->util = -1;
	if (parse_pool_nest(nest, types,
			    (int *const[]){ &d->event, &member, &epoch,
					    &decider, &ago, &d->util, &d->why },
			    7))
		return -1;
	d->member = (uint32_t)member;
	d->epoch = (uint32_t)epoch;
	d->decider = (uint32_t)decider;
	d->ago_ms = (uint32_t)ago;
	return 0;
}

/* The pool's settings, members and the decision it follows. */
static int parse_pool(const struct nlattr *nest, struct pool_info *p)
{
	static const int u32s[] = {
		SHOAL_A_POOL_MIN, SHOAL_A_POOL_MAX, SHOAL_A_POOL_UP,
		SHOAL_A_POOL_DOWN, SHOAL_A_POOL_HOLD, SHOAL_A_POOL_CAPACITY,
		SHOAL_A_POOL_EPOCH, SHOAL_A_POOL_DECIDER,
	};
	uint32_t *vals[] = { &p->min, &p->max, &p->up, &p->down, &p->hold,
			     &p->capacity, &p->epoch, &p->decider };
	const struct nlattr *attr;
	int type;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->load = -1;
	mnl_attr_for_each_nested(attr, nest) {
		type = mnl_attr_get_type(attr);
		if (type == SHOAL_A_POOL_MEMBER) {
			if (parse_pool_member(attr, p))
				goto bad;
			continue;
		}
		if (type == SHOAL_A_POOL_DECISION) {
			if (parse_pool_decision(attr, &p->decision))
				goto bad;
			continue;
		}
		if (type == SHOAL_A_POOL_LOAD) {
			if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
				goto bad;
			p->load = mnl_attr_get_u8(attr);
			continue;
		}
		for (i = 0; i < sizeof(u32s) / sizeof(u32s[0]); i++) {
			if (type != u32s[i])
				continue;
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				goto bad;
			*vals[i] = mnl_attr_get_u32(attr);
		}
	}
	return 0;
bad:
	pr_err_sys("malformed reply from the kernel (pool).");
	return -1;
}

static int service_cb(const struct nlmsghdr *nlh, void *data)
{
	static const enum mnl_attr_data_type policy[SHOAL_A_MAX + 1] = {
		[SHOAL_A_SERVICE_ADDR4] = MNL_TYPE_BINARY,
		[SHOAL_A_SERVICE_ADDR6] = MNL_TYPE_BINARY,
		[SHOAL_A_SERVICE_PROTO] = MNL_TYPE_U8,
		[SHOAL_A_SERVICE_PORT] = MNL_TYPE_U16,
		[SHOAL_A_SERVICE_HASH] = MNL_TYPE_U8,
		[SHOAL_A_SERVICE_BUCKETS] = MNL_TYPE_U32,
		[SHOAL_A_SERVICE_NODES] = MNL_TYPE_NESTED,
		[SHOAL_A_SERVICE_MAC] = MNL_TYPE_BINARY,
		[SHOAL_A_SERVICE_IFINDEX] = MNL_TYPE_U32,
		[SHOAL_A_SERVICE_IFNAME] = MNL_TYPE_NUL_STRING,
		[SHOAL_A_SERVICE_FLAGS] = MNL_TYPE_U32,
		[SHOAL_A_SERVICE_OWNED] = MNL_TYPE_BINARY,
		[SHOAL_A_SERVICE_HELD] = MNL_TYPE_BINARY,
		[SHOAL_A_SERVICE_HELD_FLOWS] = MNL_TYPE_U32,
		[SHOAL_A_SERVICE_STATS] = MNL_TYPE_NESTED,
		[SHOAL_A_SERVICE_XDP] = MNL_TYPE_U8,
		[SHOAL_A_SERVICE_POOL] = MNL_TYPE_NESTED,
		[SHOAL_A_SERVICE_MODE] = MNL_TYPE_U8,
		[SHOAL_A_SERVICE_DISTRIBUTORS] = MNL_TYPE_NESTED,
		[SHOAL_A_SERVICE_HOLDER] = MNL_TYPE_U32,
		[SHOAL_A_SERVICE_CONFIG_OUT] = MNL_TYPE_NESTED,
	};
	const struct nlattr *tb[SHOAL_A_MAX + 1], *a;
	struct service_list *list = data;
	struct service_info *s;

	if (nl_parse(nlh, policy, SHOAL_A_MAX, tb))
		return -1;
	a = tb[SHOAL_A_SERVICE_ADDR4] ? tb[SHOAL_A_SERVICE_ADDR4] :
					tb[SHOAL_A_SERVICE_ADDR6];
	if (!a || (tb[SHOAL_A_SERVICE_MAC] &&
		   mnl_attr_get_payload_len(tb[SHOAL_A_SERVICE_MAC]) != MAC_LEN)) {
		pr_err_sys("malformed reply from the kernel (service address or MAC).");
		return -1;
	}

	if (list->count == list->size) {
		size_t size = list->size ? list->size * 2 : 16;
		struct service_info *services;

		services = realloc(list->services, size * sizeof(*services));
		if (!services) {
			pr_err_sys("out of memory.");
			return -1;
		}
		list->services = services;
		list->size = size;
	}
	s = &list->services[list->count];
	memset(s, 0, sizeof(*s));
	if (addr_from_bytes(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a),
			    &s->addr) ||
	    (tb[SHOAL_A_SERVICE_ADDR4] ? AF_INET : AF_INET6) != s->addr.family) {
		pr_err_sys("malformed reply from the kernel (service address).");
		return -1;
	}
	/* counted now so that the list frees what follows */
	list->count++;

	s->proto = tb[SHOAL_A_SERVICE_PROTO] ?
		   mnl_attr_get_u8(tb[SHOAL_A_SERVICE_PROTO]) : -1;
	s->port = tb[SHOAL_A_SERVICE_PORT] ?
		  mnl_attr_get_u16(tb[SHOAL_A_SERVICE_PORT]) : -1;
	s->hash = tb[SHOAL_A_SERVICE_HASH] ?
		  mnl_attr_get_u8(tb[SHOAL_A_SERVICE_HASH]) : -1;
	s->buckets = tb[SHOAL_A_SERVICE_BUCKETS] ?
		     (int64_t)mnl_attr_get_u32(tb[SHOAL_A_SERVICE_BUCKETS]) : -1;
	s->flags = tb[SHOAL_A_SERVICE_FLAGS] ?
		   (int64_t)mnl_attr_get_u32(tb[SHOAL_A_SERVICE_FLAGS]) : -1;
	s->xdp = tb[SHOAL_A_SERVICE_XDP] ?
		 mnl_attr_get_u8(tb[SHOAL_A_SERVICE_XDP]) : -1;
	s->nnodes = -1;
	if (tb[SHOAL_A_SERVICE_NODES] &&
	    parse_nodes(tb[SHOAL_A_SERVICE_NODES], s->nodes, &s->nnodes))
		return -1;
	s->mode = tb[SHOAL_A_SERVICE_MODE] ?
		  mnl_attr_get_u8(tb[SHOAL_A_SERVICE_MODE]) : -1;
	s->ndist = -1;
	if (tb[SHOAL_A_SERVICE_DISTRIBUTORS] &&
	    parse_nodes(tb[SHOAL_A_SERVICE_DISTRIBUTORS], s->dist, &s->ndist))
		return -1;
	s->holder = tb[SHOAL_A_SERVICE_HOLDER] ?
		    (int64_t)mnl_attr_get_u32(tb[SHOAL_A_SERVICE_HOLDER]) : -1;
	s->nout = 0;
	if (tb[SHOAL_A_SERVICE_CONFIG_OUT] &&
	    parse_nodes(tb[SHOAL_A_SERVICE_CONFIG_OUT], s->out, &s->nout))
		return -1;
	/* in the order given: a pool's candidates, first choice first */
	if (tb[SHOAL_A_SERVICE_POOL]) {
		if (parse_pool(tb[SHOAL_A_SERVICE_POOL], &s->pool))
			return -1;
		s->has_pool = true;
	}
	if (tb[SHOAL_A_SERVICE_MAC]) {
		memcpy(s->mac, mnl_attr_get_payload(tb[SHOAL_A_SERVICE_MAC]),
		       MAC_LEN);
		s->has_mac = true;
	}
	if (tb[SHOAL_A_SERVICE_IFINDEX])
		s->ifindex = mnl_attr_get_u32(tb[SHOAL_A_SERVICE_IFINDEX]);
	if (tb[SHOAL_A_SERVICE_IFNAME])
		snprintf(s->ifname, sizeof(s->ifname), "%s",
			 mnl_attr_get_str(tb[SHOAL_A_SERVICE_IFNAME]));
	/* the name is a courtesy of the reply */
	if (s->ifindex && !s->ifname[0])
		ifindex_name(s->ifindex, s->ifname);
	if (tb[SHOAL_A_SERVICE_OWNED] &&
	    parse_bitmap(tb[SHOAL_A_SERVICE_OWNED], s, &s->owned,
			 &s->owned_bits))
		return -1;
	if (tb[SHOAL_A_SERVICE_HELD] &&
	    parse_bitmap(tb[SHOAL_A_SERVICE_HELD], s, &s->held, &s->held_bits))
		return -1;
	s->held_flows = tb[SHOAL_A_SERVICE_HELD_FLOWS] ?
		(int64_t)mnl_attr_get_u32(tb[SHOAL_A_SERVICE_HELD_FLOWS]) : -1;
	if (tb[SHOAL_A_SERVICE_STATS] &&
	    stats_parse(tb[SHOAL_A_SERVICE_STATS], &s->stats))
		return -1;
	return 0;
}

static void service_list_restart(void *data)
{
	struct service_list *list = data;
	size_t i;

	for (i = 0; i < list->count; i++) {
		free(list->services[i].owned);
		free(list->services[i].held);
	}
	list->count = 0;
}

static void service_list_free(struct service_list *list)
{
	service_list_restart(list);
	free(list->services);
}

/* The address and what the kernel reported, as they would be typed. */
static void print_fields(const struct service_info *s)
{
	char buf[ADDR_STRLEN];
	const char *name;
	int i;

	printf("%s", format_addr(&s->addr, buf));
	if (s->proto >= 0) {
		name = keyword_name(protos, s->proto);
		if (name)
			printf(" proto %s", name);
		else
			printf(" proto %d", s->proto);
	}
	if (s->port > 0)
		printf(" port %d", s->port);
	else if (s->port == 0)
		printf(" port all");
	if (s->hash >= 0) {
		name = keyword_name(hashes, s->hash);
		printf(" hash %s", name ? name : "unknown");
	}
	if (s->buckets >= 0)
		printf(" buckets %lld", (long long)s->buckets);
	/* the configuration, as it would be typed; JSON has the members */
	if (s->flags >= 0 && (s->flags & SHOAL_SERVICE_F_ALL_NODES)) {
		printf(" nodes all");
	} else if (s->nnodes == 0) {
		printf(" nodes none");
	} else if (s->nnodes > 0) {
		printf(" nodes ");
		for (i = 0; i < s->nnodes; i++)
			printf("%s%u", i ? "," : "", s->nodes[i]);
	}
	if (s->mode == SHOAL_SERVICE_MODE_DISTRIBUTOR) {
		printf(" mode distributor");
		if (s->ndist > 0) {
			printf(" distributors ");
			for (i = 0; i < s->ndist; i++)
				printf("%s%u", i ? "," : "", s->dist[i]);
		}
	}
	if (s->has_mac)
		printf(" mac %s", format_mac(s->mac, buf));
	if (s->ifindex)
		printf(" dev %s", s->ifname);
	if (s->xdp >= 0)
		printf(" xdp %s", s->xdp ? "on" : "off");
	/* on, but someone took the program off the device */
	if (s->xdp == 1 && s->ifindex && !xdp_state(s->ifindex))
		printf(" (detached)");
	if (s->has_pool) {
		printf(" pool min %u max %u up %u down %u hold %u load %s",
		       s->pool.min, s->pool.max, s->pool.up, s->pool.down,
		       s->pool.hold, pool_load_name(s->pool.load));
		if (s->pool.capacity)
			printf(" %u", s->pool.capacity);
	}
	if (s->mode == SHOAL_SERVICE_MODE_DISTRIBUTOR && s->holder > 0)
		printf(" holder %lld", (long long)s->holder);
	else if (s->mode == SHOAL_SERVICE_MODE_DISTRIBUTOR && s->holder == 0)
		printf(" holder none");
	/* nodes whose configuration of it is not the most common one */
	if (s->nout > 0) {
		printf(" config-out ");
		for (i = 0; i < s->nout; i++)
			printf("%s%u", i ? "," : "", s->out[i]);
	}
	if (s->owned)
		printf(" owned %zu", bitmap_weight(s->owned, s->owned_bits));
	/* only while flows are held in buckets that moved away */
	if (s->held && bitmap_weight(s->held, s->held_bits))
		printf(" held %zu flows %lld",
		       bitmap_weight(s->held, s->held_bits),
		       (long long)(s->held_flows > 0 ? s->held_flows : 0));
}

static const char *pool_event_name(int event)
{
	switch (event) {
	case SHOAL_EVENT_POOL_GROW:
		return "grow";
	case SHOAL_EVENT_POOL_SHRINK:
		return "shrink";
	case SHOAL_EVENT_POOL_SKIP:
		return "skip";
	}
	return "unknown";
}

static const char *pool_why_name(int why)
{
	switch (why) {
	case SHOAL_POOL_WHY_LOAD:
		return "load";
	case SHOAL_POOL_WHY_IDLE:
		return "idle";
	case SHOAL_POOL_WHY_MIN:
		return "min";
	case SHOAL_POOL_WHY_SERVES:
		return "serves another port";
	case SHOAL_POOL_WHY_WEIGHT:
		return "another weight";
	case SHOAL_POOL_WHY_SILENT:
		return "no entry";
	}
	return "unknown";
}

/* "node 3 at 85% (load), epoch 4 by node 1" */
static void print_decision(const struct pool_decision *d)
{
	printf("node %u", d->member);
	if (d->util >= 0)
		printf(" at %d%%", d->util);
	printf(" (%s), epoch %u by node %u", pool_why_name(d->why), d->epoch,
	       d->decider);
}

/* The pool's members, and the last decision seen. */
static void print_pool(const struct pool_info *p)
{
	const char *sep = "";
	int role, i;

	for (role = SHOAL_POOL_ACTIVE; role >= SHOAL_POOL_STANDBY; role--) {
		printf("%s%s", sep, role == SHOAL_POOL_ACTIVE ? "    active" :
							    "; standby");
		sep = "";
		for (i = 0; i < p->nmembers; i++) {
			if (p->members[i].role != role)
				continue;
			printf(" %u", p->members[i].id);
			if (p->members[i].util >= 0)
				printf(" (%d%%)", p->members[i].util);
		}
	}
	printf("\n");
	if (p->decision.event) {
		printf("    last %s ", pool_event_name(p->decision.event));
		print_decision(&p->decision);
		printf(", %u.%u s ago\n", p->decision.ago_ms / 1000,
		       p->decision.ago_ms % 1000 / 100);
	}
}

static void print_plain(const void *item)
{
	const struct service_info *s = item;

	printf("service ");
	print_fields(s);
	printf("\n");
	if (s->has_pool)
		print_pool(&s->pool);
	if (stats_output && s->stats.valid) {
		printf("    ");
		stats_print(&s->stats);
		printf("\n");
	}
}

static void json_decision(struct json *j, const struct pool_decision *d)
{
	json_kv_string(j, "event", pool_event_name(d->event));
	json_kv_uint(j, "member", d->member);
	if (d->util >= 0)
		json_kv_uint(j, "util", (uint64_t)d->util);
	else
		json_kv_null(j, "util");
	json_kv_string(j, "why", pool_why_name(d->why));
	json_kv_uint(j, "epoch", d->epoch);
	json_kv_uint(j, "decider", d->decider);
}

/* Members and the last decision, where the reply has them. */
static void json_pool_state(struct json *j, const struct pool_info *p)
{
	int i;

	json_key(j, "members");
	json_arr_open(j);
	for (i = 0; i < p->nmembers; i++) {
		json_obj_open(j);
		json_kv_uint(j, "id", p->members[i].id);
		json_kv_string(j, "role", p->members[i].role ==
			       SHOAL_POOL_ACTIVE ? "active" : "standby");
		if (p->members[i].util >= 0)
			json_kv_uint(j, "util", (uint64_t)p->members[i].util);
		else
			json_kv_null(j, "util");
		json_obj_close(j);
	}
	json_arr_close(j);
	json_key(j, "decision");
	if (!p->decision.event) {
		json_null(j);
		return;
	}
	json_obj_open(j);
	json_decision(j, &p->decision);
	json_kv_uint(j, "ago_ms", p->decision.ago_ms);
	json_obj_close(j);
}

static void json_fields(struct json *j, const struct service_info *s)
{
	char buf[ADDR_STRLEN];
	const char *name;
	long b;
	int i, xdp;

	json_kv_string(j, "address", format_addr(&s->addr, buf));
	if (s->proto >= 0) {
		name = keyword_name(protos, s->proto);
		if (!name) {
			snprintf(buf, sizeof(buf), "%d", s->proto);
			name = buf;
		}
		json_kv_string(j, "proto", name);
	} else {
		json_kv_null(j, "proto");
	}
	if (s->port >= 0)
		json_kv_uint(j, "port", (uint64_t)s->port);
	else
		json_kv_null(j, "port");
	if (s->hash >= 0) {
		name = keyword_name(hashes, s->hash);
		json_kv_string(j, "hash", name ? name : "unknown");
	} else {
		json_kv_null(j, "hash");
	}
	if (s->buckets >= 0)
		json_kv_uint(j, "buckets", (uint64_t)s->buckets);
	else
		json_kv_null(j, "buckets");
	json_key(j, "nodes");
	if (s->nnodes >= 0) {
		json_arr_open(j);
		for (i = 0; i < s->nnodes; i++)
			json_uint(j, s->nodes[i]);
		json_arr_close(j);
	} else {
		json_null(j);
	}
	if (s->flags >= 0)
		json_kv_bool(j, "all_nodes", s->flags & SHOAL_SERVICE_F_ALL_NODES);
	else
		json_kv_null(j, "all_nodes");
	json_kv_string(j, "mode", s->mode < 0 ? NULL :
		       s->mode == SHOAL_SERVICE_MODE_DISTRIBUTOR ? "distributor" :
		       s->mode == SHOAL_SERVICE_MODE_SHARED ? "shared" : "unknown");
	json_key(j, "distributors");
	if (s->ndist >= 0) {
		json_arr_open(j);
		for (i = 0; i < s->ndist; i++)
			json_uint(j, s->dist[i]);
		json_arr_close(j);
	} else {
		json_null(j);
	}
	if (s->holder > 0)
		json_kv_uint(j, "holder", (uint64_t)s->holder);
	else
		json_kv_null(j, "holder");
	json_key(j, "config_out");
	json_arr_open(j);
	for (i = 0; i < s->nout; i++)
		json_uint(j, s->out[i]);
	json_arr_close(j);
	json_kv_string(j, "mac", s->has_mac ? format_mac(s->mac, buf) : NULL);
	json_kv_string(j, "dev", s->ifindex ? s->ifname : NULL);
	if (s->ifindex)
		json_kv_uint(j, "ifindex", s->ifindex);
	else
		json_kv_null(j, "ifindex");
	if (s->xdp >= 0)
		json_kv_bool(j, "xdp", s->xdp);
	else
		json_kv_null(j, "xdp");
	/* whether the device runs the program, null if it cannot be told */
	xdp = s->xdp == 1 && s->ifindex ? xdp_state(s->ifindex) : -1;
	if (xdp >= 0)
		json_kv_bool(j, "xdp_attached", xdp);
	else
		json_kv_null(j, "xdp_attached");
	json_key(j, "owned_buckets");
	if (s->owned) {
		json_arr_open(j);
		bitmap_for_each(b, s->owned, s->owned_bits)
			json_uint(j, (uint64_t)b);
		json_arr_close(j);
	} else {
		json_null(j);
	}
	json_key(j, "held_buckets");
	if (s->held) {
		json_arr_open(j);
		bitmap_for_each(b, s->held, s->held_bits)
			json_uint(j, (uint64_t)b);
		json_arr_close(j);
	} else {
		json_null(j);
	}
	if (s->held_flows >= 0)
		json_kv_uint(j, "held_flows", (uint64_t)s->held_flows);
	else
		json_kv_null(j, "held_flows");
	json_key(j, "pool");
	if (!s->has_pool) {
		json_null(j);
		return;
	}
	json_obj_open(j);
	json_kv_uint(j, "min", s->pool.min);
	json_kv_uint(j, "max", s->pool.max);
	json_kv_uint(j, "up", s->pool.up);
	json_kv_uint(j, "down", s->pool.down);
	json_kv_uint(j, "hold", s->pool.hold);
	json_kv_string(j, "load", pool_load_name(s->pool.load));
	if (s->pool.capacity)
		json_kv_uint(j, "capacity", s->pool.capacity);
	else
		json_kv_null(j, "capacity");
	json_kv_uint(j, "epoch", s->pool.epoch);
	if (s->pool.decider)
		json_kv_uint(j, "decider", s->pool.decider);
	else
		json_kv_null(j, "decider");
	json_pool_state(j, &s->pool);
	json_obj_close(j);
}

static void print_json(struct json *j, const void *item)
{
	const struct service_info *s = item;

	json_obj_open(j);
	json_fields(j, s);
	if (stats_output)
		stats_json(j, &s->stats);
	json_obj_close(j);
}

static int service_show(int argc, char **argv)
{
	struct service_list list = { 0 };
	struct shoal_addr addr;
	struct nlmsghdr *req;
	struct nl_sock *nl;
	int ret;

	if (argc > 0 && (service_addr_arg(argc, argv, HINT, &addr) ||
			 no_more_args(argc - 1, argv + 1, HINT)))
		return -1;

	nl = shoal_nl();
	if (!nl)
		return -1;
	req = nl_msg(nl, SHOAL_CMD_SERVICE_GET, 0);
	if (argc > 0) {
		service_addr_put(req, &addr);
		ret = nl_request(nl, req, service_cb, &list);
	} else {
		ret = nl_dump(nl, req, service_cb, service_list_restart, &list);
	}
	if (!ret)
		print_list(list.services, list.count, sizeof(*list.services),
			   print_plain, print_json);
	service_list_free(&list);
	return ret;
}

/* A pool's decision, or a standby passed over, with the thresholds. */
static int pool_event(const struct nlmsghdr *nlh)
{
	struct service_list list = { 0 };
	const struct service_info *s;
	char buf[ADDR_STRLEN];
	struct json *j;
	int ret = -1;

	if (service_cb(nlh, &list))
		goto out;
	s = &list.services[0];
	if (!s->has_pool || !s->pool.decision.event) {
		pr_err_sys("malformed event from the kernel (pool).");
		goto out;
	}
	j = event_begin("pool", pool_event_name(s->pool.decision.event));
	if (j) {
		json_kv_string(j, "address", format_addr(&s->addr, buf));
		json_decision(j, &s->pool.decision);
		json_kv_uint(j, "up", s->pool.up);
		json_kv_uint(j, "down", s->pool.down);
	} else {
		printf("pool %s %s ", pool_event_name(s->pool.decision.event),
		       format_addr(&s->addr, buf));
		print_decision(&s->pool.decision);
		printf(", up %u%% down %u%%", s->pool.up, s->pool.down);
	}
	event_end(j);
	ret = 0;
out:
	service_list_free(&list);
	return ret;
}

int service_event(const struct nlmsghdr *nlh, uint8_t event)
{
	struct service_list list = { 0 };
	const char *name;
	struct json *j;
	int ret = -1;

	switch (event) {
	case SHOAL_EVENT_POOL_GROW:
	case SHOAL_EVENT_POOL_SHRINK:
	case SHOAL_EVENT_POOL_SKIP:
		return pool_event(nlh);
	case SHOAL_EVENT_SERVICE_ADDED:
		name = "added";
		break;
	case SHOAL_EVENT_SERVICE_CHANGED:
		name = "changed";
		break;
	case SHOAL_EVENT_SERVICE_DELETED:
		name = "deleted";
		break;
	case SHOAL_EVENT_SERVICE_HOLDER:
		name = "holder";
		break;
	case SHOAL_EVENT_SERVICE_CONFIG:
		name = "config";
		break;
	default:
		return 1;
	}
	if (service_cb(nlh, &list))
		goto out;

	j = event_begin("service", name);
	if (j) {
		json_fields(j, &list.services[0]);
	} else {
		printf("service %s ", name);
		print_fields(&list.services[0]);
	}
	event_end(j);
	ret = 0;
out:
	service_list_free(&list);
	return ret;
}

/* What add or set asks for; -1 leaves an attribute out of the request. */
struct service_conf {
	int proto;
	int32_t port;
	int hash;
	int64_t buckets;
	int nnodes;		/* 0: "all" */
	uint32_t nodes[SHOAL_NODE_ID_MAX];
	bool has_mac;
	uint8_t mac[MAC_LEN];
	uint32_t ifindex;	/* 0: not given */
	int xdp;
	int mode;
	int ndist;		/* -1: not given */
	uint32_t dist[SHOAL_NODE_ID_MAX];
	bool has_pool;
	struct poolspec pool;
};

enum {
	ARG_PROTO, ARG_PORT, ARG_HASH, ARG_BUCKETS, ARG_NODES, ARG_MAC, ARG_DEV,
	ARG_XDP, ARG_MODE, ARG_DISTRIBUTORS, ARG_POOL
};

static const struct keyword add_args[] = {
	{ "proto", ARG_PROTO, false },
	{ "port", ARG_PORT, false },
	{ "hash", ARG_HASH, false },
	{ "buckets", ARG_BUCKETS, false },
	{ "nodes", ARG_NODES, false },
	{ "mac", ARG_MAC, false },
	{ "dev", ARG_DEV, false },
	{ "xdp", ARG_XDP, false },
	{ "mode", ARG_MODE, false },
	{ "distributors", ARG_DISTRIBUTORS, false },
	{ NULL, 0, false },
};

/* mode and distributors only for the kernel to say they are fixed */
static const struct keyword set_args[] = {
	{ "nodes", ARG_NODES, false },
	{ "xdp", ARG_XDP, false },
	{ "pool", ARG_POOL, false },
	{ "mode", ARG_MODE, false },
	{ "distributors", ARG_DISTRIBUTORS, false },
	{ NULL, 0, false },
};

static const struct keyword modes[] = {
	{ "shared", SHOAL_SERVICE_MODE_SHARED, false },
	{ "distributor", SHOAL_SERVICE_MODE_DISTRIBUTOR, false },
	{ NULL, 0, false },
};

static const struct keyword on_off[] = {
	{ "on", 1, false },
	{ "off", 0, false },
	{ NULL, 0, false },
};

static const struct keyword all[] = {
	{ "all", 0, false },
	{ NULL, 0, false },
};

static int parse_port(const char *arg, int32_t *port)
{
	unsigned long long val;

	if (keyword_find(all, arg) >= 0) {
		*port = 0;
		return 0;
	}
	/* parse_u32() alone would not say what else is allowed */
	if (!*arg || arg[strspn(arg, "0123456789")]) {
		pr_err("\"%s\" is not a valid port; expected 1 to 65535 or \"all\".",
		       arg);
		return -1;
	}
	/* the kernel takes 0 for every port, but that is spelt "all" */
	val = strtoull(arg, NULL, 10);
	if (!val || val > UINT16_MAX) {
		pr_err("port must be between 1 and 65535, or \"all\" for every port.");
		return -1;
	}
	*port = (int32_t)val;
	return 0;
}

static int parse_nodes_arg(const char *arg, struct service_conf *c)
{
	int n;

	if (keyword_find(all, arg) >= 0) {
		c->nnodes = 0;
		return 0;
	}
	n = parse_node_ids(arg, c->nodes, SHOAL_NODE_ID_MAX);
	if (n < 0)
		return -1;
	c->nnodes = n;
	return 0;
}

static int parse_conf(int argc, char **argv, const struct keyword *args,
		      const char *context, struct service_conf *c)
{
	bool seen[ARG_POOL + 1] = { false };

	memset(c, 0, sizeof(*c));
	c->proto = -1;
	c->port = -1;
	c->hash = -1;
	c->buckets = -1;
	c->nnodes = -1;
	c->xdp = -1;
	c->mode = -1;
	c->ndist = -1;

	for (; argc > 0; argc -= 2, argv += 2) {
		const char *name, *val;
		uint32_t buckets;
		int arg, id;

		arg = keyword_get(args, argv[0], "argument", context, HINT);
		if (arg < 0)
			return -1;
		name = keyword_name(args, arg);
		/* the pool's words run to the end of the line */
		if (arg == ARG_POOL) {
			if (poolspec_parse(argc - 1, argv + 1, HINT, &c->pool))
				return -1;
			c->has_pool = true;
			break;
		}
		if (argc < 2) {
			pr_err("\"%s\" needs a value; try \"" HINT "\".", name);
			return -1;
		}
		if (seen[arg]) {
			pr_err("\"%s\" is given twice.", name);
			return -1;
		}
		seen[arg] = true;
		val = argv[1];

		switch (arg) {
		case ARG_PROTO:
			id = value_get(protos, val, "protocol",
				       "tcp, udp or any");
			if (id < 0)
				return -1;
			c->proto = id;
			break;
		case ARG_PORT:
			if (parse_port(val, &c->port))
				return -1;
			break;
		case ARG_HASH:
			id = value_get(hashes, val, "hash",
				       "saddr, saddr-sport or saddr-sport-dport");
			if (id < 0)
				return -1;
			c->hash = id;
			break;
		case ARG_BUCKETS:
			if (parse_u32(val, 1, SHOAL_BUCKETS_MAX, "bucket count",
				      &buckets))
				return -1;
			c->buckets = buckets;
			break;
		case ARG_NODES:
			if (parse_nodes_arg(val, c))
				return -1;
			break;
		case ARG_MAC:
			if (parse_mac(val, c->mac))
				return -1;
			c->has_mac = true;
			break;
		case ARG_DEV:
			if (parse_ifname(val, &c->ifindex))
				return -1;
			break;
		case ARG_XDP:
			id = value_get(on_off, val, "xdp setting", "on or off");
			if (id < 0)
				return -1;
			c->xdp = id;
			break;
		case ARG_MODE:
			id = value_get(modes, val, "mode", "shared or distributor");
			if (id < 0)
				return -1;
			c->mode = id;
			break;
		case ARG_DISTRIBUTORS:
			id = parse_node_ids(val, c->dist, SHOAL_NODE_ID_MAX);
			if (id < 0)
				return -1;
			c->ndist = id;
			break;
		}
	}
	return 0;
}

static void put_pool(struct nlmsghdr *req, const struct poolspec *ps)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start(req, SHOAL_A_SERVICE_POOL);
	if (ps->off) {
		mnl_attr_put(req, SHOAL_A_POOL_OFF, 0, NULL);
	} else {
		mnl_attr_put_u32(req, SHOAL_A_POOL_MIN, ps->min);
		mnl_attr_put_u32(req, SHOAL_A_POOL_MAX, ps->max);
		mnl_attr_put_u32(req, SHOAL_A_POOL_UP, ps->up);
		mnl_attr_put_u32(req, SHOAL_A_POOL_DOWN, ps->down);
		if (ps->hold >= 0)
			mnl_attr_put_u32(req, SHOAL_A_POOL_HOLD,
					 (uint32_t)ps->hold);
		if (ps->load >= 0)
			mnl_attr_put_u8(req, SHOAL_A_POOL_LOAD, (uint8_t)ps->load);
		if (ps->capacity)
			mnl_attr_put_u32(req, SHOAL_A_POOL_CAPACITY,
					 ps->capacity);
	}
	mnl_attr_nest_end(req, nest);
}

static void put_nodes(struct nlmsghdr *req, const struct service_conf *c)
{
	struct nlattr *nest;
	int i;

	/* an empty nest means every non-spare node */
	nest = mnl_attr_nest_start(req, SHOAL_A_SERVICE_NODES);
	for (i = 0; i < c->nnodes; i++)
		mnl_attr_put_u32(req, SHOAL_A_NODE_ID, c->nodes[i]);
	mnl_attr_nest_end(req, nest);
}

static void put_mode(struct nlmsghdr *req, const struct service_conf *c)
{
	struct nlattr *nest;
	int i;

	if (c->mode >= 0)
		mnl_attr_put_u8(req, SHOAL_A_SERVICE_MODE, (uint8_t)c->mode);
	if (c->ndist < 0)
		return;
	nest = mnl_attr_nest_start(req, SHOAL_A_SERVICE_DISTRIBUTORS);
	for (i = 0; i < c->ndist; i++)
		mnl_attr_put_u32(req, SHOAL_A_NODE_ID, c->dist[i]);
	mnl_attr_nest_end(req, nest);
}

static int service_del_request(struct nl_sock *nl, const struct shoal_addr *addr)
{
	struct nlmsghdr *req = nl_msg(nl, SHOAL_CMD_SERVICE_DEL, 0);

	service_addr_put(req, addr);
	return nl_request(nl, req, NULL, NULL);
}

/* The service at addr as the kernel reports it, into list. */
static int service_get(struct nl_sock *nl, const struct shoal_addr *addr,
		       struct service_list *list)
{
	struct nlmsghdr *req = nl_msg(nl, SHOAL_CMD_SERVICE_GET, 0);

	service_addr_put(req, addr);
	if (nl_request(nl, req, service_cb, list))
		return -1;
	if (list->count != 1) {
		pr_err_sys("malformed reply from the kernel (no service).");
		return -1;
	}
	return 0;
}

static bool addr_equal(const struct shoal_addr *a, const struct shoal_addr *b)
{
	return a->family == b->family && !memcmp(&a->v6, &b->v6, addr_len(a));
}

static int service_dump(struct nl_sock *nl, struct service_list *list)
{
	struct nlmsghdr *req = nl_msg(nl, SHOAL_CMD_SERVICE_GET, 0);

	return nl_dump(nl, req, service_cb, service_list_restart, list);
}

/* Whether a service on @ifindex has XDP on. Returns 0 or -1. */
static int xdp_wanted(struct nl_sock *nl, uint32_t ifindex, bool *wanted)
{
	struct service_list list = { 0 };
	size_t i;
	int ret;

	*wanted = false;
	ret = service_dump(nl, &list);
	for (i = 0; !ret && i < list.count; i++)
		if (list.services[i].xdp == 1 && list.services[i].ifindex == ifindex)
			*wanted = true;
	service_list_free(&list);
	return ret ? -1 : 0;
}

/* Detach the XDP program from a device no service wants it on any more. */
static int xdp_release(struct nl_sock *nl, uint32_t ifindex)
{
	bool wanted;
	int ret;

	ret = xdp_wanted(nl, ifindex, &wanted);
	if (ret || wanted)
		return ret;
	if (xdp_detach(ifindex))
		return -1;
	/*
	 * Another shoal may have turned XDP on for a service on the device
	 * after the look above (attaching first, as service_set_xdp() does):
	 * look again, and put the program back for it.
	 */
	ret = xdp_wanted(nl, ifindex, &wanted);
	if (ret || !wanted)
		return ret;
	return xdp_attach(ifindex);
}

/*
 * XDP on: the program goes on the service's device first, then the
 * module is told to drop for the service there. Off: the other way round,
 * and the program comes off when no service on the device wants it.
 */
static int service_set_xdp(struct nl_sock *nl, const struct shoal_addr *addr,
			   bool on)
{
	struct service_list list = { 0 };
	struct nlmsghdr *req;
	char buf[ADDR_STRLEN];
	uint32_t ifindex;
	int ret = -1;

	if (service_get(nl, addr, &list))
		goto out;
	ifindex = list.services[0].ifindex;
	if (!ifindex) {
		pr_err("service %s has no device to run XDP on.",
		       format_addr(addr, buf));
		goto out;
	}
	if (on && xdp_attach(ifindex))
		goto out;
	req = nl_msg(nl, SHOAL_CMD_SERVICE_SET, 0);
	service_addr_put(req, addr);
	mnl_attr_put_u8(req, SHOAL_A_SERVICE_XDP, on);
	ret = nl_request(nl, req, NULL, NULL);
	if (ret && on)
		xdp_release(nl, ifindex);
	else if (!ret && !on)
		ret = xdp_release(nl, ifindex);
	/* another shoal may have taken the program off meanwhile (it looks
	 * again after, but may have looked before the request above)
	 */
	else if (!ret && on)
		ret = xdp_attach(ifindex);
out:
	service_list_free(&list);
	return ret;
}

static int service_add(int argc, char **argv)
{
	struct service_conf c;
	struct shoal_addr addr;
	struct nlmsghdr *req;
	struct nl_sock *nl;
	char buf[ADDR_STRLEN];
	int added;

	if (service_addr_arg(argc, argv, HINT, &addr) ||
	    parse_conf(argc - 1, argv + 1, add_args, "service add", &c))
		return -1;

	nl = shoal_nl();
	if (!nl)
		return -1;
	req = nl_msg(nl, SHOAL_CMD_SERVICE_ADD, 0);
	service_addr_put(req, &addr);
	if (c.proto >= 0)
		mnl_attr_put_u8(req, SHOAL_A_SERVICE_PROTO, (uint8_t)c.proto);
	if (c.port >= 0)
		mnl_attr_put_u16(req, SHOAL_A_SERVICE_PORT, (uint16_t)c.port);
	if (c.hash >= 0)
		mnl_attr_put_u8(req, SHOAL_A_SERVICE_HASH, (uint8_t)c.hash);
	if (c.buckets >= 0)
		mnl_attr_put_u32(req, SHOAL_A_SERVICE_BUCKETS, (uint32_t)c.buckets);
	/* "all" is what leaving the list out means */
	if (c.nnodes > 0)
		put_nodes(req, &c);
	if (c.has_mac)
		mnl_attr_put(req, SHOAL_A_SERVICE_MAC, MAC_LEN, c.mac);
	if (c.ifindex)
		mnl_attr_put_u32(req, SHOAL_A_SERVICE_IFINDEX, c.ifindex);
	put_mode(req, &c);
	if (nl_request(nl, req, NULL, NULL))
		return -1;

	/* the module filters and answers ARP/ND; the stack must own the address */
	added = addr_add_lo(&addr);
	if (added >= 0) {
		if (c.xdp != 1 || !service_set_xdp(nl, &addr, true))
			return 0;
		/* all or nothing */
		if (added)
			addr_del_lo(&addr);
	}
	if (service_del_request(nl, &addr))
		pr_err("the service stays without its address; remove it with \"shoal service del %s\".",
		       format_addr(&addr, buf));
	return -1;
}

static int service_set(int argc, char **argv)
{
	struct service_conf c;
	struct shoal_addr addr;
	struct nlmsghdr *req;
	struct nl_sock *nl;

	if (service_addr_arg(argc, argv, HINT, &addr) ||
	    parse_conf(argc - 1, argv + 1, set_args, "service set", &c))
		return -1;
	if (c.nnodes < 0 && c.xdp < 0 && !c.has_pool && c.mode < 0 &&
	    c.ndist < 0) {
		pr_err("nothing to change; try \"" HINT "\".");
		return -1;
	}

	nl = shoal_nl();
	if (!nl)
		return -1;
	/* nodes and pool in one request: both or neither */
	if (c.nnodes >= 0 || c.has_pool || c.mode >= 0 || c.ndist >= 0) {
		req = nl_msg(nl, SHOAL_CMD_SERVICE_SET, 0);
		service_addr_put(req, &addr);
		if (c.nnodes >= 0)
			put_nodes(req, &c);
		if (c.has_pool)
			put_pool(req, &c.pool);
		put_mode(req, &c);
		if (nl_request(nl, req, NULL, NULL))
			return -1;
	}
	return c.xdp < 0 ? 0 : service_set_xdp(nl, &addr, c.xdp);
}

static int service_del(int argc, char **argv)
{
	struct service_list list = { 0 };
	struct shoal_addr addr;
	struct nl_sock *nl;
	uint32_t xdp_dev = 0;
	size_t i;
	int ret;

	if (service_addr_arg(argc, argv, HINT, &addr) ||
	    no_more_args(argc - 1, argv + 1, HINT))
		return -1;

	nl = shoal_nl();
	if (!nl)
		return -1;
	/* where its XDP program runs; the delete says why if it is not there */
	if (service_dump(nl, &list)) {
		service_list_free(&list);
		return -1;
	}
	for (i = 0; i < list.count; i++)
		if (addr_equal(&list.services[i].addr, &addr) &&
		    list.services[i].xdp == 1)
			xdp_dev = list.services[i].ifindex;
	service_list_free(&list);
	/* the service first: while it exists, its address must stay */
	if (service_del_request(nl, &addr))
		return -1;
	ret = addr_del_lo(&addr);
	if (xdp_dev && xdp_release(nl, xdp_dev))
		ret = -1;
	return ret;
}

static const struct cmd commands[] = {
	{ "add", service_add, false },
	{ "set", service_set, false },
	{ "del", service_del, false },
	{ "delete", service_del, false },
	{ "show", service_show, true },	/* "s" reads rather than writes */
	{ "list", service_show, false },
	{ NULL, NULL, false },
};

int do_service(int argc, char **argv)
{
	return dispatch(commands, "service", service_show, usage, argc, argv);
}
