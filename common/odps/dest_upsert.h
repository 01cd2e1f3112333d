/* dest_upsert.h: mc-tunnel-put --dest=odps://... --mode=upsert: the
 * changes applied to PK Delta Tables through Tunnel upsert sessions
 * (odps/upsert.h; docs/maxcompute.md "PK Delta Tables (real-time upsert)",
 * "--mode=upsert").
 *
 * Per table (and partition, when --partition names one) and commit: one
 * upsert session; each change's row routed to the bucket of its key; an
 * insert or update is an upsert of the after image, a delete a delete of
 * the before image's key, an update that changes the key a delete of the
 * old key and an upsert of the new; the changes to one key in a commit are
 * collapsed to the last. A commit: sessions created and journalled, every
 * bucket PUT, the bodies and the next ledger kept in the state directory,
 * the journal moved to "commit" (the sessions in doubt), each session
 * committed, then the next ledger renamed over the ledger (the commit
 * point). A rerun resolves a commit in doubt before anything newer goes
 * up: a session still normal is committed, one committing or committed is
 * polled to its end, one expired, aborted or unknown gets the kept bodies
 * again in a new session (the same newest states of the same keys: no key
 * goes back). Sessions of a commit killed before its journal says
 * "commit" are aborted. */
#ifndef MC_ODPS_DEST_UPSERT_H
#define MC_ODPS_DEST_UPSERT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "odps/client.h"
#include "odps/sql.h"
#include "stream/dest.h"

/* From dest_odps_open: with --mode=upsert (o->odps->upsert) open the
 * upsert destination into d (0, or -1 with err); without it, refuse a
 * state directory of --mode=upsert (-1, code 2), else 1: the batch
 * destination goes on. */
int dest_upsert_dispatch(const char *dest, const struct dest_opts *o, struct dest *d,
			 struct mc_err *err);

/* The upsert writers of the state mirror (dest_upsert_own.c; the batch
 * upload asks them too): every row of kind "upsert" of a writer other than
 * me of --dest dest, loaded once; then whether one of them owns source
 * table s (ledger key "name." + s) in table name: 1 with its writer (in
 * o) and commit, 0, -1 with err. */
struct orow;
struct odps_upowners {
	struct odps_client *c;
	struct odps_sql_opts so;
	const char *dest, *me;
	struct mc_buf out;
	struct orow *r;
	size_t n;
};
int odps_upowners_load(struct odps_upowners *o, struct mc_err *err);
/* The rows of the SQL answer in o->out (header, then "writer,seq,body"
 * lines): what _load does after the query; rows not mcsync's or of
 * another dest are passed over. */
int odps_upowners_parse(struct odps_upowners *o, struct mc_err *err);
/* The writer of row i (i < o->n), or NULL. */
const char *odps_upowners_writer(const struct odps_upowners *o, size_t i);
int odps_upowners_find(const struct odps_upowners *o, const char *s, const char *name,
		       const char **writer, uint64_t *seq, struct mc_err *err);
/* Whether ledger names l mark N a merge destination (mc-transform's merge
 * rules: ledger_merge_key). */
struct ckpt;
int odps_merge_dest(const struct ckpt *l, const char *name);
/* Another writer owning another source table than s in N (or claiming
 * it by a session the Tunnel says was committed): 1 with it and that
 * source (its ledger name "DB.TABLE"), 0, or -1. */
int odps_upowners_other(const struct odps_upowners *o, const char *s, const char *name,
			const char **writer, const char **src, struct mc_err *err);
/* The refusal of source s into N, which writer w2 fills from source s2. */
int odps_two_sources(const char *project, const char *name, const char *s2, const char *w2,
		     const char *s, struct mc_err *err);
void odps_upowners_free(struct odps_upowners *o);

#endif
