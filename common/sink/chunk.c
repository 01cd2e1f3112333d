/* Snapshot chunks in the sink (docs/mc-tunnel-put.md "Snapshot chunks"):
 * the rows of a table up to its next chunk_end mark are held, then kept
 * whole when the chunk continues the table's committed chain, or dropped
 * whole when it is committed already. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "sink/sink_int.h"

void sink_chunk_begin(struct sink *s, struct sink_tab *t, struct sink_pbuf *p)
{
	t->open = 1;
	t->cp = p;
	t->open_start = s->snap_seen - 1;
	t->open_n = t->n_read ? t->n_read - 1 : 0;
	sink_pbuf_save(p, &t->save);
	s->nopen++;
}

/* Keep t's chunk (mark: its labelled chunk_end, NULL for a chunk kept by
 * count, which counts t's rows). */
static int chunk_keep(struct sink *s, struct sink_tab *t, const struct mc_rec *mark,
		      struct mc_err *err)
{
	if (t->open) {
		t->open = 0;
		s->nopen--;
	}
	/* every table's rows read up to here, for older versions (which
	 * skip by it): it only rises */
	if (s->snap_seen > s->L.snapshot_rows)
		s->L.snapshot_rows = s->snap_seen;
	s->dirty = 1;
	struct mc_ledger *l = sink_src(s);
	/* the log the warehouse holds (loaded first) must reach down to
	 * the chunk's read: it holds the events that end after log_from */
	if (mark && l->has_log_from && !s->o.resnap &&
	    (mark->pos.file < l->log_from.file ||
	     (mark->pos.file == l->log_from.file && mark->pos.off < l->log_from.off))) {
		char w[64], f[64];
		pos_format(&mark->pos, w, sizeof w);
		pos_format(&l->log_from, f, sizeof f);
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s.%s': its snapshot chunk was read at %s, but the "
			       "warehouse's log of that server starts at %s (ledger %s: the "
			       "changes loaded before any snapshot): the changes between are in "
			       "neither, a gap; load the snapshot first, then the changes from "
			       "its position, into a new warehouse", t->db, t->table, w, f,
			       LEDGER_K_LOG_FROM);
	}
	if (mark && (!l->has_snap_low || pos_cmp(&mark->pos, &l->snap_low) < 0)) {
		l->snap_low = mark->pos;
		l->has_snap_low = 1;
	}
	return mark ? 0 : sink_cnt_keep(s, t, err);
}

/* Take t's chunk back out of its partition buffer (repeat: its rows were
 * committed already, and are counted as such). */
static void chunk_drop(struct sink *s, struct sink_tab *t, int repeat)
{
	struct sink_pbuf *p = t->cp;
	if (!t->open)
		return;
	uint64_t back = sink_pbuf_restore(s, p, &t->save);
	if (repeat)
		s->dropped += back;
	t->open = 0;
	s->nopen--;
}

/* A chunk without a "(LO, HI]" label (streams of other writers): dropped
 * if it lies below the table's snapshot rows counted as committed (the
 * same input fed again: commits fall between chunks, and the rows below
 * the count were checked to be the same, snapcount.c), else kept, unless
 * the table is complete: then it is of another snapshot (an error). At the
 * end of a stream (at_end), the rows after the last chunk_end of a chunked
 * stream are an unfinished chunk: dropped. */
int sink_close_chunk(struct sink *s, struct sink_tab *t, int at_end, struct mc_err *err)
{
	const char *hi;
	size_t hin;
	if (!t->open)
		return 0;
	if (at_end && s->chunked_stream) {
		chunk_drop(s, t, 0);
		return 0;
	}
	if (sink_cnt_repeat(s, t)) {
		chunk_drop(s, t, 1);
		return 0;
	}
	if (ledger_chain_parse(ledger_chain_get(&s->L, t->key), &hi, &hin) == LEDGER_CHAIN_END) {
		chunk_drop(s, t, 0);
		return sink_cnt_done(s, t, err);
	}
	return chunk_keep(s, t, NULL, err);
}

int sink_close_open_chunks(struct sink *s, int at_end, struct mc_err *err)
{
	for (size_t i = 0; i < s->ntabs && s->nopen; i++)
		if (sink_close_chunk(s, &s->tabs[i], at_end, err) < 0)
			return -1;
	return 0;
}

/* "(LO, HI]": 1 and the two parts, 0 if the label is not that */
static int parse_label(const struct mc_str *l, struct mc_str *lo, struct mc_str *hi)
{
	const char *c;
	if (l->n < 6 || l->p[0] != '(' || l->p[l->n - 1] != ']')
		return 0;
	for (c = l->p + 1; c + 1 < l->p + l->n - 1; c++)
		if (c[0] == ',' && c[1] == ' ')
			break;
	if (c + 1 >= l->p + l->n - 1)
		return 0;
	*lo = mc_str_c(l->p + 1, (size_t)(c - (l->p + 1)));
	*hi = mc_str_c(c + 2, (size_t)(l->p + l->n - 1 - (c + 2)));
	return lo->n > 0 && hi->n > 0;
}

static int is_lit(const struct mc_str *s, const char *lit)
{
	return s->n == strlen(lit) && memcmp(s->p, lit, s->n) == 0;
}

/* The highest chunk watermark committed of t's snapshot goes up to w. */
static int note_watermark(struct sink *s, const struct sink_tab *t, const struct mc_pos *w,
			  struct mc_err *err)
{
	size_t src;
	struct mc_pos old;
	if (ledger_snapw_get(&s->L, t->key, &src, &old) && src == s->src &&
	    pos_cmp(w, &old) <= 0)
		return 0;
	return ledger_snapw_set(&s->L, t->key, s->src, w, err);
}

/* A chunk_end mark r of t whose table is complete already: a repeat of a
 * chunk committed (a stream fed again) has a watermark at or below the
 * highest committed of the table's snapshot, of the same source; a chunk
 * above it (or of another history) is of a new snapshot of the table,
 * which this warehouse cannot take in place of the one it holds: exit 1.
 * So is any labelled chunk of a table completed by rows without labelled
 * chunks (counted, snapcount.c). (A table completed by an older ledger,
 * without a recorded watermark or count: dropped, as before.) */
static int new_snapshot(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
			const struct sink_tab *t, struct mc_err *err)
{
	const char *chi;
	size_t chin, src = 0;
	struct mc_pos old;
	uint64_t n, h;
	char at[64], was[96];
	int w;
	if (ledger_chain_parse(ledger_chain_get(&s->L, t->key), &chi, &chin) != LEDGER_CHAIN_END)
		return 0;
	if ((w = ledger_snapw_get(&s->L, t->key, &src, &old))) {
		if (src == s->src && pos_cmp(&r->pos, &old) <= 0)
			return 0;
		memcpy(was, "watermark ", 10);
		pos_format(&old, was + 10, sizeof was - 10);
	} else if (ledger_snaprows_get(&s->L, t->key, &n, &h) > 0) {
		snprintf(was, sizeof was, "%llu rows without labelled chunks", (unsigned long long)n);
	} else {
		return 0;
	}
	pos_format(&r->pos, at, sizeof at);
	/* --resnapshot is the local warehouse's only (MaxCompute: exit 2) */
	int local = sink_local(s);
	return mc_errf(err, MC_EXIT_DATA,
		       "record %llu: chunk (%.*s] of '%s.%s' at watermark %s is of a new snapshot "
		       "of the table: this warehouse holds a complete snapshot of it (%s%s) "
		       "and cannot replace it in place (%s)",
		       (unsigned long long)rd->recno, (int)r->label.n - 2, r->label.p + 1, t->db,
		       t->table, at, was, !w || src == s->src ? "" : ", of another binlog history",
		       /* a repeat from an older checkpoint: not a new snapshot */
		       *sink_rerun_hint(s) ? sink_rerun_hint(s) + 2
		       : local ? "load it with mc-tunnel-put --resnapshot: a new generation of the "
				 "table, docs/mc-tunnel-put.md \"Re-snapshots\""
			       : "a MaxCompute destination takes no --resnapshot yet: load the new "
				 "snapshot and its tail into a new table (--name) with a new --state, "
				 "or feed this state the changes instead");
}

/* A chunk_end mark of t: keep the chunk iff it continues the table's
 * committed chain (its LO is the chain's HI, or -inf when nothing is
 * committed); drop it when it does not (committed already). */
int sink_chunk_end(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		   struct sink_tab *t, struct mc_err *err)
{
	struct mc_str lo, hi;
	const char *chi;
	size_t chin;
	int keep;
	s->chunked_stream = 1;
	if (!parse_label(&r->label, &lo, &hi))
		return sink_close_chunk(s, t, 0, err);
	s->labelled = 1;
	switch (ledger_chain_parse(ledger_chain_get(&s->L, t->key), &chi, &chin)) {
	case LEDGER_CHAIN_NONE:
		if (!is_lit(&lo, "-inf")) {
			chunk_drop(s, t, 0);
			return mc_errf(err, MC_EXIT_DATA,
				       "record %llu: chunk (%.*s] of '%s.%s' does not continue its "
				       "committed snapshot: nothing of the table is committed (the "
				       "source resumed from a checkpoint of another warehouse, or of "
				       "this one before it was made anew? start its snapshot of the "
				       "table from the beginning: no --checkpoint-in, or this sink's "
				       "--checkpoint-out)%s",
				       (unsigned long long)rd->recno, (int)r->label.n - 2,
				       r->label.p + 1, t->db, t->table, sink_rerun_hint(s));
		}
		keep = 1;
		break;
	case LEDGER_CHAIN_AT:
		keep = chin == lo.n && memcmp(chi, lo.p, lo.n) == 0;
		break;
	default:
		keep = 0;
		break;
	}
	if (!keep) {
		chunk_drop(s, t, 1);
		return new_snapshot(s, rd, r, t, err);
	}
	if (s->o.upsert && sink_ups_chunk(s, rd, r, t, err) < 0)
		return -1;
	if (chunk_keep(s, t, r, err) < 0 || note_watermark(s, t, &r->pos, err) < 0)
		return -1;
	if (is_lit(&hi, "+inf"))
		return sink_complete_base(s, t, err); /* the last chunk: the table is complete */
	return ledger_chain_after(&s->L, t->key, hi.p, hi.n, err);
}

int sink_complete_base(struct sink *s, struct sink_tab *t, struct mc_err *err)
{
	if (ledger_chain_set(&s->L, t->key, LEDGER_CHAIN_DONE, err) < 0)
		return -1;
	/* a merge table: its destination's base is complete when every
	 * table of it is, at the stream's end (shard.c) */
	if (t->merge)
		return 0;
	return sink_base_mark_complete(s, t, err);
}

int sink_base_mark_complete(struct sink *s, struct sink_tab *t, struct mc_err *err)
{
	struct sink_pbuf *p;
	char part[512];
	int rc;
	if (s->o.route == SINK_ROUTE_LOG)
		return 0;
	sink_part_for(s, t, 0, part, sizeof part);
	if (!(p = sink_pbuf_get(s, t->name, 0, part, err)))
		return -1;
	/* completed by a commit of the ledger already (a rerun): nothing to do */
	rc = s->d->ops->part_complete(s->d->st, p->dp, s->L.seq, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	p->complete = 1;
	if (t->schema.have && p->schemas.len == 0 &&
	    buf_add(&p->schemas, t->schema.raw.p, t->schema.raw.len) < 0)
		return mc_oom(err, "rows");
	return 0;
}

/* One line of the header entry MC_META_CHAINS at *p (up to end), NUL-ended
 * in b: 0, or -1 when there is none (or no memory: *oom). */
static int chains_line(const char **p, const char *end, struct mc_buf *b, int *oom)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	if (!nl)
		return -1;
	b->len = 0;
	if (buf_add(b, *p, (size_t)(nl - *p)) < 0 || buf_addc(b, 0) < 0)
		return -(*oom = 1);
	*p = nl + 1;
	return 0;
}

/* mc-snapshot's header entry MC_META_CHAINS: each table's split key and
 * condition. A chain committed up to a chunk (resumed by this stream) was
 * read by the same, or this stream's chunks would continue it on another
 * key (rows lost or repeated) or under another condition (rows of both):
 * exit 1 before any record. Kept beside the chains (the ledger, and
 * --checkpoint-out for mc-snapshot --checkpoint-in) for the chains not
 * done; a table done keeps what it was read by. */
int sink_header_chains(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		       struct mc_err *err)
{
	const struct mc_str *v = rec_header_get(r, MC_META_CHAINS);
	const char *p, *end;
	struct mc_buf kb = { 0 }, sb = { 0 }, wb = { 0 };
	int oom = 0, rc = 0;
	if (!v)
		return 0;
	for (p = v->p, end = v->p + v->n; rc == 0 && p < end;) {
		const char *hi, *ls, *lw, *key, *split, *where;
		size_t hin;
		if (chains_line(&p, end, &kb, &oom) < 0 || chains_line(&p, end, &sb, &oom) < 0 ||
		    chains_line(&p, end, &wb, &oom) < 0 || !ledger_is_table_key(kb.p)) {
			rc = oom ? mc_oom(err, "a header entry")
				 : mc_errf(err, MC_EXIT_DATA, "record %llu: bad header entry '"
					   MC_META_CHAINS "'", (unsigned long long)rd->recno);
			break;
		}
		key = kb.p, split = sb.p, where = wb.p;
		int at = ledger_chain_parse(ledger_chain_get(&s->L, key), &hi, &hin);
		if (at == LEDGER_CHAIN_END)
			continue;
		ls = ledger_chainmeta_get(&s->L, LEDGER_K_SPLIT, key);
		lw = ledger_chainmeta_get(&s->L, LEDGER_K_WHERE, key);
		if (at == LEDGER_CHAIN_AT && ((*split && ls && strcmp(ls, split) != 0) ||
					      (lw && strcmp(lw, where) != 0)))
			rc = mc_errf(err, MC_EXIT_DATA,
				     "record %llu: this stream's mc-snapshot reads '%s' split on (%s) "
				     "under the condition (%s), but the chunks committed of it were "
				     "split on (%s) under (%s) (ledger keys '" LEDGER_K_SPLIT "%s', '"
				     LEDGER_K_WHERE "%s'): continuing its chain on another key or "
				     "condition would lose or repeat rows, or keep rows of both "
				     "conditions; resume mc-snapshot with the recorded split key and "
				     "condition (with --checkpoint-in from this sink's --checkpoint-out "
				     "it refuses any other), or load the table's snapshot again from "
				     "the start (%s)",
				     (unsigned long long)rd->recno, key, *split ? split : "none: one chunk",
				     *where ? where : "none", ls ? ls : "not recorded",
				     !lw ? "not recorded" : *lw ? lw : "none", key, key,
				     sink_local(s) ? "mc-tunnel-put --resnapshot, or a new warehouse"
						   : "into a new table (--name) with a new --state");
		else if ((*split && ledger_chainmeta_set(&s->L, LEDGER_K_SPLIT, key, split, err) < 0) ||
			 ledger_chainmeta_set(&s->L, LEDGER_K_WHERE, key, where, err) < 0)
			rc = -1;
	}
	buf_free(&kb);
	buf_free(&sb);
	buf_free(&wb);
	return rc;
}
