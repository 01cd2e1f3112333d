/* dest_odps_ddl.c: the companion marker table T_log_ddl of a log table of
 * another layout than mcsync (odps/ddlmark.h, docs/maxcompute.md
 * "Table-replacing DDL"): the log table keeps its layout's shape, and the
 * markers go into a partition of their own of the same commit, so that
 * they are exactly once with the log rows (journal, spool, state mirror,
 * --recover: the companion is one more partition of the commit). */
#include "odps/dest_odps_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "odps/ddlmark.h"
#include "odps/sql.h"
#include "odps/tables.h"
#include "wh/layout.h"

/* "T_log_ddl" of table (T, or T_log when is_log) */
static char *ddl_name(const char *table, int is_log)
{
	struct mc_buf n = { 0 };
	if (buf_addf(&n, "%s%s%s%c", table, is_log ? "" : ODPS_LOG_SUFFIX, ODPS_DDL_SUFFIX, 0) < 0) {
		buf_free(&n);
		return NULL;
	}
	return n.p;
}

int odd_ddl_table(struct odd *w, const char *table, int is_log, int layout, struct dest_part *q,
		  struct mc_err *err)
{
	struct odps_sql_opts so;
	struct mc_buf sql = { 0 }, out = { 0 };
	char *name = q ? NULL : ddl_name(table, is_log);
	int rc = -1;
	if (!q && !name)
		return mc_oom(err, "table name");
	odd_sql_opts(w, &so, NULL);
	if (odps_ddlmark_create(&sql, q ? q->table : name, (enum wh_layout)layout,
				w->o.lifecycle) < 0) {
		mc_oom(err, "SQL");
		goto out;
	}
	if (odps_sql_run(&w->c, &so, sql.p, ODPS_SQL_IDEMPOTENT, &out, err) < 0 ||
	    (q && odps_add_partition(&w->c, &so, q->table, q->part, err) < 0))
		goto out;
	if (q)
		q->ensured = 1;
	rc = 0;
out:
	buf_free(&sql);
	buf_free(&out);
	free(name);
	return rc;
}

/* p's companion partition: found among w->parts, or added there */
static struct dest_part *companion(struct odd *w, const struct dest_part *p, int layout,
				   struct mc_err *err)
{
	struct dest_part *q;
	char *name = ddl_name(p->table, 1);
	if (!name) {
		mc_oom(err, "partition");
		return NULL;
	}
	for (size_t i = 0; i < w->nparts; i++) {
		q = w->parts[i];
		if (q->is_ddl && !strcmp(q->table, name) && !strcmp(q->part, p->part)) {
			free(name);
			return q;
		}
	}
	if (mc_grow(&w->parts, &w->cap, w->nparts + 1, sizeof *w->parts) < 0 ||
	    !(q = calloc(1, sizeof *q))) {
		free(name);
		mc_oom(err, "partition");
		return NULL;
	}
	q->table = name;
	if (!(q->part = mc_strdup(p->part)) || !(q->tpart = mc_strdup(p->tpart))) {
		free(q->part);
		free(q->table);
		free(q);
		mc_oom(err, "partition");
		return NULL;
	}
	q->is_log = 1;
	q->is_ddl = layout;
	w->parts[w->nparts++] = q;
	return q;
}

int odd_ddl_split(struct odd *w, struct dest_part *p, struct odd_hist *h,
		  const struct dest_rows *rows, struct mc_buf *b, struct dest_part **q,
		  struct dest_rows *dr, struct mc_err *err)
{
	size_t at = 0;
	int n = 0;
	memset(dr, 0, sizeof *dr);
	while (at < rows->len) {
		struct mc_rec r;
		size_t used;
		if (rec_decode(rows->recs + at, rows->len - at, 0, &used, &r, &w->sc, err) != 1)
			return mc_errf(err, MC_EXIT_DATA, "internal: the rows of %s do not decode",
				       p->table);
		if (r.kind == MC_R_DDL && wh_layout_marker(r.effect)) {
			if (buf_add(b, rows->recs + at, used) < 0)
				return mc_oom(err, "rows");
			if (!dr->has_pos || pos_cmp(&r.pos, &dr->lo) < 0)
				dr->lo = r.pos;
			if (!dr->has_pos || pos_cmp(&r.pos, &dr->hi) > 0)
				dr->hi = r.pos;
			if (!dr->has_time || r.time < dr->tmin)
				dr->tmin = r.time;
			if (!dr->has_time || r.time > dr->tmax)
				dr->tmax = r.time;
			dr->has_pos = dr->has_time = 1;
			n++;
		}
		at += used;
	}
	if (n == 0)
		return 0;
	if (odd_gen_marks(w, p, h, rows->layout, err) < 0 ||
	    !(*q = companion(w, p, rows->layout, err)))
		return -1;
	dr->recs = b->p;
	dr->len = b->len;
	dr->nrec = dr->rows = (uint64_t)n;
	dr->src = rows->src;
	dr->layout = WH_LAYOUT_MCSYNC; /* mcsync's markers */
	return n;
}

int odd_ddl_col(const struct dest_part *q, const struct mc_str *c, const struct mc_rec *r,
		struct trec_val *t, struct mc_err *err)
{
	const char *id = wh_layout_role((enum wh_layout)q->is_ddl, "id");
	if (c->n == 7 && !strncasecmp(c->p, "ddl_sql", 7)) {
		t->null = false;
		t->u.s = r->sql;
	} else if (id && strlen(id) == c->n && !strncasecmp(c->p, id, c->n)) {
		int64_t v;
		if (wh_layout_id(&r->pos, &v, err) < 0)
			return -1;
		t->null = false;
		t->u.i = v;
	}
	return 0;
}
