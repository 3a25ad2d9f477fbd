/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_AGENTCONF_H
#define SHOAL_AGENTCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * The agent's configuration file: "key = value" lines, blank lines, and
 * comments from "#" to the end of a line. No netlink and no
 * libdevmapper here, so that it is tested on the host.
 */

#define AGENT_CONF_DEFAULT	"/etc/shoal/agent.conf"
/* Room for any message agentconf_*() write. */
#define AGENT_CONF_ERR_LEN	512

enum agent_log {
	AGENT_LOG_STDERR,
	AGENT_LOG_SYSLOG,
};

struct agent_conf {
	/* map disks even when quorum is off, when a split can map them twice */
	bool allow_split_disks;
	enum agent_log log;
};

/* The defaults: no split disks, log to stderr. */
void agentconf_init(struct agent_conf *c);

/*
 * Read @f, named @name in messages, into @c (which keeps what the file
 * does not set). Returns 0, or -1 with why in @err (@size bytes), as
 * "NAME:LINE: ..." without a final period.
 */
int agentconf_parse(FILE *f, const char *name, struct agent_conf *c,
		    char *err, size_t size);

/*
 * agentconf_parse() on the file at @path. A missing file is fine unless
 * @required (the user named it). Returns 0 or -1 with @err as above.
 */
int agentconf_load(const char *path, bool required, struct agent_conf *c,
		   char *err, size_t size);

#endif
