/* fuzz_jsonl.c: libFuzzer target for the JSON-lines decoder. The input is
 * split at '\n'; every line that decodes is encoded to msgpack, re-encoded
 * to JSON lines, decoded again and encoded to msgpack again: the two
 * msgpack encodings must be equal (abort() otherwise). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "stream/jsonl.h"
#include "stream/rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(struct jsonl_parser *jp, struct jsonl_parser *jp2, const char *line,
		     size_t n)
{
	struct mc_rec r, r2;
	struct mc_err err;
	struct mc_buf a = { 0 }, b = { 0 }, j = { 0 };

	if (jsonl_decode(jp, line, n, &r, &err) < 0)
		return;
	if (rec_encode(&a, &r, &err) < 0 || jsonl_encode(&j, &r, &err) < 0)
		abort(); /* a decoded record is valid and has a JSON form */
	if (j.len == 0 || j.p[j.len - 1] != '\n' || memchr(j.p, '\n', j.len - 1))
		abort();
	if (jsonl_decode(jp2, j.p, j.len - 1, &r2, &err) < 0)
		abort();
	if (rec_encode(&b, &r2, &err) < 0)
		abort();
	if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
		abort();
	buf_free(&a);
	buf_free(&b);
	buf_free(&j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* reused across inputs, like a reader reuses its parser */
	static struct jsonl_parser jp, jp2;
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* a private copy, so that reading past the line is caught */
		char *line = malloc(n ? n : 1);
		if (!line)
			abort();
		memcpy(line, p, n);
		one_line(&jp, &jp2, line, n);
		free(line);
		p += n + (nl != NULL);
	}
	return 0;
}
