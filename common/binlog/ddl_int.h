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
 * NO_BACKSLASH_ESCAPES). 0, or -1 (out of memory, too many tokens).
 * ddl_lex_full: the bodies of the executable comments that only some
 * servers run (/ *!NNNNN, / *M!) dropped when drop_gated, *gated (when not
 * NULL) set when there is one. ddl_lex.c. */
int ddl_lex(const char *s, size_t n, int mode, struct toks *ts);
int ddl_lex_full(const char *s, size_t n, int mode, int drop_gated, int *gated,
		 struct toks *ts);
/* Token i is the word `word` (any case). */
int ddl_kw(const struct toks *ts, size_t i, const char *word);
/* Token i is the punctuation c. */
int ddl_punct(const struct toks *ts, size_t i, char c);
/* Token i is a name (a word or a quoted name). */
int ddl_is_name(const struct toks *ts, size_t i);
/* name or db.name at i: the index after it, or 0. */
size_t ddl_table_name(const struct toks *ts, size_t i, struct mc_str *db, struct mc_str *tab);
/* The index after the parenthesised group that opens at i. */
size_t ddl_skip_group(const struct toks *ts, size_t i);
/* [from, to) split at its top-level commas into parts (at most max):
 * their number. */
struct part {
	size_t a, b;
};
size_t ddl_split(const struct toks *ts, size_t from, size_t to, struct part *parts, size_t max);
/* Past IF NOT EXISTS (not_exists) or IF EXISTS at i. */
size_t ddl_skip_if(const struct toks *ts, size_t i, int not_exists);
/* Past MariaDB's WAIT n (n a number, 1.5 or .5 too) or NOWAIT at i. */
size_t ddl_skip_wait(const struct toks *ts, size_t i);
/* Is token i the first word of a key, index or constraint definition
 * (PRIMARY, KEY, INDEX, UNIQUE, CONSTRAINT, FOREIGN, FULLTEXT, SPATIAL,
 * CHECK; PERIOD FOR, SYSTEM VERSIONING)? */
int ddl_is_constraint_word(const struct toks *ts, size_t i);
/* The index of an ALTER's partitioning clause (PARTITION BY, REMOVE
 * PARTITIONING) from i, which follows its other clauses with no comma
 * (ADD c INT FIRST PARTITION BY KEY (id)), or ts->n. */
size_t ddl_partitioning(const struct toks *ts, size_t i);

/* The labels of the ENUM or SET type whose word is token i, in a column
 * definition that ends before token b (no_bs: written under sql_mode
 * NO_BACKSLASH_ESCAPES): a malloc'd type text "enum('a','b')" in the
 * statement's text (ddl_cols.lab), or "!WHY" when they cannot be read
 * from it; NULL when out of memory. ddl_labels.c. */
char *ddl_def_labels(const struct toks *ts, size_t i, size_t b, int no_bs);

#endif
