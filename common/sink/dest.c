/* Choosing the destination from a --dest value: the one place that knows
 * every implementation (stream/dest.h). */
#include "sink/sink.h"

#include <string.h>

#include "wh/dest_wh.h"

#define ODPS_SCHEME "odps://"

int dest_open(const char *spec, const struct dest_opts *o, struct dest *d, struct mc_err *err)
{
	memset(d, 0, sizeof *d);
	if (!*spec)
		return mc_errf(err, MC_EXIT_USAGE, "--dest is empty (want a warehouse directory)");
	if (strncmp(spec, ODPS_SCHEME, sizeof ODPS_SCHEME - 1) == 0)
		return mc_errf(err, MC_EXIT_USAGE,
			       "--dest=%s: the MaxCompute destination is not built yet (give a "
			       "local warehouse directory)", spec);
	return dest_wh_open(spec, o, d, err);
}
