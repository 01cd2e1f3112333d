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
	char q = d == MERGE_SQL_SQLITE ? '"' : '`';
	int rc = buf_addc(b, q);
	for (size_t i = 0; i < n->n && rc == 0; i++) {
		rc = buf_addc(b, n->p[i]);
		if (n->p[i] == q && rc == 0)
			rc = buf_addc(b, q);
	}
	return rc < 0 ? -1 : buf_addc(b, q);
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

/* A literal value of target column T */
static int literal(struct mc_buf *b, const struct merge_sql *q, const struct mc_val *v,
		   const struct mc_col *T)
{
	int d = q->dialect, rc = 0, cast = d == MERGE_SQL_MAXCOMPUTE;
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
		rc |= buf_addf(b, "%" PRIu64, v->v.u);
		break;
	case MC_V_F32:
		rc |= buf_addf(b, "%.17g", (double)v->v.f32);
		break;
	case MC_V_F64:
		rc |= buf_addf(b, "%.17g", v->v.f64);
		break;
	default:
		rc |= buf_addc(b, '\'');
		for (size_t i = 0; i < v->v.s.n; i++) {
			char ch = v->v.s.p[i];
			if (d == MERGE_SQL_MAXCOMPUTE && (ch == '\'' || ch == '\\'))
				rc |= buf_addc(b, '\\');
			else if (ch == '\'')
				rc |= buf_addc(b, '\'');
			rc |= buf_addc(b, ch);
		}
		rc |= buf_addc(b, '\'');
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

int merge_sqlhist_select(struct mc_buf *b, const struct merge_sql *q)
{
	const struct wh_sqlhist *x = q->hist;
	size_t t = q->hist_target;
	const struct mc_rec *TR = &x->h->v[t].s.rec;
	int rc = 0, d = q->dialect;
	for (size_t c = 0; c < TR->ncols && rc == 0; c++) {
		const struct mc_col *T = &TR->cols[c];
		size_t p = x->phys[t][c];
		int plain = 1;
		for (size_t w = q->hist_lo; w < t && plain; w++) {
			long i = wh_sqlhist_col(x, w, p);
			char why[8];
			int arg;
			plain = i >= 0 &&
				wh_type_conv(&x->h->v[w].s.rec.cols[i], T, &arg, why, sizeof why) ==
					WH_CV_SAME;
		}
		rc |= buf_adds(b, c ? ", " : "");
		if (!plain) {
			rc |= buf_adds(b, "CASE");
			for (size_t w = q->hist_lo; w < t && rc == 0; w++) {
				long i = wh_sqlhist_col(x, w, p);
				rc |= buf_adds(b, " WHEN ");
				rc |= before(b, d, &x->h->v[w + 1].start);
				rc |= buf_adds(b, " THEN ");
				rc |= i >= 0 ? conv_ref(b, q, p, &x->h->v[w].s.rec.cols[i], T)
					     : def_expr(b, q, w, p, T);
			}
			rc |= buf_adds(b, " ELSE ");
		}
		rc |= conv_ref(b, q, p, T, T);
		if (!plain)
			rc |= buf_adds(b, " END");
		if (!plain || !same_type(&x->pcol[p]->name, &T->name) ||
		    (d == MERGE_SQL_MAXCOMPUTE && !same_type(&x->pcol[p]->mc_type, &T->mc_type))) {
			rc |= buf_adds(b, " AS ");
			rc |= qident(b, &T->name, d);
		}
	}
	return rc ? -1 : 0;
}
