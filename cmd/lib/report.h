/* report.h: what a long-running program shows while it runs (not part of
 * libmc: it prints). The engines hand their numbers to the program through
 * a stats struct and a callback; the program turns them into
 *   - a progress line on standard error (--progress; the default when
 *     standard error is a terminal): one line rewritten in place on a
 *     terminal, else a new line every --progress-interval seconds, and a
 *     one-line summary at the end;
 *   - --metrics=FILE: the Prometheus text format, replaced atomically every
 *     --metrics-interval seconds and at the end (node_exporter's textfile
 *     collector reads *.prom files of a directory);
 *   - --on-alert=CMD: alerts (lag over --max-lag, a DDL under the "alert"
 *     policy, a retry window used up, a failed merge): one line on standard
 *     error, and CMD run by /bin/sh with that line on its standard input and
 *     MCSYNC_ALERT=KIND, MCSYNC_PROGRAM=PROG in its environment.
 *
 * Usage: REPORT_LONGOPTS in the option table, REPORT_OPT_CASES: report_opt()
 * in the getopt switch, report_start() after parsing, report_tick() from the
 * engine's callback, report_end() after a successful run. A failure that
 * goes through prog_fail() writes the last metrics (errors + 1) first. */
#ifndef MC_REPORT_H
#define MC_REPORT_H

#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

enum {
	REPORT_O_PROGRESS = 0x5200, REPORT_O_NO_PROGRESS, REPORT_O_PROGRESS_INTERVAL,
	REPORT_O_METRICS, REPORT_O_METRICS_INTERVAL, REPORT_O_ON_ALERT, REPORT_O_MAX_LAG,
};

#define REPORT_LONGOPTS \
	{ "progress", no_argument, NULL, REPORT_O_PROGRESS }, \
	{ "no-progress", no_argument, NULL, REPORT_O_NO_PROGRESS }, \
	{ "progress-interval", required_argument, NULL, REPORT_O_PROGRESS_INTERVAL }, \
	{ "metrics", required_argument, NULL, REPORT_O_METRICS }, \
	{ "metrics-interval", required_argument, NULL, REPORT_O_METRICS_INTERVAL }, \
	{ "on-alert", required_argument, NULL, REPORT_O_ON_ALERT }
/* --max-lag: for the programs that know a lag (mc-binlog-tail, mc-tunnel-put) */
#define REPORT_LONGOPT_MAX_LAG { "max-lag", required_argument, NULL, REPORT_O_MAX_LAG }

#define REPORT_OPT_CASES \
	case REPORT_O_PROGRESS: case REPORT_O_NO_PROGRESS: case REPORT_O_PROGRESS_INTERVAL: \
	case REPORT_O_METRICS: case REPORT_O_METRICS_INTERVAL: case REPORT_O_ON_ALERT: \
	case REPORT_O_MAX_LAG

/* The usage lines of those options (max_lag: with --max-lag). */
#define REPORT_USAGE \
	"      --progress           progress on standard error (default when it is a\n" \
	"                           terminal: one line updated in place; otherwise a\n" \
	"                           line every --progress-interval seconds, 10)\n" \
	"      --no-progress        no progress and no summary line\n" \
	"      --metrics=FILE       write the Prometheus text format to FILE (atomically,\n" \
	"                           every --metrics-interval seconds, 5, and at the end)\n" \
	"      --on-alert=CMD       run CMD (sh -c) for each alert, the alert's line on\n" \
	"                           its standard input, MCSYNC_ALERT=KIND in its\n" \
	"                           environment; the line goes to standard error too\n"
#define REPORT_USAGE_MAX_LAG \
	"      --max-lag=SECONDS    alert (kind lag) when the lag behind the source\n" \
	"                           passes SECONDS (again once it fell back under)\n"

struct report;
/* The program's part: format the progress line (line: NULL when not due)
 * and the metrics (through report_metric; m: 0 when not due) from the
 * numbers it keeps. final: the end of the run (line: the summary). */
typedef void (*report_emit_fn)(struct report *r, void *ctx, struct mc_buf *line, int m,
			       int final);

struct report {
	int progress;            /* -1: when standard error is a terminal */
	double progress_every;   /* seconds between lines off a terminal */
	const char *metrics;     /* FILE, or NULL */
	double metrics_every;
	const char *on_alert;    /* CMD, or NULL */
	int have_max_lag;
	double max_lag;
	/* set by report_start */
	int show, tty;
	double t0, last_line, last_metrics, last_tick;
	size_t shown;            /* the length of the line on the terminal */
	report_emit_fn emit;
	void *ctx;
	uint64_t errors, alerts;
	int lag_over;            /* an alert of lag fired, the lag not under since */
	double lag, lag_max;
	int have_lag;
	struct mc_buf line, mbuf;
	int ended;
};

/* Defaults: progress on a terminal, a line every 10 s, metrics every 5 s. */
void report_init(struct report *r);
/* One of REPORT_OPT_CASES: 0, or -1 with a usage error in err. */
int report_opt(struct report *r, int c, const char *arg, struct mc_err *err);
/* Begin: the clock starts; emit is called from report_tick and report_end. */
void report_start(struct report *r, report_emit_fn emit, void *ctx);
/* The engine has new numbers: the line and the metrics when due. */
void report_tick(struct report *r);
/* The run ended well: the summary line (when progress is shown) and the
 * last metrics. */
void report_end(struct report *r);
/* Seconds since report_start. */
double report_elapsed(const struct report *r);

/* A lag behind the source (seconds): kept for the metrics, and an alert of
 * kind "lag" when it passes --max-lag (once, until it is back under). */
void report_lag(struct report *r, double seconds);
/* An alert: "PROG: alert KIND: TEXT" on standard error, and --on-alert's
 * CMD run with "KIND: TEXT" on its standard input (waited for, 30 s at
 * most, then killed). */
void report_alert(struct report *r, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An mc_say whose lines are alerts of one kind (ctx: a struct report_kind). */
struct report_kind {
	struct report *r;
	const char *kind;
};
void report_alert_say(void *ctx, const char *line);

/* Inside emit, when m: one metric, "mcsync_NAME{program="PROG"} V" after
 * its HELP and TYPE lines (type "counter" or "gauge"). */
void report_metric(struct report *r, const char *name, const char *type, const char *help,
		   double v);
/* Inside emit, when m: a histogram "mcsync_NAME" (type histogram): a
 * _bucket line per bound (le[i]: the observations <= bounds[i], rising),
 * one of le "+Inf" (count), _sum and _count. */
void report_histogram(struct report *r, const char *name, const char *help,
		      const double *bounds, const uint64_t *le, size_t nb, uint64_t count,
		      double sum);
/* The q-quantile (0..1) of such a histogram, linear inside a bucket, kept
 * within [lo, hi] (the lowest and highest observations, known apart);
 * -1 when count is 0. */
double report_hist_quantile(const double *bounds, const uint64_t *le, size_t nb,
			    uint64_t count, double q, double lo, double hi);

/* The metrics every program writes (errors, alerts, lag, start and last
 * success times): emit calls it once when m. last_ok: the wall time of the
 * last success (a commit, a transaction written; 0: none). */
void report_metrics_common(struct report *r, double last_ok);

/* Formatting helpers for lines: "1.2M" style counts, "1:02:03" durations. */
void report_fmt_count(char *out, size_t n, double v);
void report_fmt_bytes(char *out, size_t n, double v);
void report_fmt_dur(char *out, size_t n, double seconds);

/* The failure hook prog_fail calls (set by report_start): errors + 1, the
 * final metrics, the alert a program's failure is (kind from
 * report_fail_kind, when set). */
extern const char *report_fail_kind; /* e.g. "merge_failed"; NULL: none */
extern int report_retry_exhausted;   /* the retry window was used up */

#endif
