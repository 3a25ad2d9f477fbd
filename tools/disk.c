// SPDX-License-Identifier: GPL-2.0
/* shoal disk: the persona disks mapped on this node. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/shoal.h>

#include "diskspec.h"
#include "dm.h"
#include "json.h"
#include "nl.h"
#include "shoal.h"
#include "utils.h"

#define HINT "shoal disk help"

static void usage(void)
{
	printf("Usage: shoal disk show\n"
	       "       shoal disk help\n");
}

/* A map, and whose it is; persona and disk are "" when unknown. */
struct disk_row {
	struct dm_map map;
	char persona[SHOAL_PERSONA_NAME_MAX + 1];
	char disk[SHOAL_DISK_NAME_MAX + 1];
};

struct name_list {
	char (*names)[SHOAL_PERSONA_NAME_MAX + 1];
	size_t count;
	size_t size;
};

static int name_cb(const struct nlmsghdr *nlh, void *data)
{
	static const enum mnl_attr_data_type policy[SHOAL_A_MAX + 1] = {
		[SHOAL_A_PERSONA_NAME] = MNL_TYPE_NUL_STRING,
	};
	const struct nlattr *tb[SHOAL_A_MAX + 1];
	struct name_list *list = data;

	if (nl_parse(nlh, policy, SHOAL_A_MAX, tb))
		return -1;
	if (!tb[SHOAL_A_PERSONA_NAME])
		return 0;
	if (list->count == list->size) {
		size_t size = list->size ? list->size * 2 : 8;
		void *names = realloc(list->names, size * sizeof(*list->names));

		if (!names) {
			pr_err_sys("out of memory.");
			return -1;
		}
		list->names = names;
		list->size = size;
	}
	snprintf(list->names[list->count++], sizeof(*list->names), "%s",
		 mnl_attr_get_str(tb[SHOAL_A_PERSONA_NAME]));
	return 0;
}

static void name_restart(void *data)
{
	((struct name_list *)data)->count = 0;
}

static const char *state_name(const struct dm_map *m)
{
	if (m->suspended)
		return "suspended";
	switch (m->state) {
	case DM_MAP_MAPPED:
		/* the kernel fails its I/O: this node lost the persona */
		return m->shoal && m->fenced ? "fenced" : "mapped";
	case DM_MAP_FAILING:
		return "failing";
	case DM_MAP_OTHER:
		break;
	}
	return "other";
}

static void print_plain(const void *item)
{
	const struct disk_row *r = item;

	printf("%s", r->map.name);
	if (r->persona[0])
		printf(" persona %s disk %s", r->persona, r->disk);
	printf(" state %s sectors %llu\n", state_name(&r->map),
	       (unsigned long long)r->map.sectors);
}

static void print_json(struct json *j, const void *item)
{
	const struct disk_row *r = item;

	json_obj_open(j);
	json_kv_string(j, "name", r->map.name);
	json_kv_string(j, "persona", r->persona[0] ? r->persona : NULL);
	json_kv_string(j, "disk", r->disk[0] ? r->disk : NULL);
	json_kv_string(j, "state", state_name(&r->map));
	json_kv_uint(j, "sectors", r->map.sectors);
	json_obj_close(j);
}

static int disk_show(int argc, char **argv)
{
	struct name_list list = { 0 };
	const char **names = NULL;
	struct disk_row *rows = NULL;
	struct dm_map *maps = NULL;
	unsigned int count = 0, i;
	struct nl_sock *nl;
	int ret = -1, err;
	size_t k;

	if (no_more_args(argc, argv, HINT))
		return -1;
	/* persona names tell where a map's name splits */
	nl = shoal_nl();
	if (!nl || nl_dump(nl, nl_msg(nl, SHOAL_CMD_PERSONA_GET, 0), name_cb,
			   name_restart, &list))
		goto out;

	dm_set_logger(NULL);
	err = dm_map_list(&maps, &count);
	if (err) {
		pr_err_sys("cannot list device-mapper maps: %s.", strerror(-err));
		goto out;
	}
	names = calloc(list.count + 1, sizeof(*names));
	rows = calloc(count + 1, sizeof(*rows));
	if (!names || !rows) {
		pr_err_sys("out of memory.");
		goto out;
	}
	for (k = 0; k < list.count; k++)
		names[k] = list.names[k];
	for (i = 0; i < count; i++) {
		const char *disk;
		int idx;

		rows[i].map = maps[i];
		idx = disk_map_split(maps[i].name, names, list.count, &disk);
		if (idx < 0)
			continue;
		snprintf(rows[i].persona, sizeof(rows[i].persona), "%s",
			 names[idx]);
		snprintf(rows[i].disk, sizeof(rows[i].disk), "%s", disk);
	}
	print_list(rows, count, sizeof(*rows), print_plain, print_json);
	ret = 0;
out:
	free(rows);
	free(names);
	free(maps);
	free(list.names);
	return ret;
}

static const struct cmd commands[] = {
	{ "show", disk_show, true },
	{ "list", disk_show, false },
	{ NULL, NULL, false },
};

int do_disk(int argc, char **argv)
{
	return dispatch(commands, "disk", disk_show, usage, argc, argv);
}
