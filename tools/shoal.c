// SPDX-License-Identifier: GPL-2.0
/* shoal: configure the shoal cluster module over generic netlink. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/shoal.h>

#include "json.h"
#include "key.h"
#include "nl.h"
#include "shoal.h"
#include "utils.h"

#ifndef SHOAL_VERSION
#define SHOAL_VERSION "unknown"
#endif

/* Words on one batch line; far more than any command takes. */
#define BATCH_MAX_ARGS	64

bool json_output;
bool pretty_output;
bool stats_output;

static struct nl_sock *nl_sock;

struct nl_sock *shoal_nl(void)
{
	if (!nl_sock)
		nl_sock = nl_open(SHOAL_GENL_NAME, SHOAL_GENL_VERSION);
	return nl_sock;
}

void print_list(const void *items, size_t count, size_t size,
		void (*plain)(const void *item),
		void (*to_json)(struct json *j, const void *item))
{
	const char *item = items;
	struct json *j;
	size_t i;

	if (!json_output) {
		for (i = 0; i < count; i++)
			plain(item + i * size);
		return;
	}

	j = json_new(stdout, pretty_output);
	json_arr_open(j);
	for (i = 0; i < count; i++)
		to_json(j, item + i * size);
	json_arr_close(j);
	json_free(j);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: shoal [ OPTIONS ] OBJECT { COMMAND | help }\n"
		"       shoal [ OPTIONS ] -b[atch] FILE\n"
		"where  OBJECT := { cluster | node | service | bucket | persona |\n"
		"                   disk | agent | monitor | key }\n"
		"       OPTIONS := { -j[son] | -p[retty] | -s[tatistics] |\n"
		"                    -n[etns] NAME | -b[atch] FILE | -V[ersion] |\n"
		"                    -h[elp] }\n");
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static const struct cmd objects[] = {
	{ "cluster", do_cluster, false },
	{ "node", do_node, false },
	{ "service", do_service, false },
	{ "bucket", do_bucket, false },
	{ "persona", do_persona, false },
	{ "disk", do_disk, false },
	{ "agent", do_agent, false },
	{ "monitor", do_monitor, false },
	{ "key", do_key, false },
	{ "help", do_help, false },
	{ NULL, NULL, false },
};

static int do_cmd(int argc, char **argv)
{
	const struct cmd *obj = cmd_get(objects, argv[0], "object", NULL,
					"shoal help");

	if (!obj)
		return -1;
	/* a prefix must not start a daemon by accident */
	if (obj->fn == do_agent && strcmp(argv[0], obj->name)) {
		pr_err("\"%s\" would start the agent, a daemon; give \"agent\" in full.",
		       argv[0]);
		return -1;
	}
	return obj->fn(argc - 1, argv + 1);
}

static int do_batch(const char *name)
{
	char *argv[BATCH_MAX_ARGS];
	char *line = NULL;
	size_t size = 0;
	int lineno = 0, ret = 0;
	FILE *f;

	f = strcmp(name, "-") ? fopen(name, "r") : stdin;
	if (!f) {
		pr_err_sys("cannot open \"%s\": %s.", name, strerror(errno));
		return -1;
	}
	/* stdio reads ahead: a key on standard input is on the next line */
	if (f == stdin)
		key_stdin_batch(f, &lineno);

	while (getline(&line, &size, f) >= 0) {
		int argc, cmd_line = ++lineno;
		const char *err;

		argc = split_line(line, argv, BATCH_MAX_ARGS, &err);
		if (argc < 0)
			pr_err("%s.", err);
		if (argc == 0)
			continue;
		/* each line fails for its own reason */
		fail_reset();
		if (argc < 0 || do_cmd(argc, argv)) {
			fprintf(stderr, "Command failed %s:%d\n", name, cmd_line);
			ret = -1;
			break;
		}
		/* keep output in step with errors when both go to a terminal */
		fflush(stdout);
	}
	if (!ret && ferror(f)) {
		fail_reset();
		pr_err_sys("cannot read \"%s\": %s.", name, strerror(errno));
		ret = -1;
	}

	free(line);
	key_stdin_batch(NULL, NULL);
	if (f != stdin)
		fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "statistics", no_argument, NULL, 's' },
		{ "netns", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "version", no_argument, NULL, 'V' },
		/* ip spells it -Version */
		{ "Version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *netns = NULL, *batch = NULL;
	int opt, ret;

	/*
	 * getopt_long_only() gives ip's "-json" next to "--json" and "-jp";
	 * "+" stops at the object, ":" lets us word the errors.
	 */
	while ((opt = getopt_long_only(argc, argv, "+:jpsn:b:Vh", long_opts,
				       NULL)) != -1) {
		switch (opt) {
		case 'j':
			json_output = true;
			break;
		case 'p':
			/* pretty text would mean nothing: -p asks for JSON */
			json_output = true;
			pretty_output = true;
			break;
		case 's':
			stats_output = true;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'V':
			printf("shoal version %s\n", SHOAL_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			pr_err("option \"%s\" needs an argument.", argv[optind - 1]);
			return STATUS_USAGE;
		default:
			if (optopt)
				pr_err("unknown option \"-%c\"; try \"shoal -h\".",
				       optopt);
			else
				pr_err("unknown option \"%s\"; try \"shoal -h\".",
				       argv[optind - 1]);
			return STATUS_USAGE;
		}
	}
	argc -= optind;
	argv += optind;

	if (batch && argc > 0) {
		pr_err("unexpected argument \"%s\" after \"-b %s\".", argv[0], batch);
		return STATUS_USAGE;
	}
	if (!batch && argc < 1) {
		usage(stderr);
		return STATUS_USAGE;
	}

	/* before any socket exists: sockets belong to the netns they start in */
	if (netns && netns_switch(netns))
		return fail_status();

	ret = batch ? do_batch(batch) : do_cmd(argc, argv);
	nl_close(nl_sock);

	/* a failure the command got over is no reason to fail now */
	if (!ret)
		fail_reset();
	if (fflush(stdout) || ferror(stdout)) {
		pr_err_sys("cannot write output: %s.", strerror(errno));
		ret = -1;
	}
	return ret ? (int)fail_status() : STATUS_OK;
}
