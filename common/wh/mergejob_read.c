/* mergejob_read.c: a merge job's inputs into the merger: the base
 * partition (every row an entry, or pulled in key order) and the change
 * records of the log in [from, upto) (docs/merge.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "stream/recio.h"
#include "stream/text.h"
#include "wh/mergejob_int.h"

/* ---- the base ---- */

/* A base row's position in the job: a snapshot's rows are watermarks of
 * its history; a merged base's rows all lie before its from (rows of
 * older histories too: no log record in range may lose to them). */
static struct mc_pos base_pos(const struct mergejob *j, const struct mc_pos *p)
{
	struct mc_pos g = mj_gpos(j->base_rank, *p);
	if (j->base_m.by == WH_BY_MERGE && pos_cmp(&g, &j->from) > 0)
		g = j->from;
	return g;
}

/* A base row's key into kb; -1 when the row is not a snapshot row. */
static int base_key(struct mergejob *j, struct wh_reader *fr, const struct mc_rec *r,
		    struct mc_buf *kb, struct mc_err *err)
{
	if (r->op != MC_OP_SNAPSHOT || !r->after)
		return mc_errf(err, MC_EXIT_DATA, "'%s': record %llu: a %s row in a base partition",
			       fr->path, (unsigned long long)fr->rd.recno, rec_op_name(r->op));
	kb->len = 0;
	if (merge_key_encode(kb, r->after, r->nafter, j->keycols, j->nkey, err) < 0)
		return mc_errctx(err, "'%s': record %llu: ", fr->path,
				 (unsigned long long)fr->rd.recno);
	return 0;
}

/* A base row of another schema version, or of another database than the
 * table's schema record (a shard of many tables into one, whose rows keep
 * their source db: read back under one schema record, they would not
 * follow it): converted and encoded into j->hrb (1), or 0 when it is of
 * the merge's. */
static int base_conv(struct mergejob *j, const struct wh_reader *fr, struct mc_rec *r,
		     struct mc_err *err)
{
	int rc = mj_hist_row(j, fr, r, &j->from, 0, err);
	const struct mc_str *db = &j->schema.rec.db;
	if (rc == 0 && (r->db.n != db->n || memcmp(r->db.p, db->p, db->n) != 0)) {
		r->db = *db;
		rc = 1;
	}
	if (rc > 0) {
		j->hrb.len = 0;
		if (rec_encode(&j->hrb, r, err) < 0)
			return -1;
	}
	return rc;
}

/* Open base file i into r. */
static int open_base(struct mergejob *j, struct wh_reader *r, size_t i, struct mc_err *err)
{
	char *path = mj_base_path(j, i);
	if (!path)
		return mc_oom(err, "path");
	return mj_open(j, r, path, &j->base_m.files[i], err);
}

int mj_pull_next(void *ctx, const char **key, size_t *klen, struct mc_pos *pos,
		 const char **rec, size_t *rlen, struct mc_err *err)
{
	struct mergejob *j = ctx;
	struct mj_pull *p = &j->pl;
	const struct wh_manifest *bm = &j->base_m;
	struct mc_rec r;
	int rc;
	for (;;) {
		if (!p->fr.open) {
			if (p->file < bm->nfiles && !p->next.open &&
			    open_base(j, &p->next, p->file, err) < 0)
				return -1;
			if (p->file == bm->nfiles)
				return 0;
			p->fr = p->next;
			p->next.open = 0;
			p->file++;
			mj_in_begin(j, &p->fr);
			if (p->file < bm->nfiles && j->memory >= MJ_PULL_AHEAD_MIN &&
			    open_base(j, &p->next, p->file, err) < 0)
				return -1;
		}
		if ((rc = wh_reader_next(&p->fr, &r, err)) > 0)
			break;
		if (rc < 0)
			return -1;
		mj_in_end(j, &p->fr, 1);
		wh_reader_close(&p->fr);
		mj_progress(j, "merge");
	}
	if (r.op != MC_OP_SNAPSHOT || !r.after)
		return mc_errf(err, MC_EXIT_DATA, "'%s': record %llu: a %s row in a base partition",
			       p->fr.path, (unsigned long long)p->fr.rd.recno, rec_op_name(r.op));
	if ((rc = base_conv(j, &p->fr, &r, err)) < 0)
		return -1;
	p->key.len = 0;
	if (merge_key_encode(&p->key, r.after, r.nafter, j->keycols, j->nkey, err) < 0)
		return mc_errctx(err, "'%s': record %llu: ", p->fr.path,
				 (unsigned long long)p->fr.rd.recno);
	*key = p->key.p;
	*klen = p->key.len;
	*pos = base_pos(j, &r.pos);
	if (rc > 0) {
		*rec = j->hrb.p;
		*rlen = j->hrb.len;
	} else {
		*rec = rio_raw(&p->fr.rd, rlen);
	}
	return 1;
}

void mj_pull_reset(struct mj_pull *p)
{
	wh_reader_close(&p->fr);
	wh_reader_close(&p->next);
	buf_free(&p->key);
	memset(p, 0, sizeof *p);
}

/* An unsorted base, every row an entry; the next file is opened ahead so
 * that its decompression overlaps. */
int mj_read_base(struct mergejob *j, struct mc_err *err)
{
	const struct wh_manifest *bm = &j->base_m;
	struct wh_reader frs[2];
	struct mc_buf kb = { 0 };
	int rc = 0;

	memset(frs, 0, sizeof frs);
	if (bm->nfiles > 0 && open_base(j, &frs[0], 0, err) < 0)
		return -1;
	for (size_t i = 0; i < bm->nfiles && rc == 0; i++) {
		struct wh_reader *fr = &frs[i % 2];
		struct mc_rec r;
		if (i + 1 < bm->nfiles && open_base(j, &frs[(i + 1) % 2], i + 1, err) < 0) {
			rc = -1;
			break;
		}
		mj_in_begin(j, fr);
		while ((rc = wh_reader_next(fr, &r, err)) > 0) {
			size_t n;
			const char *raw = rio_raw(&fr->rd, &n);
			int c = r.op == MC_OP_SNAPSHOT && r.after ? base_conv(j, fr, &r, err) : 0;
			if (c > 0) {
				raw = j->hrb.p;
				n = j->hrb.len;
			}
			if (c < 0 || base_key(j, fr, &r, &kb, err) < 0) {
				rc = -1;
				break;
			}
			struct mc_pos g = base_pos(j, &r.pos);
			if ((j->merger &&
			     merger_add(j->merger, kb.p, kb.len, &g, 0, 1, raw, n, err) < 0) ||
			    mj_kc_base(j, j->kc, &kb, &g, err) < 0) {
				rc = mc_errctx(err, "'%s': record %llu: ", fr->path,
					       (unsigned long long)fr->rd.recno);
				break;
			}
			if ((fr->rows & 0xffff) == 0)
				mj_progress(j, "read");
		}
		mj_in_end(j, fr, rc == 0);
		wh_reader_close(fr);
		if (rc == 0)
			mj_progress(j, "read");
	}
	j->in_cur = NULL;
	wh_reader_close(&frs[0]);
	wh_reader_close(&frs[1]);
	buf_free(&kb);
	return rc;
}

/* Where the base has key k twice: the first two rows holding it, named
 * in err (with the key's columns and values) when found. */
static int dup_where(struct mergejob *j, const char *k, size_t klen, struct mc_buf *where,
		     struct mc_buf *vals, struct mc_err *err)
{
	const struct wh_manifest *bm = &j->base_m;
	struct mc_buf kb = { 0 };
	int found = 0, rc = 0;
	for (size_t i = 0; i < bm->nfiles && found < 2 && rc == 0; i++) {
		struct wh_reader fr;
		struct mc_rec r;
		memset(&fr, 0, sizeof fr);
		if (open_base(j, &fr, i, err) < 0)
			return -1;
		while (found < 2 && (rc = wh_reader_next(&fr, &r, err)) > 0) {
			if (!r.after || base_key(j, &fr, &r, &kb, err) < 0 || kb.len != klen ||
			    memcmp(kb.p, k, klen) != 0)
				continue;
			int bad = buf_addf(where, "%s'%s' record %llu", found ? " and " : "", fr.path,
					   (unsigned long long)fr.rd.recno) < 0;
			for (size_t c = 0; !found && c < j->nkey && !bad; c++)
				bad = (c && buf_add(vals, ", ", 2) < 0) ||
				      (j->keycols[c] < r.nafter && text_val(vals, &r.after[j->keycols[c]]) < 0);
			if (bad)
				rc = mc_oom(err, "message");
			found++;
		}
		wh_reader_close(&fr);
	}
	buf_free(&kb);
	if (rc < 0)
		return -1;
	return found == 2;
}

int mj_dup_error(struct mergejob *j, struct mc_err *err)
{
	const char *k;
	size_t klen;
	struct mc_buf cols = { 0 }, where = { 0 }, vals = { 0 };
	struct mc_err e = { 0 };
	const struct mc_rec *s = &j->schema.rec;
	int rc;
	if (j->ph_rekeyed) /* rows re-keyed at the last change of the key */
		return mj_key_dup_error(j, j->nkph - 1, err);
	if (!j->merger || !merger_dup_key(j->merger, &k, &klen))
		return -1;
	for (size_t c = 0; c < j->nkey; c++)
		if (buf_addf(&cols, "%s%.*s", c ? "," : "", (int)s->cols[j->keycols[c]].name.n,
			     s->cols[j->keycols[c]].name.p) < 0)
			return mc_oom(err, "message");
	rc = dup_where(j, k, klen, &where, &vals, &e);
	if (rc > 0)
		mc_errf(err, MC_EXIT_DATA,
			"table '%s': the key (%s) is not unique: (%.*s) is in %s of the base "
			"partition '%s'; %s",
			j->o.table, cols.p, (int)vals.len, vals.p ? vals.p : "", where.p, j->base_part,
			j->o.key ? "give --key columns that are unique together"
				 : "the base breaks the table's key: load a new snapshot");
	else
		mc_errf(err, MC_EXIT_DATA,
			"table '%s': the key (%s) is not unique: a value is twice in the base "
			"partition '%s'%s%s%s; %s",
			j->o.table, cols.p, j->base_part, rc < 0 ? " (looking for it: " : "",
			rc < 0 ? e.msg : "", rc < 0 ? ")" : "",
			j->o.key ? "give --key columns that are unique together"
				 : "the base breaks the table's key: load a new snapshot");
	buf_free(&cols);
	buf_free(&where);
	buf_free(&vals);
	return -1;
}

/* ---- the log ---- */

static int in_range(const struct mergejob *j, const struct mc_pos *p)
{
	if (j->ph_on && ((j->ph_has_lo && pos_cmp(p, &j->ph_lo) < 0) ||
			 (j->ph_has_hi && pos_cmp(p, &j->ph_hi) >= 0)))
		return 0; /* another step's (mergejob_key.c) */
	return pos_cmp(p, &j->from) >= 0 && (j->upto_inf || pos_cmp(p, &j->upto) < 0);
}

/* An UPDATE's after image in a MINIMAL row image holds the columns the
 * statement set: a key column it did not set is absent there, and is the
 * before image's (unchanged). The after image with those filled in (j's
 * array), or r's own; NULL: out of memory. */
static const struct mc_val *key_after(struct mergejob *j, const struct mc_rec *r)
{
	int fill = 0;
	if (!r->before || r->nbefore != r->nafter)
		return r->after;
	for (size_t k = 0; k < j->nkey && !fill; k++)
		fill = j->keycols[k] < r->nafter && r->after[j->keycols[k]].kind == MC_V_ABSENT &&
		       r->before[j->keycols[k]].kind != MC_V_ABSENT;
	if (!fill)
		return r->after;
	if (!j->kfill && !(j->kfill = calloc(MC_MAX_COLUMNS, sizeof *j->kfill)))
		return NULL;
	memcpy(j->kfill, r->after, r->nafter * sizeof *r->after);
	for (size_t k = 0; k < j->nkey; k++)
		if (j->keycols[k] < r->nafter && r->after[j->keycols[k]].kind == MC_V_ABSENT)
			j->kfill[j->keycols[k]] = r->before[j->keycols[k]];
	return j->kfill;
}

/* A change record into entries: a live one for its after image, a dead one
 * for its before key when that differs. */
static int add_change(struct mergejob *j, const struct mc_rec *r0, const struct mc_pos *g,
		      const char *path, uint64_t recno, struct mc_err *err)
{
	struct mc_buf *kb = &j->kb, *kb2 = &j->kb2, *rb = &j->rb;
	struct mc_rec o, filled;
	const struct mc_rec *r = r0;

	kb->len = kb2->len = rb->len = 0;
	if (r0->after && r0->nafter <= MC_MAX_COLUMNS) {
		const struct mc_val *a = key_after(j, r0);
		if (!a)
			return mc_oom(err, "key");
		if (a != r0->after) {
			filled = *r0;
			filled.after = (struct mc_val *)a;
			r = &filled;
		}
	}
	if (r->after && merge_key_encode(kb, r->after, r->nafter, j->keycols, j->nkey, err) < 0)
		goto bad;
	if (r->before && merge_key_encode(kb2, r->before, r->nbefore, j->keycols, j->nkey, err) < 0)
		goto bad;
	if (mj_kc_change(j, r, kb, kb2, g, err) < 0)
		goto bad;
	if (!j->merger) /* the key check alone (mj_kc_sql) */
		return 0;
	if (r->after) {
		memset(&o, 0, sizeof o);
		o.kind = MC_R_ROW;
		o.op = MC_OP_SNAPSHOT;
		o.db = j->schema.rec.db;
		o.table = j->schema.rec.table;
		o.schema_version = j->schema.rec.schema_version;
		o.pos = r->pos;
		o.time = r->time;
		o.after = r->after;
		o.nafter = r->nafter;
		if (rec_encode(rb, &o, err) < 0 ||
		    merger_add(j->merger, kb->p, kb->len, g, 1, 1, rb->p, rb->len, err) < 0)
			goto bad;
	}
	if (r->before && (!r->after || kb->len != kb2->len || memcmp(kb->p, kb2->p, kb->len) != 0))
		if (merger_add(j->merger, kb2->p, kb2->len, g, 1, 0, NULL, 0, err) < 0)
			goto bad;
	return 0;
bad:
	return mc_errctx(err, "'%s': record %llu: ", path, (unsigned long long)recno);
}

struct lfile {
	char *path;
	const struct wh_file *f;
	size_t rank; /* its history */
};

/* The files of log partition `part` (manifest lm) whose positions reach
 * into [from, upto), appended to *lf. */
static int log_files_of(struct mergejob *j, const char *part, const struct wh_manifest *lm,
			struct lfile **lf, size_t *nf, size_t *cap, struct mc_err *err)
{
	for (size_t i = 0; i < lm->nfiles; i++) {
		const struct wh_file *f = &lm->files[i];
		struct mc_pos lo, hi;
		size_t rank = 0;
		if (!f->has_pos || !mj_file_committed(j, f->name))
			continue;
		if (mc_grow(lf, cap, *nf + 1, sizeof **lf) < 0 ||
		    !((*lf)[*nf].path = wh_pathf("%s/%s/%s", j->ldir, part, f->name)))
			return mc_oom(err, "log files");
		if (mj_rank(j, f->has_src, f->src, &rank, (*lf)[*nf].path, err) < 0) {
			free((*lf)[*nf].path);
			return -1;
		}
		lo = mj_gpos(rank, f->lo);
		hi = mj_gpos(rank, f->hi);
		if (pos_cmp(&hi, &j->from) < 0 || (!j->upto_inf && pos_cmp(&lo, &j->upto) >= 0)) {
			free((*lf)[*nf].path);
			continue;
		}
		(*lf)[*nf].rank = rank;
		(*lf)[(*nf)++].f = f;
	}
	return 0;
}

/* The statements of the table's schema history in the range: those
 * that made no version too (wh_hist_fscale). */
static int fscale_hist(const struct mergejob *j, struct mc_err *err)
{
	struct wh_hist h;
	char *hp = NULL;
	int rc = mj_hist_read(j, &h, &hp, err);
	if (rc > 0)
		rc = wh_hist_fscale(&h, j->o.table, hp, &j->from, &j->upto, j->upto_inf, err);
	free(hp);
	wh_hist_free(&h);
	return rc < 0 ? -1 : 0;
}

static int keep_ddl(struct mergejob *j, const struct mc_rec *r, const char *path,
		    uint64_t recno, struct mc_err *err)
{
	struct mj_ddl *d;
	if (r->effect == MC_DDL_ALTER || r->effect == MC_DDL_UNKNOWN) {
		char where[600];
		snprintf(where, sizeof where, "'%s' record %llu", path, (unsigned long long)recno);
		if (wh_fscale_refuse(j->o.table, &r->pos, r->sql.p, r->sql.n, NULL, NULL, where,
				     err) < 0)
			return -1;
	}
	if (r->effect != MC_DDL_TRUNCATE && r->effect != MC_DDL_DROP &&
	    r->effect != MC_DDL_CREATE && r->effect != MC_DDL_RENAME_FROM &&
	    r->effect != MC_DDL_RENAME_TO)
		return 0;
	if (mc_grow(&j->ddl, &j->ddlcap, j->nddl + 1, sizeof *j->ddl) < 0)
		return mc_oom(err, "DDL");
	d = &j->ddl[j->nddl];
	memset(d, 0, sizeof *d);
	d->pos = r->pos;
	d->effect = r->effect;
	d->recno = recno;
	if (!(d->sql = mc_strndup(r->sql.p, r->sql.n > 200 ? 200 : r->sql.n)) ||
	    !(d->path = mc_strdup(path))) {
		free(d->sql);
		return mc_oom(err, "DDL");
	}
	j->nddl++;
	return 0;
}

void mj_ddl_free(struct mergejob *j)
{
	for (size_t i = 0; i < j->nddl; i++) {
		free(j->ddl[i].sql);
		free(j->ddl[i].path);
	}
	free(j->ddl);
	j->ddl = NULL;
	j->nddl = j->ddlcap = 0;
}

static int ddl_cmp(const void *a, const void *b)
{
	return pos_cmp(&((const struct mj_ddl *)a)->pos, &((const struct mj_ddl *)b)->pos);
}

static int ddl_err(const struct mergejob *j, const struct mj_ddl *d, const char *what,
		   struct mc_err *err)
{
	char p[64];
	pos_format(&d->pos, p, sizeof p);
	return mc_errf(err, MC_EXIT_DATA, "table '%s': '%s' at position %s ('%s' record %llu) %s",
		       j->o.table, d->sql, p, d->path, (unsigned long long)d->recno, what);
}

int mj_scan_ddl(struct mergejob *j, struct mc_err *err)
{
	const struct mj_ddl *gone = NULL;
	int rc;
	mj_ddl_free(j);
	if (fscale_hist(j, err) < 0)
		return -1;
	j->has_barrier = 0;
	j->barrier_ddl = NULL;
	j->ddl_pass = 1;
	rc = mj_read_log(j, err);
	j->ddl_pass = 0;
	if (rc < 0)
		return -1;
	if (j->nddl > 1)
		qsort(j->ddl, j->nddl, sizeof *j->ddl, ddl_cmp);
	for (size_t i = 0; i < j->nddl; i++) {
		const struct mj_ddl *d = &j->ddl[i];
		switch (d->effect) {
		case MC_DDL_TRUNCATE:
			j->has_barrier = 1;
			j->barrier = d->pos;
			j->barrier_ddl = d;
			break;
		case MC_DDL_DROP:
		case MC_DDL_RENAME_FROM:
			gone = d;
			break;
		case MC_DDL_CREATE:
			/* a CREATE after the table went: a new, empty table (one
			 * with another schema shows in the schema of its rows); a
			 * CREATE ... IF NOT EXISTS of the table there changes nothing */
			if (gone) {
				j->has_barrier = 1;
				j->barrier = d->pos;
				j->barrier_ddl = d;
				gone = NULL;
			}
			break;
		case MC_DDL_RENAME_TO:
			return ddl_err(j, d, "moves another table's rows into this name (a RENAME "
				       "swap, as gh-ost and pt-online-schema-change do), which "
				       "mc-merge cannot follow: load a new snapshot of the table "
				       "taken after it with mc-tunnel-put --resnapshot",
				       err);
		default:
			break;
		}
	}
	if (gone && j->o.skip_merged && j->o.have_day && !j->o.at) {
		/* (the daily run: a table dropped for good is no failure of
		 * every later day) */
		char p[64];
		pos_format(&gone->pos, p, sizeof p);
		snprintf(j->st.note, sizeof j->st.note, "table '%s': '%.300s' at position %s took "
			 "the table away, and no CREATE of it follows: no partition of ds=%s, "
			 "nothing to do (--skip-merged)", j->o.table, gone->sql, p, j->o.ds);
		j->dropped = 1;
		j->st.skipped = MJ_SKIP_DROPPED;
		return 0;
	}
	if (gone)
		return ddl_err(j, gone, "takes the table away, and no CREATE of it follows in "
			       "the range of this merge: the table is gone (if it comes back, "
			       "load a new snapshot of it with mc-tunnel-put --resnapshot)", err);
	return 0;
}

/* Read the files in turn, the next one opened ahead (each path is taken
 * over by its reader). */
static int read_log_files(struct mergejob *j, struct lfile *lf, size_t nf, struct mc_err *err)
{
	struct wh_reader frs[2];
	int rc = 0, count = !j->sql_pass; /* the input read, for the progress */
	size_t i;

	memset(frs, 0, sizeof frs);
	if (nf > 0) {
		rc = mj_open(j, &frs[0], lf[0].path, lf[0].f, err);
		frs[0].want_ddl = 1;
		frs[0].lenient = 1;
		lf[0].path = NULL;
	}
	for (i = 0; i < nf && rc == 0; i++) {
		struct wh_reader *fr = &frs[i % 2];
		struct mc_rec r;
		if (i + 1 < nf) {
			rc = mj_open(j, &frs[(i + 1) % 2], lf[i + 1].path, lf[i + 1].f, err);
			frs[(i + 1) % 2].want_ddl = 1;
			frs[(i + 1) % 2].lenient = 1;
			lf[i + 1].path = NULL;
			if (rc < 0)
				break;
		}
		if (!j->ddl_pass)
			j->st.log_files++;
		if (count)
			mj_in_begin(j, fr);
		while ((rc = wh_reader_next(fr, &r, err)) > 0) {
			struct mc_pos g = mj_gpos(lf[i].rank, r.pos);
			if (j->ddl_pass && count && (fr->rows & 0xffff) == 0)
				mj_progress(j, "plan");
			if (r.kind == MC_R_DDL) {
				r.pos = g; /* the job's global position (several histories) */
				if (j->ddl_pass && in_range(j, &g) &&
				    keep_ddl(j, &r, fr->path, fr->rd.recno, err) < 0) {
					rc = -1;
					break;
				}
				continue;
			}
			/* --emit-sql reads the log once, for its DDL: the schema
			 * of its changes is checked there (a re-creation with
			 * another schema is refused, as by the merge) */
			if (j->ddl_pass && j->nkph && r.op != MC_OP_SNAPSHOT && in_range(j, &g))
				mj_key_seen(j, &g); /* a change below a change of the key? */
			if ((j->ddl_pass && !j->o.emit_sql) || r.op == MC_OP_SNAPSHOT ||
			    !in_range(j, &g))
				continue;
			if (fr->foreign && !j->has_hist) {
				char p[64];
				pos_format(&r.pos, p, sizeof p);
				rc = mc_errf(err, MC_EXIT_DATA,
					     "'%s': record %llu: the change at %s is of another schema "
					     "than the base's (%s): the table's schema changed within "
					     "the range (a DDL); merge up to it, or load a new snapshot "
					     "taken after it with mc-tunnel-put --resnapshot",
					     fr->path, (unsigned long long)fr->rd.recno, p, fr->why);
				break;
			}
			if (j->ddl_pass)
				continue;
			/* below a TRUNCATE: emptied */
			if (j->has_barrier && pos_cmp(&g, &j->barrier) <= 0)
				continue;
			if (j->sql_pass) { /* --emit-sql across versions: each change's */
				if (mj_hist_sqlrow(j, fr, &r, &g, err) < 0) {
					rc = -1;
					break;
				}
				continue;
			}
			if ((++j->st.log_rows & 0xffff) == 0)
				mj_progress(j, "read");
			if (mj_hist_row(j, fr, &r, &g, 1, err) < 0 ||
			    add_change(j, &r, &g, fr->path, fr->rd.recno, err) < 0) {
				rc = -1;
				break;
			}
		}
		if (count) {
			mj_in_end(j, fr, rc == 0);
			if (rc == 0)
				mj_progress(j, j->ddl_pass ? "plan" : "read");
		}
		wh_reader_close(fr); /* frees the path */
	}
	j->in_cur = NULL;
	wh_reader_close(&frs[0]);
	wh_reader_close(&frs[1]);
	return rc < 0 ? -1 : 0;
}

/* The record holds as many lines of the commits from the ledger's
 * commits.NAME_log S on as it says (a record deleted, emptied to its
 * header or missing lines is exit 1; no key: a log table written before
 * the key existed, read as it is). found: the record exists. 1: go on
 * checking the lines, 0: no record, -1. */
static int check_count(struct mergejob *j, int found, const struct wh_commit *cs, size_t nc,
		       struct mc_err *err)
{
	char name[300];
	uint64_t from, want, have = 0;
	int k;
	snprintf(name, sizeof name, "%s_log", j->o.table);
	if ((k = ledger_commits_get(&j->L, name, &from, &want)) < 0)
		return mc_errf(err, MC_EXIT_DATA, "'%s/" WH_LEDGER "': malformed " LEDGER_K_COMMITS
			       "%s", j->o.whdir, name);
	if (k == 0)
		return found;
	for (size_t i = 0; i < nc; i++)
		have += cs[i].seq >= from;
	if (found && have == want)
		return 1;
	if (!found)
		return mc_errf(err, MC_EXIT_DATA,
			       "'%s/%s': missing, but the ledger's " LEDGER_K_COMMITS "%s says it "
			       "holds %llu lines (of commits %llu to %llu): restore the file from a "
			       "backup (a rerun of the same input cannot rebuild it), or reload the "
			       "log into a new warehouse", j->ldir, WH_COMMITS, name,
			       (unsigned long long)want, (unsigned long long)from,
			       (unsigned long long)j->L.seq);
	return mc_errf(err, MC_EXIT_DATA,
		       "'%s/%s': %llu lines of commits %llu to %llu, but the ledger's "
		       LEDGER_K_COMMITS "%s says %llu: the commits record is damaged; restore "
		       "the file from a backup (a rerun of the same input cannot rebuild it), or "
		       "reload the log into a new warehouse", j->ldir, WH_COMMITS,
		       (unsigned long long)have, (unsigned long long)from,
		       (unsigned long long)j->L.seq, name, (unsigned long long)want);
}

/* After a log file found missing (err set), when the base is a re-snapshot
 * generation: its log, from its lowest watermark on, may have been dropped
 * by a --lifecycle before it was loaded; say so and what to do. -1. */
static int gen_hint(struct mergejob *j, struct mc_err *err)
{
	char from[64], was[sizeof err->msg];
	if (!j->gdir)
		return -1;
	memcpy(was, err->msg, sizeof was);
	pos_format(&j->base_m.from, from, sizeof from);
	return mc_errf(err, err->code,
		       "%s (the base is the re-snapshot '%s/%s/%s', whose log is read from its "
		       "lowest watermark %s on: a --lifecycle before it was loaded may have "
		       "dropped that log; load a newer re-snapshot, taken after the log the "
		       "warehouse holds)",
		       was, WH_RESNAP, j->o.table, j->base_part, from);
}

/* Every log file the ledger's commits wrote into [from, upto) (the log
 * table's commits record, wh_commits.c) is there: its partition complete
 * (listed in parts, manifests lms) and the file in its manifest with the
 * rows committed. A log table without the record (written before it
 * existed) is read as it is (docs/merge.md). */
static int check_commits(struct mergejob *j, char **parts, const struct wh_manifest *lms,
			 size_t nparts, struct mc_err *err)
{
	struct wh_commit *cs;
	size_t nc;
	int rc = wh_commits_read(j->ldir, j->L.seq, &cs, &nc, err);
	if (rc < 0 || (rc = check_count(j, rc, cs, nc, err)) <= 0) {
		free(cs);
		return rc;
	}
	rc = 0;
	for (size_t c = 0; c < nc && rc == 0; c++) {
		const struct wh_commit *k = &cs[c];
		char name[WH_PART_FILE_MAX], lo[64], hi[64];
		const struct wh_file *f = NULL;
		struct mc_pos glo, ghi;
		size_t i, rank = 0;
		if ((rc = mj_rank(j, k->has_src, k->src, &rank, j->ldir, err)) < 0)
			break;
		glo = mj_gpos(rank, k->lo);
		ghi = mj_gpos(rank, k->hi);
		if (pos_cmp(&ghi, &j->from) < 0 || (!j->upto_inf && pos_cmp(&glo, &j->upto) >= 0))
			continue;
		wh_part_file_name(k->seq, name);
		pos_format(&k->lo, lo, sizeof lo);
		pos_format(&k->hi, hi, sizeof hi);
		for (i = 0; i < nparts && strcmp(parts[i], k->part) != 0; i++)
			;
		if (i == nparts) {
			rc = mc_errf(err, MC_EXIT_DATA,
				     "'%s/%s': missing, or without its %s, but commit %llu wrote %llu "
				     "rows there (positions %s to %s, in the range of this merge): "
				     "restore the partition, or reload the log into a new warehouse",
				     j->ldir, k->part, WH_MARKER, (unsigned long long)k->seq,
				     (unsigned long long)k->rows, lo, hi);
			rc = gen_hint(j, err);
			break;
		}
		for (size_t x = 0; x < lms[i].nfiles && !f; x++)
			if (strcmp(lms[i].files[x].name, name) == 0)
				f = &lms[i].files[x];
		if (!f || f->rows != k->rows)
			rc = mc_errf(err, MC_EXIT_DATA,
				     "'%s/%s/%s': %s, but commit %llu wrote %llu rows there "
				     "(positions %s to %s, in the range of this merge): restore the "
				     "partition, or reload the log into a new warehouse",
				     j->ldir, k->part, name, f ? "other rows in its marker" :
				     "not in its partition's marker", (unsigned long long)k->seq,
				     (unsigned long long)k->rows, lo, hi);
		if (rc < 0)
			gen_hint(j, err);
	}
	free(cs);
	return rc;
}

int mj_check_log_below(struct mergejob *j, struct mc_pos lo, struct mc_err *err)
{
	char **parts;
	size_t nparts;
	struct wh_commit *cs = NULL;
	size_t nc = 0;
	int rc;
	if (pos_cmp(&lo, &j->from) >= 0)
		return 0;
	if (wh_list_parts(j->ldir, 0, &parts, &nparts, err) < 0)
		return -1;
	rc = wh_commits_read(j->ldir, j->L.seq, &cs, &nc, err);
	if (rc <= 0) /* no record (a log written before it): not checked, as a range */
		goto out;
	rc = 0;
	for (size_t c = 0; c < nc && rc == 0; c++) {
		const struct wh_commit *k = &cs[c];
		struct wh_manifest m;
		char name[WH_PART_FILE_MAX], a[64], b[64], f[64];
		size_t i, rank = 0;
		int have = 0;
		struct mc_pos glo, ghi;
		if ((rc = mj_rank(j, k->has_src, k->src, &rank, j->ldir, err)) < 0)
			break;
		glo = mj_gpos(rank, k->lo);
		ghi = mj_gpos(rank, k->hi);
		if (pos_cmp(&ghi, &lo) < 0 || pos_cmp(&glo, &j->from) >= 0)
			continue;
		for (i = 0; i < nparts && strcmp(parts[i], k->part) != 0; i++)
			;
		wh_part_file_name(k->seq, name);
		if (i < nparts) {
			if ((rc = wh_part_manifest(j->ldir, parts[i], &m, err)) < 0)
				break;
			for (size_t x = 0; x < m.nfiles && !have; x++)
				have = strcmp(m.files[x].name, name) == 0 && m.files[x].rows == k->rows;
			wh_manifest_free(&m);
		}
		if (have)
			continue;
		pos_format(&k->lo, a, sizeof a);
		pos_format(&k->hi, b, sizeof b);
		pos_format(&j->from, f, sizeof f);
		rc = mc_errf(err, MC_EXIT_DATA,
			     "--at='%s': '%s/%s/%s' is gone (commit %llu wrote %llu rows there, "
			     "positions %s to %s; dropped by --lifecycle, or by hand), and the base "
			     "partition '%s' starts after them (at %s): a change stamped after the time "
			     "may be among them, so which state the time asks for cannot be told; ask a "
			     "time after the day of '%s' ended, or restore the partition",
			     j->o.at, j->ldir, k->part, name, (unsigned long long)k->seq,
			     (unsigned long long)k->rows, a, b, j->base_part, f, j->base_part);
	}
out:
	free(cs);
	wh_free_list(parts, nparts);
	return rc < 0 ? -1 : 0;
}

int mj_read_log(struct mergejob *j, struct mc_err *err)
{
	char **parts;
	size_t nparts, nf = 0, cap = 0, i;
	struct wh_manifest *lms = NULL;
	struct lfile *lf = NULL;
	int rc = 0;

	if (wh_list_parts(j->ldir, 0, &parts, &nparts, err) < 0)
		return -1;
	/* a log of DDL records only (a TRUNCATE of a table with no change
	 * yet) has no schema; a row in it would be refused by its reader */
	if (!(lms = calloc(nparts ? nparts : 1, sizeof *lms))) {
		rc = mc_oom(err, "log manifests");
		goto out;
	}
	for (i = 0; i < nparts && rc == 0; i++)
		if ((rc = wh_part_manifest(j->ldir, parts[i], &lms[i], err)) >= 0)
			rc = log_files_of(j, parts[i], &lms[i], &lf, &nf, &cap, err);
	if (rc == 0 && j->ddl_pass)
		rc = check_commits(j, parts, lms, nparts, err);
	if (rc == 0 && j->ddl_pass) { /* the input, for the progress */
		j->log_bytes = j->base_bytes = 0;
		for (i = 0; i < nf; i++)
			j->log_bytes += lf[i].f->bytes;
		for (i = 0; i < j->base_m.nfiles; i++)
			j->base_bytes += j->base_m.files[i].bytes;
		j->in_done = 0;
		j->in_total = j->log_bytes + (j->o.emit_sql ? 0 : j->log_bytes + j->base_bytes);
	}
	if (rc == 0)
		rc = read_log_files(j, lf, nf, err);
	for (i = 0; i < nf; i++)
		free(lf[i].path);
	for (i = 0; i < nparts; i++)
		wh_manifest_free(&lms[i]);
out:
	free(lms);
	free(lf);
	wh_free_list(parts, nparts);
	return rc < 0 ? -1 : 0;
}
