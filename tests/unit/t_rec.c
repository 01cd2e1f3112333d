/* t_rec: unit tests of the record codec (common/rec.c, common/mpread.c). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "../corpus.h"
#include "stream/mpread.h"
#include "base/num.h"
#include "stream/crc32c.h"
#include "stream/rec.h"
#include "stream/recpack.h"

#define TAP_NAME "t_rec"
#include "tap.h"


static void result(int good, const char *desc, const char *why)
{
	tap_check(good, desc, "%s", why);
}

/* ---- every record kind, every value kind ---- */

static struct mc_buf stream; /* the corpus, encoded */
static size_t rec_ends[64];
static size_t nrec;

static void encode_cb(const struct mc_rec *r, void *ctx)
{
	struct mc_err err = { 0 };
	(void)ctx;
	if (rec_encode(&stream, r, &err) < 0) {
		result(0, "corpus encodes", err.msg);
		return;
	}
	rec_ends[nrec++] = stream.len;
}

static void test_roundtrip(void)
{
	struct mc_scratch sc = { 0 };
	struct mc_buf again = { 0 };
	size_t at = 0, i;
	int good = 1, mp_ok = 1;
	char why[1400] = "";

	corpus_emit(encode_cb, NULL);
	result(nrec == 14, "corpus has 14 objects", "wrong count");
	for (i = 0; i < nrec && good; i++) {
		struct mc_rec r;
		struct mc_err err = { 0 };
		size_t used = 0;
		size_t len = rec_ends[i] - at;
		int rc = rec_decode(stream.p + at, len, at, &used, &r, &sc, &err);
		msgpack_unpacked u;
		size_t off = 0;

		if (rc != 1 || used != len) {
			snprintf(why, sizeof why, "record %zu: rc %d used %zu/%zu: %s", i + 1, rc, used,
				 len, err.msg);
			good = 0;
			break;
		}
		again.len = 0;
		if (rec_encode(&again, &r, &err) < 0 || again.len != len ||
		    memcmp(again.p, stream.p + at, len) != 0) {
			snprintf(why, sizeof why, "record %zu re-encodes differently", i + 1);
			good = 0;
		}
		/* msgpack-c must read our bytes as exactly one object. */
		msgpack_unpacked_init(&u);
		if (msgpack_unpack_next(&u, stream.p + at, len, &off) != MSGPACK_UNPACK_SUCCESS ||
		    off != len || u.data.type != MSGPACK_OBJECT_ARRAY)
			mp_ok = 0;
		msgpack_unpacked_destroy(&u);
		at = rec_ends[i];
	}
	result(good, "every record decodes and re-encodes to identical bytes", why);
	result(mp_ok, "msgpack-c reads every record as one array", "msgpack-c disagrees");
	rec_scratch_free(&sc);
	buf_free(&again);
}

/* Specific values read back as the same kind and value. */
static void test_values(void)
{
	struct mc_scratch sc = { 0 };
	struct mc_err err = { 0 };
	struct mc_rec r;
	size_t used;
	int good;

	/* object 3 is the snapshot row a1 */
	good = rec_decode(stream.p + rec_ends[1], rec_ends[2] - rec_ends[1], 0, &used, &r, &sc,
			  &err) == 1;
	good = good && r.kind == MC_R_ROW && r.op == MC_OP_SNAPSHOT && r.nafter == 14 && !r.before;
	result(good && r.after[0].kind == MC_V_UINT && r.after[0].v.u == UINT64_MAX,
	       "uint64 max stays exact", "wrong");
	result(good && r.after[1].kind == MC_V_INT && r.after[1].v.i == INT64_MIN,
	       "int64 min stays exact", "wrong");
	result(good && r.after[2].kind == MC_V_F32 && r.after[2].v.f32 == 0.1f,
	       "FLOAT stays a float32", "wrong");
	result(good && r.after[3].kind == MC_V_F64 && r.after[3].v.f64 == 0.1,
	       "DOUBLE stays a float64", "wrong");
	result(good && r.after[6].kind == MC_V_DECIMAL && r.after[6].v.s.n == 67,
	       "65-digit DECIMAL stays text", "wrong");
	result(good && r.after[7].kind == MC_V_DATE && memcmp(r.after[7].v.s.p, "0000-00-00", 10) == 0,
	       "zero date stays a zero date", "wrong");
	result(good && r.after[10].kind == MC_V_TIME && r.after[10].v.s.n == 17,
	       "negative TIME with microseconds", "wrong");
	result(good && r.after[11].kind == MC_V_BIT && r.after[11].v.s.n == 1 &&
		       r.after[11].v.s.p[0] == 4, "BIT keeps its bytes", "wrong");
	/* object 6: the update with absent columns */
	good = rec_decode(stream.p + rec_ends[4], rec_ends[5] - rec_ends[4], 0, &used, &r, &sc,
			  &err) == 1;
	result(good && r.before[1].kind == MC_V_ABSENT && r.before[0].kind == MC_V_INT &&
		       signbit(r.before[3].v.f64), "absent is not NULL; -0.0 keeps its sign", "wrong");
	rec_scratch_free(&sc);
}

/* Fed one byte at a time, each record is "need more" until whole, and the
 * bytes asked for never exceed the record. */
static void test_bytewise(void)
{
	struct mc_scratch sc = { 0 };
	size_t at = 0;
	int good = 1;
	char why[1600] = "";

	for (size_t i = 0; i < nrec && good; i++) {
		size_t len = rec_ends[i] - at;
		for (size_t n = 0; n <= len && good; n++) {
			struct mc_rec r;
			struct mc_err err = { 0 };
			size_t used = 0;
			int rc = rec_decode(stream.p + at, n, at, &used, &r, &sc, &err);
			if (n < len && (rc != 0 || used <= n || used > len)) {
				snprintf(why, sizeof why, "record %zu cut at %zu: rc %d need %zu: %s",
					 i + 1, n, rc, used, err.msg);
				good = 0;
			} else if (n == len && (rc != 1 || used != len)) {
				snprintf(why, sizeof why, "record %zu whole: rc %d", i + 1, rc);
				good = 0;
			}
		}
		at = rec_ends[i];
	}
	result(good, "input fed one byte at a time: truncated until whole", why);
	rec_scratch_free(&sc);
}

/* ---- errors ---- */

static int unhex(const char *h, unsigned char *out)
{
	int n = 0;
	while (h[0] && h[1]) {
		unsigned v;
		if (h[0] == ' ') {
			h++;
			continue;
		}
		sscanf(h, "%2x", &v);
		out[n++] = (unsigned char)v;
		h += 2;
	}
	return n;
}

static void expect_error(const char *hex, const char *want, const char *desc)
{
	unsigned char in[256];
	struct mc_scratch sc = { 0 };
	struct mc_err err = { 0 };
	struct mc_rec r;
	size_t used = 0;
	int n = unhex(hex, in);
	int rc = rec_decode((const char *)in, (size_t)n, 100, &used, &r, &sc, &err);
	char why[1400];

	snprintf(why, sizeof why, "rc %d, message '%s', wanted '%s'", rc, err.msg, want);
	result(rc == -1 && strstr(err.msg, want) && strstr(err.msg, "offset 1"), desc, why);
	rec_scratch_free(&sc);
}

/* A ddl record's optional 8th field, src_table (after effect): read,
 * written back byte for byte, absent from one without it; empty is an
 * error, and so is writing it without an effect. */
static void test_ddl_src_table(void)
{
	unsigned char in[64];
	struct mc_scratch sc = { 0 };
	struct mc_err err = { 0 };
	struct mc_buf out = { 0 };
	struct mc_rec r;
	size_t used = 0;
	int n = unhex("98 03 a1 64 a1 74 93 00 00 00 00 a1 73 03 a3 78 5f 79", in);
	int rc = rec_decode((const char *)in, (size_t)n, 0, &used, &r, &sc, &err);
	result(rc == 1 && r.effect == MC_DDL_DROP && r.src_table.n == 3 &&
		       memcmp(r.src_table.p, "x_y", 3) == 0,
	       "a ddl record's src_table is read", err.msg);
	result(rc == 1 && rec_encode(&out, &r, &err) == 0 && out.len == (size_t)n &&
		       memcmp(out.p, in, (size_t)n) == 0,
	       "... and written back byte for byte", err.msg);
	n = unhex("97 03 a1 64 a1 74 93 00 00 00 00 a1 73 03", in);
	rc = rec_decode((const char *)in, (size_t)n, 0, &used, &r, &sc, &err);
	result(rc == 1 && r.effect == MC_DDL_DROP && r.src_table.n == 0,
	       "a ddl record without it has none", err.msg);
	expect_error("98 03 a1 64 a1 74 93 00 00 00 00 a1 73 03 a0", "field 'src_table': empty",
		     "a ddl record's empty src_table");
	r.effect = MC_DDL_UNKNOWN;
	r.src_table = mc_str_c("x_y", 3);
	out.len = 0;
	result(rec_encode(&out, &r, &err) < 0 && strstr(err.msg, "src_table without effect"),
	       "a ddl record's src_table without effect is not written", err.msg);
	rec_scratch_free(&sc);
	buf_free(&out);
}

/* A schema record's optional 10th field, src_table: read, written back
 * byte for byte, absent from a record without it; empty is an error. */
static void test_src_table(void)
{
	unsigned char in[64];
	struct mc_scratch sc = { 0 };
	struct mc_err err = { 0 };
	struct mc_buf out = { 0 };
	struct mc_rec r;
	size_t used = 0;
	int n = unhex("9a 01 a1 64 a1 74 01 93 00 00 00 00 00 90 90 a3 78 5f 79", in);
	int rc = rec_decode((const char *)in, (size_t)n, 0, &used, &r, &sc, &err);
	result(rc == 1 && r.src_table.n == 3 && memcmp(r.src_table.p, "x_y", 3) == 0,
	       "a schema record's src_table is read", err.msg);
	result(rc == 1 && rec_encode(&out, &r, &err) == 0 && out.len == (size_t)n &&
		       memcmp(out.p, in, (size_t)n) == 0,
	       "... and written back byte for byte", err.msg);
	n = unhex("99 01 a1 64 a1 74 01 93 00 00 00 00 00 90 90", in);
	rc = rec_decode((const char *)in, (size_t)n, 0, &used, &r, &sc, &err);
	result(rc == 1 && r.src_table.n == 0, "a schema record without it has none", err.msg);
	expect_error("9a 01 a1 64 a1 74 01 93 00 00 00 00 00 90 90 a0", "field 'src_table': empty",
		     "an empty src_table");
	expect_error("9b 01 a1 64 a1 74 01 93 00 00 00 00 00 90 90 a1 73 a1 73",
		     "over the limit of 10", "a schema record of 11 fields");
	rec_scratch_free(&sc);
	buf_free(&out);
}

static void test_errors(void)
{
	/* header ["mcr", 2, {}] */
	expect_error("93 a3 6d6372 02 80", "unsupported format version 2", "unknown version");
	expect_error("93 a3 6d6378 01 80", "not a record stream header", "bad magic");
	expect_error("92 a3 6d6372 01", "header: expected 3 fields", "short header");
	/* row with op as a string */
	expect_error("99 02 a1 78 a1 64 a1 74 01 93 01 02 00 00 c0 91 01", "field 'op': expected integer, got str",
		     "wrong type names the field");
	expect_error("92 02 01", "missing field 'db'", "missing field");
	expect_error("94 05 00 00 00", "4 fields, expected 2 or 3", "extra field");
	expect_error("91 09", "unknown record kind 9", "unknown record kind");
	expect_error("90", "empty record", "empty record");
	expect_error("80", "expected array, got map", "record not an array");
	expect_error("c1", "expected array, got invalid byte 0xc1", "invalid msgpack byte");
	/* trailer with negative count */
	expect_error("92 05 ff", "negative value", "negative count");
	/* mark with unknown mark kind */
	expect_error("97 04 09 93 00 00 00 00 a0 a0 a0", "unknown mark kind 9", "unknown mark kind");
	/* row ["x"] images: insert with a before image */
	expect_error("99 02 01 a1 64 a1 74 01 93 01 02 00 00 91 01 91 01",
		     "op insert must not have a before image", "image does not fit the op");
	expect_error("99 02 02 a1 64 a1 74 01 93 01 02 00 00 c0 91 01",
		     "op update needs a before image", "missing before image");
	/* values */
	expect_error("99 02 01 a1 64 a1 74 01 93 01 02 00 00 c0 91 c7 05 01 312e322e33",
		     "malformed decimal value '1.2.3'", "malformed DECIMAL text");
	expect_error("99 02 01 a1 64 a1 74 01 93 01 02 00 00 c0 91 c7 0a 02 323032342d31332d3031",
		     "malformed date value '2024-13-01'", "month 13 is no DATE");
	expect_error("99 02 01 a1 64 a1 74 01 93 01 02 00 00 c0 91 c7 09 05 3833393a30303a3030",
		     "malformed time value '839:00:00'", "TIME beyond 838 hours");
	expect_error("99 02 01 a1 64 a1 74 01 93 01 02 00 00 c0 91 cb 7ff8000000000000",
		     "f64 value is not finite", "NaN double");
	expect_error("99 02 01 a1 64 a1 74 01 93 01 02 00 00 c0 91 c7 00 2a",
		     "unknown extension type 42", "unknown extension type");
	expect_error("99 02 01 a1 64 a1 74 01 93 01 02 00 00 c0 91 80",
		     "value of type map not allowed", "map as a value");
	expect_error("99 02 01 a1 64 a1 74 01 93 01 02 00 00 c0 91 c3",
		     "value of type bool not allowed", "bool as a value");
	expect_error("99 02 01 a1 64 a1 74 01 92 01 02 00 c0 91 01",
		     "field 'pos': expected 3 numbers, got 2", "short position");
	/* a row image claiming 2^32-1 values is refused before any allocation */
	expect_error("99 02 01 a1 64 a1 74 01 93 01 02 00 00 c0 dd ffffffff",
		     "over the limit of 4096", "huge value count refused by its bound");
	/* schema: key index out of range */
	expect_error("99 01 a1 64 a1 74 01 93 00 00 00 00 00 91 95 a1 61 a1 62 a1 63 c2 00 95 00 00 00 00 00",
		     "over the limit of 1", "more key columns than columns");
	expect_error("99 01 a1 64 a1 74 01 93 00 00 00 00 00 91 95 a1 61 a1 62 a1 63 c2 00 91 01",
		     "column index 1 out of range", "key column out of range");
	expect_error("99 01 a1 64 a1 74 01 93 00 00 00 00 08 90 90", "unknown flags", "unknown schema flags");
}

/* A 5-byte container header claiming 4 GiB asks for more input instead of
 * allocating; a record's array bound is checked before its bytes. */
static void test_bomb(void)
{
	static const char bomb[] = "\xdd\xff\xff\xff\xff";
	static const char hdr_bomb[] = "\x93\xa3mcr\x01\xdf\xff\xff\xff\xff";
	struct mc_scratch sc = { 0 };
	struct mc_err err = { 0 };
	struct mc_rec r;
	size_t used = 0;
	int rc = rec_decode(bomb, 5, 0, &used, &r, &sc, &err);
	result(rc == -1 && strstr(err.msg, "over the limit of 10") && sc.vals == NULL,
	       "5-byte array header claiming 4 GiB is refused without allocating", err.msg);
	rc = rec_decode(hdr_bomb, sizeof hdr_bomb - 1, 0, &used, &r, &sc, &err);
	result(rc == -1 && strstr(err.msg, "over the limit of 256") && sc.meta == NULL,
	       "header map claiming 4G entries is refused without allocating", err.msg);
	rec_scratch_free(&sc);
}

/* ---- validators, positions, numbers ---- */

static void test_validate(void)
{
	static const struct {
		enum mc_vkind k;
		const char *s;
		int ok;
	} cases[] = {
		{ MC_V_DECIMAL, "0", 1 }, { MC_V_DECIMAL, "-0.00", 1 }, { MC_V_DECIMAL, ".5", 0 },
		{ MC_V_DECIMAL, "5.", 0 }, { MC_V_DECIMAL, "+5", 0 }, { MC_V_DECIMAL, "", 0 },
		{ MC_V_DATE, "2024-02-30", 1 }, { MC_V_DATE, "2024-2-3", 0 }, { MC_V_DATE, "2024-01-32", 0 },
		{ MC_V_DATETIME, "2024-01-01 24:00:00", 0 }, { MC_V_DATETIME, "2024-01-01 23:59:59.1234567", 0 },
		{ MC_V_DATETIME, "2024-01-01 23:59:59.", 0 }, { MC_V_DATETIME, "2024-01-01 00:00:00.5", 1 },
		{ MC_V_TIMESTAMP, "2038-01-19 03:14:07.999999", 1 }, { MC_V_TIME, "838:59:59", 1 },
		{ MC_V_TIME, "-838:59:59.000000", 1 }, { MC_V_TIME, "23:60:00", 0 }, { MC_V_TIME, "1:00:00", 0 },
		{ MC_V_TIME, "012:00:00", 0 }, { MC_V_TIME, "--01:00:00", 0 }, { MC_V_JSON, "", 0 },
		{ MC_V_BIT, "123456789", 0 },
	};
	int good = 1;
	char why[200] = "";
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct mc_val v;
		struct mc_err err = { 0 };
		v.kind = (uint8_t)cases[i].k;
		v.v.s = mc_str_c(cases[i].s, strlen(cases[i].s));
		if ((rec_val_validate(&v, &err) == 0) != cases[i].ok) {
			snprintf(why, sizeof why, "%s '%s'", rec_vkind_name(cases[i].k), cases[i].s);
			good = 0;
		}
	}
	result(good, "value texts are checked (DECIMAL, DATE, DATETIME, TIME, BIT, JSON)", why);
}

static void test_pos_num(void)
{
	struct mc_pos p;
	struct mc_err err = { 0 };
	char out[64];
	uint64_t u;
	int64_t i;

	result(pos_parse("42:1337:7", &p, &err) == 0 && p.file == 42 && p.off == 1337 && p.row == 7,
	       "position parses", err.msg);
	pos_format(&p, out, sizeof out);
	result(strcmp(out, "42:1337:7") == 0, "position formats", out);
	result(pos_parse("42:1337", &p, &err) < 0 && pos_parse("1:2:3:4", &p, &err) < 0 &&
		       pos_parse("1:-2:3", &p, &err) < 0 && pos_parse("1: 2:3", &p, &err) < 0,
	       "malformed positions are refused", "accepted");
	result(num_u64("18446744073709551615", &u) == 0 && u == UINT64_MAX &&
		       num_u64("18446744073709551616", &u) < 0 && num_u64("", &u) < 0 &&
		       num_u64("1x", &u) < 0 && num_u64(" 1", &u) < 0 && num_u64("-1", &u) < 0,
	       "num_u64 is strict", "wrong");
	result(num_i64("-9223372036854775808", &i) == 0 && i == INT64_MIN &&
		       num_i64("9223372036854775808", &i) < 0 && num_i64("-", &i) < 0,
	       "num_i64 is strict", "wrong");
	result(num_size("200M", &u) == 0 && u == 200ull << 20 && num_size("1GB", &u) == 0 &&
		       u == 1ull << 30 && num_size("10", &u) == 0 && u == 10 &&
		       num_size("5X", &u) < 0 && num_size("M", &u) < 0 &&
		       num_size("99999999999999T", &u) < 0,
	       "num_size parses suffixes strictly", "wrong");
}

/* CRC-32C: the standard check value, both ways, and a running CRC equal
 * to one over all the bytes. */
static void test_crc32c(void)
{
	static const char big[] = "the stream's bytes, a little over 8 bytes at a time";
	uint32_t a = crc32c(0, "123456789", 9), b = crc32c_sw(0, "123456789", 9);
	uint32_t whole = crc32c(0, big, sizeof big - 1);
	uint32_t parts = crc32c(crc32c(crc32c(0, big, 3), big + 3, 17), big + 20, sizeof big - 21);
	result(a == 0xe3069283u && b == 0xe3069283u, "crc32c of \"123456789\" is e3069283",
	       "wrong");
	result(whole == parts && whole == crc32c_sw(0, big, sizeof big - 1),
	       "crc32c runs over pieces", "differs");
	result(crc32c(0, "", 0) == 0, "crc32c of nothing is 0", "not 0");
	{
		/* lengths around the 3 x 4096-byte blocks of the fast path */
		static unsigned char data[3 * 4096 * 3 + 17];
		int same = 1;
		for (size_t i = 0; i < sizeof data; i++)
			data[i] = (unsigned char)(i * 2654435761u >> 13);
		for (size_t n = 0; n < sizeof data; n += n < 64 ? 1 : 4093)
			for (size_t at = 0; at < 9 && at <= n; at += 4)
				if (crc32c(crc32c(7, data, at), data + at, n - at) !=
				    crc32c_sw(7, data, n))
					same = 0;
		result(same && crc32c(0, data, sizeof data) == crc32c_sw(0, data, sizeof data),
		       "crc32c by blocks equals crc32c by table", "differs");
		same = 1;
		for (size_t n = 1000; n < 5000; n += 7)
			if (crc32c(3, data + n % 13, n) != crc32c_sw(3, data + n % 13, n))
				same = 0;
		result(same, "crc32c by folds (1 KB and more) equals crc32c by table", "differs");
	}
}

/* ---- the in-place packers (rp_*) against msgpack-c's (mcpk_*) ---- */

/* Pack with both into emptied buffers: the rp_* one with `room` bytes
 * (64: in place; 1: through mcpk_* and growing). */
#define PACK_BOTH(dst_fast, dst_tmpl, room, fast_call, tmpl_call)        \
	do {                                                             \
		struct rp k;                                             \
		(dst_fast).len = 0;                                      \
		(dst_tmpl).len = 0;                                      \
		if (rp_open(&k, &(dst_fast), (room)) == 0) {             \
			k.end = k.w + (room);                            \
			fast_call;                                       \
			rp_close(&k);                                    \
		}                                                        \
		if (rp_open(&k, &(dst_tmpl), 64) == 0) {                 \
			tmpl_call;                                       \
			rp_close(&k);                                    \
		}                                                        \
	} while (0)

static void test_rp_direct(void)
{
	static const int64_t ints[] = { 0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536,
					4294967295ll, 4294967296ll, INT64_MAX, -1, -32, -33,
					-128, -129, -32768, -32769, -2147483648ll,
					-2147483649ll, INT64_MIN };
	static const size_t lens[] = { 0, 1, 2, 3, 4, 8, 15, 16, 17, 31, 32, 255, 256,
				       65535, 65536, 70000 };
	struct mc_buf a = { 0 }, b = { 0 };
	int bad = 0;
	for (size_t room = 1; room <= 64; room += 63)
		for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
			PACK_BOTH(a, b, room, rp_int64(&k, ints[i]), mcpk_int64(&k, ints[i]));
			bad += a.len != b.len || memcmp(a.p, b.p, a.len) != 0;
			PACK_BOTH(a, b, room, rp_uint64(&k, (uint64_t)ints[i]),
				  mcpk_uint64(&k, (uint64_t)ints[i]));
			bad += a.len != b.len || memcmp(a.p, b.p, a.len) != 0;
		}
	for (size_t room = 1; room <= 64; room += 63)
		for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
			size_t n = lens[i];
			PACK_BOTH(a, b, room, rp_str_hdr(&k, n), mcpk_str(&k, n));
			bad += a.len != b.len || memcmp(a.p, b.p, a.len) != 0;
			PACK_BOTH(a, b, room, rp_bin_hdr(&k, n), mcpk_bin(&k, n));
			bad += a.len != b.len || memcmp(a.p, b.p, a.len) != 0;
			PACK_BOTH(a, b, room, rp_ext_hdr(&k, n, 5), mcpk_ext(&k, n, 5));
			bad += a.len != b.len || memcmp(a.p, b.p, a.len) != 0;
			PACK_BOTH(a, b, room, rp_array(&k, n), mcpk_array(&k, n));
			bad += a.len != b.len || memcmp(a.p, b.p, a.len) != 0;
			PACK_BOTH(a, b, room, rp_nil(&k), mcpk_nil(&k));
			bad += a.len != b.len || memcmp(a.p, b.p, a.len) != 0;
		}
	result(!bad, "rp_* pack the bytes mcpk_* pack (every size class, in place or not)",
	       "differ");
	buf_free(&a);
	buf_free(&b);
}

/* ---- a row record's fields before its images taken from the last row's ---- */

static void row_rec(struct mc_buf *b, enum mc_op op, const char *db, uint64_t ver, uint64_t file,
		    uint64_t off, uint64_t row, int64_t tm, int64_t id)
{
	struct mc_rec r;
	struct mc_val img[2];
	struct mc_err err = { 0 };
	memset(&r, 0, sizeof r);
	memset(img, 0, sizeof img);
	img[0].kind = MC_V_INT;
	img[0].v.i = id;
	img[1].kind = MC_V_STR;
	img[1].v.s = mc_str_c("text", 4);
	r.kind = MC_R_ROW;
	r.op = op;
	r.db = mc_str_c(db, strlen(db));
	r.table = mc_str_c("t", 1);
	r.schema_version = ver;
	r.pos.file = file;
	r.pos.off = off;
	r.pos.row = row;
	r.time = tm;
	if (op != MC_OP_DELETE) {
		r.after = img;
		r.nafter = 2;
	}
	if (op == MC_OP_UPDATE || op == MC_OP_DELETE) {
		r.before = img;
		r.nbefore = 2;
	}
	if (rec_encode(b, &r, &err) < 0)
		result(0, "row records encode", err.msg);
}

/* Each record (and each of its prefixes) decoded with one scratch kept
 * from record to record gives what a fresh scratch gives: the result, the
 * bytes used or needed, the error, and the record (re-encoded). */
static void test_row_head(void)
{
	struct mc_buf in = { 0 }, e1 = { 0 }, e2 = { 0 };
	struct mc_scratch keep = { 0 };
	size_t ends[16], n = 0, at = 0, bad = 0, hits = 0;
	char why[600] = "";
	row_rec(&in, MC_OP_INSERT, "d", 1, 3, 1000, 0, 50, 1);
	ends[n++] = in.len;
	row_rec(&in, MC_OP_INSERT, "d", 1, 3, 1000, 1, 50, 2);     /* the row's index */
	ends[n++] = in.len;
	row_rec(&in, MC_OP_INSERT, "d", 1, 3, 1000, 2, 60, 300000); /* time, value */
	ends[n++] = in.len;
	row_rec(&in, MC_OP_UPDATE, "d", 1, 3, 1000, 0, 60, 3);      /* op */
	ends[n++] = in.len;
	row_rec(&in, MC_OP_UPDATE, "dd", 1, 3, 1000, 0, 60, 3);     /* db */
	ends[n++] = in.len;
	row_rec(&in, MC_OP_UPDATE, "dd", 2, 3, 1000, 0, 60, 3);     /* version */
	ends[n++] = in.len;
	row_rec(&in, MC_OP_UPDATE, "dd", 2, 3, 1001, 0, 60, 3);     /* offset */
	ends[n++] = in.len;
	row_rec(&in, MC_OP_UPDATE, "dd", 2, 4, 1001, 0, 60, 3);     /* file */
	ends[n++] = in.len;
	row_rec(&in, MC_OP_UPDATE, "dd", 2, 4, 1001, 7, 60, 3);
	ends[n++] = in.len;
	/* the same head, then a bad row index (0xc1 is no msgpack type) */
	row_rec(&in, MC_OP_UPDATE, "dd", 2, 4, 1001, 9, 60, 3);
	ends[n] = in.len;
	for (size_t k = ends[n - 1]; k < ends[n]; k++)
		if ((unsigned char)in.p[k] == 9) { /* the first 9 after the head is the row index */
			in.p[k] = (char)0xc1;
			break;
		}
	n++;
	for (size_t i = 0; i < n; i++) {
		size_t len = ends[i] - at, pat = i ? ends[i - 1] - (i > 1 ? ends[i - 2] : 0) : 0;
		/* kept from: the record before, then this record itself */
		for (int self = 0; self < 2 && !bad; self++) {
			size_t ps = self ? at : i ? ends[i - 1] - pat : 0, pl = self ? len : pat;
			for (size_t cut = 1; cut <= len && !bad; cut++) {
				struct mc_scratch fresh = { 0 };
				struct mc_rec r1, r2;
				struct mc_err x1 = { 0 }, x2 = { 0 };
				size_t u1 = 0, u2 = 0;
				if (pl)
					(void)rec_decode(in.p + ps, pl, ps, &u1, &r1, &keep, &x1);
				uint32_t kept = keep.rh_len;
				u1 = 0;
				memset(&x1, 0, sizeof x1);
				int c1 = rec_decode(in.p + at, cut, at, &u1, &r1, &keep, &x1);
				int c2 = rec_decode(in.p + at, cut, at, &u2, &r2, &fresh, &x2);
				e1.len = e2.len = 0;
				if (c1 != c2 || u1 != u2 || strcmp(x1.msg, x2.msg) != 0 ||
				    (c1 == 1 &&
				     (rec_encode(&e1, &r1, &x1) < 0 || rec_encode(&e2, &r2, &x2) < 0 ||
				      e1.len != e2.len || memcmp(e1.p, e2.p, e1.len) != 0 ||
				      r1.db.p != r2.db.p || r1.table.p != r2.table.p))) {
					snprintf(why, sizeof why, "record %zu cut at %zu/%zu: rc %d/%d used "
						 "%zu/%zu '%.120s' / '%.120s'", i + 1, cut, len, c1, c2, u1, u2,
						 x1.msg, x2.msg);
					bad++;
				}
				hits += c1 == 1 && kept && keep.rh_len == kept && r1.db.p == r2.db.p;
				rec_scratch_free(&fresh);
			}
		}
		at = ends[i];
	}
	result(!bad, "a row record decodes the same with the last row's head kept", why);
	result(hits > 0, "the kept head is taken", "never taken");
	rec_scratch_free(&keep);
	buf_free(&in);
	buf_free(&e1);
	buf_free(&e2);
}

int main(void)
{
	test_crc32c();
	test_rp_direct();
	test_roundtrip();
	test_values();
	test_bytewise();
	test_errors();
	test_src_table();
	test_ddl_src_table();
	test_bomb();
	test_validate();
	test_pos_num();
	test_row_head();
	buf_free(&stream);
	return tap_done();
}
