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
 * with a message and no byte added to the output.
 *
 * The same input is also read as a stream of packets (mysql/snap_sock.c,
 * snap_sock_parse and the inline snap_sock_row, taken in turn), delivered
 * in reads of given sizes (the stream cut at any byte, split into reads
 * at any point). Five bytes set it up: the fragment length (a packet that
 * long continues into the next: 1 to 32, or the protocol's 0xffffff), the
 * first sequence number, max_allowed_packet, the buffer's size (5 to 68
 * bytes: it grows for a longer packet), and the count of read sizes (low
 * 4 bits) and which read is tried first; then the read sizes (each 1 to
 * 256 bytes, taken in turn), then the stream. The rows read, their
 * sequence numbers, and how the reading ends (a packet that goes back to
 * the library, with at least its header and first byte, a prefix of the
 * rest of the stream; the stream cut short or a packet too long: lost; a
 * packet out of sequence) are those of a plain reference walk over the
 * stream. */
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

/* ---- the packet stream ---- */

struct feed {
	struct snap_sock s; /* first: the fill callback gets it */
	const uint8_t *p;
	size_t n, at;
	const uint8_t *sizes;
	size_t nsizes, k;
};

static int feed_fill(struct snap_sock *s, unsigned char *to, size_t room, size_t *got)
{
	struct feed *f = (struct feed *)s;
	if (room == 0)
		abort(); /* the parser asks for a read into no room */
	if (f->at == f->n)
		return -1; /* the stream ends: the connection lost */
	size_t want = f->nsizes ? (size_t)f->sizes[f->k++ % f->nsizes] + 1 : 1;
	if (want > room)
		want = room;
	if (want > f->n - f->at)
		want = f->n - f->at;
	memcpy(to, f->p + f->at, want);
	f->at += want;
	*got = want;
	return 0;
}

static size_t u24(const uint8_t *h)
{
	return (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16;
}

/* the reference: the next packet's outcome at *at (a row joined into row) */
static int ref_next(const uint8_t *p, size_t n, size_t *at, uint8_t *seq, size_t frag,
		    size_t maxp, uint8_t *row, size_t *rown)
{
	size_t i = *at;
	if (n - i < 4)
		return SNAP_SOCK_LOST;
	size_t len = u24(p + i);
	if (len && n - i < 5)
		return SNAP_SOCK_LOST;
	if (p[i + 3] != *seq)
		return SNAP_SOCK_SEQ;
	if (len == 0 || p[i + 4] == 0xff || (p[i + 4] == 0xfe && len < frag))
		return SNAP_SOCK_BACK;
	*rown = 0;
	for (;;) {
		if (n - i < 4)
			return SNAP_SOCK_LOST;
		len = u24(p + i);
		if (p[i + 3] != *seq)
			return SNAP_SOCK_SEQ;
		if (*rown + len >= maxp)
			return SNAP_SOCK_LOST;
		(*seq)++;
		i += 4;
		if (n - i < len)
			return SNAP_SOCK_LOST;
		memcpy(row + *rown, p + i, len);
		*rown += len;
		i += len;
		if (len < frag)
			break;
	}
	*at = i;
	return SNAP_SOCK_ROW;
}

static void sock_stream(const uint8_t *data, size_t size)
{
	if (size < 5)
		return;
	struct feed f;
	memset(&f, 0, sizeof f);
	size_t frag = data[0] & 0x80 ? 0xffffff : 1 + (size_t)(data[0] & 31);
	size_t maxp = data[2] == 0xff ? (size_t)1 << 30 : 1 + (size_t)data[2] * 2;
	f.s.seq = data[1];
	f.s.frag = frag;
	f.s.max_packet = maxp;
	f.s.fast = (maxp < frag ? maxp : frag) - 1;
	f.s.cap = 5 + (data[3] & 63);
	f.s.fill = feed_fill;
	f.nsizes = data[4] & 15;
	if (size - 5 < f.nsizes)
		return;
	f.sizes = data + 5;
	f.p = data + 5 + f.nsizes;
	f.n = size - 5 - f.nsizes;
	int fast_first = (data[4] >> 4) & 1;
	if (!(f.s.buf = malloc(f.s.cap)))
		return;
	uint8_t *row = malloc(f.n ? f.n : 1);
	if (!row)
		abort();
	size_t at = 0;
	uint8_t seq = data[1];
	for (;;) {
		size_t rown = 0, n = 0;
		const unsigned char *p = NULL;
		size_t was = at;
		int want = ref_next(f.p, f.n, &at, &seq, frag, maxp, row, &rown);
		int got = fast_first && snap_sock_row(&f.s, &p, &n) ? SNAP_SOCK_ROW
								   : snap_sock_parse(&f.s, &p, &n);
		if (got == SNAP_SOCK_OOM)
			break;
		if (got != want)
			abort();
		if (got == SNAP_SOCK_ROW) {
			if (n != rown || (n && memcmp(p, row, n) != 0) || f.s.seq != seq)
				abort();
			fast_first = !fast_first;
			continue;
		}
		if (got == SNAP_SOCK_BACK) {
			/* what goes back: the packet's header and first byte at
			 * least, the stream's next bytes */
			size_t k = f.s.end - f.s.beg, min = u24(f.p + was) ? 5 : 4;
			if (k < min || k > f.n - was || memcmp(f.s.buf + f.s.beg, f.p + was, k) != 0)
				abort();
		}
		break;
	}
	free(row);
	snap_sock_free(&f.s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sock_stream(data, size);
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
