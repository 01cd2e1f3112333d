/* tail.c: the mc-binlog-tail engine (tail.h): output, event dispatch, the
 * open transaction with its commit and rollback, statements and XA. The
 * inputs are in tail_file.c and tail_live.c. */
#include "engine/tail_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/io.h"
#include "binlog/ddl.h"
#include "stream/text.h"

void tail_opts_init(struct tail_opts *o)
{
	memset(o, 0, sizeof *o);
	o->prog = "mc-binlog-tail";
	o->txn_memory = 256ull << 20;
	o->server_id = 4200001;
	o->heartbeat_ms = 30000;
	o->retry_sec = 720 * 60.0;
	o->lctn = -1;
}

int tail_init(struct tail *T, const struct tail_opts *o, struct mc_err *err)
{
	T->o = o;
	T->lctn = o->lctn;
	T->text = o->text;
	T->out_fd = 1;
	T->backoff = 1;
	bl_init(&T->d);
	T->d.verify_checksum = !o->no_checksum;
	T->d.partial_json_absent = o->partial_json_absent;
	/* T is calloc'ed (tail_run): st_init would only clear its 240 KB,
	 * touching 60 pages that the run may never use */
	T->st.re = o->tables;
	T->colnames = o->column_names;
	if (T->colnames == TAIL_NAMES_DEFAULT)
		T->colnames = o->live ? TAIL_NAMES_SERVER : TAIL_NAMES_SCHEMA;
	T->st.names_from_binlog = T->colnames == TAIL_NAMES_BINLOG;
	txn_init(&T->txn, o->txn_memory, o->prog);
	for (size_t i = 0; i < o->nschema; i++)
		if (st_load(&T->st, o->schema_files[i], err) < 0)
			return -1;
	return 0;
}

void tail_free(struct tail *T)
{
	tail_live_free(T);
	bl_free(&T->d);
	st_free(&T->st);
	txn_free(&T->txn);
	txn_xa_free(&T->xa);
	tail_xa_free(T);
	buf_free(&T->tout);
	buf_free(&T->sql8);
	buf_free(&T->sqlred);
	buf_free(&T->lcbuf);
	if (T->w_open) {
		/* after an error: give the writer back, writing nothing more */
		zout_close(&T->w.out);
		buf_free(&T->w.buf);
		T->w_open = 0;
	}
	free(T->live_file);
	free(T->live_gtid_own);
}

/* Output ------------------------------------------------------------- */

static int out_fail(struct mc_err *err)
{
	mc_errctx(err, "standard output: ");
	return -1;
}

static int text_flush(struct tail *T, struct mc_err *err)
{
	if (T->tout.len && io_write_all(T->out_fd, T->tout.p, T->tout.len) < 0) {
		mc_errnof(err, errno, "write error");
		return out_fail(err);
	}
	T->tout.len = 0;
	return 0;
}

static int write_head(struct tail *T, struct mc_err *err);

void tail_note_fde(struct tail *T, const struct bl_event *ev)
{
	if (T->have_src)
		return;
	T->have_src = 1;
	T->src_server_id = ev->server_id;
	T->src_when = ev->when;
	T->src_file = T->mark_seq = T->fileseq;
}

void tail_report(struct tail *T)
{
	if (T->o->progress) {
		T->stats.file = T->fname;
		T->o->progress(T->o->progress_ctx, &T->stats);
	}
}

void tail_wrote(struct tail *T, const struct mc_rec *r)
{
	if (!T->have_wrote || pos_cmp(&r->pos, &T->wrote) > 0) {
		T->wrote = r->pos;
		T->wrote_time = r->time;
	}
	T->have_wrote = 1;
}

int tail_write_fail(struct mc_err *err)
{
	if (err->errnum)
		return out_fail(err);
	mc_errctx(err, "internal error: ");
	err->code = MC_EXIT_DATA;
	return -1;
}

int tail_emit(struct tail *T, const struct mc_rec *r, struct mc_err *err)
{
	T->stats.records++;
	if (!T->text && T->head_due && write_head(T, err) < 0)
		return -1;
	if (r->kind != MC_R_MARK || r->mark != MC_MARK_BINLOG_START)
		tail_wrote(T, r); /* (a file's start: not how far the stream read) */
	if (T->text) {
		if (text_rec(&T->tout, r) < 0)
			return mc_oom(err, "text output");
		return T->tout.len > 65536 ? text_flush(T, err) : 0;
	}
	if (rio_write(&T->w, r, err) < 0)
		return tail_write_fail(err);
	return 0;
}

int tail_flush(struct tail *T, struct mc_err *err)
{
	if (T->text)
		return text_flush(T, err);
	if (rio_flush(&T->w, err) < 0)
		return out_fail(err);
	return 0;
}

/* The header: the program, and the source once its first binlog's
 * Format_description was read (docs/record-format.md "Header"). */
int tail_head(struct tail *T, struct mc_err *err)
{
	return T->head_due ? write_head(T, err) : 0;
}

static int write_head(struct tail *T, struct mc_err *err)
{
	char id[16], ep[48], st[48], lc[16];
	struct mc_kv meta[8] = {
		{ mc_str_c("program", 7), mc_str_c(T->o->prog, strlen(T->o->prog)) },
		{ mc_str_c("version", 7), mc_str_c(MC_VERSION, strlen(MC_VERSION)) },
	};
	size_t n = 2;
	if (T->have_src) {
		snprintf(id, sizeof id, "%" PRIu32, T->src_server_id);
		snprintf(ep, sizeof ep, "%" PRIu64 ":%" PRIu32, T->src_file, T->src_when);
		meta[n++] = (struct mc_kv){ mc_str_c(MC_META_SOURCE_ID, strlen(MC_META_SOURCE_ID)),
					    mc_str_c(id, strlen(id)) };
		meta[n++] = (struct mc_kv){ mc_str_c(MC_META_SOURCE_EPOCH,
						     strlen(MC_META_SOURCE_EPOCH)),
					    mc_str_c(ep, strlen(ep)) };
	}
	if (T->have_start) {
		snprintf(st, sizeof st, "%" PRIu64 ":%" PRIu64, T->start_seq, T->start_off);
		meta[n++] = (struct mc_kv){ mc_str_c(MC_META_SOURCE_START,
						     strlen(MC_META_SOURCE_START)),
					    mc_str_c(st, strlen(st)) };
	}
	if (!T->have_start && T->live_gtid && *T->live_gtid)
		meta[n++] = (struct mc_kv){ mc_str_c(MC_META_SOURCE_START_GTID,
						     strlen(MC_META_SOURCE_START_GTID)),
					    mc_str_c(T->live_gtid, strlen(T->live_gtid)) };
	if (T->lctn >= 0) {
		snprintf(lc, sizeof lc, "%d", T->lctn);
		meta[n++] = (struct mc_kv){ mc_str_c(MC_META_LCTN, strlen(MC_META_LCTN)),
					    mc_str_c(lc, strlen(lc)) };
	}
	if (T->o->tables && T->o->tables_text)
		meta[n++] = (struct mc_kv){ mc_str_c(MC_META_TABLES, strlen(MC_META_TABLES)),
					    mc_str_c(T->o->tables_text,
						     strlen(T->o->tables_text)) };
	T->head_due = 0;
	if (rio_begin(&T->w, meta, n, err) < 0)
		return out_fail(err);
	return 0;
}

int tail_begin(struct tail *T, struct mc_err *err)
{
	if (T->text)
		return 0;
	if (rio_winit(&T->w, T->out_fd, 0, err) < 0)
		return out_fail(err);
	T->w.decoded = 1; /* its rows' values come from the binlog decoder only */
	/* its high-water mark (256 KB written at a time, up to 64 KB more of
	 * rows packed before the check) on one huge page from the start: not
	 * grown from 256 bytes by copies into fresh 4 KB pages, each a fault */
	if (buf_grow_huge(&T->w.buf, 1u << 20) < 0)
		return mc_oom(err, "output");
	T->w_open = 1;
	T->head_due = 1; /* written with the first record, or at the end */
	return 0;
}

void tail_note_done(struct tail *T, uint64_t seq, uint64_t off, uint32_t when)
{
	T->have_done = 1;
	T->done_seq = seq;
	T->done_off = off;
	if (when)
		T->done_when = when;
}

/* The end of the range the stream covers, as a heartbeat mark above
 * every record written: where the input ended for good (its last binlog
 * closed: the next one's start; a stop option: the event it stopped
 * before); else (the server's current binlog, whose end may still grow; a
 * live tail stopped) the start of the binlog it read last, when that is
 * later than its last record's. A stream that starts there continues this
 * one (docs/mc-binlog-tail.md "The range a stream covers"). Its time is
 * the last record's, so that it moves no day; the last event's when
 * nothing was written. */
static int end_mark(struct tail *T, struct mc_err *err)
{
	struct mc_rec r;
	memset(&r, 0, sizeof r);
	if (!T->have_done)
		return 0;
	r.pos.file = T->done_seq;
	r.pos.off = T->done_off;
	if (!T->done_final) {
		uint64_t last = T->have_wrote ? T->wrote.file
				: T->have_start ? T->start_seq : T->done_seq;
		if (T->done_seq <= last)
			return 0;
		r.pos.off = 4;
	}
	if (T->have_wrote && pos_cmp(&r.pos, &T->wrote) <= 0)
		return 0;
	r.time = T->have_wrote ? T->wrote_time : (int64_t)T->done_when;
	if (!r.time)
		return 0; /* no event with a time was read */
	r.kind = MC_R_MARK;
	r.mark = MC_MARK_HEARTBEAT;
	r.db = r.table = r.label = mc_str_c("", 0);
	tail_xa_resume(T, &r);
	return tail_emit(T, &r, err);
}

int tail_end(struct tail *T, struct mc_err *err)
{
	if (end_mark(T, err) < 0)
		return -1;
	if (T->text)
		return text_flush(T, err);
	if (T->head_due && write_head(T, err) < 0)
		return -1;
	if (rio_end(&T->w, err) < 0)
		return out_fail(err);
	T->w_open = 0;
	if (rio_wclose(&T->w, err) < 0)
		return out_fail(err);
	return 0;
}

/* Errors in input ----------------------------------------------------- */

int tail_data_error(struct tail *T, uint64_t off, struct mc_err *err)
{
	struct mc_err fe = { 0 };
	if (tail_flush(T, &fe) < 0) {
		*err = fe;
		return -1;
	}
	if (off == UINT64_MAX)
		mc_errctx(err, "'%s': ", T->fname);
	else
		mc_errctx(err, "'%s': offset %" PRIu64 ": ", T->fname, off);
	err->code = err->code == MC_EXIT_USAGE ? MC_EXIT_USAGE : MC_EXIT_DATA;
	err->errnum = 0;
	return -1;
}

int tail_live_error(struct tail *T, struct mc_err *err)
{
	struct mc_err fe = { 0 };
	if (tail_flush(T, &fe) < 0) {
		*err = fe;
		return -1;
	}
	if (T->fname && T->fname[0])
		mc_errctx(err, "server binlog '%s': ", T->fname);
	if (!err->code)
		err->code = MC_EXIT_DATA;
	err->errnum = 0;
	return -1;
}

/* Schemas and DDL ------------------------------------------------------ */

/* A selected table's MariaDB old-format TIME(n)/DATETIME(n)/TIMESTAMP(n)
 * columns: n from what is known at pos (DDL, --schema), else from
 * information_schema (--column-names=server); refused (at start) when
 * still not known. */
static int table_digits(struct tail *T, struct bl_table *t, struct st_table *ti,
			const struct mc_pos *pos, uint64_t start, struct mc_err *err)
{
	char msg[512];
	if (st_temporal(&T->st, t, pos) == 0)
		return 0;
	if (T->colnames == TAIL_NAMES_SERVER && tail_server_describe(T, t, ti, pos, err) < 0)
		return -1;
	if (!bl_table_dec_unknown(t, msg, sizeof msg))
		return 0;
	mc_errf(err, MC_EXIT_DATA, "%s", msg);
	return tail_data_error(T, start, err);
}

static int table_schema(struct tail *T, struct bl_table *t, const struct mc_pos *pos,
			uint32_t when, uint64_t start, struct mc_err *err)
{
	struct st_table *ti;
	struct mc_rec r;
	char why[600];
	int rc;
	if (st_table(&T->st, t, &ti, err) < 0)
		return -1;
	if (!ti->selected)
		return 0;
	if (table_digits(T, t, ti, pos, start, err) < 0)
		return -1;
	/* labels the map does not carry: from --schema and the DDL followed,
	 * exactly, else (live) from the server; reading files, refused */
	if ((rc = st_labels(&T->st, t, &T->d.cs, pos, why, sizeof why, err)) < 0)
		return -1;
	if (rc && !T->o->live) {
		mc_errf(err, MC_EXIT_DATA, "%s: its ENUM/SET labels cannot be known exactly (the "
			"table map carries none: binlog_row_metadata=MINIMAL); give a --schema snapshot "
			"of the table taken after its last change before here, or tail the server "
			"live, or set binlog_row_metadata=FULL on the server", why);
		return tail_data_error(T, start, err);
	}
	if ((!t->has_names || (T->o->live && tail_fbt_candidate(t))) &&
	    T->colnames == TAIL_NAMES_SERVER && tail_server_describe(T, t, ti, pos, err) < 0)
		return -1;
	if (rc && T->colnames != TAIL_NAMES_SERVER) {
		/* live without the server's lookup: refused as reading files,
		 * never written as index numbers */
		mc_errf(err, MC_EXIT_DATA, "%s: its ENUM/SET labels cannot be known exactly (the "
			"table map carries none: binlog_row_metadata=NO_LOG or MINIMAL), and "
			"--column-names=%s does not read them from the server; tail with "
			"--column-names=server (the default live), or give a --schema snapshot of the "
			"table taken after its last change before here, or set "
			"binlog_row_metadata=FULL on the server", why,
			T->colnames == TAIL_NAMES_BINLOG ? "binlog" : "schema");
		return tail_data_error(T, start, err);
	}
	if (t->bad[0]) { /* labels information_schema could not give exactly */
		mc_errf(err, MC_EXIT_DATA, "%s", t->bad);
		return tail_data_error(T, start, err);
	}
	rc = st_schema(&T->st, t, ti, pos, when, &r, err);
	return rc <= 0 ? rc : tail_emit(T, &r, err);
}

static int kw(const char *s, size_t n, const char *word)
{
	size_t k = strlen(word);
	if (n < k || strncasecmp(s, word, k) != 0)
		return 0;
	return n == k || !((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
			   (s[k] >= '0' && s[k] <= '9') || s[k] == '_');
}

/* Past blanks and comments to the statement's first word (returned),
 * through the executable comments the binlog's server runs (*s: the first
 * of them, where the statement starts for ddl_target); one it does not run
 * is a comment (ddl_stmt_start). */
static const char *stmt_word(struct tail *T, const char **s, const char *end)
{
	size_t from, w = ddl_stmt_start(*s, (size_t)(end - *s), T->d.fde.version,
					T->d.fde.mariadb, &from);
	const char *p = *s;
	*s = p + from;
	return p + w;
}

/* The statement of ev in UTF-8 (T->sql8), from its client charset. */
static int sql_utf8(struct tail *T, const struct bl_event *ev, uint64_t start, struct mc_err *err)
{
	if (bl_query_utf8(ev, &T->sql8, err) < 0)
		return err->code == MC_EXIT_DATA ? tail_data_error(T, start, err) : -1;
	return 0;
}

/* What statement kind (ddl_target's) does to the table of its record k:
 * to_name when the record names the table's new name (a rename). */
static enum mc_ddl_effect ddl_effect(const struct ddl_target *t, size_t k, int to_name)
{
	if (k >= t->ntables)
		return t->kind == DDL_DROP || t->kind == DDL_RENAME ? (t->kind == DDL_DROP
								       ? MC_DDL_DROP
								       : MC_DDL_RENAME_FROM)
								    : MC_DDL_OTHER;
	switch (t->kind) {
	case DDL_CREATE: return t->replace ? MC_DDL_TRUNCATE : MC_DDL_CREATE;
	case DDL_DROP: return MC_DDL_DROP;
	case DDL_TRUNCATE: return MC_DDL_TRUNCATE;
	case DDL_RENAME: return to_name ? MC_DDL_RENAME_TO : MC_DDL_RENAME_FROM;
	case DDL_ALTER:
		if (t->renamed)
			return to_name ? MC_DDL_RENAME_TO : MC_DDL_RENAME_FROM;
		return MC_DDL_ALTER;
	default: return MC_DDL_OTHER;
	}
}

/* Write the ddl records of a DDL statement s[0..n) (the text ev carries,
 * with its comments skipped) at (file, off, row...) and follow what it does
 * to column lists: one record per table it names, under the table's own
 * database, and for a rename one more per new name, in the statement's
 * order (RENAME TABLE a TO b, c TO a: a, b, c, a), each with its effect
 * (docs/record-format.md), rows numbered from row; the statement in UTF-8,
 * its secrets redacted. *last gets the row of the last record. */
static int ddl_emit(struct tail *T, const struct bl_event *ev, const char *s, size_t n,
		    uint64_t start, uint64_t off, uint64_t row, uint64_t *last, struct mc_err *err)
{
	struct mc_rec r;
	struct ddl_target t;
	struct mc_pos dpos = { T->fileseq, off, row };
	size_t k, nrec, per;
	uint64_t at = row;
	int red, lost;
	int no_bs = ev->has_sql_mode && (ev->sql_mode & BL_SQL_MODE_NO_BACKSLASH_ESCAPES);
	int mode = (no_bs ? DDL_MODE_NO_BS : 0) |
		   (ev->has_sql_mode && (ev->sql_mode & BL_SQL_MODE_ANSI_QUOTES) ? DDL_MODE_ANSI_QUOTES : 0);
	struct mc_str defdb = ev->db;
	unsigned char noop[DDL_MAX_TABLES];
	ddl_target_mode(s, n, mode, &t);
	if (tail_ddl_case(T, &t, &defdb, start, err) < 0)
		return -1;
	/* followed in UTF-8 (from the statement's character_set_client): the
	 * labels of ENUM and SET columns are read from its text */
	if (sql_utf8(T, ev, start, err) < 0 ||
	    tail_rows_ddl(T, &t, defdb, T->sql8.p, T->sql8.len, start, off, err) < 0)
		return -1;
	if ((lost = st_ddl(&T->st, defdb, tail_ddl_text(T, T->sql8.p, T->sql8.len), mode, &t,
			   &dpos, err)) < 0)
		return -1;
	if (lost && T->colnames != TAIL_NAMES_SERVER) {
		/* (live with the server's names, the next map's are looked up) */
		struct mc_str db = t.db[lost - 1].n ? t.db[lost - 1] : defdb, tab = t.table[lost - 1];
		if (st_selected(&T->st, db, tab))
			mc_sayf(&T->o->warn, "warning: `%.*s`.`%.*s` at %" PRIu64 ":%" PRIu64 ": its "
				"column names were known and this statement cannot be followed from "
				"them (docs/mc-binlog-tail.md \"Column names\"): they are unknown from "
				"here, the columns named @1, @2, ... (flag names_by_index); give a "
				"--schema snapshot of the table taken after it",
				(int)db.n, db.p, (int)tab.n, tab.p, T->fileseq, off);
	}
	*last = row;
	T->sqlred.len = 0;
	if ((red = ddl_redact(T->sql8.p, T->sql8.len, no_bs, &T->sqlred)) < 0)
		return mc_oom(err, "redacting a statement");
	memset(&r, 0, sizeof r);
	r.kind = MC_R_DDL;
	r.time = ev->when;
	r.sql = red ? mc_str_c(T->sqlred.p, T->sqlred.len) : mc_str_c(T->sql8.p, T->sql8.len);
	/* a DROP or RENAME of more tables than named: one more record, with
	 * no table, for the rest */
	tail_rename_noop(&t, defdb, noop);
	nrec = t.ntables ? t.ntables + (size_t)t.more : 1;
	per = t.kind == DDL_RENAME || (t.kind == DDL_ALTER && t.renamed) ? 2 : 1;
	for (k = 0; k < nrec; k++)
		for (size_t w = 0; w < (k < t.ntables ? per : 1); w++) {
			struct mc_str db = defdb, tab = mc_str_c("", 0);
			if (k < t.ntables) {
				const struct mc_str *dbs = w ? t.new_db : t.db;
				const struct mc_str *tabs = w ? t.new_table : t.table;
				if (dbs[k].n)
					db = dbs[k];
				tab = tabs[k];
			}
			if (w && !tab.n)
				continue;
			/* (a table given back its name: no record replaces rows) */
			r.effect = k < t.ntables && noop[k] ? MC_DDL_OTHER : ddl_effect(&t, k, (int)w);
			at++;
			if (tab.n && !st_selected(&T->st, db, tab))
				continue;
			r.db = db;
			r.table = tab;
			r.pos = (struct mc_pos){ T->fileseq, off, at - 1 };
			*last = at - 1;
			if (tail_emit(T, &r, err) < 0)
				return -1;
		}
	/* CONVERT TABLE x TO PARTITION (passed: tail_rows_ddl): x is gone */
	if (t.absorbed && t.other_table.n) {
		struct mc_str db = t.other_db.n ? t.other_db : defdb;
		at++;
		if (st_selected(&T->st, db, t.other_table)) {
			r.effect = MC_DDL_DROP;
			r.db = db;
			r.table = t.other_table;
			r.pos = (struct mc_pos){ T->fileseq, off, at - 1 };
			*last = at - 1;
			if (tail_emit(T, &r, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* Replaying a committed transaction ------------------------------------ */

static int rows_out(struct tail *T, struct bl_event *ev, uint64_t off, uint64_t start,
		    struct mc_err *err)
{
	struct st_table *ti;
	struct mc_rec r;
	uint32_t nc = ev->table->ncols;
	int rc;
	if (st_table(&T->st, ev->table, &ti, err) < 0)
		return -1;
	if (!ti->selected)
		return 0;
	if (!ti->version &&
	    table_schema(T, ev->table, &(struct mc_pos){ T->fileseq, off, T->rowctr }, ev->when,
			 start, err) < 0)
		return -1;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_ROW;
	r.op = (enum mc_op)ev->rows_op;
	r.db = ev->table->db;
	r.table = ev->table->name;
	r.schema_version = ti->version;
	r.time = ev->when;
	if (ev->rows_op != MC_OP_INSERT) {
		r.before = T->before;
		r.nbefore = nc;
	}
	if (ev->rows_op != MC_OP_DELETE) {
		r.after = T->after;
		r.nafter = nc;
	}
	if (!T->text && !ev->partial) /* the values packed in place */
		return tail_rows_packed(T, ev, &r, off, start, err);
	while ((rc = bl_row_next(&T->d, ev, T->before, T->after, err)) == 1) {
		r.pos.file = T->fileseq;
		r.pos.off = off;
		r.pos.row = T->rowctr++;
		if (tail_emit(T, &r, err) < 0)
			return -1;
	}
	return rc < 0 ? tail_data_error(T, start, err) : 0;
}

/* One event of the transaction, decoded (txn_fn). */
static int replay_event(void *ctx, struct bl_event *ev, const struct txn_at *at,
			struct mc_err *err)
{
	struct tail *T = ctx;
	/* A prepared XA transaction is written at its XA COMMIT. Rows are
	 * numbered across the events of a payload, and across a prepared XA
	 * transaction. */
	uint64_t off = T->force_off ? T->force_off : at->off;
	int across = at->inner || T->force_off;
	int rc;
	if (!(across && T->last_payload && T->last_off == off))
		T->rowctr = 0;
	T->last_off = off;
	T->last_payload = across;
	if (ev->table && ev->table->bad[0]) {
		/* a column type not known: refused for a selected table only */
		struct st_table *ti;
		if (st_table(&T->st, ev->table, &ti, err) < 0)
			return -1;
		if (!ti->selected)
			return 0;
		mc_errf(err, MC_EXIT_DATA, "%s", ev->table->bad);
		return tail_data_error(T, at->start, err);
	}
	if (ev->table && ev->table->ncols == 8 &&
	    (rc = tail_sequence(T, ev->table, &(struct mc_pos){ T->fileseq, off, T->rowctr },
				at->start, err)) != 0)
		return rc < 0 ? -1 : 0;
	if (T->dry) {
		struct st_table *ti;
		if (ev->type == BL_TABLE_MAP) {
			/* as when written: the old-format digits, for the rows after */
			if (st_table(&T->st, ev->table, &ti, err) < 0)
				return -1;
			if (ti->selected)
				st_fill(&T->st, ev->table,
					&(struct mc_pos){ T->fileseq, off, T->rowctr });
			if (ti->selected &&
			    table_digits(T, ev->table, ti,
					 &(struct mc_pos){ T->fileseq, off, T->rowctr }, at->start,
					 err) < 0)
				return -1;
		} else if (ev->table && bl_table_dec_unknown(ev->table, NULL, 0)) {
			if (st_table(&T->st, ev->table, &ti, err) < 0)
				return -1;
			if (!ti->selected)
				return 0; /* its rows are not read */
		}
		while ((rc = bl_row_next(&T->d, ev, T->before, T->after, err)) == 1)
			;
		return rc < 0 ? tail_data_error(T, at->start, err) : 0;
	}
	if (ev->type == BL_TABLE_MAP)
		return table_schema(T, ev->table, &(struct mc_pos){ T->fileseq, off, T->rowctr },
				    ev->when, at->start, err);
	if (ev->type == BL_QUERY || ev->type == BL_MARIA_QUERY_COMPRESSED) {
		const char *s = ev->sql.p, *e = s + ev->sql.n;
		stmt_word(T, &s, e);
		return ddl_emit(T, ev, s, (size_t)(e - s), at->start, off, T->rowctr, &T->rowctr,
				err);
	}
	if (!ev->rows_op || !ev->table)
		return 0;
	return rows_out(T, ev, off, at->start, err);
}

/* The one way the events held are decoded: written, or dry. */
static int replay(struct tail *T, struct mc_err *err)
{
	if (txn_replay(&T->txn, &T->d, replay_event, T, err) == 0)
		return 0;
	return T->txn.bad_start != UINT64_MAX ? tail_data_error(T, T->txn.bad_start, err) : -1;
}

int tail_dry_run(struct tail *T, struct mc_err *err)
{
	int rc;
	if (txn_empty(&T->txn))
		return 0;
	T->dry = 1;
	rc = replay(T, err);
	T->dry = 0;
	return rc;
}

/* Forget the open transaction's events (keep its GTID label). */
void tail_txn_forget(struct tail *T)
{
	txn_discard(&T->txn);
	T->nsp = 0;
	T->sp_lost = NULL;
	T->in_txn = 0;
	T->txn_start_gtid = 0;
}

void tail_rollback(struct tail *T)
{
	tail_txn_forget(T);
	T->gtid[0] = 0;
}

int tail_commit(struct tail *T, uint64_t off, int inner, uint32_t when, struct mc_err *err)
{
	struct mc_rec r;
	if (replay(T, err) < 0)
		return -1;
	if (!(inner && T->last_payload && T->last_off == off))
		T->rowctr = T->mark_row;
	T->mark_row = 0;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_MARK;
	r.mark = MC_MARK_TXN_END;
	r.pos.file = T->fileseq;
	r.pos.off = off;
	r.pos.row = T->rowctr;
	r.time = when;
	r.db = r.table = mc_str_c("", 0);
	r.label = mc_str_c(T->gtid, strlen(T->gtid));
	tail_xa_resume(T, &r);
	if (tail_emit(T, &r, err) < 0 || tail_flush(T, err) < 0)
		return -1;
	tail_txn_forget(T);
	T->gtid[0] = 0;
	T->alter_phase = 0;
	T->last_payload = 0;
	T->stats.txns++;
	tail_report(T);
	return 0;
}

/* A transaction still open where a new one starts (BEGIN, XA START, a
 * GTID event): its end was lost (a damaged event): exit 1, never a silent
 * discard. */
int tail_unclosed(struct tail *T, const char *what, uint64_t start, struct mc_err *err)
{
	if (!T->in_txn && txn_empty(&T->txn))
		return 0;
	mc_errf(err, MC_EXIT_DATA, "the transaction that began at offset %" PRIu64
		" was never closed (no COMMIT or XID event) before the %s here: a damaged or "
		"cut binlog", T->txn_start, what);
	return tail_data_error(T, start, err);
}

/* A transaction begins at start (BEGIN, XA START), unless the MariaDB
 * GTID event before it began it already. */
int tail_began(struct tail *T, const char *what, uint64_t start, struct mc_err *err)
{
	if (!(T->in_txn && txn_empty(&T->txn) && T->txn_start_gtid)) {
		if (tail_unclosed(T, what, start, err) < 0)
			return -1;
		T->txn_start = start;
	}
	T->txn_start_gtid = 0;
	T->in_txn = 1;
	return 0;
}

/* Statements --------------------------------------------------------- */

static int is_ddl(const char *s, size_t n)
{
	return kw(s, n, "CREATE") || kw(s, n, "ALTER") || kw(s, n, "DROP") || kw(s, n, "RENAME") ||
	       kw(s, n, "TRUNCATE");
}

/* A statement-based change (binlog_format STATEMENT or MIXED): its rows are
 * not in the binlog. It passes only when it names one table and that table
 * is left out by --tables. Inside a transaction every statement that is not
 * BEGIN, COMMIT, ROLLBACK, a savepoint, XA or DDL (those are taken before)
 * changed something: SELECT f() whose f() wrote a table is one. */
static int dml_statement(struct tail *T, const struct bl_event *ev, const char *s, size_t n,
			 const char *word, uint64_t start, struct mc_err *err)
{
	struct mc_str db, tab;
	size_t w = 0;
	int kind = ddl_dml_target(s, n, &db, &tab);
	if (kind == DDL_DML_NONE && T->in_txn)
		kind = DDL_DML_UNKNOWN;
	if (kind == DDL_DML_NONE)
		return 0;
	if (!db.n)
		db = ev->db;
	if (kind == DDL_DML_TABLE && !st_selected(&T->st, db, tab))
		return 0;
	n = (size_t)(s + n - word);
	s = word;
	while (w < n && w < 12 && s[w] != ' ' && s[w] != '\t' && s[w] != '\n' && s[w] != '(')
		w++;
	if (kind == DDL_DML_TABLE)
		mc_errf(err, MC_EXIT_DATA, "statement-based %.*s on `%.*s`.`%.*s` (binlog_format "
			"STATEMENT or MIXED): its rows are not in the binlog; set binlog_format=ROW "
			"on the server (or leave the table out with --tables)", (int)w, s,
			(int)db.n, db.p, (int)tab.n, tab.p);
	else
		mc_errf(err, MC_EXIT_DATA, "statement-based %.*s whose table cannot be told "
			"(binlog_format STATEMENT or MIXED): its rows are not in the binlog; set "
			"binlog_format=ROW on the server", (int)w, s);
	return tail_data_error(T, start, err);
}

static int query(struct tail *T, const struct bl_event *ev, const struct txn_at *at,
		 struct mc_err *err)
{
	const char *s0 = ev->sql.p, *end = s0 + ev->sql.n, *s = stmt_word(T, &s0, end);
	size_t n = (size_t)(end - s);
	if (kw(s, n, "BEGIN") || (kw(s, n, "START") && n >= 17 && kw(s + 6, n - 6, "TRANSACTION"))) {
		return tail_began(T, "BEGIN", at->start, err);
	}
	if (kw(s, n, "COMMIT"))
		return tail_commit(T, at->off, at->inner, ev->when, err);
	if (kw(s, n, "ROLLBACK") && !(n > 9 && strncasecmp(s + 9, "TO", 2) == 0)) {
		tail_rollback(T);
		return 0;
	}
	if (kw(s, n, "XA"))
		return tail_xa_query(T, ev, s, n, at, err);
	if (kw(s, n, "SAVEPOINT") || kw(s, n, "ROLLBACK") ||
	    kw(s, n, "RELEASE")) /* RELEASE SAVEPOINT */
		return tail_savepoint(T, s, n, at->start, err);
	if (is_ddl(s, n)) {
		uint64_t last;
		/* CREATE TABLE ... SELECT: the DDL goes out with the rows, in
		 * order, at the commit (its text held in UTF-8). */
		if (T->in_txn) {
			if (sql_utf8(T, ev, at->start, err) < 0)
				return -1;
			return txn_add_query(&T->txn, ev->when, ev->db,
					     mc_str_c(T->sql8.p, T->sql8.len), at, err);
		}
		/* a two-phase ALTER takes effect at its COMMIT ALTER only */
		if (T->alter_phase == BL_ALTER_START || T->alter_phase == BL_ALTER_ROLLBACK)
			last = 0;
		else if (ddl_emit(T, ev, s0, (size_t)(end - s0), at->start, at->off, 0, &last,
				  err) < 0)
			return -1;
		T->mark_row = last;
		return tail_commit(T, at->off, at->inner, ev->when, err);
	}
	if (dml_statement(T, ev, s0, (size_t)(end - s0), s, at->start, err) < 0)
		return -1;
	if (!T->in_txn)
		T->gtid[0] = 0; /* a statement outside transactions: GRANT, ... */
	return 0;
}

/* Events -------------------------------------------------------------- */

static int payload(struct tail *T, const struct bl_event *ev, uint64_t start, uint64_t off,
		   struct mc_err *err)
{
	const uint8_t *p = ev->payload, *end = p + ev->payload_len;
	/* The decoder's payload buffer is reused by nothing but another
	 * payload, which cannot nest; inner events are copied into the
	 * transaction buffer as they come. */
	while (p < end) {
		uint32_t len = bl_event_len(p, (size_t)(end - p));
		if ((size_t)(end - p) < BL_HEADER_LEN || len < BL_HEADER_LEN ||
		    len > (size_t)(end - p)) {
			mc_errf(err, MC_EXIT_DATA, "transaction payload: truncated inner event");
			return tail_data_error(T, start, err);
		}
		if (tail_event(T, p, len, start, off, 1, err) < 0)
			return -1;
		p += len;
	}
	return 0;
}

static int bad_event(struct tail *T, uint64_t start, int inner, struct mc_err *err)
{
	if (inner)
		mc_errctx(err, "in transaction payload: ");
	return tail_data_error(T, start, err);
}

int tail_event(struct tail *T, const uint8_t *p, size_t n, uint64_t start, uint64_t off,
	       int inner, struct mc_err *err)
{
	struct bl_event ev;
	struct txn_at at = { off, start, inner };
	unsigned as = inner ? BL_AS_INNER : 0; /* events inside a payload carry no checksum */

	if (!inner) {
		T->stats.events++;
		T->stats.bytes += n;
		T->stats.fileseq = T->fileseq;
		T->stats.off = off;
		T->stats.caught_up = 0;
		if (n > 4 && (p[0] | p[1] | p[2] | p[3]))
			T->stats.when = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
					(uint32_t)p[3] << 24;
		if ((T->stats.events & 1023) == 0)
			tail_report(T);
	}

	/* Table maps and rows are decoded at the commit only (txn_replay):
	 * their length and checksum are checked now. */
	if (n > 4 && (p[4] == BL_TABLE_MAP || bl_is_rows(p[4]))) {
		uint16_t fl;
		int rc = bl_check_as(&T->d, p, n, as, &fl, err);
		if (rc < 0)
			return bad_event(T, start, inner, err);
		if ((T->hold_ref && !inner ? txn_add_ref(&T->txn, p, n, &at, err)
					   : txn_add(&T->txn, p, n, &at, err)) < 0)
			return -1;
		if (rc != BL_TABLE_MAP && !T->in_txn && (fl & BL_ROWS_STMT_END))
			return tail_commit(T, off, inner,
					   (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
						   (uint32_t)p[3] << 24,
					   err);
		return 0;
	}
	if (bl_decode_as(&T->d, p, n, as, &ev, err) < 0)
		return bad_event(T, start, inner, err);
	switch (ev.type) {
	case BL_QUERY:
	case BL_MARIA_QUERY_COMPRESSED:
		return query(T, &ev, &at, err);
	case BL_XID:
		return tail_commit(T, off, inner, ev.when, err);
	case BL_GTID:
	case BL_ANONYMOUS_GTID:
	case BL_GTID_TAGGED:
		if (tail_unclosed(T, "GTID event", start, err) < 0)
			return -1;
		tail_txn_forget(T);
		memcpy(T->gtid, ev.gtid, sizeof T->gtid);
		T->gtid_off = start;
		return 0;
	case BL_MARIA_GTID:
		if (tail_unclosed(T, "GTID event", start, err) < 0)
			return -1;
		tail_rollback(T);
		if (!T->o->live && !inner)
			tail_gtid_read(T, &ev); /* counted once its group is whole */
		memcpy(T->gtid, ev.gtid, sizeof T->gtid);
		T->alter_phase = ev.gtid_alter;
		T->in_txn = !ev.gtid_standalone;
		T->txn_start = T->gtid_off = start;
		T->txn_start_gtid = T->in_txn;
		return 0;
	case BL_XA_PREPARE:
		return tail_xa_prepare(T, &ev, off, inner, err);
	case BL_TRANSACTION_PAYLOAD:
		if (inner) {
			mc_errf(err, MC_EXIT_DATA, "transaction payload inside a payload");
			return tail_data_error(T, start, err);
		}
		return payload(T, &ev, start, off, err);
	case BL_FDE:
		tail_note_fde(T, &ev);
		if (!inner) {
			T->fde_server = ev.server_id;
			T->fde_end = off;
			return tail_binlog_start(T, &ev, err);
		}
		return 0;
	case BL_MARIA_GTID_LIST:
		/* the one that begins a file (a relay log's are the source's,
		 * of another server_id); live, only the checkpoint's GTIDs are
		 * compared (tail_gtid_floor) */
		if (!inner && start == T->fde_end && ev.server_id == T->fde_server)
			return tail_gtid_list(T, &ev, start, err);
		return 0;
	case 6: case 10: case 12: case 18:
		/* LOAD, EXEC_LOAD, NEW_LOAD, EXECUTE_LOAD_QUERY: LOAD DATA as a
		 * statement */
		mc_errf(err, MC_EXIT_DATA, "statement-based LOAD DATA (event type %u; "
			"binlog_format STATEMENT or MIXED): its rows are not in the binlog; set "
			"binlog_format=ROW on the server", ev.type);
		return tail_data_error(T, start, err);
	case BL_ROTATE:
		tail_rotate_note(T, &ev);
		return 0;
	case BL_INCIDENT:
		/* the server lost changes it could not log (a replica stops) */
		{
			unsigned num = n >= BL_HEADER_LEN + 2 ? (unsigned)p[BL_HEADER_LEN] |
				(unsigned)p[BL_HEADER_LEN + 1] << 8 : 0;
			mc_errf(err, MC_EXIT_DATA, "INCIDENT event (%s %u): the server could not "
				"log some changes, which are in no event (a replica stops here); take "
				"a new mc-snapshot of the tables written then, and start past it "
				"(--from or --start at offset %" PRIu64 ")",
				num == 1 ? "LOST_EVENTS," : "incident", num, off);
		}
		return tail_data_error(T, start, err);
	case BL_STOP: case BL_INTVAR: case BL_RAND:
	case BL_USER_VAR: case BL_HEARTBEAT: case BL_HEARTBEAT_V2:
	case BL_IGNORABLE: case BL_ROWS_QUERY: case BL_PREVIOUS_GTIDS:
	case BL_TRANSACTION_CONTEXT: case BL_VIEW_CHANGE:
	case BL_MARIA_ANNOTATE_ROWS: case BL_MARIA_BINLOG_CHECKPOINT:
	case 7: case 8: case 9: case 11: case 17:
		return 0;
	}
	if (ev.flags & BL_F_IGNORABLE)
		return 0;
	mc_errf(err, MC_EXIT_DATA, "unknown event type %u (not marked ignorable)", ev.type);
	return tail_data_error(T, start, err);
}

/* Run ----------------------------------------------------------------- */

int tail_run(const struct tail_opts *o, struct mc_err *err)
{
	struct tail *T = calloc(1, sizeof *T); /* zero pages, untouched until used */
	int rc;
	if (!T)
		return mc_oom(err, "engine state");
	rc = tail_init(T, o, err);
	if (rc == 0 && o->live)
		rc = tail_live(T, err); /* the stream begins once the start is known */
	else if (rc == 0 && (rc = tail_begin(T, err)) == 0)
		rc = tail_files(T, err);
	if (rc == 0)
		rc = tail_end(T, err);
	if (rc == 0) {
		T->stats.caught_up = 1;
		tail_report(T);
	}
	tail_free(T);
	free(T);
	return rc;
}
