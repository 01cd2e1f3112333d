/* blockdec.h: the local server's block decoder in C (blockdec.c). */
#ifndef ODPS_SERVER_BLOCKDEC_H
#define ODPS_SERVER_BLOCKDEC_H

#include <stddef.h>
#include <stdint.h>

enum {
	BD_OK = 0,
	BD_MALFORMED = 1,   /* MalformedDataStream: the structure */
	BD_CORRUPTED = 2,   /* CorruptedDataStream: a checksum */
	BD_UNSUPPORTED = 3, /* the schema has a type left to the Python decoder */
	BD_BADSCHEMA = 4,
	BD_NOMEM = 5,
	BD_TOOBIG = 6 /* bd_inflate: over the limit once decompressed */
};

enum { BD_ENC_DEFLATE = 1, BD_ENC_ZSTD = 2 };

/* Decode the record stream data[0..n) of the table whose columns schema
 * describes (blockdec.c). 0: *out (bd_free it) holds the rows in Python's
 * marshal format, *outlen its size, *nrows the records. Else a BD_ code,
 * err the message ("record N, byte offset P: ..." as recstream.py says). */
int bd_decode(const void *data, size_t n, const char *schema, uint64_t max_field,
	      unsigned char **out, size_t *outlen, uint64_t *nrows, char *err, size_t errsz);
/* bd_decode's checks and outcome without the rows: 0 and *nrows, or its
 * BD_ code and message (the server at PUT; the rows are decoded again from
 * the stored block at the table's first read: committed.py). */
int bd_check(const void *data, size_t n, const char *schema, uint64_t max_field, uint64_t *nrows,
	     char *err, size_t errsz);
void bd_free(void *p);
/* Decompress the block raw[0..n), Content-Encoding enc (BD_ENC_, blockinf.c):
 * 0: *out (bd_free it) holds the *outlen bytes, at most limit; else
 * BD_MALFORMED (not one whole stream of the encoding), BD_TOOBIG or BD_NOMEM,
 * err the message (server.py's words). */
int bd_inflate(const void *raw, size_t n, int enc, uint64_t limit, unsigned char **out, size_t *outlen,
	       char *err, size_t errsz);
/* CRC-32C of p[0..n) */
uint32_t bd_crc32c(const void *p, size_t n);

#endif
