/* mpread.h: a bounded, zero-copy msgpack reader over a byte range.
 *
 * msgpack-c's unpacker allocates the element array of a container as soon
 * as it reads the container's header, before the elements arrive (a 5-byte
 * array header makes it map 8 GiB; see docs/record-format.md). The record
 * decoder therefore reads msgpack with this cursor, which checks every
 * length and count against the bytes that remain before anything is
 * allocated. Encoding uses msgpack-c's packer. */
#ifndef MC_MPREAD_H
#define MC_MPREAD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/err.h"
#include "stream/rec.h"

struct mp_cur {
	const unsigned char *base; /* start of the input, for offsets */
	const unsigned char *p;    /* next byte */
	const unsigned char *end;
	uint64_t off0;  /* offset of base in the whole stream, for messages */
	size_t need;   /* set on truncation: input length needed, at least */
	int truncated; /* set when a read ran past end */
	struct mc_err *err;
};

static inline void mp_init(struct mp_cur *c, const void *p, size_t n, struct mc_err *err)
{
	c->base = c->p = p;
	c->end = c->p + n;
	c->need = 0;
	c->truncated = 0;
	c->err = err;
	c->off0 = 0;
}

static inline size_t mp_off(const struct mp_cur *c)
{
	return (size_t)(c->p - c->base);
}

/* Offset of the next byte in the whole stream, for messages. */
static inline unsigned long long mp_aoff(const struct mp_cur *c)
{
	return (unsigned long long)(c->off0 + mp_off(c));
}

/* Short name of the msgpack type starting with byte b ("array", "str"...). */
const char *mp_type_name(unsigned char b);

/* Report that the next object is not of type `want` (cold path). */
int mp_bad_type(struct mp_cur *c, const char *want, const char *what);

/* The readers below are inline: they are the decoder's hot path. Each
 * returns 0, or -1: on truncation (c->truncated set, no message) or on a type
 * error (message naming the offset and the field `what`). Containers: a
 * count above max is an error, checked before truncation. mp_nil returns 1
 * and consumes if the next object is nil, 0 if not, -1 if truncated.
 * mp_value reads one value of a row image. */

static inline uint16_t be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Make sure k bytes are available at p; on shortage mark truncation. */
static inline int have(struct mp_cur *c, size_t k)
{
	if ((size_t)(c->end - c->p) >= k)
		return 0;
	c->truncated = 1;
	c->need = mp_off(c) + k;
	return -1;
}

/* Container header: count in *n, header size consumed. Every element takes
 * at least one byte, so a count above the remaining bytes is truncation. */
static inline int container(struct mp_cur *c, uint32_t *n, uint32_t max, int is_map, const char *what)
{
	unsigned char b;
	size_t hdr;
	uint64_t cnt, minbytes;

	if (have(c, 1) < 0)
		return -1;
	b = *c->p;
	if (!is_map && b >= 0x90 && b <= 0x9f) {
		cnt = b & 0x0f;
		hdr = 1;
	} else if (is_map && b >= 0x80 && b <= 0x8f) {
		cnt = b & 0x0f;
		hdr = 1;
	} else if (b == (is_map ? 0xde : 0xdc)) {
		if (have(c, 3) < 0)
			return -1;
		cnt = be16(c->p + 1);
		hdr = 3;
	} else if (b == (is_map ? 0xdf : 0xdd)) {
		if (have(c, 5) < 0)
			return -1;
		cnt = be32(c->p + 1);
		hdr = 5;
	} else {
		return mp_bad_type(c, is_map ? "map" : "array", what);
	}
	if (cnt > max)
		return mc_errf(c->err, MC_EXIT_DATA,
			       "offset %llu: field '%s': %s of %llu elements, over the limit of %u",
			       mp_aoff(c), what, is_map ? "map" : "array", (unsigned long long)cnt, max);
	minbytes = is_map ? cnt * 2 : cnt;
	if ((uint64_t)(c->end - c->p) - hdr < minbytes) {
		c->truncated = 1;
		c->need = mp_off(c) + hdr + (size_t)minbytes;
		return -1;
	}
	c->p += hdr;
	*n = (uint32_t)cnt;
	return 0;
}

static inline int mp_array(struct mp_cur *c, uint32_t *n, uint32_t max, const char *what)
{
	return container(c, n, max, 0, what);
}

static inline int mp_map(struct mp_cur *c, uint32_t *n, uint32_t max, const char *what)
{
	return container(c, n, max, 1, what);
}

/* Integer of any msgpack form: *neg tells whether it is below zero. */
static inline int integer(struct mp_cur *c, uint64_t *u, int *neg, const char *what)
{
	unsigned char b;
	size_t len;

	if (have(c, 1) < 0)
		return -1;
	b = *c->p;
	*neg = 0;
	if (b <= 0x7f) {
		*u = b;
		c->p++;
		return 0;
	}
	if (b >= 0xe0) {
		*u = (uint64_t)(int64_t)(int8_t)b;
		*neg = 1;
		c->p++;
		return 0;
	}
	switch (b) {
	case 0xcc: case 0xd0: len = 1; break;
	case 0xcd: case 0xd1: len = 2; break;
	case 0xce: case 0xd2: len = 4; break;
	case 0xcf: case 0xd3: len = 8; break;
	default: return mp_bad_type(c, "integer", what);
	}
	if (have(c, 1 + len) < 0)
		return -1;
	if (b <= 0xcf) {
		switch (len) {
		case 1: *u = c->p[1]; break;
		case 2: *u = be16(c->p + 1); break;
		case 4: *u = be32(c->p + 1); break;
		default: *u = be64(c->p + 1); break;
		}
	} else {
		int64_t i;
		switch (len) {
		case 1: i = (int8_t)c->p[1]; break;
		case 2: i = (int16_t)be16(c->p + 1); break;
		case 4: i = (int32_t)be32(c->p + 1); break;
		default: i = (int64_t)be64(c->p + 1); break;
		}
		*u = (uint64_t)i;
		*neg = i < 0;
	}
	c->p += 1 + len;
	return 0;
}

static inline int mp_uint(struct mp_cur *c, uint64_t *u, const char *what)
{
	int neg;
	const unsigned char *at = c->p;
	if (integer(c, u, &neg, what) < 0)
		return -1;
	if (neg) {
		c->p = at;
		return mc_errf(c->err, MC_EXIT_DATA,
			       "offset %llu: field '%s': negative value", mp_aoff(c), what);
	}
	return 0;
}

static inline int mp_int(struct mp_cur *c, int64_t *i, const char *what)
{
	int neg;
	uint64_t u = 0;
	const unsigned char *at = c->p;
	if (integer(c, &u, &neg, what) < 0)
		return -1;
	if (!neg && u > INT64_MAX) {
		c->p = at;
		return mc_errf(c->err, MC_EXIT_DATA,
			       "offset %llu: field '%s': value out of range", mp_aoff(c), what);
	}
	*i = (int64_t)u;
	return 0;
}

/* str or bin body: *len bytes after a header of hdr bytes. */
static inline int body(struct mp_cur *c, size_t hdr, uint64_t len, struct mc_str *s)
{
	if ((uint64_t)(c->end - c->p) < hdr + len) {
		c->truncated = 1;
		c->need = mp_off(c) + hdr + (size_t)len;
		return -1;
	}
	s->p = (const char *)c->p + hdr;
	s->n = (size_t)len;
	c->p += hdr + len;
	return 0;
}

/* If the next object is a str, read it into s and return 1; 0 if it is not
 * a str; -1 if truncated. */
static inline int try_str(struct mp_cur *c, struct mc_str *s)
{
	unsigned char b;
	if (have(c, 1) < 0)
		return -1;
	b = *c->p;
	if (b >= 0xa0 && b <= 0xbf)
		return body(c, 1, b & 0x1f, s) < 0 ? -1 : 1;
	switch (b) {
	case 0xd9:
		if (have(c, 2) < 0)
			return -1;
		return body(c, 2, c->p[1], s) < 0 ? -1 : 1;
	case 0xda:
		if (have(c, 3) < 0)
			return -1;
		return body(c, 3, be16(c->p + 1), s) < 0 ? -1 : 1;
	case 0xdb:
		if (have(c, 5) < 0)
			return -1;
		return body(c, 5, be32(c->p + 1), s) < 0 ? -1 : 1;
	}
	return 0;
}

static inline int mp_str(struct mp_cur *c, struct mc_str *s, const char *what)
{
	int r = try_str(c, s);
	if (r < 0)
		return -1;
	if (r == 0)
		return mp_bad_type(c, "str", what);
	return 0;
}

static inline int mp_bool(struct mp_cur *c, int *b, const char *what)
{
	if (have(c, 1) < 0)
		return -1;
	if (*c->p != 0xc2 && *c->p != 0xc3)
		return mp_bad_type(c, "bool", what);
	*b = *c->p == 0xc3;
	c->p++;
	return 0;
}

static inline int mp_nil(struct mp_cur *c)
{
	if (have(c, 1) < 0)
		return -1;
	if (*c->p != 0xc0)
		return 0;
	c->p++;
	return 1;
}

static const uint8_t mp_ext_kind[] = {
	[MC_EXT_ABSENT] = MC_V_ABSENT,
	[MC_EXT_DECIMAL] = MC_V_DECIMAL,
	[MC_EXT_DATE] = MC_V_DATE,
	[MC_EXT_DATETIME] = MC_V_DATETIME,
	[MC_EXT_TIMESTAMP] = MC_V_TIMESTAMP,
	[MC_EXT_TIME] = MC_V_TIME,
	[MC_EXT_BIT] = MC_V_BIT,
	[MC_EXT_JSON] = MC_V_JSON,
};

static inline int ext(struct mp_cur *c, size_t hdr, uint64_t len, struct mc_val *v)
{
	int8_t type;
	if (have(c, hdr) < 0)
		return -1;
	type = (int8_t)c->p[hdr - 1];
	if (type < 0 || (size_t)type >= sizeof mp_ext_kind)
		return mc_errf(c->err, MC_EXIT_DATA, "offset %llu: unknown extension type %d",
			       mp_aoff(c), type);
	if (body(c, hdr, len, &v->v.s) < 0)
		return -1;
	v->kind = mp_ext_kind[type];
	return 0;
}

static inline int mp_value(struct mp_cur *c, struct mc_val *v)
{
	unsigned char b;
	int r, neg;

	if (have(c, 1) < 0)
		return -1;
	b = *c->p;
	if (b <= 0x7f) {
		v->kind = MC_V_INT;
		v->v.i = b;
		c->p++;
		return 0;
	}
	if ((r = try_str(c, &v->v.s)) != 0) {
		v->kind = MC_V_STR;
		return r < 0 ? -1 : 0;
	}
	switch (b) {
	case 0xc0:
		v->kind = MC_V_NULL;
		c->p++;
		return 0;
	case 0xc4:
		if (have(c, 2) < 0)
			return -1;
		v->kind = MC_V_BIN;
		return body(c, 2, c->p[1], &v->v.s);
	case 0xc5:
		if (have(c, 3) < 0)
			return -1;
		v->kind = MC_V_BIN;
		return body(c, 3, be16(c->p + 1), &v->v.s);
	case 0xc6:
		if (have(c, 5) < 0)
			return -1;
		v->kind = MC_V_BIN;
		return body(c, 5, be32(c->p + 1), &v->v.s);
	case 0xca: {
		uint32_t w;
		if (have(c, 5) < 0)
			return -1;
		w = be32(c->p + 1);
		memcpy(&v->v.f32, &w, 4);
		v->kind = MC_V_F32;
		c->p += 5;
		return 0;
	}
	case 0xcb: {
		uint64_t w;
		if (have(c, 9) < 0)
			return -1;
		w = be64(c->p + 1);
		memcpy(&v->v.f64, &w, 8);
		v->kind = MC_V_F64;
		c->p += 9;
		return 0;
	}
	case 0xd4: return ext(c, 2, 1, v);
	case 0xd5: return ext(c, 2, 2, v);
	case 0xd6: return ext(c, 2, 4, v);
	case 0xd7: return ext(c, 2, 8, v);
	case 0xd8: return ext(c, 2, 16, v);
	case 0xc7:
		if (have(c, 3) < 0)
			return -1;
		return ext(c, 3, c->p[1], v);
	case 0xc8:
		if (have(c, 4) < 0)
			return -1;
		return ext(c, 4, be16(c->p + 1), v);
	case 0xc9:
		if (have(c, 6) < 0)
			return -1;
		return ext(c, 6, be32(c->p + 1), v);
	}
	if (b >= 0xe0 || (b >= 0xcc && b <= 0xd3)) {
		uint64_t u;
		if (integer(c, &u, &neg, "value") < 0)
			return -1;
		if (!neg && u > INT64_MAX) {
			v->kind = MC_V_UINT;
			v->v.u = u;
		} else {
			v->kind = MC_V_INT;
			v->v.i = (int64_t)u;
		}
		return 0;
	}
	return mc_errf(c->err, MC_EXIT_DATA, "offset %llu: value of type %s not allowed",
		       mp_aoff(c), mp_type_name(b));
}

#endif
