/* The commits record of a log table: TABLE_log/_commits (docs/warehouse.md
 * "The commits record"). mc-tunnel-put appends, before the ledger, one line
 * per log partition a commit wrote, "SEQ PART ROWS LO HI" (its data file
 * part-SEQ, its rows and positions); mc-merge checks against it that every
 * file of its range is there. Lines above the ledger's seq (a commit that
 * did not happen) are ignored, and removed by the next mc-tunnel-put; an
 * empty file (a first append killed between its open and its write) is a
 * record without lines, and the next append writes its header. */
#include "wh/wh.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/num.h"

#define COMMITS_HEAD "mcsync-commits 1\n"

static char *commits_path(const char *tabledir, struct mc_err *err)
{
	struct mc_buf p = { 0 };
	if (buf_addf(&p, "%s/%s%c", tabledir, WH_COMMITS, 0) < 0) {
		buf_free(&p);
		mc_oom(err, "path");
		return NULL;
	}
	return p.p;
}

static int read_all(const char *path, struct mc_buf *b, struct mc_err *err)
{
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : mc_errnof(err, errno, "'%s'", path);
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		if (buf_add(b, chunk, (size_t)n) < 0) {
			close(fd);
			return mc_oom(err, path);
		}
	close(fd);
	if (n < 0)
		return mc_errnof(err, errno, "'%s'", path);
	if (buf_addc(b, 0) < 0)
		return mc_oom(err, path);
	b->len--;
	return 1;
}

/* One line into c: 0, -1 malformed. */
static int parse_line(char *line, struct wh_commit *c)
{
	char *f[5], *save = NULL, *src;
	struct mc_err e;
	memset(c, 0, sizeof *c);
	for (int i = 0; i < 5; i++)
		if (!(f[i] = strtok_r(i ? NULL : line, " ", &save)))
			return -1;
	/* SEQ PART ROWS LO HI [SRC]: the ledger source, when not the first */
	if ((src = strtok_r(NULL, " ", &save)) && num_u64(src, &c->src) < 0)
		return -1;
	c->has_src = src != NULL;
	if (strtok_r(NULL, " ", &save) || num_u64(f[0], &c->seq) < 0 || !wh_part_ok(f[1]) ||
	    strlen(f[1]) >= sizeof c->part || num_u64(f[2], &c->rows) < 0 ||
	    pos_parse(f[3], &c->lo, &e) < 0 || pos_parse(f[4], &c->hi, &e) < 0)
		return -1;
	snprintf(c->part, sizeof c->part, "%s", f[1]);
	return 0;
}

int wh_commits_read(const char *tabledir, uint64_t maxseq, struct wh_commit **out, size_t *n,
		    struct mc_err *err)
{
	struct mc_buf b = { 0 };
	char *path = commits_path(tabledir, err), *p, *nl;
	size_t cap = 0;
	int rc, line = 1;

	*out = NULL;
	*n = 0;
	if (!path)
		return -1;
	if ((rc = read_all(path, &b, err)) <= 0)
		goto out;
	/* empty, or its header cut short: a first append a crash stopped
	 * (synced before the ledger, so of no commit the ledger holds); the
	 * ledger's line count (mergejob_read.c) tells a record emptied */
	if (b.len < sizeof COMMITS_HEAD - 1 && memcmp(b.p, COMMITS_HEAD, b.len) == 0)
		goto out;
	if (b.len < sizeof COMMITS_HEAD - 1 || memcmp(b.p, COMMITS_HEAD, sizeof COMMITS_HEAD - 1)) {
		rc = mc_errf(err, MC_EXIT_DATA, "'%s': not a commits record", path);
		goto out;
	}
	for (p = b.p + sizeof COMMITS_HEAD - 1; *p; p = nl + 1) {
		struct wh_commit c;
		line++;
		if (!(nl = strchr(p, '\n'))) {
			/* a line cut by a crash: above the ledger's seq, else
			 * the record was damaged (a commit's line lost) */
			const char *sp = strchr(p, ' ');
			uint64_t s;
			if (sp && num_u64n(p, (size_t)(sp - p), &s) == 0 && s <= maxseq)
				rc = mc_errf(err, MC_EXIT_DATA, "'%s': line %d: cut short (no newline), "
					     "but its commit %llu is in the ledger: the commits "
					     "record is damaged (restore it, or reload the log into "
					     "a new warehouse)", path, line, (unsigned long long)s);
			break;
		}
		*nl = 0;
		if (parse_line(p, &c) < 0) {
			rc = mc_errf(err, MC_EXIT_DATA, "'%s': line %d: malformed", path, line);
			goto out;
		}
		if (c.seq > maxseq)
			continue;
		if (mc_grow(out, &cap, *n + 1, sizeof **out) < 0) {
			rc = mc_oom(err, path);
			goto out;
		}
		(*out)[(*n)++] = c;
	}
	if (rc >= 0)
		rc = 1;
out:
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	buf_free(&b);
	free(path);
	return rc;
}

int wh_commits_add(const char *tabledir, const struct wh_commit *c, struct mc_err *err)
{
	char *path = commits_path(tabledir, err);
	char lo[64], hi[64], src[32] = "";
	struct mc_buf l = { 0 };
	struct stat st;
	int fd, rc = -1, fresh;
	if (!path)
		return -1;
	pos_format(&c->lo, lo, sizeof lo);
	pos_format(&c->hi, hi, sizeof hi);
	if (c->has_src)
		snprintf(src, sizeof src, " %llu", (unsigned long long)c->src);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
		mc_errnof(err, errno, "'%s'", path);
		goto out;
	}
	/* An empty file gets the header: one made now, or one a run killed
	 * between its open and its write left (and the next run's trim kept:
	 * nothing above the ledger's seq in it). Its existence cannot tell:
	 * the header would be missing for good (mc-merge: "not a commits
	 * record"), the file other than an uninterrupted run's. */
	if (fstat(fd, &st) < 0) {
		mc_errnof(err, errno, "'%s'", path);
		close(fd);
		goto out;
	}
	fresh = st.st_size == 0;
	if (buf_addf(&l, "%s%llu %s %llu %s %s%s\n", fresh ? COMMITS_HEAD : "",
		     (unsigned long long)c->seq, c->part, (unsigned long long)c->rows, lo, hi,
		     src) < 0) {
		mc_oom(err, path);
		close(fd);
		goto out;
	}
	if (write(fd, l.p, l.len) != (ssize_t)l.len || fsync(fd) < 0) {
		mc_errnof(err, errno ? errno : EIO, "'%s'", path);
		close(fd);
		goto out;
	}
	close(fd);
	rc = fresh ? afile_sync_dir(path, err) : 0;
out:
	buf_free(&l);
	free(path);
	return rc;
}

int wh_commits_trim(const char *tabledir, uint64_t seq, struct mc_err *err)
{
	struct mc_buf b = { 0 }, keep = { 0 };
	char *path = commits_path(tabledir, err), *p, *nl;
	int rc, changed = 0;
	if (!path)
		return -1;
	if ((rc = read_all(path, &b, err)) <= 0)
		goto out;
	for (p = b.p; *p; p = nl + 1) {
		uint64_t s;
		const char *sp;
		if (!(nl = strchr(p, '\n'))) {
			changed = 1; /* a line cut short */
			break;
		}
		if (p != b.p && (sp = strchr(p, ' ')) && sp < nl &&
		    num_u64n(p, (size_t)(sp - p), &s) == 0 && s > seq) {
			changed = 1;
			continue;
		}
		if (buf_add(&keep, p, (size_t)(nl + 1 - p)) < 0) {
			rc = mc_oom(err, path);
			goto out;
		}
	}
	rc = changed ? afile_write(path, keep.p ? keep.p : "", keep.len, err) : 0;
out:
	buf_free(&b);
	buf_free(&keep);
	free(path);
	return rc < 0 ? -1 : 0;
}
