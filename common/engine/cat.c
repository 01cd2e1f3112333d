/* cat.c: the mc-cat engine. */
#include "engine/cat.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/zio.h"
#include "stream/csv.h"
#include "stream/jsonl.h"
#include "stream/summary.h"

#define DRAIN_AT (256u << 10) /* bytes of text output buffered before a write */

/* The state of one run. mcr output goes through the record writer wr, the
 * rest is built in obuf and written through out. */
struct cat {
	const struct cat_opts *o;
	struct zout out;
	struct mc_buf obuf;
	struct rio_writer wr;
	struct csv_out csv;
	struct summary sum;
};

/* A failed write to the output (ENOSPC, EIO...) names it. */
static int out_failed(struct mc_err *err)
{
	if (err->errnum)
		mc_errctx(err, "standard output: ");
	return -1;
}

/* Write obuf when it holds DRAIN_AT bytes, or anything when force. */
static int drain(struct cat *c, int force, struct mc_err *err)
{
	if (c->obuf.len == 0 || (!force && c->obuf.len < DRAIN_AT))
		return 0;
	if (zout_write(&c->out, c->obuf.p, c->obuf.len, err) < 0)
		return out_failed(err);
	c->obuf.len = 0;
	return 0;
}

/* Write one record in the output form. When the record has no such form,
 * the records before it are written first. */
static int emit(struct cat *c, const struct rio_reader *rd, const struct mc_rec *r,
		struct mc_err *err)
{
	struct mc_err derr; /* only set on a failure path */

	switch (c->o->to) {
	case CAT_TO_MCR:
		return rio_write(&c->wr, r, err) < 0 ? out_failed(err) : 0;
	case CAT_TO_JSONL:
		if (jsonl_encode(&c->obuf, r, err) < 0) {
			if (drain(c, 1, &derr) < 0)
				*err = derr;
			else
				mc_errctx(err, "record %llu: ", (unsigned long long)rd->recno);
			return -1;
		}
		return drain(c, 0, err);
	case CAT_TO_CSV:
		if (csv_rec(&c->csv, &c->obuf, r, err) < 0) {
			if (drain(c, 1, &derr) < 0)
				*err = derr;
			return -1;
		}
		return r->kind == MC_R_ROW ? drain(c, 0, err) : 0;
	case CAT_TO_SUMMARY:
		return summary_rec(&c->sum, r, err);
	case CAT_TO_NONE:
		break;
	}
	return 0;
}

/* Read one input. 0; -1 after filling err when the input is bad; -2 when
 * writing failed (err says why). */
static int cat_file(struct cat *c, const char *path, struct mc_err *err)
{
	struct rio_reader rd;
	struct mc_rec r;
	const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	int fd = 0, rc;

	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return mc_errnof(err, errno, "'%s'", path);
	}
	rio_init(&rd, fd, c->o->from);
	/* --check: also that change positions never go back inside a stream
	 * (what a sink would take for repeats); converting passes them, so
	 * that a stream can be looked at and mended */
	if (c->o->to == CAT_TO_NONE)
		rio_check_order(&rd);
	while ((rc = rio_next(&rd, &r, err)) > 0)
		if (emit(c, &rd, &r, err) < 0) {
			rc = -2;
			break;
		}
	rio_close(&rd);
	if (fd > 0)
		close(fd);
	if (rc == -1 && err->errnum != EPIPE)
		mc_errctx(err, "'%s': ", name);
	return rc < 0 ? rc : 0;
}

/* End the output: the summary, the last bytes, the end of a zstd frame. */
static int finish(struct cat *c, const struct mc_err *failure, struct mc_err *err)
{
	int rc;

	if (c->o->to == CAT_TO_MCR)
		return rio_wclose(&c->wr, err) < 0 ? out_failed(err) : 0;
	if (c->o->to == CAT_TO_SUMMARY && summary_print(&c->sum, &c->obuf, failure, err) < 0)
		return -1;
	rc = drain(c, 1, err) < 0 ? -1 : zout_end(&c->out, err) < 0 ? out_failed(err) : 0;
	zout_close(&c->out);
	return rc;
}

int cat_run(const struct cat_opts *o, struct mc_err *err)
{
	static const char *const stdin_only[] = { "-" };
	const char *const *files = o->nfiles ? o->files : stdin_only;
	size_t nfiles = o->nfiles ? o->nfiles : 1;
	struct cat c;
	struct mc_err werr = { 0 };
	int rc = 0;

	memset(&c, 0, sizeof c);
	c.o = o;
	csv_init(&c.csv, o->table, o->with_op);
	if (o->to == CAT_TO_MCR ? rio_winit(&c.wr, o->out_fd, o->zstd, err) < 0
				: zout_init(&c.out, o->out_fd, o->zstd, err) < 0)
		return -1;
	for (size_t i = 0; i < nfiles && rc == 0; i++)
		rc = cat_file(&c, files[i], err);
	if (rc == -2 || (rc < 0 && err->errnum == EPIPE)) {
		/* the output failed: nothing more can be written */
		if (o->to == CAT_TO_MCR)
			rio_wabort(&c.wr);
		else
			zout_close(&c.out);
	} else if (finish(&c, rc < 0 ? err : NULL, &werr) < 0) {
		*err = werr;
		rc = -1;
	}
	buf_free(&c.obuf);
	csv_free(&c.csv);
	summary_free(&c.sum);
	return rc < 0 ? -1 : 0;
}
