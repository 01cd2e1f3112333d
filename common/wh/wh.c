#include "wh/wh.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/alloc.h"
#include "stream/ckpt.h"
#include "stream/crc32c.h"
#include "base/io.h"
#include "stream/mctype.h"
#include "base/num.h"
#include "stream/recio.h"

/* ---- names ---- */

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

int wh_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > WH_MAX_NAME || s[0] == '_')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i]))
			return 0;
	return 1;
}

int wh_default_name(const struct mc_str *db, const struct mc_str *table, char *out, size_t outsz,
		    struct mc_err *err)
{
	int n = snprintf(out, outsz, "%.*s__%.*s", (int)db->n, db->p, (int)table->n, table->p);
	if (n < 0 || (size_t)n >= outsz || !wh_name_ok(out, (size_t)n) || db->n == 0)
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%.*s.%.*s' has no valid warehouse name (want [A-Za-z0-9_], "
			       "at most %d characters): give one with --name",
			       (int)db->n, db->p, (int)table->n, table->p, WH_MAX_NAME);
	return 0;
}

int wh_part_ok(const char *s)
{
	const char *p = s;
	if (!*p)
		return 0;
	for (;;) {
		const char *k = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
			p++;
		if (p == k || *p != '=')
			return 0;
		k = ++p;
		while (name_char(*p) || *p == '.' || *p == '-')
			p++;
		if (p == k)
			return 0;
		if (*p == 0)
			return 1;
		if (*p != '/')
			return 0;
		p++;
	}
}

/* ---- data file names ---- */

void wh_part_file_name(uint64_t seq, char out[WH_PART_FILE_MAX])
{
	snprintf(out, WH_PART_FILE_MAX, WH_PART_PREFIX "%06" PRIu64 WH_PART_SUFFIX, seq);
}

int wh_part_file_seq(const char *name, uint64_t *seq)
{
	size_t n = strlen(name), pn = sizeof WH_PART_PREFIX - 1, sn = sizeof WH_PART_SUFFIX - 1;
	return n > pn + sn && strncmp(name, WH_PART_PREFIX, pn) == 0 &&
	       strcmp(name + n - sn, WH_PART_SUFFIX) == 0 &&
	       num_u64n(name + pn, n - pn - sn, seq) == 0;
}

/* ---- files ---- */

int wh_mkdirs(const char *path, struct mc_err *err)
{
	char *p = strdup(path);
	size_t n;
	if (!p)
		return mc_errnof(err, ENOMEM, "'%s'", path);
	n = strlen(p);
	for (size_t i = 1; i <= n; i++) {
		struct stat st;
		if (p[i] != '/' && p[i] != 0)
			continue;
		p[i] = 0;
		if (stat(p, &st) < 0) {
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				mc_errnof(err, errno, "'%s': mkdir", p);
				free(p);
				return -1;
			}
			if (afile_sync_dir(p, err) < 0) { /* p is a dir: syncs it; then its parent */
				free(p);
				return -1;
			}
			{
				char *slash = strrchr(p, '/');
				int rc = 0;
				if (slash && slash != p) {
					*slash = 0;
					rc = afile_sync_dir(p, err);
					*slash = '/';
				} else if (!slash) {
					rc = afile_sync_dir(".", err);
				}
				if (rc < 0) {
					free(p);
					return -1;
				}
			}
		} else if (!S_ISDIR(st.st_mode)) {
			mc_errf(err, MC_EXIT_DATA, "'%s': not a directory", p);
			free(p);
			return -1;
		}
		if (i < n)
			p[i] = '/';
	}
	free(p);
	return 0;
}

/* Is fd (locked) the file at path still? 1, 0, -1 (errno). */
static int lock_is_path(const char *path, int fd)
{
	struct stat a, b;
	if (fstat(fd, &a) < 0)
		return -1;
	if (stat(path, &b) < 0)
		return errno == ENOENT ? 0 : -1;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int wh_lock(const char *path, int *fd, struct mc_err *err)
{
	for (int tries = 0;; tries++) {
		int same;
		*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (*fd < 0)
			return mc_errnof(err, errno, "'%s'", path);
		if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			close(*fd);
			*fd = -1;
			if (e == EWOULDBLOCK)
				return mc_errf(err, MC_EXIT_TRANSIENT, "'%s': locked by another process",
					       path);
			return mc_errnof(err, e, "'%s': lock", path);
		}
		/* (removed, or replaced, between the open and the lock: the
		 * lock is on a file nobody else will lock; again) */
		if ((same = lock_is_path(path, *fd)) == 1)
			return 0;
		close(*fd);
		*fd = -1;
		if (same < 0 || tries == 10)
			return mc_errf(err, MC_EXIT_TRANSIENT, "'%s': the lock file keeps being "
				       "removed or replaced", path);
	}
}

int wh_lock_check(const char *path, int fd, struct mc_err *err)
{
	int same = lock_is_path(path, fd);
	if (same == 1)
		return 0;
	if (same < 0)
		return mc_errnof(err, errno, "'%s'", path);
	return mc_errf(err, MC_EXIT_TRANSIENT,
		       "'%s': the lock file this run holds was removed or replaced: another run "
		       "may be writing now; stopped before the next commit (nothing of it "
		       "kept); run again (never remove the lock file of a running writer)", path);
}

int wh_rmtree(const char *path, struct mc_err *err)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : mc_errnof(err, errno, "'%s'", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return mc_errnof(err, errno, "'%s': unlink", path);
		return 0;
	}
	d = opendir(path);
	if (!d)
		return mc_errnof(err, errno, "'%s'", path);
	while (rc == 0 && (e = readdir(d))) {
		struct mc_buf b = { 0 };
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (buf_addf(&b, "%s/%s%c", path, e->d_name, 0) < 0)
			rc = mc_errnof(err, ENOMEM, "'%s'", path);
		else
			rc = wh_rmtree(b.p, err);
		buf_free(&b);
	}
	closedir(d);
	if (rc == 0 && rmdir(path) < 0 && errno != ENOENT)
		rc = mc_errnof(err, errno, "'%s': rmdir", path);
	return rc;
}

/* ---- manifests ---- */

static int parse_pos_or_dash(const char *s, size_t n, int *has, struct mc_pos *p)
{
	char tmp[80];
	struct mc_err e;
	if (n == 1 && s[0] == '-') {
		*has = 0;
		return 0;
	}
	if (n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	*has = 1;
	return pos_parse(tmp, p, &e);
}

static int parse_i64n(const char *s, size_t n, int64_t *v)
{
	char tmp[32];
	if (n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	return num_i64(tmp, v);
}

/* "rows bytes lo hi tmin tmax [src]" */
static int file_parse(const char *v, struct wh_file *f)
{
	const char *w[7];
	size_t wn[7];
	const char *p = v;
	int hp2, ht2 = 0, nw = 6;
	struct mc_pos hi;
	for (int i = 0; i < nw; i++) {
		const char *sp = strchr(p, ' ');
		w[i] = p;
		wn[i] = sp ? (size_t)(sp - p) : strlen(p);
		if (i == 5 && sp)
			nw = 7; /* the source, written when it is not the first */
		if ((i < nw - 1) != (sp != NULL))
			return -1;
		p = sp ? sp + 1 : p + wn[i];
	}
	if (nw == 7) {
		f->has_src = 1;
		if (num_u64n(w[6], wn[6], &f->src) < 0)
			return -1;
	}
	if (num_u64n(w[0], wn[0], &f->rows) < 0 || num_u64n(w[1], wn[1], &f->bytes) < 0 ||
	    parse_pos_or_dash(w[2], wn[2], &f->has_pos, &f->lo) < 0 ||
	    parse_pos_or_dash(w[3], wn[3], &hp2, &hi) < 0 || hp2 != f->has_pos)
		return -1;
	f->hi = hi;
	if (wn[4] == 1 && w[4][0] == '-') {
		if (wn[5] != 1 || w[5][0] != '-')
			return -1;
		f->has_time = 0;
		return 0;
	}
	(void)ht2;
	f->has_time = 1;
	return parse_i64n(w[4], wn[4], &f->tmin) < 0 || parse_i64n(w[5], wn[5], &f->tmax) < 0 ? -1
												   : 0;
}

int wh_manifest_read(const char *path, struct wh_manifest *m, struct mc_err *err)
{
	struct ckpt c;
	int rc;
	const char *v;

	memset(m, 0, sizeof *m);
	rc = ckpt_read(path, &c, err);
	if (rc <= 0)
		return rc;
	v = ckpt_get(&c, WH_M_KIND);
	if (!v || (strcmp(v, "base") && strcmp(v, "log")))
		goto bad;
	m->kind = strcmp(v, "log") == 0 ? WH_LOG : WH_BASE;
	v = ckpt_get(&c, WH_M_MADE_BY);
	if (!v || (strcmp(v, "mc-tunnel-put") && strcmp(v, "mc-merge")))
		goto bad;
	m->by = strcmp(v, "mc-merge") == 0 ? WH_BY_MERGE : WH_BY_PUT;
	v = ckpt_get(&c, WH_M_SORTED);
	m->sorted = v && strcmp(v, "yes") == 0;
	if ((v = ckpt_get(&c, WH_M_SORTED_KEY)) && strlen(v) < sizeof m->sorted_key)
		strcpy(m->sorted_key, v);
	if ((v = ckpt_get(&c, WH_M_FROM))) {
		m->has_from = 1;
		if (pos_parse(v, &m->from, err) < 0)
			goto bad;
	}
	if ((v = ckpt_get(&c, WH_M_UPTO))) {
		m->has_upto = 1;
		if (pos_parse(v, &m->upto, err) < 0)
			goto bad;
	}
	if ((v = ckpt_get(&c, WH_M_FROM_SRC))) {
		m->has_from_src = 1;
		if (num_u64(v, &m->from_src) < 0)
			goto bad;
	}
	if ((v = ckpt_get(&c, WH_M_COMMIT)) && num_u64(v, &m->commit) < 0)
		goto bad;
	if ((v = ckpt_get(&c, WH_M_GEN)) && num_u64(v, &m->gen) < 0)
		goto bad;
	if ((v = ckpt_get(&c, WH_M_WMAX))) {
		m->has_wmax = 1;
		if (pos_parse(v, &m->wmax, err) < 0)
			goto bad;
	}
	for (size_t i = 0; i < c.n; i++) {
		struct wh_file f;
		if (strncmp(c.kv[i].k, WH_M_FILE, sizeof WH_M_FILE - 1) != 0)
			continue;
		memset(&f, 0, sizeof f);
		f.name = c.kv[i].k + sizeof WH_M_FILE - 1;
		if (!*f.name || file_parse(c.kv[i].v, &f) < 0)
			goto bad;
		if (wh_manifest_add(m, &f, err) < 0) {
			ckpt_free(&c);
			wh_manifest_free(m);
			return -1;
		}
	}
	ckpt_free(&c);
	return 1;
bad:
	ckpt_free(&c);
	wh_manifest_free(m);
	return mc_errf(err, MC_EXIT_DATA, "'%s': malformed partition marker", path);
}

int wh_manifest_write(const char *path, const struct wh_manifest *m, struct mc_err *err)
{
	struct ckpt c = { 0 };
	char a[64], z[64], v[256];
	int rc;

	rc = ckpt_append(&c, WH_M_KIND, m->kind == WH_LOG ? "log" : "base", err);
	if (rc == 0)
		rc = ckpt_append(&c, WH_M_MADE_BY, m->by == WH_BY_MERGE ? "mc-merge" : "mc-tunnel-put",
				 err);
	if (rc == 0)
		rc = ckpt_append(&c, WH_M_SORTED, m->sorted ? "yes" : "no", err);
	if (rc == 0 && m->sorted && m->sorted_key[0])
		rc = ckpt_append(&c, WH_M_SORTED_KEY, m->sorted_key, err);
	if (rc == 0 && m->has_from) {
		pos_format(&m->from, a, sizeof a);
		rc = ckpt_append(&c, WH_M_FROM, a, err);
	}
	if (rc == 0 && m->has_upto) {
		pos_format(&m->upto, a, sizeof a);
		rc = ckpt_append(&c, WH_M_UPTO, a, err);
	}
	if (rc == 0 && m->has_from_src) {
		snprintf(v, sizeof v, "%" PRIu64, m->from_src);
		rc = ckpt_append(&c, WH_M_FROM_SRC, v, err);
	}
	if (rc == 0 && m->commit) {
		snprintf(v, sizeof v, "%" PRIu64, m->commit);
		rc = ckpt_append(&c, WH_M_COMMIT, v, err);
	}
	if (rc == 0 && m->gen) {
		snprintf(v, sizeof v, "%" PRIu64, m->gen);
		rc = ckpt_append(&c, WH_M_GEN, v, err);
	}
	if (rc == 0 && m->has_wmax) {
		pos_format(&m->wmax, a, sizeof a);
		rc = ckpt_append(&c, WH_M_WMAX, a, err);
	}
	if (rc == 0) {
		snprintf(v, sizeof v, "%" PRIu64, wh_manifest_rows(m));
		rc = ckpt_append(&c, WH_M_ROWS, v, err);
	}
	if (rc == 0) {
		snprintf(v, sizeof v, "%zu", m->nfiles);
		rc = ckpt_append(&c, WH_M_FILES, v, err);
	}
	for (size_t i = 0; rc == 0 && i < m->nfiles; i++) {
		const struct wh_file *f = &m->files[i];
		struct mc_buf k = { 0 };
		a[0] = z[0] = '-';
		a[1] = z[1] = 0;
		if (f->has_pos) {
			pos_format(&f->lo, a, sizeof a);
			pos_format(&f->hi, z, sizeof z);
		}
		if (f->has_time)
			snprintf(v, sizeof v, "%" PRIu64 " %" PRIu64 " %s %s %" PRId64 " %" PRId64,
				 f->rows, f->bytes, a, z, f->tmin, f->tmax);
		else
			snprintf(v, sizeof v, "%" PRIu64 " %" PRIu64 " %s %s - -", f->rows, f->bytes,
				 a, z);
		if (f->has_src)
			snprintf(v + strlen(v), sizeof v - strlen(v), " %" PRIu64, f->src);
		if (buf_addf(&k, WH_M_FILE "%s%c", f->name, 0) < 0)
			rc = mc_oom(err, path);
		else
			rc = ckpt_append(&c, k.p, v, err);
		buf_free(&k);
	}
	if (rc == 0)
		rc = ckpt_write(path, &c, err);
	ckpt_free(&c);
	return rc;
}

int wh_manifest_add(struct wh_manifest *m, const struct wh_file *f, struct mc_err *err)
{
	size_t i = 0;
	char *name;
	while (i < m->nfiles && strcmp(m->files[i].name, f->name) < 0)
		i++;
	name = mc_strdup(f->name);
	if (!name)
		return mc_oom(err, "manifest");
	if (i < m->nfiles && strcmp(m->files[i].name, f->name) == 0) {
		free(m->files[i].name);
		m->files[i] = *f;
		m->files[i].name = name;
		return 0;
	}
	if (mc_grow(&m->files, &m->cap, m->nfiles + 1, sizeof *m->files) < 0) {
		free(name);
		return mc_oom(err, "manifest");
	}
	memmove(&m->files[i + 1], &m->files[i], (m->nfiles - i) * sizeof *m->files);
	m->files[i] = *f;
	m->files[i].name = name;
	m->nfiles++;
	return 0;
}

int wh_manifest_remove(struct wh_manifest *m, const char *name)
{
	for (size_t i = 0; i < m->nfiles; i++) {
		if (strcmp(m->files[i].name, name) == 0) {
			free(m->files[i].name);
			memmove(&m->files[i], &m->files[i + 1],
				(m->nfiles - i - 1) * sizeof *m->files);
			m->nfiles--;
			return 1;
		}
	}
	return 0;
}

uint64_t wh_manifest_rows(const struct wh_manifest *m)
{
	uint64_t n = 0;
	for (size_t i = 0; i < m->nfiles; i++)
		n += m->files[i].rows;
	return n;
}

void wh_manifest_free(struct wh_manifest *m)
{
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i].name);
	free(m->files);
	memset(m, 0, sizeof *m);
}

/* ---- schemas ---- */

/* Read every record of a schema file, calling fn for each schema. */
static int schema_scan(const char *path, int (*fn)(const struct mc_rec *, void *), void *ctx,
		       struct mc_err *err)
{
	struct rio_reader rd;
	struct mc_rec r;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	if (fd < 0)
		return errno == ENOENT ? 0 : mc_errnof(err, errno, "'%s'", path);
	rio_init(&rd, fd, RIO_MCR);
	while ((rc = rio_next(&rd, &r, err)) > 0)
		if (r.kind == MC_R_SCHEMA && fn(&r, ctx) < 0) {
			rc = -1;
			break;
		}
	rio_close(&rd);
	close(fd);
	if (rc < 0)
		return mc_errctx(err, "'%s': ", path);
	return 1;
}

static int keep_last(const struct mc_rec *r, void *ctx)
{
	struct mc_err e;
	return schema_copy_set(ctx, r, &e);
}

int wh_schema_read(const char *path, struct schema_copy *s, struct mc_err *err)
{
	int rc = schema_scan(path, keep_last, s, err);
	if (rc > 0 && !s->have)
		return mc_errf(err, MC_EXIT_DATA, "'%s': no schema record", path);
	return rc;
}

int wh_schema_has(const char *path, const struct mc_rec *r, struct mc_err *err)
{
	struct rio_reader rd;
	struct mc_rec x;
	int fd = open(path, O_RDONLY | O_CLOEXEC), k, found = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : mc_errnof(err, errno, "'%s'", path);
	rio_init(&rd, fd, RIO_MCR);
	while (!found && (k = rio_next(&rd, &x, err)) > 0)
		found = x.kind == MC_R_SCHEMA && schema_same(&x, r);
	rio_close(&rd);
	close(fd);
	return found ? 1 : k < 0 ? mc_errctx(err, "'%s': ", path) : 0;
}

int wh_schema_append(const char *path, const struct mc_rec *r, struct mc_err *err)
{
	struct mc_buf old = { 0 }, out = { 0 };
	struct schema_copy last = { 0 };
	struct mc_rec h;
	int rc = wh_schema_read(path, &last, err);
	size_t body = 0;

	if (rc < 0)
		return -1;
	if (rc > 0 && last.rec.schema_version == r->schema_version && schema_same(&last.rec, r)) {
		schema_copy_free(&last);
		return 0;
	}
	schema_copy_free(&last);
	/* Rebuild: header, the old schema records, the new one, trailer. */
	memset(&h, 0, sizeof h);
	h.kind = MC_R_HEADER;
	h.version = MC_REC_VERSION;
	if (rec_encode(&out, &h, err) < 0)
		return -1;
	if (rc > 0) {
		struct rio_reader rd;
		struct mc_rec x;
		int fd = open(path, O_RDONLY | O_CLOEXEC), k;
		if (fd < 0)
			return mc_errnof(err, errno, "'%s'", path);
		rio_init(&rd, fd, RIO_MCR);
		while ((k = rio_next(&rd, &x, err)) > 0)
			if (x.kind == MC_R_SCHEMA) {
				if (rec_encode(&out, &x, err) < 0) {
					k = -1;
					break;
				}
				body++;
			}
		rio_close(&rd);
		close(fd);
		if (k < 0) {
			buf_free(&out);
			return -1;
		}
	}
	if (rec_encode(&out, r, err) < 0) {
		buf_free(&out);
		return -1;
	}
	body++;
	memset(&h, 0, sizeof h);
	h.kind = MC_R_TRAILER;
	h.count = body;
	h.has_crc = 1;
	h.crc = crc32c(0, out.p, out.len);
	if (rec_encode(&out, &h, err) < 0) {
		buf_free(&out);
		return -1;
	}
	rc = afile_write(path, out.p, out.len, err);
	buf_free(&out);
	buf_free(&old);
	return rc;
}

/* ---- partitions ---- */

struct plist {
	char **v;
	size_t n, cap;
};

static int plist_add(struct plist *l, const char *s)
{
	if (mc_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v) < 0)
		return -1;
	if (!(l->v[l->n] = mc_strdup(s)))
		return -1;
	l->n++;
	return 0;
}

static int is_part_dir(const char *name)
{
	const char *eq = strchr(name, '=');
	char tmp[512];
	if (!eq || name[0] == '.' || strlen(name) >= sizeof tmp || strchr(name, '/'))
		return 0;
	return wh_part_ok(name);
}

static int walk(const char *tabledir, const char *rel, int all, struct plist *l, struct mc_err *err)
{
	struct mc_buf path = { 0 };
	DIR *d;
	struct dirent *e;
	int rc = 0, has_sub = 0, has_marker = 0;

	if (buf_addf(&path, "%s%s%s%c", tabledir, *rel ? "/" : "", rel, 0) < 0)
		return mc_errnof(err, ENOMEM, "'%s'", tabledir);
	d = opendir(path.p);
	if (!d) {
		rc = errno == ENOENT && !*rel ? 0 : mc_errnof(err, errno, "'%s'", path.p);
		buf_free(&path);
		return rc;
	}
	while (rc == 0 && (e = readdir(d))) {
		if (strcmp(e->d_name, WH_MARKER) == 0)
			has_marker = 1;
		if (is_part_dir(e->d_name)) {
			struct mc_buf sub = { 0 };
			struct stat st;
			struct mc_buf full = { 0 };
			buf_addf(&full, "%s/%s%c", path.p, e->d_name, 0);
			if (full.p && stat(full.p, &st) == 0 && S_ISDIR(st.st_mode)) {
				has_sub = 1;
				if (buf_addf(&sub, "%s%s%s%c", rel, *rel ? "/" : "", e->d_name, 0) < 0)
					rc = mc_errnof(err, ENOMEM, "'%s'", path.p);
				else
					rc = walk(tabledir, sub.p, all, l, err);
			}
			buf_free(&sub);
			buf_free(&full);
		}
	}
	closedir(d);
	if (rc == 0 && *rel && !has_sub && (has_marker || all) && plist_add(l, rel) < 0)
		rc = mc_errnof(err, ENOMEM, "'%s'", path.p);
	buf_free(&path);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int wh_list_parts(const char *tabledir, int all, char ***parts, size_t *n, struct mc_err *err)
{
	struct plist l = { 0 };
	if (walk(tabledir, "", all, &l, err) < 0) {
		wh_free_list(l.v, l.n);
		return -1;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof *l.v, cmp_str);
	*parts = l.v;
	*n = l.n;
	return 0;
}

void wh_free_list(char **parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(parts[i]);
	free(parts);
}
