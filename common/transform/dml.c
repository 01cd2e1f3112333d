/* dml.c: the dml section of the rules file (rules.h, struct tf_dml): which
 * ops of a table are dropped, and the row condition keep_if, a small
 * expression language (docs/mc-transform.md, "DML rules"):
 *
 *   cond  := and (OR and)*
 *   and   := not (AND not)*
 *   not   := NOT not | '(' cond ')' | ref IS [NOT] NULL | ref OP const
 *   ref   := [before. | after.] NAME      NAME: [A-Za-z_@][A-Za-z0-9_$]* or `...`
 *   OP    := = | != | <> | < | <= | > | >=
 *   const := -?D+(.D+)? | 'text' ('' for a quote)
 *
 * Keywords in any case. A ref without an image names the after image when
 * the row has one, else the before image. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "stream/rec.h"
#include "transform/rparse.h"
#include "transform/vexpr.h"

enum { X_AND, X_OR, X_NOT, X_CMP, X_ISNULL, X_NOTNULL };
enum { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };
enum { IM_DEFAULT, IM_BEFORE, IM_AFTER };

struct tf_expr {
	int op, cmp, image;
	struct tf_expr *a, *b;
	char *col;
	bool num;    /* the constant is a number (else a text) */
	char *k;     /* the constant's text */
	size_t kn;
};

static void expr_free(struct tf_expr *e)
{
	if (!e)
		return;
	expr_free(e->a);
	expr_free(e->b);
	free(e->col);
	free(e->k);
	free(e);
}

/* The parser: s the text, i the next byte, msg the first error. */
struct xp {
	const char *s;
	size_t i;
	char msg[200];
};

static void skipws(struct xp *x)
{
	while (x->s[x->i] && isspace((unsigned char)x->s[x->i]))
		x->i++;
}

static int xerr(struct xp *x, const char *what)
{
	if (!x->msg[0])
		snprintf(x->msg, sizeof x->msg, "keep_if: %s at character %zu ('%.20s')", what,
			 x->i + 1, x->s + x->i);
	return -1;
}

/* The keyword kw (any case, followed by no name byte) next? Consumed if so. */
static bool kw(struct xp *x, const char *w)
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

static bool namech(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || c == '@' ||
	       (!first && (isdigit((unsigned char)c) || c == '$'));
}

/* A name: bare or `quoted` (`` for a backquote). NULL on error. */
static char *name(struct xp *x)
{
	struct mc_buf b = { 0 };
	char *r;
	skipws(x);
	if (x->s[x->i] == '`') {
		for (x->i++;; x->i++) {
			if (!x->s[x->i])
				return buf_free(&b), xerr(x, "a name without its closing `"), NULL;
			if (x->s[x->i] == '`' && x->s[x->i + 1] != '`')
				break;
			if (x->s[x->i] == '`')
				x->i++;
			if (buf_add(&b, x->s + x->i, 1) < 0)
				return buf_free(&b), NULL;
		}
		x->i++;
	} else {
		size_t st = x->i;
		if (!namech(x->s[x->i], true))
			return xerr(x, "a column name expected"), NULL;
		while (namech(x->s[x->i], false))
			x->i++;
		if (buf_add(&b, x->s + st, x->i - st) < 0)
			return buf_free(&b), NULL;
	}
	if (!b.len)
		return buf_free(&b), xerr(x, "an empty name"), NULL;
	r = mc_strndup(b.p, b.len);
	buf_free(&b);
	return r;
}

static bool is_number(const char *s, size_t n)
{
	size_t i = 0, d = 0;
	if (i < n && s[i] == '-')
		i++;
	while (i < n && isdigit((unsigned char)s[i]))
		i++, d++;
	if (!d)
		return false;
	if (i < n && s[i] == '.') {
		i++, d = 0;
		while (i < n && isdigit((unsigned char)s[i]))
			i++, d++;
		if (!d)
			return false;
	}
	return i == n;
}

static struct tf_expr *cond(struct xp *x, int depth);

static struct tf_expr *leaf(struct xp *x, struct tf_expr *e)
{
	static const struct { const char *t; int c; } ops[] = {
		{ "<=", C_LE }, { ">=", C_GE }, { "<>", C_NE }, { "!=", C_NE },
		{ "=", C_EQ }, { "<", C_LT }, { ">", C_GT },
	};
	size_t save = x->i;
	e->image = IM_DEFAULT;
	if (kw(x, "before"))
		e->image = IM_BEFORE;
	else if (kw(x, "after"))
		e->image = IM_AFTER;
	if (e->image != IM_DEFAULT) {
		skipws(x);
		if (x->s[x->i] == '.') {
			x->i++;
		} else {
			x->i = save;
			e->image = IM_DEFAULT;
		}
	}
	if (!(e->col = name(x)))
		return NULL;
	if (kw(x, "is")) {
		bool not = kw(x, "not");
		if (!kw(x, "null"))
			return xerr(x, "IS [NOT] NULL expected"), NULL;
		e->op = not ? X_NOTNULL : X_ISNULL;
		return e;
	}
	skipws(x);
	e->op = X_CMP;
	e->cmp = -1;
	for (size_t j = 0; j < sizeof ops / sizeof ops[0]; j++)
		if (strncmp(x->s + x->i, ops[j].t, strlen(ops[j].t)) == 0) {
			e->cmp = ops[j].c;
			x->i += strlen(ops[j].t);
			break;
		}
	if (e->cmp < 0)
		return xerr(x, "a comparison (= != <> < <= > >=) or IS [NOT] NULL expected"), NULL;
	skipws(x);
	if (x->s[x->i] == '\'') {
		struct mc_buf b = { 0 };
		for (x->i++;; x->i++) {
			if (!x->s[x->i])
				return buf_free(&b), xerr(x, "a text without its closing quote"), NULL;
			if (x->s[x->i] == '\'' && x->s[x->i + 1] != '\'')
				break;
			if (x->s[x->i] == '\'')
				x->i++;
			if (buf_add(&b, x->s + x->i, 1) < 0)
				return buf_free(&b), NULL;
		}
		x->i++;
		e->kn = b.len;
		e->k = mc_strndup(b.len ? b.p : "", b.len);
		buf_free(&b);
		return e->k ? e : NULL;
	}
	size_t st = x->i;
	while (x->s[x->i] == '-' || x->s[x->i] == '.' || isdigit((unsigned char)x->s[x->i]))
		x->i++;
	if (!is_number(x->s + st, x->i - st))
		return x->i = st, xerr(x, "a number (-?D+(.D+)?) or a 'text' expected"), NULL;
	e->num = true;
	e->kn = x->i - st;
	e->k = mc_strndup(x->s + st, e->kn);
	return e->k ? e : NULL;
}

static struct tf_expr *unary(struct xp *x, int depth)
{
	struct tf_expr *e;
	if (depth > 50)
		return xerr(x, "nested too deep"), NULL;
	if (!(e = calloc(1, sizeof *e)))
		return NULL;
	if (kw(x, "not")) {
		e->op = X_NOT;
		if (!(e->a = unary(x, depth + 1)))
			return expr_free(e), NULL;
		return e;
	}
	skipws(x);
	if (x->s[x->i] == '(') {
		free(e);
		x->i++;
		if (!(e = cond(x, depth + 1)))
			return NULL;
		skipws(x);
		if (x->s[x->i] != ')')
			return expr_free(e), xerr(x, "')' expected"), NULL;
		x->i++;
		return e;
	}
	if (!leaf(x, e))
		return expr_free(e), NULL;
	return e;
}

static struct tf_expr *binary(struct xp *x, int depth, int op)
{
	struct tf_expr *l = op == X_OR ? binary(x, depth, X_AND) : unary(x, depth), *n;
	while (l && kw(x, op == X_OR ? "or" : "and")) {
		if (!(n = calloc(1, sizeof *n)))
			return expr_free(l), NULL;
		n->op = op;
		n->a = l;
		l = n;
		if (!(n->b = op == X_OR ? binary(x, depth, X_AND) : unary(x, depth)))
			return expr_free(l), NULL;
	}
	return l;
}

static struct tf_expr *cond(struct xp *x, int depth)
{
	return binary(x, depth, X_OR);
}

static int parse_keep_if(struct rctx *c, struct fy_node *v, struct tf_dml *d)
{
	struct xp x = { .i = 0 };
	char *s = tfr_scalar_dup(c, v, "dml.keep_if");
	int line = 1, col = 1;
	if (!s)
		return -1;
	x.s = s;
	d->keep_if = cond(&x, 0);
	skipws(&x);
	if (d->keep_if && x.s[x.i])
		xerr(&x, "AND, OR or the end expected");
	if (!d->keep_if || x.msg[0]) {
		if (!x.msg[0])
			snprintf(x.msg, sizeof x.msg, "keep_if: out of memory");
		tfr_err(c, v, "dml.%s", x.msg);
		free(s);
		return -1;
	}
	free(s);
	tfr_node_where(v, &line, &col);
	if (!(d->where = malloc(strlen(c->path) + 32)))
		return mc_oom(c->err, "rules");
	snprintf(d->where, strlen(c->path) + 32, "%s:%d:%d", c->path, line, col);
	return 0;
}

static int parse_drop(struct rctx *c, struct fy_node *v, struct tf_dml *d)
{
	void *it = NULL;
	struct fy_node *e;
	if (fy_node_get_type(v) != FYNT_SEQUENCE)
		return tfr_err(c, v, "dml.drop: expected a list of insert, update, delete");
	while ((e = fy_node_sequence_iterate(v, &it))) {
		if (tfr_key_is(e, "insert"))
			d->drop |= 1u << MC_OP_INSERT;
		else if (tfr_key_is(e, "update"))
			d->drop |= 1u << MC_OP_UPDATE;
		else if (tfr_key_is(e, "delete"))
			d->drop |= 1u << MC_OP_DELETE;
		else
			return tfr_err(c, e, "dml.drop: an entry is insert, update or delete");
	}
	return 0;
}

int tfr_parse_dml(struct rctx *c, struct tf_rules *R, struct fy_node *seq)
{
	void *it = NULL;
	struct fy_node *item;
	if (fy_node_get_type(seq) != FYNT_SEQUENCE)
		return tfr_err(c, seq, "dml: expected a list of {db, table, drop, keep_if}");
	while ((item = fy_node_sequence_iterate(seq, &it))) {
		struct tf_dml *d;
		struct fy_node_pair *p;
		void *it2 = NULL;
		if (!(d = tfr_entry(c, item, &R->dml, &R->ndml, &R->capdml, sizeof *R->dml,
				    "dml: an entry is a mapping (db, table, drop, keep_if)")))
			return -1;
		while ((p = fy_node_mapping_iterate(item, &it2))) {
			struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
			int rc;
			if (tfr_key_is(k, "db"))
				rc = tfr_match_parse(c, v, &d->on.db, "dml.db");
			else if (tfr_key_is(k, "table"))
				rc = tfr_match_parse(c, v, &d->on.table, "dml.table");
			else if (tfr_key_is(k, "drop"))
				rc = parse_drop(c, v, d);
			else if (tfr_key_is(k, "keep_if"))
				rc = parse_keep_if(c, v, d);
			else
				rc = tfr_err(c, k, "dml: unknown key (want db, table, drop, keep_if)");
			if (rc < 0)
				return -1;
		}
		if (!d->drop && !d->keep_if)
			return tfr_err(c, item, "dml: an entry has drop and/or keep_if");
	}
	return 0;
}

void tfr_dml_free(struct tf_rules *R)
{
	for (size_t i = 0; i < R->ndml; i++) {
		tfr_match_free(&R->dml[i].on.db);
		tfr_match_free(&R->dml[i].on.table);
		expr_free(R->dml[i].keep_if);
		free(R->dml[i].where);
	}
	free(R->dml);
}

/* Compare two decimal texts -?D+(.D+)? exactly: <0, 0, >0. */
int tf_dec_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	bool na = an && a[0] == '-', nb = bn && b[0] == '-';
	const char *ai, *bi, *af, *bf;
	size_t ail, bil, afl, bfl;
	int r = 0, zero_a = 1, zero_b = 1;
	for (size_t i = 0; i < an; i++)
		if (a[i] >= '1' && a[i] <= '9')
			zero_a = 0;
	for (size_t i = 0; i < bn; i++)
		if (b[i] >= '1' && b[i] <= '9')
			zero_b = 0;
	if (zero_a)
		na = false;
	if (zero_b)
		nb = false;
	if (na != nb)
		return na ? -1 : 1;
	ai = a + na, bi = b + nb;
	an -= na, bn -= nb;
	af = memchr(ai, '.', an), bf = memchr(bi, '.', bn);
	ail = af ? (size_t)(af - ai) : an, bil = bf ? (size_t)(bf - bi) : bn;
	afl = af ? an - ail - 1 : 0, bfl = bf ? bn - bil - 1 : 0;
	af = af ? af + 1 : "", bf = bf ? bf + 1 : "";
	while (ail > 1 && *ai == '0')
		ai++, ail--;
	while (bil > 1 && *bi == '0')
		bi++, bil--;
	if (ail != bil)
		r = ail < bil ? -1 : 1;
	else if ((r = memcmp(ai, bi, ail)) == 0)
		for (size_t i = 0; i < afl || i < bfl; i++) {
			char x = i < afl ? af[i] : '0', y = i < bfl ? bf[i] : '0';
			if (x != y) {
				r = x < y ? -1 : 1;
				break;
			}
		}
	return na ? -r : r;
}

static bool cmp_ok(int c, int r)
{
	switch (c) {
	case C_EQ: return r == 0;
	case C_NE: return r != 0;
	case C_LT: return r < 0;
	case C_LE: return r <= 0;
	case C_GT: return r > 0;
	default: return r >= 0;
	}
}

struct ectx {
	const struct tf_dml *d;
	const struct mc_rec *r;
	const struct tf_names *s;
	struct mc_err *err;
};

/* The value a ref names: NULL when the image is not there. */
static int ref_val(struct ectx *x, const struct tf_expr *e, const struct mc_val **v)
{
	const struct mc_val *img;
	size_t n;
	size_t i;
	for (i = 0; i < x->s->n; i++)
		if (x->s->name[i].n == strlen(e->col) && /* not case-sensitive, as the server */
		    strncasecmp(x->s->name[i].p, e->col, x->s->name[i].n) == 0)
			break;
	if (i == x->s->n)
		return mc_errf(x->err, MC_EXIT_DATA, "the dml rule at %s: table '%.*s.%.*s' (schema "
			       "version %llu) has no column '%s'", x->d->where, (int)x->r->db.n,
			       x->r->db.p, (int)x->r->table.n, x->r->table.p,
			       (unsigned long long)x->r->schema_version, e->col);
	if (e->image == IM_BEFORE || (e->image == IM_DEFAULT && !x->r->after))
		img = x->r->before, n = x->r->nbefore;
	else
		img = x->r->after, n = x->r->nafter;
	*v = img && i < n ? &img[i] : NULL;
	if (*v && (*v)->kind == MC_V_ABSENT)
		return mc_errf(x->err, MC_EXIT_DATA, "the dml rule at %s: column '%s' is absent from "
			       "the row's image (binlog_row_image=MINIMAL or NOBLOB): the condition cannot be "
			       "decided; use binlog_row_image=FULL", x->d->where, e->col);
	return 0;
}

static int mismatch(struct ectx *x, const struct tf_expr *e, const struct mc_val *v)
{
	return mc_errf(x->err, MC_EXIT_DATA, "the dml rule at %s: column '%s' holds a %s, "
		       "compared with a %s", x->d->where, e->col, rec_vkind_name(v->kind),
		       e->num ? "number" : "text ('...')");
}

/* 1 true, 0 false, -1 error. */
static int eval(struct ectx *x, const struct tf_expr *e)
{
	const struct mc_val *v;
	char t[40];
	int a, r;
	switch (e->op) {
	case X_AND:
	case X_OR:
		if ((a = eval(x, e->a)) < 0)
			return -1;
		if ((e->op == X_AND) != (a == 1))
			return a;
		return eval(x, e->b);
	case X_NOT:
		return (a = eval(x, e->a)) < 0 ? -1 : !a;
	case X_ISNULL:
	case X_NOTNULL:
		if (ref_val(x, e, &v) < 0)
			return -1;
		a = !v || v->kind == MC_V_NULL;
		return e->op == X_ISNULL ? a : !a;
	default:
		break;
	}
	if (ref_val(x, e, &v) < 0)
		return -1;
	if (!v || v->kind == MC_V_NULL)
		return 0;
	switch (v->kind) {
	case MC_V_INT:
	case MC_V_UINT:
	case MC_V_DECIMAL:
	case MC_V_BIT:
		if (!e->num)
			return mismatch(x, e, v);
		if (v->kind == MC_V_INT)
			snprintf(t, sizeof t, "%lld", (long long)v->v.i);
		else if (v->kind == MC_V_UINT)
			snprintf(t, sizeof t, "%llu", (unsigned long long)v->v.u);
		if (v->kind == MC_V_INT || v->kind == MC_V_UINT) {
			r = tf_dec_cmp(t, strlen(t), e->k, e->kn);
		} else if (v->kind == MC_V_DECIMAL) {
			r = tf_dec_cmp(v->v.s.p, v->v.s.n, e->k, e->kn);
		} else {
			unsigned long long u = 0;
			for (size_t i = 0; i < v->v.s.n && i < 8; i++)
				u = u << 8 | (unsigned char)v->v.s.p[i];
			snprintf(t, sizeof t, "%llu", u);
			r = tf_dec_cmp(t, strlen(t), e->k, e->kn);
		}
		return cmp_ok(e->cmp, r);
	case MC_V_F32:
	case MC_V_F64: {
		double d = v->kind == MC_V_F32 ? v->v.f32 : v->v.f64, k;
		if (!e->num)
			return mismatch(x, e, v);
		k = strtod(e->k, NULL);
		return cmp_ok(e->cmp, d < k ? -1 : d > k ? 1 : 0);
	}
	default: {
		size_t n = v->v.s.n < e->kn ? v->v.s.n : e->kn;
		if (e->num)
			return mismatch(x, e, v);
		r = n ? memcmp(v->v.s.p, e->k, n) : 0;
		if (!r && v->v.s.n != e->kn)
			r = v->v.s.n < e->kn ? -1 : 1;
		return cmp_ok(e->cmp, r);
	}
	}
}

int tf_dml_keep(const struct tf_dml *d, const struct mc_rec *r, const struct tf_names *s,
		struct mc_err *err)
{
	struct ectx x = { d, r, s, err };
	if (d->drop & (1u << r->op))
		return 0;
	if (!d->keep_if)
		return 1;
	return eval(&x, d->keep_if);
}

static bool expr_reads(const struct tf_expr *e, const char *name, size_t n)
{
	if (!e)
		return false;
	if (e->col && strlen(e->col) == n && strncasecmp(e->col, name, n) == 0)
		return true;
	return expr_reads(e->a, name, n) || expr_reads(e->b, name, n);
}

bool tf_dml_reads(const struct tf_dml *d, const char *name, size_t n)
{
	return expr_reads(d->keep_if, name, n);
}
