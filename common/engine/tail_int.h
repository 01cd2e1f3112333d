/* tail_int.h: the state of a running mc-binlog-tail engine (tail.h), shared
 * by tail.c (output, events, transactions), tail_file.c (binlog files) and
 * tail_live.c (the replica connection). Unit tests drive it directly. */
#ifndef MC_TAIL_INT_H
#define MC_TAIL_INT_H

#include <stdint.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "binlog/binlog.h"
#include "binlog/schema_track.h"
#include "binlog/txn.h"
#include "engine/tail.h"
#include "mysql/blrepl.h"
#include "stream/rec.h"
#include "stream/recio.h"

/* A two-phase XA transaction prepared before --from (tail_xa.c). */
struct tail_xa_open {
	char id[300];        /* as XA COMMIT names it: X'..',X'..',N */
	uint64_t began, prepare; /* its event group's offset, its XA_PREPARE's */
};

/* A two-phase XA transaction held (prepared, its XA COMMIT not yet read):
 * where its event group began, the GTID event before its XA START
 * (tail_xa.c). */
struct tail_xa_held {
	char id[300];
	uint64_t seq, off;
};

struct tail {
	const struct tail_opts *o;
	struct bl_decoder d;
	int text;
	struct rio_writer w; /* the record stream (not text) */
	int w_open;
	int head_due;        /* the header waits for the first Format_description */
	int have_src;        /* it came: the source (stream/rec.h MC_META_SOURCE_*) */
	uint32_t src_server_id, src_when;
	uint64_t src_file;
	uint64_t mark_seq;   /* the last binlog whose identity the stream holds
			      * (its header's, or a binlog_start mark's) */
	struct mc_buf tout;  /* text output not yet written */
	int out_fd;          /* 1 */

	struct schema_track st;
	int colnames;        /* TAIL_NAMES_*, the default resolved */

	uint64_t fileseq;    /* the binlog being read: its number and name */
	const char *fname;
	char fname_kept[4096]; /* fname once the FILEs' names are freed (tail_files) */
	void *alters;        /* the ALTERs read ahead (tail_ahead.c) */

	/* the open transaction */
	struct bl_txn txn;
	int in_txn;
	int dry;             /* decode an incomplete transaction, write nothing */
	int hold_ref;        /* tail_event's events stay where they are (a file's
			      * read buffer keeps them): held by reference */
	uint64_t force_off;  /* replay at this offset (XA COMMIT), rows numbered across */
	char xa_id[300];     /* the XA transaction being read (XA START ...) */
	char gtid[128];      /* its GTID */
	struct txn_xa xa;    /* prepared XA transactions */
	struct tail_xa_open *xa_before; /* ... before --from, not resolved there */
	size_t nxa_before, cap_xa_before;
	struct tail_xa_held *xa_held; /* ... held now: marks resume no later */
	size_t nxa_held, cap_xa_held;
	uint64_t gtid_off;   /* where the GTID event of T->gtid began */
	uint64_t txn_start;  /* where the open transaction began (BEGIN, GTID) */
	int txn_start_gtid;  /* ... at a MariaDB GTID event: BEGIN/XA START may follow */
	uint64_t mark_row;   /* the row of the next txn_end mark (after DDL records) */
	int alter_phase;     /* the MariaDB GTID's BL_ALTER_* (two-phase ALTER) */
	struct {             /* its savepoints, in the order set (tail_sp.c) */
		char name[200];
		uint64_t mark; /* txn_mark at the SAVEPOINT */
	} sp[128];
	size_t nsp;
	const char *sp_lost;  /* why a ROLLBACK TO of this transaction cannot be
			       * done (a savepoint name not compared as the
			       * server does, too many, a relay log's carry),
			       * or NULL */
	struct mc_buf sql8, sqlred; /* a statement's text in UTF-8, redacted */
	/* lower_case_table_names (--lower-case-table-names, or the server's
	 * live; -1: not known), and a statement's names in lower case */
	int lctn;
	struct mc_buf lcbuf;

	/* replay */
	struct mc_val before[MC_MAX_COLUMNS], after[MC_MAX_COLUMNS];
	uint64_t last_off;
	uint64_t rowctr;
	int last_payload;

	/* --column-names=server: a second connection, opened when needed */
	MYSQL *srv;

	/* live */
	struct blr r;
	char resume_file[512];
	uint64_t resume_pos;
	time_t lost_at;
	unsigned backoff;
	const char *live_gtid;  /* start from this GTID set (no file) */
	char *live_gtid_own;    /* ... when it was copied from the checkpoint */
	char *live_file;        /* start in this binlog */
	uint64_t live_pos;
	int live_check;         /* --start past 4: its first event not yet seen */
	int start_user;         /* the start is --start or --start-gtid's */
	uint64_t out_seq, out_pos; /* the highest position between transactions */

	/* The range of the binlog the stream covers (docs/mc-binlog-tail.md
	 * "The range a stream covers"): where it starts (the header's
	 * source_start; not from a GTID set), and how far it read every event:
	 * the end of the last event read between transactions, or the next
	 * file's start after a closing ROTATE or STOP; done_final: the input
	 * ended there for good (its last file closed, or a stop option). At
	 * the end a heartbeat mark says how far (tail.c end_mark). */
	int have_start;
	uint64_t start_seq, start_off;
	int have_done, done_final;
	uint64_t done_seq, done_off;
	uint32_t done_when;  /* the last event's time (0: none yet) */
	int have_wrote;      /* a record was written: the highest position, its time */
	struct mc_pos wrote;
	int64_t wrote_time;
	int rot_ok;          /* the last ROTATE event named binlog number rot_next */
	uint64_t rot_next;
	uint32_t rot_server; /* ... and was of this server_id */
	int carry;           /* a relay log's transaction goes on in the next FILE */
	/* FILEs of MariaDB: the last GTID read of each domain and server_id,
	 * which the GTID list that begins each later file must hold (one
	 * binlog history: tail_hist.c), at first the checkpoint's
	 * (tail_gtid_floor); gseen_full: more pairs
	 * than gseen holds, not checked */
	struct tail_gtid_seen {
		uint32_t domain, server;
		uint64_t seq;
		int floor;   /* from the checkpoint: at seq or later */
	} gseen[64];
	size_t ngseen;
	int gseen_full;
	/* the MariaDB GTID of the event group being read, counted in gseen
	 * once the group is whole (the next GTID event, a file's end): a
	 * group cut by a crash never committed and its GTID is used again */
	struct tail_gtid_seen gpend;
	int gpend_set;
	/* a FILE ended inside the group of GTID cut (no COMMIT or XID) and
	 * another FILE follows: the next GTID list tells whether the group
	 * committed (it is lost: exit 1) or not (a crash: nothing lost) */
	struct tail_gtid_seen cut;
	int cut_set;
	uint64_t cut_off;
	char cut_name[512];
	/* FILEs read from a checkpoint's resume inside a file (offset past
	 * 4): resume_ck until that offset is reached; the binlog state there
	 * (the file's GTID list, then its GTIDs before the offset) of each
	 * pair of the checkpoint's gtid (tail_hist.c tail_resume_*) */
	struct tail_resume_gtid {
		uint32_t domain, server;
		uint64_t want, at; /* the checkpoint's; the file's state */
		int seen;
	} rgtid[64];
	size_t nrgtid;
	int resume_ck, resume_list;
	/* --checkpoint-in's resume_epoch (and source_id): the binlog of
	 * resume, its number and creation time (its Format_description's
	 * header time) and server_id; ck_ident until that file's
	 * Format_description was compared (tail_hist.c tail_file_ident) */
	int ck_ident, ck_has_sid;
	int ck_prev;         /* ... from resume_prev: ck_file is the binlog
			      * before resume's, at whose start it lies */
	uint64_t ck_file;
	int64_t ck_when;
	uint32_t ck_sid;
	char ck_resume[64];
	uint32_t fde_server; /* the file's Format_description: its server_id, */
	uint64_t fde_end;    /* ... and where the event after it begins */
	struct tail_stats stats; /* for o->progress (tail_report) */
	char gtid_state[65536];  /* started from a GTID set: it, and the GTIDs of
				  * the transactions read since */
};

/* Set up (o borrowed) and free the state; tail_init opens nothing. T
 * comes zeroed (calloc: the state is large, over 600 KB, and calloc's fresh
 * pages are not touched until a field on them is written). */
int tail_init(struct tail *T, const struct tail_opts *o, struct mc_err *err);
void tail_free(struct tail *T);

/* Start the output (the stream's header) and end it (its trailer). */
int tail_begin(struct tail *T, struct mc_err *err);
int tail_end(struct tail *T, struct mc_err *err);

/* One event of the binlog being read: p[0..n) at offset start; off is the
 * position after it (after the payload it came in when inner). */
int tail_event(struct tail *T, const uint8_t *p, size_t n, uint64_t start, uint64_t off,
	       int inner, struct mc_err *err);

/* A transaction still open where a new one starts or the file closes
 * (what, at offset start): 0 when none is, else -1 with err naming both
 * offsets (a damaged binlog). */
int tail_unclosed(struct tail *T, const char *what, uint64_t start, struct mc_err *err);

/* One binlog history (tail_hist.c): a MariaDB GTID event read from a FILE
 * (the last of its domain and server_id), and the GTID list that begins a
 * file, checked against those: 0, or -1 with err (exit 1). */
void tail_gtid_read(struct tail *T, const struct bl_event *ev);
/* The event group of the GTID read last is whole (or, cut: cut at the end
 * of a FILE that another follows): count its GTID, or note it as cut. */
void tail_gtid_done(struct tail *T, int cut, uint64_t txn_start);
int tail_gtid_list(struct tail *T, const struct bl_event *ev, uint64_t start,
		   struct mc_err *err);
/* The checkpoint's gtid v (MariaDB D-S-N,...: the last GTID of each domain
 * committed; NULL: none), for a start at its resume position: the GTID
 * list that begins a file read from there must hold each at that sequence
 * number or later (the set may lag behind resume: docs/mc-tunnel-put.md).
 * Other forms (MySQL UUID:N) are left out. */
void tail_gtid_floor(struct tail *T, const char *v);
/* The next D-S-N of a MariaDB GTID list "D-S-N,D-S-N..." at *v (moved
 * past it; a part of another form is passed over): 1, or 0 at the end. */
int tail_gtid_next(const char **v, unsigned long long *d, unsigned long long *s,
		   unsigned long long *n);
/* A resume inside a file: the event at start (before the resume offset)
 * when it is the file's GTID list or a MariaDB GTID, into the state there;
 * then, at the resume offset (inside: it lies inside the event at start,
 * which ends at end), is the file the checkpoint's binlog? 0, or -1 with
 * err (exit 1) naming the file, the offset and both GTIDs. */
int tail_resume_note(struct tail *T, const uint8_t *p, size_t n, uint64_t start,
		     struct mc_err *err);
int tail_resume_check(struct tail *T, uint64_t from, uint64_t start, uint64_t end,
		      int inside, struct mc_err *err);

/* The checkpoint's identity of resume's binlog (its keys resume_epoch,
 * resume_prev, source_id and resume; NULL: absent): kept for tail_file_ident. 0, or -1
 * with err (a malformed value, exit 1; ck names the checkpoint). */
int tail_ident_note(struct tail *T, const char *ck, const char *epoch, const char *prev,
		    const char *sid, const char *resume, struct mc_err *err);
/* Without resume_epoch, a resume at offset 4 of binlog F+1 and the
 * checkpoint's resume_prev F:T (the binlog whose ROTATE named it, read by
 * the stream before; tail_ident_note sets ck_prev): binlog F is held to
 * that identity instead (tail_file_ident, its Format_description only).
 * Binlog F not there to read (where says why: no FILE of that number, the
 * server has none): -1 with err (exit 1) naming the checkpoint ck, both
 * binlogs and what to do. */
int tail_prev_missing(struct tail *T, const char *ck, const char *where,
		      struct mc_err *err);
/* The Format_description p (n bytes, at start; UINT64_MAX live: the one
 * re-sent) of the binlog being read: when it is resume's binlog, is it the
 * file the checkpoint was written of (its creation time and server_id)?
 * 0, or -1 with err (exit 1) naming the file and both identities. */
int tail_file_ident(struct tail *T, const uint8_t *p, size_t n, uint64_t start,
		    struct mc_err *err);

/* The Format_description ev of the binlog being read: the first one of a
 * binlog after the stream's first is written as a binlog_start mark at
 * [F, 4, 0], its label "F:T" (T the file's creation time, the event
 * header's; its time too) (docs/record-format.md "4 mark"); the sink keeps
 * each file's identity for its checkpoint's resume_epoch. 0, or -1 with
 * err. */
int tail_binlog_start(struct tail *T, const struct bl_event *ev, struct mc_err *err);

/* Forget the open transaction (not written). */
void tail_rollback(struct tail *T);
/* Is map t (at pos, read at start) of a MariaDB SEQUENCE, left out? 1,
 * 0 (a table), or -1 with err (exit 1: it cannot be told) (tail_seq.c). */
int tail_sequence(struct tail *T, struct bl_table *t, const struct mc_pos *pos, uint64_t start,
		  struct mc_err *err);
/* Note a ROTATE event's next binlog number (tail_file.c). */
void tail_rotate_note(struct tail *T, const struct bl_event *ev);
/* A SAVEPOINT, ROLLBACK TO or RELEASE SAVEPOINT statement s (n bytes) at
 * start: noted, or the events it undid cut from the open transaction; 0,
 * or -1 (exit 1) when they cannot be told (tail_sp.c). */
int tail_savepoint(struct tail *T, const char *s, size_t n, uint64_t start, struct mc_err *err);
/* Decode an incomplete transaction for the errors in it; write nothing. */
int tail_dry_run(struct tail *T, struct mc_err *err);

int tail_emit(struct tail *T, const struct mc_rec *r, struct mc_err *err);
/* tail_emit's parts, for the rows packed in place (tail_rows.c): the
 * stream's header when due; a record written (its position the last
 * written); the error of a failed write. */
int tail_head(struct tail *T, struct mc_err *err);
void tail_wrote(struct tail *T, const struct mc_rec *r);
int tail_write_fail(struct mc_err *err);
/* The rows of ev as row records r (its fields but position filled), their
 * values packed from the row images (bl_row_pack) into the stream. */
int tail_rows_packed(struct tail *T, struct bl_event *ev, struct mc_rec *r, uint64_t off,
		     uint64_t start, struct mc_err *err);
/* Hand the numbers to o->progress, if set. */
void tail_report(struct tail *T);
/* A Format_description event: the first one names the stream's source. */
void tail_note_fde(struct tail *T, const struct bl_event *ev);
int tail_flush(struct tail *T, struct mc_err *err);
/* Every event up to seq:off was read, between transactions (when: the
 * event's time, 0 when it has none). */
void tail_note_done(struct tail *T, uint64_t seq, uint64_t off, uint32_t when);

/* Bad input at offset off of the binlog being read (UINT64_MAX: none):
 * flush what was written, name the file and offset in err; -1. */
int tail_data_error(struct tail *T, uint64_t off, struct mc_err *err);
/* An ALTER TABLE t (ddl_target's) at start, whose statement is s (n bytes,
 * default database db) that removes or replaces rows of a selected table
 * with no row events: exit 1 saying so and what to do, or (--rows-ddl=pass)
 * a warning and 0. 0 for any other statement. tail_ddl.c. */
struct ddl_target;
/* Has map t a BINARY(16) or BINARY(4) column not known to be MariaDB's
 * UUID, INET6 or INET4 (whose type the server tells, tail_live.c)? */
int tail_fbt_candidate(const struct bl_table *t);
/* A DDL statement's table names and lower_case_table_names (tail_ddl.c). */
int tail_ddl_case(struct tail *T, struct ddl_target *t, struct mc_str *defdb, uint64_t start,
		  struct mc_err *err);
int tail_rows_ddl(struct tail *T, const struct ddl_target *t, struct mc_str db, const char *s,
		  size_t n, uint64_t start, uint64_t off, struct mc_err *err);
/* RENAME TABLE t (default database db): noop[k] 1 when step k moves a
 * table that the statement gives back its own name (a TO tmp, tmp TO a),
 * else 0; tail_ddl.c. */
void tail_rename_noop(const struct ddl_target *t, struct mc_str db, unsigned char *noop);
/* The text of DDL statement p (n bytes) that the DDL follower (st_ddl)
 * reads: past the executable comment that opens it when the binlog's
 * server runs it, without that comment's end when it closes the statement
 * (slash-star-bang-40000 ALTER ... star-slash: ALTER ...); else p. The
 * follower would take the comment for one some servers run and others
 * not, and lose the table's names. tail_ddl.c. */
struct mc_str tail_ddl_text(struct tail *T, const char *p, size_t n);
/* A failure of the live connection: flush, name the server's binlog; -1. */
int tail_live_error(struct tail *T, struct mc_err *err);

/* The inputs (tail_file.c; tail_live.c, which begins the output once it
 * knows where to start): 0, -1 or TAIL_EUSAGE. */
int tail_files(struct tail *T, struct mc_err *err);
int tail_live(struct tail *T, struct mc_err *err);

/* --column-names=server: names, UNSIGNED, charsets and key of the map t
 * without names, and ENUM/SET labels, from information_schema
 * (tail_live.c). */
int tail_server_describe(struct tail *T, struct bl_table *t, struct st_table *ti,
			 const struct mc_pos *pos, struct mc_err *err);
/* Close the connections; free what tail_server_describe keeps per table. */
void tail_live_free(struct tail *T);

/* The way out of a refusal of ENUM/SET labels not known exactly, live. */
#define TAIL_LABELS_WAY_OUT "give a --schema snapshot of the table taken after its last " \
	"change before here, or load a new snapshot of the table and tail from its position, " \
	"or set binlog_row_metadata=FULL on the server"

/* ENUM/SET labels the server gave (tail_ahead.c). tail_ahead_read: the
 * statements that may change a table's labels (ALTER or CREATE with
 * CONVERT, CHARACTER SET, CHARSET, COLLATE, ENUM(...) or SET(...); RENAME),
 * read ahead in the server's binlog (SHOW BINLOG EVENTS on T->srv) from
 * where the last read ended (the first time: T->fname at off) to its end
 * now, *end: call it after reading labels. 0, or -1 with err.
 * tail_ahead_check: column i (name, charset cs now) of t takes the labels
 * l the server gave when its binlog ended at end, at pos: such a statement
 * naming the table between pos and end refuses t (t->bad; a charset one
 * not for labels all ASCII in an ASCII charset). tail_ahead_free: what
 * was read. */
struct mys_labels;
/* t->bad, one line (cut at its size: a long name may not fit whole) */
__attribute__((format(printf, 2, 3))) void tail_table_bad(struct bl_table *t, const char *fmt,
							   ...);
int tail_ahead_read(struct tail *T, uint64_t off, struct mc_pos *end, struct mc_err *err);
void tail_ahead_check(struct tail *T, struct bl_table *t, uint32_t i, const char *name,
		      const char *cs, const struct mys_labels *l, const struct mc_pos *pos,
		      const struct mc_pos *end);
/* tail_ahead_names: the names the server gave for t (those the map
 * takes) when its binlog ended at end, at pos: the index of the first
 * statement read ahead between pos and end that may change t's columns
 * (a CREATE, DROP or RENAME naming it, an ALTER that renames it, makes it
 * of a partition, or adds, drops, renames or moves a column, by its text:
 * ddl_alter_cols; one not read whole naming it), or -1.
 * tail_ahead_names_bad: t refused for statement i (t->bad), as long as
 * nothing was read ahead since. */
long tail_ahead_names(struct tail *T, const struct bl_table *t, const struct mc_pos *pos,
		      const struct mc_pos *end);
void tail_ahead_names_bad(struct tail *T, struct bl_table *t, long i, const struct mc_pos *pos);
void tail_ahead_free(struct tail *T);

/* XA (tail_xa.c). The xid text after "XA COMMIT" ... (skip bytes), as the
 * server writes it in one canonical form (X'..',X'..',N), so text equality
 * is identity, without ONE PHASE. */
void tail_xa_id(const char *s, size_t n, size_t skip, char *out, size_t outsz);
/* The xid of a two-phase XA_PREPARE event in that form; -1: one phase, or
 * a body that holds none. */
int tail_xa_prepared_id(const struct bl_event *ev, char *out, size_t outsz);
/* An XA_PREPARE or QUERY event before --from, at start, the transaction
 * open at it begun at open (0: at start): follow the PREPAREs still open. */
int tail_xa_before(struct tail *T, const struct bl_event *ev, uint64_t open, uint64_t start,
		   struct mc_err *err);
/* The XA COMMIT of xid id, at offset start, whose PREPARE was not read:
 * -1, err naming both positions (exit 2 after a position the user gave). */
int tail_xa_unread(struct tail *T, const char *id, uint64_t start, struct mc_err *err);
void tail_xa_free(struct tail *T);
/* XA statements (XA START, XA COMMIT, XA ROLLBACK; the rest pass) and the
 * XA_PREPARE event (one phase: a commit; two: held). */
int tail_xa_query(struct tail *T, const struct bl_event *ev, const char *s, size_t n,
		  const struct txn_at *at, struct mc_err *err);
int tail_xa_prepare(struct tail *T, const struct bl_event *ev, uint64_t off, int inner,
		    struct mc_err *err);
/* A heartbeat or txn_end mark r about to be written: while a prepared XA
 * transaction is held, its field 'resume' is the oldest held one's event
 * group (docs/record-format.md "4 mark"). */
void tail_xa_resume(const struct tail *T, struct mc_rec *r);

/* tail.c's transactions, for tail_xa.c: write the open one (its txn_end
 * mark at off); one begins at start (what: BEGIN, XA START); forget it. */
int tail_commit(struct tail *T, uint64_t off, int inner, uint32_t when, struct mc_err *err);
int tail_began(struct tail *T, const char *what, uint64_t start, struct mc_err *err);
void tail_txn_forget(struct tail *T);

#endif
