/* tables.h: the MaxCompute tables of a synced table (docs/maxcompute.md
 * "Tables"): the base table NAME and the log table NAME_log, created from
 * the table's schema record, checked against it when they exist, and
 * their partitions; and reading a table's columns back (DESC).
 *
 *	NAME     (cols..., mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT)
 *	         PARTITIONED BY (ds STRING) [LIFECYCLE n]
 *	NAME_log (mc_op STRING, mc_image STRING, mc_time BIGINT, cols...,
 *	          mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT)
 *	         PARTITIONED BY (ds STRING) [LIFECYCLE n]
 *
 * (MaxCompute column names start with a letter: the _pos_file, _op, ...
 * of the sqlite layout of docs/merge.md are mc_pos_file, mc_op, ... here.)
 * A log row is one image of a change: mc_op I, U or D; mc_image A (after)
 * or B (before), an update two rows; mc_time the event time (seconds UTC);
 * the position of the change in mc_pos_*. A base row is a snapshot row (its
 * chunk's watermark) or a merged one (the position of the record that won).
 * cols are the schema record's columns, in order, each of the MaxCompute
 * type of odps_col_map (types.h) under the column's choices. The table
 * comment records the key: "mcsync: DB.TABLE, key columns 1,3" (1-based
 * column numbers; "no key" when the table has none), which mc-merge
 * reads back. */
#ifndef MC_ODPS_TABLES_H
#define MC_ODPS_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "odps/client.h"
#include "odps/sql.h"
#include "odps/types.h"
#include "stream/rec.h"

#define ODPS_LOG_SUFFIX "_log"

struct odps_tables_opts {
	const struct odps_sql_opts *sql;    /* how SQL instances are run */
	int proceed;                        /* an existing table may have more
					     * columns, in another order (by name) */
	uint32_t lifecycle;                 /* LIFECYCLE days of a table created;
					     * 0: none (partitions kept) */
	const struct odps_colopts *colopts; /* one per schema column, or NULL:
					     * the default mapping */
	int layout;                         /* a log table's layout (enum
					     * wh_layout; 0: mcsync, above): its
					     * own columns (wh_layout_head, the
					     * table's, wh_layout_tail) in place
					     * of mc_op ... mc_pos_row */
	int gen_ok;                         /* odps_tables_evolve: 1 in place of
					     * the refusal of a type change not
					     * made in place (a new generation:
					     * odps/gen.h) */
	int must_exist;                     /* the state committed into it: a
					     * table not there is exit 1, not
					     * made anew (dropped by hand, its
					     * rows would be missing) */
	int must_part;                      /* the same of the partition */
	const char *state;                  /* --state: the version each table
					     * holds (tables_map.c); NULL none */
};

/* err of a DESC of table name, which this state committed rows into:
 * "Table not found" becomes exit 1 saying it is gone (dropped by hand;
 * made anew it would miss them). Returns -1. */
int odps_tables_gone(const struct odps_client *c, const char *name, struct mc_err *err);

/* Exit 1 (code 1) when schema record s has no column names (flag
 * names_by_index: @1, @2, ..., which MaxCompute's SQL refuses), naming
 * the table, its version and the way out; 0 otherwise. */
int odps_tables_unnamed(const struct mc_rec *s, struct mc_err *err);
/* -1 (code 1) naming column c of s and the way out when MaxCompute cannot
 * take its name (a letter, then letters, digits and '_', at most 128), or
 * it is one of mcsync's own columns of the table (own_cols 1: a base
 * table's mc_pos_*; 2: also mc_op, mc_image, mc_time of a log table of
 * mcsync's layout; 0: none); else 0. */
int odps_col_name_ok(const struct mc_rec *s, const struct mc_col *c, int own_cols,
		     struct mc_err *err);
/* Make sure table `name` (is_log: the log table of that layout; name is
 * then the log's own name, e.g. "shop__orders_log") exists in the project
 * with the layout above for schema (a schema record), and, when part is
 * not NULL, that its partition part ("ds=20240101"; "k=v/k2=v2" for more
 * keys) exists.
 *
 * Three SQL instances at most, each idempotent: CREATE TABLE IF NOT
 * EXISTS, DESC (the existing table checked column by column), ALTER TABLE
 * ... ADD IF NOT EXISTS PARTITION. Nothing is cached: a caller calls it
 * once per table and partition of a run (from part_open), and may call it
 * again (a rerun, another process) with the same effect.
 *
 * 0: the table is there, of this layout, with the partition. -1 with err:
 * - code 1: the existing table is not of this layout; the message names
 *   the table and the first column that differs (its type there and the
 *   one mcsync writes), one missing, or one mcsync does not write, e.g.
 *   "MaxCompute table 'p1.t': column 2 'v' is STRING there, mcsync writes
 *   BIGINT (column 'v' of d.t, int): ...";
 * - code 1 or 3: the SQL or the service failed (sql.h);
 * - code 2: a per-column choice the column cannot take (types.h), a
 *   partition spec that is not k=v with v of [A-Za-z0-9_.-]. */
int odps_tables_ensure(struct odps_client *c, const struct odps_tables_opts *o,
		       const struct mc_rec *schema, const char *name, int is_log, const char *part,
		       struct mc_err *err);

/* A table's columns as DESC shows them. */
struct odps_desc {
	size_t ncols, nparts;
	char **names, **types;           /* data columns; types upper-cased,
					  * without spaces: "DECIMAL(38,18)" */
	char **pnames, **ptypes;         /* partition columns */
	char *comment;                   /* the table comment ("" when none) */
};

/* DESC name through an SQL instance, parsed (odps_desc_parse). -1 with
 * err: the table does not exist (the service's "Table not found" text,
 * code 1), or as odps_sql_run. */
int odps_tables_desc(struct odps_client *c, const struct odps_sql_opts *so, const char *name,
		     struct odps_desc *d, struct mc_err *err);

/* Parse the text of DESC (odpscmd's text table: "TableComment:", then the
 * rows after "Native Columns:" and after "Partition Columns:", cells
 * between '|'). -1 (code 1) when it has no "Native Columns:" section. */
int odps_desc_parse(const char *text, size_t n, struct odps_desc *d, struct mc_err *err);
void odps_desc_free(struct odps_desc *d);
/* The data column of d named n (len bytes; case aside), or -1
 * (tables_hist.c). */
long odps_desc_col(const struct odps_desc *d, const char *n, size_t len);

/* The key recorded in a comment of ours: 1 and the 0-based column
 * numbers (at most max) in key, *nkey; 0 when the comment says none or is
 * not ours. */
int odps_comment_key(const char *comment, uint32_t *key, size_t max, size_t *nkey);

/* "(ds='20240101')" for spec "ds=20240101" (appended). -1 (code 2) when a
 * value is not [A-Za-z0-9_.-]+ or the spec not k=v[/k=v]. */
int odps_part_clause(struct mc_buf *b, const char *spec, struct mc_err *err);

/* `name`, quoted for MaxCompute SQL (appended). */
int odps_ident(struct mc_buf *b, const char *p, size_t n);

/* ALTER TABLE table ADD IF NOT EXISTS PARTITION (part: "k=v/k2=v2"), an
 * idempotent SQL instance. */
int odps_add_partition(struct odps_client *c, const struct odps_sql_opts *so, const char *table,
		       const char *part, struct mc_err *err);

/* A type as DESC or mcsync writes it, compared: t without blanks, in
 * upper case, into out (outsz bytes, cut there). */
void odps_type_norm(char *out, size_t outsz, const char *t);

/* ---- across schema versions (tables_hist.c; docs/maxcompute.md "Schema
 * changes") ---- */

struct wh_sqlhist; /* wh/sqlhist.h */

/* Make sure table `name` (is_log as above) holds the SQL columns of the
 * schema history x (wh/sqlhist.h: one column per column of the history,
 * named as in the newest version that has it, of that version's type),
 * by name, with mcsync's own columns, and its partition part. A table
 * that does not exist is created with them in order (as
 * odps_tables_ensure). One that does is evolved, each change an SQL
 * instance: a column renamed in the history is renamed (ALTER TABLE ...
 * CHANGE COLUMN old RENAME TO new), one widened gets its new type where
 * MaxCompute changes it in place (ALTER TABLE ... CHANGE COLUMN c c
 * TYPE: a wider integer, FLOAT to DOUBLE, a DECIMAL with no fewer
 * integer or fraction digits), the new ones are added (ALTER TABLE ...
 * ADD COLUMNS, at the end: columns are matched by name). A dropped column
 * stays. -1 with err (code 1): a type change MaxCompute does not make in
 * place (DATETIME to TIMESTAMP, say), a column of the table mcsync does
 * not write (unless o->proceed), or as odps_tables_ensure; 1 in place of
 * the first refusal when o->gen_ok. Each statement
 * is decided from DESC: a rerun after a failure carries on. */
int odps_tables_evolve(struct odps_client *c, const struct odps_tables_opts *o,
		       const struct wh_sqlhist *x, const char *name, int is_log, const char *part,
		       struct mc_err *err);

/* tables_map.c: the SQL columns of history x in table name (DESC d,
 * isdata[j]: column j is not one of mcsync's own): map[p] its column, -1
 * one to add, *held the versions the table holds (1 ..) and *stage -1, or
 * 0 or 1 while renames from *held are under way (the state's record);
 * 1, 0 when the columns fit no version of x, -1 (code 1) when two
 * versions fit with other columns under the same names and the state does
 * not say which the table holds. A column halfway through a rename is
 * named ODPS_RN_PREFIX and its new name (odps_map_tmp finds it). */
#define ODPS_RN_PREFIX "mc_rn_"
int odps_map_cols(const struct odps_tables_opts *o, const struct wh_sqlhist *x,
		  const struct odps_desc *d, const char *isdata, const char *name, const char *tbl,
		  long *map, size_t *held, int *stage, struct mc_err *err);
long odps_map_tmp(const struct odps_desc *d, const struct mc_col *pc);
/* Record that table name holds the first n versions of its history (only
 * when none is recorded: only_new), or (from > 0) that its columns are
 * renamed from version from to n, at stage (0: to the temporary names, 1:
 * from them to the new ones). */
int odps_map_mark(const struct odps_tables_opts *o, const char *name, size_t n, size_t from,
		  int stage, int only_new, struct mc_err *err);

/* tables_lay.c: odps_tables_evolve of a log table of a layout other than
 * mcsync's (wh/layout.h): a column of the history named like one of the
 * layout's own is -1 naming both (as odps_tables_ensure refuses it); a
 * log table (DESC d) without every column of the layout's is -1 naming the
 * first missing. tbl names the table for the message. */
struct mc_col;
int odps_evolve_lay_clash(int layout, const struct mc_col *pc, const struct mc_rec *schema,
			  struct mc_err *err);
int odps_evolve_lay_check(const struct odps_desc *d, int layout, const char *tbl,
			  struct mc_err *err);

/* Whether MaxCompute changes a column of type `from` to `to` in place
 * (the widenings above; the type texts as DESC spells them). */
int odps_type_widens(const char *from, const char *to);

#endif
