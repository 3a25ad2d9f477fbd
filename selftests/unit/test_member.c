// SPDX-License-Identifier: GPL-2.0
/* Fresh sequence numbers, echoes, and the members a node counts. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "member.h"
#include "ktap.h"

/* accept seq; return whether it was, and the gap it reported (or 99) */
static int accept(struct shoal_seqwin *w, u64 seq, int64_t *gap)
{
	*gap = 99;
	return shoal_seqwin_accept(w, seq, gap);
}

#define ACCEPTED(w, seq, want_gap) do {					\
	int64_t gap_;							\
	CHECK_INT(accept((w), (seq), &gap_), 1);			\
	CHECK_INT(gap_, (want_gap));					\
} while (0)

#define REFUSED(w, seq) do {						\
	int64_t gap_;							\
	CHECK_INT(accept((w), (seq), &gap_), 0);			\
} while (0)

static void seq_in_order(void)
{
	struct shoal_seqwin w;
	u64 s;

	shoal_seqwin_init(&w, 1000);
	REFUSED(&w, 1000);			/* the first one, again */
	for (s = 1001; s < 1200; s++)
		ACCEPTED(&w, s, 0);
	CHECK(w.top == 1199);
	/* every one of them twice, and anything older */
	for (s = 990; s < 1200; s++)
		REFUSED(&w, s);
	REFUSED(&w, 0);
	ACCEPTED(&w, 1200, 0);
	REFUSED(&w, 1200);

	/* at the top of the range */
	shoal_seqwin_init(&w, ~0ull - 1);
	ACCEPTED(&w, ~0ull, 0);
	REFUSED(&w, ~0ull);
	REFUSED(&w, ~0ull - 1);
	REFUSED(&w, 0);
}

static void seq_gaps(void)
{
	struct shoal_seqwin w;

	shoal_seqwin_init(&w, 5);
	ACCEPTED(&w, 6, 0);
	ACCEPTED(&w, 9, 2);			/* 7 and 8 lost */
	ACCEPTED(&w, 10, 0);
	ACCEPTED(&w, 10 + 64, 63);		/* all of a window lost */
	ACCEPTED(&w, 10 + 64 + 1000, 999);
	ACCEPTED(&w, (1ull << 40), (int64_t)((1ull << 40) - 1074 - 1));
	CHECK(w.top == 1ull << 40);
}

/* Frames the network reordered count once, as filling a gap. */
static void seq_reordered(void)
{
	struct shoal_seqwin w;
	u64 s;

	shoal_seqwin_init(&w, 100);
	ACCEPTED(&w, 104, 3);
	ACCEPTED(&w, 102, -1);
	REFUSED(&w, 102);
	ACCEPTED(&w, 101, -1);
	ACCEPTED(&w, 103, -1);
	REFUSED(&w, 101);
	REFUSED(&w, 103);
	REFUSED(&w, 104);
	REFUSED(&w, 100);

	/* the oldest one the window holds, and the one just past it */
	shoal_seqwin_init(&w, 1000);
	ACCEPTED(&w, 1100, 99);
	ACCEPTED(&w, 1100 - 63, -1);
	REFUSED(&w, 1100 - 63);
	REFUSED(&w, 1100 - 64);
	REFUSED(&w, 1100 - 65);
	/* the window moves with the top: what was its oldest falls out */
	ACCEPTED(&w, 1101, 0);
	REFUSED(&w, 1100 - 63);
	ACCEPTED(&w, 1101 - 63, -1);

	/* every other one, then the others in reverse */
	shoal_seqwin_init(&w, 0);
	for (s = 2; s <= 126; s += 2)
		ACCEPTED(&w, s, 1);
	for (s = 125; s > 126 - 64; s -= 2)
		ACCEPTED(&w, s, -1);
	for (s = 126 - 63; s <= 126; s++)
		REFUSED(&w, s);
	for (s = 0; s < 126 - 63; s++)
		REFUSED(&w, s);
}

/* A jump a window long or longer: what came before is all out of it. */
static void seq_jumps(void)
{
	struct shoal_seqwin w;
	u64 s;

	/* 63 ahead: the old top is still in the window, as seen */
	shoal_seqwin_init(&w, 500);
	ACCEPTED(&w, 499 + 64, 62);
	REFUSED(&w, 500);
	for (s = 501; s < 499 + 64; s++)
		ACCEPTED(&w, s, -1);

	/* 64 ahead: nothing from before counts, nothing after is seen */
	shoal_seqwin_init(&w, 500);
	ACCEPTED(&w, 501, 0);
	ACCEPTED(&w, 501 + 64, 63);
	REFUSED(&w, 501);
	REFUSED(&w, 500);
	REFUSED(&w, 501 + 64);
	for (s = 502; s < 501 + 64; s++)
		ACCEPTED(&w, s, -1);
	for (s = 502; s <= 501 + 64; s++)
		REFUSED(&w, s);

	/* far ahead: the bits seen before are not carried over */
	shoal_seqwin_init(&w, 500);
	for (s = 501; s < 600; s++)
		ACCEPTED(&w, s, 0);
	ACCEPTED(&w, 600 + 130, 130);
	for (s = 600 + 130 - 63; s < 600 + 130; s++)
		ACCEPTED(&w, s, -1);
	REFUSED(&w, 600 + 130 - 64);
	REFUSED(&w, 599);
}

static void echoes(void)
{
	u64 last = 0x100000005ull;	/* low 32 bits wrapped past zero */

	CHECK(shoal_echo_within(last, 5, 0));
	CHECK(!shoal_echo_within(last, 4, 0));
	CHECK(shoal_echo_within(last, 5, 10));
	CHECK(shoal_echo_within(last, 0, 10));
	CHECK(shoal_echo_within(last, 0xffffffff, 10));	/* 6 back */
	CHECK(shoal_echo_within(last, 0xfffffffb, 10));	/* 10 back */
	CHECK(!shoal_echo_within(last, 0xfffffffa, 10));	/* 11 back */
	CHECK(!shoal_echo_within(last, 6, 10));			/* ahead */
	CHECK(!shoal_echo_within(last, 15, 10));
	CHECK(!shoal_echo_within(last, 0x80000005, 10));
	/* an echo of a whole boot: the window is as long as the boot */
	CHECK(shoal_echo_within(0x7fffffff0ull, 0xffffff00, 0x10000));
	CHECK(!shoal_echo_within(0x7fffffff0ull, 0xfffe0000, 0x10000));
	CHECK(shoal_echo_within(0x1234ull << 32 | 7, 7, 0));
	CHECK(shoal_echo_within(0x1234ull << 32 | 7, 8, 0xffffffffull));
	/* a window wider than 32 bits takes every echo */
	CHECK(shoal_echo_within(5, 6, 1ull << 32));
}

/* --- the view ------------------------------------------------------------ */

#define N 256

static struct shoal_idset set(int id, ...)
{
	struct shoal_idset s = {};
	va_list ap;

	va_start(ap, id);
	for (; id >= 0; id = va_arg(ap, int))
		shoal_idset_add(&s, id);
	va_end(ap);
	return s;
}

#define SET(...) set(__VA_ARGS__, -1)
#define NONE set(-1)

static const char *show(const struct shoal_idset *s)
{
	static char buf[4][256 * 4];
	static unsigned int turn;
	char *p = buf[turn++ % 4], *q = p;
	unsigned int id;

	*q = 0;
	for (id = 0; id < N; id++)
		if (shoal_idset_has(s, id))
			q += sprintf(q, "%s%u", q == p ? "" : ",", id);
	return p;
}

#define CHECK_SET(got, want) do {					\
	struct shoal_idset got_ = (got), want_ = (want);		\
	CHECK_STR(show(&got_), show(&want_));				\
} while (0)

static struct shoal_member_report reports[N];

/* the view computed before, for view_of(): this node was not counted */
static struct shoal_idset prev_view;

static struct shoal_idset view_of(u32 local, int starting,
				  struct shoal_idset alive,
				  struct shoal_idset peers_starting)
{
	struct shoal_view_input in = {
		.local = local,
		.local_starting = starting,
		.alive = alive,
		.starting = peers_starting,
		.prev = prev_view,
		.reports = reports,
	};
	struct shoal_idset view;

	memset(&view, 0xa5, sizeof(view));
	shoal_view_compute(&in, &view);
	return view;
}

static void report(u32 id, struct shoal_idset hears, struct shoal_idset view)
{
	reports[id].hears = hears;
	reports[id].view = view;
}

/*
 * A cluster of nodes 1 to n whose links are hear[i][j] (i hears j), all
 * past starting: each node's view computed from the others' latest
 * frames, round after round, until none changes. Each starts out counting
 * every node; returns whether they settled.
 */
static int settle(unsigned int n, const int hear[][8],
		  struct shoal_idset *views)
{
	struct shoal_member_report rep[8];
	struct shoal_idset next[8];
	unsigned int i, j, round;
	int changed = 1;

	for (i = 1; i <= n; i++)
		views[i] = NONE;
	for (i = 1; i <= n; i++)
		for (j = 1; j <= n; j++)
			shoal_idset_add(&views[i], j);
	for (round = 0; round < 10 && changed; round++) {
		/* what each node's frames say: whom it hears, its view */
		for (i = 1; i <= n; i++) {
			rep[i].hears = NONE;
			for (j = 1; j <= n; j++)
				if (j != i && hear[i][j])
					shoal_idset_add(&rep[i].hears, j);
			rep[i].view = views[i];
		}
		changed = 0;
		for (i = 1; i <= n; i++) {
			struct shoal_idset alive = NONE;

			memset(reports, 0, sizeof(reports));
			for (j = 1; j <= n; j++) {
				if (j == i || !hear[i][j])
					continue;
				shoal_idset_add(&alive, j);
				reports[j] = rep[j];
			}
			next[i] = view_of(i, 0, alive, NONE);
			changed |= !shoal_idset_equal(&next[i], &views[i]);
		}
		for (i = 1; i <= n; i++)
			views[i] = next[i];
	}
	memset(reports, 0, sizeof(reports));
	return !changed;
}

static void view_all_agree(void)
{
	memset(reports, 0, sizeof(reports));
	report(2, SET(1, 3), SET(1, 2, 3));
	report(3, SET(1, 2), SET(1, 2, 3));
	CHECK_SET(view_of(1, 0, SET(2, 3), NONE), SET(1, 2, 3));
	/* node ids far apart, in every word of the set */
	memset(reports, 0, sizeof(reports));
	report(64, SET(1, 200, 255), SET(1, 64, 200, 255));
	report(200, SET(1, 64, 255), SET(1, 64, 200, 255));
	report(255, SET(1, 64, 200), SET(1, 64, 200, 255));
	report(1, SET(64, 200, 255), SET(1, 64, 200, 255));
	CHECK_SET(view_of(1, 0, SET(64, 200, 255), NONE),
		  SET(1, 64, 200, 255));
	CHECK_SET(view_of(255, 0, SET(1, 64, 200), NONE),
		  SET(1, 64, 200, 255));
	/* the highest id, heard by nobody else */
	memset(reports, 0, sizeof(reports));
	report(255, NONE, SET(1, 255));
	CHECK_SET(view_of(1, 0, SET(255), NONE), SET(1, 255));
	/* nobody else alive: this node alone */
	memset(reports, 0, sizeof(reports));
	CHECK_SET(view_of(4, 0, NONE, NONE), SET(4));
	CHECK_SET(view_of(4, 1, NONE, NONE), NONE);
}

/* 1 and 2 do not hear each other; both hear 3, and 3 both of them. */
static void view_partial_partition(void)
{
	static const int hear[8][8] = {
		[1] = { [3] = 1 },
		[2] = { [3] = 1 },
		[3] = { [1] = 1, [2] = 1 },
	};
	struct shoal_idset views[8];

	memset(reports, 0, sizeof(reports));
	report(3, SET(1, 2), SET(1, 2, 3));
	CHECK_SET(view_of(1, 0, SET(3), NONE), SET(1, 2, 3));
	CHECK_SET(view_of(2, 0, SET(3), NONE), SET(1, 2, 3));
	memset(reports, 0, sizeof(reports));
	report(1, SET(3), SET(1, 2, 3));
	report(2, SET(3), SET(1, 2, 3));
	CHECK_SET(view_of(3, 0, SET(1, 2), NONE), SET(1, 2, 3));

	CHECK(settle(3, hear, views));
	CHECK_SET(views[1], SET(1, 2, 3));
	CHECK_SET(views[2], SET(1, 2, 3));
	CHECK_SET(views[3], SET(1, 2, 3));
}

/*
 * Two nodes, a link that works one way: 1 hears 2, 2 does not hear 1.
 * 2 counts itself alone; 1, left out of 2's view, steps down.
 */
static void view_one_way_link(void)
{
	static const int hear[8][8] = { [1] = { [2] = 1 } };
	struct shoal_idset views[8];

	CHECK(settle(2, hear, views));
	CHECK_SET(views[1], SET(2));
	CHECK_SET(views[2], SET(2));
}

/* Five nodes, every link up but 1 - 2. */
static void view_five_one_link_cut(void)
{
	int hear[8][8] = {};
	struct shoal_idset views[8];
	unsigned int i, j;

	for (i = 1; i <= 5; i++)
		for (j = 1; j <= 5; j++)
			hear[i][j] = i != j;
	hear[1][2] = 0;
	hear[2][1] = 0;
	CHECK(settle(5, hear, views));
	for (i = 1; i <= 5; i++)
		CHECK_SET(views[i], SET(1, 2, 3, 4, 5));

	/* and cut in two, {1, 2} | {3, 4, 5}: each side on its own */
	for (i = 1; i <= 5; i++)
		for (j = 1; j <= 5; j++)
			hear[i][j] = i != j && (i <= 2) == (j <= 2);
	CHECK(settle(5, hear, views));
	CHECK_SET(views[1], SET(1, 2));
	CHECK_SET(views[2], SET(1, 2));
	for (i = 3; i <= 5; i++)
		CHECK_SET(views[i], SET(3, 4, 5));

	/* 3 hears nobody, nobody hears 3 */
	for (i = 1; i <= 5; i++)
		for (j = 1; j <= 5; j++)
			hear[i][j] = i != j && i != 3 && j != 3;
	CHECK(settle(5, hear, views));
	CHECK_SET(views[3], SET(3));
	for (i = 1; i <= 5; i++)
		if (i != 3)
			CHECK_SET(views[i], SET(1, 2, 4, 5));
}

static void view_starting_peers(void)
{
	/* 3 is alive and says it is starting: no member, whoever hears it */
	memset(reports, 0, sizeof(reports));
	report(2, SET(1, 3), SET(1, 2));
	report(3, SET(1, 2), SET(1, 2, 3));
	CHECK_SET(view_of(1, 0, SET(2, 3), SET(3)), SET(1, 2));

	/* 3 is heard saying so, not alive yet: a relay does not make it one */
	memset(reports, 0, sizeof(reports));
	report(2, SET(1, 3), SET(1, 2, 3));
	CHECK_SET(view_of(1, 0, SET(2), SET(3)), SET(1, 2));
	/* ... and once this node stops hearing it say so, the relay does */
	CHECK_SET(view_of(1, 0, SET(2), NONE), SET(1, 2, 3));

	/* a starting peer relays: whom it hears from their own frames */
	memset(reports, 0, sizeof(reports));
	report(2, SET(1), SET(1, 2));
	report(3, SET(1, 4), NONE);
	CHECK_SET(view_of(1, 0, SET(2, 3), SET(3)), SET(1, 2, 4));
	/* ... but not whom it counts as members */
	report(3, NONE, SET(1, 4, 5));
	CHECK_SET(view_of(1, 0, SET(2, 3), SET(3)), SET(1, 2));
	/* and its view, lacking this node, does not put this node out */
	report(3, SET(1), SET(3));
	CHECK_SET(view_of(1, 0, SET(2, 3), SET(3)), SET(1, 2));
	/* only whom it hears counts, not whom it counts as members */
	memset(reports, 0, sizeof(reports));
	report(2, NONE, SET(1, 2, 6));
	CHECK_SET(view_of(1, 0, SET(2), NONE), SET(1, 2));

	/* every peer starting: none of them, and this node alone */
	memset(reports, 0, sizeof(reports));
	report(2, SET(1, 3), NONE);
	report(3, SET(1, 2), NONE);
	CHECK_SET(view_of(1, 0, SET(2, 3), SET(2, 3)), SET(1));
}

/*
 * A split heals: two sides that each counted themselves in hear each
 * other again before either counts the other. The side that loses (fewer
 * members; on a tie, not the lowest id) steps back; the other keeps
 * serving. A member that does not hear this node always holds it back.
 */
static void view_split_heals(void)
{
	/* {1, 2} and {3}: node 1 stays, node 3 steps back */
	memset(reports, 0, sizeof(reports));
	report(2, SET(1), SET(1, 2));
	report(3, NONE, SET(3));
	reports[2].hears_local = 1;
	reports[3].hears_local = 1;
	prev_view = SET(1, 2);
	CHECK_SET(view_of(1, 0, SET(2, 3), NONE), SET(1, 2, 3));
	memset(reports, 0, sizeof(reports));
	report(1, SET(2), SET(1, 2));
	report(2, SET(1), SET(1, 2));
	reports[1].hears_local = 1;
	reports[2].hears_local = 1;
	prev_view = SET(3);
	CHECK_SET(view_of(3, 0, SET(1, 2), NONE), SET(1, 2));
	/* ... but node 1 steps back too if node 3 does not hear it */
	memset(reports, 0, sizeof(reports));
	report(2, SET(1), SET(1, 2));
	report(3, NONE, SET(3));
	reports[2].hears_local = 1;
	prev_view = SET(1, 2);
	CHECK_SET(view_of(1, 0, SET(2, 3), NONE), SET(2, 3));
	/* {1, 2} and {3, 4}, a tie: the side of node 1 stays */
	memset(reports, 0, sizeof(reports));
	report(3, SET(4), SET(3, 4));
	report(4, SET(3), SET(3, 4));
	reports[3].hears_local = 1;
	reports[4].hears_local = 1;
	prev_view = SET(1, 2);
	CHECK_SET(view_of(2, 0, SET(3, 4), NONE), SET(2, 3, 4));
	memset(reports, 0, sizeof(reports));
	report(1, SET(2), SET(1, 2));
	report(2, SET(1), SET(1, 2));
	reports[1].hears_local = 1;
	reports[2].hears_local = 1;
	prev_view = SET(3, 4);
	CHECK_SET(view_of(4, 0, SET(1, 2), NONE), SET(1, 2));
	/* a node not counted before (joining) waits, whatever the sizes */
	prev_view = SET(1, 2, 3);
	CHECK_SET(view_of(4, 0, SET(1, 2), NONE), SET(1, 2));
	prev_view = NONE;
	memset(reports, 0, sizeof(reports));
}

static void view_local_node(void)
{
	/* starting: left out, whatever the others say of it */
	memset(reports, 0, sizeof(reports));
	report(2, SET(1, 3), SET(1, 2, 3));
	report(3, SET(1, 2), SET(1, 2, 3));
	CHECK_SET(view_of(1, 1, SET(2, 3), NONE), SET(2, 3));
	CHECK_SET(view_of(1, 1, NONE, NONE), NONE);

	/* a member it hears leaves it out of its view: it steps down */
	report(3, SET(1, 2), SET(2, 3));
	CHECK_SET(view_of(1, 0, SET(2, 3), NONE), SET(2, 3));
	report(2, SET(1, 3), SET(2, 3));
	report(3, SET(1, 2), SET(1, 2, 3));
	CHECK_SET(view_of(1, 0, SET(2, 3), NONE), SET(2, 3));
	/* not when that peer is starting */
	CHECK_SET(view_of(1, 0, SET(2, 3), SET(2)), SET(1, 3));
	/* nor when it is not alive: its last report is stale */
	CHECK_SET(view_of(1, 0, SET(3), NONE), SET(1, 2, 3));
}

/* A peer not alive relays nothing, and its view counts for nothing. */
static void view_dead_relay(void)
{
	memset(reports, 0, sizeof(reports));
	report(2, SET(1, 3), SET(1, 2, 3));
	report(3, SET(1, 2, 4), SET(2, 3, 4));
	CHECK_SET(view_of(1, 0, SET(2), NONE), SET(1, 2, 3));
	CHECK_SET(view_of(1, 0, NONE, NONE), SET(1));
	/* starting, not alive: the same */
	CHECK_SET(view_of(1, 0, SET(2), SET(3)), SET(1, 2));
}

static void view_no_node_zero(void)
{
	memset(reports, 0, sizeof(reports));
	report(0, SET(5), SET(0, 5));
	report(2, SET(0, 1, 3), SET(0, 1, 2, 3));
	report(3, SET(0, 1, 2), SET(0, 1, 2, 3));
	CHECK_SET(view_of(1, 0, SET(0, 2, 3), NONE), SET(1, 2, 3));
	CHECK_SET(view_of(1, 0, SET(0, 2, 3), SET(0)), SET(1, 2, 3));
	/* no local id: nothing for it either */
	CHECK_SET(view_of(0, 0, SET(2, 3), NONE), SET(1, 2, 3));
	CHECK_SET(view_of(0, 1, SET(2, 3), NONE), SET(1, 2, 3));
}

/* What others say of this node never makes it a member. */
static void view_local_not_relayed(void)
{
	memset(reports, 0, sizeof(reports));
	report(2, SET(1, 3), SET(1, 2, 3));
	report(3, SET(1, 2), SET(1, 2, 3));
	CHECK_SET(view_of(1, 1, SET(2, 3), NONE), SET(2, 3));
	report(2, SET(1, 3), SET(2, 3));
	CHECK_SET(view_of(1, 0, SET(2, 3), NONE), SET(2, 3));
	/* this node among the starting ones (it says so itself) */
	CHECK_SET(view_of(1, 1, SET(3), SET(1)), SET(2, 3));
}

#define MS 1000000ull

static void lateness_margin(void)
{
	struct shoal_lateness l;
	int i;

	/* a new peer: the whole half interval */
	shoal_lateness_init(&l, 100 * MS);
	CHECK(shoal_lateness_margin(&l, 100 * MS) == 50 * MS);
	/* frames on time: the margin melts away */
	for (i = 0; i < 64; i++)
		shoal_lateness_sample(&l, 100 * MS, 1, 100 * MS);
	CHECK(shoal_lateness_margin(&l, 100 * MS) < MS / 10);
	/* early ones count nothing, the ones after them neither */
	for (i = 0; i < 64; i++)
		shoal_lateness_sample(&l, i % 2 ? 90 * MS : 100 * MS, 1,
				      100 * MS);
	CHECK(shoal_lateness_margin(&l, 100 * MS) < MS / 10);
	/* each 1 ms late: that, and no deviation */
	for (i = 0; i < 64; i++)
		shoal_lateness_sample(&l, 101 * MS, 1, 100 * MS);
	CHECK(shoal_lateness_margin(&l, 100 * MS) > 9 * MS / 10);
	CHECK(shoal_lateness_margin(&l, 100 * MS) < 11 * MS / 10);
	/* after two lost frames, 1 ms late against three turns */
	shoal_lateness_init(&l, 100 * MS);
	for (i = 0; i < 64; i++)
		shoal_lateness_sample(&l, 301 * MS, 3, 100 * MS);
	CHECK(shoal_lateness_margin(&l, 100 * MS) > 9 * MS / 10);
	CHECK(shoal_lateness_margin(&l, 100 * MS) < 11 * MS / 10);
	/* jitter: every other frame 4 ms late; the margin covers it */
	for (i = 0; i < 64; i++)
		shoal_lateness_sample(&l, i % 2 ? 104 * MS : 100 * MS, 1,
				      100 * MS);
	CHECK(shoal_lateness_margin(&l, 100 * MS) > 4 * MS);
	CHECK(shoal_lateness_margin(&l, 100 * MS) < 12 * MS);
	/* a long silence is one interval late, and the margin at most
	 * half an interval however late frames come
	 */
	shoal_lateness_init(&l, 10 * MS);
	for (i = 0; i < 64; i++)
		shoal_lateness_sample(&l, 5000 * MS, 1, 10 * MS);
	CHECK(shoal_lateness_margin(&l, 10 * MS) == 5 * MS);
	CHECK(l.mean8 <= 8 * 10 * MS);
	/* one late frame among on-time ones counts, then fades */
	shoal_lateness_init(&l, 10 * MS);
	for (i = 0; i < 64; i++)
		shoal_lateness_sample(&l, 10 * MS, 1, 10 * MS);
	shoal_lateness_sample(&l, 14 * MS, 1, 10 * MS);
	CHECK(shoal_lateness_margin(&l, 10 * MS) >= 2 * MS);
	for (i = 0; i < 32; i++)
		shoal_lateness_sample(&l, 10 * MS, 1, 10 * MS);
	CHECK(shoal_lateness_margin(&l, 10 * MS) < MS / 10);
}

const struct ktap_case member_cases[] = {
	{ "member: sequence numbers in order, each once", seq_in_order },
	{ "member: gaps in sequence numbers counted as lost", seq_gaps },
	{ "member: reordered within the window: accepted once, gap -1",
	  seq_reordered },
	{ "member: a jump a window long or more starts the window afresh",
	  seq_jumps },
	{ "member: echoes of the low 32 bits, across their wrap", echoes },
	{ "member: a peer's margin follows how late its frames come",
	  lateness_margin },
	{ "member: view: all peers alive and agreeing", view_all_agree },
	{ "member: view: 1 and 2 cut, both hear 3: all three members",
	  view_partial_partition },
	{ "member: view: a link one way only", view_one_way_link },
	{ "member: view: five nodes, one link cut, or split", view_five_one_link_cut },
	{ "member: view: starting peers, heard or relayed, are no members",
	  view_starting_peers },
	{ "member: view: this node, starting or left out by a member",
	  view_local_node },
	{ "member: view: a dead relay relays nothing", view_dead_relay },
	{ "member: view: a split heals, the losing side steps back",
	  view_split_heals },
	{ "member: view: node 0 never a member", view_no_node_zero },
	{ "member: view: this node is never a member by relay",
	  view_local_not_relayed },
	{ NULL, NULL },
};
