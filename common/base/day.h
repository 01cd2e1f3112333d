/* day.h: days of the proleptic Gregorian calendar, counted from
 * 1970-01-01 (day 0), as the warehouse's day partitions and the ledger's
 * day cuts name them. */
#ifndef MC_DAY_H
#define MC_DAY_H

#include <stdint.h>

/* Days since 1970-01-01 of a date YYYYMMDD (checked): 0, or -1. */
int day_parse(const char *s, int64_t *day);
/* Format a day as YYYYMMDD. */
void day_format(int64_t day, char out[16]);
/* The day of time t (seconds since the epoch) at a UTC offset in seconds. */
int64_t day_of(int64_t t, int64_t utc_off);
/* "YYYY-MM-DD[ hh:mm:ss]" (or 'T' for the space) as seconds since the
 * epoch, UTC: 0, or -1. */
int datetime_parse(const char *s, int64_t *t);
/* The reverse: t as "YYYY-MM-DD hh:mm:ss" (the year 0000 out of 0..9999). */
void datetime_format(int64_t t, char out[24]);

#endif
