/* fuzz_odps_upowners: the reader of the state mirror's upsert rows in the
 * CSV answer of a MaxCompute SELECT (common/odps/dest_upsert_own.c) on
 * arbitrary bytes: it never reads past the answer, and every row it keeps
 * is of a writer that names a state directory and of the dest asked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "odps/dest_upsert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct odps_upowners o = { 0 };
	struct mc_err err = { 0 };
	o.dest = "odps://p1";
	o.me = "00";
	if (buf_add(&o.out, data, size) < 0)
		return 0;
	if (odps_upowners_parse(&o, &err) == 0)
		for (size_t i = 0; i < o.n; i++) {
			const char *w = odps_upowners_writer(&o, i);
			if (!w || !*w || strspn(w, "0123456789abcdefghijklmnopqrstuvwxyz-_") != strlen(w))
				abort();
		}
	odps_upowners_free(&o);
	return 0;
}
