/* t_snaptext: the text protocol's integers (common/mysql/snap_rows.c,
 * snap_text_conv on an integer column): the values up to 8 digits are read
 * eight bytes at a time, longer ones a digit at a time. Both give what a
 * digit-at-a-time reference gives, for every text of up to 6 characters
 * over digits, signs and non-digits next to '0' and '9' in ASCII, for the
 * range limits, ZEROFILL's zeros, a bad character at each place of 1 to 20
 * digits; and read no byte past the text (each text ends its allocation:
 * an ASan run catches a read past it). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mysql/snap.h"

#define TAP_NAME "t_snaptext"
#include "tap.h"

/* the reference: one digit at a time, every step checked */
static int ref(const char *s, size_t n, int uns, struct mc_val *v)
{
	int neg = n > 0 && s[0] == '-';
	size_t i = (size_t)neg;
	uint64_t u = 0;
	if (n == i || (neg && uns))
		return -1;
	for (; i < n; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';
		if (d > 9 || __builtin_mul_overflow(u, 10, &u) || __builtin_add_overflow(u, d, &u))
			return -1;
	}
	if (neg) {
		if (u > (uint64_t)INT64_MAX + 1)
			return -1;
		v->kind = MC_V_INT;
		v->v.i = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
		return 0;
	}
	if (!uns && u > INT64_MAX)
		return -1;
	v->kind = u > INT64_MAX ? MC_V_UINT : MC_V_INT;
	v->v.u = u;
	return 0;
}

static unsigned long nbad;
static char shown[160];

/* s[0..n) through snap_text_conv from the end of its own allocation */
static void one(const char *s, size_t n, int uns)
{
	struct snap_col c;
	struct mc_val got, want;
	char *p = malloc(n ? n : 1);
	if (!p) {
		nbad++;
		return;
	}
	memcpy(p, s, n);
	memset(&c, 0, sizeof c);
	c.vk = MC_V_INT;
	c.flags = uns ? MC_CF_UNSIGNED : 0;
	memset(&got, 0, sizeof got);
	memset(&want, 0, sizeof want);
	int rg = snap_text_conv(&c, p, n, &got);
	int rw = ref(s, n, uns, &want);
	if (rg != rw || (rg == 0 && (got.kind != want.kind || got.v.u != want.v.u))) {
		if (!nbad++)
			snprintf(shown, sizeof shown, "'%.*s' %s: got %d kind %d %" PRIu64
				 ", want %d kind %d %" PRIu64, (int)n, s,
				 uns ? "unsigned" : "signed", rg, got.kind, got.v.u, rw, want.kind,
				 want.v.u);
	}
	free(p);
}

int main(void)
{
	static const char alpha[] = "0123456789-/:+ \x80";
	size_t na = sizeof alpha - 1;
	char s[32];

	/* every text of 0..6 characters over alpha */
	for (size_t len = 0; len <= 6; len++) {
		size_t total = 1;
		for (size_t i = 0; i < len; i++)
			total *= na;
		for (size_t k = 0; k < total; k++) {
			size_t x = k;
			for (size_t i = 0; i < len; i++, x /= na)
				s[i] = alpha[x % na];
			one(s, len, 0);
			one(s, len, 1);
		}
	}
	tap_check(nbad == 0, "every text of up to 6 characters", "%lu differ, first %s", nbad, shown);

	nbad = 0;
	static const char *const lim[] = {
		"9223372036854775807", "9223372036854775808", "-9223372036854775808",
		"-9223372036854775809", "18446744073709551615", "18446744073709551616",
		"99999999999999999999", "000000000000000000000000000042", "-00000000000000000001",
		"00000000", "99999999", "-99999999", "12345678", "123456789", "1", "-0", "-",
		"0000000000000000000018446744073709551615",
	};
	for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++) {
		one(lim[i], strlen(lim[i]), 0);
		one(lim[i], strlen(lim[i]), 1);
	}
	tap_check(nbad == 0, "the range limits and ZEROFILL's zeros", "%lu differ, first %s", nbad,
		  shown);

	/* 1..20 digits, then each place replaced by a character beside the digits */
	nbad = 0;
	static const char near[] = "/:\x00 \xb0\xb9\x30\x39";
	for (size_t len = 1; len <= 20; len++) {
		for (size_t i = 0; i < len; i++)
			s[i] = (char)('1' + (i * 7) % 9);
		one(s, len, 0);
		one(s, len, 1);
		for (size_t at = 0; at < len; at++) {
			char keep = s[at];
			for (size_t k = 0; k < sizeof near - 1; k++) {
				s[at] = near[k];
				one(s, len, 0);
				one(s, len, 1);
			}
			s[at] = keep;
		}
	}
	tap_check(nbad == 0, "a bad character at each place of 1 to 20 digits", "%lu differ, first %s",
		  nbad, shown);

	/* pseudo-random digit strings of 1..19 digits, with and without '-' */
	nbad = 0;
	uint64_t r = 0x9e3779b97f4a7c15ull;
	for (int k = 0; k < 200000; k++) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		size_t len = 1 + r % 19, o = 0;
		if (r & (1ull << 40))
			s[o++] = '-';
		uint64_t d = r;
		for (size_t i = 0; i < len; i++, d = d * 6364136223846793005ull + 1)
			s[o++] = (char)('0' + (d >> 33) % 10);
		one(s, o, 0);
		one(s, o, 1);
	}
	tap_check(nbad == 0, "random texts of 1 to 19 digits", "%lu differ, first %s", nbad, shown);
	return tap_done();
}
