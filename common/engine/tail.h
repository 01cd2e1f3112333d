/* tail.h: the engine of mc-binlog-tail (docs/mc-binlog-tail.md): binlog
 * files, or a server's binlog as a replica, to the record stream (or its
 * text form) on standard output. The program parses its options into a
 * struct tail_opts and calls tail_run once. */
#ifndef MC_TAIL_H
#define MC_TAIL_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "mysql/myconn.h"

/* --column-names: where the names of table maps without them come from. */
enum {
	TAIL_NAMES_DEFAULT = 0, /* SCHEMA for files, SERVER live */
	TAIL_NAMES_BINLOG,      /* @1, @2... */
	TAIL_NAMES_SCHEMA,      /* --schema, then the binlog's DDL */
	TAIL_NAMES_SERVER,      /* those, else information_schema */
};

/* What the progress callback gets (docs/mc-binlog-tail.md "Progress"):
 * events and their bytes read, transactions and records written, where
 * reading is (file number and name, the offset after the last event), the
 * last event's time (0: none yet), whether the source's end was reached
 * (a live heartbeat, or the last file read), reconnections, and whether the
 * --retry-time window was used up. */
struct tail_stats {
	uint64_t events, bytes, txns, records;
	uint64_t fileseq, off;
	const char *file;
	uint32_t when;
	int caught_up;
	uint64_t reconnects;
	int retry_exhausted;
};
typedef void (*tail_progress_fn)(void *ctx, const struct tail_stats *st);

struct tail_opts {
	const char *prog;       /* program name: stream header, temporary files */
	/* warnings (one line, no newline) and reconnections; NULL: none */
	struct mc_say warn;

	int text;               /* --format=text, else the record stream */
	int no_checksum;        /* --no-checksum */
	int partial_json_absent; /* --partial-json=absent */
	/* --rows-ddl=pass: an ALTER TABLE of a selected table that removes or
	 * replaces rows with no row events (DROP/TRUNCATE/EXCHANGE/CONVERT
	 * PARTITION, DISCARD/IMPORT TABLESPACE) is written with a warning;
	 * 0 (refuse): exit 1 */
	int rows_ddl_pass;
	/* --fk-cascades=pass: a CREATE or ALTER TABLE of a selected table
	 * with a foreign key ON DELETE/UPDATE CASCADE or SET NULL (whose
	 * changes the binlog does not show) is written with a warning; 0
	 * (refuse): exit 1 */
	int fk_pass;
	/* --lower-case-table-names: 1 or 2, the table names of DDL statements
	 * written in lower case (a server that compares them so); 0 as
	 * written; -1 (not given): live, the server's; FILEs, a DDL naming a
	 * table only in another case than a table seen is an error */
	int lctn;
	uint64_t txn_memory;    /* --txn-memory (0: spill at once) */
	const regex_t *tables;  /* --tables (NULL: every table) */
	const char *tables_text; /* ... its text, for the stream's header */
	const char *const *schema_files; /* --schema, in order */
	size_t nschema;
	int column_names;       /* TAIL_NAMES_* */
	int have_stop_pos, have_stop_time;
	uint64_t stop_pos;      /* --stop-position */
	int64_t stop_time;      /* --stop-datetime */

	/* binlog files */
	char *const *files;
	size_t nfiles;
	const char *index_file; /* --index */
	const char *from_file;  /* --from FILE:POS */
	uint64_t from_pos;

	/* live (the replica connection) when set */
	int live;
	const struct my_opts *conn;
	const char *start_at;   /* --start FILE:POS */
	const char *start_gtid; /* --start-gtid */
	const char *ckpt_in;    /* --checkpoint-in */
	uint32_t server_id;
	int stop_at_end;        /* --stop-at-end */
	unsigned heartbeat_ms;  /* 0: none */
	double retry_sec;       /* --retry-time, in seconds */

	/* after each transaction, every 1024 events, at a heartbeat and a
	 * reconnection; NULL: none */
	tail_progress_fn progress;
	void *progress_ctx;
};

/* Set the defaults: txn_memory 256M, server id 4200001, heartbeat 30 s,
 * retry 720 minutes. */
void tail_opts_init(struct tail_opts *o);

/* A usage error (bad --start, a checkpoint without a position, files
 * that collide, ...): the caller says "Try --help". */
#define TAIL_EUSAGE (-2)

/* Run: 0 when the input ended (or a stop condition or signal ended it),
 * after the stream's trailer; -1 with err (code: the exit status; output
 * written before the error is flushed when it is bad input), or
 * TAIL_EUSAGE with err. Standard output is left open. */
int tail_run(const struct tail_opts *o, struct mc_err *err);

/* A live tail (o->live): catch SIGTERM and SIGINT from now on, as a stop
 * (the trailer, exit 0) also before tail_run connects, while it reads the
 * checkpoint, say. Call it as soon as the tail is known to be live. */
void tail_catch_stop(void);

#endif
