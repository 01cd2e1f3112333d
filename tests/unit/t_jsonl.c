/* t_jsonl.c: unit tests of the JSON-lines form (common/stream/jsonl_*.c) and of
 * base64 (common/base/b64.c). One line per check: "ok - t_jsonl: ..." or
 * "FAIL - t_jsonl: ...: why"; exit 1 if any failed. */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/b64.h"
#include "base/buf.h"
#include "stream/jsonl.h"
#include "stream/rec.h"

#define TAP_NAME "t_jsonl"
#include "tap.h"

/* check(cond, desc, whyfmt, ...): tap_check under this file's old name */
#define check tap_check

static struct mc_str S(const char *s)
{
	return mc_str_c(s, strlen(s));
}

static struct mc_val vint(int64_t i)
{
	struct mc_val v = { .kind = MC_V_INT, .v.i = i };
	return v;
}

static struct mc_val vuint(uint64_t u)
{
	struct mc_val v = { .kind = MC_V_UINT, .v.u = u };
	return v;
}

static struct mc_val vf32(float f)
{
	struct mc_val v = { .kind = MC_V_F32, .v.f32 = f };
	return v;
}

static struct mc_val vf64(double d)
{
	struct mc_val v = { .kind = MC_V_F64, .v.f64 = d };
	return v;
}

static struct mc_val vtext(int kind, const char *p, size_t n)
{
	struct mc_val v = { .kind = (uint8_t)kind };
	v.v.s = mc_str_c(p, n);
	return v;
}

static struct mc_val vs(int kind, const char *s)
{
	return vtext(kind, s, strlen(s));
}

static struct mc_val vnull(void)
{
	struct mc_val v = { .kind = MC_V_NULL };
	return v;
}

static struct mc_val vabsent(void)
{
	struct mc_val v = { .kind = MC_V_ABSENT };
	v.v.s = mc_str_c("", 0);
	return v;
}

static struct mc_rec row(enum mc_op op, struct mc_val *before, size_t nb, struct mc_val *after,
			 size_t na)
{
	struct mc_rec r = { .kind = MC_R_ROW, .op = op };
	r.db = S("d");
	r.table = S("t");
	r.schema_version = 1;
	r.pos.file = 1;
	r.pos.off = 200;
	r.time = 1700000000;
	r.before = before;
	r.nbefore = nb;
	r.after = after;
	r.nafter = na;
	return r;
}

static struct jsonl_parser jp;

/* record -> msgpack A; record -> jsonl -> record -> msgpack B; A == B.
 * Also msgpack A -> rec_decode -> jsonl gives the same line. If want is
 * not NULL, the line (without '\n') must be exactly want. */
static void roundtrip(const char *desc, const struct mc_rec *r, const char *want)
{
	struct mc_buf a = { 0 }, b = { 0 }, line = { 0 }, line2 = { 0 };
	struct mc_err err = { 0 };
	struct mc_rec r2, r3;
	struct mc_scratch sc = { 0 };
	size_t used;

	if (rec_encode(&a, r, &err) < 0) {
		check(0, desc, "rec_encode: %s", err.msg);
		goto out;
	}
	if (jsonl_encode(&line, r, &err) < 0) {
		check(0, desc, "jsonl_encode: %s", err.msg);
		goto out;
	}
	if (line.len == 0 || line.p[line.len - 1] != '\n' ||
	    memchr(line.p, '\n', line.len - 1) != NULL) {
		check(0, desc, "not one line: '%.*s'", (int)line.len, line.p);
		goto out;
	}
	if (want && (strlen(want) != line.len - 1 || memcmp(want, line.p, line.len - 1) != 0)) {
		check(0, desc, "got '%.*s', want '%s'", (int)line.len - 1, line.p, want);
		goto out;
	}
	if (jsonl_decode(&jp, line.p, line.len - 1, &r2, &err) < 0) {
		check(0, desc, "jsonl_decode: %s; line '%.*s'", err.msg, (int)line.len - 1, line.p);
		goto out;
	}
	if (rec_validate(&r2, &err) < 0) {
		check(0, desc, "rec_validate: %s", err.msg);
		goto out;
	}
	if (rec_encode(&b, &r2, &err) < 0) {
		check(0, desc, "rec_encode of decoded: %s", err.msg);
		goto out;
	}
	if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0) {
		check(0, desc, "msgpack differs after the round trip (%zu vs %zu bytes); line '%.*s'",
		      a.len, b.len, (int)line.len - 1, line.p);
		goto out;
	}
	if (rec_decode(a.p, a.len, 0, &used, &r3, &sc, &err) != 1 ||
	    jsonl_encode(&line2, &r3, &err) < 0) {
		check(0, desc, "msgpack decode/jsonl encode: %s", err.msg);
		goto out;
	}
	check(line.len == line2.len && memcmp(line.p, line2.p, line.len) == 0, desc,
	      "line from decoded msgpack differs: '%.*s'", (int)line2.len, line2.p);
out:
	buf_free(&a);
	buf_free(&b);
	buf_free(&line);
	buf_free(&line2);
	rec_scratch_free(&sc);
}

/* A single-value row image round trip; the line must contain `frag`. */
static void val_rt(const char *desc, struct mc_val v, const char *frag)
{
	struct mc_rec r = row(MC_OP_INSERT, NULL, 0, &v, 1);
	struct mc_buf line = { 0 };
	struct mc_err err = { 0 };
	char d[200];

	snprintf(d, sizeof d, "value %s", desc);
	if (frag) {
		int found = jsonl_encode(&line, &r, &err) == 0 && line.len > 0;
		if (found) {
			size_t fl = strlen(frag);
			found = 0;
			for (size_t i = 0; i + fl <= line.len; i++)
				if (memcmp(line.p + i, frag, fl) == 0)
					found = 1;
		}
		if (!found) {
			check(0, d, "line '%.*s' lacks '%s'", (int)line.len, line.p, frag);
			buf_free(&line);
			return;
		}
		buf_free(&line);
	}
	roundtrip(d, &r, NULL);
}

static void test_records(void)
{
	struct mc_kv meta[2] = { { S("k"), S("v") }, { S("writer"), S("mc-test \"1\"") } };
	struct mc_rec h = { .kind = MC_R_HEADER, .version = 1, .nmeta = 1, .meta = meta };
	struct mc_col cols[2] = {
		{ S("id"), S("int"), S("INT"), false, 0 },
		{ S("p"), S("decimal(10,2) unsigned"), S("DECIMAL(10,2)"), true, MC_CF_UNSIGNED },
	};
	uint32_t key[1] = { 0 };
	struct mc_rec sc = { .kind = MC_R_SCHEMA, .schema_version = 1, .ncols = 1, .cols = cols,
			     .nkey = 1, .key = key };
	struct mc_val after[3] = { vint(1), vs(MC_V_STR, "x"), vnull() };
	struct mc_val before[3] = { vint(1), vs(MC_V_STR, "y"), vabsent() };
	struct mc_rec rw = row(MC_OP_INSERT, NULL, 0, after, 3);
	struct mc_rec ddl = { .kind = MC_R_DDL, .time = 1700000000 };
	struct mc_rec mk = { .kind = MC_R_MARK, .mark = MC_MARK_TXN_END, .time = 1700000000 };
	struct mc_rec tr = { .kind = MC_R_TRAILER, .count = 4 };

	roundtrip("header as documented", &h, "{\"mcr\":1,\"meta\":{\"k\":\"v\"}}");
	h.nmeta = 2;
	roundtrip("header with two entries", &h, NULL);
	h.nmeta = 0;
	roundtrip("header with no entries", &h, "{\"mcr\":1,\"meta\":{}}");
	meta[1].k = S("k");
	h.nmeta = 2;
	roundtrip("header with a repeated key (order kept)", &h, NULL);

	sc.db = S("d");
	sc.table = S("t");
	sc.pos.file = 1;
	sc.pos.off = 4;
	roundtrip("schema as documented", &sc,
		  "{\"kind\":\"schema\",\"db\":\"d\",\"table\":\"t\",\"version\":1,\"pos\":[1,4,0],"
		  "\"time\":0,\"flags\":0,\"columns\":[{\"name\":\"id\",\"mysql_type\":\"int\","
		  "\"mc_type\":\"INT\",\"nullable\":false,\"flags\":0}],\"key\":[0]}");
	sc.ncols = 2;
	sc.schema_flags = MC_SF_ALL;
	sc.nkey = 0;
	sc.time = -5;
	roundtrip("schema, two columns, flags, no key, negative time", &sc, NULL);
	sc.ncols = 0;
	roundtrip("schema with no columns", &sc, NULL);

	roundtrip("row as documented", &rw,
		  "{\"kind\":\"row\",\"op\":\"insert\",\"db\":\"d\",\"table\":\"t\",\"version\":1,"
		  "\"pos\":[1,200,0],\"time\":1700000000,\"before\":null,\"after\":[1,\"x\",null]}");
	rw.op = MC_OP_SNAPSHOT;
	roundtrip("row snapshot", &rw, NULL);
	rw = row(MC_OP_UPDATE, before, 3, after, 3);
	roundtrip("row update", &rw, NULL);
	rw = row(MC_OP_DELETE, before, 3, NULL, 0);
	roundtrip("row delete", &rw, NULL);
	rw = row(MC_OP_INSERT, NULL, 0, after, 0);
	roundtrip("row with an empty image", &rw, NULL);
	rw.pos.file = UINT64_MAX;
	rw.pos.off = UINT64_MAX;
	rw.pos.row = UINT64_MAX;
	rw.schema_version = UINT64_MAX;
	rw.time = INT64_MIN;
	roundtrip("row with extreme pos, version, time", &rw, NULL);
	rw.time = INT64_MAX;
	roundtrip("row with time INT64_MAX", &rw, NULL);

	ddl.db = S("d");
	ddl.table = S("t");
	ddl.pos.file = 1;
	ddl.pos.off = 300;
	ddl.sql = S("ALTER TABLE ...");
	roundtrip("ddl as documented", &ddl,
		  "{\"kind\":\"ddl\",\"db\":\"d\",\"table\":\"t\",\"pos\":[1,300,0],"
		  "\"time\":1700000000,\"sql\":\"ALTER TABLE ...\"}");
	ddl.db = S("");
	ddl.table = S("");
	ddl.sql = S("CREATE TABLE `t` (\n  `a` int COMMENT 'caf\xc3\xa9 \\\\ \"q\"'\n)");
	roundtrip("ddl multi-line sql with quotes", &ddl, NULL);

	mk.pos.file = 1;
	mk.pos.off = 231;
	mk.db = S("");
	mk.table = S("");
	mk.label = S("");
	roundtrip("mark as documented", &mk,
		  "{\"kind\":\"mark\",\"mark\":\"txn_end\",\"pos\":[1,231,0],\"time\":1700000000,"
		  "\"db\":\"\",\"table\":\"\",\"label\":\"\"}");
	for (int m = 0; m < MC_MARK_N; m++) {
		char d[64];
		mk.mark = (enum mc_mark)m;
		mk.label = S("3E11FA47-71CA-11E1-9E33-C80AA9429562:23");
		snprintf(d, sizeof d, "mark %s", rec_mark_name(mk.mark));
		roundtrip(d, &mk, NULL);
	}

	roundtrip("trailer as documented", &tr, "{\"kind\":\"trailer\",\"count\":4}");
	tr.count = UINT64_MAX;
	roundtrip("trailer with count UINT64_MAX", &tr,
		  "{\"kind\":\"trailer\",\"count\":18446744073709551615}");
}

static void test_values(void)
{
	static const char bin[] = { 0, 1, 2, (char)0xff, (char)0xfe };
	static const char bit[] = { 0x04 };
	static const char bit8[] = { 1, 2, 3, 4, 5, 6, 7, (char)0x80 };
	static const char ctrl[] = { 'a', 0, 1, 0x1f, 0x7f, '\b', '\f', '\r', '\t', '\n', 'z' };
	struct mc_val all[40];
	size_t n = 0;
	struct mc_rec r;
	char digits65[70];

	val_rt("null", vnull(), "[null]");
	val_rt("absent", vabsent(), "{\"absent\":true}");
	val_rt("int 0", vint(0), "[0]");
	val_rt("int -1", vint(-1), "[-1]");
	val_rt("int64 min", vint(INT64_MIN), "[-9223372036854775808]");
	val_rt("int64 max", vint(INT64_MAX), "[9223372036854775807]");
	val_rt("uint 2^63", vuint((uint64_t)1 << 63), "[9223372036854775808]");
	val_rt("uint64 max", vuint(UINT64_MAX), "[18446744073709551615]");
	val_rt("f64 0.1", vf64(0.1), "[0.1]");
	val_rt("f64 1.0", vf64(1.0), "[1.0]");
	val_rt("f64 1e300", vf64(1e300), "[1e+300]");
	val_rt("f64 -0.0", vf64(-0.0), "[-0.0]");
	val_rt("f64 0.0", vf64(0.0), "[0.0]");
	val_rt("f64 DBL_MAX", vf64(DBL_MAX), "[1.7976931348623157e+308]");
	val_rt("f64 -DBL_MAX", vf64(-DBL_MAX), NULL);
	val_rt("f64 DBL_MIN", vf64(DBL_MIN), NULL);
	val_rt("f64 smallest denormal", vf64(4.9406564584124654e-324), NULL);
	val_rt("f64 1/3", vf64(1.0 / 3), "[0.3333333333333333]");
	val_rt("f64 -5.0", vf64(-5.0), "[-5.0]");
	val_rt("f64 1e15-1", vf64(999999999999999.0), "[999999999999999.0]");
	val_rt("f64 1e15", vf64(1e15), "[1e+15]");
	val_rt("f64 -1e15", vf64(-1e15), "[-1e+15]");
	val_rt("f64 2^63", vf64(9223372036854775808.0), "[9.223372036854776e+18]");
	val_rt("f64 2^53+2", vf64(9007199254740994.0), "[9007199254740994.0]");
	val_rt("f64 123456789012345680000", vf64(1.2345678901234568e20), NULL);
	val_rt("f32 0.1", vf32(0.1f), "{\"f32\":0.1}");
	val_rt("f32 1", vf32(1.0f), "{\"f32\":1}");
	val_rt("f32 -0.0", vf32(-0.0f), "{\"f32\":-0}");
	val_rt("f32 1e-45 denormal", vf32(1e-45f), "{\"f32\":1e-45}");
	val_rt("f32 FLT_MAX", vf32(FLT_MAX), NULL);
	val_rt("f32 FLT_MIN", vf32(FLT_MIN), NULL);
	val_rt("f32 16777217 rounds", vf32(16777216.0f), "{\"f32\":16777216}");
	val_rt("f32 1/3", vf32(1.0f / 3), NULL);
	val_rt("str empty", vs(MC_V_STR, ""), "[\"\"]");
	val_rt("str quotes and backslashes", vs(MC_V_STR, "a\"b\\c/d"), "[\"a\\\"b\\\\c/d\"]");
	val_rt("str control characters", vtext(MC_V_STR, ctrl, sizeof ctrl),
	       "[\"a\\u0000\\u0001\\u001f\x7f\\b\\f\\r\\t\\nz\"]");
	val_rt("str emoji and accents", vs(MC_V_STR, "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac"),
	       "[\"caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac\"]");
	val_rt("str U+10FFFF", vs(MC_V_STR, "\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");
	val_rt("str invalid UTF-8 -> strb", vs(MC_V_STR, "a\xff"), "{\"strb\":\"Yf8=\"}");
	val_rt("str overlong NUL -> strb", vs(MC_V_STR, "\xc0\x80"), "{\"strb\":");
	val_rt("str UTF-8 surrogate -> strb", vs(MC_V_STR, "\xed\xa0\x80"), "{\"strb\":");
	val_rt("str truncated sequence -> strb", vs(MC_V_STR, "ab\xe2\x82"), "{\"strb\":");
	val_rt("str above U+10FFFF -> strb", vs(MC_V_STR, "\xf4\x90\x80\x80"), "{\"strb\":");
	val_rt("bin", vtext(MC_V_BIN, bin, sizeof bin), "{\"bin\":\"AAEC//4=\"}");
	val_rt("bin empty", vtext(MC_V_BIN, "", 0), "{\"bin\":\"\"}");
	val_rt("bin 1 byte", vtext(MC_V_BIN, "a", 1), "{\"bin\":\"YQ==\"}");
	val_rt("bin 3 bytes", vtext(MC_V_BIN, "abc", 3), "{\"bin\":\"YWJj\"}");
	val_rt("decimal 1.50", vs(MC_V_DECIMAL, "1.50"), "{\"decimal\":\"1.50\"}");
	val_rt("decimal -0.00", vs(MC_V_DECIMAL, "-0.00"), "{\"decimal\":\"-0.00\"}");
	memset(digits65, '9', 65);
	digits65[65] = 0;
	val_rt("decimal 65 digits", vs(MC_V_DECIMAL, digits65), NULL);
	digits65[0] = '-';
	digits65[35] = '.';
	val_rt("decimal -64 digits with scale", vs(MC_V_DECIMAL, digits65), NULL);
	val_rt("date", vs(MC_V_DATE, "2024-02-29"), "{\"date\":\"2024-02-29\"}");
	val_rt("date zero", vs(MC_V_DATE, "0000-00-00"), "{\"date\":\"0000-00-00\"}");
	val_rt("datetime", vs(MC_V_DATETIME, "2024-01-02 03:04:05"), NULL);
	val_rt("datetime(6)", vs(MC_V_DATETIME, "9999-12-31 23:59:59.999999"),
	       "{\"datetime\":\"9999-12-31 23:59:59.999999\"}");
	val_rt("timestamp zero", vs(MC_V_TIMESTAMP, "0000-00-00 00:00:00"),
	       "{\"timestamp\":\"0000-00-00 00:00:00\"}");
	val_rt("time", vs(MC_V_TIME, "12:34:56"), "{\"time\":\"12:34:56\"}");
	val_rt("time -838:59:59.000000", vs(MC_V_TIME, "-838:59:59.000000"),
	       "{\"time\":\"-838:59:59.000000\"}");
	val_rt("bit b'100'", vtext(MC_V_BIT, bit, 1), "{\"bit\":\"04\"}");
	val_rt("bit 8 bytes", vtext(MC_V_BIT, bit8, 8), "{\"bit\":\"0102030405060780\"}");
	val_rt("json with newlines", vs(MC_V_JSON, "{\"a\": [1,\n 2],\n \"b\": \"\\u00e9\"}"),
	       "{\"json\":\"{\\\"a\\\": [1,\\n 2],\\n \\\"b\\\": \\\"\\\\u00e9\\\"}\"}");

	/* all kinds in one row, before and after */
	all[n++] = vnull();
	all[n++] = vabsent();
	all[n++] = vint(INT64_MIN);
	all[n++] = vuint(UINT64_MAX);
	all[n++] = vf32(1e-45f);
	all[n++] = vf64(-0.0);
	all[n++] = vs(MC_V_STR, "\xf0\x9f\x98\x80\"\\");
	all[n++] = vs(MC_V_STR, "\xff");
	all[n++] = vtext(MC_V_BIN, bin, sizeof bin);
	all[n++] = vs(MC_V_DECIMAL, "-0.00");
	all[n++] = vs(MC_V_DATE, "0000-00-00");
	all[n++] = vs(MC_V_DATETIME, "2024-01-02 03:04:05.1");
	all[n++] = vs(MC_V_TIMESTAMP, "1970-01-01 00:00:01");
	all[n++] = vs(MC_V_TIME, "-838:59:59.000000");
	all[n++] = vtext(MC_V_BIT, bit, 1);
	all[n++] = vs(MC_V_JSON, "[1,\n2]");
	r = row(MC_OP_UPDATE, all, n, all, n);
	roundtrip("row with every value kind", &r, NULL);

	/* UINT below 2^63 is not valid (the decoder normalises); INT covers it */
	val_rt("int 2^63-1 written from INT", vint(INT64_MAX), NULL);
}

/* Texts outside images with no JSON form; NaN refused. */
static void test_encode_errors(void)
{
	struct mc_rec r = { .kind = MC_R_DDL };
	struct mc_val v = vf64(NAN);
	struct mc_buf b = { 0 };
	struct mc_err err = { 0 };
	int rc;

	r.db = S("d\xff");
	r.table = S("t");
	r.sql = S("x");
	buf_add(&b, "keep", 4);
	rc = jsonl_encode(&b, &r, &err);
	check(rc < 0 && b.len == 4 && strstr(err.msg, "'db'") && strstr(err.msg, "UTF-8"),
	      "encode: invalid UTF-8 db is an error, buffer untouched", "rc %d len %zu msg '%s'",
	      rc, b.len, err.msg);
	r = row(MC_OP_INSERT, NULL, 0, &v, 1);
	rc = jsonl_encode(&b, &r, &err);
	check(rc < 0 && b.len == 4, "encode: NaN f64 is an error", "rc %d msg '%s'", rc, err.msg);
	v = vs(MC_V_JSON, "[\"\xff\"]");
	rc = jsonl_encode(&b, &r, &err);
	check(rc < 0 && b.len == 4 && strstr(err.msg, "after value 1"),
	      "encode: json text not UTF-8 is an error", "rc %d msg '%s'", rc, err.msg);
	buf_free(&b);
}

struct bad {
	const char *desc;
	const char *line;
	const char *want; /* substring of the message besides "column" */
};

#define ROW0 "{\"kind\":\"row\",\"op\":\"insert\",\"db\":\"d\",\"table\":\"t\",\"version\":1," \
	"\"pos\":[1,2,3],\"time\":5,\"before\":null,\"after\":"

static const struct bad bads[] = {
	{ "empty line", "", "expected object" },
	{ "not an object", "[1]", "expected object" },
	{ "unknown key", "{\"kind\":\"trailer\",\"count\":1,\"x\":2}", "unknown key 'x'" },
	{ "key of another kind", "{\"kind\":\"trailer\",\"count\":1,\"db\":\"d\"}",
	  "unknown key 'db' in a trailer" },
	{ "key of another kind before kind", "{\"sql\":\"x\",\"kind\":\"trailer\",\"count\":1}",
	  "column 2: unknown key 'sql'" },
	{ "missing key", "{\"kind\":\"trailer\"}", "missing key 'count'" },
	{ "missing kind", "{\"count\":1}", "missing key 'kind'" },
	{ "missing meta", "{\"mcr\":1}", "missing key 'meta'" },
	{ "duplicate key", "{\"kind\":\"trailer\",\"count\":1,\"count\":2}",
	  "duplicate key 'count'" },
	{ "duplicate key via escape", "{\"kind\":\"trailer\",\"count\":1,\"c\\u006funt\":2}",
	  "duplicate key 'count'" },
	{ "unknown kind", "{\"kind\":\"header\",\"count\":1}", "unknown record kind 'header'" },
	{ "wrong type: count string", "{\"kind\":\"trailer\",\"count\":\"1\"}",
	  "key 'count': expected integer, got string" },
	{ "wrong type: after object", ROW0 "{}}", "column 107: key 'after': expected null or array" },
	{ "wrong type: value true", ROW0 "[true]}", "expected a value, got boolean" },
	{ "wrong type: db number",
	  "{\"kind\":\"ddl\",\"db\":1,\"table\":\"t\",\"pos\":[1,2,3],\"time\":5,\"sql\":\"x\"}",
	  "key 'db': expected string, got number" },
	{ "wrong type: nullable 1",
	  "{\"kind\":\"schema\",\"db\":\"d\",\"table\":\"t\",\"version\":1,\"pos\":[1,4,0],"
	  "\"time\":0,\"flags\":0,\"columns\":[{\"name\":\"id\",\"mysql_type\":\"int\","
	  "\"mc_type\":\"INT\",\"nullable\":1,\"flags\":0}],\"key\":[0]}",
	  "key 'columns': column 1: key 'nullable': expected boolean" },
	{ "column missing key",
	  "{\"kind\":\"schema\",\"db\":\"d\",\"table\":\"t\",\"version\":1,\"pos\":[1,4,0],"
	  "\"time\":0,\"flags\":0,\"columns\":[{\"name\":\"id\",\"mysql_type\":\"int\","
	  "\"nullable\":true,\"flags\":0}],\"key\":[0]}", "missing key 'mc_type'" },
	{ "key out of range",
	  "{\"kind\":\"schema\",\"db\":\"d\",\"table\":\"t\",\"version\":1,\"pos\":[1,4,0],"
	  "\"time\":0,\"flags\":0,\"columns\":[],\"key\":[0]}", "out of range" },
	{ "schema unknown flags",
	  "{\"kind\":\"schema\",\"db\":\"d\",\"table\":\"t\",\"version\":1,\"pos\":[1,4,0],"
	  "\"time\":0,\"flags\":8,\"columns\":[],\"key\":[]}", "unknown flags" },
	{ "trailing bytes", "{\"kind\":\"trailer\",\"count\":1}x", "column 29: trailing" },
	{ "two objects", "{\"kind\":\"trailer\",\"count\":1} {}", "trailing" },
	{ "trailing comma", "{\"kind\":\"trailer\",\"count\":1,}", "expected a key string, got '}'" },
	{ "bad escape", ROW0 "[\"a\\x\"]}", "bad escape" },
	{ "bad \\u escape", ROW0 "[\"a\\u12g4\"]}", "bad \\u escape" },
	{ "lone high surrogate", ROW0 "[\"\\ud83d\"]}", "lone surrogate" },
	{ "lone low surrogate", ROW0 "[\"\\ude00\"]}", "lone surrogate" },
	{ "high surrogate then non-surrogate", ROW0 "[\"\\ud83d\\u0041\"]}", "lone surrogate" },
	{ "invalid UTF-8 in a string", ROW0 "[\"a\xff\"]}", "column 110: key 'after': value 1: invalid UTF-8" },
	{ "overlong UTF-8", ROW0 "[\"\xc0\xaf\"]}", "invalid UTF-8" },
	{ "UTF-8 surrogate", ROW0 "[\"\xed\xa0\x80\"]}", "invalid UTF-8" },
	{ "invalid UTF-8 outside strings", ROW0 "[1]\xc3\xa9}", "expected ',' or '}'" },
	{ "raw control character", ROW0 "[\"a\tb\"]}", "control character" },
	{ "unterminated string", ROW0 "[\"ab", "unterminated string" },
	{ "integer overflow beyond uint64", ROW0 "[18446744073709551616]}", "integer out of range" },
	{ "negative overflow beyond int64", ROW0 "[-9223372036854775809]}", "integer out of range" },
	{ "count overflow", "{\"kind\":\"trailer\",\"count\":99999999999999999999}",
	  "integer out of range" },
	{ "negative count", "{\"kind\":\"trailer\",\"count\":-1}", "non-negative" },
	{ "time beyond int64", "{\"kind\":\"ddl\",\"db\":\"\",\"table\":\"\",\"pos\":[1,2,3],"
	  "\"time\":9223372036854775808,\"sql\":\"x\"}", "integer out of range" },
	{ "count with fraction", "{\"kind\":\"trailer\",\"count\":1.0}", "fraction or exponent" },
	{ "f64 out of range", ROW0 "[1e400]}", "out of range" },
	{ "f32 out of range", ROW0 "[{\"f32\":1e39}]}", "f32 value out of range" },
	{ "leading zero", ROW0 "[01]}", "leading zero" },
	{ "bare minus", ROW0 "[-]}", "malformed number" },
	{ "dot without digits", ROW0 "[1.]}", "malformed number" },
	{ "exponent without digits", ROW0 "[1e+]}", "malformed number" },
	{ "plus sign", ROW0 "[+1]}", "expected a value" },
	{ "NaN literal", ROW0 "[NaN]}", "expected a value" },
	{ "too many values",  NULL, "too many values" },
	{ "bad base64 char", ROW0 "[{\"bin\":\"YW*j\"}]}", "malformed base64" },
	{ "bad base64 length", ROW0 "[{\"bin\":\"YWJ\"}]}", "malformed base64" },
	{ "bad base64 padding", ROW0 "[{\"bin\":\"Y===\"}]}", "malformed base64" },
	{ "base64 padding in the middle", ROW0 "[{\"bin\":\"YQ==YWJj\"}]}", "malformed base64" },
	{ "base64 non-canonical bits", ROW0 "[{\"bin\":\"YR==\"}]}", "malformed base64" },
	{ "bad strb", ROW0 "[{\"strb\":\"!!!!\"}]}", "malformed base64" },
	{ "malformed decimal", ROW0 "[{\"decimal\":\"1.2.3\"}]}", "malformed decimal" },
	{ "decimal with exponent", ROW0 "[{\"decimal\":\"1e5\"}]}", "malformed decimal" },
	{ "malformed date", ROW0 "[{\"date\":\"2024-13-01\"}]}", "malformed date" },
	{ "malformed datetime", ROW0 "[{\"datetime\":\"2024-01-01T00:00:00\"}]}",
	  "malformed datetime" },
	{ "malformed time", ROW0 "[{\"time\":\"839:00:00\"}]}", "malformed time" },
	{ "control characters in a message", ROW0 "[{\"date\":\"\\n2024-01-01\"}]}",
	  "malformed date value '?2024-01-01'" },
	{ "empty json", ROW0 "[{\"json\":\"\"}]}", "malformed json" },
	{ "bit too long", ROW0 "[{\"bit\":\"010203040506070809\"}]}", "malformed bit" },
	{ "bit uppercase hex", ROW0 "[{\"bit\":\"0A\"}]}", "malformed hex" },
	{ "bit odd hex", ROW0 "[{\"bit\":\"012\"}]}", "odd number" },
	{ "bit empty", ROW0 "[{\"bit\":\"\"}]}", "malformed bit" },
	{ "absent false", ROW0 "[{\"absent\":false}]}", "must be true" },
	{ "unknown value type", ROW0 "[{\"uuid\":\"x\"}]}", "unknown value type 'uuid'" },
	{ "value object with two keys", ROW0 "[{\"date\":\"2024-01-01\",\"x\":1}]}",
	  "has one key" },
	{ "empty value object", ROW0 "[{}]}", "empty value object" },
	{ "insert with before", "{\"kind\":\"row\",\"op\":\"insert\",\"db\":\"d\",\"table\":\"t\","
	  "\"version\":1,\"pos\":[1,2,3],\"time\":5,\"before\":[],\"after\":[]}",
	  "key 'before': op insert must not have a before image" },
	{ "delete with after", "{\"kind\":\"row\",\"op\":\"delete\",\"db\":\"d\",\"table\":\"t\","
	  "\"version\":1,\"pos\":[1,2,3],\"time\":5,\"before\":[],\"after\":[]}",
	  "op delete must not have an after image" },
	{ "unknown op", "{\"kind\":\"row\",\"op\":\"upsert\",\"db\":\"d\",\"table\":\"t\","
	  "\"version\":1,\"pos\":[1,2,3],\"time\":5,\"before\":null,\"after\":[]}",
	  "unknown op 'upsert'" },
	{ "unknown mark", "{\"kind\":\"mark\",\"mark\":\"x\",\"pos\":[1,2,3],\"time\":5,"
	  "\"db\":\"\",\"table\":\"\",\"label\":\"\"}", "unknown mark 'x'" },
	{ "pos with 2 numbers", "{\"kind\":\"ddl\",\"db\":\"\",\"table\":\"\",\"pos\":[1,2],"
	  "\"time\":5,\"sql\":\"x\"}", "expected 3 numbers" },
	{ "pos with 4 numbers", "{\"kind\":\"ddl\",\"db\":\"\",\"table\":\"\",\"pos\":[1,2,3,4],"
	  "\"time\":5,\"sql\":\"x\"}", "expected 3 numbers" },
	{ "unsupported version", "{\"mcr\":2,\"meta\":{}}", "unsupported format version 2" },
	{ "meta value not a string", "{\"mcr\":1,\"meta\":{\"a\":1}}", "expected string" },
	{ "header with kind", "{\"mcr\":1,\"meta\":{},\"kind\":\"row\"}", "unknown key 'kind'" },
	{ "misspelt literal", ROW0 "[nul]}", "malformed literal" },
	{ "missing colon", "{\"kind\" \"trailer\",\"count\":1}", "expected ':'" },
	{ "missing comma in array", ROW0 "[1 2]}", "expected ',' or ']'" },
	{ "nested value array", ROW0 "[[1]]}", "expected a value, got array" },
};

static void test_decode_errors(void)
{
	struct mc_rec r;
	struct mc_err err;
	struct mc_buf many = { 0 };

	buf_adds(&many, ROW0 "[");
	for (int i = 0; i <= MC_MAX_COLUMNS; i++)
		buf_adds(&many, i ? ",0" : "0");
	buf_adds(&many, "]}");

	for (size_t k = 0; k < sizeof bads / sizeof bads[0]; k++) {
		const char *line = bads[k].line ? bads[k].line : many.p;
		size_t n = bads[k].line ? strlen(line) : many.len;
		char d[160];
		int rc;

		memset(&err, 0, sizeof err);
		snprintf(d, sizeof d, "decode error: %s", bads[k].desc);
		rc = jsonl_decode(&jp, line, n, &r, &err);
		check(rc == -1 && strstr(err.msg, "column ") && strstr(err.msg, bads[k].want) &&
		      err.code == MC_EXIT_DATA, d, "rc %d, message '%s', want '%s'", rc, err.msg,
		      bads[k].want);
	}
	/* exactly MC_MAX_COLUMNS values is fine */
	many.len = 0;
	buf_adds(&many, ROW0 "[");
	for (int i = 0; i < MC_MAX_COLUMNS; i++)
		buf_adds(&many, i ? ",0" : "0");
	buf_adds(&many, "]}");
	memset(&err, 0, sizeof err);
	check(jsonl_decode(&jp, many.p, many.len, &r, &err) == 0 && r.nafter == MC_MAX_COLUMNS,
	      "decode: exactly MC_MAX_COLUMNS values", "%s", err.msg);
	buf_free(&many);
}

/* Lines the encoder would not write but a reader accepts. */
static void test_decode_lenient(void)
{
	static const struct {
		const char *desc, *line, *canon;
	} cases[] = {
		{ "any key order, whitespace", " { \"count\" : 3 ,\t\"kind\" : \"trailer\" } \r",
		  "{\"kind\":\"trailer\",\"count\":3}" },
		{ "escaped key and value", "{\"k\\u0069nd\":\"tr\\u0061iler\",\"count\":3}",
		  "{\"kind\":\"trailer\",\"count\":3}" },
		{ "escapes and surrogate pair", ROW0 "[\"\\/\\ud83d\\ude00\\u00E9\"]}",
		  ROW0 "[\"/\xf0\x9f\x98\x80\xc3\xa9\"]}" },
		{ "f64 with exponent, not shortest", ROW0 "[1E2,0.10000000000000000001,-0e0]}",
		  ROW0 "[100.0,0.1,-0.0]}" },
		{ "f32 written long", ROW0 "[{\"f32\":0.100000001490116119384765625}]}",
		  ROW0 "[{\"f32\":0.1}]}" },
		{ "integer -0", ROW0 "[-0]}", ROW0 "[0]}" },
		{ "strb of valid UTF-8", ROW0 "[{\"strb\":\"YWI=\"}]}", ROW0 "[\"ab\"]}" },
		{ "value object with spaces", ROW0 "[ { \"date\" : \"2024-01-01\" } ]}",
		  ROW0 "[{\"date\":\"2024-01-01\"}]}" },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct mc_rec r;
		struct mc_err err = { 0 };
		struct mc_buf b = { 0 };
		char d[160];
		int ok;

		snprintf(d, sizeof d, "decode accepts: %s", cases[k].desc);
		ok = jsonl_decode(&jp, cases[k].line, strlen(cases[k].line), &r, &err) == 0 &&
		     jsonl_encode(&b, &r, &err) == 0;
		check(ok && b.len == strlen(cases[k].canon) + 1 &&
		      memcmp(b.p, cases[k].canon, b.len - 1) == 0, d, "%s; got '%.*s'",
		      ok ? "wrong re-encoding" : err.msg, (int)b.len, b.p ? b.p : "");
		buf_free(&b);
	}
}

/* Every proper prefix of a line is an error; the whole line decodes. */
static void test_prefixes(void)
{
	static const char bin[] = { 0, 1, 2, (char)0xff };
	struct mc_val v[8] = {
		vint(-12), vs(MC_V_STR, "a\"\xc3\xa9\n\xf0\x9f\x98\x80"), vf64(0.5), vf32(0.25f),
		vtext(MC_V_BIN, bin, sizeof bin), vs(MC_V_DECIMAL, "-1.50"), vabsent(), vnull(),
	};
	struct mc_rec r = row(MC_OP_UPDATE, v, 8, v, 8), r2;
	struct mc_buf line = { 0 };
	struct mc_err err = { 0 };
	size_t bad = SIZE_MAX;
	char *copy;

	if (jsonl_encode(&line, &r, &err) < 0) {
		check(0, "decode every prefix", "encode: %s", err.msg);
		return;
	}
	line.len--;
	/* feed each prefix in its own allocation so ASan sees any overread */
	for (size_t n = 0; n <= line.len && bad == SIZE_MAX; n++) {
		int rc;
		copy = malloc(n ? n : 1);
		if (!copy)
			abort();
		memcpy(copy, line.p, n);
		rc = jsonl_decode(&jp, copy, n, &r2, &err);
		if ((n < line.len && (rc != -1 || !strstr(err.msg, "column "))) ||
		    (n == line.len && rc != 0))
			bad = n;
		free(copy);
	}
	check(bad == SIZE_MAX, "decode every prefix of a row line", "cut at %zu: %s", bad,
	      err.msg);
	buf_free(&line);
}

static void test_b64(void)
{
	static const struct {
		const char *raw, *enc;
	} v[] = { { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		  { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" } };
	static const char *const badv[] = { "Zg=", "Zg", "Z===", "=Zg=", "Zh==", "Zm9=", "Zm 9",
					    "Zg==Zg==", "Zm=v", "Zm9v\n", "Zm-_" };
	char out[64];
	size_t on, at;
	int good = 1;
	unsigned char all[256];

	for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
		size_t n = strlen(v[k].raw);
		on = b64_encode(out, v[k].raw, n);
		if (on != b64_enc_len(n) || on != strlen(v[k].enc) || memcmp(out, v[k].enc, on))
			good = 0;
		if (b64_decode(out, v[k].enc, strlen(v[k].enc), &on, &at) < 0 || on != n ||
		    memcmp(out, v[k].raw, n))
			good = 0;
	}
	check(good, "b64: RFC 4648 test vectors", "mismatch");
	good = 1;
	for (size_t k = 0; k < sizeof badv / sizeof badv[0]; k++)
		if (b64_decode(out, badv[k], strlen(badv[k]), &on, &at) == 0)
			good = 0;
	check(good, "b64: strict decoder rejects bad characters, padding, trailing bits",
	      "accepted");
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	good = 1;
	for (size_t n = 0; n <= 256; n++) {
		char enc[400];
		size_t m = b64_encode(enc, all, n);
		if (b64_decode(enc, enc, m, &on, &at) < 0 || on != n || memcmp(enc, all, n))
			good = 0;
	}
	check(good, "b64: in-place decode of every length 0..256", "mismatch");
}

int main(void)
{
	test_b64();
	test_records();
	test_values();
	test_encode_errors();
	test_decode_errors();
	test_decode_lenient();
	test_prefixes();
	jsonl_parser_free(&jp);
	return tap_done();
}
