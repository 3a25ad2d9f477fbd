// SPDX-License-Identifier: GPL-2.0
/* A thin layer over libmnl for one generic netlink family. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl.h"
#include "utils.h"

/* How often an interrupted dump is tried before giving up. */
#define NL_DUMP_TRIES	5
#define NL_MAX_GROUPS	8
/* Large enough for any dump part (MNL_SOCKET_DUMP_SIZE of newer libmnl). */
#define NL_RX_SIZE	32768
/*
 * Room for any request: a persona with every node and the longest disks
 * takes about 4.5 KiB, more than MNL_SOCKET_BUFFER_SIZE on 4 KiB pages.
 */
#define NL_TX_SIZE	16384

/* nl_recv() result: failed, and the reason has been printed. */
#define NL_REPORTED	1

struct nl_group {
	char name[GENL_NAMSIZ];
	uint32_t id;
};

struct nl_sock {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint8_t version;
	const char *family_name;
	struct nl_group groups[NL_MAX_GROUPS];
	int ngroups;
	char ext_msg[256];	/* extack message of the last reply */
	size_t tx_size;
	char *tx;
	char *rx;
};

struct mnl_socket *nl_mnl_socket(struct nl_sock *nl)
{
	return nl->sock;
}

uint16_t nl_family_id(struct nl_sock *nl)
{
	return nl->family;
}

static struct nlmsghdr *msg_start(struct nl_sock *nl, uint16_t type,
				  uint8_t cmd, uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	memset(nl->tx, 0, nl->tx_size);
	nlh = mnl_nlmsg_put_header(nl->tx);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nlmsghdr *nl_msg(struct nl_sock *nl, uint8_t cmd, uint16_t flags)
{
	return msg_start(nl, nl->family, cmd, nl->version, flags);
}

static int extack_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if ((type == NLMSGERR_ATTR_MSG &&
	     mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) ||
	    (type == NLMSGERR_ATTR_POLICY &&
	     mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0))
		tb[type] = attr;
	return MNL_CB_OK;
}

static int policy_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	/* shoal's attributes are all unsigned: only those bounds */
	if ((type == NL_POLICY_TYPE_ATTR_MIN_VALUE_U ||
	     type == NL_POLICY_TYPE_ATTR_MAX_VALUE_U) &&
	    mnl_attr_validate(attr, MNL_TYPE_U64) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * The range the rejected attribute's policy allows, after the message
 * ("integer out of range"): the kernel's own limits, whatever this tool
 * believes them to be.
 */
static void append_policy_range(char *msg, size_t size,
				const struct nlattr *policy)
{
	const struct nlattr *tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U + 1] = { NULL };
	size_t len = strlen(msg);

	mnl_attr_parse_nested(policy, policy_cb, tb);
	if (tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] &&
	    tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]) {
		uint64_t min = mnl_attr_get_u64(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]);
		uint64_t max = mnl_attr_get_u64(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]);

		snprintf(msg + len, size - len, ": the kernel takes %llu to %llu",
			 (unsigned long long)min, (unsigned long long)max);
	}
}

/* Keep in @msg the extack message that follows the error code at @offset. */
static void save_extack(const struct nlmsghdr *nlh, size_t offset,
			char *msg, size_t size)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { NULL };
	size_t len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    offset >= mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_parse(nlh, (unsigned int)offset, extack_cb, tb);
	if (!tb[NLMSGERR_ATTR_MSG])
		return;

	snprintf(msg, size, "%s", mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
	/* the printer ends the sentence */
	len = strlen(msg);
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' ' ||
		       msg[len - 1] == '.'))
		msg[--len] = '\0';
	if (tb[NLMSGERR_ATTR_POLICY])
		append_policy_range(msg, size, tb[NLMSGERR_ATTR_POLICY]);
}

int nl_ack_error(const struct nlmsghdr *nlh, char *msg, size_t size)
{
	size_t len = mnl_nlmsg_get_payload_len(nlh);
	const struct nlmsgerr *e;
	size_t offset;
	int err;

	msg[0] = '\0';
	if (nlh->nlmsg_type == NLMSG_DONE) {
		/* a dump may end without an error code */
		if (len < sizeof(int))
			return 0;
		err = *(const int *)mnl_nlmsg_get_payload(nlh);
		offset = sizeof(int);
	} else {
		if (len < sizeof(*e))
			return -EBADMSG;
		e = mnl_nlmsg_get_payload(nlh);
		err = e->error;
		offset = sizeof(*e);
		/* without NETLINK_CAP_ACK the request is echoed before the TLVs */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
		    e->msg.nlmsg_len > sizeof(struct nlmsghdr))
			offset += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	save_extack(nlh, offset, msg, size);
	return err > 0 ? -EPROTO : err;
}

static void print_error(struct nl_sock *nl, int err)
{
	if (nl->ext_msg[0])
		pr_err("%s.", nl->ext_msg);
	else if (err == -ENOMEM)
		/* what the kernel keeps is charged to a memory cgroup */
		pr_err("%s: the kernel is out of memory, or this memory cgroup is at its limit.",
		       strerror(-err));
	else
		pr_err("%s.", strerror(-err));
}

/*
 * Read replies to @seq until the ACK or NLMSG_DONE. Returns 0, a negative
 * errno from the kernel (not printed), or NL_REPORTED. *@intr is set when
 * a dump part was flagged NLM_F_DUMP_INTR; @cb is not called after that.
 */
static int nl_recv(struct nl_sock *nl, uint32_t seq, nl_msg_cb cb,
		   void *data, bool *intr)
{
	bool cb_failed = false;

	nl->ext_msg[0] = '\0';
	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t ret;
		int len, err;

		ret = mnl_socket_recvfrom(nl->sock, nl->rx, NL_RX_SIZE);
		if (ret < 0) {
			pr_err_sys("cannot receive from netlink: %s.",
				   strerror(errno));
			return NL_REPORTED;
		}

		len = (int)ret;
		for (nlh = (const struct nlmsghdr *)nl->rx; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			/* leftovers of an earlier request, or an event */
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid)
				continue;

			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				*intr = true;

			switch (nlh->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_OVERRUN:
				pr_err_sys("%s.", strerror(ENOBUFS));
				return NL_REPORTED;
			case NLMSG_ERROR:
			case NLMSG_DONE:
				err = nl_ack_error(nlh, nl->ext_msg,
						   sizeof(nl->ext_msg));
				if (!err && cb_failed)
					return NL_REPORTED;
				if (!err && nl->ext_msg[0])
					fprintf(stderr, "Warning: %s.\n", nl->ext_msg);
				return err;
			}

			/* keep reading so the socket is clean for the next request */
			if (cb && !cb_failed && !*intr && cb(nlh, data) < 0)
				cb_failed = true;
		}
	}
}

static int nl_send(struct nl_sock *nl, struct nlmsghdr *req)
{
	req->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0) {
		pr_err_sys("cannot send to netlink: %s.", strerror(errno));
		return -1;
	}
	return 0;
}

int nl_request(struct nl_sock *nl, struct nlmsghdr *req, nl_msg_cb cb,
	       void *data)
{
	bool intr = false;
	int err;

	req->nlmsg_flags |= NLM_F_ACK;
	if (nl_send(nl, req))
		return -1;
	err = nl_recv(nl, req->nlmsg_seq, cb, data, &intr);
	if (err < 0) {
		print_error(nl, err);
		fail_as(STATUS_REFUSED);
	}
	return err ? -1 : 0;
}

int nl_dump(struct nl_sock *nl, struct nlmsghdr *req, nl_msg_cb cb,
	    nl_restart_cb restart, void *data)
{
	int try, err;

	req->nlmsg_flags |= NLM_F_DUMP;
	for (try = 0; try < NL_DUMP_TRIES; try++) {
		bool intr = false;

		if (try && restart)
			restart(data);
		if (nl_send(nl, req))
			return -1;
		err = nl_recv(nl, req->nlmsg_seq, cb, data, &intr);
		if (err < 0) {
			print_error(nl, err);
			fail_as(STATUS_REFUSED);
		}
		if (err)
			return -1;
		if (!intr)
			return 0;
	}
	pr_err_sys("the dump was interrupted by concurrent changes %d times; try again.",
		   NL_DUMP_TRIES);
	return -1;
}

struct parse_ctx {
	const enum mnl_attr_data_type *policy;
	unsigned int max;
	const struct nlattr **tb;
	uint16_t bad;
};

static int parse_cb(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type > ctx->max)
		return MNL_CB_OK;
	if (ctx->policy[type] != MNL_TYPE_UNSPEC &&
	    mnl_attr_validate(attr, ctx->policy[type]) < 0) {
		ctx->bad = type;
		return MNL_CB_ERROR;
	}
	ctx->tb[type] = attr;
	return MNL_CB_OK;
}

int nl_parse(const struct nlmsghdr *nlh, const enum mnl_attr_data_type *policy,
	     unsigned int max, const struct nlattr **tb)
{
	struct parse_ctx ctx = { policy, max, tb, 0 };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr) ||
	    mnl_attr_parse(nlh, sizeof(struct genlmsghdr), parse_cb, &ctx) < 0) {
		pr_err_sys("malformed reply from the kernel (attribute %u).",
			   ctx.bad);
		return -1;
	}
	return 0;
}

static int group_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type == CTRL_ATTR_MCAST_GRP_NAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		tb[type] = attr;
	if (type == CTRL_ATTR_MCAST_GRP_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static void save_groups(struct nl_sock *nl, const struct nlattr *groups)
{
	const struct nlattr *pos;

	mnl_attr_for_each_nested(pos, groups) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { NULL };
		struct nl_group *g;

		if (nl->ngroups == NL_MAX_GROUPS)
			break;
		mnl_attr_parse_nested(pos, group_cb, tb);
		if (!tb[CTRL_ATTR_MCAST_GRP_NAME] || !tb[CTRL_ATTR_MCAST_GRP_ID])
			continue;
		g = &nl->groups[nl->ngroups++];
		snprintf(g->name, sizeof(g->name), "%s",
			 mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]));
		g->id = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	static const enum mnl_attr_data_type policy[CTRL_ATTR_MAX + 1] = {
		[CTRL_ATTR_FAMILY_ID] = MNL_TYPE_U16,
		[CTRL_ATTR_MCAST_GROUPS] = MNL_TYPE_NESTED,
	};
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct nl_sock *nl = data;

	if (nl_parse(nlh, policy, CTRL_ATTR_MAX, tb))
		return -1;
	if (!tb[CTRL_ATTR_FAMILY_ID]) {
		pr_err_sys("malformed reply from the kernel (no family id).");
		return -1;
	}
	nl->family = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		save_groups(nl, tb[CTRL_ATTR_MCAST_GROUPS]);
	return 0;
}

static int resolve_family(struct nl_sock *nl, const char *name)
{
	struct nlmsghdr *req;
	bool intr = false;
	int err;

	req = msg_start(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	mnl_attr_put_strz(req, CTRL_ATTR_FAMILY_NAME, name);
	if (nl_send(nl, req))
		return -1;

	err = nl_recv(nl, req->nlmsg_seq, family_cb, nl, &intr);
	/* whatever the controller says, the family is not there to ask */
	if (err)
		fail_as(STATUS_SYSTEM);
	if (err == -ENOENT) {
		pr_err("the %s module is not loaded (try: modprobe %s).",
		       name, name);
		return -1;
	}
	if (err < 0)
		print_error(nl, err);
	if (err)
		return -1;
	if (!nl->family) {
		pr_err_sys("the kernel did not report the %s family id.", name);
		return -1;
	}
	return 0;
}

struct nl_sock *nl_open(const char *family, uint8_t version)
{
	struct nl_sock *nl;
	int one = 1;

	nl = calloc(1, sizeof(*nl));
	if (!nl) {
		pr_err_sys("out of memory.");
		return NULL;
	}
	nl->family_name = family;
	nl->version = version;
	nl->tx_size = NL_TX_SIZE;
	nl->tx = malloc(nl->tx_size);
	nl->rx = malloc(NL_RX_SIZE);
	if (!nl->tx || !nl->rx) {
		pr_err_sys("out of memory.");
		goto fail;
	}

	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		pr_err_sys("cannot open a generic netlink socket: %s.",
			   strerror(errno));
		goto fail;
	}
	/* older kernels lack these; errors then just carry less detail */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));

	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		pr_err_sys("cannot bind the netlink socket: %s.",
			   strerror(errno));
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);

	if (resolve_family(nl, family))
		goto fail;
	return nl;

fail:
	nl_close(nl);
	return NULL;
}

void nl_close(struct nl_sock *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->tx);
	free(nl->rx);
	free(nl);
}

int nl_mcast_join(struct nl_sock *nl, const char *name)
{
	int i;

	for (i = 0; i < nl->ngroups; i++) {
		if (strcmp(nl->groups[i].name, name))
			continue;
		if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP,
					  &nl->groups[i].id,
					  sizeof(nl->groups[i].id)) < 0) {
			int err = errno;

			/* listening needs CAP_NET_ADMIN: a refusal */
			if (err == EPERM) {
				fail_as(STATUS_REFUSED);
				pr_err("cannot join multicast group \"%s\": %s.",
				       name, strerror(err));
			} else {
				pr_err_sys("cannot join multicast group \"%s\": %s.",
					   name, strerror(err));
			}
			return -1;
		}
		return 0;
	}
	pr_err_sys("the %s family has no multicast group \"%s\".",
		   nl->family_name, name);
	return -1;
}
