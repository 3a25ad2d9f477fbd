// SPDX-License-Identifier: GPL-2.0
/* shoal monitor: print the module's events as they happen. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/shoal.h>

#include "json.h"
#include "nl.h"
#include "shoal.h"
#include "utils.h"

#define HINT "shoal monitor help"

/* Room for a burst, such as every node going down at once. */
#define MONITOR_RCVBUF	(1 << 20)
/* More than any one notification takes. */
#define MONITOR_RX_SIZE	65536

static volatile sig_atomic_t stop;
/* When the event being printed was received. */
static char event_time[TIME_STRLEN];

static void usage(void)
{
	printf("Usage: shoal [ -j ] monitor\n"
	       "       shoal monitor help\n");
}

struct json *event_begin(const char *object, const char *event)
{
	struct json *j;

	if (!json_output) {
		printf("[%s] ", event_time);
		return NULL;
	}
	j = json_new(stdout, pretty_output);
	json_obj_open(j);
	json_kv_string(j, "time", event_time);
	json_kv_string(j, "object", object);
	json_kv_string(j, "event", event);
	return j;
}

void event_end(struct json *j)
{
	if (j) {
		json_obj_close(j);
		json_free(j);
	} else {
		printf("\n");
	}
	/* whoever reads the pipe sees each event as it happens */
	fflush(stdout);
}

static const char *object_name(uint8_t cmd)
{
	switch (cmd) {
	case SHOAL_CMD_CLUSTER_NTF:
		return "cluster";
	case SHOAL_CMD_NODE_NTF:
		return "node";
	case SHOAL_CMD_SERVICE_NTF:
		return "service";
	case SHOAL_CMD_BUCKET_NTF:
		return "buckets";
	case SHOAL_CMD_PERSONA_NTF:
	case SHOAL_CMD_DISK_NTF:
		return "persona";
	}
	return "unknown";
}

/* A newer module may say more than this tool knows: note it, go on. */
static void print_unknown(uint8_t cmd, uint8_t event)
{
	struct json *j = event_begin(object_name(cmd), "unknown");

	if (j) {
		json_kv_uint(j, "cmd", cmd);
		json_kv_uint(j, "event_code", event);
	} else {
		printf("event %u %u", cmd, event);
	}
	event_end(j);
}

static void print_event(const struct nlmsghdr *nlh)
{
	static const enum mnl_attr_data_type policy[SHOAL_A_MAX + 1] = {
		[SHOAL_A_EVENT] = MNL_TYPE_U8,
	};
	const struct nlattr *tb[SHOAL_A_MAX + 1];
	const struct genlmsghdr *genl;
	uint8_t event = SHOAL_EVENT_UNSPEC;
	int ret;

	/* a bad message is reported and skipped: the next may be fine */
	if (nl_parse(nlh, policy, SHOAL_A_MAX, tb))
		return;
	genl = mnl_nlmsg_get_payload(nlh);
	if (tb[SHOAL_A_EVENT])
		event = mnl_attr_get_u8(tb[SHOAL_A_EVENT]);

	switch (genl->cmd) {
	case SHOAL_CMD_CLUSTER_NTF:
		ret = cluster_event(nlh, event);
		break;
	case SHOAL_CMD_NODE_NTF:
		ret = node_event(nlh, event);
		break;
	case SHOAL_CMD_SERVICE_NTF:
		ret = service_event(nlh, event);
		break;
	case SHOAL_CMD_BUCKET_NTF:
		ret = bucket_event(nlh, event);
		break;
	case SHOAL_CMD_PERSONA_NTF:
		ret = persona_event(nlh, event);
		break;
	case SHOAL_CMD_DISK_NTF:
		ret = disk_event(nlh, event);
		break;
	default:
		ret = 1;
		break;
	}
	if (ret > 0)
		print_unknown(genl->cmd, event);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Read events from @fd until a signal; @sigmask is what ppoll() lets in. */
static int monitor_loop(struct nl_sock *nl, int fd, const sigset_t *sigmask)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint16_t family = nl_family_id(nl);
	int ret = -1;
	char *buf;

	buf = malloc(MONITOR_RX_SIZE);
	if (!buf) {
		pr_err_sys("out of memory.");
		return -1;
	}

	while (!stop) {
		const struct nlmsghdr *nlh;
		struct timespec ts;
		ssize_t len;
		int n;

		if (ppoll(&pfd, 1, NULL, sigmask) < 0) {
			if (errno == EINTR)
				continue;
			pr_err_sys("cannot wait for events: %s.", strerror(errno));
			goto out;
		}
		len = recv(fd, buf, MONITOR_RX_SIZE, MSG_DONTWAIT);
		if (len < 0) {
			/* the kernel dropped some; say so, as it will not */
			if (errno == ENOBUFS) {
				pr_warn("events were lost (receive buffer overrun).");
				continue;
			}
			if (errno == EAGAIN || errno == EINTR)
				continue;
			pr_err_sys("cannot receive events: %s.", strerror(errno));
			goto out;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		format_time(&ts, event_time);

		n = (int)len;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, n);
		     nlh = mnl_nlmsg_next(nlh, &n))
			if (nlh->nlmsg_type == family)
				print_event(nlh);
		if (ferror(stdout)) {
			pr_err_sys("cannot write output: %s.", strerror(errno));
			goto out;
		}
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

/* Stop on @sig, unless whoever started us chose to ignore it. */
static void catch_signal(int sig, struct sigaction *old)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(sig, NULL, old);
	if (old->sa_handler != SIG_IGN)
		sigaction(sig, &sa, NULL);
}

static int monitor(void)
{
	int size = MONITOR_RCVBUF, fd, ret;
	struct sigaction old_int, old_term;
	sigset_t block, old_mask, wait_mask;
	struct nl_sock *nl;

	nl = shoal_nl();
	if (!nl || nl_mcast_join(nl, SHOAL_MCGRP_EVENTS))
		return -1;

	/* FORCE goes past net.core.rmem_max, but needs CAP_NET_ADMIN */
	fd = mnl_socket_get_fd(nl_mnl_socket(nl));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));

	/* let the signals in only inside ppoll(), so none slips in before it */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	wait_mask = old_mask;
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	catch_signal(SIGINT, &old_int);
	catch_signal(SIGTERM, &old_term);

	stop = 0;
	ret = monitor_loop(nl, fd, &wait_mask);

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return ret;
}

enum { ARG_HELP };

static const struct keyword args[] = {
	{ "help", ARG_HELP, false },
	{ NULL, 0, false },
};

int do_monitor(int argc, char **argv)
{
	if (argc < 1)
		return monitor();
	if (keyword_get(args, argv[0], "argument", "monitor", HINT) < 0)
		return -1;
	usage();
	return 0;
}
