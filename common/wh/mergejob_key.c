/* mergejob_key.c: a merge across a change of the table's key with changes
 * under the old key in its range (docs/merge.md "Schema changes", the
 * change of the primary key). Which row an old-key change addressed is
 * told by the old key, so the range is merged in steps: the base and the
 * changes below the key change by the old key (version v, the last one
 * with it), the rows there re-keyed by the next key (converted to the
 * next step's version) and taken as the base of the changes from the key
 * change on, and so on up to the target. A key change with no change
 * under the old key in range needs no step: the base is re-keyed as it is
 * read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "wh/mergejob_int.h"

int mj_key_is_step(const struct mergejob *j, size_t k)
{
	for (size_t i = 0; i < j->nkph; i++)
		if (j->kph[i].v == k)
			return 1;
	return 0;
}

int mj_key_cands(struct mergejob *j, struct mc_err *err)
{
	size_t cap = 0;
	free(j->kph);
	j->kph = NULL;
	j->nkph = 0;
	if (!j->has_hist)
		return 0;
	for (size_t k = 0; k < j->target; k++) {
		const struct mc_pos *at = &j->shist.v[k + 1].start;
		if (!j->planned[k]) {
			if (wh_step_plan(&j->shist, k, &j->steps[k], err) < 0)
				return -1;
			j->planned[k] = 1;
		}
		if (!j->steps[k].key_changed || pos_cmp(at, &j->from) <= 0)
			continue;
		if (mc_grow(&j->kph, &cap, j->nkph + 1, sizeof *j->kph) < 0)
			return mc_oom(err, "key changes");
		memset(&j->kph[j->nkph], 0, sizeof *j->kph);
		j->kph[j->nkph].v = k;
		j->kph[j->nkph++].at = *at;
	}
	return 0;
}

void mj_key_seen(struct mergejob *j, const struct mc_pos *g)
{
	for (size_t i = 0; i < j->nkph; i++) {
		struct mj_kph *c = &j->kph[i];
		if (pos_cmp(g, &c->at) < 0 && (!c->seen || pos_cmp(g, &c->hi) > 0)) {
			c->seen = 1;
			c->hi = *g;
		}
	}
}

/* Version v's key (its own, or --key's columns by name) into c. */
static int key_of(struct mergejob *j, struct mj_kph *c, struct mc_err *err)
{
	const struct mc_rec *S = &j->shist.v[c->v].s.rec;
	char at[64];
	if (S->nkey) {
		memcpy(c->key, S->key, S->nkey * sizeof *S->key);
		c->nkey = S->nkey;
		return 0;
	}
	pos_format(&c->at, at, sizeof at);
	return mc_errf(err, MC_EXIT_DATA,
		       "table '%s': schema version %zu, in force up to the change of the key at "
		       "%s, has no primary or unique key: the changes under it cannot be told "
		       "apart; merge from a base taken after %s (mc-tunnel-put --resnapshot)",
		       j->o.table, c->v + 1, at, at);
}

int mj_key_plan(struct mergejob *j, struct mc_err *err)
{
	size_t n = 0;
	for (size_t i = 0; i < j->nkph; i++) {
		struct mj_kph *c = &j->kph[i];
		/* below a TRUNCATE nothing counts */
		if (!c->seen || (j->has_barrier && pos_cmp(&c->hi, &j->barrier) <= 0))
			continue;
		if (key_of(j, c, err) < 0)
			return -1;
		j->kph[n++] = *c;
	}
	j->nkph = n;
	for (size_t i = 0; i < n; i++) {
		char p[64];
		pos_format(&j->kph[i].at, p, sizeof p);
		mj_say(j, "the key changes at %s with changes under the old key before it: "
			  "merged in two steps there", p);
	}
	return 0;
}

/* Take version v's schema and key (the step being merged). */
static int take_version(struct mergejob *j, size_t v, const uint32_t *key, size_t nkey,
			struct mc_err *err)
{
	schema_copy_free(&j->schema);
	if (schema_copy_set(&j->schema, &j->shist.v[v].s.rec, err) < 0 ||
	    vtrack_schema(&j->vt, &j->schema.rec, err) < 0)
		return -1;
	j->target = v;
	memcpy(j->keycols, key, nkey * sizeof *key);
	j->nkey = nkey;
	return 0;
}

/* The rows of one step, into the next one's merger */
struct rekey {
	struct mergejob *j;
	struct merger *next;
	size_t from, to;          /* versions */
	const uint32_t *key;      /* the next step's key */
	size_t nkey;
	struct keycheck *kc;      /* the last step's rows to the key check */
	struct mc_buf kb;
};

static int rekey_row(void *ctx, const struct mc_pos *pos, const char *rec, size_t rlen,
		     struct mc_err *err)
{
	struct rekey *x = ctx;
	struct mergejob *j = x->j;
	const struct mc_rec *T = &j->shist.v[x->to].s.rec;
	struct mc_rec r;
	size_t used;
	char p[64];
	if (rec_decode(rec, rlen, 0, &used, &r, &j->ksc, err) != 1)
		return mc_errctx(err, "a merged row: ");
	pos_format(&r.pos, p, sizeof p);
	if (mj_hist_conv(j, x->from, x->to, &r, err) < 0)
		return mc_errctx(err, "the row at %s, re-keyed: ", p);
	r.db = T->db;
	r.table = T->table;
	r.schema_version = T->schema_version;
	j->krb.len = x->kb.len = 0;
	if (vtrack_row(&j->vt, &r, err) < 0 || rec_encode(&j->krb, &r, err) < 0 ||
	    merge_key_encode(&x->kb, r.after, r.nafter, x->key, x->nkey, err) < 0)
		return mc_errctx(err, "the row at %s, re-keyed: ", p);
	if (merger_add(x->next, x->kb.p, x->kb.len, pos, 0, 1, j->krb.p, j->krb.len, err) < 0)
		return -1;
	return mj_kc_base(j, x->kc, &x->kb, pos, err);
}

static struct merger *new_merger(struct mergejob *j, struct mc_err *err)
{
	char name[160];
	struct merger *m = merger_new((j->memory - j->kc_mem) / 2,
				      j->o.tmpdir ? j->o.tmpdir : j->tdir, err);
	if (!m)
		return NULL;
	merger_unique_base(m);
	snprintf(name, sizeof name, "%s.%ld", j->o.table, (long)getpid());
	merger_tmp_name(m, name);
	return m;
}

int mj_key_phases(struct mergejob *j, struct mc_err *err)
{
	size_t T = j->target, nkey = j->nkey;
	uint32_t key[MC_MAX_COLUMNS];
	struct merger *next = NULL;
	struct rekey x;
	struct keycheck *kc = j->kc; /* the target's key only: the last step's rows */
	int rc = 0;

	memcpy(key, j->keycols, nkey * sizeof *key);
	memset(&x, 0, sizeof x);
	j->ph_rekeyed = 0;
	if (!(j->merger = new_merger(j, err)))
		return -1;
	j->kc = NULL;
	for (size_t i = 0; i < j->nkph && rc == 0; i++) {
		const struct mj_kph *c = &j->kph[i];
		size_t to = i + 1 < j->nkph ? j->kph[i + 1].v : T;
		struct merge_stats st;
		rc = take_version(j, c->v, c->key, c->nkey, err);
		/* the base (below a TRUNCATE: none), the changes below the key change */
		j->ph_on = j->ph_has_hi = 1;
		j->ph_has_lo = i > 0;
		if (i > 0)
			j->ph_lo = j->kph[i - 1].at;
		j->ph_hi = c->at;
		if (rc == 0 && i == 0 && !j->has_barrier)
			rc = mj_read_base(j, err);
		if (rc == 0)
			rc = mj_read_log(j, err);
		j->ph_on = 0;
		if (rc == 0 && !(next = new_merger(j, err)))
			rc = -1;
		if (rc == 0 && to == T)
			rc = take_version(j, T, key, nkey, err);
		else if (rc == 0)
			rc = vtrack_schema(&j->vt, &j->shist.v[to].s.rec, err);
		x.j = j;
		x.next = next;
		x.from = c->v;
		x.to = to;
		x.key = to == T ? key : j->kph[i + 1].key;
		x.nkey = to == T ? nkey : j->kph[i + 1].nkey;
		x.kc = to == T ? kc : NULL;
		if (rc == 0)
			rc = merger_finish(j->merger, NULL, NULL, rekey_row, &x, err);
		if (rc < 0) {
			merger_stats(j->merger, &st);
			if (st.duplicate && !j->ph_rekeyed)
				mj_dup_error(j, err);
			else if (st.duplicate)
				mj_key_dup_error(j, i - 1, err);
			else if (next) {
				merger_stats(next, &st);
				if (st.duplicate)
					mj_key_dup_error(j, i, err);
			}
			merger_free(next);
			break;
		}
		merger_free(j->merger);
		j->merger = next;
		next = NULL;
		j->ph_rekeyed = 1;
	}
	buf_free(&x.kb);
	j->kc = kc;
	if (rc < 0)
		return -1;
	/* the target's changes from the last key change on */
	j->ph_on = j->ph_has_lo = 1;
	j->ph_has_hi = 0;
	j->ph_lo = j->kph[j->nkph - 1].at;
	return 0;
}

int mj_key_dup_error(struct mergejob *j, size_t i, struct mc_err *err)
{
	const struct mj_kph *c = &j->kph[i];
	size_t to = i + 1 < j->nkph ? j->kph[i + 1].v : j->shist.n - 1;
	const struct mc_rec *s = &j->shist.v[to].s.rec;
	const struct wh_hver *V = &j->shist.v[c->v + 1];
	struct mc_buf cols = { 0 };
	char at[64];
	if (i + 1 == j->nkph)
		s = &j->schema.rec; /* the target's (and its key: j->keycols) */
	for (size_t k = 0; k < (i + 1 < j->nkph ? j->kph[i + 1].nkey : j->nkey); k++) {
		uint32_t col = i + 1 < j->nkph ? j->kph[i + 1].key[k] : j->keycols[k];
		if (col < s->ncols && buf_addf(&cols, "%s%.*s", k ? "," : "", (int)s->cols[col].name.n,
					       s->cols[col].name.p) < 0)
			return mc_oom(err, "message");
	}
	pos_format(&c->at, at, sizeof at);
	mc_errf(err, MC_EXIT_DATA,
		"table '%s': the new key (%s) of the change of the key at %s ('%.200s') is not "
		"unique over the rows there: two of them have one value of it (the server's "
		"ALTER would have refused that; the warehouse's rows disagree with the source): "
		"load a re-snapshot of the table taken after it (mc-tunnel-put --resnapshot)",
		j->o.table, cols.p ? cols.p : "", at,
		V->nddl ? V->ddl[V->nddl - 1].sql : "no statement recorded");
	buf_free(&cols);
	return -1;
}

/* The key's column names as a manifest's sorted_key says them ("a,b"):
 * 0, or -1 when they do not fit. */
int mj_key_names(const struct mergejob *j, char *out, size_t size)
{
	const struct mc_rec *s = &j->schema.rec;
	size_t k = 0;
	out[0] = 0;
	for (size_t c = 0; c < j->nkey; c++) {
		const struct mc_str *nm = &s->cols[j->keycols[c]].name;
		int w = snprintf(out + k, size - k, "%s%.*s", c ? "," : "", (int)nm->n, nm->p);
		if (w < 0 || (size_t)w >= size - k)
			return -1;
		k += (size_t)w;
	}
	return 0;
}

/* A base merged in key order counts as in this merge's key order only
 * when sorted by the same columns: a keyless table merged again with
 * another --key (its order checked as the base is pulled, and sorted when
 * it is not; an older partition that does not say: taken as in order
 * unless the key is a --key of a keyless table). Not where the key
 * changes within the range (its steps rekey the base). */
void mj_base_sorted_by_key(struct mergejob *j)
{
	char k[sizeof j->base_m.sorted_key];
	if (!j->base_m.sorted || j->nkph)
		return;
	if (!j->base_m.sorted_key[0])
		j->base_m.sorted = !(j->o.key && j->schema.rec.nkey == 0);
	else
		j->base_m.sorted = mj_key_names(j, k, sizeof k) == 0 &&
				   strcmp(k, j->base_m.sorted_key) == 0;
}
