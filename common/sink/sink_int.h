/* sink_int.h: the sink engine's state, shared by sink.c (records,
 * commits) and chunk.c (snapshot chunks); not for users of sink.h. */
#ifndef MC_SINK_INT_H
#define MC_SINK_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "stream/dest.h"
#include "sink/sink.h"
#include "stream/ledger.h"
#include "stream/rec.h"
#include "stream/recio.h"
#include "stream/schema.h"
#include "stream/sqlword.h"

/* A pbuf's state when a chunk began: rows of a chunk are added at once and
 * taken back when the chunk is dropped. */
struct sink_psave {
	size_t data_len, schemas_len, hist_len;
	uint64_t nrec, rows, schema_ver;
	const char *schema_db;
	uint32_t schema_crc;
	size_t schema_len;
	int has_pos, has_time;
	struct mc_pos lo, hi;
	int64_t tmin, tmax;
};

/* One partition being written: rows since the last commit. */
struct sink_pbuf {
	char *table;           /* destination table name (without _log) */
	char *part;
	int is_log;
	struct dest_part *dp;  /* the destination's handle */
	struct mc_buf data;    /* encoded records: schemas and rows */
	struct mc_buf schemas; /* encoded schema records new to the table */
	struct mc_buf hist;    /* encoded ALTER TABLE records (hist.c) */
	uint64_t nrec, rows;
	uint64_t schema_ver;   /* version of the last schema record in data */
	const char *schema_db; /* and its db (a sink_tab's db): the shards of a
				* destination may come from several databases */
	uint32_t schema_crc;   /* and its bytes' CRC-32C and length: two */
	size_t schema_len;     /* streams may give one version number to two
				* schemas (a table dropped and created again) */
	int has_pos, has_time;
	struct mc_pos lo, hi;
	int64_t tmin, tmax;
	int complete;          /* base: complete at this commit */
	int has_floor;         /* base: the lowest chunk watermark seen */
	struct mc_pos floor;
	int has_ceil;          /* base: the highest (a chunk without rows too) */
	struct mc_pos ceil;
	size_t noted;          /* data.len counted in sink.pending_bytes (pbuf.c) */
	size_t fed;            /* data[0..fed) told settled (dest_ops.feed, pbuf.c) */
	size_t ticked;         /* data.len at the last feed or tick (pbuf.c) */
	uint64_t bgen;         /* change rows added since boundary bgen (sink.bgen) */
	struct sink_psave bsave; /* its state at that boundary (open.c) */
};

struct sink_tab {
	char *db, *table;
	char name[256];        /* destination name */
	char key[600];         /* its snapshot chain's key (ledger_table_key) */
	struct schema_copy schema;
	int64_t base_time;     /* the time whose day is the base partition's: the
				* schema's before the stream's first snapshot
				* record of the table, not moved by a later one */
	int base_fixed;        /* a snapshot record of it came in this stream */
	int alter_cols;        /* an ALTER of its columns since its last schema
				* record: the next one is kept even when the
				* same (hist.c sink_hist_ddl) */
	int snap_in_stream;
	int part_checked;      /* --partition checked for its snapshot (pday.c) */
	struct sink_pbuf *last_base, *last_log;
	int open;              /* snapshot rows of a chunk not ended yet */
	uint64_t open_start;   /* snap_seen when the chunk began */
	uint64_t open_n;       /* n_read when the chunk began */
	/* snapshot rows by count (snapcount.c): of this table, read in this
	 * run and their hash; committed before (the ledger's snaprows) */
	uint64_t n_read, hash, cnt_n, cnt_h;
	int cnt_init, has_cnt;
	int named;             /* the ledger named it when this run met it */
	int legacy;            /* named, with no count of its own, by a ledger
				* older than the counts: the old count of
				* every table's rows applies (skip_snap) */
	struct sink_pbuf *cp;  /* where its rows go */
	struct sink_psave save;
	size_t src_ok;         /* 1 + the source whose rows it was checked to take */
	int merge;             /* one of several source tables of its
				* destination (shard.c) */
	int upart;             /* --mode=upsert: its PK table's partition
				* checked against the ledger (upsert.c) */
};

struct sink {
	struct sink_opts o;
	int future_said;         /* a change stamped ahead of the clock: warned */
	struct dest *d;
	struct mc_ledger L;      /* what is committed plus pending */
	struct mc_ledger M;      /* --resnapshot: the main writer's ledger */
	int has_M;
	struct sink_tab *tabs;
	size_t ntabs, tabcap, last_tab;
	struct sink_pbuf **pbufs;
	size_t npbufs, pbufcap;
	uint64_t pending_rows;
	uint64_t pending_bytes;  /* of the pbufs' data (pbuf.c) */
	uint64_t skip_snap;      /* snapshot rows of every table counted by a
				  * ledger older than the per-table counts
				  * (snapshot_legacy, snapcount.c) */
	uint64_t snap_seen;      /* snapshot rows read */
	size_t nopen;            /* tables with an open chunk: no commit meanwhile */
	int chunked_stream;      /* this stream has chunk marks (or is mc-snapshot's) */
	int labelled;            /* it is mc-snapshot's or has shown a "(LO, HI]"
				  * chunk: its rows are not counted */
	struct mc_buf cnt_buf;   /* a row encoded to be hashed (snapcount.c) */
	int lctn_known;          /* its header says the source's
				  * lower_case_table_names, or it is no tail's */
	int dest_names;          /* its header says "dest_names: table": a
				  * record's table field is the table's
				  * destination name (mc-transform) */
	int dest_merge;          /* its header says "dest_merge: dest/table": a
				  * table field "DEST/TABLE" is source table
				  * TABLE going into DEST with others (shard.c) */
	const char *mdest;       /* the record being handled: its DEST, or NULL */
	size_t mdestn;
	struct mc_str mshard;    /* and its source table (the record's table
				  * field is DEST: what the warehouse holds) */
	char pcol[136];          /* its header's partition_column, or "" (spart.c) */
	int had_ledger;          /* read_ledger found a committed ledger */
	int ckpt_moved;          /* this run found --checkpoint-out behind its
				  * commits (a run killed before writing it)
				  * and wrote it: a source started beside it
				  * may have read the old one (sink_rerun_hint) */
	int dirty;               /* L moved since the last commit */
	size_t src;              /* the source of this stream (ledger_src) */
	size_t hist_rank;        /* its history's rank among its source's */
	uint64_t dropped;        /* records dropped as committed already */
	int seg_accepted;        /* a change of this stream (since its header)
				  * was accepted */
	int seg_committed;       /* and a commit took it: the source's */
	struct mc_pos seg_commit_hi; /* position then (for the message of a
				  * change out of order in a pipe, sink.c) */
	int resume_done;         /* a resume position is committed */
	uint64_t resume_done_file; /* its binlog file */
	/* the last transaction boundary (a mark or a commit), for an input that
	 * ends without its trailer (open.c): what to take back after it */
	uint64_t bgen;           /* boundaries so far */
	uint64_t lgen;           /* lsave is of boundary lgen */
	struct mc_pos txn_first; /* the first change of the open transaction:
				  * where a day that ends in it is cut
				  * (txn_track in sink.c) */
	int txn_in;              /* a change came since the last mark */
	int has_stream_start;    /* the stream's header source_start */
	struct mc_pos stream_start;
	int txn_marks;           /* the input has shown a txn_end/heartbeat */
	struct sink_lsave {
		int has_pos, has_first, has_hw, dirty;
		struct mc_pos pos, first_pos;
		int64_t first_time, hw_time;
		size_t ncuts;
	} lsave;                 /* the source's positions then */
	int feed_due;            /* a buffer has SINK_FEED_STEP bytes or more
				  * not fed to the destination (pbuf.c) */
	int whole;               /* the input is a regular file checked whole
				  * first (sink.c): its rows are fed as they
				  * come, not at boundaries (pbuf.c) */
	struct mc_buf fenc;      /* a record encoded before it goes into a
				  * buffer a destination reads (pbuf.c) */
	int bkeep;               /* since then change and snapshot rows shared a
				  * buffer: nothing can be taken back */
	struct sink_stats stats; /* for o.progress (stats.c) */
	struct sink_vis {
		int64_t time;    /* a source commit's time (seconds) */
		uint64_t n;      /* transactions of that second */
	} *vis;                  /* the transactions pending visibility */
	size_t nvis, viscap;
	uint64_t vis_rows;       /* pending_rows at the last transaction end */
	double commit_t0;        /* monotonic seconds: the commit under way began */
	double t_commit;         /* monotonic seconds of the last commit's start
				  * (or the open) */
	struct {
		int ok;
		int64_t day;
		char ds[19];     /* "ds=" and day's YYYYMMDD (day_format: 16) */
	} pday;                  /* sink_part_for's last day (pday.c) */
};

/* sink.c */
struct sink_tab *sink_tab_find(struct sink *s, const struct mc_rec *r, int create,
			       struct mc_err *err);
struct sink_pbuf *sink_pbuf_get(struct sink *s, const char *table, int is_log, const char *part,
				struct mc_err *err);
/* pday.c */
void sink_part_for(struct sink *s, const struct sink_tab *t, int is_log, char *out, size_t outsz);
/* A snapshot row of t (record rd->recno) with --partition=ds=D: D must be
 * the snapshot's own day (the base partition of day D is the state at its
 * end); once a table. 0, or -1 (code 1). */
int sink_part_check_base(struct sink *s, struct sink_tab *t, const struct rio_reader *rd,
			 struct mc_err *err);
int sink_commit(struct sink *s, struct mc_err *err);
/* "" or, when ckpt_moved, the words ("; ...") that end a refusal of chunks
 * the source repeated from the checkpoint it read: run the same command
 * again. */
const char *sink_rerun_hint(const struct sink *s);
/* The ledger entry of the stream's source: its positions. */
static inline struct mc_ledger *sink_src(struct sink *s)
{
	return ledger_src(&s->L, s->src);
}
/* The rank of the stream's binlog history among its source's (0: the
 * first; dest_rows hist_rank): set once a stream's header chose it
 * (sink_source), not counted again for every row. */
static inline size_t sink_hist_rank(const struct sink *s)
{
	return s->hist_rank;
}
/* source.c: a stream header names its source (and history): choose or
 * open its ledger entry (s->src). */
int sink_source(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		struct mc_err *err);
/* A binlog_start mark r (docs/record-format.md "4 mark"): the stream's
 * source reads binlog F, created at T (its label "F:T"), from here on. Kept
 * (ledger_rotated_add) for the checkpoint's resume_epoch; a file the
 * history knows created at another time is an error. */
int sink_binlog_start(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		      struct mc_err *err);
/* t's rows come from the stream's source: record it as the table's when
 * it has none; a table of another server is an error. */
int sink_tab_source(struct sink *s, const struct rio_reader *rd, struct sink_tab *t,
		    struct mc_err *err);

/* 1 when the first word of statement sql, past blanks and comments, is
 * word (any case): stream/sqlword.h, shared with the merge in MaxCompute. */
#define sink_sql_starts mc_sql_starts
/* hlayout.c: the log layout of the ledger (enum wh_layout) into *lay; -1
 * with err when the ledger's log_layout is not one. */
int sink_layout(const struct sink *s, int *lay, struct mc_err *err);
/* hlayout.c: the header's log_layout entry (mc-transform's rules): the
 * layout of a new ledger, else it must be the ledger's; a --log-layout
 * given must say the same (exit 2 naming both). */
/* The header's rules fingerprint against the one the ledger records of
 * the stream's source (hrules.c): recorded when none is, else refused
 * (exit 1) when it differs. */
int sink_header_rules(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		      struct mc_err *err);
/* mc-binlog-tail's --tables of the stream (header r) against the source's
 * recorded one (hrules.c): 0, or -1 (another; err says what to do). */
int sink_header_tables(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		       struct mc_err *err);
int sink_header_layout(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		       struct mc_err *err);
/* mc-snapshot's split keys and conditions of the stream (header r)
 * against those of the chains it resumes (chunk.c): 0, or -1 (another). */
int sink_header_chains(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		       struct mc_err *err);

/* spart.c: a log row's partition from the stream (header partition_column) */
void sink_spart_header(struct sink *s, const struct mc_rec *r);
/* 1 with the partition of row r in out, 0 when the stream does not choose
 * it (the sink's own then), -1 with err. */
int sink_spart(const struct sink *s, const struct rio_reader *rd, const struct sink_tab *t,
	       const struct mc_rec *r, int is_log, char *out, size_t outsz, struct mc_err *err);

/* open.c: an input that ends without its trailer */

/* A partition buffer's state (its bytes and counters), to take back what
 * was added after it: a snapshot chunk (chunk.c), an input's open end
 * (open.c). */
void sink_pbuf_save(const struct sink_pbuf *p, struct sink_psave *v);
/* Back to v; returns the rows taken back (also out of pending_rows). */
uint64_t sink_pbuf_restore(struct sink *s, struct sink_pbuf *p, const struct sink_psave *v);
/* Count record r (pos: whether its position moves the buffer's range),
 * just appended to p. */
void sink_pbuf_note(struct sink *s, struct sink_pbuf *p, const struct mc_rec *r, int pos);
/* Add t's schema record to p before a row of t when p needs it: none in
 * p yet, another version, or the last one of another database (a reader
 * takes a row by the schema record of its own db, table and version).
 * 0, or -1 out of memory. */
int sink_pbuf_schema(struct sink *s, struct sink_pbuf *p, const struct sink_tab *t);
/* The destination told that p's first row of the commit under way came
 * (dest_ops.prepare), when it listens and p has no row yet. */
void sink_pbuf_prepare(struct sink *s, const struct sink_tab *t, struct sink_pbuf *p);
/* pbuf.c: a commit is due at a boundary (k 1), or anywhere outside a
 * snapshot chunk (k 4): k x --commit-rows rows or k x --commit-bytes
 * bytes pending */
int sink_over(const struct sink *s, uint64_t k);

/* A boundary: nothing before it is taken back. */
static inline void sink_boundary(struct sink *s)
{
	s->bgen++;
	s->bkeep = 0;
}
/* pbuf.c: after a boundary, the rows of each buffer that settled since
 * it was last fed (SINK_FEED_STEP bytes or more; those of an open
 * snapshot chunk excepted) told to the destination (dest_ops.feed). A
 * buffer fed already is told again, with nothing new, each
 * SINK_FEED_STEP bytes between boundaries (sink_pbuf_note), so that the
 * destination moves what it sends on while a long chunk is read. An
 * input checked whole first (s->whole: a regular file, whose end is
 * known to come) is fed every SINK_FEED_STEP bytes as it is read, open
 * chunks included: what is taken back there (a chunk committed before,
 * met again by a rerun) drops what was fed (sink_pbuf_restore), as
 * rarely as that happens. */
#define SINK_FEED_STEP ((size_t)256 << 10)
void sink_feed(struct sink *s);
/* n bytes added to p->data (the encoded record r: n is ignored), as
 * buf_add / rec_encode: where the destination reads p's fed records
 * (dest_ops.feed_hold) and they would move, it is held while they do,
 * then told their new place. -1 (err set) on failure. */
int sink_pbuf_add(struct sink *s, struct sink_pbuf *p, const void *raw, size_t n,
		  struct mc_err *err);
int sink_pbuf_add_rec(struct sink *s, struct sink_pbuf *p, const struct mc_rec *r,
		      struct mc_err *err);
/* Before a change record moves the source's positions / a row goes into p. */
void sink_open_note_change(struct sink *s);
void sink_open_note_row(struct sink *s, struct sink_pbuf *p, int snap);
/* At the end without a trailer: take back what came after the last
 * boundary (and the open snapshot chunks). */
int sink_open_end(struct sink *s, struct mc_err *err);
/* Whether header record r is of a stream of mc-binlog-tail (its program;
 * mc-transform and mc-cat keep it). */
static inline int sink_tail_header(const struct mc_rec *r)
{
	const struct mc_str *p = rec_header_get(r, "program");
	return p && p->n == 14 && memcmp(p->p, "mc-binlog-tail", 14) == 0;
}

/* The input ended without its trailer: commit up to the last boundary, then
 * an error unless --partial-ok (open.c). */
int sink_open_end_input(struct sink *s, const char *name, uint64_t cut, uint64_t cut_off,
			struct mc_err *err);

/* stats.c: the numbers of o.progress */
/* A record read (its time). */
void sink_stats_record(struct sink *s, const struct mc_rec *r);
/* A commit is about to be made of what is pending / it was made. */
void sink_stats_precommit(struct sink *s);
/* A transaction end accepted: its time waits for the commit (0, or -1 out
 * of memory) */
int sink_stats_txn(struct sink *s, const struct mc_rec *r, struct mc_err *err);
void sink_stats_commit(struct sink *s);

/* resnap.c: mc-tunnel-put --resnapshot */
/* At the start: s->L (this writer's own ledger, have_own: read) becomes
 * the main ledger with this writer's own keys; s->M the main ledger. */
int sink_resnap_open(struct sink *s, int have_own, struct mc_err *err);
/* After the header: its source is an open history of the main ledger. */
int sink_resnap_source(struct sink *s, const struct rio_reader *rd, struct mc_err *err);
/* A record a re-snapshot does not take: the error. */
int sink_resnap_refuse(const struct rio_reader *rd, const struct mc_rec *r, struct mc_err *err);
/* A new table of the stream: one the warehouse holds. */
int sink_resnap_table(struct sink *s, const struct rio_reader *rd, const struct sink_tab *t,
		      struct mc_err *err);
/* A chunk of t at watermark w begins: its generation (maybe a new one). */
int sink_resnap_gen(struct sink *s, const struct rio_reader *rd, struct sink_tab *t,
		    const struct mc_pos *w, struct mc_err *err);
/* The partition of t's generation: "gen=NNNNNN". */
void sink_resnap_part(const struct sink *s, const struct sink_tab *t, char *out, size_t outsz);

/* shard.c: many source tables into one destination table */
/* Before a record is handled: a table field "DEST/TABLE" of a dest_merge
 * stream is split into *r's table (TABLE) and s->mdest (DEST). */
void sink_merge_split(struct sink *s, struct mc_rec *r);
/* t is new and s->mdest is set: name it DEST, which the ledger records as
 * a destination of several tables; a DEST another table holds alone is
 * refused. nk: t's name key. */
int sink_merge_name(struct sink *s, struct sink_tab *t, const char *nk, struct mc_err *err);
/* A table t that is not a merge's would be named NAME: refused when NAME
 * is a merge destination. */
int sink_merge_taken(struct sink *s, const struct sink_tab *t, struct mc_err *err);
/* Whether the ledger records NAME as a merge destination. */
int sink_merge_dest(const struct sink *s, const char *name);

/* nameclash.c: a new table's destination name against the names of the
 * other tables (the ledger's, and x[0..nx)): -1 (err set, exit 2 when
 * byopt, a --name, else 1) when the destination derives one from the
 * other (T and T_log, ...). sink_scan_rec: each record of a regular file
 * read whole before it is handled, its new tables checked so. */
struct sink_named {
	char key[700];  /* its ledger name key */
	char name[256];
};
int sink_name_clash(const struct sink *s, const char *db, const char *table, const char *name,
		    int byopt, const struct sink_named *x, size_t nx, struct mc_err *err);
struct sink_scan {
	struct sink_named *v; /* the new tables met so far */
	size_t n, cap;
	int names, merge;     /* the stream's header: dest_names, dest_merge */
	char sid[64];         /* and its source_id ("": none) */
};
int sink_scan_rec(struct sink *s, struct sink_scan *sc, const struct mc_rec *r,
		  unsigned long long recno, struct mc_err *err);
void sink_scan_free(struct sink_scan *sc);
/* nameclash.c: the source table of a schema record r of table t (its
 * src_table, else its table field, and the stream's server) against the
 * one the ledger says t's warehouse table holds (LEDGER_K_SRCTAB),
 * recorded when none is: -1 (err set, exit 1) when another. */
int sink_tab_origin(struct sink *s, const struct rio_reader *rd, const struct sink_tab *t,
		    const struct mc_rec *r, struct mc_err *err);
/* nameclash.c: a table-replacing DDL record r (sink_ddl_replaces), or an
 * ALTER TABLE one (the schema history's, hist.c), of the
 * warehouse table NAME, of a stream of server sid (NULL or "": none),
 * dest_names its header's: the source table it is of (its src_table,
 * else its table field) and its server against the ones the warehouse
 * table holds (LEDGER_K_SRCTAB; nothing recorded), -1 (err set, exit 1)
 * when another: the merge would take its marker for the held table's.
 * Under dest_names, a record without src_table whose table field is not
 * the held table's (an older mc-transform's) is checked for its server
 * only. Also of a regular file read whole (sink_scan_rec). */
int sink_ddl_origin(struct sink *s, const char *sid, int dest_names, const struct mc_rec *r,
		    const char *name, struct mc_err *err);
/* ddl.c: a DDL record r, accepted (above what is committed): kept as a
 * marker of each table it replaces that the warehouse holds (a DROP
 * DATABASE: of each table of that database), or in the schema history. */
int sink_on_ddl(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		struct mc_err *err);
/* ddl.c: a DDL record r of a regular file read whole (sink_scan_rec), of
 * a stream of source_id sid: a DROP DATABASE that would be refused is
 * refused there, before anything of the file is committed. */
int sink_dropdb_scan(struct sink *s, const char *sid, const struct mc_rec *r,
		     unsigned long long recno, struct mc_err *err);
/* ddl.c: the DDL effects whose record replaces a table's rows (create,
 * drop, truncate, rename_from, rename_to): kept as markers in its log. */
int sink_ddl_replaces(enum mc_ddl_effect e);
/* source.c: the table t whose replacing (or ALTER) DDL record r comes: a table that
 * holds another server's changes (ledger tsrc) is an error (nothing
 * recorded). */
int sink_ddl_source(struct sink *s, const struct mc_rec *r, const struct sink_tab *t,
		    struct mc_err *err);
/* t's schema copy set to r, without r's src_table. */
int sink_schema_keep(struct sink_tab *t, const struct mc_rec *r, struct mc_err *err);
/* The --name given to db.table, or NULL. */
const char *sink_renamed(const struct sink *s, const char *db, const char *table);
/* At a stream's end: the base of every merge destination all of whose
 * tables' snapshots are done becomes complete. */
int sink_merge_complete(struct sink *s, struct mc_err *err);
/* A snapshot row of t, a merge table: refused when nothing of t's snapshot
 * is committed and an earlier stream completed its destination's base. */
int sink_merge_late(struct sink *s, const struct rio_reader *rd, const struct sink_tab *t,
		    struct mc_err *err);
/* A base time for t, a merge table: its destination's other tables'. */
void sink_merge_base_time(struct sink *s, struct sink_tab *t);
/* The base of t: complete (chunk.c, for one table; shard.c for a merge). */
int sink_base_mark_complete(struct sink *s, struct sink_tab *t, struct mc_err *err);
/* hist.c: the schema history's statements */
/* An ALTER TABLE record r: kept for the schema history of its table when
 * the warehouse holds it (a local warehouse only, for now). */
int sink_hist_ddl(struct sink *s, const struct mc_rec *r, struct mc_err *err);
/* Row r of t comes after an ALTER of its columns with no schema record
 * between (t->alter_cols: MODIFY a INT COMMENT '...', the columns as
 * they were, so the source wrote none): t's schema at r's position, as
 * a version of the history that closes the statement (else it stayed
 * pending and every merge past it was refused). */
int sink_hist_close(struct sink *s, struct sink_tab *t, const struct mc_rec *r,
		    struct mc_err *err);
/* An ALTER TABLE record r repeated (committed before: a rerun): its table
 * is marked as after such a statement again (t->alter_cols), so that the
 * next change committed closes it in the history if no run did (the run
 * that committed it stopped before the next row) (sink_hist_close). */
int sink_hist_repeat(struct sink *s, const struct mc_rec *r, struct mc_err *err);
/* Whether p goes to the destination at a commit for its history only,
 * and after the commit: its history records are gone. */
int sink_hist_pending(const struct sink *s, const struct sink_pbuf *p);

/* commits.c: p went to the destination at this commit: count its
 * commits record's entry in the ledger (dest_ops.commits_record). */
int sink_commits_note(struct sink *s, const struct sink_pbuf *p, struct mc_err *err);

/* chunk.c */
/* Snapshot rows of t begin a chunk in p: remember what to take back. */
void sink_chunk_begin(struct sink *s, struct sink_tab *t, struct sink_pbuf *p);
/* A chunk_end mark of t: keep or drop its chunk. */
int sink_chunk_end(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		   struct sink_tab *t, struct mc_err *err);
/* End t's open chunk without a labelled mark (at_end: the stream ended):
 * kept or dropped by count; -1 with err when it is past a complete
 * snapshot of the table (another snapshot). */
int sink_close_chunk(struct sink *s, struct sink_tab *t, int at_end, struct mc_err *err);
/* End every open chunk (sink_close_chunk); at_end 0: the stream ended
 * whole (its trailer), so the rows after its last chunk mark are its last
 * piece unless it is mc-snapshot's (labelled chunks: its source resends an
 * unfinished chunk). */
int sink_close_open_chunks(struct sink *s, int at_end, struct mc_err *err);
/* Is the destination the local warehouse (not MaxCompute, not a test's)? */
static inline int sink_local(const struct sink *s)
{
	return s->d->ops->kind && strcmp(s->d->ops->kind, "warehouse") == 0;
}
/* t's snapshot is complete: its chain is done, its base partition gets
 * its marker at the next commit. */
int sink_complete_base(struct sink *s, struct sink_tab *t, struct mc_err *err);

/* snapcount.c: snapshot rows of streams without labelled chunks, counted
 * per table (the ledger's snaprows keys) */
/* Snapshot row r of t read: counted and hashed; at the count committed
 * before, the rows below it (dropped) must hash as the committed did,
 * else -1 with err (another snapshot of the table). */
int sink_cnt_row(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		 struct sink_tab *t, struct mc_err *err);
/* 1 when t's piece of rows must end here: the count committed before is
 * reached (no piece straddles it). */
int sink_cnt_cut(struct sink *s, struct sink_tab *t);
/* 1 when t's open chunk lies below the count committed before (a repeat). */
int sink_cnt_repeat(struct sink *s, struct sink_tab *t);
/* The error of t's open chunk above a complete snapshot of the table. */
int sink_cnt_done(struct sink *s, const struct sink_tab *t, struct mc_err *err);
/* t's rows so far are kept (or, at a trailer, read to the end): the count. */
int sink_cnt_keep(struct sink *s, struct sink_tab *t, struct mc_err *err);
/* t's snapshot ends in this stream (snapshot_end, the trailer): -1 with
 * err when it ends below the count committed, or at it with other rows. */
int sink_cnt_end(struct sink *s, const struct rio_reader *rd, struct sink_tab *t,
		 struct mc_err *err);

/* upsert.c: --mode=upsert (sink_opts.upsert) */
/* Row r of t: a snapshot row of a stream without chunk marks, or a change
 * of a table whose snapshot is under way, is refused. */
int sink_ups_row(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		 struct sink_tab *t, struct mc_err *err);
/* Chunk mark of t about to be kept: refused after pending changes of t, or
 * below the changes of its source accepted already. */
int sink_ups_chunk(struct sink *s, const struct rio_reader *rd, const struct mc_rec *mark,
		   const struct sink_tab *t, struct mc_err *err);
/* 1 when no commit may be made now: a table's pending changes end below the
 * highest watermark of its snapshot (err, when not NULL, says so); else 0. */
int sink_ups_held(struct sink *s, struct mc_err *err);
/* ALTER record r (effect alter) of a table the state holds, after its
 * snapshot: refused (code 1) when it adds, drops, renames or modifies a
 * column, or cannot be read; else 0. */
int sink_ups_alter(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		   struct mc_err *err);

#endif
