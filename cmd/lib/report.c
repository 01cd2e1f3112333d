/* report.c: progress lines, the metrics file and alerts (report.h). */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/io.h"
#include "base/num.h"
#include "prog.h"

const char *report_fail_kind;
int report_retry_exhausted;

static struct report *failing; /* the report prog_fail's hook writes */

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void report_init(struct report *r)
{
	memset(r, 0, sizeof *r);
	r->progress = -1;
	r->progress_every = 10;
	r->metrics_every = 5;
}

static int seconds_opt(const char *name, const char *arg, double min, double *out,
		       struct mc_err *err)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (!*arg || *end || errno || !(v >= min) || v > 1e9)
		return mc_errf(err, MC_EXIT_USAGE, "--%s: '%s' is not a number of seconds "
			       "(at least %g)", name, arg, min);
	*out = v;
	return 0;
}

int report_opt(struct report *r, int c, const char *arg, struct mc_err *err)
{
	switch (c) {
	case REPORT_O_PROGRESS: r->progress = 1; return 0;
	case REPORT_O_NO_PROGRESS: r->progress = 0; return 0;
	case REPORT_O_PROGRESS_INTERVAL:
		return seconds_opt("progress-interval", arg, 0.1, &r->progress_every, err);
	case REPORT_O_METRICS:
		if (!*arg)
			return mc_errf(err, MC_EXIT_USAGE, "--metrics: empty file name");
		r->metrics = arg;
		return 0;
	case REPORT_O_METRICS_INTERVAL:
		return seconds_opt("metrics-interval", arg, 0.1, &r->metrics_every, err);
	case REPORT_O_ON_ALERT:
		if (!*arg)
			return mc_errf(err, MC_EXIT_USAGE, "--on-alert: empty command");
		r->on_alert = arg;
		return 0;
	case REPORT_O_MAX_LAG:
		r->have_max_lag = 1;
		return seconds_opt("max-lag", arg, 0, &r->max_lag, err);
	}
	return mc_errf(err, MC_EXIT_USAGE, "unknown report option");
}

double report_elapsed(const struct report *r)
{
	return mono() - r->t0;
}

static void fail_hook(const struct mc_err *e);

void report_start(struct report *r, report_emit_fn emit, void *ctx)
{
	r->tty = isatty(2);
	r->show = r->progress < 0 ? r->tty : r->progress;
	r->emit = emit;
	r->ctx = ctx;
	r->t0 = r->last_line = r->last_metrics = mono();
	failing = r;
	prog_fail_hook = fail_hook;
	if (r->metrics)
		report_tick(r); /* the file exists from the start */
}

static void put_line(struct report *r, int final)
{
	struct mc_buf *b = &r->line;
	if (r->tty) {
		/* rewrite the line in place: \r, the text, blanks over the rest
		 * of the longer line before */
		size_t len = b->len;
		char pad[256];
		size_t np = r->shown > len ? r->shown - len : 0;
		if (np > sizeof pad)
			np = sizeof pad;
		memset(pad, ' ', np);
		fprintf(stderr, "\r%s: %.*s%.*s", prog_name, (int)len, b->p, (int)np, pad);
		if (np)
			fprintf(stderr, "\r%s: %.*s", prog_name, (int)len, b->p);
		r->shown = len;
		if (final) {
			fputc('\n', stderr);
			r->shown = 0;
		}
	} else {
		fprintf(stderr, "%s: %.*s\n", prog_name, (int)b->len, b->p);
	}
	fflush(stderr);
}

static void write_metrics(struct report *r)
{
	struct mc_err e = { 0 };
	if (afile_write(r->metrics, r->mbuf.p, r->mbuf.len, &e) < 0 && r->errors < UINT64_MAX) {
		/* the file cannot be written: say so once per failure, go on */
		prog_warn("--metrics: %s", e.msg);
	}
}

static void emit(struct report *r, int line, int m, int final)
{
	r->line.len = r->mbuf.len = 0;
	r->emit(r, r->ctx, line ? &r->line : NULL, m, final);
	if (line && r->line.len)
		put_line(r, final);
	if (m)
		write_metrics(r);
}

void report_tick(struct report *r)
{
	if (!r->emit || r->ended)
		return;
	double now = mono();
	if (now - r->last_tick < 0.2 && r->last_tick > 0)
		return;
	r->last_tick = now;
	int line = r->show && now - r->last_line >= (r->tty ? 0.5 : r->progress_every);
	int m = r->metrics && (now - r->last_metrics >= r->metrics_every || r->last_metrics == r->t0);
	if (line)
		r->last_line = now;
	if (m)
		r->last_metrics = now + (r->last_metrics == r->t0 ? 1e-9 : 0);
	if (line || m)
		emit(r, line, m, 0);
}

void report_end(struct report *r)
{
	if (!r->emit || r->ended)
		return;
	r->ended = 1;
	emit(r, r->show, r->metrics != NULL, 1);
	if (failing == r) {
		failing = NULL;
		prog_fail_hook = NULL;
	}
	buf_free(&r->line);
	buf_free(&r->mbuf);
}

static void fail_hook(const struct mc_err *e)
{
	struct report *r = failing;
	if (!r || r->ended)
		return;
	r->errors++;
	if (r->tty && r->shown) {
		fputc('\n', stderr); /* the message on a line of its own */
		r->shown = 0;
	}
	if (report_fail_kind)
		report_alert(r, report_fail_kind, "%s", e->msg);
	else if (e->code == MC_EXIT_TRANSIENT &&
		 (report_retry_exhausted || strstr(e->msg, "gave up after")))
		report_alert(r, "retry", "%s", e->msg);
	r->ended = 1;
	if (r->metrics && r->emit) {
		r->mbuf.len = 0;
		r->emit(r, r->ctx, NULL, 1, 1);
		write_metrics(r);
	}
}

void report_lag(struct report *r, double seconds)
{
	if (seconds < 0)
		seconds = 0;
	r->lag = seconds;
	r->have_lag = 1;
	if (seconds > r->lag_max)
		r->lag_max = seconds;
	if (!r->have_max_lag)
		return;
	if (seconds > r->max_lag && !r->lag_over) {
		r->lag_over = 1;
		report_alert(r, "lag", "%.0f s behind the source, over --max-lag=%g", seconds,
			     r->max_lag);
	} else if (seconds <= r->max_lag) {
		r->lag_over = 0;
	}
}

/* Run CMD with text on its standard input; its standard output goes to
 * our standard error (standard output may carry records). */
static void run_alert_cmd(struct report *r, const char *kind, const char *text)
{
	int p[2];
	if (pipe(p) < 0) {
		prog_warn("--on-alert: pipe: %s", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		prog_warn("--on-alert: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		dup2(p[0], 0);
		dup2(2, 1);
		close(p[0]);
		close(p[1]);
		setenv("MCSYNC_ALERT", kind, 1);
		setenv("MCSYNC_PROGRAM", prog_name, 1);
		execl("/bin/sh", "sh", "-c", r->on_alert, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	struct mc_buf b = { 0 };
	if (buf_addf(&b, "%s: %s\n", kind, text) == 0)
		(void)io_write_all(p[1], b.p, b.len); /* EPIPE: CMD did not read it */
	buf_free(&b);
	close(p[1]);
	int st = 0;
	double until = mono() + 30;
	pid_t w;
	while ((w = waitpid(pid, &st, WNOHANG)) == 0 && mono() < until)
		nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		prog_warn("--on-alert: '%s' still ran after 30 s: killed", r->on_alert);
	} else if (w > 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		prog_warn("--on-alert: '%s' failed (%s %d)", r->on_alert,
			  WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st)
									: WTERMSIG(st));
	}
}

void report_alert(struct report *r, const char *kind, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	for (char *c = text; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	r->alerts++;
	if (r->tty && r->shown) {
		fputc('\n', stderr);
		r->shown = 0;
	}
	prog_warn("alert %s: %s", kind, text);
	if (r->on_alert)
		run_alert_cmd(r, kind, text);
}

void report_alert_say(void *ctx, const char *line)
{
	struct report_kind *k = ctx;
	if (strncmp(line, "alert: ", 7) == 0)
		line += 7; /* mc-transform's lines begin so: the kind says it */
	report_alert(k->r, k->kind, "%s", line);
}

void report_metric(struct report *r, const char *name, const char *type, const char *help,
		   double v)
{
	char num[64];
	if (isfinite(v) && v == floor(v) && fabs(v) < 9e15)
		snprintf(num, sizeof num, "%.0f", v);
	else
		snprintf(num, sizeof num, "%.3f", v);
	if (buf_addf(&r->mbuf, "# HELP mcsync_%s %s\n# TYPE mcsync_%s %s\n"
			       "mcsync_%s{program=\"%s\"} %s\n",
		     name, help, name, type, name, prog_name, num) < 0)
		prog_oom("the metrics");
}

void report_histogram(struct report *r, const char *name, const char *help,
		      const double *bounds, const uint64_t *le, size_t nb, uint64_t count,
		      double sum)
{
	int rc = buf_addf(&r->mbuf, "# HELP mcsync_%s %s\n# TYPE mcsync_%s histogram\n", name,
			  help, name);
	for (size_t i = 0; i < nb && rc == 0; i++)
		rc = buf_addf(&r->mbuf, "mcsync_%s_bucket{program=\"%s\",le=\"%g\"} %llu\n", name,
			      prog_name, bounds[i], (unsigned long long)le[i]);
	if (rc == 0)
		rc = buf_addf(&r->mbuf, "mcsync_%s_bucket{program=\"%s\",le=\"+Inf\"} %llu\n"
				       "mcsync_%s_sum{program=\"%s\"} %.3f\n"
				       "mcsync_%s_count{program=\"%s\"} %llu\n",
			      name, prog_name, (unsigned long long)count, name, prog_name, sum,
			      name, prog_name, (unsigned long long)count);
	if (rc < 0)
		prog_oom("the metrics");
}

double report_hist_quantile(const double *bounds, const uint64_t *le, size_t nb,
			    uint64_t count, double q, double lo, double hi)
{
	if (count == 0)
		return -1;
	double rank = q * (double)count, v = hi;
	for (size_t i = 0; i < nb; i++) {
		if ((double)le[i] >= rank && le[i] > 0) {
			double b0 = i ? bounds[i - 1] : 0, c0 = i ? (double)le[i - 1] : 0;
			double in = (double)le[i] - c0;
			v = in > 0 ? b0 + (bounds[i] - b0) * (rank - c0) / in : bounds[i];
			break;
		}
	}
	if (v > hi)
		v = hi;
	if (v < lo)
		v = lo;
	return v;
}

void report_metrics_common(struct report *r, double last_ok)
{
	report_metric(r, "errors_total", "counter", "Runs ended by an error.", (double)r->errors);
	report_metric(r, "alerts_total", "counter", "Alerts raised.", (double)r->alerts);
	if (r->have_lag) {
		report_metric(r, "lag_seconds", "gauge", "Seconds behind the source.", r->lag);
		report_metric(r, "lag_max_seconds", "gauge",
			      "The highest lag behind the source in this run.", r->lag_max);
	}
	report_metric(r, "start_time_seconds", "gauge", "When this run started (Unix time).",
		      floor(wall() - report_elapsed(r)));
	if (last_ok > 0)
		report_metric(r, "last_success_time_seconds", "gauge",
			      "The last success: a commit, a transaction written (Unix time).",
			      last_ok);
	report_metric(r, "metrics_time_seconds", "gauge", "When this file was written (Unix time).",
		      floor(wall()));
	report_metric(r, "running", "gauge", "1 while the run goes on, 0 at its end.",
		      r->ended || !r->emit ? 0 : 1);
}

void report_fmt_count(char *out, size_t n, double v)
{
	if (v < 1e4)
		snprintf(out, n, "%.0f", v);
	else if (v < 1e6)
		snprintf(out, n, "%.1fk", v / 1e3);
	else if (v < 1e9)
		snprintf(out, n, "%.2fM", v / 1e6);
	else
		snprintf(out, n, "%.2fG", v / 1e9);
}

void report_fmt_bytes(char *out, size_t n, double v)
{
	const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int i = 0;
	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(out, n, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

void report_fmt_dur(char *out, size_t n, double s)
{
	if (!(s >= 0) || s > 359999999)
		s = 0;
	uint64_t t = (uint64_t)(s + 0.5);
	snprintf(out, n, "%llu:%02llu:%02llu", (unsigned long long)(t / 3600),
		 (unsigned long long)(t / 60 % 60), (unsigned long long)(t % 60));
}
