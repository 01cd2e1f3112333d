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

/* Is l at CHARACTER SET x, CHARSET x or COLLATE y (y's charset: its name
 * to the first '_')? The charset's name in cs, l left at its last token. */
static int cs_clause(struct lex *l, char *cs, size_t n)
{
	struct lex c = *l;
	int coll = wl_is_kw(&c, "COLLATE");
	if (wl_is_kw(&c, "CHARACTER") && (wl_next(&c) < 0 || !wl_is_kw(&c, "SET")))
		return 0;
	if (!coll && !wl_is_kw(&c, "SET") && !wl_is_kw(&c, "CHARSET"))
		return 0;
	if (wl_next(&c) < 0 || !(c.kind == TK_WORD || c.kind == TK_QID || c.kind == TK_STR))
		return 0;
	size_t k = c.n < n - 1 ? c.n : n - 1;
	for (size_t i = 0; i < k; i++)
		cs[i] = (char)tolower((unsigned char)c.t[i]);
	cs[k] = 0;
	if (coll && strcmp(cs, "binary") && strchr(cs, '_'))
		*strchr(cs, '_') = 0;
	*l = c;
	return 1;
}

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
	a->cs[0] = 0;
	for (;;) {
		if (l->kind == TK_END || (depth == 0 && (wl_is_p(l, ',') || wl_is_p(l, ')'))))
			return 0;
		if (wl_is_p(l, '('))
			depth++;
		else if (wl_is_p(l, ')'))
			depth--;
		else if (depth == 0 && cs_clause(l, a->cs, sizeof a->cs))
			; /* (past its name below) */
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

/* A clause after the ADD of column name in the same statement changes
 * its definition: the older rows get the last one's default (the server
 * fills them once, at the end), not the ADD's. */
static void added_changed(struct wh_alter *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->a[i].op == WH_ALT_ADD && strcasecmp(a->a[i].name, name) == 0)
			a->a[i].def = WH_DEF_LATER;
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

static int alter_parse(const char *sql, size_t n, struct wh_alter *a, struct mc_err *err);

int wh_alter_parse(const char *sql, size_t n, struct wh_alter *a, struct mc_err *err)
{
	int rc = alter_parse(sql, n, a, err);
	/* "name" under sql_mode ANSI_QUOTES: read here as a string */
	if (rc < 0 && err->code == MC_EXIT_DATA && memchr(sql, '"', n)) {
		char m[sizeof err->msg];
		memcpy(m, err->msg, sizeof m);
		mc_errf(err, MC_EXIT_DATA, "%s (its \"double-quoted\" words are read as strings: "
			"a statement written under sql_mode ANSI_QUOTES, whose names they are, is "
			"not read by the merge; load a new snapshot of the table taken after it, "
			"mc-tunnel-put --resnapshot)", m);
	}
	return rc;
}

static int alter_parse(const char *sql, size_t n, struct wh_alter *a, struct mc_err *err)
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
			added_changed(a, x->name);
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
				memcpy(x->cs, m.cs, sizeof x->cs);
			}
		} else if (wl_is_kw(&l, "ALTER")) { /* ALTER [COLUMN] c SET|DROP DEFAULT */
			char name[256];
			if (wl_next(&l) < 0 || (wl_is_kw(&l, "COLUMN") && wl_next(&l) < 0))
				return bad(err, "a quote not closed");
			if (wl_name_of(&l, name, sizeof name))
				added_changed(a, name);
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

/* ---- steps ---- */

struct wcol {
	char name[256];
	int src;                 /* column of k, or -1 */
	const struct wh_alt *add;
	int fscale;              /* made FLOAT(M,D)/DOUBLE(M,D) by a statement */
	int gen;                 /* made a generated column by a statement */
	char cs[32];             /* converted into this charset by a statement */
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
	free(s->cs);
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
	char why[600], at[96];

	memset(s, 0, sizeof *s);
	s->n = T->ncols;
	if (!w || !alts || !(s->src = calloc(s->n + 1, sizeof *s->src)) ||
	    !(s->cv = calloc(s->n + 1, sizeof *s->cv)) || !(s->arg = calloc(s->n + 1, sizeof *s->arg)) ||
	    !(s->def = calloc(s->n + 1, sizeof *s->def)) ||
	    !(s->why = calloc(s->n + 1, sizeof *s->why)) ||
	    !(s->cs = calloc(s->n + 1, sizeof *s->cs))) {
		mc_oom(err, "schema step");
		goto out;
	}
	wh_hist_pos_format(&V->start, at, sizeof at);
	for (size_t i = 0; i < S->ncols; i++, nw++) {
		snprintf(w[nw].name, sizeof w[nw].name, "%.*s", (int)S->cols[i].name.n, S->cols[i].name.p);
		w[nw].src = (int)i;
	}
	for (size_t d = 0; d < V->nddl; d++) {
		struct mc_err e = { 0 };
		if (wh_alter_parse(V->ddl[d].sql, V->ddl[d].n, &alts[d], &e) < 0) {
			char dp[96];
			wh_hist_pos_format(&V->ddl[d].pos, dp, sizeof dp);
			snprintf(why, sizeof why, "'%.200s' at %s: %.280s", V->ddl[d].sql, dp, e.msg);
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
				if (alts[d].a[i].cs[0])
					memcpy(w[f[i]].cs, alts[d].a[i].cs, sizeof w[f[i]].cs);
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
			if (wh_def_value(w[f].add, &T->cols[j], &s->def[j], &s->defbuf, why, sizeof why) < 0) {
				char full[720];
				s->defbuf.len = b0;
				snprintf(full, sizeof full, "added at %s: %s", at, why);
				if (set_why(s, j, full, err) < 0)
					goto out;
			}
			continue;
		}
		if (S->cols[w[f].src].nullable && !T->cols[j].nullable) {
			/* made NOT NULL: a statement in the binlog ran, so a NULL became
			 * the type's implicit default (a strict sql_mode refuses it);
			 * def[j] of a kept column: what its NULL becomes */
			struct wh_alt nn;
			size_t b0 = s->defbuf.len;
			memset(&nn, 0, sizeof nn);
			nn.def = WH_DEF_NONE;
			nn.not_null = 1;
			nn.nulls = 1;
			if (wh_def_value(&nn, &T->cols[j], &s->def[j], &s->defbuf, why, sizeof why) < 0) {
				char full[900];
				s->defbuf.len = b0;
				memset(&s->def[j], 0, sizeof s->def[j]);
				snprintf(full, sizeof full, "made NOT NULL at %s: a NULL of the older rows "
					 "became its implicit default, which %s", at, why);
				if (set_why(s, j, full, err) < 0)
					goto out;
				continue;
			}
		}
		s->cv[j] = wh_type_conv(&S->cols[w[f].src], &T->cols[j], &s->arg[j], why, sizeof why);
		if (w[f].cs[0] && s->cv[j] != WH_CV_ERR &&
		    wh_cs_plan(w[f].cs, &T->cols[j], &s->cv[j], &s->cs[j], why, sizeof why) < 0)
			s->cv[j] = WH_CV_ERR;
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
			char full[940];
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
	/* the string defaults now that defbuf stays put (also what a NULL of
	 * a column made NOT NULL becomes) */
	for (size_t j = 0; j < T->ncols; j++)
		if (!s->why[j] && s->def[j].kind >= MC_V_STR)
			s->def[j].v.s.p = s->defbuf.p ? s->defbuf.p + (uintptr_t)s->def[j].v.s.p : "";
	/* the key, by column */
	s->key_changed = S->nkey != T->nkey;
	for (size_t i = 0; i < T->nkey && !s->key_changed; i++)
		s->key_changed = s->src[T->key[i]] != (int)S->key[i];
	/* a key declared by the user (mc-snapshot --split-key) beside none:
	 * the server's table has none either way (the tail's schema records
	 * do not carry it), so its key did not change */
	if (s->key_changed && ((!S->nkey && (T->schema_flags & MC_SF_KEY_DECLARED)) ||
			       (!T->nkey && (S->schema_flags & MC_SF_KEY_DECLARED))))
		s->key_changed = 0;
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
		if (out[j].kind == MC_V_NULL && s->def[j].kind != MC_V_NULL) {
			out[j] = s->def[j]; /* made NOT NULL: its implicit default */
			continue;
		}
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
		case WH_CV_CS: {
			size_t at = scratch->len;
			int r = wh_cs_text(s->cs[j], &out[j], scratch, err);
			if (r < 0)
				return -1;
			if (r > 0) { /* replaced: the text in scratch */
				out[j].v.s.p = (const char *)(uintptr_t)(at - base);
				out[j].v.s.n = scratch->len - at;
				out[j].kind |= 0x80;
			}
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
