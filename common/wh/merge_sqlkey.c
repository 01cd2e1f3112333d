/* merge_sqlkey.c: the query that checks a key declared with --key over
 * the log, in SQL (merge_sql.h merge_sql_keycheck; the local merge's
 * check is merge_keycheck.c, docs/mc-merge.md "--key"). Per key, the base
 * row first and then the log's positions above it in order, each position
 * one event: live when it has an after image (or is the base row), an add
 * when it has an after image and no before image of the key; an add whose
 * previous event is live is a second row. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "wh/layout.h"
#include "wh/merge_sql.h"

/* the layout's own columns: mc_pos_file in MaxCompute, _pos_file in sqlite */
static const char *pf(int d)
{
	return d == MERGE_SQL_MAXCOMPUTE ? "mc" : "";
}

static int keys(struct mc_buf *b, const struct merge_sql *q)
{
	int rc = 0;
	for (size_t i = 0; i < q->nkey && rc == 0; i++) {
		const struct mc_col *c = &q->schema->cols[q->key[i]];
		rc = (i && buf_adds(b, ", ") < 0) || merge_sql_ident(b, c->name.p, c->name.n, q->dialect);
	}
	return rc;
}

/* (x_pos_file, x_pos_off, x_pos_row) op (f, o, r): op ">", ">=" or "<" */
static int pos_pred(struct mc_buf *b, const char *x, const char *op, const char *f, const char *o,
		    const char *r)
{
	const char *s = op[0] == '>' ? ">" : "<";
	return buf_addf(b, "(%s_pos_file %s %s OR (%s_pos_file = %s AND (%s_pos_off %s %s OR "
			"(%s_pos_off = %s AND %s_pos_row %s %s))))", x, s, f, x, f, x, s, o, x, o, x,
			op, r);
}

/* The window of a key's events: the base row first, then by position */
static int win(struct mc_buf *b, const struct merge_sql *q, const char *x)
{
	return buf_adds(b, ") OVER (PARTITION BY ") < 0 || keys(b, q) ||
	       buf_addf(b, " ORDER BY mc_base DESC, %s_pos_file, %s_pos_off, %s_pos_row)", x, x,
			x) < 0;
}

int merge_sql_keycheck(struct mc_buf *b, const struct merge_sql *q, struct mc_err *err)
{
	const char *x = pf(q->dialect);
	char lo[3][24], hi[3][24], ln[300];
	int rc = 0;
	if (q->layout != WH_LAYOUT_MCSYNC || q->hist || q->nkph)
		return mc_errf(err, MC_EXIT_USAGE, "the key check in SQL is of the mcsync layout, "
			       "one schema version");
	snprintf(ln, sizeof ln, "%s_log", q->table);
	rc |= buf_addf(b, "-- mc-merge: is the key declared with --key unique over %s_log?\n"
		       "SELECT %s_pos_file, %s_pos_off, %s_pos_row, mc_pf, mc_po, mc_pr, mc_pb, ",
		       q->table, x, x, x);
	rc |= keys(b, q);
	rc |= buf_adds(b, "\nFROM (\n  SELECT f.*");
	rc |= buf_adds(b, ",\n    LAG(mc_live");
	rc |= win(b, q, x);
	rc |= buf_adds(b, " AS mc_pl");
	rc |= buf_addf(b, ",\n    LAG(%s_pos_file", x);
	rc |= win(b, q, x);
	rc |= buf_adds(b, " AS mc_pf");
	rc |= buf_addf(b, ",\n    LAG(%s_pos_off", x);
	rc |= win(b, q, x);
	rc |= buf_adds(b, " AS mc_po");
	rc |= buf_addf(b, ",\n    LAG(%s_pos_row", x);
	rc |= win(b, q, x);
	rc |= buf_adds(b, " AS mc_pr");
	rc |= buf_adds(b, ",\n    LAG(mc_base");
	rc |= win(b, q, x);
	rc |= buf_adds(b, " AS mc_pb");
	rc |= buf_adds(b, "\n  FROM (\n    SELECT e.*");
	{
		static const char *const fl[][2] = { { "file", "mc_bf" }, { "off", "mc_bo" },
						     { "row", "mc_br" } };
		for (size_t i = 0; i < 3; i++) {
			rc |= buf_addf(b, ",\n      MAX(CASE WHEN mc_base = 1 THEN %s_pos_%s END) "
				       "OVER (PARTITION BY ", x, fl[i][0]);
			rc |= keys(b, q);
			rc |= buf_addf(b, ") AS %s", fl[i][1]);
		}
	}
	rc |= buf_adds(b, "\n    FROM (\n      SELECT ");
	rc |= keys(b, q);
	rc |= buf_addf(b, ", %s_pos_file, %s_pos_off, %s_pos_row, MAX(mc_base) AS mc_base, "
		       "MAX(mc_a) AS mc_live,\n        CASE WHEN MAX(mc_base) = 0 AND MAX(mc_a) = 1 "
		       "AND MAX(mc_b) = 0 THEN 1 ELSE 0 END AS mc_add\n      FROM (\n", x, x, x);
	if (!q->has_barrier) { /* emptied: no base row counts */
		rc |= buf_adds(b, "        SELECT ");
		rc |= keys(b, q);
		rc |= buf_addf(b, ", %s_pos_file, %s_pos_off, %s_pos_row, 1 AS mc_base, 1 AS mc_a, "
			       "0 AS mc_b FROM ", x, x, x);
		rc |= merge_sql_ident(b, q->table, strlen(q->table), q->dialect);
		rc |= buf_adds(b, " WHERE ");
		rc |= merge_sql_part_where(b, q->base_part);
		rc |= buf_adds(b, "\n        UNION ALL\n");
	}
	rc |= buf_adds(b, "        SELECT ");
	rc |= keys(b, q);
	rc |= buf_addf(b, ", %s_pos_file, %s_pos_off, %s_pos_row, 0 AS mc_base,\n"
		       "          CASE WHEN %s_image = 'A' THEN 1 ELSE 0 END AS mc_a, "
		       "CASE WHEN %s_image = 'B' THEN 1 ELSE 0 END AS mc_b\n        FROM ",
		       x, x, x, x, x);
	rc |= merge_sql_ident(b, ln, strlen(ln), q->dialect);
	{
		const struct mc_pos *a = q->has_barrier ? &q->barrier : &q->from;
		snprintf(lo[0], sizeof lo[0], "%" PRIu64, a->file);
		snprintf(lo[1], sizeof lo[1], "%" PRIu64, a->off);
		snprintf(lo[2], sizeof lo[2], "%" PRIu64, a->row);
		rc |= buf_adds(b, "\n        WHERE ");
		/* from: at or above; a barrier: above */
		rc |= pos_pred(b, x, q->has_barrier ? ">" : ">=", lo[0], lo[1], lo[2]);
		if (!q->upto_inf) {
			snprintf(hi[0], sizeof hi[0], "%" PRIu64, q->upto.file);
			snprintf(hi[1], sizeof hi[1], "%" PRIu64, q->upto.off);
			snprintf(hi[2], sizeof hi[2], "%" PRIu64, q->upto.row);
			rc |= buf_adds(b, " AND ");
			rc |= pos_pred(b, x, "<", hi[0], hi[1], hi[2]);
		}
		rc |= buf_addf(b, " AND %s_image IS NOT NULL\n      ) u\n      GROUP BY ", x);
	}
	rc |= keys(b, q);
	rc |= buf_addf(b, ", %s_pos_file, %s_pos_off, %s_pos_row\n    ) e\n  ) f\n"
		       "  WHERE mc_base = 1 OR mc_bf IS NULL OR ", x, x, x);
	rc |= pos_pred(b, x, ">", "mc_bf", "mc_bo", "mc_br");
	rc |= buf_addf(b, "\n) w\nWHERE mc_add = 1 AND mc_pl = 1\nORDER BY %s_pos_file, %s_pos_off, "
		       "%s_pos_row\nLIMIT 1;\n", x, x, x);
	if (rc)
		return mc_oom(err, "sql");
	return 0;
}
