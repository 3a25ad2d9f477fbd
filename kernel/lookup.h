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

/* Caller holds rcu_read_lock(). */
static inline struct shoal_service *
shoal_service_lookup(struct shoal_net *sn, u8 family,
		     const union shoal_addr *addr)
{
	struct hlist_head *heads = READ_ONCE(sn->svc_hash);
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
 * hashed are the address's, host order, then the port word the service's
 * hash asks for.
 */
static inline u32 shoal_flow_bucket(const struct shoal_service *svc,
				    const __be32 *saddr, __be16 sport,
				    __be16 dport)
{
	unsigned int i, n = svc->family == AF_INET ? 1 : 4;
	u64 h;

	h = shoal_hash_begin(n + (svc->hash != SHOAL_HASH_SADDR), 0);
	for (i = 0; i < n; i++)
		h = shoal_hash_add(h, ntohl(saddr[i]));
	if (svc->hash == SHOAL_HASH_SADDR_SPORT)
		h = shoal_hash_add(h, ntohs(sport));
	else if (svc->hash == SHOAL_HASH_SADDR_SPORT_DPORT)
		h = shoal_hash_add(h, (u32)ntohs(sport) << 16 | ntohs(dport));
	return shoal_bucket_of(shoal_hash_end(h), svc->nbuckets);
}

/* Caller holds rcu_read_lock(). */
static inline bool shoal_owns(const struct shoal_service *svc, u32 bucket)
{
	const struct shoal_table *t = rcu_dereference(svc->table);

	return test_bit(bucket, t->owned);
}

#endif /* _SHOAL_LOOKUP_H */
