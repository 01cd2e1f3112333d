/* mergejob_life.c: the lifecycle after a merge (docs/mc-merge.md): full
 * partitions --lifecycle days older than the new one are dropped, then the
 * log partitions that no kept full partition needs. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/num.h"
#include "wh/mergejob_int.h"

/* The rank among the table's histories (j->hist) of ledger source src
 * (has 0: the first): 0, or -1 when it is none of them. */
static int life_rank(const struct mergejob *j, int has, uint64_t src, size_t *rank)
{
	*rank = 0;
	if (!has)
		return 0;
	for (size_t r = 0; r < j->nhist; r++)
		if (j->hist[r] == src) {
			*rank = r;
			return 0;
		}
	return -1;
}

/* Lower lo (have: set) to global position g. */
static void life_lower(struct mc_pos *lo, int *have, struct mc_pos g)
{
	if (!*have || pos_cmp(&g, lo) < 0)
		*lo = g;
	*have = 1;
}

/* The re-snapshot generations of the table (docs/merge.md "Re-snapshots")
 * newer than gen (the oldest generation a kept full partition comes
 * from): a merge on such a partition (the next day, a rerun, an --at)
 * takes a newer complete generation as its base and reads the log from
 * its `from` on, which can be below the kept partitions' own. Each lowers
 * lo to its `from`; one still being loaded (no marker yet: its `from` can
 * still go down, chunks being read in parallel) and one of no history of
 * the table keep the whole log (lo 0). */
static int kept_gens(struct mergejob *j, uint64_t gen, struct mc_pos *lo, int *have,
		     struct mc_err *err)
{
	char *gdir = wh_pathf("%s/%s/%s", j->o.whdir, WH_RESNAP, j->o.table);
	char **all = NULL;
	size_t nall = 0;
	struct stat st;
	int rc = 0;
	if (!gdir)
		return mc_oom(err, "path");
	if (stat(gdir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(gdir);
		return 0;
	}
	if (wh_list_parts(gdir, 1, &all, &nall, err) < 0) {
		free(gdir);
		return -1;
	}
	for (size_t i = 0; i < nall && rc == 0; i++) {
		uint64_t g;
		size_t rank;
		struct wh_manifest m;
		const struct mc_pos zero = { 0, 0, 0 };
		const char *n = all[i];
		if (strncmp(n, WH_GEN_PART, sizeof WH_GEN_PART - 1) != 0 || strchr(n, '/') ||
		    num_u64(n + sizeof WH_GEN_PART - 1, &g) < 0 || g <= gen)
			continue;
		if ((rc = wh_part_manifest(gdir, n, &m, err)) < 0)
			break;
		if (rc == 0 || m.kind != WH_BASE || !m.has_from ||
		    life_rank(j, m.has_from_src, m.from_src, &rank) < 0) {
			if (rc == 0)
				mj_say(j, "lifecycle: the log is kept whole: the re-snapshot "
					  "'%s/%s/%s' is being loaded",
				       WH_RESNAP, j->o.table, n);
			life_lower(lo, have, zero);
		} else {
			life_lower(lo, have, mj_gpos(rank, m.from));
		}
		rc = 0;
		wh_manifest_free(&m);
	}
	wh_free_list(all, nall);
	free(gdir);
	return rc;
}

/* The lowest `from` of the table's complete full partitions, as a global
 * position (positions of two binlog histories compare by history first,
 * mj_gpos: after RESET MASTER a newer history's positions start low
 * again), and of the re-snapshot generations a merge on one of them can
 * take as its base (kept_gens): the log below it is needed by no rerun
 * and no --at that a kept partition can answer. 1 found, 0 when there is
 * none, -1. A `from` of no history of the table keeps the whole log (lo
 * 0). */
static int kept_from(struct mergejob *j, struct mc_pos *lo, struct mc_err *err)
{
	char **done;
	size_t ndone;
	int have = 0, rc = 0;
	uint64_t gen = 0;
	if (wh_list_parts(j->tdir, 0, &done, &ndone, err) < 0)
		return -1;
	for (size_t i = 0; i < ndone; i++) {
		struct wh_manifest pm;
		if (wh_part_manifest(j->tdir, done[i], &pm, err) < 0) {
			wh_free_list(done, ndone);
			return -1;
		}
		if (pm.kind == WH_BASE && pm.has_from) {
			size_t rank;
			struct mc_pos g = { 0, 0, 0 };
			if (life_rank(j, pm.has_from_src, pm.from_src, &rank) == 0)
				g = mj_gpos(rank, pm.from);
			if (!have || pm.gen < gen)
				gen = pm.gen;
			life_lower(lo, &have, g);
		}
		wh_manifest_free(&pm);
	}
	wh_free_list(done, ndone);
	if (have)
		rc = kept_gens(j, gen, lo, &have, err);
	return rc < 0 ? -1 : have;
}

/* Is log partition `part` needed: a file reaching lo (global) or above
 * (or with rows but no positions, or of no history of the table)? 1, 0,
 * -1. */
static int log_needed(struct mergejob *j, const char *part, const struct mc_pos *lo,
		      struct mc_err *err)
{
	struct wh_manifest lm;
	int needed = 0;
	if (wh_part_manifest(j->ldir, part, &lm, err) < 0)
		return -1;
	for (size_t i = 0; i < lm.nfiles && !needed; i++) {
		const struct wh_file *f = &lm.files[i];
		size_t rank;
		struct mc_pos hi;
		if (!f->has_pos) {
			needed = f->rows > 0;
			continue;
		}
		if (life_rank(j, f->has_src, f->src, &rank) < 0) {
			needed = 1;
			continue;
		}
		hi = mj_gpos(rank, f->hi);
		needed = pos_cmp(&hi, lo) >= 0;
	}
	wh_manifest_free(&lm);
	return needed;
}

static int drop(struct mergejob *j, const char *dir, const char *part, const char *suffix,
		struct mc_err *err)
{
	/* renamed aside first: a kill leaves no partition without part of
	 * its files (the next run removes what is left aside) */
	int rc = wh_drop_part_aside(dir, part, err);
	if (rc == 0)
		mj_say(j, "lifecycle: dropped '%s%s'", suffix, part);
	return rc;
}

/* Drop the log partitions that no kept full partition needs: complete,
 * named by a day before the high-water day of the table's source
 * (mc-tunnel-put writes no more into them), every file's positions below
 * the kept `from`. */
static int drop_log(struct mergejob *j, struct mc_err *err)
{
	const struct mc_ledger *L = &j->L;
	char **done;
	size_t ndone;
	struct mc_pos lo;
	int64_t hwday;
	int rc = 0;
	char *prefix;

	/* the newest change of the table's source (its histories): it files
	 * its changes by that day (another server's may be days ahead) */
	int has_hw = 0;
	int64_t hw = 0;
	for (size_t r = 0; r < j->nhist; r++) {
		const struct mc_ledger *h = ledger_src(&j->L, j->hist[r]);
		if (h->has_hw && (!has_hw || h->hw_time > hw)) {
			hw = h->hw_time;
			has_hw = 1;
		}
	}
	if (!has_hw)
		return 0;
	if ((rc = kept_from(j, &lo, err)) <= 0)
		return rc;
	hwday = day_of(hw, L->utc_off);
	if (wh_list_parts(j->ldir, 0, &done, &ndone, err) < 0)
		return -1;
	if (!(prefix = wh_pathf("%s_log/", j->o.table))) {
		wh_free_list(done, ndone);
		return mc_oom(err, "path");
	}
	rc = 0;
	for (size_t i = 0; i < ndone && rc == 0; i++) {
		int64_t d;
		int needed;
		if (wh_part_day(done[i], &d) < 0 || d >= hwday)
			continue;
		if ((needed = log_needed(j, done[i], &lo, err)) < 0)
			rc = -1;
		else if (!needed)
			rc = drop(j, j->ldir, done[i], prefix, err);
	}
	free(prefix);
	wh_free_list(done, ndone);
	return rc;
}

int mj_lifecycle(struct mergejob *j, struct mc_err *err)
{
	char **all;
	size_t nall;
	int rc = 0;
	if (j->o.lifecycle == 0)
		return 0;
	if (wh_list_parts(j->tdir, 1, &all, &nall, err) < 0)
		return -1;
	for (size_t i = 0; i < nall && rc == 0; i++) {
		int64_t d;
		if (wh_part_day(all[i], &d) == 0 && d <= j->o.day - (int64_t)j->o.lifecycle)
			rc = drop(j, j->tdir, all[i], "", err);
	}
	wh_free_list(all, nall);
	if (rc < 0)
		return -1;
	return drop_log(j, err);
}
