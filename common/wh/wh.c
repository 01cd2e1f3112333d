#include "wh/wh.h"

#include "stream/mctype.h"

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
#include "stream/ckpt.h"
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

/* ---- days (proleptic Gregorian, Howard Hinnant's algorithms) ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int ndigits(const char *s, size_t n, unsigned *v)
{
	uint64_t u;
	if (num_u64n(s, n, &u) < 0)
		return -1;
	*v = (unsigned)u;
	return 0;
}

static int date_ok(unsigned y, unsigned m, unsigned d)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1000 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	return 1;
}

int wh_day_parse(const char *s, int64_t *day)
{
	unsigned y, m, d;
	if (strlen(s) != 8 || ndigits(s, 4, &y) < 0 || ndigits(s + 4, 2, &m) < 0 ||
	    ndigits(s + 6, 2, &d) < 0 || !date_ok(y, m, d))
		return -1;
	*day = days_from_civil(y, m, d);
	return 0;
}

void wh_day_format(int64_t day, char out[16])
{
	int64_t y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	snprintf(out, 16, "%04u%02u%02u", (unsigned)y % 10000u, m % 100u, d % 100u);
}

int64_t wh_day_of(int64_t t, int64_t utc_off)
{
	int64_t x = t + utc_off;
	return x >= 0 ? x / 86400 : -((-x + 86399) / 86400);
}

int wh_datetime_parse(const char *s, int64_t *t)
{
	unsigned y, mo, d, h = 0, mi = 0, se = 0;
	size_t n = strlen(s);
	if ((n != 10 && n != 19) || s[4] != '-' || s[7] != '-' || ndigits(s, 4, &y) < 0 ||
	    ndigits(s + 5, 2, &mo) < 0 || ndigits(s + 8, 2, &d) < 0 || !date_ok(y, mo, d))
		return -1;
	if (n == 19 && (s[10] != ' ' && s[10] != 'T'))
		return -1;
	if (n == 19 && (s[13] != ':' || s[16] != ':' || ndigits(s + 11, 2, &h) < 0 ||
			ndigits(s + 14, 2, &mi) < 0 || ndigits(s + 17, 2, &se) < 0 || h > 23 ||
			mi > 59 || se > 59))
		return -1;
	*t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
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

int wh_lock(const char *path, int *fd, struct mc_err *err)
{
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*fd < 0)
		return mc_errnof(err, errno, "'%s'", path);
	if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(*fd);
		*fd = -1;
		if (e == EWOULDBLOCK)
			return mc_errf(err, MC_EXIT_TRANSIENT, "'%s': locked by another process", path);
		return mc_errnof(err, e, "'%s': lock", path);
	}
	return 0;
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

int wh_slurp(const char *path, struct mc_buf *b, struct mc_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;
	if (fd < 0)
		return mc_errnof(err, errno, "'%s'", path);
	do {
		if (buf_grow(b, 65536) < 0) {
			close(fd);
			return mc_errnof(err, ENOMEM, "'%s'", path);
		}
		r = io_read(fd, b->p + b->len, b->cap - b->len);
		if (r > 0)
			b->len += (size_t)r;
	} while (r > 0);
	if (r < 0) {
		int e = errno;
		close(fd);
		return mc_errnof(err, e, "'%s'", path);
	}
	close(fd);
	return 0;
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

/* "rows bytes lo hi tmin tmax" */
static int file_parse(const char *v, struct wh_file *f)
{
	const char *w[6];
	size_t wn[6];
	const char *p = v;
	int hp2, ht2 = 0;
	struct mc_pos hi;
	for (int i = 0; i < 6; i++) {
		const char *sp = strchr(p, ' ');
		w[i] = p;
		wn[i] = sp ? (size_t)(sp - p) : strlen(p);
		if ((i < 5) != (sp != NULL))
			return -1;
		p = sp ? sp + 1 : p + wn[i];
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
	v = ckpt_get(&c, "kind");
	if (!v || (strcmp(v, "base") && strcmp(v, "log")))
		goto bad;
	m->kind = strcmp(v, "log") == 0 ? WH_LOG : WH_BASE;
	v = ckpt_get(&c, "made_by");
	if (!v || (strcmp(v, "mc-tunnel-put") && strcmp(v, "mc-merge")))
		goto bad;
	m->by = strcmp(v, "mc-merge") == 0 ? WH_BY_MERGE : WH_BY_PUT;
	v = ckpt_get(&c, "sorted");
	m->sorted = v && strcmp(v, "yes") == 0;
	if ((v = ckpt_get(&c, "from"))) {
		m->has_from = 1;
		if (pos_parse(v, &m->from, err) < 0)
			goto bad;
	}
	if ((v = ckpt_get(&c, "upto"))) {
		m->has_upto = 1;
		if (pos_parse(v, &m->upto, err) < 0)
			goto bad;
	}
	if ((v = ckpt_get(&c, "commit")) && num_u64(v, &m->commit) < 0)
		goto bad;
	for (size_t i = 0; i < c.n; i++) {
		struct wh_file f;
		if (strncmp(c.kv[i].k, "file.", 5) != 0)
			continue;
		memset(&f, 0, sizeof f);
		f.name = c.kv[i].k + 5;
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
	struct mc_buf b = { 0 };
	char a[64], z[64];
	int rc = 0;

	rc |= buf_addf(&b, "mcsync-checkpoint 1\nkind %s\nmade_by %s\nsorted %s\n",
		       m->kind == WH_LOG ? "log" : "base",
		       m->by == WH_BY_MERGE ? "mc-merge" : "mc-tunnel-put", m->sorted ? "yes" : "no");
	if (m->has_from) {
		pos_format(&m->from, a, sizeof a);
		rc |= buf_addf(&b, "from %s\n", a);
	}
	if (m->has_upto) {
		pos_format(&m->upto, a, sizeof a);
		rc |= buf_addf(&b, "upto %s\n", a);
	}
	if (m->commit)
		rc |= buf_addf(&b, "commit %" PRIu64 "\n", m->commit);
	rc |= buf_addf(&b, "rows %" PRIu64 "\nfiles %zu\n", wh_manifest_rows(m), m->nfiles);
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct wh_file *f = &m->files[i];
		a[0] = z[0] = '-';
		a[1] = z[1] = 0;
		if (f->has_pos) {
			pos_format(&f->lo, a, sizeof a);
			pos_format(&f->hi, z, sizeof z);
		}
		rc |= buf_addf(&b, "file.%s %" PRIu64 " %" PRIu64 " %s %s ", f->name, f->rows,
			       f->bytes, a, z);
		if (f->has_time)
			rc |= buf_addf(&b, "%" PRId64 " %" PRId64 "\n", f->tmin, f->tmax);
		else
			rc |= buf_adds(&b, "- -\n");
	}
	if (rc < 0) {
		buf_free(&b);
		return mc_errnof(err, ENOMEM, "'%s'", path);
	}
	rc = afile_write(path, b.p, b.len, err);
	buf_free(&b);
	return rc;
}

int wh_manifest_add(struct wh_manifest *m, const struct wh_file *f, struct mc_err *err)
{
	size_t i = 0;
	char *name;
	while (i < m->nfiles && strcmp(m->files[i].name, f->name) < 0)
		i++;
	name = strdup(f->name);
	if (!name)
		return mc_errnof(err, ENOMEM, "manifest");
	if (i < m->nfiles && strcmp(m->files[i].name, f->name) == 0) {
		free(m->files[i].name);
		m->files[i] = *f;
		m->files[i].name = name;
		return 0;
	}
	if (m->nfiles == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct wh_file *nf = realloc(m->files, cap * sizeof *nf);
		if (!nf) {
			free(name);
			return mc_errnof(err, ENOMEM, "manifest");
		}
		m->files = nf;
		m->cap = cap;
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

int wh_schema_set(struct wh_schema *s, const struct mc_rec *r, struct mc_err *err)
{
	size_t used;
	s->raw.len = 0;
	s->have = 0;
	if (rec_encode(&s->raw, r, err) < 0)
		return -1;
	if (rec_decode(s->raw.p, s->raw.len, 0, &used, &s->rec, &s->sc, err) != 1)
		return mc_errf(err, MC_EXIT_DATA, "schema copy failed");
	s->have = 1;
	return 0;
}

void wh_schema_free(struct wh_schema *s)
{
	buf_free(&s->raw);
	rec_scratch_free(&s->sc);
	memset(s, 0, sizeof *s);
}

static int str_eq(const struct mc_str *a, const struct mc_str *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

/* Columns agree when name and nullability are equal and the types are the
 * same type however the source spelled them (mc-snapshot reads
 * information_schema, mc-binlog-tail rebuilds them from table maps). */
static int col_same(const struct mc_col *x, const struct mc_col *y)
{
	return str_eq(&x->name, &y->name) && x->nullable == y->nullable &&
	       mctype_same(x->mysql_type.p, x->mysql_type.n, y->mysql_type.p, y->mysql_type.n);
}

void wh_schema_diff(const struct mc_rec *a, const struct mc_rec *b, char *out, size_t outsz)
{
	size_t n = a->ncols < b->ncols ? a->ncols : b->ncols;
	for (size_t i = 0; i < n; i++) {
		const struct mc_col *x = &a->cols[i], *y = &b->cols[i];
		if (!col_same(x, y)) {
			snprintf(out, outsz, "column %zu is '%.*s' %.*s%s, not '%.*s' %.*s%s", i + 1,
				 (int)x->name.n, x->name.p, (int)x->mysql_type.n, x->mysql_type.p,
				 x->nullable ? "" : " not null", (int)y->name.n, y->name.p,
				 (int)y->mysql_type.n, y->mysql_type.p, y->nullable ? "" : " not null");
			return;
		}
	}
	if (a->ncols != b->ncols) {
		snprintf(out, outsz, "%zu columns, not %zu", a->ncols, b->ncols);
		return;
	}
	snprintf(out, outsz, "the keys differ");
}

int wh_schema_same(const struct mc_rec *a, const struct mc_rec *b)
{
	if (a->ncols != b->ncols || a->nkey != b->nkey)
		return 0;
	for (size_t i = 0; i < a->ncols; i++) {
		const struct mc_col *x = &a->cols[i], *y = &b->cols[i];
		if (!col_same(x, y))
			return 0;
	}
	for (size_t i = 0; i < a->nkey; i++)
		if (a->key[i] != b->key[i])
			return 0;
	return 1;
}

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
	return wh_schema_set(ctx, r, &e);
}

int wh_schema_read(const char *path, struct wh_schema *s, struct mc_err *err)
{
	int rc = schema_scan(path, keep_last, s, err);
	if (rc > 0 && !s->have)
		return mc_errf(err, MC_EXIT_DATA, "'%s': no schema record", path);
	return rc;
}

int wh_schema_append(const char *path, const struct mc_rec *r, struct mc_err *err)
{
	struct mc_buf old = { 0 }, out = { 0 };
	struct wh_schema last = { 0 };
	struct mc_rec h;
	int rc = wh_schema_read(path, &last, err);
	size_t body = 0;

	if (rc < 0)
		return -1;
	if (rc > 0 && last.rec.schema_version == r->schema_version && wh_schema_same(&last.rec, r)) {
		wh_schema_free(&last);
		return 0;
	}
	wh_schema_free(&last);
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
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(s)))
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

/* ---- ledger ---- */

static int ledger_path(const char *dir, struct mc_buf *b)
{
	return buf_addf(b, "%s/%s%c", dir, WH_LEDGER, 0);
}

int wh_ledger_read(const char *dir, struct wh_ledger *l, struct mc_err *err)
{
	struct mc_buf path = { 0 };
	struct ckpt c;
	const char *v;
	int rc;

	memset(l, 0, sizeof *l);
	if (ledger_path(dir, &path) < 0)
		return mc_errnof(err, ENOMEM, "ledger");
	rc = ckpt_read(path.p, &c, err);
	if (rc <= 0) {
		buf_free(&path);
		return rc;
	}
	if (!(v = ckpt_get(&c, "seq")) || num_u64(v, &l->seq) < 0)
		goto bad;
	if ((v = ckpt_get(&c, "pos"))) {
		l->has_pos = 1;
		if (pos_parse(v, &l->pos, err) < 0)
			goto bad;
	}
	if ((v = ckpt_get(&c, "snapshot_rows")) && num_u64(v, &l->snapshot_rows) < 0)
		goto bad;
	if ((v = ckpt_get(&c, "hw_time"))) {
		l->has_hw = 1;
		if (num_i64(v, &l->hw_time) < 0)
			goto bad;
	}
	if ((v = ckpt_get(&c, "utc_offset")) && num_i64(v, &l->utc_off) < 0)
		goto bad;
	if ((v = ckpt_get(&c, "resume"))) {
		l->has_resume = 1;
		if (pos_parse(v, &l->resume, err) < 0)
			goto bad;
	}
	if ((v = ckpt_get(&c, "gtid")) && *v && !(l->gtid = strdup(v))) {
		ckpt_free(&c);
		buf_free(&path);
		wh_ledger_free(l);
		return mc_errnof(err, ENOMEM, "ledger");
	}
	if ((v = ckpt_get(&c, "snapshot_low"))) {
		l->has_snap_low = 1;
		if (pos_parse(v, &l->snap_low, err) < 0)
			goto bad;
	}
	for (size_t i = 0; i < c.n; i++)
		if ((strncmp(c.kv[i].k, "table.", 6) == 0 || strncmp(c.kv[i].k, "hex.", 4) == 0) &&
		    wh_ledger_snap_set(l, c.kv[i].k, c.kv[i].v, err) < 0) {
			ckpt_free(&c);
			buf_free(&path);
			wh_ledger_free(l);
			return -1;
		}
	if ((v = ckpt_get(&c, "first_pos"))) {
		const char *t = ckpt_get(&c, "first_time");
		l->has_first = 1;
		if (pos_parse(v, &l->first_pos, err) < 0 || !t || num_i64(t, &l->first_time) < 0)
			goto bad;
	}
	for (size_t i = 0; i < c.n; i++) {
		struct wh_cut cut;
		if (strncmp(c.kv[i].k, "cut.", 4) != 0)
			continue;
		if (wh_day_parse(c.kv[i].k + 4, &cut.day) < 0 || pos_parse(c.kv[i].v, &cut.pos, err) < 0)
			goto bad;
		if (l->ncuts == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 16;
			struct wh_cut *nc = realloc(l->cuts, cap * sizeof *nc);
			if (!nc) {
				ckpt_free(&c);
				buf_free(&path);
				wh_ledger_free(l);
				return mc_errnof(err, ENOMEM, "ledger");
			}
			l->cuts = nc;
			l->cap = cap;
		}
		l->cuts[l->ncuts++] = cut;
	}
	ckpt_free(&c);
	buf_free(&path);
	return 1;
bad:
	mc_errf(err, MC_EXIT_DATA, "'%s': malformed ledger", path.p);
	ckpt_free(&c);
	buf_free(&path);
	wh_ledger_free(l);
	return -1;
}

int wh_ledger_write(const char *dir, const struct wh_ledger *l, struct mc_err *err)
{
	struct mc_buf b = { 0 }, path = { 0 };
	char p[64], d[16];
	int rc = 0;

	rc |= buf_addf(&b, "mcsync-checkpoint 1\nseq %" PRIu64 "\n", l->seq);
	if (l->has_pos) {
		pos_format(&l->pos, p, sizeof p);
		rc |= buf_addf(&b, "pos %s\n", p);
	}
	if (l->has_resume) {
		pos_format(&l->resume, p, sizeof p);
		rc |= buf_addf(&b, "resume %s\n", p);
	}
	if (l->gtid)
		rc |= buf_addf(&b, "gtid %s\n", l->gtid);
	rc |= buf_addf(&b, "snapshot_rows %" PRIu64 "\nutc_offset %" PRId64 "\n", l->snapshot_rows,
		       l->utc_off);
	if (l->has_hw)
		rc |= buf_addf(&b, "hw_time %" PRId64 "\n", l->hw_time);
	if (l->has_first) {
		pos_format(&l->first_pos, p, sizeof p);
		rc |= buf_addf(&b, "first_pos %s\nfirst_time %" PRId64 "\n", p, l->first_time);
	}
	for (size_t i = 0; i < l->ncuts; i++) {
		pos_format(&l->cuts[i].pos, p, sizeof p);
		wh_day_format(l->cuts[i].day, d);
		rc |= buf_addf(&b, "cut.%s %s\n", d, p);
	}
	if (l->has_snap_low) {
		pos_format(&l->snap_low, p, sizeof p);
		rc |= buf_addf(&b, "snapshot_low %s\n", p);
	}
	for (size_t i = 0; i < l->snap.n; i++)
		rc |= buf_addf(&b, "%s %s\n", l->snap.kv[i].k, l->snap.kv[i].v);
	rc |= ledger_path(dir, &path);
	if (rc < 0) {
		buf_free(&b);
		buf_free(&path);
		return mc_errnof(err, ENOMEM, "ledger");
	}
	rc = afile_write(path.p, b.p, b.len, err);
	buf_free(&b);
	buf_free(&path);
	return rc;
}

void wh_snap_key(const char *db, size_t dbn, const char *table, size_t tn, char *out,
		 size_t outsz)
{
	int plain = 1;
	size_t at;
	for (size_t i = 0; i < dbn + tn && plain; i++) {
		char ch = i < dbn ? db[i] : table[i - dbn];
		plain = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
	}
	if (plain) {
		snprintf(out, outsz, "table.%.*s.%.*s", (int)dbn, db, (int)tn, table);
		return;
	}
	at = (size_t)snprintf(out, outsz, "hex.");
	for (size_t i = 0; i < dbn && at + 3 < outsz; i++)
		at += (size_t)snprintf(out + at, outsz - at, "%02x", (unsigned char)db[i]);
	if (at + 2 < outsz)
		out[at++] = '.';
	for (size_t i = 0; i < tn && at + 3 < outsz; i++)
		at += (size_t)snprintf(out + at, outsz - at, "%02x", (unsigned char)table[i]);
	out[at] = 0;
}

const char *wh_ledger_snap_get(const struct wh_ledger *l, const char *key)
{
	return ckpt_get(&l->snap, key);
}

int wh_ledger_snap_set(struct wh_ledger *l, const char *key, const char *val, struct mc_err *err)
{
	return ckpt_set(&l->snap, key, val, err);
}

void wh_ledger_free(struct wh_ledger *l)
{
	ckpt_free(&l->snap);
	free(l->cuts);
	free(l->gtid);
	memset(l, 0, sizeof *l);
}

int wh_ledger_note(struct wh_ledger *l, const struct mc_pos *pos, int64_t t, struct mc_err *err)
{
	int64_t day = wh_day_of(t, l->utc_off);
	if (!l->has_first) {
		l->has_first = 1;
		l->first_pos = *pos;
		l->first_time = t;
	}
	if (l->has_hw) {
		int64_t hd = wh_day_of(l->hw_time, l->utc_off);
		for (int64_t d = hd; d < day; d++) {
			if (l->ncuts == l->cap) {
				size_t cap = l->cap ? l->cap * 2 : 16;
				struct wh_cut *nc = realloc(l->cuts, cap * sizeof *nc);
				if (!nc)
					return mc_errnof(err, ENOMEM, "ledger");
				l->cuts = nc;
				l->cap = cap;
			}
			l->cuts[l->ncuts].day = d;
			l->cuts[l->ncuts].pos = *pos;
			l->ncuts++;
			if (day - hd > 366 * 10) /* a clock jump: record the first day only */
				break;
		}
	}
	if (!l->has_hw || t > l->hw_time)
		l->hw_time = t;
	l->has_hw = 1;
	return 0;
}

/* The domain part of one GTID: before ':' (MySQL) or the first '-'. */
static size_t gtid_domain(const char *g, size_t n)
{
	const char *c = memchr(g, ':', n);
	if (!c)
		c = memchr(g, '-', n);
	return c ? (size_t)(c - g) : n;
}

int wh_ledger_mark(struct wh_ledger *l, const struct mc_pos *pos, const char *label, size_t n,
		   struct mc_err *err)
{
	struct mc_buf b = { 0 };
	const char *s = l->gtid ? l->gtid : "";
	size_t dn = gtid_domain(label, n);
	int replaced = 0;

	l->resume = *pos;
	l->has_resume = 1;
	if (n == 0)
		return 0;
	if (memchr(label, ',', n) || memchr(label, '\n', n) || memchr(label, ' ', n))
		return mc_errf(err, MC_EXIT_DATA, "bad GTID '%.*s' in a txn_end mark", (int)n, label);
	while (*s) {
		const char *e = strchr(s, ',');
		size_t en = e ? (size_t)(e - s) : strlen(s);
		int rc;
		if (gtid_domain(s, en) == dn && memcmp(s, label, dn) == 0) {
			rc = buf_addf(&b, "%s%.*s", b.len ? "," : "", (int)n, label);
			replaced = 1;
		} else {
			rc = buf_addf(&b, "%s%.*s", b.len ? "," : "", (int)en, s);
		}
		if (rc < 0)
			goto oom;
		s += en + (e ? 1 : 0);
	}
	if (!replaced && buf_addf(&b, "%s%.*s", b.len ? "," : "", (int)n, label) < 0)
		goto oom;
	if (buf_add(&b, "", 1) < 0)
		goto oom;
	free(l->gtid);
	l->gtid = b.p;
	return 0;
oom:
	buf_free(&b);
	return mc_errnof(err, ENOMEM, "ledger");
}

int wh_ledger_cut(const struct wh_ledger *l, int64_t day, struct mc_pos *cut)
{
	if (l->has_first && day < wh_day_of(l->first_time, l->utc_off)) {
		*cut = l->first_pos;
		return 1;
	}
	for (size_t i = 0; i < l->ncuts; i++)
		if (l->cuts[i].day == day) {
			*cut = l->cuts[i].pos;
			return 1;
		}
	return 0;
}
