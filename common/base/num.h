/* num.h: strict number parsing: the whole string must be the number, no
 * sign where none is allowed, no overflow, no leading/trailing space. */
#ifndef MC_NUM_H
#define MC_NUM_H

#include <stddef.h>
#include <stdint.h>

/* Decimal unsigned integer in s[0..n). 0, or -1 if malformed/overflow. */
int num_u64n(const char *s, size_t n, uint64_t *out);
int num_u64(const char *s, uint64_t *out);
/* Decimal signed integer, optional leading '-'. */
int num_i64(const char *s, int64_t *out);
/* A size with an optional suffix K, M, G, T (powers of 1024), "B" allowed
 * after it: "200M", "1GiB" is not accepted, "1G" and "1GB" are. */
int num_size(const char *s, uint64_t *out);

/* FNV-1a 64: h (the offset basis NUM_FNV1A_BASIS, or a hash so far) with
 * the n bytes of p folded in. */
#define NUM_FNV1A_BASIS 14695981039346656037ull
static inline uint64_t num_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/* The value of a hex digit (either case), -1 for anything else. */
static inline int num_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
