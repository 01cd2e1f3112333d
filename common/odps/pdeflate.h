/* pdeflate.h: one zlib stream (RFC 1950, what the Tunnel's
 * "Content-Encoding: deflate" is) deflated in segments, on worker threads
 * while the caller goes on, or in the caller's thread; the bytes are the
 * same either way (docs/maxcompute.md "Compression").
 *
 * The input is cut every PDEFLATE_SEG bytes (the last segment holds the
 * rest: 1..PDEFLATE_SEG bytes, or none for an empty stream). Each segment
 * is raw deflate primed with the 32 KiB before it (deflateSetDictionary),
 * ended by a sync flush, the last by the stream's end; the stream is the
 * zlib header, the segments in turn, and the Adler-32 of all the input
 * (the parts' combined). A stream of one segment is byte for byte what
 * zlib's deflate gives at that level. This is how pigz compresses on
 * several threads; a reader sees one ordinary zlib stream. */
#ifndef MC_ODPS_PDEFLATE_H
#define MC_ODPS_PDEFLATE_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

#define PDEFLATE_SEG ((size_t)256 << 10)

struct pdeflate;

/* A compressor at level (1..9) with threads workers (0: every segment
 * in the caller's thread). 0, or -1 with err (ENOMEM; a level zlib
 * refuses: MC_EXIT_USAGE). */
int pdeflate_new(struct pdeflate **pd, int level, int threads, struct mc_err *err);
/* in[0..n) of the stream under way; the segments done so far, in order,
 * appended to out (the same out for the whole stream). */
int pdeflate_add(struct pdeflate *pd, const void *in, size_t n, struct mc_buf *out,
		 struct mc_err *err);
/* The stream's end: its last segments and the trailer appended to out;
 * pd then starts a new stream. */
int pdeflate_end(struct pdeflate *pd, struct mc_buf *out, struct mc_err *err);
/* Drop the stream under way (after an error): pd starts a new one. */
void pdeflate_reset(struct pdeflate *pd);
/* Stop the workers and free pd (NULL is fine). */
void pdeflate_free(struct pdeflate *pd);

#endif
