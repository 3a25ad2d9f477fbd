// SPDX-License-Identifier: GPL-2.0
/* shoal cluster: this namespace's node id and cluster device. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/shoal.h>

#include "json.h"
#include "nl.h"
#include "shoal.h"
#include "utils.h"

#define HINT "shoal cluster help"

static void usage(void)
{
	printf("Usage: shoal cluster set [ dev DEV ] [ node ID ]\n"
	       "       shoal cluster show\n"
	       "       shoal cluster help\n"
	       "where  ID := 1..%u\n", SHOAL_NODE_ID_MAX);
}

struct cluster_info {
	uint32_t node_id;	/* 0: unset */
	uint32_t ifindex;	/* 0: unset */
	char ifname[IF_NAMESIZE];
};

static int cluster_cb(const struct nlmsghdr *nlh, void *data)
{
	static const enum mnl_attr_data_type policy[SHOAL_A_MAX + 1] = {
		[SHOAL_A_CLUSTER_NODE_ID] = MNL_TYPE_U32,
		[SHOAL_A_CLUSTER_IFINDEX] = MNL_TYPE_U32,
		[SHOAL_A_CLUSTER_IFNAME] = MNL_TYPE_NUL_STRING,
	};
	const struct nlattr *tb[SHOAL_A_MAX + 1];
	struct cluster_info *ci = data;

	if (nl_parse(nlh, policy, SHOAL_A_MAX, tb))
		return -1;
	if (tb[SHOAL_A_CLUSTER_NODE_ID])
		ci->node_id = mnl_attr_get_u32(tb[SHOAL_A_CLUSTER_NODE_ID]);
	if (tb[SHOAL_A_CLUSTER_IFINDEX])
		ci->ifindex = mnl_attr_get_u32(tb[SHOAL_A_CLUSTER_IFINDEX]);
	if (tb[SHOAL_A_CLUSTER_IFNAME])
		snprintf(ci->ifname, sizeof(ci->ifname), "%s",
			 mnl_attr_get_str(tb[SHOAL_A_CLUSTER_IFNAME]));
	return 0;
}

static void print_json(const struct cluster_info *ci)
{
	struct json *j = json_new(stdout, pretty_output);

	json_arr_open(j);
	json_obj_open(j);
	if (ci->node_id)
		json_kv_uint(j, "node", ci->node_id);
	else
		json_kv_null(j, "node");
	json_kv_string(j, "dev", ci->ifindex ? ci->ifname : NULL);
	if (ci->ifindex)
		json_kv_uint(j, "ifindex", ci->ifindex);
	else
		json_kv_null(j, "ifindex");
	json_obj_close(j);
	json_arr_close(j);
	json_free(j);
}

static void print_plain(const struct cluster_info *ci)
{
	const char *sep = "";

	if (!ci->node_id && !ci->ifindex) {
		printf("cluster not configured\n");
		return;
	}
	if (ci->node_id) {
		printf("node %u", ci->node_id);
		sep = " ";
	}
	if (ci->ifindex)
		printf("%sdev %s", sep, ci->ifname);
	printf("\n");
}

static int cluster_show(int argc, char **argv)
{
	struct cluster_info ci = { 0 };
	struct nlmsghdr *req;
	struct nl_sock *nl;

	if (argc > 0) {
		pr_err("unexpected argument \"%s\"; try \"" HINT "\".", argv[0]);
		return -1;
	}
	nl = shoal_nl();
	if (!nl)
		return -1;

	req = nl_msg(nl, SHOAL_CMD_CLUSTER_GET, 0);
	if (nl_request(nl, req, cluster_cb, &ci))
		return -1;

	/* the name is a courtesy of the reply; fall back like ip does */
	if (ci.ifindex && !ci.ifname[0] && !if_indextoname(ci.ifindex, ci.ifname))
		snprintf(ci.ifname, sizeof(ci.ifname), "if%u", ci.ifindex);

	if (json_output)
		print_json(&ci);
	else
		print_plain(&ci);
	return 0;
}

enum { ARG_DEV, ARG_NODE };

static const struct keyword set_args[] = {
	{ "dev", ARG_DEV, false },
	{ "node", ARG_NODE, false },
	{ NULL, 0, false },
};

static int cluster_set(int argc, char **argv)
{
	uint32_t ifindex = 0, node_id = 0;
	struct nlmsghdr *req;
	struct nl_sock *nl;

	for (; argc > 0; argc -= 2, argv += 2) {
		const char *name;
		int arg;

		arg = keyword_get(set_args, argv[0], "argument", "cluster set",
				  HINT);
		if (arg < 0)
			return -1;
		name = set_args[arg].name;
		if (argc < 2) {
			pr_err("\"%s\" needs a value; try \"" HINT "\".", name);
			return -1;
		}
		if ((arg == ARG_DEV && ifindex) || (arg == ARG_NODE && node_id)) {
			pr_err("\"%s\" is given twice.", name);
			return -1;
		}
		if (arg == ARG_DEV && parse_ifname(argv[1], &ifindex))
			return -1;
		if (arg == ARG_NODE &&
		    parse_u32(argv[1], 1, SHOAL_NODE_ID_MAX, "node id", &node_id))
			return -1;
	}
	if (!ifindex && !node_id) {
		pr_err("nothing to set; give \"dev\" or \"node\" (try \"" HINT "\").");
		return -1;
	}

	nl = shoal_nl();
	if (!nl)
		return -1;
	req = nl_msg(nl, SHOAL_CMD_CLUSTER_SET, 0);
	if (node_id)
		mnl_attr_put_u32(req, SHOAL_A_CLUSTER_NODE_ID, node_id);
	if (ifindex)
		mnl_attr_put_u32(req, SHOAL_A_CLUSTER_IFINDEX, ifindex);
	return nl_request(nl, req, NULL, NULL);
}

enum { CMD_SET, CMD_SHOW, CMD_HELP };

static const struct keyword commands[] = {
	{ "set", CMD_SET, false },
	{ "show", CMD_SHOW, true },	/* "s" reads rather than writes */
	{ "list", CMD_SHOW, false },
	{ "help", CMD_HELP, false },
	{ NULL, 0, false },
};

int do_cluster(int argc, char **argv)
{
	int cmd;

	if (argc < 1)
		return cluster_show(0, argv);

	cmd = keyword_get(commands, argv[0], "command", "cluster", HINT);
	switch (cmd) {
	case CMD_SET:
		return cluster_set(argc - 1, argv + 1);
	case CMD_SHOW:
		return cluster_show(argc - 1, argv + 1);
	case CMD_HELP:
		usage();
		return 0;
	}
	return -1;
}
