/* t_zframe.c: zout_frame (a whole frame compressed from the caller's buffer
 * in place) and zout_workers (zstd's worker threads), the two ways the
 * local warehouse writes its data files (common/wh/dest_wh.c): both read
 * back to their input, zout_frame's frame has zout_write's parameters,
 * and the workers' bytes do not depend on how many there are. */
#define TAP_NAME "t_zframe"
#include "tap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/zio.h"

static char dir[] = "/tmp/t_zframe.XXXXXX";

/* Rows like sysbench's: digits in dashed groups, a little repetition. */
static char *mkdata(size_t n)
{
	char *d = malloc(n);
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; d && i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		d[i] = i % 12 == 11 ? '-' : i % 226 < 8 ? "row:abcd"[i % 226] : (char)('0' + x % 10);
	}
	return d;
}

enum how { WRITE, FRAME, WORKERS };

/* Compress data at level 1 into file name, by how (workers: n), and read
 * it back into *back; the file's bytes into *file. 0 ok. */
static int round_trip(enum how how, int n, int level, const char *data, size_t len,
		      struct mc_buf *file, struct mc_buf *back)
{
	char p[64];
	struct mc_err err = { 0 };
	struct zout z;
	struct zin zi;
	char tmp[65536];
	ssize_t r;
	int fd, rc = 0;

	snprintf(p, sizeof p, "%s/z", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || zout_init(&z, fd, level, &err) < 0)
		return -1;
	if (how == WORKERS && !zout_workers(&z, n))
		rc = -2; /* a libzstd without threads */
	if (how == FRAME)
		rc |= zout_frame(&z, data, len, &err);
	else
		rc |= zout_write(&z, data, len / 3, &err) | zout_write(&z, data + len / 3, len - len / 3, &err) |
		      zout_end(&z, &err);
	zout_close(&z);
	close(fd);
	if (rc)
		return rc;
	file->len = back->len = 0;
	fd = open(p, O_RDONLY);
	while ((r = read(fd, tmp, sizeof tmp)) > 0)
		buf_add(file, tmp, (size_t)r);
	lseek(fd, 0, SEEK_SET);
	zin_init(&zi, fd);
	while ((r = zin_read(&zi, tmp, sizeof tmp, &err)) > 0)
		buf_add(back, tmp, (size_t)r);
	zin_close(&zi);
	close(fd);
	return r < 0 ? -1 : 0;
}

static int same(const struct mc_buf *a, const struct mc_buf *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

int main(void)
{
	size_t big = 6u << 20, small = 300000;
	char *data = mkdata(big);
	struct mc_buf f[4] = { { 0 } }, b = { 0 };
	int rc;

	if (!data || !mkdtemp(dir))
		return tap_fail("setup", "no memory or no temporary directory"), tap_done();

	/* zout_frame: the input back; under zstd's window (512 KiB at level 1)
	 * the very bytes of zout_write + zout_end, and above it the same frame
	 * parameters (the header's window descriptor: a frame of unknown size) */
	tap_check(round_trip(WRITE, 0, 1, data, small, &f[0], &b) == 0 && b.len == small &&
			  memcmp(b.p, data, small) == 0,
		  "zout_write of 300 KB reads back", "differs");
	tap_check(round_trip(FRAME, 0, 1, data, small, &f[1], &b) == 0 && b.len == small &&
			  memcmp(b.p, data, small) == 0,
		  "zout_frame of 300 KB reads back", "differs");
	tap_check(same(&f[0], &f[1]), "under the window, zout_frame writes zout_write's bytes",
		  "%zu against %zu bytes", f[1].len, f[0].len);
	tap_check(round_trip(WRITE, 0, 1, data, big, &f[0], &b) == 0 && b.len == big,
		  "zout_write of 6 MB reads back", "differs");
	tap_check(round_trip(FRAME, 0, 1, data, big, &f[1], &b) == 0 && b.len == big &&
			  memcmp(b.p, data, big) == 0,
		  "zout_frame of 6 MB reads back", "differs");
	tap_check(f[0].len > 6 && f[1].len > 6 && memcmp(f[0].p, f[1].p, 6) == 0,
		  "zout_frame's frame header is zout_write's (no content size, the same window)",
		  "header bytes differ");
	tap_check(round_trip(FRAME, 0, 0, data, small, &f[1], &b) == 0 && b.len == small &&
			  same(&f[1], &b) && memcmp(b.p, data, small) == 0,
		  "zout_frame without compression writes the input as is", "differs");

	/* zout_workers: the same bytes for 1, 2 and 3 workers, read back */
	for (int n = 1; n <= 3; n++) {
		char what[96];
		rc = round_trip(WORKERS, n, 1, data, big, &f[n], &b);
		if (rc == -2) {
			tap_check(1, "a libzstd without threads: zout_workers says so", "-");
			break;
		}
		snprintf(what, sizeof what, "%d workers: 6 MB read back", n);
		tap_check(rc == 0 && b.len == big && memcmp(b.p, data, big) == 0, what, "rc %d", rc);
		if (n > 1) {
			snprintf(what, sizeof what, "%d workers write 1 worker's bytes", n);
			tap_check(same(&f[n], &f[1]), what, "%zu against %zu bytes", f[n].len,
				  f[1].len);
		}
	}
	for (int i = 0; i < 4; i++)
		buf_free(&f[i]);
	buf_free(&b);
	free(data);
	{
		char p[64];
		snprintf(p, sizeof p, "%s/z", dir);
		unlink(p);
		rmdir(dir);
	}
	return tap_done();
}
