/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flow hashing and bucket ownership. Pure computation, shared by the
 * module and host-side tests and benchmarks: every node must reach the
 * same answer from the same inputs, so none of this may depend on the
 * machine it runs on.
 */
#ifndef _SHOAL_BUCKET_H
#define _SHOAL_BUCKET_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#endif

/* A node as the assignment sees it. */
struct shoal_member {
	u32 id;
	u32 weight;
	u8 up;
	u8 spare;
};

/*
 * A contender for buckets: owner takes the buckets that the identity
 * (as_id, as_weight) wins. A spare standing in for a failed node contends
 * with the failed node's identity, so it takes exactly that node's buckets.
 */
struct shoal_candidate {
	u32 owner;
	u32 as_id;
	u32 as_weight;
};

/* Fill the tables the computation needs; call once before anything else. */
void shoal_bucket_init(void);

/*
 * The flow hash, a word at a time: begin with the number of words, add
 * each, end. Inline: the packet path hashes every packet's source with
 * it, straight from the headers.
 */
static inline u64 shoal_hash_begin(unsigned int n, u32 seed)
{
	return ((u64)seed << 32 | n) * 0x9e3779b97f4a7c15ull;
}

static inline u64 shoal_hash_add(u64 h, u32 word)
{
	h = (h ^ word) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

static inline u32 shoal_hash_end(u64 h)
{
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 32;
	return (u32)h;
}

/* Hash n 32-bit words; the same words give the same hash everywhere. */
static inline u32 shoal_hash_words(const u32 *words, unsigned int n, u32 seed)
{
	u64 h = shoal_hash_begin(n, seed);
	unsigned int i;

	for (i = 0; i < n; i++)
		h = shoal_hash_add(h, words[i]);
	return shoal_hash_end(h);
}

/* Map a 32-bit hash onto 0..nbuckets - 1 without a division. */
static inline u32 shoal_bucket_of(u32 hash, u32 nbuckets)
{
	return (u32)(((u64)hash * nbuckets) >> 32);
}

/*
 * The contenders for a member set: every regular member that is up, and
 * for each regular member that is down, in id order, the next spare that
 * is up, in id order. Returns how many were written to out, which must
 * have room for n entries.
 */
unsigned int shoal_candidates(const struct shoal_member *members,
			      unsigned int n, struct shoal_candidate *out);

/*
 * Weighted rendezvous hashing: bucket b goes to the candidate whose
 * identity minimises -log2(u(b, id)) / weight, u uniform in (0, 1]. A
 * candidate leaving moves only its own buckets; shares follow weights.
 * Ties go to the lower identity. Fills owner[0..count - 1] for buckets
 * first..first + count - 1, with 0 where there is no candidate.
 */
void shoal_assign(const struct shoal_candidate *cand, unsigned int n,
		  u32 first, u32 count, u8 *owner);

/*
 * How many identities a ranking keeps per bucket: a bucket whose first
 * SHOAL_RANKS identities all lack a candidate is assigned the slow way.
 */
#define SHOAL_RANKS	4

/*
 * The SHOAL_RANKS identities of the regular members (up or not; spares
 * are skipped) that would win bucket b, best first, for buckets
 * first..first + count - 1: rank[(b - first) * SHOAL_RANKS + r], 0 past
 * the last member. Depends only on the members' ids and weights, so it
 * survives nodes going down and up.
 */
void shoal_rank(const struct shoal_member *members, unsigned int n,
		u32 first, u32 count, u8 *rank);

/*
 * What shoal_assign() computes, from a ranking made by shoal_rank() for
 * the same ids and weights: each bucket goes to the first ranked identity
 * that has a candidate, and only buckets whose ranked identities all have
 * none cost a full comparison. Candidate ids must be below 256.
 */
void shoal_assign_ranked(const struct shoal_candidate *cand, unsigned int n,
			 const u8 *rank, u32 first, u32 count, u8 *owner);

/*
 * A digest of a service's bucket table: its address (n host-order words),
 * its number of buckets and each bucket's owner. Nodes whose digests of
 * every service add up to the same sum compute the same tables.
 */
u64 shoal_table_digest(const u32 *addr, unsigned int n, const u8 *owner,
		       u32 nbuckets);

/*
 * A 64-bit digest of n words, given one by one after begin: of what of a
 * service's configuration decides who owns what, which nodes compare.
 */
struct shoal_digest {
	u64 h, h2;
};

void shoal_digest_begin(struct shoal_digest *d, unsigned int n);
void shoal_digest_add(struct shoal_digest *d, u32 word);
u64 shoal_digest_end(const struct shoal_digest *d);
/* len bytes, as DIV_ROUND_UP(len, 4) words, big-endian, zero-padded */
void shoal_digest_bytes(struct shoal_digest *d, const void *bytes,
			unsigned int len);

/*
 * A flow's fingerprint, for telling held flows apart without sending them
 * whole: the service's address and the client's (n host-order words
 * each), the protocol, and (client port << 16 | service port).
 */
u64 shoal_flow_print(const u32 *service, const u32 *client, unsigned int n,
		     u8 proto, u32 ports);

#endif /* _SHOAL_BUCKET_H */
