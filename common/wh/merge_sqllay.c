/* merge_sqllay.c: the merge SQL across schema versions over a log table of
 * a layout other than mcsync's (dts, dts-new, dataworks), docs/merge.md
 * "Log layouts" and "Schema changes: the SQL merge". The statement is the
 * layout's recipe (per key the row of the highest (id, after flag) wins,
 * base rows taking their own position's id) over the history's SQL
 * columns, each row converted to the target version by the version in
 * force at its position (merge_sqlhist.c), the position read back from
 * the id (wh_layout_id: its order is the position order). The log is read
 * through a view of it in mcsync's terms (positions, image A or B), which
 * is also what the steps at a change of the key read (merge_sqlhist.c). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "wh/layout.h"
#include "wh/merge_sql.h"
#include "wh/sqlhist.h"

static int qid(struct mc_buf *b, const char *p, size_t n, int d)
{
	char q = d == MERGE_SQL_SQLITE ? '"' : '`';
	int rc = buf_addc(b, q);
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = buf_addc(b, p[i]);
		if (p[i] == q && rc == 0)
			rc = buf_addc(b, q);
	}
	return rc < 0 ? -1 : buf_addc(b, q);
}

/* k=v(/k=v)* as k = 'v' AND ... */
static int part_where(struct mc_buf *b, const char *spec)
{
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

/* the position columns from the id column: "mc_pos_file" ... ("_pos_file"
 * in sqlite) */
static int pos_of_id(struct mc_buf *b, const struct merge_sql *q)
{
	const char *id = wh_layout_role((enum wh_layout)q->layout, "id");
	const char *m = q->dialect == MERGE_SQL_MAXCOMPUTE ? "mc" : "";
	const int shr = WH_ID_OFF_BITS + WH_ID_ROW_BITS;
	const int64_t om = ((int64_t)1 << WH_ID_OFF_BITS) - 1;
	if (q->dialect == MERGE_SQL_SQLITE)
		return buf_addf(b, "(%s >> %d) AS _pos_file, ((%s >> %d) & %" PRId64 ") AS _pos_off, "
				"(%s & %d) AS _pos_row", id, shr, id, WH_ID_ROW_BITS, om, id,
				(1 << WH_ID_ROW_BITS) - 1);
	return buf_addf(b, "shiftright(%s, %d) AS %s_pos_file, (shiftright(%s, %d) & %" PRId64
			") AS %s_pos_off, (%s & %d) AS %s_pos_row", id, shr, m, id, WH_ID_ROW_BITS,
			om, m, id, (1 << WH_ID_ROW_BITS) - 1, m);
}

int merge_sqllay_logsrc(struct mc_buf *b, const struct merge_sql *q)
{
	enum wh_layout L = (enum wh_layout)q->layout;
	const char *m = q->dialect == MERGE_SQL_MAXCOMPUTE ? "mc" : "";
	char ln[300];
	int rc = 0;
	snprintf(ln, sizeof ln, "%s_log", q->table);
	if (L == WH_LAYOUT_MCSYNC)
		return qid(b, ln, strlen(ln), q->dialect);
	/* the layout's rows as mcsync's: every SQL column, the layout's id and
	 * after flag, the position, the image (A: after, B: before); no DDL row */
	rc |= buf_adds(b, "(SELECT ");
	for (size_t p = 0; p < q->hist->nphys; p++) {
		rc |= qid(b, q->hist->pcol[p]->name.p, q->hist->pcol[p]->name.n, q->dialect);
		rc |= buf_adds(b, ", ");
	}
	rc |= buf_addf(b, "%s, %s, ", wh_layout_role(L, "id"), wh_layout_role(L, "after"));
	rc |= pos_of_id(b, q);
	rc |= buf_addf(b, ", CASE WHEN %s = 'Y' THEN 'A' ELSE 'B' END AS %s_image FROM ",
		       wh_layout_role(L, "after"), m);
	rc |= qid(b, ln, strlen(ln), q->dialect);
	rc |= buf_addf(b, " WHERE %s IN ('I', 'U', 'D')) lv", wh_layout_role(L, "op"));
	return rc ? -1 : 0;
}

/* A SQL column of the history named like one of the layout's own. */
static int clash(const struct merge_sql *q, struct mc_err *err)
{
	const struct wh_lcol *c;
	for (int k = 0; k < 2; k++) {
		size_t n = k ? wh_layout_tail((enum wh_layout)q->layout, &c)
			     : wh_layout_head((enum wh_layout)q->layout, &c);
		for (size_t i = 0; i < n; i++)
			for (size_t p = 0; p < q->hist->nphys; p++) {
				const struct mc_str *nm = &q->hist->pcol[p]->name;
				if (strlen(c[i].name) == nm->n && !strncasecmp(c[i].name, nm->p, nm->n))
					return mc_errf(err, MC_EXIT_DATA,
						       "table '%s': its column '%s' (in its schema "
						       "history) is a column of the %s log layout too%s",
						       q->table, c[i].name,
						       wh_layout_name((enum wh_layout)q->layout),
						       q->layout == WH_LAYOUT_DTS
							       ? ": use the dts-new layout (new_dts_sync_ names)"
							       : "");
			}
	}
	return 0;
}

int merge_sqllay_emit(struct mc_buf *b, const struct merge_sql *q, struct mc_err *err)
{
	const struct mc_rec *s = q->schema;
	enum wh_layout L = (enum wh_layout)q->layout;
	int d = q->dialect, rc = 0;
	const char *id = wh_layout_role(L, "id"), *af = wh_layout_role(L, "after");
	const char *m = d == MERGE_SQL_MAXCOMPUTE ? "mc" : "";
	const int shr = WH_ID_OFF_BITS + WH_ID_ROW_BITS;
	int64_t ia, iz = 0, ih, ib = 0, ik = 0;
	char a[64], z[64], ze[32] = "end";

	if (d != MERGE_SQL_MAXCOMPUTE)
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s': the merge SQL across schema versions over the %s log "
			       "layout is written for MaxCompute only (the dialect mc-merge "
			       "--dest=odps:// runs): merge with mc-merge (without --emit-sql), or "
			       "leave out --dialect=sqlite", q->table, wh_layout_name(L));
	if (wh_layout_is_json(L))
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s': the merge SQL across schema versions is not written for "
			       "the dataworks-json log layout (its JSON column holds each row's own "
			       "version's columns): merge with mc-merge (without --emit-sql), or "
			       "use the dataworks layout", q->table);
	if (clash(q, err) < 0 || wh_layout_id(&q->from, &ia, err) < 0 ||
	    (q->has_barrier && wh_layout_id(&q->barrier, &ib, err) < 0) ||
	    (q->nkph && wh_layout_id(&q->kph[q->nkph - 1].at, &ik, err) < 0) ||
	    (!q->upto_inf && wh_layout_id(&q->upto, &iz, err) < 0) ||
	    (q->has_base_hi && wh_layout_id(&q->base_hi, &ih, err) < 0))
		return -1;
	pos_format(&q->from, a, sizeof a);
	if (q->upto_inf) {
		snprintf(z, sizeof z, "end");
	} else {
		pos_format(&q->upto, z, sizeof z);
		snprintf(ze, sizeof ze, "%" PRId64, iz);
	}
	rc |= buf_addf(b, "-- mc-merge: table %s%s%s from base partition %s plus %s_log records "
		       "(log layout %s) at positions [%s, %s): %s in [%" PRId64 ", %s)\n"
		       "-- DTS's recipe: per key the row of the highest (%s, %s) wins; "
		       "base rows take their own position's %s\n"
		       "-- across schema versions %zu to %zu: each row converted to version %zu "
		       "by the version in force at its position (from its %s)\n",
		       q->table, q->ds ? ", partition ds=" : "", q->ds ? q->ds : "", q->base_part,
		       q->table, wh_layout_name(L), a, z, id, ia, ze, id, af, id, q->hist_lo + 1,
		       q->hist_target + 1, q->hist_target + 1, id);
	if (q->has_barrier) {
		pos_format(&q->barrier, a, sizeof a);
		rc |= buf_addf(b, "-- the table was emptied at %s, %s %" PRId64 " (a TRUNCATE, or "
			       "DROP + CREATE%s): the base partition and the log up to it do not "
			       "count\n", a, id, ib, wh_layout_has_ddl(L) ? "" : "; its marker is "
			       "in mcsync's marker table, not in the DTS log table");
	}
	if (q->ds && d == MERGE_SQL_SQLITE) {
		rc |= buf_adds(b, "DELETE FROM ");
		rc |= qid(b, q->table, strlen(q->table), d);
		rc |= buf_addf(b, " WHERE ds = '%s';\nINSERT INTO ", q->ds);
		rc |= qid(b, q->table, strlen(q->table), d);
		rc |= buf_adds(b, " (");
		rc |= merge_sqlhist_names(b, q);
		rc |= buf_adds(b, ", _pos_file, _pos_off, _pos_row, ds)\n");
	} else if (q->ds) {
		rc |= buf_adds(b, "INSERT OVERWRITE TABLE ");
		rc |= qid(b, q->table, strlen(q->table), d);
		rc |= buf_addf(b, " PARTITION (ds = '%s') (", q->ds);
		rc |= merge_sqlhist_names(b, q);
		rc |= buf_adds(b, ", mc_pos_file, mc_pos_off, mc_pos_row)\n");
	} else if (q->into && d == MERGE_SQL_MAXCOMPUTE) {
		rc |= buf_adds(b, "INSERT OVERWRITE TABLE ");
		rc |= qid(b, q->into, strlen(q->into), d);
		rc |= buf_adds(b, "\n");
	}
	rc |= buf_adds(b, "SELECT ");
	for (size_t i = 0; i < s->ncols; i++) {
		rc |= buf_adds(b, i ? ", " : "");
		rc |= qid(b, s->cols[i].name.p, s->cols[i].name.n, d);
	}
	rc |= buf_addf(b, ", %s_pos_file, %s_pos_off, %s_pos_row", m, m, m);
	if (q->ds && d == MERGE_SQL_SQLITE)
		rc |= buf_addf(b, ", '%s'", q->ds);
	rc |= buf_adds(b, "\nFROM (\n  SELECT u.*, ROW_NUMBER() OVER (PARTITION BY ");
	for (size_t i = 0; i < q->nkey; i++) {
		rc |= buf_adds(b, i ? ", " : "");
		rc |= qid(b, s->cols[q->key[i]].name.p, s->cols[q->key[i]].name.n, d);
	}
	rc |= buf_addf(b, "\n    ORDER BY %s DESC, %s DESC, %s_rank DESC) AS %s_rn\n  FROM (\n    SELECT ",
		       id, af, m, m);
	if (!q->has_barrier || q->nkph) { /* emptied: no base row counts */
		rc |= merge_sqlhist_select(b, q);
		rc |= buf_addf(b, ",\n      %s_pos_file * %" PRId64 " + %s_pos_off * %" PRId64
			       " + %s_pos_row AS %s, 'Y' AS %s, 0 AS %s_rank, %s_pos_file, %s_pos_off, "
			       "%s_pos_row\n    FROM ", m, (int64_t)1 << shr, m,
			       (int64_t)1 << WH_ID_ROW_BITS, m, id, af, m, m, m, m);
		if (q->nkph) { /* the rows at the last change of the key */
			rc |= merge_sqlhist_steps(b, q);
		} else {
			rc |= qid(b, q->table, strlen(q->table), d);
			rc |= buf_adds(b, "\n    WHERE ");
			rc |= part_where(b, q->base_part);
		}
		rc |= buf_adds(b, "\n    UNION ALL\n    SELECT ");
	}
	rc |= merge_sqlhist_select(b, q);
	rc |= buf_addf(b, ",\n      %s, %s, 1 AS %s_rank, %s_pos_file, %s_pos_off, %s_pos_row\n    FROM ",
		       id, af, m, m, m, m);
	rc |= merge_sqllay_logsrc(b, q);
	if (q->nkph) /* from the last change of the key on */
		rc |= buf_addf(b, "\n    WHERE %s >= %" PRId64, id, ik);
	else if (q->has_barrier)
		rc |= buf_addf(b, "\n    WHERE %s > %" PRId64, id, ib);
	else
		rc |= buf_addf(b, "\n    WHERE %s >= %" PRId64, id, ia);
	if (!q->upto_inf)
		rc |= buf_addf(b, " AND %s < %" PRId64, id, iz);
	rc |= buf_addf(b, "\n  ) u\n) w\nWHERE %s_rn = 1 AND %s = 'Y';\n", m, af);
	if (rc)
		return mc_oom(err, "sql");
	return 0;
}
