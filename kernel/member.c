// SPDX-License-Identifier: GPL-2.0
/*
 * Membership from heartbeats; see member.h.
 */
#include "member.h"

void shoal_seqwin_init(struct shoal_seqwin *w, u64 seq)
{
	w->top = seq;
	w->seen = 1;
}

void shoal_lateness_init(struct shoal_lateness *l, u64 interval_ns)
{
	/* a deviation of an eighth: the margin starts at half an interval */
	l->mean8 = 0;
	l->dev4 = interval_ns / 2;
}

void shoal_lateness_sample(struct shoal_lateness *l, u64 gap_ns, u64 frames,
			   u64 interval_ns)
{
	u64 turn = frames * interval_ns, late = 0, mean = l->mean8 >> 3;
	u64 dev;

	if (frames && gap_ns > turn)
		late = gap_ns - turn < interval_ns ? gap_ns - turn : interval_ns;
	dev = late > mean ? late - mean : mean - late;
	/* moving means over about the last 8 and 4 frames */
	l->mean8 = l->mean8 - mean + late;
	l->dev4 = l->dev4 - (l->dev4 >> 2) + dev;
}

u64 shoal_lateness_margin(const struct shoal_lateness *l, u64 interval_ns)
{
	u64 margin = (l->mean8 >> 3) + l->dev4;

	return margin < interval_ns / 2 ? margin : interval_ns / 2;
}

int shoal_seqwin_accept(struct shoal_seqwin *w, u64 seq, int64_t *gap)
{
	u64 back, ahead;

	if (seq > w->top) {
		ahead = seq - w->top;
		w->seen = ahead < SHOAL_SEQ_WINDOW ? w->seen << ahead | 1 : 1;
		w->top = seq;
		*gap = (int64_t)(ahead - 1);
		return 1;
	}
	back = w->top - seq;
	if (back >= SHOAL_SEQ_WINDOW || (w->seen >> back) & 1)
		return 0;
	w->seen |= (u64)1 << back;
	*gap = -1;
	return 1;
}

static unsigned int shoal_idset_count(const struct shoal_idset *s)
{
	unsigned int id, n = 0;

	for (id = 1; id <= 255; id++)
		n += shoal_idset_has(s, id);
	return n;
}

static unsigned int shoal_idset_first(const struct shoal_idset *s)
{
	unsigned int id;

	for (id = 1; id <= 255; id++)
		if (shoal_idset_has(s, id))
			return id;
	return 256;
}

/* Whether a side with members a loses to one with members b. */
static int shoal_side_loses(const struct shoal_idset *a,
			    const struct shoal_idset *b)
{
	unsigned int na = shoal_idset_count(a), nb = shoal_idset_count(b);

	return na < nb ||
	       (na == nb && shoal_idset_first(a) > shoal_idset_first(b));
}

/* Whether the member whose report is r holds this node back. */
static int shoal_held_back(const struct shoal_view_input *in,
			   const struct shoal_member_report *r, u32 id)
{
	if (!shoal_idset_has(&r->view, id) ||
	    shoal_idset_has(&r->view, in->local))
		return 0;
	if (!r->hears_local || !shoal_idset_has(&in->prev, in->local))
		return 1;
	return shoal_side_loses(&in->prev, &r->view);
}

void shoal_view_compute(const struct shoal_view_input *in,
			struct shoal_idset *view)
{
	struct shoal_idset out = {};
	int counted = !in->local_starting;
	unsigned int id, i;

	for (id = 1; id <= 255; id++) {
		if (!shoal_idset_has(&in->alive, id))
			continue;
		if (!shoal_idset_has(&in->starting, id)) {
			shoal_idset_add(&out, id);
			if (shoal_held_back(in, &in->reports[id], id))
				counted = 0;
		}
		for (i = 0; i < 4; i++)
			out.w[i] |= in->reports[id].hears.w[i];
	}
	for (i = 0; i < 4; i++)
		out.w[i] &= ~in->starting.w[i];
	shoal_idset_del(&out, 0);
	shoal_idset_del(&out, in->local);
	if (counted && in->local)
		shoal_idset_add(&out, in->local);
	*view = out;
}
