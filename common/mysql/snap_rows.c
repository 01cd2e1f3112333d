/* snap_rows.c: the chunk's rows as records, and their read through the
 * text protocol.
 *
 * Every row record of one read shares its fields before the values (kind,
 * op, db, table, schema version, watermark, time, the absent before
 * image): they are packed once (snap_rows_head) and copied before each
 * row's values (snap_rows_put), the bytes rec_encode gives, with the same
 * checks of the values.
 *
 * A table without FLOAT or DOUBLE columns is read through the text
 * protocol, its rows as their packets (snap_pkt.c): the server sends every value as its text
 * or its bytes, which are the bytes the binary protocol gives for
 * strings, bytes, BIT, DECIMAL and JSON, and the texts the binary path
 * formats for temporal values (checked: the length their column's
 * fraction digits give, else the read stops with an error); integers are
 * parsed from their digits. FLOAT and DOUBLE keep the binary protocol: the
 * server's text of them need not give back their bits. MC_SNAP_PROTOCOL=
 * binary takes the binary protocol for every table (tests compare both). */
#include "mysql/snap.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "mysql/myconn.h"
#include "stream/recpack.h"

static size_t fmt_frac(char *o, size_t at, unsigned long us, unsigned frac)
{
	if (frac == 0)
		return at;
	char d[8];
	snprintf(d, sizeof d, "%06lu", us % 1000000);
	o[at++] = '.';
	memcpy(o + at, d, frac);
	return at + frac;
}

size_t snap_fmt_time(const MYSQL_TIME *tm, uint8_t vk, unsigned frac, char *o)
{
	int n;
	if (vk == MC_V_TIME) {
		unsigned long h = (unsigned long)tm->day * 24 + tm->hour;
		n = snprintf(o, 48, "%s%02lu:%02u:%02u", tm->neg ? "-" : "", h, tm->minute % 100,
			     tm->second % 100);
	} else if (vk == MC_V_DATE) {
		return (size_t)snprintf(o, 48, "%04u-%02u-%02u", tm->year % 10000, tm->month % 100,
					tm->day % 100);
	} else {
		n = snprintf(o, 48, "%04u-%02u-%02u %02u:%02u:%02u", tm->year % 10000,
			     tm->month % 100, tm->day % 100, tm->hour % 100, tm->minute % 100,
			     tm->second % 100);
	}
	return fmt_frac(o, (size_t)n, tm->second_part, frac);
}

int snap_rows_head(struct snap_reader *rd, const struct mc_rec *r, struct mc_err *err)
{
	struct rp k;
	rd->head.len = 0;
	if (rp_open(&k, &rd->head, 64 + r->db.n + r->table.n) < 0)
		return mc_oom(err, "a record");
	rp_row_head(&k, r);
	mcpk_nil(&k); /* the before image */
	if (rp_close(&k) < 0)
		return mc_oom(err, "a record");
	return 0;
}

int snap_rows_put(struct snap_reader *rd, size_t n, struct mc_buf *out, struct mc_err *err)
{
	struct rp k;
	const struct mc_val *v = rd->vals;
	if (rp_open(&k, out, rd->head.len + 10 * n + 16) < 0)
		return mc_oom(err, "a record");
	memcpy(k.w, rd->head.p, rd->head.len);
	k.w += rd->head.len;
	rp_array(&k, n);
	for (size_t i = 0; i < n; i++, v++) {
		/* as rec_encode checks them: floats and texts of a form */
		if (v->kind >= MC_V_F32 && v->kind != MC_V_STR && v->kind != MC_V_BIN &&
		    rec_val_validate(v, err) < 0) {
			rp_abort(&k);
			return mc_errctx(err, "after value %zu: ", i + 1);
		}
		rp_val(&k, v);
	}
	if (rp_close(&k) < 0)
		return mc_oom(err, "a record");
	return 0;
}

/* The chunk's end bound: split column i's literal from the read's last
 * row by lit (the protocol's), into *last. */
int snap_last_bound(const struct snap_table *t, struct snap_reader *rd, snap_lit_fn lit,
		    MYSQL_ROW row, const unsigned long *len, snap_bound *last, struct mc_err *err)
{
	size_t hexcol = t->ncols;
	char **b = calloc(t->nsplit, sizeof *b);
	for (size_t i = 0; b && i < t->nsplit; i++)
		if (!(b[i] = lit(t, rd, row, len, i, &hexcol))) {
			snap_bound_free(b, t->nsplit);
			b = NULL;
		}
	if (!b)
		return mc_oom(err, "a chunk bound");
	*last = b;
	return 0;
}

int snap_row_full(const struct snap_table *t, struct snap_reader *rd, snap_lit_fn lit,
		  MYSQL_ROW row, const unsigned long *len, const struct mc_buf *out,
		  struct snap_ticks *tk, snap_bound *last, struct mc_err *err)
{
	if (snap_last_bound(t, rd, lit, row, len, last, err) < 0)
		return -1;
	return snap_tick_row(tk, out->len, 1) < 0 ? -2 : 1;
}

int snap_tick_end(struct snap_ticks *k, size_t len)
{
	if (!k->fn || !k->rows)
		return 0;
	int rc = k->fn(k->ctx, k->rows, len - k->len);
	k->rows = 0;
	k->len = len;
	return rc;
}

int snap_use_text(const struct snap_table *t)
{
	const char *p = getenv("MC_SNAP_PROTOCOL");
	if (p && strcmp(p, "binary") == 0)
		return 0;
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].vk == MC_V_F32 || t->cols[i].vk == MC_V_F64)
			return 0;
	return 1;
}

/* The value of 1 to 8 ASCII digits s[0..n) into *u, by SWAR (eight bytes
 * at a time): -1 if any is not a digit. Only s[0..n) is read: two
 * overlapping loads of 4 (n >= 4) or 1 and 2 (n < 4) bytes. */
static inline __attribute__((always_inline)) int digits8(const char *s, size_t n, uint64_t *u)
{
	uint64_t w;
	if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		w = (uint64_t)a | (uint64_t)b << (8 * (n - 4)); /* the overlap is the same bytes */
	} else {
		uint16_t b = 0;
		if (n >= 2)
			memcpy(&b, s + n - 2, 2);
		w = (uint64_t)(unsigned char)s[0] | (uint64_t)b << (8 * (n - 2 + (n < 2)));
		if (n < 2)
			w &= 0xff;
	}
	/* the digits at the high end, '0's below them: "1234" -> "00001234" */
	if (n < 8)
		w = w << (8 * (8 - n)) | (0x3030303030303030ull >> (8 * n));
	/* every byte in '0'..'9': its high nibble 3, and adding 6 keeps it 3 */
	if (((w & 0xf0f0f0f0f0f0f0f0ull) | ((w + 0x0606060606060606ull) & 0xf0f0f0f0f0f0f0f0ull) >> 4) !=
	    (0x3030303030303030ull | 0x0303030303030303ull))
		return -1;
	w -= 0x3030303030303030ull;
	w = (w * 10 + (w >> 8)) & 0x00ff00ff00ff00ffull;     /* pairs */
	w = (w * 100 + (w >> 16)) & 0x0000ffff0000ffffull;   /* fours */
	*u = (w * 10000 + (w >> 32)) & 0xffffffffull;        /* eight */
	return 0;
}

/* An integer's text: [-]digits (ZEROFILL pads with zeros), in range. */
static inline __attribute__((always_inline)) int int_text(const char *s, size_t n, int is_unsigned, struct mc_val *v)
{
	int neg = n > 0 && s[0] == '-';
	size_t i = (size_t)neg;
	uint64_t u = 0;
	if (n == i || (neg && is_unsigned))
		return -1;
	if (n - i <= 8) {
		if (digits8(s + i, n - i, &u) < 0)
			return -1;
		i = n;
	}
	/* 19 digits cannot overflow; more go through the checked multiply */
	for (size_t e = n - i > 19 ? i + 19 : n; i < e; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';
		if (d > 9)
			return -1;
		u = u * 10 + d;
	}
	for (; i < n; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';
		if (d > 9 || __builtin_mul_overflow(u, 10, &u) || __builtin_add_overflow(u, d, &u))
			return -1;
	}
	if (neg) {
		if (u > (uint64_t)INT64_MAX + 1)
			return -1;
		v->kind = MC_V_INT;
		v->v.i = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	} else if (!is_unsigned && u > INT64_MAX) {
		return -1;
	} else {
		v->v.u = u;
		v->kind = u > INT64_MAX ? MC_V_UINT : MC_V_INT;
	}
	return 0;
}

/* Is s[0..n) a temporal text of c's form, as snap_fmt_time writes it: its
 * fixed length (hours of 2 or 3 digits for TIME) and c->frac fraction
 * digits? The encoder checks the characters. */
static int tm_text(const struct snap_col *c, const char *s, size_t n)
{
	size_t f = c->frac ? c->frac + 1 : 0;
	if (n < f || (f && s[n - f] != '.'))
		return 0;
	n -= f;
	if (memchr(s, '.', n))
		return 0;
	switch (c->vk) {
	case MC_V_DATE:
		return n == 10 && !f;
	case MC_V_DATETIME:
	case MC_V_TIMESTAMP:
		return n == 19;
	default:
		if (n && s[0] == '-')
			n--;
		return n == 8 || n == 9;
	}
}

/* The split key's value i of the row as a literal (the text of its
 * column, an integer as the binary path prints it, or the hex column). */
static char *text_lit(const struct snap_table *t, struct snap_reader *rd, MYSQL_ROW row,
		      const unsigned long *len, size_t i, size_t *hexcol)
{
	size_t ci = t->split[i];
	const struct snap_col *c = &t->cols[ci];
	char tmp[32];
	if (c->kk == SNAP_K_STR) {
		size_t h = (*hexcol)++;
		return snap_make_lit(c, row[h], len[h]);
	}
	if (c->vk == MC_V_INT) {
		const struct mc_val *v = &rd->vals[ci];
		int n = v->kind == MC_V_UINT ? snprintf(tmp, sizeof tmp, "%" PRIu64, v->v.u)
					     : snprintf(tmp, sizeof tmp, "%" PRId64, v->v.i);
		return snap_make_lit(c, tmp, (size_t)n);
	}
	return snap_make_lit(c, row[ci], len[ci]);
}

static inline int text_conv(const struct snap_col *c, const char *s, size_t n, struct mc_val *v)
{
	v->kind = c->vk;
	v->v.s = mc_str_c(s, n);
	switch (c->vk) {
	case MC_V_INT:
		return int_text(s, n, (c->flags & MC_CF_UNSIGNED) != 0, v);
	case MC_V_DATE:
	case MC_V_DATETIME:
	case MC_V_TIMESTAMP:
	case MC_V_TIME:
		return tm_text(c, s, n) ? 0 : -1;
	default:
		return 0;
	}
}

int snap_text_conv(const struct snap_col *c, const char *s, size_t n, struct mc_val *v)
{
	return text_conv(c, s, n, v);
}

static int bad_value(const struct snap_col *c, uint64_t row, const char *s, size_t n,
		     struct mc_err *err)
{
	return mc_errf(err, MC_EXIT_DATA,
		       "column '%s' (%s), row %llu of the chunk read: the server sent '%.*s', "
		       "not a value of the column's form",
		       c->name, c->mysql_type, (unsigned long long)row, (int)(n > 64 ? 64 : n), s);
}

/* The next length-encoded value of a row packet at *pp (before end) into
 * *s, *n (*s NULL: 0xfb, NULL): 0, or -1 when it does not fit. */
static inline __attribute__((always_inline)) int pkt_val(const unsigned char **pp,
							  const unsigned char *end, char **s,
							  unsigned long *n)
{
	const unsigned char *p = *pp;
	if (p >= end)
		return -1;
	uint64_t len = *p++;
	if (len >= 0xfb) {
		if (len == 0xfb) {
			*s = NULL;
			*n = 0;
			*pp = p;
			return 0;
		}
		size_t w = len == 0xfc ? 2 : len == 0xfd ? 3 : len == 0xfe ? 8 : 0;
		if (!w || (size_t)(end - p) < w)
			return -1;
		len = 0;
		for (size_t k = 0; k < w; k++)
			len |= (uint64_t)p[k] << (8 * k);
		p += w;
	}
	if (len > (uint64_t)(end - p))
		return -1;
	*s = (char *)p;
	*n = (unsigned long)len;
	*pp = p + len;
	return 0;
}

static int bad_packet(uint64_t row, size_t n, size_t nb, struct mc_err *err)
{
	return mc_errf(err, MC_EXIT_DATA,
		       "reading a chunk: row %llu: the server's row of %zu bytes is not %zu "
		       "length-encoded values",
		       (unsigned long long)row, n, nb);
}

/* Row number rowno's values split from its packet, converted (rd->vals)
 * and packed after the read's shared fields, in one pass: the bytes and
 * checks of snap_rows_put. */
static inline __attribute__((always_inline)) int text_row(struct snap_reader *rd, const struct snap_table *t, size_t nb,
			   const unsigned char *pkt, size_t pn, uint64_t rowno, struct mc_buf *out,
			   struct mc_err *err)
{
	struct rp k;
	size_t nc = t->ncols;
	const unsigned char *p = pkt, *end = pkt + pn;
	char **row = rd->row;
	unsigned long *len = rd->len;
	if (rp_open(&k, out, rd->head.len + 10 * nc + 16) < 0)
		return mc_oom(err, "a record");
	memcpy(k.w, rd->head.p, rd->head.len);
	k.w += rd->head.len;
	rp_array(&k, nc);
	for (size_t i = 0; i < nc; i++) {
		struct mc_val *v = &rd->vals[i];
		const struct snap_col *c = &t->cols[i];
		if (pkt_val(&p, end, &row[i], &len[i]) < 0)
			goto malformed;
		const char *s = row[i];
		size_t sn = len[i];
		if (!s) {
			v->kind = MC_V_NULL;
			rp_nil(&k);
			continue;
		}
		if (c->vk == MC_V_INT) {
			if (int_text(s, sn, (c->flags & MC_CF_UNSIGNED) != 0, v) < 0)
				goto bad;
			if (v->kind == MC_V_INT)
				rp_int64(&k, v->v.i);
			else
				rp_uint64(&k, v->v.u);
			continue;
		}
		if (!c->cs && (c->vk == MC_V_STR || c->vk == MC_V_BIN)) {
			v->kind = c->vk;
			v->v.s = mc_str_c(s, sn);
			if (c->vk == MC_V_STR)
				rp_str(&k, s, sn);
			else
				rp_bin(&k, s, sn);
			continue;
		}
		if (text_conv(c, s, sn, v) < 0)
			goto bad;
		if (c->cs && snap_text_value(rd, t, i, rowno, v, err) < 0) {
			rp_abort(&k);
			return -1;
		}
		/* as rec_encode checks them: floats and texts of a form */
		if (v->kind >= MC_V_F32 && v->kind != MC_V_STR && v->kind != MC_V_BIN &&
		    rec_val_validate(v, err) < 0) {
			rp_abort(&k);
			return mc_errctx(err, "after value %zu: ", i + 1);
		}
		rp_val(&k, v);
		continue;
	bad:
		rp_abort(&k);
		return bad_value(c, rowno, s, sn, err);
	}
	for (size_t i = nc; i < nb; i++) /* the HEX() of string split key columns */
		if (pkt_val(&p, end, &row[i], &len[i]) < 0 || !row[i])
			goto malformed;
	if (p != end)
		goto malformed;
	if (rp_close(&k) < 0)
		return mc_oom(err, "a record");
	return 0;
malformed:
	rp_abort(&k);
	return bad_packet(rowno, pn, nb, err);
}

int snap_text_row(struct snap_reader *rd, const struct snap_table *t, size_t nb,
		  const unsigned char *p, size_t n, uint64_t rowno, struct mc_buf *out,
		  struct mc_err *err)
{
	return text_row(rd, t, nb, p, n, rowno, out, err);
}

int snap_read_text(MYSQL *m, struct snap_reader *rd, const struct snap_table *t, const char *q,
		   size_t qlen, uint64_t limit, const struct mc_pos *wm, int64_t tm,
		   struct mc_buf *out, uint64_t *nrows, snap_bound *last, snap_tick_fn tick,
		   void *tick_ctx, struct mc_err *err)
{
	size_t nb = t->ncols;
	for (size_t i = 0; i < t->nsplit; i++)
		nb += t->cols[t->split[i]].kk == SNAP_K_STR; /* their HEX() */
	uint64_t n = 0;
	size_t start_len = out->len;
	struct snap_ticks tk = { tick, tick_ctx, 0, out->len };
	struct mc_rec r;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_ROW;
	r.op = MC_OP_SNAPSHOT;
	r.db = mc_str_c(t->db, strlen(t->db));
	r.table = mc_str_c(t->name, strlen(t->name));
	r.schema_version = 1;
	r.pos = *wm;
	r.time = tm;
	if (snap_rows_head(rd, &r, err) < 0)
		return -1;
	if (mysql_real_query(m, q, (unsigned long)qlen) != 0)
		return my_fail(m, err, "reading a chunk");
	snap_sock_begin(m, &rd->sock);
	if (mysql_field_count(m) != nb) {
		mc_errf(err, MC_EXIT_DATA, "the chunk query returns %u columns, expected %zu",
			mysql_field_count(m), nb);
		goto fail;
	}
	for (;;) {
		const unsigned char *p = NULL;
		size_t pn = 0;
		int g = snap_sock_next(m, &rd->sock, &p, &pn, err);
		if (g < 0)
			goto fail;
		if (g == 0)
			break;
		if (text_row(rd, t, nb, p, pn, n + 1, out, err) < 0)
			goto fail;
		int e = snap_row_end(t, rd, text_lit, rd->row, rd->len, ++n, limit, start_len, out,
				     &tk, last, err);
		if (e == -1)
			goto fail;
		if (e == -2)
			goto stopped;
		if (e)
			break;
	}
	if (snap_tick_end(&tk, out->len) < 0)
		goto stopped;
	/* the rows left after a stop (at most the limit's) are read and dropped */
	snap_sock_skip(m, &rd->sock);
	if (mysql_errno(m))
		return my_fail(m, err, "reading a chunk");
	*nrows = n;
	return 0;
stopped:
	mc_errf(err, MC_EXIT_DATA, "read stopped");
fail:
	if (*last) {
		snap_bound_free(*last, t->nsplit);
		*last = NULL;
	}
	snap_sock_skip(m, &rd->sock);
	return -1;
}
