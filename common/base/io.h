/* io.h: full reads and writes on file descriptors. */
#ifndef MC_IO_H
#define MC_IO_H

#include <stddef.h>
#include <sys/types.h>

/* Write all n bytes, looping over short writes and EINTR. 0, or -1 with
 * errno set (EPIPE when the reader went away). */
int io_write_all(int fd, const void *p, size_t n);

/* Read up to n bytes, retrying on EINTR. Returns bytes read, 0 at end of
 * input, -1 with errno set. */
ssize_t io_read(int fd, void *p, size_t n);

/* Read until n bytes or end of input. Returns bytes read or -1. */
ssize_t io_read_full(int fd, void *p, size_t n);

/* Best effort: allocate the blocks of the next n bytes of regular file fd
 * at its offset (fallocate, the size unchanged), before they are written
 * there: on ext4 one extent call instead of a delayed-allocation
 * reservation a page (a quarter of the kernel's cost of a buffered write).
 * Not for O_APPEND; errors are ignored (the write reports its own). Write
 * the n bytes next, else blocks past the end stay allocated until the file
 * is truncated or removed. */
void io_reserve(int fd, size_t n);

#endif
