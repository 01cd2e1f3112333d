/* dest_odps_gen.c: the next generation of a table whose schema history
 * changes a column's MaxCompute type in a way ALTER TABLE does not make in
 * place (odps/gen.h, docs/maxcompute.md "Schema changes"). In this order,
 * each step idempotent, so that a run stopped anywhere carries on when run
 * again: the new base and log tables with the history's SQL columns
 * (created, as odps_tables_evolve creates one; a log table of another
 * layout than mcsync's with that layout's columns, and its companion
 * marker table T_log_ddl), every partition of the older generation's
 * tables copied into them by column name (INSERT OVERWRITE, each value
 * CAST to its new type: the history's conversion checked exact first; a
 * layout's own columns, record_id or sequence_id among them, as they are),
 * then the generation recorded in STATE/_mcsync/hist/T.gen (atomically):
 * only then do rows go up into it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/alloc.h"
#include "odps/ddlmark.h"
#include "odps/dest_odps_int.h"
#include "odps/gen.h"
#include "odps/sql.h"
#include "odps/tables.h"
#include "wh/layout.h"
#include "wh/wh.h"
#include "wh/whpart.h"

int odd_gen_table(struct odd *w, const char *table, int is_log, char **out, struct mc_err *err)
{
	char n[300];
	unsigned g;
	*out = NULL;
	if (odps_gen_count(w->o.state, table, &g, err) < 0 ||
	    odps_gen_name(n, sizeof n, table, g, is_log, err) < 0)
		return -1;
	if (!(*out = mc_strdup(n)))
		return mc_oom(err, "table name");
	return 0;
}

/* The old table's column holding new column `name` (an SQL column of x,
 * under any of its names in the history, newest first; mcsync's own by
 * name), or -1 */
static long old_col(const struct wh_sqlhist *x, const struct odps_desc *od, const char *name)
{
	long k = odps_desc_col(od, name, strlen(name));
	for (size_t p = 0; p < x->nphys && k < 0; p++) {
		if (x->pcol[p]->name.n != strlen(name) ||
		    strncasecmp(x->pcol[p]->name.p, name, x->pcol[p]->name.n))
			continue;
		for (size_t v = x->h->n; v-- > 0 && k < 0;) {
			const struct mc_rec *V = &x->h->v[v].s.rec;
			for (size_t i = 0; i < V->ncols && k < 0; i++)
				if (x->phys[v][i] == p)
					k = odps_desc_col(od, V->cols[i].name.p, V->cols[i].name.n);
		}
	}
	return k;
}

static int run(struct odd *w, struct mc_buf *q, struct mc_err *err)
{
	struct odps_sql_opts so;
	struct mc_buf out = { 0 };
	int rc;
	odd_sql_opts(w, &so, NULL);
	if (buf_addc(q, '\0') < 0)
		return mc_oom(err, "SQL");
	rc = odps_sql_run(&w->c, &so, q->p, ODPS_SQL_IDEMPOTENT, &out, err);
	buf_free(&out);
	return rc < 0 ? -1 : 0;
}

/* Every partition of table `from` into table `to` (both exist), each
 * column of `to` from its column in `from` (CAST when the type differs),
 * NULL when `from` has none; *nparts counts them. */
static int copy(struct odd *w, const struct wh_sqlhist *x, const char *from, const char *to,
		size_t *nparts, struct mc_err *err)
{
	struct odps_sql_opts so;
	struct odps_desc od = { 0 }, nd = { 0 };
	struct mc_buf q = { 0 }, sel = { 0 }, parts = { 0 };
	int rc = -1, r = 0;
	odd_sql_opts(w, &so, NULL);
	if (odps_tables_desc(&w->c, &so, from, &od, err) < 0 ||
	    odps_tables_desc(&w->c, &so, to, &nd, err) < 0)
		goto out;
	for (size_t j = 0; j < nd.ncols; j++) {
		long k = old_col(x, &od, nd.names[j]);
		char a[64], b[64];
		r |= buf_adds(&sel, j ? ", " : "");
		if (k < 0) {
			r |= buf_addf(&sel, "CAST(NULL AS %s)", nd.types[j]);
			continue;
		}
		odps_type_norm(a, sizeof a, od.types[k]);
		odps_type_norm(b, sizeof b, nd.types[j]);
		if (strcmp(a, b)) {
			r |= buf_adds(&sel, "CAST(");
			r |= odps_ident(&sel, od.names[k], strlen(od.names[k]));
			r |= buf_addf(&sel, " AS %s)", nd.types[j]);
		} else {
			r |= odps_ident(&sel, od.names[k], strlen(od.names[k]));
		}
	}
	r |= buf_adds(&q, "SHOW PARTITIONS ");
	r |= odps_ident(&q, from, strlen(from));
	r |= buf_adds(&q, ";");
	if (r || buf_addc(&q, '\0') < 0) {
		mc_oom(err, "SQL");
		goto out;
	}
	if (odps_sql_run(&w->c, &so, q.p, ODPS_SQL_IDEMPOTENT, &parts, err) < 0 ||
	    buf_addc(&parts, '\0') < 0)
		goto out;
	for (char *l = parts.p, *nl; l && *l; l = nl) {
		if ((nl = strchr(l, '\n')))
			*nl++ = '\0';
		if (!*l)
			continue;
		q.len = 0;
		r = buf_adds(&q, "INSERT OVERWRITE TABLE ");
		r |= odps_ident(&q, to, strlen(to));
		r |= buf_adds(&q, " PARTITION ");
		if (r || odps_part_clause(&q, l, err) < 0) {
			if (r)
				mc_oom(err, "SQL");
			goto out;
		}
		r |= buf_adds(&q, " (");
		for (size_t j = 0; j < nd.ncols; j++) {
			r |= buf_adds(&q, j ? ", " : "");
			r |= odps_ident(&q, nd.names[j], strlen(nd.names[j]));
		}
		r |= buf_adds(&q, ")\nSELECT ");
		r |= buf_add(&q, sel.p, sel.len);
		r |= buf_adds(&q, " FROM ");
		r |= odps_ident(&q, from, strlen(from));
		r |= buf_adds(&q, " WHERE ");
		for (const char *s = l; *s;) { /* k=v[/k=v]: checked by odps_part_clause */
			const char *eq = strchr(s, '='), *sl = strchr(s, '/');
			size_t vn = sl ? (size_t)(sl - eq - 1) : strlen(eq + 1);
			r |= odps_ident(&q, s, (size_t)(eq - s));
			r |= buf_addf(&q, " = '%.*s'", (int)vn, eq + 1);
			s = sl ? sl + 1 : eq + 1 + vn;
			if (sl)
				r |= buf_adds(&q, " AND ");
		}
		r |= buf_adds(&q, ";");
		if (r) {
			mc_oom(err, "SQL");
			goto out;
		}
		if (run(w, &q, err) < 0)
			goto out;
		(*nparts)++;
	}
	rc = 0;
out:
	if (rc < 0)
		mc_errctx(err, "copying '%s' into its new generation '%s': ", from, to);
	odps_desc_free(&od);
	odps_desc_free(&nd);
	buf_free(&q);
	buf_free(&sel);
	buf_free(&parts);
	return rc;
}

/* The sink's table name of q (the base table's, without _log) is t */
static int of_table(const struct dest_part *q, const char *t)
{
	size_t n = strlen(t);
	return q->sname && !strncmp(q->sname, t, n) &&
	       !strcmp(q->sname + n, q->is_log ? ODPS_LOG_SUFFIX : "");
}

int odd_gen_marks(struct odd *w, struct dest_part *p, struct odd_hist *h, int layout,
		  struct mc_err *err)
{
	if (!h || !h->has_x || (p->ensured && p->hist_gen == h->gen))
		return 0;
	p->layout = layout; /* odd_append checks it against the rows' */
	return odd_hist_ensure(w, p, h, err);
}

int odd_gen_make(struct odd *w, struct dest_part *p, struct mc_err *err)
{
	struct odd_hist *h = NULL;
	struct odps_tables_opts to;
	struct odps_sql_opts so;
	struct mc_buf text = { 0 };
	char ob[300], ol[300], nb[300], nl[300], od[310], nd[310], s[64];
	unsigned g;
	size_t np = 0;
	int rc = -1, lockfd, comp;
	for (size_t i = 0; i < w->nhists && !h; i++)
		if (of_table(p, w->hists[i]->table))
			h = w->hists[i];
	if (!h || !h->has_x)
		return mc_errf(err, MC_EXIT_DATA, "internal: %s: a new generation without a schema "
			       "history", p->table);
	pos_format(&h->h.v[h->h.n - 1].start, s, sizeof s);
	if (wh_layout_is_json((enum wh_layout)p->layout))
		return mc_errf(err, MC_EXIT_DATA, "table '%s': the schema change at %s changes a "
			       "column's MaxCompute type in a way ALTER TABLE does not make in place, "
			       "and a new table generation is not made for the dataworks-json log "
			       "layout (its merge reads each column of data_columns in one form): "
			       "sync it in the dataworks layout, or load a snapshot taken after the "
			       "change into another table (--name)", h->table, s);
	if (wh_sqlhist_check(&h->x, 0, h->h.n - 1, err) < 0)
		return mc_errctx(err, "table '%s': the schema change at %s changes a column's "
				 "MaxCompute type in a way ALTER TABLE does not make in place, and "
				 "the older rows cannot be converted exactly into a new generation: ",
				 h->table, s);
	if (odps_gen_count(w->o.state, h->table, &g, err) < 0 ||
	    odps_gen_name(ob, sizeof ob, h->table, g, 0, err) < 0 ||
	    odps_gen_name(ol, sizeof ol, h->table, g, 1, err) < 0 ||
	    odps_gen_name(nb, sizeof nb, h->table, g + 1, 0, err) < 0 ||
	    odps_gen_name(nl, sizeof nl, h->table, g + 1, 1, err) < 0)
		return -1;
	/* the companion marker tables (dest_odps_ddl.c) of another layout */
	comp = p->layout != WH_LAYOUT_MCSYNC && !w->o.upsert;
	snprintf(od, sizeof od, "%s" ODPS_DDL_SUFFIX, ol);
	snprintf(nd, sizeof nd, "%s" ODPS_DDL_SUFFIX, nl);
	if (comp && strlen(nd) > 128)
		return mc_errf(err, MC_EXIT_DATA, "table '%s': the name of its generation %u's "
			       "marker table '%s' is over 128 characters (give a shorter --name)",
			       h->table, g + 1, nd);
	for (size_t i = 0; i < w->nparts; i++) {
		const struct dest_part *q = w->parts[i];
		if (q != p && q->used && (q->is_ddl ? !strcmp(q->table, od) : of_table(q, h->table)))
			return mc_errf(err, MC_EXIT_TRANSIENT, "table '%s': the schema change at %s "
				       "needs a new table generation, and this commit has rows of "
				       "'%s' in the older one already: run the same command again "
				       "(the generation is made first then)", h->table, s, q->table);
	}
	/* no merge of the table meanwhile: it would write the older one */
	if ((lockfd = odps_gen_lock(w->o.state, h->table, "is being merged by mc-merge, and its "
				    "new generation waits for that: run the same command again "
				    "when the merge ends", err)) < 0)
		return -1;
	odd_sql_opts(w, &so, &to);
	to.layout = p->layout; /* the log table's own columns */
	/* 1. the new tables (made from the history when not there); the older
	 * companion too when missing (made before companions were: empty) */
	if (odps_tables_evolve(&w->c, &to, &h->x, nb, 0, NULL, err) < 0 ||
	    odps_tables_evolve(&w->c, &to, &h->x, nl, 1, NULL, err) < 0 ||
	    (comp && (odd_ddl_table(w, ol, 1, p->layout, NULL, err) < 0 ||
		      odd_ddl_table(w, nl, 1, p->layout, NULL, err) < 0)))
		goto out;
	/* 2. the older generation's partitions, by column name */
	if (copy(w, &h->x, ob, nb, &np, err) < 0 || copy(w, &h->x, ol, nl, &np, err) < 0 ||
	    (comp && copy(w, &h->x, od, nd, &np, err) < 0))
		goto out;
	/* 3. recorded: the rows go into it from now on */
	if (odps_gen_text(w->o.state, h->table, &text, err) < 0)
		goto out;
	if (buf_addf(&text, "%u %s\n", g + 1, s) < 0) {
		mc_oom(err, "generations");
		goto out;
	}
	if (odps_gen_write(w->o.state, h->table, text.p, text.len, err) < 0)
		goto out;
	h->gen++; /* into the state mirror with the history */
	for (size_t i = 0; i < w->nparts; i++) {
		struct dest_part *q = w->parts[i];
		char *n;
		if (q->is_ddl ? strcmp(q->table, od) != 0 : !of_table(q, h->table))
			continue;
		if (!(n = mc_strdup(q->is_ddl ? nd : q->is_log ? nl : nb))) {
			mc_oom(err, "table name");
			goto out;
		}
		free(q->table);
		q->table = n;
		q->ensured = 0;
	}
	mc_sayf(&w->o.say, "table '%s': the schema change at %s changes a column's MaxCompute "
		"type in a way ALTER TABLE does not make in place: generation %u made ('%s', "
		"'%s'%s%s%s; %zu partitions copied from '%s', '%s'%s%s%s)", h->table, s, g + 1, nb,
		nl, comp ? ", '" : "", comp ? nd : "", comp ? "'" : "", np, ob, ol,
		comp ? ", '" : "", comp ? od : "", comp ? "'" : "");
	rc = 0;
out:
	close(lockfd);
	buf_free(&text);
	return rc;
}

int odd_gen_mirror(struct odd *w, const char *table, struct ckpt *c, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	int rc = odps_gen_text(w->o.state, table, &b, err);
	for (size_t i = 0; i < b.len; i++) /* one line: its lines ','-separated */
		if (b.p[i] == '\n')
			b.p[i] = ',';
	if (rc == 0 && b.len)
		rc = buf_addc(&b, '\0') < 0 ? mc_oom(err, "state mirror") : ckpt_set(c, "gen", b.p, err);
	buf_free(&b);
	return rc;
}
