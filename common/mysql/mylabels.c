/* mylabels.c: ENUM and SET labels from the server, exactly (myschema.h).
 * information_schema (and SHOW CREATE TABLE) pass the labels through
 * utf8mb3 and show what it cannot hold as '?': a character outside the BMP
 * (an emoji), and bytes that are no character of the column's charset
 * (MariaDB's ALTER TABLE ... CONVERT TO CHARACTER SET keeps the bytes of
 * labels in another charset, latin1 'é' becoming the byte E9 in a utf8mb4
 * label); HEX(COLUMN_TYPE) is of that text, the bytes are lost there. When
 * a label shows a '?' (or a NUL), every label is read from the server
 * instead, as bytes, and converted from the column's charset by the code
 * of the binlog's table maps (cs_label_utf8): mc-snapshot and the live
 * tail's lookup (binlog_row_metadata=MINIMAL, no labels in the map) both
 * come here, so that they write the same labels or refuse the same one. */
#include "mysql/myschema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/charset.h"
#include "mysql/snap.h"

/* snap.h's (here, where the live tail, which has no snapshot code, finds
 * it too) */
int snap_quote_ident(struct mc_buf *b, const char *s)
{
	if (buf_addc(b, '`') < 0)
		return -1;
	for (; *s; s++)
		if ((*s == '`' && buf_addc(b, '`') < 0) || buf_addc(b, *s) < 0)
			return -1;
	return buf_addc(b, '`');
}

void mys_labels_free(struct mys_labels *l, uint32_t n)
{
	for (uint32_t i = 0; l && i < n; i++) {
		free(l[i].v);
		free(l[i].buf);
		free(l[i].bad);
		free(l[i].name);
		memset(&l[i], 0, sizeof l[i]);
	}
}

int mys_parse_labels(const char *coltype, struct mys_labels *out)
{
	struct mc_labels l;
	memset(out, 0, sizeof *out);
	if (mc_labels_parse(coltype, strlen(coltype), 1, &l) < 0)
		return -1;
	out->n = l.n;
	out->v = l.v;
	out->buf = l.buf;
	out->lossy = (l.flags & MC_LABELS_LOSSY) != 0;
	out->escaped = (l.flags & MC_LABELS_ESCAPED) != 0;
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* l->bad = "PREFIX: what" (label k: the label's "ENUM label K"). -2, or -1
 * when out of memory. */
static int set_bad(struct mys_labels *l, int is_set, uint32_t k, const char *what,
		   struct mc_err *err)
{
	char msg[400];
	if (k)
		snprintf(msg, sizeof msg, "%s label %u %s", is_set ? "SET" : "ENUM", k, what);
	else
		snprintf(msg, sizeof msg, MYS_LABELS_UNREAD ": %s", what);
	free(l->bad);
	if (!(l->bad = strdup(msg)))
		return mc_oom(err, "a column's labels");
	return -2;
}

/* The labels' bytes from the server, "HEX,HEX,...," (one per label), in
 * *res: 0; -1 with err (lost connection, out of memory); -2
 * with l->bad. */
static int read_hex(MYSQL *m, const char *db, const char *table, const char *col, int is_set,
		    struct mys_labels *l, MYSQL_RES **res, struct mc_err *err)
{
	struct mc_buf q = { 0 };
	int rc = -1;
	if (buf_adds(&q, "BEGIN NOT ATOMIC DECLARE v TYPE OF ") < 0 || snap_quote_ident(&q, db) < 0 ||
	    buf_addc(&q, '.') < 0 || snap_quote_ident(&q, table) < 0 || buf_addc(&q, '.') < 0 ||
	    snap_quote_ident(&q, col) < 0 ||
	    buf_addf(&q, "; DECLARE i INT DEFAULT 1; DECLARE r LONGTEXT DEFAULT ''; "
			 "WHILE i <= %u DO SET v = %s; "
			 "SET r = CONCAT(r, HEX(v), ','); SET i = i + 1; "
			 "END WHILE; SELECT r; END",
		     l->n, is_set ? "1 << (i - 1)" : "i") < 0 ||
	    buf_addc(&q, 0) < 0) {
		rc = mc_oom(err, "a column's labels");
	} else if (mysql_query(m, q.p) != 0 || !(*res = mysql_store_result(m))) {
		unsigned e = mysql_errno(m);
		if (my_errno_transient(e))
			rc = my_fail(m, err, "reading a column's labels");
		else
			rc = set_bad(l, is_set, 0, e ? mysql_error(m) : "no answer", err);
	} else {
		rc = 0;
	}
	buf_free(&q);
	return rc;
}

int mys_labels_exact(MYSQL *m, const char *db, const char *table, const char *col, int is_set,
		     const char *csname, struct mys_labels *l, struct mc_err *err)
{
	const struct cs_info *cs = csname ? cs_by_name(csname) : NULL;
	struct mc_buf lab = { 0 }, u8 = { 0 }, text = { 0 };
	struct cs_set css = { 0 };
	struct mc_str *v = NULL;
	MYSQL_RES *res = NULL;
	char why[160];
	int rc;
	if (!l->lossy || l->n == 0)
		return 0;
	if (!my_is_mariadb(m))
		return set_bad(l, is_set, 0, "the server is not MariaDB", err);
	if (l->n > 65535 || (is_set && l->n > 64))
		return set_bad(l, is_set, 0, "too many labels", err);
	if ((rc = read_hex(m, db, table, col, is_set, l, &res, err)) < 0)
		goto out;
	MYSQL_ROW row = mysql_fetch_row(res);
	unsigned long *len = row ? mysql_fetch_lengths(res) : NULL;
	if (!row || !row[0] || !len) {
		rc = set_bad(l, is_set, 0, "no answer", err);
		goto out;
	}
	size_t *at = calloc(l->n, sizeof *at);
	if (!at || !(v = malloc(l->n * sizeof *v))) {
		free(at);
		rc = mc_oom(err, "a column's labels");
		goto out;
	}
	/* the labels' bytes, in the column's charset, to UTF-8 one after the
	 * other in text (at[i]: where label i starts) */
	const char *p = row[0], *end = row[0] + len[0];
	for (uint32_t i = 0; i < l->n && rc == 0; i++) {
		lab.len = 0;
		while (rc == 0 && p < end && *p != ',') {
			int hi = hexval(p[0]), lo = p + 1 < end ? hexval(p[1]) : -1;
			if (hi < 0 || lo < 0)
				rc = set_bad(l, is_set, 0, "an answer not in hex", err);
			else if (buf_addc(&lab, (char)(hi << 4 | lo)) < 0)
				rc = mc_oom(err, "a column's labels");
			p += 2;
		}
		if (rc == 0 && p >= end)
			rc = set_bad(l, is_set, 0, "fewer labels than the type has", err);
		if (rc < 0)
			break;
		p++;
		at[i] = text.len;
		rc = cs_label_utf8(&css, cs, lab.p, lab.len, &u8, why, sizeof why, err);
		if (rc == -2)
			rc = set_bad(l, is_set, i + 1, why, err);
		else if (rc == 0 && buf_add(&text, u8.p ? u8.p : "", u8.len) < 0)
			rc = mc_oom(err, "a column's labels");
	}
	if (rc == 0 && p != end)
		rc = set_bad(l, is_set, 0, "more labels than the type has", err);
	if (rc == 0 && buf_addc(&text, 0) < 0)
		rc = mc_oom(err, "a column's labels");
	if (rc == 0) {
		for (uint32_t i = 0; i < l->n; i++)
			v[i] = mc_str_c(text.p + at[i], (i + 1 < l->n ? at[i + 1] : text.len - 1) - at[i]);
		free(l->v);
		free(l->buf);
		l->v = v;
		l->buf = text.p;
		v = NULL;
		text.p = NULL;
		l->lossy = 0;
	}
	free(at);
out:
	if (res)
		mysql_free_result(res);
	/* the compound statement's final status */
	while (mysql_more_results(m) && mysql_next_result(m) == 0) {
		MYSQL_RES *r = mysql_store_result(m);
		if (r)
			mysql_free_result(r);
	}
	free(v);
	buf_free(&lab);
	buf_free(&u8);
	buf_free(&text);
	cs_set_free(&css);
	return rc;
}
