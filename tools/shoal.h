/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_H
#define SHOAL_H

#include <stdbool.h>
#include <stddef.h>
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

/*
 * What show prints: @count items of @size bytes from @items, each by
 * @plain, or with -j a JSON array of what @to_json writes for each.
 */
void print_list(const void *items, size_t count, size_t size,
		void (*plain)(const void *item),
		void (*to_json)(struct json *j, const void *item));

/*
 * Objects: argv[0] is the command. Return 0, or -1 once the error is
 * printed (and its class recorded, if it is not a usage error: fail_as()).
 */
int do_cluster(int argc, char **argv);
int do_node(int argc, char **argv);
int do_service(int argc, char **argv);
int do_bucket(int argc, char **argv);
int do_persona(int argc, char **argv);
int do_key(int argc, char **argv);
int do_monitor(int argc, char **argv);
int do_disk(int argc, char **argv);
int do_agent(int argc, char **argv);

/* Shared by services and buckets; in service.c. */
struct shoal_stats {
	bool valid;		/* the reply had counters */
	/* had bytes and new flows: a service's, not a bucket's */
	bool has_bytes;
	bool has_new_flows;
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t dropped;	/* xdp_dropped included */
	uint64_t xdp_dropped;
	uint64_t new_flows;	/* of rx_packets, TCP SYNs */
	uint64_t forwarded;	/* passed on to another node */
	uint64_t xdp_forwarded;	/* of forwarded, by XDP */
};

/* Read a nest of SHOAL_A_STATS_*. Returns 0 or -1 (printed). */
int stats_parse(const struct nlattr *nest, struct shoal_stats *st);
/*
 * "rx_packets N rx_bytes N dropped_packets N xdp_dropped_packets N
 * new_flows N forwarded_packets N xdp_forwarded_packets N", no newline;
 * rx_bytes and new_flows only if the reply had them.
 */
void stats_print(const struct shoal_stats *st);
/* "stats": {...}, or null without counters. */
void stats_json(struct json *j, const struct shoal_stats *st);

/* Heartbeat frame counters, a nest of SHOAL_A_HB_*; in cluster.c. */
struct shoal_hb_stats {
	bool valid;		/* the message had the nest */
	uint64_t tx;
	uint64_t rx;
	uint64_t lost;
	uint64_t rejected;
	uint64_t bad_mac;
	uint64_t replayed;
	uint64_t malformed;
	uint64_t foreign;
	uint64_t unknown;
	uint64_t unverified;
	uint64_t duplicate;
	uint64_t stalled_ms;	/* the cluster's only: */
	bool has_stalled;	/* ... if reported */
};

/* Read a nest of SHOAL_A_HB_*. Returns 0 or -1 (printed). */
int hb_stats_parse(const struct nlattr *nest, struct shoal_hb_stats *st);

/* Parse the service address in argv[0]. Returns 0 or -1 (printed). */
int service_addr_arg(int argc, char **argv, const char *hint,
		     struct shoal_addr *addr);
/* SHOAL_A_SERVICE_ADDR4 or SHOAL_A_SERVICE_ADDR6. */
void service_addr_put(struct nlmsghdr *req, const struct shoal_addr *addr);

/*
 * Print a notification for "shoal monitor", one per object file. @event
 * is its SHOAL_A_EVENT. Returns 0, 1 for an event the object does not
 * know (nothing printed), or -1 (printed).
 */
int cluster_event(const struct nlmsghdr *nlh, uint8_t event);
int node_event(const struct nlmsghdr *nlh, uint8_t event);
int service_event(const struct nlmsghdr *nlh, uint8_t event);
int bucket_event(const struct nlmsghdr *nlh, uint8_t event);
/* In persona.c: SHOAL_CMD_PERSONA_NTF, and the agent's SHOAL_CMD_DISK_NTF. */
int persona_event(const struct nlmsghdr *nlh, uint8_t event);
int disk_event(const struct nlmsghdr *nlh, uint8_t event);

/*
 * In monitor.c, for those printers: start an event with its time of
 * receipt. Plain text gets "[TIME] " and the printer words the rest; JSON
 * gets an object holding "time", "object" and "event", returned for the
 * printer's members (NULL for plain text). event_end() ends the line and
 * flushes it.
 */
struct json *event_begin(const char *object, const char *event);
void event_end(struct json *j);

#endif
