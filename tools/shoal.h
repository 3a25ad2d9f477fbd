/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_H
#define SHOAL_H

#include <stdbool.h>
#include <stdint.h>

struct json;
struct nl_sock;
struct nlattr;
struct nlmsghdr;
struct shoal_addr;

/* -j: print JSON; -p: indent it; -s: print counters too. */
extern bool json_output;
extern bool pretty_output;
extern bool stats_output;

/* The kernel connection, opened on first use. NULL (printed) on failure. */
struct nl_sock *shoal_nl(void);

/* Objects: argv[0] is the command. Return 0, or -1 once the error is printed. */
int do_cluster(int argc, char **argv);
int do_node(int argc, char **argv);
int do_service(int argc, char **argv);
int do_bucket(int argc, char **argv);

/* Shared by services and buckets; in service.c. */
struct shoal_stats {
	bool valid;		/* the reply had counters */
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t dropped;
};

/* Read a nest of SHOAL_A_STATS_*. Returns 0 or -1 (printed). */
int stats_parse(const struct nlattr *nest, struct shoal_stats *st);
/* "rx_packets N rx_bytes N dropped_packets N", no newline. */
void stats_print(const struct shoal_stats *st);
/* "stats": {...}, or null without counters. */
void stats_json(struct json *j, const struct shoal_stats *st);

/* Parse the service address in argv[0]. Returns 0 or -1 (printed). */
int service_addr_arg(int argc, char **argv, const char *hint,
		     struct shoal_addr *addr);
/* SHOAL_A_SERVICE_ADDR4 or SHOAL_A_SERVICE_ADDR6. */
void service_addr_put(struct nlmsghdr *req, const struct shoal_addr *addr);

#endif
