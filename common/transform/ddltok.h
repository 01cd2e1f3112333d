/* ddltok.h: the tokenizer of ddl.c over an ALTER TABLE's text (inside
 * common/transform only; static inline, so each file has its own). */
#ifndef MC_TRANSFORM_DDLTOK_H
#define MC_TRANSFORM_DDLTOK_H

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* A tokenizer over SQL text: words (bare or `quoted`), strings, single
 * punctuation bytes; comments and spaces skipped. */
struct tok {
	const char *s;
	size_t n, i;
	const char *t; /* the token */
	size_t tn;
	char kind;     /* 'w' word, '`' quoted name, '\'' string, else the byte; 0 end */
	int vc;        /* inside an executable comment */
};

static inline void next(struct tok *k)
{
	for (;;) {
		while (k->i < k->n && isspace((unsigned char)k->s[k->i]))
			k->i++;
		/* an executable comment (slash-star-bang, slash-star-M-bang, a
		 * version's digits): the server runs its text, so it is the
		 * statement's, as in the binlog's decoder (binlog/ddl.c); its
		 * end is skipped */
		if (k->i + 2 < k->n && k->s[k->i] == '/' && k->s[k->i + 1] == '*' &&
		    (k->s[k->i + 2] == '!' || ((k->s[k->i + 2] == 'M' || k->s[k->i + 2] == 'm') &&
					       k->i + 3 < k->n && k->s[k->i + 3] == '!'))) {
			k->i += k->s[k->i + 2] == '!' ? 3 : 4;
			while (k->i < k->n && isdigit((unsigned char)k->s[k->i]))
				k->i++;
			k->vc = 1;
			continue;
		}
		if (k->vc && k->i + 1 < k->n && k->s[k->i] == '*' && k->s[k->i + 1] == '/') {
			k->i += 2;
			k->vc = 0;
			continue;
		}
		if (k->i + 1 < k->n && k->s[k->i] == '/' && k->s[k->i + 1] == '*') {
			const char *e = NULL;
			for (size_t j = k->i + 2; j + 1 < k->n; j++)
				if (k->s[j] == '*' && k->s[j + 1] == '/') {
					e = k->s + j + 2;
					break;
				}
			k->i = e ? (size_t)(e - k->s) : k->n;
			continue;
		}
		if ((k->i < k->n && k->s[k->i] == '#') ||
		    (k->i + 2 < k->n && k->s[k->i] == '-' && k->s[k->i + 1] == '-' &&
		     isspace((unsigned char)k->s[k->i + 2]))) {
			while (k->i < k->n && k->s[k->i] != '\n')
				k->i++;
			continue;
		}
		break;
	}
	k->t = k->s + k->i;
	k->tn = 0;
	if (k->i >= k->n) {
		k->kind = 0;
		return;
	}
	char ch = k->s[k->i];
	if (ch == '`' || ch == '\'' || ch == '"') {
		size_t j = k->i + 1;
		while (j < k->n && !(k->s[j] == ch && (j + 1 >= k->n || k->s[j + 1] != ch)))
			j += (k->s[j] == ch || k->s[j] == '\\') ? 2 : 1;
		k->kind = ch == '`' ? '`' : '\'';
		k->t = k->s + k->i + 1;
		k->tn = (j < k->n ? j : k->n) - k->i - 1;
		k->i = j < k->n ? j + 1 : k->n;
		return;
	}
	if (isalnum((unsigned char)ch) || ch == '_' || ch == '$' || (unsigned char)ch >= 0x80) {
		size_t j = k->i;
		while (j < k->n && (isalnum((unsigned char)k->s[j]) || k->s[j] == '_' ||
				    k->s[j] == '$' || (unsigned char)k->s[j] >= 0x80))
			j++;
		k->kind = 'w';
		k->tn = j - k->i;
		k->i = j;
		return;
	}
	k->kind = ch;
	k->tn = 1;
	k->i++;
}

static inline bool is(const struct tok *k, const char *w)
{
	return k->kind == 'w' && k->tn == strlen(w) && strncasecmp(k->t, w, k->tn) == 0;
}

static inline bool is_any(const struct tok *k, const char *const *ws)
{
	for (; *ws; ws++)
		if (is(k, *ws))
			return true;
	return false;
}

/* Skip a (possibly qualified) name, k at its first part: `d`.`t`, d.`t`,
 * `t`, t. (Not by moving k->i back to k->t: a quoted token's text starts
 * past its opening quote, whose closing quote then opened a name that took
 * the rest of the statement.) */
static inline void skip_name(struct tok *k)
{
	next(k);
	while (k->kind == '.') {
		next(k);
		next(k);
	}
}

/* Skip to the end of the clause: the next ',' outside parentheses, or the
 * end. */
static inline void skip_clause(struct tok *k)
{
	int depth = 0;
	while (k->kind && !(k->kind == ',' && depth == 0)) {
		if (k->kind == '(')
			depth++;
		else if (k->kind == ')' && depth > 0)
			depth--;
		next(k);
	}
}

/* Past the clause and its ',' to the next one. */
static inline void next_clause(struct tok *k)
{
	skip_clause(k);
	if (k->kind == ',')
		next(k);
}

/* "ALTER [ONLINE|OFFLINE|IGNORE] TABLE [IF EXISTS] name [WAIT n|NOWAIT]":
 * 1 with k at the first clause, 0 for another statement. */
static inline int alter_head(struct tok *k)
{
	next(k);
	if (!is(k, "alter"))
		return 0;
	next(k);
	while (is(k, "online") || is(k, "offline") || is(k, "ignore"))
		next(k);
	if (!is(k, "table"))
		return 0;
	next(k);
	if (is(k, "if")) {
		next(k);
		next(k);
	}
	skip_name(k);
	if (is(k, "wait")) {
		next(k);
		next(k);
	} else if (is(k, "nowait")) {
		next(k);
	}
	return 1;
}

/* Skip [COLUMN] [IF [NOT] EXISTS] before a column name. */
static inline void skip_column_if(struct tok *k)
{
	if (is(k, "column"))
		next(k);
	if (is(k, "if")) {
		next(k);
		if (is(k, "not"))
			next(k);
		next(k);
	}
}

#endif
