/* An input that ends without its trailer (docs/mc-tunnel-put.md "Input"):
 * its source stopped, maybe inside a transaction. What came after the last
 * boundary (a mark: txn_end, heartbeat, chunk_end, snapshot_end; or a
 * commit) is taken back before the last commit: the change rows from their
 * partition buffers, the source's positions in the ledger; the rows of a
 * snapshot chunk whose chunk_end did not come are dropped by chunk.c. Each
 * is saved lazily, at the first change after a boundary. */
#include "sink/sink_int.h"

#include <stdio.h>
#include <string.h>

void sink_open_note_change(struct sink *s)
{
	struct mc_ledger *l;
	if (s->lgen == s->bgen)
		return;
	l = sink_src(s);
	s->lgen = s->bgen;
	s->lsave.has_pos = l->has_pos;
	s->lsave.pos = l->pos;
	s->lsave.has_first = l->has_first;
	s->lsave.first_pos = l->first_pos;
	s->lsave.first_time = l->first_time;
	s->lsave.has_hw = l->has_hw;
	s->lsave.hw_time = l->hw_time;
	s->lsave.ncuts = l->ncuts;
	s->lsave.dirty = s->dirty;
}

void sink_open_note_row(struct sink *s, struct sink_pbuf *p, int snap)
{
	struct sink_psave *v = &p->bsave;
	/* snapshot and change rows of one buffer since the boundary (a mixed
	 * stream into --route=base or log): the chunk's and the boundary's
	 * states would not nest; keep all (as a commit there would) */
	if (snap) {
		if (p->bgen == s->bgen)
			s->bkeep = 1;
		return;
	}
	if (s->nopen)
		s->bkeep = 1;
	if (p->bgen == s->bgen)
		return;
	p->bgen = s->bgen;
	sink_pbuf_save(p, v);
}

/* (the chunks after the rest: chunk_keep may move dirty; where chunk and
 * boundary states share a buffer, bkeep says to take nothing back) */
int sink_open_end(struct sink *s, struct mc_err *err)
{
	if (s->bkeep)
		goto chunks;
	for (size_t i = 0; i < s->npbufs; i++) {
		struct sink_pbuf *p = s->pbufs[i];
		const struct sink_psave *v = &p->bsave;
		if (p->bgen != s->bgen)
			continue;
		sink_pbuf_restore(s, p, v);
		p->bgen = 0;
	}
	if (s->lgen == s->bgen) {
		struct mc_ledger *l = sink_src(s);
		l->has_pos = s->lsave.has_pos;
		l->pos = s->lsave.pos;
		l->has_first = s->lsave.has_first;
		if (!l->has_first)
			l->has_log_from = 0; /* (set with the first change: accept_change) */
		l->first_pos = s->lsave.first_pos;
		l->first_time = s->lsave.first_time;
		l->has_hw = s->lsave.has_hw;
		l->hw_time = s->lsave.hw_time;
		l->ncuts = s->lsave.ncuts;
		s->dirty = s->lsave.dirty;
		s->lgen = 0;
	}
chunks:
	if (sink_close_open_chunks(s, 1, err) < 0)
		return -1;
	sink_boundary(s);
	return 0;
}

/* The input ended without its trailer (an open end, from a pipe): its
 * source stopped, and the sink cannot know why (a writer killed by a
 * signal looks the same). Commit up to the last transaction end or chunk
 * end, then it is an error, unless --partial-ok. */
int sink_open_end_input(struct sink *s, const char *name, uint64_t cut, uint64_t cut_off,
			struct mc_err *err)
{
	const struct mc_ledger *l;
	char at[96], how[96] = "";

	if (cut) /* the writer stopped inside record cut: it is dropped */
		snprintf(how, sizeof how, " (inside record %llu, at offset %llu)",
			 (unsigned long long)cut, (unsigned long long)cut_off);

	if (sink_open_end(s, err) < 0)
		return -1;
	if (!s->o.partial_ok && s->o.upsert && sink_ups_held(s, err))
		return -1; /* nothing of it can be committed yet */
	if (s->o.partial_ok) {
		mc_sayf(&s->o.say, "'%s': input ended without a trailer%s: kept up to its last "
			"transaction or chunk end (--partial-ok)", name, how);
		return 0;
	}
	if (sink_commit(s, err) < 0)
		return -1;
	l = sink_src(s);
	if (l->has_pos) {
		pos_format(&l->pos, at, sizeof at);
		if (s->snap_seen)
			snprintf(at + strlen(at), sizeof at - strlen(at), ", snapshot row %llu",
				 (unsigned long long)s->L.snapshot_rows);
	} else if (s->L.snapshot_rows) {
		snprintf(at, sizeof at, "snapshot row %llu", (unsigned long long)s->L.snapshot_rows);
	} else {
		snprintf(at, sizeof at, "nothing yet");
	}
	return mc_errf(err, MC_EXIT_DATA, "input ended without a trailer%s (the source "
		       "stopped?): committed up to %s (resume the source from the ledger or "
		       "--checkpoint-out; --partial-ok accepts an open end)", how, at);
}
