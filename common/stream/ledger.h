/* ledger.h: the one owner of the position checkpoint and ledger format.
 *
 * A sink commits, with its data, what it has of a source: the position
 * checkpoint (pos, resume, gtid, each table's snapshot chain) that a
 * source resumes from, and, in its ledger, the bookkeeping of the commits
 * (seq, day cuts...). Both are checkpoint files (stream/ckpt.h); this
 * module names their keys and chain states and converts to and from the
 * key-value lines. Who reads what:
 *
 *   the sink's ledger (e.g. DIR/_mcsync/ledger)    every key below
 *   the sink's --checkpoint-out                    pos, resume, gtid, chains
 *   mc-binlog-tail --checkpoint-in                 resume, gtid
 *   mc-snapshot --checkpoint-in / --checkpoint     the chains
 *
 * Every function returns 0 (or as said) or -1 with err set. */
#ifndef MC_LEDGER_H
#define MC_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "stream/ckpt.h"
#include "stream/rec.h"

/* ---- keys ---- */

/* the position checkpoint */
#define LEDGER_K_POS "pos"                   /* highest change position committed */
#define LEDGER_K_RESUME "resume"             /* last transaction boundary committed */
#define LEDGER_K_GTID "gtid"                 /* last GTID per domain, "0-1-5,1-1-7" */
#define LEDGER_K_RESUME_EPOCH "resume_epoch" /* checkpoint only: the binlog resume
					      * lies in, "F:T" (its number, its
					      * creation time), when the history's
					      * source_files or source_rotated
					      * has it */
#define LEDGER_K_RESUME_PREV "resume_prev"   /* checkpoint only: without
					      * resume_epoch, a resume at offset 4
					      * of binlog F+1 (the end heartbeat
					      * after F's closing ROTATE, F+1 not
					      * read): binlog F's "F:T", when the
					      * history has it */
#define LEDGER_K_TABLE "table."              /* + DB.TABLE: a snapshot chain */
#define LEDGER_K_HEX "hex."                  /* + HEXDB.HEXTABLE: the same, other names */
#define LEDGER_K_SPLIT "split."              /* + a table key: the split key its chain's
					      * literals are of (mc-snapshot
					      * --checkpoint only): each column's
					      * `name` type [COLLATE c], ", " between */
#define LEDGER_K_WHERE "where."              /* + a table key: the condition its chain
					      * was read under (mc-snapshot
					      * --checkpoint only): --where's or the
					      * full_load where, escaped (\n, \\),
					      * empty for none */
/* the ledger only */
#define LEDGER_K_SEQ "seq"                   /* commits so far */
#define LEDGER_K_SNAPSHOT_ROWS "snapshot_rows"  /* snapshot rows read up to the last kept
					      * chunk, of every table (what older
					      * versions skip by) */
#define LEDGER_K_SNAPSHOT_LEGACY "snapshot_rows_legacy" /* the part of snapshot_rows
					      * counted before the per-table
					      * counts (none: a ledger older
					      * than them, all of it) */
#define LEDGER_K_SNAPSHOT_LOW "snapshot_low" /* lowest committed chunk watermark */
#define LEDGER_K_LOG_FROM "log_from" /* where the log starts, loaded before any snapshot */
#define LEDGER_K_UTC_OFFSET "utc_offset"
#define LEDGER_K_LOG_LAYOUT "log_layout"     /* the log tables' layout
					      * (wh/layout.h); none: mcsync */
#define LEDGER_K_ROUTE "route"               /* mc-tunnel-put's --route of the
					      * rows (op, base, log); none: op */
#define LEDGER_K_HW_TIME "hw_time"
#define LEDGER_K_FIRST_POS "first_pos"
#define LEDGER_K_FIRST_TIME "first_time"
#define LEDGER_K_CUT "cut."                  /* + YYYYMMDD: a day cut */
#define LEDGER_K_NAME "name."                /* + DB.TABLE (or hex.HEXDB.HEXTABLE):
					      * the table's destination name */
#define LEDGER_K_SNAPW "snapw."              /* + a table key: "N<TAB>POS", the
					      * highest chunk watermark committed of
					      * the table's snapshot, of source N */
#define LEDGER_K_SNAPROWS "snaprows."        /* + a table key: "N<TAB>HASH", the
					      * table's snapshot rows kept by
					      * count (streams without labelled
					      * chunks) and the hash of those N
					      * (16 hex digits) */
#define LEDGER_K_GEN "gen."                  /* + a table key: N, the generation of
					      * the table's re-snapshot under way or
					      * last completed (mc-tunnel-put
					      * --resnapshot's own ledger only) */
/* sources (docs/warehouse.md "Sources"): the keys above but seq,
 * snapshot_rows, utc_offset and the chains are one source's; the first
 * source's have no prefix, every other source's (or older history's) the
 * prefix "src.N." (N from 1) */
#define LEDGER_K_SOURCE "source_id"          /* the source's identity (server_id) */
#define LEDGER_K_EPOCH "source_epoch"        /* its history: "F:T" (stream/rec.h) */
#define LEDGER_K_CLOSED "source_closed"      /* "1": an older history, done with */
#define LEDGER_K_FILES "source_files"        /* the history's binlog files streams
					      * started in: "F:T,F:T..." (F's number,
					      * T its creation time) */
#define LEDGER_K_ROTATED "source_rotated"    /* the history's binlog files streams
					      * read into after their first (their
					      * binlog_start marks), those from the
					      * file of resume on: "F:T,F:T..." */
#define LEDGER_K_SRC "src."                  /* + N + "." + a key above */
#define LEDGER_K_SRC_LAST "source_last"      /* N of the source of the last commit */
#define LEDGER_K_TSRC "tsrc."                /* + a warehouse table's name: N, the
					      * source of its first rows (none: 0) */
#define LEDGER_K_SRCTAB "srctab."            /* + a warehouse table's name: "N KEY",
					      * the source table it holds: N its
					      * source (ledger_src), KEY its
					      * DB.TABLE in the form of
					      * ledger_table_key after "table." */
#define LEDGER_K_UPART "upart."              /* + a PK table's name (--mode=upsert):
					      * the partition its keys are in ("":
					      * none), kept beside tsrc */
#define LEDGER_K_COMMITS "commits."         /* + a log table's name: "S N", its
					      * commits record (wh/wh_commits.c)
					      * holds N lines of the commits from
					      * S (the first that wrote a line
					      * with this key) to seq */
#define LEDGER_K_RULES "rules."              /* + a source's server_id ("-": the
					      * unnamed source): the rules
					      * fingerprint its streams came
					      * through ("FP FILE", or "none") */
#define LEDGER_K_UNFOLLOWED "unfollowed." /* + a table's name: where its source's
					   * tail stopped reading it (--tables-changed),
					   * "POS"; kept with the rules */
#define LEDGER_K_TABLES "tables."            /* + a source's server_id: the
					      * tables its mc-binlog-tail streams
					      * hold ("all", or "re:REGEX") */

/* ---- snapshot chains ----
 * A table's committed snapshot chain is "done" (complete) or "after", a
 * tab and the HI of its last committed chunk (the SQL literals of the
 * split key, tab-separated): mc-snapshot's checkpoint lines, byte for
 * byte. */
#define LEDGER_CHAIN_DONE "done"
#define LEDGER_CHAIN_AFTER "after\t"

enum ledger_chain {
	LEDGER_CHAIN_BAD = -1,  /* neither */
	LEDGER_CHAIN_NONE = 0,  /* no chain: nothing of the table committed */
	LEDGER_CHAIN_AT = 1,    /* after HI */
	LEDGER_CHAIN_END = 2,   /* done */
};

/* The key of db.table: "table.DB.TABLE", or "hex.HEXDB.HEXTABLE" when a
 * name has other characters than [a-z0-9_-]. out holds >= 600 bytes. */
void ledger_table_key(const char *db, size_t dbn, const char *table, size_t tn, char *out,
		      size_t outsz);
/* The key of db.table's destination name: "name.DB.TABLE", or
 * "name.hex.HEXDB.HEXTABLE" (the forms of ledger_table_key). */
void ledger_name_key(const char *db, size_t dbn, const char *table, size_t tn, char *out,
		     size_t outsz);
/* The key that marks destination name dest (n bytes) a merge destination
 * (several source tables in one: mc-transform's merge rules):
 * "name.hex.HEX(DEST)", one hex part, which no table's name key has. */
void ledger_merge_key(const char *dest, size_t n, char *out, size_t outsz);
/* Whether k is a table key (of either form). */
int ledger_is_table_key(const char *k);
/* Parse a chain value (NULL: none); for LEDGER_CHAIN_AT, *hi (and *hin)
 * are the literals after the tab. */
enum ledger_chain ledger_chain_parse(const char *v, const char **hi, size_t *hin);
/* Format a chain value into b (NUL-terminated): "after<TAB>hi", or "done"
 * when hi is NULL. */
int ledger_chain_format(struct mc_buf *b, const char *hi, size_t hin, struct mc_err *err);

/* ---- the ledger ---- */

struct ledger_cut {
	int64_t day;
	struct mc_pos pos;
};

struct mc_ledger {
	uint64_t seq;           /* commits so far; data files are named by it */
	int has_pos;
	struct mc_pos pos;      /* highest change position committed */
	uint64_t snapshot_rows; /* snapshot rows consumed */
	uint64_t snapshot_legacy; /* of them, those counted before the
				   * per-table counts (LEDGER_K_SNAPSHOT_LEGACY) */
	int has_hw;
	int64_t hw_time;        /* highest change time committed */
	int64_t utc_off;        /* seconds east of UTC that days are counted in */
	char log_layout[16];    /* the log tables' layout ("": none recorded) */
	char route[8];          /* --route ("": none recorded: op) */
	int has_first;
	struct mc_pos first_pos; /* the first change record */
	int64_t first_time;
	size_t ncuts, cap;
	struct ledger_cut *cuts; /* day D ends before the first record stamped after D */
	int has_resume;
	struct mc_pos resume;   /* the last txn_end/heartbeat mark accepted: a
				 * transaction boundary a source may restart at */
	char *gtid;             /* owned or NULL: the last GTID per domain of the
				 * accepted txn_end marks, "0-1-5,1-1-7" */
	int has_snap_low;
	struct mc_pos snap_low; /* the lowest watermark of the snapshot chunks
				 * committed: where a binlog tail may start */
	int has_log_from;
	struct mc_pos log_from; /* changes loaded before any snapshot chunk: where
				 * their stream started (its source_start, else
				 * its first change); a snapshot chunk read
				 * below it is a gap */
	struct ckpt snap;       /* each table's committed snapshot chain: key
				 * ledger_table_key(), value a chain (above) */
	struct ckpt names;      /* each table's destination name: key
				 * ledger_name_key(), value the name */
	struct ckpt tsrc;       /* each destination table's source: key
				 * "tsrc.NAME", value N (ledger_src); and
				 * its source table: "srctab.NAME" */
	struct ckpt wcommits;   /* each log table's commits record: key
				 * LEDGER_K_COMMITS + its name, "S N" */
	struct ckpt rules;      /* each source's rules fingerprint, and its
				 * tables filter (LEDGER_K_TABLES): key
				 * LEDGER_K_RULES + its server_id */
	struct ckpt snapw;      /* each table's highest committed chunk
				 * watermark: key "snapw." + ledger_table_key(),
				 * value "N<TAB>POS" (LEDGER_K_SNAPW); its
				 * count of snapshot rows: "snaprows." + the
				 * key (LEDGER_K_SNAPROWS); and its
				 * re-snapshot generation: "gen." + the key,
				 * value N (LEDGER_K_GEN) */
	/* The source the positions above are of: its identity (NULL: the
	 * unnamed source of an older ledger or writer) and its history's
	 * epoch (NULL: unknown), and whether that history is over. */
	char *src_id, *src_epoch;
	int closed;
	char *src_files;        /* owned or NULL: "F:T,..." (LEDGER_K_FILES) */
	char *src_rotated;      /* owned or NULL: "F:T,..." (LEDGER_K_ROTATED) */
	/* The other sources (and older histories), each in the fields above
	 * from pos to closed (its seq, snapshot_rows, chains and more unused;
	 * its utc_off the same); src_last: the source of the last commit (0:
	 * this one, N: more[N-1]). */
	struct mc_ledger *more;
	size_t nmore, morecap;
	size_t src_last;
};

/* Source N of l (0: l itself, N: l->more[N-1]). */
struct mc_ledger *ledger_src(struct mc_ledger *l, size_t n);
/* A new source id with epoch (either may be NULL) appended to l's others:
 * its number, or -1 (out of memory). */
int ledger_src_add(struct mc_ledger *l, const char *id, const char *epoch, struct mc_err *err);
/* The binlog files of a history whose identity it knows (its src_files,
 * else its src_epoch; and its src_rotated): whether it holds file f (1,
 * its creation time in *t) or not (0; -1: a malformed list); *nf their
 * number, *min and *max the lowest and highest file. */
int ledger_hist_file(const struct mc_ledger *l, uint64_t f, int64_t *t, size_t *nf,
		     uint64_t *min, uint64_t *max);
/* Record that a stream of the history started in file f created at t
 * (src_files, if not there yet). */
int ledger_hist_add(struct mc_ledger *l, uint64_t f, int64_t t, struct mc_err *err);
/* Record that a stream of the history read into file f created at t (a
 * binlog_start mark: src_rotated, if not there yet), forgetting the files
 * there below the file of resume (a checkpoint never resumes in them). */
int ledger_rotated_add(struct mc_ledger *l, uint64_t f, int64_t t, struct mc_err *err);
/* Set a source's id or epoch (copies; NULL clears). */
int ledger_src_set(char **field, const char *v, struct mc_err *err);

/* A table's chain (NULL: nothing committed); set it (copies). */
const char *ledger_chain_get(const struct mc_ledger *l, const char *key);
int ledger_chain_set(struct mc_ledger *l, const char *key, const char *val, struct mc_err *err);
/* Forget a table's chain, watermark and count (a new snapshot of it begins). */
void ledger_chain_clear(struct mc_ledger *l, const char *key);
/* Set a table's chain to "after<TAB>hi" (hi: n bytes). */
int ledger_chain_after(struct mc_ledger *l, const char *key, const char *hi, size_t n,
		       struct mc_err *err);

/* What a table's chain was read by (mc-snapshot's header entry "chains"):
 * kind LEDGER_K_SPLIT, its split key, or LEDGER_K_WHERE, its condition, as
 * mc-snapshot's --checkpoint writes them (NULL: not recorded); record one.
 * The checkpoint (--checkpoint-out) carries them beside the chains. */
const char *ledger_chainmeta_get(const struct mc_ledger *l, const char *kind, const char *key);
int ledger_chainmeta_set(struct mc_ledger *l, const char *kind, const char *key, const char *v,
			 struct mc_err *err);

/* The highest chunk watermark committed of the snapshot of the table of
 * key (ledger_table_key()): 1 and its source (*src) and position (*w), 0
 * when none is recorded (nothing committed, or an older ledger); record
 * one. */
int ledger_snapw_get(const struct mc_ledger *l, const char *key, size_t *src, struct mc_pos *w);
int ledger_snapw_set(struct mc_ledger *l, const char *key, size_t src, const struct mc_pos *w,
		     struct mc_err *err);

/* The snapshot rows of the table of key committed by count (streams
 * without labelled chunks): 1 with their number *n and hash *h, 0 when
 * none is recorded (or the value is malformed: -1); record them. */
int ledger_snaprows_get(const struct mc_ledger *l, const char *key, uint64_t *n, uint64_t *h);
int ledger_snaprows_set(struct mc_ledger *l, const char *key, uint64_t n, uint64_t h,
			struct mc_err *err);

/* The generation of the re-snapshot of the table of key: 1 and *gen, 0
 * when none is recorded; record one (kept with the watermarks). */
int ledger_gen_get(const struct mc_ledger *l, const char *key, uint64_t *gen);
int ledger_gen_set(struct mc_ledger *l, const char *key, uint64_t gen, struct mc_err *err);

/* A table's recorded destination name (NULL: none); record one (copies). */
const char *ledger_name_get(const struct mc_ledger *l, const char *key);
int ledger_name_set(struct mc_ledger *l, const char *key, const char *name, struct mc_err *err);

/* The rules fingerprint recorded for the source of server_id id ("-":
 * unnamed) (NULL: none recorded); record one (copies). */
const char *ledger_rules_get(const struct mc_ledger *l, const char *id);
int ledger_rules_set(struct mc_ledger *l, const char *id, const char *v, struct mc_err *err);
/* The same of the tables filter (LEDGER_K_TABLES), kept beside them. */
const char *ledger_tables_get(const struct mc_ledger *l, const char *id);
int ledger_tables_set(struct mc_ledger *l, const char *id, const char *v, struct mc_err *err);

/* The source (ledger_src number) a destination table's rows come from:
 * 1 and *n, or 0 when none is recorded (the table is the first source's);
 * record one. */
int ledger_tsrc_get(const struct mc_ledger *l, const char *name, size_t *n);
int ledger_tsrc_set(struct mc_ledger *l, const char *name, size_t n, struct mc_err *err);
/* The source table warehouse table `name` holds (LEDGER_K_SRCTAB): its
 * value "N KEY", or NULL when none is recorded. */
const char *ledger_srctab_get(const struct mc_ledger *l, const char *name);
int ledger_srctab_set(struct mc_ledger *l, const char *name, const char *v, struct mc_err *err);
/* The partition PK table `name` holds its keys in (--mode=upsert,
 * LEDGER_K_UPART): its spec ("" for none), or NULL when none is
 * recorded; record one. */
const char *ledger_upart_get(const struct mc_ledger *l, const char *name);
int ledger_upart_set(struct mc_ledger *l, const char *name, const char *part, struct mc_err *err);
/* The commits record of log table name: 1 with *from (its first commit
 * counted) and *lines (its lines of commits from..seq), 0 when none is
 * recorded (nothing written since, or a warehouse from before the key),
 * -1 when the value is malformed. */
int ledger_commits_get(const struct mc_ledger *l, const char *name, uint64_t *from,
		       uint64_t *lines);
/* Count k more lines of commit seq in name's record (from = seq the
 * first time). */
int ledger_commits_add(struct mc_ledger *l, const char *name, uint64_t seq, uint64_t k,
		       struct mc_err *err);
/* Whether sources a and b of l are one server (one identity: its
 * histories), i.e. a == b or both name the same source_id. */
int ledger_src_same(struct mc_ledger *l, size_t a, size_t b);

/* Account for an accepted change record at pos stamped t: the first record
 * stamped after a day ends that day, its cut at txn (the position of the
 * first change of the record's transaction, or pos: a transaction is not
 * split between two days). */
int ledger_note(struct mc_ledger *l, const struct mc_pos *pos, const struct mc_pos *txn, int64_t t,
		struct mc_err *err);
/* Account for an accepted txn_end or heartbeat mark at pos with label
 * (a txn_end's GTID, "" when none): it is the new resume point, and its
 * GTID replaces the one of its domain (MariaDB "D-S-N": D; MySQL
 * "UUID:N": UUID) in l->gtid. */
int ledger_mark(struct mc_ledger *l, const struct mc_pos *pos, const char *label, size_t n,
		struct mc_err *err);
/* A GTID set (items "D-S-N" or "UUID:A-B[:C-D]" separated by ','): the item
 * from *at (blanks skipped, *at moved to it), its length, and in *dn the
 * length of its domain (MariaDB D, MySQL's UUID, as ledger_mark reads it). */
size_t ledger_gtid_item(const char *g, size_t n, size_t *at, size_t *dn);
/* The highest transaction number of domain dom (dn bytes) in GTID set g:
 * 1 with it in *seq, 0 when g has no item of it. */
int ledger_gtid_seq(const char *g, size_t n, const char *dom, size_t dn, uint64_t *seq);
/* ledger_mark for the heartbeat or txn_end mark r: the new resume point is
 * rec_mark_resume(r); a mark with the field 'resume' (a prepared XA
 * transaction held below pos: docs/record-format.md "4 mark") leaves
 * l->gtid as it is, so that the GTIDs stay before that XA PREPARE. */
int ledger_mark_rec(struct mc_ledger *l, const struct mc_rec *r, struct mc_err *err);
/* Whether ledger_mark_rec(l, r) moves l's resume point. */
int ledger_mark_moves(const struct mc_ledger *l, const struct mc_rec *r);
/* The cut of day: the position of the first change record stamped after
 * the day (the day holds every change below it). 1 found, 0 not yet. */
int ledger_cut(const struct mc_ledger *l, int64_t day, struct mc_pos *cut);

/* The whole ledger as checkpoint lines (c empty before), and back: 1, or
 * -1 naming `what` (a path) when a value is malformed. */
int ledger_to_ckpt(const struct mc_ledger *l, struct ckpt *c, struct mc_err *err);
int ledger_from_ckpt(const struct ckpt *c, const char *what, struct mc_ledger *l,
		     struct mc_err *err);
/* The position checkpoint of l, the one a source resumes from: pos;
 * resume, or before any transaction boundary the lowest snapshot
 * watermark; gtid; the chains. 0 with c empty when l has none of them. */
int ledger_checkpoint(const struct mc_ledger *l, struct ckpt *c, struct mc_err *err);
/* Write ledger_checkpoint(l) to path (nothing when it is empty). */
int ledger_checkpoint_write(const char *path, const struct mc_ledger *l, struct mc_err *err);
/* --checkpoint-out of l around the step that decides a commit: written
 * durably as PATH.next, then decide(arg), then renamed over PATH (the
 * directory synced), so that a source started by a rerun after a kill
 * resumes after the decided commit but for the rename's window
 * (docs/maxcompute.md "Exactly once"). Without a path: decide alone. */
int ledger_checkpoint_decide(const char *path, const struct mc_ledger *l,
			     int (*decide)(void *arg, struct mc_err *err), void *arg,
			     struct mc_err *err);
/* A copy of l (for a destination that keeps what was committed). */
int ledger_copy(struct mc_ledger *dst, const struct mc_ledger *src, struct mc_err *err);
void ledger_free(struct mc_ledger *l);

#endif
