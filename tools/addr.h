/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_ADDR_H
#define SHOAL_ADDR_H

#include "parse.h"

/*
 * The module answers ARP and ND for a service address but leaves the
 * address itself to userspace: it goes on lo as a host address (/32 or
 * /128), in global scope so that replies from it are routed. Both calls
 * work in the current network namespace and return 0 or -1 (printed).
 */

/* Add @addr to lo; an identical address already there counts as success. */
int addr_add_lo(const struct shoal_addr *addr);

/* Remove @addr from lo; an address or device already gone is no error. */
int addr_del_lo(const struct shoal_addr *addr);

#endif
