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
#include "base/day.h"
#include "base/err.h"
#include "stream/ckpt.h"
#include "stream/ledger.h"
#include "stream/rec.h"
#include "stream/schema.h"

#define WH_MARKER "_SUCCESS"
#define WH_PENDING "_PENDING" /* manifest of a base partition still being written */
#define WH_SCHEMA "_schema.mcr"
#define WH_COMMITS "_commits" /* a log table's commits record (wh_commits.c) */
#define WH_STATE "_mcsync"
#define WH_LEDGER "_mcsync/ledger"
#define WH_MAX_NAME 120
#define WH_LOCK "_mcsync/put.lock" /* held by the one mc-tunnel-put writing DIR */
/* The re-snapshots (mc-tunnel-put --resnapshot): DIR/_resnap is laid out
 * like a warehouse (its own _mcsync/ledger and lock), each table's
 * generations in partitions gen=NNNNNN (docs/warehouse.md). */
#define WH_RESNAP "_resnap"
#define WH_GEN_PART "gen="

/* Manifest keys (checkpoint format, stream/ckpt.h). */
#define WH_M_KIND "kind"
#define WH_M_MADE_BY "made_by"
#define WH_M_SORTED "sorted"
#define WH_M_FROM "from"
#define WH_M_UPTO "upto"
#define WH_M_FROM_SRC "from_src" /* the ledger source (history) of from/upto */
#define WH_M_COMMIT "commit"
#define WH_M_GEN "gen"       /* the snapshot generation a base comes from */
#define WH_M_WMAX "wm_max"   /* base: the highest chunk watermark */
#define WH_M_SORTED_KEY "sorted_key" /* merge output: the key's columns, a,b */
#define WH_M_ROWS "rows"
#define WH_M_FILES "files"
#define WH_M_FILE "file."    /* + the data file's name */

/* Data files: part-NNNNNN.mcr.zst, NNNNNN the ledger's commit (at least 6
 * digits). */
#define WH_PART_PREFIX "part-"
#define WH_PART_SUFFIX ".mcr.zst"
#define WH_PART_FILE_MAX 48

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

/* ---- data file names ---- */

/* The name of the data files of commit seq. */
void wh_part_file_name(uint64_t seq, char out[WH_PART_FILE_MAX]);
/* 1 and its commit when name is a data file's name, else 0. */
int wh_part_file_seq(const char *name, uint64_t *seq);

/* ---- files ---- */

/* mkdir -p, fsync'ing the parent of each directory created. */
int wh_mkdirs(const char *path, struct mc_err *err);
/* Take an exclusive lock on path (created if needed); *fd holds it until
 * closed. A lock held elsewhere is a transient error (code 3). */
int wh_lock(const char *path, int *fd, struct mc_err *err);
/* The lock fd (wh_lock) still the file at path: 0; -1 (code 3) when the
 * file was removed or replaced (by hand: another writer may run now). */
int wh_lock_check(const char *path, int fd, struct mc_err *err);
/* Remove a directory tree (no symlinks followed). */
int wh_rmtree(const char *path, struct mc_err *err);

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
	int has_src;   /* src: the ledger source (history, ledger_src) whose
			* positions lo/hi are; none: the table's first */
	uint64_t src;
};

struct wh_manifest {
	enum wh_kind kind;
	enum wh_by by;
	int sorted;            /* rows in key order across files (merge output) */
	/* sorted: by these columns ("a,b"; empty: not said, before it was
	 * written, or too long for it) */
	char sorted_key[512];
	int has_from;          /* base: log records at or after `from` apply */
	struct mc_pos from;
	int has_upto;          /* merge output: the state covers records below upto */
	struct mc_pos upto;
	int has_from_src;      /* from and upto are positions of ledger source
				* from_src (none: the table's first) */
	uint64_t from_src;
	uint64_t commit;       /* put: the ledger commit that completed it (0: none) */
	uint64_t gen;          /* base: the snapshot generation it comes from
				* (0: the first snapshot) */
	int has_wmax;          /* base: the highest watermark of its chunks,
				* those without rows too (its rows say only
				* theirs: a chunk read later may be empty) */
	struct mc_pos wmax;
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

/* (an owned copy of a schema record and comparisons: stream/schema.h) */
/* The last schema in a table's _schema.mcr: 1, 0 if there is no file. */
int wh_schema_read(const char *path, struct schema_copy *s, struct mc_err *err);
/* Whether any schema in the file (none: 0) has r's columns and key. */
int wh_schema_has(const char *path, const struct mc_rec *r, struct mc_err *err);
/* Append r to the schema file unless its last record has the same version,
 * columns and key; atomic. */
int wh_schema_append(const char *path, const struct mc_rec *r, struct mc_err *err);

/* ---- partitions ---- */

/* Complete partitions of a table directory (those with _SUCCESS), sorted
 * by spec; *parts is an owned array of owned strings. With `all`, every
 * partition directory, complete or not. */
int wh_list_parts(const char *tabledir, int all, char ***parts, size_t *n, struct mc_err *err);
void wh_free_list(char **parts, size_t n);

/* ---- the commits record of a log table (common/wh/wh_commits.c) ---- */

/* What one commit wrote to one log partition: its data file part-SEQ. */
struct wh_commit {
	uint64_t seq, rows;
	char part[256];
	struct mc_pos lo, hi;
	int has_src;   /* the ledger source of lo/hi (none: the table's first) */
	uint64_t src;
};

/* The lines of TABLEDIR/_commits with seq <= maxseq: 1, 0 when the table has
 * no record (written before there was one; *out NULL), -1. */
int wh_commits_read(const char *tabledir, uint64_t maxseq, struct wh_commit **out, size_t *n,
		    struct mc_err *err);
/* Append c (durable when it returns: before the ledger). */
int wh_commits_add(const char *tabledir, const struct wh_commit *c, struct mc_err *err);
/* Drop the lines above seq (commits that did not happen). */
int wh_commits_trim(const char *tabledir, uint64_t seq, struct mc_err *err);

/* ---- the ledger of mc-tunnel-put (common/wh/wh_ledger.c) ---- */

/* DIR/_mcsync/ledger (stream/ledger.h): 1 read, 0 none (l empty). */
int wh_ledger_read(const char *dir, struct mc_ledger *l, struct mc_err *err);
/* Replace it with l, atomically and durably: the commit point. */
int wh_ledger_write(const char *dir, const struct mc_ledger *l, struct mc_err *err);

/* Refuse (-1, code 2) a path given with option opt that resolves to the
 * warehouse (or state directory) whdir or inside it, the message naming
 * both and the resolved path, then why (what to do): a file written
 * there replaces what it holds (the ledger, a data file). 0 when it lies
 * outside (or does not resolve) (mergejob_paths.c). */
int wh_path_outside(const char *opt, const char *path, const char *whdir, const char *why,
		    struct mc_err *err);
/* Both: --checkpoint-out and --metrics of a program that writes into whdir
 * or reads it (NULL: not given). */
int wh_paths_outside(const char *ckpt, const char *metrics, const char *whdir, struct mc_err *err);

/* -1 (code 2) when DIR is the --state directory of a MaxCompute
 * destination (its _mcsync/odps or _mcsync/upsert), not a warehouse. */
int wh_check_not_odps_state(const char *dir, struct mc_err *err);

#endif
