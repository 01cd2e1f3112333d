/* cat.h: the mc-cat engine: read record streams, write them in another
 * form (JSON lines, mcr, CSV of one table, a summary) or only check them.
 * cmd/mc-cat.c parses the options into struct cat_opts and calls cat_run. */
#ifndef MC_ENGINE_CAT_H
#define MC_ENGINE_CAT_H

#include <stddef.h>

#include "base/err.h"
#include "stream/recio.h"

enum cat_to { CAT_TO_JSONL, CAT_TO_MCR, CAT_TO_CSV, CAT_TO_SUMMARY, CAT_TO_NONE };

struct cat_opts {
	enum rio_fmt from;        /* input format (RIO_AUTO: by the first byte) */
	enum cat_to to;           /* CAT_TO_NONE: only check the input */
	int zstd;                 /* compress the output at this level; 0: plain */
	const char *table;        /* CAT_TO_CSV: "db.table" */
	int with_op;              /* CAT_TO_CSV: first columns _op and _pos */
	const char *const *files; /* nfiles paths read in turn, "-" is fd 0; */
	size_t nfiles;            /* none: standard input */
	int out_fd;               /* where the output goes (not closed) */
};

/* Read every input and write the output. 0, or -1 with err: the first
 * input that is bad or truncated ("'FILE': record N: ..."; the output up to
 * there is written, and a summary says "check: FAILED"), or a failed write
 * (err->errnum EPIPE when the reader went away). */
int cat_run(const struct cat_opts *o, struct mc_err *err);

#endif
