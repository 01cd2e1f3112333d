/* commits.c: the ledger's count of each log table's commits record
 * (docs/warehouse.md "The commits record"): the destination writes one
 * entry per log partition a commit appends rows with positions to
 * (dest_ops.commits_record); the ledger, written at the same commit,
 * says how many there are from the first it counted, so that mc-merge
 * tells a record deleted, emptied or missing lines from one of a log
 * table written before it existed. */
#include <stdio.h>

#include "sink/sink_int.h"

int sink_commits_note(struct sink *s, const struct sink_pbuf *p, struct mc_err *err)
{
	char name[300];
	if (!s->d->ops->commits_record || !p->is_log || p->rows == 0 || !p->has_pos)
		return 0;
	if (snprintf(name, sizeof name, "%s_log", p->table) >= (int)sizeof name)
		return mc_errf(err, MC_EXIT_DATA, "table name '%s': too long", p->table);
	return ledger_commits_add(&s->L, name, s->L.seq, 1, err);
}
