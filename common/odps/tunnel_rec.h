/* tunnel_rec.h: the MaxCompute Tunnel record stream (the body of one
 * upload block): an encoder that appends records to a block and cuts
 * blocks by size, compressed as the service expects, and a strict decoder
 * that checks everything a strict server checks. docs/maxcompute.md
 * ("Record stream") describes the bytes; the protocol is the Tunnel's
 * protobuf record stream (tags, zigzag varints, a CRC-32C per record, a
 * footer with the record count and a CRC-32C over the record CRCs).
 *
 * Types: a column's type is a tree of struct trec_type, built from the
 * MaxCompute type text of the session schema ("BIGINT", "DECIMAL(10,2)",
 * "ARRAY<BIGINT>", "MAP<STRING,BIGINT>", "STRUCT<a:BIGINT,b:STRING>") by
 * trec_schema_add.
 *
 * Values: one struct trec_val per column (see below); the encoder reads
 * them and never allocates per value; the decoder hands them out pointing
 * into its input. */
#ifndef MC_ODPS_TUNNEL_REC_H
#define MC_ODPS_TUNNEL_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "stream/rec.h" /* struct mc_str */

enum trec_kind {
	TREC_BIGINT = 1,
	TREC_INT,
	TREC_SMALLINT,
	TREC_TINYINT,
	TREC_BOOLEAN,
	TREC_DOUBLE,
	TREC_FLOAT,
	TREC_STRING,
	TREC_BINARY,
	TREC_CHAR,    /* CHAR(n) */
	TREC_VARCHAR, /* VARCHAR(n) */
	TREC_JSON,
	TREC_DECIMAL, /* DECIMAL or DECIMAL(p,s) */
	TREC_DATETIME,
	TREC_DATE,
	TREC_TIMESTAMP,
	TREC_TIMESTAMP_NTZ,
	TREC_INTERVAL_DAY_TIME,
	TREC_INTERVAL_YEAR_MONTH,
	TREC_ARRAY,  /* ARRAY<T>: sub[0] */
	TREC_MAP,    /* MAP<K,V>: sub[0], sub[1] */
	TREC_STRUCT, /* STRUCT<n1:T1,...>: sub[i] named names[i] */
	TREC_NKINDS
};

#define TREC_MAX_DEPTH 32        /* nesting of ARRAY/MAP/STRUCT */
#define TREC_MAX_FIELD (8u << 20) /* default MaxFieldSize: one STRING/BINARY value */
#define TREC_MAX_RECORD (200u << 20) /* one record, encoded */
#define TREC_BLOCK_SIZE (64u << 20)  /* default block cut: uncompressed bytes */

struct trec_type {
	uint8_t kind;     /* enum trec_kind */
	uint8_t prec;     /* DECIMAL(p,s): p (1..38); 0 for plain DECIMAL */
	uint8_t scale;    /* DECIMAL(p,s): s */
	uint32_t len;     /* CHAR(n)/VARCHAR(n): n, in characters */
	uint32_t nsub;    /* ARRAY 1, MAP 2, STRUCT: its fields */
	struct trec_type *sub;
	struct mc_str *names; /* STRUCT: field names */
};

struct trec_col {
	struct mc_str name;
	struct trec_type type;
};

/* The data columns of a session's schema, in table order: column i is
 * field number i + 1 in a record. A zeroed struct is an empty schema;
 * trec_schema_free releases what trec_schema_add made. */
struct trec_schema {
	struct trec_col *cols;
	size_t ncols, cap;
};

/* Append a column named name[0..nlen) of the type text type[0..tlen)
 * (case-insensitive, spaces allowed between tokens). 0, or -1 with err
 * (MC_EXIT_DATA naming the column and the type) for an unknown or
 * malformed type, or ENOMEM. */
int trec_schema_add(struct trec_schema *s, const char *name, size_t nlen, const char *type,
		    size_t tlen, struct mc_err *err);
void trec_schema_free(struct trec_schema *s);
/* The canonical upper-case type text of t ("MAP<STRING,BIGINT>") into b. */
int trec_type_text(const struct trec_type *t, struct mc_buf *b);
const char *trec_kind_name(enum trec_kind k);

/* One value, the input of the encoder and the output of the decoder.
 * Which member holds it depends on the column's type:
 *   BIGINT INT SMALLINT TINYINT   i (in the type's range)
 *   BOOLEAN                       i (0 or 1)
 *   DATETIME                      i: milliseconds since 1970-01-01T00:00:00Z
 *   DATE                          i: days since 1970-01-01
 *   INTERVAL_YEAR_MONTH           i: months
 *   DOUBLE / FLOAT                f64 / f32
 *   STRING BINARY JSON            s: the bytes (text in UTF-8)
 *   CHAR(n) VARCHAR(n)            s: UTF-8, at most n characters
 *   DECIMAL(p,s)                  s: plain decimal text -?D+(.D+)? with at
 *                                 most p-s integer and s fraction digits
 *   TIMESTAMP TIMESTAMP_NTZ
 *   INTERVAL_DAY_TIME             ts: seconds since the epoch (floor), and
 *                                 nanoseconds 0..999999999 (added)
 *   ARRAY<T>                      list: n elements v[0..n)
 *   MAP<K,V>                      list: n entries, keys v[0..n), values v[n..2n)
 *   STRUCT<...>                   list: n = the fields, v[i] field i
 * null set: NULL (the rest is ignored). A zeroed value is a non-NULL 0. */
struct trec_val {
	bool null;
	union {
		int64_t i;
		double f64;
		float f32;
		struct mc_str s;
		struct {
			int64_t sec;
			int32_t nsec;
		} ts;
		struct {
			const struct trec_val *v;
			size_t n;
		} list;
	} u;
};

/* Block compression: the Content-Encoding of the PUT. */
enum trec_comp { TREC_RAW = 0, TREC_DEFLATE, TREC_ZSTD };

/* "deflate", "zstd"; NULL for TREC_RAW (no Content-Encoding). */
const char *trec_comp_name(enum trec_comp c);
/* From a name ("raw"/"none", "deflate", "zstd"): 0 and *c, or -1. */
int trec_comp_parse(const char *s, enum trec_comp *c);

struct trec_enc_opts {
	enum trec_comp comp;
	int level;         /* 0: 1 (the fastest level of either) */
	size_t block_size; /* 0: TREC_BLOCK_SIZE; trec_enc_full near it */
	size_t max_field;  /* 0: TREC_MAX_FIELD (the session's MaxFieldSize) */
	int threads;       /* deflate: workers compressing the block's segments
			    * while the encoder goes on (odps/pdeflate.h; 0:
			    * in the encoder's thread; the same bytes) */
};

/* What one finished block holds. */
struct trec_block_info {
	uint64_t records;
	uint64_t raw_bytes; /* the record stream before compression */
	uint32_t crc;       /* the stream CRC of its footer */
};

struct trec_enc_col; /* per column: its tag bytes, precomputed */

/* The encoder of one table's blocks. Fields are private. */
struct trec_enc {
	const struct trec_schema *schema;
	struct trec_enc_opts o;
	struct trec_enc_col *cols;
	struct mc_buf raw;  /* uncompressed record stream not yet compressed */
	struct mc_buf out;  /* the block's body so far (compressed) */
	uint64_t records;   /* in this block */
	uint64_t raw_total; /* uncompressed bytes of this block so far */
	uint32_t scrc;      /* the stream CRC so far */
	uint32_t rcrc;      /* the record CRC so far */
	size_t cn;          /* bytes waiting in cb */
	unsigned char cb[256]; /* small CRC input waiting */
	void *zc;           /* ZSTD_CCtx or struct pdeflate */
};

/* Start encoding blocks of schema s (which must outlive e). 0, or -1 with
 * err (ENOMEM, a compressor that does not start). */
int trec_enc_init(struct trec_enc *e, const struct trec_schema *s, const struct trec_enc_opts *o,
		  struct mc_err *err);
/* Append one record: v[0..n) are the first n columns' values (n <= the
 * columns; the rest are NULL). 0, or -1 with err (MC_EXIT_DATA, naming the
 * column: a value its type cannot hold, a field over max_field, a record
 * over TREC_MAX_RECORD): the block is then as before the call. A failure
 * of the compressor (out of memory) leaves the block unusable: free the
 * encoder (trec_enc_add and trec_enc_finish say so). */
int trec_enc_add(struct trec_enc *e, const struct trec_val *v, size_t n, struct mc_err *err);
/* Is the block full (uncompressed bytes)? Finish it. Full at 63/64 of
 * the block size: a block then ends below the size unless its last
 * record is over a 64th of it, so that the memory of a block of a size of
 * 2^k MiB is that many huge pages, not one more for its last record's
 * end (the blocks go up in their own pages: odps/zpool.h). */
static inline bool trec_enc_full(const struct trec_enc *e)
{
	return e->raw_total + (e->o.block_size >> 6) >= e->o.block_size;
}
static inline uint64_t trec_enc_records(const struct trec_enc *e)
{
	return e->records;
}
/* End the block: the footer, the compressor's end. The body goes into
 * *block (whose old memory the encoder takes for the next block: pass an
 * empty buffer or one whose bytes are no longer needed); info (may be
 * NULL) says what it holds. The encoder then starts a new block. */
int trec_enc_finish(struct trec_enc *e, struct mc_buf *block, struct trec_block_info *info,
		    struct mc_err *err);
void trec_enc_free(struct trec_enc *e);

/* A block compressor apart from an encoder (another thread's: see
 * odps/zpool.h): a block's record stream, encoded with comp TREC_RAW, into
 * the bytes an encoder of compression comp gives for it. */
struct trec_zc {
	enum trec_comp comp;
	int level;
	void *zc;
};

int trec_zc_init(struct trec_zc *z, enum trec_comp comp, int level, struct mc_err *err);
/* The block raw[0..n) (its records raw[0..head), then its footer) into
 * out (replacing its contents): the bytes trec_enc_finish of an encoder of
 * z's compression and level gives for the same records. */
int trec_zc_block(struct trec_zc *z, const void *raw, size_t n, size_t head, struct mc_buf *out,
		  struct mc_err *err);
void trec_zc_free(struct trec_zc *z);
/* The bytes staged in e (with TREC_RAW: the records of the block so far). */
static inline size_t trec_enc_staged(const struct trec_enc *e)
{
	return e->raw.len;
}

/* Uncompress a block body of Content-Encoding enc (NULL or "" for none,
 * "deflate": a zlib stream, "zstd": Zstandard frames) into out (replacing
 * its contents), refusing more than max bytes, trailing bytes, a truncated
 * stream, an unknown encoding. 0, or -1 with err (MC_EXIT_DATA). */
int trec_uncompress(const char *enc, const void *p, size_t n, size_t max, struct mc_buf *out,
		    struct mc_err *err);

/* Called per decoded record: recno counts from 1; v[0..ncols) are the
 * record's values (pointing into the input and the decoder's memory, valid
 * during the call). Return 0, or -1 (with err) to stop the decoding. */
typedef int (*trec_rec_fn)(void *ctx, uint64_t recno, const struct trec_val *v, size_t ncols,
			   struct mc_err *err);

struct trec_dec {
	const struct trec_schema *schema;
	size_t max_field;
	struct trec_val *vals; /* ncols */
	struct trec_val *pool; /* elements of ARRAY/MAP/STRUCT values */
	size_t npool, cappool;
};

void trec_dec_init(struct trec_dec *d, const struct trec_schema *s, size_t max_field);
/* Decode and check one whole uncompressed record stream p[0..n), calling fn
 * (may be NULL) per record. Refuses (-1, err MC_EXIT_DATA: "record N:
 * offset O: ...") a field number 0, above the columns, repeated or out of
 * order, a wire type other than the column's, a non-minimal or over-long
 * varint, a BOOLEAN or null flag other than 0/1, an integer outside its
 * type, nanoseconds outside 0..999999999, a DECIMAL that is not plain text
 * within its precision, a CHAR/VARCHAR over its length, a field over
 * max_field, a length past the end, a record CRC that does not match, a
 * footer missing, out of place, with the wrong count or stream CRC, and
 * bytes after it. info (may be NULL) gets the count and CRC. */
int trec_dec_run(struct trec_dec *d, const void *p, size_t n, trec_rec_fn fn, void *ctx,
		 struct trec_block_info *info, struct mc_err *err);
void trec_dec_free(struct trec_dec *d);

#endif
