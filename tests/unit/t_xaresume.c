/* t_xaresume: the optional field 'resume' of heartbeat and txn_end marks
 * (docs/record-format.md "4 mark"): encoded only when set, read strictly,
 * marks of older streams (7 fields) still read; JSON lines the same; the
 * ledger takes it as the resume point and leaves the GTIDs as they are. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "stream/jsonl.h"
#include "stream/ledger.h"
#include "stream/rec.h"

#define TAP_NAME "t_xaresume"
#include "tap.h"

static struct mc_rec mark(enum mc_mark m, uint64_t off, const char *label)
{
	struct mc_rec r;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_MARK;
	r.mark = m;
	r.pos = (struct mc_pos){ 3, off, 0 };
	r.time = 1700000000;
	r.db = r.table = mc_str_c("", 0);
	r.label = mc_str_c(label, strlen(label));
	return r;
}

/* A mark of nf fields, the eighth packed by extra (NULL: none). */
static int decode_mark(int nf, int m, void (*extra)(msgpack_packer *), struct mc_rec *r,
		       struct mc_err *err)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct mc_scratch sc = { 0 };
	size_t used = 0;
	int rc;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, (size_t)nf);
	msgpack_pack_uint8(&pk, MC_R_MARK);
	msgpack_pack_uint8(&pk, (uint8_t)m);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_uint8(&pk, 3);
	msgpack_pack_uint16(&pk, 500);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_int64(&pk, 1700000000);
	for (int i = 0; i < 3; i++)
		msgpack_pack_str_with_body(&pk, "", 0);
	for (int i = 7; i < nf; i++)
		extra(&pk);
	rc = rec_decode(sb.data, sb.size, 0, &used, r, &sc, err);
	msgpack_sbuffer_destroy(&sb);
	rec_scratch_free(&sc);
	return rc;
}

static void pos_at(msgpack_packer *pk, uint64_t off)
{
	msgpack_pack_array(pk, 3);
	msgpack_pack_uint8(pk, 3);
	msgpack_pack_uint64(pk, off);
	msgpack_pack_uint8(pk, 0);
}
static void x_good(msgpack_packer *pk) { pos_at(pk, 300); }
static void x_above(msgpack_packer *pk) { pos_at(pk, 501); }
static void x_str(msgpack_packer *pk) { msgpack_pack_str_with_body(pk, "3:300:0", 7); }
static void x_two(msgpack_packer *pk)
{
	msgpack_pack_array(pk, 2);
	msgpack_pack_uint8(pk, 3);
	msgpack_pack_uint16(pk, 300);
}

static void test_mcr(void)
{
	struct mc_rec r = mark(MC_MARK_TXN_END, 500, "0-1-9"), d;
	struct mc_buf b = { 0 }, b2 = { 0 };
	struct mc_scratch sc = { 0 };
	struct mc_err err = { 0 };
	size_t used = 0;
	int rc;

	rc = rec_encode(&b, &r, &err);
	tap_check(rc == 0 && (unsigned char)b.p[0] == 0x97, "a mark without resume: 7 fields, as before",
		  "rc %d, first byte 0x%02x", rc, (unsigned char)b.p[0]);
	b.len = 0;
	r.has_resume = 1;
	r.resume = (struct mc_pos){ 3, 300, 0 };
	rc = rec_encode(&b, &r, &err);
	tap_check(rc == 0 && (unsigned char)b.p[0] == 0x98, "a mark with resume: 8 fields",
		  "rc %d (%s)", rc, err.msg);
	rc = rec_decode(b.p, b.len, 0, &used, &d, &sc, &err);
	tap_check(rc == 1 && d.has_resume && d.resume.file == 3 && d.resume.off == 300 &&
			  d.resume.row == 0 && d.pos.off == 500,
		  "... decoded back", "rc %d (%s)", rc, err.msg);
	rc = rc == 1 ? rec_encode(&b2, &d, &err) : -1;
	tap_check(rc == 0 && b2.len == b.len && memcmp(b.p, b2.p, b.len) == 0,
		  "... and encoded again byte for byte", "rc %d", rc);
	tap_check(rec_mark_resume(&d).off == 300 && rec_mark_resume(&r).off == 300,
		  "rec_mark_resume: the field", "off %llu", (unsigned long long)rec_mark_resume(&d).off);
	d.has_resume = 0;
	tap_check(rec_mark_resume(&d).off == 500, "rec_mark_resume: pos without it", "off %llu",
		  (unsigned long long)rec_mark_resume(&d).off);

	r = mark(MC_MARK_CHUNK_END, 500, "c1");
	r.has_resume = 1;
	r.resume = (struct mc_pos){ 3, 300, 0 };
	b.len = 0;
	tap_check(rec_encode(&b, &r, &err) < 0 && strstr(err.msg, "resume"),
		  "encoding refuses resume on a chunk_end mark", "%s", err.msg);

	memset(&err, 0, sizeof err);
	rc = decode_mark(7, MC_MARK_HEARTBEAT, NULL, &d, &err);
	tap_check(rc == 1 && !d.has_resume, "an older stream's mark (7 fields) reads, without resume",
		  "rc %d (%s)", rc, err.msg);
	rc = decode_mark(8, MC_MARK_HEARTBEAT, x_good, &d, &err);
	tap_check(rc == 1 && d.has_resume && d.resume.off == 300, "a heartbeat with resume reads",
		  "rc %d (%s)", rc, err.msg);
	rc = decode_mark(8, MC_MARK_TXN_END, x_str, &d, &err);
	tap_check(rc < 0 && strstr(err.msg, "'resume'"), "resume as a string: refused, naming it",
		  "rc %d (%s)", rc, err.msg);
	rc = decode_mark(8, MC_MARK_TXN_END, x_two, &d, &err);
	tap_check(rc < 0 && strstr(err.msg, "field 'resume': expected 3 numbers"),
		  "resume of 2 numbers: refused", "rc %d (%s)", rc, err.msg);
	rc = decode_mark(8, MC_MARK_TXN_END, x_above, &d, &err);
	tap_check(rc < 0 && strstr(err.msg, "above"), "resume above the mark's pos: refused",
		  "rc %d (%s)", rc, err.msg);
	rc = decode_mark(8, MC_MARK_SNAPSHOT_END, x_good, &d, &err);
	tap_check(rc < 0 && strstr(err.msg, "heartbeat and txn_end only"),
		  "resume on a snapshot_end mark: refused", "rc %d (%s)", rc, err.msg);
	rc = decode_mark(9, MC_MARK_TXN_END, x_good, &d, &err);
	tap_check(rc < 0 && strstr(err.msg, "expected 7 or 8"), "a mark of 9 fields: refused",
		  "rc %d (%s)", rc, err.msg);
	buf_free(&b);
	buf_free(&b2);
	rec_scratch_free(&sc);
}

static void test_jsonl(void)
{
	struct mc_rec r = mark(MC_MARK_TXN_END, 500, "0-1-9"), d;
	struct jsonl_parser jp = { 0 };
	struct mc_buf b = { 0 };
	struct mc_err err = { 0 };
	static const char *const bad[] = {
		"{\"kind\":\"mark\",\"mark\":\"txn_end\",\"pos\":[3,500,0],\"time\":1,\"db\":\"\","
		"\"table\":\"\",\"label\":\"\",\"resume\":\"3:300:0\"}",
		"{\"kind\":\"mark\",\"mark\":\"txn_end\",\"pos\":[3,500,0],\"time\":1,\"db\":\"\","
		"\"table\":\"\",\"label\":\"\",\"resume\":[3,501,0]}",
		"{\"kind\":\"mark\",\"mark\":\"chunk_end\",\"pos\":[3,500,0],\"time\":1,\"db\":\"d\","
		"\"table\":\"t\",\"label\":\"c\",\"resume\":[3,300,0]}",
		"{\"kind\":\"ddl\",\"db\":\"d\",\"table\":\"t\",\"pos\":[3,500,0],\"time\":1,"
		"\"sql\":\"DROP TABLE t\",\"resume\":[3,300,0]}",
	};
	int rc;

	r.has_resume = 1;
	r.resume = (struct mc_pos){ 3, 300, 0 };
	rc = jsonl_encode(&b, &r, &err);
	tap_check(rc == 0 && strstr(b.p, ",\"label\":\"0-1-9\",\"resume\":[3,300,0]}"),
		  "JSON lines: the key \"resume\" after the label", "rc %d: %.*s", rc, (int)b.len, b.p);
	rc = jsonl_decode(&jp, b.p, b.len - 1, &d, &err);
	tap_check(rc == 0 && d.has_resume && d.resume.off == 300, "... read back", "rc %d (%s)", rc,
		  err.msg);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(&err, 0, sizeof err);
		rc = jsonl_decode(&jp, bad[i], strlen(bad[i]), &d, &err);
		tap_check(rc < 0, "JSON lines: a bad resume refused", "line %zu read", i);
	}
	b.len = 0;
	r.has_resume = 0;
	rc = jsonl_encode(&b, &r, &err);
	tap_check(rc == 0 && b.len > 16 && memcmp(b.p + b.len - 17, "\"label\":\"0-1-9\"}\n", 17) == 0,
		  "JSON lines: none without it", "%.*s",
		  (int)b.len, b.p);
	buf_free(&b);
	jsonl_parser_free(&jp);
}

static void test_ledger(void)
{
	struct mc_ledger l;
	struct mc_err err = { 0 };
	struct mc_rec r = mark(MC_MARK_TXN_END, 400, "0-1-5");
	memset(&l, 0, sizeof l);
	ledger_mark_rec(&l, &r, &err);
	r = mark(MC_MARK_TXN_END, 500, "0-1-9");
	r.has_resume = 1;
	r.resume = (struct mc_pos){ 3, 450, 0 };
	tap_check(ledger_mark_moves(&l, &r), "a held mark moves resume from the last boundary", "no");
	ledger_mark_rec(&l, &r, &err);
	tap_check(l.resume.off == 450 && l.gtid && strcmp(l.gtid, "0-1-5") == 0,
		  "a mark with resume: resume there, the GTIDs as before",
		  "resume %llu gtid %s", (unsigned long long)l.resume.off, l.gtid ? l.gtid : "-");
	r.pos.off = 600;
	tap_check(!ledger_mark_moves(&l, &r), "a later mark with the same resume moves nothing",
		  "it moves");
	r = mark(MC_MARK_TXN_END, 700, "0-1-11");
	ledger_mark_rec(&l, &r, &err);
	tap_check(l.resume.off == 700 && strcmp(l.gtid, "0-1-11") == 0,
		  "the next mark without it: resume and GTID at it", "resume %llu gtid %s",
		  (unsigned long long)l.resume.off, l.gtid);
	ledger_free(&l);
}

int main(void)
{
	test_mcr();
	test_jsonl();
	test_ledger();
	return tap_done();
}
