// SPDX-License-Identifier: GPL-2.0
/* A minimal KTAP runner for the host unit tests. */
#include <stdio.h>
#include <string.h>

#include "ktap.h"
#include "utils.h"

static const struct ktap_case *const suites[] = {
	json_cases,
	utils_cases,
	parse_cases,
	bucket_cases,
	frame_cases,
	member_cases,
	key_cases,
	diskspec_cases,
	agentconf_cases,
	poolspec_cases,
};

static bool case_failed;
static const char *skip_reason;

/* Prints a string so that a diagnostic stays on one line. */
static void print_escaped(const char *s)
{
	if (!s) {
		printf("(null)");
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '\n')
			printf("\\n");
		else if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			printf("\\x%02x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

void ktap_check(bool ok, const char *what, const char *file, int line)
{
	if (ok)
		return;
	case_failed = true;
	printf("# %s:%d: check failed: %s\n", file, line, what);
}

void ktap_check_str(const char *got, const char *want, const char *what,
		    const char *file, int line)
{
	if (got && want && !strcmp(got, want))
		return;
	case_failed = true;
	printf("# %s:%d: %s\n#   got:  ", file, line, what);
	print_escaped(got);
	printf("\n#   want: ");
	print_escaped(want);
	printf("\n");
}

void ktap_check_int(long long got, long long want, const char *what,
		    const char *file, int line)
{
	if (got == want)
		return;
	case_failed = true;
	printf("# %s:%d: %s is %lld, want %lld\n", file, line, what, got, want);
}

void ktap_skip(const char *reason)
{
	skip_reason = reason;
}

int main(void)
{
	int total = 0, passed = 0, failed = 0, skipped = 0, n = 0;
	size_t s;

	for (s = 0; s < sizeof(suites) / sizeof(suites[0]); s++)
		for (const struct ktap_case *c = suites[s]; c->name; c++)
			total++;

	printf("KTAP version 1\n1..%d\n", total);
	for (s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		for (const struct ktap_case *c = suites[s]; c->name; c++) {
			case_failed = false;
			skip_reason = NULL;
			fflush(stdout);
			c->run();
			n++;
			if (case_failed) {
				printf("not ok %d %s\n", n, c->name);
				failed++;
			} else if (skip_reason) {
				printf("ok %d %s # SKIP %s\n", n, c->name,
				       skip_reason);
				skipped++;
			} else {
				printf("ok %d %s\n", n, c->name);
				passed++;
			}
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}

void err_start(struct errbuf *e)
{
	e->f = open_memstream(&e->text, &e->len);
	set_error_stream(e->f);
}

char *err_end(struct errbuf *e)
{
	set_error_stream(NULL);
	fclose(e->f);
	return e->text;
}
