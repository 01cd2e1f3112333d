/* snapshot.h: the engine of mc-snapshot (docs/mc-snapshot.md). It selects
 * and loads the tables, plans their chunks on one connection, reads them
 * on N others, and writes them in key order as one record stream to the
 * caller's file descriptor; finished chunks go to a checkpoint file. The
 * engine prints nothing: warnings and progress reach the caller through
 * the callbacks of its options. */
#ifndef MC_ENGINE_SNAPSHOT_H
#define MC_ENGINE_SNAPSHOT_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/err.h"
#include "mysql/myconn.h"
#include "mysql/snap.h"

enum snapjob_consistency {
	SNAPJOB_AUTO = -1,    /* snapshot on MariaDB, else lock */
	SNAPJOB_SNAPSHOT = 0, /* one consistent snapshot per chunk, no lock (MariaDB) */
	SNAPJOB_LOCK = 1,     /* FLUSH TABLES WITH READ LOCK while every connection opens its view */
};

/* Names for --consistency, in enum order from SNAPJOB_SNAPSHOT. */
extern const char *const snapjob_consistency_names[];

/* What the progress callback gets: rows and bytes written so far; total:
 * the rows of the selected tables as best known now (the server's estimate
 * of each table, bounded by the chunks planned: a table of n chunks holds
 * more than (n-1) x chunk rows and at most n x chunk rows; a finished
 * table's rows exactly); total_open: some unfinished table has passed its
 * estimate and no bound is known yet (no ETA can be given); the seconds
 * since the start; the table being written (db, table; NULL before the
 * first), its rows and estimated total; the tables finished and selected;
 * final is 1 for the last call. */
struct snapjob_progress {
	uint64_t rows, bytes, total;
	int total_open;
	double seconds;
	int final;
	const char *db, *table;
	uint64_t table_rows, table_total;
	size_t tables_done, ntables;
};
typedef void (*snapjob_progress_fn)(void *ctx, const struct snapjob_progress *p);

struct tf_rules;

/* Options; strings and arrays are borrowed for the call. */
struct snapjob_opts {
	struct my_opts conn;
	const char *databases;          /* "db,db,..." or NULL: every database */
	const regex_t *tables;          /* 'db.table' must match (NULL: any) */
	const regex_t *exclude;         /* 'db.table' must not match (NULL: none) */
	const char *tables_text;        /* the texts of those, for messages (NULL: none) */
	const char *exclude_text;
	const char *const *wheres;      /* "DB.T:COND" (the last for a table wins) */
	size_t nwheres;
	/* the rules file of mc-transform (--rules), or NULL: its selection
	 * narrows the one above; its full_load entries skip tables or give
	 * their WHERE (docs/mc-snapshot.md "Rules") */
	const struct tf_rules *rules;
	const char *const *splits;      /* "DB.T:COL[,COL]" */
	size_t nsplits;
	uint64_t threads;               /* connections reading chunks */
	uint64_t chunk_rows;            /* rows per chunk */
	uint64_t chunk_bytes;           /* a chunk ends early past this many bytes */
	uint64_t max_rate;              /* rows per second, 0: no limit */
	uint64_t max_bytes_rate;        /* bytes per second, 0: no limit */
	const char *checkpoint;         /* read and rewritten after each chunk, or NULL */
	const char *checkpoint_in;      /* read only (a sink's), or NULL */
	int consistency;                /* enum snapjob_consistency */
	int fk_pass;                    /* --fk-cascades=pass: a warning, not exit 1 */
	const char *out_name;           /* the output in messages ("standard output") */
	/* at most once a second and once at the end; NULL: no progress */
	snapjob_progress_fn progress;
	void *progress_ctx;
	/* a warning (a table read as one chunk); NULL: none */
	struct mc_say warn;
};

/* The defaults: 4 threads, 20000 rows and 64 MiB per chunk, no rate
 * limit, consistency AUTO, output "standard output". */
void snapjob_opts_init(struct snapjob_opts *o);

/* Is arg a "DB.TABLE:VALUE" option value (--where, --split-key)? */
int snapjob_table_arg_ok(const char *arg);

/* Write the snapshot to fd: a header, the schema records, every chunk's
 * rows and chunk_end mark, each table's snapshot_end mark, the trailer.
 * A selection that matches no table is an error (exit 1), here and in
 * snapjob_precheck.
 * The caller has called mysql_library_init. 0, or -1 with err (exit codes
 * of err.h: 3 when a connection was lost). */
int snapjob_run(const struct snapjob_opts *o, int fd, struct mc_err *err);

/* --precheck: check the server and the selected tables; one line per
 * finding on out. The number of blocking findings, or -1 with err. */
int snapjob_precheck(const struct snapjob_opts *o, FILE *out, struct mc_err *err);

/* A table's snapshot chain state, as the checkpoint holds it: "done", or
 * "after<TAB>" and the nsplit literals of the last key written. The one
 * place the engine writes and reads these values. */
int snapjob_chain_format(int done, const snap_bound after, size_t nsplit, struct mc_buf *out);
/* Parse v (the value of key, for messages): *done = 1 for "done", else
 * *after = a new bound of nsplit literals. -1 with err when v is neither
 * (or out of memory). */
int snapjob_chain_parse(const char *key, const char *v, size_t nsplit, int *done,
			snap_bound *after, struct mc_err *err);

#endif
