/* fuzz_odps_blockdec: the local MaxCompute server's C block decoder
 * (tests/odps-server/blockdec.c, loaded by the server with ctypes) on
 * arbitrary bytes.
 *
 * Input: byte 0 is the column count (1 + b % 6), the next bytes one per
 * column: its type (b % 18, blockdec.c's kinds) and NOT NULL (b & 0x80);
 * the rest is the record stream. Whatever the decoder accepts must come
 * out as well-formed marshal data: a list of exactly as many rows as it
 * says, each a list of one value per column, every value of the column's
 * kind or None, and no byte left over. ASan/UBSan catch reads past the
 * input. bd_check (the server's check at PUT, which keeps no rows) must
 * give the same outcome, count and message. (tests/t7033-odps-blockdec.sh
 * holds it to the Python reference.) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/odps-server/blockdec.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* one value of kind k at out[*at]: 0 well-formed, -1 not */
static int walk_value(const unsigned char *o, size_t n, size_t *at, enum kind k)
{
	size_t p = *at;
	if (p >= n)
		return -1;
	unsigned char t = o[p++];
	if (t == 'N') {
		*at = p;
		return 0;
	}
	switch (t) {
	case 'i':
		if (n - p < 4)
			return -1;
		p += 4;
		break;
	case 'l': {
		if (n - p < 4)
			return -1;
		int32_t nd = (int32_t)rd32(o + p);
		p += 4;
		if (nd == 0 || nd > 5 || nd < -5 || n - p < (size_t)(nd < 0 ? -nd : nd) * 2)
			return -1;
		size_t m = (size_t)(nd < 0 ? -nd : nd);
		for (size_t i = 0; i < m; i++)
			if (o[p + 2 * i + 1] & 0x80)
				return -1;
		if (!o[p + 2 * (m - 1)] && !o[p + 2 * (m - 1) + 1])
			return -1; /* unnormalised */
		p += 2 * m;
		break;
	}
	case 'g':
		if (n - p < 8)
			return -1;
		p += 8;
		break;
	case 'u':
	case 's': {
		if (n - p < 4)
			return -1;
		uint32_t len = rd32(o + p);
		p += 4;
		if (n - p < len)
			return -1;
		if (t == 'u') {
			size_t chars;
			if (utf8_check(o + p, len, &chars) >= 0)
				return -1;
		}
		p += len;
		break;
	}
	default:
		return -1;
	}
	/* the marshal type of each kind */
	int want;
	switch (k) {
	case K_DOUBLE: case K_FLOAT: want = 'g'; break;
	case K_BINARY: want = 's'; break;
	case K_BIGINT: case K_INT: case K_SMALLINT: case K_TINYINT: case K_BOOLEAN:
	case K_INTERVAL_YEAR_MONTH: want = 'i'; break;
	default: want = 'u';
	}
	if (want == 'i' ? (t != 'i' && t != 'l') : t != want)
		return -1;
	*at = p;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char schema[64 * 6], err[512];
	size_t ncol, sl = 0, at = 0;
	enum kind kinds[6];
	unsigned char *out;
	size_t outlen;
	uint64_t nrows;

	if (size < 1)
		return 0;
	ncol = 1 + data[0] % 6;
	if (size < 1 + ncol)
		return 0;
	for (size_t i = 0; i < ncol; i++) {
		unsigned char b = data[1 + i];
		kinds[i] = (enum kind)(b % K_N);
		long a = kinds[i] == K_DECIMAL ? 10 : (kinds[i] == K_CHAR || kinds[i] == K_VARCHAR) ? 4 : 0;
		long s = kinds[i] == K_DECIMAL ? 2 : 0;
		sl += (size_t)snprintf(schema + sl, sizeof schema - sl, "%sc%zu %s %ld %ld %d", i ? "\n" : "",
				       i, kind_names[kinds[i]], a, s, (b & 0x80) ? 0 : 1);
	}
	char cerr[512];
	uint64_t cnrows;
	int rc = bd_decode(data + 1 + ncol, size - 1 - ncol, schema, 64, &out, &outlen, &nrows, err,
			   sizeof err);
	int crc = bd_check(data + 1 + ncol, size - 1 - ncol, schema, 64, &cnrows, cerr, sizeof cerr);
	if (crc != rc || cnrows != nrows || strcmp(cerr, err) != 0)
		abort();
	if (rc != 0) {
		if ((rc != BD_MALFORMED && rc != BD_CORRUPTED) || strncmp(err, "record ", 7) != 0)
			abort();
		return 0;
	}
	/* '[' count, then the rows */
	if (outlen < 5 || out[0] != '[' || rd32(out + 1) != nrows)
		abort();
	at = 5;
	for (uint64_t r = 0; r < nrows; r++) {
		if (outlen - at < 5 || out[at] != '[' || rd32(out + at + 1) != ncol)
			abort();
		at += 5;
		for (size_t i = 0; i < ncol; i++)
			if (walk_value(out, outlen, &at, kinds[i]) < 0)
				abort();
	}
	if (at != outlen)
		abort();
	bd_free(out);
	return 0;
}
