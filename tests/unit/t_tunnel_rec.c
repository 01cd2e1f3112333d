/* t_tunnel_rec: the Tunnel record stream (common/odps/tunnel_rec.h).
 * The vectors A, "empty" and B are those of the Tunnel protocol notes,
 * Appendix A (A.1, A.2, A.3: bytes three independent writers agree on),
 * copied here as data. Then: round trips of every type and edge value
 * through encoder, compression and decoder, blocks cut by size, every
 * value the encoder refuses, and every reader-side check of the decoder
 * (the notes' §5.5 and the stricter ones of their §9), including that no
 * one-byte change of a vector decodes. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odps/tunnel_rec.h"

#define TAP_NAME "t_tunnel_rec"
#include "tap.h"

#define VI(x) ((struct trec_val){ .u.i = (x) })
#define VS(str) ((struct trec_val){ .u.s = { (str), sizeof(str) - 1 } })
#define VN ((struct trec_val){ .null = true })
#define VTS(s, n) ((struct trec_val){ .u.ts = { (s), (n) } })
#define VL(arr, cnt) ((struct trec_val){ .u.list = { (arr), (cnt) } })
#define VF(x) ((struct trec_val){ .u.f32 = (x) })
#define VD(x) ((struct trec_val){ .u.f64 = (x) })

/* Appendix A.1: id BIGINT, name STRING, ts DATETIME; 2 records. */
static const char HEX_A[] = "08021205616c69636518dcec8682996380c0ff7f8ccca5ac0e0803180180c0ff7f"
			    "94a0fe8406f0ffff7f04f8ffff7fb2d6bcfa0f";
/* Appendix A.2: id BIGINT, no records. */
static const char HEX_EMPTY[] = "f0ffff7f00f8ffff7f00";
/* Appendix A.3: every scalar type, ARRAY, MAP, STRUCT; 3 records. */
static const char HEX_B[] =
	"08ff0110d80418dfc5082082808080808080202d0000c03f3100000000000002c03801420668c3a96c6c6f4a02"
	"00ff520531322e3330588cb50260dcec868299636acaf49bd90caab4de75720261627a0378797a820103000201"
	"00018a010200016e00016b0201000e9201000a0180c0ff7fb7e1ef1880c0ff7f0008001000180020002d000000"
	"00310000000000000000380042004a0052052d302e3031580160006a020072007a008201008a01000092010100"
	"0080c0ff7f8ebebc920df0ffff7f06f8ffff7f96e6c69808";

static size_t unhex(const char *h, unsigned char *out)
{
	size_t n = strlen(h) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
	return n;
}

static void tohex(const void *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", ((const unsigned char *)p)[i]);
	out[2 * n] = 0;
}

static void schema(struct trec_schema *s, const char *const *spec)
{
	struct mc_err err = { 0 };
	memset(s, 0, sizeof *s);
	for (; spec[0]; spec += 2)
		if (trec_schema_add(s, spec[0], strlen(spec[0]), spec[1], strlen(spec[1]), &err) < 0)
			tap_fail("schema", "%s %s: %s", spec[0], spec[1], err.msg);
}

static const char *const SA[] = { "id", "bigint", "name", "string", "ts", "datetime", NULL };
static const char *const SEMPTY[] = { "id", "BIGINT", NULL };
static const char *const SB[] = {
	"c_tinyint", "tinyint", "c_smallint", "smallint", "c_int", "int", "c_bigint", "bigint",
	"c_float", "float", "c_double", "double", "c_boolean", "boolean", "c_string", "string",
	"c_binary", "binary", "c_decimal", "decimal(10,2)", "c_date", "date", "c_datetime",
	"datetime", "c_timestamp", "timestamp", "c_char", "char(4)", "c_varchar", "varchar(10)",
	"c_array", "array<bigint>", "c_map", "map<string,bigint>", "c_struct",
	"struct<a:bigint,b:string>", NULL
};

/* ---- values of the vectors ---- */

static struct trec_val A[2][3];
static struct trec_val B[3][18];
static struct trec_val b_arr[3], b_map[4], b_st[2], b_st3[2];

static void vectors(void)
{
	A[0][0] = VI(1);
	A[0][1] = VS("alice");
	A[0][2] = VI(1704164645678);
	A[1][0] = VI(-2);
	A[1][1] = VN;
	A[1][2] = VI(-1);

	b_arr[0] = VI(1), b_arr[1] = VN, b_arr[2] = VI(-1);
	b_map[0] = VS("n"), b_map[1] = VS("k"), b_map[2] = VN, b_map[3] = VI(7);
	b_st[0] = VI(5), b_st[1] = VN;
	b_st3[0] = VN, b_st3[1] = VS("");
	struct trec_val r1[18] = { VI(-128), VI(300), VI(-70000), VI(9007199254740993),
				   VF(1.5f), VD(-2.25), VI(1), VS("h\xc3\xa9llo"), VS("\x00\xff"),
				   VS("12.30"), VI(19782), VI(1704164645678),
				   VTS(1704164645, 123456789), VS("ab"), VS("xyz"), VL(b_arr, 3),
				   VL(b_map, 2), VL(b_st, 2) };
	struct trec_val r3[18] = { VI(0), VI(0), VI(0), VI(0), VF(0.0f), VD(0.0), VI(0), VS(""),
				   VS(""), VS("-0.01"), VI(-1), VI(0), VTS(1, 0), VS(""), VS(""),
				   VL(NULL, 0), VL(NULL, 0), VL(b_st3, 2) };
	memcpy(B[0], r1, sizeof r1);
	for (int i = 0; i < 18; i++)
		B[1][i] = VN;
	memcpy(B[2], r3, sizeof r3);
}

/* ---- deep comparison ---- */

static int val_eq(const struct trec_type *t, const struct trec_val *a, const struct trec_val *b)
{
	if (a->null || b->null)
		return a->null == b->null;
	switch (t->kind) {
	case TREC_DOUBLE:
		return memcmp(&a->u.f64, &b->u.f64, 8) == 0;
	case TREC_FLOAT:
		return memcmp(&a->u.f32, &b->u.f32, 4) == 0;
	case TREC_STRING: case TREC_BINARY: case TREC_CHAR: case TREC_VARCHAR: case TREC_JSON:
	case TREC_DECIMAL:
		return a->u.s.n == b->u.s.n && (!a->u.s.n || memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0);
	case TREC_TIMESTAMP: case TREC_TIMESTAMP_NTZ: case TREC_INTERVAL_DAY_TIME:
		return a->u.ts.sec == b->u.ts.sec && a->u.ts.nsec == b->u.ts.nsec;
	case TREC_ARRAY: case TREC_MAP: case TREC_STRUCT: {
		size_t n = a->u.list.n;
		if (n != b->u.list.n)
			return 0;
		for (size_t i = 0; i < (t->kind == TREC_MAP ? 2 * n : n); i++) {
			const struct trec_type *et = t->kind == TREC_STRUCT ? &t->sub[i]
						     : t->kind == TREC_MAP ? &t->sub[i >= n] : &t->sub[0];
			if (!val_eq(et, &a->u.list.v[i], &b->u.list.v[i]))
				return 0;
		}
		return 1;
	}
	default:
		return a->u.i == b->u.i;
	}
}

struct expect {
	const struct trec_schema *s;
	const struct trec_val *recs; /* nrecs x ncols */
	size_t ncols, nrecs;
	uint64_t base; /* records of the blocks before */
	uint64_t seen, bad;
};

static int on_rec(void *ctx, uint64_t recno, const struct trec_val *v, size_t ncols, struct mc_err *err)
{
	struct expect *x = ctx;
	uint64_t k = x->base + recno - 1;
	(void)err;
	x->seen++;
	if (k >= x->nrecs || ncols != x->s->ncols) {
		x->bad++;
		return 0;
	}
	for (size_t i = 0; i < ncols; i++) {
		const struct trec_val *want = i < x->ncols ? &x->recs[k * x->ncols + i] : &VN;
		if (!val_eq(&x->s->cols[i].type, want, &v[i])) {
			if (!x->bad)
				printf("# record %llu column %zu differs\n", (unsigned long long)k + 1, i + 1);
			x->bad++;
		}
	}
	return 0;
}

/* Encode recs into one block of comp; the block in *out. */
static int encode(const struct trec_schema *s, const struct trec_val *recs, size_t ncols,
		  size_t nrecs, enum trec_comp comp, struct mc_buf *out, struct mc_err *err)
{
	struct trec_enc e;
	struct trec_enc_opts o = { .comp = comp };
	int rc = 0;
	if (trec_enc_init(&e, s, &o, err) < 0)
		return -1;
	for (size_t i = 0; i < nrecs && rc == 0; i++)
		rc = trec_enc_add(&e, recs + i * ncols, ncols, err);
	if (rc == 0)
		rc = trec_enc_finish(&e, out, NULL, err);
	trec_enc_free(&e);
	return rc;
}

static int decodes(const struct trec_schema *s, const void *p, size_t n, struct mc_err *err)
{
	struct trec_dec d;
	int rc;
	trec_dec_init(&d, s, 0);
	rc = trec_dec_run(&d, p, n, NULL, NULL, NULL, err);
	trec_dec_free(&d);
	return rc;
}

static void vector(const char *name, const char *const *spec, const char *hex,
		   const struct trec_val *recs, size_t ncols, size_t nrecs)
{
	struct trec_schema s;
	struct mc_buf out = { 0 }, raw = { 0 };
	struct mc_err err = { 0 };
	unsigned char want[256];
	char got[600], what[100];
	size_t n = unhex(hex, want);
	schema(&s, spec);

	for (int comp = TREC_RAW; comp <= TREC_ZSTD; comp++) {
		const char *cn = comp == TREC_RAW ? "raw" : trec_comp_name(comp);
		out.len = 0;
		if (encode(&s, recs, ncols, nrecs, comp, &out, &err) < 0) {
			tap_fail(name, "%s: %s", cn, err.msg);
			continue;
		}
		if (trec_uncompress(trec_comp_name(comp), out.p, out.len, 1 << 20, &raw, &err) < 0) {
			tap_fail(name, "%s: uncompress: %s", cn, err.msg);
			continue;
		}
		tohex(raw.p, raw.len, got);
		snprintf(what, sizeof what, "vector %s (%s): the %zu bytes of Appendix A", name, cn, n);
		tap_check(raw.len == n && memcmp(raw.p, want, n) == 0, what, "got %s", got);
		if (comp == TREC_DEFLATE)
			tap_check(out.len > 2 && (unsigned char)out.p[0] == 0x78 && (unsigned char)out.p[1] == 0x01,
				  "deflate is a zlib stream (78 01, level 1) as the SDKs send",
				  "starts %02x %02x", (unsigned char)out.p[0], (unsigned char)out.p[1]);
	}
	{
		struct trec_dec d;
		struct trec_block_info info;
		struct expect x = { &s, recs, ncols, nrecs, 0, 0, 0 };
		int rc;
		trec_dec_init(&d, &s, 0);
		rc = trec_dec_run(&d, want, n, on_rec, &x, &info, &err);
		snprintf(what, sizeof what, "vector %s decodes to its values", name);
		tap_check(rc == 0 && x.seen == nrecs && !x.bad && info.records == nrecs, what,
			  "rc %d (%s), %llu records, %llu differ", rc, rc ? err.msg : "",
			  (unsigned long long)x.seen, (unsigned long long)x.bad);
		trec_dec_free(&d);
	}
	{
		/* every one-byte change of the vector is refused */
		size_t accepted = 0;
		char first[80] = "";
		for (size_t i = 0; i < n; i++) {
			for (unsigned b = 0; b < 256; b++) {
				unsigned char m[256];
				if (b == want[i])
					continue;
				memcpy(m, want, n);
				m[i] = (unsigned char)b;
				if (decodes(&s, m, n, &err) == 0 && accepted++ == 0)
					snprintf(first, sizeof first, "offset %zu: %02x -> %02x", i, want[i], b);
			}
		}
		snprintf(what, sizeof what, "vector %s: each of its %zu one-byte changes is refused", name,
			 n * 255);
		tap_check(accepted == 0, what, "%zu accepted, the first %s", accepted, first);
		/* and every truncation */
		accepted = 0;
		for (size_t i = 0; i < n; i++)
			accepted += decodes(&s, want, i, &err) == 0;
		snprintf(what, sizeof what, "vector %s: each truncation is refused", name);
		tap_check(accepted == 0, what, "%zu accepted", accepted);
	}
	buf_free(&out);
	buf_free(&raw);
	trec_schema_free(&s);
}

/* ---- type texts ---- */

static void types(void)
{
	static const char *const ok[][2] = {
		{ "bigint", "BIGINT" },
		{ " Decimal ( 10 , 2 ) ", "DECIMAL(10,2)" },
		{ "decimal", "DECIMAL" },
		{ "decimal(5)", "DECIMAL(5,0)" },
		{ "varchar(65535)", "VARCHAR(65535)" },
		{ "char(1)", "CHAR(1)" },
		{ "timestamp_ntz", "TIMESTAMP_NTZ" },
		{ "interval_day_time", "INTERVAL_DAY_TIME" },
		{ "array<map<string, array<int>>>", "ARRAY<MAP<STRING,ARRAY<INT>>>" },
		{ "struct<a:bigint, `b c`:struct<x:json>>", "STRUCT<a:BIGINT,b c:STRUCT<x:JSON>>" },
	};
	static const char *const bad[] = { "", "bigin", "bigint(3)", "char", "char(0)", "char(256)",
					   "varchar(65536)", "decimal(39,1)", "decimal(5,6)",
					   "decimal(5", "array<>", "array<int,int>", "map<int>",
					   "struct<int>", "struct<a:int", "array<int>>", "int int",
					   "struct<a:>", "map<string,bigint" };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct trec_schema s = { 0 };
		struct mc_err err = { 0 };
		struct mc_buf b = { 0 };
		int rc = trec_schema_add(&s, "c", 1, ok[i][0], strlen(ok[i][0]), &err);
		if (rc == 0)
			trec_type_text(&s.cols[0].type, &b);
		tap_check(rc == 0 && b.len == strlen(ok[i][1]) && memcmp(b.p, ok[i][1], b.len) == 0,
			  ok[i][1], "rc %d %s, text '%.*s'", rc, err.msg, (int)b.len, b.p ? b.p : "");
		buf_free(&b);
		trec_schema_free(&s);
	}
	{
		size_t refused = 0;
		char first[1200] = "";
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			struct trec_schema s = { 0 };
			struct mc_err err = { 0 };
			if (trec_schema_add(&s, "col", 3, bad[i], strlen(bad[i]), &err) < 0 &&
			    strstr(err.msg, "column 'col'"))
				refused++;
			else if (!*first)
				snprintf(first, sizeof first, "'%s' (%s)", bad[i], err.msg);
			trec_schema_free(&s);
		}
		tap_check(refused == sizeof bad / sizeof bad[0], "malformed type texts are refused, naming the column",
			  "not refused: %s", first);
	}
	{
		/* nested past TREC_MAX_DEPTH */
		char t[400] = "";
		struct trec_schema s = { 0 };
		struct mc_err err = { 0 };
		for (int i = 0; i < 40; i++)
			strcat(t, "array<");
		strcat(t, "int");
		for (int i = 0; i < 40; i++)
			strcat(t, ">");
		tap_check(trec_schema_add(&s, "c", 1, t, strlen(t), &err) < 0 && strstr(err.msg, "deep"),
			  "a type nested 40 deep is refused", "%s", err.msg);
		trec_schema_free(&s);
	}
}

/* ---- round trips of every type and edge value ---- */

static const char *const SALL[] = {
	"b", "bigint", "i", "int", "s", "smallint", "t", "tinyint", "bo", "boolean", "d", "double",
	"f", "float", "st", "string", "bi", "binary", "c", "char(3)", "vc", "varchar(5)", "j", "json",
	"dec", "decimal(38,18)", "dec0", "decimal", "dt", "datetime", "da", "date", "ts", "timestamp",
	"ntz", "timestamp_ntz", "idt", "interval_day_time", "iym", "interval_year_month",
	"arr", "array<array<string>>", "m", "map<bigint,struct<x:double,y:array<timestamp>>>",
	"stc", "struct<a:boolean,b:decimal(5,2),c:map<string,string>>", NULL
};
#define NALL 23
#define NREC 6

static char big[9u << 20];
static struct trec_val all[NREC][NALL];
static struct trec_val in_arr[3], in_arr2[2], in_m[4], in_m1[2], in_mst[2][2], in_ts[3], in_stc[3], in_stcm[4];

static void all_values(void)
{
	memset(big, 'x', sizeof big);
	for (size_t i = 0; i < sizeof big; i += 4099)
		big[i] = (char)i;
	in_arr2[0] = VS("\0nul");
	in_arr2[1] = VN;
	in_arr[0] = VL(in_arr2, 2);
	in_arr[1] = VN;
	in_arr[2] = VL(NULL, 0);
	in_ts[0] = VTS(-1, 999999999);
	in_ts[1] = VN;
	in_ts[2] = VTS(INT64_MAX, 0);
	in_mst[0][0] = VD(-0.0);
	in_mst[0][1] = VL(in_ts, 3);
	in_mst[1][0] = VN;
	in_mst[1][1] = VN;
	in_m[0] = VI(INT64_MIN);
	in_m[1] = VI(INT64_MAX);
	in_m[2] = VL(in_mst[0], 2);
	in_m[3] = VL(in_mst[1], 2);
	in_m1[0] = VI(3);
	in_m1[1] = VN;
	in_stcm[0] = VS("k");
	in_stcm[1] = VS("");
	in_stcm[2] = VS("v");
	in_stcm[3] = VN;
	in_stc[0] = VI(1);
	in_stc[1] = VS("-999.99");
	in_stc[2] = VL(in_stcm, 2);

	struct trec_val lo[NALL] = {
		VI(INT64_MIN), VI(INT32_MIN), VI(INT16_MIN), VI(INT8_MIN), VI(0), VD(-DBL_MAX),
		VF(-FLT_MAX), VS("\0"), VS("\x80\x00\xff"), VS("\xc3\xa9\xe2\x82\xac!"), VS(""), VS("[]"),
		VS("-99999999999999999999.999999999999999999"), VS("-123456789012345678901234567890.5"),
		VI(INT64_MIN), VI(INT64_MIN), VTS(INT64_MIN, 0), VTS(-1, 999999999), VTS(-86400, 1),
		VI(INT64_MIN), VL(in_arr, 3), VL(in_m, 2), VL(in_stc, 3)
	};
	struct trec_val hi[NALL] = {
		VI(INT64_MAX), VI(INT32_MAX), VI(INT16_MAX), VI(INT8_MAX), VI(1), VD(DBL_MAX),
		VF(FLT_MAX), VS("text"), VS(""), VS("abc"), VS("abcde"), VS("{\"a\":1}"),
		VS("99999999999999999999.999999999999999999"), VS("0"), VI(INT64_MAX), VI(INT64_MAX),
		VTS(INT64_MAX, 999999999), VTS(0, 0), VTS(INT64_MAX, 999999999), VI(INT64_MAX),
		VL(NULL, 0), VL(NULL, 0), VL(in_stc, 3)
	};
	struct trec_val odd[NALL] = {
		VI(-1), VI(-1), VI(-1), VI(-1), VI(0), VD(NAN), VF(INFINITY), VS(""), VS(""), VS(""),
		VS("\xe2\x82\xac\xe2\x82\xac"), VS("null"), VS("0.000000000000000001"), VS("-0"),
		VI(-1), VI(-719162), VTS(-62135596800, 0), VTS(253402300799, 999999999), VTS(0, 0),
		VI(-1), VL(in_arr2 + 1, 1), VL(in_m1, 1), VN
	};
	memcpy(all[0], lo, sizeof lo);
	memcpy(all[1], hi, sizeof hi);
	memcpy(all[2], odd, sizeof odd);
	for (int i = 0; i < NALL; i++)
		all[3][i] = VN;
	memcpy(all[4], hi, sizeof hi);
	all[4][7] = (struct trec_val){ .u.s = { big, TREC_MAX_FIELD } }; /* the largest field */
	all[4][8] = (struct trec_val){ .u.s = { big + 1, 1u << 20 } };
	memcpy(all[5], lo, sizeof lo);
	all[5][0] = VN; /* NULLs between values */
	all[5][11] = VN;
	all[5][NALL - 1] = VN;
}

static void roundtrip(void)
{
	struct trec_schema s;
	struct mc_buf out = { 0 }, raw = { 0 };
	schema(&s, SALL);
	all_values();
	for (int comp = TREC_RAW; comp <= TREC_ZSTD; comp++) {
		struct mc_err err = { 0 };
		struct trec_dec d;
		struct trec_block_info info = { 0 };
		struct expect x = { &s, &all[0][0], NALL, NREC, 0, 0, 0 };
		char what[120];
		int rc;
		snprintf(what, sizeof what, "every type and edge value round-trips (%s)",
			 comp ? trec_comp_name(comp) : "raw");
		out.len = 0;
		if (encode(&s, &all[0][0], NALL, NREC, comp, &out, &err) < 0 ||
		    trec_uncompress(trec_comp_name(comp), out.p, out.len, 64u << 20, &raw, &err) < 0) {
			tap_fail(what, "%s", err.msg);
			continue;
		}
		trec_dec_init(&d, &s, 0);
		rc = trec_dec_run(&d, raw.p, raw.len, on_rec, &x, &info, &err);
		tap_check(rc == 0 && x.seen == NREC && !x.bad && info.records == NREC, what,
			  "rc %d (%s), %llu records, %llu differ", rc, rc ? err.msg : "",
			  (unsigned long long)x.seen, (unsigned long long)x.bad);
		trec_dec_free(&d);
		/* a record shorter than the schema: the rest are NULL */
		if (comp == TREC_RAW) {
			struct trec_val two[2] = { VI(5), VI(6) };
			struct trec_val want[NALL];
			struct expect y = { &s, want, NALL, 1, 0, 0, 0 };
			for (int i = 0; i < NALL; i++)
				want[i] = i < 2 ? two[i] : VN;
			out.len = 0;
			rc = encode(&s, two, 2, 1, TREC_RAW, &out, &err);
			trec_dec_init(&d, &s, 0);
			if (rc == 0)
				rc = trec_dec_run(&d, out.p, out.len, on_rec, &y, NULL, &err);
			tap_check(rc == 0 && y.seen == 1 && !y.bad, "a short record's missing columns are NULL",
				  "rc %d %s", rc, err.msg);
			trec_dec_free(&d);
		}
	}
	buf_free(&out);
	buf_free(&raw);
	trec_schema_free(&s);
}

/* ---- blocks cut by size ---- */

static void blocks(void)
{
	static const char *const spec[] = { "id", "bigint", "s", "string", "ts", "timestamp", NULL };
	enum { N = 20000 };
	static struct trec_val recs[N][3];
	static char text[N][24];
	struct trec_schema s;
	schema(&s, spec);
	for (int i = 0; i < N; i++) {
		int len = snprintf(text[i], sizeof text[i], "row %d %x", i, i * 7919u);
		recs[i][0] = VI((int64_t)i * 1000003 - 5000000);
		recs[i][1] = (struct trec_val){ .u.s = { text[i], (size_t)len } };
		recs[i][2] = i % 7 ? VTS(1700000000 + i, i * 1000) : VN;
	}
	for (int comp = TREC_RAW; comp <= TREC_ZSTD; comp++) {
		struct trec_enc e;
		struct trec_enc_opts o = { .comp = comp, .block_size = 64u << 10 };
		struct mc_err err = { 0 };
		struct mc_buf blk = { 0 }, raw = { 0 };
		struct expect x = { &s, &recs[0][0], 3, N, 0, 0, 0 };
		uint64_t nblocks = 0, total = 0, rawmax = 0;
		int rc = trec_enc_init(&e, &s, &o, &err);
		char what[120];
		for (int i = 0; i < N && rc == 0; i++) {
			rc = trec_enc_add(&e, recs[i], 3, &err);
			if (rc == 0 && (trec_enc_full(&e) || i == N - 1)) {
				struct trec_block_info info, dinfo;
				struct trec_dec d;
				rc = trec_enc_finish(&e, &blk, &info, &err);
				if (rc == 0)
					rc = trec_uncompress(trec_comp_name(comp), blk.p, blk.len, 1u << 20, &raw, &err);
				if (rc == 0 && raw.len != info.raw_bytes)
					rc = -1, snprintf(err.msg, sizeof err.msg, "raw %zu, info %llu", raw.len,
							  (unsigned long long)info.raw_bytes);
				trec_dec_init(&d, &s, 0);
				if (rc == 0)
					rc = trec_dec_run(&d, raw.p, raw.len, on_rec, &x, &dinfo, &err);
				trec_dec_free(&d);
				if (rc == 0 && (dinfo.records != info.records || dinfo.crc != info.crc))
					rc = -1, snprintf(err.msg, sizeof err.msg, "block info differs");
				x.base += info.records;
				total += info.records;
				rawmax = info.raw_bytes > rawmax ? info.raw_bytes : rawmax;
				nblocks++;
			}
		}
		snprintf(what, sizeof what, "blocks cut by size (%s): every record once, in order",
			 comp ? trec_comp_name(comp) : "raw");
		tap_check(rc == 0 && total == N && x.seen == N && !x.bad && nblocks > 5 &&
				  rawmax < (64u << 10) + 100,
			  what, "rc %d %s, %llu blocks, %llu records, %llu differ, largest %llu",
			  rc, err.msg, (unsigned long long)nblocks, (unsigned long long)total,
			  (unsigned long long)x.bad, (unsigned long long)rawmax);
		trec_enc_free(&e);
		buf_free(&blk);
		buf_free(&raw);
	}
	trec_schema_free(&s);
}

/* ---- a block compressed apart (trec_zc: another thread's) ---- */

/* Blocks encoded raw and compressed by trec_zc_block are the very bytes
 * the encoder of that compression gives: blocks under, around and over
 * the encoder's 128 KiB hand-over, at levels 1 and 3. */
static void zc_blocks(void)
{
	static const char *const spec[] = { "id", "bigint", "s", "string", "d", "double", NULL };
	enum { N = 30000 };
	static struct trec_val recs[N][3];
	static char text[N][40];
	static const size_t sizes[] = { 20u << 10, (128u << 10) - 30, (128u << 10) + 1, 1u << 20 };
	struct trec_schema s;
	schema(&s, spec);
	for (int i = 0; i < N; i++) {
		int len = snprintf(text[i], sizeof text[i], "text %d %x %s", i, i * 2654435761u,
				   i % 3 ? "abcabcabc" : "zq");
		recs[i][0] = VI((int64_t)i * 7 - 100);
		recs[i][1] = (struct trec_val){ .u.s = { text[i], (size_t)len } };
		recs[i][2] = (struct trec_val){ .u.f64 = i * 0.25 };
	}
	for (int comp = TREC_DEFLATE; comp <= TREC_ZSTD; comp++)
		for (int level = 1; level <= 3; level += 2)
			for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
				struct trec_enc_opts o = { .comp = comp, .level = level, .block_size = sizes[k],
							    .threads = 3 };
				struct trec_enc_opts ro = { .comp = TREC_RAW, .block_size = sizes[k] };
				struct trec_enc e, r;
				struct trec_zc z;
				struct mc_err err = { 0 };
				struct mc_buf blk = { 0 }, raw = { 0 }, zb = { 0 };
				size_t nblocks = 0, differ = 0;
				char what[120];
				int rc = trec_enc_init(&e, &s, &o, &err);
				if (rc == 0)
					rc = trec_enc_init(&r, &s, &ro, &err);
				if (rc == 0)
					rc = trec_zc_init(&z, comp, level, &err);
				for (int i = 0; i < N && rc == 0; i++) {
					rc = trec_enc_add(&e, recs[i], 3, &err);
					if (rc == 0)
						rc = trec_enc_add(&r, recs[i], 3, &err);
					if (rc == 0 && (trec_enc_full(&r) || i == N - 1)) {
						size_t head = trec_enc_staged(&r);
						rc = trec_enc_finish(&e, &blk, NULL, &err);
						if (rc == 0)
							rc = trec_enc_finish(&r, &raw, NULL, &err);
						if (rc == 0)
							rc = trec_zc_block(&z, raw.p, raw.len, head, &zb, &err);
						differ += rc == 0 && (zb.len != blk.len || memcmp(zb.p, blk.p, blk.len));
						nblocks++;
					}
				}
				snprintf(what, sizeof what, "%s level %d, blocks of %zu: compressed apart, "
					 "the same bytes", trec_comp_name(comp), level, sizes[k]);
				tap_check(rc == 0 && nblocks > 1 && differ == 0, what,
					  "rc %d %s, %zu blocks, %zu differ", rc, err.msg, nblocks, differ);
				trec_enc_free(&e);
				trec_enc_free(&r);
				trec_zc_free(&z);
				buf_free(&blk);
				buf_free(&raw);
				buf_free(&zb);
			}
	trec_schema_free(&s);
}

/* ---- what the encoder refuses ---- */

static void refusals(void)
{
	static const char *const spec[] = {
		"i", "int", "s", "smallint", "t", "tinyint", "bo", "boolean", "c", "char(2)",
		"vc", "varchar(3)", "dec", "decimal(5,2)", "d0", "decimal", "ts", "timestamp",
		"st", "struct<a:int,b:int>", "arr", "array<tinyint>", "str", "string", NULL
	};
	static const struct {
		int col;
		struct trec_val v;
		const char *why;
	} cases[] = {
		{ 0, VI(2147483648), "outside INT" },
		{ 0, VI(-2147483649), "outside INT" },
		{ 1, VI(32768), "outside SMALLINT" },
		{ 2, VI(-129), "outside TINYINT" },
		{ 3, VI(2), "outside BOOLEAN" },
		{ 4, VS("abc"), "over the 2 of CHAR(2)" },
		{ 5, VS("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), "over the 3 of VARCHAR(3)" },
		{ 6, VS("1000.00"), "does not fit DECIMAL(5,2)" },
		{ 6, VS("1.001"), "does not fit DECIMAL(5,2)" },
		{ 6, VS("1e2"), "not plain decimal text" },
		{ 7, VS("1."), "not plain decimal text" },
		{ 7, VS(".5"), "not plain decimal text" },
		{ 7, VS("+1"), "not plain decimal text" },
		{ 7, VS(""), "not plain decimal text" },
		{ 7, VS("-"), "not plain decimal text" },
		{ 7, VS("1.5 "), "not plain decimal text" },
		{ 8, VTS(0, -1), "nanoseconds -1 outside" },
		{ 8, VTS(0, 1000000000), "nanoseconds 1000000000 outside" },
		{ 9, VL(NULL, 1), "1 struct fields, the type has 2" },
		{ 10, VL(NULL, 3), "3 elements and no array" },
		{ 11, VS(""), "over the largest field" }, /* set below: max_field + 1 bytes */
	};
	static const char *const colname[] = { "i", "s", "t", "bo", "c", "vc", "dec", "d0", "ts",
					       "st", "arr", "str" };
	struct trec_schema s;
	schema(&s, spec);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct trec_enc e;
		struct trec_enc_opts o = { .max_field = 10 };
		struct mc_err err = { 0 };
		struct trec_val v[12], big11 = VS("01234567890");
		struct mc_buf blk = { 0 };
		char what[160], name[40];
		int rc;
		for (int i = 0; i < 12; i++)
			v[i] = VN;
		v[cases[k].col] = cases[k].col == 11 ? big11 : cases[k].v;
		trec_enc_init(&e, &s, &o, &err);
		/* a good record, the bad one, a good one: the bad one leaves no trace */
		trec_enc_add(&e, (struct trec_val[]){ VI(7) }, 1, &err);
		rc = trec_enc_add(&e, v, 12, &err);
		snprintf(name, sizeof name, "column %d '%s'", cases[k].col + 1, colname[cases[k].col]);
		snprintf(what, sizeof what, "the encoder refuses %s: %s", name, cases[k].why);
		tap_check(rc < 0 && err.code == MC_EXIT_DATA && strstr(err.msg, cases[k].why) &&
				  strstr(err.msg, name),
			  what, "rc %d: %s", rc, err.msg);
		trec_enc_add(&e, (struct trec_val[]){ VI(8) }, 1, &err);
		trec_enc_finish(&e, &blk, NULL, &err);
		{
			struct trec_val want[2][12];
			struct expect x = { &s, &want[0][0], 12, 2, 0, 0, 0 };
			struct trec_dec d;
			for (int i = 0; i < 12; i++)
				want[0][i] = want[1][i] = VN;
			want[0][0] = VI(7);
			want[1][0] = VI(8);
			trec_dec_init(&d, &s, 10);
			rc = trec_dec_run(&d, blk.p, blk.len, on_rec, &x, NULL, &err);
			snprintf(what, sizeof what, "after refusing %s: %s, the block holds the other records only",
				 name, cases[k].why);
			tap_check(rc == 0 && x.seen == 2 && !x.bad, what, "rc %d %s", rc, err.msg);
			trec_dec_free(&d);
		}
		buf_free(&blk);
		trec_enc_free(&e);
	}
	{
		struct trec_enc e;
		struct mc_err err = { 0 };
		struct trec_val v[13] = { VN };
		trec_enc_init(&e, &s, NULL, &err);
		tap_check(trec_enc_add(&e, v, 13, &err) < 0 && strstr(err.msg, "13 values for 12 columns"),
			  "the encoder refuses more values than columns", "%s", err.msg);
		trec_enc_free(&e);
	}
	trec_schema_free(&s);
}

/* ---- what the decoder refuses: each reader-side check ---- */

static void violations(void)
{
	static const char *const spec[] = {
		"id", "bigint", "name", "string", "ts", "datetime", "bo", "boolean", "i", "int",
		"t", "timestamp", "arr", "array<bigint>", "m", "map<string,bigint>", "dec", "decimal(4,1)",
		"c", "char(2)", NULL
	};
	/* Each stream: a record body (before the end marker, hex) whose CRC
	 * the test computes right unless the case is about the CRC, or a
	 * whole stream (full). */
	static const struct {
		const char *what, *hex, *why;
		int full;
	} cases[] = {
		{ "a field number above the columns", "5802", "field number 11, the schema has 10", 0 },
		{ "field number 0", "0002", "field number 0", 0 },
		{ "a wire type other than the column's", "0a0161", "wire type length-delimited", 0 },
		{ "a STRING with wire type varint", "1000", "wire type varint", 0 },
		{ "a repeated field", "08020804", "field 1 after field 1", 0 },
		{ "fields out of order", "120161 0802", "field 1 after field 2", 0 },
		{ "a non-minimal varint value", "088200", "not in its shortest form", 0 },
		{ "a non-minimal tag", "880002", "not in its shortest form", 0 },
		{ "a varint over 64 bits", "08ffffffffffffffffff7f", "over 64 bits", 0 },
		{ "a varint of 11 bytes", "0880808080808080808080 00", "over 64 bits", 0 },
		{ "a BOOLEAN 2", "2002", "BOOLEAN 2, not 0 or 1", 0 },
		{ "an INT out of its range", "2880808080 10", "outside INT", 0 },
		{ "nanoseconds past 999999999", "3200 80a8d6b907", "nanoseconds outside", 0 },
		{ "negative nanoseconds", "3200 01", "nanoseconds outside", 0 },
		{ "a null flag 2", "3a 01 02", "null flag 2, not 0 or 1", 0 },
		{ "an element count past the end", "3a 7f 0002", "more than the bytes left", 0 },
		{ "a map of more values than keys", "42 01 00 0161 02 0002 0004", "1 keys and 2 values", 0 },
		{ "a DECIMAL with an exponent", "4a 03 316532", "not plain decimal text", 0 },
		{ "a DECIMAL past its precision", "4a 06 313233342e35", "does not fit DECIMAL(4,1)", 0 },
		{ "a CHAR over its length", "52 03 616263", "over the 2 of CHAR(2)", 0 },
		{ "a length past the end", "12 7f 61", "runs past the end", 0 },
		{ "a record CRC that does not match", "0802 80c0ff7f 00 f0ffff7f02f8ffff7f00",
		  "record checksum 0, the record's is", 1 },
		{ "the end marker with another wire type", "0802 82c0ff7f", "end of record with wire type", 1 },
		{ "no footer", "", "ends without its footer", 1 },
		{ "a footer without its checksum", "f0ffff7f00", "ends without its checksum", 1 },
		{ "a checksum without the count", "f8ffff7f00", "field number 33554431", 1 },
		{ "a wrong record count", "f0ffff7f02f8ffff7f00", "the footer counts 1 records, the stream holds 0", 1 },
		{ "a negative record count", "f0ffff7f01f8ffff7f00", "counts -1 records", 1 },
		{ "a wrong stream CRC", "f0ffff7f00f8ffff7f01", "stream checksum 0x1, the records' is 0", 1 },
		{ "bytes after the footer", "f0ffff7f00f8ffff7f0000", "1 bytes after the footer", 1 },
		{ "the footer inside a record", "0802 f0ffff7f00f8ffff7f00", "the footer inside a record", 1 },
		{ "a count tag with another wire type", "f2ffff7f00", "record count with wire type", 1 },
		{ "a record after the footer's count", "f0ffff7f00 0802", "where the stream checksum belongs", 1 },
		{ "a field over MaxFieldSize", "12 0b 3031323334353637383930", "over the largest field of 10 bytes", 0 },
	};
	struct trec_schema s;
	schema(&s, spec);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		unsigned char body[128], m[256];
		char hex[256], *q = hex, what[160];
		size_t n, bn;
		struct trec_dec d;
		struct mc_err err = { 0 };
		int rc;
		for (const char *p = cases[k].hex; *p; p++)
			if (*p != ' ')
				*q++ = *p;
		*q = 0;
		bn = unhex(hex, body);
		if (cases[k].full) {
			memcpy(m, body, bn);
			n = bn;
		} else {
			/* body, the end marker with the CRC of whatever the body
			 * holds (as the encoder would compute it), the footer */
			struct trec_enc e;
			struct mc_buf blk = { 0 };
			trec_enc_init(&e, &s, NULL, &err);
			trec_enc_add(&e, NULL, 0, &err);
			trec_enc_finish(&e, &blk, NULL, &err);
			/* an empty record is 80c0ff7f 00 + footer with count 1 and
			 * the CRC of CRC 0; put the body before it: the decoder
			 * must fail on the body before it looks at the CRC */
			memcpy(m, body, bn);
			memcpy(m + bn, blk.p, blk.len);
			n = bn + blk.len;
			buf_free(&blk);
			trec_enc_free(&e);
		}
		trec_dec_init(&d, &s, 10);
		rc = trec_dec_run(&d, m, n, NULL, NULL, NULL, &err);
		trec_dec_free(&d);
		snprintf(what, sizeof what, "the decoder refuses %s", cases[k].what);
		tap_check(rc < 0 && err.code == MC_EXIT_DATA && strstr(err.msg, cases[k].why) &&
				  strncmp(err.msg, "record ", 7) == 0 && strstr(err.msg, "offset "),
			  what, "rc %d: %s", rc, err.msg);
	}
	trec_schema_free(&s);
}

/* ---- uncompression ---- */

static void uncompress_checks(void)
{
	unsigned char a[64];
	size_t n = unhex(HEX_A, a);
	struct trec_schema s;
	struct mc_buf z = { 0 }, zs = { 0 }, out = { 0 }, tmp = { 0 };
	struct mc_err err = { 0 };
	schema(&s, SA);
	encode(&s, &A[0][0], 3, 2, TREC_DEFLATE, &z, &err);
	encode(&s, &A[0][0], 3, 2, TREC_ZSTD, &zs, &err);
	tap_check(trec_uncompress("DEFLATE", z.p, z.len, n, &out, &err) == 0 && out.len == n &&
			  memcmp(out.p, a, n) == 0,
		  "deflate: a block of exactly the limit inflates (the name in any case)", "%s", err.msg);
	tap_check(trec_uncompress("deflate", z.p, z.len, n - 1, &out, &err) < 0 && strstr(err.msg, "past"),
		  "deflate: a block past the limit is refused", "%s", err.msg);
	tap_check(trec_uncompress("deflate", z.p, z.len - 1, 1000, &out, &err) < 0,
		  "deflate: a truncated zlib stream is refused", "%s", err.msg);
	buf_add(&tmp, z.p, z.len);
	buf_addc(&tmp, 0);
	tap_check(trec_uncompress("deflate", tmp.p, tmp.len, 1000, &out, &err) < 0 &&
			  strstr(err.msg, "1 bytes after the zlib stream"),
		  "deflate: bytes after the zlib stream are refused", "%s", err.msg);
	tmp.len = 0;
	buf_add(&tmp, z.p, z.len);
	tmp.p[tmp.len - 1] ^= 1; /* the Adler-32 */
	tap_check(trec_uncompress("deflate", tmp.p, tmp.len, 1000, &out, &err) < 0,
		  "deflate: a bad Adler-32 is refused", "%s", err.msg);
	tap_check(trec_uncompress("deflate", z.p + 2, z.len - 2, 1000, &out, &err) < 0,
		  "deflate: raw deflate without the zlib header is refused", "%s", err.msg);
	tap_check(trec_uncompress("zstd", zs.p, zs.len, n, &out, &err) == 0 && out.len == n &&
			  memcmp(out.p, a, n) == 0,
		  "zstd: a block uncompresses", "%s", err.msg);
	tap_check(trec_uncompress("zstd", zs.p, zs.len, n - 1, &out, &err) < 0 && strstr(err.msg, "past"),
		  "zstd: a block past the limit is refused", "%s", err.msg);
	tap_check(trec_uncompress("zstd", zs.p, zs.len - 1, 1000, &out, &err) < 0,
		  "zstd: a truncated frame is refused", "%s", err.msg);
	tap_check(trec_uncompress("zstd", zs.p, 0, 1000, &out, &err) < 0,
		  "zstd: an empty body is refused", "%s", err.msg);
	tmp.len = 0;
	buf_add(&tmp, zs.p, zs.len);
	buf_addc(&tmp, 0x28);
	tap_check(trec_uncompress("zstd", tmp.p, tmp.len, 1000, &out, &err) < 0,
		  "zstd: bytes after the frame are refused", "%s", err.msg);
	tap_check(trec_uncompress("x-snappy-framed", z.p, z.len, 1000, &out, &err) < 0 &&
			  strstr(err.msg, "not supported"),
		  "an encoding other than deflate and zstd is refused", "%s", err.msg);
	tap_check(trec_uncompress(NULL, a, n, n - 1, &out, &err) < 0,
		  "an uncompressed block past the limit is refused", "%s", err.msg);
	buf_free(&z);
	buf_free(&zs);
	buf_free(&out);
	buf_free(&tmp);
	trec_schema_free(&s);
}


int main(void)
{
	vectors();
	vector("A", SA, HEX_A, &A[0][0], 3, 2);
	vector("empty", SEMPTY, HEX_EMPTY, NULL, 0, 0);
	vector("B", SB, HEX_B, &B[0][0], 18, 3);
	types();
	roundtrip();
	blocks();
	zc_blocks();
	refusals();
	violations();
	uncompress_checks();
	return tap_done();
}
