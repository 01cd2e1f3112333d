/* shard.c: several source tables into one destination table (mc-transform's
 * many -> one rules, docs/mc-tunnel-put.md "Many tables into one"). Each
 * source table keeps its own ledger keys (its name, its snapshot chain);
 * the destination is recorded in the ledger as a merge destination, so
 * that only tables a stream names as merged go into it, and an accidental
 * collision of names is still refused. Its base partition is complete when
 * the snapshots of all its tables are. */
#include <stdio.h>
#include <string.h>

#include "sink/sink_int.h"

#define MERGE_MARK "=merge" /* the value of a merge destination's key */
#define MERGE_DONE "=merge.done" /* the same, once its base is complete */

void sink_merge_split(struct sink *s, struct mc_rec *r)
{
	const char *slash;
	s->mdest = NULL;
	if ((r->kind != MC_R_SCHEMA && r->kind != MC_R_ROW && r->kind != MC_R_DDL &&
	     r->kind != MC_R_MARK) || !r->table.n ||
	    !(slash = memchr(r->table.p, '/', r->table.n)))
		return;
	s->mdest = r->table.p;
	s->mdestn = (size_t)(slash - r->table.p);
	s->mshard = mc_str_c(slash + 1, r->table.n - s->mdestn - 1);
	r->table = mc_str_c(s->mdest, s->mdestn);
}

int sink_merge_name(struct sink *s, struct sink_tab *t, const char *nk, struct mc_err *err)
{
	char mk[600];
	const char *had = ledger_name_get(&s->L, nk);
	struct mc_str db = mc_str_c(t->db, strlen(t->db)), tb = mc_str_c(t->table, strlen(t->table));
	char given[256];
	int taken = 0;
	t->merge = 1;
	snprintf(given, sizeof given, "%.*s", (int)s->mdestn, s->mdest);
	if (s->d->ops->table_name(s->d->st, &db, &tb, given, t->name, sizeof t->name, err) < 0)
		return -1;
	ledger_table_key(t->db, strlen(t->db), t->table, strlen(t->table), t->key, sizeof t->key);
	if (had && strcmp(had, t->name) != 0)
		return mc_errf(err, MC_EXIT_DATA,
			       "'%s.%s' goes into '%s' with other tables (the stream's rules), but "
			       "this warehouse holds it as '%s' (ledger key '%s'): the rules changed",
			       t->db, t->table, t->name, had, nk);
	ledger_merge_key(t->name, strlen(t->name), mk, sizeof mk);
	if (ledger_name_get(&s->L, mk))
		return had ? 0 : ledger_name_set(&s->L, nk, t->name, err);
	for (size_t i = 0; i < s->L.names.n; i++)
		if (strcmp(s->L.names.kv[i].v, t->name) == 0)
			taken = 1;
	if (taken)
		return mc_errf(err, MC_EXIT_DATA,
			       "'%s.%s' would go into '%s' with other tables, but this warehouse "
			       "holds another table alone under that name: give the merge another "
			       "destination name in the rules", t->db, t->table, t->name);
	if (sink_name_clash(s, t->db, t->table, t->name, 0, NULL, 0, err) < 0 ||
	    ledger_name_set(&s->L, mk, MERGE_MARK, err) < 0 ||
	    ledger_name_set(&s->L, nk, t->name, err) < 0)
		return -1;
	s->dirty = 1;
	return 0;
}

int sink_merge_taken(struct sink *s, const struct sink_tab *t, struct mc_err *err)
{
	char mk[600];
	ledger_merge_key(t->name, strlen(t->name), mk, sizeof mk);
	if (!ledger_name_get(&s->L, mk))
		return 0;
	return mc_errf(err, MC_EXIT_DATA,
		       "'%s.%s' would be written as '%s', which this warehouse holds as the "
		       "destination of several tables merged into one: only the tables the "
		       "rules merge go into it; give '%s.%s' another name", t->db, t->table,
		       t->name, t->db, t->table);
}

/* Whether every table the ledger names dest has a done snapshot chain. */
static int all_done(struct sink *s, const char *dest)
{
	for (size_t i = 0; i < s->L.names.n; i++) {
		const char *k = s->L.names.kv[i].k + strlen(LEDGER_K_NAME);
		char tk[700];
		const char *hi;
		size_t hin;
		if (strcmp(s->L.names.kv[i].v, dest) != 0)
			continue;
		if (strncmp(k, "hex.", 4) == 0)
			snprintf(tk, sizeof tk, "%s", k);
		else
			snprintf(tk, sizeof tk, "%s%s", LEDGER_K_TABLE, k);
		if (ledger_chain_parse(ledger_chain_get(&s->L, tk), &hi, &hin) != LEDGER_CHAIN_END)
			return 0;
	}
	return 1;
}

/* The base of t's destination complete: the ledger says so (MERGE_DONE)
 * in the commit that marks it, so that a table of it whose snapshot comes
 * in a later stream is refused (sink_merge_late) instead of being added to
 * a base that merged days were built on already. */
static int mark_complete(struct sink *s, struct sink_tab *t, struct mc_err *err)
{
	struct sink_pbuf *p;
	char part[512], mk[600];
	if (sink_base_mark_complete(s, t, err) < 0)
		return -1;
	if (s->o.route == SINK_ROUTE_LOG)
		return 0;
	sink_part_for(s, t, 0, part, sizeof part);
	if (!(p = sink_pbuf_get(s, t->name, 0, part, err)))
		return -1;
	if (!p->complete) /* completed by an earlier commit */
		return 0;
	ledger_merge_key(t->name, strlen(t->name), mk, sizeof mk);
	if (ledger_name_set(&s->L, mk, MERGE_DONE, err) < 0)
		return -1;
	s->dirty = 1;
	return 0;
}

int sink_merge_complete(struct sink *s, struct mc_err *err)
{
	for (size_t i = 0; i < s->ntabs; i++) {
		struct sink_tab *t = &s->tabs[i];
		int first = 1;
		if (!t->merge || !t->snap_in_stream)
			continue;
		for (size_t j = 0; j < i && first; j++)
			if (s->tabs[j].merge && s->tabs[j].snap_in_stream &&
			    strcmp(s->tabs[j].name, t->name) == 0)
				first = 0;
		if (first && all_done(s, t->name) && mark_complete(s, t, err) < 0)
			return -1;
	}
	return 0;
}

int sink_merge_late(struct sink *s, const struct rio_reader *rd, const struct sink_tab *t,
		    struct mc_err *err)
{
	char mk[600];
	const char *v, *hi;
	size_t hin;
	ledger_merge_key(t->name, strlen(t->name), mk, sizeof mk);
	if (!(v = ledger_name_get(&s->L, mk)) || strcmp(v, MERGE_DONE) != 0 ||
	    ledger_chain_parse(ledger_chain_get(&s->L, t->key), &hi, &hin) != LEDGER_CHAIN_NONE)
		return 0;
	if (s->has_M) /* --resnapshot */
		return mc_errf(err, MC_EXIT_DATA,
			       "record %llu: snapshot rows of '%s.%s', which goes into '%s' with other "
			       "tables: a re-snapshot (--resnapshot) of tables merged into one is not "
			       "taken; load a snapshot of all of them, and their changes, into a new "
			       "warehouse", (unsigned long long)rd->recno, t->db, t->table, t->name);
	return mc_errf(err, MC_EXIT_DATA,
		       "record %llu: snapshot rows of '%s.%s', which goes into '%s' with other "
		       "tables, whose base an earlier stream completed without it: the "
		       "snapshots of a merge's tables come in one stream (one mc-snapshot "
		       "--rules run); load a snapshot of all of them, and their changes, into "
		       "a new warehouse", (unsigned long long)rd->recno, t->db, t->table,
		       t->name);
}

void sink_merge_base_time(struct sink *s, struct sink_tab *t)
{
	for (size_t i = 0; i < s->ntabs; i++)
		if (&s->tabs[i] != t && s->tabs[i].merge && s->tabs[i].base_fixed &&
		    strcmp(s->tabs[i].name, t->name) == 0) {
			t->base_time = s->tabs[i].base_time;
			return;
		}
}

int sink_merge_dest(const struct sink *s, const char *name)
{
	char mk[600];
	ledger_merge_key(name, strlen(name), mk, sizeof mk);
	return ledger_name_get(&s->L, mk) != NULL;
}
