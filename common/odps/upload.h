/* upload.h: the Tunnel batch-upload session client (the protocol's §3,
 * docs/maxcompute.md "Uploading"): create a session (its answer holds the
 * table's schema), PUT blocks (chunked bodies, block ids 0..19999), ask a
 * session's status (its uploaded block list), commit.
 *
 * Every request is retried on what retrying can fix (HTTP 5xx, 429, 308,
 * refused, reset or dropped connections, timeouts) with the backoff of
 * httperr.h within one budget per request (retry_s, --retry-time); when the
 * budget is spent the error is code 3 (MC_EXIT_TRANSIENT). A 4xx that
 * retrying cannot fix is code 1 with the server's code and message.
 *
 * The commit is not idempotent (a commit whose answer was lost may have
 * been applied; a second one then answers StatusConflict). So the commit
 * is never simply sent again: odps_up_commit asks the status first (the
 * session must be normal and hold exactly the blocks the caller sent),
 * commits, and after any failure asks the status again before deciding:
 * closed is done (the first commit won), normal commits again, expired
 * is reported as such. */
#ifndef MC_ODPS_UPLOAD_H
#define MC_ODPS_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "odps/client.h"
#include "odps/tunnel_rec.h"

#define ODPS_MAX_BLOCKS 20000 /* block ids 0..19999 (§6.4) */

/* A session's state as the server reports it (§3.5 Status). */
enum odps_sstat {
	ODPS_SS_UNKNOWN = 0, /* a status this client does not know */
	ODPS_SS_NORMAL,      /* open: blocks may be PUT, it may be committed */
	ODPS_SS_CLOSED,      /* committed: its rows are in the table */
	ODPS_SS_EXPIRED,     /* past its life (24 h): never committed */
	ODPS_SS_CANCELED,    /* never committed */
	ODPS_SS_BUSY,        /* closing, committing: ask again later */
	ODPS_SS_CRITICAL,
};

/* What a session answer (create, status, commit) says. */
struct odps_session {
	char id[128];
	enum odps_sstat status;
	char status_text[32];
	size_t max_field;            /* MaxFieldSize; 0 when absent */
	struct trec_schema schema;   /* Schema.columns: the data columns */
	uint32_t *blocks;            /* UploadedBlockList's BlockIDs, sorted */
	size_t nblocks, cap;
};

/* Parse a session answer (JSON, §3.5) into s (freed first; zeroed is
 * fine). Refuses (-1, code 1, "the upload session answer: offset N: ...")
 * what is not one JSON object, an UploadID missing or unusable in a URL,
 * a column without a name or with a type tunnel_rec does not know, a
 * BlockID outside 0..19999 or listed twice. Never reads past body[n). */
int odps_session_parse(const char *body, size_t n, struct odps_session *s, struct mc_err *err);
void odps_session_free(struct odps_session *s);

/* The connections blocks go up on in parallel (odps_up_put_all): made on
 * first use, kept open (keep-alive) until odps_conns_free. */
struct odps_conns;
void odps_conns_free(struct odps_conns *cs);

/* One table (and partition) to upload into. */
struct odps_up {
	struct odps_client *c;
	const char *table;   /* the MaxCompute table */
	const char *part;    /* "k1=v1,k2=v2" (the Tunnel's form), or NULL */
	double retry_s;      /* the budget of each request, seconds */
	uint64_t seed;       /* of the retry jitter */
	struct mc_say say;   /* a line per retry (may be empty) */
	int threads;         /* connections for odps_up_put_all; 0, 1: c's own */
	struct odps_conns **conns; /* where they are kept (with threads > 1) */
};

/* The PUTs of blocks that come while they go (the encoder's pipeline,
 * odps/dest_odps_pipe.c): on u's connections (u->threads > 1, u->conns),
 * with odps_up_put_all's retries. */
struct odps_put_run;
int odps_put_begin(const struct odps_up *u, const char *id, enum trec_comp comp,
		   struct odps_put_run **rn, struct mc_err *err);
/* One round of the PUTs of blocks[0..n) (the array may move between calls,
 * not the bytes of a block under way; n only grows): start what may start,
 * move the transfers on, take what ended; then, unless last (no block
 * comes after these) and every one is in, wait up to ms milliseconds for
 * the network, a retry's backoff or odps_put_wake. 0, 1 (the session is
 * no longer open), -1 with err. */
int odps_put_step(struct odps_put_run *rn, const struct mc_buf *blocks, size_t n, int last, int ms,
		  struct mc_err *err);
/* The blocks in (answered 2xx); whether block k is. */
size_t odps_put_in(const struct odps_put_run *rn);
int odps_put_block_in(const struct odps_put_run *rn, size_t k);
/* End the wait of odps_put_step (from any thread; rn: the run). */
void odps_put_wake(void *rn);
/* Stop what is under way and free rn (NULL is fine). */
void odps_put_end(struct odps_put_run *rn);

/* Create a session (create_partition: the server creates a missing
 * partition, §3.1/§8.1). s gets the answer. */
int odps_up_create(const struct odps_up *u, int create_partition, struct odps_session *s,
		   struct mc_err *err);

/* The status of session id into s. Returns 0, 1 when the server does not
 * know the session (HTTP 404, or an answer saying it does not exist: as
 * good as expired), -1 with err. */
int odps_up_status(const struct odps_up *u, const char *id, struct odps_session *s,
		   struct mc_err *err);

/* PUT block blockid of session id: body[0..len) with Content-Encoding
 * comp (tunnel_rec.h). 0, 1 when the session is no longer open (409
 * StatusConflict: expired, or closed), -1 with err. */
int odps_up_put(const struct odps_up *u, const char *id, uint32_t blockid, enum trec_comp comp,
		const void *body, size_t len, struct mc_err *err);

/* PUT blocks 0..n-1 of session id (blocks[i] is block i), on u->threads
 * connections at once (libcurl's multi interface, in the calling thread),
 * each block retried as odps_up_put does, within its own budget. Returns
 * as odps_up_put: 0 when every block is in, 1 when the session is no
 * longer open, -1 with err (code 1: a 4xx that retrying cannot fix; code
 * 3: a block's budget spent); on the first 1 or -1 the PUTs under way are
 * stopped and the others not sent. With threads <= 1 or one block, the
 * blocks go one after the other on c's own connection (odps_up_put). */
int odps_up_put_all(const struct odps_up *u, const char *id, enum trec_comp comp,
		    const struct mc_buf *blocks, size_t n, struct mc_err *err);

/* Commit session id, which must hold exactly blocks[0..n) (sorted,
 * distinct), by the protocol above. 0 when the session is committed (by
 * this call or an earlier one), 1 when it is expired or canceled (never
 * committed: upload the rows again in a new session; err says which),
 * -1 with err (code 1: the server holds other blocks than those sent, or
 * another refusal; code 3: the budget is spent). */
int odps_up_commit(const struct odps_up *u, const char *id, const uint32_t *blocks, size_t n,
		   struct mc_err *err);

#endif
