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

static inline __attribute__((always_inline)) void rp_str(struct rp *k, const char *p, size_t n)
{
	mcpk_str(k, n);
	if (n)
		mcpk_str_body(k, p, n);
}

static inline __attribute__((always_inline)) void rp_bin(struct rp *k, const char *p, size_t n)
{
	mcpk_bin(k, n);
	if (n)
		mcpk_bin_body(k, p, n);
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
		mcpk_nil(k);
		break;
	case MC_V_INT:
		mcpk_int64(k, v->v.i);
		break;
	case MC_V_UINT:
		mcpk_uint64(k, v->v.u);
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
		mcpk_ext(k, v->v.s.n, kind_ext[v->kind]);
		if (v->v.s.n)
			mcpk_ext_body(k, v->v.s.p, v->v.s.n);
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
	mcpk_uint64(k, r->pos.row);
	mcpk_int64(k, r->time);
}

#endif
