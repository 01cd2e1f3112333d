/* ddl.c: following CREATE/ALTER/DROP/RENAME TABLE for column lists. */
#include "binlog/ddl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "binlog/ddl_int.h"

/* A working column list: names as (pointer, length) into the statement or
 * into the input list. */
struct work {
	size_t n, cap;
	struct mc_str *names;
	uint16_t *uns;
	char (*cs)[DDL_CS_LEN];
	char **lab; /* ddl_cols.lab's, owned */
	char table_cs[DDL_CS_LEN];
	int no_bs;  /* the statement's sql_mode has NO_BACKSLASH_ESCAPES */
	size_t nkey;
	struct mc_str key[64];
	/* the key was given by this statement: its columns are named by
	 * their names after it (MariaDB: ADD PRIMARY KEY (a), CHANGE a c,
	 * CHANGE b a keys the old b), so a later clause renames none */
	int key_new;
	const struct ddl_cols *in; /* an ALTER's list before it */
	/* the CHANGE and RENAME COLUMN clauses of an ALTER, read before its
	 * clauses are followed: AFTER x names x as the statement leaves it,
	 * so an AFTER naming a name a later clause gives or takes is not
	 * followed here */
	size_t clause, nren;
	struct {
		struct mc_str old, neu;
		size_t clause;
	} ren[64];
	/* the names an ALTER's CHANGE or RENAME COLUMN gave so far: its
	 * clauses name columns by their names before the statement (CHANGE a
	 * b, CHANGE b c renames the old b to c; RENAME COLUMN a TO b, RENAME
	 * COLUMN b TO a swaps them), and this follows them one after the
	 * other, so a clause naming one of these is not followed (ddl_apply
	 * fails: the names unknown, never swapped) */
	size_t nmade;
	struct mc_str made[64];
};

static int same(struct mc_str a, struct mc_str b)
{
	/* column names compare case-insensitively */
	return a.n == b.n && strncasecmp(a.p, b.p, a.n) == 0;
}

/* Is name one a CHANGE or RENAME COLUMN of this statement gave? */
static int renamed_to(const struct work *w, struct mc_str name)
{
	for (size_t i = 0; i < w->nmade; i++)
		if (same(w->made[i], name))
			return 1;
	return 0;
}

/* Note that a clause renamed old to neu (-1: too many to follow). */
static int note_rename(struct work *w, struct mc_str old, struct mc_str neu)
{
	if (same(old, neu))
		return 0;
	if (w->nmade == sizeof w->made / sizeof *w->made)
		return -1;
	w->made[w->nmade++] = neu;
	return 0;
}

static long find(const struct work *w, struct mc_str name)
{
	for (size_t i = 0; i < w->n; i++)
		if (same(w->names[i], name))
			return (long)i;
	return -1;
}

/* Whether an ALTER's table had the column name before it (MariaDB
 * decides ADD IF NOT EXISTS and DROP, CHANGE, MODIFY IF EXISTS by the
 * table's columns, not by what the statement's clauses before did): 1, 0,
 * or -1 when that cannot be told here (a name of bytes not ASCII: the
 * server folds their case too). */
static int existed(const struct work *w, struct mc_str name)
{
	for (uint32_t i = 0; i < w->in->n; i++)
		if (same(mc_str_c(w->in->names[i], strlen(w->in->names[i])), name))
			return 1;
	for (size_t i = 0; i < name.n; i++)
		if ((unsigned char)name.p[i] >= 0x80)
			return -1;
	return 0;
}

/* Does a clause after the current one rename from or to name? */
static int renamed_later(const struct work *w, struct mc_str name)
{
	for (size_t i = 0; i < w->nren; i++)
		if (w->ren[i].clause > w->clause && (same(w->ren[i].old, name) || same(w->ren[i].neu, name)))
			return 1;
	return 0;
}

/* A column's attributes from its definition. */
struct attr {
	int uns;
	char cs[DDL_CS_LEN];
	char *lab; /* ENUM/SET labels (ddl_cols.lab), malloc'd */
	int oom;
};

static int insert_at(struct work *w, size_t at, struct mc_str name, const struct attr *a)
{
	if (a->oom)
		return -1;
	if (w->n == w->cap) {
		/* four parallel arrays of cap items each */
		size_t cn = w->cap, cu = w->cap, cc = w->cap, cl = w->cap;
		if (w->n >= MC_MAX_COLUMNS * 2 ||
		    mc_grow(&w->names, &cn, w->n + 1, sizeof *w->names) < 0 ||
		    mc_grow(&w->uns, &cu, w->n + 1, sizeof *w->uns) < 0 ||
		    mc_grow(&w->cs, &cc, w->n + 1, sizeof *w->cs) < 0 ||
		    mc_grow(&w->lab, &cl, w->n + 1, sizeof *w->lab) < 0) {
			free(a->lab);
			return -1;
		}
		w->cap = cn;
	}
	memmove(w->names + at + 1, w->names + at, (w->n - at) * sizeof *w->names);
	memmove(w->uns + at + 1, w->uns + at, (w->n - at) * sizeof *w->uns);
	memmove(w->cs + at + 1, w->cs + at, (w->n - at) * sizeof *w->cs);
	memmove(w->lab + at + 1, w->lab + at, (w->n - at) * sizeof *w->lab);
	w->lab[at] = a->lab;
	w->names[at] = name;
	w->uns[at] = (uint16_t)a->uns;
	memcpy(w->cs[at], a->cs, DDL_CS_LEN);
	w->n++;
	return 0;
}

static void remove_at(struct work *w, size_t at)
{
	free(w->lab[at]);
	memmove(w->lab + at, w->lab + at + 1, (w->n - at - 1) * sizeof *w->lab);
	memmove(w->names + at, w->names + at + 1, (w->n - at - 1) * sizeof *w->names);
	memmove(w->uns + at, w->uns + at + 1, (w->n - at - 1) * sizeof *w->uns);
	memmove(w->cs + at, w->cs + at + 1, (w->n - at - 1) * sizeof *w->cs);
	w->n--;
}

/* Lower-case charset name from a token (a collation name gives its charset:
 * the part before the first '_'). */
static void cs_name(const struct tok *t, int collation, char *out)
{
	size_t n = t->n, k;
	if (collation) {
		const char *u = memchr(t->p, '_', t->n);
		if (u)
			n = (size_t)(u - t->p);
	}
	if (t->type == T_STR && n >= 2) { /* 'latin1' */
		n = t->n - 2;
		memcpy(out, t->p + 1, n < DDL_CS_LEN - 1 ? n : DDL_CS_LEN - 1);
		out[n < DDL_CS_LEN - 1 ? n : DDL_CS_LEN - 1] = 0;
		return;
	}
	if (n > DDL_CS_LEN - 1)
		n = DDL_CS_LEN - 1;
	for (k = 0; k < n; k++) {
		char c = t->p[k];
		out[k] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[k] = 0;
	if (strcmp(out, "utf8") == 0)
		memcpy(out, "utf8mb3", 8);
}

/* CHARACTER SET x, CHARSET x, COLLATE x (with an optional '=') in [a, b) at
 * nesting depth 0: the charset name into out (left alone if none). */
static void find_charset(const struct toks *ts, size_t a, size_t b, char *out)
{
	int depth = 0, have = 0;
	for (size_t i = a; i < b; i++) {
		size_t v = 0;
		int coll = 0;
		if (ddl_punct(ts, i, '('))
			depth++;
		else if (ddl_punct(ts, i, ')'))
			depth--;
		if (depth)
			continue;
		if (ddl_kw(ts, i, "CHARACTER") && ddl_kw(ts, i + 1, "SET"))
			v = i + 2;
		else if (ddl_kw(ts, i, "CHARSET"))
			v = i + 1;
		else if (ddl_kw(ts, i, "COLLATE") && !have)
			v = i + 1, coll = 1;
		if (!v)
			continue;
		if (ddl_punct(ts, v, '='))
			v++;
		if (v < b && ts->t[v].type != T_PUNCT) {
			cs_name(&ts->t[v], coll, out);
			have = !coll;
		}
	}
}

static int is_binary_type(const struct toks *ts, size_t i)
{
	return ddl_kw(ts, i, "BINARY") || ddl_kw(ts, i, "VARBINARY") || ddl_kw(ts, i, "TINYBLOB") ||
	       ddl_kw(ts, i, "BLOB") || ddl_kw(ts, i, "MEDIUMBLOB") || ddl_kw(ts, i, "LONGBLOB");
}

static int is_text_type(const struct toks *ts, size_t i)
{
	return ddl_kw(ts, i, "CHAR") || ddl_kw(ts, i, "VARCHAR") || ddl_kw(ts, i, "TINYTEXT") ||
	       ddl_kw(ts, i, "TEXT") || ddl_kw(ts, i, "MEDIUMTEXT") || ddl_kw(ts, i, "LONGTEXT") ||
	       ddl_kw(ts, i, "ENUM") || ddl_kw(ts, i, "SET") || ddl_kw(ts, i, "CHARACTER") ||
	       ddl_kw(ts, i, "NCHAR") || ddl_kw(ts, i, "NVARCHAR") || ddl_kw(ts, i, "NATIONAL") ||
	       ddl_kw(ts, i, "LONG");
}

static int def_unsigned(const struct toks *ts, size_t a, size_t b);

/* Digits "0".."6" of n bytes: their value, else -1. */
static int frac_digits(const char *p, size_t n)
{
	unsigned v = 0;
	if (n == 0 || n > 2)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (p[k] < '0' || p[k] > '9')
			return -1;
		v = v * 10 + (unsigned)(p[k] - '0');
	}
	return v <= 6 ? (int)v : -1;
}

static unsigned temporal_kind(const char *p, size_t n)
{
	return n == 4 && strncasecmp(p, "time", 4) == 0		 ? DDL_T_TIME
	       : n == 8 && strncasecmp(p, "datetime", 8) == 0	 ? DDL_T_DATETIME
	       : n == 9 && strncasecmp(p, "timestamp", 9) == 0 ? DDL_T_TIMESTAMP
								 : 0;
}

/* DDL_TEMPORAL() of the type at token i: TIME, DATETIME or TIMESTAMP with
 * its optional (n); 0 for other types or digits not understood. */
static uint16_t def_temporal(const struct toks *ts, size_t i)
{
	unsigned kind = i < ts->n && ts->t[i].type == T_WORD
				? temporal_kind(ts->t[i].p, ts->t[i].n) : 0;
	int dec = 0;
	if (!kind)
		return 0;
	if (ddl_punct(ts, i + 1, '(')) {
		if (i + 3 >= ts->n || ts->t[i + 2].type != T_WORD || !ddl_punct(ts, i + 3, ')') ||
		    (dec = frac_digits(ts->t[i + 2].p, ts->t[i + 2].n)) < 0)
			return 0;
	}
	return DDL_TEMPORAL(kind, (unsigned)dec);
}

uint16_t ddl_temporal(const char *type, size_t n)
{
	size_t w = 0, i, d;
	unsigned kind;
	int dec = 0;
	while (w < n && ((type[w] >= 'a' && type[w] <= 'z') || (type[w] >= 'A' && type[w] <= 'Z')))
		w++;
	if (!(kind = temporal_kind(type, w)) || (w < n && type[w] != ' ' && type[w] != '('))
		return 0;
	for (i = w; i < n && type[i] == ' '; i++)
		;
	if (i < n && type[i] == '(') {
		for (d = ++i; i < n && type[i] != ')'; i++)
			;
		if (i == n || (dec = frac_digits(type + d, i - d)) < 0)
			return 0;
	}
	return DDL_TEMPORAL(kind, (unsigned)dec);
}

/* The attributes of a column definition [a, b) whose name is at a and type
 * at a + 1; text columns without a charset take the table's default. */
static struct attr def_attr(const struct toks *ts, size_t a, size_t b, const struct work *w)
{
	const char *table_cs = w->table_cs;
	struct attr at;
	memset(&at, 0, sizeof at);
	if (ddl_kw(ts, a + 1, "ENUM") || ddl_kw(ts, a + 1, "SET"))
		at.oom = !(at.lab = ddl_def_labels(ts, a + 1, b, w->no_bs));
	at.uns = def_unsigned(ts, a, b) | def_temporal(ts, a + 1);
	at.uns |= ddl_kw(ts, a + 1, "INET6") ? DDL_INET6 : ddl_kw(ts, a + 1, "UUID") ? DDL_UUID
		  : ddl_kw(ts, a + 1, "INET4") ? DDL_INET4 : 0;
	if (is_binary_type(ts, a + 1)) {
		memcpy(at.cs, "binary", 7);
	} else if (is_text_type(ts, a + 1)) {
		if (ddl_kw(ts, a + 1, "NCHAR") || ddl_kw(ts, a + 1, "NVARCHAR") || ddl_kw(ts, a + 1, "NATIONAL"))
			memcpy(at.cs, "utf8mb3", 8);
		else
			memcpy(at.cs, table_cs, DDL_CS_LEN);
		find_charset(ts, a + 2, b, at.cs);
	}
	return at;
}

/* DDL_UNSIGNED (UNSIGNED, or ZEROFILL, which implies it), DDL_INVISIBLE
 * and DDL_GENERATED ([GENERATED ALWAYS] AS (...)) of a column definition
 * [a, b) (its name at a). */
static int def_unsigned(const struct toks *ts, size_t a, size_t b)
{
	int depth = 0, f = 0;
	for (size_t i = a + 1; i < b; i++) {
		if (ddl_punct(ts, i, '('))
			depth++;
		else if (ddl_punct(ts, i, ')'))
			depth--;
		else if (depth == 0 && (ddl_kw(ts, i, "UNSIGNED") || ddl_kw(ts, i, "ZEROFILL")))
			f |= DDL_UNSIGNED;
		else if (depth == 0 && ddl_kw(ts, i, "INVISIBLE"))
			f |= DDL_INVISIBLE;
		else if (depth == 0 && ddl_kw(ts, i, "AS") && i + 1 < b && ddl_punct(ts, i + 1, '('))
			f |= DDL_GENERATED;
	}
	return f;
}

static struct mc_str tok_str(const struct toks *ts, size_t i)
{
	return mc_str_c(ts->t[i].p, ts->t[i].n);
}

/* Key columns from "( a [(len)] [ASC|DESC], ... )" at i: 0, or -1 when
 * a part does not start with a name (sql_mode ANSI_QUOTES' "a"). */
static int key_cols(const struct toks *ts, size_t i, struct work *w)
{
	size_t end = ddl_skip_group(ts, i);
	struct part parts[64];
	size_t np;
	if (!ddl_punct(ts, i, '('))
		return 0;
	np = ddl_split(ts, i + 1, end - 1, parts, 64);
	w->nkey = 0;
	for (size_t k = 0; k < np; k++) {
		if (!ddl_is_name(ts, parts[k].a))
			return -1;
		w->key[w->nkey++] = tok_str(ts, parts[k].a);
	}
	w->key_new = 1;
	return 0;
}

/* A constraint definition [a, b): PRIMARY KEY (cols) sets the key. 0, or
 * -1 when not followed. */
static int constraint(const struct toks *ts, size_t a, size_t b, struct work *w)
{
	for (size_t i = a; i + 1 < b; i++)
		if (ddl_kw(ts, i, "PRIMARY") && ddl_kw(ts, i + 1, "KEY")) {
			size_t k = i + 2;
			for (; k < b && !ddl_punct(ts, k, '('); k++) /* USING BTREE, an index name */
				if (ddl_kw(ts, k, "IF")) {
					/* ADD PRIMARY KEY IF NOT EXISTS: the server skips
					 * it when the table had one; followed then only */
					return w->in && w->in->nkey && !w->key_new ? 0 : -1;
				}
			return key_cols(ts, k, w);
		}
	return 0;
}

/* A column definition [a, b) whose name is at a: an inline PRIMARY KEY or
 * KEY (not UNIQUE KEY) makes it the key. */
static void column_key(const struct toks *ts, size_t a, size_t b, struct work *w)
{
	int depth = 0;
	for (size_t i = a + 1; i < b; i++) {
		if (ddl_punct(ts, i, '('))
			depth++;
		else if (ddl_punct(ts, i, ')'))
			depth--;
		else if (depth == 0 && ddl_kw(ts, i, "KEY") && !ddl_kw(ts, i - 1, "UNIQUE")) {
			w->nkey = 1;
			w->key[0] = tok_str(ts, a);
			w->key_new = 1;
			return;
		}
	}
}

/* Does the column definition [a, b) (its name at a, then its type) end
 * with AFTER col (2) or FIRST (1)? AFTER first names a column. */
static int positioned(const struct toks *ts, size_t a, size_t b)
{
	if (b >= a + 4 && ddl_kw(ts, b - 2, "AFTER") && ts->t[b - 1].type != T_PUNCT)
		return 2;
	return b >= a + 3 && ddl_kw(ts, b - 1, "FIRST");
}

/* FIRST or AFTER col at the end of [a, b): the insert position, or n (end);
 * -1 if AFTER names no column, one a later clause renames, or one not
 * read here (sql_mode ANSI_QUOTES' AFTER "a"). */
static long position(const struct toks *ts, size_t a, size_t b, const struct work *w)
{
	int pos = positioned(ts, a, b);
	if (pos == 2) {
		long k = ddl_is_name(ts, b - 1) ? find(w, tok_str(ts, b - 1)) : -1;
		return k < 0 || renamed_later(w, tok_str(ts, b - 1)) ? -1 : k + 1;
	}
	return pos ? 0 : (long)w->n;
}

/* A column named in a key given before this statement: renamed from old
 * to neu (neu.n 0: dropped from it). */
static void key_rename(struct work *w, struct mc_str old, struct mc_str neu)
{
	if (w->key_new)
		return;
	for (size_t j = 0; j < w->nkey; j++)
		if (same(w->key[j], old)) {
			if (neu.n) {
				w->key[j] = neu;
			} else {
				memmove(w->key + j, w->key + j + 1, (w->nkey - j - 1) * sizeof *w->key);
				w->nkey--;
			}
			return;
		}
}

/* ADD [COLUMN] [IF NOT EXISTS] of the column defined by [i, b): 0, or -1
 * when not followed. */
static int add_column(const struct toks *ts, size_t i, size_t b, int ine, struct work *w)
{
	long at;
	struct attr a2;
	if (!ddl_is_name(ts, i))
		return -1;
	if (ine) {
		int e = existed(w, tok_str(ts, i));
		if (e > 0)
			return 0; /* the table had it: skipped, even if dropped before */
		if (e < 0)
			return -1;
	}
	if (find(w, tok_str(ts, i)) >= 0 || (at = position(ts, i, b, w)) < 0)
		return -1;
	a2 = def_attr(ts, i, b, w);
	if (insert_at(w, (size_t)at, tok_str(ts, i), &a2) < 0)
		return -1;
	column_key(ts, i, b, w);
	return 0;
}

/* IF EXISTS of a DROP, CHANGE or MODIFY naming name (ie: it has one): 1 to
 * follow the clause, 0 when the server skips it (the table had no such
 * column before the statement, even if a clause before added it), -1 when
 * that is not told here. */
static int if_exists(const struct work *w, struct mc_str name, int ie)
{
	return ie ? existed(w, name) : 1;
}

static int alter_spec(const struct toks *ts, size_t a, size_t b, struct work *w)
{
	size_t i = a + 1;
	if (ddl_kw(ts, a, "ADD")) {
		int ine, col = 0;
		if (ddl_kw(ts, i, "COLUMN"))
			i++, col = 1; /* then a column, whatever its name */
		else if (ddl_kw(ts, i, "PARTITION") || /* ADD PARTITION (...): columns unchanged */
			 (ddl_kw(ts, i, "VECTOR") && (ddl_kw(ts, i + 1, "INDEX") || ddl_kw(ts, i + 1, "KEY"))))
			return 0; /* (and MariaDB 11.7's ADD VECTOR INDEX) */
		ine = ddl_kw(ts, i, "IF");
		i = ddl_skip_if(ts, i, 1);
		if (ddl_punct(ts, i, '(')) {
			struct part parts[256];
			size_t end = ddl_skip_group(ts, i), np = ddl_split(ts, i + 1, end - 1, parts, 256);
			for (size_t k = 0; k < np; k++)
				if (ddl_is_constraint_word(ts, parts[k].a) ||
				    add_column(ts, parts[k].a, parts[k].b, ine, w) < 0)
					return -1;
			return 0;
		}
		if (!col && ddl_is_constraint_word(ts, i))
			return constraint(ts, i, b, w);
		return add_column(ts, i, b, ine, w);
	}
	if (ddl_kw(ts, a, "DROP")) {
		int ie, e;
		long k;
		if (ddl_kw(ts, i, "PRIMARY")) {
			w->nkey = 0;
			w->key_new = 1;
			return 0;
		}
		if (ddl_kw(ts, i, "INDEX") || ddl_kw(ts, i, "KEY") || ddl_kw(ts, i, "CONSTRAINT")) {
			/* DROP INDEX `PRIMARY` drops the primary key too */
			size_t k2 = ddl_skip_if(ts, i + 1, 0);
			if (ddl_is_name(ts, k2) && same(tok_str(ts, k2), mc_str_c("PRIMARY", 7))) {
				w->nkey = 0;
				w->key_new = 1;
			}
			return 0;
		}
		if (ddl_kw(ts, i, "COLUMN"))
			i++;
		else if (ddl_is_constraint_word(ts, i) || ddl_kw(ts, i, "PARTITION"))
			return 0;
		ie = ddl_kw(ts, i, "IF");
		i = ddl_skip_if(ts, i, 0);
		if (!ddl_is_name(ts, i) || renamed_to(w, tok_str(ts, i)))
			return -1;
		if ((e = if_exists(w, tok_str(ts, i), ie)) <= 0)
			return e;
		k = find(w, tok_str(ts, i));
		if (k < 0)
			return ie ? 0 : -1; /* DROP IF EXISTS a, DROP IF EXISTS a: once */
		remove_at(w, (size_t)k);
		key_rename(w, tok_str(ts, i), mc_str_c("", 0));
		return 0;
	}
	if (ddl_kw(ts, a, "CHANGE") || ddl_kw(ts, a, "MODIFY")) {
		int change = ddl_kw(ts, a, "CHANGE"), ie;
		long k, at;
		struct mc_str old, neu;
		if (ddl_kw(ts, i, "COLUMN"))
			i++;
		ie = ddl_kw(ts, i, "IF");
		i = ddl_skip_if(ts, i, 0);
		if (!ddl_is_name(ts, i) || (change && !ddl_is_name(ts, i + 1)))
			return -1;
		old = tok_str(ts, i);
		neu = change ? tok_str(ts, i + 1) : old;
		if (renamed_to(w, old) || (ie = if_exists(w, old, ie)) < 0)
			return -1;
		if (ie == 0)
			return 0;
		if (note_rename(w, old, neu) < 0 || (k = find(w, old)) < 0)
			return -1;
		remove_at(w, (size_t)k);
		at = positioned(ts, i, b) ? position(ts, i, b, w) : k; /* else where it was */
		{
			struct attr a2 = def_attr(ts, change ? i + 1 : i, b, w);
			if (at < 0) {
				free(a2.lab);
				return -1;
			}
			if (insert_at(w, (size_t)at, neu, &a2) < 0)
				return -1;
		}
		key_rename(w, old, neu);
		column_key(ts, change ? i + 1 : i, b, w);
		return 0;
	}
	if (ddl_kw(ts, a, "RENAME") && ddl_kw(ts, i, "COLUMN")) {
		long k;
		if (!ddl_is_name(ts, i + 1) || !ddl_kw(ts, i + 2, "TO") || !ddl_is_name(ts, i + 3) ||
		    renamed_to(w, tok_str(ts, i + 1)) ||
		    note_rename(w, tok_str(ts, i + 1), tok_str(ts, i + 3)) < 0)
			return -1;
		k = find(w, tok_str(ts, i + 1));
		if (k < 0)
			return -1;
		key_rename(w, w->names[k], tok_str(ts, i + 3));
		w->names[k] = tok_str(ts, i + 3);
		return 0;
	}
	if (ddl_kw(ts, a, "CONVERT") && ddl_kw(ts, i, "TO")) {
		char cs[DDL_CS_LEN] = "";
		find_charset(ts, i + 1, b, cs);
		if (!cs[0])
			return -1;
		memcpy(w->table_cs, cs, DDL_CS_LEN);
		for (size_t k = 0; k < w->n; k++) {
			if (w->cs[k][0] && strcmp(w->cs[k], "binary") != 0)
				memcpy(w->cs[k], cs, DDL_CS_LEN);
			if (w->lab[k] && w->lab[k][0] != '!') {
				/* the server keeps the labels' bytes, read in the new
				 * charset: not followed here */
				free(w->lab[k]);
				if (!(w->lab[k] = mc_strdup("!" DDL_LAB_CONVERTED)))
					return -1;
			}
		}
		return 0;
	}
	if (ddl_kw(ts, a, "DEFAULT") || ddl_kw(ts, a, "CHARACTER") || ddl_kw(ts, a, "CHARSET") ||
	    ddl_kw(ts, a, "COLLATE")) {
		find_charset(ts, a, b, w->table_cs);
		return 0;
	}
	return 0; /* ENGINE=, indexes, partitions, defaults, RENAME TO: columns unchanged */
}

static int finish(struct work *w, struct ddl_cols *out)
{
	memset(out, 0, sizeof *out);
	if (w->n == 0 || w->n > MC_MAX_COLUMNS)
		return -1;
	out->names = calloc(w->n, sizeof *out->names);
	out->key = calloc(w->nkey ? w->nkey : 1, sizeof *out->key);
	out->uns = calloc(w->n ? w->n : 1, sizeof *out->uns);
	out->cs = calloc(w->n, sizeof *out->cs);
	out->lab = calloc(w->n, sizeof *out->lab);
	if (!out->names || !out->key || !out->uns || !out->cs || !out->lab)
		goto bad;
	for (size_t i = 0; i < w->n; i++) { /* taken over */
		out->lab[i] = w->lab[i];
		w->lab[i] = NULL;
	}
	out->n = (uint32_t)w->n;
	memcpy(out->uns, w->uns, w->n * sizeof *out->uns);
	memcpy(out->cs, w->cs, w->n * sizeof *out->cs);
	memcpy(out->table_cs, w->table_cs, DDL_CS_LEN);
	for (size_t i = 0; i < w->n; i++) {
		out->names[i] = malloc(w->names[i].n + 1);
		if (!out->names[i])
			goto bad;
		memcpy(out->names[i], w->names[i].p, w->names[i].n);
		out->names[i][w->names[i].n] = 0;
	}
	for (size_t j = 0; j < w->nkey; j++) {
		long k = find(w, w->key[j]);
		if (k < 0)
			goto bad; /* a name of bytes not ASCII in another case: not told */
		out->key[out->nkey++] = (uint32_t)k;
	}
	return 0;
bad:
	ddl_cols_free(out);
	return -1;
}

int ddl_database(const char *sql, size_t n, struct mc_str *db, char *cs)
{
	struct toks ts = { 0 };
	size_t i = 1;
	int rc = 0;
	cs[0] = 0;
	*db = mc_str_c("", 0);
	if (ddl_lex(sql, n, 0, &ts) < 0)
		goto done;
	if ((!ddl_kw(&ts, 0, "CREATE") && !ddl_kw(&ts, 0, "ALTER")) ||
	    (!ddl_kw(&ts, 1, "DATABASE") && !ddl_kw(&ts, 1, "SCHEMA")))
		goto done;
	i = ddl_skip_if(&ts, 2, 1);
	if (ddl_is_name(&ts, i) && !ddl_kw(&ts, i, "DEFAULT") && !ddl_kw(&ts, i, "CHARACTER") &&
	    !ddl_kw(&ts, i, "CHARSET") && !ddl_kw(&ts, i, "COLLATE")) {
		*db = tok_str(&ts, i);
		i++;
	}
	find_charset(&ts, i, ts.n, cs);
	rc = cs[0] != 0;
done:
	free(ts.t);
	return rc;
}

int ddl_apply(const char *sql, size_t n, const struct ddl_cols *in, struct ddl_cols *out)
{
	return ddl_apply_cs(sql, n, in, "", out);
}

int ddl_apply_cs(const char *sql, size_t n, const struct ddl_cols *in, const char *default_cs,
		 struct ddl_cols *out)
{
	return ddl_apply_mode(sql, n, in, default_cs, 0, out);
}

/* What no statement is followed with: a name holding a backquote (`a``b`:
 * its doubled backquote would be kept in the name), and system versioning
 * (WITH, ADD, DROP SYSTEM VERSIONING: the server adds or drops its
 * row_start and row_end columns, hidden, and puts row_end in the primary
 * key). */
static int unfollowed(const struct toks *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		if (ddl_kw(ts, i, "SYSTEM") && ddl_kw(ts, i + 1, "VERSIONING"))
			return 1;
		if (ts->t[i].type == T_QUOTED && memchr(ts->t[i].p, '`', ts->t[i].n))
			return 1;
	}
	return 0;
}


/* The CHANGE and RENAME COLUMN clauses of parts[0..np) into w->ren; -1 if
 * there are more than it holds. */
static int read_renames(const struct toks *ts, const struct part *parts, size_t np, struct work *w)
{
	for (size_t k = 0; k < np; k++) {
		size_t i = parts[k].a + 1, o, nu;
		if (ddl_kw(ts, parts[k].a, "CHANGE")) {
			o = ddl_skip_if(ts, i + ddl_kw(ts, i, "COLUMN"), 0);
			nu = o + 1;
		} else if (ddl_kw(ts, parts[k].a, "RENAME") && ddl_kw(ts, i, "COLUMN") && ddl_kw(ts, i + 2, "TO")) {
			o = i + 1;
			nu = i + 3;
		} else {
			continue;
		}
		if (!ddl_is_name(ts, o) || !ddl_is_name(ts, nu))
			continue; /* refused when followed */
		if (w->nren == sizeof w->ren / sizeof *w->ren)
			return -1;
		w->ren[w->nren].old = tok_str(ts, o);
		w->ren[w->nren].neu = tok_str(ts, nu);
		w->ren[w->nren++].clause = k;
	}
	return 0;
}

/* ddl_apply_mode with the bodies of the executable comments that only
 * some servers run dropped (drop_gated) or kept; *gated is set when there
 * is one. */
static int apply(const char *sql, size_t n, const struct ddl_cols *in, const char *default_cs,
		 int mode, int drop_gated, int *gated, struct ddl_cols *out)
{
	struct toks ts = { 0 };
	struct work w = { 0 };
	struct mc_str db, tab;
	struct part *parts = NULL;
	size_t i, np, maxp;
	int rc = -1;

	memset(out, 0, sizeof *out);
	w.no_bs = mode & DDL_MODE_NO_BS;
	if (ddl_lex_full(sql, n, mode, drop_gated, gated, &ts) < 0 || unfollowed(&ts))
		goto done;
	/* a part has a token at least: sized to the statement (a fixed 2 *
	 * MC_MAX_COLUMNS, 128 KB, was a mapping made and unmapped each time) */
	maxp = ts.n < 2 * MC_MAX_COLUMNS ? ts.n + 1 : 2 * MC_MAX_COLUMNS;
	parts = malloc(maxp * sizeof *parts);
	if (!parts)
		goto done;
	if (!in) { /* CREATE TABLE */
		size_t end;
		i = 1;
		if (ddl_kw(&ts, i, "OR") && ddl_kw(&ts, i + 1, "REPLACE"))
			i += 2;
		if (ddl_kw(&ts, i, "TEMPORARY"))
			i++;
		if (!ddl_kw(&ts, 0, "CREATE") || !ddl_kw(&ts, i, "TABLE"))
			goto done;
		i = ddl_skip_if(&ts, i + 1, 1);
		/* CREATE TABLE t (LIKE s), t (SELECT ...), (WITH ...), (VALUES
		 * ...): columns from another table or a query */
		if (!(i = ddl_table_name(&ts, i, &db, &tab)) || !ddl_punct(&ts, i, '(') ||
		    ddl_kw(&ts, i + 1, "LIKE") || ddl_kw(&ts, i + 1, "SELECT") || ddl_kw(&ts, i + 1, "WITH") ||
		    ddl_kw(&ts, i + 1, "VALUES"))
			goto done;
		end = ddl_skip_group(&ts, i);
		for (size_t k = end; k < ts.n; k++)
			if (ddl_kw(&ts, k, "SELECT") || ddl_kw(&ts, k, "LIKE"))
				goto done; /* columns come from a query */
		if (default_cs && strlen(default_cs) < DDL_CS_LEN)
			memcpy(w.table_cs, default_cs, strlen(default_cs) + 1);
		find_charset(&ts, end, ts.n, w.table_cs);
		np = ddl_split(&ts, i + 1, end - 1, parts, maxp);
		for (size_t k = 0; k < np; k++) {
			if (ddl_is_constraint_word(&ts, parts[k].a)) {
				if (constraint(&ts, parts[k].a, parts[k].b, &w) < 0)
					goto done;
				continue;
			}
			struct attr at;
			if (!ddl_is_name(&ts, parts[k].a))
				goto done;
			at = def_attr(&ts, parts[k].a, parts[k].b, &w);
			if (insert_at(&w, w.n, tok_str(&ts, parts[k].a), &at) < 0)
				goto done;
			column_key(&ts, parts[k].a, parts[k].b, &w);
		}
	} else { /* ALTER TABLE */
		i = 1;
		while (ddl_kw(&ts, i, "ONLINE") || ddl_kw(&ts, i, "IGNORE"))
			i++;
		if (!ddl_kw(&ts, 0, "ALTER") || !ddl_kw(&ts, i, "TABLE"))
			goto done;
		i = ddl_skip_if(&ts, i + 1, 0);
		if (!(i = ddl_table_name(&ts, i, &db, &tab)))
			goto done;
		i = ddl_skip_wait(&ts, i); /* MariaDB's WAIT n | NOWAIT before the clauses */
		memcpy(w.table_cs, in->table_cs, DDL_CS_LEN);
		for (uint32_t k = 0; k < in->n; k++) {
			struct attr at;
			memset(&at, 0, sizeof at);
			at.uns = in->uns ? in->uns[k] : 0;
			if (in->cs)
				memcpy(at.cs, in->cs[k], DDL_CS_LEN);
			if (in->lab && in->lab[k])
				at.oom = !(at.lab = mc_strdup(in->lab[k]));
			if (insert_at(&w, w.n, mc_str_c(in->names[k], strlen(in->names[k])), &at) < 0)
				goto done;
		}
		for (uint32_t k = 0; k < in->nkey && k < 64; k++)
			if (in->key[k] < in->n)
				w.key[w.nkey++] = mc_str_c(in->names[in->key[k]], strlen(in->names[in->key[k]]));
		w.in = in;
		np = ddl_split(&ts, i, ddl_partitioning(&ts, i), parts, maxp);
		if (read_renames(&ts, parts, np, &w) < 0)
			goto done;
		for (w.clause = 0; w.clause < np; w.clause++)
			if (alter_spec(&ts, parts[w.clause].a, parts[w.clause].b, &w) < 0)
				goto done;
	}
	rc = finish(&w, out);
done:
	free(parts);
	free(w.names);
	free(w.uns);
	free(w.cs);
	for (size_t k = 0; k < w.n; k++)
		free(w.lab[k]);
	free(w.lab);
	free(ts.t);
	return rc;
}

/* Do a and b have the same names and key? */
static int same_cols(const struct ddl_cols *a, const struct ddl_cols *b)
{
	if (a->n != b->n || a->nkey != b->nkey ||
	    memcmp(a->key, b->key, a->nkey * sizeof *a->key) != 0)
		return 0;
	for (uint32_t i = 0; i < a->n; i++)
		if (strcmp(a->names[i], b->names[i]) != 0)
			return 0;
	return 1;
}

int ddl_apply_mode(const char *sql, size_t n, const struct ddl_cols *in, const char *default_cs,
		   int mode, struct ddl_cols *out)
{
	struct ddl_cols other;
	int gated = 0;
	if (apply(sql, n, in, default_cs, mode, 0, &gated, out) < 0)
		return -1;
	if (!gated)
		return 0;
	/* an executable comment that some servers run (/ *!NNNNN for a
	 * version, / *M! MariaDB's) and the server of the binlog is not
	 * known here: followed when the names are the same either way */
	if (apply(sql, n, in, default_cs, mode, 1, NULL, &other) == 0 && same_cols(out, &other)) {
		ddl_cols_free(&other);
		return 0;
	}
	ddl_cols_free(&other);
	ddl_cols_free(out);
	return -1;
}

void ddl_cols_free(struct ddl_cols *c)
{
	if (c->names)
		for (uint32_t i = 0; i < c->n; i++)
			free(c->names[i]);
	free(c->names);
	free(c->key);
	free(c->uns);
	free(c->cs);
	if (c->lab)
		for (uint32_t i = 0; i < c->n; i++)
			free(c->lab[i]);
	free(c->lab);
	memset(c, 0, sizeof *c);
}
