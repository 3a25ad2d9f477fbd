// SPDX-License-Identifier: GPL-2.0
/* The agent's configuration file. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agentconf.h"
#include "utils.h"

void agentconf_init(struct agent_conf *c)
{
	c->allow_split_disks = false;
	c->log = AGENT_LOG_STDERR;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int parse_bool(const char *val, bool *b)
{
	if (!strcmp(val, "yes")) {
		*b = true;
		return 0;
	}
	if (!strcmp(val, "no")) {
		*b = false;
		return 0;
	}
	return -1;
}

/* One "key = value" line, comment and blanks gone. */
static int parse_line(char *line, const char *name, unsigned int lineno,
		      struct agent_conf *c, char *err, size_t size)
{
	char *eq = strchr(line, '='), *key, *val;

	if (!eq) {
		snprintf(err, size, "%s:%u: expected \"key = value\", not \"%s\"",
			 name, lineno, line);
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (!*key) {
		snprintf(err, size, "%s:%u: a key is missing before \"=\"",
			 name, lineno);
		return -1;
	}
	if (!strcmp(key, "allow_split_disks")) {
		if (parse_bool(val, &c->allow_split_disks)) {
			snprintf(err, size,
				 "%s:%u: allow_split_disks is \"yes\" or \"no\", not \"%s\"",
				 name, lineno, val);
			return -1;
		}
	} else if (!strcmp(key, "log")) {
		if (!strcmp(val, "stderr")) {
			c->log = AGENT_LOG_STDERR;
		} else if (!strcmp(val, "syslog")) {
			c->log = AGENT_LOG_SYSLOG;
		} else {
			snprintf(err, size,
				 "%s:%u: log is \"stderr\" or \"syslog\", not \"%s\"",
				 name, lineno, val);
			return -1;
		}
	} else {
		snprintf(err, size,
			 "%s:%u: unknown key \"%s\" (known: allow_split_disks, log)",
			 name, lineno, key);
		return -1;
	}
	return 0;
}

int agentconf_parse(FILE *f, const char *name, struct agent_conf *c,
		    char *err, size_t size)
{
	unsigned int lineno = 0;
	size_t cap = 0;
	char *line = NULL, *s, *hash;
	int ret = 0;

	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		s = trim(line);
		if (!*s)
			continue;
		ret = parse_line(s, name, lineno, c, err, size);
		if (ret)
			break;
	}
	if (!ret && ferror(f)) {
		snprintf(err, size, "%s: cannot read: %s", name, strerror(errno));
		ret = -1;
		fail_as(STATUS_SYSTEM);
	}
	free(line);
	return ret;
}

int agentconf_load(const char *path, bool required, struct agent_conf *c,
		   char *err, size_t size)
{
	FILE *f = fopen(path, "re");
	int ret;

	if (!f) {
		if (errno == ENOENT && !required)
			return 0;
		snprintf(err, size, "cannot open \"%s\": %s", path,
			 strerror(errno));
		fail_as(STATUS_SYSTEM);
		return -1;
	}
	ret = agentconf_parse(f, path, c, err, size);
	fclose(f);
	return ret;
}
