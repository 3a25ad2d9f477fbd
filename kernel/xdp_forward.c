// SPDX-License-Identifier: GPL-2.0
/*
 * A distributor's passing on, in XDP: the holder of a distributor
 * service's address sends a packet of another node's bucket back out of
 * the device it came in on (XDP_TX), to that node's MAC on the link, or
 * inside an IP-in-IP (IPv6-in-IPv6) header to the node's address through
 * the gateway, as the netfilter path does (distributor.c) but before an
 * skb exists.
 *
 * Only the plain case is done here: a frame to this device's MAC whose
 * IP header the stack would accept, one route through the device it came
 * in on, a neighbour entry in use (reachable, or being confirmed), room
 * in the MTU and the headroom. Everything else passes to the netfilter
 * path, which resolves neighbours, fragments the outer packet, and drops
 * and counts what the stack drops; a neighbour entry gone stale is
 * refreshed by the packets that path sends, after which this one takes
 * over again. No state is kept here: the route and neighbour tables are
 * read for every packet, under the RCU that XDP runs in.
 */
#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/addrconf.h>
#include <net/arp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_fib.h>
#include <net/ip6_route.h>
#include <net/ip_fib.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/ndisc.h>
#include <net/nexthop.h>
#include <net/xdp.h>

#include "lookup.h"

/* Where a packet goes next: the MAC, and whether in IP in IP. */
struct shoal_xdp_hop {
	u8 mac[ETH_ALEN];
	bool encap;
	u32 mtu;
	u8 hoplimit;		/* of the outer header */
};

/*
 * The MAC of a neighbour in use: reachable, or being confirmed (the stack
 * sends to it then too). Marked used, as the stack's sending does, so
 * that it is confirmed again rather than left to go stale.
 */
static bool shoal_xdp_neigh(struct neighbour *neigh,
			    const struct net_device *dev, u8 *mac)
{
	unsigned long now = jiffies;

	if (!neigh || !(READ_ONCE(neigh->nud_state) &
			(NUD_CONNECTED | NUD_DELAY | NUD_PROBE)))
		return false;
	/* one write a tick at most: the entry is shared by every CPU */
	if (READ_ONCE(neigh->used) != now)
		WRITE_ONCE(neigh->used, now);
	neigh_ha_snapshot(mac, neigh, dev);
	return true;
}

static bool shoal_xdp_route4(struct net *net, struct net_device *dev,
			     __be32 from, __be32 to, struct shoal_xdp_hop *hop)
{
	/* as an output route looks it up (ip_route_output_key()) */
	struct flowi4 fl4 = {
		.daddr = to,
		.saddr = from,
		.flowi4_iif = LOOPBACK_IFINDEX,
	};
	struct fib_nh_common *nhc;
	struct fib_result res;
	__be32 next = to;

	if (fib_lookup(net, &fl4, &res, FIB_LOOKUP_NOREF) ||
	    res.type != RTN_UNICAST || fib_info_num_path(res.fi) > 1)
		return false;
	nhc = res.nhc;
	if (nhc->nhc_dev != dev || nhc->nhc_lwtstate ||
	    nhc->nhc_gw_family == AF_INET6)
		return false;
	hop->encap = nhc->nhc_gw_family == AF_INET;
	if (hop->encap)
		next = nhc->nhc_gw.ipv4;
	/* not the path MTU learnt: the outer header may be fragmented on
	 * the way (DF clear), as on the netfilter path
	 */
	hop->mtu = res.fi->fib_mtu ?: READ_ONCE(dev->mtu);
	hop->hoplimit = res.fi->fib_metrics->metrics[RTAX_HOPLIMIT - 1] ?:
			READ_ONCE(net->ipv4.sysctl_ip_default_ttl);
	return shoal_xdp_neigh(__ipv4_neigh_lookup_noref(dev, (__force u32)next),
			       dev, hop->mac);
}

static bool shoal_xdp_route6(struct net *net, struct net_device *dev,
			     const struct in6_addr *from,
			     const struct in6_addr *to, struct shoal_xdp_hop *hop)
{
	/* as an output route looks it up (ip6_route_output()) */
	struct flowi6 fl6 = {
		.daddr = *to,
		.saddr = *from,
		.flowi6_iif = LOOPBACK_IFINDEX,
	};
	int flags = RT6_LOOKUP_F_HAS_SADDR;
	const struct in6_addr *next = to;
	struct fib6_result res = {};
	struct inet6_dev *idev;

	if (!READ_ONCE(net->ipv6.devconf_all->forwarding))
		flags |= RT6_LOOKUP_F_REACHABLE;
	if (ipv6_stub->fib6_lookup(net, 0, &fl6, &res, flags) || !res.f6i ||
	    res.f6i == net->ipv6.fib6_null_entry ||
	    res.fib6_type != RTN_UNICAST || res.f6i->fib6_nsiblings ||
	    (res.f6i->nh && nexthop_is_multipath(res.f6i->nh)))
		return false;
	if (res.nh->fib_nh_dev != dev || res.nh->fib_nh_lws)
		return false;
	hop->encap = res.nh->fib_nh_gw_family != 0;
	if (hop->encap)
		next = &res.nh->fib_nh_gw6;
	/* the device's IPv6 MTU, the route's and the path's learnt */
	hop->mtu = ipv6_stub->ip6_mtu_from_fib6(&res, to, from);
	idev = __in6_dev_get(dev);
	hop->hoplimit = res.f6i->fib6_metrics->metrics[RTAX_HOPLIMIT - 1] ?:
			(idev ? READ_ONCE(idev->cnf.hop_limit) :
				READ_ONCE(net->ipv6.devconf_all->hop_limit));
	return shoal_xdp_neigh(__ipv6_neigh_lookup_noref_stub(dev, next),
			       dev, hop->mac);
}

/*
 * Room for an outer header in front of the packet, or false. XDP_TX
 * builds its frame at the start of the headroom; metadata would have to
 * move along, and shoal's program sets none.
 */
static bool shoal_xdp_room(const struct xdp_buff *xdp, unsigned int len)
{
	if (!xdp_data_meta_unsupported(xdp) && xdp->data_meta != xdp->data)
		return false;
	return xdp->data - len >= xdp->data_hard_start + sizeof(struct xdp_frame);
}

static void shoal_xdp_push(struct xdp_buff *xdp, unsigned int len)
{
	xdp->data -= len;
	if (!xdp_data_meta_unsupported(xdp))
		xdp->data_meta = xdp->data;
}

/* The Ethernet header for the next hop, at the packet's (new) start. */
static void shoal_xdp_eth(struct xdp_buff *xdp, const struct net_device *dev,
			  const struct shoal_xdp_hop *hop, __be16 proto)
{
	struct ethhdr *eth = xdp->data;

	ether_addr_copy(eth->h_dest, hop->mac);
	ether_addr_copy(eth->h_source, dev->dev_addr);
	eth->h_proto = proto;
}

/*
 * An IPv4 header in front of the packet (of len bytes, its TTL already
 * lowered), from this node to the owner; the caller made room.
 */
static void shoal_xdp_outer4(struct net *net, struct xdp_buff *xdp,
			     unsigned int len, __be32 from, __be32 to,
			     u8 ttl)
{
	struct iphdr *outer, *iph;

	shoal_xdp_push(xdp, sizeof(*outer));
	outer = xdp->data + ETH_HLEN;
	iph = outer + 1;
	outer->version = 4;
	outer->ihl = sizeof(*outer) >> 2;
	outer->tos = INET_ECN_encapsulate(iph->tos, iph->tos);
	outer->tot_len = htons(len + sizeof(*outer));
	/* the outer header may be fragmented on the way, as on the
	 * netfilter path: the owner reassembles it
	 */
	outer->frag_off = 0;
	outer->ttl = ttl;
	outer->protocol = IPPROTO_IPIP;
	outer->saddr = from;
	outer->daddr = to;
	__ip_select_ident(net, outer, 1);
	ip_send_check(outer);
}

/* The same in IPv6. */
static void shoal_xdp_outer6(struct xdp_buff *xdp, unsigned int len,
			     const struct in6_addr *from,
			     const struct in6_addr *to, u8 hoplimit)
{
	struct ipv6hdr *outer, *ip6h;
	u8 tclass;

	shoal_xdp_push(xdp, sizeof(*outer));
	outer = xdp->data + ETH_HLEN;
	ip6h = outer + 1;
	tclass = ipv6_get_dsfield(ip6h);
	ip6_flow_hdr(outer, INET_ECN_encapsulate(tclass, tclass), 0);
	outer->payload_len = htons(len);
	outer->nexthdr = IPPROTO_IPV6;
	outer->hop_limit = hoplimit;
	outer->saddr = *from;
	outer->daddr = *to;
}

static int shoal_xdp_forward4(struct net *net, struct xdp_buff *xdp,
			      __be32 from, __be32 to)
{
	struct net_device *dev = xdp->rxq->dev;
	struct iphdr *iph = xdp->data + ETH_HLEN;
	unsigned int len = ntohs(iph->tot_len);
	struct shoal_xdp_hop hop;

	/* what the stack would drop, it drops; the verdict checked the
	 * header's length and that the ports are in the frame, not what
	 * the header says
	 */
	if (len < sizeof(*iph) + 4 || (void *)iph + len > xdp->data_end ||
	    ip_fast_csum(iph, iph->ihl) || iph->ttl <= 1 ||
	    !shoal_xdp_route4(net, dev, from, to, &hop))
		return XDP_PASS;
	/* an outer header is one more of the same */
	if (len + (hop.encap ? sizeof(*iph) : 0) > hop.mtu ||
	    (hop.encap && !shoal_xdp_room(xdp, sizeof(*iph))))
		return XDP_PASS;
	/* the frame as the stack has it: padding and trailers cut */
	xdp->data_end = (void *)iph + len;
	ip_decrease_ttl(iph);
	if (hop.encap)
		shoal_xdp_outer4(net, xdp, len, from, to, hop.hoplimit);
	shoal_xdp_eth(xdp, dev, &hop, htons(ETH_P_IP));
	return XDP_TX;
}

static int shoal_xdp_forward6(struct net *net, struct xdp_buff *xdp,
			      const struct in6_addr *from,
			      const struct in6_addr *to)
{
	struct net_device *dev = xdp->rxq->dev;
	struct ipv6hdr *ip6h = xdp->data + ETH_HLEN;
	unsigned int len = sizeof(*ip6h) + ntohs(ip6h->payload_len);
	struct shoal_xdp_hop hop;

	if (ip6h->version != 6 || len < sizeof(*ip6h) + 4 ||
	    (void *)ip6h + len > xdp->data_end || ip6h->hop_limit <= 1 ||
	    !shoal_xdp_route6(net, dev, from, to, &hop))
		return XDP_PASS;
	if (len + (hop.encap ? sizeof(*ip6h) : 0) > hop.mtu ||
	    (hop.encap && !shoal_xdp_room(xdp, sizeof(*ip6h))))
		return XDP_PASS;
	xdp->data_end = (void *)ip6h + len;
	ip6h->hop_limit--;
	if (hop.encap)
		shoal_xdp_outer6(xdp, len, from, to, hop.hoplimit);
	shoal_xdp_eth(xdp, dev, &hop, htons(ETH_P_IPV6));
	return XDP_TX;
}

/*
 * The XDP verdict on a distributor service's packet of a bucket this node
 * neither owns nor shares (shoal_may_keep() is false): the holder passes
 * it on to the node that acts for the bucket, in XDP if it can and else
 * on the netfilter path (XDP_PASS); any other node drops it, as its hooks
 * would. Called under RCU, from the kfunc.
 */
int shoal_distributor_xdp(struct shoal_net *sn,
			  const struct shoal_service *svc, u32 bucket,
			  struct xdp_buff *xdp)
{
	u32 local = READ_ONCE(sn->local_id), holder = READ_ONCE(svc->holder);
	const struct shoal_table *t = shoal_deref(svc->table);
	struct shoal_node *node, *self;
	int verdict;

	if (!holder || holder != local) {
		shoal_count(svc, bucket, SHOAL_XDP_DROPPED, 0, false);
		return XDP_DROP;
	}
	/* whole frames only, in one buffer, sent to this node (in
	 * promiscuous mode, or flooded, the stack would drop them)
	 */
	if (xdp_buff_has_frags(xdp) ||
	    !ether_addr_equal(((struct ethhdr *)xdp->data)->h_dest,
			      xdp->rxq->dev->dev_addr))
		return XDP_PASS;
	node = shoal_node_get(sn, t->acting[bucket]);
	self = shoal_node_get(sn, local);
	if (!node || node == self || !self)
		return XDP_PASS;
	if (svc->family == AF_INET)
		verdict = node->addr4 && self->addr4 ?
			  shoal_xdp_forward4(sn->net, xdp, self->addr4,
					     node->addr4) : XDP_PASS;
	else
		verdict = !ipv6_addr_any(&node->addr6) &&
			  !ipv6_addr_any(&self->addr6) ?
			  shoal_xdp_forward6(sn->net, xdp, &self->addr6,
					     &node->addr6) : XDP_PASS;
	if (verdict == XDP_TX)
		shoal_count(svc, bucket, SHOAL_XDP_FORWARDED, 0, false);
	return verdict;
}
