// SPDX-License-Identifier: GPL-2.0
/* shoal bucket: which node serves each bucket of a service. */
#include <netinet/in.h>
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

#define HINT "shoal bucket help"

static void usage(void)
{
	printf("Usage: shoal [ -s ] bucket show ADDR\n"
	       "       shoal bucket set ADDR BUCKET node { ID | auto }\n"
	       "       shoal bucket help\n"
	       "where  ADDR := the address of a service\n"
	       "       BUCKET := 0..buckets-1\n"
	       "       ID := 1..%u\n", SHOAL_NODE_ID_MAX);
}

/* What a reply said; -1 marks an attribute it left out. */
struct bucket_info {
	uint32_t id;
	int64_t owner;
	int64_t pin;
	struct shoal_stats stats;
};

struct bucket_list {
	struct bucket_info *buckets;
	size_t count;
	size_t size;
};

static int bucket_cb(const struct nlmsghdr *nlh, void *data)
{
	static const enum mnl_attr_data_type policy[SHOAL_A_MAX + 1] = {
		[SHOAL_A_BUCKET_ID] = MNL_TYPE_U32,
		[SHOAL_A_BUCKET_OWNER] = MNL_TYPE_U32,
		[SHOAL_A_BUCKET_PIN] = MNL_TYPE_U32,
		[SHOAL_A_BUCKET_STATS] = MNL_TYPE_NESTED,
	};
	const struct nlattr *tb[SHOAL_A_MAX + 1];
	struct bucket_list *list = data;
	struct bucket_info *b;

	if (nl_parse(nlh, policy, SHOAL_A_MAX, tb))
		return -1;
	if (!tb[SHOAL_A_BUCKET_ID]) {
		pr_err_sys("malformed reply from the kernel (no bucket id).");
		return -1;
	}

	if (list->count == list->size) {
		size_t size = list->size ? list->size * 2 : 256;
		struct bucket_info *buckets;

		buckets = realloc(list->buckets, size * sizeof(*buckets));
		if (!buckets) {
			pr_err_sys("out of memory.");
			return -1;
		}
		list->buckets = buckets;
		list->size = size;
	}
	b = &list->buckets[list->count++];
	memset(b, 0, sizeof(*b));
	b->id = mnl_attr_get_u32(tb[SHOAL_A_BUCKET_ID]);
	b->owner = tb[SHOAL_A_BUCKET_OWNER] ?
		   (int64_t)mnl_attr_get_u32(tb[SHOAL_A_BUCKET_OWNER]) : -1;
	b->pin = tb[SHOAL_A_BUCKET_PIN] ?
		 (int64_t)mnl_attr_get_u32(tb[SHOAL_A_BUCKET_PIN]) : -1;
	if (tb[SHOAL_A_BUCKET_STATS] &&
	    stats_parse(tb[SHOAL_A_BUCKET_STATS], &b->stats))
		return -1;
	return 0;
}

static void bucket_list_restart(void *data)
{
	struct bucket_list *list = data;

	list->count = 0;
}

static void print_plain(const void *item)
{
	const struct bucket_info *b = item;

	printf("bucket %u", b->id);
	if (b->owner > 0)
		printf(" owner %lld", (long long)b->owner);
	else if (b->owner == 0)
		printf(" owner none");
	/* a pin that holds says so; one whose node is down says where to */
	if (b->pin > 0 && b->pin == b->owner)
		printf(" pinned");
	else if (b->pin > 0)
		printf(" pin %lld", (long long)b->pin);
	if (stats_output && b->stats.valid) {
		printf(" ");
		stats_print(&b->stats);
	}
	printf("\n");
}

/* A node id, with 0 ("none") and a missing attribute both null. */
static void json_kv_node(struct json *j, const char *key, int64_t id)
{
	if (id > 0)
		json_kv_uint(j, key, (uint64_t)id);
	else
		json_kv_null(j, key);
}

static void print_json(struct json *j, const void *item)
{
	const struct bucket_info *b = item;

	json_obj_open(j);
	json_kv_uint(j, "bucket", b->id);
	json_kv_node(j, "owner", b->owner);
	json_kv_node(j, "pin", b->pin);
	if (stats_output)
		stats_json(j, &b->stats);
	json_obj_close(j);
}

static int bucket_show(int argc, char **argv)
{
	struct bucket_list list = { 0 };
	struct shoal_addr addr;
	struct nlmsghdr *req;
	struct nl_sock *nl;
	int ret;

	if (service_addr_arg(argc, argv, HINT, &addr) ||
	    no_more_args(argc - 1, argv + 1, HINT))
		return -1;

	nl = shoal_nl();
	if (!nl)
		return -1;
	req = nl_msg(nl, SHOAL_CMD_BUCKET_GET, 0);
	service_addr_put(req, &addr);
	ret = nl_dump(nl, req, bucket_cb, bucket_list_restart, &list);
	if (!ret)
		print_list(list.buckets, list.count, sizeof(*list.buckets),
			   print_plain, print_json);
	free(list.buckets);
	return ret;
}

/* A node in a move: "none" for 0, in JSON null. */
static void print_move_node(struct json *j, const char *key, uint32_t id)
{
	if (j && id)
		json_kv_uint(j, key, id);
	else if (j)
		json_kv_null(j, key);
	else if (id)
		printf(" %s %u", key, id);
	else
		printf(" %s none", key);
}

int bucket_event(const struct nlmsghdr *nlh, uint8_t event)
{
	static const enum mnl_attr_data_type policy[SHOAL_A_MAX + 1] = {
		[SHOAL_A_SERVICE_ADDR4] = MNL_TYPE_BINARY,
		[SHOAL_A_SERVICE_ADDR6] = MNL_TYPE_BINARY,
		[SHOAL_A_MOVE_COUNT] = MNL_TYPE_U32,
		[SHOAL_A_MOVE_FROM] = MNL_TYPE_U32,
		[SHOAL_A_MOVE_TO] = MNL_TYPE_U32,
	};
	const struct nlattr *tb[SHOAL_A_MAX + 1], *a;
	uint32_t count = 0, from = 0, to = 0;
	char buf[ADDR_STRLEN];
	struct shoal_addr addr;
	struct json *j;

	if (event != SHOAL_EVENT_BUCKETS_MOVED)
		return 1;
	if (nl_parse(nlh, policy, SHOAL_A_MAX, tb))
		return -1;
	a = tb[SHOAL_A_SERVICE_ADDR4] ? tb[SHOAL_A_SERVICE_ADDR4] :
					tb[SHOAL_A_SERVICE_ADDR6];
	if (!a || addr_from_bytes(mnl_attr_get_payload(a),
				  mnl_attr_get_payload_len(a), &addr) ||
	    (tb[SHOAL_A_SERVICE_ADDR4] ? AF_INET : AF_INET6) != addr.family) {
		pr_err_sys("malformed reply from the kernel (service address).");
		return -1;
	}
	if (tb[SHOAL_A_MOVE_COUNT])
		count = mnl_attr_get_u32(tb[SHOAL_A_MOVE_COUNT]);
	if (tb[SHOAL_A_MOVE_FROM])
		from = mnl_attr_get_u32(tb[SHOAL_A_MOVE_FROM]);
	if (tb[SHOAL_A_MOVE_TO])
		to = mnl_attr_get_u32(tb[SHOAL_A_MOVE_TO]);

	j = event_begin("buckets", "moved");
	if (j) {
		json_kv_string(j, "service", format_addr(&addr, buf));
		json_kv_uint(j, "count", count);
	} else {
		printf("buckets %s moved %u", format_addr(&addr, buf), count);
	}
	print_move_node(j, "from", from);
	print_move_node(j, "to", to);
	event_end(j);
	return 0;
}

static const struct keyword node_kw[] = {
	{ "node", 0, false },
	{ NULL, 0, false },
};

static const struct keyword auto_kw[] = {
	{ "auto", 0, false },
	{ NULL, 0, false },
};

/* A node id to pin to, or 0 for "auto". Returns 0 or -1. */
static int parse_pin(const char *arg, uint32_t *pin)
{
	if (keyword_find(auto_kw, arg) >= 0) {
		*pin = 0;
		return 0;
	}
	/* 0 would unpin too, but "auto" says so */
	if (!*arg || arg[strspn(arg, "0123456789")] || !strtoul(arg, NULL, 10)) {
		pr_err("\"%s\" is not a valid node; expected a node id or \"auto\".",
		       arg);
		return -1;
	}
	return parse_u32(arg, 1, SHOAL_NODE_ID_MAX, "node id", pin);
}

static int bucket_set(int argc, char **argv)
{
	struct shoal_addr addr;
	struct nlmsghdr *req;
	struct nl_sock *nl;
	uint32_t id, pin;

	if (service_addr_arg(argc, argv, HINT, &addr))
		return -1;
	if (argc < 2) {
		pr_err("missing bucket number; try \"" HINT "\".");
		return -1;
	}
	/* no service has more; the kernel knows how many this one has */
	if (parse_u32(argv[1], 0, SHOAL_BUCKETS_MAX - 1, "bucket number", &id))
		return -1;
	if (argc < 3) {
		pr_err("missing \"node\"; try \"" HINT "\".");
		return -1;
	}
	if (keyword_get(node_kw, argv[2], "argument", "bucket set", HINT) < 0)
		return -1;
	if (argc < 4) {
		pr_err("\"node\" needs a value; try \"" HINT "\".");
		return -1;
	}
	if (parse_pin(argv[3], &pin) || no_more_args(argc - 4, argv + 4, HINT))
		return -1;

	nl = shoal_nl();
	if (!nl)
		return -1;
	req = nl_msg(nl, SHOAL_CMD_BUCKET_SET, 0);
	service_addr_put(req, &addr);
	mnl_attr_put_u32(req, SHOAL_A_BUCKET_ID, id);
	mnl_attr_put_u32(req, SHOAL_A_BUCKET_PIN, pin);
	return nl_request(nl, req, NULL, NULL);
}

static const struct cmd commands[] = {
	{ "set", bucket_set, false },
	{ "show", bucket_show, true },	/* "s" reads rather than writes */
	{ "list", bucket_show, false },
	{ NULL, NULL, false },
};

int do_bucket(int argc, char **argv)
{
	return dispatch(commands, "bucket", bucket_show, usage, argc, argv);
}
