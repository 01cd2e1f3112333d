/* The sink's rules for --mode=upsert (docs/maxcompute.md "Snapshot and
 * tail into a PK table"): a table's snapshot rows go into its PK table
 * chunk by chunk, as upserts, and its changes after them, so that no key
 * goes back to an older value at any commit, and the table is the source's
 * state at every commit from the first one that passes the snapshot's
 * highest chunk watermark.
 *
 * A key k of a chunk at watermark W(k) holds its state at W(k). The tail
 * starts at the lowest watermark, so it repeats changes the snapshot saw.
 * A commit that covers the changes of a table up to b >= the highest
 * watermark of its chunks, each key collapsed to its last change p, leaves
 * every key exact at b: if p > W(k) the change is newer; if p <= W(k) no
 * change of k lies in (p, b], so the snapshot's row is already the state
 * after p and the change writes it again. A commit below the highest
 * watermark could show a change older than the snapshot's row of its key:
 * the changes of such a table are held (no commit) until the source's
 * position passes it. */
#include <string.h>

#include "base/alloc.h"
#include "sink/sink_int.h"
#include "stream/sqlword.h"
#include "wh/schemahist.h"

/* The position the pending changes of the stream's source are whole up to. */
static struct mc_pos covered(struct sink *s)
{
	const struct mc_ledger *l = sink_src(s);
	struct mc_pos c = { 0 };
	if (l->has_pos)
		c = l->pos;
	if (l->has_resume && pos_cmp(&l->resume, &c) > 0)
		c = l->resume;
	return c;
}

/* The partition of t's PK table for a row: the one its keys are in
 * (LEDGER_K_UPART, "-" for none), recorded at the table's first rows. A
 * key stays in one partition: the delete or update of a key in another
 * would leave its row where it was, and add a second one. */
static int ups_part(struct sink *s, const struct rio_reader *rd, const struct sink_tab *t,
		  const char *part, struct mc_err *err)
{
	const char *v = *part ? part : "-", *had = ledger_upart_get(&s->L, t->name);
	if (!had)
		return ledger_upart_set(&s->L, t->name, v, err);
	if (strcmp(had, v) == 0)
		return 0;
	return mc_errf(err, MC_EXIT_USAGE, "record %llu: %s%s: the PK table '%s' holds the keys "
		       "of '%s.%s' %s%s%s (ledger key '" LEDGER_K_UPART "%s'), and a key stays in "
		       "one partition (its update or delete elsewhere would leave its row there): "
		       "give %s%s, or load the table into a new one with a new --state",
		       (unsigned long long)rd->recno, *part ? "--partition=" : "no --partition",
		       part, t->name, t->db, t->table, strcmp(had, "-") ? "in partition '" : "",
		       strcmp(had, "-") ? had : "in no partition", strcmp(had, "-") ? "'" : "",
		       t->name, strcmp(had, "-") ? "--partition=" : "no --partition",
		       strcmp(had, "-") ? had : "");
}

int sink_ups_row(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		 struct sink_tab *t, struct mc_err *err)
{
	const char *hi;
	size_t hin;
	/* at the table's first row in this run (the partition is the run's) */
	if (!t->upart && ups_part(s, rd, t, s->o.part ? s->o.part : "", err) < 0)
		return -1;
	t->upart = 1;
	if (r->op == MC_OP_SNAPSHOT) {
		if (!s->chunked_stream)
			return mc_errf(err, MC_EXIT_DATA, "record %llu: a snapshot row of '%s.%s' "
				       "without chunk marks: --mode=upsert takes snapshot rows of "
				       "mc-snapshot's streams (labelled chunks with their watermarks)",
				       (unsigned long long)rd->recno, t->db, t->table);
		return 0;
	}
	if (!t->open && ledger_chain_parse(ledger_chain_get(&s->L, t->key), &hi, &hin) !=
			       LEDGER_CHAIN_AT)
		return 0;
	return mc_errf(err, MC_EXIT_DATA, "record %llu: a change of '%s.%s', whose snapshot is "
		       "not complete (%s%.*s): --mode=upsert applies a table's changes after its "
		       "snapshot (finish the snapshot first: mc-snapshot --checkpoint-in of this "
		       "sink's --checkpoint-out, then the tail)", (unsigned long long)rd->recno,
		       t->db, t->table, t->open ? "a chunk is open" : "committed up to ",
		       t->open ? 0 : (int)hin, t->open ? "" : hi);
}

int sink_ups_chunk(struct sink *s, const struct rio_reader *rd, const struct mc_rec *mark,
		   const struct sink_tab *t, struct mc_err *err)
{
	const struct mc_ledger *l = sink_src(s);
	char w[64], p[64];
	if (t->last_log && t->last_log->rows)
		return mc_errf(err, MC_EXIT_DATA, "record %llu: a snapshot chunk of '%s.%s' after "
			       "changes of it not committed yet: --mode=upsert takes a table's "
			       "snapshot and its changes as separate streams (the snapshot first)",
			       (unsigned long long)rd->recno, t->db, t->table);
	if (l->has_pos && pos_cmp(&mark->pos, &l->pos) < 0) {
		pos_format(&mark->pos, w, sizeof w);
		pos_format(&l->pos, p, sizeof p);
		return mc_errf(err, MC_EXIT_DATA, "record %llu: chunk (%.*s] of '%s.%s' at "
			       "watermark %s lies below the changes already applied (up to %s): "
			       "its rows could overwrite newer ones in the PK table (--mode=upsert "
			       "loads a table's snapshot before its tail: load it into a new table, "
			       "with a new --state)", (unsigned long long)rd->recno,
			       (int)mark->label.n - 2, mark->label.p + 1, t->db, t->table, w, p);
	}
	return 0;
}

int sink_ups_held(struct sink *s, struct mc_err *err)
{
	struct mc_pos c = covered(s);
	for (size_t i = 0; i < s->ntabs; i++) {
		const struct sink_tab *t = &s->tabs[i];
		const char *hi;
		size_t hin, src;
		struct mc_pos w;
		char a[64], b[64];
		if (!t->last_log || !t->last_log->rows ||
		    ledger_chain_parse(ledger_chain_get(&s->L, t->key), &hi, &hin) !=
			    LEDGER_CHAIN_END ||
		    !ledger_snapw_get(&s->L, t->key, &src, &w) || src != s->src ||
		    pos_cmp(&c, &w) >= 0)
			continue;
		if (err) {
			pos_format(&c, a, sizeof a);
			pos_format(&w, b, sizeof b);
			mc_errf(err, MC_EXIT_DATA, "the changes of '%s.%s' end at %s, below the highest "
				"watermark of its snapshot's chunks (%s): --mode=upsert applies them "
				"in one commit with the changes up to there, so that no key shows a "
				"value older than the snapshot's; nothing after the last commit is "
				"applied (feed the tail on past %s)", t->db, t->table, a, b, b);
		}
		return 1;
	}
	return 0;
}

int sink_ups_alter(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		   struct mc_err *err)
{
	struct sink_tab *t;
	struct wh_alter a;
	struct mc_err perr = { 0 };
	struct mc_pos w;
	size_t src;
	char nk[700], p[64];
	int cols;
	ledger_name_key(r->db.p, r->db.n, r->table.p, r->table.n, nk, sizeof nk);
	if (!(t = sink_tab_find(s, r, 0, err)) && !ledger_name_get(&s->L, nk))
		return 0; /* a table the state does not hold */
	if (!t && !(t = sink_tab_find(s, r, 1, err)))
		return -1;
	/* at or below its snapshot's highest watermark: its rows have it */
	if (ledger_snapw_get(&s->L, t->key, &src, &w) && src == s->src && pos_cmp(&r->pos, &w) <= 0)
		return 0;
	/* a statement that cannot be read may touch columns too */
	if ((cols = wh_alter_has_cols(r->sql.p, r->sql.n)) < 0)
		return mc_oom(err, "a statement's clauses");
	/* (CONVERT TO CHARACTER SET rewrites every text value, with no row
	 * events: the PK table keeps the old text) */
	char cs[64];
	if (!cols && wh_alter_parse(r->sql.p, r->sql.n, &a, &perr) == 0 &&
	    !mc_sql_convert_to(r->sql, cs, sizeof cs))
		return 0;
	pos_format(&r->pos, p, sizeof p);
	return mc_errf(err, MC_EXIT_DATA, "record %llu: position %s: '%.*s' alters the columns "
		       "of %s.%s (or cannot be read): --mode=upsert does not alter the PK table "
		       "%s yet (the server may have changed the rows it keeps): load the table "
		       "again into a new one, from a snapshot taken after the change (a new "
		       "--state and another --name: this --state, and the state mirror, hold %s "
		       "as this source's)", (unsigned long long)rd->recno, p,
		       (int)(r->sql.n > 200 ? 200 : r->sql.n), r->sql.p, t->db, t->table, t->name,
		       t->name);
}
