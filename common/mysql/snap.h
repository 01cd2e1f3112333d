/* snap.h: the snapshot of MySQL/MariaDB tables (docs/mc-snapshot.md).
 *
 * A table is read in chunks: key ranges (lo, hi] of its split key (the
 * primary key, else a unique NOT NULL key, else a key the user names),
 * each read in its own transaction WITH CONSISTENT SNAPSHOT whose binlog
 * position (binlog_snapshot_file/position, MariaDB) is the chunk's
 * watermark. Bounds are SQL literal texts built from values the server
 * returned (numbers as digits, temporal values quoted, strings as
 * _charset X'hex' COLLATE collation), so that comparisons are exact and
 * use the key's index. */
#ifndef MC_SNAP_H
#define MC_SNAP_H

#include <stddef.h>
#include <stdint.h>
#include <mysql.h>

#include "base/buf.h"
#include "base/charset.h"
#include "base/err.h"
#include "stream/rec.h"

#define SNAP_MAX_KEY 16

enum snap_kkind { SNAP_K_NONE = 0, SNAP_K_NUM, SNAP_K_TEMPORAL, SNAP_K_STR };

struct snap_col {
	char *name, *mysql_type, *mc_type, *data_type, *charset, *collation;
	int nullable;
	uint32_t flags;    /* MC_CF_* */
	unsigned frac;     /* fraction digits of temporal types */
	enum snap_kkind kk; /* how it serves as a split key column */
	uint8_t vk;         /* enum mc_vkind of its values */
	/* text in a charset other than UTF-8: read as its stored bytes and
	 * converted by base/charset.c (the binlog path's code); NULL: as the
	 * server sends it */
	const struct cs_info *cs;
};

/* One table: its columns, schema key and split key. Owned strings. */
struct snap_table {
	char *db, *name, *qname; /* qname: `db`.`name` */
	size_t ncols;
	struct snap_col *cols;
	size_t nkey;
	uint32_t key[SNAP_MAX_KEY];
	uint32_t key_flags; /* MC_SF_KEY_UNIQUE / MC_SF_KEY_DECLARED */
	size_t nsplit;      /* 0: no split key, the table is one chunk */
	uint32_t split[SNAP_MAX_KEY];
	char *where;        /* extra condition or NULL */
	uint64_t est_rows;  /* information_schema.TABLES.TABLE_ROWS */
	char *select_sql;   /* "SELECT cols, HEX(strkeys) FROM qname" */
	char *order_sql;    /* " ORDER BY k1,k2" */
	char *key_sql;      /* planner: "SELECT kexprs FROM qname" */
	int has_invisible;
	int versioned; /* WITH SYSTEM VERSIONING: refused (snapcheck_versioned) */
	/* the split key is unique: the table's key, a --split-key within
	 * which a unique key lies, or one completed with the key's columns.
	 * Else (a key declared on a table without one) a chunk that stops at
	 * a key with more rows than it read is read again up to that key. */
	int split_unique;
	size_t split_named; /* >0: --split-key named that many; the key completed it */
	int by_steps;       /* the planner cuts its key by arithmetic (snap_steps): its chunks
			     * hold about, not exactly, chunk_rows rows (set under the
			     * snapshot's lock) */
	char *def; /* its columns as loaded (snap_def.c), checked after each chunk */
};

/* A key bound: nsplit literal texts (owned), or NULL for "unbounded". */
typedef char **snap_bound;

void snap_bound_free(snap_bound b, size_t n);
snap_bound snap_bound_dup(const snap_bound b, size_t n);
/* "lit<TAB>lit..." and back (for checkpoint files and labels). */
int snap_bound_format(const snap_bound b, size_t n, struct mc_buf *out);
snap_bound snap_bound_parse(const char *s, size_t n);

/* Names of the selectable base tables (system-versioned ones included): "db\0table\0" pairs in db, table
 * order, with TABLE_ROWS estimates in *est (malloc'ed array). */
int snap_list_tables(MYSQL *m, struct mc_buf *names, uint64_t **est, size_t *count,
		     struct mc_err *err);

/* Load a table's columns and keys. split_spec: "col,col" or NULL (use the
 * primary key, else the first unique key of NOT NULL columns). A named
 * split key must be NOT NULL (else a usage error); when it is not unique
 * and the table has a key, the key's other columns are appended. */
int snap_table_load(MYSQL *m, const char *db, const char *name, const char *split_spec,
		    const char *where, struct snap_table *t, struct mc_err *err);
void snap_table_free(struct snap_table *t);
/* snap_def.c: a table's definition (information_schema's columns), one
 * line of each column (snap_def_line: name, type, nullability, collation,
 * extra) kept by its load (t->def), compared after each chunk's read,
 * before its COMMIT (snap_def_check): exit 1 naming the table and the
 * column when it changed (an ALTER TABLE during the snapshot). A worker's
 * snap_def_seen keeps the SHOW CREATE TABLE text of the last table whose
 * check passed; while a later chunk's text is the same, information_schema
 * is not read again (more: chunks of t may follow, so keep its text; seen
 * may be NULL). */
struct snap_def_seen {
	const struct snap_table *t;
	struct mc_buf create;
};
int snap_def_line(struct mc_buf *out, const char *name, const char *type, const char *nullable,
		  const char *collation, const char *extra);
int snap_def_check(MYSQL *m, const struct snap_table *t, struct snap_def_seen *seen, int more,
		   struct mc_err *err);
void snap_def_seen_free(struct snap_def_seen *seen);
/* "a, b": the names of the first n columns of t's split key, in out (for
 * messages). Returns out. */
const char *snap_split_names(const struct snap_table *t, size_t n, char *out, size_t outsz);

/* Fill r (a schema record; r->cols points to storage owned by t's
 * caller-provided array cols of t->ncols) for t. */
void snap_schema_rec(const struct snap_table *t, struct mc_col *cols, struct mc_rec *r);

/* Start a transaction WITH CONSISTENT SNAPSHOT and read its watermark. */
int snap_begin(MYSQL *m, struct mc_pos *wm, struct mc_err *err);

/* The binlog's current end (SHOW MASTER STATUS, or SHOW BINARY LOG
 * STATUS on MySQL 8.4+) as a position; exact only while commits are
 * blocked (FLUSH TABLES WITH READ LOCK). */
int snap_master_pos(MYSQL *m, struct mc_pos *pos, struct mc_err *err);

/* Planner: the key of the row `rows` rows after lo (the last key of the
 * next chunk) into *hi; 1 found, 0 fewer rows remain (the last chunk). */
int snap_next_bound(MYSQL *m, const struct snap_table *t, const snap_bound lo, uint64_t rows,
		    snap_bound *hi, struct mc_err *err);

/* snap_step.c: the planner's bounds by arithmetic, for a split key of one
 * unique integer column whose values are dense (their range at most 4x the
 * table's row estimate): no query per bound. The ranges cut the key space,
 * the last one open; a read splits one that holds more rows. */
struct snap_steps {
	uint64_t cur;     /* the last bound planned (or the smallest value) */
	uint64_t max;     /* the largest value when planned */
	uint64_t step;    /* values a range */
	int started;      /* cur is a bound (a range ends there) */
	int is_unsigned;  /* the values' form: unsigned, or signed with the sign bit flipped */
};
/* 1: *p set for t's key, after `from` (NULL: from the start); 0: not such
 * a key (plan with snap_next_bound); -1 with err. */
int snap_steps_init(MYSQL *m, const struct snap_table *t, const snap_bound from,
		    uint64_t chunk_rows, struct snap_steps *p, struct mc_err *err);
/* The next range's upper bound into *hi: 1, or 0: the last range (open). */
int snap_steps_next(struct snap_steps *p, snap_bound *hi, struct mc_err *err);

/* Called every few hundred rows and at the end with the rows and bytes
 * since the last call (for rate limits and progress); a return below 0
 * stops the read (snap_read fails with "read stopped", or with the error
 * the caller keeps). */
typedef int (*snap_tick_fn)(void *ctx, uint64_t rows, uint64_t bytes);

/* The progress ticks of a read: tick every 256 rows (snap_tick_row) and
 * for the rows left at its end (snap_tick_end); the last row of a read
 * stopped at its limit ticks at once (end 1). len: the output's length. */
struct snap_ticks {
	snap_tick_fn fn; /* NULL: none */
	void *ctx;
	uint64_t rows;   /* rows since the last tick */
	size_t len;      /* the output's length at the last tick */
};
static inline int snap_tick_row(struct snap_ticks *k, size_t len, int end)
{
	if (!k->fn || (++k->rows < 256 && !end))
		return 0;
	int rc = k->fn(k->ctx, k->rows, len - k->len);
	k->rows = 0;
	k->len = len;
	return rc;
}
int snap_tick_end(struct snap_ticks *k, size_t len);

/* snap_sock.c: a result's rows read from the connection's socket: the
 * unparsed bytes buf[beg..end) (cap allocated), a row of frag bytes or
 * more (the protocol's 0xffffff) joined in big; on: this result's rows
 * are read here (else by the library); seq the next packet's sequence
 * number; max_packet the library's max_allowed_packet (a packet or row
 * that long or longer: lost); fast = min(frag, max_packet) - 1; fill reads
 * at most room more bytes into to, *got of them (0, or -1: the read
 * failed); fd, timeout (ms, -1 none) the socket and the library's read
 * timeout. */
struct snap_sock {
	unsigned char *buf;
	size_t beg, end, cap;
	struct mc_buf big;
	size_t frag, max_packet, fast;
	int (*fill)(struct snap_sock *s, unsigned char *to, size_t room, size_t *got);
	int on, fd, timeout;
	unsigned char seq;
};

/* Reusable state of snap_read (buffers of one connection). max_bytes,
 * when not 0, ends a read early (as the row limit does) once it has
 * appended that many bytes. */
struct snap_reader {
	size_t max_bytes;
	MYSQL_BIND *bind;
	unsigned long *len;
	char **row; /* the text protocol: the row's values (into its packet), len their lengths */
	my_bool *isnull, *error;
	char **bufs;
	size_t *bufsz;
	struct mc_val *vals;
	struct mc_buf *text; /* per column: its value converted to UTF-8 */
	struct mc_buf head;  /* the fields every row record of the read begins with */
	struct cs_set cs;
	size_t nbind;
	struct snap_sock sock; /* the text protocol's rows read from the socket */
};
void snap_reader_free(struct snap_reader *rd);

/* snap_text.c: the charset of a column read as bytes (c->cs) from its
 * information_schema charset; its select expression; value i of a row
 * (rd->bufs[i]) converted to UTF-8 in v (row: its number in the read). */
void snap_text_setup(struct snap_col *c);
int snap_text_select(struct mc_buf *b, const struct snap_col *c);
/* snap_labels.c: an ENUM/SET column whose labels information_schema shows
 * with '?' (characters outside utf8mb3) gets its exact type text from the
 * server (MariaDB), or the table is refused (exit 1). */
int snap_labels_exact(MYSQL *m, const char *db, const char *table, struct snap_col *c,
		      struct mc_err *err);
int snap_text_value(struct snap_reader *rd, const struct snap_table *t, size_t i, uint64_t row,
		    struct mc_val *v, struct mc_err *err);

/* A literal for split key column c from the text (or hex) of a value. */
char *snap_make_lit(const struct snap_col *c, const char *s, size_t n);

/* snap_rows.c: the text of a temporal value (o: at least 48 bytes); the
 * fields every row record of a read shares (r: a row record of the read)
 * into rd->head; one row of n values (rd->vals) after them, checked and
 * packed as rec_encode does, appended to out. */
size_t snap_fmt_time(const MYSQL_TIME *tm, uint8_t vk, unsigned frac, char *o);
int snap_rows_head(struct snap_reader *rd, const struct mc_rec *r, struct mc_err *err);
int snap_rows_put(struct snap_reader *rd, size_t n, struct mc_buf *out, struct mc_err *err);
/* Is t read through the text protocol (no FLOAT/DOUBLE column, and
 * MC_SNAP_PROTOCOL is not "binary")? snap_read_text: snap_read's loop
 * over the text protocol, for query q (rd sized for its columns; no
 * read of ties), its rows read as packets (snap_sock_next). */
int snap_use_text(const struct snap_table *t);
/* The chunk's end bound from the read's last row: split column i's literal
 * by lit (each protocol's; row and len: the text protocol's row, else
 * unused), into *last. */
typedef char *(*snap_lit_fn)(const struct snap_table *t, struct snap_reader *rd, MYSQL_ROW row,
			     const unsigned long *len, size_t i, size_t *hexcol);
int snap_last_bound(const struct snap_table *t, struct snap_reader *rd, snap_lit_fn lit,
		    MYSQL_ROW row, const unsigned long *len, snap_bound *last, struct mc_err *err);
/* After a read's row n (counted): the read is full at its limit, or at
 * rd->max_bytes of output since start_len, when t is split; then its end
 * bound is made from that row (lit, row, len as snap_last_bound's) and it
 * ticks at once. 1: full, stop reading; 0: go on (a tick every 256 rows);
 * -1: err set; -2: the tick stopped the read. */
int snap_row_full(const struct snap_table *t, struct snap_reader *rd, snap_lit_fn lit,
		  MYSQL_ROW row, const unsigned long *len, const struct mc_buf *out,
		  struct snap_ticks *tk, snap_bound *last, struct mc_err *err);
/* (inline: it runs for every row; a full read goes out of line) */
static inline int snap_row_end(const struct snap_table *t, struct snap_reader *rd, snap_lit_fn lit,
			       MYSQL_ROW row, const unsigned long *len, uint64_t n, uint64_t limit,
			       size_t start_len, const struct mc_buf *out, struct snap_ticks *tk,
			       snap_bound *last, struct mc_err *err)
{
	int full = limit && n == limit;
	if (t->nsplit && rd->max_bytes && out->len - start_len >= rd->max_bytes)
		full = 1;
	if (full && t->nsplit)
		return snap_row_full(t, rd, lit, row, len, out, tk, last, err);
	return snap_tick_row(tk, out->len, 0) < 0 ? -2 : 0;
}
/* A value of column c from the server's text s[0..n) into v: an integer
 * parsed (ZEROFILL's zeros allowed, range checked), a temporal text of the
 * column's length and fraction digits, anything else as it is (v points
 * into s). -1: not a value of the column's form (fuzz/fuzz_snaptext.c). */
int snap_text_conv(const struct snap_col *c, const char *s, size_t n, struct mc_val *v);
/* Row number rowno of a text-protocol read from its packet p[0..n) (the
 * length-encoded values of t's columns, then those of the HEX() of its
 * string split key columns, nb in all; 0xfb: NULL): converted (rd->vals)
 * and packed after rd->head into out as snap_rows_put does, the values
 * kept in rd->row and rd->len (rd sized for nb). -1 with err: a value not
 * of its column's form, or a packet that is not nb values
 * (fuzz/fuzz_snappkt.c). */
int snap_text_row(struct snap_reader *rd, const struct snap_table *t, size_t nb,
		  const unsigned char *p, size_t n, uint64_t rowno, struct mc_buf *out,
		  struct mc_err *err);
/* snap_pkt.c: the next packet of a result's rows after mysql_real_query
 * (its end and errors out of line, snap_pkt_end: len the packet's):
 * 1 a row (*p, *n: its bytes, valid until the next read); 0 the end (the
 * connection ready for the next query); -1 with err: the server's error
 * packet or a lost connection (as my_fail reports them, "reading a
 * chunk"), or an end too short. snap_pkt_skip reads the rows left, if
 * any, and drops them. */
int snap_pkt_end(MYSQL *m, unsigned long len, struct mc_err *err);
static inline int snap_pkt_next(MYSQL *m, const unsigned char **p, size_t *n,
				struct mc_err *err)
{
	unsigned long len = mysql_net_read_packet(m);
	/* (the library turns an empty packet into packet_error) */
	if (len == (unsigned long)packet_error || (m->net.read_pos[0] == 0xfe && len < 0xffffff))
		return snap_pkt_end(m, len, err); /* (snap_pkt.c) */
	*p = m->net.read_pos;
	*n = len;
	return 1;
}
void snap_pkt_skip(MYSQL *m);
/* snap_sock.c: after mysql_real_query of a text-protocol read, its rows
 * are read from the socket when the connection is plain (no TLS, no
 * compression, a Unix socket or TCP; MC_SNAP_SOCKET=library: never),
 * else by the library: snap_sock_next then returns snap_pkt_next's
 * (same returns; a row valid until the next read); the end of the rows,
 * errors and a lost connection go back to the library and are read and
 * reported as snap_pkt_next does. snap_sock_skip: snap_pkt_skip's. */
void snap_sock_begin(MYSQL *m, struct snap_sock *s);
/* The next packet of buf[beg..) (more read by s->fill as needed):
 * SNAP_SOCK_ROW (*p, *n: a row, in buf or big; beg past it), or not a
 * row: SNAP_SOCK_BACK (an end, error or empty packet: buf[beg..end), at
 * least its header and first byte, go back to the library), _LOST (the
 * read failed, or a packet or row of max_packet bytes or more), _SEQ (a
 * packet out of sequence), _OOM (fuzz/fuzz_snappkt.c). */
enum { SNAP_SOCK_ROW = 1, SNAP_SOCK_BACK = 0, SNAP_SOCK_LOST = -1, SNAP_SOCK_SEQ = -2,
       SNAP_SOCK_OOM = -3 };
int snap_sock_parse(struct snap_sock *s, const unsigned char **p, size_t *n);
int snap_sock_more(MYSQL *m, struct snap_sock *s, const unsigned char **p, size_t *n,
		   struct mc_err *err);
/* A whole row packet at buf[beg..end), in sequence, short of 16 MiB and
 * of max_packet (not 0xff, not 0xfe: not an error or an end): 1 with *p,
 * *n, beg past it; else 0 (snap_sock_parse reads it). */
static inline int snap_sock_row(struct snap_sock *s, const unsigned char **p, size_t *n)
{
	if (s->end - s->beg < 5)
		return 0;
	const unsigned char *h = s->buf + s->beg;
	size_t len = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16;
	if (len - 1 >= s->fast || s->end - s->beg - 4 < len || h[4] >= 0xfe || h[3] != s->seq)
		return 0;
	s->seq++;
	s->beg += 4 + len;
	*p = h + 4;
	*n = len;
	return 1;
}
static inline int snap_sock_next(MYSQL *m, struct snap_sock *s, const unsigned char **p,
				 size_t *n, struct mc_err *err)
{
	if (!s->on)
		return snap_pkt_next(m, p, n, err);
	if (snap_sock_row(s, p, n))
		return 1;
	return snap_sock_more(m, s, p, n, err); /* (snap_sock.c) */
}
void snap_sock_skip(MYSQL *m, struct snap_sock *s);
void snap_sock_free(struct snap_sock *s);
int snap_read_text(MYSQL *m, struct snap_reader *rd, const struct snap_table *t, const char *q,
		   size_t qlen, uint64_t limit, const struct mc_pos *wm, int64_t tm,
		   struct mc_buf *out, uint64_t *nrows, snap_bound *last, snap_tick_fn tick,
		   void *tick_ctx, struct mc_err *err);

/* Read the rows of t with key in (lo, hi] (either may be NULL: open), at
 * most limit of them (0: no limit), in key order, appending one snapshot
 * row record per row (pos wm, time tm) to out. *nrows gets the count,
 * *last the key of the last row when the read stopped at limit rows or at
 * rd->max_bytes (else NULL): the rows after it remain to be read.
 * Runs inside the caller's transaction. */
int snap_read(MYSQL *m, struct snap_reader *rd, const struct snap_table *t, const snap_bound lo,
	      const snap_bound hi, uint64_t limit, const struct mc_pos *wm, int64_t tm,
	      struct mc_buf *out, uint64_t *nrows, snap_bound *last, snap_tick_fn tick,
	      void *tick_ctx, struct mc_err *err);

/* Append an identifier quoted with backticks (mylabels.c). */
int snap_quote_ident(struct mc_buf *b, const char *s);

#endif
