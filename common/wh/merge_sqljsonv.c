/* merge_sqljsonv.c: the dataworks-json log layout's SQL across schema
 * versions in MaxCompute (docs/merge.md "Log layouts", "Schema changes:
 * the SQL merge"). A log row's data_columns holds the columns of the
 * version in force at its position (wh_layout_json with that version's
 * schema record), so the view of the log in mcsync's terms
 * (merge_sqllay_logsrc) reads each SQL column of the history (sqlhist.h)
 * by the row's version: its name and place in that version, read as that
 * version's type (merge_sqljson_odps_col), then widened to the SQL
 * column's type as the flat layouts' tables widen it in place; NULL
 * where the row's version has no such column. The version comes from the
 * row's id (its order is the position order). The rest of the statement
 * is the flat layouts' (merge_sqllay.c, merge_sqlhist.c). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "wh/layout.h"
#include "wh/merge_sql.h"
#include "wh/sqlhist.h"

static int same_str(const struct mc_str *a, const struct mc_str *b)
{
	return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

int merge_sqljson_set(struct mc_buf *b, const struct merge_sql *q)
{
	if (q->dialect != MERGE_SQL_MAXCOMPUTE)
		return 0;
	if (!wh_layout_is_json((enum wh_layout)q->layout))
		/* a history's DATE and DATETIME defaults: text read in the
		 * zone (merge_sqlhist.c literal) */
		return q->hist && buf_adds(b, "SET odps.sql.timezone=Etc/GMT;\n") < 0 ? -1 : 0;
	/* (the zone: its DATE, DATETIME and TIMESTAMP text, merge_sqltime.c) */
	return buf_adds(b, "SET odps.sql.udf.getjsonobj.new=true;\n"
			   "SET odps.sql.timezone=Etc/GMT;\n") < 0 ? -1 : 0;
}

/* CAST(NULL AS the SQL column's type) */
static int null_of(struct mc_buf *b, const struct mc_col *pc)
{
	return buf_addf(b, "CAST(NULL AS %.*s)", (int)pc->mc_type.n, pc->mc_type.p) < 0 ? -1 : 0;
}

/* SQL column p of a row of version w: read out of data_columns by w's
 * column (merge_sqljson_odps_read), widened to p's type; NULL when w has
 * none. */
static int read_ver(struct mc_buf *b, const struct merge_sql *q, size_t w, size_t p,
		    struct mc_err *err)
{
	const struct wh_sqlhist *x = q->hist;
	const struct mc_col *pc = x->pcol[p];
	long i = wh_sqlhist_col(x, w, p);
	const struct mc_col *c;
	int widen;
	if (i < 0)
		return null_of(b, pc) < 0 ? mc_oom(err, "sql") : 0;
	c = &x->h->v[w].s.rec.cols[i];
	widen = !same_str(&c->mc_type, &pc->mc_type);
	if (widen && buf_adds(b, "CAST(") < 0)
		return mc_oom(err, "sql");
	if (merge_sqljson_odps_read(b, c, (size_t)i, q->table, err) < 0)
		return mc_errctx(err, "schema version %zu: ", w + 1);
	if (widen && buf_addf(b, " AS %.*s)", (int)pc->mc_type.n, pc->mc_type.p) < 0)
		return mc_oom(err, "sql");
	return 0;
}

/* The id bound of version v's start: rows of ids below it are of older
 * versions. */
static int start_id(const struct merge_sql *q, size_t v, int64_t *id, struct mc_err *err)
{
	if (wh_layout_id(&q->hist->h->v[v].start, id, err) < 0)
		return mc_errctx(err, "table '%s': the start of schema version %zu: ", q->table,
				 v + 1);
	return 0;
}

/* The expression of SQL column p: a CASE over the id, one branch per run
 * of versions lo .. target that read it alike; rows outside those
 * versions (not in the merge's range) read NULL. */
static int vcol(struct mc_buf *b, const struct merge_sql *q, size_t p, struct mc_err *err)
{
	const struct wh_sqlhist *x = q->hist;
	const char *id = wh_layout_role((enum wh_layout)q->layout, "id");
	struct mc_buf prev = { 0 }, cur = { 0 };
	int64_t ub = 0;
	int rc = 0, open = 0, has_prev = 0;
	size_t n = x->h->n;
	/* segments (upper bound, text), the last without a bound: merged when
	 * the texts are the same */
	for (size_t s = q->hist_lo > 0 ? q->hist_lo - 1 : q->hist_lo; s <= q->hist_target + 1 && rc == 0;
	     s++) {
		int64_t bound = 0;
		int last;
		cur.len = 0;
		if (s + 1 == q->hist_lo) { /* below lo: NULL up to lo's start */
			rc = null_of(&cur, x->pcol[p]) < 0 ? mc_oom(err, "sql") : 0;
			if (rc == 0)
				rc = start_id(q, q->hist_lo, &bound, err);
			last = 0;
		} else if (s <= q->hist_target) {
			rc = read_ver(&cur, q, s, p, err);
			last = s + 1 >= n;
			if (rc == 0 && !last)
				rc = start_id(q, s + 1, &bound, err);
		} else if (q->hist_target + 1 < n) { /* above the target: NULL */
			rc = null_of(&cur, x->pcol[p]) < 0 ? mc_oom(err, "sql") : 0;
			last = 1;
		} else {
			break;
		}
		if (rc < 0)
			break;
		if (has_prev && !same_str(&(struct mc_str){ prev.p, prev.len },
					  &(struct mc_str){ cur.p, cur.len })) {
			rc = buf_addf(b, "%s%s < %" PRId64 " THEN ", open ? " WHEN " : "CASE WHEN ", id,
				      ub);
			rc |= buf_add(b, prev.p, prev.len);
			open = 1;
		}
		if (rc < 0)
			break;
		prev.len = 0;
		rc = buf_add(&prev, cur.p, cur.len);
		has_prev = 1;
		ub = bound;
		if (last)
			break;
	}
	if (rc == 0 && open) {
		rc = buf_adds(b, " ELSE ");
		rc |= buf_add(b, prev.p, prev.len);
		rc |= buf_adds(b, " END");
	} else if (rc == 0) {
		rc = buf_add(b, prev.p, prev.len);
	}
	buf_free(&prev);
	buf_free(&cur);
	if (rc < 0)
		return err->code ? -1 : mc_oom(err, "sql");
	return 0;
}

int merge_sqljson_vcol(struct mc_buf *b, const struct merge_sql *q, size_t p)
{
	struct mc_err e = { 0 };
	return vcol(b, q, p, &e);
}

int merge_sqljson_vcheck(const struct merge_sql *q, struct mc_err *err)
{
	struct mc_buf t = { 0 };
	int rc = 0;
	if (!wh_layout_is_json((enum wh_layout)q->layout) || !q->hist)
		return 0;
	if (q->dialect != MERGE_SQL_MAXCOMPUTE)
		return mc_errf(err, MC_EXIT_DATA, "internal: the dataworks-json SQL across schema "
			       "versions is MaxCompute's");
	for (size_t p = 0; p < q->hist->nphys && rc == 0; p++) {
		t.len = 0;
		rc = vcol(&t, q, p, err);
	}
	buf_free(&t);
	return rc;
}
