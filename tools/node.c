// SPDX-License-Identifier: GPL-2.0
/* shoal node: the declared members of the cluster. */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/shoal.h>

#include "json.h"
#include "nl.h"
#include "parse.h"
#include "shoal.h"
#include "utils.h"

#define HINT "shoal node help"

static void usage(void)
{
	printf("Usage: shoal node add ID [ weight WEIGHT ] [ up | down ]\n"
	       "                         [ spare [ on | off ] ] [ addr ADDR ]...\n"
	       "       shoal node set ID [ up | down | drain [ timeout SECONDS ] ]\n"
	       "                         [ weight WEIGHT ] [ spare { on | off } ]\n"
	       "                         [ addr { ADDR | none } ]...\n"
	       "       shoal node del ID\n"
	       "       shoal [ -s ] node show [ ID ]\n"
	       "       shoal node help\n"
	       "where  ID := 1..%u\n"
	       "       WEIGHT := %u..%u\n"
	       "       SECONDS := 1..%u\n"
	       "       ADDR := the node's own IPv4 or IPv6 address, one of each at most\n",
	       SHOAL_NODE_ID_MAX, SHOAL_WEIGHT_MIN, SHOAL_WEIGHT_MAX,
	       SHOAL_HOLD_TIMEOUT_MAX);
}

/* A pool the node is part of, and its utilization there. */
struct node_util {
	struct shoal_addr addr;		/* the service's */
	int percent;			/* -1: not known */
};

/* What a reply said; -1 marks an attribute it left out. */
struct node_info {
	uint32_t id;
	int64_t weight;
	int64_t flags;
	int admin;
	int state;
	int reason;
	int64_t last_heard;	/* ms */
	int64_t down_after;	/* us */
	bool has_load;
	uint64_t load;		/* packets per second */
	int64_t held;		/* flows it holds in buckets it gave up */
	int64_t drain_timeout;	/* s */
	unsigned int naddrs;	/* its own addresses, IPv4 first */
	struct shoal_addr addrs[2];
	struct shoal_hb_stats stats;
	unsigned int nutils;
	struct node_util utils[SHOAL_POOLS_MAX];
	/* the heartbeat links it is heard on, while there are two; -1: not
	 * said
	 */
	int nlinks;
	char links[2][IF_NAMESIZE];
};

struct node_list {
	struct node_info *nodes;
	size_t count;
	size_t size;
};

static int util_parse(const struct nlattr *nest, struct node_util *u)
{
	const struct nlattr *a;
	bool has_addr = false;

	u->percent = -1;
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case SHOAL_A_SERVICE_ADDR4:
		case SHOAL_A_SERVICE_ADDR6:
			if (addr_from_bytes(mnl_attr_get_payload(a),
					    mnl_attr_get_payload_len(a),
					    &u->addr))
				goto bad;
			has_addr = true;
			break;
		case SHOAL_A_POOL_UTIL:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				goto bad;
			u->percent = (int)mnl_attr_get_u32(a);
			break;
		}
	}
	if (has_addr)
		return 0;
bad:
	pr_err_sys("malformed reply from the kernel (utilization).");
	return -1;
}

/* The devices of SHOAL_A_NODE_LINKS, in order. */
static int links_parse(const struct nlattr *nest, struct node_info *n)
{
	const struct nlattr *a;

	n->nlinks = 0;
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) != SHOAL_A_CLUSTER_IFINDEX)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0 ||
		    n->nlinks == 2) {
			pr_err_sys("malformed reply from the kernel (links).");
			return -1;
		}
		ifindex_name(mnl_attr_get_u32(a), n->links[n->nlinks++]);
	}
	return 0;
}

/* Each SHOAL_A_NODE_UTIL of the reply, in order. */
static int utils_parse(const struct nlmsghdr *nlh, struct node_info *n)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != SHOAL_A_NODE_UTIL)
			continue;
		if (n->nutils == SHOAL_POOLS_MAX) {
			pr_err_sys("malformed reply from the kernel (too many pools).");
			return -1;
		}
		if (util_parse(a, &n->utils[n->nutils++]))
			return -1;
	}
	return 0;
}

static int node_parse(const struct nlmsghdr *nlh, struct node_info *n)
{
	static const enum mnl_attr_data_type policy[SHOAL_A_MAX + 1] = {
		[SHOAL_A_NODE_ID] = MNL_TYPE_U32,
		[SHOAL_A_NODE_WEIGHT] = MNL_TYPE_U32,
		[SHOAL_A_NODE_FLAGS] = MNL_TYPE_U32,
		[SHOAL_A_NODE_ADMIN] = MNL_TYPE_U8,
		[SHOAL_A_NODE_STATE] = MNL_TYPE_U8,
		[SHOAL_A_NODE_LAST_HEARD] = MNL_TYPE_U32,
		[SHOAL_A_NODE_DOWN_AFTER] = MNL_TYPE_U32,
		[SHOAL_A_NODE_STATS] = MNL_TYPE_NESTED,
		[SHOAL_A_NODE_LOAD] = MNL_TYPE_U64,
		[SHOAL_A_NODE_REASON] = MNL_TYPE_U8,
		[SHOAL_A_NODE_HELD] = MNL_TYPE_U32,
		[SHOAL_A_NODE_DRAIN_TIMEOUT] = MNL_TYPE_U32,
		[SHOAL_A_NODE_ADDR4] = MNL_TYPE_BINARY,
		[SHOAL_A_NODE_ADDR6] = MNL_TYPE_BINARY,
		[SHOAL_A_NODE_LINKS] = MNL_TYPE_NESTED,
	};
	static const int addr_attrs[] = { SHOAL_A_NODE_ADDR4, SHOAL_A_NODE_ADDR6 };
	const struct nlattr *tb[SHOAL_A_MAX + 1];
	unsigned int i;

	if (nl_parse(nlh, policy, SHOAL_A_MAX, tb))
		return -1;
	if (!tb[SHOAL_A_NODE_ID]) {
		pr_err_sys("malformed reply from the kernel (no node id).");
		return -1;
	}

	memset(n, 0, sizeof(*n));
	n->id = mnl_attr_get_u32(tb[SHOAL_A_NODE_ID]);
	n->weight = tb[SHOAL_A_NODE_WEIGHT] ?
		    (int64_t)mnl_attr_get_u32(tb[SHOAL_A_NODE_WEIGHT]) : -1;
	n->flags = tb[SHOAL_A_NODE_FLAGS] ?
		   (int64_t)mnl_attr_get_u32(tb[SHOAL_A_NODE_FLAGS]) : -1;
	n->admin = tb[SHOAL_A_NODE_ADMIN] ?
		   mnl_attr_get_u8(tb[SHOAL_A_NODE_ADMIN]) : -1;
	n->state = tb[SHOAL_A_NODE_STATE] ?
		   mnl_attr_get_u8(tb[SHOAL_A_NODE_STATE]) : -1;
	n->reason = tb[SHOAL_A_NODE_REASON] ?
		    mnl_attr_get_u8(tb[SHOAL_A_NODE_REASON]) : -1;
	n->held = tb[SHOAL_A_NODE_HELD] ?
		  (int64_t)mnl_attr_get_u32(tb[SHOAL_A_NODE_HELD]) : -1;
	n->drain_timeout = tb[SHOAL_A_NODE_DRAIN_TIMEOUT] ?
		(int64_t)mnl_attr_get_u32(tb[SHOAL_A_NODE_DRAIN_TIMEOUT]) : -1;
	for (i = 0; i < 2; i++) {
		const struct nlattr *a = tb[addr_attrs[i]];

		if (!a)
			continue;
		if (addr_from_bytes(mnl_attr_get_payload(a),
				    mnl_attr_get_payload_len(a),
				    &n->addrs[n->naddrs])) {
			pr_err_sys("malformed reply from the kernel (node address).");
			return -1;
		}
		n->naddrs++;
	}
	n->last_heard = -1;
	if (tb[SHOAL_A_NODE_LAST_HEARD])
		n->last_heard = mnl_attr_get_u32(tb[SHOAL_A_NODE_LAST_HEARD]);
	n->down_after = -1;
	if (tb[SHOAL_A_NODE_DOWN_AFTER])
		n->down_after = mnl_attr_get_u32(tb[SHOAL_A_NODE_DOWN_AFTER]);
	if (tb[SHOAL_A_NODE_LOAD]) {
		n->has_load = true;
		n->load = mnl_attr_get_u64(tb[SHOAL_A_NODE_LOAD]);
	}
	if (tb[SHOAL_A_NODE_STATS] &&
	    hb_stats_parse(tb[SHOAL_A_NODE_STATS], &n->stats))
		return -1;
	n->nlinks = -1;
	if (tb[SHOAL_A_NODE_LINKS] && links_parse(tb[SHOAL_A_NODE_LINKS], n))
		return -1;
	return utils_parse(nlh, n);
}

static int node_cb(const struct nlmsghdr *nlh, void *data)
{
	struct node_list *list = data;

	if (list->count == list->size) {
		size_t size = list->size ? list->size * 2 : 16;
		struct node_info *nodes;

		nodes = realloc(list->nodes, size * sizeof(*nodes));
		if (!nodes) {
			pr_err_sys("out of memory.");
			return -1;
		}
		list->nodes = nodes;
		list->size = size;
	}
	if (node_parse(nlh, &list->nodes[list->count]))
		return -1;
	list->count++;
	return 0;
}

static void node_list_restart(void *data)
{
	struct node_list *list = data;

	list->count = 0;
}

static const char *state_name(int state)
{
	switch (state) {
	case SHOAL_STATE_DOWN:
		return "down";
	case SHOAL_STATE_UP:
		return "up";
	case SHOAL_STATE_DRAINING:
		return "draining";
	}
	return "unknown";
}

/* " links eth0,eth1", if the reply said. */
static void print_links(const struct node_info *n)
{
	int i;

	for (i = 0; i < n->nlinks; i++)
		printf("%s%s", i ? "," : " links ", n->links[i]);
}

static void json_links(struct json *j, const struct node_info *n)
{
	int i;

	if (n->nlinks < 0) {
		json_kv_null(j, "links");
		return;
	}
	json_key(j, "links");
	json_arr_open(j);
	for (i = 0; i < n->nlinks; i++)
		json_string(j, n->links[i]);
	json_arr_close(j);
}

/* After the id: the configuration; with @heard, when it was last heard. */
static void print_attrs(const struct node_info *n, bool heard)
{
	char buf[ADDR_STRLEN];
	unsigned int i;

	if (n->weight >= 0)
		printf(" weight %lld", (long long)n->weight);
	if (n->admin >= 0)
		printf(" admin %s", state_name(n->admin));
	if (n->drain_timeout >= 0)
		printf(" timeout %llds", (long long)n->drain_timeout);
	if (n->state >= 0)
		printf(" state %s", state_name(n->state));
	if (n->flags >= 0 && (n->flags & SHOAL_NODE_F_SPARE))
		printf(" spare");
	for (i = 0; i < n->naddrs; i++)
		printf(" addr %s", format_addr(&n->addrs[i], buf));
	if (heard && n->last_heard >= 0)
		printf(" last_heard %lldms", (long long)n->last_heard);
	if (heard)
		print_links(n);
}

static void print_plain(const void *item)
{
	const struct node_info *n = item;
	const char *sep = "    ";
	char buf[ADDR_STRLEN];
	unsigned int i;

	printf("node %u", n->id);
	print_attrs(n, true);
	printf("\n");
	if (!stats_output ||
	    (!n->stats.valid && !n->has_load && n->held < 0 &&
	     n->down_after < 0 && !n->nutils))
		return;
	if (n->stats.valid) {
		printf("%srx %llu lost %llu rejected %llu unverified %llu", sep,
		       (unsigned long long)n->stats.rx,
		       (unsigned long long)n->stats.lost,
		       (unsigned long long)n->stats.rejected,
		       (unsigned long long)n->stats.unverified);
		sep = " ";
	}
	if (n->has_load) {
		printf("%sload %llu", sep, (unsigned long long)n->load);
		sep = " ";
	}
	if (n->held >= 0) {
		printf("%sheld %lld", sep, (long long)n->held);
		sep = " ";
	}
	if (n->down_after >= 0)
		printf("%sdown_after %lld.%03lldms", sep,
		       (long long)n->down_after / 1000,
		       (long long)n->down_after % 1000);
	printf("\n");
	for (i = 0; i < n->nutils; i++) {
		printf("    util %s ", format_addr(&n->utils[i].addr, buf));
		if (n->utils[i].percent >= 0)
			printf("%d%%\n", n->utils[i].percent);
		else
			printf("unknown\n");
	}
}

/* The configuration; show adds liveness, which events leave out. */
static void json_fields(struct json *j, const struct node_info *n)
{
	char buf[ADDR_STRLEN];
	unsigned int i;

	json_kv_uint(j, "id", n->id);
	if (n->weight >= 0)
		json_kv_uint(j, "weight", (uint64_t)n->weight);
	else
		json_kv_null(j, "weight");
	if (n->flags >= 0)
		json_kv_bool(j, "spare", n->flags & SHOAL_NODE_F_SPARE);
	else
		json_kv_null(j, "spare");
	json_kv_string(j, "admin", n->admin >= 0 ? state_name(n->admin) : NULL);
	if (n->drain_timeout >= 0)
		json_kv_uint(j, "drain_timeout", (uint64_t)n->drain_timeout);
	else
		json_kv_null(j, "drain_timeout");
	json_kv_string(j, "state", n->state >= 0 ? state_name(n->state) : NULL);
	json_key(j, "addresses");
	json_arr_open(j);
	for (i = 0; i < n->naddrs; i++)
		json_string(j, format_addr(&n->addrs[i], buf));
	json_arr_close(j);
}

static void print_json(struct json *j, const void *item)
{
	const struct node_info *n = item;
	char buf[ADDR_STRLEN];
	unsigned int i;

	json_obj_open(j);
	json_fields(j, n);
	if (n->last_heard >= 0)
		json_kv_uint(j, "last_heard_ms", (uint64_t)n->last_heard);
	else
		json_kv_null(j, "last_heard_ms");
	/* always there, so scripts need no -s; 0 while nothing was heard */
	json_kv_uint(j, "rx_frames", n->stats.rx);
	json_kv_uint(j, "lost_frames", n->stats.lost);
	json_kv_uint(j, "rejected_frames", n->stats.rejected);
	json_kv_uint(j, "unverified_frames", n->stats.unverified);
	json_kv_uint(j, "duplicate_frames", n->stats.duplicate);
	json_links(j, n);
	if (n->has_load)
		json_kv_uint(j, "load_pps", n->load);
	else
		json_kv_null(j, "load_pps");
	if (n->held >= 0)
		json_kv_uint(j, "held_flows", (uint64_t)n->held);
	else
		json_kv_null(j, "held_flows");
	if (n->down_after >= 0)
		json_kv_uint(j, "down_after_us", (uint64_t)n->down_after);
	else
		json_kv_null(j, "down_after_us");
	json_key(j, "utilization");
	json_arr_open(j);
	for (i = 0; i < n->nutils; i++) {
		json_obj_open(j);
		json_kv_string(j, "address", format_addr(&n->utils[i].addr, buf));
		if (n->utils[i].percent >= 0)
			json_kv_uint(j, "percent", (uint64_t)n->utils[i].percent);
		else
			json_kv_null(j, "percent");
		json_obj_close(j);
	}
	json_arr_close(j);
	json_obj_close(j);
}

static int parse_id(int argc, char **argv, uint32_t *id)
{
	if (argc < 1) {
		pr_err("missing node id; try \"" HINT "\".");
		return -1;
	}
	return parse_u32(argv[0], 1, SHOAL_NODE_ID_MAX, "node id", id);
}

static int node_show(int argc, char **argv)
{
	struct node_list list = { 0 };
	struct nlmsghdr *req;
	struct nl_sock *nl;
	uint32_t id = 0;
	int ret;

	if (argc > 0 && (parse_id(argc, argv, &id) ||
			 no_more_args(argc - 1, argv + 1, HINT)))
		return -1;

	nl = shoal_nl();
	if (!nl)
		return -1;
	req = nl_msg(nl, SHOAL_CMD_NODE_GET, 0);
	if (id) {
		mnl_attr_put_u32(req, SHOAL_A_NODE_ID, id);
		ret = nl_request(nl, req, node_cb, &list);
	} else {
		ret = nl_dump(nl, req, node_cb, node_list_restart, &list);
	}
	if (!ret)
		print_list(list.nodes, list.count, sizeof(*list.nodes),
			   print_plain, print_json);
	free(list.nodes);
	return ret;
}

static const char *reason_name(int reason)
{
	switch (reason) {
	case SHOAL_REASON_ADMIN:
		return "admin";
	case SHOAL_REASON_TIMEOUT:
		return "timeout";
	case SHOAL_REASON_HEARD:
		return "heard";
	case SHOAL_REASON_QUORUM:
		return "quorum";
	case SHOAL_REASON_RESTARTED:
		return "restarted";
	case SHOAL_REASON_STARTING:
		return "starting";
	case SHOAL_REASON_JOINED:
		return "joined";
	case SHOAL_REASON_ALONE:
		return "alone";
	case SHOAL_REASON_UNSEEN:
		return "unseen";
	case SHOAL_REASON_LEFT:
		return "left";
	case SHOAL_REASON_UNSPEC:
	case -1:
		return NULL;
	}
	return "unknown";
}

int node_event(const struct nlmsghdr *nlh, uint8_t event)
{
	const char *name, *reason;
	struct node_info n;
	struct json *j;

	switch (event) {
	case SHOAL_EVENT_NODE_ADDED:
		name = "added";
		break;
	case SHOAL_EVENT_NODE_CHANGED:
		name = "changed";
		break;
	case SHOAL_EVENT_NODE_DELETED:
		name = "deleted";
		break;
	case SHOAL_EVENT_NODE_UP:
		name = "up";
		break;
	case SHOAL_EVENT_NODE_DOWN:
		name = "down";
		break;
	case SHOAL_EVENT_NODE_DRAINED:
		name = "drained";
		break;
	case SHOAL_EVENT_NODE_LINKS:
		name = "links";
		break;
	default:
		return 1;
	}
	if (node_parse(nlh, &n))
		return -1;

	j = event_begin("node", name);
	if (event == SHOAL_EVENT_NODE_LINKS) {
		if (j) {
			json_kv_uint(j, "id", n.id);
			json_links(j, &n);
		} else {
			printf("node %u", n.id);
			print_links(&n);
			if (n.nlinks <= 0)
				printf(" links none");
		}
	} else if (event == SHOAL_EVENT_NODE_DRAINED) {
		if (j)
			json_kv_uint(j, "id", n.id);
		else
			printf("node %u drained", n.id);
	} else if (event == SHOAL_EVENT_NODE_UP ||
		   event == SHOAL_EVENT_NODE_DOWN) {
		reason = reason_name(n.reason);
		if (j) {
			json_kv_uint(j, "id", n.id);
			json_kv_string(j, "reason", reason);
		} else {
			printf("node %u %s", n.id, name);
			if (reason)
				printf(" (%s)", reason);
		}
	} else if (j) {
		json_fields(j, &n);
	} else {
		printf("node %s %u", name, n.id);
		print_attrs(&n, false);
	}
	event_end(j);
	return 0;
}

/* What add or set asks for; -1 leaves an attribute out of the request. */
struct node_change {
	int64_t weight;
	int64_t flags;
	int admin;
	int64_t drain_timeout;
	/* per family (IPv4, IPv6): 0 leave, 1 set to addr, -1 remove */
	int addr_op[2];
	struct shoal_addr addr[2];
};

enum { ARG_UP, ARG_DOWN, ARG_DRAIN, ARG_WEIGHT, ARG_SPARE, ARG_ADDR };

static const struct keyword change_args[] = {
	{ "up", ARG_UP, false },
	{ "down", ARG_DOWN, false },
	{ "drain", ARG_DRAIN, false },
	{ "weight", ARG_WEIGHT, false },
	{ "spare", ARG_SPARE, false },
	{ "addr", ARG_ADDR, false },
	{ NULL, 0, false },
};

enum { ARG_ON, ARG_OFF };

static const struct keyword on_off[] = {
	{ "on", ARG_ON, false },
	{ "off", ARG_OFF, false },
	{ NULL, 0, false },
};

/* "addr ADDR", one per family, or on set "addr none" for both. */
static int parse_node_addr(int argc, char **argv, bool adding,
			   struct node_change *c)
{
	struct shoal_addr addr;
	int fam;

	if (argc < 1) {
		pr_err("\"addr\" needs a value; try \"" HINT "\".");
		return -1;
	}
	if (!strcmp(argv[0], "none")) {
		if (adding) {
			pr_err("a node is added without an address by leaving \"addr\" out.");
			return -1;
		}
		if (c->addr_op[0] || c->addr_op[1]) {
			pr_err("\"addr none\" removes both addresses: give it alone.");
			return -1;
		}
		c->addr_op[0] = c->addr_op[1] = -1;
		return 0;
	}
	if (parse_addr(argv[0], &addr))
		return -1;
	fam = addr.family == AF_INET ? 0 : 1;
	if (c->addr_op[fam]) {
		pr_err("a node has one %s address: \"%s\" is one too many.",
		       fam ? "IPv6" : "IPv4", argv[0]);
		return -1;
	}
	c->addr_op[fam] = 1;
	c->addr[fam] = addr;
	return 0;
}

/* "spare" alone means "spare on" when adding; set must say which. */
static int parse_change(int argc, char **argv, const char *context,
			bool adding, struct node_change *c)
{
	c->weight = -1;
	c->flags = -1;
	c->admin = -1;
	c->drain_timeout = -1;
	c->addr_op[0] = c->addr_op[1] = 0;

	while (argc > 0) {
		const char *name;
		uint32_t weight;
		int arg;

		arg = keyword_get(change_args, argv[0], "argument", context, HINT);
		if (arg < 0)
			return -1;
		name = change_args[arg].name;
		argc--;
		argv++;

		switch (arg) {
		case ARG_UP:
		case ARG_DOWN:
		case ARG_DRAIN:
			if (c->admin >= 0) {
				pr_err("\"up\", \"down\" or \"drain\" is given twice.");
				return -1;
			}
			c->admin = arg == ARG_UP ? SHOAL_STATE_UP :
				   arg == ARG_DOWN ? SHOAL_STATE_DOWN :
						     SHOAL_STATE_DRAINING;
			if (arg != ARG_DRAIN)
				continue;
			if (adding) {
				pr_err("a node is added up or down; drain it with \"node set\".");
				return -1;
			}
			if (argc < 1 || strcmp(argv[0], "timeout"))
				continue;
			if (argc < 2) {
				pr_err("\"timeout\" needs a value; try \"" HINT "\".");
				return -1;
			}
			if (parse_u32_unit(argv[1], 1, SHOAL_HOLD_TIMEOUT_MAX,
					   "drain timeout", "seconds", &weight))
				return -1;
			c->drain_timeout = weight;
			argc--;
			argv++;
			break;
		case ARG_WEIGHT:
			if (c->weight >= 0) {
				pr_err("\"%s\" is given twice.", name);
				return -1;
			}
			if (argc < 1) {
				pr_err("\"%s\" needs a value; try \"" HINT "\".",
				       name);
				return -1;
			}
			if (parse_u32(argv[0], SHOAL_WEIGHT_MIN, SHOAL_WEIGHT_MAX,
				      "weight", &weight))
				return -1;
			c->weight = weight;
			break;
		case ARG_SPARE:
			if (c->flags >= 0) {
				pr_err("\"%s\" is given twice.", name);
				return -1;
			}
			if (argc > 0 && (!adding ||
					 keyword_find(on_off, argv[0]) != KW_UNKNOWN)) {
				arg = keyword_get(on_off, argv[0], "value", name,
						  HINT);
				if (arg < 0)
					return -1;
			} else if (adding) {
				c->flags = SHOAL_NODE_F_SPARE;
				continue;
			} else {
				pr_err("\"%s\" needs \"on\" or \"off\"; try \"" HINT "\".",
				       name);
				return -1;
			}
			/* the kernel replaces the whole flag word */
			c->flags = arg == ARG_ON ? SHOAL_NODE_F_SPARE : 0;
			break;
		case ARG_ADDR:
			if (parse_node_addr(argc, argv, adding, c))
				return -1;
			break;
		}
		argc--;
		argv++;
	}
	return 0;
}

static void put_change(struct nlmsghdr *req, const struct node_change *c)
{
	if (c->weight >= 0)
		mnl_attr_put_u32(req, SHOAL_A_NODE_WEIGHT, (uint32_t)c->weight);
	if (c->flags >= 0)
		mnl_attr_put_u32(req, SHOAL_A_NODE_FLAGS, (uint32_t)c->flags);
	if (c->admin >= 0)
		mnl_attr_put_u8(req, SHOAL_A_NODE_ADMIN, (uint8_t)c->admin);
	if (c->drain_timeout >= 0)
		mnl_attr_put_u32(req, SHOAL_A_NODE_DRAIN_TIMEOUT,
				 (uint32_t)c->drain_timeout);
	if (c->addr_op[0] > 0)
		mnl_attr_put(req, SHOAL_A_NODE_ADDR4, sizeof(c->addr[0].v4),
			     &c->addr[0].v4);
	else if (c->addr_op[0] < 0)
		mnl_attr_put(req, SHOAL_A_NODE_ADDR4, 0, NULL);
	if (c->addr_op[1] > 0)
		mnl_attr_put(req, SHOAL_A_NODE_ADDR6, sizeof(c->addr[1].v6),
			     &c->addr[1].v6);
	else if (c->addr_op[1] < 0)
		mnl_attr_put(req, SHOAL_A_NODE_ADDR6, 0, NULL);
}

static int node_change(int argc, char **argv, uint8_t cmd)
{
	bool adding = cmd == SHOAL_CMD_NODE_ADD;
	struct node_change c;
	struct nlmsghdr *req;
	struct nl_sock *nl;
	uint32_t id;

	if (parse_id(argc, argv, &id) ||
	    parse_change(argc - 1, argv + 1, adding ? "node add" : "node set",
			 adding, &c))
		return -1;
	if (!adding && c.weight < 0 && c.flags < 0 && c.admin < 0 &&
	    !c.addr_op[0] && !c.addr_op[1]) {
		pr_err("nothing to change; try \"" HINT "\".");
		return -1;
	}

	nl = shoal_nl();
	if (!nl)
		return -1;
	req = nl_msg(nl, cmd, 0);
	mnl_attr_put_u32(req, SHOAL_A_NODE_ID, id);
	put_change(req, &c);
	return nl_request(nl, req, NULL, NULL);
}

static int node_add(int argc, char **argv)
{
	return node_change(argc, argv, SHOAL_CMD_NODE_ADD);
}

static int node_set(int argc, char **argv)
{
	return node_change(argc, argv, SHOAL_CMD_NODE_SET);
}

static int node_del(int argc, char **argv)
{
	struct nlmsghdr *req;
	struct nl_sock *nl;
	uint32_t id;

	if (parse_id(argc, argv, &id) || no_more_args(argc - 1, argv + 1, HINT))
		return -1;

	nl = shoal_nl();
	if (!nl)
		return -1;
	req = nl_msg(nl, SHOAL_CMD_NODE_DEL, 0);
	mnl_attr_put_u32(req, SHOAL_A_NODE_ID, id);
	return nl_request(nl, req, NULL, NULL);
}

static const struct cmd commands[] = {
	{ "add", node_add, false },
	{ "set", node_set, false },
	{ "del", node_del, false },
	{ "delete", node_del, false },
	{ "show", node_show, true },	/* "s" reads rather than writes */
	{ "list", node_show, false },
	{ NULL, NULL, false },
};

int do_node(int argc, char **argv)
{
	return dispatch(commands, "node", node_show, usage, argc, argv);
}
