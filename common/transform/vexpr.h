/* vexpr.h: the value expressions of added columns (expr.c) and the
 * checked conversions of values to a destination type (conv.c), inside
 * common/transform only (docs/mc-transform.md, "Added columns", "Types").
 *
 * An expression is evaluated over one row image into a struct tf_ev; the
 * texts it makes live in a struct tf_arena, reset per row. Evaluation and
 * conversion return 0, 1 when the value is dirty data (ctx->reason says
 * why), or -1 with err (a rule that cannot apply: a column the table has
 * not). */
#ifndef MC_TRANSFORM_VEXPR_H
#define MC_TRANSFORM_VEXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stream/rec.h"
#include "transform/rules.h"

/* Bump memory for the texts of one row. */
struct tf_arena {
	char **blk;
	size_t *cap;
	size_t nblk, capblk, used;
};
void *tf_arena_alloc(struct tf_arena *a, size_t n);
void tf_arena_reset(struct tf_arena *a);
void tf_arena_free(struct tf_arena *a);

/* A time: the fields of a UTC wall clock; date_only for a DATE. */
struct tf_time {
	int y, mo, d, h, mi, s, us;
	bool date_only;
};

enum { E_NULL, E_ABSENT, E_TEXT, E_INT, E_DEC, E_F64, E_TIME, E_BOOL };
struct tf_ev {
	int k;
	bool bin;        /* E_TEXT: bytes, not UTF-8 text */
	int64_t i;       /* E_INT, E_BOOL */
	double f;        /* E_F64 */
	bool f32;        /* E_F64 of a FLOAT: its text is the float's shortest */
	const char *s;   /* E_TEXT, E_DEC */
	size_t n;
	struct tf_time t; /* E_TIME */
};

struct tf_evctx {
	const struct tf_rules *R;
	const struct mc_rec *r;
	const struct mc_val *img; /* the image evaluated */
	size_t nimg;
	const int *refidx;        /* R->nrefs column indexes (-1: none) */
	struct mc_str source_id;  /* the header's source_id ({NULL, 0}: none) */
	struct tf_arena *ar;
	const char *where;        /* the rule's FILE:LINE:COL */
	char reason[240];
	struct mc_err *err;
};

/* Parse the expression text s (a rules-file scalar at node n): NULL with
 * the error set at n. */
struct rctx;
struct fy_node;
struct tf_vexpr *tfr_vexpr_parse(struct rctx *c, struct fy_node *n, struct tf_rules *R,
				 const char *s);
void tf_vexpr_free(struct tf_vexpr *e);

int tf_vexpr_eval(struct tf_evctx *x, const struct tf_vexpr *e, struct tf_ev *out);
/* Whether e's value depends on nothing but the row's EVENT_TIME (and
 * constants, parameters, functions of them): the same for every row of one
 * event time. */
bool tf_vexpr_time_only(const struct tf_vexpr *e);

/* A source value as an expression value (a time kind becomes a time). */
int tf_ev_of_val(struct tf_evctx *x, const struct mc_val *v, struct tf_ev *out);

/* The value ev converted to target t into out (texts in the arena). */
int tf_convert(struct tf_evctx *x, const struct tf_ev *ev, const struct tf_target *t,
	       struct mc_val *out);
/* After tf_convert of a key column's value: 1 (dirty, the reason in x)
 * when another source value could convert to the same out (a text read as
 * a number not in its own digits, a time formatted without all of it). */
int tf_convert_key(struct tf_evctx *x, const struct tf_ev *ev, const struct tf_target *t,
		   const struct mc_val *out);

/* Time formats (yyyy MM dd HH mm ss SSS SSSSSS, 'literal', other
 * non-letters as themselves): check one (NULL, or what is wrong), parse a
 * text by one (false: not of that form), format a time by one into the
 * arena. */
const char *tf_fmt_check(const char *f, bool need_date);
bool tf_fmt_parse(const char *f, const char *s, size_t n, struct tf_time *t);
char *tf_fmt_format(struct tf_arena *a, const char *f, const struct tf_time *t, size_t *len);
/* Whether the fields form a real day and time (no zero parts). */
bool tf_time_valid(const struct tf_time *t);
/* Unix seconds (and microseconds) to a time: false out of 0001..9999. */
bool tf_time_from_unix(int64_t sec, int us, struct tf_time *t);
int64_t tf_time_to_unix(const struct tf_time *t);

/* The text form of a value (not NULL/ABSENT/BOOL) into the arena. */
int tf_ev_text(struct tf_evctx *x, const struct tf_ev *v, const char **s, size_t *n);

/* Exact compare of two decimal texts -?D+(.D+)? (dml.c). */
int tf_dec_cmp(const char *a, size_t an, const char *b, size_t bn);

#endif
