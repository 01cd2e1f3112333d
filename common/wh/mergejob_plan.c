/* mergejob_plan.c: what a merge job reads: the key, the upper end of the
 * log's range, and the base partition (docs/merge.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/num.h"
#include "base/day.h"
#include "wh/mergejob_int.h"

/* ---- sources and histories (docs/merge.md "Sources") ---- */

int mj_sources(struct mergejob *j, struct mc_err *err)
{
	size_t t = 0;
	ledger_tsrc_get(&j->L, j->o.table, &t);
	j->nhist = 0;
	for (size_t i = 0; i <= j->L.nmore; i++) {
		if (!ledger_src_same(&j->L, t, i))
			continue;
		if (j->nhist == MJ_MAX_HIST)
			return mc_errf(err, MC_EXIT_DATA,
				       "table '%s': its source has more than %d binlog histories in "
				       "the ledger", j->o.table, MJ_MAX_HIST);
		j->hist[j->nhist++] = i;
	}
	return 0;
}

int mj_rank(const struct mergejob *j, int has, uint64_t src, size_t *rank, const char *what,
	    struct mc_err *err)
{
	if (!has) {
		*rank = 0;
		return 0;
	}
	for (size_t r = 0; r < j->nhist; r++)
		if (j->hist[r] == src) {
			*rank = r;
			return 0;
		}
	return mc_errf(err, MC_EXIT_DATA,
		       "'%s': positions of the ledger's source %llu, which is not table '%s''s "
		       "source (a table fed by two servers has no order of its changes): reload "
		       "the table into a new warehouse from one server",
		       what, (unsigned long long)src, j->o.table);
}

int mj_file_committed(const struct mergejob *j, const char *name)
{
	uint64_t seq;
	return !wh_part_file_seq(name, &seq) || seq <= j->L.seq;
}

struct mc_pos mj_gpos(size_t rank, struct mc_pos p)
{
	p.file += (uint64_t)rank << MJ_RANK_SHIFT;
	return p;
}

static void pos_back(const struct mergejob *j, struct mc_pos *p, size_t *src)
{
	size_t rank = (size_t)(p->file >> MJ_RANK_SHIFT);
	p->file &= ((uint64_t)1 << MJ_RANK_SHIFT) - 1;
	*src = rank < j->nhist ? j->hist[rank] : 0;
}

void mj_manifest_out(const struct mergejob *j, struct wh_manifest *m)
{
	size_t src = 0, s2;
	if (m->has_from)
		pos_back(j, &m->from, &src);
	if (m->has_upto)
		pos_back(j, &m->upto, &s2);
	m->has_from_src = src != 0;
	m->from_src = src;
	for (size_t i = 0; i < m->nfiles; i++)
		if (m->files[i].has_pos) {
			pos_back(j, &m->files[i].lo, &s2);
			pos_back(j, &m->files[i].hi, &s2);
		}
}

int mj_check_followed(const struct mergejob *j, struct mc_err *err)
{
	char k[300], up[64];
	const char *v;
	struct mc_pos p;
	struct mc_err e = { 0 };
	snprintf(k, sizeof k, LEDGER_K_UNFOLLOWED "%s", j->o.table);
	if (!(v = ckpt_get(&j->L.rules, k)) || pos_parse(v, &p, &e) < 0)
		return 0;
	/* (where the filter changed: the history open then, the last; a
	 * range ends before upto, and P itself was read) */
	p = mj_gpos(j->nhist ? j->nhist - 1 : 0, p);
	if (!j->upto_inf && (pos_cmp(&j->upto, &p) <= 0 || (p.row++, pos_cmp(&j->upto, &p) <= 0)))
		return 0;
	if (j->upto_inf)
		snprintf(up, sizeof up, "the log's end");
	else
		pos_format(&j->upto, up, sizeof up);
	return mc_errf(err, MC_EXIT_DATA,
		       "table '%s': its source's tail has not read it since %s (its --tables "
		       "changed: ledger %s), and this merge reaches %s: the table's changes since "
		       "are nowhere; merge up to that point (--at=%s), or follow it again (load a "
		       "snapshot of it, then a tail that reads it, with --tables-changed)",
		       j->o.table, v, k, up, v);
}

int mj_day_cut(struct mergejob *j, int64_t day, struct mc_pos *upto)
{
	/* the histories in turn: the first that has the day's end; a closed
	 * one without it ended within or before the day (all of it is) */
	for (size_t r = 0; r < j->nhist; r++) {
		const struct mc_ledger *l = ledger_src(&j->L, j->hist[r]);
		struct mc_pos c;
		if (ledger_cut(l, day, &c)) {
			*upto = mj_gpos(r, c);
			return 1;
		}
		if (!l->closed)
			return 0;
	}
	return 0;
}

const struct mc_ledger *mj_at_src(struct mergejob *j, struct mc_err *err)
{
	if (j->nhist > 1) {
		mc_errf(err, MC_EXIT_DATA,
			"--at=%s: table '%s''s source has %zu binlog histories in the ledger (RESET "
			"MASTER or a new history): a position does not say which; use "
			"--at='YYYY-MM-DD hh:mm:ss'", j->o.at, j->o.table, j->nhist);
		return NULL;
	}
	return ledger_src(&j->L, j->nhist ? j->hist[0] : 0);
}

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
		size_t rank = 0;
		if (!f->has_time || f->tmax <= t || !mj_file_committed(j, f->name))
			continue;
		if (!(path = wh_pathf("%s/%s/%s", j->ldir, part, f->name))) {
			rc = mc_oom(err, "path");
			break;
		}
		rc = mj_rank(j, f->has_src, f->src, &rank, path, err);
		free(path);
		if (rc < 0)
			break;
		if (!(path = wh_pathf("%s/%s/%s", j->ldir, part, f->name))) {
			rc = mc_oom(err, "path");
			break;
		}
		if (mj_open(j, &fr, path, f, err) < 0) {
			rc = -1;
			break;
		}
		fr.lenient = 1; /* times only: any schema */
		fr.want_ddl = 1; /* a TRUNCATE, DROP or CREATE of the table is a change */
		while ((rc = wh_reader_next(&fr, &r, err)) > 0) {
			struct mc_pos g = mj_gpos(rank, r.pos);
			if ((r.kind == MC_R_DDL || r.op != MC_OP_SNAPSHOT) && r.time > t &&
			    (!*found || pos_cmp(&g, best) < 0)) {
				*best = g;
				*found = 1;
			}
		}
		wh_reader_close(&fr);
	}
	wh_manifest_free(&lm);
	return rc;
}

/* The first statement of the table's schema history stamped after t (an
 * ALTER after t is not in the state at t, whatever row comes after it). */
static int hist_after(struct mergejob *j, int64_t t, int *found, struct mc_pos *best,
		      struct mc_err *err)
{
	struct wh_hist h;
	if (mj_hist_read(j, &h, NULL, err) < 0)
		return -1;
	for (size_t v = 0; v <= h.n; v++) {
		const struct wh_hddl *d = v < h.n ? h.v[v].ddl : h.pend;
		size_t n = v < h.n ? h.v[v].nddl : h.npend;
		for (size_t i = 0; i < n; i++)
			if (d[i].time > t && (!*found || pos_cmp(&d[i].pos, best) < 0)) {
				*best = d[i].pos;
				*found = 1;
			}
	}
	wh_hist_free(&h);
	return 0;
}

/* --at=DATETIME: the first log record of the table stamped after t, or
 * statement of its schema history. */
int mj_cut_at_time(struct mergejob *j, int64_t t, struct mc_err *err)
{
	char **parts;
	size_t nparts;
	int found = 0, rc = 0, has_hw = 0;
	int64_t hw = 0;
	struct mc_pos best = { 0, 0, 0 };

	/* the table's source's last change (of any of its histories) */
	for (size_t r = 0; r < j->nhist; r++) {
		const struct mc_ledger *l = ledger_src(&j->L, j->hist[r]);
		if (l->has_hw && (!has_hw || l->hw_time > hw)) {
			hw = l->hw_time;
			has_hw = 1;
		}
	}
	if (!has_hw || hw <= t) {
		char last[24];
		datetime_format(hw + j->L.utc_off, last);
		/* (the state at t holds every change stamped t: more of them may
		 * come while no later one has) */
		return mc_errf(err, MC_EXIT_DATA, "the log has not reached past %s yet (%s%s%s)",
			       j->o.at, has_hw ? "its last change is at " : "no change loaded",
			       has_hw ? last : "", has_hw && hw == t ? ": more changes of that second "
			       "may come; --at takes the state after all of them" : "");
	}
	if (wh_list_parts(j->ldir, 0, &parts, &nparts, err) < 0)
		return -1;
	for (size_t i = 0; i < nparts && rc == 0; i++)
		rc = first_after(j, parts[i], t, &found, &best, err);
	wh_free_list(parts, nparts);
	if (rc < 0 || hist_after(j, t, &found, &best, err) < 0)
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
		size_t rank = 0;
		struct mc_pos from;
		if (wh_part_manifest(j->tdir, done[i], &pm, err) < 0)
			return -1;
		if (mj_rank(j, pm.has_from_src, pm.from_src, &rank, done[i], err) < 0) {
			wh_manifest_free(&pm);
			return -1;
		}
		from = mj_gpos(rank, pm.from);
		if (pm.kind == WH_BASE && pm.has_from &&
		    (j->upto_inf || pos_cmp(&from, &j->upto) <= 0))
			*newest = done[i];
		wh_manifest_free(&pm);
	}
	return 0;
}

/* A re-snapshot generation (docs/merge.md "Re-snapshots") can be the
 * base when it is complete and all of it lies before the point: every row
 * and chunk read below upto (and, for an --at time, every row stamped at
 * or before it). */
static int gen_usable(struct mergejob *j, const struct wh_manifest *m, size_t rank)
{
	struct mc_pos w = mj_gpos(rank, m->wmax);
	if (m->kind != WH_BASE || !m->has_from)
		return 0;
	if (m->has_wmax && !j->upto_inf && pos_cmp(&w, &j->upto) >= 0)
		return 0; /* a chunk without rows read after the point */
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct wh_file *f = &m->files[i];
		struct mc_pos hi = mj_gpos(rank, f->hi);
		if (f->rows && f->has_pos && !j->upto_inf && pos_cmp(&hi, &j->upto) >= 0)
			return 0;
		if (f->rows && f->has_time && j->o.at && !j->o.at_is_pos &&
		    f->tmax > j->o.at_time - j->L.utc_off)
			return 0;
	}
	return 1;
}

/* The newest generation of the table's re-snapshots newer than the base
 * chosen that can be the base replaces it: its rows and the log from its
 * lowest watermark on give the state. */
static int choose_gen(struct mergejob *j, struct mc_err *err)
{
	char *gdir = wh_pathf("%s/%s/%s", j->o.whdir, WH_RESNAP, j->o.table);
	char **done = NULL;
	size_t ndone = 0;
	int rc = 0;
	struct stat st;
	if (!gdir)
		return mc_oom(err, "path");
	if (stat(gdir, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    wh_list_parts(gdir, 0, &done, &ndone, err) < 0) {
		rc = errno == ENOENT || (stat(gdir, &st) == 0 && !S_ISDIR(st.st_mode)) ? 0 : -1;
		if (rc < 0 && !err->msg[0])
			mc_errnof(err, errno, "'%s'", gdir);
		free(gdir);
		return rc;
	}
	for (size_t i = ndone; i-- > 0 && rc == 0;) {
		uint64_t g;
		size_t rank = 0;
		struct wh_manifest m;
		const char *n = done[i];
		if (strncmp(n, WH_GEN_PART, sizeof WH_GEN_PART - 1) != 0 || strchr(n, '/') ||
		    num_u64(n + sizeof WH_GEN_PART - 1, &g) < 0 || g <= j->base_gen)
			continue;
		if ((rc = wh_part_manifest(gdir, n, &m, err)) < 0)
			break;
		if ((rc = mj_rank(j, m.has_from_src, m.from_src, &rank, n, err)) < 0) {
			wh_manifest_free(&m);
			break;
		}
		if (!gen_usable(j, &m, rank)) {
			wh_manifest_free(&m);
			continue;
		}
		free(j->base_part);
		wh_manifest_free(&j->base_m);
		if (!(j->base_part = mc_strdup(n))) {
			wh_manifest_free(&m);
			rc = mc_oom(err, "base partition");
			break;
		}
		j->base_m = m;
		j->base_rank = rank;
		j->base_gen = g;
		j->gdir = gdir;
		gdir = NULL;
		break;
	}
	wh_free_list(done, ndone);
	free(gdir);
	return rc;
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
	if (!newest) {
		/* the oldest partition it holds, at or after the day: the ones
		 * before were dropped (--lifecycle) or the snapshot is newer */
		const char *oldest = NULL;
		int64_t od = 0;
		for (i = 0; i < nall && have_day; i++) {
			int64_t d;
			if (wh_part_day(all[i], &d) == 0 && (!oldest || d < od)) {
				oldest = all[i];
				od = d;
			}
		}
		for (i = 0; oldest && i < ndone; i++)
			if (!strcmp(done[i], oldest) && od == day)
				return mc_errf(err, MC_EXIT_DATA,
					       "table '%s': '%s' is merged already and no full "
					       "partition before it is left (dropped by --lifecycle): "
					       "it cannot be merged again; it is kept as it is",
					       j->o.table, oldest);
		if (oldest)
			return mc_errf(err, MC_EXIT_DATA,
				       "table '%s' has no full partition before %s: its oldest is "
				       "'%s' (older ones dropped by --lifecycle, or the snapshot "
				       "is of a later day), so that day's state cannot be made "
				       "again: merge a day after it",
				       j->o.table, j->o.ds, oldest);
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s' has no full partition before %s (the first day's base is "
			       "the snapshot: load it with mc-tunnel-put)",
			       j->o.table, have_day ? j->o.ds : "the point");
	}
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
	if (mj_rank(j, j->base_m.has_from_src, j->base_m.from_src, &j->base_rank, newest, err) < 0)
		return -1;
	j->base_gen = j->base_m.gen;
	if (choose_gen(j, err) < 0)
		return -1;
	/* positions in the job are global: the base's from, and the rows of a
	 * snapshot (watermarks of its history) */
	j->from = mj_gpos(j->base_rank, j->base_m.from);
	for (size_t f = 0; f < j->base_m.nfiles && j->base_m.by == WH_BY_PUT; f++) {
		j->base_m.files[f].lo = mj_gpos(j->base_rank, j->base_m.files[f].lo);
		j->base_m.files[f].hi = mj_gpos(j->base_rank, j->base_m.files[f].hi);
	}
	if (j->o.emit_sql && j->gdir)
		return mc_errf(err, MC_EXIT_DATA,
			       "--emit-sql: table '%s''s base is its re-snapshot '%s/%s/%s', which "
			       "the warehouse of the SQL does not hold: merge that day with mc-merge "
			       "--ds first", j->o.table, WH_RESNAP, j->o.table, j->base_part);
	/* the SQL merge selects the log's rows by position: one history only */
	if (j->o.emit_sql && j->nhist > 1)
		return mc_errf(err, MC_EXIT_DATA,
			       "--emit-sql: table '%s''s source has %zu binlog histories in the "
			       "ledger (RESET MASTER or a new history): its log's positions repeat, "
			       "which a SQL range cannot tell apart; merge it with mc-merge --ds",
			       j->o.table, j->nhist);
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
