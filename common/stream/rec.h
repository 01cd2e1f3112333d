/* rec.h: the record stream (docs/record-format.md).
 *
 * A stream is a header object followed by records, each one msgpack array.
 * Decoded records point into the decoder's input (zero copy): strings and
 * values stay valid until the next decode into the same struct mc_rec or
 * until the input buffer is released, whichever comes first. */
#ifndef MC_REC_H
#define MC_REC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"

#define MC_REC_VERSION 1

/* Bounds enforced by the decoder before any allocation. */
#define MC_MAX_COLUMNS 4096      /* columns per schema, values per image */
#define MC_MAX_META 256          /* header metadata entries */
#define MC_MAX_RECORD (1u << 30) /* bytes in one record (1 GiB) */

/* msgpack extension type ids used by values. */
enum {
	MC_EXT_ABSENT = 0,    /* column absent from a MINIMAL image (empty) */
	MC_EXT_DECIMAL = 1,   /* exact decimal text: -?D+(.D+)? */
	MC_EXT_DATE = 2,      /* YYYY-MM-DD (zero parts allowed) */
	MC_EXT_DATETIME = 3,  /* YYYY-MM-DD hh:mm:ss[.f{1,6}] */
	MC_EXT_TIMESTAMP = 4, /* same text, the UTC instant */
	MC_EXT_TIME = 5,      /* [-]h{2,3}:mm:ss[.f{1,6}] */
	MC_EXT_BIT = 6,       /* big-endian bytes, ceil(width/8) of them */
	MC_EXT_JSON = 7,      /* JSON text */
};

/* Value kinds. Integers: MC_V_INT holds any value in int64 range,
 * MC_V_UINT only values above INT64_MAX (the decoder normalises; the
 * encoder accepts either for any value). ENUM/SET are MC_V_STR, YEAR is an
 * integer, GEOMETRY/VECTOR/BLOB are MC_V_BIN. */
enum mc_vkind {
	MC_V_NULL = 0,
	MC_V_ABSENT,
	MC_V_INT,
	MC_V_UINT,
	MC_V_F32,
	MC_V_F64,
	MC_V_STR,  /* UTF-8 text */
	MC_V_BIN,  /* raw bytes */
	MC_V_DECIMAL,
	MC_V_DATE,
	MC_V_DATETIME,
	MC_V_TIMESTAMP,
	MC_V_TIME,
	MC_V_BIT,
	MC_V_JSON,
	MC_V_NKINDS
};

struct mc_str {
	const char *p;
	size_t n;
};

struct mc_val {
	uint8_t kind; /* enum mc_vkind */
	union {
		int64_t i;
		uint64_t u;
		float f32;
		double f64;
		struct mc_str s; /* STR, BIN and every text/bytes kind */
	} v;
};

/* A position totally orders the changes of one source. */
struct mc_pos {
	uint64_t file; /* binlog file sequence number */
	uint64_t off;  /* end offset of the event, bytes actually read */
	uint64_t row;  /* row index within the event (or payload) */
};

enum mc_rkind {
	MC_R_HEADER = 0,
	MC_R_SCHEMA = 1,
	MC_R_ROW = 2,
	MC_R_DDL = 3,
	MC_R_MARK = 4,
	MC_R_TRAILER = 5,
	MC_R_NKINDS
};

enum mc_op { MC_OP_SNAPSHOT = 0, MC_OP_INSERT, MC_OP_UPDATE, MC_OP_DELETE, MC_OP_N };

/* What a DDL statement does to the table its record names (the optional
 * field 'effect' of a ddl record; MC_DDL_UNKNOWN when the record has none:
 * streams written before it). */
enum mc_ddl_effect {
	MC_DDL_UNKNOWN = 0,
	MC_DDL_ALTER,       /* ALTER TABLE (not a rename) */
	MC_DDL_CREATE,      /* CREATE TABLE */
	MC_DDL_DROP,        /* DROP TABLE */
	MC_DDL_TRUNCATE,    /* TRUNCATE TABLE */
	MC_DDL_RENAME_FROM, /* the table is renamed away (RENAME TABLE, ALTER ... RENAME) */
	MC_DDL_RENAME_TO,   /* another table is renamed to this name */
	MC_DDL_OTHER,       /* anything else (no table, or not a table's DDL) */
	MC_DDL_N
};

enum mc_mark {
	MC_MARK_HEARTBEAT = 0,
	MC_MARK_CHUNK_END,
	MC_MARK_TXN_END,
	MC_MARK_SNAPSHOT_END,
	MC_MARK_BINLOG_START, /* the stream reads binlog pos.file from here on:
			       * label "F:T", T its creation time */
	MC_MARK_N
};

/* Schema flags. */
enum {
	MC_SF_NAMES_BY_INDEX = 1u << 0, /* names unknown: columns named @1, @2.. */
	MC_SF_KEY_UNIQUE = 1u << 1,     /* key is a unique key, not the primary */
	MC_SF_KEY_DECLARED = 1u << 2,   /* key declared by the user */
	MC_SF_ALL = 0x7,
};

/* Column flags. */
enum {
	MC_CF_INVISIBLE = 1u << 0,
	MC_CF_GENERATED = 1u << 1,
	MC_CF_UNSIGNED = 1u << 2,
	MC_CF_ALL = 0x7,
};

struct mc_col {
	struct mc_str name;
	struct mc_str mysql_type; /* column type text, e.g. "decimal(10,2) unsigned" */
	struct mc_str mc_type;    /* MaxCompute type, e.g. "DECIMAL(10,2)" */
	bool nullable;
	uint32_t flags; /* MC_CF_* */
};

struct mc_kv {
	struct mc_str k, v;
};

/* One decoded or to-be-encoded record. Which fields matter depends on kind
 * (docs/record-format.md lists them). Pointers are borrowed. */
struct mc_rec {
	enum mc_rkind kind;

	/* header */
	uint64_t version;
	size_t nmeta;
	struct mc_kv *meta;

	/* schema, row, ddl, mark */
	struct mc_str db, table;
	struct mc_pos pos;
	int64_t time; /* event time, seconds since the epoch (UTC) */

	/* schema, row */
	uint64_t schema_version;

	/* schema */
	uint32_t schema_flags;
	size_t ncols;
	struct mc_col *cols;
	size_t nkey;
	uint32_t *key; /* column indexes of the key, in key order */
	/* the optional field 'src_table' of a schema or ddl record: the
	 * source table's name when the table field is a destination name
	 * another than it (mc-transform's names rules); n 0: not in the record
	 * (the table field is it) */
	struct mc_str src_table;

	/* row: before/after are NULL when the image is not present */
	enum mc_op op;
	size_t nbefore, nafter;
	struct mc_val *before, *after;

	/* ddl */
	struct mc_str sql;
	enum mc_ddl_effect effect; /* MC_DDL_UNKNOWN: not in the record */

	/* mark */
	enum mc_mark mark;
	struct mc_str label;
	/* mark: the optional field 'resume' of a heartbeat or txn_end mark (a
	 * source resumes at or before it, not at pos: a prepared XA
	 * transaction is held); has_resume 0 in marks without it */
	bool has_resume;
	struct mc_pos resume;

	/* trailer: records since the header, header and trailer excluded */
	uint64_t count;
	/* trailer: CRC-32C of the stream's bytes from the header's first byte
	 * to the trailer's (excluded); has_crc 0 in streams written before it */
	bool has_crc;
	uint32_t crc;
};

/* Scratch memory a decoder uses for arrays of values, columns, key and
 * metadata. Owned by the caller; reuse it across records; free with
 * rec_scratch_free. */
struct mc_scratch {
	struct mc_val *vals;
	size_t nvals;
	struct mc_col *cols;
	size_t ncols;
	uint32_t *key;
	size_t nkey;
	struct mc_kv *meta;
	size_t nmeta;
	/* The last row record's bytes from its op to its position's offset
	 * (rh_len of them, 0: none) and their decoded fields: a row record
	 * that starts with the same bytes takes them without decoding them
	 * again (the rows of a snapshot's chunk, or of a rows event, share
	 * them). db and table are offsets into those bytes. */
	unsigned char rh[96];
	uint32_t rh_len, rh_db, rh_dbn, rh_table, rh_tablen;
	uint8_t rh_op;
	uint64_t rh_version, rh_file, rh_off;
};

void rec_scratch_free(struct mc_scratch *s);

/* Decode one record from p[0..n).
 * Returns 1 and sets *used when a whole record was decoded; 0 when the
 * input ends inside the record (*used is set to the bytes known to be
 * needed at least, > n); -1 on bad data (err says what, with the byte offset
 * of p[0] in the stream being off0). A decoded record borrows from p and from scratch.
 * Header records are recognised too (kind MC_R_HEADER). */
int rec_decode(const char *p, size_t n, uint64_t off0, size_t *used, struct mc_rec *r,
	       struct mc_scratch *s, struct mc_err *err);

/* Append the msgpack encoding of r to b. Returns 0, or -1 on ENOMEM or an
 * invalid record (err says which). */
int rec_encode(struct mc_buf *b, const struct mc_rec *r, struct mc_err *err);
/* rec_encode for the records of the binlog decoder, whose DECIMAL and
 * temporal value texts are made from checked ranges (binlog_value.c): the
 * texts of those kinds (rec_val_decoder_checked) are not parsed again;
 * everything else is checked as by rec_encode. fuzz/fuzz_binlog.c holds the
 * decoder to it. */
int rec_encode_decoded(struct mc_buf *b, const struct mc_rec *r, struct mc_err *err);
static inline int rec_val_decoder_checked(int kind)
{
	return kind == MC_V_DECIMAL || kind == MC_V_DATE || kind == MC_V_DATETIME ||
	       kind == MC_V_TIMESTAMP || kind == MC_V_TIME;
}

/* Check that a record is well-formed (the same rules the decoder applies):
 * right images for the op, kinds in range, value texts well-formed. */
int rec_validate(const struct mc_rec *r, struct mc_err *err);

/* Check one value (text forms of DECIMAL, DATE, ...; floats finite). */
int rec_val_validate(const struct mc_val *v, struct mc_err *err);

/* Names for kinds, ops and marks (static strings) and the reverse (-1 if
 * unknown). */
const char *rec_kind_name(enum mc_rkind k);
const char *rec_op_name(enum mc_op op);
int rec_op_from_name(const char *s, size_t n);
const char *rec_mark_name(enum mc_mark m);
int rec_mark_from_name(const char *s, size_t n);
/* "alter", "create", "drop", "truncate", "rename_from", "rename_to",
 * "other" ("?" for MC_DDL_UNKNOWN); from_name: -1 when unknown. */
const char *rec_ddl_effect_name(enum mc_ddl_effect e);
int rec_ddl_effect_from_name(const char *s, size_t n);
const char *rec_vkind_name(enum mc_vkind k);

/* Header metadata (docs/record-format.md "Header"): the source a stream's
 * positions are of. MC_META_SOURCE_ID: the server's identity, its
 * server_id in decimal; MC_META_SOURCE_EPOCH: its binlog history, "F:T",
 * the number F of the first binlog file the stream reads and the time T
 * (seconds UTC) of that file's Format_description event. */
#define MC_META_SOURCE_ID "source_id"
#define MC_META_SOURCE_EPOCH "source_epoch"
/* MC_META_SOURCE_START: where in that history the stream starts reading,
 * "F:O": binlog file number F, byte offset O of an event boundary (4: the
 * file's start); it holds every change after it up to its last mark
 * (docs/record-format.md "Header"). Absent when not known (a start from a
 * GTID set, older writers). */
#define MC_META_SOURCE_START "source_start"
/* MC_META_SOURCE_START_GTID: a stream started from a GTID set (live
 * --start-gtid) says the set instead: the stream holds the transactions
 * after it. */
#define MC_META_SOURCE_START_GTID "source_start_gtid"
/* MC_META_TABLES: mc-binlog-tail's --tables, the regular expression of the
 * tables whose changes the stream holds; absent: every table's
 * (docs/record-format.md "Header"). */
#define MC_META_TABLES "tables"
/* MC_META_LCTN: the source server's lower_case_table_names (0, 1 or 2) as
 * mc-binlog-tail knew it (live: the server's; files: its
 * --lower-case-table-names); absent: not known. */
#define MC_META_LCTN "lower_case_table_names"
/* MC_META_CHAINS: mc-snapshot's tables and what it reads each by, three
 * lines a table: its chain's key (ledger_table_key), its split key and its
 * condition as its --checkpoint records them (docs/record-format.md
 * "Header"); the sink keeps them beside the chains it commits. */
#define MC_META_CHAINS "chains"

/* The value of header entry key (a header record), or NULL. */
const struct mc_str *rec_header_get(const struct mc_rec *r, const char *key);
/* Parse an epoch "F:T": 0, or -1 when malformed. */
int rec_epoch_parse(const char *s, size_t n, uint64_t *file, int64_t *time);

/* Total order of positions: <0, 0, >0. */
int pos_cmp(const struct mc_pos *a, const struct mc_pos *b);
/* The lowest position above p ("FILE:OFFSET:ROW" with ROW the highest
 * there is stands for every row at FILE:OFFSET, whose next position is
 * at the next offset): 0, or -1 when p is the highest position there is. */
static inline int pos_next(struct mc_pos *p)
{
	if (p->row != UINT64_MAX) {
		p->row++;
	} else if (p->off != UINT64_MAX) {
		p->off++;
		p->row = 0;
	} else if (p->file != UINT64_MAX) {
		p->file++;
		p->off = p->row = 0;
	} else {
		return -1;
	}
	return 0;
}
/* Where a source may resume after the heartbeat or txn_end mark r: its
 * 'resume' field when it has one (below pos), else pos. */
struct mc_pos rec_mark_resume(const struct mc_rec *r);

/* Format "file:off:row" into out (at least 64 bytes); parse it back
 * strictly. */
void pos_format(const struct mc_pos *p, char *out, size_t outsz);
int pos_parse(const char *s, struct mc_pos *p, struct mc_err *err);

/* Whether r names the table "db.table" (name holds one '.' after db). */
static inline bool rec_is_table(const struct mc_rec *r, const char *name)
{
	size_t dl = r->db.n;
	return strlen(name) == dl + 1 + r->table.n && memcmp(name, r->db.p, dl) == 0 &&
	       name[dl] == '.' && memcmp(name + dl + 1, r->table.p, r->table.n) == 0;
}

/* Convenience constructors for values and strings. */
static inline struct mc_str mc_str_c(const char *s, size_t n)
{
	struct mc_str r = { s, n };
	return r;
}

#endif
