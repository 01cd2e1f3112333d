/* blockdec.c: the local MaxCompute server's block decoder in C, for speed
 * (tests/odps-server/blockdec.py loads it with ctypes; docs/maxcompute.md
 * "The local test server"). It is a second implementation of
 * recstream.py's Decoder (the reference, which the tests cross-check it
 * against: tests/t7033-odps-blockdec.sh) and shares nothing with mcsync's
 * encoder or decoder in common/: the same checks of the record stream (the
 * protocol's §5.5 and §9: strict varints, field order, wire types, value
 * ranges, UTF-8, CHAR/VARCHAR lengths, DECIMAL text, record and stream
 * CRC32C, the footer), the same messages, and the decoded rows written
 * straight in Python's marshal format (a list of lists of None, int, float,
 * str, bytes: what recstream.decode returns), so that the server stores
 * them without building a Python object per value.
 *
 * A schema is one line per column, "NAME KIND A B NULLABLE\n": KIND one of
 * BIGINT INT SMALLINT TINYINT BOOLEAN DOUBLE FLOAT STRING BINARY CHAR
 * VARCHAR DECIMAL DATETIME DATE TIMESTAMP TIMESTAMP_NTZ INTERVAL_DAY_TIME
 * INTERVAL_YEAR_MONTH (A B: DECIMAL's precision and scale, CHAR/VARCHAR's
 * length, else 0 0). JSON and the nested types are left to the Python
 * decoder (BD_UNSUPPORTED). Standalone: C11 and libc only. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockdec.h"

#define END_RECORD 33553408u
#define META_COUNT 33554430u
#define META_CHECKSUM 33554431u
#define MIN_DAYS (-719162)  /* 0001-01-01 - 1970-01-01 */
#define MAX_DAYS 2932896    /* 9999-12-31 - 1970-01-01 */

enum kind {
	K_BIGINT, K_INT, K_SMALLINT, K_TINYINT, K_BOOLEAN, K_DOUBLE, K_FLOAT, K_STRING, K_BINARY,
	K_CHAR, K_VARCHAR, K_DECIMAL, K_DATETIME, K_DATE, K_TIMESTAMP, K_TIMESTAMP_NTZ,
	K_INTERVAL_DAY_TIME, K_INTERVAL_YEAR_MONTH, K_N
};
static const char *const kind_names[K_N] = {
	"BIGINT", "INT", "SMALLINT", "TINYINT", "BOOLEAN", "DOUBLE", "FLOAT", "STRING", "BINARY",
	"CHAR", "VARCHAR", "DECIMAL", "DATETIME", "DATE", "TIMESTAMP", "TIMESTAMP_NTZ",
	"INTERVAL_DAY_TIME", "INTERVAL_YEAR_MONTH"
};

struct col {
	char name[130];
	char type[48]; /* as recstream.type_str writes it */
	enum kind k;
	long a, b;
	int nullable;
	int wire; /* 0 varint, 1 fixed 8, 5 fixed 4, 2 length-delimited */
	char w_len[40], w_sec[48], w_ns[48]; /* "KIND length", "KIND seconds", "KIND nanoseconds" */
};

struct out {
	unsigned char *p;
	size_t len, cap;
	int discard; /* bd_check: the rows are not kept (the buffer is filled again) */
};

struct dec {
	const unsigned char *d;
	size_t n, p;
	uint64_t rec;
	uint64_t max_field;
	struct col *cols;
	size_t ncol;
	struct out o;
	uint32_t crc;  /* the record's running CRC (pre-inverted) */
	char *err;
	size_t errsz;
	int code;
};

/* ---- CRC32C, reflected 0x82F63B78, slicing by 8 ---- */
static uint32_t crc_t[8][256];
static int crc_ready;
static int crc_hw; /* the CPU's crc32 instruction (SSE4.2), set by crc_init */

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_t[0][i] = c;
	}
	for (int k = 1; k < 8; k++)
		for (int i = 0; i < 256; i++)
			crc_t[k][i] = (crc_t[k - 1][i] >> 8) ^ crc_t[0][crc_t[k - 1][i] & 0xFF];
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	crc_hw = __builtin_cpu_supports("sse4.2") && getenv("BD_CRC_SOFTWARE") == NULL;
#endif
	crc_ready = 1;
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("sse4.2"))) static uint32_t crc_upd_hw(uint32_t c, const unsigned char *p, size_t n)
{
	uint64_t c64 = c;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		c64 = __builtin_ia32_crc32di(c64, w);
		p += 8;
		n -= 8;
	}
	c = (uint32_t)c64;
	while (n--)
		c = __builtin_ia32_crc32qi(c, *p++);
	return c;
}
#endif

static uint32_t crc_upd_sw(uint32_t c, const unsigned char *p, size_t n)
{
	while (n >= 8) {
		uint32_t a = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				  (uint32_t)p[3] << 24);
		uint32_t b = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
			     (uint32_t)p[7] << 24;
		c = crc_t[7][a & 0xFF] ^ crc_t[6][(a >> 8) & 0xFF] ^ crc_t[5][(a >> 16) & 0xFF] ^
		    crc_t[4][a >> 24] ^ crc_t[3][b & 0xFF] ^ crc_t[2][(b >> 8) & 0xFF] ^
		    crc_t[1][(b >> 16) & 0xFF] ^ crc_t[0][b >> 24];
		p += 8;
		n -= 8;
	}
	while (n--)
		c = crc_t[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
	return c;
}

static uint32_t crc_upd(uint32_t c, const unsigned char *p, size_t n)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (crc_hw)
		return crc_upd_hw(c, p, n);
#endif
	return crc_upd_sw(c, p, n);
}

uint32_t bd_crc32c(const void *p, size_t n)
{
	if (!crc_ready)
		crc_init();
	return crc_upd(0xFFFFFFFFu, p, n) ^ 0xFFFFFFFFu;
}

static void crc_le(struct dec *d, uint64_t v, int bytes)
{
	unsigned char b[8];
	for (int i = 0; i < bytes; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	d->crc = crc_upd(d->crc, b, (size_t)bytes);
}

/* ---- output: Python's marshal format ---- */
static int o_room(struct out *o, size_t k)
{
	if (o->cap - o->len >= k)
		return 0;
	if (o->discard && o->cap >= 8 && o->cap - 8 >= k) { /* keep the list header (run) */
		o->len = 8;
		return 0;
	}
	size_t c = o->cap ? o->cap : 1 << 16;
	while (c - o->len < k) {
		if (c > SIZE_MAX / 2)
			return -1;
		c *= 2;
	}
	unsigned char *q = realloc(o->p, c);
	if (!q)
		return -1;
	o->p = q;
	o->cap = c;
	return 0;
}

static void o_u32(struct out *o, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		o->p[o->len++] = (unsigned char)(v >> (8 * i));
}

static int o_int(struct out *o, int64_t v)
{
	if (o_room(o, 16) < 0)
		return -1;
	if (v >= INT32_MIN && v <= INT32_MAX) {
		o->p[o->len++] = 'i';
		o_u32(o, (uint32_t)(int32_t)v);
		return 0;
	}
	/* TYPE_LONG: digit count (negative for a negative number), 15-bit digits */
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	unsigned char dg[10][2];
	int32_t nd = 0;
	while (a) {
		dg[nd][0] = (unsigned char)(a & 0xFF);
		dg[nd][1] = (unsigned char)((a >> 8) & 0x7F);
		a >>= 15;
		nd++;
	}
	o->p[o->len++] = 'l';
	o_u32(o, (uint32_t)(v < 0 ? -nd : nd));
	for (int i = 0; i < nd; i++) {
		o->p[o->len++] = dg[i][0];
		o->p[o->len++] = dg[i][1];
	}
	return 0;
}

static int o_bytes(struct out *o, char type, const unsigned char *p, size_t n)
{
	if (n > INT32_MAX || o_room(o, n + 5) < 0)
		return -1;
	o->p[o->len++] = (unsigned char)type;
	o_u32(o, (uint32_t)n);
	memcpy(o->p + o->len, p, n);
	o->len += n;
	return 0;
}

static int o_text(struct out *o, const char *s)
{
	return o_bytes(o, 'u', (const unsigned char *)s, strlen(s));
}

static int o_double(struct out *o, double x)
{
	uint64_t u;
	if (o_room(o, 9) < 0)
		return -1;
	memcpy(&u, &x, 8);
	o->p[o->len++] = 'g';
	for (int i = 0; i < 8; i++)
		o->p[o->len++] = (unsigned char)(u >> (8 * i));
	return 0;
}

/* ---- errors: "record N, byte offset P: what", recstream's words ---- */
#define CODE_MALFORMED BD_MALFORMED
#define CODE_CORRUPTED BD_CORRUPTED

__attribute__((format(printf, 4, 5))) static int fail(struct dec *d, int code, size_t at,
						       const char *fmt, ...)
{
	int k = snprintf(d->err, d->errsz, "record %llu, byte offset %zu: ",
			 (unsigned long long)d->rec + 1, at);
	va_list ap;
	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < d->errsz)
		vsnprintf(d->err + k, d->errsz - (size_t)k, fmt, ap);
	va_end(ap);
	d->code = code;
	return -1;
}

static int oom(struct dec *d)
{
	snprintf(d->err, d->errsz, "out of memory");
	d->code = BD_NOMEM;
	return -1;
}

/* recstream's varint(): one byte fast, else at most 10, minimal, 64 bits */
static int varint(struct dec *d, const char *what, uint64_t *v)
{
	size_t p = d->p, start = p;
	uint64_t x = 0;
	int shift = 0, over = 0;
	unsigned char b;
	if (p < d->n && d->d[p] < 0x80) {
		*v = d->d[p];
		d->p = p + 1;
		return 0;
	}
	for (;;) {
		if (p >= d->n)
			return fail(d, CODE_MALFORMED, start, "stream ends inside a %s", what);
		b = d->d[p++];
		x |= (uint64_t)(b & 0x7F) << shift;
		if (shift == 63 && (b & 0x7F) > 1)
			over = 1;
		if (!(b & 0x80))
			break;
		shift += 7;
		if (shift >= 70)
			return fail(d, CODE_MALFORMED, start, "%s longer than 10 bytes", what);
	}
	if (p - start > 1 && d->d[p - 1] == 0)
		return fail(d, CODE_MALFORMED, start, "non-minimal %s (over-long encoding)", what);
	if (over)
		return fail(d, CODE_MALFORMED, start, "%s beyond 64 bits", what);
	*v = x;
	d->p = p;
	return 0;
}

static int zz64(struct dec *d, const char *what, int64_t *v)
{
	uint64_t u;
	if (varint(d, what, &u) < 0)
		return -1;
	*v = (int64_t)((u >> 1) ^ (~(u & 1) + 1));
	return 0;
}

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* days since 1970-01-01 (within years 1..9999) as YYYY-MM-DD */
static void day_text(int64_t days, char out[11])
{
	/* civil date from a day count (proleptic Gregorian) */
	int64_t z = days + 719468;
	int64_t era = floordiv(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t dd = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	snprintf(out, 11, "%04d-%02d-%02d", (int)y, (int)m, (int)dd);
}

/* Python's strict UTF-8: -1 valid (*chars: code points), else the index of
 * the first byte of the first invalid sequence (UnicodeDecodeError.start). */
static long utf8_check(const unsigned char *s, size_t n, size_t *chars)
{
	size_t i = 0, c = 0;
	while (i < n) {
		/* eight ASCII bytes at a time */
		while (n - i >= 8) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
			c += 8;
		}
		if (i >= n)
			break;
		unsigned char b = s[i];
		if (b < 0x80) {
			i++;
			c++;
			continue;
		}
		size_t k;
		unsigned char lo = 0x80, hi = 0xBF;
		if (b >= 0xC2 && b <= 0xDF)
			k = 1;
		else if (b >= 0xE0 && b <= 0xEF) {
			k = 2;
			if (b == 0xE0)
				lo = 0xA0;
			else if (b == 0xED)
				hi = 0x9F;
		} else if (b >= 0xF0 && b <= 0xF4) {
			k = 3;
			if (b == 0xF0)
				lo = 0x90;
			else if (b == 0xF4)
				hi = 0x8F;
		} else
			return (long)i;
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n)
				return (long)i;
			unsigned char x = s[i + j];
			if (j == 1 ? (x < lo || x > hi) : (x < 0x80 || x > 0xBF))
				return (long)i;
		}
		i += k + 1;
		c++;
	}
	*chars = c;
	return -1;
}

/* Python's repr() of a str, for the first 40 code points of a DECIMAL
 * text that is not a plain decimal: quotes and escapes as repr chooses for
 * ASCII; other characters copied (printable ones print as themselves). */
static void py_repr(const unsigned char *s, size_t n, char *out, size_t outsz)
{
	size_t cps = 0, end = 0;
	while (end < n && cps < 40) {
		unsigned char b = s[end];
		end += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
		cps++;
	}
	if (end > n)
		end = n;
	int sq = memchr(s, '\'', end) != NULL, dq = memchr(s, '"', end) != NULL;
	char q = sq && !dq ? '"' : '\'';
	size_t k = 0;
#define PUT(ch)                          \
	do {                             \
		if (k + 1 < outsz)       \
			out[k++] = (ch); \
	} while (0)
	PUT(q);
	for (size_t i = 0; i < end; i++) {
		unsigned char b = s[i];
		if (b == (unsigned char)q || b == '\\') {
			PUT('\\');
			PUT((char)b);
		} else if (b == '\t') {
			PUT('\\');
			PUT('t');
		} else if (b == '\n') {
			PUT('\\');
			PUT('n');
		} else if (b == '\r') {
			PUT('\\');
			PUT('r');
		} else if (b < 0x20 || b == 0x7F) {
			char h[5];
			snprintf(h, sizeof h, "\\x%02x", b);
			for (int j = 0; j < 4; j++)
				PUT(h[j]);
		} else {
			PUT((char)b);
		}
	}
	PUT(q);
	out[k] = '\0';
#undef PUT
}

static int is_plain_decimal(const unsigned char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return 0;
	if (s[i] == '0')
		i++;
	else
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	if (i < n && s[i] == '.') {
		size_t st = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == st)
			return 0;
	}
	return i == n;
}

static int value(struct dec *d, const struct col *c)
{
	size_t at = d->p;
	const char *kn = kind_names[c->k];
	switch (c->k) {
	case K_STRING: case K_BINARY: case K_CHAR: case K_VARCHAR: case K_DECIMAL: {
		uint64_t ln;
		if (varint(d, c->w_len, &ln) < 0)
			return -1;
		if (ln > d->max_field)
			return fail(d, CODE_MALFORMED, at, "column %s: %llu bytes, more than MaxFieldSize %llu",
				    c->name, (unsigned long long)ln, (unsigned long long)d->max_field);
		if (ln > d->n - d->p)
			return fail(d, CODE_MALFORMED, d->p, "stream ends inside a %s", kn);
		const unsigned char *s = d->d + d->p;
		d->p += ln;
		d->crc = crc_upd(d->crc, s, ln);
		if (c->k == K_BINARY)
			return o_bytes(&d->o, 's', s, ln) < 0 ? oom(d) : 0;
		size_t chars = 0;
		long bad = utf8_check(s, ln, &chars);
		if (bad >= 0)
			return fail(d, CODE_MALFORMED, at, "column %s: %s is not UTF-8 (byte %ld of the value)",
				    c->name, kn, bad);
		if ((c->k == K_CHAR || c->k == K_VARCHAR) && chars > (size_t)c->a)
			return fail(d, CODE_MALFORMED, at, "column %s: %zu characters, more than %s(%ld)",
				    c->name, chars, kn, c->a);
		if (c->k == K_DECIMAL) {
			if (!is_plain_decimal(s, ln)) {
				char r[400];
				py_repr(s, ln, r, sizeof r);
				return fail(d, CODE_MALFORMED, at, "column %s: DECIMAL text %s is not a plain decimal",
					    c->name, r);
			}
			size_t i = s[0] == '-' ? 1 : 0, ip0 = i, ipn, fpn = 0;
			while (i < ln && s[i] != '.')
				i++;
			ipn = i - ip0;
			if (i < ln)
				fpn = ln - i - 1;
			while (ipn && s[ip0] == '0')
				ip0++, ipn--;
			if ((long)fpn > c->b || (long)ipn > c->a - c->b)
				return fail(d, CODE_MALFORMED, at, "column %s: %.*s does not fit DECIMAL(%ld,%ld)",
					    c->name, (int)ln, (const char *)s, c->a, c->b);
		}
		return o_bytes(&d->o, 'u', s, ln) < 0 ? oom(d) : 0;
	}
	case K_BIGINT: case K_INT: case K_SMALLINT: case K_TINYINT: {
		int64_t v;
		int bits = c->k == K_BIGINT ? 63 : c->k == K_INT ? 31 : c->k == K_SMALLINT ? 15 : 7;
		if (zz64(d, kn, &v) < 0)
			return -1;
		if (bits < 63 && (v < -((int64_t)1 << bits) || v >= ((int64_t)1 << bits)))
			return fail(d, CODE_MALFORMED, at, "column %s: %lld out of range for %s", c->name,
				    (long long)v, kn);
		crc_le(d, (uint64_t)v, 8);
		return o_int(&d->o, v) < 0 ? oom(d) : 0;
	}
	case K_BOOLEAN: {
		uint64_t v;
		if (varint(d, "BOOLEAN", &v) < 0)
			return -1;
		if (v > 1)
			return fail(d, CODE_MALFORMED, at, "column %s: BOOLEAN value %llu (only 0 or 1)",
				    c->name, (unsigned long long)v);
		crc_le(d, v, 1);
		return o_int(&d->o, (int64_t)v) < 0 ? oom(d) : 0;
	}
	case K_DOUBLE: case K_FLOAT: {
		size_t k = c->k == K_DOUBLE ? 8 : 4;
		if (k > d->n - d->p)
			return fail(d, CODE_MALFORMED, d->p, "stream ends inside a %s", kn);
		const unsigned char *s = d->d + d->p;
		d->p += k;
		d->crc = crc_upd(d->crc, s, k);
		uint64_t u = 0;
		for (size_t i = 0; i < k; i++)
			u |= (uint64_t)s[i] << (8 * i);
		double x;
		if (k == 8) {
			memcpy(&x, &u, 8);
		} else {
			uint32_t u32 = (uint32_t)u;
			float f;
			memcpy(&f, &u32, 4);
			x = (double)f;
		}
		return o_double(&d->o, x) < 0 ? oom(d) : 0;
	}
	case K_DATETIME: case K_DATE: case K_INTERVAL_YEAR_MONTH: {
		int64_t v;
		char t[48], day[11];
		if (zz64(d, kn, &v) < 0)
			return -1;
		if (c->k == K_INTERVAL_YEAR_MONTH) {
			crc_le(d, (uint64_t)v, 8);
			return o_int(&d->o, v) < 0 ? oom(d) : 0;
		}
		if (c->k == K_DATE) {
			if (v < MIN_DAYS || v > MAX_DAYS)
				return fail(d, CODE_MALFORMED, at, "column %s: DATE %lld days outside years 1..9999",
					    c->name, (long long)v);
			crc_le(d, (uint64_t)v, 8);
			day_text(v, day);
			return o_text(&d->o, day) < 0 ? oom(d) : 0;
		}
		int64_t days = floordiv(v, 86400000), ms = v - days * 86400000;
		if (days < MIN_DAYS || days > MAX_DAYS)
			return fail(d, CODE_MALFORMED, at, "column %s: DATETIME %lld ms outside years 1..9999",
				    c->name, (long long)v);
		crc_le(d, (uint64_t)v, 8);
		day_text(days, day);
		int64_t s = ms / 1000;
		snprintf(t, sizeof t, "%s %02d:%02d:%02d.%03d", day, (int)(s / 3600), (int)(s / 60 % 60),
			 (int)(s % 60), (int)(ms % 1000));
		return o_text(&d->o, t) < 0 ? oom(d) : 0;
	}
	case K_TIMESTAMP: case K_TIMESTAMP_NTZ: case K_INTERVAL_DAY_TIME: {
		char t[64], day[11];
		int64_t s;
		uint64_t nv;
		if (zz64(d, c->w_sec, &s) < 0 || varint(d, c->w_ns, &nv) < 0)
			return -1;
		if (nv >> 32)
			return fail(d, CODE_MALFORMED, at, "column %s: nanoseconds beyond 32 bits", c->name);
		int64_t ns = (nv & 1) ? -(int64_t)(nv >> 1) - 1 : (int64_t)(nv >> 1);
		if (ns < 0 || ns > 999999999)
			return fail(d, CODE_MALFORMED, at, "column %s: nanoseconds %lld outside 0..999999999",
				    c->name, (long long)ns);
		crc_le(d, (uint64_t)s, 8);
		crc_le(d, (uint64_t)ns, 4);
		if (c->k == K_INTERVAL_DAY_TIME) {
			snprintf(t, sizeof t, "%lld.%09lld", (long long)s, (long long)ns);
			return o_text(&d->o, t) < 0 ? oom(d) : 0;
		}
		int64_t days = floordiv(s, 86400), sec = s - days * 86400;
		if (days < MIN_DAYS || days > MAX_DAYS)
			return fail(d, CODE_MALFORMED, at, "column %s: %s outside years 1..9999", c->name, kn);
		day_text(days, day);
		snprintf(t, sizeof t, "%s %02d:%02d:%02d.%09lld", day, (int)(sec / 3600),
			 (int)(sec / 60 % 60), (int)(sec % 60), (long long)ns);
		return o_text(&d->o, t) < 0 ? oom(d) : 0;
	}
	default:
		return fail(d, CODE_MALFORMED, at, "column %s: unsupported type %s", c->name, kn);
	}
}

static int parse_schema(const char *schema, struct col **cols, size_t *ncol)
{
	size_t n = 0, cap = 0;
	struct col *v = NULL;
	const char *line = schema;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[256], kind[32];
		struct col c;
		int nullable = 0;
		if (len == 0 || len >= sizeof buf)
			goto bad;
		memcpy(buf, line, len);
		buf[len] = '\0';
		memset(&c, 0, sizeof c);
		if (sscanf(buf, "%129s %31s %ld %ld %d", c.name, kind, &c.a, &c.b, &nullable) != 5)
			goto bad;
		c.nullable = nullable;
		c.k = K_N;
		for (int k = 0; k < K_N; k++)
			if (!strcmp(kind, kind_names[k]))
				c.k = (enum kind)k;
		if (c.k == K_N)
			goto unsupported;
		switch (c.k) {
		case K_BIGINT: case K_INT: case K_SMALLINT: case K_TINYINT: case K_BOOLEAN:
		case K_DATETIME: case K_DATE: case K_INTERVAL_YEAR_MONTH:
			c.wire = 0;
			break;
		case K_DOUBLE:
			c.wire = 1;
			break;
		case K_FLOAT:
			c.wire = 5;
			break;
		default:
			c.wire = 2;
		}
		snprintf(c.w_len, sizeof c.w_len, "%s length", kind_names[c.k]);
		snprintf(c.w_sec, sizeof c.w_sec, "%s seconds", kind_names[c.k]);
		snprintf(c.w_ns, sizeof c.w_ns, "%s nanoseconds", kind_names[c.k]);
		if (c.k == K_DECIMAL)
			snprintf(c.type, sizeof c.type, "DECIMAL(%ld,%ld)", c.a, c.b);
		else if (c.k == K_CHAR || c.k == K_VARCHAR)
			snprintf(c.type, sizeof c.type, "%s(%ld)", kind, c.a);
		else
			snprintf(c.type, sizeof c.type, "%s", kind);
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct col *q = realloc(v, nc * sizeof *q);
			if (!q)
				goto nomem;
			v = q;
			cap = nc;
		}
		v[n++] = c;
		line += len + (nl ? 1 : 0);
	}
	if (!n)
		goto bad;
	*cols = v;
	*ncol = n;
	return 0;
bad:
	free(v);
	return BD_BADSCHEMA;
unsupported:
	free(v);
	return BD_UNSUPPORTED;
nomem:
	free(v);
	return BD_NOMEM;
}

static int run(struct dec *d, uint64_t *nrows)
{
	/* the one minimal encoding of the end-of-record tag: END_RECORD << 3 */
	static const unsigned char end_tag[4] = { 0x80, 0xC0, 0xFF, 0x7F };
	uint64_t last = 0, rows = 0;
	uint32_t stream = 0xFFFFFFFFu;
	size_t row_at = 0, marks_at;
	unsigned char *have = calloc(d->ncol ? d->ncol : 1, 1);
	if (!have)
		return oom(d);
	/* the list of rows; its count is filled in at the end */
	if (o_room(&d->o, 5) < 0)
		goto nomem;
	d->o.p[d->o.len++] = '[';
	marks_at = d->o.len;
	o_u32(&d->o, 0);
	d->crc = 0xFFFFFFFFu;
	for (;;) {
		size_t at;
		uint64_t tag, field, wt;
		if (d->p >= d->n) {
			fail(d, CODE_MALFORMED, d->p, "stream ends without its footer (count and checksum)");
			goto err;
		}
		at = d->p;
		if (d->n - at >= 4 && !memcmp(d->d + at, end_tag, 4)) {
			d->p = at + 4;
			field = END_RECORD;
			wt = 0;
		} else {
			if (varint(d, "tag", &tag) < 0)
				goto err;
			field = tag >> 3;
			wt = tag & 7;
		}
		if (field == END_RECORD) {
			uint64_t c;
			size_t cat;
			if (wt != 0) {
				fail(d, CODE_MALFORMED, at, "end-of-record tag with wire type %llu",
				     (unsigned long long)wt);
				goto err;
			}
			cat = d->p;
			if (varint(d, "record checksum", &c) < 0)
				goto err;
			if (c >> 32) {
				fail(d, CODE_MALFORMED, cat, "record checksum beyond 32 bits");
				goto err;
			}
			uint32_t want = d->crc ^ 0xFFFFFFFFu;
			if (c != want) {
				fail(d, CODE_CORRUPTED, cat, "record checksum %08llx, the record's bytes give %08x",
				     (unsigned long long)c, want);
				goto err;
			}
			for (size_t i = 0; i < d->ncol; i++)
				if (!d->cols[i].nullable && !have[i]) {
					fail(d, CODE_MALFORMED, at,
					     "column %s is NOT NULL but the record has no value", d->cols[i].name);
					goto err;
				}
			/* the row: '[' n, then the values in column order (None where absent) */
			if (!row_at) {
				/* a record with no field: a row of NULLs */
				if (o_room(&d->o, 5 + d->ncol) < 0)
					goto nomem;
				d->o.p[d->o.len++] = '[';
				o_u32(&d->o, (uint32_t)d->ncol);
			}
			if (o_room(&d->o, d->ncol) < 0)
				goto nomem;
			for (size_t i = last; i < d->ncol; i++)
				d->o.p[d->o.len++] = 'N';
			unsigned char le[4] = { (unsigned char)c, (unsigned char)(c >> 8),
						(unsigned char)(c >> 16), (unsigned char)(c >> 24) };
			stream = crc_upd(stream, le, 4);
			rows++;
			d->rec++;
			memset(have, 0, d->ncol);
			last = 0;
			row_at = 0;
			d->crc = 0xFFFFFFFFu;
			continue;
		}
		if (field == META_COUNT) {
			int64_t cnt;
			uint64_t c;
			size_t cat;
			if (wt != 0) {
				fail(d, CODE_MALFORMED, at, "count tag with wire type %llu", (unsigned long long)wt);
				goto err;
			}
			if (last) {
				fail(d, CODE_MALFORMED, at, "record without its end marker before the footer");
				goto err;
			}
			cat = d->p;
			if (zz64(d, "record count", &cnt) < 0)
				goto err;
			if (cnt < 0 || (uint64_t)cnt != rows) {
				fail(d, CODE_MALFORMED, cat, "footer counts %lld records, the stream holds %llu",
				     (long long)cnt, (unsigned long long)rows);
				goto err;
			}
			at = d->p;
			if (varint(d, "tag", &tag) < 0)
				goto err;
			if (tag != (uint64_t)META_CHECKSUM << 3) {
				fail(d, CODE_MALFORMED, at, "footer count not followed by the stream checksum tag");
				goto err;
			}
			cat = d->p;
			if (varint(d, "stream checksum", &c) < 0)
				goto err;
			uint32_t want = stream ^ 0xFFFFFFFFu;
			if (c != want) {
				fail(d, CODE_CORRUPTED, cat, "stream checksum %llx, the records give %08x",
				     (unsigned long long)c, want);
				goto err;
			}
			if (d->p != d->n) {
				fail(d, CODE_MALFORMED, d->p, "%zu bytes after the footer", d->n - d->p);
				goto err;
			}
			if (rows > INT32_MAX) {
				fail(d, CODE_MALFORMED, d->p, "more than 2^31 records");
				goto err;
			}
			d->o.p[marks_at] = (unsigned char)rows;
			d->o.p[marks_at + 1] = (unsigned char)(rows >> 8);
			d->o.p[marks_at + 2] = (unsigned char)(rows >> 16);
			d->o.p[marks_at + 3] = (unsigned char)(rows >> 24);
			free(have);
			*nrows = rows;
			return 0;
		}
		if (field == 0) {
			fail(d, CODE_MALFORMED, at, "field number 0");
			goto err;
		}
		if (field > d->ncol) {
			fail(d, CODE_MALFORMED, at, "field number %llu, the table has %zu columns",
			     (unsigned long long)field, d->ncol);
			goto err;
		}
		if (field <= last) {
			fail(d, CODE_MALFORMED, at,
			     "field %llu after field %llu (fields go in column order, once each)",
			     (unsigned long long)field, (unsigned long long)last);
			goto err;
		}
		const struct col *c = &d->cols[field - 1];
		if (wt != (uint64_t)c->wire) {
			fail(d, CODE_MALFORMED, at, "column %s (%s): wire type %llu, expected %d", c->name, c->type,
			     (unsigned long long)wt, c->wire);
			goto err;
		}
		if (!row_at) {
			if (o_room(&d->o, 5) < 0)
				goto nomem;
			row_at = d->o.len;
			d->o.p[d->o.len++] = '[';
			o_u32(&d->o, (uint32_t)d->ncol);
		}
		/* the NULLs of the columns skipped since the last field */
		if (o_room(&d->o, field - 1 - last) < 0)
			goto nomem;
		for (uint64_t i = last; i + 1 < field; i++)
			d->o.p[d->o.len++] = 'N';
		crc_le(d, field, 4);
		if (value(d, c) < 0)
			goto err;
		have[field - 1] = 1;
		last = field;
	}
nomem:
	oom(d);
err:
	free(have);
	return -1;
}

static int decode(const void *data, size_t n, const char *schema, uint64_t max_field, int discard,
		  unsigned char **out, size_t *outlen, uint64_t *nrows, char *err, size_t errsz)
{
	struct dec d;
	int rc;
	memset(&d, 0, sizeof d);
	d.o.discard = discard;
	*out = NULL;
	*outlen = 0;
	*nrows = 0;
	if (errsz)
		err[0] = '\0';
	if (!crc_ready)
		crc_init();
	if ((rc = parse_schema(schema, &d.cols, &d.ncol)) != 0) {
		snprintf(err, errsz, "%s", rc == BD_UNSUPPORTED ? "a type this decoder leaves to Python"
				       : rc == BD_NOMEM ? "out of memory" : "bad schema");
		return rc;
	}
	d.d = data;
	d.n = n;
	d.max_field = max_field;
	d.err = err;
	d.errsz = errsz;
	if (run(&d, nrows) < 0) {
		free(d.cols);
		free(d.o.p);
		return d.code ? d.code : BD_MALFORMED;
	}
	free(d.cols);
	*out = d.o.p;
	*outlen = d.o.len;
	return 0;
}

int bd_decode(const void *data, size_t n, const char *schema, uint64_t max_field,
	      unsigned char **out, size_t *outlen, uint64_t *nrows, char *err, size_t errsz)
{
	return decode(data, n, schema, max_field, 0, out, outlen, nrows, err, errsz);
}

int bd_check(const void *data, size_t n, const char *schema, uint64_t max_field, uint64_t *nrows,
	     char *err, size_t errsz)
{
	unsigned char *out;
	size_t outlen;
	int rc = decode(data, n, schema, max_field, 1, &out, &outlen, nrows, err, errsz);
	free(out);
	return rc;
}

void bd_free(void *p)
{
	free(p);
}
