/* snapcheck.h: mc-snapshot --precheck: is the server and are the tables
 * ready for mcsync (binlog, grants, keys)? */
#ifndef MC_SNAPCHECK_H
#define MC_SNAPCHECK_H

#include <stdio.h>
#include <mysql.h>

#include "base/err.h"
#include "mysql/snap.h"

/* Print one line per finding to out ("error: ...", "warning: ...",
 * "ok: ..."). Returns the number of blocking findings (errors), or -1
 * when the checks themselves failed (err). */
int snapcheck_run(MYSQL *m, const struct snap_table *t, size_t n, FILE *out,
		  struct mc_err *err);

/* mc-snapshot's check at start: exit 1 (err) unless binlog_format is
 * ROW, globally and in this session. where names the server. */
int snapcheck_binlog_format(MYSQL *m, const char *where, struct mc_err *err);

/* mc-snapshot's refusal of system-versioned tables (WITH SYSTEM
 * VERSIONING) among t[0..n): 0 when there is none, else -1 with err
 * (exit 1) naming the first and how many there are. */
int snapcheck_versioned(const struct snap_table *t, size_t n, struct mc_err *err);

/* The prepared XA transactions (XA RECOVER): how many, or -1 (not
 * allowed). A snapshot lies after their XA PREPARE, and a tail from it
 * stops at their XA COMMIT: XA_WHY says so (%d, "s"). */
int snapcheck_xa(MYSQL *m);
#define XA_WHY "%d prepared XA transaction%s (XA RECOVER): a snapshot taken now lies after " \
	"their XA PREPARE, and the tail from it stops at their XA COMMIT ('prepared before " \
	"the stream's start'); commit or roll them back before the snapshot"

/* mc-snapshot's refusal of tables among t[0..n) that a foreign key's
 * cascade (ON DELETE or UPDATE CASCADE, SET NULL, SET DEFAULT) changes:
 * the binlog has none of those changes. 0 when there is none; else -1
 * with err (exit 1) naming the first and how many; pass (not NULL): a
 * warning each through it, and 0 (--fk-cascades=pass). */
struct mc_say;
int snapcheck_fk(MYSQL *m, const struct snap_table *t, size_t n, const struct mc_say *pass,
		 struct mc_err *err);

#endif
