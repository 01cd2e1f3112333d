#include "base/num.h"

#include <string.h>

int num_u64n(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int num_u64(const char *s, uint64_t *out)
{
	return num_u64n(s, strlen(s), out);
}

int num_i64(const char *s, int64_t *out)
{
	uint64_t u;
	int neg = s[0] == '-';
	if (num_u64(s + neg, &u) < 0)
		return -1;
	if (neg ? u > (uint64_t)INT64_MAX + 1 : u > INT64_MAX)
		return -1;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

int num_size(const char *s, uint64_t *out)
{
	size_t n = strlen(s), i = 0;
	uint64_t v, mul = 1;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (num_u64n(s, i, &v) < 0)
		return -1;
	if (i < n) {
		switch (s[i]) {
		case 'k': case 'K': mul = 1ull << 10; break;
		case 'm': case 'M': mul = 1ull << 20; break;
		case 'g': case 'G': mul = 1ull << 30; break;
		case 't': case 'T': mul = 1ull << 40; break;
		case 'b': case 'B': mul = 1; i--; break;
		default: return -1;
		}
		i++;
		if (i < n && (s[i] == 'b' || s[i] == 'B'))
			i++;
		if (i != n)
			return -1;
	}
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}
