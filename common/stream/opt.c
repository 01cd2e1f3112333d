#include "stream/opt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/num.h"

int opt_u64(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out,
	    struct mc_err *err)
{
	uint64_t v;
	if (num_u64(arg, &v) < 0 || v < min || v > max)
		return mc_errf(err, MC_EXIT_USAGE,
			       "bad value for %s: '%s' (want an integer in %" PRIu64 "..%" PRIu64 ")",
			       opt, arg, min, max);
	*out = v;
	return 0;
}

/* A plain decimal number (digits and a point: no sign, exponent, hex or
 * spaces), the whole of arg: 0, or -1. */
static int decimal(const char *arg, double *v)
{
	char *end;
	if (!*arg || strspn(arg, "0123456789.") != strlen(arg))
		return -1;
	*v = strtod(arg, &end);
	return *end ? -1 : 0;
}

int opt_minutes(const char *opt, const char *arg, int zero_ok, double max, double *sec,
		struct mc_err *err)
{
	double m;
	if (decimal(arg, &m) < 0 || !(m >= 0) || (!zero_ok && m == 0) || m > max)
		return mc_errf(err, MC_EXIT_USAGE,
			       "bad value for %s: '%s' (want minutes, e.g. 15 or 0.5, %s%g at most)",
			       opt, arg, zero_ok ? "0 for none, " : "more than 0, ", max);
	*sec = m * 60;
	return 0;
}

int opt_seconds(const char *opt, const char *arg, double min, double max, double *sec,
		struct mc_err *err)
{
	double s;
	if (decimal(arg, &s) < 0 || !(s >= min) || s > max)
		return mc_errf(err, MC_EXIT_USAGE,
			       "bad value for %s: '%s' (want seconds, e.g. 1 or 0.05, %g..%g)", opt,
			       arg, min, max);
	*sec = s;
	return 0;
}

int opt_size(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out,
	     struct mc_err *err)
{
	uint64_t v;
	if (num_size(arg, &v) < 0 || v < min || v > max)
		return mc_errf(err, MC_EXIT_USAGE,
			       "bad value for %s: '%s' (want a size like 200M, %" PRIu64 "..%" PRIu64
			       " bytes)", opt, arg, min, max);
	*out = v;
	return 0;
}

int opt_pos(const char *opt, const char *arg, struct mc_pos *out, struct mc_err *err)
{
	if (pos_parse(arg, out, err) < 0)
		return mc_errf(err, MC_EXIT_USAGE, "bad value for %s: '%s' (want FILE:OFFSET:ROW)",
			       opt, arg);
	return 0;
}

int opt_choice(const char *opt, const char *arg, const char *const *names, int *out,
	       struct mc_err *err)
{
	char list[256] = "";
	size_t n = 0;
	for (int i = 0; names[i]; i++) {
		if (strcmp(arg, names[i]) == 0) {
			*out = i;
			return 0;
		}
		if (n < sizeof list - 1) {
			int w = snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", names[i]);
			if (w > 0)
				n += (size_t)w;
		}
	}
	return mc_errf(err, MC_EXIT_USAGE, "bad value for %s: '%s' (one of: %s)", opt, arg, list);
}
