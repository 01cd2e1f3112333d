/* Sources in the sink (docs/mc-tunnel-put.md "Sources"): positions are
 * comparable only within one binlog history of one server, so the ledger
 * keeps them per source (stream/ledger.h) and each stream's header names
 * its source and history (stream/rec.h MC_META_SOURCE_*). */
#include <stdio.h>
#include <string.h>

#include "base/num.h"
#include "sink/sink_int.h"

/* The ledger key prefix of source n ("" or "src.N."), for messages. */
static void src_key(size_t n, char *out, size_t outsz)
{
	if (n)
		snprintf(out, outsz, LEDGER_K_SRC "%zu.", n);
	else
		snprintf(out, outsz, "(no prefix)");
}

/* Which history of server id a stream whose first binlog file is number
 * f, created at time t, belongs to (docs/mc-tunnel-put.md "Sources").
 * Creation times say nothing of order (a long statement's commit, a
 * lagging replica, SET TIMESTAMP stamp a later file earlier), so only the
 * files each history has seen count: the history (open or closed) that
 * has file f created at t is the stream's; else the open history, unless
 * it has file f created at another time (a new history: RESET MASTER, or
 * another server with the same server_id).
 * *n: the history, or -1 for a new one; *open: the open history or -1. */
static int find_history(struct sink *s, const char *id, uint64_t f, int64_t t, int *n,
			int *open)
{
	*n = *open = -1;
	for (size_t i = 0; i <= s->L.nmore; i++) {
		struct mc_ledger *l = ledger_src(&s->L, i);
		size_t nf;
		uint64_t lo, hi;
		int64_t et;
		int rc;
		if (!l->src_id || strcmp(l->src_id, id) != 0)
			continue;
		if (!l->closed)
			*open = (int)i;
		if ((rc = ledger_hist_file(l, f, &et, &nf, &lo, &hi)) < 0)
			return -1;
		if (rc == 1 && et == t && (*n < 0 || !l->closed))
			*n = (int)i;
	}
	if (*n < 0 && *open >= 0) {
		struct mc_ledger *l = ledger_src(&s->L, (size_t)*open);
		size_t nf;
		uint64_t lo, hi;
		int64_t et;
		int rc = ledger_hist_file(l, f, &et, &nf, &lo, &hi);
		/* a file below all of it is refused as out of order (its
		 * positions are below the first committed), unless it was
		 * created after the lowest: binlogs are numbered as they are
		 * created, so it is of another history (RESET MASTER after
		 * binlog N: the new one starts again at 1) */
		if (rc == 0 && (f > lo || nf == 0 || t <= 0 ||
				ledger_hist_file(l, lo, &et, &nf, &lo, &hi) != 1 || t <= et))
			*n = *open;
	}
	return 0;
}

/* How far the warehouse holds history l's changes without a gap
 * (docs/mc-tunnel-put.md "Gaps"): its last transaction boundary (resume:
 * the marks of streams that continued what it held, a stream's end mark
 * included); with changes but no boundary, pos; before any change, the
 * lowest snapshot chunk watermark (a tail must start at or below it).
 * 0: nothing limits a stream (a new history, no snapshot). */
static int held_to(const struct mc_ledger *l, struct mc_pos *p, const char **key)
{
	if (l->has_resume) {
		*p = l->resume;
		*key = LEDGER_K_RESUME;
	} else if (l->has_pos) {
		*p = l->pos;
		*key = LEDGER_K_POS;
	} else if (l->has_snap_low) {
		*p = l->snap_low;
		*key = LEDGER_K_SNAPSHOT_LOW;
	} else {
		return 0;
	}
	return 1;
}

/* A source_start value "F:O" into *p: 0, -1 when malformed. */
static int pos_parse_fo(const struct mc_str *v, struct mc_pos *p)
{
	const char *c = v->n ? memchr(v->p, ':', v->n) : NULL;
	*p = (struct mc_pos){ 0, 0, 0 };
	if (!c || num_u64n(v->p, (size_t)(c - v->p), &p->file) < 0 ||
	    num_u64n(c + 1, v->n - (size_t)(c + 1 - v->p), &p->off) < 0)
		return -1;
	return 0;
}

/* A stream that says where it starts (header source_start "F:O") must
 * start at or below where the warehouse's log of its history ends: above
 * it, the changes in between are nowhere, and a later stream with them
 * would be dropped as repeats. Refused before anything of it is kept. */
static int check_start(struct sink *s, const struct rio_reader *rd, const struct mc_str *v,
		       struct mc_err *err)
{
	const struct mc_ledger *l = sink_src(s);
	const char *key;
	struct mc_pos st, held;
	char a[64], b[64], pre[32] = "";
	if (pos_parse_fo(v, &st) < 0)
		return mc_errf(err, MC_EXIT_DATA, "record %llu: bad header entry '"
			       MC_META_SOURCE_START "': '%.*s' (want FILE:OFFSET)",
			       (unsigned long long)rd->recno, (int)v->n, v->p);
	/* the stream holds the events that end after its offset, the
	 * warehouse every record of the event that ends at held's */
	if (!held_to(l, &held, &key) ||
	    st.file < held.file || (st.file == held.file && st.off <= held.off))
		return 0;
	pos_format(&st, a, sizeof a);
	pos_format(&held, b, sizeof b);
	if (s->src)
		snprintf(pre, sizeof pre, LEDGER_K_SRC "%zu.", s->src);
	return mc_errf(err, MC_EXIT_DATA,
		       "record %llu: starts at %s (source_start), but the warehouse holds "
		       "server_id %s's changes (source_epoch %s) only up to %s (ledger %s%s): a "
		       "gap; feed the changes from %s first (mc-binlog-tail --from=FILE:OFFSET "
		       "and the binlogs after it, or --checkpoint-in of --checkpoint-out), or load "
		       "a new snapshot and its tail into a new warehouse",
		       (unsigned long long)rd->recno, a, l->src_id ? l->src_id : "(unnamed)",
		       l->src_epoch ? l->src_epoch : "?", b, pre, key, b);
}

/* A stream started from a GTID set (header source_start_gtid, no
 * source_start) must not start past what the warehouse holds: a
 * transaction of the set that the ledger's gtid (the last committed per
 * domain) does not reach is nowhere. Where the ledger holds changes or a
 * snapshot of the source but no GTID of a domain of the set, where the
 * stream starts cannot be told: refused too. */
static int check_start_gtid(struct sink *s, const struct rio_reader *rd, const struct mc_str *v,
			    struct mc_err *err)
{
	const struct mc_ledger *l = sink_src(s);
	const char *key, *lg = l->gtid ? l->gtid : "";
	struct mc_pos held;
	char hb[64];
	if (!held_to(l, &held, &key))
		return 0;
	pos_format(&held, hb, sizeof hb);
	for (size_t at = 0, in, dn; at < v->n; at += in + 1) {
		const char *d;
		uint64_t want = 0, have = 0;
		in = ledger_gtid_item(v->p, v->n, &at, &dn);
		d = v->p + at;
		if (dn && dn < in && ledger_gtid_seq(d, in, d, dn, &want) &&
		    (!ledger_gtid_seq(lg, strlen(lg), d, dn, &have) || want > have))
			return mc_errf(err, MC_EXIT_DATA,
				       "record %llu: starts from the GTID set '%.*s' (source_start_gtid), "
				       "but the warehouse holds server_id %s's changes only up to %s "
				       "(ledger %s; its last GTIDs '%s'): the transactions of %.*s "
				       "after those are nowhere, a gap; start the tail from the "
				       "warehouse's position (mc-binlog-tail --checkpoint-in of "
				       "--checkpoint-out), or load a new snapshot and its tail into a "
				       "new warehouse", (unsigned long long)rd->recno,
				       (int)(v->n > 200 ? 200 : v->n), v->p,
				       l->src_id ? l->src_id : "(unnamed)", hb, key, lg[0] ? lg : "none",
				       (int)dn, d);
	}
	return 0;
}

int sink_source(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		struct mc_err *err)
{
	const struct mc_str *stv = rec_header_get(r, MC_META_SOURCE_START);
	const struct mc_str *idv = rec_header_get(r, MC_META_SOURCE_ID);
	const struct mc_str *epv = rec_header_get(r, MC_META_SOURCE_EPOCH), *gv;
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
	if (*ep) {
		int open;
		if (find_history(s, id, f, t, &found, &open) < 0)
			return mc_errf(err, MC_EXIT_DATA, "malformed '" LEDGER_K_FILES
				       "' in the ledger");
		if (found < 0 && open >= 0) {
			/* RESET MASTER, or another server with the same id */
			char k[32];
			l = ledger_src(&s->L, (size_t)open);
			src_key((size_t)open, k, sizeof k);
			if (!s->o.new_history)
				return mc_errf(err, MC_EXIT_DATA,
					       "record %llu: this stream of server_id %s starts in "
					       "binlog file %llu created at %lld (source_epoch %s), "
					       "which is not of the history this warehouse holds of "
					       "server_id %s (ledger keys %s, source_files %s%s%s): "
					       "after RESET MASTER, put it with --new-history; if it "
					       "is another server with the same server_id, give that "
					       "server its own server_id (or use another warehouse)",
					       (unsigned long long)rd->recno, id,
					       (unsigned long long)f, (long long)t, ep, id, k,
					       l->src_files ? l->src_files
							    : l->src_epoch ? l->src_epoch : "?",
					       l->src_rotated ? ", " LEDGER_K_ROTATED " " : "",
					       l->src_rotated ? l->src_rotated : "");
			if (!stv && rec_header_get(r, MC_META_SOURCE_START_GTID))
				/* the history's first transactions, before the set,
				 * would be nowhere */
				return mc_errf(err, MC_EXIT_DATA,
					       "record %llu: this stream of server_id %s starts a new "
					       "binlog history (--new-history) from a GTID set "
					       "(source_start_gtid): the history's transactions before "
					       "the set would be nowhere; read the new history from its "
					       "first binlog (mc-binlog-tail --start=FIRST-BINLOG:4)",
					       (unsigned long long)rd->recno, id);
			l->closed = 1;
		}
		if (found >= 0) {
			l = ledger_src(&s->L, (size_t)found);
			if (!l->src_epoch && ledger_src_set(&l->src_epoch, ep, err) < 0)
				return -1;
			if (!l->closed && ledger_hist_add(l, f, t, err) < 0)
				return -1;
			s->dirty = 1;
		}
	}
	if (found < 0) {
		char k[32];
		if ((found = ledger_src_add(&s->L, id, *ep ? ep : NULL, err)) < 0)
			return -1;
		if (*ep && ledger_hist_add(ledger_src(&s->L, (size_t)found), f, t, err) < 0)
			return -1;
		src_key((size_t)found, k, sizeof k);
		mc_sayf(&s->o.say, "server_id %s: a new binlog history (source_epoch %s), kept "
			"under ledger keys %s", id, *ep ? ep : "none", k);
		s->dirty = 1;
	}
	s->src = (size_t)found;
done:
	s->hist_rank = 0;
	for (size_t i = 0; i < s->src; i++)
		s->hist_rank += (size_t)ledger_src_same(&s->L, i, s->src);
	if (stv && check_start(s, rd, stv, err) < 0)
		return -1;
	s->has_stream_start = stv && pos_parse_fo(stv, &s->stream_start) == 0;
	if (!stv && (gv = rec_header_get(r, MC_META_SOURCE_START_GTID)) &&
	    check_start_gtid(s, rd, gv, err) < 0)
		return -1;
	l = sink_src(s);
	s->resume_done = l->has_resume;
	s->resume_done_file = l->resume.file;
	return 0;
}

int sink_binlog_start(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		      struct mc_err *err)
{
	struct mc_ledger *l = sink_src(s);
	uint64_t f, lo, hi;
	int64_t t, et;
	size_t nf;
	char k[32];
	int rc;
	/* the identity is the label's, not the record's time (tools restamp
	 * times) */
	if (!r->label.n || rec_epoch_parse(r->label.p, r->label.n, &f, &t) < 0 ||
	    f != r->pos.file)
		return mc_errf(err, MC_EXIT_DATA, "record %llu: binlog_start mark with label "
			       "'%.*s' (want F:T, F its position's binlog %llu)",
			       (unsigned long long)rd->recno, (int)(r->label.n > 64 ? 64 : r->label.n),
			       r->label.p, (unsigned long long)r->pos.file);
	/* nothing to keep: no creation time, or a history that takes no more
	 * changes */
	if (t <= 0 || l->closed)
		return 0;
	if ((rc = ledger_hist_file(l, f, &et, &nf, &lo, &hi)) < 0)
		return mc_errf(err, MC_EXIT_DATA, "malformed '" LEDGER_K_FILES "' or '"
			       LEDGER_K_ROTATED "' in the ledger");
	if (rc == 1 && et == t)
		return 0;
	if (rc == 1) {
		src_key(s->src, k, sizeof k);
		return mc_errf(err, MC_EXIT_DATA,
			       "record %llu: binlog %llu of this stream was created at %lld (its "
			       "binlog_start mark), but the warehouse's history of server_id %s has "
			       "binlog %llu created at %lld (ledger keys %s, source_files %s%s%s): the "
			       "stream reads another binlog history (RESET MASTER since, or another "
			       "server with the same server_id); after RESET MASTER read the new "
			       "history from its first binlog into --new-history",
			       (unsigned long long)rd->recno, (unsigned long long)f,
			       (long long)t, l->src_id ? l->src_id : "(unnamed)",
			       (unsigned long long)f, (long long)et, k,
			       l->src_files ? l->src_files : l->src_epoch ? l->src_epoch : "-",
			       l->src_rotated ? ", " LEDGER_K_ROTATED " " : "",
			       l->src_rotated ? l->src_rotated : "");
	}
	if (ledger_rotated_add(l, f, t, err) < 0)
		return -1;
	s->dirty = 1;
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

int sink_ddl_source(struct sink *s, const struct mc_rec *r, const struct sink_tab *t,
		    struct mc_err *err)
{
	size_t n;
	char p[64];
	if (!ledger_tsrc_get(&s->L, t->name, &n) || ledger_src_same(&s->L, n, s->src))
		return 0;
	pos_format(&r->pos, p, sizeof p);
	return mc_errf(err, MC_EXIT_DATA,
		       "position %s: '%.*s' (effect %s) of '%s.%s' of server_id %s would be kept %s "
		       "warehouse table '%s', which holds changes of server_id %s: the merge would "
		       "apply it to that server's rows; load the table under another name "
		       "(--name=%s.%s=NEWNAME) or into another warehouse",
		       p, (int)(r->sql.n > 200 ? 200 : r->sql.n), r->sql.p,
		       rec_ddl_effect_name(r->effect), t->db, t->table, src_name(s, s->src),
		       r->effect == MC_DDL_ALTER ? "in the schema history of" : "as a marker of",
		       t->name,
		       src_name(s, n), t->db, t->table);
}
