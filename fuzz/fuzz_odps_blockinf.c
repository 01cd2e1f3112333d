/* fuzz_odps_blockinf: the local MaxCompute server's in-process block
 * decompression (tests/odps-server/blockinf.c, loaded by the server with
 * ctypes) on arbitrary bytes.
 *
 * Input: byte 0 picks the encoding (bit 0: deflate or zstd) and the limit
 * (bits 1..7: 0..127 times 512 bytes); the rest is the body. Whatever is
 * accepted is at most the limit; every refusal has a message; ASan/UBSan
 * catch reads past the input and leaks. (tests/t7037-odps-inflate.sh holds
 * it to the reference, Python's zlib and the zstd command.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/odps-server/blockinf.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *out;
	size_t outlen;
	char err[512];
	if (size < 1)
		return 0;
	int enc = (data[0] & 1) ? BD_ENC_ZSTD : BD_ENC_DEFLATE;
	uint64_t limit = (uint64_t)(data[0] >> 1) * 512;
	int rc = bd_inflate(data + 1, size - 1, enc, limit, &out, &outlen, err, sizeof err);
	if (rc == 0) {
		if (outlen > limit)
			abort();
		if (outlen)
			(void)out[outlen - 1];
		free(out);
	} else {
		if (out || outlen || !err[0])
			abort();
		if (rc != BD_MALFORMED && rc != BD_TOOBIG)
			abort();
	}
	return 0;
}
