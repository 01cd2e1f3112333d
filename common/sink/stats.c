/* stats.c: the sink's numbers for its progress callback (sink.h struct
 * sink_stats); the program prints them. */
#include "sink/sink_int.h"

static void report(struct sink *s)
{
	s->stats.dropped = s->dropped;
	s->stats.pending = s->pending_rows;
	if (s->o.progress)
		s->o.progress(s->o.progress_ctx, &s->stats);
}

void sink_stats_record(struct sink *s, const struct mc_rec *r)
{
	s->stats.records++;
	if (r->kind == MC_R_MARK && r->mark == MC_MARK_HEARTBEAT) {
		/* the source is alive and has nothing more: with nothing
		 * pending, the sink is as current as the heartbeat */
		if (s->pending_rows == 0 && r->time > 0)
			s->stats.src_time = r->time;
		report(s);
		return;
	}
	/* the source's time where the stream is: the last change (not the
	 * highest: a transaction stamped in the past is a lag too) */
	if (r->kind != MC_R_HEADER && r->kind != MC_R_TRAILER && r->time > 0)
		s->stats.seen_time = r->time;
	if ((s->stats.records & 1023) == 0)
		report(s);
}

/* what the commit takes: the rows and bytes pending */
void sink_stats_precommit(struct sink *s)
{
	uint64_t bytes = 0, rows = 0;
	for (size_t i = 0; i < s->npbufs; i++) {
		bytes += s->pbufs[i]->data.len;
		rows += s->pbufs[i]->rows;
	}
	s->stats.bytes += bytes;
	s->stats.rows += rows;
}

void sink_stats_commit(struct sink *s)
{
	const struct mc_ledger *l = ledger_src(&s->L, s->src);
	s->stats.commits++;
	s->stats.has_pos = l->has_pos;
	if (l->has_pos)
		s->stats.pos = l->pos;
	/* everything read is committed or dropped now: the time of the last
	 * change read (a heartbeat that commits does not count: it comes
	 * after the changes; the next one does, when nothing is pending) */
	s->stats.src_time = s->stats.seen_time;
	report(s);
}
