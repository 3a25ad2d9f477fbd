/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_DM_H
#define SHOAL_DM_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/shoal.h>

struct diskspec;

/*
 * Device-mapper maps through libdevmapper, for the agent and "disk show".
 * Works with or without udev: libdevmapper makes the /dev/mapper node
 * itself when no udev daemon runs, and these make sure of it.
 */

/* Map names are "shoal-" PERSONA "-" DISK; DM_NAME_LEN is far more. */
#define DM_MAP_PREFIX	"shoal-"
#define DM_MAP_NAME_LEN	128

/* The kernel's persona disk target (kernel/dm_target.c). */
#define DM_TARGET_SHOAL	"shoal"

enum dm_map_state {
	DM_MAP_MAPPED,		/* a shoal (or linear) table */
	DM_MAP_FAILING,		/* an error table */
	DM_MAP_OTHER,		/* anything else, or no table */
};

struct dm_map {
	char name[DM_MAP_NAME_LEN];
	enum dm_map_state state;
	bool suspended;
	bool deferred;		/* to be removed at its last close */
	uint64_t sectors;
	/* a shoal table: whose, at which epoch, and whether the kernel fails its I/O */
	bool shoal;
	char persona[SHOAL_PERSONA_NAME_MAX + 1];
	uint32_t epoch;
	bool fenced;
};

/* Route libdevmapper's own messages to @log (NULL: drop them). */
void dm_set_logger(void (*log)(const char *msg));

/* While set, libdevmapper's messages are dropped (expected failures). */
void dm_quiet(bool quiet);

/*
 * Whether map @name exists. Returns 1, 0, or -1 with errno set.
 */
int dm_map_exists(const char *name);

/*
 * Create map @name (uuid @uuid, may be NULL) with the segments of @ds
 * laid end to end, active at once, and its /dev/mapper node. Each is a
 * shoal target for @persona at @epoch: the kernel passes its I/O only
 * while this node (the caller's network namespace) holds the persona at
 * that epoch, and refuses the table if it does not now. Returns 0, or a
 * negative errno: -EBUSY when the name is taken.
 */
int dm_map_create(const char *name, const char *uuid,
		  const struct diskspec *ds, const char *persona,
		  uint32_t epoch);

/*
 * Swap map @name's table for an error table of @sectors sectors and
 * resume it: I/O to come fails at once. The swap neither freezes a
 * filesystem on the map nor flushes (no lockfs, noflush): no dirty data
 * is written on the way. Returns 0 or a negative errno.
 */
int dm_map_fail(const char *name, uint64_t sectors);

/*
 * Suspend map @name without flushing or freezing a filesystem: I/O to
 * come waits in device-mapper and reaches no disk until a resume. For
 * when dm_map_fail() fails. Returns 0 or a negative errno.
 */
int dm_map_suspend(const char *name);

/*
 * Remove map @name; if it is busy (open), ask for a deferred removal,
 * done by the kernel at the last close, and set *@deferred. Returns 0 or
 * a negative errno.
 */
int dm_map_remove(const char *name, bool *deferred);

/* Read map @name's state into @m. Returns 0 or a negative errno. */
int dm_map_get(const char *name, struct dm_map *m);

/*
 * The maps whose names start with DM_MAP_PREFIX, in the kernel's order:
 * a malloc()ed array of *@count (free() it). Returns 0 or a negative
 * errno; *@maps is NULL when there are none.
 */
int dm_map_list(struct dm_map **maps, unsigned int *count);

#endif
