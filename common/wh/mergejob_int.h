/* mergejob_int.h: the state of a merge job, shared by mergejob.c (the
 * run and its output), mergejob_plan.c (key, range, base), mergejob_read.c
 * (reading the base and the log into the merger) and mergejob_life.c
 * (lifecycle). Not for use outside them. */
#ifndef MC_MERGEJOB_INT_H
#define MC_MERGEJOB_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/zio.h"
#include "stream/rec.h"
#include "stream/validate.h"
#include "wh/merge.h"
#include "wh/merge_keycheck.h"
#include "wh/mergejob.h"
#include "wh/schemahist.h"
#include "wh/wh.h"
#include "wh/whpart.h"

/* A file being read costs about this (decompression window, read-ahead
 * blocks): counted in the memory budget while the base is pulled; the next
 * file is opened ahead only from PULL_AHEAD_MIN up. */
#define MJ_READER_COST (4u << 20)
#define MJ_PULL_AHEAD_MIN (64u << 20)

/* a sorted base, pulled file by file (the next one opened ahead, so that
 * its decompression overlaps this one's rows) */
struct mj_pull {
	size_t file;
	struct wh_reader fr, next;
	struct mc_buf key;
};

/* the record stream being written */
struct mj_out {
	int open;
	struct zout z;
	struct mc_buf buf;
	uint64_t rows;
	int has_pos;
	struct mc_pos lo, hi;
	int64_t tmin, tmax;
	int has_time;
	uint32_t crc; /* CRC-32C of the bytes flushed so far (the trailer's) */
	const char *name; /* the file written, for messages */
	struct mergejob *job; /* for the progress */
};

/* mergejob_prog.c: hand the numbers to o.progress (phase: a constant). */
void mj_progress(struct mergejob *j, const char *phase);
/* The input read (mergejob_progress in_read): fr, a file of the input,
 * is being read (the reader stays where it is until mj_in_end); fr was
 * read to its end (its bytes count), or not (done 0: it does not). */
void mj_in_begin(struct mergejob *j, const struct wh_reader *fr);
void mj_in_end(struct mergejob *j, const struct wh_reader *fr, int done);

/* a table-replacing DDL record of the log in the merge's range */
struct mj_ddl {
	struct mc_pos pos;
	enum mc_ddl_effect effect;
	char *sql, *path;
	uint64_t recno;
};

/* The table's source may have several binlog histories (RESET MASTER:
 * ledger sources of one server_id, oldest first). Inside a job a position
 * is global: the history's rank in bits 40 and up of its file number
 * (rank 0, the first history, leaves it as it is). */
#define MJ_MAX_HIST 64
#define MJ_RANK_SHIFT WH_HIST_RANK_SHIFT

struct mergejob {
	struct mergejob_opts o;
	uint64_t memory;
	int zlevel;
	char *tdir, *ldir;            /* <wh>/<table>, <wh>/<table>_log */
	int lockfd;
	struct mc_ledger L;
	struct schema_copy schema;      /* the base table's */
	struct schema_copy lschema;     /* the log table's (may be absent) */
	struct schema_copy base_schema; /* the base table's (j->schema before the
					 * history's target replaced it) */
	uint32_t keycols[MC_MAX_COLUMNS];
	size_t nkey;
	char *base_part;              /* spec of the base used */
	char *gdir;                   /* the base is a re-snapshot generation of
				       * <wh>/_resnap/<table> (NULL: of tdir) */
	uint64_t base_gen;            /* the generation the base comes from */
	struct wh_manifest base_m;
	size_t hist[MJ_MAX_HIST];     /* the ledger sources of the table's server */
	size_t nhist;
	size_t base_rank;             /* the history of the base's positions */
	struct mc_pos from, upto;     /* log records in [from, upto) apply (global) */
	int upto_inf;
	struct mj_pull pl;
	struct mj_out out;
	struct merger *merger;
	struct keycheck *kc;          /* a --key the table does not have, checked
				       * over the log (mergejob_kc.c), or NULL */
	uint64_t kc_mem;              /* its share of memory */
	char *tmp;                    /* the partition being made: removed
				       * unless installed */
	struct mc_buf kb, kb2, rb;    /* add_change's scratch */
	struct mj_ddl *ddl;           /* the log's DDL in range (mj_scan_ddl) */
	size_t nddl, ddlcap;
	int ddl_pass;                 /* mj_read_log collects DDL only */
	int sql_pass;                 /* --emit-sql: mj_read_log checks each change's
				       * version (mj_hist_sqlrow) */
	long sql_vmin;                /* the oldest version of a change it saw */
	int has_barrier;              /* a TRUNCATE (or DROP + CREATE) at barrier: */
	struct mc_pos barrier;        /* the base and changes up to it do not count */
	const struct mj_ddl *barrier_ddl;
	struct mergejob_stats st;
	double t_start, t_read;
	/* the input (mergejob_prog.c): bytes of the base's files, of the log's
	 * in range (the plan's listing), to read in all, of files read */
	uint64_t base_bytes, log_bytes, in_total, in_done;
	const struct wh_reader *in_cur; /* the file being read, or NULL */
	/* the schema history (mergejob_hist.c): rows of other versions are
	 * converted to the target's, the version in force at upto */
	int has_hist;
	struct wh_hist shist;
	size_t target;
	/* versions same_k..target have the target's columns; a row of them
	 * before same_lo (the last of them that statements made: DROP w,
	 * ADD w; else same_k's start, when an older version may have them
	 * too: DROP w, a row, ADD w) crosses those statements though its
	 * columns are the same */
	size_t same_k;
	struct mc_pos same_lo;
	int has_same_lo;
	struct wh_step *steps;        /* step k: version k to k + 1 (planned once) */
	unsigned char *planned;
	struct mc_buf *cvs;           /* per step: its padded values of the row
				       * (after image; from hist.n on: before) */
	struct mc_val *cva;           /* images being converted: 4 arrays */
	int dropped;                  /* --skip-merged: the table is gone (mj_scan_ddl) */
	struct mc_val *kfill;         /* an after image with its key filled
				       * from the before image (add_change) */
	struct vtrack vt;             /* converted rows checked against the target */
	struct mc_buf hrb;            /* a converted base row, encoded */
	/* a change of the key with changes under the old key in range
	 * (mergejob_key.c): merged in steps, one per such change */
	struct mj_kph *kph;           /* the candidates, then the steps */
	size_t nkph;
	int ph_on;                    /* reading one step's log: [ph_lo, ph_hi) */
	int ph_has_lo, ph_has_hi;
	struct mc_pos ph_lo, ph_hi;
	int ph_rekeyed;               /* the merger holds re-keyed rows */
	struct mc_buf krb;            /* a re-keyed row, encoded */
	struct merge_sql_kph *qkph;   /* --emit-sql: the steps (merge_sql.h) */
	struct mc_scratch ksc;
};

struct merge_sql_kph;

/* A change of the key: version v's key gives way to v + 1's at `at`. */
struct mj_kph {
	size_t v;
	struct mc_pos at;
	int seen;                     /* a change in range below at: */
	struct mc_pos hi;             /* the highest */
	uint32_t key[MC_MAX_COLUMNS]; /* version v's key */
	size_t nkey;
};

/* A verbose line (only when verbose). */
void mj_say(struct mergejob *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Open a data file (path taken over) with read-ahead when it can. */
int mj_open(struct mergejob *j, struct wh_reader *r, char *path, const struct wh_file *f,
	    struct mc_err *err);
/* The path of base file i; NULL when out of memory. */
char *mj_base_path(struct mergejob *j, size_t i);

/* mergejob_plan.c */
int mj_resolve_key(struct mergejob *j, struct mc_err *err);
int mj_cut_at_time(struct mergejob *j, int64_t t, struct mc_err *err);
int mj_choose_base(struct mergejob *j, struct mc_err *err);
/* The table's source and its histories (j->hist), from the ledger's
 * tsrc.TABLE (none: the first source). */
int mj_sources(struct mergejob *j, struct mc_err *err);
/* The rank of ledger source src (has 0: the table's first history) in
 * *rank; -1 with err naming `what` when it is not of the table's source. */
int mj_rank(const struct mergejob *j, int has, uint64_t src, size_t *rank, const char *what,
	    struct mc_err *err);
/* Whether log file `name` is of a commit the ledger read holds: a file of
 * a later one (mc-tunnel-put committing now, or killed before its ledger)
 * is not read, so that every pass reads one set of files. */
int mj_file_committed(const struct mergejob *j, const char *name);
/* Position p of history rank as a global one, and back (ledger source). */
struct mc_pos mj_gpos(size_t rank, struct mc_pos p);
/* The end of day `day` for the table's source: 1 and *upto, 0 not yet. */
/* The range ends where the source's tail still reads the table (ledger
 * LEDGER_K_UNFOLLOWED: its --tables changed): 0, or -1 (code 1). */
int mj_check_followed(const struct mergejob *j, struct mc_err *err);
int mj_day_cut(struct mergejob *j, int64_t day, struct mc_pos *upto);
/* --at=POSITION: the one history it can name (else -1, err set). */
const struct mc_ledger *mj_at_src(struct mergejob *j, struct mc_err *err);
/* A manifest written by the job: from/upto and file positions back to
 * their history's, with from_src. */
void mj_manifest_out(const struct mergejob *j, struct wh_manifest *m);

/* mergejob_read.c */
int mj_read_base(struct mergejob *j, struct mc_err *err);
int mj_read_log(struct mergejob *j, struct mc_err *err);
/* --at=TIME: every log file the ledger's commits wrote at positions in
 * [lo, j->from) is there (the first change after the time may be among
 * them); exit 1 naming the first one gone. */
int mj_check_log_below(struct mergejob *j, struct mc_pos lo, struct mc_err *err);
/* Read the log's DDL in range and plan it: the barrier, or -1 naming a
 * statement mc-merge cannot follow (docs/merge.md "DDL"). */
int mj_scan_ddl(struct mergejob *j, struct mc_err *err);
void mj_ddl_free(struct mergejob *j);
int mj_pull_next(void *ctx, const char **key, size_t *klen, struct mc_pos *pos,
		 const char **rec, size_t *rlen, struct mc_err *err);
void mj_pull_reset(struct mj_pull *p);
/* After the merger found a key twice in the base: -1 with err naming the
 * table, the key, its value and the two rows (rereading the base). */
int mj_dup_error(struct mergejob *j, struct mc_err *err);
/* mergejob_full.c: -1 (exit 1, naming the table, key, position and column)
 * when a merged row holds a value absent from a MINIMAL image. */
int mj_row_full(struct mergejob *j, const char *rec, size_t rlen, struct mc_err *err);

/* mergejob_hist.c */
/* The table's schema history (its file's path in *path when path, to
 * free; its positions ranked by binlog history as the log's, mj_gpos,
 * wh_hist_add): 1, 0 when there is none, -1. */
int mj_hist_read(const struct mergejob *j, struct wh_hist *h, char **path, struct mc_err *err);
/* Once the base is chosen: the table's schema history; with more than
 * one version, the target version becomes j->schema.
 * 1 when the history is used, 0 when not. */
int mj_hist_load(struct mergejob *j, struct mc_err *err);
/* Row r read by fr (at: where its version is looked up) in the target
 * version: 1 when r was converted (its images now in j's arrays, its
 * schema_version the target's), 0 when it is of the target already. */
int mj_hist_row(struct mergejob *j, const struct wh_reader *fr, struct mc_rec *r,
		const struct mc_pos *at, int is_log, struct mc_err *err);
/* The images of r (of version v) through steps v .. to - 1 (planned). */
int mj_hist_conv(struct mergejob *j, size_t v, size_t to, struct mc_rec *r, struct mc_err *err);
void mj_hist_free(struct mergejob *j);
/* --emit-sql: a change r of the log in range (above a barrier), at g:
 * converted as the merge would (its refusals), and its version the one in
 * force at g (the SQL takes a row's version from its position); the
 * oldest in j->sql_vmin. */
int mj_hist_sqlrow(struct mergejob *j, const struct wh_reader *fr, struct mc_rec *r,
		   const struct mc_pos *g, struct mc_err *err);
/* --emit-sql: the history's SQL columns into x and q->hist (none: one
 * version), the versions of the base's rows and the log's checked (the
 * log read once more, mj_hist_sqlrow). */
struct merge_sql;
struct wh_sqlhist;
int mj_hist_sql(struct mergejob *j, struct merge_sql *q, struct wh_sqlhist *x,
		struct mc_err *err);

/* mergejob_key.c */
/* Before the DDL pass: the changes of the key in range (candidates). */
int mj_key_cands(struct mergejob *j, struct mc_err *err);
/* The DDL pass saw a change at g (in range). */
void mj_key_seen(struct mergejob *j, const struct mc_pos *g);
/* After the DDL pass: the steps (candidates with a change under the old
 * key that counts), each version's key resolved. */
int mj_key_plan(struct mergejob *j, struct mc_err *err);
/* The key's column names as a manifest's sorted_key says them ("a,b"):
 * 0, or -1 when they do not fit (mergejob_key.c). */
int mj_key_names(const struct mergejob *j, char *out, size_t size);
/* Keep the base's sorted only when sorted by this merge's key. */
void mj_base_sorted_by_key(struct mergejob *j);
/* Is step k (version k to k + 1) one of the steps? */
int mj_key_is_step(const struct mergejob *j, size_t k);
/* The merge up to the last step: j->merger holds the rows there, re-keyed
 * by the target's key (base entries); the log from the last step's
 * position on is read next. */
int mj_key_phases(struct mergejob *j, struct mc_err *err);
/* Two rows re-keyed at step i with one key: -1 naming the key and the
 * change. */
int mj_key_dup_error(struct mergejob *j, size_t i, struct mc_err *err);

/* mergejob_kc.c: a key declared with --key (the table has none) checked
 * over the log (merge_keycheck.h). mj_kc_new: the check, when the table's
 * key is declared (its share of memory in j->kc_mem); mj_kc_base and
 * mj_kc_change: a base row, a change (no-ops without the check);
 * mj_kc_pull: mj_pull_next, the rows also to the check; mj_kc_end: the
 * rest of the check, -1 naming the table, key, value and positions when a
 * key was live twice. */
int mj_kc_new(struct mergejob *j, struct mc_err *err);
int mj_kc_base(struct mergejob *j, struct keycheck *kc, const struct mc_buf *kb,
	       const struct mc_pos *g, struct mc_err *err);
int mj_kc_change(struct mergejob *j, const struct mc_rec *r, const struct mc_buf *kb,
		 const struct mc_buf *kb2, const struct mc_pos *g, struct mc_err *err);
int mj_kc_pull(void *ctx, const char **key, size_t *klen, struct mc_pos *pos,
	       const char **rec, size_t *rlen, struct mc_err *err);
int mj_kc_end(struct mergejob *j, struct mc_err *err);
/* --emit-sql: the check alone, over the base and the log read once more
 * (without a merger). */
int mj_kc_sql(struct mergejob *j, struct mc_err *err);
void mj_kc_free(struct mergejob *j);

/* mergejob_life.c */
int mj_lifecycle(struct mergejob *j, struct mc_err *err);

/* mergejob_paths.c: --output (not "-") outside the warehouse: 0, or -1
 * with err (exit 2) naming both. */
int mj_output_outside(const struct mergejob_opts *o, struct mc_err *err);

#endif
