/* merge.c: the rules file's merge section (rules.h, docs/mc-transform.md
 * "Many tables into one"): several source tables (a list, or regular
 * expressions over sharded tables) into one destination table. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "transform/rparse.h"

/* A warehouse name: [A-Za-z0-9_]{1,TF_MAX_NAME}. */
static int name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > TF_MAX_NAME)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(isascii((unsigned char)s[i]) && (isalnum((unsigned char)s[i]) || s[i] == '_')))
			return 0;
	return 1;
}

static int parse_bool(struct rctx *c, struct fy_node *v, const char *what, bool *out)
{
	char *s = tfr_scalar_dup(c, v, what);
	int rc = 0;
	if (!s)
		return -1;
	if (strcmp(s, "true") == 0)
		*out = true;
	else if (strcmp(s, "false") == 0)
		*out = false;
	else
		rc = tfr_err(c, v, "%s: '%s' (want true or false)", what, s);
	free(s);
	return rc;
}

static int parse_entry(struct rctx *c, struct tf_rules *R, struct fy_node *item)
{
	struct tf_merge *m;
	struct fy_node_pair *p;
	struct fy_node *tn = NULL, *sn = NULL;
	void *it = NULL;
	if (fy_node_get_type(item) != FYNT_MAPPING)
		return tfr_err(c, item, "merge: an entry is a mapping (into, tables, shard_column "
			       "or keys_unique)");
	if (mc_push(&R->merge, &R->nmerge, &R->capmerge, sizeof *R->merge) < 0)
		return mc_oom(c->err, "rules");
	m = &R->merge[R->nmerge - 1];
	memset(m, 0, sizeof *m);
	if (!(m->at = tfr_where(c, item)))
		return -1;
	while ((p = fy_node_mapping_iterate(item, &it))) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
		int rc;
		if (tfr_key_is(k, "into")) {
			rc = (m->into = tfr_scalar_dup(c, v, "merge.into")) ? 0 : -1;
			if (!rc && !name_ok(m->into))
				rc = tfr_err(c, v, "merge.into: '%s' is not a warehouse name "
					     "([A-Za-z0-9_], at most %d bytes)", m->into, TF_MAX_NAME);
		} else if (tfr_key_is(k, "tables")) {
			tn = k;
			rc = tfr_sel_list(c, k, v, &m->on, &m->non, &m->capon, "merge.tables");
		} else if (tfr_key_is(k, "shard_column")) {
			sn = v;
			rc = (m->shard_col = tfr_scalar_dup(c, v, "merge.shard_column")) ? 0 : -1;
			if (!rc && !name_ok(m->shard_col))
				rc = tfr_err(c, v, "merge.shard_column: '%s' is not a column name "
					     "([A-Za-z0-9_])", m->shard_col);
		} else if (tfr_key_is(k, "keys_unique")) {
			rc = parse_bool(c, v, "merge.keys_unique", &m->keys_unique);
		} else {
			rc = tfr_err(c, k, "merge: unknown key (want into, tables, shard_column, "
				     "keys_unique)");
		}
		if (rc < 0)
			return -1;
	}
	if (!m->into)
		return tfr_err(c, item, "merge: an entry names its destination (into: NAME)");
	if (!tn || !m->non)
		return tfr_err(c, tn ? tn : item, "merge: an entry lists its tables (tables: "
			       "[{db: ..., table: ...}])");
	if (m->shard_col && m->keys_unique)
		return tfr_err(c, sn, "merge: '%s': shard_column or keys_unique: true, not both",
			       m->into);
	if (!m->shard_col && !m->keys_unique)
		return tfr_err(c, item, "merge: '%s': the keys of its tables may collide: give "
			       "shard_column: NAME (a column holding each row's source db.table, "
			       "appended to the key) or state keys_unique: true", m->into);
	for (size_t i = 0; i + 1 < R->nmerge; i++)
		if (strcmp(R->merge[i].into, m->into) == 0)
			return tfr_err(c, item, "merge: '%s' is the destination of an entry "
				       "already (at %s): one entry per destination", m->into,
				       R->merge[i].at);
	return 0;
}

int tfr_parse_merge(struct rctx *c, struct tf_rules *R, struct fy_node *seq)
{
	void *it = NULL;
	struct fy_node *item;
	if (fy_node_get_type(seq) != FYNT_SEQUENCE)
		return tfr_err(c, seq, "merge: expected a list of {into, tables, shard_column "
			       "or keys_unique}");
	while ((item = fy_node_sequence_iterate(seq, &it)))
		if (parse_entry(c, R, item) < 0)
			return -1;
	return 0;
}

void tfr_merge_free(struct tf_rules *R)
{
	for (size_t i = 0; i < R->nmerge; i++) {
		struct tf_merge *m = &R->merge[i];
		for (size_t j = 0; j < m->non; j++)
			tfr_match_free(&m->on[j].db), tfr_match_free(&m->on[j].table);
		free(m->on);
		free(m->into);
		free(m->shard_col);
		free(m->at);
	}
	free(R->merge);
}

const struct tf_merge *tf_merge_of(const struct tf_rules *R, const char *db, size_t dbn,
				   const char *table, size_t tn)
{
	for (size_t i = 0; i < R->nmerge; i++)
		for (size_t j = 0; j < R->merge[i].non; j++)
			if (tf_sel_match(&R->merge[i].on[j], db, dbn, table, tn))
				return &R->merge[i];
	return NULL;
}
