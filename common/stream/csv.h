/* csv.h: the rows of one table as CSV (mc-cat --to=csv).
 *
 * A header line of column names (from the table's schema record, or @1,
 * @2, ... when the first row comes before any schema), then one line per
 * row: the after image, the before image for a delete. NULL is an empty
 * field, an empty string is "", binary values are base64, fields with a
 * comma, quote or line break are quoted. With with_op, the first two
 * columns are _op and _pos. */
#ifndef MC_CSV_H
#define MC_CSV_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "stream/rec.h"

struct csv_out {
	const char *table;   /* "db.table", not owned */
	int with_op;
	int header_done;
	size_t ncols;
	struct mc_buf names; /* column names, NUL-separated, for change checks */
};

void csv_init(struct csv_out *c, const char *table, int with_op);

/* Append what rec adds to the CSV (nothing for other tables and kinds) to
 * b. 0, or -1 with err (out of memory; the columns of the table change
 * within the input), b then as it was before the call. */
int csv_rec(struct csv_out *c, struct mc_buf *b, const struct mc_rec *rec, struct mc_err *err);

void csv_free(struct csv_out *c);

#endif
