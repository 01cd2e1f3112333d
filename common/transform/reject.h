/* reject.h: the reject file of dirty data (docs/mc-transform.md "Dirty
 * data"), listed once across reruns.
 *
 * A reject line is tab-separated: the position, db.table, the column, the
 * image, the value, the reason, the source ("SOURCE_ID/EPOCH", "-" for
 * what the stream's header does not say). Its identity is every field but
 * the reason: the source and position name the change row (snapshot rows
 * share their chunk's watermark, and rows alike are counted). The lines
 * the file holds when a run starts are counted per identity; a run lists a
 * dirty row only when the file holds fewer lines of its identity than the
 * run has met, so a rerun over input already processed (the same file
 * again, a source resumed below where the killed run got) lists nothing
 * twice. */
#ifndef MC_TRANSFORM_REJECT_H
#define MC_TRANSFORM_REJECT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct tf_rejent;

struct tf_rejset {
	struct tf_rejent *e;    /* open addressing, cap a power of two */
	size_t n, cap;
	uint64_t listed;        /* dirty rows of this run listed by an earlier one */
	uint64_t cut;           /* bytes of a partial last line removed at the start */
};

/* Read the reject file fd (opened read-write, O_APPEND; name for messages)
 * under an exclusive lock: count its lines by identity, and remove a last
 * line without its newline (a run killed in its write, a full disk).
 * 0, or -1 with err. */
int tf_reject_load(struct tf_rejset *s, int fd, const char *name, struct mc_err *err);

/* The dirty row of line (n bytes, no newline): 1 when the file listed it
 * already (one line of its identity taken), 0 when it must be written. */
int tf_reject_seen(struct tf_rejset *s, const char *line, size_t n);

/* Append line (with its newline) under the file's lock. 0, or -1 with
 * errno. */
int tf_reject_write(int fd, const char *line, size_t n);

void tf_reject_free(struct tf_rejset *s);

#endif
