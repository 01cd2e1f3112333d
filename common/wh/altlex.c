/* altlex.c: the tokens of an ALTER TABLE statement, as schemaconv.c
 * reads its column clauses (altlex.h). */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "wh/altlex.h"

static void wl_skip_blank(struct lex *l)
{
	for (;;) {
		while (l->p < l->e && isspace((unsigned char)*l->p))
			l->p++;
		if (l->e - l->p >= 3 && l->p[0] == '/' && l->p[1] == '*' &&
		    (l->p[2] == '!' || (l->e - l->p >= 4 && l->p[2] == 'M' && l->p[3] == '!'))) {
			/* executable comment (MariaDB's M! form too): its text
			 * is the statement's */
			l->p += l->p[2] == '!' ? 3 : 4;
			while (l->p < l->e && isdigit((unsigned char)*l->p))
				l->p++;
			continue;
		}
		if (l->e - l->p >= 2 && l->p[0] == '*' && l->p[1] == '/') {
			l->p += 2;
			continue;
		}
		if (l->e - l->p >= 2 && l->p[0] == '/' && l->p[1] == '*') {
			const char *c = l->p + 2;
			while (l->e - c >= 2 && !(c[0] == '*' && c[1] == '/'))
				c++;
			l->p = l->e - c >= 2 ? c + 2 : l->e;
			continue;
		}
		if ((l->p < l->e && *l->p == '#') ||
		    (l->e - l->p >= 3 && l->p[0] == '-' && l->p[1] == '-' && isspace((unsigned char)l->p[2]))) {
			while (l->p < l->e && *l->p != '\n')
				l->p++;
			continue;
		}
		return;
	}
}

/* The next token; -1 for an unterminated quote. */
int wl_next(struct lex *l)
{
	wl_skip_blank(l);
	l->bx = 0;
	if (l->p >= l->e) {
		l->kind = TK_END;
		l->n = 0;
		return 0;
	}
	char c = *l->p;
	if ((c == 'b' || c == 'B' || c == 'x' || c == 'X') && l->e - l->p >= 2 && l->p[1] == '\'') {
		l->bx = (char)tolower((unsigned char)c);
		l->p++;
		c = '\'';
	}
	if (c == '`' || c == '\'' || c == '"') {
		const char *s = ++l->p;
		for (;;) {
			if (l->p >= l->e)
				return -1;
			if (*l->p == '\\' && c != '`' && l->e - l->p >= 2) {
				l->p += 2;
				continue;
			}
			if (*l->p == c) {
				if (l->e - l->p >= 2 && l->p[1] == c) {
					l->p += 2;
					continue;
				}
				break;
			}
			l->p++;
		}
		l->t = s;
		l->n = (size_t)(l->p - s);
		l->p++;
		l->kind = c == '`' ? TK_QID : TK_STR;
		l->q = c;
		return 0;
	}
	l->t = l->p;
	if (isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80) {
		int num = isdigit((unsigned char)c);
		while (l->p < l->e && (isalnum((unsigned char)*l->p) || *l->p == '_' || *l->p == '$' ||
				       (unsigned char)*l->p >= 0x80 || (num && *l->p == '.') ||
				       (num && (l->p[-1] == 'e' || l->p[-1] == 'E') &&
					(*l->p == '-' || *l->p == '+'))))
			l->p++;
		l->n = (size_t)(l->p - l->t);
		l->kind = num ? TK_NUM : TK_WORD;
		if (num) /* 1e5 words are numbers; 1abc is a name */
			for (size_t i = 0; i < l->n; i++)
				if (!(isdigit((unsigned char)l->t[i]) || l->t[i] == '.' || l->t[i] == 'e' ||
				      l->t[i] == 'E' || l->t[i] == '-' || l->t[i] == '+'))
					l->kind = TK_WORD;
		return 0;
	}
	if (c == '.' && l->e - l->p >= 2 && isdigit((unsigned char)l->p[1])) {
		l->p++;
		while (l->p < l->e && isdigit((unsigned char)*l->p))
			l->p++;
		l->n = (size_t)(l->p - l->t);
		l->kind = TK_NUM;
		return 0;
	}
	l->p++;
	l->n = 1;
	l->kind = TK_PUNCT;
	return 0;
}

int wl_is_kw(const struct lex *l, const char *w)
{
	return l->kind == TK_WORD && strlen(w) == l->n && strncasecmp(l->t, w, l->n) == 0;
}

int wl_is_p(const struct lex *l, char c)
{
	return l->kind == TK_PUNCT && *l->t == c;
}

/* A name token into out (unquoted); 0 when the token is no name. */
int wl_name_of(const struct lex *l, char *out, size_t outsz)
{
	size_t k = 0;
	if (l->kind != TK_WORD && l->kind != TK_QID)
		return 0;
	for (size_t i = 0; i < l->n && k + 1 < outsz; i++) {
		out[k++] = l->t[i];
		if (l->kind == TK_QID && l->t[i] == '`' && i + 1 < l->n)
			i++;
	}
	out[k] = 0;
	return 1;
}

/* A string literal's value (escapes of MySQL's default sql_mode), cut
 * to outsz - 1 bytes: unquote_len says whether it was. */
size_t wl_unquote(const struct lex *l, char *out, size_t outsz)
{
	size_t k = 0;
	for (size_t i = 0; i < l->n && k + 1 < outsz; i++) {
		char c = l->t[i];
		if (c == l->q && i + 1 < l->n)
			i++;
		else if (c == '\\' && i + 1 < l->n) {
			c = l->t[++i];
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == '0' ? '\0'
			    : c == 'Z' ? '\032' : c == 'b' ? '\b' : c;
		}
		out[k++] = c;
	}
	out[k] = 0;
	return k;
}

/* The length of a string literal's value, uncut. */
size_t wl_unquote_len(const struct lex *l)
{
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++, k++)
		if ((l->t[i] == l->q || l->t[i] == '\\') && i + 1 < l->n)
			i++;
	return k;
}

/* Past the rest of a clause (to the comma at depth 0, or the end). */
int wl_skip_clause(struct lex *l)
{
	int depth = 0;
	while (l->kind != TK_END && !(depth == 0 && wl_is_p(l, ','))) {
		if (wl_is_p(l, '('))
			depth++;
		else if (wl_is_p(l, ')'))
			depth--;
		if (wl_next(l) < 0)
			return -1;
	}
	return 0;
}

int wl_skip_wait(struct lex *l)
{
	if (wl_is_kw(l, "NOWAIT"))
		return wl_next(l);
	if (wl_is_kw(l, "WAIT"))
		do
			if (wl_next(l) < 0)
				return -1;
		while (l->kind == TK_NUM || wl_is_p(l, '.'));
	return 0;
}

int wl_no_column(const struct lex *l)
{
	struct lex n = *l;
	if (!wl_is_kw(l, "PERIOD") && !wl_is_kw(l, "SYSTEM") && !wl_is_kw(l, "VECTOR"))
		return 0;
	if (wl_next(&n) < 0)
		return 0;
	return wl_is_kw(l, "PERIOD") ? wl_is_kw(&n, "FOR")
	       : wl_is_kw(l, "SYSTEM") ? wl_is_kw(&n, "VERSIONING")
				       : wl_is_kw(&n, "INDEX") || wl_is_kw(&n, "KEY");
}

int wl_float_scaled(const struct lex *l)
{
	struct lex c = *l;
	int scaled = 0;
	if (!(wl_is_kw(l, "FLOAT") || wl_is_kw(l, "DOUBLE") || wl_is_kw(l, "REAL")))
		return 0;
	if (wl_next(&c) == 0 && wl_is_kw(&c, "PRECISION"))
		(void)wl_next(&c);
	if (wl_is_p(&c, '('))
		while (wl_next(&c) == 0 && c.kind != TK_END && !wl_is_p(&c, ')'))
			if (wl_is_p(&c, ','))
				scaled = 1;
	return scaled;
}
