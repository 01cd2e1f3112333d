/* zio.h: byte streams that may be zstd-compressed.
 *
 * Input is recognised as zstd by its magic number (28 b5 2f fd) in the
 * first four bytes, never by file name; concatenated frames are read in
 * turn. Output is plain or compressed, and can be flushed at any point so a
 * live reader sees every byte written so far. */
#ifndef MC_ZIO_H
#define MC_ZIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"
#include "base/err.h"

struct zin {
	int fd;
	int compressed;    /* set after the first read */
	int started;
	int eof;           /* the fd reached end of input */
	int frame_open;    /* inside a zstd frame */
	void *dctx;        /* ZSTD_DCtx */
	struct mc_buf raw; /* compressed bytes not yet consumed */
	size_t rawpos;
	uint64_t raw_off;  /* bytes read from fd so far */
	struct zin_ahead *ahead; /* zin_read_ahead: the reading thread */
};

/* Start reading fd (not owned: zin_close does not close it). */
void zin_init(struct zin *z, int fd);
/* Read up to n decompressed bytes. Returns bytes (>0), 0 at end of input,
 * -1 on a read error or corrupt/truncated compressed data. */
ssize_t zin_read(struct zin *z, void *dst, size_t n, struct mc_err *err);
void zin_close(struct zin *z);
/* Read and decompress in a second thread, a few hundred KB ahead of
 * zin_read (which then only copies): the same bytes and errors, the work
 * overlapped with the caller's. Call after zin_init, before any read; on
 * failure (-1) z reads as before. zin_close stops the thread. */
int zin_read_ahead(struct zin *z, struct mc_err *err);
/* Bytes of the input (compressed, as in the file) behind what zin_read
 * has handed out so far: for a progress. Reading ahead, it moves a block
 * (256 KB handed out) at a time; at the end of input it is the input's
 * size. */
uint64_t zin_consumed(const struct zin *z);

struct zout {
	int fd;
	int level;         /* 0: plain output */
	void *cctx;        /* ZSTD_CCtx */
	struct mc_buf out; /* compressed bytes waiting for write */
};

/* Write to fd (not owned), compressed at `level` when level > 0. */
int zout_init(struct zout *z, int fd, int level, struct mc_err *err);
/* Compress with n worker threads (zstd's nbWorkers; call before the first
 * write): zout_write then hands the bytes to the workers, which compress
 * them in parallel, and zout_end waits for them. The bytes written are the
 * same for every n >= 1 (they differ from n = 0's, the caller's own thread,
 * and are as valid). 1 when set, 0 when plain output or a libzstd without
 * threads (compressed as before). */
int zout_workers(struct zout *z, int n);
int zout_write(struct zout *z, const void *p, size_t n, struct mc_err *err);
/* Write p (n bytes) as one whole frame, compressed from the caller's
 * buffer in place (nothing written before or after it; zout_end not
 * needed), with zout_write's parameters (a frame of unknown size):
 * zout_write copies its input through zstd's window, which over the
 * window's size (512 KiB at level 1) costs about a fifth more
 * instructions. */
int zout_frame(struct zout *z, const void *p, size_t n, struct mc_err *err);
/* Make everything written so far readable downstream (ZSTD_e_flush). */
int zout_flush(struct zout *z, struct mc_err *err);
/* End the frame and flush. The fd stays open. */
int zout_end(struct zout *z, struct mc_err *err);
void zout_close(struct zout *z);

#endif
