/* ddl.c: the type of a ddl record: from its effect, and for ALTER TABLE
 * from the clauses of its statement (docs/mc-transform.md, "DDL policy"),
 * and the checks of an ALTER against the values and the rules (the ddl
 * section of the rules file itself: ddlpol.c). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "stream/rec.h"
#include "stream/sqlword.h"
#include "transform/ddltok.h"
#include "transform/fixt.h"
#include "transform/rparse.h"

/* The types of an ALTER TABLE statement's clauses, as bits. */
static unsigned alter_types(const char *sql, size_t n)
{
	static const char *const add_other[] = { "index", "key", "unique", "primary", "constraint",
		"foreign", "fulltext", "spatial", "partition", "check", "period", "system",
		"vector", NULL };
	static const char *const drop_other[] = { "index", "key", "primary", "foreign",
		"constraint", "partition", "check", "period", "system", NULL };
	struct tok k = { sql, n, 0, NULL, 0, 0, 0 };
	unsigned t = 0;
	next(&k);
	if (!is(&k, "alter"))
		return 1u << TF_DDL_ALTER_OTHER;
	next(&k);
	while (is(&k, "online") || is(&k, "offline") || is(&k, "ignore"))
		next(&k);
	if (!is(&k, "table"))
		return 1u << TF_DDL_OTHER;
	next(&k);
	if (is(&k, "if")) {
		next(&k);
		next(&k); /* exists */
	}
	skip_name(&k);
	if (is(&k, "wait")) {
		next(&k);
		next(&k);
	} else if (is(&k, "nowait")) {
		next(&k);
	}
	while (k.kind) {
		if (k.kind == ',') {
			next(&k);
			continue;
		}
		if (is(&k, "add")) {
			next(&k);
			if (is(&k, "if")) { /* IF NOT EXISTS */
				next(&k), next(&k), next(&k);
			}
			t |= 1u << (is_any(&k, add_other) ? TF_DDL_ALTER_OTHER : TF_DDL_ADD_COLUMN);
		} else if (is(&k, "drop")) {
			next(&k);
			t |= 1u << (is_any(&k, drop_other) ? TF_DDL_ALTER_OTHER : TF_DDL_DROP_COLUMN);
		} else if (is(&k, "rename")) {
			next(&k);
			if (is(&k, "column"))
				t |= 1u << TF_DDL_RENAME_COLUMN;
			else if (is(&k, "index") || is(&k, "key"))
				t |= 1u << TF_DDL_ALTER_OTHER;
			else
				t |= 1u << TF_DDL_RENAME_TABLE;
		} else if (is(&k, "change")) {
			const char *a;
			size_t an;
			next(&k);
			if (is(&k, "column"))
				next(&k);
			if (is(&k, "if")) {
				next(&k), next(&k);
			}
			a = k.t, an = k.tn;
			next(&k);
			t |= 1u << TF_DDL_MODIFY_COLUMN;
			if (an != k.tn || strncasecmp(a, k.t, an) != 0)
				t |= 1u << TF_DDL_RENAME_COLUMN;
		} else if (is(&k, "modify")) {
			t |= 1u << TF_DDL_MODIFY_COLUMN;
		} else if (is(&k, "alter")) {
			next(&k);
			t |= 1u << (is(&k, "index") || is(&k, "key") || is(&k, "check") ||
					    is(&k, "constraint") ?
					    TF_DDL_ALTER_OTHER : TF_DDL_MODIFY_COLUMN);
		} else {
			t |= 1u << TF_DDL_ALTER_OTHER;
		}
		skip_clause(&k);
	}
	return t ? t : 1u << TF_DDL_ALTER_OTHER;
}

/* The types of a statement of a record without an effect (older writers):
 * by its first words. */
static unsigned sql_types(const char *sql, size_t n)
{
	struct tok k = { sql, n, 0, NULL, 0, 0, 0 };
	next(&k);
	if (is(&k, "alter"))
		return alter_types(sql, n);
	if (is(&k, "truncate"))
		return 1u << TF_DDL_TRUNCATE;
	if (is(&k, "create") || is(&k, "drop") || is(&k, "rename")) {
		bool create = is(&k, "create"), drop = is(&k, "drop");
		next(&k);
		while (is(&k, "or") || is(&k, "replace") || is(&k, "temporary"))
			next(&k);
		if (is(&k, "table"))
			return 1u << (create ? TF_DDL_CREATE_TABLE :
				      drop ? TF_DDL_DROP_TABLE : TF_DDL_RENAME_TABLE);
	}
	return 1u << TF_DDL_OTHER;
}

/* ignore < normal < alert < error: a statement of several types gets the
 * strictest of their policies (keeping it over dropping it). */
static int rank(enum tf_ddl_pol p)
{
	return p == TF_DDL_IGNORE ? 0 : p == TF_DDL_NORMAL ? 1 : (int)p;
}

static unsigned ddl_types(const struct mc_rec *r)
{
	unsigned t;
	char db[256];
	/* DROP DATABASE (CREATE OR REPLACE DATABASE): a drop of each of its
	 * tables (the sink's reading: sink/ddl.c), so drop_table's policy */
	if (!r->table.n && (r->effect == MC_DDL_OTHER || r->effect == MC_DDL_UNKNOWN) &&
	    mc_sql_drop_database(r->sql, db, sizeof db))
		return 1u << TF_DDL_DROP_TABLE;
	switch (r->effect) {
	case MC_DDL_CREATE: t = 1u << TF_DDL_CREATE_TABLE; break;
	case MC_DDL_DROP: t = 1u << TF_DDL_DROP_TABLE; break;
	case MC_DDL_TRUNCATE: t = 1u << TF_DDL_TRUNCATE; break;
	case MC_DDL_RENAME_FROM:
	case MC_DDL_RENAME_TO: t = 1u << TF_DDL_RENAME_TABLE; break;
	case MC_DDL_ALTER: t = alter_types(r->sql.p, r->sql.n); break;
	case MC_DDL_OTHER: t = 1u << TF_DDL_OTHER; break;
	default: t = sql_types(r->sql.p, r->sql.n); break;
	}
	return t;
}

bool tf_ddl_on_columns(const struct mc_rec *r)
{
	return (ddl_types(r) & (1u << TF_DDL_ADD_COLUMN | 1u << TF_DDL_DROP_COLUMN |
				1u << TF_DDL_RENAME_COLUMN | 1u << TF_DDL_MODIFY_COLUMN)) != 0;
}

enum tf_ddl_pol tf_ddl_policy(const struct tf_rules *R, const struct mc_rec *r, int *type)
{
	unsigned t = ddl_types(r);
	enum tf_ddl_pol best;
	*type = TF_DDL_OTHER;
	best = TF_DDL_NORMAL;
	for (int i = 0, first = 1; i < TF_DDL_NTYPES; i++)
		if ((t & (1u << i)) && (first || rank(R->ddl[i]) > rank(best))) {
			best = R->ddl[i], *type = i;
			first = 0;
		}
	return best;
}

/* ---- a dropped MODIFY or CHANGE: does it change stored values? ---- */

/* A column type, from a schema record's mysql_type or from a statement. */
struct cty {
	char base[24];       /* lower case, synonyms folded */
	long a1, a2;         /* the numbers in "(a1,a2)", -1 when absent */
	int uns;
	const char *labels;  /* ENUM, SET: the text from '(' to ')' */
	size_t nlabels;
	int charset;         /* a statement names a charset other than utf8mb4 */
	int cs_named;        /* it names a charset or collation (any) */
};

static void cty_base(struct cty *c, const char *p, size_t n)
{
	static const char *const syn[][2] = {
		{ "integer", "int" }, { "dec", "decimal" }, { "numeric", "decimal" },
		{ "fixed", "decimal" }, { "real", "double" }, { "bool", "tinyint" },
		{ "boolean", "tinyint" }, { "nchar", "char" }, { "nvarchar", "varchar" },
		{ "character", "char" }, { "int1", "tinyint" }, { "int2", "smallint" },
		{ "int3", "mediumint" }, { "int4", "int" }, { "int8", "bigint" },
		{ "middleint", "mediumint" },
	};
	size_t k = 0;
	for (; k < n && k + 1 < sizeof c->base; k++)
		c->base[k] = (char)tolower((unsigned char)p[k]);
	c->base[k] = 0;
	for (size_t i = 0; i < sizeof syn / sizeof syn[0]; i++)
		if (!strcmp(c->base, syn[i][0]))
			snprintf(c->base, sizeof c->base, "%s", syn[i][1]);
}

/* The number the digits at p (at most n bytes) spell; -1 when none. */
static long num_of(const char *p, size_t n)
{
	long v = 0;
	size_t i = 0;
	for (; i < n && isdigit((unsigned char)p[i]) && v < 100000000; i++)
		v = v * 10 + (p[i] - '0');
	return i ? v : -1;
}

/* The type of a schema record's column ("decimal(10,2) unsigned",
 * "enum('a','b')"). */
static void cty_of_col(const struct mc_col *col, struct cty *c)
{
	const char *p = col->mysql_type.p, *e = p + col->mysql_type.n, *b = p;
	memset(c, 0, sizeof *c);
	c->a1 = c->a2 = -1;
	while (p < e && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	cty_base(c, b, (size_t)(p - b));
	if (p < e && *p == '(') {
		const char *q = p + 1, *end = e;
		while (end > q && end[-1] != ')')
			end--;
		if (end > q) {
			c->labels = q;
			c->nlabels = (size_t)(end - 1 - q);
		}
		if (isdigit((unsigned char)*q)) {
			const char *x = q;
			c->a1 = num_of(q, (size_t)(e - q));
			while (x < e && isdigit((unsigned char)*x))
				x++;
			if (x < e && *x == ',')
				c->a2 = num_of(x + 1, (size_t)(e - x - 1));
		}
	}
	c->uns = (col->flags & MC_CF_UNSIGNED) != 0;
	for (const char *s = col->mysql_type.p; s + 8 <= e; s++)
		if (!strncasecmp(s, "unsigned", 8))
			c->uns = 1;
}

/* The type of a column definition in a statement, k at its first word;
 * k left at the end of the clause. */
static void cty_of_def(struct tok *k, struct cty *c)
{
	int depth = 0;
	memset(c, 0, sizeof *c);
	c->a1 = c->a2 = -1;
	if (is(k, "national")) /* NATIONAL CHAR, NATIONAL VARCHAR */
		next(k);
	if (k->kind == 'w')
		cty_base(c, k->t, k->tn);
	next(k);
	if (!strcmp(c->base, "double") && is(k, "precision"))
		next(k);
	if (!strcmp(c->base, "char") && is(k, "varying")) {
		snprintf(c->base, sizeof c->base, "varchar");
		next(k);
	}
	if (!strcmp(c->base, "long")) { /* LONG, LONG VARCHAR: MEDIUMTEXT */
		snprintf(c->base, sizeof c->base, "mediumtext");
		if (is(k, "varchar"))
			next(k);
	}
	if (k->kind == '(') {
		const char *start = k->t + 1;
		next(k);
		if (k->kind == 'w' && isdigit((unsigned char)k->t[0])) {
			c->a1 = num_of(k->t, k->tn);
			next(k);
			if (k->kind == ',') {
				next(k);
				if (k->kind == 'w')
					c->a2 = num_of(k->t, k->tn);
			}
		}
		while (k->kind && k->kind != ')')
			next(k);
		c->labels = start;
		c->nlabels = (size_t)(k->t - start);
		if (k->kind)
			next(k);
	}
	while (k->kind && !(depth == 0 && k->kind == ',')) {
		if (k->kind == '(')
			depth++;
		else if (k->kind == ')' && depth > 0)
			depth--;
		else if (depth == 0 && (is(k, "unsigned") || is(k, "zerofill")))
			c->uns = 1;
		else if (depth == 0 && (is(k, "ascii") || is(k, "unicode") || is(k, "byte")))
			c->charset = c->cs_named = 1;
		else if (depth == 0 && (is(k, "charset") || is(k, "collate") || is(k, "character"))) {
			c->cs_named = 1;
			next(k);
			if (is(k, "set"))
				next(k);
			if (k->kind == '=')
				next(k);
			if (!(k->tn >= 7 && !strncasecmp(k->t, "utf8mb4", 7)) && !is(k, "binary"))
				c->charset = 1;
			continue;
		} else if (depth == 0 && (is(k, "default") || is(k, "comment"))) {
			next(k); /* its value is not a type word */
		}
		next(k);
	}
}

/* The labels of an ENUM or SET, one at a time: 1 with the label, 0 at
 * the end. */
static int label_next(struct tok *k, const char **p, size_t *n)
{
	while (k->kind && k->kind != '\'')
		next(k);
	if (!k->kind)
		return 0;
	*p = k->t;
	*n = k->tn;
	next(k);
	return 1;
}

/* Whether every label of a is among b's (in_order: in the same order). */
static int labels_kept(const struct cty *a, const struct cty *b, int in_order)
{
	struct tok ka = { a->labels, a->nlabels, 0, NULL, 0, 0, 0 };
	struct tok kb = { b->labels, b->nlabels, 0, NULL, 0, 0, 0 };
	const char *p, *q;
	size_t n, m;
	if (!a->labels || !b->labels)
		return 0;
	next(&ka);
	next(&kb);
	while (label_next(&ka, &p, &n)) {
		int found = 0;
		struct tok kc = kb;
		while (!found && label_next(&kc, &q, &m))
			found = n == m && !memcmp(p, q, n);
		if (!found)
			return 0;
		if (in_order)
			kb = kc;
	}
	return 1;
}

static int in_list(const char *s, const char *const *l)
{
	for (; *l; l++)
		if (!strcmp(s, *l))
			return 1;
	return 0;
}

/* The bytes a text or blob type holds; a CHAR/VARCHAR(n) up to 4n. */
static double text_bytes(const struct cty *c)
{
	static const char *const t[] = { "tinytext", "text", "mediumtext", "longtext", NULL };
	static const char *const b[] = { "tinyblob", "blob", "mediumblob", "longblob", NULL };
	static const double cap[] = { 255, 65535, 16777215, 4294967295.0 };
	for (int i = 0; t[i]; i++)
		if (!strcmp(c->base, t[i]) || !strcmp(c->base, b[i]))
			return cap[i];
	if (!strcmp(c->base, "varbinary"))
		return (double)c->a1;
	return 4.0 * (double)(c->a1 < 0 ? 1 : c->a1);
}

/* The kinds of column type that type_keeps and text_keeps tell apart
 * (integers in order of range). */
static const char *const ints[] = { "tinyint", "smallint", "mediumint", "int", "bigint", NULL };
static const char *const chars[] = { "char", "varchar", "tinytext", "text", "mediumtext",
				     "longtext", NULL };
static const char *const bins[] = { "varbinary", "tinyblob", "blob", "mediumblob", "longblob",
				    NULL };

/* Whether a column of type a given type b keeps every stored value, or
 * every value it changes is one b cannot hold (so that the merge, which
 * checks each older value against b, stops at it): 1, else 0 with why. */
static int type_keeps(const struct cty *a, const struct cty *b, char *why, size_t whysz)
{
	static const char *const temporal[] = { "datetime", "timestamp", "time", "date", "year",
		NULL };
	const char *w = NULL;
	if (b->charset && (in_list(b->base, chars) || !strcmp(b->base, "enum") ||
			   !strcmp(b->base, "set")))
		w = "a charset other than utf8mb4 converts the text, and a character it has not "
		    "becomes '?'";
	else if ((!strcmp(b->base, "float") || !strcmp(b->base, "double")) && b->a2 >= 0)
		w = "FLOAT(M,D) and DOUBLE(M,D) round the values to D digits when the server copies "
		    "the table";
	else if (in_list(a->base, ints) && in_list(b->base, ints))
		return 1; /* a value out of b's range is clamped: the merge stops at it */
	else if (!strcmp(a->base, "decimal") && !strcmp(b->base, "decimal"))
		return 1; /* rounded or clamped: more digits than b has, the merge stops */
	else if (in_list(a->base, temporal) && !strcmp(a->base, b->base))
		return 1; /* fewer fraction digits: the merge stops at a value with more */
	else if (!strcmp(a->base, "bit") && !strcmp(b->base, "bit"))
		return 1;
	else if (!strcmp(a->base, "float") && (!strcmp(b->base, "float") ||
					       !strcmp(b->base, "double")))
		return 1;
	else if (!strcmp(a->base, "double") && !strcmp(b->base, "double"))
		return 1;
	else if (!strcmp(a->base, "json") && !strcmp(b->base, "json"))
		return 1;
	else if (!strcmp(a->base, "enum") && !strcmp(b->base, "enum")) {
		if (labels_kept(a, b, 0))
			return 1;
		w = "a label the values hold is not among the new ones: the server makes it ''";
	} else if (!strcmp(a->base, "set") && !strcmp(b->base, "set")) {
		if (labels_kept(a, b, 1))
			return 1;
		w = "the members move or go: the server rewrites 'a,b' in the new order, or drops a "
		    "member";
	} else if (in_list(a->base, chars) && in_list(b->base, chars)) {
		int ac = !strcmp(a->base, "char") || !strcmp(a->base, "varchar");
		int bc = !strcmp(b->base, "char") || !strcmp(b->base, "varchar");
		if (!strcmp(b->base, "char") && strcmp(a->base, "char"))
			w = "CHAR drops the trailing spaces of the values";
		else if (ac && bc ? b->a1 >= (a->a1 < 0 ? 1 : a->a1) :
			 bc ? (double)b->a1 >= text_bytes(a) : text_bytes(b) >= text_bytes(a))
			return 1;
		else
			w = "it is shorter: the server cuts the longer values (sql_mode not strict)";
	} else if (in_list(a->base, bins) && in_list(b->base, bins)) {
		if (text_bytes(b) >= text_bytes(a))
			return 1;
		w = "it is shorter: the server cuts the longer values (sql_mode not strict)";
	} else if (!strcmp(a->base, b->base) && a->a1 == b->a1 && a->a2 == b->a2 &&
		   a->uns == b->uns && strcmp(a->base, "enum") && strcmp(a->base, "set")) {
		return 1; /* the type restated (BINARY(n), GEOMETRY, ...) */
	}
	snprintf(why, whysz, "%s", w ? w : "the server converts the values to another kind "
		 "of value, or narrows them");
	return 0;
}

static const struct mc_col *col_named(const struct mc_rec *s, const char *p, size_t n)
{
	for (size_t i = 0; s && i < s->ncols; i++)
		if (s->cols[i].name.n == n && !strncasecmp(s->cols[i].name.p, p, n))
			return &s->cols[i];
	return NULL;
}

/* A CONVERT TO CHARACTER SET in r: 1 when it keeps the values (or there is
 * none), else 3 with why (col: an ENUM or SET column, or ""). */
static int convert_keeps(const struct mc_rec *r, const struct mc_rec *whole, char *col,
			 size_t colsz, char *why, size_t whysz)
{
	char cs[64];
	int cv = mc_sql_convert_to(r->sql, cs, sizeof cs);
	col[0] = 0;
	if (cv == 2) {
		snprintf(why, whysz, "CONVERT TO CHARACTER SET converts the values of every text "
			 "column (CHAR, VARCHAR, TEXT, ENUM, SET) to %s%s%s, a character it has not "
			 "becoming '?' (sql_mode not strict); the schema records do not say the "
			 "columns' charsets before it, and only utf8mb4, utf16 and utf32 hold every "
			 "character of any of them", cs[0] ? "'" : "", cs[0] ? cs : "the database's "
			 "charset (DEFAULT), which this run does not know", cs[0] ? "'" : "");
		return 3;
	}
	if (cv == 0)
		return 1;
	/* to utf8mb4: the text keeps its characters, but the server (MariaDB
	 * 10.11) makes an ENUM or SET value '' when its column's labels are in
	 * another charset and not ASCII (latin1 'é'), or not ASCII-compatible
	 * (utf16) */
	for (size_t i = 0; whole && i < whole->ncols; i++) {
		struct cty c;
		cty_of_col(&whole->cols[i], &c);
		if (!strcmp(c.base, "enum") || !strcmp(c.base, "set")) {
			snprintf(col, colsz, "%.*s", (int)(whole->cols[i].name.n > 200 ? 200 :
				 whole->cols[i].name.n), whole->cols[i].name.p);
			snprintf(why, whysz, "CONVERT TO CHARACTER SET keeps the characters of the "
				 "text, but the server makes an ENUM or SET value '' when the column's "
				 "labels were in another charset (not ASCII in latin1, any in utf16), "
				 "and the schema records do not say the charset (the column is '%.*s')",
				 (int)(whole->cols[i].mysql_type.n > 200 ? 200 :
				       whole->cols[i].mysql_type.n), whole->cols[i].mysql_type.p);
			return 3;
		}
	}
	if (!whole) {
		snprintf(why, whysz, "CONVERT TO CHARACTER SET keeps the characters of the text, "
			 "but the server makes an ENUM or SET value '' when the column's labels were "
			 "in another charset, and the table's columns before it are not known to this "
			 "run (no schema record of the table before it, or a statement on its columns "
			 "passed since)");
		return 3;
	}
	return 1;
}

int tf_ddl_default_charset(const struct mc_rec *r, char *cs, size_t cssz)
{
	struct tok k = { r->sql.p, r->sql.n, 0, NULL, 0, 0, 0 };
	int found = 0, depth = 0;
	if (alter_head(&k) <= 0) { /* CREATE TABLE t (...) options */
		k = (struct tok){ r->sql.p, r->sql.n, 0, NULL, 0, 0, 0 };
		next(&k);
		if (!is(&k, "create"))
			return 0;
		while (k.kind && k.kind != '(')
			next(&k);
		do {
			depth += k.kind == '(' ? 1 : k.kind == ')' ? -1 : 0;
			next(&k);
		} while (k.kind && depth > 0);
	}
	while (k.kind) {
		const char *p;
		size_t n;
		/* a column's own CHARACTER SET, CONVERT TO's (convert_keeps) */
		if (is(&k, "add") || is(&k, "modify") || is(&k, "change") || is(&k, "alter") ||
		    is(&k, "convert")) {
			next_clause(&k);
			continue;
		}
		if (!is(&k, "charset") && !is(&k, "character") && !is(&k, "collate")) {
			next(&k);
			continue;
		}
		int coll = is(&k, "collate");
		next(&k);
		if (is(&k, "set"))
			next(&k);
		if (k.kind == '=')
			next(&k);
		if (k.kind != 'w' && k.kind != '`' && k.kind != '\'')
			continue;
		for (p = k.t, n = 0; n < k.tn && !(coll && p[n] == '_'); n++)
			;
		found = 1;
		snprintf(cs, cssz, "%.*s", (int)(n > 60 ? 60 : n), p);
		for (char *q = cs; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		if (!strcmp(cs, "utf8mb4") || !strcmp(cs, "utf16") || !strcmp(cs, "utf32") ||
		    !strcmp(cs, "default"))
			cs[0] = 0; /* holds every character (DEFAULT: the database's, not known) */
		next(&k);
	}
	return found;
}

int tf_ddl_keeps_values(const struct mc_rec *r, const struct mc_rec *old,
			const struct mc_rec *whole, const char *tabcs, int *rule, char *col,
			size_t colsz, char *why, size_t whysz)
{
	char cs[64] = "";
	const char *defcs = tf_ddl_default_charset(r, cs, sizeof cs) ? cs : tabcs;
	struct tok k = { r->sql.p, r->sql.n, 0, NULL, 0, 0, 0 };
	int cv;
	*rule = TF_DDL_MODIFY_COLUMN;
	if (!alter_head(&k))
		return 1;
	/* CONVERT TO CHARACTER SET converts every text column's values, with no
	 * row events, and the schema records say the same types after it */
	if ((cv = convert_keeps(r, whole, col, colsz, why, whysz)) != 1) {
		*rule = TF_DDL_ALTER_OTHER;
		return cv;
	}
	while (k.kind) {
		int change = is(&k, "change");
		const char *name;
		size_t nn;
		const struct mc_col *c;
		struct cty a, b;
		if (!change && !is(&k, "modify")) {
			next_clause(&k);
			continue;
		}
		next(&k);
		if (is(&k, "column"))
			next(&k);
		if (is(&k, "if")) { /* IF EXISTS */
			next(&k);
			next(&k);
		}
		name = k.t, nn = k.tn;
		next(&k);
		if (change) /* the new name */
			next(&k);
		snprintf(col, colsz, "%.*s", (int)(nn > 200 ? 200 : nn), name);
		cty_of_def(&k, &b);
		if (defcs && defcs[0] && !b.cs_named && (in_list(b.base, chars) ||
		    !strcmp(b.base, "enum") || !strcmp(b.base, "set"))) {
			snprintf(why, whysz, "a text column restated without a charset takes the "
				 "table's default charset, '%s' (%s), and the server converts its "
				 "text, a character it has not becoming '?'", defcs, defcs == cs ?
				 "this statement's table option" : "a table option of an earlier "
				 "statement of this run");
			return 0;
		}
		if (!(c = col_named(old, name, nn))) {
			snprintf(why, whysz, "the column's type before it is not known to this run (no "
				 "schema record of the table before it names the column)");
			return 2;
		}
		cty_of_col(c, &a);
		if (!type_keeps(&a, &b, why, whysz)) {
			size_t l = strlen(why);
			snprintf(why + l, whysz - l, " (the column was '%.*s')",
				 (int)(c->mysql_type.n > 200 ? 200 : c->mysql_type.n), c->mysql_type.p);
			return 0;
		}
		if (k.kind == ',')
			next(&k);
	}
	return 1;
}

/* Take one column name (k at it) for fn. */
static int name_to(struct tok *k, void (*fn)(void *, const char *, size_t), void *ctx)
{
	if (k->kind != 'w' && k->kind != '`')
		return -1;
	fn(ctx, k->t, k->tn);
	next(k);
	return 0;
}

int tf_ddl_columns(const struct mc_rec *r, void (*fn)(void *, const char *, size_t), void *ctx)
{
	static const char *const other[] = { "index", "key", "unique", "primary", "constraint",
		"foreign", "fulltext", "spatial", "partition", "check", "period", "system",
		"vector", NULL };
	struct tok k = { r->sql.p, r->sql.n, 0, NULL, 0, 0, 0 };
	if (!alter_head(&k))
		return 0;
	while (k.kind) {
		int add = is(&k, "add"), drop = is(&k, "drop"), ren = is(&k, "rename");
		int chg = is(&k, "change"), mod = is(&k, "modify"), alt = is(&k, "alter");
		if (add || drop || ren || chg || mod || alt) {
			next(&k);
			if (!is_any(&k, other) && !(ren && (is(&k, "to") || is(&k, "as"))) &&
			    !(alt && is(&k, "table")) && (!ren || is(&k, "column"))) {
				skip_column_if(&k);
				if (add && k.kind == '(') { /* ADD (a INT, b INT) */
					int depth = 0;
					next(&k);
					if (name_to(&k, fn, ctx) < 0)
						return -1;
					while (k.kind && !(k.kind == ')' && depth == 0)) {
						if (k.kind == '(')
							depth++;
						else if (k.kind == ')')
							depth--;
						next(&k);
						if (depth == 0 && k.kind == ',') {
							next(&k);
							if (name_to(&k, fn, ctx) < 0)
								return -1;
						}
					}
				} else {
					if (name_to(&k, fn, ctx) < 0)
						return -1;
					if (ren && is(&k, "to"))
						next(&k);
					if ((ren || chg) && name_to(&k, fn, ctx) < 0)
						return -1;
				}
			}
		}
		next_clause(&k);
	}
	return 0;
}

/* ---- an ALTER of a column the types or mask rules cover ---- */

/* Whether the server keeps the text of every value of type a under b
 * (type_keeps said it keeps the values as the merge converts them): an
 * integer widened, text or bytes not cut, a DECIMAL with the same scale
 * and no fewer digits, the type restated; not a scale, fraction digits or
 * kind of number changed, whose text the server writes anew. */
static int text_keeps(const struct cty *a, const struct cty *b)
{
	int ia = -1, ib = -1;
	for (int i = 0; ints[i]; i++) {
		if (!strcmp(a->base, ints[i]))
			ia = i;
		if (!strcmp(b->base, ints[i]))
			ib = i;
	}
	if (ia >= 0 && ib >= 0)
		return a->uns == b->uns && ib >= ia;
	if ((in_list(a->base, chars) || in_list(a->base, bins)) &&
	    (in_list(b->base, chars) || in_list(b->base, bins)))
		return 1;
	if (!strcmp(a->base, "decimal") && !strcmp(b->base, "decimal"))
		return (a->a2 < 0 ? 0 : a->a2) == (b->a2 < 0 ? 0 : b->a2) &&
		       (b->a1 < 0 ? 10 : b->a1) >= (a->a1 < 0 ? 10 : a->a1) && a->uns == b->uns;
	return !strcmp(a->base, b->base) && a->a1 == b->a1 && a->a2 == b->a2 && a->uns == b->uns;
}

/* An added column's definition (k past its name, up to the ',' or ')'
 * that ends it): 0 with why when the older rows get a value other than
 * NULL from it (a DEFAULT, an expression, NOT NULL's implicit default),
 * which the merge takes as written, not through the rule that covers it. */
static int add_keeps(struct tok *k, const char *rule, char *why, size_t whysz)
{
	int nonnull = 0, notnull = 0, depth = 0;
	while (k->kind && !((k->kind == ',' || k->kind == ')') && depth == 0)) {
		if (k->kind == '(')
			depth++;
		else if (k->kind == ')')
			depth--;
		if (depth == 0 && is(k, "not")) {
			next(k);
			notnull |= is(k, "null");
			continue;
		}
		if (depth == 0 && (is(k, "default") || is(k, "as") || is(k, "generated"))) {
			next(k);
			nonnull |= !is(k, "null");
			continue;
		}
		next(k);
	}
	if (!nonnull && !notnull)
		return 1;
	snprintf(why, whysz, "a %s it, and the rows before it get the statement's %s, which "
		 "the merge takes as written, not through the rule", rule, nonnull ?
		 "DEFAULT (or expression)" : "implicit default (NOT NULL)");
	return 0;
}

/* ADD [COLUMN] (a ..., b ..., INDEX (a)), k at its '(': add_keeps of each
 * column a rule covers; k left at the closing ')'. */
static int add_list_keeps(struct tok *k, const struct tf_rules *R, const char *db,
			  const char *table, char *col, size_t colsz, char *why, size_t whysz)
{
	static const char *const other[] = { "index", "key", "unique", "primary", "constraint",
		"foreign", "fulltext", "spatial", "check", "period", "system", "vector", NULL };
	next(k);
	while (k->kind && k->kind != ')') {
		int cov;
		if ((k->kind == 'w' || k->kind == '`') && !is_any(k, other)) {
			snprintf(col, colsz, "%.*s", (int)(k->tn > 200 ? 200 : k->tn), k->t);
			cov = tf_rules_cover(R, db, table, k->t, k->tn);
			next(k);
			if (cov && !add_keeps(k, cov & 1 ? "types rule covers" : cov & 2 ?
					      "mask rule covers" : "columns or keep_if rule reads",
					      why, whysz))
				return 0;
		}
		add_keeps(k, "", why, whysz); /* (to the entry's end) */
		if (k->kind == ',')
			next(k);
	}
	return 1;
}

/* The type a column definition writes, as the schema records write one
 * ("tinyint(1) unsigned"), for a types rule's source_type; wide: with the
 * display width or precision MariaDB gives an integer or DECIMAL written
 * without one ("int" is "int(11)" there, "int" in MySQL 8). */
static void cty_text(const struct cty *c, int wide, char *out, size_t outsz)
{
	static const char *const w[][3] = { { "tinyint", "4", "3" }, { "smallint", "6", "5" },
		{ "mediumint", "9", "8" }, { "int", "11", "10" }, { "bigint", "20", "20" },
		{ "decimal", "10,0", "10,0" } };
	int l = snprintf(out, outsz, "%s", c->base), lab = c->labels != NULL;
	for (size_t i = 0; wide && !c->labels && i < sizeof w / sizeof w[0]; i++)
		if (!strcmp(c->base, w[i][0]) && l >= 0 && (size_t)l < outsz)
			l += snprintf(out + l, outsz - (size_t)l, "(%s)", w[i][c->uns ? 2 : 1]);
	if (wide) { /* the server's own writing: DATETIME(0) is datetime, CHAR
		     * char(1), FLOAT(10) float and FLOAT(30) double */
		int zero = lab && c->nlabels == 1 && c->labels[0] == '0';
		long p = lab ? strtol(c->labels, NULL, 10) : 0;
		if (zero && (!strcmp(c->base, "datetime") || !strcmp(c->base, "timestamp") ||
			     !strcmp(c->base, "time")))
			lab = 0;
		else if (!lab && (!strcmp(c->base, "char") || !strcmp(c->base, "binary")) &&
			 l >= 0 && (size_t)l < outsz)
			l += snprintf(out + l, outsz - (size_t)l, "(1)");
		else if (lab && !strcmp(c->base, "float") && !memchr(c->labels, ',', c->nlabels) &&
			 p >= 0 && p <= 53) {
			l = snprintf(out, outsz, "%s", p <= 24 ? "float" : "double");
			lab = 0;
		}
	}
	if (lab && l >= 0 && (size_t)l < outsz)
		l += snprintf(out + l, outsz - (size_t)l, "(%.*s)", (int)(c->nlabels > 200 ? 200 :
			      c->nlabels), c->labels);
	if (c->uns && l >= 0 && (size_t)l < outsz)
		snprintf(out + l, outsz - (size_t)l, " unsigned");
}

/* A MODIFY or CHANGE (k at the definition) that moves column name (its
 * type before it in c) from one types rule to another or none (a
 * source_type rule, a rule of the name): 0 with why. The older rows hold
 * one rule's type, the newer the other's: the sink takes them and every
 * merge of the table fails from then on. */
static int types_rule_kept(const struct tf_rules *R, const char *db, const char *table,
			   const struct mc_col *c, const char *name2, size_t nn2,
			   const struct cty *b, char *why, size_t whysz)
{
	char nt[300];
	int r1, r2;
	r1 = tf_types_rule_of(R, db, table, c->name.p, c->name.n, c->mysql_type.p,
			      c->mysql_type.n);
	cty_text(b, 1, nt, sizeof nt);
	if (tf_types_rule_of(R, db, table, name2, nn2, nt, strlen(nt)) == r1)
		return 1;
	cty_text(b, 0, nt, sizeof nt);
	r2 = tf_types_rule_of(R, db, table, name2, nn2, nt, strlen(nt));
	if (r1 == r2)
		return 1;
	snprintf(why, whysz, "it moves the column from %s%s to %s%s (the type '%.*s' becomes "
		 "'%s'): the older rows would hold one type and the newer another, which no "
		 "merge of the table takes", r1 < 0 ? "no types rule" : "the types rule at ",
		 r1 < 0 ? "" : R->types[r1].where, r2 < 0 ? "no types rule" : "the types rule at ",
		 r2 < 0 ? "" : R->types[r2].where, (int)(c->mysql_type.n > 100 ? 100 :
		 c->mysql_type.n), c->mysql_type.p, nt);
	return 0;
}

int tf_ddl_rules_keep(const struct tf_rules *R, const struct mc_rec *r, const struct mc_rec *old,
		      const char *db, const char *table, int dropped, char *col, size_t colsz,
		      char *why, size_t whysz)
{
	struct tok k = { r->sql.p, r->sql.n, 0, NULL, 0, 0, 0 };
	if ((!R->ntypes && !(R->fixt && R->fixt->nmask) && !R->nrefs && !R->ndml) || !alter_head(&k))
		return 1;
	while (k.kind) {
		int add = is(&k, "add"), chg = is(&k, "change"), mod = is(&k, "modify");
		int ren = is(&k, "rename"), cov, cov2, keeps, same;
		const char *name, *name2 = NULL, *rule;
		size_t nn, nn2 = 0;
		if (!(add || chg || mod || ren)) {
			next_clause(&k);
			continue;
		}
		next(&k);
		if (ren && !is(&k, "column")) {
			next_clause(&k);
			continue;
		}
		skip_column_if(&k);
		if (add && k.kind == '(') { /* ADD [COLUMN] (a INT, b INT, INDEX (a)) */
			if (!dropped && !add_list_keeps(&k, R, db, table, col, colsz, why, whysz))
				return 0;
			next_clause(&k);
			continue;
		}
		if (k.kind != 'w' && k.kind != '`') { /* ADD INDEX ...: */
			next_clause(&k);
			continue;
		}
		name = k.t, nn = k.tn;
		next(&k);
		if (ren && is(&k, "to"))
			next(&k);
		if ((ren || chg) && (k.kind == 'w' || k.kind == '`')) {
			name2 = k.t, nn2 = k.tn;
			next(&k);
		}
		snprintf(col, colsz, "%.*s", (int)(nn > 200 ? 200 : nn), name);
		cov = tf_rules_cover(R, db, table, name, nn);
		/* (a column's name is not case-sensitive: another case, the same) */
		same = !name2 || (nn2 == nn && !strncasecmp(name2, name, nn));
		cov2 = same ? cov : tf_rules_cover(R, db, table, name2, nn2);
		rule = cov & 1 ? "types rule covers" : cov & 2 ? "mask rule covers"
						   : "columns or keep_if rule reads";
		if ((ren || chg) && (cov & ~cov2 & 7)) { /* a rule of the name, none of the new */
			int c = cov & ~cov2;
			snprintf(why, whysz, "a %s it, none its new name '%.*s': %s", c & 2 ? "mask "
				 "rule covers" : c & 1 ? "types rule covers" : "columns or keep_if rule "
				 "reads", (int)(nn2 > 200 ? 200 : nn2), name2, c & 2 ? "its values from "
				 "here on would be written in the clear" : c & 1 ? "its values from here "
				 "on would have the column's own type, the older rows the rule's" :
				 "the rule would read a column the table no longer has");
			return 0;
		}
		if (add && cov && !dropped && !add_keeps(&k, rule, why, whysz))
			return 0;
		if ((mod || chg) && R->ntypes && col_named(old, name, nn)) {
			struct tok k2 = k;
			struct cty b;
			cty_of_def(&k2, &b);
			if (!types_rule_kept(R, db, table, col_named(old, name, nn), name2 ? name2 :
					     name, name2 ? nn2 : nn, &b, why, whysz))
				return 0;
		}
		if ((mod || chg) && cov && !dropped) {
			const struct mc_col *c = col_named(old, name, nn);
			struct cty a, b;
			cty_of_def(&k, &b);
			if (!c) {
				snprintf(why, whysz, "a %s it, and its type before it is not "
					 "known to this run (no schema record of the table before it "
					 "names the column): the server may change the older rows' "
					 "values, which the merge would convert by the rule's type", rule);
				return 2;
			}
			cty_of_col(c, &a);
			keeps = type_keeps(&a, &b, why, whysz);
			if (keeps && !text_keeps(&a, &b)) {
				snprintf(why, whysz, "the server writes its values' text anew (a scale, "
					 "fraction digits or kind of number changed, or an integer "
					 "narrowed)");
				keeps = 0;
			}
			if (!keeps) {
				size_t l = strlen(why);
				snprintf(why + l, whysz - l, " (the column was '%.*s'), and a %s "
					 "it: the merge converts the older rows by the written "
					 "type, not as the server did", (int)(c->mysql_type.n > 200 ? 200 :
					 c->mysql_type.n), c->mysql_type.p, rule);
				return 0;
			}
		}
		next_clause(&k);
	}
	return 1;
}

int tf_ddl_database(const struct mc_rec *r, char *db, size_t dbsz)
{
	struct tok k = { r->sql.p, r->sql.n, 0, NULL, 0, 0, 0 };
	next(&k);
	if (!is(&k, "create") && !is(&k, "drop") && !is(&k, "alter"))
		return 0;
	next(&k);
	if (is(&k, "or")) { /* CREATE OR REPLACE */
		next(&k);
		next(&k);
	}
	if (!is(&k, "database") && !is(&k, "schema"))
		return 0;
	next(&k);
	if (is(&k, "if")) { /* IF [NOT] EXISTS */
		next(&k);
		if (is(&k, "not"))
			next(&k);
		next(&k);
	}
	if ((k.kind != 'w' && k.kind != '`') || is(&k, "default") || is(&k, "character") ||
	    is(&k, "charset") || is(&k, "collate") || is(&k, "comment") || is(&k, "upgrade") ||
	    k.tn == 0 || k.tn >= dbsz || memchr(k.t, '`', k.tn))
		return 0; /* ALTER DATABASE of the default one; a name with a `` quote */
	memcpy(db, k.t, k.tn);
	db[k.tn] = 0;
	return 1;
}
