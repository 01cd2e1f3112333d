/* ddl_int.h: the statement lexer of ddl.c, shared with ddl_stmt.c. */
#ifndef MC_DDL_INT_H
#define MC_DDL_INT_H

#include <stddef.h>

#include "stream/rec.h"

/* Words, `quoted names`, 'strings' (quotes kept) and single punctuation
 * characters; each points into the statement. */
enum { T_WORD, T_QUOTED, T_STR, T_PUNCT };

struct tok {
	int type;
	const char *p;
	size_t n;
};

struct toks {
	struct tok *t;
	size_t n, cap;
	int cut_ok; /* (set by the caller) more tokens than the lexer keeps:
		     * stop there, and set cut, rather than fail */
	int cut;
};

/* Split a statement into tokens (comments dropped, the bodies of
 * executable comments kept); mode: DDL_MODE_* (ddl.h; 0 or 1 is no_bs:
 * a backslash in a string is a plain character, sql_mode
 * NO_BACKSLASH_ESCAPES). 0, or -1 (out of memory, too many tokens). */
int ddl_lex(const char *s, size_t n, int mode, struct toks *ts);
/* Token i is the word `word` (any case). */
int ddl_kw(const struct toks *ts, size_t i, const char *word);
/* Token i is the punctuation c. */
int ddl_punct(const struct toks *ts, size_t i, char c);
/* name or db.name at i: the index after it, or 0. */
size_t ddl_table_name(const struct toks *ts, size_t i, struct mc_str *db, struct mc_str *tab);
/* The index after the parenthesised group that opens at i. */
size_t ddl_skip_group(const struct toks *ts, size_t i);

/* The labels of the ENUM or SET type whose word is token i, in a column
 * definition that ends before token b (no_bs: written under sql_mode
 * NO_BACKSLASH_ESCAPES): a malloc'd type text "enum('a','b')" in the
 * statement's text (ddl_cols.lab), or "!WHY" when they cannot be read
 * from it; NULL when out of memory. ddl_labels.c. */
char *ddl_def_labels(const struct toks *ts, size_t i, size_t b, int no_bs);

#endif
