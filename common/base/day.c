#include "base/day.h"

#include <stdio.h>
#include <string.h>

#include "base/num.h"

/* The civil-from-days conversions follow Howard Hinnant's published
 * algorithms (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int ndigits(const char *s, size_t n, unsigned *v)
{
	uint64_t u;
	if (num_u64n(s, n, &u) < 0)
		return -1;
	*v = (unsigned)u;
	return 0;
}

static int date_ok(unsigned y, unsigned m, unsigned d)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1000 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	return 1;
}

int day_parse(const char *s, int64_t *day)
{
	unsigned y, m, d;
	if (strlen(s) != 8 || ndigits(s, 4, &y) < 0 || ndigits(s + 4, 2, &m) < 0 ||
	    ndigits(s + 6, 2, &d) < 0 || !date_ok(y, m, d))
		return -1;
	*day = days_from_civil(y, m, d);
	return 0;
}

void day_format(int64_t day, char out[16])
{
	int64_t y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	unsigned v[3] = { 0, m % 100u, d % 100u };
	char *o = out;
	if (y < 0 || y > 9999)
		y = 0;
	v[0] = (unsigned)y;
	/* YYYYMMDD without printf: the sink names a partition per row */
	*o++ = (char)('0' + v[0] / 1000);
	*o++ = (char)('0' + v[0] / 100 % 10);
	for (int i = 0; i < 3; i++) {
		*o++ = (char)('0' + v[i] / 10 % 10);
		*o++ = (char)('0' + v[i] % 10);
	}
	*o = 0;
}

int64_t day_of(int64_t t, int64_t utc_off)
{
	int64_t x = t + utc_off;
	return x >= 0 ? x / 86400 : -((-x + 86399) / 86400);
}

int datetime_parse(const char *s, int64_t *t)
{
	unsigned y, mo, d, h = 0, mi = 0, se = 0;
	size_t n = strlen(s);
	if ((n != 10 && n != 19) || s[4] != '-' || s[7] != '-' || ndigits(s, 4, &y) < 0 ||
	    ndigits(s + 5, 2, &mo) < 0 || ndigits(s + 8, 2, &d) < 0 || !date_ok(y, mo, d))
		return -1;
	if (n == 19 && (s[10] != ' ' && s[10] != 'T'))
		return -1;
	if (n == 19 && (s[13] != ':' || s[16] != ':' || ndigits(s + 11, 2, &h) < 0 ||
			ndigits(s + 14, 2, &mi) < 0 || ndigits(s + 17, 2, &se) < 0 || h > 23 ||
			mi > 59 || se > 59))
		return -1;
	*t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

void datetime_format(int64_t t, char out[24])
{
	int64_t day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), s = t - day * 86400, y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	snprintf(out, 24, "%04d-%02u-%02u %02u:%02u:%02u", (int)(y < 0 || y > 9999 ? 0 : y), m, d,
		 (unsigned)(s / 3600), (unsigned)(s / 60 % 60), (unsigned)(s % 60));
}
