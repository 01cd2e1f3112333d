/* txn.h: the open transaction of a binlog reader, held until its commit.
 *
 * Its events are added as they are read, raw (after bl_check_as has
 * verified their length and checksum), and decoded once, in order, when
 * the transaction is replayed at its commit: txn_replay is the one path
 * that decodes them, whether they stayed in memory or spilled to a zstd
 * temporary file (above `memory` bytes). A DDL statement inside a
 * transaction (CREATE TABLE ... SELECT) is added decoded (txn_add_query)
 * and replayed as a QUERY event. Prepared XA transactions wait in a
 * struct txn_xa for their XA COMMIT or XA ROLLBACK. */
#ifndef MC_TXN_H
#define MC_TXN_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/zio.h"
#include "binlog/binlog.h"

struct bl_txn {
	uint64_t memory;     /* spill once more than this many bytes are held */
	const char *name;    /* temporary files: in $TMPDIR (or /tmp) with no name
			      * (O_TMPFILE), else <name>.XXXXXX unlinked at once */
	struct mc_buf buf;   /* [u64 off][u64 start][u8 flags][u32 len][bytes]... */
	int spill_fd;        /* -1 unless the transaction spilled */
	struct zout spill;
	uint64_t spilled;    /* bytes written to the spill file */
	uint64_t bad_start;  /* txn_replay: where the event that failed starts */
	size_t refs;         /* entries held by reference (txn_add_ref) */
	uint64_t ref_bytes;  /* their bytes: counted against `memory` too */
	const uint8_t *first_ref; /* the bytes of the first of them (NULL: none) */
};

/* Where an event of the transaction was read. */
struct txn_at {
	uint64_t off;   /* the position after it (or the payload it was in) */
	uint64_t start; /* its own offset, for messages */
	int inner;      /* it came inside a transaction payload */
};

void txn_init(struct bl_txn *t, uint64_t memory, const char *name);
/* Nothing held. */
int txn_empty(const struct bl_txn *t);

/* Add an event p[0..n) already checked. 0, or -1 (out of memory, or the
 * temporary file failed: "temporary file: ..."). */
int txn_add(struct bl_txn *t, const uint8_t *p, size_t n, const struct txn_at *at,
	    struct mc_err *err);
/* Add an event p[0..n) already checked whose bytes stay where they are
 * until the transaction is replayed or discarded, or txn_unref (a mapped
 * file): only a reference to them is held (spilling, and txn_xa_hold, copy
 * them). 0 or -1, as txn_add. */
int txn_add_ref(struct bl_txn *t, const uint8_t *p, size_t n, const struct txn_at *at,
		struct mc_err *err);
/* Copy the bytes of the entries held by reference: they no longer need to
 * stay where they were. 0, or -1 (out of memory). */
int txn_unref(struct bl_txn *t, struct mc_err *err);
/* The bytes held by reference were moved by delta bytes (modulo 2^N: the
 * new address minus the old, as integers), all of them together (a
 * buffer moved or grown): the references follow them. */
void txn_moved(struct bl_txn *t, uintptr_t delta);
/* Add a decoded statement (a DDL inside the transaction): replayed as a
 * BL_QUERY event with these when, db and sql. */
int txn_add_query(struct bl_txn *t, uint32_t when, struct mc_str db, struct mc_str sql,
		  const struct txn_at *at, struct mc_err *err);

/* Called for each event replayed, in order; ev is decoded (its rows not
 * yet read: bl_row_next). Returns 0 or -1 (err set). */
typedef int (*txn_fn)(void *ctx, struct bl_event *ev, const struct txn_at *at,
		      struct mc_err *err);

/* Decode the events held, in order, with d, calling fn for each; then hold
 * nothing. -1 when fn fails, when the temporary file fails, or when an
 * event does not decode: then t->bad_start is its offset (else
 * UINT64_MAX). */
int txn_replay(struct bl_txn *t, struct bl_decoder *d, txn_fn fn, void *ctx, struct mc_err *err);

/* Where the next event added will go: for txn_cut (a SAVEPOINT).
 * UINT64_MAX once the transaction spilled (a spill file is not cut). */
uint64_t txn_mark(const struct bl_txn *t);
/* Forget the events added since txn_mark returned mark (a ROLLBACK TO
 * SAVEPOINT): 0, or -1 when they cannot be (the mark is UINT64_MAX, or
 * the transaction spilled since). */
int txn_cut(struct bl_txn *t, uint64_t mark);

/* Forget the events held. A buffer grown by a large transaction is given
 * back. */
void txn_discard(struct bl_txn *t);
void txn_free(struct bl_txn *t);

/* Prepared XA transactions, by the text of their xid. */
struct txn_held {
	char id[300];
	struct bl_txn txn;
};
struct txn_xa {
	struct txn_held *v;
	size_t n, cap;
};

/* Move t's events under id (t is left empty). 0 or -1 (out of memory). */
int txn_xa_hold(struct txn_xa *x, const char *id, struct bl_txn *t, struct mc_err *err);
/* The transaction held under id into t (its events replace t's): 1, or 0
 * when none is (t untouched). */
int txn_xa_take(struct txn_xa *x, const char *id, struct bl_txn *t);
/* Forget the transaction held under id, if any. */
void txn_xa_drop(struct txn_xa *x, const char *id);
void txn_xa_free(struct txn_xa *x);

#endif
