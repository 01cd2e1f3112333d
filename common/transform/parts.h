/* parts.h: the log partition of each row (parts.c; inside
 * common/transform: cols.c computes it as an added column, run.c guards
 * the number of new partitions a day). docs/mc-transform.md "Partitions". */
#ifndef MC_TRANSFORM_PARTS_H
#define MC_TRANSFORM_PARTS_H

#include "transform/cols.h"

/* The header entry mc-transform writes when the rules have partitions:
 * its value names the added column that holds each row's partition spec
 * ("ds=20240102/hh=03"); mc-tunnel-put files a log row by it. */
#define TF_META_PART_COL "partition_column"

/* The partition spec of the image x->img by rule p into out (a text in
 * x->ar): 0, 1 dirty (x->reason), -1 with x->err. */
int tf_part_eval(struct tf_evctx *x, const struct tf_partrule *p, struct tf_ev *out);
/* Whether p's levels are constants or tf_vexpr_time_only. */
bool tf_part_time_only(const struct tf_partrule *p);

/* The new partitions a day of one table (allocated on first use). */
struct tf_pguard;
/* Count the partition of the transformed row out (a change row whose
 * table t has a partitions rule): 0, or -1 with err (exit 1) when it is
 * the max_per_day + 1st new one of its event day. */
int tf_part_guard(const struct tf_rules *R, struct tf_pguard **g, const struct tf_coltab *t,
		  const struct mc_rec *out, const char *db, const char *table, const char *dest,
		  struct mc_err *err);
void tf_pguard_free(struct tf_pguard *g);

#endif
