/* binlog_value.c: column values of rows events into struct mc_val
 * (docs/record-format.md, "Values"). */
#include "binlog/binlog.h"
#include "base/charset.h"
#include "binlog/binlog_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/alloc.h"
#include "binlog/binlog_comp.h"

static inline __attribute__((always_inline)) uint32_t le_n(const uint8_t *p, unsigned n)
{
	switch (n) {
	case 1: return p[0];
	case 2: return le16(p);
	case 3: return le16(p) | (uint32_t)p[2] << 16;
	case 4: return le32(p);
	default: {
		uint32_t v = 0;
		for (unsigned i = 0; i < n; i++)
			v |= (uint32_t)p[i] << (8 * i);
		return v;
	}
	}
}


/* Charsets ---------------------------------------------------------- */

const char *bl_charset_name(uint16_t c, int *mb)
{
	const struct cs_info *cs = cs_by_collation(c);
	*mb = cs ? cs->mbmax : 1;
	return cs ? cs->name : "other";
}

enum { CONV_PASS = 0, CONV_BIN, CONV_CS, CONV_NOCS_TEXT, CONV_NOCS_BLOB, CONV_INET6, CONV_UUID,
       CONV_INET4 };

void bl_col_setup(struct bl_col *c)
{
	const struct cs_info *cs;
	if (c->has_charset)
		c->guess &= (uint8_t)~BL_GUESS_CHARSET;
	if (!c->has_charset) {
		c->conv = c->type == BL_T_BLOB || c->type == BL_T_TINY_BLOB ||
				  c->type == BL_T_MEDIUM_BLOB || c->type == BL_T_LONG_BLOB ||
				  c->type == BL_T_BLOB_COMPRESSED
			  ? CONV_NOCS_BLOB : CONV_NOCS_TEXT;
		return;
	}
	cs = cs_by_collation(c->charset);
	c->conv = !cs || cs->how == CS_PASS ? CONV_PASS : cs->how == CS_BINARY ? CONV_BIN : CONV_CS;
}

void bl_col_plan(struct bl_col *c)
{
	int text = c->conv == CONV_PASS || c->conv == CONV_NOCS_TEXT;
	int bin = c->conv == CONV_BIN || c->conv == CONV_NOCS_BLOB;
	const struct cs_info *cs = c->conv == CONV_CS ? cs_by_collation(c->charset) : NULL;
	/* a charset converted whose ASCII text is the same in UTF-8 */
	int ascii = cs && cs_same(cs, "a", 1);
	c->plan = BL_PLAN_VALUE;
	c->plan_n = 0;
	switch (c->type) {
	case BL_T_TINY: c->plan_n = 1; break;
	case BL_T_SHORT: c->plan_n = 2; break;
	case BL_T_INT24: c->plan_n = 3; break;
	case BL_T_LONG: c->plan_n = 4; break;
	case BL_T_LONGLONG: c->plan_n = 8; break;
	case BL_T_STRING: /* BINARY(n) is padded back, INET6.. made text: bl_value */
		if (text || ascii) {
			/* a charset not known: ASCII only, the rest the long way */
			c->plan = text && !c->guess ? BL_PLAN_STR : BL_PLAN_ASCII;
			c->plan_n = c->maxlen > 255 ? 2 : 1;
		}
		return;
	case BL_T_VARCHAR: case BL_T_VAR_STRING:
		if (text || bin || ascii) {
			c->plan = text && !c->guess ? BL_PLAN_STR : bin ? BL_PLAN_BIN : BL_PLAN_ASCII;
			c->plan_n = c->maxlen > 255 ? 2 : 1;
		}
		return;
	case BL_T_BLOB: case BL_T_TINY_BLOB: case BL_T_MEDIUM_BLOB: case BL_T_LONG_BLOB:
		if ((text || bin || ascii) && c->meta >= 1 && c->meta <= 4) {
			c->plan = text ? BL_PLAN_STR : bin ? BL_PLAN_BIN : BL_PLAN_ASCII;
			c->plan_n = (uint8_t)c->meta;
		}
		return;
	/* texts bl_plan_text makes (old-format temporals whose fraction is
	 * not in the map, dec_ext, are decoded as what is known at the time) */
	case BL_T_NEWDECIMAL: {
		unsigned prec = c->meta >> 8, scale = c->meta & 0xff;
		if (prec && prec <= 65 && scale <= 30 && scale <= prec) {
			c->plan = BL_PLAN_TEXT;
			c->plan_n = (uint8_t)bl_decimal_size(prec, scale);
		}
		return;
	}
	case BL_T_DATE: case BL_T_NEWDATE: c->plan = BL_PLAN_TEXT; c->plan_n = 3; return;
	case BL_T_DATETIME: case BL_T_TIMESTAMP:
		if (!c->dec_ext) {
			c->plan = BL_PLAN_TEXT;
			c->plan_n = c->type == BL_T_DATETIME ? 8 : 4;
		}
		return;
	case BL_T_DATETIME2: case BL_T_TIMESTAMP2:
		if (c->meta <= 6) {
			c->plan = BL_PLAN_TEXT;
			c->plan_n = (uint8_t)((c->type == BL_T_DATETIME2 ? 5 : 4) + (c->meta + 1) / 2);
		}
		return;
	default:
		return;
	}
	if (!(c->guess & BL_GUESS_SIGN))
		c->plan = c->is_unsigned ? BL_PLAN_UINT : BL_PLAN_SINT;
}

void bl_col_fbt(struct bl_col *c, unsigned kind)
{
	if (c->type == BL_T_STRING && c->conv == CONV_BIN &&
	    c->maxlen == (kind == BL_FBT_INET4 ? 4u : 16u) && kind >= BL_FBT_INET6 &&
	    kind <= BL_FBT_INET4)
		c->conv = (uint8_t)(CONV_INET6 + (kind - BL_FBT_INET6));
}

int bl_col_fbt_candidate(const struct bl_col *c)
{
	return c->type == BL_T_STRING && c->conv == CONV_BIN && (c->maxlen == 16 || c->maxlen == 4);
}

/* The text of an INET6 (16 bytes), UUID (16) or INET4 (4) value as the
 * server's SELECT prints it, into o (at least 48 bytes). INET6: the
 * longest run of zero words (the first of equal ones, even of one word)
 * is "::"; the IPv4-compatible (::a.b.c.d) and IPv4-mapped
 * (::ffff:a.b.c.d) forms end in dotted quads (MariaDB's Inet6). */
static size_t fbt_text(unsigned conv, const uint8_t *p, char *o)
{
	size_t k = 0;
	if (conv == CONV_INET4)
		return (size_t)snprintf(o, 48, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
	if (conv == CONV_UUID) {
		for (unsigned i = 0; i < 16; i++) {
			if (i == 4 || i == 6 || i == 8 || i == 10)
				o[k++] = '-';
			k += (size_t)snprintf(o + k, 3, "%02x", p[i]);
		}
		return k;
	}
	unsigned w[8], gpos = 0, glen = 0;
	for (unsigned i = 0; i < 8; i++)
		w[i] = (unsigned)p[2 * i] << 8 | p[2 * i + 1];
	for (unsigned i = 0; i < 8;) {
		unsigned j = i;
		while (j < 8 && w[j] == 0)
			j++;
		if (j - i > glen) {
			gpos = i;
			glen = j - i;
		}
		i = j > i ? j : i + 1;
	}
	if (gpos == 0 && (glen == 6 || (glen == 5 && w[5] == 0xffff)))
		return (size_t)snprintf(o, 48, "::%s%u.%u.%u.%u", glen == 5 ? "ffff:" : "", p[12],
					p[13], p[14], p[15]);
	for (unsigned i = 0; i < 8; i++) {
		if (glen && i == gpos) {
			o[k++] = ':';
			o[k++] = ':';
			i += glen - 1;
			continue;
		}
		if (k && o[k - 1] != ':')
			o[k++] = ':';
		k += (size_t)snprintf(o + k, 6, "%x", w[i]);
	}
	return k;
}

/* s[0..n) of a column in collation coll to UTF-8: *out points at s when
 * the bytes are the same, else into the arena. A collation not known
 * here: its text must be UTF-8 already (kept as it is). */
static int to_utf8(struct bl_decoder *d, uint16_t coll, const char *s, size_t n,
		   struct mc_str *out, struct mc_err *err)
{
	const struct cs_info *cs = cs_by_collation(coll);
	size_t bad;
	char *o;
	int rc;
	if (!cs || cs_same(cs, s, n)) {
		*out = mc_str_c(s, n);
		return 0;
	}
	d->csbuf.len = 0;
	if ((rc = cs_to_utf8(&d->cs, cs, s, n, &d->csbuf, &bad, err)) < 0)
		return rc == -2 ? cs_bad(err, cs, bad) : -1;
	if (!(o = bl_arena_alloc(&d->arena, d->csbuf.len + 1)))
		return mc_oom(err, "row");
	memcpy(o, d->csbuf.p, d->csbuf.len);
	*out = mc_str_c(o, d->csbuf.len);
	return 0;
}

void bl_col_where(char *buf, size_t n, const struct bl_table *t, uint32_t i, const char *name)
{
	struct mc_str nm = name ? mc_str_c(name, strlen(name)) : t->cols[i].name;
	snprintf(buf, n, "table `%.*s`.`%.*s`: column %u%s%.*s%s",
		 (int)(t->db.n > 64 ? 64 : t->db.n), t->db.p,
		 (int)(t->name.n > 64 ? 64 : t->name.n), t->name.p, i + 1, nm.n ? " (" : "",
		 (int)(nm.n > 64 ? 64 : nm.n), nm.n ? nm.p : "", nm.n ? ")" : "");
}

void bl_table_label_bad(struct bl_table *t, uint32_t i, const char *name, const char *what)
{
	char where[256];
	bl_col_where(where, sizeof where, t, i, name);
	snprintf(t->bad, sizeof t->bad,
		 "%s: %s: its text cannot be known (an ALTER TABLE ... CONVERT TO CHARACTER SET "
		 "keeps the bytes of ENUM and SET labels in another charset as they were, under the "
		 "new one); redefine the column's labels on the server (ALTER TABLE ... MODIFY) and "
		 "load a new snapshot of the table, or leave it out with --tables", where, what);
}

/* The labels in UTF-8 as the server holds them, converted or checked by
 * cs_label_utf8 (base/charset.c, the snapshot's code too). A label whose
 * bytes are no text of its charset, or that holds a NUL (which the type
 * text cannot carry), refuses the table (t->bad; its map is kept for the
 * tables around it): never bytes that are not UTF-8, never a guess. */
int bl_table_labels(struct bl_decoder *d, struct bl_table *t, struct mc_err *err)
{
	size_t nl = 0, bytes = 0, at = 0;
	struct mc_str *l = NULL;
	char *text = NULL, why[160];
	/* pass 0 checks, and finds whether any label changes; pass 1 keeps the
	 * converted labels in one block (the label array, then their text,
	 * freed with t->labels) */
	for (int pass = 0; pass < 2; pass++) {
		int conv = 0;
		for (uint32_t i = 0; i < t->ncols; i++) {
			const struct bl_col *c = &t->cols[i];
			const struct cs_info *cs = c->has_charset ? cs_by_collation(c->charset) : NULL;
			for (uint32_t k = 0; k < c->nlabels; k++) {
				const char *p = c->labels[k].p;
				size_t n = c->labels[k].n;
				int rc = cs_label_utf8(&d->cs, cs, p, n, &d->csbuf, why, sizeof why, err);
				if (rc == -2) {
					char what[200];
					snprintf(what, sizeof what, "%s label %u %s",
						 c->type == BL_T_ENUM ? "ENUM" : "SET", k + 1, why);
					bl_table_label_bad(t, i, NULL, what);
				}
				if (rc < 0) {
					free(l);
					return rc == -2 ? 0 : -1;
				}
				if (pass == 0) {
					nl++;
					bytes += d->csbuf.len + 1;
					conv |= d->csbuf.len != n || (n && memcmp(d->csbuf.p, p, n));
					continue;
				}
				memcpy(text + at, d->csbuf.p, d->csbuf.len);
				l[nl++] = mc_str_c(text + at, d->csbuf.len);
				at += d->csbuf.len;
			}
		}
		if (pass == 0 && !conv)
			return 0;
		if (pass == 0) {
			if (!(l = malloc(nl * sizeof *l + bytes)))
				return mc_oom(err, "table map");
			text = (char *)(l + nl);
			nl = 0;
		}
	}
	/* every label converted: the columns take theirs */
	nl = 0;
	for (uint32_t i = 0; i < t->ncols; i++) {
		struct bl_col *c = &t->cols[i];
		if (c->nlabels)
			c->labels = l + nl;
		nl += c->nlabels;
	}
	free(t->labels);
	t->labels = l;
	return 0;
}

/* A value whose reading depends on what the table map does not say. */
static int guess_refused(struct mc_err *err, const char *what, const char *unknown, int cs)
{
	return mc_errf(err, MC_EXIT_DATA, "%s, and the table map does not carry %s, nor was "
		       "its CREATE TABLE read%s: the value cannot be known exactly; %sset "
		       "binlog_row_metadata=FULL on the server", what, unknown,
		       cs ? "" : " or --schema given",
		       cs ? "read from before the table's CREATE TABLE, or "
			  : "give --schema FILE (mc-snapshot's schema records of the table), or ");
}

/* Text in a column's charset to a value: UTF-8 text as it is, the other
 * charsets converted (base/charset.c, the snapshot's code too), binary as
 * bytes. */
static int text_value(struct bl_decoder *d, const struct bl_col *c, const uint8_t *p, size_t n,
		      struct mc_val *v, struct mc_err *err)
{
	switch (c->conv) {
	case CONV_PASS: case CONV_NOCS_TEXT:
		/* (no charset known: UTF-8, the server's default, taken as it
		 * is; bytes that are not UTF-8 are of another charset) */
		if ((c->guess & BL_GUESS_CHARSET) && cs_utf8_valid((const char *)p, n, 4) < n)
			return guess_refused(err, "text that is not UTF-8",
					     "its charset (binlog_row_metadata=NO_LOG)", 1);
		v->kind = MC_V_STR;
		v->v.s = mc_str_c((const char *)p, n);
		return 0;
	case CONV_BIN: case CONV_NOCS_BLOB: case CONV_INET6: case CONV_UUID: case CONV_INET4:
		v->kind = MC_V_BIN;
		v->v.s = mc_str_c((const char *)p, n);
		return 0;
	}
	v->kind = MC_V_STR;
	return to_utf8(d, c->charset, (const char *)p, n, &v->v.s, err);
}

/* Helpers for text values ------------------------------------------- */

static int set_text(struct bl_decoder *d, struct mc_val *v, int kind, const char *s, size_t n,
		    struct mc_err *err)
{
	char *o = bl_arena_alloc(&d->arena, n + 1);
	if (!o)
		return mc_oom(err, "row");
	memcpy(o, s, n);
	o[n] = 0;
	v->kind = (uint8_t)kind;
	v->v.s = mc_str_c(o, n);
	return 0;
}

/* Text written straight into the arena's room (bl_arena_room): taken
 * there, NUL-terminated like set_text's. */
static int room_text(struct bl_decoder *d, struct mc_val *v, int kind, char *o, size_t n)
{
	o[n] = 0;
	bl_arena_take(&d->arena, n + 1);
	v->kind = (uint8_t)kind;
	v->v.s = mc_str_c(o, n);
	return 0;
}

#define ROOM(o, n)                                              \
	do {                                                    \
		if (!((o) = bl_arena_room(&d->arena, (n))))     \
			return mc_oom(err, "row");              \
	} while (0)

/* Temporal (the texts: binlog_time.c) ------------------------------------ */

/* Read the fractional part of TIME2/DATETIME2/TIMESTAMP2: dec digits in
 * (dec+1)/2 bytes, big-endian; returns microseconds (unsigned form). */
static unsigned frac_bytes(unsigned dec) { return (dec + 1) / 2; }

static int timestamp_text(struct bl_decoder *d, struct mc_val *v, uint32_t sec, uint32_t usec,
			  unsigned dec, struct mc_err *err)
{
	char *o;
	ROOM(o, 48);
	return room_text(d, v, MC_V_TIMESTAMP, o, (size_t)(bl_ts_text(d, sec, usec, dec, o) - o));
}

/* Values ------------------------------------------------------------ */

#define NEED(k)                                                                         \
	do {                                                                            \
		if (n < (size_t)(k))                                                    \
			return EBAD("value needs %zu bytes, %zu left", (size_t)(k), n);  \
	} while (0)

/* MariaDB's old-format TIME(n), DATETIME(n), TIMESTAMP(n), n = 1..6 (its
 * sql/field.cc Field_time_hires, Field_datetime_hires, Field_timestamp_hires),
 * as the binlog carries them (the record bytes):
 * - TIME(n): 4,4,5,5,5,6 bytes for n = 1..6 (time_bytes), big-endian:
 *   the signed microseconds / 10^(6-n), plus 838:59:59 + 1 s in the same unit;
 * - DATETIME(n): 6,6,7,7,7,8 bytes (datetime_bytes), big-endian:
 *   ((((((year*13 + month)*32 + day)*24 + hour)*60 + min)*60 + sec)*10^6
 *   + usec) / 10^(6-n);
 * - TIMESTAMP(n): 4 bytes big-endian seconds since the epoch, then usec /
 *   10^(6-n) big-endian in 1,1,2,2,3,3 bytes. */
static const uint8_t time_bytes[7] = { 3, 4, 4, 5, 5, 5, 6 };
static const uint8_t datetime_bytes[7] = { 5, 6, 6, 7, 7, 7, 8 };
static const uint8_t tsfrac_bytes[7] = { 0, 1, 1, 2, 2, 3, 3 };
static const uint32_t pow10_6[7] = { 1000000, 100000, 10000, 1000, 100, 10, 1 };

static int old_dec(struct bl_decoder *d, const struct bl_col *c, const uint8_t *p, size_t n,
		   size_t *used, struct mc_val *v, struct mc_err *err)
{
	unsigned dec = c->meta;
	uint64_t unit;
	char o[64], *e = o;
	if (!c->dec_known)
		return EBAD("MariaDB's old-format temporal: its fraction digits are not known");
	if (dec > 6)
		return EBAD("old-format temporal with %u fraction digits", dec);
	unit = pow10_6[dec]; /* microseconds per stored step */
	if (c->type == BL_T_TIME) {
		uint64_t zero = 3020400ULL * 1000000 / unit, x, a;
		NEED(time_bytes[dec]);
		x = bl_be_n(p, time_bytes[dec]);
		a = (x >= zero ? x - zero : zero - x) * unit;
		if (a > 3020399999999ULL)
			return EBAD("old-format TIME(%u) value beyond 838:59:59.999999", dec);
		if (x < zero && a)
			*e++ = '-';
		e = bl_digits_min(e, a / 3600000000ULL, 2);
		*e++ = ':';
		e = bl_digits(e, a / 60000000 % 60, 2);
		*e++ = ':';
		e = bl_digits(e, a / 1000000 % 60, 2);
		e += bl_frac_text(e, dec, (uint32_t)(a % 1000000));
		*used = time_bytes[dec];
		return set_text(d, v, MC_V_TIME, o, (size_t)(e - o), err);
	}
	if (c->type == BL_T_DATETIME) {
		uint64_t x;
		unsigned us, sec, min, hour, day, mon;
		NEED(datetime_bytes[dec]);
		x = bl_be_n(p, datetime_bytes[dec]) * unit;
		us = (unsigned)(x % 1000000), x /= 1000000;
		sec = (unsigned)(x % 60), x /= 60;
		min = (unsigned)(x % 60), x /= 60;
		hour = (unsigned)(x % 24), x /= 24;
		day = (unsigned)(x % 32), x /= 32;
		mon = (unsigned)(x % 13), x /= 13;
		if (x > 9999)
			return EBAD("old-format DATETIME(%u) value beyond the year 9999", dec);
		e = bl_ymd_text(o, (unsigned)x, mon, day);
		*e++ = ' ';
		e = bl_hms_text(e, hour, min, sec);
		e += bl_frac_text(e, dec, us);
		*used = datetime_bytes[dec];
		return set_text(d, v, MC_V_DATETIME, o, (size_t)(e - o), err);
	}
	{ /* TIMESTAMP */
		uint64_t f;
		NEED(4u + tsfrac_bytes[dec]);
		f = bl_be_n(p + 4, tsfrac_bytes[dec]) * unit;
		if (f > 999999)
			return EBAD("old-format TIMESTAMP(%u) fraction %llu", dec, (unsigned long long)f);
		*used = 4u + tsfrac_bytes[dec];
		return timestamp_text(d, v, (uint32_t)bl_be_n(p, 4), (uint32_t)f, dec, err);
	}
}

static int guess_int(const struct bl_col *c, uint64_t raw, unsigned bytes, struct mc_err *err)
{
	if (!(c->guess & BL_GUESS_SIGN) || !((raw >> (8 * bytes - 1)) & 1))
		return 0; /* the same signed or not */
	return guess_refused(err, "an integer with its top bit set (negative, or above the "
			     "signed range if UNSIGNED)", "whether the column is UNSIGNED "
			     "(binlog_row_metadata=NO_LOG)", 0);
}

static void set_int(struct mc_val *v, int is_unsigned, uint64_t raw, unsigned bytes)
{
	if (is_unsigned) {
		if (raw > INT64_MAX) {
			v->kind = MC_V_UINT;
			v->v.u = raw;
		} else {
			v->kind = MC_V_INT;
			v->v.i = (int64_t)raw;
		}
		return;
	}
	v->kind = MC_V_INT;
	if (bytes < 8 && (raw >> (8 * bytes - 1)) & 1)
		raw |= ~(uint64_t)0 << (8 * bytes);
	v->v.i = (int64_t)raw;
}

int bl_value(struct bl_decoder *d, const struct bl_col *c, const uint8_t *p, size_t n,
	     size_t *used, struct mc_val *v, struct mc_err *err)
{
	char *r;
	size_t k;
	switch (c->type) {
	case BL_T_TINY: case BL_T_SHORT: case BL_T_INT24: case BL_T_LONG: {
		unsigned b = c->type == BL_T_TINY ? 1 : c->type == BL_T_SHORT ? 2
			     : c->type == BL_T_INT24 ? 3 : 4;
		NEED(b);
		if (guess_int(c, le_n(p, b), b, err) < 0)
			return -1;
		set_int(v, c->is_unsigned, le_n(p, b), b);
		*used = b;
		return 0;
	}
	case BL_T_LONGLONG:
		NEED(8);
		if (guess_int(c, le_n(p, 4) | (uint64_t)le_n(p + 4, 4) << 32, 8, err) < 0)
			return -1;
		set_int(v, c->is_unsigned, le_n(p, 4) | (uint64_t)le_n(p + 4, 4) << 32, 8);
		*used = 8;
		return 0;
	case BL_T_YEAR:
		NEED(1);
		v->kind = MC_V_INT;
		v->v.i = p[0] ? 1900 + p[0] : 0;
		*used = 1;
		return 0;
	case BL_T_FLOAT: {
		uint32_t u;
		NEED(4);
		u = le_n(p, 4);
		memcpy(&v->v.f32, &u, 4);
		if (!isfinite(v->v.f32))
			return EBAD("FLOAT value is not finite");
		if (v->v.f32 == 0) /* -0 (a FLOAT underflow stores it) as the server reads it */
			v->v.f32 = 0;
		v->kind = MC_V_F32;
		*used = 4;
		return 0;
	}
	case BL_T_DOUBLE: {
		uint64_t u;
		NEED(8);
		u = le_n(p, 4) | (uint64_t)le_n(p + 4, 4) << 32;
		memcpy(&v->v.f64, &u, 8);
		if (!isfinite(v->v.f64))
			return EBAD("DOUBLE value is not finite");
		if (v->v.f64 == 0)
			v->v.f64 = 0;
		v->kind = MC_V_F64;
		*used = 8;
		return 0;
	}
	case BL_T_NEWDECIMAL: {
		unsigned prec = c->meta >> 8, scale = c->meta & 0xff;
		size_t sz;
		if (prec == 0 || prec > 65 || scale > 30 || scale > prec)
			return EBAD("DECIMAL(%u,%u) is not valid", prec, scale);
		sz = bl_decimal_size(prec, scale);
		NEED(sz);
		ROOM(r, 128);
		k = bl_decimal_text(p, prec, scale, r);
		if (k == 0)
			return EBAD("malformed DECIMAL(%u,%u) value", prec, scale);
		*used = sz;
		return room_text(d, v, MC_V_DECIMAL, r, k);
	}
	case BL_T_DATE: case BL_T_NEWDATE: {
		uint32_t x;
		NEED(3);
		x = le_n(p, 3);
		if (((x >> 5) & 15) > 12)
			return EBAD("DATE with month %u", (unsigned)((x >> 5) & 15));
		ROOM(r, 16);
		k = (size_t)(bl_ymd_text(r, (x >> 9) % 10000, (x >> 5) & 15, x & 31) - r);
		*used = 3;
		return room_text(d, v, MC_V_DATE, r, k);
	}
	case BL_T_TIME: {
		int32_t x;
		uint32_t a;
		if (c->dec_ext && (!c->dec_known || c->meta))
			return old_dec(d, c, p, n, used, v, err);
		NEED(3);
		x = (int32_t)le_n(p, 3);
		if (x & 0x800000)
			x |= (int32_t)0xff000000;
		a = (uint32_t)(x < 0 ? -x : x);
		if (a / 100 % 100 > 59 || a % 100 > 59 || a / 10000 > 838)
			return EBAD("TIME %s%u: not a time of day", x < 0 ? "-" : "", (unsigned)a);
		ROOM(r, 48);
		{
			char *e = r;
			if (x < 0)
				*e++ = '-';
			e = bl_digits_min(e, a / 10000, 2);
			*e++ = ':';
			e = bl_digits(e, a / 100 % 100, 2);
			*e++ = ':';
			e = bl_digits(e, a % 100, 2);
			k = (size_t)(e - r);
		}
		*used = 3;
		return room_text(d, v, MC_V_TIME, r, k);
	}
	case BL_T_TIME2: {
		unsigned dec = c->meta;
		int64_t intpart, frac = 0, packed;
		if (dec > 6)
			return EBAD("TIME(%u)", dec);
		NEED(3 + frac_bytes(dec));
		switch (dec) {
		case 0:
			packed = (int64_t)((int64_t)bl_be_n(p, 3) - 0x800000) * (1 << 24);
			break;
		case 1: case 2:
			intpart = (int64_t)bl_be_n(p, 3) - 0x800000;
			frac = p[3];
			if (intpart < 0 && frac) {
				intpart++;
				frac -= 0x100;
			}
			packed = intpart * (1 << 24) + frac * 10000;
			break;
		case 3: case 4:
			intpart = (int64_t)bl_be_n(p, 3) - 0x800000;
			frac = (int64_t)bl_be_n(p + 3, 2);
			if (intpart < 0 && frac) {
				intpart++;
				frac -= 0x10000;
			}
			packed = intpart * (1 << 24) + frac * 100;
			break;
		default:
			packed = (int64_t)bl_be_n(p, 6) - 0x800000000000LL;
			break;
		}
		if (!bl_packed_time_ok(packed))
			return EBAD("TIME(%u) value out of range (hours up to 838, minutes and "
				    "seconds up to 59, microseconds up to 999999)", dec);
		ROOM(r, 48);
		k = bl_packed_time_text(packed, dec, r);
		*used = 3 + frac_bytes(dec);
		return room_text(d, v, MC_V_TIME, r, k);
	}
	case BL_T_DATETIME: {
		uint64_t x;
		if (c->dec_ext && (!c->dec_known || c->meta))
			return old_dec(d, c, p, n, used, v, err);
		NEED(8);
		x = le64(p);
		ROOM(r, 48);
		if (!(k = bl_old_datetime_text(x, r)))
			return EBAD("DATETIME %llu: not a date and time", (unsigned long long)x);
		*used = 8;
		return room_text(d, v, MC_V_DATETIME, r, k);
	}
	case BL_T_DATETIME2: {
		unsigned dec = c->meta, fb = frac_bytes(dec);
		int64_t intpart;
		uint32_t usec = 0;
		if (dec > 6)
			return EBAD("DATETIME(%u)", dec);
		NEED(5 + fb);
		intpart = (int64_t)bl_be_n(p, 5) - 0x8000000000LL;
		if (fb)
			usec = (uint32_t)bl_be_n(p + 5, fb) * (fb == 1 ? 10000 : fb == 2 ? 100 : 1);
		if (intpart < 0)
			return EBAD("negative DATETIME");
		if (!bl_packed_datetime_ok(intpart * (1 << 24) + usec))
			return EBAD("DATETIME(%u) value out of range (hours up to 23, minutes and "
				    "seconds up to 59, microseconds up to 999999)", dec);
		ROOM(r, 48);
		k = bl_packed_datetime_text(intpart * (1 << 24) + usec, dec, 0, r);
		*used = 5 + fb;
		return room_text(d, v, MC_V_DATETIME, r, k);
	}
	case BL_T_TIMESTAMP:
		if (c->dec_ext && (!c->dec_known || c->meta))
			return old_dec(d, c, p, n, used, v, err);
		NEED(4);
		*used = 4;
		return timestamp_text(d, v, le_n(p, 4), 0, 0, err);
	case BL_T_TIMESTAMP2: {
		unsigned dec = c->meta, fb = frac_bytes(dec);
		uint32_t usec = 0;
		if (dec > 6)
			return EBAD("TIMESTAMP(%u)", dec);
		NEED(4 + fb);
		if (fb)
			usec = (uint32_t)bl_be_n(p + 4, fb) * (fb == 1 ? 10000 : fb == 2 ? 100 : 1);
		if (usec > 999999)
			return EBAD("TIMESTAMP(%u) fraction %u", dec, (unsigned)usec);
		*used = 4 + fb;
		return timestamp_text(d, v, (uint32_t)bl_be_n(p, 4), usec, dec, err);
	}
	case BL_T_BIT: {
		unsigned nb = (c->meta >> 8) + ((c->meta & 0xff) ? 1 : 0);
		if (nb == 0 || nb > 8)
			return EBAD("BIT of %u bytes", nb);
		NEED(nb);
		v->kind = MC_V_BIT;
		v->v.s = mc_str_c((const char *)p, nb);
		*used = nb;
		return 0;
	}
	case BL_T_ENUM: {
		unsigned nb = c->meta & 0xff;
		uint32_t x;
		if (nb != 1 && nb != 2)
			return EBAD("ENUM of %u bytes", nb);
		NEED(nb);
		x = le_n(p, nb);
		*used = nb;
		if (x == 0)
			return set_text(d, v, MC_V_STR, "", 0, err);
		if (c->nlabels) {
			if (x > c->nlabels)
				return EBAD("ENUM value %u is beyond the %u labels known of the column", x,
					    c->nlabels);
			v->kind = MC_V_STR;
			v->v.s = c->labels[x - 1];
			return 0;
		}
		ROOM(r, 24);
		return room_text(d, v, MC_V_STR, r, (size_t)(bl_dec_u64(r, x) - r));
	}
	case BL_T_SET: {
		unsigned nb = c->meta & 0xff;
		uint64_t x;
		if (nb < 1 || nb > 8)
			return EBAD("SET of %u bytes", nb);
		NEED(nb);
		x = le_n(p, nb > 4 ? 4 : nb) | (nb > 4 ? (uint64_t)le_n(p + 4, nb - 4) << 32 : 0);
		*used = nb;
		if (c->nlabels) {
			size_t total = 0;
			char *s;
			for (unsigned i = 0; i < 64; i++)
				if ((x >> i) & 1) {
					if (i >= c->nlabels)
						return EBAD("SET bit %u is beyond the %u labels known of the "
							    "column", i + 1, c->nlabels);
					total += c->labels[i].n + 1;
				}
			if (!(s = bl_arena_alloc(&d->arena, total + 1)))
				return mc_oom(err, "row");
			k = 0;
			for (unsigned i = 0; i < 64; i++)
				if ((x >> i) & 1) {
					if (k)
						s[k++] = ',';
					memcpy(s + k, c->labels[i].p, c->labels[i].n);
					k += c->labels[i].n;
				}
			v->kind = MC_V_STR;
			v->v.s = mc_str_c(s, k);
			return 0;
		}
		ROOM(r, 24);
		return room_text(d, v, MC_V_STR, r, (size_t)(bl_dec_u64(r, x) - r));
	}
	case BL_T_STRING: {
		unsigned lb = c->maxlen > 255 ? 2 : 1;
		uint32_t len;
		NEED(lb);
		len = le_n(p, lb);
		NEED(lb + len);
		*used = lb + len;
		if (text_value(d, c, p + lb, len, v, err) < 0)
			return -1;
		/* BINARY(n): the server strips trailing zero bytes; put them back. */
		if (v->kind == MC_V_BIN && len < c->maxlen) {
			char *s = bl_arena_alloc(&d->arena, c->maxlen);
			if (!s)
				return mc_oom(err, "row");
			memcpy(s, p + lb, len);
			memset(s + len, 0, c->maxlen - len);
			v->v.s = mc_str_c(s, c->maxlen);
		}
		/* INET6, UUID, INET4: their text (as the server prints it) */
		if (c->conv >= CONV_INET6 && c->conv <= CONV_INET4) {
			if (v->v.s.n != c->maxlen)
				return EBAD("%s of %zu bytes", c->conv == CONV_INET4 ? "INET4" : "INET6/UUID",
					    v->v.s.n);
			const char *s = v->v.s.p;
			ROOM(r, 48);
			return room_text(d, v, MC_V_STR, r, fbt_text(c->conv, (const uint8_t *)s, r));
		}
		return 0;
	}
	case BL_T_VARCHAR: case BL_T_VAR_STRING: {
		unsigned lb = c->maxlen > 255 ? 2 : 1;
		uint32_t len;
		NEED(lb);
		len = le_n(p, lb);
		NEED(lb + len);
		*used = lb + len;
		return text_value(d, c, p + lb, len, v, err);
	}
	case BL_T_VARCHAR_COMPRESSED: case BL_T_BLOB_COMPRESSED: {
		/* the stored (compressed) length, then the stored bytes; VARCHAR's
		 * byte length counts the header byte */
		unsigned lb = c->type == BL_T_BLOB_COMPRESSED ? c->meta : c->maxlen > 255 ? 2 : 1;
		uint64_t max = c->type == BL_T_BLOB_COMPRESSED
				       ? (lb >= 1 && lb <= 4 ? (1ULL << (8 * lb)) - 1 : 0)
				       : (c->maxlen ? c->maxlen - 1u : 0);
		uint32_t len;
		const uint8_t *u;
		size_t un;
		if (lb < 1 || lb > 4)
			return EBAD("length of %u bytes", lb);
		NEED(lb);
		len = le_n(p, lb);
		NEED((size_t)lb + len);
		*used = lb + (size_t)len;
		if (bl_uncompress_column(d, p + lb, len, max, &u, &un, err) < 0)
			return -1;
		return text_value(d, c, u, un, v, err);
	}
	case BL_T_BLOB: case BL_T_TINY_BLOB: case BL_T_MEDIUM_BLOB: case BL_T_LONG_BLOB:
	case BL_T_GEOMETRY: case BL_T_JSON: case BL_T_VECTOR: {
		unsigned lb = c->meta;
		uint32_t len;
		if (lb < 1 || lb > 4)
			return EBAD("length of %u bytes", lb);
		NEED(lb);
		len = le_n(p, lb);
		NEED((size_t)lb + len);
		*used = lb + (size_t)len;
		if (c->type == BL_T_GEOMETRY || c->type == BL_T_VECTOR) {
			v->kind = MC_V_BIN;
			v->v.s = mc_str_c((const char *)p + lb, len);
			return 0;
		}
		if (c->type == BL_T_JSON) {
			struct mc_buf out = { 0 };
			char *s;
			if (bl_json_text(p + lb, len, &out, err) < 0) {
				buf_free(&out);
				return -1;
			}
			s = bl_arena_alloc(&d->arena, out.len + 1);
			if (!s) {
				buf_free(&out);
				return mc_oom(err, "row");
			}
			memcpy(s, out.p, out.len);
			v->kind = MC_V_JSON;
			v->v.s = mc_str_c(s, out.len);
			buf_free(&out);
			return 0;
		}
		return text_value(d, c, p + lb, len, v, err);
	}
	}
	return EBAD("column type %u is not supported in rows", c->type);
}

/* Schema text ------------------------------------------------------- */

int bl_col_mysql_type(const struct bl_col *c, struct mc_buf *b)
{
	int mb = 1, bin = 0, rc = 0;
	const char *uns = c->is_unsigned ? " unsigned" : "";
	if (c->has_charset) {
		bin = strcmp(bl_charset_name(c->charset, &mb), "binary") == 0;
	}
	switch (c->type) {
	case BL_T_TINY: return buf_addf(b, "tinyint%s", uns);
	case BL_T_SHORT: return buf_addf(b, "smallint%s", uns);
	case BL_T_INT24: return buf_addf(b, "mediumint%s", uns);
	case BL_T_LONG: return buf_addf(b, "int%s", uns);
	case BL_T_LONGLONG: return buf_addf(b, "bigint%s", uns);
	case BL_T_FLOAT: return buf_addf(b, "float%s", uns);
	case BL_T_DOUBLE: return buf_addf(b, "double%s", uns);
	case BL_T_NEWDECIMAL: return buf_addf(b, "decimal(%u,%u)%s", c->meta >> 8, c->meta & 0xff, uns);
	case BL_T_YEAR: return buf_adds(b, "year");
	case BL_T_DATE: case BL_T_NEWDATE: return buf_adds(b, "date");
	case BL_T_TIME: case BL_T_DATETIME: case BL_T_TIMESTAMP: {
		const char *nm = c->type == BL_T_TIME ? "time"
				 : c->type == BL_T_DATETIME ? "datetime" : "timestamp";
		rc = c->meta ? buf_addf(b, "%s(%u)", nm, c->meta) : buf_adds(b, nm);
		/* MariaDB's old format, as information_schema spells it */
		return rc ? rc : c->dec_ext ? buf_adds(b, " /* mariadb-5.3 */") : 0;
	}
	case BL_T_TIME2: return c->meta ? buf_addf(b, "time(%u)", c->meta) : buf_adds(b, "time");
	case BL_T_DATETIME2:
		return c->meta ? buf_addf(b, "datetime(%u)", c->meta) : buf_adds(b, "datetime");
	case BL_T_TIMESTAMP2:
		return c->meta ? buf_addf(b, "timestamp(%u)", c->meta) : buf_adds(b, "timestamp");
	case BL_T_BIT: return buf_addf(b, "bit(%u)", (c->meta >> 8) * 8 + (c->meta & 0xff));
	case BL_T_JSON: return buf_adds(b, "json");
	case BL_T_GEOMETRY: return buf_adds(b, "geometry");
	case BL_T_VECTOR: return c->dim ? buf_addf(b, "vector(%u)", c->dim) : buf_adds(b, "vector");
	case BL_T_ENUM: case BL_T_SET:
		return mc_labels_type(b, c->type == BL_T_SET, c->labels, c->nlabels);
	case BL_T_STRING:
		if (c->conv >= CONV_INET6 && c->conv <= CONV_INET4)
			return buf_adds(b, c->conv == CONV_INET6 ? "inet6" : c->conv == CONV_UUID ? "uuid"
												   : "inet4");
		return buf_addf(b, "%s(%u)", bin ? "binary" : "char", c->maxlen / (unsigned)mb);
	case BL_T_VARCHAR: case BL_T_VAR_STRING:
		return buf_addf(b, "%s(%u)", bin ? "varbinary" : "varchar", c->maxlen / (unsigned)mb);
	case BL_T_BLOB: case BL_T_TINY_BLOB: case BL_T_MEDIUM_BLOB: case BL_T_LONG_BLOB: {
		static const char *sz[] = { "", "tiny", "", "medium", "long" };
		int text = c->has_charset && !bin;
		return buf_addf(b, "%s%s", sz[c->meta <= 4 ? c->meta : 0], text ? "text" : "blob");
	}
	/* as information_schema's COLUMN_TYPE spells them */
	case BL_T_VARCHAR_COMPRESSED:
		return buf_addf(b, "%s(%u) /*M!100301 COMPRESSED*/", bin ? "varbinary" : "varchar",
				(c->maxlen ? c->maxlen - 1 : 0) / (unsigned)mb);
	case BL_T_BLOB_COMPRESSED: {
		static const char *sz[] = { "", "tiny", "", "medium", "long" };
		int text = c->has_charset && !bin;
		return buf_addf(b, "%s%s /*M!100301 COMPRESSED*/", sz[c->meta <= 4 ? c->meta : 0],
				text ? "text" : "blob");
	}
	}
	return buf_addf(b, "type%u", c->type);
}
