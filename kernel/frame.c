// SPDX-License-Identifier: GPL-2.0
/*
 * Heartbeat frame encoding; see frame.h for the layout.
 */
#include "frame.h"

static void put16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(u8 *p, u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static void put64(u8 *p, u64 v)
{
	put32(p, v >> 32);
	put32(p + 4, v);
}

static u16 get16(const u8 *p)
{
	return (u16)p[0] << 8 | p[1];
}

static u32 get32(const u8 *p)
{
	return (u32)get16(p) << 16 | get16(p + 2);
}

static u64 get64(const u8 *p)
{
	return (u64)get32(p) << 32 | get32(p + 4);
}

void shoal_hb_encode(const struct shoal_hb *hb, u8 *buf)
{
	unsigned int i, len = shoal_hb_len(hb->nentries);

	for (i = 0; i < len; i++)
		buf[i] = 0;
	buf[0] = 'S';
	buf[1] = 'H';
	buf[2] = SHOAL_HB_VERSION;
	buf[3] = hb->nentries ? SHOAL_HB_TYPE_PERSONAS : SHOAL_HB_TYPE;
	put16(buf + 4, len);
	buf[6] = hb->node_id;
	buf[7] = hb->flags;
	put32(buf + 8, hb->cluster_id);
	put16(buf + 12, hb->interval_ms);
	put64(buf + 16, hb->nonce);
	put64(buf + 24, hb->seq);
	put64(buf + 32, hb->load_pps);
	if (hb->nentries)
		buf[40] = hb->nentries;
}

void shoal_hb_put_entry(u8 *buf, unsigned int i,
			const struct shoal_hb_entry *entry)
{
	u8 *p = buf + SHOAL_HB_ENTRIES_OFF + i * SHOAL_HB_ENTRY_LEN;
	unsigned int j;

	for (j = 0; j < 6; j++)
		p[j] = entry->mac[j];
	p[6] = entry->kind;
	p[7] = 0;
	put32(p + 8, entry->epoch);
}

void shoal_hb_get_entry(const u8 *buf, unsigned int i,
			struct shoal_hb_entry *entry)
{
	const u8 *p = buf + SHOAL_HB_ENTRIES_OFF + i * SHOAL_HB_ENTRY_LEN;
	unsigned int j;

	for (j = 0; j < 6; j++)
		entry->mac[j] = p[j];
	entry->kind = p[6];
	entry->epoch = get32(p + 8);
}

/* The length a frame must have, from its header; 0 if it has none. */
static unsigned int shoal_hb_expected_len(const u8 *buf, unsigned int len)
{
	if (buf[3] == SHOAL_HB_TYPE)
		return SHOAL_HB_LEN;
	if (buf[3] != SHOAL_HB_TYPE_PERSONAS || len <= SHOAL_HB_ENTRIES_OFF ||
	    !buf[40] || buf[40] > SHOAL_HB_ENTRIES_MAX)
		return 0;
	return shoal_hb_len(buf[40]);
}

enum shoal_hb_error shoal_hb_decode(const u8 *buf, unsigned int len,
				    struct shoal_hb *hb)
{
	unsigned int want, i;
	u8 kind;

	if (len < SHOAL_HB_LEN)
		return SHOAL_HB_TRUNCATED;
	if (len > SHOAL_HB_LEN_MAX)
		return SHOAL_HB_OVERSIZED;
	if (buf[0] != 'S' || buf[1] != 'H' || buf[2] != SHOAL_HB_VERSION ||
	    buf[6] == 0)
		return SHOAL_HB_BAD_HEADER;
	want = shoal_hb_expected_len(buf, len);
	if (!want || get16(buf + 4) != want)
		return SHOAL_HB_BAD_HEADER;
	if (len < want)
		return SHOAL_HB_TRUNCATED;
	if (len > want)
		return SHOAL_HB_OVERSIZED;
	hb->nentries = buf[3] == SHOAL_HB_TYPE ? 0 : buf[40];
	if (hb->nentries && (buf[41] || buf[42] || buf[43]))
		return SHOAL_HB_BAD_HEADER;
	for (i = 0; i < hb->nentries; i++) {
		kind = buf[SHOAL_HB_ENTRIES_OFF + i * SHOAL_HB_ENTRY_LEN + 6];
		if (kind < SHOAL_HB_ENTRY_ACTIVE ||
		    kind > SHOAL_HB_ENTRY_RELEASED)
			return SHOAL_HB_BAD_HEADER;
	}
	hb->node_id = buf[6];
	hb->flags = buf[7];
	hb->cluster_id = get32(buf + 8);
	hb->interval_ms = get16(buf + 12);
	hb->nonce = get64(buf + 16);
	hb->seq = get64(buf + 24);
	hb->load_pps = get64(buf + 32);
	return SHOAL_HB_OK;
}

void shoal_vlan_encode(const struct shoal_vlan_hdr *h, u8 *buf)
{
	unsigned int i;

	buf[0] = 'S';
	buf[1] = 'H';
	buf[2] = SHOAL_HB_VERSION;
	buf[3] = SHOAL_VLAN_TYPE;
	for (i = SHOAL_VLAN_TAG_OFF; i < SHOAL_VLAN_TAGGED_OFF; i++)
		buf[i] = 0;
	buf[12] = h->node_id;
	buf[13] = 0;
	put16(buf + 14, h->vlan);
	put32(buf + 16, h->epoch);
}

int shoal_vlan_decode(const u8 *buf, unsigned int len,
		      struct shoal_vlan_hdr *h)
{
	if (len < SHOAL_VLAN_OVERHEAD || buf[0] != 'S' || buf[1] != 'H' ||
	    buf[2] != SHOAL_HB_VERSION || buf[3] != SHOAL_VLAN_TYPE ||
	    !buf[12] || buf[13])
		return -1;
	h->node_id = buf[12];
	h->vlan = get16(buf + 14);
	h->epoch = get32(buf + 16);
	return h->vlan && h->vlan <= 4094 ? 0 : -1;
}
