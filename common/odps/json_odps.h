/* json_odps.h: the dataworks-json log layout into MaxCompute
 * (docs/maxcompute.md "Tables"): which columns its data_columns can carry
 * so that MaxCompute SQL reads each value back exactly. */
#ifndef MC_ODPS_JSON_ODPS_H
#define MC_ODPS_JSON_ODPS_H

#include <stddef.h>

#include "base/err.h"
#include "odps/types.h"
#include "stream/rec.h"

/* Column i of table s, mapped to MaxCompute as m: 0 when its JSON text in
 * data_columns (wh_layout_json) reads back to m's value exactly in
 * MaxCompute SQL (wh/merge_sqljson.c), else -1 with err (exit 1) naming
 * the table and the column and why. */
int odps_json_col_ok(const struct mc_rec *s, size_t i, const struct odps_colmap *m,
		     struct mc_err *err);

/* dest_odps_jtime.c: value v of column i of table s (as m maps it, ov
 * what odps_val_conv made of it, at position pos) in data_columns: 0 when
 * the merge in MaxCompute reads it back exactly (always, but for a DATE,
 * DATETIME or TIMESTAMP: from 1900-01-01 on, in its type's text), else -1
 * with err (exit 1) naming the table, the column, the value and the
 * position. */
int odps_json_time_ok(const struct mc_rec *s, size_t i, const struct odps_colmap *m,
		      const struct mc_val *v, const struct odps_val *ov, const struct mc_pos *pos,
		      struct mc_err *err);

#endif
