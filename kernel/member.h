/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Membership from heartbeats: which frames are fresh, and which nodes a
 * node counts as members. Pure computation, shared by the module and
 * host-side tests: it needs no kernel and keeps no state of its own.
 */
#ifndef _SHOAL_MEMBER_H
#define _SHOAL_MEMBER_H

#include "frame.h"

/*
 * The sequence numbers accepted from one boot: the highest, and which of
 * the SHOAL_SEQ_WINDOW below it were seen, so that a frame that arrives
 * late (reordered by the network) still counts and a copy never does.
 */
#define SHOAL_SEQ_WINDOW	64

struct shoal_seqwin {
	u64 top;
	u64 seen;	/* bit i: top - i was accepted */
};

void shoal_seqwin_init(struct shoal_seqwin *w, u64 seq);

/*
 * Whether seq is fresh; if it is, it is recorded. *gap is set to the
 * number of sequence numbers it skipped (counted as lost), or to -1 for
 * a late one that filled a gap counted before.
 */
int shoal_seqwin_accept(struct shoal_seqwin *w, u64 seq, int64_t *gap);

/*
 * Whether echo, the low 32 bits of a sequence number a peer says it
 * heard from us, names one of our frames from first to last (our boot),
 * and whether it names one of our last window frames (a recent one).
 */
static inline int shoal_echo_within(u64 last, u32 echo, u64 window)
{
	return (u32)((u32)last - echo) <= window;
}

/*
 * How late a peer's frames come: of each, how much later than its turn
 * it arrived, a turn being an interval after the frame before (as many
 * as the sequence numbers it skipped: frames lost). One early counts
 * nothing; one is at most an interval late. A peer is declared down
 * after dead intervals of silence and a margin: the moving mean of that
 * lateness and four times its mean deviation (as TCP's retransmission
 * timeout is set from round trips), at most half an interval. It is what
 * the jitter seen on the peer's path needs, so that dead frames must be
 * lost, not dead - 1 and a late one, and no more, so that a quiet path
 * fails over in dead intervals. A new peer starts at the half interval.
 */
struct shoal_lateness {
	u64 mean8;	/* ns, times 8 */
	u64 dev4;	/* the mean deviation, ns, times 4 */
};

void shoal_lateness_init(struct shoal_lateness *l, u64 interval_ns);

/* A fresh frame, gap_ns after the one before, frames sequence numbers on */
void shoal_lateness_sample(struct shoal_lateness *l, u64 gap_ns, u64 frames,
			   u64 interval_ns);

u64 shoal_lateness_margin(const struct shoal_lateness *l, u64 interval_ns);

/* What a peer's latest frame says of the others. */
struct shoal_member_report {
	/* whom it counts alive from their frames: all, and those of
	 * which it heard more than we did
	 */
	struct shoal_idset relays;
	struct shoal_idset hears;
	struct shoal_idset view;	/* whom it counts as members */
	int hears_local;		/* it has a record of us */
};

/* What the view of one node is computed from. */
struct shoal_view_input {
	u32 local;			/* this node's id */
	int local_starting;		/* it has not heard the others yet */
	/* the members as computed last time, us included if we were */
	struct shoal_idset prev;
	/* peers counted alive from their own frames, starting or not */
	struct shoal_idset alive;
	/* peers whose latest frame says they are starting */
	struct shoal_idset starting;
	/* indexed by node id: what each peer alive reports */
	const struct shoal_member_report *reports;
};

/*
 * The members: every peer alive that is not starting; every node that
 * such a peer, or one starting, counts alive from the node's own frames
 * (heard indirectly), unless this node hears it say it is starting; and
 * this node itself, once it has stopped starting, unless a member that
 * counts itself in counts this node out. Such a member gives this node's
 * buckets to others, so this node steps back, owning nothing, until it
 * is counted:
 *  - always if that member does not hear this node (a one-way link);
 *  - always if this node is not counted already (it joins, or comes
 *    back): it takes its buckets after the others gave them up;
 *  - if both count themselves in and each hears the other (the two sides
 *    of a split that heals), only the side that loses steps back: the
 *    side with fewer members, or on a tie the side without the lowest
 *    id. The other keeps serving while the loser rejoins.
 */
void shoal_view_compute(const struct shoal_view_input *in,
			struct shoal_idset *view);

#endif /* _SHOAL_MEMBER_H */
