/* ddl_stmt.c: statements that are not DDL, as far as the tail needs them
 * (ddl.h): the one table an INSERT/UPDATE/DELETE/REPLACE/LOAD DATA
 * writes, and the secrets of account statements, redacted. */
#include "binlog/ddl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "binlog/ddl_int.h"

static int is_name_tok(const struct toks *ts, size_t i)
{
	return i < ts->n && (ts->t[i].type == T_WORD || ts->t[i].type == T_QUOTED);
}

/* After the table of an UPDATE or DELETE: PARTITION (...) and an alias. */
static size_t after_table(const struct toks *ts, size_t i, const char *const *ends)
{
	if (ddl_kw(ts, i, "PARTITION") && ddl_punct(ts, i + 1, '('))
		i = ddl_skip_group(ts, i + 1);
	if (ddl_kw(ts, i, "AS"))
		return i + 1;
	for (size_t k = 0; ends[k]; k++)
		if (ddl_kw(ts, i, ends[k]))
			return i;
	return is_name_tok(ts, i) ? i + 1 : i;
}

static int ends_at(const struct toks *ts, size_t i, const char *const *ends, int or_end)
{
	if (or_end && (i >= ts->n || ddl_punct(ts, i, ';')))
		return 1;
	for (size_t k = 0; ends[k]; k++)
		if (ddl_kw(ts, i, ends[k]))
			return 1;
	return 0;
}

static int dml(const struct toks *ts, struct mc_str *db, struct mc_str *tab)
{
	static const char *const upd_end[] = { "SET", NULL };
	static const char *const del_end[] = { "WHERE", "ORDER", "LIMIT", "RETURNING", NULL };
	size_t i = 1, j;
	if (ddl_kw(ts, 0, "INSERT") || ddl_kw(ts, 0, "REPLACE")) {
		while (ddl_kw(ts, i, "LOW_PRIORITY") || ddl_kw(ts, i, "DELAYED") ||
		       ddl_kw(ts, i, "HIGH_PRIORITY") || ddl_kw(ts, i, "IGNORE"))
			i++;
		if (ddl_kw(ts, i, "INTO"))
			i++;
		return ddl_table_name(ts, i, db, tab) ? DDL_DML_TABLE : DDL_DML_UNKNOWN;
	}
	if (ddl_kw(ts, 0, "UPDATE")) {
		while (ddl_kw(ts, i, "LOW_PRIORITY") || ddl_kw(ts, i, "IGNORE"))
			i++;
		if (!(j = ddl_table_name(ts, i, db, tab)))
			return DDL_DML_UNKNOWN;
		j = after_table(ts, j, upd_end);
		return ends_at(ts, j, upd_end, 0) ? DDL_DML_TABLE : DDL_DML_UNKNOWN;
	}
	if (ddl_kw(ts, 0, "DELETE")) {
		while (ddl_kw(ts, i, "LOW_PRIORITY") || ddl_kw(ts, i, "QUICK") ||
		       ddl_kw(ts, i, "IGNORE"))
			i++;
		if (!ddl_kw(ts, i, "FROM") || !(j = ddl_table_name(ts, i + 1, db, tab)))
			return DDL_DML_UNKNOWN; /* DELETE t1, t2 FROM ... */
		j = after_table(ts, j, del_end);
		return ends_at(ts, j, del_end, 1) ? DDL_DML_TABLE : DDL_DML_UNKNOWN;
	}
	if (ddl_kw(ts, 0, "LOAD") && (ddl_kw(ts, 1, "DATA") || ddl_kw(ts, 1, "XML"))) {
		for (i = 2; i + 1 < ts->n; i++)
			if (ddl_kw(ts, i, "INTO") && ddl_kw(ts, i + 1, "TABLE"))
				return ddl_table_name(ts, i + 2, db, tab) ? DDL_DML_TABLE
									  : DDL_DML_UNKNOWN;
		return DDL_DML_UNKNOWN;
	}
	if (ddl_kw(ts, 0, "WITH")) /* WITH ... UPDATE/DELETE/INSERT */
		return DDL_DML_UNKNOWN;
	/* SELECT f(), DO f(), CALL p(): the server logs them only when what
	 * they call wrote something (DO and SET @x = f() are logged as
	 * SELECT f()), and which table cannot be told. */
	if (ddl_kw(ts, 0, "SELECT") || ddl_kw(ts, 0, "DO") || ddl_kw(ts, 0, "CALL") ||
	    (ddl_punct(ts, 0, '(') && ddl_kw(ts, 1, "SELECT")))
		return DDL_DML_UNKNOWN;
	return DDL_DML_NONE;
}

int ddl_dml_target(const char *sql, size_t n, struct mc_str *db, struct mc_str *tab)
{
	struct toks ts = { 0 };
	int rc;
	*db = *tab = mc_str_c("", 0);
	if (ddl_lex(sql, n, 0, &ts) < 0) {
		free(ts.t);
		/* too long to follow: a DML keyword at the start is enough */
		while (n && (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r')) {
			sql++;
			n--;
		}
		return (n >= 6 && (strncasecmp(sql, "INSERT", 6) == 0 ||
				   strncasecmp(sql, "UPDATE", 6) == 0 ||
				   strncasecmp(sql, "DELETE", 6) == 0)) ||
				       (n >= 7 && strncasecmp(sql, "REPLACE", 7) == 0) ||
				       (n >= 4 && strncasecmp(sql, "LOAD", 4) == 0) ||
				       (n >= 6 && strncasecmp(sql, "SELECT", 6) == 0) ||
				       (n >= 4 && strncasecmp(sql, "CALL", 4) == 0) ||
				       (n >= 3 && strncasecmp(sql, "DO ", 3) == 0)
			       ? DDL_DML_UNKNOWN
			       : DDL_DML_NONE;
	}
	rc = dml(&ts, db, tab);
	if (rc != DDL_DML_TABLE)
		*db = *tab = mc_str_c("", 0);
	free(ts.t);
	return rc;
}

/* Statements that may carry a password or its hash. */
static int account_stmt(const struct toks *ts)
{
	size_t i = 1;
	if (ddl_kw(ts, 0, "GRANT"))
		return 1;
	if (ddl_kw(ts, 0, "SET"))
		return ddl_kw(ts, 1, "PASSWORD");
	if (!ddl_kw(ts, 0, "CREATE") && !ddl_kw(ts, 0, "ALTER"))
		return 0;
	if (ddl_kw(ts, i, "OR") && ddl_kw(ts, i + 1, "REPLACE"))
		i += 2;
	if (ddl_kw(ts, i, "DEFINER")) /* CREATE DEFINER=... SERVER is not a thing */
		return 0;
	return ddl_kw(ts, i, "USER") || ddl_kw(ts, i, "ROLE") || ddl_kw(ts, i, "SERVER");
}

/* A literal at i (a 'string', or 0x... after AS/BY): the token that comes
 * before it, past an introducer (_utf8mb4'...', X'...', N'...'), in *prev,
 * and where the literal's text starts in *from. */
static int literal(const struct toks *ts, size_t i, size_t *prev, const char **from)
{
	const struct tok *t = &ts->t[i];
	if (i == 0)
		return 0;
	*from = t->p;
	*prev = i - 1;
	if (t->type == T_STR) {
		const struct tok *b = &ts->t[i - 1];
		if (b->type == T_WORD && b->p + b->n == t->p && i >= 2 &&
		    (b->p[0] == '_' || (b->n == 1 && strchr("xXbBnN", b->p[0])))) {
			*from = b->p;
			*prev = i - 2;
		}
		return 1;
	}
	return t->type == T_WORD && t->n > 2 && t->p[0] == '0' && (t->p[1] == 'x' || t->p[1] == 'X') &&
	       (ddl_kw(ts, i - 1, "AS") || ddl_kw(ts, i - 1, "BY"));
}

static int secret_after(const struct toks *ts, size_t k)
{
	if (ddl_kw(ts, k, "BY") || ddl_kw(ts, k, "AS") || ddl_kw(ts, k, "USING") ||
	    ddl_kw(ts, k, "PASSWORD") || ddl_kw(ts, k, "REPLACE") || ddl_punct(ts, k, '='))
		return 1;
	/* PASSWORD('x'), OLD_PASSWORD('x') */
	return ddl_punct(ts, k, '(') && k > 0 &&
	       (ddl_kw(ts, k - 1, "PASSWORD") || ddl_kw(ts, k - 1, "OLD_PASSWORD"));
}

int ddl_redact(const char *sql, size_t n, int no_bs, struct mc_buf *out)
{
	static const char red[] = "'<redacted>'";
	struct toks ts = { 0 };
	const char *at = sql;
	int found = 0, rc = 0;
	size_t len0 = out->len;
	if (ddl_lex(sql, n, no_bs, &ts) < 0) {
		/* too long to follow: nothing of it is kept when it may hold one */
		free(ts.t);
		ts.n = 0;
		if ((n >= 11 && strncasecmp(sql, "CREATE USER", 11) == 0) ||
		    (n >= 10 && strncasecmp(sql, "ALTER USER", 10) == 0) ||
		    (n >= 5 && strncasecmp(sql, "GRANT", 5) == 0) ||
		    (n >= 12 && strncasecmp(sql, "SET PASSWORD", 12) == 0))
			return buf_adds(out, "/* statement too long to redact */") < 0 ? -1 : 1;
		return 0;
	}
	if (!account_stmt(&ts))
		goto done;
	for (size_t i = 0; i < ts.n; i++) {
		size_t prev;
		const char *from;
		if (!literal(&ts, i, &prev, &from) || !secret_after(&ts, prev))
			continue;
		if (buf_add(out, at, (size_t)(from - at)) < 0 || buf_add(out, red, sizeof red - 1) < 0)
			goto oom;
		at = ts.t[i].p + ts.t[i].n;
		found = 1;
	}
	if (found && buf_add(out, at, (size_t)(sql + n - at)) < 0)
		goto oom;
	rc = found;
	goto done;
oom:
	out->len = len0;
	rc = -1;
done:
	free(ts.t);
	return rc;
}

int ddl_create_like(const char *s, size_t n, int mode, char *db, size_t dbsz, char *tab,
		    size_t tabsz)
{
	struct toks ts = { 0 };
	struct mc_str d, t;
	size_t i = 1;
	int paren, rc = 0;
	if (ddl_lex(s, n, mode, &ts) < 0 || !ddl_kw(&ts, 0, "CREATE"))
		goto done;
	if (ddl_kw(&ts, i, "OR") && ddl_kw(&ts, i + 1, "REPLACE"))
		i += 2;
	if (ddl_kw(&ts, i, "TEMPORARY"))
		goto done; /* not logged in row format, not followed */
	if (!ddl_kw(&ts, i, "TABLE"))
		goto done;
	i = ddl_skip_if(&ts, i + 1, 1);
	if (!(i = ddl_table_name(&ts, i, &d, &t)))
		goto done;
	if ((paren = ddl_punct(&ts, i, '(')))
		i++;
	if (!ddl_kw(&ts, i, "LIKE") || !(i = ddl_table_name(&ts, i + 1, &d, &t)))
		goto done;
	if (paren && !ddl_punct(&ts, i++, ')'))
		goto done;
	if (i != ts.n || d.n >= dbsz || t.n >= tabsz || !t.n)
		goto done;
	memcpy(db, d.p, d.n);
	db[d.n] = 0;
	memcpy(tab, t.p, t.n);
	tab[t.n] = 0;
	rc = 1;
done:
	free(ts.t);
	return rc;
}
