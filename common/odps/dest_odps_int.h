/* dest_odps_int.h: what dest_odps.c (the destination's operations) and
 * dest_odps_enc.c (records to Tunnel blocks) share. Internal to
 * common/odps. */
#ifndef MC_DEST_ODPS_INT_H
#define MC_DEST_ODPS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "odps/client.h"
#include "odps/dest_odps.h"
#include "odps/endpoint.h"
#include "odps/spool.h"
#include "odps/state.h"
#include "odps/tunnel_rec.h"
#include "odps/types.h"
#include "odps/upload.h"
#include "stream/ckpt.h"
#include "stream/dest.h"
#include "stream/rec.h"
#include "wh/schemahist.h"
#include "wh/sqlhist.h"

struct dest_part {
	char *table;  /* the MaxCompute table (with _log): of the newest generation */
	char *sname;  /* the sink's name of it (T or T_log; odps/gen.h) */
	char *part;   /* the sink's spec "ds=1/hh=2" */
	char *tpart;  /* the Tunnel's "ds=1,hh=2" */
	int is_log;
	int layout;   /* a log table's layout (enum wh_layout; 0: mcsync) */
	int is_ddl;   /* the companion marker table T_log_ddl of a log table of
		       * another layout (odps/ddlmark.h): that layout (0: not
		       * one); is_log too, its own layout 0 (mcsync's markers) */
	int ensured;  /* the table-and-partition hook ran */
	unsigned hist_gen; /* for the schema history of this generation (odd_hist) */
	/* this commit */
	int used, skip, complete;
	struct odps_session sess;
	struct mc_buf *blocks; /* bodies, kept until the commit (re-PUT), or
				* until in the spool and PUT (the pipeline) */
	size_t nblocks, bcap;
	int freed;             /* some blocks' memory given back: a re-PUT reads
				* them from the spool (odd_blocks_reload) */
	uint64_t rows;
	int has_pos;
	struct mc_pos lo, hi;
	/* the table rows (images) encoded, their positions' range, and how
	 * many lie at the highest (for the state mirror) */
	uint64_t images, nthi;
	int has_tpos;
	struct mc_pos tlo, thi;
	struct odd_pipe *pipe; /* while odd_send pipelines (dest_odps_pipe.c) */
	/* its blocks in the spool (odps/spool.h) */
	int spooled;
	uint64_t spool_size;
	uint32_t spool_crc;
};

/* A table's schema history in the state directory (dest_odps_hist.c,
 * docs/maxcompute.md "Schema changes"). */
struct odd_hist {
	char *table;          /* the base table's name */
	struct wh_hist h;
	struct wh_sqlhist x;  /* built when h has two versions or more */
	int has_x;
	unsigned gen;         /* counts the changes of h in this run */
	unsigned mirrored;    /* gen when last put into the state mirror + 1 */
};

struct odps_zpool;

struct odd {
	struct dest_odps_opts o;
	struct dest_opts dopts;
	char *dest;       /* "odps://P[/S]" */
	struct odps_target t;
	struct odps_client c;
	struct odps_conns *conns; /* --threads > 1: the connections blocks go up on */
	/* --threads > 1: the workers compressing blocks, with the memory of
	 * the last blocks (dest_odps_pipe.c), kept from one commit to the
	 * next; the encoder's block memory likewise */
	struct odps_zpool *zp;
	struct mc_buf zraw;
	struct mc_buf eraw; /* an encoder's own block memory, for the next one (odd_enc_start) */
	int client_ok;
	int lockfd;
	uint64_t seq;
	struct dest_part **parts;
	size_t nparts, cap;
	struct odps_journal doubt; /* the commit in doubt found by clean (seq 0: none) */
	struct odps_statefile sf;
	int mirror_ok;             /* the state mirror table exists */
	/* encoding */
	struct mc_scratch sc;
	struct odps_colmap *maps;  /* of the schema record in force */
	size_t nmaps, mapcap;
	int *plan;                 /* per session column: a source (PLAN_*) or a column */
	size_t plancap;
	const struct odd_hist *phist; /* of the schema record in force, or NULL */
	long pver;                    /* its version there */
	struct odd_hist **hists;      /* each allocated alone (x points into h) */
	size_t nhists, chists;
	struct odps_val *ov;
	struct trec_val *tv;
	size_t valcap;
	/* the dataworks-json layout (dest_odps_json.c): the schema record in
	 * force, decoded apart, and the JSON text of a row */
	struct mc_scratch jsc;
	struct mc_rec jschema;
	struct mc_buf jbuf;
	struct ckpt wseen; /* ledger name keys checked (dest_odps_writer.c) */
	struct odd_wcache *wcache; /* the other writers, asked for a commit (there) */
	struct odd_early *early; /* the work started as rows come (dest_odps_early.c) */
	struct odd_feed *feed;   /* a partition's rows sent as they settle (dest_odps_feed.c) */
	struct odps_spool_rm sprm; /* the last commit's spool being removed */
	char *wrefused_key;        /* a ledger name key the writers' check refused */
	struct mc_err wrefused;    /* early (dest_odps_early.c), and why: the
				    * commit's check says it without asking again */
	/* the state directory behind MaxCompute (dest_odps_stale.c): the
	 * ledger's commit at the start, the check done (or tried on the
	 * early thread), a refusal and its error */
	uint64_t lseq;
	int stale_done, stale_tried, stale_refused;
	struct mc_err stale_err;
};

/* dest_odps_early.c: one partition's work started by dest_ops.prepare,
 * done on a thread of its own while the sink reads the commit. */
struct odd_prep {
	const struct dest_part *p; /* whose (compared, never read there) */
	char *table, *sname, *part, *tpart; /* p's at the prepare */
	int is_log, layout;
	struct mc_buf schemas;       /* the sink's schema records of p then */
	int ensure;                  /* p was not ensured then: make sure of its tables */
	int ensured;                 /* done (odd_ensure_table) */
	struct odps_session sess;    /* the upload session, once made (has_sess) */
	int has_sess;
	char *nkey, *name;           /* the ledger name pair to check (or NULL) */
};
/* dest_ops.prepare: queue p's work (ignored when p is not the plain case,
 * or out of memory) and start the thread when none runs. */
void odd_early_prepare(struct odd *w, struct dest_part *p, const char *schemas, size_t len,
		       int layout, const char *nkey, const char *name);
/* Wait until the thread is done: w->c is the caller's again. */
void odd_early_drain(struct odd *w);
/* p's work, drained and taken out (the caller frees it), or NULL. */
struct odd_prep *odd_early_take(struct odd *w, const struct dest_part *p);
void odd_prep_free(struct odd_prep *r);
/* p's work when the thread is done with all of it (not taken), or NULL. */
const struct odd_prep *odd_early_peek(struct odd *w, const struct dest_part *p);
/* Drain and free the commit's work not taken (its sessions are left to
 * expire); odd_early_free also frees the rest. */
void odd_early_drop(struct odd *w);
void odd_early_free(struct odd *w);
/* The table of p and its partition made sure of, by the last schema
 * record of schemas[0..len) (dest_odps.c; sets p->ensured). */
int odd_ensure_table(struct odd *w, struct dest_part *p, const char *schemas, size_t len,
		     struct mc_err *err);
/* The same for the decoded schema record r. */
int odd_ensure_rec(struct odd *w, struct dest_part *p, const struct mc_rec *r, struct mc_err *err);
/* The log table for a DDL's marker when the append carries no schema
 * record: made from the base table's columns (dest_odps_tab.c). */
int odd_log_from_base(struct odd *w, struct dest_part *p, struct mc_err *err);
/* The schema and ALTER TABLE records recs[0..len) added to the schema
 * history file of p's table (what odd_hist_add writes; w->hists
 * untouched: the thread of dest_odps_early.c writes it too), of the
 * binlog history of rank rank (wh_hist_add). */
int odd_hist_write(const struct odd *w, const struct dest_part *p, const char *recs, size_t len,
		   size_t rank, struct mc_err *err);
/* The versions of p's table's schema history (dest_odps_hist.c; read from
 * the state directory when not yet; 0 on an error). */
size_t odd_hist_versions(struct odd *w, const struct dest_part *p);

enum { PLAN_OP = -1, PLAN_IMAGE = -2, PLAN_TIME = -3, PLAN_FILE = -4, PLAN_OFF = -5,
       PLAN_ROW = -6, PLAN_NULL = -7 /* --existing-tables=proceed: a column mcsync does
				       * not write */ };

/* a log layout's own columns (dest_odps_lay.c): head column i is
 * PLAN_LHEAD - i, tail column i PLAN_LTAIL - i */
enum { PLAN_LHEAD = -100, PLAN_LTAIL = -200, PLAN_LJSON = -300 /* data_columns */ };

#define SESSION_TRIES 3 /* new sessions for one partition's rows in one commit */

/* The schema histories of two versions or more this run has not put
 * into the state mirror yet (or changed since): one more Tunnel session
 * of rows "hist.T" of commit seq (dest_odps_hist.c). */
int odd_hist_mirror(struct odd *w, uint64_t seq, uint64_t attempt, struct mc_err *err);

/* Commit j's row into the state mirror (dest_odps.c): the ledger and state
 * file before the commit (the files in the state directory) and after it
 * (l, sf1), and the journal. */
int odd_mirror(struct odd *w, const struct odps_journal *j, const struct mc_ledger *l,
	       const struct odps_statefile *sf1, struct mc_err *err);
/* Refuse (-1, code 1) a commit of l bringing rows of a source table into a
 * MaxCompute table another state directory committed rows of that source
 * table into (the state mirror says so; dest_odps_writer.c). */
int odd_writer_check(struct odd *w, const struct mc_ledger *l, struct mc_err *err);
/* The same for the name pairs of names (keys LEDGER_K_NAME...). */
int odd_writer_check_names(struct odd *w, const struct ckpt *names, struct mc_err *err);
void odd_writer_cache_free(struct odd *w);
/* dest_odps_stale.c: refuse (-1, code 1) a state directory whose ledger is
 * behind its writer's commits in the state mirror (a copy put back), once
 * per run: odd_stale_journal by the roll-forward (dest_odps_roll.c) when
 * the directory holds journal j (the ledger of commit lseq); else
 * odd_stale_early on the thread of dest_odps_early.c (its refusal kept,
 * said by the append or the commit) or odd_stale_commit before the
 * commit's journal. */
int odd_stale_journal(struct odd *w, const struct odps_journal *j, uint64_t lseq,
		      struct mc_err *err);
void odd_stale_early(struct odd *w);
int odd_stale_commit(struct odd *w, struct mc_err *err);
/* A journal of the commit after the ledger: finished from its spool when it
 * was decided, its sessions dropped when not (dest_odps_roll.c). */
int odd_roll_forward(struct odd *w, struct mc_err *err);

/* p's log layout's column named n (n bytes) of a session, when p is a
 * log table of a layout other than mcsync: 1 with *plan (PLAN_LHEAD - i
 * or PLAN_LTAIL - i) and *kind (TREC_BIGINT or TREC_STRING), else 0
 * (dest_odps_lay.c). */
int odd_lay_plan(const struct dest_part *p, const char *n, size_t nn, int *plan, int *kind);
/* Record r (a row or a DDL) into encoder e as the rows of p's log layout
 * (wh_layout_rows), each session column by w->plan (table columns of a
 * DDL row NULL); a DDL for a layout with no row for it (dts, dts-new)
 * none: its marker goes into the companion table (dest_odps_ddl.c). */
int odd_lay_rec(struct odd *w, struct dest_part *p, struct trec_enc *e, const struct mc_rec *r,
		struct mc_err *err);
/* The plan of p's session for a DDL row with no schema record before it:
 * the layout's columns, every other NULL (dest_odps_lay.c). */
int odd_lay_plan_bare(struct odd *w, const struct dest_part *p, struct mc_err *err);
/* dest_odps_json.c: the dataworks-json layout. The schema record at p (n
 * bytes, which outlive the rows it plans) decoded into w->jschema; the rows
 * of record r (wh_layout_rows_schema with it), each value of its images
 * checked as the table's column would take it. */
struct wh_lrow;
int odd_lay_json_schema(struct odd *w, const char *p, size_t n, struct mc_err *err);
int odd_lay_json_rows(struct odd *w, const struct mc_rec *r,
		      int (*fn)(void *ctx, const struct wh_lrow *row, struct mc_err *err), void *ctx,
		      struct mc_err *err);
/* A row of r's position encoded into p: counted for the state mirror
 * (images, tlo, thi, nthi; dest_odps_enc.c). */
void odd_note_row(struct dest_part *p, const struct mc_pos *pos);

/* dest_odps_ddl.c: the companion marker table T_log_ddl of a log table
 * of another layout than mcsync (odps/ddlmark.h). The table-replacing DDL
 * records of rows (bound for log partition p) copied into b, as the rows
 * *dr of p's companion partition *q (opened, of p's newest generation
 * under its history h, NULL when none: odd_gen_marks): their count (0:
 * none, *q and *dr untouched), or -1 with err. */
int odd_ddl_split(struct odd *w, struct dest_part *p, struct odd_hist *h,
		  const struct dest_rows *rows, struct mc_buf *b, struct dest_part **q,
		  struct dest_rows *dr, struct mc_err *err);
/* The companion table of table `table` (a base table or its log table)
 * made when it is not there (CREATE TABLE IF NOT EXISTS), so that the
 * merge finds it when no DDL came yet; with q's partition when q. */
int odd_ddl_table(struct odd *w, const char *table, int is_log, int layout,
		  struct dest_part *q, struct mc_err *err);
/* The value of a companion table's column c for the marker of DDL record
 * r beyond mcsync's marker columns: the layout's id (the position
 * packed), ddl_sql (the statement); t untouched for others. */
int odd_ddl_col(const struct dest_part *q, const struct mc_str *c, const struct mc_rec *r,
		struct trec_val *t, struct mc_err *err);

/* dest_odps.c: p's session's upload parameters; p's state of a commit
 * dropped (its blocks' memory kept for the next ones). */
struct odps_up odd_up_of(struct odd *w, const struct dest_part *p);
void odd_part_reset(struct odd *w, struct dest_part *p);

/* dest_odps_feed.c: the rows of one partition encoded and PUT as the sink
 * reads (dest_ops.feed), with --threads > 1; the append goes on from
 * there. odd_feed: dest_ops.feed. odd_feed_of: p's fed work (NULL: none)
 * and the work started for it that the append checks (odd_prep, taken
 * out: the caller frees it). odd_feed_send: the append's send of p's
 * rows from where the feed stopped (as odd_send), once odd_feed_fits
 * said they go on from it. odd_feed_drop: the fed work dropped (its
 * session never committed). */
struct odd_feed;
void odd_feed(void *st, struct dest_part *p, const char *recs, size_t len);
struct odd_feed *odd_feed_of(struct odd *w, const struct dest_part *p, struct odd_prep **pr);
int odd_feed_send(struct odd *w, struct dest_part *p, const struct dest_rows *rows, size_t idx,
		  struct mc_err *err);
void odd_feed_drop(struct odd *w);
/* 1 when p's rows are being fed (the feed did not fail) and rows begin
 * with the bytes fed: the append goes on from there. */
int odd_feed_fits(const struct odd *w, const struct dest_part *p, const struct dest_rows *rows);
/* The partition being fed, or NULL. */
const struct dest_part *odd_feed_part(const struct odd *w);
/* dest_ops.feed_hold. odd_feed_quiet: the feed's thread ended (before
 * the commit's operations; what failed there is dropped). */
void odd_feed_hold(void *st, struct dest_part *p, const char *recs);
void odd_feed_quiet(struct odd *w);

/* Encode the records of rows into p's blocks (dest_odps_enc.c). */
int odd_encode(struct odd *w, struct dest_part *p, const struct dest_rows *rows,
	       struct mc_err *err);
/* The same in steps (dest_odps_feed.c encodes rows as they settle): start
 * by p's session (and p->pipe, if any: the encoder's compression is then
 * none), run over recs[x->at..len) (recs may have moved since the last
 * run, with the same bytes up to x->at; it stops at a record's end, short
 * of len, once *x->brk is set), end (the last block cut; the
 * encoder freed). A failed run leaves x to odd_enc_free. */
struct odd_enc {
	struct trec_enc e;
	int live;      /* e made */
	int pipe;      /* for p->pipe: e's block memory is w->eraw's */
	size_t at;     /* the records taken so far */
	int planned;   /* 1: by the schema record at sch_at; 2: a layout's columns only */
	size_t sch_at;
	const _Atomic int *brk; /* (or NULL) set: a run stops at the next record, at < len */
};
int odd_enc_start(struct odd *w, struct dest_part *p, struct odd_enc *x, struct mc_err *err);
int odd_enc_run(struct odd *w, struct dest_part *p, struct odd_enc *x, const char *recs,
		size_t len, struct mc_err *err);
int odd_enc_end(struct odd *w, struct dest_part *p, struct odd_enc *x, struct mc_err *err);
void odd_enc_free(struct odd *w, struct odd_enc *x);

/* dest_odps_pipe.c: encode the records of rows into p's blocks, spool
 * them (partition idx of the commit) and PUT them into p's session on
 * u's connections (with --threads > 1 in a pipeline: each block goes up
 * while the next are encoded). 0, 1 (the session is no longer open: the
 * blocks are all made and spooled, upload them again), -1 with err. */
struct odps_up;
int odd_send(struct odd *w, struct dest_part *p, const struct dest_rows *rows,
	     const struct odps_up *u, size_t idx, struct mc_err *err);
/* The pipeline's steps (odd_send's, and dest_odps_feed.c's as rows
 * settle): open p's pipeline (p->pipe) on u's connections (u outlives
 * it) into p's session; a round of its PUTs, not waiting (1: the
 * session closed under them); finish (every block compressed, spooled
 * as partition idx, PUT: as odd_send); close it (its workers and memory
 * kept for the next when ok). */
int odd_pipe_open(struct odd *w, struct dest_part *p, const struct odps_up *u,
		  struct mc_err *err);
int odd_pipe_pump(struct dest_part *p, struct mc_err *err);
/* (dest_odps_feed.c's thread: a round waiting up to ms for a block made,
 * a PUT's end or odd_pipe_wake, as odd_pipe_pump; whether nothing is
 * under way: every block made is PUT, or the session closed; wake a
 * round's wait, from any thread) */
int odd_pipe_wait(struct dest_part *p, int ms, struct mc_err *err);
int odd_pipe_idle(const struct dest_part *p);
void odd_pipe_wake(struct dest_part *p);
int odd_pipe_finish(struct odd *w, struct dest_part *p, size_t idx, struct mc_err *err);
void odd_pipe_close(struct odd *w, struct dest_part *p, int ok);
/* p's blocks read back from its spool (partition idx of the commit),
 * where the pipeline gave their memory back (p->freed): before they go
 * up again in a new session. */
int odd_blocks_reload(struct odd *w, struct dest_part *p, size_t idx, struct mc_err *err);
/* The CPUs online, at most most (and at least 1): the pipeline's workers,
 * the deflate workers of a single encoder (dest_odps_pipe.c). */
int odd_cpus(int most);
/* The block under way in e handed to the pipeline (odd_encode's cut). */
int odd_pipe_block(struct dest_part *p, struct trec_enc *e, struct mc_err *err);

/* dest_odps_hist.c: the schema history of p's table: the schema and
 * ALTER TABLE records of rows added to STATE/_mcsync/hist/TABLE.mcr (the
 * upload of batch mode only); *h the table's history (NULL on error). */
int odd_hist_add(struct odd *w, const struct dest_part *p, const struct dest_rows *rows,
		 struct odd_hist **h, struct mc_err *err);
/* The tables of p (and the log table of a base table) evolved to the
 * history's SQL columns (odps_tables_evolve), with p's partition. */
struct odps_sql_opts;
struct odps_tables_opts;
/* The options of the SQL this destination runs (to may be NULL). */
void odd_sql_opts(const struct odd *w, struct odps_sql_opts *so, struct odps_tables_opts *to);
int odd_hist_ensure(struct odd *w, struct dest_part *p, const struct odd_hist *h,
		    struct mc_err *err);
void odd_hist_free(struct odd *w);
/* dest_odps_jsonv.c: odd_hist_ensure for the dataworks-json layout: the
 * base table evolved (no generation: a change not made in place is -1),
 * T_log left with the layout's columns (p, when it is T_log, is made or
 * checked by its commit's schema record: p->ensured stays 0). */
int odd_hist_ensure_json(struct odd *w, struct dest_part *p, const struct odd_hist *h,
			 struct mc_err *err);

/* dest_odps_gen.c (odps/gen.h): the table of the newest generation of
 * table (the sink's base name; is_log: its log table), allocated. */
int odd_gen_table(struct odd *w, const char *table, int is_log, char **out, struct mc_err *err);
/* The next generation of p's table made (tables, the older one's
 * partitions copied, T.gen), and every part of the table renamed to it. */
int odd_gen_make(struct odd *w, struct dest_part *p, struct mc_err *err);
/* Before the table-replacing DDL markers of p's rows go into its
 * companion table: p's tables evolved to its history h (of rows of layout
 * layout), so that a new generation, if the history needs one, is made
 * first and the markers go into its companion. */
int odd_gen_marks(struct odd *w, struct dest_part *p, struct odd_hist *h, int layout,
		  struct mc_err *err);
/* The table's T.gen, when there is one, as key "gen" of its state mirror
 * body c. */
int odd_gen_mirror(struct odd *w, const char *table, struct ckpt *c, struct mc_err *err);

#endif
