/* merge_odps_state.c: the --state of mc-merge --dest=odps:// is the batch
 * upload's state of that --dest (merge_odps_int.h). Its ledger gives the
 * day cuts and the log's range, so a ledger of anything else merged the
 * tables of --dest under cuts of other rows, with exit 0: the state of
 * another project's upload, a --mode=upsert state, a local warehouse. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "odps/merge_odps_int.h"
#include "odps/state.h"
#include "wh/whpart.h"

int odps_merge_state_check(const char *state, const char *dest, const char *table,
			   struct mc_err *err)
{
	struct odps_statefile sf;
	char *p;
	int rc, there;
	memset(&sf, 0, sizeof sf);
	rc = odps_statefile_read(state, &sf, err);
	if (rc < 0)
		return -1;
	if (rc > 0 && dest && sf.dest && strcmp(sf.dest, dest) != 0) {
		mc_errf(err, MC_EXIT_USAGE, "--state=%s holds the state of --dest=%s, not of %s: "
			"its ledger says nothing of that project's tables; give the --state of "
			"mc-tunnel-put --dest=%s", state, sf.dest, dest, dest);
		odps_statefile_free(&sf);
		return -1;
	}
	odps_statefile_free(&sf);
	/* --mode=upsert's mark (dest_upsert_int.h UPS_MARK) */
	if (!(p = wh_pathf("%s/_mcsync/upsert", state)))
		return mc_oom(err, "path");
	there = access(p, F_OK) == 0;
	free(p);
	if (there)
		return mc_errf(err, MC_EXIT_USAGE, "--state=%s is of mc-tunnel-put --mode=upsert, "
			       "which keeps no log to merge (its PK tables are the current state); "
			       "give the --state of the batch upload", state);
	if (rc > 0)
		return 0;
	/* no state file: a ledger alone (older states) is taken; a local
	 * warehouse's (its table directory beside) is not */
	if (!(p = wh_pathf("%s/%s/_schema.mcr", state, table)))
		return mc_oom(err, "path");
	there = access(p, F_OK) == 0;
	if (there)
		mc_errf(err, MC_EXIT_USAGE, "--state=%s is a local warehouse ('%s' is there), not "
			"the state of mc-tunnel-put --dest=odps://...: its ledger says nothing of "
			"what MaxCompute holds; give that --state (or merge the warehouse with "
			"--warehouse=%s)", state, p, state);
	free(p);
	return there ? -1 : 0;
}
