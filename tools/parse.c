// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses, MACs, node lists, persona arguments and bucket bitmaps; no
 * netlink here.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/shoal.h>

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

int parse_prefix(const char *arg, struct shoal_addr *addr, unsigned int *plen)
{
	const char *slash = strchr(arg, '/');
	char buf[ADDR_STRLEN + 1];
	struct shoal_addr a;
	uint32_t len;
	size_t n;

	if (!slash) {
		/* a host address would be a guess: say what is wanted */
		if (parse_addr(arg, &a))
			return -1;
		pr_err("\"%s\" needs a prefix length, as in %s/%u.", arg, arg,
		       a.family == AF_INET ? 24 : 64);
		return -1;
	}
	n = (size_t)(slash - arg);
	if (n >= sizeof(buf)) {
		pr_err("\"%.*s\" is not a valid IPv4 or IPv6 address.", (int)n, arg);
		return -1;
	}
	memcpy(buf, arg, n);
	buf[n] = '\0';
	if (parse_addr(buf, &a))
		return -1;
	if (!slash[1]) {
		pr_err("\"%s\" needs a prefix length after the \"/\".", arg);
		return -1;
	}
	if (parse_u32(slash + 1, 1, addr_bits(&a), "prefix length", &len))
		return -1;
	*addr = a;
	*plen = len;
	return 0;
}

static bool persona_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

int check_persona_name(const char *arg)
{
	size_t len = strlen(arg), i;

	for (i = 0; i < len && persona_char_ok(arg[i]); i++)
		;
	if (!len || len > SHOAL_PERSONA_NAME_MAX || i < len) {
		pr_err("\"%s\" is not a valid persona name; expected 1 to %u of A-Z, a-z, 0-9, _, . and -.",
		       arg, SHOAL_PERSONA_NAME_MAX);
		return -1;
	}
	/* the name is its interface's, and no interface may be called these */
	if (!strcmp(arg, ".") || !strcmp(arg, "..")) {
		pr_err("\"%s\" is not a valid persona name: it names an interface.",
		       arg);
		return -1;
	}
	return 0;
}

int check_persona_mac(const uint8_t *mac, const char *arg)
{
	static const uint8_t zero[MAC_LEN];
	const char *what;

	if (mac[0] & 1)
		what = "a multicast MAC address";
	else if (!memcmp(mac, zero, sizeof(zero)))
		what = "all zeroes";
	else
		return 0;
	pr_err("\"%s\" is %s; a persona's MAC must be unicast (the first byte even) and not zero, as in 02:00:00:00:00:01.",
	       arg, what);
	return -1;
}

int parse_vlan(const char *arg, uint16_t *vid)
{
	uint32_t v;

	if (parse_u32(arg, 1, SHOAL_VLAN_MAX, "VLAN id", &v))
		return -1;
	*vid = (uint16_t)v;
	return 0;
}

int parse_node_ids(const char *arg, uint32_t *ids, size_t max)
{
	uint32_t tmp[SHOAL_NODE_ID_MAX];
	int n, i, k;

	if (max > SHOAL_NODE_ID_MAX)
		max = SHOAL_NODE_ID_MAX;
	n = parse_node_list(arg, tmp, max);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!tmp[i] || tmp[i] > SHOAL_NODE_ID_MAX) {
			pr_err("node id must be between 1 and %u.",
			       SHOAL_NODE_ID_MAX);
			return -1;
		}
		for (k = 0; k < i; k++) {
			if (tmp[k] == tmp[i]) {
				pr_err("node %u appears twice in \"%s\"; each node is listed once, first choice first.",
				       tmp[i], arg);
				return -1;
			}
		}
	}
	memcpy(ids, tmp, (size_t)n * sizeof(*ids));
	return n;
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
