/* dest_odps_jsonv.c: schema changes of a table whose log table in
 * MaxCompute is of the dataworks-json layout (docs/maxcompute.md "Schema
 * changes"). T_log keeps the layout's columns whatever the version: each
 * row's data_columns is made with the schema of the version in force at
 * its position (the schema records of the commit, dest_odps_json.c), and
 * the merge reads it by that version (wh/merge_sqljsonv.c). The base table
 * T holds the history's SQL columns as in every other layout
 * (odps_tables_evolve); a change of a column's type that MaxCompute does
 * not make in place is refused there (exit 1 naming the table, the column
 * and both types), before anything of the commit is written. */
#include "odps/dest_odps_int.h"

#include <stdio.h>
#include <string.h>

#include "odps/sql.h"
#include "odps/tables.h"

int odd_hist_ensure_json(struct odd *w, struct dest_part *p, const struct odd_hist *h,
			 struct mc_err *err)
{
	struct odps_sql_opts so;
	struct odps_tables_opts to;
	const struct mc_rec *N = &h->x.h->v[h->x.h->n - 1].s.rec;
	size_t n = strlen(p->table) - (p->is_log ? strlen(ODPS_LOG_SUFFIX) : 0);
	char base[300], log[320];
	snprintf(base, sizeof base, "%.*s", (int)n, p->table);
	snprintf(log, sizeof log, "%s" ODPS_LOG_SUFFIX, base);
	odd_sql_opts(w, &so, &to);
	to.layout = p->layout;
	to.gen_ok = 0; /* no generation of a table in this layout: refused */
	if (odps_tables_evolve(&w->c, &to, &h->x, base, 0, p->is_log ? NULL : p->part, err) < 0)
		return -1;
	p->hist_gen = h->gen;
	if (p->is_log)
		return 0; /* T_log: made or checked by this commit's schema (ensure_table) */
	/* a base table's log table is there with it: the merge never guesses
	 * a missing one empty */
	if (odps_tables_ensure(&w->c, &to, N, log, 1, NULL, err) < 0)
		return -1;
	p->ensured = 1;
	return 0;
}
