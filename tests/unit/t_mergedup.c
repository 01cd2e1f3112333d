/* t_mergedup: a base holds each key once (merger_unique_base): two base
 * rows with one key fail the merge, found in memory, across spilled runs
 * and passes (also when a change wins the key), and in a pull source;
 * without the check the merge reduces them as before. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wh/merge.h"

#define TAP_NAME "t_mergedup"
#include "tap.h"

static int emit(void *ctx, const struct mc_pos *pos, const char *rec, size_t n, struct mc_err *err)
{
	(void)pos;
	(void)rec;
	(void)n;
	(void)err;
	(*(int *)ctx)++;
	return 0;
}

static void key_of(int k, struct mc_buf *b)
{
	struct mc_val v;
	uint32_t col = 0;
	struct mc_err err;
	v.kind = MC_V_INT;
	v.v.i = k;
	b->len = 0;
	merge_key_encode(b, &v, 1, &col, 1, &err);
}

struct pull_src {
	const int *keys;
	size_t n, at;
	struct mc_buf k;
};

static int pull(void *ctx, const char **key, size_t *klen, struct mc_pos *pos, const char **rec,
		size_t *rlen, struct mc_err *err)
{
	struct pull_src *p = ctx;
	(void)err;
	if (p->at == p->n)
		return 0;
	key_of(p->keys[p->at++], &p->k);
	*key = p->k.p;
	*klen = p->k.len;
	*pos = (struct mc_pos){ 1, 4, 0 };
	*rec = "b";
	*rlen = 1;
	return 1;
}

/* n base rows 0..n-1, key dup twice (at the start and the end, so that
 * with a small budget they land in different runs), a change on change_key
 * when >= 0; unique: with the check. Returns merger_finish's result; *dup
 * the key found, *rows the rows emitted. */
static int run(int n, int dup, int change_key, int unique, size_t memory, int *dupkey, int *rows,
	       uint64_t *runs)
{
	struct mc_err err = { 0 };
	struct merger *m = merger_new(memory, getenv("TMPDIR"), &err);
	struct mc_buf kb = { 0 }, pad = { 0 }, want = { 0 };
	struct mc_pos p = { 1, 4, 0 }, pc = { 2, 4, 0 };
	struct merge_stats st;
	int rc = 0;
	const char *k;
	size_t klen;
	buf_grow(&pad, 2000);
	memset(pad.p, '.', 2000);
	pad.len = 2000;
	*rows = 0;
	*dupkey = -1;
	for (int i = -1; i <= n && rc == 0; i++) {
		int key = i < 0 || i == n ? dup : i;
		if (dup < 0 && (i < 0 || i == n))
			continue;
		key_of(key, &kb);
		rc = merger_add(m, kb.p, kb.len, &p, 0, 1, pad.p, pad.len, &err);
	}
	if (unique)
		merger_unique_base(m);
	if (rc == 0 && change_key >= 0) {
		key_of(change_key, &kb);
		rc = merger_add(m, kb.p, kb.len, &pc, 1, 1, "c", 1, &err);
	}
	if (rc == 0)
		rc = merger_finish(m, NULL, NULL, emit, rows, &err);
	merger_stats(m, &st);
	*runs = st.runs;
	if (merger_dup_key(m, &k, &klen)) {
		for (int i = 0; i < n; i++) {
			key_of(i, &want);
			if (want.len == klen && memcmp(want.p, k, klen) == 0)
				*dupkey = i;
		}
		if (!st.duplicate || err.code != MC_EXIT_DATA)
			rc = 99;
	}
	merger_free(m);
	buf_free(&kb);
	buf_free(&pad);
	buf_free(&want);
	return rc;
}

int main(void)
{
	int dk, rows;
	uint64_t runs;
	int rc;

	/* merger_unique_base is set after the adds here for the in-memory
	 * case (the check is made when the entries are sorted) */
	rc = run(100, 42, -1, 1, 64u << 20, &dk, &rows, &runs);
	tap_check(rc < 0 && dk == 42 && runs == 0, "a key twice among base rows in memory fails",
		  "rc %d, key %d, runs %llu", rc, dk, (unsigned long long)runs);
	rc = run(100, 42, -1, 0, 64u << 20, &dk, &rows, &runs);
	tap_check(rc == 0 && rows == 100, "without the check they are reduced (as before)",
		  "rc %d, rows %d", rc, rows);
	rc = run(2000, 7, -1, 1, 256u << 10, &dk, &rows, &runs);
	tap_check(rc < 0 && dk == 7 && runs >= 2, "a key twice in different spilled runs fails",
		  "rc %d, key %d, runs %llu", rc, dk, (unsigned long long)runs);
	rc = run(2000, 7, 7, 1, 256u << 10, &dk, &rows, &runs);
	tap_check(rc < 0 && dk == 7 && runs >= 2,
		  "... also when a change wins that key in one of the runs",
		  "rc %d, key %d, runs %llu", rc, dk, (unsigned long long)runs);
	rc = run(2000, -1, 7, 1, 256u << 10, &dk, &rows, &runs);
	tap_check(rc == 0 && rows == 2000 && runs >= 2, "a base with each key once merges",
		  "rc %d, rows %d, runs %llu", rc, rows, (unsigned long long)runs);
	{
		static const int keys[] = { 1, 2, 3, 3, 4 };
		struct pull_src ps = { keys, 5, 0, { 0 } };
		struct mc_err err = { 0 };
		struct merger *m = merger_new(64u << 20, getenv("TMPDIR"), &err);
		struct merge_stats st;
		int n = 0;
		merger_unique_base(m);
		rc = merger_finish(m, pull, &ps, emit, &n, &err);
		merger_stats(m, &st);
		tap_check(rc < 0 && st.duplicate && !st.unordered,
			  "a pulled base with a key twice fails as a duplicate, not as unordered",
			  "rc %d, duplicate %d, unordered %d", rc, st.duplicate, st.unordered);
		merger_free(m);
		buf_free(&ps.k);
	}
	return tap_done();
}
