/* schemaconv.c: the column clauses of ALTER TABLE, and a row converted
 * from one schema version to the next (schemahist.h; docs/merge.md
 * "Schema changes"). */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "stream/labels.h"
#include "wh/schemahist.h"
#include "wh/altlex.h"

/* A column definition after its name: the type and attributes, to the
 * end of the clause (or of a parenthesised list: stop at ')' at depth 0). */
static int coldef(struct lex *l, struct wh_alt *a)
{
	int depth = 0;
	a->def = WH_DEF_NONE;
	a->not_null = 0;
	a->autoinc = 0;
	a->bslash = 0;
	a->fscale = wl_float_scaled(l);
	for (;;) {
		if (l->kind == TK_END || (depth == 0 && (wl_is_p(l, ',') || wl_is_p(l, ')'))))
			return 0;
		if (wl_is_p(l, '('))
			depth++;
		else if (wl_is_p(l, ')'))
			depth--;
		else if (depth == 0 && wl_is_kw(l, "NOT")) {
			if (wl_next(l) < 0)
				return -1;
			if (wl_is_kw(l, "NULL"))
				a->not_null = 1;
			continue;
		} else if (depth == 0 && (wl_is_kw(l, "AS") || wl_is_kw(l, "GENERATED"))) {
			a->def = WH_DEF_GENERATED;
		} else if (depth == 0 && wl_is_kw(l, "AUTO_INCREMENT")) {
			a->autoinc = 1;
		} else if (depth == 0 && wl_is_kw(l, "DEFAULT") && a->def != WH_DEF_GENERATED) {
			if (wl_next(l) < 0)
				return -1;
			int neg = 0;
			if (wl_is_p(l, '-') || wl_is_p(l, '+')) {
				neg = *l->t == '-';
				if (wl_next(l) < 0)
					return -1;
			}
			if (l->kind == TK_STR && l->q == '\'' && !neg && !l->bx) {
				/* 'a' 'b' is one literal, 'ab' */
				a->def = WH_DEF_STR;
				a->litn = 0;
				do {
					if (memchr(l->t, '\\', l->n))
						a->bslash = 1;
					if (a->litn + wl_unquote_len(l) + 1 > sizeof a->lit)
						a->def = WH_DEF_LONG;
					else
						a->litn += wl_unquote(l, a->lit + a->litn,
								   sizeof a->lit - a->litn);
					if (wl_next(l) < 0)
						return -1;
				} while (l->kind == TK_STR && l->q == '\'' && !l->bx);
				if (l->kind == TK_STR) /* 'ab' "cd", 'ab' x'63': the server's text */
					a->def = WH_DEF_EXPR;
				continue;
			} else if (l->kind == TK_NUM && l->n + 2 < sizeof a->lit) {
				a->def = WH_DEF_LIT;
				a->litn = (size_t)snprintf(a->lit, sizeof a->lit, "%s%.*s", neg ? "-" : "",
							   (int)l->n, l->t);
			} else if (wl_is_kw(l, "NULL") && !neg) {
				a->def = WH_DEF_NULL;
			} else if ((wl_is_kw(l, "TRUE") || wl_is_kw(l, "FALSE")) && !neg) {
				a->def = WH_DEF_LIT;
				a->litn = (size_t)snprintf(a->lit, sizeof a->lit, "%d", wl_is_kw(l, "TRUE"));
			} else {
				a->def = WH_DEF_EXPR; /* a function, an expression, b'..' */
				snprintf(a->lit, sizeof a->lit, "%.*s", (int)(l->n < 200 ? l->n : 200), l->t);
				a->litn = strlen(a->lit);
				continue;
			}
		}
		if (wl_next(l) < 0)
			return -1;
	}
}

static int bad(struct mc_err *err, const char *why)
{
	return mc_errf(err, MC_EXIT_DATA, "the ALTER TABLE statement cannot be read: %s", why);
}

static struct wh_alt *alt_new(struct wh_alter *a, int op, struct mc_err *err)
{
	if (a->n == WH_ALT_MAX) {
		bad(err, "more than 64 column clauses");
		return NULL;
	}
	struct wh_alt *x = &a->a[a->n++];
	memset(x, 0, sizeof *x);
	x->op = op;
	return x;
}

/* ADD [COLUMN] [IF NOT EXISTS] name def | ADD [COLUMN] (name def, ...) */
static int clause_add(struct lex *l, struct wh_alter *a, struct mc_err *err)
{
	int paren = 0, col = wl_is_kw(l, "COLUMN");
	if (col && wl_next(l) < 0)
		return -1;
	if (wl_is_kw(l, "PRIMARY")) {
		if (!alt_new(a, WH_ALT_ADD_PK, err))
			return -1;
		return wl_skip_clause(l);
	}
	if (wl_is_kw(l, "INDEX") || wl_is_kw(l, "KEY") || wl_is_kw(l, "UNIQUE") || wl_is_kw(l, "CONSTRAINT") ||
	    wl_is_kw(l, "FOREIGN") || wl_is_kw(l, "FULLTEXT") || wl_is_kw(l, "SPATIAL") ||
	    wl_is_kw(l, "PARTITION") || wl_is_kw(l, "CHECK") || (!col && wl_no_column(l)))
		return wl_skip_clause(l);
	if (wl_is_kw(l, "IF")) { /* IF NOT EXISTS */
		for (int i = 0; i < 3; i++)
			if (wl_next(l) < 0)
				return -1;
	}
	if (wl_is_p(l, '(')) {
		paren = 1;
		if (wl_next(l) < 0)
			return -1;
	}
	for (;;) {
		struct wh_alt *x = alt_new(a, WH_ALT_ADD, err);
		if (!x)
			return -1;
		if (!wl_name_of(l, x->name, sizeof x->name))
			return bad(err, "ADD without a column name");
		if (wl_next(l) < 0 || coldef(l, x) < 0)
			return -1;
		if (!paren)
			return 0;
		if (wl_is_p(l, ')')) {
			if (wl_next(l) < 0)
				return -1;
			return 0;
		}
		if (!wl_is_p(l, ',') || wl_next(l) < 0)
			return bad(err, "ADD (...) not closed");
	}
}

int wh_alter_parse(const char *sql, size_t n, struct wh_alter *a, struct mc_err *err)
{
	struct lex l = { .p = sql, .e = sql + n };
	a->n = 0;
	if (wl_next(&l) < 0)
		return bad(err, "a quote not closed");
	if (!wl_is_kw(&l, "ALTER"))
		return 0;
	while (!wl_is_kw(&l, "TABLE"))
		if (l.kind == TK_END || wl_next(&l) < 0)
			return 0;
	if (wl_next(&l) < 0)
		return bad(err, "a quote not closed");
	if (wl_is_kw(&l, "IF")) /* IF EXISTS */
		for (int i = 0; i < 2; i++)
			if (wl_next(&l) < 0)
				return bad(err, "a quote not closed");
	/* the table's name: [db.]t */
	if (wl_next(&l) < 0)
		return bad(err, "a quote not closed");
	if (wl_is_p(&l, '.') && (wl_next(&l) < 0 || wl_next(&l) < 0))
		return bad(err, "a quote not closed");
	if (wl_skip_wait(&l) < 0) /* (it was taken for the first clause, skipped) */
		return bad(err, "a quote not closed");
	while (l.kind != TK_END) {
		struct wh_alt *x;
		if (wl_is_kw(&l, "ADD")) {
			struct mc_err e2 = { 0 };
			if (wl_next(&l) < 0)
				return bad(err, "a quote not closed");
			if (clause_add(&l, a, &e2) < 0) {
				if (!e2.msg[0])
					return bad(err, "a quote not closed");
				*err = e2;
				return -1;
			}
		} else if (wl_is_kw(&l, "DROP")) {
			if (wl_next(&l) < 0)
				return bad(err, "a quote not closed");
			if (wl_is_kw(&l, "PRIMARY")) {
				if (!alt_new(a, WH_ALT_DROP_PK, err))
					return -1;
			} else if (!(wl_is_kw(&l, "INDEX") || wl_is_kw(&l, "KEY") || wl_is_kw(&l, "FOREIGN") ||
				     wl_is_kw(&l, "CONSTRAINT") || wl_is_kw(&l, "PARTITION") ||
				     wl_is_kw(&l, "CHECK") || wl_is_kw(&l, "DEFAULT") || wl_is_kw(&l, "PERIOD") ||
				     wl_is_kw(&l, "SYSTEM"))) {
				if (wl_is_kw(&l, "COLUMN") && wl_next(&l) < 0)
					return bad(err, "a quote not closed");
				if (wl_is_kw(&l, "IF") && (wl_next(&l) < 0 || wl_next(&l) < 0))
					return bad(err, "a quote not closed");
				if (!(x = alt_new(a, WH_ALT_DROP, err)))
					return -1;
				if (!wl_name_of(&l, x->name, sizeof x->name))
					return bad(err, "DROP without a column name");
			}
		} else if (wl_is_kw(&l, "CHANGE") || wl_is_kw(&l, "MODIFY")) {
			int change = wl_is_kw(&l, "CHANGE");
			if (wl_next(&l) < 0)
				return bad(err, "a quote not closed");
			if (wl_is_kw(&l, "COLUMN") && wl_next(&l) < 0)
				return bad(err, "a quote not closed");
			if (wl_is_kw(&l, "IF") && (wl_next(&l) < 0 || wl_next(&l) < 0))
				return bad(err, "a quote not closed");
			if (!(x = alt_new(a, change ? WH_ALT_RENAME : WH_ALT_MODIFY, err)))
				return -1;
			if (!wl_name_of(&l, x->name, sizeof x->name))
				return bad(err, "CHANGE or MODIFY without a column name");
			if (change) {
				if (wl_next(&l) < 0 || !wl_name_of(&l, x->to, sizeof x->to))
					return bad(err, "CHANGE without the new name");
				struct wh_alt *m = alt_new(a, WH_ALT_MODIFY, err);
				if (!m)
					return -1;
				memcpy(m->name, x->to, sizeof m->name);
			}
			/* the new type, FLOAT(M,D), and AS (...): on the clause that
			 * names the column as it was (CHANGE's RENAME, or MODIFY) */
			struct lex ty = l;
			struct wh_alt m = { 0 };
			if (wl_next(&ty) == 0 && coldef(&ty, &m) == 0) {
				x->fscale = m.fscale;
				x->def = m.def == WH_DEF_GENERATED ? WH_DEF_GENERATED : WH_DEF_NONE;
			}
		} else if (wl_is_kw(&l, "RENAME")) {
			if (wl_next(&l) < 0)
				return bad(err, "a quote not closed");
			if (wl_is_kw(&l, "COLUMN")) {
				if (!(x = alt_new(a, WH_ALT_RENAME, err)))
					return -1;
				if (wl_next(&l) < 0 || !wl_name_of(&l, x->name, sizeof x->name) || wl_next(&l) < 0 ||
				    !wl_is_kw(&l, "TO") || wl_next(&l) < 0 || !wl_name_of(&l, x->to, sizeof x->to))
					return bad(err, "RENAME COLUMN a TO b expected");
			}
		}
		if (wl_skip_clause(&l) < 0)
			return bad(err, "a quote not closed");
		if (wl_is_p(&l, ',') && wl_next(&l) < 0)
			return bad(err, "a quote not closed");
	}
	return 0;
}

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
	} else if (in(a.base, strs) && !strcmp(a.base, b.base) && strcmp(a.base, "binary")) {
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
	    ((tb && !strcmp(a.base, "varchar") && 4ull * (unsigned long)a.a1 <= lob_bytes(rb)) ||
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
static int def_value(const struct wh_alt *x, const struct mc_col *c, struct mc_val *v,
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
		if (implicit && en) {
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
			 implicit ? "without DEFAULT (MySQL's implicit default)" : "with this DEFAULT");
		return -1;
	}
	v->v.s.p = NULL; /* set once b holds everything: (const char *)offset */
	v->v.s.n = b->len - at;
	v->v.s.p = (const char *)(uintptr_t)at;
	return 0;
}

/* ---- steps ---- */

struct wcol {
	char name[256];
	int src;                 /* column of k, or -1 */
	const struct wh_alt *add;
	int fscale;              /* made FLOAT(M,D)/DOUBLE(M,D) by a statement */
	int gen;                 /* made a generated column by a statement */
};

static int name_eq(const char *a, struct mc_str b)
{
	return strlen(a) == b.n && strncasecmp(a, b.p, b.n) == 0;
}

static long wfind(struct wcol *w, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(w[i].name, name) == 0)
			return (long)i;
	return -1;
}

void wh_step_free(struct wh_step *s)
{
	for (size_t i = 0; s->why && i < s->n; i++)
		free(s->why[i]);
	free(s->why);
	free(s->src);
	free(s->cv);
	free(s->arg);
	free(s->def);
	free(s->refuse);
	buf_free(&s->defbuf);
	memset(s, 0, sizeof *s);
}

static int set_why(struct wh_step *s, size_t j, const char *why, struct mc_err *err)
{
	free(s->why[j]);
	if (!(s->why[j] = mc_strdup(why)))
		return mc_oom(err, "schema step");
	return 0;
}

int wh_step_plan(const struct wh_hist *h, size_t k, struct wh_step *s, struct mc_err *err)
{
	const struct mc_rec *S = &h->v[k].s.rec, *T = &h->v[k + 1].s.rec;
	const struct wh_hver *V = &h->v[k + 1];
	struct wcol *w = calloc(S->ncols + WH_ALT_MAX * (V->nddl + 1) + 1, sizeof *w);
	struct wh_alter *alts = calloc(V->nddl ? V->nddl : 1, sizeof *alts);
	size_t nw = 0;
	int rc = -1;
	char why[600], at[64];

	memset(s, 0, sizeof *s);
	s->n = T->ncols;
	if (!w || !alts || !(s->src = calloc(s->n + 1, sizeof *s->src)) ||
	    !(s->cv = calloc(s->n + 1, sizeof *s->cv)) || !(s->arg = calloc(s->n + 1, sizeof *s->arg)) ||
	    !(s->def = calloc(s->n + 1, sizeof *s->def)) ||
	    !(s->why = calloc(s->n + 1, sizeof *s->why))) {
		mc_oom(err, "schema step");
		goto out;
	}
	pos_format(&V->start, at, sizeof at);
	for (size_t i = 0; i < S->ncols; i++, nw++) {
		snprintf(w[nw].name, sizeof w[nw].name, "%.*s", (int)S->cols[i].name.n, S->cols[i].name.p);
		w[nw].src = (int)i;
	}
	for (size_t d = 0; d < V->nddl; d++) {
		struct mc_err e = { 0 };
		if (wh_alter_parse(V->ddl[d].sql, V->ddl[d].n, &alts[d], &e) < 0) {
			char dp[64];
			pos_format(&V->ddl[d].pos, dp, sizeof dp);
			snprintf(why, sizeof why, "'%.200s' at %s: %.300s", V->ddl[d].sql, dp, e.msg);
			if (!(s->refuse = mc_strdup(why)))
				mc_oom(err, "schema step");
			rc = s->refuse ? 0 : -1;
			goto out;
		}
		/* The clauses of one statement name the columns as they were
		 * before it (RENAME COLUMN a TO b, RENAME COLUMN b TO a swaps
		 * them): each DROP and RENAME finds its column first, then
		 * the renames and drops apply, then the adds. */
		long f[WH_ALT_MAX];
		for (size_t i = 0; i < alts[d].n; i++)
			f[i] = wfind(w, nw, alts[d].a[i].name);
		for (size_t i = 0; i < alts[d].n; i++)
			if ((alts[d].a[i].op == WH_ALT_RENAME || alts[d].a[i].op == WH_ALT_MODIFY) &&
			    f[i] >= 0) { /* FLOAT(M,D); MODIFY g INT AS (a * 3) */
				w[f[i]].fscale |= alts[d].a[i].fscale;
				w[f[i]].gen |= alts[d].a[i].def == WH_DEF_GENERATED;
			}
		for (size_t i = 0; i < alts[d].n; i++)
			if (alts[d].a[i].op == WH_ALT_RENAME && f[i] >= 0)
				snprintf(w[f[i]].name, sizeof w[f[i]].name, "%s", alts[d].a[i].to);
		for (size_t i = 0; i < alts[d].n; i++)
			if (alts[d].a[i].op == WH_ALT_DROP && f[i] >= 0)
				w[f[i]].name[0] = 0; /* dropped */
		size_t kept = 0;
		for (size_t i = 0; i < nw; i++)
			if (w[i].name[0])
				w[kept++] = w[i];
		nw = kept;
		for (size_t i = 0; i < alts[d].n; i++) {
			const struct wh_alt *x = &alts[d].a[i];
			if (x->op != WH_ALT_ADD)
				continue;
			if (wfind(w, nw, x->name) >= 0) /* ADD COLUMN IF NOT EXISTS of one there */
				continue;
			snprintf(w[nw].name, sizeof w[nw].name, "%s", x->name);
			w[nw].src = -1;
			w[nw++].add = x;
		}
	}
	for (size_t j = 0; j < T->ncols; j++) {
		char nm[256];
		long f;
		snprintf(nm, sizeof nm, "%.*s", (int)T->cols[j].name.n, T->cols[j].name.p);
		f = wfind(w, nw, nm);
		if (f < 0) {
			snprintf(why, sizeof why, "it is new in the version from %s, and %s: the value "
				 "of the older rows is not known", at, (T->schema_flags & MC_SF_NAMES_BY_INDEX)
				 ? "that version's column names are unknown (@1, @2, ...: flag "
				   "names_by_index, docs/mc-binlog-tail.md \"Column names\"): tail its "
				   "changes again with --schema and load them into a new warehouse"
				 : V->nddl ? "its statements do not add it"
				 : "the warehouse holds no statement of that version (dropped by the "
				   "rules' ignore policy, or loaded before the schema history)");
			if (set_why(s, j, why, err) < 0)
				goto out;
			s->src[j] = -1;
			continue;
		}
		s->src[j] = w[f].src;
		if (w[f].gen) { /* the server's values, computed from the expression */
			snprintf(why, sizeof why, "a statement before %s made it a generated column: "
				 "the older rows' values are the server's, not known", at);
			if (set_why(s, j, why, err) < 0)
				goto out;
			continue;
		}
		if (w[f].src < 0) {
			size_t b0 = s->defbuf.len;
			if (def_value(w[f].add, &T->cols[j], &s->def[j], &s->defbuf, why, sizeof why) < 0) {
				char full[700];
				s->defbuf.len = b0;
				snprintf(full, sizeof full, "added at %s: %s", at, why);
				if (set_why(s, j, full, err) < 0)
					goto out;
			}
			continue;
		}
		s->cv[j] = wh_type_conv(&S->cols[w[f].src], &T->cols[j], &s->arg[j], why, sizeof why);
		if (w[f].fscale) {
			/* the server rounds the values to D digits when it copies
			 * the table, and keeps them when it changes it in place */
			s->cv[j] = WH_CV_ERR;
			snprintf(why, sizeof why, "FLOAT(M,D) and DOUBLE(M,D) round the values to D "
				 "digits, or keep them, by how the server altered the table, which "
				 "the binlog does not say");
		}
		if (s->cv[j] == WH_CV_ERR && V->nddl == 0) {
			s->cv[j] = WH_CV_FIT; /* no statement (ignored): values checked */
		} else if (s->cv[j] == WH_CV_ERR) {
			char full[900];
			snprintf(full, sizeof full, "changed at %s ('%.200s'): %s", at,
				 V->ddl[V->nddl - 1].sql, why);
			if (set_why(s, j, full, err) < 0)
				goto out;
		}
	}
	/* Without a statement, columns are matched by name: a swap of two
	 * names (RENAME COLUMN v TO w, w TO v) then looks like a move of
	 * a column (MODIFY ... AFTER), and would carry each value under its
	 * old name. The columns carried must keep their order. */
	if (V->nddl == 0) {
		long last = -1;
		for (size_t j = 0; j < T->ncols; j++) {
			if (s->src[j] < 0 || s->why[j])
				continue;
			if (s->src[j] < last) {
				snprintf(why, sizeof why, "it moved in the version from %s, and the "
					 "warehouse holds no statement of that version (dropped by the "
					 "rules' ignore policy, or loaded before the schema history): a "
					 "move and a swap of column names look alike without it", at);
				if (set_why(s, j, why, err) < 0)
					goto out;
			}
			if (s->src[j] > last)
				last = s->src[j];
		}
	}
	/* the string defaults now that defbuf stays put */
	for (size_t j = 0; j < T->ncols; j++)
		if (s->src[j] < 0 && !s->why[j] && s->def[j].kind >= MC_V_STR &&
		    s->def[j].kind != MC_V_NULL)
			s->def[j].v.s.p = s->defbuf.p ? s->defbuf.p + (uintptr_t)s->def[j].v.s.p : "";
	/* the key, by column */
	s->key_changed = S->nkey != T->nkey;
	for (size_t i = 0; i < T->nkey && !s->key_changed; i++)
		s->key_changed = s->src[T->key[i]] != (int)S->key[i];
	rc = 0;
out:
	free(w);
	free(alts);
	if (rc < 0)
		wh_step_free(s);
	return rc;
}

/* v's text with its fraction padded to d digits (after a '.' added when
 * it has none) into b at *off. */
static int pad_frac(const struct mc_val *v, long d, struct mc_buf *b)
{
	const char *dot = memchr(v->v.s.p, '.', v->v.s.n);
	long have = dot ? (long)(v->v.s.p + v->v.s.n - dot - 1) : 0;
	if (buf_add(b, v->v.s.p, v->v.s.n) < 0 || (!dot && d > 0 && buf_addc(b, '.') < 0))
		return -1;
	for (long i = have; i < d; i++)
		if (buf_addc(b, '0') < 0)
			return -1;
	return 0;
}

int wh_step_image(const struct wh_step *s, const struct mc_val *inv, size_t n,
		  struct mc_val *out, struct mc_buf *scratch, struct mc_err *err)
{
	size_t base = scratch->len;
	(void)name_eq;
	if (s->refuse)
		return mc_errf(err, MC_EXIT_DATA, "%s", s->refuse);
	for (size_t j = 0; j < s->n; j++) {
		if (s->why[j])
			return mc_errf(err, MC_EXIT_DATA, "column %zu: %s", j + 1, s->why[j]);
		if (s->src[j] < 0) {
			out[j] = s->def[j];
			continue;
		}
		if ((size_t)s->src[j] >= n)
			return mc_errf(err, MC_EXIT_DATA, "internal: an image of %zu values", n);
		out[j] = inv[s->src[j]];
		if (out[j].kind == MC_V_NULL || out[j].kind == MC_V_ABSENT)
			continue;
		switch (s->cv[j]) {
		case WH_CV_DEC:
		case WH_CV_FRAC: {
			size_t at = scratch->len;
			if (pad_frac(&out[j], s->arg[j], scratch) < 0)
				return mc_oom(err, "row");
			out[j].v.s.p = (const char *)(uintptr_t)(at - base);
			out[j].v.s.n = scratch->len - at;
			out[j].kind |= 0x80; /* an offset into scratch: fixed below */
			break;
		}
		case WH_CV_F64:
			if (out[j].kind == MC_V_F32) {
				out[j].kind = MC_V_F64;
				out[j].v.f64 = (double)inv[s->src[j]].v.f32;
			}
			break;
		default:
			break;
		}
	}
	for (size_t j = 0; j < s->n; j++)
		if (out[j].kind & 0x80) {
			out[j].kind &= 0x7f;
			out[j].v.s.p = scratch->p + base + (uintptr_t)out[j].v.s.p;
		}
	return 0;
}
