/* zpool.c: Tunnel blocks compressed on worker threads (zpool.h). One
 * mutex guards the lists; a worker holds it only to take a block and to
 * give it back, never while it compresses. */
#include "odps/zpool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

#define ZPOOL_MAX 8
/* compressed blocks' memory kept for the next ones (odps_zpool_recycle) */
#define ZPOOL_KEEP 64

struct job {
	struct job *next;
	size_t k, head;
	struct mc_buf raw, out;
};

struct odps_zpool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *todo, **tail; /* handed over, in order */
	struct job *done;         /* compressed, not taken */
	struct job *spare;        /* taken: their raw memory to fill again */
	size_t left;
	int stop, failed;
	struct mc_err err; /* the first worker's error */
	void (*wake)(void *);
	void *arg;
	int waking;           /* workers inside wake(arg) */
	struct mc_buf outs[ZPOOL_KEEP]; /* spent compressed blocks' memory */
	size_t nouts;
	enum trec_comp comp;
	int level;
	pthread_t th[ZPOOL_MAX];
	int nth;
};

static void *worker(void *arg)
{
	struct odps_zpool *z = arg;
	struct trec_zc zc;
	struct mc_err e = { 0 };
	int ok = trec_zc_init(&zc, z->comp, z->level, &e) == 0;
	pthread_mutex_lock(&z->mu);
	if (!ok && !z->failed) {
		z->failed = 1;
		z->err = e;
	}
	while (ok) {
		struct job *j;
		int rc;
		while (!z->todo && !z->stop)
			pthread_cond_wait(&z->cv, &z->mu);
		if (z->stop)
			break;
		j = z->todo;
		z->todo = j->next;
		if (!z->todo)
			z->tail = &z->todo;
		pthread_mutex_unlock(&z->mu);
		rc = trec_zc_block(&zc, j->raw.p, j->raw.len, j->head, &j->out, &e);
		j->raw.len = 0;
		pthread_mutex_lock(&z->mu);
		if (rc < 0 && !z->failed) {
			z->failed = 1;
			z->err = e;
		}
		j->next = z->done;
		z->done = j;
		pthread_cond_broadcast(&z->cv);
		if (z->wake) {
			/* called unlocked: odps_zpool_bind waits for it */
			void (*wake)(void *) = z->wake;
			void *warg = z->arg;
			z->waking++;
			pthread_mutex_unlock(&z->mu);
			wake(warg);
			pthread_mutex_lock(&z->mu);
			z->waking--;
			pthread_cond_broadcast(&z->cv);
		}
	}
	pthread_mutex_unlock(&z->mu);
	if (ok)
		trec_zc_free(&zc);
	return NULL;
}

static void free_jobs(struct job *j)
{
	while (j) {
		struct job *n = j->next;
		buf_free(&j->raw);
		buf_free(&j->out);
		free(j);
		j = n;
	}
}

void odps_zpool_stop(struct odps_zpool *z)
{
	if (!z)
		return;
	pthread_mutex_lock(&z->mu);
	z->stop = 1;
	pthread_cond_broadcast(&z->cv);
	pthread_mutex_unlock(&z->mu);
	for (int i = 0; i < z->nth; i++)
		pthread_join(z->th[i], NULL);
	free_jobs(z->todo);
	free_jobs(z->done);
	free_jobs(z->spare);
	for (size_t i = 0; i < z->nouts; i++)
		buf_free(&z->outs[i]);
	pthread_cond_destroy(&z->cv);
	pthread_mutex_destroy(&z->mu);
	free(z);
}

int odps_zpool_start(struct odps_zpool **zp, enum trec_comp comp, int level, int n,
		     void (*wake)(void *), void *arg, struct mc_err *err)
{
	struct odps_zpool *z = calloc(1, sizeof *z);
	*zp = NULL;
	if (!z)
		return mc_oom(err, "compressing threads");
	z->tail = &z->todo;
	z->comp = comp;
	z->level = level;
	z->wake = wake;
	z->arg = arg;
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->cv, NULL);
	n = n < 1 ? 1 : n > ZPOOL_MAX ? ZPOOL_MAX : n;
	for (; z->nth < n; z->nth++)
		if (pthread_create(&z->th[z->nth], NULL, worker, z) != 0)
			break;
	if (!z->nth) {
		odps_zpool_stop(z);
		return mc_errf(err, MC_EXIT_DATA, "cannot start a thread to compress blocks");
	}
	*zp = z;
	return 0;
}

int odps_zpool_add(struct odps_zpool *z, size_t k, struct mc_buf *raw, size_t head,
		   struct mc_err *err)
{
	struct job *j;
	struct mc_buf t;
	pthread_mutex_lock(&z->mu);
	if ((j = z->spare))
		z->spare = j->next;
	pthread_mutex_unlock(&z->mu);
	if (!j && !(j = calloc(1, sizeof *j)))
		return mc_oom(err, "a Tunnel block");
	t = j->raw; /* spent: len 0 */
	j->raw = *raw;
	*raw = t;
	pthread_mutex_lock(&z->mu);
	if (!j->out.cap && z->nouts) /* a spent block's memory to compress into */
		j->out = z->outs[--z->nouts];
	pthread_mutex_unlock(&z->mu);
	j->k = k;
	j->head = head;
	j->next = NULL;
	pthread_mutex_lock(&z->mu);
	*z->tail = j;
	z->tail = &j->next;
	z->left++;
	pthread_cond_signal(&z->cv);
	pthread_mutex_unlock(&z->mu);
	return 0;
}

int odps_zpool_take(struct odps_zpool *z, size_t *k, struct mc_buf *out, struct mc_err *err)
{
	struct job *j;
	int rc = 0;
	pthread_mutex_lock(&z->mu);
	if (z->failed) {
		*err = z->err;
		rc = -1;
	} else if ((j = z->done)) {
		z->done = j->next;
		z->left--;
		*k = j->k;
		buf_free(out);
		*out = j->out;
		memset(&j->out, 0, sizeof j->out);
		j->next = z->spare;
		z->spare = j;
		rc = 1;
	}
	pthread_mutex_unlock(&z->mu);
	return rc;
}

void odps_zpool_wait(struct odps_zpool *z)
{
	pthread_mutex_lock(&z->mu);
	while (!z->done && !z->failed && z->left)
		pthread_cond_wait(&z->cv, &z->mu);
	pthread_mutex_unlock(&z->mu);
}

size_t odps_zpool_left(struct odps_zpool *z)
{
	size_t n;
	pthread_mutex_lock(&z->mu);
	n = z->left;
	pthread_mutex_unlock(&z->mu);
	return n;
}

void odps_zpool_bind(struct odps_zpool *z, void (*wake)(void *), void *arg)
{
	pthread_mutex_lock(&z->mu);
	while (z->waking)
		pthread_cond_wait(&z->cv, &z->mu);
	z->wake = wake;
	z->arg = arg;
	pthread_mutex_unlock(&z->mu);
}

int odps_zpool_idle(struct odps_zpool *z)
{
	int r;
	pthread_mutex_lock(&z->mu);
	r = !z->failed && !z->left && !z->todo && !z->done;
	pthread_mutex_unlock(&z->mu);
	return r;
}

void odps_zpool_recycle(struct odps_zpool *z, struct mc_buf *b)
{
	if (!b->cap)
		return;
	b->len = 0;
	pthread_mutex_lock(&z->mu);
	if (z->nouts < ZPOOL_KEEP) {
		z->outs[z->nouts++] = *b;
		memset(b, 0, sizeof *b);
	}
	pthread_mutex_unlock(&z->mu);
	buf_free(b); /* (kept: nothing left to free) */
}
