/* tunnel_dec.c: the strict decoder of Tunnel record streams and the
 * uncompression of block bodies (docs/maxcompute.md "Record stream").
 *
 * It accepts exactly what the encoder writes: each field once, in field
 * order, with its column's wire type, minimal varints, 0/1 flags, values
 * inside their type, every record CRC and the footer right. So whatever it
 * accepts re-encodes to the same bytes (fuzz/fuzz_tunnel_rec.c checks it).
 *
 * Values of ARRAY/MAP/STRUCT go into one pool per record. The pool may
 * move while it grows, so their pointers are set only when the record is
 * whole, by walking its values in the order their elements were reserved. */
#include "odps/tunnel_rec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>
#include <zstd.h>

#include "base/alloc.h"
#include "odps/tunnel_rec_int.h"
#include "stream/crc32c.h"

struct rd {
	struct trec_dec *d;
	const unsigned char *base, *p, *end;
	uint64_t recno;
	uint32_t crc;
	struct mc_err *err;
};

static int bad(struct rd *r, const unsigned char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct rd *r, const unsigned char *at, const char *fmt, ...)
{
	char why[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return mc_errf(r->err, MC_EXIT_DATA, "record %llu: offset %zu: %s",
		       (unsigned long long)r->recno, (size_t)(at - r->base), why);
}

static void feed(struct rd *r, const void *p, size_t n)
{
	r->crc = crc32c(r->crc, p, n);
}

static void feed64(struct rd *r, uint64_t v)
{
	unsigned char b[8];
	trec_le64(b, v);
	feed(r, b, 8);
}

/* A protobuf varint, minimal (no trailing 0x80 00 groups), at most 64 bits. */
static int varint(struct rd *r, uint64_t *v, const char *what)
{
	const unsigned char *s = r->p;
	uint64_t x = 0;
	for (unsigned i = 0;; i++) {
		unsigned char c;
		if (r->p == r->end)
			return bad(r, s, "%s: varint runs past the end of the stream", what);
		c = *r->p++;
		if (i == 9 && c > 1)
			return bad(r, s, "%s: varint over 64 bits", what);
		x |= (uint64_t)(c & 0x7f) << (7 * i);
		if (!(c & 0x80)) {
			if (c == 0 && i > 0)
				return bad(r, s, "%s: varint not in its shortest form", what);
			break;
		}
	}
	*v = x;
	return 0;
}

static int flag(struct rd *r, bool *null)
{
	const unsigned char *s = r->p;
	uint64_t f;
	if (varint(r, &f, "null flag") < 0)
		return -1;
	if (f > 1)
		return bad(r, s, "null flag %llu, not 0 or 1", (unsigned long long)f);
	*null = f == 1;
	return 0;
}

/* Reserve n pool values (zeroed); their first index in *at. */
static int reserve(struct rd *r, size_t n, size_t *at)
{
	struct trec_dec *d = r->d;
	if (n && mc_grow(&d->pool, &d->cappool, d->npool + n, sizeof *d->pool) < 0)
		return mc_oom(r->err, "a Tunnel record");
	if (n)
		memset(d->pool + d->npool, 0, n * sizeof *d->pool);
	*at = d->npool;
	d->npool += n;
	return 0;
}

static int get_val(struct rd *r, size_t col, const struct trec_type *t, struct trec_val *out,
		   unsigned depth);

/* Read one value into pool[idx] (the pool may move: no pointer kept). */
static int get_elem(struct rd *r, size_t col, const struct trec_type *t, size_t idx,
		    unsigned depth)
{
	struct trec_val v = { 0 };
	if (flag(r, &v.null) < 0)
		return -1;
	if (!v.null && get_val(r, col, t, &v, depth + 1) < 0)
		return -1;
	r->d->pool[idx] = v;
	return 0;
}

static int get_count(struct rd *r, size_t per, size_t *n)
{
	const unsigned char *s = r->p;
	uint64_t c;
	if (varint(r, &c, "element count") < 0)
		return -1;
	if (c > (uint64_t)(r->end - r->p) / per)
		return bad(r, s, "%llu elements, more than the bytes left", (unsigned long long)c);
	*n = (size_t)c;
	return 0;
}

static int get_val(struct rd *r, size_t col, const struct trec_type *t, struct trec_val *out,
		   unsigned depth)
{
	const struct trec_col *c = &r->d->schema->cols[col];
	const unsigned char *s = r->p;
	uint64_t u;
	char why[200];
	if (depth > TREC_MAX_DEPTH)
		return bad(r, s, "column '%.*s': nested too deep", (int)c->name.n, c->name.p);
	switch (t->kind) {
	case TREC_BOOLEAN:
		if (varint(r, &u, "BOOLEAN") < 0)
			return -1;
		if (u > 1)
			return bad(r, s, "column '%.*s': BOOLEAN %llu, not 0 or 1", (int)c->name.n,
				   c->name.p, (unsigned long long)u);
		out->u.i = (int64_t)u;
		feed(r, &(unsigned char){ (unsigned char)u }, 1);
		return 0;
	case TREC_BIGINT:
	case TREC_INT:
	case TREC_SMALLINT:
	case TREC_TINYINT:
	case TREC_DATETIME:
	case TREC_DATE:
	case TREC_INTERVAL_YEAR_MONTH:
		if (varint(r, &u, trec_kind_name(t->kind)) < 0)
			return -1;
		out->u.i = trec_unzz64(u);
		if (!trec_int_ok(t->kind, out->u.i))
			return bad(r, s, "column '%.*s': %lld is outside %s", (int)c->name.n, c->name.p,
				   (long long)out->u.i, trec_kind_name(t->kind));
		feed64(r, (uint64_t)out->u.i);
		return 0;
	case TREC_DOUBLE:
	case TREC_FLOAT: {
		size_t w = t->kind == TREC_DOUBLE ? 8 : 4;
		uint64_t x = 0;
		if ((size_t)(r->end - r->p) < w)
			return bad(r, s, "column '%.*s': %s runs past the end of the stream",
				   (int)c->name.n, c->name.p, trec_kind_name(t->kind));
		for (size_t i = 0; i < w; i++)
			x |= (uint64_t)r->p[i] << (8 * i);
		feed(r, r->p, w);
		r->p += w;
		if (w == 8) {
			memcpy(&out->u.f64, &x, 8);
		} else {
			uint32_t x32 = (uint32_t)x;
			memcpy(&out->u.f32, &x32, 4);
		}
		return 0;
	}
	case TREC_STRING:
	case TREC_BINARY:
	case TREC_CHAR:
	case TREC_VARCHAR:
	case TREC_JSON:
	case TREC_DECIMAL:
		if (varint(r, &u, "length") < 0)
			return -1;
		if (u > (uint64_t)(r->end - r->p))
			return bad(r, s, "column '%.*s': a value of %llu bytes runs past the end of the stream",
				   (int)c->name.n, c->name.p, (unsigned long long)u);
		if (trec_bytes_ok(t, (const char *)r->p, (size_t)u, r->d->max_field, why, sizeof why) < 0)
			return bad(r, s, "column '%.*s': %s", (int)c->name.n, c->name.p, why);
		out->u.s.p = (const char *)r->p;
		out->u.s.n = (size_t)u;
		feed(r, r->p, (size_t)u);
		r->p += u;
		return 0;
	case TREC_TIMESTAMP:
	case TREC_TIMESTAMP_NTZ:
	case TREC_INTERVAL_DAY_TIME: {
		unsigned char b[4];
		if (varint(r, &u, "seconds") < 0)
			return -1;
		out->u.ts.sec = trec_unzz64(u);
		s = r->p;
		if (varint(r, &u, "nanoseconds") < 0)
			return -1;
		if (u > UINT32_MAX || trec_unzz32((uint32_t)u) < 0 || trec_unzz32((uint32_t)u) > 999999999)
			return bad(r, s, "column '%.*s': nanoseconds outside 0..999999999",
				   (int)c->name.n, c->name.p);
		out->u.ts.nsec = trec_unzz32((uint32_t)u);
		feed64(r, (uint64_t)out->u.ts.sec);
		trec_le32(b, (uint32_t)out->u.ts.nsec);
		feed(r, b, 4);
		return 0;
	}
	case TREC_ARRAY:
	case TREC_MAP: {
		size_t n, n2, at;
		if (get_count(r, t->kind == TREC_MAP ? 2 : 1, &n) < 0 ||
		    reserve(r, t->kind == TREC_MAP ? 2 * n : n, &at) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (get_elem(r, col, &t->sub[0], at + i, depth) < 0)
				return -1;
		if (t->kind == TREC_MAP) {
			s = r->p;
			if (get_count(r, 1, &n2) < 0)
				return -1;
			if (n2 != n)
				return bad(r, s, "column '%.*s': a map of %zu keys and %zu values",
					   (int)c->name.n, c->name.p, n, n2);
			for (size_t i = 0; i < n; i++)
				if (get_elem(r, col, &t->sub[1], at + n + i, depth) < 0)
					return -1;
		}
		out->u.list.n = n;
		return 0;
	}
	case TREC_STRUCT: {
		size_t at;
		if ((size_t)(r->end - r->p) < t->nsub)
			return bad(r, s, "column '%.*s': a struct runs past the end of the stream",
				   (int)c->name.n, c->name.p);
		if (reserve(r, t->nsub, &at) < 0)
			return -1;
		for (uint32_t i = 0; i < t->nsub; i++)
			if (get_elem(r, col, &t->sub[i], at + i, depth) < 0)
				return -1;
		out->u.list.n = t->nsub;
		return 0;
	}
	default:
		return bad(r, s, "column '%.*s': unknown type kind %u", (int)c->name.n, c->name.p,
			   t->kind);
	}
}

/* Point the ARRAY/MAP/STRUCT values at their elements, reserved in this
 * same order. */
static void fix(struct trec_dec *d, const struct trec_type *t, struct trec_val *v, size_t *next)
{
	size_t at, n;
	if (v->null || (t->kind != TREC_ARRAY && t->kind != TREC_MAP && t->kind != TREC_STRUCT))
		return;
	n = v->u.list.n;
	at = *next;
	*next += t->kind == TREC_MAP ? 2 * n : n;
	v->u.list.v = d->pool + at;
	for (size_t i = 0; i < n; i++)
		fix(d, t->kind == TREC_STRUCT ? &t->sub[i] : &t->sub[0], &d->pool[at + i], next);
	if (t->kind == TREC_MAP)
		for (size_t i = 0; i < n; i++)
			fix(d, &t->sub[1], &d->pool[at + n + i], next);
}

void trec_dec_init(struct trec_dec *d, const struct trec_schema *s, size_t max_field)
{
	memset(d, 0, sizeof *d);
	d->schema = s;
	d->max_field = max_field ? max_field : TREC_MAX_FIELD;
}

static const char *wtname(unsigned wt)
{
	static const char *n[8] = { "varint", "fixed64", "length-delimited", "start-group",
				    "end-group", "fixed32", "6", "7" };
	return n[wt & 7];
}

int trec_dec_run(struct trec_dec *d, const void *p, size_t n, trec_rec_fn fn, void *ctx,
		 struct trec_block_info *info, struct mc_err *err)
{
	const struct trec_schema *sc = d->schema;
	struct rd r = { d, p, p, (const unsigned char *)p + n, 1, 0, err };
	uint32_t scrc = 0;
	uint32_t last = 0; /* the last field of the record so far */

	if (!d->vals && !(d->vals = calloc(sc->ncols ? sc->ncols : 1, sizeof *d->vals)))
		return mc_oom(err, "a Tunnel record");
	for (size_t i = 0; i < sc->ncols; i++)
		d->vals[i].null = true;
	d->npool = 0;
	for (;;) {
		const unsigned char *s = r.p;
		uint64_t tag, v;
		uint32_t f;
		unsigned wt;
		if (r.p == r.end)
			return bad(&r, s, "the stream ends without its footer (record count and checksum)");
		if (varint(&r, &tag, "tag") < 0)
			return -1;
		f = tag >> 3 > UINT32_MAX ? UINT32_MAX : (uint32_t)(tag >> 3);
		wt = (unsigned)(tag & 7);
		if (f == TREC_END_RECORD) {
			unsigned char b[4];
			const unsigned char *cs = r.p;
			if (wt != TREC_WT_VARINT)
				return bad(&r, s, "end of record with wire type %s", wtname(wt));
			if (varint(&r, &v, "record checksum") < 0)
				return -1;
			if (v != r.crc)
				return bad(&r, cs, "record checksum %#llx, the record's is %#x",
					   (unsigned long long)v, r.crc);
			if (d->npool) {
				size_t next = 0;
				for (size_t i = 0; i < sc->ncols; i++)
					fix(d, &sc->cols[i].type, &d->vals[i], &next);
			}
			if (fn && fn(ctx, r.recno, d->vals, sc->ncols, err) < 0)
				return -1;
			trec_le32(b, r.crc);
			scrc = crc32c(scrc, b, 4);
			for (size_t i = 0; i < sc->ncols; i++)
				d->vals[i] = (struct trec_val){ .null = true };
			d->npool = 0;
			r.crc = 0;
			last = 0;
			r.recno++;
			continue;
		}
		if (f == TREC_META_COUNT) {
			const unsigned char *cs;
			if (last)
				return bad(&r, s, "the footer inside a record (after field %u)", last);
			if (wt != TREC_WT_VARINT)
				return bad(&r, s, "record count with wire type %s", wtname(wt));
			cs = r.p;
			if (varint(&r, &v, "record count") < 0)
				return -1;
			if (trec_unzz64(v) != (int64_t)(r.recno - 1))
				return bad(&r, cs, "the footer counts %lld records, the stream holds %llu",
					   (long long)trec_unzz64(v), (unsigned long long)(r.recno - 1));
			s = r.p;
			if (r.p == r.end)
				return bad(&r, s, "the stream ends without its checksum");
			if (varint(&r, &tag, "tag") < 0)
				return -1;
			if (tag != ((uint64_t)TREC_META_CHECKSUM << 3))
				return bad(&r, s, "tag %#llx where the stream checksum belongs",
					   (unsigned long long)tag);
			cs = r.p;
			if (varint(&r, &v, "stream checksum") < 0)
				return -1;
			if (v != scrc)
				return bad(&r, cs, "stream checksum %#llx, the records' is %#x",
					   (unsigned long long)v, scrc);
			if (r.p != r.end)
				return bad(&r, r.p, "%zu bytes after the footer", (size_t)(r.end - r.p));
			if (info)
				*info = (struct trec_block_info){ r.recno - 1, n, scrc };
			return 0;
		}
		if (f == 0)
			return bad(&r, s, "field number 0");
		if (f > sc->ncols)
			return bad(&r, s, "field number %u, the schema has %zu columns", f, sc->ncols);
		if (f <= last)
			return bad(&r, s, "field %u after field %u (repeated or out of order)", f, last);
		if ((int)wt != trec_wiretype(sc->cols[f - 1].type.kind))
			return bad(&r, s, "field %u ('%.*s', %s) with wire type %s", f,
				   (int)sc->cols[f - 1].name.n, sc->cols[f - 1].name.p,
				   trec_kind_name(sc->cols[f - 1].type.kind), wtname(wt));
		{
			unsigned char b[4];
			trec_le32(b, f);
			feed(&r, b, 4);
		}
		d->vals[f - 1].null = false;
		if (get_val(&r, f - 1, &sc->cols[f - 1].type, &d->vals[f - 1], 0) < 0)
			return -1;
		last = f;
	}
}

void trec_dec_free(struct trec_dec *d)
{
	free(d->vals);
	free(d->pool);
	memset(d, 0, sizeof *d);
}

/* ---- uncompression ---- */

/* Room for more output, at most max + 1 bytes in all (one byte past max
 * tells that the block is too large). The room in *room. */
static int room_out(struct mc_buf *out, size_t max, size_t want, size_t *room, struct mc_err *err)
{
	if (out->cap - out->len < want && buf_grow(out, want) < 0)
		return mc_oom(err, "a Tunnel block");
	*room = out->cap - out->len;
	if (*room > max + 1 - out->len)
		*room = max + 1 - out->len;
	if (*room > UINT32_MAX)
		*room = UINT32_MAX;
	return 0;
}

static int inflate_all(const unsigned char *p, size_t n, size_t max, struct mc_buf *out,
		       struct mc_err *err)
{
	z_stream z;
	int rc;
	memset(&z, 0, sizeof z);
	if (inflateInit(&z) != Z_OK)
		return mc_oom(err, "an inflater");
	z.next_in = (unsigned char *)p;
	for (;;) {
		size_t room, left = n - (size_t)(z.next_in - p);
		z.avail_in = left > UINT32_MAX ? UINT32_MAX : (uInt)left;
		if (room_out(out, max, 256u << 10, &room, err) < 0)
			break;
		z.next_out = (unsigned char *)out->p + out->len;
		z.avail_out = (uInt)room;
		rc = inflate(&z, Z_NO_FLUSH);
		out->len += room - z.avail_out;
		if (out->len > max) {
			mc_errf(err, MC_EXIT_DATA, "deflate: the block inflates past %zu bytes", max);
			break;
		}
		if (rc == Z_STREAM_END) {
			size_t rest = n - (size_t)(z.next_in - p);
			inflateEnd(&z);
			if (rest)
				return mc_errf(err, MC_EXIT_DATA, "deflate: %zu bytes after the zlib stream", rest);
			return 0;
		}
		if (rc == Z_BUF_ERROR && z.next_in == p + n) {
			mc_errf(err, MC_EXIT_DATA, "deflate: the zlib stream is truncated");
			break;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			mc_errf(err, MC_EXIT_DATA, "deflate: offset %zu: %s", (size_t)(z.next_in - p),
				z.msg ? z.msg : "bad data");
			break;
		}
	}
	inflateEnd(&z);
	return -1;
}

static int unzstd_all(const void *p, size_t n, size_t max, struct mc_buf *out, struct mc_err *err)
{
	ZSTD_DCtx *z = ZSTD_createDCtx();
	ZSTD_inBuffer in = { p, n, 0 };
	size_t rc = 1;
	if (!z)
		return mc_oom(err, "a zstd decompressor");
	for (;;) {
		ZSTD_outBuffer o;
		size_t room;
		if (room_out(out, max, ZSTD_DStreamOutSize(), &room, err) < 0)
			goto fail;
		o = (ZSTD_outBuffer){ out->p + out->len, room, 0 };
		rc = ZSTD_decompressStream(z, &o, &in);
		out->len += o.pos;
		if (ZSTD_isError(rc)) {
			mc_errf(err, MC_EXIT_DATA, "zstd: offset %zu: %s", in.pos, ZSTD_getErrorName(rc));
			goto fail;
		}
		if (out->len > max) {
			mc_errf(err, MC_EXIT_DATA, "zstd: the block uncompresses past %zu bytes", max);
			goto fail;
		}
		if (in.pos == in.size && o.pos < o.size)
			break;
	}
	ZSTD_freeDCtx(z);
	if (rc != 0 || n == 0)
		return mc_errf(err, MC_EXIT_DATA, "zstd: the frame is truncated");
	return 0;
fail:
	ZSTD_freeDCtx(z);
	return -1;
}

int trec_uncompress(const char *enc, const void *p, size_t n, size_t max, struct mc_buf *out,
		    struct mc_err *err)
{
	out->len = 0;
	if (!enc || !*enc) {
		if (n > max)
			return mc_errf(err, MC_EXIT_DATA, "a block of %zu bytes, over %zu", n, max);
		return buf_add(out, p, n) < 0 ? mc_oom(err, "a Tunnel block") : 0;
	}
	if (strcasecmp(enc, "deflate") == 0)
		return inflate_all(p, n, max, out, err);
	if (strcasecmp(enc, "zstd") == 0)
		return unzstd_all(p, n, max, out, err);
	return mc_errf(err, MC_EXIT_DATA, "Content-Encoding '%.40s' is not supported (deflate, zstd)",
		       enc);
}
