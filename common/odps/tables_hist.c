/* tables_hist.c: the base and log tables of a table whose schema changed
 * (tables.h, docs/maxcompute.md "Schema changes"): they hold the SQL
 * columns of its schema history (wh/sqlhist.h), renamed, widened and
 * added by ALTER TABLE as the history goes. */
#include "odps/tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "odps/logpos.h"
#include "wh/layout.h"
#include "wh/sqlhist.h"

static int int_rank(const char *t)
{
	static const char *const r[] = { "TINYINT", "SMALLINT", "INT", "BIGINT" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(t, r[i]))
			return i + 1;
	return 0;
}

static int dec_ps(const char *t, unsigned *p, unsigned *s)
{
	char tail;
	return sscanf(t, "DECIMAL(%u,%u%c", p, s, &tail) == 3 && tail == ')';
}

int odps_type_widens(const char *from, const char *to)
{
	char a[64], b[64];
	unsigned p1, s1, p2, s2;
	odps_type_norm(a, sizeof a, from);
	odps_type_norm(b, sizeof b, to);
	if (!strcmp(a, b))
		return 1;
	if (int_rank(a) && int_rank(b))
		return int_rank(a) < int_rank(b);
	if (!strcmp(a, "FLOAT") && !strcmp(b, "DOUBLE"))
		return 1;
	if (dec_ps(a, &p1, &s1) && dec_ps(b, &p2, &s2))
		return s2 >= s1 && p2 >= s2 && p1 >= s1 && p2 - s2 >= p1 - s1;
	return 0;
}

long odps_desc_col(const struct odps_desc *d, const char *n, size_t len)
{
	for (size_t i = 0; i < d->ncols; i++)
		if (strlen(d->names[i]) == len && !strncasecmp(d->names[i], n, len))
			return (long)i;
	return -1;
}

static int is_meta(const char *n)
{
	static const char *const m[] = { "mc_op", "mc_image", "mc_time", "mc_pos_file",
					  "mc_pos_off", "mc_pos_row" };
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (!strcasecmp(n, m[i]))
			return 1;
	return 0;
}

static int run1(struct odps_client *c, const struct odps_tables_opts *o, struct mc_buf *q,
		struct mc_err *err)
{
	struct mc_buf out = { 0 };
	int rc;
	if (buf_adds(q, ";") < 0 || buf_addc(q, '\0') < 0)
		return mc_oom(err, "SQL");
	rc = odps_sql_run(c, o->sql, q->p, ODPS_SQL_ONCE, &out, err);
	buf_free(&out);
	return rc < 0 ? -1 : 0;
}

/* The newest version's schema record with the SQL columns (for a table
 * made from scratch): its key mapped onto them. */
static int create_new(struct odps_client *c, const struct odps_tables_opts *o,
		      const struct wh_sqlhist *x, const char *name, int is_log, const char *part,
		      struct mc_err *err)
{
	const struct mc_rec *N = &x->h->v[x->h->n - 1].s.rec;
	struct mc_rec r = *N;
	struct mc_col *cols = calloc(x->nphys ? x->nphys : 1, sizeof *cols);
	uint32_t *key = calloc(N->nkey ? N->nkey : 1, sizeof *key);
	int rc;
	if (!cols || !key) {
		free(cols);
		free(key);
		return mc_oom(err, "columns");
	}
	for (size_t p = 0; p < x->nphys; p++)
		cols[p] = *x->pcol[p];
	for (size_t k = 0; k < N->nkey; k++)
		key[k] = (uint32_t)x->phys[x->h->n - 1][N->key[k]];
	r.cols = cols;
	r.ncols = x->nphys;
	r.key = key;
	rc = odps_tables_ensure(c, o, &r, name, is_log, part, err);
	free(cols);
	free(key);
	return rc;
}

/* ALTER TABLE name CHANGE COLUMN from RENAME TO to */
static int rename1(struct odps_client *c, const struct odps_tables_opts *o, const char *name,
		   const char *from, size_t fn, const char *to, size_t tn, struct mc_err *err)
{
	struct mc_buf q = { 0 };
	int rc;
	if (buf_adds(&q, "ALTER TABLE ") < 0 || odps_ident(&q, name, strlen(name)) < 0 ||
	    buf_adds(&q, " CHANGE COLUMN ") < 0 || odps_ident(&q, from, fn) < 0 ||
	    buf_adds(&q, " RENAME TO ") < 0 || odps_ident(&q, to, tn) < 0) {
		buf_free(&q);
		return mc_oom(err, "SQL");
	}
	rc = run1(c, o, &q, err);
	buf_free(&q);
	return rc;
}

/* The columns of the history renamed to their newest names: map[p] (the
 * table's column of SQL column p) from version held (tables_map.c). Every
 * renamed column goes to a temporary name first (ODPS_RN_PREFIX and its
 * new name), then all to their new names, so that a new name another
 * column holds (names swapped, a chain b -> c, a -> b) is free, and the
 * state records each stage (odps_map_mark): a run cut short carries on
 * (stage 1: the renamed ones are all at their temporary names). */
static int renames(struct odps_client *c, const struct odps_tables_opts *o,
		   const struct wh_sqlhist *x, const struct odps_desc *d, const char *name,
		   const long *map, size_t held, int stage, struct mc_err *err)
{
	char t[300];
	int rc = 0, any = 0;
	for (int phase = 0; phase < 2 && rc == 0; phase++) {
		if (phase == 0 && stage == 1)
			continue;
		for (size_t p = 0; p < x->nphys && rc == 0; p++) {
			const struct mc_str *n = &x->pcol[p]->name;
			const char *cur = map[p] >= 0 ? d->names[map[p]] : NULL;
			if (!cur || (strlen(cur) == n->n && !strncasecmp(cur, n->p, n->n)))
				continue;
			snprintf(t, sizeof t, ODPS_RN_PREFIX "%.*s", (int)n->n, n->p);
			if (!any++ && phase == 0)
				rc = odps_map_mark(o, name, x->h->n, held, 0, 0, err);
			if (rc == 0 && phase == 0 && strcasecmp(cur, t))
				rc = rename1(c, o, name, cur, strlen(cur), t, strlen(t), err);
			else if (rc == 0 && phase == 1)
				rc = rename1(c, o, name, t, strlen(t), n->p, n->n, err);
		}
		if (rc == 0 && phase == 0 && any)
			rc = odps_map_mark(o, name, x->h->n, held, 1, 0, err);
	}
	return rc;
}

int odps_tables_evolve(struct odps_client *c, const struct odps_tables_opts *o,
		       const struct wh_sqlhist *x, const char *name, int is_log, const char *part,
		       struct mc_err *err)
{
	const struct mc_rec *N = &x->h->v[x->h->n - 1].s.rec;
	struct odps_desc d = { 0 };
	struct mc_buf q = { 0 }, add = { 0 };
	char *used = NULL, *isdata = NULL, tbl[400];
	long *map = NULL;
	int rc = -1, nadd = 0, mapped, stage = -1;
	size_t held = 0;
	snprintf(tbl, sizeof tbl, "MaxCompute table '%s.%s'", c->t->project, name);
	if (odps_tables_desc(c, o->sql, name, &d, err) < 0) {
		if (err->code != MC_EXIT_DATA || !strstr(err->msg, "Table not found"))
			return -1;
		if (create_new(c, o, x, name, is_log, part, err) < 0)
			return -1;
		return odps_map_mark(o, name, x->h->n, 0, 0, 0, err);
	}
	if (!(used = calloc(d.ncols + 1, 1)) || !(isdata = calloc(d.ncols + 1, 1)) ||
	    !(map = calloc(x->nphys + 1, sizeof *map))) {
		mc_oom(err, "columns");
		goto out;
	}
	for (size_t i = 0; i < d.ncols; i++)
		isdata[i] = !(is_log && o->layout ? odps_logpos_is_meta(o->layout, d.names[i])
						  : is_meta(d.names[i]));
	if ((mapped = odps_map_cols(o, x, &d, isdata, name, tbl, map, &held, &stage, err)) < 0)
		goto out;
	for (size_t p = 0; !mapped && p < x->nphys; p++) { /* by the newest names */
		map[p] = odps_desc_col(&d, x->pcol[p]->name.p, x->pcol[p]->name.n);
		if (map[p] >= 0 && used[map[p]])
			map[p] = -1;
		else if (map[p] >= 0)
			used[map[p]] = 1;
	}
	memset(used, 0, d.ncols + 1);
	if (mapped && renames(c, o, x, &d, name, map, held, stage, err) < 0)
		goto out;
	for (size_t p = 0; p < x->nphys; p++) {
		const struct mc_col *pc = x->pcol[p];
		struct odps_colmap m;
		char want[64];
		long j = map[p];
		if ((is_log && o->layout && odps_evolve_lay_clash(o->layout, pc, N, err) < 0) ||
		    odps_col_name_ok(N, pc, is_log ? (o->layout == WH_LAYOUT_MCSYNC) * 2 : 1, err) < 0 ||
		    odps_col_map(pc, N->db, N->table, NULL, &m, err) < 0)
			goto out;
		odps_type_norm(want, sizeof want, m.text);
		if (j < 0) {
			int r = buf_adds(&add, nadd++ ? ", " : "");
			r |= odps_ident(&add, pc->name.p, pc->name.n);
			r |= buf_addf(&add, " %s", m.text);
			if (r) {
				mc_oom(err, "SQL");
				goto out;
			}
			continue;
		}
		used[j] = 1;
		if (strcmp(d.types[j], want) == 0)
			continue;
		if (!odps_type_widens(d.types[j], want)) {
			if (o->gen_ok) {
				rc = 1;
				goto out;
			}
			mc_errf(err, MC_EXIT_DATA,
				"%s: column '%.*s' is %s there, and the table's schema history makes it "
				"%s (%s), a change MaxCompute does not make in place: load the table from "
				"a snapshot taken after the change into another table (mc-tunnel-put "
				"--name, a new --state), or choose the column's type from the start "
				"(docs/types.md)",
				tbl, (int)pc->name.n, pc->name.p, d.types[j], want, m.where);
			goto out;
		}
		q.len = 0;
		if (buf_adds(&q, "ALTER TABLE ") < 0 || odps_ident(&q, name, strlen(name)) < 0 ||
		    buf_adds(&q, " CHANGE COLUMN ") < 0 ||
		    odps_ident(&q, pc->name.p, pc->name.n) < 0 || buf_adds(&q, " ") < 0 ||
		    odps_ident(&q, pc->name.p, pc->name.n) < 0 || buf_addf(&q, " %s", m.text) < 0) {
			mc_oom(err, "SQL");
			goto out;
		}
		if (run1(c, o, &q, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < d.ncols; i++) {
		if (used[i] || (is_log && o->layout ? odps_logpos_is_meta(o->layout, d.names[i])
						   : is_meta(d.names[i])) || o->proceed)
			continue;
		mc_errf(err, MC_EXIT_DATA,
			"%s: has a column '%s' (%s) that mcsync does not write (no version of the "
			"schema history of %.*s.%.*s has it): drop or rename the table, or write into "
			"another project", tbl, d.names[i], d.types[i], (int)N->db.n, N->db.p,
			(int)N->table.n, N->table.p);
		goto out;
	}
	if (is_log && o->layout && odps_evolve_lay_check(&d, o->layout, tbl, err) < 0)
		goto out;
	if (!(is_log && o->layout)) {
		static const char *const lm[] = { "mc_op", "mc_image", "mc_time" };
		static const char *const pm[] = { "mc_pos_file", "mc_pos_off", "mc_pos_row" };
		for (int k = 0; k < 3; k++)
			if (odps_desc_col(&d, pm[k], strlen(pm[k])) < 0 ||
			    (is_log && odps_desc_col(&d, lm[k], strlen(lm[k])) < 0)) {
				mc_errf(err, MC_EXIT_DATA, "%s: has no column '%s': not a %s table of "
					"mcsync (docs/maxcompute.md \"Tables\")", tbl,
					odps_desc_col(&d, pm[k], strlen(pm[k])) < 0 ? pm[k] : lm[k],
					is_log ? "log" : "base");
				goto out;
			}
	}
	if (nadd) {
		q.len = 0;
		if (buf_adds(&q, "ALTER TABLE ") < 0 || odps_ident(&q, name, strlen(name)) < 0 ||
		    buf_adds(&q, " ADD COLUMNS (") < 0 || buf_add(&q, add.p, add.len) < 0 ||
		    buf_adds(&q, ")") < 0) {
			mc_oom(err, "SQL");
			goto out;
		}
		if (run1(c, o, &q, err) < 0)
			goto out;
	}
	if (part && odps_add_partition(c, o->sql, name, part, err) < 0)
		goto out;
	if (odps_map_mark(o, name, x->h->n, 0, 0, 0, err) < 0)
		goto out;
	rc = 0;
out:
	free(used);
	free(isdata);
	free(map);
	odps_desc_free(&d);
	buf_free(&q);
	buf_free(&add);
	return rc;
}
