/* t_snapjob: unit tests of the snapshot engine without a server
 * (common/engine/snapshot*.c): the checkpoint chain states, the table
 * selection options, the job queue (window, stream jobs, split, the
 * writer's take), the rate limit and its stop on failure. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/snapshot_int.h"

#define TAP_NAME "t_snapjob"
#include "tap.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static snap_bound bound1(const char *lit)
{
	return snap_bound_parse(lit, strlen(lit));
}

static void test_chain(void)
{
	struct mc_buf b = { 0 };
	struct mc_err e = { 0 };
	snap_bound after = snap_bound_parse("'k1'\t7", 6), got;
	int done, rc;

	tap_check(snapjob_chain_format(1, after, 2, &b) == 0 && b.len == 4 &&
			  memcmp(b.p, "done", 4) == 0,
		  "format: done", "got '%.*s'", (int)b.len, b.p);
	b.len = 0;
	tap_check(snapjob_chain_format(0, NULL, 2, &b) == 0 && b.len == 4 &&
			  memcmp(b.p, "done", 4) == 0,
		  "format: no bound is done", "got '%.*s'", (int)b.len, b.p);
	b.len = 0;
	snapjob_chain_format(0, after, 2, &b);
	buf_addc(&b, 0);
	tap_check(strcmp(b.p, "after\t'k1'\t7") == 0, "format: after, a tab, the literals",
		  "got '%s'", b.p);

	rc = snapjob_chain_parse("table.d.t", b.p, 2, &done, &got, &e);
	tap_check(rc == 0 && !done && got && strcmp(got[0], "'k1'") == 0 &&
			  strcmp(got[1], "7") == 0,
		  "parse: after round-trips", "rc %d done %d", rc, done);
	snap_bound_free(got, 2);

	rc = snapjob_chain_parse("table.d.t", "done", 2, &done, &got, &e);
	tap_check(rc == 0 && done == 1 && !got, "parse: done", "rc %d done %d", rc, done);

	memset(&e, 0, sizeof e);
	rc = snapjob_chain_parse("table.d.t", "after\t1", 2, &done, &got, &e);
	tap_check(rc < 0 && e.code == MC_EXIT_DATA && strstr(e.msg, "bad value for 'table.d.t'") &&
			  strstr(e.msg, "the 2 literals"),
		  "parse: too few literals is an error naming the key", "rc %d: %s", rc, e.msg);
	memset(&e, 0, sizeof e);
	rc = snapjob_chain_parse("table.d.t", "after\t1\t2\t3", 2, &done, &got, &e);
	tap_check(rc < 0, "parse: too many literals is an error", "rc %d", rc);
	rc = snapjob_chain_parse("table.d.t", "after\t1", 0, &done, &got, &e);
	tap_check(rc < 0, "parse: after on a table without a split key is an error", "rc %d", rc);
	rc = snapjob_chain_parse("table.d.t", "Done", 1, &done, &got, &e);
	tap_check(rc < 0, "parse: another word is an error", "rc %d", rc);
	rc = snapjob_chain_parse("table.d.t", "after 1", 1, &done, &got, &e);
	tap_check(rc < 0, "parse: after needs a tab", "rc %d", rc);
	snap_bound_free(after, 2);
	buf_free(&b);
}

static void test_selection(void)
{
	const char *opts[] = { "a.t1:x", "a.t10:y", "b.t1:z", "a.t1:last", "a.t:w" };
	const char *v;

	v = sj_table_opt(opts, 5, "a", "t1");
	tap_check(v && strcmp(v, "last") == 0, "table option: the last for a table wins",
		  "got '%s'", v ? v : "(null)");
	v = sj_table_opt(opts, 5, "a", "t10");
	tap_check(v && strcmp(v, "y") == 0, "table option: t10 is not t1", "got '%s'",
		  v ? v : "(null)");
	v = sj_table_opt(opts, 5, "a", "t");
	tap_check(v && strcmp(v, "w") == 0, "table option: t is not a prefix of t1", "got '%s'",
		  v ? v : "(null)");
	tap_check(!sj_table_opt(opts, 5, "c", "t1"), "table option: none for another database",
		  "found one");
	tap_check(!sj_table_opt(opts, 5, "a", "t2"), "table option: none for another table",
		  "found one");

	tap_check(snapjob_table_arg_ok("d.t:id > 3"), "DB.TABLE:VALUE accepted", "refused");
	tap_check(!snapjob_table_arg_ok("nodot") && !snapjob_table_arg_ok("d.t:") &&
			  !snapjob_table_arg_ok(":x.y") && !snapjob_table_arg_ok("dt:a.b"),
		  "not DB.TABLE:VALUE refused", "accepted one");

	tap_check(sj_db_selected(NULL, "any"), "no --databases: every database", "not selected");
	tap_check(sj_db_selected("a,bb", "a") && sj_db_selected("a,bb", "bb"),
		  "--databases: each listed database", "one not selected");
	tap_check(!sj_db_selected("a,bb", "b") && !sj_db_selected("a,bb", "bbb") &&
			  !sj_db_selected("a,bb", ""),
		  "--databases: no prefix or other name", "selected");
}

/* A queue over one table with a one-column split key. */
static struct snap_table qtable = { .nsplit = 1 };

static void setup(struct snapjob *s, struct snapjob_opts *o, uint64_t threads)
{
	snapjob_opts_init(o);
	o->threads = threads;
	if (sj_init(s, o) < 0)
		tap_fail("sj_init", "failed");
	s->tables = &qtable;
	s->ntables = 1;
}

static struct sj_job *job(const char *lo, const char *hi, int last)
{
	return sj_new_job(0, lo ? bound1(lo) : NULL, hi ? bound1(hi) : NULL, last);
}

static void test_queue(void)
{
	struct snapjob s;
	struct snapjob_opts o;
	struct sj_job *j1, *j2, *j3, *st, *got;
	setup(&s, &o, 1); /* window: 2 jobs */

	tap_check(sj_next_job(&s) == NULL && !sj_workers_done(&s),
		  "empty queue, planning: no job, workers wait", "wrong");
	sj_push(&s, j1 = job(NULL, "10", 0));
	sj_push(&s, st = sj_new_job(0, NULL, NULL, 1));
	st->stream = 1;
	sj_push(&s, j2 = job("10", "20", 0));
	sj_push(&s, j3 = job("20", NULL, 1));
	tap_check(s.head == j1 && s.tail == j3, "push: in order", "head/tail wrong");
	tap_check(sj_next_job(&s) == j1, "next: the head first", "got another");
	j1->state = SJ_RUNNING;
	got = sj_next_job(&s);
	tap_check(got == NULL, "next: a stream job is the writer's, and the window is 2 jobs",
		  "got a job at %s", got == st ? "the stream job" : got == j2 ? "j2" : "j3");
	s.window = 3;
	tap_check(sj_next_job(&s) == j2, "next: past the stream job within the window",
		  "got another");
	j2->state = SJ_RUNNING;
	s.window = 2;

	/* the writer: the head is running, so it would wait; once it is done
	 * it is taken off */
	j1->state = SJ_DONE;
	int what = sj_take(&s, &got);
	tap_check(what == SJ_T_WRITE && got == j1 && s.head == st && !got->next,
		  "take: a done head is written", "what %d", what);
	sj_free_job(&s, got);
	what = sj_take(&s, &got);
	tap_check(what == SJ_T_STREAM && got == st && st->state == SJ_RUNNING && s.head == st,
		  "take: a queued stream job at the head is read by the writer", "what %d", what);
	sj_mark_done(&s, st);
	what = sj_take(&s, &got);
	tap_check(what == SJ_T_WRITE && got == st, "take: then written", "what %d", what);
	sj_free_job(&s, got);

	/* j2 read more rows than planned: it ends at 15, a new job covers
	 * (15, 20] */
	struct mc_err e = { 0 };
	j2->last = 1;
	tap_check(sj_split(&s, j2, bound1("15"), &e) == 0, "split", "%s", e.msg);
	struct sj_job *r = j2->next;
	tap_check(r && r != j3 && strcmp(j2->hi[0], "15") == 0 && !j2->last &&
			  strcmp(r->lo[0], "15") == 0 && strcmp(r->hi[0], "20") == 0 && r->last &&
			  r->next == j3 && r->state == SJ_QUEUED,
		  "split: the chunk ends at the last row read, the rest right after it", "wrong");
	sj_split(&s, j3, bound1("30"), &e);
	tap_check(s.tail == j3->next && j3->next->hi == NULL && j3->next->last && !j3->last,
		  "split of the tail: the new job is the tail, open and last", "wrong");

	s.planning_done = 1;
	tap_check(!sj_workers_done(&s), "workers go on while a job is not done", "done");
	for (struct sj_job *x = s.head; x; x = x->next)
		x->state = SJ_DONE;
	tap_check(sj_workers_done(&s), "workers end when planning is done and every job is",
		  "not done");
	int n = 0;
	while (sj_take(&s, &got) == SJ_T_WRITE) {
		n++;
		sj_free_job(&s, got);
	}
	tap_check(n == 4 && !s.head && !s.tail, "take: every job in order, then the end",
		  "%d jobs", n);
	tap_check(sj_take(&s, &got) == SJ_T_END && !got, "take: the end", "not the end");

	sj_push(&s, job(NULL, "1", 1));
	e.code = MC_EXIT_TRANSIENT;
	snprintf(e.msg, sizeof e.msg, "first");
	sj_set_failed(&s, &e);
	e.code = MC_EXIT_DATA;
	snprintf(e.msg, sizeof e.msg, "second");
	sj_set_failed(&s, &e);
	tap_check(sj_take(&s, &got) == SJ_T_FAILED && s.fail_err.code == MC_EXIT_TRANSIENT &&
			  strcmp(s.fail_err.msg, "first") == 0,
		  "a failure: the writer stops, the first error is kept", "%d %s", s.fail_err.code,
		  s.fail_err.msg);
	tap_check(sj_workers_done(&s) && sj_next_job(&s) != NULL,
		  "a failure: the workers end (the worker loop checks failed first)", "wrong");
	sj_destroy(&s); /* frees the job left */
}

/* A worker finishing the head later: the writer waits for it. */
struct later {
	struct snapjob *s;
	struct sj_job *j;
};

static void *finish_later(void *arg)
{
	struct later *l = arg;
	struct timespec d = { 0, 100 * 1000 * 1000 };
	nanosleep(&d, NULL);
	sj_mark_done(l->s, l->j);
	return NULL;
}

static void *fail_later(void *arg)
{
	struct snapjob *s = arg;
	struct mc_err e = { 0 };
	struct timespec d = { 0, 100 * 1000 * 1000 };
	nanosleep(&d, NULL);
	mc_errf(&e, MC_EXIT_DATA, "stop");
	sj_set_failed(s, &e);
	return NULL;
}

static void test_threads(void)
{
	struct snapjob s;
	struct snapjob_opts o;
	struct sj_job *got;
	pthread_t th;
	setup(&s, &o, 2);

	struct later l = { &s, job(NULL, "5", 1) };
	sj_push(&s, l.j);
	l.j->state = SJ_RUNNING;
	double t0 = now_s();
	pthread_create(&th, NULL, finish_later, &l);
	int what = sj_take(&s, &got);
	double dt = now_s() - t0;
	pthread_join(th, NULL);
	tap_check(what == SJ_T_WRITE && got == l.j && dt >= 0.09,
		  "take waits for the head to be done", "what %d after %.3f s", what, dt);
	sj_free_job(&s, got);

	/* the rate limit: 1000 rows at 10000 rows/s are due at 0.1 s */
	tap_check(sj_rate_due(1000, 0, 10000, 0) == 0.1 && sj_rate_due(10, 4096, 1000, 1024) == 4.0 &&
			  sj_rate_due(5000, 1, 1000, 1024) == 5.0 && sj_rate_due(9, 9, 0, 0) == 0,
		  "rate: due by the stricter of the two limits", "wrong");
	o.max_rate = 10000;
	s.t_start.tv_sec = 0;
	clock_gettime(CLOCK_MONOTONIC, &s.t_start);
	t0 = now_s();
	int rc = sj_tick(&s, 1000, 100);
	dt = now_s() - t0;
	tap_check(rc == 0 && dt >= 0.09 && dt < 2, "tick: sleeps until the rows are due",
		  "rc %d after %.3f s", rc, dt);

	/* 100000 more rows are due in 10 s: a failure ends the wait */
	pthread_create(&th, NULL, fail_later, &s);
	t0 = now_s();
	rc = sj_tick(&s, 100000, 0);
	dt = now_s() - t0;
	pthread_join(th, NULL);
	tap_check(rc < 0 && dt < 3, "tick: a failure ends the wait and stops the read",
		  "rc %d after %.3f s", rc, dt);
	o.max_rate = 0;
	tap_check(sj_tick(&s, 1, 1) < 0, "tick without a limit: -1 once failed", "0");
	sj_destroy(&s);
}

static void test_chunk_end(void)
{
	struct snapjob s;
	struct snapjob_opts o;
	struct mc_err e = { 0 };
	struct snap_table t = { .db = "d", .name = "t", .nsplit = 2 };
	setup(&s, &o, 1);
	s.tables = &t;
	struct sj_job *j = sj_new_job(0, NULL, snap_bound_parse("'a'\t3", 5), 0);
	j->wm.file = 2;
	j->wm.off = 400;
	int rc = sj_add_chunk_end(&s, j, &e);
	struct mc_rec r;
	struct mc_scratch sc;
	size_t used;
	memset(&sc, 0, sizeof sc);
	int d = rc == 0 ? rec_decode(j->out.p, j->out.len, 0, &used, &r, &sc, &e) : -1;
	tap_check(d == 1 && used == j->out.len && j->nrecs == 1 && r.kind == MC_R_MARK &&
			  r.mark == MC_MARK_CHUNK_END && r.label.n == 13 && r.pos.file == 2 && r.pos.off == 400 &&
			  memcmp(r.label.p, "(-inf, 'a'\t3]", 13) == 0,
		  "chunk_end: one mark labelled (LO, HI]", "rc %d decode %d: %s", rc, d, e.msg);
	rec_scratch_free(&sc);
	sj_free_job(&s, j);
	sj_destroy(&s);
}

int main(void)
{
	test_chain();
	test_selection();
	test_queue();
	test_threads();
	test_chunk_end();
	return tap_done();
}
