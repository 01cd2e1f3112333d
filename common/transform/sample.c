/* sample.c: the rules file's sample and limit sections, and the rows they
 * keep (fixt.h, docs/rules.md "sample", "limit"). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/num.h"
#include "transform/fixt.h"
#include "transform/rparse.h"

/* ---- the sections ---- */

#define TF_LIMIT_MAX 10000000ull

/* percent: D+(.D{1,2})? in (0, 100] -> hundredths. */
static int parse_percent(struct rctx *c, struct fy_node *v, unsigned *out)
{
	char *s = tfr_scalar_dup(c, v, "sample.percent");
	unsigned long w = 0, f = 0;
	size_t i = 0, fd = 0;
	bool ok;
	if (!s)
		return -1;
	while (isdigit((unsigned char)s[i]) && i < 4)
		w = w * 10 + (unsigned long)(s[i++] - '0');
	ok = i > 0;
	if (ok && s[i] == '.') {
		for (i++; isdigit((unsigned char)s[i]) && fd < 2; i++, fd++)
			f = f * 10 + (unsigned long)(s[i] - '0');
		ok = fd > 0;
		if (fd == 1)
			f *= 10;
	}
	ok = ok && !s[i] && w * 100 + f > 0 && w * 100 + f <= 10000;
	if (!ok)
		tfr_err(c, v, "sample.percent: '%s': want a number above 0 and at most 100, with at "
			"most 2 decimals", s);
	else
		*out = (unsigned)(w * 100 + f);
	free(s);
	return ok ? 0 : -1;
}

static int parse_rows(struct rctx *c, struct fy_node *v, uint64_t *out)
{
	char *s = tfr_scalar_dup(c, v, "limit.rows");
	uint64_t n = 0;
	size_t i = 0;
	if (!s)
		return -1;
	while (isdigit((unsigned char)s[i]) && n <= TF_LIMIT_MAX)
		n = n * 10 + (uint64_t)(s[i++] - '0');
	if (!i || s[i] || !n || n > TF_LIMIT_MAX) {
		tfr_err(c, v, "limit.rows: '%s': want a number of rows, 1 to %llu", s, TF_LIMIT_MAX);
		free(s);
		return -1;
	}
	free(s);
	*out = n;
	return 0;
}

/* One entry of sample (is_limit false) or limit. */
static int parse_entry(struct rctx *c, struct tf_fixt *F, struct fy_node *item, bool is_limit)
{
	const char *sect = is_limit ? "limit" : "sample", *what = is_limit ? "rows" : "percent";
	struct tf_sel *on;
	char **at;
	struct fy_node_pair *p;
	bool got = false;
	void *it = NULL;
	if (fy_node_get_type(item) != FYNT_MAPPING)
		return tfr_err(c, item, "%s: an entry is a mapping (db, table, %s)", sect, what);
	if (is_limit) {
		if (mc_push(&F->limit, &F->nlimit, &F->caplimit, sizeof *F->limit) < 0)
			return mc_oom(c->err, "rules");
		memset(&F->limit[F->nlimit - 1], 0, sizeof *F->limit);
		on = &F->limit[F->nlimit - 1].on;
		at = &F->limit[F->nlimit - 1].at;
	} else {
		if (mc_push(&F->sample, &F->nsample, &F->capsample, sizeof *F->sample) < 0)
			return mc_oom(c->err, "rules");
		memset(&F->sample[F->nsample - 1], 0, sizeof *F->sample);
		on = &F->sample[F->nsample - 1].on;
		at = &F->sample[F->nsample - 1].at;
	}
	if (!(*at = tfr_where(c, item)))
		return -1;
	while ((p = fy_node_mapping_iterate(item, &it))) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
		if (tfr_key_is(k, "db")) {
			if (tfr_match_parse(c, v, &on->db, is_limit ? "limit.db" : "sample.db") < 0)
				return -1;
		} else if (tfr_key_is(k, "table")) {
			if (tfr_match_parse(c, v, &on->table, is_limit ? "limit.table" : "sample.table") < 0)
				return -1;
		} else if (tfr_key_is(k, what)) {
			if (is_limit ? parse_rows(c, v, &F->limit[F->nlimit - 1].rows) < 0 :
				       parse_percent(c, v, &F->sample[F->nsample - 1].per10k) < 0)
				return -1;
			got = true;
		} else {
			return tfr_err(c, k, "%s: unknown key (want db, table, %s)", sect, what);
		}
	}
	if (!got)
		return tfr_err(c, item, "%s: an entry gives %s", sect, what);
	return 0;
}

static int parse_list(struct rctx *c, struct tf_rules *R, struct fy_node *v, bool is_limit)
{
	struct tf_fixt *F = tfr_fixt_of(c, R);
	void *it = NULL;
	struct fy_node *item;
	if (!F)
		return -1;
	if (fy_node_get_type(v) != FYNT_SEQUENCE)
		return tfr_err(c, v, "%s: expected a list of {table: ..., %s: ...}",
			       is_limit ? "limit" : "sample", is_limit ? "rows" : "percent");
	while ((item = fy_node_sequence_iterate(v, &it)))
		if (parse_entry(c, F, item, is_limit) < 0)
			return -1;
	return 0;
}

int tfr_parse_sample(struct rctx *c, struct tf_rules *R, struct fy_node *v)
{
	return parse_list(c, R, v, false);
}

int tfr_parse_limit(struct rctx *c, struct tf_rules *R, struct fy_node *v)
{
	return parse_list(c, R, v, true);
}

/* ---- a table ---- */

int tf_fx_init(const struct tf_rules *R, struct tf_fxtab *t, const char *db, size_t dbn,
	       const char *table, size_t tn, struct mc_err *err)
{
	const struct tf_fixt *F = R->fixt;
	if (!F)
		return 0;
	for (size_t i = 0; i < F->nsample && !t->sample; i++)
		if (tf_sel_match(&F->sample[i].on, db, dbn, table, tn))
			t->sample = &F->sample[i];
	for (size_t i = 0; i < F->nlimit && !t->limit; i++)
		if (tf_sel_match(&F->limit[i].on, db, dbn, table, tn))
			t->limit = &F->limit[i];
	for (size_t i = 0; i < F->nmask; i++)
		if (tf_sel_match(&F->mask[i].on, db, dbn, table, tn)) {
			if (!t->masks && !(t->masks = calloc(F->nmask, sizeof *t->masks)))
				return mc_oom(err, "masks");
			t->masks[t->nmasks++] = &F->mask[i];
		}
	return 0;
}

static char tomb[1];

void tf_fx_free(struct tf_fxtab *t)
{
	for (size_t i = 0; i < t->nsrc; i++)
		free(t->src[i].key);
	for (size_t i = 0; i < t->nout; i++)
		free(t->out[i].mask);
	for (size_t i = 0; i < t->kept.nslots; i++)
		if (t->kept.key[i] != tomb)
			free(t->kept.key[i]);
	free(t->kept.key), free(t->kept.len);
	free(t->src), free(t->out), free(t->masks);
	free(t->b), free(t->a), free(t->cols);
	tf_arena_free(&t->ar);
	memset(t, 0, sizeof *t);
}

int tf_fx_schema(struct tf_fxtab *t, const struct mc_rec *r, const char *db, const char *table,
		 struct mc_err *err)
{
	struct tf_fxver *v = NULL;
	if (!t->sample && !t->limit)
		return 0;
	if (!r->nkey)
		return mc_errf(err, MC_EXIT_DATA, "table '%s.%s' (schema version %llu) has no key: "
			       "the %s rule at %s keeps rows by their key: leave the table out of it",
			       db, table, (unsigned long long)r->schema_version,
			       t->sample ? "sample" : "limit", t->sample ? t->sample->at : t->limit->at);
	for (size_t i = 0; i < t->nsrc; i++)
		if (t->src[i].version == r->schema_version)
			v = &t->src[i];
	if (!v) {
		if (mc_push(&t->src, &t->nsrc, &t->capsrc, sizeof *t->src) < 0)
			return mc_oom(err, "keys");
		v = &t->src[t->nsrc - 1];
		memset(v, 0, sizeof *v);
		v->version = r->schema_version;
	}
	free(v->key);
	v->nkey = 0;
	if (!(v->key = malloc(r->nkey * sizeof *v->key)))
		return mc_oom(err, "keys");
	memcpy(v->key, r->key, r->nkey * sizeof *v->key);
	v->nkey = r->nkey;
	return 0;
}

void tf_fx_mark(struct tf_fxtab *t, const struct mc_rec *r)
{
	if (r->mark == MC_MARK_CHUNK_END || r->mark == MC_MARK_SNAPSHOT_END)
		t->snap_seen = true;
}

/* ---- keys ---- */

/* The key of image img (absent key values from alt, the before image of
 * an update): its bucket (FNV-1a 64 of the texts joined by NUL, modulo
 * 10000) and, with exact, its bytes (each value: a NULL flag, its length,
 * its text) in the arena. 0, 1 when a key value is absent, -1 with err. */
static int key_of(const struct tf_rules *R, struct tf_fxtab *t, const struct tf_fxver *v,
		  const struct mc_val *img, size_t nimg, const struct mc_val *alt, size_t nalt,
		  unsigned *bucket, char **exact, size_t *elen, struct mc_err *err)
{
	uint64_t h = NUM_FNV1A_BASIS;
	size_t total = 0;
	const char *s[64];
	size_t n[64];
	bool null[64];
	if (v->nkey > 64)
		return mc_errf(err, MC_EXIT_DATA, "a key of %zu columns: over 64", v->nkey);
	for (size_t i = 0; i < v->nkey; i++) {
		uint32_t c = v->key[i];
		const struct mc_val *x = c < nimg ? &img[c] : NULL;
		if ((!x || x->kind == MC_V_ABSENT) && alt && c < nalt)
			x = &alt[c];
		if (!x || x->kind == MC_V_ABSENT)
			return 1;
		null[i] = x->kind == MC_V_NULL;
		if (tf_fx_text(R, &t->ar, x, &s[i], &n[i], err) < 0)
			return -1;
		if (i)
			h = num_fnv1a(h, "", 1);
		h = num_fnv1a(h, s[i], n[i]);
		total += 9 + n[i];
	}
	*bucket = (unsigned)(h % 10000);
	if (exact) {
		char *o = tf_arena_alloc(&t->ar, total + 1);
		size_t k = 0;
		if (!o)
			return mc_oom(err, "keys");
		for (size_t i = 0; i < v->nkey; i++) {
			o[k++] = null[i] ? 'N' : 'V';
			for (int b = 0; b < 8; b++)
				o[k++] = (char)(n[i] >> (8 * b));
			memcpy(o + k, s[i], n[i]);
			k += n[i];
		}
		*exact = o;
		*elen = k;
	}
	return 0;
}

static size_t kslot(const struct tf_kset *S, const char *k, size_t n, bool for_insert)
{
	size_t i = (size_t)num_fnv1a(NUM_FNV1A_BASIS, k, n) & (S->nslots - 1), tombi = SIZE_MAX;
	for (;; i = (i + 1) & (S->nslots - 1)) {
		if (!S->key[i])
			return for_insert && tombi != SIZE_MAX ? tombi : i;
		if (S->key[i] == tomb) {
			if (tombi == SIZE_MAX)
				tombi = i;
		} else if (S->len[i] == n && memcmp(S->key[i], k, n) == 0) {
			return i;
		}
	}
}

static bool kset_has(const struct tf_kset *S, const char *k, size_t n)
{
	size_t i;
	if (!S->nslots)
		return false;
	i = kslot(S, k, n, false);
	return S->key[i] != NULL;
}

static int kset_grow(struct tf_kset *S, struct mc_err *err)
{
	struct tf_kset N = { 0 };
	N.nslots = S->nslots ? S->nslots * 2 : 64;
	if (S->n * 4 < S->nslots)
		N.nslots = S->nslots; /* mostly tombs: rehash in place size */
	if (!(N.key = calloc(N.nslots, sizeof *N.key)) || !(N.len = calloc(N.nslots, sizeof *N.len))) {
		free(N.key);
		return mc_oom(err, "the kept keys");
	}
	for (size_t i = 0; i < S->nslots; i++)
		if (S->key[i] && S->key[i] != tomb) {
			size_t j = kslot(&N, S->key[i], S->len[i], true);
			N.key[j] = S->key[i], N.len[j] = S->len[i];
			N.n++, N.used++;
		}
	free(S->key), free(S->len);
	*S = N;
	return 0;
}

static int kset_add(struct tf_kset *S, const char *k, size_t n, struct mc_err *err)
{
	size_t i;
	if ((S->used + 1) * 2 > S->nslots && kset_grow(S, err) < 0)
		return -1;
	i = kslot(S, k, n, true);
	if (S->key[i] && S->key[i] != tomb)
		return 0;
	if (!S->key[i])
		S->used++;
	if (!(S->key[i] = mc_strndup(k, n)))
		return mc_oom(err, "the kept keys");
	S->len[i] = n;
	S->n++;
	return 0;
}

static void kset_del(struct tf_kset *S, const char *k, size_t n)
{
	size_t i;
	if (!S->nslots)
		return;
	i = kslot(S, k, n, false);
	if (S->key[i]) {
		free(S->key[i]);
		S->key[i] = tomb;
		S->n--;
	}
}

/* ---- a row ---- */

static int absent_err(const char *db, const char *table, const char *rule, const char *at,
		      const char *what, struct mc_err *err)
{
	return mc_errf(err, MC_EXIT_DATA, "table '%s.%s': %s is absent from the row's image "
		       "(binlog_row_image=MINIMAL or NOBLOB): the %s rule at %s cannot keep it exactly; use "
		       "binlog_row_image=FULL", db, table, what, rule, at);
}

static int do_sample(const struct tf_rules *R, struct tf_fxtab *t, const struct tf_fxver *v,
		     struct mc_rec *r, const char *db, const char *table, struct mc_err *err)
{
	unsigned bb = 0, ba = 0, lim = t->sample->per10k;
	int rc;
	if (r->op != MC_OP_UPDATE) {
		const struct mc_val *img = r->op == MC_OP_DELETE ? r->before : r->after;
		size_t n = r->op == MC_OP_DELETE ? r->nbefore : r->nafter;
		if ((rc = key_of(R, t, v, img, n, NULL, 0, &bb, NULL, NULL, err)) != 0)
			return rc < 0 ? -1 : absent_err(db, table, "sample", t->sample->at, "a key value", err);
		return bb < lim;
	}
	if ((rc = key_of(R, t, v, r->before, r->nbefore, NULL, 0, &bb, NULL, NULL, err)) != 0 ||
	    (rc = key_of(R, t, v, r->after, r->nafter, r->before, r->nbefore, &ba, NULL, NULL, err)) != 0)
		return rc < 0 ? -1 : absent_err(db, table, "sample", t->sample->at, "a key value", err);
	if (bb < lim && ba < lim)
		return 1;
	if (bb >= lim && ba >= lim)
		return 0;
	if (bb < lim) { /* leaves the sample: a delete of the old row */
		r->op = MC_OP_DELETE;
		r->after = NULL;
		r->nafter = 0;
		return 1;
	}
	for (size_t i = 0; i < r->nafter; i++) /* enters it: an insert of the new row */
		if (r->after[i].kind == MC_V_ABSENT)
			return absent_err(db, table, "sample", t->sample->at, "a value of a row that "
					  "enters the sample", err);
	r->op = MC_OP_INSERT;
	r->before = NULL;
	r->nbefore = 0;
	return 1;
}

static int do_limit(const struct tf_rules *R, struct tf_fxtab *t, const struct tf_fxver *v,
		    struct mc_rec *r, const char *db, const char *table, struct mc_err *err)
{
	struct tf_kset *S = &t->kept;
	unsigned bk;
	char *kb = NULL, *ka = NULL;
	size_t nb = 0, na = 0;
	int rc;
	if (r->op == MC_OP_SNAPSHOT)
		t->snap_seen = true;
	else if (!t->snap_seen)
		return mc_errf(err, MC_EXIT_DATA, "table '%s.%s': a change before the table's "
			       "snapshot in this run: the limit rule at %s keeps the keys of the "
			       "snapshot's first rows, which this run has not seen: give the snapshot "
			       "and its changes to one run (mc-transform snap.mcr changes.mcr), or use "
			       "sample", db, table, t->limit->at);
	if (r->op != MC_OP_UPDATE) {
		const struct mc_val *img = r->op == MC_OP_DELETE ? r->before : r->after;
		size_t n = r->op == MC_OP_DELETE ? r->nbefore : r->nafter;
		if ((rc = key_of(R, t, v, img, n, NULL, 0, &bk, &kb, &nb, err)) != 0)
			return rc < 0 ? -1 : absent_err(db, table, "limit", t->limit->at, "a key value", err);
		if (kset_has(S, kb, nb)) {
			if (r->op == MC_OP_DELETE)
				kset_del(S, kb, nb);
			return 1;
		}
		if (r->op == MC_OP_DELETE || S->n >= t->limit->rows)
			return 0;
		return kset_add(S, kb, nb, err) < 0 ? -1 : 1;
	}
	if ((rc = key_of(R, t, v, r->before, r->nbefore, NULL, 0, &bk, &kb, &nb, err)) != 0 ||
	    (rc = key_of(R, t, v, r->after, r->nafter, r->before, r->nbefore, &bk, &ka, &na, err)) != 0)
		return rc < 0 ? -1 : absent_err(db, table, "limit", t->limit->at, "a key value", err);
	if (!kset_has(S, kb, nb))
		return 0; /* a row beyond the limit stays beyond it */
	if (nb != na || memcmp(kb, ka, nb) != 0) {
		kset_del(S, kb, nb);
		if (kset_add(S, ka, na, err) < 0)
			return -1;
	}
	return 1;
}

int tf_fx_row(const struct tf_rules *R, struct tf_fxtab *t, struct mc_rec *r, const char *db,
	      const char *table, struct mc_err *err)
{
	const struct tf_fxver *v = NULL;
	int k = 1;
	for (size_t i = 0; i < t->nsrc; i++)
		if (t->src[i].version == r->schema_version)
			v = &t->src[i];
	if (!v) /* the reader checks every row against its schema: not reached */
		return mc_errf(err, MC_EXIT_DATA, "a row of schema version %llu before its schema",
			       (unsigned long long)r->schema_version);
	tf_arena_reset(&t->ar);
	if (t->sample && (k = do_sample(R, t, v, r, db, table, err)) <= 0)
		return k;
	if (t->limit)
		k = do_limit(R, t, v, r, db, table, err);
	return k;
}
