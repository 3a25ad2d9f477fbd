/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_POOLSPEC_H
#define SHOAL_POOLSPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/shoal.h>

/*
 * A service's elastic pool as "shoal service set ADDR pool ..." gives it:
 *   pool min N max M up PCT down PCT [ hold S ]
 *        [ load { cpu | pps N | conns N | pushed } ]
 *   pool off
 * The kernel checks the values against each other and their ranges (and
 * says why); here only their form. No netlink.
 */
struct poolspec {
	bool off;
	uint32_t min, max, up, down;
	int64_t hold;		/* -1: not given */
	int load;		/* enum shoal_load, -1: not given */
	uint32_t capacity;	/* with SHOAL_LOAD_PPS or _CONNS */
};

/*
 * Parse the @argc words after "pool" into @ps. Returns 0 or -1 (printed,
 * naming @hint for help).
 */
int poolspec_parse(int argc, char **argv, const char *hint,
		   struct poolspec *ps);

/* "cpu", "pps", "conns" or "pushed"; "?" for anything else. */
const char *pool_load_name(int load);

#endif
