/* merge_odps_hist.c: the merge in MaxCompute across schema versions
 * (docs/maxcompute.md "Schema changes"): the history mc-tunnel-put keeps
 * in its state directory, the version in force at the end of the range,
 * and the checks that the SQL of wh/merge_sqlhist.c is exact over the
 * range. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "odps/logpos.h"
#include "odps/merge_odps_int.h"
#include "odps/state.h"
#include "odps/tables.h"
#include "wh/whpart.h"

int odps_mhist_load(const char *state, const char *table, const struct mc_pos *upto,
		    int upto_inf, struct odps_mhist *mh, struct mc_err *err)
{
	char *path = wh_pathf("%s/" ODPS_HISTDIR "/%s.mcr", state, table);
	size_t t;
	int rc;
	memset(mh, 0, sizeof *mh);
	if (!path)
		return mc_oom(err, "path");
	rc = wh_hist_read(path, &mh->h, err);
	free(path);
	if (rc <= 0 || mh->h.n < 2)
		return rc < 0 ? -1 : 0;
	for (t = mh->h.n - 1; t > 0 && !upto_inf && pos_cmp(&mh->h.v[t].start, upto) >= 0; t--)
		;
	mh->target = t;
	mh->lo = t;
	if (wh_sqlhist_build(&mh->h, &mh->x, err) < 0)
		return mc_errctx(err, "table '%s': ", table);
	mh->active = 1;
	return 0;
}

void odps_mhist_free(struct odps_mhist *mh)
{
	if (mh->active)
		wh_sqlhist_free(&mh->x);
	free(mh->kph);
	wh_hist_free(&mh->h);
	memset(mh, 0, sizeof *mh);
}

static int query(struct odps_client *c, const struct odps_sql_opts *so, struct mc_buf *q,
		 struct mc_buf *out, struct mc_err *err)
{
	if (buf_addc(q, '\0') < 0)
		return mc_oom(err, "SQL");
	out->len = 0;
	if (odps_sql_run(c, so, q->p, ODPS_SQL_IDEMPOTENT, out, err) < 0 || buf_addc(out, '\0') < 0)
		return -1;
	return 0;
}

/* The first data line of a CSV answer (after the header), or NULL. */
static const char *line1(const struct mc_buf *out)
{
	const char *l = out->p ? strchr(out->p, '\n') : NULL;
	return l && l[1] ? l + 1 : NULL;
}

/* The target version's key columns, by their SQL names, comma-separated. */
static int target_key(struct mc_buf *q, const struct odps_mhist *mh)
{
	const struct mc_rec *T = &mh->h.v[mh->target].s.rec;
	for (size_t i = 0; i < T->nkey; i++) {
		const struct mc_col *pc = mh->x.pcol[mh->x.phys[mh->target][T->key[i]]];
		if ((i && buf_adds(q, ", ") < 0) || odps_ident(q, pc->name.p, pc->name.n) < 0)
			return -1;
	}
	return 0;
}

/* Run q (the lowest position of some rows) and lower *lo to the history's
 * version at that position, if there is such a row. */
static int lower_to_version(struct odps_client *c, const struct odps_sql_opts *so, struct mc_buf *q,
			    struct mc_buf *out, const struct odps_mhist *mh, long *lo,
			    struct mc_err *err)
{
	struct mc_pos b;
	const char *l;
	if (query(c, so, q, out, err) < 0)
		return -1;
	/* the base's three columns, or a log's (its layout's: odps_mhist_logq) */
	if ((l = line1(out)) && odps_logpos_parse(strchr(l, ',') ? 0 : 1, l, &b) == 0) {
		long v = wh_hist_at(&mh->h, &b);
		if (v < *lo)
			*lo = v;
	}
	q->len = 0;
	return 0;
}

int odps_mhist_plan(struct odps_client *c, const struct odps_sql_opts *so, const char *table,
		    const char *base_ds, const struct mc_pos *from, const struct mc_pos *upto,
		    int upto_inf, const struct mc_pos *barrier, int layout, struct odps_mhist *mh,
		    struct mc_err *err)
{
	struct mc_buf q = { 0 }, out = { 0 };
	const struct wh_hver *T = &mh->h.v[mh->target];
	long lo = (long)mh->target;
	int rc = -1, keychg = 0;
	{ /* the range's lowest change (above the barrier): its version */
		if (odps_mhist_logq(&q, table, layout, barrier, from, NULL, upto_inf ? NULL : upto,
				    err) < 0)
			goto out;
		if (lower_to_version(c, so, &q, &out, mh, &lo, err) < 0)
			goto out;
	}
	if (base_ds && !barrier) { /* the base's lowest row: its version */
		if (buf_addf(&q, "SELECT mc_pos_file, mc_pos_off, mc_pos_row FROM `%s` WHERE ds = '%s' "
				 "ORDER BY mc_pos_file, mc_pos_off, mc_pos_row LIMIT 1;", table, base_ds) < 0) {
			mc_oom(err, "SQL");
			goto out;
		}
		if (lower_to_version(c, so, &q, &out, mh, &lo, err) < 0)
			goto out;
	}
	if (lo < 0)
		lo = 0;
	if ((size_t)lo > mh->target)
		lo = (long)mh->target;
	mh->lo = (size_t)lo;
	if (mh->lo < mh->target && wh_sqlhist_check(&mh->x, mh->lo, mh->target, err) < 0) {
		mc_errctx(err, "table '%s', the merge in MaxCompute: ", table);
		goto out;
	}
	/* a change of the key in the range: no log change under the old key */
	for (size_t k = mh->lo; k < mh->target; k++) {
		const struct wh_hver *V = &mh->h.v[k + 1];
		char s[64];
		if (!mh->x.steps[k].key_changed)
			continue;
		keychg = 1;
		q.len = 0;
		if (odps_mhist_logq(&q, table, layout, barrier, from, &V->start,
				    upto_inf ? NULL : upto, err) < 0)
			goto out;
		if (query(c, so, &q, &out, err) < 0)
			goto out;
		if (!line1(&out))
			continue;
		/* changes under the old key: a step (merge_sql.h), by its key */
		if (!mh->h.v[k].s.rec.nkey) {
			pos_format(&V->start, s, sizeof s);
			mc_errf(err, MC_EXIT_DATA,
				"table '%s': schema version %zu, in force up to the change of the key at "
				"%s, has no primary or unique key: the changes under it cannot be told "
				"apart; merge from a base taken after %s (mc-tunnel-put --resnapshot)",
				table, k + 1, s, s);
			goto out;
		}
		if (mc_grow(&mh->kph, &mh->capkph, mh->nkph + 1, sizeof *mh->kph) < 0) {
			mc_oom(err, "key changes");
			goto out;
		}
		mh->kph[mh->nkph].at = V->start;
		mh->kph[mh->nkph].v = k;
		mh->kph[mh->nkph].key = mh->h.v[k].s.rec.key;
		mh->kph[mh->nkph++].nkey = mh->h.v[k].s.rec.nkey;
	}
	/* the rows at each such change: one row per new key (the source's
	 * ALTER made sure of it; rows loaded from elsewhere may not) */
	for (size_t i = 0; i < mh->nkph; i++) {
		struct merge_sql sq = { .table = table, .dialect = MERGE_SQL_MAXCOMPUTE,
					.layout = layout };
		const struct wh_hver *V = &mh->h.v[mh->kph[i].v + 1];
		char bp[32], s[64];
		const char *l;
		if (!base_ds && !barrier)
			break;
		snprintf(bp, sizeof bp, "ds=%s", base_ds ? base_ds : "");
		sq.base_part = bp;
		sq.from = *from;
		sq.has_barrier = barrier != NULL;
		if (barrier)
			sq.barrier = *barrier;
		sq.hist = &mh->x;
		sq.hist_lo = mh->lo;
		sq.hist_target = mh->target;
		sq.kph = mh->kph;
		sq.nkph = mh->nkph;
		q.len = 0;
		if (merge_sqljson_vcheck(&sq, err) < 0) /* its readings (dataworks-json) */
			goto out;
		if (merge_sqlhist_keycheck(&q, &sq, i) < 0) {
			mc_oom(err, "SQL");
			goto out;
		}
		if (query(c, so, &q, &out, err) < 0)
			goto out;
		if ((l = line1(&out)) && strtoull(l, NULL, 10) != 0) {
			pos_format(&V->start, s, sizeof s);
			mc_errf(err, MC_EXIT_DATA,
				"table '%s': the new key of the change of the key at %s ('%.200s') is not "
				"unique over the rows there: %llu of its values are taken by more than one "
				"row; load a re-snapshot of the table taken after the change",
				table, s, V->nddl ? V->ddl[V->nddl - 1].sql : "no statement recorded",
				strtoull(l, NULL, 10));
			goto out;
		}
	}
	/* base rows of an older key, re-keyed: one row per new key (with
	 * steps, the rows at the last change were checked above) */
	if (keychg && !mh->nkph && base_ds && !barrier && T->s.rec.nkey) {
		const char *l;
		q.len = 0;
		if (buf_adds(&q, "SELECT COUNT(*) AS n FROM (SELECT ") < 0 ||
		    target_key(&q, mh) < 0 ||
		    buf_addf(&q, ", COUNT(*) AS c FROM `%s` WHERE ds = '%s' GROUP BY ", table, base_ds) < 0 ||
		    target_key(&q, mh) < 0 || buf_adds(&q, " HAVING COUNT(*) > 1) d;") < 0) {
			mc_oom(err, "SQL");
			goto out;
		}
		if (query(c, so, &q, &out, err) < 0)
			goto out;
		if ((l = line1(&out)) && strtoull(l, NULL, 10) != 0) {
			mc_errf(err, MC_EXIT_DATA,
				"table '%s': the base partition 'ds=%s' has %llu keys that more than one "
				"of its rows take under the table's new key (schema version %zu): the key "
				"is not unique over the kept rows; load a re-snapshot of the table taken "
				"after the change", table, base_ds, strtoull(l, NULL, 10), mh->target + 1);
			goto out;
		}
	}
	rc = 0;
out:
	buf_free(&q);
	buf_free(&out);
	return rc;
}
