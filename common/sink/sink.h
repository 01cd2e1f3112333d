/* sink.h: the exactly-once sink of mc-tunnel-put (docs/mc-tunnel-put.md):
 * record streams into a destination (dest.h), committing data with the
 * position it reaches; a rerun after a crash skips what was committed.
 *
 *   struct sink_opts o;
 *   sink_opts_init(&o);  ...set options...
 *   sink_run(&o, &dest, files, nfiles, &err);
 *
 * or, step by step, sink_open / sink_put_fd... / sink_finish / sink_close.
 * Every function returns 0 or -1 with err set (code 1 bad input or a
 * write error, 2 usage, 3 the destination is locked). */
#ifndef MC_SINK_H
#define MC_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "stream/dest.h"
#include "stream/rec.h"

enum sink_route {
	SINK_ROUTE_OP = 0, /* snapshot rows to the base table, changes to the log */
	SINK_ROUTE_BASE,   /* every row to the base table */
	SINK_ROUTE_LOG,    /* every row to the log table */
};

/* A table's destination name: from "DB.TABLE" to NAME. */
struct sink_rename {
	const char *from, *to;
};

/* The histogram of the visibility lag (struct sink_stats): its upper
 * bounds in seconds, rising; the last bucket (+Inf) is vis_txns. */
#define SINK_VIS_NB 22
extern const double sink_vis_bounds[SINK_VIS_NB];

/* What the progress callback gets (docs/mc-tunnel-put.md "Progress"):
 * records read; rows and bytes committed, commits; records dropped as
 * committed already (repeats); rows read and not committed yet; the
 * committed position of the stream's source, and the time of the last
 * record committed (0: none), from which the lag behind the source is told. */
struct sink_stats {
	uint64_t records, rows, bytes, commits, dropped, pending;
	int has_pos;
	struct mc_pos pos;
	int64_t src_time;
	int64_t seen_time;       /* the time of the last record read */
	/* The visibility lag: from a source commit (the time of a transaction
	 * end that brought rows) to the commit of ours that made its rows
	 * visible (the wall clock when it returned). The source's times are
	 * whole seconds, so each lag is up to 1 s above the truth, never
	 * below. Transactions made visible, their lags added up, how many had
	 * a lag <= sink_vis_bounds[i]; of the last commit that made any
	 * visible: its oldest transaction's lag (hi) and newest's (lo), and
	 * the run's highest (0 and vis_txns 0: none yet). */
	uint64_t vis_txns;
	double vis_sum;
	uint64_t vis_le[SINK_VIS_NB];
	double vis_last_hi, vis_last_lo, vis_max;
	/* how long the commits took (seconds): added up, the last, the longest */
	double commit_secs, commit_last, commit_max;
};
typedef void (*sink_progress_fn)(void *ctx, const struct sink_stats *st);

/* --commit-bytes' default */
#define SINK_COMMIT_BYTES ((uint64_t)64 << 20)

struct sink_opts {
	const char *part;        /* partition of every row; NULL: by day (auto) */
	enum sink_route route;
	uint64_t commit_rows;    /* commit at a boundary after this many rows */
	uint64_t commit_bytes;   /* or after this many bytes of encoded rows
				  * (0: by rows only); 4x either: also inside
				  * a transaction */
	const char *ckpt_out;    /* --checkpoint-out FILE, or NULL */
	int64_t utc_off;         /* seconds east of UTC (a new ledger's) */
	int utc_off_set;         /* given: must equal the ledger's */
	const struct sink_rename *renames;
	size_t nrenames;
	struct mc_say say;       /* the closing "N records already in the warehouse, skipped" line (exit 0 only) */
	int partial_ok;          /* an input without its trailer is not an error */
	int resnap;              /* a re-snapshot: a new generation of its
				  * tables (dest_opts.resnap too) */
	int new_history;         /* a stream of a new binlog history of a
				  * known source may open it (RESET MASTER) */
	int tables_changed;      /* a tail's stream of other --tables than the
				  * source's recorded ones is taken, and
				  * recorded (hrules.c) */
	const char *log_layout;  /* --log-layout (wh/layout.h names), or NULL:
				  * recorded by a new ledger, else must equal
				  * the ledger's (none recorded: mcsync) */
	/* after each commit and every 1024 records; NULL: none */
	sink_progress_fn progress;
	void *progress_ctx;
	int upsert;              /* the destination applies changes to PK
				  * tables (--mode=upsert): no snapshot rows,
				  * no table-replacing DDL, no partition
				  * unless --partition names one */
	double commit_interval;  /* seconds: commit at the next transaction end
				  * this long after the last commit began (0:
				  * never by time) */
};

/* The defaults: route op, 100000 commit rows, auto partitions, UTC. */
void sink_opts_init(struct sink_opts *o);

struct sink;

/* Start over the destination d (open, not owned): read its ledger, clean
 * what an unfinished commit left, rewrite --checkpoint-out from the ledger. */
int sink_open(struct sink **s, const struct sink_opts *o, struct dest *d, struct mc_err *err);
/* Put one record stream read from fd (not owned); name is for messages.
 * A stream from a pipe may end without its trailer (an open end): what is
 * pending after its last transaction end or chunk end is taken back, the
 * rest committed, and then it is an error (code 1) unless o.partial_ok. */
int sink_put_fd(struct sink *s, int fd, const char *name, struct mc_err *err);
/* The same for a file ("-": standard input). */
int sink_put_file(struct sink *s, const char *path, struct mc_err *err);
/* Commit what is pending (the end of input). */
int sink_finish(struct sink *s, struct mc_err *err);
/* The ledger as it stands: committed plus pending. */
const struct mc_ledger *sink_ledger(const struct sink *s);
void sink_close(struct sink *s);

/* All of it: open, put each file (standard input when nfiles is 0),
 * finish, close. */
int sink_run(const struct sink_opts *o, struct dest *d, const char *const *files, size_t nfiles,
	     struct mc_err *err);

/* Open the destination a --dest value names: "DIR": the local warehouse
 * (wh/dest_wh.h); "odps://PROJECT[/SCHEMA]": a MaxCompute project
 * (odps/dest_odps.h, options in o->odps). Release it with dest_close (stream/dest.h). */
int dest_open(const char *spec, const struct dest_opts *o, struct dest *d, struct mc_err *err);

#endif
