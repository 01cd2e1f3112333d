/* binlog_int.h: what the files of the binlog decoder (binlog.c,
 * binlog_rows.c, binlog_value.c, binlog_json.c) share and nothing else
 * includes: byte readers, the event cursor, table map bookkeeping, and the
 * value helpers the JSON decoder reuses. */
#ifndef MC_BINLOG_INT_H
#define MC_BINLOG_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "binlog/binlog.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* In a function with a `struct mc_err *err`: bad data, returns -1. */
#define EBAD(...) mc_errf(err, MC_EXIT_DATA, __VA_ARGS__)

static inline uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t le48(const uint8_t *p) { return le32(p) | (uint64_t)le16(p + 4) << 32; }
static inline uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }
/* n (<= 8) bytes big-endian */
static inline uint64_t bl_be_n(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* How bl_row_pack packs a column's values (bl_col.plan, plan_n): through
 * bl_value and a struct mc_val, or straight from the row image: integers
 * of plan_n bytes, text or bytes after a length of plan_n bytes. */
enum { BL_PLAN_VALUE = 0, BL_PLAN_SINT, BL_PLAN_UINT, BL_PLAN_STR, BL_PLAN_BIN,
       BL_PLAN_ASCII /* text whose ASCII is its UTF-8 (latin1..): ASCII as it is */,
       BL_PLAN_TEXT /* DECIMAL, temporal: plan_n bytes, a text by bl_plan_text */ };
void bl_col_plan(struct bl_col *c);
/* room bl_plan_text needs (a DECIMAL(65,30)'s text: 68 bytes) */
#define BL_PLAN_TEXT_MAX 128
size_t bl_plan_text(struct bl_decoder *d, const struct bl_col *c, const uint8_t *p, char *o,
		    int8_t *ext);

/* A bounded cursor over one event's bytes. */
struct cur {
	const uint8_t *p, *end;
};

static inline int need(struct cur *c, size_t n, const char *what, struct mc_err *err)
{
	if ((size_t)(c->end - c->p) < n)
		return EBAD("%s: %zu bytes needed, %zu left", what, n, (size_t)(c->end - c->p));
	return 0;
}

/* Length-encoded integer. */
static inline int lenenc(struct cur *c, uint64_t *v, const char *what, struct mc_err *err)
{
	uint8_t b;
	if (need(c, 1, what, err) < 0)
		return -1;
	b = *c->p++;
	if (b < 0xfb) {
		*v = b;
		return 0;
	}
	if (b == 0xfc) {
		if (need(c, 2, what, err) < 0)
			return -1;
		*v = le16(c->p);
		c->p += 2;
		return 0;
	}
	if (b == 0xfd) {
		if (need(c, 3, what, err) < 0)
			return -1;
		*v = (uint64_t)c->p[0] | (uint64_t)c->p[1] << 8 | (uint64_t)c->p[2] << 16;
		c->p += 3;
		return 0;
	}
	if (b == 0xfe) {
		if (need(c, 8, what, err) < 0)
			return -1;
		*v = le64(c->p);
		c->p += 8;
		return 0;
	}
	return EBAD("%s: bad length-encoded integer 0x%02x", what, b);
}

static inline int lenenc_bounded(struct cur *c, uint64_t *v, const char *what, struct mc_err *err)
{
	if (lenenc(c, v, what, err) < 0)
		return -1;
	if (*v > (uint64_t)(c->end - c->p))
		return EBAD("%s: length %llu beyond the event", what, (unsigned long long)*v);
	return 0;
}

/* Table maps by id (binlog.c). */
void bl_table_free(struct bl_table *t);
struct bl_table *bl_find_table(struct bl_decoder *d, uint64_t id);
int bl_put_table(struct bl_decoder *d, struct bl_table *t, struct mc_err *err);

/* MariaDB's zlib-compressed query or rows data into d->zbuf (binlog.c). */
int bl_maria_uncompress(struct bl_decoder *d, const uint8_t *p, size_t n, struct mc_err *err);

/* Table maps and rows events (binlog_rows.c): the event's fields after its
 * header and checksum are checked. */
int bl_decode_table_map(struct bl_decoder *d, struct bl_event *ev, struct mc_err *err);
/* A rows event type: 1 with its op, v2 and compressed flags, else 0. */
int bl_rows_type(uint8_t t, int *op, int *v2, int *compressed);
int bl_decode_rows(struct bl_decoder *d, struct bl_event *ev, int op, int v2, int compressed,
		   struct mc_err *err);

/* Values (binlog_value.c) that JSON documents reuse (binlog_json.c). */
size_t bl_decimal_size(unsigned prec, unsigned scale);
size_t bl_decimal_text(const uint8_t *p, unsigned prec, unsigned scale, char *out);
size_t bl_packed_time_text(int64_t packed, unsigned dec, char *o);
size_t bl_packed_datetime_text(int64_t packed, unsigned dec, int date_only, char *o);

/* Decimal digits, two at a time (binlog_value.c, binlog_decimal.c). */
static const char bl_two_digits[] = "00010203040506070809101112131415161718192021222324"
				 "25262728293031323334353637383940414243444546474849"
				 "50515253545556575859606162636465666768697071727374"
				 "75767778798081828384858687888990919293949596979899";

/* Write the low w decimal digits of v (the values here fit 32 bits). */
static inline __attribute__((always_inline)) char *bl_digits(char *o, uint64_t v64, int w)
{
	uint32_t v = v64 <= UINT32_MAX ? (uint32_t)v64 : (uint32_t)(v64 % 1000000000u);
	int i = w;
	while (i >= 2) {
		memcpy(o + i - 2, bl_two_digits + (v % 100) * 2, 2);
		v /= 100;
		i -= 2;
	}
	if (i)
		o[0] = (char)('0' + v % 10);
	return o + w;
}


/* v in decimal at o (no NUL); the end. */
static inline char *bl_dec_u64(char *o, uint64_t v)
{
	char t[20];
	int n = 0;
	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*o++ = t[--n];
	return o;
}

/* Write v with at least w digits. */
static inline char *bl_digits_min(char *o, uint64_t v, int w)
{
	int n = 1;
	for (uint64_t t = v; t >= 10; t /= 10)
		n++;
	return bl_digits(o, v, n > w ? n : w);
}

/* Temporal texts (binlog_time.c) ------------------------------------ */

static inline char *bl_ymd_text(char *o, unsigned y, unsigned m, unsigned d)
{
	o = bl_digits(o, y, 4);
	*o++ = '-';
	o = bl_digits(o, m, 2);
	*o++ = '-';
	return bl_digits(o, d, 2);
}

static inline char *bl_hms_text(char *o, unsigned h, unsigned m, unsigned s)
{
	o = bl_digits(o, h, 2);
	*o++ = ':';
	o = bl_digits(o, m, 2);
	*o++ = ':';
	return bl_digits(o, s, 2);
}

/* Append ".ffff" with dec digits of usec (0..999999). */
static inline size_t bl_frac_text(char *o, unsigned dec, uint32_t usec)
{
	char t[6];
	if (dec == 0)
		return 0;
	bl_digits(t, usec % 1000000, 6);
	o[0] = '.';
	memcpy(o + 1, t, dec);
	return dec + 1;
}

int bl_packed_time_ok(int64_t packed);
int bl_packed_datetime_ok(int64_t packed);
/* The text of a TIMESTAMP at o (room for 27 bytes): its end. */
char *bl_ts_text(struct bl_decoder *d, uint32_t sec, uint32_t usec, unsigned dec, char *o);
/* MySQL's old DATETIME (YYYYMMDDhhmmss as an integer) at o (room for 19
 * bytes): the text's length, 0 when it is not a date and time. */
size_t bl_old_datetime_text(uint64_t x, char *o);

/* Packed rows (binlog_rows.c, binlog_pack.c) ------------------------ */

/* Whether p[0..n) is all ASCII: where SSE2 is (every x86-64), 32 bytes a
 * step, the high bits gathered and tested once, the tail by one load that
 * ends at the last byte (overlapping what was seen); else 8 bytes a step. */
static inline int all_ascii(const uint8_t *p, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	if (n >= 16) {
		__m128i acc = _mm_setzero_si128();
		for (; i + 32 <= n; i += 32)
			acc = _mm_or_si128(acc, _mm_or_si128(
				_mm_loadu_si128((const __m128i *)(const void *)(p + i)),
				_mm_loadu_si128((const __m128i *)(const void *)(p + i + 16))));
		if (i + 16 <= n) {
			acc = _mm_or_si128(acc, _mm_loadu_si128((const __m128i *)(const void *)(p + i)));
			i += 16;
		}
		if (i < n)
			acc = _mm_or_si128(acc, _mm_loadu_si128(
				(const __m128i *)(const void *)(p + n - 16)));
		return !_mm_movemask_epi8(acc);
	}
#endif
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ull)
			return 0;
	}
	if (i < n && n >= 8) { /* the last 8 bytes, some seen already */
		uint64_t w;
		memcpy(&w, p + n - 8, 8);
		return !(w & 0x8080808080808080ull);
	}
	for (; i < n; i++)
		if (p[i] & 0x80)
			return 0;
	return 1;
}

static inline __attribute__((always_inline)) uint64_t le_bytes(const uint8_t *p, unsigned n)
{
	switch (n) {
	case 1: return p[0];
	case 2: return le16(p);
	case 3: return le16(p) | (uint32_t)p[2] << 16;
	case 4: return le32(p);
	default: return le64(p);
	}
}

struct rp;
/* The room bl_pack_row_fast needs for a row image's headers, numbers and
 * texts (0: a column without a plan, not packed there). */
size_t bl_plan_room(const struct bl_table *t);
/* The next row of ev (its table's plan set, a row left) packed as
 * bl_row_pack packs it, in one pass (binlog_pack.c): 1, or 0 with nothing
 * kept, where bl_row_pack is to pack it (or refuse it). */
int bl_pack_row_fast(struct bl_decoder *d, struct bl_event *ev, struct rp *k);

#endif
