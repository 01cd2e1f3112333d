/* dest_odps_name.c: the MaxCompute table name of a source table
 * (docs/maxcompute.md "Tables"), and what a --state directory must not be. MaxCompute's names are not case-sensitive
 * (`Orders` and `orders` are one table), so the name is folded to lower
 * case: two source tables whose names differ only in case then meet under
 * one name in the ledger, which the sink refuses (exit 2), instead of
 * their rows meeting in one MaxCompute table; and the checks between
 * state directories compare the names MaxCompute compares. */
#include "odps/dest_odps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "odps/state.h"
#include "base/alloc.h"
#include "wh/wh.h"
#include "wh/whpart.h"

int odps_table_name(const struct mc_str *db, const struct mc_str *table, const char *given,
		    size_t max, char *out, size_t outsz, struct mc_err *err)
{
	if (given)
		snprintf(out, outsz, "%s", given);
	else if (wh_default_name(db, table, out, outsz, err) < 0)
		return -1;
	if (!wh_name_ok(out, strlen(out)) || strlen(out) > max)
		return mc_errf(err, MC_EXIT_DATA, "MaxCompute table name '%s' is not 1..%zu letters, "
			       "digits and '_' (give --name)", out, max);
	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return 0;
}

int odps_state_check_not_wh(const char *state, struct mc_err *err)
{
	char *p = wh_pathf("%s/%s", state, WH_LEDGER);
	int there;
	if (!p)
		return mc_oom(err, "state");
	there = access(p, F_OK) == 0;
	free(p);
	if (there)
		return mc_errf(err, MC_EXIT_USAGE, "--state=%s has a ledger but no state file "
			       "('%s/" ODPS_STATEFILE "'): it is a local warehouse (or a damaged "
			       "state), whose ledger says nothing of what MaxCompute holds; give "
			       "another --state (or --recover into an empty one)", state, state);
	return 0;
}
