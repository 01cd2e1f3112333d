/* retry.h: the first wait of every backoff this process starts
 * (odps_retry_start, httperr.h): 1 s, or --retry-delay. Apart from
 * httperr.c so that setting it (cmd/lib/odpsopt.c, linked into every
 * program) does not link libcurl into programs that never talk to
 * MaxCompute (tests/t0102). */
#ifndef MC_ODPS_RETRY_H
#define MC_ODPS_RETRY_H

/* Set it (seconds; a value <= 0 is ignored). */
void odps_retry_set_first(double s);
/* The wait now in force, seconds. */
double odps_retry_first(void);

#endif
