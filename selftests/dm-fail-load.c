// SPDX-License-Identifier: GPL-2.0
/*
 * For selftests/persona-disk.sh: an LD_PRELOAD library that makes
 * device-mapper ioctls fail while a file exists: every table load
 * (DM_TABLE_LOAD) with ENOMEM while the file named by $SHOAL_TEST_FAIL_LOAD
 * exists, and every listing of the maps (DM_LIST_DEVICES) with EIO while
 * the one named by $SHOAL_TEST_FAIL_LIST does; every other ioctl, and
 * those while the file does not exist, go through. It lets a test see what
 * the agent does when it cannot load an error table into a map it fences,
 * cannot make a map, or cannot list the maps to reconcile.
 *
 *	cc -shared -fPIC -o dm-fail-load.so selftests/dm-fail-load.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/dm-ioctl.h>

/* Whether the file named by environment variable @env exists. */
static bool flagged(const char *env)
{
	const char *flag = getenv(env);

	return flag && !access(flag, F_OK);
}

int ioctl(int fd, unsigned long request, ...)
{
	static int (*next)(int fd, unsigned long request, ...);
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (request == DM_TABLE_LOAD && flagged("SHOAL_TEST_FAIL_LOAD")) {
		errno = ENOMEM;
		return -1;
	}
	if (request == DM_LIST_DEVICES && flagged("SHOAL_TEST_FAIL_LIST")) {
		errno = EIO;
		return -1;
	}
	if (!next)
		next = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	if (!next) {
		errno = ENOSYS;
		return -1;
	}
	return next(fd, request, arg);
}
