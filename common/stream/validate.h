/* validate.h: records checked against their schema (docs/record-format.md,
 * "Values against the schema").
 *
 * schema_check tells whether a schema record is itself sound: every
 * mc_type a MaxCompute type, no two columns with one name, the key's
 * columns present and each once. A struct vtrack keeps, per table and
 * schema version, what each column allows (worked out once when the
 * schema record is read), and checks every row against it: one value per
 * column, the kind of value the column's MySQL type takes, integers within
 * the type's range and signedness, DECIMAL within its precision and scale,
 * fraction digits within the column's, BIT within its width, NULL only
 * where the column is nullable. The record stream reader (recio.h) runs it
 * on every record. */
#ifndef MC_VALIDATE_H
#define MC_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "stream/rec.h"

/* What one column allows (internal to validate.c). */
struct vcol;

/* One table's schema version, as rows are checked against it. */
struct vschema {
	char *db, *table;
	size_t dbn, tablen;
	uint64_t version;
	size_t ncols;
	struct vcol *cols;
	char *names; /* column names, NUL-separated, for messages */
	size_t *name_at;
};

/* The schemas seen so far in a stream (and the streams before it). */
struct vtrack {
	struct vschema *v;
	size_t n, cap;
	size_t *slots; /* open addressing: index + 1, 0 empty */
	size_t nslots;
	size_t last; /* index + 1 of the last schema a row used */
};

/* Is the schema record r sound? 0, or -1 with err. */
int schema_check(const struct mc_rec *r, struct mc_err *err);

/* Check the schema record r and keep it for the rows that follow (a later
 * record of the same table and version replaces it). 0 or -1 with err. */
int vtrack_schema(struct vtrack *t, const struct mc_rec *r, struct mc_err *err);

/* Check the row record r against the schema it names. 0, or -1 with err
 * ("row of 'd.t' version V: after value 3 (column 'k' int): ..."). */
int vtrack_row(struct vtrack *t, const struct mc_rec *r, struct mc_err *err);

/* Check the images of row r against the schema s. */
int row_check(const struct vschema *s, const struct mc_rec *r, struct mc_err *err);

void vtrack_free(struct vtrack *t);

#endif
