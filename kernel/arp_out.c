// SPDX-License-Identifier: GPL-2.0
/*
 * ARP requests this node sends must not name a shared address as their
 * sender next to this node's own MAC: every host that heard one would
 * send that address's traffic here. Shared are the addresses of services
 * (every member has them; neighbours must learn the cluster MAC) and those
 * of personas (on their own interface, with the VMAC, they may speak; a
 * persona's address can also sit in the subnet of the cluster device's
 * own, and requests through that device must not name it). Such a
 * request asks from an address of the device instead, as arp_announce=2
 * would, or as a probe, naming no sender.
 *
 * One hook for both, registered while the namespace has a service or a
 * persona.
 */
#include <linux/if_arp.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <linux/rtnetlink.h>
#include <net/arp.h>

#include "lookup.h"

/* Whether addr may not be named as the sender of a request out of out. */
static bool shoal_arp_shared(struct net *net, const struct net_device *out,
			     __be32 addr)
{
	union shoal_addr sender = { .ip = addr };
	struct net_device *dev;

	if (shoal_service_lookup(shoal_net_rcu(net), AF_INET, &sender))
		return true;
	if (shoal_is_persona_dev(out))
		return false;
	dev = __ip_dev_find(net, addr, false);
	return dev && shoal_is_persona_dev(dev);
}

static unsigned int shoal_nf_arp_out(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct shoal_arp_body *body;
	const struct arphdr *arp;
	__be32 sip;

	arp = arp_hdr(skb);
	if (arp->ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->ar_pro != htons(ETH_P_IP) || arp->ar_hln != ETH_ALEN ||
	    arp->ar_pln != 4 || arp->ar_op != htons(ARPOP_REQUEST))
		return NF_ACCEPT;
	if (skb_ensure_writable(skb, skb_network_offset(skb) + sizeof(*arp) +
				sizeof(*body)))
		return NF_ACCEPT;
	arp = arp_hdr(skb);
	body = (struct shoal_arp_body *)(arp + 1);
	if (!shoal_arp_shared(state->net, state->out, body->sip))
		return NF_ACCEPT;
	sip = inet_select_addr(state->out, body->tip, RT_SCOPE_LINK);
	/* nothing better: a probe */
	body->sip = sip && !shoal_arp_shared(state->net, state->out, sip) ?
		    sip : 0;
	return NF_ACCEPT;
}

static const struct nf_hook_ops shoal_arp_out_ops = {
	.hook = shoal_nf_arp_out,
	.pf = NFPROTO_ARP,
	.hooknum = NF_ARP_OUT,
	.priority = 0,
};

/* A user of the hook (services, personas) comes; caller holds RTNL. */
int shoal_arp_out_get(struct shoal_net *sn)
{
	int err;

	ASSERT_RTNL();
	if (sn->arp_out_users++)
		return 0;
	err = nf_register_net_hook(sn->net, &shoal_arp_out_ops);
	if (err)
		sn->arp_out_users--;
	return err;
}

/* ... and goes; caller holds RTNL. */
void shoal_arp_out_put(struct shoal_net *sn)
{
	ASSERT_RTNL();
	if (!--sn->arp_out_users)
		nf_unregister_net_hook(sn->net, &shoal_arp_out_ops);
}
