// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual LANs between personas. A frame between members carries the
 * sending node, the VLAN, the sender's epoch for the persona, its boot and
 * a sequence number, tagged with its Ethernet addresses under a key
 * derived from the cluster key (layout in frame.h). A receiver hands it to
 * its own members of the VLAN only if the sending node owns the source MAC,
 * at that epoch, in the receiver's view, speaks from its current boot, the
 * tag holds, and the frame was not taken before: a node that is not the
 * owner, the old owner included, cannot speak for a member, a host without
 * the key cannot speak, and a recorded frame cannot be sent again, as it
 * was or readdressed. The cheap checks come first; what is refused is
 * counted as dropped on the cluster device.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/siphash.h>
#include <crypto/algapi.h>

#include "shoal.h"

/*
 * The tag of the len bytes of frame, from its destination MAC: under the
 * key frames go out under, or (rx) under each key taken, into tags[];
 * returns how many.
 */
static unsigned int shoal_vlan_tags(struct shoal_hb_state *hb, const u8 *frame,
				    unsigned int len, bool rx, u64 *tags)
{
	siphash_key_t keys[2];
	unsigned int seq, n, i;

	/* a key being changed is not read half old, half new */
	do {
		seq = read_seqcount_begin(&hb->key_seq);
		if (!rx) {
			n = 1;
			keys[0] = hb->keys[hb->key_change ==
					   SHOAL_KEY_SPREADING].vlan;
		} else {
			n = hb->key_change == SHOAL_KEY_STEADY ? 1 : 2;
			keys[0] = hb->keys[0].vlan;
			keys[1] = hb->keys[1].vlan;
		}
	} while (read_seqcount_retry(&hb->key_seq, seq));
	for (i = 0; i < n; i++)
		tags[i] = siphash(frame, len, &keys[i]);
	memzero_explicit(keys, sizeof(keys));
	return n;
}

/*
 * A copy to every active member of vlan on this node but except. From
 * the transmit path the copy is a whole frame (forwarded as if received);
 * from the receive path it is already past its Ethernet header.
 */
void shoal_persona_vlan_flood(struct shoal_net *sn, struct sk_buff *skb,
			      u16 vlan, const struct net_device *except)
{
	struct shoal_persona *p;
	struct net_device *dev;
	struct sk_buff *copy;

	list_for_each_entry_rcu(p, &sn->personas, list) {
		dev = READ_ONCE(p->dev);
		if (!dev || dev == except || p->vlan != vlan ||
		    !shoal_persona_speaks(p, NULL) || !(dev->flags & IFF_UP))
			continue;
		copy = skb_clone(skb, GFP_ATOMIC);
		if (!copy) {
			dev_core_stats_rx_dropped_inc(dev);
			continue;
		}
		if (except) {
			dev_forward_skb(dev, copy);
			continue;
		}
		copy->dev = dev;
		dev_sw_netstats_rx_add(dev, copy->len + ETH_HLEN);
		netif_rx(copy);
	}
}

/*
 * Send a frame from a member of a VLAN, which this node owns at epoch: to
 * members here, then on the wire.
 */
void shoal_persona_vlan_xmit(struct sk_buff *skb, struct net_device *dev,
			     u32 epoch)
{
	struct shoal_persona_priv *priv = netdev_priv(dev);
	struct shoal_net *sn = priv->sn;
	struct shoal_vlan_hdr h = {
		.node_id = READ_ONCE(sn->local_id),
		.vlan = priv->vlan,
		.epoch = epoch,
	};
	unsigned int flen;
	struct shoal_hb_state *hb;
	struct net_device *peer;
	struct ethhdr *eth;
	unsigned int len;
	__be16 type;
	u64 tag;
	u8 *hdr;

	if (skb->len < ETH_HLEN)
		goto drop;
	eth = (struct ethhdr *)skb->data;
	if (is_multicast_ether_addr(eth->h_dest)) {
		shoal_persona_vlan_flood(sn, skb, priv->vlan, dev);
	} else {
		peer = shoal_persona_dev_by_mac(sn, eth->h_dest, priv->vlan);
		/* a member here: only if this node is its owner */
		if (peer && peer != dev && shoal_persona_dev_speaks(peer)) {
			len = skb->len;
			if (dev_forward_skb(peer, skb) == NET_RX_SUCCESS)
				dev_sw_netstats_tx_add(dev, 1, len);
			return;
		}
	}

	hb = rcu_dereference_bh(sn->hb);
	if (!hb || !h.node_id)
		goto drop;
	if (skb_linearize(skb) || skb_cow_head(skb, SHOAL_VLAN_OVERHEAD))
		goto drop;
	type = ((struct ethhdr *)skb->data)->h_proto;
	skb_push(skb, SHOAL_VLAN_OVERHEAD);
	memmove(skb->data, skb->data + SHOAL_VLAN_OVERHEAD, 2 * ETH_ALEN);
	eth = (struct ethhdr *)skb->data;
	eth->h_proto = htons(SHOAL_ETH_P_HEARTBEAT);
	hdr = skb->data + ETH_HLEN;
	flen = skb->len;
	h.nonce = hb->nonce;
	h.seq = atomic64_inc_return(&hb->vlan_seq_tx);
	h.len = flen - ETH_HLEN - SHOAL_VLAN_HLEN;
	shoal_vlan_encode(&h, hdr);
	memcpy(hdr + SHOAL_VLAN_HLEN, &type, sizeof(type));
	shoal_vlan_tags(hb, skb->data, flen, false, &tag);
	put_unaligned_le64(tag, hdr + SHOAL_VLAN_TAG_OFF);

	skb_reset_mac_header(skb);
	skb->protocol = eth->h_proto;
	skb->dev = priv->lower;
	len = skb->len;
	if (dev_queue_xmit(skb) == NET_XMIT_SUCCESS)
		dev_sw_netstats_tx_add(dev, 1, len);
	else
		dev_core_stats_tx_dropped_inc(dev);
	return;

drop:
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
}

/* Whether node, at epoch, owns the persona with this MAC in vlan. */
static bool shoal_vlan_sender_ok(struct shoal_net *sn, const u8 *mac,
				 const struct shoal_vlan_hdr *h)
{
	struct shoal_persona *p;
	bool ok;

	if (h->node_id == READ_ONCE(sn->local_id))
		return false;
	p = shoal_persona_by_mac(sn, mac);
	if (!p || p->vlan != h->vlan)
		return false;
	spin_lock(&sn->persona_lock);
	ok = p->owner == h->node_id && p->epoch == h->epoch;
	spin_unlock(&sn->persona_lock);
	return ok && shoal_hb_alive(sn, h->node_id);
}

/*
 * Whether the frame h heads is new from its sender: of its current boot,
 * within the window of sequence numbers and not seen before. Records it.
 */
static bool shoal_vlan_fresh(struct shoal_hb_state *hb,
			     const struct shoal_vlan_hdr *h)
{
	struct shoal_vlan_rx *rx = &hb->vlan_rx[h->node_id];
	s64 gap;
	bool ok;

	spin_lock(&rx->lock);
	if (rx->nonce != h->nonce) {
		/* the first frame of this boot taken: the window starts */
		rx->nonce = h->nonce;
		shoal_seqwin_init(&rx->win, h->seq);
		ok = true;
	} else {
		ok = shoal_seqwin_accept(&rx->win, h->seq, &gap);
	}
	spin_unlock(&rx->lock);
	return ok;
}

/* A virtual LAN frame on the cluster device; in the receive handler. */
rx_handler_result_t shoal_persona_vlan_rcv(struct shoal_net *sn,
					   struct sk_buff *skb)
{
	struct shoal_vlan_hdr h;
	struct shoal_hb_state *hb;
	struct net_device *dev;
	struct ethhdr *eth;
	unsigned int flen, n, i;
	__le64 tag, want;
	u64 tags[2];
	u8 *hdr;

	/* cheap checks first: the header, then who may speak */
	if (!pskb_may_pull(skb, SHOAL_VLAN_OVERHEAD) ||
	    shoal_vlan_decode(skb->data, skb->len, &h))
		goto drop;
	hb = rcu_dereference(sn->hb);
	if (!hb || !shoal_vlan_sender_ok(sn, eth_hdr(skb)->h_source, &h) ||
	    READ_ONCE(hb->peers[h.node_id].nonce) != h.nonce ||
	    skb->data != skb_mac_header(skb) + ETH_HLEN)
		goto drop;

	/* the tag over the frame from its MAC addresses, taken as zero */
	if (skb_linearize(skb) || skb_unclone(skb, GFP_ATOMIC))
		goto drop;
	hdr = skb->data;
	flen = ETH_HLEN + SHOAL_VLAN_HLEN + h.len;
	memcpy(&tag, hdr + SHOAL_VLAN_TAG_OFF, sizeof(tag));
	memset(hdr + SHOAL_VLAN_TAG_OFF, 0, SHOAL_VLAN_TAG_LEN);
	n = shoal_vlan_tags(hb, skb_mac_header(skb), flen, true, tags);
	for (i = 0; i < n; i++) {
		want = cpu_to_le64(tags[i]);
		if (!crypto_memneq(&tag, &want, sizeof(tag)))
			break;
	}
	if (i == n || !shoal_vlan_fresh(hb, &h))
		goto drop;
	/* what follows the inner frame, Ethernet padding, is not ours */
	__skb_trim(skb, SHOAL_VLAN_HLEN + h.len);
	skb->ip_summed = CHECKSUM_NONE;
	eth = eth_hdr(skb);

	/* the inner ethertype is already where the new header ends */
	__skb_pull(skb, SHOAL_VLAN_OVERHEAD);
	memmove(skb->data - ETH_HLEN, eth, 2 * ETH_ALEN);
	skb_set_mac_header(skb, -ETH_HLEN);
	skb_reset_network_header(skb);
	eth = eth_hdr(skb);
	skb->protocol = eth->h_proto;

	if (is_multicast_ether_addr(eth->h_dest)) {
		shoal_persona_vlan_flood(sn, skb, h.vlan, NULL);
		consume_skb(skb);
		return RX_HANDLER_CONSUMED;
	}
	dev = shoal_persona_dev_by_mac(sn, eth->h_dest, h.vlan);
	if (!dev || !shoal_persona_dev_speaks(dev))
		goto drop;
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	dev_sw_netstats_rx_add(dev, skb->len + ETH_HLEN);
	return RX_HANDLER_ANOTHER;

drop:
	dev_core_stats_rx_dropped_inc(skb->dev);
	kfree_skb(skb);
	return RX_HANDLER_CONSUMED;
}
