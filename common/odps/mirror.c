/* mirror.c: the state mirror and the recovery of a lost state directory
 * (mirror.h; docs/maxcompute.md "Recovering a lost state directory"). */
#include "odps/mirror.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "base/alloc.h"
#include "base/day.h"
#include "base/num.h"
#include "stream/ledger.h"
#include "odps/logpos.h"
#include "odps/state.h"
#include "odps/tables.h"
#include "odps/upload.h"
#include "stream/rec.h"
#include "wh/layout.h"
#include "wh/wh.h"
#include "wh/whpart.h"

#define MIRROR_TRIES 3

/* ---- bodies ---- */

static int keep(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
}

static int pct(struct mc_buf *b, const char *s)
{
	static const char hx[] = "0123456789ABCDEF";
	int rc = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && rc == 0; p++) {
		if (keep(*p)) {
			rc = buf_addc(b, (char)*p);
		} else {
			char e[3] = { '%', hx[*p >> 4], hx[*p & 15] };
			rc = buf_add(b, e, 3);
		}
	}
	return rc;
}

int odps_mirror_enc(const struct ckpt *c, struct mc_buf *out, struct mc_err *err)
{
	int rc = 0;
	for (size_t i = 0; i < c->n && rc == 0; i++) {
		if (i)
			rc |= buf_addc(out, ' ');
		rc |= pct(out, c->kv[i].k);
		rc |= buf_addc(out, '=');
		rc |= pct(out, c->kv[i].v);
	}
	rc |= buf_addc(out, '\0');
	if (rc)
		return mc_oom(err, "state mirror");
	out->len--;
	return 0;
}

static int unpct(const char *s, size_t n, struct mc_buf *b)
{
	b->len = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			unsigned v = 0;
			if (i + 2 >= n)
				return -1;
			for (int k = 1; k <= 2; k++) {
				char h = s[i + (size_t)k];
				v <<= 4;
				if (h >= '0' && h <= '9')
					v |= (unsigned)(h - '0');
				else if (h >= 'A' && h <= 'F')
					v |= (unsigned)(h - 'A' + 10);
				else
					return -1;
			}
			if (buf_addc(b, (char)v) < 0)
				return -1;
			i += 2;
		} else if (!keep((unsigned char)s[i]) || buf_addc(b, s[i]) < 0) {
			return -1;
		}
	}
	return buf_addc(b, '\0');
}

int odps_mirror_dec(const char *s, size_t n, const char *what, struct ckpt *c,
		    struct mc_err *err)
{
	struct mc_buf k = { 0 }, v = { 0 };
	size_t at = 0;
	int rc = 0;
	memset(c, 0, sizeof *c);
	while (rc == 0 && at < n) {
		size_t e = at, eq;
		while (e < n && s[e] != ' ')
			e++;
		for (eq = at; eq < e && s[eq] != '='; eq++)
			;
		if (eq == e || unpct(s + at, eq - at, &k) < 0 || unpct(s + eq + 1, e - eq - 1, &v) < 0)
			rc = mc_errf(err, MC_EXIT_DATA, "the state mirror's %s: byte %zu: not a "
				     "key=value pair (the mirror is damaged)", what, at);
		else if (ckpt_append(c, k.p, v.p, err) < 0)
			rc = -1;
		at = e + 1;
	}
	buf_free(&k);
	buf_free(&v);
	if (rc)
		ckpt_free(c);
	return rc;
}

/* ---- writing ---- */

int odps_mirror_ensure(struct odps_client *c, const struct odps_sql_opts *so,
		       struct mc_err *err)
{
	char q[512];
	struct mc_buf out = { 0 };
	int rc;
	snprintf(q, sizeof q,
		 "CREATE TABLE IF NOT EXISTS " ODPS_MIRROR_TABLE " (writer STRING, seq BIGINT, "
		 "attempt BIGINT, kind STRING, body STRING) COMMENT 'mcsync: the state mirror "
		 "(docs/maxcompute.md)' PARTITIONED BY (ds STRING) LIFECYCLE %d;",
		 ODPS_MIRROR_LIFECYCLE);
	rc = odps_sql_run(c, so, q, ODPS_SQL_IDEMPOTENT, &out, err);
	buf_free(&out);
	if (rc < 0)
		return mc_errctx(err, "the state mirror " ODPS_MIRROR_TABLE ": ");
	return 0;
}

static void today(char part[32])
{
	char d[16];
	day_format(day_of((int64_t)time(NULL), 0), d);
	snprintf(part, 32, "ds=%s", d);
}

static int col_is(const struct trec_col *c, const char *name)
{
	return c->name.n == strlen(name) && !strncasecmp(c->name.p, name, c->name.n);
}

/* One block of rows for session schema s. */
static int encode(const struct trec_schema *s, size_t max_field, const char *writer,
		  uint64_t seq, uint64_t attempt, const struct odps_mirror_row *rows, size_t n,
		  struct mc_buf *block, struct mc_err *err)
{
	struct trec_enc e;
	struct trec_enc_opts eo = { TREC_DEFLATE, 0, 0, max_field, 0 };
	struct trec_val v[8];
	struct mc_buf body = { 0 };
	int rc = 0;
	if (s->ncols != 5)
		return mc_errf(err, MC_EXIT_DATA, "the state mirror " ODPS_MIRROR_TABLE " has %zu "
			       "columns, not mcsync's 5 (drop the table)", s->ncols);
	if (trec_enc_init(&e, s, &eo, err) < 0)
		return -1;
	for (size_t r = 0; r < n && rc == 0; r++) {
		body.len = 0;
		if (odps_mirror_enc(rows[r].body, &body, err) < 0) {
			rc = -1;
			break;
		}
		memset(v, 0, sizeof v);
		for (size_t j = 0; j < 5 && rc == 0; j++) {
			const struct trec_col *c = &s->cols[j];
			if (col_is(c, "writer") && c->type.kind == TREC_STRING)
				v[j].u.s = mc_str_c(writer, strlen(writer));
			else if (col_is(c, "seq") && c->type.kind == TREC_BIGINT)
				v[j].u.i = (int64_t)seq;
			else if (col_is(c, "attempt") && c->type.kind == TREC_BIGINT)
				v[j].u.i = (int64_t)attempt;
			else if (col_is(c, "kind") && c->type.kind == TREC_STRING)
				v[j].u.s = mc_str_c(rows[r].kind, strlen(rows[r].kind));
			else if (col_is(c, "body") && c->type.kind == TREC_STRING)
				v[j].u.s = mc_str_c(body.p, body.len);
			else
				rc = mc_errf(err, MC_EXIT_DATA, "the state mirror " ODPS_MIRROR_TABLE
					     ": column %zu '%.*s' is not mcsync's (drop the table)",
					     j + 1, (int)c->name.n, c->name.p);
		}
		if (rc == 0)
			rc = trec_enc_add(&e, v, 5, err);
	}
	if (rc == 0)
		rc = trec_enc_finish(&e, block, NULL, err);
	trec_enc_free(&e);
	buf_free(&body);
	return rc;
}

int odps_mirror_put(struct odps_client *c, double retry_s, struct mc_say say, const char *writer,
		    uint64_t seq, uint64_t attempt, const struct odps_mirror_row *rows, size_t n,
		    struct mc_err *err)
{
	char part[32];
	struct odps_up u = { c, ODPS_MIRROR_TABLE, part, retry_s, seq, say, 1, NULL };
	struct odps_session s = { 0 };
	struct mc_buf block = { 0 };
	uint32_t id0 = 0;
	int rc = -1;
	today(part);
	for (int tries = 0; tries < MIRROR_TRIES; tries++) {
		int r;
		block.len = 0;
		if (odps_up_create(&u, 1, &s, err) < 0 ||
		    encode(&s.schema, s.max_field, writer, seq, attempt, rows, n, &block, err) < 0)
			goto out;
		r = odps_up_put(&u, s.id, 0, TREC_DEFLATE, block.p, block.len, err);
		if (r == 0)
			r = odps_up_commit(&u, s.id, &id0, 1, err);
		if (r < 0)
			goto out;
		if (r == 0) {
			rc = 0;
			goto out;
		}
		/* expired: a new session (this one is never committed) */
	}
	err->code = MC_EXIT_TRANSIENT;
out:
	odps_session_free(&s);
	buf_free(&block);
	if (rc < 0)
		mc_errctx(err, "the state mirror: ");
	return rc;
}

int odps_mirror_insert(struct odps_client *c, const struct odps_sql_opts *so,
		       const char *writer, uint64_t seq, uint64_t attempt, const char *kind,
		       const struct ckpt *body, struct mc_err *err)
{
	struct mc_buf q = { 0 }, out = { 0 };
	char part[32];
	int rc;
	today(part);
	rc = buf_addf(&q, "INSERT INTO TABLE " ODPS_MIRROR_TABLE " PARTITION (ds='%s') SELECT "
		      "'%s', %" PRIu64 ", %" PRIu64 ", '%s', '", part + 3, writer, seq, attempt,
		      kind);
	/* the body has only [A-Za-z0-9_.:/%= -]: nothing to escape */
	if (rc == 0 && odps_mirror_enc(body, &q, err) < 0)
		rc = -1;
	else if (rc == 0)
		rc = buf_addf(&q, "';%c", 0) < 0 ? mc_oom(err, "SQL") : 0;
	else
		rc = mc_oom(err, "SQL");
	/* run twice, it adds the same row twice: the same state (recovery
	 * takes the newest row of a kind) */
	if (rc == 0 && odps_sql_run(c, so, q.p, ODPS_SQL_IDEMPOTENT, &out, err) < 0)
		rc = mc_errctx(err, "the state mirror: ");
	buf_free(&q);
	buf_free(&out);
	return rc;
}

/* ---- recovery ---- */

int odps_mirror_rows_parse(struct mc_buf *out, size_t ncol, struct odps_mirror_rows *r, struct mc_err *err)
{
	char *p, *nl;
	memset(r, 0, sizeof *r);
	r->ncol = ncol;
	if (buf_addc(out, '\0') < 0)
		return mc_oom(err, "SQL result");
	r->text = out->p;
	p = strchr(out->p, '\n');
	while (p && *++p) {
		if ((nl = strchr(p, '\n')))
			*nl = 0;
		if (*p) {
			if (mc_grow(&r->f, &r->cap, (r->nrow + 1) * ncol, sizeof *r->f) < 0)
				return mc_oom(err, "SQL result");
			for (size_t i = 0; i < ncol; i++) {
				char *c = i + 1 < ncol ? strchr(p, ',') : NULL;
				if (i + 1 < ncol && !c)
					return mc_errf(err, MC_EXIT_DATA, "the state mirror: a result "
						       "line with fewer than %zu fields", ncol);
				if (c)
					*c = 0;
				r->f[r->nrow * ncol + i] = p;
				p = c ? c + 1 : p + strlen(p);
			}
			if (strchr(r->f[r->nrow * ncol + ncol - 1], ','))
				return mc_errf(err, MC_EXIT_DATA, "the state mirror: a result line "
					       "with more than %zu fields", ncol);
			r->nrow++;
		}
		p = nl;
	}
	if (r->nrow >= ODPS_SQL_ROWS_SHOWN)
		return mc_errf(err, MC_EXIT_DATA, "the state mirror: an answer of %zu rows, as many "
			       "as MaxCompute shows of a query's result (READ_TABLE_MAX_ROW, %d by "
			       "default): it may be cut short; drop the mirror's partitions of writers "
			       "no longer in use (docs/maxcompute.md \"Recovering a lost state directory\")",
			       r->nrow, ODPS_SQL_ROWS_SHOWN);
	return 0;
}

static const char *fld(const struct odps_mirror_rows *r, size_t row, size_t col)
{
	return r->f[row * r->ncol + col];
}

static int query(struct odps_client *c, const struct odps_sql_opts *so, const char *q,
		 size_t ncol, struct mc_buf *out, struct odps_mirror_rows *r, struct mc_err *err)
{
	out->len = 0;
	memset(r, 0, sizeof *r);
	if (odps_sql_run(c, so, q, ODPS_SQL_IDEMPOTENT, out, err) < 0)
		return -1;
	if (odps_mirror_rows_parse(out, ncol, r, err) < 0) {
		free(r->f);
		r->f = NULL;
		return -1;
	}
	return 0;
}

static int write_ckpt(const char *dir, const char *name, const struct ckpt *c,
		      struct mc_err *err)
{
	char *p = wh_pathf("%s/%s", dir, name);
	int rc;
	if (!p)
		return mc_oom(err, "path");
	rc = ckpt_write(p, c, err);
	free(p);
	return rc;
}

/* " AND (mc_pos_file, mc_pos_off, mc_pos_row) OP p" spelled out */
static int pos_cond(struct mc_buf *q, const struct mc_pos *p, const char *gt)
{
	return buf_addf(q, " AND (mc_pos_file %s %" PRIu64 " OR (mc_pos_file = %" PRIu64
			" AND (mc_pos_off %s %" PRIu64 " OR (mc_pos_off = %" PRIu64
			" AND mc_pos_row %s= %" PRIu64 "))))", gt, p->file, p->file, gt, p->off,
			p->off, gt, p->row);
}

static int is_log_table(const char *t)
{
	size_t n = strlen(t), k = strlen(ODPS_LOG_SUFFIX);
	return n > k && !strcmp(t + n - k, ODPS_LOG_SUFFIX);
}

/* How many rows of e's partition lie in [tlo, thi] (mirror.h). */
int odps_mirror_count(struct odps_client *c, const struct odps_sql_opts *so,
		 const struct odps_jent *e, int lay, uint64_t *n, struct mc_err *err)
{
	struct mc_buf q = { 0 }, out = { 0 };
	struct odps_mirror_rows r;
	const char *p = e->part;
	int rc = buf_addf(&q, "SELECT COUNT(*) AS n FROM %s WHERE 1 = 1", e->table);
	while (rc == 0 && *p) {
		const char *eq = strchr(p, '='), *sl = strchr(p, '/');
		size_t vn;
		if (!sl)
			sl = p + strlen(p);
		if (!eq || eq > sl) {
			rc = mc_errf(err, MC_EXIT_DATA, "the state mirror: partition '%s' is not "
				     "k=v[/k=v]", e->part);
			break;
		}
		vn = (size_t)(sl - eq - 1);
		for (size_t i = 0; i < vn; i++)
			if (!keep((unsigned char)eq[1 + i]) || eq[1 + i] == '/' || eq[1 + i] == ':')
				rc = mc_errf(err, MC_EXIT_DATA, "the state mirror: partition '%s': "
					     "a value of other characters than [A-Za-z0-9_.-]", e->part);
		if (rc == 0)
			rc = buf_addf(&q, " AND %.*s = '%.*s'", (int)(eq - p), p, (int)vn, eq + 1);
		p = *sl ? sl + 1 : sl;
	}
	if (rc == 0 && lay != WH_LAYOUT_MCSYNC) {
		if (buf_adds(&q, " AND ") < 0 || odps_logpos_cond(&q, lay, &e->tlo, ">=", err) < 0 ||
		    buf_adds(&q, " AND ") < 0 || odps_logpos_cond(&q, lay, &e->thi, "<=", err) < 0 ||
		    buf_addc(&q, '\0') < 0)
			rc = err->code ? -1 : mc_oom(err, "SQL");
	} else if (rc == 0 && (pos_cond(&q, &e->tlo, ">") < 0 || pos_cond(&q, &e->thi, "<") < 0 ||
			       buf_addc(&q, '\0') < 0)) {
		rc = mc_oom(err, "SQL");
	}
	if (rc == 0)
		rc = query(c, so, q.p, 1, &out, &r, err);
	if (rc == 0) {
		if (r.nrow != 1 || num_u64(fld(&r, 0, 0), n) < 0)
			rc = mc_errf(err, MC_EXIT_DATA, "SELECT COUNT(*) of %s: not one number",
				     e->table);
		free(r.f);
	}
	buf_free(&q);
	buf_free(&out);
	return rc;
}

static int say_line(struct mc_buf *report, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int say_line(struct mc_buf *report, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	return buf_addf(report, "%s\n", line);
}

struct rec {
	struct odps_client *c;
	const struct odps_recover_opts *o;
	struct odps_sql_opts so;
	struct mc_buf out, report_unused;
	char writer[64];
	uint64_t seq, attempt;
	struct ckpt kinds[5]; /* ledger0 ledger1 state0 state1 journal */
	int have[5];
};

static const char *const kind_names[5] = { "ledger0", "ledger1", "state0", "state1", "journal" };

static int no_mirror(const struct odps_recover_opts *o, struct mc_err *err)
{
	return mc_errf(err, MC_EXIT_DATA, "%s has no state mirror rows (table " ODPS_MIRROR_TABLE
		       "): nothing to rebuild --state=%s from (the state mirror is written by "
		       "mc-tunnel-put since this version)", o->dest, o->state);
}

/* The writer and its newest seq. */
static int newest(struct rec *R, struct mc_err *err)
{
	struct odps_mirror_rows r;
	size_t pick = (size_t)-1, n = 0;
	if (query(R->c, &R->so, "SELECT writer, MAX(seq) AS s FROM " ODPS_MIRROR_TABLE
		  " WHERE kind = 'journal' GROUP BY writer", 2, &R->out, &r, err) < 0) {
		if (strstr(err->msg, "ODPS-0130131") || strstr(err->msg, "Table not found") ||
		    strstr(err->msg, "no such table"))
			return no_mirror(R->o, err);
		return -1;
	}
	for (size_t i = 0; i < r.nrow; i++)
		if (!R->o->writer || !strcmp(R->o->writer, fld(&r, i, 0))) {
			pick = i;
			n++;
		}
	if (n == 0) {
		free(r.f);
		if (R->o->writer && r.nrow)
			return mc_errf(err, MC_EXIT_DATA, "the state mirror of %s has no rows of "
				       "writer '%s'", R->o->dest, R->o->writer);
		return no_mirror(R->o, err);
	}
	if (n > 1) {
		struct mc_buf l = { 0 };
		for (size_t i = 0; i < r.nrow; i++)
			buf_addf(&l, "%s%s (commit %s)", i ? ", " : "", fld(&r, i, 0), fld(&r, i, 1));
		buf_addc(&l, '\0');
		mc_errf(err, MC_EXIT_DATA, "the state mirror of %s holds the state of %zu writers: "
			"%s; give --recover=WRITER (the writer of a state directory is the "
			"'writer' line of DIR/_mcsync/odps)", R->o->dest, n, l.p ? l.p : "");
		buf_free(&l);
		free(r.f);
		return -1;
	}
	snprintf(R->writer, sizeof R->writer, "%s", fld(&r, pick, 0));
	if (num_u64(fld(&r, pick, 1), &R->seq) < 0) {
		free(r.f);
		return mc_errf(err, MC_EXIT_DATA, "the state mirror: seq '%s' is not a number",
			       fld(&r, pick, 1));
	}
	free(r.f);
	for (const char *p = R->writer; *p; p++)
		if (!keep((unsigned char)*p) || *p == '/' || *p == ':')
			return mc_errf(err, MC_EXIT_DATA, "the state mirror: writer '%s' is not "
				       "mcsync's", R->writer);
	return 0;
}

/* The rows of the newest attempt of seq. */
static int load(struct rec *R, struct mc_err *err)
{
	char q[320];
	struct odps_mirror_rows r;
	uint64_t best = 0, a;
	int rc = 0;
	snprintf(q, sizeof q, "SELECT attempt, kind, body FROM " ODPS_MIRROR_TABLE
		 " WHERE writer = '%s' AND seq = %" PRIu64 " AND kind IN ('ledger0', 'ledger1', "
		 "'state0', 'state1', 'journal')", R->writer, R->seq);
	if (query(R->c, &R->so, q, 3, &R->out, &r, err) < 0)
		return -1;
	for (size_t i = 0; i < r.nrow && rc == 0; i++)
		if (num_u64(fld(&r, i, 0), &a) < 0)
			rc = mc_errf(err, MC_EXIT_DATA, "the state mirror: attempt '%s' is not a "
				     "number", fld(&r, i, 0));
		else if (a > best)
			best = a;
	R->attempt = best;
	for (size_t i = 0; i < r.nrow && rc == 0; i++) {
		size_t k;
		if (num_u64(fld(&r, i, 0), &a) < 0 || a != best)
			continue;
		for (k = 0; k < 5 && strcmp(fld(&r, i, 1), kind_names[k]); k++)
			;
		if (k == 5)
			continue;
		if (R->have[k]) {
			/* the same row twice (a lost answer re-sent) must be the same */
			struct mc_buf b = { 0 };
			const char *v = fld(&r, i, 2);
			rc = odps_mirror_enc(&R->kinds[k], &b, err);
			if (rc == 0 && strcmp(b.p, strcmp(v, "\\N") ? v : ""))
				rc = mc_errf(err, MC_EXIT_DATA, "the state mirror holds two different "
					     "'%s' rows of commit %" PRIu64 " attempt %" PRIu64
					     " (the mirror is damaged)", kind_names[k], R->seq, best);
			buf_free(&b);
			continue;
		}
		const char *v = fld(&r, i, 2);
		if (!strcmp(v, "\\N"))
			v = "";
		rc = odps_mirror_dec(v, strlen(v), kind_names[k], &R->kinds[k], err);
		R->have[k] = rc == 0;
	}
	free(r.f);
	if (rc == 0 && (!R->have[1] || !R->have[2] || !R->have[3] || !R->have[4]))
		rc = mc_errf(err, MC_EXIT_DATA, "the state mirror's commit %" PRIu64 " of writer "
			     "'%s' lacks rows (the mirror is damaged)", R->seq, R->writer);
	return rc;
}

/* Each partition of the commit in doubt: in (its rows all there), out
 * (none), else exit 1. */
static int resolve_all(struct rec *R, struct odps_journal *j, int *all_in, struct mc_buf *report,
		       struct mc_err *err)
{
	/* the log tables' layout: the ledger's after the commit */
	enum wh_layout lay;
	*all_in = 1;
	if (wh_layout_parse(ckpt_get(&R->kinds[1], LEDGER_K_LOG_LAYOUT), &lay, err) < 0)
		return mc_errctx(err, "the state mirror's ledger: ");
	for (size_t i = 0; i < j->n; i++) {
		struct odps_jent *e = &j->e[i];
		uint64_t n;
		char lo[64], hi[64];
		if (!e->has_tpos || !e->images)
			return mc_errf(err, MC_EXIT_DATA, "the state mirror's commit %" PRIu64
				       " names %s %s without its rows' positions (the mirror is "
				       "damaged)", j->seq, e->table, e->part);
		pos_format(&e->tlo, lo, sizeof lo);
		pos_format(&e->thi, hi, sizeof hi);
		if (!e->has_before)
			return mc_errf(err, MC_EXIT_DATA, "commit %" PRIu64 " of %s %s (positions %s "
				       "to %s): earlier rows of the partition may lie in that range, "
				       "so counting cannot tell whether its rows are in MaxCompute",
				       j->seq, e->table, e->part, lo, hi);
		if (odps_mirror_count(R->c, &R->so, e, is_log_table(e->table) ? lay : 0, &n, err) < 0)
			return -1;
		if (n == e->before + e->images) {
			e->state = ODPS_J_IN;
		} else if (n == e->before) {
			e->state = ODPS_J_OUT;
			*all_in = 0;
		} else {
			return mc_errf(err, MC_EXIT_DATA, "commit %" PRIu64 " of %s %s: %" PRIu64
				       " rows lie at positions %s to %s, neither the %" PRIu64
				       " of the commits before it nor those and its %" PRIu64
				       ": MaxCompute holds other rows than mcsync put there (the "
				       "table is damaged; nothing was written)", j->seq, e->table,
				       e->part, n, lo, hi, e->before, e->images);
		}
		if (say_line(report, "commit %" PRIu64 " of %s %s: %s (%" PRIu64 " rows counted)",
			     j->seq, e->table, e->part, e->state == ODPS_J_IN ? "in" : "out",
			     n) < 0)
			return mc_oom(err, "report");
	}
	return 0;
}

/* The newest merge record of each table. */
static int merges(struct rec *R, struct mc_buf *report, struct mc_err *err)
{
	char q[256];
	struct odps_mirror_rows r;
	int rc = 0;
	snprintf(q, sizeof q, "SELECT kind, seq, attempt, body FROM " ODPS_MIRROR_TABLE
		 " WHERE kind LIKE 'merge.%%' AND (writer = '%s' OR writer = '-')", R->writer);
	if (query(R->c, &R->so, q, 4, &R->out, &r, err) < 0)
		return -1;
	for (size_t i = 0; i < r.nrow && rc == 0; i++) {
		uint64_t s, a, s2, a2;
		size_t best = i;
		int first = 1;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(fld(&r, k, 0), fld(&r, i, 0)))
				first = 0;
		if (!first)
			continue;
		if (num_u64(fld(&r, i, 1), &s) < 0 || num_u64(fld(&r, i, 2), &a) < 0) {
			rc = mc_errf(err, MC_EXIT_DATA, "the state mirror: a merge row's seq or "
				     "attempt is not a number");
			break;
		}
		for (size_t k = i + 1; k < r.nrow; k++)
			if (!strcmp(fld(&r, k, 0), fld(&r, i, 0)) && num_u64(fld(&r, k, 1), &s2) == 0 &&
			    num_u64(fld(&r, k, 2), &a2) == 0 && (s2 > s || (s2 == s && a2 > a))) {
				best = k;
				s = s2;
				a = a2;
			}
		const char *t = fld(&r, best, 0) + 6, *v = fld(&r, best, 3);
		struct ckpt c;
		if (!wh_name_ok(t, strlen(t))) {
			rc = mc_errf(err, MC_EXIT_DATA, "the state mirror: '%s' is not a merge record",
				     fld(&r, best, 0));
			break;
		}
		if (!strcmp(v, "\\N"))
			v = "";
		if (odps_mirror_dec(v, strlen(v), fld(&r, best, 0), &c, err) < 0) {
			rc = -1;
			break;
		}
		rc = write_ckpt(R->o->state, fld(&r, best, 0), &c, err);
		if (rc == 0 && say_line(report, "%s/%s: written (%zu lines)", R->o->state,
					fld(&r, best, 0), c.n) < 0)
			rc = mc_oom(err, "report");
		ckpt_free(&c);
	}
	free(r.f);
	return rc;
}

int odps_recover(struct odps_client *c, const struct odps_recover_opts *o, struct mc_buf *report,
		 struct mc_err *err)
{
	struct rec R;
	struct odps_journal j = { 0 };
	struct odps_statefile sf = { 0 };
	struct mc_ledger L;
	struct stat st;
	char *lp = NULL, *sdir = NULL;
	int rc = -1, all_in, ledger_ok = 0, which;

	memset(&R, 0, sizeof R);
	memset(&L, 0, sizeof L);
	R.c = c;
	R.o = o;
	R.so = o->sql;
	R.so.settings = ODPS_SQL_FULLSCAN;
	if (!(lp = wh_pathf("%s/%s", o->state, WH_LEDGER)) ||
	    !(sdir = wh_pathf("%s/%s", o->state, WH_STATE))) {
		mc_oom(err, "path");
		goto out;
	}
	if (stat(lp, &st) == 0) {
		mc_errf(err, MC_EXIT_USAGE, "--recover: '%s' exists: --state=%s is not lost (give "
			"an empty or new directory)", lp, o->state);
		goto out;
	}
	if (newest(&R, err) < 0 || load(&R, err) < 0)
		goto out;
	if (odps_journal_from_ckpt(&R.kinds[4], "journal", &j, err) < 0)
		goto out;
	if (j.seq != R.seq) {
		mc_errf(err, MC_EXIT_DATA, "the state mirror's commit %" PRIu64 " holds the journal "
			"of commit %" PRIu64 " (the mirror is damaged)", R.seq, j.seq);
		goto out;
	}
	if (say_line(report, "writer %s: the newest commit in the state mirror is %" PRIu64,
		     R.writer, R.seq) < 0 ||
	    resolve_all(&R, &j, &all_in, report, err) < 0)
		goto out;
	/* all in: the commit is done (its ledger is the commit point); else
	 * the ledger before it, and its journal with what is in */
	which = all_in ? 1 : 0;
	if (odps_statefile_from_ckpt(&R.kinds[2 + which], "state", &sf, err) < 0)
		goto out;
	if (strcmp(sf.dest, o->dest) != 0) {
		mc_errf(err, MC_EXIT_USAGE, "the state mirror's writer %s wrote to --dest=%s, not %s",
			R.writer, sf.dest, o->dest);
		goto out;
	}
	if (wh_mkdirs(sdir, err) < 0 ||
	    write_ckpt(o->state, ODPS_STATEFILE, &R.kinds[2 + which], err) < 0)
		goto out;
	if (!which && R.have[0] && R.kinds[0].n == 0)
		R.have[0] = 0;
	if (R.have[which]) {
		if (ledger_from_ckpt(&R.kinds[which], "the state mirror's ledger", &L, err) < 0 ||
		    write_ckpt(o->state, WH_LEDGER, &R.kinds[which], err) < 0)
			goto out;
		ledger_ok = 1;
	}
	if (!all_in) {
		j.attempt = R.attempt;
		if (odps_journal_write(o->state, &j, err) < 0)
			goto out;
	}
	if (merges(&R, report, err) < 0 ||
	    odps_mirror_hist_recover(c, &R.so, R.writer, o->state, report, err) < 0)
		goto out;
	if (!ledger_ok) {
		if (say_line(report, "no commit is complete: run the source from its start") < 0)
			goto out_oom;
	} else {
		char pos[64] = "none", res[64] = "none";
		if (L.has_pos)
			pos_format(&L.pos, pos, sizeof pos);
		if (L.has_resume)
			pos_format(&L.resume, res, sizeof res);
		if (say_line(report, "ledger: commit %" PRIu64 ", position %s, resume at %s%s%s",
			     L.seq, pos, res, L.gtid ? ", gtid " : "", L.gtid ? L.gtid : "") < 0)
			goto out_oom;
	}
	if (!all_in && say_line(report, "commit %" PRIu64 " in doubt: the same input again "
				"skips its partitions that are in", j.seq) < 0)
		goto out_oom;
	rc = 0;
	goto out;
out_oom:
	mc_oom(err, "report");
out:
	for (int k = 0; k < 5; k++)
		ckpt_free(&R.kinds[k]);
	buf_free(&R.out);
	odps_journal_free(&j);
	odps_statefile_free(&sf);
	ledger_free(&L);
	free(lp);
	free(sdir);
	return rc;
}

int odps_mirror_writer_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n >= 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}
