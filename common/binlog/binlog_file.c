/* binlog_file.c: reading binlog files (binlog.h, bl_file_*): through
 * read(2) into a buffer that grows to the largest event (or the bytes the
 * caller keeps: an open transaction's events), or through a struct zin
 * (which also reads zstd-compressed files). */
#include "binlog/binlog.h"
#include "binlog/binlog_int.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/io.h"
#include "base/zio.h"

#define FILE_CHUNK (256 * 1024)
#define TRIM_ABOVE (16u << 20)
/* the bytes kept are moved to the buffer's front by a read when no more
 * than this, else only when the buffer is full */
#define MOVE_MAX (64 * 1024)

void bl_file_init(struct bl_file *f, int fd, uint64_t off)
{
	memset(f, 0, sizeof *f);
	f->fd = fd;
	f->base = off;
	f->keep = UINT64_MAX;
}

void bl_file_init_zin(struct bl_file *f, struct zin *z)
{
	memset(f, 0, sizeof *f);
	f->fd = -1;
	f->z = z;
	f->keep = UINT64_MAX;
}

void bl_file_free(struct bl_file *f)
{
	buf_free(&f->buf);
}

/* Make at least want bytes available at buf.p + pos; returns 0 (maybe
 * fewer at end of file) or -1. The bytes before pos go, unless kept: those
 * kept are moved to the front when few (as the rest of an event), else only
 * when the buffer is full, which then grows when they fill half of it. */
static int fill(struct bl_file *f, size_t want, struct mc_err *err)
{
	while (f->buf.len - f->pos < want && !f->eof) {
		ssize_t r;
		size_t need = want - (f->buf.len - f->pos), room, ask;
		size_t drop = f->pos;
		if (f->keep < f->base + f->pos)
			drop = f->keep > f->base ? (size_t)(f->keep - f->base) : 0;
		room = need > FILE_CHUNK ? need : FILE_CHUNK;
		if (drop > 0 && (f->buf.len - drop <= MOVE_MAX || f->buf.cap - f->buf.len < room)) {
			buf_consume(&f->buf, drop);
			f->base += drop;
			f->pos -= drop;
		}
		if (f->buf.cap - f->buf.len < room && f->buf.len > f->buf.cap / 2 &&
		    room < f->buf.len)
			room = f->buf.len; /* doubled, not grown by a chunk each read */
		/* huge pages (buf.h): one fault for the first 2 MB, not 512 */
		if (buf_grow_huge(&f->buf, room) < 0)
			return mc_oom(err, "reading");
		/* FILE_CHUNK a read, unless an event needs more: what is read
		 * stays in the CPU's cache until it is decoded */
		ask = f->buf.cap - f->buf.len;
		if (ask > need && ask > FILE_CHUNK)
			ask = need > FILE_CHUNK ? need : FILE_CHUNK;
		if (f->z) {
			r = zin_read(f->z, f->buf.p + f->buf.len, ask, err);
			if (r < 0)
				return mc_errctx(err, "offset %llu: ",
						 (unsigned long long)(f->base + f->buf.len));
		} else {
			r = io_read(f->fd, f->buf.p + f->buf.len, ask);
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
	if (fill(f, 4, err) < 0)
		return -1;
	if (f->buf.len - f->pos < 4 || memcmp(f->buf.p + f->pos, "\xfe" "bin", 4) != 0)
		return EBAD("offset 0: not a binlog file (no \\xfebin magic)");
	f->pos += 4;
	return 0;
}

int bl_file_next(struct bl_file *f, const uint8_t **ev, size_t *n, uint64_t *start,
		 struct mc_err *err)
{
	uint32_t len;
	if (fill(f, BL_HEADER_LEN, err) < 0)
		return -1;
	*start = f->base + f->pos;
	if (f->buf.len == f->pos)
		return 0;
	if (f->buf.len - f->pos < BL_HEADER_LEN && (f->cut = 1))
		return EBAD("offset %llu: truncated event header (%zu bytes)",
			    (unsigned long long)*start, f->buf.len - f->pos);
	len = bl_event_len((const uint8_t *)f->buf.p + f->pos, BL_HEADER_LEN);
	if (len < BL_HEADER_LEN || len > BL_MAX_EVENT)
		return EBAD("offset %llu: bad event length %u", (unsigned long long)*start, len);
	if (fill(f, len, err) < 0)
		return -1;
	if (f->buf.len - f->pos < len && (f->cut = 1))
		return EBAD("offset %llu: truncated event (%u bytes, %zu present)",
			    (unsigned long long)*start, len, f->buf.len - f->pos);
	*ev = (const uint8_t *)f->buf.p + f->pos;
	*n = len;
	f->pos += len;
	return 1;
}

void bl_file_trim(struct bl_file *f)
{
	if (f->keep < f->base + f->buf.len)
		return;
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
