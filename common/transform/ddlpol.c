/* ddlpol.c: the ddl section of the rules file (rules.h, the DDL policy per
 * DDL type; docs/mc-transform.md, "DDL policy"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
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
