/* t_numfmt.c: the text of floats and doubles (base/numfmt.c) is the
 * shortest that reads back to the same value, subnormals included
 * (docs/record-format.md: f32, f64), in JSON lines, CSV and text alike. */
#define TAP_NAME "t_numfmt"
#include "tap.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/numfmt.h"

static void f32(float f, const char *want)
{
	char t[40];
	numfmt_f32(f, t);
	tap_check(strcmp(t, want) == 0 && strtof(t, NULL) == f, want, "got '%s'", t);
}

static void f64(double d, const char *want)
{
	char t[40];
	numfmt_f64(d, t);
	tap_check(strcmp(t, want) == 0 && strtod(t, NULL) == d, want, "got '%s'", t);
}

int main(void)
{
	/* subnormals: the shortest text, not 6 or 15 digits */
	f32(1e-45f, "1e-45");
	f32(-1e-45f, "-1e-45");
	f32(3 * FLT_TRUE_MIN, "4e-45");
	f32(1e-40f, "1e-40");
	f32(1.1754942e-38f, "1.1754942e-38"); /* the largest subnormal */
	f64(5e-324, "5e-324");
	f64(-5e-324, "-5e-324");
	f64(1e-320, "1e-320");
	f64(2.225073858507201e-308, "2.225073858507201e-308"); /* the largest subnormal */
	/* normal values, as before */
	f32(FLT_MIN, "1.1754944e-38");
	f32(0.1f, "0.1");
	f32(3.4028235e38f, "3.4028235e+38");
	f32(0.0f, "0");
	f32(-0.0f, "-0");
	f64(DBL_MIN, "2.2250738585072014e-308");
	f64(0.1, "0.1");
	f64(1e300, "1e+300");
	f64(1.7976931348623157e308, "1.7976931348623157e+308");
	f64(-0.0, "-0");
	/* every subnormal float of a sweep reads back, and no shorter text does */
	{
		unsigned bad = 0;
		for (uint32_t u = 1; u < 0x00800000u; u += 997) {
			float f;
			char t[40], s[40];
			memcpy(&f, &u, 4);
			numfmt_f32(f, t);
			if (strtof(t, NULL) != f)
				bad++;
			/* one digit fewer must not read back */
			for (int p = 1; p < 9; p++) {
				snprintf(s, sizeof s, "%.*g", p, (double)f);
				if (strtof(s, NULL) == f) {
					if (strlen(s) < strlen(t))
						bad++;
					break;
				}
			}
		}
		tap_check(bad == 0, "subnormal floats: shortest and exact", "%u not", bad);
	}
	return tap_done();
}
