/* progress.c: the progress lines, summaries and metrics of mc-binlog-tail,
 * mc-tunnel-put and mc-merge (progress.h). */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* events (rows) per second since the last line, and the time of this one */
static double recent_rate(double *prev_t, uint64_t *prev_n, uint64_t n, double now)
{
	double dt = now - *prev_t, rate = dt > 0 && *prev_t > 0 ? (double)(n - *prev_n) / dt : 0;
	*prev_t = now;
	*prev_n = n;
	return rate;
}

/* ---- mc-binlog-tail ---- */

static void tail_lag(struct tail_watch *w)
{
	if (w->st.caught_up)
		report_lag(w->rep, 0);
	else if (w->st.when)
		report_lag(w->rep, wall() - (double)w->st.when);
}

void tail_watch_cb(void *ctx, const struct tail_stats *st)
{
	struct tail_watch *w = ctx;
	if (st->txns > w->st.txns)
		w->last_ok = wall();
	w->st = *st;
	if (st->file)
		snprintf(w->file, sizeof w->file, "%s", st->file);
	w->st.file = NULL;
	tail_lag(w);
	report_retry_exhausted = st->retry_exhausted;
	report_tick(w->rep);
}

static void tail_emit(struct report *r, void *ctx, struct mc_buf *line, int m, int final)
{
	struct tail_watch *w = ctx;
	const struct tail_stats *s = &w->st;
	double secs = report_elapsed(r);
	char a[32], b[32], c[32];
	report_fmt_bytes(a, sizeof a, (double)s->bytes);
	report_fmt_dur(b, sizeof b, secs);
	if (line && final) {
		buf_addf(line, "done: %llu events, %llu transactions, %llu records, %s read, at %s:%llu, "
			 "%s, %.0f events/s", (unsigned long long)s->events,
			 (unsigned long long)s->txns, (unsigned long long)s->records, a,
			 w->file[0] ? w->file : "-", (unsigned long long)s->off, b,
			 secs > 0 ? (double)s->events / secs : 0);
	} else if (line) {
		double rate = recent_rate(&w->prev_t, &w->prev_events, s->events, secs);
		report_fmt_count(c, sizeof c, rate);
		buf_addf(line, "at %s:%llu, %llu events (%s/s), %llu transactions, %llu records, %s "
			 "read, ", w->file[0] ? w->file : "-", (unsigned long long)s->off,
			 (unsigned long long)s->events, c, (unsigned long long)s->txns,
			 (unsigned long long)s->records, a);
		if (r->have_lag)
			buf_addf(line, "%.0f s behind the source%s, ", r->lag,
				 s->caught_up ? " (caught up)" : "");
		buf_addf(line, "%s elapsed", b);
	}
	if (m) {
		report_metric(r, "events_total", "counter", "Binlog events read.", (double)s->events);
		report_metric(r, "bytes_total", "counter", "Binlog bytes read.", (double)s->bytes);
		report_metric(r, "transactions_total", "counter", "Transactions written.",
			      (double)s->txns);
		report_metric(r, "records_total", "counter", "Records written.", (double)s->records);
		report_metric(r, "binlog_file_number", "gauge", "The binlog being read (its number).",
			      (double)s->fileseq);
		report_metric(r, "binlog_position", "gauge",
			      "The offset after the last event read in that binlog.", (double)s->off);
		if (s->when)
			report_metric(r, "source_event_time_seconds", "gauge",
				      "The time of the last event read (Unix time).", (double)s->when);
		report_metric(r, "retries_total", "counter", "Reconnections after a lost connection.",
			      (double)s->reconnects);
		report_metrics_common(r, w->last_ok);
	}
}

void tail_watch_start(struct tail_watch *w, struct report *rep, struct tail_opts *o)
{
	memset(w, 0, sizeof *w);
	w->rep = rep;
	o->progress = tail_watch_cb;
	o->progress_ctx = w;
	report_start(rep, tail_emit, w);
}

/* ---- mc-tunnel-put ---- */

static void sink_lag(struct sink_watch *w)
{
	if (w->st.src_time > 0)
		report_lag(w->rep, wall() - (double)w->st.src_time);
}

void sink_watch_cb(void *ctx, const struct sink_stats *st)
{
	struct sink_watch *w = ctx;
	if (st->commits > w->st.commits)
		w->last_ok = wall();
	w->st = *st;
	sink_lag(w);
	report_tick(w->rep);
}

static void sink_emit(struct report *r, void *ctx, struct mc_buf *line, int m, int final)
{
	struct sink_watch *w = ctx;
	const struct sink_stats *s = &w->st;
	double secs = report_elapsed(r);
	char a[32], b[32], c[32], pos[96] = "-";
	if (s->has_pos)
		pos_format(&s->pos, pos, sizeof pos);
	report_fmt_bytes(a, sizeof a, (double)s->bytes);
	report_fmt_dur(b, sizeof b, secs);
	if (line && final) {
		buf_addf(line, "done: %llu rows (%s) committed in %llu commits, %llu repeats dropped, "
			 "at %s, %llu records read, %s, %.0f rows/s", (unsigned long long)s->rows, a,
			 (unsigned long long)s->commits, (unsigned long long)s->dropped, pos,
			 (unsigned long long)s->records, b, secs > 0 ? (double)s->rows / secs : 0);
	} else if (line) {
		double rate = recent_rate(&w->prev_t, &w->prev_rows, s->rows, secs);
		report_fmt_count(c, sizeof c, rate);
		buf_addf(line, "%llu rows (%s) committed, %s rows/s, %llu commits, %llu repeats "
			 "dropped, %llu pending, at %s, ", (unsigned long long)s->rows, a, c,
			 (unsigned long long)s->commits, (unsigned long long)s->dropped,
			 (unsigned long long)s->pending, pos);
		if (r->have_lag)
			buf_addf(line, "%.0f s behind the source, ", r->lag);
		buf_addf(line, "%s elapsed", b);
	}
	if (m) {
		report_metric(r, "records_total", "counter", "Records read.", (double)s->records);
		report_metric(r, "rows_total", "counter", "Rows committed.", (double)s->rows);
		report_metric(r, "bytes_total", "counter", "Bytes of rows committed.", (double)s->bytes);
		report_metric(r, "commits_total", "counter", "Commits made.", (double)s->commits);
		report_metric(r, "repeats_dropped_total", "counter",
			      "Records dropped as committed already.", (double)s->dropped);
		report_metric(r, "pending_rows", "gauge", "Rows read, not committed yet.",
			      (double)s->pending);
		if (s->has_pos) {
			report_metric(r, "committed_binlog_file_number", "gauge",
				      "The committed position: binlog number.", (double)s->pos.file);
			report_metric(r, "committed_binlog_position", "gauge",
				      "The committed position: offset.", (double)s->pos.off);
		}
		if (s->src_time > 0)
			report_metric(r, "committed_source_time_seconds", "gauge",
				      "The newest record time committed (Unix time).",
				      (double)s->src_time);
		report_metrics_common(r, w->last_ok);
	}
}

void sink_watch_start(struct sink_watch *w, struct report *rep, struct sink_opts *o)
{
	memset(w, 0, sizeof *w);
	w->rep = rep;
	o->progress = sink_watch_cb;
	o->progress_ctx = w;
	report_start(rep, sink_emit, w);
}

/* ---- mc-merge ---- */

void merge_watch_cb(void *ctx, const struct mergejob_progress *st)
{
	struct merge_watch *w = ctx;
	w->st = *st;
	if (strcmp(st->phase, "done") == 0)
		w->last_ok = wall();
	report_tick(w->rep);
}

/* the share of the input read, in whole percents (100 only when all of
 * it is; an input of nothing is all read once the merge is done) */
static unsigned merge_pct(const struct mergejob_progress *s, int final)
{
	if (!s->in_total)
		return final || (s->phase && strcmp(s->phase, "done") == 0) ? 100 : 0;
	return (unsigned)((double)s->in_read * 100 / (double)s->in_total);
}

static void merge_emit(struct report *r, void *ctx, struct mc_buf *line, int m, int final)
{
	struct merge_watch *w = ctx;
	const struct mergejob_progress *s = &w->st;
	char b[32], in[32], tot[32];
	report_fmt_dur(b, sizeof b, report_elapsed(r));
	report_fmt_bytes(in, sizeof in, (double)s->in_read);
	report_fmt_bytes(tot, sizeof tot, (double)s->in_total);
	if (line && final) {
		buf_addf(line, "done: %s%s%llu rows written, %llu changes applied from %llu log files, "
			 "%llu runs spilled, %s of input read, %s", w->table, w->table[0] ? ": " : "",
			 (unsigned long long)s->rows, (unsigned long long)s->log_rows,
			 (unsigned long long)s->log_files, (unsigned long long)s->runs, in, b);
	} else if (line) {
		buf_addf(line, "%s%s%s: %u%% of input read (%s of %s), %llu changes read, "
			 "%llu rows written, %llu runs spilled, %s elapsed", w->table,
			 w->table[0] ? ": " : "", s->phase ? s->phase : "plan", merge_pct(s, 0), in,
			 tot, (unsigned long long)s->log_rows, (unsigned long long)s->rows,
			 (unsigned long long)s->runs, b);
	}
	if (m) {
		report_metric(r, "rows_total", "counter", "Rows written.", (double)s->rows);
		report_metric(r, "log_rows_total", "counter", "Changes applied.", (double)s->log_rows);
		report_metric(r, "spilled_runs", "gauge", "Runs spilled to disk.", (double)s->runs);
		report_metric(r, "input_read_bytes", "gauge",
			      "Bytes of the input (base and log files) read.", (double)s->in_read);
		report_metric(r, "input_bytes", "gauge",
			      "Bytes of the input to read (the log twice, the base once).",
			      (double)s->in_total);
		report_metrics_common(r, w->last_ok);
	}
}

void merge_watch_start(struct merge_watch *w, struct report *rep, struct mergejob_opts *o)
{
	memset(w, 0, sizeof *w);
	w->rep = rep;
	o->progress = merge_watch_cb;
	o->progress_ctx = w;
	if (o->table)
		snprintf(w->table, sizeof w->table, "%s", o->table);
	report_start(rep, merge_emit, w);
}
