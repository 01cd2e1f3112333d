/* dest_odps_early.c: what a partition's append and the commit need that
 * does not depend on the rows, started when the sink reads the
 * partition's first row of a commit (dest_ops.prepare) and done on a
 * thread of its own while the sink reads on (docs/maxcompute.md
 * "Uploading", "Tables made and sessions opened while the sink reads"):
 * the tables and the partition made sure of (odd_ensure_table), the
 * upload session created, and the second writer's check of the table's
 * source (odd_writer_check_names).
 *
 * One thread at a time works through the partitions in the order they
 * came, on the destination's own client (w->c); every other operation of
 * the destination waits for it first (odd_early_drain), so the client is
 * one thread's at any moment, as before. What the thread does is only
 * what the append or the commit would do, and is used by them only when
 * it is exactly that (odd_append): otherwise the append does it again
 * (and reports its errors: none are reported from here), and a session
 * made here and not used is never committed (it expires, as that of a
 * run killed before its PUTs). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "odps/dest_odps_int.h"

struct odd_early {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	int running, joinable;
	struct odd_prep **q; /* this commit's, in the order they came */
	size_t n, cap, next; /* next: the first the thread has not taken */
};

void odd_prep_free(struct odd_prep *r)
{
	if (!r)
		return;
	free(r->table);
	free(r->sname);
	free(r->part);
	free(r->tpart);
	free(r->nkey);
	free(r->name);
	buf_free(&r->schemas);
	odps_session_free(&r->sess);
	free(r);
}

static void run(struct odd *w, struct odd_prep *r)
{
	struct mc_err err = { 0 };
	struct dest_part sh;
	memset(&sh, 0, sizeof sh);
	sh.table = r->table;
	sh.sname = r->sname;
	sh.part = r->part;
	sh.tpart = r->tpart;
	sh.is_log = r->is_log;
	sh.layout = r->layout;
	/* the state directory not behind MaxCompute, once per run
	 * (dest_odps_stale.c): a refusal makes nothing */
	odd_stale_early(w);
	if (w->stale_refused)
		return;
	/* the schema history first, as the append writes it before it makes
	 * the tables: a table in MaxCompute has its schema in the history
	 * (the append finds nothing new to write) */
	if (r->schemas.len && odd_hist_write(w, &sh, r->schemas.p, r->schemas.len, 0, &err) < 0)
		goto check;
	if (r->ensure && (odd_ensure_table(w, &sh, r->schemas.p, r->schemas.len, &err) < 0 ||
			  !sh.ensured))
		goto check;
	r->ensured = r->ensure;
	{
		struct odps_up u = { &w->c, r->table, r->tpart, w->o.retry_s,
				     (uint64_t)(uintptr_t)r->p, w->o.say, w->o.threads, &w->conns };
		if (odps_up_create(&u, 1, &r->sess, &err) == 0)
			r->has_sess = 1;
	}
check:
	if (r->nkey && r->name) {
		/* done once per source table and run (w->wseen); a refusal is
		 * kept for the commit's own check, which says it */
		struct ckpt names = { 0 };
		struct mc_err e2 = { 0 };
		if (ckpt_set(&names, r->nkey, r->name, &e2) == 0 &&
		    odd_writer_check_names(w, &names, &e2) < 0 && e2.code == MC_EXIT_DATA &&
		    !w->wrefused_key && (w->wrefused_key = mc_strdup(r->nkey)))
			w->wrefused = e2; /* said by the commit's check (not a
					   * transient failure: asked again) */
		ckpt_free(&names);
	}
}

static void *thread(void *arg)
{
	struct odd *w = arg;
	struct odd_early *e = w->early;
	pthread_mutex_lock(&e->mu);
	while (e->next < e->n) {
		struct odd_prep *r = e->q[e->next++];
		pthread_mutex_unlock(&e->mu);
		run(w, r);
		pthread_mutex_lock(&e->mu);
	}
	e->running = 0;
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

void odd_early_drain(struct odd *w)
{
	struct odd_early *e = w->early;
	if (!e)
		return;
	pthread_mutex_lock(&e->mu);
	while (e->running)
		pthread_cond_wait(&e->cv, &e->mu);
	pthread_mutex_unlock(&e->mu);
	if (e->joinable) {
		pthread_join(e->th, NULL);
		e->joinable = 0;
	}
}

void odd_early_prepare(struct odd *w, struct dest_part *p, const char *schemas, size_t len,
		       int layout, const char *nkey, const char *name)
{
	struct odd_early *e = w->early;
	struct odd_prep *r;
	int ok;
	/* the plain case only: a partition of a table of one schema version
	 * (odd_append takes the work only then), not the upsert mode's */
	if (p->is_ddl || w->o.upsert || (!p->ensured && !len) || odd_hist_versions(w, p) > 1)
		return;
	if (!e) {
		if (!(e = calloc(1, sizeof *e)))
			return;
		if (pthread_mutex_init(&e->mu, NULL) != 0) {
			free(e);
			return;
		}
		if (pthread_cond_init(&e->cv, NULL) != 0) {
			pthread_mutex_destroy(&e->mu);
			free(e);
			return;
		}
		w->early = e;
	}
	for (size_t i = 0; i < e->n; i++)
		if (e->q[i] && e->q[i]->p == p)
			return; /* asked already in this commit */
	if (!(r = calloc(1, sizeof *r)))
		return;
	r->p = p;
	r->is_log = p->is_log;
	r->layout = layout;
	r->ensure = !p->ensured;
	ok = (r->table = mc_strdup(p->table)) && (r->sname = mc_strdup(p->sname)) &&
	     (r->part = mc_strdup(p->part)) &&
	     (r->tpart = mc_strdup(p->tpart)) && buf_add(&r->schemas, schemas, len) == 0;
	if (ok && nkey && name) /* (w->wseen is the thread's now: it skips those seen) */
		ok = (r->nkey = mc_strdup(nkey)) && (r->name = mc_strdup(name));
	pthread_mutex_lock(&e->mu);
	if (ok)
		ok = mc_grow(&e->q, &e->cap, e->n + 1, sizeof *e->q) == 0;
	if (ok) {
		e->q[e->n++] = r;
		r = NULL;
		if (!e->running) {
			if (e->joinable) /* it has ended: running is its last write */
				pthread_join(e->th, NULL);
			e->joinable = 0;
			if (pthread_create(&e->th, NULL, thread, w) == 0)
				e->running = e->joinable = 1;
			else
				e->next = e->n; /* none is run: the appends do it all */
		}
	}
	pthread_mutex_unlock(&e->mu);
	odd_prep_free(r);
}

struct odd_prep *odd_early_take(struct odd *w, const struct dest_part *p)
{
	struct odd_early *e = w->early;
	odd_early_drain(w);
	if (!e)
		return NULL;
	for (size_t i = 0; i < e->n; i++) {
		struct odd_prep *r = e->q[i];
		if (r && r->p == p) {
			e->q[i] = NULL;
			return r;
		}
	}
	return NULL;
}

void odd_early_drop(struct odd *w)
{
	struct odd_early *e = w->early;
	odd_early_drain(w);
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		odd_prep_free(e->q[i]);
	e->n = e->next = 0;
}

void odd_early_free(struct odd *w)
{
	struct odd_early *e = w->early;
	if (!e)
		return;
	odd_early_drop(w);
	free(e->q);
	pthread_cond_destroy(&e->cv);
	pthread_mutex_destroy(&e->mu);
	free(e);
	w->early = NULL;
}

const struct odd_prep *odd_early_peek(struct odd *w, const struct dest_part *p)
{
	struct odd_early *e = w->early;
	const struct odd_prep *r = NULL;
	if (!e)
		return NULL;
	pthread_mutex_lock(&e->mu);
	for (size_t i = 0; i < e->n && !e->running; i++)
		if (e->q[i] && e->q[i]->p == p)
			r = e->q[i];
	pthread_mutex_unlock(&e->mu);
	return r;
}
