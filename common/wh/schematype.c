/* schematype.c: MySQL column types as mcsync converts them from one
 * schema version to the next (schemahist.h wh_type_conv), and the value
 * an added column gives the older rows (schemaconv.c's steps). */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "stream/labels.h"
#include "stream/rec.h"
#include "base/charset.h"
#include "wh/altlex.h"
#include "wh/schemahist.h"

/* ---- types ---- */

struct ty {
	char base[24];
	long a1, a2; /* arguments, -1 when absent */
	int uns;
};

static void ty_of(const struct mc_col *c, struct ty *t)
{
	const char *p = c->mysql_type.p, *e = p + c->mysql_type.n;
	size_t k = 0;
	t->a1 = t->a2 = -1;
	while (p < e && (isalpha((unsigned char)*p) || *p == '_') && k + 1 < sizeof t->base)
		t->base[k++] = (char)tolower((unsigned char)*p++);
	t->base[k] = 0;
	if (p < e && *p == '(') {
		char *q;
		t->a1 = strtol(p + 1, &q, 10);
		if (q < e && *q == ',')
			t->a2 = strtol(q + 1, &q, 10);
	}
	t->uns = (c->flags & MC_CF_UNSIGNED) != 0;
	for (const char *s = c->mysql_type.p; s + 8 <= e; s++)
		if (strncasecmp(s, "unsigned", 8) == 0)
			t->uns = 1;
}

static int in(const char *s, const char *const *l)
{
	for (; *l; l++)
		if (!strcmp(s, *l))
			return 1;
	return 0;
}

static int int_rank(const char *b)
{
	static const char *const r[] = { "tinyint", "smallint", "mediumint", "int", "bigint", NULL };
	if (!strcmp(b, "integer"))
		return 4;
	for (int i = 0; r[i]; i++)
		if (!strcmp(b, r[i]))
			return i + 1;
	return 0;
}

/* TINYTEXT < TEXT < MEDIUMTEXT < LONGTEXT (and the BLOBs): 1 to 4, 0 when
 * not one; *text says which kind. */
static int lob_rank(const char *b, int *text)
{
	static const char *const r[] = { "tiny", "", "medium", "long" };
	size_t n = strlen(b);
	*text = n >= 4 && !strcmp(b + n - 4, "text");
	if (n < 4 || (!*text && strcmp(b + n - 4, "blob")))
		return 0;
	for (int i = 0; i < 4; i++)
		if (strlen(r[i]) == n - 4 && !strncmp(b, r[i], n - 4))
			return i + 1;
	return 0;
}

/* The bytes a TEXT or BLOB kind holds (rank 1 to 4). */
static unsigned long long lob_bytes(int rank)
{
	static const unsigned long long b[] = { 255, 65535, 16777215, 4294967295ull };
	return b[rank - 1];
}

static const char *const temporal[] = { "datetime", "timestamp", "time", NULL };
static const char *const strs[] = { "char", "varchar", "binary", "varbinary", NULL };
static const char *const decs[] = { "decimal", "numeric", "dec", "fixed", NULL };

int wh_type_conv(const struct mc_col *from, const struct mc_col *to, int *arg, char *why,
		 size_t whysz)
{
	struct ty a, b;
	ty_of(from, &a);
	ty_of(to, &b);
	*arg = 0;
	if (from->mysql_type.n == to->mysql_type.n &&
	    !strncasecmp(from->mysql_type.p, to->mysql_type.p, from->mysql_type.n) && a.uns == b.uns)
		return WH_CV_SAME;
	if (int_rank(a.base) && int_rank(b.base)) {
		if (int_rank(b.base) >= int_rank(a.base) && (a.uns == b.uns ||
		     (a.uns && !b.uns && int_rank(b.base) > int_rank(a.base))))
			return WH_CV_SAME;
	} else if (in(a.base, decs) && in(b.base, decs)) {
		long p1 = a.a1 < 0 ? 10 : a.a1, s1 = a.a2 < 0 ? 0 : a.a2;
		long p2 = b.a1 < 0 ? 10 : b.a1, s2 = b.a2 < 0 ? 0 : b.a2;
		if (s2 >= s1 && p2 - s2 >= p1 - s1 && (a.uns || !b.uns)) {
			*arg = (int)s2;
			return s2 > s1 ? WH_CV_DEC : WH_CV_SAME;
		}
	} else if (in(a.base, strs) && strcmp(a.base, "binary") &&
		   (!strcmp(a.base, b.base) || (!strcmp(a.base, "char") && !strcmp(b.base, "varchar")))) {
		/* (CHAR to VARCHAR: the server keeps the text as read, its
		 * trailing spaces gone, as the records hold it) */
		if (b.a1 >= (a.a1 < 0 ? 1 : a.a1))
			return WH_CV_SAME;
	} else if (in(a.base, temporal) && !strcmp(a.base, b.base)) {
		long d1 = a.a1 < 0 ? 0 : a.a1, d2 = b.a1 < 0 ? 0 : b.a1;
		if (d2 >= d1) {
			*arg = (int)d2;
			return d2 > d1 ? WH_CV_FRAC : WH_CV_SAME;
		}
	} else if (!strcmp(a.base, "float") && a.a1 < 0 && !strcmp(b.base, "double")) {
		return WH_CV_F64;
	}
	/* TEXT to MEDIUMTEXT, BLOB to LONGBLOB: only the most bytes a value
	 * may have grows (CONVERT TO CHARACTER SET utf8mb4 of a latin1 TEXT
	 * makes it MEDIUMTEXT); VARCHAR(n) to a TEXT kind that holds n
	 * characters of 4 bytes (VARCHAR(20000) in latin1 converted becomes
	 * MEDIUMTEXT), VARBINARY(n) to a BLOB kind that holds n bytes: the
	 * same text or bytes, the server changes no value */
	int ta, tb, ra = lob_rank(a.base, &ta), rb = lob_rank(b.base, &tb);
	if (rb && ra && ta == tb && rb >= ra)
		return WH_CV_SAME;
	if (rb && !ra && a.a1 >= 0 &&
	    ((tb && (!strcmp(a.base, "varchar") || !strcmp(a.base, "char")) &&
	      4ull * (unsigned long)a.a1 <= lob_bytes(rb)) ||
	     (!tb && !strcmp(a.base, "varbinary") && (unsigned long)a.a1 <= lob_bytes(rb))))
		return WH_CV_SAME;
	/* ENUM or SET labels appended at the end: the values (their texts) stay */
	if (mc_labels_appended(from->mysql_type.p, from->mysql_type.n, to->mysql_type.p, to->mysql_type.n))
		return WH_CV_SAME;
	snprintf(why, whysz, "'%.*s' to '%.*s' is not a widening mcsync converts exactly "
		 "(it narrows, or changes the kind of value)", (int)from->mysql_type.n,
		 from->mysql_type.p, (int)to->mysql_type.n, to->mysql_type.p);
	return WH_CV_ERR;
}

/* ---- defaults of added columns ---- */

/* A decimal literal as the column's value: sign, digits, scale s padded;
 * 0, or -1 when it has more fraction digits than s (MySQL rounds). */
static int dec_text(const char *lit, long s, struct mc_buf *b)
{
	const char *p = lit, *dot;
	if (*p == '+')
		p++;
	if (*p == '-') {
		if (buf_addc(b, '-') < 0)
			return -1;
		p++;
	}
	if (!*p || strspn(p, "0123456789.") != strlen(p) || strchr(p, '.') != strrchr(p, '.'))
		return -1;
	while (*p == '0' && p[1] && p[1] != '.')
		p++;
	dot = strchr(p, '.');
	size_t ip = dot ? (size_t)(dot - p) : strlen(p), fp = dot ? strlen(dot + 1) : 0;
	if ((long)fp > s)
		return -1;
	if ((ip ? buf_add(b, p, ip) : buf_addc(b, '0')) < 0)
		return -1;
	if (s > 0 && (buf_addc(b, '.') < 0 || (fp && buf_add(b, dot + 1, fp) < 0)))
		return -1;
	for (long i = (long)fp; i < s; i++)
		if (buf_addc(b, '0') < 0)
			return -1;
	return 0;
}

/* The first member of enum('a','b'). */
static int enum_first(const struct mc_col *c, struct mc_buf *b)
{
	struct lex l = { .p = c->mysql_type.p, .e = c->mysql_type.p + c->mysql_type.n };
	char v[256];
	do
		if (wl_next(&l) < 0)
			return -1;
	while (l.kind != TK_END && l.kind != TK_STR);
	if (l.kind != TK_STR)
		return -1;
	size_t n = wl_unquote(&l, v, sizeof v);
	return buf_add(b, v, n);
}

/* The labels of enum('a','b') or set('a','b'), in order: the index of
 * lit among them (0-based), -1 when it is none (exactly, byte for byte),
 * -2 when they cannot be read. */
static long label_index(const struct mc_col *c, const char *lit, size_t n)
{
	struct lex l = { .p = c->mysql_type.p, .e = c->mysql_type.p + c->mysql_type.n };
	char v[256];
	for (long i = 0;; ) {
		if (wl_next(&l) < 0)
			return -2;
		if (l.kind == TK_END)
			return -1;
		if (l.kind != TK_STR)
			continue;
		if (wl_unquote_len(&l) + 1 > sizeof v)
			return -2;
		size_t k = wl_unquote(&l, v, sizeof v);
		if (k == n && memcmp(v, lit, n) == 0)
			return i;
		i++;
	}
}

/* A numeric literal as MySQL writes it into a string column: only the
 * forms it writes unchanged (an integer without leading zeros, a decimal
 * with digits on both sides of the point, not a negative zero). */
static int num_as_text(const char *lit)
{
	const char *p = lit + (*lit == '-');
	size_t ip = strspn(p, "0123456789");
	int nonzero = strcspn(p, "123456789") < strlen(p);
	if (ip == 0 || (ip > 1 && *p == '0') || (*lit == '-' && !nonzero))
		return 0;
	p += ip;
	if (*p == '.') {
		size_t fp = strspn(p + 1, "0123456789");
		if (fp == 0)
			return 0;
		p += 1 + fp;
	}
	return *p == 0;
}

/* The value an added column gives older rows (kind and its text in b);
 * -1 with why when it cannot be known exactly. */
int wh_def_value(const struct wh_alt *x, const struct mc_col *c, struct mc_val *v,
		     struct mc_buf *b, char *why, size_t whysz)
{
	struct ty t;
	const char *lit = x->lit;
	size_t at = b->len;
	int implicit = 0;
	ty_of(c, &t);
	memset(v, 0, sizeof *v);
	if (x->autoinc) {
		snprintf(why, whysz, "it is AUTO_INCREMENT: the server numbered the older rows, in an "
			 "order the binlog does not say");
		return -1;
	}
	if (x->bslash && x->def == WH_DEF_STR) {
		snprintf(why, whysz, "its DEFAULT '%s' holds a backslash, an escape or itself by the "
			 "statement's sql_mode (NO_BACKSLASH_ESCAPES), which its record does not say",
			 x->lit);
		return -1;
	}
	switch (x->def) {
	case WH_DEF_LONG:
		snprintf(why, whysz, "its DEFAULT string is longer than the %zu bytes mcsync reads of "
			 "it", sizeof x->lit - 1);
		return -1;
	case WH_DEF_LATER:
		snprintf(why, whysz, "another clause of the statement changes it again (ALTER "
			 "COLUMN ... SET or DROP DEFAULT, MODIFY or CHANGE): the older rows got the "
			 "last definition's default, which mcsync does not follow");
		return -1;
	case WH_DEF_GENERATED:
		snprintf(why, whysz, "it is a generated column: its value for the older rows is an "
			 "expression mcsync does not compute");
		return -1;
	case WH_DEF_EXPR:
		snprintf(why, whysz, "its DEFAULT %s is an expression: its value for the older rows "
			 "is not known here", x->lit);
		return -1;
	case WH_DEF_NULL:
		if (!c->nullable) {
			snprintf(why, whysz, "DEFAULT NULL on a NOT NULL column");
			return -1;
		}
		v->kind = MC_V_NULL;
		return 0;
	case WH_DEF_NONE:
		if (c->nullable && !x->not_null) {
			v->kind = MC_V_NULL;
			return 0;
		}
		implicit = 1;
		lit = "0";
		break;
	default:
		break;
	}
	if (int_rank(t.base) || !strcmp(t.base, "year") || !strcmp(t.base, "bool") ||
	    !strcmp(t.base, "boolean")) {
		char *e;
		errno = 0;
		if (t.uns && lit[0] != '-') {
			unsigned long long u = strtoull(lit, &e, 10);
			v->kind = u > INT64_MAX ? MC_V_UINT : MC_V_INT;
			if (u > INT64_MAX)
				v->v.u = u;
			else
				v->v.i = (int64_t)u;
		} else {
			v->kind = MC_V_INT;
			v->v.i = strtoll(lit, &e, 10);
		}
		if (!*lit || *e || errno) {
			snprintf(why, whysz, "its DEFAULT '%s' is not an integer mcsync reads exactly", lit);
			return -1;
		}
		if (!strcmp(t.base, "year") && !implicit) {
			/* MySQL's two-digit years: 1..99 (a number) and a string of
			 * 1 to 3 digits below 100 ('0' too) are 2000..2069 and
			 * 1970..1999; a number 0 and '0000' are 0000 */
			size_t nd = strlen(lit);
			if (strspn(lit, "0123456789") != nd) {
				snprintf(why, whysz, "its DEFAULT '%s' is not a YEAR mcsync reads exactly",
					 lit);
				return -1;
			}
			if (v->v.i < 100 && (x->def == WH_DEF_STR ? nd != 4 : v->v.i != 0))
				v->v.i += v->v.i < 70 ? 2000 : 1900;
		}
		return 0;
	}
	if (in(t.base, decs)) {
		if (dec_text(lit, t.a2 < 0 ? 0 : t.a2, b) < 0) {
			b->len = at;
			snprintf(why, whysz, "its DEFAULT '%s' is not a decimal of its scale", lit);
			return -1;
		}
		if (b->len > at && b->p[at] == '-') { /* -0 is 0 */
			size_t i = at + 1;
			while (i < b->len && (b->p[i] == '0' || b->p[i] == '.'))
				i++;
			if (i == b->len) {
				memmove(b->p + at, b->p + at + 1, b->len - at - 1);
				b->len--;
			}
		}
		v->kind = MC_V_DECIMAL;
	} else if (!strcmp(t.base, "float") || !strcmp(t.base, "double") || !strcmp(t.base, "real")) {
		char *e;
		double d = strtod(lit, &e);
		const char *dot = strchr(lit, '.');
		if (!*lit || *e || isspace((unsigned char)*lit) || strpbrk(lit, "xXnNiI")) {
			snprintf(why, whysz, "its DEFAULT '%s' is not a number", lit);
			return -1;
		}
		if ((x->fscale && !implicit && (dot || strpbrk(lit, "eE"))) ||
		    (t.a2 >= 0 && (strpbrk(lit, "eE") || (dot && (long)strlen(dot + 1) > t.a2)))) {
			/* FLOAT(M,D): MySQL rounds to D digits */
			snprintf(why, whysz, "its DEFAULT %s is rounded by the server to the column's D digits (FLOAT(M,D), DOUBLE(M,D)), which mcsync does not compute",
				 lit);
			return -1;
		}
		if (d == 0)
			d = 0; /* -0 is 0 */
		if (!strcmp(t.base, "float")) {
			v->kind = MC_V_F32;
			v->v.f32 = (float)d;
			if (v->v.f32 == 0)
				v->v.f32 = 0; /* -1e-46 is -0 as a FLOAT: 0 */
		} else {
			v->kind = MC_V_F64;
			v->v.f64 = d;
		}
		return 0;
	} else if (in(t.base, (const char *const[]){ "char", "varchar", "tinytext", "text",
						      "mediumtext", "longtext", "set", "enum",
						      NULL })) {
		int en = !strcmp(t.base, "enum"), st = !strcmp(t.base, "set");
		size_t n = x->litn;
		v->kind = MC_V_STR;
		if (!implicit && x->def != WH_DEF_STR && (en || st || !num_as_text(x->lit))) {
			/* MySQL writes 1e2 as 100, 007 as 7; a number is an index
			 * into an ENUM or SET */
			snprintf(why, whysz, "its DEFAULT %s is a number whose text in a '%.*s' column "
				 "mcsync does not compute exactly", x->lit, (int)c->mysql_type.n,
				 c->mysql_type.p);
			return -1;
		}
		if (!implicit && !strcmp(t.base, "char"))
			while (n > 0 && x->lit[n - 1] == ' ')
				n--; /* CHAR drops trailing spaces */
		if (!implicit && (en || st)) {
			/* the server keeps the labels as defined: only a literal
			 * that is one (ENUM), or several in their order (SET),
			 * byte for byte, is the value as written */
			long last = -1;
			for (size_t i = 0; i < n && st;) {
				size_t e = i;
				while (e < n && x->lit[e] != ',')
					e++;
				long k = label_index(c, x->lit + i, e - i);
				if (k <= last) {
					last = -3;
					break;
				}
				last = k;
				i = e + 1;
				if (e + 1 == n)
					last = -3; /* 'a,' */
			}
			if (en ? label_index(c, x->lit, n) < 0 : last == -3) {
				snprintf(why, whysz, "its DEFAULT '%s' is not written as the server keeps "
					 "the value of '%.*s' (its labels, in their order, as defined)",
					 x->lit, (int)c->mysql_type.n, c->mysql_type.p);
				return -1;
			}
		}
		if (implicit && en && !x->nulls) {
			if (enum_first(c, b) < 0) {
				b->len = at;
				snprintf(why, whysz, "the first member of '%.*s' cannot be read",
					 (int)c->mysql_type.n, c->mysql_type.p);
				return -1;
			}
		} else if (!implicit && buf_add(b, x->lit, n) < 0) {
			return -1;
		}
	} else if (in(t.base, (const char *const[]){ "varbinary", "tinyblob", "blob", "mediumblob",
						      "longblob", NULL })) {
		v->kind = MC_V_BIN;
		if (!implicit && x->def != WH_DEF_STR && !num_as_text(x->lit)) {
			snprintf(why, whysz, "its DEFAULT %s is a number whose text in a '%.*s' column "
				 "mcsync does not compute exactly", x->lit, (int)c->mysql_type.n,
				 c->mysql_type.p);
			return -1;
		}
		if (!implicit && buf_add(b, x->lit, x->litn) < 0)
			return -1;
	} else if (!implicit && x->def == WH_DEF_STR &&
		   (!strcmp(t.base, "date") || !strcmp(t.base, "datetime") || !strcmp(t.base, "time"))) {
		long d = t.a1 < 0 ? 0 : t.a1;
		const char *dot = strchr(x->lit, '.');
		long have = dot ? (long)strlen(dot + 1) : 0;
		v->kind = !strcmp(t.base, "date") ? MC_V_DATE : !strcmp(t.base, "time") ? MC_V_TIME
											: MC_V_DATETIME;
		const char *tl = x->lit;
		size_t tn = x->litn;
		if (tl[0] == '-' && strspn(tl + 1, "0:.") == tn - 1) {
			tl++; /* TIME '-00:00:00' is 00:00:00 */
			tn--;
		}
		if (have > d || buf_add(b, tl, tn) < 0) {
			b->len = at;
			snprintf(why, whysz, "its DEFAULT '%s' has more fraction digits than the column", x->lit);
			return -1;
		}
		if (d > 0 && !dot && buf_addc(b, '.') < 0)
			return -1;
		for (long i = have; i < d; i++)
			if (buf_addc(b, '0') < 0)
				return -1;
		/* the server reads more forms ('2024-01-02 3:04:05'); mcsync
		 * keeps the literal as it is, so it must be one of the record's */
		struct mc_val tv = { .kind = v->kind };
		struct mc_err e = { 0 };
		tv.v.s.p = b->p + at;
		tv.v.s.n = b->len - at;
		if (rec_val_validate(&tv, &e) < 0) {
			b->len = at;
			snprintf(why, whysz, "its DEFAULT '%s' is not written in the form mcsync "
				 "keeps a '%.*s' value in (%s), and mcsync does not compute what the "
				 "server stores for it", x->lit, (int)c->mysql_type.n, c->mysql_type.p,
				 rec_vkind_name(v->kind));
			return -1;
		}
	} else {
		snprintf(why, whysz, "%s '%.*s' column %s: its value for the older rows is not one "
			 "mcsync computes exactly", implicit ? "a NOT NULL" : "a",
			 (int)c->mysql_type.n, c->mysql_type.p,
			 x->nulls ? "whose NULLs the server made its zero value, whatever its DEFAULT"
			 : implicit ? "without DEFAULT (MySQL's implicit default)" : "with this DEFAULT");
		return -1;
	}
	v->v.s.p = NULL; /* set once b holds everything: (const char *)offset */
	v->v.s.n = b->len - at;
	v->v.s.p = (const char *)(uintptr_t)at;
	return 0;
}

/* ---- charsets ---- */

static int is_text_type(const struct mc_col *c)
{
	static const char *const t[] = { "char", "varchar", "tinytext", "text", "mediumtext",
					 "longtext", NULL };
	struct ty y;
	ty_of(c, &y); /* its base type, as the conversions read it */
	return in(y.base, t);
}

int wh_cs_plan(const char *name, const struct mc_col *c, int *cv, const struct cs_info **out,
	       char *why, size_t whysz)
{
	const struct cs_info *cs = cs_by_name(name);
	if (!is_text_type(c) || (cs && cs->how == CS_PASS && cs->mbmax == 4))
		return 0; /* (ENUM, SET, binary types: as before; utf8mb4 holds all) */
	if (!cs || cs->how == CS_NONE || cs->how == CS_BINARY ||
	    (cs->how == CS_CONVERT && cs->iconv && strcmp(cs->name, "ascii") != 0)) {
		snprintf(why, whysz, "converted into charset %s by the statement: the server's "
			 "text of the older rows in it is not one mcsync computes", name);
		return -1;
	}
	if (*cv != WH_CV_SAME) {
		snprintf(why, whysz, "its type and its charset (%s) changed in one statement", name);
		return -1;
	}
	*cv = WH_CV_CS;
	*out = cs;
	return 0;
}

int wh_cs_text(const struct cs_info *cs, const struct mc_val *v, struct mc_buf *b,
	       struct mc_err *err)
{
	struct mc_buf tmp = { 0 };
	const char *s = v->v.s.p;
	size_t n = v->v.s.n, at = 0, start = b->len;
	int replaced = 0, rc = 0;
	if (v->kind != MC_V_STR)
		return 0;
	while (rc == 0 && at < n) {
		size_t bad = 0, l = 1;
		tmp.len = 0;
		int r = cs_from_utf8(cs, s + at, n - at, &tmp, &bad, err);
		if (r == 0)
			break;
		if (r == -1) {
			rc = -1;
			break;
		}
		/* the character at bad, which cs cannot hold: '?' */
		unsigned char c0 = (unsigned char)s[at + bad];
		l = c0 >= 0xf0 ? 4 : c0 >= 0xe0 ? 3 : c0 >= 0xc0 ? 2 : 1;
		if (buf_add(b, s + at, bad) < 0 ||
		    buf_addc(b, '?') < 0)
			rc = mc_oom(err, "text");
		replaced = 1;
		at += bad + l;
	}
	if (rc == 0 && replaced && at < n && buf_add(b, s + at, n - at) < 0)
		rc = mc_oom(err, "text");
	buf_free(&tmp);
	if (rc < 0)
		b->len = start;
	return rc < 0 ? -1 : replaced;
}
