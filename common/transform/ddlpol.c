/* ddlpol.c: the ddl section of the rules file (rules.h, the DDL policy per
 * DDL type; docs/mc-transform.md, "DDL policy"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "transform/fixt.h"
#include "transform/rparse.h"

static const char *const type_names[TF_DDL_NTYPES] = {
	"create_table", "drop_table", "rename_table", "truncate", "add_column",
	"drop_column", "rename_column", "modify_column", "alter_other", "other",
};
static const char *const pol_names[] = { "normal", "ignore", "alert", "error" };

const char *tf_ddl_type_name(int type)
{
	return type >= 0 && type < TF_DDL_NTYPES ? type_names[type] : "?";
}

const char *tf_ddl_policy_name(enum tf_ddl_pol p)
{
	return (unsigned)p < 4 ? pol_names[p] : "?";
}

int tfr_parse_ddl(struct rctx *c, struct tf_rules *R, struct fy_node *m)
{
	void *it = NULL;
	struct fy_node_pair *p;
	if (fy_node_get_type(m) != FYNT_MAPPING)
		return tfr_err(c, m, "ddl: expected a mapping of DDL types to policies");
	while ((p = fy_node_mapping_iterate(m, &it))) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
		int type = -1, pol = -1, line = 1, col = 1;
		char *s;
		if (tfr_key_is(k, "alerts")) {
			free(R->alerts);
			if (!(R->alerts = tfr_scalar_dup(c, v, "ddl.alerts")))
				return -1;
			if (!R->alerts[0])
				return tfr_err(c, v, "ddl.alerts: an empty path");
			continue;
		}
		for (int i = 0; i < TF_DDL_NTYPES; i++)
			if (tfr_key_is(k, type_names[i]))
				type = i;
		if (type < 0)
			return tfr_err(c, k, "ddl: unknown key (want alerts, create_table, drop_table, "
				       "rename_table, truncate, add_column, drop_column, rename_column, "
				       "modify_column, alter_other, other)");
		if (!(s = tfr_scalar_dup(c, v, "ddl policy")))
			return -1;
		for (int i = 0; i < 4; i++)
			if (strcmp(s, pol_names[i]) == 0)
				pol = i;
		if (pol < 0)
			tfr_err(c, v, "ddl.%s: '%s' (want normal, ignore, error or alert)",
				type_names[type], s);
		free(s);
		if (pol < 0)
			return -1;
		R->ddl[type] = (enum tf_ddl_pol)pol;
		tfr_node_where(v, &line, &col);
		free(R->ddl_where[type]);
		if (!(R->ddl_where[type] = malloc(strlen(c->path) + 32)))
			return mc_oom(c->err, "rules");
		snprintf(R->ddl_where[type], strlen(c->path) + 32, "%s:%d:%d", c->path, line, col);
	}
	return 0;
}

void tfr_ddl_free(struct tf_rules *R)
{
	for (int i = 0; i < TF_DDL_NTYPES; i++)
		free(R->ddl_where[i]);
	free(R->alerts);
}

/* Whether rule on matches db.table (NUL-terminated). */
static bool on_table(const struct tf_sel *on, const char *db, const char *table)
{
	return tf_sel_match(on, db, strlen(db), table, strlen(table));
}

static int same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same_match(const struct tf_match *a, const struct tf_match *b)
{
	return same_text(a->text, b->text) && a->is_re == b->is_re && a->nocase == b->nocase;
}

/* Another mask rule, of the new name, masks what rule m does the same way */
static int mask_also(const struct tf_fixt *F, const struct tf_mask *m, const char *db2,
		     const char *table2)
{
	for (size_t j = 0; j < F->nmask; j++)
		if (on_table(&F->mask[j].on, db2, table2) && same_match(&F->mask[j].column, &m->column) &&
		    F->mask[j].how == m->how && same_text(F->mask[j].cnst, m->cnst) &&
		    F->mask[j].key == m->key && same_text(F->mask[j].keytext, m->keytext))
			return 1;
	return 0;
}

/* ... and a types rule */
static int types_also(const struct tf_rules *R, const struct tf_typerule *t, const char *db2,
		      const char *table2)
{
	for (size_t j = 0; j < R->ntypes; j++)
		if (on_table(&R->types[j].on, db2, table2) && same_match(&R->types[j].column, &t->column) &&
		    same_match(&R->types[j].source_type, &t->source_type) &&
		    R->types[j].to.t == t->to.t && R->types[j].to.prec == t->to.prec &&
		    R->types[j].to.scale == t->to.scale && same_text(R->types[j].to.format, t->to.format) &&
		    R->types[j].to.unix_mul == t->to.unix_mul && !strcmp(R->types[j].to.mysql, t->to.mysql))
			return 1;
	return 0;
}

int tf_rename_keeps(const struct tf_rules *R, const char *db, const char *table,
		    const char *db2, const char *table2, char *why, size_t whysz)
{
	for (size_t i = 0; R->fixt && i < R->fixt->nmask; i++)
		if (on_table(&R->fixt->mask[i].on, db, table) &&
		    !on_table(&R->fixt->mask[i].on, db2, table2) &&
		    !mask_also(R->fixt, &R->fixt->mask[i], db2, table2)) {
			snprintf(why, whysz, "the mask rule at %s names '%s.%s', not '%s.%s': the "
				 "rows of '%s.%s' from here on would be written in the clear",
				 R->fixt->mask[i].at, db, table, db2, table2, db2, table2);
			return 0;
		}
	for (size_t i = 0; i < R->ntypes; i++)
		if (on_table(&R->types[i].on, db, table) && !on_table(&R->types[i].on, db2, table2) &&
		    !types_also(R, &R->types[i], db2, table2)) {
			snprintf(why, whysz, "the types rule at %s names '%s.%s', not '%s.%s': the "
				 "rows of '%s.%s' from here on would have the columns' own types",
				 R->types[i].where, db, table, db2, table2, db2, table2);
			return 0;
		}
	return 1;
}
