// SPDX-License-Identifier: GPL-2.0
/* Argument parsing and small system calls; no netlink here. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "utils.h"

#define NETNS_RUN_DIR "/run/netns"

static FILE *err_stream;
/* what the running command failed of; STATUS_OK while nothing did */
static enum shoal_status status;

void set_error_stream(FILE *f)
{
	err_stream = f;
}

static void report(const char *prefix, const char *fmt, va_list ap)
{
	FILE *f = err_stream ? err_stream : stderr;

	fputs(prefix, f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("Error: ", fmt, ap);
	va_end(ap);
}

void fail_as(enum shoal_status st)
{
	if (status == STATUS_OK)
		status = st;
}

void fail_reset(void)
{
	status = STATUS_OK;
}

enum shoal_status fail_status(void)
{
	return status == STATUS_OK ? STATUS_USAGE : status;
}

void pr_err_sys(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("Error: ", fmt, ap);
	va_end(ap);
	fail_as(STATUS_SYSTEM);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("Warning: ", fmt, ap);
	va_end(ap);
}

bool is_prefix(const char *arg, const char *word)
{
	size_t len = strlen(arg);

	return len && len <= strlen(word) && !strncmp(arg, word, len);
}

int keyword_find(const struct keyword *table, const char *arg)
{
	const struct keyword *kw;
	int found = KW_UNKNOWN, preferred = KW_UNKNOWN;
	bool ambiguous = false;

	for (kw = table; kw->name; kw++)
		if (!strcmp(arg, kw->name))
			return kw->id;

	for (kw = table; kw->name; kw++) {
		if (!is_prefix(arg, kw->name))
			continue;
		if (kw->preferred)
			preferred = kw->id;
		/* an alias of the entry already found is no ambiguity */
		if (found != KW_UNKNOWN && found != kw->id)
			ambiguous = true;
		if (found == KW_UNKNOWN)
			found = kw->id;
	}

	if (!ambiguous)
		return found;
	return preferred != KW_UNKNOWN ? preferred : KW_AMBIGUOUS;
}

static void keyword_ambiguous(const struct keyword *table, const char *arg)
{
	FILE *f = err_stream ? err_stream : stderr;
	const struct keyword *kw, *prev;
	const struct keyword *hits[16];
	int n = 0, i;

	for (kw = table; kw->name && n < (int)(sizeof(hits) / sizeof(hits[0])); kw++) {
		if (!is_prefix(arg, kw->name))
			continue;
		for (prev = table; prev < kw; prev++)
			if (prev->id == kw->id && is_prefix(arg, prev->name))
				break;
		if (prev == kw)
			hits[n++] = kw;
	}

	fprintf(f, "Error: \"%s\" is ambiguous; it could mean ", arg);
	for (i = 0; i < n; i++)
		fprintf(f, "%s\"%s\"", i == 0 ? "" : i == n - 1 ? " or " : ", ",
			hits[i]->name);
	fputs(".\n", f);
}

int keyword_get(const struct keyword *table, const char *arg,
		const char *what, const char *context, const char *hint)
{
	int id = keyword_find(table, arg);

	if (id == KW_AMBIGUOUS) {
		keyword_ambiguous(table, arg);
		return -1;
	}
	if (id == KW_UNKNOWN) {
		if (context)
			pr_err("unknown %s \"%s\" for \"%s\"; try \"%s\".",
			       what, arg, context, hint);
		else
			pr_err("unknown %s \"%s\"; try \"%s\".", what, arg, hint);
		return -1;
	}
	return id;
}

int parse_u32(const char *arg, uint32_t min, uint32_t max, const char *what,
	      uint32_t *val)
{
	return parse_u32_unit(arg, min, max, what, NULL, val);
}

int parse_u32_unit(const char *arg, uint32_t min, uint32_t max,
		   const char *what, const char *unit, uint32_t *val)
{
	unsigned long long v = 0;
	const char *p;

	/* strtoul() would accept blanks, signs and wrap negative numbers */
	if (!*arg)
		goto invalid;
	for (p = arg; *p; p++) {
		if (*p < '0' || *p > '9')
			goto invalid;
		if (v <= UINT32_MAX)
			v = v * 10 + (unsigned int)(*p - '0');
	}
	/* the kernel's wording, so both sides of a range check read alike */
	if (v < min || v > max) {
		pr_err("%s must be between %u and %u%s%s.", what, min, max,
		       unit ? " " : "", unit ? unit : "");
		return -1;
	}
	*val = (uint32_t)v;
	return 0;

invalid:
	pr_err("\"%s\" is not a valid %s.", arg, what);
	return -1;
}

int parse_ifname(const char *arg, uint32_t *ifindex)
{
	unsigned int idx = 0;

	if (*arg && strlen(arg) < IFNAMSIZ)
		idx = if_nametoindex(arg);
	if (!idx) {
		pr_err("device \"%s\" does not exist.", arg);
		return -1;
	}
	*ifindex = idx;
	return 0;
}

const char *ifindex_name(unsigned int ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

const char *format_time(const struct timespec *ts, char *buf)
{
	struct tm tm;
	size_t len = 0;

	if (localtime_r(&ts->tv_sec, &tm))
		len = strftime(buf, TIME_STRLEN, "%Y-%m-%dT%H:%M:%S", &tm);
	/* a time struct tm cannot hold is no reason to drop the event */
	if (!len) {
		snprintf(buf, TIME_STRLEN, "%lld.%06ld", (long long)ts->tv_sec,
			 ts->tv_nsec / 1000);
		return buf;
	}
	snprintf(buf + len, TIME_STRLEN - len, ".%06ld", ts->tv_nsec / 1000);
	return buf;
}

int netns_switch(const char *name)
{
	char path[PATH_MAX];
	int fd;

	/* a name, not a path: keep the lookup inside NETNS_RUN_DIR */
	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, "..")) {
		pr_err("\"%s\" is not a valid network namespace name.", name);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			pr_err("network namespace \"%s\" does not exist.", name);
		else
			pr_err_sys("cannot open network namespace \"%s\": %s.",
			       name, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		pr_err_sys("cannot enter network namespace \"%s\": %s.",
		       name, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

int split_line(char *line, char **argv, int max, const char **err)
{
	char *in = line, *out = line;
	int argc = 0;

	for (;;) {
		char quote = 0;

		while (is_blank(*in))
			in++;
		if (!*in || *in == '#')
			break;
		if (argc == max) {
			*err = "too many arguments";
			return -1;
		}
		argv[argc++] = out;

		/* words shrink as quotes and escapes go, so write in place */
		for (; *in; in++) {
			if (quote) {
				if (*in == quote) {
					quote = 0;
					continue;
				}
				if (quote == '"' && *in == '\\' &&
				    (in[1] == '"' || in[1] == '\\'))
					in++;
				*out++ = *in;
				continue;
			}
			if (is_blank(*in))
				break;
			if (*in == '"' || *in == '\'') {
				quote = *in;
				continue;
			}
			if (*in == '\\' && in[1])
				in++;
			*out++ = *in;
		}
		if (quote) {
			*err = "unterminated quote";
			return -1;
		}
		if (*in)
			in++;
		*out++ = '\0';
	}
	return argc;
}

int no_more_args(int argc, char **argv, const char *hint)
{
	if (argc > 0) {
		pr_err("unexpected argument \"%s\"; try \"%s\".", argv[0], hint);
		return -1;
	}
	return 0;
}

/* More commands than any object has, aliases included. */
#define CMD_MAX		16

/*
 * keyword_get() over @cmds and, after them, @extra unless it is NULL. Each
 * entry becomes a keyword whose id is the index of the first entry running
 * the same function, so that aliases stay one command. Returns that index
 * (the number of commands for @extra), or -1.
 */
static int cmd_index(const struct cmd *cmds, const char *extra,
		     const char *arg, const char *what, const char *context,
		     const char *hint)
{
	struct keyword kw[CMD_MAX + 2];
	int n, i;

	for (n = 0; cmds[n].name; n++) {
		/* a table this long is a programming error */
		if (n == CMD_MAX)
			abort();
		for (i = 0; cmds[i].fn != cmds[n].fn; i++)
			;
		kw[n] = (struct keyword){ cmds[n].name, i, cmds[n].preferred };
	}
	/* a NULL @extra ends the table here */
	kw[n] = (struct keyword){ extra, n, false };
	kw[n + 1] = (struct keyword){ NULL, 0, false };
	return keyword_get(kw, arg, what, context, hint);
}

const struct cmd *cmd_get(const struct cmd *cmds, const char *arg,
			  const char *what, const char *context,
			  const char *hint)
{
	int i = cmd_index(cmds, NULL, arg, what, context, hint);

	return i < 0 ? NULL : &cmds[i];
}

int dispatch(const struct cmd *cmds, const char *object,
	     int (*dflt)(int argc, char **argv), void (*usage)(void),
	     int argc, char **argv)
{
	char hint[64];
	int i;

	snprintf(hint, sizeof(hint), "shoal %s help", object);
	if (argc < 1) {
		if (dflt)
			return dflt(0, argv);
		pr_err("missing command; try \"%s\".", hint);
		return -1;
	}

	i = cmd_index(cmds, "help", argv[0], "command", object, hint);
	if (i < 0)
		return -1;
	/* past the table: "help" */
	if (!cmds[i].name) {
		usage();
		return 0;
	}
	return cmds[i].fn(argc - 1, argv + 1);
}
