/* fuzz_binlog.c: the binlog event decoder (common/binlog*.c) over a
 * sequence of events: the input is a binlog file without its 4-byte magic.
 * Events are framed by their header's length, decoded with the state they
 * build (format description, table maps), their rows decoded, and the
 * events inside a transaction payload decoded the same way. Checksums are
 * not verified, so that mutations reach the decoders behind them. Every
 * value of every row decoded must be in the form the record stream
 * requires (rec_val_validate): mc-binlog-tail encodes them with
 * rec_encode_decoded, which trusts the decoder for that. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/binlog.h"
#include "stream/rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mc_val before[MC_MAX_COLUMNS], after[MC_MAX_COLUMNS];

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
			for (size_t i = 0; i < MC_MAX_COLUMNS; i++)
				before[i].kind = after[i].kind = MC_V_NULL;
			while (bl_row_next(d, &ev, before, after, &err) == 1)
				for (uint32_t i = 0; ev.table && i < ev.table->ncols; i++)
					if ((rec_val_decoder_checked(before[i].kind) &&
					     rec_val_validate(&before[i], &err) < 0) ||
					    (rec_val_decoder_checked(after[i].kind) &&
					     rec_val_validate(&after[i], &err) < 0))
						abort();
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bl_decoder d;
	bl_init(&d);
	d.verify_checksum = 0;
	events(&d, data, size, 0);
	bl_free(&d);
	return 0;
}
