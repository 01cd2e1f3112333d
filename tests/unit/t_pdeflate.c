/* t_pdeflate: a zlib stream deflated in segments (common/odps/pdeflate.c):
 * one ordinary zlib stream that zlib inflates to the input, at every
 * level, for inputs around the segment size; the same bytes with 0, 1
 * and 3 workers and whatever the input's pieces (empty ones too); a
 * stream of one segment byte for byte zlib's own deflate; streams in a
 * row, and one dropped half-way, on the same compressor, each the bytes
 * of a fresh one; 8 workers and 100 (taken as 8) the same; a level
 * outside 1..9 refused. */
#define TAP_NAME "t_pdeflate"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "odps/pdeflate.h"
#include "tap.h"

/* n bytes of compressible, not constant, input */
static unsigned char *input(size_t n, unsigned seed)
{
	static const char *const words[] = { "alpha ", "beta-", "0123456789", "gamma\n", "\x01\x02",
					     "zq" };
	unsigned char *p = malloc(n ? n : 1);
	uint32_t x = seed * 2654435761u + 1;
	size_t i = 0;
	while (p && i < n) {
		const char *w;
		x = x * 1103515245u + 12345u;
		if ((x >> 24) % 7 == 0) {
			p[i++] = (unsigned char)(x >> 8);
			continue;
		}
		w = words[(x >> 16) % 6];
		for (size_t k = 0; w[k] && i < n; k++)
			p[i++] = (unsigned char)w[k];
	}
	return p;
}

/* in[0..n) through pd in pieces of at most piece bytes (0: one piece) */
static int run(struct pdeflate *pd, const unsigned char *in, size_t n, size_t piece,
	       struct mc_buf *out, struct mc_err *err)
{
	size_t at = 0;
	out->len = 0;
	while (at < n) {
		size_t k = piece && n - at > piece ? piece : n - at;
		if (pdeflate_add(pd, in + at, k, out, err) < 0 ||
		    (piece && pdeflate_add(pd, in + at, 0, out, err) < 0))
			return -1;
		at += k;
	}
	return pdeflate_end(pd, out, err);
}

/* whether z[0..zn) is one zlib stream that inflates to in[0..n) */
static int inflates_to(const struct mc_buf *z, const unsigned char *in, size_t n)
{
	uLongf got = (uLongf)n + 1;
	unsigned char *b = malloc(got);
	z_stream s;
	int ok;
	memset(&s, 0, sizeof s);
	if (!b || inflateInit(&s) != Z_OK) {
		free(b);
		return 0;
	}
	s.next_in = (unsigned char *)z->p;
	s.avail_in = (uInt)z->len;
	s.next_out = b;
	s.avail_out = (uInt)got;
	ok = inflate(&s, Z_FINISH) == Z_STREAM_END && s.avail_in == 0 && s.total_out == n &&
	     (n == 0 || memcmp(b, in, n) == 0);
	inflateEnd(&s);
	free(b);
	return ok;
}

int main(void)
{
	static const size_t sizes[] = { 0, 1, 1000, PDEFLATE_SEG - 1, PDEFLATE_SEG, PDEFLATE_SEG + 1,
					3 * PDEFLATE_SEG, 3 * PDEFLATE_SEG + 7, (size_t)5 << 20 };
	static const int levels[] = { 1, 6, 9 };
	static const int threads[] = { 0, 1, 3 };
	struct mc_err err = { 0 };
	struct mc_buf ref = { 0 }, out = { 0 };

	for (size_t li = 0; li < sizeof levels / sizeof levels[0]; li++)
		for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
			size_t n = sizes[si];
			unsigned char *in;
			int level = levels[li], good = 1, same = 1, rc = 0;
			char what[160];
			if (level == 9 && n > 3 * PDEFLATE_SEG + 7)
				continue; /* slow, and nothing new */
			in = input(n, (unsigned)(si + 1));
			ref.len = 0;
			for (size_t ti = 0; ti < sizeof threads / sizeof threads[0] && rc == 0; ti++)
				for (size_t piece = 0; piece <= 70001 && rc == 0; piece += 70001) {
					struct pdeflate *pd;
					rc = pdeflate_new(&pd, level, threads[ti], &err);
					if (rc == 0)
						rc = run(pd, in, n, piece, &out, &err);
					pdeflate_free(pd);
					if (rc < 0)
						break;
					good &= inflates_to(&out, in, n);
					if (!ref.len && buf_add(&ref, out.p, out.len) < 0)
						good = 0;
					else if (ref.len)
						same &= ref.len == out.len && !memcmp(ref.p, out.p, out.len);
				}
			snprintf(what, sizeof what, "level %d, %zu bytes: one zlib stream of the input, "
				 "the same bytes with 0, 1 and 3 workers, in one piece or many", level, n);
			tap_check(rc == 0 && good && same, what, "rc %d %s, inflates %d, same %d", rc,
				  rc ? err.msg : "", good, same);
			if (n <= PDEFLATE_SEG) {
				uLongf zn = compressBound((uLong)n);
				unsigned char *zb = malloc(zn);
				int zr = zb ? compress2(zb, &zn, in, (uLong)n, level) : Z_MEM_ERROR;
				snprintf(what, sizeof what, "level %d, %zu bytes (one segment): zlib's own "
					 "deflate, byte for byte", level, n);
				tap_check(zr == Z_OK && zn == ref.len && !memcmp(zb, ref.p, zn), what,
					  "zlib %d, %lu bytes against %zu", zr, (unsigned long)zn, ref.len);
				free(zb);
			}
			free(in);
		}

	/* streams in a row; one dropped half-way; each the bytes of a fresh
	 * compressor without workers; then one of a single segment, zlib's */
	{
		size_t n = 3 * PDEFLATE_SEG + 5, small = 5000;
		unsigned char *a = input(n, 7), *b = input(n / 2, 8);
		struct pdeflate *pd = NULL, *f = NULL;
		struct mc_buf fresh = { 0 };
		uLongf zn = compressBound((uLong)small);
		unsigned char *zb = malloc(zn);
		int ok = zb && pdeflate_new(&pd, 1, 2, &err) == 0 && pdeflate_new(&f, 1, 0, &err) == 0;
		ok = ok && run(pd, a, n, 4096, &out, &err) == 0 && run(f, a, n, 0, &fresh, &err) == 0 &&
		     out.len == fresh.len && !memcmp(out.p, fresh.p, out.len);
		ok = ok && run(pd, b, n / 2, 0, &out, &err) == 0 && run(f, b, n / 2, 0, &fresh, &err) == 0 &&
		     out.len == fresh.len && !memcmp(out.p, fresh.p, out.len);
		if (ok) {
			out.len = 0;
			ok = pdeflate_add(pd, a, n, &out, &err) == 0;
			pdeflate_reset(pd);
		}
		ok = ok && run(pd, b, n / 2, 999, &out, &err) == 0 && out.len == fresh.len &&
		     !memcmp(out.p, fresh.p, out.len);
		ok = ok && run(pd, a, small, 0, &out, &err) == 0 &&
		     compress2(zb, &zn, a, (uLong)small, 1) == Z_OK && zn == out.len && !memcmp(zb, out.p, zn);
		tap_check(ok, "streams in a row on one compressor, and one dropped half-way: each the "
			  "bytes of a fresh one, a small one zlib's", "%s", err.msg);
		pdeflate_free(pd);
		pdeflate_free(f);
		buf_free(&fresh);
		free(zb);
		free(a);
		free(b);
	}

	/* many workers: at most 8, the same bytes */
	{
		size_t n = 9 * PDEFLATE_SEG + 11;
		unsigned char *a = input(n, 9);
		struct mc_buf one = { 0 };
		struct pdeflate *pd = NULL;
		int ok = 1;
		for (int th = 0; th <= 100 && ok; th = th ? th + 92 : 8) {
			ok = pdeflate_new(&pd, 1, th, &err) == 0 && run(pd, a, n, 65536, &out, &err) == 0;
			pdeflate_free(pd);
			pd = NULL;
			if (ok && !one.len)
				ok = buf_add(&one, out.p, out.len) == 0;
			else if (ok)
				ok = one.len == out.len && !memcmp(one.p, out.p, out.len);
		}
		tap_check(ok && inflates_to(&one, a, n), "8 workers and 100 (taken as 8): the same bytes",
			  "%s", err.msg);
		buf_free(&one);
		free(a);
	}

	/* a level outside 1..9 */
	{
		struct pdeflate *pd = NULL;
		int r0 = pdeflate_new(&pd, 0, 0, &err), c0 = err.code;
		int r10 = pdeflate_new(&pd, 10, 2, &err), c10 = err.code;
		tap_check(r0 < 0 && r10 < 0 && c0 == MC_EXIT_USAGE && c10 == MC_EXIT_USAGE && !pd,
			  "levels 0 and 10 refused (a usage error)", "rc %d %d, codes %d %d", r0, r10, c0, c10);
	}
	buf_free(&ref);
	buf_free(&out);
	return tap_done();
}
