/* dest_upsert_int.h: what dest_upsert.c (the operations) and
 * dest_upsert_doubt.c (the journal, the commit in doubt) share. Internal to
 * common/odps. */
#ifndef MC_DEST_UPSERT_INT_H
#define MC_DEST_UPSERT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "odps/client.h"
#include "odps/dest_odps.h"
#include "odps/endpoint.h"
#include "odps/types.h"
#include "odps/upsert.h"
#include "stream/ckpt.h"
#include "stream/dest.h"
#include "stream/rec.h"

#define UPS_MARK "_mcsync/upsert"           /* this state is of --mode=upsert */
#define UPS_JOURNAL "_mcsync/upsert-journal" /* the sessions of the commit under way */
#define UPS_NEXT "_mcsync/upsert-next"       /* its ledger (NEXT/_mcsync/ledger) and bodies */
#define UPS_TRIES 3

/* One change, collapsed per key: its key and row in the arena. */
struct uop {
	char op; /* 'U' or 'D' */
	char snap; /* a snapshot row's (a change of its key replaces it, it
		    * replaces no change) */
	size_t koff, klen, voff, vlen;
};

/* A table (and partition) of this destination. */
struct dest_part {
	char *table, *part, *tpart;
	int is_log;
	int ensured;
	/* the source's schema (of the first schema record) */
	struct mc_buf schema;    /* the record, encoded */
	struct mc_rec srec;      /* decoded from schema (scratch sc) */
	struct mc_scratch sc;
	struct odps_colmap *maps;
	size_t nmaps;
	/* this commit */
	struct mc_buf arena;
	struct uop *ops;
	size_t nops, opcap;
	size_t *slot; /* open addressing: index + 1 into ops, 0 empty */
	size_t nslot;
	struct odps_ups_session sess;
	size_t *plan; /* session column -> source column */
	struct bodies {
		uint32_t bucket;
		uint64_t records;
		struct mc_buf b;
	} *bodies;
	size_t nbodies, bcap;
};

struct ud {
	struct dest_odps_opts o;
	char *dest;
	struct odps_target t;
	struct odps_client c;
	int client_ok, lockfd;
	uint64_t seq;
	struct dest_part **parts;
	size_t nparts, cap;
	struct mc_scratch sc;
	struct odps_val *ov;
	struct trec_val *tv;
	size_t valcap;
	/* dest_upsert_own.c: DIR/_mcsync/upsert-owner (the writer, the pairs
	 * owned and claimed), this commit's new pairs, this run's rows */
	struct ckpt own, own_new;
	int own_mirror;
	uint64_t own_rows;
	char own_day[16];
};

struct odps_ups ups_of(struct ud *w, const struct dest_part *p);
char *ups_spath(const struct ud *w, const char *name);
int ups_read_file(struct mc_buf *b, const char *path, struct mc_err *err);
/* DIR/_mcsync/upsert-journal: this commit's sessions, in phase put or commit */
int ups_journal_write(struct ud *w, const char *phase, struct mc_err *err);
/* DIR/_mcsync/upsert-next/bodies: this commit's bodies, for a rerun */
int ups_bodies_write(struct ud *w, struct mc_err *err);
void ups_next_remove(struct ud *w);
/* The next ledger over the ledger: the commit point. */
int ups_ledger_move(struct ud *w, struct mc_err *err);
/* the journal's phase (NULL: the ledger l) and --checkpoint-out of l around it */
int ups_ckpt_decide(struct ud *w, const struct mc_ledger *l, const char *phase,
		    struct mc_err *err);
/* dest_ops.read_ledger: the ledger, after resolving a commit in doubt. */
int ups_read_ledger(void *st, struct mc_ledger *l, struct mc_err *err);

/* dest_upsert_own.c: one state directory per source table. The mark
 * DIR/_mcsync/upsert (1 with the dest into out, 0 none, -1); the owner
 * file read or made (with this state's writer); the check of a commit's
 * new pairs against the other writers (before its sessions: refused, code
 * 1), its claim (after its PUTs, before its decision; again before any
 * session made anew is committed: _resend); a rerun's check of the claims
 * of the commit it finishes; the claims settled against ledger seq. */
int ups_mark_read(const char *state, char *out, size_t outsz, struct mc_err *err);
int ups_own_open(struct ud *w, struct mc_err *err);
int ups_own_check(struct ud *w, const struct mc_ledger *l, struct mc_err *err);
int ups_own_claim(struct ud *w, struct mc_err *err);
int ups_own_recheck(struct ud *w, struct mc_err *err);
int ups_own_resend(struct ud *w, const char *table, const char *tpart, const char *id,
		   struct mc_err *err);
int ups_own_settle(struct ud *w, uint64_t seq, struct mc_err *err);

/* The Content-Encoding of this run's upsert PUTs: --compress, but zstd
 * goes as deflate (upsert sessions take none or deflate). */
static inline enum trec_comp ups_comp(const struct ud *w)
{
	return w->o.comp == TREC_ZSTD ? TREC_DEFLATE : w->o.comp;
}

#endif
