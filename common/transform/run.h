/* run.h: the mc-transform filter: record streams in, one record stream
 * out, the rules (rules.h) applied. cmd/mc-transform.c parses the options
 * into struct tf_opts and calls tf_run or tf_check.
 *
 * What passes and how (docs/mc-transform.md, "What flows through"):
 * - header and trailer: every input stream's header is written with its
 *   metadata kept (source_id/source_epoch/source_start included) and
 *   TF_META_NAMES added; its
 *   trailer is written with the count of the records written;
 * - schema, row and ddl records of a table the selection leaves out are
 *   dropped; of a selected table they pass with the table field set to the
 *   destination name (the db field keeps the source database), their
 *   position, time and values unchanged;
 * - marks always pass, so that a sink's positions advance over dropped rows
 *   exactly as over kept ones; a mark of a selected table (chunk_end,
 *   snapshot_end) names its destination, one of a table left out passes
 *   unchanged;
 * - a record without a table (a ddl of no table) passes unchanged.
 * The same input and rules give the same bytes. */
#ifndef MC_TRANSFORM_RUN_H
#define MC_TRANSFORM_RUN_H

#include <stddef.h>

#include "base/err.h"
#include "stream/recio.h"
#include "transform/rules.h"

/* The header entry mc-transform adds to every stream it writes: "table":
 * the table field of each record is the destination name (the db field
 * keeps the source database, for positions and ledger keys). */
#define TF_META_NAMES "dest_names"
/* The header entry of the rules' log_layout (docs/rules.md): the log
 * layout the sink writes (mc-tunnel-put honours it; an input header's own
 * entry is replaced when the rules give one). */
#define TF_META_LAYOUT "log_layout"
/* The header entries of the rules fingerprint (fprint.c) and of the rules
 * file's path (given only when it has no newline): the sink records the
 * fingerprint per source and refuses a stream of the source with another
 * (docs/mc-tunnel-put.md "Rules"). An input header's own are replaced. */
#define TF_META_FP "rules_fp"
#define TF_META_FILE "rules_file"
/* the fingerprint of the rules' select, dml and limit (fprint.c): which
 * tables and rows pass; the sink keeps it beside the tail's --tables */
#define TF_META_ROWS_FP "rows_fp"

struct tf_opts {
	const struct tf_rules *rules;
	enum rio_fmt from;        /* input format */
	int zstd;                 /* compress the output at this level; 0: plain */
	const char *const *files; /* nfiles inputs read in turn, "-" is fd 0; */
	size_t nfiles;            /* none: standard input */
	/* tf_run: a record stream whose schema records (the last of each
	 * table) are the tables' schemas before the inputs, for a dropped
	 * MODIFY (docs/mc-transform.md "DDL policy"); NULL: none */
	const char *schema;
	int out_fd;
	/* DDL alerts (docs/mc-transform.md "DDL policy"): each alert line
	 * goes to alert.fn (the program prints it on stderr) and, with a
	 * newline, to alerts_fd when >= 0 (an alerts file opened for append). */
	struct mc_say alert;
	int alerts_fd;
	/* Dirty data (docs/mc-transform.md "Dirty data"): a row whose value
	 * does not convert is dropped and listed, one line, in reject_fd when
	 * >= 0 (reject_name its path, for messages); the dirty_limit + 1st
	 * stops the run. The count goes to note at the end. */
	int reject_fd;
	const char *reject_name;
	long long dirty_limit;
	struct mc_say note;
};

/* Filter every input onto out_fd. 0, or -1 with err ("'FILE': record N:
 * ..." for bad input, the output then ends without a trailer; err->errnum
 * EPIPE when the reader went away). */
int tf_run(const struct tf_opts *o, struct mc_err *err);

/* With schema sample files (o->files; none: only the rules are checked),
 * write the table mapping as text to out_fd: one line per source table of
 * the sample's schema records, "SOURCE -> DESTINATION" or "SOURCE
 * (not selected)". 0, or -1 with err (a name that is not a warehouse
 * name, a bad sample). */
int tf_check(const struct tf_opts *o, struct mc_err *err);

#endif
