/* binlog_file.c: reading binlog files (binlog.h, bl_file_*): through
 * read(2) into a buffer that grows to the largest event, through a struct
 * zin (zstd-compressed files), or from a mapping of a regular file. */
#include "binlog/binlog.h"
#include "binlog/binlog_int.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/io.h"
#include "base/zio.h"

#define FILE_CHUNK (256 * 1024)
#define TRIM_ABOVE (16u << 20)
/* a mapping's pages behind the reader are given back every MAP_DROP bytes,
 * so that memory stays flat whatever the file's size */
#define MAP_DROP (2u << 20)

void bl_file_init(struct bl_file *f, int fd, uint64_t off)
{
	memset(f, 0, sizeof *f);
	f->fd = fd;
	f->base = off;
}

void bl_file_init_zin(struct bl_file *f, struct zin *z)
{
	memset(f, 0, sizeof *f);
	f->fd = -1;
	f->z = z;
}

int bl_file_map(struct bl_file *f, int fd)
{
	struct stat st;
	void *m;
	memset(f, 0, sizeof *f);
	f->fd = fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 4 ||
	    (uint64_t)st.st_size > SIZE_MAX / 2)
		return -1;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	/* zstd's magic: a compressed binlog is read through a struct zin */
	if (memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0) {
		munmap(m, (size_t)st.st_size);
		return -1;
	}
	f->map = m;
	f->map_len = (size_t)st.st_size;
	return 0;
}

static void unmap(struct bl_file *f)
{
	if (f->map)
		munmap((void *)f->map, f->map_len);
	f->map = NULL;
}

void bl_file_free(struct bl_file *f)
{
	unmap(f);
	buf_free(&f->buf);
}

/* The end of the mapping: the bytes left in it move to the buffer and
 * the rest of the file is read (it may have grown since it was mapped),
 * with the checks and messages of the read path. */
static int map_to_read(struct bl_file *f, struct mc_err *err)
{
	size_t left = f->map_len - f->mpos;
	f->buf.len = 0;
	if (buf_add(&f->buf, f->map + f->mpos, left) < 0)
		return mc_oom(err, "reading");
	f->base = f->mpos;
	f->pos = 0;
	if (lseek(f->fd, (off_t)f->map_len, SEEK_SET) < 0)
		return mc_errnof(err, errno, "offset %llu: seek error",
				 (unsigned long long)f->map_len);
	f->map_end = 1;
	return 0;
}

/* Make at least want bytes available at buf.p + pos; returns 0 (maybe
 * fewer at end of file) or -1. */
static int fill(struct bl_file *f, size_t want, struct mc_err *err)
{
	while (f->buf.len - f->pos < want && !f->eof) {
		ssize_t r;
		size_t room;
		if (f->pos > 0) {
			buf_consume(&f->buf, f->pos);
			f->base += f->pos;
			f->pos = 0;
		}
		room = want > FILE_CHUNK ? want - f->buf.len : FILE_CHUNK;
		if (buf_grow(&f->buf, room) < 0)
			return mc_oom(err, "reading");
		if (f->z) {
			r = zin_read(f->z, f->buf.p + f->buf.len, f->buf.cap - f->buf.len, err);
			if (r < 0)
				return mc_errctx(err, "offset %llu: ",
						 (unsigned long long)(f->base + f->buf.len));
		} else {
			r = io_read(f->fd, f->buf.p + f->buf.len, f->buf.cap - f->buf.len);
			if (r < 0)
				return mc_errnof(err, errno, "offset %llu: read error",
						 (unsigned long long)(f->base + f->buf.len));
		}
		if (r == 0)
			f->eof = 1;
		f->buf.len += (size_t)r;
	}
	return 0;
}

int bl_file_magic(struct bl_file *f, struct mc_err *err)
{
	if (f->map && !f->map_end) {
		if (memcmp(f->map, "\xfe" "bin", 4) == 0) {
			f->mpos = 4;
			return 0;
		}
		if (map_to_read(f, err) < 0)
			return -1;
	}
	if (fill(f, 4, err) < 0)
		return -1;
	if (f->buf.len - f->pos < 4 || memcmp(f->buf.p + f->pos, "\xfe" "bin", 4) != 0)
		return EBAD("offset 0: not a binlog file (no \\xfebin magic)");
	f->pos += 4;
	return 0;
}

/* The next event from the mapping, in place: 1, or 0 when it is not whole
 * there. */
static int map_next(struct bl_file *f, const uint8_t **ev, size_t *n, uint64_t *start)
{
	size_t left = f->map_len - f->mpos;
	const uint8_t *p = f->map + f->mpos;
	uint32_t len;
	if (left < BL_HEADER_LEN)
		return 0;
	len = bl_event_len(p, BL_HEADER_LEN);
	if (len < BL_HEADER_LEN || len > BL_MAX_EVENT || len > left)
		return 0;
	*start = f->mpos;
	*n = len;
	if (f->mpos - f->dropped >= 2 * (size_t)MAP_DROP) {
		/* MAP_DROP to twice that behind: the transaction being read
		 * (held by reference) is usually still mapped at its replay */
		size_t to = (f->mpos - MAP_DROP) & ~(size_t)(MAP_DROP - 1);
		madvise((void *)(f->map + f->dropped), to - f->dropped, MADV_DONTNEED);
		f->dropped = to;
	}
	f->mpos += len;
	*ev = p;
	return 1;
}

int bl_file_next(struct bl_file *f, const uint8_t **ev, size_t *n, uint64_t *start,
		 struct mc_err *err)
{
	uint32_t len;
	if (f->map && !f->map_end) {
		int r = map_next(f, ev, n, start);
		if (r != 0)
			return r;
		if (map_to_read(f, err) < 0)
			return -1;
	}
	if (fill(f, BL_HEADER_LEN, err) < 0)
		return -1;
	*start = f->base + f->pos;
	if (f->buf.len == f->pos)
		return 0;
	if (f->buf.len - f->pos < BL_HEADER_LEN)
		return EBAD("offset %llu: truncated event header (%zu bytes)",
			    (unsigned long long)*start, f->buf.len - f->pos);
	len = bl_event_len((const uint8_t *)f->buf.p + f->pos, BL_HEADER_LEN);
	if (len < BL_HEADER_LEN || len > BL_MAX_EVENT)
		return EBAD("offset %llu: bad event length %u", (unsigned long long)*start, len);
	if (fill(f, len, err) < 0)
		return -1;
	if (f->buf.len - f->pos < len)
		return EBAD("offset %llu: truncated event (%u bytes, %zu present)",
			    (unsigned long long)*start, len, f->buf.len - f->pos);
	*ev = (const uint8_t *)f->buf.p + f->pos;
	*n = len;
	f->pos += len;
	return 1;
}

void bl_file_trim(struct bl_file *f)
{
	if (f->map && !f->map_end) {
		if (f->buf.cap > TRIM_ABOVE)
			buf_free(&f->buf);
		return;
	}
	if (f->buf.cap > TRIM_ABOVE && f->buf.len - f->pos < FILE_CHUNK) {
		struct mc_buf nb = { 0 };
		if (buf_add(&nb, f->buf.p + f->pos, f->buf.len - f->pos) < 0)
			return;
		f->base += f->pos;
		f->pos = 0;
		buf_free(&f->buf);
		f->buf = nb;
	}
}
