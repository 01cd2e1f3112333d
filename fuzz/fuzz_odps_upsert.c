/* fuzz_odps_upsert: the parser of Tunnel upsert session answers (the JSON
 * of create, GET and commit, common/odps/upsert.c) on arbitrary bytes: it
 * must never read past its input, and what it keeps must hold: an id usable
 * in a URL, every bucket 0..N-1 owned by a listed slot, hash_key columns
 * that are data columns with a hash function, the five hidden columns
 * after the data columns; a record routed by it lands in a bucket < N. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "odps/upsert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct odps_ups_session s = { 0 };
	struct mc_err err = { 0 };
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size); /* an exact-size heap copy: ASan sees overreads */
	if (odps_ups_parse(copy, size, &s, &err) == 0) {
		size_t n = strnlen(s.id, sizeof s.id);
		struct trec_val *v;
		uint32_t b;
		if (n == 0 || n == sizeof s.id || strpbrk(s.id, "/?&=% #"))
			abort();
		if (!s.nbuckets || s.nbuckets > ODPS_UPS_MAX_BUCKETS ||
		    s.schema.ncols != s.ndata + ODPS_UPS_META || !s.nkeys)
			abort();
		for (uint32_t i = 0; i < s.nbuckets; i++)
			if (s.bucket_slot[i] >= s.nslots)
				abort();
		for (size_t i = 0; i < s.nkeys; i++)
			if (s.keys[i] >= s.ndata)
				abort();
		/* route a record of zero values (text "0"): it must hash */
		v = calloc(s.ndata, sizeof *v);
		if (v) {
			for (size_t i = 0; i < s.ndata; i++) {
				v[i].u.s.p = "0";
				v[i].u.s.n = 1;
			}
			for (size_t i = 0; i < s.nkeys; i++) {
				uint8_t k = s.schema.cols[s.keys[i]].type.kind;
				if (k != TREC_STRING && k != TREC_CHAR && k != TREC_VARCHAR &&
				    k != TREC_DECIMAL && k != TREC_BINARY)
					memset(&v[s.keys[i]].u, 0, sizeof v[s.keys[i]].u);
			}
			if (odps_ups_bucket(&s, v, &b, &err) < 0 || b >= s.nbuckets)
				abort();
			free(v);
		}
	} else if (!err.msg[0] || strchr(err.msg, '\n')) {
		abort();
	}
	odps_ups_free(&s);
	free(copy);
	return 0;
}
