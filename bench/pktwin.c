// SPDX-License-Identifier: GPL-2.0
/*
 * The guest side of the packet-path benchmark (bench/packet.sh).
 *
 *   pktwin sink ADDR PORT COUNTFILE
 *	Receive UDP datagrams at ADDR:PORT with recvmmsg until killed,
 *	keeping the count in COUNTFILE (a native 64-bit integer, updated in
 *	place through a shared mapping: no system call per update).
 *   pktwin window SETTLE_NS WINDOW_NS COUNTER...
 *	Wait SETTLE_NS, then read CLOCK_MONOTONIC and every COUNTER, wait
 *	WINDOW_NS, read them again and print one line:
 *	  ns DNS count D1 [count D2 ...] idle_ns I
 *	COUNTER is a file holding a decimal number (a /sys statistics file)
 *	or sink:COUNTFILE. I is how long of the window the CPU was idle.
 *
 * Under "-icount shift=0" the guest's clock advances one nanosecond per
 * instruction while the CPU runs, so (DNS - I) / D is instructions per
 * packet. Idle time runs no instructions but still passes on the clock
 * (skipped to the next timer with sleep=off, at the host's pace with
 * sleep=on), hence I.
 */
#define _GNU_SOURCE	/* recvmmsg */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH		64
#define MAX_COUNTERS	8

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t / 1000000000u),
		.tv_nsec = (long)(t % 1000000000u),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		;
}

static volatile uint64_t *map_count(const char *path, int create)
{
	int fd = open(path, O_RDWR | (create ? O_CREAT | O_TRUNC : 0), 0644);
	void *p;

	if (fd < 0 || (create && ftruncate(fd, sizeof(uint64_t)))) {
		perror(path);
		exit(1);
	}
	p = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	close(fd);
	return p;
}

static int sink(const char *addr, const char *port, const char *countfile)
{
	static char bufs[BATCH][2048];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	volatile uint64_t *count = map_count(countfile, 1);
	int fd, k, n, size = 4 << 20;

	sin.sin_port = htons((uint16_t)atoi(port));
	if (!inet_aton(addr, &sin.sin_addr)) {
		fprintf(stderr, "pktwin: bad address %s\n", addr);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		perror("pktwin: socket/bind");
		return 1;
	}
	/* room for bursts: the softirq fills it while this waits for the CPU */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	memset(msgs, 0, sizeof(msgs));
	for (k = 0; k < BATCH; k++) {
		iov[k].iov_base = bufs[k];
		iov[k].iov_len = sizeof(bufs[k]);
		msgs[k].msg_hdr.msg_iov = &iov[k];
		msgs[k].msg_hdr.msg_iovlen = 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		if (n > 0)
			*count += (uint64_t)n;
	}
}

struct counter {
	volatile uint64_t *shared;
	int fd;
};

static uint64_t read_counter(const struct counter *c)
{
	char buf[64];
	ssize_t n;

	if (c->shared)
		return *c->shared;
	n = pread(c->fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0) {
		perror("pktwin: read counter");
		exit(1);
	}
	buf[n] = 0;
	return strtoull(buf, NULL, 10);
}

/* Nanoseconds the CPU has slept in the idle loop so far, from the nohz
 * bookkeeping in /proc/timer_list (one CPU): /proc/stat's idle has only
 * a clock tick's resolution. */
static uint64_t idle_ns(void)
{
	FILE *f = fopen("/proc/timer_list", "r");
	unsigned long long v = 0;
	char line[256];
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, " .idle_sleeptime : %llu", &v) == 1;
	if (f)
		fclose(f);
	if (!found) {
		fprintf(stderr, "pktwin: no idle_sleeptime in /proc/timer_list\n");
		exit(1);
	}
	return v;
}

static int window(int argc, char **argv)
{
	uint64_t settle = strtoull(argv[0], NULL, 10);
	uint64_t len = strtoull(argv[1], NULL, 10);
	uint64_t v0[MAX_COUNTERS], v1[MAX_COUNTERS], t0, t1, i0, i1;
	struct counter c[MAX_COUNTERS] = { 0 };
	int i, n = argc - 2;

	if (n < 1 || n > MAX_COUNTERS || !len) {
		fprintf(stderr, "pktwin: window SETTLE_NS WINDOW_NS COUNTER...\n");
		return 2;
	}
	for (i = 0; i < n; i++) {
		const char *p = argv[i + 2];

		if (!strncmp(p, "sink:", 5)) {
			c[i].shared = map_count(p + 5, 0);
		} else {
			c[i].fd = open(p, O_RDONLY);
			if (c[i].fd < 0) {
				perror(p);
				return 1;
			}
		}
	}
	sleep_until(now_ns() + settle);
	i0 = idle_ns();
	t0 = now_ns();
	for (i = 0; i < n; i++)
		v0[i] = read_counter(&c[i]);
	sleep_until(t0 + len);
	t1 = now_ns();
	for (i = 0; i < n; i++)
		v1[i] = read_counter(&c[i]);
	i1 = idle_ns();
	printf("ns %llu", (unsigned long long)(t1 - t0));
	for (i = 0; i < n; i++)
		printf(" count %llu", (unsigned long long)(v1[i] - v0[i]));
	printf(" idle_ns %llu\n", (unsigned long long)(i1 - i0));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "sink"))
		return sink(argv[2], argv[3], argv[4]);
	if (argc >= 5 && !strcmp(argv[1], "window"))
		return window(argc - 2, argv + 2);
	fprintf(stderr, "usage: pktwin sink ADDR PORT COUNTFILE\n"
		"       pktwin window SETTLE_NS WINDOW_NS COUNTER...\n");
	return 2;
}
