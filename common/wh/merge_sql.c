#include "wh/merge_sql.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "wh/layout.h"

int merge_sql_ident(struct mc_buf *b, const char *p, size_t n, int dialect)
{
	char q = dialect == MERGE_SQL_SQLITE ? '"' : '`';
	int rc = buf_addc(b, q);
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = buf_addc(b, p[i]);
		if (p[i] == q && rc == 0)
			rc = buf_addc(b, q);
	}
	return rc < 0 ? -1 : buf_addc(b, q);
}

static int cols(struct mc_buf *b, const struct mc_rec *s, int dialect, const char *pfx)
{
	int rc = 0;
	for (size_t i = 0; i < s->ncols && rc == 0; i++) {
		rc = buf_adds(b, i ? ", " : "");
		if (rc == 0 && pfx)
			rc = buf_adds(b, pfx);
		if (rc == 0)
			rc = merge_sql_ident(b, s->cols[i].name.p, s->cols[i].name.n, dialect);
	}
	return rc;
}

/* Our own text of the statement: in MaxCompute, whose column names start
 * with a letter, the layout's columns and the statement's aliases are
 * mc_pos_file, mc_op, mc_rank, ... (docs/maxcompute.md "Tables"); in
 * sqlite _pos_file, _op, _rank, ... (docs/merge.md). */
static int lit(struct mc_buf *b, int dialect, const char *s)
{
	static const char *const words[] = { "_pos_file", "_pos_off", "_pos_row", "_op",
					     "_image", "_time", "_rank", "_live", "_rn" };
	int rc = 0;
	for (const char *p = s; *p && rc == 0; p++) {
		if (dialect == MERGE_SQL_MAXCOMPUTE && *p == '_' &&
		    (p == s || !(p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') ||
				 (p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= '0' && p[-1] <= '9'))))
			for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
				size_t n = strlen(words[i]);
				char e;
				if (strncmp(p, words[i], n) != 0)
					continue;
				e = p[n];
				if (!(e == '_' || (e >= 'a' && e <= 'z') || (e >= '0' && e <= '9'))) {
					rc = buf_adds(b, "mc");
					break;
				}
			}
		if (rc == 0)
			rc = buf_addc(b, *p);
	}
	return rc;
}

/* lit() of a formatted text */
static int litf(struct mc_buf *b, int dialect, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int litf(struct mc_buf *b, int dialect, const char *fmt, ...)
{
	char t[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t, sizeof t, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof t)
		return -1;
	return lit(b, dialect, t);
}

/* (_pos_file, _pos_off, _pos_row) compared with p: op is ">=", ">" or "<". */
static int pos_pred(struct mc_buf *b, int d, const struct mc_pos *p, const char *op)
{
	const char *strict = op[0] == '>' ? ">" : "<";
	return litf(b, d,
			"(_pos_file %s %" PRIu64 " OR (_pos_file = %" PRIu64 " AND (_pos_off %s %" PRIu64
			" OR (_pos_off = %" PRIu64 " AND _pos_row %s %" PRIu64 "))))",
			strict, p->file, p->file, strict, p->off, p->off, op, p->row);
}

int merge_sql_part_where(struct mc_buf *b, const char *spec)
{
	/* values are [A-Za-z0-9_.-] */
	const char *p = spec;
	int rc = 0;
	while (*p && rc == 0) {
		const char *eq = strchr(p, '='), *sl = strchr(p, '/');
		size_t vn = sl ? (size_t)(sl - eq - 1) : strlen(eq + 1);
		rc = buf_addf(b, "%s%.*s = '%.*s'", p == spec ? "" : " AND ", (int)(eq - p), p, (int)vn,
			      eq + 1);
		p = sl ? sl + 1 : eq + 1 + vn;
	}
	return rc;
}

static int pos_ok(const struct mc_pos *p)
{
	return p->file <= INT64_MAX && p->off <= INT64_MAX && p->row <= INT64_MAX;
}

static int emit_layout(struct mc_buf *b, const struct merge_sql *q, struct mc_err *err);

/* The INSERT's columns: the schema's, or the SQL columns of the target
 * version of a schema history (merge_sqlhist.c) */
static int insert_cols(struct mc_buf *b, const struct merge_sql *q)
{
	return q->hist ? merge_sqlhist_names(b, q) : cols(b, q->schema, q->dialect, NULL);
}

/* The inner SELECTs' columns: each row's values in the target version */
static int select_cols(struct mc_buf *b, const struct merge_sql *q)
{
	return q->hist ? merge_sqlhist_select(b, q) : cols(b, q->schema, q->dialect, NULL);
}

int merge_sql_head(struct mc_buf *b, const struct merge_sql *q)
{
	const struct mc_rec *s = q->schema;
	int d = q->dialect, rc = 0;
	if (q->ds && d == MERGE_SQL_SQLITE) {
		rc |= buf_adds(b, "DELETE FROM ");
		rc |= merge_sql_ident(b, q->table, strlen(q->table), d);
		rc |= buf_addf(b, " WHERE ds = '%s';\nINSERT INTO ", q->ds);
		rc |= merge_sql_ident(b, q->table, strlen(q->table), d);
		rc |= buf_adds(b, " (");
		rc |= insert_cols(b, q);
		rc |= lit(b, d, ", _pos_file, _pos_off, _pos_row, ds)\n");
	} else if (q->ds) {
		rc |= buf_adds(b, "INSERT OVERWRITE TABLE ");
		rc |= merge_sql_ident(b, q->table, strlen(q->table), d);
		rc |= buf_addf(b, " PARTITION (ds = '%s')", q->ds);
		if (q->named_insert || q->hist) {
			rc |= buf_adds(b, " (");
			rc |= insert_cols(b, q);
			rc |= lit(b, d, ", _pos_file, _pos_off, _pos_row)");
		}
		rc |= buf_adds(b, "\n");
	} else if (q->into && d == MERGE_SQL_MAXCOMPUTE) {
		rc |= buf_adds(b, "INSERT OVERWRITE TABLE ");
		rc |= merge_sql_ident(b, q->into, strlen(q->into), d);
		rc |= buf_adds(b, "\n");
	}
	rc |= buf_adds(b, "SELECT ");
	rc |= cols(b, s, d, NULL);
	rc |= lit(b, d, ", _pos_file, _pos_off, _pos_row");
	if (q->ds && d == MERGE_SQL_SQLITE)
		rc |= buf_addf(b, ", '%s'", q->ds);
	rc |= buf_adds(b, "\nFROM (\n  SELECT u.*, ROW_NUMBER() OVER (PARTITION BY ");
	for (size_t i = 0; i < q->nkey; i++) {
		rc |= buf_adds(b, i ? ", " : "");
		rc |= merge_sql_ident(b, s->cols[q->key[i]].name.p, s->cols[q->key[i]].name.n, d);
	}
	return rc;
}

/* The merge over a layout's log (emit_layout, merge_sqllay.c): the opening
 * comment (the range in positions and ids, the recipe, the line more, the
 * barrier); ORDER BY of the row number; the columns of a base row (its
 * position's id, after flag 'Y', rank 0, the position); the log rows' range
 * of ids (lo_op " > " or " >= " lo; op: only its rows of I, U, D) and the
 * end of the statement. */
/* The base rows' source: the rows at the last change of the key (q->nkph),
 * or the base partition; then the UNION ALL with the log's SELECT */
int merge_sql_base_src(struct mc_buf *b, const struct merge_sql *q)
{
	int rc = 0;
	if (q->nkph) {
		rc |= merge_sqlhist_steps(b, q);
	} else {
		rc |= merge_sql_ident(b, q->table, strlen(q->table), q->dialect);
		rc |= buf_adds(b, "\n    WHERE ");
		rc |= merge_sql_part_where(b, q->base_part);
	}
	return rc | buf_adds(b, "\n    UNION ALL\n    SELECT ");
}

int merge_sql_lay_note(struct mc_buf *b, const struct merge_sql *q, int64_t ia, int64_t iz,
		       int64_t ib, const char *more)
{
	int L = q->layout, rc = 0;
	const char *id = wh_layout_role(L, "id"), *af = wh_layout_role(L, "after");
	char a[64], z[64] = "end", ze[32] = "end";
	pos_format(&q->from, a, sizeof a);
	if (!q->upto_inf) {
		pos_format(&q->upto, z, sizeof z);
		snprintf(ze, sizeof ze, "%" PRId64, iz);
	}
	rc |= buf_addf(b, "-- mc-merge: table %s%s%s from base partition %s plus %s_log records "
		       "(log layout %s) at positions [%s, %s): %s in [%" PRId64 ", %s)\n"
		       "-- DTS's recipe: per key the row of the highest (%s, %s) wins; "
		       "base rows take their own position's %s\n%s",
		       q->table, q->ds ? ", partition ds=" : "", q->ds ? q->ds : "", q->base_part,
		       q->table, wh_layout_name(L), a, z, id, ia, ze, id, af, id, more);
	if (q->has_barrier) {
		pos_format(&q->barrier, a, sizeof a);
		rc |= buf_addf(b, "-- the table was emptied at %s, %s %" PRId64 " (a TRUNCATE, or "
			       "DROP + CREATE%s): the base partition and the log up to it do not "
			       "count\n", a, id, ib, wh_layout_has_ddl(L) ? "" : "; its marker is "
			       "in mcsync's marker table, not in the DTS log table");
	}
	return rc;
}

int merge_sql_lay_order(struct mc_buf *b, int d, const char *id, const char *af)
{
	return litf(b, d, "\n    ORDER BY %s DESC, %s DESC, _rank DESC) AS _rn\n  FROM (\n    SELECT ",
		    id, af);
}

int merge_sql_lay_base(struct mc_buf *b, int d, const char *id, const char *af)
{
	return litf(b, d, ",\n      _pos_file * %" PRId64 " + _pos_off * %" PRId64
		    " + _pos_row AS %s, 'Y' AS %s, 0 AS _rank, _pos_file, _pos_off, "
		    "_pos_row\n    FROM ",
		    (int64_t)1 << (WH_ID_OFF_BITS + WH_ID_ROW_BITS), (int64_t)1 << WH_ID_ROW_BITS, id,
		    af);
}

int merge_sql_lay_tail(struct mc_buf *b, const struct merge_sql *q, const char *lo_op, int64_t lo,
		       int64_t iz, const char *op)
{
	const char *id = wh_layout_role(q->layout, "id"), *af = wh_layout_role(q->layout, "after");
	int rc = buf_addf(b, "\n    WHERE %s%s%" PRId64, id, lo_op, lo);
	if (!q->upto_inf)
		rc |= buf_addf(b, " AND %s < %" PRId64, id, iz);
	if (op)
		rc |= buf_addf(b, " AND %s IN ('I', 'U', 'D')", op);
	return rc | litf(b, q->dialect, "\n  ) u\n) w\nWHERE _rn = 1 AND %s = 'Y';\n", af);
}

/* The position columns from the layout's id column: _pos_file, _pos_off,
 * _pos_row (mc_pos_file, ... in MaxCompute) */
int merge_sql_pos_of_id(struct mc_buf *b, const struct merge_sql *q)
{
	const char *id = wh_layout_role(q->layout, "id");
	const int shr = WH_ID_OFF_BITS + WH_ID_ROW_BITS;
	const int64_t om = ((int64_t)1 << WH_ID_OFF_BITS) - 1;
	if (q->dialect == MERGE_SQL_SQLITE)
		return buf_addf(b, "(%s >> %d) AS _pos_file, ((%s >> %d) & %" PRId64 ") AS _pos_off, "
				"(%s & %d) AS _pos_row", id, shr, id, WH_ID_ROW_BITS, om, id,
				(1 << WH_ID_ROW_BITS) - 1);
	return litf(b, q->dialect, "shiftright(%s, %d) AS _pos_file, (shiftright(%s, %d) & %" PRId64
		    ") AS _pos_off, (%s & %d) AS _pos_row", id, shr, id, WH_ID_ROW_BITS, om, id,
		    (1 << WH_ID_ROW_BITS) - 1);
}

int merge_sql_emit(struct mc_buf *b, const struct merge_sql *q, struct mc_err *err)
{
	int d = q->dialect, rc = 0;
	char a[64], z[64];

	if (q->layout != WH_LAYOUT_MCSYNC && q->hist) /* merge_sqllay.c */
		return merge_sqllay_emit(b, q, err);
	if (q->layout != WH_LAYOUT_MCSYNC)
		return emit_layout(b, q, err);
	if (!pos_ok(&q->from) || (!q->upto_inf && !pos_ok(&q->upto)))
		return mc_errf(err, MC_EXIT_DATA, "positions beyond BIGINT cannot be written in SQL");
	pos_format(&q->from, a, sizeof a);
	if (q->upto_inf)
		snprintf(z, sizeof z, "end");
	else
		pos_format(&q->upto, z, sizeof z);
	rc |= buf_addf(b, "-- mc-merge: table %s%s%s from base partition %s plus %s_log records "
		       "at positions [%s, %s)\n-- per key the highest (position, after image > "
		       "before image > snapshot row) wins; before images remove keys\n",
		       q->table, q->ds ? ", partition ds=" : "", q->ds ? q->ds : "", q->base_part,
		       q->table, a, z);
	if (q->has_barrier) {
		if (!pos_ok(&q->barrier))
			return mc_errf(err, MC_EXIT_DATA,
				       "positions beyond BIGINT cannot be written in SQL");
		pos_format(&q->barrier, a, sizeof a);
		rc |= buf_addf(b, "-- the table was emptied at %s (a TRUNCATE, or DROP + CREATE: "
			       "its marker in %s_log): the base partition and the log up to it "
			       "do not count\n", a, q->table);
	}
	rc |= merge_sqljson_set(b, q); /* a history's DATE, DATETIME defaults */
	rc |= merge_sql_head(b, q);
	rc |= lit(b, d, "\n    ORDER BY _pos_file DESC, _pos_off DESC, _pos_row DESC, _rank DESC) AS _rn\n"
		       "  FROM (\n    SELECT ");
	if (!q->has_barrier || q->nkph) { /* emptied: no base row counts */
		rc |= select_cols(b, q);
		rc |= lit(b, d, ", _pos_file, _pos_off, _pos_row, 0 AS _rank, 1 AS _live\n    FROM ");
		rc |= merge_sql_base_src(b, q);
	}
	rc |= select_cols(b, q);
	rc |= lit(b, d, ", _pos_file, _pos_off, _pos_row,\n"
		       "      CASE WHEN _image = 'A' THEN 2 ELSE 1 END AS _rank,\n"
		       "      CASE WHEN _image = 'A' THEN 1 ELSE 0 END AS _live\n    FROM ");
	{
		char ln[300];
		snprintf(ln, sizeof ln, "%s_log", q->table);
		rc |= merge_sql_ident(b, ln, strlen(ln), d);
	}
	rc |= buf_adds(b, "\n    WHERE ");
	if (q->nkph) { /* from the last change of the key on */
		rc |= pos_pred(b, d, &q->kph[q->nkph - 1].at, ">=");
	} else if (q->has_barrier) { /* above the barrier (which is at or above from) */
		rc |= pos_pred(b, d, &q->barrier, ">");
	} else {
		rc |= pos_pred(b, d, &q->from, ">=");
	}
	if (!q->upto_inf) {
		rc |= buf_adds(b, "\n      AND ");
		rc |= pos_pred(b, d, &q->upto, "<");
	}
	/* a DDL's marker has no image (docs/merge.md "DDL") */
	rc |= lit(b, d, "\n      AND _image IS NOT NULL");
	rc |= lit(b, d, "\n  ) u\n) w\nWHERE _rn = 1 AND _live = 1;\n");
	if (rc)
		return mc_oom(err, "sql");
	return 0;
}

static const char *sqlite_type(const struct mc_col *c)
{
	const char *t = c->mc_type.p;
	size_t n = c->mc_type.n;
	if ((n >= 3 && memcmp(t, "INT", 3) == 0) || (n >= 6 && memcmp(t, "BIGINT", 6) == 0) ||
	    (n >= 8 && memcmp(t, "SMALLINT", 8) == 0) || (n >= 7 && memcmp(t, "TINYINT", 7) == 0))
		return "INTEGER";
	if ((n >= 5 && memcmp(t, "FLOAT", 5) == 0) || (n >= 6 && memcmp(t, "DOUBLE", 6) == 0))
		return "REAL";
	if (n >= 6 && memcmp(t, "BINARY", 6) == 0)
		return "BLOB";
	return "TEXT";
}

int merge_sql_create(struct mc_buf *b, const struct mc_rec *s, const char *table, int d,
		     struct mc_err *err)
{
	return merge_sql_create_layout(b, s, table, d, WH_LAYOUT_MCSYNC, err);
}

/* The layout's own columns, each followed by ", " */
static int lcols(struct mc_buf *b, const struct wh_lcol *c, size_t n, int d)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		rc |= buf_addf(b, "%s %s, ", c[i].name,
			       d == MERGE_SQL_SQLITE && strcmp(c[i].type, "BIGINT") == 0 ? "INTEGER"
			       : d == MERGE_SQL_SQLITE				      ? "TEXT"
											      : c[i].type);
	return rc;
}

/* A table column named like one of the layout's own: -1 naming both. */
static int clash(const struct mc_rec *s, int layout, const char *table, struct mc_err *err)
{
	const struct wh_lcol *c[2];
	size_t n[2];
	if (layout == WH_LAYOUT_MCSYNC)
		return 0;
	n[0] = wh_layout_head(layout, &c[0]);
	n[1] = wh_layout_tail(layout, &c[1]);
	for (size_t i = 0; i < s->ncols; i++)
		for (int k = 0; k < 2; k++)
			for (size_t j = 0; j < n[k]; j++)
				if (strlen(c[k][j].name) == s->cols[i].name.n &&
				    strncasecmp(c[k][j].name, s->cols[i].name.p, s->cols[i].name.n) == 0)
					return mc_errf(err, MC_EXIT_DATA,
						       "table '%s': its column '%s' is a column of the "
						       "%s log layout too%s",
						       table, c[k][j].name, wh_layout_name(layout),
						       layout == WH_LAYOUT_DTS
							       ? ": use the dts-new layout (new_dts_sync_ names)"
							       : "");
	return 0;
}

int merge_sql_create_layout(struct mc_buf *b, const struct mc_rec *s, const char *table, int d,
			    int layout, struct mc_err *err)
{
	int rc = 0;
	char ln[300];
	const struct wh_lcol *head, *tail;
	size_t nhead = wh_layout_head(layout, &head), ntail = wh_layout_tail(layout, &tail);
	if (clash(s, layout, table, err) < 0)
		return -1;
	snprintf(ln, sizeof ln, "%s_log", table);
	for (int log = 0; log < 2; log++) {
		rc |= buf_adds(b, "CREATE TABLE ");
		rc |= merge_sql_ident(b, log ? ln : table, strlen(log ? ln : table), d);
		rc |= buf_adds(b, " (");
		if (log && layout)
			rc |= lcols(b, head, nhead, d);
		else if (log) /* mcsync's log: the types as they always were */
			rc |= lit(b, d, "_op STRING, _image STRING, _time BIGINT, ");
		if (log && wh_layout_is_json(layout)) /* one column, else the table's */
			rc |= merge_sqljson_create_col(b, d);
		else
		for (size_t i = 0; i < s->ncols; i++) {
			rc |= merge_sql_ident(b, s->cols[i].name.p, s->cols[i].name.n, d);
			if (d == MERGE_SQL_SQLITE)
				rc |= buf_addf(b, " %s, ", sqlite_type(&s->cols[i]));
			else
				rc |= buf_addf(b, " %.*s, ", (int)s->cols[i].mc_type.n,
					       s->cols[i].mc_type.p);
		}
		if (log && layout)
			rc |= lcols(b, tail, ntail, d);
		else
			rc |= lit(b, d, "_pos_file BIGINT, _pos_off BIGINT, _pos_row BIGINT, ");
		if (rc == 0)
			b->len -= 2; /* the last ", " */
		if (d == MERGE_SQL_SQLITE)
			rc |= buf_adds(b, ", ds TEXT);\n");
		else
			rc |= buf_adds(b, ") PARTITIONED BY (ds STRING);\n");
	}
	if (rc)
		return mc_oom(err, "sql");
	return 0;
}

/* The merge over a log in a layout with an id column (dts, dts-new,
 * dataworks): DTS's recipe, row_number() over (partition by the key order
 * by id desc, after flag desc), docs/merge.md "Log layouts". Base rows take
 * the id of their own position, so a change the snapshot saw (below its
 * watermark) loses to it as in mc-merge; _rank puts a change above a base
 * row of the same position. */
static int emit_layout(struct mc_buf *b, const struct merge_sql *q, struct mc_err *err)
{
	const struct mc_rec *s = q->schema;
	int d = q->dialect, L = q->layout, rc = 0;
	const char *id = wh_layout_role(L, "id"), *af = wh_layout_role(L, "after");
	const char *opc = wh_layout_role(L, "op");
	int64_t ia, iz = 0, ih, ib = 0;
	char ln[300];

	if (wh_layout_is_json(L) && merge_sqljson_check(q, err) < 0)
		return -1;
	if (clash(s, L, q->table, err) < 0 || wh_layout_id(&q->from, &ia, err) < 0 ||
	    (q->has_barrier && wh_layout_id(&q->barrier, &ib, err) < 0) ||
	    (!q->upto_inf && wh_layout_id(&q->upto, &iz, err) < 0) ||
	    (q->has_base_hi && wh_layout_id(&q->base_hi, &ih, err) < 0))
		return -1;
	snprintf(ln, sizeof ln, "%s_log", q->table);
	rc |= merge_sql_lay_note(b, q, ia, iz, ib, "");
	rc |= merge_sqljson_set(b, q); /* merge_sqljson.c, merge_sqltime.c, merge_sqlhist.c */
	rc |= merge_sql_head(b, q);
	rc |= merge_sql_lay_order(b, d, id, af);
	if (!q->has_barrier) { /* emptied (dataworks' TRUNCATE row): no base row counts */
		rc |= cols(b, s, d, NULL);
		rc |= merge_sql_lay_base(b, d, id, af);
		rc |= merge_sql_ident(b, q->table, strlen(q->table), d);
		rc |= buf_adds(b, "\n    WHERE ");
		rc |= merge_sql_part_where(b, q->base_part);
		rc |= buf_adds(b, "\n    UNION ALL\n    SELECT ");
	}
	if (wh_layout_is_json(L) && merge_sqljson_cols(b, q, err) < 0)
		return -1;
	if (!wh_layout_is_json(L))
		rc |= cols(b, s, d, NULL);
	rc |= litf(b, d, ",\n      %s, %s, 1 AS _rank, ", id, af);
	rc |= merge_sql_pos_of_id(b, q);
	rc |= buf_adds(b, "\n    FROM ");
	rc |= merge_sql_ident(b, ln, strlen(ln), d);
	rc |= merge_sql_lay_tail(b, q, q->has_barrier ? " > " : " >= ", q->has_barrier ? ib : ia, iz,
				 wh_layout_has_ddl(L) ? opc : NULL);
	if (rc)
		return mc_oom(err, "sql");
	return 0;
}
