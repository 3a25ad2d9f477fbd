/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The heartbeat frame on the wire, after the Ethernet header. Pure
 * encoding, shared by the module and host-side tests.
 *
 *  0  magic "SH"        2  version 5        3  type 1 (heartbeat)
 *  4  length (2)        6  node id          7  flags (SHOAL_HB_F_*)
 *  8  cluster id (4)   12  interval ms (2) 14  peers p (1)
 * 15  persona entries n (1)
 * 16  boot nonce (8)   24  sequence (8)
 * 32  load: packets per second accepted (8)
 * 40  digest of the sender's bucket tables (8)
 * 48  flows the sender holds in buckets that moved away from it (4)
 * 52  held UDP flows f (1), pool entries q (1)
 * 54  while the sender's key changes and it still sends under the old
 *     one: the new key's id, shoal_hb_key_id() (2); 0 otherwise
 * 56  view: the nodes the sender counts as members, a bitmap of 32 bytes,
 *     node id i at bit i % 8 of byte i / 8 (bit 0 unused)
 * 88  p peer records of 6 bytes, ids rising: node id (1), flags
 *     (SHOAL_HB_PEER_*) (1), echo: the low 32 bits of the latest sequence
 *     number heard from that node's boot (4)
 * 88 + 6 p  n persona entries of 12 bytes: virtual MAC (6), kind (1),
 *     reserved (1), epoch (4)
 * 88 + 6 p + 12 n  f fingerprints of the connected UDP flows the sender
 *     holds (8 each, shoal_flow_print())
 * 88 + 6 p + 12 n + 8 f  q pool entries of 48 bytes, one per service with
 *     an elastic pool: address family (1: 4 or 6), protocol (1), port (2),
 *     address (16, an IPv4 one in the first 4), the sender's weight (2),
 *     its utilization in percent (1, SHOAL_UTIL_NONE if unknown), active
 *     members a (1), the epoch of the decision it follows (4, 0: none
 *     yet), the node that made it (1, 0 with epoch 0), why it made it (1,
 *     enum shoal_pool_why, 0 with epoch 0), the utilization that
 *     triggered it (1), reserved (1), the active members in the order
 *     they joined (16: a ids, then zeroes)
 * 88 + 6 p + 12 n + 8 f + 48 q  configuration entries c (1), then c
 *     entries of 32 bytes, a few of the sender's services and personas in
 *     turn: kind (1: SHOAL_HB_CFG_*), reserved (7), what it names (16: a
 *     service's address, an IPv4 one as ::ffff:a.b.c.d; a persona's MAC,
 *     then zeroes), the digest of its configuration (8)
 * 89 + 6 p + 12 n + 8 f + 48 q + 32 c  tag: keyed MAC over everything
 *     before it (16)
 *
 * Multi-byte fields are big-endian.
 */
/*
 * A virtual LAN frame: an Ethernet frame from a persona's MAC, ethertype
 * SHOAL_ETH_P_HEARTBEAT, then
 *  0  magic "SH"        2  version 2        3  type 3 (virtual LAN)
 *  4  tag: SipHash-2-4 of the frame from its destination MAC to the end
 *     of the inner frame, these 8 bytes taken as zero (8)
 * 12  sending node id  13  flags (0)       14  VLAN id (2)
 * 16  the sender's epoch for the persona (4)
 * 20  the sender's boot: the nonce of its heartbeats (8)
 * 28  sequence number, per sender and boot, from 1 (8)
 * 36  length of the inner frame (2)
 * 38  the inner frame: its ethertype (2), then its payload
 * Anything after the inner frame (Ethernet padding) is not read.
 */
#ifndef _SHOAL_FRAME_H
#define _SHOAL_FRAME_H

#include "bucket.h"	/* the fixed-width types, in kernel and on host */

#define SHOAL_HB_VERSION	5
#define SHOAL_HB_TYPE		1
#define SHOAL_HB_DIGEST_OFF	40
#define SHOAL_HB_HELD_OFF	48
#define SHOAL_HB_PRINTS_N_OFF	52
#define SHOAL_HB_POOLS_N_OFF	53
#define SHOAL_HB_NEXT_KEY_OFF	54
#define SHOAL_HB_VIEW_OFF	56
#define SHOAL_HB_VIEW_LEN	32
#define SHOAL_HB_PEERS_OFF	88
#define SHOAL_HB_PEER_LEN	6
#define SHOAL_HB_PEERS_MAX	255
#define SHOAL_HB_ENTRY_LEN	12
#define SHOAL_HB_ENTRIES_MAX	64
#define SHOAL_HB_PRINT_LEN	8
#define SHOAL_HB_PRINTS_MAX	64
#define SHOAL_HB_POOL_LEN	48
#define SHOAL_HB_POOLS_MAX	16
#define SHOAL_HB_POOL_ACTIVE	16	/* SHOAL_POOL_MEMBERS */
#define SHOAL_HB_POOL_WHY_MAX	6	/* SHOAL_POOL_WHY_SILENT */
#define SHOAL_HB_CFG_LEN	32
#define SHOAL_HB_CFG_SERVICE	1
#define SHOAL_HB_CFG_PERSONA	2
#define SHOAL_HB_CFGS_MAX	16
#define SHOAL_HB_TAG_LEN	16
/* the shortest frame: no peer heard, no persona held, no service */
#define SHOAL_HB_LEN		(SHOAL_HB_PEERS_OFF + 1 + SHOAL_HB_TAG_LEN)
#define SHOAL_HB_LEN_MAX	(SHOAL_HB_PEERS_OFF + \
				 SHOAL_HB_PEERS_MAX * SHOAL_HB_PEER_LEN + \
				 SHOAL_HB_ENTRIES_MAX * SHOAL_HB_ENTRY_LEN + \
				 SHOAL_HB_PRINTS_MAX * SHOAL_HB_PRINT_LEN + \
				 SHOAL_HB_POOLS_MAX * SHOAL_HB_POOL_LEN + \
				 1 + SHOAL_HB_CFGS_MAX * SHOAL_HB_CFG_LEN + \
				 SHOAL_HB_TAG_LEN)

/* The sender is starting: it owns nothing and counts as no member yet. */
#define SHOAL_HB_F_STARTING	0x01
/* It holds flows in buckets that moved away from it: their new owners
 * leave to it what they have no socket for.
 */
#define SHOAL_HB_F_HOLDING	0x02
/* It is leaving the cluster: its work is to be taken over at once. */
#define SHOAL_HB_F_LEAVING	0x04
#define SHOAL_HB_F_ALL		(SHOAL_HB_F_STARTING | SHOAL_HB_F_HOLDING | \
				 SHOAL_HB_F_LEAVING)

/* The sender counts the peer alive from its own frames (not relayed). */
#define SHOAL_HB_PEER_ALIVE	0x01
#define SHOAL_HB_PEER_F_ALL	SHOAL_HB_PEER_ALIVE

#define SHOAL_VLAN_VERSION	2
#define SHOAL_VLAN_TYPE		3
#define SHOAL_VLAN_HLEN		38
#define SHOAL_VLAN_TAG_OFF	4
#define SHOAL_VLAN_TAG_LEN	8
/* what the encapsulation adds to a frame: header and inner ethertype */
#define SHOAL_VLAN_OVERHEAD	(SHOAL_VLAN_HLEN + 2)

struct shoal_vlan_hdr {
	u8 node_id;
	u16 vlan;
	u32 epoch;
	u64 nonce;
	u64 seq;
	u16 len;		/* of the inner frame, its ethertype included */
};

/*
 * Write the header (tag zeroed) at buf; read one from the len bytes at
 * buf, 0 or -1 if malformed (the inner frame must fit in them).
 */
void shoal_vlan_encode(const struct shoal_vlan_hdr *h, u8 *buf);
int shoal_vlan_decode(const u8 *buf, unsigned int len,
		      struct shoal_vlan_hdr *h);

/* A set of node ids, 0 to 255; the view's layout in memory. */
struct shoal_idset {
	u64 w[4];
};

static inline int shoal_idset_has(const struct shoal_idset *s, unsigned int id)
{
	return (s->w[(id >> 6) & 3] >> (id & 63)) & 1;
}

static inline void shoal_idset_add(struct shoal_idset *s, unsigned int id)
{
	s->w[(id >> 6) & 3] |= (u64)1 << (id & 63);
}

static inline void shoal_idset_del(struct shoal_idset *s, unsigned int id)
{
	s->w[(id >> 6) & 3] &= ~((u64)1 << (id & 63));
}

static inline int shoal_idset_equal(const struct shoal_idset *a,
				    const struct shoal_idset *b)
{
	return a->w[0] == b->w[0] && a->w[1] == b->w[1] &&
	       a->w[2] == b->w[2] && a->w[3] == b->w[3];
}

/* What a node says about a peer it hears. */
struct shoal_hb_peer {
	u8 id;
	u8 flags;
	u32 echo;
};

/* What a node says about a persona. */
enum shoal_hb_entry_kind {
	SHOAL_HB_ENTRY_ACTIVE = 1,	/* I own it at this epoch */
	SHOAL_HB_ENTRY_CLAIM,		/* I am taking it at this epoch */
	SHOAL_HB_ENTRY_RELEASED,	/* I gave it up at this epoch */
	SHOAL_HB_ENTRY_FENCING,		/* I stopped at this epoch, but
					 * I/O to its disks is in flight
					 */
};

struct shoal_hb_entry {
	u8 mac[6];
	u8 kind;
	u32 epoch;
};

/* What a node says about a service with an elastic pool. */
struct shoal_hb_pool {
	u8 family;		/* 4 or 6 */
	u8 proto;
	u16 port;
	u32 addr[4];		/* network order, as in struct in6_addr */
	u16 weight;
	u8 util;
	u8 nactive;
	u32 epoch;
	u8 decider;
	u8 active[SHOAL_HB_POOL_ACTIVE];
	u8 why;			/* what the decision says of itself */
	u8 trigger;
};

/* A service's or persona's configuration as a node has it. */
struct shoal_hb_cfg {
	u8 kind;		/* SHOAL_HB_CFG_* */
	u8 key[16];		/* a service's address, network order (IPv4
				 * as ::ffff:a.b.c.d); a persona's MAC
				 */
	u64 digest;
};

struct shoal_hb {
	u8 node_id;
	u8 flags;
	u16 interval_ms;
	u32 cluster_id;
	u64 nonce;
	u64 seq;
	u64 load_pps;
	u64 digest;
	u32 held;
	u16 next_key;
	struct shoal_idset view;
	u8 npeers;
	u8 nentries;
	u8 nprints;
	u8 npools;
	u8 ncfgs;
};

/* How a frame names a key it is not sent under: 16 bits of its id, not 0. */
static inline u16 shoal_hb_key_id(u32 cluster_id)
{
	return (cluster_id & 0xffff) ?: 1;
}

enum shoal_hb_error {
	SHOAL_HB_OK,
	SHOAL_HB_TRUNCATED,
	SHOAL_HB_OVERSIZED,
	SHOAL_HB_BAD_HEADER,
};

/*
 * Where the configuration count of a frame with p peers, n entries, f
 * fingerprints and q pool entries is; where the tag of one with c
 * configuration entries more starts, and its length.
 */
static inline unsigned int shoal_hb_cfgs_off(unsigned int p, unsigned int n,
					     unsigned int f, unsigned int q)
{
	return SHOAL_HB_PEERS_OFF + p * SHOAL_HB_PEER_LEN +
	       n * SHOAL_HB_ENTRY_LEN + f * SHOAL_HB_PRINT_LEN +
	       q * SHOAL_HB_POOL_LEN;
}

static inline unsigned int shoal_hb_tag_off(unsigned int p, unsigned int n,
					    unsigned int f, unsigned int q,
					    unsigned int c)
{
	return shoal_hb_cfgs_off(p, n, f, q) + 1 + c * SHOAL_HB_CFG_LEN;
}

static inline unsigned int shoal_hb_len(unsigned int p, unsigned int n,
					unsigned int f, unsigned int q,
					unsigned int c)
{
	return shoal_hb_tag_off(p, n, f, q, c) + SHOAL_HB_TAG_LEN;
}

/*
 * Write hb into buf (shoal_hb_len() bytes), peers, entries, fingerprints,
 * pool and configuration entries and tag zeroed; the caller fills the
 * peers with shoal_hb_put_peer(), the entries with shoal_hb_put_entry(),
 * the fingerprints with shoal_hb_put_print(), the pool entries with
 * shoal_hb_put_pool() and the configuration entries with
 * shoal_hb_put_cfg().
 */
void shoal_hb_encode(const struct shoal_hb *hb, u8 *buf);
void shoal_hb_put_peer(u8 *buf, unsigned int i,
		       const struct shoal_hb_peer *peer);
void shoal_hb_put_entry(u8 *buf, const struct shoal_hb *hb, unsigned int i,
			const struct shoal_hb_entry *entry);
void shoal_hb_put_print(u8 *buf, const struct shoal_hb *hb, unsigned int i,
			u64 print);
void shoal_hb_put_pool(u8 *buf, const struct shoal_hb *hb, unsigned int i,
		       const struct shoal_hb_pool *pool);
void shoal_hb_put_cfg(u8 *buf, const struct shoal_hb *hb, unsigned int i,
		      const struct shoal_hb_cfg *cfg);

/*
 * Read a frame of len bytes, its peers, entries and pool entries checked
 * too; the tag is checked by the caller. Then shoal_hb_get_peer() reads
 * peer i < hb->npeers, shoal_hb_get_entry() entry i < hb->nentries,
 * shoal_hb_get_print() fingerprint i < hb->nprints,
 * shoal_hb_get_pool() pool entry i < hb->npools and shoal_hb_get_cfg()
 * configuration entry i < hb->ncfgs.
 */
enum shoal_hb_error shoal_hb_decode(const u8 *buf, unsigned int len,
				    struct shoal_hb *hb);
void shoal_hb_get_peer(const u8 *buf, unsigned int i,
		       struct shoal_hb_peer *peer);
void shoal_hb_get_entry(const u8 *buf, const struct shoal_hb *hb,
			unsigned int i, struct shoal_hb_entry *entry);
u64 shoal_hb_get_print(const u8 *buf, const struct shoal_hb *hb,
		       unsigned int i);
void shoal_hb_get_pool(const u8 *buf, const struct shoal_hb *hb,
		       unsigned int i, struct shoal_hb_pool *pool);
void shoal_hb_get_cfg(const u8 *buf, const struct shoal_hb *hb,
		      unsigned int i, struct shoal_hb_cfg *cfg);

#endif /* _SHOAL_FRAME_H */
