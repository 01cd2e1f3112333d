/* common/sink/pbuf.c: a partition's pending rows (struct sink_pbuf): opened, noted,
 * saved and taken back, told to the destination as they settle
 * (sink_feed), and the amount pending that makes a commit due
 * (sink_over: --commit-rows rows or --commit-bytes bytes, so that memory
 * stays bounded whatever the size of the rows). */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "sink/sink_int.h"
#include "stream/crc32c.h"
#include "stream/ledger.h"

int sink_over(const struct sink *s, uint64_t k)
{
	return s->pending_rows >= k * s->o.commit_rows ||
	       (s->o.commit_bytes && s->pending_bytes >= k * s->o.commit_bytes);
}

void sink_pbuf_note(struct sink *s, struct sink_pbuf *p, const struct mc_rec *r, int pos)
{
	p->nrec++;
	p->rows++;
	if (pos) {
		if (!p->has_pos || pos_cmp(&r->pos, &p->lo) < 0)
			p->lo = r->pos;
		if (!p->has_pos || pos_cmp(&r->pos, &p->hi) > 0)
			p->hi = r->pos;
		p->has_pos = 1;
	}
	if (!p->has_time || r->time < p->tmin)
		p->tmin = r->time;
	if (!p->has_time || r->time > p->tmax)
		p->tmax = r->time;
	p->has_time = 1;
	s->pending_rows++;
	s->pending_bytes += p->data.len - p->noted;
	p->noted = p->data.len;
	/* (a destination that takes no hint costs this one test a row) */
	if (s->d->ops->feed && p->data.len - p->fed >= SINK_FEED_STEP) {
		s->feed_due = 1;
		if (s->whole) { /* (its end is known to come: no boundary waited for) */
			sink_feed(s);
			return;
		}
		if (p->fed && p->data.len - p->ticked >= SINK_FEED_STEP) {
			p->ticked = p->data.len; /* (nothing new settled: a tick) */
			s->d->ops->feed(s->d->st, p->dp, p->data.p, p->fed);
		}
	}
}

void sink_feed(struct sink *s)
{
	const struct dest_ops *ops = s->d->ops;
	if (!s->feed_due || !ops->feed)
		return;
	s->feed_due = 0;
	for (size_t i = 0; i < s->npbufs; i++) {
		struct sink_pbuf *p = s->pbufs[i];
		size_t len = p->data.len;
		if (len - p->fed < SINK_FEED_STEP)
			continue;
		/* an open chunk's rows may still be dropped (chunk.c), in a
		 * stream read as it goes (not one checked whole, above) */
		for (size_t k = 0; k < s->ntabs && s->nopen && !s->whole; k++)
			if (s->tabs[k].open && s->tabs[k].cp == p && s->tabs[k].save.data_len < len)
				len = s->tabs[k].save.data_len;
		if (len > p->fed) {
			p->fed = len;
			p->ticked = p->data.len;
			ops->feed(s->d->st, p->dp, p->data.p, len);
		}
		if (p->data.len - p->fed >= SINK_FEED_STEP)
			s->feed_due = 1;
	}
}

/* Room for n more bytes in p->data, held from a destination that reads
 * what was fed of it while the bytes move. */
static int room(struct sink *s, struct sink_pbuf *p, size_t n)
{
	const struct dest_ops *ops = s->d->ops;
	int rc;
	if (p->data.cap - p->data.len >= n)
		return 0;
	if (!p->fed || !ops->feed_hold)
		return buf_grow(&p->data, n);
	ops->feed_hold(s->d->st, p->dp, NULL);
	rc = buf_grow(&p->data, n);
	ops->feed_hold(s->d->st, p->dp, p->data.p);
	return rc;
}

int sink_pbuf_add(struct sink *s, struct sink_pbuf *p, const void *raw, size_t n,
		  struct mc_err *err)
{
	if (room(s, p, n) < 0)
		return mc_oom(err, "rows");
	memcpy(p->data.p + p->data.len, raw, n);
	p->data.len += n;
	return 0;
}

int sink_pbuf_add_rec(struct sink *s, struct sink_pbuf *p, const struct mc_rec *r,
		      struct mc_err *err)
{
	/* (its size is known once encoded: encoded apart first where the
	 * buffer is read, else in place) */
	if (!p->fed || !s->d->ops->feed_hold)
		return rec_encode(&p->data, r, err);
	s->fenc.len = 0;
	if (rec_encode(&s->fenc, r, err) < 0)
		return -1;
	return sink_pbuf_add(s, p, s->fenc.p, s->fenc.len, err);
}

void sink_pbuf_save(const struct sink_pbuf *p, struct sink_psave *v)
{
	v->data_len = p->data.len;
	v->schemas_len = p->schemas.len;
	v->hist_len = p->hist.len;
	v->nrec = p->nrec;
	v->rows = p->rows;
	v->schema_ver = p->schema_ver;
	v->schema_db = p->schema_db;
	v->schema_crc = p->schema_crc;
	v->schema_len = p->schema_len;
	v->has_pos = p->has_pos;
	v->has_time = p->has_time;
	v->lo = p->lo;
	v->hi = p->hi;
	v->tmin = p->tmin;
	v->tmax = p->tmax;
}

uint64_t sink_pbuf_restore(struct sink *s, struct sink_pbuf *p, const struct sink_psave *v)
{
	uint64_t back = p->rows - v->rows;
	s->pending_rows -= back;
	if (p->noted > v->data_len) {
		s->pending_bytes -= p->noted - v->data_len;
		p->noted = v->data_len;
	}
	p->data.len = v->data_len;
	if (p->ticked > p->data.len)
		p->ticked = p->data.len;
	if (p->fed > p->data.len) {
		/* (never, by the boundaries sink_feed keeps to: said all the same) */
		p->fed = 0;
		if (s->d->ops->feed)
			s->d->ops->feed(s->d->st, p->dp, NULL, 0);
	}
	p->schemas.len = v->schemas_len;
	p->hist.len = v->hist_len;
	p->nrec = v->nrec;
	p->rows = v->rows;
	p->schema_ver = v->schema_ver;
	p->schema_db = v->schema_db;
	p->schema_crc = v->schema_crc;
	p->schema_len = v->schema_len;
	p->has_pos = v->has_pos;
	p->has_time = v->has_time;
	p->lo = v->lo;
	p->hi = v->hi;
	p->tmin = v->tmin;
	p->tmax = v->tmax;
	return back;
}

int sink_pbuf_schema(struct sink *s, struct sink_pbuf *p, const struct sink_tab *t)
{
	struct mc_err e;
	uint32_t crc = crc32c(0, t->schema.raw.p, t->schema.raw.len);
	if (p->nrec && p->schema_ver == t->schema.rec.schema_version && p->schema_db &&
	    strcmp(p->schema_db, t->db) == 0 && p->schema_len == t->schema.raw.len &&
	    p->schema_crc == crc)
		return 0;
	if (sink_pbuf_add(s, p, t->schema.raw.p, t->schema.raw.len, &e) < 0 ||
	    buf_add(&p->schemas, t->schema.raw.p, t->schema.raw.len) < 0)
		return -1;
	p->schema_ver = t->schema.rec.schema_version;
	p->schema_db = t->db;
	p->schema_crc = crc;
	p->schema_len = t->schema.raw.len;
	p->nrec++;
	return 0;
}

void sink_pbuf_prepare(struct sink *s, const struct sink_tab *t, struct sink_pbuf *p)
{
	/* (called for every row: the error buffer is cleared only when the
	 * hint is given, not 1,000,000 times for nothing) */
	/* (nor for a later binlog history: the schema history's positions
	 * are ranked by it, dest_rows hist_rank, which a hint does not say) */
	if (!s->d->ops->prepare || p->rows || p->hist.len || sink_hist_rank(s))
		return;
	struct mc_err err = { 0 };
	char nk[700];
	int lay;
	if (sink_layout(s, &lay, &err) < 0)
		return;
	ledger_name_key(t->db, strlen(t->db), t->table, strlen(t->table), nk, sizeof nk);
	s->d->ops->prepare(s->d->st, p->dp, p->schemas.p, p->schemas.len, lay, nk,
			   s->mdest ? NULL : ledger_name_get(&s->L, nk));
}

/* The buffer of a table's partition, opened at the destination when new. */
struct sink_pbuf *sink_pbuf_get(struct sink *s, const char *table, int is_log, const char *part,
				struct mc_err *err)
{
	struct sink_pbuf *p;
	for (size_t i = 0; i < s->npbufs; i++)
		if (s->pbufs[i]->is_log == is_log && strcmp(s->pbufs[i]->part, part) == 0 &&
		    strcmp(s->pbufs[i]->table, table) == 0)
			return s->pbufs[i];
	if (mc_grow(&s->pbufs, &s->pbufcap, s->npbufs + 1, sizeof *s->pbufs) < 0 ||
	    !(p = calloc(1, sizeof *p)))
		return mc_oom(err, "partitions"), NULL;
	s->pbufs[s->npbufs++] = p;
	p->is_log = is_log;
	buf_remappable(&p->data); /* a commit's rows: tens of MB in one go */
	if (!(p->table = mc_strdup(table)) || !(p->part = mc_strdup(part)))
		return mc_oom(err, "partitions"), NULL;
	if (s->d->ops->part_open(s->d->st, table, is_log, part, &p->dp, err) < 0)
		return NULL;
	return p;
}
