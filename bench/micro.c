// SPDX-License-Identifier: GPL-2.0
/*
 * Host micro-benchmark of the bucket code the module runs, for
 * callgrind: the per-packet lookup (hash the source, pick the bucket,
 * test this node's bit) and the per-change ownership computation.
 *
 *   micro lookup N           N lookups of varied IPv4 sources
 *   micro assign B M         assign B buckets among M nodes, once
 *   micro rank B M           rank B buckets' M nodes, once
 *   micro failover B M R     rank once, then R times assign with node 1
 *                            down, as when a node fails
 *
 * Instruction counts come from running it under callgrind twice with
 * different N (or B, M) and taking the difference, so start-up cancels.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bucket.h"

#define BITS_PER_WORD	(8 * sizeof(unsigned long))

static unsigned long owned[65536 / BITS_PER_WORD];

/* What the module does per packet, minus the table lookup by address. */
static __attribute__((noinline)) int lookup(u32 saddr, u16 sport,
					     u32 nbuckets)
{
	u32 words[2] = { saddr, sport };
	u32 b = shoal_bucket_of(shoal_hash_words(words, 2, 0), nbuckets);

	return (owned[b / BITS_PER_WORD] >> (b % BITS_PER_WORD)) & 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "lookup")) {
		unsigned long n = strtoul(argv[2], NULL, 0), i, hits = 0;

		memset(owned, 0x55, sizeof(owned));
		for (i = 0; i < n; i++)
			hits += lookup(0xc6336400 + (i & 0xff),
				       (u16)(1024 + i * 7), 1024);
		printf("%lu\n", hits);
		return 0;
	}
	if ((argc == 4 && (!strcmp(argv[1], "assign") ||
			   !strcmp(argv[1], "rank"))) ||
	    (argc == 5 && !strcmp(argv[1], "failover"))) {
		u32 nbuckets = strtoul(argv[2], NULL, 0);
		unsigned int m = strtoul(argv[3], NULL, 0), i;
		unsigned long reps = argc == 5 ? strtoul(argv[4], NULL, 0) : 0;
		struct shoal_member *members = calloc(m, sizeof(*members));
		struct shoal_candidate *cand = calloc(m, sizeof(*cand));
		u8 *owner = malloc(nbuckets);
		u8 *rank = malloc((size_t)nbuckets * SHOAL_RANKS);
		unsigned int n;

		if (!members || !cand || !owner || !rank || m > 255)
			return 1;
		shoal_bucket_init();
		for (i = 0; i < m; i++)
			members[i] = (struct shoal_member){ i + 1, 1, 1, 0 };
		if (!strcmp(argv[1], "assign")) {
			n = shoal_candidates(members, m, cand);
			shoal_assign(cand, n, 0, nbuckets, owner);
		} else {
			shoal_rank(members, m, 0, nbuckets, rank);
			owner[nbuckets - 1] = rank[0];
			members[0].up = 0;
			n = shoal_candidates(members, m, cand);
			while (reps--)
				shoal_assign_ranked(cand, n, rank, 0, nbuckets,
						    owner);
		}
		printf("%u\n", owner[nbuckets - 1]);
		free(members);
		free(cand);
		free(owner);
		free(rank);
		return 0;
	}
	fprintf(stderr, "usage: micro lookup N | micro assign|rank BUCKETS NODES |\n"
		"       micro failover BUCKETS NODES REPEATS\n");
	return 2;
}
