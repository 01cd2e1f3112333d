/* mctype.h: the MaxCompute type a MySQL column maps to. */
#ifndef MC_MCTYPE_H
#define MC_MCTYPE_H

#include <stddef.h>

#include "base/buf.h"

/* Write into out (outsz >= 32) the MaxCompute type for a MySQL column type
 * as SHOW CREATE TABLE / information_schema.COLUMNS.COLUMN_TYPE spell it
 * ("int(10) unsigned", "decimal(65,30)", "enum('a','b')", "datetime(6)"),
 * case-insensitive. The mapping is in docs/types.md; an unknown type maps
 * to STRING. Returns out. */
const char *mctype_for(const char *mysql_type, size_t n, char *out, size_t outsz);

/* Write into b the canonical spelling of a MySQL column type, the one
 * MySQL 8 prints and the binlog decoder rebuilds: lower case, no display
 * width on integer types and YEAR ("int(10) unsigned" -> "int unsigned",
 * "year(4)" -> "year"), no ZEROFILL, single spaces. 0, or -1 on ENOMEM. */
int mctype_canon(const char *mysql_type, size_t n, struct mc_buf *b);

/* Do two type texts name the same column type? Equal canonical spellings,
 * or both of the GEOMETRY family (a binlog knows only "geometry" unless the
 * table map carries the geometry type). */
int mctype_same(const char *a, size_t an, const char *b, size_t bn);

/* Whether the type text t[0..n) holds the word w (lower case; words are
 * separated by spaces), case-insensitive: "unsigned", "zerofill". */
int mctype_has_word(const char *t, size_t n, const char *w);
/* The numbers of "(a)" or "(a,b)" after the type's base name into *a1 and
 * *a2; -1 where absent (or not a number below 1000). */
void mctype_args(const char *t, size_t n, long *a1, long *a2);

#endif
