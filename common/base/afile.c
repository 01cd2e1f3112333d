#include "base/afile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/io.h"

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return mc_strdup(".");
	if (slash == path)
		return mc_strdup("/");
	return mc_strndup(path, (size_t)(slash - path));
}

int afile_sync_dir(const char *path, struct mc_err *err)
{
	struct stat st;
	char *d = NULL;
	int fd, rc = 0;

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		d = dir_of(path);
		if (!d)
			return mc_errnof(err, ENOMEM, "'%s'", path);
	}
	fd = open(d ? d : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		rc = mc_errnof(err, errno, "'%s': syncing directory", d ? d : path);
	if (fd >= 0)
		close(fd);
	free(d);
	return rc;
}

int afile_open(struct afile *af, const char *path, struct mc_err *err)
{
	size_t n = strlen(path);
	memset(af, 0, sizeof *af);
	af->fd = -1;
	af->path = mc_strdup(path);
	af->tmp = malloc(n + 16);
	if (!af->path || !af->tmp) {
		afile_abort(af);
		return mc_errnof(err, ENOMEM, "'%s'", path);
	}
	memcpy(af->tmp, path, n);
	memcpy(af->tmp + n, ".tmp.XXXXXX", 12);
	af->fd = mkstemp(af->tmp);
	if (af->fd < 0) {
		int e = errno;
		free(af->tmp);
		af->tmp = NULL;
		afile_abort(af);
		return mc_errnof(err, e, "'%s': creating a temporary file", path);
	}
	if (fchmod(af->fd, 0644) < 0) {
		int e = errno;
		afile_abort(af);
		return mc_errnof(err, e, "'%s'", path);
	}
	return 0;
}

int afile_commit(struct afile *af, struct mc_err *err)
{
	int rc = 0;
	if (fsync(af->fd) < 0)
		rc = mc_errnof(err, errno, "'%s': fsync", af->tmp);
	if (close(af->fd) < 0 && rc == 0)
		rc = mc_errnof(err, errno, "'%s': close", af->tmp);
	af->fd = -1;
	if (rc == 0 && rename(af->tmp, af->path) < 0)
		rc = mc_errnof(err, errno, "'%s': rename", af->path);
	if (rc < 0) {
		afile_abort(af);
		return -1;
	}
	free(af->tmp);
	af->tmp = NULL;
	rc = afile_sync_dir(af->path, err);
	afile_abort(af);
	return rc;
}

void afile_abort(struct afile *af)
{
	if (af->fd >= 0)
		close(af->fd);
	if (af->tmp)
		unlink(af->tmp);
	free(af->tmp);
	free(af->path);
	af->fd = -1;
	af->tmp = af->path = NULL;
}

int afile_write(const char *path, const void *p, size_t n, struct mc_err *err)
{
	struct afile af;
	if (afile_open(&af, path, err) < 0)
		return -1;
	if (io_write_all(af.fd, p, n) < 0) {
		int e = errno;
		afile_abort(&af);
		return mc_errnof(err, e, "'%s': write", path);
	}
	return afile_commit(&af, err);
}
