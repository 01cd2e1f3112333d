/* ddl.h: following DDL statements to keep a table's column list (names and
 * primary key) when the binlog's table maps carry no names.
 *
 * Only what changes a column list is understood: CREATE TABLE (column
 * definitions, PRIMARY KEY), ALTER TABLE (ADD/DROP/CHANGE/MODIFY/RENAME
 * COLUMN with FIRST/AFTER, ADD/DROP PRIMARY KEY, RENAME TO), DROP TABLE and
 * RENAME TABLE. A statement that changes a table in a way not understood
 * (CREATE TABLE ... LIKE/SELECT) makes ddl_apply fail, so that the caller
 * stops trusting its names rather than mislabel columns. */
#ifndef MC_DDL_H
#define MC_DDL_H

#include <stddef.h>
#include <stdint.h>

#include "stream/rec.h"

#define DDL_CS_LEN 32

/* The bits of struct ddl_cols.uns. */
enum { DDL_UNSIGNED = 1, DDL_INVISIBLE = 2, DDL_GENERATED = 4 };
/* MariaDB's INET6, UUID, INET4 (binary in the binlog): (bits & DDL_FBT) >>
 * 3 is 1, 2, 3 (BL_FBT_*). */
enum { DDL_INET6 = 8, DDL_UUID = 16, DDL_INET4 = 24, DDL_FBT = 24 };
/* ... and, in bits 8 to 12, what a TIME, DATETIME or TIMESTAMP column's
 * type says: DDL_TKIND (0: not one of them, or not known) and its fraction
 * digits DDL_TDEC (0 to 6; "time" with no digits is 0). */
enum { DDL_T_TIME = 1, DDL_T_DATETIME = 2, DDL_T_TIMESTAMP = 3 };
#define DDL_TEMPORAL(kind, dec) ((uint16_t)((unsigned)(kind) << 11 | ((unsigned)(dec) & 7) << 8))
#define DDL_TKIND(f) (((unsigned)(f) >> 11) & 3)
#define DDL_TDEC(f) (((unsigned)(f) >> 8) & 7)
#define DDL_TMASK 0x1f00

/* DDL_TEMPORAL(kind, digits) of a type text ("timestamp(3)", "TIME", and
 * information_schema's "datetime(6)" followed by its mariadb-5.3 comment),
 * 0 when it is not one of them. */
uint16_t ddl_temporal(const char *type, size_t n);

/* A column list. Names are malloc'd; free with ddl_cols_free. */
struct ddl_cols {
	uint32_t n;
	char **names;
	uint16_t *uns; /* per column: DDL_UNSIGNED when declared UNSIGNED, with
			* DDL_INVISIBLE and DDL_GENERATED (may be NULL) */
	char (*cs)[DDL_CS_LEN]; /* per column: charset name ("binary" for BINARY/
				 * BLOB types), "" when unknown or not text
				 * (may be NULL) */
	char table_cs[DDL_CS_LEN]; /* the table's default charset, "" if unknown */
	/* per column (may be NULL; malloc'd): an ENUM or SET column's labels
	 * as its type text in UTF-8, "enum('a','b''c')" (mc_labels_type's
	 * form: a quote doubled, nothing else escaped) as a statement wrote
	 * them (the column's charset to apply), or after a '=' as the server
	 * holds them (a schema record's), or "!WHY" when they are not known
	 * from here (why); NULL: not known to be an ENUM/SET */
	char **lab;
	uint32_t nkey;
	uint32_t *key; /* column indexes of the primary key, in key order */
};

void ddl_cols_free(struct ddl_cols *c);

/* ddl_cols.lab's why after ALTER TABLE ... CONVERT TO CHARACTER SET */
#define DDL_LAB_CONVERTED "an ALTER TABLE ... CONVERT TO CHARACTER SET of the table keeps " \
	"the bytes of its ENUM and SET labels and reads them in the new charset, which is not " \
	"followed from the statement"

/* DDL_TRUNCATE (TRUNCATE [TABLE] t) names its table but changes no column
 * list; DDL_SEQUENCE (CREATE, ALTER or DROP SEQUENCE) names the sequences
 * and changes no table. */
enum { DDL_NONE = 0, DDL_CREATE, DDL_ALTER, DDL_DROP, DDL_RENAME, DDL_TRUNCATE, DDL_SEQUENCE };

#define DDL_MAX_TABLES 64

/* The tables a statement changes. Strings point into the statement text
 * (backquoted names keep their quotes out; a doubled `` inside is left as
 * is). db is empty when not given (the statement's default database). */
struct ddl_target {
	int kind;
	size_t ntables;
	struct mc_str db[DDL_MAX_TABLES], table[DDL_MAX_TABLES];
	/* RENAME TABLE a TO b: the new names, per table; ALTER ... RENAME TO */
	struct mc_str new_db[DDL_MAX_TABLES], new_table[DDL_MAX_TABLES];
	int renamed; /* ALTER TABLE ... RENAME [TO] x */
	int replace; /* CREATE OR REPLACE TABLE */
	int if_not_exists; /* CREATE TABLE IF NOT EXISTS */
	int more;    /* DROP or RENAME of more than DDL_MAX_TABLES tables */
	/* ALTER TABLE x CONVERT PARTITION p TO TABLE y (MariaDB 10.7): y, a
	 * table made of the partition, in new_db[0], new_table[0] (renamed
	 * stays 0: x keeps its name) */
	int converted;
	int cut;     /* the statement read from its start only (above) */
	/* An ALTER TABLE that removes or replaces rows with no row events in
	 * the binlog: DROP, TRUNCATE, EXCHANGE or CONVERT PARTITION, CONVERT
	 * TABLE x TO PARTITION, DISCARD or IMPORT [PARTITION ...] TABLESPACE,
 * ENGINE=BLACKHOLE, ALTER IGNORE TABLE ... ADD UNIQUE or PRIMARY KEY:
	 * the clause ("DROP PARTITION"), else NULL (ADD, REORGANIZE, COALESCE,
	 * REBUILD ... PARTITION, PARTITION BY keep the rows). other_table: the
	 * other table whose rows it changes (EXCHANGE ... WITH TABLE x,
	 * CONVERT TABLE x TO PARTITION, CONVERT PARTITION p TO TABLE x), empty
	 * when none; other_db empty: the default database. */
	const char *rows;
	struct mc_str other_db, other_table;
	int absorbed; /* CONVERT TABLE other TO PARTITION: other is gone after it */
	/* CREATE or ALTER TABLE with a foreign key ON DELETE or UPDATE
	 * CASCADE, SET NULL or SET DEFAULT: the changes of the table that key
	 * makes are not in the binlog */
	int fk_cascade;
	/* CREATE TABLE ... WITH SYSTEM VERSIONING, ALTER TABLE ... ADD SYSTEM
	 * VERSIONING: the table keeps history rows, written to the binlog as
	 * rows of the table */
	int versioned;
};

/* The sql_mode a statement was written under, as far as reading it goes:
 * DDL_MODE_NO_BS (NO_BACKSLASH_ESCAPES: a backslash in a string is a
 * plain character), DDL_MODE_ANSI_QUOTES ("x" is a name, not a string). */
enum { DDL_MODE_NO_BS = 1, DDL_MODE_ANSI_QUOTES = 2 };

/* Which tables sql changes, and how. Returns the kind (DDL_NONE when the
 * statement changes no table's columns or names, or truncates none). A
 * statement too long to read whole (more tokens than the lexer keeps) is
 * read from its start (t->cut): its tables as far as they are named
 * there, t->more set for a DROP or RENAME. ddl_target_mode: under mode
 * (DDL_MODE_*); ddl_target: mode 0. */
int ddl_target(const char *sql, size_t n, struct ddl_target *t);
int ddl_target_mode(const char *sql, size_t n, int mode, struct ddl_target *t);

/* Does ALTER TABLE sql (under mode) add, drop, rename or move a column:
 * a clause ADD [COLUMN] c, ADD (...), DROP [COLUMN] c, CHANGE, RENAME
 * COLUMN, or MODIFY with FIRST or AFTER (IF [NOT] EXISTS forms included)?
 * 1 yes, 0 no (indexes, keys, constraints, partitions, a column's type,
 * default or attributes, table options), -1 when it cannot be read (not
 * an ALTER TABLE, too long): the caller takes it as a yes. By the text
 * alone, whatever the columns were. */
int ddl_alter_cols(const char *sql, size_t n, int mode);

/* The column list after a CREATE TABLE (in is NULL) or ALTER TABLE (in is
 * the list before). 0 with *out filled, or -1 when the statement cannot be
 * followed (out is left empty). */
int ddl_apply(const char *sql, size_t n, const struct ddl_cols *in, struct ddl_cols *out);

/* Like ddl_apply; a CREATE TABLE with no charset of its own takes
 * default_cs (the database's, "" if unknown). */
int ddl_apply_cs(const char *sql, size_t n, const struct ddl_cols *in, const char *default_cs,
		 struct ddl_cols *out);

/* Like ddl_apply_cs, for a statement written under sql_mode mode
 * (DDL_MODE_*, above: the labels of ENUM and SET columns are read from its
 * strings, a "name" under ANSI_QUOTES). */
int ddl_apply_mode(const char *sql, size_t n, const struct ddl_cols *in, const char *default_cs,
		   int mode, struct ddl_cols *out);

/* A column list's labels: copy from in (n columns) to a new array; NULL
 * when in is NULL, or out of memory (*oom set). */
char **ddl_labs_copy(char *const *in, uint32_t n, int *oom);

/* CREATE/ALTER DATABASE|SCHEMA with a charset or collation: 1 with the
 * database name (empty: the default database) and the charset name in cs
 * (DDL_CS_LEN bytes), else 0. */
/* CREATE [OR REPLACE] TABLE [IF NOT EXISTS] t LIKE s (or (LIKE s)): 1
 * with s's database (empty: the default one) and name, as NUL-terminated
 * strings; else 0. */
int ddl_create_like(const char *s, size_t n, int mode, char *db, size_t dbsz, char *tab,
		    size_t tabsz);
int ddl_database(const char *sql, size_t n, struct mc_str *db, char *cs);

/* Where the first word of statement s (n bytes) is: past blanks, comments
 * and the openings of the executable comments a server of version ver
 * (major * 10000 + minor * 100 + patch; mariadb: a MariaDB server) runs
 * (/ *! always, / *!NNNNN when ver is at least NNNNN, MariaDB's / *M!NNNNNN
 * on MariaDB only); one the server does not run is a comment, skipped
 * whole. *from (when not NULL) gets where the statement starts for
 * ddl_target and the other readers: the first executable comment that is
 * run, else the first word. */
size_t ddl_stmt_start(const char *s, size_t n, unsigned ver, int mariadb, size_t *from);

/* Statements other than DDL (ddl_stmt.c). */

/* What an INSERT, REPLACE, UPDATE, DELETE or LOAD DATA/XML statement
 * changes: DDL_DML_NONE for any other statement; DDL_DML_TABLE with the
 * one table it writes (db empty: the statement's default database);
 * DDL_DML_UNKNOWN when it cannot be told (multi-table UPDATE or DELETE,
 * WITH ..., SELECT/DO/CALL of a routine that wrote, text not understood). */
enum { DDL_DML_NONE = 0, DDL_DML_TABLE, DDL_DML_UNKNOWN };
int ddl_dml_target(const char *sql, size_t n, struct mc_str *db, struct mc_str *tab);

/* The statement with its secrets replaced by '<redacted>': the string
 * literals after IDENTIFIED ... BY/AS, USING, PASSWORD, REPLACE and after =
 * in CREATE/ALTER/DROP USER or ROLE, GRANT, SET PASSWORD and CREATE/ALTER
 * SERVER. 1 with the text in out (appended), 0 when there is nothing to
 * redact (out untouched), -1 out of memory. no_bs: the statement was
 * written under sql_mode NO_BACKSLASH_ESCAPES ('a\' is a whole string). */
struct mc_buf;
int ddl_redact(const char *sql, size_t n, int no_bs, struct mc_buf *out);

#endif
