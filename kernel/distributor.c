// SPDX-License-Identifier: GPL-2.0
/*
 * Distributor mode: for networks that do not deliver a packet to every
 * node. One node, the holder (the first of the service's distributors
 * that is up, on a side with quorum), answers ARP and neighbour
 * solicitations for the address with its own MAC, so that the service's
 * packets all reach it. It keeps those of its own buckets and passes
 * every other one on to the node that acts for its bucket: on the same
 * link to that node's MAC, across a router inside an IP-in-IP (IPv6 in
 * IPv6) header to the node's address. The owner answers the client
 * directly. Every node computes the same tables, so a new holder passes
 * packets on exactly as the old one did: no connection table to sync.
 *
 * A bucket taken from a live node that still holds flows in it is
 * contested: its new owner passes on what it has no socket for to the
 * node it took the bucket from (daisy chaining), so that planned moves
 * break nothing here either. A packet makes two hops at most.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <net/arp.h>
#include <net/dst.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/ndisc.h>
#include <net/route.h>

#include "lookup.h"

/*
 * Whether each declared distributor (none: the nodes themselves) is among
 * the service's nodes, given as all (every declared node) or a list. One
 * deleted since counts for nothing: it holds nothing until added again.
 */
bool shoal_distributors_listed(struct shoal_net *sn,
			       const struct shoal_node_list *dist, bool all,
			       const struct shoal_node_list *nodes)
{
	unsigned int i, j;

	for (i = 0; i < dist->n; i++) {
		if (all || !shoal_node_get_locked(sn, dist->id[i]))
			continue;
		for (j = 0; j < nodes->n; j++)
			if (nodes->id[j] == dist->id[i])
				break;
		if (j == nodes->n)
			return false;
	}
	return true;
}

/*
 * Tell the link that the address is here now: a gratuitous ARP request,
 * or an unsolicited neighbour advertisement to all nodes. Straight to the
 * device: the ARP_OUT hook would take the service address out of it.
 */
static void shoal_distributor_announce(struct shoal_net *sn,
				       const struct shoal_service *svc)
{
	struct net_device *dev;
	struct sk_buff *skb;

	rcu_read_lock();
	dev = dev_get_by_index_rcu(sn->net, READ_ONCE(svc->ifindex));
	if (dev && netif_running(dev)) {
		if (svc->family == AF_INET) {
			skb = arp_create(ARPOP_REQUEST, ETH_P_ARP, svc->addr.ip,
					 dev, svc->addr.ip, NULL,
					 dev->dev_addr, NULL);
			if (skb)
				dev_queue_xmit(skb);
		} else {
			shoal_send_na(svc, dev, NULL,
				      &in6addr_linklocal_allnodes, false);
		}
	}
	rcu_read_unlock();
}

/*
 * Who holds svc's address now: the first distributor up, none without
 * quorum. The holder announces the address when it takes it, and again
 * when a node comes up (one that was cut off may have announced it).
 * Caller holds sn->lock.
 */
void shoal_distributor_update(struct shoal_net *sn, struct shoal_service *svc)
{
	bool serving = shoal_has_quorum(sn) && !sn->left, announce = false;
	u32 holder = 0, id, local = sn->local_id;
	u8 ids[SHOAL_NODE_ID_MAX];
	struct shoal_node *node;
	unsigned int i, n;
	bool up;

	lockdep_assert_held(&sn->lock);
	if (svc->mode != SHOAL_SERVICE_MODE_DISTRIBUTOR)
		return;
	if (svc->distributors.n) {
		n = svc->distributors.n;
		memcpy(ids, svc->distributors.id, n);
	} else {
		n = shoal_service_candidates(sn, svc->all_nodes, &svc->nodes,
					     ids);
	}
	for (i = 0; serving && i < n; i++) {
		node = shoal_node_get_locked(sn, ids[i]);
		if (node && shoal_node_state(sn, node) == SHOAL_STATE_UP) {
			holder = ids[i];
			break;
		}
	}
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		node = shoal_node_get_locked(sn, id);
		up = node && shoal_node_state(sn, node) == SHOAL_STATE_UP;
		if (!up)
			__clear_bit(id, svc->up_seen);
		else if (!__test_and_set_bit(id, svc->up_seen))
			announce = true;
	}
	/* not added yet: shoal_service_add() announces it */
	if (list_empty(&svc->list)) {
		WRITE_ONCE(svc->holder, holder);
		return;
	}
	if (holder != svc->holder) {
		WRITE_ONCE(svc->holder, holder);
		shoal_notify_service(sn, svc, SHOAL_EVENT_SERVICE_HOLDER);
		announce = true;
	}
	if (announce && holder && holder == local)
		shoal_distributor_announce(sn, svc);
}

/* A service just added: its holder, if this node, says so. */
void shoal_distributor_added(struct shoal_net *sn,
			     const struct shoal_service *svc)
{
	if (svc->mode == SHOAL_SERVICE_MODE_DISTRIBUTOR && svc->holder &&
	    svc->holder == sn->local_id)
		shoal_distributor_announce(sn, svc);
}

/* On the link: the packet as it is, to the node's MAC. */
static int shoal_neigh_out(struct sk_buff *skb, struct dst_entry *dst,
			   u8 family, const void *to)
{
	struct net_device *dev = dst->dev;
	struct neighbour *neigh;
	int err;

	if (skb_cow_head(skb, LL_RESERVED_SPACE(dev))) {
		dst_release(dst);
		kfree_skb(skb);
		return -ENOMEM;
	}
	skb_dst_set(skb, dst);
	skb->dev = dev;
	rcu_read_lock_bh();
	neigh = family == AF_INET ? ip_neigh_gw4(dev, *(const __be32 *)to) :
				    ip_neigh_gw6(dev, to);
	if (IS_ERR(neigh)) {
		rcu_read_unlock_bh();
		kfree_skb(skb);
		return PTR_ERR(neigh);
	}
	err = neigh_output(neigh, skb, false);
	rcu_read_unlock_bh();
	return err;
}

/* Room for an outer header, and offloads that know of it. */
static int shoal_encap_prepare(struct sk_buff *skb, struct dst_entry *dst,
			       unsigned int hlen, int gso, u8 inner)
{
	if (skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + hlen) ||
	    iptunnel_handle_offloads(skb, gso))
		return -ENOMEM;
	skb_set_inner_ipproto(skb, inner);
	return 0;
}

/* Across a router: inside an IPv4 header from this node to the owner. */
static int shoal_encap4(struct net *net, struct sk_buff *skb,
			struct rtable *rt, __be32 from, __be32 to)
{
	u8 tos = ip_hdr(skb)->tos;
	struct iphdr *iph;

	if (shoal_encap_prepare(skb, &rt->dst, sizeof(*iph), SKB_GSO_IPXIP4,
				IPPROTO_IPIP)) {
		ip_rt_put(rt);
		kfree_skb(skb);
		return -ENOMEM;
	}
	skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) >> 2;
	iph->tos = INET_ECN_encapsulate(tos, tos);
	/* the outer header may be fragmented: the owner reassembles it */
	iph->frag_off = 0;
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = IPPROTO_IPIP;
	iph->saddr = from;
	iph->daddr = to;
	skb->protocol = htons(ETH_P_IP);
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	skb_dst_set(skb, &rt->dst);
	ip_select_ident_segs(net, skb, NULL, skb_shinfo(skb)->gso_segs ?: 1);
	return ip_local_out(net, NULL, skb);
}

/* from: this node's address, which the owner checks */
static int shoal_forward4(struct net *net, struct sk_buff *skb, __be32 from,
			  __be32 to)
{
	struct flowi4 fl4 = { .daddr = to, .saddr = from };
	struct rtable *rt;

	if (skb_ensure_writable(skb, sizeof(struct iphdr)) ||
	    ip_hdr(skb)->ttl <= 1)
		goto drop;
	ip_decrease_ttl(ip_hdr(skb));
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		goto drop;
	if (rt->rt_gw_family == AF_UNSPEC &&
	    (skb_is_gso(skb) ? skb_gso_validate_network_len(skb,
							     dst_mtu(&rt->dst)) :
			       skb->len <= dst_mtu(&rt->dst)))
		return shoal_neigh_out(skb, &rt->dst, AF_INET, &to);
	return shoal_encap4(net, skb, rt, fl4.saddr, to);
drop:
	kfree_skb(skb);
	return -EINVAL;
}

static int shoal_encap6(struct net *net, struct sk_buff *skb,
			struct dst_entry *dst, const struct in6_addr *from,
			const struct in6_addr *to)
{
	u8 tclass = ipv6_get_dsfield(ipv6_hdr(skb));

	tclass = INET_ECN_encapsulate(tclass, tclass);
	struct ipv6hdr *ip6h;

	if (shoal_encap_prepare(skb, dst, sizeof(*ip6h), SKB_GSO_IPXIP6,
				IPPROTO_IPV6)) {
		dst_release(dst);
		kfree_skb(skb);
		return -ENOMEM;
	}
	skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6h = ipv6_hdr(skb);
	ip6_flow_hdr(ip6h, tclass, 0);
	ip6h->nexthdr = IPPROTO_IPV6;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = *from;
	ip6h->daddr = *to;
	skb->protocol = htons(ETH_P_IPV6);
	/* the outer packet may be fragmented: the owner reassembles it */
	skb->ignore_df = 1;
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	skb_dst_set(skb, dst);
	return ip6_local_out(net, NULL, skb);
}

static int shoal_forward6(struct net *net, struct sk_buff *skb,
			  const struct in6_addr *from, const struct in6_addr *to)
{
	struct flowi6 fl6 = { .daddr = *to, .saddr = *from };
	struct dst_entry *dst;
	unsigned int mtu;

	if (skb_ensure_writable(skb, sizeof(struct ipv6hdr)) ||
	    ipv6_hdr(skb)->hop_limit <= 1)
		goto drop;
	ipv6_hdr(skb)->hop_limit--;
	if (ip6_dst_lookup(net, NULL, &dst, &fl6))
		goto drop;
	mtu = dst_mtu(dst);
	if (!(((struct rt6_info *)dst)->rt6i_flags & RTF_GATEWAY) &&
	    (skb_is_gso(skb) ? skb_gso_validate_network_len(skb, mtu) :
			       skb->len <= mtu))
		return shoal_neigh_out(skb, dst, AF_INET6, to);
	return shoal_encap6(net, skb, dst, &fl6.saddr, to);
drop:
	kfree_skb(skb);
	return -EINVAL;
}

/*
 * A packet this node does not keep: pass it on, or drop it. The holder
 * passes a packet on to the node that acts for its bucket, or for a
 * contested bucket to the node it was taken from (the packet has no
 * socket here); another node passes on only that second hop, unless the
 * node the bucket was taken from is the holder, which has looked already.
 */
unsigned int shoal_distributor_pass(struct shoal_net *sn,
				    const struct shoal_service *svc,
				    const struct shoal_table *t, u32 bucket,
				    struct sk_buff *skb)
{
	u32 local = READ_ONCE(sn->local_id), holder = READ_ONCE(svc->holder);
	bool contested = test_bit(bucket, t->contested);
	struct shoal_node *node, *self;
	u32 to = 0;
	int err;

	if (holder && holder == local)
		to = contested ? t->taken[bucket] : t->acting[bucket];
	else if (contested && t->taken[bucket] != holder)
		to = t->taken[bucket];
	node = to && to != local ? shoal_node_get(sn, to) : NULL;
	self = shoal_node_get(sn, local);
	/* both ends need an address of the family: the owner checks ours */
	if (!node || !self ||
	    (svc->family == AF_INET ? !node->addr4 || !self->addr4 :
	     ipv6_addr_any(&node->addr6) || ipv6_addr_any(&self->addr6)))
		goto drop;

	/* out of this node's hands: as if it came from the stack */
	skb_forward_csum(skb);
	skb_clear_tstamp(skb);
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb->pkt_type = PACKET_OUTGOING;
	if (svc->family == AF_INET)
		err = shoal_forward4(sn->net, skb, self->addr4, node->addr4);
	else
		err = shoal_forward6(sn->net, skb, &self->addr6,
				     &node->addr6);
	shoal_count(svc, bucket, net_xmit_eval(err) ? SHOAL_DROPPED :
		    SHOAL_FORWARDED, 0, false);
	return NF_STOLEN;
drop:
	shoal_count(svc, bucket, SHOAL_DROPPED, 0, false);
	return NF_DROP;
}

/* Whether addr is a declared node's address (not an unset one). */
static bool shoal_from_node(struct shoal_net *sn, u8 family,
			    const void *addr)
{
	struct shoal_node *node;
	u32 id;

	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		node = shoal_node_get(sn, id);
		if (!node)
			continue;
		if (family == AF_INET ?
		    node->addr4 && node->addr4 == *(const __be32 *)addr :
		    !ipv6_addr_any(&node->addr6) &&
		    ipv6_addr_equal(&node->addr6, addr))
			return true;
	}
	return false;
}

/*
 * A packet a node passed on to this one across a router: IP in IP (IPv6
 * in IPv6), from a node's address to ours, for a distributor service.
 * Take the outer header off and receive the inner packet again, under the
 * Ethernet header it came with. Returns false, the packet untouched, for
 * anything else; true once the packet is consumed.
 */
bool shoal_distributor_decap(struct shoal_net *sn, struct sk_buff *skb,
			     u8 family)
{
	unsigned int hlen = family == AF_INET ? ip_hdrlen(skb) :
						sizeof(struct ipv6hdr);
	unsigned int ilen = family == AF_INET ? sizeof(struct iphdr) :
						sizeof(struct ipv6hdr);
	struct shoal_node *local = shoal_node_get(sn, READ_ONCE(sn->local_id));
	const struct shoal_service *svc;
	union shoal_addr inner = {};
	struct ethhdr eth;
	bool has_eth, ce;

	if (!local || skb->pkt_type != PACKET_HOST ||
	    !pskb_may_pull(skb, hlen + ilen))
		return false;
	if (family == AF_INET) {
		const struct iphdr *iph = ip_hdr(skb);
		const struct iphdr *in = (const void *)iph + hlen;

		if (!local->addr4 || iph->daddr != local->addr4 ||
		    in->version != 4 || in->ihl < 5)
			return false;
		inner.ip = in->daddr;
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		const struct ipv6hdr *in = (const void *)(ip6h + 1);

		if (ipv6_addr_any(&local->addr6) ||
		    !ipv6_addr_equal(&ip6h->daddr, &local->addr6) ||
		    in->version != 6)
			return false;
		inner.ip6 = in->daddr;
	}
	svc = shoal_service_lookup(sn, family, &inner);
	if (!svc || svc->mode != SHOAL_SERVICE_MODE_DISTRIBUTOR ||
	    !shoal_from_node(sn, family, family == AF_INET ?
			     (const void *)&ip_hdr(skb)->saddr :
			     (const void *)&ipv6_hdr(skb)->saddr))
		return false;

	/* congestion the fabric marked on the way (RFC 6040) */
	ce = INET_ECN_is_ce(family == AF_INET ? ip_hdr(skb)->tos :
			    ipv6_get_dsfield(ipv6_hdr(skb)));
	has_eth = skb_mac_header_was_set(skb) &&
		  skb_mac_header_len(skb) == ETH_HLEN;
	if (has_eth)
		eth = *eth_hdr(skb);
	if (skb_unclone(skb, GFP_ATOMIC) ||
	    __iptunnel_pull_header(skb, hlen, family == AF_INET ?
				   htons(ETH_P_IP) : htons(ETH_P_IPV6),
				   false, false))
		goto drop;
	skb_reset_network_header(skb);
	skb_reset_transport_header(skb);
	if (ce && family == AF_INET)
		IP_ECN_set_ce(ip_hdr(skb));
	else if (ce)
		IP6_ECN_set_ce(skb, ipv6_hdr(skb));
	if (has_eth && skb_headroom(skb) >= ETH_HLEN) {
		eth.h_proto = skb->protocol;
		skb_set_mac_header(skb, -ETH_HLEN);
		memcpy(skb_mac_header(skb), &eth, ETH_HLEN);
		skb->mac_len = ETH_HLEN;
	} else {
		skb_reset_mac_header(skb);
		skb->mac_len = 0;
	}
	netif_rx(skb);
	return true;
drop:
	kfree_skb(skb);
	return true;
}
