/* stats.c: the sink's numbers for its progress callback (sink.h struct
 * sink_stats); the program prints them. */
#include "sink/sink_int.h"

#include <time.h>

#include "base/alloc.h"

const double sink_vis_bounds[SINK_VIS_NB] = {
	0.25, 0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 45, 60, 120, 300, 600, 1800, 3600,
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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
	s->commit_t0 = mono();
}

int sink_stats_txn(struct sink *s, const struct mc_rec *r, struct mc_err *err)
{
	/* a transaction none of whose rows came here (other tables) makes
	 * nothing visible */
	int rows = s->pending_rows > s->vis_rows;
	s->vis_rows = s->pending_rows;
	if (!rows || r->time <= 0)
		return 0;
	if (s->nvis && s->vis[s->nvis - 1].time == r->time) {
		s->vis[s->nvis - 1].n++;
		return 0;
	}
	if (mc_push(&s->vis, &s->nvis, &s->viscap, sizeof *s->vis) < 0)
		return mc_oom(err, "the commit times");
	s->vis[s->nvis - 1].time = r->time;
	s->vis[s->nvis - 1].n = 1;
	return 0;
}

/* the transactions pending are visible now */
static void visible(struct sink *s)
{
	struct sink_stats *st = &s->stats;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	for (size_t i = 0; i < s->nvis; i++) {
		double lag = now - (double)s->vis[i].time;
		if (lag < 0)
			lag = 0; /* a source clock ahead of ours */
		if (i == 0 || lag > st->vis_last_hi)
			st->vis_last_hi = lag;
		if (i == 0 || lag < st->vis_last_lo)
			st->vis_last_lo = lag;
		if (lag > st->vis_max)
			st->vis_max = lag;
		st->vis_txns += s->vis[i].n;
		st->vis_sum += lag * (double)s->vis[i].n;
		for (size_t b = 0; b < SINK_VIS_NB; b++)
			if (lag <= sink_vis_bounds[b])
				st->vis_le[b] += s->vis[i].n;
	}
	s->nvis = 0;
	s->vis_rows = 0;
}

void sink_stats_commit(struct sink *s)
{
	double took = mono() - s->commit_t0;
	s->stats.commit_secs += took;
	s->stats.commit_last = took;
	if (took > s->stats.commit_max)
		s->stats.commit_max = took;
	visible(s);
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
