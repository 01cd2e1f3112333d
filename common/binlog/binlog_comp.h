/* binlog_comp.h: MariaDB's compressed columns (BLOB/TEXT COMPRESSED,
 * VARCHAR/VARBINARY COMPRESSED: binlog types 140 and 141), shared by the
 * files of the binlog decoder only. */
#ifndef MC_BINLOG_COMP_H
#define MC_BINLOG_COMP_H

#include <stddef.h>
#include <stdint.h>

#include "binlog/binlog.h"

/* The stored bytes p[0..n) of a compressed column (its header byte, then
 * the value as is or zlib-compressed) to the value's own bytes: *out points
 * into p or the decoder's arena. max: the most bytes the column holds.
 * 0, or -1 on bad data. */
int bl_uncompress_column(struct bl_decoder *d, const uint8_t *p, size_t n, uint64_t max,
			 const uint8_t **out, size_t *outn, struct mc_err *err);

#endif
