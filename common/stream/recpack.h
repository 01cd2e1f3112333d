/* recpack.h: the record packer, for code that packs a record's parts in
 * place (rec.c's encoder, and the binlog decoder's rows, bl_row_pack): the
 * bytes are rec_encode's.
 *
 * msgpack-c's packing template (the one its own msgpack_packer is made
 * of) is instantiated over a cursor into a struct mc_buf: the packer
 * functions mcpk_*() append in place, where msgpack_pack_*() call through
 * msgpack_packer's function pointer for every item. Open a struct rp over
 * a buffer with room for the record's fixed part (rp_open); an item that
 * does not fit grows the buffer (rp_more); rp_close sets the buffer's
 * length, or gives -1 when growing failed (the buffer back to where
 * rp_open found it). */
#ifndef MC_RECPACK_H
#define MC_RECPACK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <msgpack.h>

#include "base/buf.h"
#include "base/err.h"
#include "stream/rec.h"

struct rp {
	char *w, *end; /* where the next byte goes, the end of the room */
	struct mc_buf *b;
	size_t start;  /* the buffer's length at rp_open */
	int failed;
};

/* Append p[0..n) after growing the buffer (out of line: rare). */
int rp_more(struct rp *k, const char *p, size_t n);

/* Open k over b with room for `room` bytes; -1 when out of memory. */
static inline int rp_open(struct rp *k, struct mc_buf *b, size_t room)
{
	if (b->cap - b->len < room && buf_grow(b, room) < 0)
		return -1;
	k->b = b;
	k->start = b->len;
	k->w = b->p + b->len;
	k->end = b->p + b->cap;
	k->failed = 0;
	return 0;
}

/* The bytes packed: 0, or -1 when growing failed (nothing kept). */
static inline int rp_close(struct rp *k)
{
	if (k->failed) {
		k->b->len = k->start;
		return -1;
	}
	k->b->len = (size_t)(k->w - k->b->p);
	return 0;
}

/* Drop what was packed since rp_open. */
static inline void rp_abort(struct rp *k) { k->b->len = k->start; }

static inline __attribute__((always_inline)) int rp_put(struct rp *k, const char *p, size_t n)
{
	char *d = k->w;
	if ((size_t)(k->end - d) < n)
		return rp_more(k, p, n);
	/* msgpack headers are 1..9 bytes: constant-size copies, no call. */
	switch (n) {
	case 1: d[0] = p[0]; break;
	case 2: memcpy(d, p, 2); break;
	case 3: memcpy(d, p, 3); break;
	case 5: memcpy(d, p, 5); break;
	case 9: memcpy(d, p, 9); break;
	default: memcpy(d, p, n); break;
	}
	k->w = d + n;
	return 0;
}

#define msgpack_pack_inline_func(name) static inline __attribute__((always_inline)) int mcpk##name
#define msgpack_pack_inline_func_cint(name) static inline __attribute__((always_inline)) int mcpk##name
#define msgpack_pack_inline_func_fixint(name) static inline int mcpk_fix##name
#define msgpack_pack_user struct rp *
#define msgpack_pack_append_buffer(user, buf, len) \
	return rp_put(user, (const char *)(buf), len)
#include <msgpack/pack_template.h>
#undef msgpack_pack_inline_func
#undef msgpack_pack_inline_func_cint
#undef msgpack_pack_inline_func_fixint
#undef msgpack_pack_user
#undef msgpack_pack_append_buffer

/* The packers of the items of every row, the same bytes as mcpk_*() but
 * written in place: the template writes a header's bytes one by one into
 * a stack buffer, then copies it with one wider load, which the CPU
 * cannot forward from the narrower stores (a stall of some ten cycles an
 * item). Where fewer than 9 bytes are left they go through mcpk_*(). */
#define RP_AI static inline __attribute__((always_inline))
RP_AI void rp_be16(unsigned char *d, uint16_t v)
{
	v = __builtin_bswap16(v);
	memcpy(d, &v, 2);
}
RP_AI void rp_be32(unsigned char *d, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(d, &v, 4);
}
RP_AI void rp_be64(unsigned char *d, uint64_t v)
{
	v = __builtin_bswap64(v);
	memcpy(d, &v, 8);
}
#define RP_ROOM(k, call)                        \
	do {                                    \
		if ((k)->end - (k)->w < 9) {    \
			call;                   \
			return;                 \
		}                               \
	} while (0)

RP_AI void rp_nil(struct rp *k)
{
	RP_ROOM(k, mcpk_nil(k));
	*k->w++ = (char)0xc0;
}

RP_AI void rp_array(struct rp *k, size_t n)
{
	unsigned char *d = (unsigned char *)k->w;
	RP_ROOM(k, mcpk_array(k, n));
	if (n < 16) {
		d[0] = (unsigned char)(0x90 | n);
		k->w += 1;
	} else if (n < 65536) {
		d[0] = 0xdc;
		rp_be16(d + 1, (uint16_t)n);
		k->w += 3;
	} else {
		d[0] = 0xdd;
		rp_be32(d + 1, (uint32_t)n);
		k->w += 5;
	}
}

/* an unsigned integer of 128 or more */
RP_AI void rp_uint_big(struct rp *k, unsigned char *d, uint64_t v)
{
	if (v < 256) {
		d[0] = 0xcc;
		d[1] = (unsigned char)v;
		k->w += 2;
	} else if (v < 65536) {
		d[0] = 0xcd;
		rp_be16(d + 1, (uint16_t)v);
		k->w += 3;
	} else if (v < ((uint64_t)1 << 32)) {
		d[0] = 0xce;
		rp_be32(d + 1, (uint32_t)v);
		k->w += 5;
	} else {
		d[0] = 0xcf;
		rp_be64(d + 1, v);
		k->w += 9;
	}
}

RP_AI void rp_uint64(struct rp *k, uint64_t v)
{
	unsigned char *d = (unsigned char *)k->w;
	RP_ROOM(k, mcpk_uint64(k, v));
	if (v < 128) {
		d[0] = (unsigned char)v;
		k->w += 1;
	} else {
		rp_uint_big(k, d, v);
	}
}

RP_AI void rp_int64(struct rp *k, int64_t v)
{
	unsigned char *d = (unsigned char *)k->w;
	RP_ROOM(k, mcpk_int64(k, v));
	if (v >= -32 && v < 128) {
		d[0] = (unsigned char)v;
		k->w += 1;
	} else if (v >= 0) {
		rp_uint_big(k, d, (uint64_t)v);
	} else if (v >= -128) {
		d[0] = 0xd0;
		d[1] = (unsigned char)v;
		k->w += 2;
	} else if (v >= -32768) {
		d[0] = 0xd1;
		rp_be16(d + 1, (uint16_t)v);
		k->w += 3;
	} else if (v >= -((int64_t)1 << 31)) {
		d[0] = 0xd2;
		rp_be32(d + 1, (uint32_t)v);
		k->w += 5;
	} else {
		d[0] = 0xd3;
		rp_be64(d + 1, (uint64_t)v);
		k->w += 9;
	}
}

/* headers: str, bin, ext */
RP_AI void rp_str_hdr(struct rp *k, size_t n)
{
	unsigned char *d = (unsigned char *)k->w;
	RP_ROOM(k, mcpk_str(k, n));
	if (n < 32) {
		d[0] = (unsigned char)(0xa0 | n);
		k->w += 1;
	} else if (n < 256) {
		d[0] = 0xd9;
		d[1] = (unsigned char)n;
		k->w += 2;
	} else if (n < 65536) {
		d[0] = 0xda;
		rp_be16(d + 1, (uint16_t)n);
		k->w += 3;
	} else {
		d[0] = 0xdb;
		rp_be32(d + 1, (uint32_t)n);
		k->w += 5;
	}
}

RP_AI void rp_bin_hdr(struct rp *k, size_t n)
{
	unsigned char *d = (unsigned char *)k->w;
	RP_ROOM(k, mcpk_bin(k, n));
	if (n < 256) {
		d[0] = 0xc4;
		d[1] = (unsigned char)n;
		k->w += 2;
	} else if (n < 65536) {
		d[0] = 0xc5;
		rp_be16(d + 1, (uint16_t)n);
		k->w += 3;
	} else {
		d[0] = 0xc6;
		rp_be32(d + 1, (uint32_t)n);
		k->w += 5;
	}
}

RP_AI void rp_ext_hdr(struct rp *k, size_t n, int8_t type)
{
	unsigned char *d = (unsigned char *)k->w;
	RP_ROOM(k, mcpk_ext(k, n, type));
	switch (n) {
	case 1: d[0] = 0xd4; break;
	case 2: d[0] = 0xd5; break;
	case 4: d[0] = 0xd6; break;
	case 8: d[0] = 0xd7; break;
	case 16: d[0] = 0xd8; break;
	default:
		if (n < 256) {
			d[0] = 0xc7;
			d[1] = (unsigned char)n;
			d[2] = (unsigned char)type;
			k->w += 3;
		} else if (n < 65536) {
			d[0] = 0xc8;
			rp_be16(d + 1, (uint16_t)n);
			d[3] = (unsigned char)type;
			k->w += 4;
		} else {
			d[0] = 0xc9;
			rp_be32(d + 1, (uint32_t)n);
			d[5] = (unsigned char)type;
			k->w += 6;
		}
		return;
	}
	d[1] = (unsigned char)type;
	k->w += 2;
}
#undef RP_ROOM

static inline __attribute__((always_inline)) void rp_str(struct rp *k, const char *p, size_t n)
{
	rp_str_hdr(k, n);
	if (n)
		rp_put(k, p, n);
}

static inline __attribute__((always_inline)) void rp_bin(struct rp *k, const char *p, size_t n)
{
	rp_bin_hdr(k, n);
	if (n)
		rp_put(k, p, n);
}

/* One value as rec_encode packs it (its kind known to be valid). */
static inline __attribute__((always_inline)) void rp_val(struct rp *k, const struct mc_val *v)
{
	static const int8_t kind_ext[MC_V_NKINDS] = {
		[MC_V_ABSENT] = MC_EXT_ABSENT,
		[MC_V_DECIMAL] = MC_EXT_DECIMAL,
		[MC_V_DATE] = MC_EXT_DATE,
		[MC_V_DATETIME] = MC_EXT_DATETIME,
		[MC_V_TIMESTAMP] = MC_EXT_TIMESTAMP,
		[MC_V_TIME] = MC_EXT_TIME,
		[MC_V_BIT] = MC_EXT_BIT,
		[MC_V_JSON] = MC_EXT_JSON,
	};
	switch (v->kind) {
	case MC_V_NULL:
		rp_nil(k);
		break;
	case MC_V_INT:
		rp_int64(k, v->v.i);
		break;
	case MC_V_UINT:
		rp_uint64(k, v->v.u);
		break;
	case MC_V_F32:
		mcpk_float(k, v->v.f32);
		break;
	case MC_V_F64:
		mcpk_double(k, v->v.f64);
		break;
	case MC_V_STR:
		rp_str(k, v->v.s.p, v->v.s.n);
		break;
	case MC_V_BIN:
		rp_bin(k, v->v.s.p, v->v.s.n);
		break;
	case MC_V_ABSENT:
		/* no payload, whatever v.s holds */
		mcpk_ext(k, 0, MC_EXT_ABSENT);
		break;
	default:
		rp_ext_hdr(k, v->v.s.n, kind_ext[v->kind]);
		if (v->v.s.n)
			rp_put(k, v->v.s.p, v->v.s.n);
		break;
	}
}

/* A row record's fields before its images (kind, op, db, table, schema
 * version, position, time), packed as rec_encode packs them; the images
 * follow: each an array of the table's values, or nil. */
void rp_row_head(struct rp *k, const struct mc_rec *r);
/* rp_row_head in two parts: the fields the records of one rows event
 * share (kind, op, db, table, schema version, the position's file and
 * offset), then the position's row and the time. */
void rp_row_shared(struct rp *k, const struct mc_rec *r);
static inline __attribute__((always_inline)) void rp_row_pos(struct rp *k, const struct mc_rec *r)
{
	rp_uint64(k, r->pos.row);
	rp_int64(k, r->time);
}

#endif
