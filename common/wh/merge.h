/* merge.h: the merge rule of DESIGN.md, exact and memory-bounded
 * (docs/merge.md).
 *
 * Every input record becomes entries (key, position, change?, live?,
 * output record): a snapshot row or an insert one live entry, an update one
 * live entry for its after key and, when the key changed, a dead entry for
 * its before key, a delete a dead entry. Per key the entry with the highest
 * (position, change over snapshot, later arrival) wins; the key exists
 * afterwards when the winner is live, holding the winner's record.
 *
 * Entries are kept in memory up to a budget, then sorted, reduced to one
 * per key and spilled as zstd runs into a temporary directory; the runs are
 * merged k ways (in several passes when there are too many for the budget).
 * An input that is already in key order with one row per key (a base
 * partition written by mc-merge, or a snapshot tried as one) is merged as a
 * stream without sorting; merger_finish fails, setting merge_stats'
 * unordered, when it is not. */
#ifndef MC_MERGE_H
#define MC_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "stream/rec.h"

struct merger;

struct merge_stats {
	uint64_t entries; /* added */
	uint64_t runs;    /* spilled runs, 0 when everything fit */
	uint64_t passes;  /* intermediate merge passes */
	uint64_t out;     /* records emitted */
	int unordered;    /* merger_finish failed: the pull source broke key order */
	int duplicate;    /* merger_finish or merger_add failed: two base rows with
			   * one key (merger_unique_base) */
};

/* A merger that keeps at most about `memory` bytes of entries and buffers,
 * spilling into a fresh directory under tmpdir. NULL on error. */
struct merger *merger_new(uint64_t memory, const char *tmpdir, struct mc_err *err);

/* Name the temporary directory "<tmpdir>/.tmp-merge.NAME.XXXXXX" (at most
 * about 140 bytes; before the first spill) instead of ".tmp-merge.XXXXXX". */
void merger_tmp_name(struct merger *m, const char *name);

/* The entries added with change 0 and the pull source's rows are the rows
 * of one base, which holds each key at most once: two with one key make
 * merger_finish (or merger_add, when it spills) fail with code 1 and set
 * merge_stats' duplicate; merger_dup_key then gives the key. */
void merger_unique_base(struct merger *m);
/* 1 and the key (valid until merger_free) after such a failure, else 0. */
int merger_dup_key(const struct merger *m, const char **key, size_t *klen);

/* Add one entry; key and rec are copied. rec may be NULL (dead entries). */
int merger_add(struct merger *m, const char *key, size_t klen, const struct mc_pos *pos,
	       int change, int live, const char *rec, size_t rlen, struct mc_err *err);

/* A source already in key order, one entry per key, all snapshot rows:
 * fills key/pos/rec (valid until the next call); 1, 0 at the end, -1. */
typedef int (*merge_pull_fn)(void *ctx, const char **key, size_t *klen, struct mc_pos *pos,
			     const char **rec, size_t *rlen, struct mc_err *err);
/* Receives the winning live records in key order. */
typedef int (*merge_emit_fn)(void *ctx, const struct mc_pos *pos, const char *rec, size_t rlen,
			     struct mc_err *err);

/* Merge everything added (and the pull source when not NULL) and emit. */
int merger_finish(struct merger *m, merge_pull_fn pull, void *pctx, merge_emit_fn emit,
		  void *ectx, struct mc_err *err);

/* Every entry kept and given in order, none reduced to its key's winner:
 * key ascending, then (position, change, arrival) descending. Before the
 * first merger_add; then merger_iter, not merger_finish. */
void merger_keep_all(struct merger *m);
struct merge_iter;
/* The entries added, in that order (the merger stays until the iterator
 * is freed). NULL on error. */
struct merge_iter *merger_iter(struct merger *m, struct mc_err *err);
/* The next entry: key and rec (a dead entry's: empty) valid until the
 * next call; 1, 0 at the end, -1. */
int merger_iter_next(struct merge_iter *it, const char **key, size_t *klen, const char **rec,
		     size_t *rlen, struct mc_err *err);
void merger_iter_free(struct merge_iter *it);

void merger_stats(const struct merger *m, struct merge_stats *st);

/* Free memory and remove the temporary directory. */
void merger_free(struct merger *m);

/* Append the sortable encoding of the key columns of an image to b. Equal
 * keys give equal bytes; -1 when a key value is absent. */
int merge_key_encode(struct mc_buf *b, const struct mc_val *vals, size_t nvals,
		     const uint32_t *key, size_t nkey, struct mc_err *err);

#endif
