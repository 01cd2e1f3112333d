/* dest_odps.h: a MaxCompute project as a destination of the sink
 * (stream/dest.h; docs/maxcompute.md "Uploading", "Exactly once").
 *
 * Each partition's rows of a commit go up as one Tunnel upload session
 * (odps/upload.h): blocks of the record stream (odps/tunnel_rec.h) cut by
 * size. The ledger and a journal of the sessions of the commit under way
 * are kept in a local state directory (odps/state.h); a commit writes the
 * journal, commits each session, then the ledger. On open, sessions of a
 * commit the ledger does not hold are asked of the server, so that when
 * the sink sends that commit's rows again, the partitions already in
 * MaxCompute are skipped. */
#ifndef MC_ODPS_DEST_ODPS_H
#define MC_ODPS_DEST_ODPS_H

#include "base/err.h"
#include "odps/creds.h"
#include "odps/tunnel_rec.h"
#include "stream/dest.h"

struct dest_odps_opts {
	struct odps_conn_opts conn; /* --endpoint, --tunnel-endpoint, --odps-config (dest: set
				     * by dest_odps_open) */
	const char *state;          /* --state=DIR: required */
	const char *ca_file;        /* --ca-file */
	double retry_s;             /* --retry-time, seconds; 0: 15 minutes */
	enum trec_comp comp;        /* --compress (default deflate) */
	size_t block_size;          /* --block-size; 0: 64 MiB */
	uint32_t lifecycle;         /* --table-lifecycle: of the tables created (0: none) */
	int proceed;                /* --existing-tables=proceed */
	int threads;                /* --threads: connections the blocks go up on */
	int upsert;                 /* --mode=upsert: changes into PK Delta Tables
				     * (odps/dest_upsert.h) */
	uint32_t buckets;           /* --buckets: write.bucket.num of the PK tables
				     * created; 0: 16 */
	struct mc_say say;          /* retries */
	const char *ckpt_out;       /* --checkpoint-out: written as soon as a commit is
				     * decided (its journal and the state mirror's row
				     * committed), before its data sessions, or NULL */
};

/* Open the MaxCompute destination of --dest=odps://PROJECT[/SCHEMA]:
 * resolve the target (creds.h), lock and read the state directory (which
 * must be of the same --dest), make the HTTP client. -1 with err (code 2
 * for a usage error, 3 when another writer holds the state). */
int dest_odps_open(const char *dest, const struct dest_opts *o, struct dest *d,
		   struct mc_err *err);

/* The MaxCompute table name of source table db.table into out: `given`
 * (--name, or NULL) or DB__TABLE, at most max characters of
 * [A-Za-z0-9_], folded to lower case (MaxCompute's names are not
 * case-sensitive). -1 (code 1) otherwise. */
int odps_table_name(const struct mc_str *db, const struct mc_str *table, const char *given,
		    size_t max, char *out, size_t outsz, struct mc_err *err);

/* -1 (code 2) when the --state directory has a ledger and no state file
 * (odps/state.h): a local warehouse, whose ledger is not of MaxCompute. */
int odps_state_check_not_wh(const char *state, struct mc_err *err);

#endif
