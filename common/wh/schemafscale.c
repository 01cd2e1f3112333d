/* schemafscale.c: a statement that gives a column FLOAT(M,D), DOUBLE(M,D)
 * or REAL(M,D), or converts the table to a charset that lacks characters
 * (schemahist.h, docs/merge.md "Schema changes"). The schema
 * records say float or double before and after it (the binlog's table map
 * carries no M,D), so it may make no schema version, and no step converts
 * the older rows across it; the server rounded them to D digits, or kept
 * them, by how it altered the table, which the binlog does not say. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "stream/sqlword.h"
#include "wh/altlex.h"
#include "wh/schemahist.h"

int wh_alter_fscale(const char *sql, size_t n, char *col, size_t colsz)
{
	struct wh_alter *a = malloc(sizeof *a);
	struct mc_err e = { 0 };
	int found = 0;
	if (!a)
		return -1;
	if (wh_alter_parse(sql, n, a, &e) < 0) {
		/* unread: a FLOAT, DOUBLE or REAL in it may be such a clause */
		static const char *const kw[] = { "float", "double", "real", NULL };
		for (size_t i = 0; i < n && !found; i++)
			for (size_t k = 0; kw[k] && !found; k++) {
				size_t kn = strlen(kw[k]);
				found = i + kn <= n && !strncasecmp(sql + i, kw[k], kn);
			}
		if (found)
			snprintf(col, colsz, "?");
	} else {
		for (size_t i = 0; i < a->n && !found; i++)
			if ((a->a[i].op == WH_ALT_MODIFY || a->a[i].op == WH_ALT_RENAME) &&
			    a->a[i].fscale) {
				snprintf(col, colsz, "%s", a->a[i].name);
				found = 1;
			}
	}
	free(a);
	return found;
}

int wh_alter_has_cols(const char *sql, size_t n)
{
	struct wh_alter *a = malloc(sizeof *a); /* (64 clauses: not on the stack) */
	struct mc_err e = { 0 };
	int found = 0;
	if (!a)
		return -1;
	if (wh_alter_parse(sql, n, a, &e) == 0)
		for (size_t i = 0; i < a->n && !found; i++)
			found = a->a[i].op == WH_ALT_ADD || a->a[i].op == WH_ALT_DROP ||
				a->a[i].op == WH_ALT_RENAME || a->a[i].op == WH_ALT_MODIFY;
	free(a);
	return found;
}

/* The first ENUM or SET column of s (NULL: none, or no s). */
static const struct mc_col *enum_col(const struct mc_rec *s)
{
	for (size_t i = 0; s && i < s->ncols; i++) {
		const struct mc_str *t = &s->cols[i].mysql_type;
		if ((t->n >= 5 && !strncasecmp(t->p, "enum(", 5)) ||
		    (t->n >= 4 && !strncasecmp(t->p, "set(", 4)))
			return &s->cols[i];
	}
	return NULL;
}

int wh_fscale_refuse(const char *table, const struct mc_pos *pos, const char *sql, size_t n,
		     const struct mc_rec *before, const struct mc_rec *after, const char *where,
		     struct mc_err *err)
{
	char col[256], p[96], cn[300], cs[64], why[400];
	int rc, cv = mc_sql_convert_to((struct mc_str){ sql, n }, cs, sizeof cs);
	const struct mc_col *e = enum_col(before) ? enum_col(before) : enum_col(after);
	if (cv == 2 || (cv == 1 && (e || (!before && !after)))) {
		/* the server converted every text column's values, with no row
		 * events, and the schema records say the same types after it; to
		 * utf8mb4 it keeps the characters, but makes '' an ENUM or SET
		 * value whose labels were in another charset */
		if (cv == 2)
			snprintf(why, sizeof why, "converts the values of every text column to %s%s%s, "
				 "a character it has not becoming '?', which the binlog does not say "
				 "(only utf8mb4, utf16 and utf32 hold every character)",
				 cs[0] ? "'" : "", cs[0] ? cs : "the database's charset (DEFAULT)",
				 cs[0] ? "'" : "");
		else if (e)
			snprintf(why, sizeof why, "keeps the characters of the text, but the server "
				 "makes an ENUM or SET value '' when the column's labels were in another "
				 "charset, which the schema records do not say (column '%.*s')",
				 (int)(e->name.n > 200 ? 200 : e->name.n), e->name.p);
		else
			snprintf(why, sizeof why, "keeps the characters of the text, but the server "
				 "makes an ENUM or SET value '' when the column's labels were in another "
				 "charset, and the table's columns before it are not known here");
		wh_hist_pos_format(pos, p, sizeof p);
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s': changed at %s ('%.*s', %s): CONVERT TO CHARACTER SET %s; "
			       "merge up to a point before it, or load a new snapshot of the table "
			       "taken after it (mc-tunnel-put --resnapshot)",
			       table, p, (int)(n > 200 ? 200 : n), sql, where, why);
	}
	rc = wh_alter_fscale(sql, n, col, sizeof col);
	if (rc <= 0)
		return rc < 0 ? mc_oom(err, "DDL") : 0;
	snprintf(cn, sizeof cn, "column '%s'", col);
	for (size_t i = 0; before && i < before->ncols; i++)
		if (before->cols[i].name.n == strlen(col) &&
		    !strncasecmp(before->cols[i].name.p, col, strlen(col)))
			snprintf(cn, sizeof cn, "column %zu '%s'", i + 1, col);
	wh_hist_pos_format(pos, p, sizeof p);
	return mc_errf(err, MC_EXIT_DATA,
		       "table '%s': %s: changed at %s ('%.*s', %s): FLOAT(M,D) and "
		       "DOUBLE(M,D) round the values to D digits, or keep them, by how the server "
		       "altered the table, which the binlog does not say; merge up to a point "
		       "before it, or load a new snapshot of the table taken after it "
		       "(mc-tunnel-put --resnapshot)",
		       table, cn, p, (int)(n > 200 ? 200 : n), sql, where);
}

/* The table default charset an ALTER TABLE sets (its options DEFAULT
 * CHARSET x, CHARACTER SET x, COLLATE x, or CONVERT TO CHARACTER SET x):
 * 1 with it in cs ("" for one that holds every character), 0 none. */
static int table_default_cs(const char *sql, size_t n, char *cs, size_t cssz)
{
	struct lex l = { sql, sql + n, 0, NULL, 0, 0, 0 };
	int found = 0, tabled = 0;
	while (wl_next(&l) == 0 && l.kind != TK_END) {
		if (!tabled) { /* ALTER [ONLINE|IGNORE] TABLE name */
			tabled = wl_is_kw(&l, "table");
			if (tabled && (wl_next(&l) < 0 || wl_next(&l) < 0))
				return found;
			if (tabled && wl_is_p(&l, '.') && (wl_next(&l) < 0 || wl_next(&l) < 0))
				return found;
			if (!tabled)
				continue;
		}
		if (wl_is_kw(&l, "add") || wl_is_kw(&l, "modify") || wl_is_kw(&l, "change") ||
		    wl_is_kw(&l, "alter") || wl_is_kw(&l, "drop") || wl_is_kw(&l, "rename")) {
			if (wl_skip_clause(&l) < 0)
				return found;
			continue;
		}
		int coll = wl_is_kw(&l, "collate");
		if (!coll && !wl_is_kw(&l, "charset") && !wl_is_kw(&l, "character"))
			continue;
		if (wl_next(&l) < 0)
			return found;
		if (wl_is_kw(&l, "set") && wl_next(&l) < 0)
			return found;
		if (wl_is_p(&l, '=') && wl_next(&l) < 0)
			return found;
		char nm[64];
		size_t k;
		if (!wl_name_of(&l, nm, sizeof nm) && !(l.kind == TK_STR && wl_unquote(&l, nm, sizeof nm)))
			continue;
		for (k = 0; nm[k] && !(coll && nm[k] == '_'); k++)
			nm[k] = (char)tolower((unsigned char)nm[k]);
		nm[k] = 0;
		snprintf(cs, cssz, "%s", !strcmp(nm, "utf8mb4") || !strcmp(nm, "utf16") ||
			 !strcmp(nm, "utf32") || !strcmp(nm, "default") ? "" : nm);
		found = 1;
	}
	return found;
}

/* A MODIFY or CHANGE of a text column (in before) that names no charset,
 * with the table's default dcs set to a charset that does not hold every
 * character: the server converts the column's text into dcs. */
static int modify_into_default(const struct wh_hddl *d, const struct mc_rec *before,
			       const char *dcs, const char *table, struct mc_err *err)
{
	struct wh_alter a;
	struct mc_err e = { 0 };
	if (!dcs[0] || !before || wh_alter_parse(d->sql, d->n, &a, &e) < 0)
		return 0;
	for (size_t i = 0; i < a.n; i++) {
		const struct wh_alt *x = &a.a[i];
		if ((x->op != WH_ALT_MODIFY && x->op != WH_ALT_RENAME) || x->cs[0])
			continue;
		for (size_t c = 0; c < before->ncols; c++) {
			const struct mc_col *col = &before->cols[c];
			static const char *const text[] = { "char", "varchar", "tinytext", "text",
				"mediumtext", "longtext", "enum", "set", NULL };
			int is_text = 0;
			if (col->name.n != strlen(x->name) || strncasecmp(col->name.p, x->name, col->name.n))
				continue;
			for (size_t t = 0; text[t] && !is_text; t++)
				is_text = col->mysql_type.n > strlen(text[t]) - 1 &&
					  !strncasecmp(col->mysql_type.p, text[t], strlen(text[t])) &&
					  (col->mysql_type.n == strlen(text[t]) ||
					   col->mysql_type.p[strlen(text[t])] == '(');
			if (!is_text)
				continue;
			char p[96];
			wh_hist_pos_format(&d->pos, p, sizeof p);
			return mc_errf(err, MC_EXIT_DATA,
				       "table '%s': column '%s': '%.*s' at position %s redefines it with "
				       "no charset, and the table's default charset is %s (set by a "
				       "statement of its history): the server converts its text into it "
				       "('?' for what %s cannot hold), which the schema records do not "
				       "say; merge up to a point before it, or load a new snapshot of the "
				       "table taken after it (mc-tunnel-put --resnapshot)", table, x->name,
				       (int)(d->n > 200 ? 200 : d->n), d->sql, p, dcs, dcs);
		}
	}
	return 0;
}

int wh_hist_fscale(const struct wh_hist *h, const char *table, const char *path,
		   const struct mc_pos *from, const struct mc_pos *upto, int upto_inf,
		   struct mc_err *err)
{
	char where[600], dcs[64] = "", cs[64];
	snprintf(where, sizeof where, "in '%s'", path);
	for (size_t k = 0; k <= h->n; k++) {
		/* version k's statements (k == n: those after the last) */
		const struct wh_hddl *d = k < h->n ? h->v[k].ddl : h->pend;
		size_t nd = k < h->n ? h->v[k].nddl : h->npend;
		const struct mc_rec *before = k > 0 ? &h->v[k - 1].s.rec
					      : k < h->n ? &h->v[k].s.rec
					      : NULL;
		if (k == h->n && h->n > 0)
			before = &h->v[h->n - 1].s.rec;
		for (size_t i = 0; i < nd; i++) {
			char p[96];
			/* (the table's default charset, as its history's statements
			 * set it, from before the range too) */
			if (table_default_cs(d[i].sql, d[i].n, cs, sizeof cs))
				snprintf(dcs, sizeof dcs, "%s", cs);
			if (pos_cmp(&d[i].pos, from) < 0 || (!upto_inf && pos_cmp(&d[i].pos, upto) >= 0))
				continue;
			if (modify_into_default(&d[i], before, dcs, table, err) < 0)
				return -1;
			if (wh_fscale_refuse(table, &d[i].pos, d[i].sql, d[i].n, before,
					     k < h->n ? &h->v[k].s.rec : NULL, where, err) < 0)
				return -1;
			/* a statement of columns no row came after yet: the columns
			 * after it are not known (the next row's schema record
			 * says them), and the merge would keep the old ones */
			if (k < h->n || !wh_alter_has_cols(d[i].sql, d[i].n))
				continue;
			wh_hist_pos_format(&d[i].pos, p, sizeof p);
			return mc_errf(err, MC_EXIT_DATA, "table '%s': '%.*s' at position %s changed its "
				       "columns, and no row of the table came after it yet: the columns "
				       "after it are not known to the warehouse (the next row's schema "
				       "says them), so a merge at or past it would keep the old ones; "
				       "merge up to before it (--at), again once a row of the table "
				       "came after it, or load a new snapshot of the table taken after "
				       "it (mc-tunnel-put --resnapshot)", table,
				       (int)(d[i].n > 200 ? 200 : d[i].n), d[i].sql, p);
		}
	}
	return 0;
}
