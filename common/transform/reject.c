/* reject.c: the reject file, listed once across reruns (reject.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/num.h"
#include "base/io.h"
#include "transform/reject.h"

struct tf_rejent {
	char *key;       /* NULL: a free slot */
	size_t n;
	uint64_t h;
	uint64_t count;  /* lines of this identity not yet met by this run */
};

/* The identity of a line: every field but the 6th (the reason), written
 * into key (at most n bytes). Its length. */
static size_t ident(const char *line, size_t n, char *key)
{
	size_t k = 0, f = 0;
	for (size_t i = 0; i < n; i++) {
		if (line[i] == '\t' && ++f == 5) /* the tab before the reason */
			continue;
		if (f != 5)
			key[k++] = line[i];
	}
	return k;
}

static uint64_t hash(const char *p, size_t n)
{
	uint64_t h = num_fnv1a(1469598103934665603ULL, p, n);
	return h ^ (h >> 29);
}

static struct tf_rejent *slot(struct tf_rejset *s, const char *key, size_t n, uint64_t h)
{
	size_t i = (size_t)h & (s->cap - 1);
	for (;; i = (i + 1) & (s->cap - 1)) {
		struct tf_rejent *e = &s->e[i];
		if (!e->key || (e->h == h && e->n == n && memcmp(e->key, key, n) == 0))
			return e;
	}
}

static int add(struct tf_rejset *s, const char *line, size_t n)
{
	char *key;
	size_t k;
	uint64_t h;
	struct tf_rejent *e;
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct tf_rejent *old = s->e, *ne = calloc(cap, sizeof *ne);
		size_t oldcap = s->cap;
		if (!ne)
			return -1;
		s->e = ne, s->cap = cap;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].key)
				*slot(s, old[i].key, old[i].n, old[i].h) = old[i];
		free(old);
	}
	if (!(key = malloc(n + 1)))
		return -1;
	k = ident(line, n, key);
	h = hash(key, k);
	e = slot(s, key, k, h);
	if (e->key) {
		free(key);
	} else {
		e->key = key, e->n = k, e->h = h;
		s->n++;
	}
	e->count++;
	return 0;
}

int tf_reject_load(struct tf_rejset *s, int fd, const char *name, struct mc_err *err)
{
	struct stat st;
	char *p = NULL;
	size_t len, at = 0, end;
	int rc = -1;
	memset(s, 0, sizeof *s);
	if (fstat(fd, &st) < 0)
		return mc_errnof(err, errno, "reject file '%s'", name);
	if (!S_ISREG(st.st_mode)) /* a pipe, a terminal: nothing to read back */
		return 0;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return mc_errnof(err, errno, "reject file '%s': lock", name);
	if (fstat(fd, &st) < 0) {
		mc_errnof(err, errno, "reject file '%s'", name);
		goto out;
	}
	len = (size_t)st.st_size;
	if (len && !(p = malloc(len))) {
		mc_oom(err, "the reject file's lines");
		goto out;
	}
	if (len && (pread(fd, p, len, 0) != (ssize_t)len)) {
		mc_errnof(err, errno ? errno : EIO, "reject file '%s': read error", name);
		goto out;
	}
	for (end = len; end > 0 && p[end - 1] != '\n'; end--)
		;
	/* a line cut in its write lists no row: removed, the rerun lists it */
	if (end < len) {
		if (ftruncate(fd, (off_t)end) < 0) {
			mc_errnof(err, errno, "reject file '%s': cannot remove its cut last line", name);
			goto out;
		}
		s->cut = len - end;
	}
	while (at < end) {
		const char *nl = memchr(p + at, '\n', end - at);
		size_t n = (size_t)(nl - (p + at));
		if (n && add(s, p + at, n) < 0) {
			mc_oom(err, "the reject file's lines");
			goto out;
		}
		at += n + 1;
	}
	rc = 0;
out:
	free(p);
	flock(fd, LOCK_UN);
	return rc;
}

int tf_reject_seen(struct tf_rejset *s, const char *line, size_t n)
{
	char *key;
	size_t k;
	struct tf_rejent *e;
	int seen = 0;
	/* a dirty row is rare: its key in memory of its own, of any length
	 * (out of memory: listed again, never dropped) */
	if (!s->n || !(key = malloc(n + 1)))
		return 0;
	k = ident(line, n, key);
	e = slot(s, key, k, hash(key, k));
	if (e->key && e->count) {
		e->count--;
		s->listed++;
		seen = 1;
	}
	free(key);
	return seen;
}

int tf_reject_write(int fd, const char *line, size_t n)
{
	int rc, e, locked;
	/* a file that cannot be locked (a pipe on some systems) is written
	 * unlocked: a line is one write */
	while ((locked = flock(fd, LOCK_EX) == 0) == 0 && errno == EINTR)
		;
	rc = io_write_all(fd, line, n);
	e = errno;
	if (locked)
		flock(fd, LOCK_UN);
	errno = e;
	return rc;
}

void tf_reject_free(struct tf_rejset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->e[i].key);
	free(s->e);
	memset(s, 0, sizeof *s);
}
