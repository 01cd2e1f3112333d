/* b64.h: base64 (RFC 4648, standard alphabet, padded). The decoder is
 * strict: only the alphabet, '=' only as final padding making the length a
 * multiple of 4, and unused trailing bits must be zero (one canonical text
 * per byte string). */
#ifndef MC_B64_H
#define MC_B64_H

#include <stddef.h>
#include <stdint.h>

/* Length of the encoding of n bytes, or 0 if it would overflow size_t
 * (n > 0). */
size_t b64_enc_len(size_t n);

/* Write the b64_enc_len(n) characters encoding src[0..n) to dst (no NUL).
 * Returns the number of characters written. */
size_t b64_encode(char *dst, const void *src, size_t n);

/* Largest number of bytes n characters can decode to. */
static inline size_t b64_dec_max(size_t n)
{
	return n / 4 * 3;
}

/* Decode src[0..n) into dst (room for b64_dec_max(n) bytes; dst may equal
 * src to decode in place). Returns 0 and sets *outn, or -1 and sets *errat
 * to the index in src of the first offending character (n for a length
 * that is not a multiple of 4). */
int b64_decode(void *dst, const char *src, size_t n, size_t *outn, size_t *errat);

#endif
