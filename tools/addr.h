/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_ADDR_H
#define SHOAL_ADDR_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"

/*
 * Addresses over rtnetlink, in the current network namespace. Calls
 * return 0 or -1 (printed).
 *
 * The module answers ARP and ND for a service address but leaves the
 * address itself to userspace: it goes on lo as a host address (/32 or
 * /128), in global scope so that replies from it are routed. A persona's
 * addresses go on its interface with their prefix length.
 */

/* Add @addr to lo; an identical address already there counts as success. */
int addr_add_lo(const struct shoal_addr *addr);

/* Remove @addr from lo; an address or device already gone is no error. */
int addr_del_lo(const struct shoal_addr *addr);

/*
 * Add @addr/@plen to the interface @ifname in global scope, with the
 * IFA_F_* bits @flags (IFA_F_NODAD: usable at once, no duplicate address
 * detection). An address already there is an error.
 */
int addr_add_dev(const char *ifname, const struct shoal_addr *addr,
		 unsigned int plen, uint32_t flags);

/* One address of an interface, as a dump reports it. */
struct dev_addr {
	uint32_t ifindex;
	struct shoal_addr addr;
	unsigned int plen;
};

/*
 * The addresses of interface @ifindex, or of every interface for 0, in the
 * kernel's order (IPv4 first). *@list is to be freed; it is NULL when
 * *@count is 0.
 */
int addr_dump(uint32_t ifindex, struct dev_addr **list, size_t *count);

#endif
