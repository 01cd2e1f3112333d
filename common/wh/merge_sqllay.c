/* merge_sqllay.c: the merge SQL across schema versions over a log table of
 * a layout other than mcsync's (dts, dts-new, dataworks; dataworks-json
 * reading its JSON column by each row's version: merge_sqljsonv.c), docs/merge.md
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

int merge_sqllay_logsrc(struct mc_buf *b, const struct merge_sql *q)
{
	enum wh_layout L = (enum wh_layout)q->layout;
	const char *m = q->dialect == MERGE_SQL_MAXCOMPUTE ? "mc" : "";
	char ln[300];
	int rc = 0;
	snprintf(ln, sizeof ln, "%s_log", q->table);
	if (L == WH_LAYOUT_MCSYNC)
		return merge_sql_ident(b, ln, strlen(ln), q->dialect);
	/* the layout's rows as mcsync's: every SQL column, the layout's id and
	 * after flag, the position, the image (A: after, B: before); no DDL row */
	rc |= buf_adds(b, "(SELECT ");
	for (size_t p = 0; p < q->hist->nphys; p++) {
		if (wh_layout_is_json(L) && (merge_sqljson_vcol(b, q, p) < 0 || buf_adds(b, " AS ") < 0))
			rc = -1; /* read by the row's version (merge_sqljsonv.c) */
		rc |= merge_sql_ident(b, q->hist->pcol[p]->name.p, q->hist->pcol[p]->name.n, q->dialect);
		rc |= buf_adds(b, ", ");
	}
	rc |= buf_addf(b, "%s, %s, ", wh_layout_role(L, "id"), wh_layout_role(L, "after"));
	rc |= merge_sql_pos_of_id(b, q);
	rc |= buf_addf(b, ", CASE WHEN %s = 'Y' THEN 'A' ELSE 'B' END AS %s_image FROM ",
		       wh_layout_role(L, "after"), m);
	rc |= merge_sql_ident(b, ln, strlen(ln), q->dialect);
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
	enum wh_layout L = (enum wh_layout)q->layout;
	int d = q->dialect, rc = 0;
	const char *id = wh_layout_role(L, "id"), *af = wh_layout_role(L, "after");
	const char *m = d == MERGE_SQL_MAXCOMPUTE ? "mc" : "";
	int64_t ia, iz = 0, ih, ib = 0, ik = 0;
	char more[200];

	if (d != MERGE_SQL_MAXCOMPUTE)
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s': the merge SQL across schema versions over the %s log "
			       "layout is written for MaxCompute only (the dialect mc-merge "
			       "--dest=odps:// runs): merge with mc-merge (without --emit-sql), or "
			       "leave out --dialect=sqlite", q->table, wh_layout_name(L));
	if (clash(q, err) < 0 || merge_sqljson_vcheck(q, err) < 0 || wh_layout_id(&q->from, &ia, err) < 0 ||
	    (q->has_barrier && wh_layout_id(&q->barrier, &ib, err) < 0) ||
	    (q->nkph && wh_layout_id(&q->kph[q->nkph - 1].at, &ik, err) < 0) ||
	    (!q->upto_inf && wh_layout_id(&q->upto, &iz, err) < 0) ||
	    (q->has_base_hi && wh_layout_id(&q->base_hi, &ih, err) < 0))
		return -1;
	snprintf(more, sizeof more, "-- across schema versions %zu to %zu: each row converted to "
		 "version %zu by the version in force at its position (from its %s)\n",
		 q->hist_lo + 1, q->hist_target + 1, q->hist_target + 1, id);
	rc |= merge_sql_lay_note(b, q, ia, iz, ib, more);
	rc |= merge_sqljson_set(b, q);
	rc |= merge_sql_head(b, q);
	rc |= merge_sql_lay_order(b, d, id, af);
	if (!q->has_barrier || q->nkph) { /* emptied: no base row counts */
		rc |= merge_sqlhist_select(b, q);
		rc |= merge_sql_lay_base(b, d, id, af);
		rc |= merge_sql_base_src(b, q);
	}
	rc |= merge_sqlhist_select(b, q);
	rc |= buf_addf(b, ",\n      %s, %s, 1 AS %s_rank, %s_pos_file, %s_pos_off, %s_pos_row\n    FROM ",
		       id, af, m, m, m, m);
	rc |= merge_sqllay_logsrc(b, q);
	/* from the last change of the key on, or above the barrier, or from */
	rc |= merge_sql_lay_tail(b, q, q->has_barrier && !q->nkph ? " > " : " >= ",
				 q->nkph ? ik : q->has_barrier ? ib : ia, iz, NULL);
	if (rc)
		return mc_oom(err, "sql");
	return 0;
}
