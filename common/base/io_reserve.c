/* io_reserve.c: the blocks of the next bytes of an output file allocated
 * before they are written (base/io.h io_reserve). */
#define _GNU_SOURCE /* fallocate, FALLOC_FL_KEEP_SIZE */
#include <fcntl.h>
#include <unistd.h>

#include "base/io.h"

void io_reserve(int fd, size_t n)
{
	int fl = fcntl(fd, F_GETFL);
	off_t at = lseek(fd, 0, SEEK_CUR);
	if (fl < 0 || (fl & O_APPEND) || at < 0 || n == 0)
		return;
	/* errors (a file system without it, no space) are the write's to report */
	(void)fallocate(fd, FALLOC_FL_KEEP_SIZE, at, (off_t)n);
}
