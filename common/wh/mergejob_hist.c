/* mergejob_hist.c: a merge across schema versions (docs/merge.md "Schema
 * changes"): the table's schema history, the version in force at the end
 * of the range (the target), and every row of an older version converted
 * to it step by step. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "wh/merge_sql.h"
#include "wh/mergejob_int.h"
#include "wh/sqlhist.h"

int mj_hist_read(const struct mergejob *j, struct wh_hist *h, char **path, struct mc_err *err)
{
	char *hp = wh_pathf("%s/%s", j->tdir, WH_SCHEMAHIST);
	int rc;
	if (!hp)
		return mc_oom(err, "path");
	rc = wh_hist_read(hp, h, err);
	if (rc > 0 && !h->ranked && j->nhist > 1 && (h->n > 1 || h->npend)) {
		/* (a later history's statements sit among the older's by
		 * their positions: which is which cannot be told) */
		rc = mc_errf(err, MC_EXIT_DATA,
			     "table '%s': its schema history '%s' was written by an older "
			     "mc-tunnel-put, which did not tell the source's binlog histories apart "
			     "in it (RESET MASTER), and it holds %zu versions: their order cannot be "
			     "known; load the table into a new warehouse (a new snapshot and its "
			     "tail)", j->o.table, hp, h->n);
		wh_hist_free(h);
	}
	if (path && rc >= 0)
		*path = hp;
	else
		free(hp);
	return rc;
}

int mj_hist_load(struct mergejob *j, struct mc_err *err)
{
	int rc;
	size_t t;
	rc = mj_hist_read(j, &j->shist, NULL, err);
	if (rc <= 0 || j->shist.n < 2)
		return rc < 0 ? -1 : 0;
	/* the target: the last version that starts below upto */
	for (t = j->shist.n - 1; t > 0 && !j->upto_inf && pos_cmp(&j->shist.v[t].start, &j->upto) >= 0;
	     t--)
		;
	j->target = t;
	for (j->same_k = t; j->same_k > 0 &&
	     schema_same(&j->shist.v[j->same_k - 1].s.rec, &j->shist.v[t].s.rec);)
		j->same_k--;
	/* below the run's first version, an older one of the same columns
	 * (DROP x, a row, ADD x: v1 = v3, not v2) */
	j->has_same_lo = j->same_k > 0;
	if (j->same_k > 0)
		j->same_lo = j->shist.v[j->same_k].start;
	for (size_t k = j->same_k + 1; k <= t; k++)
		if (j->shist.v[k].nddl) {
			j->same_lo = j->shist.v[k].start;
			j->has_same_lo = 1;
		}
	if (!(j->steps = calloc(j->shist.n, sizeof *j->steps)) ||
	    !(j->planned = calloc(j->shist.n, 1)) || !(j->cvs = calloc(2 * j->shist.n, sizeof *j->cvs)) ||
	    !(j->cva = calloc(4 * MC_MAX_COLUMNS, sizeof *j->cva)))
		return mc_oom(err, "schema history");
	schema_copy_free(&j->schema);
	if (schema_copy_set(&j->schema, &j->shist.v[t].s.rec, err) < 0 ||
	    vtrack_schema(&j->vt, &j->schema.rec, err) < 0)
		return -1;
	j->has_hist = 1;
	if (t > 0) {
		char p[96];
		wh_hist_pos_format(&j->shist.v[t].start, p, sizeof p);
		mj_say(j, "schema version %zu of %zu (from %s) is the merge's", t + 1, j->shist.n, p);
	}
	return 1;
}

void mj_hist_free(struct mergejob *j)
{
	for (size_t k = 0; j->steps && k < j->shist.n; k++)
		wh_step_free(&j->steps[k]);
	for (size_t k = 0; j->cvs && k < 2 * j->shist.n; k++)
		buf_free(&j->cvs[k]);
	free(j->steps);
	free(j->planned);
	free(j->cvs);
	free(j->cva);
	buf_free(&j->hrb);
	buf_free(&j->krb);
	rec_scratch_free(&j->ksc);
	free(j->kph);
	free(j->qkph);
	j->kph = NULL;
	j->qkph = NULL;
	j->nkph = 0;
	j->ph_on = j->ph_rekeyed = 0;
	vtrack_free(&j->vt);
	wh_hist_free(&j->shist);
	j->steps = NULL;
	j->planned = NULL;
	j->cvs = NULL;
	j->cva = NULL;
	j->has_hist = 0;
	j->target = 0;
}

/* One image through steps v .. target-1; the result in *img (j's arrays). */
static int conv_image(struct mergejob *j, size_t v, size_t to, struct mc_val **img, size_t *n,
		      struct mc_val *a, struct mc_val *b, struct mc_buf *bufs, struct mc_err *err)
{
	const struct mc_val *in = *img;
	size_t nin = *n;
	struct mc_val *out = a;
	for (size_t k = v; k < to; k++) {
		struct wh_step *s = &j->steps[k];
		bufs[k].len = 0;
		if (wh_step_image(s, in, nin, out, &bufs[k], err) < 0)
			return -1;
		in = out;
		nin = s->n;
		out = out == a ? b : a;
	}
	*img = (struct mc_val *)in;
	*n = nin;
	return 0;
}

int mj_hist_conv(struct mergejob *j, size_t v, size_t to, struct mc_rec *r, struct mc_err *err)
{
	/* each image through its own arrays and padded-value buffers */
	if (r->after && conv_image(j, v, to, &r->after, &r->nafter, j->cva, j->cva + MC_MAX_COLUMNS,
				   j->cvs, err) < 0)
		return -1;
	if (r->before && conv_image(j, v, to, &r->before, &r->nbefore, j->cva + 2 * MC_MAX_COLUMNS,
				    j->cva + 3 * MC_MAX_COLUMNS, j->cvs + j->shist.n, err) < 0)
		return -1;
	return 0;
}

int mj_hist_row(struct mergejob *j, const struct wh_reader *fr, struct mc_rec *r,
		const struct mc_pos *at, int is_log, struct mc_err *err)
{
	long v;
	char p[96];
	if (!j->has_hist)
		return 0;
	v = -1;
	if (!fr->foreign && j->has_same_lo && pos_cmp(at, &j->same_lo) < 0 &&
	    (v = wh_hist_match(&j->shist, &j->schema.rec, at)) >= (long)j->target)
		v = -1; /* (of the target: as it is) */
	if (!fr->foreign && v < 0) {
		if (r->schema_version == j->schema.rec.schema_version)
			return 0;
		r->schema_version = j->schema.rec.schema_version; /* same columns */
		return 1;
	}
	pos_format(&r->pos, p, sizeof p);
	if (fr->foreign)
		v = wh_hist_match(&j->shist, &fr->cur.rec, at);
	if (v < 0)
		return mc_errf(err, MC_EXIT_DATA,
			       "'%s': record %llu: the row at %s is of a schema that is no version "
			       "of the table's schema history (%s/%s): %s",
			       fr->path, (unsigned long long)fr->rd.recno, p, j->o.table,
			       WH_SCHEMAHIST, fr->why);
	if ((size_t)v > j->target)
		return mc_errf(err, MC_EXIT_DATA,
			       "'%s': record %llu: the row at %s is of a later schema version (%ld) "
			       "than the one in force at the end of the merge (%zu)",
			       fr->path, (unsigned long long)fr->rd.recno, p, v + 1, j->target + 1);
	for (size_t k = (size_t)v; k < j->target; k++) {
		if (!j->planned[k]) {
			if (wh_step_plan(&j->shist, k, &j->steps[k], err) < 0)
				return -1;
			j->planned[k] = 1;
		}
		if (is_log && j->steps[k].key_changed && !mj_key_is_step(j, k)) {
			const struct wh_hver *V = &j->shist.v[k + 1];
			char s[96];
			wh_hist_pos_format(&V->start, s, sizeof s);
			return mc_errf(err, MC_EXIT_DATA,
				       "'%s': record %llu: the change at %s is before the change of "
				       "the table's key at %s ('%.200s'): a change under the old key "
				       "cannot be merged under the new one exactly; merge up to a "
				       "point before it, or load a re-snapshot of the table taken "
				       "after it (mc-tunnel-put --resnapshot)",
				       fr->path, (unsigned long long)fr->rd.recno, p, s,
				       V->nddl ? V->ddl[V->nddl - 1].sql : "no statement recorded");
		}
	}
	if (mj_hist_conv(j, (size_t)v, j->target, r, err) < 0)
		return mc_errctx(err, "'%s': record %llu: the row at %s: ", fr->path,
				 (unsigned long long)fr->rd.recno, p);
	r->db = j->schema.rec.db;
	r->table = j->schema.rec.table;
	r->schema_version = j->schema.rec.schema_version;
	if (vtrack_row(&j->vt, r, err) < 0)
		return mc_errctx(err, "'%s': record %llu: the row at %s in the schema version from "
				 "the history: ", fr->path, (unsigned long long)fr->rd.recno, p);
	return 1;
}

int mj_hist_sqlrow(struct mergejob *j, const struct wh_reader *fr, struct mc_rec *r,
		   const struct mc_pos *g, struct mc_err *err)
{
	long v, at;
	char p[96];
	if (!j->has_hist)
		return 0;
	if (mj_hist_row(j, fr, r, g, 1, err) < 0)
		return -1;
	v = fr->foreign ? wh_hist_match(&j->shist, &fr->cur.rec, g) : (long)j->target;
	at = wh_hist_at(&j->shist, g);
	if (v == at) {
		if (v >= 0 && v < j->sql_vmin)
			j->sql_vmin = v;
		return 0;
	}
	wh_hist_pos_format(g, p, sizeof p);
	return mc_errf(err, MC_EXIT_DATA,
		       "'%s': record %llu: the change at %s is of schema version %ld, and the "
		       "version in force there is %ld: the SQL merge takes a row's version from "
		       "its position; merge with mc-merge (without --emit-sql)",
		       fr->path, (unsigned long long)fr->rd.recno, p, v + 1, at + 1);
}

int mj_hist_sql(struct mergejob *j, struct merge_sql *q, struct wh_sqlhist *x,
		struct mc_err *err)
{
	struct mc_pos lo = j->from;
	long vb = -1, vlo;
	int rc;
	if (!j->has_hist)
		return 0;
	/* the log's changes that count, each */
	j->sql_vmin = (long)j->target;
	j->sql_pass = 1;
	rc = mj_read_log(j, err);
	j->sql_pass = 0;
	if (rc < 0)
		return -1;
	vlo = j->sql_vmin;
	if (!j->has_barrier) { /* the base's rows: by their positions, and its schema */
		for (size_t i = 0; i < j->base_m.nfiles; i++)
			if (j->base_m.files[i].has_pos && j->base_m.files[i].rows &&
			    pos_cmp(&j->base_m.files[i].lo, &lo) < 0)
				lo = j->base_m.files[i].lo;
		vb = wh_hist_match(&j->shist, &j->base_schema.rec, &lo);
		if (vb > (long)j->target)
			return mc_errf(err, MC_EXIT_DATA,
				       "table '%s': the base partition '%s' is of a later schema "
				       "version (%ld) than the one in force at the end of the merge "
				       "(%zu)", j->o.table, j->base_part, vb + 1, j->target + 1);
		if (wh_hist_at(&j->shist, &lo) < vlo)
			vlo = wh_hist_at(&j->shist, &lo);
		if (vb >= 0 && vb < vlo)
			vlo = vb;
	}
	if (vlo < 0)
		vlo = 0;
	if ((size_t)vlo >= j->target)
		return 0; /* every row that counts is of the target version */
	if (wh_sqlhist_build(&j->shist, x, err) < 0 ||
	    wh_sqlhist_check(x, (size_t)vlo, j->target, err) < 0)
		return mc_errctx(err, "table '%s', --emit-sql: ", j->o.table);
	q->hist = x;
	q->hist_lo = (size_t)vlo;
	q->hist_target = j->target;
	if (j->nkph) { /* in steps at the changes of the key (mergejob_key.c) */
		free(j->qkph);
		if (!(j->qkph = calloc(j->nkph, sizeof *j->qkph)))
			return mc_oom(err, "key changes");
		for (size_t i = 0; i < j->nkph; i++) {
			j->qkph[i].at = j->kph[i].at;
			j->qkph[i].v = j->kph[i].v;
			j->qkph[i].key = j->kph[i].key;
			j->qkph[i].nkey = j->kph[i].nkey;
		}
		q->kph = j->qkph;
		q->nkph = j->nkph;
	}
	return 0;
}
