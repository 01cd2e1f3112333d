#include "base/zio.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_c_stableInBuffer */
#include <zstd.h>

#include "base/alloc.h"
#include "base/io.h"

#define RAW_CHUNK (128 * 1024)

void zin_init(struct zin *z, int fd)
{
	memset(z, 0, sizeof *z);
	z->fd = fd;
}

/* Refill the raw buffer; returns bytes added, 0 at end, -1 on error. */
static ssize_t fill(struct zin *z, struct mc_err *err)
{
	ssize_t r;
	if (z->rawpos == z->raw.len) {
		z->raw.len = z->rawpos = 0;
	}
	if (buf_grow(&z->raw, RAW_CHUNK) < 0)
		return mc_errnof(err, errno, "reading");
	r = io_read(z->fd, z->raw.p + z->raw.len, RAW_CHUNK);
	if (r < 0)
		return mc_errnof(err, errno, "read error at offset %llu",
				 (unsigned long long)z->raw_off);
	if (r == 0)
		z->eof = 1;
	z->raw.len += (size_t)r;
	z->raw_off += (uint64_t)r;
	return r;
}

static int detect(struct zin *z, struct mc_err *err)
{
	static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	while (z->raw.len < 4 && !z->eof)
		if (fill(z, err) < 0)
			return -1;
	z->started = 1;
	if (z->raw.len >= 4 && memcmp(z->raw.p, magic, 4) == 0) {
		z->compressed = 1;
		z->dctx = ZSTD_createDCtx();
		if (!z->dctx)
			return mc_oom(err, "zstd");
	}
	return 0;
}

static ssize_t ahead_read(struct zin *z, void *dst, size_t n, struct mc_err *err);

ssize_t zin_read(struct zin *z, void *dst, size_t n, struct mc_err *err)
{
	if (z->ahead)
		return ahead_read(z, dst, n, err);
	if (!z->started && detect(z, err) < 0)
		return -1;
	if (!z->compressed) {
		size_t avail;
		if (z->rawpos == z->raw.len) {
			if (z->eof)
				return 0;
			/* Large reads go straight to the caller's buffer. */
			if (n >= RAW_CHUNK) {
				ssize_t r = io_read(z->fd, dst, n);
				if (r < 0)
					return mc_errnof(err, errno, "read error at offset %llu",
							 (unsigned long long)z->raw_off);
				if (r == 0)
					z->eof = 1;
				z->raw_off += (uint64_t)r;
				return r;
			}
			if (fill(z, err) < 0)
				return -1;
			if (z->rawpos == z->raw.len)
				return 0;
		}
		avail = z->raw.len - z->rawpos;
		if (avail > n)
			avail = n;
		memcpy(dst, z->raw.p + z->rawpos, avail);
		z->rawpos += avail;
		return (ssize_t)avail;
	}
	for (;;) {
		ZSTD_inBuffer in = { z->raw.p, z->raw.len, z->rawpos };
		ZSTD_outBuffer out = { dst, n, 0 };
		size_t rc = ZSTD_decompressStream(z->dctx, &out, &in);
		if (ZSTD_isError(rc))
			return mc_errf(err, MC_EXIT_DATA, "zstd data near compressed offset %llu: %s",
				       (unsigned long long)(z->raw_off - (z->raw.len - z->rawpos)),
				       ZSTD_getErrorName(rc));
		/* The decoder may hold output from an earlier call: it is
		 * called even with no input, and only progress says where
		 * in a frame we are. */
		if (in.pos != z->rawpos || out.pos > 0)
			z->frame_open = rc != 0;
		z->rawpos = in.pos;
		if (out.pos > 0)
			return (ssize_t)out.pos;
		if (z->rawpos < z->raw.len)
			continue;
		if (z->eof) {
			if (z->frame_open)
				return mc_errf(err, MC_EXIT_DATA,
					       "zstd stream truncated at compressed offset %llu",
					       (unsigned long long)z->raw_off);
			return 0;
		}
		if (fill(z, err) < 0)
			return -1;
	}
}

/* ---- reading ahead ---- */

#define AHEAD_BLOCKS 4
#define AHEAD_BLOCK (256 * 1024)

struct zin_ahead {
	struct zin in; /* read by the thread only */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *blk[AHEAD_BLOCKS];
	size_t len[AHEAD_BLOCKS];
	uint64_t end[AHEAD_BLOCKS]; /* input consumed when the block was filled */
	uint64_t used;          /* end of the last block taken (the reader's) */
	uint64_t filled, taken; /* blocks produced and consumed, counting up */
	size_t pos;             /* read offset in block taken % AHEAD_BLOCKS */
	int done;               /* the thread stopped: end of input or error */
	int rc;                 /* its last read: 0 end, -1 error */
	struct mc_err err;
	int stop;               /* zin_close asks the thread to end */
};

static void *ahead_main(void *arg)
{
	struct zin_ahead *a = arg;
	for (;;) {
		size_t i;
		ssize_t r;
		pthread_mutex_lock(&a->mu);
		while (!a->stop && a->filled - a->taken == AHEAD_BLOCKS)
			pthread_cond_wait(&a->cv, &a->mu);
		if (a->stop) {
			pthread_mutex_unlock(&a->mu);
			return NULL;
		}
		i = (size_t)(a->filled % AHEAD_BLOCKS);
		pthread_mutex_unlock(&a->mu);
		/* fill the block: short reads are gathered so blocks are full */
		a->len[i] = 0;
		r = 1;
		while (a->len[i] < AHEAD_BLOCK &&
		       (r = zin_read(&a->in, a->blk[i] + a->len[i], AHEAD_BLOCK - a->len[i],
				     &a->err)) > 0)
			a->len[i] += (size_t)r;
		a->end[i] = zin_consumed(&a->in);
		pthread_mutex_lock(&a->mu);
		if (a->len[i] > 0)
			a->filled++;
		if (r <= 0) {
			a->done = 1;
			a->rc = r < 0 ? -1 : 0;
		}
		pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
		if (r <= 0)
			return NULL;
	}
}

int zin_read_ahead(struct zin *z, struct mc_err *err)
{
	struct zin_ahead *a = calloc(1, sizeof *a);
	int e;
	if (!a)
		return mc_oom(err, "reading");
	for (size_t i = 0; i < AHEAD_BLOCKS; i++)
		if (!(a->blk[i] = malloc(AHEAD_BLOCK))) {
			for (size_t j = 0; j < i; j++)
				free(a->blk[j]);
			free(a);
			return mc_oom(err, "reading");
		}
	zin_init(&a->in, z->fd);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	if ((e = pthread_create(&a->th, NULL, ahead_main, a)) != 0) {
		pthread_mutex_destroy(&a->mu);
		pthread_cond_destroy(&a->cv);
		for (size_t i = 0; i < AHEAD_BLOCKS; i++)
			free(a->blk[i]);
		free(a);
		return mc_errnof(err, e, "starting a reading thread");
	}
	z->ahead = a;
	return 0;
}

static ssize_t ahead_read(struct zin *z, void *dst, size_t n, struct mc_err *err)
{
	struct zin_ahead *a = z->ahead;
	size_t i, k;
	pthread_mutex_lock(&a->mu);
	while (a->filled == a->taken && !a->done)
		pthread_cond_wait(&a->cv, &a->mu);
	if (a->filled == a->taken) {
		int rc = a->rc;
		pthread_mutex_unlock(&a->mu);
		if (rc < 0 && err)
			*err = a->err;
		return rc;
	}
	pthread_mutex_unlock(&a->mu);
	i = (size_t)(a->taken % AHEAD_BLOCKS);
	k = a->len[i] - a->pos;
	if (k > n)
		k = n;
	memcpy(dst, a->blk[i] + a->pos, k);
	a->pos += k;
	if (a->pos == a->len[i]) {
		a->pos = 0;
		a->used = a->end[i];
		pthread_mutex_lock(&a->mu);
		a->taken++;
		pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
	}
	return (ssize_t)k;
}

uint64_t zin_consumed(const struct zin *z)
{
	if (z->ahead)
		return z->ahead->used;
	return z->raw_off - (z->raw.len - z->rawpos);
}

static void ahead_stop(struct zin *z)
{
	struct zin_ahead *a = z->ahead;
	pthread_mutex_lock(&a->mu);
	a->stop = 1;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->th, NULL);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	zin_close(&a->in);
	for (size_t i = 0; i < AHEAD_BLOCKS; i++)
		free(a->blk[i]);
	free(a);
	z->ahead = NULL;
}

void zin_close(struct zin *z)
{
	if (z->ahead)
		ahead_stop(z);
	ZSTD_freeDCtx(z->dctx);
	buf_free(&z->raw);
	z->dctx = NULL;
}

int zout_init(struct zout *z, int fd, int level, struct mc_err *err)
{
	memset(z, 0, sizeof *z);
	z->fd = fd;
	z->level = level;
	if (level > 0) {
		z->cctx = ZSTD_createCCtx();
		if (!z->cctx)
			return mc_oom(err, "zstd");
		ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, level);
		ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_checksumFlag, 1);
	}
	return 0;
}

static int put(struct zout *z, const void *p, size_t n, struct mc_err *err)
{
	if (io_write_all(z->fd, p, n) < 0)
		return mc_errnof(err, errno, "write error");
	return 0;
}

static int compress_in(struct zout *z, ZSTD_inBuffer *in, ZSTD_EndDirective mode,
		       struct mc_err *err)
{
	size_t chunk = ZSTD_CStreamOutSize();
	for (;;) {
		ZSTD_outBuffer out;
		size_t rc;
		if (buf_grow(&z->out, chunk) < 0)
			return mc_errnof(err, errno, "zstd");
		out.dst = z->out.p;
		out.size = z->out.cap;
		out.pos = 0;
		rc = ZSTD_compressStream2(z->cctx, &out, in, mode);
		if (ZSTD_isError(rc))
			return mc_errf(err, MC_EXIT_DATA, "zstd: %s", ZSTD_getErrorName(rc));
		if (out.pos && put(z, out.dst, out.pos, err) < 0)
			return -1;
		if (mode == ZSTD_e_continue ? in->pos == in->size : rc == 0)
			return 0;
	}
}

static int compress(struct zout *z, const void *p, size_t n, ZSTD_EndDirective mode,
		    struct mc_err *err)
{
	ZSTD_inBuffer in = { p, n, 0 };
	return compress_in(z, &in, mode, err);
}

int zout_workers(struct zout *z, int n)
{
	if (!z->cctx || n < 1)
		return 0;
	return !ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_nbWorkers, n));
}

int zout_write(struct zout *z, const void *p, size_t n, struct mc_err *err)
{
	if (!z->cctx)
		return put(z, p, n, err);
	return compress(z, p, n, ZSTD_e_continue, err);
}

int zout_frame(struct zout *z, const void *p, size_t n, struct mc_err *err)
{
	ZSTD_inBuffer in = { p, n, 0 };
	if (!z->cctx)
		return put(z, p, n, err);
	/* zstd reads p in place (stable input; the same in until the end),
	 * its size left unknown as a stream's: zout_write's parameters */
	ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_stableInBuffer, 1);
	if (compress_in(z, &in, ZSTD_e_continue, err) < 0)
		return -1;
	return compress_in(z, &in, ZSTD_e_end, err);
}

int zout_flush(struct zout *z, struct mc_err *err)
{
	if (!z->cctx)
		return 0;
	return compress(z, NULL, 0, ZSTD_e_flush, err);
}

int zout_end(struct zout *z, struct mc_err *err)
{
	if (!z->cctx)
		return 0;
	return compress(z, NULL, 0, ZSTD_e_end, err);
}

void zout_close(struct zout *z)
{
	ZSTD_freeCCtx(z->cctx);
	buf_free(&z->out);
	z->cctx = NULL;
}
