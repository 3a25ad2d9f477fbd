// SPDX-License-Identifier: GPL-2.0
/* The heartbeat frame's encoding, as the module writes and reads it. */
#include <string.h>

#include "frame.h"
#include "ktap.h"

static const struct shoal_hb sample = {
	.node_id = 7,
	.flags = 0,
	.interval_ms = 100,
	.cluster_id = 0xdeadbeef,
	.nonce = 0x0123456789abcdefull,
	.seq = 42,
	.load_pps = 123456,
};

static void round_trip(void)
{
	u8 buf[SHOAL_HB_LEN];
	struct shoal_hb out;

	shoal_hb_encode(&sample, buf);
	CHECK_INT(shoal_hb_decode(buf, sizeof(buf), &out), SHOAL_HB_OK);
	CHECK_INT(out.node_id, 7);
	CHECK_INT(out.interval_ms, 100);
	CHECK(out.cluster_id == 0xdeadbeef);
	CHECK(out.nonce == 0x0123456789abcdefull);
	CHECK(out.seq == 42);
	CHECK(out.load_pps == 123456);
}

static void layout_is_big_endian(void)
{
	static const u8 want[] = {
		'S', 'H', 1, 1, 0, SHOAL_HB_LEN, 7, 0,
		0xde, 0xad, 0xbe, 0xef, 0, 100, 0, 0,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	};
	u8 buf[SHOAL_HB_LEN];
	unsigned int i;

	shoal_hb_encode(&sample, buf);
	CHECK(!memcmp(buf, want, sizeof(want)));
	for (i = SHOAL_HB_TAG_OFF; i < SHOAL_HB_LEN; i++)
		CHECK_INT(buf[i], 0);
}

static void wrong_lengths(void)
{
	u8 buf[SHOAL_HB_LEN + 1];
	struct shoal_hb out;

	shoal_hb_encode(&sample, buf);
	CHECK_INT(shoal_hb_decode(buf, SHOAL_HB_LEN - 1, &out),
		  SHOAL_HB_TRUNCATED);
	CHECK_INT(shoal_hb_decode(buf, 0, &out), SHOAL_HB_TRUNCATED);
	CHECK_INT(shoal_hb_decode(buf, SHOAL_HB_LEN + 1, &out),
		  SHOAL_HB_OVERSIZED);
}

static void bad_headers(void)
{
	static const unsigned int fields[] = { 0, 1, 2, 3, 5 };
	u8 buf[SHOAL_HB_LEN];
	struct shoal_hb out, zero = sample;
	unsigned int i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		shoal_hb_encode(&sample, buf);
		buf[fields[i]] ^= 0x40;
		CHECK_INT(shoal_hb_decode(buf, sizeof(buf), &out),
			  SHOAL_HB_BAD_HEADER);
	}
	zero.node_id = 0;
	shoal_hb_encode(&zero, buf);
	CHECK_INT(shoal_hb_decode(buf, sizeof(buf), &out), SHOAL_HB_BAD_HEADER);
}

static const struct shoal_hb_entry entries[] = {
	{ { 2, 0, 0, 0xaa, 0, 1 }, SHOAL_HB_ENTRY_ACTIVE, 1 },
	{ { 2, 0, 0, 0xaa, 0, 2 }, SHOAL_HB_ENTRY_CLAIM, 0x01020304 },
	{ { 2, 0, 0, 0xaa, 0, 3 }, SHOAL_HB_ENTRY_RELEASED, 0xffffffff },
};

static unsigned int encode_with_entries(u8 *buf, unsigned int n)
{
	struct shoal_hb hb = sample;
	unsigned int i;

	hb.nentries = n;
	shoal_hb_encode(&hb, buf);
	for (i = 0; i < n; i++)
		shoal_hb_put_entry(buf, i, &entries[i % 3]);
	return shoal_hb_len(n);
}

static void entries_round_trip(void)
{
	u8 buf[SHOAL_HB_LEN_MAX];
	struct shoal_hb_entry e;
	struct shoal_hb out;
	unsigned int len, i;

	len = encode_with_entries(buf, 3);
	CHECK_INT(len, 44 + 3 * 12 + 16);
	CHECK_INT(shoal_hb_tag_off(3), 44 + 3 * 12);
	CHECK_INT(buf[3], SHOAL_HB_TYPE_PERSONAS);
	CHECK_INT(buf[4] << 8 | buf[5], len);
	CHECK_INT(buf[40], 3);
	/* the second entry, byte by byte */
	CHECK_INT(buf[56 + 5], 2);
	CHECK_INT(buf[56 + 6], SHOAL_HB_ENTRY_CLAIM);
	CHECK_INT(buf[56 + 8], 1);
	CHECK_INT(buf[56 + 11], 4);
	CHECK_INT(shoal_hb_decode(buf, len, &out), SHOAL_HB_OK);
	CHECK_INT(out.nentries, 3);
	CHECK(out.seq == 42);
	for (i = 0; i < 3; i++) {
		shoal_hb_get_entry(buf, i, &e);
		CHECK(!memcmp(e.mac, entries[i].mac, 6));
		CHECK_INT(e.kind, entries[i].kind);
		CHECK(e.epoch == entries[i].epoch);
	}
	len = encode_with_entries(buf, SHOAL_HB_ENTRIES_MAX);
	CHECK_INT(len, SHOAL_HB_LEN_MAX);
	CHECK_INT(shoal_hb_decode(buf, len, &out), SHOAL_HB_OK);
	CHECK_INT(out.nentries, SHOAL_HB_ENTRIES_MAX);
}

static void bad_entries(void)
{
	u8 buf[SHOAL_HB_LEN_MAX + 1];
	struct shoal_hb out;
	unsigned int len;

	len = encode_with_entries(buf, 2);
	CHECK_INT(shoal_hb_decode(buf, len - 1, &out), SHOAL_HB_TRUNCATED);
	CHECK_INT(shoal_hb_decode(buf, len + 1, &out), SHOAL_HB_OVERSIZED);
	CHECK_INT(shoal_hb_decode(buf, SHOAL_HB_LEN_MAX + 1, &out),
		  SHOAL_HB_OVERSIZED);
	/* an unknown kind, a count the length does not match, reserved */
	buf[44 + 6] = 0;
	CHECK_INT(shoal_hb_decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
	buf[44 + 6] = SHOAL_HB_ENTRY_RELEASED + 1;
	CHECK_INT(shoal_hb_decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
	len = encode_with_entries(buf, 2);
	buf[40] = 3;
	CHECK_INT(shoal_hb_decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
	buf[40] = 0;
	CHECK_INT(shoal_hb_decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
	buf[40] = SHOAL_HB_ENTRIES_MAX + 1;
	CHECK_INT(shoal_hb_decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
	len = encode_with_entries(buf, 2);
	buf[42] = 1;
	CHECK_INT(shoal_hb_decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
	/* a plain heartbeat may not claim to be a longer type */
	len = encode_with_entries(buf, 0);
	buf[3] = SHOAL_HB_TYPE_PERSONAS;
	CHECK_INT(shoal_hb_decode(buf, len, &out), SHOAL_HB_BAD_HEADER);
}

const struct ktap_case frame_cases[] = {
	{ "frame: encode and decode round-trip", round_trip },
	{ "frame: fields are big-endian at fixed offsets", layout_is_big_endian },
	{ "frame: truncated and oversized frames", wrong_lengths },
	{ "frame: bad magic, version, type, length, node id", bad_headers },
	{ "frame: persona entries round-trip", entries_round_trip },
	{ "frame: bad persona entries", bad_entries },
	{ NULL, NULL },
};
