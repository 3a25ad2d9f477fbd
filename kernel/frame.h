/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The heartbeat frame on the wire, after the Ethernet header. Pure
 * encoding, shared by the module and host-side tests.
 *
 *  0  magic "SH"        2  version 1        3  type 1 (heartbeat)
 *  4  length (56)       6  node id          7  flags
 *  8  cluster id (4)   12  interval ms (2) 14  reserved (2)
 * 16  boot nonce (8)   24  sequence (8)
 * 32  load: packets per second accepted (8)
 * 40  tag: keyed MAC over bytes 0..39 (16)
 *
 * Type 2 is a heartbeat that also says what its sender holds of personas:
 * bytes 0..39 as above (type 2, length 44 + 12 n + 16), then
 * 40  entries n (1..SHOAL_HB_ENTRIES_MAX)  41  reserved (3)
 * 44  n entries of 12 bytes: virtual MAC (6), kind (1), reserved (1),
 *     epoch (4)
 * 44 + 12 n  tag over everything before it (16)
 *
 * Multi-byte fields are big-endian.
 */
/*
 * A virtual LAN frame: an Ethernet frame from a persona's MAC, ethertype
 * SHOAL_ETH_P_HEARTBEAT, then
 *  0  magic "SH"        2  version 1        3  type 3 (virtual LAN)
 *  4  tag: SipHash-2-4 of bytes 12 to the end (8)
 * 12  sending node id  13  flags (0)       14  VLAN id (2)
 * 16  the sender's epoch for the persona (4)
 * 20  the inner frame's ethertype (2), then its payload
 */
#ifndef _SHOAL_FRAME_H
#define _SHOAL_FRAME_H

#include "bucket.h"	/* the fixed-width types, in kernel and on host */

#define SHOAL_HB_LEN		56
#define SHOAL_HB_TAG_OFF	40
#define SHOAL_HB_TAG_LEN	16
#define SHOAL_HB_VERSION	1
#define SHOAL_HB_TYPE		1
#define SHOAL_HB_TYPE_PERSONAS	2
#define SHOAL_HB_ENTRY_LEN	12
#define SHOAL_HB_ENTRIES_OFF	44
#define SHOAL_HB_ENTRIES_MAX	64
#define SHOAL_HB_LEN_MAX	(SHOAL_HB_ENTRIES_OFF + \
				 SHOAL_HB_ENTRIES_MAX * SHOAL_HB_ENTRY_LEN + \
				 SHOAL_HB_TAG_LEN)

#define SHOAL_VLAN_TYPE		3
#define SHOAL_VLAN_HLEN		20
#define SHOAL_VLAN_TAG_OFF	4
#define SHOAL_VLAN_TAGGED_OFF	12
/* what the encapsulation adds to a frame: header and inner ethertype */
#define SHOAL_VLAN_OVERHEAD	(SHOAL_VLAN_HLEN + 2)

struct shoal_vlan_hdr {
	u8 node_id;
	u16 vlan;
	u32 epoch;
};

/* Write the header (tag zeroed) at buf; read one, 0 or -1 if malformed. */
void shoal_vlan_encode(const struct shoal_vlan_hdr *h, u8 *buf);
int shoal_vlan_decode(const u8 *buf, unsigned int len,
		      struct shoal_vlan_hdr *h);

/* What a node says about a persona. */
enum shoal_hb_entry_kind {
	SHOAL_HB_ENTRY_ACTIVE = 1,	/* I own it at this epoch */
	SHOAL_HB_ENTRY_CLAIM,		/* I am taking it at this epoch */
	SHOAL_HB_ENTRY_RELEASED,	/* I gave it up at this epoch */
};

struct shoal_hb_entry {
	u8 mac[6];
	u8 kind;
	u32 epoch;
};

struct shoal_hb {
	u8 node_id;
	u8 flags;
	u16 interval_ms;
	u32 cluster_id;
	u64 nonce;
	u64 seq;
	u64 load_pps;
	u8 nentries;		/* 0: a plain heartbeat (type 1) */
};

enum shoal_hb_error {
	SHOAL_HB_OK,
	SHOAL_HB_TRUNCATED,
	SHOAL_HB_OVERSIZED,
	SHOAL_HB_BAD_HEADER,
};

/* Bytes in a frame with n entries, and where its tag starts. */
static inline unsigned int shoal_hb_len(unsigned int n)
{
	return n ? SHOAL_HB_ENTRIES_OFF + n * SHOAL_HB_ENTRY_LEN +
		   SHOAL_HB_TAG_LEN : SHOAL_HB_LEN;
}

static inline unsigned int shoal_hb_tag_off(unsigned int n)
{
	return shoal_hb_len(n) - SHOAL_HB_TAG_LEN;
}

/*
 * Write hb into buf (shoal_hb_len(hb->nentries) bytes), entries and tag
 * zeroed; the caller fills the entries with shoal_hb_put_entry().
 */
void shoal_hb_encode(const struct shoal_hb *hb, u8 *buf);
void shoal_hb_put_entry(u8 *buf, unsigned int i,
			const struct shoal_hb_entry *entry);

/*
 * Read a frame of len bytes, its entries checked too; the tag is checked
 * by the caller. Then shoal_hb_get_entry() reads entry i < hb->nentries.
 */
enum shoal_hb_error shoal_hb_decode(const u8 *buf, unsigned int len,
				    struct shoal_hb *hb);
void shoal_hb_get_entry(const u8 *buf, unsigned int i,
			struct shoal_hb_entry *entry);

#endif /* _SHOAL_FRAME_H */
