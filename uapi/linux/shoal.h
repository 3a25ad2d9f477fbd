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
 *	SHOAL_CMD_CLUSTER_SET	CAP_NET_ADMIN. Any of SHOAL_A_CLUSTER_NODE_ID,
 *				_IFINDEX, _IFINDEX2, _KEY, _KEY_CLEAR,
 *				_INTERVAL, _DEAD, _QUORUM; at least one. The
 *				devices must exist in the namespace. When a
 *				device goes away the cluster forgets it.
 *	SHOAL_CMD_CLUSTER_LEAVE	CAP_NET_ADMIN, no attributes. This node
 *				leaves: it says so in authenticated frames,
 *				so that the others take its buckets and
 *				personas over at once, and its heartbeats
 *				stop (a cluster set that starts them again
 *				brings it back). The same is done when the
 *				cluster device or the namespace goes, the
 *				module is unloaded, the machine reboots, and
 *				(through netpoll, where the device can) when
 *				the kernel panics.
 *
 *	Heartbeats: with a node id, a device and a key, the module sends an
 *	authenticated heartbeat frame (ethertype SHOAL_ETH_P_HEARTBEAT, to
 *	the multicast SHOAL_HEARTBEAT_MAC) every SHOAL_A_CLUSTER_INTERVAL ms,
 *	and declares a node down when no member has heard from it for
 *	SHOAL_A_CLUSTER_DEAD of its intervals (each frame says whom its
 *	sender hears); it is up again after SHOAL_HEARTBEAT_RISE frames in a
 *	row. A node whose heartbeats start owns nothing until it has heard
 *	the others (SHOAL_A_CLUSTER_STARTING). Without a key, a declared
 *	node is up unless set down by hand. The key is never reported back;
 *	how a change of it goes round is (enum shoal_key_change).
 *
 *	Heartbeats may go over a second link as well (SHOAL_A_CLUSTER_IFINDEX2,
 *	another device on another network): every frame is sent on both,
 *	the copy heard second is counted (SHOAL_A_HB_DUPLICATE) and
 *	dropped, and a node is down only when it is silent on both. A link
 *	a live node is no longer heard on is reported
 *	(SHOAL_EVENT_NODE_LINKS), and is no failover. Everything else the
 *	cluster sends (personas, their virtual LANs) stays on the cluster
 *	device.
 *
 * node: a declared member of the cluster, identified by SHOAL_A_NODE_ID
 *	(1 to SHOAL_NODE_ID_MAX).
 *
 *	SHOAL_CMD_NODE_GET	doit with SHOAL_A_NODE_ID returns one node;
 *				dump (NLM_F_DUMP) returns every node, one
 *				message each, in id order.
 *	SHOAL_CMD_NODE_ADD	CAP_NET_ADMIN. SHOAL_A_NODE_ID required;
 *				SHOAL_A_NODE_WEIGHT (default 1),
 *				SHOAL_A_NODE_FLAGS (default 0),
 *				SHOAL_A_NODE_ADMIN (default up) and
 *				SHOAL_A_NODE_ADDR4/6 optional.
 *				Fails with EEXIST if the node exists.
 *	SHOAL_CMD_NODE_SET	CAP_NET_ADMIN. SHOAL_A_NODE_ID required and
 *				at least one of SHOAL_A_NODE_WEIGHT,
 *				SHOAL_A_NODE_FLAGS, SHOAL_A_NODE_ADMIN,
 *				SHOAL_A_NODE_ADDR4/6.
 *				Admin state draining (with an optional
 *				SHOAL_A_NODE_DRAIN_TIMEOUT): the node takes
 *				no new flow, its buckets go to the others,
 *				and it keeps the flows it holds until none
 *				is left (SHOAL_EVENT_NODE_DRAINED) or the
 *				timeout; up ends a drain.
 *				Fails with ENOENT if the node does not exist.
 *	SHOAL_CMD_NODE_DEL	CAP_NET_ADMIN. SHOAL_A_NODE_ID required.
 *				Fails with ENOENT if the node does not exist.
 *
 * service: an address served by every member at once. A hash of each
 *	packet's source picks one of SHOAL_A_SERVICE_BUCKETS buckets; only
 *	the bucket's owner keeps the packet, the other members drop it
 *	before the IP stack. Owners are computed on every member alike from
 *	the live member nodes and their weights (weighted rendezvous
 *	hashing), so members agree without talking and a node going down
 *	moves only its own buckets. A service is named by its address:
 *	exactly one of SHOAL_A_SERVICE_ADDR4 and SHOAL_A_SERVICE_ADDR6.
 *
 *	A bucket that moves away from a node that stays alive (a node
 *	coming back or added, a weight, a pin, a drain) keeps its
 *	established flows there: the new owner takes every new flow at
 *	once, the old one keeps the TCP connections and connected UDP
 *	sockets it has until none is left or SHOAL_A_CLUSTER_HOLD_TIMEOUT.
 *	A node takes a bucket from a live node only once every member it
 *	hears has the same tables. Nothing is kept from a node declared
 *	down.
 *
 *	SHOAL_CMD_SERVICE_GET	doit by address, or dump. Replies carry
 *				the service's configuration (MAC in
 *				shared mode, DISTRIBUTORS and HOLDER in
 *				distributor mode, POOL if it has one),
 *				the bitmap of buckets this node owns and
 *				the counters.
 *	SHOAL_CMD_SERVICE_ADD	CAP_NET_ADMIN. The address; optionally
 *				PROTO (default any), PORT (default all),
 *				HASH (default saddr-sport), BUCKETS
 *				(default 1024), NODES (default: every
 *				declared node that is not a spare, now and
 *				later), MAC (default derived from the
 *				address), IFINDEX (default the cluster
 *				device). The module answers ARP/ND for the
 *				address with the MAC and filters packets;
 *				the local address itself is installed by
 *				userspace (the shoal tool puts it on lo).
 *				MODE distributor (with DISTRIBUTORS) has
 *				one node hold the address and pass the
 *				packets on instead (no MAC, no XDP).
 *	SHOAL_CMD_SERVICE_SET	CAP_NET_ADMIN. The address and any of
 *				NODES (an empty nest means "every
 *				non-spare node"), XDP and POOL.
 *
 *	An elastic pool (SHOAL_A_SERVICE_POOL) makes the service's nodes
 *	candidates, in the order of the NODES nest: the active ones own its
 *	buckets, the others stand by. The lowest member decides, from the
 *	utilization every node reports in its heartbeats, when a standby
 *	joins and when the last member in leaves (through a drain: nothing
 *	breaks); its decisions travel in heartbeats with an epoch, so that
 *	every node follows the same one (Documentation/pools.md).
 *	SHOAL_CMD_SERVICE_DEL	CAP_NET_ADMIN. The address.
 *
 * bucket: one bucket of a service.
 *
 *	SHOAL_CMD_BUCKET_GET	dump, with the service's address: every
 *				bucket's owner, pin and counters.
 *	SHOAL_CMD_BUCKET_SET	CAP_NET_ADMIN. The service's address,
 *				SHOAL_A_BUCKET_ID and SHOAL_A_BUCKET_PIN:
 *				a node id pins the bucket to that node
 *				while the node is up (when it is down the
 *				bucket follows the hash); 0 unpins it.
 *
 * persona: an identity that lives on one node at a time (see
 *	Documentation/personas.md): a virtual MAC, a network interface named
 *	after the persona on the cluster device, optionally a virtual LAN,
 *	and disk specs that the agent maps. Named by SHOAL_A_PERSONA_NAME.
 *	Configuration is the same on every node; ownership (owner node,
 *	epoch) is agreed through the heartbeat frames.
 *
 *	SHOAL_CMD_PERSONA_GET	doit by name, or dump: the configuration,
 *				and this node's view of owner, epoch and
 *				state.
 *	SHOAL_CMD_PERSONA_ADD	CAP_NET_ADMIN. NAME and MAC required; ADDRS,
 *				VLAN, NODES (ordered), DISKS optional.
 *				Creates the interface, administratively
 *				down; the owner brings it up with the
 *				addresses. Needs the cluster device.
 *	SHOAL_CMD_PERSONA_DEL	CAP_NET_ADMIN. NAME. Releases the persona
 *				if this node owns it, removes the interface.
 *	SHOAL_CMD_PERSONA_TAKEOVER CAP_NET_ADMIN. NAME: move it to this node
 *				(a planned move). Needs heartbeats.
 *	SHOAL_CMD_PERSONA_RELEASE CAP_NET_ADMIN. NAME: this node, the owner,
 *				gives it up to the next node.
 *
 * disk: the agent reports what it did with a persona's disks.
 *
 *	SHOAL_CMD_DISK_REPORT	CAP_NET_ADMIN. SHOAL_A_PERSONA_NAME and a
 *				SHOAL_A_PERSONA_DISKS nest with one disk
 *				(NAME, STATE). Announced as
 *				SHOAL_CMD_DISK_NTF, which carries
 *				SHOAL_A_PERSONA_NAME and the disk as a
 *				top-level SHOAL_A_DISK nest (NAME, SPEC,
 *				STATE); nothing is kept.
 *
 * A rejected request changes nothing and carries an extended ACK message
 * saying why, with the offending attribute where there is one. Each
 * attribute's range is in the command's policy (CTRL_CMD_GETPOLICY); a
 * value outside it is refused as "integer out of range" with that policy
 * in the ACK (NLMSGERR_ATTR_POLICY).
 *
 * Events
 * ------
 *
 * Every change is announced on the multicast group SHOAL_MCGRP_EVENTS
 * ("events") of the namespace it happened in, as a notification command
 * (SHOAL_CMD_*_NTF) carrying SHOAL_A_EVENT and the object's attributes as
 * they are after the change (for a deleted node: as it was). Events name
 * disks, addresses and nodes: joining the group needs CAP_NET_ADMIN over
 * the namespace.
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

/* Heartbeats: 32-byte key, interval in ms, dead count in intervals. */
#define SHOAL_KEY_LEN			32
#define SHOAL_INTERVAL_MIN		10
#define SHOAL_INTERVAL_MAX		60000
#define SHOAL_INTERVAL_DEFAULT		100
#define SHOAL_DEAD_MIN			2
#define SHOAL_DEAD_MAX			255
#define SHOAL_DEAD_DEFAULT		3
#define SHOAL_HEARTBEAT_RISE		3
#define SHOAL_ETH_P_HEARTBEAT		0x88B5	/* IEEE local experimental */
#define SHOAL_HEARTBEAT_MAC		{ 0x03, 0x53, 0x48, 0x00, 0x00, 0x01 }

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

	SHOAL_CMD_SERVICE_GET,
	SHOAL_CMD_SERVICE_ADD,
	SHOAL_CMD_SERVICE_SET,
	SHOAL_CMD_SERVICE_DEL,
	SHOAL_CMD_SERVICE_NTF,

	SHOAL_CMD_BUCKET_GET,
	SHOAL_CMD_BUCKET_SET,
	/* buckets changed owner: SHOAL_A_SERVICE_ADDR*, SHOAL_A_MOVE_* */
	SHOAL_CMD_BUCKET_NTF,

	SHOAL_CMD_PERSONA_GET,
	SHOAL_CMD_PERSONA_ADD,
	SHOAL_CMD_PERSONA_DEL,
	SHOAL_CMD_PERSONA_TAKEOVER,
	SHOAL_CMD_PERSONA_RELEASE,
	SHOAL_CMD_PERSONA_NTF,

	SHOAL_CMD_DISK_REPORT,
	SHOAL_CMD_DISK_NTF,

	SHOAL_CMD_CLUSTER_LEAVE,

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

	/* struct in_addr (4 bytes, network order): an IPv4 service */
	SHOAL_A_SERVICE_ADDR4,
	/* struct in6_addr (16 bytes): an IPv6 service */
	SHOAL_A_SERVICE_ADDR6,
	/* u8: IPPROTO_TCP, IPPROTO_UDP, or 0 for any protocol */
	SHOAL_A_SERVICE_PROTO,
	/* u16: destination port (host order), 0 for all ports */
	SHOAL_A_SERVICE_PORT,
	/* u8, enum shoal_hash: what of the source picks the bucket */
	SHOAL_A_SERVICE_HASH,
	/* u32: number of buckets, 1..SHOAL_BUCKETS_MAX */
	SHOAL_A_SERVICE_BUCKETS,
	/* nest of SHOAL_A_NODE_ID: the member nodes (in order: a pool's
	 * candidates, first choice first)
	 */
	SHOAL_A_SERVICE_NODES,
	/* 6 bytes: the cluster MAC, a multicast address */
	SHOAL_A_SERVICE_MAC,
	/* u32: device whose neighbours learn the cluster MAC */
	SHOAL_A_SERVICE_IFINDEX,
	/* string: its name (replies only) */
	SHOAL_A_SERVICE_IFNAME,
	/* u32: SHOAL_SERVICE_F_* (replies only) */
	SHOAL_A_SERVICE_FLAGS,
	/* binary: bitmap of the buckets this node owns, bucket b in
	 * byte b / 8, bit b % 8 (replies only)
	 */
	SHOAL_A_SERVICE_OWNED,
	/* nest of SHOAL_A_STATS_* (replies only) */
	SHOAL_A_SERVICE_STATS,

	/* u32: bucket number, 0..buckets - 1 */
	SHOAL_A_BUCKET_ID,
	/* u32: node that owns the bucket now, 0 if none (replies only) */
	SHOAL_A_BUCKET_OWNER,
	/* u32: node the bucket is pinned to, 0 if it follows the hash */
	SHOAL_A_BUCKET_PIN,
	/* nest of SHOAL_A_STATS_* (replies only); not RX_BYTES or
	 * NEW_FLOWS, which only a service counts
	 */
	SHOAL_A_BUCKET_STATS,

	/* u64: packets and bytes kept by this node */
	SHOAL_A_STATS_RX_PACKETS,
	SHOAL_A_STATS_RX_BYTES,
	/* u64: packets dropped because another node owns them */
	SHOAL_A_STATS_DROPPED,

	/* u32: in SHOAL_CMD_BUCKET_NTF, how many buckets moved from which
	 * node (0: none) to which node (0: none)
	 */
	SHOAL_A_MOVE_COUNT,
	SHOAL_A_MOVE_FROM,
	SHOAL_A_MOVE_TO,

	/* binary, SHOAL_KEY_LEN bytes: the cluster key (requests only) */
	SHOAL_A_CLUSTER_KEY,
	/* u32: heartbeat interval in ms */
	SHOAL_A_CLUSTER_INTERVAL,
	/* u32: intervals of silence before a node is declared down */
	SHOAL_A_CLUSTER_DEAD,
	/* u8: 1 makes a side that sees at most half of the regular nodes
	 * stop serving
	 */
	SHOAL_A_CLUSTER_QUORUM,
	/* u8: 1 when heartbeats are running (replies only) */
	SHOAL_A_CLUSTER_HEARTBEAT,
	/* nest of SHOAL_A_HB_* counters (replies only) */
	SHOAL_A_CLUSTER_STATS,

	/* u32: ms since a frame was last heard from the node, absent if
	 * never (replies only)
	 */
	SHOAL_A_NODE_LAST_HEARD,
	/* nest of SHOAL_A_HB_* counters for frames from the node */
	SHOAL_A_NODE_STATS,
	/* u64: packets per second the node last reported accepting */
	SHOAL_A_NODE_LOAD,
	/* u8, enum shoal_reason: why a node's state changed (events) */
	SHOAL_A_NODE_REASON,

	/* u64 counters of heartbeat frames */
	SHOAL_A_HB_TX,		/* sent */
	SHOAL_A_HB_RX,		/* accepted */
	SHOAL_A_HB_LOST,	/* missing from sequence gaps */
	SHOAL_A_HB_REJECTED,	/* failed authentication, replayed, malformed */
	SHOAL_A_HB_BAD_MAC,	/* of which: failed authentication */
	SHOAL_A_HB_REPLAYED,	/* of which: old sequence or nonce */
	SHOAL_A_HB_MALFORMED,	/* of which: truncated, oversized, bad header */
	SHOAL_A_HB_FOREIGN,	/* another cluster's (not counted as rejected) */
	SHOAL_A_HB_UNKNOWN,	/* from an undeclared node id */

	/* string: persona name, 1..SHOAL_PERSONA_NAME_MAX characters of
	 * [A-Za-z0-9_.-]; also the name of its interface
	 */
	SHOAL_A_PERSONA_NAME,
	/* 6 bytes: the virtual MAC, unicast and not all zeroes */
	SHOAL_A_PERSONA_MAC,
	/* u16: virtual LAN id, 1..4094; absent or 0: none */
	SHOAL_A_PERSONA_VLAN,
	/* nest of SHOAL_A_NODE_ID, in order: nodes that may host it, first
	 * choice first; absent or empty: every regular node, in id order
	 */
	SHOAL_A_PERSONA_NODES,
	/* nest of SHOAL_A_DISK nests */
	SHOAL_A_PERSONA_DISKS,
	/* u32: owner node in this node's view, 0 if none (replies) */
	SHOAL_A_PERSONA_OWNER,
	/* u32: ownership epoch, grows with every change of owner (replies) */
	SHOAL_A_PERSONA_EPOCH,
	/* u8, enum shoal_persona_state: this node's part (replies) */
	SHOAL_A_PERSONA_STATE,
	/* u32, string: the persona's interface on this node (replies) */
	SHOAL_A_PERSONA_IFINDEX,
	SHOAL_A_PERSONA_IFNAME,
	/* u8, enum shoal_persona_reason: why it changed (events) */
	SHOAL_A_PERSONA_REASON,
	/* u32: in a GARP_SENT event, which announcement (1..) */
	SHOAL_A_PERSONA_ROUND,
	/* u8: 1 when this node, the owner, may map the disks (replies) */
	SHOAL_A_PERSONA_DISKS_READY,
	/* nest of SHOAL_A_ADDR: the persona's addresses, which the module
	 * puts on its interface on the owner only
	 */
	SHOAL_A_PERSONA_ADDRS,

	/* nest: one address with its prefix length, SHOAL_A_ADDR_* */
	SHOAL_A_ADDR,
	/* struct in_addr or struct in6_addr: exactly one of them */
	SHOAL_A_ADDR_IN,
	SHOAL_A_ADDR_IN6,
	/* u8: prefix length, 1..32 or 1..128 */
	SHOAL_A_ADDR_PREFIXLEN,

	/* nest: one disk, SHOAL_A_DISK_* */
	SHOAL_A_DISK,
	/* string: disk name, 1..SHOAL_DISK_NAME_MAX of [a-z0-9_-] */
	SHOAL_A_DISK_NAME,
	/* string: where it maps, PATH:OFFSET:LENGTH[,...] in 512-byte
	 * sectors; kept and reported, not interpreted, by the module
	 */
	SHOAL_A_DISK_SPEC,
	/* u8, enum shoal_disk_state (DISK_REPORT, DISK_NTF) */
	SHOAL_A_DISK_STATE,

	/* u8: 1 if an XDP program on the service's device drops packets of
	 * buckets other nodes own (the shoal tool attaches the program)
	 */
	SHOAL_A_SERVICE_XDP,
	/* u64: of SHOAL_A_STATS_DROPPED, those dropped by XDP programs */
	SHOAL_A_STATS_XDP_DROPPED,

	/* u8: 1 while this node is starting: it has not heard the others
	 * yet, owns no bucket and claims no persona (replies only)
	 */
	SHOAL_A_CLUSTER_STARTING,
	/* u64 counter: authentic frames of a boot not yet shown to be
	 * recent (a restarted node before it has heard the receiver); not
	 * counted as rejected
	 */
	SHOAL_A_HB_UNVERIFIED,

	/* u32: seconds a node keeps the flows it holds in buckets that moved
	 * away from it while it stayed alive (0: it keeps none); default
	 * SHOAL_HOLD_TIMEOUT_DEFAULT
	 */
	SHOAL_A_CLUSTER_HOLD_TIMEOUT,
	/* u32: with SHOAL_A_NODE_ADMIN draining, seconds the node keeps its
	 * flows before they are given up; absent: the cluster's hold timeout
	 */
	SHOAL_A_NODE_DRAIN_TIMEOUT,
	/* u32: flows the node holds in buckets that moved away from it, as
	 * it last said (replies only)
	 */
	SHOAL_A_NODE_HELD,
	/* binary, as SHOAL_A_SERVICE_OWNED: buckets that moved away from this
	 * node while it holds flows in them (replies only)
	 */
	SHOAL_A_SERVICE_HELD,
	/* u32: flows this node holds in the service's buckets (replies only) */
	SHOAL_A_SERVICE_HELD_FLOWS,

	/* nest of SHOAL_A_POOL_*: the service's elastic pool (SERVICE_SET:
	 * all of MIN, MAX, UP and DOWN, or OFF alone; replies: the settings
	 * and the pool's state)
	 */
	SHOAL_A_SERVICE_POOL,
	/* flag: the service has no pool any more (SERVICE_SET) */
	SHOAL_A_POOL_OFF,
	/* u32: members active at least (1..) and at most (MIN..),
	 * up to SHOAL_POOL_MEMBERS
	 */
	SHOAL_A_POOL_MIN,
	SHOAL_A_POOL_MAX,
	/* u32, percent: a member above UP for HOLD s brings a standby in;
	 * every member below DOWN for HOLD s lets the last one in go
	 * (0 <= DOWN < UP <= SHOAL_UTIL_MAX)
	 */
	SHOAL_A_POOL_UP,
	SHOAL_A_POOL_DOWN,
	/* u32: seconds, 1..SHOAL_POOL_HOLD_MAX; default
	 * SHOAL_POOL_HOLD_DEFAULT
	 */
	SHOAL_A_POOL_HOLD,
	/* u8, enum shoal_load: what a member's utilization is; default
	 * SHOAL_LOAD_CPU
	 */
	SHOAL_A_POOL_LOAD,
	/* u32: with SHOAL_LOAD_PPS or _CONNS, what one member takes a
	 * second at 100%
	 */
	SHOAL_A_POOL_CAPACITY,
	/* u32: the decision the pool follows, 0 before the first (replies) */
	SHOAL_A_POOL_EPOCH,
	/* u32: the node that made it (replies) */
	SHOAL_A_POOL_DECIDER,
	/* nest, one per candidate in list order: SHOAL_A_NODE_ID,
	 * SHOAL_A_POOL_ROLE, SHOAL_A_POOL_UTIL (replies)
	 */
	SHOAL_A_POOL_MEMBER,
	/* u8, enum shoal_pool_role */
	SHOAL_A_POOL_ROLE,
	/* u32, percent: utilization as the member last said, absent if
	 * unknown
	 */
	SHOAL_A_POOL_UTIL,
	/* nest: the last decision this node saw made, or the one an event
	 * reports: SHOAL_A_POOL_EPOCH, SHOAL_A_POOL_DECIDER, SHOAL_A_NODE_ID
	 * (the member), SHOAL_A_POOL_UTIL (what triggered it),
	 * SHOAL_A_POOL_WHY, SHOAL_A_POOL_AGO
	 */
	SHOAL_A_POOL_DECISION,
	/* u8, enum shoal_pool_why */
	SHOAL_A_POOL_WHY,
	/* u32: ms since (replies) */
	SHOAL_A_POOL_AGO,
	/* u32, percent: the utilization this node reports for SHOAL_LOAD_PUSHED
	 * pools, pushed by its operator or agent; SHOAL_UTIL_NONE: none
	 */
	SHOAL_A_CLUSTER_LOAD,
	/* u64: of SHOAL_A_STATS_RX_PACKETS, those that open a TCP
	 * connection (SYN without ACK)
	 */
	SHOAL_A_STATS_NEW_FLOWS,
	/* nest, one per service with a pool the node is a candidate of, as
	 * its heartbeats say (replies only): SHOAL_A_SERVICE_ADDR4 or _6,
	 * SHOAL_A_SERVICE_PROTO, SHOAL_A_SERVICE_PORT, SHOAL_A_POOL_UTIL
	 * (absent if not known)
	 */
	SHOAL_A_NODE_UTIL,
	/* the node's own address on the network (a struct in_addr /
	 * struct in6_addr), where distributors send it the packets of its
	 * buckets; an empty attribute on SET removes it
	 */
	SHOAL_A_NODE_ADDR4,
	SHOAL_A_NODE_ADDR6,
	/* u8, enum shoal_service_mode (default shared); fixed once added */
	SHOAL_A_SERVICE_MODE,
	/* nest of SHOAL_A_NODE_ID, in order: the nodes that may hold a
	 * distributor service's address, first choice first (default: its
	 * nodes, in order)
	 */
	SHOAL_A_SERVICE_DISTRIBUTORS,
	/* u32: the node that holds a distributor service's address now, as
	 * this node sees it; 0: none (replies)
	 */
	SHOAL_A_SERVICE_HOLDER,
	/* u64: packets this node passed on to their bucket's owner */
	SHOAL_A_STATS_FORWARDED,
	/* u64: of SHOAL_A_STATS_FORWARDED, those an XDP program handed to
	 * XDP_TX (the driver may still drop them)
	 */
	SHOAL_A_STATS_XDP_FORWARDED,
	/* u64, in SHOAL_A_CLUSTER_STATS only: milliseconds this node's
	 * heartbeat timers ran late (the machine stalled), which count
	 * against no peer's silence
	 */
	SHOAL_A_HB_STALLED_MS,
	/* flag (CLUSTER_SET): forget the key; refused while heartbeats run */
	SHOAL_A_CLUSTER_KEY_CLEAR,
	/* u8, enum shoal_key_change (replies, while heartbeats run) */
	SHOAL_A_CLUSTER_KEY_CHANGE,
	/* nest of SHOAL_A_NODE_ID (replies, events): the nodes out of the
	 * service because their configuration of it is not the one most
	 * of its live members have (this node too, if so); absent: none
	 */
	SHOAL_A_SERVICE_CONFIG_OUT,
	/* nest of SHOAL_A_NODE_ID (replies, events): the live nodes whose
	 * configuration of the persona differs from this node's; absent:
	 * none
	 */
	SHOAL_A_PERSONA_CONFIG_DIFFERS,
	/* u32: ifindex of a second heartbeat link, another device than the
	 * cluster device; 0 in CLUSTER_SET: none (the default)
	 */
	SHOAL_A_CLUSTER_IFINDEX2,
	/* string: name of the second heartbeat link (replies only) */
	SHOAL_A_CLUSTER_IFNAME2,
	/* nest of SHOAL_A_CLUSTER_IFINDEX (replies, events; while a second
	 * link is set): the links a live node is heard on
	 */
	SHOAL_A_NODE_LINKS,
	/* u64, SHOAL_A_HB_* counter: frames heard a second time, over the
	 * other link (not counted as rejected)
	 */
	SHOAL_A_HB_DUPLICATE,
	/* u32: microseconds of silence after its last frame at which a node
	 * is declared down: dead of its intervals and the margin the
	 * lateness of its frames needs; absent if never heard (replies only)
	 */
	SHOAL_A_NODE_DOWN_AFTER,

	__SHOAL_A_MAX,
};

#define SHOAL_A_MAX (__SHOAL_A_MAX - 1)

/* A service has 1 to SHOAL_BUCKETS_MAX buckets. */
#define SHOAL_BUCKETS_MAX	65536
#define SHOAL_BUCKETS_DEFAULT	1024
/*
 * A namespace has at most SHOAL_SERVICES_MAX services, with at most
 * SHOAL_NS_BUCKETS_MAX buckets in all (1024 services of the default size,
 * or 16 of the largest): about 80 MiB, charged to the memory cgroup of who
 * adds them. SERVICE_ADD past either fails with ENOSPC.
 */
#define SHOAL_SERVICES_MAX	4096
#define SHOAL_NS_BUCKETS_MAX	1048576

/*
 * A new key given to a node whose heartbeats run is taken in two steps,
 * so that a change made node by node declares nobody down: its frames go
 * out under the old key, saying the node has the new one, until every
 * node it hears has said the same; then under the new key, the old one
 * still accepted for SHOAL_A_CLUSTER_DEAD intervals.
 */
enum shoal_key_change {
	SHOAL_KEY_STEADY,	/* one key */
	SHOAL_KEY_SPREADING,	/* sending under the old key */
	SHOAL_KEY_RETIRING,	/* sending under the new, taking the old */
	__SHOAL_KEY_CHANGE_MAX,
};

enum shoal_hash {
	/* source address */
	SHOAL_HASH_SADDR,
	/* source address and port */
	SHOAL_HASH_SADDR_SPORT,
	/* source address and port, destination port */
	SHOAL_HASH_SADDR_SPORT_DPORT,

	__SHOAL_HASH_MAX,
};

#define SHOAL_HASH_MAX (__SHOAL_HASH_MAX - 1)

enum shoal_service_mode {
	/* every node receives every packet (a multicast MAC on one link)
	 * and keeps those of its buckets
	 */
	SHOAL_SERVICE_MODE_SHARED,
	/* one node, the first distributor up, holds the address and passes
	 * each packet on to its bucket's owner (Documentation/distributor.md)
	 */
	SHOAL_SERVICE_MODE_DISTRIBUTOR,

	__SHOAL_SERVICE_MODE_MAX,
};

#define SHOAL_SERVICE_MODE_MAX (__SHOAL_SERVICE_MODE_MAX - 1)

enum shoal_service_flags {
	/* members are every non-spare node, not an explicit list */
	SHOAL_SERVICE_F_ALL_NODES = 1 << 0,
};

enum shoal_node_flags {
	/* held in reserve: takes work only when a regular node fails */
	SHOAL_NODE_F_SPARE = 1 << 0,
};

#define SHOAL_NODE_F_ALL (SHOAL_NODE_F_SPARE)

enum shoal_state {
	SHOAL_STATE_DOWN,
	SHOAL_STATE_UP,
	/* takes no new flow; keeps those it holds until none is left or
	 * its drain timeout
	 */
	SHOAL_STATE_DRAINING,
};

/*
 * Elastic pools: a service's candidate nodes (SHOAL_A_SERVICE_NODES, in
 * order) of which only the active ones own buckets; see
 * Documentation/pools.md.
 */
#define SHOAL_POOL_MEMBERS		16
/* services of a node with a pool, at most */
#define SHOAL_POOLS_MAX			16
#define SHOAL_POOL_HOLD_MAX		3600
#define SHOAL_POOL_HOLD_DEFAULT		30
/* utilization in percent: more than 100 with a rate over capacity */
#define SHOAL_UTIL_MAX			254
#define SHOAL_UTIL_NONE			255

enum shoal_load {
	/* the machine's CPUs busy, over the last second: the whole
	 * machine's, whichever network namespace the node is
	 */
	SHOAL_LOAD_CPU,
	/* packets kept a second, against SHOAL_A_POOL_CAPACITY */
	SHOAL_LOAD_PPS,
	/* new TCP connections kept a second (SHOAL_A_STATS_NEW_FLOWS),
	 * against the capacity
	 */
	SHOAL_LOAD_CONNS,
	/* what the node's operator or agent pushes (SHOAL_A_CLUSTER_LOAD) */
	SHOAL_LOAD_PUSHED,

	__SHOAL_LOAD_MAX,
};

enum shoal_pool_role {
	SHOAL_POOL_STANDBY,
	SHOAL_POOL_ACTIVE,
};

enum shoal_pool_why {
	SHOAL_POOL_WHY_UNSPEC,
	/* a member was above up for hold seconds */
	SHOAL_POOL_WHY_LOAD,
	/* every member was below down for hold seconds */
	SHOAL_POOL_WHY_IDLE,
	/* fewer than min active members were up */
	SHOAL_POOL_WHY_MIN,
	/* a skipped standby serves another protocol or port */
	SHOAL_POOL_WHY_SERVES,
	/* a skipped standby has another weight in its heartbeats */
	SHOAL_POOL_WHY_WEIGHT,
	/* a skipped standby says nothing of the service */
	SHOAL_POOL_WHY_SILENT,
};

/* seconds held flows are kept at most, unless configured otherwise */
#define SHOAL_HOLD_TIMEOUT_DEFAULT	300
#define SHOAL_HOLD_TIMEOUT_MAX		86400

enum shoal_reason {
	SHOAL_REASON_UNSPEC,
	SHOAL_REASON_ADMIN,	/* set by hand */
	SHOAL_REASON_TIMEOUT,	/* nothing heard for dead intervals */
	SHOAL_REASON_HEARD,	/* heard again steadily */
	SHOAL_REASON_QUORUM,	/* this side lost or regained quorum */
	SHOAL_REASON_RESTARTED,	/* heard from a new boot: the old one is gone */
	SHOAL_REASON_STARTING,	/* this node started: a member once it has
				 * heard the others
				 */
	SHOAL_REASON_JOINED,	/* this node heard the others: a member */
	SHOAL_REASON_ALONE,	/* this node heard nobody for dead intervals
				 * after it started: a member on its own
				 */
	SHOAL_REASON_UNSEEN,	/* a member this node hears counts it down */
	SHOAL_REASON_LEFT,	/* it said it was leaving the cluster */
};

/* Personas: at most SHOAL_PERSONAS_MAX per namespace. */
#define SHOAL_PERSONAS_MAX		64
#define SHOAL_PERSONA_NAME_MAX		15	/* an interface name */
#define SHOAL_PERSONA_DISKS_MAX		8
#define SHOAL_PERSONA_ADDRS_MAX		16
#define SHOAL_DISK_NAME_MAX		15
#define SHOAL_DISK_SPEC_MAX		255
#define SHOAL_VLAN_MAX			4094
/* how many times a new owner announces a persona to its neighbours */
#define SHOAL_PERSONA_ANNOUNCE_ROUNDS	3

/* This node's part in a persona. */
enum shoal_persona_state {
	/* another node owns it, or none does */
	SHOAL_PERSONA_STANDBY,
	/* a planned takeover, waiting for the owner to let go */
	SHOAL_PERSONA_CLAIMING,
	/* this node owns it: interface up */
	SHOAL_PERSONA_ACTIVE,
	/* this node owned it and lost it; it does not resume it */
	SHOAL_PERSONA_FENCED,
	/* this node gave it up by command */
	SHOAL_PERSONA_RELEASED,

	__SHOAL_PERSONA_STATE_MAX,
};

enum shoal_persona_reason {
	SHOAL_PERSONA_REASON_UNSPEC,
	/* the owner was declared down */
	SHOAL_PERSONA_REASON_NODE_DOWN,
	/* it had no owner (new, or released) */
	SHOAL_PERSONA_REASON_PLACEMENT,
	/* by command (takeover, release) */
	SHOAL_PERSONA_REASON_COMMAND,
	/* another node claimed it at a higher epoch */
	SHOAL_PERSONA_REASON_SUPERSEDED,
	/* this side lost quorum */
	SHOAL_PERSONA_REASON_QUORUM,
	/* the cluster device or heartbeats went away, or restarted */
	SHOAL_PERSONA_REASON_STOPPED,
	/* the members this node hears count it down */
	SHOAL_PERSONA_REASON_UNSEEN,
};

enum shoal_disk_state {
	SHOAL_DISK_UNMAPPED,
	SHOAL_DISK_MAPPED,
	/* loaded with an error table: all I/O fails */
	SHOAL_DISK_FAILING,
};

enum shoal_event {
	SHOAL_EVENT_UNSPEC,
	SHOAL_EVENT_CLUSTER_CHANGED,
	SHOAL_EVENT_NODE_ADDED,
	SHOAL_EVENT_NODE_CHANGED,
	SHOAL_EVENT_NODE_DELETED,
	SHOAL_EVENT_SERVICE_ADDED,
	SHOAL_EVENT_SERVICE_CHANGED,
	SHOAL_EVENT_SERVICE_DELETED,
	SHOAL_EVENT_BUCKETS_MOVED,
	/* a node's state changed: SHOAL_A_NODE_ID, _STATE, _REASON */
	SHOAL_EVENT_NODE_UP,
	SHOAL_EVENT_NODE_DOWN,
	/* heartbeat frames were rejected since the last such event (at most
	 * one a second): SHOAL_A_CLUSTER_STATS with the running totals, and
	 * SHOAL_A_NODE_ID if all rejected since claimed one node
	 */
	SHOAL_EVENT_AUTH_FAILED,
	SHOAL_EVENT_PERSONA_ADDED,
	SHOAL_EVENT_PERSONA_DELETED,
	/* this node took a persona over: _OWNER, _EPOCH, _REASON */
	SHOAL_EVENT_PERSONA_TAKEOVER,
	/* this node lost a persona: _OWNER (the new one), _EPOCH, _REASON */
	SHOAL_EVENT_PERSONA_FENCED,
	SHOAL_EVENT_PERSONA_RELEASED,
	/* neighbours were told (gratuitous ARP, unsolicited NA): _ROUND */
	SHOAL_EVENT_PERSONA_GARP_SENT,
	/* this node, the owner, may map the persona's disks */
	SHOAL_EVENT_PERSONA_DISKS_READY,
	/* another node's claim changed the owner in this node's view */
	SHOAL_EVENT_PERSONA_MOVED,
	/* from the agent (SHOAL_CMD_DISK_NTF) */
	SHOAL_EVENT_DISK_MAPPED,
	SHOAL_EVENT_DISK_UNMAPPED,
	/* this node, fenced from a persona, has no I/O of the persona's
	 * disks in flight any more: it says released now (_EPOCH)
	 */
	SHOAL_EVENT_PERSONA_DISKS_FENCED,
	/* a draining node holds no flow any more: SHOAL_A_NODE_ID; it can be
	 * taken down without breaking a connection
	 */
	SHOAL_EVENT_NODE_DRAINED,
	/* a pool's decision (SHOAL_CMD_SERVICE_NTF, SHOAL_A_POOL_DECISION):
	 * a standby joins the active members, or the last one in leaves
	 */
	SHOAL_EVENT_POOL_GROW,
	SHOAL_EVENT_POOL_SHRINK,
	/* the decider passed a standby over: SHOAL_A_POOL_WHY */
	SHOAL_EVENT_POOL_SKIP,
	/* the node that holds a distributor service's address changed
	 * (SHOAL_A_SERVICE_HOLDER, 0: none)
	 */
	SHOAL_EVENT_SERVICE_HOLDER,
	/* the nodes out of a service for their configuration of it changed
	 * (SHOAL_A_SERVICE_CONFIG_OUT)
	 */
	SHOAL_EVENT_SERVICE_CONFIG,
	/* the nodes whose configuration of a persona differs from this
	 * node's changed (SHOAL_A_PERSONA_CONFIG_DIFFERS)
	 */
	SHOAL_EVENT_PERSONA_CONFIG,
	/* the heartbeat links a live node is heard on changed, while a
	 * second link is set: SHOAL_A_NODE_ID, SHOAL_A_NODE_LINKS
	 */
	SHOAL_EVENT_NODE_LINKS,

	__SHOAL_EVENT_MAX,
};

#define SHOAL_EVENT_MAX (__SHOAL_EVENT_MAX - 1)

#endif /* _UAPI_LINUX_SHOAL_H */
