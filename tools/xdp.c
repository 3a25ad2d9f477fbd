// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching and detaching the shoal XDP program. The program is one call
 * to the module's kfunc; the kernel keeps it attached after we exit, and
 * the module stays in use while it is.
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "utils.h"
#include "xdp.h"

extern const char shoal_xdp_obj[], shoal_xdp_obj_end[];

/* libbpf's last lines, to explain a failed load. */
static char libbpf_log[4096];

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	size_t len = strlen(libbpf_log);

	if (level == LIBBPF_DEBUG)
		return 0;
	if (len > sizeof(libbpf_log) / 2)
		len = 0;
	return vsnprintf(libbpf_log + len, sizeof(libbpf_log) - len, fmt, ap);
}

/* The id of the device's XDP program and how it runs; 0 if none. */
static int xdp_query(unsigned int ifindex, uint32_t *id, bool *native)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char buf[IF_NAMESIZE];
	int err;

	err = bpf_xdp_query((int)ifindex, 0, &q);
	if (err) {
		pr_err_sys("cannot read the XDP state of %s: %s.",
			   ifindex_name(ifindex, buf), strerror(-err));
		return -1;
	}
	*id = q.prog_id;
	if (native)
		*native = q.attach_mode == XDP_ATTACHED_DRV;
	return 0;
}

/*
 * Whether program id is the shoal one: 1 or 0, or -errno (-ENOENT: it is
 * gone). With fdp, its fd is left there if it is. Prints nothing.
 */
static int prog_is_shoal(uint32_t id, int *fdp)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd, err;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	if (!err && fdp && !strcmp(info.name, SHOAL_XDP_PROG_NAME)) {
		*fdp = fd;
		return 1;
	}
	close(fd);
	return err ? err : !strcmp(info.name, SHOAL_XDP_PROG_NAME);
}

/* Another shoal attaching or detaching races us at most this many times. */
#define XDP_RACE_TRIES	16

enum { XDP_NONE, XDP_OURS, XDP_OTHER };

/*
 * Whose the device's XDP program is: XDP_NONE, XDP_OURS (with fdp, its fd
 * there), XDP_OTHER; -1 (printed) on error. A program taken off between
 * the query and the look (another shoal's detach) is asked about again.
 */
static int xdp_whose(unsigned int ifindex, uint32_t *id, bool *native, int *fdp)
{
	int tries, ret = -ENOENT;

	for (tries = 0; tries < XDP_RACE_TRIES && ret == -ENOENT; tries++) {
		if (xdp_query(ifindex, id, native))
			return -1;
		if (!*id)
			return XDP_NONE;
		ret = prog_is_shoal(*id, fdp);
	}
	if (ret < 0) {
		pr_err_sys("cannot look at XDP program %u: %s.", *id, strerror(-ret));
		return -1;
	}
	return ret ? XDP_OURS : XDP_OTHER;
}

int xdp_state(unsigned int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int ret;

	if (bpf_xdp_query((int)ifindex, 0, &q))
		return -1;
	if (!q.prog_id)
		return 0;
	/* looking at a program needs privileges a reader may lack */
	ret = prog_is_shoal(q.prog_id, NULL);
	/* (taken off since: none) */
	return ret == -ENOENT ? 0 : ret < 0 ? -1 : ret;
}

/* Why the program did not load, in words an administrator can act on. */
static void explain_load_error(int err)
{
	FILE *f;
	int jit = -1;

	f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	if (f) {
		if (fscanf(f, "%d", &jit) != 1)
			jit = -1;
		fclose(f);
	}
	if (strstr(libbpf_log, "shoal_xdp_verdict"))
		pr_err_sys("the loaded shoal module offers no XDP function (is it loaded, and was it built with BTF?).");
	else if (jit == 0)
		pr_err_sys("cannot load the XDP program: it calls into the module, which needs the BPF JIT (sysctl net.core.bpf_jit_enable=1).");
	else
		pr_err_sys("cannot load the XDP program: %s.", strerror(-err));
}

int xdp_attach(unsigned int ifindex)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	char buf[IF_NAMESIZE];
	int err, fd, whose, tries;
	uint32_t id;

	whose = xdp_whose(ifindex, &id, NULL, NULL);
	if (whose < 0)
		return -1;
	if (whose == XDP_OURS)
		return 0;
	if (whose == XDP_OTHER) {
		pr_err("%s already has an XDP program (id %u); shoal leaves it alone.",
		       ifindex_name(ifindex, buf), id);
		fail_as(STATUS_REFUSED);
		return -1;
	}

	libbpf_log[0] = '\0';
	libbpf_set_print(libbpf_print);
	obj = bpf_object__open_mem(shoal_xdp_obj,
				   (size_t)(shoal_xdp_obj_end - shoal_xdp_obj),
				   NULL);
	if (!obj) {
		pr_err_sys("cannot open the XDP program: %s.", strerror(errno));
		return -1;
	}
	err = bpf_object__load(obj);
	if (err) {
		explain_load_error(err);
		bpf_object__close(obj);
		return -1;
	}
	prog = bpf_object__find_program_by_name(obj, SHOAL_XDP_PROG_NAME);
	fd = prog ? bpf_program__fd(prog) : -1;
	for (tries = 0; tries < XDP_RACE_TRIES; tries++) {
		/* in the driver if it can; a device without driver support
		 * runs it generically
		 */
		err = bpf_xdp_attach((int)ifindex, fd, XDP_FLAGS_DRV_MODE |
				     XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (err == -EOPNOTSUPP || err == -EINVAL)
			err = bpf_xdp_attach((int)ifindex, fd,
					     XDP_FLAGS_SKB_MODE |
					     XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (err != -EBUSY && err != -EEXIST)
			break;
		/*
		 * A program was there: another shoal's is ours too. If none
		 * is any more, the other shoal took it off since: again.
		 */
		whose = xdp_whose(ifindex, &id, NULL, NULL);
		if (whose < 0) {
			bpf_object__close(obj);
			return -1;
		}
		if (whose == XDP_OURS)
			err = 0;
		if (whose != XDP_NONE)
			break;
	}
	/* attached, the program lives on without us */
	bpf_object__close(obj);
	if (err) {
		pr_err("cannot attach the XDP program to %s: %s.",
		       ifindex_name(ifindex, buf), strerror(-err));
		fail_as(STATUS_REFUSED);
		return -1;
	}
	return 0;
}

int xdp_detach(unsigned int ifindex)
{
	char buf[IF_NAMESIZE];
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	bool native;
	uint32_t id;
	int err, whose;

	whose = xdp_whose(ifindex, &id, &native, &opts.old_prog_fd);
	if (whose != XDP_OURS)
		return whose < 0 ? -1 : 0;
	/*
	 * That program only: if another shoal took it off meanwhile and
	 * something else put its own on, that one stays.
	 */
	err = bpf_xdp_detach((int)ifindex, XDP_FLAGS_REPLACE |
			     (native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE),
			     &opts);
	close(opts.old_prog_fd);
	/* (taken off meanwhile, by another shoal: done) */
	if (err == -EEXIST || err == -ENOENT)
		err = 0;
	if (err) {
		pr_err("cannot detach the XDP program from %s: %s.",
		       ifindex_name(ifindex, buf), strerror(-err));
		fail_as(STATUS_REFUSED);
		return -1;
	}
	return 0;
}
