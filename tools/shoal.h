/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_H
#define SHOAL_H

#include <stdbool.h>

struct nl_sock;

/* -j: print JSON; -p: indent it. */
extern bool json_output;
extern bool pretty_output;

/* The kernel connection, opened on first use. NULL (printed) on failure. */
struct nl_sock *shoal_nl(void);

/* Objects: argv[0] is the command. Return 0, or -1 once the error is printed. */
int do_cluster(int argc, char **argv);
int do_node(int argc, char **argv);

#endif
