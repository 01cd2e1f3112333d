/* merge_odps.h: mc-merge's merge run inside MaxCompute (docs/maxcompute.md
 * "The merge in MaxCompute"): the SQL of wh/merge_sql.c submitted as an
 * instance, INSERT OVERWRITE of the new partition ds=D of table T from its
 * base partition and T_log, the day cut and the base chosen as the local
 * merge chooses them (docs/merge.md), from the upload destination's ledger
 * (STATE/_mcsync/ledger, where mc-tunnel-put writes it) and mc-merge's own
 * record of the partitions it made (STATE/merge.T); or the state at a point
 * into another table.
 *
 *	struct odps_merge_opts o = { ... };
 *	rc = odps_merge_run(client, &o, &err);
 */
#ifndef MC_ODPS_MERGE_ODPS_H
#define MC_ODPS_MERGE_ODPS_H

#include <stdint.h>

#include "base/err.h"
#include "odps/client.h"
#include "odps/sql.h"
#include "stream/rec.h"

struct odps_merge_opts {
	const struct odps_sql_opts *sql;
	const char *state;     /* the upload destination's state directory */
	const char *dest;      /* --dest as given: the state's must be the same */
	const char *table;     /* the base table T (its log is T_log) */
	const char *ds;        /* the day to build, "YYYYMMDD", or NULL (at) */
	int64_t day;
	const char *at;        /* --at as given, or NULL */
	int at_is_pos;
	struct mc_pos at_pos;
	int64_t at_time;       /* seconds, as datetime_parse gives */
	const char *into;      /* --at: the table that gets the state */
	const char *key;       /* --key=COL[,COL] or NULL: the key the table's
				* comment records */
	uint64_t lifecycle;    /* days of full partitions kept; 0 keeps all */
	int skip_merged;       /* with ds: nothing to do for a day merged
				* already (recorded in STATE/merge.T and
				* listed by SHOW PARTITIONS) or before the
				* table's oldest partition (--skip-merged) */
	int *skipped;          /* set when skip_merged did nothing (or NULL): why,
				* MJ_SKIP_MERGED or MJ_SKIP_BEFORE */
	int *nothing;          /* set to 1 when ds is the snapshot itself (or NULL) */
	int verbose;
	struct mc_say say;
};

/* 0 (also: ds is the snapshot itself, or skipped, nothing done); -1 with err: code 1
 * (the day not over, no base, an SQL task failed, ...), 2 (a bad --key),
 * 3 (the service unreachable within the retry time, or another mc-merge
 * holds the table: STATE/merge.T.lock). */
int odps_merge_run(struct odps_client *c, const struct odps_merge_opts *o, struct mc_err *err);

#endif
