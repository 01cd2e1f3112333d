/* zring.h: a descriptor read ahead on a thread of its own into a ring
 * (zring.c); zin uses it for zin_pipe_ahead. */
#ifndef MC_ZRING_H
#define MC_ZRING_H

#include <stddef.h>
#include <sys/types.h>

struct zring;

/* Start reading fd (not owned) into a ring of cap bytes; NULL with *eno
 * set when it cannot. */
struct zring *zring_start(int fd, size_t cap, int *eno);
/* Up to n bytes that have arrived (waiting for the first): bytes, 0 at
 * end of input, -1 with errno set on a read error (after every byte
 * read before it). */
ssize_t zring_read(struct zring *g, void *dst, size_t n);
/* Stop the thread (also blocked on a read) and free the ring. */
void zring_stop(struct zring *g);

#endif
