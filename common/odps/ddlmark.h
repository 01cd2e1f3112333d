/* ddlmark.h: the table-replacing DDL (TRUNCATE, DROP, CREATE, RENAME) of
 * a synced table in MaxCompute, where the merge there reads it
 * (docs/maxcompute.md "Table-replacing DDL", docs/merge.md "DDL"):
 *
 * - mcsync layout: marker rows in T_log (mc_op T, X, C or R, mc_image
 *   NULL, the position in mc_pos_*);
 * - other layouts: the log table keeps its shape (DTS writes no DDL into
 *   its log table; DataWorks a row whose RENAME does not say which way),
 *   and mcsync keeps the markers in a companion table T_log_ddl, written
 *   in the same commit as the log rows:
 *
 *	T_log_ddl (mc_op STRING, ID BIGINT, mc_time BIGINT, ddl_sql STRING,
 *	           mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT)
 *	          PARTITIONED BY (ds STRING)
 *
 *   ID the layout's id column (record_id, new_dts_sync_record_id,
 *   sequence_id: the position packed), mc_time the event time (seconds
 *   UTC), ddl_sql the statement. The dataworks merge reads its DDL rows of
 *   T_log (TRUNCATE; ALTER: DROP or CREATE by the statement's first word)
 *   and, for a RENAME row, the marker at its position (X away, R onto). */
#ifndef MC_ODPS_DDLMARK_H
#define MC_ODPS_DDLMARK_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "odps/client.h"
#include "odps/sql.h"
#include "stream/rec.h"
#include "wh/layout.h"

/* the companion table's name: the log table's name and this */
#define ODPS_DDL_SUFFIX "_ddl"

/* Append to q the CREATE TABLE IF NOT EXISTS of the companion table
 * `name` (T_log_ddl) of a log table of layout lay (lifecycle 0: none). */
int odps_ddlmark_create(struct mc_buf *q, const char *name, enum wh_layout lay,
			uint32_t lifecycle);

struct odps_ddlmark {
	char op;          /* T, X, C, R (wh_layout_marker) */
	struct mc_pos pos;
};

/* The answer of a SELECT (CSV, a header line first; a field in double
 * quotes may hold commas, quotes doubled and line ends) into markers
 * appended to *mk (*n of *cap), in the answer's order. dataworks 0: rows
 * "op,file,off,row" (mc_op T, X, C or R); 1: rows "operation_type,id,
 * ddl_sql" of a dataworks log table of table `table`: TRUNCATE T, ALTER
 * whose statement's first word (past blanks and comments,
 * stream/sqlword.h) is DROP X or CREATE C, RENAME '?' (its way is the
 * companion's marker at its position). -1 with err (code 1, naming the
 * table and the position or the text) for anything else. */
int odps_ddlmark_read(const char *table, int dataworks, const char *text, size_t len,
		      struct odps_ddlmark **mk, size_t *n, size_t *cap, struct mc_err *err);

/* The barrier of log table `table`_log of layout lay in [from, upto)
 * (upto NULL: no end), as the local merge plans its DDL records
 * (wh_layout_barrier): *has_barrier and *barrier (the newest TRUNCATE,
 * or CREATE after a DROP). A DROP (or a rename away) with no CREATE
 * after it, a RENAME onto the name, and a dataworks RENAME row with no
 * marker (written before mcsync kept them) are -1 with err (code 1)
 * naming the position. One SELECT (two for a dataworks log with a RENAME
 * in the range) through c with so (which must allow a full scan). */
/* (-2, err set: the table is gone, a DROP with no CREATE after it) */
int odps_ddlmark_plan(struct odps_client *c, const struct odps_sql_opts *so, const char *table,
		      enum wh_layout lay, const struct mc_pos *from, const struct mc_pos *upto,
		      int *has_barrier, struct mc_pos *barrier, struct mc_err *err);

#endif
