/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_UTILS_H
#define SHOAL_UTILS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* Where pr_err() and friends write; stderr unless changed (tests). */
void set_error_stream(FILE *f);

/* "Error: <fmt>\n"; the caller supplies the final period. */
void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * shoal's exit status, by what a command ran into. Whoever meets a failure
 * that is not the caller's doing records its class with fail_as(); the
 * first one recorded since fail_reset() counts. A failure that recorded
 * none is a usage error: the command line, a value, a keyword, a file's
 * contents.
 */
enum shoal_status {
	STATUS_OK = 0,
	STATUS_REFUSED = 1,	/* the kernel answered the request with an error */
	STATUS_USAGE = 2,
	STATUS_SYSTEM = 3,	/* a system call, the socket, a missing module */
};

void fail_as(enum shoal_status status);
void fail_reset(void);
/* The class recorded since fail_reset(), or STATUS_USAGE if none was. */
enum shoal_status fail_status(void);

/* pr_err() for a failed system call and the like: records STATUS_SYSTEM. */
void pr_err_sys(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "Warning: <fmt>\n" on the same stream; the caller supplies the period. */
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True if @arg is a non-empty prefix of @word, as ip's matches(). */
bool is_prefix(const char *arg, const char *word);

struct keyword {
	const char *name;
	int id;			/* aliases share an id */
	bool preferred;		/* wins when a prefix is otherwise ambiguous */
};

#define KW_UNKNOWN	(-1)
#define KW_AMBIGUOUS	(-2)

/*
 * Look @arg up in a table ended by a NULL name. An exact name wins, then a
 * unique prefix, then the one preferred entry among the prefix matches.
 * Returns the id, KW_UNKNOWN or KW_AMBIGUOUS; prints nothing.
 */
int keyword_find(const struct keyword *table, const char *arg);

/*
 * keyword_find() that explains failure:
 *   Error: unknown WHAT "ARG" for "CONTEXT"; try "HINT".
 *   Error: "ARG" is ambiguous; it could mean "a" or "b".
 * @context may be NULL. Returns the id or -1.
 */
int keyword_get(const struct keyword *table, const char *arg,
		const char *what, const char *context, const char *hint);

/*
 * Parse a decimal u32 in [@min, @max]. @what names the value in errors:
 *   Error: "abc" is not a valid node id.
 *   Error: node id must be between 1 and 255.
 * Returns 0 or -1.
 */
int parse_u32(const char *arg, uint32_t min, uint32_t max, const char *what,
	      uint32_t *val);

/*
 * parse_u32() for a quantity in @unit, which the range names as the
 * kernel's message does:
 *   Error: interval must be between 10 and 60000 ms.
 */
int parse_u32_unit(const char *arg, uint32_t min, uint32_t max,
		   const char *what, const char *unit, uint32_t *val);

/* Error: device "foo" does not exist. Returns 0 or -1. */
int parse_ifname(const char *arg, uint32_t *ifindex);

/* The device's name in buf (IF_NAMESIZE), or "ifN" as ip says one gone. */
const char *ifindex_name(unsigned int ifindex, char *buf);

/* Room for format_time(): "2026-11-22T20:41:03.123456" and a NUL. */
#define TIME_STRLEN	32

/*
 * @ts as local time to the microsecond, ISO 8601 without a zone:
 * "2026-11-22T20:41:03.123456". Returns @buf, of TIME_STRLEN bytes.
 */
const char *format_time(const struct timespec *ts, char *buf);

/* Enter /run/netns/@name. Returns 0 or -1. */
int netns_switch(const char *name);

/* A blank as isspace() has it in the C locale, whatever the locale is. */
bool is_blank(char c);

/*
 * Split @line in place into at most @max words: blanks separate words,
 * "..." and '...' quote, a backslash escapes the next character outside
 * single quotes, and a '#' starting a word begins a comment. Returns the
 * word count, or -1 with *@err set to a message without "Error: ".
 */
int split_line(char *line, char **argv, int max, const char **err);

/* Fail, pointing at hint, if any argument is left over. */
int no_more_args(int argc, char **argv, const char *hint);

/*
 * A command word and what runs it on the words after it. Entries that
 * share a function are aliases, as keywords sharing an id are.
 */
struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	bool preferred;		/* wins when a prefix is otherwise ambiguous */
};

/*
 * keyword_get() over a table of commands ended by a NULL name. Returns
 * the entry (the first of its aliases), or NULL once the error is printed.
 */
const struct cmd *cmd_get(const struct cmd *cmds, const char *arg,
			  const char *what, const char *context,
			  const char *hint);

/*
 * Run the command of @object that argv[0] names in @cmds, or "help", which
 * every object has and which runs @usage. With no words, run @dflt, or
 * without one say that a command is missing. Errors point at
 * "shoal OBJECT help". Returns what the command returns, or -1.
 */
int dispatch(const struct cmd *cmds, const char *object,
	     int (*dflt)(int argc, char **argv), void (*usage)(void),
	     int argc, char **argv);

#endif
