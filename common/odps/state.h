/* state.h: the local state of the MaxCompute destination, in --state=DIR
 * (docs/maxcompute.md "Exactly once"), beside the ledger
 * (DIR/_mcsync/ledger, wh/wh.h) and the writer's lock:
 *
 *   DIR/_mcsync/odps-journal   the sessions of the commit under way: for
 *                              each partition of commit seq, its upload
 *                              session id, block count, rows and position
 *                              range, and whether it is known to be in
 *                              MaxCompute; its spool files (spool.h) and
 *                              the ledger and state file after the commit.
 *                              Written (fsync'd) before the first session
 *                              of the commit is committed: from then on
 *                              the commit is decided, and a rerun finishes
 *                              it (rolls it forward).
 *   DIR/_mcsync/odps           what the state is of (the --dest), and the
 *                              base partitions a commit completed.
 *   DIR/_mcsync/hist/T.mcr     the schema history of MaxCompute table T
 *                              (wh/schemahist.h's file: its schema records
 *                              and ALTER TABLE statements), which the
 *                              merge in MaxCompute reads.
 *
 * Both are checkpoint files (stream/ckpt.h), replaced atomically. */
#ifndef MC_ODPS_STATE_H
#define MC_ODPS_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "stream/ckpt.h"
#include "stream/rec.h"

#define ODPS_JOURNAL "_mcsync/odps-journal"
#define ODPS_STATEFILE "_mcsync/odps"
#define ODPS_HISTDIR "_mcsync/hist"

enum odps_jstate {
	ODPS_J_DOUBT = 0, /* written before its commit: ask the server */
	ODPS_J_IN,        /* its rows are in MaxCompute */
	ODPS_J_OUT,       /* they are not, and never will be from this session */
};

/* One partition of a commit: its rows went up in upload session `session`
 * as blocks 0..nblocks-1. */
struct odps_jent {
	char *table; /* the MaxCompute table (a log table's with _log) */
	char *part;  /* the sink's spec, "ds=20261121[/hh=03]" */
	char session[128];
	uint32_t nblocks;
	uint64_t rows;
	int has_pos;
	struct mc_pos lo, hi;
	enum odps_jstate state;
	/* for --recover (docs/maxcompute.md "Recovering a lost state
	 * directory"): the table rows (images) the session holds, the lowest
	 * and highest of their positions, and how many rows of earlier commits
	 * the partition holds in [tlo, thi] (has_before 0: unknown) */
	uint64_t images;
	int has_tpos, has_before;
	struct mc_pos tlo, thi;
	uint64_t before;
	uint64_t nthi; /* of the images, those at thi */
	/* its blocks in the spool (odps/spool.h): file SEQ.spool_file, of
	 * spool_size bytes and CRC-32C spool_crc */
	int spooled;
	uint64_t spool_size, spool_file;
	uint32_t spool_crc;
	/* how they are compressed: "none", "deflate", "zstd"; "" in a journal
	 * of a version that did not say (then: this run's --compress) */
	char spool_enc[8];
};

struct odps_journal {
	uint64_t seq; /* the commit */
	uint64_t attempt; /* 0, 1, ...: runs that journalled this seq */
	struct odps_jent *e;
	size_t n, cap;
	/* a journal that can roll its commit forward (docs/maxcompute.md
	 * "Exactly once"): every partition spooled, and the ledger and state
	 * file as they are after the commit (their checkpoint lines). Written
	 * by odps_journal_write (keys "after.l.K", "after.s.K"), not by
	 * odps_journal_to_ckpt (the state mirror has them as rows of their
	 * own). A journal without (of --recover) is resolved by asking. */
	int has_after;
	struct ckpt ledger1, state1;
	/* a journal written before the commit was decided (no "after"), found
	 * by a rerun: its sessions dropped (every partition out), kept for
	 * its attempt number (key "rolledback"; odps_journal_write only) */
	int rolled_back;
};

/* Read DIR's journal: 1, 0 when there is none (j empty), -1 with err (code
 * 1, naming the file and what is wrong). */
int odps_journal_read(const char *dir, struct odps_journal *j, struct mc_err *err);
/* Replace DIR's journal with j, durably. */
int odps_journal_write(const char *dir, const struct odps_journal *j, struct mc_err *err);
/* Remove it (nothing when there is none). */
int odps_journal_remove(const char *dir, struct mc_err *err);
/* Append an entry (copies table and part); the new entry in *e. */
int odps_journal_add(struct odps_journal *j, const char *table, const char *part,
		     struct odps_jent **e, struct mc_err *err);
/* The entry of table/part, or NULL. */
struct odps_jent *odps_journal_find(const struct odps_journal *j, const char *table,
				    const char *part);
void odps_journal_free(struct odps_journal *j);

/* A base partition completed by commit seq. */
struct odps_done {
	char *table, *part;
	uint64_t seq;
};

/* The highest position of the rows in a partition and how many rows lie
 * at it (what --recover needs to count a commit's rows exactly). */
struct odps_pmax {
	char *table, *part;
	struct mc_pos max;
	uint64_t n;
};

struct odps_statefile {
	char *dest;   /* "odps://PROJECT[/SCHEMA]" */
	char *writer; /* this state's name in the state mirror (mirror.h) */
	uint64_t seq; /* the commit whose pmax it holds (0: none) */
	struct odps_done *done;
	size_t ndone, cap;
	/* every partition written whose highest position is at or above
	 * `pruned`: the others (dropped) hold no row at or above it */
	struct odps_pmax *pm;
	size_t npm, pmcap;
	int has_pruned;
	struct mc_pos pruned;
};

/* Read DIR's state file: 1, 0 when there is none, -1 with err. */
int odps_statefile_read(const char *dir, struct odps_statefile *s, struct mc_err *err);
int odps_statefile_write(const char *dir, const struct odps_statefile *s, struct mc_err *err);
int odps_statefile_done(struct odps_statefile *s, const char *table, const char *part,
			uint64_t seq, struct mc_err *err);
void odps_statefile_free(struct odps_statefile *s);
/* The pmax of table/part, or NULL. */
struct odps_pmax *odps_statefile_pmax(const struct odps_statefile *s, const char *table,
				      const char *part);
/* Rows [lo..hi] of which nhi at hi went into table/part: its pmax updated. */
int odps_statefile_pmax_add(struct odps_statefile *s, const char *table, const char *part,
			    const struct mc_pos *hi, uint64_t nhi, struct mc_err *err);
/* Drop the pmax entries below `below` (pruned becomes at least below). */
void odps_statefile_prune(struct odps_statefile *s, const struct mc_pos *below);
int odps_statefile_copy(struct odps_statefile *to, const struct odps_statefile *from,
			struct mc_err *err);

/* e's has_before and before: how many rows of commits before e's the
 * partition holds in [e->tlo, e->thi], by sf (the state file of the
 * commit before); unknown when sf cannot say. */
void odps_statefile_before(const struct odps_statefile *sf, struct odps_jent *e);
/* The position the state file's pmax entries below which may be dropped
 * after a commit of ledger l (the lowest of its sources' committed
 * positions and of its snapshot watermarks): 1, or 0 when there is none. */
struct mc_ledger;
int odps_prune_at(const struct mc_ledger *l, struct mc_pos *at);

/* The files as checkpoint lines and back (for the state mirror); what
 * names the source in messages. */
int odps_journal_to_ckpt(const struct odps_journal *j, struct ckpt *c, struct mc_err *err);
int odps_journal_from_ckpt(const struct ckpt *c, const char *what, struct odps_journal *j,
			   struct mc_err *err);
int odps_statefile_to_ckpt(const struct odps_statefile *s, struct ckpt *c, struct mc_err *err);
int odps_statefile_from_ckpt(const struct ckpt *c, const char *what, struct odps_statefile *s,
			     struct mc_err *err);

#endif
