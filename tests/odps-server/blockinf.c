/* blockinf.c: the local MaxCompute server's block decompression in C, in
 * process (tests/odps-server/blockdec.py loads it with blockdec.c, in the
 * same shared object; docs/maxcompute.md "The local test server"). The
 * reference (server.py Handler.inflate, used when the server decodes in
 * Python) takes deflate with Python's zlib and zstd with the zstd command;
 * this gives the same outcomes without a process per block:
 *
 *   deflate: exactly one zlib stream (RFC 1950: header, deflate data,
 *            Adler-32) and nothing after it;
 *   zstd:    one or more whole zstd frames (skippable frames allowed, as
 *            the zstd command takes them), nothing else, not empty;
 *
 * and the block at most `limit` bytes once decompressed (deflate: cut at
 * limit + 1 bytes out, as Python's zlib is asked; zstd: decompressed to the
 * end as the zstd command does, keeping no byte past limit + 1, so that a bad
 * stream is refused as bad first). Standalone: C11,
 * zlib and libzstd. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* madvise */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include <zlib.h>
#include <zstd.h>

#include "blockdec.h"

/* grow *buf (capacity *cap, its first len bytes kept) towards limit + 1
 * bytes; -1 out of memory. From 4 MiB on, a new buffer on a 2 MiB boundary
 * with the huge-page advice (where the kernel's is "madvise"): a block's
 * tens of MB faulted in 4 KiB pages cost more than inflating into them on
 * a VM (a 44 MB block: 0.12 s). */
static int grow(unsigned char **buf, size_t *cap, size_t len, size_t want_min, size_t hard)
{
	const size_t huge = (size_t)2 << 20;
	size_t c = *cap ? *cap : 1 << 16;
	unsigned char *q;
	while (c < want_min)
		c = c > SIZE_MAX / 2 ? SIZE_MAX : c * 2;
	if (c > hard)
		c = hard;
	if (c >= 2 * huge && c <= SIZE_MAX - huge) {
		void *p;
		size_t r = (c + huge - 1) & ~(huge - 1);
		if (posix_memalign(&p, huge, r) != 0)
			return -1;
#ifdef MADV_HUGEPAGE
		(void)madvise(p, r, MADV_HUGEPAGE); /* advice */
#endif
		q = p;
		if (len)
			memcpy(q, *buf, len);
		free(*buf);
	} else if (!(q = realloc(*buf, c ? c : 1))) {
		return -1;
	}
	*buf = q;
	*cap = c;
	return 0;
}

static int inf_deflate(const unsigned char *raw, size_t n, size_t hard, unsigned char **buf,
		       size_t *len, char *err, size_t errsz)
{
	z_stream z;
	size_t cap = 0;
	int rc = Z_OK;
	memset(&z, 0, sizeof z);
	if (inflateInit(&z) != Z_OK) {
		snprintf(err, errsz, "out of memory");
		return BD_NOMEM;
	}
	z.next_in = (unsigned char *)raw;
	*len = 0;
	for (;;) {
		/* zlib counts in uInt: feed at most 1 GiB at a time */
		if (z.avail_in == 0 && (size_t)(z.next_in - raw) < n) {
			size_t left = n - (size_t)(z.next_in - raw);
			z.avail_in = (uInt)(left > (1u << 30) ? (1u << 30) : left);
		}
		if (*len == cap) {
			if (cap == hard)
				break; /* limit + 1 bytes out: over the limit */
			if (grow(buf, &cap, *len, cap ? cap * 2 : (n * 4 > (1 << 16) ? n * 4 : (1 << 16)), hard) < 0) {
				inflateEnd(&z);
				snprintf(err, errsz, "out of memory");
				return BD_NOMEM;
			}
		}
		size_t room = cap - *len;
		z.next_out = *buf + *len;
		z.avail_out = (uInt)(room > (1u << 30) ? (1u << 30) : room);
		uInt before = z.avail_out, in_before = z.avail_in;
		rc = inflate(&z, Z_NO_FLUSH);
		*len += before - z.avail_out;
		if (rc == Z_STREAM_END)
			break;
		if (rc == Z_BUF_ERROR && z.avail_in == 0 && (size_t)(z.next_in - raw) == n)
			break; /* all the input in, the stream not ended: cut short */
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			/* Python's zlib.error text: "Error N while decompressing data[: msg]" */
			const char *m = z.msg ? z.msg : rc == Z_STREAM_ERROR ? "inconsistent stream state"
						       : rc == Z_DATA_ERROR ? "invalid input data" : NULL;
			snprintf(err, errsz, "Content-Encoding deflate: not a zlib stream (RFC 1950): "
				 "Error %d while decompressing data%s%.200s", rc, m ? ": " : "", m ? m : "");
			inflateEnd(&z);
			return BD_MALFORMED;
		}
		if (rc == Z_BUF_ERROR && z.avail_in == in_before && z.avail_out == before && *len < cap) {
			inflateEnd(&z); /* no progress possible */
			snprintf(err, errsz, "Content-Encoding deflate: the zlib stream is cut short");
			return BD_MALFORMED;
		}
	}
	if (*len > hard - 1) {
		inflateEnd(&z);
		snprintf(err, errsz, "the inflated block is over %zu bytes", hard - 1);
		return BD_TOOBIG;
	}
	if (rc != Z_STREAM_END) {
		inflateEnd(&z);
		snprintf(err, errsz, "Content-Encoding deflate: the zlib stream is cut short");
		return BD_MALFORMED;
	}
	size_t after = n - (size_t)(z.next_in - raw);
	inflateEnd(&z);
	if (after) {
		snprintf(err, errsz, "Content-Encoding deflate: %zu bytes after the zlib stream", after);
		return BD_MALFORMED;
	}
	return 0;
}

static int inf_zstd(const unsigned char *raw, size_t n, size_t hard, unsigned char **buf, size_t *len,
		    char *err, size_t errsz)
{
	ZSTD_DCtx *z = ZSTD_createDCtx();
	ZSTD_inBuffer in = { raw, n, 0 };
	size_t cap = 0, ret = 1, total = 0, fstart = 0, fout = 0;
	unsigned char scratch[1 << 14];
	if (!z) {
		snprintf(err, errsz, "out of memory");
		return BD_NOMEM;
	}
	*len = 0;
	if (n == 0) {
		ZSTD_freeDCtx(z);
		snprintf(err, errsz, "Content-Encoding zstd: unexpected end of file (no frame)");
		return BD_MALFORMED;
	}
	for (;;) {
		if (*len == cap && cap < hard) {
			unsigned long long fs = ZSTD_getFrameContentSize(raw, n);
			size_t want = cap ? cap * 2 : (fs != ZSTD_CONTENTSIZE_UNKNOWN && fs != ZSTD_CONTENTSIZE_ERROR &&
						       fs < hard ? (size_t)fs + 1 : (n * 4 > (1 << 16) ? n * 4 : (1 << 16)));
			if (grow(buf, &cap, *len, want, hard) < 0) {
				ZSTD_freeDCtx(z);
				snprintf(err, errsz, "out of memory");
				return BD_NOMEM;
			}
		}
		/* over the limit: decompress on (as the zstd command does, so that
		 * a bad stream is refused as bad), keeping nothing more */
		int keep = *len < cap;
		ZSTD_outBuffer out = { keep ? *buf : scratch, keep ? cap : sizeof scratch, keep ? *len : 0 };
		size_t o0 = out.pos;
		ret = ZSTD_decompressStream(z, &out, &in);
		total += out.pos - o0;
		if (keep)
			*len = out.pos;
		if (ZSTD_isError(ret)) {
			snprintf(err, errsz, "Content-Encoding zstd: %s", ZSTD_getErrorName(ret));
			ZSTD_freeDCtx(z);
			return BD_MALFORMED;
		}
		if (ret == 0) {
			/* a frame ends: its content size, when it states one, is what came out */
			unsigned long long fs = ZSTD_getFrameContentSize(raw + fstart, n - fstart);
			if (fs != ZSTD_CONTENTSIZE_UNKNOWN && fs != ZSTD_CONTENTSIZE_ERROR &&
			    (fs > SIZE_MAX || (size_t)fs != total - fout)) {
				snprintf(err, errsz, "Content-Encoding zstd: a frame states %llu bytes and holds %zu", fs,
					 total - fout);
				ZSTD_freeDCtx(z);
				return BD_MALFORMED;
			}
			fstart = in.pos;
			fout = total;
		}
		/* all the input in, and the last frame done or the output not
		 * full: nothing more to come */
		if (in.pos == in.size && (ret == 0 || out.pos < out.size))
			break;
	}
	ZSTD_freeDCtx(z);
	if (ret != 0) {
		snprintf(err, errsz, "Content-Encoding zstd: unexpected end of file (a frame cut short)");
		return BD_MALFORMED;
	}
	if (total > hard - 1) {
		snprintf(err, errsz, "the decompressed block is over %zu bytes", hard - 1);
		return BD_TOOBIG;
	}
	return 0;
}

int bd_inflate(const void *raw, size_t n, int enc, uint64_t limit, unsigned char **out, size_t *outlen,
	       char *err, size_t errsz)
{
	size_t hard = limit >= SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)limit + 1;
	int rc;
	*out = NULL;
	*outlen = 0;
	if (errsz)
		err[0] = '\0';
	if (enc == BD_ENC_DEFLATE)
		rc = inf_deflate(raw, n, hard, out, outlen, err, errsz);
	else if (enc == BD_ENC_ZSTD)
		rc = inf_zstd(raw, n, hard, out, outlen, err, errsz);
	else {
		snprintf(err, errsz, "unknown encoding %d", enc);
		rc = BD_BADSCHEMA;
	}
	if (rc) {
		free(*out);
		*out = NULL;
		*outlen = 0;
	}
	return rc;
}
