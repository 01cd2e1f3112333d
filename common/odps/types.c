/* types.c: MySQL column types to MaxCompute types, and record values to
 * what the Tunnel writes, exact or an error (types.h, docs/types.md). */
#include "odps/types.h"
#include "odps/tunnel_rec.h"
#include "stream/mctype.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/num.h"

static const char *const type_names[ODPS_T_N] = {
	"?",      "TINYINT", "SMALLINT", "INT",  "BIGINT",   "FLOAT",     "DOUBLE",
	"DECIMAL", "STRING", "BINARY",   "DATE", "DATETIME", "TIMESTAMP", "TIMESTAMP_NTZ",
};

const char *odps_type_name(enum odps_type t)
{
	return (unsigned)t < ODPS_T_N ? type_names[t] : "?";
}

/* ---- the MySQL type text ---- */

static int base_is(const char *t, size_t n, const char *name)
{
	size_t k = strlen(name);
	if (n < k)
		return 0;
	for (size_t i = 0; i < k; i++)
		if (tolower((unsigned char)t[i]) != name[i])
			return 0;
	return n == k || t[k] == '(' || t[k] == ' ';
}

static int base_in(const char *t, size_t n, const char *const *names)
{
	for (; *names; names++)
		if (base_is(t, n, *names))
			return 1;
	return 0;
}

static const char *const text_types[] = { "char",  "varchar", "tinytext", "text", "mediumtext",
					  "longtext", "enum", "set",   "nchar", "nvarchar",
					  "inet4", "inet6", "uuid", NULL };
static const char *const bin_types[] = { "binary",     "varbinary", "tinyblob", "blob",
					 "mediumblob", "longblob",  "vector",   NULL };
static const char *const geo_types[] = { "geometry",     "point",           "linestring",
					 "polygon",      "multipoint",      "multilinestring",
					 "multipolygon", "geometrycollection", "geomcollection",
					 NULL };

/* The integer types: name, the MaxCompute type for signed and unsigned. */
static const struct {
	const char *name;
	enum odps_type sig, uns;
} int_types[] = {
	{ "tinyint", ODPS_T_TINYINT, ODPS_T_SMALLINT }, { "smallint", ODPS_T_SMALLINT, ODPS_T_INT },
	{ "mediumint", ODPS_T_INT, ODPS_T_INT },        { "int", ODPS_T_INT, ODPS_T_BIGINT },
	{ "integer", ODPS_T_INT, ODPS_T_BIGINT },       { "bigint", ODPS_T_BIGINT, ODPS_T_DECIMAL },
};

static void set_dec(struct odps_colmap *m, unsigned p, unsigned s)
{
	m->type = ODPS_T_DECIMAL;
	m->prec = (uint8_t)p;
	m->scale = (uint8_t)s;
}

/* The class of the column and its default MaxCompute type. */
static void classify(const struct mc_col *c, struct odps_colmap *m)
{
	const char *t = c->mysql_type.p;
	size_t n = c->mysql_type.n;
	long a1, a2;

	mctype_args(t, n, &a1, &a2);
	m->uns = mctype_has_word(t, n, "unsigned") || (c->flags & MC_CF_UNSIGNED);
	for (size_t i = 0; i < sizeof int_types / sizeof int_types[0]; i++)
		if (base_is(t, n, int_types[i].name)) {
			m->src = ODPS_S_INT;
			m->type = m->uns ? int_types[i].uns : int_types[i].sig;
			if (m->type == ODPS_T_DECIMAL)
				set_dec(m, 20, 0);
			return;
		}
	if (base_is(t, n, "year")) {
		m->src = ODPS_S_YEAR;
		m->type = ODPS_T_INT;
	} else if (base_is(t, n, "bit")) {
		m->src = ODPS_S_BIT;
		m->bits = (uint8_t)(a1 < 1 ? 1 : a1 > 64 ? 64 : a1);
		/* BIT(64) holds values up to 2^64-1: BIGINT stops at 2^63-1 */
		if (m->bits < 64)
			m->type = ODPS_T_BIGINT;
		else
			set_dec(m, 20, 0);
	} else if (base_is(t, n, "float")) {
		m->src = ODPS_S_F32;
		m->type = ODPS_T_FLOAT;
	} else if (base_is(t, n, "double") || base_is(t, n, "real")) {
		m->src = ODPS_S_F64;
		m->type = ODPS_T_DOUBLE;
	} else if (base_is(t, n, "decimal") || base_is(t, n, "numeric") || base_is(t, n, "dec") ||
		   base_is(t, n, "fixed")) {
		long p = a1 < 1 ? 10 : a1, s = a2 < 0 ? 0 : a2;
		m->src = ODPS_S_DECIMAL;
		m->sprec = (uint16_t)p;
		m->sscale = (uint16_t)s;
		if (p <= 38 && s <= 18) {
			set_dec(m, (unsigned)p, (unsigned)s);
		} else {
			/* MaxCompute DECIMAL: 38 digits, 18 after the point; keep
			 * as many after the point as fit, then the integer digits;
			 * each value is checked */
			long s2 = s > 18 ? 18 : s, p2 = p - s + s2;
			set_dec(m, (unsigned)(p2 > 38 ? 38 : p2), (unsigned)s2);
		}
	} else if (base_is(t, n, "date")) {
		m->src = ODPS_S_DATE;
		m->type = ODPS_T_DATE;
	} else if (base_is(t, n, "datetime") || base_is(t, n, "timestamp")) {
		m->src = base_is(t, n, "datetime") ? ODPS_S_DATETIME : ODPS_S_TIMESTAMP;
		m->frac = (uint8_t)(a1 < 0 ? 0 : a1 > 6 ? 6 : a1);
		/* DATETIME keeps milliseconds; TIMESTAMP nanoseconds */
		m->type = m->src == ODPS_S_DATETIME && m->frac <= 3 ? ODPS_T_DATETIME
								    : ODPS_T_TIMESTAMP;
	} else if (base_is(t, n, "time")) {
		m->src = ODPS_S_TIME;
		m->type = ODPS_T_STRING;
	} else if (base_is(t, n, "json")) {
		m->src = ODPS_S_JSON;
		m->type = ODPS_T_STRING;
	} else if (base_in(t, n, text_types)) {
		m->src = ODPS_S_TEXT;
		m->type = ODPS_T_STRING;
	} else if (base_in(t, n, bin_types)) {
		m->src = ODPS_S_BIN;
		m->type = ODPS_T_BINARY;
	} else if (base_in(t, n, geo_types)) {
		m->src = ODPS_S_GEO;
		m->type = ODPS_T_BINARY;
	} else {
		m->src = ODPS_S_OTHER;
		m->type = ODPS_T_STRING;
	}
}

/* May a column of class src be mapped to type as, each value checked? */
static int allowed(enum odps_src src, enum odps_type as)
{
	switch (src) {
	case ODPS_S_INT:
	case ODPS_S_YEAR:
		return (as >= ODPS_T_TINYINT && as <= ODPS_T_BIGINT) || as == ODPS_T_DECIMAL ||
		       as == ODPS_T_STRING;
	case ODPS_S_BIT:
		return as == ODPS_T_BIGINT || as == ODPS_T_DECIMAL || as == ODPS_T_BINARY ||
		       as == ODPS_T_STRING;
	case ODPS_S_F32: return as == ODPS_T_FLOAT || as == ODPS_T_DOUBLE;
	case ODPS_S_F64: return as == ODPS_T_DOUBLE;
	case ODPS_S_DECIMAL: return as == ODPS_T_DECIMAL || as == ODPS_T_STRING;
	case ODPS_S_DATE:
		return as == ODPS_T_DATE || as == ODPS_T_DATETIME || as == ODPS_T_TIMESTAMP ||
		       as == ODPS_T_TIMESTAMP_NTZ || as == ODPS_T_STRING;
	case ODPS_S_DATETIME:
	case ODPS_S_TIMESTAMP:
		return as == ODPS_T_DATETIME || as == ODPS_T_TIMESTAMP ||
		       as == ODPS_T_TIMESTAMP_NTZ || as == ODPS_T_STRING;
	case ODPS_S_TIME:
	case ODPS_S_JSON:
	case ODPS_S_TEXT:
		return as == ODPS_T_STRING;
	case ODPS_S_OTHER: return as == ODPS_T_STRING || as == ODPS_T_BINARY;
	case ODPS_S_BIN:
	case ODPS_S_GEO: return as == ODPS_T_BINARY;
	}
	return 0;
}

int odps_col_map(const struct mc_col *c, struct mc_str db, struct mc_str table,
		 const struct odps_colopts *opts, struct odps_colmap *m, struct mc_err *err)
{
	static const struct odps_colopts dflt;
	const struct odps_colopts *o = opts ? opts : &dflt;

	memset(m, 0, sizeof *m);
	snprintf(m->where, sizeof m->where, "column %.*s.%.*s.%.*s (%.*s)", (int)db.n, db.p,
		 (int)table.n, table.p, (int)c->name.n, c->name.p,
		 (int)(c->mysql_type.n > 40 ? 40 : c->mysql_type.n), c->mysql_type.p);
	classify(c, m);
	m->baddate = o->baddate;
	m->geo = o->geo;
	m->max_bytes = o->max_bytes ? o->max_bytes : ODPS_MAX_BYTES;
	m->wall_offset = o->wall_offset;
	if (o->wall_offset <= -86400 || o->wall_offset >= 86400)
		return mc_errf(err, MC_EXIT_USAGE, "%s: UTC offset %" PRId32 " s is not within a day",
			       m->where, o->wall_offset);
	if (o->as != ODPS_T_NONE) {
		if ((unsigned)o->as >= ODPS_T_N || !allowed(m->src, o->as))
			return mc_errf(err, MC_EXIT_USAGE,
				       "%s cannot be mapped to MaxCompute %s without changing values",
				       m->where, odps_type_name(o->as));
		if (o->as == ODPS_T_DECIMAL && m->type != ODPS_T_DECIMAL)
			set_dec(m, 20, 0);
		m->type = o->as;
	}
	if (m->type == ODPS_T_DECIMAL && (o->dec_prec || o->dec_scale)) {
		if (o->dec_prec < 1 || o->dec_prec > 38 || o->dec_scale > 18 ||
		    o->dec_scale > o->dec_prec)
			return mc_errf(err, MC_EXIT_USAGE,
				       "%s: DECIMAL(%u,%u) is not a MaxCompute DECIMAL (1 <= p <= 38, "
				       "s <= 18, s <= p)",
				       m->where, o->dec_prec, o->dec_scale);
		set_dec(m, o->dec_prec, o->dec_scale);
	}
	if (m->type == ODPS_T_DECIMAL)
		snprintf(m->text, sizeof m->text, "DECIMAL(%u,%u)", m->prec, m->scale);
	else
		snprintf(m->text, sizeof m->text, "%s", odps_type_name(m->type));
	return 0;
}

/* ---- values ---- */

/* A short printable form of a value for messages. */
static void val_show(const struct mc_val *v, char *out, size_t sz)
{
	size_t k = 0;
	switch (v->kind) {
	case MC_V_INT: snprintf(out, sz, "%" PRId64, v->v.i); return;
	case MC_V_UINT: snprintf(out, sz, "%" PRIu64, v->v.u); return;
	case MC_V_F32: snprintf(out, sz, "%.9g", (double)v->v.f32); return;
	case MC_V_F64: snprintf(out, sz, "%.17g", v->v.f64); return;
	case MC_V_NULL: snprintf(out, sz, "NULL"); return;
	case MC_V_ABSENT: snprintf(out, sz, "absent"); return;
	case MC_V_BIN:
	case MC_V_BIT: snprintf(out, sz, "of %zu bytes", v->v.s.n); return;
	default: break;
	}
	if (v->v.s.n > 200) {
		snprintf(out, sz, "of %zu bytes", v->v.s.n);
		return;
	}
	out[k++] = '\'';
	for (size_t i = 0; i < v->v.s.n && k + 5 < sz; i++) {
		unsigned char ch = (unsigned char)v->v.s.p[i];
		out[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	if (v->v.s.n && k + 5 >= sz) {
		out[k++] = '.';
		out[k++] = '.';
	}
	out[k++] = '\'';
	out[k] = 0;
}

static int bad(const struct odps_colmap *m, const struct mc_val *v, const struct mc_pos *pos,
	       struct mc_err *err, const char *why)
{
	char show[64], at[80] = "";
	val_show(v, show, sizeof show);
	if (pos) {
		char p[64];
		pos_format(pos, p, sizeof p);
		snprintf(at, sizeof at, " at position %s", p);
	}
	return mc_errf(err, MC_EXIT_DATA, "%s -> MaxCompute %s: value %s%s: %s", m->where, m->text,
		       show, at, why);
}

static int bytes_out(const struct odps_colmap *m, const struct mc_val *v, const struct mc_pos *pos,
		     const char *p, size_t n, struct odps_val *out, struct mc_err *err)
{
	char why[128];
	if (n > m->max_bytes) {
		snprintf(why, sizeof why,
			 "%zu bytes, over MaxCompute's limit of %zu bytes for a STRING or BINARY value",
			 n, m->max_bytes);
		return bad(m, v, pos, err, why);
	}
	out->kind = ODPS_V_BYTES;
	out->p = p;
	out->n = n;
	return 0;
}

/* Integers: MaxCompute's documented ranges (BIGINT's minimum is -2^63+1). */
static int int_out(const struct odps_colmap *m, const struct mc_val *v, const struct mc_pos *pos,
		   int neg, uint64_t mag, struct odps_val *out, struct mc_err *err)
{
	static const uint64_t maxs[] = { 127, 32767, 2147483647, 9223372036854775807u };
	int len;

	if (m->type >= ODPS_T_TINYINT && m->type <= ODPS_T_BIGINT) {
		uint64_t max = maxs[m->type - ODPS_T_TINYINT];
		/* negative: TINYINT..INT go one below -max; BIGINT stops at -max */
		uint64_t nmax = m->type == ODPS_T_BIGINT ? max : max + 1;
		if (neg ? mag > nmax : mag > max) {
			char why[160];
			snprintf(why, sizeof why, "outside MaxCompute %s's range%s", m->text,
				 m->type == ODPS_T_BIGINT && neg
					 ? " (-2^63+1 .. 2^63-1 as documented): map the column as DECIMAL"
					 : m->type == ODPS_T_BIGINT ? " (up to 2^63-1): map the column as DECIMAL"
								    : "");
			return bad(m, v, pos, err, why);
		}
		out->kind = ODPS_V_INT;
		out->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
		return 0;
	}
	len = snprintf(out->buf, sizeof out->buf, "%s%" PRIu64, neg ? "-" : "", mag);
	if (m->type == ODPS_T_DECIMAL) {
		size_t digits = (size_t)len - (neg ? 1 : 0);
		if (mag != 0 && digits > (size_t)(m->prec - m->scale))
			return bad(m, v, pos, err, "more integer digits than the DECIMAL holds");
		out->kind = ODPS_V_DECIMAL;
		out->p = out->buf;
		out->n = (size_t)len;
		return 0;
	}
	/* STRING */
	return bytes_out(m, v, pos, out->buf, (size_t)len, out, err);
}

/* Plain decimal text -?D+(.D+)? checked against DECIMAL(prec,scale): the
 * text itself, without fraction digits past the scale (all zeros). */
static int dec_out(const struct odps_colmap *m, const struct mc_val *v, const struct mc_pos *pos,
		   struct odps_val *out, struct mc_err *err)
{
	const char *s = v->v.s.p, *dot;
	size_t n = v->v.s.n, i = 0, ilen, flen, keep;

	if (i < n && s[i] == '-')
		i++;
	dot = memchr(s, '.', n);
	ilen = (size_t)((dot ? dot : s + n) - (s + i));
	flen = dot ? n - (size_t)(dot - s) - 1 : 0;
	if (ilen == 0 || (dot && flen == 0))
		return bad(m, v, pos, err, "not a decimal number");
	for (size_t k = i; k < n; k++)
		if (!(isdigit((unsigned char)s[k]) || s + k == dot))
			return bad(m, v, pos, err, "not a decimal number");
	while (ilen > 1 && s[i] == '0') { /* leading zeros are not digits */
		i++;
		ilen--;
	}
	if (!(ilen == 1 && s[i] == '0') && ilen > (size_t)(m->prec - m->scale))
		return bad(m, v, pos, err, "more integer digits than the DECIMAL holds");
	keep = flen;
	while (keep > m->scale && dot[keep] == '0')
		keep--;
	if (keep > m->scale)
		return bad(m, v, pos, err, "more digits after the point than the DECIMAL holds");
	out->kind = ODPS_V_DECIMAL;
	out->p = s;
	out->n = dot ? (size_t)(dot - s) + (keep ? keep + 1 : 0) : n;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (year 0 = 1 BC). */
static int64_t days_from_civil(int64_t y, unsigned mo, unsigned d)
{
	y -= mo <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned days_in_month(unsigned y, unsigned mo)
{
	static const unsigned dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (mo == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 29;
	return dm[mo - 1];
}

struct wall {
	unsigned y, mo, d, h, mi, s;
	const char *frac; /* fraction digits */
	size_t nfrac;
};

static int digits(const char *p, size_t n, unsigned *out)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	*out = v;
	return 0;
}

/* "YYYY-MM-DD" or "YYYY-MM-DD hh:mm:ss[.f{1,9}]"; 0, or -1 malformed. */
static int wall_parse(const char *s, size_t n, struct wall *w)
{
	memset(w, 0, sizeof *w);
	if (n < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &w->y) < 0 ||
	    digits(s + 5, 2, &w->mo) < 0 || digits(s + 8, 2, &w->d) < 0)
		return -1;
	if (n == 10)
		return 0;
	if (n < 19 || s[10] != ' ' || s[13] != ':' || s[16] != ':' ||
	    digits(s + 11, 2, &w->h) < 0 || digits(s + 14, 2, &w->mi) < 0 ||
	    digits(s + 17, 2, &w->s) < 0 || w->h > 23 || w->mi > 59 || w->s > 59)
		return -1;
	if (n == 19)
		return 0;
	if (s[19] != '.' || n == 20 || n > 29)
		return -1;
	w->frac = s + 20;
	w->nfrac = n - 20;
	return digits(w->frac, w->nfrac, &(unsigned){ 0 });
}

static int time_out(const struct odps_colmap *m, const struct mc_val *v, const struct mc_pos *pos,
		    struct odps_val *out, struct mc_err *err)
{
	/* MaxCompute's range (data type edition 2.0): 0001-01-01 00:00:00 ..
	 * 9999-12-31 23:59:59.999999999; DATE 0001-01-01 .. 9999-12-31 */
	static const int64_t lo = -62135596800, hi = 253402300800;
	struct wall w;
	int64_t sec;
	unsigned ns = 0;

	if (m->type == ODPS_T_STRING)
		return bytes_out(m, v, pos, v->v.s.p, v->v.s.n, out, err);
	if (wall_parse(v->v.s.p, v->v.s.n, &w) < 0)
		return bad(m, v, pos, err, "not a date or time text");
	if (w.mo < 1 || w.mo > 12 || w.d < 1 || w.d > days_in_month(w.y, w.mo)) {
		if (m->baddate == ODPS_BADDATE_NULL) {
			out->kind = ODPS_V_NULL;
			return 0;
		}
		return bad(m, v, pos, err,
			   w.mo == 0 && w.d == 0 && w.y == 0
				   ? "a zero date, which MaxCompute rejects (choose NULL or STRING for the column)"
			   : w.mo == 0 || w.d == 0
				   ? "a zero month or day, which MaxCompute rejects (choose NULL or STRING for the column)"
				   : "not a calendar day (ALLOW_INVALID_DATES), which MaxCompute rejects "
				     "(choose NULL or STRING for the column)");
	}
	sec = days_from_civil(w.y, w.mo, w.d) * 86400 + w.h * 3600 + w.mi * 60 + w.s;
	if (m->type == ODPS_T_DATE) {
		if (w.y < 1)
			return bad(m, v, pos, err, "outside MaxCompute's range 0001-01-01 .. 9999-12-31");
		out->kind = ODPS_V_DATE;
		out->i = days_from_civil(w.y, w.mo, w.d);
		return 0;
	}
	for (size_t i = 0; i < 9; i++)
		ns = ns * 10 + (i < w.nfrac ? (unsigned)(w.frac[i] - '0') : 0);
	/* a MySQL DATETIME or DATE is a wall clock: an instant at the chosen
	 * offset; a MySQL TIMESTAMP is already the UTC instant */
	if (m->type != ODPS_T_TIMESTAMP_NTZ && m->src != ODPS_S_TIMESTAMP)
		sec -= m->wall_offset;
	if (sec < lo || sec >= hi)
		return bad(m, v, pos, err, "outside MaxCompute's range 0001-01-01 .. 9999-12-31");
	if (m->type == ODPS_T_DATETIME) {
		if (ns % 1000000)
			return bad(m, v, pos, err,
				   "digits below the millisecond, which MaxCompute DATETIME drops "
				   "(map the column as TIMESTAMP)");
		out->kind = ODPS_V_MILLIS;
		out->i = sec * 1000 + ns / 1000000;
		return 0;
	}
	out->kind = ODPS_V_SECNANO;
	out->i = sec;
	out->nanos = (int32_t)ns;
	return 0;
}

static int geo_out(const struct odps_colmap *m, const struct mc_val *v, const struct mc_pos *pos,
		   struct odps_val *out, struct mc_err *err)
{
	const unsigned char *p = (const unsigned char *)v->v.s.p;
	size_t n = v->v.s.n;
	uint32_t srid;

	if (m->geo == ODPS_GEO_INTERNAL)
		return bytes_out(m, v, pos, v->v.s.p, n, out, err);
	/* SRID (4 bytes LE), then WKB: byte order 0 or 1, a 4-byte type */
	if (n < 9 || p[4] > 1)
		return bad(m, v, pos, err, "not MySQL's geometry form (4-byte SRID, then WKB)");
	srid = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	if (srid != 0 && m->geo != ODPS_GEO_WKB_ANY_SRID) {
		char why[200];
		snprintf(why, sizeof why,
			 "SRID %" PRIu32 ", which WKB does not carry (choose the internal form, or "
			 "WKB without the SRID, for the column)",
			 srid);
		return bad(m, v, pos, err, why);
	}
	return bytes_out(m, v, pos, v->v.s.p + 4, n - 4, out, err);
}

/* The record value kind each source class takes. */
static const uint8_t src_kind[] = {
	[ODPS_S_INT] = MC_V_INT,         [ODPS_S_YEAR] = MC_V_INT,
	[ODPS_S_BIT] = MC_V_BIT,         [ODPS_S_F32] = MC_V_F32,
	[ODPS_S_F64] = MC_V_F64,         [ODPS_S_DECIMAL] = MC_V_DECIMAL,
	[ODPS_S_DATE] = MC_V_DATE,       [ODPS_S_DATETIME] = MC_V_DATETIME,
	[ODPS_S_TIMESTAMP] = MC_V_TIMESTAMP, [ODPS_S_TIME] = MC_V_TIME,
	[ODPS_S_JSON] = MC_V_JSON,       [ODPS_S_TEXT] = MC_V_STR,
	[ODPS_S_BIN] = MC_V_BIN,         [ODPS_S_GEO] = MC_V_BIN,
	[ODPS_S_OTHER] = MC_V_STR,
};

int odps_val_conv(const struct odps_colmap *m, const struct mc_val *v, const struct mc_pos *pos,
		  struct odps_val *out, struct mc_err *err)
{
	/* a type this build does not know: text as STRING, bytes as BINARY */
	uint8_t want = m->src == ODPS_S_OTHER && m->type == ODPS_T_BINARY ? MC_V_BIN : src_kind[m->src];

	memset(out, 0, offsetof(struct odps_val, buf));
	if (v->kind == MC_V_NULL) {
		out->kind = ODPS_V_NULL;
		return 0;
	}
	if (v->kind == MC_V_ABSENT)
		return bad(m, v, pos, err, "absent (a MINIMAL row image): no value to write");
	if (v->kind != want && !(want == MC_V_INT && v->kind == MC_V_UINT)) {
		char why[96];
		snprintf(why, sizeof why, "a %s value where the column takes %s",
			 rec_vkind_name((enum mc_vkind)v->kind), rec_vkind_name((enum mc_vkind)want));
		return bad(m, v, pos, err, why);
	}
	switch (m->src) {
	case ODPS_S_INT:
	case ODPS_S_YEAR:
		if (v->kind == MC_V_UINT)
			return int_out(m, v, pos, 0, v->v.u, out, err);
		return int_out(m, v, pos, v->v.i < 0, v->v.i < 0 ? 0 - (uint64_t)v->v.i : (uint64_t)v->v.i,
			       out, err);
	case ODPS_S_BIT: {
		uint64_t u = 0;
		if (v->v.s.n < 1 || v->v.s.n > 8)
			return bad(m, v, pos, err, "a BIT value of 1..8 bytes expected");
		if (m->type == ODPS_T_BINARY)
			return bytes_out(m, v, pos, v->v.s.p, v->v.s.n, out, err);
		for (size_t i = 0; i < v->v.s.n; i++)
			u = u << 8 | (unsigned char)v->v.s.p[i];
		return int_out(m, v, pos, 0, u, out, err);
	}
	case ODPS_S_F32:
		if (!isfinite(v->v.f32))
			return bad(m, v, pos, err, "not a finite number");
		out->kind = m->type == ODPS_T_FLOAT ? ODPS_V_F32 : ODPS_V_F64;
		out->f32 = v->v.f32;
		out->f64 = (double)v->v.f32;
		return 0;
	case ODPS_S_F64:
		if (!isfinite(v->v.f64))
			return bad(m, v, pos, err, "not a finite number");
		out->kind = ODPS_V_F64;
		out->f64 = v->v.f64;
		return 0;
	case ODPS_S_DECIMAL:
		if (m->type == ODPS_T_STRING)
			return bytes_out(m, v, pos, v->v.s.p, v->v.s.n, out, err);
		return dec_out(m, v, pos, out, err);
	case ODPS_S_DATE:
	case ODPS_S_DATETIME:
	case ODPS_S_TIMESTAMP: return time_out(m, v, pos, out, err);
	case ODPS_S_GEO: return geo_out(m, v, pos, out, err);
	case ODPS_S_TIME:
	case ODPS_S_JSON:
	case ODPS_S_TEXT:
	case ODPS_S_BIN:
	case ODPS_S_OTHER: return bytes_out(m, v, pos, v->v.s.p, v->v.s.n, out, err);
	}
	return bad(m, v, pos, err, "no conversion");
}

int odps_trec_kind(enum odps_type t)
{
	switch (t) {
	case ODPS_T_TINYINT: return TREC_TINYINT;
	case ODPS_T_SMALLINT: return TREC_SMALLINT;
	case ODPS_T_INT: return TREC_INT;
	case ODPS_T_BIGINT: return TREC_BIGINT;
	case ODPS_T_FLOAT: return TREC_FLOAT;
	case ODPS_T_DOUBLE: return TREC_DOUBLE;
	case ODPS_T_DECIMAL: return TREC_DECIMAL;
	case ODPS_T_STRING: return TREC_STRING;
	case ODPS_T_BINARY: return TREC_BINARY;
	case ODPS_T_DATE: return TREC_DATE;
	case ODPS_T_DATETIME: return TREC_DATETIME;
	case ODPS_T_TIMESTAMP: return TREC_TIMESTAMP;
	case ODPS_T_TIMESTAMP_NTZ: return TREC_TIMESTAMP_NTZ;
	default: return 0;
	}
}
