/* Sources in the sink (docs/mc-tunnel-put.md "Sources"): positions are
 * comparable only within one binlog history of one server, so the ledger
 * keeps them per source (stream/ledger.h) and each stream's header names
 * its source and history (stream/rec.h MC_META_SOURCE_*). */
#include <stdio.h>
#include <string.h>

#include "sink/sink_int.h"

/* Whether a stream whose first binlog file is number f, created at time t,
 * continues the history whose positions l holds. In one history binlog
 * numbers and creation times rise together, and no file at or below the
 * committed one was created after the last change committed. */
static int same_history(const struct mc_ledger *l, uint64_t f, int64_t t)
{
	uint64_t ef;
	int64_t et;
	if (l->src_epoch && rec_epoch_parse(l->src_epoch, strlen(l->src_epoch), &ef, &et) == 0) {
		if (f == ef)
			return t == et;
		if ((f < ef && t > et) || (f > ef && t < et))
			return 0;
	}
	if (l->has_pos && l->has_hw && f < l->pos.file && t > l->hw_time)
		return 0;
	return 1;
}

int sink_source(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		struct mc_err *err)
{
	const struct mc_str *idv = rec_header_get(r, MC_META_SOURCE_ID);
	const struct mc_str *epv = rec_header_get(r, MC_META_SOURCE_EPOCH);
	char id[128], ep[64];
	uint64_t f = 0;
	int64_t t = 0;
	int found = -1;
	struct mc_ledger *l;

	/* what is pending is of the previous stream's source: a commit's
	 * files are of one source (their positions are its) */
	if (s->pending_rows && sink_commit(s, err) < 0)
		return -1;
	/* a stream that does not name its source (older writers, other
	 * tools) is the first source's, as it always was */
	s->src = 0;
	if (!idv)
		goto done;
	if (idv->n == 0 || idv->n >= sizeof id || memchr(idv->p, '\n', idv->n))
		return mc_errf(err, MC_EXIT_DATA, "record %llu: bad header entry '"
			       MC_META_SOURCE_ID "'", (unsigned long long)rd->recno);
	snprintf(id, sizeof id, "%.*s", (int)idv->n, idv->p);
	ep[0] = 0;
	if (epv) {
		if (epv->n >= sizeof ep || rec_epoch_parse(epv->p, epv->n, &f, &t) < 0)
			return mc_errf(err, MC_EXIT_DATA, "record %llu: bad header entry '"
				       MC_META_SOURCE_EPOCH "': '%.*s' (want FILE:TIME)",
				       (unsigned long long)rd->recno, (int)epv->n, epv->p);
		snprintf(ep, sizeof ep, "%.*s", (int)epv->n, epv->p);
	}
	for (size_t n = 0; n <= s->L.nmore; n++) {
		l = ledger_src(&s->L, n);
		if (!l->closed && l->src_id && strcmp(l->src_id, id) == 0)
			found = (int)n;
	}
	/* the unnamed source of an older ledger (or of a new one) is the first
	 * source that names itself */
	if (found < 0 && !s->L.src_id && !s->L.closed) {
		if (ledger_src_set(&s->L.src_id, id, err) < 0)
			return -1;
		found = 0;
		s->dirty = 1;
	}
	if (found >= 0 && *ep) {
		l = ledger_src(&s->L, (size_t)found);
		if (!same_history(l, f, t)) {
			/* RESET MASTER, or a new history: its own positions */
			l->closed = 1;
			found = -1;
		} else if (!l->src_epoch) {
			if (ledger_src_set(&l->src_epoch, ep, err) < 0)
				return -1;
			s->dirty = 1;
		}
	}
	if (found < 0) {
		if ((found = ledger_src_add(&s->L, id, *ep ? ep : NULL, err)) < 0)
			return -1;
		s->dirty = 1;
	}
	s->src = (size_t)found;
done:
	l = sink_src(s);
	s->resume_done = l->has_resume;
	s->resume_done_file = l->resume.file;
	return 0;
}

/* The source's name for a message: its server_id, or "(unnamed)". */
static const char *src_name(struct sink *s, size_t n)
{
	const struct mc_ledger *l = ledger_src(&s->L, n);
	return l->src_id ? l->src_id : "(unnamed)";
}

int sink_tab_source(struct sink *s, const struct rio_reader *rd, struct sink_tab *t,
		    struct mc_err *err)
{
	size_t n;
	if (t->src_ok == s->src + 1)
		return 0;
	if (!ledger_tsrc_get(&s->L, t->name, &n)) {
		/* the first rows of the table (of a table loaded before tables
		 * had a source recorded too: its source is the one loading it) */
		n = s->src;
		if (ledger_tsrc_set(&s->L, t->name, n, err) < 0)
			return -1;
		s->dirty = 1;
	}
	/* the same server in a later history (RESET MASTER) continues it;
	 * positions of two servers have no order: one table cannot hold both */
	if (!ledger_src_same(&s->L, n, s->src))
		return mc_errf(err, MC_EXIT_DATA,
			       "record %llu: table '%s.%s' (warehouse table '%s') holds changes of "
			       "source server_id %s, this stream is of server_id %s: one table cannot "
			       "take the changes of two servers (their positions have no order); load "
			       "it under another name (--name=%s.%s=NEWNAME) or into another warehouse",
			       (unsigned long long)rd->recno, t->db, t->table, t->name,
			       src_name(s, n), src_name(s, s->src), t->db, t->table);
	t->src_ok = s->src + 1;
	return 0;
}
