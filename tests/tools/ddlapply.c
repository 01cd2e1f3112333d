/* ddlapply: the column lists common/binlog/ddl.c follows from statements,
 * to compare with a server's (tests/t2085).
 *
 *   ddlapply < STATEMENTS
 *       STATEMENTS: a CREATE TABLE, then ALTER TABLEs of it, one a line.
 *       After each, one line: the column names comma-separated, '|', the
 *       primary key's column names comma-separated ("id,a,b|id"), or "-"
 *       when ddl_apply did not follow the statement; from there on every
 *       line is "-" (the names are unknown).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/ddl.h"

static void print(const struct ddl_cols *c)
{
	for (uint32_t i = 0; i < c->n; i++)
		printf("%s%s", i ? "," : "", c->names[i]);
	putchar('|');
	for (uint32_t i = 0; i < c->nkey; i++)
		printf("%s%s", i ? "," : "", c->names[c->key[i]]);
	putchar('\n');
}

int main(int argc, char **argv)
{
	struct ddl_cols cur = { 0 };
	int first = 1, known = 1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: ddlapply < STATEMENTS (a CREATE TABLE, then ALTERs, one a line)\n");
		return 2;
	}
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		struct ddl_cols out;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		if (known && ddl_apply(line, (size_t)len, first ? NULL : &cur, &out) == 0) {
			ddl_cols_free(&cur);
			cur = out;
			print(&cur);
		} else {
			known = 0;
			puts("-");
		}
		first = 0;
	}
	free(line);
	ddl_cols_free(&cur);
	return ferror(stdout) ? 1 : 0;
}
