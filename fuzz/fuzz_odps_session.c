/* fuzz_odps_session: the parser of Tunnel upload session answers (the JSON
 * of create, status and commit, common/odps/upload.c) on arbitrary bytes:
 * it must never read past its input, and what it keeps must hold: an
 * UploadID usable in a URL, block ids 0..19999 sorted and distinct, a
 * schema whose types print. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "odps/upload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct odps_session s = { 0 };
	struct mc_err err = { 0 };
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size); /* an exact-size heap copy: ASan sees overreads */
	if (odps_session_parse(copy, size, &s, &err) == 0) {
		size_t n = strnlen(s.id, sizeof s.id);
		if (n == 0 || n == sizeof s.id || strpbrk(s.id, "/?&=% #"))
			abort();
		for (size_t i = 0; i < s.nblocks; i++)
			if (s.blocks[i] >= ODPS_MAX_BLOCKS || (i && s.blocks[i] <= s.blocks[i - 1]))
				abort();
		for (size_t i = 0; i < s.schema.ncols; i++) {
			struct mc_buf b = { 0 };
			if (trec_type_text(&s.schema.cols[i].type, &b) < 0 || !b.len)
				abort();
			buf_free(&b);
		}
	} else if (!err.msg[0] || strchr(err.msg, '\n')) {
		abort();
	}
	odps_session_free(&s);
	free(copy);
	return 0;
}
