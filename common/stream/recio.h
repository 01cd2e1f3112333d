/* recio.h: reading and writing record streams on file descriptors.
 *
 * A reader checks the stream's structure as well as each record: the
 * first object is a header, a trailer closes the stream and its count must
 * match, another header may follow a trailer (streams concatenate). End of
 * input anywhere else is "truncated at offset N". Offsets are in the
 * (decompressed) stream; records are numbered from 1, headers included.
 * Every schema record is checked, and every row against the schema record
 * of its table and version read before it (validate.h). In the mcr form, a
 * trailer's CRC-32C is checked against the stream's bytes. With
 * rio_check_order, the order of change positions is checked too. */
#ifndef MC_RECIO_H
#define MC_RECIO_H

#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "stream/jsonl.h"
#include "stream/rec.h"
#include "stream/validate.h"
#include "base/zio.h"

/* Input formats: the record stream (msgpack) or its JSON-lines form.
 * RIO_AUTO decides by the first byte: '{' is JSON lines. */
enum rio_fmt { RIO_AUTO = 0, RIO_MCR, RIO_JSONL };

struct rio_reader {
	struct zin in;
	enum rio_fmt fmt;
	struct jsonl_parser jp;
	struct mc_buf buf;   /* decompressed input */
	size_t pos;          /* next record starts at buf.p + pos */
	size_t scanned;      /* JSON lines: bytes after pos known to hold no newline */
	uint64_t base;       /* stream offset of buf.p[0] */
	uint64_t recno;      /* number of the last record returned */
	uint64_t since_header;
	uint64_t rec_off;    /* stream offset of the last record returned */
	size_t rec_len;      /* its length in bytes */
	int state;           /* 0 before a header, 1 in a stream, 2 after a trailer */
	int open_end;        /* accept end of input without a trailer */
	int cut;             /* open_end: the input ended inside a record, */
	uint64_t cut_off;    /* which started at this offset (dropped) */
	struct mc_scratch sc;
	struct vtrack vt;    /* schemas seen: every row is checked against its own */
	uint32_t crc;        /* mcr: CRC-32C of the stream's bytes up to hashed */
	uint64_t hashed;     /* stream offset: bytes before it are in crc */
	uint64_t head_off;   /* stream offset of the current stream's header */
	int order;           /* rio_check_order: change positions never go back */
	int ord_has;         /* a change came since the header */
	struct mc_pos ord_hi; /* the highest change position since the header */
	uint64_t ord_recno;  /* and its record */
	int ord_bad;         /* the error returned was a change out of order */
	struct mc_pos ord_pos; /* its position */
};

/* Start reading fd (not owned) in format fmt. */
void rio_init(struct rio_reader *r, int fd, enum rio_fmt fmt);

/* Accept a stream that ends without its trailer (a live pipe whose writer
 * stopped, at a record boundary or inside a record, which is dropped:
 * cut, cut_off); the default is to report it truncated. */
static inline void rio_allow_open_end(struct rio_reader *r)
{
	r->open_end = 1;
}

/* Refuse a change row or DDL record whose position is below that of a
 * change record earlier in the same stream (since its header: a change
 * row, a DDL record, a txn_end or heartbeat mark; a mark below is passed,
 * it holds no data): every writer puts one source's changes in position
 * order, and a rerun or a resumed source that repeats changes comes as a
 * stream of its own, with its header. Below is a reorder (two
 * transactions swapped, streams spliced inside one header), which a sink
 * would take for repeats of what it committed (mc-tunnel-put, mc-cat
 * --check; docs/record-format.md "Positions"). */
static inline void rio_check_order(struct rio_reader *r)
{
	r->order = 1;
}

/* Next record: 1 (rec filled, valid until the next call), 0 at a clean end
 * of input, -1 on error (err has "record N: offset M: ..."). Header and
 * trailer records are returned too. */
int rio_next(struct rio_reader *r, struct mc_rec *rec, struct mc_err *err);

/* The raw bytes of the record last returned (its msgpack encoding, or its
 * JSON line without the newline). */
static inline const char *rio_raw(const struct rio_reader *r, size_t *n)
{
	*n = r->rec_len;
	return r->buf.p + (r->rec_off - r->base);
}

void rio_close(struct rio_reader *r);

struct rio_writer {
	struct zout out;
	struct mc_buf buf;
	uint64_t count;  /* records since the header */
	int in_stream;
	uint32_t crc;    /* CRC-32C of the stream's bytes up to buf.p + hashed */
	size_t hashed;
	int decoded;     /* records of the binlog decoder: rec_encode_decoded */
};

/* Write to fd (not owned); zstd-compress at level when level > 0. */
int rio_winit(struct rio_writer *w, int fd, int level, struct mc_err *err);

/* Write a header with the given metadata. */
int rio_begin(struct rio_writer *w, const struct mc_kv *meta, size_t nmeta, struct mc_err *err);

/* Write one record. A header record starts a stream; a trailer record must
 * carry the count of records written since the header, and is written
 * with the CRC-32C of the stream's bytes (whatever crc it holds). */
int rio_write(struct rio_writer *w, const struct mc_rec *rec, struct mc_err *err);

/* Append n bytes of records that are already encoded (nrecs of them, none a
 * header or trailer), e.g. encoded in parallel by worker threads. The
 * caller vouches for the bytes; the trailer counts them. */
int rio_write_raw(struct rio_writer *w, const void *p, size_t n, uint64_t nrecs,
		  struct mc_err *err);

/* One record packed in place (stream/recpack.h), none a header or
 * trailer: rio_pack_begin opens k over the writer's buffer with room for
 * `room` bytes (more grows it); pack the record at k; rio_pack_end counts
 * it, or rp_abort(k) drops it. */
struct rp;
int rio_pack_begin(struct rio_writer *w, struct rp *k, size_t room, struct mc_err *err);
int rio_pack_end(struct rio_writer *w, struct rp *k, struct mc_err *err);
/* rio_pack_end for n records packed one after the other at k (none
 * dropped: rp_abort drops them all) */
int rio_pack_endn(struct rio_writer *w, struct rp *k, uint64_t n, struct mc_err *err);

/* Write the trailer with the count of records written since the header. */
int rio_end(struct rio_writer *w, struct mc_err *err);

/* Push buffered bytes to the fd (and flush the compressor). */
int rio_flush(struct rio_writer *w, struct mc_err *err);

/* Flush, end the compressed frame, free memory. The fd stays open. */
int rio_wclose(struct rio_writer *w, struct mc_err *err);

/* Free memory without writing anything more (after a failed write). */
void rio_wabort(struct rio_writer *w);

#endif
