/* sqlword.c: the first word of a DDL statement (sqlword.h). */
#include <string.h>
#include <strings.h>

#include "stream/sqlword.h"

int mc_sql_starts(struct mc_str sql, const char *word)
{
	const char *p = sql.p, *e = sql.p + sql.n;
	size_t k = strlen(word);
	for (;;) {
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
			p++;
		if (e - p >= 2 && p[0] == '/' && p[1] == '*' && !(e - p >= 3 && p[2] == '!')) {
			const char *c = p + 2;
			while (e - c >= 2 && !(c[0] == '*' && c[1] == '/'))
				c++;
			p = e - c >= 2 ? c + 2 : e;
			continue;
		}
		break;
	}
	if ((size_t)(e - p) < k || strncasecmp(p, word, k) != 0)
		return 0;
	return (size_t)(e - p) == k || !((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') ||
					 (p[k] >= '0' && p[k] <= '9') || p[k] == '_');
}
