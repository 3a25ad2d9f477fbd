/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_XDP_H
#define SHOAL_XDP_H

#include <stdbool.h>

/* The name the program has in the kernel, which says it is ours. */
#define SHOAL_XDP_PROG_NAME "shoal_xdp"

/*
 * Attach the shoal XDP program to a device unless it is there already:
 * in the driver where it can, else generic. Refuses a device that has
 * another program. Returns 0 or -1 (printed).
 */
int xdp_attach(unsigned int ifindex);

/* Detach it if it is the shoal program; 0 or -1 (printed). */
int xdp_detach(unsigned int ifindex);

/*
 * Whether the device runs the shoal program: 1 yes, 0 no, -1 cannot tell
 * (no privileges). Prints nothing.
 */
int xdp_state(unsigned int ifindex);

#endif
