/* spool.c: the spool of the commit under way (spool.h). */
#include "odps/spool.h"

#include <errno.h>
#include <fcntl.h>
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

static char *dir_of(const char *dir, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	if (buf_addf(&b, "%s/%s%c", dir, ODPS_SPOOL, 0) < 0) {
		buf_free(&b);
		mc_oom(err, "spool");
		return NULL;
	}
	return b.p;
}

int odps_spool_remove(const char *dir, struct mc_err *err)
{
	char *d = dir_of(dir, err);
	int rc;
	if (!d)
		return -1;
	rc = wh_rmtree(d, err);
	free(d);
	return rc;
}

int odps_spool_reset(const char *dir, struct mc_err *err)
{
	char *d = dir_of(dir, err);
	int rc;
	if (!d)
		return -1;
	rc = wh_rmtree(d, err);
	if (rc == 0)
		rc = wh_mkdirs(d, err);
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

int odps_spool_put(const char *dir, uint64_t seq, size_t i, const struct mc_buf *blocks,
		   size_t n, uint64_t *size, uint32_t *crc, struct mc_err *err)
{
	char *path = file_of(dir, seq, i, err);
	uint64_t sz = 0;
	uint32_t c = 0;
	int fd, rc = 0;
	if (!path)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = mc_errnof(err, errno, "spooling the blocks of commit %llu to '%s'",
			       (unsigned long long)seq, path);
		free(path);
		return rc;
	}
	for (size_t b = 0; b < n && rc == 0; b++) {
		unsigned char h[4];
		uint32_t len = (uint32_t)blocks[b].len;
		if (blocks[b].len > UINT32_MAX) {
			rc = mc_errf(err, MC_EXIT_DATA, "internal: a block of %zu bytes", blocks[b].len);
			break;
		}
		h[0] = (unsigned char)len;
		h[1] = (unsigned char)(len >> 8);
		h[2] = (unsigned char)(len >> 16);
		h[3] = (unsigned char)(len >> 24);
		if (io_write_all(fd, h, 4) < 0 || io_write_all(fd, blocks[b].p, len) < 0) {
			rc = mc_errnof(err, errno, "spooling the blocks of commit %llu to '%s' "
				       "(nothing of it is committed; make room and run again)",
				       (unsigned long long)seq, path);
			break;
		}
		c = crc32c(c, h, 4);
		c = crc32c(c, blocks[b].p, len);
		sz += 4 + (uint64_t)len;
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = mc_errnof(err, errno, "spooling the blocks of commit %llu to '%s' (nothing "
			       "of it is committed; make room and run again)",
			       (unsigned long long)seq, path);
	if (close(fd) < 0 && rc == 0)
		rc = mc_errnof(err, errno, "spooling the blocks of commit %llu to '%s' (nothing "
			       "of it is committed; make room and run again)",
			       (unsigned long long)seq, path);
	if (rc < 0)
		unlink(path);
	free(path);
	*size = sz;
	*crc = c;
	return rc;
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
