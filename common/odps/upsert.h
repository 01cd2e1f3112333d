/* upsert.h: Tunnel upsert sessions, the writing path of PK Delta Tables
 * (docs/maxcompute.md "PK Delta Tables (real-time upsert)"; the protocol's
 * maxcompute-upsert.md §2, §4, §5).
 *
 * A session belongs to one table or one last-level partition. Its answer
 * (create, GET and every commit POST) holds the data columns, the hash_key
 * columns, the hash family and the bucket -> slot -> worker map. A change
 * record is the data columns and five hidden columns (__version,
 * __app_version, __operation 'U' or 'D', __key_cols, __value_cols = []),
 * routed to the bucket of its key (hash.h); each bucket's records go in one
 * record stream PUT with Content-Length, record_count and the slot's worker
 * in odps-tunnel-routed-server. The commit makes every bucket's records
 * visible at once; it is polled by sending it again, and "committed" or
 * UpsertSessionNotFound on a repeated POST means it took effect. */
#ifndef MC_ODPS_UPSERT_H
#define MC_ODPS_UPSERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "odps/client.h"
#include "odps/hash.h"
#include "odps/tunnel_rec.h"

#define ODPS_UPS_META 5          /* hidden columns after the data columns */
#define ODPS_UPS_MAX_BUCKETS 4096
#define ODPS_UPS_OP_UPSERT 'U'   /* 85 */
#define ODPS_UPS_OP_DELETE 'D'   /* 68 */

enum odps_ups_stat {
	ODPS_UPS_UNKNOWN = 0,
	ODPS_UPS_NORMAL,     /* writable */
	ODPS_UPS_COMMITTING, /* ask again */
	ODPS_UPS_COMMITTED,
	ODPS_UPS_EXPIRED,
	ODPS_UPS_CRITICAL,
	ODPS_UPS_ABORTED,
};

struct odps_ups_slot {
	char id[64];    /* slot_id, verbatim */
	char addr[128]; /* worker_addr host:port */
};

/* What a session answer says. */
struct odps_ups_session {
	char id[128];
	enum odps_ups_stat status;
	char status_text[32];
	struct trec_schema schema; /* the data columns, then the 5 hidden ones */
	size_t ndata;              /* data columns */
	enum odps_hasher hasher;
	size_t *keys;              /* hash_key: column indexes into schema */
	size_t nkeys;
	uint32_t nbuckets;
	uint32_t *bucket_slot;     /* nbuckets: the slot index of each bucket */
	struct odps_ups_slot *slots;
	size_t nslots;
	bool partial;              /* enable_partial_update */
};

/* Parse a session answer (JSON) into s (freed first; zeroed is fine).
 * Refuses (-1, code 1, "the upsert session answer: offset N: ...") what
 * the Java SDK refuses: any of id, schema, hash_key, hasher, slots, status
 * missing; an id unusable in a URL; an unknown status or hasher; a column
 * without a name or with an unknown type, or named like a hidden column; a
 * hash_key naming no column, twice, or a column without a hash function;
 * slots without slot_id or worker_addr host:port; buckets that are not
 * exactly 0..N-1 (N <= ODPS_UPS_MAX_BUCKETS). Never reads past body[n). */
int odps_ups_parse(const char *body, size_t n, struct odps_ups_session *s, struct mc_err *err);
void odps_ups_free(struct odps_ups_session *s);
enum odps_ups_stat odps_ups_stat_of(const char *text);

/* The bucket of a record whose data columns are v[0..s->ndata). -1 with err
 * (code 1) when a key column is NULL or cannot be hashed. */
int odps_ups_bucket(const struct odps_ups_session *s, const struct trec_val *v, uint32_t *bucket,
		    struct mc_err *err);

/* The encoder of one bucket's record stream (tunnel_rec.h over the
 * session's schema with the hidden columns). */
struct odps_ups_enc {
	struct trec_enc e;
	struct trec_val *v; /* scratch: ndata + 5 */
	size_t ndata;
};
int odps_ups_enc_init(struct odps_ups_enc *u, const struct odps_ups_session *s,
		      enum trec_comp comp, struct mc_err *err);
/* Append one change: op 'U' (the whole row: v[0..ndata)) or 'D' (the key
 * columns matter; the rest is sent as given). */
int odps_ups_enc_add(struct odps_ups_enc *u, const struct trec_val *v, char op,
		     struct mc_err *err);
void odps_ups_enc_free(struct odps_ups_enc *u);

/* One table (and partition) to write into. */
struct odps_ups {
	struct odps_client *c;
	const char *table;
	const char *part;     /* "k1=v1,k2=v2", or NULL */
	unsigned slotnum;     /* 0: 1 */
	unsigned lifecycle_h; /* 1..24 sent; else the server's default */
	double retry_s;       /* the budget of each request, seconds */
	double commit_s;      /* how long a commit may stay committing; 0: 120 */
	uint64_t seed;
	struct mc_say say;
};

int odps_ups_create(const struct odps_ups *u, struct odps_ups_session *s, struct mc_err *err);
/* GET: 0 with s, 1 when the server does not know the session (404 or
 * UpsertSessionNotFound: committed long ago, or never made), -1 with err. */
int odps_ups_get(const struct odps_ups *u, const char *id, struct odps_ups_session *s,
		 struct mc_err *err);
/* PUT bucket b's stream body[0..len) of records records. A 308 moves the
 * slot (the new worker from the answer's header, else from a GET: a bucket
 * count that changed is refused) and the same bytes go again. 0, 1 when
 * the session is no longer writable (expired, committed, aborted, unknown:
 * write the batch again in a new session), -1 with err. */
int odps_ups_put(const struct odps_ups *u, struct odps_ups_session *s, uint32_t b,
		 enum trec_comp comp, const void *body, size_t len, uint64_t records,
		 struct mc_err *err);
/* Commit and poll by sending the commit again. 0 when committed (now or
 * by an earlier POST: UpsertSessionNotFound on a repeated POST, or on the
 * first one when sent_before says an earlier run may have sent it), 1 when
 * the session ended otherwise (expired, critical, aborted, or unknown to
 * the server on a first commit: write the batch again in a new session;
 * err says which), -1 with err (code 3: still committing after commit_s,
 * or the budget spent). */
int odps_ups_commit(const struct odps_ups *u, struct odps_ups_session *s, bool sent_before,
		    struct mc_err *err);
/* DELETE: discard what the session holds. */
int odps_ups_abort(const struct odps_ups *u, const struct odps_ups_session *s,
		   struct mc_err *err);

#endif
