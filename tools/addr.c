// SPDX-License-Identifier: GPL-2.0
/* The service address on lo, over rtnetlink. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "addr.h"
#include "nl.h"
#include "utils.h"

#define LO_NAME		"lo"
/* One address request, or an ACK with its extack message. */
#define RTNL_BUF_SIZE	8192

/* rtnl_addr() result: failed, and the reason has been printed. */
#define RTNL_REPORTED	1

union rtnl_buf {
	struct nlmsghdr nlh;	/* for alignment */
	char data[RTNL_BUF_SIZE];
};

/*
 * Send an RTM_NEWADDR or RTM_DELADDR for @addr on @ifindex and wait for
 * the ACK. Returns 0, a negative errno from the kernel with any extack
 * message in @msg (not printed), or RTNL_REPORTED.
 */
static int rtnl_addr(uint16_t type, uint16_t flags, const struct shoal_addr *addr,
		     uint32_t ifindex, char *msg, size_t size)
{
	static union rtnl_buf buf;
	const void *data = addr->family == AF_INET ? (const void *)&addr->v4 :
						     (const void *)&addr->v6;
	struct mnl_socket *sock;
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	uint32_t portid;
	int one = 1, ret;

	msg[0] = '\0';
	/* opened here, after any -n: a socket stays in the netns it starts in */
	sock = mnl_socket_open(NETLINK_ROUTE);
	if (!sock) {
		pr_err_sys("cannot open a routing netlink socket: %s.", strerror(errno));
		return RTNL_REPORTED;
	}
	mnl_socket_setsockopt(sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		pr_err_sys("cannot bind the routing netlink socket: %s.",
			   strerror(errno));
		ret = RTNL_REPORTED;
		goto out;
	}
	portid = mnl_socket_get_portid(sock);

	nlh = mnl_nlmsg_put_header(buf.data);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = 1;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)addr->family;
	ifa->ifa_prefixlen = (uint8_t)addr_bits(addr);
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	if (addr->family == AF_INET6) {
		/* nobody else may claim it: it is ours by configuration */
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	/* local and peer alike, as ip sends a host address */
	mnl_attr_put(nlh, IFA_LOCAL, addr_len(addr), data);
	mnl_attr_put(nlh, IFA_ADDRESS, addr_len(addr), data);
	if (type == RTM_NEWADDR)
		mnl_attr_put_u8(nlh, IFA_PROTO, SHOAL_ADDR_PROTO);

	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0) {
		pr_err_sys("cannot send to routing netlink: %s.", strerror(errno));
		ret = RTNL_REPORTED;
		goto out;
	}

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(sock, buf.data, sizeof(buf));
		int len;

		if (n < 0) {
			pr_err_sys("cannot receive from routing netlink: %s.",
				   strerror(errno));
			ret = RTNL_REPORTED;
			goto out;
		}
		len = (int)n;
		for (nlh = &buf.nlh; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != 1 || nlh->nlmsg_pid != portid ||
			    nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			ret = nl_ack_error(nlh, msg, size);
			goto out;
		}
	}

out:
	mnl_socket_close(sock);
	return ret;
}

/* Error: cannot add 192.0.2.1/32 to lo: <reason>. */
static void print_failure(const char *verb, const char *prep,
			  const struct shoal_addr *addr, int err, const char *msg)
{
	char buf[ADDR_STRLEN];

	pr_err("cannot %s %s/%u %s " LO_NAME ": %s.", verb,
	       format_addr(addr, buf), addr_bits(addr), prep,
	       msg[0] ? msg : strerror(-err));
	fail_as(STATUS_REFUSED);
}

int addr_add_lo(const struct shoal_addr *addr)
{
	unsigned int ifindex = if_nametoindex(LO_NAME);
	char msg[256];
	int err;

	if (!ifindex) {
		pr_err("device \"" LO_NAME "\" does not exist.");
		return -1;
	}
	err = rtnl_addr(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, addr, ifindex,
			msg, sizeof(msg));
	if (err == RTNL_REPORTED)
		return -1;
	if (err == -EEXIST)
		return 0;
	if (err) {
		print_failure("add", "to", addr, err, msg);
		return -1;
	}
	return 1;
}

struct proto_query {
	const struct shoal_addr *addr;
	unsigned int ifindex;
	int proto;		/* -1: not found */
};

static int proto_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= IFA_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int proto_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFA_MAX + 1] = { NULL };
	struct proto_query *q = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *local;

	if (ifa->ifa_index != q->ifindex || ifa->ifa_family != q->addr->family ||
	    ifa->ifa_prefixlen != addr_bits(q->addr))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), proto_attr_cb, tb);
	local = tb[IFA_LOCAL] ?: tb[IFA_ADDRESS];
	if (!local || mnl_attr_get_payload_len(local) != addr_len(q->addr) ||
	    memcmp(mnl_attr_get_payload(local),
		   q->addr->family == AF_INET ? (const void *)&q->addr->v4 :
						(const void *)&q->addr->v6,
		   addr_len(q->addr)))
		return MNL_CB_OK;
	q->proto = tb[IFA_PROTO] && mnl_attr_get_payload_len(tb[IFA_PROTO]) == 1 ?
		   mnl_attr_get_u8(tb[IFA_PROTO]) : 0;
	return MNL_CB_OK;
}

/*
 * The address protocol of @addr on @ifindex in *@proto (-1: not there).
 * Returns 0, RTNL_REPORTED, or RTNL_INTR if the addresses changed during
 * the dump.
 */
#define RTNL_INTR	2

static int addr_proto_dump(const struct shoal_addr *addr, unsigned int ifindex,
			   int *proto)
{
	static union rtnl_buf buf;
	struct proto_query q = { addr, ifindex, -1 };
	struct mnl_socket *sock;
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	uint32_t portid;
	int one = 1, ret;
	ssize_t n;

	sock = mnl_socket_open(NETLINK_ROUTE);
	if (!sock || mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		pr_err_sys("cannot open a routing netlink socket: %s.", strerror(errno));
		if (sock)
			mnl_socket_close(sock);
		return RTNL_REPORTED;
	}
	portid = mnl_socket_get_portid(sock);
	/* the kernel then dumps lo's addresses only */
	mnl_socket_setsockopt(sock, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	nlh = mnl_nlmsg_put_header(buf.data);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)addr->family;
	ifa->ifa_index = ifindex;
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0) {
		pr_err_sys("cannot send to routing netlink: %s.", strerror(errno));
		mnl_socket_close(sock);
		return RTNL_REPORTED;
	}
	do {
		n = mnl_socket_recvfrom(sock, buf.data, sizeof(buf));
		ret = n < 0 ? MNL_CB_ERROR :
		      mnl_cb_run(buf.data, (size_t)n, 1, portid, proto_cb, &q);
	} while (ret > MNL_CB_STOP);
	if (ret == MNL_CB_ERROR) {
		if (errno == EINTR) {
			mnl_socket_close(sock);
			return RTNL_INTR;
		}
		pr_err_sys("cannot read the addresses of " LO_NAME ": %s.",
			   strerror(errno));
		mnl_socket_close(sock);
		return RTNL_REPORTED;
	}
	mnl_socket_close(sock);
	*proto = q.proto;
	return 0;
}

static int addr_proto(const struct shoal_addr *addr, unsigned int ifindex,
		      int *proto)
{
	int tries, ret = RTNL_INTR;

	/* a dump torn by a change in the addresses is taken again */
	for (tries = 0; ret == RTNL_INTR && tries < 10; tries++)
		ret = addr_proto_dump(addr, ifindex, proto);
	if (ret == RTNL_INTR) {
		pr_err("cannot read the addresses of " LO_NAME ": they keep changing.");
		fail_as(STATUS_SYSTEM);
		return RTNL_REPORTED;
	}
	return ret;
}

int addr_del_lo(const struct shoal_addr *addr)
{
	unsigned int ifindex = if_nametoindex(LO_NAME);
	char msg[256];
	int err, proto;

	if (!ifindex)
		return 0;
	if (addr_proto(addr, ifindex, &proto))
		return -1;
	/* gone, or not shoal's */
	if (proto != SHOAL_ADDR_PROTO)
		return 0;
	err = rtnl_addr(RTM_DELADDR, 0, addr, ifindex, msg, sizeof(msg));
	if (err == RTNL_REPORTED)
		return -1;
	if (err && err != -EADDRNOTAVAIL && err != -ENOENT && err != -ENODEV) {
		print_failure("remove", "from", addr, err, msg);
		return -1;
	}
	return 0;
}
