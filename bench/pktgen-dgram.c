// SPDX-License-Identifier: GPL-2.0
/*
 * Packet generator for the packet-path benchmark (bench/packet.sh), run on
 * the host: sends 60-byte Ethernet/IPv4/UDP frames (64 on the wire with
 * the FCS), each as one UDP datagram to 127.0.0.1:PORT, where QEMU's
 * "-netdev dgram" backend hands every datagram to the guest's virtio-net
 * as one frame. Runs until killed.
 *
 *   pktgen-dgram PORT DST_MAC DST_IP DST_PORT [RATE [FLOW_BITS]]
 *
 * Source address and port vary over 2^FLOW_BITS flows (default 20:
 * 10.0.0.0/12, a port each from 1024 up) so that hashes and buckets are
 * spread as with real clients. RATE caps the packets per second (default
 * 0: as fast as sendmmsg goes); the guest takes far fewer, the rest is
 * dropped on the host at QEMU's socket, so a cap only saves the host's
 * CPU.
 */
#define _GNU_SOURCE	/* sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_LEN	60	/* the minimum Ethernet frame, FCS excluded */
#define BATCH		64

struct frame {
	uint8_t dst[6], src[6];
	uint16_t type;
	/* IPv4 */
	uint8_t ver_ihl, tos;
	uint16_t tot_len, id, frag;
	uint8_t ttl, proto;
	uint16_t check;
	uint32_t saddr, daddr;
	/* UDP */
	uint16_t sport, dport, len, ucheck;
	uint8_t payload[FRAME_LEN - 42];
} __attribute__((packed));

_Static_assert(sizeof(struct frame) == FRAME_LEN, "frame layout");

static uint32_t sum16(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;

	for (; len > 1; len -= 2, b += 2)
		sum += (uint32_t)b[0] << 8 | b[1];
	if (len)
		sum += (uint32_t)b[0] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static uint32_t flow_mask = (1u << 20) - 1;

/* Flow i of 2^FLOW_BITS: an odd multiplier permutes them, so successive
 * frames are far apart in the hash space. */
static void fill(struct frame *f, uint32_t i)
{
	uint32_t flow = (i * 2654435761u) & flow_mask;
	uint32_t sum;

	f->saddr = htonl(0x0a000000u | flow);
	f->sport = htons((uint16_t)(1024 + (flow * 40503u) % 64000));
	f->id = htons((uint16_t)i);
	f->check = 0;
	f->check = fold(sum16(&f->ver_ihl, 20, 0));
	/* pseudo-header, then the UDP header and payload */
	sum = sum16(&f->saddr, 8, 0) + IPPROTO_UDP + (FRAME_LEN - 34);
	f->ucheck = 0;
	f->ucheck = fold(sum16(&f->sport, FRAME_LEN - 34, sum));
	if (!f->ucheck)
		f->ucheck = 0xffff;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static struct frame frames[BATCH];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct frame tmpl = { 0 };
	unsigned long port, dport, rate = 0;
	uint64_t next, gap = 0;
	struct in_addr daddr;
	uint32_t i = 0;
	int fd, k;

	if (argc < 5 || argc > 7) {
		fprintf(stderr, "usage: %s PORT DST_MAC DST_IP DST_PORT [RATE [FLOW_BITS]]\n",
			argv[0]);
		return 2;
	}
	port = strtoul(argv[1], NULL, 10);
	dport = strtoul(argv[4], NULL, 10);
	if (argc >= 6)
		rate = strtoul(argv[5], NULL, 10);
	if (argc == 7) {
		unsigned long bits = strtoul(argv[6], NULL, 10);

		if (bits > 24) {
			fprintf(stderr, "pktgen-dgram: at most 24 flow bits\n");
			return 2;
		}
		flow_mask = (1u << bits) - 1;
	}
	if (!port || port > 65535 || !dport || dport > 65535 ||
	    parse_mac(argv[2], tmpl.dst) || !inet_aton(argv[3], &daddr)) {
		fprintf(stderr, "pktgen-dgram: bad arguments\n");
		return 2;
	}
	/* only ever to this host's QEMU */
	to.sin_port = htons((uint16_t)port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	memcpy(tmpl.src, "\x02\x00\x00\x00\xbe\x01", 6);
	tmpl.type = htons(0x0800);
	tmpl.ver_ihl = 0x45;
	tmpl.tot_len = htons(FRAME_LEN - 14);
	tmpl.ttl = 64;
	tmpl.proto = IPPROTO_UDP;
	tmpl.daddr = daddr.s_addr;
	tmpl.dport = htons((uint16_t)dport);
	tmpl.len = htons(FRAME_LEN - 34);
	memset(tmpl.payload, 0x5a, sizeof(tmpl.payload));

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("pktgen-dgram: socket");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (k = 0; k < BATCH; k++) {
		frames[k] = tmpl;
		iov[k].iov_base = &frames[k];
		iov[k].iov_len = FRAME_LEN;
		msgs[k].msg_hdr.msg_iov = &iov[k];
		msgs[k].msg_hdr.msg_iovlen = 1;
		msgs[k].msg_hdr.msg_name = &to;
		msgs[k].msg_hdr.msg_namelen = sizeof(to);
	}
	if (rate)
		gap = 1000000000ull * BATCH / rate;
	next = now_ns();
	for (;;) {
		for (k = 0; k < BATCH; k++)
			fill(&frames[k], i++);
		/* nobody reads QEMU's socket while the guest's ring is full:
		 * the host drops what does not fit, never an error here */
		if (sendmmsg(fd, msgs, BATCH, 0) < 0 && errno != ENOBUFS &&
		    errno != EAGAIN && errno != ECONNREFUSED) {
			perror("pktgen-dgram: sendmmsg");
			return 1;
		}
		if (gap) {
			struct timespec ts;

			/* behind (the host was busy): no burst to catch up */
			if (now_ns() > next + 16 * gap)
				next = now_ns();
			next += gap;
			ts.tv_sec = (time_t)(next / 1000000000u);
			ts.tv_nsec = (long)(next % 1000000000u);
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					NULL);
		}
	}
}
