/* binlog_pack.c: a row packed in one pass (bl_pack_row_fast), for the
 * tables whose every column has a plan (binlog_int.h BL_PLAN_*): the room
 * for the row's headers, numbers and texts is checked once, the room for
 * each text or byte string once more, and the bytes are written through a
 * local cursor (stores through a char pointer may alias anything, so the
 * packer's cursor in memory is reloaded and stored at every item
 * otherwise). The bytes are pack_image's (binlog_rows.c): anything it
 * would do otherwise than by the plan (a value out of its range, latin1
 * text to convert, a short image) makes this give the row back to it. */
#include "binlog/binlog.h"
#include "binlog/binlog_int.h"

#include "stream/recpack.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

size_t bl_plan_room(const struct bl_table *t)
{
	size_t room = 5; /* the array's header */
	for (uint32_t i = 0; i < t->ncols; i++)
		switch (t->cols[i].plan) {
		case BL_PLAN_SINT: case BL_PLAN_UINT: room += 9; break;
		case BL_PLAN_STR: case BL_PLAN_BIN: case BL_PLAN_ASCII: room += 5; break;
		case BL_PLAN_TEXT: room += 3 + BL_PLAN_TEXT_MAX; break;
		default: return 0; /* through bl_value: pack_image only */
		}
	return room;
}

typedef unsigned char uc;

/* p[0..n) copied to w, and whether it is all ASCII (1) or not (0: w
 * holds the bytes all the same): all_ascii and memcpy in one pass, 16
 * bytes a step where SSE2 is (every x86-64), the tail by one load and
 * store that end at the last byte. */
static inline __attribute__((always_inline)) int copy_ascii(uc *w, const uint8_t *p, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	if (n >= 16) {
		__m128i acc = _mm_setzero_si128(), v;
		for (; i + 16 <= n; i += 16) {
			v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			_mm_storeu_si128((__m128i *)(void *)(w + i), v);
			acc = _mm_or_si128(acc, v);
		}
		if (i < n) {
			v = _mm_loadu_si128((const __m128i *)(const void *)(p + n - 16));
			_mm_storeu_si128((__m128i *)(void *)(w + n - 16), v);
			acc = _mm_or_si128(acc, v);
		}
		return !_mm_movemask_epi8(acc);
	}
#endif
	if (n >= 8) {
		uint64_t a, acc = 0;
		for (; i + 8 <= n; i += 8) {
			memcpy(&a, p + i, 8);
			memcpy(w + i, &a, 8);
			acc |= a;
		}
		memcpy(&a, p + n - 8, 8);
		memcpy(w + n - 8, &a, 8);
		return !((acc | a) & 0x8080808080808080ull);
	}
	if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		memcpy(w, &a, 4);
		memcpy(w + n - 4, &b, 4);
		return !((a | b) & 0x80808080u);
	}
	{
		unsigned acc = 0;
		for (; i < n; i++)
			acc |= (w[i] = p[i]);
		return !(acc & 0x80);
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
/* copy_ascii 32 bytes a step, where the CPU has AVX2 (n >= 32) */
__attribute__((target("avx2"), noinline)) static int copy_ascii_avx2(uc *w, const uint8_t *p,
								      size_t n)
{
	__m256i acc = _mm256_setzero_si256(), v;
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		v = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
		_mm256_storeu_si256((__m256i *)(void *)(w + i), v);
		acc = _mm256_or_si256(acc, v);
	}
	if (i < n) {
		v = _mm256_loadu_si256((const __m256i *)(const void *)(p + n - 32));
		_mm256_storeu_si256((__m256i *)(void *)(w + n - 32), v);
		acc = _mm256_or_si256(acc, v);
	}
	return !_mm256_movemask_epi8(acc);
}
#define COPY_ASCII_WIDE(w, p, n) \
	((n) >= 32 && __builtin_cpu_supports("avx2") ? copy_ascii_avx2(w, p, n) : copy_ascii(w, p, n))
#else
#define COPY_ASCII_WIDE(w, p, n) copy_ascii(w, p, n)
#endif

static inline __attribute__((always_inline)) uc *put_be16(uc *w, uint16_t v)
{
	v = __builtin_bswap16(v);
	memcpy(w, &v, 2);
	return w + 2;
}

static inline __attribute__((always_inline)) uc *put_be32(uc *w, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(w, &v, 4);
	return w + 4;
}

static inline __attribute__((always_inline)) uc *put_be64(uc *w, uint64_t v)
{
	v = __builtin_bswap64(v);
	memcpy(w, &v, 8);
	return w + 8;
}

/* msgpack's smallest form of v >= 0 (rp_uint64's bytes) */
static inline __attribute__((always_inline)) uc *put_uint(uc *w, uint64_t v)
{
	if (v < 128) {
		*w = (uc)v;
		return w + 1;
	}
	if (v < 256) {
		w[0] = 0xcc;
		w[1] = (uc)v;
		return w + 2;
	}
	if (v < 65536) {
		*w = 0xcd;
		return put_be16(w + 1, (uint16_t)v);
	}
	if (v < ((uint64_t)1 << 32)) {
		*w = 0xce;
		return put_be32(w + 1, (uint32_t)v);
	}
	*w = 0xcf;
	return put_be64(w + 1, v);
}

/* rp_int64's bytes */
static inline __attribute__((always_inline)) uc *put_int(uc *w, int64_t v)
{
	if (v >= 0)
		return put_uint(w, (uint64_t)v);
	if (v >= -32) {
		*w = (uc)v;
		return w + 1;
	}
	if (v >= -128) {
		w[0] = 0xd0;
		w[1] = (uc)v;
		return w + 2;
	}
	if (v >= -32768) {
		*w = 0xd1;
		return put_be16(w + 1, (uint16_t)v);
	}
	if (v >= -((int64_t)1 << 31)) {
		*w = 0xd2;
		return put_be32(w + 1, (uint32_t)v);
	}
	*w = 0xd3;
	return put_be64(w + 1, (uint64_t)v);
}

/* One row image of a table whose plan is set, every column present
 * (nulls: its null bitmap), packed at k from *pp (before end): 1 with *pp
 * after the image, or 0, nothing kept, where the row needs the long way
 * (a value out of its plan's range, text to convert, a short image, the
 * buffer near its end). */
static inline __attribute__((always_inline)) int
pack_fast(struct bl_decoder *d, const struct bl_table *t, const uint8_t **pp, const uint8_t *end,
	  const uint8_t *nulls, struct rp *k)
{
	size_t room = t->plan_room;
	uc *w = (uc *)k->w, *wend = (uc *)k->end;
	const uint8_t *p = *pp;
	uint32_t nc = t->ncols;
	const struct bl_col *col = t->cols;
	if (!room || (size_t)(wend - w) < room)
		return 0;
	if (nc < 16) {
		*w++ = (uc)(0x90 | nc);
	} else if (nc < 65536) {
		*w = 0xdc;
		w = put_be16(w + 1, (uint16_t)nc);
	} else {
		*w = 0xdd;
		w = put_be32(w + 1, nc);
	}
	for (uint32_t i = 0; i < nc; i++, col++) {
		unsigned n = col->plan_n;
		size_t left = (size_t)(end - p);
		if ((nulls[i / 8] >> (i % 8)) & 1) {
			*w++ = 0xc0;
			continue;
		}
		if (left < n)
			return 0;
		switch (col->plan) {
		case BL_PLAN_SINT: {
			uint64_t raw = le_bytes(p, n);
			if (n < 8 && (raw >> (8 * n - 1)) & 1)
				raw |= ~(uint64_t)0 << (8 * n);
			w = put_int(w, (int64_t)raw);
			p += n;
			break;
		}
		case BL_PLAN_UINT:
			w = put_uint(w, le_bytes(p, n));
			p += n;
			break;
		case BL_PLAN_TEXT: {
			int8_t ext;
			size_t len = bl_plan_text(d, col, p, (char *)w + 3, &ext);
			if (!len)
				return 0;
			if (len == 1 || len == 2 || len == 4 || len == 8 || len == 16) {
				w[0] = len == 1 ? 0xd4 : len == 2 ? 0xd5 : len == 4 ? 0xd6
					: len == 8 ? 0xd7 : 0xd8;
				w[1] = (uc)ext;
				memmove(w + 2, w + 3, len);
				w += 2 + len;
			} else { /* len < BL_PLAN_TEXT_MAX < 256 */
				w[0] = 0xc7;
				w[1] = (uc)len;
				w[2] = (uc)ext;
				w += 3 + len;
			}
			p += n;
			break;
		}
		default: { /* STR, BIN, ASCII */
			uint32_t len = (uint32_t)le_bytes(p, n);
			if (left - n < len || (size_t)(wend - w) < room + len)
				return 0;
			if (col->plan == BL_PLAN_BIN) {
				if (len < 256) {
					w[0] = 0xc4;
					w[1] = (uc)len;
					w += 2;
				} else if (len < 65536) {
					*w = 0xc5;
					w = put_be16(w + 1, (uint16_t)len);
				} else {
					*w = 0xc6;
					w = put_be32(w + 1, len);
				}
			} else if (len < 32) {
				*w++ = (uc)(0xa0 | len);
			} else if (len < 256) {
				w[0] = 0xd9;
				w[1] = (uc)len;
				w += 2;
			} else if (len < 65536) {
				*w = 0xda;
				w = put_be16(w + 1, (uint16_t)len);
			} else {
				*w = 0xdb;
				w = put_be32(w + 1, len);
			}
			if (!COPY_ASCII_WIDE(w, p + n, len) && col->plan == BL_PLAN_ASCII)
				return 0;
			w += len;
			p += n + (size_t)len;
			break;
		}
		}
	}
	k->w = (char *)w;
	*pp = p;
	return 1;
}

/* Whether the rows of ev can be packed here (the plan of its table set):
 * what row_begin and bl_row_pack refuse, or do otherwise, goes there. */
static int fast_ok(const struct bl_event *ev, const struct bl_table *t)
{
	int op = ev->rows_op;
	return op && t->plan_room && !t->bad[0] && !t->ndec_ext && !ev->partial && t->ncols &&
	       (op == MC_OP_INSERT || ev->np_before == t->ncols) &&
	       (op == MC_OP_DELETE || ev->np_after == t->ncols);
}

/* The next row of ev (fast_ok) packed at k: 1, or 0 with nothing kept. */
static inline __attribute__((always_inline)) int pack_row(struct bl_decoder *d,
							   struct bl_event *ev,
							   const struct bl_table *t, struct rp *k)
{
	const uint8_t *p = ev->rows_cur, *end = ev->rows_end, *nulls;
	size_t nb = (t->ncols + 7) / 8;
	char *w0 = k->w;
	int op = ev->rows_op;
	if (op == MC_OP_INSERT) {
		if (k->w == k->end)
			return 0;
		*k->w++ = (char)0xc0;
	} else {
		if ((size_t)(end - p) < nb)
			goto back;
		nulls = p;
		p += nb;
		if (!pack_fast(d, t, &p, end, nulls, k))
			goto back;
	}
	if (op == MC_OP_DELETE) {
		if (k->w == k->end)
			goto back;
		*k->w++ = (char)0xc0;
	} else {
		if ((size_t)(end - p) < nb)
			goto back;
		nulls = p;
		p += nb;
		if (!pack_fast(d, t, &p, end, nulls, k))
			goto back;
	}
	ev->rows_cur = p;
	return 1;
back:
	k->w = w0;
	return 0;
}

int bl_pack_row_fast(struct bl_decoder *d, struct bl_event *ev, struct rp *k)
{
	return fast_ok(ev, ev->table) && pack_row(d, ev, ev->table, k);
}

size_t bl_pack_rows(struct bl_decoder *d, struct bl_event *ev, struct rp *k, const char *pre,
		    size_t npre, uint64_t row, int64_t when, size_t stop)
{
	const struct bl_table *t = ev->table;
	size_t n = 0, need;
	if (!t || !t->plan_ok || npre > 64 || !fast_ok(ev, t))
		return 0;
	/* the fixed-size copy of pre, the position, the images' fixed parts */
	need = 64 + 18 + 2 * t->plan_room;
	while (ev->rows_cur < ev->rows_end && (size_t)(k->w - k->b->p) < stop &&
	       (size_t)(k->end - k->w) >= need) {
		uc *w = (uc *)k->w;
		char *w0 = k->w;
		memcpy(w, pre, 64);
		w = put_uint(w + npre, row + n);
		k->w = (char *)put_int(w, when);
		if (!pack_row(d, ev, t, k)) {
			k->w = w0;
			break;
		}
		n++;
	}
	return n;
}
