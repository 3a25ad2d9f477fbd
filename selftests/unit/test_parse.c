// SPDX-License-Identifier: GPL-2.0
/*
 * Service and persona arguments: addresses, prefixes, MACs, node lists,
 * names, VLAN ids; owned-bucket bitmaps.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/shoal.h>

#include "ktap.h"
#include "parse.h"
#include "utils.h"

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

/* Expects @ret to be -1 and pr_err() to have printed @want since @e began. */
static void check_error(int ret, struct errbuf *e, const char *arg,
			const char *want, int line)
{
	char *msg = err_end(e);

	ktap_check_int(ret, -1, arg, __FILE__, line);
	ktap_check_str(msg, want, arg, __FILE__, line);
	free(msg);
}

static void check_prefix(const char *arg, int family, const char *addr,
			 unsigned int plen, int line)
{
	struct shoal_addr a;
	char buf[ADDR_STRLEN];
	unsigned int p = 0;

	ktap_check_int(parse_prefix(arg, &a, &p), 0, arg, __FILE__, line);
	ktap_check_int(a.family, family, arg, __FILE__, line);
	ktap_check_str(format_addr(&a, buf), addr, arg, __FILE__, line);
	ktap_check_int(p, plen, arg, __FILE__, line);
}

static void prefix_valid(void)
{
	check_prefix("198.51.100.10/24", AF_INET, "198.51.100.10", 24, __LINE__);
	check_prefix("198.51.100.10/32", AF_INET, "198.51.100.10", 32, __LINE__);
	check_prefix("10.0.0.1/1", AF_INET, "10.0.0.1", 1, __LINE__);
	check_prefix("fd00::10/64", AF_INET6, "fd00::10", 64, __LINE__);
	check_prefix("2001:DB8::1/128", AF_INET6, "2001:db8::1", 128, __LINE__);
}

static void check_prefix_error(const char *arg, const char *want, int line)
{
	struct shoal_addr a = { .family = 12345 };
	unsigned int plen = 77;
	struct errbuf e;

	err_start(&e);
	check_error(parse_prefix(arg, &a, &plen), &e, arg, want, line);
	/* a failed parse leaves both alone */
	ktap_check_int(a.family, 12345, arg, __FILE__, line);
	ktap_check_int(plen, 77, arg, __FILE__, line);
}

static void prefix_invalid(void)
{
	check_prefix_error("198.51.100.10",
			   "Error: \"198.51.100.10\" needs a prefix length, as in 198.51.100.10/24.\n",
			   __LINE__);
	check_prefix_error("fd00::10",
			   "Error: \"fd00::10\" needs a prefix length, as in fd00::10/64.\n",
			   __LINE__);
	check_prefix_error("fd00::10/",
			   "Error: \"fd00::10/\" needs a prefix length after the \"/\".\n",
			   __LINE__);
	check_prefix_error("10.0.0.1/0",
			   "Error: prefix length must be between 1 and 32.\n", __LINE__);
	check_prefix_error("10.0.0.1/33",
			   "Error: prefix length must be between 1 and 32.\n", __LINE__);
	check_prefix_error("fd00::1/129",
			   "Error: prefix length must be between 1 and 128.\n", __LINE__);
	check_prefix_error("10.0.0.1/2x",
			   "Error: \"2x\" is not a valid prefix length.\n", __LINE__);
	check_prefix_error("10.0.0.1/-1",
			   "Error: \"-1\" is not a valid prefix length.\n", __LINE__);
	check_prefix_error("10.0.0.1/24/24",
			   "Error: \"24/24\" is not a valid prefix length.\n", __LINE__);
	check_prefix_error("foo/24",
			   "Error: \"foo\" is not a valid IPv4 or IPv6 address.\n",
			   __LINE__);
	check_prefix_error("/24",
			   "Error: \"\" is not a valid IPv4 or IPv6 address.\n", __LINE__);
	check_prefix_error("foo",
			   "Error: \"foo\" is not a valid IPv4 or IPv6 address.\n",
			   __LINE__);
	check_prefix_error("1111:2222:3333:4444:5555:6666:7777:8888:9999/64",
			   "Error: \"1111:2222:3333:4444:5555:6666:7777:8888:9999\" is not a valid IPv4 or IPv6 address.\n",
			   __LINE__);
	check_prefix_error("1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa/64",
			   "Error: \"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa\" is not a valid IPv4 or IPv6 address.\n",
			   __LINE__);
}

static void persona_names(void)
{
	static const char *const good[] = {
		"web", "a", "Web-1.prod_2", "0", "...", ".a", "abcdefghijklmno",
	};
	static const char *const bad[] = {
		"", "a b", "a/b", "a:b", "abcdefghijklmnop", "web\n", "é",
	};
	char want[160];
	struct errbuf e;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err_start(&e);
		ktap_check_int(check_persona_name(good[i]), 0, good[i], __FILE__,
			       __LINE__);
		free(err_end(&e));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(want, sizeof(want),
			 "Error: \"%s\" is not a valid persona name; expected 1 to 15 of A-Z, a-z, 0-9, _, . and -.\n",
			 bad[i]);
		err_start(&e);
		check_error(check_persona_name(bad[i]), &e, bad[i], want, __LINE__);
	}
	/* what no interface may be called */
	err_start(&e);
	check_error(check_persona_name("."), &e, ".",
		    "Error: \".\" is not a valid persona name: it names an interface.\n",
		    __LINE__);
	err_start(&e);
	check_error(check_persona_name(".."), &e, "..",
		    "Error: \"..\" is not a valid persona name: it names an interface.\n",
		    __LINE__);
}

#define PERSONA_MAC_HINT \
	"; a persona's MAC must be unicast (the first byte even) and not zero, as in 02:00:00:00:00:01.\n"

static void persona_macs(void)
{
	static const uint8_t local[MAC_LEN] = { 0x02, 0, 0, 0xaa, 0, 1 };
	static const uint8_t global[MAC_LEN] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	static const uint8_t mcast[MAC_LEN] = { 0x03, 0, 0, 0, 0, 1 };
	static const uint8_t bcast[MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[MAC_LEN];
	struct errbuf e;

	CHECK_INT(check_persona_mac(local, "02:00:00:aa:00:01"), 0);
	CHECK_INT(check_persona_mac(global, "52:54:00:12:34:56"), 0);
	err_start(&e);
	check_error(check_persona_mac(mcast, "3:0:0:0:0:1"), &e, "multicast",
		    "Error: \"3:0:0:0:0:1\" is a multicast MAC address" PERSONA_MAC_HINT,
		    __LINE__);
	err_start(&e);
	check_error(check_persona_mac(bcast, "ff:ff:ff:ff:ff:ff"), &e, "broadcast",
		    "Error: \"ff:ff:ff:ff:ff:ff\" is a multicast MAC address" PERSONA_MAC_HINT,
		    __LINE__);
	err_start(&e);
	check_error(check_persona_mac(zero, "00:00:00:00:00:00"), &e, "zero",
		    "Error: \"00:00:00:00:00:00\" is all zeroes" PERSONA_MAC_HINT, __LINE__);
}

static void vlans(void)
{
	static const char *const range[] = { "0", "4095", "65536", "4294967296" };
	static const char *const junk[] = { "", "x", "-1", "+1", "1 ", "0x10" };
	uint16_t vid = 0;
	char want[96];
	struct errbuf e;
	size_t i;

	CHECK_INT(parse_vlan("1", &vid), 0);
	CHECK_INT(vid, 1);
	CHECK_INT(parse_vlan("4094", &vid), 0);
	CHECK_INT(vid, SHOAL_VLAN_MAX);
	CHECK_INT(parse_vlan("010", &vid), 0);
	CHECK_INT(vid, 10);

	for (i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
		err_start(&e);
		check_error(parse_vlan(range[i], &vid), &e, range[i],
			    "Error: VLAN id must be between 1 and 4094.\n", __LINE__);
	}
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		snprintf(want, sizeof(want),
			 "Error: \"%s\" is not a valid VLAN id.\n", junk[i]);
		err_start(&e);
		check_error(parse_vlan(junk[i], &vid), &e, junk[i], want, __LINE__);
	}
	/* a failed parse leaves the id alone */
	CHECK_INT(vid, 10);
}

static void persona_nodes_valid(void)
{
	uint32_t ids[SHOAL_NODE_ID_MAX] = { 0 };
	char all[4 * SHOAL_NODE_ID_MAX + 1];
	size_t len = 0;
	int i;

	/* kept in the order given: first choice first */
	CHECK_INT(parse_node_ids("3,1,2", ids, 8), 3);
	CHECK_INT(ids[0], 3);
	CHECK_INT(ids[1], 1);
	CHECK_INT(ids[2], 2);
	CHECK_INT(parse_node_ids("255", ids, 8), 1);
	CHECK_INT(ids[0], 255);
	CHECK_INT(parse_node_ids("007,1", ids, 8), 2);
	CHECK_INT(ids[0], 7);
	CHECK_INT(ids[1], 1);

	/* every node, backwards */
	for (i = SHOAL_NODE_ID_MAX; i >= 1; i--)
		len += (size_t)snprintf(all + len, sizeof(all) - len, "%s%d",
					i == SHOAL_NODE_ID_MAX ? "" : ",", i);
	CHECK_INT(parse_node_ids(all, ids, SHOAL_NODE_ID_MAX),
		  SHOAL_NODE_ID_MAX);
	CHECK_INT(ids[0], SHOAL_NODE_ID_MAX);
	CHECK_INT(ids[SHOAL_NODE_ID_MAX - 1], 1);
}

static void check_node_ids_error(const char *arg, const char *want,
				      int line)
{
	uint32_t ids[4] = { 11, 12, 13, 14 };
	struct errbuf e;

	err_start(&e);
	check_error(parse_node_ids(arg, ids, 4), &e, arg, want, line);
	/* a failed parse leaves the list alone */
	ktap_check_int(ids[0], 11, arg, __FILE__, line);
	ktap_check_int(ids[1], 12, arg, __FILE__, line);
}

static void persona_nodes_invalid(void)
{
	check_node_ids_error("1,2,1",
				  "Error: node 1 appears twice in \"1,2,1\"; each node is listed once, first choice first.\n",
				  __LINE__);
	check_node_ids_error("2,2",
				  "Error: node 2 appears twice in \"2,2\"; each node is listed once, first choice first.\n",
				  __LINE__);
	/* the same node however it is written */
	check_node_ids_error("1,2,01",
				  "Error: node 1 appears twice in \"1,2,01\"; each node is listed once, first choice first.\n",
				  __LINE__);
	check_node_ids_error("0",
				  "Error: node id must be between 1 and 255.\n", __LINE__);
	check_node_ids_error("1,256",
				  "Error: node id must be between 1 and 255.\n", __LINE__);
	check_node_ids_error("4294967295",
				  "Error: node id must be between 1 and 255.\n", __LINE__);
	check_node_ids_error("1,,2",
				  "Error: \"1,,2\" is not a valid node list" LIST_HINT,
				  __LINE__);
	check_node_ids_error("all",
				  "Error: \"all\" is not a valid node id" LIST_HINT,
				  __LINE__);
	check_node_ids_error("1,2,3,4,5",
				  "Error: too many node ids in \"1,2,3,4,5\"; at most 4 fit.\n",
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
	{ "parse: prefixes", prefix_valid },
	{ "parse: prefix errors", prefix_invalid },
	{ "parse: persona names", persona_names },
	{ "parse: persona MACs are unicast and not zero", persona_macs },
	{ "parse: VLAN ids", vlans },
	{ "parse: node id lists (services, personas) keep their order", persona_nodes_valid },
	{ "parse: node id list errors", persona_nodes_invalid },
	{ "parse: owned-bucket bitmap to list", bitmap_decode },
	{ "parse: bitmap search and count", bitmap_search },
	{ NULL, NULL },
};
