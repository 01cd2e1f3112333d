/* snap_labels.c: ENUM and SET labels exactly. information_schema (and
 * SHOW CREATE TABLE) pass the labels through utf8mb3, which shows a
 * character outside the BMP (an emoji) as '?'; the binlog's table map has
 * the label's bytes. When a label of the type text holds a '?', every label
 * is read from the server instead: a variable declared TYPE OF the column
 * (MariaDB's compound statement, no write, no privilege beyond SELECT) is
 * set to each index (each bit of a SET) and its text converted to utf8mb4.
 * Where that cannot be done, the table is refused: never a '?' in silence. */
#include "mysql/snap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "mysql/myconn.h"

/* The labels of "enum('a','b')" / "set(...)": their count, and whether
 * one holds a '?'. -1 if the text is not such a type. */
static int count_labels(const char *t, size_t *n, int *qmark)
{
	const char *p = strchr(t, '(');
	*n = 0;
	*qmark = 0;
	if (!p)
		return -1;
	p++;
	while (*p == '\'') {
		p++;
		for (;;) {
			if (*p == 0)
				return -1;
			if (*p == '\'' && p[1] == '\'') {
				p += 2;
				continue;
			}
			if (*p == '\'')
				break;
			*qmark |= *p == '?';
			p++;
		}
		p++;
		(*n)++;
		if (*p == ',')
			p++;
	}
	return *p == ')' ? 0 : -1;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int refuse(const char *db, const char *table, const struct snap_col *c, const char *why,
		  struct mc_err *err)
{
	return mc_errf(err, MC_EXIT_DATA,
		       "table '%s.%s': column '%s': information_schema shows a label of %s as '?' "
		       "(a character outside utf8mb3, which it cannot show), and the labels could "
		       "not be read exactly: %s",
		       db, table, c->name, c->mysql_type, why);
}

int snap_labels_exact(MYSQL *m, const char *db, const char *table, struct snap_col *c,
		      struct mc_err *err)
{
	int is_set = strcmp(c->data_type, "set") == 0;
	size_t n = 0;
	int qmark = 0;
	if ((!is_set && strcmp(c->data_type, "enum") != 0) ||
	    count_labels(c->mysql_type, &n, &qmark) < 0 || !qmark || n == 0)
		return 0;
	if (!my_is_mariadb(m))
		return refuse(db, table, c, "the server is not MariaDB", err);
	if (n > 65535 || (is_set && n > 64))
		return refuse(db, table, c, "too many labels", err);

	struct mc_buf q = { 0 }, ty = { 0 };
	MYSQL_RES *res = NULL;
	int rc = -1;
	if (buf_adds(&q, "BEGIN NOT ATOMIC DECLARE v TYPE OF ") < 0 || snap_quote_ident(&q, db) < 0 ||
	    buf_addc(&q, '.') < 0 || snap_quote_ident(&q, table) < 0 || buf_addc(&q, '.') < 0 ||
	    snap_quote_ident(&q, c->name) < 0 ||
	    buf_addf(&q, "; DECLARE i INT DEFAULT 1; DECLARE r LONGTEXT DEFAULT ''; "
			 "WHILE i <= %zu DO SET v = %s; "
			 "SET r = CONCAT(r, HEX(CONVERT(v USING utf8mb4)), ','); SET i = i + 1; "
			 "END WHILE; SELECT r; END",
		     n, is_set ? "1 << (i - 1)" : "i") < 0 ||
	    buf_addc(&q, 0) < 0) {
		mc_oom(err, "a column's labels");
		goto out;
	}
	if (mysql_query(m, q.p) != 0) {
		refuse(db, table, c, mysql_error(m), err);
		goto out;
	}
	res = mysql_store_result(m);
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	unsigned long *len = row ? mysql_fetch_lengths(res) : NULL;
	if (!row || !row[0] || !len) {
		refuse(db, table, c, mysql_errno(m) ? mysql_error(m) : "no answer", err);
		goto out;
	}
	if (buf_adds(&ty, is_set ? "set(" : "enum(") < 0)
		goto oom;
	const char *p = row[0], *end = row[0] + len[0];
	for (size_t i = 0; i < n; i++) {
		if ((i && buf_addc(&ty, ',') < 0) || buf_addc(&ty, '\'') < 0)
			goto oom;
		while (p < end && *p != ',') {
			int hi = hexval(p[0]), lo = p + 1 < end ? hexval(p[1]) : -1;
			if (hi < 0 || lo < 0) {
				refuse(db, table, c, "an answer not in hex", err);
				goto out;
			}
			char ch = (char)(hi << 4 | lo);
			if ((ch == '\'' && buf_addc(&ty, '\'') < 0) || buf_addc(&ty, ch) < 0)
				goto oom;
			p += 2;
		}
		if (p == end) {
			refuse(db, table, c, "fewer labels than the type has", err);
			goto out;
		}
		p++;
		if (buf_addc(&ty, '\'') < 0)
			goto oom;
	}
	if (p != end) {
		refuse(db, table, c, "more labels than the type has", err);
		goto out;
	}
	if (buf_addc(&ty, ')') < 0 || buf_addc(&ty, 0) < 0)
		goto oom;
	free(c->mysql_type);
	c->mysql_type = ty.p;
	ty.p = NULL;
	rc = 0;
	goto out;
oom:
	mc_oom(err, "a column's labels");
out:
	if (res)
		mysql_free_result(res);
	/* the compound statement's final status */
	while (mysql_more_results(m) && mysql_next_result(m) == 0) {
		MYSQL_RES *r = mysql_store_result(m);
		if (r)
			mysql_free_result(r);
	}
	buf_free(&q);
	buf_free(&ty);
	return rc;
}
