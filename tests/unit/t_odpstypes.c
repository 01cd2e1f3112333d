/* t_odpstypes: the MySQL -> MaxCompute mapping (common/odps/types.c,
 * docs/types.md): every MySQL type of the fixtures' MySQL 8 binlogs and of
 * the MariaDB type tables (tests/t6012, t6001), and each value at the edges:
 * exact, or an error naming the column, the value and its position. The
 * Tunnel value forms are those of the MaxCompute Tunnel spec §5.3
 * (DATETIME: epoch milliseconds; DATE: epoch days; TIMESTAMP: floor seconds
 * and nanoseconds; DECIMAL: plain text); the DATETIME instant below is the
 * spec's vector A (§A.1), the DATE ones its vector B (§A.3). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odps/types.h"
#include "stream/mctype.h"

#define TAP_NAME "t_odpstypes"
#include "tap.h"

static struct mc_col col(const char *name, const char *type)
{
	struct mc_col c;
	memset(&c, 0, sizeof c);
	c.name = mc_str_c(name, strlen(name));
	c.mysql_type = mc_str_c(type, strlen(type));
	c.nullable = true;
	return c;
}

static int map(const char *type, const struct odps_colopts *o, struct odps_colmap *m,
	       struct mc_err *err)
{
	struct mc_col c = col("c", type);
	return odps_col_map(&c, mc_str_c("d", 1), mc_str_c("t", 1), o, m, err);
}

/* ---- the column types ---- */

static void test_default_types(void)
{
	/* every type text of the fixtures' schema records (MySQL 8 and MariaDB
	 * binlogs under tests/fixtures/binlog) and of the MariaDB type tables of
	 * t6012/t6001, with the MaxCompute type it takes by default */
	static const char *const cases[][2] = {
		{ "tinyint", "TINYINT" },
		{ "tinyint unsigned", "SMALLINT" },
		{ "smallint", "SMALLINT" },
		{ "smallint unsigned", "INT" },
		{ "mediumint", "INT" },
		{ "mediumint unsigned", "INT" },
		{ "int", "INT" },
		{ "int unsigned", "BIGINT" },
		{ "bigint", "BIGINT" },
		{ "bigint unsigned", "DECIMAL(20,0)" },
		{ "decimal(10,2)", "DECIMAL(10,2)" },
		{ "decimal(10,2) unsigned", "DECIMAL(10,2)" },
		{ "decimal(15,2)", "DECIMAL(15,2)" },
		{ "decimal(17,2)", "DECIMAL(17,2)" },
		{ "decimal(10,0)", "DECIMAL(10,0)" },
		{ "decimal(38,18)", "DECIMAL(38,18)" },
		{ "decimal(65,30)", "DECIMAL(38,18)" },
		{ "decimal(40,2)", "DECIMAL(38,2)" },
		{ "decimal(30,25)", "DECIMAL(23,18)" },
		{ "float", "FLOAT" },
		{ "float unsigned", "FLOAT" },
		{ "double", "DOUBLE" },
		{ "double unsigned", "DOUBLE" },
		{ "date", "DATE" },
		{ "datetime", "DATETIME" },
		{ "datetime(2)", "DATETIME" },
		{ "datetime(3)", "DATETIME" },
		{ "datetime(4)", "TIMESTAMP" },
		{ "datetime(6)", "TIMESTAMP" },
		{ "timestamp", "TIMESTAMP" },
		{ "timestamp(3)", "TIMESTAMP" },
		{ "timestamp(6)", "TIMESTAMP" },
		{ "time", "STRING" },
		{ "time(1)", "STRING" },
		{ "time(6)", "STRING" },
		{ "year", "INT" },
		{ "bit(1)", "BIGINT" },
		{ "bit(3)", "BIGINT" },
		{ "bit(9)", "BIGINT" },
		{ "bit(17)", "BIGINT" },
		{ "bit(63)", "BIGINT" },
		{ "bit(64)", "DECIMAL(20,0)" },
		{ "enum('a','b','c d')", "STRING" },
		{ "enum('unsigned','x')", "STRING" },
		{ "set('x','y','z')", "STRING" },
		{ "char(10)", "STRING" },
		{ "varchar(765)", "STRING" },
		{ "tinytext", "STRING" },
		{ "text", "STRING" },
		{ "mediumtext", "STRING" },
		{ "longtext", "STRING" },
		{ "json", "STRING" },
		{ "binary(4)", "BINARY" },
		{ "varbinary(16)", "BINARY" },
		{ "tinyblob", "BINARY" },
		{ "blob", "BINARY" },
		{ "mediumblob", "BINARY" },
		{ "longblob", "BINARY" },
		{ "geometry", "BINARY" },
		{ "point", "BINARY" },
		{ "linestring", "BINARY" },
		{ "polygon", "BINARY" },
		{ "multipoint", "BINARY" },
		{ "multilinestring", "BINARY" },
		{ "multipolygon", "BINARY" },
		{ "geometrycollection", "BINARY" },
		{ "vector(3)", "BINARY" },
		{ "inet4", "STRING" },
		{ "inet6", "STRING" },
		{ "uuid", "STRING" },
		{ "xmltype", "STRING" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct odps_colmap m;
		struct mc_err err = { 0 };
		char hint[64], what[128];
		int rc = map(cases[i][0], NULL, &m, &err);
		mctype_for(cases[i][0], strlen(cases[i][0]), hint, sizeof hint);
		snprintf(what, sizeof what, "%s -> %s (the schema record's mc_type too)", cases[i][0],
			 cases[i][1]);
		tap_check(rc == 0 && strcmp(m.text, cases[i][1]) == 0 && strcmp(hint, m.text) == 0,
			  what, "rc %d, got '%s', mc_type '%s': %s", rc, rc == 0 ? m.text : "",
			  hint, err.msg);
	}
}

static void test_choices(void)
{
	static const struct {
		const char *type;
		struct odps_colopts o;
		const char *want; /* NULL: refused */
	} cases[] = {
		{ "bigint", { .as = ODPS_T_DECIMAL }, "DECIMAL(20,0)" },
		{ "bit(64)", { .as = ODPS_T_BIGINT }, "BIGINT" },
		{ "bit(64)", { .as = ODPS_T_BINARY }, "BINARY" },
		{ "decimal(65,30)", { .as = ODPS_T_STRING }, "STRING" },
		{ "decimal(65,30)", { .dec_prec = 38, .dec_scale = 0 }, "DECIMAL(38,0)" },
		{ "decimal(65,30)", { .dec_prec = 39, .dec_scale = 0 }, NULL },
		{ "decimal(10,2)", { .dec_prec = 5, .dec_scale = 6 }, NULL },
		{ "datetime(6)", { .as = ODPS_T_DATETIME }, "DATETIME" },
		{ "datetime(6)", { .as = ODPS_T_TIMESTAMP_NTZ }, "TIMESTAMP_NTZ" },
		{ "datetime", { .as = ODPS_T_STRING }, "STRING" },
		{ "date", { .as = ODPS_T_STRING }, "STRING" },
		{ "date", { .as = ODPS_T_TIMESTAMP }, "TIMESTAMP" },
		{ "timestamp(6)", { .as = ODPS_T_DATETIME }, "DATETIME" },
		{ "int", { .as = ODPS_T_TINYINT }, "TINYINT" },
		{ "float", { .as = ODPS_T_DOUBLE }, "DOUBLE" },
		{ "xmltype", { .as = ODPS_T_BINARY }, "BINARY" },
		{ "double", { .as = ODPS_T_FLOAT }, NULL },
		{ "datetime", { .as = ODPS_T_DATE }, NULL },
		{ "json", { .as = ODPS_T_BINARY }, NULL },
		{ "blob", { .as = ODPS_T_STRING }, NULL },
		{ "time(6)", { .as = ODPS_T_TIMESTAMP }, NULL },
		{ "decimal(10,2)", { .as = ODPS_T_DOUBLE }, NULL },
		{ "datetime", { .wall_offset = 86400 }, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct odps_colmap m;
		struct mc_err err = { 0 };
		char what[128];
		int rc = map(cases[i].type, &cases[i].o, &m, &err);
		snprintf(what, sizeof what, "choice: %s as %s", cases[i].type,
			 cases[i].want ? cases[i].want : "an inexact type is refused");
		if (cases[i].want)
			tap_check(rc == 0 && strcmp(m.text, cases[i].want) == 0, what,
				  "rc %d, got '%s': %s", rc, rc == 0 ? m.text : "", err.msg);
		else
			tap_check(rc < 0 && err.code == MC_EXIT_USAGE && strstr(err.msg, "d.t.c"), what,
				  "rc %d code %d: %s", rc, err.code, err.msg);
	}
}

/* ---- values ---- */

static struct mc_val v_int(int64_t i)
{
	struct mc_val v = { .kind = MC_V_INT };
	v.v.i = i;
	return v;
}

static struct mc_val v_uint(uint64_t u)
{
	struct mc_val v = { .kind = MC_V_UINT };
	v.v.u = u;
	return v;
}

static struct mc_val v_txt(uint8_t kind, const char *s, size_t n)
{
	struct mc_val v = { .kind = kind };
	v.v.s = mc_str_c(s, n);
	return v;
}

static struct mc_val v_s(uint8_t kind, const char *s)
{
	return v_txt(kind, s, strlen(s));
}

/* Convert v in a column of type under o; 0 or -1 with err. */
static int conv(const char *type, const struct odps_colopts *o, struct mc_val v,
		struct odps_val *out, struct mc_err *err)
{
	static const struct mc_pos pos = { 3, 1234, 0 };
	struct odps_colmap m;
	if (map(type, o, &m, err) < 0)
		return -2;
	return odps_val_conv(&m, &v, &pos, out, err);
}

/* Expect an exact value of kind k with i (ints, days, millis, seconds). */
static void want_i(const char *what, const char *type, const struct odps_colopts *o,
		   struct mc_val v, enum odps_vkind k, int64_t i, int32_t nanos)
{
	struct odps_val out;
	struct mc_err err = { 0 };
	int rc = conv(type, o, v, &out, &err);
	tap_check(rc == 0 && out.kind == k && out.i == i && out.nanos == nanos, what,
		  "rc %d kind %d i %" PRId64 " nanos %" PRId32 ", want kind %d i %" PRId64
		  " nanos %" PRId32 ": %s",
		  rc, (int)out.kind, out.i, out.nanos, (int)k, i, nanos, err.msg);
}

/* Expect bytes or decimal text. */
static void want_text(const char *what, const char *type, const struct odps_colopts *o,
		      struct mc_val v, enum odps_vkind k, const char *text, size_t n)
{
	struct odps_val out;
	struct mc_err err = { 0 };
	int rc = conv(type, o, v, &out, &err);
	tap_check(rc == 0 && out.kind == k && out.n == n && memcmp(out.p, text, n) == 0, what,
		  "rc %d kind %d '%.*s', want '%.*s': %s", rc, (int)out.kind,
		  rc == 0 ? (int)out.n : 0, rc == 0 ? out.p : "", (int)n, text, err.msg);
}

/* Expect an error whose message holds each of the words (NULL-ended). */
static void want_err(const char *what, const char *type, const struct odps_colopts *o,
		     struct mc_val v, ...)
{
	struct odps_val out;
	struct mc_err err = { 0 };
	int rc = conv(type, o, v, &out, &err), good;
	const char *w, *miss = NULL;
	va_list ap;
	good = rc == -1 && err.code == MC_EXIT_DATA;
	va_start(ap, v);
	while ((w = va_arg(ap, const char *)))
		if (!strstr(err.msg, w))
			miss = w;
	va_end(ap);
	tap_check(good && !miss && strstr(err.msg, "d.t.c") && strstr(err.msg, "position 3:1234:0"),
		  what, "rc %d code %d, missing '%s': %s", rc, err.code, miss ? miss : "", err.msg);
}

static void test_integers(void)
{
	static const struct odps_colopts as_dec = { .as = ODPS_T_DECIMAL };
	static const struct odps_colopts as_tiny = { .as = ODPS_T_TINYINT };
	static const struct odps_colopts as_str = { .as = ODPS_T_STRING };

	want_i("BIGINT 2^63-1", "bigint", NULL, v_int(INT64_MAX), ODPS_V_INT, INT64_MAX, 0);
	want_i("BIGINT -2^63+1, MaxCompute's documented minimum", "bigint", NULL,
	       v_int(INT64_MIN + 1), ODPS_V_INT, INT64_MIN + 1, 0);
	want_err("BIGINT -2^63: below MaxCompute's minimum, an error naming it", "bigint", NULL,
		 v_int(INT64_MIN), "-9223372036854775808", "map the column as DECIMAL", NULL);
	want_text("BIGINT as DECIMAL: -2^63 exact", "bigint", &as_dec, v_int(INT64_MIN),
		  ODPS_V_DECIMAL, "-9223372036854775808", 20);
	want_text("BIGINT UNSIGNED 2^64-1 as DECIMAL(20,0)", "bigint unsigned", NULL,
		  v_uint(UINT64_MAX), ODPS_V_DECIMAL, "18446744073709551615", 20);
	want_text("BIGINT UNSIGNED 0", "bigint unsigned", NULL, v_int(0), ODPS_V_DECIMAL, "0", 1);
	want_i("TINYINT -128", "tinyint", NULL, v_int(-128), ODPS_V_INT, -128, 0);
	want_i("TINYINT UNSIGNED 255 as SMALLINT", "tinyint unsigned", NULL, v_int(255), ODPS_V_INT,
	       255, 0);
	want_i("SMALLINT UNSIGNED 65535 as INT", "smallint unsigned", NULL, v_int(65535),
	       ODPS_V_INT, 65535, 0);
	want_i("MEDIUMINT -8388608", "mediumint", NULL, v_int(-8388608), ODPS_V_INT, -8388608, 0);
	want_i("INT -2^31", "int", NULL, v_int(INT32_MIN), ODPS_V_INT, INT32_MIN, 0);
	want_i("INT UNSIGNED 2^32-1 as BIGINT", "int unsigned", NULL, v_int(UINT32_MAX), ODPS_V_INT,
	       UINT32_MAX, 0);
	want_i("YEAR 2155", "year", NULL, v_int(2155), ODPS_V_INT, 2155, 0);
	want_i("YEAR 0", "year", NULL, v_int(0), ODPS_V_INT, 0, 0);
	want_i("INT as TINYINT (chosen): 127 fits", "int", &as_tiny, v_int(127), ODPS_V_INT, 127, 0);
	want_err("INT as TINYINT (chosen): 128 is an error", "int", &as_tiny, v_int(128), "128",
		 "range", NULL);
	want_text("INT as STRING: its decimal text", "int", &as_str, v_int(-42), ODPS_V_BYTES, "-42",
		  3);
	want_err("an INT column given a text value", "int", NULL, v_s(MC_V_STR, "1"), "str", NULL);
}

static void test_bits(void)
{
	static const struct odps_colopts as_big = { .as = ODPS_T_BIGINT };
	static const struct odps_colopts as_bin = { .as = ODPS_T_BINARY };
	static const char all[8] = { '\xff', '\xff', '\xff', '\xff', '\xff', '\xff', '\xff', '\xff' };
	static const char top[8] = { '\x80', 0, 0, 0, 0, 0, 0, 0 };
	static const char below[8] = { '\x7f', '\xff', '\xff', '\xff', '\xff', '\xff', '\xff', '\xff' };

	want_text("BIT(64) 2^64-1 as DECIMAL(20,0)", "bit(64)", NULL, v_txt(MC_V_BIT, all, 8),
		  ODPS_V_DECIMAL, "18446744073709551615", 20);
	want_text("BIT(64) 2^63 as DECIMAL(20,0)", "bit(64)", NULL, v_txt(MC_V_BIT, top, 8),
		  ODPS_V_DECIMAL, "9223372036854775808", 19);
	want_i("BIT(64) as BIGINT (chosen): 2^63-1 fits", "bit(64)", &as_big,
	       v_txt(MC_V_BIT, below, 8), ODPS_V_INT, INT64_MAX, 0);
	want_err("BIT(64) as BIGINT (chosen): 2^63 is an error", "bit(64)", &as_big,
		 v_txt(MC_V_BIT, top, 8), "range", NULL);
	want_text("BIT(64) as BINARY (chosen): its 8 bytes", "bit(64)", &as_bin,
		  v_txt(MC_V_BIT, all, 8), ODPS_V_BYTES, all, 8);
	want_i("BIT(1) 1", "bit(1)", NULL, v_txt(MC_V_BIT, "\x01", 1), ODPS_V_INT, 1, 0);
	want_i("BIT(17) 0x1ffff", "bit(17)", NULL, v_txt(MC_V_BIT, "\x01\xff\xff", 3), ODPS_V_INT,
	       0x1ffff, 0);
}

static void test_decimals(void)
{
	static const struct odps_colopts as_str = { .as = ODPS_T_STRING };
	static const struct odps_colopts p38s0 = { .dec_prec = 38, .dec_scale = 0 };
	const char *big = "123456789012345678901234567890.123456789012345678901234567890";

	want_text("DECIMAL(10,2) 12.30 as is (plain text)", "decimal(10,2)", NULL,
		  v_s(MC_V_DECIMAL, "12.30"), ODPS_V_DECIMAL, "12.30", 5);
	want_text("DECIMAL(10,2) -0.01", "decimal(10,2)", NULL, v_s(MC_V_DECIMAL, "-0.01"),
		  ODPS_V_DECIMAL, "-0.01", 5);
	want_text("DECIMAL(65,30) 1.5: 18 digits after the point, the rest zeros",
		  "decimal(65,30)", NULL, v_s(MC_V_DECIMAL, "1.500000000000000000000000000000"),
		  ODPS_V_DECIMAL, "1.500000000000000000", 20);
	want_text("DECIMAL(65,30): 20 integer digits fit DECIMAL(38,18)", "decimal(65,30)", NULL,
		  v_s(MC_V_DECIMAL, "-99999999999999999999.000000000000000000000000000000"),
		  ODPS_V_DECIMAL, "-99999999999999999999.000000000000000000", 40);
	want_err("DECIMAL(65,30): a 19th digit after the point is an error", "decimal(65,30)", NULL,
		 v_s(MC_V_DECIMAL, "0.000000000000000000100000000000"), "after the point", NULL);
	want_err("DECIMAL(65,30): 21 integer digits are an error", "decimal(65,30)", NULL,
		 v_s(MC_V_DECIMAL, "100000000000000000000.000000000000000000000000000000"),
		 "integer digits", NULL);
	want_text("DECIMAL(65,30) as STRING (chosen): the exact text", "decimal(65,30)", &as_str,
		  v_s(MC_V_DECIMAL, big), ODPS_V_BYTES, big, strlen(big));
	want_text("DECIMAL(65,30) as DECIMAL(38,0) (chosen): 12.000... is 12", "decimal(65,30)",
		  &p38s0, v_s(MC_V_DECIMAL, "12.000000000000000000000000000000"), ODPS_V_DECIMAL, "12",
		  2);
	want_err("DECIMAL(65,30) as DECIMAL(38,0): 1.5 is an error", "decimal(65,30)", &p38s0,
		 v_s(MC_V_DECIMAL, "1.500000000000000000000000000000"), "after the point", NULL);
}

static void test_floats(void)
{
	static const struct odps_colopts as_dbl = { .as = ODPS_T_DOUBLE };
	struct mc_val f = { .kind = MC_V_F32 }, d = { .kind = MC_V_F64 };
	struct odps_val out;
	struct mc_err err = { 0 };
	f.v.f32 = 1e-45f;
	d.v.f64 = -0.0;
	tap_check(conv("float", NULL, f, &out, &err) == 0 && out.kind == ODPS_V_F32 &&
			  out.f32 == 1e-45f,
		  "FLOAT: the smallest float as FLOAT", "%s", err.msg);
	tap_check(conv("float", &as_dbl, f, &out, &err) == 0 && out.kind == ODPS_V_F64 &&
			  out.f64 == (double)1e-45f,
		  "FLOAT as DOUBLE (chosen): widened exactly", "%s", err.msg);
	tap_check(conv("double", NULL, d, &out, &err) == 0 && out.kind == ODPS_V_F64 &&
			  out.f64 == 0 && 1 / out.f64 < 0,
		  "DOUBLE: -0 keeps its sign", "%s", err.msg);
}

static void test_temporals(void)
{
	static const struct odps_colopts as_dt = { .as = ODPS_T_DATETIME };
	static const struct odps_colopts as_ntz = { .as = ODPS_T_TIMESTAMP_NTZ };
	static const struct odps_colopts as_str = { .as = ODPS_T_STRING };
	static const struct odps_colopts to_null = { .baddate = ODPS_BADDATE_NULL };
	static const struct odps_colopts east8 = { .wall_offset = 8 * 3600 };
	struct odps_val out;
	struct mc_err err = { 0 };

	/* spec §A.1: 2024-01-02T03:04:05.678Z is 1704164645678 ms */
	want_i("DATETIME(3) as DATETIME: epoch milliseconds (spec vector A)", "datetime(3)", NULL,
	       v_s(MC_V_DATETIME, "2024-01-02 03:04:05.678"), ODPS_V_MILLIS, 1704164645678, 0);
	want_i("DATETIME(3) before 1970: -1 ms (spec vector A)", "datetime(3)", NULL,
	       v_s(MC_V_DATETIME, "1969-12-31 23:59:59.999"), ODPS_V_MILLIS, -1, 0);
	want_i("DATETIME(6) as TIMESTAMP: all six digits", "datetime(6)", NULL,
	       v_s(MC_V_DATETIME, "2024-01-02 03:04:05.123456"), ODPS_V_SECNANO, 1704164645,
	       123456000);
	want_i("DATETIME(6) as DATETIME (chosen): whole milliseconds pass", "datetime(6)", &as_dt,
	       v_s(MC_V_DATETIME, "2024-01-02 03:04:05.678000"), ODPS_V_MILLIS, 1704164645678, 0);
	want_err("DATETIME(6) as DATETIME (chosen): digits below the millisecond are an error",
		 "datetime(6)", &as_dt, v_s(MC_V_DATETIME, "2024-01-02 03:04:05.678001"),
		 "'2024-01-02 03:04:05.678001'", "millisecond", NULL);
	want_i("DATETIME(6) as TIMESTAMP_NTZ (chosen): the wall clock", "datetime(6)", &as_ntz,
	       v_s(MC_V_DATETIME, "9999-12-31 23:59:59.999999"), ODPS_V_SECNANO, 253402300799,
	       999999000);
	want_i("DATETIME at UTC+08:00 (chosen): 1970-01-01 08:00:00 is instant 0", "datetime",
	       &east8, v_s(MC_V_DATETIME, "1970-01-01 08:00:00"), ODPS_V_MILLIS, 0, 0);
	want_i("DATETIME: 1000-01-01 00:00:00", "datetime", NULL,
	       v_s(MC_V_DATETIME, "1000-01-01 00:00:00"), ODPS_V_MILLIS, -30610224000000, 0);
	want_err("DATETIME 0000-01-01 00:00:00 at UTC+08:00: before MaxCompute's range", "datetime",
		 &east8, v_s(MC_V_DATETIME, "0000-01-01 00:00:00"), "range", NULL);
	/* a TIMESTAMP before 1970 with a fraction: floor seconds, positive nanos (§5.3) */
	want_i("TIMESTAMP(1) 1969-12-31 23:59:59.5: floor seconds, positive nanos", "timestamp(1)",
	       NULL, v_s(MC_V_TIMESTAMP, "1969-12-31 23:59:59.5"), ODPS_V_SECNANO, -1, 500000000);
	want_i("TIMESTAMP is the UTC instant, whatever the wall offset", "timestamp", &east8,
	       v_s(MC_V_TIMESTAMP, "2038-01-19 03:14:07"), ODPS_V_SECNANO, 2147483647, 0);
	want_i("DATE 2024-02-29 (spec vector B)", "date", NULL, v_s(MC_V_DATE, "2024-02-29"),
	       ODPS_V_DATE, 19782, 0);
	want_i("DATE 1969-12-31 (spec vector B)", "date", NULL, v_s(MC_V_DATE, "1969-12-31"),
	       ODPS_V_DATE, -1, 0);
	want_i("DATE 0001-01-01, MaxCompute's first day (data type edition 2.0)", "date", NULL,
	       v_s(MC_V_DATE, "0001-01-01"), ODPS_V_DATE, -719162, 0);
	want_err("DATE 0000-12-31: before MaxCompute's range", "date", NULL,
		 v_s(MC_V_DATE, "0000-12-31"), "'0000-12-31'", "0001-01-01", NULL);
	want_i("DATETIME 0001-01-01 00:00:00, MaxCompute's first instant", "datetime", NULL,
	       v_s(MC_V_DATETIME, "0001-01-01 00:00:00"), ODPS_V_MILLIS, -62135596800000, 0);
	want_err("TIMESTAMP(6) 0000-12-31 23:59:59.999999: before MaxCompute's range", "timestamp(6)",
		 NULL, v_s(MC_V_TIMESTAMP, "0000-12-31 23:59:59.999999"), "range", NULL);
	want_i("DATE 9999-12-31", "date", NULL, v_s(MC_V_DATE, "9999-12-31"), ODPS_V_DATE, 2932896,
	       0);
	want_err("DATE zero date: an error naming it", "date", NULL, v_s(MC_V_DATE, "0000-00-00"),
		 "'0000-00-00'", "zero date", NULL);
	want_err("DATE zero month", "date", NULL, v_s(MC_V_DATE, "2024-00-10"), "zero month or day",
		 NULL);
	want_err("DATE zero day", "date", NULL, v_s(MC_V_DATE, "2024-05-00"), "zero month or day",
		 NULL);
	want_err("DATE 2024-02-31 (ALLOW_INVALID_DATES)", "date", NULL, v_s(MC_V_DATE, "2024-02-31"),
		 "ALLOW_INVALID_DATES", NULL);
	want_err("DATE 2023-02-29 (ALLOW_INVALID_DATES)", "date", NULL, v_s(MC_V_DATE, "2023-02-29"),
		 "calendar day", NULL);
	want_err("DATETIME 2024-04-31 12:00:00 (ALLOW_INVALID_DATES)", "datetime", NULL,
		 v_s(MC_V_DATETIME, "2024-04-31 12:00:00"), "calendar day", NULL);
	want_err("TIMESTAMP(6) zero value", "timestamp(6)", NULL,
		 v_s(MC_V_TIMESTAMP, "0000-00-00 00:00:00.000000"), "zero date", NULL);
	tap_check(conv("date", &to_null, v_s(MC_V_DATE, "0000-00-00"), &out, &err) == 0 &&
			  out.kind == ODPS_V_NULL,
		  "DATE zero date with NULL chosen: NULL", "%s", err.msg);
	tap_check(conv("datetime(6)", &to_null, v_s(MC_V_DATETIME, "2024-02-30 00:00:00.000000"),
		       &out, &err) == 0 && out.kind == ODPS_V_NULL,
		  "DATETIME invalid day with NULL chosen: NULL", "%s", err.msg);
	want_text("DATE as STRING (chosen): a zero date kept as text", "date", &as_str,
		  v_s(MC_V_DATE, "0000-00-00"), ODPS_V_BYTES, "0000-00-00", 10);
	want_text("DATETIME(6) as STRING (chosen): the exact text", "datetime(6)", &as_str,
		  v_s(MC_V_DATETIME, "2024-00-00 01:02:03.000004"), ODPS_V_BYTES,
		  "2024-00-00 01:02:03.000004", 26);
	want_text("TIME(6) as STRING: -838:59:59.000000", "time(6)", NULL,
		  v_s(MC_V_TIME, "-838:59:59.000000"), ODPS_V_BYTES, "-838:59:59.000000", 17);
}

static void test_bytes(void)
{
	static const struct odps_colopts wkb_any = { .geo = ODPS_GEO_WKB_ANY_SRID };
	static const struct odps_colopts internal = { .geo = ODPS_GEO_INTERNAL };
	static const struct odps_colopts small = { .max_bytes = 4 };
	/* POINT(1 2): SRID, then WKB (little-endian, type 1, x, y) */
	static const char pt0[25] = "\0\0\0\0\x01\x01\0\0\0\0\0\0\0\0\0\xf0\x3f\0\0\0\0\0\0\0\x40";
	static const char pt4326[25] = "\xe6\x10\0\0\x01\x01\0\0\0\0\0\0\0\0\0\xf0\x3f\0\0\0\0\0\0\0\x40";
	size_t big = ODPS_MAX_BYTES + 1;
	char *huge = malloc(big);
	struct odps_val out;
	struct mc_err err = { 0 };

	want_text("GEOMETRY SRID 0 as WKB: the SRID prefix removed", "geometry", NULL,
		  v_txt(MC_V_BIN, pt0, 25), ODPS_V_BYTES, pt0 + 4, 21);
	want_err("GEOMETRY SRID 4326 as WKB: an error, not a dropped SRID", "point", NULL,
		 v_txt(MC_V_BIN, pt4326, 25), "SRID 4326", NULL);
	want_text("GEOMETRY SRID 4326, WKB without the SRID (chosen)", "point", &wkb_any,
		  v_txt(MC_V_BIN, pt4326, 25), ODPS_V_BYTES, pt4326 + 4, 21);
	want_text("GEOMETRY, the internal form (chosen): SRID + WKB", "geometry", &internal,
		  v_txt(MC_V_BIN, pt4326, 25), ODPS_V_BYTES, pt4326, 25);
	want_err("GEOMETRY too short for SRID + WKB", "geometry", NULL, v_txt(MC_V_BIN, pt0, 6),
		 "WKB", NULL);
	want_text("VARBINARY: the bytes", "varbinary(16)", NULL, v_txt(MC_V_BIN, "\0\xff", 2),
		  ODPS_V_BYTES, "\0\xff", 2);
	want_text("VECTOR(3): the float32 bytes as BINARY", "vector(3)", NULL,
		  v_txt(MC_V_BIN, pt0 + 5, 12), ODPS_V_BYTES, pt0 + 5, 12);
	want_text("JSON as STRING", "json", NULL, v_s(MC_V_JSON, "{\"a\": [1, 2]}"), ODPS_V_BYTES,
		  "{\"a\": [1, 2]}", 13);
	want_text("ENUM as its label", "enum('a','b')", NULL, v_s(MC_V_STR, "b"), ODPS_V_BYTES, "b",
		  1);
	want_text("SET as its text", "set('x','y','z')", NULL, v_s(MC_V_STR, "x,z"), ODPS_V_BYTES,
		  "x,z", 3);
	want_text("INET6 as its text", "inet6", NULL, v_s(MC_V_STR, "2001:db8::1"), ODPS_V_BYTES,
		  "2001:db8::1", 11);
	want_err("INET6 given raw bytes: an error, not bytes in a STRING", "inet6", NULL,
		 v_txt(MC_V_BIN, pt0, 16), "bin", NULL);
	want_err("a type this build does not know, given bytes", "xmltype", NULL,
		 v_txt(MC_V_BIN, pt0, 3), "bin", NULL);
	want_err("a MINIMAL image's absent value: an error", "int", NULL,
		 (struct mc_val){ .kind = MC_V_ABSENT }, "absent", NULL);
	tap_check(conv("int", NULL, (struct mc_val){ .kind = MC_V_NULL }, &out, &err) == 0 &&
			  out.kind == ODPS_V_NULL,
		  "NULL is NULL", "%s", err.msg);
	want_err("STRING over the chosen limit (4 bytes)", "varchar(10)", &small,
		 v_s(MC_V_STR, "abcde"), "5 bytes", NULL);
	if (!huge) {
		tap_fail("8 MiB values", "out of memory");
		return;
	}
	memset(huge, 'x', big);
	want_text("LONGTEXT of exactly 8 MiB passes", "longtext", NULL,
		  v_txt(MC_V_STR, huge, ODPS_MAX_BYTES), ODPS_V_BYTES, huge, ODPS_MAX_BYTES);
	want_err("LONGTEXT of 8 MiB + 1: an error, not a rejected upload", "longtext", NULL,
		 v_txt(MC_V_STR, huge, big), "8388609 bytes", "limit of 8388608", NULL);
	want_err("LONGBLOB of 8 MiB + 1", "longblob", NULL, v_txt(MC_V_BIN, huge, big),
		 "8388609 bytes", NULL);
	want_err("GEOMETRY whose WKB is over 8 MiB", "geometry", &internal,
		 v_txt(MC_V_BIN, huge, big), "8388609 bytes", NULL);
	free(huge);
}

int main(void)
{
	test_default_types();
	test_choices();
	test_integers();
	test_bits();
	test_decimals();
	test_floats();
	test_temporals();
	test_bytes();
	return tap_done();
}
