/* fuzz_binlog.c: the binlog event decoder (common/binlog*.c) over a
 * sequence of events: the input is a binlog file without its 4-byte magic.
 * Events are framed by their header's length, decoded with the state they
 * build (format description, table maps), their rows decoded, and the
 * events inside a transaction payload decoded the same way. Checksums are
 * not verified, so that mutations reach the decoders behind them. Every
 * value of every row decoded must be in the form the record stream
 * requires (rec_val_validate): mc-binlog-tail encodes them with
 * rec_encode_decoded, which trusts the decoder for that. And the rows
 * packed in place (bl_row_pack, what mc-binlog-tail writes) must be the
 * bytes of the values of bl_row_next through rec_encode_decoded, row by
 * row, with the same end or error. The file reader frames the same events,
 * with the same end or error, whether it reads the file itself or through
 * a struct zin (as mc-binlog-tail does). */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/zio.h"
#include "binlog/binlog.h"
#include "stream/rec.h"
#include "stream/recpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mc_val before[MC_MAX_COLUMNS], after[MC_MAX_COLUMNS];

/* One row of ev by bl_row_next (then rec_encode_decoded) and the same row
 * of ev2 by bl_row_pack: the same outcome, the same bytes. */
static int row_both(struct bl_decoder *d, struct bl_event *ev, struct bl_event *ev2)
{
	static struct mc_buf a, b;
	struct mc_err err;
	struct mc_rec r;
	struct rp k;
	int rc, rc2 = 0;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_ROW;
	r.op = (enum mc_op)ev->rows_op;
	r.db = mc_str_c("db", 2);
	r.table = mc_str_c("t", 1);
	r.pos.row = 7;
	a.len = b.len = 0;
	for (size_t i = 0; i < MC_MAX_COLUMNS; i++)
		before[i].kind = after[i].kind = MC_V_NULL;
	rc = bl_row_next(d, ev, before, after, &err);
	if (rc == 1) {
		if (ev->rows_op != MC_OP_INSERT) {
			r.before = before;
			r.nbefore = ev->table->ncols;
		}
		if (ev->rows_op != MC_OP_DELETE) {
			r.after = after;
			r.nafter = ev->table->ncols;
		}
		for (uint32_t i = 0; i < ev->table->ncols; i++)
			if ((rec_val_decoder_checked(before[i].kind) &&
			     rec_val_validate(&before[i], &err) < 0) ||
			    (rec_val_decoder_checked(after[i].kind) &&
			     rec_val_validate(&after[i], &err) < 0))
				abort();
		if (rec_encode_decoded(&a, &r, &err) < 0)
			rc2 = -1; /* the packed row fails too */
	}
	if (ev->partial)
		return rc;
	if (rp_open(&k, &b, 64) < 0)
		abort();
	rp_row_head(&k, &r);
	rc = rc2 < 0 ? -1 : rc;
	rc2 = bl_row_pack(d, ev2, &k, &err);
	if (rc2 != rc)
		abort();
	if (rc == 1 && (rp_close(&k) < 0 || a.len != b.len || memcmp(a.p, b.p, a.len) != 0))
		abort();
	return rc;
}

static void events(struct bl_decoder *d, const uint8_t *p, size_t n, int depth)
{
	while (n >= BL_HEADER_LEN) {
		uint32_t len = bl_event_len(p, n);
		struct bl_event ev;
		struct mc_err err;
		uint16_t fl;
		if (len < BL_HEADER_LEN || len > n)
			return;
		(void)bl_check(d, p, len, &fl, &err);
		if (bl_decode(d, p, len, &ev, &err) == 0) {
			/* MariaDB's old-format temporals: digits as schema tracking
			 * would give them, so that their decoder is reached */
			for (uint32_t i = 0; ev.type == BL_TABLE_MAP && ev.table &&
					     i < ev.table->ncols; i++)
				if (ev.table->cols[i].dec_ext) {
					ev.table->cols[i].meta = (uint16_t)(i % 7);
					ev.table->cols[i].dec_known = 1;
				}
			{
				struct bl_event ev2 = ev;
				while (row_both(d, &ev, &ev2) == 1)
					;
			}
			if (ev.type == BL_TRANSACTION_PAYLOAD && depth == 0 && ev.payload) {
				/* inner events have no checksum; copy: the buffer is reused */
				size_t pn = ev.payload_len;
				uint8_t *copy = malloc(pn ? pn : 1);
				int ck = d->fde.checksum;
				if (copy) {
					memcpy(copy, ev.payload, pn);
					d->fde.checksum = 0;
					events(d, copy, pn, 1);
					d->fde.checksum = ck;
					free(copy);
				}
			}
		}
		p += len;
		n -= len;
	}
}

/* The events of fd (read from its start) into out: [start u64][n u64]
 * [bytes] each, then the end code and message. With hold, the reader keeps
 * every event from the first on (bl_file keep, as an open transaction's
 * are kept), which must stay, moved or not, at buf.p + (start - base). */
static void frame_all(struct bl_file *f, struct mc_buf *out, int hold)
{
	const uint8_t *p;
	size_t n;
	uint64_t start;
	struct mc_err err = { 0 };
	static struct mc_buf held; /* the events so far, one after the other */
	int rc = bl_file_magic(f, &err);
	held.len = 0;
	if (hold)
		f->keep = 4;
	while (rc == 0 && (rc = bl_file_next(f, &p, &n, &start, &err)) == 1) {
		uint64_t h[2] = { start, n };
		if (buf_add(out, h, sizeof h) < 0 || buf_add(out, p, n) < 0 ||
		    buf_add(&held, p, n) < 0)
			abort();
		if (hold && (f->base > 4 || start + n - 4 != held.len ||
			     memcmp(f->buf.p + (4 - f->base), held.p, held.len) != 0))
			abort(); /* a kept event dropped, or its bytes changed */
		rc = 0;
	}
	if (buf_add(out, &rc, sizeof rc) < 0 || buf_adds(out, err.msg) < 0)
		abort();
}

/* The reader's buffer, kept from one input to the next (a fresh 256 KB
 * one each time is most of the time under the sanitizers). */
static struct mc_buf keep;

static void file_keep(struct bl_file *f)
{
	keep = f->buf;
	keep.len = 0;
	memset(&f->buf, 0, sizeof f->buf);
	bl_file_free(f);
}

static void framing(const uint8_t *data, size_t size)
{
	static struct mc_buf a, b;
	struct bl_file f;
	struct zin z;
	int fd = memfd_create("fuzz_binlog", 0);
	if (fd < 0)
		return;
	if (write(fd, "\xfe" "bin", 4) != 4 || (size && write(fd, data, size) != (ssize_t)size)) {
		close(fd);
		return;
	}
	a.len = b.len = 0;
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	bl_file_init(&f, fd, 0);
	f.buf = keep;
	frame_all(&f, &a, 0);
	file_keep(&f);
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	bl_file_init(&f, fd, 0);
	f.buf = keep;
	b.len = 0;
	frame_all(&f, &b, 1);
	file_keep(&f);
	if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
		abort();
	b.len = 0;
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	zin_init(&z, fd);
	bl_file_init_zin(&f, &z);
	f.buf = keep;
	frame_all(&f, &b, 0);
	file_keep(&f);
	zin_close(&z);
	if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bl_decoder d;
	framing(data, size);
	bl_init(&d);
	d.verify_checksum = 0;
	events(&d, data, size, 0);
	bl_free(&d);
	return 0;
}
