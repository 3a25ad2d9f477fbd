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

/*
 * An owner table of exactly nbuckets bytes, so that the sanitizer sees a
 * read past it.
 */
static u8 *table_of(u32 nbuckets, u32 seed)
{
	u8 *owner = malloc(nbuckets ? nbuckets : 1);
	u32 state = seed, b;

	for (b = 0; b < nbuckets; b++)
		owner[b] = 1 + next_random(&state) % 200;
	return owner;
}

static void table_digest_is_a_function(void)
{
	const u32 v4[1] = { 0xc0000201 }, v6[4] = { 0x20010db8, 0, 0, 1 };
	u32 v4b[1] = { 0xc0000201 }, v6b[4] = { 0x20010db8, 0, 0, 1 };
	u8 *owner = table_of(4096, 7), *copy = table_of(4096, 7);
	u64 d4, d6;

	/* the same inputs, from other memory, give the same digest */
	d4 = shoal_table_digest(v4, 1, owner, 4096);
	d6 = shoal_table_digest(v6, 4, owner, 4096);
	CHECK(d4 == shoal_table_digest(v4b, 1, copy, 4096));
	CHECK(d6 == shoal_table_digest(v6b, 4, copy, 4096));
	CHECK(d4 == shoal_table_digest(v4, 1, owner, 4096));
	CHECK(d4 != d6);
	/* both halves of the 64 bits carry the digest */
	CHECK(d4 >> 32 != 0 && (u32)d4 != 0);
	CHECK(d4 >> 32 != (u32)d4);
	/* an empty table too */
	CHECK(shoal_table_digest(v4, 1, owner, 0) ==
	      shoal_table_digest(v4b, 1, copy, 0));
	CHECK(shoal_table_digest(v4, 1, owner, 0) !=
	      shoal_table_digest(v6, 4, owner, 0));
	free(owner);
	free(copy);
}

/*
 * Every owner byte counts, whatever it changes to, and where: two tables
 * that differ in one bucket never digest alike, nor do two with two
 * buckets' owners swapped.
 */
static void table_digest_sees_every_owner(void)
{
	const u32 addr[1] = { 0xc0000201 };
	u8 *owner = table_of(1024, 3);
	u64 d = shoal_table_digest(addr, 1, owner, 1024);
	u32 b, same = 0, swapped = 0;
	u8 was;

	for (b = 0; b < 1024; b++) {
		was = owner[b];
		owner[b] = was ^ 0x01;
		same += shoal_table_digest(addr, 1, owner, 1024) == d;
		owner[b] = was ^ 0x80;
		same += shoal_table_digest(addr, 1, owner, 1024) == d;
		owner[b] = 0;
		same += shoal_table_digest(addr, 1, owner, 1024) == d;
		owner[b] = was;
	}
	CHECK_INT(same, 0);
	CHECK(shoal_table_digest(addr, 1, owner, 1024) == d);
	for (b = 0; b + 1 < 1024; b++) {
		if (owner[b] == owner[b + 1])
			continue;
		was = owner[b];
		owner[b] = owner[b + 1];
		owner[b + 1] = was;
		swapped += shoal_table_digest(addr, 1, owner, 1024) == d;
		owner[b + 1] = owner[b];
		owner[b] = was;
	}
	CHECK_INT(swapped, 0);
	free(owner);
}

/*
 * The number of buckets counts on its own: a table and the same table
 * with owner-0 buckets after it, which pack into the same words, differ.
 */
static void table_digest_sees_the_bucket_count(void)
{
	const u32 addr[1] = { 0xc0000201 };
	u8 owner[16] = { 1, 2, 3, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	u64 d[17];
	u32 i, j, same = 0;

	for (i = 0; i <= 16; i++)
		d[i] = shoal_table_digest(addr, 1, owner, i);
	for (i = 0; i <= 16; i++)
		for (j = i + 1; j <= 16; j++)
			same += d[i] == d[j];
	CHECK_INT(same, 0);
	/* an owner inside the count counts, in the partial word too */
	owner[5] = 5;
	CHECK(shoal_table_digest(addr, 1, owner, 6) != d[5]);
	CHECK(shoal_table_digest(addr, 1, owner, 6) != d[6]);
}

/* Every bit of the service's address counts, and its number of words. */
static void table_digest_sees_the_address(void)
{
	u32 v4[1] = { 0xc0000201 }, v6[4] = { 0x20010db8, 0, 0, 1 };
	u32 v4in6[4] = { 0xc0000201, 0, 0, 0 };
	u8 *owner = table_of(256, 5);
	u64 d4 = shoal_table_digest(v4, 1, owner, 256);
	u64 d6 = shoal_table_digest(v6, 4, owner, 256);
	u32 bit, w, same = 0;

	for (bit = 0; bit < 32; bit++) {
		v4[0] ^= 1u << bit;
		same += shoal_table_digest(v4, 1, owner, 256) == d4;
		v4[0] ^= 1u << bit;
	}
	for (w = 0; w < 4; w++) {
		for (bit = 0; bit < 32; bit += 7) {
			v6[w] ^= 1u << bit;
			same += shoal_table_digest(v6, 4, owner, 256) == d6;
			v6[w] ^= 1u << bit;
		}
	}
	CHECK_INT(same, 0);
	CHECK(shoal_table_digest(v4, 1, owner, 256) == d4);
	/* an IPv4 address is not the IPv6 one that starts with it */
	CHECK(shoal_table_digest(v4in6, 4, owner, 256) != d4);
	/* and only the first n words are the address */
	v4in6[1] = 0x12345678;
	CHECK(shoal_table_digest(v4in6, 1, owner, 256) == d4);
	free(owner);
}

/*
 * Tables of a size not a multiple of 4: the last, partial word holds the
 * last owners, each of which counts, and nothing past the table is read
 * (the sanitizer would see it, and garbage past it changes nothing).
 */
static void table_digest_of_odd_sizes(void)
{
	static const u32 sizes[] = { 1, 2, 3, 5, 6, 7, 9, 1021, 1023, 4097 };
	const u32 addr[1] = { 0x0a000001 };
	u8 *owner, *padded;
	u32 i, b, nb, same = 0, moved = 0;
	u64 d;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		nb = sizes[i];
		owner = table_of(nb, nb);
		d = shoal_table_digest(addr, 1, owner, nb);
		padded = malloc(nb + 4);
		memcpy(padded, owner, nb);
		memset(padded + nb, 0xa5, 4);
		moved += shoal_table_digest(addr, 1, padded, nb) != d;
		for (b = nb > 8 ? nb - 8 : 0; b < nb; b++) {
			owner[b] ^= 0x40;
			same += shoal_table_digest(addr, 1, owner, nb) == d;
			owner[b] ^= 0x40;
		}
		/* and the first bucket */
		owner[0]++;
		same += shoal_table_digest(addr, 1, owner, nb) == d;
		owner[0]--;
		free(padded);
		free(owner);
	}
	CHECK_INT(same, 0);
	CHECK_INT(moved, 0);
}

/*
 * What another node, or a build for another machine, computes: the
 * algorithm of bucket.h (two seeded shoal_hash_*() runs over the address,
 * the count and the owners four to a word, first bucket lowest), worked
 * out apart from bucket.c.
 */
static void table_digest_known_values(void)
{
	const u32 v4[1] = { 0xc0000201 }, v6[4] = { 0x20010db8, 0, 0, 1 };
	const u8 five[5] = { 1, 2, 3, 1, 2 };
	u8 owner[1021];
	u32 b;

	for (b = 0; b < 1021; b++)
		owner[b] = (b * 7) % 5 + 1;
	CHECK(shoal_table_digest(v4, 1, five, 5) == 0x53f4f2dd4d78aeddull);
	CHECK(shoal_table_digest(v6, 4, owner, 1021) == 0x26d02052e73eef81ull);
}

static void flow_print_is_a_function(void)
{
	const u32 s4[1] = { 0xc0000201 }, c4[1] = { 0xc6336410 };
	u32 s4b[1] = { 0xc0000201 }, c4b[1] = { 0xc6336410 };
	const u32 s6[4] = { 0x20010db8, 0, 0, 1 };
	const u32 c6[4] = { 0x20010db8, 0, 0, 0xabcd };
	u32 s6b[4] = { 0x20010db8, 0, 0, 1 };
	u32 c6b[4] = { 0x20010db8, 0, 0, 0xabcd };
	u32 ports = 40000u << 16 | 53;
	u64 p4 = shoal_flow_print(s4, c4, 1, 17, ports);
	u64 p6 = shoal_flow_print(s6, c6, 4, 17, ports);

	CHECK(p4 == shoal_flow_print(s4b, c4b, 1, 17, ports));
	CHECK(p6 == shoal_flow_print(s6b, c6b, 4, 17, ports));
	CHECK(p4 != p6);
	CHECK(p4 >> 32 != 0 && (u32)p4 != 0);
	CHECK(p4 >> 32 != (u32)p4);
	/* worked out apart from bucket.c, as for the digest */
	CHECK(p4 == 0xcdde20ad90119963ull);
	CHECK(shoal_flow_print(s6, c6, 4, 17, 40000u << 16 | 443) ==
	      0x7c7d71f333211a05ull);
}

/* Every part of the flow counts: addresses, protocol, either port. */
static void flow_print_sees_every_part(void)
{
	u32 s4[1] = { 0xc0000201 }, c4[1] = { 0xc6336410 };
	u32 s6[4] = { 0x20010db8, 0, 0, 1 };
	u32 c6[4] = { 0x20010db8, 0, 0, 0xabcd };
	u32 s6as4[4] = { 0xc0000201, 0, 0, 0 };
	u32 c6as4[4] = { 0xc6336410, 0, 0, 0 };
	u32 ports = 40000u << 16 | 53, bit, w, same = 0;
	u64 p4 = shoal_flow_print(s4, c4, 1, 17, ports);
	u64 p6 = shoal_flow_print(s6, c6, 4, 17, ports);

	for (bit = 0; bit < 32; bit++) {
		s4[0] ^= 1u << bit;
		same += shoal_flow_print(s4, c4, 1, 17, ports) == p4;
		s4[0] ^= 1u << bit;
		c4[0] ^= 1u << bit;
		same += shoal_flow_print(s4, c4, 1, 17, ports) == p4;
		c4[0] ^= 1u << bit;
		same += shoal_flow_print(s4, c4, 1, 17,
					 ports ^ 1u << bit) == p4;
	}
	for (w = 0; w < 4; w++) {
		for (bit = 0; bit < 32; bit += 5) {
			s6[w] ^= 1u << bit;
			same += shoal_flow_print(s6, c6, 4, 17, ports) == p6;
			s6[w] ^= 1u << bit;
			c6[w] ^= 1u << bit;
			same += shoal_flow_print(s6, c6, 4, 17, ports) == p6;
			c6[w] ^= 1u << bit;
		}
	}
	CHECK_INT(same, 0);
	/* the protocol */
	CHECK(shoal_flow_print(s4, c4, 1, 6, ports) != p4);
	CHECK(shoal_flow_print(s4, c4, 1, 0, ports) != p4);
	CHECK(shoal_flow_print(s6, c6, 4, 6, ports) != p6);
	/* the ports each way, swapped, and either one alone */
	CHECK(shoal_flow_print(s4, c4, 1, 17, 53u << 16 | 40000) != p4);
	CHECK(shoal_flow_print(s4, c4, 1, 17, 40001u << 16 | 53) != p4);
	CHECK(shoal_flow_print(s4, c4, 1, 17, 40000u << 16 | 54) != p4);
	CHECK(shoal_flow_print(s6, c6, 4, 17, 40000u << 16 | 54) != p6);
	/* which end is which */
	CHECK(shoal_flow_print(c4, s4, 1, 17, ports) != p4);
	CHECK(shoal_flow_print(c6, s6, 4, 17, ports) != p6);
	/* IPv4 is not the IPv6 flow whose addresses start with it */
	CHECK(shoal_flow_print(s6as4, c6as4, 4, 17, ports) != p4);
	CHECK(shoal_flow_print(s6as4, c6as4, 1, 17, ports) == p4);
	/* nor the protocol a port, or the other way round */
	CHECK(shoal_flow_print(s4, c4, 1, 53, 40000u << 16 | 17) != p4);
	/* only n words of each address are the flow's */
	s6as4[1] = 0x12345678;
	c6as4[3] = 0x9abcdef0;
	CHECK(shoal_flow_print(s6as4, c6as4, 1, 17, ports) == p4);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* The 65536 client ports of one client give 65536 fingerprints. */
static void flow_prints_of_all_ports_differ(void)
{
	const u32 s[1] = { 0xc0000201 }, c[1] = { 0xc6336410 };
	const u32 s6[4] = { 0x20010db8, 0, 0, 1 };
	const u32 c6[4] = { 0x20010db8, 0, 0, 2 };
	u64 *p = malloc(2 * 65536 * sizeof(*p));
	u32 port, i, dup = 0;

	for (port = 0; port < 65536; port++) {
		p[port] = shoal_flow_print(s, c, 1, 17, port << 16 | 53);
		p[65536 + port] = shoal_flow_print(s6, c6, 4, 17,
						   port << 16 | 443);
	}
	qsort(p, 2 * 65536, sizeof(*p), cmp_u64);
	for (i = 1; i < 2 * 65536; i++)
		dup += p[i] == p[i - 1];
	CHECK_INT(dup, 0);
	free(p);
}

static void setup(void)
{
	shoal_bucket_init();
}

static u64 digest_of(const u32 *w, unsigned int n)
{
	struct shoal_digest d;
	unsigned int i;

	shoal_digest_begin(&d, n);
	for (i = 0; i < n; i++)
		shoal_digest_add(&d, w[i]);
	return shoal_digest_end(&d);
}

/* Configuration digests: every word, its place and the count count. */
static void config_digest_sees_every_word(void)
{
	u32 w[8] = { 0x02000050, 0x00000100, 1024, 3 << 16, 0, 0, 1, 2 };
	u32 v[8];
	u64 base = digest_of(w, 8);
	unsigned int i;

	CHECK(digest_of(w, 8) == base);
	for (i = 0; i < 8; i++) {
		memcpy(v, w, sizeof(v));
		v[i] ^= 1;
		CHECK(digest_of(v, 8) != base);
	}
	memcpy(v, w, sizeof(v));
	v[6] = w[7];
	v[7] = w[6];
	CHECK(digest_of(v, 8) != base);
	CHECK(digest_of(w, 7) != base);
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
	{ "bucket: a table's digest is a function of its inputs",
	  table_digest_is_a_function },
	{ "bucket: every owner counts in a table's digest",
	  table_digest_sees_every_owner },
	{ "bucket: the bucket count counts in a table's digest",
	  table_digest_sees_the_bucket_count },
	{ "bucket: the address counts in a table's digest",
	  table_digest_sees_the_address },
	{ "bucket: tables of sizes not a multiple of 4 digest",
	  table_digest_of_odd_sizes },
	{ "bucket: table digests have known values",
	  table_digest_known_values },
	{ "bucket: a flow's fingerprint is a function of the flow",
	  flow_print_is_a_function },
	{ "bucket: addresses, protocol and ports count in a fingerprint",
	  flow_print_sees_every_part },
	{ "bucket: fingerprints of all client ports differ",
	  flow_prints_of_all_ports_differ },
	{ "bucket: every word, its place and the count count in a configuration digest",
	  config_digest_sees_every_word },
	{ NULL, NULL },
};
