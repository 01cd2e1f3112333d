/* opt.h: checked option values. Each returns 0, or -1 with err set to a
 * usage error (code 2) naming the option and the value. */
#ifndef MC_OPT_H
#define MC_OPT_H

#include <stdint.h>

#include "base/err.h"
#include "stream/rec.h"

/* An unsigned integer in [min, max]. */
int opt_u64(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out,
	    struct mc_err *err);
/* A duration in seconds, decimals allowed ("1", "0.05"), in [min, max]. */
int opt_seconds(const char *opt, const char *arg, double min, double max, double *sec,
		struct mc_err *err);
/* A size with optional K/M/G/T suffix (num_size), in [min, max]. */
/* A duration in minutes, decimals allowed ("15", "0.5"), into seconds;
 * 0 only when zero_ok; at most max minutes. The programs' --retry-time. */
int opt_minutes(const char *opt, const char *arg, int zero_ok, double max, double *sec,
		struct mc_err *err);
int opt_size(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out,
	     struct mc_err *err);
/* A position FILE:OFFSET:ROW. */
int opt_pos(const char *opt, const char *arg, struct mc_pos *out, struct mc_err *err);
/* One of the NULL-terminated names; *out is its index. */
int opt_choice(const char *opt, const char *arg, const char *const *names, int *out,
	       struct mc_err *err);

#endif
