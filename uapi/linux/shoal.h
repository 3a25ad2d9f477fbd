/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * shoal: a cluster of Linux machines serving one set of addresses.
 *
 * The generic netlink family "shoal" (version 1) is the only interface to
 * the module. All state belongs to the network namespace the request is
 * made in; every namespace is a separate cluster member.
 *
 * Objects
 * -------
 *
 * cluster: this namespace's own node id and the network device that
 *	carries cluster traffic.
 *
 *	SHOAL_CMD_CLUSTER_GET	doit, no attributes. The reply carries
 *				SHOAL_A_CLUSTER_NODE_ID and
 *				SHOAL_A_CLUSTER_IFINDEX/_IFNAME for
 *				whatever is configured (absent if unset).
 *	SHOAL_CMD_CLUSTER_SET	CAP_NET_ADMIN. SHOAL_A_CLUSTER_NODE_ID
 *				and/or SHOAL_A_CLUSTER_IFINDEX; at least
 *				one is required. The device must exist in
 *				the namespace. When the device goes away
 *				the cluster forgets it.
 *
 * node: a declared member of the cluster, identified by SHOAL_A_NODE_ID
 *	(1 to SHOAL_NODE_ID_MAX).
 *
 *	SHOAL_CMD_NODE_GET	doit with SHOAL_A_NODE_ID returns one node;
 *				dump (NLM_F_DUMP) returns every node, one
 *				message each, in id order.
 *	SHOAL_CMD_NODE_ADD	CAP_NET_ADMIN. SHOAL_A_NODE_ID required;
 *				SHOAL_A_NODE_WEIGHT (default 1),
 *				SHOAL_A_NODE_FLAGS (default 0) and
 *				SHOAL_A_NODE_ADMIN (default up) optional.
 *				Fails with EEXIST if the node exists.
 *	SHOAL_CMD_NODE_SET	CAP_NET_ADMIN. SHOAL_A_NODE_ID required and
 *				at least one of SHOAL_A_NODE_WEIGHT,
 *				SHOAL_A_NODE_FLAGS, SHOAL_A_NODE_ADMIN.
 *				Fails with ENOENT if the node does not exist.
 *	SHOAL_CMD_NODE_DEL	CAP_NET_ADMIN. SHOAL_A_NODE_ID required.
 *				Fails with ENOENT if the node does not exist.
 *
 * A rejected request changes nothing and carries an extended ACK message
 * saying why, with the offending attribute where there is one.
 *
 * Events
 * ------
 *
 * Every change is announced on the multicast group SHOAL_MCGRP_EVENTS
 * ("events") of the namespace it happened in, as a notification command
 * (SHOAL_CMD_*_NTF) carrying SHOAL_A_EVENT and the object's attributes as
 * they are after the change (for a deleted node: as it was).
 *
 * Dumps
 * -----
 *
 * A dump that spans several messages resumes where it stopped. If the
 * table changes between two parts, the part after the change is flagged
 * NLM_F_DUMP_INTR and the reader should dump again.
 */
#ifndef _UAPI_LINUX_SHOAL_H
#define _UAPI_LINUX_SHOAL_H

#define SHOAL_GENL_NAME		"shoal"
#define SHOAL_GENL_VERSION	1
#define SHOAL_MCGRP_EVENTS	"events"

/* Node ids run from 1 to SHOAL_NODE_ID_MAX; 0 means "no node". */
#define SHOAL_NODE_ID_MAX	255

/* A node's share of the work is proportional to its weight. */
#define SHOAL_WEIGHT_MIN	1
#define SHOAL_WEIGHT_MAX	65535
#define SHOAL_WEIGHT_DEFAULT	1

enum shoal_cmd {
	SHOAL_CMD_UNSPEC,

	SHOAL_CMD_CLUSTER_GET,
	SHOAL_CMD_CLUSTER_SET,
	SHOAL_CMD_CLUSTER_NTF,

	SHOAL_CMD_NODE_GET,
	SHOAL_CMD_NODE_ADD,
	SHOAL_CMD_NODE_SET,
	SHOAL_CMD_NODE_DEL,
	SHOAL_CMD_NODE_NTF,

	__SHOAL_CMD_MAX,
};

#define SHOAL_CMD_MAX (__SHOAL_CMD_MAX - 1)

enum shoal_attr {
	SHOAL_A_UNSPEC,
	SHOAL_A_PAD,

	/* u8, enum shoal_event: what a notification reports */
	SHOAL_A_EVENT,

	/* u32: this namespace's node id, 1..SHOAL_NODE_ID_MAX */
	SHOAL_A_CLUSTER_NODE_ID,
	/* u32: ifindex of the cluster device */
	SHOAL_A_CLUSTER_IFINDEX,
	/* string: name of the cluster device (replies only) */
	SHOAL_A_CLUSTER_IFNAME,

	/* u32: node id, 1..SHOAL_NODE_ID_MAX */
	SHOAL_A_NODE_ID,
	/* u32: SHOAL_WEIGHT_MIN..SHOAL_WEIGHT_MAX */
	SHOAL_A_NODE_WEIGHT,
	/* u32: SHOAL_NODE_F_* bits; unknown bits are rejected */
	SHOAL_A_NODE_FLAGS,
	/* u8, enum shoal_state: what the administrator asked for */
	SHOAL_A_NODE_ADMIN,
	/* u8, enum shoal_state: whether the node takes part (replies only) */
	SHOAL_A_NODE_STATE,

	__SHOAL_A_MAX,
};

#define SHOAL_A_MAX (__SHOAL_A_MAX - 1)

enum shoal_node_flags {
	/* held in reserve: takes work only when a regular node fails */
	SHOAL_NODE_F_SPARE = 1 << 0,
};

#define SHOAL_NODE_F_ALL (SHOAL_NODE_F_SPARE)

enum shoal_state {
	SHOAL_STATE_DOWN,
	SHOAL_STATE_UP,
};

enum shoal_event {
	SHOAL_EVENT_UNSPEC,
	SHOAL_EVENT_CLUSTER_CHANGED,
	SHOAL_EVENT_NODE_ADDED,
	SHOAL_EVENT_NODE_CHANGED,
	SHOAL_EVENT_NODE_DELETED,

	__SHOAL_EVENT_MAX,
};

#define SHOAL_EVENT_MAX (__SHOAL_EVENT_MAX - 1)

#endif /* _UAPI_LINUX_SHOAL_H */
