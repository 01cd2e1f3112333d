/* wh.h: the local warehouse (docs/warehouse.md).
 *
 *   DIR/_mcsync/ledger          mc-tunnel-put's ledger (commit point)
 *   DIR/<table>/_schema.mcr     every schema version of the table
 *   DIR/<table>/ds=20261121/    a partition (multi-level: ds=../hh=..)
 *       part-000042.mcr.zst     data files: record streams, zstd
 *       _SUCCESS                the marker and manifest, written last
 *
 * A base table <name> holds full partitions, its log table <name>_log the
 * change records. A partition without _SUCCESS does not exist for readers.
 * Every function returns 0 (or a count/flag as said) or -1 with err set. */
#ifndef MC_WH_H
#define MC_WH_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "stream/ckpt.h"
#include "base/err.h"
#include "stream/rec.h"

#define WH_MARKER "_SUCCESS"
#define WH_PENDING "_PENDING" /* manifest of a base partition still being written */
#define WH_SCHEMA "_schema.mcr"
#define WH_STATE "_mcsync"
#define WH_LEDGER "_mcsync/ledger"
#define WH_MAX_NAME 120

/* ---- names ---- */

/* A warehouse table name: [A-Za-z0-9_]{1,120}, not starting with '_'. */
int wh_name_ok(const char *s, size_t n);
/* The default name of db.table: "<db>__<table>"; -1 (code 1) when a name
 * has characters a warehouse name cannot hold. out holds >= 256 bytes. */
int wh_default_name(const struct mc_str *db, const struct mc_str *table, char *out, size_t outsz,
		    struct mc_err *err);
/* A partition spec: key=value(/key=value)*, key [a-z0-9_]+, value
 * [A-Za-z0-9_.-]+. */
int wh_part_ok(const char *s);

/* ---- days ---- */

/* Days since 1970-01-01 of a date YYYYMMDD (checked); format it back. */
int wh_day_parse(const char *s, int64_t *day);
void wh_day_format(int64_t day, char out[16]);
/* The day of time t (seconds since the epoch) at a UTC offset in seconds. */
int64_t wh_day_of(int64_t t, int64_t utc_off);
/* "YYYY-MM-DD[ hh:mm:ss]" as seconds since the epoch, UTC. */
int wh_datetime_parse(const char *s, int64_t *t);

/* ---- files ---- */

/* mkdir -p, fsync'ing the parent of each directory created. */
int wh_mkdirs(const char *path, struct mc_err *err);
/* Take an exclusive lock on path (created if needed); *fd holds it until
 * closed. A lock held elsewhere is a transient error (code 3). */
int wh_lock(const char *path, int *fd, struct mc_err *err);
/* Remove a directory tree (no symlinks followed). */
int wh_rmtree(const char *path, struct mc_err *err);
/* Read a whole file into b (appending). */
int wh_slurp(const char *path, struct mc_buf *b, struct mc_err *err);

/* ---- manifests (the _SUCCESS marker and _PENDING) ---- */

enum wh_kind { WH_BASE = 0, WH_LOG = 1 };
enum wh_by { WH_BY_PUT = 0, WH_BY_MERGE = 1 };

struct wh_file {
	char *name;    /* owned */
	uint64_t rows; /* row records */
	uint64_t bytes;
	int has_pos;   /* lo/hi: change rows (log) or all rows (base) */
	struct mc_pos lo, hi;
	int has_time;
	int64_t tmin, tmax;
};

struct wh_manifest {
	enum wh_kind kind;
	enum wh_by by;
	int sorted;            /* rows in key order across files (merge output) */
	int has_from;          /* base: log records at or after `from` apply */
	struct mc_pos from;
	int has_upto;          /* merge output: the state covers records below upto */
	struct mc_pos upto;
	uint64_t commit;       /* put: the ledger commit that completed it (0: none) */
	size_t nfiles, cap;
	struct wh_file *files; /* owned, sorted by name */
};

/* Read a manifest: 1, 0 if absent (m empty), -1 if malformed. */
int wh_manifest_read(const char *path, struct wh_manifest *m, struct mc_err *err);
/* Replace path atomically with m. */
int wh_manifest_write(const char *path, const struct wh_manifest *m, struct mc_err *err);
/* Add f (copied), replacing an entry of the same name. */
int wh_manifest_add(struct wh_manifest *m, const struct wh_file *f, struct mc_err *err);
/* Remove the entry named name; 1 if there was one. */
int wh_manifest_remove(struct wh_manifest *m, const char *name);
uint64_t wh_manifest_rows(const struct wh_manifest *m);
void wh_manifest_free(struct wh_manifest *m);

/* ---- schemas ---- */

/* An owned copy of one schema record. */
struct wh_schema {
	int have;
	struct mc_buf raw; /* its encoding */
	struct mc_rec rec; /* decoded from raw */
	struct mc_scratch sc;
};

/* Copy r (a schema record) into s. */
int wh_schema_set(struct wh_schema *s, const struct mc_rec *r, struct mc_err *err);
void wh_schema_free(struct wh_schema *s);
/* Same columns (names, types, nullability, flags) and key. */
int wh_schema_same(const struct mc_rec *a, const struct mc_rec *b);
/* Explain the first difference of two schemas into out. */
void wh_schema_diff(const struct mc_rec *a, const struct mc_rec *b, char *out, size_t outsz);
/* The last schema in a table's _schema.mcr: 1, 0 if there is no file. */
int wh_schema_read(const char *path, struct wh_schema *s, struct mc_err *err);
/* Append r to the schema file unless its last record has the same version,
 * columns and key; atomic. */
int wh_schema_append(const char *path, const struct mc_rec *r, struct mc_err *err);

/* ---- partitions ---- */

/* Complete partitions of a table directory (those with _SUCCESS), sorted
 * by spec; *parts is an owned array of owned strings. With `all`, every
 * partition directory, complete or not. */
int wh_list_parts(const char *tabledir, int all, char ***parts, size_t *n, struct mc_err *err);
void wh_free_list(char **parts, size_t n);

/* ---- the ledger of mc-tunnel-put ---- */

struct wh_cut {
	int64_t day;
	struct mc_pos pos;
};

struct wh_ledger {
	uint64_t seq;           /* commits so far; data files are part-<seq> */
	int has_pos;
	struct mc_pos pos;      /* highest change position committed */
	uint64_t snapshot_rows; /* snapshot rows consumed */
	int has_hw;
	int64_t hw_time;        /* highest change time committed */
	int64_t utc_off;        /* seconds east of UTC that days are counted in */
	int has_first;
	struct mc_pos first_pos; /* the first change record */
	int64_t first_time;
	size_t ncuts, cap;
	struct wh_cut *cuts;    /* day D ends before the first record stamped after D */
	int has_resume;
	struct mc_pos resume;   /* the last txn_end/heartbeat mark accepted: a
				 * transaction boundary a source may restart at */
	char *gtid;             /* owned or NULL: the last GTID per domain of the
				 * accepted txn_end marks, "0-1-5,1-1-7" */
	int has_snap_low;
	struct mc_pos snap_low; /* the lowest watermark of the snapshot chunks
				 * committed: where a binlog tail may start */
	struct ckpt snap;       /* each table's committed snapshot chain: key
				 * wh_snap_key(), value "done" or
				 * "after\tLITERALS" (mc-snapshot's lines) */
};

/* The key of db.table in snapshot checkpoints (mc-snapshot's and the
 * ledger's): "table.DB.TABLE", or "hex.HEXDB.HEXTABLE" when a name has
 * other characters than [a-z0-9_-]. out holds >= 600 bytes. */
void wh_snap_key(const char *db, size_t dbn, const char *table, size_t tn, char *out,
		 size_t outsz);
/* A table's chain in l (NULL: nothing committed); set it (copies). */
const char *wh_ledger_snap_get(const struct wh_ledger *l, const char *key);
int wh_ledger_snap_set(struct wh_ledger *l, const char *key, const char *val, struct mc_err *err);

int wh_ledger_read(const char *dir, struct wh_ledger *l, struct mc_err *err);
int wh_ledger_write(const char *dir, const struct wh_ledger *l, struct mc_err *err);
void wh_ledger_free(struct wh_ledger *l);
/* Account for an accepted change record at pos stamped t: the first record
 * stamped after a day ends that day (its cut). */
int wh_ledger_note(struct wh_ledger *l, const struct mc_pos *pos, int64_t t, struct mc_err *err);
/* Account for an accepted txn_end or heartbeat mark at pos with label
 * (a txn_end's GTID, "" when none): it is the new resume point, and its
 * GTID replaces the one of its domain (MariaDB "D-S-N": D; MySQL
 * "UUID:N": UUID) in l->gtid. */
int wh_ledger_mark(struct wh_ledger *l, const struct mc_pos *pos, const char *label, size_t n,
		   struct mc_err *err);
/* The cut of day: the position of the first change record stamped after
 * the day (the day holds every change below it). 1 found, 0 not yet. */
int wh_ledger_cut(const struct wh_ledger *l, int64_t day, struct mc_pos *cut);

#endif
