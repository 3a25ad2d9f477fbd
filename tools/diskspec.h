/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_DISKSPEC_H
#define SHOAL_DISKSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/shoal.h>

/*
 * A persona's disk: a name and a spec, PATH:OFFSET:LENGTH[,PATH:OFFSET:LENGTH]...,
 * linear segments laid end to end, in 512-byte sectors. The kernel keeps
 * the spec as text; the tool checks it before sending and the agent reads
 * it to build a device-mapper table. No netlink here.
 */

/* Each segment takes at least "/:0:1," of the spec's characters. */
#define DISKSPEC_SEGMENTS_MAX	((SHOAL_DISK_SPEC_MAX + 1) / 6)
/* Room for any message diskspec_parse() writes. */
#define DISKSPEC_ERR_LEN	(2 * SHOAL_DISK_SPEC_MAX + 128)

struct disk_segment {
	char path[SHOAL_DISK_SPEC_MAX + 1];	/* absolute */
	uint64_t offset;	/* where on @path it starts, in sectors */
	uint64_t length;	/* in sectors, more than 0 */
};

struct diskspec {
	size_t count;
	uint64_t sectors;	/* the disk's size: the lengths added up */
	struct disk_segment segs[DISKSPEC_SEGMENTS_MAX];
};

/* 1 to SHOAL_DISK_NAME_MAX of a-z, 0-9, _ and -. */
bool disk_name_valid(const char *name);

/*
 * Parse @spec into @ds. A PATH is absolute and has no blank, control
 * character or comma; it may hold colons, since OFFSET and LENGTH are
 * read from the right (/dev/disk/by-path/pci-0000:00:1f.2-ata-1:0:2048).
 * OFFSET and LENGTH are decimal; LENGTH is more than 0; no segment ends
 * past 2^64 sectors. Returns 0, or -1 with why in @err (@size bytes, at
 * most DISKSPEC_ERR_LEN needed), a sentence without "Error: " or final
 * period. Prints nothing.
 */
int diskspec_parse(const char *spec, struct diskspec *ds, char *err,
		   size_t size);

/*
 * The tool's "DISK=SPEC" argument: split at the first "=", check both
 * halves, and copy them into @name (SHOAL_DISK_NAME_MAX + 1 bytes) and
 * @spec (SHOAL_DISK_SPEC_MAX + 1 bytes). Returns 0 or -1 (printed).
 */
int parse_disk_arg(const char *arg, char *name, char *spec);

/*
 * A persona disk's device-mapper map is "shoal-PERSONA-DISK". Writes it
 * into @buf (@size bytes). Returns 0, or -1 if it does not fit.
 */
int disk_map_name(const char *persona, const char *disk, char *buf,
		  size_t size);

/*
 * Split map name @map back into a persona among @personas (@count of
 * them) and a disk name. Persona names may hold "-", so "shoal-a-b-c"
 * could be persona "a-b" disk "c" or persona "a" disk "b-c": the longest
 * known persona whose remainder is a valid disk name wins. Returns its
 * index, with the disk name's start in *@disk, or -1 if none fits.
 */
int disk_map_split(const char *map, const char *const *personas,
		   size_t count, const char **disk);

#endif
