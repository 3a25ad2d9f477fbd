// SPDX-License-Identifier: GPL-2.0
/*
 * A persona's network interface: a virtual device carrying the persona's
 * MAC on the cluster device. It is up only on the persona's owner; on
 * every other node it is down, so its addresses are not local there.
 *
 * Receiving: a handler on the cluster device hands frames for an active
 * persona's MAC to its interface, and a copy of broadcast and multicast
 * frames (not ARP requests, not services' packets) to each active
 * persona's interface as well as to the cluster device. Sending: frames
 * go out of the cluster device as they are, or are dropped when the
 * persona is not (or no longer) this node's.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/inetdevice.h>
#include <net/addrconf.h>
#include <net/arp.h>
#include <net/if_inet6.h>
#include <net/ipv6.h>

#include "lookup.h"
#include "shoal.h"

static netdev_tx_t shoal_persona_xmit(struct sk_buff *skb,
				      struct net_device *dev)
{
	struct shoal_persona_priv *priv = netdev_priv(dev);
	struct shoal_persona *p = rcu_dereference_bh(priv->persona);
	unsigned int len = skb->len;
	u32 epoch;

	/* a fenced node must not speak for the persona for a moment more */
	if (!p || !shoal_persona_speaks(p, &epoch)) {
		dev_core_stats_tx_dropped_inc(dev);
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}
	if (priv->vlan) {
		shoal_persona_vlan_xmit(skb, dev, epoch);
		return NETDEV_TX_OK;
	}
	skb->dev = priv->lower;
	if (dev_queue_xmit(skb) == NET_XMIT_SUCCESS)
		dev_sw_netstats_tx_add(dev, 1, len);
	else
		dev_core_stats_tx_dropped_inc(dev);
	return NETDEV_TX_OK;
}

/* The cluster device must take frames for the persona's MAC. */
static int shoal_persona_open(struct net_device *dev)
{
	struct shoal_persona_priv *priv = netdev_priv(dev);
	struct shoal_persona *p = rtnl_dereference(priv->persona);
	int err;

	err = dev_uc_add(priv->lower, dev->dev_addr);
	if (err)
		return err;
	/* not up yet: shoal_persona_dev_carrier() would leave it off */
	spin_lock_bh(&priv->sn->persona_lock);
	if (p && shoal_persona_speaks(p, NULL))
		netif_carrier_on(dev);
	spin_unlock_bh(&priv->sn->persona_lock);
	return 0;
}

static int shoal_persona_stop(struct net_device *dev)
{
	struct shoal_persona_priv *priv = netdev_priv(dev);

	netif_carrier_off(dev);
	dev_mc_unsync(priv->lower, dev);
	dev_uc_del(priv->lower, dev->dev_addr);
	return 0;
}

/* ... and for the multicast groups the persona joins (IPv6 ND's). */
static void shoal_persona_set_rx_mode(struct net_device *dev)
{
	struct shoal_persona_priv *priv = netdev_priv(dev);

	dev_mc_sync(priv->lower, dev);
}

/* The persona's MAC is its identity: it does not change. */
static int shoal_persona_set_mac(struct net_device *dev, void *addr)
{
	return -EOPNOTSUPP;
}

static int shoal_persona_init(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats ? 0 : -ENOMEM;
}

static void shoal_persona_uninit(struct net_device *dev)
{
	free_percpu(dev->tstats);
}

static const struct net_device_ops shoal_persona_ops = {
	.ndo_init		= shoal_persona_init,
	.ndo_uninit		= shoal_persona_uninit,
	.ndo_open		= shoal_persona_open,
	.ndo_stop		= shoal_persona_stop,
	.ndo_start_xmit		= shoal_persona_xmit,
	.ndo_set_mac_address	= shoal_persona_set_mac,
	.ndo_set_rx_mode	= shoal_persona_set_rx_mode,
	.ndo_get_stats64	= dev_get_tstats64,
};

bool shoal_is_persona_dev(const struct net_device *dev)
{
	return dev->netdev_ops == &shoal_persona_ops;
}

static void shoal_persona_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &shoal_persona_ops;
	dev->needs_free_netdev = true;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	/* managed by shoal only: not moved to another namespace */
	shoal_dev_local_lockless(dev);
	dev->min_mtu = ETH_MIN_MTU;
}

/* Whether the persona's interface dev speaks for it here now; under RCU. */
bool shoal_persona_dev_speaks(const struct net_device *dev)
{
	const struct shoal_persona_priv *priv = netdev_priv(dev);
	const struct shoal_persona *p;

	p = rcu_dereference_check(priv->persona, rcu_read_lock_bh_held());
	return p && shoal_persona_speaks(p, NULL) && (dev->flags & IFF_UP);
}

/* The interface of the persona with this MAC in this VLAN (0: none). */
struct net_device *shoal_persona_dev_by_mac(struct shoal_net *sn,
					    const u8 *mac, u16 vlan)
{
	struct shoal_persona *p = shoal_persona_by_mac(sn, mac);

	return p && p->vlan == vlan ? READ_ONCE(p->dev) : NULL;
}

static void shoal_persona_rx_stats(struct net_device *dev, unsigned int len)
{
	dev_sw_netstats_rx_add(dev, len + ETH_HLEN);
}

/*
 * Whether a broadcast or multicast frame goes to the personas too: not a
 * service's packet, which the cluster device takes (a copy would be judged
 * and delivered again). (ARP requests for this node's addresses were left
 * out before.)
 */
static bool shoal_persona_floods(struct shoal_net *sn, struct sk_buff *skb)
{
	union shoal_addr daddr = {};

	switch (skb->protocol) {
	case htons(ETH_P_IP):
		if (!pskb_may_pull(skb, sizeof(struct iphdr)))
			return false;
		daddr.ip = ip_hdr(skb)->daddr;
		return !shoal_service_lookup(sn, AF_INET, &daddr);
	case htons(ETH_P_IPV6):
		if (!pskb_may_pull(skb, sizeof(struct ipv6hdr)))
			return false;
		daddr.ip6 = ipv6_hdr(skb)->daddr;
		return !shoal_service_lookup(sn, AF_INET6, &daddr);
	}
	return true;
}

/* Broadcast and multicast: a copy to every active persona, then on. */
static void shoal_persona_rx_flood(struct shoal_net *sn, struct sk_buff *skb)
{
	struct shoal_persona *p;
	struct net_device *dev;
	struct sk_buff *copy;

	list_for_each_entry_rcu(p, &sn->personas, list) {
		dev = READ_ONCE(p->dev);
		if (!dev || p->vlan || !shoal_persona_speaks(p, NULL) ||
		    !(dev->flags & IFF_UP))
			continue;
		copy = skb_clone(skb, GFP_ATOMIC);
		if (!copy) {
			dev_core_stats_rx_dropped_inc(dev);
			continue;
		}
		copy->dev = dev;
		shoal_persona_rx_stats(dev, copy->len);
		netif_rx(copy);
	}
}

/*
 * An ARP request for a persona's address goes to that persona's interface
 * only: any other interface of this node (the cluster device, another
 * persona) would answer too, with its own MAC, since the address is local.
 * One for another local address (the node's own, a service's) goes to no
 * persona, for the same reason: *local says the target is local.
 */
static struct net_device *shoal_persona_arp_target(struct sk_buff *skb,
						   bool *local)
{
	const struct arphdr *arp;
	struct net_device *dev;
	__be32 _tip, *tip;

	*local = false;
	if (skb->protocol != htons(ETH_P_ARP) ||
	    !pskb_may_pull(skb, sizeof(*arp)))
		return NULL;
	arp = arp_hdr(skb);
	if (arp->ar_op != htons(ARPOP_REQUEST) || arp->ar_hln != ETH_ALEN ||
	    arp->ar_pln != 4 || arp->ar_pro != htons(ETH_P_IP))
		return NULL;
	/* after the sender's MAC and address and the target's MAC */
	tip = skb_header_pointer(skb, sizeof(*arp) + 2 * ETH_ALEN + 4,
				 sizeof(_tip), &_tip);
	if (!tip)
		return NULL;
	dev = __ip_dev_find(dev_net(skb->dev), *tip, false);
	*local = dev;
	return dev && shoal_is_persona_dev(dev) ? dev : NULL;
}

static rx_handler_result_t shoal_persona_rx(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct shoal_persona_priv *priv;
	struct net_device *dev;
	struct shoal_net *sn;
	bool local;

	if (skb->pkt_type == PACKET_LOOPBACK)
		return RX_HANDLER_PASS;
	/* taps may hold it too, and it may be handed on changed */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		return RX_HANDLER_CONSUMED;
	*pskb = skb;
	sn = rcu_dereference(skb->dev->rx_handler_data);
	if (skb->protocol == htons(SHOAL_ETH_P_HEARTBEAT) &&
	    pskb_may_pull(skb, 4) && skb->data[3] == SHOAL_VLAN_TYPE)
		return shoal_persona_vlan_rcv(sn, skb);
	/* (eth_hdr() read again after each pull: the head may move) */
	if (is_multicast_ether_addr(eth_hdr(skb)->h_dest)) {
		dev = shoal_persona_arp_target(skb, &local);
		/* a request for another address of this node is not theirs */
		if (!dev) {
			if (!local && shoal_persona_floods(sn, skb))
				shoal_persona_rx_flood(sn, skb);
			return RX_HANDLER_PASS;
		}
	} else {
		dev = shoal_persona_dev_by_mac(sn, eth_hdr(skb)->h_dest, 0);
		if (!dev)
			return RX_HANDLER_PASS;
	}
	priv = netdev_priv(dev);
	/*
	 * Ours only while this node owns it; otherwise not for us at all. A
	 * persona in a virtual LAN takes nothing from outside it.
	 */
	if (!shoal_persona_dev_speaks(dev) || priv->vlan) {
		dev_core_stats_rx_dropped_inc(dev);
		kfree_skb(skb);
		return RX_HANDLER_CONSUMED;
	}
	skb->dev = dev;
	if (!is_multicast_ether_addr(eth_hdr(skb)->h_dest))
		skb->pkt_type = PACKET_HOST;
	shoal_persona_rx_stats(dev, skb->len);
	return RX_HANDLER_ANOTHER;
}

/*
 * Create p's interface on lower, down. The first persona on a device
 * takes its receive handler. Caller holds RTNL and sn->lock.
 */
int shoal_persona_dev_create(struct shoal_net *sn, struct shoal_persona *p,
			     struct net_device *lower,
			     struct netlink_ext_ack *extack)
{
	struct shoal_persona_priv *priv;
	struct net_device *dev;
	int err;

	ASSERT_RTNL();
	if (sn->persona_lower && sn->persona_lower != lower) {
		NL_SET_ERR_MSG(extack,
			       "personas already live on another device");
		return -EBUSY;
	}
	if (__dev_get_by_name(sn->net, p->name)) {
		NL_SET_ERR_MSG(extack, "an interface with this name exists");
		return -EEXIST;
	}
	if (lower->type != ARPHRD_ETHER || lower->addr_len != ETH_ALEN) {
		NL_SET_ERR_MSG(extack, "the cluster device is not Ethernet");
		return -EINVAL;
	}
	if (!sn->persona_lower) {
		err = netdev_rx_handler_register(lower, shoal_persona_rx, sn);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "the cluster device already has a receive handler (a bridge port, macvlan or bond?)");
			return err;
		}
		err = shoal_arp_out_get(sn);
		if (err) {
			netdev_rx_handler_unregister(lower);
			NL_SET_ERR_MSG(extack, "could not hook ARP");
			return err;
		}
		sn->persona_lower = lower;
	}

	err = -ENOMEM;
	dev = alloc_netdev(sizeof(*priv), p->name, NET_NAME_USER,
			   shoal_persona_setup);
	if (!dev)
		goto err_handler;
	dev_net_set(dev, sn->net);
	priv = netdev_priv(dev);
	priv->sn = sn;
	priv->lower = lower;
	RCU_INIT_POINTER(priv->persona, p);
	priv->vlan = p->vlan;
	eth_hw_addr_set(dev, p->mac);
	dev->addr_assign_type = NET_ADDR_SET;
	dev->max_mtu = lower->mtu - (p->vlan ? SHOAL_VLAN_OVERHEAD : 0);
	dev->mtu = dev->max_mtu;
	dev->needed_headroom = lower->needed_headroom +
			       (p->vlan ? SHOAL_VLAN_OVERHEAD : 0);
	netif_carrier_off(dev);

	err = register_netdevice(dev);
	if (err) {
		NL_SET_ERR_MSG(extack, "could not register the interface");
		free_netdev(dev);
		goto err_handler;
	}
	err = netdev_upper_dev_link(lower, dev, extack);
	if (err) {
		/* p is freed at once: the interface must not know it */
		RCU_INIT_POINTER(priv->persona, NULL);
		unregister_netdevice(dev);
		goto err_handler;
	}
	WRITE_ONCE(p->dev, dev);
	return 0;

err_handler:
	shoal_persona_dev_release_lower(sn);
	return err;
}

/*
 * Queue p's interface for unregistering (on kill, or at once if NULL),
 * unless it is going already, in the same batch as its lower device. From
 * here on it speaks for nobody: p is about to be freed. Caller holds RTNL.
 */
void shoal_persona_dev_destroy(struct shoal_net *sn, struct shoal_persona *p,
			       struct list_head *kill)
{
	struct net_device *dev = p->dev;
	struct shoal_persona_priv *priv;

	ASSERT_RTNL();
	if (!dev)
		return;
	priv = netdev_priv(dev);
	RCU_INIT_POINTER(priv->persona, NULL);
	WRITE_ONCE(p->dev, NULL);
	if (dev->reg_state != NETREG_REGISTERED)
		return;
	netdev_upper_dev_unlink(priv->lower, dev);
	unregister_netdevice_queue(dev, kill);
}

/* Drop the receive handler once no persona is left. Caller holds RTNL. */
void shoal_persona_dev_release_lower(struct shoal_net *sn)
{
	ASSERT_RTNL();
	if (sn->persona_lower && list_empty(&sn->personas)) {
		shoal_arp_out_put(sn);
		netdev_rx_handler_unregister(sn->persona_lower);
		sn->persona_lower = NULL;
	}
}

/*
 * The carrier follows p's state: on while this node owns p and the
 * interface is up, off otherwise. Caller holds persona_lock, under which
 * the state changes, so the two agree; safe in any context. Bringing the
 * interface up or down is the caller's (RTNL).
 */
void shoal_persona_dev_carrier(struct shoal_persona *p)
{
	struct net_device *dev = READ_ONCE(p->dev);

	if (!dev)
		return;
	if (p->state != SHOAL_PERSONA_ACTIVE)
		netif_carrier_off(dev);
	else if (dev->flags & IFF_UP)
		netif_carrier_on(dev);
}
