/* t_odps_upsert: upsert session answers, routing and change records
 * (common/odps/upsert.c).
 *
 * The vectors are data copied from the protocol notes (maxcompute-upsert.md):
 * Appendix A.1 (the session JSON), A.3 (the two bucket bodies pyodps, the
 * Java SDK's UpsertRecord + ProtobufRecordPack and an independent encoder
 * produced byte for byte: 2 upserts + 1 delete, default hasher, 4 buckets),
 * A.4 (deflate: compared after inflating, as the notes say) and A.5 (a
 * composite key whose columns are not the first, legacy hasher). The
 * refusals are those of §2.3 (what the Java SDK rejects). */
#define TAP_NAME "t_odps_upsert"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "odps/upsert.h"

/* A.1 */
static const char a1[] =
	"{\"id\": \"20240102030405abcdef0123456789ab\", \"status\": \"normal\",\n"
	" \"schema\": {\"columns\": [\n"
	"   {\"name\": \"id\",   \"type\": \"BIGINT\", \"nullable\": false, \"comment\": \"\", \"column_id\": \"1\"},\n"
	"   {\"name\": \"name\", \"type\": \"STRING\", \"nullable\": true,  \"comment\": \"\", \"column_id\": \"2\"},\n"
	"   {\"name\": \"v\",    \"type\": \"DOUBLE\", \"nullable\": true,  \"comment\": \"\", \"column_id\": \"3\"}],\n"
	"   \"partitionKeys\": []},\n"
	" \"hash_key\": [\"id\"], \"hasher\": \"default\",\n"
	" \"slots\": [{\"slot_id\": \"1\", \"buckets\": [0, 1], \"worker_addr\": \"127.0.0.1:18766\"},\n"
	"           {\"slot_id\": \"2\", \"buckets\": [2, 3], \"worker_addr\": \"127.0.0.1:18766\"}],\n"
	" \"quota_name\": \"\", \"enable_partial_update\": false}";

/* A.3 */
static const char a3_b3[] = "08021205616c69636519000000000000f83f30aa01420080c0ff7ffaa8f6ec0908"
			    "02308801420080c0ff7fdfb89cfa09f0ffff7f04f8ffff7fc8d5d9e602";
static const char a3_b2[] = "08041203626f621900000000000002c030aa01420080c0ff7fbd84da8d0cf0ffff"
			    "7f02f8ffff7f9ddea40f";
/* A.5 */
static const char a5[] =
	"0a02763112026b311a026b3230aa01420080c0ff7fd18b89df0e0a02763212026b311a026b3230aa0142"
	"0080c0ff7fcfdc89b30f0a02763312026b331a026b3430aa01420080c0ff7fa9f4a3fd020a0276341202"
	"6b351a026b3630aa01420080c0ff7fef91faad060a02763412026b351a026b36308801420080c0ff7fcc"
	"899aef04f0ffff7f0af8ffff7fdb9182ec0d";

static char *hex(const struct mc_buf *b)
{
	char *s = malloc(b->len * 2 + 1);
	for (size_t i = 0; i < b->len; i++)
		snprintf(s + 2 * i, 3, "%02x", (unsigned char)b->p[i]);
	s[b->len * 2] = 0;
	return s;
}

static struct trec_val I(int64_t i)
{
	struct trec_val v = { 0 };
	v.u.i = i;
	return v;
}
static struct trec_val S(const char *s)
{
	struct trec_val v = { 0 };
	v.u.s.p = s;
	v.u.s.n = strlen(s);
	return v;
}
static struct trec_val D(double d)
{
	struct trec_val v = { 0 };
	v.u.f64 = d;
	return v;
}
static struct trec_val N(void)
{
	struct trec_val v = { 0 };
	v.null = true;
	return v;
}

/* Encode rows with ops into one body; compare with want (hex). */
static void body_is(const struct odps_ups_session *s, const struct trec_val *rows, const char *ops,
		    size_t nrows, enum trec_comp comp, const char *want, const char *what)
{
	struct odps_ups_enc e;
	struct mc_err err = { 0 };
	struct mc_buf out = { 0 }, raw = { 0 };
	char *got = NULL;
	if (odps_ups_enc_init(&e, s, comp, &err) < 0) {
		tap_fail(what, "%s", err.msg);
		return;
	}
	for (size_t i = 0; i < nrows; i++)
		if (odps_ups_enc_add(&e, rows + i * s->ndata, ops[i], &err) < 0) {
			tap_fail(what, "%s", err.msg);
			goto out;
		}
	if (trec_enc_finish(&e.e, &out, NULL, &err) < 0) {
		tap_fail(what, "%s", err.msg);
		goto out;
	}
	if (comp != TREC_RAW &&
	    trec_uncompress(trec_comp_name(comp), out.p, out.len, 1 << 20, &raw, &err) < 0) {
		tap_fail(what, "%s", err.msg);
		goto out;
	}
	got = hex(comp != TREC_RAW ? &raw : &out);
	tap_check(!strcmp(got, want), what, "got %s", got);
out:
	free(got);
	buf_free(&out);
	buf_free(&raw);
	odps_ups_enc_free(&e);
}

static void refuse(const char *json, const char *needle, const char *what)
{
	struct odps_ups_session s = { 0 };
	struct mc_err err = { 0 };
	int rc = odps_ups_parse(json, strlen(json), &s, &err);
	tap_check(rc < 0 && strstr(err.msg, needle) && !strchr(err.msg, '\n'), what,
		  "rc %d, message '%s'", rc, err.msg);
	odps_ups_free(&s);
}

/* A.1 with one substring replaced. */
static char *a1_with(const char *from, const char *to)
{
	const char *at = strstr(a1, from);
	size_t n = strlen(a1) - strlen(from) + strlen(to) + 1;
	char *s = malloc(n);
	snprintf(s, n, "%.*s%s%s", (int)(at - a1), a1, to, at + strlen(from));
	return s;
}

int main(void)
{
	struct odps_ups_session s = { 0 };
	struct mc_err err = { 0 };
	uint32_t b1 = 99, b2 = 99;

	if (odps_ups_parse(a1, strlen(a1), &s, &err) < 0) {
		tap_fail("A.1 parses", "%s", err.msg);
		return tap_done();
	}
	tap_check(!strcmp(s.id, "20240102030405abcdef0123456789ab") && s.status == ODPS_UPS_NORMAL &&
		  s.ndata == 3 && s.schema.ncols == 8 && s.nkeys == 1 && s.keys[0] == 0 &&
		  s.hasher == ODPS_HASH_DEFAULT && s.nbuckets == 4 && s.nslots == 2 &&
		  s.bucket_slot[0] == 0 && s.bucket_slot[3] == 1 && !strcmp(s.slots[1].id, "2") &&
		  !strcmp(s.slots[1].addr, "127.0.0.1:18766") && !s.partial,
		  "A.1: id, status, 3 data + 5 hidden columns, hash_key, hasher, 4 buckets in 2 slots",
		  "mismatch");
	{
		struct mc_buf t = { 0 };
		trec_type_text(&s.schema.cols[6].type, &t);
		tap_check(s.schema.cols[5].name.n == 11 && !memcmp(s.schema.cols[5].name.p,
								   "__operation", 11) &&
			  s.schema.cols[5].type.kind == TREC_TINYINT && t.len == 13 &&
			  !memcmp(t.p, "ARRAY<BIGINT>", 13),
			  "§4.2: hidden columns D+1..D+5 (__operation TINYINT, __key_cols ARRAY<BIGINT>)",
			  "mismatch");
		buf_free(&t);
	}
	{
		struct trec_val r1[3] = { I(1), S("alice"), D(1.5) }, r2[3] = { I(2), S("bob"),
										 D(-2.25) };
		odps_ups_bucket(&s, r1, &b1, &err);
		odps_ups_bucket(&s, r2, &b2, &err);
		tap_check(b1 == 3 && b2 == 2, "A.3 routing: id 1 -> bucket 3, id 2 -> bucket 2",
			  "got %u, %u", b1, b2);
		struct trec_val b3rows[6] = { I(1), S("alice"), D(1.5), I(1), N(), N() };
		body_is(&s, b3rows, "UD", 2, TREC_RAW, a3_b3, "A.3 bucket 3 body (upsert + delete of "
			"id 1), byte for byte");
		body_is(&s, r2, "U", 1, TREC_RAW, a3_b2, "A.3 bucket 2 body, byte for byte");
		body_is(&s, b3rows, "UD", 2, TREC_DEFLATE, a3_b3,
			"A.4 deflate body inflates to the A.3 bucket 3 body");
		struct trec_val nk[3] = { N(), S("x"), D(1) };
		tap_check(odps_ups_bucket(&s, nk, &b1, &err) < 0 && strstr(err.msg, "NULL"),
			  "a NULL key is refused", "%s", err.msg);
		struct odps_ups_enc e;
		odps_ups_enc_init(&e, &s, TREC_RAW, &err);
		tap_check(odps_ups_enc_add(&e, r1, 'X', &err) < 0, "an operation other than U/D is "
			  "refused", "accepted");
		odps_ups_enc_free(&e);
	}
	odps_ups_free(&s);

	/* A.5: composite key, legacy hasher */
	{
		const char *j = "{\"id\":\"x1\",\"status\":\"NORMAL\",\"schema\":{\"columns\":["
				"{\"name\":\"value\",\"type\":\"STRING\"},{\"name\":\"key1\",\"type\":\"STRING\"},"
				"{\"name\":\"key2\",\"type\":\"STRING\"}]},\"hash_key\":[\"key1\",\"key2\"],"
				"\"hasher\":\"legacy\",\"slots\":[{\"slot_id\":0,\"buckets\":[3,1,2,0],"
				"\"worker_addr\":\"localhost:1\"}]}";
		struct trec_val rows[15] = { S("v1"), S("k1"), S("k2"), S("v2"), S("k1"), S("k2"),
					     S("v3"), S("k3"), S("k4"), S("v4"), S("k5"), S("k6"),
					     S("v4"), S("k5"), S("k6") };
		int ok;
		if (odps_ups_parse(j, strlen(j), &s, &err) < 0) {
			tap_fail("A.5 session parses", "%s", err.msg);
		} else {
			ok = s.hasher == ODPS_HASH_LEGACY && s.nkeys == 2 && s.keys[0] == 1 &&
			     !strcmp(s.slots[0].id, "0");
			for (int i = 0; i < 5; i++) {
				uint32_t b;
				ok &= odps_ups_bucket(&s, rows + 3 * i, &b, &err) == 0 && b == 3;
			}
			tap_check(ok, "A.5: keys by name, legacy hasher, all in bucket 3 (slot_id a "
				  "number)", "mismatch");
			body_is(&s, rows, "UUUUD", 5, TREC_RAW, a5, "A.5 body, byte for byte");
		}
		odps_ups_free(&s);
	}

	/* §2.3 refusals */
	struct { const char *from, *to, *needle, *what; } bad[] = {
		{ "\"hasher\": \"default\",", "", "no 'hasher'", "no hasher (the Java SDK's six keys)" },
		{ "\"hash_key\": [\"id\"],", "", "no 'hash_key'", "no hash_key" },
		{ "\"status\": \"normal\",", "", "no 'status'", "no status" },
		{ "\"default\"", "\"murmur\"", "hasher", "an unknown hasher" },
		{ "\"normal\"", "\"open\"", "status", "an unknown status" },
		{ "[2, 3]", "[2, 4]", "0..N-1", "a bucket gap (0,1,2,4)" },
		{ "[2, 3]", "[2, 1]", "twice", "a bucket listed twice" },
		{ "\"worker_addr\": \"127.0.0.1:18766\"}]", "\"worker_addr\": \":18766\"}]",
		  "host:port", "a worker_addr without a host" },
		{ "\"slot_id\": \"2\",", "\"slot_id\": \"\",", "slot_id", "an empty slot_id" },
		{ "[\"id\"]", "[\"nope\"]", "not in the schema", "a hash_key column not in the schema" },
		{ "[\"id\"]", "[\"id\",\"id\"]", "twice", "a hash_key column listed twice" },
		{ "\"name\": \"v\",", "\"name\": \"__operation\",", "hidden",
		  "a data column named like a hidden column" },
		{ "\"20240102030405abcdef0123456789ab\"", "\"a/b\"", "id", "an id unusable in a URL" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *j = a1_with(bad[i].from, bad[i].to);
		refuse(j, bad[i].needle, bad[i].what);
		free(j);
	}
	{
		/* a key of a type without a hash function */
		char *k = a1_with("\"DOUBLE\"", "\"MAP<STRING,BIGINT>\"");
		char *h = strstr(k, "[\"id\"]");
		memcpy(h, "[\"v\"] ", 6);
		refuse(k, "without a hash function", "a hash_key column of type MAP");
		refuse("{\"id\":\"x\"", "", "a cut answer");
		refuse("{\"id\":\"x\"} x", "", "bytes after the answer");
		free(k);
	}
	return tap_done();
}
