/* tests/corpus.h: records of every kind holding values of every kind,
 * shared by tests/tools/mcgen.c and the unit tests (header-only). */
#ifndef MC_TEST_CORPUS_H
#define MC_TEST_CORPUS_H

#include <stdint.h>
#include <string.h>

#include "stream/rec.h"

static inline struct mc_str S(const char *s)
{
	return mc_str_c(s, strlen(s));
}

static inline struct mc_val vtext(enum mc_vkind k, const char *s)
{
	struct mc_val v;
	v.kind = (uint8_t)k;
	v.v.s = S(s);
	return v;
}

static inline struct mc_val vbytes(enum mc_vkind k, const char *s, size_t n)
{
	struct mc_val v;
	v.kind = (uint8_t)k;
	v.v.s = mc_str_c(s, n);
	return v;
}

static inline struct mc_val vint(int64_t i)
{
	struct mc_val v;
	v.kind = MC_V_INT;
	v.v.i = i;
	return v;
}

static inline struct mc_val vuint(uint64_t u)
{
	struct mc_val v;
	v.kind = MC_V_UINT;
	v.v.u = u;
	return v;
}

static inline struct mc_val vkind(enum mc_vkind k)
{
	struct mc_val v;
	memset(&v, 0, sizeof v);
	v.kind = (uint8_t)k;
	return v;
}

static inline struct mc_val vf32(float f)
{
	struct mc_val v = vkind(MC_V_F32);
	v.v.f32 = f;
	return v;
}

static inline struct mc_val vf64(double d)
{
	struct mc_val v = vkind(MC_V_F64);
	v.v.f64 = d;
	return v;
}

/* Call emit for each record of a stream holding every record kind and
 * every value kind, header and trailer included. */
static inline void corpus_emit(void (*emit)(const struct mc_rec *, void *), void *ctx)
{
	static const char bin[] = { 0, 1, 2, (char)0xff, (char)0x80, '\n', '"' };
	static const char bit[] = { 0x04 };
	static const char bit64[] = { (char)0xff, 0, 0, 0, 0, 0, 0, 1 };
	struct mc_kv meta[] = { { S("writer"), S("mcgen") }, { S("note"), S("every kind, \"quoted\"") } };
	struct mc_col cols[] = {
		{ S("id"), S("bigint unsigned"), S("BIGINT"), false, MC_CF_UNSIGNED },
		{ S("i"), S("bigint"), S("BIGINT"), true, 0 },
		{ S("f"), S("float"), S("FLOAT"), true, 0 },
		{ S("d"), S("double"), S("DOUBLE"), true, 0 },
		{ S("s"), S("varchar(64)"), S("STRING"), true, 0 },
		{ S("b"), S("blob"), S("BINARY"), true, 0 },
		{ S("dec"), S("decimal(65,30)"), S("DECIMAL(38,18)"), true, 0 },
		{ S("dt"), S("date"), S("DATE"), true, 0 },
		{ S("dtm"), S("datetime(6)"), S("DATETIME"), true, 0 },
		{ S("ts"), S("timestamp(3)"), S("TIMESTAMP"), true, 0 },
		{ S("tm"), S("time(6)"), S("STRING"), true, 0 },
		{ S("bt"), S("bit(64)"), S("BIGINT"), true, 0 },
		{ S("j"), S("json"), S("STRING"), true, MC_CF_INVISIBLE },
		{ S("y"), S("year"), S("INT"), true, MC_CF_GENERATED },
	};
	uint32_t key[] = { 0 };
	struct mc_val a1[] = {
		vuint(UINT64_MAX), vint(INT64_MIN), vf32(0.1f), vf64(0.1),
		vtext(MC_V_STR, "h\xc3\xa9llo \"w\"\\\n\t\x01 \xf0\x9f\x98\x80"),
		vbytes(MC_V_BIN, bin, sizeof bin),
		vtext(MC_V_DECIMAL, "-12345678901234567890123456789012345.123456789012345678901234567890"),
		vtext(MC_V_DATE, "0000-00-00"), vtext(MC_V_DATETIME, "2024-02-29 23:59:59.999999"),
		vtext(MC_V_TIMESTAMP, "1970-01-01 00:00:01.000"), vtext(MC_V_TIME, "-838:59:59.000000"),
		vbytes(MC_V_BIT, bit, 1), vtext(MC_V_JSON, "{\"a\": [1, 2.5, \"x\"], \"d\": \"2024-01-01\"}"),
		vint(2155),
	};
	struct mc_val a2[] = {
		vint(0), vint(INT64_MAX), vf32(-3.4028235e38f), vf64(-1.7976931348623157e308),
		vtext(MC_V_STR, ""), vbytes(MC_V_BIN, "", 0), vtext(MC_V_DECIMAL, "0.00"),
		vtext(MC_V_DATE, "9999-12-31"), vtext(MC_V_DATETIME, "0000-00-00 00:00:00"),
		vtext(MC_V_TIMESTAMP, "0000-00-00 00:00:00"), vtext(MC_V_TIME, "00:00:00"),
		vbytes(MC_V_BIT, bit64, 8), vtext(MC_V_JSON, "null"), vint(0),
	};
	struct mc_val a3[] = {
		vuint((uint64_t)1 << 63), vint(-1), vf32(1e-45f), vf64(5e-324),
		vtext(MC_V_STR, "invalid \xff\xfe utf8"), vkind(MC_V_NULL), vtext(MC_V_DECIMAL, "-0.5"),
		vkind(MC_V_NULL), vkind(MC_V_NULL), vkind(MC_V_NULL), vtext(MC_V_TIME, "-00:00:01.5"),
		vkind(MC_V_NULL), vtext(MC_V_JSON, "\"line\\nbreak\""), vkind(MC_V_NULL),
	};
	struct mc_val b3[] = {
		vint(42), vkind(MC_V_ABSENT), vkind(MC_V_ABSENT), vf64(-0.0), vkind(MC_V_ABSENT),
		vkind(MC_V_ABSENT), vkind(MC_V_ABSENT), vkind(MC_V_ABSENT), vkind(MC_V_ABSENT),
		vkind(MC_V_ABSENT), vkind(MC_V_ABSENT), vkind(MC_V_ABSENT), vkind(MC_V_ABSENT),
		vkind(MC_V_ABSENT),
	};
	size_t nc = sizeof cols / sizeof cols[0];
	struct mc_rec r, d;

	memset(&r, 0, sizeof r);
	r.kind = MC_R_HEADER;
	r.version = MC_REC_VERSION;
	r.meta = meta;
	r.nmeta = 2;
	emit(&r, ctx);
	memset(&r, 0, sizeof r);
	r.kind = MC_R_SCHEMA;
	r.db = S("shop");
	r.table = S("every_type");
	r.schema_version = 1;
	r.pos = (struct mc_pos){ 3, 4, 0 };
	r.time = 1763683200;
	r.schema_flags = MC_SF_KEY_DECLARED;
	r.cols = cols;
	r.ncols = nc;
	r.key = key;
	r.nkey = 1;
	emit(&r, ctx);

	memset(&r, 0, sizeof r);
	r.kind = MC_R_ROW;
	r.db = S("shop");
	r.table = S("every_type");
	r.schema_version = 1;
	r.time = 1763683200;
	r.op = MC_OP_SNAPSHOT;
	r.pos = (struct mc_pos){ 3, 4, 0 };
	r.after = a1;
	r.nafter = nc;
	emit(&r, ctx);
	r.op = MC_OP_INSERT;
	r.pos = (struct mc_pos){ 3, 900, 0 };
	r.after = a2;
	emit(&r, ctx);
	r.op = MC_OP_UPDATE;
	r.pos = (struct mc_pos){ 3, 1200, 1 };
	r.time = -1;
	r.before = a2;
	r.nbefore = nc;
	r.after = a3;
	emit(&r, ctx);
	r.op = MC_OP_UPDATE;
	r.pos = (struct mc_pos){ 3, 1200, 2 };
	r.before = b3;
	r.after = b3;
	r.nafter = nc;
	emit(&r, ctx);
	/* the DDL before the delete at the highest position: a change never
	 * follows one above it in a stream (mc-cat --check refuses it) */
	memset(&d, 0, sizeof d);
	d.kind = MC_R_DDL;
	d.db = S("shop");
	d.table = S("every_type");
	d.pos = (struct mc_pos){ 4, 120, 0 };
	d.time = 1763683201;
	d.sql = S("ALTER TABLE every_type ADD COLUMN note varchar(10) DEFAULT 'x\\'y'");
	emit(&d, ctx);
	d.db = S("");
	d.table = S("");
	d.sql = S("CREATE DATABASE \"other\"");
	emit(&d, ctx);

	r.op = MC_OP_DELETE;
	r.pos = (struct mc_pos){ UINT64_MAX, UINT64_MAX, UINT64_MAX };
	r.time = INT64_MAX;
	r.before = a3;
	r.after = NULL;
	r.nafter = 0;
	emit(&r, ctx);

	/* the four marks of the first format (binlog_start, later, is
	 * mc-binlog-tail's: tests/t2075; the corpus and its goldens stay) */
	for (int m = 0; m <= MC_MARK_SNAPSHOT_END; m++) {
		memset(&r, 0, sizeof r);
		r.kind = MC_R_MARK;
		r.mark = (enum mc_mark)m;
		r.pos = (struct mc_pos){ 4, 200 + (uint64_t)m, 0 };
		r.time = 1763683202;
		r.db = S(m == MC_MARK_HEARTBEAT || m == MC_MARK_TXN_END ? "" : "shop");
		r.table = S(m == MC_MARK_HEARTBEAT || m == MC_MARK_TXN_END ? "" : "every_type");
		r.label = S(m == MC_MARK_TXN_END ? "0-1-42" : m == MC_MARK_CHUNK_END ? "every_type#3" : "");
		emit(&r, ctx);
	}
	memset(&r, 0, sizeof r);
	r.kind = MC_R_TRAILER;
	r.count = 12;
	emit(&r, ctx);
}

#endif
