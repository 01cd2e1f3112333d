/* t_zring: a pipe read ahead on a thread of its own (zin_pipe_ahead,
 * common/base/zring.c): the same bytes through rings smaller than the
 * input and than the reads, plain and zstd; the writer goes on while
 * nobody reads, up to the ring's size; a read error after the bytes
 * before it; zin_close with the thread blocked on a read or on a full
 * ring. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/io.h"
#include "base/zio.h"

#define TAP_NAME "t_zring"
#include "tap.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct writer {
	int fd;
	const char *p;
	size_t n;
	unsigned seed;
	int pause_us; /* a pause now and then */
};

/* the bytes in pieces of varying size, then the pipe closed */
static void *write_main(void *arg)
{
	struct writer *w = arg;
	size_t at = 0;
	while (at < w->n) {
		size_t k = 1 + (size_t)(rand_r(&w->seed) % 70000);
		if (k > w->n - at)
			k = w->n - at;
		if (io_write_all(w->fd, w->p + at, k) < 0)
			break;
		at += k;
		if (w->pause_us && rand_r(&w->seed) % 8 == 0)
			usleep((useconds_t)w->pause_us);
	}
	close(w->fd);
	return NULL;
}

/* n bytes of p through a pipe and a ring of cap bytes, read in pieces of
 * up to `piece` bytes (slowly: slow); 1 when they read back */
static int through(const char *p, size_t n, size_t cap, size_t piece, int slow, unsigned seed,
		   const char *want, size_t wantn)
{
	int fds[2];
	struct writer w;
	pthread_t th;
	struct zin z;
	struct mc_err err = { 0 };
	char *back = malloc(wantn + 1);
	size_t got = 0;
	ssize_t r;
	int ok;
	if (!back || pipe(fds) < 0)
		return 0;
	w = (struct writer){ fds[1], p, n, seed, slow ? 0 : 200 };
	pthread_create(&th, NULL, write_main, &w);
	zin_init(&z, fds[0]);
	ok = zin_pipe_ahead(&z, cap, &err) == 0;
	while (ok && (r = zin_read(&z, back + got, got + piece > wantn + 1 ? wantn + 1 - got : piece,
				   &err)) > 0) {
		got += (size_t)r;
		if (slow && rand_r(&seed) % 16 == 0)
			usleep(300);
	}
	ok = ok && err.code == 0 && got == wantn && memcmp(back, want, wantn) == 0;
	zin_close(&z);
	pthread_join(th, NULL);
	close(fds[0]);
	free(back);
	return ok;
}

int main(void)
{
	size_t n = 3u << 20;
	char *data = malloc(n);
	unsigned s = 7;
	if (!data)
		return 1;
	for (size_t i = 0; i < n; i++)
		data[i] = (char)(rand_r(&s) % 251);

	tap_check(through(data, n, 64u << 20, 777, 0, 1, data, n), "a pipe read ahead reads back", "%s",
		  "differs");
	tap_check(through(data, n, 4096, 10000, 0, 2, data, n),
		  "a ring smaller than the reads and the writes (it wraps)", "%s", "differs");
	tap_check(through(data, n, 65536 + 13, 4093, 1, 3, data, n),
		  "a ring of an odd size, a slow reader (the ring fills)", "%s", "differs");
	tap_check(through(data, 0, 4096, 100, 0, 4, data, 0), "an empty pipe: end of input", "%s",
		  "not at once");

	/* zstd through the ring: decompressed as from the descriptor */
	{
		struct zout zo;
		struct mc_err err = { 0 };
		FILE *f = tmpfile();
		char *z = NULL;
		size_t zn = 0;
		int ok = f && zout_init(&zo, fileno(f), 3, &err) == 0;
		if (ok) {
			ok = zout_write(&zo, data, n, &err) == 0 && zout_end(&zo, &err) == 0;
			zout_close(&zo);
		}
		if (ok) {
			zn = (size_t)lseek(fileno(f), 0, SEEK_END);
			ok = (z = malloc(zn)) && pread(fileno(f), z, zn, 0) == (ssize_t)zn;
		}
		tap_check(ok && through(z, zn, 8192, 5000, 0, 5, data, n),
			  "zstd through a ring of 8 KiB decompresses as read directly", "%s",
			  err.msg[0] ? err.msg : "differs");
		free(z);
		if (f)
			fclose(f);
	}

	/* the writer goes on while nobody reads, up to the ring's size: 900
	 * KiB into a pipe of 64 KiB, the reader asleep */
	{
		int fds[2];
		struct zin z;
		struct mc_err err = { 0 };
		size_t w = 0, total = 900u << 10, got = 0;
		double t0;
		char *back = malloc(total);
		ssize_t r;
		int ok = pipe2(fds, O_NONBLOCK) == 0 && back;
		(void)fcntl(fds[0], F_SETFL, 0); /* the reading end blocks */
		zin_init(&z, fds[0]);
		ok = ok && zin_pipe_ahead(&z, 1u << 20, &err) == 0;
		t0 = now();
		while (ok && w < total && now() - t0 < 20) {
			r = write(fds[1], data + w, total - w);
			if (r > 0)
				w += (size_t)r;
			else
				usleep(1000);
		}
		close(fds[1]);
		tap_check(w == total, "the writer is not held up by a reader busy elsewhere",
			  "wrote %zu of %zu bytes before the reader read any", w, total);
		while ((r = zin_read(&z, back + got, total - got, &err)) > 0)
			got += (size_t)r;
		tap_check(got == total && memcmp(back, data, total) == 0, "and every byte reads back",
			  "%zu bytes", got);
		zin_close(&z);
		close(fds[0]);
		free(back);
	}

	/* a read error: after the bytes before it, -1 and the place */
	{
		int fd = open("/", O_RDONLY | O_DIRECTORY);
		struct zin z;
		struct mc_err err = { 0 };
		char b[100];
		ssize_t r;
		zin_init(&z, fd);
		r = zin_pipe_ahead(&z, 4096, &err) == 0 ? zin_read(&z, b, sizeof b, &err) : 0;
		tap_check(r == -1 && strstr(err.msg, "read error") && strstr(err.msg, "offset 0"),
			  "a read error is an error that names the offset", "%zd: %s", r, err.msg);
		zin_close(&z);
		close(fd);
	}

	/* closed with the thread blocked on a read (the writer silent) and
	 * with the ring full (nobody reads): it stops at once */
	for (int full = 0; full < 2; full++) {
		int fds[2];
		struct zin z;
		struct mc_err err = { 0 };
		double t0;
		char b[10];
		if (pipe(fds) < 0)
			break;
		zin_init(&z, fds[0]);
		zin_pipe_ahead(&z, 4096, &err);
		if (full) {
			(void)fcntl(fds[1], F_SETFL, O_NONBLOCK);
			/* the ring (4 KiB) and the pipe full */
			while (write(fds[1], data, 4096) > 0)
				;
		} else {
			io_write_all(fds[1], "abcdefgh", 8); /* past the 4 bytes of the zstd check */
		}
		zin_read(&z, b, 1, &err);
		t0 = now();
		zin_close(&z);
		tap_check(now() - t0 < 2, full ? "zin_close stops a thread waiting on a full ring"
					       : "zin_close stops a thread blocked on a read",
			  "%.2f s", now() - t0);
		close(fds[0]);
		close(fds[1]);
	}
	free(data);
	return tap_done();
}
