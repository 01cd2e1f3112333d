/* summary.h: counts of a record stream (mc-cat --to=summary): records per
 * table and op, schema and DDL records, marks, streams and trailers, and
 * the range of positions. */
#ifndef MC_SUMMARY_H
#define MC_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "stream/rec.h"

struct summary_table {
	char *name; /* "db.table" */
	uint64_t ops[MC_OP_N], schemas, ddls;
};

/* Zero it before use; free with summary_free. */
struct summary {
	struct summary_table *t;
	size_t n, cap, last; /* last: the table of the last record counted */
	uint64_t records, streams, trailers_ok;
	uint64_t marks[MC_MARK_N], ddl_other;
	int have_pos;
	struct mc_pos lo, hi;
};

/* Count one record (headers and trailers too). 0, or -1 (ENOMEM) with
 * err. */
int summary_rec(struct summary *s, const struct mc_rec *rec, struct mc_err *err);

/* Append the summary to b: the counts, tables sorted by name, and "check:
 * ok" or "check: FAILED: <failure>" when failure is not NULL. 0, or -1
 * (ENOMEM) with err. */
int summary_print(struct summary *s, struct mc_buf *b, const struct mc_err *failure,
		  struct mc_err *err);

void summary_free(struct summary *s);

#endif
