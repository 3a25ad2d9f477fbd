/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_NL_H
#define SHOAL_NL_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

struct nl_sock;

/* Called for each reply message; return < 0 to fail the request. */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *data);
/* Called before a dump starts over; drop what the callback collected. */
typedef void (*nl_restart_cb)(void *data);

/*
 * Open a generic netlink socket and resolve @family, whose requests will
 * carry @version. Prints why on failure (including a missing module) and
 * returns NULL.
 */
struct nl_sock *nl_open(const char *family, uint8_t version);
void nl_close(struct nl_sock *nl);

/*
 * Start a request for @cmd in the socket's buffer. NLM_F_REQUEST is
 * implied; add NLM_F_DUMP or NLM_F_ACK in @flags. Append attributes with
 * mnl_attr_put_*(): the buffer is 16 KiB long.
 */
struct nlmsghdr *nl_msg(struct nl_sock *nl, uint8_t cmd, uint16_t flags);

/*
 * Send @req and read until the kernel's ACK, passing any reply to @cb
 * (may be NULL). Kernel errors are printed as "Error: <extack>." and
 * recorded as STATUS_REFUSED, other failures as STATUS_SYSTEM.
 * Returns 0 or -1.
 */
int nl_request(struct nl_sock *nl, struct nlmsghdr *req, nl_msg_cb cb,
	       void *data);

/*
 * Send the dump @req and pass each message to @cb. If the kernel flags
 * the dump as interrupted, @restart is called and the dump is repeated a
 * few times. Returns 0 or -1 (printed).
 */
int nl_dump(struct nl_sock *nl, struct nlmsghdr *req, nl_msg_cb cb,
	    nl_restart_cb restart, void *data);

/* Join the family's multicast group @name. Returns 0 or -1 (printed). */
int nl_mcast_join(struct nl_sock *nl, const char *name);

/* The socket, for poll() and mnl_socket_recvfrom() by event readers. */
struct mnl_socket *nl_mnl_socket(struct nl_sock *nl);

/* The family's id: the nlmsg_type of its messages, events included. */
uint16_t nl_family_id(struct nl_sock *nl);

/*
 * The error code of an NLMSG_ERROR or NLMSG_DONE message, of any netlink
 * family: 0 for a DONE without one, -EBADMSG for an error message cut
 * short, -EPROTO for a positive code. The kernel's extended ACK message,
 * if any, goes to @msg without its trailing blanks and full stop (the
 * caller ends the sentence), followed by the range the rejected
 * attribute's policy allows when the kernel reports one; else @msg is "".
 */
int nl_ack_error(const struct nlmsghdr *nlh, char *msg, size_t size);

/*
 * Index the attributes after the genl header into @tb[0..@max], checking
 * each known one against @policy[type]. Unknown types are skipped so a
 * newer kernel still works. Returns 0 or -1 (printed).
 */
int nl_parse(const struct nlmsghdr *nlh, const enum mnl_attr_data_type *policy,
	     unsigned int max, const struct nlattr **tb);

#endif
