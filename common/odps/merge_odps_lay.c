/* merge_odps_lay.c: the merge in MaxCompute across schema versions over a
 * log table of any layout (merge_odps_int.h): the lowest change of a
 * range, by the layout's position columns (logpos.h). */
#include <stdio.h>

#include "base/alloc.h"
#include "odps/logpos.h"
#include "odps/merge_odps_int.h"
#include "wh/layout.h"

int odps_mhist_logq(struct mc_buf *q, const char *table, int layout, const struct mc_pos *barrier,
		    const struct mc_pos *from, const struct mc_pos *lt, const struct mc_pos *upto,
		    struct mc_err *err)
{
	int rc;
	if (layout == WH_LAYOUT_MCSYNC)
		rc = buf_addf(q, "SELECT mc_pos_file, mc_pos_off, mc_pos_row FROM `%s_log` WHERE "
			      "mc_image IS NOT NULL AND ", table);
	else /* a change's rows, not a DDL row (dataworks) */
		rc = buf_addf(q, "SELECT %s FROM `%s_log` WHERE %s IN ('I', 'U', 'D') AND ",
			      odps_logpos_cols(layout), table,
			      wh_layout_role((enum wh_layout)layout, "op"));
	if (rc < 0 ||
	    odps_logpos_cond(q, layout, barrier ? barrier : from, barrier ? ">" : ">=", err) < 0 ||
	    (lt && (buf_adds(q, " AND ") < 0 || odps_logpos_cond(q, layout, lt, "<", err) < 0)) ||
	    (upto && (buf_adds(q, " AND ") < 0 || odps_logpos_cond(q, layout, upto, "<", err) < 0)) ||
	    buf_addf(q, " ORDER BY %s LIMIT 1;", odps_logpos_cols(layout)) < 0)
		return err->code ? -1 : mc_oom(err, "SQL");
	return 0;
}
