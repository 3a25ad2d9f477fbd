// SPDX-License-Identifier: GPL-2.0
/* The agent's configuration file, and map names split back into disks. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "agentconf.h"
#include "diskspec.h"
#include "ktap.h"

/* Parse @text as file "agent.conf" into @c; returns what the parser does. */
static int parse(const char *text, struct agent_conf *c, char *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	err[0] = '\0';
	agentconf_init(c);
	ret = agentconf_parse(f, "agent.conf", c, err, AGENT_CONF_ERR_LEN);
	fclose(f);
	return ret;
}

static void conf_valid(void)
{
	char err[AGENT_CONF_ERR_LEN];
	struct agent_conf c;

	CHECK_INT(parse("", &c, err), 0);
	CHECK(!c.allow_split_disks);
	CHECK_INT(c.log, AGENT_LOG_STDERR);

	CHECK_INT(parse("# shoal agent\n\n"
			"allow_split_disks = yes   # on a trusted network\n"
			"  log=syslog\n", &c, err), 0);
	CHECK_STR(err, "");
	CHECK(c.allow_split_disks);
	CHECK_INT(c.log, AGENT_LOG_SYSLOG);

	/* the last word wins; no final newline */
	CHECK_INT(parse("allow_split_disks = yes\nallow_split_disks = no", &c,
			err), 0);
	CHECK(!c.allow_split_disks);
	CHECK_INT(parse("log = stderr\n", &c, err), 0);
	CHECK_INT(c.log, AGENT_LOG_STDERR);
}

static void conf_invalid(void)
{
	char err[AGENT_CONF_ERR_LEN];
	struct agent_conf c;

	CHECK_INT(parse("log = stderr\n\nsplit = yes\n", &c, err), -1);
	CHECK_STR(err, "agent.conf:3: unknown key \"split\" (known: allow_split_disks, log)");
	CHECK_INT(parse("allow_split_disks = maybe\n", &c, err), -1);
	CHECK_STR(err, "agent.conf:1: allow_split_disks is \"yes\" or \"no\", not \"maybe\"");
	CHECK_INT(parse("# x\nlog = journal\n", &c, err), -1);
	CHECK_STR(err, "agent.conf:2: log is \"stderr\" or \"syslog\", not \"journal\"");
	CHECK_INT(parse("allow_split_disks\n", &c, err), -1);
	CHECK_STR(err, "agent.conf:1: expected \"key = value\", not \"allow_split_disks\"");
	CHECK_INT(parse(" = yes\n", &c, err), -1);
	CHECK_STR(err, "agent.conf:1: a key is missing before \"=\"");
	CHECK_INT(parse("allow_split_disks =\n", &c, err), -1);
	CHECK_STR(err, "agent.conf:1: allow_split_disks is \"yes\" or \"no\", not \"\"");
}

static void conf_files(void)
{
	char err[AGENT_CONF_ERR_LEN] = "";
	struct agent_conf c;

	agentconf_init(&c);
	CHECK_INT(agentconf_load("/nonexistent/agent.conf", false, &c, err,
				 sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(agentconf_load("/nonexistent/agent.conf", true, &c, err,
				 sizeof(err)), -1);
	CHECK_STR(err, "cannot open \"/nonexistent/agent.conf\": No such file or directory");
}

static void map_names(void)
{
	static const char *const personas[] = { "web", "web-db", "a.b", "x" };
	const char *disk = NULL;
	char buf[64];

	CHECK_INT(disk_map_name("web", "data", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "shoal-web-data");
	CHECK_INT(disk_map_name("web", "data", buf, 14), -1);

	CHECK_INT(disk_map_split("shoal-web-data", personas, 4, &disk), 0);
	CHECK_STR(disk, "data");
	/* the longest persona that leaves a disk name wins */
	CHECK_INT(disk_map_split("shoal-web-db-log", personas, 4, &disk), 1);
	CHECK_STR(disk, "log");
	CHECK_INT(disk_map_split("shoal-web-db", personas, 4, &disk), 0);
	CHECK_STR(disk, "db");
	CHECK_INT(disk_map_split("shoal-a.b-d_1", personas, 4, &disk), 2);
	CHECK_STR(disk, "d_1");
	CHECK_INT(disk_map_split("shoal-web-", personas, 4, &disk), -1);
	CHECK_INT(disk_map_split("shoal-web-Data", personas, 4, &disk), -1);
	CHECK_INT(disk_map_split("shoal-mail-data", personas, 4, &disk), -1);
	CHECK_INT(disk_map_split("web-data", personas, 4, &disk), -1);
	CHECK_INT(disk_map_split("shoal-web-data", personas, 0, &disk), -1);
}

const struct ktap_case agentconf_cases[] = {
	{ "agentconf: valid files", conf_valid },
	{ "agentconf: errors name the line", conf_invalid },
	{ "agentconf: missing files", conf_files },
	{ "agentconf: map names", map_names },
	{ NULL, NULL },
};
