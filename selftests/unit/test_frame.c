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

const struct ktap_case frame_cases[] = {
	{ "frame: encode and decode round-trip", round_trip },
	{ "frame: fields are big-endian at fixed offsets", layout_is_big_endian },
	{ "frame: truncated and oversized frames", wrong_lengths },
	{ "frame: bad magic, version, type, length, node id", bad_headers },
	{ NULL, NULL },
};
