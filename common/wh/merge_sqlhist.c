/* merge_sqlhist.c: the columns of the merge SQL across schema versions
 * (docs/merge.md "Schema changes: the SQL merge"): each row's version is
 * the one in force at its position; its values are converted to the
 * target version as mc-merge converts them (schemaconv.c): the column's
 * SQL column (sqlhist.h) under the target's name, the default of a column
 * added after the row's version, and the exact widenings (a DECIMAL's
 * scale and a time's fraction digits padded, FLOAT to DOUBLE). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "wh/merge_sql.h"
#include "wh/sqlhist.h"

static int qident(struct mc_buf *b, const struct mc_str *n, int d)
{
	return merge_sql_ident(b, n->p, n->n, d);
}

int merge_sqlhist_names(struct mc_buf *b, const struct merge_sql *q)
{
	const struct wh_sqlhist *x = q->hist;
	const struct mc_rec *T = &x->h->v[q->hist_target].s.rec;
	int rc = 0;
	for (size_t c = 0; c < T->ncols; c++) {
		rc |= buf_adds(b, c ? ", " : "");
		rc |= qident(b, &x->pcol[x->phys[q->hist_target][c]]->name, q->dialect);
	}
	return rc ? -1 : 0;
}

/* (pos) < p */
static int before(struct mc_buf *b, int d, const struct mc_pos *p)
{
	const char *m = d == MERGE_SQL_MAXCOMPUTE ? "mc" : "";
	return buf_addf(b, "(%s_pos_file < %" PRIu64 " OR (%s_pos_file = %" PRIu64 " AND (%s_pos_off < %"
			PRIu64 " OR (%s_pos_off = %" PRIu64 " AND %s_pos_row < %" PRIu64 "))))",
			m, p->file, m, p->file, m, p->off, m, p->off, m, p->row);
}

static int same_type(const struct mc_str *a, const struct mc_str *b)
{
	return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

/* sqlite: the text e (an expression already in b from e0) with its
 * fraction padded to digits: '.' added when it has none */
static int pad_sql(struct mc_buf *b, const char *e, int digits)
{
	static const char z[] = "000000000000000000000000000000000000000";
	return buf_addf(b, "CASE WHEN instr(%s, '.') = 0 THEN %s || '.' || '%.*s' ELSE %s || "
			"substr('%.*s', 1, %d - (length(%s) - instr(%s, '.'))) END",
			e, e, digits, z, e, digits, z, digits, e, e);
}

/* The value of SQL column p, written in version w, as target column T */
static int conv_ref(struct mc_buf *b, const struct merge_sql *q, size_t p, const struct mc_col *F,
		    const struct mc_col *T)
{
	const struct wh_sqlhist *x = q->hist;
	struct mc_buf id = { 0 };
	char why[600];
	int arg, cv = wh_type_conv(F, T, &arg, why, sizeof why), rc;
	if (qident(&id, &x->pcol[p]->name, q->dialect) < 0 || buf_addc(&id, 0) < 0) {
		buf_free(&id);
		return -1;
	}
	if (q->dialect == MERGE_SQL_MAXCOMPUTE) {
		/* the SQL column's own type (its newest), or the target's */
		if (cv == WH_CV_SAME && same_type(&x->pcol[p]->mc_type, &T->mc_type))
			rc = buf_adds(b, id.p);
		else
			rc = buf_addf(b, "CAST(%s AS %.*s)", id.p, (int)T->mc_type.n, T->mc_type.p);
	} else if (cv == WH_CV_DEC || cv == WH_CV_FRAC) {
		rc = pad_sql(b, id.p, arg);
	} else { /* sqlite: REAL is a double already */
		rc = buf_adds(b, id.p);
	}
	buf_free(&id);
	return rc;
}

/* 'text', escaped for dialect d */
static int quoted(struct mc_buf *b, int d, const struct mc_str *s)
{
	int rc = buf_addc(b, '\'');
	for (size_t i = 0; i < s->n; i++) {
		char ch = s->p[i];
		if (d == MERGE_SQL_MAXCOMPUTE && (ch == '\'' || ch == '\\'))
			rc |= buf_addc(b, '\\');
		else if (ch == '\'')
			rc |= buf_addc(b, '\'');
		rc |= buf_addc(b, ch);
	}
	return rc | buf_addc(b, '\'');
}

/* A literal value of target column T. MaxCompute: CAST(.. AS its type),
 * but a DATE or DATETIME from its text in the forms MaxCompute takes
 * (merge_sqltime.c: TO_DATE, CAST of the seconds and DATEADD of the
 * fraction, under the zone Etc/GMT that merge_sqljson_set gives a merge
 * with a history), and an integer past BIGINT (BIGINT UNSIGNED, a
 * DECIMAL(20,0) there) from its text: MaxCompute takes no such number. */
static int literal(struct mc_buf *b, const struct merge_sql *q, const struct mc_val *v,
		   const struct mc_col *T)
{
	int d = q->dialect, rc = 0, cast = d == MERGE_SQL_MAXCOMPUTE;
	if (cast && v->kind >= MC_V_STR && merge_sqltime_col(T)) {
		struct mc_buf g = { 0 };
		const char *why = NULL;
		if (quoted(&g, d, &v->v.s) < 0 || buf_addc(&g, '\0') < 0) {
			buf_free(&g);
			return -1;
		}
		rc = merge_sqltime_read(NULL, T, g.p, &why) == 0 ? merge_sqltime_read(b, T, g.p, &why)
								  : 1;
		buf_free(&g);
		if (rc <= 0)
			return rc;
		rc = 0; /* not a form it reads: the CAST, which MaxCompute refuses */
	}
	if (cast)
		rc |= buf_adds(b, "CAST(");
	switch (v->kind) {
	case MC_V_NULL:
	case MC_V_ABSENT:
		rc |= buf_adds(b, "NULL");
		break;
	case MC_V_INT:
		rc |= buf_addf(b, "%" PRId64, v->v.i);
		break;
	case MC_V_UINT:
		rc |= buf_addf(b, cast ? "'%" PRIu64 "'" : "%" PRIu64, v->v.u);
		break;
	case MC_V_F32:
		rc |= buf_addf(b, "%.17g", (double)v->v.f32);
		break;
	case MC_V_F64:
		rc |= buf_addf(b, "%.17g", v->v.f64);
		break;
	default:
		rc |= quoted(b, d, &v->v.s);
	}
	if (cast)
		rc |= buf_addf(b, " AS %.*s)", (int)T->mc_type.n, T->mc_type.p);
	return rc ? -1 : 0;
}

/* The default of SQL column p for a row of version w (which lacks it): the
 * one of the step that added it, widened to T as a row's value would be */
static int def_expr(struct mc_buf *b, const struct merge_sql *q, size_t w, size_t p,
		    const struct mc_col *T)
{
	const struct wh_sqlhist *x = q->hist;
	for (size_t u = w + 1; u <= q->hist_target; u++) {
		long j = wh_sqlhist_col(x, u, p);
		const struct wh_step *s = &x->steps[u - 1];
		struct mc_val v;
		char why[600], pad[160];
		int arg, cv;
		if (j < 0)
			continue;
		if (s->refuse || s->why[j] || s->src[j] >= 0) /* refused (wh_sqlhist_check) */
			return literal(b, q, &(struct mc_val){ .kind = MC_V_NULL }, T);
		v = s->def[j];
		cv = wh_type_conv(&x->h->v[u].s.rec.cols[j], T, &arg, why, sizeof why);
		if ((cv == WH_CV_DEC || cv == WH_CV_FRAC) && v.kind >= MC_V_STR) {
			const char *dot = memchr(v.v.s.p, '.', v.v.s.n);
			long have = dot ? (long)(v.v.s.p + v.v.s.n - dot - 1) : 0;
			int n = snprintf(pad, sizeof pad, "%.*s%s", (int)v.v.s.n, v.v.s.p,
					 dot || arg == 0 ? "" : ".");
			for (; have < arg && n > 0 && (size_t)n + 1 < sizeof pad; have++)
				pad[n++] = '0';
			pad[n > 0 ? n : 0] = 0;
			v.v.s.p = pad;
			v.v.s.n = strlen(pad);
		} else if (cv == WH_CV_F64 && v.kind == MC_V_F32) {
			v.kind = MC_V_F64;
			v.v.f64 = (double)v.v.f32;
		}
		return literal(b, q, &v, T);
	}
	return -1;
}

const struct mc_val *merge_sqlhist_nn(const struct merge_sql *q, size_t w, size_t p, size_t t)
{
	for (size_t u = w + 1; u <= t; u++) {
		long j = wh_sqlhist_col(q->hist, u, p);
		const struct wh_step *s = &q->hist->steps[u - 1];
		if (j >= 0 && !s->refuse && !s->why[j] && s->src[j] >= 0 &&
		    s->def[j].kind != MC_V_NULL)
			return &s->def[j];
	}
	return NULL;
}

/* Target column c of version t: each row's value converted from its
 * version (by position), as mc-merge converts it; *named: the expression
 * is the SQL column under c's name */
static int col_expr(struct mc_buf *b, const struct merge_sql *q, size_t t, size_t c, int *named)
{
	const struct wh_sqlhist *x = q->hist;
	const struct mc_rec *TR = &x->h->v[t].s.rec;
	const struct mc_col *T = &TR->cols[c];
	size_t p = x->phys[t][c];
	int plain = 1, rc = 0, d = q->dialect;
	for (size_t w = q->hist_lo; w < t && plain; w++) {
		long i = wh_sqlhist_col(x, w, p);
		char why[8];
		int arg;
		plain = i >= 0 &&
			wh_type_conv(&x->h->v[w].s.rec.cols[i], T, &arg, why, sizeof why) == WH_CV_SAME &&
			!merge_sqlhist_nn(q, w, p, t);
	}
	if (!plain) {
		rc |= buf_adds(b, "CASE");
		for (size_t w = q->hist_lo; w < t && rc == 0; w++) {
			long i = wh_sqlhist_col(x, w, p);
			rc |= buf_adds(b, " WHEN ");
			rc |= before(b, d, &x->h->v[w + 1].start);
			rc |= buf_adds(b, " THEN ");
			if (i >= 0) {
				/* a NULL of w's rows in a column made NOT NULL since:
				 * its implicit default (wh_step_plan) */
				const struct mc_val *nd = merge_sqlhist_nn(q, w, p, t);
				rc |= nd ? buf_adds(b, "COALESCE(") : 0;
				rc |= conv_ref(b, q, p, &x->h->v[w].s.rec.cols[i], T);
				if (nd)
					rc |= buf_adds(b, ", ") | literal(b, q, nd, T) | buf_addc(b, ')');
			} else {
				rc |= def_expr(b, q, w, p, T);
			}
		}
		rc |= buf_adds(b, " ELSE ");
	}
	rc |= conv_ref(b, q, p, T, T);
	if (!plain)
		rc |= buf_adds(b, " END");
	*named = plain && same_type(&x->pcol[p]->name, &T->name) &&
		 !(d == MERGE_SQL_MAXCOMPUTE && !same_type(&x->pcol[p]->mc_type, &T->mc_type));
	return rc ? -1 : 0;
}

int merge_sqlhist_select(struct mc_buf *b, const struct merge_sql *q)
{
	const struct mc_rec *TR = &q->hist->h->v[q->hist_target].s.rec;
	int rc = 0, named;
	for (size_t c = 0; c < TR->ncols && rc == 0; c++) {
		rc |= buf_adds(b, c ? ", " : "");
		rc |= col_expr(b, q, q->hist_target, c, &named);
		if (!named) {
			rc |= buf_adds(b, " AS ");
			rc |= qident(b, &TR->cols[c].name, q->dialect);
		}
	}
	return rc ? -1 : 0;
}

/* (pos) >= p (ge) or > p */
static int after(struct mc_buf *b, int d, const struct mc_pos *p, int ge)
{
	const char *m = d == MERGE_SQL_MAXCOMPUTE ? "mc" : "";
	return buf_addf(b, "(%s_pos_file > %" PRIu64 " OR (%s_pos_file = %" PRIu64 " AND (%s_pos_off > %"
			PRIu64 " OR (%s_pos_off = %" PRIu64 " AND %s_pos_row %s %" PRIu64 "))))",
			m, p->file, m, p->file, m, p->off, m, p->off, m, ge ? ">=" : ">", p->row);
}

/* every SQL column of the history */
static int all_cols(struct mc_buf *b, const struct merge_sql *q)
{
	int rc = 0;
	for (size_t p = 0; p < q->hist->nphys; p++) {
		rc |= buf_adds(b, p ? ", " : "");
		rc |= qident(b, &q->hist->pcol[p]->name, q->dialect);
	}
	return rc;
}

/* Step i: the rows at kph[i].at, by version kph[i].v's key (its columns,
 * converted to v, as _k0, _k1, ...): every SQL column as written, and
 * the positions */
static int step(struct mc_buf *b, const struct merge_sql *q, size_t i)
{
	const struct merge_sql_kph *k = &q->kph[i];
	const char *m = q->dialect == MERGE_SQL_MAXCOMPUTE ? "mc" : "";
	int rc = 0, named;
	rc |= buf_adds(b, "(\n    SELECT ");
	rc |= all_cols(b, q);
	rc |= buf_addf(b, ", %s_pos_file, %s_pos_off, %s_pos_row FROM (\n    SELECT u%zu.*, "
		       "ROW_NUMBER() OVER (PARTITION BY ", m, m, m, i);
	for (size_t c = 0; c < k->nkey; c++)
		rc |= buf_addf(b, "%s%s_k%zu", c ? ", " : "", m, c);
	rc |= buf_addf(b, " ORDER BY %s_pos_file DESC, %s_pos_off DESC, %s_pos_row DESC, %s_rank DESC) "
		       "AS %s_rn\n    FROM (\n", m, m, m, m, m);
	for (int log = i == 0 && q->has_barrier; log < 2 && rc == 0; log++) {
		rc |= buf_adds(b, log && !(i == 0 && q->has_barrier) ? "\n    UNION ALL\n    SELECT "
								     : "    SELECT ");
		rc |= all_cols(b, q);
		for (size_t c = 0; c < k->nkey; c++) {
			rc |= buf_adds(b, ", ");
			rc |= col_expr(b, q, k->v, k->key[c], &named);
			rc |= buf_addf(b, " AS %s_k%zu", m, c);
		}
		rc |= buf_addf(b, ", %s_pos_file, %s_pos_off, %s_pos_row, ", m, m, m);
		if (log)
			rc |= buf_addf(b, "CASE WHEN %s_image = 'A' THEN 2 ELSE 1 END AS %s_rank, "
				       "CASE WHEN %s_image = 'A' THEN 1 ELSE 0 END AS %s_live", m, m, m, m);
		else
			rc |= buf_addf(b, "0 AS %s_rank, 1 AS %s_live", m, m);
		rc |= buf_adds(b, "\n    FROM ");
		if (!log && i > 0) {
			rc |= step(b, q, i - 1);
			continue;
		}
		if (!log) {
			rc |= qident(b, &(struct mc_str){ .p = q->table, .n = strlen(q->table) }, q->dialect);
			rc |= buf_adds(b, " WHERE ");
			rc |= merge_sql_part_where(b, q->base_part);
			continue;
		}
		rc |= merge_sqllay_logsrc(b, q); /* a layout's: a view of it */
		rc |= buf_adds(b, " WHERE ");
		if (i > 0)
			rc |= after(b, q->dialect, &q->kph[i - 1].at, 1);
		else if (q->has_barrier)
			rc |= after(b, q->dialect, &q->barrier, 0);
		else
			rc |= after(b, q->dialect, &q->from, 1);
		rc |= buf_adds(b, " AND ");
		rc |= before(b, q->dialect, &k->at);
		rc |= buf_addf(b, " AND %s_image IS NOT NULL", m);
	}
	rc |= buf_addf(b, "\n    ) u%zu\n    ) w%zu WHERE %s_rn = 1 AND %s_live = 1\n    ) s%zu", i, i, m, m, i);
	return rc ? -1 : 0;
}

int merge_sqlhist_steps(struct mc_buf *b, const struct merge_sql *q)
{
	return step(b, q, q->nkph - 1);
}

int merge_sqlhist_keycheck(struct mc_buf *b, const struct merge_sql *q, size_t i)
{
	struct merge_sql r = *q;
	const char *m = q->dialect == MERGE_SQL_MAXCOMPUTE ? "mc" : "";
	size_t v = q->kph[i].v + 1;
	const struct mc_rec *V = &q->hist->h->v[v].s.rec;
	int rc = 0, named;
	r.nkph = i + 1;
	rc |= merge_sqljson_set(b, q);
	rc |= buf_adds(b, "SELECT COUNT(*) AS n FROM (SELECT ");
	for (size_t c = 0; c < V->nkey; c++)
		rc |= buf_addf(b, "%s%s_n%zu", c ? ", " : "", m, c);
	rc |= buf_adds(b, ", COUNT(*) AS c FROM (SELECT ");
	for (size_t c = 0; c < V->nkey; c++) {
		rc |= buf_adds(b, c ? ", " : "");
		rc |= col_expr(b, &r, v, V->key[c], &named);
		rc |= buf_addf(b, " AS %s_n%zu", m, c);
	}
	rc |= buf_adds(b, " FROM ");
	rc |= step(b, &r, i);
	rc |= buf_adds(b, "\n    ) k GROUP BY ");
	for (size_t c = 0; c < V->nkey; c++)
		rc |= buf_addf(b, "%s%s_n%zu", c ? ", " : "", m, c);
	rc |= buf_adds(b, " HAVING COUNT(*) > 1) d;");
	return rc ? -1 : 0;
}
