// SPDX-License-Identifier: GPL-2.0
/* Persona disk names and specs; shared by the tool and the agent. */
#include <stdio.h>
#include <string.h>

#include "diskspec.h"
#include "utils.h"

#define SPEC_SHAPE	"PATH:OFFSET:LENGTH segments separated by commas"

bool disk_name_valid(const char *name)
{
	size_t len = strlen(name), i;

	if (!len || len > SHOAL_DISK_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* A decimal u64 of exactly @len characters, no sign, no blanks. */
static bool parse_sectors(const char *s, size_t len, uint64_t *val)
{
	uint64_t v = 0;
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned int)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*val = v;
	return true;
}

/* Parse one segment, @seg of @len characters (no comma in it). */
static int parse_segment(const char *seg, size_t len, struct disk_segment *s,
			 char *err, size_t size)
{
	const char *c1 = NULL, *c2 = NULL, *p;
	size_t plen, i;

	/* OFFSET and LENGTH are the last two fields: a path may hold colons */
	for (p = seg + len; p > seg; p--) {
		if (p[-1] != ':')
			continue;
		if (!c2) {
			c2 = p - 1;
		} else {
			c1 = p - 1;
			break;
		}
	}
	if (!c1) {
		snprintf(err, size, "\"%.*s\" is not PATH:OFFSET:LENGTH",
			 (int)len, seg);
		return -1;
	}

	plen = (size_t)(c1 - seg);
	if (!plen) {
		snprintf(err, size,
			 "\"%.*s\" has no path; expected PATH:OFFSET:LENGTH",
			 (int)len, seg);
		return -1;
	}
	if (seg[0] != '/') {
		snprintf(err, size, "\"%.*s\" is not an absolute path",
			 (int)plen, seg);
		return -1;
	}
	/* a device-mapper table is words separated by blanks */
	for (i = 0; i < plen; i++) {
		unsigned char c = (unsigned char)seg[i];

		if (c <= ' ' || c == 0x7f) {
			snprintf(err, size,
				 "the path \"%.*s\" has a blank or control character",
				 (int)plen, seg);
			return -1;
		}
	}
	if (!parse_sectors(c1 + 1, (size_t)(c2 - c1 - 1), &s->offset)) {
		snprintf(err, size,
			 "\"%.*s\" in \"%.*s\" is not a valid offset; expected a number of 512-byte sectors",
			 (int)(c2 - c1 - 1), c1 + 1, (int)len, seg);
		return -1;
	}
	if (!parse_sectors(c2 + 1, (size_t)(seg + len - c2 - 1), &s->length)) {
		snprintf(err, size,
			 "\"%.*s\" in \"%.*s\" is not a valid length; expected a number of 512-byte sectors",
			 (int)(seg + len - c2 - 1), c2 + 1, (int)len, seg);
		return -1;
	}
	if (!s->length) {
		snprintf(err, size,
			 "\"%.*s\" has length 0; a segment is at least 1 sector long",
			 (int)len, seg);
		return -1;
	}
	if (s->offset > UINT64_MAX - s->length) {
		snprintf(err, size, "\"%.*s\" ends past sector 2^64",
			 (int)len, seg);
		return -1;
	}
	memcpy(s->path, seg, plen);
	s->path[plen] = '\0';
	return 0;
}

int diskspec_parse(const char *spec, struct diskspec *ds, char *err,
		   size_t size)
{
	size_t total = strlen(spec), n = 0, len;
	const char *p = spec;
	uint64_t sectors = 0;

	if (!total) {
		snprintf(err, size, "the spec is empty; expected " SPEC_SHAPE);
		return -1;
	}
	if (total > SHOAL_DISK_SPEC_MAX) {
		snprintf(err, size,
			 "the spec is %zu characters long; at most %u fit",
			 total, SHOAL_DISK_SPEC_MAX);
		return -1;
	}

	for (;;) {
		struct disk_segment *s;

		len = strcspn(p, ",");
		if (!len) {
			snprintf(err, size,
				 "\"%s\" has an empty segment; expected " SPEC_SHAPE,
				 spec);
			return -1;
		}
		/* cannot happen within SHOAL_DISK_SPEC_MAX; kept for safety */
		if (n == DISKSPEC_SEGMENTS_MAX) {
			snprintf(err, size, "more than %u segments",
				 (unsigned int)DISKSPEC_SEGMENTS_MAX);
			return -1;
		}
		s = &ds->segs[n];
		if (parse_segment(p, len, s, err, size))
			return -1;
		if (sectors > UINT64_MAX - s->length) {
			snprintf(err, size,
				 "the segments add up to more than 2^64 sectors");
			return -1;
		}
		sectors += s->length;
		n++;
		if (!p[len])
			break;
		p += len + 1;
	}
	ds->count = n;
	ds->sectors = sectors;
	return 0;
}

int parse_disk_arg(const char *arg, char *name, char *spec)
{
	char err[DISKSPEC_ERR_LEN];
	struct diskspec ds;
	const char *eq = strchr(arg, '=');
	size_t nlen;

	if (!eq) {
		pr_err("\"%s\" is not DISK=SPEC; expected a disk name, \"=\" and " SPEC_SHAPE ".",
		       arg);
		return -1;
	}
	nlen = (size_t)(eq - arg);
	if (!nlen || nlen > SHOAL_DISK_NAME_MAX) {
		pr_err("\"%.*s\" is not a valid disk name; expected 1 to %u of a-z, 0-9, _ and -.",
		       (int)nlen, arg, SHOAL_DISK_NAME_MAX);
		return -1;
	}
	memcpy(name, arg, nlen);
	name[nlen] = '\0';
	if (!disk_name_valid(name)) {
		pr_err("\"%s\" is not a valid disk name; expected 1 to %u of a-z, 0-9, _ and -.",
		       name, SHOAL_DISK_NAME_MAX);
		return -1;
	}
	if (diskspec_parse(eq + 1, &ds, err, sizeof(err))) {
		pr_err("disk \"%s\": %s.", name, err);
		return -1;
	}
	snprintf(spec, SHOAL_DISK_SPEC_MAX + 1, "%s", eq + 1);
	return 0;
}

#define MAP_PREFIX	"shoal-"

int disk_map_name(const char *persona, const char *disk, char *buf,
		  size_t size)
{
	int n = snprintf(buf, size, MAP_PREFIX "%s-%s", persona, disk);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int disk_map_split(const char *map, const char *const *personas,
		   size_t count, const char **disk)
{
	size_t plen = strlen(MAP_PREFIX), best_len = 0, i, len;
	const char *rest;
	int best = -1;

	if (strncmp(map, MAP_PREFIX, plen))
		return -1;
	rest = map + plen;
	for (i = 0; i < count; i++) {
		len = strlen(personas[i]);
		if (!len || strncmp(rest, personas[i], len) || rest[len] != '-' ||
		    !disk_name_valid(rest + len + 1) || len <= best_len)
			continue;
		best = (int)i;
		best_len = len;
	}
	if (best >= 0)
		*disk = rest + best_len + 1;
	return best;
}
