// SPDX-License-Identifier: GPL-2.0
/* Flow hashing and bucket ownership, as the module computes them. */
#include <stdlib.h>
#include <string.h>

#include "bucket.h"
#include "ktap.h"

#define NB 65536

static u8 before[NB], after[NB];

static unsigned int assign(const struct shoal_member *m, unsigned int n,
			   u32 nbuckets, u8 *owner)
{
	struct shoal_candidate cand[16];
	unsigned int nc = shoal_candidates(m, n, cand);

	shoal_assign(cand, nc, 0, nbuckets, owner);
	return nc;
}

static void count_owners(const u8 *owner, u32 nbuckets, u32 *count)
{
	u32 b;

	memset(count, 0, 256 * sizeof(*count));
	for (b = 0; b < nbuckets; b++)
		count[owner[b]]++;
}

static void hash_is_a_function(void)
{
	u32 a[2] = { 0xc0000201, 0x12345678 }, b[2] = { 0xc0000201, 0x12345679 };

	CHECK(shoal_hash_words(a, 2, 0) == shoal_hash_words(a, 2, 0));
	CHECK(shoal_hash_words(a, 2, 0) != shoal_hash_words(b, 2, 0));
	CHECK(shoal_hash_words(a, 2, 0) != shoal_hash_words(a, 2, 1));
	CHECK(shoal_hash_words(a, 1, 0) != shoal_hash_words(a, 2, 0));
}

static void bucket_of_stays_in_range(void)
{
	CHECK_INT(shoal_bucket_of(0, 1024), 0);
	CHECK_INT(shoal_bucket_of(0xffffffff, 1024), 1023);
	CHECK_INT(shoal_bucket_of(0xffffffff, 1), 0);
	CHECK_INT(shoal_bucket_of(0xffffffff, NB), NB - 1);
	CHECK_INT(shoal_bucket_of(0x80000000, 2), 1);
}

/* Source ports spread evenly over buckets: no bucket gets twice its due. */
static void flows_spread_over_buckets(void)
{
	static u32 hits[1024];
	u32 words[2] = { 0xc6336410 }, port, b, max = 0;

	for (port = 0; port < 65536; port++) {
		words[1] = port;
		hits[shoal_bucket_of(shoal_hash_words(words, 2, 0), 1024)]++;
	}
	for (b = 0; b < 1024; b++)
		if (hits[b] > max)
			max = hits[b];
	CHECK(max < 2 * 64);
}

static void shares_follow_weights(void)
{
	const struct shoal_member m[] = {
		{ 1, 1, 1, 0 }, { 2, 1, 1, 0 }, { 3, 2, 1, 0 }, { 4, 4, 1, 0 },
	};
	u32 count[256];
	unsigned int i;

	assign(m, 4, NB, before);
	count_owners(before, NB, count);
	CHECK_INT(count[0], 0);
	/* within 2% of the weighted share */
	for (i = 0; i < 4; i++) {
		double want = (double)NB * m[i].weight / 8;

		CHECK(count[m[i].id] > want * 0.98 && count[m[i].id] < want * 1.02);
	}
}

static void only_a_failed_nodes_buckets_move(void)
{
	struct shoal_member m[] = {
		{ 1, 1, 1, 0 }, { 2, 3, 1, 0 }, { 3, 1, 1, 0 }, { 7, 2, 1, 0 },
	};
	u32 b, moved = 0, wrong = 0;

	assign(m, 4, NB, before);
	m[2].up = 0;
	assign(m, 4, NB, after);
	for (b = 0; b < NB; b++) {
		if (before[b] == after[b])
			continue;
		moved++;
		if (before[b] != 3 || after[b] == 3)
			wrong++;
	}
	CHECK(moved > 0);
	CHECK_INT(wrong, 0);

	/* and when it returns, exactly those move back */
	m[2].up = 1;
	assign(m, 4, NB, after);
	CHECK(!memcmp(before, after, NB));
}

static void a_weight_change_moves_only_that_nodes_buckets(void)
{
	struct shoal_member m[] = {
		{ 1, 1, 1, 0 }, { 2, 1, 1, 0 }, { 3, 1, 1, 0 },
	};
	u32 b, wrong = 0, gained = 0;

	assign(m, 3, NB, before);
	m[1].weight = 3;
	assign(m, 3, NB, after);
	for (b = 0; b < NB; b++) {
		if (before[b] == after[b])
			continue;
		if (after[b] != 2)
			wrong++;
		gained++;
	}
	CHECK_INT(wrong, 0);
	CHECK(gained > NB / 4);
}

static void a_spare_takes_exactly_the_failed_nodes_buckets(void)
{
	struct shoal_member m[] = {
		{ 1, 1, 1, 0 }, { 2, 1, 1, 0 }, { 3, 1, 1, 0 },
		{ 8, 1, 1, 1 }, { 9, 1, 1, 1 },
	};
	u32 count[256], b, wrong = 0;

	CHECK_INT(assign(m, 5, NB, before), 3);
	count_owners(before, NB, count);
	CHECK_INT(count[8] + count[9], 0);

	m[1].up = 0;
	CHECK_INT(assign(m, 5, NB, after), 3);
	for (b = 0; b < NB; b++)
		if (before[b] != after[b] && !(before[b] == 2 && after[b] == 8))
			wrong++;
	CHECK_INT(wrong, 0);

	/* a second failure takes the second spare */
	m[2].up = 0;
	assign(m, 5, NB, after);
	for (b = 0, wrong = 0; b < NB; b++)
		if (before[b] == 3 ? after[b] != 9 : before[b] == 2 ?
		    after[b] != 8 : after[b] != before[b])
			wrong++;
	CHECK_INT(wrong, 0);

	/* a spare that is down stands in for nobody */
	m[3].up = 0;
	m[4].up = 0;
	CHECK_INT(assign(m, 5, NB, after), 1);
	count_owners(after, NB, count);
	CHECK_INT(count[1], NB);
}

static void no_members_no_owner(void)
{
	struct shoal_member m[] = { { 1, 1, 0, 0 }, { 2, 1, 0, 0 } };
	u32 count[256];

	CHECK_INT(assign(m, 2, 1024, before), 0);
	count_owners(before, 1024, count);
	CHECK_INT(count[0], 1024);
}

static void chunks_equal_the_whole(void)
{
	const struct shoal_member m[] = {
		{ 1, 5, 1, 0 }, { 2, 1, 1, 0 }, { 200, 9, 1, 0 },
	};
	struct shoal_candidate cand[3];
	unsigned int n = shoal_candidates(m, 3, cand);
	u32 b;

	shoal_assign(cand, n, 0, 4096, before);
	for (b = 0; b < 4096; b += 1000)
		shoal_assign(cand, n, b, b + 1000 > 4096 ? 4096 - b : 1000,
			     after + b);
	CHECK(!memcmp(before, after, 4096));
}

/* small deterministic generator: the test must not depend on libc's */
static u32 next_random(u32 *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state >> 8;
}

static u8 rank[4096 * SHOAL_RANKS];

/*
 * The fast path (rank once, then walk short lists) must give exactly the
 * full rendezvous's answer, whatever is up, down or standing in, ties and
 * ranks exhausted included.
 */
static void ranked_equals_full(void)
{
	struct shoal_member m[40];
	struct shoal_candidate cand[40];
	u32 state = 1, b, mismatches = 0, fallbacks = 0;
	unsigned int round, i, n, nc, r;

	for (round = 0; round < 200; round++) {
		n = 1 + next_random(&state) % 40;
		for (i = 0; i < n; i++) {
			m[i] = (struct shoal_member){
				.id = 1 + i * 6 + next_random(&state) % 6,
				/* equal weights often, for ties */
				.weight = round % 3 ? 1 + next_random(&state) % 4 : 1,
				.spare = next_random(&state) % 5 == 0,
			};
		}
		shoal_rank(m, n, 0, 4096, rank);
		/* many up/down patterns per ranking, as at run time */
		for (r = 0; r < 5; r++) {
			for (i = 0; i < n; i++)
				m[i].up = next_random(&state) % 100 >=
					  (r * 20u);
			nc = shoal_candidates(m, n, cand);
			shoal_assign(cand, nc, 0, 4096, before);
			shoal_assign_ranked(cand, nc, rank, 0, 4096, after);
			for (b = 0; b < 4096; b++) {
				mismatches += before[b] != after[b];
				fallbacks += rank[b * SHOAL_RANKS] &&
					     before[b] != 0 &&
					     before[b] != rank[b * SHOAL_RANKS];
			}
		}
	}
	CHECK_INT(mismatches, 0);
	/* the random patterns did reach past the first rank */
	CHECK(fallbacks > 0);
}

static void ranks_list_members_best_first(void)
{
	const struct shoal_member m[] = {
		{ 1, 1, 1, 0 }, { 2, 1, 1, 0 }, { 3, 1, 0, 1 },
	};
	struct shoal_candidate cand[3];
	unsigned int n = shoal_candidates(m, 2, cand);
	u32 b;

	shoal_rank(m, 3, 0, 1024, rank);
	shoal_assign(cand, n, 0, 1024, before);
	for (b = 0; b < 1024; b++) {
		const u8 *top = rank + b * SHOAL_RANKS;

		/* the spare is never ranked; two members, then nothing */
		CHECK_INT(top[0] == 1 ? top[1] : top[1] == 1, top[0] == 1 ? 2 : 1);
		CHECK_INT(top[2], 0);
		CHECK_INT(top[0], before[b]);
	}
}

static void setup(void)
{
	shoal_bucket_init();
}

const struct ktap_case bucket_cases[] = {
	{ "bucket: init", setup },
	{ "bucket: hash is a function of its words and seed", hash_is_a_function },
	{ "bucket: bucket_of stays in range", bucket_of_stays_in_range },
	{ "bucket: flows spread over buckets", flows_spread_over_buckets },
	{ "bucket: shares follow weights", shares_follow_weights },
	{ "bucket: only a failed node's buckets move, and back",
	  only_a_failed_nodes_buckets_move },
	{ "bucket: a weight change moves only that node's buckets",
	  a_weight_change_moves_only_that_nodes_buckets },
	{ "bucket: a spare takes exactly the failed node's buckets",
	  a_spare_takes_exactly_the_failed_nodes_buckets },
	{ "bucket: no member, no owner", no_members_no_owner },
	{ "bucket: assigning in chunks equals assigning at once",
	  chunks_equal_the_whole },
	{ "bucket: rankings list members best first, spares never",
	  ranks_list_members_best_first },
	{ "bucket: ranked assignment equals the full one",
	  ranked_equals_full },
	{ NULL, NULL },
};
