/* t_gtidset: unit tests of MySQL GTID sets (common/blrepl.c): parsing,
 * normalising, the text form, and the encoding COM_BINLOG_DUMP_GTID
 * carries. The expected bytes are worked out by hand from the layout MySQL
 * documents (Gtid_set::encode; the COM_BINLOG_DUMP_GTID page), not taken
 * from the code under test; no MySQL server checks them here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mysql/blrepl.h"

#define TAP_NAME "t_gtidset"
#include "tap.h"


static void result(int good, const char *desc, const char *why)
{
	tap_check(good, desc, "%s", why);
}

static void expect_bytes(const char *desc, const struct mc_buf *got, const uint8_t *want,
			 size_t n)
{
	char why[256];
	size_t i = 0;
	while (i < n && i < got->len && (uint8_t)got->p[i] == want[i])
		i++;
	snprintf(why, sizeof why, "%zu bytes, expected %zu; first difference at byte %zu", got->len,
		 n, i);
	result(got->len == n && i == n, desc, why);
}

/* Parse s, then its text form and its encoding. */
static int parse(const char *s, struct mc_buf *text, struct mc_buf *enc, struct mc_err *err)
{
	struct blr_gtset gs = { 0 };
	int rc = blr_gtset_parse(s, &gs, err);
	if (rc == 0 && text)
		rc = blr_gtset_format(&gs, text);
	if (rc == 0 && enc)
		rc = blr_gtset_encode(&gs, enc);
	if (text && buf_addc(text, 0) < 0)
		rc = -1;
	blr_gtset_free(&gs);
	return rc;
}

#define U1 0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, \
	   0x95, 0x62
#define LE(v) (uint8_t)(v), 0, 0, 0, 0, 0, 0, 0

/* One UUID, one interval: "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5".
 * n_sids = 1 (8 bytes LE); the UUID's 16 bytes in the order the text has
 * them (3e 11 fa 47 | 71 ca | 11 e1 | 9e 33 | c8 0a a9 42 95 62); n_intervals
 * = 1; start 1, end 6 (1-5 holds 1 to 5: the end is exclusive). 48 bytes. */
static const uint8_t enc1[] = { LE(1), U1, LE(1), LE(1), LE(6) };

/* Two UUIDs given out of order, intervals unsorted, overlapping, adjacent:
 *   "ffffffffffffffffffffffffffffffff:7:1-3:4 ,\n 00000000-0000-0000-0000-000000000001:10-20:15-30"
 * The set is {1..4, 7} for ff..ff (1-3 and 4 are adjacent: one interval
 * [1,5); 7 is [7,8)) and {10..30} for 00..01 ([10,31)). Written sorted by
 * UUID bytes (the server does not need an order across UUIDs, but its
 * intervals of a UUID must be sorted and disjoint): n_sids 2; 00..01, 1
 * interval, 10 (0x0a), 31 (0x1f); ff..ff, 2 intervals, 1, 5, 7, 8.
 * 8 + (16 + 8 + 16) + (16 + 8 + 32) = 104 bytes. */
static const uint8_t enc2[] = {
	LE(2),
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, LE(1), LE(10), LE(31),
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, LE(2), LE(1), LE(5), LE(7), LE(8)
};

/* The largest GNO MySQL has is 2^63 - 2 (its exclusive end must be an
 * int64): "…:9223372036854775806" is [2^63-2, 2^63-1); 2^63-1 is
 * 0x7fffffffffffffff, LE ff ff ff ff ff ff ff 7f. */
static const uint8_t enc3[] = {
	LE(1), U1, LE(1),
	0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f
};

static void test_encode(void)
{
	struct mc_buf t = { 0 }, e = { 0 };
	struct mc_err err = { 0 };
	result(parse("3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5", &t, &e, &err) == 0,
	       "one UUID, upper case: parsed", err.msg);
	expect_bytes("one UUID: the encoding", &e, enc1, sizeof enc1);
	result(strcmp(t.p, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5") == 0,
	       "one UUID: the text is lower case", t.p);
	buf_free(&t);
	buf_free(&e);

	result(parse("ffffffffffffffffffffffffffffffff:7:1-3:4 ,\n "
		     "00000000-0000-0000-0000-000000000001:10-20:15-30", &t, &e, &err) == 0,
	       "two UUIDs, no dashes, newline: parsed", err.msg);
	expect_bytes("two UUIDs: sorted, merged, encoded", &e, enc2, sizeof enc2);
	result(strcmp(t.p, "00000000-0000-0000-0000-000000000001:10-30,"
			   "ffffffff-ffff-ffff-ffff-ffffffffffff:1-4:7") == 0,
	       "two UUIDs: the text", t.p);
	buf_free(&t);
	buf_free(&e);

	result(parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:9223372036854775806", NULL, &e, &err) == 0,
	       "the largest GNO: parsed", err.msg);
	expect_bytes("the largest GNO: encoded", &e, enc3, sizeof enc3);
	buf_free(&e);

	/* The same UUID in two parts of the set: one UUID, merged. */
	result(parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-2,3e11fa47-71ca-11e1-9e33-c80aa9429562:3-5",
		     &t, &e, &err) == 0, "a UUID twice: parsed", err.msg);
	expect_bytes("a UUID twice: encoded as one", &e, enc1, sizeof enc1);
	buf_free(&t);
	buf_free(&e);

	/* COM_BINLOG_DUMP_GTID after its command byte 0x1e: flags u16 LE
	 * (BINLOG_THROUGH_GTID 4 | BINLOG_DUMP_NON_BLOCK 1 = 5), server id
	 * u32 LE, name length u32 LE (0) and no name, position u64 LE (4),
	 * data length u32 LE (48 = 0x30), then enc1. */
	{
		static const uint8_t head[] = { 5, 0, 4, 3, 2, 1, 0, 0, 0, 0, LE(4), 0x30, 0, 0, 0 };
		uint8_t want[sizeof head + sizeof enc1];
		struct blr_gtset gs = { 0 };
		memcpy(want, head, sizeof head);
		memcpy(want + sizeof head, enc1, sizeof enc1);
		blr_gtset_parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", &gs, &err);
		result(blr_dump_gtid_packet(&gs, 0x01020304, BLR_NON_BLOCK, &e) == 0,
		       "COM_BINLOG_DUMP_GTID packet built", "failed");
		expect_bytes("COM_BINLOG_DUMP_GTID packet", &e, want, sizeof want);
		buf_free(&e);
		result(blr_dump_gtid_packet(&gs, 7, 0, &e) == 0 && e.len > 2 && e.p[0] == 4 &&
		       e.p[1] == 0 && e.p[2] == 7, "blocking: flags BINLOG_THROUGH_GTID only",
		       "wrong flags or server id");
		buf_free(&e);
		blr_gtset_free(&gs);
	}
}

static void test_errors(void)
{
	static const struct {
		const char *set, *part;
	} bad[] = {
		{ "", "want a UUID" },
		{ "3e11fa47-71ca-11e1-9e33-c80aa9429562", "want UUID:N" },
		{ ":1-5", "at ':1-5'" },
		{ "3e11fa47-71ca-11e1-9e33-c80aa942956:1", "want a UUID" },
		{ "3e11fa47-71ca11e1-9e33-c80aa9429562:1", "want a UUID" },
		{ "3e11fa47-71ca-11e1-9e33-c80aa9429562:0", "at '0'" },
		{ "3e11fa47-71ca-11e1-9e33-c80aa9429562:5-3", "at '5-3'" },
		{ "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-", "at '1-'" },
		{ "3e11fa47-71ca-11e1-9e33-c80aa9429562:1,", "want a UUID" },
		{ "3e11fa47-71ca-11e1-9e33-c80aa9429562:1;x", "want ',' between UUIDs at ';x'" },
		{ "3e11fa47-71ca-11e1-9e33-c80aa9429562:9223372036854775807", "2^63-1" },
		{ "3e11fa47-71ca-11e1-9e33-c80aa9429562:1:", "at ''" },
		{ "3e11fa47-71ca-11e1-9e33-c80aa9429562:1,zz:1", "at 'zz:1'" },
		{ "3e11fa47-71ca-11e1-9e33-c80aa9429562:mytag:1-5", "tagged GTIDs" },
		{ "0-1-5", "want a UUID" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct mc_err err = { 0 };
		char d[160], why[1200];
		int rc = parse(bad[i].set, NULL, NULL, &err);
		snprintf(d, sizeof d, "'%s' is refused, naming '%s'", bad[i].set, bad[i].part);
		snprintf(why, sizeof why, "rc %d, code %d, message '%s'", rc, err.code, err.msg);
		result(rc < 0 && err.code == MC_EXIT_USAGE && strstr(err.msg, bad[i].part) &&
		       !strchr(err.msg, '\n'), d, why);
	}
	result(blr_gtid_is_mysql("3e11fa47-71ca-11e1-9e33-c80aa9429562:1") &&
	       !blr_gtid_is_mysql("0-1-5,1-1-1"), "which kind of set", "wrong");
}

static void test_add(void)
{
	char set[128] = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5";
	result(blr_mygtid_add(set, sizeof set, "3e11fa47-71ca-11e1-9e33-c80aa9429562:6") == 0 &&
	       strcmp(set, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-6") == 0,
	       "the next GTID extends the interval", set);
	blr_mygtid_add(set, sizeof set, "3e11fa47-71ca-11e1-9e33-c80aa9429562:8");
	result(strcmp(set, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-6:8") == 0,
	       "a GTID past a gap is an interval of its own", set);
	blr_mygtid_add(set, sizeof set, "00000000-0000-0000-0000-00000000000a:3");
	result(strcmp(set, "00000000-0000-0000-0000-00000000000a:3,"
			   "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-6:8") == 0,
	       "a new UUID comes in UUID order", set);
	result(blr_mygtid_add(set, 60, "3e11fa47-71ca-11e1-9e33-c80aa9429562:10") < 0,
	       "a set that would not fit is refused", "accepted");
	result(blr_mygtid_add(set, sizeof set, "0-1-5") < 0, "a D-S-N GTID is refused", "accepted");
	result(blr_mygtid_add(set, sizeof set, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1:2") < 0,
	       "two GTIDs are refused", "accepted");
	result(strcmp(set, "00000000-0000-0000-0000-00000000000a:3,"
			   "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-6:8") == 0,
	       "a refused add leaves the set", set);
	set[0] = 0;
	result(blr_mygtid_add(set, sizeof set, "3e11fa47-71ca-11e1-9e33-c80aa9429562:4") == 0 &&
	       strcmp(set, "3e11fa47-71ca-11e1-9e33-c80aa9429562:4") == 0,
	       "add to an empty set", set);
}

int main(void)
{
	test_encode();
	test_errors();
	test_add();
	return tap_done();
}
