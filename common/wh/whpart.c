#include "wh/whpart.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/alloc.h"

char *wh_merge_lock_path(const char *whdir, const char *table, size_t n)
{
	return wh_pathf("%s/%s/merge-%.*s.lock", whdir, WH_STATE, (int)n, table);
}

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
	return wh_clean_prefix(tdir, ".tmp-", err);
}

int wh_clean_prefix(const char *tdir, const char *prefix, struct mc_err *err)
{
	DIR *d = opendir(tdir);
	struct dirent *e;
	size_t pl = strlen(prefix);
	int rc = 0;
	if (!d)
		return 0;
	while (rc == 0 && (e = readdir(d)))
		if (strncmp(e->d_name, prefix, pl) == 0) {
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

void wh_sweep_init(struct wh_sweep *s, const char *const *dirs, size_t n)
{
	memset(s, 0, sizeof *s);
	for (size_t i = 0; i < n && s->ndirs < WH_SWEEP_DIRS; i++)
		if (dirs[i] && strlen(dirs[i]) < WH_SWEEP_PATH)
			memcpy(s->dir[s->ndirs++], dirs[i], strlen(dirs[i]) + 1);
	snprintf(s->needle, sizeof s->needle, ".%ld.", (long)getpid());
}

/* A directory entry as getdents64 gives it. */
struct dent64 {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* Remove the entries of directory dfd (at depth 0 only this process's
 * ".tmp-*" ones, with what they hold). Raw getdents64 and no allocation:
 * async-signal-safe. */
static void sweep_dir(int dfd, const char *needle, int depth)
{
	char buf[4096];
	long n;
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof buf)) > 0)
		for (long at = 0; at < n;) {
			const struct dent64 *d = (const struct dent64 *)(buf + at);
			at += d->reclen;
			if (strcmp(d->name, ".") == 0 || strcmp(d->name, "..") == 0)
				continue;
			if (depth == 0 && (strncmp(d->name, ".tmp-", 5) != 0 || !strstr(d->name, needle)))
				continue;
			if (unlinkat(dfd, d->name, 0) == 0 || errno != EISDIR)
				continue;
			if (depth == 0) {
				int sub = openat(dfd, d->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (sub >= 0) {
					sweep_dir(sub, needle, 1);
					close(sub);
				}
				unlinkat(dfd, d->name, AT_REMOVEDIR);
			}
		}
}

void wh_sweep_now(const struct wh_sweep *s)
{
	int saved = errno;
	for (size_t i = 0; i < s->ndirs; i++) {
		/* a removal changes the listing: list again until nothing is left */
		for (int round = 0; round < 2; round++) {
			int fd = open(s->dir[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				break;
			sweep_dir(fd, s->needle, 0);
			close(fd);
		}
	}
	errno = saved;
}

int wh_clean_dead_tmp(const char *dir, const char *what, struct mc_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t wl = strlen(what);
	int rc = 0;
	if (!d)
		return 0;
	while (rc == 0 && (e = readdir(d))) {
		const char *n = e->d_name, *pe;
		char *end;
		long pid;
		if (strncmp(n, ".tmp-", 5) != 0 || strncmp(n + 5, what, wl) != 0 || n[5 + wl] != '.')
			continue;
		errno = 0;
		pid = strtol(n + 6 + wl, &end, 10);
		pe = end;
		if (errno || pid <= 0 || end == n + 6 + wl || *pe != '.')
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* alive (or not ours to ask): leave it */
		{
			char *p = wh_pathf("%s/%s", dir, n);
			if (!p)
				rc = mc_oom(err, "path");
			else
				rc = wh_rmtree(p, err);
			free(p);
		}
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

int wh_drop_part_aside(const char *tdir, const char *part, struct mc_err *err)
{
	static unsigned seq;
	char *p = wh_pathf("%s/%s", tdir, part), *a = NULL;
	int rc = -1;
	if (!p)
		return mc_oom(err, "path");
	for (;;) {
		free(a);
		if (!(a = wh_pathf("%s/%s%ld.%u", tdir, WH_DROP_PREFIX, (long)getpid(), seq++))) {
			mc_oom(err, "path");
			goto out;
		}
		if (rename(p, a) == 0)
			break;
		if (errno != EEXIST && errno != ENOTEMPTY) {
			mc_errnof(err, errno, "'%s': rename to '%s'", p, a);
			goto out;
		}
	}
	/* gone from the listing once both directories are on disk: tdir, and
	 * a nested partition's own (p, gone, names it: afile_sync_dir) */
	if (afile_sync_dir(tdir, err) < 0 || (strchr(part, '/') && afile_sync_dir(p, err) < 0))
		goto out;
	rc = wh_rmtree(a, err) < 0 || afile_sync_dir(tdir, err) < 0 ? -1 : 0;
out:
	free(p);
	free(a);
	return rc;
}

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int wh_swap_dirs(const char *a, const char *b, struct mc_err *err)
{
#ifdef SYS_renameat2
	if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0)
		return 1;
	if (errno == ENOSYS || errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP)
		return 0;
	return mc_errnof(err, errno, "'%s': rename (exchange with '%s')", b, a);
#else
	(void)a;
	(void)b;
	(void)err;
	return 0;
#endif
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
	schema_copy_free(&r->cur);
	r->path = NULL;
	r->open = 0;
}

int wh_reader_next(struct wh_reader *r, struct mc_rec *rec, struct mc_err *err)
{
	int rc;
	while ((rc = rio_next(&r->rd, rec, err)) > 0) {
		if (rec->kind == MC_R_ROW || rec->kind == MC_R_DDL) {
			r->rows++;
			if (rec->kind == MC_R_ROW || r->want_ddl)
				return 1;
			continue;
		}
		if (rec->kind == MC_R_SCHEMA && !schema_same(rec, r->schema)) {
			schema_diff(rec, r->schema, r->why, sizeof r->why);
			if (!r->lenient)
				return mc_errf(err, MC_EXIT_DATA,
					       "'%s': record %llu: schema differs from the table's: %s",
					       r->path, (unsigned long long)r->rd.recno, r->why);
			r->foreign = 1;
			if (r->keep_cur && schema_copy_set(&r->cur, rec, err) < 0)
				return -1;
		} else if (rec->kind == MC_R_SCHEMA) {
			r->foreign = 0;
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
