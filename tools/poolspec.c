// SPDX-License-Identifier: GPL-2.0
/* The words of a service's elastic pool; see poolspec.h. */
#include <string.h>

#include "poolspec.h"
#include "utils.h"

enum { POOL_OFF, POOL_MIN, POOL_MAX, POOL_UP, POOL_DOWN, POOL_HOLD,
       POOL_LOAD, POOL_WORDS };

static const struct keyword pool_words[] = {
	{ "off", POOL_OFF, false },
	{ "min", POOL_MIN, false },
	{ "max", POOL_MAX, false },
	{ "up", POOL_UP, false },
	{ "down", POOL_DOWN, false },
	{ "hold", POOL_HOLD, false },
	{ "load", POOL_LOAD, false },
	{ NULL, 0, false },
};

static const struct keyword loads[] = {
	{ "cpu", SHOAL_LOAD_CPU, false },
	{ "pps", SHOAL_LOAD_PPS, false },
	{ "conns", SHOAL_LOAD_CONNS, false },
	{ "pushed", SHOAL_LOAD_PUSHED, false },
	{ NULL, 0, false },
};

const char *pool_load_name(int load)
{
	const struct keyword *k;

	for (k = loads; k->name; k++)
		if (k->id == load)
			return k->name;
	return "?";
}

int poolspec_parse(int argc, char **argv, const char *hint,
		   struct poolspec *ps)
{
	bool seen[POOL_WORDS] = { false };
	uint32_t *val;
	const char *name;
	int word, load;

	memset(ps, 0, sizeof(*ps));
	ps->hold = -1;
	ps->load = -1;
	if (argc == 0) {
		pr_err("\"pool\" needs \"off\" or \"min N max M up PCT down PCT\"; try \"%s\".",
		       hint);
		return -1;
	}
	while (argc > 0) {
		word = keyword_get(pool_words, argv[0], "pool setting", "pool",
				   hint);
		if (word < 0)
			return -1;
		name = pool_words[word].name;
		if (seen[word]) {
			pr_err("\"%s\" is given twice.", name);
			return -1;
		}
		seen[word] = true;
		argc--;
		argv++;
		if (word == POOL_OFF) {
			ps->off = true;
			continue;
		}
		if (argc < 1) {
			pr_err("\"%s\" needs a value; try \"%s\".", name, hint);
			return -1;
		}
		if (word == POOL_LOAD) {
			load = keyword_get(loads, argv[0], "load", "pool load",
					   hint);
			if (load < 0)
				return -1;
			ps->load = load;
			argc--;
			argv++;
			if (load != SHOAL_LOAD_PPS && load != SHOAL_LOAD_CONNS)
				continue;
			if (argc < 1) {
				pr_err("\"load %s\" needs the rate one member takes at 100%%, as in \"load %s 10000\".",
				       pool_load_name(load), pool_load_name(load));
				return -1;
			}
			if (parse_u32(argv[0], 1, UINT32_MAX, "capacity",
				      &ps->capacity))
				return -1;
			argc--;
			argv++;
			continue;
		}
		if (word == POOL_HOLD) {
			uint32_t hold;

			if (parse_u32_unit(argv[0], 1, SHOAL_POOL_HOLD_MAX,
					   "pool hold", "seconds", &hold))
				return -1;
			ps->hold = hold;
		} else if (word == POOL_MIN || word == POOL_MAX) {
			val = word == POOL_MIN ? &ps->min : &ps->max;
			if (parse_u32(argv[0], 1, SHOAL_POOL_MEMBERS,
				      word == POOL_MIN ? "pool min" : "pool max",
				      val))
				return -1;
		} else if (word == POOL_UP) {
			if (parse_u32_unit(argv[0], 1, SHOAL_UTIL_MAX,
					   "pool up", "percent", &ps->up))
				return -1;
		} else {
			if (parse_u32_unit(argv[0], 0, SHOAL_UTIL_MAX - 1,
					   "pool down", "percent", &ps->down))
				return -1;
		}
		argc--;
		argv++;
	}
	if (ps->off) {
		if (seen[POOL_MIN] || seen[POOL_MAX] || seen[POOL_UP] ||
		    seen[POOL_DOWN] || seen[POOL_HOLD] || seen[POOL_LOAD]) {
			pr_err("\"pool off\" takes no other setting.");
			return -1;
		}
		return 0;
	}
	for (word = POOL_MIN; word <= POOL_DOWN; word++) {
		if (!seen[word]) {
			pr_err("a pool needs \"%s\": give min, max, up and down; try \"%s\".",
			       pool_words[word].name, hint);
			return -1;
		}
	}
	return 0;
}
