// SPDX-License-Identifier: GPL-2.0
/*
 * A persona's addresses go on its interface on the owner only: on any
 * other node, an IPv4 address would be local even on an interface that
 * is down. The core offers modules no call to add or remove an address,
 * so the module asks as userspace would, over an rtnetlink socket of its
 * own in the namespace, and reads the answer.
 */
#include <linux/if_addr.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/socket.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "shoal.h"

int shoal_rtnl_open(struct shoal_net *sn)
{
	if (sn->rtnl_sock)
		return 0;
	return sock_create_kern(sn->net, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE,
				&sn->rtnl_sock);
}

void shoal_rtnl_close(struct shoal_net *sn)
{
	if (sn->rtnl_sock) {
		sock_release(sn->rtnl_sock);
		sn->rtnl_sock = NULL;
	}
}

/* Send one request and return the kernel's answer to it: 0 or -errno. */
static int shoal_rtnl_request(struct shoal_net *sn, struct sk_buff *req)
{
	/* an explicit destination: the kernel, so the request is trusted
	 * as this work's (CAP_NET_ADMIN in the namespace), not as a file's
	 */
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct msghdr msg = { .msg_name = &kernel,
			      .msg_namelen = sizeof(kernel) };
	struct kvec iov = { req->data, req->len };
	struct nlmsghdr *nlh;
	u8 ack[NLMSG_HDRLEN + sizeof(struct nlmsgerr) + 64];
	int len;

	len = kernel_sendmsg(sn->rtnl_sock, &msg, &iov, 1, req->len);
	if (len < 0)
		return len;
	/* rtnetlink answers before sendmsg returns */
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = ack;
	iov.iov_len = sizeof(ack);
	len = kernel_recvmsg(sn->rtnl_sock, &msg, &iov, 1, sizeof(ack),
			     MSG_DONTWAIT | MSG_TRUNC);
	if (len < (int)(NLMSG_HDRLEN + sizeof(struct nlmsgerr)))
		return len < 0 ? len : -EIO;
	nlh = (struct nlmsghdr *)ack;
	if (nlh->nlmsg_type != NLMSG_ERROR)
		return -EIO;
	return ((struct nlmsgerr *)nlmsg_data(nlh))->error;
}

/* Add or remove one address of interface ifindex, as "ip address" would. */
int shoal_rtnl_addr(struct shoal_net *sn, int ifindex,
		    const struct shoal_prefix *prefix, bool add)
{
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	struct sk_buff *req;
	int err;

	if (!sn->rtnl_sock)
		return -ENOTCONN;
	req = nlmsg_new(NLMSG_ALIGN(sizeof(*ifa)) + 2 * nla_total_size(16) +
			nla_total_size(4), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	nlh = nlmsg_put(req, 0, 0, add ? RTM_NEWADDR : RTM_DELADDR,
			sizeof(*ifa), NLM_F_REQUEST | NLM_F_ACK |
			(add ? NLM_F_CREATE | NLM_F_REPLACE : 0));
	if (!nlh) {
		err = -EMSGSIZE;
		goto out;
	}
	ifa = nlmsg_data(nlh);
	memset(ifa, 0, sizeof(*ifa));
	ifa->ifa_family = prefix->family;
	ifa->ifa_prefixlen = prefix->len;
	ifa->ifa_index = ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	if (prefix->family == AF_INET)
		err = nla_put_in_addr(req, IFA_LOCAL, prefix->addr.ip) ||
		      nla_put_in_addr(req, IFA_ADDRESS, prefix->addr.ip);
	else
		/* usable the moment the interface is up: no DAD */
		err = nla_put_in6_addr(req, IFA_ADDRESS, &prefix->addr.ip6) ||
		      nla_put_u32(req, IFA_FLAGS, IFA_F_NODAD);
	if (err) {
		err = -EMSGSIZE;
		goto out;
	}
	nlmsg_end(req, nlh);
	err = shoal_rtnl_request(sn, req);
out:
	kfree_skb(req);
	return err;
}
