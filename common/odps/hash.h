/* hash.h: the bucket routing hash of Tunnel upsert sessions (docs/maxcompute.md
 * "PK Delta Tables (real-time upsert)"; the protocol's §3): which bucket of a
 * PK Delta Table a change record goes to, from the values of the session's
 * hash_key columns. Two families, "default" and "legacy" (the session
 * answer's "hasher"), computed with Java's arithmetic (two's complement
 * wrap-around, arithmetic shifts, text bytes added as signed values), as the
 * Java SDK does; pyodps' pure-Python hasher differs for non-ASCII text, BIGINT
 * near the int64 limits and DECIMAL(p,0), and is not followed. */
#ifndef MC_ODPS_HASH_H
#define MC_ODPS_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "odps/tunnel_rec.h"

enum odps_hasher { ODPS_HASH_DEFAULT = 0, ODPS_HASH_LEGACY };

/* "default" or "legacy" (case-insensitive): 0 and *h, or -1. */
int odps_hasher_parse(const char *name, size_t n, enum odps_hasher *h);
const char *odps_hasher_name(enum odps_hasher h);

/* The mixing function of a 64-bit integer. */
int32_t odps_hash_i64(enum odps_hasher h, int64_t v);
/* The byte-string function (bytes added as signed). */
int32_t odps_hash_bytes(enum odps_hasher h, const void *p, size_t n);

/* The hash of one non-NULL value v of column type t (tunnel_rec.h's value
 * conventions). 0 and *out, or -1 with err (MC_EXIT_DATA) for a NULL, a
 * type without a hash function (ARRAY, MAP, STRUCT, JSON,
 * INTERVAL_YEAR_MONTH) or a DECIMAL that is not decimal text. */
int odps_hash_val(enum odps_hasher h, const struct trec_type *t, const struct trec_val *v,
		  int32_t *out, struct mc_err *err);

/* The bucket of a record from its key columns' hashes h[0..k) (any order):
 * their wrapping sum s, c = s ^ (s >>a 8), c % nbuckets (nbuckets >= 1). */
uint32_t odps_hash_bucket(const int32_t *h, size_t k, uint32_t nbuckets);

#endif
