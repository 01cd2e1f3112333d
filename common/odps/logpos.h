/* logpos.h: a MaxCompute log table's position in SQL, by its layout
 * (wh/layout.h; docs/maxcompute.md "Tables"): mcsync's three position
 * columns mc_pos_file, mc_pos_off, mc_pos_row, or the id column of the
 * others (record_id, new_dts_sync_record_id, sequence_id: the position
 * packed, wh_layout_id). Used by the merge in MaxCompute (merge_odps.c)
 * and --recover's counts (mirror.c). */
#ifndef MC_ODPS_LOGPOS_H
#define MC_ODPS_LOGPOS_H

#include "base/buf.h"
#include "base/err.h"
#include "stream/rec.h"
#include "wh/layout.h"

/* Append to q the condition "the row's position OP p" (OP one of ">=",
 * ">", "<", "<="), spelled out over mc_pos_* (layout 0, or a base table)
 * or over the layout's id column. -1 with err when p has no id (wh_layout_id)
 * or out of memory. */
int odps_logpos_cond(struct mc_buf *q, int layout, const struct mc_pos *p, const char *op,
		     struct mc_err *err);

/* The SELECT list of a log row's position ("mc_pos_file, mc_pos_off,
 * mc_pos_row" or the id column) and its ORDER BY (the same). */
const char *odps_logpos_cols(int layout);

/* A line of a SELECT of odps_logpos_cols (CSV) into *p: 0, or -1 when it
 * does not read so. */
int odps_logpos_parse(int layout, const char *line, struct mc_pos *p);

/* The merge's log layout, the ledger's log_layout (NULL: mcsync), into
 * *lay; for one other than mcsync *settings the SQL settings its merge
 * runs with (shiftright(): MaxCompute 2.0's types). -1 with err for a name
 * that is not a layout, or dataworks-json (not a MaxCompute log table's).
 * has_hist and table: unused (a schema history is merged in every layout,
 * wh/merge_sqllay.c). */
int odps_logpos_layout(const char *name, int has_hist, const char *table, enum wh_layout *lay,
		       const char **settings, struct mc_err *err);

/* Whether a column named name is one of the log layout's own (mcsync:
 * mc_op ... mc_pos_row), not the table's. */
int odps_logpos_is_meta(int layout, const char *name);

#endif
