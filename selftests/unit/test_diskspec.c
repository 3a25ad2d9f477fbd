// SPDX-License-Identifier: GPL-2.0
/* Persona disks: names, specs, and the tool's DISK=SPEC argument. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskspec.h"
#include "ktap.h"
#include "utils.h"

static void names(void)
{
	static const char *const good[] = {
		"data", "a", "0", "log_2", "db-wal", "abcdefghijklmno",
	};
	static const char *const bad[] = {
		"", "Data", "a.b", "a b", "a/b", "a=b", "abcdefghijklmnop", "é",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ktap_check(disk_name_valid(good[i]), good[i], __FILE__, __LINE__);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ktap_check(!disk_name_valid(bad[i]), bad[i], __FILE__, __LINE__);
}

static struct diskspec ds;

static void spec_valid(void)
{
	char err[DISKSPEC_ERR_LEN] = "";

	CHECK_INT(diskspec_parse("/dev/vdb:0:2048", &ds, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(ds.count, 1);
	CHECK_STR(ds.segs[0].path, "/dev/vdb");
	CHECK_INT(ds.segs[0].offset, 0);
	CHECK_INT(ds.segs[0].length, 2048);
	CHECK_INT(ds.sectors, 2048);

	/* segments in order, laid end to end */
	CHECK_INT(diskspec_parse("/dev/vdb:2048:100,/dev/vdc:0:50,/dev/vdb:9:1",
				 &ds, err, sizeof(err)), 0);
	CHECK_INT(ds.count, 3);
	CHECK_STR(ds.segs[0].path, "/dev/vdb");
	CHECK_INT(ds.segs[0].offset, 2048);
	CHECK_INT(ds.segs[0].length, 100);
	CHECK_STR(ds.segs[1].path, "/dev/vdc");
	CHECK_INT(ds.segs[1].offset, 0);
	CHECK_INT(ds.segs[1].length, 50);
	CHECK_STR(ds.segs[2].path, "/dev/vdb");
	CHECK_INT(ds.segs[2].offset, 9);
	CHECK_INT(ds.segs[2].length, 1);
	CHECK_INT(ds.sectors, 151);

	/* a path may hold colons: the numbers are the last two fields */
	CHECK_INT(diskspec_parse("/dev/disk/by-path/pci-0000:00:1f.2-ata-1:0:8",
				 &ds, err, sizeof(err)), 0);
	CHECK_INT(ds.count, 1);
	CHECK_STR(ds.segs[0].path, "/dev/disk/by-path/pci-0000:00:1f.2-ata-1");
	CHECK_INT(ds.segs[0].offset, 0);
	CHECK_INT(ds.segs[0].length, 8);

	/* the largest numbers that still end within 2^64 sectors */
	CHECK_INT(diskspec_parse("/d:0:18446744073709551615", &ds, err,
				 sizeof(err)), 0);
	CHECK(ds.segs[0].length == UINT64_MAX);
	CHECK_INT(diskspec_parse("/d:18446744073709551614:1", &ds, err,
				 sizeof(err)), 0);
	CHECK(ds.segs[0].offset == UINT64_MAX - 1);
	/* leading zeroes are still decimal */
	CHECK_INT(diskspec_parse("/d:010:010", &ds, err, sizeof(err)), 0);
	CHECK_INT(ds.segs[0].offset, 10);
	CHECK_INT(ds.segs[0].length, 10);
	/* the shortest segment */
	CHECK_INT(diskspec_parse("/:0:1", &ds, err, sizeof(err)), 0);
	CHECK_STR(ds.segs[0].path, "/");
}

/* Expects @spec to be refused with @want. */
static void check_spec_error(const char *spec, const char *want, int line)
{
	char err[DISKSPEC_ERR_LEN] = "";

	ktap_check_int(diskspec_parse(spec, &ds, err, sizeof(err)), -1, spec,
		       __FILE__, line);
	ktap_check_str(err, want, spec, __FILE__, line);
}

#define SHAPE "; expected PATH:OFFSET:LENGTH segments separated by commas"
#define SECTORS "; expected a number of 512-byte sectors"

static void spec_invalid(void)
{
	char spec[SHOAL_DISK_SPEC_MAX + 2], want[128];
	size_t i;

	check_spec_error("", "the spec is empty" SHAPE, __LINE__);
	check_spec_error(",", "\",\" has an empty segment" SHAPE, __LINE__);
	check_spec_error("/d:0:1,", "\"/d:0:1,\" has an empty segment" SHAPE,
			 __LINE__);
	check_spec_error(",/d:0:1", "\",/d:0:1\" has an empty segment" SHAPE,
			 __LINE__);
	check_spec_error("/d:0:1,,/e:0:1",
			 "\"/d:0:1,,/e:0:1\" has an empty segment" SHAPE, __LINE__);
	check_spec_error("/dev/vdb", "\"/dev/vdb\" is not PATH:OFFSET:LENGTH",
			 __LINE__);
	check_spec_error("/dev/vdb:0", "\"/dev/vdb:0\" is not PATH:OFFSET:LENGTH",
			 __LINE__);
	check_spec_error(":0:1", "\":0:1\" has no path; expected PATH:OFFSET:LENGTH",
			 __LINE__);
	check_spec_error("dev/vdb:0:1", "\"dev/vdb\" is not an absolute path",
			 __LINE__);
	check_spec_error("/d:0:1,vdc:0:1", "\"vdc\" is not an absolute path",
			 __LINE__);
	check_spec_error("/dev/my disk:0:1",
			 "the path \"/dev/my disk\" has a blank or control character",
			 __LINE__);
	check_spec_error("/dev/a\tb:0:1",
			 "the path \"/dev/a\tb\" has a blank or control character",
			 __LINE__);
	check_spec_error("/d::1", "\"\" in \"/d::1\" is not a valid offset" SECTORS,
			 __LINE__);
	check_spec_error("/d:x:1", "\"x\" in \"/d:x:1\" is not a valid offset" SECTORS,
			 __LINE__);
	check_spec_error("/d:-1:1",
			 "\"-1\" in \"/d:-1:1\" is not a valid offset" SECTORS, __LINE__);
	check_spec_error("/d:+1:1",
			 "\"+1\" in \"/d:+1:1\" is not a valid offset" SECTORS, __LINE__);
	check_spec_error("/d: 1:1",
			 "\" 1\" in \"/d: 1:1\" is not a valid offset" SECTORS, __LINE__);
	check_spec_error("/d:0x10:1",
			 "\"0x10\" in \"/d:0x10:1\" is not a valid offset" SECTORS,
			 __LINE__);
	check_spec_error("/d:0:", "\"\" in \"/d:0:\" is not a valid length" SECTORS,
			 __LINE__);
	check_spec_error("/d:0:1k",
			 "\"1k\" in \"/d:0:1k\" is not a valid length" SECTORS, __LINE__);
	check_spec_error("/d:0:0",
			 "\"/d:0:0\" has length 0; a segment is at least 1 sector long",
			 __LINE__);
	check_spec_error("/d:0:1,/e:5:0",
			 "\"/e:5:0\" has length 0; a segment is at least 1 sector long",
			 __LINE__);
	/* past 64 bits must not wrap */
	check_spec_error("/d:18446744073709551616:1",
			 "\"18446744073709551616\" in \"/d:18446744073709551616:1\" is not a valid offset" SECTORS,
			 __LINE__);
	check_spec_error("/d:0:18446744073709551616",
			 "\"18446744073709551616\" in \"/d:0:18446744073709551616\" is not a valid length" SECTORS,
			 __LINE__);
	check_spec_error("/d:1:18446744073709551615",
			 "\"/d:1:18446744073709551615\" ends past sector 2^64",
			 __LINE__);
	check_spec_error("/d:0:18446744073709551615,/e:0:1",
			 "the segments add up to more than 2^64 sectors", __LINE__);

	/* exactly SHOAL_DISK_SPEC_MAX characters fit, one more does not */
	memset(spec, 'a', sizeof(spec));
	spec[0] = '/';
	memcpy(spec + SHOAL_DISK_SPEC_MAX - 4, ":0:1", 5);
	CHECK_INT(strlen(spec), SHOAL_DISK_SPEC_MAX);
	{
		char err[DISKSPEC_ERR_LEN];

		CHECK_INT(diskspec_parse(spec, &ds, err, sizeof(err)), 0);
	}
	memset(spec, 'a', sizeof(spec));
	spec[0] = '/';
	memcpy(spec + SHOAL_DISK_SPEC_MAX - 3, ":0:1", 5);
	snprintf(want, sizeof(want), "the spec is %u characters long; at most %u fit",
		 SHOAL_DISK_SPEC_MAX + 1, SHOAL_DISK_SPEC_MAX);
	check_spec_error(spec, want, __LINE__);

	/* as many segments as fit in the length */
	spec[0] = '\0';
	for (i = 0; i < DISKSPEC_SEGMENTS_MAX; i++)
		strcat(spec, i ? ",/:0:1" : "/:0:1");
	{
		char err[DISKSPEC_ERR_LEN];

		CHECK(strlen(spec) <= SHOAL_DISK_SPEC_MAX);
		CHECK_INT(diskspec_parse(spec, &ds, err, sizeof(err)), 0);
		CHECK_INT(ds.count, DISKSPEC_SEGMENTS_MAX);
		CHECK_INT(ds.sectors, DISKSPEC_SEGMENTS_MAX);
	}
}

/* A truncated message is still a string. */
static void spec_small_buffer(void)
{
	char err[8];

	memset(err, 'x', sizeof(err));
	CHECK_INT(diskspec_parse("nope", &ds, err, sizeof(err)), -1);
	CHECK_STR(err, "\"nope\" ");
}

static void disk_arg_valid(void)
{
	char name[SHOAL_DISK_NAME_MAX + 1], spec[SHOAL_DISK_SPEC_MAX + 1];

	CHECK_INT(parse_disk_arg("data=/dev/vdb:0:2048", name, spec), 0);
	CHECK_STR(name, "data");
	CHECK_STR(spec, "/dev/vdb:0:2048");
	/* only the first "=" splits */
	CHECK_INT(parse_disk_arg("a=/dev/x=y:0:1", name, spec), 0);
	CHECK_STR(name, "a");
	CHECK_STR(spec, "/dev/x=y:0:1");
	CHECK_INT(parse_disk_arg("abcdefghijklmno=/a:1:2,/b:3:4", name, spec), 0);
	CHECK_STR(name, "abcdefghijklmno");
	CHECK_STR(spec, "/a:1:2,/b:3:4");
}

static void check_disk_arg_error(const char *arg, const char *want, int line)
{
	char name[SHOAL_DISK_NAME_MAX + 1], spec[SHOAL_DISK_SPEC_MAX + 1];
	struct errbuf e;
	char *msg;

	err_start(&e);
	ktap_check_int(parse_disk_arg(arg, name, spec), -1, arg, __FILE__, line);
	msg = err_end(&e);
	ktap_check_str(msg, want, arg, __FILE__, line);
	free(msg);
}

#define DISK_NAME_HINT "; expected 1 to 15 of a-z, 0-9, _ and -.\n"

static void disk_arg_invalid(void)
{
	check_disk_arg_error("data",
			     "Error: \"data\" is not DISK=SPEC; expected a disk name, \"=\" and PATH:OFFSET:LENGTH segments separated by commas.\n",
			     __LINE__);
	check_disk_arg_error("=/dev/vdb:0:1",
			     "Error: \"\" is not a valid disk name" DISK_NAME_HINT,
			     __LINE__);
	check_disk_arg_error("Data=/dev/vdb:0:1",
			     "Error: \"Data\" is not a valid disk name" DISK_NAME_HINT,
			     __LINE__);
	check_disk_arg_error("abcdefghijklmnop=/dev/vdb:0:1",
			     "Error: \"abcdefghijklmnop\" is not a valid disk name" DISK_NAME_HINT,
			     __LINE__);
	check_disk_arg_error("data=",
			     "Error: disk \"data\": the spec is empty" SHAPE ".\n",
			     __LINE__);
	check_disk_arg_error("data=/dev/vdb:0:0",
			     "Error: disk \"data\": \"/dev/vdb:0:0\" has length 0; a segment is at least 1 sector long.\n",
			     __LINE__);
}

const struct ktap_case diskspec_cases[] = {
	{ "diskspec: disk names", names },
	{ "diskspec: specs", spec_valid },
	{ "diskspec: spec errors", spec_invalid },
	{ "diskspec: a short error buffer", spec_small_buffer },
	{ "diskspec: DISK=SPEC", disk_arg_valid },
	{ "diskspec: DISK=SPEC errors", disk_arg_invalid },
	{ NULL, NULL },
};
