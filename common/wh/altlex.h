/* altlex.h: the tokens of an ALTER TABLE statement (MySQL's default
 * sql_mode: backslash escapes), for the column clauses schemaconv.c
 * parses. Internal to common/wh. */
#ifndef MC_WH_ALTLEX_H
#define MC_WH_ALTLEX_H

#include <stddef.h>

enum { TK_END = 0, TK_WORD, TK_QID, TK_STR, TK_NUM, TK_PUNCT };

struct lex {
	const char *p, *e;
	int kind;
	const char *t; /* the token's text (TK_QID, TK_STR: inside the quotes) */
	size_t n;
	char q; /* TK_STR: its quote */
	char bx; /* TK_STR: b or x prefix, else 0 */
};

/* The next token into l (l->kind TK_END at the end); -1 on a quote not
 * closed. */
int wl_next(struct lex *l);
/* l is the word w (any case), or the punctuation c. */
int wl_is_kw(const struct lex *l, const char *w);
int wl_is_p(const struct lex *l, char c);
/* A name token into out (unquoted); 0 when the token is no name. */
int wl_name_of(const struct lex *l, char *out, size_t outsz);
/* A string literal's value, cut to outsz - 1 bytes, and its length uncut. */
size_t wl_unquote(const struct lex *l, char *out, size_t outsz);
size_t wl_unquote_len(const struct lex *l);
/* Past the rest of a clause (to the comma at depth 0, or the end). */
int wl_skip_clause(struct lex *l);
/* Past MariaDB's WAIT n (5, 1.5, .5) or NOWAIT before an ALTER's clauses,
 * if l is at one; -1 on a quote not closed. */
int wl_skip_wait(struct lex *l);
/* Is l at PERIOD FOR, SYSTEM VERSIONING or VECTOR INDEX|KEY (MariaDB
 * 11.7): a clause that adds no column after ADD (not reserved words: ADD
 * period INT adds a column named period)? */
int wl_no_column(const struct lex *l);
/* Whether the type at l is FLOAT(M,D), DOUBLE(M,D) or REAL(M,D), which
 * round to D digits (the schema record says float or double). */
int wl_float_scaled(const struct lex *l);

#endif
