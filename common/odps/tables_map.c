/* tables_map.c: which columns of a MaxCompute table are which SQL columns
 * of its schema history (odps_tables_evolve). The table holds the columns
 * of some version u of the history, named as of u (a column dropped keeps
 * its last name); its columns are found by those names, not by the newest
 * ones, which another column may have held before (RENAME a TO b, b TO a;
 * b TO c then a TO b; a TO b then ADD a). The state records u after each
 * evolve (STATE/_mcsync/evolved/NAME: the number of versions); without it
 * (a table made before, a state recovered) the version is found from the
 * names, and refused when two versions fit with other columns under them. */
#include "odps/tables.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/alloc.h"
#include "wh/sqlhist.h"
#include "wh/wh.h"
#include "wh/whpart.h"

#define EVOLVED_DIR "_mcsync/evolved"

/* SQL column p's name as of version u: its name in the newest version <= u
 * that has it; NULL when it comes after u. */
static const struct mc_str *name_at(const struct wh_sqlhist *x, size_t u, size_t p)
{
	for (size_t v = u + 1; v-- > 0;) {
		long i = wh_sqlhist_col(x, v, p);
		if (i >= 0)
			return &x->h->v[v].s.rec.cols[i].name;
	}
	return NULL;
}

long odps_map_tmp(const struct odps_desc *d, const struct mc_col *pc)
{
	char t[300];
	snprintf(t, sizeof t, ODPS_RN_PREFIX "%.*s", (int)pc->name.n, pc->name.p);
	return odps_desc_col(d, t, strlen(t));
}

/* map[p] of version u (-1: a column to add) when the table's data columns
 * are exactly version u's (a column halfway through a rename by its
 * temporary name; more of them: only with o->proceed); else 0. */
static int match_at(const struct odps_tables_opts *o, const struct wh_sqlhist *x,
		    const struct odps_desc *d, const char *isdata, size_t u, long *map, char *used)
{
	memset(used, 0, d->ncols + 1);
	for (size_t p = 0; p < x->nphys; p++) {
		const struct mc_str *n = name_at(x, u, p);
		long j = -1;
		if (n && (j = odps_desc_col(d, n->p, n->n)) < 0)
			j = odps_map_tmp(d, x->pcol[p]);
		if (n && (j < 0 || used[j] || !isdata[j]))
			return 0;
		if (j >= 0)
			used[j] = 1;
		map[p] = j;
	}
	for (size_t i = 0; i < d->ncols; i++)
		if (isdata[i] && !used[i] && !o->proceed)
			return 0;
	return 1;
}

static char *mark_path(const struct odps_tables_opts *o, const char *name)
{
	char *s;
	size_t n = strlen(o->state) + strlen(name) + sizeof EVOLVED_DIR + 8;
	if (!(s = malloc(n)))
		return NULL;
	snprintf(s, n, "%s/" EVOLVED_DIR "/%s", o->state, name);
	return s;
}

/* The state's record of table name: the number of versions it holds
 * (*n; 0: none), or, while its columns are renamed, *n the versions it
 * goes to, *from those it held and *stage 0 (renames to temporary names
 * under way) or 1 (from them to the new names). */
static void mark_read(const struct odps_tables_opts *o, const char *name, size_t *n, size_t *from,
		      int *stage)
{
	char *path;
	FILE *f;
	unsigned long long a = 0, b = 0;
	int c = 0;
	*n = *from = 0;
	*stage = 0;
	if (!o->state || !(path = mark_path(o, name)))
		return;
	if ((f = fopen(path, "r"))) {
		int k = fscanf(f, "%llu %llu %d", &a, &b, &c);
		if (k == 1 || (k == 3 && b && (c == 0 || c == 1))) {
			*n = (size_t)a;
			*from = k == 3 ? (size_t)b : 0;
			*stage = c;
		}
		fclose(f);
	}
	free(path);
}

int odps_map_mark(const struct odps_tables_opts *o, const char *name, size_t n, size_t from,
		  int stage, int only_new, struct mc_err *err)
{
	char *path, *tmp = NULL, *dir = NULL;
	FILE *f = NULL;
	size_t had, hf;
	int hs, rc = -1;
	if (!o->state)
		return 0;
	mark_read(o, name, &had, &hf, &hs);
	if (only_new && had)
		return 0;
	if (!(path = mark_path(o, name)) || !(tmp = wh_pathf("%s.tmp", path)) ||
	    !(dir = wh_pathf("%s/" EVOLVED_DIR, o->state))) {
		mc_oom(err, "path");
		goto out;
	}
	if (wh_mkdirs(dir, err) < 0)
		goto out;
	if (!(f = fopen(tmp, "w")) ||
	    (from ? fprintf(f, "%zu %zu %d\n", n, from, stage) : fprintf(f, "%zu\n", n)) < 0 ||
	    fflush(f) != 0 || fsync(fileno(f)) != 0) {
		mc_errf(err, MC_EXIT_TRANSIENT, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(f) != 0 || (f = NULL, rename(tmp, path) != 0)) {
		f = NULL;
		mc_errf(err, MC_EXIT_TRANSIENT, "%s: %s", path, strerror(errno));
		goto out;
	}
	f = NULL;
	rc = 0;
out:
	if (f)
		fclose(f);
	free(path);
	free(tmp);
	free(dir);
	return rc;
}

/* map while the renames from version from - 1 to n - 1 are under way:
 * stage 0, by the old names or the temporary ones; stage 1, by the
 * temporary names or the new ones (every renamed column went through its
 * temporary name before any took its new one: no name is another's). */
static int map_midway(const struct wh_sqlhist *x, const struct odps_desc *d, size_t from,
		      int stage, const char *tbl, long *map, char *used, struct mc_err *err)
{
	memset(used, 0, d->ncols + 1);
	for (size_t p = 0; p < x->nphys; p++) {
		const struct mc_str *n = stage ? &x->pcol[p]->name : name_at(x, from - 1, p);
		long j = stage ? odps_map_tmp(d, x->pcol[p]) : -1;
		if (j < 0 && n)
			j = odps_desc_col(d, n->p, n->n);
		if (j < 0 && !stage)
			j = odps_map_tmp(d, x->pcol[p]);
		if (j >= 0 && used[j])
			return mc_errf(err, MC_EXIT_DATA, "%s: its column '%s' is two columns of the "
				       "history midway through their renames: drop or rename the "
				       "table, or write into another project", tbl, d->names[j]);
		if (j >= 0)
			used[j] = 1;
		map[p] = j;
	}
	return 1;
}

int odps_map_cols(const struct odps_tables_opts *o, const struct wh_sqlhist *x,
		  const struct odps_desc *d, const char *isdata, const char *name, const char *tbl,
		  long *map, size_t *held, int *stage, struct mc_err *err)
{
	size_t n = x->h->n, at, from, first = 0;
	long *m2 = calloc(x->nphys + 1, sizeof *m2);
	char *used = calloc(d->ncols + 1, 1);
	int rc = 0, have = 0;
	mark_read(o, name, &at, &from, stage);
	*held = 0;
	if (!m2 || !used) {
		rc = mc_oom(err, "columns");
		goto out;
	}
	if (from && (at != n || from > n)) {
		rc = mc_errf(err, MC_EXIT_DATA, "%s: the renames of its columns from version %zu of "
			     "the schema history to version %zu were cut short (" EVOLVED_DIR
			     "/%s), and the history has %zu versions now: load the table from a "
			     "snapshot into another table (mc-tunnel-put --name, a new --state)",
			     tbl, from, at, name, n);
		goto out;
	}
	if (from) {
		*held = from;
		rc = map_midway(x, d, from, *stage, tbl, map, used, err);
		goto out;
	}
	*stage = -1;
	if (at && at <= n && match_at(o, x, d, isdata, at - 1, map, used)) {
		*held = at;
		rc = 1;
		goto out;
	}
	for (size_t u = 0; u < n && rc == 0; u++) {
		if (!match_at(o, x, d, isdata, u, have ? m2 : map, used))
			continue;
		if (!have) {
			have = 1;
			first = u;
		} else if (memcmp(map, m2, x->nphys * sizeof *map))
			rc = mc_errf(err, MC_EXIT_DATA, "%s: its columns fit versions %zu and %zu of "
				     "the schema history of %.*s.%.*s, with other columns under the "
				     "same names (columns that swapped names), and this state does not "
				     "record which it holds (" EVOLVED_DIR "/%s): load the table from "
				     "a snapshot into another table (mc-tunnel-put --name, a new "
				     "--state)", tbl, first + 1, u + 1,
				     (int)x->h->v[n - 1].s.rec.db.n, x->h->v[n - 1].s.rec.db.p,
				     (int)x->h->v[n - 1].s.rec.table.n, x->h->v[n - 1].s.rec.table.p,
				     name);
	}
	if (rc == 0 && have)
		*held = first + 1;
	if (rc == 0)
		rc = have;
out:
	free(m2);
	free(used);
	return rc;
}
