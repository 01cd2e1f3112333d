/* t_keycheck: a key declared with --key checked over the log
 * (wh/merge_keycheck.h): random events of many keys against a model of
 * the rule, with everything in memory, spilled into runs merged in passes,
 * and with the base rows added or read beside the events (a pulled base);
 * and the merger's keep_all order the check relies on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wh/merge.h"
#include "wh/merge_keycheck.h"

#define TAP_NAME "t_keycheck"
#include "tap.h"

#define NK 1000
#define NE 8

struct ev {
	int kind;
	uint64_t off;
};

struct key {
	int has_base;
	uint64_t base;
	struct ev e[NE + 1];
	int n;
};

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

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The model: the first key live twice (its conflict positions), or -1. */
static int model(struct key *ks, uint64_t *first, int *first_base, uint64_t *second)
{
	for (int k = 0; k < NK; k++) {
		struct key *K = &ks[k];
		struct ev e[NE + 1];
		int live = K->has_base, lb = 1, has_last = 0;
		uint64_t lp = K->base, last = 0;
		memcpy(e, K->e, sizeof e);
		qsort(e, (size_t)K->n, sizeof *e, ev_cmp);
		for (int i = 0; i < K->n; i++) {
			if ((K->has_base && e[i].off <= K->base) || (has_last && e[i].off == last))
				continue;
			has_last = 1;
			last = e[i].off;
			if (e[i].kind == KC_ADD && live) {
				*first = lp;
				*first_base = lb;
				*second = e[i].off;
				return k;
			}
			if (e[i].kind == KC_DEAD) {
				live = 0;
			} else if (!live) {
				live = 1;
				lb = 0;
				lp = e[i].off;
			}
		}
	}
	return -1;
}

static int run(struct key *ks, uint64_t memory, int pulled, uint64_t *first, int *first_base,
	       uint64_t *second)
{
	struct mc_err err = { 0 };
	struct keycheck *kc = keycheck_new(memory, getenv("TMPDIR"), "t", &err);
	struct mc_buf kb = { 0 };
	int rc = 0, k = -1;
	/* the events in an order of their own: keys interleaved */
	for (int i = 0; i <= NE && rc == 0; i++)
		for (int j = 0; j < NK && rc == 0; j++) {
			struct key *K = &ks[j];
			struct mc_pos p = { 2, 0, 0 };
			key_of(j, &kb);
			if (i == 0 && K->has_base && !pulled) {
				p.off = K->base;
				rc = keycheck_add(kc, kb.p, kb.len, &p, KC_BASE, &err);
			}
			if (i < K->n && rc == 0) {
				p.off = K->e[i].off;
				rc = keycheck_add(kc, kb.p, kb.len, &p, K->e[i].kind, &err);
			}
		}
	if (rc == 0 && pulled) {
		rc = keycheck_start(kc, &err);
		for (int j = 0; j < NK && rc >= 0; j++)
			if (ks[j].has_base) {
				struct mc_pos p = { 2, ks[j].base, 0 };
				key_of(j, &kb);
				rc = keycheck_base(kc, kb.p, kb.len, &p, &err);
			}
	}
	if (rc >= 0)
		rc = keycheck_end(kc, &err);
	if (rc > 0) {
		const char *key;
		size_t klen;
		struct mc_pos f, s;
		struct mc_buf t = { 0 };
		keycheck_conflict(kc, &key, &klen, &f, first_base, &s);
		keycheck_key_text(&t, key, klen);
		buf_addc(&t, 0);
		k = atoi(t.p);
		*first = f.off;
		*second = s.off;
		buf_free(&t);
	} else if (rc < 0) {
		printf("# %s\n", err.msg);
		k = -2;
	}
	keycheck_free(kc);
	buf_free(&kb);
	return k;
}

/* Random keys: mostly legal histories (a row added only where none is
 * live), an illegal ADD with probability 1/bad per trial. */
static void gen(struct key *ks, unsigned *seed, int bad)
{
	for (int k = 0; k < NK; k++) {
		struct key *K = &ks[k];
		int live;
		uint64_t off = 100 + (uint64_t)(rand_r(seed) % 50);
		memset(K, 0, sizeof *K);
		K->has_base = rand_r(seed) % 2;
		K->base = 100 + (uint64_t)(rand_r(seed) % 200);
		/* events from below the base's watermark on: those below it
		 * are in the base row (anything goes there) */
		live = 0;
		K->n = rand_r(seed) % NE;
		for (int i = 0; i < K->n; i++) {
			int kind;
			off += 1 + (uint64_t)(rand_r(seed) % 40);
			if (K->has_base && off > K->base && !live && (i == 0 || K->e[i - 1].off <= K->base))
				live = 1;
			if (live)
				kind = rand_r(seed) % 2 ? KC_KEEP : KC_DEAD;
			else
				kind = rand_r(seed) % 2 ? KC_ADD : KC_KEEP;
			if (bad && rand_r(seed) % (unsigned)(bad * NK * NE / 4) == 0)
				kind = KC_ADD;
			K->e[i].kind = kind;
			K->e[i].off = off;
			live = kind != KC_DEAD;
		}
		if (K->n > 0 && rand_r(seed) % 8 == 0) { /* one record read twice */
			int i = rand_r(seed) % K->n;
			K->e[K->n] = K->e[i];
			K->n++;
		}
	}
}

int main(void)
{
	static struct key ks[NK];
	unsigned seed = 12345;
	int agree = 0, trials = 0, conflicts = 0;
	char why[200] = "";
	for (int t = 0; t < 30; t++) {
		uint64_t f0 = 0, s0 = 0;
		int b0 = 0, want;
		gen(ks, &seed, t % 3 ? 2 : 0);
		want = model(ks, &f0, &b0, &s0);
		conflicts += want >= 0;
		for (int mode = 0; mode < 4; mode++) {
			uint64_t f = 0, s = 0;
			int b = 0;
			uint64_t mem = mode % 2 ? 256u << 10 : 64u << 20;
			int got = run(ks, mem, mode >= 2, &f, &b, &s);
			trials++;
			if (got == want && (want < 0 || (f == f0 && b == b0 && s == s0)))
				agree++;
			else if (!why[0])
				snprintf(why, sizeof why,
					 "trial %d mode %d: key %d (%llu%s, %llu), want %d (%llu%s, %llu)",
					 t, mode, got, (unsigned long long)f, b ? " base" : "",
					 (unsigned long long)s, want, (unsigned long long)f0,
					 b0 ? " base" : "", (unsigned long long)s0);
		}
	}
	tap_check(agree == trials, "the check agrees with the model (memory, runs, pulled base)",
		  "%d of %d: %s", agree, trials, why);
	tap_check(conflicts > 3 && conflicts < 27, "... over histories with and without a conflict",
		  "%d conflicts in 30", conflicts);
	{
		struct mc_buf t = { 0 }, kb = { 0 };
		struct mc_val v[3];
		uint32_t cols[3] = { 0, 1, 2 };
		struct mc_err err = { 0 };
		v[0].kind = MC_V_INT;
		v[0].v.i = -5;
		v[1].kind = MC_V_STR;
		v[1].v.s.p = "a\0b";
		v[1].v.s.n = 3;
		v[2].kind = MC_V_NULL;
		merge_key_encode(&kb, v, 3, cols, 3, &err);
		keycheck_key_text(&t, kb.p, kb.len);
		buf_addc(&t, 0);
		tap_check(strcmp(t.p, "-5, 'a\\x00b', NULL") == 0, "a key's values as text", "got %s",
			  t.p);
		buf_free(&t);
		buf_free(&kb);
	}
	return tap_done();
}
