/* The schema records of a table: an owned copy, and comparison. */
#include "stream/schema.h"

#include <stdio.h>
#include <string.h>

#include "stream/mctype.h"

int schema_copy_set(struct schema_copy *s, const struct mc_rec *r, struct mc_err *err)
{
	size_t used;
	s->raw.len = 0;
	s->have = 0;
	if (rec_encode(&s->raw, r, err) < 0)
		return -1;
	if (rec_decode(s->raw.p, s->raw.len, 0, &used, &s->rec, &s->sc, err) != 1)
		return mc_errf(err, MC_EXIT_DATA, "schema copy failed");
	s->have = 1;
	return 0;
}

void schema_copy_free(struct schema_copy *s)
{
	buf_free(&s->raw);
	rec_scratch_free(&s->sc);
	memset(s, 0, sizeof *s);
}

static int str_eq(const struct mc_str *a, const struct mc_str *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

/* Columns agree when name and nullability are equal and the types are the
 * same type however the source spelled them (mc-snapshot reads
 * information_schema, mc-binlog-tail rebuilds them from table maps). */
static int col_same(const struct mc_col *x, const struct mc_col *y)
{
	return str_eq(&x->name, &y->name) && x->nullable == y->nullable &&
	       mctype_same(x->mysql_type.p, x->mysql_type.n, y->mysql_type.p, y->mysql_type.n);
}

void schema_diff(const struct mc_rec *a, const struct mc_rec *b, char *out, size_t outsz)
{
	size_t n = a->ncols < b->ncols ? a->ncols : b->ncols;
	for (size_t i = 0; i < n; i++) {
		const struct mc_col *x = &a->cols[i], *y = &b->cols[i];
		if (!col_same(x, y)) {
			snprintf(out, outsz, "column %zu is '%.*s' %.*s%s, not '%.*s' %.*s%s", i + 1,
				 (int)x->name.n, x->name.p, (int)x->mysql_type.n, x->mysql_type.p,
				 x->nullable ? "" : " not null", (int)y->name.n, y->name.p,
				 (int)y->mysql_type.n, y->mysql_type.p, y->nullable ? "" : " not null");
			return;
		}
	}
	if (a->ncols != b->ncols) {
		snprintf(out, outsz, "%zu columns, not %zu", a->ncols, b->ncols);
		return;
	}
	snprintf(out, outsz, "the keys differ");
}

int schema_same(const struct mc_rec *a, const struct mc_rec *b)
{
	if (a->ncols != b->ncols || a->nkey != b->nkey)
		return 0;
	for (size_t i = 0; i < a->ncols; i++) {
		const struct mc_col *x = &a->cols[i], *y = &b->cols[i];
		if (!col_same(x, y))
			return 0;
	}
	for (size_t i = 0; i < a->nkey; i++)
		if (a->key[i] != b->key[i])
			return 0;
	return 1;
}
