// SPDX-License-Identifier: GPL-2.0
/* The heartbeat frame's encoding, as the module writes and reads it. */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "ktap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct shoal_hb sample = {
	.node_id = 7,
	.flags = 0,
	.interval_ms = 100,
	.cluster_id = 0xdeadbeef,
	.nonce = 0x0123456789abcdefull,
	.seq = 0xfedcba9876543210ull,
	.load_pps = 0x0000000100000002ull,
	.digest = 0x1122334455667788ull,
	.held = 0x99aabbcc,
};

/* ids on both sides of every byte and word of the view, and the ends */
static const unsigned int view_ids[] = { 1, 2, 7, 8, 9, 63, 64, 65, 127, 128,
					 200, 254, 255 };

static const struct shoal_hb_peer peers[] = {
	{ 1, SHOAL_HB_PEER_ALIVE, 0x01020304 },
	{ 3, 0, 0 },
	{ 8, SHOAL_HB_PEER_ALIVE, 0xffffffff },
	{ 255, 0, 0x80000001 },
};

#define NPEERS ARRAY_SIZE(peers)

static const struct shoal_hb_entry entries[] = {
	{ { 2, 0, 0, 0xaa, 0, 1 }, SHOAL_HB_ENTRY_ACTIVE, 1 },
	{ { 2, 0, 0, 0xaa, 0, 2 }, SHOAL_HB_ENTRY_CLAIM, 0x01020304 },
	{ { 2, 0, 0, 0xaa, 0, 3 }, SHOAL_HB_ENTRY_RELEASED, 0xffffffff },
	{ { 2, 0, 0, 0xaa, 0, 4 }, SHOAL_HB_ENTRY_FENCING, 7 },
};

#define NENTRIES ARRAY_SIZE(entries)

/* fingerprints: every byte different, the top and bottom bits, the ends */
static const u64 prints[] = {
	0x0102030405060708ull,
	0xf0e1d2c3b4a59687ull,
	0,
	0xffffffffffffffffull,
	0x8000000000000001ull,
};

#define NPRINTS ARRAY_SIZE(prints)

/* fingerprint i of a frame: prints[], then values all different */
static u64 print_at(unsigned int i)
{
	return i < NPRINTS ? prints[i] : 0x9e3779b97f4a7c15ull * (i + 1);
}

/* pool entries: IPv4 and IPv6, no decision, some members, the most */
static const struct shoal_hb_pool pools[] = {
	{ 4, 6, 80, { 0x640200c0 }, 1, 37, 0, 0, 0, { 0 }, 0, 0 },
	{ 6, 17, 5353, { 0xb80d0120, 0, 0, 0x01000000 }, 0xffff, 255, 2,
	  0x01020304, 3, { 3, 1 }, 2, 10 },
	{ 4, 0, 0, { 0xffffffff }, 3, 254, 16, 0xffffffff, 255,
	  { 255, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	  SHOAL_HB_POOL_WHY_MAX, 255 },
};

#define NPOOLS ARRAY_SIZE(pools)

/*
 * A frame of hb with p peers (peers[], then ids counting up past the
 * sender), n entries (entries[] over and over), f fingerprints
 * (print_at()) and q pool entries (pools[] over and over); garbage
 * first, so that a byte encode leaves alone shows. Returns its length.
 */
/* Configuration entry i: an address and a digest that tell it apart. */
static struct shoal_hb_cfg cfg_at(unsigned int i)
{
	struct shoal_hb_cfg cfg = {
		.kind = i & 1 ? SHOAL_HB_CFG_PERSONA : SHOAL_HB_CFG_SERVICE,
		.key = { 0x20, 0x01, 0x0d, 0xb8, [15] = i + 1 },
		.digest = 0x0102030405060708ull * (i + 1),
	};

	return cfg;
}

static unsigned int build_all(u8 *buf, const struct shoal_hb *tmpl,
			      unsigned int p, unsigned int n, unsigned int f,
			      unsigned int q, unsigned int c)
{
	struct shoal_hb hb = *tmpl;
	struct shoal_hb_peer rec = { 0, 0, 0 };
	unsigned int i, id = 0, len = shoal_hb_len(p, n, f, q, c);
	struct shoal_hb_cfg cfg;

	memset(buf, 0xa5, len);
	hb.npeers = p;
	hb.nentries = n;
	hb.nprints = f;
	hb.npools = q;
	hb.ncfgs = c;
	shoal_hb_encode(&hb, buf);
	for (i = 0; i < p; i++) {
		if (i < NPEERS && p <= NPEERS) {
			rec = peers[i];
		} else {
			if (++id == hb.node_id)
				id++;
			rec.id = id;
			rec.flags = i & 1 ? SHOAL_HB_PEER_ALIVE : 0;
			rec.echo = 0x10000 * i + 1;
		}
		shoal_hb_put_peer(buf, i, &rec);
	}
	for (i = 0; i < n; i++)
		shoal_hb_put_entry(buf, &hb, i, &entries[i % NENTRIES]);
	for (i = 0; i < f; i++)
		shoal_hb_put_print(buf, &hb, i, print_at(i));
	for (i = 0; i < q; i++)
		shoal_hb_put_pool(buf, &hb, i, &pools[i % NPOOLS]);
	for (i = 0; i < c; i++) {
		cfg = cfg_at(i);
		shoal_hb_put_cfg(buf, &hb, i, &cfg);
	}
	return len;
}

static unsigned int build_pools(u8 *buf, const struct shoal_hb *tmpl,
				unsigned int p, unsigned int n, unsigned int f,
				unsigned int q)
{
	return build_all(buf, tmpl, p, n, f, q, 0);
}

static unsigned int build(u8 *buf, const struct shoal_hb *tmpl,
			  unsigned int p, unsigned int n, unsigned int f)
{
	return build_pools(buf, tmpl, p, n, f, 0);
}

/* Set the length field of a frame in buf. */
static void set_len(u8 *buf, unsigned int len)
{
	buf[4] = len >> 8;
	buf[5] = len;
}

/* A u64 from 8 big-endian bytes, independent of frame.c. */
static u64 be64_at(const u8 *p)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Decode from a copy of exactly len bytes, so that the sanitizer catches
 * a read past the end of what was received.
 */
static enum shoal_hb_error decode(const u8 *buf, unsigned int len,
				  struct shoal_hb *out)
{
	enum shoal_hb_error err;
	u8 *copy = malloc(len ? len : 1);

	memcpy(copy, buf, len);
	err = shoal_hb_decode(copy, len, out);
	free(copy);
	return err;
}

static struct shoal_hb with_view(void)
{
	struct shoal_hb hb = sample;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(view_ids); i++)
		shoal_idset_add(&hb.view, view_ids[i]);
	return hb;
}

static void round_trip(void)
{
	struct shoal_hb hb = with_view(), out;
	u8 buf[SHOAL_HB_LEN_MAX];
	struct shoal_hb_entry e;
	struct shoal_hb_peer r;
	unsigned int len, i, off;

	hb.flags = SHOAL_HB_F_STARTING;
	hb.next_key = 0xbeef;
	len = build(buf, &hb, NPEERS, NENTRIES, NPRINTS);
	memset(&out, 0x5a, sizeof(out));
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK_INT(out.node_id, 7);
	CHECK_INT(out.flags, SHOAL_HB_F_STARTING);
	CHECK_INT(out.interval_ms, 100);
	CHECK(out.cluster_id == 0xdeadbeef);
	CHECK(out.nonce == 0x0123456789abcdefull);
	CHECK(out.seq == 0xfedcba9876543210ull);
	CHECK(out.load_pps == 0x0000000100000002ull);
	CHECK(out.digest == 0x1122334455667788ull);
	CHECK(out.held == 0x99aabbcc);
	CHECK_INT(out.next_key, 0xbeef);
	CHECK_INT(buf[SHOAL_HB_NEXT_KEY_OFF], 0xbe);
	CHECK_INT(buf[SHOAL_HB_NEXT_KEY_OFF + 1], 0xef);
	CHECK(shoal_idset_equal(&out.view, &hb.view));
	CHECK_INT(out.npeers, NPEERS);
	CHECK_INT(out.nentries, NENTRIES);
	CHECK_INT(out.nprints, NPRINTS);
	for (i = 0; i < NPEERS; i++) {
		memset(&r, 0x5a, sizeof(r));
		shoal_hb_get_peer(buf, i, &r);
		CHECK_INT(r.id, peers[i].id);
		CHECK_INT(r.flags, peers[i].flags);
		CHECK(r.echo == peers[i].echo);
	}
	for (i = 0; i < NENTRIES; i++) {
		memset(&e, 0x5a, sizeof(e));
		shoal_hb_get_entry(buf, &out, i, &e);
		CHECK(!memcmp(e.mac, entries[i].mac, 6));
		CHECK_INT(e.kind, entries[i].kind);
		CHECK(e.epoch == entries[i].epoch);
	}
	/* the fingerprints: after the entries, big-endian, then the tag */
	for (i = 0; i < NPRINTS; i++) {
		off = 88 + NPEERS * 6 + NENTRIES * 12 + i * 8;
		CHECK(shoal_hb_get_print(buf, &out, i) == prints[i]);
		CHECK(be64_at(buf + off) == prints[i]);
	}
	CHECK_INT(shoal_hb_cfgs_off(NPEERS, NENTRIES, NPRINTS, 0),
		  88 + NPEERS * 6 + NENTRIES * 12 + NPRINTS * 8);
	for (i = shoal_hb_cfgs_off(NPEERS, NENTRIES, NPRINTS, 0); i < len; i++)
		CHECK_INT(buf[i], 0);

	/* the same with nothing heard and nothing held */
	hb.flags = 0;
	hb.digest = 0;
	hb.held = 0;
	len = build(buf, &hb, 0, 0, 0);
	CHECK_INT(len, SHOAL_HB_LEN);
	memset(&out, 0x5a, sizeof(out));
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK_INT(out.npeers, 0);
	CHECK_INT(out.nentries, 0);
	CHECK_INT(out.nprints, 0);
	CHECK_INT(out.flags, 0);
	CHECK(out.digest == 0);
	CHECK_INT(out.held, 0);
	CHECK(shoal_idset_equal(&out.view, &hb.view));

	/* fingerprints alone, after no peer and no entry, and the extremes */
	hb.digest = ~0ull;
	hb.held = 0xffffffff;
	len = build(buf, &hb, 0, 0, 2);
	CHECK_INT(len, 88 + 2 * 8 + 1 + 16);
	memset(&out, 0x5a, sizeof(out));
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK_INT(out.nprints, 2);
	CHECK(out.digest == ~0ull);
	CHECK(out.held == 0xffffffff);
	CHECK(shoal_hb_get_print(buf, &out, 0) == prints[0]);
	CHECK(shoal_hb_get_print(buf, &out, 1) == prints[1]);
	CHECK(be64_at(buf + 88) == prints[0]);
	CHECK(be64_at(buf + 96) == prints[1]);

	/* and after peers only: the entries take no room */
	len = build(buf, &hb, NPEERS, 0, 1);
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK(shoal_hb_get_print(buf, &out, 0) == prints[0]);
	CHECK(be64_at(buf + 88 + NPEERS * 6) == prints[0]);

	/* the most fingerprints a frame may have, each its own */
	len = build(buf, &hb, NPEERS, NENTRIES, SHOAL_HB_PRINTS_MAX);
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK_INT(out.nprints, SHOAL_HB_PRINTS_MAX);
	for (i = 0; i < SHOAL_HB_PRINTS_MAX; i++)
		if (shoal_hb_get_print(buf, &out, i) != print_at(i))
			CHECK(shoal_hb_get_print(buf, &out, i) == print_at(i));
	CHECK(be64_at(buf + len - SHOAL_HB_TAG_LEN - 1 - 8) ==
	      print_at(SHOAL_HB_PRINTS_MAX - 1));
}

/* Every flag the sender may set comes back, alone and together. */
static void flags_round_trip(void)
{
	static const u8 good[] = {
		0, SHOAL_HB_F_STARTING, SHOAL_HB_F_HOLDING, SHOAL_HB_F_LEAVING,
		SHOAL_HB_F_HOLDING | SHOAL_HB_F_LEAVING,
		SHOAL_HB_F_STARTING | SHOAL_HB_F_HOLDING, SHOAL_HB_F_ALL,
	};
	struct shoal_hb hb = with_view(), out;
	u8 buf[SHOAL_HB_LEN_MAX];
	unsigned int len, i;

	/* the values on the wire, as frame.h documents them */
	CHECK_INT(SHOAL_HB_F_STARTING, 0x01);
	CHECK_INT(SHOAL_HB_F_HOLDING, 0x02);
	CHECK_INT(SHOAL_HB_F_LEAVING, 0x04);
	CHECK_INT(SHOAL_HB_F_ALL, 0x07);
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		hb.flags = good[i];
		len = build(buf, &hb, NPEERS, NENTRIES, NPRINTS);
		CHECK_INT(buf[7], good[i]);
		memset(&out, 0x5a, sizeof(out));
		CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
		CHECK_INT(out.flags, good[i]);
		CHECK(out.digest == sample.digest);
		CHECK(out.held == sample.held);
		CHECK_INT(out.nprints, NPRINTS);
	}
}

/*
 * Every byte of a frame with 2 peers, 2 entries and 2 fingerprints, as
 * frame.h lays it out.
 */
static void byte_layout(void)
{
	static const u8 head[56] = {
		'S', 'H', 5, 1, 0, 88 + 2 * 6 + 2 * 12 + 2 * 8 + 1 + 32 + 16, 7,
		0x06,
		0xde, 0xad, 0xbe, 0xef, 0, 100, 2, 2,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
		0, 0, 0, 1, 0, 0, 0, 2,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0x99, 0xaa, 0xbb, 0xcc, 2, 0, 0, 0,
	};
	static const u8 recs[2 * 6] = {
		1, 1, 0x01, 0x02, 0x03, 0x04,
		3, 0, 0, 0, 0, 0,
	};
	static const u8 ents[2 * 12] = {
		2, 0, 0, 0xaa, 0, 1, 1, 0, 0, 0, 0, 1,
		2, 0, 0, 0xaa, 0, 2, 2, 0, 0x01, 0x02, 0x03, 0x04,
	};
	static const u8 fps[2 * 8] = {
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87,
	};
	/* the count, then 2001:db8::1's entry */
	static const u8 cfgs[1 + 32] = {
		1,
		SHOAL_HB_CFG_SERVICE, 0, 0, 0, 0, 0, 0, 0,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	};
	struct shoal_hb hb = with_view();
	u8 buf[SHOAL_HB_LEN_MAX], view[32] = { 0 };
	struct shoal_hb_peer two[2] = { peers[0], peers[1] };
	struct shoal_hb_cfg cfg = {
		.kind = SHOAL_HB_CFG_SERVICE,
		.digest = 0x1122334455667788ull,
	};
	unsigned int i, len, off;

	memcpy(cfg.key, cfgs + 9, 16);
	hb.flags = SHOAL_HB_F_HOLDING | SHOAL_HB_F_LEAVING;
	hb.npeers = 2;
	hb.nentries = 2;
	hb.nprints = 2;
	hb.ncfgs = 1;
	len = shoal_hb_len(2, 2, 2, 0, 1);
	CHECK_INT(len, 88 + 2 * 6 + 2 * 12 + 2 * 8 + 1 + 32 + 16);
	off = shoal_hb_cfgs_off(2, 2, 2, 0);
	CHECK_INT(off, 88 + 2 * 6 + 2 * 12 + 2 * 8);
	memset(buf, 0xa5, sizeof(buf));
	shoal_hb_encode(&hb, buf);
	/* encode zeroes peers, entries, fingerprints, configurations and
	 * tag, sets the count, and writes nothing past
	 */
	for (i = SHOAL_HB_PEERS_OFF; i < len; i++)
		if (i != off)
			CHECK_INT(buf[i], 0);
	CHECK_INT(buf[off], 1);
	CHECK_INT(buf[len], 0xa5);
	for (i = 0; i < 2; i++) {
		shoal_hb_put_peer(buf, i, &two[i]);
		shoal_hb_put_entry(buf, &hb, i, &entries[i]);
		shoal_hb_put_print(buf, &hb, i, prints[i]);
	}
	shoal_hb_put_cfg(buf, &hb, 0, &cfg);
	CHECK(!memcmp(buf, head, sizeof(head)));
	for (i = 0; i < sizeof(head); i++)
		if (buf[i] != head[i])
			CHECK_INT(buf[i], head[i]);
	/* node id i at bit i % 8 of byte 56 + i / 8 */
	for (i = 0; i < ARRAY_SIZE(view_ids); i++)
		view[view_ids[i] / 8] |= 1 << (view_ids[i] % 8);
	CHECK_INT(view[0], 0x86);	/* 1, 2, 7 */
	CHECK_INT(view[31], 0xc0);	/* 254, 255 */
	for (i = 0; i < 32; i++)
		CHECK_INT(buf[56 + i], view[i]);
	for (i = 0; i < sizeof(recs); i++)
		CHECK_INT(buf[88 + i], recs[i]);
	for (i = 0; i < sizeof(ents); i++)
		CHECK_INT(buf[88 + sizeof(recs) + i], ents[i]);
	for (i = 0; i < sizeof(fps); i++)
		CHECK_INT(buf[88 + sizeof(recs) + sizeof(ents) + i], fps[i]);
	for (i = 0; i < sizeof(cfgs); i++)
		CHECK_INT(buf[off + i], cfgs[i]);
	for (i = off + sizeof(cfgs); i < len; i++)
		CHECK_INT(buf[i], 0);
	CHECK_INT(buf[len], 0xa5);

	/* one id alone, at each end of the bitmap */
	memset(&hb.view, 0, sizeof(hb.view));
	shoal_idset_add(&hb.view, 9);
	hb.npeers = 0;
	hb.nentries = 0;
	hb.nprints = 0;
	hb.ncfgs = 0;
	shoal_hb_encode(&hb, buf);
	CHECK_INT(buf[57], 0x02);
	for (i = 56; i < 88; i++)
		if (i != 57)
			CHECK_INT(buf[i], 0);
	memset(&hb.view, 0, sizeof(hb.view));
	shoal_idset_add(&hb.view, 255);
	shoal_hb_encode(&hb, buf);
	CHECK_INT(buf[87], 0x80);
	CHECK_INT(buf[86], 0);
	CHECK_INT(buf[4] << 8 | buf[5], SHOAL_HB_LEN);
	CHECK_INT(buf[14], 0);
	CHECK_INT(buf[15], 0);
	CHECK_INT(buf[52], 0);
}

static void lengths(void)
{
	struct shoal_hb hb = with_view(), out;
	static u8 buf[SHOAL_HB_LEN_MAX + 16];
	unsigned int len;

	CHECK_INT(SHOAL_HB_LEN, 105);
	CHECK_INT(shoal_hb_len(0, 0, 0, 0, 0), 105);
	CHECK_INT(shoal_hb_cfgs_off(0, 0, 0, 0), 88);
	CHECK_INT(shoal_hb_tag_off(0, 0, 0, 0, 0), 89);
	CHECK_INT(shoal_hb_len(1, 0, 0, 0, 0), 111);
	CHECK_INT(shoal_hb_len(0, 1, 0, 0, 0), 117);
	CHECK_INT(shoal_hb_len(0, 0, 1, 0, 0), 113);
	CHECK_INT(shoal_hb_cfgs_off(0, 0, 1, 0), 96);
	CHECK_INT(shoal_hb_len(1, 1, 1, 0, 0), 88 + 6 + 12 + 8 + 1 + 16);
	CHECK_INT(shoal_hb_len(0, 0, 0, 1, 0), 88 + 48 + 1 + 16);
	CHECK_INT(shoal_hb_len(0, 0, 0, 0, 1), 88 + 1 + 32 + 16);
	CHECK_INT(shoal_hb_cfgs_off(1, 1, 1, 1), 88 + 6 + 12 + 8 + 48);
	CHECK_INT(shoal_hb_tag_off(1, 1, 1, 1, 2),
		  88 + 6 + 12 + 8 + 48 + 1 + 2 * 32);
	CHECK_INT(SHOAL_HB_LEN_MAX,
		  88 + 255 * 6 + 64 * 12 + 64 * 8 + 16 * 48 + 1 + 16 * 32 + 16);
	CHECK_INT(shoal_hb_len(SHOAL_HB_PEERS_MAX, SHOAL_HB_ENTRIES_MAX,
			       SHOAL_HB_PRINTS_MAX, SHOAL_HB_POOLS_MAX,
			       SHOAL_HB_CFGS_MAX),
		  SHOAL_HB_LEN_MAX);

	/*
	 * The longest frame that can be valid: every other node, 64 entries,
	 * 64 fingerprints, 16 pool and 16 configuration entries
	 */
	len = build_all(buf, &hb, 254, SHOAL_HB_ENTRIES_MAX,
			SHOAL_HB_PRINTS_MAX, SHOAL_HB_POOLS_MAX,
			SHOAL_HB_CFGS_MAX);
	CHECK_INT(len, SHOAL_HB_LEN_MAX - SHOAL_HB_PEER_LEN);
	CHECK_INT(buf[4] << 8 | buf[5], len);
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK_INT(out.npeers, 254);
	CHECK_INT(out.nentries, SHOAL_HB_ENTRIES_MAX);
	CHECK_INT(out.nprints, SHOAL_HB_PRINTS_MAX);
	CHECK_INT(out.npools, SHOAL_HB_POOLS_MAX);
	CHECK_INT(out.ncfgs, SHOAL_HB_CFGS_MAX);
	CHECK_INT(decode(buf, len - 1, &out), SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, len + 1, &out), SHOAL_HB_OVERSIZED);

	/* the shortest */
	len = build(buf, &hb, 0, 0, 0);
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK_INT(decode(buf, len - 1, &out), SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, 88, &out), SHOAL_HB_TRUNCATED);	/* v2's */
	CHECK_INT(decode(buf, 40, &out), SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, 6, &out), SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, 0, &out), SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, len + 1, &out), SHOAL_HB_OVERSIZED);
	CHECK_INT(decode(buf, len + 8, &out), SHOAL_HB_OVERSIZED);
	CHECK_INT(decode(buf, SHOAL_HB_LEN_MAX + 1, &out),
		  SHOAL_HB_OVERSIZED);

	/* with peers and entries: a record short, a byte short or over */
	len = build(buf, &hb, NPEERS, NENTRIES, 0);
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK_INT(decode(buf, len - 1, &out), SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, len - SHOAL_HB_TAG_LEN, &out),
		  SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, len - SHOAL_HB_ENTRY_LEN, &out),
		  SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, SHOAL_HB_LEN, &out), SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, len + 1, &out), SHOAL_HB_OVERSIZED);
	CHECK_INT(decode(buf, len + SHOAL_HB_PEER_LEN, &out),
		  SHOAL_HB_OVERSIZED);
	/* a fingerprint's worth more is not a fingerprint the count lacks */
	CHECK_INT(decode(buf, len + SHOAL_HB_PRINT_LEN, &out),
		  SHOAL_HB_OVERSIZED);

	/* and fingerprints: one short, cut before them, one over */
	len = build(buf, &hb, NPEERS, NENTRIES, NPRINTS);
	CHECK_INT(len, 88 + NPEERS * 6 + NENTRIES * 12 + NPRINTS * 8 + 1 + 16);
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK_INT(decode(buf, len - 1, &out), SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, len - SHOAL_HB_PRINT_LEN, &out),
		  SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, len - SHOAL_HB_TAG_LEN - SHOAL_HB_PRINT_LEN,
			 &out), SHOAL_HB_TRUNCATED);
	/* as long as the frame would be without them: still too short */
	CHECK_INT(decode(buf, shoal_hb_len(NPEERS, NENTRIES, 0, 0, 0), &out),
		  SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, len + 1, &out), SHOAL_HB_OVERSIZED);
	CHECK_INT(decode(buf, len + SHOAL_HB_PRINT_LEN, &out),
		  SHOAL_HB_OVERSIZED);

	/* one fingerprint alone */
	len = build(buf, &hb, 0, 0, 1);
	CHECK_INT(len, 113);
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK_INT(decode(buf, len - 1, &out), SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, SHOAL_HB_LEN, &out), SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, len + 1, &out), SHOAL_HB_OVERSIZED);
}

/* Build a good frame, spoil one byte, and expect decode to refuse it. */
static void refused(unsigned int p, unsigned int n, unsigned int f,
		    unsigned int off, u8 val, enum shoal_hb_error want, int line)
{
	static u8 buf[SHOAL_HB_LEN_MAX];
	struct shoal_hb out;
	unsigned int len = build(buf, &sample, p, n, f);

	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	buf[off] = val;
	ktap_check_int(decode(buf, len, &out), want, "decode of a spoilt frame",
		       __FILE__, line);
}

#define REFUSED(p, n, f, off, val) \
	refused((p), (n), (f), (off), (val), SHOAL_HB_BAD_HEADER, __LINE__)

static void bad_headers(void)
{
	struct shoal_hb out;
	static u8 buf[SHOAL_HB_LEN_MAX];
	unsigned int len, p, bit;

	REFUSED(0, 0, 0, 0, 's');
	REFUSED(0, 0, 0, 1, 'h');
	REFUSED(2, 1, 1, 0, 'H');
	REFUSED(0, 0, 0, 2, 1);			/* version 1 */
	REFUSED(0, 0, 0, 2, 2);			/* version 2 */
	REFUSED(NPEERS, NENTRIES, NPRINTS, 2, 2);
	REFUSED(0, 0, 0, 2, 3);			/* version 3 */
	REFUSED(0, 0, 0, 2, 4);			/* version 4 */
	REFUSED(NPEERS, NENTRIES, NPRINTS, 2, 4);
	REFUSED(0, 0, 0, 2, 6);
	REFUSED(NPEERS, 1, 0, 2, 0);
	REFUSED(0, 0, 0, 3, 0);			/* type */
	REFUSED(0, 0, 0, 3, 2);
	REFUSED(0, 0, 0, 3, SHOAL_VLAN_TYPE);
	REFUSED(0, 0, 0, 6, 0);			/* node id 0 */
	REFUSED(NPEERS, NENTRIES, 0, 6, 0);
	REFUSED(0, 0, 0, 7, 0x08);			/* unknown flags */
	REFUSED(0, 0, 0, 7, 0x80);
	REFUSED(NPEERS, NENTRIES, 0, 7, SHOAL_HB_F_STARTING | 0x08);
	REFUSED(NPEERS, NENTRIES, NPRINTS, 7, SHOAL_HB_F_HOLDING | 0x08);
	REFUSED(0, 0, 0, 7, SHOAL_HB_F_ALL | 0x08);
	for (bit = 0x08; bit <= 0x80; bit <<= 1)
		REFUSED(0, 0, 0, 7, bit);
	/* the length field, alone: one off either way, or another high byte */
	REFUSED(0, 0, 0, 5, SHOAL_HB_LEN - 1);
	REFUSED(0, 0, 0, 5, SHOAL_HB_LEN + 1);
	REFUSED(0, 0, 0, 4, 1);
	REFUSED(NPEERS, NENTRIES, 0, 5,
		shoal_hb_len(NPEERS, NENTRIES, 0, 0, 0) - 6);
	/* or a fingerprint's worth either way */
	REFUSED(NPEERS, NENTRIES, NPRINTS, 5,
		shoal_hb_len(NPEERS, NENTRIES, NPRINTS, 0, 0) - 8);
	REFUSED(NPEERS, NENTRIES, NPRINTS, 5,
		shoal_hb_len(NPEERS, NENTRIES, NPRINTS, 0, 0) + 8);
	REFUSED(0, 0, 0, 5, SHOAL_HB_LEN + 8);

	/* a pool count the length does not have, or past the most */
	REFUSED(0, 0, 0, 53, 1);
	REFUSED(NPEERS, NENTRIES, NPRINTS, 53, 0x01);
	len = build(buf, &sample, 0, 0, 0);
	buf[53] = SHOAL_HB_POOLS_MAX + 1;
	set_len(buf, shoal_hb_len(0, 0, 0, SHOAL_HB_POOLS_MAX + 1, 0));
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
	buf[53] = 0x80;
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_BAD_HEADER);

	/*
	 * The counts against the length: a count that does not match the
	 * length field is refused, whatever the frame's size; one that
	 * matches a longer field than the frame has is a truncated frame.
	 */
	REFUSED(2, 2, 0, 14, 3);
	REFUSED(2, 2, 0, 14, 1);
	REFUSED(2, 2, 0, 15, 3);
	REFUSED(2, 2, 0, 15, 1);
	REFUSED(0, 0, 0, 14, 255);
	REFUSED(0, 0, 0, 15, 2);
	REFUSED(2, 2, 2, 52, 3);		/* fingerprints */
	REFUSED(2, 2, 2, 52, 1);
	REFUSED(2, 2, 2, 52, 0);
	REFUSED(0, 0, 0, 52, 1);
	REFUSED(0, 0, 1, 52, 0);
	REFUSED(1, 0, 0, 52, 1);
	len = build(buf, &sample, 2, 2, 0);
	buf[14] = 4;
	set_len(buf, shoal_hb_len(4, 2, 0, 0, 0));
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_TRUNCATED);
	/* (the configuration count is read where the counts put it) */
	buf[14] = 1;
	buf[shoal_hb_cfgs_off(1, 2, 0, 0)] = 0;
	set_len(buf, shoal_hb_len(1, 2, 0, 0, 0));
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OVERSIZED);
	/* the same with the fingerprint count */
	len = build(buf, &sample, 2, 2, 2);
	buf[52] = 4;
	set_len(buf, shoal_hb_len(2, 2, 4, 0, 0));
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_TRUNCATED);
	buf[52] = 1;
	memset(buf + shoal_hb_cfgs_off(2, 2, 1, 0), 0, 8);
	set_len(buf, shoal_hb_len(2, 2, 1, 0, 0));
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OVERSIZED);
	buf[52] = 0;
	buf[shoal_hb_cfgs_off(2, 2, 0, 0)] = 0;
	set_len(buf, shoal_hb_len(2, 2, 0, 0, 0));
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OVERSIZED);
	len = build(buf, &sample, 0, 0, 0);
	buf[52] = 1;
	set_len(buf, shoal_hb_len(0, 0, 1, 0, 0));
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_TRUNCATED);

	/*
	 * More than 64 entries, each of them good, with a length field
	 * that matches them: refused for the count alone.
	 */
	for (p = 0; p <= 1; p++) {
		struct shoal_hb hb = sample;

		hb.npeers = p;
		build(buf, &sample, p, SHOAL_HB_ENTRIES_MAX, 0);
		shoal_hb_put_entry(buf, &hb, SHOAL_HB_ENTRIES_MAX, &entries[0]);
		len = shoal_hb_len(p, SHOAL_HB_ENTRIES_MAX + 1, 0, 0, 0);
		memset(buf + shoal_hb_cfgs_off(p, SHOAL_HB_ENTRIES_MAX + 1, 0, 0), 0,
		       1 + SHOAL_HB_TAG_LEN);
		buf[15] = SHOAL_HB_ENTRIES_MAX + 1;
		set_len(buf, len);
		CHECK_INT(decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
		/* the same frame with 64 of them is good */
		buf[15] = SHOAL_HB_ENTRIES_MAX;
		memset(buf + shoal_hb_cfgs_off(p, SHOAL_HB_ENTRIES_MAX, 0, 0), 0,
		       1 + SHOAL_HB_TAG_LEN);
		len = shoal_hb_len(p, SHOAL_HB_ENTRIES_MAX, 0, 0, 0);
		set_len(buf, len);
		CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	}
	/* 255 entries: longer than any frame may be */
	len = build(buf, &sample, 0, 0, 0);
	buf[15] = 255;
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_BAD_HEADER);

	/* and more than 64 fingerprints, the same way */
	for (p = 0; p <= 1; p++) {
		struct shoal_hb hb = sample;

		hb.npeers = p;
		hb.nentries = 1;
		build(buf, &sample, p, 1, SHOAL_HB_PRINTS_MAX);
		shoal_hb_put_print(buf, &hb, SHOAL_HB_PRINTS_MAX,
				   0x0101010101010101ull);
		len = shoal_hb_len(p, 1, SHOAL_HB_PRINTS_MAX + 1, 0, 0);
		memset(buf + shoal_hb_cfgs_off(p, 1, SHOAL_HB_PRINTS_MAX + 1, 0), 0,
		       1 + SHOAL_HB_TAG_LEN);
		buf[52] = SHOAL_HB_PRINTS_MAX + 1;
		set_len(buf, len);
		CHECK_INT(decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
		/* the same frame with 64 of them is good */
		buf[52] = SHOAL_HB_PRINTS_MAX;
		memset(buf + shoal_hb_cfgs_off(p, 1, SHOAL_HB_PRINTS_MAX, 0), 0,
		       1 + SHOAL_HB_TAG_LEN);
		len = shoal_hb_len(p, 1, SHOAL_HB_PRINTS_MAX, 0, 0);
		set_len(buf, len);
		CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
		CHECK_INT(out.nprints, SHOAL_HB_PRINTS_MAX);
	}
	/* 255 of them, or 128: refused, not read as a length */
	len = build(buf, &sample, 0, 0, 0);
	buf[52] = 255;
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
	buf[52] = 128;
	set_len(buf, shoal_hb_len(0, 0, 128, 0, 0));
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
}

static void bad_peers(void)
{
	const unsigned int rec = SHOAL_HB_PEERS_OFF;

	CHECK_INT(rec, 88);
	/* peers[]: ids 1, 3, 8, 255; the sender is 7 */
	REFUSED(NPEERS, 0, 0, rec + 6, 1);			/* 1, 1 */
	REFUSED(NPEERS, 0, 0, rec + 6, 0);			/* 1, 0 */
	REFUSED(NPEERS, 0, 0, rec + 12, 2);		/* 3, 2 */
	REFUSED(NPEERS, 0, 0, rec + 12, 3);		/* 3, 3 */
	REFUSED(NPEERS, 0, 0, rec + 18, 8);		/* 8, 8 */
	REFUSED(NPEERS, 0, 0, rec + 18, 1);
	REFUSED(NPEERS, 1, 0, rec, 0);			/* id 0 */
	REFUSED(1, 0, 0, rec, 0);
	REFUSED(1, 0, 1, rec, 0);
	REFUSED(NPEERS, 0, 0, rec + 12, 7);		/* the sender */
	REFUSED(NPEERS, 2, 0, rec + 6, 7);
	REFUSED(NPEERS, 2, NPRINTS, rec + 6, 7);
	REFUSED(1, 0, 0, rec, 7);
	REFUSED(NPEERS, 0, 0, rec + 1, 0x02);		/* unknown flags */
	REFUSED(NPEERS, 0, 0, rec + 19, 0x80);
	REFUSED(NPEERS, 0, 0, rec + 19, SHOAL_HB_PEER_ALIVE | 0x10);
	REFUSED(NPEERS, NENTRIES, NPRINTS, rec + 19,
		SHOAL_HB_PEER_ALIVE | 0x10);
	REFUSED(1, 0, 0, rec + 1, 0xff);
	/* and the echo is anything */
	{
		static u8 buf[SHOAL_HB_LEN_MAX];
		struct shoal_hb out;
		unsigned int len = build(buf, &sample, NPEERS, 0, 0);

		memset(buf + rec + 2, 0xff, 4);
		memset(buf + rec + 20, 0, 4);
		CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	}
}

static void bad_entries(void)
{
	unsigned int e0 = shoal_hb_cfgs_off(0, 0, 0, 0);
	unsigned int e4 = shoal_hb_cfgs_off(NPEERS, 0, 0, 0);

	CHECK_INT(e0, 88);
	CHECK_INT(e4, 88 + NPEERS * 6);
	REFUSED(0, 1, 0, e0 + 6, 0);				/* kind */
	REFUSED(0, 1, 0, e0 + 6, SHOAL_HB_ENTRY_FENCING + 1);
	REFUSED(0, 1, 0, e0 + 6, 0xff);
	REFUSED(0, 1, 1, e0 + 6, 0);
	REFUSED(NPEERS, NENTRIES, 0, e4 + 2 * 12 + 6, 0);
	REFUSED(NPEERS, NENTRIES, 0, e4 + 12 + 6, SHOAL_HB_ENTRY_FENCING + 1);
	REFUSED(NPEERS, NENTRIES, NPRINTS, e4 + 3 * 12 + 6, 0);
	REFUSED(0, 1, 0, e0 + 7, 1);				/* reserved */
	REFUSED(0, 1, 0, e0 + 7, 0x80);
	REFUSED(NPEERS, NENTRIES, 0, e4 + 2 * 12 + 7, 1);
	REFUSED(NPEERS, NENTRIES, NPRINTS, e4 + 3 * 12 + 7, 1);
	REFUSED(NPEERS, SHOAL_HB_ENTRIES_MAX, 0, e4 + 63 * 12 + 7, 1);
	REFUSED(NPEERS, SHOAL_HB_ENTRIES_MAX, 0, e4 + 63 * 12 + 6, 0);
	REFUSED(NPEERS, SHOAL_HB_ENTRIES_MAX, SHOAL_HB_PRINTS_MAX,
		e4 + 63 * 12 + 7, 1);
}

/*
 * Fingerprints are not checked: any value decodes, and a byte of one
 * that reads like an entry's kind or reserved byte is none.
 */
static void any_print(void)
{
	static u8 buf[SHOAL_HB_LEN_MAX];
	struct shoal_hb out;
	unsigned int len, off, i;

	len = build(buf, &sample, NPEERS, NENTRIES, NPRINTS);
	off = shoal_hb_cfgs_off(NPEERS, NENTRIES, 0, 0);
	for (i = 0; i < NPRINTS * 8; i++)
		buf[off + i] = i % 2 ? 0xff : 0;
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK(shoal_hb_get_print(buf, &out, 0) == 0x00ff00ff00ff00ffull);
	memset(buf + off, 0, NPRINTS * 8);
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK(shoal_hb_get_print(buf, &out, NPRINTS - 1) == 0);
	/*
	 * and the decoder takes them without the holding flag too: what they
	 * mean then is heartbeat.c's to say (it ignores them)
	 */
	len = build(buf, &sample, 0, 0, 1);
	CHECK_INT(buf[7] & SHOAL_HB_F_HOLDING, 0);
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
}

/* The view's bitmap is not checked: any bits decode, bit 0 included. */
static void any_view(void)
{
	struct shoal_hb hb = sample, out;
	u8 buf[SHOAL_HB_LEN];
	unsigned int i;

	for (i = 0; i < 4; i++)
		hb.view.w[i] = ~0ull;
	build(buf, &hb, 0, 0, 0);
	for (i = 56; i < 88; i++)
		CHECK_INT(buf[i], 0xff);
	CHECK_INT(decode(buf, sizeof(buf), &out), SHOAL_HB_OK);
	CHECK(shoal_idset_equal(&out.view, &hb.view));
	CHECK(shoal_idset_has(&out.view, 0));
	CHECK(shoal_idset_has(&out.view, 255));
	/* the view's bytes run up to the peers, not into the fixed fields */
	CHECK(out.digest == sample.digest);
	CHECK(out.held == sample.held);
	CHECK_INT(out.nprints, 0);
	memset(&hb.view, 0, sizeof(hb.view));
	hb.view.w[1] = 0x8000000000000001ull;
	build(buf, &hb, 0, 0, 0);
	CHECK_INT(decode(buf, sizeof(buf), &out), SHOAL_HB_OK);
	CHECK(shoal_idset_has(&out.view, 64));
	CHECK(shoal_idset_has(&out.view, 127));
	CHECK(!shoal_idset_has(&out.view, 63));
	CHECK(!shoal_idset_has(&out.view, 128));
	CHECK_INT(buf[64], 0x01);
	CHECK_INT(buf[71], 0x80);
}

static void vlan_header(void)
{
	struct shoal_vlan_hdr h = { 9, 4094, 0x01020304, 0x1122334455667788ull,
				    0x99aabbccddeeff00ull, 2 }, out;
	static const u8 want[SHOAL_VLAN_HLEN] = {
		'S', 'H', 2, 3, 0, 0, 0, 0, 0, 0, 0, 0,
		9, 0, 0x0f, 0xfe, 1, 2, 3, 4,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
		0, 2,
	};
	u8 buf[SHOAL_VLAN_OVERHEAD];

	memset(buf, 0xa5, sizeof(buf));
	shoal_vlan_encode(&h, buf);
	CHECK(!memcmp(buf, want, sizeof(want)));
	CHECK_INT(shoal_vlan_decode(buf, sizeof(buf), &out), 0);
	CHECK_INT(out.node_id, 9);
	CHECK_INT(out.vlan, 4094);
	CHECK(out.epoch == 0x01020304);
	CHECK(out.nonce == 0x1122334455667788ull);
	CHECK(out.seq == 0x99aabbccddeeff00ull);
	CHECK_INT(out.len, 2);
	/* the inner frame must fit, and hold its ethertype */
	CHECK_INT(shoal_vlan_decode(buf, sizeof(buf) - 1, &out), -1);
	buf[37] = 1;
	CHECK_INT(shoal_vlan_decode(buf, sizeof(buf), &out), -1);
	buf[37] = 2;
	buf[2] = 1;
	CHECK_INT(shoal_vlan_decode(buf, sizeof(buf), &out), -1);
	buf[2] = 2;
	buf[3] = SHOAL_HB_TYPE;
	CHECK_INT(shoal_vlan_decode(buf, sizeof(buf), &out), -1);
}

/*
 * Configuration entries come back whole, after the pool entries, before
 * the tag; more than 16, a count the length does not have, an unknown
 * kind or a reserved byte set are refused.
 */
static void cfg_round_trip(void)
{
	struct shoal_hb hb = with_view(), out;
	static u8 buf[SHOAL_HB_LEN_MAX + 64];
	struct shoal_hb_cfg c, want;
	unsigned int len, i, off;

	len = build_all(buf, &hb, NPEERS, NENTRIES, NPRINTS, NPOOLS, 3);
	off = shoal_hb_cfgs_off(NPEERS, NENTRIES, NPRINTS, NPOOLS);
	CHECK_INT(len, off + 1 + 3 * 32 + 16);
	memset(&out, 0x5a, sizeof(out));
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK_INT(out.ncfgs, 3);
	CHECK_INT(out.npools, NPOOLS);
	CHECK_INT(buf[off], 3);
	for (i = 0; i < 3; i++) {
		memset(&c, 0x5a, sizeof(c));
		shoal_hb_get_cfg(buf, &out, i, &c);
		want = cfg_at(i);
		CHECK_INT(c.kind, want.kind);
		CHECK(!memcmp(c.key, want.key, sizeof(c.key)));
		CHECK(c.digest == want.digest);
		CHECK_INT(buf[off + 1 + 32 * i], want.kind);
		CHECK(be64_at(buf + off + 1 + 32 * i + 24) == want.digest);
	}
	CHECK_INT(decode(buf, len - 1, &out), SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, len + 1, &out), SHOAL_HB_OVERSIZED);
	/* a count the length field does not have */
	buf[off] = 2;
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
	buf[off] = 4;
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
	buf[off] = 3;
	/* an unknown kind, a reserved byte set */
	buf[off + 1 + 32] = 0;
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
	buf[off + 1 + 32] = 3;
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
	buf[off + 1 + 32] = SHOAL_HB_CFG_PERSONA;
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	buf[off + 1 + 32 + 7] = 1;
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
	/* more than 16, with a length field that has them */
	len = build_all(buf, &hb, 0, 0, 0, 0, SHOAL_HB_CFGS_MAX);
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK_INT(out.ncfgs, SHOAL_HB_CFGS_MAX);
	buf[88] = SHOAL_HB_CFGS_MAX + 1;
	set_len(buf, shoal_hb_len(0, 0, 0, 0, SHOAL_HB_CFGS_MAX + 1));
	CHECK_INT(decode(buf, shoal_hb_len(0, 0, 0, 0, SHOAL_HB_CFGS_MAX + 1),
			 &out), SHOAL_HB_BAD_HEADER);
	buf[88] = 255;
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
}

/* Pool entries come back whole, after everything else, before the tag. */
static void pool_round_trip(void)
{
	struct shoal_hb hb = with_view(), out;
	static u8 buf[SHOAL_HB_LEN_MAX];
	struct shoal_hb_pool e;
	unsigned int len, i;

	len = build_pools(buf, &hb, NPEERS, NENTRIES, NPRINTS, NPOOLS);
	CHECK_INT(len, 88 + NPEERS * 6 + NENTRIES * 12 + NPRINTS * 8 +
		  NPOOLS * 48 + 1 + 16);
	memset(&out, 0x5a, sizeof(out));
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK_INT(out.npools, NPOOLS);
	CHECK_INT(out.nprints, NPRINTS);
	CHECK(shoal_hb_get_print(buf, &out, NPRINTS - 1) ==
	      prints[NPRINTS - 1]);
	for (i = 0; i < NPOOLS; i++) {
		memset(&e, 0x5a, sizeof(e));
		shoal_hb_get_pool(buf, &out, i, &e);
		CHECK_INT(e.family, pools[i].family);
		CHECK_INT(e.proto, pools[i].proto);
		CHECK_INT(e.port, pools[i].port);
		CHECK(!memcmp(e.addr, pools[i].addr, 16));
		CHECK_INT(e.weight, pools[i].weight);
		CHECK_INT(e.util, pools[i].util);
		CHECK_INT(e.nactive, pools[i].nactive);
		CHECK(e.epoch == pools[i].epoch);
		CHECK_INT(e.decider, pools[i].decider);
		CHECK(!memcmp(e.active, pools[i].active, 16));
		CHECK_INT(e.why, pools[i].why);
		CHECK_INT(e.trigger, pools[i].trigger);
	}
	for (i = shoal_hb_cfgs_off(NPEERS, NENTRIES, NPRINTS, NPOOLS); i < len;
	     i++)
		CHECK_INT(buf[i], 0);

	/* pool entries alone */
	len = build_pools(buf, &hb, 0, 0, 0, 1);
	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	CHECK_INT(out.npools, 1);
	CHECK_INT(out.npeers + out.nentries + out.nprints, 0);
	CHECK_INT(decode(buf, len - 1, &out), SHOAL_HB_TRUNCATED);
	CHECK_INT(decode(buf, len + 1, &out), SHOAL_HB_OVERSIZED);
}

/* Every byte of two pool entries, as frame.h lays them out. */
static void pool_layout(void)
{
	static const u8 want[2 * 48] = {
		4, 6, 0, 80, 192, 0, 2, 100, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 1, 37, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		6, 17, 0x14, 0xe9, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 255, 2,
		1, 2, 3, 4, 3, 2, 10, 0,
		3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	static u8 buf[SHOAL_HB_LEN_MAX];
	struct shoal_hb hb = sample;
	unsigned int len, i, off;

	len = build_pools(buf, &hb, 1, 0, 1, 2);
	CHECK_INT(buf[53], 2);
	CHECK_INT(buf[4] << 8 | buf[5], len);
	off = 88 + 6 + 8;
	for (i = 0; i < sizeof(want); i++)
		if (buf[off + i] != want[i])
			CHECK_INT(buf[off + i], want[i]);
	CHECK_INT(off + sizeof(want), shoal_hb_cfgs_off(1, 0, 1, 2));
}

/* Spoil one byte of pool entry i of a good frame; expect a refusal. */
static void pool_refused(unsigned int q, unsigned int i, unsigned int at,
			 u8 val, int line)
{
	static u8 buf[SHOAL_HB_LEN_MAX];
	struct shoal_hb out;
	unsigned int len = build_pools(buf, &sample, NPEERS, 1, 1, q);

	CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	buf[shoal_hb_cfgs_off(NPEERS, 1, 1, i) + at] = val;
	ktap_check_int(decode(buf, len, &out), SHOAL_HB_BAD_HEADER,
		       "decode of a spoilt pool entry", __FILE__, line);
}

#define POOL_REFUSED(q, i, at, val) pool_refused((q), (i), (at), (val), __LINE__)

static void bad_pools(void)
{
	/* pools[]: 0 IPv4 undecided, 1 IPv6 with 3 then 1, 2 with 16 */
	POOL_REFUSED(1, 0, 0, 0);			/* family */
	POOL_REFUSED(1, 0, 0, 5);
	POOL_REFUSED(2, 1, 0, 2);
	POOL_REFUSED(1, 0, 8, 1);			/* IPv4, padded */
	POOL_REFUSED(1, 0, 19, 0x80);
	POOL_REFUSED(1, 0, 29, 1);			/* why, no epoch */
	POOL_REFUSED(2, 1, 29, SHOAL_HB_POOL_WHY_MAX + 1);
	POOL_REFUSED(1, 0, 31, 1);			/* reserved */
	POOL_REFUSED(2, 1, 31, 0xff);
	POOL_REFUSED(1, 0, 28, 1);			/* decider, no epoch */
	POOL_REFUSED(1, 0, 23, 1);			/* members, no epoch */
	POOL_REFUSED(1, 0, 32, 1);
	POOL_REFUSED(2, 1, 28, 0);			/* epoch, no decider */
	POOL_REFUSED(2, 1, 23, 17);			/* too many members */
	POOL_REFUSED(2, 1, 23, 3);			/* a member missing */
	POOL_REFUSED(2, 1, 33, 0);
	POOL_REFUSED(2, 1, 34, 5);			/* one past the count */
	POOL_REFUSED(2, 1, 33, 3);			/* twice */
	POOL_REFUSED(3, 2, 47, 255);
	POOL_REFUSED(3, 2, 47, 0);
	/* and the last of several is checked too */
	POOL_REFUSED(SHOAL_HB_POOLS_MAX, SHOAL_HB_POOLS_MAX - 1, 0, 0);
	{
		static u8 buf[SHOAL_HB_LEN_MAX];
		struct shoal_hb out;
		unsigned int len = build_pools(buf, &sample, 0, 0, 0, 2);
		unsigned int e1 = shoal_hb_cfgs_off(0, 0, 0, 1);

		/* what is not checked: port, weight, utilizations, epoch */
		memset(buf + e1 + 2, 0xff, 2);
		memset(buf + e1 + 20, 0, 3);
		buf[e1 + 30] = 0x77;
		memset(buf + e1 + 24, 0xff, 4);
		CHECK_INT(decode(buf, len, &out), SHOAL_HB_OK);
	}
}

const struct ktap_case frame_cases[] = {
	{ "frame: round trip with view, peers, entries and fingerprints",
	  round_trip },
	{ "frame: flags starting, holding and leaving round trip",
	  flags_round_trip },
	{ "frame: every byte at its offset, view little-endian", byte_layout },
	{ "frame: lengths, truncated and oversized frames", lengths },
	{ "frame: bad magic, version, type, length, counts, node id, flags",
	  bad_headers },
	{ "frame: peers not rising, naming the sender, unknown flags", bad_peers },
	{ "frame: entries of unknown kind, reserved byte set", bad_entries },
	{ "frame: any fingerprint decodes", any_print },
	{ "frame: any view bitmap decodes", any_view },
	{ "frame: virtual LAN header", vlan_header },
	{ "frame: configuration entries round trip, after the pool entries",
	  cfg_round_trip },
	{ "frame: pool entries round trip, after the fingerprints",
	  pool_round_trip },
	{ "frame: pool entries byte by byte", pool_layout },
	{ "frame: pool entries with a bad family, padding, decision, members",
	  bad_pools },
	{ NULL, NULL },
};
