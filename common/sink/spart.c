/* spart.c: a log row's partition taken from the stream (docs/mc-tunnel-put.md
 * "Partitions from the stream"): the header entry partition_column names a
 * column (mc-transform's partitions rule adds it) whose value in the row is
 * its partition spec. */
#include <stdio.h>
#include <string.h>

#include "sink/sink_int.h"
#include "wh/wh.h"

void sink_spart_header(struct sink *s, const struct mc_rec *r)
{
	s->pcol[0] = '\0';
	for (size_t i = 0; i < r->nmeta; i++)
		if (r->meta[i].k.n == 16 && memcmp(r->meta[i].k.p, "partition_column", 16) == 0 &&
		    r->meta[i].v.n < sizeof s->pcol) {
			memcpy(s->pcol, r->meta[i].v.p, r->meta[i].v.n);
			s->pcol[r->meta[i].v.n] = '\0';
		}
}

int sink_spart(const struct sink *s, const struct rio_reader *rd, const struct sink_tab *t,
	       const struct mc_rec *r, int is_log, char *out, size_t outsz, struct mc_err *err)
{
	const struct mc_rec *sc = &t->schema.rec;
	const struct mc_val *img, *v;
	size_t col = sc->ncols, n = strlen(s->pcol);
	unsigned long long rec = (unsigned long long)rd->recno;
	if (!n)
		return 0;
	for (size_t i = 0; i < sc->ncols && col == sc->ncols; i++)
		if (sc->cols[i].name.n == n && memcmp(sc->cols[i].name.p, s->pcol, n) == 0)
			col = i;
	if (col == sc->ncols)
		return 0; /* a table the rules give no partition */
	if (s->o.route == SINK_ROUTE_BASE)
		return mc_errf(err, MC_EXIT_USAGE, "record %llu: the stream chooses the partition of "
			       "'%s.%s' (its header's partition_column '%s'), but --route=base puts "
			       "every row into the base table, whose partitions are the merge's days: "
			       "use --route=op or --route=log", rec, t->db, t->table, s->pcol);
	if (!is_log)
		return 0; /* the base table keeps its day partition */
	if (s->o.upsert)
		return mc_errf(err, MC_EXIT_USAGE, "record %llu: the stream chooses the partition of "
			       "'%s.%s' (its header's partition_column '%s'): --mode=upsert keeps a "
			       "key in one partition (--partition, or none)", rec, t->db, t->table,
			       s->pcol);
	if (s->o.part)
		return mc_errf(err, MC_EXIT_USAGE, "record %llu: the stream chooses the partition of "
			       "'%s.%s' (its header's partition_column '%s'), and --partition names "
			       "one: give one of them", rec, t->db, t->table, s->pcol);
	img = r->op == MC_OP_DELETE ? r->before : r->after;
	v = img ? &img[col] : NULL;
	if (!v || v->kind != MC_V_STR || v->v.s.n == 0 || v->v.s.n >= outsz ||
	    v->v.s.n >= 256) {
		return mc_errf(err, MC_EXIT_DATA, "record %llu: the partition column '%s' of '%s.%s' "
			       "holds %s in the %s image, not a partition spec (KEY=VALUE[/...])",
			       rec, s->pcol, t->db, t->table,
			       !v ? "nothing" : v->kind == MC_V_NULL ? "NULL" :
			       v->kind == MC_V_ABSENT ? "no value" : "a value too long or not a text",
			       r->op == MC_OP_DELETE ? "before" : "after");
	}
	memcpy(out, v->v.s.p, v->v.s.n);
	out[v->v.s.n] = '\0';
	if (!wh_part_ok(out))
		return mc_errf(err, MC_EXIT_DATA, "record %llu: the partition column '%s' of '%s.%s' "
			       "holds '%.100s', not a partition spec (KEY=VALUE[/...], keys of "
			       "[a-z0-9_], values of [A-Za-z0-9_.-])", rec, s->pcol, t->db, t->table,
			       out);
	if (s->d->ops->kind && !sink_local(s) &&
	    !(strncmp(out, "ds=", 3) == 0 && !strchr(out, '/')))
		return mc_errf(err, MC_EXIT_DATA, "record %llu: the partition '%.100s' of '%s.%s' "
			       "(from the stream) is not ds=VALUE: the %s destination's tables are "
			       "partitioned by (ds STRING) only; give the rules one level, key ds",
			       rec, out, t->db, t->table, s->d->ops->kind);
	return 1;
}
