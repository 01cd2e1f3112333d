/* wh_notstate.c: a warehouse is not the --state directory of a MaxCompute
 * destination. The two share the ledger's format and place
 * (DIR/_mcsync/ledger), so a state directory given as --dest=DIR was taken
 * for a warehouse: its changes went into local files under it and its
 * ledger moved past them, and the next run into MaxCompute dropped them as
 * committed (exit 0 both times). The marks of such a directory: the batch
 * upload's state file (odps/state.h ODPS_STATEFILE) and --mode=upsert's
 * mark (odps/dest_upsert_int.h UPS_MARK), named here by their paths as wh/
 * does not see odps/. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "wh/wh.h"
#include "wh/whpart.h"

int wh_check_not_odps_state(const char *dir, struct mc_err *err)
{
	static const char *const marks[] = { WH_STATE "/odps", WH_STATE "/upsert" };
	for (size_t i = 0; i < sizeof marks / sizeof *marks; i++) {
		char *p = wh_pathf("%s/%s", dir, marks[i]);
		int there;
		if (!p)
			return mc_oom(err, "warehouse");
		there = access(p, F_OK) == 0;
		if (there)
			mc_errf(err, MC_EXIT_USAGE, "--dest=%s is the --state directory of a MaxCompute "
				"destination ('%s' is there), not a warehouse: its ledger is of what "
				"MaxCompute holds, and local files under it would move it past rows "
				"MaxCompute never got; give it as --state=%s with its --dest=odps://..., "
				"or another --dest", dir, p, dir);
		free(p);
		if (there)
			return -1;
	}
	return 0;
}
