/* fuzz_mcr: the record decoder on arbitrary bytes. Every record it accepts
 * must re-encode to bytes that decode to the same encoding again, and the
 * decoder must never read past its input nor allocate from an unchecked
 * count (ASan/LSan catch both under libFuzzer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream/rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mc_scratch sc = { 0 }, sc2 = { 0 };
	struct mc_buf a = { 0 }, b = { 0 };
	size_t at = 0;

	while (at < size) {
		struct mc_rec r, r2;
		struct mc_err err = { 0 };
		size_t used = 0;
		int rc = rec_decode((const char *)data + at, size - at, at, &used, &r, &sc, &err);
		if (rc <= 0) {
			if (rc == 0 && used <= size - at)
				abort(); /* "need more" must ask for more than we have */
			break;
		}
		if (used == 0 || used > size - at)
			abort();
		a.len = b.len = 0;
		if (rec_encode(&a, &r, &err) < 0)
			abort(); /* whatever decodes must encode */
		if (rec_decode(a.p, a.len, 0, &used, &r2, &sc2, &err) != 1 || used != a.len)
			abort();
		if (rec_encode(&b, &r2, &err) < 0 || a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
			abort();
		at += used;
	}
	buf_free(&a);
	buf_free(&b);
	rec_scratch_free(&sc);
	rec_scratch_free(&sc2);
	return 0;
}
