/* snapshot_sched.c: the scheduler of the snapshot engine. One planner
 * thread walks each table's split key, chunk_rows keys at a time, and
 * queues the chunks in output order; N workers read queued chunks (within
 * a window of 2 x N jobs from the head, which bounds memory) into their
 * buffers; the writer thread (snapshot.c) takes finished chunks off the
 * head in order, and itself streams the tables without a split key. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "engine/snapshot_int.h"

struct sj_thread {
	struct snapjob *s;
	MYSQL *m; /* owned by the thread: closed when it ends */
};

int sj_init(struct snapjob *s, const struct snapjob_opts *o)
{
	pthread_condattr_t ca;
	memset(s, 0, sizeof *s);
	s->o = o;
	s->fd = -1;
	s->window = o->threads * 2;
	if (pthread_condattr_init(&ca) != 0)
		return -1;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int rc = pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0)
		return -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->rate_mu, NULL);
	clock_gettime(CLOCK_MONOTONIC, &s->t_start);
	return 0;
}

void sj_destroy(struct snapjob *s)
{
	while (s->head) {
		struct sj_job *j = s->head;
		s->head = j->next;
		sj_free_job(s, j);
	}
	s->tail = NULL;
	while (s->nspare)
		buf_free(&s->spare[--s->nspare]);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->rate_mu);
}

double sj_elapsed(const struct snapjob *s)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - s->t_start.tv_sec) +
	       (double)(now.tv_nsec - s->t_start.tv_nsec) / 1e9;
}

void sj_set_failed(struct snapjob *s, const struct mc_err *e)
{
	pthread_mutex_lock(&s->mu);
	if (!s->failed) {
		s->failed = 1;
		s->fail_err = *e;
	}
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

int sj_failed(struct snapjob *s)
{
	pthread_mutex_lock(&s->mu);
	int f = s->failed;
	pthread_mutex_unlock(&s->mu);
	return f;
}

struct sj_job *sj_new_job(size_t ti, snap_bound lo, snap_bound hi, int last)
{
	struct sj_job *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	j->ti = ti;
	j->lo = lo;
	j->hi = hi;
	j->last = last;
	return j;
}

void sj_free_job(struct snapjob *s, struct sj_job *j)
{
	size_t ns = s->tables ? s->tables[j->ti].nsplit : 0;
	buf_free(&j->out);
	snap_bound_free(j->lo, ns);
	snap_bound_free(j->hi, ns);
	free(j);
}

void sj_keep_out(struct snapjob *s, struct sj_job *j)
{
	pthread_mutex_lock(&s->mu);
	if (j->out.cap && s->nspare < sizeof s->spare / sizeof s->spare[0]) {
		j->out.len = 0;
		s->spare[s->nspare++] = j->out;
		memset(&j->out, 0, sizeof j->out);
	}
	pthread_mutex_unlock(&s->mu);
}

void sj_reuse_out(struct snapjob *s, struct sj_job *j)
{
	pthread_mutex_lock(&s->mu);
	if (!j->out.cap && s->nspare)
		j->out = s->spare[--s->nspare];
	pthread_mutex_unlock(&s->mu);
}

void sj_push(struct snapjob *s, struct sj_job *j)
{
	pthread_mutex_lock(&s->mu);
	if (s->tail)
		s->tail->next = j;
	else
		s->head = j;
	s->tail = j;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

struct sj_job *sj_next_job(const struct snapjob *s)
{
	uint64_t k = 0;
	struct sj_job *j = s->head;
	while (j && (j->state != SJ_QUEUED || j->stream) && k < s->window) {
		j = j->next;
		k++;
	}
	return j && j->state == SJ_QUEUED && !j->stream && k < s->window ? j : NULL;
}

int sj_workers_done(const struct snapjob *s)
{
	if (s->failed)
		return 1;
	if (!s->planning_done)
		return 0;
	for (const struct sj_job *x = s->head; x; x = x->next)
		if (x->state != SJ_DONE)
			return 0;
	return 1;
}

int sj_split(struct snapjob *s, struct sj_job *j, snap_bound last, struct mc_err *err)
{
	size_t ns = s->tables[j->ti].nsplit;
	snap_bound hi = snap_bound_dup(last, ns);
	struct sj_job *r = hi ? sj_new_job(j->ti, last, j->hi, j->last) : NULL;
	if (!r) {
		snap_bound_free(hi, ns);
		snap_bound_free(last, ns);
		return mc_oom(err, "a chunk");
	}
	pthread_mutex_lock(&s->mu);
	r->next = j->next;
	j->next = r;
	if (s->tail == j)
		s->tail = r;
	j->hi = hi;
	j->last = 0;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* ---- the planner ---- */

/* One more chunk of table ti planned (last: its last): for the progress. */
static void planned(struct snapjob *s, size_t ti, int last)
{
	pthread_mutex_lock(&s->mu);
	if (s->t_chunks) {
		s->t_chunks[ti]++;
		s->t_planned[ti] = (unsigned char)last;
	}
	pthread_mutex_unlock(&s->mu);
}

static int plan_table(struct snapjob *s, MYSQL *m, size_t ti, struct mc_err *e)
{
	struct snap_table *t = &s->tables[ti];
	snap_bound lo = NULL;
	if (s->from[ti] && !(lo = snap_bound_dup(s->from[ti], t->nsplit)))
		return mc_oom(e, "a chunk bound");
	if (!t->nsplit) {
		struct sj_job *j = sj_new_job(ti, NULL, NULL, 1);
		if (!j)
			return mc_oom(e, "a chunk");
		j->stream = s->consistency == SNAPJOB_SNAPSHOT;
		sj_push(s, j);
		planned(s, ti, 1);
		return 0;
	}
	struct snap_steps steps;
	int by_steps = snap_steps_init(m, t, lo, s->o->chunk_rows, &steps, e);
	if (by_steps < 0) {
		snap_bound_free(lo, t->nsplit);
		return -1;
	}
	pthread_mutex_lock(&s->mu);
	t->by_steps = by_steps;
	pthread_mutex_unlock(&s->mu);
	for (;;) {
		snap_bound hi, next = NULL;
		struct sj_job *j = NULL;
		if (sj_failed(s)) {
			snap_bound_free(lo, t->nsplit);
			return 1;
		}
		int rc = by_steps ? snap_steps_next(&steps, &hi, e)
				  : snap_next_bound(m, t, lo, s->o->chunk_rows, &hi, e);
		if (rc < 0) {
			snap_bound_free(lo, t->nsplit);
			return -1;
		}
		/* the job owns lo and hi and may be freed as soon as it is
		 * pushed: copy hi first */
		if ((rc && !(next = snap_bound_dup(hi, t->nsplit))) ||
		    !(j = sj_new_job(ti, lo, hi, rc == 0))) {
			snap_bound_free(next, t->nsplit);
			snap_bound_free(lo, t->nsplit);
			snap_bound_free(hi, t->nsplit);
			return mc_oom(e, "a chunk");
		}
		sj_push(s, j);
		planned(s, ti, rc == 0);
		if (rc == 0)
			return 0;
		lo = next;
	}
}

static void *planner(void *arg)
{
	struct sj_thread *th = arg;
	struct snapjob *s = th->s;
	struct mc_err e = { 0 };
	for (size_t ti = 0; ti < s->ntables; ti++) {
		if (s->skip[ti])
			continue;
		int rc = plan_table(s, th->m, ti, &e);
		if (rc < 0)
			sj_set_failed(s, &e);
		if (rc != 0)
			break;
	}
	pthread_mutex_lock(&s->mu);
	s->planning_done = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	mysql_close(th->m);
	mysql_thread_end();
	return NULL;
}

/* ---- the rate limit ---- */

double sj_rate_due(uint64_t rows, uint64_t bytes, uint64_t max_rate, uint64_t max_bytes_rate)
{
	double want = 0;
	if (max_rate)
		want = (double)rows / (double)max_rate;
	if (max_bytes_rate && (double)bytes / (double)max_bytes_rate > want)
		want = (double)bytes / (double)max_bytes_rate;
	return want;
}

int sj_tick(struct snapjob *s, uint64_t rows, uint64_t bytes)
{
	const struct snapjob_opts *o = s->o;
	if (!o->max_rate && !o->max_bytes_rate)
		return sj_failed(s) ? -1 : 0;
	pthread_mutex_lock(&s->rate_mu);
	s->rate_rows += rows;
	s->rate_bytes += bytes;
	double want = sj_rate_due(s->rate_rows, s->rate_bytes, o->max_rate, o->max_bytes_rate);
	pthread_mutex_unlock(&s->rate_mu);
	/* sleep until then, or until the run fails */
	struct timespec dl = s->t_start;
	dl.tv_sec += (time_t)want;
	dl.tv_nsec += (long)((want - (double)(time_t)want) * 1e9);
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	while (!s->failed && sj_elapsed(s) < want)
		if (pthread_cond_timedwait(&s->cv, &s->mu, &dl) == ETIMEDOUT)
			break;
	int f = s->failed;
	pthread_mutex_unlock(&s->mu);
	return f ? -1 : 0;
}

static int worker_tick(void *ctx, uint64_t rows, uint64_t bytes)
{
	return sj_tick(ctx, rows, bytes);
}

/* ---- the workers ---- */

static int add_label(struct mc_buf *b, const struct snap_table *t, const struct sj_job *j)
{
	if (buf_addc(b, '(') < 0 ||
	    (j->lo ? snap_bound_format(j->lo, t->nsplit, b) : buf_adds(b, "-inf")) < 0 ||
	    buf_adds(b, ", ") < 0 ||
	    (j->hi ? snap_bound_format(j->hi, t->nsplit, b) : buf_adds(b, "+inf")) < 0 ||
	    buf_addc(b, ']') < 0)
		return -1;
	return 0;
}

int sj_add_chunk_end(struct snapjob *s, struct sj_job *j, struct mc_err *err)
{
	struct snap_table *t = &s->tables[j->ti];
	struct mc_buf label = { 0 };
	if (add_label(&label, t, j) < 0) {
		buf_free(&label);
		return mc_oom(err, "a chunk label");
	}
	struct mc_rec r;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_MARK;
	r.mark = MC_MARK_CHUNK_END;
	r.pos = j->wm;
	r.time = (int64_t)time(NULL);
	r.db = mc_str_c(t->db, strlen(t->db));
	r.table = mc_str_c(t->name, strlen(t->name));
	r.label = mc_str_c(label.p, label.len);
	int rc = rec_encode(&j->out, &r, err);
	buf_free(&label);
	if (rc < 0)
		return -1;
	j->nrecs++;
	return 0;
}

static int run_job(struct snapjob *s, MYSQL *m, struct snap_reader *rd,
		   struct snap_def_seen *seen, struct sj_job *j, struct mc_err *e)
{
	struct snap_table *t = &s->tables[j->ti];
	uint64_t n, chunk = s->o->chunk_rows;
	snap_bound last = NULL;
	if (s->consistency == SNAPJOB_LOCK)
		j->wm = s->lock_wm;
	else if (snap_begin(m, &j->wm, e) < 0)
		return -1;
	uint64_t limit = t->nsplit ? chunk + chunk / 2 : 0;
	sj_reuse_out(s, j);
	if (snap_read(m, rd, t, j->lo, j->hi, limit, &j->wm, (int64_t)time(NULL), &j->out, &n,
		      &last, worker_tick, s, e) < 0)
		return -1;
	/* the chunk's SELECT holds the table's metadata lock until the COMMIT;
	 * chunks of the table follow unless this one was its last */
	if (snap_def_check(m, t, seen, j->hi || last, e) < 0 ||
	    (s->consistency != SNAPJOB_LOCK && my_exec(m, "COMMIT", e) < 0)) {
		snap_bound_free(last, t->nsplit);
		return -1;
	}
	j->rows = n;
	j->nrecs = n;
	/* more rows than planned (the table grew, or the last, open chunk):
	 * this chunk ends at the last row read, the rest is a new chunk right
	 * after it */
	if (last && sj_split(s, j, last, e) < 0)
		return -1;
	return sj_add_chunk_end(s, j, e);
}

static void *worker(void *arg)
{
	struct sj_thread *th = arg;
	struct snapjob *s = th->s;
	struct snap_reader rd = { 0 };
	struct snap_def_seen seen = { 0 };
	struct mc_err e = { 0 };
	rd.max_bytes = (size_t)s->o->chunk_bytes;
	for (;;) {
		struct sj_job *j = NULL;
		pthread_mutex_lock(&s->mu);
		while (!s->failed && !(j = sj_next_job(s)) && !sj_workers_done(s))
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->failed)
			j = NULL;
		if (j)
			j->state = SJ_RUNNING;
		pthread_mutex_unlock(&s->mu);
		if (!j)
			break;
		if (run_job(s, th->m, &rd, &seen, j, &e) < 0) {
			sj_set_failed(s, &e);
			break;
		}
		sj_mark_done(s, j);
	}
	snap_reader_free(&rd);
	snap_def_seen_free(&seen);
	mysql_close(th->m);
	mysql_thread_end();
	return NULL;
}

/* ---- the writer's side ---- */

int sj_take(struct snapjob *s, struct sj_job **out)
{
	struct sj_job *j;
	*out = NULL;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		j = s->head;
		if (s->failed || (j && (j->state == SJ_DONE || (j->stream && j->state == SJ_QUEUED))) ||
		    (s->planning_done && !j))
			break;
		pthread_cond_wait(&s->cv, &s->mu);
	}
	if (s->failed) {
		pthread_mutex_unlock(&s->mu);
		return SJ_T_FAILED;
	}
	if (!j) {
		pthread_mutex_unlock(&s->mu);
		return SJ_T_END;
	}
	if (j->stream && j->state == SJ_QUEUED) {
		j->state = SJ_RUNNING;
		pthread_mutex_unlock(&s->mu);
		*out = j;
		return SJ_T_STREAM;
	}
	s->head = j->next;
	if (!s->head)
		s->tail = NULL;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	j->next = NULL;
	*out = j;
	return SJ_T_WRITE;
}

void sj_mark_done(struct snapjob *s, struct sj_job *j)
{
	pthread_mutex_lock(&s->mu);
	j->state = SJ_DONE;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* ---- threads ---- */

int sj_start(struct snapjob *s, struct mc_err *err)
{
	uint64_t n = s->o->threads;
	s->workers = calloc(n, sizeof *s->workers);
	s->targs = calloc(n + 1, sizeof *s->targs);
	if (!s->workers || !s->targs)
		return mc_oom(err, "the threads");
	struct sj_thread *args = s->targs;
	args[0].s = s;
	args[0].m = s->plan_conn;
	if (pthread_create(&s->planner, NULL, planner, &args[0]) != 0)
		return mc_errf(err, MC_EXIT_DATA, "cannot start a thread");
	s->planner_started = 1;
	s->plan_conn = NULL;
	for (uint64_t i = 0; i < n; i++) {
		args[i + 1].s = s;
		args[i + 1].m = s->wconn[i];
		if (pthread_create(&s->workers[i], NULL, worker, &args[i + 1]) != 0) {
			mc_errf(err, MC_EXIT_DATA, "cannot start a thread");
			sj_set_failed(s, err);
			sj_join(s);
			return -1;
		}
		s->wconn[i] = NULL;
		s->nworkers++;
	}
	return 0;
}

void sj_join(struct snapjob *s)
{
	if (s->planner_started) {
		pthread_join(s->planner, NULL);
		s->planner_started = 0;
	}
	for (uint64_t i = 0; i < s->nworkers; i++)
		pthread_join(s->workers[i], NULL);
	s->nworkers = 0;
}
