/* rules.h: the rules file of mc-transform (docs/mc-transform.md, "The
 * rules file"): YAML 1.2 (so JSON too) read through libfyaml. Every error
 * names the file, line and column ("sync.yaml:12:7: ..."), exit 2.
 *
 * What it holds so far: the selection of tables (include/exclude, by name
 * or regular expression) and the destination names (a template over
 * ${db} and ${table}, then replace, prefix, suffix and case edits). */
#ifndef MC_TRANSFORM_RULES_H
#define MC_TRANSFORM_RULES_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* A name or a regular expression (written /RE/ in the file: the whole
 * name must match it). */
struct tf_match {
	char *text;   /* NULL: any */
	bool is_re;
	bool nocase;  /* a column's name: MySQL's are not case-sensitive */
	regex_t re;
};

/* One include or exclude entry: db and table (either may be any). */
struct tf_sel {
	struct tf_match db, table;
};

struct tf_repl {
	char *from, *to;
};

enum tf_case { TF_CASE_KEEP = 0, TF_CASE_LOWER, TF_CASE_UPPER };

/* A DML rule (dml.c): the rows of the tables it matches whose op is in
 * drop (bit 1 << enum mc_op) are dropped, and so are those for which
 * keep_if (a condition over the before/after image, NULL: none) is false. */
struct tf_expr;
struct tf_dml {
	struct tf_sel on;        /* db and/or table; neither: every table */
	unsigned drop;
	struct tf_expr *keep_if;
	char *where;             /* "FILE:LINE:COL" of keep_if, for messages */
};

/* The DDL policy (ddl.c) per DDL type. */
enum {
	TF_DDL_CREATE_TABLE = 0,
	TF_DDL_DROP_TABLE,
	TF_DDL_RENAME_TABLE,
	TF_DDL_TRUNCATE,
	TF_DDL_ADD_COLUMN,
	TF_DDL_DROP_COLUMN,
	TF_DDL_RENAME_COLUMN,
	TF_DDL_MODIFY_COLUMN,
	TF_DDL_ALTER_OTHER, /* an ALTER TABLE clause on no column (indexes, options) */
	TF_DDL_OTHER,       /* any other DDL (CREATE DATABASE, views, ...) */
	TF_DDL_NTYPES
};
enum tf_ddl_pol { TF_DDL_NORMAL = 0, TF_DDL_IGNORE, TF_DDL_ALERT, TF_DDL_ERROR };

/* A full_load entry (fullload.c), for mc-snapshot --rules: the tables it
 * matches are not snapshotted (skip), or only their rows where the SQL
 * condition holds (where). */
struct tf_fload {
	struct tf_sel on;        /* db and/or table; neither: every table */
	bool skip;
	char *where;             /* or NULL */
	char *at;                /* "FILE:LINE:COL" of the where (or the entry) */
};

/* A destination type (cols.c): of an added column, or a type override. */
enum tf_ttype {
	TF_T_NONE = 0, TF_T_STRING, TF_T_TINYINT, TF_T_SMALLINT, TF_T_INT, TF_T_BIGINT,
	TF_T_DOUBLE, TF_T_DECIMAL, TF_T_DATE, TF_T_DATETIME
};
struct tf_target {
	enum tf_ttype t;
	int prec, scale;     /* DECIMAL(prec,scale) */
	char *format;        /* the text side's time format, or NULL */
	int unix_mul;        /* numbers are Unix times: 1 seconds, 1000 millis; 0 not */
	char mysql[32], mc[32]; /* the schema record's type texts */
};

/* A partitions entry (parts.c): the levels "KEY=VALUE/..." of the log
 * partition of each row of the tables it matches. */
struct tf_vexpr;
struct tf_plevel {
	char *key;
	struct tf_vexpr *value;  /* or */
	char *cnst;
	char *format;        /* a time value is written by it (default yyyyMMdd) */
	char *where;
};
struct tf_partrule {
	struct tf_sel on;
	struct tf_plevel *lv;
	size_t nlv, caplv;
	char *where;
};

/* An added column: its value an expression (or a constant text), or the
 * partition spec of a partitions entry (part). */
struct tf_addcol {
	const struct tf_partrule *part;
	char *name;
	struct tf_target to;
	struct tf_vexpr *value;
	char *cnst;          /* const: the text (value NULL) */
	char *where;         /* "FILE:LINE:COL" of the entry */
};
struct tf_addrule {
	struct tf_sel on;
	struct tf_addcol *cols;
	size_t ncols, capcols;
};
/* A type override: the columns it names (by name, or by source type). */
struct tf_typerule {
	struct tf_sel on;
	struct tf_match column, source_type;
	struct tf_target to;
	char *where;
};
/* A ${NAME} of the rules file: bound by tf_rules_params. */
struct tf_param {
	char *name, *where, *value;
};

/* A many -> one entry (merge.c, docs/mc-transform.md "Many tables into
 * one"): the tables it matches (the shards) all go into the table into;
 * their schemas must be identical, and their keys unique across them:
 * through shard_col (a column holding the shard's "db.table", appended
 * to the key), or as the rules state it (keys_unique). */
struct tf_fixt;
struct tf_merge {
	char *into;
	struct tf_sel *on;
	size_t non, capon;
	char *shard_col;         /* or NULL */
	bool keys_unique;
	char *at;                /* "FILE:LINE:COL" of the entry */
};

struct tf_rules {
	char *file;               /* the path, for messages */
	struct tf_sel *inc, *exc; /* no include entry: every table */
	size_t ninc, nexc, capinc, capexc;
	char *name_tmpl;          /* default "${db}_${table}" */
	struct tf_repl *repl;     /* applied in order to the rendered name */
	size_t nrepl, caprepl;
	char *prefix, *suffix;    /* may be NULL */
	enum tf_case name_case;
	struct tf_dml *dml;       /* in file order */
	size_t ndml, capdml;
	enum tf_ddl_pol ddl[TF_DDL_NTYPES];
	char *ddl_where[TF_DDL_NTYPES]; /* "FILE:LINE:COL" of a policy set */
	char *alerts;             /* ddl.alerts: the alerts file, or NULL */
	struct tf_fload *fload;   /* full_load, in file order */
	size_t nfload, capfload;
	struct tf_addrule *add;   /* columns: in file order */
	size_t nadd, capadd;
	struct tf_typerule *types; /* types: the first that matches a column wins */
	size_t ntypes, captypes;
	char **refs;              /* the column names the expressions read */
	size_t nrefs, caprefs;
	struct tf_param *params;  /* every ${NAME} of the expressions */
	size_t nparams, capparams;
	long long dirty_limit;    /* dirty.limit: rows rejected before the run fails */
	char *reject;             /* dirty.reject: the reject file, or NULL */
	char *dirty_where;        /* "FILE:LINE:COL" of dirty.limit, or NULL */
	struct tf_merge *merge;   /* many -> one, in file order */
	size_t nmerge, capmerge;
	struct tf_partrule *parts; /* partitions.tables, in file order */
	size_t nparts, capparts;
	char *part_col;           /* partitions.column (default mc_partition) */
	long long part_max;       /* partitions.max_per_day (when part_max_at) */
	char *part_max_at;        /* "FILE:LINE:COL" of it, or NULL: 1000 */
	struct tf_fixt *fixt;     /* mask, sample, limit (fixt.h), or NULL */
	char *log_layout;         /* log_layout: the sink's log layout (one of
				   * tf_log_layouts), or NULL */
	char *log_layout_at;      /* "FILE:LINE:COL" of it */
	char fp[40];              /* the rules fingerprint, "r1:" + 32 hex
				   * digits (fprint.c: what decides the
				   * tables' names, columns, partitions) */
	char rows_fp[40];         /* the same of what decides which tables
				   * and rows pass (select, dml, limit) */
};

/* The log layouts a rules file may name (docs/warehouse.md "Log layouts";
 * the sink's wh/layout.h names), NULL-terminated. */
extern const char *const tf_log_layouts[];

/* Give the ${NAME}s their values from n texts "NAME=VALUE" (--param): 0,
 * or -1 with err (exit 2): a text that is not NAME=VALUE, or a ${NAME} of
 * the file that none gives ("FILE:LINE:COL: ${NAME}: ..."). */
int tf_rules_params(struct tf_rules *R, const char *const *nv, size_t n, struct mc_err *err);

/* Read and check a rules file. 0, or -1 with err (code MC_EXIT_USAGE,
 * "FILE:LINE:COL: what"); free with tf_rules_free either way. */
int tf_rules_load(struct tf_rules *R, const char *path, struct mc_err *err);
void tf_rules_free(struct tf_rules *R);

/* Whether a table db.table is selected (included and not excluded). */
bool tf_selected(const struct tf_rules *R, const char *db, size_t dbn, const char *table,
		 size_t tn);

/* The destination name of db.table into out (size outsz): 0, or -1 with
 * err when the name is empty, too long (over 124 bytes, room for _log) or
 * holds a byte outside [A-Za-z0-9_]. */
int tf_dest_name(const struct tf_rules *R, const char *db, size_t dbn, const char *table,
		 size_t tn, char *out, size_t outsz, struct mc_err *err);

#define TF_MAX_NAME 124

/* The full_load entry of db.table (NULL: none, a whole load); *second: a
 * second entry that matches it too (an error for the caller), or NULL. */
const struct tf_fload *tf_full_load(const struct tf_rules *R, const char *db, size_t dbn,
				    const char *table, size_t tn, const struct tf_fload **second);

/* The merge entry db.table is a shard of (the first that matches), or
 * NULL. */
const struct tf_merge *tf_merge_of(const struct tf_rules *R, const char *db, size_t dbn,
				   const char *table, size_t tn);

/* Whether the table or rule entry s matches db.table. */
bool tf_sel_match(const struct tf_sel *s, const char *db, size_t dbn, const char *table,
		  size_t tn);

/* The schema a row follows, as the DML conditions see it: its column
 * names, in order. */
struct tf_names {
	const struct mc_str *name;
	size_t n;
};

/* Whether the row r is kept by the DML rule d (d matches its table): 1
 * kept, 0 dropped, -1 with err (exit 1: a column the schema has not, an
 * absent value of a MINIMAL image, a comparison of a text with a number). */
struct mc_rec;
int tf_dml_keep(const struct tf_dml *d, const struct mc_rec *r, const struct tf_names *s,
		struct mc_err *err);
/* Whether d's keep_if reads the column name (n bytes). */
bool tf_dml_reads(const struct tf_dml *d, const char *name, size_t n);

/* The policy of a ddl record and the DDL type it was decided by (the
 * strictest of the statement's types: ignore < normal < alert < error). */
enum tf_ddl_pol tf_ddl_policy(const struct tf_rules *R, const struct mc_rec *r, int *type);
const char *tf_ddl_type_name(int type);
/* Whether the ddl record r is an ALTER TABLE with a column clause (add,
 * drop, rename, modify). */
bool tf_ddl_on_columns(const struct mc_rec *r);
/* The columns an ALTER TABLE's clauses name (added, dropped, renamed from
 * and to, changed, modified, altered), each to fn: 0, or -1 when the
 * statement cannot be read so (take every column as named). */
int tf_ddl_columns(const struct mc_rec *r, void (*fn)(void *, const char *, size_t), void *ctx);
const char *tf_ddl_policy_name(enum tf_ddl_pol p);

/* Whether dropping the ddl record r (an ALTER TABLE) keeps the stored
 * values of the table's rows as the warehouse holds them, old being the
 * table's schema before it (NULL: not known), and whole the same when no
 * statement on its columns passed since it (NULL otherwise): 1; 0 with the
 * column and why, for a MODIFY or CHANGE that gives a column a type under
 * which the server changes values without row events, which the merge
 * could not tell; 2 with the column and why when old does not name the
 * column; 3 with why for a CONVERT TO CHARACTER SET that may change them
 * (mc_sql_convert_to: a charset that does not hold every character; or
 * utf8mb4 where whole has an ENUM or SET column, named in col, or is
 * NULL; col "" else). *rule: the DDL type of the clause (modify_column,
 * or alter_other for CONVERT TO) (docs/mc-transform.md "DDL policy"). */
int tf_ddl_keeps_values(const struct mc_rec *r, const struct mc_rec *old,
			const struct mc_rec *whole, const char *tabcs, int *rule, char *col,
			size_t colsz, char *why, size_t whysz);
/* The table default charset an ALTER TABLE's or CREATE TABLE's table
 * option sets (DEFAULT CHARSET, CHARACTER SET, COLLATE: its charset): 1
 * with cs, lower case ("" for utf8mb4, utf16, utf32: they hold every
 * character), 0 when it sets none. A MODIFY that names no charset gives
 * a text column that default (tf_ddl_keeps_values: tabcs). */
int tf_ddl_default_charset(const struct mc_rec *r, char *cs, size_t cssz);
/* The database a CREATE [OR REPLACE], ALTER or DROP DATABASE (SCHEMA)
 * names: 1 with db, else 0. ddl.c */
int tf_ddl_database(const struct mc_rec *r, char *db, size_t dbsz);
/* Whether the rules' select can select a table of database db (n bytes):
 * an include entry's db matches it (or there is none), and no exclude
 * entry of any table of it matches. rules.c */
bool tf_db_selectable(const struct tf_rules *R, const char *db, size_t n);
/* Whether an ALTER TABLE r of db.table that passes keeps the types and
 * mask rules exact, old its schema before it (NULL: not known): 1; 0 with
 * the column and why for an ADD of a column a rule covers that gives the
 * older rows a value (a DEFAULT, an expression, NOT NULL: the merge takes
 * it from the statement, not through the rule), a MODIFY or CHANGE of one
 * under which the server changes the older rows' values (the merge would
 * convert them by the written type), or a RENAME or CHANGE of a masked
 * column to a name no mask rule covers, or a MODIFY or CHANGE that moves
 * a column from one types rule to another or none; 2 when old does not
 * name a modified column a rule covers. dropped: the statement is dropped
 * by the DDL policy: only the renames and the types rules are checked
 * (the rows after it have the new names and types all the same). */
/* Which rules cover column name (n bytes) of db.table, as bits: 1 a types
 * rule (by its column, whatever its source_type), 2 a mask rule, 4 an
 * expression of a columns or keep_if rule of the table reads it; 0 none.
 * rules.c */
int tf_rules_cover(const struct tf_rules *R, const char *db, const char *table, const char *name,
		   size_t n);
int tf_ddl_rules_keep(const struct tf_rules *R, const struct mc_rec *r, const struct mc_rec *old,
		      const char *db, const char *table, int dropped, char *col, size_t colsz,
		      char *why, size_t whysz);
/* Whether a RENAME TABLE of db.table to db2.table2 keeps the mask and
 * types rules: 1; 0 with why when a rule names the old table and not the
 * new one. ddlpol.c */
int tf_rename_keeps(const struct tf_rules *R, const char *db, const char *table,
		    const char *db2, const char *table2, char *why, size_t whysz);
/* Whether each mask and types rule that names db.table and a column by
 * their exact names finds the column in schema record s: 1; 0 with why
 * (the rule, the column, the table's columns) for a column the table does
 * not have: a typo would leave the column in the clear, silently. cols.c */
int tf_rules_cols_named(const struct tf_rules *R, const char *db, const char *table,
			const struct mc_rec *s, char *why, size_t whysz);
/* The index in R->types of the types rule of column name (n bytes) of type
 * type (tn bytes) of db.table (the first that matches, as the rows get
 * it), or -1. cols.c */
int tf_types_rule_of(const struct tf_rules *R, const char *db, const char *table,
		     const char *name, size_t n, const char *type, size_t tn);

#endif
