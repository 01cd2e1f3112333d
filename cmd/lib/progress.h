/* progress.h: each long-running program's progress line, summary and
 * metrics, from the numbers its engine hands over (report.h does the
 * printing and the file). The programs keep a struct *_watch and pass
 * *_watch_cb as the engine's progress callback. */
#ifndef MC_PROGRESS_H
#define MC_PROGRESS_H

#include "engine/tail.h"
#include "report.h"
#include "sink/sink.h"
#include "wh/mergejob.h"

struct tail_watch {
	struct report *rep;
	struct tail_stats st;
	char file[256];
	double last_ok;          /* wall time of the last transaction written */
	double prev_t;           /* the last line: its time and events */
	uint64_t prev_events;
};
void tail_watch_start(struct tail_watch *w, struct report *rep, struct tail_opts *o);
void tail_watch_cb(void *ctx, const struct tail_stats *st);

struct sink_watch {
	struct report *rep;
	struct sink_stats st;
	double last_ok;          /* wall time of the last commit */
	double prev_t;
	uint64_t prev_rows;
	/* the visibility lag since the last line: the histogram then, and the
	 * lowest and highest lag of the commits since; the run's lowest */
	uint64_t prev_le[SINK_VIS_NB], prev_vis;
	double win_lo, win_hi, run_lo;
};
void sink_watch_start(struct sink_watch *w, struct report *rep, struct sink_opts *o);
void sink_watch_cb(void *ctx, const struct sink_stats *st);

struct merge_watch {
	struct report *rep;
	struct mergejob_progress st;
	char table[256];
	uint64_t tables_done, tables_failed, ntables;
	double last_ok;
};
void merge_watch_start(struct merge_watch *w, struct report *rep, struct mergejob_opts *o);
void merge_watch_cb(void *ctx, const struct mergejob_progress *st);

#endif
