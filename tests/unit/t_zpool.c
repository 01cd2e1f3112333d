/* t_zpool: Tunnel blocks compressed on the pipeline's worker threads
 * (common/odps/zpool.c, trec_zc_block): every block handed over comes back
 * once, as the very bytes trec_zc_block gives, in a buffer sized once for
 * the whole block (zstd's bound for its record stream: no copy as it
 * grows); a record stream's buffer handed back by odps_zpool_add is a
 * spent block's memory (filled again, not fresh) once blocks were taken. */
#define TAP_NAME "t_zpool"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "odps/tunnel_rec.h"
#include "odps/zpool.h"
#include "tap.h"

enum { NB = 8, PER = 6000 };

int main(void)
{
	struct mc_err err = { 0 };
	struct trec_schema s;
	struct trec_enc e;
	struct trec_enc_opts ro = { .comp = TREC_RAW, .block_size = 256u << 10 };
	struct mc_buf raw[NB], want[NB], give = { 0 };
	size_t head[NB], nraw = 0;
	struct odps_zpool *z = NULL;
	struct trec_zc zc;
	char text[64];
	int rc = 0, seen[NB] = { 0 }, same = 0, sized = 0, reused = 0;

	memset(&s, 0, sizeof s);
	memset(raw, 0, sizeof raw);
	memset(want, 0, sizeof want);
	if (trec_schema_add(&s, "id", 2, "bigint", 6, &err) < 0 ||
	    trec_schema_add(&s, "c", 1, "string", 6, &err) < 0 || trec_enc_init(&e, &s, &ro, &err) < 0 ||
	    trec_zc_init(&zc, TREC_ZSTD, 1, &err) < 0) {
		tap_fail("setup", "%s", err.msg);
		return tap_done();
	}
	/* NB record streams (TREC_RAW), compressible text, each over 256 KiB */
	for (int i = 0; nraw < NB && rc == 0; i++) {
		struct trec_val v[2] = { { .u.i = i } };
		int n = snprintf(text, sizeof text, "%08d-%08d-%08d", i % 977, i, i % 13);
		v[1].u.s.p = text;
		v[1].u.s.n = (size_t)n;
		rc = trec_enc_add(&e, v, 2, &err);
		if (rc == 0 && trec_enc_full(&e)) {
			head[nraw] = trec_enc_staged(&e);
			rc = trec_enc_finish(&e, &raw[nraw], NULL, &err);
			if (rc == 0)
				rc = trec_zc_block(&zc, raw[nraw].p, raw[nraw].len, head[nraw], &want[nraw], &err);
			nraw++;
		}
	}
	tap_check(rc == 0 && nraw == NB, "the record streams", "rc %d %s", rc, err.msg);

	rc = odps_zpool_start(&z, TREC_ZSTD, 1, 2, NULL, NULL, &err);
	tap_check(rc == 0, "two workers", "%s", err.msg);
	for (size_t k = 0; k < NB && rc == 0; k++) {
		struct mc_buf r = { 0 };
		if (buf_add(&r, raw[k].p, raw[k].len) < 0)
			return tap_done();
		rc = odps_zpool_add(z, k, &r, head[k], &err);
		/* r: a spent block's memory once one was taken (below), else none */
		reused += r.cap > 0;
		buf_free(&r);
		if (k == 3) { /* take one back at least before handing over more */
			int took = 0;
			while (rc == 0 && !took) {
				size_t kk;
				int t;
				odps_zpool_wait(z);
				while ((t = odps_zpool_take(z, &kk, &give, &err)) == 1) {
					took = 1;
					seen[kk]++;
					same += give.len == want[kk].len && !memcmp(give.p, want[kk].p, give.len);
					sized += give.cap >= ZSTD_compressBound(raw[kk].len);
				}
				if (t < 0)
					rc = -1;
			}
		}
	}
	while (rc == 0 && odps_zpool_left(z) > 0) {
		size_t kk;
		int t;
		odps_zpool_wait(z);
		while ((t = odps_zpool_take(z, &kk, &give, &err)) == 1) {
			seen[kk]++;
			same += give.len == want[kk].len && !memcmp(give.p, want[kk].p, give.len);
			sized += give.cap >= ZSTD_compressBound(raw[kk].len);
		}
		if (t < 0)
			rc = -1;
	}
	{
		int once = 1;
		for (int k = 0; k < NB; k++)
			once &= seen[k] == 1;
		tap_check(rc == 0 && once, "every block comes back once", "rc %d %s", rc, err.msg);
	}
	tap_check(same == NB, "the bytes trec_zc_block gives", "%d of %d the same", same, NB);
	tap_check(sized == NB, "each compressed block's buffer sized once at zstd's bound",
		  "%d of %d at least ZSTD_compressBound of the record stream", sized, NB);
	tap_check(reused > 0, "record stream buffers filled again once blocks were taken",
		  "none of the %d handed back had memory", NB);
	odps_zpool_stop(z);
	buf_free(&give);
	for (int k = 0; k < NB; k++) {
		buf_free(&raw[k]);
		buf_free(&want[k]);
	}
	trec_zc_free(&zc);
	trec_enc_free(&e);
	trec_schema_free(&s);
	return tap_done();
}
