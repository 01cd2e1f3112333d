/* An input that ends without its trailer (docs/mc-tunnel-put.md "Input"):
 * its source stopped, maybe inside a transaction. What came after the last
 * boundary (a mark: txn_end, heartbeat, chunk_end, snapshot_end; or a
 * commit) is taken back before the last commit: the change rows from their
 * partition buffers, the source's positions in the ledger; the rows of a
 * snapshot chunk whose chunk_end did not come are dropped by chunk.c. Each
 * is saved lazily, at the first change after a boundary. */
#include "sink/sink_int.h"

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
	v->data_len = p->data.len;
	v->schemas_len = p->schemas.len;
	v->nrec = p->nrec;
	v->rows = p->rows;
	v->schema_ver = p->schema_ver;
	v->has_pos = p->has_pos;
	v->has_time = p->has_time;
	v->lo = p->lo;
	v->hi = p->hi;
	v->tmin = p->tmin;
	v->tmax = p->tmax;
}

/* (the chunks after the rest: chunk_keep may move dirty; where chunk and
 * boundary states share a buffer, bkeep says to take nothing back) */
void sink_open_end(struct sink *s)
{
	if (s->bkeep)
		goto chunks;
	for (size_t i = 0; i < s->npbufs; i++) {
		struct sink_pbuf *p = s->pbufs[i];
		const struct sink_psave *v = &p->bsave;
		if (p->bgen != s->bgen)
			continue;
		s->pending_rows -= p->rows - v->rows;
		p->data.len = v->data_len;
		p->schemas.len = v->schemas_len;
		p->nrec = v->nrec;
		p->rows = v->rows;
		p->schema_ver = v->schema_ver;
		p->has_pos = v->has_pos;
		p->has_time = v->has_time;
		p->lo = v->lo;
		p->hi = v->hi;
		p->tmin = v->tmin;
		p->tmax = v->tmax;
		p->bgen = 0;
	}
	if (s->lgen == s->bgen) {
		struct mc_ledger *l = sink_src(s);
		l->has_pos = s->lsave.has_pos;
		l->pos = s->lsave.pos;
		l->has_first = s->lsave.has_first;
		l->first_pos = s->lsave.first_pos;
		l->first_time = s->lsave.first_time;
		l->has_hw = s->lsave.has_hw;
		l->hw_time = s->lsave.hw_time;
		l->ncuts = s->lsave.ncuts;
		s->dirty = s->lsave.dirty;
		s->lgen = 0;
	}
chunks:
	sink_close_open_chunks(s);
	sink_boundary(s);
}
