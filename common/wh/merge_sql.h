/* merge_sql.h: the SQL that does mc-merge's merge inside MaxCompute (or
 * sqlite3, for tests), docs/merge.md. */
#ifndef MC_MERGE_SQL_H
#define MC_MERGE_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "stream/rec.h"

enum { MERGE_SQL_MAXCOMPUTE = 0, MERGE_SQL_SQLITE = 1 };

struct wh_sqlhist; /* wh/sqlhist.h */

struct merge_sql {
	const struct mc_rec *schema; /* the base table's schema record */
	const uint32_t *key;         /* key column indexes */
	size_t nkey;
	const char *table;           /* base table; the log is <table>_log */
	const char *base_part;       /* the base partition, e.g. ds=20261121 */
	const char *ds;              /* the day to write, or NULL: a SELECT only */
	const char *into;            /* ds NULL, MaxCompute: INSERT OVERWRITE TABLE
				      * into (not partitioned) SELECT ...; NULL:
				      * the SELECT alone */
	struct mc_pos from, upto;    /* log records in [from, upto) */
	int upto_inf;                /* no upper end */
	int dialect;                 /* MERGE_SQL_* */
	int layout;                  /* the log table's layout: enum wh_layout */
	int has_base_hi;             /* base_hi: the highest position of a base row */
	struct mc_pos base_hi;       /* (a layout other than mcsync packs it into
				      * its id column: it must fit, wh/layout.h) */
	int has_barrier;             /* barrier: the newest TRUNCATE (or CREATE
				      * after a DROP) in [from, upto), its marker's
				      * position: the base and the log up to it do
				      * not count (docs/merge.md "DDL") */
	struct mc_pos barrier;
	int named_insert;            /* MaxCompute, ds: INSERT ... PARTITION (...)
				      * (columns...) SELECT: a table with more
				      * columns than the merge writes (they are
				      * left NULL), or in another order */
	const struct wh_sqlhist *hist; /* the schema history (wh/sqlhist.h; NULL: one
				      * version, schema): the tables hold its SQL
				      * columns; rows of versions hist_lo ..
				      * hist_target, by position, are converted to
				      * hist_target (schema: its record). */
	size_t hist_lo, hist_target;
	/* with hist: changes of the key with changes under the old key in
	 * range, oldest first (docs/merge.md): merged in steps, each by
	 * version v's key (its columns in v) up to at; the last step's rows
	 * are the base of the changes from its at on */
	const struct merge_sql_kph *kph;
	size_t nkph;
};

struct merge_sql_kph {
	struct mc_pos at;
	size_t v;
	const uint32_t *key;
	size_t nkey;
};

/* Append the statements to b. */
int merge_sql_emit(struct mc_buf *b, const struct merge_sql *q, struct mc_err *err);
/* The query that finds a key declared with --key live twice over the log
 * (merge_sqlkey.c): no row, or the first change that makes a second row
 * live, its columns _pos_file, _pos_off, _pos_row (the change), mc_pf,
 * mc_po, mc_pr (what made the key live before), mc_pb (1: that is the base
 * row), then the key's columns. The mcsync layout, one schema version. */
int merge_sql_keycheck(struct mc_buf *b, const struct merge_sql *q, struct mc_err *err);

/* Pieces of the statements that merge_sql.c, merge_sqlhist.c and
 * merge_sqllay.c share: an identifier quoted (`x` in MaxCompute, "x" in
 * sqlite); a partition spec k=v(/k=v)* as k = 'v' AND ...; the head of a
 * merge (the INSERT or DELETE + INSERT by q->ds, q->into, q->hist, the
 * outer SELECT, up to the key of ROW_NUMBER() OVER (PARTITION BY); the
 * base rows' source (the last step at a change of the key, or the base
 * partition) and UNION ALL SELECT; and,
 * over a layout's log (wh/layout.h), the opening comment (more: a line
 * after the recipe's), the ORDER BY of the row number, a base row's id
 * and position columns, the log rows' range of ids (" > " or " >= " lo,
 * below iz unless q->upto_inf; op: its rows of I, U, D only) and the end,
 * the positions from the id column. Each returns nonzero on no memory. */
int merge_sql_ident(struct mc_buf *b, const char *p, size_t n, int dialect);
int merge_sql_part_where(struct mc_buf *b, const char *spec);
int merge_sql_head(struct mc_buf *b, const struct merge_sql *q);
int merge_sql_base_src(struct mc_buf *b, const struct merge_sql *q);
int merge_sql_lay_note(struct mc_buf *b, const struct merge_sql *q, int64_t ia, int64_t iz,
		       int64_t ib, const char *more);
int merge_sql_lay_order(struct mc_buf *b, int d, const char *id, const char *af);
int merge_sql_lay_base(struct mc_buf *b, int d, const char *id, const char *af);
int merge_sql_lay_tail(struct mc_buf *b, const struct merge_sql *q, const char *lo_op, int64_t lo,
		       int64_t iz, const char *op);
int merge_sql_pos_of_id(struct mc_buf *b, const struct merge_sql *q);

/* What a NULL of SQL column p in the rows of version w becomes in version
 * t: the implicit default of a step after w that made the column NOT
 * NULL (wh_step_plan), or NULL: stays NULL (merge_sqlhist.c). */
const struct mc_val *merge_sqlhist_nn(const struct merge_sql *q, size_t w, size_t p, size_t t);
/* merge_sqlhist.c: the INSERT's column list (the SQL columns of the
 * target's) and the inner SELECT's columns (each converted by its row's
 * version, named as in the target) of a merge with q->hist. */
int merge_sqlhist_names(struct mc_buf *b, const struct merge_sql *q);
int merge_sqlhist_select(struct mc_buf *b, const struct merge_sql *q);
/* The rows at the last change of the key (q->nkph > 0) as a subquery
 * "(SELECT <every SQL column>, positions ...) s" */
int merge_sqlhist_steps(struct mc_buf *b, const struct merge_sql *q);
/* A query of one row, n: how many values of the key of version
 * kph[i].v + 1 more than one row takes at kph[i].at (its step's rows,
 * converted to that version): 0 when the new key is unique there, as the
 * source's ALTER made sure. */
int merge_sqlhist_keycheck(struct mc_buf *b, const struct merge_sql *q, size_t i);

/* merge_sqllay.c: the statement with q->hist over a log of a layout other
 * than mcsync's (dts, dts-new, dataworks; not dataworks-json): the
 * layout's recipe over the history's SQL columns. And the log as the
 * merge across versions reads it: the table's name (mcsync), or a view of
 * a layout's rows in mcsync's terms (every SQL column, the positions from
 * the id, the image A or B; no DDL row). */
int merge_sqllay_emit(struct mc_buf *b, const struct merge_sql *q, struct mc_err *err);
int merge_sqllay_logsrc(struct mc_buf *b, const struct merge_sql *q);

/* Append the CREATE TABLE statements of the base and log tables (the
 * layout the merge SQL expects) to b. */
int merge_sql_create(struct mc_buf *b, const struct mc_rec *schema, const char *table,
		     int dialect, struct mc_err *err);
/* The same with the log table in layout (enum wh_layout). */
int merge_sql_create_layout(struct mc_buf *b, const struct mc_rec *schema, const char *table,
			    int dialect, int layout, struct mc_err *err);

/* merge_sqljson.c: the dataworks-json layout's data_columns. Its column
 * in CREATE TABLE (followed by ", "); the check of the table's columns
 * (-1 naming the first that has no exact reading); the table's columns
 * read from the JSON text, each "expr AS name". */
int merge_sqljson_create_col(struct mc_buf *b, int dialect);
int merge_sqljson_check(const struct merge_sql *q, struct mc_err *err);
int merge_sqljson_cols(struct mc_buf *b, const struct merge_sql *q, struct mc_err *err);
/* MaxCompute's reading of column c, the i-th of the table (its type
 * c->mc_type; a GEOMETRY by c->mysql_type), or -1 with err naming the
 * table and the column when it has none that is exact. */
int merge_sqljson_odps_col(struct mc_buf *b, const struct mc_col *c, size_t i, const char *table,
			   struct mc_err *err);
/* merge_sqljson_odps_col without its " AS name": the reading alone. */
int merge_sqljson_odps_read(struct mc_buf *b, const struct mc_col *c, size_t i, const char *table,
			    struct mc_err *err);
/* merge_sqltime.c: column c's MaxCompute type is DATE, DATETIME or a
 * TIMESTAMP (1, else 0); its reading from g (an SQL expression of its JSON
 * text) appended to b: 0 (-1: out of memory), or with b NULL only checked:
 * 0, or -1 with *why when MaxCompute documents no exact reading. */
int merge_sqltime_col(const struct mc_col *c);
int merge_sqltime_read(struct mc_buf *b, const struct mc_col *c, const char *g, const char **why);

/* merge_sqljsonv.c: the dataworks-json layout across schema versions
 * (MaxCompute): SQL column p of the history (q->hist) read out of a log
 * row's data_columns by the version in force at its id, as the SQL
 * column's type (-1: what merge_sqljson_vcheck names); the check of every
 * such reading over versions q->hist_lo .. q->hist_target (0 for another
 * layout or without q->hist); the SET line GET_JSON_OBJECT's readings are
 * made under (none for another layout or dialect). */
int merge_sqljson_vcol(struct mc_buf *b, const struct merge_sql *q, size_t p);
int merge_sqljson_vcheck(const struct merge_sql *q, struct mc_err *err);
int merge_sqljson_set(struct mc_buf *b, const struct merge_sql *q);

#endif
