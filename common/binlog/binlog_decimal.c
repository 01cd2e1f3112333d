/* binlog_decimal.c: MySQL's binary DECIMAL (NEWDECIMAL) to its text. */
#include "binlog/binlog.h"
#include "binlog/binlog_int.h"

#include <string.h>

/* DECIMAL ----------------------------------------------------------- */

static const int dig2bytes[10] = { 0, 1, 1, 2, 2, 3, 3, 4, 4, 4 };
static const uint32_t pow10_9[10] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
				      100000000, 1000000000 };

size_t bl_decimal_size(unsigned prec, unsigned scale)
{
	unsigned intg = prec - scale;
	return (size_t)(intg / 9 * 4 + dig2bytes[intg % 9] + scale / 9 * 4 + dig2bytes[scale % 9]);
}

/* Decimal binary p[0..size) to text in out (room for prec + 3 bytes).
 * Returns the text length, or 0 on bad input. */
size_t bl_decimal_text(const uint8_t *p, unsigned prec, unsigned scale, char *out)
{
	unsigned intg = prec - scale, intg0 = intg / 9, intg0x = intg % 9;
	unsigned frac0 = scale / 9, frac0x = scale % 9;
	size_t size = bl_decimal_size(prec, scale), k = 0, start;
	uint8_t b[64];
	int neg;
	uint32_t mask;
	const uint8_t *q = b;
	char dg[100];
	size_t nd = 0;

	if (size == 0 || size > sizeof b || scale > prec)
		return 0;
	if (intg0 == 0 && frac0 == 0) {
		/* up to 8 digits each side: one number of up to 8 bytes */
		unsigned nbf = (unsigned)dig2bytes[frac0x];
		uint64_t x = bl_be_n(p, (unsigned)size) ^ (uint64_t)1 << (8 * size - 1);
		uint32_t vi, vf;
		char *o = out;
		neg = !(p[0] & 0x80);
		if (neg)
			x = ~x & (size == 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * size)) - 1);
		vi = (uint32_t)(nbf ? x >> (8 * nbf) : x);
		vf = (uint32_t)(nbf ? x & (((uint64_t)1 << (8 * nbf)) - 1) : 0);
		if (vi >= 1000000000u || vf >= pow10_9[frac0x])
			return 0;
		if (neg && (vi || vf))
			*o++ = '-';
		o = bl_digits_min(o, vi, 1);
		if (scale) {
			*o++ = '.';
			o = bl_digits(o, vf, (int)frac0x);
		}
		return (size_t)(o - out);
	}
	memcpy(b, p, size);
	neg = !(b[0] & 0x80);
	b[0] ^= 0x80;
	mask = neg ? 0xffffffffu : 0;
	if (intg0x) {
		int nb = dig2bytes[intg0x];
		uint32_t v = ((uint32_t)bl_be_n(q, (unsigned)nb) ^ mask) & (nb == 4 ? 0xffffffffu : ((1u << (8 * nb)) - 1));
		if (v >= 1000000000u)
			return 0;
		nd = (size_t)(bl_digits_min(dg + nd, v, 1) - dg);
		q += nb;
	}
	for (unsigned i = 0; i < intg0; i++) {
		uint32_t v = (uint32_t)bl_be_n(q, 4) ^ mask;
		if (v > 999999999u)
			return 0;
		nd = (size_t)(bl_digits(dg + nd, v, 9) - dg);
		q += 4;
	}
	/* strip leading zeros of the integer part */
	start = 0;
	while (start < nd && dg[start] == '0')
		start++;
	if (neg)
		out[k++] = '-';
	if (start == nd) {
		out[k++] = '0';
	} else {
		memcpy(out + k, dg + start, nd - start);
		k += nd - start;
	}
	if (scale) {
		out[k++] = '.';
		for (unsigned i = 0; i < frac0; i++) {
			uint32_t v = (uint32_t)bl_be_n(q, 4) ^ mask;
			if (v > 999999999u)
				return 0;
			k = (size_t)(bl_digits(out + k, v, 9) - out);
			q += 4;
		}
		if (frac0x) {
			int nb = dig2bytes[frac0x];
			uint32_t v = ((uint32_t)bl_be_n(q, (unsigned)nb) ^ mask) &
				     (nb == 4 ? 0xffffffffu : ((1u << (8 * nb)) - 1));
			uint32_t lim = 1;
			for (unsigned i = 0; i < frac0x; i++)
				lim *= 10;
			/* frac0x digits, right-aligned in the stored number */
			if (v >= lim)
				return 0;
			k = (size_t)(bl_digits(out + k, v, (int)frac0x) - out);
		}
	}
	/* "-0.00" is written "0.00" */
	if (neg) {
		int allzero = 1;
		for (size_t i = 1; i < k; i++)
			if (out[i] >= '1' && out[i] <= '9')
				allzero = 0;
		if (allzero) {
			memmove(out, out + 1, k - 1);
			k--;
		}
	}
	return k;
}

