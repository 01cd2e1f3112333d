/* dest.h: where the sink (sink/sink.h) commits: the destination interface.
 * Implementations: common/wh/dest_wh.c (the local warehouse); the next,
 * MaxCompute, in common/odps/. sink/dest.c chooses one from --dest.
 *
 * A destination stores tables of partitions of rows, and the sink's ledger
 * (stream/ledger.h: the source position and snapshot chains the data
 * reaches, the commit count...). The sink drives it in commits:
 *
 *     open ........................ dest_open(spec) (sink/sink.h): lock, connect
 *     read_ledger ................. what was committed (a rerun starts there)
 *     table_name .................. a source table's name there
 *     clean ....................... drop what an unfinished commit left
 *     { part_open ...               a table partition the rows go to
 *       prepare(part)...            a hint as a partition's first row comes
 *       feed(part, rows so far)...  a hint as its rows settle
 *       feed_hold(part)...          they are about to move
 *       begin(seq)                  commit number seq starts
 *       append(part, rows)...       each partition's rows of this commit
 *       commit(ledger) }...         data and ledger become visible together
 *     close
 *
 * The contract, for every implementation:
 * - Exactly once: after commit(L) returns, the data of every append since
 *   begin and the ledger L are durable; after a crash anywhere before, a
 *   read_ledger + clean leaves the destination as it was at the previous
 *   commit (the sink then sends the same rows again, named by the same seq),
 *   or read_ledger first finishes a commit the destination had decided
 *   (MaxCompute: rolled forward from its journal and spool), whose ledger
 *   it then returns: the sink drops what comes again of it as committed.
 *   How (files renamed last, upload sessions committed before the ledger
 *   row, ...) is the destination's business: nothing here is a file.
 * - One writer: open fails with code 3 (MC_EXIT_TRANSIENT) when another
 *   sink holds the destination.
 * - Tables are named by table_name; a log table's name is its table's
 *   with "_log" appended. A partition is a spec "key=value[/key=value]...".
 * - Rows come as record-format encodings (stream/rec.h: schema records and
 *   rows, no header or trailer), each partition's rows of a commit in one
 *   append. A destination with its own row encoding decodes them.
 * Every function returns 0 (or as said) or -1 with err set. */
#ifndef MC_STREAM_DEST_H
#define MC_STREAM_DEST_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "stream/ledger.h"
#include "stream/rec.h"

struct dest_odps_opts;

/* Options every destination understands. */
struct dest_opts {
	int zlevel;          /* compression level of data where it applies (1..19) */
	const char *writer;  /* program name recorded with the data */
	int resnap;          /* the writer of re-snapshots (mc-tunnel-put
			      * --resnapshot): its own ledger, lock and
			      * tables beside the main writer's, whose
			      * ledger read_main reads */
	const struct dest_odps_opts *odps; /* --dest=odps://: its options
					    * (odps/dest_odps.h), or NULL */
};

/* One partition's rows of one commit. */
struct dest_rows {
	const char *recs;       /* encoded records: schema records and rows */
	size_t len;
	uint64_t nrec, rows;    /* records in recs, of them rows */
	const char *schemas;    /* encoded schema records new to the table */
	size_t schemas_len;
	const char *hist;       /* encoded ALTER TABLE ddl records of the table,
				 * for its schema history (wh/schemahist.h;
				 * may come with no rows) */
	size_t hist_len;
	int has_pos;            /* lo/hi: the change rows' positions (log) or
				 * the rows' (base) */
	struct mc_pos lo, hi;
	size_t src;             /* the ledger source (ledger_src) whose
				 * positions lo/hi (and floor) are */
	size_t hist_rank;       /* the rank of its binlog history among its
				 * source's (ledger_src_same; 0: the first) */
	int has_time;           /* tmin/tmax: event times, seconds UTC */
	int64_t tmin, tmax;
	/* base partitions (a snapshot): */
	int complete;           /* the table's snapshot is complete with this
				 * commit (rows may be 0) */
	int has_floor;          /* the lowest chunk watermark of its rows: the
				 * log applies from there */
	struct mc_pos floor;
	int has_ceil;           /* the highest chunk watermark, of a chunk
				 * without rows too: the base holds the
				 * state of no point below it */
	struct mc_pos ceil;
	int layout;             /* a log table's layout (enum wh_layout of
				 * wh/layout.h: the ledger's log_layout; 0:
				 * mcsync) */
};

struct dest_part; /* a table partition, the destination's */

struct dest_ops {
	const char *kind; /* "warehouse", ... */
	/* The destination keeps a commits record of each log table (the
	 * warehouse's NAME_log/_commits): one entry per append of a log
	 * partition with rows and positions (dest_rows.has_pos), durable
	 * before commit; the sink counts them in its ledger
	 * (LEDGER_K_COMMITS), by which a lost record is told. */
	int commits_record;
	/* The committed ledger: 1, or 0 when nothing was ever committed (l
	 * zeroed). */
	int (*read_ledger)(void *st, struct mc_ledger *l, struct mc_err *err);
	/* A re-snapshot writer (dest_opts.resnap): the main writer's committed
	 * ledger, as read_ledger (NULL for a destination without one). */
	int (*read_main)(void *st, struct mc_ledger *l, struct mc_err *err);
	/* The destination's name of source table db.table into out (>= 256
	 * bytes): `given` (the user's, or NULL) or a default; -1 (code 1) when
	 * the destination cannot hold it. */
	int (*table_name)(void *st, const struct mc_str *db, const struct mc_str *table,
			  const char *given, char *out, size_t outsz, struct mc_err *err);
	/* Remove what commits after l (an unfinished one) left. */
	int (*clean)(void *st, const struct mc_ledger *l, struct mc_err *err);
	/* The partition part of table (is_log: a log table): a handle valid
	 * until close; nothing need exist before an append. */
	int (*part_open)(void *st, const char *table, int is_log, const char *part,
			 struct dest_part **p, struct mc_err *err);
	/* 1 when the base partition p was completed by a commit <= seq (a
	 * rerun over committed data), else 0. */
	int (*part_complete)(void *st, struct dest_part *p, uint64_t seq, struct mc_err *err);
	/* A hint, or NULL: the first row of partition p in the commit under
	 * way has come (its begin and append come after the commit's last
	 * row), of a table whose schema records so far are schemas[0..len)
	 * (the last one in force), log layout layout, and ledger name key
	 * nkey valued name (NULL: none). The destination may start, beside
	 * the sink's reading, what p's append and the commit need that does
	 * not depend on the rows (MaxCompute: the tables, the upload session,
	 * the second writer's check), or nothing; nothing it does may need
	 * undoing by clean or a rerun. Nothing is reported here: what failed,
	 * or does not fit the append that comes, is done by the append or
	 * commit, which report it. */
	void (*prepare)(void *st, struct dest_part *p, const char *schemas, size_t len,
			int layout, const char *nkey, const char *name);
	/* A hint, or NULL: recs[0..len) of partition p in the commit under
	 * way are settled: p's append will get records that begin with these
	 * very bytes. Called by the sink's thread as they settle (at
	 * transaction and chunk ends; as they are read, for an input checked
	 * whole), with len growing, or the same len again between them as
	 * the sink reads on (nothing new: a chance to move what is under way
	 * on); len 0 says that what was given before is not settled after
	 * all (drop it). The destination may encode and send them ahead of
	 * the append (MaxCompute: blocks PUT into the session while the sink
	 * reads on), nothing visible before the commit and nothing clean or a
	 * rerun must undo; nothing is reported here: the append does again
	 * what failed, and reports it. recs[0..len) stay where they are and
	 * as they are until feed_hold, len 0, or p's append: the destination
	 * may read them on a thread of its own meanwhile. */
	void (*feed)(void *st, struct dest_part *p, const char *recs, size_t len);
	/* With feed (NULL where the destination reads the records given by
	 * feed only inside that call): recs NULL: the records of p fed so far
	 * are about to move; return once nothing of the destination reads
	 * them, and read none until called again with recs, their new place
	 * (the same bytes, as long as before). */
	void (*feed_hold)(void *st, struct dest_part *p, const char *recs);
	/* Commit seq starts (seq = the last committed + 1). */
	int (*begin)(void *st, uint64_t seq, struct mc_err *err);
	/* p's rows of this commit (rows->rows may be 0 for a completion). */
	int (*append)(void *st, struct dest_part *p, const struct dest_rows *rows,
		      struct mc_err *err);
	/* Make every append since begin and l durable and visible together. */
	int (*commit)(void *st, const struct mc_ledger *l, struct mc_err *err);
	/* Release everything (uncommitted appends are dropped). */
	void (*close)(void *st);
};

struct dest {
	const struct dest_ops *ops;
	void *st;
};

/* Release d (uncommitted appends are dropped); a zeroed d is fine. */
static inline void dest_close(struct dest *d)
{
	if (d->ops)
		d->ops->close(d->st);
	d->ops = NULL;
	d->st = NULL;
}

#endif
