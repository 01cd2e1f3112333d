/* sqlhist.c: the SQL columns of a table's schema history (sqlhist.h). */
#include "wh/sqlhist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"

void wh_sqlhist_free(struct wh_sqlhist *x)
{
	for (size_t k = 0; x->steps && x->h && k + 1 < x->h->n; k++)
		wh_step_free(&x->steps[k]);
	for (size_t v = 0; x->phys && x->h && v < x->h->n; v++)
		free(x->phys[v]);
	free(x->steps);
	free(x->phys);
	free(x->pcol);
	memset(x, 0, sizeof *x);
}

static int same_name(const struct mc_col *a, const struct mc_col *b)
{
	return a->name.n == b->name.n && strncasecmp(a->name.p, b->name.p, a->name.n) == 0;
}

int wh_sqlhist_build(const struct wh_hist *h, struct wh_sqlhist *x, struct mc_err *err)
{
	size_t cap = 0;
	memset(x, 0, sizeof *x);
	x->h = h;
	if (h->n == 0)
		return 0;
	if (!(x->steps = calloc(h->n, sizeof *x->steps)) || !(x->phys = calloc(h->n, sizeof *x->phys)))
		goto oom;
	for (size_t v = 0; v < h->n; v++) {
		const struct mc_rec *S = &h->v[v].s.rec;
		const struct wh_step *st = v ? &x->steps[v - 1] : NULL;
		if (v && wh_step_plan(h, v - 1, &x->steps[v - 1], err) < 0) {
			wh_sqlhist_free(x);
			return -1;
		}
		if (!(x->phys[v] = calloc(S->ncols + 1, sizeof *x->phys[v])))
			goto oom;
		for (size_t i = 0; i < S->ncols; i++) {
			long src = -1;
			if (st && !st->refuse) {
				src = st->src[i];
			} else if (st) { /* a statement not read: by name */
				const struct mc_rec *P = &h->v[v - 1].s.rec;
				for (size_t q = 0; q < P->ncols && src < 0; q++)
					if (same_name(&P->cols[q], &S->cols[i]))
						src = (long)q;
			}
			if (src >= 0) {
				x->phys[v][i] = x->phys[v - 1][src];
			} else {
				if (mc_grow(&x->pcol, &cap, x->nphys + 1, sizeof *x->pcol) < 0)
					goto oom;
				x->phys[v][i] = x->nphys++;
			}
			x->pcol[x->phys[v][i]] = &S->cols[i];
		}
	}
	for (size_t p = 0; p < x->nphys; p++)
		for (size_t q = p + 1; q < x->nphys; q++)
			if (same_name(x->pcol[p], x->pcol[q])) {
				mc_errf(err, MC_EXIT_DATA,
					"two columns of the schema history are named '%.*s' (one "
					"dropped or renamed away, another added under its name): the "
					"SQL tables cannot hold both in one column; merge with mc-merge "
					"(without --emit-sql), or load a re-snapshot taken after the "
					"change (mc-tunnel-put --resnapshot)",
					(int)x->pcol[p]->name.n, x->pcol[p]->name.p);
				wh_sqlhist_free(x);
				return -1;
			}
	return 0;
oom:
	wh_sqlhist_free(x);
	return mc_oom(err, "schema history");
}

long wh_sqlhist_col(const struct wh_sqlhist *x, size_t w, size_t p)
{
	for (size_t i = 0; i < x->h->v[w].s.rec.ncols; i++)
		if (x->phys[w][i] == p)
			return (long)i;
	return -1;
}

int wh_sqlhist_check(const struct wh_sqlhist *x, size_t lo, size_t t, struct mc_err *err)
{
	for (size_t k = lo; k < t; k++) {
		const struct wh_step *s = &x->steps[k];
		const struct mc_rec *T = &x->h->v[k + 1].s.rec;
		char at[96];
		wh_hist_pos_format(&x->h->v[k + 1].start, at, sizeof at);
		if (s->refuse)
			return mc_errf(err, MC_EXIT_DATA, "rows of schema version %zu: %s", k + 1,
				       s->refuse);
		for (size_t j = 0; j < s->n; j++) {
			if (s->why[j])
				return mc_errf(err, MC_EXIT_DATA,
					       "rows of schema version %zu: column %zu ('%.*s'): %s",
					       k + 1, j + 1, (int)T->cols[j].name.n, T->cols[j].name.p,
					       s->why[j]);
			if (s->src[j] >= 0 && s->cv[j] == WH_CV_CS)
				return mc_errf(err, MC_EXIT_DATA,
					       "rows of schema version %zu: column %zu ('%.*s'): a "
					       "statement before %s converted its text into another "
					       "charset, '?' for what it cannot hold, which the SQL merge "
					       "does not compute; merge with mc-merge (without --emit-sql), "
					       "or load a re-snapshot of the table taken after it "
					       "(mc-tunnel-put --resnapshot)",
					       k + 1, j + 1, (int)T->cols[j].name.n, T->cols[j].name.p, at);
			if (s->src[j] >= 0 && s->cv[j] == WH_CV_FIT)
				return mc_errf(err, MC_EXIT_DATA,
					       "rows of schema version %zu: column %zu ('%.*s') changed "
					       "type at %s without its statement (dropped by the rules' "
					       "ignore policy, or loaded before the schema history): "
					       "mc-merge checks each value against the new type, SQL "
					       "cannot; merge with mc-merge (without --emit-sql), or load "
					       "a re-snapshot of the table taken after it (mc-tunnel-put "
					       "--resnapshot)",
					       k + 1, j + 1, (int)T->cols[j].name.n, T->cols[j].name.p,
					       at);
		}
	}
	return 0;
}
