/* mc-merge: base partition + log records into a new full partition
 * (docs/mc-merge.md, docs/merge.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "base/afile.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/io.h"
#include "wh/merge.h"
#include "wh/merge_sql.h"
#include "base/num.h"
#include "stream/opt.h"
#include "prog.h"
#include "stream/rec.h"
#include "stream/recio.h"
#include "wh/wh.h"
#include "base/zio.h"

static const char usage[] =
	"Usage: mc-merge --warehouse=DIR --table=NAME --ds=YYYYMMDD [OPTION]...\n"
	"   or: mc-merge --warehouse=DIR --table=NAME --at=POINT --output=FILE\n"
	"Build the full partition ds=YYYYMMDD of table NAME of a local warehouse:\n"
	"the latest complete partition before that day plus the change records of\n"
	"NAME_log after its position, up to the day's cut (docs/merge.md): per key\n"
	"the record with the highest position wins, a change beating a snapshot\n"
	"row at equal position; deletes and key-changing updates remove keys.\n"
	"\n"
	"  -w, --warehouse=DIR   the local warehouse\n"
	"  -t, --table=NAME      the base table (its log is NAME_log)\n"
	"  -d, --ds=YYYYMMDD     the day whose partition to build\n"
	"  -a, --at=POINT        the state at POINT instead of the day's end:\n"
	"                        FILE:OFFSET:ROW (records at or before it), or\n"
	"                        'YYYY-MM-DD hh:mm:ss' (records before the first\n"
	"                        one stamped after it; days in the ledger's offset)\n"
	"  -k, --key=COL[,COL]   the key of a table that has none\n"
	"  -m, --memory=SIZE     memory for sorting (default a quarter of RAM);\n"
	"                        more spills sorted runs to --tmpdir\n"
	"      --tmpdir=DIR      where runs go (default: the table's directory)\n"
	"  -l, --lifecycle=DAYS  drop full partitions DAYS days or more older than\n"
	"                        the new one (default 30; 0 keeps all), then the\n"
	"                        log partitions no kept partition needs\n"
	"  -o, --output=FILE     write the state as a record stream to FILE ('-':\n"
	"                        standard output) instead of a partition\n"
	"  -z, --zstd=LEVEL      compression level of the output (default 1;\n"
	"                        0 for plain --output)\n"
	"      --emit-sql        print the SQL doing the same merge, do nothing\n"
	"      --dialect=D       maxcompute (default) or sqlite\n"
	"  -v, --verbose         say what was read and written on standard error\n"
	"  -h, --help            show this help and exit\n"
	"  -V, --version         show the version and exit\n"
	"\n"
	"Exit status: 0 ok (also when ds is the snapshot itself: nothing to do);\n"
	"1 bad data (corrupt file, missing marker, schema mismatch, log not yet\n"
	"past the cut), nothing written; 2 usage error; 3 the table is locked.\n"
	"Manual: docs/mc-merge.md, docs/merge.md.\n";

static const char *whdir, *table, *opt_ds, *opt_at, *opt_key, *tmpdir, *output;
static uint64_t memory, lifecycle = 30;

/* Removed at exit, also when a failure exits: nothing half-made stays. */
static struct merger *live_merger;
static char *live_tmp;

static void cleanup(void)
{
	struct mc_err err;
	merger_free(live_merger);
	live_merger = NULL;
	if (live_tmp)
		wh_rmtree(live_tmp, &err);
	live_tmp = NULL;
}
static int zlevel = -1, emit_sql, dialect, verbose;

static noreturn void oom(void)
{
	struct mc_err err = { 0 };
	mc_errnof(&err, ENOMEM, "memory");
	prog_fail(&err);
}

static noreturn void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static noreturn void fail(const char *fmt, ...)
{
	struct mc_err err = { 0 };
	va_list ap;
	va_start(ap, fmt);
	mc_verrf(&err, MC_EXIT_DATA, fmt, ap);
	va_end(ap);
	prog_fail(&err);
}

static char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pathf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(s = malloc((size_t)n + 1)))
		oom();
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* ---- the table ---- */

static struct wh_schema schema;     /* the base table's */
static uint32_t keycols[MC_MAX_COLUMNS];
static size_t nkey;

static void resolve_key(void)
{
	const struct mc_rec *s = &schema.rec;
	uint32_t k[MC_MAX_COLUMNS];
	size_t n = 0;
	if (opt_key) {
		const char *p = opt_key;
		while (*p) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			size_t i;
			for (i = 0; i < s->ncols; i++)
				if (s->cols[i].name.n == len && memcmp(s->cols[i].name.p, p, len) == 0)
					break;
			if (i == s->ncols)
				prog_usage_error("--key: table '%s' has no column '%.*s'", table, (int)len, p);
			if (n == MC_MAX_COLUMNS)
				prog_usage_error("--key: too many columns");
			k[n++] = (uint32_t)i;
			p += len + (e ? 1 : 0);
			if (e && !*p)
				prog_usage_error("--key: empty column name");
		}
		if (s->nkey && (s->nkey != n || memcmp(s->key, k, n * sizeof *k) != 0))
			prog_usage_error("--key: table '%s' has a key already", table);
		memcpy(keycols, k, n * sizeof *k);
		nkey = n;
		return;
	}
	if (s->nkey == 0)
		fail("table '%s' has no primary or unique key: declare one with --key=COL[,COL]", table);
	memcpy(keycols, s->key, s->nkey * sizeof *s->key);
	nkey = s->nkey;
}

/* ---- reading partition files ---- */

struct freader {
	char *path;
	int fd;
	struct rio_reader rd;
	const struct wh_file *f;
	uint64_t rows;
	int open;
};

static void fr_open(struct freader *r, char *path, const struct wh_file *f)
{
	struct stat st;
	struct mc_err err = { 0 };
	memset(r, 0, sizeof *r);
	r->path = path;
	r->f = f;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		mc_errnof(&err, errno, "'%s'", path);
		prog_fail(&err);
	}
	if (fstat(r->fd, &st) == 0 && (uint64_t)st.st_size != f->bytes)
		fail("'%s': %llu bytes, the partition marker says %llu: corrupt partition", path,
		     (unsigned long long)st.st_size, (unsigned long long)f->bytes);
	rio_init(&r->rd, r->fd, RIO_MCR);
	/* decompress in a second thread; without it, read as usual */
	if (zin_read_ahead(&r->rd.in, &err) < 0 && verbose)
		prog_warn("%s", err.msg);
	r->open = 1;
}

static void fr_close(struct freader *r)
{
	if (!r->open)
		return;
	rio_close(&r->rd);
	close(r->fd);
	free(r->path);
	r->open = 0;
}

/* Next row: 1, 0 at the end of the file (its rows counted and checked). */
static int fr_next(struct freader *r, struct mc_rec *rec)
{
	struct mc_err err = { 0 };
	int rc;
	while ((rc = rio_next(&r->rd, rec, &err)) > 0) {
		if (rec->kind == MC_R_ROW) {
			if (rec->schema_version != schema.rec.schema_version && 0)
				continue;
			r->rows++;
			return 1;
		}
		if (rec->kind == MC_R_SCHEMA && !wh_schema_same(rec, &schema.rec)) {
			char why[300];
			wh_schema_diff(rec, &schema.rec, why, sizeof why);
			fail("'%s': record %llu: schema differs from the table's: %s", r->path,
			     (unsigned long long)r->rd.recno, why);
		}
	}
	if (rc < 0) {
		mc_errctx(&err, "'%s': ", r->path);
		prog_fail(&err);
	}
	if (r->rows != r->f->rows)
		fail("'%s': %llu rows, the partition marker says %llu: corrupt partition", r->path,
		     (unsigned long long)r->rows, (unsigned long long)r->f->rows);
	return 0;
}

/* ---- the base partition ---- */

static char *base_part;        /* spec of the base used */
static struct wh_manifest base_m;
static struct mc_pos from, upto; /* log records in [from, upto) apply */
static int upto_inf;

/* a sorted base, pulled file by file (the next one opened ahead, so that
 * its decompression overlaps this one's rows) */
struct pull {
	size_t file;
	struct freader fr, next;
	struct mc_buf key;
};
static struct pull pl;

static char *base_path(size_t i)
{
	return pathf("%s/%s/%s/%s", whdir, table, base_part, base_m.files[i].name);
}

/* A file being read costs about this (decompression window, read-ahead
 * blocks): counted in --memory while the base is pulled; the next file is
 * opened ahead only from PULL_AHEAD_MIN up. */
#define READER_COST (4u << 20)
#define PULL_AHEAD_MIN (64u << 20)

static int pull_next(void *ctx, const char **key, size_t *klen, struct mc_pos *pos,
		     const char **rec, size_t *rlen, struct mc_err *err)
{
	struct pull *p = ctx;
	struct mc_rec r;
	for (;;) {
		if (!p->fr.open) {
			if (p->file < base_m.nfiles && !p->next.open)
				fr_open(&p->next, base_path(p->file), &base_m.files[p->file]);
			if (p->file == base_m.nfiles)
				return 0;
			p->fr = p->next;
			p->next.open = 0;
			p->file++;
			if (p->file < base_m.nfiles && memory >= PULL_AHEAD_MIN)
				fr_open(&p->next, base_path(p->file), &base_m.files[p->file]);
		}
		if (fr_next(&p->fr, &r) > 0)
			break;
		fr_close(&p->fr);
	}
	if (r.op != MC_OP_SNAPSHOT || !r.after)
		return mc_errf(err, MC_EXIT_DATA, "'%s': record %llu: a %s row in a base partition",
			       p->fr.path, (unsigned long long)p->fr.rd.recno, rec_op_name(r.op));
	p->key.len = 0;
	if (merge_key_encode(&p->key, r.after, r.nafter, keycols, nkey, err) < 0)
		return mc_errctx(err, "'%s': record %llu: ", p->fr.path,
				 (unsigned long long)p->fr.rd.recno);
	*key = p->key.p;
	*klen = p->key.len;
	*pos = r.pos;
	*rec = rio_raw(&p->fr.rd, rlen);
	return 1;
}

/* Stop pulling the base (close its files). */
static void pull_reset(struct pull *p)
{
	fr_close(&p->fr);
	fr_close(&p->next);
	buf_free(&p->key);
	memset(p, 0, sizeof *p);
}

/* ---- output ---- */

struct out {
	struct zout z;
	struct mc_buf buf;
	uint64_t rows;
	int has_pos;
	struct mc_pos lo, hi;
	int64_t tmin, tmax;
	int has_time;
	struct mc_scratch sc;
};
static struct out out;

static int out_write(const char *p, size_t n, struct mc_err *err)
{
	if (buf_add(&out.buf, p, n) < 0)
		return mc_errnof(err, ENOMEM, "output");
	if (out.buf.len >= (256u << 10)) {
		if (zout_write(&out.z, out.buf.p, out.buf.len, err) < 0)
			return -1;
		out.buf.len = 0;
	}
	return 0;
}

static int emit_row(void *ctx, const struct mc_pos *pos, const char *rec, size_t rlen,
		    struct mc_err *err)
{
	(void)ctx;
	if (!out.has_pos || pos_cmp(pos, &out.lo) < 0)
		out.lo = *pos;
	if (!out.has_pos || pos_cmp(pos, &out.hi) > 0)
		out.hi = *pos;
	out.has_pos = 1;
	out.rows++;
	return out_write(rec, rlen, err);
}

static void out_begin(int fd, int level)
{
	struct mc_err err = { 0 };
	struct mc_rec h;
	struct mc_kv meta[3];
	char part[64];
	snprintf(part, sizeof part, "ds=%s", opt_ds ? opt_ds : "");
	meta[0].k = mc_str_c("writer", 6);
	meta[0].v = mc_str_c("mc-merge", 8);
	meta[1].k = mc_str_c("table", 5);
	meta[1].v = mc_str_c(table, strlen(table));
	meta[2].k = mc_str_c("partition", 9);
	meta[2].v = mc_str_c(part, strlen(part));
	if (zout_init(&out.z, fd, level, &err) < 0)
		prog_fail(&err);
	/* Compress in worker threads (2 when memory allows). The output of
	 * zstd's threaded mode does not depend on the number of workers, so
	 * every --memory gives the same bytes; small jobs keep its buffers to
	 * a few MB. */
	if (level > 0 && out.z.cctx) {
		ZSTD_CCtx_setParameter(out.z.cctx, ZSTD_c_nbWorkers, memory >= (64u << 20) ? 2 : 1);
		ZSTD_CCtx_setParameter(out.z.cctx, ZSTD_c_jobSize, 1 << 20);
		ZSTD_CCtx_setParameter(out.z.cctx, ZSTD_c_windowLog, 20);
	}
	memset(&h, 0, sizeof h);
	h.kind = MC_R_HEADER;
	h.version = MC_REC_VERSION;
	h.meta = meta;
	h.nmeta = opt_ds ? 3 : 2;
	if (rec_encode(&out.buf, &h, &err) < 0 || out_write(schema.raw.p, schema.raw.len, &err) < 0)
		prog_fail(&err);
}

/* Drop what was written to fd (a regular file we opened) and start over. */
static void out_abort(int fd)
{
	struct mc_err err = { 0 };
	zout_close(&out.z);
	buf_free(&out.buf);
	rec_scratch_free(&out.sc);
	memset(&out, 0, sizeof out);
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		mc_errnof(&err, errno, "output");
		prog_fail(&err);
	}
}

static void out_end(void)
{
	struct mc_err err = { 0 };
	struct mc_rec t;
	memset(&t, 0, sizeof t);
	t.kind = MC_R_TRAILER;
	t.count = out.rows + 1;
	if (rec_encode(&out.buf, &t, &err) < 0 ||
	    zout_write(&out.z, out.buf.p, out.buf.len, &err) < 0 || zout_end(&out.z, &err) < 0)
		prog_fail(&err);
	zout_close(&out.z);
	buf_free(&out.buf);
	rec_scratch_free(&out.sc);
}

/* ---- log ---- */

static uint64_t log_rows, log_files;

static int in_range(const struct mc_pos *p)
{
	return pos_cmp(p, &from) >= 0 && (upto_inf || pos_cmp(p, &upto) < 0);
}

static void add_change(struct merger *m, const struct mc_rec *r, const char *path,
		       uint64_t recno)
{
	struct mc_err err = { 0 };
	static struct mc_buf kb, kb2, rb;
	struct mc_rec o;

	kb.len = kb2.len = rb.len = 0;
	if (r->after && merge_key_encode(&kb, r->after, r->nafter, keycols, nkey, &err) < 0)
		goto bad;
	if (r->before && merge_key_encode(&kb2, r->before, r->nbefore, keycols, nkey, &err) < 0)
		goto bad;
	if (r->after) {
		memset(&o, 0, sizeof o);
		o.kind = MC_R_ROW;
		o.op = MC_OP_SNAPSHOT;
		o.db = schema.rec.db;
		o.table = schema.rec.table;
		o.schema_version = schema.rec.schema_version;
		o.pos = r->pos;
		o.time = r->time;
		o.after = r->after;
		o.nafter = r->nafter;
		if (rec_encode(&rb, &o, &err) < 0 ||
		    merger_add(m, kb.p, kb.len, &r->pos, 1, 1, rb.p, rb.len, &err) < 0)
			goto bad;
	}
	if (r->before && (!r->after || kb.len != kb2.len || memcmp(kb.p, kb2.p, kb.len) != 0))
		if (merger_add(m, kb2.p, kb2.len, &r->pos, 1, 0, NULL, 0, &err) < 0)
			goto bad;
	return;
bad:
	mc_errctx(&err, "'%s': record %llu: ", path, (unsigned long long)recno);
	prog_fail(&err);
}

/* Files of the log whose positions reach into [from, upto), read in
 * turn with the next one opened ahead. */
static void read_log(struct merger *m, struct wh_schema *lschema)
{
	struct mc_err err = { 0 };
	char *ldir = pathf("%s/%s_log", whdir, table);
	char **parts;
	size_t nparts, nf = 0;
	struct wh_manifest *lms;
	struct lfile {
		char *path;
		const struct wh_file *f;
	} *lf = NULL;
	struct freader frs[2];

	if (wh_list_parts(ldir, 0, &parts, &nparts, &err) < 0)
		prog_fail(&err);
	if (nparts && !lschema->have)
		fail("'%s': partitions but no %s", ldir, WH_SCHEMA);
	lms = calloc(nparts ? nparts : 1, sizeof *lms);
	if (!lms)
		oom();
	for (size_t i = 0; i < nparts; i++) {
		char *mp = pathf("%s/%s/%s", ldir, parts[i], WH_MARKER);
		if (wh_manifest_read(mp, &lms[i], &err) < 0)
			prog_fail(&err);
		free(mp);
		for (size_t j = 0; j < lms[i].nfiles; j++) {
			const struct wh_file *f = &lms[i].files[j];
			struct lfile *nl;
			if (!f->has_pos || pos_cmp(&f->hi, &from) < 0 ||
			    (!upto_inf && pos_cmp(&f->lo, &upto) >= 0))
				continue;
			if (!(nl = realloc(lf, (nf + 1) * sizeof *lf)))
				oom();
			lf = nl;
			lf[nf].path = pathf("%s/%s/%s", ldir, parts[i], f->name);
			lf[nf++].f = f;
		}
	}
	if (nf > 0)
		fr_open(&frs[0], lf[0].path, lf[0].f);
	for (size_t i = 0; i < nf; i++) {
		struct freader *fr = &frs[i % 2];
		struct mc_rec r;
		if (i + 1 < nf)
			fr_open(&frs[(i + 1) % 2], lf[i + 1].path, lf[i + 1].f);
		log_files++;
		while (fr_next(fr, &r) > 0) {
			if (r.op == MC_OP_SNAPSHOT || !in_range(&r.pos))
				continue;
			log_rows++;
			add_change(m, &r, fr->path, fr->rd.recno);
		}
		fr_close(fr); /* frees the path */
	}
	for (size_t i = 0; i < nparts; i++)
		wh_manifest_free(&lms[i]);
	free(lms);
	free(lf);
	wh_free_list(parts, nparts);
	free(ldir);
}

/* --at=DATETIME: the first log record of the table stamped after t. */
static void cut_at_time(int64_t t, const struct wh_ledger *L)
{
	struct mc_err err = { 0 };
	char *ldir = pathf("%s/%s_log", whdir, table);
	char **parts;
	size_t nparts;
	int found = 0;
	struct mc_pos best = { 0, 0, 0 };

	if (!L->has_hw || L->hw_time <= t)
		fail("the log has not reached %s yet (its last change is stamped %" PRId64 ")",
		     opt_at, L->has_hw ? L->hw_time : 0);
	if (wh_list_parts(ldir, 0, &parts, &nparts, &err) < 0)
		prog_fail(&err);
	for (size_t i = 0; i < nparts; i++) {
		char *mp = pathf("%s/%s/%s", ldir, parts[i], WH_MARKER);
		struct wh_manifest lm;
		if (wh_manifest_read(mp, &lm, &err) < 0)
			prog_fail(&err);
		for (size_t j = 0; j < lm.nfiles; j++) {
			const struct wh_file *f = &lm.files[j];
			struct freader fr;
			struct mc_rec r;
			if (!f->has_time || f->tmax <= t)
				continue;
			fr_open(&fr, pathf("%s/%s/%s", ldir, parts[i], f->name), f);
			while (fr_next(&fr, &r) > 0)
				if (r.op != MC_OP_SNAPSHOT && r.time > t &&
				    (!found || pos_cmp(&r.pos, &best) < 0)) {
					best = r.pos;
					found = 1;
				}
			fr_close(&fr);
		}
		wh_manifest_free(&lm);
		free(mp);
	}
	wh_free_list(parts, nparts);
	free(ldir);
	if (found) {
		upto = best;
	} else {
		upto_inf = 1;
	}
}

/* ---- choosing the base ---- */

static int part_day(const char *spec, int64_t *day)
{
	char d[9];
	if (strncmp(spec, "ds=", 3) != 0 || strlen(spec) != 11)
		return -1;
	memcpy(d, spec + 3, 8);
	d[8] = 0;
	return wh_day_parse(d, day);
}

static void choose_base(int64_t day, int have_day)
{
	struct mc_err err = { 0 };
	char *tdir = pathf("%s/%s", whdir, table);
	char **all, **done;
	size_t nall, ndone;
	const char *newest = NULL;
	int64_t nd = 0;

	if (wh_list_parts(tdir, 1, &all, &nall, &err) < 0 ||
	    wh_list_parts(tdir, 0, &done, &ndone, &err) < 0)
		prog_fail(&err);
	if (!have_day) {
		/* the newest complete partition that starts at or below the point */
		for (size_t i = ndone; i-- > 0 && !newest;) {
			int64_t d;
			char *mp;
			struct wh_manifest pm;
			if (part_day(done[i], &d) < 0)
				continue;
			mp = pathf("%s/%s/%s", tdir, done[i], WH_MARKER);
			if (wh_manifest_read(mp, &pm, &err) < 0)
				prog_fail(&err);
			if (pm.kind == WH_BASE && pm.has_from &&
			    (upto_inf || pos_cmp(&pm.from, &upto) <= 0))
				newest = done[i];
			wh_manifest_free(&pm);
			free(mp);
		}
	}
	/* the newest partition before the day: it must be complete */
	for (size_t i = 0; i < nall && have_day; i++) {
		int64_t d;
		if (part_day(all[i], &d) < 0 || (have_day && d >= day))
			continue;
		if (!newest || d > nd) {
			newest = all[i];
			nd = d;
		}
	}
	if (!newest)
		fail("table '%s' has no full partition before %s (the first day's base is the "
		     "snapshot: load it with mc-tunnel-put)", table, have_day ? opt_ds : "the point");
	{
		size_t i;
		for (i = 0; i < ndone; i++)
			if (strcmp(done[i], newest) == 0)
				break;
		if (i == ndone)
			fail("'%s/%s': no %s marker: the partition is incomplete", tdir, newest,
			     WH_MARKER);
	}
	base_part = strdup(newest);
	{
		char *mp = pathf("%s/%s/%s", tdir, newest, WH_MARKER);
		if (wh_manifest_read(mp, &base_m, &err) < 0)
			prog_fail(&err);
		if (base_m.kind != WH_BASE || !base_m.has_from)
			fail("'%s': not the marker of a full partition", mp);
		free(mp);
	}
	from = base_m.from;
	wh_free_list(all, nall);
	wh_free_list(done, ndone);
	free(tdir);
}

/* ---- installing the partition ---- */

static void clean_tmp(const char *tdir)
{
	DIR *d = opendir(tdir);
	struct dirent *e;
	struct mc_err err = { 0 };
	if (!d)
		return;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, ".tmp-", 5) == 0) {
			char *p = pathf("%s/%s", tdir, e->d_name);
			if (wh_rmtree(p, &err) < 0)
				prog_fail(&err);
			free(p);
		}
	closedir(d);
}

static void drop_part(const char *pdir)
{
	struct mc_err err = { 0 };
	char *mk = pathf("%s/%s", pdir, WH_MARKER);
	if (unlink(mk) == 0 && afile_sync_dir(pdir, &err) < 0)
		prog_fail(&err);
	if (wh_rmtree(pdir, &err) < 0 || afile_sync_dir(pdir, &err) < 0)
		prog_fail(&err);
	free(mk);
}

/* The lowest `from` of the table's complete full partitions: the log
 * below it is needed by no rerun and no --at that a kept partition can
 * answer. 0 when there is none. */
static int kept_from(const char *tdir, struct mc_pos *lo)
{
	struct mc_err err = { 0 };
	char **done;
	size_t ndone;
	int have = 0;
	if (wh_list_parts(tdir, 0, &done, &ndone, &err) < 0)
		prog_fail(&err);
	for (size_t i = 0; i < ndone; i++) {
		char *mp = pathf("%s/%s/%s", tdir, done[i], WH_MARKER);
		struct wh_manifest pm;
		if (wh_manifest_read(mp, &pm, &err) < 0)
			prog_fail(&err);
		if (pm.kind == WH_BASE && pm.has_from && (!have || pos_cmp(&pm.from, lo) < 0)) {
			*lo = pm.from;
			have = 1;
		}
		wh_manifest_free(&pm);
		free(mp);
	}
	wh_free_list(done, ndone);
	return have;
}

/* Drop the log partitions that no kept full partition needs (docs/mc-merge.md):
 * complete, named by a day before the ledger's high-water day (mc-tunnel-put
 * writes no more into them), every file's positions below the kept `from`. */
static void lifecycle_drop_log(const struct wh_ledger *L)
{
	struct mc_err err = { 0 };
	char *tdir = pathf("%s/%s", whdir, table), *ldir = pathf("%s/%s_log", whdir, table);
	char **done;
	size_t ndone;
	struct mc_pos lo;
	int64_t hwday;

	if (!L->has_hw || !kept_from(tdir, &lo)) {
		free(tdir);
		free(ldir);
		return;
	}
	hwday = wh_day_of(L->hw_time, L->utc_off);
	if (wh_list_parts(ldir, 0, &done, &ndone, &err) < 0)
		prog_fail(&err);
	for (size_t i = 0; i < ndone; i++) {
		int64_t d;
		char *mp;
		struct wh_manifest lm;
		int needed = 0;
		if (part_day(done[i], &d) < 0 || d >= hwday)
			continue;
		mp = pathf("%s/%s/%s", ldir, done[i], WH_MARKER);
		if (wh_manifest_read(mp, &lm, &err) < 0)
			prog_fail(&err);
		for (size_t j = 0; j < lm.nfiles && !needed; j++)
			needed = lm.files[j].has_pos ? pos_cmp(&lm.files[j].hi, &lo) >= 0
						     : lm.files[j].rows > 0;
		wh_manifest_free(&lm);
		free(mp);
		if (!needed) {
			char *p = pathf("%s/%s", ldir, done[i]);
			drop_part(p);
			if (verbose)
				prog_warn("lifecycle: dropped '%s_log/%s'", table, done[i]);
			free(p);
		}
	}
	wh_free_list(done, ndone);
	free(tdir);
	free(ldir);
}

static void lifecycle_drop(int64_t day, const struct wh_ledger *L)
{
	struct mc_err err = { 0 };
	char *tdir = pathf("%s/%s", whdir, table);
	char **all;
	size_t nall;
	if (lifecycle == 0) {
		free(tdir);
		return;
	}
	if (wh_list_parts(tdir, 1, &all, &nall, &err) < 0)
		prog_fail(&err);
	for (size_t i = 0; i < nall; i++) {
		int64_t d;
		if (part_day(all[i], &d) == 0 && d <= day - (int64_t)lifecycle) {
			char *p = pathf("%s/%s", tdir, all[i]);
			drop_part(p);
			if (verbose)
				prog_warn("lifecycle: dropped '%s'", all[i]);
			free(p);
		}
	}
	wh_free_list(all, nall);
	free(tdir);
	lifecycle_drop_log(L);
}

/* seconds since some point, for -v */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static double t_start, t_read;

static void say_times(void)
{
	double t = now_s();
	prog_warn("read in %.2f s, merged and written in %.2f s", t_read - t_start, t - t_read);
}

/* An unsorted base, every row an entry. */
static void read_base(struct merger *m)
{
	struct mc_err err = { 0 };
	{
		/* the next file is opened ahead: its decompression overlaps */
		struct freader frs[2];
		struct mc_buf kb = { 0 };
		if (base_m.nfiles > 0)
			fr_open(&frs[0], base_path(0), &base_m.files[0]);
		for (size_t i = 0; i < base_m.nfiles; i++) {
			struct freader *fr = &frs[i % 2];
			struct mc_rec r;
			if (i + 1 < base_m.nfiles)
				fr_open(&frs[(i + 1) % 2], base_path(i + 1), &base_m.files[i + 1]);
			while (fr_next(fr, &r) > 0) {
				size_t n;
				const char *raw = rio_raw(&fr->rd, &n);
				if (r.op != MC_OP_SNAPSHOT || !r.after)
					fail("'%s': record %llu: a %s row in a base partition", fr->path,
					     (unsigned long long)fr->rd.recno, rec_op_name(r.op));
				kb.len = 0;
				if (merge_key_encode(&kb, r.after, r.nafter, keycols, nkey, &err) < 0 ||
				    merger_add(m, kb.p, kb.len, &r.pos, 0, 1, raw, n, &err) < 0) {
					mc_errctx(&err, "'%s': record %llu: ", fr->path,
						  (unsigned long long)fr->rd.recno);
					prog_fail(&err);
				}
			}
			fr_close(fr);
		}
		buf_free(&kb);
	}
}

/* Merge into fd. stream: the base is not known to be in key order but is
 * pulled as if it were (its decompression then overlaps the output's
 * compression, and only the log is sorted), checking the order; 1 when
 * it is not in order (nothing kept: merge again without stream). */
static int merge_to(int fd, int stream, struct wh_schema *lschema, const char *rundir,
		    struct merger **mp)
{
	struct mc_err err = { 0 };
	uint64_t readers = base_m.sorted || stream ? (memory >= PULL_AHEAD_MIN ? 2 : 1) * READER_COST : 0;
	struct merger *m = merger_new(memory > 2 * readers ? memory - readers : memory / 2, rundir, &err);
	if (!m)
		prog_fail(&err);
	live_merger = m;
	log_rows = log_files = 0;
	if (!stream && !base_m.sorted)
		read_base(m);
	read_log(m, lschema);
	t_read = now_s();
	out_begin(fd, zlevel);
	pull_reset(&pl);
	if (merger_finish(m, base_m.sorted || stream ? pull_next : NULL, &pl, emit_row, NULL,
			  &err) < 0) {
		struct merge_stats st;
		merger_stats(m, &st);
		if (st.unordered && pl.fr.open)
			mc_errctx(&err, "'%s': record %llu: ", pl.fr.path,
				  (unsigned long long)pl.fr.rd.recno);
		if (!st.unordered || !stream)
			prog_fail(&err);
		if (verbose)
			prog_warn("%s: sorting it", err.msg);
		pull_reset(&pl);
		out_abort(fd);
		live_merger = NULL;
		merger_free(m);
		return 1;
	}
	pull_reset(&pl);
	out_end();
	*mp = m;
	return 0;
}

static uint64_t default_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	uint64_t m = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz / 4 : (1ull << 30);
	return m < (64u << 20) ? (64u << 20) : m;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "warehouse", required_argument, NULL, 'w' },
		{ "table", required_argument, NULL, 't' },
		{ "ds", required_argument, NULL, 'd' },
		{ "at", required_argument, NULL, 'a' },
		{ "key", required_argument, NULL, 'k' },
		{ "memory", required_argument, NULL, 'm' },
		{ "tmpdir", required_argument, NULL, 'T' },
		{ "lifecycle", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "zstd", required_argument, NULL, 'z' },
		{ "emit-sql", no_argument, NULL, 'S' },
		{ "dialect", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const dialects[] = { "maxcompute", "sqlite", NULL };
	struct mc_err err = { 0 };
	struct wh_ledger L;
	struct wh_schema lschema = { 0 };
	struct merger *m;
	int c, lockfd = -1, have_day = 0, at_pos = 0;
	int64_t day = 0, at_time = 0;
	uint64_t u;
	char *tdir, *sp, *lock;

	prog_init("mc-merge");
	while ((c = getopt_long(argc, argv, "w:t:d:a:k:m:l:o:z:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			whdir = optarg;
			break;
		case 't':
			if (!wh_name_ok(optarg, strlen(optarg)))
				prog_usage_error("bad value for --table: '%s' (a warehouse table name)", optarg);
			table = optarg;
			break;
		case 'd':
			if (wh_day_parse(optarg, &day) < 0)
				prog_usage_error("bad value for --ds: '%s' (want YYYYMMDD)", optarg);
			opt_ds = optarg;
			have_day = 1;
			break;
		case 'a':
			opt_at = optarg;
			if (pos_parse(optarg, &upto, &err) == 0)
				at_pos = 1;
			else if (wh_datetime_parse(optarg, &at_time) < 0)
				prog_usage_error("bad value for --at: '%s' (want FILE:OFFSET:ROW or 'YYYY-MM-DD hh:mm:ss')", optarg);
			break;
		case 'k':
			opt_key = optarg;
			break;
		case 'm':
			if (opt_size("--memory", optarg, 1u << 20, UINT64_MAX / 2, &memory, &err) < 0)
				prog_usage_error("%s", err.msg);
			break;
		case 'T':
			tmpdir = optarg;
			break;
		case 'l':
			if (opt_u64("--lifecycle", optarg, 0, 100000, &lifecycle, &err) < 0)
				prog_usage_error("%s", err.msg);
			break;
		case 'o':
			output = optarg;
			break;
		case 'z':
			if (opt_u64("--zstd", optarg, 0, 19, &u, &err) < 0)
				prog_usage_error("%s", err.msg);
			zlevel = (int)u;
			break;
		case 'S':
			emit_sql = 1;
			break;
		case 'D':
			if (opt_choice("--dialect", optarg, dialects, &dialect, &err) < 0)
				prog_usage_error("%s", err.msg);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			prog_help(usage);
		case 'V':
			prog_version();
		default:
			prog_usage_error("bad option");
		}
	}
	if (optind < argc)
		prog_usage_error("unexpected argument '%s'", argv[optind]);
	if (!whdir || !table)
		prog_usage_error("--warehouse and --table are required");
	if (!opt_ds && !(opt_at && output))
		prog_usage_error("--ds is required (or --at with --output)");
	if (!memory)
		memory = default_memory();
	if (zlevel < 0)
		zlevel = output ? 0 : 1;

	tdir = pathf("%s/%s", whdir, table);
	{
		struct stat st;
		if (stat(tdir, &st) < 0 || !S_ISDIR(st.st_mode))
			fail("'%s': no such table in the warehouse", tdir);
	}
	if (!emit_sql) {
		char *sd = pathf("%s/%s", whdir, WH_STATE);
		lock = pathf("%s/merge-%s.lock", sd, table);
		if (wh_mkdirs(sd, &err) < 0 || wh_lock(lock, &lockfd, &err) < 0)
			prog_fail(&err);
		free(sd);
		free(lock);
		clean_tmp(tdir);
	}
	if (wh_ledger_read(whdir, &L, &err) < 0)
		prog_fail(&err);

	/* the first day's base is the snapshot itself */
	if (have_day && !opt_at && !output && !emit_sql) {
		char *mp = pathf("%s/ds=%s/%s", tdir, opt_ds, WH_MARKER);
		struct wh_manifest sm;
		int rc = wh_manifest_read(mp, &sm, &err);
		if (rc < 0)
			prog_fail(&err);
		if (rc > 0 && sm.by == WH_BY_PUT) {
			if (verbose)
				prog_warn("'%s/ds=%s' is the snapshot: nothing to merge", table, opt_ds);
			wh_manifest_free(&sm);
			free(mp);
			free(tdir);
			wh_ledger_free(&L);
			prog_close_stdout();
			return 0;
		}
		if (rc > 0)
			wh_manifest_free(&sm);
		free(mp);
	}

	/* schemas */
	sp = pathf("%s/%s", tdir, WH_SCHEMA);
	if (wh_schema_read(sp, &schema, &err) <= 0) {
		if (err.code == 0)
			mc_errf(&err, MC_EXIT_DATA, "'%s': missing", sp);
		prog_fail(&err);
	}
	free(sp);
	sp = pathf("%s/%s_log/%s", whdir, table, WH_SCHEMA);
	if (wh_schema_read(sp, &lschema, &err) < 0)
		prog_fail(&err);
	if (lschema.have && !wh_schema_same(&lschema.rec, &schema.rec)) {
		char why[300];
		wh_schema_diff(&lschema.rec, &schema.rec, why, sizeof why);
		fail("schema mismatch between '%s_log' and '%s': %s", table, table, why);
	}
	free(sp);
	resolve_key();

	/* the upper end: [from, upto) */
	if (opt_at && at_pos) {
		if (upto.row == UINT64_MAX)
			upto_inf = 1;
		else
			upto.row++;
	} else if (opt_at) {
		cut_at_time(at_time - L.utc_off, &L);
	} else if (!wh_ledger_cut(&L, day, &upto)) {
		char d[16];
		wh_day_format(day + 1, d);
		fail("the log has not reached the end of %s yet: no change stamped on %s or later "
		     "has been committed (see docs/merge.md; or use --at)", opt_ds, d);
	}
	choose_base(day, have_day);
	if (!upto_inf && pos_cmp(&from, &upto) > 0) {
		char a[64], b[64];
		pos_format(&from, a, sizeof a);
		pos_format(&upto, b, sizeof b);
		fail("the base partition '%s' starts at %s, after the point asked (%s)", base_part, a, b);
	}


	if (emit_sql) {
		struct merge_sql q;
		struct mc_buf b = { 0 };
		memset(&q, 0, sizeof q);
		q.schema = &schema.rec;
		q.key = keycols;
		q.nkey = nkey;
		q.table = table;
		q.base_part = base_part;
		q.ds = opt_ds;
		q.from = from;
		q.upto = upto;
		q.upto_inf = upto_inf;
		q.dialect = dialect;
		if (merge_sql_emit(&b, &q, &err) < 0)
			prog_fail(&err);
		if (io_write_all(1, b.p, b.len) < 0) {
			mc_errnof(&err, errno, "standard output");
			prog_fail(&err);
		}
		buf_free(&b);
		wh_manifest_free(&base_m);
		wh_schema_free(&schema);
		wh_schema_free(&lschema);
		wh_ledger_free(&L);
		free(base_part);
		free(tdir);
		prog_close_stdout();
		return 0;
	}

	/* merge: runs go to the table's directory unless --tmpdir says
	 * otherwise (there a killed run's .tmp-merge.* is removed next time) */
	t_start = now_s();
	atexit(cleanup);

	if (output) {
		int fd = 1;
		if (strcmp(output, "-") != 0 &&
		    (fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
			mc_errnof(&err, errno, "'%s'", output);
			prog_fail(&err);
		}
		{
			/* pull an unsorted base as if sorted only where what was
			 * written can be taken back */
			struct stat ost;
			int stream = !base_m.sorted && base_m.nfiles > 0 && strcmp(output, "-") != 0 &&
				     fstat(fd, &ost) == 0 && S_ISREG(ost.st_mode);
			if (merge_to(fd, stream, &lschema, tmpdir ? tmpdir : tdir, &m) > 0)
				merge_to(fd, 0, &lschema, tmpdir ? tmpdir : tdir, &m);
		}
		if (fd != 1 && close(fd) < 0) {
			mc_errnof(&err, errno, "'%s'", output);
			prog_fail(&err);
		}
		if (verbose)
			say_times();
	} else {
		char *tmp = pathf("%s/.tmp-ds=%s.XXXXXX", tdir, opt_ds), *file, *final;
		struct afile af;
		struct stat st;
		struct wh_manifest om;
		struct wh_file f;
		if (!mkdtemp(tmp) || chmod(tmp, 0755) < 0) {
			mc_errnof(&err, errno, "'%s'", tmp);
			prog_fail(&err);
		}
		live_tmp = tmp;
		file = pathf("%s/part-000000.mcr.zst", tmp);
		if (afile_open(&af, file, &err) < 0)
			prog_fail(&err);
		if (merge_to(af.fd, !base_m.sorted && base_m.nfiles > 0, &lschema,
			     tmpdir ? tmpdir : tdir, &m) > 0)
			merge_to(af.fd, 0, &lschema, tmpdir ? tmpdir : tdir, &m);
		if (fstat(af.fd, &st) < 0) {
			mc_errnof(&err, errno, "'%s'", file);
			prog_fail(&err);
		}
		if (afile_commit(&af, &err) < 0)
			prog_fail(&err);
		memset(&om, 0, sizeof om);
		om.kind = WH_BASE;
		om.by = WH_BY_MERGE;
		om.sorted = 1;
		om.has_from = 1;
		om.has_upto = !upto_inf;
		om.from = upto;
		om.upto = upto;
		if (upto_inf)
			om.from = L.has_pos ? L.pos : from;
		memset(&f, 0, sizeof f);
		f.name = "part-000000.mcr.zst";
		f.rows = out.rows;
		f.bytes = (uint64_t)st.st_size;
		f.has_pos = out.has_pos;
		f.lo = out.lo;
		f.hi = out.hi;
		f.has_time = out.has_time;
		f.tmin = out.tmin;
		f.tmax = out.tmax;
		if (wh_manifest_add(&om, &f, &err) < 0)
			prog_fail(&err);
		{
			char *mk = pathf("%s/%s", tmp, WH_MARKER);
			if (wh_manifest_write(mk, &om, &err) < 0)
				prog_fail(&err);
			free(mk);
		}
		wh_manifest_free(&om);
		/* swap in: the old partition stops existing when its marker goes */
		final = pathf("%s/ds=%s", tdir, opt_ds);
		{
			struct stat fs;
			if (stat(final, &fs) == 0)
				drop_part(final);
		}
		if (rename(tmp, final) < 0) {
			mc_errnof(&err, errno, "'%s': rename", final);
			prog_fail(&err);
		}
		live_tmp = NULL;
		if (afile_sync_dir(tdir, &err) < 0)
			prog_fail(&err);
		if (verbose) {
			struct merge_stats st2;
			merger_stats(m, &st2);
			prog_warn("'%s/ds=%s': %llu rows from base '%s' and %llu changes in %llu "
				  "files (%llu entries, %llu runs, %llu passes)", table, opt_ds,
				  (unsigned long long)out.rows, base_part,
				  (unsigned long long)log_rows, (unsigned long long)log_files,
				  (unsigned long long)st2.entries, (unsigned long long)st2.runs,
				  (unsigned long long)st2.passes);
			say_times();
		}
		free(tmp);
		free(file);
		free(final);
		lifecycle_drop(day, &L);
	}
	live_merger = NULL;
	merger_free(m);
	wh_manifest_free(&base_m);
	wh_schema_free(&schema);
	wh_schema_free(&lschema);
	wh_ledger_free(&L);
	free(base_part);
	free(tdir);
	if (lockfd >= 0)
		close(lockfd);
	prog_close_stdout();
	return 0;
}
