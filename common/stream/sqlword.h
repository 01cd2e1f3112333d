/* sqlword.h: the first word of an SQL statement, past blanks and
 * comments: what the sink (an unmarked DDL record) and the merge in
 * MaxCompute (a dataworks DDL row's ddl_sql) both ask of a statement. */
#ifndef MC_STREAM_SQLWORD_H
#define MC_STREAM_SQLWORD_H

#include "stream/rec.h"

/* 1 when the first word of statement sql, past blanks (space, tab, CR,
 * LF) and comments, is word (any case), followed by no letter, digit or
 * '_'; else 0. A versioned comment (slash-star-bang) is the statement's
 * text, not skipped. */
int mc_sql_starts(struct mc_str sql, const char *word);

#endif
