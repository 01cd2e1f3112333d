/* Choosing the destination from a --dest value: the one place that knows
 * every implementation (stream/dest.h). */
#include "sink/sink.h"

#include <string.h>

#include "odps/dest_odps.h"
#include "wh/dest_wh.h"

#define ODPS_SCHEME "odps://"

int dest_open(const char *spec, const struct dest_opts *o, struct dest *d, struct mc_err *err)
{
	memset(d, 0, sizeof *d);
	if (!*spec)
		return mc_errf(err, MC_EXIT_USAGE, "--dest is empty (want a warehouse directory "
			       "or odps://PROJECT[/SCHEMA])");
	if (strncmp(spec, ODPS_SCHEME, sizeof ODPS_SCHEME - 1) == 0)
		return dest_odps_open(spec, o, d, err);
	if (o->odps && o->odps->state)
		return mc_errf(err, MC_EXIT_USAGE, "--state is for --dest=odps://... (a local "
			       "warehouse keeps its state inside itself)");
	return dest_wh_open(spec, o, d, err);
}
