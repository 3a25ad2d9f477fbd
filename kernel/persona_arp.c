// SPDX-License-Identifier: GPL-2.0
/*
 * A persona's address may sit in the subnet of the cluster device's own
 * addresses. The owner then reaches hosts of that subnet through the
 * cluster device, and its ARP requests would name the persona's address
 * as their sender, next to the node's own MAC: every host that heard one
 * would send the persona's traffic to this node's MAC, even after the
 * persona moved. Ask from an address of the device instead, as
 * arp_announce=2 would.
 */
#include <linux/if_arp.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <net/arp.h>

#include "shoal.h"

struct shoal_arp_sender {
	u8 sha[ETH_ALEN];
	__be32 sip;
} __packed;

static unsigned int shoal_persona_arp_out(void *priv, struct sk_buff *skb,
					  const struct nf_hook_state *state)
{
	struct shoal_arp_sender *sender;
	const struct arphdr *arp;
	struct net_device *owner;
	__be32 tip, sip;

	if (shoal_is_persona_dev(state->out))
		return NF_ACCEPT;
	arp = arp_hdr(skb);
	if (arp->ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->ar_pro != htons(ETH_P_IP) || arp->ar_hln != ETH_ALEN ||
	    arp->ar_pln != 4 || arp->ar_op != htons(ARPOP_REQUEST))
		return NF_ACCEPT;
	if (skb_ensure_writable(skb, skb_network_offset(skb) + sizeof(*arp) +
				sizeof(*sender) + ETH_ALEN + sizeof(tip)))
		return NF_ACCEPT;
	arp = arp_hdr(skb);
	sender = (struct shoal_arp_sender *)(arp + 1);
	owner = __ip_dev_find(state->net, sender->sip, false);
	if (!owner || !shoal_is_persona_dev(owner))
		return NF_ACCEPT;
	memcpy(&tip, (u8 *)(sender + 1) + ETH_ALEN, sizeof(tip));
	sip = inet_select_addr(state->out, tip, RT_SCOPE_LINK);
	/* nothing better: a probe, which names no sender */
	owner = sip ? __ip_dev_find(state->net, sip, false) : NULL;
	sender->sip = owner && shoal_is_persona_dev(owner) ? 0 : sip;
	return NF_ACCEPT;
}

static const struct nf_hook_ops shoal_persona_arp_ops = {
	.hook = shoal_persona_arp_out,
	.pf = NFPROTO_ARP,
	.hooknum = NF_ARP_OUT,
	.priority = 0,
};

int shoal_persona_arp_start(struct net *net)
{
	return nf_register_net_hook(net, &shoal_persona_arp_ops);
}

void shoal_persona_arp_stop(struct net *net)
{
	nf_unregister_net_hook(net, &shoal_persona_arp_ops);
}
