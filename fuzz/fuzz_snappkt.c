/* fuzz_snappkt.c: the snapshot's text-protocol rows read from their
 * packets (mysql/snap_rows.c, snap_text_row) over arbitrary packets. The
 * first byte gives the columns (1 + its low 3 bits) and the HEX() columns
 * after them (its bits 3-4, 0 to 3), one byte each picks a column's kind
 * (integer signed or unsigned, DATE, DATETIME, TIME with fraction digits,
 * a string, bytes, DECIMAL), the rest is the packet. A row accepted is
 * exactly the length-encoded values a plain reference parse finds (the
 * same bytes, NULL where it has 0xfb), with no HEX() value NULL and every
 * value one snap_text_conv takes and, for the texts rec_encode checks
 * (temporal, DECIMAL), rec_val_validate too; every other row is refused,
 * with a message and no byte added to the output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mysql/snap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXV 12

/* the reference: one value at a time, every length checked against the rest */
static int ref_parse(const uint8_t *p, size_t n, size_t nv, const uint8_t **s, size_t *len)
{
	size_t at = 0;
	for (size_t i = 0; i < nv; i++) {
		if (at >= n)
			return -1;
		uint8_t b = p[at++];
		uint64_t l = b;
		size_t w = b == 0xfc ? 2 : b == 0xfd ? 3 : b == 0xfe ? 8 : 0;
		if (b == 0xff)
			return -1;
		if (b == 0xfb) {
			s[i] = NULL;
			len[i] = 0;
			continue;
		}
		if (w) {
			if (n - at < w)
				return -1;
			l = 0;
			for (size_t k = w; k-- > 0;)
				l = l << 8 | p[at + k];
			at += w;
		}
		if (l > n - at)
			return -1;
		s[i] = p + at;
		len[i] = (size_t)l;
		at += (size_t)l;
	}
	return at == n ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t kinds[] = { MC_V_INT, MC_V_DATE, MC_V_DATETIME, MC_V_TIME,
					 MC_V_STR, MC_V_BIN, MC_V_DECIMAL };
	if (size < 1)
		return 0;
	size_t nc = 1 + (data[0] & 7), nb = nc + ((data[0] >> 3) & 3);
	if (size < 1 + nc)
		return 0;
	struct snap_col cols[8];
	memset(cols, 0, sizeof cols);
	for (size_t i = 0; i < nc; i++) {
		uint8_t b = data[1 + i];
		cols[i].name = "c";
		cols[i].mysql_type = "t";
		cols[i].vk = kinds[b % sizeof kinds];
		cols[i].frac = (unsigned)(b / sizeof kinds) % 7;
		if (cols[i].vk == MC_V_DATE)
			cols[i].frac = 0;
		if (b & 0x80)
			cols[i].flags = MC_CF_UNSIGNED;
	}
	struct snap_table t;
	memset(&t, 0, sizeof t);
	t.db = "d";
	t.name = "t";
	t.ncols = nc;
	t.cols = cols;
	const uint8_t *p = data + 1 + nc;
	size_t n = size - 1 - nc;
	/* the packet in its own allocation: a read past it is caught */
	uint8_t *pkt = malloc(n ? n : 1);
	if (!pkt)
		return 0;
	memcpy(pkt, p, n);

	char *row[MAXV];
	unsigned long len[MAXV];
	struct mc_val vals[MAXV];
	struct snap_reader rd;
	memset(&rd, 0, sizeof rd);
	rd.row = row;
	rd.len = len;
	rd.vals = vals;
	struct mc_rec r;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_ROW;
	r.op = MC_OP_SNAPSHOT;
	r.db = mc_str_c("d", 1);
	r.table = mc_str_c("t", 1);
	r.schema_version = 1;
	struct mc_err e = { 0 };
	struct mc_buf out = { 0 };
	if (snap_rows_head(&rd, &r, &e) < 0)
		abort();
	int rc = snap_text_row(&rd, &t, nb, pkt, n, 1, &out, &e);

	const uint8_t *rs[MAXV];
	size_t rl[MAXV];
	int ok = ref_parse(pkt, n, nb, rs, rl) == 0;
	for (size_t i = nc; ok && i < nb; i++)
		ok = rs[i] != NULL;
	for (size_t i = 0; ok && i < nc; i++) {
		struct mc_val v;
		struct mc_err e2 = { 0 };
		if (!rs[i])
			continue;
		ok = snap_text_conv(&cols[i], (const char *)rs[i], rl[i], &v) == 0;
		/* the texts rec_encode checks (temporal, DECIMAL, BIT) */
		if (ok && v.kind >= MC_V_F32 && v.kind != MC_V_STR && v.kind != MC_V_BIN)
			ok = rec_val_validate(&v, &e2) == 0;
	}
	if (rc == 0) {
		if (!ok || out.len <= rd.head.len)
			abort();
		for (size_t i = 0; i < nb; i++)
			if ((const uint8_t *)row[i] != rs[i] || len[i] != rl[i])
				abort();
	} else if (ok || !e.msg[0] || out.len != 0) {
		abort(); /* refused: a message, nothing added, and the reference refuses */
	}
	buf_free(&out);
	buf_free(&rd.head);
	free(pkt);
	return 0;
}
