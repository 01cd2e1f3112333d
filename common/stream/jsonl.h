/* jsonl.h: the lossless JSON-lines form of records (docs/record-format.md,
 * "JSON lines"). One record per line; mcr -> jsonl -> mcr gives identical
 * bytes for every record the encoder writes. */
#ifndef MC_JSONL_H
#define MC_JSONL_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "stream/rec.h"

/* Append the JSON line of rec, '\n' included, to b. -1 on ENOMEM or a
 * value with no JSON form (err says which). */
int jsonl_encode(struct mc_buf *b, const struct mc_rec *rec, struct mc_err *err);

/* Parser state; zero it before first use, free with jsonl_parser_free. It
 * owns the memory that decoded records point to (unescaped strings, base64
 * payloads, value arrays), valid until the next jsonl_decode. */
struct jsonl_parser {
	struct mc_buf text;    /* unescaped strings and decoded bytes */
	struct mc_scratch sc;  /* arrays of values, columns, key, meta */
	void *priv;            /* implementation state */
};

/* Parse one line (without its '\n') into rec. Strict: unknown or missing
 * keys, wrong types, trailing bytes, malformed values are errors naming the
 * column (byte offset within the line) in err. The record is validated with
 * rec_validate. Returns 0 or -1. */
int jsonl_decode(struct jsonl_parser *jp, const char *line, size_t n, struct mc_rec *rec,
		 struct mc_err *err);

void jsonl_parser_free(struct jsonl_parser *jp);

#endif
