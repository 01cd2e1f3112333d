/* The local warehouse as a sink destination (stream/dest.h, docs/warehouse.md):
 * a commit writes one data file per partition (part-<seq>.mcr.zst), its
 * manifest (_SUCCESS of a log or a complete base, else _PENDING), then the
 * ledger DIR/_mcsync/ledger, the commit point. A run that starts removes
 * temporary files and the data files above the ledger's seq. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/zio.h"
#include "stream/crc32c.h"
#include "wh/dest_wh.h"
#include "wh/schemahist.h"
#include "wh/wh.h"
#include "wh/whpart.h"

struct dest_part {
	char *table; /* with _log for a log table */
	char *part;
	int is_log;
};

struct whd {
	char *dir;               /* the warehouse, or its re-snapshot area */
	char *main;              /* the warehouse (re-snapshot writer), or NULL */
	int lockfd;
	char *lockpath;
	struct dest_opts o;
	uint64_t seq;            /* of the commit under way */
	struct dest_part **parts;
	size_t nparts, cap;
	struct mc_buf scratch;
};

/* "DIR/a[/b[/c]]", or NULL (err set) */
static char *path_of(const struct whd *w, const char *a, const char *b, const char *c,
		     struct mc_err *err)
{
	struct mc_buf p = { 0 };
	if (buf_addf(&p, "%s/%s%s%s%s%s%c", w->dir, a, b ? "/" : "", b ? b : "", c ? "/" : "",
		     c ? c : "", 0) < 0) {
		buf_free(&p);
		mc_oom(err, "path");
		return NULL;
	}
	return p.p;
}

/* ---- a commit ---- */

/* A data file's compression (docs/mc-tunnel-put.md "Compression"): from
 * at least this many bytes of records (two of zstd's 2 MiB jobs at level
 * 1), by zstd's worker threads, one per CPU (1 to 4): the commit's
 * compression takes the CPUs the source leaves idle while it waits for the
 * sink; below it, in one go from one buffer (zout_frame), where threads
 * would cost more than they give. Neither goes through the window of
 * zstd's single-threaded stream (zout_write, zout_end), which costs a
 * fifth more instructions on a large file; and zstd's frames are the same
 * for any number of workers: a commit gives the same bytes on every
 * machine. */
#define WH_MT_BYTES (4u << 20)

static int data_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 4 ? 4 : (int)n;
}

static int write_data_file(struct whd *w, const struct dest_part *p, const struct dest_rows *rows,
			   const char *name, struct wh_file *f, struct mc_err *err)
{
	char *dir = path_of(w, p->table, p->part, NULL, err);
	char *path = dir ? path_of(w, p->table, p->part, name, err) : NULL;
	struct afile af;
	struct zout z;
	struct mc_rec h;
	struct mc_kv meta[3];
	struct stat st;
	const char *writer = w->o.writer ? w->o.writer : "mc-tunnel-put";
	uint32_t crc;
	size_t hlen;
	int rc = -1;

	meta[0].k = mc_str_c("writer", 6);
	meta[0].v = mc_str_c(writer, strlen(writer));
	meta[1].k = mc_str_c("table", 5);
	meta[1].v = mc_str_c(p->table, strlen(p->table));
	meta[2].k = mc_str_c("partition", 9);
	meta[2].v = mc_str_c(p->part, strlen(p->part));
	if (!path || wh_mkdirs(dir, err) < 0 || afile_open(&af, path, err) < 0)
		goto out;
	if (zout_init(&z, af.fd, w->o.zlevel, err) < 0) {
		afile_abort(&af);
		goto out;
	}
	w->scratch.len = 0;
	memset(&h, 0, sizeof h);
	h.kind = MC_R_HEADER;
	h.version = MC_REC_VERSION;
	h.meta = meta;
	h.nmeta = 3;
	if (rec_encode(&w->scratch, &h, err) < 0)
		goto fail;
	crc = crc32c(crc32c(0, w->scratch.p, w->scratch.len), rows->recs, rows->len);
	hlen = w->scratch.len;
	memset(&h, 0, sizeof h);
	h.kind = MC_R_TRAILER;
	h.count = rows->nrec;
	h.has_crc = 1;
	h.crc = crc;
	if (rows->len >= WH_MT_BYTES) { /* header, records, trailer into the workers */
		zout_workers(&z, data_workers());
		if (rec_encode(&w->scratch, &h, err) < 0 ||
		    zout_write(&z, w->scratch.p, hlen, err) < 0 ||
		    zout_write(&z, rows->recs, rows->len, err) < 0 ||
		    zout_write(&z, w->scratch.p + hlen, w->scratch.len - hlen, err) < 0 ||
		    zout_end(&z, err) < 0)
			goto fail;
	} else if (buf_add(&w->scratch, rows->recs, rows->len) < 0) {
		mc_oom(err, "data file");
		goto fail;
	} else if (rec_encode(&w->scratch, &h, err) < 0 ||
		   zout_frame(&z, w->scratch.p, w->scratch.len, err) < 0) {
		goto fail;
	}
	zout_close(&z);
	if (fstat(af.fd, &st) < 0) {
		mc_errnof(err, errno, "'%s'", path);
		afile_abort(&af);
		goto out;
	}
	if (afile_commit(&af, err) < 0)
		goto out;
	memset(f, 0, sizeof *f);
	f->name = (char *)name;
	f->rows = rows->rows;
	f->bytes = (uint64_t)st.st_size;
	f->has_pos = rows->has_pos;
	f->lo = rows->lo;
	f->hi = rows->hi;
	f->has_time = rows->has_time;
	f->tmin = rows->tmin;
	f->tmax = rows->tmax;
	f->has_src = rows->src != 0; /* none: the first source, as before */
	f->src = rows->src;
	rc = 0;
	goto out;
fail:
	if (err->errnum) /* a write error (ENOSPC...): name the file */
		mc_errctx(err, "'%s': ", path);
	zout_close(&z);
	afile_abort(&af);
out:
	free(dir);
	free(path);
	return rc;
}

static int append_schemas(struct whd *w, const struct dest_part *p, const struct dest_rows *rows,
			  struct mc_err *err)
{
	char *path, *dir;
	size_t at = 0;
	int rc;
	struct mc_scratch sc = { 0 };
	if (rows->schemas_len == 0)
		return 0;
	if (!(dir = path_of(w, p->table, NULL, NULL, err)))
		return -1;
	rc = wh_mkdirs(dir, err);
	free(dir);
	if (rc < 0 || !(path = path_of(w, p->table, WH_SCHEMA, NULL, err)))
		return -1;
	while (rc == 0 && at < rows->schemas_len) {
		struct mc_rec r;
		size_t used;
		if (rec_decode(rows->schemas + at, rows->schemas_len - at, 0, &used, &r, &sc, err) !=
		    1) {
			rc = mc_errf(err, MC_EXIT_DATA, "internal: schema buffer");
			break;
		}
		rc = wh_schema_append(path, &r, err);
		at += used;
	}
	rec_scratch_free(&sc);
	free(path);
	return rc;
}

/* The schema records and ALTER TABLE records of this commit into the
 * table's schema history (wh/schemahist.h; not for a re-snapshot). */
static int append_hist(struct whd *w, const struct dest_part *p, const struct dest_rows *rows,
		       struct mc_err *err)
{
	struct mc_buf b = { 0 };
	char *path = NULL, *dir = NULL;
	size_t n = strlen(p->table);
	int rc;
	if (w->main || (rows->schemas_len == 0 && rows->hist_len == 0))
		return 0;
	if (p->is_log && n > 4 && strcmp(p->table + n - 4, "_log") == 0)
		n -= 4;
	if (buf_add(&b, rows->schemas, rows->schemas_len) < 0 ||
	    buf_add(&b, rows->hist, rows->hist_len) < 0 ||
	    !(dir = wh_pathf("%s/%.*s", w->dir, (int)n, p->table)) ||
	    !(path = wh_pathf("%s/%s", dir, WH_SCHEMAHIST))) {
		buf_free(&b);
		free(dir);
		return mc_oom(err, "schema history");
	}
	rc = wh_mkdirs(dir, err);
	if (rc == 0)
		rc = wh_hist_add(path, b.p, b.len, rows->hist_rank, err);
	free(dir);
	free(path);
	buf_free(&b);
	return rc;
}

/* Add f to the partition's manifest (_SUCCESS of a log or a complete base,
 * else _PENDING); complete a base partition when asked. */
static int update_manifest(struct whd *w, const struct dest_part *p, const struct dest_rows *rows,
			   const struct wh_file *f, struct mc_err *err)
{
	char *succ = path_of(w, p->table, p->part, WH_MARKER, err);
	char *pend = succ ? path_of(w, p->table, p->part, WH_PENDING, err) : NULL;
	struct wh_manifest m;
	int rc, in_succ;

	if (!pend) {
		free(succ);
		return -1;
	}
	rc = wh_manifest_read(succ, &m, err);
	in_succ = rc > 0;
	if (rc == 0 && !p->is_log)
		rc = wh_manifest_read(pend, &m, err);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		memset(&m, 0, sizeof m);
		m.kind = p->is_log ? WH_LOG : WH_BASE;
		m.by = WH_BY_PUT;
	}
	if (f && (rc = wh_manifest_add(&m, f, err)) < 0)
		goto done;
	if (!p->is_log && rows->has_floor && (!m.has_from || pos_cmp(&rows->floor, &m.from) < 0)) {
		m.from = rows->floor;
		m.has_from = 1;
	}
	if (!p->is_log && rows->has_ceil && (!m.has_wmax || pos_cmp(&rows->ceil, &m.wmax) > 0)) {
		m.wmax = rows->ceil;
		m.has_wmax = 1;
	}
	if (!p->is_log && rows->src) { /* a snapshot of a source but the first */
		m.has_from_src = 1;
		m.from_src = rows->src;
	}
	if (!p->is_log) {
		char *dir = path_of(w, p->table, p->part, NULL, err);
		rc = dir ? wh_mkdirs(dir, err) : -1;
		free(dir);
		if (rc < 0)
			goto done;
	}
	if (!p->is_log && (rows->complete || in_succ)) {
		/* from: the lowest watermark of the snapshot's chunks and rows */
		for (size_t i = 0; i < m.nfiles; i++)
			if (m.files[i].has_pos &&
			    (!m.has_from || pos_cmp(&m.files[i].lo, &m.from) < 0)) {
				m.from = m.files[i].lo;
				m.has_from = 1;
			}
		if (!m.has_from)
			m.has_from = 1; /* an empty table: 0:0:0 */
		if (!in_succ)
			m.commit = w->seq;
		if ((rc = wh_manifest_write(succ, &m, err)) < 0)
			goto done;
		if (unlink(pend) < 0 && errno != ENOENT) {
			rc = mc_errnof(err, errno, "'%s'", pend);
			goto done;
		}
		rc = afile_sync_dir(succ, err);
	} else {
		rc = wh_manifest_write(p->is_log ? succ : pend, &m, err);
	}
done:
	wh_manifest_free(&m);
out:
	free(succ);
	free(pend);
	return rc < 0 ? -1 : 0;
}

static int whd_begin(void *st, uint64_t seq, struct mc_err *err)
{
	struct whd *w = st;
	w->seq = seq;
	return wh_lock_check(w->lockpath, w->lockfd, err);
}

static int whd_append(void *st, struct dest_part *p, const struct dest_rows *rows,
		      struct mc_err *err)
{
	struct whd *w = st;
	char name[WH_PART_FILE_MAX];
	struct wh_file f;
	wh_part_file_name(w->seq, name);
	if (append_schemas(w, p, rows, err) < 0 || append_hist(w, p, rows, err) < 0 ||
	    (rows->rows > 0 && write_data_file(w, p, rows, name, &f, err) < 0) ||
	    /* an append for the schema history only (an ALTER with no row
	     * of the table in this commit) makes no partition */
	    ((rows->rows > 0 || rows->complete) &&
	     update_manifest(w, p, rows, rows->rows > 0 ? &f : NULL, err) < 0))
		return -1;
	if (p->is_log && rows->rows > 0 && rows->has_pos) {
		/* the log table's commits record: what mc-merge checks */
		struct wh_commit c;
		char *dir = path_of(w, p->table, NULL, NULL, err);
		int rc;
		if (!dir)
			return -1;
		memset(&c, 0, sizeof c);
		c.seq = w->seq;
		c.rows = rows->rows;
		snprintf(c.part, sizeof c.part, "%s", p->part);
		c.lo = rows->lo;
		c.hi = rows->hi;
		c.has_src = rows->src != 0;
		c.src = rows->src;
		rc = wh_commits_add(dir, &c, err);
		free(dir);
		return rc;
	}
	return 0;
}

static int whd_commit(void *st, const struct mc_ledger *l, struct mc_err *err)
{
	struct whd *w = st;
	return wh_lock_check(w->lockpath, w->lockfd, err) < 0 ? -1 : wh_ledger_write(w->dir, l, err);
}

static int whd_read_ledger(void *st, struct mc_ledger *l, struct mc_err *err)
{
	return wh_ledger_read(((struct whd *)st)->dir, l, err);
}

static int whd_read_main(void *st, struct mc_ledger *l, struct mc_err *err)
{
	const struct whd *w = st;
	return wh_ledger_read(w->main ? w->main : w->dir, l, err);
}

/* ---- names and partitions ---- */

static int whd_table_name(void *st, const struct mc_str *db, const struct mc_str *table,
			  const char *given, char *out, size_t outsz, struct mc_err *err)
{
	(void)st;
	if (given)
		snprintf(out, outsz, "%s", given);
	else if (wh_default_name(db, table, out, outsz, err) < 0)
		return -1;
	if (strlen(out) + 4 > WH_MAX_NAME) /* room for _log */
		return mc_errf(err, MC_EXIT_DATA, "warehouse name '%s' is too long", out);
	return 0;
}

static int whd_part_open(void *st, const char *table, int is_log, const char *part,
			 struct dest_part **pp, struct mc_err *err)
{
	struct whd *w = st;
	struct dest_part *p;
	struct mc_buf n = { 0 };
	for (size_t i = 0; i < w->nparts; i++) {
		p = w->parts[i];
		if (p->is_log == is_log && strcmp(p->part, part) == 0 &&
		    strncmp(p->table, table, strlen(table)) == 0 &&
		    strcmp(p->table + strlen(table), is_log ? "_log" : "") == 0) {
			*pp = p;
			return 0;
		}
	}
	if (mc_grow(&w->parts, &w->cap, w->nparts + 1, sizeof *w->parts) < 0 ||
	    !(p = calloc(1, sizeof *p)))
		return mc_oom(err, "partition");
	if (buf_addf(&n, "%s%s%c", table, is_log ? "_log" : "", 0) < 0 ||
	    !(p->part = mc_strdup(part))) {
		buf_free(&n);
		free(p);
		return mc_oom(err, "partition");
	}
	p->table = n.p;
	p->is_log = is_log;
	w->parts[w->nparts++] = p;
	*pp = p;
	return 0;
}

static int whd_part_complete(void *st, struct dest_part *p, uint64_t seq, struct mc_err *err)
{
	char *succ = path_of(st, p->table, p->part, WH_MARKER, err);
	struct wh_manifest m;
	int rc;
	if (!succ)
		return -1;
	rc = wh_manifest_read(succ, &m, err);
	free(succ);
	if (rc > 0) {
		uint64_t c = m.commit;
		wh_manifest_free(&m);
		rc = c && c <= seq;
	}
	return rc;
}

/* ---- start: clean what a killed run left behind ---- */

/* Is an mc-merge of the warehouse's table running (it holds
 * STATE/merge-TABLE.lock, mergejob.c)? Its temporary files (a schema
 * record appended, its status record) are its own, not a killed
 * sink's. name: a table directory, or NAME_log, whose base table's merge
 * writes there too. */
static int merging(const struct whd *w, const char *name, size_t n)
{
	char *lock;
	int fd, busy = 0;
	for (int i = 0; i < 2 && !busy; i++) {
		if (i == 1 && !(n > 4 && memcmp(name + n - 4, "_log", 4) == 0))
			break;
		if (!(lock = wh_merge_lock_path(w->main ? w->main : w->dir, name, i ? n - 4 : n)))
			return 1; /* out of memory: keep them */
		fd = open(lock, O_RDONLY | O_CLOEXEC);
		free(lock);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_SH | LOCK_NB) < 0)
			busy = errno == EWOULDBLOCK;
		close(fd);
	}
	return busy;
}

static int clean_dir(const char *dir, uint64_t seq, int keep_tmp, struct mc_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0, changed = 0;
	struct wh_manifest m[2];
	const char *mnames[2] = { WH_MARKER, WH_PENDING };
	int have[2] = { 0, 0 };
	struct mc_buf p = { 0 };

	if (!d)
		return errno == ENOENT ? 0 : mc_errnof(err, errno, "'%s'", dir);
	for (int i = 0; i < 2; i++) {
		p.len = 0;
		if (buf_addf(&p, "%s/%s%c", dir, mnames[i], 0) < 0)
			have[i] = mc_oom(err, dir);
		else
			have[i] = wh_manifest_read(p.p, &m[i], err);
		if (have[i] < 0) {
			closedir(d);
			if (i && have[0] > 0)
				wh_manifest_free(&m[0]);
			buf_free(&p);
			return -1;
		}
	}
	while (rc == 0 && (e = readdir(d))) {
		uint64_t s;
		const char *n = e->d_name;
		if (n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])))
			continue;
		p.len = 0;
		if (buf_addf(&p, "%s/%s%c", dir, n, 0) < 0) {
			rc = mc_oom(err, dir);
			break;
		}
		if (strchr(n, '=') && wh_part_ok(n)) {
			rc = clean_dir(p.p, seq, keep_tmp, err);
		} else if (strstr(n, ".tmp.") && !keep_tmp) {
			if (unlink(p.p) < 0 && errno != ENOENT)
				rc = mc_errnof(err, errno, "'%s'", p.p);
			changed = 1;
		} else if (wh_part_file_seq(n, &s) && s > seq) {
			/* a data file of a commit that did not happen */
			if (unlink(p.p) < 0 && errno != ENOENT)
				rc = mc_errnof(err, errno, "'%s'", p.p);
			for (int i = 0; i < 2; i++)
				if (have[i] > 0 && wh_manifest_remove(&m[i], n))
					have[i] = 2;
			changed = 1;
		}
	}
	closedir(d);
	for (int i = 0; i < 2 && rc == 0; i++) {
		p.len = 0;
		if (buf_addf(&p, "%s/%s%c", dir, mnames[i], 0) < 0) {
			rc = mc_oom(err, dir);
		} else if (i == 1 && have[0] > 0 && have[1] > 0) {
			/* completed, but _PENDING not yet removed */
			if (unlink(p.p) < 0 && errno != ENOENT)
				rc = mc_errnof(err, errno, "'%s'", p.p);
			changed = 1;
		} else if (have[i] == 2) {
			rc = wh_manifest_write(p.p, &m[i], err);
		}
	}
	buf_free(&p);
	for (int i = 0; i < 2; i++)
		if (have[i] > 0)
			wh_manifest_free(&m[i]);
	if (rc == 0 && changed)
		rc = afile_sync_dir(dir, err);
	return rc;
}

static int whd_clean(void *st, const struct mc_ledger *l, struct mc_err *err)
{
	struct whd *w = st;
	DIR *d = opendir(w->dir), *sd;
	struct dirent *e;
	char *state;
	int rc = 0;
	if (!d)
		return mc_errnof(err, errno, "'%s'", w->dir);
	/* the ledger's own temporary files */
	if (!(state = path_of(w, WH_STATE, NULL, NULL, err))) {
		closedir(d);
		return -1;
	}
	sd = opendir(state);
	while (sd && (e = readdir(sd))) {
		const char *t = e->d_name, *x = strstr(t, ".tmp.");
		/* a merge's status record being written (status.c) */
		if (x && strncmp(t, "merged.", 7) == 0 && merging(w, t + 7, (size_t)(x - t - 7)))
			continue;
		if (x) {
			char *p = path_of(w, WH_STATE, e->d_name, NULL, err);
			if (p)
				unlink(p);
			free(p);
		}
	}
	if (sd)
		closedir(sd);
	free(state);
	while (rc == 0 && (e = readdir(d))) {
		char *p;
		struct stat sb;
		if (!wh_name_ok(e->d_name, strlen(e->d_name)))
			continue;
		if (!(p = path_of(w, e->d_name, NULL, NULL, err)))
			rc = -1;
		else if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			rc = clean_dir(p, l->seq, merging(w, e->d_name, strlen(e->d_name)), err) < 0
				     ? -1
				     : wh_commits_trim(p, l->seq, err);
		free(p);
	}
	closedir(d);
	return rc;
}

/* ---- open and close ---- */

static void whd_close(void *st)
{
	struct whd *w = st;
	if (!w)
		return;
	for (size_t i = 0; i < w->nparts; i++) {
		free(w->parts[i]->table);
		free(w->parts[i]->part);
		free(w->parts[i]);
	}
	free(w->parts);
	buf_free(&w->scratch);
	if (w->lockfd >= 0)
		close(w->lockfd);
	free(w->lockpath);
	free(w->dir);
	free(w->main);
	free(w);
}

static const struct dest_ops whd_ops = {
	.kind = "warehouse",
	.commits_record = 1,
	.read_ledger = whd_read_ledger,
	.read_main = whd_read_main,
	.table_name = whd_table_name,
	.clean = whd_clean,
	.part_open = whd_part_open,
	.part_complete = whd_part_complete,
	.begin = whd_begin,
	.append = whd_append,
	.commit = whd_commit,
	.close = whd_close,
};

int dest_wh_open(const char *dir, const struct dest_opts *o, struct dest *d, struct mc_err *err)
{
	struct whd *w = calloc(1, sizeof *w);
	char *state = NULL, *lock = NULL;
	if (wh_check_not_odps_state(dir, err) < 0) {
		free(w);
		return -1;
	}
	if (!w || !(w->dir = o->resnap ? wh_pathf("%s/%s", dir, WH_RESNAP) : mc_strdup(dir)) ||
	    (o->resnap && !(w->main = mc_strdup(dir)))) {
		if (w)
			free(w->dir);
		free(w);
		return mc_oom(err, "warehouse");
	}
	w->lockfd = -1;
	w->o = *o;
	if (!(state = path_of(w, WH_STATE, NULL, NULL, err)) ||
	    !(lock = path_of(w, WH_LOCK, NULL, NULL, err)) || wh_mkdirs(state, err) < 0 ||
	    wh_lock(lock, &w->lockfd, err) < 0) {
		free(state);
		free(lock);
		whd_close(w);
		return -1;
	}
	free(state);
	w->lockpath = lock;
	d->ops = &whd_ops;
	d->st = w;
	return 0;
}
