/* layout.h: the log layouts: the columns a log table shows in SQL and in
 * MaxCompute (docs/warehouse.md "Log layouts"). The local log files keep
 * mcsync's records whatever the layout; a layout is a view of them. */
#ifndef MC_WH_LAYOUT_H
#define MC_WH_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "stream/rec.h"

enum wh_layout {
	WH_LAYOUT_MCSYNC = 0,    /* _op, _image, _time, cols, _pos_file, _pos_off, _pos_row */
	WH_LAYOUT_DTS = 1,       /* record_id, operation_flag, utc_timestamp,
				  * before_flag, after_flag, cols */
	WH_LAYOUT_DTS_NEW = 2,   /* the same, prefixed new_dts_sync_ */
	WH_LAYOUT_DATAWORKS = 3, /* sequence_id, operation_type, execute_time,
				  * before_image, after_image, src_datasource,
				  * src_database, src_table, cols, ddl_sql */
	WH_LAYOUT_DATAWORKS_JSON = 4, /* the same with the table's columns in one
				       * data_columns JSON object */
};

/* The JSON column of WH_LAYOUT_DATAWORKS_JSON, in place of the table's. */
#define WH_LAYOUT_JSON_COL "data_columns"

/* Whether l holds the table's columns as one JSON column. */
int wh_layout_is_json(enum wh_layout l);
/* Whether l has rows for DDL (operation_type ALTER, TRUNCATE, RENAME). */
int wh_layout_has_ddl(enum wh_layout l);

/* "mcsync", "dts", "dts-new", "dataworks", "dataworks-json", NULL (for
 * opt_choice). */
extern const char *const wh_layout_names[];

/* The layout named s (NULL or "": mcsync); -1 with err when unknown. */
int wh_layout_parse(const char *s, enum wh_layout *l, struct mc_err *err);
const char *wh_layout_name(enum wh_layout l);

/* record_id / sequence_id: a position packed into a BIGINT, order kept:
 * file << 43 | offset << 11 | row. Positions with file >= 2^20, offset
 * >= 2^32 or row >= 2^11 have none: -1 with err naming the position. */
#define WH_ID_FILE_BITS 20
#define WH_ID_OFF_BITS 32
#define WH_ID_ROW_BITS 11
int wh_layout_id(const struct mc_pos *p, int64_t *id, struct mc_err *err);
void wh_layout_id_pos(int64_t id, struct mc_pos *p);

/* A layout's own columns: those before the table's (head) and after them
 * (tail), name and MaxCompute type. */
struct wh_lcol {
	const char *name;
	const char *type; /* BIGINT or STRING */
};
size_t wh_layout_head(enum wh_layout l, const struct wh_lcol **cols);
size_t wh_layout_tail(enum wh_layout l, const struct wh_lcol **cols);
/* The name of the layout's column that plays `role` (one of "id", "op",
 * "time", "before", "after"): e.g. record_id, new_dts_sync_record_id,
 * sequence_id; NULL for mcsync, whose order is the three position
 * columns. */
const char *wh_layout_role(enum wh_layout l, const char *role);

/* The marker of a table-replacing DDL in a log table of the mcsync layout
 * (docs/merge.md "DDL"): its _op (mc_op in MaxCompute), the other columns
 * NULL but the position: "T" TRUNCATE, "X" DROP or a rename away, "C"
 * CREATE, "R" a rename onto the name; NULL for any other effect. */
const char *wh_layout_marker(enum mc_ddl_effect e);

/* The barrier of markers in position order (ops[i] of wh_layout_marker),
 * as mc-merge plans DDL (wh/mergejob_read.c): the newest TRUNCATE, or
 * CREATE after a DROP, is the barrier (*at = its index, -1: none). A
 * rename onto the name, or a DROP with no CREATE after it: -1, *bad its
 * index. 0 otherwise. */
int wh_layout_barrier(const char *const *ops, size_t n, long *at, long *bad);

/* One row of a log table in a layout: head values, the image (NULL for a
 * DDL row of dataworks: the columns are NULL), tail values. Strings point
 * into the record or to constants. */
struct wh_lrow {
	struct mc_val head[8];
	size_t nhead;
	const struct mc_val *img;
	size_t nimg;
	struct mc_val tail[3];
	size_t ntail;
};

/* The rows of record r (a row or DDL record of a log) in layout l, each
 * passed to fn: an insert one, a delete one, an update two (before, then
 * after; one id); a snapshot row in a log is an insert. DDL: a row of
 * dataworks (operation_type ALTER, TRUNCATE or RENAME), a marker of
 * mcsync's for a table-replacing one (wh_layout_marker: img NULL, the
 * head's _image and _time NULL), none of dts and dts-new (DTS writes no
 * DDL into its log table); marks and schema records: none. datasource: the value of
 * src_datasource. -1 (err naming the position) when r's position has no
 * id, or fn fails. */
int wh_layout_rows(enum wh_layout l, const struct mc_rec *r, const char *datasource,
		   int (*fn)(void *ctx, const struct wh_lrow *row, struct mc_err *err), void *ctx,
		   struct mc_err *err);
/* The same with the table's schema record (the row's version), which the
 * JSON form needs (the columns' names and types; wh_layout_rows refuses
 * it): a row's image is then one value, its JSON text (wh_layout_json),
 * made in *scratch. */
int wh_layout_rows_schema(enum wh_layout l, const struct mc_rec *r, const struct mc_rec *schema,
			  const char *datasource, struct mc_buf *scratch,
			  int (*fn)(void *ctx, const struct wh_lrow *row, struct mc_err *err),
			  void *ctx, struct mc_err *err);

/* Append to b the data_columns text of an image of n values in the
 * columns of schema (docs/warehouse.md "Log layouts"): a JSON object,
 * the column names in order, each value exact as text: NULL null;
 * integers and BIT a number where the column's MaxCompute type is an
 * integer type and the value fits BIGINT, else a string of its decimal
 * digits (BIGINT UNSIGNED, BIT(64): DECIMAL(20,0)); FLOAT and DOUBLE a
 * number, the shortest text that reads back to the same value; DECIMAL,
 * the dates and times (the record's text: a TIMESTAMP's UTC instant), JSON
 * (its text) and text a string; bytes a string of upper-case hex digits.
 * -1 with err naming pos and the column for an absent value (a MINIMAL
 * image), text that is not UTF-8 or a count that is not the schema's. */
int wh_layout_json(struct mc_buf *b, const struct mc_rec *schema, const struct mc_val *img,
		   size_t n, const struct mc_pos *pos, struct mc_err *err);

#endif
