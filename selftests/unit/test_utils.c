// SPDX-License-Identifier: GPL-2.0
/* Argument parsing: words, commands, numbers, names, batch lines; times. */
#define _GNU_SOURCE
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ktap.h"
#include "utils.h"

/* Collects what pr_err() and friends print. */
static void prefixes(void)
{
	CHECK(is_prefix("s", "show"));
	CHECK(is_prefix("show", "show"));
	CHECK(!is_prefix("shows", "show"));
	CHECK(!is_prefix("", "show"));
	CHECK(!is_prefix("x", "show"));
	CHECK(!is_prefix("Show", "show"));
}

enum { K_ADD, K_SET, K_DEL, K_SHOW, K_NO, K_NODE, K_NODES };

static const struct keyword commands[] = {
	{ "add", K_ADD, false },
	{ "set", K_SET, false },
	{ "del", K_DEL, false },
	{ "delete", K_DEL, false },
	{ "show", K_SHOW, true },
	{ "list", K_SHOW, false },
	{ NULL, 0, false },
};

static const struct keyword nodes[] = {
	{ "no", K_NO, false },
	{ "node", K_NODE, false },
	{ "nodes", K_NODES, false },
	{ NULL, 0, false },
};

static void keyword_lookup(void)
{
	CHECK_INT(keyword_find(commands, "add"), K_ADD);
	CHECK_INT(keyword_find(commands, "a"), K_ADD);
	CHECK_INT(keyword_find(commands, "se"), K_SET);
	CHECK_INT(keyword_find(commands, "sh"), K_SHOW);
	CHECK_INT(keyword_find(commands, "l"), K_SHOW);
	CHECK_INT(keyword_find(commands, "frob"), KW_UNKNOWN);
	CHECK_INT(keyword_find(commands, ""), KW_UNKNOWN);
	CHECK_INT(keyword_find(commands, "adds"), KW_UNKNOWN);
}

static void keyword_aliases(void)
{
	/* "d", "de" and "del" hit two names of one command: no ambiguity */
	CHECK_INT(keyword_find(commands, "d"), K_DEL);
	CHECK_INT(keyword_find(commands, "del"), K_DEL);
	CHECK_INT(keyword_find(commands, "dele"), K_DEL);
}

static void keyword_preferred(void)
{
	/* "s" could be set or show; show is marked as the one to pick */
	CHECK_INT(keyword_find(commands, "s"), K_SHOW);
}

static void keyword_exact_wins(void)
{
	CHECK_INT(keyword_find(nodes, "no"), K_NO);
	CHECK_INT(keyword_find(nodes, "node"), K_NODE);
	CHECK_INT(keyword_find(nodes, "nodes"), K_NODES);
	CHECK_INT(keyword_find(nodes, "n"), KW_AMBIGUOUS);
	CHECK_INT(keyword_find(nodes, "nod"), KW_AMBIGUOUS);
}

static void keyword_messages(void)
{
	struct errbuf e;
	char *msg;

	err_start(&e);
	CHECK_INT(keyword_get(nodes, "nod", "command", "x", "y"), -1);
	msg = err_end(&e);
	CHECK_STR(msg, "Error: \"nod\" is ambiguous; it could mean \"node\" or \"nodes\".\n");
	free(msg);

	err_start(&e);
	CHECK_INT(keyword_get(nodes, "n", "command", "x", "y"), -1);
	msg = err_end(&e);
	CHECK_STR(msg, "Error: \"n\" is ambiguous; it could mean \"no\", \"node\" or \"nodes\".\n");
	free(msg);

	err_start(&e);
	CHECK_INT(keyword_get(commands, "frob", "command", "node",
			      "shoal node help"), -1);
	msg = err_end(&e);
	CHECK_STR(msg, "Error: unknown command \"frob\" for \"node\"; try \"shoal node help\".\n");
	free(msg);

	err_start(&e);
	CHECK_INT(keyword_get(commands, "frob", "object", NULL, "shoal help"), -1);
	msg = err_end(&e);
	CHECK_STR(msg, "Error: unknown object \"frob\"; try \"shoal help\".\n");
	free(msg);

	err_start(&e);
	CHECK_INT(keyword_get(commands, "de", "command", "node", "h"), K_DEL);
	msg = err_end(&e);
	CHECK_STR(msg, "");
	free(msg);
}

/* What the last command run by the dispatch tests was given. */
static const char *ran;
static int ran_argc;
static char **ran_argv;

static int note(const char *name, int argc, char **argv)
{
	ran = name;
	ran_argc = argc;
	ran_argv = argv;
	return 7;
}

static int cmd_add(int argc, char **argv)
{
	return note("add", argc, argv);
}

static int cmd_set(int argc, char **argv)
{
	return note("set", argc, argv);
}

static int cmd_show(int argc, char **argv)
{
	return note("show", argc, argv);
}

static int cmd_node(int argc, char **argv)
{
	return note("node", argc, argv);
}

static int cmd_nodes(int argc, char **argv)
{
	return note("nodes", argc, argv);
}

static void cmd_usage(void)
{
	ran = "usage";
}

static const struct cmd cmds[] = {
	{ "add", cmd_add, false },
	{ "set", cmd_set, false },
	{ "show", cmd_show, true },
	{ "list", cmd_show, false },
	{ NULL, NULL, false },
};

static const struct cmd ambiguous_cmds[] = {
	{ "node", cmd_node, false },
	{ "nodes", cmd_nodes, false },
	{ NULL, NULL, false },
};

/* Dispatches @argc words of @line, a NULL-ended list; checks what ran. */
static void check_dispatch(const struct cmd *table,
			   int (*dflt)(int argc, char **argv),
			   const char *const *line, int want_ret,
			   const char *want_ran, const char *want_err,
			   int lineno)
{
	char *argv[8];
	struct errbuf e;
	int argc = 0, ret;
	char *msg;

	while (line[argc] && argc < 8) {
		argv[argc] = (char *)line[argc];
		argc++;
	}
	ran = NULL;
	ran_argc = -1;
	err_start(&e);
	ret = dispatch(table, "node", dflt, cmd_usage, argc, argv);
	msg = err_end(&e);
	ktap_check_int(ret, want_ret, "dispatch", __FILE__, lineno);
	ktap_check_str(ran ? ran : "(none)", want_ran, "ran", __FILE__, lineno);
	ktap_check_str(msg, want_err, "error", __FILE__, lineno);
	/* a command gets the words after its name */
	if (ran && argc > 0 && strcmp(ran, "usage")) {
		ktap_check_int(ran_argc, argc - 1, "argc", __FILE__, lineno);
		ktap_check(ran_argv == argv + 1, "argv", __FILE__, lineno);
	}
	free(msg);
}

#define CHECK_DISPATCH(table, dflt, ret, ran, err, ...) \
	check_dispatch(table, dflt, (const char *const[]){ __VA_ARGS__, NULL }, \
		       ret, ran, err, __LINE__)

static void dispatch_commands(void)
{
	CHECK_DISPATCH(cmds, cmd_show, 7, "add", "", "add", "1");
	CHECK_DISPATCH(cmds, cmd_show, 7, "add", "", "a");
	CHECK_DISPATCH(cmds, cmd_show, 7, "set", "", "se", "1", "weight", "2");
	/* an alias, and "s" settled by the preferred entry */
	CHECK_DISPATCH(cmds, cmd_show, 7, "show", "", "l");
	CHECK_DISPATCH(cmds, cmd_show, 7, "show", "", "s", "1");
	CHECK_DISPATCH(cmds, cmd_show, 0, "usage", "", "h", "extra");
	CHECK_DISPATCH(cmds, cmd_show, 0, "usage", "", "help");
	CHECK_DISPATCH(cmds, cmd_show, -1, "(none)",
		       "Error: unknown command \"frob\" for \"node\"; try \"shoal node help\".\n",
		       "frob");
	CHECK_DISPATCH(cmds, cmd_show, -1, "(none)",
		       "Error: unknown command \"\" for \"node\"; try \"shoal node help\".\n",
		       "");
	CHECK_DISPATCH(ambiguous_cmds, cmd_show, 7, "nodes", "", "nodes");
	CHECK_DISPATCH(ambiguous_cmds, cmd_show, -1, "(none)",
		       "Error: \"nod\" is ambiguous; it could mean \"node\" or \"nodes\".\n",
		       "nod");
}

static void dispatch_default(void)
{
	char *argv[1] = { NULL };
	struct errbuf e;
	char *msg;

	ran = NULL;
	CHECK_INT(dispatch(cmds, "node", cmd_show, cmd_usage, 0, argv), 7);
	CHECK_STR(ran, "show");
	CHECK_INT(ran_argc, 0);

	ran = NULL;
	err_start(&e);
	CHECK_INT(dispatch(cmds, "key", NULL, cmd_usage, 0, argv), -1);
	msg = err_end(&e);
	CHECK(!ran);
	CHECK_STR(msg, "Error: missing command; try \"shoal key help\".\n");
	free(msg);
}

static void cmd_lookup(void)
{
	const struct cmd *c;
	struct errbuf e;
	char *msg;

	c = cmd_get(cmds, "li", "object", NULL, "shoal help");
	CHECK(c && c->fn == cmd_show);
	c = cmd_get(cmds, "a", "object", NULL, "shoal help");
	CHECK(c && c->fn == cmd_add);
	/* "help" is dispatch()'s to add, not cmd_get()'s */
	err_start(&e);
	CHECK(!cmd_get(cmds, "help", "object", NULL, "shoal help"));
	msg = err_end(&e);
	CHECK_STR(msg, "Error: unknown object \"help\"; try \"shoal help\".\n");
	free(msg);
}

static void u32_valid(void)
{
	uint32_t v = 0;

	CHECK_INT(parse_u32("1", 1, 255, "node id", &v), 0);
	CHECK_INT(v, 1);
	CHECK_INT(parse_u32("255", 1, 255, "node id", &v), 0);
	CHECK_INT(v, 255);
	CHECK_INT(parse_u32("007", 1, 255, "node id", &v), 0);
	CHECK_INT(v, 7);
	CHECK_INT(parse_u32("0", 0, 10, "value", &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(parse_u32("4294967295", 0, UINT32_MAX, "value", &v), 0);
	CHECK_INT(v, UINT32_MAX);
}

/* Expects @arg to be rejected with @want, leaving the value alone. */
static void check_u32_error(const char *arg, uint32_t min, uint32_t max,
			    const char *want, int line)
{
	uint32_t v = 12345;
	struct errbuf e;
	char *msg;
	int ret;

	err_start(&e);
	ret = parse_u32(arg, min, max, "node id", &v);
	msg = err_end(&e);
	ktap_check_int(ret, -1, arg, __FILE__, line);
	ktap_check_int(v, 12345, arg, __FILE__, line);
	ktap_check_str(msg, want, arg, __FILE__, line);
	free(msg);
}

static void u32_invalid(void)
{
	static const char *const bad[] = {
		"", "abc", "1a", " 1", "1 ", "+1", "-1", "0x10", "1.0", "１",
	};
	char want[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(want, sizeof(want),
			 "Error: \"%s\" is not a valid node id.\n", bad[i]);
		check_u32_error(bad[i], 1, 255, want, __LINE__);
	}
}

static void u32_range(void)
{
	check_u32_error("0", 1, 255,
			"Error: node id must be between 1 and 255.\n", __LINE__);
	check_u32_error("256", 1, 255,
			"Error: node id must be between 1 and 255.\n", __LINE__);
	/* past 32 bits must not wrap into range */
	check_u32_error("4294967296", 0, UINT32_MAX,
			"Error: node id must be between 0 and 4294967295.\n",
			__LINE__);
	check_u32_error("4294967297", 1, 255,
			"Error: node id must be between 1 and 255.\n",
			__LINE__);
	check_u32_error("123456789012345678901234567890", 1, 255,
			"Error: node id must be between 1 and 255.\n",
			__LINE__);
}

static void u32_unit(void)
{
	uint32_t v = 0;
	struct errbuf e;
	char *msg;

	CHECK_INT(parse_u32_unit("100", 10, 60000, "interval", "ms", &v), 0);
	CHECK_INT(v, 100);
	err_start(&e);
	CHECK_INT(parse_u32_unit("99999999999", 10, 60000, "interval", "ms",
				 &v), -1);
	msg = err_end(&e);
	CHECK_STR(msg, "Error: interval must be between 10 and 60000 ms.\n");
	free(msg);
	CHECK_INT(v, 100);
	/* the unit belongs to the range, not to the word */
	err_start(&e);
	CHECK_INT(parse_u32_unit("x", 10, 60000, "interval", "ms", &v), -1);
	msg = err_end(&e);
	CHECK_STR(msg, "Error: \"x\" is not a valid interval.\n");
	free(msg);
}

static void statuses(void)
{
	struct errbuf e;
	char *msg;

	/* nothing recorded: the caller's mistake */
	fail_reset();
	CHECK_INT(fail_status(), STATUS_USAGE);
	/* the first class recorded counts */
	fail_as(STATUS_REFUSED);
	fail_as(STATUS_SYSTEM);
	CHECK_INT(fail_status(), STATUS_REFUSED);
	fail_reset();
	err_start(&e);
	pr_err_sys("cannot %s.", "read");
	msg = err_end(&e);
	CHECK_STR(msg, "Error: cannot read.\n");
	free(msg);
	CHECK_INT(fail_status(), STATUS_SYSTEM);
	fail_reset();
}

static void ifname_lookup(void)
{
	struct errbuf e;
	uint32_t idx = 0;
	char *msg;

	err_start(&e);
	CHECK_INT(parse_ifname("shoal-nodev0", &idx), -1);
	CHECK_INT(parse_ifname("a-name-longer-than-ifnamsiz", &idx), -1);
	CHECK_INT(parse_ifname("", &idx), -1);
	msg = err_end(&e);
	CHECK_STR(msg, "Error: device \"shoal-nodev0\" does not exist.\n"
		       "Error: device \"a-name-longer-than-ifnamsiz\" does not exist.\n"
		       "Error: device \"\" does not exist.\n");
	free(msg);

	if (!if_nametoindex("lo")) {
		ktap_skip("no loopback device here");
		return;
	}
	CHECK_INT(parse_ifname("lo", &idx), 0);
	CHECK_INT(idx, if_nametoindex("lo"));
}

static void netns_names(void)
{
	struct errbuf e;
	char *msg;

	/* all rejected before any setns(), so the test stays put */
	err_start(&e);
	CHECK_INT(netns_switch(""), -1);
	CHECK_INT(netns_switch("a/b"), -1);
	CHECK_INT(netns_switch(".."), -1);
	CHECK_INT(netns_switch("shoal-unit-no-such-netns"), -1);
	msg = err_end(&e);
	CHECK_STR(msg, "Error: \"\" is not a valid network namespace name.\n"
		       "Error: \"a/b\" is not a valid network namespace name.\n"
		       "Error: \"..\" is not a valid network namespace name.\n"
		       "Error: network namespace \"shoal-unit-no-such-netns\" does not exist.\n");
	free(msg);
}

/* Splits @line and compares the words with @want, a NULL-ended list. */
/* What separates words on a batch line and around a key. */
static void blanks(void)
{
	const char *blank = " \t\n\r\v\f";
	int c;

	for (c = 1; c < 256; c++)
		CHECK_INT(is_blank((char)c), strchr(blank, c) != NULL);
	CHECK(!is_blank('\0'));
}

static void check_split(const char *line, const char *const *want, int lineno)
{
	char *argv[8], *copy = strdup(line);
	const char *err = NULL;
	int argc, i, n = 0;

	while (want[n])
		n++;
	argc = split_line(copy, argv, 8, &err);
	ktap_check_int(argc, n, line, __FILE__, lineno);
	for (i = 0; i < argc && i < n; i++)
		ktap_check_str(argv[i], want[i], line, __FILE__, lineno);
	free(copy);
}

#define CHECK_SPLIT(line, ...) \
	check_split(line, (const char *const[]){ __VA_ARGS__, NULL }, __LINE__)

static void split_words(void)
{
	CHECK_SPLIT("node show", "node", "show");
	CHECK_SPLIT("  node\tadd  1 \r\n", "node", "add", "1");
	CHECK_SPLIT("", NULL);
	CHECK_SPLIT("   \n", NULL);
	CHECK_SPLIT("# node del 1\n", NULL);
	CHECK_SPLIT("node show # all of them", "node", "show");
	/* '#' inside a word is not a comment */
	CHECK_SPLIT("a#b c", "a#b", "c");
}

static void split_quotes(void)
{
	CHECK_SPLIT("cluster set dev \"my dev\"", "cluster", "set", "dev", "my dev");
	CHECK_SPLIT("'a \"b\"' \"c 'd'\"", "a \"b\"", "c 'd'");
	CHECK_SPLIT("x\"y z\"w", "xy zw");
	CHECK_SPLIT("\"\" ''", "", "");
	CHECK_SPLIT("\"#not a comment\"", "#not a comment");
	CHECK_SPLIT("a\\ b \\\"c", "a b", "\"c");
	CHECK_SPLIT("\"q\\\"q\\\\\"", "q\"q\\");
	/* only \" and \\ are escapes inside double quotes */
	CHECK_SPLIT("\"a\\nb\"", "a\\nb");
	CHECK_SPLIT("'a\\'", "a\\");
	CHECK_SPLIT("end\\", "end\\");
}

static void split_errors(void)
{
	const char *err = NULL;
	char *argv[2];
	char line[64];

	snprintf(line, sizeof(line), "node \"add 1");
	CHECK_INT(split_line(line, argv, 2, &err), -1);
	CHECK_STR(err, "unterminated quote");

	snprintf(line, sizeof(line), "a 'b");
	CHECK_INT(split_line(line, argv, 2, &err), -1);
	CHECK_STR(err, "unterminated quote");

	snprintf(line, sizeof(line), "a b c");
	CHECK_INT(split_line(line, argv, 2, &err), -1);
	CHECK_STR(err, "too many arguments");

	/* exactly @max words is fine */
	snprintf(line, sizeof(line), "a b # c");
	CHECK_INT(split_line(line, argv, 2, &err), 2);
}

static void warnings(void)
{
	struct errbuf e;
	char *msg;

	err_start(&e);
	pr_warn("\"%s\" is world accessible.", "key");
	msg = err_end(&e);
	CHECK_STR(msg, "Warning: \"key\" is world accessible.\n");
	free(msg);
}

/* format_time() in the zone @tz. */
static void check_time(const char *tz, time_t sec, long nsec, const char *want,
		       int line)
{
	struct timespec ts = { .tv_sec = sec, .tv_nsec = nsec };
	char buf[TIME_STRLEN];

	setenv("TZ", tz, 1);
	tzset();
	ktap_check_str(format_time(&ts, buf), want, tz, __FILE__, line);
}

static void times(void)
{
	char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	check_time("UTC", 0, 0, "1970-01-01T00:00:00.000000", __LINE__);
	check_time("UTC", 1795379463, 123456789, "2026-11-22T20:31:03.123456",
		   __LINE__);
	/* microseconds are cut, not rounded into the next second */
	check_time("UTC", 1795379463, 999999999, "2026-11-22T20:31:03.999999",
		   __LINE__);
	check_time("UTC", 1795379463, 1000, "2026-11-22T20:31:03.000001",
		   __LINE__);
	/* local time, without the zone */
	check_time("EST5", 0, 0, "1969-12-31T19:00:00.000000", __LINE__);
	check_time("<+0530>-5:30", 1795379463, 5000000,
		   "2026-11-23T02:01:03.005000", __LINE__);

	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
}

const struct ktap_case utils_cases[] = {
	{ "utils: prefixes", prefixes },
	{ "utils: keyword lookup", keyword_lookup },
	{ "utils: keyword aliases are not ambiguous", keyword_aliases },
	{ "utils: preferred keyword settles a tie", keyword_preferred },
	{ "utils: exact keyword wins over longer ones", keyword_exact_wins },
	{ "utils: keyword error messages", keyword_messages },
	{ "utils: dispatch runs commands by prefix", dispatch_commands },
	{ "utils: dispatch without a command", dispatch_default },
	{ "utils: command lookup", cmd_lookup },
	{ "utils: u32 accepts in-range decimals", u32_valid },
	{ "utils: u32 rejects non-decimals", u32_invalid },
	{ "utils: u32 range errors", u32_range },
	{ "utils: u32 ranges with a unit", u32_unit },
	{ "utils: exit status classes", statuses },
	{ "utils: device names", ifname_lookup },
	{ "utils: network namespace names", netns_names },
	{ "utils: blanks", blanks },
	{ "utils: split words and comments", split_words },
	{ "utils: split quotes and escapes", split_quotes },
	{ "utils: split errors", split_errors },
	{ "utils: warnings", warnings },
	{ "utils: event times", times },
	{ NULL, NULL },
};
