// SPDX-License-Identifier: GPL-2.0
/* shoal persona: identities that live on one node at a time. */
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/shoal.h>

#include "diskspec.h"
#include "json.h"
#include "nl.h"
#include "parse.h"
#include "shoal.h"
#include "utils.h"

#define HINT "shoal persona help"

/* Addresses one "persona add" puts on the interface. */
#define PERSONA_ADDRS_MAX	16

static void usage(void)
{
	printf("Usage: shoal persona add NAME mac VMAC [ addr ADDR/PLEN ]... [ vlan VID ]\n"
	       "                         [ nodes ID,ID,... ] [ disk DISK=SPEC ]...\n"
	       "       shoal persona del NAME\n"
	       "       shoal persona show [ NAME ]\n"
	       "       shoal persona takeover NAME\n"
	       "       shoal persona release NAME\n"
	       "       shoal persona help\n"
	       "where  NAME := 1 to %u of A-Z, a-z, 0-9, _, . and -\n"
	       "       VMAC := a unicast MAC, xx:xx:xx:xx:xx:xx\n"
	       "       ADDR/PLEN := an IPv4 or IPv6 address and prefix length; at most %u\n"
	       "       VID := 1..%u\n"
	       "       ID := 1..%u, first choice first; default: every regular node\n"
	       "       DISK := 1 to %u of a-z, 0-9, _ and -; at most %u\n"
	       "       SPEC := PATH:OFFSET:LENGTH[,PATH:OFFSET:LENGTH]..., in 512-byte sectors\n",
	       SHOAL_PERSONA_NAME_MAX, PERSONA_ADDRS_MAX, SHOAL_VLAN_MAX,
	       SHOAL_NODE_ID_MAX, SHOAL_DISK_NAME_MAX, SHOAL_PERSONA_DISKS_MAX);
}

static const char *const state_names[] = {
	[SHOAL_PERSONA_STANDBY] = "standby",
	[SHOAL_PERSONA_CLAIMING] = "claiming",
	[SHOAL_PERSONA_ACTIVE] = "active",
	[SHOAL_PERSONA_FENCED] = "fenced",
	[SHOAL_PERSONA_RELEASED] = "released",
};

/* UNSPEC has no name: the event says no reason */
static const char *const reason_names[] = {
	[SHOAL_PERSONA_REASON_NODE_DOWN] = "node-down",
	[SHOAL_PERSONA_REASON_PLACEMENT] = "placement",
	[SHOAL_PERSONA_REASON_COMMAND] = "command",
	[SHOAL_PERSONA_REASON_SUPERSEDED] = "superseded",
	[SHOAL_PERSONA_REASON_QUORUM] = "quorum",
	[SHOAL_PERSONA_REASON_STOPPED] = "stopped",
	[SHOAL_PERSONA_REASON_UNSEEN] = "unseen",
};

static const char *const disk_state_names[] = {
	[SHOAL_DISK_UNMAPPED] = "unmapped",
	[SHOAL_DISK_MAPPED] = "mapped",
	[SHOAL_DISK_FAILING] = "failing",
};

/* A value's name; NULL for -1 (not said) or a value without one. */
static const char *value_name(const char *const *names, size_t n, int v)
{
	if (v < 0)
		return NULL;
	if ((size_t)v >= n)
		return "unknown";
	return names[v];
}

#define NAMES(names)	names, sizeof(names) / sizeof(names[0])

static const char *state_name(int v) { return value_name(NAMES(state_names), v); }
static const char *reason_name(int v) { return value_name(NAMES(reason_names), v); }
static const char *disk_state_name(int v) { return value_name(NAMES(disk_state_names), v); }

struct persona_disk {
	char name[SHOAL_DISK_NAME_MAX + 1];
	char spec[SHOAL_DISK_SPEC_MAX + 1];
};

struct persona_addr {
	struct shoal_addr addr;
	unsigned int plen;
};

/* What a reply said; -1 marks an attribute it left out. */
struct persona_info {
	char name[SHOAL_PERSONA_NAME_MAX + 1];
	bool has_mac;
	uint8_t mac[MAC_LEN];
	int32_t vlan;
	int64_t owner;
	int64_t epoch;
	int state;
	int reason;
	int64_t round;
	uint32_t ifindex;	/* 0: none */
	char ifname[IF_NAMESIZE];
	int nnodes;
	uint32_t nodes[SHOAL_NODE_ID_MAX];
	/* live nodes whose configuration of it differs from this node's */
	int ndiffers;
	uint32_t differs[SHOAL_NODE_ID_MAX];
	int ndisks;
	struct persona_disk disks[SHOAL_PERSONA_DISKS_MAX];
	/* the persona's addresses, as configured; NULL: none reported */
	struct persona_addr *addrs;
	size_t naddrs;
};

struct persona_list {
	struct persona_info *items;
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

static int disk_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	switch (type) {
	case SHOAL_A_DISK_NAME:
	case SHOAL_A_DISK_SPEC:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		tb[type] = attr;
		break;
	case SHOAL_A_DISK_STATE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		tb[type] = attr;
		break;
	}
	return MNL_CB_OK;
}

/* One SHOAL_A_DISK nest into @tb[0..SHOAL_A_MAX]. Returns 0 or -1 (printed). */
static int parse_disk(const struct nlattr *nest, const struct nlattr **tb)
{
	memset(tb, 0, (SHOAL_A_MAX + 1) * sizeof(*tb));
	if (mnl_attr_parse_nested(nest, disk_attr_cb, tb) < 0 ||
	    !tb[SHOAL_A_DISK_NAME]) {
		pr_err_sys("malformed reply from the kernel (disk).");
		return -1;
	}
	return 0;
}

static int parse_disks(const struct nlattr *nest, struct persona_info *p)
{
	const struct nlattr *tb[SHOAL_A_MAX + 1];
	const struct nlattr *attr;

	p->ndisks = 0;
	mnl_attr_for_each_nested(attr, nest) {
		struct persona_disk *d;

		if (mnl_attr_get_type(attr) != SHOAL_A_DISK)
			continue;
		if (p->ndisks == SHOAL_PERSONA_DISKS_MAX) {
			pr_err_sys("malformed reply from the kernel (too many disks).");
			return -1;
		}
		if (parse_disk(attr, tb))
			return -1;
		d = &p->disks[p->ndisks++];
		snprintf(d->name, sizeof(d->name), "%s",
			 mnl_attr_get_str(tb[SHOAL_A_DISK_NAME]));
		snprintf(d->spec, sizeof(d->spec), "%s",
			 tb[SHOAL_A_DISK_SPEC] ?
			 mnl_attr_get_str(tb[SHOAL_A_DISK_SPEC]) : "");
	}
	return 0;
}

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	switch (type) {
	case SHOAL_A_ADDR_IN:
	case SHOAL_A_ADDR_IN6:
		tb[type] = attr;
		break;
	case SHOAL_A_ADDR_PREFIXLEN:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		tb[type] = attr;
		break;
	}
	return MNL_CB_OK;
}

static int parse_addrs(const struct nlattr *nest, struct persona_info *p)
{
	const struct nlattr *tb[SHOAL_A_MAX + 1];
	const struct nlattr *attr;
	struct persona_addr *a;

	/* one spare so that a persona without addresses reads as reported */
	p->addrs = calloc(SHOAL_PERSONA_ADDRS_MAX + 1, sizeof(*p->addrs));
	if (!p->addrs) {
		pr_err_sys("out of memory.");
		return -1;
	}
	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) != SHOAL_A_ADDR)
			continue;
		memset(tb, 0, sizeof(tb));
		if (p->naddrs == SHOAL_PERSONA_ADDRS_MAX ||
		    mnl_attr_parse_nested(attr, addr_attr_cb, tb) < 0 ||
		    !tb[SHOAL_A_ADDR_PREFIXLEN] ||
		    !tb[SHOAL_A_ADDR_IN] == !tb[SHOAL_A_ADDR_IN6] ||
		    (tb[SHOAL_A_ADDR_IN] &&
		     mnl_attr_get_payload_len(tb[SHOAL_A_ADDR_IN]) != 4) ||
		    (tb[SHOAL_A_ADDR_IN6] &&
		     mnl_attr_get_payload_len(tb[SHOAL_A_ADDR_IN6]) != 16)) {
			pr_err_sys("malformed reply from the kernel (persona address).");
			return -1;
		}
		a = &p->addrs[p->naddrs++];
		a->plen = mnl_attr_get_u8(tb[SHOAL_A_ADDR_PREFIXLEN]);
		a->addr.family = tb[SHOAL_A_ADDR_IN] ? AF_INET : AF_INET6;
		if (tb[SHOAL_A_ADDR_IN])
			memcpy(&a->addr.v4, mnl_attr_get_payload(tb[SHOAL_A_ADDR_IN]), 4);
		else
			memcpy(&a->addr.v6, mnl_attr_get_payload(tb[SHOAL_A_ADDR_IN6]), 16);
	}
	return 0;
}

static const enum mnl_attr_data_type persona_policy[SHOAL_A_MAX + 1] = {
	[SHOAL_A_PERSONA_ADDRS] = MNL_TYPE_NESTED,
	[SHOAL_A_PERSONA_NAME] = MNL_TYPE_NUL_STRING,
	[SHOAL_A_PERSONA_MAC] = MNL_TYPE_BINARY,
	[SHOAL_A_PERSONA_VLAN] = MNL_TYPE_U16,
	[SHOAL_A_PERSONA_NODES] = MNL_TYPE_NESTED,
	[SHOAL_A_PERSONA_CONFIG_DIFFERS] = MNL_TYPE_NESTED,
	[SHOAL_A_PERSONA_DISKS] = MNL_TYPE_NESTED,
	[SHOAL_A_PERSONA_OWNER] = MNL_TYPE_U32,
	[SHOAL_A_PERSONA_EPOCH] = MNL_TYPE_U32,
	[SHOAL_A_PERSONA_STATE] = MNL_TYPE_U8,
	[SHOAL_A_PERSONA_IFINDEX] = MNL_TYPE_U32,
	[SHOAL_A_PERSONA_IFNAME] = MNL_TYPE_NUL_STRING,
	[SHOAL_A_PERSONA_REASON] = MNL_TYPE_U8,
	[SHOAL_A_PERSONA_ROUND] = MNL_TYPE_U32,
};

static int persona_parse(const struct nlmsghdr *nlh, struct persona_info *p)
{
	const struct nlattr *tb[SHOAL_A_MAX + 1];

	if (nl_parse(nlh, persona_policy, SHOAL_A_MAX, tb))
		return -1;
	if (!tb[SHOAL_A_PERSONA_NAME] ||
	    (tb[SHOAL_A_PERSONA_MAC] &&
	     mnl_attr_get_payload_len(tb[SHOAL_A_PERSONA_MAC]) != MAC_LEN)) {
		pr_err_sys("malformed reply from the kernel (persona name or MAC).");
		return -1;
	}

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s",
		 mnl_attr_get_str(tb[SHOAL_A_PERSONA_NAME]));
	if (tb[SHOAL_A_PERSONA_MAC]) {
		memcpy(p->mac, mnl_attr_get_payload(tb[SHOAL_A_PERSONA_MAC]),
		       MAC_LEN);
		p->has_mac = true;
	}
	/* absent and 0 both mean no virtual LAN */
	p->vlan = tb[SHOAL_A_PERSONA_VLAN] ?
		  mnl_attr_get_u16(tb[SHOAL_A_PERSONA_VLAN]) : -1;
	if (!p->vlan)
		p->vlan = -1;
	p->owner = tb[SHOAL_A_PERSONA_OWNER] ?
		   (int64_t)mnl_attr_get_u32(tb[SHOAL_A_PERSONA_OWNER]) : -1;
	p->epoch = tb[SHOAL_A_PERSONA_EPOCH] ?
		   (int64_t)mnl_attr_get_u32(tb[SHOAL_A_PERSONA_EPOCH]) : -1;
	p->state = tb[SHOAL_A_PERSONA_STATE] ?
		   mnl_attr_get_u8(tb[SHOAL_A_PERSONA_STATE]) : -1;
	p->reason = tb[SHOAL_A_PERSONA_REASON] ?
		    mnl_attr_get_u8(tb[SHOAL_A_PERSONA_REASON]) : -1;
	p->round = tb[SHOAL_A_PERSONA_ROUND] ?
		   (int64_t)mnl_attr_get_u32(tb[SHOAL_A_PERSONA_ROUND]) : -1;
	if (tb[SHOAL_A_PERSONA_IFINDEX])
		p->ifindex = mnl_attr_get_u32(tb[SHOAL_A_PERSONA_IFINDEX]);
	if (tb[SHOAL_A_PERSONA_IFNAME])
		snprintf(p->ifname, sizeof(p->ifname), "%s",
			 mnl_attr_get_str(tb[SHOAL_A_PERSONA_IFNAME]));
	/* the name is a courtesy of the reply */
	if (p->ifindex && !p->ifname[0])
		ifindex_name(p->ifindex, p->ifname);
	p->nnodes = -1;
	if (tb[SHOAL_A_PERSONA_NODES] &&
	    parse_nodes(tb[SHOAL_A_PERSONA_NODES], p->nodes, &p->nnodes))
		return -1;
	p->ndiffers = 0;
	if (tb[SHOAL_A_PERSONA_CONFIG_DIFFERS] &&
	    parse_nodes(tb[SHOAL_A_PERSONA_CONFIG_DIFFERS], p->differs,
			&p->ndiffers))
		return -1;
	p->ndisks = -1;
	if (tb[SHOAL_A_PERSONA_DISKS] && parse_disks(tb[SHOAL_A_PERSONA_DISKS], p))
		return -1;
	if (tb[SHOAL_A_PERSONA_ADDRS] && parse_addrs(tb[SHOAL_A_PERSONA_ADDRS], p))
		return -1;
	return 0;
}

static int persona_cb(const struct nlmsghdr *nlh, void *data)
{
	struct persona_list *list = data;

	if (list->count == list->size) {
		size_t size = list->size ? list->size * 2 : 8;
		struct persona_info *items;

		items = realloc(list->items, size * sizeof(*items));
		if (!items) {
			pr_err_sys("out of memory.");
			return -1;
		}
		list->items = items;
		list->size = size;
	}
	if (persona_parse(nlh, &list->items[list->count]))
		return -1;
	list->count++;
	return 0;
}

static void persona_list_restart(void *data)
{
	struct persona_list *list = data;
	size_t i;

	for (i = 0; i < list->count; i++)
		free(list->items[i].addrs);
	list->count = 0;
}

static void persona_list_free(struct persona_list *list)
{
	persona_list_restart(list);
	free(list->items);
}

/* The configuration and this node's view, as "persona add" would take it. */
static void print_fields(const struct persona_info *p)
{
	char buf[MAC_STRLEN];
	const char *s;
	int i;

	printf("%s", p->name);
	if (p->has_mac)
		printf(" mac %s", format_mac(p->mac, buf));
	if (p->owner > 0)
		printf(" owner %lld", (long long)p->owner);
	else if (p->owner == 0)
		printf(" owner none");
	if (p->epoch >= 0)
		printf(" epoch %lld", (long long)p->epoch);
	s = state_name(p->state);
	if (s)
		printf(" state %s", s);
	if (p->ifindex)
		printf(" dev %s", p->ifname);
	if (p->vlan > 0)
		printf(" vlan %d", p->vlan);
	if (p->nnodes == 0) {
		printf(" nodes any");
	} else if (p->nnodes > 0) {
		printf(" nodes ");
		for (i = 0; i < p->nnodes; i++)
			printf("%s%u", i ? "," : "", p->nodes[i]);
	}
	for (i = 0; i < p->ndisks; i++)
		printf(" disk %s=%s", p->disks[i].name, p->disks[i].spec);
	if (p->ndiffers > 0) {
		printf(" config-differs ");
		for (i = 0; i < p->ndiffers; i++)
			printf("%s%u", i ? "," : "", p->differs[i]);
	}
}

static void print_plain(const void *item)
{
	const struct persona_info *p = item;
	char buf[ADDR_STRLEN];
	size_t i;

	print_fields(p);
	printf("\n");
	if (!p->naddrs)
		return;
	printf("    addr");
	for (i = 0; i < p->naddrs; i++)
		printf(" %s/%u", format_addr(&p->addrs[i].addr, buf),
		       p->addrs[i].plen);
	printf("\n");
}

static void json_fields(struct json *j, const struct persona_info *p)
{
	char buf[ADDR_STRLEN + 4];
	size_t k;
	int i;

	json_kv_string(j, "name", p->name);
	json_kv_string(j, "mac", p->has_mac ? format_mac(p->mac, buf) : NULL);
	if (p->owner > 0)
		json_kv_uint(j, "owner", (uint64_t)p->owner);
	else
		json_kv_null(j, "owner");
	if (p->epoch >= 0)
		json_kv_uint(j, "epoch", (uint64_t)p->epoch);
	else
		json_kv_null(j, "epoch");
	json_kv_string(j, "state", state_name(p->state));
	json_key(j, "nodes");
	json_arr_open(j);
	for (i = 0; i < p->nnodes; i++)
		json_uint(j, p->nodes[i]);
	json_arr_close(j);
	json_key(j, "config_differs");
	json_arr_open(j);
	for (i = 0; i < p->ndiffers; i++)
		json_uint(j, p->differs[i]);
	json_arr_close(j);
	if (p->vlan > 0)
		json_kv_uint(j, "vlan", (uint64_t)p->vlan);
	else
		json_kv_null(j, "vlan");
	json_kv_string(j, "dev", p->ifindex ? p->ifname : NULL);
	if (p->ifindex)
		json_kv_uint(j, "ifindex", p->ifindex);
	else
		json_kv_null(j, "ifindex");
	json_key(j, "addrs");
	if (p->addrs) {
		json_arr_open(j);
		for (k = 0; k < p->naddrs; k++) {
			size_t len;

			format_addr(&p->addrs[k].addr, buf);
			len = strlen(buf);
			snprintf(buf + len, sizeof(buf) - len, "/%u",
				 p->addrs[k].plen);
			json_string(j, buf);
		}
		json_arr_close(j);
	} else {
		json_null(j);
	}
	json_key(j, "disks");
	json_arr_open(j);
	for (i = 0; i < p->ndisks; i++) {
		json_obj_open(j);
		json_kv_string(j, "name", p->disks[i].name);
		json_kv_string(j, "spec", p->disks[i].spec);
		json_obj_close(j);
	}
	json_arr_close(j);
}

static void print_json(struct json *j, const void *item)
{
	json_obj_open(j);
	json_fields(j, item);
	json_obj_close(j);
}

/* The persona name in argv[0], checked. Returns 0 or -1 (printed). */
static int name_arg(int argc, char **argv, const char **name)
{
	if (argc < 1) {
		pr_err("missing persona name; try \"" HINT "\".");
		return -1;
	}
	if (check_persona_name(argv[0]))
		return -1;
	*name = argv[0];
	return 0;
}

static int persona_show(int argc, char **argv)
{
	struct persona_list list = { 0 };
	const char *name = NULL;
	struct nlmsghdr *req;
	struct nl_sock *nl;
	int ret;

	if (argc > 0 && (name_arg(argc, argv, &name) ||
			 no_more_args(argc - 1, argv + 1, HINT)))
		return -1;

	nl = shoal_nl();
	if (!nl)
		return -1;
	req = nl_msg(nl, SHOAL_CMD_PERSONA_GET, 0);
	if (name) {
		mnl_attr_put_strz(req, SHOAL_A_PERSONA_NAME, name);
		ret = nl_request(nl, req, persona_cb, &list);
	} else {
		ret = nl_dump(nl, req, persona_cb, persona_list_restart, &list);
	}
	if (!ret)
		print_list(list.items, list.count, sizeof(*list.items),
			   print_plain, print_json);
	persona_list_free(&list);
	return ret;
}

/* How a change event words the owner. */
enum { OWNER_NO, OWNER_YES, OWNER_KNOWN };

/* "persona web takeover owner 2 epoch 3 reason node-down" and the like. */
static void print_change(struct json *j, const char *event,
			 const struct persona_info *p, int owner)
{
	const char *reason = reason_name(p->reason);

	if (j) {
		json_kv_string(j, "name", p->name);
		if (p->owner > 0)
			json_kv_uint(j, "owner", (uint64_t)p->owner);
		else
			json_kv_null(j, "owner");
		if (p->epoch >= 0)
			json_kv_uint(j, "epoch", (uint64_t)p->epoch);
		else
			json_kv_null(j, "epoch");
		json_kv_string(j, "state", state_name(p->state));
		json_kv_string(j, "reason", reason);
		if (p->round >= 0)
			json_kv_uint(j, "round", (uint64_t)p->round);
		return;
	}
	printf("persona %s %s", p->name, event);
	if (owner != OWNER_NO && p->owner > 0)
		printf(" owner %lld", (long long)p->owner);
	else if (owner == OWNER_YES && p->owner == 0)
		printf(" owner none");
	if (p->epoch >= 0)
		printf(" epoch %lld", (long long)p->epoch);
	if (reason)
		printf(" reason %s", reason);
	if (p->round >= 0)
		printf(" round %lld", (long long)p->round);
}

int persona_event(const struct nlmsghdr *nlh, uint8_t event)
{
	int owner = OWNER_YES;
	const char *name;
	struct persona_info p;
	struct json *j;

	switch (event) {
	case SHOAL_EVENT_PERSONA_ADDED:
		name = "added";
		break;
	case SHOAL_EVENT_PERSONA_DELETED:
		name = "deleted";
		break;
	case SHOAL_EVENT_PERSONA_TAKEOVER:
		name = "takeover";
		break;
	case SHOAL_EVENT_PERSONA_FENCED:
		name = "fenced";
		/* the node that fenced us may not be known yet */
		owner = OWNER_KNOWN;
		break;
	case SHOAL_EVENT_PERSONA_RELEASED:
		name = "released";
		owner = OWNER_NO;
		break;
	case SHOAL_EVENT_PERSONA_MOVED:
		name = "moved";
		break;
	case SHOAL_EVENT_PERSONA_GARP_SENT:
		name = "garp-sent";
		owner = OWNER_NO;
		break;
	case SHOAL_EVENT_PERSONA_DISKS_READY:
		name = "disks-ready";
		owner = OWNER_NO;
		break;
	case SHOAL_EVENT_PERSONA_DISKS_FENCED:
		name = "disks-fenced";
		owner = OWNER_NO;
		break;
	case SHOAL_EVENT_PERSONA_CONFIG:
		name = "config";
		break;
	default:
		return 1;
	}
	if (persona_parse(nlh, &p))
		return -1;

	j = event_begin("persona", name);
	if (event == SHOAL_EVENT_PERSONA_ADDED ||
	    event == SHOAL_EVENT_PERSONA_DELETED ||
	    event == SHOAL_EVENT_PERSONA_CONFIG) {
		if (j) {
			json_fields(j, &p);
		} else {
			printf("persona %s ", name);
			print_fields(&p);
		}
	} else {
		print_change(j, name, &p, owner);
	}
	event_end(j);
	return 0;
}

int disk_event(const struct nlmsghdr *nlh, uint8_t event)
{
	const struct nlattr *tb[SHOAL_A_MAX + 1], *dtb[SHOAL_A_MAX + 1];
	const struct nlattr *nest, *attr, *disk = NULL;
	const char *name, *state, *persona;
	struct json *j;

	switch (event) {
	case SHOAL_EVENT_DISK_MAPPED:
		name = "mapped";
		break;
	case SHOAL_EVENT_DISK_UNMAPPED:
		name = "unmapped";
		break;
	default:
		return 1;
	}
	if (nl_parse(nlh, persona_policy, SHOAL_A_MAX, tb))
		return -1;
	/*
	 * The kernel announces the disk itself next to the name; a disks
	 * nest with one disk, the report's own shape, is read too.
	 */
	disk = tb[SHOAL_A_DISK];
	nest = tb[SHOAL_A_PERSONA_DISKS];
	if (!disk && nest) {
		mnl_attr_for_each_nested(attr, nest) {
			if (mnl_attr_get_type(attr) == SHOAL_A_DISK) {
				disk = attr;
				break;
			}
		}
	}
	if (!tb[SHOAL_A_PERSONA_NAME] || !disk) {
		pr_err_sys("malformed event from the kernel (disk report).");
		return -1;
	}
	if (parse_disk(disk, dtb))
		return -1;
	persona = mnl_attr_get_str(tb[SHOAL_A_PERSONA_NAME]);
	state = disk_state_name(dtb[SHOAL_A_DISK_STATE] ?
				mnl_attr_get_u8(dtb[SHOAL_A_DISK_STATE]) : -1);

	j = event_begin("persona", event == SHOAL_EVENT_DISK_MAPPED ?
			"disk-mapped" : "disk-unmapped");
	if (j) {
		json_kv_string(j, "name", persona);
		json_kv_string(j, "disk", mnl_attr_get_str(dtb[SHOAL_A_DISK_NAME]));
		json_kv_string(j, "state", state);
	} else {
		printf("persona %s disk %s %s", persona,
		       mnl_attr_get_str(dtb[SHOAL_A_DISK_NAME]), name);
		if (state)
			printf(" state %s", state);
	}
	event_end(j);
	return 0;
}

/* What add asks for; -1 leaves an attribute out of the request. */
struct persona_conf {
	const char *name;
	bool has_mac;
	uint8_t mac[MAC_LEN];
	int vlan;
	int nnodes;
	uint32_t nodes[SHOAL_NODE_ID_MAX];
	int naddrs;
	struct shoal_addr addrs[PERSONA_ADDRS_MAX];
	unsigned int plens[PERSONA_ADDRS_MAX];
	int ndisks;
	struct persona_disk disks[SHOAL_PERSONA_DISKS_MAX];
};

enum { ARG_MAC, ARG_ADDR, ARG_VLAN, ARG_NODES, ARG_DISK };

static const struct keyword add_args[] = {
	{ "mac", ARG_MAC, false },
	{ "addr", ARG_ADDR, false },
	{ "vlan", ARG_VLAN, false },
	{ "nodes", ARG_NODES, false },
	{ "disk", ARG_DISK, false },
	{ NULL, 0, false },
};

static int add_addr(struct persona_conf *c, const char *arg)
{
	struct shoal_addr a;
	char buf[ADDR_STRLEN];
	unsigned int plen;
	int i;

	if (parse_prefix(arg, &a, &plen))
		return -1;
	for (i = 0; i < c->naddrs; i++) {
		if (c->addrs[i].family == a.family &&
		    !memcmp(&c->addrs[i].v6, &a.v6, addr_len(&a))) {
			pr_err("address %s is given twice.", format_addr(&a, buf));
			return -1;
		}
	}
	if (c->naddrs == PERSONA_ADDRS_MAX) {
		pr_err("a persona takes at most %u addresses; \"%s\" is one too many.",
		       PERSONA_ADDRS_MAX, arg);
		return -1;
	}
	c->addrs[c->naddrs] = a;
	c->plens[c->naddrs++] = plen;
	return 0;
}

static int add_disk(struct persona_conf *c, const char *arg)
{
	struct persona_disk *d;
	int i;

	if (c->ndisks == SHOAL_PERSONA_DISKS_MAX) {
		pr_err("a persona has at most %u disks; \"%s\" is one too many.",
		       SHOAL_PERSONA_DISKS_MAX, arg);
		return -1;
	}
	d = &c->disks[c->ndisks];
	if (parse_disk_arg(arg, d->name, d->spec))
		return -1;
	for (i = 0; i < c->ndisks; i++) {
		if (!strcmp(c->disks[i].name, d->name)) {
			pr_err("disk \"%s\" is given twice.", d->name);
			return -1;
		}
	}
	c->ndisks++;
	return 0;
}

static int parse_conf(int argc, char **argv, struct persona_conf *c)
{
	bool seen[ARG_DISK + 1] = { false };
	uint16_t vid;
	int n;

	memset(c, 0, sizeof(*c));
	c->vlan = -1;
	c->nnodes = -1;
	if (name_arg(argc, argv, &c->name))
		return -1;

	for (argc--, argv++; argc > 0; argc -= 2, argv += 2) {
		const char *name, *val;
		int arg;

		arg = keyword_get(add_args, argv[0], "argument", "persona add", HINT);
		if (arg < 0)
			return -1;
		name = add_args[arg].name;
		if (argc < 2) {
			pr_err("\"%s\" needs a value; try \"" HINT "\".", name);
			return -1;
		}
		/* addresses and disks may come again and again */
		if (seen[arg] && arg != ARG_ADDR && arg != ARG_DISK) {
			pr_err("\"%s\" is given twice.", name);
			return -1;
		}
		seen[arg] = true;
		val = argv[1];

		switch (arg) {
		case ARG_MAC:
			if (parse_mac(val, c->mac) || check_persona_mac(c->mac, val))
				return -1;
			c->has_mac = true;
			break;
		case ARG_ADDR:
			if (add_addr(c, val))
				return -1;
			break;
		case ARG_VLAN:
			if (parse_vlan(val, &vid))
				return -1;
			c->vlan = vid;
			break;
		case ARG_NODES:
			n = parse_node_ids(val, c->nodes, SHOAL_NODE_ID_MAX);
			if (n < 0)
				return -1;
			c->nnodes = n;
			break;
		case ARG_DISK:
			if (add_disk(c, val))
				return -1;
			break;
		}
	}
	if (!c->has_mac) {
		pr_err("a persona needs a MAC: \"mac VMAC\"; try \"" HINT "\".");
		return -1;
	}
	return 0;
}

static int persona_name_request(struct nl_sock *nl, uint8_t cmd,
				const char *name)
{
	struct nlmsghdr *req = nl_msg(nl, cmd, 0);

	mnl_attr_put_strz(req, SHOAL_A_PERSONA_NAME, name);
	return nl_request(nl, req, NULL, NULL);
}

static void put_conf(struct nlmsghdr *req, const struct persona_conf *c)
{
	struct nlattr *nest, *disk;
	int i;

	mnl_attr_put_strz(req, SHOAL_A_PERSONA_NAME, c->name);
	mnl_attr_put(req, SHOAL_A_PERSONA_MAC, MAC_LEN, c->mac);
	if (c->vlan > 0)
		mnl_attr_put_u16(req, SHOAL_A_PERSONA_VLAN, (uint16_t)c->vlan);
	if (c->nnodes > 0) {
		/* in the order given: the first up node takes the persona */
		nest = mnl_attr_nest_start(req, SHOAL_A_PERSONA_NODES);
		for (i = 0; i < c->nnodes; i++)
			mnl_attr_put_u32(req, SHOAL_A_NODE_ID, c->nodes[i]);
		mnl_attr_nest_end(req, nest);
	}
	if (c->naddrs > 0) {
		/* the owner puts them on the interface; IPv6 ones without DAD */
		nest = mnl_attr_nest_start(req, SHOAL_A_PERSONA_ADDRS);
		for (i = 0; i < c->naddrs; i++) {
			disk = mnl_attr_nest_start(req, SHOAL_A_ADDR);
			if (c->addrs[i].family == AF_INET)
				mnl_attr_put(req, SHOAL_A_ADDR_IN, 4, &c->addrs[i].v4);
			else
				mnl_attr_put(req, SHOAL_A_ADDR_IN6, 16, &c->addrs[i].v6);
			mnl_attr_put_u8(req, SHOAL_A_ADDR_PREFIXLEN,
					(uint8_t)c->plens[i]);
			mnl_attr_nest_end(req, disk);
		}
		mnl_attr_nest_end(req, nest);
	}
	if (c->ndisks > 0) {
		nest = mnl_attr_nest_start(req, SHOAL_A_PERSONA_DISKS);
		for (i = 0; i < c->ndisks; i++) {
			disk = mnl_attr_nest_start(req, SHOAL_A_DISK);
			mnl_attr_put_strz(req, SHOAL_A_DISK_NAME, c->disks[i].name);
			mnl_attr_put_strz(req, SHOAL_A_DISK_SPEC, c->disks[i].spec);
			mnl_attr_nest_end(req, disk);
		}
		mnl_attr_nest_end(req, nest);
	}
}

static int persona_add(int argc, char **argv)
{
	struct persona_conf conf, *c = &conf;
	struct nlmsghdr *req;
	struct nl_sock *nl;

	if (parse_conf(argc, argv, c))
		return -1;

	nl = shoal_nl();
	if (!nl)
		return -1;
	req = nl_msg(nl, SHOAL_CMD_PERSONA_ADD, 0);
	put_conf(req, c);
	return nl_request(nl, req, NULL, NULL);
}

/* del, takeover and release: a name and nothing else. */
static int persona_name_cmd(int argc, char **argv, uint8_t cmd)
{
	const char *name;
	struct nl_sock *nl;

	if (name_arg(argc, argv, &name) || no_more_args(argc - 1, argv + 1, HINT))
		return -1;
	nl = shoal_nl();
	if (!nl)
		return -1;
	return persona_name_request(nl, cmd, name);
}

static int persona_del(int argc, char **argv)
{
	return persona_name_cmd(argc, argv, SHOAL_CMD_PERSONA_DEL);
}

static int persona_takeover(int argc, char **argv)
{
	return persona_name_cmd(argc, argv, SHOAL_CMD_PERSONA_TAKEOVER);
}

static int persona_release(int argc, char **argv)
{
	return persona_name_cmd(argc, argv, SHOAL_CMD_PERSONA_RELEASE);
}

static const struct cmd commands[] = {
	{ "add", persona_add, false },
	{ "del", persona_del, false },
	{ "delete", persona_del, false },
	{ "show", persona_show, true },
	{ "list", persona_show, false },
	{ "takeover", persona_takeover, false },
	{ "release", persona_release, false },
	{ NULL, NULL, false },
};

int do_persona(int argc, char **argv)
{
	return dispatch(commands, "persona", persona_show, usage, argc, argv);
}
