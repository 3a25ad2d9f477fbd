/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_KTAP_H
#define SHOAL_KTAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct ktap_case {
	const char *name;
	void (*run)(void);
};

/* Each test file provides a table ended by a NULL name. */
extern const struct ktap_case json_cases[];
extern const struct ktap_case utils_cases[];
extern const struct ktap_case parse_cases[];
extern const struct ktap_case bucket_cases[];
extern const struct ktap_case frame_cases[];
extern const struct ktap_case member_cases[];
extern const struct ktap_case key_cases[];
extern const struct ktap_case diskspec_cases[];
extern const struct ktap_case agentconf_cases[];
extern const struct ktap_case poolspec_cases[];

/* Record a failed check as a "# " diagnostic; the case goes on. */
void ktap_check(bool ok, const char *what, const char *file, int line);
void ktap_check_str(const char *got, const char *want, const char *what,
		    const char *file, int line);
void ktap_check_int(long long got, long long want, const char *what,
		    const char *file, int line);
/* Mark the running case skipped; call it, then return. */
void ktap_skip(const char *reason);

#define CHECK(cond) ktap_check((cond), #cond, __FILE__, __LINE__)
#define CHECK_STR(got, want) \
	ktap_check_str((got), (want), #got, __FILE__, __LINE__)
#define CHECK_INT(got, want) \
	ktap_check_int((got), (want), #got, __FILE__, __LINE__)

/* Collects what pr_err() prints, from err_start() to err_end(). */
struct errbuf {
	char *text;
	size_t len;
	FILE *f;
};

void err_start(struct errbuf *e);
/* Returns the text printed since err_start(); free() it. */
char *err_end(struct errbuf *e);

#endif
