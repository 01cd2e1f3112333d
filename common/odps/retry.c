/* retry.c: the first wait of a backoff (retry.h). */
#include "odps/retry.h"

static double first_wait = 1;

void odps_retry_set_first(double s)
{
	if (s > 0)
		first_wait = s;
}

double odps_retry_first(void)
{
	return first_wait;
}
