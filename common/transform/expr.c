/* expr.c: the value expressions of added columns (vexpr.h,
 * docs/mc-transform.md "Added columns"):
 *
 *   value := 'text' | NUMBER | NULL | ${NAME} | VARIABLE | ref | FN(value, ...)
 *   ref   := [before. | after.] NAME | `NAME`
 *   VARIABLE := EVENT_TIME | OP | SRC_DATASOURCE | SRC_DB | SRC_TABLE | POSITION
 *   cond  := (if's first argument) the keep_if grammar of dml.c over values
 *
 * and their evaluation over one row image. */
#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/num.h"
#include "base/numfmt.h"
#include "transform/rparse.h"
#include "transform/vexpr.h"

enum { V_TEXT, V_NUM, V_NULL, V_PARAM, V_VAR, V_REF, V_FN, V_CMP, V_ISNULL, V_NOTNULL,
       V_AND, V_OR, V_NOT };
enum { VAR_EVENT_TIME, VAR_OP, VAR_DATASOURCE, VAR_DB, VAR_TABLE, VAR_POSITION, VAR_N };
static const char *const var_names[VAR_N] = { "EVENT_TIME", "OP", "SRC_DATASOURCE", "SRC_DB",
					      "SRC_TABLE", "POSITION" };
enum { F_CONCAT, F_SUBSTR, F_REPLACE, F_LOWER, F_UPPER, F_COALESCE, F_IF, F_DATE_FORMAT,
       F_PARSE_TIME, F_FROM_UNIXTIME, F_FROM_UNIXTIME_MS, F_MD5, F_SHA256, F_HASH_MOD, F_N };
static const struct { const char *name; int min, max; } fns[F_N] = {
	{ "concat", 1, 64 }, { "substr", 2, 3 }, { "replace", 3, 3 }, { "lower", 1, 1 },
	{ "upper", 1, 1 }, { "coalesce", 1, 64 }, { "if", 3, 3 }, { "date_format", 2, 2 },
	{ "parse_time", 2, 2 }, { "from_unixtime", 1, 2 }, { "from_unixtime_ms", 1, 2 },
	{ "md5", 1, 1 }, { "sha256", 1, 1 }, { "hash_mod", 2, 2 },
};
enum { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };
enum { IM_DEFAULT, IM_BEFORE, IM_AFTER };

struct tf_vexpr {
	int op, fn, var, image, cmp;
	size_t idx;              /* V_REF: R->refs; V_PARAM: R->params */
	char *text;              /* V_TEXT, V_NUM */
	size_t tn;
	struct tf_ev num;        /* V_NUM */
	struct tf_vexpr **args;  /* V_FN; V_CMP etc.: args[0], args[1] */
	size_t nargs;
};

void tf_vexpr_free(struct tf_vexpr *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nargs; i++)
		tf_vexpr_free(e->args[i]);
	free(e->args);
	free(e->text);
	free(e);
}

/* ---- parsing ---- */

struct vp {
	const char *s;
	size_t i;
	char msg[200];
	struct tf_rules *R;
	struct rctx *c;
	struct fy_node *n;
};

static void skipws(struct vp *x)
{
	while (x->s[x->i] && isspace((unsigned char)x->s[x->i]))
		x->i++;
}

static void *verr(struct vp *x, const char *what)
{
	if (!x->msg[0])
		snprintf(x->msg, sizeof x->msg, "%s at character %zu ('%.20s')", what, x->i + 1,
			 x->s + x->i);
	return NULL;
}

static bool kw(struct vp *x, const char *w)
{
	size_t n = strlen(w);
	skipws(x);
	if (strncasecmp(x->s + x->i, w, n) != 0)
		return false;
	if (isalnum((unsigned char)x->s[x->i + n]) || x->s[x->i + n] == '_')
		return false;
	x->i += n;
	return true;
}

static struct tf_vexpr *node(struct vp *x, int op)
{
	struct tf_vexpr *e = calloc(1, sizeof *e);
	if (!e)
		snprintf(x->msg, sizeof x->msg, "out of memory");
	else
		e->op = op;
	return e;
}

static bool add_arg(struct vp *x, struct tf_vexpr *e, struct tf_vexpr *a)
{
	struct tf_vexpr **n = realloc(e->args, (e->nargs + 1) * sizeof *n);
	if (!n) {
		tf_vexpr_free(a);
		snprintf(x->msg, sizeof x->msg, "out of memory");
		return false;
	}
	e->args = n;
	e->args[e->nargs++] = a;
	return true;
}

static bool push_str(char ***arr, size_t *n, size_t *cap, const char *s, size_t len, size_t *at)
{
	for (size_t i = 0; i < *n; i++)
		if (strlen((*arr)[i]) == len && memcmp((*arr)[i], s, len) == 0)
			return *at = i, true;
	if (mc_push(arr, n, cap, sizeof **arr) < 0)
		return false;
	if (!((*arr)[*n - 1] = mc_strndup(s, len)))
		return (*n)--, false;
	*at = *n - 1;
	return true;
}

static struct tf_vexpr *value(struct vp *x, int depth);
static struct tf_vexpr *cond(struct vp *x, int depth);

static struct tf_vexpr *quoted(struct vp *x, char q, int op)
{
	struct mc_buf b = { 0 };
	struct tf_vexpr *e;
	for (x->i++;; x->i++) {
		if (!x->s[x->i])
			return buf_free(&b), verr(x, q == '`' ? "a name without its closing `" :
					    "a text without its closing quote");
		if (x->s[x->i] == q && x->s[x->i + 1] != q)
			break;
		if (x->s[x->i] == q)
			x->i++;
		if (buf_add(&b, x->s + x->i, 1) < 0)
			return buf_free(&b), verr(x, "out of memory");
	}
	x->i++;
	if (!(e = node(x, op)))
		return buf_free(&b), NULL;
	e->tn = b.len;
	e->text = mc_strndup(b.len ? b.p : "", b.len);
	buf_free(&b);
	if (!e->text)
		return tf_vexpr_free(e), verr(x, "out of memory");
	return e;
}

static bool namech(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || c == '@' ||
	       (!first && (isdigit((unsigned char)c) || c == '$'));
}

static struct tf_vexpr *ref_of(struct vp *x, struct tf_vexpr *e, int image)
{
	e->op = V_REF;
	e->image = image;
	if (!e->tn)
		return tf_vexpr_free(e), verr(x, "an empty column name");
	if (!push_str(&x->R->refs, &x->R->nrefs, &x->R->caprefs, e->text, e->tn, &e->idx))
		return tf_vexpr_free(e), verr(x, "out of memory");
	return e;
}

/* The constant format argument of a time function: checked now. */
static bool fmt_arg(struct vp *x, struct tf_vexpr *e, size_t i, bool need_date)
{
	const char *why;
	if (e->nargs <= i)
		return true;
	if (e->args[i]->op != V_TEXT)
		return verr(x, "a time format is a constant 'text'"), false;
	if ((why = tf_fmt_check(e->args[i]->text, need_date))) {
		snprintf(x->msg, sizeof x->msg, "%s(): time format '%.40s': %s", fns[e->fn].name,
			 e->args[i]->text, why);
		return false;
	}
	return true;
}

static struct tf_vexpr *func(struct vp *x, const char *nm, size_t nn, int depth)
{
	struct tf_vexpr *e;
	int f = -1;
	for (int i = 0; i < F_N; i++)
		if (strlen(fns[i].name) == nn && strncasecmp(fns[i].name, nm, nn) == 0)
			f = i;
	if (f < 0) {
		x->i -= nn;
		return verr(x, "an unknown function (concat, substr, replace, lower, upper, coalesce, "
			    "if, date_format, parse_time, from_unixtime, from_unixtime_ms, md5, sha256, "
			    "hash_mod)");
	}
	if (!(e = node(x, V_FN)))
		return NULL;
	e->fn = f;
	x->i++; /* '(' */
	skipws(x);
	if (x->s[x->i] != ')')
		for (;;) {
			struct tf_vexpr *a = f == F_IF && e->nargs == 0 ? cond(x, depth + 1) :
									 value(x, depth + 1);
			if (!a || !add_arg(x, e, a))
				return tf_vexpr_free(e), NULL;
			skipws(x);
			if (x->s[x->i] != ',')
				break;
			x->i++;
		}
	if (x->s[x->i] != ')')
		return tf_vexpr_free(e), verr(x, "',' or ')' expected");
	x->i++;
	if ((int)e->nargs < fns[f].min || (int)e->nargs > fns[f].max) {
		char m[80];
		snprintf(m, sizeof m, "%s() takes %d%s%d arguments, not %zu", fns[f].name, fns[f].min,
			 fns[f].max > fns[f].min + 1 ? " to " : " or ", fns[f].max, e->nargs);
		if (fns[f].max == fns[f].min)
			snprintf(m, sizeof m, "%s() takes %d argument%s, not %zu", fns[f].name,
				 fns[f].min, fns[f].min == 1 ? "" : "s", e->nargs);
		return tf_vexpr_free(e), verr(x, m);
	}
	if ((f == F_DATE_FORMAT && !fmt_arg(x, e, 1, false)) ||
	    (f == F_PARSE_TIME && !fmt_arg(x, e, 1, true)) ||
	    ((f == F_FROM_UNIXTIME || f == F_FROM_UNIXTIME_MS) && !fmt_arg(x, e, 1, false)))
		return tf_vexpr_free(e), NULL;
	if (f == F_HASH_MOD && (e->args[1]->op != V_NUM || e->args[1]->num.k != E_INT ||
				e->args[1]->num.i < 1 || e->args[1]->num.i > 1000000000))
		return tf_vexpr_free(e), verr(x, "hash_mod(x, N): N is a constant 1..1000000000");
	return e;
}

static struct tf_vexpr *value(struct vp *x, int depth)
{
	struct tf_vexpr *e;
	size_t st;
	if (depth > 50)
		return verr(x, "nested too deep");
	skipws(x);
	st = x->i;
	if (x->s[x->i] == '\'')
		return quoted(x, '\'', V_TEXT);
	if (x->s[x->i] == '`') {
		if (!(e = quoted(x, '`', V_REF)))
			return NULL;
		return ref_of(x, e, IM_DEFAULT);
	}
	if (x->s[x->i] == '$') {
		size_t at;
		if (x->s[x->i + 1] != '{' || !namech(x->s[x->i + 2], true))
			return verr(x, "a parameter is ${NAME}");
		x->i += 2;
		st = x->i;
		while (namech(x->s[x->i], false) && x->s[x->i] != '$')
			x->i++;
		if (x->s[x->i] != '}')
			return verr(x, "a parameter is ${NAME}");
		if (!(e = node(x, V_PARAM)))
			return NULL;
		{
			struct tf_rules *R = x->R;
			int line = 1, col = 1;
			char w[64];
			if (mc_push(&R->params, &R->nparams, &R->capparams, sizeof *R->params) < 0)
				return tf_vexpr_free(e), verr(x, "out of memory");
			at = R->nparams - 1;
			tfr_node_where(x->n, &line, &col);
			snprintf(w, sizeof w, ":%d:%d", line, col);
			R->params[at].name = mc_strndup(x->s + st, x->i - st);
			R->params[at].where = malloc(strlen(x->c->path) + strlen(w) + 1);
			if (!R->params[at].name || !R->params[at].where)
				return tf_vexpr_free(e), verr(x, "out of memory");
			strcpy(R->params[at].where, x->c->path);
			strcat(R->params[at].where, w);
			e->idx = at;
		}
		x->i++;
		return e;
	}
	if (x->s[x->i] == '-' || isdigit((unsigned char)x->s[x->i])) {
		bool dot = false;
		size_t d = 0;
		if (x->s[x->i] == '-')
			x->i++;
		while (isdigit((unsigned char)x->s[x->i]))
			x->i++, d++;
		if (d && x->s[x->i] == '.' && isdigit((unsigned char)x->s[x->i + 1])) {
			dot = true;
			for (x->i++; isdigit((unsigned char)x->s[x->i]);)
				x->i++;
		}
		if (!d)
			return x->i = st, verr(x, "a number (-?D+(.D+)?) expected");
		if (!(e = node(x, V_NUM)) || !(e->text = mc_strndup(x->s + st, x->i - st)))
			return tf_vexpr_free(e), verr(x, "out of memory");
		e->tn = x->i - st;
		e->num.k = E_DEC;
		e->num.s = e->text;
		e->num.n = e->tn;
		if (!dot && e->tn <= 18) {
			e->num.k = E_INT;
			e->num.i = strtoll(e->text, NULL, 10);
		}
		return e;
	}
	if (!namech(x->s[x->i], true))
		return verr(x, "a value expected ('text', a number, ${NAME}, a variable, a column, "
			    "a function)");
	while (namech(x->s[x->i], false))
		x->i++;
	{
		const char *nm = x->s + st;
		size_t nn = x->i - st, save = x->i;
		skipws(x);
		if (x->s[x->i] == '(')
			return func(x, nm, nn, depth);
		x->i = save;
		if (nn == 4 && strncasecmp(nm, "null", 4) == 0)
			return node(x, V_NULL);
		for (int v = 0; v < VAR_N; v++)
			if (strlen(var_names[v]) == nn && memcmp(var_names[v], nm, nn) == 0) {
				if (!(e = node(x, V_VAR)))
					return NULL;
				e->var = v;
				return e;
			}
		if ((nn == 6 && strncasecmp(nm, "before", 6) == 0) ||
		    (nn == 5 && strncasecmp(nm, "after", 5) == 0)) {
			int im = nn == 6 ? IM_BEFORE : IM_AFTER;
			skipws(x);
			if (x->s[x->i] == '.') {
				x->i++;
				skipws(x);
				if (x->s[x->i] == '`') {
					if (!(e = quoted(x, '`', V_REF)))
						return NULL;
					return ref_of(x, e, im);
				}
				st = x->i;
				if (!namech(x->s[x->i], true))
					return verr(x, "a column name expected");
				while (namech(x->s[x->i], false))
					x->i++;
				nm = x->s + st;
				nn = x->i - st;
				if (!(e = node(x, V_REF)) || !(e->text = mc_strndup(nm, nn)))
					return tf_vexpr_free(e), verr(x, "out of memory");
				e->tn = nn;
				return ref_of(x, e, im);
			}
			x->i = save;
		}
		if (!(e = node(x, V_REF)) || !(e->text = mc_strndup(nm, nn)))
			return tf_vexpr_free(e), verr(x, "out of memory");
		e->tn = nn;
		return ref_of(x, e, IM_DEFAULT);
	}
}

static struct tf_vexpr *cmp_leaf(struct vp *x, int depth)
{
	static const struct { const char *t; int c; } ops[] = {
		{ "<=", C_LE }, { ">=", C_GE }, { "<>", C_NE }, { "!=", C_NE },
		{ "=", C_EQ }, { "<", C_LT }, { ">", C_GT },
	};
	struct tf_vexpr *a = value(x, depth + 1), *e;
	if (!a)
		return NULL;
	if (kw(x, "is")) {
		bool not = kw(x, "not");
		if (!kw(x, "null"))
			return tf_vexpr_free(a), verr(x, "IS [NOT] NULL expected");
		if (!(e = node(x, not ? V_NOTNULL : V_ISNULL)))
			return tf_vexpr_free(a), NULL;
		return add_arg(x, e, a) ? e : (tf_vexpr_free(e), NULL);
	}
	skipws(x);
	if (!(e = node(x, V_CMP)))
		return tf_vexpr_free(a), NULL;
	e->cmp = -1;
	for (size_t j = 0; j < sizeof ops / sizeof ops[0]; j++)
		if (strncmp(x->s + x->i, ops[j].t, strlen(ops[j].t)) == 0) {
			e->cmp = ops[j].c;
			x->i += strlen(ops[j].t);
			break;
		}
	if (!add_arg(x, e, a))
		return tf_vexpr_free(e), NULL;
	if (e->cmp < 0)
		return tf_vexpr_free(e), verr(x, "a comparison (= != <> < <= > >=) or IS [NOT] NULL expected");
	if (!(a = value(x, depth + 1)) || !add_arg(x, e, a))
		return tf_vexpr_free(e), NULL;
	return e;
}

static struct tf_vexpr *unary(struct vp *x, int depth)
{
	struct tf_vexpr *e;
	if (depth > 50)
		return verr(x, "nested too deep");
	if (kw(x, "not")) {
		struct tf_vexpr *a;
		if (!(e = node(x, V_NOT)))
			return NULL;
		if (!(a = unary(x, depth + 1)) || !add_arg(x, e, a))
			return tf_vexpr_free(e), NULL;
		return e;
	}
	skipws(x);
	if (x->s[x->i] == '(') {
		x->i++;
		if (!(e = cond(x, depth + 1)))
			return NULL;
		skipws(x);
		if (x->s[x->i] != ')')
			return tf_vexpr_free(e), verr(x, "')' expected");
		x->i++;
		return e;
	}
	return cmp_leaf(x, depth);
}

static struct tf_vexpr *binary(struct vp *x, int depth, int op)
{
	struct tf_vexpr *l = op == V_OR ? binary(x, depth, V_AND) : unary(x, depth), *n, *b;
	while (l && kw(x, op == V_OR ? "or" : "and")) {
		if (!(n = node(x, op)))
			return tf_vexpr_free(l), NULL;
		if (!add_arg(x, n, l))
			return tf_vexpr_free(n), NULL;
		l = n;
		if (!(b = op == V_OR ? binary(x, depth, V_AND) : unary(x, depth)) || !add_arg(x, n, b))
			return tf_vexpr_free(l), NULL;
	}
	return l;
}

static struct tf_vexpr *cond(struct vp *x, int depth)
{
	return binary(x, depth, V_OR);
}

struct tf_vexpr *tfr_vexpr_parse(struct rctx *c, struct fy_node *n, struct tf_rules *R,
				 const char *s)
{
	struct vp x = { .s = s, .i = 0, .R = R, .c = c, .n = n };
	struct tf_vexpr *e = value(&x, 0);
	skipws(&x);
	if (e && x.s[x.i])
		verr(&x, "the end of the value expected");
	if (!e || x.msg[0]) {
		tf_vexpr_free(e);
		tfr_err(c, n, "columns.add.value: %s", x.msg[0] ? x.msg : "out of memory");
		return NULL;
	}
	return e;
}

/* ---- evaluating ---- */

static int dirty(struct tf_evctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int dirty(struct tf_evctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->reason, sizeof x->reason, fmt, ap);
	va_end(ap);
	return 1;
}

static int oom(struct tf_evctx *x)
{
	return mc_oom(x->err, "a value");
}

static bool is_num(int k)
{
	return k == E_INT || k == E_DEC || k == E_F64;
}

/* Compare two values (neither NULL): 0 and *r, or 1 dirty. */
static int compare(struct tf_evctx *x, const struct tf_ev *a, const struct tf_ev *b, int *r)
{
	if (is_num(a->k) && is_num(b->k)) {
		if (a->k == E_F64 || b->k == E_F64) {
			double p = a->k == E_F64 ? a->f : a->k == E_INT ? (double)a->i : strtod(a->s, NULL);
			double q = b->k == E_F64 ? b->f : b->k == E_INT ? (double)b->i : strtod(b->s, NULL);
			*r = p < q ? -1 : p > q;
		} else {
			const char *s, *t;
			size_t sn, tn;
			if (tf_ev_text(x, a, &s, &sn) < 0 || tf_ev_text(x, b, &t, &tn) < 0)
				return -1;
			*r = tf_dec_cmp(s, sn, t, tn);
		}
		return 0;
	}
	if (a->k == E_TEXT && b->k == E_TEXT) {
		size_t n = a->n < b->n ? a->n : b->n;
		*r = n ? memcmp(a->s, b->s, n) : 0;
		if (!*r && a->n != b->n)
			*r = a->n < b->n ? -1 : 1;
		return 0;
	}
	if (a->k == E_TIME && b->k == E_TIME) {
		int64_t p = tf_time_to_unix(&a->t), q = tf_time_to_unix(&b->t);
		*r = p < q ? -1 : p > q ? 1 : a->t.us < b->t.us ? -1 : a->t.us > b->t.us;
		return 0;
	}
	return dirty(x, "a comparison of %s with %s", a->k == E_TEXT ? "a text" :
		     a->k == E_TIME ? "a time" : "a number", b->k == E_TEXT ? "a text" :
		     b->k == E_TIME ? "a time" : "a number");
}

/* An integer argument: 0, or 1 dirty. */
static int int_arg(struct tf_evctx *x, const struct tf_ev *v, const char *fn, int64_t *out)
{
	if (v->k == E_INT) {
		*out = v->i;
		return 0;
	}
	return dirty(x, "%s(): an integer argument expected", fn);
}

/* The Unix time of v (a number, or a text of digits) times mul/1000 of a second. */
static int unix_arg(struct tf_evctx *x, const struct tf_ev *v, int mul, struct tf_time *t)
{
	int64_t n = 0, sec, us;
	if (v->k == E_INT) {
		n = v->i;
	} else if (v->k == E_TEXT && !v->bin && v->n >= 1 && v->n <= 18) {
		for (size_t i = 0; i < v->n; i++) {
			if (!isdigit((unsigned char)v->s[i]))
				return dirty(x, "'%.*s' is not a Unix time in %s (digits)", (int)v->n,
					     v->s, mul == 1 ? "seconds" : "milliseconds");
			n = n * 10 + (v->s[i] - '0');
		}
	} else {
		return dirty(x, "%s is not a Unix time in %s (an integer or a text of digits)",
			     v->k == E_TIME ? "a time" : v->k == E_TEXT ? "a text" : "a number with "
			     "a fraction", mul == 1 ? "seconds" : "milliseconds");
	}
	sec = mul == 1 ? n : n / 1000 - (n % 1000 < 0);
	us = mul == 1 ? 0 : (n % 1000 + 1000) % 1000 * 1000;
	if (!tf_time_from_unix(sec, (int)us, t))
		return dirty(x, "Unix time %lld %s is outside the years 1..9999", (long long)n,
			     mul == 1 ? "s" : "ms");
	return 0;
}

static int hex_digest(struct tf_evctx *x, const EVP_MD *md, const char *s, size_t n, struct tf_ev *o)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dn = 0;
	char *p;
	if (!EVP_Digest(s, n, d, &dn, md, NULL))
		return mc_errf(x->err, MC_EXIT_DATA, "the digest failed");
	if (!(p = tf_arena_alloc(x->ar, 2 * dn + 1)))
		return oom(x);
	for (unsigned int i = 0; i < dn; i++)
		snprintf(p + 2 * i, 3, "%02x", d[i]);
	o->k = E_TEXT;
	o->s = p;
	o->n = 2 * dn;
	return 0;
}

/* The start of UTF-8 character ci (0-based) of s[0..n) (n when past it). */
static size_t u8_at(const char *s, size_t n, size_t ci, bool bin)
{
	size_t i = 0;
	if (bin)
		return ci < n ? ci : n;
	for (; i < n && ci; ci--)
		for (i++; i < n && ((unsigned char)s[i] & 0xc0) == 0x80; i++)
			;
	return i;
}

static size_t u8_len(const char *s, size_t n, bool bin)
{
	size_t c = 0;
	if (bin)
		return n;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

static const char *find_bytes(const char *h, size_t hn, const char *n, size_t nn)
{
	for (size_t i = 0; nn <= hn && i <= hn - nn; i++)
		if (h[i] == n[0] && memcmp(h + i, n, nn) == 0)
			return h + i;
	return NULL;
}

static int fn_eval(struct tf_evctx *x, const struct tf_vexpr *e, struct tf_ev *o)
{
	struct tf_ev a[3];
	const char *fname = fns[e->fn].name;
	int rc;
	if (e->fn == F_COALESCE) {
		for (size_t i = 0; i < e->nargs; i++) {
			if ((rc = tf_vexpr_eval(x, e->args[i], o)) != 0)
				return rc;
			if (o->k != E_NULL)
				return 0;
		}
		return 0;
	}
	if (e->fn == F_IF) {
		if ((rc = tf_vexpr_eval(x, e->args[0], &a[0])) != 0)
			return rc;
		if (a[0].k == E_ABSENT)
			return o->k = E_ABSENT, 0;
		return tf_vexpr_eval(x, e->args[a[0].k == E_BOOL && a[0].i ? 1 : 2], o);
	}
	if (e->fn == F_CONCAT) {
		struct tf_ev v;
		size_t total = 0, at = 0;
		const char *s;
		size_t n;
		char *p = NULL;
		/* twice: the length, then the bytes (texts of numbers are made
		 * in the arena twice: small) */
		for (int pass = 0; pass < 2; pass++) {
			for (size_t i = 0; i < e->nargs; i++) {
				if ((rc = tf_vexpr_eval(x, e->args[i], &v)) != 0)
					return rc;
				if (v.k == E_NULL || v.k == E_ABSENT)
					return o->k = v.k, 0;
				if (v.k == E_BOOL)
					return dirty(x, "concat(): a condition is no text");
				if (tf_ev_text(x, &v, &s, &n) < 0)
					return -1;
				o->bin |= v.bin;
				if (pass)
					memcpy(p + at, s, n), at += n;
				else
					total += n;
			}
			if (!pass && !(p = tf_arena_alloc(x->ar, total + 1)))
				return oom(x);
		}
		o->k = E_TEXT;
		o->s = p;
		o->n = total;
		return 0;
	}
	for (size_t i = 0; i < e->nargs && i < 3; i++) {
		if ((rc = tf_vexpr_eval(x, e->args[i], &a[i])) != 0)
			return rc;
		if (a[i].k == E_ABSENT || a[i].k == E_NULL)
			return o->k = a[i].k, 0;
		if (a[i].k == E_BOOL)
			return dirty(x, "%s(): a condition is no value", fname);
	}
	memset(o, 0, sizeof *o);
	switch (e->fn) {
	case F_SUBSTR: {
		int64_t pos = 0, len = INT64_MAX;
		const char *s;
		size_t n, cl, b, en;
		if (int_arg(x, &a[1], fname, &pos) || (e->nargs == 3 && int_arg(x, &a[2], fname, &len)))
			return 1;
		if (tf_ev_text(x, &a[0], &s, &n) < 0)
			return -1;
		cl = u8_len(s, n, a[0].bin);
		o->k = E_TEXT;
		o->bin = a[0].bin;
		o->s = s;
		o->n = 0;
		if (pos == 0 || len <= 0 || (pos < 0 && (uint64_t)-pos > cl) || (pos > 0 && (uint64_t)pos > cl))
			return 0;
		pos = pos < 0 ? (int64_t)cl + pos : pos - 1;
		b = u8_at(s, n, (size_t)pos, a[0].bin);
		en = (uint64_t)len >= cl - (size_t)pos ? n : u8_at(s, n, (size_t)pos + (size_t)len, a[0].bin);
		o->s = s + b;
		o->n = en - b;
		return 0;
	}
	case F_REPLACE: {
		const char *s, *f, *t, *hit, *q;
		size_t n, fn, tn, cnt = 0, at = 0;
		char *p;
		if (tf_ev_text(x, &a[0], &s, &n) < 0 || tf_ev_text(x, &a[1], &f, &fn) < 0 ||
		    tf_ev_text(x, &a[2], &t, &tn) < 0)
			return -1;
		o->k = E_TEXT;
		o->bin = a[0].bin;
		if (!fn)
			return o->s = s, o->n = n, 0;
		for (q = s; (hit = find_bytes(q, n - (size_t)(q - s), f, fn)); q = hit + fn)
			cnt++;
		if (!(p = tf_arena_alloc(x->ar, n - cnt * fn + cnt * tn + 1)))
			return oom(x);
		for (q = s; (hit = find_bytes(q, n - (size_t)(q - s), f, fn)); q = hit + fn) {
			memcpy(p + at, q, (size_t)(hit - q)), at += (size_t)(hit - q);
			memcpy(p + at, t, tn), at += tn;
		}
		memcpy(p + at, q, n - (size_t)(q - s)), at += n - (size_t)(q - s);
		o->s = p;
		o->n = at;
		return 0;
	}
	case F_LOWER:
	case F_UPPER: {
		const char *s;
		size_t n;
		char *p;
		if (tf_ev_text(x, &a[0], &s, &n) < 0)
			return -1;
		if (!(p = tf_arena_alloc(x->ar, n + 1)))
			return oom(x);
		for (size_t i = 0; i < n; i++)
			p[i] = (char)(e->fn == F_LOWER ? tolower((unsigned char)s[i]) :
				      toupper((unsigned char)s[i]));
		o->k = E_TEXT;
		o->bin = a[0].bin;
		o->s = p;
		o->n = n;
		return 0;
	}
	case F_DATE_FORMAT:
		if (a[0].k != E_TIME)
			return dirty(x, "date_format(): %s is no time (parse_time, from_unixtime make one)",
				     a[0].k == E_TEXT ? "a text" : "a number");
		o->k = E_TEXT;
		if (!(o->s = tf_fmt_format(x->ar, e->args[1]->text, &a[0].t, &o->n)))
			return oom(x);
		return 0;
	case F_PARSE_TIME:
		if (a[0].k != E_TEXT || a[0].bin)
			return dirty(x, "parse_time(): %s is no text", a[0].k == E_TIME ? "a time" : "a number");
		if (!tf_fmt_parse(e->args[1]->text, a[0].s, a[0].n, &o->t))
			return dirty(x, "'%.*s' is not a time of the form %s", (int)(a[0].n > 60 ? 60 : a[0].n),
				     a[0].s, e->args[1]->text);
		o->k = E_TIME;
		return 0;
	case F_FROM_UNIXTIME:
	case F_FROM_UNIXTIME_MS:
		if ((rc = unix_arg(x, &a[0], e->fn == F_FROM_UNIXTIME ? 1 : 1000, &o->t)) != 0)
			return rc;
		o->k = E_TIME;
		if (e->nargs == 2) {
			struct tf_time t = o->t;
			o->k = E_TEXT;
			if (!(o->s = tf_fmt_format(x->ar, e->args[1]->text, &t, &o->n)))
				return oom(x);
		}
		return 0;
	case F_MD5:
	case F_SHA256: {
		const char *s;
		size_t n;
		if (tf_ev_text(x, &a[0], &s, &n) < 0)
			return -1;
		return hex_digest(x, e->fn == F_MD5 ? EVP_md5() : EVP_sha256(), s, n, o);
	}
	case F_HASH_MOD: {
		const char *s;
		size_t n;
		uint64_t h;
		if (tf_ev_text(x, &a[0], &s, &n) < 0)
			return -1;
		h = num_fnv1a(NUM_FNV1A_BASIS, s, n);
		o->k = E_INT;
		o->i = (int64_t)(h % (uint64_t)a[1].i);
		return 0;
	}
	default:
		return mc_errf(x->err, MC_EXIT_DATA, "function %d: not reached", e->fn);
	}
}

bool tf_vexpr_time_only(const struct tf_vexpr *e)
{
	if (e->op == V_REF || (e->op == V_VAR && e->var != VAR_EVENT_TIME))
		return false;
	for (size_t i = 0; i < e->nargs; i++)
		if (!tf_vexpr_time_only(e->args[i]))
			return false;
	return true;
}

int tf_vexpr_eval(struct tf_evctx *x, const struct tf_vexpr *e, struct tf_ev *o)
{
	struct tf_ev a, b;
	int rc, r = 0;
	char *p;
	memset(o, 0, sizeof *o);
	switch (e->op) {
	case V_TEXT:
		o->k = E_TEXT, o->s = e->text, o->n = e->tn;
		return 0;
	case V_NUM:
		*o = e->num;
		return 0;
	case V_NULL:
		o->k = E_NULL;
		return 0;
	case V_PARAM:
		o->k = E_TEXT;
		o->s = x->R->params[e->idx].value ? x->R->params[e->idx].value : "";
		o->n = strlen(o->s);
		return 0;
	case V_VAR:
		o->k = E_TEXT;
		switch (e->var) {
		case VAR_EVENT_TIME:
			o->k = E_TIME;
			if (!tf_time_from_unix(x->r->time, 0, &o->t))
				return dirty(x, "EVENT_TIME %lld is outside the years 1..9999",
					     (long long)x->r->time);
			return 0;
		case VAR_OP:
			o->s = rec_op_name(x->r->op);
			o->n = strlen(o->s);
			return 0;
		case VAR_DATASOURCE:
			if (!x->source_id.p)
				return o->k = E_NULL, 0;
			o->s = x->source_id.p, o->n = x->source_id.n;
			return 0;
		case VAR_DB:
			o->s = x->r->db.p, o->n = x->r->db.n;
			return 0;
		case VAR_TABLE:
			o->s = x->r->table.p, o->n = x->r->table.n;
			return 0;
		default:
			if (!(p = tf_arena_alloc(x->ar, 64)))
				return oom(x);
			pos_format(&x->r->pos, p, 64);
			o->s = p, o->n = strlen(p);
			return 0;
		}
	case V_REF: {
		int ci = x->refidx[e->idx];
		const struct mc_val *img = x->img;
		size_t n = x->nimg;
		if (ci < 0)
			return mc_errf(x->err, MC_EXIT_DATA, "the column rule at %s: table '%.*s.%.*s' "
				       "(schema version %llu) has no column '%s'", x->where,
				       (int)x->r->db.n, x->r->db.p, (int)x->r->table.n, x->r->table.p,
				       (unsigned long long)x->r->schema_version, x->R->refs[e->idx]);
		if (e->image == IM_BEFORE)
			img = x->r->before, n = x->r->nbefore;
		else if (e->image == IM_AFTER)
			img = x->r->after, n = x->r->nafter;
		if (!img || (size_t)ci >= n)
			return o->k = E_NULL, 0;
		return tf_ev_of_val(x, &img[ci], o);
	}
	case V_FN:
		return fn_eval(x, e, o);
	case V_ISNULL:
	case V_NOTNULL:
		if ((rc = tf_vexpr_eval(x, e->args[0], &a)) != 0)
			return rc;
		if (a.k == E_ABSENT)
			return o->k = E_ABSENT, 0;
		o->k = E_BOOL;
		o->i = (a.k == E_NULL) == (e->op == V_ISNULL);
		return 0;
	case V_CMP:
		if ((rc = tf_vexpr_eval(x, e->args[0], &a)) != 0 ||
		    (rc = tf_vexpr_eval(x, e->args[1], &b)) != 0)
			return rc;
		if (a.k == E_ABSENT || b.k == E_ABSENT)
			return o->k = E_ABSENT, 0;
		o->k = E_BOOL;
		if (a.k == E_NULL || b.k == E_NULL)
			return o->i = 0, 0;
		if ((rc = compare(x, &a, &b, &r)) != 0)
			return rc;
		o->i = e->cmp == C_EQ ? r == 0 : e->cmp == C_NE ? r != 0 : e->cmp == C_LT ? r < 0 :
		       e->cmp == C_LE ? r <= 0 : e->cmp == C_GT ? r > 0 : r >= 0;
		return 0;
	case V_NOT:
		if ((rc = tf_vexpr_eval(x, e->args[0], &a)) != 0)
			return rc;
		*o = a;
		if (a.k == E_BOOL)
			o->i = !a.i;
		return 0;
	default: /* AND, OR */
		if ((rc = tf_vexpr_eval(x, e->args[0], &a)) != 0)
			return rc;
		if (a.k == E_ABSENT)
			return *o = a, 0;
		if ((e->op == V_AND) != (a.i != 0))
			return *o = a, 0;
		return tf_vexpr_eval(x, e->args[1], o);
	}
}
