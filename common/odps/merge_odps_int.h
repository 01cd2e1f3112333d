/* merge_odps_int.h: what merge_odps.c (the merge in MaxCompute) and
 * merge_odps_hist.c (its schema history) share. Internal to common/odps. */
#ifndef MC_MERGE_ODPS_INT_H
#define MC_MERGE_ODPS_INT_H

#include <stddef.h>

#include "base/err.h"
#include "odps/client.h"
#include "odps/sql.h"
#include "stream/rec.h"
#include "wh/merge_sql.h"
#include "wh/schemahist.h"
#include "wh/sqlhist.h"

/* The table's schema history (STATE/_mcsync/hist/T.mcr, written by
 * mc-tunnel-put), when it has two versions or more: the merge is written
 * over its SQL columns for the version in force at upto (target), from
 * the oldest version of a row that counts (lo). */
struct odps_mhist {
	int active;
	struct wh_hist h;
	struct wh_sqlhist x;
	size_t lo, target;
	/* changes of the key with changes under the old key in range: the
	 * merge goes in steps (merge_sql.h) */
	struct merge_sql_kph *kph;
	size_t nkph, capkph;
};

/* Read it: 0 (mh->active when it has two versions or more), -1. */
int odps_mhist_load(const char *state, const char *table, const struct mc_pos *upto,
		    int upto_inf, struct odps_mhist *mh, struct mc_err *err);

/* The range's rows (the log table of layout `layout`): from `from` (or above the barrier) and the base
 * partition's (ds=base_ds; NULL: none counts). Sets mh->lo; -1 with err
 * (code 1) for what the SQL merge cannot do exactly: a conversion mc-merge
 * refuses (wh_sqlhist_check), an old version without a key with changes
 * under it before a change of the key, rows with one key twice under the
 * new key at a change of the key (the base's, or a step's). A change of
 * the key with log changes under the old key before it is a step
 * (mh->kph). */
int odps_mhist_plan(struct odps_client *c, const struct odps_sql_opts *so, const char *table,
		    const char *base_ds, const struct mc_pos *from, const struct mc_pos *upto,
		    int upto_inf, const struct mc_pos *barrier, int layout, struct odps_mhist *mh,
		    struct mc_err *err);

/* merge_odps_lay.c: the query of the lowest position of a change in
 * table_log (layout: enum wh_layout, its position columns, logpos.h) above
 * the barrier (or from `from` on), below lt and upto (each NULL: none). */
int odps_mhist_logq(struct mc_buf *q, const char *table, int layout, const struct mc_pos *barrier,
		    const struct mc_pos *from, const struct mc_pos *lt, const struct mc_pos *upto,
		    struct mc_err *err);

void odps_mhist_free(struct odps_mhist *mh);

/* mc-merge's --state is the batch upload's state of dest (its state file
 * names dest), not a --mode=upsert state nor a local warehouse (table's
 * directory there): 0, or -1 with err (code 2) naming what it is
 * (merge_odps_state.c). dest NULL: not compared. */
int odps_merge_state_check(const char *state, const char *dest, const char *table,
			   struct mc_err *err);

#endif
