/* t_schemahist.c: the schema history (wh/schemahist.c) and the conversion
 * of rows between versions (wh/schemaconv.c): the ALTER TABLE clauses
 * read, type widenings and refusals, the values added columns give older
 * rows, a history file built from records out of order. */
#define TAP_NAME "t_schemahist"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wh/schemahist.h"

static struct mc_col col(const char *name, const char *type, int nullable, uint32_t flags)
{
	struct mc_col c;
	memset(&c, 0, sizeof c);
	c.name = mc_str_c(name, strlen(name));
	c.mysql_type = mc_str_c(type, strlen(type));
	c.mc_type = mc_str_c("STRING", 6);
	c.nullable = nullable;
	c.flags = flags;
	return c;
}

static struct mc_rec schema(struct mc_col *cols, size_t n, uint32_t *key, size_t nkey,
			    uint64_t ver, uint64_t off)
{
	struct mc_rec r;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_SCHEMA;
	r.db = mc_str_c("d", 1);
	r.table = mc_str_c("t", 1);
	r.schema_version = ver;
	r.pos = (struct mc_pos){ 1, off, 0 };
	r.cols = cols;
	r.ncols = n;
	r.key = key;
	r.nkey = nkey;
	return r;
}

static struct mc_rec ddl(const char *sql, uint64_t off)
{
	struct mc_rec r;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_DDL;
	r.db = mc_str_c("d", 1);
	r.table = mc_str_c("t", 1);
	r.pos = (struct mc_pos){ 1, off, 0 };
	r.sql = mc_str_c(sql, strlen(sql));
	r.effect = MC_DDL_ALTER;
	return r;
}

static void t_parse(void)
{
	struct wh_alter a;
	struct mc_err e = { 0 };
	const char *s = "ALTER TABLE `d`.`t` ADD COLUMN n INT NOT NULL DEFAULT 0 AFTER v, "
			"ADD s VARCHAR(10) DEFAULT 'it''s, (x)', ADD (p INT, q DECIMAL(5,2) DEFAULT -1.5), "
			"DROP COLUMN gone, CHANGE c cc BIGINT, RENAME COLUMN w TO `w 2`, "
			"ADD INDEX i (n), ADD g INT AS (n * 2), MODIFY m DATETIME(3), "
			"ADD t TIMESTAMP DEFAULT CURRENT_TIMESTAMP, DROP PRIMARY KEY, ADD PRIMARY KEY (n) "
			"/* a comment, ADD x INT */";
	int rc = wh_alter_parse(s, strlen(s), &a, &e);
	tap_check(rc == 0 && a.n == 13, "a statement of many clauses is read", "rc %d n %zu: %s", rc,
		  a.n, e.msg);
	if (a.n != 13)
		return;
	tap_check(a.a[0].op == WH_ALT_ADD && !strcmp(a.a[0].name, "n") && a.a[0].not_null &&
			  a.a[0].def == WH_DEF_LIT && !strcmp(a.a[0].lit, "0"),
		  "ADD ... NOT NULL DEFAULT 0", "%d %s %d %s", a.a[0].op, a.a[0].name, a.a[0].def,
		  a.a[0].lit);
	tap_check(a.a[1].def == WH_DEF_STR && !strcmp(a.a[1].lit, "it's, (x)"),
		  "a string DEFAULT, quotes doubled, a comma inside", "'%s'", a.a[1].lit);
	tap_check(a.a[2].op == WH_ALT_ADD && !strcmp(a.a[2].name, "p") && a.a[2].def == WH_DEF_NONE &&
			  a.a[3].def == WH_DEF_LIT && !strcmp(a.a[3].lit, "-1.5"),
		  "ADD (a, b): two columns, a negative DEFAULT", "%s %d %s", a.a[2].name, a.a[3].def,
		  a.a[3].lit);
	tap_check(a.a[4].op == WH_ALT_DROP && !strcmp(a.a[4].name, "gone"), "DROP COLUMN", "%d",
		  a.a[4].op);
	tap_check(a.a[5].op == WH_ALT_RENAME && !strcmp(a.a[5].to, "cc") && a.a[6].op == WH_ALT_MODIFY,
		  "CHANGE: a rename and a modify", "%d %s", a.a[5].op, a.a[5].to);
	tap_check(a.a[7].op == WH_ALT_RENAME && !strcmp(a.a[7].to, "w 2"), "RENAME COLUMN", "%s",
		  a.a[7].to);
	tap_check(a.a[8].def == WH_DEF_GENERATED && a.a[10].def == WH_DEF_EXPR,
		  "a generated column and an expression DEFAULT are told", "%d %d", a.a[8].def,
		  a.a[10].def);
	tap_check(a.a[11].op == WH_ALT_DROP_PK && a.a[12].op == WH_ALT_ADD_PK, "the key's clauses",
		  "%d %d", a.a[11].op, a.a[12].op);
	s = "ALTER TABLE t ADD x VARCHAR(3) DEFAULT 'unclosed";
	tap_check(wh_alter_parse(s, strlen(s), &a, &e) < 0 && strstr(e.msg, "cannot be read"),
		  "an unclosed quote is an error", "%s", e.msg);
	s = "ALTER TABLE \"d\".\"t\" ADD COLUMN \"n\" INT NOT NULL DEFAULT 7";
	tap_check(wh_alter_parse(s, strlen(s), &a, &e) < 0 && strstr(e.msg, "cannot be read") &&
		  strstr(e.msg, "sql_mode ANSI_QUOTES") && strstr(e.msg, "--resnapshot"),
		  "a statement of \"names\" (ANSI_QUOTES) is refused saying so", "%s", e.msg);
	s = "CREATE TABLE t (a INT)";
	tap_check(wh_alter_parse(s, strlen(s), &a, &e) == 0 && a.n == 0, "CREATE has no clauses",
		  "%zu", a.n);
	/* MariaDB's WAIT n and NOWAIT (the first clause was skipped: a
	 * false refusal of the merge, "its statements do not add it") */
	static const char *const w[] = { "ALTER TABLE t WAIT 5 ADD c INT",
					  "ALTER TABLE t WAIT 1.5 ADD c INT",
					  "ALTER TABLE t WAIT .5 ADD c INT", "ALTER TABLE t NOWAIT ADD c INT" };
	for (size_t k = 0; k < sizeof w / sizeof *w; k++)
		tap_check(wh_alter_parse(w[k], strlen(w[k]), &a, &e) == 0 && a.n == 1 &&
				  a.a[0].op == WH_ALT_ADD && !strcmp(a.a[0].name, "c"),
			  w[k], "n %zu", a.n);
	/* period and system are names of columns but for PERIOD FOR and
	 * SYSTEM VERSIONING; VECTOR INDEX adds none */
	s = "ALTER TABLE t ADD period INT, ADD COLUMN system INT, ADD PERIOD FOR p(a, b), "
	    "ADD SYSTEM VERSIONING, ADD VECTOR INDEX (v), ADD vector INT";
	tap_check(wh_alter_parse(s, strlen(s), &a, &e) == 0 && a.n == 3 && !strcmp(a.a[0].name, "period") &&
			  !strcmp(a.a[1].name, "system") && !strcmp(a.a[2].name, "vector"),
		  "ADD period, ADD COLUMN system, ADD vector are columns; PERIOD FOR, SYSTEM "
		  "VERSIONING, VECTOR INDEX are not", "n %zu", a.n);
	/* MariaDB's executable comment (M!NNNNNN): its DEFAULT was taken
	 * for a comment (older rows NULL, the server's 4) */
	s = "ALTER TABLE t ADD COLUMN c INT /*M!100000 DEFAULT 4 */";
	tap_check(wh_alter_parse(s, strlen(s), &a, &e) == 0 && a.n == 1 && a.a[0].def == WH_DEF_LIT &&
			  !strcmp(a.a[0].lit, "4"),
		  "/*M!100000 DEFAULT 4 */ is the statement's", "n %zu def %d", a.n,
		  a.n ? (int)a.a[0].def : -1);
	/* 'ab' "cd" is 'abcd' to the server (non-ANSI_QUOTES): not 'ab' */
	s = "ALTER TABLE t ADD COLUMN c VARCHAR(10) DEFAULT 'ab' \"cd\", ADD d INT DEFAULT 'x' x'79'";
	tap_check(wh_alter_parse(s, strlen(s), &a, &e) == 0 && a.n == 2 &&
			  a.a[0].def == WH_DEF_EXPR && a.a[1].def == WH_DEF_EXPR,
		  "a string DEFAULT followed by a \"..\" or x'..' string: not read as its first part",
		  "n %zu def %d", a.n, a.n ? (int)a.a[0].def : -1);
}

/* A MODIFY or CHANGE into FLOAT(M,D)/DOUBLE(M,D)/REAL(M,D): the schema
 * records say float or double either way (no version may follow it). */
static void t_fscale(void)
{
	static const struct {
		const char *sql, *col;
	} c[] = {
		{ "ALTER TABLE d.t MODIFY f FLOAT(7,2), ALGORITHM=COPY", "f" },
		{ "ALTER TABLE d.t MODIFY COLUMN f DOUBLE PRECISION(10,2)", "f" },
		{ "ALTER TABLE d.t MODIFY f REAL(10,2) NOT NULL", "f" },
		{ "ALTER TABLE d.t CHANGE f g FLOAT(7,2)", "f" },
		{ "ALTER TABLE d.t ADD COLUMN x INT, CHANGE COLUMN `f` `f` float(7, 2)", "f" },
		{ "ALTER TABLE d.t MODIFY f FLOAT", NULL },
		{ "ALTER TABLE d.t MODIFY f FLOAT(20)", NULL },
		{ "ALTER TABLE d.t ADD COLUMN g FLOAT(7,2)", NULL },
		{ "ALTER TABLE d.t MODIFY v DECIMAL(7,2)", NULL },
		{ "CREATE TABLE d.t (f FLOAT(7,2))", NULL },
		{ "ALTER TABLE d.t MODIFY f FLOAT(7,2) DEFAULT 'unclosed", "?" },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		char col[256] = "";
		int rc = wh_alter_fscale(c[i].sql, strlen(c[i].sql), col, sizeof col);
		tap_check(c[i].col ? rc == 1 && !strcmp(col, c[i].col) : rc == 0, c[i].sql,
			  "rc %d col '%s'", rc, col);
	}
}

static void t_types(void)
{
	struct {
		const char *a, *b;
		int cv, arg;
	} c[] = {
		{ "int", "bigint", WH_CV_SAME, 0 },
		{ "int unsigned", "bigint", WH_CV_SAME, 0 },
		{ "int", "int unsigned", WH_CV_ERR, 0 },
		{ "bigint", "int", WH_CV_ERR, 0 },
		{ "int unsigned", "int", WH_CV_ERR, 0 },
		{ "varchar(5)", "varchar(20)", WH_CV_SAME, 0 },
		{ "varchar(20)", "varchar(5)", WH_CV_ERR, 0 },
		{ "binary(4)", "binary(8)", WH_CV_ERR, 0 },
		{ "decimal(5,2)", "decimal(9,4)", WH_CV_DEC, 4 },
		{ "decimal(5,2)", "decimal(6,2)", WH_CV_SAME, 2 },
		{ "decimal(5,2)", "decimal(5,3)", WH_CV_ERR, 0 },
		{ "datetime", "datetime(3)", WH_CV_FRAC, 3 },
		{ "datetime(6)", "datetime(3)", WH_CV_ERR, 0 },
		{ "time(1)", "time(2)", WH_CV_FRAC, 2 },
		{ "float", "double", WH_CV_F64, 0 },
		{ "double", "float", WH_CV_ERR, 0 },
		{ "int", "varchar(20)", WH_CV_ERR, 0 },
		/* CONVERT TO CHARACTER SET utf8mb4 of latin1 TEXT kinds */
		{ "tinytext", "text", WH_CV_SAME, 0 },
		{ "text", "mediumtext", WH_CV_SAME, 0 },
		{ "mediumtext", "longtext", WH_CV_SAME, 0 },
		{ "text", "longtext", WH_CV_SAME, 0 },
		{ "varchar(20000)", "mediumtext", WH_CV_SAME, 0 },
		{ "varchar(16383)", "text", WH_CV_SAME, 0 },
		{ "varchar(16384)", "text", WH_CV_ERR, 0 },
		{ "varchar(63)", "tinytext", WH_CV_SAME, 0 },
		{ "varchar(64)", "tinytext", WH_CV_ERR, 0 },
		{ "varbinary(255)", "tinyblob", WH_CV_SAME, 0 },
		{ "varbinary(256)", "tinyblob", WH_CV_ERR, 0 },
		{ "tinyblob", "longblob", WH_CV_SAME, 0 },
		{ "blob", "mediumblob /*M!100301 COMPRESSED*/", WH_CV_SAME, 0 },
		{ "mediumtext", "text", WH_CV_ERR, 0 },
		{ "blob", "tinyblob", WH_CV_ERR, 0 },
		{ "text", "blob", WH_CV_ERR, 0 },
		{ "blob", "text", WH_CV_ERR, 0 },
		{ "text", "varchar(100)", WH_CV_ERR, 0 },
		{ "varchar(10)", "blob", WH_CV_ERR, 0 },
		{ "varbinary(10)", "text", WH_CV_ERR, 0 },
		{ "char(10)", "text", WH_CV_SAME, 0 }, /* (as read: t3103) */
		{ "json", "longtext", WH_CV_ERR, 0 },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		struct mc_col a = col("x", c[i].a, 1, 0), b = col("x", c[i].b, 1, 0);
		char why[300] = "", what[100];
		int arg, cv = wh_type_conv(&a, &b, &arg, why, sizeof why);
		snprintf(what, sizeof what, "%s to %s", c[i].a, c[i].b);
		tap_check(cv == c[i].cv && (cv != WH_CV_DEC && cv != WH_CV_FRAC ? 1 : arg == c[i].arg) &&
				  (cv != WH_CV_ERR || strstr(why, "not a widening")),
			  what, "cv %d arg %d why '%s'", cv, arg, why);
	}
}

/* A history of three versions of d.t: (id, v int, s varchar(5), m
 * decimal(5,2), f float) -> ADD/RENAME/MODIFY -> DROP. */
static void t_steps(void)
{
	struct mc_col c0[] = { col("id", "int", 0, 0), col("v", "int", 1, 0),
			       col("s", "varchar(5)", 1, 0), col("m", "decimal(5,2)", 1, 0),
			       col("f", "float", 1, 0) };
	struct mc_col c1[] = { col("k", "decimal(6,2)", 0, 0), col("id", "int", 0, 0),
			       col("w", "bigint", 1, 0), col("s", "varchar(9)", 1, 0),
			       col("m", "decimal(9,4)", 1, 0), col("f", "double", 1, 0),
			       col("n", "int", 0, 0), col("z", "int", 1, 0),
			       col("e", "enum('p','q')", 0, 0), col("t", "datetime(2)", 0, 0) };
	struct mc_col c2[] = { col("id", "int", 0, 0), col("w", "bigint", 1, 0) };
	uint32_t k0[] = { 0 }, k1[] = { 1 }, k2[] = { 0 };
	struct mc_rec s0 = schema(c0, 5, k0, 1, 1, 100), s1 = schema(c1, 10, k1, 1, 2, 310),
		      s2 = schema(c2, 2, k2, 1, 3, 410);
	struct mc_rec d1 = ddl("ALTER TABLE t ADD COLUMN k DECIMAL(6,2) NOT NULL DEFAULT '1.5' FIRST, "
			       "RENAME COLUMN v TO w, MODIFY w BIGINT, MODIFY s VARCHAR(9), "
			       "MODIFY m DECIMAL(9,4), MODIFY f DOUBLE, ADD n INT NOT NULL, ADD z INT, "
			       "ADD e ENUM('p','q') NOT NULL, ADD t DATETIME(2) NOT NULL DEFAULT "
			       "'2024-01-02 03:04:05.5'", 300);
	struct mc_rec d2 = ddl("ALTER TABLE t DROP k, DROP s, DROP m, DROP f, DROP n, DROP z, DROP e, "
			       "DROP t", 400);
	struct wh_hist h = { 0 };
	struct mc_err e = { 0 };
	struct wh_step st;
	struct mc_val in[5], out[10], out2[2];
	struct mc_buf scr = { 0 };
	int ok = wh_hist_push(&h, &s0, &e) == 0 && wh_hist_push(&h, &d1, &e) == 0 &&
		 wh_hist_push(&h, &s1, &e) == 0 && wh_hist_push(&h, &d2, &e) == 0 &&
		 wh_hist_push(&h, &s2, &e) == 0;
	tap_check(ok && h.n == 3 && h.v[1].nddl == 1 && h.v[1].start.off == 300 &&
			  h.v[2].start.off == 400 && h.v[0].start.off == 0,
		  "three versions, each from its statement", "%s n %zu", e.msg, h.n);
	if (!ok || h.n != 3)
		return;
	struct mc_pos p = { 1, 350, 0 };
	tap_check(wh_hist_at(&h, &p) == 1 && wh_hist_match(&h, &s0, &p) == 0 &&
			  wh_hist_match(&h, &s2, &p) == -1,
		  "the version in force at a position, and a schema's", "%ld %ld %ld",
		  wh_hist_at(&h, &p), wh_hist_match(&h, &s0, &p), wh_hist_match(&h, &s2, &p));
	tap_check(wh_step_plan(&h, 0, &st, &e) == 0, "step 1 planned", "%s", e.msg);
	in[0] = (struct mc_val){ .kind = MC_V_INT, .v.i = 7 };
	in[1] = (struct mc_val){ .kind = MC_V_INT, .v.i = -3 };
	in[2] = (struct mc_val){ .kind = MC_V_STR, .v.s = mc_str_c("ab", 2) };
	in[3] = (struct mc_val){ .kind = MC_V_DECIMAL, .v.s = mc_str_c("-1.5", 4) };
	in[4] = (struct mc_val){ .kind = MC_V_F32, .v.f32 = 0.1f };
	int rc = wh_step_image(&st, in, 5, out, &scr, &e);
	tap_check(rc == 0, "an image converted", "%s", e.msg);
	if (rc == 0) {
		tap_check(out[0].kind == MC_V_DECIMAL && out[0].v.s.n == 4 && !memcmp(out[0].v.s.p, "1.50", 4),
			  "ADD NOT NULL DEFAULT '1.5' on decimal(6,2): 1.50", "%.*s", (int)out[0].v.s.n,
			  out[0].v.s.p);
		tap_check(out[1].v.i == 7 && out[2].v.i == -3, "columns by name, the renamed one carried",
			  "%lld %lld", (long long)out[1].v.i, (long long)out[2].v.i);
		tap_check(out[4].v.s.n == 7 && !memcmp(out[4].v.s.p, "-1.5000", 7),
			  "DECIMAL(5,2) to (9,4): the scale padded", "%.*s", (int)out[4].v.s.n,
			  out[4].v.s.p);
		tap_check(out[5].kind == MC_V_F64 && out[5].v.f64 == (double)0.1f,
			  "FLOAT to DOUBLE: the float's value exactly", "%d", out[5].kind);
		tap_check(out[6].kind == MC_V_INT && out[6].v.i == 0,
			  "ADD INT NOT NULL without DEFAULT: 0 (the implicit default), not NULL", "%d",
			  out[6].kind);
		tap_check(out[7].kind == MC_V_NULL, "ADD a nullable INT: NULL", "%d", out[7].kind);
		tap_check(out[8].kind == MC_V_STR && out[8].v.s.n == 1 && out[8].v.s.p[0] == 'p',
			  "ADD ENUM NOT NULL without DEFAULT: its first member", "%d", out[8].kind);
		tap_check(out[9].kind == MC_V_DATETIME && out[9].v.s.n == 22 &&
				  !memcmp(out[9].v.s.p, "2024-01-02 03:04:05.50", 22),
			  "a DATETIME(2) DEFAULT, its fraction padded", "%.*s", (int)out[9].v.s.n,
			  out[9].v.s.p);
	}
	tap_check(!st.key_changed, "the key (id) kept where its column moved", "%d",
		  st.key_changed);
	wh_step_free(&st);
	tap_check(wh_step_plan(&h, 1, &st, &e) == 0 && !st.key_changed, "step 2: the key kept",
		  "%s", e.msg);
	scr.len = 0;
	rc = wh_step_image(&st, out, 10, out2, &scr, &e);
	tap_check(rc == 0 && out2[0].v.i == 7 && out2[1].v.i == -3, "DROP: the columns left", "%s",
		  e.msg);
	wh_step_free(&st);

	/* the same schema change without its statement (the rules' ignore): a
	 * narrowing is carried (values then checked), an added column refused */
	struct mc_col c3[] = { col("id", "int", 0, 0), col("w", "smallint", 1, 0),
			       col("y", "int", 1, 0) };
	struct mc_rec s3 = schema(c3, 3, k2, 1, 4, 510);
	tap_check(wh_hist_push(&h, &s3, &e) == 0 && h.n == 4 && h.v[3].nddl == 0,
		  "a version with no statement", "%s", e.msg);
	rc = wh_step_plan(&h, 2, &st, &e);
	tap_check(rc == 0 && st.cv[1] == WH_CV_FIT && st.why[2] &&
			  strstr(st.why[2], "holds no statement"),
		  "no statement: BIGINT to SMALLINT carried, an added column refused", "%d %s %s",
		  rc, e.msg, rc == 0 && st.why[2] ? st.why[2] : "");
	wh_step_free(&st);

	/* refusals with the statement */
	struct mc_col c4[] = { col("id", "int", 0, 0), col("w", "smallint", 1, 0),
			       col("g", "int", 1, MC_CF_GENERATED), col("ts", "timestamp", 0, 0) };
	struct mc_rec d4 = ddl("ALTER TABLE t MODIFY w SMALLINT, DROP y, ADD g INT AS (id + 1), "
			       "ADD ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP", 600);
	struct mc_rec s4 = schema(c4, 4, k2, 1, 5, 610);
	rc = wh_hist_push(&h, &d4, &e) == 0 && wh_hist_push(&h, &s4, &e) == 0 ?
		     wh_step_plan(&h, 3, &st, &e) : -1;
	tap_check(rc == 0, "a fifth version", "%s", e.msg);
	if (rc < 0)
		return;
	tap_check(st.why[2] && strstr(st.why[2], "generated column") && st.why[3] &&
			  strstr(st.why[3], "CURRENT_TIMESTAMP is an expression"),
		  "a generated column and an expression DEFAULT refused", "%s / %s",
		  st.why[2] ? st.why[2] : "", st.why[3] ? st.why[3] : "");
	tap_check(st.cv[1] == WH_CV_SAME, "SMALLINT to SMALLINT (the type of the version before)",
		  "%d", st.cv[1]);
	scr.len = 0;
	struct mc_val in4[3] = { { .kind = MC_V_INT, .v.i = 1 }, { .kind = MC_V_INT, .v.i = 2 },
				 { .kind = MC_V_NULL } };
	tap_check(wh_step_image(&st, in4, 3, out, &scr, &e) < 0 && strstr(e.msg, "column 3"),
		  "converting a row across it is an error naming the column", "%s", e.msg);
	wh_step_free(&st);

	/* a version whose names are unknown (a statement mc-binlog-tail
	 * could not follow): its columns are new to the merge, which says why */
	struct mc_col c5[] = { col("@1", "int", 0, 0), col("@2", "smallint", 1, 0),
			       col("@3", "int", 1, MC_CF_GENERATED), col("@4", "timestamp", 0, 0) };
	struct mc_rec s5 = schema(c5, 4, NULL, 0, 6, 710);
	s5.schema_flags = MC_SF_NAMES_BY_INDEX;
	rc = wh_hist_push(&h, &s5, &e) == 0 ? wh_step_plan(&h, 4, &st, &e) : -1;
	tap_check(rc == 0 && st.why[0] && strstr(st.why[0], "column names are unknown") &&
			  strstr(st.why[0], "--schema"),
		  "a version without names: its columns refused, saying why", "%d %s %s", rc, e.msg,
		  rc == 0 && st.why[0] ? st.why[0] : "");
	wh_step_free(&st);
	buf_free(&scr);
	wh_hist_free(&h);
}

/* A text column converted into a narrower charset (MODIFY ... CHARACTER
 * SET; CONVERT TO is refused: schemafscale.c): the server stored '?' for
 * what it cannot hold (a statement in the binlog ran under a non-strict
 * sql_mode), which the merge kept as it was. */
static void t_charset(void)
{
	static const struct { const char *sql, *in, *want; } c[] = {
		{ "ALTER TABLE t MODIFY c VARCHAR(10) CHARACTER SET latin1", "\xe4\xb8\xadx\xc3\xa9",
		  "?x\xc3\xa9" },
		{ "ALTER TABLE t MODIFY c VARCHAR(10) COLLATE latin1_swedish_ci", "\xe2\x82\xac",
		  "\xe2\x82\xac" },
		{ "ALTER TABLE t MODIFY c VARCHAR(10) CHARACTER SET utf8mb3", "a\xf0\x9f\x98\x80" "b\xf0\x9f\x98\x80",
		  "a?b?" },
		{ "ALTER TABLE t MODIFY c TEXT CHARSET ascii", "\xc3\xa9t\xc3\xa9", "?t?" },
		{ "ALTER TABLE t MODIFY c VARCHAR(10) CHARACTER SET utf8mb4", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
	};
	uint32_t k1[] = { 0 };
	struct mc_err e = { 0 };
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		struct mc_col cols[] = { col("id", "int", 0, 0), col("c", "varchar(10)", 1, 0) };
		struct mc_rec s1 = schema(cols, 2, k1, 1, 1, 100), d = ddl(c[i].sql, 200),
			      s2 = schema(cols, 2, k1, 1, 2, 210);
		struct wh_hist h = { 0 };
		struct wh_step st;
		struct mc_buf scr = { 0 };
		struct mc_val in[2] = { { .kind = MC_V_INT, .v.i = 1 },
					{ .kind = MC_V_STR, .v.s = { c[i].in, strlen(c[i].in) } } },
			      out[2];
		int rc = wh_hist_push(&h, &s1, &e) == 0 && wh_hist_push(&h, &d, &e) == 0 &&
				 wh_hist_push(&h, &s2, &e) == 0 && h.n == 2
			 ? wh_step_plan(&h, 0, &st, &e) : -1;
		if (rc == 0)
			rc = wh_step_image(&st, in, 2, out, &scr, &e);
		tap_check(rc == 0 && out[1].v.s.n == strlen(c[i].want) &&
				  !memcmp(out[1].v.s.p, c[i].want, out[1].v.s.n),
			  c[i].sql, "%d %s '%.*s'", rc, e.msg, rc == 0 ? (int)out[1].v.s.n : 0,
			  rc == 0 ? out[1].v.s.p : "");
		if (rc == 0 || h.n == 2)
			wh_step_free(&st);
		buf_free(&scr);
		wh_hist_free(&h);
	}
	/* a charset whose conversion mcsync does not compute: refused */
	struct mc_col cols[] = { col("id", "int", 0, 0), col("c", "varchar(10)", 1, 0) };
	struct mc_rec s1 = schema(cols, 2, k1, 1, 1, 100),
		      d = ddl("ALTER TABLE t MODIFY c VARCHAR(10) CHARACTER SET gbk", 200),
		      s2 = schema(cols, 2, k1, 1, 2, 210);
	struct wh_hist h = { 0 };
	struct wh_step st;
	int rc = wh_hist_push(&h, &s1, &e) == 0 && wh_hist_push(&h, &d, &e) == 0 &&
			 wh_hist_push(&h, &s2, &e) == 0
		 ? wh_step_plan(&h, 0, &st, &e) : -1;
	tap_check(rc == 0 && st.why[1] && strstr(st.why[1], "converted into charset gbk"),
		  "into gbk: the older rows refused, saying why", "%d %s", rc,
		  rc == 0 && st.why[1] ? st.why[1] : "");
	if (rc == 0)
		wh_step_free(&st);
	wh_hist_free(&h);
}

/* The file: records added out of order, repeats dropped. */
static void t_file(void)
{
	char dir[] = "/tmp/t_schemahist.XXXXXX", path[256];
	struct mc_col c0[] = { col("id", "int", 0, 0) };
	struct mc_col c1[] = { col("id", "int", 0, 0), col("v", "int", 1, 0) };
	uint32_t k[] = { 0 };
	struct mc_rec s0 = schema(c0, 1, k, 1, 1, 100), s0b = schema(c0, 1, k, 1, 1, 150),
		      s1 = schema(c1, 2, k, 1, 2, 310), d1 = ddl("ALTER TABLE t ADD v INT", 300);
	struct mc_buf a = { 0 }, b = { 0 };
	struct mc_err e = { 0 };
	struct wh_hist h;
	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof path, "%s/%s", dir, WH_SCHEMAHIST);
	/* one commit: the new schema before its statement (two partitions) */
	int rc = rec_encode(&a, &s0, &e) || rec_encode(&a, &s1, &e) || rec_encode(&b, &d1, &e) ||
		 rec_encode(&b, &s0b, &e) || rec_encode(&b, &s1, &e);
	tap_check(rc == 0 && wh_hist_add(path, a.p, a.len, 0, &e) == 0 &&
			  wh_hist_add(path, b.p, b.len, 0, &e) == 0 &&
			  wh_hist_add(path, b.p, b.len, 0, &e) == 0,
		  "records added, some twice", "%s", e.msg);
	rc = wh_hist_read(path, &h, &e);
	tap_check(rc == 1 && h.n == 2 && h.v[1].nddl == 1 && h.v[1].start.off == 300 &&
			  h.npend == 0,
		  "read back: two versions, the statement between them once", "rc %d n %zu %s", rc,
		  h.n, e.msg);
	wh_hist_free(&h);
	/* a later binlog history (RESET MASTER): positions from the start
	 * again, after the older history's by its rank */
	struct mc_col c2[] = { col("id", "int", 0, 0), col("v", "int", 1, 0), col("w", "int", 1, 0) };
	struct mc_rec d2 = ddl("ALTER TABLE t ADD w INT", 50), s2 = schema(c2, 3, k, 1, 3, 60);
	struct mc_buf c = { 0 };
	rc = rec_encode(&c, &d2, &e) || rec_encode(&c, &s2, &e);
	tap_check(rc == 0 && wh_hist_add(path, c.p, c.len, 1, &e) == 0 && wh_hist_read(path, &h, &e) == 1 &&
			  h.n == 3 && h.v[2].nddl == 1 && h.v[2].start.off == 50 &&
			  h.v[2].start.file == ((uint64_t)1 << WH_HIST_RANK_SHIFT | d2.pos.file),
		  "a later history's statement: after the older history's versions", "n %zu %s", h.n,
		  e.msg);
	char pf[96];
	if (h.n == 3) {
		wh_hist_pos_format(&h.v[2].start, pf, sizeof pf);
		tap_check(strcmp(pf, "1:50:0 of binlog history 2") == 0, "its position said with its history",
			  "%s", pf);
	}
	wh_hist_free(&h);
	buf_free(&c);
	snprintf(path, sizeof path, "%s/none", dir);
	tap_check(wh_hist_read(path, &h, &e) == 0 && h.n == 0, "no file: no history", "%s", e.msg);
	snprintf(path, sizeof path, "%s/%s", dir, WH_SCHEMAHIST);
	unlink(path);
	rmdir(dir);
	buf_free(&a);
	buf_free(&b);
}

int main(void)
{
	t_parse();
	t_fscale();
	t_types();
	t_steps();
	t_charset();
	t_file();
	return tap_done();
}
