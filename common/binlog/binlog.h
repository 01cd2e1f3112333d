/* binlog.h: a MySQL/MariaDB binary log decoder (docs/mc-binlog-tail.md).
 *
 * The decoder is fed one complete event at a time (header, body and
 * checksum), so the same code serves binlog files (bl_file_* below) and,
 * later, a replica connection. It keeps the state that later events need:
 * the format description (post-header lengths, checksum algorithm) and the
 * table maps by table id. Decoded events point into the caller's bytes or
 * into buffers the decoder owns, valid until the next bl_decode (row values:
 * until the next bl_row_next). common/ never prints: errors come back in a
 * struct mc_err whose message says what is wrong; the caller adds the file
 * and offset. */
#ifndef MC_BINLOG_H
#define MC_BINLOG_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/charset.h"
#include "base/err.h"
#include "stream/labels.h"
#include "stream/rec.h"

/* Event types. */
enum {
	BL_UNKNOWN = 0,
	BL_START_V3 = 1,
	BL_QUERY = 2,
	BL_STOP = 3,
	BL_ROTATE = 4,
	BL_INTVAR = 5,
	BL_RAND = 13,
	BL_USER_VAR = 14,
	BL_FDE = 15,
	BL_XID = 16,
	BL_TABLE_MAP = 19,
	BL_PRE_GA_WRITE_ROWS = 20,
	BL_PRE_GA_UPDATE_ROWS = 21,
	BL_PRE_GA_DELETE_ROWS = 22,
	BL_WRITE_ROWS_V1 = 23,
	BL_UPDATE_ROWS_V1 = 24,
	BL_DELETE_ROWS_V1 = 25,
	BL_INCIDENT = 26,
	BL_HEARTBEAT = 27,
	BL_IGNORABLE = 28,
	BL_ROWS_QUERY = 29,
	BL_WRITE_ROWS = 30,
	BL_UPDATE_ROWS = 31,
	BL_DELETE_ROWS = 32,
	BL_GTID = 33,
	BL_ANONYMOUS_GTID = 34,
	BL_PREVIOUS_GTIDS = 35,
	BL_TRANSACTION_CONTEXT = 36,
	BL_VIEW_CHANGE = 37,
	BL_XA_PREPARE = 38,
	BL_PARTIAL_UPDATE_ROWS = 39,
	BL_TRANSACTION_PAYLOAD = 40,
	BL_HEARTBEAT_V2 = 41,
	BL_GTID_TAGGED = 42,
	BL_MARIA_ANNOTATE_ROWS = 160,
	BL_MARIA_BINLOG_CHECKPOINT = 161,
	BL_MARIA_GTID = 162,
	BL_MARIA_GTID_LIST = 163,
	BL_MARIA_START_ENCRYPTION = 164,
	BL_MARIA_QUERY_COMPRESSED = 165,
	BL_MARIA_WRITE_ROWS_COMPRESSED_V1 = 166,
	BL_MARIA_UPDATE_ROWS_COMPRESSED_V1 = 167,
	BL_MARIA_DELETE_ROWS_COMPRESSED_V1 = 168,
	BL_MARIA_WRITE_ROWS_COMPRESSED = 169,
	BL_MARIA_UPDATE_ROWS_COMPRESSED = 170,
	BL_MARIA_DELETE_ROWS_COMPRESSED = 171,
};

/* Header flags. */
enum {
	BL_F_ARTIFICIAL = 0x20, /* LOG_EVENT_ARTIFICIAL_F: made up by the reader */
	BL_F_IGNORABLE = 0x80,  /* LOG_EVENT_IGNORABLE_F: may be skipped if unknown */
};

/* Rows event flag: the last event of a statement. */
#define BL_ROWS_STMT_END 0x0001

#define BL_HEADER_LEN 19
#define BL_MAX_EVENT (1u << 30) /* bytes in one event, a bound before allocating */

/* MySQL column types (field_types.h). */
enum {
	BL_T_DECIMAL = 0, BL_T_TINY = 1, BL_T_SHORT = 2, BL_T_LONG = 3, BL_T_FLOAT = 4,
	BL_T_DOUBLE = 5, BL_T_NULL = 6, BL_T_TIMESTAMP = 7, BL_T_LONGLONG = 8,
	BL_T_INT24 = 9, BL_T_DATE = 10, BL_T_TIME = 11, BL_T_DATETIME = 12, BL_T_YEAR = 13,
	BL_T_NEWDATE = 14, BL_T_VARCHAR = 15, BL_T_BIT = 16, BL_T_TIMESTAMP2 = 17,
	BL_T_DATETIME2 = 18, BL_T_TIME2 = 19, BL_T_TYPED_ARRAY = 20, BL_T_VECTOR = 242,
	BL_T_JSON = 245, BL_T_NEWDECIMAL = 246, BL_T_ENUM = 247, BL_T_SET = 248,
	BL_T_TINY_BLOB = 249, BL_T_MEDIUM_BLOB = 250, BL_T_LONG_BLOB = 251, BL_T_BLOB = 252,
	BL_T_VAR_STRING = 253, BL_T_STRING = 254, BL_T_GEOMETRY = 255,
	/* MariaDB's COMPRESSED columns: BLOB/TEXT, VARCHAR/VARBINARY */
	BL_T_BLOB_COMPRESSED = 140, BL_T_VARCHAR_COMPRESSED = 141,
};

/* The format description in force. */
struct bl_fde {
	uint16_t binlog_version;
	char server_version[51];
	int mariadb;          /* server_version says MariaDB */
	unsigned version;     /* ... as major * 10000 + minor * 100 + patch */
	uint8_t header_len;   /* common header length (19) */
	uint8_t post[256];    /* post-header length by event type */
	int checksum;         /* 1: events end with a CRC32 */
};

/* One column of a table map. */
struct bl_col {
	uint8_t type;       /* real type: STRING resolved to ENUM/SET/STRING */
	uint8_t wire_type;  /* the type byte in the table map */
	uint16_t meta;      /* metadata as mysqlbinlog prints it; MariaDB's old-format
			     * TIME/DATETIME/TIMESTAMP: the fraction digits, when known */
	uint32_t maxlen;    /* CHAR/VARCHAR byte length; BLOB length bytes */
	uint8_t nullable;
	uint8_t is_unsigned;
	uint8_t invisible;
	uint8_t has_charset;
	uint8_t guess;      /* BL_GUESS_*: what a MariaDB map without metadata
			     * (binlog_row_metadata=NO_LOG) leaves unknown, until
			     * the DDL followed or --schema tells (schema_track.c):
			     * a value it changes is refused (binlog_value.c) */
	uint16_t charset;   /* collation id when has_charset */
	struct mc_str name; /* empty when the map has no names */
	uint32_t dim;       /* VECTOR dimensions (0: unknown) */
	uint8_t conv;       /* how text is converted (binlog_value.c) */
	uint32_t nlabels;   /* ENUM/SET labels */
	struct mc_str *labels;
	/* MariaDB's old-format TIME(n), DATETIME(n), TIMESTAMP(n) (binlog types
	 * 11, 12, 7, no metadata): n is not in the map. dec_ext is set by the
	 * map; whoever knows n (the DDL followed, --schema, information_schema)
	 * sets meta = n and dec_known. Its values are decoded only when known. */
	uint8_t dec_ext;
	uint8_t dec_known;
	/* how bl_row_pack packs its values (binlog_int.h BL_PLAN_*), and the
	 * bytes of its integer or length; set with the table's plan */
	uint8_t plan;
	uint8_t plan_n;
};

/* MariaDB's two-phase ALTER (binlog_alter_two_phase=ON): the ALTER is
 * logged at its start and again at its COMMIT ALTER or ROLLBACK ALTER */
#define BL_ALTER_START 1
#define BL_ALTER_COMMIT 2
#define BL_ALTER_ROLLBACK 3

#define BL_GUESS_SIGN 1    /* an integer column: UNSIGNED or not */
#define BL_GUESS_CHARSET 2 /* a CHAR/VARCHAR column: its charset */

/* A table map (TABLE_MAP event), owned by the decoder. */
struct bl_table {
	uint64_t id;
	struct mc_str db, name;
	uint32_t ncols;
	struct bl_col *cols;
	uint32_t npk;
	uint32_t *pk;          /* primary key column indexes */
	int has_names;         /* column names came with the map */
	int has_labels;        /* ENUM/SET labels came with the map (FULL metadata) */
	uint64_t labels_tag;   /* for schema_track.c: what its labels were set from */
	int has_signedness;
	uint32_t njson;        /* JSON columns (for partial updates) */
	uint32_t ndec_ext;     /* columns with bl_col.dec_ext (set with the map) */
	int plan_ok;           /* bl_col.plan set for the columns as they are now
				* (cleared by what changes a column's type,
				* charset or sign after the map: schema_track.c) */
	size_t plan_room;      /* with plan_ok: the most bytes a row's headers,
				* numbers and texts take packed (binlog_pack.c) */
	char *raw;             /* copy of the event body the strings point into */
	size_t raw_len;        /* its length */
	size_t def_off;        /* where the definition starts (after table id, flags) */
	struct mc_str *labels; /* storage for every column's labels */
	void *user;            /* for the caller (zeroed; never freed here) */
	/* Why its rows cannot be decoded ("" when they can): a column type this
	 * decoder does not know. The map is kept, so that the rows of a table
	 * the caller does not select pass; bl_row_next refuses the others. */
	char bad[768];
};

/* sql_mode bits of a query's status variables */
#define BL_SQL_MODE_ANSI_QUOTES (1ULL << 2)
#define BL_SQL_MODE_NO_BACKSLASH_ESCAPES (1ULL << 20)

/* A decoded event. Pointers are valid until the next bl_decode. */
struct bl_event {
	uint32_t when;      /* timestamp, seconds since the epoch */
	uint8_t type;
	uint32_t server_id;
	uint32_t size;      /* bytes in the event, checksum included */
	uint32_t log_pos;   /* header's end position (not trusted for positions) */
	uint16_t flags;

	const uint8_t *body; /* after the common header, checksum excluded */
	size_t body_len;

	/* QUERY (and QUERY_COMPRESSED) */
	struct mc_str db, sql;
	uint16_t error_code;
	int has_charset;         /* the status variables name the client charset */
	uint16_t charset_client; /* ... its collation id: the charset of sql */
	int has_sql_mode;        /* the status variables carry the sql_mode */
	uint64_t sql_mode;       /* ... its bits (BL_SQL_MODE_*) */

	/* ROTATE */
	uint64_t rotate_pos;
	struct mc_str rotate_name;

	/* XID */
	uint64_t xid;

	/* GTID kinds: the label ("uuid:n", "uuid:tag:n", "domain-server-seq") */
	char gtid[128];
	int gtid_standalone; /* MariaDB GTID of a statement with no BEGIN (DDL) */
	int gtid_alter;      /* ... of binlog_alter_two_phase: BL_ALTER_*, else 0 */
	uint32_t gtid_domain; /* MariaDB GTID: its domain and sequence number */
	uint64_t gtid_seq;

	/* TABLE_MAP and rows events */
	struct bl_table *table;
	uint64_t table_id;

	/* rows events */
	int rows_op;        /* MC_OP_INSERT, MC_OP_UPDATE, MC_OP_DELETE; 0 otherwise */
	int partial;        /* PARTIAL_UPDATE_ROWS */
	uint16_t rows_flags;
	uint32_t rows_ncols;
	const uint8_t *present_before, *present_after; /* column bitmaps */
	uint32_t np_before, np_after; /* the columns present in each */
	const uint8_t *rows, *rows_end;                 /* the row data */
	const uint8_t *rows_cur;                        /* next row (bl_row_next) */

	/* TRANSACTION_PAYLOAD: the uncompressed inner events */
	const uint8_t *payload;
	size_t payload_len;
};

/* Chunked memory for values: blocks are never moved, so values keep their
 * pointers until bl_arena_reset. */
struct bl_arena {
	struct bl_block *head;
	char *cur;   /* the head block's free space: cur[0..left) */
	size_t left;
};

struct bl_decoder {
	struct bl_fde fde;
	int have_fde;
	int verify_checksum;     /* default 1 */
	int partial_json_absent; /* partial JSON with no before value: absent, not an error */
	struct bl_table **tables; /* table maps, by id (small open list) */
	size_t ntables, ctables;
	struct mc_buf zbuf;      /* decompressed rows/query of a MariaDB event */
	struct mc_buf pbuf;      /* decompressed transaction payload */
	struct bl_arena arena;   /* row values */
	void *zstd;              /* ZSTD_DCtx */
	struct cs_set cs;        /* charset converters (base/charset.h) */
	struct mc_buf csbuf;     /* text converted to UTF-8 */
	uint32_t ts_sec;         /* the second of the last TIMESTAMP text */
	uint32_t ts_days;        /* its day + 1 (0: none) */
	char ts_text[20];        /* its YYYY-MM-DD hh:mm:ss */
};

/* Set up a decoder with the default format (v4, no checksum) until an FDE
 * arrives. */
void bl_init(struct bl_decoder *d);
void bl_free(struct bl_decoder *d);

/* Give back buffers grown by a large event (call between events, never
 * while a decoded event is still in use). */
void bl_trim(struct bl_decoder *d);

/* Forget table maps (a new binlog file starts). */
void bl_forget_tables(struct bl_decoder *d);

/* Length of the event starting at p[0..n) from its header (0 when fewer than
 * 19 bytes): callers use it to frame events. */
uint32_t bl_event_len(const uint8_t *p, size_t n);

/* Decode one complete event p[0..n): the common header, its checksum, and
 * the fields of the kinds listed in struct bl_event. FDE and TABLE_MAP
 * events update the decoder. Unknown events are returned with their type;
 * the caller decides (BL_F_IGNORABLE). Returns 0 or -1 (err says why). */
int bl_decode(struct bl_decoder *d, const uint8_t *p, size_t n, struct bl_event *ev,
	      struct mc_err *err);

/* How an event is given to bl_decode_as and bl_check_as (flags; 0 is a
 * plain event, as bl_decode and bl_check take it). */
enum {
	BL_AS_INNER = 1,   /* an event inside a transaction payload: no checksum */
	BL_AS_CHECKED = 2, /* its checksum was verified (bl_check_as): not again */
};
int bl_decode_as(struct bl_decoder *d, const uint8_t *p, size_t n, unsigned as,
		 struct bl_event *ev, struct mc_err *err);

/* A rows event type (v1, v2, partial, MariaDB compressed). */
int bl_is_rows(uint8_t type);

/* The light check of an event that is decoded later: its length, its
 * checksum, and for rows events the flags (BL_ROWS_STMT_END). Returns the
 * event type, -2 for a format description (which must go to bl_decode), or
 * -1 on bad data. */
int bl_check(struct bl_decoder *d, const uint8_t *p, size_t n, uint16_t *rows_flags,
	     struct mc_err *err);
int bl_check_as(struct bl_decoder *d, const uint8_t *p, size_t n, unsigned as,
		uint16_t *rows_flags, struct mc_err *err);

/* Decode the next row of a rows event into before[] and after[] (each
 * ev->table->ncols values; columns not in an image are MC_V_ABSENT; an image
 * the op does not have is left untouched). Returns 1 for a row, 0 at the
 * end, -1 on bad data. Values point into the event or the decoder's arena,
 * valid until the next call. */
int bl_row_next(struct bl_decoder *d, struct bl_event *ev, struct mc_val *before,
		struct mc_val *after, struct mc_err *err);

/* bl_row_next, the values packed in place: the row's images at k (after
 * the row record's fields before them, stream/recpack.h), as rec_encode
 * packs a row record of them: for each image of the op an array of the
 * table's ncols values, nil for the image the op has not. The same bytes
 * as bl_row_next's values through rec_encode_decoded, with no array of
 * values in between. Not for partial JSON updates (ev->partial: use
 * bl_row_next). 1 for a row, 0 at the end, -1 on bad data (what was packed
 * of the row is for the caller to drop: rp_abort). */
struct rp;
int bl_row_pack(struct bl_decoder *d, struct bl_event *ev, struct rp *k, struct mc_err *err);
/* The next rows of ev packed as bl_row_pack packs them, each after the
 * bytes pre[0..npre) (npre <= 64, readable 64 bytes) and its position's
 * row number (row, row + 1, ...) and time `when` as rp_row_pos packs them,
 * one after the other at k, while the rows take bl_row_pack's shortest
 * way (every column planned and present), k has room and its buffer holds
 * less than stop bytes: how many (0: bl_row_pack is for the next row). */
size_t bl_pack_rows(struct bl_decoder *d, struct bl_event *ev, struct rp *k, const char *pre,
		    size_t npre, uint64_t row, int64_t when, size_t stop);

/* A MariaDB GTID_LIST event ev (the binlog state: the last GTID of each
 * domain and server_id): 1 with *seq the one of domain and server, 0 when
 * it has none, -1 when its body is too short for its count. */
int bl_gtid_list_get(const struct bl_event *ev, uint32_t domain, uint32_t server,
		     uint64_t *seq);

/* A column of MariaDB's old-format TIME(n)/DATETIME(n)/TIMESTAMP(n) whose
 * n is not known (dec_ext && !dec_known): 1 with why the table's rows
 * cannot be decoded in msg (naming the column and the remedy), else 0. */
int bl_table_dec_unknown(const struct bl_table *t, char *msg, size_t n);

/* Derive per-column decoding state (the charset conversion) once the
 * map's metadata is read. */
void bl_col_setup(struct bl_col *c);

/* A BINARY(16)/BINARY(4) column that DDL or --schema says is MariaDB's
 * INET6, UUID or INET4: its values become their text (as SELECT prints
 * them) and its type text "inet6", "uuid", "inet4". Anything else: no
 * change. */
enum { BL_FBT_INET6 = 1, BL_FBT_UUID, BL_FBT_INET4 };
void bl_col_fbt(struct bl_col *c, unsigned kind);
/* Is c a BINARY(16) or BINARY(4) column not (yet) known as one of them? */
int bl_col_fbt_candidate(const struct bl_col *c);

/* The map's ENUM/SET labels to UTF-8 from their columns' charset (after
 * bl_col_setup). A label not valid in its charset sets t->bad (the
 * table's rows are refused). 0, or -1 when out of memory. */
int bl_table_labels(struct bl_decoder *d, struct bl_table *t, struct mc_err *err);

/* "table `d`.`t`: column 2 (e)": where column i of map t is, in messages
 * (name: its name, NULL: the map's; none said: "column 2"), into buf. */
void bl_col_where(char *buf, size_t n, const struct bl_table *t, uint32_t i, const char *name);

/* Refuse t's rows for the labels of column i (t->bad), named name (NULL:
 * the map's name): what is wrong, "ENUM label 1 (bytes E9) is not valid in
 * the column's charset utf8mb4 at byte 0" (cs_label_utf8's words). */
void bl_table_label_bad(struct bl_table *t, uint32_t i, const char *name, const char *what);

/* Type text of a column as SHOW CREATE TABLE would spell it, as far as the
 * map tells ("int unsigned", "varchar(255)", "enum('a','b')"), appended to
 * b. Its MaxCompute type is mctype_for() of that text. */
int bl_col_mysql_type(const struct bl_col *c, struct mc_buf *b);

/* CRC32 as zlib computes it (crc32(crc, p, n)). */
uint32_t bl_crc32(uint32_t crc, const uint8_t *p, size_t n);

/* Name of an event type, "unknown" when not known. */
const char *bl_type_name(uint8_t type);

/* Values (binlog_value.c). */

/* Decode one column value at p[0..n) into v; *used gets its length.
 * partial: a PARTIAL_UPDATE_ROWS JSON diff (applied to `old`, the before
 * image's value). 0, or -1 on bad data. */
int bl_value(struct bl_decoder *d, const struct bl_col *c, const uint8_t *p, size_t n,
	     size_t *used, struct mc_val *v, struct mc_err *err);

/* MySQL binary JSON (binlog_json.c) to text as MySQL prints it. */
int bl_json_text(const uint8_t *p, size_t n, struct mc_buf *out, struct mc_err *err);

/* Apply a partial JSON update (a sequence of diffs) to the document text
 * `old` and write the new text. */
int bl_json_apply_diff(const char *old, size_t oldn, const uint8_t *diff, size_t n,
		       struct mc_buf *out, struct mc_err *err);

/* Arena. */
void *bl_arena_alloc(struct bl_arena *a, size_t n);
/* Room for n bytes at the arena's end, not taken yet (NULL: out of
 * memory): write, then take what was written with bl_arena_take. */
char *bl_arena_room_grow(struct bl_arena *a, size_t n);
static inline char *bl_arena_room(struct bl_arena *a, size_t n)
{
	return a->left >= n ? a->cur : bl_arena_room_grow(a, n);
}
static inline void bl_arena_take(struct bl_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	a->cur += n;
	a->left -= n;
}
void bl_arena_reset(struct bl_arena *a);
void bl_arena_free(struct bl_arena *a);

/* Reading binlog files (plain, or zstd-compressed: recognised by the magic
 * number when a struct zin is given). */
struct zin;
struct bl_file {
	int fd;
	struct zin *z;    /* read through it when set (not owned) */
	struct mc_buf buf;
	size_t pos;       /* next event at buf.p + pos */
	uint64_t base;    /* file offset of buf.p[0] */
	uint64_t keep;    /* the bytes from this file offset on stay in buf (the
			   * caller holds them by reference: bl_file_next may
			   * move them, never drop them); UINT64_MAX: none */
	int eof;
	int cut;          /* bl_file_next failed: the file ends inside an event */
};

/* Start reading fd (not owned) whose next byte is at file offset `off`;
 * with z (not owned, set up on fd), through it: offsets are then those of
 * the decompressed bytes. */
void bl_file_init(struct bl_file *f, int fd, uint64_t off);
void bl_file_init_zin(struct bl_file *f, struct zin *z);
/* Check the 4-byte magic "\xfebin" at the start. 0 or -1. */
int bl_file_magic(struct bl_file *f, struct mc_err *err);
/* Next event: 1 with *ev and *n (valid until the next call, or with keep
 * at or before *start until keep is moved past it, though the call may move
 * them: at buf.p + (*start - base)) and *start, its file offset; 0 at end of
 * file on an event boundary; -1 when the file ends inside an event
 * ("truncated") or on a read error. */
int bl_file_next(struct bl_file *f, const uint8_t **ev, size_t *n, uint64_t *start,
		 struct mc_err *err);
/* Give back a buffer grown by a large event or by the bytes kept (the last
 * event returned is no longer valid); nothing while bytes are kept. */
void bl_file_trim(struct bl_file *f);
void bl_file_free(struct bl_file *f);

/* The text of a QUERY event's statement in UTF-8, converted (iconv) from
 * the client charset its status variables name, into out (replacing what
 * it held). 0, or -1 when the text is not valid in that charset, or the
 * charset is one this reader cannot convert and the text is not UTF-8. */
int bl_query_utf8(const struct bl_event *ev, struct mc_buf *out, struct mc_err *err);

/* Collation id to charset: name, and the bytes per character at most. */
const char *bl_charset_name(uint16_t collation, int *mbmaxlen);

#endif
