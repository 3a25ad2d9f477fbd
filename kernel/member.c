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
			if (shoal_idset_has(&in->reports[id].view, id) &&
			    !shoal_idset_has(&in->reports[id].view, in->local))
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
