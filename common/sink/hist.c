/* hist.c: the statements of a table's schema history (docs/warehouse.md
 * "Schema history"): an ALTER TABLE record of a table the warehouse holds
 * goes with the table's log partition buffer to the destination at the
 * next commit, which adds it to the history beside the schema records
 * (the warehouse's _schemahist.mcr; MaxCompute's in its --state). */
#include <string.h>

#include "base/alloc.h"
#include "sink/sink_int.h"
#include "wh/schemahist.h"

/* The destinations that keep a schema history: the warehouse, and
 * MaxCompute's batch upload (its --state, docs/maxcompute.md "Schema
 * changes"). */
static int is_warehouse(const struct sink *s)
{
	return s->d && s->d->ops &&
	       (strcmp(s->d->ops->kind, "warehouse") == 0 || strcmp(s->d->ops->kind, "MaxCompute") == 0);
}

int sink_hist_pending(const struct sink *s, const struct sink_pbuf *p)
{
	return p->is_log && p->hist.len > 0 && is_warehouse(s);
}

/* The buffer of t's log partition now. */
static struct sink_pbuf *log_pbuf(struct sink *s, struct sink_tab *t, struct mc_err *err)
{
	struct sink_pbuf *p;
	char part[512];
	sink_part_for(s, t, 1, part, sizeof part);
	if (!(p = t->last_log) || strcmp(p->part, part) != 0) {
		if (!(p = sink_pbuf_get(s, t->name, 1, part, err)))
			return NULL;
		t->last_log = p;
	}
	return p;
}

int sink_hist_close(struct sink *s, struct sink_tab *t, const struct mc_rec *r,
		    struct mc_err *err)
{
	struct sink_pbuf *p;
	struct mc_rec c;
	t->alter_cols = 0;
	if (!is_warehouse(s) || r->op == MC_OP_SNAPSHOT || !(p = log_pbuf(s, t, err)))
		return is_warehouse(s) && r->op != MC_OP_SNAPSHOT ? -1 : 0;
	c = t->schema.rec;
	c.pos = r->pos;
	c.time = r->time;
	return rec_encode(&p->hist, &c, err);
}

int sink_hist_repeat(struct sink *s, const struct mc_rec *r, struct mc_err *err)
{
	struct sink_tab *t;
	if (r->effect != MC_DDL_ALTER || !r->table.n || !is_warehouse(s) ||
	    s->o.route == SINK_ROUTE_BASE || !(t = sink_tab_find(s, r, 0, err)))
		return 0;
	switch (wh_alter_has_cols(r->sql.p, r->sql.n)) {
	case -1: return mc_oom(err, "a statement's clauses");
	case 1: t->alter_cols = 1; break;
	default: break;
	}
	return 0;
}

int sink_hist_ddl(struct sink *s, const struct mc_rec *r, struct mc_err *err)
{
	struct sink_tab *t;
	struct sink_pbuf *p;
	struct mc_rec c;
	char nk[700];
	if (!is_warehouse(s) || s->o.route == SINK_ROUTE_BASE || s->o.resnap)
		return 0;
	ledger_name_key(r->db.p, r->db.n, r->table.p, r->table.n, nk, sizeof nk);
	if (!(t = sink_tab_find(s, r, 0, err))) {
		if (!ledger_name_get(&s->L, nk))
			return 0; /* a table the warehouse does not hold */
		if (!(t = sink_tab_find(s, r, 1, err)))
			return -1;
	}
	/* of the source table and server the warehouse table holds, as a
	 * replacing DDL (sink.c on_ddl) */
	if (!s->mdest && !t->merge &&
	    (sink_ddl_source(s, r, t, err) < 0 ||
	     sink_ddl_origin(s, sink_src(s)->src_id, s->dest_names, r, t->name, err) < 0))
		return -1;
	if (!(p = log_pbuf(s, t, err)))
		return -1;
	c = *r;
	c.src_table.n = 0; /* the history names the table by its own name */
	/* A statement that adds, drops, renames or modifies columns: the
	 * next schema record is kept (a version of the history) even when
	 * the columns come out as before (DROP w, ADD w DEFAULT 'zz';
	 * MODIFY g ... AS (expr)), so that the merge crosses it: it stayed
	 * pending, and the older rows kept what the server had replaced.
	 * One the merge cannot read changes nothing here (as before). */
	switch (wh_alter_has_cols(r->sql.p, r->sql.n)) {
	case -1: return mc_oom(err, "a statement's clauses");
	case 1: t->alter_cols = 1; break;
	default: break;
	}
	return rec_encode(&p->hist, &c, err);
}
