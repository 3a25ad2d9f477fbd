// SPDX-License-Identifier: GPL-2.0
/* shoal cluster: this namespace's node id, cluster device and heartbeats. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/shoal.h>

#include "json.h"
#include "key.h"
#include "nl.h"
#include "shoal.h"
#include "utils.h"

#define HINT "shoal cluster help"

static void usage(void)
{
	printf("Usage: shoal cluster set [ dev DEV [ dev DEV2 ] ] [ node ID ] [ interval MS ]\n"
	       "                         [ dead COUNT ] [ key { FILE | none } ] [ quorum { on | off } ]\n"
	       "                         [ hold SECONDS ] [ load { PCT | none } ]\n"
	       "       shoal cluster leave\n"
	       "       shoal [ -s ] cluster show\n"
	       "       shoal cluster help\n"
	       "where  DEV2 := a second heartbeat link; one dev alone: none\n"
	       "       ID := 1..%u\n"
	       "       MS := %u..%u, the heartbeat interval (default %u)\n"
	       "       COUNT := %u..%u, silent intervals before a node is down (default %u)\n"
	       "       FILE := a file written by \"shoal key generate\", or - for standard input;\n"
	       "               none forgets the key (once heartbeats stopped: cluster leave)\n"
	       "       SECONDS := 0..%u, how long flows are held after their bucket moved\n"
	       "                  away (default %u)\n"
	       "       PCT := 0..%u, this node's utilization for pools with \"load pushed\"\n",
	       SHOAL_NODE_ID_MAX, SHOAL_INTERVAL_MIN, SHOAL_INTERVAL_MAX,
	       SHOAL_INTERVAL_DEFAULT, SHOAL_DEAD_MIN, SHOAL_DEAD_MAX,
	       SHOAL_DEAD_DEFAULT, SHOAL_HOLD_TIMEOUT_MAX,
	       SHOAL_HOLD_TIMEOUT_DEFAULT, SHOAL_UTIL_MAX);
}

int hb_stats_parse(const struct nlattr *nest, struct shoal_hb_stats *st)
{
	const struct nlattr *attr;

	memset(st, 0, sizeof(*st));
	mnl_attr_for_each_nested(attr, nest) {
		uint64_t *val;

		switch (mnl_attr_get_type(attr)) {
		case SHOAL_A_HB_TX:
			val = &st->tx;
			break;
		case SHOAL_A_HB_RX:
			val = &st->rx;
			break;
		case SHOAL_A_HB_LOST:
			val = &st->lost;
			break;
		case SHOAL_A_HB_REJECTED:
			val = &st->rejected;
			break;
		case SHOAL_A_HB_BAD_MAC:
			val = &st->bad_mac;
			break;
		case SHOAL_A_HB_REPLAYED:
			val = &st->replayed;
			break;
		case SHOAL_A_HB_MALFORMED:
			val = &st->malformed;
			break;
		case SHOAL_A_HB_FOREIGN:
			val = &st->foreign;
			break;
		case SHOAL_A_HB_UNKNOWN:
			val = &st->unknown;
			break;
		case SHOAL_A_HB_UNVERIFIED:
			val = &st->unverified;
			break;
		case SHOAL_A_HB_DUPLICATE:
			val = &st->duplicate;
			break;
		case SHOAL_A_HB_STALLED_MS:
			val = &st->stalled_ms;
			st->has_stalled = true;
			break;
		default:
			/* a newer kernel may count more, or pad */
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

/* What a reply said; -1 marks an attribute it left out. */
struct cluster_info {
	uint32_t node_id;	/* 0: unset */
	uint32_t ifindex;	/* 0: unset */
	char ifname[IF_NAMESIZE];
	uint32_t ifindex2;	/* the second heartbeat link; 0: none */
	char ifname2[IF_NAMESIZE];
	int64_t interval;
	int64_t dead;
	int heartbeat;
	int starting;
	int key_change;		/* enum shoal_key_change */
	int quorum;
	int64_t hold;
	int64_t load;		/* pushed; -1: none */
	struct shoal_hb_stats stats;
};

static void cluster_info_init(struct cluster_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->interval = -1;
	ci->dead = -1;
	ci->heartbeat = -1;
	ci->starting = -1;
	ci->key_change = -1;
	ci->quorum = -1;
	ci->hold = -1;
	ci->load = -1;
}

static int cluster_parse(const struct nlmsghdr *nlh, struct cluster_info *ci)
{
	static const enum mnl_attr_data_type policy[SHOAL_A_MAX + 1] = {
		[SHOAL_A_CLUSTER_NODE_ID] = MNL_TYPE_U32,
		[SHOAL_A_CLUSTER_IFINDEX] = MNL_TYPE_U32,
		[SHOAL_A_CLUSTER_IFNAME] = MNL_TYPE_NUL_STRING,
		[SHOAL_A_CLUSTER_IFINDEX2] = MNL_TYPE_U32,
		[SHOAL_A_CLUSTER_IFNAME2] = MNL_TYPE_NUL_STRING,
		[SHOAL_A_CLUSTER_INTERVAL] = MNL_TYPE_U32,
		[SHOAL_A_CLUSTER_DEAD] = MNL_TYPE_U32,
		[SHOAL_A_CLUSTER_QUORUM] = MNL_TYPE_U8,
		[SHOAL_A_CLUSTER_HOLD_TIMEOUT] = MNL_TYPE_U32,
		[SHOAL_A_CLUSTER_LOAD] = MNL_TYPE_U32,
		[SHOAL_A_CLUSTER_HEARTBEAT] = MNL_TYPE_U8,
		[SHOAL_A_CLUSTER_STATS] = MNL_TYPE_NESTED,
	};
	const struct nlattr *tb[SHOAL_A_MAX + 1];

	cluster_info_init(ci);
	if (nl_parse(nlh, policy, SHOAL_A_MAX, tb))
		return -1;
	if (tb[SHOAL_A_CLUSTER_NODE_ID])
		ci->node_id = mnl_attr_get_u32(tb[SHOAL_A_CLUSTER_NODE_ID]);
	if (tb[SHOAL_A_CLUSTER_IFINDEX])
		ci->ifindex = mnl_attr_get_u32(tb[SHOAL_A_CLUSTER_IFINDEX]);
	if (tb[SHOAL_A_CLUSTER_IFNAME])
		snprintf(ci->ifname, sizeof(ci->ifname), "%s",
			 mnl_attr_get_str(tb[SHOAL_A_CLUSTER_IFNAME]));
	if (tb[SHOAL_A_CLUSTER_IFINDEX2])
		ci->ifindex2 = mnl_attr_get_u32(tb[SHOAL_A_CLUSTER_IFINDEX2]);
	if (tb[SHOAL_A_CLUSTER_IFNAME2])
		snprintf(ci->ifname2, sizeof(ci->ifname2), "%s",
			 mnl_attr_get_str(tb[SHOAL_A_CLUSTER_IFNAME2]));
	/* the names are a courtesy of the reply */
	if (ci->ifindex && !ci->ifname[0])
		ifindex_name(ci->ifindex, ci->ifname);
	if (ci->ifindex2 && !ci->ifname2[0])
		ifindex_name(ci->ifindex2, ci->ifname2);
	if (tb[SHOAL_A_CLUSTER_INTERVAL])
		ci->interval = mnl_attr_get_u32(tb[SHOAL_A_CLUSTER_INTERVAL]);
	if (tb[SHOAL_A_CLUSTER_DEAD])
		ci->dead = mnl_attr_get_u32(tb[SHOAL_A_CLUSTER_DEAD]);
	if (tb[SHOAL_A_CLUSTER_HEARTBEAT])
		ci->heartbeat =
			!!mnl_attr_get_u8(tb[SHOAL_A_CLUSTER_HEARTBEAT]);
	if (tb[SHOAL_A_CLUSTER_QUORUM])
		ci->quorum = !!mnl_attr_get_u8(tb[SHOAL_A_CLUSTER_QUORUM]);
	if (tb[SHOAL_A_CLUSTER_HOLD_TIMEOUT])
		ci->hold = mnl_attr_get_u32(tb[SHOAL_A_CLUSTER_HOLD_TIMEOUT]);
	if (tb[SHOAL_A_CLUSTER_LOAD])
		ci->load = mnl_attr_get_u32(tb[SHOAL_A_CLUSTER_LOAD]);
	if (tb[SHOAL_A_CLUSTER_STARTING])
		ci->starting = !!mnl_attr_get_u8(tb[SHOAL_A_CLUSTER_STARTING]);
	if (tb[SHOAL_A_CLUSTER_KEY_CHANGE])
		ci->key_change = mnl_attr_get_u8(tb[SHOAL_A_CLUSTER_KEY_CHANGE]);
	if (tb[SHOAL_A_CLUSTER_STATS] &&
	    hb_stats_parse(tb[SHOAL_A_CLUSTER_STATS], &ci->stats))
		return -1;
	return 0;
}

static int cluster_cb(const struct nlmsghdr *nlh, void *data)
{
	return cluster_parse(nlh, data);
}

static const char *key_change_name(int change)
{
	switch (change) {
	case SHOAL_KEY_STEADY:
		return "steady";
	case SHOAL_KEY_SPREADING:
		return "spreading";
	case SHOAL_KEY_RETIRING:
		return "retiring";
	}
	return "unknown";
}

static const char *on_off_name(int on)
{
	return on ? "on" : "off";
}

/* Whatever the kernel reported, @sep before the first word. */
static void print_fields(const struct cluster_info *ci, const char *sep)
{
	if (ci->node_id) {
		printf("%snode %u", sep, ci->node_id);
		sep = " ";
	}
	if (ci->ifindex) {
		printf("%sdev %s", sep, ci->ifname);
		sep = " ";
	}
	if (ci->ifindex2) {
		printf("%sdev %s", sep, ci->ifname2);
		sep = " ";
	}
	if (ci->interval >= 0) {
		printf("%sinterval %lld", sep, (long long)ci->interval);
		sep = " ";
	}
	if (ci->dead >= 0) {
		printf("%sdead %lld", sep, (long long)ci->dead);
		sep = " ";
	}
	if (ci->heartbeat >= 0) {
		printf("%sheartbeat %s", sep, on_off_name(ci->heartbeat));
		sep = " ";
	}
	if (ci->starting > 0) {
		printf("%sstarting", sep);
		sep = " ";
	}
	if (ci->key_change > SHOAL_KEY_STEADY) {
		printf("%skey %s", sep, key_change_name(ci->key_change));
		sep = " ";
	}
	if (ci->quorum >= 0) {
		printf("%squorum %s", sep, on_off_name(ci->quorum));
		sep = " ";
	}
	if (ci->hold >= 0) {
		printf("%shold %llds", sep, (long long)ci->hold);
		sep = " ";
	}
	if (ci->load >= 0)
		printf("%sload %lld%%", sep, (long long)ci->load);
}

static void json_fields(struct json *j, const struct cluster_info *ci)
{
	if (ci->node_id)
		json_kv_uint(j, "node", ci->node_id);
	else
		json_kv_null(j, "node");
	json_kv_string(j, "dev", ci->ifindex ? ci->ifname : NULL);
	if (ci->ifindex)
		json_kv_uint(j, "ifindex", ci->ifindex);
	else
		json_kv_null(j, "ifindex");
	json_kv_string(j, "dev2", ci->ifindex2 ? ci->ifname2 : NULL);
	if (ci->ifindex2)
		json_kv_uint(j, "ifindex2", ci->ifindex2);
	else
		json_kv_null(j, "ifindex2");
	if (ci->interval >= 0)
		json_kv_uint(j, "interval", (uint64_t)ci->interval);
	else
		json_kv_null(j, "interval");
	if (ci->dead >= 0)
		json_kv_uint(j, "dead", (uint64_t)ci->dead);
	else
		json_kv_null(j, "dead");
	if (ci->heartbeat >= 0)
		json_kv_bool(j, "heartbeat", ci->heartbeat);
	else
		json_kv_null(j, "heartbeat");
	if (ci->quorum >= 0)
		json_kv_bool(j, "quorum", ci->quorum);
	else
		json_kv_null(j, "quorum");
	if (ci->hold >= 0)
		json_kv_uint(j, "hold", (uint64_t)ci->hold);
	else
		json_kv_null(j, "hold");
	if (ci->load >= 0)
		json_kv_uint(j, "load", (uint64_t)ci->load);
	else
		json_kv_null(j, "load");
	/* absent while heartbeats do not run */
	if (ci->starting >= 0)
		json_kv_bool(j, "starting", ci->starting);
	if (ci->key_change >= 0)
		json_kv_string(j, "key_change", key_change_name(ci->key_change));
}

static void hb_stats_json(struct json *j, const struct shoal_hb_stats *st)
{
	if (!st->valid) {
		json_kv_null(j, "stats");
		return;
	}
	json_key(j, "stats");
	json_obj_open(j);
	json_kv_uint(j, "tx", st->tx);
	json_kv_uint(j, "rx", st->rx);
	json_kv_uint(j, "lost", st->lost);
	json_kv_uint(j, "rejected", st->rejected);
	json_kv_uint(j, "bad_mac", st->bad_mac);
	json_kv_uint(j, "replayed", st->replayed);
	json_kv_uint(j, "malformed", st->malformed);
	json_kv_uint(j, "foreign", st->foreign);
	json_kv_uint(j, "unknown", st->unknown);
	json_kv_uint(j, "unverified", st->unverified);
	json_kv_uint(j, "duplicate", st->duplicate);
	if (st->has_stalled)
		json_kv_uint(j, "stalled_ms", st->stalled_ms);
	json_obj_close(j);
}

static void print_json(struct json *j, const void *item)
{
	const struct cluster_info *ci = item;

	json_obj_open(j);
	json_fields(j, ci);
	if (stats_output)
		hb_stats_json(j, &ci->stats);
	json_obj_close(j);
}

static void print_plain(const void *item)
{
	const struct cluster_info *ci = item;
	const struct shoal_hb_stats *st = &ci->stats;

	if (!ci->node_id && !ci->ifindex && ci->interval < 0 && ci->dead < 0 &&
	    ci->heartbeat < 0 && ci->quorum < 0) {
		printf("cluster not configured\n");
		return;
	}
	print_fields(ci, "");
	printf("\n");
	/* the kernel counts only while heartbeats run */
	if (stats_output && st->valid)
		printf("    tx %llu rx %llu lost %llu rejected %llu bad_mac %llu replayed %llu malformed %llu foreign %llu unknown %llu unverified %llu duplicate %llu\n",
		       (unsigned long long)st->tx, (unsigned long long)st->rx,
		       (unsigned long long)st->lost,
		       (unsigned long long)st->rejected,
		       (unsigned long long)st->bad_mac,
		       (unsigned long long)st->replayed,
		       (unsigned long long)st->malformed,
		       (unsigned long long)st->foreign,
		       (unsigned long long)st->unknown,
		       (unsigned long long)st->unverified,
		       (unsigned long long)st->duplicate);
	if (stats_output && st->valid && st->has_stalled)
		printf("    stalled_ms %llu\n",
		       (unsigned long long)st->stalled_ms);
}

static int cluster_show(int argc, char **argv)
{
	struct cluster_info ci;
	struct nlmsghdr *req;
	struct nl_sock *nl;

	if (no_more_args(argc, argv, HINT))
		return -1;
	nl = shoal_nl();
	if (!nl)
		return -1;

	cluster_info_init(&ci);
	req = nl_msg(nl, SHOAL_CMD_CLUSTER_GET, 0);
	if (nl_request(nl, req, cluster_cb, &ci))
		return -1;

	/* one cluster, but an array as every show prints */
	print_list(&ci, 1, sizeof(ci), print_plain, print_json);
	return 0;
}

/* Heartbeats that were rejected since the last such event. */
static int auth_failed_event(const struct nlmsghdr *nlh)
{
	static const enum mnl_attr_data_type policy[SHOAL_A_MAX + 1] = {
		[SHOAL_A_CLUSTER_STATS] = MNL_TYPE_NESTED,
		[SHOAL_A_NODE_ID] = MNL_TYPE_U32,
	};
	const struct nlattr *tb[SHOAL_A_MAX + 1];
	struct shoal_hb_stats st = { 0 };
	uint32_t node = 0;
	struct json *j;

	if (nl_parse(nlh, policy, SHOAL_A_MAX, tb))
		return -1;
	if (tb[SHOAL_A_CLUSTER_STATS] &&
	    hb_stats_parse(tb[SHOAL_A_CLUSTER_STATS], &st))
		return -1;
	if (tb[SHOAL_A_NODE_ID])
		node = mnl_attr_get_u32(tb[SHOAL_A_NODE_ID]);

	j = event_begin("cluster", "auth_failed");
	if (j) {
		if (st.valid) {
			json_kv_uint(j, "rejected", st.rejected);
			json_kv_uint(j, "bad_mac", st.bad_mac);
			json_kv_uint(j, "replayed", st.replayed);
			json_kv_uint(j, "malformed", st.malformed);
		} else {
			json_kv_null(j, "rejected");
			json_kv_null(j, "bad_mac");
			json_kv_null(j, "replayed");
			json_kv_null(j, "malformed");
		}
		if (node)
			json_kv_uint(j, "claimed_node", node);
		else
			json_kv_null(j, "claimed_node");
	} else {
		printf("auth failed");
		if (st.valid)
			printf(": rejected %llu (bad_mac %llu replayed %llu malformed %llu)",
			       (unsigned long long)st.rejected,
			       (unsigned long long)st.bad_mac,
			       (unsigned long long)st.replayed,
			       (unsigned long long)st.malformed);
		if (node)
			printf(" claiming node %u", node);
	}
	event_end(j);
	return 0;
}

int cluster_event(const struct nlmsghdr *nlh, uint8_t event)
{
	struct cluster_info ci;
	struct json *j;

	if (event == SHOAL_EVENT_AUTH_FAILED)
		return auth_failed_event(nlh);
	if (event != SHOAL_EVENT_CLUSTER_CHANGED)
		return 1;

	if (cluster_parse(nlh, &ci))
		return -1;
	j = event_begin("cluster", "changed");
	if (j) {
		json_fields(j, &ci);
	} else {
		printf("cluster");
		print_fields(&ci, " ");
	}
	event_end(j);
	return 0;
}

enum {
	ARG_DEV, ARG_NODE, ARG_INTERVAL, ARG_DEAD, ARG_KEY, ARG_QUORUM, ARG_HOLD,
	ARG_LOAD, ARG_MAX,
};

/* In enum order: the table also names the arguments. */
static const struct keyword set_args[] = {
	{ "dev", ARG_DEV, false },
	{ "node", ARG_NODE, false },
	{ "interval", ARG_INTERVAL, false },
	{ "dead", ARG_DEAD, false },
	{ "key", ARG_KEY, false },
	{ "quorum", ARG_QUORUM, false },
	{ "hold", ARG_HOLD, false },
	{ "load", ARG_LOAD, false },
	{ NULL, 0, false },
};

static const struct keyword none[] = {
	{ "none", SHOAL_UTIL_NONE, false },
	{ NULL, 0, false },
};

static const struct keyword on_off[] = {
	{ "on", 1, false },
	{ "off", 0, false },
	{ NULL, 0, false },
};

/* What set asks for: only what was given goes into the request. */
struct cluster_conf {
	bool given[ARG_MAX];
	uint32_t ifindex;
	uint32_t ifindex2;	/* a second "dev": the second link */
	uint32_t node_id;
	uint32_t interval;
	uint32_t dead;
	uint8_t key[SHOAL_KEY_LEN];
	bool key_clear;
	uint8_t quorum;
	uint32_t hold;
	uint32_t load;
};

static int parse_set(int argc, char **argv, struct cluster_conf *c)
{
	for (; argc > 0; argc -= 2, argv += 2) {
		const char *name, *val;
		int arg, on;

		arg = keyword_get(set_args, argv[0], "argument", "cluster set",
				  HINT);
		if (arg < 0)
			return -1;
		name = set_args[arg].name;
		if (argc < 2) {
			pr_err("\"%s\" needs a value; try \"" HINT "\".", name);
			return -1;
		}
		/* heartbeats may have two links */
		if (arg == ARG_DEV && c->given[arg] && !c->ifindex2) {
			if (parse_ifname(argv[1], &c->ifindex2))
				return -1;
			if (c->ifindex2 == c->ifindex) {
				pr_err("\"dev %s\" is given twice: the second link must be another device.",
				       argv[1]);
				return -1;
			}
			continue;
		}
		if (c->given[arg]) {
			pr_err(arg == ARG_DEV ?
			       "\"%s\" is given more than twice: heartbeats have two links at most." :
			       "\"%s\" is given twice.", name);
			return -1;
		}
		c->given[arg] = true;
		val = argv[1];

		/* the kernel's ranges, in its words */
		switch (arg) {
		case ARG_DEV:
			if (parse_ifname(val, &c->ifindex))
				return -1;
			break;
		case ARG_NODE:
			if (parse_u32(val, 1, SHOAL_NODE_ID_MAX, "node id",
				      &c->node_id))
				return -1;
			break;
		case ARG_INTERVAL:
			if (parse_u32_unit(val, SHOAL_INTERVAL_MIN,
					   SHOAL_INTERVAL_MAX, "interval", "ms",
					   &c->interval))
				return -1;
			break;
		case ARG_DEAD:
			if (parse_u32(val, SHOAL_DEAD_MIN, SHOAL_DEAD_MAX,
				      "dead count", &c->dead))
				return -1;
			break;
		case ARG_KEY:
			/* a file called none is ./none */
			if (!strcmp(val, "none"))
				c->key_clear = true;
			else if (key_read_file(val, c->key))
				return -1;
			break;
		case ARG_QUORUM:
			on = keyword_get(on_off, val, "value", name, HINT);
			if (on < 0)
				return -1;
			c->quorum = (uint8_t)on;
			break;
		case ARG_HOLD:
			if (parse_u32_unit(val, 0, SHOAL_HOLD_TIMEOUT_MAX,
					   "hold timeout", "seconds", &c->hold))
				return -1;
			break;
		case ARG_LOAD:
			if (keyword_find(none, val) == SHOAL_UTIL_NONE)
				c->load = SHOAL_UTIL_NONE;
			else if (parse_u32(val, 0, SHOAL_UTIL_MAX, "load",
					   &c->load))
				return -1;
			break;
		}
	}
	return 0;
}

static int cluster_set(int argc, char **argv)
{
	struct cluster_conf c = { 0 };
	struct nlattr *key = NULL;
	struct nlmsghdr *req;
	struct nl_sock *nl;
	int i, ret = -1;

	if (parse_set(argc, argv, &c))
		goto out;
	for (i = 0; i < ARG_MAX && !c.given[i]; i++)
		;
	if (i == ARG_MAX) {
		pr_err("nothing to set; give \"dev\", \"node\", \"interval\", \"dead\", \"key\", \"quorum\", \"hold\" or \"load\" (try \"" HINT "\").");
		goto out;
	}

	nl = shoal_nl();
	if (!nl)
		goto out;
	req = nl_msg(nl, SHOAL_CMD_CLUSTER_SET, 0);
	if (c.given[ARG_NODE])
		mnl_attr_put_u32(req, SHOAL_A_CLUSTER_NODE_ID, c.node_id);
	/* the links are those given: one alone has no second */
	if (c.given[ARG_DEV]) {
		mnl_attr_put_u32(req, SHOAL_A_CLUSTER_IFINDEX, c.ifindex);
		mnl_attr_put_u32(req, SHOAL_A_CLUSTER_IFINDEX2, c.ifindex2);
	}
	if (c.given[ARG_INTERVAL])
		mnl_attr_put_u32(req, SHOAL_A_CLUSTER_INTERVAL, c.interval);
	if (c.given[ARG_DEAD])
		mnl_attr_put_u32(req, SHOAL_A_CLUSTER_DEAD, c.dead);
	if (c.given[ARG_QUORUM])
		mnl_attr_put_u8(req, SHOAL_A_CLUSTER_QUORUM, c.quorum);
	if (c.given[ARG_HOLD])
		mnl_attr_put_u32(req, SHOAL_A_CLUSTER_HOLD_TIMEOUT, c.hold);
	if (c.given[ARG_LOAD])
		mnl_attr_put_u32(req, SHOAL_A_CLUSTER_LOAD, c.load);
	if (c.key_clear) {
		mnl_attr_put(req, SHOAL_A_CLUSTER_KEY_CLEAR, 0, NULL);
	} else if (c.given[ARG_KEY]) {
		key = mnl_nlmsg_get_payload_tail(req);
		mnl_attr_put(req, SHOAL_A_CLUSTER_KEY, sizeof(c.key), c.key);
	}
	ret = nl_request(nl, req, NULL, NULL);
	/* the request buffer lives on; the key should not */
	if (key)
		explicit_bzero(mnl_attr_get_payload(key), sizeof(c.key));

out:
	explicit_bzero(c.key, sizeof(c.key));
	return ret;
}

static int cluster_leave(int argc, char **argv)
{
	struct nlmsghdr *req;
	struct nl_sock *nl;

	if (argc > 0) {
		pr_err("\"cluster leave\" takes no argument; try \"" HINT "\".");
		return -1;
	}
	(void)argv;
	nl = shoal_nl();
	if (!nl)
		return -1;
	req = nl_msg(nl, SHOAL_CMD_CLUSTER_LEAVE, 0);
	return nl_request(nl, req, NULL, NULL);
}

static const struct cmd commands[] = {
	{ "set", cluster_set, false },
	{ "leave", cluster_leave, false },
	{ "show", cluster_show, true },	/* "s" reads rather than writes */
	{ "list", cluster_show, false },
	{ NULL, NULL, false },
};

int do_cluster(int argc, char **argv)
{
	return dispatch(commands, "cluster", cluster_show, usage, argc, argv);
}
