#include "stream/recio.h"

#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "stream/crc32c.h"
#include "stream/recpack.h"

#define READ_CHUNK (256 * 1024)
#define WRITE_CHUNK (256 * 1024)

void rio_init(struct rio_reader *r, int fd, enum rio_fmt fmt)
{
	memset(r, 0, sizeof *r);
	zin_init(&r->in, fd);
	r->fmt = fmt;
}

void rio_close(struct rio_reader *r)
{
	zin_close(&r->in);
	jsonl_parser_free(&r->jp);
	buf_free(&r->buf);
	rec_scratch_free(&r->sc);
	vtrack_free(&r->vt);
}

/* Add the stream's bytes up to stream offset upto to the running CRC
 * (records are hashed in large spans: when their bytes are dropped from
 * the buffer, and at the trailer). */
static void hash_to(struct rio_reader *r, uint64_t upto)
{
	if (r->state != 1 || r->fmt != RIO_MCR || upto <= r->hashed)
		return;
	r->crc = crc32c(r->crc, r->buf.p + (r->hashed - r->base), (size_t)(upto - r->hashed));
	r->hashed = upto;
}

/* Read more input behind what is buffered, dropping consumed bytes first.
 * Returns bytes added, 0 at end of input, -1 on error. */
static ssize_t more(struct rio_reader *r, struct mc_err *err)
{
	ssize_t got;
	if (r->pos > 0) {
		hash_to(r, r->base + r->pos);
		buf_consume(&r->buf, r->pos);
		r->base += r->pos;
		r->pos = 0;
	}
	/* Grow by what arrives, never by what a length field claims. */
	if (buf_grow(&r->buf, READ_CHUNK) < 0)
		return mc_errnof(err, errno, "reading");
	got = zin_read(&r->in, r->buf.p + r->buf.len, r->buf.cap - r->buf.len, err);
	if (got > 0)
		r->buf.len += (size_t)got;
	return got;
}

/* The first record failed: when the input does not even begin as one
 * (a msgpack array), say what it is instead of which field was wrong. */
static void not_a_stream(const char *p, size_t n, struct mc_err *err)
{
	static const char ck[] = "mcsync-checkpoint";
	unsigned char c = (unsigned char)p[0];
	char text[40];
	size_t i;
	if ((c >= 0x90 && c <= 0x9f) || c == 0xdc || c == 0xdd)
		return; /* an array: the decoder's own message says what is wrong */
	if (n >= sizeof ck - 1 && !memcmp(p, ck, sizeof ck - 1)) {
		mc_errf(err, MC_EXIT_DATA,
			"offset 0: a checkpoint or ledger file of mcsync (text), not a record stream");
		return;
	}
	for (i = 0; i < n && i < sizeof text - 1 && p[i] >= 0x20 && p[i] < 0x7f; i++)
		text[i] = p[i];
	text[i] = 0;
	if (i >= 4)
		mc_errf(err, MC_EXIT_DATA,
			"offset 0: not a record stream of mcsync (it begins with the text '%s')", text);
	else
		mc_errf(err, MC_EXIT_DATA,
			"offset 0: not a record stream of mcsync (its first byte is 0x%02x, where a "
			"record begins with a msgpack array)",
			c);
}

static int fail(struct rio_reader *r, struct mc_err *err)
{
	return mc_errctx(err, "record %llu: ", (unsigned long long)r->recno);
}

/* Decode the next record at r->pos: 1 and *used, 0 when more input is
 * needed (*used: bytes needed at least, 0 if unknown), -1 on bad data. */
static int decode(struct rio_reader *r, struct mc_rec *rec, size_t *used, struct mc_err *err)
{
	const char *p = r->buf.p + r->pos, *nl;
	size_t avail = r->buf.len - r->pos;
	uint64_t off = r->base + r->pos;

	if (r->fmt == RIO_MCR)
		return rec_decode(p, avail, off, used, rec, &r->sc, err);
	nl = memchr(p + r->scanned, '\n', avail - r->scanned);
	if (!nl) {
		r->scanned = avail;
		*used = avail + 1;
		return 0;
	}
	r->scanned = 0;
	*used = (size_t)(nl - p) + 1;
	if (jsonl_decode(&r->jp, p, (size_t)(nl - p), rec, err) < 0)
		return mc_errctx(err, "offset %llu: ", (unsigned long long)off);
	return 1;
}

/* rio_check_order: rec (at stream offset off) carries a change position
 * (a change row, a DDL record, a txn_end or heartbeat mark). A row or DDL
 * record below the highest such position before it in the stream: -1
 * with err. A mark below is passed: it holds no data (a sink drops it as
 * a repeat), and a non-transactional statement's txn_end is at its rows
 * event's row 0, after its rows 0..N (a MySQL 5.1 MyISAM table). */
static int check_order(struct rio_reader *r, const struct mc_rec *rec, uint64_t off,
		       struct mc_err *err)
{
	char a[64], b[64];
	int c;
	if (rec->kind == MC_R_ROW ? rec->op == MC_OP_SNAPSHOT
	    : rec->kind == MC_R_MARK ? rec->mark != MC_MARK_TXN_END && rec->mark != MC_MARK_HEARTBEAT
				     : rec->kind != MC_R_DDL)
		return 0;
	c = r->ord_has ? pos_cmp(&rec->pos, &r->ord_hi) : 1;
	if (c > 0) {
		r->ord_hi = rec->pos;
		r->ord_recno = r->recno;
		r->ord_has = 1;
	}
	if (c >= 0 || rec->kind == MC_R_MARK)
		return 0;
	r->ord_bad = 1;
	r->ord_pos = rec->pos;
	pos_format(&rec->pos, a, sizeof a);
	pos_format(&r->ord_hi, b, sizeof b);
	mc_errf(err, MC_EXIT_DATA,
		"offset %llu: position %s is below position %s of record %llu, earlier in this "
		"stream: input out of order (transactions swapped, or streams spliced inside "
		"one header; a source writes its changes in position order, and a rerun comes "
		"as a stream of its own, with its header)",
		(unsigned long long)off, a, b, (unsigned long long)r->ord_recno);
	return fail(r, err);
}

int rio_next(struct rio_reader *r, struct mc_rec *rec, struct mc_err *err)
{
	for (;;) {
		size_t avail = r->buf.len - r->pos, used = 0;
		uint64_t off = r->base + r->pos;
		int rc = 0;
		ssize_t got;

		if (avail > 0 && r->fmt == RIO_AUTO)
			r->fmt = r->buf.p[r->pos] == '{' ? RIO_JSONL : RIO_MCR;
		if (avail > 0)
			rc = decode(r, rec, &used, err);
		if (rc < 0) {
			r->recno++;
			if (off == 0 && r->fmt == RIO_MCR)
				not_a_stream(r->buf.p, avail, err);
			return fail(r, err);
		}
		if (rc == 0) {
			/* Need more input; refuse to buffer past the record bound
			 * (bytes are only ever buffered as they arrive). */
			if (avail > 0 && used > MC_MAX_RECORD) {
				r->recno++;
				mc_errf(err, MC_EXIT_DATA,
					"offset %llu: record needs %zu bytes, over the limit of %u",
					(unsigned long long)off, used, MC_MAX_RECORD);
				return fail(r, err);
			}
			got = more(r, err);
			if (got < 0) {
				mc_errctx(err, "record %llu: ", (unsigned long long)r->recno + 1);
				return -1;
			}
			if (got > 0)
				continue;
			/* end of input */
			if (avail > 0 && r->open_end && r->state == 1) {
				r->cut = 1; /* a writer stopped inside a record */
				r->cut_off = off;
				return 0;
			}
			if (avail > 0) {
				r->recno++;
				mc_errf(err, MC_EXIT_DATA, "truncated at offset %llu",
					(unsigned long long)(off + avail));
				return fail(r, err);
			}
			if (r->state == 1 && !r->open_end) {
				mc_errf(err, MC_EXIT_DATA, "truncated at offset %llu (no trailer)",
					(unsigned long long)off);
				return mc_errctx(err, "record %llu: ", (unsigned long long)r->recno + 1);
			}
			if (r->state == 0 && r->recno == 0)
				return mc_errf(err, MC_EXIT_DATA, "empty input: no record stream header");
			return 0;
		}
		r->recno++;
		r->rec_off = off;
		r->rec_len = r->fmt == RIO_JSONL ? used - 1 : used;
		r->pos += used;
		if (rec->kind == MC_R_HEADER) {
			if (r->state == 1) {
				mc_errf(err, MC_EXIT_DATA, "offset %llu: header inside a stream "
					"(the stream before it has no trailer)", (unsigned long long)off);
				return fail(r, err);
			}
			r->state = 1;
			r->since_header = 0;
			r->ord_has = 0;
			r->head_off = off;
			r->crc = 0;
			r->hashed = off;
			return 1;
		}
		if (r->state != 1) {
			mc_errf(err, MC_EXIT_DATA, "offset %llu: %s record %s",
				(unsigned long long)off, rec_kind_name(rec->kind),
				r->state == 0 ? "before any header" : "after the trailer");
			return fail(r, err);
		}
		if (rec->kind == MC_R_TRAILER) {
			if (rec->count != r->since_header) {
				mc_errf(err, MC_EXIT_DATA,
					"offset %llu: trailer counts %llu records, the stream has %llu",
					(unsigned long long)off, (unsigned long long)rec->count,
					(unsigned long long)r->since_header);
				return fail(r, err);
			}
			hash_to(r, off);
			if (rec->has_crc && r->fmt == RIO_MCR && rec->crc != r->crc) {
				mc_errf(err, MC_EXIT_DATA,
					"offset %llu: checksum mismatch: the trailer says crc32c %08x, "
					"bytes %llu..%llu of the stream give %08x: the stream is damaged",
					(unsigned long long)off, (unsigned)rec->crc,
					(unsigned long long)r->head_off, (unsigned long long)off,
					(unsigned)r->crc);
				return fail(r, err);
			}
			r->state = 2;
			return 1;
		}
		r->since_header++;
		if ((rec->kind == MC_R_ROW && vtrack_row(&r->vt, rec, err) < 0) ||
		    (rec->kind == MC_R_SCHEMA && vtrack_schema(&r->vt, rec, err) < 0)) {
			mc_errctx(err, "offset %llu: ", (unsigned long long)off);
			return fail(r, err);
		}
		if (r->order && check_order(r, rec, off, err) < 0)
			return -1;
		return 1;
	}
}

int rio_winit(struct rio_writer *w, int fd, int level, struct mc_err *err)
{
	memset(w, 0, sizeof *w);
	return zout_init(&w->out, fd, level, err);
}

/* Hash what is buffered and not hashed yet. */
static void hash_buf(struct rio_writer *w)
{
	w->crc = crc32c(w->crc, w->buf.p + w->hashed, w->buf.len - w->hashed);
	w->hashed = w->buf.len;
}

static int drain(struct rio_writer *w, struct mc_err *err)
{
	if (w->buf.len == 0)
		return 0;
	if (w->in_stream)
		hash_buf(w);
	if (zout_write(&w->out, w->buf.p, w->buf.len, err) < 0)
		return -1;
	w->buf.len = 0;
	w->hashed = 0;
	return 0;
}

int rio_write(struct rio_writer *w, const struct mc_rec *rec, struct mc_err *err)
{
	struct mc_rec t;

	if (rec->kind == MC_R_HEADER) {
		if (w->in_stream)
			return mc_errf(err, MC_EXIT_DATA, "header inside an open stream");
		w->in_stream = 1;
		w->count = 0;
		w->crc = 0;
		w->hashed = w->buf.len; /* the stream's bytes start here */
	} else if (!w->in_stream) {
		return mc_errf(err, MC_EXIT_DATA, "%s record before the header",
			       rec_kind_name(rec->kind));
	} else if (rec->kind == MC_R_TRAILER) {
		if (rec->count != w->count)
			return mc_errf(err, MC_EXIT_DATA, "trailer count %llu, %llu records written",
				       (unsigned long long)rec->count, (unsigned long long)w->count);
		hash_buf(w);
		t = *rec;
		t.has_crc = 1;
		t.crc = w->crc;
		rec = &t;
		w->in_stream = 0;
	} else {
		w->count++;
	}
	if ((w->decoded ? rec_encode_decoded(&w->buf, rec, err) : rec_encode(&w->buf, rec, err)) < 0)
		return -1;
	if (w->buf.len >= WRITE_CHUNK)
		return drain(w, err);
	return 0;
}

int rio_pack_begin(struct rio_writer *w, struct rp *k, size_t room, struct mc_err *err)
{
	if (!w->in_stream)
		return mc_errf(err, MC_EXIT_DATA, "records before the header");
	if (rp_open(k, &w->buf, room) < 0)
		return mc_oom(err, "a record");
	return 0;
}

int rio_pack_end(struct rio_writer *w, struct rp *k, struct mc_err *err)
{
	return rio_pack_endn(w, k, 1, err);
}

int rio_pack_endn(struct rio_writer *w, struct rp *k, uint64_t n, struct mc_err *err)
{
	if (rp_close(k) < 0)
		return mc_oom(err, "a record");
	w->count += n;
	if (w->buf.len >= WRITE_CHUNK)
		return drain(w, err);
	return 0;
}

int rio_write_raw(struct rio_writer *w, const void *p, size_t n, uint64_t nrecs,
		  struct mc_err *err)
{
	if (!w->in_stream)
		return mc_errf(err, MC_EXIT_DATA, "records before the header");
	if (n >= WRITE_CHUNK) {
		/* written from where it is (the same bytes, no copy), 1 MiB a
		 * write: hashed while in the cache, and a write of a few MiB
		 * costs the kernel 2-3 times more a byte (into the page cache) */
		if (drain(w, err) < 0)
			return -1;
		for (const char *c = p, *e = c + n; c < e;) {
			size_t k = (size_t)(e - c) < (1u << 20) ? (size_t)(e - c) : (1u << 20);
			w->crc = crc32c(w->crc, c, k);
			if (zout_write(&w->out, c, k, err) < 0)
				return -1;
			c += k;
		}
		w->count += nrecs;
		return 0;
	}
	if (buf_add(&w->buf, p, n) < 0)
		return mc_oom(err, "a record");
	w->count += nrecs;
	if (w->buf.len >= WRITE_CHUNK)
		return drain(w, err);
	return 0;
}

int rio_begin(struct rio_writer *w, const struct mc_kv *meta, size_t nmeta, struct mc_err *err)
{
	struct mc_rec h;
	memset(&h, 0, sizeof h);
	h.kind = MC_R_HEADER;
	h.version = MC_REC_VERSION;
	h.meta = (struct mc_kv *)meta;
	h.nmeta = nmeta;
	return rio_write(w, &h, err);
}

int rio_end(struct rio_writer *w, struct mc_err *err)
{
	struct mc_rec t;
	memset(&t, 0, sizeof t);
	t.kind = MC_R_TRAILER;
	t.count = w->count;
	return rio_write(w, &t, err);
}

int rio_flush(struct rio_writer *w, struct mc_err *err)
{
	if (drain(w, err) < 0)
		return -1;
	return zout_flush(&w->out, err);
}

int rio_wclose(struct rio_writer *w, struct mc_err *err)
{
	int rc = drain(w, err);
	if (rc == 0)
		rc = zout_end(&w->out, err);
	zout_close(&w->out);
	buf_free(&w->buf);
	return rc;
}

void rio_wabort(struct rio_writer *w)
{
	zout_close(&w->out);
	buf_free(&w->buf);
}
