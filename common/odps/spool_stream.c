/* spool_stream.c: a partition's spool written as its blocks are made
 * (spool.h, odps_spool_stream_*): the pipeline of dest_odps_pipe.c hands
 * each compressed block over in order; a thread of the spool's own writes
 * it and starts its writeback at once, so that the commit's last fsync
 * finds little left to write, and says how many are written, so that a
 * block both written and PUT gives its memory back before the commit. */
#define _GNU_SOURCE /* sync_file_range */
#include "odps/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"

struct item {
	const void *p;
	size_t len;
};

struct odps_spool_stream {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	int started;
	int fd;
	char *path;           /* DIR/ODPS_SPOOL_NEW/PID.N */
	char *dir;            /* DIR */
	struct item *q;       /* pushed: q[0..n) */
	size_t n, cap;
	size_t written;       /* q[0..written) are in the file */
	int end;              /* no more will come */
	int quit;             /* stop at once (dropped) */
	int rc;               /* the writer failed: err */
	struct mc_err err;
	uint64_t size;
	uint32_t crc;
};

static int stream_fail(struct odps_spool_stream *s, struct mc_err *err)
{
	return mc_errnof(err, errno, "spooling the blocks of a commit to '%s' (nothing of it is "
			 "committed; make room and run again)", s->path);
}

/* One block into the file (odps_spool_put), its writeback started. */
static int put(struct odps_spool_stream *s, const struct item *it, struct mc_err *err)
{
	uint64_t at = s->size;
	int rc = odps_spool_put(s->fd, it->p, it->len, &s->size, &s->crc, err);
	if (rc == -2)
		return stream_fail(s, err);
	if (rc < 0)
		return -1;
#ifdef SYNC_FILE_RANGE_WRITE
	/* (advice: the fsync at the end waits) */
	(void)sync_file_range(s->fd, (off_t)at, (off_t)(s->size - at), SYNC_FILE_RANGE_WRITE);
#endif
	return 0;
}

static void *writer(void *arg)
{
	struct odps_spool_stream *s = arg;
	struct mc_err e = { 0 };
	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct item it;
		while (!s->quit && s->written == s->n && !s->end)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->quit || s->written == s->n)
			break;
		it = s->q[s->written];
		pthread_mutex_unlock(&s->mu);
		int rc = put(s, &it, &e);
		pthread_mutex_lock(&s->mu);
		if (rc < 0) {
			s->rc = -1;
			s->err = e;
			break;
		}
		s->written++;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static void stream_free(struct odps_spool_stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->path)
		unlink(s->path);
	free(s->path);
	free(s->dir);
	free(s->q);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

int odps_spool_stream_open(struct odps_spool_stream **sp, const char *dir, struct mc_err *err)
{
	static unsigned long seq; /* (the destination's thread opens them: one at a time) */
	struct odps_spool_stream *s = calloc(1, sizeof *s);
	char *d = NULL;
	*sp = NULL;
	if (!s)
		return mc_oom(err, "spool");
	s->fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (!(d = odps_spool_under(dir, ODPS_SPOOL_NEW, err)) || !(s->dir = mc_strdup(dir)) ||
	    !(s->path = calloc(1, strlen(d) + 64))) {
		free(d);
		stream_free(s);
		return err->code ? -1 : mc_oom(err, "spool");
	}
	snprintf(s->path, strlen(d) + 64, "%s/%ld.%lu", d, (long)getpid(), ++seq);
	if (mkdir(d, 0755) < 0 && errno != EEXIST) {
		mc_errnof(err, errno, "'%s': mkdir", d);
		free(d);
		free(s->path);
		s->path = NULL;
		stream_free(s);
		return -1;
	}
	free(d);
	s->fd = open(s->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (s->fd < 0) {
		int rc = stream_fail(s, err);
		free(s->path);
		s->path = NULL;
		stream_free(s);
		return rc;
	}
	if (pthread_create(&s->th, NULL, writer, s) == 0)
		s->started = 1; /* (else all is written at the close, here) */
	*sp = s;
	return 0;
}

int odps_spool_stream_push(struct odps_spool_stream *s, const void *p, size_t len,
			   struct mc_err *err)
{
	int rc = 0;
	pthread_mutex_lock(&s->mu);
	if (mc_grow(&s->q, &s->cap, s->n + 1, sizeof *s->q) < 0) {
		rc = mc_oom(err, "spool");
	} else {
		s->q[s->n].p = p;
		s->q[s->n].len = len;
		s->n++;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

size_t odps_spool_stream_written(struct odps_spool_stream *s)
{
	size_t n;
	pthread_mutex_lock(&s->mu);
	n = s->written;
	pthread_mutex_unlock(&s->mu);
	return n;
}

int odps_spool_stream_close(struct odps_spool_stream *s, uint64_t seq, size_t i, uint64_t *size,
			    uint32_t *crc, struct mc_err *err)
{
	char *to = NULL;
	int rc = 0;
	pthread_mutex_lock(&s->mu);
	s->end = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (s->started)
		pthread_join(s->th, NULL);
	s->started = 0;
	if (s->rc < 0) {
		*err = s->err;
		rc = -1;
	}
	/* (no thread: written here) */
	while (rc == 0 && s->written < s->n) {
		if (put(s, &s->q[s->written], err) < 0)
			rc = -1;
		else
			s->written++;
	}
	if (rc == 0 && fsync(s->fd) < 0)
		rc = stream_fail(s, err);
	if (rc == 0 && close(s->fd) < 0)
		rc = stream_fail(s, err);
	s->fd = -1;
	if (rc == 0) {
		struct mc_buf b = { 0 };
		if (buf_addf(&b, "%s/%s/%llu.%zu%c", s->dir, ODPS_SPOOL, (unsigned long long)seq,
			     i, 0) < 0) {
			rc = mc_oom(err, "spool");
		} else {
			to = b.p;
			/* (its entry made durable with the spool directory's,
			 * odps_spool_sync, before the journal) */
			if (rename(s->path, to) < 0)
				rc = mc_errnof(err, errno, "'%s': rename to '%s'", s->path, to);
		}
	}
	if (rc == 0) {
		free(s->path);
		s->path = NULL; /* (renamed: not unlinked) */
		*size = s->size;
		*crc = s->crc;
	}
	free(to);
	stream_free(s);
	return rc;
}

void odps_spool_stream_drop(struct odps_spool_stream *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->quit = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (s->started)
		pthread_join(s->th, NULL);
	stream_free(s);
}
