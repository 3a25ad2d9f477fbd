// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP path: a kfunc an XDP program calls for its verdict, so that
 * packets of buckets another node owns are dropped in the driver, before
 * an skb exists, or, for a distributor service's holder, passed on to
 * their owner from there (xdp_forward.c).
 *
 * It reads the same RCU-published bucket tables the netfilter hooks read:
 * the two paths cannot disagree, and there is no second copy of the
 * ownership to keep in step. It only ever drops what it can judge from
 * unfragmented TCP and UDP of a service with XDP on; everything else (ICMP
 * and its errors, fragments, IPv4 options, IPv6 extension headers, other
 * protocols) passes to the netfilter hooks, which judge every packet
 * anyway.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <net/ip.h>
#include <net/xdp.h>

#include "lookup.h"

static __always_inline bool shoal_xdp_proto(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

/*
 * The verdict on a packet from client of the given family, sent to the
 * service: its protocol and, if TCP or UDP, its ports at ports (within
 * the packet either way).
 */
static __always_inline int shoal_xdp_judge(struct shoal_net *sn,
					   struct shoal_service *svc,
					   struct xdp_buff *xdp, u8 family,
					   const __be32 *client, u8 proto,
					   const __be16 *ports)
{
	u64 match;
	u32 bucket;

	if (likely(!svc))
		return XDP_PASS;
	/* XDP off, or what the service does not serve (the hooks' to drop) */
	match = READ_ONCE(svc->xdp_match);
	if ((((u32)proto << 16 | (__force u16)ports[1]) & (u32)(match >> 32)) !=
	    (u32)match)
		return XDP_PASS;
	/* a service of one protocol has just checked it; others must here */
	if (!(match & SHOAL_XDP_MATCH_PROTO) && !shoal_xdp_proto(proto))
		return XDP_PASS;

	bucket = shoal_flow_bucket(svc, family, client,
				   ntohl(*(const __be32 *)ports));
	/* a moving bucket's packets are judged by the hooks, by socket */
	if (shoal_may_keep(svc, bucket))
		return XDP_PASS;
	if (svc->mode == SHOAL_SERVICE_MODE_DISTRIBUTOR)
		return shoal_distributor_xdp(sn, svc, bucket, xdp);
	shoal_count(svc, bucket, SHOAL_XDP_DROPPED, 0, false);
	return XDP_DROP;
}

static __always_inline int shoal_xdp_ipv4(struct shoal_net *sn,
					  struct xdp_buff *xdp,
					  const struct iphdr *iph)
{
	const __be16 *ports = (const void *)(iph + 1);
	union shoal_addr daddr;

	/* the caller checked the length; options are rare, and the hooks' */
	if (*(const u8 *)iph != 0x45 || ip_is_fragment(iph))
		return XDP_PASS;
	daddr.ip = iph->daddr;
	return shoal_xdp_judge(sn, shoal_service_lookup(sn, AF_INET, &daddr),
			       xdp, AF_INET, &iph->saddr, iph->protocol, ports);
}

static __always_inline int shoal_xdp_ipv6(struct shoal_net *sn,
					  struct xdp_buff *xdp,
					  const struct ipv6hdr *ip6h)
{
	const __be16 *ports = (const void *)(ip6h + 1);
	union shoal_addr daddr;

	/* extension headers too are the hooks': the next header is the
	 * protocol, or the packet passes
	 */
	if ((const void *)(ports + 2) > xdp->data_end)
		return XDP_PASS;
	daddr.ip6 = ip6h->daddr;
	return shoal_xdp_judge(sn, shoal_service_lookup(sn, AF_INET6, &daddr),
			       xdp, AF_INET6, ip6h->saddr.s6_addr32,
			       ip6h->nexthdr, ports);
}

__diag_push();
__diag_ignore_all("-Wmissing-prototypes",
		  "a kfunc: called from BPF programs, declared in BTF");

/**
 * shoal_xdp_verdict - what shoal does with the packet an XDP program holds
 * @ctx: the XDP program's context
 *
 * Return: XDP_DROP for a packet of a service with XDP on whose bucket
 * another node owns; XDP_TX for one a distributor service's holder passes
 * on to its bucket's owner, rewritten for the next hop; XDP_PASS for
 * everything else. For XDP_TX the packet's start may have moved (an outer
 * header): a caller that looks at the packet again derives its pointers
 * again.
 */
noinline int shoal_xdp_verdict(struct xdp_md *ctx)
{
	struct xdp_buff *xdp = (struct xdp_buff *)ctx;
	const void *data = xdp->data;
	const struct ethhdr *eth = data;
	struct shoal_net *sn;

	/* shorter than the shortest packet judged: IPv4 and two ports */
	if (data + ETH_HLEN + sizeof(struct iphdr) + 4 > xdp->data_end)
		return XDP_PASS;
	/* BPF programs run under RCU, which keeps the tables from going away */
	sn = shoal_net_rcu(dev_net(xdp->rxq->dev));
	if (eth->h_proto == htons(ETH_P_IP))
		return shoal_xdp_ipv4(sn, xdp, (const void *)(eth + 1));
	if (eth->h_proto == htons(ETH_P_IPV6))
		return shoal_xdp_ipv6(sn, xdp, (const void *)(eth + 1));
	return XDP_PASS;
}

__diag_pop();

SHOAL_KFUNCS_START(shoal_xdp_kfunc_ids)
BTF_ID_FLAGS(func, shoal_xdp_verdict)
SHOAL_KFUNCS_END(shoal_xdp_kfunc_ids)

static const struct btf_kfunc_id_set shoal_xdp_kfuncs = {
	.owner = THIS_MODULE,
	.set = &shoal_xdp_kfunc_ids,
};

/*
 * Module sets are dropped when the module goes; there is no unregister.
 * A module without BTF registers nothing and is told so only in the log,
 * so check that the set was filled in at build time (its count is written
 * with the ids).
 */
int shoal_xdp_init(void)
{
	int err;

	if (!shoal_xdp_kfunc_ids.cnt) {
		pr_warn("built without BTF ids: XDP is not available\n");
		return 0;
	}
	err = register_btf_kfunc_id_set(BPF_PROG_TYPE_XDP, &shoal_xdp_kfuncs);
	if (err)
		pr_warn("cannot offer XDP kfuncs: %d\n", err);
	return 0;
}
