/* fuzz_tunnel_rec: the strict Tunnel record stream decoder (and the
 * uncompression of block bodies) on arbitrary bytes.
 *
 * Input: byte 0 chooses the schema (bits 0-1: the vectors' A, B, "empty",
 * or a deeply nested one) and the Content-Encoding (bits 2-3: none,
 * deflate, zstd); the rest is the block body. Whatever the decoder accepts
 * must re-encode, record by record, to exactly the same bytes: it accepts
 * only the encoder's own form (fields in order, minimal varints, 0/1
 * flags, right CRCs and footer). ASan/UBSan catch reads past the input and
 * allocations from unchecked counts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "odps/tunnel_rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const schemas[4][16] = {
	{ "id", "bigint", "name", "string", "ts", "datetime" },
	{ "c_tinyint", "tinyint", "c_smallint", "smallint", "c_int", "int", "c_bigint", "bigint",
	  "c_float", "float", "c_double", "double", "c_boolean", "boolean", "c_rest",
	  "struct<s:string,b:binary,d:decimal(10,2),da:date,t:timestamp,c:char(4),v:varchar(10)>" },
	{ "id", "bigint" },
	{ "a", "array<map<string,struct<x:timestamp,y:array<boolean>>>>", "d", "decimal(10,3)", "f",
	  "float", "dd", "double", "c", "varchar(4)", "i", "interval_day_time", "m",
	  "interval_year_month", "j", "json" },
};

struct again {
	struct trec_enc e;
	int bad;
};

static int reencode(void *ctx, uint64_t recno, const struct trec_val *v, size_t ncols,
		    struct mc_err *err)
{
	struct again *a = ctx;
	(void)recno;
	if (trec_enc_add(&a->e, v, ncols, err) < 0)
		abort(); /* whatever decodes must encode */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const encs[4] = { NULL, "deflate", "zstd", "x-lz4-frame" };
	struct trec_schema s = { 0 };
	struct trec_dec d;
	struct trec_enc_opts o = { .comp = TREC_RAW, .max_field = 1u << 20 };
	struct again a;
	struct mc_err err = { 0 };
	struct mc_buf body = { 0 }, block = { 0 };
	struct trec_block_info info;
	const char *const *spec;
	int rc;

	if (size < 1)
		return 0;
	spec = schemas[data[0] & 3];
	for (int i = 0; i < 16 && spec[i]; i += 2)
		if (trec_schema_add(&s, spec[i], strlen(spec[i]), spec[i + 1], strlen(spec[i + 1]), &err) < 0)
			abort();
	if (trec_uncompress(encs[(data[0] >> 2) & 3], data + 1, size - 1, 1u << 22, &body, &err) < 0)
		goto out;
	if (trec_enc_init(&a.e, &s, &o, &err) < 0)
		abort();
	trec_dec_init(&d, &s, 1u << 20);
	rc = trec_dec_run(&d, body.p, body.len, reencode, &a, &info, &err);
	if (rc == 0) {
		if (trec_enc_finish(&a.e, &block, NULL, &err) < 0 || block.len != body.len ||
		    memcmp(block.p, body.p, body.len) != 0)
			abort(); /* accepted bytes are exactly the encoder's */
	} else if (err.msg[0] == 0) {
		abort(); /* a refusal says why */
	}
	trec_dec_free(&d);
	trec_enc_free(&a.e);
out:
	buf_free(&body);
	buf_free(&block);
	trec_schema_free(&s);
	return 0;
}
