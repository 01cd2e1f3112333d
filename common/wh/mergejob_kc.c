/* mergejob_kc.c: a merge job's check of a key declared with --key over
 * the log (merge_keycheck.h; docs/mc-merge.md "--key"). A table with a
 * primary or unique key of its own is not checked: the source keeps it
 * unique. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "wh/mergejob_int.h"

int mj_kc_new(struct mergejob *j, struct mc_err *err)
{
	char name[160];
	mj_kc_free(j);
	if (!j->o.key || j->schema.rec.nkey > 0)
		return 0;
	/* a quarter of the memory: its events are small beside rows */
	j->kc_mem = j->memory / 4;
	snprintf(name, sizeof name, "%s.%ld", j->o.table, (long)getpid());
	if (!(j->kc = keycheck_new(j->kc_mem, j->o.tmpdir ? j->o.tmpdir : j->tdir, name, err))) {
		j->kc_mem = 0;
		return -1;
	}
	return 0;
}

void mj_kc_free(struct mergejob *j)
{
	keycheck_free(j->kc);
	j->kc = NULL;
	j->kc_mem = 0;
}

int mj_kc_base(struct mergejob *j, struct keycheck *kc, const struct mc_buf *kb,
	       const struct mc_pos *g, struct mc_err *err)
{
	(void)j;
	return kc ? keycheck_add(kc, kb->p, kb->len, g, KC_BASE, err) : 0;
}

int mj_kc_change(struct mergejob *j, const struct mc_rec *r, const struct mc_buf *kb,
		 const struct mc_buf *kb2, const struct mc_pos *g, struct mc_err *err)
{
	int same;
	if (!j->kc)
		return 0;
	same = r->after && r->before && kb->len == kb2->len && memcmp(kb->p, kb2->p, kb->len) == 0;
	/* an update within one key keeps its row; an insert, or an update
	 * onto another key, adds one there and (the update) removes one at
	 * its before key */
	if (r->after && keycheck_add(j->kc, kb->p, kb->len, g, same ? KC_KEEP : KC_ADD, err) < 0)
		return -1;
	if (r->before && !same && keycheck_add(j->kc, kb2->p, kb2->len, g, KC_DEAD, err) < 0)
		return -1;
	return 0;
}

int mj_kc_pull(void *ctx, const char **key, size_t *klen, struct mc_pos *pos,
	       const char **rec, size_t *rlen, struct mc_err *err)
{
	struct mergejob *j = ctx;
	int rc = mj_pull_next(ctx, key, klen, pos, rec, rlen, err);
	if (rc > 0 && keycheck_base(j->kc, *key, *klen, pos, err) < 0)
		return -1;
	return rc;
}

/* A position of the job as the log names it (its history's). */
static void fmt_pos(const struct mc_pos *g, char *out, size_t n)
{
	struct mc_pos p = *g;
	p.file &= ((uint64_t)1 << MJ_RANK_SHIFT) - 1;
	pos_format(&p, out, n);
}

int mj_kc_end(struct mergejob *j, struct mc_err *err)
{
	const struct mc_rec *s = &j->schema.rec;
	struct mc_buf cols = { 0 }, vals = { 0 };
	struct mc_pos first, second;
	const char *k;
	size_t klen;
	char p1[64], p2[64];
	int first_base, rc;
	if (!j->kc)
		return 0;
	if ((rc = keycheck_end(j->kc, err)) <= 0)
		return rc;
	keycheck_conflict(j->kc, &k, &klen, &first, &first_base, &second);
	for (size_t c = 0; c < j->nkey; c++)
		if (buf_addf(&cols, "%s%.*s", c ? "," : "", (int)s->cols[j->keycols[c]].name.n,
			     s->cols[j->keycols[c]].name.p) < 0)
			return mc_oom(err, "message");
	if (keycheck_key_text(&vals, k, klen) < 0 || buf_addc(&vals, 0) < 0) {
		buf_free(&cols);
		return mc_oom(err, "message");
	}
	fmt_pos(&first, p1, sizeof p1);
	fmt_pos(&second, p2, sizeof p2);
	if (first_base)
		mc_errf(err, MC_EXIT_DATA,
			"table '%s': the key (%s) is not unique: the change at position %s makes a "
			"second row with (%s) beside the row at %s of the base partition '%s' (the "
			"merge would keep one); give --key columns that are unique together",
			j->o.table, cols.p, p2, vals.p, p1, j->base_part);
	else
		mc_errf(err, MC_EXIT_DATA,
			"table '%s': the key (%s) is not unique: the change at position %s makes a "
			"second row with (%s) beside the one of the change at %s (the merge would "
			"keep one); give --key columns that are unique together",
			j->o.table, cols.p, p2, vals.p, p1);
	buf_free(&cols);
	buf_free(&vals);
	return -1;
}

int mj_kc_sql(struct mergejob *j, struct mc_err *err)
{
	int rc;
	if (!j->o.key || j->schema.rec.nkey > 0)
		return 0;
	if (j->nkph)
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s': --emit-sql: the key changes in the range and --key "
			       "declares the new one; that it is unique over the log is checked "
			       "by the local merge only: merge the range with mc-merge first",
			       j->o.table);
	if (mj_kc_new(j, err) < 0)
		return -1;
	/* the events only: no merger (mergejob_read.c adds to it when there
	 * is one) */
	rc = (!j->has_barrier && mj_read_base(j, err) < 0) || mj_read_log(j, err) < 0 ? -1 : 0;
	if (rc == 0)
		rc = mj_kc_end(j, err);
	mj_kc_free(j);
	return rc;
}
