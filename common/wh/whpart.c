#include "wh/whpart.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/alloc.h"

char *wh_pathf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(s = malloc((size_t)n + 1))) {
		errno = ENOMEM;
		return NULL;
	}
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

int wh_part_day(const char *spec, int64_t *day)
{
	char d[9];
	if (strncmp(spec, "ds=", 3) != 0 || strlen(spec) != 11)
		return -1;
	memcpy(d, spec + 3, 8);
	d[8] = 0;
	return day_parse(d, day);
}

int wh_part_manifest(const char *tdir, const char *part, struct wh_manifest *m,
		     struct mc_err *err)
{
	char *mp = wh_pathf("%s/%s/%s", tdir, part, WH_MARKER);
	int rc;
	if (!mp) {
		memset(m, 0, sizeof *m);
		return mc_oom(err, "path");
	}
	rc = wh_manifest_read(mp, m, err);
	free(mp);
	return rc;
}

int wh_clean_tmp(const char *tdir, struct mc_err *err)
{
	DIR *d = opendir(tdir);
	struct dirent *e;
	int rc = 0;
	if (!d)
		return 0;
	while (rc == 0 && (e = readdir(d)))
		if (strncmp(e->d_name, ".tmp-", 5) == 0) {
			char *p = wh_pathf("%s/%s", tdir, e->d_name);
			if (!p)
				rc = mc_oom(err, "path");
			else
				rc = wh_rmtree(p, err);
			free(p);
		}
	closedir(d);
	return rc;
}

int wh_drop_part(const char *pdir, struct mc_err *err)
{
	char *mk = wh_pathf("%s/%s", pdir, WH_MARKER);
	int rc = 0;
	if (!mk)
		return mc_oom(err, "path");
	if (unlink(mk) == 0 && afile_sync_dir(pdir, err) < 0)
		rc = -1;
	else if (wh_rmtree(pdir, err) < 0 || afile_sync_dir(pdir, err) < 0)
		rc = -1;
	free(mk);
	return rc;
}

int wh_reader_open(struct wh_reader *r, char *path, const struct wh_file *f,
		   const struct mc_rec *schema, struct mc_err *err)
{
	struct stat st;
	memset(r, 0, sizeof *r);
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		mc_errnof(err, errno, "'%s'", path);
		free(path);
		return -1;
	}
	if (fstat(r->fd, &st) == 0 && (uint64_t)st.st_size != f->bytes) {
		mc_errf(err, MC_EXIT_DATA,
			"'%s': %llu bytes, the partition marker says %llu: corrupt partition", path,
			(unsigned long long)st.st_size, (unsigned long long)f->bytes);
		close(r->fd);
		free(path);
		return -1;
	}
	r->path = path;
	r->f = f;
	r->schema = schema;
	rio_init(&r->rd, r->fd, RIO_MCR);
	r->open = 1;
	return 0;
}

void wh_reader_close(struct wh_reader *r)
{
	if (!r->open)
		return;
	rio_close(&r->rd);
	close(r->fd);
	free(r->path);
	r->path = NULL;
	r->open = 0;
}

int wh_reader_next(struct wh_reader *r, struct mc_rec *rec, struct mc_err *err)
{
	int rc;
	while ((rc = rio_next(&r->rd, rec, err)) > 0) {
		if (rec->kind == MC_R_ROW) {
			r->rows++;
			return 1;
		}
		if (rec->kind == MC_R_SCHEMA && !schema_same(rec, r->schema)) {
			char why[300];
			schema_diff(rec, r->schema, why, sizeof why);
			return mc_errf(err, MC_EXIT_DATA,
				       "'%s': record %llu: schema differs from the table's: %s",
				       r->path, (unsigned long long)r->rd.recno, why);
		}
	}
	if (rc < 0)
		return mc_errctx(err, "'%s': ", r->path);
	if (r->rows != r->f->rows)
		return mc_errf(err, MC_EXIT_DATA,
			       "'%s': %llu rows, the partition marker says %llu: corrupt partition",
			       r->path, (unsigned long long)r->rows,
			       (unsigned long long)r->f->rows);
	return 0;
}
