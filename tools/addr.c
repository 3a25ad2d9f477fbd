// SPDX-License-Identifier: GPL-2.0
/* Addresses over rtnetlink: services' on lo, personas' on their interface. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "addr.h"
#include "utils.h"

#define LO_NAME		"lo"
/* One address request, or an ACK with its extack message. */
#define RTNL_BUF_SIZE	8192
/* One part of an address dump (MNL_SOCKET_DUMP_SIZE of newer libmnl). */
#define RTNL_DUMP_SIZE	32768
/* How often an interrupted dump is tried before giving up. */
#define RTNL_DUMP_TRIES	5

/* rtnl_addr() result: failed, and the reason has been printed. */
#define RTNL_REPORTED	1

union rtnl_buf {
	struct nlmsghdr nlh;	/* for alignment */
	char data[RTNL_BUF_SIZE];
};

static int extack_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* The error code of an ACK, and its extack message in @msg. */
static int ack_error(const struct nlmsghdr *nlh, char *msg, size_t size)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { NULL };
	const struct nlmsgerr *e;
	size_t offset, len;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EBADMSG;
	e = mnl_nlmsg_get_payload(nlh);
	offset = sizeof(*e);
	/* without NETLINK_CAP_ACK the request is echoed before the TLVs */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len > sizeof(struct nlmsghdr))
		offset += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    offset < mnl_nlmsg_get_payload_len(nlh))
		mnl_attr_parse(nlh, (unsigned int)offset, extack_cb, tb);
	if (tb[NLMSGERR_ATTR_MSG]) {
		snprintf(msg, size, "%s", mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
		len = strlen(msg);
		while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' ' ||
			       msg[len - 1] == '.'))
			msg[--len] = '\0';
	}
	return e->error > 0 ? -EPROTO : e->error;
}

/*
 * A routing netlink socket with extended ACKs, opened here, after any -n:
 * a socket stays in the netns it starts in. Returns NULL (printed).
 */
static struct mnl_socket *rtnl_open(uint32_t *portid)
{
	struct mnl_socket *sock;
	int one = 1;

	sock = mnl_socket_open(NETLINK_ROUTE);
	if (!sock) {
		pr_err("cannot open a routing netlink socket: %s.", strerror(errno));
		return NULL;
	}
	mnl_socket_setsockopt(sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(sock, NETLINK_CAP_ACK, &one, sizeof(one));
	/* lets the kernel filter a dump by interface; older ones ignore it */
	mnl_socket_setsockopt(sock, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		pr_err("cannot bind the routing netlink socket: %s.",
		       strerror(errno));
		mnl_socket_close(sock);
		return NULL;
	}
	*portid = mnl_socket_get_portid(sock);
	return sock;
}

/*
 * Send an RTM_NEWADDR or RTM_DELADDR for @addr/@plen with the IFA_F_* bits
 * @ifa_flags on @ifindex and wait for the ACK. Returns 0, a negative errno
 * from the kernel with any extack message in @msg (not printed), or
 * RTNL_REPORTED.
 */
static int rtnl_addr(uint16_t type, uint16_t flags, const struct shoal_addr *addr,
		     unsigned int plen, uint32_t ifa_flags, uint32_t ifindex,
		     char *msg, size_t size)
{
	static union rtnl_buf buf;
	const void *data = addr->family == AF_INET ? (const void *)&addr->v4 :
						     (const void *)&addr->v6;
	struct mnl_socket *sock;
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	uint32_t portid;
	int ret;

	msg[0] = '\0';
	sock = rtnl_open(&portid);
	if (!sock)
		return RTNL_REPORTED;

	nlh = mnl_nlmsg_put_header(buf.data);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = 1;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)addr->family;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	if (ifa_flags) {
		/* the header has room for the low 8 bits only */
		ifa->ifa_flags = (uint8_t)ifa_flags;
		mnl_attr_put_u32(nlh, IFA_FLAGS, ifa_flags);
	}
	/* local and peer alike, as ip sends an address without a peer */
	mnl_attr_put(nlh, IFA_LOCAL, addr_len(addr), data);
	mnl_attr_put(nlh, IFA_ADDRESS, addr_len(addr), data);

	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0) {
		pr_err("cannot send to routing netlink: %s.", strerror(errno));
		ret = RTNL_REPORTED;
		goto out;
	}

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(sock, buf.data, sizeof(buf));
		int len;

		if (n < 0) {
			pr_err("cannot receive from routing netlink: %s.",
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
			ret = ack_error(nlh, msg, size);
			goto out;
		}
	}

out:
	mnl_socket_close(sock);
	return ret;
}

/* Error: cannot add 192.0.2.1/32 to lo: <reason>. */
static void print_failure(const char *verb, const char *prep,
			  const struct shoal_addr *addr, unsigned int plen,
			  const char *ifname, int err, const char *msg)
{
	char buf[ADDR_STRLEN];

	pr_err("cannot %s %s/%u %s %s: %s.", verb, format_addr(addr, buf), plen,
	       prep, ifname, msg[0] ? msg : strerror(-err));
}

/* Service addresses need no duplicate address detection: ours by configuration. */
static uint32_t lo_flags(const struct shoal_addr *addr)
{
	return addr->family == AF_INET6 ? IFA_F_NODAD : 0;
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
	err = rtnl_addr(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, addr,
			addr_bits(addr), lo_flags(addr), ifindex, msg, sizeof(msg));
	if (err == RTNL_REPORTED)
		return -1;
	/* already there, say from a service that was deleted by hand */
	if (err && err != -EEXIST) {
		print_failure("add", "to", addr, addr_bits(addr), LO_NAME, err, msg);
		return -1;
	}
	return 0;
}

int addr_del_lo(const struct shoal_addr *addr)
{
	unsigned int ifindex = if_nametoindex(LO_NAME);
	char msg[256];
	int err;

	if (!ifindex)
		return 0;
	err = rtnl_addr(RTM_DELADDR, 0, addr, addr_bits(addr), lo_flags(addr),
			ifindex, msg, sizeof(msg));
	if (err == RTNL_REPORTED)
		return -1;
	if (err && err != -EADDRNOTAVAIL && err != -ENOENT && err != -ENODEV) {
		print_failure("remove", "from", addr, addr_bits(addr), LO_NAME,
			      err, msg);
		return -1;
	}
	return 0;
}

int addr_add_dev(const char *ifname, const struct shoal_addr *addr,
		 unsigned int plen, uint32_t flags)
{
	unsigned int ifindex = 0;
	char msg[256];
	int err;

	if (*ifname && strlen(ifname) < IF_NAMESIZE)
		ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		pr_err("device \"%s\" does not exist.", ifname);
		return -1;
	}
	err = rtnl_addr(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, addr, plen,
			flags, ifindex, msg, sizeof(msg));
	if (err == RTNL_REPORTED)
		return -1;
	if (err) {
		print_failure("add", "to", addr, plen, ifname, err, msg);
		return -1;
	}
	return 0;
}

struct addr_list {
	uint32_t ifindex;	/* 0: every interface */
	struct dev_addr *items;
	size_t count;
	size_t size;
};

static int ifa_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if ((type == IFA_LOCAL || type == IFA_ADDRESS) &&
	    mnl_attr_validate(attr, MNL_TYPE_BINARY) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* Keep one RTM_NEWADDR of a dump. Returns 0 or -1 (printed). */
static int addr_keep(const struct nlmsghdr *nlh, struct addr_list *list)
{
	const struct nlattr *tb[IFA_MAX + 1] = { NULL };
	const struct ifaddrmsg *ifa;
	const struct nlattr *a;
	struct dev_addr *d;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		goto malformed;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	if (list->ifindex && ifa->ifa_index != list->ifindex)
		return 0;
	if (mnl_attr_parse(nlh, sizeof(*ifa), ifa_attr_cb, tb) < 0)
		goto malformed;
	/* IPv4 puts the address in LOCAL (ADDRESS is the peer); IPv6 in ADDRESS */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a)
		return 0;

	if (list->count == list->size) {
		size_t size = list->size ? list->size * 2 : 16;
		struct dev_addr *items = realloc(list->items, size * sizeof(*items));

		if (!items) {
			pr_err("out of memory.");
			return -1;
		}
		list->items = items;
		list->size = size;
	}
	d = &list->items[list->count];
	if (addr_from_bytes(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a),
			    &d->addr) ||
	    d->addr.family != ifa->ifa_family)
		goto malformed;
	d->ifindex = ifa->ifa_index;
	d->plen = ifa->ifa_prefixlen;
	list->count++;
	return 0;

malformed:
	pr_err("malformed address from routing netlink.");
	return -1;
}

/*
 * One try of the dump: 0, 1 if it was interrupted and should be tried
 * again, or -1 (printed).
 */
static int addr_dump_once(struct mnl_socket *sock, uint32_t portid,
			  uint32_t seq, char *buf, struct addr_list *list)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	bool intr = false;
	char msg[256];
	int err;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	ifa->ifa_index = list->ifindex;
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0) {
		pr_err("cannot send to routing netlink: %s.", strerror(errno));
		return -1;
	}

	list->count = 0;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(sock, buf, RTNL_DUMP_SIZE);
		int len;

		if (n < 0) {
			pr_err("cannot receive from routing netlink: %s.",
			       strerror(errno));
			return -1;
		}
		len = (int)n;
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			switch (nlh->nlmsg_type) {
			case NLMSG_DONE:
				return intr ? 1 : 0;
			case NLMSG_ERROR:
				msg[0] = '\0';
				err = ack_error(nlh, msg, sizeof(msg));
				pr_err("cannot list addresses: %s.",
				       msg[0] ? msg : strerror(-err));
				return -1;
			case RTM_NEWADDR:
				if (!intr && addr_keep(nlh, list))
					return -1;
				break;
			}
		}
	}
}

int addr_dump(uint32_t ifindex, struct dev_addr **out, size_t *count)
{
	struct addr_list list = { .ifindex = ifindex };
	struct mnl_socket *sock;
	uint32_t portid, seq;
	int ret = -1;
	char *buf;

	*out = NULL;
	*count = 0;
	buf = malloc(RTNL_DUMP_SIZE);
	if (!buf) {
		pr_err("out of memory.");
		return -1;
	}
	sock = rtnl_open(&portid);
	if (!sock)
		goto out;
	for (seq = 1; seq <= RTNL_DUMP_TRIES; seq++) {
		ret = addr_dump_once(sock, portid, seq, buf, &list);
		if (ret <= 0)
			break;
	}
	mnl_socket_close(sock);
	if (ret > 0) {
		pr_err("the address dump was interrupted by concurrent changes %d times; try again.",
		       RTNL_DUMP_TRIES);
		ret = -1;
	}
out:
	free(buf);
	if (ret) {
		free(list.items);
		return -1;
	}
	if (!list.count) {
		free(list.items);
		list.items = NULL;
	}
	*out = list.items;
	*count = list.count;
	return 0;
}
