/* mergejob_paths.c: where a merge job may write (mergejob.h
 * mergejob_check_tmpdir, mergejob_int.h mj_output_outside): never inside
 * the warehouse it merges, paths compared resolved. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

int wh_path_outside(const char *opt, const char *path, const char *whdir, const char *why,
		    struct mc_err *err)
{
	/* (a warehouse not made yet: by its nearest directory, as the path) */
	char *w = resolve_path(whdir), *o = w ? resolve_path(path) : NULL;
	size_t n = w ? strlen(w) : 0;
	int rc = 0;
	if (o && n > 0 && strncmp(o, w, n) == 0 &&
	    (o[n] == '/' || o[n] == 0 || strcmp(w, "/") == 0))
		rc = mc_errf(err, MC_EXIT_USAGE, "%s='%s' is inside the warehouse '%s' (as '%s'): %s",
			     opt, path, whdir, o, why);
	free(w);
	free(o);
	return rc;
}

int wh_paths_outside(const char *ckpt, const char *metrics, const char *whdir, struct mc_err *err)
{
	static const char why[] = "the file would replace what the warehouse holds (its ledger, a "
				  "data file), which no rerun repairs; write it outside the directory";
	if (!whdir)
		return 0;
	if (ckpt && strcmp(ckpt, "-") != 0 && wh_path_outside("--checkpoint-out", ckpt, whdir, why, err) < 0)
		return -1;
	return metrics ? wh_path_outside("--metrics", metrics, whdir, why, err) : 0;
}

/* --output must not name a place in the warehouse: the file is truncated
 * when the merge opens it, after the ledger is read and before the base
 * and the log are (a partition's data file, a log file, the ledger), and
 * removed when the merge fails. Paths are compared resolved (symbolic
 * links, ".."); a file not there yet by its directory's. */
int mj_output_outside(const struct mergejob_opts *mo, struct mc_err *err)
{
	return wh_path_outside("--output", mo->output, mo->whdir,
		       "the merge would overwrite what the warehouse holds, and remove it if it "
		       "failed; write the state outside the warehouse directory", err);
}

int mergejob_check_tmpdir(const struct mergejob_opts *o, struct mc_err *err)
{
	struct stat st;
	int bad;
	if (!o->tmpdir || !o->whdir)
		return 0;
	if (wh_path_outside("--tmpdir", o->tmpdir, o->whdir,
		    "a table's merge removes the temporaries in its directory (another table's "
		    "spilled runs there too, with --all while they are being written) and a "
		    "partition dropped or replaced takes what it holds; leave --tmpdir out (runs "
		    "go to the table's own directory) or give a directory outside the warehouse",
		    err) < 0)
		return -1;
	/* there, at the start (else said as an error of the log file being
	 * read when the first run spilled) */
	bad = stat(o->tmpdir, &st) != 0 ? errno : !S_ISDIR(st.st_mode) ? ENOTDIR : 0;
	if (bad)
		return mc_errf(err, MC_EXIT_USAGE, "--tmpdir '%s': %s", o->tmpdir, strerror(bad));
	return 0;
}
