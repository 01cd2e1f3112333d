/* Unit tests of common/ddl.c: following DDL for column lists. */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "binlog/binlog.h"
#include "binlog/ddl.h"
#include "binlog/schema_track.h"

#define TAP_NAME "t_ddl"
#include "tap.h"

static void check(int ok, const char *desc, const char *why)
{
	tap_check(ok, desc, "%s", why);
}

/* "a,b,c|key" text of a column list */
static void text(const struct ddl_cols *c, char *out, size_t n)
{
	size_t k = 0;
	out[0] = 0;
	for (uint32_t i = 0; i < c->n && k < n; i++)
		k += (size_t)snprintf(out + k, n - k, "%s%s%s", i ? "," : "", c->names[i],
				      c->uns && (c->uns[i] & DDL_UNSIGNED) ? "+" : "");
	if (k < n)
		k += (size_t)snprintf(out + k, n - k, "|");
	for (uint32_t i = 0; i < c->nkey && k < n; i++)
		k += (size_t)snprintf(out + k, n - k, "%s%u", i ? "," : "", c->key[i] + 1);
}

static void apply(const char *desc, const char *sql, struct ddl_cols *cur, const char *want)
{
	struct ddl_cols out;
	char got[1024];
	int rc = ddl_apply(sql, strlen(sql), cur->n ? cur : NULL, &out);
	if (!want) {
		check(rc < 0, desc, "followed a statement it should refuse");
		ddl_cols_free(&out);
		return;
	}
	if (rc < 0) {
		check(0, desc, "refused");
		return;
	}
	text(&out, got, sizeof got);
	check(strcmp(got, want) == 0, desc, got);
	ddl_cols_free(cur);
	*cur = out;
}

/* The first name of d.T's list in force at pos (file 1, offset off) of
 * a map of n columns, or "" */
static const char *first_name(const struct schema_track *s, const char *tab, uint32_t n,
			      uint64_t off)
{
	struct bl_table t;
	struct mc_pos pos = { 1, off, 0 };
	long k;
	memset(&t, 0, sizeof t);
	t.db = mc_str_c("d", 1);
	t.name = mc_str_c(tab, strlen(tab));
	t.ncols = n;
	k = st_find_known(s, &t, &pos);
	return k >= 0 && s->known[k].cols.n ? s->known[k].cols.names[0] : "";
}

/* st_ddl of statement sql at offset off, default database d */
static int follow(struct schema_track *s, const char *sql, uint64_t off)
{
	struct ddl_target t;
	struct mc_pos pos = { 1, off, 0 };
	struct mc_err err = { 0 };
	ddl_target(sql, strlen(sql), &t);
	return st_ddl(s, mc_str_c("d", 1), mc_str_c(sql, strlen(sql)), 0, &t, &pos, &err);
}

/* CREATE TABLE IF NOT EXISTS of a table that is there does nothing, and
 * MySQL 8 logs it all the same: its columns are not taken for the table's */
static void test_create_if_not_exists(void)
{
	struct schema_track s;
	st_init(&s);
	int ok = follow(&s, "CREATE TABLE t (id INT PRIMARY KEY, a INT)", 10) == 0 &&
		 follow(&s, "CREATE TABLE IF NOT EXISTS t (x INT, y INT)", 20) == 0;
	check(ok && !strcmp(first_name(&s, "t", 2, 30), "id"),
	      "CREATE TABLE IF NOT EXISTS of a table there: its columns stay", first_name(&s, "t", 2, 30));
	ok = ok && follow(&s, "DROP TABLE t", 40) == 0 &&
	     follow(&s, "CREATE TABLE IF NOT EXISTS t (x INT, y INT)", 50) == 0;
	check(ok && !strcmp(first_name(&s, "t", 2, 60), "x"),
	      "... after a DROP: the statement's columns", first_name(&s, "t", 2, 60));
	ok = ok && follow(&s, "RENAME TABLE t TO t2", 70) == 0 &&
	     follow(&s, "CREATE TABLE IF NOT EXISTS t (z INT, w INT)", 80) == 0;
	check(ok && !strcmp(first_name(&s, "t", 2, 90), "z") && !strcmp(first_name(&s, "t2", 2, 90), "x"),
	      "... after a RENAME away: the statement's columns", first_name(&s, "t", 2, 90));
	ok = ok && follow(&s, "CREATE TABLE IF NOT EXISTS u (v INT, w INT)", 100) == 0;
	check(ok && !strcmp(first_name(&s, "u", 2, 110), "v"),
	      "... of a table never seen: the statement's columns", first_name(&s, "u", 2, 110));
	st_free(&s);
}

/* ALTER TABLE clauses that remove or replace rows with no row events
 * (ddl_target's rows, other_table), and those that keep the rows */
static void test_rows_ddl(void)
{
	static const struct {
		const char *sql, *rows, *other;
	} a[] = {
		{ "ALTER TABLE d.p DROP PARTITION p0", "DROP PARTITION", "" },
		{ "ALTER TABLE d.p DROP PARTITION IF EXISTS p0, p1", "DROP PARTITION", "" },
		{ "ALTER TABLE d.p TRUNCATE PARTITION p0", "TRUNCATE PARTITION", "" },
		{ "alter table p truncate partition all", "TRUNCATE PARTITION", "" },
		{ "ALTER TABLE d.p EXCHANGE PARTITION p0 WITH TABLE x.sw", "EXCHANGE PARTITION", "sw" },
		{ "ALTER TABLE d.p EXCHANGE PARTITION p0 WITH TABLE `sw` WITHOUT VALIDATION",
		  "EXCHANGE PARTITION", "sw" },
		{ "ALTER TABLE d.src CONVERT PARTITION p0 TO TABLE d.cp", "CONVERT PARTITION", "cp" },
		{ "ALTER TABLE d.p CONVERT TABLE d.t2 TO PARTITION p2 VALUES LESS THAN (30)",
		  "CONVERT TABLE ... TO PARTITION", "t2" },
		{ "ALTER TABLE d.p DISCARD TABLESPACE", "DISCARD TABLESPACE", "" },
		{ "ALTER TABLE d.p IMPORT TABLESPACE", "IMPORT TABLESPACE", "" },
		{ "ALTER TABLE d.p DISCARD PARTITION p0, p1 TABLESPACE", "DISCARD TABLESPACE", "" },
		{ "ALTER TABLE d.p IMPORT PARTITION ALL TABLESPACE", "IMPORT TABLESPACE", "" },
		{ "/*!50100 ALTER TABLE d.p DROP PARTITION p0 */", "DROP PARTITION", "" },
		{ "ALTER TABLE d.p ADD PARTITION (PARTITION p3 VALUES LESS THAN (40))", NULL, "" },
		{ "ALTER TABLE d.p REORGANIZE PARTITION p0 INTO (PARTITION a VALUES LESS THAN (5), "
		  "PARTITION b VALUES LESS THAN (10))", NULL, "" },
		{ "ALTER TABLE d.p COALESCE PARTITION 2", NULL, "" },
		{ "ALTER TABLE d.p REMOVE PARTITIONING", NULL, "" },
		{ "ALTER TABLE d.p REBUILD PARTITION p0", NULL, "" },
		{ "ALTER TABLE d.p OPTIMIZE PARTITION p0", NULL, "" },
		{ "ALTER TABLE d.p ANALYZE PARTITION ALL", NULL, "" },
		{ "ALTER TABLE d.p CHECK PARTITION p0", NULL, "" },
		{ "ALTER TABLE d.p REPAIR PARTITION p0", NULL, "" },
		{ "ALTER TABLE d.p PARTITION BY HASH (id) PARTITIONS 4", NULL, "" },
		{ "ALTER TABLE d.p CONVERT TO CHARACTER SET utf8mb4", NULL, "" },
		{ "ALTER TABLE d.p DROP COLUMN `partition`, ADD discard INT", NULL, "" },
		{ "ALTER TABLE d.p COMMENT 'drop partition p0'", NULL, "" },
	};
	for (size_t k = 0; k < sizeof a / sizeof *a; k++) {
		struct ddl_target t;
		int kind = ddl_target(a[k].sql, strlen(a[k].sql), &t);
		int ok = kind == DDL_ALTER &&
			 (a[k].rows ? t.rows && !strcmp(t.rows, a[k].rows) : !t.rows) &&
			 t.other_table.n == strlen(a[k].other) &&
			 !strncmp(t.other_table.p ? t.other_table.p : "", a[k].other, t.other_table.n);
		check(ok, a[k].sql, t.rows ? t.rows : "(rows kept)");
	}
}

/* The first word of a statement through the executable comments its
 * server runs (ddl_stmt_start) */
static void test_stmt_start(void)
{
	static const struct {
		const char *sql;
		unsigned ver;
		int mariadb;
		const char *word; /* what is at the first word */
		int from;         /* where the statement starts (-1: at its end) */
	} a[] = {
		{ "/*!40000 TRUNCATE TABLE d.t */", 101106, 1, "TRUNCATE", 0 },
		{ "/*M!100000 TRUNCATE TABLE d.t */", 101106, 1, "TRUNCATE", 0 },
		{ "/*M!100000 TRUNCATE TABLE d.t */", 80036, 0, "", -1 },
		{ "/*!999999 TRUNCATE TABLE d.t */", 101106, 1, "", -1 },
		{ "/*!50700 TRUNCATE TABLE d.t */", 101106, 1, "", -1 },
		{ "/*!50700 TRUNCATE TABLE d.t */", 80036, 0, "TRUNCATE", 0 },
		{ "/*! TRUNCATE TABLE d.t */", 50700, 0, "TRUNCATE", 0 },
		{ "  /* c */ /*!40000 TRUNCATE TABLE d.t */", 101106, 1, "TRUNCATE", 10 },
		{ "/*M!999999 x */ TRUNCATE t", 101106, 1, "TRUNCATE", 16 },
		{ "TRUNCATE t", 101106, 1, "TRUNCATE", 0 },
	};
	for (size_t k = 0; k < sizeof a / sizeof *a; k++) {
		size_t from, w = ddl_stmt_start(a[k].sql, strlen(a[k].sql), a[k].ver, a[k].mariadb,
						&from);
		int ok = !strncmp(a[k].sql + w, a[k].word, strlen(a[k].word)) &&
			 (a[k].word[0] || w == strlen(a[k].sql)) &&
			 from == (a[k].from < 0 ? strlen(a[k].sql) : (size_t)a[k].from);
		check(ok, a[k].sql, a[k].sql + w);
	}
	{
		const char *s = "/*!40000 TRUNCATE TABLE d.t */";
		struct ddl_target t;
		check(ddl_target(s, strlen(s), &t) == DDL_TRUNCATE && t.table[0].n == 1,
		      "ddl_target of an executable comment's TRUNCATE", "not seen");
	}
}

int main(void)
{
	struct ddl_cols c = { 0 };
	struct ddl_target t;

	test_create_if_not_exists();
	test_rows_ddl();
	test_stmt_start();

	apply("CREATE TABLE with inline key and comments",
	      "CREATE TABLE IF NOT EXISTS `d`.`t` (\n id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	      " /* c */ `b` VARCHAR(10) DEFAULT 'x,y', c DECIMAL(10,2), g INT AS (c + 1) VIRTUAL,"
	      " UNIQUE KEY (b), INDEX i(c)) ENGINE=InnoDB", &c, "id+,b,c,g|1");
	apply("ADD COLUMN FIRST, AFTER", "ALTER TABLE t ADD COLUMN z INT FIRST, ADD y INT AFTER b",
	      &c, "z,id+,b,y,c,g|2");
	apply("CHANGE renames in place", "ALTER TABLE t CHANGE COLUMN b bb VARCHAR(20)", &c,
	      "z,id+,bb,y,c,g|2");
	apply("MODIFY ... AFTER moves", "ALTER TABLE t MODIFY y INT UNSIGNED AFTER g", &c, "z,id+,bb,c,g,y+|2");
	apply("RENAME COLUMN", "ALTER TABLE t RENAME COLUMN id TO pk", &c, "z,pk+,bb,c,g,y+|2");
	apply("DROP COLUMN, DROP INDEX, ENGINE", "ALTER TABLE t DROP COLUMN g, DROP INDEX i, ENGINE=InnoDB",
	      &c, "z,pk+,bb,c,y+|2");
	apply("DROP PRIMARY KEY, ADD PRIMARY KEY", "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (z, pk)",
	      &c, "z,pk+,bb,c,y+|1,2");
	apply("ADD (a, b)", "ALTER TABLE t ADD (m INT, n INT)", &c, "z,pk+,bb,c,y+,m,n|1,2");
	apply("ADD PARTITION changes no column (it was a column named PARTITION)",
	      "ALTER TABLE t ADD PARTITION (PARTITION p1 VALUES LESS THAN (20))", &c,
	      "z,pk+,bb,c,y+,m,n|1,2");
	apply("DROP, TRUNCATE, REORGANIZE PARTITION change none",
	      "ALTER TABLE t DROP PARTITION p0, TRUNCATE PARTITION p1", &c, "z,pk+,bb,c,y+,m,n|1,2");
	apply("ADD VECTOR INDEX changes no column", "ALTER TABLE t ADD VECTOR INDEX (m)", &c,
	      "z,pk+,bb,c,y+,m,n|1,2");
	apply("a quoted column named `partition` is a column", "ALTER TABLE t ADD COLUMN `partition` INT",
	      &c, "z,pk+,bb,c,y+,m,n,partition|1,2");
	apply("DROP of an unknown column is refused", "ALTER TABLE t DROP COLUMN nope", &c, NULL);
	/* an ALTER's clauses name columns by their names before it (MariaDB
	 * 10.11: CHANGE a b INT, CHANGE b c INT makes the old b c): a clause
	 * naming a name another one gave is not followed, never taken for that
	 * column; AFTER names the new names */
	{
		struct ddl_cols s = { 0 };
		apply("three columns", "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT)", &s, "id,a,b|1");
		apply("RENAME COLUMN a TO b, RENAME COLUMN b TO a (a swap) is not followed",
		      "ALTER TABLE t RENAME COLUMN a TO b, RENAME COLUMN b TO a", &s, NULL);
		apply("CHANGE a b, CHANGE b c is not followed", "ALTER TABLE t CHANGE a b INT, CHANGE b c INT",
		      &s, NULL);
		apply("CHANGE a b, DROP b is not followed", "ALTER TABLE t CHANGE a b INT, DROP b", &s, NULL);
		apply("CHANGE a a0, CHANGE b a (no name reused as a column before it)",
		      "ALTER TABLE t CHANGE a a0 INT, CHANGE b a INT", &s, "id,a0,a|1");
		apply("CHANGE ... AFTER the new name, ADD ... AFTER it",
		      "ALTER TABLE t CHANGE a0 x INT AFTER a, ADD c INT AFTER x", &s, "id,a,x,c|1");
		apply("ADD c2, MODIFY c2 (a column this statement added)",
		      "ALTER TABLE t ADD c2 INT, MODIFY c2 BIGINT FIRST", &s, "c2,id,a,x,c|2");
		apply("CHANGE x X (case only), MODIFY X", "ALTER TABLE t CHANGE x X INT, MODIFY X BIGINT", &s,
		      "c2,id,a,X,c|2");
		apply("MariaDB's WAIT n before the clauses", "ALTER TABLE t WAIT 10 ADD w INT", &s,
		      "c2,id,a,X,c,w|2");
		apply("... and NOWAIT", "ALTER TABLE t NOWAIT DROP w", &s, "c2,id,a,X,c|2");
		ddl_cols_free(&s);
	}
	/* divergences from MariaDB 10.11 that tests/t2085 found: each is now
	 * followed as the server does, or not followed (NULL) */
	{
		struct ddl_cols s = { 0 };
		apply("unreserved PERIOD, SYSTEM as column names",
		      "CREATE TABLE t (period INT, system INT, id INT PRIMARY KEY)", &s, "period,system,id|3");
		apply("ADD COLUMN period", "ALTER TABLE t ADD COLUMN period2 INT FIRST, ADD COLUMN system2 INT",
		      &s, "period2,period,system,id,system2|4");
		apply("AFTER first names a column named first", "ALTER TABLE t CHANGE period first INT, "
		      "ADD c INT AFTER first", &s, "period2,first,c,system,id,system2|5");
		apply("ADD IF NOT EXISTS (a, b): each by the columns before",
		      "ALTER TABLE t ADD IF NOT EXISTS (c INT, d INT)", &s,
		      "period2,first,c,system,id,system2,d|5");
		apply("DROP d, ADD IF NOT EXISTS d: skipped (the table had d)",
		      "ALTER TABLE t DROP d, ADD IF NOT EXISTS d INT", &s, "period2,first,c,system,id,system2|5");
		apply("ADD e, DROP IF EXISTS e, MODIFY IF EXISTS e: skipped (the table had no e)",
		      "ALTER TABLE t ADD e INT, DROP IF EXISTS e, MODIFY IF EXISTS e INT FIRST", &s,
		      "period2,first,c,system,id,system2,e|5");
		apply("DROP INDEX `PRIMARY` drops the key", "ALTER TABLE t DROP INDEX IF EXISTS `primary`", &s,
		      "period2,first,c,system,id,system2,e|");
		apply("ADD PRIMARY KEY (c) names c after the statement",
		      "ALTER TABLE t ADD PRIMARY KEY (c), CHANGE c c0 INT, CHANGE e c INT", &s,
		      "period2,first,c0,system,id,system2,c|7");
		apply("ADD PRIMARY KEY IF NOT EXISTS of a table with one: skipped",
		      "ALTER TABLE t ADD PRIMARY KEY IF NOT EXISTS (first)", &s,
		      "period2,first,c0,system,id,system2,c|7");
		apply("DROP CONSTRAINT `PRIMARY`", "ALTER TABLE t DROP CONSTRAINT `PRIMARY`", &s,
		      "period2,first,c0,system,id,system2,c|");
		apply("ADD PRIMARY KEY IF NOT EXISTS of a table with none is not followed",
		      "ALTER TABLE t ADD PRIMARY KEY IF NOT EXISTS (first)", &s, NULL);
		apply("a clause before PARTITION BY, no comma",
		      "ALTER TABLE t ADD k INT FIRST PARTITION BY KEY (id) PARTITIONS 2", &s,
		      "k,period2,first,c0,system,id,system2,c|");
		apply("... before REMOVE PARTITIONING", "ALTER TABLE t MODIFY c INT FIRST REMOVE PARTITIONING",
		      &s, "c,k,period2,first,c0,system,id,system2|");
		apply("an executable comment run by all servers, or with the same names either way",
		      "ALTER TABLE t ADD m INT /*!80023 INVISIBLE */ /*!, ADD n INT */", &s,
		      "c,k,period2,first,c0,system,id,system2,m,n|");
		apply("AFTER x where a later clause gives x is not followed",
		      "ALTER TABLE t ADD x INT AFTER c, CHANGE c y INT, CHANGE k c INT", &s, NULL);
		apply("... MODIFY ... AFTER too", "ALTER TABLE t MODIFY m INT AFTER k, RENAME COLUMN k TO q", &s,
		      NULL);
		apply("an executable comment only some servers run, that changes names",
		      "ALTER TABLE t ADD z INT /*!999999 FIRST */", &s, NULL);
		apply("... a MariaDB one", "ALTER TABLE t ADD z INT /*M! , ADD z2 INT */", &s, NULL);
		apply("a name holding a backquote", "ALTER TABLE t ADD `x``y` INT", &s, NULL);
		apply("AFTER \"a\" (sql_mode ANSI_QUOTES; it was added last)",
		      "ALTER TABLE t ADD z INT AFTER \"c\"", &s, NULL);
		apply("a key column \"a\" (ANSI_QUOTES; it was left out of the key)",
		      "ALTER TABLE t ADD PRIMARY KEY (\"c\", k)", &s, NULL);
		apply("ADD SYSTEM VERSIONING (hidden columns)", "ALTER TABLE t ADD SYSTEM VERSIONING", &s, NULL);
		apply("DROP IF EXISTS of a name not ASCII (the server folds its case)",
		      "ALTER TABLE t DROP COLUMN IF EXISTS `\xc3\x89`", &s, NULL);
		apply("a key column not found (not ASCII, another case)",
		      "ALTER TABLE t ADD `\xc3\xa9` INT, ADD PRIMARY KEY (`\xc3\x89`)", &s, NULL);
		ddl_cols_free(&s);
		apply("CREATE TABLE ... WITH SYSTEM VERSIONING",
		      "CREATE TABLE t (id INT PRIMARY KEY) WITH SYSTEM VERSIONING", &s, NULL);
		apply("PRIMARY KEY (id, p WITHOUT OVERLAPS) (the key was left empty)",
		      "CREATE TABLE t (id INT, s DATE, e DATE, PERIOD FOR p (s, e), "
		      "PRIMARY KEY (id, p WITHOUT OVERLAPS))", &s, NULL);
		apply("CREATE TABLE with a column only some servers have",
		      "CREATE TABLE t (id INT PRIMARY KEY /*!999999 , z INT */, a INT)", &s, NULL);
	}
	apply("DROP IF EXISTS of an unknown column is nothing", "ALTER TABLE t DROP COLUMN IF EXISTS nope",
	      &c, "z,pk+,bb,c,y+,m,n,partition|1,2");
	ddl_cols_free(&c);
	apply("CREATE TABLE ... LIKE is refused", "CREATE TABLE t2 LIKE t", &c, NULL);
	apply("CREATE TABLE ... SELECT is refused", "CREATE TABLE t2 (a INT) SELECT 1 AS b", &c, NULL);
	apply("CREATE TABLE t (SELECT ...) is refused (it was a column named SELECT)",
	      "CREATE TABLE t2 (SELECT 1 AS a, 2 AS b)", &c, NULL);
	apply("CREATE TABLE t (WITH ...) is refused", "CREATE TABLE t2 (WITH q AS (SELECT 1 AS a) SELECT a FROM q)",
	      &c, NULL);
	apply("CREATE TABLE t (VALUES ...) is refused", "CREATE TABLE t2 (VALUES (1, 2))", &c, NULL);
	apply("executable comments are code", "CREATE TABLE t3 (a INT /*!80023 INVISIBLE */, b INT, PRIMARY KEY (b))",
	      &c, "a,b|2");
	ddl_cols_free(&c);

	{
		struct ddl_cols o;
		const char *s = "CREATE TABLE x (a VARCHAR(5), b VARBINARY(5), c TEXT CHARACTER SET utf8, "
				"d CHAR(2) COLLATE utf8mb4_bin, e INT, f NCHAR(3)) DEFAULT CHARSET=latin1";
		int rc = ddl_apply_cs(s, strlen(s), NULL, "utf8mb4", &o);
		check(rc == 0 && strcmp(o.cs[0], "latin1") == 0 && strcmp(o.cs[1], "binary") == 0 &&
			      strcmp(o.cs[2], "utf8mb3") == 0 && strcmp(o.cs[3], "utf8mb4") == 0 &&
			      o.cs[4][0] == 0 && strcmp(o.cs[5], "utf8mb3") == 0,
		      "charsets: table default, binary types, CHARACTER SET, COLLATE, NCHAR", "differ");
		if (rc == 0) {
			struct ddl_cols o2;
			const char *a = "ALTER TABLE x CONVERT TO CHARACTER SET utf8mb4, ADD g TEXT";
			rc = ddl_apply(a, strlen(a), &o, &o2);
			check(rc == 0 && strcmp(o2.cs[0], "utf8mb4") == 0 && strcmp(o2.cs[1], "binary") == 0 &&
				      strcmp(o2.cs[6], "utf8mb4") == 0,
			      "CONVERT TO CHARACTER SET", "differ");
			if (rc == 0)
				ddl_cols_free(&o2);
			ddl_cols_free(&o);
		}
		{
			struct mc_str db;
			char cs[DDL_CS_LEN];
			const char *d = "CREATE DATABASE IF NOT EXISTS `w` DEFAULT COLLATE latin1_swedish_ci";
			check(ddl_database(d, strlen(d), &db, cs) == 1 && db.n == 1 && strcmp(cs, "latin1") == 0,
			      "CREATE DATABASE charset from its collation", cs);
		}
	}
	{ /* ENUM/SET labels as the server reads the statement (tests/t2081) */
		struct ddl_cols o, o2, o3;
		const char *s = "CREATE TABLE x (a INT, e ENUM('x','it''s','a\\\\b','n\\nl','tr  ', "
				"\"d\"\"q\", 'p\\%q'), s SET('p') CHARSET latin1, h ENUM(x'78'), v TEXT)";
		const char *nb = "CREATE TABLE y (e ENUM('a\\b'))";
		int rc = ddl_apply_cs(s, strlen(s), NULL, "", &o);
		check(rc == 0 && o.lab && !o.lab[0] && !o.lab[4] &&
			      strcmp(o.lab[1], "enum('x','it''s','a\\b','n\nl','tr','d\"q','p\\%q')") == 0 &&
			      strcmp(o.lab[2], "set('p')") == 0 && o.lab[3][0] == '!',
		      "labels of CREATE TABLE: quotes, escapes, trailing spaces; a hex literal not read",
		      rc == 0 && o.lab && o.lab[1] ? o.lab[1] : "refused");
		if (rc == 0) {
			const char *a = "ALTER TABLE x MODIFY s SET('p','q'), CHANGE e e2 ENUM('y'), "
					"ADD COLUMN f ENUM('m') FIRST";
			const char *cv = "ALTER TABLE x CONVERT TO CHARACTER SET utf8mb4";
			rc = ddl_apply(a, strlen(a), &o, &o2);
			check(rc == 0 && strcmp(o2.lab[0], "enum('m')") == 0 &&
				      strcmp(o2.lab[2], "enum('y')") == 0 && strcmp(o2.lab[3], "set('p','q')") == 0,
			      "labels after ALTER ... ADD, CHANGE, MODIFY", rc == 0 ? o2.lab[2] : "refused");
			if (rc == 0 && (rc = ddl_apply(cv, strlen(cv), &o2, &o3)) == 0) {
				check(o3.lab[0][0] == '!' && o3.lab[2][0] == '!' && !o3.lab[1],
				      "labels after CONVERT TO CHARACTER SET: not known", o3.lab[0]);
				ddl_cols_free(&o3);
			}
			if (rc == 0)
				ddl_cols_free(&o2);
			ddl_cols_free(&o);
		}
		rc = ddl_apply_mode(nb, strlen(nb), NULL, "", 1, &o);
		check(rc == 0 && strcmp(o.lab[0], "enum('a\\b')") == 0,
		      "labels under NO_BACKSLASH_ESCAPES", rc == 0 ? o.lab[0] : "refused");
		if (rc == 0)
			ddl_cols_free(&o);
	}
	check(ddl_target("ALTER TABLE db1.t RENAME TO db2.u", 33, &t) == DDL_ALTER && t.renamed &&
		      t.new_table[0].n == 1 && t.new_db[0].n == 3,
	      "ALTER ... RENAME TO", "not seen");
	{
		const char *s = "RENAME TABLE a TO b, `x y` TO c";
		check(ddl_target(s, strlen(s), &t) == DDL_RENAME && t.ntables == 2 &&
			      t.table[1].n == 3 && t.new_table[1].p[0] == 'c',
		      "RENAME TABLE pairs", "not seen");
	}
	{ /* MariaDB's other RENAME forms (they were no statement at all) */
		static const char *const r[] = { "RENAME TABLES a TO b, c TO a",
						 "RENAME TABLE IF EXISTS a TO b, c TO a",
						 "RENAME TABLE a WAIT 2 TO b, c NOWAIT TO a",
						 "RENAME TABLE a WAIT 1.5 TO b, c TO a" };
		for (size_t k = 0; k < sizeof r / sizeof *r; k++)
			check(ddl_target(r[k], strlen(r[k]), &t) == DDL_RENAME && t.ntables == 2 &&
				      t.table[1].p[0] == 'c' && t.new_table[1].p[0] == 'a',
			      r[k], "not seen");
	}
	{
		const char *s = "ALTER TABLE d.src CONVERT PARTITION p0 TO TABLE d.cp";
		check(ddl_target(s, strlen(s), &t) == DDL_ALTER && t.converted && !t.renamed &&
			      t.new_table[0].n == 2 && t.new_db[0].n == 1,
		      "CONVERT PARTITION ... TO TABLE names the table made", "not seen");
	}
	{ /* sql_mode ANSI_QUOTES: "d"."t" are names */
		const char *s = "ALTER TABLE \"d\".\"t\" RENAME COLUMN \"a\" TO \"c\"";
		check(ddl_target(s, strlen(s), &t) == DDL_NONE, "\"d\".\"t\" strings without ANSI_QUOTES",
		      "read as names");
		check(ddl_target_mode(s, strlen(s), DDL_MODE_ANSI_QUOTES, &t) == DDL_ALTER &&
			      t.table[0].n == 1 && t.table[0].p[0] == 't',
		      "... names under ANSI_QUOTES", "not seen");
		check(ddl_alter_cols(s, strlen(s), DDL_MODE_ANSI_QUOTES) == 1,
		      "... a column renamed under ANSI_QUOTES", "not seen");
	}
	{ /* a statement too long to read whole: its start names the table */
		struct mc_buf b = { 0 };
		int ok = buf_adds(&b, "ALTER TABLE d.t RENAME COLUMN a TO b, RENAME COLUMN b TO a "
				       "PARTITION BY LIST (id) (PARTITION p0 VALUES IN (1") == 0;
		for (int k = 2; ok && k < 40000; k++)
			ok = buf_addf(&b, ",%d", k) == 0;
		ok = ok && buf_adds(&b, "))") == 0;
		check(ok && ddl_target(b.p, b.len, &t) == DDL_ALTER && t.cut && t.table[0].p[0] == 't',
		      "an ALTER of 80,000 tokens: read from its start, cut", "not seen");
		check(ok && ddl_alter_cols(b.p, b.len, 0) == -1, "... its clauses cannot be read",
		      "read");
		buf_free(&b);
	}
	{ /* ddl_alter_cols: by the text */
		static const struct {
			const char *sql;
			int want;
		} a[] = {
			{ "ALTER TABLE t DROP a, ADD a INT", 1 },
			{ "ALTER TABLE t ADD c INT", 1 },
			{ "ALTER TABLE t ADD COLUMN IF NOT EXISTS c INT", 1 },
			{ "ALTER TABLE t ADD (c INT, d INT)", 1 },
			{ "ALTER TABLE t DROP COLUMN IF EXISTS c", 1 },
			{ "ALTER TABLE t CHANGE a a INT", 1 },
			{ "ALTER TABLE t RENAME COLUMN a TO c", 1 },
			{ "ALTER TABLE t MODIFY a INT AFTER b", 1 },
			{ "ALTER TABLE t MODIFY a INT FIRST", 1 },
			{ "ALTER TABLE t WAIT 1.5 RENAME COLUMN a TO c", 1 },
			{ "ALTER TABLE t MODIFY a INT FIRST REMOVE PARTITIONING", 1 },
			{ "ALTER TABLE t MODIFY a INT PARTITION BY KEY (id) PARTITIONS 2", 0 },
			{ "ALTER TABLE t MODIFY a BIGINT NOT NULL COMMENT 'first, after'", 0 },
			{ "ALTER TABLE t ADD INDEX IF NOT EXISTS i (a), DROP INDEX IF EXISTS j", 0 },
			{ "ALTER TABLE t ADD PRIMARY KEY (a), DROP PRIMARY KEY", 0 },
			{ "ALTER TABLE t ADD PARTITION (PARTITION p1 VALUES LESS THAN (20))", 0 },
			{ "ALTER TABLE t DROP PARTITION p0, ADD CONSTRAINT c CHECK (a > 0)", 0 },
			{ "ALTER TABLE t ALTER COLUMN a SET DEFAULT 3, ENGINE=InnoDB, ALGORITHM=INPLACE", 0 },
			{ "ALTER TABLE t RENAME INDEX i TO j, RENAME TO u", 0 },
			{ "ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES u (id)", 0 },
			{ "ALTER TABLE t ADD VECTOR INDEX (v)", 0 },
			{ "ALTER TABLE t COMMENT 'add column x, after'", 0 },
			{ "CREATE TABLE t (a INT)", -1 },
		};
		for (size_t k = 0; k < sizeof a / sizeof *a; k++)
			check(ddl_alter_cols(a[k].sql, strlen(a[k].sql), 0) == a[k].want, a[k].sql,
			      a[k].want ? "not seen" : "seen");
	}
	{
		const char *s = "DROP TABLE IF EXISTS a, d.b /* generated by server */";
		check(ddl_target(s, strlen(s), &t) == DDL_DROP && t.ntables == 2 && t.db[1].n == 1,
		      "DROP TABLE list", "not seen");
	}
	{
		const char *s = "CREATE DATABASE x";
		check(ddl_target(s, strlen(s), &t) == DDL_NONE, "CREATE DATABASE changes no table",
		      "seen");
	}
	return tap_done();
}
