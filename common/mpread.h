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

#include "err.h"
#include "rec.h"

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

/* Each reader returns 0, or -1: on truncation (c->truncated set, no message)
 * or on a type error (message naming the offset and the field `what`). */
int mp_array(struct mp_cur *c, uint32_t *n, const char *what);
int mp_map(struct mp_cur *c, uint32_t *n, const char *what);
int mp_uint(struct mp_cur *c, uint64_t *u, const char *what);
int mp_int(struct mp_cur *c, int64_t *i, const char *what);
int mp_str(struct mp_cur *c, struct mc_str *s, const char *what);
int mp_bool(struct mp_cur *c, int *b, const char *what);
/* 1 and consume if the next object is nil, 0 if not, -1 if truncated. */
int mp_nil(struct mp_cur *c);
/* Read one value of a row image. */
int mp_value(struct mp_cur *c, struct mc_val *v);

/* Short name of the msgpack type starting with byte b ("array", "str"...). */
const char *mp_type_name(unsigned char b);

#endif
