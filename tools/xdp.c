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

/* Whether program id is the shoal one: 1 or 0, or -errno. Prints nothing. */
static int prog_is_shoal(uint32_t id)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd, err;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	close(fd);
	return err ? err : !strcmp(info.name, SHOAL_XDP_PROG_NAME);
}

/* prog_is_shoal(), or -1 (printed). */
static int xdp_is_ours(uint32_t id)
{
	int ret = prog_is_shoal(id);

	if (ret < 0) {
		pr_err_sys("cannot look at XDP program %u: %s.", id, strerror(-ret));
		return -1;
	}
	return ret;
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
	ret = prog_is_shoal(q.prog_id);
	return ret < 0 ? -1 : ret;
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

/* Attaching races another shoal's detaching at most this many times. */
#define XDP_ATTACH_TRIES	16

int xdp_attach(unsigned int ifindex)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	char buf[IF_NAMESIZE];
	int err, fd, ours, tries;
	uint32_t id;

	if (xdp_query(ifindex, &id, NULL))
		return -1;
	if (id) {
		ours = xdp_is_ours(id);
		if (ours < 0)
			return -1;
		if (ours)
			return 0;
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
	for (tries = 0; tries < XDP_ATTACH_TRIES; tries++) {
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
		if (xdp_query(ifindex, &id, NULL)) {
			bpf_object__close(obj);
			return -1;
		}
		if (id) {
			if (xdp_is_ours(id) > 0)
				err = 0;
			break;
		}
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
	bool native;
	uint32_t id;
	int err, ours;

	if (xdp_query(ifindex, &id, &native))
		return -1;
	if (!id)
		return 0;
	ours = xdp_is_ours(id);
	if (ours <= 0)
		return ours;
	err = bpf_xdp_detach((int)ifindex,
			     native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE, NULL);
	if (err) {
		pr_err("cannot detach the XDP program from %s: %s.",
		       ifindex_name(ifindex, buf), strerror(-err));
		fail_as(STATUS_REFUSED);
		return -1;
	}
	return 0;
}
