/* Re-snapshots (mc-tunnel-put --resnapshot, docs/mc-tunnel-put.md
 * "Re-snapshots"): a new snapshot of tables the warehouse holds, written
 * as a new generation of each table beside the main writer, which keeps
 * taking the tail's changes meanwhile. This writer has its own ledger and
 * lock (the destination's, dest_opts.resnap); its ledger is the main
 * ledger as it stands (sources, names, the days) with this writer's own
 * commit count, snapshot chains, watermarks and generations. Only
 * snapshot rows and chunk marks of mc-snapshot's labelled chunks come in;
 * anything else is refused. mc-merge takes a table's newest complete
 * generation where its watermarks lie below the point asked (docs/merge.md
 * "Re-snapshots"). */
#include <stdio.h>
#include <string.h>

#include "sink/sink_int.h"

/* Move the keys of this writer's own from r into l (a copy of the main
 * ledger): its commit count, snapshot rows, chains, watermarks and
 * generations. */
static void take_own(struct mc_ledger *l, struct mc_ledger *r)
{
	struct ckpt t;
	l->seq = r->seq;
	l->snapshot_rows = r->snapshot_rows;
	l->snapshot_legacy = r->snapshot_legacy;
	t = l->snap;
	l->snap = r->snap;
	r->snap = t;
	t = l->snapw;
	l->snapw = r->snapw;
	r->snapw = t;
}

int sink_resnap_open(struct sink *s, int have_own, struct mc_err *err)
{
	const struct dest_ops *ops = s->d->ops;
	struct mc_ledger l;
	int rc;

	if (!ops->read_main)
		return mc_errf(err, MC_EXIT_USAGE, "--resnapshot: a %s destination takes no "
			       "re-snapshots", ops->kind);
	if ((rc = ops->read_main(s->d->st, &s->M, err)) < 0)
		return -1;
	s->has_M = 1;
	if (rc == 0)
		return mc_errf(err, MC_EXIT_USAGE, "--resnapshot: the warehouse holds nothing yet: "
			       "load the first snapshot without --resnapshot");
	memset(&l, 0, sizeof l);
	if (ledger_copy(&l, &s->M, err) < 0)
		return -1;
	if (!have_own) {
		ckpt_free(&s->L.snap);
		ckpt_free(&s->L.snapw);
	}
	take_own(&l, &s->L);
	ledger_free(&s->L);
	s->L = l;
	return 0;
}

/* The stream's source must be one the main writer holds, an open history
 * (a re-snapshot's watermarks are positions of it). */
int sink_resnap_source(struct sink *s, const struct rio_reader *rd, struct mc_err *err)
{
	const struct mc_ledger *m;
	if (s->src > s->M.nmore || !(m = ledger_src(&s->M, s->src))->src_id)
		return mc_errf(err, MC_EXIT_DATA,
			       "record %llu: --resnapshot: the warehouse holds no changes of this "
			       "stream's source or binlog history yet (its tail must have "
			       "committed there first: run it, then load the re-snapshot)",
			       (unsigned long long)rd->recno);
	if (m->closed)
		return mc_errf(err, MC_EXIT_DATA,
			       "record %llu: --resnapshot: the stream's binlog history of server_id "
			       "%s was replaced by a later one (RESET MASTER): take the "
			       "re-snapshot again", (unsigned long long)rd->recno, m->src_id);
	return 0;
}

/* A record a re-snapshot may not carry. */
int sink_resnap_refuse(const struct rio_reader *rd, const struct mc_rec *r, struct mc_err *err)
{
	const char *what = r->kind == MC_R_ROW ? rec_op_name(r->op)
			   : r->kind == MC_R_MARK ? rec_mark_name(r->mark)
						  : rec_kind_name(r->kind);
	return mc_errf(err, MC_EXIT_DATA,
		       "record %llu: %s of '%.*s.%.*s': a --resnapshot input carries snapshot "
		       "rows and chunk marks only (feed changes without --resnapshot)",
		       (unsigned long long)rd->recno, what, (int)r->db.n, r->db.p,
		       (int)r->table.n, r->table.p);
}

/* A table of a re-snapshot: one the warehouse holds (its name recorded),
 * whose first snapshot is not under way. */
int sink_resnap_table(struct sink *s, const struct rio_reader *rd, const struct sink_tab *t,
		      struct mc_err *err)
{
	char nk[700];
	const char *hi;
	size_t hin;
	ledger_name_key(t->db, strlen(t->db), t->table, strlen(t->table), nk, sizeof nk);
	if (!ledger_name_get(&s->M, nk))
		return mc_errf(err, MC_EXIT_DATA,
			       "record %llu: --resnapshot: the warehouse does not hold '%s.%s' "
			       "(load its first snapshot without --resnapshot)",
			       (unsigned long long)rd->recno, t->db, t->table);
	if (ledger_chain_parse(ledger_chain_get(&s->M, t->key), &hi, &hin) == LEDGER_CHAIN_AT)
		return mc_errf(err, MC_EXIT_DATA,
			       "record %llu: --resnapshot: the first snapshot of '%s.%s' is not "
			       "complete (it ends after %.*s): finish it without --resnapshot "
			       "(mc-snapshot --checkpoint-in from the sink's --checkpoint-out)",
			       (unsigned long long)rd->recno, t->db, t->table, (int)hin, hi);
	return 0;
}

/* Snapshot rows or a chunk mark of t at watermark w begin a chunk: the
 * table's generation under way takes it, or it begins a new generation
 * (none yet, or the last one is complete and w is above its watermarks:
 * a new snapshot). A new one must lie within the history the log holds
 * and above the snapshot the warehouse holds. */
int sink_resnap_gen(struct sink *s, const struct rio_reader *rd, struct sink_tab *t,
		    const struct mc_pos *w, struct mc_err *err)
{
	const char *hi;
	size_t hin, src;
	uint64_t g = 0, f0 = 0, f1 = 0;
	struct mc_pos old;
	int64_t ft;
	size_t nf = 0;
	const struct mc_ledger *m;
	char a[64], b[64];
	int has = ledger_gen_get(&s->L, t->key, &g);
	enum ledger_chain c = ledger_chain_parse(ledger_chain_get(&s->L, t->key), &hi, &hin);

	if (has && c != LEDGER_CHAIN_END)
		return 0; /* under way */
	if (has && ledger_snapw_get(&s->L, t->key, &src, &old) && src == s->src &&
	    pos_cmp(w, &old) <= 0)
		return 0; /* a repeat of the complete one */
	pos_format(w, a, sizeof a);
	if (ledger_snapw_get(&s->M, t->key, &src, &old) && src == s->src &&
	    pos_cmp(w, &old) <= 0) {
		pos_format(&old, b, sizeof b);
		return mc_errf(err, MC_EXIT_DATA,
			       "record %llu: --resnapshot: the snapshot of '%s.%s' at watermark %s "
			       "is not newer than the one the warehouse holds (watermark %s): take "
			       "a new one", (unsigned long long)rd->recno, t->db, t->table, a, b);
	}
	m = ledger_src(&s->M, s->src);
	if (m->has_snap_low ? pos_cmp(w, &m->snap_low) < 0
			    : !ledger_hist_file(m, w->file, &ft, &nf, &f0, &f1) && (!nf || w->file < f0)) {
		if (m->has_snap_low)
			pos_format(&m->snap_low, b, sizeof b);
		else
			snprintf(b, sizeof b, "%llu:4:0", (unsigned long long)f0);
		return mc_errf(err, MC_EXIT_DATA,
			       "record %llu: --resnapshot: the snapshot of '%s.%s' at watermark %s "
			       "lies before the log this warehouse holds of its source (from %s): "
			       "its changes since then are not there", (unsigned long long)rd->recno,
			       t->db, t->table, a, nf || m->has_snap_low ? b : "nothing yet");
	}
	ledger_chain_clear(&s->L, t->key);
	g = g + 1 > s->L.seq + 1 ? g + 1 : s->L.seq + 1;
	if (ledger_gen_set(&s->L, t->key, g, err) < 0)
		return -1;
	s->dirty = 1;
	return 0;
}

void sink_resnap_part(const struct sink *s, const struct sink_tab *t, char *out, size_t outsz)
{
	uint64_t g = 0;
	ledger_gen_get(&s->L, t->key, &g);
	snprintf(out, outsz, "gen=%06llu", (unsigned long long)g);
}
