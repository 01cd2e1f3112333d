/* zring.c: a pipe read ahead on a thread of its own (zio.h,
 * zin_pipe_ahead): the thread reads the descriptor into a ring as bytes
 * arrive and hands out each read at once; the reader takes them with
 * zring_read. So the writer upstream (mc-snapshot, mc-binlog-tail) goes
 * on while the reader is busy elsewhere (a commit), up to the ring's
 * size, instead of stopping at the pipe's 64 KiB. */
#include "base/zio.h"
#include "base/zring.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"

/* a read of the thread: what a pipe holds at most, more when the
 * writer is ahead */
#define RING_READ (1u << 20)

struct zring {
	int fd;
	int wake[2];       /* zring_stop writes one byte: the thread's poll returns */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *p;
	size_t cap;
	uint64_t head, tail; /* bytes written and taken, counting up */
	int eof, err, stop;  /* err: the thread's read failed (errno) */
	int taker_waits, giver_waits;
};

static void *ring_main(void *arg)
{
	struct zring *g = arg;
	for (;;) {
		size_t at, n;
		ssize_t r;
		struct pollfd pf[2] = { { g->fd, POLLIN, 0 }, { g->wake[0], POLLIN, 0 } };
		pthread_mutex_lock(&g->mu);
		while (!g->stop && g->head - g->tail == g->cap) {
			g->giver_waits = 1;
			pthread_cond_wait(&g->cv, &g->mu);
		}
		g->giver_waits = 0;
		if (g->stop) {
			pthread_mutex_unlock(&g->mu);
			return NULL;
		}
		/* empty: from the ring's start again, so that a reader that
		 * keeps up touches only the ring's first pages (the taker
		 * copies only while head > tail) */
		if (g->head == g->tail)
			g->head = g->tail = 0;
		at = (size_t)(g->head % g->cap);
		n = g->cap - (size_t)(g->head - g->tail);
		pthread_mutex_unlock(&g->mu);
		if (n > g->cap - at)
			n = g->cap - at;
		if (n > RING_READ)
			n = RING_READ;
		/* wait for input or zring_stop (a read blocked on a pipe
		 * nobody writes would hold the stop up for ever) */
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -1;
		} else if (pf[1].revents) {
			continue; /* stopped: the loop's top returns */
		} else {
			r = read(g->fd, g->p + at, n);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
		}
		pthread_mutex_lock(&g->mu);
		if (r > 0)
			g->head += (uint64_t)r;
		else if (r == 0)
			g->eof = 1;
		else
			g->err = errno ? errno : EIO;
		if (g->taker_waits)
			pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
		if (r <= 0)
			return NULL;
	}
}

/* g's descriptors, locks and memory given back (its thread not running) */
static void ring_free(struct zring *g)
{
	close(g->wake[0]);
	close(g->wake[1]);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	free(g->p);
	free(g);
}

struct zring *zring_start(int fd, size_t cap, int *eno)
{
	struct zring *g = calloc(1, sizeof *g);
	sigset_t all, old;
	int e;
	if (!g || !(g->p = mc_alloc_large(cap))) {
		free(g);
		*eno = ENOMEM;
		return NULL;
	}
	g->fd = fd;
	g->cap = cap;
	if (pipe(g->wake) < 0) {
		*eno = errno;
		free(g->p);
		free(g);
		return NULL;
	}
	(void)fcntl(g->wake[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(g->wake[1], F_SETFD, FD_CLOEXEC);
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	/* signals go to the caller's thread, as before */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&g->th, NULL, ring_main, g);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		ring_free(g);
		*eno = e;
		return NULL;
	}
	return g;
}

ssize_t zring_read(struct zring *g, void *dst, size_t n)
{
	size_t at, k;
	pthread_mutex_lock(&g->mu);
	while (g->head == g->tail && !g->eof && !g->err) {
		g->taker_waits = 1;
		pthread_cond_wait(&g->cv, &g->mu);
	}
	g->taker_waits = 0;
	if (g->head == g->tail) {
		int e = g->err;
		pthread_mutex_unlock(&g->mu);
		if (!e)
			return 0;
		errno = e;
		return -1;
	}
	at = (size_t)(g->tail % g->cap);
	k = (size_t)(g->head - g->tail);
	pthread_mutex_unlock(&g->mu);
	if (k > g->cap - at)
		k = g->cap - at;
	if (k > n)
		k = n;
	memcpy(dst, g->p + at, k);
	pthread_mutex_lock(&g->mu);
	g->tail += k;
	if (g->giver_waits)
		pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	return (ssize_t)k;
}

void zring_stop(struct zring *g)
{
	char c = 1;
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = 1;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	while (write(g->wake[1], &c, 1) < 0 && errno == EINTR)
		;
	pthread_join(g->th, NULL);
	ring_free(g);
}
