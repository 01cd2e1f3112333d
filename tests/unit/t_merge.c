/* t_merge: the merger (common/merge.c) against brute force on random
 * entry sets: ties of position, change over snapshot, dead entries, a
 * sorted base stream, and budgets small enough to spill many runs and merge
 * them in several passes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wh/merge.h"

#define TAP_NAME "t_merge"
#include "tap.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

struct e {
	int key;
	struct mc_pos pos;
	int change, live, seq;
	char rec[48];
};

struct got {
	char (*v)[48];
	size_t n;
};

static int emit(void *ctx, const struct mc_pos *pos, const char *rec, size_t n, struct mc_err *err)
{
	struct got *g = ctx;
	(void)pos;
	(void)err;
	if (n > 47 || strncmp(rec, "r", 1) != 0)
		n = n > 47 ? 47 : n;
	memcpy(g->v[g->n], rec, n > 47 ? 47 : n);
	g->v[g->n][n > 47 ? 47 : n] = 0;
	g->n++;
	return 0;
}

/* Key shapes, each in the order of k: an integer; a string longer than the
 * sort's 16-byte prefix sharing it; k NUL bytes (prefixes equal, lengths
 * differ). */
static int shape;

static void key_of(int k, struct mc_buf *b)
{
	struct mc_val v;
	uint32_t col = 0;
	struct mc_err err;
	char s[80];
	if (shape == 0) {
		v.kind = MC_V_INT;
		v.v.i = k;
	} else if (shape == 1) {
		snprintf(s, sizeof s, "a-shared-prefix-of-24-b-%03d", k);
		v.kind = MC_V_STR;
		v.v.s = mc_str_c(s, strlen(s));
	} else {
		memset(s, 0, sizeof s);
		v.kind = MC_V_STR;
		v.v.s = mc_str_c(s, (size_t)k);
	}
	b->len = 0;
	merge_key_encode(b, &v, 1, &col, 1, &err);
}

/* the sorted base stream */
struct base {
	struct e *v;
	size_t n, at;
	struct mc_buf k;
};

static int pull(void *ctx, const char **key, size_t *klen, struct mc_pos *pos, const char **rec,
		size_t *rlen, struct mc_err *err)
{
	struct base *b = ctx;
	(void)err;
	if (b->at == b->n)
		return 0;
	key_of(b->v[b->at].key, &b->k);
	*key = b->k.p;
	*klen = b->k.len;
	*pos = b->v[b->at].pos;
	*rec = b->v[b->at].rec;
	*rlen = strlen(b->v[b->at].rec);
	b->at++;
	return 1;
}

static int better(const struct e *a, const struct e *b)
{
	int c = pos_cmp(&a->pos, &b->pos);
	if (c)
		return c > 0;
	if (a->change != b->change)
		return a->change;
	return a->seq > b->seq;
}

static void trial(int t)
{
	int nkeys = 1 + (int)rnd(60), n = (int)rnd(400), big = t % 10 == 0;
	struct e *v = calloc((size_t)n + 1, sizeof *v);
	struct base b = { 0 };
	struct got g = { 0 };
	struct mc_err err = { 0 };
	struct merger *m = merger_new(big ? 256u << 10 : 64u << 20, getenv("TMPDIR"), &err);
	struct mc_buf kb = { 0 }, pad = { 0 };
	char (*want)[48] = calloc((size_t)nkeys + 1, sizeof *want);
	size_t nwant = 0;
	struct merge_stats st;
	int usebase = rnd(2);

	shape = t % 3;

	g.v = calloc((size_t)(n + nkeys) + 1, sizeof *g.v);
	b.v = calloc((size_t)nkeys + 1, sizeof *b.v);
	if (usebase)
		for (int k = 0; k < nkeys; k++)
			if (rnd(2)) {
				struct e *x = &b.v[b.n++];
				x->key = k;
				x->pos = (struct mc_pos){ 1, rnd(20), 0 };
				x->live = 1;
				x->seq = 0;
				snprintf(x->rec, sizeof x->rec, "base-%d", k);
			}
	buf_grow(&pad, 3000);
	for (int i = 0; i < n; i++) {
		struct e *x = &v[i];
		x->key = (int)rnd((unsigned)nkeys);
		x->pos = (struct mc_pos){ 1, rnd(20), rnd(2) };
		x->change = usebase ? 1 : (int)rnd(2);
		x->live = x->change ? (int)rnd(3) != 0 : 1;
		x->seq = i + 1;
		snprintf(x->rec, sizeof x->rec, "r%d", i);
		key_of(x->key, &kb);
		pad.len = 0;
		buf_add(&pad, x->rec, strlen(x->rec));
		if (big) /* bulk for spilling; emit keeps the first 47 bytes */
			for (int j = 0; j < 40; j++)
				buf_add(&pad, "................................................", 48);
		if (merger_add(m, kb.p, kb.len, &x->pos, x->change, x->live, pad.p, pad.len, &err) < 0) {
			tap_fail("add", "trial %d: %s", t, err.msg);
			return;
		}
	}
	if (merger_finish(m, usebase ? pull : NULL, &b, emit, &g, &err) < 0) {
		tap_fail("finish", "trial %d: %s", t, err.msg);
		return;
	}
	merger_stats(m, &st);
	/* brute force, keys in order */
	for (int k = 0; k < nkeys; k++) {
		const struct e *w = NULL;
		for (size_t i = 0; i < b.n; i++)
			if (b.v[i].key == k)
				w = &b.v[i];
		for (int i = 0; i < n; i++)
			if (v[i].key == k && (!w || better(&v[i], w)))
				w = &v[i];
		if (w && w->live)
			snprintf(want[nwant++], 48, "%s", w->rec);
	}
	{
		int bad = g.n != nwant;
		for (size_t i = 0; !bad && i < nwant; i++) {
			size_t l = strlen(want[i]);
			bad = strncmp(g.v[i], want[i], l) != 0 ||
			      (g.v[i][l] != 0 && g.v[i][l] != '.');
		}
		if (bad)
			tap_fail("rows", "trial %d: %zu rows, want %zu (runs %llu)", t, g.n, nwant,
				 (unsigned long long)st.runs);
	}
	if (big && n > 300 && st.runs < 2) {
		tap_fail("spill", "trial %d: no spill with a small budget", t);
	}
	merger_free(m);
	free(v);
	free(b.v);
	buf_free(&b.k);
	free(g.v);
	free(want);
	buf_free(&kb);
	buf_free(&pad);
}

int main(void)
{
	/* MERGE_TRIALS: how many (the sanitizer builds run fewer) */
	const char *e = getenv("MERGE_TRIALS");
	int n = e && atoi(e) > 0 ? atoi(e) : 3000;
	for (int t = 0; t < n; t++)
		trial(t);
	tap_check(tap_failures == 0,
		  "random entry sets agree with brute force (a tenth spilled; "
		  "integer, long and NUL-byte string keys)",
		  "%u failures in %d trials", tap_failures, n);
	{
		/* a pull source out of key order, or with a key twice: an error,
		 * and merger_stats says so (mc-merge then sorts the base) */
		static const int orders[2][3] = { { 1, 5, 3 }, { 1, 4, 4 } };
		for (int o = 0; o < 2; o++) {
			struct e bv[3];
			struct base b = { 0 };
			struct got g = { 0 };
			struct mc_err err = { 0 };
			struct merge_stats st;
			struct merger *m = merger_new(64u << 20, getenv("TMPDIR"), &err);
			struct mc_buf kb = { 0 };
			struct mc_pos p = { 1, 1, 0 };
			char gv[8][48];
			memset(bv, 0, sizeof bv);
			for (int i = 0; i < 3; i++) {
				bv[i].key = orders[o][i];
				bv[i].pos = p;
				snprintf(bv[i].rec, sizeof bv[i].rec, "base-%d", i);
			}
			b.v = bv;
			b.n = 3;
			g.v = gv;
			shape = 0;
			key_of(2, &kb);
			merger_add(m, kb.p, kb.len, &p, 1, 1, "c", 1, &err);
			tap_check(merger_finish(m, pull, &b, emit, &g, &err) < 0 &&
					  (merger_stats(m, &st), st.unordered) &&
					  strstr(err.msg, "not in key order"),
				  o ? "a pull source with a key twice is found out"
				    : "a pull source out of key order is found out",
				  "pull source order %d not found out", o);
			merger_free(m);
			buf_free(&b.k);
			buf_free(&kb);
		}
	}
	{
		/* key encoding: order of ints, then strings, with NUL bytes */
		struct mc_buf a = { 0 }, b = { 0 };
		struct mc_val x[2];
		uint32_t key[2] = { 0, 1 };
		struct mc_err err;
		x[0].kind = MC_V_INT;
		x[0].v.i = -5;
		x[1].kind = MC_V_STR;
		x[1].v.s = mc_str_c("a\0b", 3);
		merge_key_encode(&a, x, 2, key, 2, &err);
		x[0].v.i = 3;
		x[1].v.s = mc_str_c("a", 1);
		merge_key_encode(&b, x, 2, key, 2, &err);
		tap_check(memcmp(a.p, b.p, a.len < b.len ? a.len : b.len) < 0,
			  "composite keys sort by their first column first", "key order");
		x[0].kind = MC_V_ABSENT;
		tap_check(merge_key_encode(&a, x, 2, key, 2, &err) < 0,
			  "an absent key column is an error", "absent key accepted");
		buf_free(&a);
		buf_free(&b);
	}
	return tap_done();
}
