/* dest_odps_hist.c: the schema history of the tables the MaxCompute
 * destination writes (docs/maxcompute.md "Schema changes"): kept in the
 * state directory as the warehouse keeps it beside a table
 * (wh/schemahist.h), and the tables in MaxCompute evolved to its SQL
 * columns (odps_tables_evolve). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "odps/dest_odps_int.h"
#include "odps/mirror.h"
#include "odps/tables.h"
#include "wh/layout.h"
#include "wh/wh.h"
#include "wh/whpart.h"

static size_t base_len(const struct dest_part *p)
{
	size_t n = strlen(p->sname), k = strlen(ODPS_LOG_SUFFIX); /* the sink's name */
	if (p->is_log && n > k && !strcmp(p->sname + n - k, ODPS_LOG_SUFFIX))
		n -= k;
	return n;
}

static int reload(struct odd *w, struct odd_hist *e, struct mc_err *err)
{
	char *path = wh_pathf("%s/" ODPS_HISTDIR "/%s.mcr", w->o.state, e->table);
	size_t n0 = e->h.n;
	int rc;
	if (!path)
		return mc_oom(err, "path");
	if (e->has_x)
		wh_sqlhist_free(&e->x);
	e->has_x = 0;
	wh_hist_free(&e->h);
	memset(&e->h, 0, sizeof e->h);
	rc = wh_hist_read(path, &e->h, err);
	free(path);
	if (rc < 0)
		return -1;
	if (e->h.n != n0)
		e->gen++;
	if (e->h.n >= 2) {
		if (wh_sqlhist_build(&e->h, &e->x, err) < 0)
			return mc_errctx(err, "table '%s': ", e->table);
		e->has_x = 1;
	}
	return 0;
}

int odd_hist_add(struct odd *w, const struct dest_part *p, const struct dest_rows *rows,
		 struct odd_hist **out, struct mc_err *err)
{
	size_t n = base_len(p), i;
	struct odd_hist *e = NULL;
	*out = NULL;
	for (i = 0; i < w->nhists; i++)
		if (strlen(w->hists[i]->table) == n && !strncmp(w->hists[i]->table, p->sname, n))
			break;
	if (i == w->nhists) {
		if (mc_push(&w->hists, &w->nhists, &w->chists, sizeof *w->hists) < 0)
			return mc_oom(err, "schema history");
		if (!(e = w->hists[i] = calloc(1, sizeof *e)))
			return mc_oom(err, "schema history");
		if (!(e->table = mc_strndup(p->sname, n)))
			return mc_oom(err, "schema history");
		if (reload(w, e, err) < 0)
			return -1;
	}
	e = w->hists[i];
	if (rows->schemas_len || rows->hist_len) {
		struct mc_buf b = { 0 };
		int rc = buf_add(&b, rows->schemas, rows->schemas_len) < 0 ||
				 buf_add(&b, rows->hist, rows->hist_len) < 0
			 ? mc_oom(err, "schema history")
			 : 0;
		if (rc == 0)
			rc = odd_hist_write(w, p, b.p, b.len, rows->hist_rank, err);
		buf_free(&b);
		if (rc < 0 || reload(w, e, err) < 0)
			return -1;
	}
	*out = e;
	return 0;
}

/* A schema version without column names is refused before the history
 * keeps it (a rerun with the names must not find it there), and before
 * its table is made or evolved (MaxCompute's SQL refuses @1). */
static int unnamed(const char *recs, size_t len, struct mc_err *err)
{
	struct mc_scratch sc = { 0 };
	size_t at = 0, used;
	int rc = 0;
	while (rc == 0 && at < len) {
		struct mc_rec r;
		if (rec_decode(recs + at, len - at, 0, &used, &r, &sc, err) != 1)
			rc = mc_errf(err, MC_EXIT_DATA, "internal: schema buffer");
		else
			rc = odps_tables_unnamed(&r, err);
		at += used;
	}
	rec_scratch_free(&sc);
	return rc;
}

int odd_hist_write(const struct odd *w, const struct dest_part *p, const char *recs, size_t len,
		   size_t rank, struct mc_err *err)
{
	char *dir, *path;
	int rc;
	if (unnamed(recs, len, err) < 0)
		return -1;
	dir = wh_pathf("%s/" ODPS_HISTDIR, w->o.state);
	path = wh_pathf("%s/" ODPS_HISTDIR "/%.*s.mcr", w->o.state, (int)base_len(p), p->sname);
	rc = !dir || !path ? mc_oom(err, "schema history") : 0;
	if (rc == 0)
		rc = wh_mkdirs(dir, err);
	if (rc == 0)
		rc = wh_hist_add(path, recs, len, rank, err);
	free(dir);
	free(path);
	return rc;
}

size_t odd_hist_versions(struct odd *w, const struct dest_part *p)
{
	size_t n = base_len(p), i;
	struct odd_hist *e;
	struct mc_err err = { 0 };
	for (i = 0; i < w->nhists; i++)
		if (strlen(w->hists[i]->table) == n && !strncmp(w->hists[i]->table, p->sname, n))
			return w->hists[i]->h.n;
	if (mc_push(&w->hists, &w->nhists, &w->chists, sizeof *w->hists) < 0)
		return 0;
	if (!(e = w->hists[i] = calloc(1, sizeof *e)) || !(e->table = mc_strndup(p->sname, n)) ||
	    reload(w, e, &err) < 0) {
		/* left to odd_hist_add, which says why */
		if (e) {
			if (e->has_x)
				wh_sqlhist_free(&e->x);
			wh_hist_free(&e->h);
			free(e->table);
		}
		free(e);
		w->nhists--;
		return 0;
	}
	return e->h.n;
}

int odd_hist_ensure(struct odd *w, struct dest_part *p, const struct odd_hist *h,
		    struct mc_err *err)
{
	struct odps_sql_opts so;
	struct odps_tables_opts to;
	int rc;
	if (wh_layout_is_json((enum wh_layout)p->layout)) /* T_log's columns stay */
		return odd_hist_ensure_json(w, p, h, err);
	odd_sql_opts(w, &so, &to);
	to.layout = p->layout; /* the log table's (its own columns, then the history's) */
	to.gen_ok = 1; /* a change not made in place: a new generation (odps/gen.h) */
	/* the base table and its log table together: the merge reads both */
	rc = odps_tables_evolve(&w->c, &to, &h->x, p->table, p->is_log, p->part, err);
	if (rc == 0) {
		char other[300];
		size_t n = strlen(p->table) - (p->is_log ? strlen(ODPS_LOG_SUFFIX) : 0);
		snprintf(other, sizeof other, "%.*s%s", (int)n, p->table,
			 p->is_log ? "" : ODPS_LOG_SUFFIX);
		rc = odps_tables_evolve(&w->c, &to, &h->x, other, !p->is_log, NULL, err);
	}
	if (rc == 1)
		return odd_gen_make(w, p, err) < 0 ? -1 : odd_hist_ensure(w, p, h, err);
	if (rc < 0)
		return -1;
	p->ensured = 1;
	p->hist_gen = h->gen;
	return 0;
}

int odd_hist_mirror(struct odd *w, uint64_t seq, uint64_t attempt, struct mc_err *err)
{
	struct odps_mirror_row *rows = NULL;
	struct ckpt *c = NULL;
	char **kinds = NULL;
	size_t n = 0;
	int rc = 0;
	if (w->nhists && (!(rows = calloc(w->nhists, sizeof *rows)) ||
			  !(c = calloc(w->nhists, sizeof *c)) ||
			  !(kinds = calloc(w->nhists, sizeof *kinds))))
		rc = mc_oom(err, "state mirror");
	for (size_t i = 0; i < w->nhists && rc == 0; i++) {
		struct odd_hist *e = w->hists[i];
		char *path;
		if (!e || e->h.n < 2 || e->mirrored == e->gen + 1)
			continue;
		if (!(path = wh_pathf("%s/" ODPS_HISTDIR "/%s.mcr", w->o.state, e->table)) ||
		    !(kinds[n] = wh_pathf("hist.%s", e->table))) {
			free(path);
			rc = mc_oom(err, "state mirror");
			break;
		}
		rc = odps_mirror_hist_body(path, &c[n], err);
		free(path);
		if (rc == 0) /* its generations (odps/gen.h), with it */
			rc = odd_gen_mirror(w, e->table, &c[n], err);
		rows[n].kind = kinds[n];
		rows[n].body = &c[n];
		n++;
	}
	if (rc == 0 && n)
		rc = odps_mirror_put(&w->c, w->o.retry_s, w->o.say, w->sf.writer, seq, attempt, rows,
				     n, err);
	for (size_t i = 0; i < w->nhists && rc == 0; i++)
		if (w->hists[i] && w->hists[i]->h.n >= 2)
			w->hists[i]->mirrored = w->hists[i]->gen + 1;
	for (size_t i = 0; i < n; i++) {
		ckpt_free(&c[i]);
		free(kinds[i]);
	}
	free(rows);
	free(c);
	free(kinds);
	return rc;
}

void odd_hist_free(struct odd *w)
{
	for (size_t i = 0; i < w->nhists; i++) {
		if (!w->hists[i])
			continue;
		if (w->hists[i]->has_x)
			wh_sqlhist_free(&w->hists[i]->x);
		wh_hist_free(&w->hists[i]->h);
		free(w->hists[i]->table);
		free(w->hists[i]);
	}
	free(w->hists);
	w->hists = NULL;
	w->nhists = w->chists = 0;
}
