/* binlog_comp.c: MariaDB's compressed columns. A value is stored as one
 * header byte and the value (sql/field_comp.cc):
 *   0x00                     the value follows as is (too short to gain);
 *   0x80 | raw << 3 | k      zlib (method 8): k bytes (1..4) of the value's
 *                            length, big-endian, then the deflate stream,
 *                            raw when bit 3 is set (column_compression_
 *                            zlib_wrap=OFF, the default), else with zlib's
 *                            wrapper.
 * The empty value is stored with no header byte at all. */
#include "binlog/binlog_comp.h"

#include <zlib.h>

#include "base/alloc.h"
#include "binlog/binlog_int.h"

int bl_uncompress_column(struct bl_decoder *d, const uint8_t *p, size_t n, uint64_t max,
			 const uint8_t **out, size_t *outn, struct mc_err *err)
{
	unsigned method, k;
	uint64_t len = 0;
	uint8_t *o;
	z_stream z = { 0 };
	int rc;
	if (n == 0) {
		*out = p;
		*outn = 0;
		return 0;
	}
	method = p[0] >> 4;
	if (method == 0) {
		if (p[0] != 0)
			return EBAD("compressed column: header byte 0x%02x", p[0]);
		*out = p + 1;
		*outn = n - 1;
		return 0;
	}
	if (method != 8)
		return EBAD("compressed column: compression method %u is not known (header byte "
			    "0x%02x)", method, p[0]);
	k = p[0] & 7;
	if (k < 1 || k > 4 || n < 1 + (size_t)k)
		return EBAD("compressed column: header byte 0x%02x, %zu bytes", p[0], n);
	for (unsigned i = 0; i < k; i++)
		len = len << 8 | p[1 + i];
	if (len > max || len > BL_MAX_EVENT)
		return EBAD("compressed column: %llu bytes uncompressed, the column holds %llu",
			    (unsigned long long)len, (unsigned long long)max);
	/* deflate makes at most 1032 bytes of one: a longer claim is not a
	 * stream (and is not allocated) */
	if (len > (uint64_t)(n - 1 - k) * 1032 + 64)
		return EBAD("compressed column: %llu bytes uncompressed from %zu",
			    (unsigned long long)len, n - 1 - k);
	if (!(o = bl_arena_alloc(&d->arena, (size_t)len + 1)))
		return mc_oom(err, "uncompressing a column");
	if (inflateInit2(&z, p[0] & 8 ? -MAX_WBITS : MAX_WBITS) != Z_OK)
		return mc_oom(err, "uncompressing a column");
	z.next_in = (Bytef *)(uintptr_t)(p + 1 + k);
	z.avail_in = (uInt)(n - 1 - k);
	z.next_out = o;
	z.avail_out = (uInt)len + 1; /* one more: a longer stream is an error */
	rc = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	if (rc != Z_STREAM_END || z.total_out != len || z.avail_in != 0)
		return EBAD("compressed column: zlib %s (%llu of %llu bytes, %u bytes left over)",
			    rc == Z_STREAM_END ? "stream of the wrong length"
			    : z.msg ? z.msg : "stream ends early", (unsigned long long)z.total_out,
			    (unsigned long long)len, z.avail_in);
	*out = o;
	*outn = (size_t)len;
	return 0;
}
