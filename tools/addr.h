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

/*
 * What shoal adds is marked as its own with this address protocol
 * (IFA_PROTO): an address someone else put on lo is left alone.
 */
#define SHOAL_ADDR_PROTO	83

/*
 * Add @addr to lo. Returns 1 if it is shoal's now, 0 if an identical
 * address was there already (someone else's: it stays theirs), -1 on
 * error.
 */
int addr_add_lo(const struct shoal_addr *addr);

/* Remove @addr from lo if shoal put it there; one gone is no error. */
int addr_del_lo(const struct shoal_addr *addr);

#endif
