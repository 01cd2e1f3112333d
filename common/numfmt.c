#include "numfmt.h"

#include <stdio.h>
#include <stdlib.h>

size_t numfmt_f64(double d, char *out)
{
	int n = 0;
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(out, 32, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			break;
	}
	return (size_t)n;
}

size_t numfmt_f32(float f, char *out)
{
	int n = 0;
	for (int prec = 6; prec <= 9; prec++) {
		n = snprintf(out, 32, "%.*g", prec, (double)f);
		if (strtof(out, NULL) == f)
			break;
	}
	return (size_t)n;
}
