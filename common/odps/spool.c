/* spool.c: the spool of the commit under way (spool.h). */
#include "odps/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/alloc.h"
#include "base/io.h"
#include "stream/crc32c.h"
#include "wh/wh.h"

static char *file_of(const char *dir, uint64_t seq, size_t i, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	if (buf_addf(&b, "%s/%s/%llu.%zu%c", dir, ODPS_SPOOL, (unsigned long long)seq, i, 0) <
	    0) {
		buf_free(&b);
		mc_oom(err, "spool");
		return NULL;
	}
	return b.p;
}

char *odps_spool_under(const char *dir, const char *rel, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	if (buf_addf(&b, "%s/%s%c", dir, rel, 0) < 0) {
		buf_free(&b);
		mc_oom(err, "spool");
		return NULL;
	}
	return b.p;
}

static char *dir_of(const char *dir, struct mc_err *err)
{
	return odps_spool_under(dir, ODPS_SPOOL, err);
}

/* DIR/rel removed, with all in it */
static int remove_under(const char *dir, const char *rel, struct mc_err *err)
{
	char *d = odps_spool_under(dir, rel, err);
	int rc;
	if (!d)
		return -1;
	rc = wh_rmtree(d, err);
	free(d);
	return rc;
}

int odps_spool_remove(const char *dir, struct mc_err *err)
{
	return remove_under(dir, ODPS_SPOOL, err);
}

int odps_spool_new_remove(const char *dir, struct mc_err *err)
{
	return remove_under(dir, ODPS_SPOOL_NEW, err);
}

static void *remove_thread(void *arg)
{
	struct odps_spool_rm *r = arg;
	r->rc = odps_spool_remove(r->dir, &r->err);
	return NULL;
}

int odps_spool_remove_start(struct odps_spool_rm *r, const char *dir, struct mc_err *err)
{
	memset(r, 0, sizeof *r);
	if (!(r->dir = mc_strdup(dir)))
		return mc_oom(err, "spool");
	if (pthread_create(&r->th, NULL, remove_thread, r) == 0) {
		r->started = 1;
		return 0;
	}
	/* no thread: here and now */
	r->rc = odps_spool_remove(dir, err);
	free(r->dir);
	r->dir = NULL;
	return r->rc;
}

int odps_spool_remove_wait(struct odps_spool_rm *r, struct mc_err *err)
{
	int rc = 0;
	if (!r->started)
		return 0;
	pthread_join(r->th, NULL);
	r->started = 0;
	if (r->rc < 0) {
		if (err)
			*err = r->err;
		rc = -1;
	}
	free(r->dir);
	r->dir = NULL;
	return rc;
}

int odps_spool_reset(const char *dir, struct mc_err *err)
{
	char *d = dir_of(dir, err);
	int rc;
	if (!d)
		return -1;
	rc = wh_rmtree(d, err);
	/* no fsync here: the spool's entry in _mcsync is made durable by the
	 * directory fsync of the commit's first journal, its files' entries by
	 * odps_spool_sync before it; neither is needed before that journal */
	if (rc == 0 && mkdir(d, 0755) < 0 && errno != EEXIST)
		rc = mc_errnof(err, errno, "'%s': mkdir", d);
	free(d);
	return rc;
}

int odps_spool_sync(const char *dir, struct mc_err *err)
{
	char *d = dir_of(dir, err);
	int rc;
	if (!d)
		return -1;
	rc = afile_sync_dir(d, err);
	free(d);
	return rc;
}

/* The spool file being written: opened by the caller's thread, written,
 * fsync'd and closed by write_all on a thread of its own. */
static int spool_fail(struct odps_spool_job *j, struct mc_err *err)
{
	return mc_errnof(err, errno, "spooling the blocks of commit %llu to '%s' (nothing "
			 "of it is committed; make room and run again)",
			 (unsigned long long)j->seq, j->path);
}

static int spool_open(struct odps_spool_job *j, const char *dir, uint64_t seq, size_t i,
		      const struct mc_buf *blocks, size_t n, struct mc_err *err)
{
	memset(j, 0, sizeof *j);
	j->fd = -1;
	j->seq = seq;
	j->blocks = blocks;
	j->n = n;
	if (!(j->path = file_of(dir, seq, i, err)))
		return -1;
	j->fd = open(j->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		int rc = mc_errnof(err, errno, "spooling the blocks of commit %llu to '%s'",
				   (unsigned long long)seq, j->path);
		free(j->path);
		j->path = NULL;
		return rc;
	}
	return 0;
}

int odps_spool_put(int fd, const void *p, size_t len, uint64_t *size, uint32_t *crc,
		   struct mc_err *err)
{
	unsigned char h[4];
	uint32_t n = (uint32_t)len;
	if (len > UINT32_MAX) {
		mc_errf(err, MC_EXIT_DATA, "internal: a block of %zu bytes", len);
		return -1;
	}
	h[0] = (unsigned char)n;
	h[1] = (unsigned char)(n >> 8);
	h[2] = (unsigned char)(n >> 16);
	h[3] = (unsigned char)(n >> 24);
	if (io_write_all(fd, h, 4) < 0 || io_write_all(fd, p, n) < 0)
		return -2;
	*crc = crc32c(*crc, h, 4);
	*crc = crc32c(*crc, p, n);
	*size += 4 + (uint64_t)n;
	return 0;
}

static int write_all(struct odps_spool_job *j, struct mc_err *err)
{
	int rc = 0;
	for (size_t b = 0; b < j->n && rc == 0; b++) {
		rc = odps_spool_put(j->fd, j->blocks[b].p, j->blocks[b].len, &j->size, &j->crc, err);
		if (rc == -2)
			rc = spool_fail(j, err);
	}
	if (rc == 0 && fsync(j->fd) < 0)
		rc = spool_fail(j, err);
	if (close(j->fd) < 0 && rc == 0)
		rc = spool_fail(j, err);
	j->fd = -1;
	return rc;
}

static int spool_done(struct odps_spool_job *j, uint64_t *size, uint32_t *crc)
{
	if (j->rc < 0)
		unlink(j->path);
	free(j->path);
	j->path = NULL;
	*size = j->size;
	*crc = j->crc;
	return j->rc;
}

static void *spool_thread(void *arg)
{
	struct odps_spool_job *j = arg;
	j->rc = write_all(j, &j->err);
	return NULL;
}

int odps_spool_start(struct odps_spool_job *j, const char *dir, uint64_t seq, size_t i,
		     const struct mc_buf *blocks, size_t n, struct mc_err *err)
{
	if (spool_open(j, dir, seq, i, blocks, n, err) < 0)
		return -1;
	if (pthread_create(&j->th, NULL, spool_thread, j) != 0)
		j->rc = write_all(j, &j->err); /* no thread: here and now */
	else
		j->started = 1;
	return 0;
}

int odps_spool_wait(struct odps_spool_job *j, uint64_t *size, uint32_t *crc, struct mc_err *err)
{
	if (j->started)
		pthread_join(j->th, NULL);
	j->started = 0;
	if (j->rc < 0 && err)
		*err = j->err;
	return spool_done(j, size, crc);
}

static int damaged(const char *path, uint64_t seq, const char *what, struct mc_err *err)
{
	return mc_errf(err, MC_EXIT_DATA, "'%s' %s: the blocks of commit %llu left in doubt "
		       "cannot be uploaded again from the spool (its rows are not all in "
		       "MaxCompute); restore the file, or rebuild the state with --recover "
		       "from an empty --state directory and give the source the same input "
		       "(docs/maxcompute.md \"Exactly once\")",
		       path, what, (unsigned long long)seq);
}

int odps_spool_get(const char *dir, uint64_t seq, size_t i, uint64_t size, uint32_t crc,
		   size_t n, struct mc_buf **blocks, struct mc_err *err)
{
	char *path = file_of(dir, seq, i, err);
	struct mc_buf f = { 0 };
	struct mc_buf *bl = NULL;
	size_t at = 0, k = 0;
	struct stat st;
	int fd, rc = -1;
	*blocks = NULL;
	if (!path)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			damaged(path, seq, "is missing", err);
		else
			mc_errnof(err, errno, "'%s'", path);
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		mc_errnof(err, errno, "'%s'", path);
		goto out;
	}
	if ((uint64_t)st.st_size != size) {
		char what[96];
		snprintf(what, sizeof what, "holds %llu bytes, the journal says %llu",
			 (unsigned long long)st.st_size, (unsigned long long)size);
		damaged(path, seq, what, err);
		goto out;
	}
	if (buf_grow(&f, (size_t)size + 1) < 0) {
		mc_oom(err, "spool");
		goto out;
	}
	while (f.len < size) {
		ssize_t r = read(fd, f.p + f.len, (size_t)size - f.len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0)
				mc_errnof(err, errno, "'%s'", path);
			else
				damaged(path, seq, "is shorter than it was", err);
			goto out;
		}
		f.len += (size_t)r;
	}
	if (crc32c(0, f.p, f.len) != crc) {
		damaged(path, seq, "does not have the CRC-32C the journal recorded", err);
		goto out;
	}
	if (!(bl = calloc(n ? n : 1, sizeof *bl))) {
		mc_oom(err, "spool");
		goto out;
	}
	while (at < f.len) {
		const unsigned char *h = (const unsigned char *)f.p + at;
		uint32_t len;
		if (f.len - at < 4 || k == n)
			break;
		len = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 |
		      (uint32_t)h[3] << 24;
		if (f.len - at - 4 < len)
			break;
		if (buf_add(&bl[k], f.p + at + 4, len) < 0) {
			mc_oom(err, "spool");
			goto out;
		}
		k++;
		at += 4 + (size_t)len;
	}
	if (at != f.len || k != n) {
		char what[96];
		snprintf(what, sizeof what, "does not hold the %zu blocks the journal says", n);
		damaged(path, seq, what, err);
		goto out;
	}
	*blocks = bl;
	bl = NULL;
	rc = 0;
out:
	if (bl) {
		for (size_t b = 0; b < n; b++)
			buf_free(&bl[b]);
		free(bl);
	}
	if (fd >= 0)
		close(fd);
	buf_free(&f);
	free(path);
	return rc;
}
