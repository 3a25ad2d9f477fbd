// SPDX-License-Identifier: GPL-2.0
/* Device-mapper maps for persona disks, through libdevmapper. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <libdevmapper.h>

#include "diskspec.h"
#include "dm.h"

#define STR_(x)	#x
#define STR(x)	STR_(x)

static void (*dm_logger)(const char *msg);
static bool dm_silent;

/* libdevmapper's levels carry flags above the low three bits. */
#define DM_LEVEL(level)	((level) & 7)

__attribute__((format(printf, 5, 6)))
static void dm_log(int level, const char *file, int line, int dm_errno,
		   const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	(void)file;
	(void)line;
	(void)dm_errno;
	/* errors only: the rest is libdevmapper's debugging chatter */
	if (dm_silent || !dm_logger || DM_LEVEL(level) > 3)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dm_logger(msg);
}

void dm_set_logger(void (*log)(const char *msg))
{
	dm_logger = log;
	dm_log_with_errno_init(dm_log);
}

void dm_quiet(bool quiet)
{
	dm_silent = quiet;
}

static int task_errno(struct dm_task *dmt)
{
	int err = dm_task_get_errno(dmt);

	return err > 0 ? -err : -EIO;
}

/*
 * Run @dmt. With @cookie, wait for udev to finish the node (or, without a
 * udev daemon, let libdevmapper make or remove it itself: it notices and
 * does not wait).
 */
static int task_run(struct dm_task *dmt, bool cookie)
{
	uint32_t c = 0;
	int err = 0;

	if (cookie && !dm_task_set_cookie(dmt, &c, 0))
		return -EIO;
	if (!dm_task_run(dmt))
		err = task_errno(dmt);
	if (cookie)
		dm_udev_wait(c);
	return err;
}

static struct dm_task *task_new(int type, const char *name)
{
	struct dm_task *dmt = dm_task_create(type);

	if (!dmt)
		return NULL;
	if (name && !dm_task_set_name(dmt, name)) {
		dm_task_destroy(dmt);
		return NULL;
	}
	return dmt;
}

int dm_map_exists(const char *name)
{
	struct dm_task *dmt = task_new(DM_DEVICE_INFO, name);
	struct dm_info info;
	int err;

	if (!dmt)
		return -ENOMEM;
	err = task_run(dmt, false);
	if (!err && !dm_task_get_info(dmt, &info))
		err = -EIO;
	dm_task_destroy(dmt);
	return err ? err : !!info.exists;
}

/* The node, if libdevmapper left it to a udev that is not there. */
static int ensure_node(const char *name)
{
	char path[PATH_MAX];
	struct dm_task *dmt;
	struct dm_info info;
	struct stat st;
	int err;

	snprintf(path, sizeof(path), "%s/%s", dm_dir(), name);
	if (!stat(path, &st))
		return 0;
	dm_mknodes(name);
	if (!stat(path, &st))
		return 0;

	dmt = task_new(DM_DEVICE_INFO, name);
	if (!dmt)
		return -ENOMEM;
	err = task_run(dmt, false);
	if (!err && (!dm_task_get_info(dmt, &info) || !info.exists))
		err = -ENOENT;
	dm_task_destroy(dmt);
	if (err)
		return err;
	mkdir(dm_dir(), 0755);
	if (mknod(path, S_IFBLK | 0600, makedev(info.major, info.minor)) &&
	    errno != EEXIST)
		return -errno;
	return 0;
}

int dm_map_create(const char *name, const char *uuid,
		  const struct diskspec *ds, const char *persona,
		  uint32_t epoch)
{
	char params[SHOAL_DISK_SPEC_MAX + SHOAL_PERSONA_NAME_MAX + 48];
	struct dm_task *dmt;
	uint64_t start = 0;
	size_t i;
	int err;

	dmt = task_new(DM_DEVICE_CREATE, name);
	if (!dmt)
		return -ENOMEM;
	if (uuid && !dm_task_set_uuid(dmt, uuid)) {
		err = -EINVAL;
		goto out;
	}
	for (i = 0; i < ds->count; i++) {
		const struct disk_segment *s = &ds->segs[i];

		snprintf(params, sizeof(params), "%s %llu %s %u", s->path,
			 (unsigned long long)s->offset, persona, epoch);
		if (!dm_task_add_target(dmt, start, s->length, DM_TARGET_SHOAL,
					params)) {
			err = -ENOMEM;
			goto out;
		}
		start += s->length;
	}
	err = task_run(dmt, true);
	if (!err)
		err = ensure_node(name);
out:
	dm_task_destroy(dmt);
	return err;
}

/*
 * A suspend (or the one a resume does before swapping tables) that
 * neither freezes a filesystem on the map nor flushes: at a fence, the
 * filesystem's dirty data must not go to the disk the node gives up.
 */
static bool task_no_flush(struct dm_task *dmt)
{
	return dm_task_no_flush(dmt) && dm_task_skip_lockfs(dmt);
}

int dm_map_fail(const char *name, uint64_t sectors)
{
	struct dm_task *dmt;
	int err;

	dmt = task_new(DM_DEVICE_RELOAD, name);
	if (!dmt)
		return -ENOMEM;
	err = dm_task_add_target(dmt, 0, sectors, "error", "") ?
	      task_run(dmt, false) : -ENOMEM;
	dm_task_destroy(dmt);
	if (err)
		return err;

	/* the new table takes over at resume, suspended or not before */
	dmt = task_new(DM_DEVICE_RESUME, name);
	if (!dmt)
		return -ENOMEM;
	err = task_no_flush(dmt) ? task_run(dmt, true) : -ENOMEM;
	dm_task_destroy(dmt);
	return err;
}

int dm_map_suspend(const char *name)
{
	struct dm_task *dmt;
	int err;

	dmt = task_new(DM_DEVICE_SUSPEND, name);
	if (!dmt)
		return -ENOMEM;
	err = task_no_flush(dmt) ? task_run(dmt, false) : -ENOMEM;
	dm_task_destroy(dmt);
	return err;
}

int dm_map_remove(const char *name, bool *deferred)
{
	struct dm_task *dmt;
	int err;

	*deferred = false;
	dmt = task_new(DM_DEVICE_REMOVE, name);
	if (!dmt)
		return -ENOMEM;
	dm_silent = true;
	err = task_run(dmt, true);
	dm_silent = false;
	dm_task_destroy(dmt);
	if (err != -EBUSY)
		return err;

	/* still open: the kernel removes it at the last close */
	dmt = task_new(DM_DEVICE_REMOVE, name);
	if (!dmt)
		return -ENOMEM;
	err = dm_task_deferred_remove(dmt) ? task_run(dmt, true) : -EIO;
	dm_task_destroy(dmt);
	if (!err)
		*deferred = true;
	return err;
}

/*
 * Run a query of @type about map @name into *@dmtp (destroy it, when not
 * NULL, whatever this returns). Returns 0, -ENOENT if there is no such
 * map, or another negative errno.
 */
static int task_query(int type, const char *name, struct dm_task **dmtp)
{
	bool silent = dm_silent;
	int err;

	*dmtp = task_new(type, name);
	if (!*dmtp)
		return -ENOMEM;
	/* a map that is not there is an answer; callers say what failed */
	dm_silent = true;
	err = task_run(*dmtp, false);
	dm_silent = silent;
	/* the kernel's word for a map that is not there */
	return err == -ENXIO ? -ENOENT : err;
}

/* Whether the kernel fails the I/O of shoal map @name (any segment). */
static int shoal_fenced(const char *name, bool *fenced)
{
	uint64_t start, length;
	char *type, *params;
	struct dm_task *dmt;
	void *next = NULL;
	int err;

	*fenced = false;
	err = task_query(DM_DEVICE_STATUS, name, &dmt);
	if (err)
		goto out;
	do {
		type = params = NULL;
		next = dm_get_next_target(dmt, next, &start, &length, &type,
					  &params);
		if (type && !strcmp(type, DM_TARGET_SHOAL) && params &&
		    strcmp(params, "serving"))
			*fenced = true;
	} while (next);
out:
	if (dmt)
		dm_task_destroy(dmt);
	return err;
}

int dm_map_get(const char *name, struct dm_map *m)
{
	uint64_t start, length;
	char *type, *params;
	struct dm_task *dmt;
	struct dm_info info;
	char first_type[16] = "";
	void *next = NULL;
	bool first = true;
	int err;

	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->state = DM_MAP_OTHER;
	err = task_query(DM_DEVICE_TABLE, name, &dmt);
	if (err)
		goto out;
	if (!dm_task_get_info(dmt, &info) || !info.exists) {
		err = -ENOENT;
		goto out;
	}
	m->suspended = info.suspended;
	m->deferred = info.deferred_remove;
	if (!info.live_table)
		goto out;
	do {
		type = params = NULL;
		next = dm_get_next_target(dmt, next, &start, &length, &type,
					  &params);
		if (!type)
			break;
		if (first) {
			m->state = !strcmp(type, "linear") ||
				   !strcmp(type, DM_TARGET_SHOAL) ?
				   DM_MAP_MAPPED :
				   !strcmp(type, "error") ? DM_MAP_FAILING :
				   DM_MAP_OTHER;
			/* "DEVICE OFFSET PERSONA EPOCH" */
			m->shoal = !strcmp(type, DM_TARGET_SHOAL) && params &&
				   sscanf(params, "%*s %*s %" STR(SHOAL_PERSONA_NAME_MAX) "s %" SCNu32,
					  m->persona, &m->epoch) == 2;
			snprintf(first_type, sizeof(first_type), "%s", type);
		} else if (m->state != DM_MAP_OTHER && strcmp(type, first_type)) {
			m->state = DM_MAP_OTHER;
		}
		first = false;
		m->sectors = start + length;
	} while (next);
	if (m->state != DM_MAP_MAPPED)
		m->shoal = false;
out:
	if (dmt)
		dm_task_destroy(dmt);
	if (!err && m->shoal)
		err = shoal_fenced(name, &m->fenced);
	return err;
}

int dm_map_list(struct dm_map **maps, unsigned int *count)
{
	struct dm_map *list = NULL, *grown;
	unsigned int n = 0, size = 0;
	struct dm_names *names;
	struct dm_task *dmt;
	unsigned int next = 0;
	int err;

	*maps = NULL;
	*count = 0;
	dmt = task_new(DM_DEVICE_LIST, NULL);
	if (!dmt)
		return -ENOMEM;
	err = task_run(dmt, false);
	if (err)
		goto out;
	names = dm_task_get_names(dmt);
	if (!names || !names->dev)
		goto out;
	do {
		names = (struct dm_names *)((char *)names + next);
		next = names->next;
		if (strncmp(names->name, DM_MAP_PREFIX,
			    strlen(DM_MAP_PREFIX)))
			continue;
		if (n == size) {
			size = size ? size * 2 : 8;
			grown = realloc(list, size * sizeof(*list));
			if (!grown) {
				err = -ENOMEM;
				goto out;
			}
			list = grown;
		}
		/* gone since the list: not an error */
		if (dm_map_get(names->name, &list[n]) == -ENOENT)
			continue;
		n++;
	} while (next);
out:
	dm_task_destroy(dmt);
	if (err) {
		free(list);
		return err;
	}
	*maps = list;
	*count = n;
	return 0;
}
