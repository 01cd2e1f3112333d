/* sqlword.h: the first word of an SQL statement, past blanks and
 * comments: what the sink (an unmarked DDL record) and the merge in
 * MaxCompute (a dataworks DDL row's ddl_sql) both ask of a statement; and
 * an ALTER TABLE's CONVERT TO CHARACTER SET, which mc-transform and the
 * merge both look for. */
#ifndef MC_STREAM_SQLWORD_H
#define MC_STREAM_SQLWORD_H

#include <stddef.h>

#include "stream/rec.h"

/* 1 when the first word of statement sql, past blanks (space, tab, CR,
 * LF) and comments, is word (any case), followed by no letter, digit or
 * '_'; else 0. A versioned comment (slash-star-bang) is the statement's
 * text, not skipped. */
int mc_sql_starts(struct mc_str sql, const char *word);

/* Whether statement sql (an ALTER TABLE) holds a CONVERT TO CHARACTER SET
 * clause, which makes the server convert the stored values of every text
 * column (CHAR, VARCHAR, text types, ENUM, SET) to that charset, a
 * character it has not becoming '?', with no row events. Any spelling the
 * server reads: CHARACTER SET, CHARSET or CHAR SET; the name bare,
 * `quoted` or a string; DEFAULT; COLLATE after it; inside a versioned
 * comment too. 0: none; 1: every such clause converts to a charset that
 * holds every character of any other (utf8mb4, utf16, utf16le, utf32), so
 * the text keeps its characters; 2: one converts to another charset (its
 * name, lower case, in cs: "utf8" too, which is utf8mb3 or utf8mb4 by the
 * server's settings), or to one the text does not tell (DEFAULT: the
 * database's; cs "" then). */
int mc_sql_convert_to(struct mc_str sql, char *cs, size_t cssz);

/* Whether statement sql is DROP DATABASE (or SCHEMA) [IF EXISTS] NAME, or
 * MariaDB's CREATE OR REPLACE DATABASE NAME [options] (which drops it), in
 * any case, past blanks and comments (a versioned comment's text read as
 * the statement's), NAME bare, `quoted` (a doubled backquote one) or
 * "quoted" (ANSI_QUOTES), an ending ';' allowed: 1 with NAME in db
 * (NUL-terminated); else 0 (another statement, more than one, or a NAME
 * of dbsz bytes or more). */
int mc_sql_drop_database(struct mc_str sql, char *db, size_t dbsz);

#endif
