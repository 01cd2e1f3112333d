/* zpool.h: Tunnel blocks compressed on worker threads while the encoder
 * goes on (docs/maxcompute.md "Connections"): the encoder hands over each
 * block's record stream (encoded with TREC_RAW), a worker compresses it
 * with trec_zc_block (the very bytes the encoder would have given), the
 * caller takes the compressed blocks back in any order. */
#ifndef MC_ODPS_ZPOOL_H
#define MC_ODPS_ZPOOL_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "odps/tunnel_rec.h"

struct odps_zpool;

/* Start n (1..8) workers compressing with comp at level (0: 1); wake(arg)
 * (may be NULL) is called by a worker after each block it finishes. */
int odps_zpool_start(struct odps_zpool **zp, enum trec_comp comp, int level, int n,
		     void (*wake)(void *), void *arg, struct mc_err *err);
/* Hand over block k: *raw (taken; zeroed, or given a spent buffer's memory
 * to fill again), its records raw[0..head). */
int odps_zpool_add(struct odps_zpool *z, size_t k, struct mc_buf *raw, size_t head,
		   struct mc_err *err);
/* A compressed block: 1 with *k and *out (whose old memory is freed), 0
 * when none is done yet, -1 with err (a worker's error). */
int odps_zpool_take(struct odps_zpool *z, size_t *k, struct mc_buf *out, struct mc_err *err);
/* Wait until a block is done (or a worker failed, or none is left). */
void odps_zpool_wait(struct odps_zpool *z);
/* The blocks handed over and not taken back yet. */
size_t odps_zpool_left(struct odps_zpool *z);
/* Set the function the workers call after each block (NULL: none), once
 * no worker is inside the one set before: a pool kept from one send to
 * the next (dest_odps_pipe.c) wakes each send's PUTs, and never a run
 * that has ended. */
void odps_zpool_bind(struct odps_zpool *z, void (*wake)(void *), void *arg);
/* No block handed over and not taken, and no worker failed: z may serve
 * the next send as it is. */
int odps_zpool_idle(struct odps_zpool *z);
/* A spent compressed block's memory (*b: emptied) kept for a next block
 * to be compressed into (up to a few dozen; freed beyond): a buffer
 * filled again costs no fresh pages, which the kernel clears first. */
void odps_zpool_recycle(struct odps_zpool *z, struct mc_buf *b);
/* Stop the workers (each finishes its block) and free z (NULL is fine). */
void odps_zpool_stop(struct odps_zpool *z);

#endif
