/* dest_odps_lay.c: a log table's rows in a log layout other than mcsync's
 * (wh/layout.h; docs/maxcompute.md "Tables"): the session's columns
 * planned by the layout's names, each record's rows made by
 * wh_layout_rows. */
#include "odps/dest_odps_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "wh/layout.h"

int odd_lay_plan(const struct dest_part *p, const char *n, size_t nn, int *plan, int *kind)
{
	const struct wh_lcol *c;
	size_t k;
	if (wh_layout_is_json((enum wh_layout)p->layout) && strlen(WH_LAYOUT_JSON_COL) == nn &&
	    !strncasecmp(WH_LAYOUT_JSON_COL, n, nn)) {
		*plan = PLAN_LJSON;
		*kind = TREC_STRING;
		return 1;
	}
	for (int part = 0; part < 2; part++) {
		k = part ? wh_layout_tail((enum wh_layout)p->layout, &c)
			 : wh_layout_head((enum wh_layout)p->layout, &c);
		for (size_t i = 0; i < k; i++)
			if (strlen(c[i].name) == nn && !strncasecmp(c[i].name, n, nn)) {
				*plan = (part ? PLAN_LTAIL : PLAN_LHEAD) - (int)i;
				*kind = strcmp(c[i].type, "BIGINT") == 0 ? TREC_BIGINT : TREC_STRING;
				return 1;
			}
	}
	return 0;
}

int odd_lay_plan_bare(struct odd *w, const struct dest_part *p, struct mc_err *err)
{
	const struct trec_schema *s = &p->sess.schema;
	if (mc_grow(&w->plan, &w->plancap, s->ncols + 1, sizeof *w->plan) < 0 ||
	    mc_grow(&w->ov, &w->valcap, s->ncols + 1, sizeof *w->ov) < 0)
		return mc_oom(err, "columns");
	{
		struct trec_val *tv = realloc(w->tv, w->valcap * sizeof *w->tv);
		if (!tv)
			return mc_oom(err, "columns");
		w->tv = tv;
	}
	w->nmaps = 0;
	for (size_t j = 0; j < s->ncols; j++) {
		int kind;
		if (!odd_lay_plan(p, s->cols[j].name.p, s->cols[j].name.n, &w->plan[j], &kind))
			w->plan[j] = PLAN_NULL;
	}
	return 0;
}

struct lay_ctx {
	struct odd *w;
	struct dest_part *p;
	struct trec_enc *e;
	const struct mc_rec *r;
};

static void tv_val(const struct mc_val *v, struct trec_val *t)
{
	memset(t, 0, sizeof *t);
	if (v->kind == MC_V_INT)
		t->u.i = v->v.i;
	else if (v->kind == MC_V_STR)
		t->u.s = v->v.s;
	else
		t->null = true;
}

/* One row of the layout into the encoder. */
static int lay_row(void *ctx, const struct wh_lrow *row, struct mc_err *err)
{
	struct lay_ctx *x = ctx;
	struct odd *w = x->w;
	size_t n = x->p->sess.schema.ncols;
	for (size_t j = 0; j < n; j++) {
		struct trec_val *t = &w->tv[j];
		int k = w->plan[j];
		memset(t, 0, sizeof *t);
		if (k == PLAN_LJSON) { /* the image's JSON text (dest_odps_json.c) */
			if (row->img && row->nimg == 1)
				t->u.s = row->img[0].v.s;
			else
				t->null = true;
		} else if (k <= PLAN_LTAIL && (size_t)(PLAN_LTAIL - k) < row->ntail) {
			tv_val(&row->tail[PLAN_LTAIL - k], t);
		} else if (k <= PLAN_LHEAD && k > PLAN_LTAIL && (size_t)(PLAN_LHEAD - k) < row->nhead) {
			tv_val(&row->head[PLAN_LHEAD - k], t);
		} else if (k < 0 || !row->img) {
			t->null = true; /* PLAN_NULL, a layout column the row has not, a DDL row */
		} else {
			struct mc_val a = { .kind = MC_V_ABSENT };
			if (odps_val_conv(&w->maps[k], (size_t)k < row->nimg ? &row->img[k] : &a,
					  &x->r->pos, &w->ov[j], err) < 0)
				return -1;
			/* as dest_odps_enc.c's tv_of */
			switch (w->ov[j].kind) {
			case ODPS_V_NULL: t->null = true; break;
			case ODPS_V_INT: case ODPS_V_DATE: case ODPS_V_MILLIS: t->u.i = w->ov[j].i; break;
			case ODPS_V_F32: t->u.f32 = w->ov[j].f32; break;
			case ODPS_V_F64: t->u.f64 = w->ov[j].f64; break;
			case ODPS_V_BYTES: case ODPS_V_DECIMAL:
				t->u.s.p = w->ov[j].p;
				t->u.s.n = w->ov[j].n;
				break;
			case ODPS_V_SECNANO:
				t->u.ts.sec = w->ov[j].i;
				t->u.ts.nsec = w->ov[j].nanos;
				break;
			}
		}
	}
	if (trec_enc_add(x->e, w->tv, n, err) < 0)
		return mc_errctx(err, "table %s: ", x->p->table);
	odd_note_row(x->p, &x->r->pos);
	return 0;
}

int odd_lay_rec(struct odd *w, struct dest_part *p, struct trec_enc *e, const struct mc_rec *r,
		struct mc_err *err)
{
	struct lay_ctx x = { w, p, e, r };
	if (r->kind == MC_R_DDL && !wh_layout_has_ddl((enum wh_layout)p->layout))
		return 0; /* DTS writes no DDL into its log table: its marker is in
			   * the companion T_log_ddl (dest_odps_ddl.c) */
	if (r->kind == MC_R_ROW && !r->before && !r->after)
		return 0;
	if (wh_layout_is_json((enum wh_layout)p->layout))
		return odd_lay_json_rows(w, r, lay_row, &x, err);
	return wh_layout_rows((enum wh_layout)p->layout, r, NULL, lay_row, &x, err);
}
