/* mctype.h: the MaxCompute type a MySQL column maps to. */
#ifndef MC_MCTYPE_H
#define MC_MCTYPE_H

#include <stddef.h>

/* Write into out (outsz >= 32) the MaxCompute type for a MySQL column type
 * as SHOW CREATE TABLE / information_schema.COLUMNS.COLUMN_TYPE spell it
 * ("int(10) unsigned", "decimal(65,30)", "enum('a','b')", "datetime(6)"),
 * case-insensitive. The mapping is in docs/types.md; an unknown type maps
 * to STRING. Returns out. */
const char *mctype_for(const char *mysql_type, size_t n, char *out, size_t outsz);

#endif
