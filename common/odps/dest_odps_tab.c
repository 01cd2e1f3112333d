/* dest_odps_tab.c: the tables and partitions of the MaxCompute
 * destination (dest_odps_int.h: odd_ensure_table, odd_ensure_rec,
 * odd_log_from_base): made sure of before a partition's first rows. */
#include "odps/dest_odps_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "odps/ddlmark.h"
#include "odps/sql.h"
#include "odps/tables.h"
#include "wh/layout.h"

/* Whether this state committed into table t (part: that partition of it,
 * NULL: any): rows in it, or a base partition of it completed. (Not a log
 * table by its base's: a state from before empty tables got theirs has
 * none.) */
static int committed(const struct odd *w, const char *t, const char *part)
{
	for (size_t i = 0; i < w->sf.npm; i++)
		if (!strcmp(w->sf.pm[i].table, t) && (!part || !strcmp(w->sf.pm[i].part, part)))
			return 1;
	for (size_t i = 0; i < w->sf.ndone; i++)
		if (!strcmp(w->sf.done[i].table, t) && (!part || !strcmp(w->sf.done[i].part, part)))
			return 1;
	return 0;
}

/* Make sure table p->table exists, of the layout of odps/tables.h for the
 * last schema record in schemas[0..len), with its partition p->part
 * (odps_tables_ensure: idempotent SQL). Once per partition per run; an
 * append without schema records (a completion without rows) waits for
 * one that has them. */
int odd_ensure_table(struct odd *w, struct dest_part *p, const char *schemas, size_t len,
		     struct mc_err *err)
{
	struct mc_scratch sc = { 0 };
	struct mc_buf last = { 0 };
	size_t at = 0;
	int rc = 0;
	while (rc == 0 && at < len) {
		struct mc_rec r;
		size_t used;
		if (rec_decode(schemas + at, len - at, 0, &used, &r, &sc, err) != 1)
			rc = mc_errf(err, MC_EXIT_DATA, "internal: schema buffer");
		else if (r.kind == MC_R_SCHEMA) {
			last.len = 0;
			if (buf_add(&last, schemas + at, used) < 0)
				rc = mc_oom(err, "schema");
		}
		at += used;
	}
	if (rc == 0 && last.len) {
		struct mc_rec r;
		size_t used;
		if (rec_decode(last.p, last.len, 0, &used, &r, &sc, err) != 1)
			rc = mc_errf(err, MC_EXIT_DATA, "internal: schema record");
		else
			rc = odd_ensure_rec(w, p, &r, err);
	}
	buf_free(&last);
	rec_scratch_free(&sc);
	return rc < 0 ? -1 : 0;
}

/* The same for the schema record r. */
int odd_ensure_rec(struct odd *w, struct dest_part *p, const struct mc_rec *r, struct mc_err *err)
{
	struct odps_sql_opts so;
	struct odps_tables_opts to;
	int rc;
	odd_sql_opts(w, &so, &to);
	to.layout = p->layout;
	to.must_exist = committed(w, p->table, NULL);
	to.must_part = committed(w, p->table, p->part);
	rc = odps_tables_ensure(&w->c, &to, r, p->table, p->is_log, p->part, err);
	/* a table of one schema version holds version 1 of its history (the
	 * columns of a later one are found from there: tables_map.c) */
	if (rc == 0 && !w->o.upsert && odd_hist_versions(w, p) <= 1)
		rc = odps_map_mark(&to, p->table, 1, 0, 0, 1, err);
	/* a base table's log table is made with it: a table none of whose
	 * changes has come yet has an empty log, which the merge in
	 * MaxCompute reads (it never guesses a missing one empty) */
	if (rc == 0 && !p->is_log && !w->o.upsert) {
		char log[300];
		snprintf(log, sizeof log, "%s" ODPS_LOG_SUFFIX, p->table);
		to.must_exist = committed(w, log, NULL);
		to.must_part = 0;
		rc = odps_tables_ensure(&w->c, &to, r, log, 1, NULL, err);
		if (rc == 0 && odd_hist_versions(w, p) <= 1)
			rc = odps_map_mark(&to, log, 1, 0, 0, 1, err);
	}
	if (rc == 0 && p->layout != WH_LAYOUT_MCSYNC && !w->o.upsert)
		rc = odd_ddl_table(w, p->table, p->is_log, p->layout, NULL, err);
	if (rc == 0)
		p->ensured = 1;
	return rc < 0 ? -1 : 0;
}

/* The log table for a DDL's marker when the append carries no schema
 * record (a TRUNCATE or DROP of a table with no change in this stream):
 * made from the base table's columns (DESC), the layout of odps/tables.h,
 * with its partition; a later append with a schema checks it as always. */
int odd_log_from_base(struct odd *w, struct dest_part *p, struct mc_err *err)
{
	struct odps_sql_opts so;
	struct odps_desc d = { 0 };
	struct mc_buf q = { 0 }, out = { 0 };
	size_t n = strlen(p->table) - strlen(ODPS_LOG_SUFFIX);
	char *base = mc_strndup(p->table, n);
	int rc = -1, r;
	if (!base)
		return mc_oom(err, "table name");
	odd_sql_opts(w, &so, NULL);
	if (odps_tables_desc(&w->c, &so, base, &d, err) < 0) {
		mc_errctx(err, "%s has no schema record in this stream, and its base table: ",
			  p->table);
		goto out;
	}
	if (d.ncols < 3) {
		mc_errf(err, MC_EXIT_DATA, "MaxCompute table '%s': not a base table of mcsync", base);
		goto out;
	}
	r = buf_adds(&q, "CREATE TABLE IF NOT EXISTS ");
	r |= odps_ident(&q, p->table, strlen(p->table));
	if (p->layout == WH_LAYOUT_MCSYNC) {
		r |= buf_adds(&q, " (mc_op STRING, mc_image STRING, mc_time BIGINT");
	} else { /* the layout's columns (odps/tables.h), the base's but mc_pos_* */
		const struct wh_lcol *c;
		size_t nc = wh_layout_head((enum wh_layout)p->layout, &c);
		for (size_t i = 0; i < nc; i++)
			r |= buf_addf(&q, "%s%s %s", i ? ", " : " (", c[i].name, c[i].type);
		d.ncols -= 3;
	}
	for (size_t i = 0; i < d.ncols; i++) {
		r |= buf_adds(&q, ", ");
		r |= odps_ident(&q, d.names[i], strlen(d.names[i]));
		r |= buf_addf(&q, " %s", d.types[i]);
	}
	if (p->layout != WH_LAYOUT_MCSYNC) {
		const struct wh_lcol *c;
		size_t nc = wh_layout_tail((enum wh_layout)p->layout, &c);
		for (size_t i = 0; i < nc; i++)
			r |= buf_addf(&q, ", %s %s", c[i].name, c[i].type);
		d.ncols += 3; /* freed by odps_desc_free */
	}
	r |= buf_adds(&q, ") COMMENT '");
	for (const char *c = d.comment ? d.comment : ""; *c; c++)
		r |= (*c == '\'' || *c == '\\' ? buf_addc(&q, '\\') : 0) | buf_addc(&q, *c);
	r |= buf_adds(&q, "' PARTITIONED BY (ds STRING);");
	r |= buf_addc(&q, '\0');
	if (r) {
		mc_oom(err, "SQL");
		goto out;
	}
	if (odps_sql_run(&w->c, &so, q.p, ODPS_SQL_IDEMPOTENT, &out, err) < 0)
		goto out;
	if (odps_add_partition(&w->c, &so, p->table, p->part, err) < 0)
		goto out;
	p->ensured = 1;
	rc = 0;
out:
	odps_desc_free(&d);
	buf_free(&q);
	buf_free(&out);
	free(base);
	return rc;
}
