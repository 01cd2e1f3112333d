#include "base/b64.h"

#include <stdint.h>

static const char enc_tab[64] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63 for alphabet characters, 64 for '=', 255 for anything else. */
static const uint8_t dec_tab[256] = {
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,  62, 255, 255, 255,  63,
	 52,  53,  54,  55,  56,  57,  58,  59,  60,  61, 255, 255, 255,  64, 255, 255,
	255,   0,   1,   2,   3,   4,   5,   6,   7,   8,   9,  10,  11,  12,  13,  14,
	 15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25, 255, 255, 255, 255, 255,
	255,  26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,  39,  40,
	 41,  42,  43,  44,  45,  46,  47,  48,  49,  50,  51, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
};

size_t b64_enc_len(size_t n)
{
	size_t q = n / 3 + (n % 3 != 0);
	if (q > SIZE_MAX / 4)
		return 0;
	return q * 4;
}

size_t b64_encode(char *dst, const void *src, size_t n)
{
	const uint8_t *s = src;
	char *d = dst;
	size_t i = 0;

	for (; n - i >= 3; i += 3) {
		uint32_t w = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		d[0] = enc_tab[w >> 18];
		d[1] = enc_tab[(w >> 12) & 63];
		d[2] = enc_tab[(w >> 6) & 63];
		d[3] = enc_tab[w & 63];
		d += 4;
	}
	if (n - i == 1) {
		uint32_t w = (uint32_t)s[i] << 16;
		d[0] = enc_tab[w >> 18];
		d[1] = enc_tab[(w >> 12) & 63];
		d[2] = '=';
		d[3] = '=';
		d += 4;
	} else if (n - i == 2) {
		uint32_t w = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
		d[0] = enc_tab[w >> 18];
		d[1] = enc_tab[(w >> 12) & 63];
		d[2] = enc_tab[(w >> 6) & 63];
		d[3] = '=';
		d += 4;
	}
	return (size_t)(d - dst);
}

int b64_decode(void *dst, const char *src, size_t n, size_t *outn, size_t *errat)
{
	const uint8_t *s = (const uint8_t *)src;
	uint8_t *d = dst;
	size_t o = 0;

	if (n % 4 != 0) {
		*errat = n;
		return -1;
	}
	for (size_t i = 0; i < n; i += 4) {
		uint8_t c[4];
		int last = i + 4 == n;
		for (int k = 0; k < 4; k++) {
			c[k] = dec_tab[s[i + (size_t)k]];
			/* '=' only in the last group, at positions 2..3, and
			 * only followed by '=' */
			if (c[k] == 255 ||
			    (c[k] == 64 && (!last || k < 2 || (k == 2 && s[i + 3] != '=')))) {
				*errat = i + (size_t)k;
				return -1;
			}
		}
		if (c[3] != 64) {
			uint32_t w = (uint32_t)c[0] << 18 | (uint32_t)c[1] << 12 |
				     (uint32_t)c[2] << 6 | c[3];
			d[o] = (uint8_t)(w >> 16);
			d[o + 1] = (uint8_t)(w >> 8);
			d[o + 2] = (uint8_t)w;
			o += 3;
		} else if (c[2] != 64) {
			if (c[2] & 3) {
				*errat = i + 2;
				return -1;
			}
			d[o] = (uint8_t)(c[0] << 2 | c[1] >> 4);
			d[o + 1] = (uint8_t)(c[1] << 4 | c[2] >> 2);
			o += 2;
		} else {
			if (c[1] & 15) {
				*errat = i + 1;
				return -1;
			}
			d[o] = (uint8_t)(c[0] << 2 | c[1] >> 4);
			o += 1;
		}
	}
	*outn = o;
	return 0;
}
