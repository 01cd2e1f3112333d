#include "base/numfmt.h"

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
	for (int prec = 15; prec <= 17; prec++) {
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
	for (int prec = 6; prec <= 9; prec++) {
		n = snprintf(out, 32, "%.*g", prec, (double)f);
		if (prec == 9 || strtof(out, NULL) == f)
			break;
	}
	return n < 0 ? 0 : (size_t)n;
}
