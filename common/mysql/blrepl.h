/* blrepl.h: a replica connection to a MySQL/MariaDB server
 * (MariaDB Connector/C's <mariadb_rpl.h>) that hands out the raw binlog
 * events one at a time, as bl_file_next does for files, with the binlog
 * file they belong to and their start and end offsets computed from the
 * stream: the start position plus the lengths of the events read. A
 * ROTATE sets the file and position; the events the server makes up
 * (the fake ROTATE at the start, the format description re-sent when
 * starting past offset 4, heartbeats) do not move the position.
 * Errors: a lost connection is MC_EXIT_TRANSIENT, the rest MC_EXIT_DATA. */
#ifndef MC_BLREPL_H
#define MC_BLREPL_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "mysql/myconn.h"

#define BLR_NON_BLOCK 1 /* end at the end of the server's last binlog */

struct blr {
	MYSQL *m;
	void *rpl;            /* MARIADB_RPL */
	void *ev;             /* MARIADB_RPL_EVENT, reused */
	char file[512];       /* binlog file name on the server */
	uint64_t fileseq;     /* its sequence number (digits after the last '.') */
	uint64_t pos;         /* end offset of the last event (next event's start) */
	int new_file;         /* set by blr_next when the returned event is the first of
			       * r->file read (after a ROTATE, or the first) */
	uint64_t heartbeats;  /* heartbeats received */
	int checksum;         /* the server's binlog_checksum is not NONE */
	char rot_file[512];   /* the file a ROTATE names */
	uint64_t rot_pos;
	int rot_pending;      /* move to rot_file at the next call */
	const struct my_opts *opts; /* borrowed: to ask which binlogs exist */
	int debug;            /* MC_BLR_DEBUG: one line per event on stderr */
	int gtid_mode;        /* started from a GTID set: the server leaves out the
			       * transactions the set holds, so a gap before an
			       * event is taken from its header's log_pos */
};

/* Connect with o, set the session variables a replica sets, and ask for
 * the binlog from file:pos (pos >= 4) as replica server_id. flags:
 * BLR_NON_BLOCK. heartbeat_ms: the heartbeat period the server is asked
 * for when no event is sent, 0 for the server's default (none). */
int blr_open(struct blr *r, const struct my_opts *o, const char *file, uint64_t pos,
	     uint32_t server_id, int flags, unsigned heartbeat_ms, struct mc_err *err);

/* As blr_open, but from a GTID set: a MariaDB one ("D-S-N,..."): the
 * server starts after the last transaction of each domain the set names
 * (@slave_connect_state); a MySQL one ("UUID:1-N,..."): COM_BINLOG_DUMP_GTID
 * with the encoded set, no file name, position 4, BINLOG_THROUGH_GTID; the
 * server leaves out the transactions the set holds. r->file and r->pos
 * follow its first ROTATE. A set of the other server's kind is an error
 * (MC_EXIT_DATA). */
int blr_open_gtid(struct blr *r, const struct my_opts *o, const char *gtid, uint32_t server_id,
		  int flags, unsigned heartbeat_ms, struct mc_err *err);

/* Is s a MariaDB GTID set: D-S-N[,D-S-N]... with decimal numbers? */
int blr_gtid_ok(const char *s);

/* Add one MariaDB GTID (D-S-N) to the set in set (NUL-terminated, setsz
 * bytes): it replaces the one of its domain, or is appended. 0, or -1 when
 * gtid is not D-S-N or the set would not fit. */
int blr_gtid_add(char *set, size_t setsz, const char *gtid);

/* MySQL GTID sets ("UUID:1-42[:50-60][,UUID:...]", as @@gtid_executed
 * prints them). Parsed into intervals [lo, hi) (hi exclusive, as the wire
 * format has them), sorted by UUID bytes then lo, overlapping and adjacent
 * intervals of a UUID merged. UUIDs with or without dashes, hex in either
 * case; intervals N or N-M (1 <= N <= M < 2^63 - 1); whitespace around the
 * commas. Tagged GTIDs (MySQL 8.3+, UUID:tag:N) are refused. */
struct blr_gtiv {
	uint8_t uuid[16];
	uint64_t lo, hi;
};
struct blr_gtset {
	struct blr_gtiv *v;
	size_t n, cap;
};

/* Does s look like a MySQL GTID set (it has a ':')? A D-S-N set has none. */
int blr_gtid_is_mysql(const char *s);

/* Parse s into set (empty on entry; blr_gtset_free after, even on error).
 * 0, or -1 with err (MC_EXIT_USAGE) naming the bad part. */
int blr_gtset_parse(const char *s, struct blr_gtset *set, struct mc_err *err);

/* The set as text: lowercase UUIDs with dashes, "UUID:1-5:7,UUID:...". */
int blr_gtset_format(const struct blr_gtset *set, struct mc_buf *out);

/* The set as COM_BINLOG_DUMP_GTID's data (MySQL's Gtid_set::encode):
 * n_sids u64 LE; per UUID its 16 bytes, n_intervals u64 LE, each interval
 * start and end (exclusive) u64 LE. Appended to out. 0, or -1 (ENOMEM). */
int blr_gtset_encode(const struct blr_gtset *set, struct mc_buf *out);

void blr_gtset_free(struct blr_gtset *set);

/* COM_BINLOG_DUMP_GTID's payload after the command byte, appended to b:
 * flags (BINLOG_THROUGH_GTID, and BINLOG_DUMP_NON_BLOCK for BLR_NON_BLOCK),
 * server_id, an empty file name, position 4, the encoded set. 0 or -1. */
int blr_dump_gtid_packet(const struct blr_gtset *gs, uint32_t server_id, int flags,
			 struct mc_buf *b);

/* Add one MySQL GTID (UUID:N) to the MySQL set in set (NUL-terminated,
 * setsz bytes), rewritten in the form of blr_gtset_format. 0, or -1 when
 * either is bad or the set would not fit. */
int blr_mygtid_add(char *set, size_t setsz, const char *gtid);

/* The server's binlog whose sequence number is seq (SHOW BINARY LOGS):
 * 1 with its name in out, 0 when the server has no such binlog (first and
 * last, when not NULL, name the ones it has, "" if none), -1 on error
 * (a refused connection is MC_EXIT_TRANSIENT). */
int blr_find_file(const struct my_opts *o, uint64_t seq, char *out, size_t outsz, char *first,
		  char *last, size_t namesz, struct mc_err *err);

/* Next event: 1 with *ev, *n (the event, header to checksum, valid until the
 * next call) and *start (its offset in r->file; its end is *start + *n ==
 * r->pos), UINT64_MAX for the format description the server re-sends when
 * starting past offset 4 (for the decoder, not at any position); 2 for a
 * heartbeat (*start = r->pos: everything before it was sent); 0 at the end of the binlog (BLR_NON_BLOCK only); -1 on error. */
int blr_next(struct blr *r, const uint8_t **ev, size_t *n, uint64_t *start,
	     struct mc_err *err);

void blr_close(struct blr *r);

/* The connection's socket (-1 when none): a signal handler may shutdown()
 * it to end a blocked blr_next, which then fails. */
int blr_socket(const struct blr *r);

/* The sequence number of a binlog file name (0 when it has none). */
uint64_t blr_file_seq(const char *name);

#endif
