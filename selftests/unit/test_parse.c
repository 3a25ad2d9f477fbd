// SPDX-License-Identifier: GPL-2.0
/* Service arguments: addresses, MACs, node lists; owned-bucket bitmaps. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ktap.h"
#include "parse.h"
#include "utils.h"

/* Collects what pr_err() prints. */
struct errbuf {
	char *text;
	size_t len;
	FILE *f;
};

static void err_start(struct errbuf *e)
{
	e->f = open_memstream(&e->text, &e->len);
	set_error_stream(e->f);
}

/* Returns the text printed since err_start(); free() it. */
static char *err_end(struct errbuf *e)
{
	set_error_stream(NULL);
	fclose(e->f);
	return e->text;
}

/* Parses @arg and prints it back, expecting @want. */
static void check_addr(const char *arg, int family, const char *want, int line)
{
	struct shoal_addr a;
	char buf[ADDR_STRLEN];

	memset(&a, 0xaa, sizeof(a));
	ktap_check_int(parse_addr(arg, &a), 0, arg, __FILE__, line);
	ktap_check_int(a.family, family, arg, __FILE__, line);
	ktap_check_str(format_addr(&a, buf), want, arg, __FILE__, line);
}

static void addr_valid(void)
{
	struct shoal_addr a;

	check_addr("192.0.2.1", AF_INET, "192.0.2.1", __LINE__);
	check_addr("0.0.0.0", AF_INET, "0.0.0.0", __LINE__);
	check_addr("2001:db8::1", AF_INET6, "2001:db8::1", __LINE__);
	check_addr("2001:DB8:0:0:0:0:0:1", AF_INET6, "2001:db8::1", __LINE__);
	check_addr("::ffff:192.0.2.1", AF_INET6, "::ffff:192.0.2.1", __LINE__);

	CHECK_INT(parse_addr("192.0.2.1", &a), 0);
	CHECK_INT(addr_len(&a), 4);
	CHECK_INT(addr_bits(&a), 32);
	CHECK_INT(a.v4.s_addr, htonl(0xc0000201));
	CHECK_INT(parse_addr("2001:db8::1", &a), 0);
	CHECK_INT(addr_len(&a), 16);
	CHECK_INT(addr_bits(&a), 128);
	CHECK_INT(a.v6.s6_addr[0], 0x20);
	CHECK_INT(a.v6.s6_addr[15], 1);
}

static void addr_invalid(void)
{
	static const char *const bad[] = {
		"", "foo", "192.0.2", "192.0.2.256", "192.0.2.1/32", " 192.0.2.1",
		"192.0.2.1 ", "2001:db8::1/128", "fe80::1%lo", "2001:db8:::1",
		"1:2:3:4:5:6:7:8:9",
	};
	struct shoal_addr a = { .family = 12345 };
	char want[96];
	struct errbuf e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *msg;

		err_start(&e);
		ktap_check_int(parse_addr(bad[i], &a), -1, bad[i], __FILE__, __LINE__);
		msg = err_end(&e);
		snprintf(want, sizeof(want),
			 "Error: \"%s\" is not a valid IPv4 or IPv6 address.\n",
			 bad[i]);
		ktap_check_str(msg, want, bad[i], __FILE__, __LINE__);
		free(msg);
	}
	/* a failed parse leaves the address alone */
	CHECK_INT(a.family, 12345);
}

static void addr_bytes(void)
{
	static const uint8_t v4[4] = { 192, 0, 2, 100 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
	struct shoal_addr a;
	char buf[ADDR_STRLEN];

	CHECK_INT(addr_from_bytes(v4, sizeof(v4), &a), 0);
	CHECK_INT(a.family, AF_INET);
	CHECK_STR(format_addr(&a, buf), "192.0.2.100");
	CHECK_INT(addr_from_bytes(v6, sizeof(v6), &a), 0);
	CHECK_INT(a.family, AF_INET6);
	CHECK_STR(format_addr(&a, buf), "2001:db8::7");
	CHECK_INT(addr_from_bytes(v6, 0, &a), -1);
	CHECK_INT(addr_from_bytes(v6, 5, &a), -1);
	CHECK_INT(addr_from_bytes(v6, 15, &a), -1);
}

static void check_mac(const char *arg, const char *want, int line)
{
	uint8_t mac[MAC_LEN] = { 0 };
	char buf[MAC_STRLEN];

	ktap_check_int(parse_mac(arg, mac), 0, arg, __FILE__, line);
	ktap_check_str(format_mac(mac, buf), want, arg, __FILE__, line);
}

static void mac_valid(void)
{
	check_mac("03:5e:12:34:56:78", "03:5e:12:34:56:78", __LINE__);
	check_mac("AA:bb:Cc:dD:EE:ff", "aa:bb:cc:dd:ee:ff", __LINE__);
	check_mac("00:00:00:00:00:00", "00:00:00:00:00:00", __LINE__);
	/* one digit a byte, as ip takes it */
	check_mac("3:0:5e:0:0:1", "03:00:5e:00:00:01", __LINE__);
}

static void mac_invalid(void)
{
	static const char *const bad[] = {
		"", "foo", "03:5e:12:34:56", "03:5e:12:34:56:78:9a",
		"03-5e-12-34-56-78", "035e.1234.5678", "035e12345678",
		"003:5e:12:34:56:78", "03:5e:12:34:56:", "03:5e:12:34:56:78:",
		":03:5e:12:34:56:78", "03::5e:12:34:56", "0g:5e:12:34:56:78",
		"03:5e:12:34:56:78 ", "+3:5e:12:34:56:78",
	};
	uint8_t mac[MAC_LEN] = { 1, 2, 3, 4, 5, 6 };
	char want[128], buf[MAC_STRLEN];
	struct errbuf e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *msg;

		err_start(&e);
		ktap_check_int(parse_mac(bad[i], mac), -1, bad[i], __FILE__, __LINE__);
		msg = err_end(&e);
		snprintf(want, sizeof(want),
			 "Error: \"%s\" is not a valid MAC address; expected xx:xx:xx:xx:xx:xx.\n",
			 bad[i]);
		ktap_check_str(msg, want, bad[i], __FILE__, __LINE__);
		free(msg);
	}
	/* a failed parse leaves the MAC alone */
	CHECK_STR(format_mac(mac, buf), "01:02:03:04:05:06");
}

static void nodes_valid(void)
{
	uint32_t ids[8] = { 0 };

	CHECK_INT(parse_node_list("1,2,3", ids, 8), 3);
	CHECK_INT(ids[0], 1);
	CHECK_INT(ids[1], 2);
	CHECK_INT(ids[2], 3);
	CHECK_INT(parse_node_list("42", ids, 8), 1);
	CHECK_INT(ids[0], 42);
	/* order and duplicates are the kernel's business, ranges too */
	CHECK_INT(parse_node_list("9,0,9,007", ids, 8), 4);
	CHECK_INT(ids[0], 9);
	CHECK_INT(ids[1], 0);
	CHECK_INT(ids[2], 9);
	CHECK_INT(ids[3], 7);
	CHECK_INT(parse_node_list("4294967295", ids, 8), 1);
	CHECK_INT(ids[0], UINT32_MAX);
	/* exactly as many as fit */
	CHECK_INT(parse_node_list("1,2", ids, 2), 2);
}

/* Expects @arg to be rejected with @want, leaving @ids alone. */
static void check_nodes_error(const char *arg, size_t max, const char *want,
			      int line)
{
	uint32_t ids[4] = { 11, 12, 13, 14 };
	struct errbuf e;
	char *msg;

	err_start(&e);
	ktap_check_int(parse_node_list(arg, ids, max), -1, arg, __FILE__, line);
	msg = err_end(&e);
	ktap_check_str(msg, want, arg, __FILE__, line);
	free(msg);
}

#define LIST_HINT "; expected node ids separated by commas, as in 1,2,3.\n"

static void nodes_invalid(void)
{
	check_nodes_error("", 4,
			  "Error: \"\" is not a valid node list" LIST_HINT, __LINE__);
	check_nodes_error("1,,2", 4,
			  "Error: \"1,,2\" is not a valid node list" LIST_HINT, __LINE__);
	check_nodes_error(",1", 4,
			  "Error: \",1\" is not a valid node list" LIST_HINT, __LINE__);
	check_nodes_error("1,", 4,
			  "Error: \"1,\" is not a valid node list" LIST_HINT, __LINE__);
	check_nodes_error(",", 4,
			  "Error: \",\" is not a valid node list" LIST_HINT, __LINE__);
	check_nodes_error("x", 4,
			  "Error: \"x\" is not a valid node id" LIST_HINT, __LINE__);
	check_nodes_error("1,x,3", 4,
			  "Error: \"x\" is not a valid node id" LIST_HINT, __LINE__);
	check_nodes_error("1,2x,3", 4,
			  "Error: \"2x\" is not a valid node id" LIST_HINT, __LINE__);
	check_nodes_error("-1", 4,
			  "Error: \"-1\" is not a valid node id" LIST_HINT, __LINE__);
	check_nodes_error("1, 2", 4,
			  "Error: \" 2\" is not a valid node id" LIST_HINT, __LINE__);
	check_nodes_error("1;2", 4,
			  "Error: \"1;2\" is not a valid node id" LIST_HINT, __LINE__);
	/* past 32 bits must not wrap */
	check_nodes_error("4294967296", 4,
			  "Error: \"4294967296\" is not a valid node id" LIST_HINT,
			  __LINE__);
	check_nodes_error("1,2,3", 2,
			  "Error: too many node ids in \"1,2,3\"; at most 2 fit.\n",
			  __LINE__);
}

/* Decodes @nbits of @map and compares with @want, ended by -1. */
static void check_bits(const uint8_t *map, size_t nbits, const long *want,
		       int line)
{
	size_t n = 0;
	long b;

	bitmap_for_each(b, map, nbits) {
		ktap_check_int(b, want[n], "bucket", __FILE__, line);
		if (want[n] < 0)
			return;
		n++;
	}
	ktap_check_int(-1, want[n], "end of list", __FILE__, line);
	ktap_check_int((long long)bitmap_weight(map, nbits), (long long)n,
		       "weight", __FILE__, line);
}

#define CHECK_BITS(map, nbits, ...) \
	check_bits(map, nbits, (const long[]){ __VA_ARGS__, -1 }, __LINE__)

static void bitmap_decode(void)
{
	static const uint8_t none[4];
	static const uint8_t some[3] = { 0x05, 0x80, 0x01 };
	static const uint8_t full[2] = { 0xff, 0xff };

	CHECK_BITS(none, 32, -1);
	CHECK_BITS(none, 0, -1);
	/* bucket b is bit b % 8 of byte b / 8 */
	CHECK_BITS(some, 24, 0, 2, 15, 16);
	CHECK_BITS(full, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	CHECK_BITS(full, 8, 0, 1, 2, 3, 4, 5, 6, 7);
	/* bits past the last bucket are not buckets */
	CHECK_BITS(full, 3, 0, 1, 2);
	CHECK_BITS(some, 16, 0, 2, 15);
	CHECK_BITS(some, 15, 0, 2);
	CHECK_BITS(some, 0, -1);
}

static void bitmap_search(void)
{
	static const uint8_t some[3] = { 0x05, 0x80, 0x01 };
	static uint8_t big[8192];

	CHECK_INT(bitmap_next(some, 24, 0), 0);
	CHECK_INT(bitmap_next(some, 24, 1), 2);
	CHECK_INT(bitmap_next(some, 24, 3), 15);
	CHECK_INT(bitmap_next(some, 24, 15), 15);
	CHECK_INT(bitmap_next(some, 24, 16), 16);
	CHECK_INT(bitmap_next(some, 24, 17), -1);
	CHECK_INT(bitmap_next(some, 24, 24), -1);
	CHECK_INT(bitmap_next(some, 24, 1000), -1);

	/* the largest service: 65536 buckets */
	big[8191] = 0x80;
	CHECK_INT(bitmap_next(big, 65536, 0), 65535);
	CHECK_INT(bitmap_weight(big, 65536), 1);
	CHECK_INT(bitmap_next(big, 65535, 0), -1);
	CHECK_INT(bitmap_weight(big, 65535), 0);
	memset(big, 0xff, sizeof(big));
	CHECK_INT(bitmap_weight(big, 65536), 65536);
	CHECK_INT(bitmap_weight(big, 1024), 1024);
}

const struct ktap_case parse_cases[] = {
	{ "parse: IPv4 and IPv6 addresses", addr_valid },
	{ "parse: address errors", addr_invalid },
	{ "parse: addresses from reply bytes", addr_bytes },
	{ "parse: MAC addresses", mac_valid },
	{ "parse: MAC errors", mac_invalid },
	{ "parse: node lists", nodes_valid },
	{ "parse: node list errors", nodes_invalid },
	{ "parse: owned-bucket bitmap to list", bitmap_decode },
	{ "parse: bitmap search and count", bitmap_search },
	{ NULL, NULL },
};
