/* ddl_lex.c: the statement lexer of the DDL follower and its helpers
 * (ddl_int.h), shared by ddl.c, ddl_target.c, ddl_stmt.c and
 * ddl_labels.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "binlog/ddl.h"
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
int ddl_lex_full(const char *s, size_t n, int mode, int drop_gated, int *gated,
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

int ddl_lex(const char *s, size_t n, int mode, struct toks *ts)
{
	return ddl_lex_full(s, n, mode, 0, NULL, ts);
}

int ddl_kw(const struct toks *ts, size_t i, const char *word)
{
	size_t k = strlen(word);
	return i < ts->n && ts->t[i].type == T_WORD && ts->t[i].n == k &&
	       strncasecmp(ts->t[i].p, word, k) == 0;
}

int ddl_punct(const struct toks *ts, size_t i, char c)
{
	return i < ts->n && ts->t[i].type == T_PUNCT && ts->t[i].p[0] == c;
}

int ddl_is_name(const struct toks *ts, size_t i)
{
	return i < ts->n && (ts->t[i].type == T_WORD || ts->t[i].type == T_QUOTED);
}

size_t ddl_table_name(const struct toks *ts, size_t i, struct mc_str *db, struct mc_str *tab)
{
	if (!ddl_is_name(ts, i))
		return 0;
	if (ddl_punct(ts, i + 1, '.') && ddl_is_name(ts, i + 2)) {
		*db = mc_str_c(ts->t[i].p, ts->t[i].n);
		*tab = mc_str_c(ts->t[i + 2].p, ts->t[i + 2].n);
		return i + 3;
	}
	*db = mc_str_c("", 0);
	*tab = mc_str_c(ts->t[i].p, ts->t[i].n);
	return i + 1;
}

size_t ddl_skip_group(const struct toks *ts, size_t i)
{
	int depth = 0;
	for (; i < ts->n; i++) {
		if (ddl_punct(ts, i, '('))
			depth++;
		else if (ddl_punct(ts, i, ')') && --depth == 0)
			return i + 1;
	}
	return ts->n;
}

size_t ddl_split(const struct toks *ts, size_t from, size_t to, struct part *parts, size_t max)
{
	size_t np = 0, st = from;
	int depth = 0;
	for (size_t i = from; i <= to; i++) {
		if (i == to || (depth == 0 && ddl_punct(ts, i, ','))) {
			if (np < max && i > st) {
				parts[np].a = st;
				parts[np].b = i;
				np++;
			}
			st = i + 1;
			continue;
		}
		if (ddl_punct(ts, i, '('))
			depth++;
		else if (ddl_punct(ts, i, ')'))
			depth--;
	}
	return np;
}

size_t ddl_skip_if(const struct toks *ts, size_t i, int not_exists)
{
	if (ddl_kw(ts, i, "IF") && not_exists && ddl_kw(ts, i + 1, "NOT") && ddl_kw(ts, i + 2, "EXISTS"))
		return i + 3;
	if (ddl_kw(ts, i, "IF") && !not_exists && ddl_kw(ts, i + 1, "EXISTS"))
		return i + 2;
	return i;
}

size_t ddl_skip_wait(const struct toks *ts, size_t i)
{
	if (ddl_kw(ts, i, "NOWAIT"))
		return i + 1;
	if (!ddl_kw(ts, i, "WAIT"))
		return i;
	for (i++; i < ts->n; i++) {
		const struct tok *t = &ts->t[i];
		if (!(t->type == T_PUNCT && t->p[0] == '.') &&
		    !(t->type == T_WORD && t->p[0] >= '0' && t->p[0] <= '9'))
			break;
	}
	return i;
}


int ddl_is_constraint_word(const struct toks *ts, size_t i)
{
	static const char *const words[] = { "PRIMARY", "KEY", "INDEX", "UNIQUE", "CONSTRAINT",
					     "FOREIGN", "FULLTEXT", "SPATIAL", "CHECK", NULL };
	if (i >= ts->n || ts->t[i].type != T_WORD)
		return 0;
	/* PERIOD and SYSTEM are not reserved: `period INT` is a column */
	if (ddl_kw(ts, i, "PERIOD") || ddl_kw(ts, i, "SYSTEM"))
		return ddl_kw(ts, i + 1, ddl_kw(ts, i, "PERIOD") ? "FOR" : "VERSIONING");
	for (int k = 0; words[k]; k++)
		if (ddl_kw(ts, i, words[k]))
			return 1;
	return 0;
}

size_t ddl_partitioning(const struct toks *ts, size_t i)
{
	int depth = 0;
	for (; i < ts->n; i++) {
		if (ddl_punct(ts, i, '('))
			depth++;
		else if (ddl_punct(ts, i, ')'))
			depth--;
		else if (depth == 0 && ((ddl_kw(ts, i, "PARTITION") && ddl_kw(ts, i + 1, "BY")) ||
					(ddl_kw(ts, i, "REMOVE") && ddl_kw(ts, i + 1, "PARTITIONING"))))
			break;
	}
	return i;
}

/* The version of the executable comment that opens at s (/ *!, / *!NNNNN,
 * / *M!NNNNNN) and where its body starts (*body): 1 when a server of
 * version ver (mariadb: MariaDB) runs it, 0 when that is a comment to it,
 * -1 when s opens none. MariaDB runs / *M! and takes / *!NNNNN for MySQL
 * 5.7 and later (50700 to 99999) as a comment; MySQL runs no / *M!. */
static int exec_runs(const char *s, const char *end, unsigned ver, int mariadb,
		     const char **body)
{
	const char *d;
	unsigned long v = 0;
	int m;
	if (end - s < 3 || s[0] != '/' || s[1] != '*')
		return -1;
	m = s[2] == 'M';
	if (!(s[2] == '!' || (m && end - s >= 4 && s[3] == '!')))
		return -1;
	d = s + (m ? 4 : 3);
	*body = d;
	while (*body < end && **body >= '0' && **body <= '9' && *body - d < 6)
		v = v * 10 + (unsigned long)(*(*body)++ - '0');
	if (m && !mariadb)
		return 0;
	if (*body == d)
		return 1;
	if (v > ver)
		return 0;
	return !(mariadb && !m && v >= 50700 && v <= 99999);
}

size_t ddl_stmt_start(const char *s, size_t n, unsigned ver, int mariadb, size_t *from)
{
	const char *p = s, *end = s + n, *body, *first = NULL;
	for (;;) {
		int run;
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f'))
			p++;
		if (end - p < 2 || p[0] != '/' || p[1] != '*')
			break;
		if ((run = exec_runs(p, end, ver, mariadb, &body)) == 1) {
			if (!first)
				first = p;
			p = body;
			continue;
		}
		p += 2;
		while (end - p >= 2 && !(p[0] == '*' && p[1] == '/'))
			p++;
		p = end - p >= 2 ? p + 2 : end;
	}
	if (from)
		*from = (size_t)((first ? first : p) - s);
	return (size_t)(p - s);
}
