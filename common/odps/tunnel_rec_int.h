/* tunnel_rec_int.h: what the Tunnel record encoder (tunnel_rec.c) and
 * decoder (tunnel_dec.c) share: the wire constants and the value checks. */
#ifndef MC_ODPS_TUNNEL_REC_INT_H
#define MC_ODPS_TUNNEL_REC_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "odps/tunnel_rec.h"

/* Field numbers of the markers (the protobuf tags with wire type 0). */
#define TREC_END_RECORD 33553408u     /* 2^25 - 1024: end of a record */
#define TREC_META_COUNT 33554430u     /* 2^25 - 2: the footer's record count */
#define TREC_META_CHECKSUM 33554431u  /* 2^25 - 1: the footer's stream CRC */

enum { TREC_WT_VARINT = 0, TREC_WT_FIXED64 = 1, TREC_WT_LEN = 2, TREC_WT_FIXED32 = 5 };

/* The protobuf wire type a column of kind k is written with. */
int trec_wiretype(enum trec_kind k);

/* Is i inside the range of integer kind k (BIGINT, INT, SMALLINT,
 * TINYINT; any other kind: yes)? BOOLEAN: 0 or 1. */
int trec_int_ok(enum trec_kind k, int64_t i);

/* Check the bytes of a STRING/BINARY/JSON/CHAR/VARCHAR/DECIMAL value of
 * type t: at most max_field bytes, CHAR/VARCHAR at most its length in
 * characters, DECIMAL plain text within its precision. 0, or -1 with a
 * reason in why. */
int trec_bytes_ok(const struct trec_type *t, const char *p, size_t n, size_t max_field, char *why,
		  size_t whysz);

static inline uint64_t trec_zz64(int64_t n)
{
	return ((uint64_t)n << 1) ^ (0 - ((uint64_t)n >> 63));
}

static inline int64_t trec_unzz64(uint64_t v)
{
	return (int64_t)((v >> 1) ^ (0 - (v & 1)));
}

static inline uint32_t trec_zz32(int32_t n)
{
	return ((uint32_t)n << 1) ^ (0 - ((uint32_t)n >> 31));
}

static inline int32_t trec_unzz32(uint32_t v)
{
	return (int32_t)((v >> 1) ^ (0 - (v & 1)));
}

/* little-endian bytes of v: one store on a little-endian host (bytes
 * stored one by one and read back as a word, as the record CRC's buffer
 * does, stall the load) */
static inline void trec_le32(unsigned char *p, uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(p, &v, 4);
#else
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
#endif
}

static inline void trec_le64(unsigned char *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(p, &v, 8);
#else
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
#endif
}

#endif
