// SPDX-License-Identifier: GPL-2.0
/*
 * udpping: the failover benchmark's UDP client and responder (bench/failover.sh).
 *
 *   udpping serve --id N --port P
 *	Answers every datagram to any local address on port P with the
 *	datagram followed by "node N\n", from the address it was sent to
 *	(IP_PKTINFO), so the client's connected socket accepts it.
 *
 *   udpping linkdown DEV [--after hb|vrrp --phase-us US]
 *	Opens a socket, prints "armed", waits for a line on standard input,
 *	then takes DEV down (SIOCSIFFLAGS without IFF_UP, what "ip link set
 *	DEV down" does) and prints "down". Started ahead of time in the
 *	victim's namespace, so that cutting the link at the chosen moment
 *	starts no process: under emulation a new process stalls the VM for
 *	tens of milliseconds. With --after, the cut falls US microseconds
 *	after the next shoal heartbeat (hb) or VRRP advert (vrrp) that DEV
 *	sends (the kernel's timestamp of it), so that trials can be spread
 *	over the phases of an interval rather than left to chance; it then
 *	prints "down PHASE_US", the phase it fell at.
 *
 *   udpping find DST PORT --source SRC --sports A-B [--wait MS]
 *	One request from each source port A..B (resent while unanswered,
 *	for up to --wait ms, default 2000); prints "SPORT NODE" per port,
 *	NODE 0 for no answer. Exit status 0 if every port was answered.
 *
 *   udpping run DST PORT --source SRC --sports P1,P2,... [--interval-us US]
 *	       [--ready N] [--timeout S] [--settle MS] [--silence MS]
 *	Sends one request every US microseconds (default 1000), to the flows
 *	in turn, paced on CLOCK_MONOTONIC with absolute deadlines, and takes
 *	the time each answer reached its socket (the kernel's receive
 *	timestamp, on CLOCK_MONOTONIC): a client that runs late, catching up
 *	on its sends, reads an answer late but does not move its time.
 *	The first node to answer is the old node. Prints "ready OLD" after N
 *	answers from it (default 100), then expects SIGUSR1 (sent just before
 *	the old node is cut off). After the signal it waits for the first
 *	answer from another node; the gap is the time from the last answer
 *	of the old node to that one. Waits --settle ms more (default 300) for
 *	every flow to be answered by a new node, and prints one line:
 *	  result gap_us G all_us A old O new N sent S answered R late L
 *	         early E stale T rtt_p50_us X rtt_max_us Y
 *	all_us: last old answer to the moment every flow had a new answer
 *	(-1 if some flow had none by then); late: send ticks more than one
 *	interval late; early: answers from another node before the signal
 *	(a failover nobody caused); stale: answers from the old node after
 *	the first new one; rtt_*: round trips of the old node's answers;
 *	last_old_rt_us, first_new_rt_us: those two answers' times on
 *	CLOCK_REALTIME (µs since the epoch), to compare with event logs.
 *	Gives up after --timeout s (default 20) without a switch: gap_us -1,
 *	exit status 2. With --silence MS, an answer from the old node after
 *	the signal that comes MS or more after its previous answer counts as
 *	a new node's (new is then old): the same server reached another way,
 *	as through a new director; from then on its answers count as new.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FLOWS 64
/* answers read at one wake-up; more wait for the next */
#define MAX_ANSWERS 256
#define MAX_RTT (1 << 20)
#define MAGIC 0x73686f616cULL /* "shoal" */

struct req {
	uint64_t magic;
	uint64_t seq;
	int64_t sent_ns;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("udpping: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static volatile sig_atomic_t cut;

static void on_usr1(int sig)
{
	(void)sig;
	cut = 1;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC, in ns: the kernel's receive stamps are on the first */
static int64_t realtime_offset_ns(void)
{
	struct timespec rt;
	int64_t mono = now_ns();

	clock_gettime(CLOCK_REALTIME, &rt);
	return (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec - mono;
}

static struct timespec ns_ts(int64_t ns)
{
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };

	return ts;
}

static long num(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		die("bad %s: %s", what, s);
	return v;
}

static struct in_addr addr4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		die("not an IPv4 address: %s", s);
	return a;
}

/* --- responder */

static void __attribute__((noreturn)) serve(int id, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	char tail[32];
	int one = 1, s, tlen;

	tlen = snprintf(tail, sizeof(tail), "node %d\n", id);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(s, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)))
		die("serve: socket: %m");
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		char buf[2048], cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct sockaddr_in peer;
		struct iovec iov[2] = { { buf, sizeof(buf) - 64 } };
		struct msghdr mh = {
			.msg_name = &peer, .msg_namelen = sizeof(peer),
			.msg_iov = iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct in_pktinfo *pi = NULL;
		struct cmsghdr *c;
		ssize_t n;

		n = recvmsg(s, &mh, 0);
		if (n < 0)
			continue; /* e.g. an ICMP error for an earlier answer */
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
				pi = (struct in_pktinfo *)CMSG_DATA(c);
		memcpy(buf + n, tail, tlen);
		iov[0].iov_len = n + tlen;
		mh.msg_flags = 0;
		if (pi) {
			/* answer from the header's destination, any device */
			pi->ipi_spec_dst = pi->ipi_addr;
			pi->ipi_ifindex = 0;
			mh.msg_controllen = CMSG_SPACE(sizeof(*pi));
		} else {
			mh.msg_control = NULL;
			mh.msg_controllen = 0;
		}
		sendmsg(s, &mh, MSG_DONTWAIT);
	}
}

/* --- the cut */

/* shoal's heartbeat ethertype (kernel/frame.h) and VRRP's IP protocol */
#define ETH_P_SHOAL_HB	0x88b5
#define IPPROTO_VRRP	112

/* A packet socket on DEV that sees what it sends, with kernel timestamps */
static int sent_socket(const char *dev)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int on = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE, s;

	sll.sll_ifindex = if_nametoindex(dev);
	s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (s < 0 || !sll.sll_ifindex || bind(s, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(s, SOL_SOCKET, SO_TIMESTAMPING, &on, sizeof(on)))
		die("packet socket on %s: %m", dev);
	return s;
}

/*
 * Wait for the next frame of the kind DEV sends (not one sent before the
 * call) and return its kernel timestamp, CLOCK_REALTIME in ns.
 */
static uint64_t next_sent(int s, int vrrp)
{
	unsigned char buf[256], ctl[256];
	struct sockaddr_ll from;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { .msg_name = &from, .msg_iov = &iov, .msg_iovlen = 1 };
	struct pollfd p = { s, POLLIN, 0 };
	struct cmsghdr *c;
	ssize_t n;

	while (recv(s, buf, sizeof(buf), 0) >= 0)	/* those before */
		;
	for (;;) {
		if (poll(&p, 1, 10000) != 1)
			die("nothing sent to cut after");
		m.msg_namelen = sizeof(from);
		m.msg_control = ctl;
		m.msg_controllen = sizeof(ctl);
		n = recvmsg(s, &m, 0);
		if (n < 0 || from.sll_pkttype != PACKET_OUTGOING)
			continue;
		if (vrrp ? !(ntohs(from.sll_protocol) == ETH_P_IP &&
			     n >= (ssize_t)(ETH_HLEN + sizeof(struct iphdr)) &&
			     ((struct iphdr *)(buf + ETH_HLEN))->protocol == IPPROTO_VRRP) :
			   ntohs(from.sll_protocol) != ETH_P_SHOAL_HB)
			continue;
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPING) {
				struct timespec *ts = (struct timespec *)CMSG_DATA(c);

				return ts[0].tv_sec * 1000000000ull + ts[0].tv_nsec;
			}
		die("a frame with no timestamp");
	}
}

static int linkdown(const char *dev, const char *after, long phase_us)
{
	struct ifreq ifr = {};
	struct timespec t;
	uint64_t sent = 0, at;
	char line[64];
	int s, ps = -1;

	if (strlen(dev) >= sizeof(ifr.ifr_name))
		die("bad device name: %s", dev);
	strcpy(ifr.ifr_name, dev);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr))
		die("%s: %m", dev);
	if (after)
		ps = sent_socket(dev);
	printf("armed\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	if (after) {
		sent = next_sent(ps, !strcmp(after, "vrrp"));
		at = sent + phase_us * 1000ull;
		t.tv_sec = at / 1000000000;
		t.tv_nsec = at % 1000000000;
		while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t, NULL) == EINTR)
			;
	}
	ifr.ifr_flags &= ~IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		die("%s down: %m", dev);
	if (after) {
		clock_gettime(CLOCK_REALTIME, &t);
		printf("down %lld\n", (long long)((t.tv_sec * 1000000000ull + t.tv_nsec -
						    sent) / 1000));
	} else {
		printf("down\n");
	}
	return 0;
}

/* --- client side */

static int flow_socket(struct in_addr src, int sport, struct in_addr dst, int dport)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(sport), .sin_addr = src };
	struct sockaddr_in d = { .sin_family = AF_INET, .sin_port = htons(dport), .sin_addr = dst };
	int one = 1, s;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(s, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)))
		die("bind %s:%d: %m", inet_ntoa(src), sport);
	if (connect(s, (struct sockaddr *)&d, sizeof(d)))
		die("connect: %m");
	return s;
}

static void send_req(int s, uint64_t seq)
{
	struct req r = { MAGIC, seq, now_ns() };

	send(s, &r, sizeof(r), MSG_DONTWAIT);
}

/*
 * One answer from s, if any: 1 with *node and *req filled, and *at the
 * time it reached the socket (CLOCK_MONOTONIC, from the kernel's
 * CLOCK_REALTIME stamp and rt_off, CLOCK_REALTIME - CLOCK_MONOTONIC; the
 * time of reading if there is none) if at is not NULL; 0 if none left.
 */
static int recv_answer(int s, int *node, struct req *req, int64_t rt_off, int64_t *at)
{
	char buf[256], cbuf[CMSG_SPACE(sizeof(struct timespec))];
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	struct timespec ts;
	ssize_t n;

	for (;;) {
		mh.msg_controllen = sizeof(cbuf);
		n = recvmsg(s, &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			continue; /* ECONNREFUSED and friends: ignore */
		}
		buf[n] = 0;
		if ((size_t)n < sizeof(*req) + 6 || sscanf(buf + sizeof(*req), "node %d", node) != 1)
			continue;
		memcpy(req, buf, sizeof(*req));
		if (req->magic != MAGIC)
			continue;
		if (!at)
			return 1;
		*at = now_ns();
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				*at = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - rt_off;
			}
		return 1;
	}
}

static int parse_range(const char *s, int *a, int *b)
{
	char *dash = strchr(s, '-');
	char tmp[32];

	if (!dash || (size_t)(dash - s) >= sizeof(tmp))
		die("bad range: %s", s);
	memcpy(tmp, s, dash - s);
	tmp[dash - s] = 0;
	*a = num(tmp, 1, 65535, "port");
	*b = num(dash + 1, *a, 65535, "port");
	return 0;
}

static int find(struct in_addr dst, int port, struct in_addr src, const char *range, int wait_ms)
{
	int a, b, n, i, left, fds[1024], node[1024];
	struct pollfd pfd[1024];
	int64_t end, next = 0;

	parse_range(range, &a, &b);
	n = b - a + 1;
	if (n > 1024)
		die("at most 1024 ports");
	for (i = 0; i < n; i++) {
		fds[i] = flow_socket(src, a + i, dst, port);
		node[i] = 0;
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	left = n;
	end = now_ns() + (int64_t)wait_ms * 1000000;
	while (left && now_ns() < end) {
		struct timespec ts;

		if (now_ns() >= next) {
			for (i = 0; i < n; i++)
				if (!node[i])
					send_req(fds[i], 0);
			next = now_ns() + 100 * 1000000LL;
		}
		ts = ns_ts(next - now_ns() > 0 ? next - now_ns() : 0);
		if (ppoll(pfd, n, &ts, NULL) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			struct req r;
			int nd;

			while (recv_answer(fds[i], &nd, &r, 0, NULL))
				if (!node[i]) {
					node[i] = nd;
					left--;
				}
		}
	}
	for (i = 0; i < n; i++) {
		printf("%d %d\n", a + i, node[i]);
		close(fds[i]);
	}
	return left ? 1 : 0;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* An answer read, with the flow it came on and when it arrived. */
struct answer {
	int64_t at;
	struct req req;
	int node, flow;
};

static int cmp_answer(const void *a, const void *b)
{
	const struct answer *x = a, *y = b;

	return (x->at > y->at) - (x->at < y->at);
}

static int run(struct in_addr dst, int port, struct in_addr src, const char *sports,
	       long interval_us, long ready_n, long timeout_s, long settle_ms, long silence_ms)
{
	int fds[MAX_FLOWS], nflows = 0, i, k, nans, old = 0, new = 0, flows_new = 0;
	struct answer ans[MAX_ANSWERS];
	int64_t flow_new_ns[MAX_FLOWS] = { 0 };
	struct pollfd pfd[MAX_FLOWS];
	int64_t interval = interval_us * 1000, start, next, deadline;
	int64_t last_old = 0, first_new = 0, all_new = 0, *rtt, rt_off;
	long sent = 0, answered = 0, nrtt = 0, late = 0, ready = 0, early = 0, stale = 0;
	char *list = strdup(sports), *tok, *save;

	rtt = malloc(sizeof(*rtt) * MAX_RTT);
	if (!list || !rtt)
		die("out of memory");
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (nflows == MAX_FLOWS)
			die("at most %d flows", MAX_FLOWS);
		fds[nflows] = flow_socket(src, num(tok, 1, 65535, "port"), dst, port);
		pfd[nflows].fd = fds[nflows];
		pfd[nflows].events = POLLIN;
		nflows++;
	}
	if (!nflows)
		die("no source ports");
	signal(SIGUSR1, on_usr1);

	rt_off = realtime_offset_ns();
	start = now_ns();
	next = start;
	deadline = start + timeout_s * 1000000000LL;
	for (;;) {
		int64_t t = now_ns();
		struct timespec ts;
		int r;

		if (t >= next) {
			if (t - next > interval)
				late++;
			send_req(fds[sent % nflows], sent);
			sent++;
			next += interval;
			/* far behind (the VM was descheduled): no burst */
			if (t - next > 10 * interval)
				next = t + interval;
			continue;
		}
		if (first_new && (flows_new == nflows || t >= first_new + settle_ms * 1000000LL))
			break;
		if (!first_new && t >= deadline)
			break;
		ts = ns_ts(next - t);
		r = ppoll(pfd, nflows, &ts, NULL);
		if (r <= 0)
			continue;
		/* every answer waiting, taken in the order they arrived */
		nans = 0;
		for (i = 0; i < nflows; i++) {
			if (!pfd[i].revents)
				continue;
			while (nans < MAX_ANSWERS &&
			       recv_answer(fds[i], &ans[nans].node, &ans[nans].req, rt_off,
					   &ans[nans].at)) {
				ans[nans].flow = i;
				nans++;
			}
		}
		qsort(ans, nans, sizeof(ans[0]), cmp_answer);
		for (k = 0; k < nans; k++) {
			int nd = ans[k].node;
			/* with --silence, the old node again counts as new */
			int again;

			i = ans[k].flow;
			t = ans[k].at;
			again = silence_ms && cut &&
				(first_new || (last_old && t - last_old >= silence_ms * 1000000LL));
			answered++;
			if (!old)
				old = nd;
			if (nd == old && !again) {
				if (first_new) {
					stale++; /* not expected */
					continue;
				}
				last_old = t;
				if (nrtt < MAX_RTT)
					rtt[nrtt++] = t - ans[k].req.sent_ns;
				if (++ready == ready_n) {
					printf("ready %d\n", old);
					fflush(stdout);
				}
				continue;
			}
			if (!cut) {
				early++;
				continue;
			}
			if (!first_new) {
				first_new = t;
				new = nd;
			}
			if (!flow_new_ns[i]) {
				flow_new_ns[i] = t;
				flows_new++;
				if (flows_new == nflows)
					all_new = t;
			}
		}
	}
	qsort(rtt, nrtt, sizeof(*rtt), cmp64);
	printf("result gap_us %lld all_us %lld old %d new %d sent %ld answered %ld late %ld "
	       "early %ld stale %ld rtt_p50_us %lld rtt_max_us %lld "
	       "last_old_rt_us %lld first_new_rt_us %lld\n",
	       first_new ? (long long)(first_new - last_old) / 1000 : -1LL,
	       all_new ? (long long)(all_new - last_old) / 1000 : -1LL, old, new, sent, answered,
	       late, early, stale, nrtt ? (long long)rtt[nrtt / 2] / 1000 : -1LL,
	       nrtt ? (long long)rtt[nrtt - 1] / 1000 : -1LL,
	       last_old ? (long long)((last_old + rt_off) / 1000) : -1LL,
	       first_new ? (long long)((first_new + rt_off) / 1000) : -1LL);
	fflush(stdout);
	for (i = 0; i < nflows; i++)
		close(fds[i]);
	free(list);
	free(rtt);
	return first_new ? 0 : 2;
}

static void usage(void)
{
	fputs("usage: udpping serve --id N --port P\n"
	      "       udpping linkdown DEV [--after hb|vrrp --phase-us US]\n"
	      "       udpping find DST PORT --source SRC --sports A-B [--wait MS]\n"
	      "       udpping run DST PORT --source SRC --sports P1,P2,... [--interval-us US]\n"
	      "               [--ready N] [--timeout S] [--settle MS] [--silence MS]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *source = NULL, *sports = NULL;
	long id = -1, port = -1, wait_ms = 2000, interval_us = 1000, ready = 100;
	long timeout_s = 20, settle_ms = 300, silence_ms = 0, phase_us = -1;
	const char *pos[2], *after = NULL;
	int npos = 0, i;

	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		usage();
	for (i = 2; i < argc; i++) {
		const char *o = argv[i];

		if (o[0] != '-') {
			if (npos == 2)
				usage();
			pos[npos++] = o;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(o, "--id"))
			id = num(argv[++i], 0, 255, "id");
		else if (!strcmp(o, "--port"))
			port = num(argv[++i], 1, 65535, "port");
		else if (!strcmp(o, "--source"))
			source = argv[++i];
		else if (!strcmp(o, "--sports"))
			sports = argv[++i];
		else if (!strcmp(o, "--wait"))
			wait_ms = num(argv[++i], 1, 3600000, "wait");
		else if (!strcmp(o, "--interval-us"))
			interval_us = num(argv[++i], 10, 10000000, "interval");
		else if (!strcmp(o, "--ready"))
			ready = num(argv[++i], 1, 1000000, "ready count");
		else if (!strcmp(o, "--timeout"))
			timeout_s = num(argv[++i], 1, 3600, "timeout");
		else if (!strcmp(o, "--settle"))
			settle_ms = num(argv[++i], 0, 60000, "settle");
		else if (!strcmp(o, "--silence"))
			silence_ms = num(argv[++i], 1, 60000, "silence");
		else if (!strcmp(o, "--after"))
			after = argv[++i];
		else if (!strcmp(o, "--phase-us"))
			phase_us = num(argv[++i], 0, 10000000, "phase");
		else
			usage();
	}
	if (!strcmp(argv[1], "linkdown")) {
		if (npos != 1 || (after && (phase_us < 0 || (strcmp(after, "hb") &&
							      strcmp(after, "vrrp")))) ||
		    (!after && phase_us >= 0))
			usage();
		return linkdown(pos[0], after, phase_us);
	}
	if (!strcmp(argv[1], "serve")) {
		if (id < 0 || port < 0 || npos)
			usage();
		serve(id, port);
	}
	if (npos != 2 || !source || !sports)
		usage();
	if (!strcmp(argv[1], "find"))
		return find(addr4(pos[0]), num(pos[1], 1, 65535, "port"), addr4(source), sports,
			    wait_ms);
	if (!strcmp(argv[1], "run"))
		return run(addr4(pos[0]), num(pos[1], 1, 65535, "port"), addr4(source), sports,
			   interval_us, ready, timeout_s, settle_ms, silence_ms);
	usage();
	return 2;
}
