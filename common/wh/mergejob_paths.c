/* mergejob_paths.c: where a merge job may write (mergejob.h
 * mergejob_check_tmpdir, mergejob_int.h mj_output_outside): never inside
 * the warehouse it merges, paths compared resolved. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "wh/mergejob_int.h"
#include "wh/whpart.h"

/* path resolved (symbolic links, ".."); a path not there yet by its
 * nearest existing directory's, the rest appended. NULL when that does
 * not resolve either. */
static char *resolve_path(const char *path)
{
	char *o = realpath(path, NULL), *d, *slash;
	if (o || !(d = mc_strdup(path)))
		return o;
	/* d: the part to resolve; the rest (from path + strlen(d)) appended */
	while ((slash = strrchr(d, '/'))) {
		const char *rest = path + (slash - d);
		char *rd;
		if (slash == d)
			rd = realpath("/", NULL);
		else {
			*slash = 0;
			rd = realpath(d, NULL);
		}
		if (rd) {
			o = wh_pathf("%s%s", strcmp(rd, "/") == 0 ? "" : rd, rest);
			free(rd);
			break;
		}
		*slash = 0;
	}
	if (!o && path[0] != '/') { /* its first component not there: relative */
		char *cwd = realpath(".", NULL);
		if (cwd)
			o = wh_pathf("%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path);
		free(cwd);
	}
	free(d);
	return o;
}

/* Is resolved path o the resolved warehouse w or inside it? */
static int in_warehouse(const char *w, const char *o)
{
	size_t n = strlen(w);
	return n > 0 && strncmp(o, w, n) == 0 &&
	       (o[n] == '/' || o[n] == 0 || strcmp(w, "/") == 0);
}

/* --output must not name a place in the warehouse: the file is truncated
 * when the merge opens it, after the ledger is read and before the base
 * and the log are (a partition's data file, a log file, the ledger), and
 * removed when the merge fails. Paths are compared resolved (symbolic
 * links, ".."); a file not there yet by its directory's. */
int mj_output_outside(const struct mergejob_opts *mo, struct mc_err *err)
{
	const char *out = mo->output;
	char *w = realpath(mo->whdir, NULL), *o = w ? resolve_path(out) : NULL;
	int rc = 0;
	if (w && o && in_warehouse(w, o))
		rc = mc_errf(err, MC_EXIT_USAGE,
			     "--output='%s' is inside the warehouse '%s' (as '%s'): the merge would "
			     "overwrite what the warehouse holds, and remove it if it failed; write "
			     "the state outside the warehouse directory",
			     out, mo->whdir, o);
	free(w);
	free(o);
	return rc;
}

int mergejob_check_tmpdir(const struct mergejob_opts *o, struct mc_err *err)
{
	char *w, *t;
	int rc = 0;
	if (!o->tmpdir || !o->whdir)
		return 0;
	w = realpath(o->whdir, NULL);
	t = w ? resolve_path(o->tmpdir) : NULL;
	if (w && t && in_warehouse(w, t))
		rc = mc_errf(err, MC_EXIT_USAGE,
			     "--tmpdir='%s' is inside the warehouse '%s' (as '%s'): a table's merge "
			     "removes the temporaries in its directory (another table's spilled runs "
			     "there too, with --all while they are being written) and a partition "
			     "dropped or replaced takes what it holds; leave --tmpdir out (runs go to "
			     "the table's own directory) or give a directory outside the warehouse",
			     o->tmpdir, o->whdir, t);
	free(w);
	free(t);
	return rc;
}
