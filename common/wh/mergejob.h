/* mergejob.h: mc-merge's engine (docs/mc-merge.md, docs/merge.md): the
 * plan (the base partition, the key, the log records in [from, upto)),
 * the merge into a record stream or a new full partition with its
 * manifest, and the lifecycle of old partitions and logs.
 *
 *	struct mergejob_opts o;
 *	mergejob_opts_init(&o);
 *	o.whdir = ...; o.table = ...; o.ds = ...; o.day = ...; o.have_day = 1;
 *	struct mergejob *j = mergejob_new(&o, &err);
 *	rc = mergejob_run(j, &err);
 *	mergejob_free(j);
 *
 * Nothing half-made stays: a failed run removes its temporary partition
 * and spilled runs before returning. mergejob_abort() does the same at any
 * time (a program's exit hook); a run killed by a signal leaves them to the
 * next run, which removes the table's ".tmp-*" entries. */
#ifndef MC_MERGEJOB_H
#define MC_MERGEJOB_H

#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "stream/rec.h"

/* What the progress callback gets (docs/mc-merge.md "Progress"): the
 * phase ("plan": the log read for its DDL, "read": the base and the log
 * into the sorter, "merge": writing the new partition, "done"), log rows
 * and files read, rows written, runs spilled to disk so far; and the
 * input: in_total bytes to read (the log's files in range twice, for its
 * DDL and for its changes, and the base's files unless a TRUNCATE in range
 * empties it; known once the plan has listed the log), in_read of them
 * read so far (files finished, and the compressed bytes behind what was
 * decoded of the file being read). in_read only rises, and is in_total at
 * "done"; except that a base found out of key order while streamed is
 * read again from the start, and in_read goes back to the log's size. */
struct mergejob_progress {
	const char *phase;
	uint64_t log_rows, log_files, rows, runs;
	uint64_t in_read, in_total;
};
typedef void (*mergejob_progress_fn)(void *ctx, const struct mergejob_progress *p);

struct mergejob_opts {
	const char *whdir;       /* the local warehouse */
	const char *table;       /* the base table (checked with wh_name_ok) */
	const char *ds;          /* the day to build, "YYYYMMDD", or NULL */
	int have_day;            /* ds given: day is its day number */
	int64_t day;
	const char *at;          /* --at as given (for messages), or NULL */
	int at_is_pos;           /* at is a position: at_pos; else a time: at_time */
	struct mc_pos at_pos;
	int64_t at_time;         /* seconds, as datetime_parse gives */
	const char *key;         /* "COL[,COL]" for a table with no key, or NULL */
	uint64_t memory;         /* bytes for sorting; 0: a quarter of RAM */
	const char *tmpdir;      /* where runs spill; NULL: the table's directory */
	uint64_t lifecycle;      /* days of full partitions kept; 0 keeps all */
	const char *output;      /* write the state to this file ("-": fd 1)
				  * instead of a partition; NULL: a partition */
	int zlevel;              /* zstd level; -1: 1 for a partition, 0 for output */
	int emit_sql;            /* append the merge SQL to sql, merge nothing */
	int dialect;             /* MERGE_SQL_* */
	struct mc_buf *sql;      /* where emit_sql goes */
	int verbose;             /* say what was read and written */
	/* with ds (no at, output, emit_sql): nothing to do, exit 0, for a day
	 * whose full partition is there complete (its marker a base's, its
	 * files there at their sizes) or before the table's oldest full
	 * partition (--skip-merged, for catching up) */
	int skip_merged;
	/* Receives each verbose line (no newline); NULL: nothing is said. */
	struct mc_say say;
	/* at each phase and every 65536 rows; NULL: none */
	mergejob_progress_fn progress;
	void *progress_ctx;
};

/* Statistics of the last run (for callers and tests). */
struct mergejob_stats {
	int nothing;             /* ds is the snapshot itself: nothing done */
	int skipped;             /* skip_merged: ds merged already
				  * (MJ_SKIP_MERGED), or before the oldest
				  * full partition (MJ_SKIP_BEFORE), or the
				  * table was dropped (MJ_SKIP_DROPPED): nothing
				  * done; 0: not skipped */
	uint64_t rows;           /* rows written */
	uint64_t log_rows;       /* changes applied */
	uint64_t log_files;      /* log files read */
	char note[600];          /* MJ_SKIP_DROPPED: the statement, said */
};

/* Why skip_merged did nothing (mergejob_stats.skipped, and
 * odps_merge_opts.skipped). */
enum { MJ_SKIP_MERGED = 1, MJ_SKIP_BEFORE = 2, MJ_SKIP_DROPPED = 4 /* the table is gone */ };

struct mergejob;

/* Defaults: lifecycle 30, zlevel -1, everything else 0. */
void mergejob_opts_init(struct mergejob_opts *o);

/* A job over o (its strings are not copied: they must outlive the job).
 * NULL when out of memory. */
struct mergejob *mergejob_new(const struct mergejob_opts *o, struct mc_err *err);

/* Do it. 0, or -1 with err set: code MC_EXIT_USAGE for a bad --key, 3 when
 * the table is locked, 1 otherwise (messages as docs/mc-merge.md). */
int mergejob_run(struct mergejob *j, struct mc_err *err);

void mergejob_stats(const struct mergejob *j, struct mergejob_stats *st);

/* o's --tmpdir is outside its warehouse (by resolved paths: a table's
 * merge removes the temporaries of its directory, so another table's
 * spilled runs there went): 0, or -1 with err (MC_EXIT_USAGE). Also
 * checked by mergejob_run, before anything is opened. */
int mergejob_check_tmpdir(const struct mergejob_opts *o, struct mc_err *err);

/* Remove what a run in progress has half-made (its temporary partition,
 * its spilled runs). Safe at any time, more than once; for exit hooks. */
void mergejob_abort(struct mergejob *j);

/* Abort and free (NULL is fine). */
void mergejob_free(struct mergejob *j);

#endif
