/* schema.h: schema records (stream/rec.h) kept and compared: an owned copy
 * of one, and whether two describe the same table. */
#ifndef MC_SCHEMA_H
#define MC_SCHEMA_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "stream/rec.h"

/* An owned copy of one schema record. */
struct schema_copy {
	int have;
	struct mc_buf raw; /* its encoding */
	struct mc_rec rec; /* decoded from raw */
	struct mc_scratch sc;
};

/* Copy r (a schema record) into s. */
int schema_copy_set(struct schema_copy *s, const struct mc_rec *r, struct mc_err *err);
void schema_copy_free(struct schema_copy *s);
/* Same columns (names, types however the source spelled them,
 * nullability) and key. */
int schema_same(const struct mc_rec *a, const struct mc_rec *b);
/* Explain the first difference of two schemas into out. */
void schema_diff(const struct mc_rec *a, const struct mc_rec *b, char *out, size_t outsz);

#endif
