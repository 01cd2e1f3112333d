/* snap_labels.c: ENUM and SET labels exactly. information_schema (and
 * SHOW CREATE TABLE) pass the labels through utf8mb3, which shows a
 * character outside the BMP (an emoji) as '?', and so bytes that are no
 * character of the column's charset (MariaDB's ALTER TABLE ... CONVERT TO
 * CHARACTER SET keeps the bytes of labels in another charset, latin1 'é'
 * becoming the byte E9 in a utf8mb4 label); the binlog's table map has the
 * label's bytes. When a label of the type text holds a '?', every label is
 * read from the server instead: a variable declared TYPE OF the column
 * (MariaDB's compound statement, no write, no privilege beyond SELECT) is
 * set to each index (each bit of a SET), and its bytes converted from the
 * column's charset by base/charset.c, as the binlog path does. Where that
 * cannot be done, or a label's bytes are no text of its charset, the table
 * is refused: never a '?' in silence. */
#include "mysql/snap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/charset.h"
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

/* A label's bytes lab in charset cs (NULL: not said) as UTF-8 into u8:
 * converted, or UTF-8 already (utf8mb3, utf8mb4, binary). 0; -1 with err
 * set (out of memory); -2 when the bytes are no text of the charset (*nul
 * 0) or the text holds a NUL (*nul 1), at byte *bad. */
static int label_text(const struct cs_info *cs, struct cs_set *css, const struct mc_buf *lab,
		      struct mc_buf *u8, size_t *bad, int *nul, struct mc_err *err)
{
	const char *s = lab->p ? lab->p : "", *z;
	*bad = 0;
	*nul = 0;
	u8->len = 0;
	if (cs && cs->how != CS_PASS && cs->how != CS_BINARY) {
		int rc = cs_to_utf8(css, cs, s, lab->len, u8, bad, err);
		if (rc < 0)
			return rc;
	} else {
		*bad = cs_utf8_valid(s, lab->len, cs && cs->how == CS_PASS ? cs->mbmax : 4);
		if (*bad < lab->len)
			return -2;
		if (buf_add(u8, s, lab->len) < 0)
			return mc_oom(err, "a column's labels");
	}
	if (u8->len && (z = memchr(u8->p, 0, u8->len))) {
		*bad = (size_t)(z - u8->p);
		*nul = 1;
		return -2;
	}
	return 0;
}

/* The refusal of label i (its bytes lab) that label_text found no text of
 * its charset (or holding a NUL) at byte at. */
static int label_refuse(const char *db, const char *table, const struct snap_col *c, size_t i,
			const struct mc_buf *lab, const struct cs_info *cs, size_t at, int nul,
			struct mc_err *err)
{
	char hex[3 * 8 + 4] = "", what[112];
	size_t h = 0;
	for (size_t j = 0; j < lab->len && j < 8; j++)
		h += (size_t)snprintf(hex + h, sizeof hex - h, "%s%02X", j ? " " : "",
				      (unsigned char)lab->p[j]);
	if (lab->len > 8)
		snprintf(hex + h, sizeof hex - h, "...");
	if (nul)
		snprintf(what, sizeof what, "holds a NUL, which the type text cannot carry");
	else if (!cs)
		snprintf(what, sizeof what, "is not UTF-8 (the column's charset not known)");
	else if (cs->how == CS_NONE)
		snprintf(what, sizeof what, "is in charset %s, which mcsync does not convert to UTF-8",
			 cs->name);
	else if (cs->how == CS_BINARY)
		snprintf(what, sizeof what, "is not UTF-8 (the column's charset is binary)");
	else
		snprintf(what, sizeof what, "is not valid in the column's charset %s", cs->name);
	return mc_errf(err, MC_EXIT_DATA,
		       "table '%s.%s': column '%s': %s label %zu (bytes %s) %s at byte %zu: its text "
		       "cannot be known (an ALTER TABLE ... CONVERT TO CHARACTER SET keeps the bytes "
		       "of ENUM and SET labels in another charset as they were, under the new one; "
		       "information_schema shows them as '?'); redefine the column's labels on the "
		       "server (ALTER TABLE ... MODIFY), or leave the table out",
		       db, table, c->name, strcmp(c->data_type, "set") == 0 ? "SET" : "ENUM", i + 1,
		       hex, what, at);
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

	struct mc_buf q = { 0 }, ty = { 0 }, lab = { 0 }, u8 = { 0 };
	struct cs_set css = { 0 };
	MYSQL_RES *res = NULL;
	int rc = -1;
	if (buf_adds(&q, "BEGIN NOT ATOMIC DECLARE v TYPE OF ") < 0 || snap_quote_ident(&q, db) < 0 ||
	    buf_addc(&q, '.') < 0 || snap_quote_ident(&q, table) < 0 || buf_addc(&q, '.') < 0 ||
	    snap_quote_ident(&q, c->name) < 0 ||
	    buf_addf(&q, "; DECLARE i INT DEFAULT 1; DECLARE r LONGTEXT DEFAULT ''; "
			 "WHILE i <= %zu DO SET v = %s; "
			 "SET r = CONCAT(r, HEX(v), ','); SET i = i + 1; "
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
	/* the labels' bytes, in the column's charset */
	const char *p = row[0], *end = row[0] + len[0];
	const struct cs_info *cs = c->charset ? cs_by_name(c->charset) : NULL;
	for (size_t i = 0; i < n; i++) {
		lab.len = 0;
		while (p < end && *p != ',') {
			int hi = hexval(p[0]), lo = p + 1 < end ? hexval(p[1]) : -1;
			if (hi < 0 || lo < 0) {
				refuse(db, table, c, "an answer not in hex", err);
				goto out;
			}
			if (buf_addc(&lab, (char)(hi << 4 | lo)) < 0)
				goto oom;
			p += 2;
		}
		if (p == end) {
			refuse(db, table, c, "fewer labels than the type has", err);
			goto out;
		}
		p++;
		size_t at;
		int nul, lr = label_text(cs, &css, &lab, &u8, &at, &nul, err);
		if (lr < 0) {
			if (lr == -2)
				label_refuse(db, table, c, i, &lab, cs, at, nul, err);
			goto out;
		}
		if ((i && buf_addc(&ty, ',') < 0) || buf_addc(&ty, '\'') < 0)
			goto oom;
		for (size_t k = 0; k < u8.len; k++)
			if ((u8.p[k] == '\'' && buf_addc(&ty, '\'') < 0) || buf_addc(&ty, u8.p[k]) < 0)
				goto oom;
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
	buf_free(&lab);
	buf_free(&u8);
	cs_set_free(&css);
	return rc;
}
