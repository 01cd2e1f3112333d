/* merge_keycheck.h: is a key declared with mc-merge --key unique over the
 * log too (docs/mc-merge.md "--key")? The merge rule keeps one row per key;
 * a change that makes a second row live with a key value already live
 * would lose a row. The check sorts small events (key, position, kind) by
 * key and position, memory-bounded like the merge (a merger keeping every
 * entry, merge.h), and runs a state machine over each key's events in
 * position order:
 *
 *   base row at w   the key is live; events at or below w are in it already
 *   add             (an insert; an update's after image whose key differs
 *                   from its before image's) a second row when live: conflict
 *   keep            (an update within one key) live
 *   dead            (a delete; a key-changing update's before image) not live
 *
 * Two events of one key at one position are one record read twice. A
 * conflict is a lower bound: a key never live twice is never refused. */
#ifndef MC_MERGE_KEYCHECK_H
#define MC_MERGE_KEYCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "stream/rec.h"

enum { KC_BASE, KC_ADD, KC_KEEP, KC_DEAD };

struct keycheck;

/* Spilling into "<tmpdir>/.tmp-merge.NAME.XXXXXX" beyond about memory. */
struct keycheck *keycheck_new(uint64_t memory, const char *tmpdir, const char *name,
			      struct mc_err *err);
/* An event (before keycheck_start). */
int keycheck_add(struct keycheck *kc, const char *key, size_t klen, const struct mc_pos *pos,
		 int kind, struct mc_err *err);
int keycheck_start(struct keycheck *kc, struct mc_err *err);
/* A base row read in key order beside the events (a base pulled by the
 * merge, not added): after keycheck_start, keys ascending. A key not above
 * the last one is ignored (the merge refuses such a base itself). */
int keycheck_base(struct keycheck *kc, const char *key, size_t klen, const struct mc_pos *pos,
		  struct mc_err *err);
/* The events left: 1 when a key was live twice (keycheck_conflict says
 * where), 0 when not, -1 on error. */
int keycheck_end(struct keycheck *kc, struct mc_err *err);
/* The first conflict: the key, the position of the change that made it
 * live twice (second) and of what made it live before (first: a base row
 * when first_base). */
void keycheck_conflict(const struct keycheck *kc, const char **key, size_t *klen,
		       struct mc_pos *first, int *first_base, struct mc_pos *second);
void keycheck_free(struct keycheck *kc);

/* The values of an encoded key (merge_key_encode) as text, "v1, v2". */
int keycheck_key_text(struct mc_buf *b, const char *key, size_t klen);

#endif
