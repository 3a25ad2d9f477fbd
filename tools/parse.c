// SPDX-License-Identifier: GPL-2.0
/* Addresses, MACs, node lists and bucket bitmaps; no netlink here. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "parse.h"
#include "utils.h"

#define NODE_LIST_HINT "expected node ids separated by commas, as in 1,2,3"

int parse_addr(const char *arg, struct shoal_addr *addr)
{
	struct shoal_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, arg, &a.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, arg, &a.v6) == 1)
		a.family = AF_INET6;
	else {
		pr_err("\"%s\" is not a valid IPv4 or IPv6 address.", arg);
		return -1;
	}
	*addr = a;
	return 0;
}

int addr_from_bytes(const void *data, size_t len, struct shoal_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (len == sizeof(addr->v4))
		addr->family = AF_INET;
	else if (len == sizeof(addr->v6))
		addr->family = AF_INET6;
	else
		return -1;
	memcpy(addr->family == AF_INET ? (void *)&addr->v4 : (void *)&addr->v6,
	       data, len);
	return 0;
}

const char *format_addr(const struct shoal_addr *addr, char *buf)
{
	const void *a = addr->family == AF_INET ? (const void *)&addr->v4 :
						  (const void *)&addr->v6;

	if (!inet_ntop(addr->family, a, buf, ADDR_STRLEN))
		snprintf(buf, ADDR_STRLEN, "?");
	return buf;
}

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int parse_mac(const char *arg, uint8_t *mac)
{
	uint8_t m[MAC_LEN];
	const char *p = arg;
	int i;

	/* one or two digits a byte, as ip reads "lladdr" */
	for (i = 0; i < MAC_LEN; i++) {
		int hi = hex_digit(p[0]), lo;

		if (hi < 0)
			goto invalid;
		lo = hex_digit(p[1]);
		if (lo < 0) {
			m[i] = (uint8_t)hi;
			p++;
		} else {
			m[i] = (uint8_t)(hi << 4 | lo);
			p += 2;
		}
		if (i < MAC_LEN - 1 && *p++ != ':')
			goto invalid;
	}
	if (*p)
		goto invalid;
	memcpy(mac, m, sizeof(m));
	return 0;

invalid:
	pr_err("\"%s\" is not a valid MAC address; expected xx:xx:xx:xx:xx:xx.",
	       arg);
	return -1;
}

const char *format_mac(const uint8_t *mac, char *buf)
{
	snprintf(buf, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

int parse_node_list(const char *arg, uint32_t *ids, size_t max)
{
	const char *p = arg;
	size_t n = 0;

	for (;;) {
		size_t len = strcspn(p, ","), i;
		uint64_t v = 0;

		/* an empty list or element: the shape is wrong */
		if (!len) {
			pr_err("\"%s\" is not a valid node list; " NODE_LIST_HINT ".",
			       arg);
			return -1;
		}
		for (i = 0; i < len && v <= UINT32_MAX; i++) {
			if (p[i] < '0' || p[i] > '9')
				v = UINT64_MAX;
			else
				v = v * 10 + (unsigned int)(p[i] - '0');
		}
		if (v > UINT32_MAX) {
			pr_err("\"%.*s\" is not a valid node id; " NODE_LIST_HINT ".",
			       (int)len, p);
			return -1;
		}
		if (n == max) {
			pr_err("too many node ids in \"%s\"; at most %zu fit.",
			       arg, max);
			return -1;
		}
		ids[n++] = (uint32_t)v;
		if (!p[len])
			return (int)n;
		p += len + 1;
	}
}

long bitmap_next(const uint8_t *map, size_t nbits, size_t from)
{
	size_t b = from;

	while (b < nbits) {
		uint8_t byte = map[b / 8] >> (b % 8);

		if (!byte) {
			/* nothing left in this byte */
			b = (b / 8 + 1) * 8;
			continue;
		}
		b += (size_t)__builtin_ctz(byte);
		return b < nbits ? (long)b : -1;
	}
	return -1;
}

size_t bitmap_weight(const uint8_t *map, size_t nbits)
{
	size_t i, n = 0;

	for (i = 0; i < nbits / 8; i++)
		n += (size_t)__builtin_popcount(map[i]);
	/* bits past the last bucket are not buckets */
	if (nbits % 8)
		n += (size_t)__builtin_popcount(map[i] & ((1u << (nbits % 8)) - 1));
	return n;
}
