/* merge_odps_int.h: what merge_odps.c (the merge in MaxCompute) and
 * merge_odps_hist.c (its schema history) share. Internal to common/odps. */
#ifndef MC_MERGE_ODPS_INT_H
#define MC_MERGE_ODPS_INT_H

#include <stddef.h>

#include "base/err.h"
#include "odps/client.h"
#include "odps/sql.h"
#include "odps/tables.h"
#include "stream/ckpt.h"
#include "stream/ledger.h"
#include "stream/rec.h"
#include "wh/layout.h"
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

/* ---- the merge of one table (merge_odps.c) ---- */

struct odps_merge_opts;

struct mo {
	struct odps_client *c;
	const struct odps_merge_opts *o, *lo; /* o->table: the newest generation's (gen.h) */
	struct odps_sql_opts so;       /* o->sql with the merge's settings */
	struct mc_ledger L;
	const struct mc_ledger *src;   /* the table's source (one history) */
	struct odps_desc d;
	struct mc_col cols[MC_MAX_COLUMNS];
	struct mc_rec schema;          /* the data columns (names), for merge_sql */
	uint32_t key[MC_MAX_COLUMNS];
	size_t nkey;
	int key_given;                 /* by --key: the table has none */
	struct ckpt rec;               /* STATE/merge.T */
	char *recpath;
	int lockfd;
	int64_t *days;                 /* the partitions of T, ascending */
	size_t ndays, capdays;
	int64_t base;                  /* the base partition's day */
	struct mc_pos from, upto;
	int upto_inf;
	int has_barrier;               /* the newest TRUNCATE (or CREATE after */
	struct mc_pos barrier;         /* a DROP) in [from, upto): its marker */
	int named_insert;              /* T is not mcsync's layout (a table used with
					* --existing-tables=proceed): INSERT names
					* its columns, the others stay NULL */
	struct odps_desc dl;           /* then: DESC T_log */
	struct odps_mhist mh;          /* the schema history (merge_odps_int.h) */
	enum wh_layout lay;            /* the log table's (the ledger's log_layout) */
	int declared;                  /* the key is --key's, not the source's:
					* checked over the log (key_check) */
};

/* A line of -v output; an SQL instance of the merge (out NULL: its answer
 * is not wanted). */
void odps_mo_say(struct mo *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int odps_mo_sql(struct mo *m, const char *q, struct mc_buf *out, struct mc_err *err);

/* merge_odps_key.c: a --key (m->key_given) unique over the base partition
 * (exit 1 naming how many values are taken twice); a declared key
 * (m->declared) made a second live row by no change of q's range (exit 1
 * naming the change; exit 2 in a log layout other than mcsync's). */
int odps_mo_key_unique(struct mo *m, struct mc_err *err);
int odps_mo_key_check(struct mo *m, const struct merge_sql *q, struct mc_err *err);

#endif
