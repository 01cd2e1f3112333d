/* mergejob_plan.c: what a merge job reads: the key, the upper end of the
 * log's range, and the base partition (docs/merge.md). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "wh/mergejob_int.h"

int mj_resolve_key(struct mergejob *j, struct mc_err *err)
{
	const struct mc_rec *s = &j->schema.rec;
	uint32_t k[MC_MAX_COLUMNS];
	size_t n = 0;
	if (j->o.key) {
		const char *p = j->o.key;
		while (*p) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			size_t i;
			for (i = 0; i < s->ncols; i++)
				if (s->cols[i].name.n == len && memcmp(s->cols[i].name.p, p, len) == 0)
					break;
			if (i == s->ncols)
				return mc_errf(err, MC_EXIT_USAGE, "--key: table '%s' has no column '%.*s'",
					       j->o.table, (int)len, p);
			if (n == MC_MAX_COLUMNS)
				return mc_errf(err, MC_EXIT_USAGE, "--key: too many columns");
			k[n++] = (uint32_t)i;
			p += len + (e ? 1 : 0);
			if (e && !*p)
				return mc_errf(err, MC_EXIT_USAGE, "--key: empty column name");
		}
		if (s->nkey && (s->nkey != n || memcmp(s->key, k, n * sizeof *k) != 0))
			return mc_errf(err, MC_EXIT_USAGE, "--key: table '%s' has a key already",
				       j->o.table);
		memcpy(j->keycols, k, n * sizeof *k);
		j->nkey = n;
		return 0;
	}
	if (s->nkey == 0)
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s' has no primary or unique key: declare one with --key=COL[,COL]",
			       j->o.table);
	memcpy(j->keycols, s->key, s->nkey * sizeof *s->key);
	j->nkey = s->nkey;
	return 0;
}

/* The first change in the files of log partition `part` stamped after t
 * (found, best). */
static int first_after(struct mergejob *j, const char *part, int64_t t, int *found,
		       struct mc_pos *best, struct mc_err *err)
{
	struct wh_manifest lm;
	int rc = 0;
	if (wh_part_manifest(j->ldir, part, &lm, err) < 0)
		return -1;
	for (size_t i = 0; i < lm.nfiles && rc == 0; i++) {
		const struct wh_file *f = &lm.files[i];
		struct wh_reader fr;
		struct mc_rec r;
		char *path;
		if (!f->has_time || f->tmax <= t)
			continue;
		if (!(path = wh_pathf("%s/%s/%s", j->ldir, part, f->name))) {
			rc = mc_oom(err, "path");
			break;
		}
		if (mj_open(j, &fr, path, f, err) < 0) {
			rc = -1;
			break;
		}
		while ((rc = wh_reader_next(&fr, &r, err)) > 0)
			if (r.op != MC_OP_SNAPSHOT && r.time > t &&
			    (!*found || pos_cmp(&r.pos, best) < 0)) {
				*best = r.pos;
				*found = 1;
			}
		wh_reader_close(&fr);
	}
	wh_manifest_free(&lm);
	return rc;
}

/* --at=DATETIME: the first log record of the table stamped after t. */
int mj_cut_at_time(struct mergejob *j, int64_t t, struct mc_err *err)
{
	const struct mc_ledger *L = &j->L;
	char **parts;
	size_t nparts;
	int found = 0, rc = 0;
	struct mc_pos best = { 0, 0, 0 };

	if (!L->has_hw || L->hw_time <= t)
		return mc_errf(err, MC_EXIT_DATA,
			       "the log has not reached %s yet (its last change is stamped %" PRId64 ")",
			       j->o.at, L->has_hw ? L->hw_time : 0);
	if (wh_list_parts(j->ldir, 0, &parts, &nparts, err) < 0)
		return -1;
	for (size_t i = 0; i < nparts && rc == 0; i++)
		rc = first_after(j, parts[i], t, &found, &best, err);
	wh_free_list(parts, nparts);
	if (rc < 0)
		return -1;
	if (found)
		j->upto = best;
	else
		j->upto_inf = 1;
	return 0;
}

/* Without a day: the newest complete partition that starts at or below
 * the point (NULL: none). */
static int newest_below(struct mergejob *j, char **done, size_t ndone, const char **newest,
			struct mc_err *err)
{
	for (size_t i = ndone; i-- > 0 && !*newest;) {
		int64_t d;
		struct wh_manifest pm;
		if (wh_part_day(done[i], &d) < 0)
			continue;
		if (wh_part_manifest(j->tdir, done[i], &pm, err) < 0)
			return -1;
		if (pm.kind == WH_BASE && pm.has_from &&
		    (j->upto_inf || pos_cmp(&pm.from, &j->upto) <= 0))
			*newest = done[i];
		wh_manifest_free(&pm);
	}
	return 0;
}

static int choose_in(struct mergejob *j, char **all, size_t nall, char **done, size_t ndone,
		     struct mc_err *err)
{
	const char *newest = NULL;
	int64_t nd = 0, day = j->o.day;
	int have_day = j->o.have_day;
	size_t i;

	if (!have_day && newest_below(j, done, ndone, &newest, err) < 0)
		return -1;
	/* the newest partition before the day: it must be complete */
	for (i = 0; i < nall && have_day; i++) {
		int64_t d;
		if (wh_part_day(all[i], &d) < 0 || d >= day)
			continue;
		if (!newest || d > nd) {
			newest = all[i];
			nd = d;
		}
	}
	if (!newest)
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s' has no full partition before %s (the first day's base is "
			       "the snapshot: load it with mc-tunnel-put)",
			       j->o.table, have_day ? j->o.ds : "the point");
	for (i = 0; i < ndone; i++)
		if (strcmp(done[i], newest) == 0)
			break;
	if (i == ndone)
		return mc_errf(err, MC_EXIT_DATA, "'%s/%s': no %s marker: the partition is incomplete",
			       j->tdir, newest, WH_MARKER);
	if (!(j->base_part = mc_strdup(newest)))
		return mc_oom(err, "base partition");
	if (wh_part_manifest(j->tdir, newest, &j->base_m, err) < 0)
		return -1;
	if (j->base_m.kind != WH_BASE || !j->base_m.has_from)
		return mc_errf(err, MC_EXIT_DATA, "'%s/%s/%s': not the marker of a full partition",
			       j->tdir, newest, WH_MARKER);
	j->from = j->base_m.from;
	return 0;
}

int mj_choose_base(struct mergejob *j, struct mc_err *err)
{
	char **all, **done;
	size_t nall, ndone;
	int rc;

	if (wh_list_parts(j->tdir, 1, &all, &nall, err) < 0)
		return -1;
	if (wh_list_parts(j->tdir, 0, &done, &ndone, err) < 0) {
		wh_free_list(all, nall);
		return -1;
	}
	rc = choose_in(j, all, nall, done, ndone, err);
	wh_free_list(all, nall);
	wh_free_list(done, ndone);
	return rc;
}
