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
 * Multi-byte fields are big-endian.
 */
#ifndef _SHOAL_FRAME_H
#define _SHOAL_FRAME_H

#include "bucket.h"	/* the fixed-width types, in kernel and on host */

#define SHOAL_HB_LEN		56
#define SHOAL_HB_TAG_OFF	40
#define SHOAL_HB_TAG_LEN	16
#define SHOAL_HB_VERSION	1
#define SHOAL_HB_TYPE		1

struct shoal_hb {
	u8 node_id;
	u8 flags;
	u16 interval_ms;
	u32 cluster_id;
	u64 nonce;
	u64 seq;
	u64 load_pps;
};

enum shoal_hb_error {
	SHOAL_HB_OK,
	SHOAL_HB_TRUNCATED,
	SHOAL_HB_OVERSIZED,
	SHOAL_HB_BAD_HEADER,
};

/* Write hb into buf (SHOAL_HB_LEN bytes), tag zeroed. */
void shoal_hb_encode(const struct shoal_hb *hb, u8 *buf);

/* Read a frame of len bytes; the tag is checked by the caller. */
enum shoal_hb_error shoal_hb_decode(const u8 *buf, unsigned int len,
				    struct shoal_hb *hb);

#endif /* _SHOAL_FRAME_H */
