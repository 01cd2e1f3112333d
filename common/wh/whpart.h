/* whpart.h: operations on a table's partitions beside wh.h (paths, day
 * partitions, temporary and dropped partitions, reading a partition's
 * files checked against its manifest). Every function returns 0 (or a
 * count/flag as said) or -1 with err set. */
#ifndef MC_WHPART_H
#define MC_WHPART_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "stream/rec.h"
#include "stream/recio.h"
#include "wh/wh.h"

/* The name of the one data file of a partition written whole (mc-merge's
 * output). The only place this literal is spelled out; a general
 * wh_part_file_name() may replace it. */
#define WH_WHOLE_PART_FILE "part-000000.mcr.zst"

/* A path (or any string) built like printf; NULL when out of memory. */
char *wh_pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The lock an mc-merge of table (n bytes) of the warehouse whdir holds
 * while it runs: WH_STATE/merge-TABLE.lock (malloc'ed; NULL: no memory). */
char *wh_merge_lock_path(const char *whdir, const char *table, size_t n);

/* The day of a day partition spec "ds=YYYYMMDD"; -1 for other specs. */
int wh_part_day(const char *spec, int64_t *day);

/* Read the marker of partition `part` of the table directory tdir into m:
 * 1, 0 if absent (m empty), -1. */
int wh_part_manifest(const char *tdir, const char *part, struct wh_manifest *m,
		     struct mc_err *err);

/* Remove the temporary entries ".tmp-*" left in a table directory by a
 * killed writer. A directory that cannot be opened holds none. */
int wh_clean_tmp(const char *tdir, struct mc_err *err);

/* ---- temporaries of one process ----
 * A writer names its temporaries ".tmp-WHAT.PID.XXXXXX" (WHAT without
 * dots: "ds=20251122", "merge.TABLE" has one and is matched whole), so
 * that a signal handler can remove its own, and a later run those of a
 * process that is gone. */
#define WH_SWEEP_DIRS 2
#define WH_SWEEP_PATH 4096
struct wh_sweep {
	size_t ndirs;
	char dir[WH_SWEEP_DIRS][WH_SWEEP_PATH];
	char needle[24];             /* ".PID." */
};
/* Prepare s to remove this process's ".tmp-*" entries of dirs (at most
 * WH_SWEEP_DIRS; a path too long is skipped). */
void wh_sweep_init(struct wh_sweep *s, const char *const *dirs, size_t n);
/* Remove them now: each a file or a directory of files. Async-signal-safe
 * (open, getdents64, unlinkat, close): for a SIGTERM/SIGINT handler. */
void wh_sweep_now(const struct wh_sweep *s);
/* Remove from dir the entries ".tmp-WHAT.PID.*" whose process no longer
 * exists (a run killed by SIGKILL). A dir that cannot be opened has none. */
int wh_clean_dead_tmp(const char *dir, const char *what, struct mc_err *err);

/* Drop a partition directory: its marker first (readers stop seeing it),
 * then the rest, syncing the directories. */
int wh_drop_part(const char *pdir, struct mc_err *err);

/* Leftovers of wh_drop_part_aside in a table directory: WH_DROP_PREFIX
 * "PID.N", no '=' in it (no reader or writer takes it for a partition). */
#define WH_DROP_PREFIX ".tmp-drop."
/* Drop partition `part` of table directory tdir at once: renamed aside to
 * tdir/WH_DROP_PREFIX..., the directory synced, then removed. A kill
 * leaves no part of it under its name, only the renamed directory, which
 * wh_clean_prefix(tdir, WH_DROP_PREFIX) (or wh_clean_tmp) removes. */
int wh_drop_part_aside(const char *tdir, const char *part, struct mc_err *err);
/* Remove the entries of dir whose name starts with prefix (with what they
 * hold). A directory that cannot be opened holds none. */
int wh_clean_prefix(const char *tdir, const char *prefix, struct mc_err *err);
/* Swap directories a and b in one step (renameat2 RENAME_EXCHANGE): 1
 * done, 0 when the kernel or the file system cannot (nothing changed),
 * -1 with err. */
int wh_swap_dirs(const char *a, const char *b, struct mc_err *err);

/* A data file of a partition, read row by row and checked against its
 * manifest entry (bytes, rows) and the table's schema. */
struct wh_reader {
	char *path;                  /* owned */
	int fd;
	struct rio_reader rd;
	const struct wh_file *f;     /* its manifest entry (not owned) */
	const struct mc_rec *schema; /* the table's schema (not owned) */
	uint64_t rows;  /* row and ddl records (a log's DDL counts as a change) */
	int open;
	int want_ddl;   /* wh_reader_next returns ddl records too */
	int lenient;    /* a schema other than the table's is not an error:
			 * the rows under it come with foreign set */
	int foreign;    /* the rows now are under another schema: */
	char why[300];  /* how it differs */
	int keep_cur;   /* keep that schema in cur (a copy) */
	struct schema_copy cur;
};

/* Open path (taken over: freed on close, and on failure). */
int wh_reader_open(struct wh_reader *r, char *path, const struct wh_file *f,
		   const struct mc_rec *schema, struct mc_err *err);
/* The next row: 1, 0 at the end of the file (its rows counted and
 * checked), -1. A schema record different from the table's is an error
 * (lenient: the rows after it come with foreign set). */
int wh_reader_next(struct wh_reader *r, struct mc_rec *rec, struct mc_err *err);
/* Close (no-op when not open). */
void wh_reader_close(struct wh_reader *r);

#endif
