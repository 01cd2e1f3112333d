/* schemahist.c: a table's schema history, its file (schemahist.h). */
#include "wh/schemahist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/alloc.h"
#include "stream/crc32c.h"
#include "stream/recio.h"

static void hddl_free(struct wh_hddl *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i].sql);
	free(d);
}

void wh_hist_free(struct wh_hist *h)
{
	for (size_t i = 0; i < h->n; i++) {
		schema_copy_free(&h->v[i].s);
		hddl_free(h->v[i].ddl, h->v[i].nddl);
	}
	free(h->v);
	hddl_free(h->pend, h->npend);
	memset(h, 0, sizeof *h);
}

int wh_hist_push(struct wh_hist *h, const struct mc_rec *r, struct mc_err *err)
{
	if (r->kind == MC_R_DDL) {
		struct wh_hddl *d;
		if (mc_grow(&h->pend, &h->cpend, h->npend + 1, sizeof *h->pend) < 0)
			return mc_oom(err, "schema history");
		d = &h->pend[h->npend];
		if (!(d->sql = mc_strndup(r->sql.p, r->sql.n)))
			return mc_oom(err, "schema history");
		d->n = r->sql.n;
		d->pos = r->pos;
		d->time = r->time;
		h->npend++;
		return 0;
	}
	if (r->kind != MC_R_SCHEMA)
		return 0;
	if (h->n > 0 && h->npend == 0 && schema_same(&h->v[h->n - 1].s.rec, r))
		return 0; /* the same version again */
	if (mc_grow(&h->v, &h->cap, h->n + 1, sizeof *h->v) < 0)
		return mc_oom(err, "schema history");
	struct wh_hver *v = &h->v[h->n];
	memset(v, 0, sizeof *v);
	if (schema_copy_set(&v->s, r, err) < 0)
		return -1;
	v->start = h->n == 0 ? (struct mc_pos){ 0, 0, 0 }
		   : h->npend   ? h->pend[h->npend - 1].pos
				: r->pos;
	if (h->n == 0) { /* statements before the first version made nothing here */
		hddl_free(h->pend, h->npend);
		h->pend = NULL;
		h->npend = h->cpend = 0;
	}
	v->ddl = h->pend;
	v->nddl = h->npend;
	h->pend = NULL;
	h->npend = h->cpend = 0;
	h->n++;
	return 0;
}

/* The records of the file, encoded, in order. */
struct hrec {
	int kind;
	struct mc_pos pos;
	size_t at, len; /* in the buffer */
};

struct hfile {
	struct mc_buf b;
	struct hrec *r;
	size_t n, cap;
};

static int hfile_add(struct hfile *f, const struct mc_rec *r, struct mc_err *err)
{
	size_t at = f->b.len;
	if (rec_encode(&f->b, r, err) < 0)
		return -1;
	if (mc_grow(&f->r, &f->cap, f->n + 1, sizeof *f->r) < 0)
		return mc_oom(err, "schema history");
	f->r[f->n++] = (struct hrec){ r->kind, r->pos, at, f->b.len - at };
	return 0;
}

static void hfile_free(struct hfile *f)
{
	buf_free(&f->b);
	free(f->r);
	memset(f, 0, sizeof *f);
}

#define RANKED "ranked" /* the header entry of a file whose positions are ranked */

/* Read path's schema and ddl records into f (and, when h, the history);
 * *ranked: its header says RANKED (or there is no file). */
static int hfile_read(const char *path, struct hfile *f, struct wh_hist *h, int *ranked,
		      struct mc_err *err)
{
	struct rio_reader rd;
	struct mc_rec r;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	*ranked = 1;
	if (fd < 0)
		return errno == ENOENT ? 0 : mc_errnof(err, errno, "'%s'", path);
	*ranked = 0;
	rio_init(&rd, fd, RIO_MCR);
	while ((rc = rio_next(&rd, &r, err)) > 0) {
		if (r.kind == MC_R_HEADER && rec_header_get(&r, RANKED))
			*ranked = 1;
		if (r.kind != MC_R_SCHEMA && r.kind != MC_R_DDL)
			continue;
		if ((f && hfile_add(f, &r, err) < 0) || (h && wh_hist_push(h, &r, err) < 0)) {
			rc = -1;
			break;
		}
	}
	rio_close(&rd);
	close(fd);
	if (rc < 0)
		return mc_errctx(err, "'%s': ", path);
	return 1;
}

int wh_hist_read(const char *path, struct wh_hist *h, struct mc_err *err)
{
	memset(h, 0, sizeof *h);
	int ranked, rc = hfile_read(path, NULL, h, &ranked, err);
	h->ranked = ranked;
	if (rc < 0)
		wh_hist_free(h);
	return rc;
}

static int decode_at(const struct hfile *f, size_t i, struct mc_rec *r, struct mc_scratch *sc,
		     struct mc_err *err)
{
	size_t used;
	if (rec_decode(f->b.p + f->r[i].at, f->r[i].len, 0, &used, r, sc, err) != 1)
		return mc_errf(err, MC_EXIT_DATA, "internal: schema history buffer");
	return 0;
}

/* Is the new record r (to go before index at) there already, or a schema
 * equal to the version in force there? */
static int redundant(const struct hfile *f, size_t at, const struct mc_rec *r, int *skip,
		     struct mc_err *err)
{
	struct mc_scratch sc = { 0 };
	struct mc_rec x;
	int rc = 0;
	*skip = 0;
	for (size_t i = 0; i < f->n && !*skip && rc == 0; i++) {
		if (f->r[i].kind != (int)r->kind || pos_cmp(&f->r[i].pos, &r->pos) != 0)
			continue;
		if ((rc = decode_at(f, i, &x, &sc, err)) < 0)
			break;
		*skip = r->kind == MC_R_DDL ? x.sql.n == r->sql.n && !memcmp(x.sql.p, r->sql.p, x.sql.n)
					    : schema_same(&x, r);
	}
	if (rc == 0 && !*skip && r->kind == MC_R_SCHEMA) {
		size_t i = at;
		while (i > 0 && f->r[i - 1].kind != MC_R_SCHEMA && f->r[i - 1].kind != MC_R_DDL)
			i--;
		if (i > 0 && f->r[i - 1].kind == MC_R_SCHEMA && (rc = decode_at(f, i - 1, &x, &sc, err)) == 0)
			*skip = schema_same(&x, r);
	}
	rec_scratch_free(&sc);
	return rc;
}

int wh_hist_add(const char *path, const char *recs, size_t len, size_t rank, struct mc_err *err)
{
	struct hfile f = { 0 }, out = { 0 };
	struct mc_scratch sc = { 0 };
	size_t at = 0, added = 0;
	int ranked, rc = hfile_read(path, &f, NULL, &ranked, err);
	if (rc < 0)
		return -1;
	rc = 0;
	/* the statements first, then the schema records: a schema record
	 * after a statement is no repeat of the one before the statement,
	 * even when the same (DROP w, ADD w), whichever order they come in */
	for (int pass = 0; pass < 2; pass++, at = 0)
	while (rc == 0 && at < len) {
		struct mc_rec r;
		size_t used, ins, n0 = f.n;
		int skip;
		if (rec_decode(recs + at, len - at, 0, &used, &r, &sc, err) != 1) {
			rc = mc_errf(err, MC_EXIT_DATA, "internal: schema history records");
			break;
		}
		at += used;
		if (r.kind != (pass ? MC_R_SCHEMA : MC_R_DDL))
			continue;
		r.pos.file |= (uint64_t)rank << WH_HIST_RANK_SHIFT;
		for (ins = f.n; ins > 0 && pos_cmp(&f.r[ins - 1].pos, &r.pos) > 0; ins--)
			;
		if ((rc = redundant(&f, ins, &r, &skip, err)) < 0 || skip)
			continue;
		if ((rc = hfile_add(&f, &r, err)) < 0)
			break;
		struct hrec h = f.r[n0];
		memmove(&f.r[ins + 1], &f.r[ins], (n0 - ins) * sizeof *f.r);
		f.r[ins] = h;
		added++;
	}
	rec_scratch_free(&sc);
	if (rc == 0 && added) {
		struct mc_rec h;
		memset(&h, 0, sizeof h);
		h.kind = MC_R_HEADER;
		h.version = MC_REC_VERSION;
		/* (a file of an older writer stays unranked, its records
		 * perhaps of several histories, until a record of the first
		 * history comes: then there is no other yet) */
		struct mc_kv kv = { { RANKED, sizeof RANKED - 1 }, { "1", 1 } };
		if (ranked || rank == 0) {
			h.meta = &kv;
			h.nmeta = 1;
		}
		rc = rec_encode(&out.b, &h, err);
		for (size_t i = 0; i < f.n && rc == 0; i++)
			rc = buf_add(&out.b, f.b.p + f.r[i].at, f.r[i].len) < 0 ? mc_oom(err, "history") : 0;
		if (rc == 0) {
			memset(&h, 0, sizeof h);
			h.kind = MC_R_TRAILER;
			h.count = f.n;
			h.has_crc = 1;
			h.crc = crc32c(0, out.b.p, out.b.len);
			rc = rec_encode(&out.b, &h, err);
		}
		if (rc == 0)
			rc = afile_write(path, out.b.p, out.b.len, err);
	}
	hfile_free(&f);
	hfile_free(&out);
	return rc < 0 ? -1 : 0;
}

void wh_hist_pos_format(const struct mc_pos *p, char *out, size_t outsz)
{
	struct mc_pos raw = *p;
	uint64_t rank = p->file >> WH_HIST_RANK_SHIFT;
	size_t n;
	raw.file &= ((uint64_t)1 << WH_HIST_RANK_SHIFT) - 1;
	pos_format(rank ? &raw : p, out, outsz);
	n = strlen(out);
	if (rank && n < outsz)
		snprintf(out + n, outsz - n, " of binlog history %llu", (unsigned long long)rank + 1);
}

long wh_hist_at(const struct wh_hist *h, const struct mc_pos *p)
{
	long i = (long)h->n - 1;
	while (i > 0 && pos_cmp(&h->v[i].start, p) > 0)
		i--;
	return i;
}

long wh_hist_match(const struct wh_hist *h, const struct mc_rec *r, const struct mc_pos *p)
{
	for (long i = (long)h->n - 1; i >= 0; i--)
		if ((i == 0 || pos_cmp(&h->v[i].start, p) <= 0) && schema_same(&h->v[i].s.rec, r))
			return i;
	return -1;
}
