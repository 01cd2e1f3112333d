/* summary.c: counts of a record stream. */
#include "stream/summary.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

static struct summary_table *table_get(struct summary *s, const struct mc_rec *r,
				       struct mc_err *err)
{
	struct summary_table *t;
	char *name;

	/* Consecutive records usually name the same table: check the last hit. */
	if (s->last < s->n && rec_is_table(r, s->t[s->last].name))
		return &s->t[s->last];
	for (size_t i = 0; i < s->n; i++)
		if (rec_is_table(r, s->t[i].name))
			return &s->t[s->last = i];
	if (!(name = malloc(r->db.n + r->table.n + 2)) ||
	    mc_push(&s->t, &s->n, &s->cap, sizeof *s->t) < 0) {
		free(name);
		mc_oom(err, "summary");
		return NULL;
	}
	memcpy(name, r->db.p, r->db.n);
	name[r->db.n] = '.';
	memcpy(name + r->db.n + 1, r->table.p, r->table.n);
	name[r->db.n + 1 + r->table.n] = 0;
	t = &s->t[s->last = s->n - 1];
	memset(t, 0, sizeof *t);
	t->name = name;
	return t;
}

int summary_rec(struct summary *s, const struct mc_rec *r, struct mc_err *err)
{
	struct summary_table *t;

	switch (r->kind) {
	case MC_R_HEADER:
		s->streams++;
		return 0;
	case MC_R_TRAILER:
		s->trailers_ok++;
		return 0;
	case MC_R_SCHEMA:
		if (!(t = table_get(s, r, err)))
			return -1;
		t->schemas++;
		break;
	case MC_R_ROW:
		if (!(t = table_get(s, r, err)))
			return -1;
		t->ops[r->op]++;
		break;
	case MC_R_DDL:
		if (!r->table.n) {
			s->ddl_other++;
			break;
		}
		if (!(t = table_get(s, r, err)))
			return -1;
		t->ddls++;
		break;
	case MC_R_MARK:
		s->marks[r->mark]++;
		break;
	default:
		break;
	}
	s->records++;
	if (!s->have_pos || pos_cmp(&r->pos, &s->lo) < 0)
		s->lo = r->pos;
	if (!s->have_pos || pos_cmp(&r->pos, &s->hi) > 0)
		s->hi = r->pos;
	s->have_pos = 1;
	return 0;
}

static int table_cmp(const void *a, const void *b)
{
	return strcmp(((const struct summary_table *)a)->name,
		      ((const struct summary_table *)b)->name);
}

int summary_print(struct summary *s, struct mc_buf *b, const struct mc_err *failure,
		  struct mc_err *err)
{
	char lo[64], hi[64];
	int w = 5, rc = 0;

	qsort(s->t, s->n, sizeof *s->t, table_cmp);
	s->last = 0;
	for (size_t i = 0; i < s->n; i++)
		if ((int)strlen(s->t[i].name) > w)
			w = (int)strlen(s->t[i].name);
	rc |= buf_addf(b, "streams: %" PRIu64 ", records: %" PRIu64 "\n", s->streams, s->records);
	if (failure)
		rc |= buf_addf(b, "check: FAILED: %s\n", failure->msg);
	else
		rc |= buf_addf(b, "check: ok, %" PRIu64 " trailer%s match\n", s->trailers_ok,
			       s->trailers_ok == 1 ? "" : "s");
	if (s->have_pos) {
		pos_format(&s->lo, lo, sizeof lo);
		pos_format(&s->hi, hi, sizeof hi);
		rc |= buf_addf(b, "positions: %s .. %s\n", lo, hi);
	} else {
		rc |= buf_addf(b, "positions: none\n");
	}
	rc |= buf_addf(b, "%-*s %10s %10s %10s %10s %7s %5s\n", w, "table", "snapshot", "insert",
		       "update", "delete", "schema", "ddl");
	for (size_t i = 0; i < s->n; i++) {
		const struct summary_table *t = &s->t[i];
		rc |= buf_addf(b, "%-*s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
			       " %7" PRIu64 " %5" PRIu64 "\n", w, t->name, t->ops[0], t->ops[1],
			       t->ops[2], t->ops[3], t->schemas, t->ddls);
	}
	rc |= buf_addf(b, "marks: heartbeat %" PRIu64 ", chunk_end %" PRIu64 ", txn_end %" PRIu64
		       ", snapshot_end %" PRIu64, s->marks[0], s->marks[1], s->marks[2],
		       s->marks[3]);
	/* (only when there are some: the line of streams without them as it was) */
	if (s->marks[MC_MARK_BINLOG_START])
		rc |= buf_addf(b, ", binlog_start %" PRIu64, s->marks[MC_MARK_BINLOG_START]);
	rc |= buf_addf(b, "\n");
	if (s->ddl_other)
		rc |= buf_addf(b, "ddl without a table: %" PRIu64 "\n", s->ddl_other);
	return rc < 0 ? mc_oom(err, "summary") : 0;
}

void summary_free(struct summary *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->t[i].name);
	free(s->t);
	memset(s, 0, sizeof *s);
}
