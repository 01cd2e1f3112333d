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

#endif
