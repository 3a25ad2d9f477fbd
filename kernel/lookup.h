/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the packet path asks of every packet — which service, which
 * bucket, whether this node owns it — inline, for the netfilter hooks and
 * the XDP kfunc alike: one definition, so the two cannot disagree, and
 * no calls on the path.
 */
#ifndef _SHOAL_LOOKUP_H
#define _SHOAL_LOOKUP_H

#include <linux/hash.h>
#include <net/ipv6.h>

#include "bucket.h"
#include "shoal.h"

/* An address as host-order words, so nodes of any byte order agree. */
static inline unsigned int shoal_addr_words(u8 family, const __be32 *addr,
					    u32 *words)
{
	unsigned int i, n = family == AF_INET ? 1 : 4;

	for (i = 0; i < n; i++)
		words[i] = ntohl(addr[i]);
	return n;
}

static inline bool shoal_addr_equal(u8 family, const union shoal_addr *a,
				    const union shoal_addr *b)
{
	if (family == AF_INET)
		return a->ip == b->ip;
	return ipv6_addr_equal(&a->ip6, &b->ip6);
}

/* The address's chain in sn->svc_hash; local to this node, so cheap. */
static inline u32 shoal_svc_slot(u8 family, const union shoal_addr *addr)
{
	u32 key = family == AF_INET ? (__force u32)addr->ip :
				      ipv6_addr_hash(&addr->ip6);

	return hash_32(key, SHOAL_SVC_HASH_BITS);
}

/*
 * shoal_net() for the packet path, which runs under RCU already:
 * net_generic() without a read-side section of its own.
 */
static inline struct shoal_net *shoal_net_rcu(const struct net *net)
{
	return shoal_deref(net->gen)->ptr[shoal_net_id];
}

/* Caller is in an RCU read-side section (see shoal_deref()). */
static inline struct shoal_service *
shoal_service_lookup(struct shoal_net *sn, u8 family,
		     const union shoal_addr *addr)
{
	struct hlist_head *heads = shoal_deref(sn->svc_hash);
	struct shoal_service *svc;

	if (!heads)
		return NULL;
	hlist_for_each_entry_rcu(svc, &heads[shoal_svc_slot(family, addr)],
				 hnode)
		if (svc->family == family &&
		    shoal_addr_equal(family, &svc->addr, addr))
			return svc;
	return NULL;
}

/*
 * The bucket of a flow from saddr: the same on every node. The words
 * hashed are the address's, host order, then for hashes with ports the
 * port word, (source port << 16 | destination port) in host order shifted
 * by svc->port_shift: the source port alone, or both. The hash starts from
 * svc->flow_hash_init, which counts the words. family is the service's,
 * given so that a caller that knows it gets the loop unrolled.
 */
static __always_inline u32 shoal_flow_bucket(const struct shoal_service *svc,
					     u8 family, const __be32 *saddr,
					     u32 ports)
{
	unsigned int i, n = family == AF_INET ? 1 : 4;
	u64 h = svc->flow_hash_init;

	for (i = 0; i < n; i++)
		h = shoal_hash_add(h, ntohl(saddr[i]));
	if (svc->hash != SHOAL_HASH_SADDR)
		h = shoal_hash_add(h, ports >> svc->port_shift);
	return shoal_bucket_of(shoal_hash_end(h), svc->nbuckets);
}

/* Source and destination port as shoal_flow_bucket() takes them. */
static inline u32 shoal_ports(__be16 sport, __be16 dport)
{
	return (u32)ntohs(sport) << 16 | ntohs(dport);
}

/* What a service's flow hash starts from: it counts the words hashed. */
static inline u64 shoal_flow_hash_init(u8 family, u8 hash)
{
	return shoal_hash_begin((family == AF_INET ? 1 : 4) +
				(hash != SHOAL_HASH_SADDR), 0);
}

/*
 * What XDP judges of a service, as one word the packet path reads at once:
 * a packet whose (protocol << 16 | destination port, network order) masked
 * with the high half equals the low half. A service with XDP off matches
 * nothing.
 */
#define SHOAL_XDP_MATCH_PROTO	(0xffull << 48)

static inline u64 shoal_xdp_match(const struct shoal_service *svc, bool on)
{
	u32 mask = 0, val = 0;

	if (!on)
		return 1;
	if (svc->proto) {
		mask |= 0xff << 16;
		val |= (u32)svc->proto << 16;
	}
	if (svc->port) {
		mask |= 0xffff;
		val |= (__force u16)svc->port;
	}
	return (u64)mask << 32 | val;
}

/* What picks a packet's bucket, and what the service filter matches. */
struct shoal_flow {
	union shoal_addr client;
	__be16 client_port;
	__be16 service_port;
	u8 proto;
	bool has_ports;
	bool quoted;		/* from an ICMP error about the flow */
	u16 l4off;		/* where the protocol's header is */
};

/*
 * Caller is in an RCU read-side section. Whether this node takes every
 * packet of the bucket; a bucket that moved between live nodes may have
 * packets for it, and for the node it moved from (shoal_hold_keeps()).
 */
static inline bool shoal_owns(const struct shoal_service *svc, u32 bucket)
{
	const struct shoal_table *t = shoal_deref(svc->table);

	return test_bit(bucket, t->owned);
}

/* Whether the bucket's new flows are this node's. */
static inline bool shoal_acts(const struct shoal_service *svc, u32 bucket)
{
	const struct shoal_table *t = shoal_deref(svc->table);

	return test_bit(bucket, t->owned) || test_bit(bucket, t->contested);
}

/* Whether some of the bucket's packets may be this node's. */
static inline bool shoal_may_keep(const struct shoal_service *svc,
				  u32 bucket)
{
	const struct shoal_table *t = shoal_deref(svc->table);

	return test_bit(bucket, t->owned) || test_bit(bucket, t->contested) ||
	       test_bit(bucket, t->holding);
}

/*
 * Count a packet of the bucket: one shared update, its bucket's count of
 * fate, and the service's totals on this CPU (with len bytes and, if opens,
 * a new flow, for a packet kept). From the hooks, in softirq, or from an
 * XDP program, which may run with only migration disabled: the irqsave
 * form keeps a 32-bit CPU's writers apart; on 64-bit each add is one
 * instruction, whole against interrupts, and the sync is empty.
 */
static __always_inline void shoal_count(const struct shoal_service *svc,
					u32 bucket, enum shoal_fate fate,
					unsigned int len, bool opens)
{
	struct shoal_svc_stats *s = this_cpu_ptr(svc->totals);
	unsigned long flags;

	atomic64_inc(&svc->stats[bucket].n[fate]);
	flags = u64_stats_update_begin_irqsave(&s->syncp);
	u64_stats_inc(&s->n[fate]);
	if (fate == SHOAL_KEPT) {
		u64_stats_add(&s->bytes, len);
		if (opens)
			u64_stats_inc(&s->new_flows);
	}
	u64_stats_update_end_irqrestore(&s->syncp, flags);
}

#endif /* _SHOAL_LOOKUP_H */
