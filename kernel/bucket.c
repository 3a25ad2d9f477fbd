// SPDX-License-Identifier: GPL-2.0
/*
 * Flow hashing and weighted rendezvous bucket assignment, in integer
 * arithmetic only (no FPU in the kernel, and results must be identical on
 * every node).
 */
#include "bucket.h"

#define LOG_TABLE_BITS	8
#define LOG_TABLE_SIZE	(1u << LOG_TABLE_BITS)	/* no BIT(): also built on the host */

/* log2(1 + i / LOG_TABLE_SIZE) in 32.32 fixed point, i = 0..SIZE */
static u64 log_table[LOG_TABLE_SIZE + 1];

/* Seeds the bucket/node hash apart from the flow hash. */
#define RENDEZVOUS_SEED	0x5ea1b0a7u

/*
 * log2 of y / 2^31 for y in [2^31, 2^32), as a 0.32 fraction, one bit per
 * squaring: squaring doubles the logarithm, and whether it crosses 2 gives
 * the next bit. Only used to fill log_table.
 */
static u64 log2_fraction(u64 y)
{
	u64 result = 0;
	int bit;

	for (bit = 31; bit >= 0; bit--) {
		y = (y * y) >> 31;
		if (y >= (1ull << 32)) {
			y >>= 1;
			result |= 1ull << bit;
		}
	}
	return result;
}

void shoal_bucket_init(void)
{
	u32 i;

	for (i = 0; i < LOG_TABLE_SIZE; i++)
		log_table[i] = log2_fraction((1ull << 31) +
					     ((u64)i << (31 - LOG_TABLE_BITS)));
	log_table[LOG_TABLE_SIZE] = 1ull << 32;
}

static unsigned int fls64_index(u64 x)
{
	unsigned int i = 0;

	while (x >>= 1)
		i++;
	return i;
}

/* log2(x) in 32.32 fixed point for x >= 1, by table and interpolation. */
static u64 log2_fixed(u64 x)
{
	unsigned int ip = fls64_index(x);
	/* the mantissa's bits below the leading one, as a 0.64 fraction */
	u64 frac = ip ? x << (64 - ip) : 0;
	u32 idx = frac >> (64 - LOG_TABLE_BITS);
	u64 rest = (frac << LOG_TABLE_BITS) >> 32;	/* 0.32 */
	u64 lo = log_table[idx], hi = log_table[idx + 1];

	return ((u64)ip << 32) + lo + (((hi - lo) * rest) >> 32);
}

/* -log2(u) for u = (h + 1) / 2^32, in 32.32 fixed point: at most 32.0. */
static u64 rendezvous_cost(u32 bucket, u32 id)
{
	u32 words[2] = { bucket, id };
	u32 h = shoal_hash_words(words, 2, RENDEZVOUS_SEED);

	return (32ull << 32) - log2_fixed((u64)h + 1);
}

unsigned int shoal_candidates(const struct shoal_member *members,
			      unsigned int n, struct shoal_candidate *out)
{
	unsigned int i, s = 0, count = 0;

	for (i = 0; i < n; i++) {
		const struct shoal_member *m = &members[i];

		if (m->spare)
			continue;
		if (m->up) {
			out[count++] = (struct shoal_candidate){
				.owner = m->id, .as_id = m->id,
				.as_weight = m->weight,
			};
			continue;
		}
		/* the next spare that is up stands in for this one */
		for (; s < n; s++)
			if (members[s].spare && members[s].up)
				break;
		if (s == n)
			continue;
		out[count++] = (struct shoal_candidate){
			.owner = members[s].id, .as_id = m->id,
			.as_weight = m->weight,
		};
		s++;
	}
	return count;
}

/*
 * Whether identity a (cost ca, weight wa) beats identity b: a lower
 * cost / weight, compared exactly; ties go to the lower identity.
 */
static int rendezvous_beats(u64 ca, u32 wa, u32 a, u64 cb, u32 wb, u32 b)
{
	u64 lhs = ca * wb, rhs = cb * wa;

	return lhs < rhs || (lhs == rhs && a < b);
}

static u32 assign_one(const struct shoal_candidate *cand, unsigned int n,
		      u32 b)
{
	const struct shoal_candidate *best = NULL;
	u64 best_cost = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		u64 cost = rendezvous_cost(b, cand[i].as_id);

		if (!best || rendezvous_beats(cost, cand[i].as_weight,
					      cand[i].as_id, best_cost,
					      best->as_weight, best->as_id)) {
			best = &cand[i];
			best_cost = cost;
		}
	}
	return best ? best->owner : 0;
}

void shoal_assign(const struct shoal_candidate *cand, unsigned int n,
		  u32 first, u32 count, u8 *owner)
{
	u32 b;

	for (b = first; b < first + count; b++)
		owner[b - first] = assign_one(cand, n, b);
}

void shoal_rank(const struct shoal_member *members, unsigned int n,
		u32 first, u32 count, u8 *rank)
{
	u64 cost[SHOAL_RANKS];
	u32 weight[SHOAL_RANKS];
	unsigned int i, r, k;
	u32 b;

	for (b = first; b < first + count; b++) {
		u8 *top = rank + (size_t)(b - first) * SHOAL_RANKS;
		unsigned int kept = 0;

		for (i = 0; i < n; i++) {
			const struct shoal_member *m = &members[i];
			u64 c;

			if (m->spare)
				continue;
			c = rendezvous_cost(b, m->id);
			/* insertion into the few best so far */
			for (r = kept; r > 0; r--)
				if (!rendezvous_beats(c, m->weight, m->id,
						      cost[r - 1],
						      weight[r - 1],
						      top[r - 1]))
					break;
			if (r == SHOAL_RANKS)
				continue;
			k = kept < SHOAL_RANKS ? kept++ : SHOAL_RANKS - 1;
			for (; k > r; k--) {
				top[k] = top[k - 1];
				cost[k] = cost[k - 1];
				weight[k] = weight[k - 1];
			}
			top[r] = (u8)m->id;
			cost[r] = c;
			weight[r] = m->weight;
		}
		for (r = kept; r < SHOAL_RANKS; r++)
			top[r] = 0;
	}
}

void shoal_assign_ranked(const struct shoal_candidate *cand, unsigned int n,
			 const u8 *rank, u32 first, u32 count, u8 *owner)
{
	u8 stand_in[256] = { 0 };	/* owner by identity, 0: none */
	unsigned int i, r;
	u32 b;

	for (i = 0; i < n; i++)
		stand_in[cand[i].as_id & 0xff] = (u8)cand[i].owner;
	for (b = first; b < first + count; b++) {
		const u8 *top = rank + (size_t)(b - first) * SHOAL_RANKS;
		u32 found = 0;

		for (r = 0; r < SHOAL_RANKS && top[r] && !found; r++)
			found = stand_in[top[r]];
		owner[b - first] = found ?: assign_one(cand, n, b);
	}
}

/* Seeds the digests and fingerprints apart from the flow hash. */
#define DIGEST_SEED	0x64696765u
#define PRINT_SEED	0x7072696eu
#define CONFIG_SEED	0x63666773u

/* Two hashes of the same words, as 64 bits. */
static u64 hash64_begin(unsigned int n, u32 seed, u64 *h2)
{
	*h2 = shoal_hash_begin(n, seed ^ 0x5bd1e995u);
	return shoal_hash_begin(n, seed);
}

static u64 hash64_add(u64 h, u64 *h2, u32 word)
{
	*h2 = shoal_hash_add(*h2, word);
	return shoal_hash_add(h, word);
}

static u64 hash64_end(u64 h, u64 h2)
{
	return (u64)shoal_hash_end(h) << 32 | shoal_hash_end(h2);
}

u64 shoal_table_digest(const u32 *addr, unsigned int n, const u8 *owner,
		       u32 nbuckets)
{
	u64 h, h2;
	u32 b, word;
	unsigned int i;

	h = hash64_begin(n + 1 + (nbuckets + 3) / 4, DIGEST_SEED, &h2);
	for (i = 0; i < n; i++)
		h = hash64_add(h, &h2, addr[i]);
	h = hash64_add(h, &h2, nbuckets);
	for (b = 0; b < nbuckets; b += 4) {
		word = 0;
		for (i = 0; i < 4 && b + i < nbuckets; i++)
			word |= (u32)owner[b + i] << (8 * i);
		h = hash64_add(h, &h2, word);
	}
	return hash64_end(h, h2);
}

void shoal_digest_begin(struct shoal_digest *d, unsigned int n)
{
	d->h = hash64_begin(n, CONFIG_SEED, &d->h2);
}

void shoal_digest_add(struct shoal_digest *d, u32 word)
{
	d->h = hash64_add(d->h, &d->h2, word);
}

void shoal_digest_bytes(struct shoal_digest *d, const void *bytes,
			unsigned int len)
{
	const u8 *b = bytes;
	unsigned int i, j;
	u32 w;

	for (i = 0; i < len; i += 4) {
		for (w = 0, j = 0; j < 4; j++)
			w = w << 8 | (i + j < len ? b[i + j] : 0);
		shoal_digest_add(d, w);
	}
}

u64 shoal_digest_end(const struct shoal_digest *d)
{
	return hash64_end(d->h, d->h2);
}

u64 shoal_flow_print(const u32 *service, const u32 *client, unsigned int n,
		     u8 proto, u32 ports)
{
	u64 h, h2;
	unsigned int i;

	h = hash64_begin(2 * n + 2, PRINT_SEED, &h2);
	for (i = 0; i < n; i++)
		h = hash64_add(h, &h2, service[i]);
	for (i = 0; i < n; i++)
		h = hash64_add(h, &h2, client[i]);
	h = hash64_add(h, &h2, proto);
	h = hash64_add(h, &h2, ports);
	return hash64_end(h, h2);
}
