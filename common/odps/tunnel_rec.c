/* tunnel_rec.c: MaxCompute types of a session schema, the value checks
 * the encoder and the decoder share, and the encoder of Tunnel record
 * streams (docs/maxcompute.md "Record stream").
 *
 * The encoder writes each record straight into a staging buffer (no
 * allocation per value: the buffer grows to the largest record and stays),
 * feeds the record CRC-32C from a small buffer of the fixed-size inputs
 * (field numbers, little-endian integers) and the text bytes in place, and
 * hands the staging buffer to the compressor every CHUNK bytes, so a block
 * is compressed as it is written and only the compressed block is kept. */
#include "odps/tunnel_rec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>
#include <zstd.h>

#include "base/alloc.h"
#include "odps/pdeflate.h"
#include "odps/tunnel_rec_int.h"
#include "stream/crc32c.h"

#define CHUNK (128u << 10) /* staged bytes handed to the compressor at once */

static const struct {
	const char *name;
	uint8_t kind;
} kinds[] = {
	{ "BIGINT", TREC_BIGINT },
	{ "INT", TREC_INT },
	{ "SMALLINT", TREC_SMALLINT },
	{ "TINYINT", TREC_TINYINT },
	{ "BOOLEAN", TREC_BOOLEAN },
	{ "DOUBLE", TREC_DOUBLE },
	{ "FLOAT", TREC_FLOAT },
	{ "STRING", TREC_STRING },
	{ "BINARY", TREC_BINARY },
	{ "CHAR", TREC_CHAR },
	{ "VARCHAR", TREC_VARCHAR },
	{ "JSON", TREC_JSON },
	{ "DECIMAL", TREC_DECIMAL },
	{ "DATETIME", TREC_DATETIME },
	{ "DATE", TREC_DATE },
	{ "TIMESTAMP", TREC_TIMESTAMP },
	{ "TIMESTAMP_NTZ", TREC_TIMESTAMP_NTZ },
	{ "INTERVAL_DAY_TIME", TREC_INTERVAL_DAY_TIME },
	{ "INTERVAL_YEAR_MONTH", TREC_INTERVAL_YEAR_MONTH },
	{ "ARRAY", TREC_ARRAY },
	{ "MAP", TREC_MAP },
	{ "STRUCT", TREC_STRUCT },
};

const char *trec_kind_name(enum trec_kind k)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i].kind == k)
			return kinds[i].name;
	return "?";
}

int trec_wiretype(enum trec_kind k)
{
	switch (k) {
	case TREC_BIGINT:
	case TREC_INT:
	case TREC_SMALLINT:
	case TREC_TINYINT:
	case TREC_BOOLEAN:
	case TREC_DATETIME:
	case TREC_DATE:
	case TREC_INTERVAL_YEAR_MONTH:
		return TREC_WT_VARINT;
	case TREC_DOUBLE:
		return TREC_WT_FIXED64;
	case TREC_FLOAT:
		return TREC_WT_FIXED32;
	default:
		return TREC_WT_LEN;
	}
}

int trec_int_ok(enum trec_kind k, int64_t i)
{
	switch (k) {
	case TREC_INT:
		return i >= INT32_MIN && i <= INT32_MAX;
	case TREC_SMALLINT:
		return i >= INT16_MIN && i <= INT16_MAX;
	case TREC_TINYINT:
		return i >= INT8_MIN && i <= INT8_MAX;
	case TREC_BOOLEAN:
		return i == 0 || i == 1;
	default:
		return 1;
	}
}

int trec_bytes_ok(const struct trec_type *t, const char *p, size_t n, size_t max_field, char *why,
		  size_t whysz)
{
	if (n > max_field) {
		snprintf(why, whysz, "%zu bytes, over the largest field of %zu bytes (MaxFieldSize)",
			 n, max_field);
		return -1;
	}
	if ((t->kind == TREC_CHAR || t->kind == TREC_VARCHAR) && t->len) {
		size_t chars = 0;
		for (size_t i = 0; i < n; i++)
			chars += ((unsigned char)p[i] & 0xc0) != 0x80;
		if (chars > t->len) {
			snprintf(why, whysz, "%zu characters, over the %u of %s(%u)", chars, t->len,
				 trec_kind_name(t->kind), t->len);
			return -1;
		}
	}
	if (t->kind == TREC_DECIMAL) {
		size_t i = 0, lead, idig, fdig = 0;
		if (i < n && p[i] == '-')
			i++;
		lead = i;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
		idig = i - lead;
		if (idig && i < n && p[i] == '.') {
			size_t f0 = ++i;
			while (i < n && p[i] >= '0' && p[i] <= '9')
				i++;
			fdig = i - f0;
			if (!fdig)
				idig = 0;
		}
		if (!idig || i != n) {
			snprintf(why, whysz, "'%.*s' is not plain decimal text (-D[.D])",
				 (int)(n > 64 ? 64 : n), p);
			return -1;
		}
		while (idig > 1 && p[lead] == '0')
			idig--, lead++;
		if (idig == 1 && p[lead] == '0')
			idig = 0;
		if (t->prec && (fdig > t->scale || idig > (size_t)(t->prec - t->scale))) {
			snprintf(why, whysz, "'%.*s' does not fit DECIMAL(%u,%u)",
				 (int)(n > 64 ? 64 : n), p, t->prec, t->scale);
			return -1;
		}
	}
	return 0;
}

/* ---- types ---- */

struct tparse {
	const char *p, *end, *start;
	struct mc_err *err;
	const char *col;
	size_t ncol;
};

static void skipsp(struct tparse *tp)
{
	while (tp->p < tp->end && (*tp->p == ' ' || *tp->p == '\t'))
		tp->p++;
}

static int tbad(struct tparse *tp, const char *what)
{
	mc_errf(tp->err, MC_EXIT_DATA, "column '%.*s': type '%.*s': %s at character %zu",
		(int)tp->ncol, tp->col, (int)(tp->end - tp->start), tp->start, what,
		(size_t)(tp->p - tp->start) + 1);
	return -1;
}

static int tchar(struct tparse *tp, char c)
{
	skipsp(tp);
	if (tp->p < tp->end && *tp->p == c) {
		tp->p++;
		return 1;
	}
	return 0;
}

static int tnum(struct tparse *tp, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned v = 0;
	const char *s;
	skipsp(tp);
	s = tp->p;
	while (tp->p < tp->end && *tp->p >= '0' && *tp->p <= '9' && v <= 1000000)
		v = v * 10 + (unsigned)(*tp->p++ - '0');
	if (tp->p == s || v < lo || v > hi)
		return tbad(tp, "bad number");
	*out = v;
	return 0;
}

static void type_free(struct trec_type *t)
{
	for (uint32_t i = 0; t->sub && i < t->nsub; i++)
		type_free(&t->sub[i]);
	for (uint32_t i = 0; t->names && i < t->nsub; i++)
		free((char *)t->names[i].p);
	free(t->sub);
	free(t->names);
	memset(t, 0, sizeof *t);
}

static int parse_type(struct tparse *tp, struct trec_type *t, unsigned depth);

/* ARRAY<T>, MAP<K,V>, STRUCT<n:T,...> after the keyword */
static int parse_sub(struct tparse *tp, struct trec_type *t, unsigned depth)
{
	size_t cap = 0;
	if (depth >= TREC_MAX_DEPTH)
		return tbad(tp, "nested too deep");
	if (!tchar(tp, '<'))
		return tbad(tp, "'<' expected");
	for (;;) {
		size_t n = t->nsub, ncap = cap;
		if (mc_grow(&t->sub, &ncap, n + 1, sizeof *t->sub) < 0 ||
		    (t->kind == TREC_STRUCT && mc_grow(&t->names, &cap, n + 1, sizeof *t->names) < 0))
			return mc_oom(tp->err, "a column type");
		cap = ncap;
		t->nsub++;
		if (t->kind == TREC_STRUCT) {
			const char *s;
			skipsp(tp);
			s = tp->p;
			if (tp->p < tp->end && *tp->p == '`') {
				s = ++tp->p;
				while (tp->p < tp->end && *tp->p != '`')
					tp->p++;
				if (tp->p == tp->end || tp->p == s)
					return tbad(tp, "bad field name");
				t->names[n].n = (size_t)(tp->p++ - s);
			} else {
				while (tp->p < tp->end && (*tp->p == '_' || (*tp->p >= '0' && *tp->p <= '9') ||
							   ((*tp->p | 0x20) >= 'a' && (*tp->p | 0x20) <= 'z')))
					tp->p++;
				if (tp->p == s)
					return tbad(tp, "field name expected");
				t->names[n].n = (size_t)(tp->p - s);
			}
			t->names[n].p = mc_strndup(s, t->names[n].n);
			if (!t->names[n].p)
				return mc_oom(tp->err, "a column type");
			if (!tchar(tp, ':'))
				return tbad(tp, "':' expected");
		}
		if (parse_type(tp, &t->sub[n], depth + 1) < 0)
			return -1;
		if (tchar(tp, '>'))
			break;
		if (!tchar(tp, ','))
			return tbad(tp, "',' or '>' expected");
	}
	if ((t->kind == TREC_ARRAY && t->nsub != 1) || (t->kind == TREC_MAP && t->nsub != 2))
		return tbad(tp, t->kind == TREC_ARRAY ? "ARRAY takes one type" : "MAP takes two types");
	return 0;
}

static int parse_type(struct tparse *tp, struct trec_type *t, unsigned depth)
{
	const char *s;
	size_t n;
	skipsp(tp);
	s = tp->p;
	while (tp->p < tp->end && (*tp->p == '_' || ((*tp->p | 0x20) >= 'a' && (*tp->p | 0x20) <= 'z')))
		tp->p++;
	n = (size_t)(tp->p - s);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strlen(kinds[i].name) == n && strncasecmp(kinds[i].name, s, n) == 0)
			t->kind = kinds[i].kind;
	if (!t->kind)
		return tbad(tp, "unknown type");
	switch (t->kind) {
	case TREC_ARRAY:
	case TREC_MAP:
	case TREC_STRUCT:
		return parse_sub(tp, t, depth);
	case TREC_CHAR:
	case TREC_VARCHAR: {
		unsigned len;
		if (!tchar(tp, '('))
			return tbad(tp, "'(' expected");
		if (tnum(tp, 1, t->kind == TREC_CHAR ? 255 : 65535, &len) < 0)
			return -1;
		if (!tchar(tp, ')'))
			return tbad(tp, "')' expected");
		t->len = len;
		return 0;
	}
	case TREC_DECIMAL: {
		unsigned p, sc = 0;
		if (!tchar(tp, '('))
			return 0;
		if (tnum(tp, 1, 38, &p) < 0)
			return -1;
		if (tchar(tp, ',') && tnum(tp, 0, p, &sc) < 0)
			return -1;
		if (!tchar(tp, ')'))
			return tbad(tp, "')' expected");
		t->prec = (uint8_t)p;
		t->scale = (uint8_t)sc;
		return 0;
	}
	default:
		return 0;
	}
}

int trec_schema_add(struct trec_schema *s, const char *name, size_t nlen, const char *type,
		    size_t tlen, struct mc_err *err)
{
	struct tparse tp = { type, type + tlen, type, err, name, nlen };
	struct trec_col *c;
	int rc;
	if (s->ncols + 1 >= TREC_END_RECORD)
		return mc_errf(err, MC_EXIT_DATA, "too many columns");
	if (mc_grow(&s->cols, &s->cap, s->ncols + 1, sizeof *s->cols) < 0)
		return mc_oom(err, "a schema");
	c = &s->cols[s->ncols];
	memset(c, 0, sizeof *c);
	rc = parse_type(&tp, &c->type, 0);
	if (rc == 0) {
		skipsp(&tp);
		if (tp.p != tp.end)
			rc = tbad(&tp, "unexpected text");
	}
	if (rc < 0) {
		type_free(&c->type);
		return -1;
	}
	c->name.p = mc_strndup(name, nlen);
	if (!c->name.p) {
		type_free(&c->type);
		return mc_oom(err, "a schema");
	}
	c->name.n = nlen;
	s->ncols++;
	return 0;
}

void trec_schema_free(struct trec_schema *s)
{
	for (size_t i = 0; i < s->ncols; i++) {
		free((char *)s->cols[i].name.p);
		type_free(&s->cols[i].type);
	}
	free(s->cols);
	memset(s, 0, sizeof *s);
}

int trec_type_text(const struct trec_type *t, struct mc_buf *b)
{
	if (buf_adds(b, trec_kind_name(t->kind)) < 0)
		return -1;
	switch (t->kind) {
	case TREC_CHAR:
	case TREC_VARCHAR:
		return buf_addf(b, "(%u)", t->len);
	case TREC_DECIMAL:
		return t->prec ? buf_addf(b, "(%u,%u)", t->prec, t->scale) : 0;
	case TREC_ARRAY:
	case TREC_MAP:
	case TREC_STRUCT:
		for (uint32_t i = 0; i < t->nsub; i++) {
			if (buf_addc(b, i ? ',' : '<') < 0)
				return -1;
			if (t->kind == TREC_STRUCT && (buf_add(b, t->names[i].p, t->names[i].n) < 0 ||
						       buf_addc(b, ':') < 0))
				return -1;
			if (trec_type_text(&t->sub[i], b) < 0)
				return -1;
		}
		return buf_addc(b, '>');
	default:
		return 0;
	}
}

const char *trec_comp_name(enum trec_comp c)
{
	return c == TREC_DEFLATE ? "deflate" : c == TREC_ZSTD ? "zstd" : NULL;
}

int trec_comp_parse(const char *s, enum trec_comp *c)
{
	if (strcmp(s, "raw") == 0 || strcmp(s, "none") == 0)
		*c = TREC_RAW;
	else if (strcmp(s, "deflate") == 0)
		*c = TREC_DEFLATE;
	else if (strcmp(s, "zstd") == 0)
		*c = TREC_ZSTD;
	else
		return -1;
	return 0;
}

/* ---- the encoder ---- */

struct trec_enc_col {
	unsigned char tag[5];
	uint8_t taglen;
	unsigned char fno[4]; /* the field number, int32 LE, for the CRC */
};

static size_t put_varint(unsigned char *q, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		q[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	q[n++] = (unsigned char)v;
	return n;
}

/* Room for n more staged bytes. */
static inline int reserve(struct trec_enc *e, size_t n, struct mc_err *err)
{
	if (e->raw.cap - e->raw.len < n && buf_grow(&e->raw, n) < 0)
		return mc_oom(err, "a Tunnel block");
	return 0;
}

static inline void vput(struct trec_enc *e, uint64_t v)
{
	e->raw.len += put_varint((unsigned char *)e->raw.p + e->raw.len, v);
}

static inline void crc_flush(struct trec_enc *e)
{
	if (e->cn) {
		e->rcrc = crc32c(e->rcrc, e->cb, e->cn);
		e->cn = 0;
	}
}

static inline void crc_small(struct trec_enc *e, const unsigned char *p, size_t n)
{
	if (sizeof e->cb - e->cn < n)
		crc_flush(e);
	memcpy(e->cb + e->cn, p, n);
	e->cn += n;
}

static inline void crc_bytes(struct trec_enc *e, const void *p, size_t n)
{
	if (n <= 64) {
		crc_small(e, p, n);
		return;
	}
	crc_flush(e);
	e->rcrc = crc32c(e->rcrc, p, n);
}

static inline void crc_i64(struct trec_enc *e, int64_t i)
{
	unsigned char b[8];
	trec_le64(b, (uint64_t)i);
	crc_small(e, b, 8);
}

static int ebad(struct trec_enc *e, size_t col, struct mc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int ebad(struct trec_enc *e, size_t col, struct mc_err *err, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	const struct trec_col *c = &e->schema->cols[col];
	struct mc_buf tt = { 0 };
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	trec_type_text(&c->type, &tt);
	mc_errf(err, MC_EXIT_DATA, "column %zu '%.*s' (%.*s): %s", col + 1, (int)c->name.n,
		c->name.p, tt.p ? (int)tt.len : 0, tt.p ? tt.p : "", why);
	buf_free(&tt);
	return -1;
}

/* Write value v of type t (no tag) and feed its CRC bytes. */
static int put_val(struct trec_enc *e, size_t col, const struct trec_type *t,
		   const struct trec_val *v, struct mc_err *err)
{
	unsigned char b[8];
	char why[200];
	switch (t->kind) {
	case TREC_BOOLEAN:
	case TREC_INT:
	case TREC_SMALLINT:
	case TREC_TINYINT:
		if (!trec_int_ok(t->kind, v->u.i))
			return ebad(e, col, err, "value %lld is outside %s", (long long)v->u.i,
				    trec_kind_name(t->kind));
		if (t->kind == TREC_BOOLEAN) {
			if (reserve(e, 1, err) < 0)
				return -1;
			e->raw.p[e->raw.len++] = (char)v->u.i;
			b[0] = (unsigned char)v->u.i;
			crc_small(e, b, 1);
			return 0;
		}
		/* fall through */
	case TREC_BIGINT:
	case TREC_DATETIME:
	case TREC_DATE:
	case TREC_INTERVAL_YEAR_MONTH:
		if (reserve(e, 10, err) < 0)
			return -1;
		vput(e, trec_zz64(v->u.i));
		crc_i64(e, v->u.i);
		return 0;
	case TREC_DOUBLE: {
		uint64_t u;
		memcpy(&u, &v->u.f64, 8);
		if (reserve(e, 8, err) < 0)
			return -1;
		trec_le64(b, u);
		memcpy(e->raw.p + e->raw.len, b, 8);
		e->raw.len += 8;
		crc_small(e, b, 8);
		return 0;
	}
	case TREC_FLOAT: {
		uint32_t u;
		memcpy(&u, &v->u.f32, 4);
		if (reserve(e, 4, err) < 0)
			return -1;
		trec_le32(b, u);
		memcpy(e->raw.p + e->raw.len, b, 4);
		e->raw.len += 4;
		crc_small(e, b, 4);
		return 0;
	}
	case TREC_STRING:
	case TREC_BINARY:
	case TREC_CHAR:
	case TREC_VARCHAR:
	case TREC_JSON:
	case TREC_DECIMAL:
		if (trec_bytes_ok(t, v->u.s.p, v->u.s.n, e->o.max_field, why, sizeof why) < 0)
			return ebad(e, col, err, "%s", why);
		if (reserve(e, 10 + v->u.s.n, err) < 0)
			return -1;
		vput(e, v->u.s.n);
		if (v->u.s.n)
			memcpy(e->raw.p + e->raw.len, v->u.s.p, v->u.s.n);
		e->raw.len += v->u.s.n;
		crc_bytes(e, v->u.s.p, v->u.s.n);
		return 0;
	case TREC_TIMESTAMP:
	case TREC_TIMESTAMP_NTZ:
	case TREC_INTERVAL_DAY_TIME:
		if (v->u.ts.nsec < 0 || v->u.ts.nsec > 999999999)
			return ebad(e, col, err, "nanoseconds %ld outside 0..999999999",
				    (long)v->u.ts.nsec);
		if (reserve(e, 15, err) < 0)
			return -1;
		vput(e, trec_zz64(v->u.ts.sec));
		vput(e, trec_zz32(v->u.ts.nsec));
		crc_i64(e, v->u.ts.sec);
		trec_le32(b, (uint32_t)v->u.ts.nsec);
		crc_small(e, b, 4);
		return 0;
	case TREC_ARRAY:
	case TREC_MAP:
	case TREC_STRUCT: {
		size_t n = v->u.list.n;
		const struct trec_val *el = v->u.list.v;
		if (t->kind == TREC_STRUCT && n != t->nsub)
			return ebad(e, col, err, "%zu struct fields, the type has %u", n, t->nsub);
		if (n && !el)
			return ebad(e, col, err, "%zu elements and no array of them", n);
		for (int half = 0; half < (t->kind == TREC_MAP ? 2 : 1); half++) {
			if (t->kind != TREC_STRUCT) {
				if (reserve(e, 10, err) < 0)
					return -1;
				vput(e, n);
			}
			for (size_t i = 0; i < n; i++) {
				const struct trec_val *x = &el[half * n + i];
				const struct trec_type *xt =
					t->kind == TREC_STRUCT ? &t->sub[i] : &t->sub[half];
				if (reserve(e, 1, err) < 0)
					return -1;
				e->raw.p[e->raw.len++] = (char)x->null;
				if (!x->null && put_val(e, col, xt, x, err) < 0)
					return -1;
			}
		}
		return 0;
	}
	default:
		return ebad(e, col, err, "unknown type kind %u", t->kind);
	}
}

static void zfree_of(enum trec_comp comp, void **zc)
{
	if (!*zc)
		return;
	if (comp == TREC_ZSTD)
		ZSTD_freeCCtx(*zc);
	else
		pdeflate_free(*zc);
	*zc = NULL;
}

static void zfree(struct trec_enc *e)
{
	zfree_of(e->o.comp, &e->zc);
}

/* A compressor of comp at level; deflate on threads workers (pdeflate.h:
 * the same bytes with any number). */
static int zstart_of(enum trec_comp comp, int level, int threads, void **zc, struct mc_err *err)
{
	if (comp == TREC_ZSTD) {
		ZSTD_CCtx *c = ZSTD_createCCtx();
		if (!c)
			return mc_oom(err, "a zstd compressor");
		*zc = c;
		if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level)))
			return mc_errf(err, MC_EXIT_USAGE, "zstd level %d: not valid", level);
	} else if (comp == TREC_DEFLATE) {
		struct pdeflate *pd;
		if (pdeflate_new(&pd, level, threads, err) < 0)
			return -1;
		*zc = pd;
	}
	return 0;
}

/* The encoder's own compressor: deflate's segments on o.threads workers
 * while the encoder goes on. */
static int zstart(struct trec_enc *e, struct mc_err *err)
{
	return zstart_of(e->o.comp, e->o.level, e->o.threads, &e->zc, err);
}

/* in[0..n) into the compressor zc of comp, its output appended to out
 * (the block's end with end). */
static int zpush(enum trec_comp comp, void *zc, const char *in_p, size_t n, struct mc_buf *o,
		 bool end, struct mc_err *err)
{
	if (comp == TREC_ZSTD) {
		ZSTD_inBuffer in = { in_p, n, 0 };
		size_t left;
		do {
			ZSTD_outBuffer out;
			if (o->cap - o->len < ZSTD_CStreamOutSize() &&
			    buf_grow(o, ZSTD_CStreamOutSize()) < 0)
				return mc_oom(err, "a Tunnel block");
			out = (ZSTD_outBuffer){ o->p + o->len, o->cap - o->len, 0 };
			left = ZSTD_compressStream2(zc, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
			if (ZSTD_isError(left))
				return mc_errf(err, MC_EXIT_DATA, "zstd: %s", ZSTD_getErrorName(left));
			o->len += out.pos;
		} while (in.pos < in.size || (end && left));
	} else if (comp == TREC_DEFLATE) {
		if (pdeflate_add(zc, in_p, n, o, err) < 0 || (end && pdeflate_end(zc, o, err) < 0)) {
			pdeflate_reset(zc);
			return -1;
		}
	}
	return 0;
}

/* Hand the staged bytes to the compressor (the block's end with end). */
static int push(struct trec_enc *e, bool end, struct mc_err *err)
{
	if (e->o.comp == TREC_RAW)
		return 0; /* raw: the staging buffer is the block */
	if (zpush(e->o.comp, e->zc, e->raw.p, e->raw.len, &e->out, end, err) < 0)
		return -1;
	e->raw.len = 0;
	return 0;
}

int trec_zc_init(struct trec_zc *z, enum trec_comp comp, int level, struct mc_err *err)
{
	memset(z, 0, sizeof *z);
	z->comp = comp;
	z->level = level ? level : 1;
	if (zstart_of(comp, z->level, 0, &z->zc, err) < 0) {
		zfree_of(comp, &z->zc);
		return -1;
	}
	return 0;
}

int trec_zc_block(struct trec_zc *z, const void *raw, size_t n, size_t head, struct mc_buf *out,
		  struct mc_err *err)
{
	const char *p = raw;
	out->len = 0;
	if (z->comp == TREC_RAW)
		return buf_add(out, p, n) < 0 ? mc_oom(err, "a Tunnel block") : 0;
	/* room for the whole block at once (no copy as it grows; a buffer
	 * filled again has it already) */
	if (buf_grow(out, (z->comp == TREC_ZSTD ? ZSTD_compressBound(n) + ZSTD_CStreamOutSize()
				       : n + n / 2 + (128u << 10))) < 0)
		return mc_oom(err, "a Tunnel block");
	if (head > n)
		head = n;
	/* the encoder's calls: its records (if it handed them over before the
	 * end: CHUNK bytes or more), then the rest with the end */
	if (head >= CHUNK && zpush(z->comp, z->zc, p, head, out, false, err) < 0)
		return -1;
	if (head < CHUNK)
		head = 0;
	if (zpush(z->comp, z->zc, p + head, n - head, out, true, err) < 0)
		return -1;
	if (z->comp == TREC_ZSTD) /* (deflate's: pdeflate_end) */
		ZSTD_CCtx_reset(z->zc, ZSTD_reset_session_only);
	return 0;
}

void trec_zc_free(struct trec_zc *z)
{
	zfree_of(z->comp, &z->zc);
}

int trec_enc_init(struct trec_enc *e, const struct trec_schema *s, const struct trec_enc_opts *o,
		  struct mc_err *err)
{
	memset(e, 0, sizeof *e);
	e->schema = s;
	if (o)
		e->o = *o;
	if (!e->o.level)
		e->o.level = 1;
	if (!e->o.block_size)
		e->o.block_size = TREC_BLOCK_SIZE;
	if (!e->o.max_field)
		e->o.max_field = TREC_MAX_FIELD;
	e->cols = calloc(s->ncols ? s->ncols : 1, sizeof *e->cols);
	if (!e->cols)
		return mc_oom(err, "a Tunnel encoder");
	for (size_t i = 0; i < s->ncols; i++) {
		struct trec_enc_col *c = &e->cols[i];
		uint32_t f = (uint32_t)i + 1;
		c->taglen = (uint8_t)put_varint(c->tag,
						((uint64_t)f << 3) | (unsigned)trec_wiretype(s->cols[i].type.kind));
		trec_le32(c->fno, f);
	}
	if (zstart(e, err) < 0) {
		trec_enc_free(e);
		return -1;
	}
	return 0;
}

int trec_enc_add(struct trec_enc *e, const struct trec_val *v, size_t n, struct mc_err *err)
{
	size_t start = e->raw.len;
	if (n > e->schema->ncols)
		return mc_errf(err, MC_EXIT_DATA, "a record of %zu values for %zu columns", n,
			       e->schema->ncols);
	e->rcrc = 0;
	e->cn = 0;
	for (size_t i = 0; i < n; i++) {
		const struct trec_enc_col *c = &e->cols[i];
		if (v[i].null)
			continue;
		if (reserve(e, 5, err) < 0)
			goto undo;
		memcpy(e->raw.p + e->raw.len, c->tag, 5);
		e->raw.len += c->taglen;
		crc_small(e, c->fno, 4);
		if (put_val(e, i, &e->schema->cols[i].type, &v[i], err) < 0)
			goto undo;
	}
	crc_flush(e);
	if (reserve(e, 9, err) < 0)
		goto undo;
	memcpy(e->raw.p + e->raw.len, "\x80\xc0\xff\x7f", 4);
	e->raw.len += 4;
	vput(e, e->rcrc);
	if (e->raw.len - start > TREC_MAX_RECORD) {
		mc_errf(err, MC_EXIT_DATA, "a record of %zu bytes, over the Tunnel's %u",
			e->raw.len - start, TREC_MAX_RECORD);
		goto undo;
	}
	{
		unsigned char b[4];
		trec_le32(b, e->rcrc);
		e->scrc = crc32c(e->scrc, b, 4);
	}
	e->records++;
	e->raw_total += e->raw.len - start;
	if (e->raw.len >= CHUNK && e->o.comp != TREC_RAW)
		return push(e, false, err);
	return 0;
undo:
	e->raw.len = start;
	return -1;
}

int trec_enc_finish(struct trec_enc *e, struct mc_buf *block, struct trec_block_info *info,
		    struct mc_err *err)
{
	struct mc_buf t;
	size_t start = e->raw.len;
	if (reserve(e, 30, err) < 0)
		return -1;
	memcpy(e->raw.p + e->raw.len, "\xf0\xff\xff\x7f", 4);
	e->raw.len += 4;
	vput(e, trec_zz64((int64_t)e->records));
	memcpy(e->raw.p + e->raw.len, "\xf8\xff\xff\x7f", 4);
	e->raw.len += 4;
	vput(e, e->scrc);
	e->raw_total += e->raw.len - start;
	if (push(e, true, err) < 0) {
		e->raw.len = start;
		return -1;
	}
	if (info)
		*info = (struct trec_block_info){ e->records, e->raw_total, e->scrc };
	t = *block;
	if (e->o.comp == TREC_RAW) {
		*block = e->raw;
		e->raw = t;
		e->raw.len = 0;
	} else {
		*block = e->out;
		e->out = t;
		e->out.len = 0;
		if (e->o.comp == TREC_ZSTD) /* (deflate's: pdeflate_end) */
			ZSTD_CCtx_reset(e->zc, ZSTD_reset_session_only);
	}
	e->records = 0;
	e->raw_total = 0;
	e->scrc = 0;
	return 0;
}

void trec_enc_free(struct trec_enc *e)
{
	zfree(e);
	free(e->cols);
	buf_free(&e->raw);
	buf_free(&e->out);
	memset(e, 0, sizeof *e);
}
