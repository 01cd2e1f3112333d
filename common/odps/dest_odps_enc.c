/* dest_odps_enc.c: the records of a commit into Tunnel blocks for the
 * MaxCompute destination (dest_odps.c): each session column found by name
 * among the record's columns and mcsync's own, each value converted by
 * odps_val_conv, cut into blocks of --block-size. */
#include "odps/dest_odps_int.h"

#include <stdatomic.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "wh/layout.h"

static const struct {
	const char *name;
	int plan;
	enum trec_kind kind;
	int log_only;
} metas[] = {
	/* the layout of odps/tables.h */
	{ "mc_op", PLAN_OP, TREC_STRING, 1 },          { "mc_image", PLAN_IMAGE, TREC_STRING, 1 },
	{ "mc_time", PLAN_TIME, TREC_BIGINT, 1 },      { "mc_pos_file", PLAN_FILE, TREC_BIGINT, 0 },
	{ "mc_pos_off", PLAN_OFF, TREC_BIGINT, 0 },    { "mc_pos_row", PLAN_ROW, TREC_BIGINT, 0 },
};

/* ---- records to Tunnel values ---- */


/* ---- across schema versions (docs/maxcompute.md "Schema changes") ---- */

/* r's version in the table's history (w->phist), in w->pver. */
static int hist_plan(struct odd *w, const struct dest_part *p, const struct mc_rec *r,
		     struct mc_err *err)
{
	static const struct mc_pos top = { UINT64_MAX, UINT64_MAX, UINT64_MAX };
	w->pver = -1;
	if (!w->phist)
		return 0;
	w->pver = wh_hist_match(&w->phist->h, r, &r->pos);
	if (w->pver < 0)
		w->pver = wh_hist_match(&w->phist->h, r, &top);
	if (w->pver < 0)
		return mc_errf(err, MC_EXIT_DATA, "%.*s.%.*s: a schema record that is no version of "
			       "the table's schema history ('%s/" ODPS_HISTDIR "/%s.mcr')",
			       (int)r->db.n, r->db.p, (int)r->table.n, r->table.p, w->o.state,
			       w->phist->table);
	(void)p;
	return 0;
}

/* The name of r's column i in MaxCompute: its SQL column's. */
static const struct mc_str *col_name(const struct odd *w, const struct mc_rec *r, size_t i)
{
	const struct wh_sqlhist *x;
	if (w->pver < 0)
		return &r->cols[i].name;
	x = &w->phist->x;
	return &x->pcol[x->phys[w->pver][i]]->name;
}

/* The MaxCompute type of r's column i: its SQL column's (a type widened
 * later in the history: the value is written as the newer type holds it). */
static int hist_map(struct odd *w, const struct mc_rec *r, size_t i, struct odps_colmap *m,
		    struct mc_err *err)
{
	const struct wh_sqlhist *x;
	struct odps_colmap n;
	if (w->pver < 0)
		return 0;
	x = &w->phist->x;
	if (odps_col_map(x->pcol[x->phys[w->pver][i]], r->db, r->table, NULL, &n, err) < 0)
		return -1;
	m->type = n.type;
	m->prec = n.prec;
	m->scale = n.scale;
	memcpy(m->text, n.text, sizeof m->text);
	return 0;
}

/* Whether a column of the MaxCompute table is one of the history's. */
static int hist_has(const struct odd *w, const struct mc_str *name)
{
	if (w->pver < 0)
		return 0;
	for (size_t k = 0; k < w->phist->x.nphys; k++) {
		const struct mc_str *q = &w->phist->x.pcol[k]->name;
		if (q->n == name->n && !strncasecmp(q->p, name->p, name->n))
			return 1;
	}
	return 0;
}

/* A schema record: map its columns, and plan the session's columns from
 * them by name. */
static int plan_schema(struct odd *w, const struct dest_part *p, const struct mc_rec *r,
		       struct mc_err *err)
{
	const struct trec_schema *s = &p->sess.schema;
	struct mc_buf tt = { 0 };
	int rc = 0;
	if (mc_grow(&w->maps, &w->mapcap, r->ncols + 1, sizeof *w->maps) < 0 ||
	    mc_grow(&w->plan, &w->plancap, s->ncols + 1, sizeof *w->plan) < 0 ||
	    mc_grow(&w->ov, &w->valcap, s->ncols + 1, sizeof *w->ov) < 0 ||
	    !(w->tv = realloc(w->tv, (w->valcap ? w->valcap : 1) * sizeof *w->tv)))
		return mc_oom(err, "columns");
	w->nmaps = r->ncols;
	if (hist_plan(w, p, r, err) < 0)
		return -1;
	for (size_t i = 0; i < r->ncols; i++)
		if (odps_col_map(&r->cols[i], r->db, r->table, NULL, &w->maps[i], err) < 0 ||
		    hist_map(w, r, i, &w->maps[i], err) < 0)
			return -1;
	for (size_t i = 0; i < r->ncols && !wh_layout_is_json((enum wh_layout)p->layout); i++) {
		const struct mc_str *nm = col_name(w, r, i);
		size_t j;
		for (j = 0; j < s->ncols; j++)
			if (s->cols[j].name.n == nm->n &&
			    !strncasecmp(s->cols[j].name.p, nm->p, nm->n))
				break;
		if (j == s->ncols)
			return mc_errf(err, MC_EXIT_DATA, "column '%.*s' of %.*s.%.*s is not in the "
				       "MaxCompute table %s (its schema differs: alter or recreate it)",
				       (int)r->cols[i].name.n, r->cols[i].name.p, (int)r->db.n,
				       r->db.p, (int)r->table.n, r->table.p, p->table);
	}
	for (size_t j = 0; j < s->ncols && rc == 0; j++) {
		const struct trec_col *c = &s->cols[j];
		int want = 0, found = 0;
		w->plan[j] = 0;
		if (p->is_log && p->layout && odd_lay_plan(p, c->name.p, c->name.n, &w->plan[j], &want))
			found = 1;
		for (size_t m = 0; m < sizeof metas / sizeof metas[0] && !(p->is_log && p->layout);
		     m++)
			if (strlen(metas[m].name) == c->name.n &&
			    !strncasecmp(metas[m].name, c->name.p, c->name.n) &&
			    (p->is_log || !metas[m].log_only)) {
				w->plan[j] = metas[m].plan;
				want = metas[m].kind;
				found = 1;
			}
		for (size_t i = 0; i < r->ncols && !found; i++)
			if (col_name(w, r, i)->n == c->name.n &&
			    !strncasecmp(col_name(w, r, i)->p, c->name.p, c->name.n)) {
				w->plan[j] = (int)i;
				want = odps_trec_kind(w->maps[i].type);
				found = 1;
				if (want == TREC_DECIMAL && c->type.kind == TREC_DECIMAL &&
				    c->type.prec && (c->type.prec != w->maps[i].prec ||
						     c->type.scale != w->maps[i].scale))
					want = -1;
			}
		if (!found && (w->o.proceed || hist_has(w, &c->name))) {
			/* a column of another version of the history: NULL */
			w->plan[j] = PLAN_NULL; /* checked nullable: MaxCompute columns are */
			continue;
		}
		if (!found) {
			rc = mc_errf(err, MC_EXIT_DATA, "MaxCompute table %s has a column '%.*s' that "
				     "%.*s.%.*s does not (its schema differs: alter or recreate it)",
				     p->table, (int)c->name.n, c->name.p, (int)r->db.n, r->db.p,
				     (int)r->table.n, r->table.p);
		} else if (want != c->type.kind) {
			tt.len = 0;
			trec_type_text(&c->type, &tt);
			buf_addc(&tt, '\0');
			rc = mc_errf(err, MC_EXIT_DATA, "column '%.*s' of MaxCompute table %s is %s, "
				     "mcsync writes %s there (%s): alter or recreate the table",
				     (int)c->name.n, c->name.p, p->table, tt.p ? tt.p : "?",
				     w->plan[j] >= 0 ? w->maps[w->plan[j]].text
				     : trec_kind_name((enum trec_kind)want),
				     w->plan[j] >= 0 ? w->maps[w->plan[j]].where : "mcsync's own column");
		}
	}
	buf_free(&tt);
	return rc;
}

static void tv_of(const struct odps_val *o, struct trec_val *t)
{
	memset(t, 0, sizeof *t);
	switch (o->kind) {
	case ODPS_V_NULL: t->null = true; break;
	case ODPS_V_INT: case ODPS_V_DATE: case ODPS_V_MILLIS: t->u.i = o->i; break;
	case ODPS_V_F32: t->u.f32 = o->f32; break;
	case ODPS_V_F64: t->u.f64 = o->f64; break;
	case ODPS_V_BYTES: case ODPS_V_DECIMAL: t->u.s.p = o->p; t->u.s.n = o->n; break;
	case ODPS_V_SECNANO: t->u.ts.sec = o->i; t->u.ts.nsec = o->nanos; break;
	}
}

/* One row image into the encoder. */
static int add_image(struct odd *w, struct dest_part *p, struct trec_enc *e,
		     const struct mc_rec *r, const struct mc_val *v, size_t nv, const char *img,
		     struct mc_err *err)
{
	static const char *const ops[] = { "S", "I", "U", "D" };
	size_t n = p->sess.schema.ncols;
	for (size_t j = 0; j < n; j++) {
		struct trec_val *t = &w->tv[j];
		int k = w->plan[j];
		memset(t, 0, sizeof *t);
		switch (k) {
		case PLAN_OP:
			t->u.s = mc_str_c(ops[r->op < MC_OP_N ? r->op : 0], 1);
			break;
		case PLAN_IMAGE:
			t->u.s = mc_str_c(img, 1);
			break;
		case PLAN_TIME: t->u.i = r->time; break;
		case PLAN_FILE: t->u.i = (int64_t)r->pos.file; break;
		case PLAN_OFF: t->u.i = (int64_t)r->pos.off; break;
		case PLAN_ROW: t->u.i = (int64_t)r->pos.row; break;
		case PLAN_NULL: t->null = true; break;
		default:
			if ((size_t)k >= nv) {
				struct mc_val a = { .kind = MC_V_ABSENT };
				if (odps_val_conv(&w->maps[k], &a, &r->pos, &w->ov[j], err) < 0)
					return -1;
			} else if (odps_val_conv(&w->maps[k], &v[k], &r->pos, &w->ov[j], err) < 0) {
				return -1;
			}
			tv_of(&w->ov[j], t);
		}
	}
	if (trec_enc_add(e, w->tv, n, err) < 0)
		return mc_errctx(err, "table %s: ", p->table);
	odd_note_row(p, &r->pos);
	return 0;
}

void odd_note_row(struct dest_part *q, const struct mc_pos *pos)
{
	/* the row as the state mirror counts it (odps/mirror.h) */
	q->images++;
	if (!q->has_tpos) {
		q->tlo = q->thi = *pos;
		q->nthi = 1;
		q->has_tpos = 1;
	} else {
		int c = pos_cmp(pos, &q->thi);
		if (c > 0) {
			q->thi = *pos;
			q->nthi = 1;
		} else if (c == 0) {
			q->nthi++;
		}
		if (pos_cmp(pos, &q->tlo) < 0)
			q->tlo = *pos;
	}
}

/* The marker of a table-replacing DDL into the log table: mc_op (T, X,
 * C or R: wh_layout_marker), the position, every other column NULL. */
static int add_marker(struct odd *w, struct dest_part *p, struct trec_enc *e,
		      const struct mc_rec *r, struct mc_err *err)
{
	const char *op = wh_layout_marker(r->effect);
	size_t n = p->sess.schema.ncols;
	if (!op || !p->is_log) {
		char pos[64];
		pos_format(&r->pos, pos, sizeof pos);
		return mc_errf(err, MC_EXIT_DATA, "internal: the DDL at %s bound for %s", pos,
			       p->table);
	}
	if (mc_grow(&w->ov, &w->valcap, n + 1, sizeof *w->ov) < 0) /* tv: valcap too */
		return mc_oom(err, "columns");
	{
		struct trec_val *tv = realloc(w->tv, w->valcap * sizeof *w->tv);
		if (!tv)
			return mc_oom(err, "columns");
		w->tv = tv;
	}
	for (size_t j = 0; j < n; j++) {
		const struct mc_str *c = &p->sess.schema.cols[j].name;
		struct trec_val *t = &w->tv[j];
		memset(t, 0, sizeof *t);
		t->null = true;
		for (size_t m = 0; m < sizeof metas / sizeof metas[0]; m++) {
			if (strlen(metas[m].name) != c->n || strncasecmp(metas[m].name, c->p, c->n))
				continue;
			t->null = false;
			switch (metas[m].plan) {
			case PLAN_OP: t->u.s = mc_str_c(op, 1); break;
			case PLAN_FILE: t->u.i = (int64_t)r->pos.file; break;
			case PLAN_OFF: t->u.i = (int64_t)r->pos.off; break;
			case PLAN_ROW: t->u.i = (int64_t)r->pos.row; break;
			case PLAN_TIME: /* in the companion table, not in T_log */
				t->null = !p->is_ddl;
				t->u.i = r->time;
				break;
			default: t->null = true; break; /* mc_image */
			}
		}
		if (p->is_ddl && odd_ddl_col(p, c, r, t, err) < 0)
			return -1;
	}
	if (trec_enc_add(e, w->tv, n, err) < 0)
		return mc_errctx(err, "table %s: ", p->table);
	/* counted as a row: --recover counts every row of the range */
	odd_note_row(p, &r->pos);
	return 0;
}

static int cut_block(struct dest_part *p, struct trec_enc *e, struct mc_err *err)
{
	if (p->pipe) /* compressed and sent while the next is encoded */
		return odd_pipe_block(p, e, err);
	if (mc_grow(&p->blocks, &p->bcap, p->nblocks + 1, sizeof *p->blocks) < 0)
		return mc_oom(err, "blocks");
	memset(&p->blocks[p->nblocks], 0, sizeof p->blocks[0]);
	if (trec_enc_finish(e, &p->blocks[p->nblocks], NULL, err) < 0)
		return -1;
	p->nblocks++;
	return 0;
}

int odd_enc_start(struct odd *w, struct dest_part *p, struct odd_enc *x, struct mc_err *err)
{
	/* deflate's segments on a worker per CPU (up to 4) while this thread
	 * encodes, unless the pipeline's workers compress the blocks */
	struct trec_enc_opts eo = {
		.comp = p->pipe ? TREC_RAW : w->o.comp,
		.block_size = w->o.block_size,
		.max_field = p->sess.max_field,
		.threads = p->pipe || odd_cpus(4) < 2 ? 0 : odd_cpus(4),
	};
	memset(x, 0, sizeof *x);
	if (trec_enc_init(&x->e, &p->sess.schema, &eo, err) < 0)
		return -1;
	x->live = 1;
	/* in the pipeline (no compressor inside the encoder), the block
	 * memory of the last encoder: its pages are not cleared again, and
	 * there is room for a whole block from the start (its first block
	 * does not grow by copies) */
	if (!p->pipe)
		return 0;
	x->pipe = 1;
	x->e.raw = w->eraw;
	memset(&w->eraw, 0, sizeof w->eraw);
	x->e.raw.len = 0;
	if (buf_grow(&x->e.raw, (w->o.block_size ? w->o.block_size : TREC_BLOCK_SIZE) +
					   (64u << 10)) < 0) {
		odd_enc_free(w, x);
		return mc_oom(err, "a Tunnel block");
	}
	return 0;
}

void odd_enc_free(struct odd *w, struct odd_enc *x)
{
	if (x->live && x->pipe && !w->eraw.cap) { /* kept for the next encoder */
		w->eraw = x->e.raw;
		w->eraw.len = 0;
		memset(&x->e.raw, 0, sizeof x->e.raw);
	}
	if (x->live)
		trec_enc_free(&x->e);
	x->live = 0;
}

/* Going on with recs where an earlier call stopped (the records may have
 * moved since): the plan of the schema record in force made again. */
static int replan(struct odd *w, struct dest_part *p, struct odd_enc *x, const char *recs,
		  size_t len, struct mc_err *err)
{
	struct mc_rec r;
	size_t used;
	if (x->planned == 2)
		return odd_lay_plan_bare(w, p, err);
	if (x->planned != 1)
		return 0;
	if (x->sch_at >= len ||
	    rec_decode(recs + x->sch_at, len - x->sch_at, 0, &used, &r, &w->sc, err) != 1 ||
	    r.kind != MC_R_SCHEMA)
		return mc_errf(err, MC_EXIT_DATA, "internal: the schema record of %s moved",
			       p->table);
	if (plan_schema(w, p, &r, err) < 0)
		return -1;
	if (p->is_log && wh_layout_is_json((enum wh_layout)p->layout))
		return odd_lay_json_schema(w, recs + x->sch_at, used, err);
	return 0;
}

int odd_enc_run(struct odd *w, struct dest_part *p, struct odd_enc *x, const char *recs,
		size_t len, struct mc_err *err)
{
	struct trec_enc *e = &x->e;
	size_t at = x->at;
	int rc = 0;
	if (at && replan(w, p, x, recs, len, err) < 0)
		return -1;
	while (rc == 0 && at < len) {
		struct mc_rec r;
		size_t used;
		if (x->brk && atomic_load_explicit(x->brk, memory_order_relaxed))
			break; /* (its caller's: at a record's end) */
		if (rec_decode(recs + at, len - at, 0, &used, &r, &w->sc, err) != 1) {
			rc = mc_errf(err, MC_EXIT_DATA, "internal: the rows of %s do not decode",
				     p->table);
			break;
		}
		at += used;
		if (r.kind == MC_R_SCHEMA) {
			rc = plan_schema(w, p, &r, err);
			if (rc == 0 && p->is_log && wh_layout_is_json((enum wh_layout)p->layout))
				rc = odd_lay_json_schema(w, recs + at - used, used, err);
			x->planned = rc == 0;
			x->sch_at = at - used;
			continue;
		}
		if (p->is_log && p->layout && (r.kind == MC_R_DDL || r.kind == MC_R_ROW)) {
			/* the rows of the log layout (wh_layout_rows) */
			if (!x->planned && r.kind == MC_R_DDL) {
				if ((rc = odd_lay_plan_bare(w, p, err)) < 0)
					break;
				x->planned = 2; /* the layout's columns only */
			}
			if (!x->planned || (x->planned == 2 && r.kind == MC_R_ROW)) {
				rc = mc_errf(err, MC_EXIT_DATA, "internal: rows of %s before their "
					     "schema", p->table);
				break;
			}
			rc = odd_lay_rec(w, p, e, &r, err);
			if (rc == 0 && trec_enc_full(e))
				rc = cut_block(p, e, err);
			continue;
		}
		if (r.kind == MC_R_DDL) {
			/* a TRUNCATE, DROP, CREATE or RENAME of the table (the sink
			 * passes only those): its marker row (docs/merge.md "DDL") */
			rc = add_marker(w, p, e, &r, err);
			if (rc == 0 && trec_enc_full(e))
				rc = cut_block(p, e, err);
			continue;
		}
		if (r.kind != MC_R_ROW)
			continue;
		if (!x->planned) {
			rc = mc_errf(err, MC_EXIT_DATA, "internal: rows of %s before their schema",
				     p->table);
			break;
		}
		if (!p->is_log) {
			if (!r.after) {
				char pos[64];
				pos_format(&r.pos, pos, sizeof pos);
				rc = mc_errf(err, MC_EXIT_DATA, "a %s of %.*s.%.*s at %s goes to the base "
					     "table %s, which holds rows, not changes (use --route=op "
					     "or log)", rec_op_name(r.op), (int)r.db.n, r.db.p,
					     (int)r.table.n, r.table.p, pos, p->table);
				break;
			}
			rc = add_image(w, p, e, &r, r.after, r.nafter, "A", err);
		} else {
			if (r.before)
				rc = add_image(w, p, e, &r, r.before, r.nbefore, "B", err);
			if (rc == 0 && r.after)
				rc = add_image(w, p, e, &r, r.after, r.nafter, "A", err);
		}
		if (rc == 0 && trec_enc_full(e))
			rc = cut_block(p, e, err);
	}
	x->at = at;
	return rc;
}

int odd_enc_end(struct odd *w, struct dest_part *p, struct odd_enc *x, struct mc_err *err)
{
	int rc = 0;
	if (trec_enc_records(&x->e) > 0 || p->nblocks == 0)
		rc = cut_block(p, &x->e, err);
	odd_enc_free(w, x);
	return rc;
}

int odd_encode(struct odd *w, struct dest_part *p, const struct dest_rows *rows,
	       struct mc_err *err)
{
	struct odd_enc x;
	if (odd_enc_start(w, p, &x, err) < 0)
		return -1;
	if (odd_enc_run(w, p, &x, rows->recs, rows->len, err) < 0) {
		odd_enc_free(w, &x);
		return -1;
	}
	return odd_enc_end(w, p, &x, err);
}

/* A new session for p, and every block of p PUT into it. */
