/* ddl.c: following CREATE/ALTER/DROP/RENAME TABLE for column lists. */
#include "binlog/ddl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "binlog/ddl_int.h"

#define MAX_TOKENS 65536 /* per statement */

static int is_word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c >= 0x80;
}

/* 0, or -1 (out of memory, too many tokens: 1 when the caller takes a
 * statement cut there, ts->cut_ok) */
static int push(struct toks *ts, int type, const char *p, size_t n)
{
	struct tok *t;
	if (ts->n >= MAX_TOKENS && ts->cut_ok) {
		ts->cut = 1;
		return 1;
	}
	if (ts->n >= MAX_TOKENS || mc_push(&ts->t, &ts->n, &ts->cap, sizeof *ts->t) < 0)
		return -1;
	t = &ts->t[ts->n - 1];
	t->type = type;
	t->p = p;
	t->n = n;
	return 0;
}

/* Split a statement into words, `quoted names`, 'strings' and single
 * punctuation characters (mode: DDL_MODE_*; under ANSI_QUOTES a "name" is
 * a quoted name). Comments are dropped; the bodies of executable comments
 * (/ *! ... * /) are kept, those that a server runs or not by its version
 * or kind (/ *!NNNNN, / *M!) too unless drop_gated; *gated (when not NULL)
 * is set when there is one of those. A statement cut (ts->cut) is 0 as
 * well. */
static int lex_full(const char *s, size_t n, int mode, int drop_gated, int *gated,
		    struct toks *ts)
{
	const char *p = s, *end = s + n;
	int in_exec = 0, no_bs = mode & DDL_MODE_NO_BS, rc = 0;
	while (p < end && rc == 0) {
		unsigned char c = (unsigned char)*p;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			p++;
		} else if (c == '/' && end - p >= 2 && p[1] == '*') {
			int exec = end - p >= 3 &&
				   (p[2] == '!' || (p[2] == 'M' && end - p >= 4 && p[3] == '!'));
			if (exec) {
				const char *v = p + (p[2] == '!' ? 3 : 4), *d = v;
				while (d < end && *d >= '0' && *d <= '9')
					d++;
				if (d > v || p[2] == 'M') { /* run by some servers only */
					if (gated)
						*gated = 1;
					exec = !drop_gated;
				}
				if (exec) {
					p = d;
					in_exec = 1;
				}
			}
			if (!exec) {
				p += 2;
				while (end - p >= 2 && !(p[0] == '*' && p[1] == '/'))
					p++;
				p = end - p >= 2 ? p + 2 : end;
			}
		} else if (c == '*' && in_exec && end - p >= 2 && p[1] == '/') {
			p += 2;
			in_exec = 0;
		} else if (c == '#' || (c == '-' && end - p >= 3 && p[1] == '-' &&
					(p[2] == ' ' || p[2] == '\t' || p[2] == '\n'))) {
			while (p < end && *p != '\n')
				p++;
		} else if (c == '`' || (c == '"' && (mode & DDL_MODE_ANSI_QUOTES))) {
			const char *st = ++p;
			while (p < end && !(*p == (char)c && !(end - p >= 2 && p[1] == (char)c)))
				p += *p == (char)c ? 2 : 1;
			rc = push(ts, T_QUOTED, st, (size_t)(p - st));
			if (p < end)
				p++;
		} else if (c == '\'' || c == '"') {
			const char *st = p++;
			/* 'it''s' is one string; a backslash escapes the next
			 * character unless sql_mode has NO_BACKSLASH_ESCAPES */
			while (p < end && !(*p == (char)c && !(end - p >= 2 && p[1] == (char)c)))
				p += (*p == (char)c || (*p == '\\' && !no_bs)) && end - p >= 2 ? 2 : 1;
			if (p < end)
				p++;
			rc = push(ts, T_STR, st, (size_t)(p - st));
		} else if (is_word_char(c)) {
			const char *st = p;
			while (p < end && is_word_char((unsigned char)*p))
				p++;
			rc = push(ts, T_WORD, st, (size_t)(p - st));
		} else {
			rc = push(ts, T_PUNCT, p, 1);
			p++;
		}
	}
	return rc < 0 ? -1 : 0;
}

static int lex_mode(const char *s, size_t n, int mode, struct toks *ts)
{
	return lex_full(s, n, mode, 0, NULL, ts);
}

static int kw(const struct toks *ts, size_t i, const char *word)
{
	size_t k = strlen(word);
	return i < ts->n && ts->t[i].type == T_WORD && ts->t[i].n == k &&
	       strncasecmp(ts->t[i].p, word, k) == 0;
}

static int punct(const struct toks *ts, size_t i, char c)
{
	return i < ts->n && ts->t[i].type == T_PUNCT && ts->t[i].p[0] == c;
}

static int is_name(const struct toks *ts, size_t i)
{
	return i < ts->n && (ts->t[i].type == T_WORD || ts->t[i].type == T_QUOTED);
}

/* name or db.name at i; returns the index after it, or 0. */
static size_t table_name(const struct toks *ts, size_t i, struct mc_str *db, struct mc_str *tab)
{
	if (!is_name(ts, i))
		return 0;
	if (punct(ts, i + 1, '.') && is_name(ts, i + 2)) {
		*db = mc_str_c(ts->t[i].p, ts->t[i].n);
		*tab = mc_str_c(ts->t[i + 2].p, ts->t[i + 2].n);
		return i + 3;
	}
	*db = mc_str_c("", 0);
	*tab = mc_str_c(ts->t[i].p, ts->t[i].n);
	return i + 1;
}

/* Index after the parenthesised group that opens at i. */
static size_t skip_group(const struct toks *ts, size_t i)
{
	int depth = 0;
	for (; i < ts->n; i++) {
		if (punct(ts, i, '('))
			depth++;
		else if (punct(ts, i, ')') && --depth == 0)
			return i + 1;
	}
	return ts->n;
}

/* Split [from, to) at top-level commas: calls back with each part. */
struct part {
	size_t a, b;
};

static size_t split(const struct toks *ts, size_t from, size_t to, struct part *parts, size_t max)
{
	size_t np = 0, st = from;
	int depth = 0;
	for (size_t i = from; i <= to; i++) {
		if (i == to || (depth == 0 && punct(ts, i, ','))) {
			if (np < max && i > st) {
				parts[np].a = st;
				parts[np].b = i;
				np++;
			}
			st = i + 1;
			continue;
		}
		if (punct(ts, i, '('))
			depth++;
		else if (punct(ts, i, ')'))
			depth--;
	}
	return np;
}

static size_t skip_if(const struct toks *ts, size_t i, int not_exists)
{
	if (kw(ts, i, "IF") && not_exists && kw(ts, i + 1, "NOT") && kw(ts, i + 2, "EXISTS"))
		return i + 3;
	if (kw(ts, i, "IF") && !not_exists && kw(ts, i + 1, "EXISTS"))
		return i + 2;
	return i;
}

/* Past MariaDB's WAIT n (n a number, 1.5 or .5 too) or NOWAIT at i. */
static size_t skip_wait(const struct toks *ts, size_t i)
{
	if (kw(ts, i, "NOWAIT"))
		return i + 1;
	if (!kw(ts, i, "WAIT"))
		return i;
	for (i++; i < ts->n; i++) {
		const struct tok *t = &ts->t[i];
		if (!(t->type == T_PUNCT && t->p[0] == '.') &&
		    !(t->type == T_WORD && t->p[0] >= '0' && t->p[0] <= '9'))
			break;
	}
	return i;
}

int ddl_target(const char *sql, size_t n, struct ddl_target *t)
{
	return ddl_target_mode(sql, n, 0, t);
}

int ddl_target_mode(const char *sql, size_t n, int mode, struct ddl_target *t)
{
	struct toks ts = { 0 };
	size_t i = 0;
	int seq = 0;
	memset(t, 0, sizeof *t);
	ts.cut_ok = 1; /* (a statement too long: its start names the tables) */
	if (lex_mode(sql, n, mode, &ts) < 0)
		goto none;
	t->cut = ts.cut;
	if (kw(&ts, 0, "CREATE")) {
		i = 1;
		int repl = 0;
		if (kw(&ts, i, "OR") && kw(&ts, i + 1, "REPLACE"))
			i += 2, repl = 1;
		if (kw(&ts, i, "TEMPORARY"))
			i++;
		if (!kw(&ts, i, "TABLE") && !kw(&ts, i, "SEQUENCE"))
			goto none;
		seq = kw(&ts, i, "SEQUENCE");
		i = skip_if(&ts, i + 1, 1);
		if (!table_name(&ts, i, &t->db[0], &t->table[0]))
			goto none;
		t->ntables = 1;
		t->kind = seq ? DDL_SEQUENCE : DDL_CREATE;
		t->replace = repl;
	} else if (kw(&ts, 0, "ALTER")) {
		int depth = 0;
		i = 1;
		while (kw(&ts, i, "ONLINE") || kw(&ts, i, "IGNORE"))
			i++;
		if (kw(&ts, i, "SEQUENCE")) {
			if (!table_name(&ts, skip_if(&ts, i + 1, 0), &t->db[0], &t->table[0]))
				goto none;
			t->ntables = 1;
			t->kind = DDL_SEQUENCE;
			goto out;
		}
		if (!kw(&ts, i, "TABLE"))
			goto none;
		i = skip_if(&ts, i + 1, 0);
		if (!(i = table_name(&ts, i, &t->db[0], &t->table[0])))
			goto none;
		t->ntables = 1;
		t->kind = DDL_ALTER;
		/* RENAME [TO|AS] name at the top level (not RENAME COLUMN/INDEX/KEY);
		 * CONVERT PARTITION p TO TABLE name */
		for (; i < ts.n; i++) {
			if (punct(&ts, i, '('))
				depth++;
			else if (punct(&ts, i, ')'))
				depth--;
			else if (depth == 0 && kw(&ts, i, "RENAME") && !kw(&ts, i + 1, "COLUMN") &&
				 !kw(&ts, i + 1, "INDEX") && !kw(&ts, i + 1, "KEY")) {
				size_t k = i + 1;
				if (kw(&ts, k, "TO") || kw(&ts, k, "AS"))
					k++;
				if (table_name(&ts, k, &t->new_db[0], &t->new_table[0]))
					t->renamed = 1;
			} else if (depth == 0 && kw(&ts, i, "CONVERT") && kw(&ts, i + 1, "PARTITION") &&
				   kw(&ts, i + 3, "TO") && kw(&ts, i + 4, "TABLE") && !t->renamed &&
				   table_name(&ts, i + 5, &t->new_db[0], &t->new_table[0])) {
				t->converted = 1;
			}
		}
	} else if (kw(&ts, 0, "DROP")) {
		i = 1;
		if (kw(&ts, i, "TEMPORARY"))
			i++;
		if (!kw(&ts, i, "TABLE") && !kw(&ts, i, "SEQUENCE"))
			goto none;
		seq = kw(&ts, i, "SEQUENCE");
		i = skip_if(&ts, i + 1, 0);
		while (t->ntables < DDL_MAX_TABLES &&
		       (i = table_name(&ts, i, &t->db[t->ntables], &t->table[t->ntables]))) {
			t->ntables++;
			if (!punct(&ts, i, ','))
				break;
			i++;
		}
		t->more = (t->ntables == DDL_MAX_TABLES && i && is_name(&ts, i)) || ts.cut;
		if (!t->ntables)
			goto none;
		t->kind = seq ? DDL_SEQUENCE : DDL_DROP;
	} else if (kw(&ts, 0, "RENAME") && (kw(&ts, 1, "TABLE") || kw(&ts, 1, "TABLES"))) {
		/* RENAME TABLE[S] [IF EXISTS] a [WAIT n|NOWAIT] TO b, ... */
		i = skip_if(&ts, 2, 0);
		while (t->ntables < DDL_MAX_TABLES) {
			size_t k = t->ntables;
			if (!(i = table_name(&ts, i, &t->db[k], &t->table[k])) ||
			    !kw(&ts, (i = skip_wait(&ts, i)), "TO") ||
			    !(i = table_name(&ts, i + 1, &t->new_db[k], &t->new_table[k])))
				break;
			t->ntables++;
			if (!punct(&ts, i, ','))
				break;
			i++;
		}
		t->more = (t->ntables == DDL_MAX_TABLES && i && is_name(&ts, i)) || ts.cut;
		if (!t->ntables)
			goto none;
		t->kind = DDL_RENAME;
	} else if (kw(&ts, 0, "TRUNCATE")) {
		i = kw(&ts, 1, "TABLE") ? 2 : 1;
		if (!table_name(&ts, i, &t->db[0], &t->table[0]))
			goto none;
		t->ntables = 1;
		t->kind = DDL_TRUNCATE;
	}
out:
	free(ts.t);
	return t->kind;
none:
	free(ts.t);
	memset(t, 0, sizeof *t);
	return DDL_NONE;
}

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
		if (punct(ts, i, '('))
			depth++;
		else if (punct(ts, i, ')'))
			depth--;
		if (depth)
			continue;
		if (kw(ts, i, "CHARACTER") && kw(ts, i + 1, "SET"))
			v = i + 2;
		else if (kw(ts, i, "CHARSET"))
			v = i + 1;
		else if (kw(ts, i, "COLLATE") && !have)
			v = i + 1, coll = 1;
		if (!v)
			continue;
		if (punct(ts, v, '='))
			v++;
		if (v < b && ts->t[v].type != T_PUNCT) {
			cs_name(&ts->t[v], coll, out);
			have = !coll;
		}
	}
}

static int is_binary_type(const struct toks *ts, size_t i)
{
	return kw(ts, i, "BINARY") || kw(ts, i, "VARBINARY") || kw(ts, i, "TINYBLOB") ||
	       kw(ts, i, "BLOB") || kw(ts, i, "MEDIUMBLOB") || kw(ts, i, "LONGBLOB");
}

static int is_text_type(const struct toks *ts, size_t i)
{
	return kw(ts, i, "CHAR") || kw(ts, i, "VARCHAR") || kw(ts, i, "TINYTEXT") ||
	       kw(ts, i, "TEXT") || kw(ts, i, "MEDIUMTEXT") || kw(ts, i, "LONGTEXT") ||
	       kw(ts, i, "ENUM") || kw(ts, i, "SET") || kw(ts, i, "CHARACTER") ||
	       kw(ts, i, "NCHAR") || kw(ts, i, "NVARCHAR") || kw(ts, i, "NATIONAL") ||
	       kw(ts, i, "LONG");
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
	if (punct(ts, i + 1, '(')) {
		if (i + 3 >= ts->n || ts->t[i + 2].type != T_WORD || !punct(ts, i + 3, ')') ||
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
	if (kw(ts, a + 1, "ENUM") || kw(ts, a + 1, "SET"))
		at.oom = !(at.lab = ddl_def_labels(ts, a + 1, b, w->no_bs));
	at.uns = def_unsigned(ts, a, b) | def_temporal(ts, a + 1);
	at.uns |= kw(ts, a + 1, "INET6") ? DDL_INET6 : kw(ts, a + 1, "UUID") ? DDL_UUID
		  : kw(ts, a + 1, "INET4") ? DDL_INET4 : 0;
	if (is_binary_type(ts, a + 1)) {
		memcpy(at.cs, "binary", 7);
	} else if (is_text_type(ts, a + 1)) {
		if (kw(ts, a + 1, "NCHAR") || kw(ts, a + 1, "NVARCHAR") || kw(ts, a + 1, "NATIONAL"))
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
		if (punct(ts, i, '('))
			depth++;
		else if (punct(ts, i, ')'))
			depth--;
		else if (depth == 0 && (kw(ts, i, "UNSIGNED") || kw(ts, i, "ZEROFILL")))
			f |= DDL_UNSIGNED;
		else if (depth == 0 && kw(ts, i, "INVISIBLE"))
			f |= DDL_INVISIBLE;
		else if (depth == 0 && kw(ts, i, "AS") && i + 1 < b && punct(ts, i + 1, '('))
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
	size_t end = skip_group(ts, i);
	struct part parts[64];
	size_t np;
	if (!punct(ts, i, '('))
		return 0;
	np = split(ts, i + 1, end - 1, parts, 64);
	w->nkey = 0;
	for (size_t k = 0; k < np; k++) {
		if (!is_name(ts, parts[k].a))
			return -1;
		w->key[w->nkey++] = tok_str(ts, parts[k].a);
	}
	w->key_new = 1;
	return 0;
}

static int is_constraint_word(const struct toks *ts, size_t i)
{
	static const char *const words[] = { "PRIMARY", "KEY", "INDEX", "UNIQUE", "CONSTRAINT",
					     "FOREIGN", "FULLTEXT", "SPATIAL", "CHECK", NULL };
	if (i >= ts->n || ts->t[i].type != T_WORD)
		return 0;
	/* PERIOD and SYSTEM are not reserved: `period INT` is a column */
	if (kw(ts, i, "PERIOD") || kw(ts, i, "SYSTEM"))
		return kw(ts, i + 1, kw(ts, i, "PERIOD") ? "FOR" : "VERSIONING");
	for (int k = 0; words[k]; k++)
		if (kw(ts, i, words[k]))
			return 1;
	return 0;
}

/* A constraint definition [a, b): PRIMARY KEY (cols) sets the key. 0, or
 * -1 when not followed. */
static int constraint(const struct toks *ts, size_t a, size_t b, struct work *w)
{
	for (size_t i = a; i + 1 < b; i++)
		if (kw(ts, i, "PRIMARY") && kw(ts, i + 1, "KEY")) {
			size_t k = i + 2;
			for (; k < b && !punct(ts, k, '('); k++) /* USING BTREE, an index name */
				if (kw(ts, k, "IF")) {
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
		if (punct(ts, i, '('))
			depth++;
		else if (punct(ts, i, ')'))
			depth--;
		else if (depth == 0 && kw(ts, i, "KEY") && !kw(ts, i - 1, "UNIQUE")) {
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
	if (b >= a + 4 && kw(ts, b - 2, "AFTER") && ts->t[b - 1].type != T_PUNCT)
		return 2;
	return b >= a + 3 && kw(ts, b - 1, "FIRST");
}

/* FIRST or AFTER col at the end of [a, b): the insert position, or n (end);
 * -1 if AFTER names no column, one a later clause renames, or one not
 * read here (sql_mode ANSI_QUOTES' AFTER "a"). */
static long position(const struct toks *ts, size_t a, size_t b, const struct work *w)
{
	int pos = positioned(ts, a, b);
	if (pos == 2) {
		long k = is_name(ts, b - 1) ? find(w, tok_str(ts, b - 1)) : -1;
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
	if (!is_name(ts, i))
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
	if (kw(ts, a, "ADD")) {
		int ine, col = 0;
		if (kw(ts, i, "COLUMN"))
			i++, col = 1; /* then a column, whatever its name */
		else if (kw(ts, i, "PARTITION") || /* ADD PARTITION (...): columns unchanged */
			 (kw(ts, i, "VECTOR") && (kw(ts, i + 1, "INDEX") || kw(ts, i + 1, "KEY"))))
			return 0; /* (and MariaDB 11.7's ADD VECTOR INDEX) */
		ine = kw(ts, i, "IF");
		i = skip_if(ts, i, 1);
		if (punct(ts, i, '(')) {
			struct part parts[256];
			size_t end = skip_group(ts, i), np = split(ts, i + 1, end - 1, parts, 256);
			for (size_t k = 0; k < np; k++)
				if (is_constraint_word(ts, parts[k].a) ||
				    add_column(ts, parts[k].a, parts[k].b, ine, w) < 0)
					return -1;
			return 0;
		}
		if (!col && is_constraint_word(ts, i))
			return constraint(ts, i, b, w);
		return add_column(ts, i, b, ine, w);
	}
	if (kw(ts, a, "DROP")) {
		int ie, e;
		long k;
		if (kw(ts, i, "PRIMARY")) {
			w->nkey = 0;
			w->key_new = 1;
			return 0;
		}
		if (kw(ts, i, "INDEX") || kw(ts, i, "KEY") || kw(ts, i, "CONSTRAINT")) {
			/* DROP INDEX `PRIMARY` drops the primary key too */
			size_t k2 = skip_if(ts, i + 1, 0);
			if (is_name(ts, k2) && same(tok_str(ts, k2), mc_str_c("PRIMARY", 7))) {
				w->nkey = 0;
				w->key_new = 1;
			}
			return 0;
		}
		if (kw(ts, i, "COLUMN"))
			i++;
		else if (is_constraint_word(ts, i) || kw(ts, i, "PARTITION"))
			return 0;
		ie = kw(ts, i, "IF");
		i = skip_if(ts, i, 0);
		if (!is_name(ts, i) || renamed_to(w, tok_str(ts, i)))
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
	if (kw(ts, a, "CHANGE") || kw(ts, a, "MODIFY")) {
		int change = kw(ts, a, "CHANGE"), ie;
		long k, at;
		struct mc_str old, neu;
		if (kw(ts, i, "COLUMN"))
			i++;
		ie = kw(ts, i, "IF");
		i = skip_if(ts, i, 0);
		if (!is_name(ts, i) || (change && !is_name(ts, i + 1)))
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
	if (kw(ts, a, "RENAME") && kw(ts, i, "COLUMN")) {
		long k;
		if (!is_name(ts, i + 1) || !kw(ts, i + 2, "TO") || !is_name(ts, i + 3) ||
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
	if (kw(ts, a, "CONVERT") && kw(ts, i, "TO")) {
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
	if (kw(ts, a, "DEFAULT") || kw(ts, a, "CHARACTER") || kw(ts, a, "CHARSET") ||
	    kw(ts, a, "COLLATE")) {
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
	if (lex_mode(sql, n, 0, &ts) < 0)
		goto done;
	if ((!kw(&ts, 0, "CREATE") && !kw(&ts, 0, "ALTER")) ||
	    (!kw(&ts, 1, "DATABASE") && !kw(&ts, 1, "SCHEMA")))
		goto done;
	i = skip_if(&ts, 2, 1);
	if (is_name(&ts, i) && !kw(&ts, i, "DEFAULT") && !kw(&ts, i, "CHARACTER") &&
	    !kw(&ts, i, "CHARSET") && !kw(&ts, i, "COLLATE")) {
		*db = tok_str(&ts, i);
		i++;
	}
	find_charset(&ts, i, ts.n, cs);
	rc = cs[0] != 0;
done:
	free(ts.t);
	return rc;
}

static size_t partitioning(const struct toks *ts, size_t i);

/* Does clause [a, b) of an ALTER TABLE add, drop, rename or move a
 * column (ddl_alter_cols)? The same reading as alter_spec's. */
static int clause_cols(const struct toks *ts, size_t a, size_t b)
{
	size_t i = a + 1;
	if (kw(ts, a, "CHANGE") || (kw(ts, a, "RENAME") && kw(ts, i, "COLUMN")))
		return 1;
	if (kw(ts, a, "MODIFY"))
		return (b > a && kw(ts, b - 1, "FIRST")) || (b >= a + 2 && kw(ts, b - 2, "AFTER"));
	if (kw(ts, a, "ADD")) {
		if (kw(ts, i, "COLUMN"))
			return 1;
		return !kw(ts, i, "PARTITION") && !is_constraint_word(ts, i) &&
		       !(kw(ts, i, "VECTOR") && (kw(ts, i + 1, "INDEX") || kw(ts, i + 1, "KEY")));
	}
	if (kw(ts, a, "DROP")) {
		if (kw(ts, i, "COLUMN"))
			return 1;
		return !kw(ts, i, "PRIMARY") && !kw(ts, i, "PARTITION") && !is_constraint_word(ts, i);
	}
	return 0;
}

int ddl_alter_cols(const char *sql, size_t n, int mode)
{
	struct toks ts = { 0 };
	struct mc_str db, tab;
	size_t i = 1, st, end;
	int depth = 0, rc = -1;
	if (lex_mode(sql, n, mode, &ts) < 0)
		goto done;
	while (kw(&ts, i, "ONLINE") || kw(&ts, i, "IGNORE"))
		i++;
	if (!kw(&ts, 0, "ALTER") || !kw(&ts, i, "TABLE"))
		goto done;
	if (!(i = table_name(&ts, skip_if(&ts, i + 1, 0), &db, &tab)))
		goto done;
	rc = 0;
	end = partitioning(&ts, i); /* (PARTITION BY ends the last clause) */
	for (i = st = skip_wait(&ts, i); i <= end && !rc; i++) {
		if (i == end || (depth == 0 && punct(&ts, i, ','))) {
			rc = i > st && clause_cols(&ts, st, i);
			st = i + 1;
		} else if (punct(&ts, i, '(')) {
			depth++;
		} else if (punct(&ts, i, ')')) {
			depth--;
		}
	}
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
		if (kw(ts, i, "SYSTEM") && kw(ts, i + 1, "VERSIONING"))
			return 1;
		if (ts->t[i].type == T_QUOTED && memchr(ts->t[i].p, '`', ts->t[i].n))
			return 1;
	}
	return 0;
}

/* The index of an ALTER's partitioning clause (PARTITION BY, REMOVE
 * PARTITIONING) from i, which follows its other clauses with no comma
 * (ADD c INT FIRST PARTITION BY KEY (id)), or ts->n. */
static size_t partitioning(const struct toks *ts, size_t i)
{
	int depth = 0;
	for (; i < ts->n; i++) {
		if (punct(ts, i, '('))
			depth++;
		else if (punct(ts, i, ')'))
			depth--;
		else if (depth == 0 && ((kw(ts, i, "PARTITION") && kw(ts, i + 1, "BY")) ||
					(kw(ts, i, "REMOVE") && kw(ts, i + 1, "PARTITIONING"))))
			break;
	}
	return i;
}

/* The CHANGE and RENAME COLUMN clauses of parts[0..np) into w->ren; -1 if
 * there are more than it holds. */
static int read_renames(const struct toks *ts, const struct part *parts, size_t np, struct work *w)
{
	for (size_t k = 0; k < np; k++) {
		size_t i = parts[k].a + 1, o, nu;
		if (kw(ts, parts[k].a, "CHANGE")) {
			o = skip_if(ts, i + kw(ts, i, "COLUMN"), 0);
			nu = o + 1;
		} else if (kw(ts, parts[k].a, "RENAME") && kw(ts, i, "COLUMN") && kw(ts, i + 2, "TO")) {
			o = i + 1;
			nu = i + 3;
		} else {
			continue;
		}
		if (!is_name(ts, o) || !is_name(ts, nu))
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
	if (lex_full(sql, n, mode, drop_gated, gated, &ts) < 0 || unfollowed(&ts))
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
		if (kw(&ts, i, "OR") && kw(&ts, i + 1, "REPLACE"))
			i += 2;
		if (kw(&ts, i, "TEMPORARY"))
			i++;
		if (!kw(&ts, 0, "CREATE") || !kw(&ts, i, "TABLE"))
			goto done;
		i = skip_if(&ts, i + 1, 1);
		/* CREATE TABLE t (LIKE s), t (SELECT ...), (WITH ...), (VALUES
		 * ...): columns from another table or a query */
		if (!(i = table_name(&ts, i, &db, &tab)) || !punct(&ts, i, '(') ||
		    kw(&ts, i + 1, "LIKE") || kw(&ts, i + 1, "SELECT") || kw(&ts, i + 1, "WITH") ||
		    kw(&ts, i + 1, "VALUES"))
			goto done;
		end = skip_group(&ts, i);
		for (size_t k = end; k < ts.n; k++)
			if (kw(&ts, k, "SELECT") || kw(&ts, k, "LIKE"))
				goto done; /* columns come from a query */
		if (default_cs && strlen(default_cs) < DDL_CS_LEN)
			memcpy(w.table_cs, default_cs, strlen(default_cs) + 1);
		find_charset(&ts, end, ts.n, w.table_cs);
		np = split(&ts, i + 1, end - 1, parts, maxp);
		for (size_t k = 0; k < np; k++) {
			if (is_constraint_word(&ts, parts[k].a)) {
				if (constraint(&ts, parts[k].a, parts[k].b, &w) < 0)
					goto done;
				continue;
			}
			struct attr at;
			if (!is_name(&ts, parts[k].a))
				goto done;
			at = def_attr(&ts, parts[k].a, parts[k].b, &w);
			if (insert_at(&w, w.n, tok_str(&ts, parts[k].a), &at) < 0)
				goto done;
			column_key(&ts, parts[k].a, parts[k].b, &w);
		}
	} else { /* ALTER TABLE */
		i = 1;
		while (kw(&ts, i, "ONLINE") || kw(&ts, i, "IGNORE"))
			i++;
		if (!kw(&ts, 0, "ALTER") || !kw(&ts, i, "TABLE"))
			goto done;
		i = skip_if(&ts, i + 1, 0);
		if (!(i = table_name(&ts, i, &db, &tab)))
			goto done;
		i = skip_wait(&ts, i); /* MariaDB's WAIT n | NOWAIT before the clauses */
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
		np = split(&ts, i, partitioning(&ts, i), parts, maxp);
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

/* The lexer and its helpers, for ddl_stmt.c (ddl_int.h). */
int ddl_lex(const char *s, size_t n, int mode, struct toks *ts)
{
	return lex_mode(s, n, mode, ts);
}

int ddl_kw(const struct toks *ts, size_t i, const char *word)
{
	return kw(ts, i, word);
}

int ddl_punct(const struct toks *ts, size_t i, char c)
{
	return punct(ts, i, c);
}

size_t ddl_table_name(const struct toks *ts, size_t i, struct mc_str *db, struct mc_str *tab)
{
	return table_name(ts, i, db, tab);
}

size_t ddl_skip_group(const struct toks *ts, size_t i)
{
	return skip_group(ts, i);
}
