/* fuzz_snaptext.c: the snapshot's reading of the server's text protocol
 * (mysql/snap_rows.c, snap_text_conv) over arbitrary texts, for each kind
 * of column: the first byte picks the column (integer signed or unsigned,
 * DATE, DATETIME/TIMESTAMP/TIME with 0-6 fraction digits, a string), the
 * rest is the text. An integer accepted is exactly [-]digits in range
 * (checked against a wide parse); a temporal text accepted has its
 * column's length; whatever is accepted packs into a row record
 * (snap_rows_put checks the texts as rec_encode does) or is refused with a
 * message, never more. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mysql/snap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* [-]digits within [lo, hi] of a 128-bit parse */
static int int_ok(const char *s, size_t n, int is_unsigned, __int128 *out)
{
	size_t i = 0;
	int neg = 0;
	__int128 v = 0;
	if (n && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == n)
		return 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
		if (v > ((__int128)1 << 65))
			return 0;
	}
	if (neg)
		v = -v;
	*out = v;
	if (is_unsigned)
		return !neg && v <= (__int128)UINT64_MAX;
	return v >= (__int128)INT64_MIN && v <= (__int128)INT64_MAX;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t kinds[] = { MC_V_INT, MC_V_DATE, MC_V_DATETIME, MC_V_TIMESTAMP,
					 MC_V_TIME, MC_V_STR, MC_V_DECIMAL, MC_V_BIT };
	if (size < 1)
		return 0;
	struct snap_col c;
	memset(&c, 0, sizeof c);
	c.name = "c";
	c.mysql_type = "t";
	c.vk = kinds[data[0] % sizeof kinds];
	c.frac = (unsigned)(data[0] / sizeof kinds) % 7;
	if (data[0] & 0x80)
		c.flags = MC_CF_UNSIGNED;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	struct snap_reader rd;
	memset(&rd, 0, sizeof rd);
	struct mc_val v;
	memset(&v, 0, sizeof v);
	int rc = snap_text_conv(&c, s, n, &v);
	if (c.vk == MC_V_INT) {
		__int128 w = 0;
		int ok = int_ok(s, n, (c.flags & MC_CF_UNSIGNED) != 0, &w);
		if ((rc == 0) != ok)
			abort();
		if (ok && (v.kind == MC_V_UINT ? (__int128)v.v.u : (__int128)v.v.i) != w)
			abort();
		if (ok && (v.kind == MC_V_UINT) != (w > INT64_MAX))
			abort();
	} else if (rc == 0 && c.vk != MC_V_INT && (v.v.s.p != s || v.v.s.n != n)) {
		abort();
	}
	if (rc < 0)
		return 0;
	struct mc_rec r;
	struct mc_err e = { 0 };
	struct mc_buf out = { 0 };
	memset(&r, 0, sizeof r);
	r.kind = MC_R_ROW;
	r.op = MC_OP_SNAPSHOT;
	r.db = mc_str_c("d", 1);
	r.table = mc_str_c("t", 1);
	r.schema_version = 1;
	rd.vals = &v;
	if (snap_rows_head(&rd, &r, &e) == 0 && snap_rows_put(&rd, 1, &out, &e) < 0 && !e.msg[0])
		abort();
	buf_free(&out);
	buf_free(&rd.head);
	return 0;
}
