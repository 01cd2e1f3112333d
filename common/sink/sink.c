/* The sink engine: records in, commits out (sink.h). Change records are
 * accepted by position (above what is committed), snapshot rows by chunk
 * (chunk.c); rows are buffered per partition and handed to the
 * destination at a commit together with the ledger they reach. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/day.h"
#include "sink/sink_int.h"
#include "stream/recio.h"

void sink_opts_init(struct sink_opts *o)
{
	memset(o, 0, sizeof *o);
	o->route = SINK_ROUTE_OP;
	o->commit_rows = 100000;
	o->commit_bytes = SINK_COMMIT_BYTES;
}

const struct mc_ledger *sink_ledger(const struct sink *s)
{
	return &s->L;
}

static int name_is(const char *s, const struct mc_str *n)
{
	return strlen(s) == n->n && memcmp(s, n->p, n->n) == 0;
}

const char *sink_renamed(const struct sink *s, const char *db, const char *table)
{
	size_t dl = strlen(db);
	for (size_t i = 0; i < s->o.nrenames; i++) {
		const char *from = s->o.renames[i].from;
		if (strncmp(from, db, dl) == 0 && from[dl] == '.' && strcmp(from + dl + 1, table) == 0)
			return s->o.renames[i].to;
	}
	return NULL;
}

/* The table of r; with create, a new one (named by the renames or by
 * default). NULL: none (err set when create). */
struct sink_tab *sink_tab_find(struct sink *s, const struct mc_rec *r, int create,
			       struct mc_err *err)
{
	struct sink_tab *t;
	const char *given = NULL;
	int byopt;
	char nk[700];
	/* a merge's table: its own name (the table field is its destination's) */
	const struct mc_str *tb = s->mdest ? &s->mshard : &r->table;
	if (s->last_tab < s->ntabs && name_is(s->tabs[s->last_tab].db, &r->db) &&
	    name_is(s->tabs[s->last_tab].table, tb))
		return &s->tabs[s->last_tab];
	for (size_t i = 0; i < s->ntabs; i++)
		if (name_is(s->tabs[i].db, &r->db) && name_is(s->tabs[i].table, tb))
			return &s->tabs[s->last_tab = i];
	if (!create)
		return NULL;
	/* pbufs point to tabs by name only, so moving tabs is safe */
	if (mc_grow(&s->tabs, &s->tabcap, s->ntabs + 1, sizeof *s->tabs) < 0)
		return mc_oom(err, "tables"), NULL;
	t = &s->tabs[s->ntabs];
	memset(t, 0, sizeof *t);
	if (!(t->db = mc_strndup(r->db.p, r->db.n)) ||
	    !(t->table = mc_strndup(tb->p, tb->n))) {
		free(t->db);
		return mc_oom(err, "tables"), NULL;
	}
	s->ntabs++; /* freed with the others from here on */
	given = sink_renamed(s, t->db, t->table);
	byopt = given != NULL;
	/* the name the warehouse holds the table under (sink_open checked that
	 * a --name agrees); else the given or default one, recorded */
	ledger_name_key(t->db, strlen(t->db), t->table, strlen(t->table), nk, sizeof nk);
	t->named = ledger_name_get(&s->L, nk) != NULL;
	if (s->mdest)
		return sink_merge_name(s, t, nk, err) < 0 ? NULL : &s->tabs[s->last_tab = s->ntabs - 1];
	if (!given && s->dest_names && !ledger_name_get(&s->L, nk))
		given = t->table; /* named by mc-transform: the table field */
	if (!given)
		given = ledger_name_get(&s->L, nk);
	if (s->d->ops->table_name(s->d->st, &r->db, &r->table, given, t->name, sizeof t->name,
				  err) < 0 || sink_merge_taken(s, t, err) < 0)
		return NULL;
	if (!ledger_name_get(&s->L, nk)) {
		/* a name is one table's: two under one name would be one table
		 * in the warehouse, whose merge mixes both */
		for (size_t i = 0; i < s->L.names.n; i++)
			if (strcmp(s->L.names.kv[i].v, t->name) == 0)
				return mc_errf(err, given ? MC_EXIT_USAGE : MC_EXIT_DATA,
					       "'%s.%s' would be written as '%s', which this warehouse "
					       "holds another table under (ledger key '%s'): give it "
					       "another name with --name=%s.%s=NAME",
					       t->db, t->table, t->name, s->L.names.kv[i].k, t->db,
					       t->table), NULL;
		/* nor the name of a table the destination derives from another
		 * one's (its log table): their files would mix in one */
		if (sink_name_clash(s, t->db, t->table, t->name, byopt, NULL, 0, err) < 0 ||
		    ledger_name_set(&s->L, nk, t->name, err) < 0)
			return NULL;
	}
	ledger_table_key(t->db, strlen(t->db), t->table, strlen(t->table), t->key, sizeof t->key);
	s->last_tab = s->ntabs - 1;
	return t;
}

/* ---- commit ---- */

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int sink_commit(struct sink *s, struct mc_err *err)
{
	const struct dest_ops *ops = s->d->ops;
	int any = 0;
	size_t rank = sink_hist_rank(s); /* (its schema history's positions) */

	if (s->nopen || (s->o.upsert && sink_ups_held(s, NULL)))
		return 0; /* never inside a snapshot chunk: at its end; upsert.c */
	for (size_t i = 0; i < s->npbufs; i++)
		any |= s->pbufs[i]->rows > 0 || s->pbufs[i]->complete ||
		       sink_hist_pending(s, s->pbufs[i]);
	if (!any && !s->dirty)
		return 0;
	int lay;
	if (sink_layout(s, &lay, err) < 0)
		return -1;
	s->L.seq++;
	s->t_commit = mono_s(); /* --commit-interval: from commit start to start */
	sink_stats_precommit(s);
	if (ops->begin(s->d->st, s->L.seq, err) < 0)
		return -1;
	for (size_t i = 0; i < s->npbufs; i++) {
		struct sink_pbuf *p = s->pbufs[i];
		struct dest_rows rows = {
			.recs = p->data.p, .len = p->data.len, .nrec = p->nrec, .rows = p->rows,
			.schemas = p->schemas.p, .schemas_len = p->schemas.len,
			.hist = p->hist.p, .hist_len = sink_hist_pending(s, p) ? p->hist.len : 0,
			.has_pos = p->has_pos, .lo = p->lo, .hi = p->hi, .src = s->src,
			.hist_rank = rank,
			.has_time = p->has_time, .tmin = p->tmin, .tmax = p->tmax,
			.complete = p->complete, .has_floor = p->has_floor, .floor = p->floor,
			.has_ceil = p->has_ceil, .ceil = p->ceil,
			.layout = lay,
		};
		if (p->rows == 0 && !p->complete && !sink_hist_pending(s, p))
			continue;
		if (ops->append(s->d->st, p->dp, &rows, err) < 0 || sink_commits_note(s, p, err) < 0)
			return -1;
	}
	s->L.src_last = s->src;
	if (ops->commit(s->d->st, &s->L, err) < 0 ||
	    (s->o.ckpt_out && ledger_checkpoint_write(s->o.ckpt_out, &s->L, err) < 0))
		return -1;
	for (size_t i = 0; i < s->npbufs; i++) {
		struct sink_pbuf *p = s->pbufs[i];
		p->data.len = p->schemas.len = 0;
		p->fed = p->ticked = 0;
		if (sink_hist_pending(s, p))
			p->hist.len = 0;
		p->nrec = p->rows = 0;
		p->noted = 0;
		p->schema_ver = 0;
		p->schema_db = NULL;
		p->has_pos = p->has_time = 0;
		p->complete = 0;
	}
	s->pending_rows = s->pending_bytes = 0;
	s->dirty = 0;
	if (s->seg_accepted && sink_src(s)->has_pos) {
		s->seg_committed = 1;
		s->seg_commit_hi = sink_src(s)->pos;
	}
	s->resume_done = sink_src(s)->has_resume;
	s->resume_done_file = sink_src(s)->resume.file;
	sink_boundary(s);
	sink_stats_commit(s);
	return 0;
}

/* ---- rows ---- */

static int add_row(struct sink *s, struct rio_reader *rd, const struct mc_rec *r,
		   struct sink_tab *t, int snap, struct mc_err *err)
{
	int is_log = s->o.route == SINK_ROUTE_LOG ||
		     (s->o.route == SINK_ROUTE_OP && r->op != MC_OP_SNAPSHOT);
	struct sink_pbuf *p = is_log ? t->last_log : t->last_base;
	char part[512];
	int k;

	if (!is_log && (r->op == MC_OP_UPDATE || r->op == MC_OP_DELETE)) {
		/* a base partition holds rows, not changes: every merge of it
		 * would fail, with no way back */
		char at[64];
		pos_format(&r->pos, at, sizeof at);
		return mc_errf(err, MC_EXIT_DATA, "record %llu: position %s: an %s of '%.*s.%.*s' "
			       "and --route=base: a base partition holds rows, not changes; load "
			       "the changes without --route (into the log)",
			       (unsigned long long)rd->recno, at, r->op == MC_OP_UPDATE ? "update" :
			       "delete", (int)r->db.n, r->db.p, (int)r->table.n, r->table.p);
	}
	if (sink_tab_source(s, rd, t, err) < 0 ||
	    (k = sink_spart(s, rd, t, r, is_log, part, sizeof part, err)) < 0)
		return -1;
	if (!k)
		sink_part_for(s, t, is_log, part, sizeof part);
	if (!p || strcmp(p->part, part) != 0) {
		if (!(p = sink_pbuf_get(s, t->name, is_log, part, err)))
			return -1;
		if (is_log)
			t->last_log = p;
		else
			t->last_base = p;
	}
	if (snap && !t->open)
		sink_chunk_begin(s, t, p);
	else if (snap && t->cp != p)
		return mc_errf(err, MC_EXIT_DATA, "record %llu: the partition of '%s.%s' changed "
			       "inside a snapshot chunk", (unsigned long long)rd->recno, t->db,
			       t->table);
	sink_open_note_row(s, p, snap);
	if (sink_pbuf_schema(s, p, t) < 0)
		return mc_oom(err, "rows");
	sink_pbuf_prepare(s, t, p);
	if (rd->fmt == RIO_MCR && !s->mdest) {
		size_t n;
		const char *raw = rio_raw(rd, &n);
		if (sink_pbuf_add(s, p, raw, n, err) < 0)
			return -1;
	} else if (sink_pbuf_add_rec(s, p, r, err) < 0) {
		return -1;
	}
	sink_pbuf_note(s, p, r, is_log ? r->op != MC_OP_SNAPSHOT : 1);
	return 0;
}

/* Where r's transaction began (docs/merge.md "The day cut"): at the
 * first change after a txn_end or heartbeat mark of this input, repeats
 * of committed records included, so that a rerun finds the same place.
 * Before the input's first such mark (an input without marks, or the
 * first transaction of one) each change is taken as its own. */
static void txn_track(struct sink *s, const struct mc_rec *r)
{
	if (r->kind == MC_R_MARK) {
		if (r->mark == MC_MARK_TXN_END || r->mark == MC_MARK_HEARTBEAT) {
			s->txn_in = 0;
			s->txn_marks = 1;
		}
	} else if (!s->txn_in) {
		s->txn_first = r->pos;
		s->txn_in = 1;
	}
}

/* A record that carries a change position: keep it only above what is
 * committed or accepted already. 1 accepted, 0 dropped, -1 error. */
static int accept_change(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
			 struct mc_err *err)
{
	struct mc_ledger *l = sink_src(s);
	if (r->kind != MC_R_MARK)
		txn_track(s, r);
	if (l->has_pos && pos_cmp(&r->pos, &l->pos) <= 0) {
		char a[64], b[64], f[64];
		/* a repeat lies within what was committed of this history: a
		 * rerun, or a source resumed at its checkpoint; below the first
		 * change committed it never was committed: out of order */
		if (!l->has_first || pos_cmp(&r->pos, &l->first_pos) >= 0) {
			if (r->kind == MC_R_ROW)
				s->dropped++; /* rows only: marks repeat freely */
			return 0;
		}
		pos_format(&r->pos, a, sizeof a);
		pos_format(&l->first_pos, f, sizeof f);
		pos_format(&l->pos, b, sizeof b);
		return mc_errf(err, MC_EXIT_DATA,
			       "record %llu: position %s is below what this warehouse holds of "
			       "its source (%s to %s) and was never committed: input out of "
			       "order (give the streams in position order, into a new warehouse "
			       "if a later one was committed)",
			       (unsigned long long)rd->recno, a, f, b);
	}
	if (l->closed) {
		char a[64], b[64];
		pos_format(&r->pos, a, sizeof a);
		pos_format(&l->pos, b, sizeof b);
		return mc_errf(err, MC_EXIT_DATA,
			       "record %llu: position %s is past the end (%s) of a binlog history "
			       "of server_id %s (source_epoch %s) that a later history replaced "
			       "(RESET MASTER): it cannot take new changes (put what is new of "
			       "that server into another warehouse)",
			       (unsigned long long)rd->recno, a, b, l->src_id ? l->src_id : "?",
			       l->src_epoch ? l->src_epoch : "?");
	}
	sink_open_note_change(s);
	if (!l->has_pos && !l->has_first && !l->has_snap_low && !l->has_log_from) {
		/* changes before any snapshot: where their log starts (a
		 * snapshot read below it later is a gap, chunk.c) */
		l->log_from = s->has_stream_start ? s->stream_start : r->pos;
		l->has_log_from = 1;
	}
	l->pos = r->pos;
	l->has_pos = 1;
	s->dirty = 1;
	s->seg_accepted = 1;
	/* (the clock asked only of a change past the newest stamp so far: not
	 * once a row) */
	if (!s->future_said && (!l->has_hw || r->time > l->hw_time) &&
	    r->time > (int64_t)time(NULL) + 3600) {
		/* every day up to its stamp is cut at it (ledger_note): said */
		char a[64], t[24];
		s->future_said = 1;
		pos_format(&r->pos, a, sizeof a);
		datetime_format(r->time, t);
		mc_sayf(&s->o.say, "warning: record %llu: the change at %s is stamped %s UTC, %lld "
			"hours ahead of this machine's clock (a session's SET timestamp, or a clock "
			"set ahead): each day up to then is cut at it, so their merges hold none of "
			"the changes after it (docs/merge.md \"The day cut\")",
			(unsigned long long)rd->recno, a, t,
			(long long)((r->time - (int64_t)time(NULL)) / 3600));
	}
	/* a mark ends what came before it: a day it ends is cut at it; a
	 * row, at its transaction's first change (txn_track) */
	return ledger_note(l, &r->pos, r->kind == MC_R_MARK || !s->txn_marks ? &r->pos :
			   &s->txn_first, r->time, err) < 0 ? -1 : 1;
}

/* An accepted txn_end or heartbeat mark: a transaction boundary (or its
 * 'resume'), where the source may resume once everything is committed. */
static int accept_mark(struct sink *s, const struct mc_rec *r, struct mc_err *err)
{
	return ledger_mark_rec(sink_src(s), r, err);
}

/* A txn_end or heartbeat mark at the very position accepted last (the
 * end of a DDL statement's transaction is at the DDL's position): not a
 * change, but the boundary after it. 1 if it was that, -1 error. */
static int mark_at_pos(struct sink *s, const struct mc_rec *r, struct mc_err *err)
{
	struct mc_ledger *l = sink_src(s);
	if (!l->has_pos || pos_cmp(&r->pos, &l->pos) != 0)
		return 0;
	if (ledger_mark_moves(l, r)) {
		if (accept_mark(s, r, err) < 0)
			return -1;
		s->dirty = 1;
	}
	return 1;
}

/* A heartbeat at the position accepted last, stamped on a later day than
 * every change: the source was idle past midnight, and nothing below the
 * next position can come any more, so the days up to the heartbeat's end
 * there (docs/merge.md "The day cut"). Only on a new day: an idle source
 * costs one commit a day. */
static int heartbeat_cut(struct sink *s, const struct mc_rec *r, struct mc_err *err)
{
	struct mc_ledger *l = sink_src(s);
	struct mc_pos next = r->pos;
	if (!l->has_hw || next.row == UINT64_MAX ||
	    day_of(r->time, l->utc_off) <= day_of(l->hw_time, l->utc_off))
		return 0;
	next.row++; /* the change at the heartbeat's position is of the day */
	s->dirty = 1;
	return ledger_note(l, &next, &next, r->time, err);
}

static int rec_table_err(const struct rio_reader *rd, const struct mc_rec *r, const char *what,
			 struct mc_err *err)
{
	return mc_errf(err, MC_EXIT_DATA, "record %llu: %s '%.*s.%.*s'",
		       (unsigned long long)rd->recno, what, (int)r->db.n, r->db.p, (int)r->table.n,
		       r->table.p);
}

static int on_header(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		     struct mc_err *err)
{
	if (sink_source(s, rd, r, err) < 0 ||
	    (s->o.resnap && sink_resnap_source(s, rd, err) < 0) ||
	    sink_header_layout(s, rd, r, err) < 0 || sink_header_rules(s, rd, r, err) < 0 ||
	    sink_header_tables(s, rd, r, err) < 0 || sink_header_chains(s, rd, r, err) < 0)
		return -1;
	for (size_t i = 0; i < s->ntabs; i++)
		s->tabs[i].snap_in_stream = s->tabs[i].base_fixed = 0;
	s->chunked_stream = s->labelled = 0;
	s->seg_accepted = s->seg_committed = 0; /* what came before was committed */
	s->dest_names = s->dest_merge = 0;
	s->lctn_known = rec_header_get(r, MC_META_LCTN) || !sink_tail_header(r);
	sink_spart_header(s, r);
	for (size_t i = 0; i < r->nmeta; i++) {
		if (r->meta[i].k.n == 10 && memcmp(r->meta[i].k.p, "dest_merge", 10) == 0 &&
		    r->meta[i].v.n == 10 && memcmp(r->meta[i].v.p, "dest/table", 10) == 0)
			s->dest_merge = 1;
		if (r->meta[i].k.n == 10 && memcmp(r->meta[i].k.p, "dest_names", 10) == 0 &&
		    r->meta[i].v.n == 5 && memcmp(r->meta[i].v.p, "table", 5) == 0)
			s->dest_names = 1;
		if (r->meta[i].k.n == 7 && memcmp(r->meta[i].k.p, "program", 7) == 0 &&
		    r->meta[i].v.n == 11 && memcmp(r->meta[i].v.p, "mc-snapshot", 11) == 0)
			s->chunked_stream = s->labelled = 1;
	}
	return 0;
}

static int on_trailer(struct sink *s, const struct rio_reader *rd, struct mc_err *err)
{
	/* a whole stream without labelled chunks: the rows after its last
	 * chunk mark are its last piece, kept or dropped by count */
	if (sink_close_open_chunks(s, s->labelled, err) < 0)
		return -1;
	for (size_t i = 0; i < s->ntabs; i++)
		if (sink_cnt_end(s, rd, &s->tabs[i], err) < 0 ||
		    (s->tabs[i].snap_in_stream && sink_cnt_keep(s, &s->tabs[i], err) < 0))
			return -1;
	for (size_t i = 0; i < s->ntabs; i++) {
		const char *ch = ledger_chain_get(&s->L, s->tabs[i].key);
		const char *hi;
		size_t hin;
		/* a table whose chain stops short is not complete */
		if (s->tabs[i].snap_in_stream &&
		    ledger_chain_parse(ch, &hi, &hin) != LEDGER_CHAIN_AT &&
		    sink_complete_base(s, &s->tabs[i], err) < 0)
			return -1;
	}
	if (sink_merge_complete(s, err) < 0)
		return -1;
	if (s->snap_seen > s->L.snapshot_rows) {
		s->L.snapshot_rows = s->snap_seen;
		s->dirty = 1;
	}
	return sink_commit(s, err);
}

static int on_schema(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		     struct mc_err *err)
{
	struct sink_tab *t = sink_tab_find(s, r, 1, err);
	if (!t)
		return mc_errctx(err, "record %llu: ", (unsigned long long)rd->recno);
	if (sink_tab_origin(s, rd, t, r, err) < 0 ||
	    (s->o.resnap && sink_resnap_table(s, rd, t, err) < 0))
		return -1;
	if (t->schema.have && t->schema.rec.schema_version == r->schema_version &&
	    schema_same(&t->schema.rec, r) && !t->alter_cols)
		return 0;
	t->alter_cols = 0;
	if (sink_schema_keep(t, r, err) < 0)
		return -1;
	/* a schema change after the table's snapshot (a DDL of a later day in
	 * the same stream) does not move its base partition */
	if (!t->base_fixed)
		t->base_time = r->time;
	if (t->merge && !t->base_fixed)
		sink_merge_base_time(s, t);
	return 0;
}

static int on_row(struct sink *s, struct rio_reader *rd, const struct mc_rec *r,
		  struct mc_err *err)
{
	struct sink_tab *t = sink_tab_find(s, r, 0, err);
	int rc;
	if (!t)
		return rec_table_err(rd, r, "row before the schema of", err);
	if (r->schema_version != t->schema.rec.schema_version)
		return mc_errf(err, MC_EXIT_DATA,
			       "record %llu: row of '%s.%s' follows schema version %llu, the "
			       "last schema has %llu", (unsigned long long)rd->recno, t->db,
			       t->table, (unsigned long long)r->schema_version,
			       (unsigned long long)t->schema.rec.schema_version);
	if ((r->after ? r->nafter : r->nbefore) != t->schema.rec.ncols ||
	    (r->before && r->nbefore != t->schema.rec.ncols))
		return mc_errf(err, MC_EXIT_DATA,
			       "record %llu: row of '%s.%s' has %zu values, the schema %zu "
			       "columns", (unsigned long long)rd->recno, t->db, t->table,
			       r->after ? r->nafter : r->nbefore, t->schema.rec.ncols);
	if (s->o.resnap && (r->op != MC_OP_SNAPSHOT || !s->chunked_stream))
		return r->op != MC_OP_SNAPSHOT
			       ? sink_resnap_refuse(rd, r, err)
			       : mc_errf(err, MC_EXIT_DATA,
					 "record %llu: --resnapshot takes mc-snapshot's streams "
					 "(labelled chunks) only", (unsigned long long)rd->recno);
	if (s->o.resnap && !t->open && sink_resnap_gen(s, rd, t, &r->pos, err) < 0)
		return -1;
	if (s->o.upsert && sink_ups_row(s, rd, r, t, err) < 0)
		return -1;
	if (r->op == MC_OP_SNAPSHOT) {
		if ((t->merge && !t->snap_in_stream && sink_merge_late(s, rd, t, err) < 0) ||
		    sink_part_check_base(s, t, rd, err) < 0)
			return -1;
		/* held until its chunk ends, then kept or dropped */
		t->snap_in_stream = t->base_fixed = 1;
		s->snap_seen++;
		if (sink_cnt_row(s, rd, r, t, err) < 0)
			return -1;
	} else if ((rc = accept_change(s, rd, r, err)) <= 0) {
		return rc;
	} else if (t->alter_cols && sink_hist_close(s, t, r, err) < 0) {
		return -1;
	}
	if (add_row(s, rd, r, t, r->op == MC_OP_SNAPSHOT, err) < 0)
		return -1;
	/* A stream without chunk marks (not mc-snapshot's: mcgen, older
	 * writers) is cut into pieces where commits may fall, as change rows
	 * are, and at the count of the table's snapshot rows committed before
	 * (snapcount.c), so that no piece straddles it: a piece below it is
	 * dropped whole on a rerun, one above it kept whole. */
	if (r->op == MC_OP_SNAPSHOT && !s->chunked_stream && t->open &&
	    (sink_over(s, 4) || sink_cnt_cut(s, t)) && sink_close_chunk(s, t, 0, err) < 0)
		return -1;
	if (sink_over(s, 4))
		return sink_commit(s, err);
	return 0;
}

static int on_mark(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		   struct mc_err *err)
{
	struct sink_tab *t;
	int rc;
	if (s->o.resnap) {
		if (r->mark != MC_MARK_CHUNK_END && r->mark != MC_MARK_SNAPSHOT_END)
			return sink_resnap_refuse(rd, r, err);
		if (r->mark == MC_MARK_CHUNK_END && (t = sink_tab_find(s, r, 0, err)) && !t->open &&
		    sink_resnap_gen(s, rd, t, &r->pos, err) < 0)
			return -1;
	}
	switch (r->mark) {
	case MC_MARK_HEARTBEAT:
		txn_track(s, r);
		/* a heartbeat above what was accepted: the source moved on, the
		 * checkpoint follows (one at the same position again is dropped,
		 * so an idle source costs no commits). One at the position of
		 * what was just accepted (an idle server's heartbeat right after
		 * the last transaction) commits what is pending: sink_commit does
		 * nothing when nothing is. Its time cuts the day past the last
		 * change, once a day (heartbeat_cut). */
		if ((rc = mark_at_pos(s, r, err)) != 0)
			return rc < 0 || heartbeat_cut(s, r, err) < 0 ? -1 : sink_commit(s, err);
		if ((rc = accept_change(s, rd, r, err)) <= 0)
			return rc;
		if (accept_mark(s, r, err) < 0)
			return -1;
		return sink_commit(s, err);
	case MC_MARK_TXN_END:
		txn_track(s, r);
		if ((rc = mark_at_pos(s, r, err)) != 0)
			return rc < 0 ? -1 : 0;
		if ((rc = accept_change(s, rd, r, err)) <= 0)
			return rc;
		if (accept_mark(s, r, err) < 0 || sink_stats_txn(s, r, err) < 0)
			return -1;
		/* also at the first one in a later binlog than the committed
		 * resume position's: the checkpoint follows the binlog files when
		 * no rows come (other tables), ahead of their purge */
		if (sink_over(s, 1) || !s->resume_done ||
		    rec_mark_resume(r).file > s->resume_done_file ||
		    (s->o.commit_interval > 0 && s->pending_rows &&
		     mono_s() - s->t_commit >= s->o.commit_interval))
			return sink_commit(s, err);
		return 0;
	case MC_MARK_CHUNK_END:
		/* the chunk's watermark bounds the base's log start, even for a
		 * chunk without rows */
		if ((t = sink_tab_find(s, r, 0, err)))
			t->base_fixed = 1;
		if (t && s->o.route != SINK_ROUTE_LOG) {
			char part[512];
			struct sink_pbuf *p;
			sink_part_for(s, t, 0, part, sizeof part);
			if (!(p = sink_pbuf_get(s, t->name, 0, part, err)))
				return -1;
			if (!p->has_floor || pos_cmp(&r->pos, &p->floor) < 0)
				p->floor = r->pos;
			p->has_floor = 1;
			if (!p->has_ceil || pos_cmp(&r->pos, &p->ceil) > 0)
				p->ceil = r->pos;
			p->has_ceil = 1;
		}
		if (t && sink_chunk_end(s, rd, r, t, err) < 0)
			return -1;
		if (sink_over(s, 1))
			return sink_commit(s, err);
		return 0;
	case MC_MARK_SNAPSHOT_END:
		if ((t = sink_tab_find(s, r, 0, err))) {
			const char *hi;
			size_t hin;
			t->base_fixed = 1;
			if (sink_close_chunk(s, t, 0, err) < 0 || sink_cnt_end(s, rd, t, err) < 0)
				return -1;
			if (ledger_chain_parse(ledger_chain_get(&s->L, t->key), &hi, &hin) ==
			    LEDGER_CHAIN_AT)
				return mc_errf(err, MC_EXIT_DATA,
					       "record %llu: snapshot_end of '%s.%s', whose committed "
					       "snapshot ends after %s, which this stream does not "
					       "continue (a different snapshot: resume that one, or "
					       "mc-snapshot --checkpoint-in from this sink's "
					       "--checkpoint-out)%s", (unsigned long long)rd->recno, t->db,
					       t->table, hi, sink_rerun_hint(s));
			if (sink_complete_base(s, t, err) < 0)
				return -1;
			return sink_commit(s, err);
		}
		return 0;
	default: /* binlog_start */
		return sink_binlog_start(s, rd, r, err);
	}
}

static int handle1(struct sink *s, struct rio_reader *rd, const struct mc_rec *r,
		   struct mc_err *err);

static int handle(struct sink *s, struct rio_reader *rd, const struct mc_rec *r,
		  struct mc_err *err)
{
	struct mc_rec m;
	int rc;
	if (!s->dest_merge || r->kind == MC_R_HEADER || r->kind == MC_R_TRAILER)
		return handle1(s, rd, r, err);
	m = *r;
	sink_merge_split(s, &m);
	rc = handle1(s, rd, &m, err);
	s->mdest = NULL;
	return rc;
}

static int handle1(struct sink *s, struct rio_reader *rd, const struct mc_rec *r,
		   struct mc_err *err)
{
	int rc;
	switch (r->kind) {
	case MC_R_HEADER:
		return on_header(s, rd, r, err);
	case MC_R_TRAILER:
		return on_trailer(s, rd, err);
	case MC_R_SCHEMA:
		return on_schema(s, rd, r, err);
	case MC_R_ROW:
		return on_row(s, rd, r, err);
	case MC_R_DDL:
		if (s->o.resnap)
			return sink_resnap_refuse(rd, r, err);
		if ((rc = accept_change(s, rd, r, err)) <= 0)
			return rc < 0 ? rc : sink_hist_repeat(s, r, err);
		return sink_on_ddl(s, rd, r, err);
	case MC_R_MARK:
		if (on_mark(s, rd, r, err) < 0)
			return -1;
		sink_boundary(s); /* what came before is never taken back */
		sink_feed(s);
		return 0;
	default:
		return 0;
	}
}

/* ---- input ---- */

/* A regular file is read whole first, to its trailer and checksum, and
 * read again from where it started (standard input may have been read
 * some way already): a damaged one commits nothing, nor one with a table
 * whose name clashes with another's (nameclash.c) (a pipe is checked as
 * it goes: what came before the damage may be committed). */
static int check_whole(struct sink *s, int fd, off_t at, const char *name, struct mc_err *err)
{
	struct rio_reader rd;
	struct mc_rec r;
	struct sink_scan sc = { 0 };
	int rc;
	rio_init(&rd, fd, RIO_AUTO);
	rio_check_order(&rd);
	while ((rc = rio_next(&rd, &r, err)) > 0)
		if (sink_scan_rec(s, &sc, &r, (unsigned long long)rd.recno, err) < 0) {
			rc = -1;
			break;
		}
	sink_scan_free(&sc);
	rio_close(&rd);
	if (rc < 0)
		return mc_errctx(err, "'%s': ", name);
	if (lseek(fd, at, SEEK_SET) < 0)
		return mc_errnof(err, errno, "'%s': seek", name);
	return 0;
}

/* A change out of order in an input read as it goes (a pipe: a regular
 * file is refused by its first read, before anything of it is committed):
 * a commit of this stream before it took changes above it, which the
 * warehouse now holds without it. The message says so. */
static void order_committed(const struct sink *s, const struct rio_reader *rd,
			    struct mc_err *err)
{
	char m[sizeof err->msg], p[64];
	if (!s->seg_committed || pos_cmp(&rd->ord_pos, &s->seg_commit_hi) >= 0)
		return;
	snprintf(m, sizeof m, "%s", err->msg);
	pos_format(&s->seg_commit_hi, p, sizeof p);
	mc_errf(err, MC_EXIT_DATA, "%s; changes of this stream above it were committed already "
		"(up to %s: an input read as it goes, a pipe, is committed as it goes), so the "
		"warehouse holds them without this one: put the changes in position order into "
		"a new warehouse", m, p);
}

int sink_put_fd(struct sink *s, int fd, const char *name, struct mc_err *err)
{
	struct rio_reader rd;
	struct mc_rec r;
	struct stat st;
	off_t at = 0;
	int rc, whole;

	whole = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (at = lseek(fd, 0, SEEK_CUR)) >= 0;
	if (whole && check_whole(s, fd, at, name, err) < 0)
		return -1;
	rio_init(&rd, fd, RIO_AUTO);
	rio_check_order(&rd);
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
		rio_allow_open_end(&rd);
	s->whole = whole; /* (fed as it is read, pbuf.c) */
	while ((rc = rio_next(&rd, &r, err)) > 0) {
		sink_stats_record(s, &r);
		if (handle(s, &rd, &r, err) < 0) {
			rc = -1;
			break;
		}
	}
	s->whole = 0;
	if (rc < 0 && rd.ord_bad)
		order_committed(s, &rd, err);
	if (rc == 0 && rd.state == 1)
		rc = sink_open_end_input(s, name, rd.cut ? rd.recno + 1 : 0, rd.cut_off, err);
	rio_close(&rd);
	if (rc < 0)
		return mc_errctx(err, "'%s': ", name);
	return 0;
}

int sink_put_file(struct sink *s, const char *path, struct mc_err *err)
{
	int fd = 0, rc;
	if (strcmp(path, "-") != 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return mc_errnof(err, errno, "'%s'", path);
	rc = sink_put_fd(s, fd, strcmp(path, "-") == 0 ? "(stdin)" : path, err);
	if (fd > 0)
		close(fd);
	return rc;
}

/* ---- start and end ---- */

/* A --name for a table the warehouse holds under another name: the rows
 * would go to a second table, which the merge of neither sees. */
static int check_names(const struct sink *s, struct mc_err *err)
{
	for (size_t i = 0; i < s->o.nrenames; i++) {
		const char *from = s->o.renames[i].from, *dot = from, *had;
		char k[700];
		while ((dot = strchr(dot, '.'))) {
			size_t dn = (size_t)(dot - from);
			dot++;
			ledger_name_key(from, dn, dot, strlen(dot), k, sizeof k);
			if ((had = ledger_name_get(&s->L, k)) && strcmp(had, s->o.renames[i].to) != 0)
				return mc_errf(err, MC_EXIT_USAGE,
					       "--name=%s=%s: this warehouse holds '%s' as '%s' "
					       "(ledger key '%s'); give --name=%s=%s or no --name, "
					       "or load it under the new name into a new warehouse",
					       from, s->o.renames[i].to, from, had, k, from, had);
		}
	}
	return 0;
}

const char *sink_rerun_hint(const struct sink *s)
{
	return s->ckpt_moved ? "; this run found --checkpoint-out behind its commits (a run "
			       "killed before writing it) and wrote it: the source may have "
			       "resumed from the older one, so run the same command again"
			     : "";
}

/* The same keys and values in the same order. */
static int ckpt_same(const struct ckpt *a, const struct ckpt *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->kv[i].k, b->kv[i].k) || strcmp(a->kv[i].v, b->kv[i].v))
			return 0;
	return 1;
}

/* --checkpoint-out as ckpt_read reads it (1 read, 0 absent), or -1 (not
 * known) when it is not a regular file: a named pipe is the source's to
 * read (a test's, a service's), and opening it here would take its one
 * writer's bytes from the source or wait for a writer forever. */
static int ckpt_read_file(const char *path, struct ckpt *c)
{
	struct stat st;
	struct mc_err e = { 0 };
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return -1;
	return ckpt_read(path, c, &e);
}

/* Did --checkpoint-out change from what was read as before (had: 1 read,
 * 0 absent, -1 unreadable: not known, taken as no)? */
static int ckpt_moved(const char *path, int had, const struct ckpt *before)
{
	struct ckpt now = { 0 };
	int rc = had < 0 ? -1 : ckpt_read_file(path, &now);
	int moved = rc >= 0 && (rc != had || !ckpt_same(before, &now));
	ckpt_free(&now);
	return moved;
}

int sink_open(struct sink **sp, const struct sink_opts *o, struct dest *d, struct mc_err *err)
{
	struct sink *s = calloc(1, sizeof *s);
	struct ckpt before = { 0 };
	/* --checkpoint-out as a source started beside this run found it */
	int had = o->ckpt_out ? ckpt_read_file(o->ckpt_out, &before) : 0;
	int rc;

	*sp = NULL;
	if (!s) {
		ckpt_free(&before);
		return mc_oom(err, "sink");
	}
	s->o = *o;
	s->d = d;
	s->bgen = 1; /* a new buffer has seen no boundary */
	s->t_commit = mono_s();
	rc = d->ops->read_ledger(d->st, &s->L, err);
	if (rc < 0 || (o->resnap && sink_resnap_open(s, rc, err) < 0))
		goto fail;
	s->had_ledger = rc > 0;
	s->resume_done = s->L.has_resume;
	s->resume_done_file = s->L.resume.file;
	if (rc == 0 && !o->resnap) {
		s->L.utc_off = o->utc_off;
	} else if (o->utc_off_set && o->utc_off != s->L.utc_off) {
		mc_errf(err, MC_EXIT_USAGE,
			"--utc-offset differs from the warehouse's (%+" PRId64 " s); it cannot change",
			s->L.utc_off);
		goto fail;
	}
	if (o->log_layout && !o->resnap) {
		const char *have = s->L.log_layout[0] ? s->L.log_layout : rc ? "mcsync" : NULL;
		if (!have) {
			snprintf(s->L.log_layout, sizeof s->L.log_layout, "%s", o->log_layout);
		} else if (strcmp(have, o->log_layout) != 0) {
			mc_errf(err, MC_EXIT_USAGE,
				"--log-layout=%s: the warehouse's log tables are in the %s layout "
				"(ledger key log_layout%s); it cannot change: write the %s layout "
				"into a new warehouse",
				o->log_layout, have, s->L.log_layout[0] ? "" : " absent: mcsync",
				o->log_layout);
			goto fail;
		}
	}
	if (!o->resnap) {
		/* the rows' route is the warehouse's: another would put a table's
		 * rows where its merge does not look (a snapshot into the log,
		 * then again as a snapshot: every row a repeat, the base empty) */
		static const char *const rn[] = { "op", "base", "log" };
		const char *have = s->L.route[0] ? s->L.route : rc ? "op" : NULL;
		if (!have) {
			if (o->route != SINK_ROUTE_OP) /* (none: op) */
				snprintf(s->L.route, sizeof s->L.route, "%s", rn[o->route]);
		} else if (strcmp(have, rn[o->route]) != 0) {
			mc_errf(err, MC_EXIT_USAGE, "--route=%s: the warehouse's rows were routed by "
				"--route=%s (ledger key " LEDGER_K_ROUTE "%s); it cannot change: load "
				"the streams with --route=%s, or into a new warehouse", rn[o->route],
				have, s->L.route[0] ? "" : " absent: op", have);
			goto fail;
		}
	}
	s->skip_snap = s->L.snapshot_legacy;
	if (check_names(s, err) < 0)
		goto fail;
	if (d->ops->clean(d->st, &s->L, err) < 0)
		goto fail;
	/* a run killed between the ledger and --checkpoint-out: write it again
	 * from the ledger (a rerun that commits nothing would not) */
	if (rc > 0 && o->ckpt_out && ledger_checkpoint_write(o->ckpt_out, &s->L, err) < 0)
		goto fail;
	s->ckpt_moved = o->ckpt_out && ckpt_moved(o->ckpt_out, had, &before);
	ckpt_free(&before);
	*sp = s;
	return 0;
fail:
	ckpt_free(&before);
	sink_close(s);
	return -1;
}

int sink_finish(struct sink *s, struct mc_err *err)
{
	if (s->o.upsert && sink_ups_held(s, err))
		return -1;
	return sink_commit(s, err);
}

void sink_close(struct sink *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->npbufs; i++) {
		struct sink_pbuf *p = s->pbufs[i];
		if (!p)
			continue;
		/* what the destination was fed of it, dropped before the
		 * bytes go (it may read them on a thread of its own) */
		if (p->fed && s->d && s->d->ops->feed)
			s->d->ops->feed(s->d->st, p->dp, NULL, 0);
		free(p->table);
		free(p->part);
		buf_free(&p->data);
		buf_free(&p->schemas);
		buf_free(&p->hist);
		free(p);
	}
	free(s->pbufs);
	free(s->vis);
	buf_free(&s->cnt_buf);
	buf_free(&s->fenc);
	for (size_t i = 0; i < s->ntabs; i++) {
		free(s->tabs[i].db);
		free(s->tabs[i].table);
		schema_copy_free(&s->tabs[i].schema);
	}
	free(s->tabs);
	ledger_free(&s->L);
	if (s->has_M)
		ledger_free(&s->M);
	free(s);
}

int sink_run(const struct sink_opts *o, struct dest *d, const char *const *files, size_t nfiles,
	     struct mc_err *err)
{
	struct sink *s;
	int rc = 0;
	if (sink_open(&s, o, d, err) < 0)
		return -1;
	if (nfiles == 0)
		rc = sink_put_file(s, "-", err);
	for (size_t i = 0; rc == 0 && i < nfiles; i++)
		rc = sink_put_file(s, files[i], err);
	if (rc == 0)
		rc = sink_finish(s, err);
	if (rc == 0 && s->dropped) /* not beside an error: it read as data lost (t3063) */
		mc_sayf(&o->say, "%llu records already in the warehouse, skipped",
			(unsigned long long)s->dropped);
	sink_close(s);
	return rc;
}
