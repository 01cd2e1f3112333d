/* ddl.c: the ddl section of the rules file (rules.h, the DDL policy per
 * DDL type) and the type of a ddl record: from its effect, and for ALTER
 * TABLE from the clauses of its statement (docs/mc-transform.md, "DDL
 * policy"). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "stream/rec.h"
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

/* A tokenizer over SQL text: words (bare or `quoted`), strings, single
 * punctuation bytes; comments and spaces skipped. */
struct tok {
	const char *s;
	size_t n, i;
	const char *t; /* the token */
	size_t tn;
	char kind;     /* 'w' word, '`' quoted name, '\'' string, else the byte; 0 end */
};

static void next(struct tok *k)
{
	for (;;) {
		while (k->i < k->n && isspace((unsigned char)k->s[k->i]))
			k->i++;
		if (k->i + 1 < k->n && k->s[k->i] == '/' && k->s[k->i + 1] == '*') {
			const char *e = NULL;
			for (size_t j = k->i + 2; j + 1 < k->n; j++)
				if (k->s[j] == '*' && k->s[j + 1] == '/') {
					e = k->s + j + 2;
					break;
				}
			k->i = e ? (size_t)(e - k->s) : k->n;
			continue;
		}
		if ((k->i < k->n && k->s[k->i] == '#') ||
		    (k->i + 2 < k->n && k->s[k->i] == '-' && k->s[k->i + 1] == '-' &&
		     isspace((unsigned char)k->s[k->i + 2]))) {
			while (k->i < k->n && k->s[k->i] != '\n')
				k->i++;
			continue;
		}
		break;
	}
	k->t = k->s + k->i;
	k->tn = 0;
	if (k->i >= k->n) {
		k->kind = 0;
		return;
	}
	char ch = k->s[k->i];
	if (ch == '`' || ch == '\'' || ch == '"') {
		size_t j = k->i + 1;
		while (j < k->n && !(k->s[j] == ch && (j + 1 >= k->n || k->s[j + 1] != ch)))
			j += (k->s[j] == ch || k->s[j] == '\\') ? 2 : 1;
		k->kind = ch == '`' ? '`' : '\'';
		k->t = k->s + k->i + 1;
		k->tn = (j < k->n ? j : k->n) - k->i - 1;
		k->i = j < k->n ? j + 1 : k->n;
		return;
	}
	if (isalnum((unsigned char)ch) || ch == '_' || ch == '$' || (unsigned char)ch >= 0x80) {
		size_t j = k->i;
		while (j < k->n && (isalnum((unsigned char)k->s[j]) || k->s[j] == '_' ||
				    k->s[j] == '$' || (unsigned char)k->s[j] >= 0x80))
			j++;
		k->kind = 'w';
		k->tn = j - k->i;
		k->i = j;
		return;
	}
	k->kind = ch;
	k->tn = 1;
	k->i++;
}

static bool is(const struct tok *k, const char *w)
{
	return k->kind == 'w' && k->tn == strlen(w) && strncasecmp(k->t, w, k->tn) == 0;
}

static bool is_any(const struct tok *k, const char *const *ws)
{
	for (; *ws; ws++)
		if (is(k, *ws))
			return true;
	return false;
}

/* Skip a (possibly qualified) name. */
static void skip_name(struct tok *k)
{
	next(k);
	next(k);
	while (k->kind == '.') {
		next(k);
		next(k);
	}
}

/* Skip to the end of the clause: the next ',' outside parentheses, or the
 * end. */
static void skip_clause(struct tok *k)
{
	int depth = 0;
	while (k->kind && !(k->kind == ',' && depth == 0)) {
		if (k->kind == '(')
			depth++;
		else if (k->kind == ')' && depth > 0)
			depth--;
		next(k);
	}
}

/* The types of an ALTER TABLE statement's clauses, as bits. */
static unsigned alter_types(const char *sql, size_t n)
{
	static const char *const add_other[] = { "index", "key", "unique", "primary", "constraint",
		"foreign", "fulltext", "spatial", "partition", "check", "period", "system",
		"vector", NULL };
	static const char *const drop_other[] = { "index", "key", "primary", "foreign",
		"constraint", "partition", "check", "period", "system", NULL };
	struct tok k = { sql, n, 0, NULL, 0, 0 };
	unsigned t = 0;
	next(&k);
	if (!is(&k, "alter"))
		return 1u << TF_DDL_ALTER_OTHER;
	next(&k);
	while (is(&k, "online") || is(&k, "offline") || is(&k, "ignore"))
		next(&k);
	if (!is(&k, "table"))
		return 1u << TF_DDL_OTHER;
	next(&k);
	if (is(&k, "if")) {
		next(&k);
		next(&k); /* exists */
	}
	k.i = (size_t)(k.t - k.s);
	skip_name(&k);
	if (is(&k, "wait")) {
		next(&k);
		next(&k);
	} else if (is(&k, "nowait")) {
		next(&k);
	}
	while (k.kind) {
		if (k.kind == ',') {
			next(&k);
			continue;
		}
		if (is(&k, "add")) {
			next(&k);
			if (is(&k, "if")) { /* IF NOT EXISTS */
				next(&k), next(&k), next(&k);
			}
			t |= 1u << (is_any(&k, add_other) ? TF_DDL_ALTER_OTHER : TF_DDL_ADD_COLUMN);
		} else if (is(&k, "drop")) {
			next(&k);
			t |= 1u << (is_any(&k, drop_other) ? TF_DDL_ALTER_OTHER : TF_DDL_DROP_COLUMN);
		} else if (is(&k, "rename")) {
			next(&k);
			if (is(&k, "column"))
				t |= 1u << TF_DDL_RENAME_COLUMN;
			else if (is(&k, "index") || is(&k, "key"))
				t |= 1u << TF_DDL_ALTER_OTHER;
			else
				t |= 1u << TF_DDL_RENAME_TABLE;
		} else if (is(&k, "change")) {
			const char *a;
			size_t an;
			next(&k);
			if (is(&k, "column"))
				next(&k);
			if (is(&k, "if")) {
				next(&k), next(&k);
			}
			a = k.t, an = k.tn;
			next(&k);
			t |= 1u << TF_DDL_MODIFY_COLUMN;
			if (an != k.tn || strncasecmp(a, k.t, an) != 0)
				t |= 1u << TF_DDL_RENAME_COLUMN;
		} else if (is(&k, "modify")) {
			t |= 1u << TF_DDL_MODIFY_COLUMN;
		} else if (is(&k, "alter")) {
			next(&k);
			t |= 1u << (is(&k, "index") || is(&k, "key") || is(&k, "check") ||
					    is(&k, "constraint") ?
					    TF_DDL_ALTER_OTHER : TF_DDL_MODIFY_COLUMN);
		} else {
			t |= 1u << TF_DDL_ALTER_OTHER;
		}
		skip_clause(&k);
	}
	return t ? t : 1u << TF_DDL_ALTER_OTHER;
}

/* The types of a statement of a record without an effect (older writers):
 * by its first words. */
static unsigned sql_types(const char *sql, size_t n)
{
	struct tok k = { sql, n, 0, NULL, 0, 0 };
	next(&k);
	if (is(&k, "alter"))
		return alter_types(sql, n);
	if (is(&k, "truncate"))
		return 1u << TF_DDL_TRUNCATE;
	if (is(&k, "create") || is(&k, "drop") || is(&k, "rename")) {
		bool create = is(&k, "create"), drop = is(&k, "drop");
		next(&k);
		while (is(&k, "or") || is(&k, "replace") || is(&k, "temporary"))
			next(&k);
		if (is(&k, "table"))
			return 1u << (create ? TF_DDL_CREATE_TABLE :
				      drop ? TF_DDL_DROP_TABLE : TF_DDL_RENAME_TABLE);
	}
	return 1u << TF_DDL_OTHER;
}

/* ignore < normal < alert < error: a statement of several types gets the
 * strictest of their policies (keeping it over dropping it). */
static int rank(enum tf_ddl_pol p)
{
	return p == TF_DDL_IGNORE ? 0 : p == TF_DDL_NORMAL ? 1 : (int)p;
}

enum tf_ddl_pol tf_ddl_policy(const struct tf_rules *R, const struct mc_rec *r, int *type)
{
	unsigned t;
	enum tf_ddl_pol best;
	switch (r->effect) {
	case MC_DDL_CREATE: t = 1u << TF_DDL_CREATE_TABLE; break;
	case MC_DDL_DROP: t = 1u << TF_DDL_DROP_TABLE; break;
	case MC_DDL_TRUNCATE: t = 1u << TF_DDL_TRUNCATE; break;
	case MC_DDL_RENAME_FROM:
	case MC_DDL_RENAME_TO: t = 1u << TF_DDL_RENAME_TABLE; break;
	case MC_DDL_ALTER: t = alter_types(r->sql.p, r->sql.n); break;
	case MC_DDL_OTHER: t = 1u << TF_DDL_OTHER; break;
	default: t = sql_types(r->sql.p, r->sql.n); break;
	}
	*type = TF_DDL_OTHER;
	best = TF_DDL_NORMAL;
	for (int i = 0, first = 1; i < TF_DDL_NTYPES; i++)
		if ((t & (1u << i)) && (first || rank(R->ddl[i]) > rank(best))) {
			best = R->ddl[i], *type = i;
			first = 0;
		}
	return best;
}
