/* fullload.c: the rules file's full_load section (rules.h): per table,
 * skip the full load or load only the rows of a WHERE condition. mc-snapshot
 * reads it (--rules); mc-transform accepts it and does nothing with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "transform/rparse.h"

static int parse_skip(struct rctx *c, struct fy_node *v, struct tf_fload *f)
{
	char *s = tfr_scalar_dup(c, v, "full_load.skip");
	int rc = 0;
	if (!s)
		return -1;
	if (strcmp(s, "true") == 0)
		f->skip = true;
	else if (strcmp(s, "false") != 0)
		rc = tfr_err(c, v, "full_load.skip: '%s' (want true or false)", s);
	free(s);
	return rc;
}

int tfr_parse_fload(struct rctx *c, struct tf_rules *R, struct fy_node *seq)
{
	void *it = NULL;
	struct fy_node *item;
	if (fy_node_get_type(seq) != FYNT_SEQUENCE)
		return tfr_err(c, seq, "full_load: expected a list of {db, table, skip, where}");
	while ((item = fy_node_sequence_iterate(seq, &it))) {
		struct tf_fload *f;
		struct fy_node_pair *p;
		struct fy_node *wn = NULL;
		void *it2 = NULL;
		if (!(f = tfr_entry(c, item, &R->fload, &R->nfload, &R->capfload, sizeof *R->fload,
				    "full_load: an entry is a mapping (db, table, skip, where)")))
			return -1;
		while ((p = fy_node_mapping_iterate(item, &it2))) {
			struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
			int rc;
			if (tfr_key_is(k, "db")) {
				rc = tfr_match_parse(c, v, &f->on.db, "full_load.db");
			} else if (tfr_key_is(k, "table")) {
				rc = tfr_match_parse(c, v, &f->on.table, "full_load.table");
			} else if (tfr_key_is(k, "skip")) {
				rc = parse_skip(c, v, f);
			} else if (tfr_key_is(k, "where")) {
				rc = (f->where = tfr_scalar_dup(c, v, "full_load.where")) ? 0 : -1;
				wn = v;
				if (!rc && !f->where[strspn(f->where, " \t\r\n")])
					rc = tfr_err(c, v, "full_load.where: empty");
			} else {
				rc = tfr_err(c, k, "full_load: unknown key (want db, table, skip, where)");
			}
			if (rc < 0)
				return -1;
		}
		if (f->skip && f->where)
			return tfr_err(c, wn, "full_load: an entry skips the full load or gives its "
				       "where, not both");
		if (!f->skip && !f->where)
			return tfr_err(c, item, "full_load: an entry has skip: true or a where");
		if (!(f->at = tfr_where(c, f->where ? wn : item)))
			return -1;
	}
	return 0;
}

void tfr_fload_free(struct tf_rules *R)
{
	for (size_t i = 0; i < R->nfload; i++) {
		tfr_match_free(&R->fload[i].on.db);
		tfr_match_free(&R->fload[i].on.table);
		free(R->fload[i].where);
		free(R->fload[i].at);
	}
	free(R->fload);
}

const struct tf_fload *tf_full_load(const struct tf_rules *R, const char *db, size_t dbn,
				    const char *table, size_t tn, const struct tf_fload **second)
{
	const struct tf_fload *first = NULL;
	*second = NULL;
	for (size_t i = 0; i < R->nfload; i++)
		if (tf_sel_match(&R->fload[i].on, db, dbn, table, tn)) {
			if (!first) {
				first = &R->fload[i];
			} else {
				*second = &R->fload[i];
				break;
			}
		}
	return first;
}
