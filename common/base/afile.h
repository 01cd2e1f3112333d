/* afile.h: atomic file replacement. The new content goes to a temporary
 * file in the same directory, is fsync'ed, renamed over the target, and the
 * directory is fsync'ed: readers see the old file or the whole new one, and
 * after afile_commit returns the new one survives a crash. */
#ifndef MC_AFILE_H
#define MC_AFILE_H

#include <stddef.h>

#include "base/err.h"

struct afile {
	int fd;     /* write the content here */
	char *tmp;  /* temporary name (owned) */
	char *path; /* final name (owned) */
};

/* Create a temporary file next to path, mode 0644. */
int afile_open(struct afile *af, const char *path, struct mc_err *err);
/* fsync, close, rename over path, fsync the directory; frees af. */
int afile_commit(struct afile *af, struct mc_err *err);
/* Close and remove the temporary file; frees af. Safe after a failed
 * commit or on a zeroed struct. */
void afile_abort(struct afile *af);

/* Replace path with n bytes at p, atomically. */
int afile_write(const char *path, const void *p, size_t n, struct mc_err *err);

/* fsync the directory holding path (path itself if it is a directory). */
int afile_sync_dir(const char *path, struct mc_err *err);

#endif
