/* gen.c: the generations of a table in MaxCompute, as the state directory
 * records them (gen.h). */
#include "odps/gen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/alloc.h"
#include "odps/state.h"
#include "odps/tables.h"
#include "stream/rec.h"
#include "wh/wh.h"
#include "wh/whpart.h"

int odps_gen_text(const char *state, const char *table, struct mc_buf *b, struct mc_err *err)
{
	char *path = wh_pathf("%s/" ODPS_HISTDIR "/%s.gen", state, table);
	char piece[4096];
	size_t n;
	FILE *f;
	int rc = 0;
	b->len = 0;
	if (!path)
		return mc_oom(err, "path");
	if (!(f = fopen(path, "rb"))) {
		rc = errno == ENOENT ? 0 : mc_errnof(err, errno, "'%s'", path);
		free(path);
		return rc;
	}
	while (rc == 0 && (n = fread(piece, 1, sizeof piece, f)) > 0)
		if (buf_add(b, piece, n) < 0)
			rc = mc_oom(err, "generations");
	if (rc == 0 && ferror(f))
		rc = mc_errnof(err, EIO, "'%s'", path);
	fclose(f);
	free(path);
	return rc;
}

/* The generations in text: the newest (1 when empty); -1 when a line is
 * not "N F:O:R" with N counting up from 2. */
static int parse(const char *t, size_t n, unsigned *g)
{
	*g = 1;
	for (size_t at = 0; at < n;) {
		const char *nl = memchr(t + at, '\n', n - at);
		char line[128];
		size_t len = nl ? (size_t)(nl - (t + at)) : n - at;
		unsigned v;
		struct mc_pos p;
		struct mc_err e = { 0 };
		char tail;
		if (!nl || len >= sizeof line)
			return -1;
		memcpy(line, t + at, len);
		line[len] = 0;
		if (sscanf(line, "%u %c", &v, &tail) != 2 || v != *g + 1 ||
		    pos_parse(strchr(line, ' ') + 1, &p, &e) < 0)
			return -1;
		*g = v;
		at += len + 1;
	}
	return 0;
}

int odps_gen_count(const char *state, const char *table, unsigned *n, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	int rc = odps_gen_text(state, table, &b, err);
	if (rc == 0 && parse(b.p, b.len, n) < 0)
		rc = mc_errf(err, MC_EXIT_DATA, "'%s/" ODPS_HISTDIR "/%s.gen': not mcsync's record "
			     "of the table's generations (lines \"N FILE:OFFSET:ROW\")", state, table);
	buf_free(&b);
	return rc;
}

int odps_gen_name(char *out, size_t outsz, const char *table, unsigned g, int is_log,
		  struct mc_err *err)
{
	int n = g <= 1 ? snprintf(out, outsz, "%s%s", table, is_log ? ODPS_LOG_SUFFIX : "")
		       : snprintf(out, outsz, "%s__g%u%s", table, g, is_log ? ODPS_LOG_SUFFIX : "");
	if (n < 0 || (size_t)n >= outsz || n > 128)
		return mc_errf(err, MC_EXIT_DATA, "table '%s': the name of its generation %u is over "
			       "128 characters (give a shorter --name)", table, g);
	return 0;
}

int odps_gen_write(const char *state, const char *table, const char *text, size_t n,
		   struct mc_err *err)
{
	char *path = wh_pathf("%s/" ODPS_HISTDIR "/%s.gen", state, table);
	unsigned g;
	int rc;
	if (!path)
		return mc_oom(err, "path");
	if (parse(text, n, &g) < 0)
		rc = mc_errf(err, MC_EXIT_DATA, "'%s': the generations of table '%s' are not mcsync's "
			     "(the state mirror is damaged)", path, table);
	else
		rc = afile_write(path, text, n, err);
	free(path);
	return rc;
}

const char *odps_gen_base(const char *state, const char *table, char *buf, size_t bufsz,
			  struct mc_err *err)
{
	unsigned g;
	if (odps_gen_count(state, table, &g, err) < 0 ||
	    odps_gen_name(buf, bufsz, table, g, 0, err) < 0)
		return NULL;
	return buf;
}

int odps_is_pos_name(const char *name)
{
	return !strcasecmp(name, "mc_pos_file") || !strcasecmp(name, "mc_pos_off") ||
	       !strcasecmp(name, "mc_pos_row");
}

int odps_gen_lock(const char *state, const char *table, const char *held, struct mc_err *err)
{
	struct mc_buf p = { 0 };
	int fd;
	if (buf_addf(&p, "%s/merge.%s.lock%c", state, table, 0) < 0)
		return mc_oom(err, "path");
	fd = open(p.p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		mc_errnof(err, errno, "--state: '%s'", p.p);
	else if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		mc_errf(err, errno == EWOULDBLOCK ? MC_EXIT_TRANSIENT : MC_EXIT_DATA,
			"'%s': table '%s' %s", p.p, table, held);
		close(fd);
		fd = -1;
	}
	buf_free(&p);
	return fd;
}

int odps_gen_same(const char *state, const char *table, const char *base, struct mc_err *err)
{
	char b[300];
	if (!odps_gen_base(state, table, b, sizeof b, err))
		return -1;
	if (strcmp(b, base))
		return mc_errf(err, MC_EXIT_TRANSIENT, "table '%s': its generation '%s' was made "
			       "while this run started (it read '%s'): run the same command again",
			       table, b, base);
	return 0;
}
