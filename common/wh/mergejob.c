/* mergejob.c: a merge job's run (mergejob.h): lock, schemas, the plan,
 * the merge into a record stream, and installing it as a full partition
 * with its manifest. */
#include "wh/mergejob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "base/afile.h"
#include "base/alloc.h"
#include "stream/crc32c.h"
#include "wh/layout.h"
#include "wh/merge_sql.h"
#include "wh/mergejob_int.h"
#include "wh/sqlhist.h"

void mergejob_opts_init(struct mergejob_opts *o)
{
	memset(o, 0, sizeof *o);
	o->lifecycle = 30;
	o->zlevel = -1;
}

void mj_say(struct mergejob *j, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	if (!j->o.verbose || !j->o.say.fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	j->o.say.fn(j->o.say.ctx, line);
}

int mj_open(struct mergejob *j, struct wh_reader *r, char *path, const struct wh_file *f,
	    struct mc_err *err)
{
	struct mc_err e = { 0 };
	if (wh_reader_open(r, path, f, &j->schema.rec, err) < 0)
		return -1;
	if (j->has_hist) /* rows of other versions are converted */
		r->lenient = r->keep_cur = 1;
	/* decompress in a second thread; without it, read as usual */
	if (zin_read_ahead(&r->rd.in, &e) < 0)
		mj_say(j, "%s", e.msg);
	return 0;
}

char *mj_base_path(struct mergejob *j, size_t i)
{
	return wh_pathf("%s/%s/%s", j->gdir ? j->gdir : j->tdir, j->base_part,
			j->base_m.files[i].name);
}

/* seconds since some point, for -v */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void say_times(struct mergejob *j)
{
	double t = now_s();
	mj_say(j, "read in %.2f s, merged and written in %.2f s", j->t_read - j->t_start,
	       t - j->t_read);
}

static uint64_t default_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	uint64_t m = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz / 4 : (1ull << 30);
	return m < (64u << 20) ? (64u << 20) : m;
}

/* ---- output ---- */

static int out_write(struct mj_out *out, const char *p, size_t n, struct mc_err *err)
{
	if (buf_add(&out->buf, p, n) < 0)
		return mc_oom(err, "output");
	if (out->buf.len >= (256u << 10)) {
		out->crc = crc32c(out->crc, out->buf.p, out->buf.len);
		if (zout_write(&out->z, out->buf.p, out->buf.len, err) < 0)
			return mc_errctx(err, "'%s': ", out->name);
		out->buf.len = 0;
	}
	return 0;
}

static int emit_row(void *ctx, const struct mc_pos *pos, const char *rec, size_t rlen,
		    struct mc_err *err)
{
	struct mj_out *out = ctx;
	if (out->job && mj_row_full(out->job, rec, rlen, err) < 0)
		return -1;
	if (!out->has_pos || pos_cmp(pos, &out->lo) < 0)
		out->lo = *pos;
	if (!out->has_pos || pos_cmp(pos, &out->hi) > 0)
		out->hi = *pos;
	out->has_pos = 1;
	out->rows++;
	if ((out->rows & 0xffff) == 0 && out->job)
		mj_progress(out->job, "merge");
	return out_write(out, rec, rlen, err);
}

static void out_free(struct mj_out *out)
{
	if (out->open)
		zout_close(&out->z);
	buf_free(&out->buf);
	memset(out, 0, sizeof *out);
}

static int out_begin(struct mergejob *j, int fd, struct mc_err *err)
{
	struct mj_out *out = &j->out;
	struct mc_rec h;
	struct mc_kv meta[3];
	char part[64];
	snprintf(part, sizeof part, "ds=%s", j->o.ds ? j->o.ds : "");
	meta[0].k = mc_str_c("writer", 6);
	meta[0].v = mc_str_c("mc-merge", 8);
	meta[1].k = mc_str_c("table", 5);
	meta[1].v = mc_str_c(j->o.table, strlen(j->o.table));
	meta[2].k = mc_str_c("partition", 9);
	meta[2].v = mc_str_c(part, strlen(part));
	if (zout_init(&out->z, fd, j->zlevel, err) < 0)
		return -1;
	out->open = 1;
	out->job = j;
	/* Compress in worker threads (2 when memory allows). The output of
	 * zstd's threaded mode does not depend on the number of workers, so
	 * every --memory gives the same bytes; small jobs keep its buffers to
	 * a few MB. */
	if (j->zlevel > 0 && out->z.cctx) {
		ZSTD_CCtx_setParameter(out->z.cctx, ZSTD_c_nbWorkers,
				       j->memory >= (64u << 20) ? 2 : 1);
		ZSTD_CCtx_setParameter(out->z.cctx, ZSTD_c_jobSize, 1 << 20);
		ZSTD_CCtx_setParameter(out->z.cctx, ZSTD_c_windowLog, 20);
	}
	memset(&h, 0, sizeof h);
	h.kind = MC_R_HEADER;
	h.version = MC_REC_VERSION;
	h.meta = meta;
	h.nmeta = j->o.ds ? 3 : 2;
	if (rec_encode(&out->buf, &h, err) < 0 ||
	    out_write(out, j->schema.raw.p, j->schema.raw.len, err) < 0)
		return -1;
	return 0;
}

/* Drop what was written to fd (a regular file we opened) and start over. */
static int out_abort(struct mj_out *out, int fd, struct mc_err *err)
{
	out_free(out);
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return mc_errnof(err, errno, "output");
	return 0;
}

static int out_end(struct mj_out *out, struct mc_err *err)
{
	struct mc_rec t;
	memset(&t, 0, sizeof t);
	t.kind = MC_R_TRAILER;
	t.count = out->rows + 1;
	t.has_crc = 1;
	t.crc = crc32c(out->crc, out->buf.p, out->buf.len);
	if (rec_encode(&out->buf, &t, err) < 0)
		return -1;
	if (zout_write(&out->z, out->buf.p, out->buf.len, err) < 0 || zout_end(&out->z, err) < 0)
		return mc_errctx(err, "'%s': ", out->name);
	zout_close(&out->z);
	out->open = 0;
	buf_free(&out->buf);
	return 0;
}

/* ---- merging ---- */

static void merger_drop(struct mergejob *j)
{
	merger_free(j->merger);
	j->merger = NULL;
	mj_kc_free(j);
}

/* Merge into fd. stream: the base is not known to be in key order but is
 * pulled as if it were (its decompression then overlaps the output's
 * compression, and only the log is sorted), checking the order; 1 when
 * it is not in order (nothing kept: merge again without stream). */
static int merge_to(struct mergejob *j, int fd, int stream, struct mc_err *err)
{
	const char *rundir = j->o.tmpdir ? j->o.tmpdir : j->tdir;
	/* below a TRUNCATE the base does not count */
	int pulled = !j->has_barrier && (j->base_m.sorted || stream);
	uint64_t readers = pulled ? (j->memory >= MJ_PULL_AHEAD_MIN ? 2 : 1) * MJ_READER_COST : 0;
	struct merge_stats st;

	j->st.log_rows = j->st.log_files = 0;
	/* the input: the log read for its DDL, the base (unless emptied by a
	 * TRUNCATE) and the log to read (again, when the base is sorted now) */
	j->in_done = j->log_bytes;
	j->in_total = 2 * j->log_bytes + (j->has_barrier ? 0 : j->base_bytes);
	if (mj_kc_new(j, err) < 0) /* a --key the table does not have: checked */
		return -1;
	if (j->nkph) { /* a change of the key: in steps (mergejob_key.c) */
		mj_progress(j, "read");
		if (mj_key_phases(j, err) < 0)
			return -1;
		if (mj_read_log(j, err) < 0) {
			merger_stats(j->merger, &st);
			return st.duplicate ? mj_dup_error(j, err) : -1;
		}
		pulled = 0;
		goto merge;
	}
	j->merger = merger_new(j->memory - j->kc_mem > 2 * readers ? j->memory - j->kc_mem - readers
								 : (j->memory - j->kc_mem) / 2,
			       rundir, err);
	if (!j->merger)
		return -1;
	merger_unique_base(j->merger);
	{
		char name[160];
		snprintf(name, sizeof name, "%s.%ld", j->o.table, (long)getpid());
		merger_tmp_name(j->merger, name);
	}
	mj_progress(j, "read");
	if ((!pulled && !j->has_barrier && mj_read_base(j, err) < 0) || mj_read_log(j, err) < 0) {
		merger_stats(j->merger, &st);
		return st.duplicate ? mj_dup_error(j, err) : -1;
	}
merge:
	j->t_read = now_s();
	mj_progress(j, "merge");
	if (out_begin(j, fd, err) < 0)
		return -1;
	mj_pull_reset(&j->pl);
	/* the key check: before anything is written, or beside a pulled base */
	if (j->kc && (pulled ? keycheck_start(j->kc, err) : mj_kc_end(j, err)) < 0)
		return -1;
	if (!pulled)
		mj_kc_free(j); /* done: its memory back */
	if (merger_finish(j->merger, !pulled ? NULL : j->kc ? mj_kc_pull : mj_pull_next, j,
			  emit_row, &j->out, err) == 0) {
		mj_pull_reset(&j->pl);
		if (pulled && mj_kc_end(j, err) < 0)
			return -1;
		return out_end(&j->out, err);
	}
	merger_stats(j->merger, &st);
	if (st.duplicate) {
		mj_pull_reset(&j->pl);
		return mj_dup_error(j, err);
	}
	if (st.unordered && j->pl.fr.open)
		mc_errctx(err, "'%s': record %llu: ", j->pl.fr.path,
			  (unsigned long long)j->pl.fr.rd.recno);
	if (!st.unordered || !stream)
		return -1;
	mj_say(j, "%s: sorting it", err->msg);
	mj_pull_reset(&j->pl);
	merger_drop(j);
	if (out_abort(&j->out, fd, err) < 0)
		return -1;
	return 1;
}

/* Merge into fd, streaming the base when stream says it may be, sorting
 * it when that finds it out of order. */
static int merge_into(struct mergejob *j, int fd, const char *name, int stream,
		      struct mc_err *err)
{
	int rc;
	j->out.name = name;
	rc = merge_to(j, fd, stream, err);
	if (rc > 0) {
		j->out.name = name;
		rc = merge_to(j, fd, 0, err);
	}
	return rc < 0 ? -1 : 0;
}

static int fstat_regular(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* --output: the state as a record stream into a file or fd 1. */
static int write_output(struct mergejob *j, struct mc_err *err)
{
	const char *output = j->o.output;
	struct stat ost;
	int fd = 1, stream, rc;
	if (strcmp(output, "-") != 0 &&
	    (fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return mc_errnof(err, errno, "'%s'", output);
	/* pull an unsorted base as if sorted only where what was written can
	 * be taken back */
	stream = !j->base_m.sorted && j->base_m.nfiles > 0 && strcmp(output, "-") != 0 &&
		 fstat(fd, &ost) == 0 && S_ISREG(ost.st_mode);
	rc = merge_into(j, fd, fd == 1 ? "standard output" : output, stream, err);
	if (fd != 1 && close(fd) < 0 && rc == 0)
		rc = mc_errnof(err, errno, "'%s'", output);
	/* a failed merge leaves no partial state behind as if it were one */
	if (rc < 0 && fd != 1 && fstat_regular(output))
		unlink(output);
	if (rc == 0)
		say_times(j);
	return rc;
}

/* The manifest of the partition written: one file, st its size. */
static int write_manifest(struct mergejob *j, const struct stat *st, struct mc_err *err)
{
	struct wh_manifest om;
	struct wh_file f;
	char *mk;
	int rc;
	memset(&om, 0, sizeof om);
	om.kind = WH_BASE;
	om.by = WH_BY_MERGE;
	om.sorted = 1;
	if (mj_key_names(j, om.sorted_key, sizeof om.sorted_key) < 0)
		om.sorted_key[0] = 0;
	om.has_from = 1;
	om.has_upto = !j->upto_inf;
	om.from = j->upto;
	om.upto = j->upto;
	om.gen = j->base_gen;
	if (j->upto_inf)
		om.from = j->L.has_pos ? j->L.pos : j->from;
	memset(&f, 0, sizeof f);
	f.name = WH_WHOLE_PART_FILE;
	f.rows = j->out.rows;
	f.bytes = (uint64_t)st->st_size;
	f.has_pos = j->out.has_pos;
	f.lo = j->out.lo;
	f.hi = j->out.hi;
	f.has_time = j->out.has_time;
	f.tmin = j->out.tmin;
	f.tmax = j->out.tmax;
	if (wh_manifest_add(&om, &f, err) < 0)
		return -1;
	mj_manifest_out(j, &om);
	if (!(mk = wh_pathf("%s/%s", j->tmp, WH_MARKER))) {
		wh_manifest_free(&om);
		return mc_oom(err, "path");
	}
	rc = wh_manifest_write(mk, &om, err);
	free(mk);
	wh_manifest_free(&om);
	return rc;
}

/* Write the partition into a temporary directory, then swap it in: the
 * old partition stops existing when its marker goes. */
static int write_partition(struct mergejob *j, struct mc_err *err)
{
	struct afile af;
	struct stat st;
	struct merge_stats ms;
	char *file, *final;
	int rc;

	if (!(j->tmp = wh_pathf("%s/.tmp-ds=%s.%ld.XXXXXX", j->tdir, j->o.ds, (long)getpid())))
		return mc_oom(err, "path");
	if (!mkdtemp(j->tmp)) {
		mc_errnof(err, errno, "'%s'", j->tmp);
		free(j->tmp);
		j->tmp = NULL;
		return -1;
	}
	if (chmod(j->tmp, 0755) < 0)
		return mc_errnof(err, errno, "'%s'", j->tmp);
	if (!(file = wh_pathf("%s/%s", j->tmp, WH_WHOLE_PART_FILE)))
		return mc_oom(err, "path");
	rc = afile_open(&af, file, err);
	if (rc == 0) {
		rc = merge_into(j, af.fd, file, !j->base_m.sorted && j->base_m.nfiles > 0, err);
		if (rc == 0 && fstat(af.fd, &st) < 0)
			rc = mc_errnof(err, errno, "'%s'", file);
		if (rc == 0)
			rc = afile_commit(&af, err);
		else
			afile_abort(&af);
	}
	free(file);
	if (rc < 0 || write_manifest(j, &st, err) < 0)
		return -1;
	if (j->gdir || j->has_hist) { /* the table's schema from the re-snapshot, or
				       * the version merged to, on */
		char *sp = wh_pathf("%s/%s", j->tdir, WH_SCHEMA);
		if (!sp)
			return mc_oom(err, "path");
		rc = wh_schema_append(sp, &j->schema.rec, err);
		free(sp);
		if (rc < 0)
			return -1;
	}
	if (!(final = wh_pathf("%s/ds=%s", j->tdir, j->o.ds)))
		return mc_oom(err, "path");
	{
		/* a rerun: the new partition and the old one swapped in one
		 * step where the file system can, so that the day never has no
		 * partition (a kill or a failure between dropping the old one
		 * and renaming the new one left none, and a --lifecycle after
		 * could drop the base it would be made again from); the old
		 * one, in the temporary's place, is removed then */
		struct stat fs;
		rc = stat(final, &fs) == 0 ? wh_swap_dirs(j->tmp, final, err) : 0;
		if (rc > 0)
			rc = wh_drop_part(j->tmp, err) < 0 ? -1 : 1;
		else if (rc == 0 && stat(final, &fs) == 0 && wh_drop_part(final, err) < 0)
			rc = -1;
		if (rc < 0) {
			free(final);
			return -1;
		}
	}
	if (rc == 0 && rename(j->tmp, final) < 0) {
		mc_errnof(err, errno, "'%s': rename", final);
		free(final);
		return -1;
	}
	free(final);
	free(j->tmp);
	j->tmp = NULL;
	if (afile_sync_dir(j->tdir, err) < 0)
		return -1;
	merger_stats(j->merger, &ms);
	mj_say(j, "'%s/ds=%s': %llu rows from base '%s' and %llu changes in %llu "
		  "files (%llu entries, %llu runs, %llu passes)", j->o.table, j->o.ds,
	       (unsigned long long)j->out.rows, j->base_part,
	       (unsigned long long)j->st.log_rows, (unsigned long long)j->st.log_files,
	       (unsigned long long)ms.entries, (unsigned long long)ms.runs,
	       (unsigned long long)ms.passes);
	say_times(j);
	return mj_lifecycle(j, err);
}

/* ---- the run ---- */

/* The first day's base is the snapshot itself: 1 when ds is it. */
static int ds_is_snapshot(struct mergejob *j, struct mc_err *err)
{
	struct wh_manifest sm;
	char *part = wh_pathf("ds=%s", j->o.ds);
	int rc;
	if (!part)
		return mc_oom(err, "path");
	rc = wh_part_manifest(j->tdir, part, &sm, err);
	free(part);
	if (rc <= 0)
		return rc;
	rc = sm.by == WH_BY_PUT;
	wh_manifest_free(&sm);
	return rc;
}

/* --skip-merged: 1 when ds needs no merge: its full partition is there
 * complete (a marker of a full partition, as the merge or the snapshot's
 * load writes it, and each file it names there at its size: nothing of
 * the data is read), or the day is before the table's oldest full
 * partition (before the snapshot's day, or dropped by --lifecycle), which
 * leaves no base to make it from. 0: merge it as usual. */
static int ds_skip(struct mergejob *j, struct mc_err *err)
{
	char **all, **done;
	size_t nall, ndone, i;
	int64_t d, oldest = 0;
	int have_oldest = 0, rc = 0;
	char od[16];

	if (wh_list_parts(j->tdir, 1, &all, &nall, err) < 0)
		return -1;
	if (wh_list_parts(j->tdir, 0, &done, &ndone, err) < 0) {
		wh_free_list(all, nall);
		return -1;
	}
	for (i = 0; i < ndone && rc == 0; i++) {
		struct wh_manifest m;
		if (wh_part_day(done[i], &d) < 0 || d != j->o.day)
			continue;
		if (wh_part_manifest(j->tdir, done[i], &m, err) < 0) {
			rc = -1;
			break;
		}
		rc = m.kind == WH_BASE && m.has_from;
		for (size_t f = 0; f < m.nfiles && rc > 0; f++) {
			struct stat st;
			char *fp = wh_pathf("%s/%s/%s", j->tdir, done[i], m.files[f].name);
			if (!fp) {
				rc = mc_oom(err, "path");
				break;
			}
			if (stat(fp, &st) < 0 || !S_ISREG(st.st_mode) ||
			    (uint64_t)st.st_size != m.files[f].bytes) {
				mj_say(j, "'%s': missing or not of the size its marker says: "
					  "merging the day again", fp);
				rc = 0;
			}
			free(fp);
		}
		wh_manifest_free(&m);
		if (rc > 0)
			mj_say(j, "'%s/ds=%s' is merged already: nothing to do (--skip-merged)",
			       j->o.table, j->o.ds);
	}
	for (i = 0; i < nall && rc == 0; i++)
		if (wh_part_day(all[i], &d) == 0 && (!have_oldest || d < oldest)) {
			oldest = d;
			have_oldest = 1;
		}
	if (rc == 0 && have_oldest && oldest > j->o.day) {
		day_format(oldest, od);
		mj_say(j, "'%s/ds=%s' is before the table's oldest full partition 'ds=%s': "
			  "nothing to do (--skip-merged)", j->o.table, j->o.ds, od);
		rc = MJ_SKIP_BEFORE;
	}
	wh_free_list(all, nall);
	wh_free_list(done, ndone);
	return rc;
}

/* The table has no base: no snapshot of it was loaded. Its changes alone
 * do not make its state (a table created or renamed onto its name after
 * the snapshot has none): say so, and what to do. */
static void no_snapshot(struct mergejob *j, const char *what, struct mc_err *err)
{
	struct stat st;
	mc_errf(err, MC_EXIT_DATA,
		"table '%s': no snapshot of it in the warehouse ('%s' is missing)%s: load one "
		"(mc-snapshot --tables=... | mc-tunnel-put --dest=%s), then merge (docs/merge.md "
		"\"DDL\")",
		j->o.table, what,
		stat(j->ldir, &st) == 0 ? ", only changes (a table created or renamed onto this "
					  "name after the snapshot has no snapshot of its own)"
					: "",
		j->o.whdir);
}

/* The schemas of the table and its log, which must agree. */
static int read_schemas(struct mergejob *j, struct mc_err *err)
{
	char *sp = wh_pathf("%s/%s", j->tdir, WH_SCHEMA);
	int rc;
	if (!sp)
		return mc_oom(err, "path");
	if ((rc = wh_schema_read(sp, &j->schema, err)) == 0)
		no_snapshot(j, sp, err);
	free(sp);
	if (rc <= 0)
		return -1;
	if (!(sp = wh_pathf("%s/%s", j->ldir, WH_SCHEMA)))
		return mc_oom(err, "path");
	rc = wh_schema_read(sp, &j->lschema, err);
	free(sp);
	return rc < 0 ? -1 : 0;
}

/* Once the base is chosen: a re-snapshot's schema is the table's from
 * there on; the log's must agree with it. */
static int hist_has(const struct mergejob *j, const struct mc_rec *r)
{
	for (size_t i = 0; i < j->shist.n; i++)
		if (schema_same(&j->shist.v[i].s.rec, r))
			return 1;
	return 0;
}

static int check_schemas(struct mergejob *j, struct mc_err *err)
{
	int rc0;
	if (j->gdir) {
		char *sp = wh_pathf("%s/%s", j->gdir, WH_SCHEMA);
		int rc;
		if (!sp)
			return mc_oom(err, "path");
		schema_copy_free(&j->schema);
		if ((rc = wh_schema_read(sp, &j->schema, err)) == 0)
			mc_errf(err, MC_EXIT_DATA, "'%s': missing", sp);
		free(sp);
		if (rc <= 0)
			return -1;
	}
	schema_copy_free(&j->base_schema);
	if (schema_copy_set(&j->base_schema, &j->schema.rec, err) < 0 ||
	    (rc0 = mj_hist_load(j, err)) < 0)
		return -1;
	if (rc0 > 0 && (rc0 = hist_has(j, &j->base_schema.rec)) > 0 &&
	    (!j->lschema.have || (rc0 = hist_has(j, &j->lschema.rec)) > 0))
		return 0; /* both are versions of the history */
	if (j->has_hist) { /* as before: the base's and the log's own */
		schema_copy_free(&j->schema);
		if (schema_copy_set(&j->schema, &j->base_schema.rec, err) < 0)
			return -1;
		mj_hist_free(j);
	}
	if (j->lschema.have && !schema_same(&j->lschema.rec, &j->schema.rec)) {
		/* one of the log's versions: the changes in range must be of it
		 * (a DDL after the point, or a re-snapshot after the DDL) */
		char *sp = wh_pathf("%s/%s", j->ldir, WH_SCHEMA);
		int rc;
		if (!sp)
			return mc_oom(err, "path");
		rc = wh_schema_has(sp, &j->schema.rec, err);
		free(sp);
		if (rc < 0)
			return -1;
		if (rc > 0)
			return 0;
	}
	if (j->lschema.have && !schema_same(&j->lschema.rec, &j->schema.rec)) {
		char why[300];
		schema_diff(&j->lschema.rec, &j->schema.rec, why, sizeof why);
		return mc_errf(err, MC_EXIT_DATA, "schema mismatch between '%s_log' and '%s': %s",
			       j->o.table, j->o.table, why);
	}
	return 0;
}

/* --at=POSITION must be within what is committed: every record at or
 * before it is in the warehouse, so the state there cannot change. The
 * committed end is the highest change position and the last transaction
 * boundary of the ledger (none: nothing is past the snapshot). */
static int at_committed(struct mergejob *j, struct mc_pos *point, struct mc_err *err)
{
	const struct mc_ledger *L = mj_at_src(j, err);
	struct mc_pos c = { 0, 0, 0 }, p = j->o.at_pos;
	char a[64];
	int have = 0;
	if (!L)
		return -1;
	if (L->has_pos) {
		c = L->pos;
		have = 1;
	}
	if (L->has_resume && (!have || pos_cmp(&L->resume, &c) > 0)) {
		c = L->resume;
		have = 1;
	}
	if (p.row == UINT64_MAX) /* FILE:OFFSET: every row there */
		p.row = have && p.file == c.file && p.off == c.off ? c.row : UINT64_MAX;
	*point = p;
	if (have && pos_cmp(&p, &c) <= 0)
		return 0;
	pos_format(&c, a, sizeof a);
	return mc_errf(err, MC_EXIT_DATA,
		       "--at=%s is beyond what the warehouse has committed (%s): the state there "
		       "can still change; merge at or below it, or wait for the log to pass it",
		       j->o.at, have ? a : "no change yet");
}

static void time_format(int64_t t, int64_t off, char out[32])
{
	time_t tt = (time_t)(t + off);
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)t);
}

/* The base must hold nothing after the point: rows of a snapshot stamped
 * after an --at time, or at positions not below the end of the range
 * (a snapshot's chunks read after the point). */
static int base_before_point(struct mergejob *j, struct mc_err *err)
{
	const struct wh_manifest *bm = &j->base_m;
	int has_hi = 0, has_t = 0;
	struct mc_pos hi = { 0, 0, 0 };
	int64_t tmax = 0;
	char a[64], b[64], t[32];
	for (size_t i = 0; i < bm->nfiles; i++) {
		const struct wh_file *f = &bm->files[i];
		if (f->rows && f->has_pos && (!has_hi || pos_cmp(&f->hi, &hi) > 0)) {
			hi = f->hi;
			has_hi = 1;
		}
		if (f->rows && f->has_time && (!has_t || f->tmax > tmax)) {
			tmax = f->tmax;
			has_t = 1;
		}
	}
	/* a chunk read later without rows: what it read is the state there */
	if (bm->has_wmax && (!has_hi || pos_cmp(&bm->wmax, &hi) > 0)) {
		hi = bm->wmax;
		has_hi = 1;
	}
	if (j->o.at && !j->o.at_is_pos && has_t && tmax > j->o.at_time - j->L.utc_off) {
		time_format(tmax, j->L.utc_off, t);
		return mc_errf(err, MC_EXIT_DATA,
			       "--at='%s' is before the base partition '%s' (its rows are stamped up to "
			       "%s): no partition holds the state then",
			       j->o.at, j->base_part, t);
	}
	if (!j->upto_inf && has_hi && pos_cmp(&hi, &j->upto) >= 0) {
		pos_format(&hi, a, sizeof a);
		pos_format(&j->upto, b, sizeof b);
		return mc_errf(err, MC_EXIT_DATA,
			       "the base partition '%s' holds rows (or a chunk without rows) read at "
			       "%s, not before the point asked (below %s): no partition holds the "
			       "state there",
			       j->base_part, a, b);
	}
	return 0;
}

/* The upper end of the log's range, then the base (its `from`). */
static int plan_range(struct mergejob *j, struct mc_err *err)
{
	if (mj_sources(j, err) < 0)
		return -1;
	if (j->o.at && j->o.at_is_pos) {
		/* upto: the position after the point (a ROW of 2^64-1, every
		 * row at FILE:OFFSET committed: the next offset) */
		if (at_committed(j, &j->upto, err) < 0)
			return -1;
		if (pos_next(&j->upto) < 0)
			j->upto_inf = 1;
	} else if (j->o.at) {
		if (mj_cut_at_time(j, j->o.at_time - j->L.utc_off, err) < 0)
			return -1;
	} else if (!mj_day_cut(j, j->o.day, &j->upto)) {
		char d[16];
		day_format(j->o.day + 1, d);
		return mc_errf(err, MC_EXIT_DATA,
			       "the log has not reached the end of %s yet: no change stamped on %s or "
			       "later has been committed (see docs/merge.md; or use --at)",
			       j->o.ds, d);
	}
	if (mj_choose_base(j, err) < 0)
		return -1;
	if (j->o.at && !j->o.at_is_pos) {
		/* The first change after the time was looked for in the log
		 * there is. Below the cut of the day before the time's, every
		 * change is stamped before the time; from there to the base,
		 * the log must all be there (--lifecycle drops the log below
		 * the oldest full partition it keeps) */
		int64_t t = j->o.at_time, day = (t >= 0 ? t : t - 86399) / 86400;
		struct mc_pos lo = { 0, 0, 0 };
		if (!mj_day_cut(j, day - 1, &lo))
			lo = (struct mc_pos){ 0, 0, 0 };
		if (mj_check_log_below(j, lo, err) < 0)
			return -1;
	}
	if (!j->upto_inf && pos_cmp(&j->from, &j->upto) > 0) {
		char a[64], b[64];
		pos_format(&j->from, a, sizeof a);
		pos_format(&j->upto, b, sizeof b);
		return mc_errf(err, MC_EXIT_DATA,
			       "the base partition '%s' starts at %s, after the point asked (%s)",
			       j->base_part, a, b);
	}
	if (mj_check_followed(j, err) < 0)
		return -1;
	return j->o.at ? base_before_point(j, err) : 0;
}

static int emit_sql(struct mergejob *j, struct mc_err *err)
{
	struct merge_sql q;
	struct wh_sqlhist x = { 0 };
	int rc;
	memset(&q, 0, sizeof q);
	q.schema = &j->schema.rec;
	q.key = j->keycols;
	q.nkey = j->nkey;
	q.table = j->o.table;
	q.base_part = j->base_part;
	q.ds = j->o.ds;
	q.from = j->from;
	q.upto = j->upto;
	q.upto_inf = j->upto_inf;
	q.dialect = j->o.dialect;
	q.has_barrier = j->has_barrier; /* a TRUNCATE, or DROP + CREATE: its marker */
	q.barrier = j->barrier;
	if (wh_layout_parse(j->L.log_layout, (enum wh_layout *)&q.layout, err) < 0)
		return -1;
	for (size_t i = 0; i < j->base_m.nfiles; i++)
		if (j->base_m.files[i].has_pos &&
		    (!q.has_base_hi || pos_cmp(&j->base_m.files[i].hi, &q.base_hi) > 0)) {
			q.has_base_hi = 1;
			q.base_hi = j->base_m.files[i].hi;
		}
	if (!j->o.sql)
		return mc_errf(err, MC_EXIT_USAGE, "--emit-sql: nowhere to write");
	/* a key declared with --key: checked over the log here (the SQL does
	 * not); across schema versions: the history's SQL columns (sqlhist.h) */
	rc = mj_kc_sql(j, err) < 0 || mj_hist_sql(j, &q, &x, err) < 0
		     ? -1
		     : merge_sql_emit(j->o.sql, &q, err);
	wh_sqlhist_free(&x);
	return rc;
}

/* Lock the table (not for --emit-sql) and remove what a killed run left. */
static int lock_table(struct mergejob *j, struct mc_err *err)
{
	char *sd = wh_pathf("%s/%s", j->o.whdir, WH_STATE), *lock;
	int rc;
	if (!sd)
		return mc_oom(err, "path");
	if (!(lock = wh_merge_lock_path(j->o.whdir, j->o.table, strlen(j->o.table)))) {
		free(sd);
		return mc_oom(err, "path");
	}
	rc = wh_mkdirs(sd, err) < 0 || wh_lock(lock, &j->lockfd, err) < 0 ? -1 : 0;
	free(sd);
	free(lock);
	if (rc == 0)
		rc = wh_clean_tmp(j->tdir, err);
	/* the log partitions a killed --lifecycle left renamed aside */
	if (rc == 0)
		rc = wh_clean_prefix(j->ldir, WH_DROP_PREFIX, err);
	/* under --tmpdir, the runs of this table's killed runs (their pid gone) */
	if (rc == 0 && j->o.tmpdir) {
		char *what = wh_pathf("merge.%s", j->o.table);
		rc = what ? wh_clean_dead_tmp(j->o.tmpdir, what, err) : mc_oom(err, "path");
		free(what);
	}
	return rc;
}

static int run(struct mergejob *j, struct mc_err *err)
{
	struct stat st;
	int rc;

	if (stat(j->tdir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (stat(j->ldir, &st) == 0) {
			no_snapshot(j, j->tdir, err);
			return -1;
		}
		return mc_errf(err, MC_EXIT_DATA, "'%s': no such table in the warehouse", j->tdir);
	}
	if (j->o.output && strcmp(j->o.output, "-") != 0 && mj_output_outside(&j->o, err) < 0)
		return -1;
	if (mergejob_check_tmpdir(&j->o, err) < 0)
		return -1;
	if (!j->o.emit_sql && lock_table(j, err) < 0)
		return -1;
	if (wh_ledger_read(j->o.whdir, &j->L, err) < 0)
		return -1;
	if (j->o.have_day && !j->o.at && !j->o.output && !j->o.emit_sql) {
		if ((rc = ds_is_snapshot(j, err)) < 0)
			return -1;
		if (rc > 0) {
			mj_say(j, "'%s/ds=%s' is the snapshot: nothing to merge", j->o.table,
			       j->o.ds);
			j->st.nothing = 1;
			return 0;
		}
		if (j->o.skip_merged && (rc = ds_skip(j, err)) != 0) {
			if (rc < 0)
				return -1;
			j->st.skipped = rc;
			return 0;
		}
	}
	if (read_schemas(j, err) < 0 || plan_range(j, err) < 0 || check_schemas(j, err) < 0 ||
	    mj_resolve_key(j, err) < 0 || mj_key_cands(j, err) < 0 || mj_scan_ddl(j, err) < 0 ||
	    (!j->dropped && mj_key_plan(j, err) < 0))
		return -1;
	if (j->dropped)
		return 0;
	mj_base_sorted_by_key(j);
	if (j->o.emit_sql)
		return emit_sql(j, err);
	/* merge: runs go to the table's directory unless tmpdir says
	 * otherwise (there a killed run's .tmp-merge.* is removed next time) */
	j->t_start = now_s();
	return j->o.output ? write_output(j, err) : write_partition(j, err);
}

struct mergejob *mergejob_new(const struct mergejob_opts *o, struct mc_err *err)
{
	struct mergejob *j = calloc(1, sizeof *j);
	if (!j) {
		mc_oom(err, "merge job");
		return NULL;
	}
	j->o = *o;
	j->lockfd = -1;
	j->memory = o->memory ? o->memory : default_memory();
	j->zlevel = o->zlevel >= 0 ? o->zlevel : o->output ? 0 : 1;
	j->tdir = wh_pathf("%s/%s", o->whdir, o->table);
	j->ldir = wh_pathf("%s/%s_log", o->whdir, o->table);
	if (!j->tdir || !j->ldir) {
		mergejob_free(j);
		mc_oom(err, "path");
		return NULL;
	}
	return j;
}

/* Free what a run holds; the job can run again. */
static void release(struct mergejob *j)
{
	mergejob_abort(j);
	out_free(&j->out);
	wh_manifest_free(&j->base_m);
	schema_copy_free(&j->schema);
	schema_copy_free(&j->lschema);
	schema_copy_free(&j->base_schema);
	mj_hist_free(j);
	ledger_free(&j->L);
	free(j->base_part);
	j->base_part = NULL;
	free(j->gdir);
	j->gdir = NULL;
	buf_free(&j->kb);
	buf_free(&j->kb2);
	buf_free(&j->rb);
	if (j->lockfd >= 0)
		close(j->lockfd);
	j->lockfd = -1;
	j->upto_inf = 0;
	memset(&j->from, 0, sizeof j->from);
	memset(&j->upto, 0, sizeof j->upto);
}

int mergejob_run(struct mergejob *j, struct mc_err *err)
{
	int rc;
	memset(&j->st, 0, sizeof j->st);
	j->in_total = j->in_done = j->log_bytes = j->base_bytes = 0;
	j->in_cur = NULL;
	mj_progress(j, "plan");
	rc = run(j, err);
	j->st.rows = j->out.rows;
	if (rc == 0)
		mj_progress(j, "done");
	release(j);
	return rc;
}

void mergejob_stats(const struct mergejob *j, struct mergejob_stats *st)
{
	*st = j->st;
}

void mergejob_abort(struct mergejob *j)
{
	struct mc_err err;
	if (!j)
		return;
	mj_pull_reset(&j->pl);
	merger_drop(j);
	if (j->tmp)
		wh_rmtree(j->tmp, &err);
	free(j->tmp);
	j->tmp = NULL;
}

void mergejob_free(struct mergejob *j)
{
	if (!j)
		return;
	release(j);
	mj_ddl_free(j);
	free(j->tdir);
	free(j->ldir);
	free(j->kfill);
	free(j);
}
