/* mirror.h: the state mirror (docs/maxcompute.md "Recovering a lost state
 * directory"): a table in the project,
 *
 *   mcsync_state (writer STRING, seq BIGINT, attempt BIGINT, kind STRING,
 *                 body STRING) PARTITIONED BY (ds STRING) LIFECYCLE 90
 *
 * into which the MaxCompute destination commits, in every sink commit seq
 * and before that commit's data sessions, one small Tunnel session: the
 * ledger before the commit (kind "ledger0") and after it ("ledger1"), the
 * odps state file before and after ("state0", "state1") and the commit's
 * journal ("journal"); and mc-merge its record DIR/merge.T (kind
 * "merge.T"); a table's schema history (kind "hist.T", mirror_hist.c). A body is a checkpoint file's lines, each key and value
 * percent-encoded, "k=v" pairs joined by spaces. odps_recover rebuilds a
 * lost --state directory from the newest row. */
#ifndef MC_ODPS_MIRROR_H
#define MC_ODPS_MIRROR_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "odps/client.h"
#include "odps/sql.h"
#include "stream/ckpt.h"

#define ODPS_MIRROR_TABLE "mcsync_state"
#define ODPS_MIRROR_LIFECYCLE 90

/* c as a body (appended to out, NUL-terminated) and back (c zeroed first;
 * -1 code 1 naming `what` for a body that is not of this form). */
int odps_mirror_enc(const struct ckpt *c, struct mc_buf *out, struct mc_err *err);
int odps_mirror_dec(const char *s, size_t n, const char *what, struct ckpt *c,
		    struct mc_err *err);

/* CREATE TABLE IF NOT EXISTS the mirror. */
int odps_mirror_ensure(struct odps_client *c, const struct odps_sql_opts *so,
		       struct mc_err *err);

/* One row of the mirror. */
struct odps_mirror_row {
	const char *kind;
	const struct ckpt *body;
};

/* Commit rows (writer, seq, attempt) into today's (UTC) partition of the
 * mirror through one Tunnel session (a session that expires is replaced,
 * three at most). */
int odps_mirror_put(struct odps_client *c, double retry_s, struct mc_say say, const char *writer,
		    uint64_t seq, uint64_t attempt, const struct odps_mirror_row *rows, size_t n,
		    struct mc_err *err);

/* The same through SQL (INSERT INTO ... SELECT, for mc-merge): one row. */
int odps_mirror_insert(struct odps_client *c, const struct odps_sql_opts *so,
		       const char *writer, uint64_t seq, uint64_t attempt, const char *kind,
		       const struct ckpt *body, struct mc_err *err);

struct odps_recover_opts {
	const char *state;  /* the --state directory to rebuild */
	const char *dest;   /* "odps://P[/S]" */
	const char *writer; /* --recover=WRITER, or NULL: the only one */
	struct odps_sql_opts sql;
};

/* Rebuild opts->state from the newest mirror row of the writer: the
 * ledger, the state file, the journal of a commit in doubt resolved by
 * counting its rows through SQL, the merge records. A line per thing done
 * appended to report. -1 with err: code 2 when the directory holds a
 * ledger; code 1 when the project has no mirror rows, several writers and
 * none given, or a commit whose rows are neither all there nor absent. */
int odps_recover(struct odps_client *c, const struct odps_recover_opts *o, struct mc_buf *report,
		 struct mc_err *err);

/* How many rows of journal entry e's partition lie in its [tlo, thi] (a
 * log table of layout lay, enum wh_layout: by its id column,
 * odps/logpos.h; 0: mcsync's positions): what --recover and the check
 * of another writer's commit (dest_odps_writer.c) count. */
struct odps_jent;
int odps_mirror_count(struct odps_client *c, const struct odps_sql_opts *so,
		      const struct odps_jent *e, int lay, uint64_t *n, struct mc_err *err);

/* mirror_hist.c: a table's schema history (STATE/_mcsync/hist/T.mcr) as
 * the body of its mirror row (kind "hist.T": the bytes in hex, keys mcr0,
 * mcr1, ...), and back: the newest row of each table of the writer
 * written into state (each read back as a history first), a line each
 * appended to report. */
int odps_mirror_hist_body(const char *path, struct ckpt *c, struct mc_err *err);
int odps_mirror_hist_recover(struct odps_client *c, const struct odps_sql_opts *so,
			     const char *writer, const char *state, struct mc_buf *report,
			     struct mc_err *err);

/* 1 when s is a state directory's writer id as the mirror's rows carry
 * it: 1 to 63 of [0-9a-z_-]. */
int odps_mirror_writer_ok(const char *s);

/* The rows of an SQL answer about the mirror's table (its CSV, the header
 * line dropped), each line split at ',' into ncol fields (the mirror's
 * values hold no ',' or quote: a line of other than ncol fields is exit
 * 1; so is an answer of ODPS_SQL_ROWS_SHOWN rows or more); r->f (nrow *
 * ncol fields, into out's text) is the caller's to free. */
struct odps_mirror_rows {
	char *text;
	char **f;
	size_t nrow, ncol, cap;
};
int odps_mirror_rows_parse(struct mc_buf *out, size_t ncol, struct odps_mirror_rows *r,
			   struct mc_err *err);
/* The rows MaxCompute shows of a query's result by default (the project's
 * READ_TABLE_MAX_ROW): an answer of that many may have been cut, and
 * odps_mirror_rows_parse refuses it (exit 1) rather than read a part. */
#define ODPS_SQL_ROWS_SHOWN 10000

#endif
