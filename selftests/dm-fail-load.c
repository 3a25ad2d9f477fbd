// SPDX-License-Identifier: GPL-2.0
/*
 * For selftests/persona-disk.sh: an LD_PRELOAD library that makes every
 * device-mapper table load (DM_TABLE_LOAD) fail with ENOMEM while the
 * file named by $SHOAL_TEST_FAIL_LOAD exists; every other ioctl, and
 * table loads while it does not, go through. It lets a test see what the
 * agent does when it cannot load an error table into a map it fences.
 *
 *	cc -shared -fPIC -o dm-fail-load.so selftests/dm-fail-load.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/dm-ioctl.h>

int ioctl(int fd, unsigned long request, ...)
{
	static int (*next)(int fd, unsigned long request, ...);
	const char *flag = getenv("SHOAL_TEST_FAIL_LOAD");
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (request == DM_TABLE_LOAD && flag && !access(flag, F_OK)) {
		errno = ENOMEM;
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
