// SPDX-License-Identifier: GPL-2.0
/* The words of "shoal service set ADDR pool ...". */
#include <stdlib.h>
#include <string.h>

#include "ktap.h"
#include "poolspec.h"

#define HINT "shoal service help"

/* Split @line at blanks (into a buffer of the caller's) and parse it. */
static int parse(const char *line, struct poolspec *ps, char **err)
{
	char buf[256], *argv[32];
	int argc = 0, ret;
	struct errbuf e;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok(buf, " "); w && argc < 32; w = strtok(NULL, " "))
		argv[argc++] = w;
	err_start(&e);
	ret = poolspec_parse(argc, argv, HINT, ps);
	*err = err_end(&e);
	return ret;
}

static void good(void)
{
	struct poolspec ps;
	char *err;

	CHECK_INT(parse("min 2 max 4 up 80 down 30", &ps, &err), 0);
	CHECK_STR(err, "");
	free(err);
	CHECK(!ps.off);
	CHECK_INT(ps.min, 2);
	CHECK_INT(ps.max, 4);
	CHECK_INT(ps.up, 80);
	CHECK_INT(ps.down, 30);
	CHECK_INT(ps.hold, -1);
	CHECK_INT(ps.load, -1);

	/* any order, hold, each load */
	CHECK_INT(parse("down 0 up 254 hold 5 max 16 min 1 load pps 10000", &ps,
			&err), 0);
	free(err);
	CHECK_INT(ps.min, 1);
	CHECK_INT(ps.max, 16);
	CHECK_INT(ps.up, 254);
	CHECK_INT(ps.down, 0);
	CHECK_INT(ps.hold, 5);
	CHECK_INT(ps.load, SHOAL_LOAD_PPS);
	CHECK_INT(ps.capacity, 10000);
	CHECK_INT(parse("min 2 max 4 up 80 down 30 load conns 50", &ps, &err), 0);
	free(err);
	CHECK_INT(ps.load, SHOAL_LOAD_CONNS);
	CHECK_INT(ps.capacity, 50);
	CHECK_INT(parse("min 2 max 4 load pushed up 80 down 30", &ps, &err), 0);
	free(err);
	CHECK_INT(ps.load, SHOAL_LOAD_PUSHED);
	CHECK_INT(ps.capacity, 0);
	CHECK_INT(parse("min 2 max 4 up 80 down 30 load cpu", &ps, &err), 0);
	free(err);
	CHECK_INT(ps.load, SHOAL_LOAD_CPU);

	CHECK_INT(parse("off", &ps, &err), 0);
	CHECK_STR(err, "");
	free(err);
	CHECK(ps.off);

	CHECK_STR(pool_load_name(SHOAL_LOAD_CPU), "cpu");
	CHECK_STR(pool_load_name(SHOAL_LOAD_PPS), "pps");
	CHECK_STR(pool_load_name(SHOAL_LOAD_CONNS), "conns");
	CHECK_STR(pool_load_name(SHOAL_LOAD_PUSHED), "pushed");
	CHECK_STR(pool_load_name(__SHOAL_LOAD_MAX), "?");
}

/* @line is refused with a message that contains @want. */
static void refused(const char *line, const char *want, int lineno)
{
	struct poolspec ps;
	char *err;

	ktap_check_int(parse(line, &ps, &err), -1, line, __FILE__, lineno);
	ktap_check(strstr(err, want) != NULL, want, __FILE__, lineno);
	free(err);
}

#define REFUSED(line, want) refused((line), (want), __LINE__)

static void bad(void)
{
	REFUSED("", "\"pool\" needs \"off\" or \"min N max M up PCT down PCT\"");
	REFUSED("min 2 max 4 up 80", "a pool needs \"down\"");
	REFUSED("max 4 up 80 down 30", "a pool needs \"min\"");
	REFUSED("min 2 up 80 down 30 hold 5", "a pool needs \"max\"");
	REFUSED("min 2 max 4 down 30", "a pool needs \"up\"");
	REFUSED("min 2 max 4 up 80 down", "\"down\" needs a value");
	REFUSED("min 2 min 3 max 4 up 80 down 30", "\"min\" is given twice");
	REFUSED("min x max 4 up 80 down 30", "\"x\" is not a valid pool min");
	REFUSED("min 2 max 4 up 80 down -1", "\"-1\" is not a valid pool down");
	REFUSED("min 2 max 4 up 80 down 30 hold 1.5", "not a valid pool hold");
	/* the kernel's ranges, with its words */
	REFUSED("min 0 max 4 up 80 down 30", "Error: pool min must be between 1 and 16.");
	REFUSED("min 2 max 17 up 80 down 30", "Error: pool max must be between 1 and 16.");
	REFUSED("min 2 max 4 up 0 down 0", "Error: pool up must be between 1 and 254 percent.");
	REFUSED("min 2 max 4 up 255 down 30", "Error: pool up must be between 1 and 254 percent.");
	REFUSED("min 2 max 4 up 80 down 254", "Error: pool down must be between 0 and 253 percent.");
	REFUSED("min 2 max 4 up 80 down 30 hold 0", "Error: pool hold must be between 1 and 3600 seconds.");
	REFUSED("min 2 max 4 up 80 down 30 hold 3601", "Error: pool hold must be between 1 and 3600 seconds.");
	REFUSED("min 2 max 4 up 80 down 30 size 3", "unknown pool setting \"size\"");
	REFUSED("min 2 max 4 up 80 down 30 load disk", "unknown load \"disk\"");
	REFUSED("min 2 max 4 up 80 down 30 load pps",
		"\"load pps\" needs the rate one member takes at 100%");
	REFUSED("min 2 max 4 up 80 down 30 load conns 0",
		"capacity must be between 1 and");
	REFUSED("min 2 max 4 up 80 down 30 load", "\"load\" needs a value");
	REFUSED("off min 2", "\"pool off\" takes no other setting");
	REFUSED("min 2 max 4 up 80 down 30 off", "\"pool off\" takes no other setting");
	REFUSED("off off", "\"off\" is given twice");
}

const struct ktap_case poolspec_cases[] = {
	{ "poolspec: settings in any order, each load, off", good },
	{ "poolspec: missing, repeated, unknown and malformed words", bad },
	{ NULL, NULL },
};
