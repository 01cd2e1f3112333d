/* shard.c: the shards of a many -> one rule in the filter (shard.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "transform/shard.h"

int tf_shards_init(struct tf_shards *S, const struct tf_rules *R, struct mc_err *err)
{
	memset(S, 0, sizeof *S);
	S->R = R;
	if (R->nmerge && !(S->d = calloc(R->nmerge, sizeof *S->d)))
		return mc_oom(err, "shards");
	return 0;
}

void tf_shards_free(struct tf_shards *S)
{
	for (size_t i = 0; S->d && i < S->R->nmerge; i++) {
		schema_copy_free(&S->d[i].ref);
		free(S->d[i].owner);
	}
	free(S->d);
	free(S->cols);
	free(S->key);
	free(S->vb);
	free(S->va);
	memset(S, 0, sizeof *S);
}

static size_t merge_index(const struct tf_shards *S, const struct tf_merge *m)
{
	return (size_t)(m - S->R->merge);
}

int tf_shard_schema(struct tf_shards *S, const struct tf_merge *m, const char *sv,
		    bool again, struct mc_rec *r, struct mc_err *err)
{
	struct tf_mref *d = &S->d[merge_index(S, m)];
	char why[400], pos[64];
	if (!d->ref.have) {
		if (schema_copy_set(&d->ref, r, err) < 0 || !(d->owner = mc_strdup(sv)))
			return err->code ? -1 : mc_oom(err, "shards");
	} else if (!schema_same(&d->ref.rec, r)) {
		schema_diff(r, &d->ref.rec, why, sizeof why);
		pos_format(&r->pos, pos, sizeof pos);
		if (again || strcmp(d->owner, sv) == 0)
			return mc_errf(err, MC_EXIT_DATA,
				       "position %s: the schema of '%s', a table merged into '%s' "
				       "(merge rule at %s), changed (now %s): the schema of a merged "
				       "table cannot change yet; map the table on its own, or "
				       "re-snapshot the tables after the change", pos, sv, m->into,
				       m->at, why);
		return mc_errf(err, MC_EXIT_DATA,
			       "position %s: '%s' and '%s', both merged into '%s' (merge rule at %s), "
			       "have different schemas: in '%s' %s as in '%s': make them identical "
			       "(column names, types, key) or map them to separate tables", pos,
			       d->owner, sv, m->into, m->at, sv, why, d->owner);
	}
	if (!m->shard_col)
		return 0;
	for (size_t i = 0; i < r->ncols; i++)
		if (r->cols[i].name.n == strlen(m->shard_col) &&
		    strncasecmp(r->cols[i].name.p, m->shard_col, r->cols[i].name.n) == 0)
			return mc_errf(err, MC_EXIT_DATA,
				       "'%s', merged into '%s', has a column '%s' already: give the "
				       "merge rule at %s another shard_column", sv, m->into,
				       m->shard_col, m->at);
	if (mc_grow(&S->cols, &S->capcols, r->ncols + 1, sizeof *S->cols) < 0 ||
	    mc_grow(&S->key, &S->capkey, r->nkey + 1, sizeof *S->key) < 0)
		return mc_oom(err, "shards");
	memcpy(S->cols, r->cols, r->ncols * sizeof *S->cols);
	memset(&S->cols[r->ncols], 0, sizeof *S->cols);
	S->cols[r->ncols].name = mc_str_c(m->shard_col, strlen(m->shard_col));
	S->cols[r->ncols].mysql_type = mc_str_c("varchar(129)", 12);
	S->cols[r->ncols].mc_type = mc_str_c("STRING", 6);
	S->cols[r->ncols].nullable = false;
	if (r->nkey) {
		memcpy(S->key, r->key, r->nkey * sizeof *S->key);
		S->key[r->nkey] = (uint32_t)r->ncols;
		r->key = S->key;
		r->nkey++;
	}
	r->cols = S->cols;
	r->ncols++;
	return 0;
}

static int image(struct mc_val **dst, size_t *cap, struct mc_val **img, size_t *n,
		 const char *sv, struct mc_err *err)
{
	if (!*img)
		return 0;
	if (mc_grow(dst, cap, *n + 1, sizeof **dst) < 0)
		return mc_oom(err, "shards");
	memcpy(*dst, *img, *n * sizeof **dst);
	(*dst)[*n].kind = MC_V_STR;
	(*dst)[*n].v.s = mc_str_c(sv, strlen(sv));
	*img = *dst;
	(*n)++;
	return 0;
}

int tf_shard_row(struct tf_shards *S, const struct tf_merge *m, const char *sv,
		 struct mc_rec *r, struct mc_err *err)
{
	if (!m->shard_col)
		return 0;
	if (image(&S->vb, &S->capvb, &r->before, &r->nbefore, sv, err) < 0 ||
	    image(&S->va, &S->capva, &r->after, &r->nafter, sv, err) < 0)
		return -1;
	return 0;
}

int tf_shard_ddl(const struct tf_merge *m, const char *sv, const struct mc_rec *r,
		 struct mc_err *err)
{
	char pos[64];
	pos_format(&r->pos, pos, sizeof pos);
	return mc_errf(err, MC_EXIT_DATA,
		       "position %s: DDL of '%s', a table merged into '%s' (merge rule at %s), "
		       "refused: the schema of a merged table cannot change yet (set its DDL "
		       "type to ignore in the ddl rules only if it leaves the columns as they "
		       "are): %.*s", pos, sv, m->into, m->at, (int)(r->sql.n > 300 ? 300 : r->sql.n),
		       r->sql.p);
}
