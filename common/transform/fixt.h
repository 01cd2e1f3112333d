/* fixt.h: CI fixtures (docs/rules.md "mask", "sample", "limit"), inside
 * common/transform only: masks of columns (mask.c), a deterministic share
 * of keys and a number of rows per table (sample.c).
 *
 * - mask: applied last, to the records as they are written (after the
 *   columns, types and merge rules), by the written column's name: hash
 *   (SHA-256, or HMAC-SHA256 with a key, as 64 hex digits: the column
 *   becomes STRING), constant (a text: the column becomes STRING) or fake
 *   (a text of the same form: ASCII digits stay digits, letters letters of
 *   the same case, other characters of one UTF-8 length a character of the
 *   same length, punctuation and spaces kept; deterministic from the value
 *   and the key). NULL and absent values stay as they are.
 * - sample: applied first, to the source rows: a row is kept when the
 *   FNV-1a 64 of its key's text, modulo 10000, is below percent * 100; an
 *   update whose old key is in and new key out becomes a delete of the
 *   before image, out and in an insert of the after image.
 * - limit: then, per table, the first N keys of the run's snapshot rows
 *   and inserts are kept (a kept key's delete frees its place; a kept key
 *   moved by an update stays kept); a change before the table's snapshot
 *   in the run is refused. */
#ifndef MC_TRANSFORM_FIXT_H
#define MC_TRANSFORM_FIXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stream/rec.h"
#include "transform/rules.h"
#include "transform/vexpr.h"

enum tf_mask_how { TF_MASK_HASH = 1, TF_MASK_CONST, TF_MASK_FAKE };

struct tf_mask {
	struct tf_sel on;
	struct tf_match column;
	enum tf_mask_how how;
	char *cnst;              /* constant: the text */
	long key;                /* hash, fake: R->params index of ${NAME}, -1: */
	char *keytext;           /* a literal key, or NULL: none */
	char *at;                /* "FILE:LINE:COL" of the entry */
};
struct tf_sample {
	struct tf_sel on;
	unsigned per10k;         /* kept: bucket (0..9999) below it */
	char *at;
};
struct tf_limit {
	struct tf_sel on;
	uint64_t rows;
	char *at;
};
struct tf_fixt {
	struct tf_mask *mask;
	size_t nmask, capmask;
	struct tf_sample *sample;
	size_t nsample, capsample;
	struct tf_limit *limit;
	size_t nlimit, caplimit;
};

/* The key set of a limited table (sample.c). */
struct tf_kset {
	char **key;              /* open addressing: NULL empty, tomb a removed one */
	size_t *len;
	size_t nslots, n, used;
};

/* One schema version of a table: the source key's indexes (sample,
 * limit) or the written columns' masks. */
struct tf_fxver {
	uint64_t version;
	uint32_t *key;
	size_t nkey;
	const struct tf_mask **mask; /* per written column, or NULL */
	size_t ncols;
	struct mc_col *cols;         /* the written columns, types of the masks */
};

/* What the fixtures rules say of one source table, and its state. */
struct tf_fxtab {
	const struct tf_sample *sample;
	const struct tf_limit *limit;
	const struct tf_mask **masks;  /* the mask rules matching it, in file order */
	size_t nmasks;
	struct tf_fxver *src, *out;    /* schema versions: source, written */
	size_t nsrc, capsrc, nout, capout;
	struct tf_kset kept;           /* limit: the kept keys */
	bool snap_seen;                /* limit: a snapshot row or chunk mark passed */
	/* scratch of a written row */
	struct mc_val *b, *a;
	size_t capb, capa;
	struct tf_arena ar;
	struct mc_col *cols;
	size_t capcols;
};

/* The fixtures rules of db.table into t (zeroed by the caller). */
int tf_fx_init(const struct tf_rules *R, struct tf_fxtab *t, const char *db, size_t dbn,
	       const char *table, size_t tn, struct mc_err *err);
void tf_fx_free(struct tf_fxtab *t);
static inline bool tf_fx_rows(const struct tf_fxtab *t) { return t->sample || t->limit; }

/* A source schema record of the table (sample, limit: its key). 0, or -1
 * with err (a table with no key). */
int tf_fx_schema(struct tf_fxtab *t, const struct mc_rec *r, const char *db, const char *table,
		 struct mc_err *err);
/* A mark of the table: a chunk_end or snapshot_end says its snapshot is in
 * the run. */
void tf_fx_mark(struct tf_fxtab *t, const struct mc_rec *r);
/* A source row: 1 kept (r's op and images may change: an update into or
 * out of the sample), 0 dropped, -1 with err. */
int tf_fx_row(const struct tf_rules *R, struct tf_fxtab *t, struct mc_rec *r, const char *db,
	      const char *table, struct mc_err *err);

/* A written schema or row record of the table, masked into *out (r
 * itself when no mask applies). 0, or -1 with err. */
int tf_fx_mask(const struct tf_rules *R, struct tf_fxtab *t, const struct mc_rec *r,
	       struct mc_rec *out, const char *db, const char *table, struct mc_err *err);

/* The value's text as the masks and the sample read it (hash_mod's),
 * made in ar when it must be. */
int tf_fx_text(const struct tf_rules *R, struct tf_arena *ar, const struct mc_val *v,
	       const char **s, size_t *n, struct mc_err *err);

/* The sections (rules.c dispatches to them). */
struct rctx;
struct fy_node;
int tfr_parse_mask(struct rctx *c, struct tf_rules *R, struct fy_node *v);
int tfr_parse_sample(struct rctx *c, struct tf_rules *R, struct fy_node *v);
int tfr_parse_limit(struct rctx *c, struct tf_rules *R, struct fy_node *v);
void tfr_fixt_free(struct tf_rules *R);
/* R->fixt, made when none (mask.c). */
struct tf_fixt *tfr_fixt_of(struct rctx *c, struct tf_rules *R);

#endif
