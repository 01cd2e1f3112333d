/* crcfold.h: a reflected CRC-32 of any polynomial by carry-less
 * multiplication (Intel, "Fast CRC Computation for Generic Polynomials
 * Using PCLMULQDQ"): folds 64 bytes at a time (crc_fold_128), or 256 with
 * 512-bit registers where the CPU has VPCLMULQDQ and AVX-512
 * (crc_fold_512), then a Barrett reduction. Used for the binlog's CRC32
 * (binlog/binlog.c) and the record stream's CRC-32C (stream/crc32c.c).
 * The fold constants are x^(D+32) and x^(D-32) modulo the polynomial,
 * bit-reflected and shifted left by one, for a fold over D bits; then
 * x^64, and the Barrett pair (the polynomial and floor(x^64 / P),
 * reflected, 33 bits each). */
#ifndef MC_CRCFOLD_H
#define MC_CRCFOLD_H

#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define MC_HAVE_CRC_FOLD 1

struct crc_fold_k {
	uint64_t k2048[2], k512[2], k128[2], k64[2], poly[2];
};

/* The end of both: x1..x4 the last 64 bytes folded, then p[0..n) (n a
 * multiple of 16) folded in 16 bytes a step, then reduced to 32 bits. */
__attribute__((target("pclmul,sse4.1"))) static inline uint32_t
crc_fold_end(const struct crc_fold_k *K, __m128i x1, __m128i x2, __m128i x3, __m128i x4,
	     const uint8_t *p, size_t n)
{
	__m128i x0, x5;
	x0 = _mm_loadu_si128((const __m128i *)(const void *)K->k128);
	x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
	x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
	x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
	x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
	x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
	x1 = _mm_xor_si128(_mm_xor_si128(x1, x3), x5);
	x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
	x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
	x1 = _mm_xor_si128(_mm_xor_si128(x1, x4), x5);
	while (n >= 16) {
		x2 = _mm_loadu_si128((const __m128i *)(const void *)p);
		x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
		x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
		x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
		p += 16;
		n -= 16;
	}
	x2 = _mm_clmulepi64_si128(x1, x0, 0x10);
	x3 = _mm_setr_epi32(~0, 0, ~0, 0);
	x1 = _mm_srli_si128(x1, 8);
	x1 = _mm_xor_si128(x1, x2);
	x0 = _mm_loadl_epi64((const __m128i *)(const void *)K->k64);
	x2 = _mm_srli_si128(x1, 4);
	x1 = _mm_and_si128(x1, x3);
	x1 = _mm_clmulepi64_si128(x1, x0, 0x00);
	x1 = _mm_xor_si128(x1, x2);
	x0 = _mm_loadu_si128((const __m128i *)(const void *)K->poly);
	x2 = _mm_and_si128(x1, x3);
	x2 = _mm_clmulepi64_si128(x2, x0, 0x10);
	x2 = _mm_and_si128(x2, x3);
	x2 = _mm_clmulepi64_si128(x2, x0, 0x00);
	x1 = _mm_xor_si128(x1, x2);
	return (uint32_t)_mm_extract_epi32(x1, 1);
}

/* n >= 64 and a multiple of 16; crc is the raw (inverted) register. */
__attribute__((target("pclmul,sse4.1"))) static inline uint32_t
crc_fold_128(const struct crc_fold_k *K, uint32_t crc, const uint8_t *p, size_t n)
{
	__m128i x0, x1, x2, x3, x4, x5, x6, x7, x8;
	x1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 0));
	x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
	x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
	x4 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
	x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
	x0 = _mm_loadu_si128((const __m128i *)(const void *)K->k512);
	p += 64;
	n -= 64;
	while (n >= 64) {
		x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
		x6 = _mm_clmulepi64_si128(x2, x0, 0x00);
		x7 = _mm_clmulepi64_si128(x3, x0, 0x00);
		x8 = _mm_clmulepi64_si128(x4, x0, 0x00);
		x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
		x2 = _mm_clmulepi64_si128(x2, x0, 0x11);
		x3 = _mm_clmulepi64_si128(x3, x0, 0x11);
		x4 = _mm_clmulepi64_si128(x4, x0, 0x11);
		x1 = _mm_xor_si128(_mm_xor_si128(x1, x5),
				   _mm_loadu_si128((const __m128i *)(const void *)(p + 0)));
		x2 = _mm_xor_si128(_mm_xor_si128(x2, x6),
				   _mm_loadu_si128((const __m128i *)(const void *)(p + 16)));
		x3 = _mm_xor_si128(_mm_xor_si128(x3, x7),
				   _mm_loadu_si128((const __m128i *)(const void *)(p + 32)));
		x4 = _mm_xor_si128(_mm_xor_si128(x4, x8),
				   _mm_loadu_si128((const __m128i *)(const void *)(p + 48)));
		p += 64;
		n -= 64;
	}
	return crc_fold_end(K, x1, x2, x3, x4, p, n);
}

/* The same with 512-bit registers (VPCLMULQDQ): 256 bytes a step, four
 * registers folded over 2048 bits, then one over 512; its four 128-bit
 * lanes end as crc_clmul_end's x1..x4. n >= 256 and a multiple of 16. */
__attribute__((target("avx512f,avx512vl,vpclmulqdq,pclmul,sse4.1"))) static inline uint32_t
crc_fold_512(const struct crc_fold_k *K, uint32_t crc, const uint8_t *p, size_t n)
{
	const __m512i k2048 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)K->k2048));
	const __m512i k512 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)K->k512));
	__m512i y0, y1, y2, y3;
#define FOLD(y, k, next) \
	_mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128((y), (k), 0x00), \
				  _mm512_clmulepi64_epi128((y), (k), 0x11), (next), 0x96)
	y0 = _mm512_loadu_si512((const void *)p);
	y1 = _mm512_loadu_si512((const void *)(p + 64));
	y2 = _mm512_loadu_si512((const void *)(p + 128));
	y3 = _mm512_loadu_si512((const void *)(p + 192));
	y0 = _mm512_xor_si512(y0, _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)crc)));
	p += 256;
	n -= 256;
	while (n >= 256) {
		y0 = FOLD(y0, k2048, _mm512_loadu_si512((const void *)p));
		y1 = FOLD(y1, k2048, _mm512_loadu_si512((const void *)(p + 64)));
		y2 = FOLD(y2, k2048, _mm512_loadu_si512((const void *)(p + 128)));
		y3 = FOLD(y3, k2048, _mm512_loadu_si512((const void *)(p + 192)));
		p += 256;
		n -= 256;
	}
	y1 = FOLD(y0, k512, y1);
	y2 = FOLD(y1, k512, y2);
	y3 = FOLD(y2, k512, y3);
	while (n >= 64) {
		y3 = FOLD(y3, k512, _mm512_loadu_si512((const void *)p));
		p += 64;
		n -= 64;
	}
#undef FOLD
	return crc_fold_end(K, _mm512_extracti32x4_epi32(y3, 0), _mm512_extracti32x4_epi32(y3, 1),
			     _mm512_extracti32x4_epi32(y3, 2), _mm512_extracti32x4_epi32(y3, 3), p, n);
}

/* Which form the CPU runs: 2 (512-bit), 1 (128-bit) or 0 (neither). */
static inline int crc_fold_cpu(void)
{
	if (!__builtin_cpu_supports("pclmul") || !__builtin_cpu_supports("sse4.1"))
		return 0;
	return __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("avx512f") &&
			       __builtin_cpu_supports("avx512vl")
		       ? 2 : 1;
}

/* The raw (inverted) register over p[0..n) for n >= 64 and a multiple of
 * 16, by the form `cpu` (crc_fold_cpu, not 0). */
static inline uint32_t crc_fold(const struct crc_fold_k *K, int cpu, uint32_t crc,
				const uint8_t *p, size_t n)
{
	return cpu == 2 && n >= 256 ? crc_fold_512(K, crc, p, n) : crc_fold_128(K, crc, p, n);
}
#endif

#endif
