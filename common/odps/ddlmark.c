/* ddlmark.c: the table-replacing DDL of a synced table in MaxCompute, as
 * the merge there reads it (ddlmark.h). */
#include "odps/ddlmark.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "odps/logpos.h"
#include "odps/tables.h"
#include "stream/sqlword.h"

int odps_ddlmark_create(struct mc_buf *q, const char *name, enum wh_layout lay,
			uint32_t lifecycle)
{
	const char *id = wh_layout_role(lay, "id");
	int r = buf_adds(q, "CREATE TABLE IF NOT EXISTS ");
	r |= odps_ident(q, name, strlen(name));
	r |= buf_addf(q, " (mc_op STRING, %s BIGINT, mc_time BIGINT, ddl_sql STRING, "
		      "mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT) COMMENT "
		      "'mcsync: the TRUNCATE, DROP, CREATE and RENAME markers of %.*s' "
		      "PARTITIONED BY (ds STRING)", id ? id : "record_id",
		      (int)(strlen(name) - strlen(ODPS_DDL_SUFFIX)), name);
	if (lifecycle)
		r |= buf_addf(q, " LIFECYCLE %" PRIu32, lifecycle);
	r |= buf_adds(q, ";");
	r |= buf_addc(q, '\0');
	return r ? -1 : 0;
}

/* ---- the answer (CSV) ---- */

#define MAXF 4

/* One record of the CSV at *p (before e): its fields unquoted into b,
 * field i at b->p + off[i], length fl[i]; *nf of them. 1, 0 at the end,
 * -1 for a quote not closed or more than MAXF fields. */
static int csv_rec(const char **pp, const char *e, struct mc_buf *b, size_t *off, size_t *fl,
		   size_t *nf)
{
	const char *p = *pp;
	b->len = 0;
	*nf = 0;
	if (p >= e)
		return 0;
	for (;;) {
		if (*nf == MAXF)
			return -1;
		off[*nf] = b->len;
		if (p < e && *p == '"') {
			for (p++;; p++) {
				if (p >= e)
					return -1;
				if (*p == '"') {
					if (p + 1 < e && p[1] == '"')
						p++;
					else
						break;
				}
				if (buf_addc(b, *p) < 0)
					return -2;
			}
			p++; /* the closing quote */
		} else {
			while (p < e && *p != ',' && *p != '\n') {
				if (buf_addc(b, *p) < 0)
					return -2;
				p++;
			}
			if (b->len > off[*nf] && b->p[b->len - 1] == '\r' && (p >= e || *p == '\n'))
				b->len--;
		}
		fl[*nf] = b->len - off[*nf];
		(*nf)++;
		if (p < e && *p == '\r' && p + 1 < e && p[1] == '\n')
			p++;
		if (p >= e || *p == '\n') {
			*pp = p < e ? p + 1 : p;
			return 1;
		}
		if (*p != ',')
			return -1;
		p++;
	}
}

static int num(const char *s, size_t n, uint64_t *v)
{
	char t[24], *end;
	unsigned long long x;
	if (n == 0 || n >= sizeof t || s[0] < '0' || s[0] > '9')
		return -1;
	memcpy(t, s, n);
	t[n] = '\0';
	errno = 0;
	x = strtoull(t, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

static int is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(s, w, n);
}

int odps_ddlmark_read(const char *table, int dataworks, const char *text, size_t len,
		      struct odps_ddlmark **mk, size_t *n, size_t *cap, struct mc_err *err)
{
	const char *p = text, *e = text + len;
	struct mc_buf b = { 0 };
	size_t off[MAXF], fl[MAXF], nf;
	int rc = 0, r, first = 1;
	while (rc == 0 && (r = csv_rec(&p, e, &b, off, fl, &nf)) != 0) {
		struct odps_ddlmark m;
		const char *f[MAXF];
		uint64_t v[3];
		char a[64];
		if (r == -2) {
			rc = mc_oom(err, "markers");
			break;
		}
		if (r < 0) {
			rc = mc_errf(err, MC_EXIT_DATA, "MaxCompute table '%s': the answer of its DDL "
				     "markers does not read as CSV near '%.*s'", table,
				     (int)(e - p < 40 ? e - p : 40), p);
			break;
		}
		if (first) { /* the header */
			first = 0;
			continue;
		}
		if (nf == 1 && fl[0] == 0)
			continue; /* an empty line */
		for (size_t i = 0; i < nf; i++)
			f[i] = b.p + off[i];
		if (!dataworks) {
			if (nf != 4 || fl[0] != 1 || !strchr("TXCR", f[0][0]) ||
			    num(f[1], fl[1], &v[0]) < 0 || num(f[2], fl[2], &v[1]) < 0 ||
			    num(f[3], fl[3], &v[2]) < 0) {
				rc = mc_errf(err, MC_EXIT_DATA, "MaxCompute table '%s': a DDL marker "
					     "reads '%.*s'", table, (int)(fl[0] > 40 ? 40 : fl[0]),
					     f[0]);
				break;
			}
			m.op = f[0][0];
			m.pos = (struct mc_pos){ v[0], v[1], v[2] };
		} else {
			struct mc_str sql;
			if (nf != 3 || num(f[1], fl[1], &v[0]) < 0 || (int64_t)v[0] < 0) {
				rc = mc_errf(err, MC_EXIT_DATA, "MaxCompute table '%s': a DDL row "
					     "reads '%.*s'", table, (int)(fl[0] > 40 ? 40 : fl[0]),
					     f[0]);
				break;
			}
			wh_layout_id_pos((int64_t)v[0], &m.pos);
			sql.p = f[2];
			sql.n = fl[2];
			if (is(f[0], fl[0], "TRUNCATE"))
				m.op = 'T';
			else if (is(f[0], fl[0], "RENAME"))
				m.op = '?';
			else if (is(f[0], fl[0], "ALTER") && mc_sql_starts(sql, "DROP"))
				m.op = 'X';
			else if (is(f[0], fl[0], "ALTER") && mc_sql_starts(sql, "CREATE"))
				m.op = 'C';
			else {
				pos_format(&m.pos, a, sizeof a);
				rc = mc_errf(err, MC_EXIT_DATA, "table '%s': the DDL row at position %s "
					     "of '%s_log' (operation_type %.*s, '%.*s') replaced the "
					     "table's rows in a way its dataworks row does not tell (a "
					     "statement not starting DROP or CREATE), which mc-merge in "
					     "MaxCompute cannot follow: load a new snapshot of the table "
					     "taken after it", table, a, table,
					     (int)(fl[0] > 20 ? 20 : fl[0]), f[0],
					     (int)(fl[2] > 80 ? 80 : fl[2]), f[2]);
				break;
			}
		}
		if (mc_push(mk, n, cap, sizeof **mk) < 0) {
			rc = mc_oom(err, "markers");
			break;
		}
		(*mk)[*n - 1] = m;
	}
	buf_free(&b);
	return rc;
}

/* ---- the plan ---- */

static int mark_cmp(const void *a, const void *b)
{
	const struct odps_ddlmark *x = a, *y = b;
	int c = pos_cmp(&x->pos, &y->pos);
	return c ? c : (x->op > y->op) - (x->op < y->op);
}

/* SELECT ... of table t over [from, upto) by layout lay's position */
static int query(struct odps_client *c, const struct odps_sql_opts *so, const char *head,
		 const char *t, const char *where, enum wh_layout lay, const struct mc_pos *from,
		 const struct mc_pos *upto, struct mc_buf *out, struct mc_err *err)
{
	struct mc_buf q = { 0 };
	int rc = -1;
	out->len = 0;
	if (buf_addf(&q, "%s FROM ", head) < 0 || odps_ident(&q, t, strlen(t)) < 0 ||
	    buf_addf(&q, " WHERE %s AND ", where) < 0 ||
	    odps_logpos_cond(&q, lay, from, ">=", err) < 0 ||
	    (upto && (buf_adds(&q, " AND ") < 0 || odps_logpos_cond(&q, lay, upto, "<", err) < 0)) ||
	    buf_addf(&q, ";%c", 0) < 0) {
		if (!err->code)
			mc_oom(err, "SQL");
		goto out;
	}
	rc = odps_sql_run(c, so, q.p, ODPS_SQL_IDEMPOTENT, out, err);
out:
	buf_free(&q);
	return rc;
}

#define MARKS "SELECT mc_op, mc_pos_file, mc_pos_off, mc_pos_row"

/* The way of each dataworks RENAME row ('?'): the companion's marker at
 * its position. */
static int renames(struct odps_client *c, const struct odps_sql_opts *so, const char *table,
		   const struct mc_pos *from, const struct mc_pos *upto, struct odps_ddlmark *mk,
		   size_t n, struct mc_err *err)
{
	struct mc_buf t = { 0 }, out = { 0 };
	struct odps_ddlmark *cm = NULL;
	size_t nc = 0, cc = 0;
	int rc = -1;
	if (buf_addf(&t, "%s%s%s%c", table, ODPS_LOG_SUFFIX, ODPS_DDL_SUFFIX, 0) < 0) {
		mc_oom(err, "SQL");
		goto out;
	}
	if (query(c, so, MARKS, t.p, "mc_op IN ('X', 'R')", WH_LAYOUT_MCSYNC, from, upto, &out,
		  err) < 0 ||
	    odps_ddlmark_read(t.p, 0, out.p ? out.p : "", out.len, &cm, &nc, &cc, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		char a[64];
		if (mk[i].op != '?')
			continue;
		while (k < nc && pos_cmp(&cm[k].pos, &mk[i].pos))
			k++;
		if (k == nc) {
			pos_format(&mk[i].pos, a, sizeof a);
			mc_errf(err, MC_EXIT_DATA, "table '%s': the RENAME row at position %s of "
				"'%s_log' has no marker in '%s' saying whether the table was renamed "
				"away or another renamed onto its name (a row written before mcsync "
				"kept them), which mc-merge in MaxCompute cannot tell: load a new "
				"snapshot of the table taken after it", table, a, table, t.p);
			goto out;
		}
		mk[i].op = cm[k].op;
	}
	rc = 0;
out:
	free(cm);
	buf_free(&t);
	buf_free(&out);
	return rc;
}

int odps_ddlmark_plan(struct odps_client *c, const struct odps_sql_opts *so, const char *table,
		      enum wh_layout lay, const struct mc_pos *from, const struct mc_pos *upto,
		      int *has_barrier, struct mc_pos *barrier, struct mc_err *err)
{
	struct mc_buf t = { 0 }, out = { 0 };
	struct odps_ddlmark *mk = NULL;
	const char **ops = NULL;
	size_t n = 0, cap = 0;
	int rc = -1, dw = wh_layout_has_ddl(lay), r;
	*has_barrier = 0;
	if (lay == WH_LAYOUT_MCSYNC || dw)
		r = buf_addf(&t, "%s%s%c", table, ODPS_LOG_SUFFIX, 0);
	else
		r = buf_addf(&t, "%s%s%s%c", table, ODPS_LOG_SUFFIX, ODPS_DDL_SUFFIX, 0);
	if (r < 0) {
		mc_oom(err, "SQL");
		goto out;
	}
	if (dw)
		r = query(c, so, "SELECT operation_type, sequence_id, ddl_sql", t.p,
			  "operation_type IN ('TRUNCATE', 'RENAME', 'ALTER')", lay, from, upto, &out,
			  err);
	else
		r = query(c, so, MARKS, t.p,
			  lay == WH_LAYOUT_MCSYNC ? "mc_image IS NULL AND mc_op IN ('T', 'X', 'C', 'R')"
						  : "mc_op IN ('T', 'X', 'C', 'R')",
			  WH_LAYOUT_MCSYNC, from, upto, &out, err);
	if (r < 0 || odps_ddlmark_read(table, dw, out.p ? out.p : "", out.len, &mk, &n, &cap,
				       err) < 0)
		goto out;
	for (size_t i = 0; dw && i < n; i++)
		if (mk[i].op == '?') {
			if (renames(c, so, table, from, upto, mk, n, err) < 0)
				goto out;
			break;
		}
	if (n > 1)
		qsort(mk, n, sizeof *mk, mark_cmp);
	if (n && !(ops = calloc(n, sizeof *ops))) {
		mc_oom(err, "markers");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		ops[i] = mk[i].op == 'T' ? "T" : mk[i].op == 'X' ? "X" : mk[i].op == 'C' ? "C" : "R";
	{
		long at, bad;
		char p[64];
		const char *where = lay == WH_LAYOUT_MCSYNC || dw ? "_log" : "_log_ddl";
		if (wh_layout_barrier(ops, n, &at, &bad) < 0) {
			pos_format(&mk[bad].pos, p, sizeof p);
			if (mk[bad].op == 'R')
				mc_errf(err, MC_EXIT_DATA,
					"table '%s': a RENAME onto its name at position %s (its marker in "
					"'%s%s') moves another table's rows into this name (a RENAME "
					"swap, as gh-ost and pt-online-schema-change do), which mc-merge "
					"cannot follow: load a new snapshot of the table taken after it",
					table, p, table, dw ? "_log_ddl" : where);
			else {
				mc_errf(err, MC_EXIT_DATA,
					"table '%s': a DROP (or a rename away) at position %s (its marker "
					"in '%s%s') takes the table away, and no CREATE of it follows in "
					"the range of this merge: the table is gone (if it comes back, "
					"load a new snapshot of it)", table, p, table, where);
				rc = -2; /* (gone: odps_ddlmark_plan) */
			}
			goto out;
		}
		if (at >= 0) {
			*has_barrier = 1;
			*barrier = mk[at].pos;
		}
	}
	rc = 0;
out:
	free(mk);
	free(ops);
	buf_free(&t);
	buf_free(&out);
	return rc;
}
