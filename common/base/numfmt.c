#include "base/numfmt.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

size_t numfmt_f64(double d, char *out)
{
	int n = 0;
	/* integers below 1e15: %.15g would print all their digits anyway */
	if (d > -1e15 && d < 1e15 && d == (double)(int64_t)d && (d != 0 || !signbit(d)))
		return (size_t)snprintf(out, 32, "%" PRId64, (int64_t)d);
	/* 15 digits always read back to the double they came from, so a
	 * shorter text is found at 15 (trailing zeros dropped); a subnormal
	 * has fewer bits than that: its shortest text may be shorter
	 * (5e-324, not 4.94065645841247e-324) */
	for (int prec = fabs(d) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		n = snprintf(out, 32, "%.*g", prec, d);
		/* %.17g always reads back */
		if (prec == 17 || strtod(out, NULL) == d)
			break;
	}
	return n < 0 ? 0 : (size_t)n;
}

size_t numfmt_f32(float f, char *out)
{
	int n = 0;
	/* the same with 6 digits (1e-45, not 1.4013e-45) */
	for (int prec = fabsf(f) < FLT_MIN ? 1 : 6; prec <= 9; prec++) {
		n = snprintf(out, 32, "%.*g", prec, (double)f);
		if (prec == 9 || strtof(out, NULL) == f)
			break;
	}
	return n < 0 ? 0 : (size_t)n;
}
