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

/* the view is a bitmap: little-endian words, so id i is bit i % 8 of
 * byte i / 8
 */
static void put64le(u8 *p, u64 v)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static u64 get64le(const u8 *p)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
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
	unsigned int i, len = shoal_hb_len(hb->npeers, hb->nentries,
					   hb->nprints, hb->npools, hb->ncfgs);

	for (i = 0; i < len; i++)
		buf[i] = 0;
	buf[0] = 'S';
	buf[1] = 'H';
	buf[2] = SHOAL_HB_VERSION;
	buf[3] = SHOAL_HB_TYPE;
	put16(buf + 4, len);
	buf[6] = hb->node_id;
	buf[7] = hb->flags;
	put32(buf + 8, hb->cluster_id);
	put16(buf + 12, hb->interval_ms);
	buf[14] = hb->npeers;
	buf[15] = hb->nentries;
	put64(buf + 16, hb->nonce);
	put64(buf + 24, hb->seq);
	put64(buf + 32, hb->load_pps);
	put64(buf + SHOAL_HB_DIGEST_OFF, hb->digest);
	put32(buf + SHOAL_HB_HELD_OFF, hb->held);
	buf[SHOAL_HB_PRINTS_N_OFF] = hb->nprints;
	buf[SHOAL_HB_POOLS_N_OFF] = hb->npools;
	put16(buf + SHOAL_HB_NEXT_KEY_OFF, hb->next_key);
	buf[shoal_hb_cfgs_off(hb->npeers, hb->nentries, hb->nprints,
			      hb->npools)] = hb->ncfgs;
	for (i = 0; i < 4; i++)
		put64le(buf + SHOAL_HB_VIEW_OFF + 8 * i, hb->view.w[i]);
}

void shoal_hb_put_peer(u8 *buf, unsigned int i,
		       const struct shoal_hb_peer *peer)
{
	u8 *p = buf + SHOAL_HB_PEERS_OFF + i * SHOAL_HB_PEER_LEN;

	p[0] = peer->id;
	p[1] = peer->flags;
	put32(p + 2, peer->echo);
}

void shoal_hb_get_peer(const u8 *buf, unsigned int i,
		       struct shoal_hb_peer *peer)
{
	const u8 *p = buf + SHOAL_HB_PEERS_OFF + i * SHOAL_HB_PEER_LEN;

	peer->id = p[0];
	peer->flags = p[1];
	peer->echo = get32(p + 2);
}

static unsigned int shoal_hb_entry_off(const struct shoal_hb *hb,
				       unsigned int i)
{
	return SHOAL_HB_PEERS_OFF + hb->npeers * SHOAL_HB_PEER_LEN +
	       i * SHOAL_HB_ENTRY_LEN;
}

void shoal_hb_put_entry(u8 *buf, const struct shoal_hb *hb, unsigned int i,
			const struct shoal_hb_entry *entry)
{
	u8 *p = buf + shoal_hb_entry_off(hb, i);
	unsigned int j;

	for (j = 0; j < 6; j++)
		p[j] = entry->mac[j];
	p[6] = entry->kind;
	p[7] = 0;
	put32(p + 8, entry->epoch);
}

void shoal_hb_get_entry(const u8 *buf, const struct shoal_hb *hb,
			unsigned int i, struct shoal_hb_entry *entry)
{
	const u8 *p = buf + shoal_hb_entry_off(hb, i);
	unsigned int j;

	for (j = 0; j < 6; j++)
		entry->mac[j] = p[j];
	entry->kind = p[6];
	entry->epoch = get32(p + 8);
}

static unsigned int shoal_hb_print_off(const struct shoal_hb *hb,
				       unsigned int i)
{
	return shoal_hb_entry_off(hb, hb->nentries) + i * SHOAL_HB_PRINT_LEN;
}

void shoal_hb_put_print(u8 *buf, const struct shoal_hb *hb, unsigned int i,
			u64 print)
{
	put64(buf + shoal_hb_print_off(hb, i), print);
}

u64 shoal_hb_get_print(const u8 *buf, const struct shoal_hb *hb,
		       unsigned int i)
{
	return get64(buf + shoal_hb_print_off(hb, i));
}

static unsigned int shoal_hb_pool_off(const struct shoal_hb *hb,
				      unsigned int i)
{
	return shoal_hb_print_off(hb, hb->nprints) + i * SHOAL_HB_POOL_LEN;
}

void shoal_hb_put_pool(u8 *buf, const struct shoal_hb *hb, unsigned int i,
		       const struct shoal_hb_pool *pool)
{
	u8 *p = buf + shoal_hb_pool_off(hb, i);
	unsigned int j;

	p[0] = pool->family;
	p[1] = pool->proto;
	put16(p + 2, pool->port);
	/* the address as it is in memory: already in network order */
	for (j = 0; j < 16; j++)
		p[4 + j] = ((const u8 *)pool->addr)[j];
	put16(p + 20, pool->weight);
	p[22] = pool->util;
	p[23] = pool->nactive;
	put32(p + 24, pool->epoch);
	p[28] = pool->decider;
	p[29] = pool->why;
	p[30] = pool->trigger;
	p[31] = 0;
	for (j = 0; j < SHOAL_HB_POOL_ACTIVE; j++)
		p[32 + j] = j < pool->nactive ? pool->active[j] : 0;
}

static unsigned int shoal_hb_cfg_off(const struct shoal_hb *hb,
				     unsigned int i)
{
	return shoal_hb_cfgs_off(hb->npeers, hb->nentries, hb->nprints,
				 hb->npools) + 1 + i * SHOAL_HB_CFG_LEN;
}

void shoal_hb_put_cfg(u8 *buf, const struct shoal_hb *hb, unsigned int i,
		      const struct shoal_hb_cfg *cfg)
{
	u8 *p = buf + shoal_hb_cfg_off(hb, i);
	unsigned int j;

	p[0] = cfg->kind;
	for (j = 1; j < 8; j++)
		p[j] = 0;
	for (j = 0; j < 16; j++)
		p[8 + j] = cfg->key[j];
	put64(p + 24, cfg->digest);
}

void shoal_hb_get_cfg(const u8 *buf, const struct shoal_hb *hb,
		      unsigned int i, struct shoal_hb_cfg *cfg)
{
	const u8 *p = buf + shoal_hb_cfg_off(hb, i);
	unsigned int j;

	cfg->kind = p[0];
	for (j = 0; j < 16; j++)
		cfg->key[j] = p[8 + j];
	cfg->digest = get64(p + 24);
}

void shoal_hb_get_pool(const u8 *buf, const struct shoal_hb *hb,
		       unsigned int i, struct shoal_hb_pool *pool)
{
	const u8 *p = buf + shoal_hb_pool_off(hb, i);
	unsigned int j;

	pool->family = p[0];
	pool->proto = p[1];
	pool->port = get16(p + 2);
	for (j = 0; j < 16; j++)
		((u8 *)pool->addr)[j] = p[4 + j];
	pool->weight = get16(p + 20);
	pool->util = p[22];
	pool->nactive = p[23];
	pool->epoch = get32(p + 24);
	pool->decider = p[28];
	pool->why = p[29];
	pool->trigger = p[30];
	for (j = 0; j < SHOAL_HB_POOL_ACTIVE; j++)
		pool->active[j] = p[32 + j];
}

/*
 * A pool entry as the module writes one: a known family, an IPv4
 * address padded with zeroes, a decision with its decider, members and
 * reason (none without), the members node ids, each once, then zeroes.
 */
static int shoal_hb_pool_ok(const u8 *p)
{
	unsigned int j, k, n = p[23];

	if ((p[0] != 4 && p[0] != 6) || p[29] > SHOAL_HB_POOL_WHY_MAX ||
	    p[31] || n > SHOAL_HB_POOL_ACTIVE || !get32(p + 24) != !p[28] ||
	    (!p[28] && (n || p[29])))
		return 0;
	for (j = p[0] == 4 ? 8 : 20; j < 20; j++)
		if (p[j])
			return 0;
	for (j = 0; j < SHOAL_HB_POOL_ACTIVE; j++) {
		int listed = j < n, id = p[32 + j] != 0;

		/* ids up to the count, zeroes after it */
		if (id != listed)
			return 0;
		for (k = 0; k < j && j < n; k++)
			if (p[32 + k] == p[32 + j])
				return 0;
	}
	return 1;
}

/* Peers with ids rising, none the sender's, no unknown flag. */
static int shoal_hb_peers_ok(const u8 *buf, unsigned int npeers)
{
	const u8 *p = buf + SHOAL_HB_PEERS_OFF;
	unsigned int i, last = 0;

	for (i = 0; i < npeers; i++, p += SHOAL_HB_PEER_LEN) {
		if (p[0] <= last || p[0] == buf[6] ||
		    (p[1] & ~SHOAL_HB_PEER_F_ALL))
			return 0;
		last = p[0];
	}
	return 1;
}

static int shoal_hb_entries_ok(const u8 *buf, const struct shoal_hb *hb)
{
	const u8 *p;
	unsigned int i;

	for (i = 0; i < hb->nentries; i++) {
		p = buf + shoal_hb_entry_off(hb, i);
		if (p[6] < SHOAL_HB_ENTRY_ACTIVE ||
		    p[6] > SHOAL_HB_ENTRY_FENCING || p[7])
			return 0;
	}
	for (i = 0; i < hb->npools; i++)
		if (!shoal_hb_pool_ok(buf + shoal_hb_pool_off(hb, i)))
			return 0;
	/* configuration entries: a kind known, reserved bytes zero */
	for (i = 0; i < hb->ncfgs; i++) {
		p = buf + shoal_hb_cfg_off(hb, i);
		if ((p[0] != SHOAL_HB_CFG_SERVICE &&
		     p[0] != SHOAL_HB_CFG_PERSONA) ||
		    p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7])
			return 0;
	}
	return 1;
}

enum shoal_hb_error shoal_hb_decode(const u8 *buf, unsigned int len,
				    struct shoal_hb *hb)
{
	unsigned int want, off, i;

	if (len < SHOAL_HB_LEN)
		return SHOAL_HB_TRUNCATED;
	if (len > SHOAL_HB_LEN_MAX)
		return SHOAL_HB_OVERSIZED;
	if (buf[0] != 'S' || buf[1] != 'H' || buf[2] != SHOAL_HB_VERSION ||
	    buf[3] != SHOAL_HB_TYPE || buf[6] == 0 ||
	    (buf[7] & ~SHOAL_HB_F_ALL) || buf[15] > SHOAL_HB_ENTRIES_MAX ||
	    buf[SHOAL_HB_PRINTS_N_OFF] > SHOAL_HB_PRINTS_MAX ||
	    buf[SHOAL_HB_POOLS_N_OFF] > SHOAL_HB_POOLS_MAX)
		return SHOAL_HB_BAD_HEADER;
	/* the configuration count follows what the counts above say */
	off = shoal_hb_cfgs_off(buf[14], buf[15], buf[SHOAL_HB_PRINTS_N_OFF],
				buf[SHOAL_HB_POOLS_N_OFF]);
	if (len <= off)
		return get16(buf + 4) > off + SHOAL_HB_TAG_LEN ?
		       SHOAL_HB_TRUNCATED : SHOAL_HB_BAD_HEADER;
	if (buf[off] > SHOAL_HB_CFGS_MAX)
		return SHOAL_HB_BAD_HEADER;
	want = shoal_hb_len(buf[14], buf[15], buf[SHOAL_HB_PRINTS_N_OFF],
			    buf[SHOAL_HB_POOLS_N_OFF], buf[off]);
	if (get16(buf + 4) != want)
		return SHOAL_HB_BAD_HEADER;
	if (len < want)
		return SHOAL_HB_TRUNCATED;
	if (len > want)
		return SHOAL_HB_OVERSIZED;
	hb->npeers = buf[14];
	hb->nentries = buf[15];
	hb->nprints = buf[SHOAL_HB_PRINTS_N_OFF];
	hb->npools = buf[SHOAL_HB_POOLS_N_OFF];
	hb->ncfgs = buf[off];
	if (!shoal_hb_peers_ok(buf, hb->npeers) ||
	    !shoal_hb_entries_ok(buf, hb))
		return SHOAL_HB_BAD_HEADER;
	hb->node_id = buf[6];
	hb->flags = buf[7];
	hb->cluster_id = get32(buf + 8);
	hb->interval_ms = get16(buf + 12);
	hb->nonce = get64(buf + 16);
	hb->seq = get64(buf + 24);
	hb->load_pps = get64(buf + 32);
	hb->digest = get64(buf + SHOAL_HB_DIGEST_OFF);
	hb->held = get32(buf + SHOAL_HB_HELD_OFF);
	hb->next_key = get16(buf + SHOAL_HB_NEXT_KEY_OFF);
	for (i = 0; i < 4; i++)
		hb->view.w[i] = get64le(buf + SHOAL_HB_VIEW_OFF + 8 * i);
	return SHOAL_HB_OK;
}

void shoal_vlan_encode(const struct shoal_vlan_hdr *h, u8 *buf)
{
	buf[0] = 'S';
	buf[1] = 'H';
	buf[2] = SHOAL_VLAN_VERSION;
	buf[3] = SHOAL_VLAN_TYPE;
	put64(buf + SHOAL_VLAN_TAG_OFF, 0);
	buf[12] = h->node_id;
	buf[13] = 0;
	put16(buf + 14, h->vlan);
	put32(buf + 16, h->epoch);
	put64(buf + 20, h->nonce);
	put64(buf + 28, h->seq);
	put16(buf + 36, h->len);
}

int shoal_vlan_decode(const u8 *buf, unsigned int len,
		      struct shoal_vlan_hdr *h)
{
	if (len < SHOAL_VLAN_OVERHEAD || buf[0] != 'S' || buf[1] != 'H' ||
	    buf[2] != SHOAL_VLAN_VERSION || buf[3] != SHOAL_VLAN_TYPE ||
	    !buf[12] || buf[13])
		return -1;
	h->node_id = buf[12];
	h->vlan = get16(buf + 14);
	h->epoch = get32(buf + 16);
	h->nonce = get64(buf + 20);
	h->seq = get64(buf + 28);
	h->len = get16(buf + 36);
	if (h->len < 2 || h->len > len - SHOAL_VLAN_HLEN)
		return -1;
	return h->vlan && h->vlan <= 4094 ? 0 : -1;
}
