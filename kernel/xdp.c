// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP path: a kfunc an XDP program calls for its verdict, so that
 * packets of buckets another node owns are dropped in the driver, before
 * an skb exists.
 *
 * It reads the same RCU-published bucket tables the netfilter hooks read:
 * the two paths cannot disagree, and there is no second copy of the
 * ownership to keep in step. It only ever drops what it can judge from
 * the first fragment-free headers (TCP, UDP and other port-less protocols
 * of a service with XDP on); everything else, ICMP errors, fragments and
 * IPv6 extension headers included, passes to the netfilter hooks, which
 * judge every packet anyway.
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

#include "bucket.h"
#include "shoal.h"

/* The service's verdict on a packet from client of protocol proto. */
static int shoal_xdp_judge(struct shoal_service *svc, const __be32 *client,
			   u8 proto, const void *l4, const void *end)
{
	const struct shoal_table *t;
	__be16 sport = 0, dport = 0;
	u32 bucket;

	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		const __be16 *ports = l4;

		if ((const void *)(ports + 2) > end)
			return XDP_PASS;
		sport = ports[0];
		dport = ports[1];
	} else if (svc->port) {
		return XDP_PASS;
	}
	/* what the service does not serve is the hooks' to drop */
	if ((svc->proto && svc->proto != proto) ||
	    (svc->port && svc->port != dport))
		return XDP_PASS;

	bucket = shoal_flow_bucket(svc, client, sport, dport);
	t = rcu_dereference(svc->table);
	if (test_bit(bucket, t->owned))
		return XDP_PASS;
	atomic64_inc(&svc->stats[bucket].xdp_dropped);
	return XDP_DROP;
}

static int shoal_xdp_ipv4(struct shoal_net *sn, const void *nh,
			  const void *end)
{
	const struct iphdr *iph = nh;
	struct shoal_service *svc;
	union shoal_addr daddr;

	if ((const void *)(iph + 1) > end || iph->ihl < 5 ||
	    nh + iph->ihl * 4 > end || ip_is_fragment(iph))
		return XDP_PASS;
	daddr.ip = iph->daddr;
	svc = shoal_service_lookup(sn, AF_INET, &daddr);
	if (likely(!svc) || !READ_ONCE(svc->xdp) || iph->protocol == IPPROTO_ICMP)
		return XDP_PASS;
	return shoal_xdp_judge(svc, &iph->saddr, iph->protocol,
			       nh + iph->ihl * 4, end);
}

static int shoal_xdp_ipv6(struct shoal_net *sn, const void *nh,
			  const void *end)
{
	const struct ipv6hdr *ip6h = nh;
	struct shoal_service *svc;
	union shoal_addr daddr;
	u8 next;

	if ((const void *)(ip6h + 1) > end)
		return XDP_PASS;
	next = ip6h->nexthdr;
	/* extension headers, ICMPv6 (neighbour discovery too): the hooks' */
	if (ipv6_ext_hdr(next) || next == IPPROTO_ICMPV6 || next == IPPROTO_AH ||
	    next == IPPROTO_ESP)
		return XDP_PASS;
	daddr.ip6 = ip6h->daddr;
	svc = shoal_service_lookup(sn, AF_INET6, &daddr);
	if (likely(!svc) || !READ_ONCE(svc->xdp))
		return XDP_PASS;
	return shoal_xdp_judge(svc, ip6h->saddr.s6_addr32, next, ip6h + 1, end);
}

__diag_push();
__diag_ignore_all("-Wmissing-prototypes",
		  "a kfunc: called from BPF programs, declared in BTF");

/**
 * shoal_xdp_verdict - what shoal does with the packet an XDP program holds
 * @ctx: the XDP program's context
 *
 * Return: XDP_DROP for a packet of a service with XDP on whose bucket
 * another node owns, XDP_PASS for everything else.
 */
noinline int shoal_xdp_verdict(struct xdp_md *ctx)
{
	struct xdp_buff *xdp = (struct xdp_buff *)ctx;
	const void *data = xdp->data, *end = xdp->data_end;
	const struct ethhdr *eth = data;
	struct shoal_net *sn;

	if ((const void *)(eth + 1) > end)
		return XDP_PASS;
	/* BPF programs run under RCU: the tables cannot go away */
	sn = shoal_net(dev_net(xdp->rxq->dev));
	if (eth->h_proto == htons(ETH_P_IP))
		return shoal_xdp_ipv4(sn, eth + 1, end);
	if (eth->h_proto == htons(ETH_P_IPV6))
		return shoal_xdp_ipv6(sn, eth + 1, end);
	return XDP_PASS;
}

__diag_pop();

BTF_SET8_START(shoal_xdp_kfunc_ids)
BTF_ID_FLAGS(func, shoal_xdp_verdict)
BTF_SET8_END(shoal_xdp_kfunc_ids)

static const struct btf_kfunc_id_set shoal_xdp_kfuncs = {
	.owner = THIS_MODULE,
	.set = &shoal_xdp_kfunc_ids,
};

/*
 * Module sets are dropped when the module goes; there is no unregister.
 * A module without BTF registers nothing and is told so only in the log,
 * so check that the set's id was filled in at build time.
 */
int shoal_xdp_init(void)
{
	int err;

	if (!shoal_xdp_kfunc_ids.cnt || !shoal_xdp_kfunc_ids.pairs[0].id) {
		pr_warn("built without BTF ids: XDP is not available\n");
		return 0;
	}
	err = register_btf_kfunc_id_set(BPF_PROG_TYPE_XDP, &shoal_xdp_kfuncs);
	if (err)
		pr_warn("cannot offer XDP kfuncs: %d\n", err);
	return 0;
}
