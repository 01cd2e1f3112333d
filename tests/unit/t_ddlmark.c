/* odps/ddlmark.c and stream/sqlword.c: the DDL markers the merge in
 * MaxCompute reads back (CSV, quoted fields with commas, quotes and line
 * ends), a dataworks DDL row read by its statement's first word past
 * blanks and comments (the check the sink uses), a RENAME row left for its
 * marker, and what does not read so refused; the database of a DROP
 * DATABASE statement (the sink's DROP of each of its tables). */
#define TAP_NAME "t_ddlmark"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#include "odps/ddlmark.h"
#include "stream/sqlword.h"
#include "wh/layout.h"

static int rd(int dw, const char *text, struct odps_ddlmark **mk, size_t *n, struct mc_err *err)
{
	size_t cap = 0;
	free(*mk);
	*mk = NULL;
	*n = 0;
	memset(err, 0, sizeof *err);
	return odps_ddlmark_read("t", dw, text, strlen(text), mk, n, &cap, err);
}

static int starts(const char *s, const char *w)
{
	struct mc_str x = { s, strlen(s) };
	return mc_sql_starts(x, w);
}

/* mc_sql_drop_database of s: its name, or "-" for none */
static const char *dropdb(const char *s)
{
	static char db[16];
	struct mc_str x = { s, strlen(s) };
	return mc_sql_drop_database(x, db, sizeof db) ? db : "-";
}

static void drop_database(void)
{
	static const char *const c[][2] = {
		{ "DROP DATABASE d", "d" },
		{ "drop schema `d`", "d" },
		{ " /* x */ Drop\n\tDATABASE IF  exists `d` ;", "d" },
		{ "DROP /*!40000 SCHEMA */ if EXISTS `Md`", "Md" },
		{ "/*!40000 DROP DATABASE IF EXISTS `d`*/", "d" },
		{ "/*M!100100 DROP DATABASE e */", "e" },
		{ "DROP DATABASE `a``b`", "a`b" },
		{ "DROP DATABASE \"a\"\"b\"", "a\"b" },
		{ "DROP DATABASE d -- gone\n", "d" },
		{ "DROP DATABASE d # gone", "d" },
		{ "DROP DATABASE `d.e`", "d.e" },
		{ "DROP DATABASE 'd'", "-" },
		{ "DROP DATABASE", "-" },
		{ "DROP DATABASE IF EXISTS", "-" },
		{ "DROP DATABASE IF d", "-" },
		{ "DROP DATABASE d; DROP DATABASE e", "-" },
		{ "DROP DATABASE d e", "-" },
		{ "DROP TABLE d", "-" },
		{ "DROP DATABASES d", "-" },
		{ "CREATE DATABASE d", "-" },
		{ "CREATE OR REPLACE DATABASE d", "d" },
		{ "create or replace schema `d` CHARACTER SET utf8mb4", "d" },
		{ "CREATE OR REPLACE TABLE d", "-" },
		{ "CREATE OR DATABASE d", "-" },
		{ "ALTER DATABASE d", "-" },
		{ "/* DROP DATABASE d */ SELECT 1", "-" },
		{ "DROP DATABASE a_name_longer_than_the_buffer", "-" },
		{ "DROP DATABASE ``", "-" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		tap_check(strcmp(dropdb(c[i][0]), c[i][1]) == 0, "DROP DATABASE: its name",
			  "'%s': got '%s', want '%s'", c[i][0], dropdb(c[i][0]), c[i][1]);
}

int main(void)
{
	struct odps_ddlmark *mk = NULL;
	struct mc_err err = { 0 };
	size_t n = 0;
	struct mc_pos p = { 3, 4096, 1 };
	int64_t id = 0;
	char text[512];

	tap_check(starts("  /* a, comment */\n\tDROP TABLE t", "DROP") &&
		  starts("create table t (a int)", "CREATE") && !starts("DROPPED", "DROP") &&
		  !starts("/*!40000 DROP */ x", "DROP") && !starts("/* open", "DROP"),
		  "the first word past blanks and comments", "%s", "no");
	tap_check(rd(0, "mc_op,mc_pos_file,mc_pos_off,mc_pos_row\nT,1,200,0\r\nX,2,5,3\n\nC,2,9,0", &mk,
		     &n, &err) == 0 && n == 3 && mk[0].op == 'T' && mk[0].pos.off == 200 &&
		  mk[1].op == 'X' && mk[1].pos.row == 3 && mk[2].op == 'C' && mk[2].pos.file == 2,
		  "markers read, CRLF and an empty line aside", "%s n=%zu", err.msg, n);
	wh_layout_id(&p, &id, &err);
	snprintf(text, sizeof text,
		 "operation_type,sequence_id,ddl_sql\n"
		 "ALTER,%lld,\"/* a, \"\"quoted\"\"\n comment */ DROP TABLE d.t\"\n"
		 "ALTER,%lld,CREATE TABLE d.t (a INT)\n"
		 "TRUNCATE,%lld,TRUNCATE TABLE d.t\n"
		 "RENAME,%lld,\"RENAME TABLE d.t TO d.u, d.v TO d.t\"\n",
		 (long long)id, (long long)id + 1, (long long)id + 2, (long long)id + 3);
	tap_check(rd(1, text, &mk, &n, &err) == 0 && n == 4 && mk[0].op == 'X' &&
		  pos_cmp(&mk[0].pos, &p) == 0 && mk[1].op == 'C' && mk[2].op == 'T' && mk[3].op == '?',
		  "dataworks rows: DROP behind a comment with commas, quotes and a line end; "
		  "CREATE; TRUNCATE; a RENAME left for its marker", "%s n=%zu", err.msg, n);
	tap_check(rd(1, "h\nALTER,5,ALTER TABLE d.t ADD c INT\n", &mk, &n, &err) < 0 &&
		  strstr(err.msg, "a statement not starting DROP or CREATE"),
		  "an ALTER row of another statement is refused", "%s", err.msg);
	tap_check(rd(1, "h\nALTER,5,\"DROP TABLE t\n", &mk, &n, &err) < 0 &&
		  strstr(err.msg, "does not read as CSV"),
		  "a quote not closed is refused", "%s", err.msg);
	tap_check(rd(0, "h\nT,1,2\n", &mk, &n, &err) < 0 && strstr(err.msg, "a DDL marker reads"),
		  "a marker of three fields is refused", "%s", err.msg);
	tap_check(rd(0, "h\nQ,1,2,3\n", &mk, &n, &err) < 0, "a marker of another op is refused",
		  "%s", err.msg);
	tap_check(rd(0, "h\nT,1,2,3,4,5\n", &mk, &n, &err) < 0, "too many fields are refused",
		  "%s", err.msg);
	tap_check(rd(1, "h\nALTER,-1,DROP TABLE t\n", &mk, &n, &err) < 0,
		  "a negative id is refused", "%s", err.msg);
	free(mk);
	drop_database();
	return tap_done();
}
