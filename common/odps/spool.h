/* spool.h: the spool of the commit under way of the MaxCompute destination
 * (docs/maxcompute.md "Exactly once"): each partition's encoded Tunnel
 * blocks written to the state directory, fsync'd, before the journal of the
 * commit, so that a rerun finishes a commit left in doubt without its input
 * (rolls it forward):
 *
 *   DIR/_mcsync/spool/SEQ.I    partition I of commit SEQ: its blocks, each
 *                              a 4-byte little-endian length and the bytes
 *
 * The journal (odps/state.h) records each file's size and CRC-32C, which
 * odps_spool_get checks. */
#ifndef MC_ODPS_SPOOL_H
#define MC_ODPS_SPOOL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define ODPS_SPOOL "_mcsync/spool"

/* Make DIR's spool directory, empty (what a run killed before its journal
 * left is removed); not fsync'd: the commit's first journal is (its
 * directory fsync holds the spool's entry). */
int odps_spool_reset(const char *dir, struct mc_err *err);
/* Write blocks[0..n) as partition i of commit seq, fsync'd, on a thread
 * of its own, so that the PUTs go on meanwhile: the file is opened here
 * (an error is -1 at once); odps_spool_wait joins the thread and gives
 * the file's size and CRC-32C, or -1 with the error in err (if not
 * NULL): a full disk (or any write error) is code 1 naming the file, and
 * nothing is left of it. blocks must stay unchanged until then. */
struct odps_spool_job {
	pthread_t th;
	int started, fd, rc;
	char *path;
	uint64_t seq, size;
	uint32_t crc;
	const struct mc_buf *blocks;
	size_t n;
	struct mc_err err;
};
int odps_spool_start(struct odps_spool_job *j, const char *dir, uint64_t seq, size_t i,
		     const struct mc_buf *blocks, size_t n, struct mc_err *err);
int odps_spool_wait(struct odps_spool_job *j, uint64_t *size, uint32_t *crc, struct mc_err *err);
/* fsync the spool directory (after the puts, before the journal). */
int odps_spool_sync(const char *dir, struct mc_err *err);
/* Read partition i of commit seq back: exactly n blocks into *blocks (n
 * buffers, the caller frees them and the array), the file of the size and
 * CRC given. A file missing, of another size or CRC, or not of n blocks is
 * -1 code 1 naming the file. */
int odps_spool_get(const char *dir, uint64_t seq, size_t i, uint64_t size, uint32_t crc,
		   size_t n, struct mc_buf **blocks, struct mc_err *err);
/* Remove the spool directory (nothing when there is none). */
int odps_spool_remove(const char *dir, struct mc_err *err);
/* The same on a thread of its own, after a commit's ledger: unlinking a
 * commit's blocks just written and fsync'd takes the file system some
 * 12 ms per 10 MB here, which the commit's caller need not wait for (a
 * spool without a journal is removed at the next start anyway).
 * odps_spool_remove_wait joins it (0 when none runs) and gives its
 * result; done before the spool directory is made again. */
struct odps_spool_rm {
	pthread_t th;
	int started, rc;
	char *dir;
	struct mc_err err;
};
int odps_spool_remove_start(struct odps_spool_rm *r, const char *dir, struct mc_err *err);
int odps_spool_remove_wait(struct odps_spool_rm *r, struct mc_err *err);

/* spool_stream.c: a partition's spool written as its blocks are made
 * (the pipeline, --threads > 1), under a name of its own in
 * DIR/ODPS_SPOOL_NEW (the feed's begins before the commit's number is
 * known, and before begin empties the spool directory):
 * - open: the file made, a thread of its own to write it;
 * - push: the next block (in order; p[0..len) stays as it is until
 *   written says it is in the file);
 * - written: how many of the blocks pushed are in the file (each one's
 *   writeback started as it went in);
 * - close: the rest written, fsync'd, renamed to partition i of commit
 *   seq (as odps_spool_start writes it: the same bytes), its size and
 *   CRC-32C; a write error (a full disk) is code 1 naming the file, and
 *   nothing is left of it; the stream is freed either way;
 * - drop: stopped, its file removed.
 * odps_spool_new_remove: what runs killed left in DIR/ODPS_SPOOL_NEW
 * (at the start, before anything is written). */
#define ODPS_SPOOL_NEW "_mcsync/spool-new"
struct odps_spool_stream;
int odps_spool_stream_open(struct odps_spool_stream **s, const char *dir, struct mc_err *err);
int odps_spool_stream_push(struct odps_spool_stream *s, const void *p, size_t len,
			   struct mc_err *err);
size_t odps_spool_stream_written(struct odps_spool_stream *s);
int odps_spool_stream_close(struct odps_spool_stream *s, uint64_t seq, size_t i, uint64_t *size,
			    uint32_t *crc, struct mc_err *err);
void odps_spool_stream_drop(struct odps_spool_stream *s);
int odps_spool_new_remove(const char *dir, struct mc_err *err);
/* One block into spool file fd: its 4-byte little-endian length, its
 * bytes; *size and *crc (CRC-32C of both) moved on. 0; -1 (err set: over
 * 4 GiB); -2 (errno: the write failed, for the caller to name the file). */
int odps_spool_put(int fd, const void *p, size_t len, uint64_t *size, uint32_t *crc,
		   struct mc_err *err);
/* DIR/rel (ODPS_SPOOL, ODPS_SPOOL_NEW), allocated, or NULL (err set). */
char *odps_spool_under(const char *dir, const char *rel, struct mc_err *err);

#endif
