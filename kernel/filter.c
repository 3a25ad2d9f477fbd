// SPDX-License-Identifier: GPL-2.0
/*
 * The packet path: keep the packets of service buckets this node owns,
 * drop the rest before the IP stack sees them, and answer ARP and
 * neighbour solicitations for service addresses with the cluster MAC.
 *
 * The IP hooks sit just after defragmentation, so every packet they see
 * is whole and carries its ports; a fragmented flow hashes like any other.
 */
#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/tcp.h>
#include <net/arp.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/ndisc.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>

#include "lookup.h"

static bool shoal_read_ports(struct sk_buff *skb, unsigned int off,
			     __be16 *src, __be16 *dst)
{
	__be16 buf[2];
	const __be16 *ports;

	ports = skb_header_pointer(skb, off, sizeof(buf), buf);
	if (!ports)
		return false;
	*src = ports[0];
	*dst = ports[1];
	return true;
}

static bool shoal_is_port_proto(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

/*
 * An ICMP error quotes a packet this node sent from the service address:
 * its flow is the quoted packet's, with the roles of the ends swapped.
 */
static void shoal_flow_from_quote(struct shoal_flow *flow, u8 proto,
				  struct sk_buff *skb, unsigned int off)
{
	__be16 sport, dport;

	flow->proto = proto;
	flow->quoted = true;
	if (shoal_is_port_proto(proto) &&
	    shoal_read_ports(skb, off, &sport, &dport)) {
		flow->service_port = sport;
		flow->client_port = dport;
		flow->has_ports = true;
	}
}

static bool shoal_icmp_is_error(u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH ||
	       type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETERPROB;
}

static bool shoal_flow_ipv4(const struct shoal_service *svc,
			    struct sk_buff *skb, struct shoal_flow *flow)
{
	const struct iphdr *iph = ip_hdr(skb);
	unsigned int off = ip_hdrlen(skb);
	struct icmphdr _icmp, *icmp;
	struct iphdr _inner, *inner;

	/* defragmentation ran before us; a fragment here is malformed */
	if (ip_is_fragment(iph))
		return false;

	flow->client.ip = iph->saddr;
	flow->proto = iph->protocol;
	flow->l4off = off;
	if (shoal_is_port_proto(iph->protocol)) {
		flow->has_ports = shoal_read_ports(skb, off, &flow->client_port,
						   &flow->service_port);
		return flow->has_ports;
	}
	if (iph->protocol != IPPROTO_ICMP)
		return true;

	icmp = skb_header_pointer(skb, off, sizeof(_icmp), &_icmp);
	if (!icmp || !shoal_icmp_is_error(icmp->type))
		return true;
	off += sizeof(*icmp);
	inner = skb_header_pointer(skb, off, sizeof(_inner), &_inner);
	if (!inner || inner->ihl < 5 || inner->saddr != svc->addr.ip)
		return true;
	flow->client.ip = inner->daddr;
	shoal_flow_from_quote(flow, inner->protocol, skb,
			      off + inner->ihl * 4);
	return true;
}

static bool shoal_flow_ipv6(const struct shoal_service *svc,
			    struct sk_buff *skb, struct shoal_flow *flow)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct icmp6hdr _icmp, *icmp;
	struct ipv6hdr _inner, *inner;
	u8 nexthdr = ip6h->nexthdr;
	__be16 frag_off;
	int off;

	off = ipv6_skip_exthdr(skb, sizeof(*ip6h), &nexthdr, &frag_off);
	if (off < 0 || frag_off)
		return false;

	flow->client.ip6 = ip6h->saddr;
	flow->proto = nexthdr;
	flow->l4off = off;
	if (shoal_is_port_proto(nexthdr)) {
		flow->has_ports = shoal_read_ports(skb, off, &flow->client_port,
						   &flow->service_port);
		return flow->has_ports;
	}
	if (nexthdr != IPPROTO_ICMPV6)
		return true;

	icmp = skb_header_pointer(skb, off, sizeof(_icmp), &_icmp);
	/* informational messages have the high bit set */
	if (!icmp || icmp->icmp6_type & ICMPV6_INFOMSG_MASK)
		return true;
	off += sizeof(*icmp);
	inner = skb_header_pointer(skb, off, sizeof(_inner), &_inner);
	if (!inner || !ipv6_addr_equal(&inner->saddr, &svc->addr.ip6))
		return true;
	nexthdr = inner->nexthdr;
	off = ipv6_skip_exthdr(skb, off + sizeof(*inner), &nexthdr, &frag_off);
	flow->client.ip6 = inner->daddr;
	if (off >= 0 && !frag_off)
		shoal_flow_from_quote(flow, nexthdr, skb, off);
	else
		flow->proto = nexthdr;
	return true;
}

static bool shoal_service_matches(const struct shoal_service *svc,
				  const struct shoal_flow *flow)
{
	if (svc->proto && svc->proto != flow->proto)
		return false;
	if (svc->port && (!flow->has_ports || svc->port != flow->service_port))
		return false;
	return true;
}

/*
 * A bucket that moved, or is moving, between live nodes: whoever has a
 * socket for the flow keeps it, the new owner takes new flows.
 */
static bool shoal_keeps_moved(struct shoal_net *sn,
			      const struct shoal_service *svc,
			      const struct shoal_table *t, u32 bucket,
			      struct sk_buff *skb, const struct shoal_flow *flow)
{
	if (test_bit(bucket, t->contested))
		return shoal_hold_keeps(sn, svc, skb, flow, true);
	if (test_bit(bucket, t->holding))
		return shoal_hold_keeps(sn, svc, skb, flow, false);
	return false;
}

/* Whether the packet opens a TCP connection: a SYN without ACK. */
static bool shoal_opens_tcp(const struct sk_buff *skb,
			    const struct shoal_flow *flow)
{
	struct tcphdr _th;
	const struct tcphdr *th;

	if (flow->proto != IPPROTO_TCP || flow->quoted)
		return false;
	th = skb_header_pointer(skb, flow->l4off, sizeof(_th), &_th);
	return th && th->syn && !th->ack;
}

/*
 * Keep the packet if this node owns its bucket; count either way. Inline,
 * so that parse is a direct call.
 */
static __always_inline unsigned int
shoal_filter(struct shoal_net *sn, struct shoal_service *svc,
	     struct sk_buff *skb,
	     bool (*parse)(const struct shoal_service *, struct sk_buff *,
			   struct shoal_flow *))
{
	struct shoal_flow flow = {};
	const struct shoal_table *t;
	u32 bucket;

	/* a client on this node: no other member sees its packets */
	if (unlikely(skb->dev->flags & IFF_LOOPBACK))
		return NF_ACCEPT;
	/* what the service does not serve, no member takes */
	if (!parse(svc, skb, &flow) || !shoal_service_matches(svc, &flow))
		return NF_DROP;

	bucket = shoal_flow_bucket(svc, svc->family, flow.client.ip6.s6_addr32,
				   shoal_ports(flow.client_port,
					       flow.service_port));
	t = rcu_dereference(svc->table);
	if (unlikely(!test_bit(bucket, t->owned)) &&
	    !shoal_keeps_moved(sn, svc, t, bucket, skb, &flow)) {
		if (svc->mode == SHOAL_SERVICE_MODE_DISTRIBUTOR)
			return shoal_distributor_pass(sn, svc, t, bucket, skb);
		shoal_count(svc, bucket, SHOAL_DROPPED, 0, false);
		return NF_DROP;
	}
	shoal_count(svc, bucket, SHOAL_KEPT, skb->len,
		    shoal_opens_tcp(skb, &flow));
	this_cpu_inc(*sn->rx_accepted);
	/* it came to the cluster MAC; deliver it as our own */
	skb->pkt_type = PACKET_HOST;
	return NF_ACCEPT;
}

static unsigned int shoal_nf_ipv4(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	union shoal_addr daddr = { .ip = ip_hdr(skb)->daddr };
	struct shoal_net *sn = shoal_net_rcu(state->net);
	struct shoal_service *svc;

	/* passed on by a distributor across a router */
	if (unlikely(ip_hdr(skb)->protocol == IPPROTO_IPIP) &&
	    shoal_distributor_decap(sn, skb, AF_INET))
		return NF_STOLEN;
	svc = shoal_service_lookup(sn, AF_INET, &daddr);
	if (likely(!svc))
		return NF_ACCEPT;
	return shoal_filter(sn, svc, skb, shoal_flow_ipv4);
}

/*
 * Whether this node is the one to answer a neighbour asking from client:
 * the owner of the asker's bucket, or in distributor mode the holder.
 */
static bool shoal_answers(struct shoal_net *sn,
			  const struct shoal_service *svc,
			  const struct net_device *in, const __be32 *client)
{
	if (in->ifindex != READ_ONCE(svc->ifindex))
		return false;
	if (svc->mode == SHOAL_SERVICE_MODE_DISTRIBUTOR)
		return READ_ONCE(svc->holder) &&
		       READ_ONCE(svc->holder) == READ_ONCE(sn->local_id);
	return shoal_acts(svc, shoal_flow_bucket(svc, svc->family, client, 0));
}

/*
 * A neighbour advertisement for a service address: the cluster MAC, or
 * in distributor mode the device's own.
 */
void shoal_send_na(const struct shoal_service *svc, struct net_device *dev,
		   const u8 *dest_mac, const struct in6_addr *daddr,
		   bool solicited)
{
	unsigned int len = sizeof(struct nd_msg) + 8;
	u8 mcast_mac[ETH_ALEN];
	struct ipv6hdr *ip6h;
	struct sk_buff *skb;
	struct nd_msg *msg;

	if (!dest_mac) {
		ipv6_eth_mc_map(daddr, mcast_mac);
		dest_mac = mcast_mac;
	}

	skb = alloc_skb(LL_RESERVED_SPACE(dev) + sizeof(*ip6h) + len +
			dev->needed_tailroom, GFP_ATOMIC);
	if (!skb)
		return;
	skb_reserve(skb, LL_RESERVED_SPACE(dev));
	skb_reset_network_header(skb);
	ip6h = skb_put(skb, sizeof(*ip6h));
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->payload_len = htons(len);
	ip6h->nexthdr = IPPROTO_ICMPV6;
	ip6h->hop_limit = 255;
	ip6h->saddr = svc->addr.ip6;
	ip6h->daddr = *daddr;

	skb_set_transport_header(skb, sizeof(*ip6h));
	msg = skb_put_zero(skb, len);
	msg->icmph.icmp6_type = NDISC_NEIGHBOUR_ADVERTISEMENT;
	msg->icmph.icmp6_solicited = solicited;
	msg->icmph.icmp6_override = 1;
	msg->target = svc->addr.ip6;
	msg->opt[0] = ND_OPT_TARGET_LL_ADDR;
	msg->opt[1] = 1;	/* in units of 8 octets */
	ether_addr_copy(&msg->opt[2],
			svc->mode == SHOAL_SERVICE_MODE_DISTRIBUTOR ?
			dev->dev_addr : svc->mac);
	msg->icmph.icmp6_cksum = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr,
						 len, IPPROTO_ICMPV6,
						 csum_partial(msg, len, 0));

	skb->dev = dev;
	skb->protocol = htons(ETH_P_IPV6);
	if (dev_hard_header(skb, dev, ETH_P_IPV6, dest_mac, dev->dev_addr,
			    skb->len) < 0) {
		kfree_skb(skb);
		return;
	}
	dev_queue_xmit(skb);
}

/*
 * A neighbour solicitation for a service address: the owner of the
 * asker's bucket answers with the cluster MAC, and the kernel's own
 * neighbour discovery never sees it.
 */
static unsigned int shoal_nf_ns(struct shoal_net *sn, struct sk_buff *skb,
				const struct net_device *in, bool *handled)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct shoal_service *svc;
	struct nd_msg _msg, *msg;
	union shoal_addr target;
	bool dad;

	msg = skb_header_pointer(skb, sizeof(*ip6h), sizeof(_msg), &_msg);
	if (!msg || msg->icmph.icmp6_type != NDISC_NEIGHBOUR_SOLICITATION)
		return NF_ACCEPT;
	target.ip6 = msg->target;
	svc = shoal_service_lookup(sn, AF_INET6, &target);
	if (!svc)
		return NF_ACCEPT;

	*handled = true;
	if (ip6h->hop_limit != 255)
		return NF_DROP;
	/* a duplicate address probe is answered to all nodes */
	dad = ipv6_addr_any(&ip6h->saddr);
	if (shoal_answers(sn, svc, in, ip6h->saddr.s6_addr32))
		shoal_send_na(svc, skb->dev,
			      !dad && skb_mac_header_was_set(skb) ?
			      eth_hdr(skb)->h_source : NULL,
			      dad ? &in6addr_linklocal_allnodes : &ip6h->saddr,
			      !dad);
	return NF_DROP;
}

static unsigned int shoal_nf_ipv6(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct shoal_net *sn = shoal_net_rcu(state->net);
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct shoal_service *svc;
	union shoal_addr daddr;
	bool handled = false;
	unsigned int verdict;

	if (ip6h->nexthdr == IPPROTO_ICMPV6) {
		verdict = shoal_nf_ns(sn, skb, state->in, &handled);
		if (handled)
			return verdict;
	}
	if (unlikely(ip6h->nexthdr == IPPROTO_IPV6) &&
	    shoal_distributor_decap(sn, skb, AF_INET6))
		return NF_STOLEN;
	daddr.ip6 = ip6h->daddr;
	svc = shoal_service_lookup(sn, AF_INET6, &daddr);
	if (likely(!svc))
		return NF_ACCEPT;
	return shoal_filter(sn, svc, skb, shoal_flow_ipv6);
}

/*
 * An ARP request for a service address: the owner of the asker's bucket
 * answers with the cluster MAC; the kernel's own ARP never sees it.
 */
static unsigned int shoal_nf_arp(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct shoal_arp_body _body, *body;
	struct net_device *dev = state->in;
	struct shoal_net *sn;
	const struct arphdr *arp;
	struct shoal_service *svc;
	union shoal_addr target;
	struct sk_buff *reply;

	arp = arp_hdr(skb);
	if (arp->ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->ar_pro != htons(ETH_P_IP) || arp->ar_hln != ETH_ALEN ||
	    arp->ar_pln != 4 || arp->ar_op != htons(ARPOP_REQUEST))
		return NF_ACCEPT;
	body = skb_header_pointer(skb, sizeof(*arp), sizeof(_body), &_body);
	if (!body)
		return NF_ACCEPT;
	target.ip = body->tip;
	sn = shoal_net_rcu(state->net);
	svc = shoal_service_lookup(sn, AF_INET, &target);
	if (!svc)
		return NF_ACCEPT;

	if (shoal_answers(sn, svc, dev, &body->sip)) {
		reply = arp_create(ARPOP_REPLY, ETH_P_ARP, body->sip, dev,
				   body->tip, body->sha, dev->dev_addr,
				   body->sha);
		if (reply) {
			/* the frame comes from us; the address maps to the
			 * cluster MAC (a distributor's own, as arp_create()
			 * put it)
			 */
			if (svc->mode == SHOAL_SERVICE_MODE_SHARED)
				ether_addr_copy((u8 *)(arp_hdr(reply) + 1),
						svc->mac);
			arp_xmit(reply);
		}
	}
	return NF_DROP;
}

static const struct nf_hook_ops shoal_nf_ops[] = {
	{
		.hook = shoal_nf_ipv4,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_CONNTRACK_DEFRAG + 1,
	},
	{
		.hook = shoal_nf_ipv6,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_CONNTRACK_DEFRAG + 1,
	},
	{
		.hook = shoal_nf_arp,
		.pf = NFPROTO_ARP,
		.hooknum = NF_ARP_IN,
		.priority = 0,
	},
};

/* Start filtering in net; called with the first service. */
int shoal_filter_start(struct net *net)
{
	int err;

	err = nf_defrag_ipv4_enable(net);
	if (err)
		return err;
	err = nf_defrag_ipv6_enable(net);
	if (err)
		goto err_ipv4;
	err = nf_register_net_hooks(net, shoal_nf_ops,
				    ARRAY_SIZE(shoal_nf_ops));
	if (err)
		goto err_ipv6;
	return 0;

err_ipv6:
	nf_defrag_ipv6_disable(net);
err_ipv4:
	nf_defrag_ipv4_disable(net);
	return err;
}

/* Stop filtering in net; returns when no packet is left in the hooks. */
void shoal_filter_stop(struct net *net)
{
	nf_unregister_net_hooks(net, shoal_nf_ops, ARRAY_SIZE(shoal_nf_ops));
	nf_defrag_ipv6_disable(net);
	nf_defrag_ipv4_disable(net);
}
