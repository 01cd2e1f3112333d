/* rparse.h: what the parsers of the rules file's sections share (inside
 * common/transform only): the parse state, errors at a node's line and
 * column, scalars, keys and name matches. */
#ifndef MC_TRANSFORM_RPARSE_H
#define MC_TRANSFORM_RPARSE_H

#include <libfyaml.h>
#include <stdbool.h>

#include "transform/rules.h"

/* The parse state: the file's path, the first error. */
struct rctx {
	const char *path;
	struct mc_err *err;
	bool failed;
};

/* Where a node starts (1-based line and column). */
void tfr_node_where(struct fy_node *n, int *line, int *col);
/* Set the first error, "FILE:LINE:COL: msg" at node at; returns -1. */
int tfr_err(struct rctx *c, struct fy_node *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "FILE:LINE:COL" of a node, a new string (NULL: the error set). */
char *tfr_where(struct rctx *c, struct fy_node *n);
/* The next entry of a list of mappings: unless item is a mapping, the
 * error fmt at it; else a zeroed element pushed onto the array (arr: its
 * pointer's address; n, cap, elem as mc_push) and returned. NULL on
 * error. */
void *tfr_entry(struct rctx *c, struct fy_node *item, void *arr, size_t *n, size_t *cap,
		size_t elem, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* A scalar's text as a new string, or NULL with the error set. */
char *tfr_scalar_dup(struct rctx *c, struct fy_node *n, const char *what);
bool tfr_key_is(struct fy_node *k, const char *name);
/* A name or /RE/ into m. */
int tfr_match_parse(struct rctx *c, struct fy_node *n, struct tf_match *m, const char *what);
void tfr_match_free(struct tf_match *m);
/* Whether m matches s[0..n) (m->text NULL: any). */
bool tfr_match(const struct tf_match *m, const char *s, size_t n);

/* The sections (dml.c, ddl.c, addcol.c). */
int tfr_parse_dml(struct rctx *c, struct tf_rules *R, struct fy_node *v);
int tfr_parse_ddl(struct rctx *c, struct tf_rules *R, struct fy_node *v);
int tfr_parse_columns(struct rctx *c, struct tf_rules *R, struct fy_node *v);
int tfr_parse_types(struct rctx *c, struct tf_rules *R, struct fy_node *v);
int tfr_parse_dirty(struct rctx *c, struct tf_rules *R, struct fy_node *v);
void tfr_cols_free(struct tf_rules *R);
void tfr_dml_free(struct tf_rules *R);
void tfr_ddl_free(struct tf_rules *R);
int tfr_parse_fload(struct rctx *c, struct tf_rules *R, struct fy_node *v); /* fullload.c */
void tfr_fload_free(struct tf_rules *R);
int tfr_parse_merge(struct rctx *c, struct tf_rules *R, struct fy_node *v); /* merge.c */
void tfr_merge_free(struct tf_rules *R);
/* One include/exclude-style list of {db, table} entries into *arr. */
int tfr_sel_list(struct rctx *c, struct fy_node *key, struct fy_node *seq, struct tf_sel **arr,
		 size_t *na, size_t *cap, const char *what);
int tfr_parse_parts(struct rctx *c, struct tf_rules *R, struct fy_node *v); /* parts.c */
int tfr_parts_done(struct rctx *c, struct tf_rules *R);
void tfr_parts_free(struct tf_rules *R);
/* The rules fingerprint of the file whose root is root into R->fp
 * (fprint.c). */
int tfr_fprint(struct rctx *c, struct tf_rules *R, struct fy_node *root);

#endif
