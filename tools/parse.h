/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_PARSE_H
#define SHOAL_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* A service's address: IPv4 or IPv6. */
struct shoal_addr {
	int family;		/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

#define ADDR_STRLEN	INET6_ADDRSTRLEN
#define MAC_LEN		6
#define MAC_STRLEN	18

/* Bytes of the address itself: 4 or 16. */
static inline size_t addr_len(const struct shoal_addr *addr)
{
	return addr->family == AF_INET ? sizeof(addr->v4) : sizeof(addr->v6);
}

/* Prefix length of a host address: 32 or 128. */
static inline unsigned int addr_bits(const struct shoal_addr *addr)
{
	return (unsigned int)addr_len(addr) * 8;
}

/*
 * Parse an IPv4 or IPv6 address without prefix or scope:
 *   Error: "foo" is not a valid IPv4 or IPv6 address.
 * Returns 0 or -1.
 */
int parse_addr(const char *arg, struct shoal_addr *addr);

/* Set @addr from @len bytes of a reply. Returns 0, or -1 for a bad length. */
int addr_from_bytes(const void *data, size_t len, struct shoal_addr *addr);

/* The address as text in @buf of ADDR_STRLEN bytes; returns @buf. */
const char *format_addr(const struct shoal_addr *addr, char *buf);

/* The value of the hex digit @c, either case, or -1. */
int hex_digit(char c);

/*
 * Parse a MAC address, six hex bytes separated by colons:
 *   Error: "foo" is not a valid MAC address; expected xx:xx:xx:xx:xx:xx.
 * Returns 0 or -1.
 */
int parse_mac(const char *arg, uint8_t *mac);

/* "xx:xx:xx:xx:xx:xx" in @buf of MAC_STRLEN bytes; returns @buf. */
const char *format_mac(const uint8_t *mac, char *buf);

/*
 * Parse node ids separated by commas, as in "1,2,3", into @ids, which has
 * room for @max. Each id only needs to be a u32: the kernel knows which
 * nodes exist. Returns the number of ids (at least one) or -1 (printed).
 */
int parse_node_list(const char *arg, uint32_t *ids, size_t max);

/*
 * An address with a prefix length, "ADDR/PLEN", the length required:
 *   Error: "192.0.2.1" needs a prefix length, as in 192.0.2.1/24.
 *   Error: prefix length must be between 1 and 32.
 * Returns 0 or -1.
 */
int parse_prefix(const char *arg, struct shoal_addr *addr, unsigned int *plen);

/* Personas: the tool checks what the kernel would refuse, and says why. */

/*
 * A persona name, also its interface's: 1 to SHOAL_PERSONA_NAME_MAX of
 * A-Z, a-z, 0-9, _, . and -, and neither "." nor "..". Returns 0 or -1
 * (printed).
 */
int check_persona_name(const char *arg);

/*
 * A persona's MAC: unicast and not all zeroes. @arg is how it was typed.
 * Returns 0 or -1 (printed).
 */
int check_persona_mac(const uint8_t *mac, const char *arg);

/* A virtual LAN id, 1 to SHOAL_VLAN_MAX. Returns 0 or -1 (printed). */
int parse_vlan(const char *arg, uint16_t *vid);

/*
 * A node list as the kernel takes it (a service's or a persona's nodes,
 * distributors): parse_node_list() whose ids are 1 to SHOAL_NODE_ID_MAX,
 * each once, kept in the order given (first choice first). Returns the
 * number of ids or -1 (printed).
 */
int parse_node_ids(const char *arg, uint32_t *ids, size_t max);

/*
 * A bucket bitmap as the kernel sends it: bucket b is bit b % 8 of byte
 * b / 8. @nbits counts the buckets, and @map holds (@nbits + 7) / 8 bytes.
 */

/* The first set bucket at or after @from, or -1 if there is none. */
long bitmap_next(const uint8_t *map, size_t nbits, size_t from);

/* How many buckets are set. */
size_t bitmap_weight(const uint8_t *map, size_t nbits);

#define bitmap_for_each(b, map, nbits)					\
	for ((b) = bitmap_next((map), (nbits), 0); (b) >= 0;		\
	     (b) = bitmap_next((map), (nbits), (size_t)(b) + 1))

#endif
