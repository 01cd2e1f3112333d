/* cols.c: the columns, types and dirty sections of the rules file
 * (rules.h), the --param values, and their application to schema records
 * and rows (cols.h; docs/mc-transform.md "Added columns", "Types", "Dirty
 * data"). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "transform/cols.h"
#include "transform/fixt.h"
#include "transform/parts.h"
#include "transform/rparse.h"

/* ---- the rules ---- */

static int parse_type(struct rctx *c, struct fy_node *v, struct tf_target *t, const char *what)
{
	static const struct { const char *n; enum tf_ttype t; const char *my; } ty[] = {
		{ "STRING", TF_T_STRING, "longtext" }, { "TINYINT", TF_T_TINYINT, "tinyint" },
		{ "SMALLINT", TF_T_SMALLINT, "smallint" }, { "INT", TF_T_INT, "int" },
		{ "BIGINT", TF_T_BIGINT, "bigint" }, { "DOUBLE", TF_T_DOUBLE, "double" },
		{ "DATE", TF_T_DATE, "date" }, { "DATETIME", TF_T_DATETIME, "datetime(3)" },
	};
	char *s = tfr_scalar_dup(c, v, what);
	int p, sc, end = 0;
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof ty / sizeof ty[0]; i++)
		if (strcasecmp(s, ty[i].n) == 0) {
			t->t = ty[i].t;
			snprintf(t->mc, sizeof t->mc, "%s", ty[i].n);
			snprintf(t->mysql, sizeof t->mysql, "%s", ty[i].my);
			free(s);
			return 0;
		}
	if (sscanf(s, "%*[dDeEcCiImMaAlL](%d,%d)%n", &p, &sc, &end) == 2 && end == (int)strlen(s) &&
	    strncasecmp(s, "DECIMAL(", 8) == 0 && p >= 1 && p <= 38 && sc >= 0 && sc <= 18 &&
	    sc <= p) {
		t->t = TF_T_DECIMAL;
		t->prec = p, t->scale = sc;
		snprintf(t->mc, sizeof t->mc, "DECIMAL(%d,%d)", p, sc);
		snprintf(t->mysql, sizeof t->mysql, "decimal(%d,%d)", p, sc);
		free(s);
		return 0;
	}
	tfr_err(c, v, "%s: '%s' (want STRING, TINYINT, SMALLINT, INT, BIGINT, DOUBLE, "
		"DECIMAL(p,s) with p <= 38 and s <= 18, DATE or DATETIME)", what, s);
	free(s);
	return -1;
}

/* The keys a target may have beside its type: format, unix. */
static int target_key(struct rctx *c, struct fy_node *k, struct fy_node *v, struct tf_target *t,
		      const char *sect, bool *known)
{
	*known = true;
	if (tfr_key_is(k, "format")) {
		const char *why;
		if (!(t->format = tfr_scalar_dup(c, v, "format")))
			return -1;
		if ((why = tf_fmt_check(t->format, false)))
			return tfr_err(c, v, "%s.format: '%s': %s", sect, t->format, why);
		return 0;
	}
	if (tfr_key_is(k, "unix")) {
		if (tfr_key_is(v, "seconds"))
			t->unix_mul = 1;
		else if (tfr_key_is(v, "millis"))
			t->unix_mul = 1000;
		else
			return tfr_err(c, v, "%s.unix: seconds or millis", sect);
		return 0;
	}
	*known = false;
	return 0;
}

static int target_done(struct rctx *c, struct fy_node *at, struct tf_target *t, const char *sect)
{
	if (t->format && t->t != TF_T_STRING && t->t != TF_T_DATE && t->t != TF_T_DATETIME)
		return tfr_err(c, at, "%s: format goes with STRING, DATE or DATETIME, not %s", sect, t->mc);
	if (t->format && t->t != TF_T_STRING && tf_fmt_check(t->format, true))
		return tfr_err(c, at, "%s: format '%s': a time read by it needs yyyy, MM and dd", sect,
			       t->format);
	if (t->unix_mul && t->t != TF_T_DATE && t->t != TF_T_DATETIME && t->t != TF_T_BIGINT)
		return tfr_err(c, at, "%s: unix goes with DATE, DATETIME or BIGINT, not %s", sect, t->mc);
	return 0;
}

static bool colname_ok(const char *s)
{
	if (!*s || strlen(s) > 128 || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!(isascii((unsigned char)*s) && (isalnum((unsigned char)*s) || *s == '_')))
			return false;
	return true;
}

static int parse_add(struct rctx *c, struct tf_rules *R, struct tf_addrule *a, struct fy_node *seq)
{
	void *it = NULL;
	struct fy_node *item;
	if (fy_node_get_type(seq) != FYNT_SEQUENCE)
		return tfr_err(c, seq, "columns.add: expected a list of {name, type, value or const}");
	while ((item = fy_node_sequence_iterate(seq, &it))) {
		struct tf_addcol *ac;
		struct fy_node_pair *p;
		void *it2 = NULL;
		if (!(ac = tfr_entry(c, item, &a->cols, &a->ncols, &a->capcols, sizeof *a->cols,
				     "columns.add: an entry is a mapping (name, type, value or const)")) ||
		    !(ac->where = tfr_where(c, item)))
			return -1;
		while ((p = fy_node_mapping_iterate(item, &it2))) {
			struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
			bool known;
			if (tfr_key_is(k, "name")) {
				if (!(ac->name = tfr_scalar_dup(c, v, "columns.add.name")))
					return -1;
				if (!colname_ok(ac->name))
					return tfr_err(c, v, "columns.add.name: '%s' is not a column name "
						       "([A-Za-z_][A-Za-z0-9_]*, up to 128)", ac->name);
			} else if (tfr_key_is(k, "type")) {
				if (parse_type(c, v, &ac->to, "columns.add.type") < 0)
					return -1;
			} else if (tfr_key_is(k, "value")) {
				char *s = tfr_scalar_dup(c, v, "columns.add.value");
				if (!s)
					return -1;
				ac->value = tfr_vexpr_parse(c, v, R, s);
				free(s);
				if (!ac->value)
					return -1;
			} else if (tfr_key_is(k, "const")) {
				if (!(ac->cnst = tfr_scalar_dup(c, v, "columns.add.const")))
					return -1;
			} else if (target_key(c, k, v, &ac->to, "columns.add", &known) < 0) {
				return -1;
			} else if (!known) {
				return tfr_err(c, k, "columns.add: unknown key (want name, type, value, "
					       "const, format, unix)");
			}
		}
		if (!ac->name)
			return tfr_err(c, item, "columns.add: an entry has a name");
		if (!ac->value == !ac->cnst)
			return tfr_err(c, item, "columns.add: column '%s' has a value or a const (one "
				       "of them)", ac->name);
		for (size_t i = 0; i + 1 < a->ncols; i++)
			if (strcasecmp(a->cols[i].name, ac->name) == 0)
				return tfr_err(c, item, "columns.add: column '%s' is added twice", ac->name);
		if (!ac->to.t) {
			ac->to.t = TF_T_STRING;
			strcpy(ac->to.mc, "STRING");
			strcpy(ac->to.mysql, "longtext");
		}
		if (target_done(c, item, &ac->to, "columns.add") < 0)
			return -1;
	}
	return 0;
}

int tfr_parse_columns(struct rctx *c, struct tf_rules *R, struct fy_node *seq)
{
	void *it = NULL;
	struct fy_node *item;
	if (fy_node_get_type(seq) != FYNT_SEQUENCE)
		return tfr_err(c, seq, "columns: expected a list of {db, table, add}");
	while ((item = fy_node_sequence_iterate(seq, &it))) {
		struct tf_addrule *a;
		struct fy_node_pair *p;
		void *it2 = NULL;
		if (!(a = tfr_entry(c, item, &R->add, &R->nadd, &R->capadd, sizeof *R->add,
				    "columns: an entry is a mapping (db, table, add)")))
			return -1;
		while ((p = fy_node_mapping_iterate(item, &it2))) {
			struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
			int rc;
			if (tfr_key_is(k, "db"))
				rc = tfr_match_parse(c, v, &a->on.db, "columns.db");
			else if (tfr_key_is(k, "table"))
				rc = tfr_match_parse(c, v, &a->on.table, "columns.table");
			else if (tfr_key_is(k, "add"))
				rc = parse_add(c, R, a, v);
			else
				rc = tfr_err(c, k, "columns: unknown key (want db, table, add)");
			if (rc < 0)
				return -1;
		}
		if (!a->ncols)
			return tfr_err(c, item, "columns: an entry adds columns (add: [...])");
	}
	return 0;
}

int tfr_parse_types(struct rctx *c, struct tf_rules *R, struct fy_node *seq)
{
	void *it = NULL;
	struct fy_node *item;
	if (fy_node_get_type(seq) != FYNT_SEQUENCE)
		return tfr_err(c, seq, "types: expected a list of {db, table, column, source_type, to}");
	while ((item = fy_node_sequence_iterate(seq, &it))) {
		struct tf_typerule *t;
		struct fy_node_pair *p;
		void *it2 = NULL;
		if (!(t = tfr_entry(c, item, &R->types, &R->ntypes, &R->captypes, sizeof *R->types,
				    "types: an entry is a mapping (db, table, column, source_type, "
				    "to, format, unix)")) ||
		    !(t->where = tfr_where(c, item)))
			return -1;
		while ((p = fy_node_mapping_iterate(item, &it2))) {
			struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
			bool known;
			int rc;
			if (tfr_key_is(k, "db"))
				rc = tfr_match_parse(c, v, &t->on.db, "types.db");
			else if (tfr_key_is(k, "table"))
				rc = tfr_match_parse(c, v, &t->on.table, "types.table");
			else if (tfr_key_is(k, "column")) /* `phone` is `Phone` to the server */
				rc = (t->column.nocase = true, tfr_match_parse(c, v, &t->column, "types.column"));
			else if (tfr_key_is(k, "source_type"))
				rc = tfr_match_parse(c, v, &t->source_type, "types.source_type");
			else if (tfr_key_is(k, "to"))
				rc = parse_type(c, v, &t->to, "types.to");
			else if ((rc = target_key(c, k, v, &t->to, "types", &known)) == 0 && !known)
				rc = tfr_err(c, k, "types: unknown key (want db, table, column, "
					     "source_type, to, format, unix)");
			if (rc < 0)
				return -1;
		}
		if (!t->column.text && !t->source_type.text)
			return tfr_err(c, item, "types: an entry names a column or a source_type");
		if (!t->to.t)
			return tfr_err(c, item, "types: an entry has to: TYPE");
		if (target_done(c, item, &t->to, "types") < 0)
			return -1;
	}
	return 0;
}

int tfr_parse_dirty(struct rctx *c, struct tf_rules *R, struct fy_node *m)
{
	void *it = NULL;
	struct fy_node_pair *p;
	if (fy_node_get_type(m) != FYNT_MAPPING)
		return tfr_err(c, m, "dirty: expected a mapping (limit, reject)");
	while ((p = fy_node_mapping_iterate(m, &it))) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
		if (tfr_key_is(k, "limit")) {
			char *s = tfr_scalar_dup(c, v, "dirty.limit"), *end = NULL;
			if (!s)
				return -1;
			R->dirty_limit = strtoll(s, &end, 10);
			if (!*s || *end || !isdigit((unsigned char)*s) || R->dirty_limit > 1000000000000LL) {
				tfr_err(c, v, "dirty.limit: '%s' (want a count, 0 to 10^12)", s);
				free(s);
				return -1;
			}
			free(s);
			free(R->dirty_where);
			if (!(R->dirty_where = tfr_where(c, v)))
				return -1;
		} else if (tfr_key_is(k, "reject")) {
			free(R->reject);
			if (!(R->reject = tfr_scalar_dup(c, v, "dirty.reject")))
				return -1;
			if (!R->reject[0])
				return tfr_err(c, v, "dirty.reject: empty");
		} else {
			return tfr_err(c, k, "dirty: unknown key (want limit, reject)");
		}
	}
	return 0;
}

void tfr_cols_free(struct tf_rules *R)
{
	for (size_t i = 0; i < R->nadd; i++) {
		struct tf_addrule *a = &R->add[i];
		tfr_match_free(&a->on.db), tfr_match_free(&a->on.table);
		for (size_t j = 0; j < a->ncols; j++) {
			free(a->cols[j].name), free(a->cols[j].cnst), free(a->cols[j].where);
			free(a->cols[j].to.format);
			tf_vexpr_free(a->cols[j].value);
		}
		free(a->cols);
	}
	free(R->add);
	for (size_t i = 0; i < R->ntypes; i++) {
		struct tf_typerule *t = &R->types[i];
		tfr_match_free(&t->on.db), tfr_match_free(&t->on.table);
		tfr_match_free(&t->column), tfr_match_free(&t->source_type);
		free(t->to.format), free(t->where);
	}
	free(R->types);
	for (size_t i = 0; i < R->nrefs; i++)
		free(R->refs[i]);
	free(R->refs);
	for (size_t i = 0; i < R->nparams; i++)
		free(R->params[i].name), free(R->params[i].where), free(R->params[i].value);
	free(R->params);
	free(R->reject);
	free(R->dirty_where);
}

int tf_rules_params(struct tf_rules *R, const char *const *nv, size_t n, struct mc_err *err)
{
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(nv[i], '=');
		bool ok = eq && eq > nv[i] && (isalpha((unsigned char)nv[i][0]) || nv[i][0] == '_');
		for (const char *s = nv[i]; ok && s < eq; s++)
			ok = isascii((unsigned char)*s) && (isalnum((unsigned char)*s) || *s == '_');
		if (!ok)
			return mc_errf(err, MC_EXIT_USAGE, "--param '%s': want NAME=VALUE, NAME of "
				       "[A-Za-z_][A-Za-z0-9_]*", nv[i]);
		for (size_t j = 0; j < R->nparams; j++) {
			struct tf_param *p = &R->params[j];
			if (strlen(p->name) == (size_t)(eq - nv[i]) && memcmp(p->name, nv[i], strlen(p->name)) == 0) {
				free(p->value);
				if (!(p->value = mc_strdup(eq + 1)))
					return mc_oom(err, "--param");
			}
		}
	}
	for (size_t j = 0; j < R->nparams; j++)
		if (!R->params[j].value)
			return mc_errf(err, MC_EXIT_USAGE, "%s: ${%s}: no such parameter: give it with "
				       "--param %s=VALUE", R->params[j].where, R->params[j].name,
				       R->params[j].name);
	return 0;
}

/* ---- applying them ---- */

int tf_coltab_init(const struct tf_rules *R, struct tf_coltab *t, const char *db, size_t dbn,
		   const char *table, size_t tn, struct mc_err *err)
{
	size_t na = 0;
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < R->nadd; i++)
		if (tf_sel_match(&R->add[i].on, db, dbn, table, tn))
			na += R->add[i].ncols;
	if (na && !(t->adds = calloc(na, sizeof *t->adds)))
		return mc_oom(err, "tables");
	for (size_t i = 0; i < R->nadd; i++)
		if (tf_sel_match(&R->add[i].on, db, dbn, table, tn))
			for (size_t j = 0; j < R->add[i].ncols; j++)
				t->adds[t->nadds++] = &R->add[i].cols[j];
	if (na && !(t->by_time = calloc(na, sizeof *t->by_time)))
		return mc_oom(err, "tables");
	for (size_t j = 0; j < t->nadds; j++) {
		const struct tf_addcol *a = t->adds[j];
		t->by_time[j] = a->part ? tf_part_time_only(a->part)
				: a->cnst ? true
					  : tf_vexpr_time_only(a->value);
	}
	for (size_t i = 0; i < R->ntypes; i++)
		if (tf_sel_match(&R->types[i].on, db, dbn, table, tn)) {
			if (!t->types && !(t->types = calloc(R->ntypes, sizeof *t->types)))
				return mc_oom(err, "tables");
			t->types[t->ntypes++] = i;
		}
	return 0;
}

void tf_coltab_free(struct tf_coltab *t)
{
	free(t->adds);
	free(t->by_time);
	free(t->types);
	memset(t, 0, sizeof *t);
}

int tf_colver_init(const struct tf_rules *R, const struct tf_coltab *t, const struct mc_rec *r,
		   struct tf_colver *v, struct mc_err *err)
{
	memset(v, 0, sizeof *v);
	v->ncols = r->ncols;
	v->any = t->nadds > 0;
	if (!(v->conv = calloc(r->ncols + 1, sizeof *v->conv)) ||
	    !(v->refidx = calloc(R->nrefs + 1, sizeof *v->refidx)) ||
	    !(v->key = calloc(r->ncols + 1, sizeof *v->key)))
		return mc_oom(err, "schemas");
	for (size_t k = 0; k < r->nkey; k++)
		if (r->key[k] < r->ncols)
			v->key[r->key[k]] = true;
	for (size_t i = 0; i < r->ncols; i++)
		for (size_t j = 0; j < t->ntypes && !v->conv[i]; j++) {
			const struct tf_typerule *tr = &R->types[t->types[j]];
			if (tfr_match(&tr->column, r->cols[i].name.p, r->cols[i].name.n) &&
			    tfr_match(&tr->source_type, r->cols[i].mysql_type.p, r->cols[i].mysql_type.n))
				v->conv[i] = tr, v->any = true;
		}
	for (size_t k = 0; k < R->nrefs; k++) {
		v->refidx[k] = -1;
		for (size_t i = 0; i < r->ncols; i++)
			if (r->cols[i].name.n == strlen(R->refs[k]) &&
			    strncasecmp(r->cols[i].name.p, R->refs[k], r->cols[i].name.n) == 0)
				v->refidx[k] = (int)i;
	}
	return 0;
}

void tf_colver_free(struct tf_colver *v)
{
	free(v->conv);
	free(v->refidx);
	free(v->key);
	memset(v, 0, sizeof *v);
}

int tf_cols_schema(const struct tf_coltab *t, const struct tf_colver *v, const struct mc_rec *r,
		   struct tf_rowout *o, struct mc_rec *out, struct mc_err *err)
{
	size_t n = r->ncols + t->nadds;
	*out = *r;
	if (mc_grow(&o->cols, &o->capcols, n + 1, sizeof *o->cols) < 0)
		return mc_oom(err, "a schema");
	for (size_t i = 0; i < r->ncols; i++) {
		o->cols[i] = r->cols[i];
		if (v->conv[i]) {
			o->cols[i].mysql_type = mc_str_c(v->conv[i]->to.mysql, strlen(v->conv[i]->to.mysql));
			o->cols[i].mc_type = mc_str_c(v->conv[i]->to.mc, strlen(v->conv[i]->to.mc));
			o->cols[i].flags &= ~(uint32_t)MC_CF_UNSIGNED;
		}
	}
	for (size_t j = 0; j < t->nadds; j++) {
		const struct tf_addcol *a = t->adds[j];
		struct mc_col *c = &o->cols[r->ncols + j];
		for (size_t i = 0; i < r->ncols; i++)
			if (r->cols[i].name.n == strlen(a->name) &&
			    strncasecmp(r->cols[i].name.p, a->name, r->cols[i].name.n) == 0)
				return mc_errf(err, MC_EXIT_DATA, "the column rule at %s: table '%.*s.%.*s' "
					       "has a column '%s' already: give the added column "
					       "another name", a->where, (int)r->db.n, r->db.p,
					       (int)r->table.n, r->table.p, a->name);
		for (size_t i = 0; i < j; i++)
			if (strcasecmp(t->adds[i]->name, a->name) == 0)
				return mc_errf(err, MC_EXIT_DATA, "the column rules at %s and %s both add "
					       "a column '%s' to table '%.*s.%.*s'", t->adds[i]->where,
					       a->where, a->name, (int)r->db.n, r->db.p,
					       (int)r->table.n, r->table.p);
		memset(c, 0, sizeof *c);
		c->name = mc_str_c(a->name, strlen(a->name));
		c->mysql_type = mc_str_c(a->to.mysql, strlen(a->to.mysql));
		c->mc_type = mc_str_c(a->to.mc, strlen(a->to.mc));
		c->nullable = true;
	}
	out->cols = o->cols;
	out->ncols = n;
	return 0;
}

/* The value shown in a reject line: printable ASCII kept, others \xNN, cut. */
static void show_val(const struct mc_val *v, char *out, size_t outsz)
{
	size_t o = 0;
	char num[40];
	const char *s;
	size_t n;
	switch (v->kind) {
	case MC_V_INT: n = (size_t)snprintf(num, sizeof num, "%lld", (long long)v->v.i); s = num; break;
	case MC_V_UINT: n = (size_t)snprintf(num, sizeof num, "%llu", (unsigned long long)v->v.u); s = num; break;
	case MC_V_F32: n = (size_t)snprintf(num, sizeof num, "%.9g", (double)v->v.f32); s = num; break;
	case MC_V_F64: n = (size_t)snprintf(num, sizeof num, "%.17g", v->v.f64); s = num; break;
	case MC_V_NULL: s = "NULL", n = 4; break;
	default: s = v->v.s.p, n = v->v.s.n; break;
	}
	for (size_t i = 0; i < n && o + 8 < outsz; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", ch);
	}
	if (n && o + 8 >= outsz)
		o += (size_t)snprintf(out + o, outsz - o, "...");
	out[o] = '\0';
}

/* One image: n source values img into dst (room for n + nadds). */
/* Keep v, the value of a at time, in m (its text copied). */
static int memo_keep(struct tf_memo *m, const struct tf_addcol *a, int64_t time,
		     const struct mc_val *v)
{
	m->a = NULL;
	m->v = *v;
	switch (v->kind) {
	case MC_V_NULL: case MC_V_ABSENT: case MC_V_INT: case MC_V_UINT: case MC_V_F32:
	case MC_V_F64:
		break;
	default:
		if (v->v.s.n > m->cap && mc_grow(&m->buf, &m->cap, v->v.s.n, 1) < 0)
			return -1;
		if (v->v.s.n)
			memcpy(m->buf, v->v.s.p, v->v.s.n);
		m->v.v.s.p = m->buf;
	}
	m->a = a;
	m->time = time;
	return 0;
}

static int one_image(const struct tf_rules *R, const struct tf_coltab *t, const struct tf_colver *v,
		     struct tf_evctx *x, const struct mc_val *img, size_t n, struct mc_val *dst,
		     struct tf_rowout *o)
{
	struct tf_ev ev;
	int rc;
	x->img = img;
	x->nimg = n;
	for (size_t i = 0; i < n; i++) {
		dst[i] = img[i];
		if (i >= v->ncols || !v->conv[i] || img[i].kind == MC_V_NULL || img[i].kind == MC_V_ABSENT)
			continue;
		x->where = v->conv[i]->where;
		if ((rc = tf_ev_of_val(x, &img[i], &ev)) == 0)
			rc = tf_convert(x, &ev, &v->conv[i]->to, &dst[i]);
		if (rc == 0 && v->key[i])
			rc = tf_convert_key(x, &ev, &v->conv[i]->to, &dst[i]);
		if (rc) {
			if (rc > 0) {
				o->coln = i;
				o->col = NULL;
				o->where = v->conv[i]->where;
				show_val(&img[i], o->shown, sizeof o->shown);
			}
			return rc;
		}
	}
	for (size_t j = 0; j < t->nadds; j++) {
		const struct tf_addcol *a = t->adds[j];
		struct tf_memo *m = t->by_time[j] ? &o->memo[j] : NULL;
		if (m && m->a == a && m->time == x->r->time) {
			dst[n + j] = m->v;
			continue;
		}
		x->where = a->where;
		if (a->part) {
			rc = tf_part_eval(x, a->part, &ev);
		} else if (a->cnst) {
			memset(&ev, 0, sizeof ev);
			ev.k = E_TEXT, ev.s = a->cnst, ev.n = strlen(a->cnst);
			rc = 0;
		} else {
			rc = tf_vexpr_eval(x, a->value, &ev);
		}
		if (rc == 0)
			rc = tf_convert(x, &ev, &a->to, &dst[n + j]);
		if (rc == 0 && m && memo_keep(m, a, x->r->time, &dst[n + j]) < 0)
			return mc_oom(x->err, "a row");
		if (rc) {
			if (rc > 0) {
				struct mc_val sv = { .kind = MC_V_STR };
				const char *s = "";
				size_t sn = 0;
				o->col = a->name;
				o->where = a->where;
				if (ev.k != E_NULL && ev.k != E_ABSENT && ev.k != E_BOOL &&
				    tf_ev_text(x, &ev, &s, &sn) < 0)
					return -1;
				sv.v.s = mc_str_c(s, sn);
				show_val(&sv, o->shown, sizeof o->shown);
			}
			return rc;
		}
	}
	(void)R;
	return 0;
}

int tf_cols_row(const struct tf_rules *R, const struct tf_coltab *t, const struct tf_colver *v,
		const struct mc_rec *r, struct mc_str source_id, struct tf_rowout *o,
		struct mc_rec *out, struct mc_err *err)
{
	struct tf_evctx x;
	int rc;
	memset(&x, 0, sizeof x);
	x.R = R;
	x.r = r;
	x.refidx = v->refidx;
	x.source_id = source_id;
	x.ar = &o->ar;
	x.err = err;
	tf_arena_reset(&o->ar);
	if (t->nadds > o->capmemo && mc_grow(&o->memo, &o->capmemo, t->nadds, sizeof *o->memo) < 0)
		return mc_oom(err, "a row");
	*out = *r;
	o->reason[0] = '\0';
	if (r->before) {
		if (mc_grow(&o->b, &o->capb, r->nbefore + t->nadds + 1, sizeof *o->b) < 0)
			return mc_oom(err, "a row");
		o->image = "before";
		if ((rc = one_image(R, t, v, &x, r->before, r->nbefore, o->b, o)) != 0)
			goto done;
		out->before = o->b;
		out->nbefore = r->nbefore + t->nadds;
	}
	if (r->after) {
		if (mc_grow(&o->a, &o->capa, r->nafter + t->nadds + 1, sizeof *o->a) < 0)
			return mc_oom(err, "a row");
		o->image = "after";
		if ((rc = one_image(R, t, v, &x, r->after, r->nafter, o->a, o)) != 0)
			goto done;
		out->after = o->a;
		out->nafter = r->nafter + t->nadds;
	}
	return 0;
done:
	if (rc > 0)
		memcpy(o->reason, x.reason, sizeof o->reason);
	return rc;
}

void tf_rowout_free(struct tf_rowout *o)
{
	free(o->a);
	free(o->b);
	free(o->cols);
	for (size_t i = 0; i < o->capmemo; i++)
		free(o->memo[i].buf);
	free(o->memo);
	tf_arena_free(&o->ar);
	memset(o, 0, sizeof *o);
}

int tf_types_rule_of(const struct tf_rules *R, const char *db, const char *table,
		     const char *name, size_t n, const char *type, size_t tn)
{
	for (size_t i = 0; i < R->ntypes; i++)
		if (tf_sel_match(&R->types[i].on, db, strlen(db), table, strlen(table)) &&
		    tfr_match(&R->types[i].column, name, n) &&
		    tfr_match(&R->types[i].source_type, type, tn))
			return (int)i;
	return -1;
}

/* Whether rule on names db.table exactly (its table a name, not /RE/ or
 * any, its db a name or any) and column m is a name the schema s lacks. */
static bool col_lacks(const struct tf_sel *on, const struct tf_match *m, const char *db,
		      const char *table, const struct mc_rec *s)
{
	if (!on->table.text || on->table.is_re || on->db.is_re || !m->text || m->is_re ||
	    !tf_sel_match(on, db, strlen(db), table, strlen(table)))
		return false;
	for (size_t i = 0; i < s->ncols; i++)
		if (tfr_match(m, s->cols[i].name.p, s->cols[i].name.n))
			return false;
	return true;
}

static int lacks_why(const char *what, const char *at, const char *col, const char *db,
		     const char *table, const struct mc_rec *s, char *why, size_t whysz)
{
	int l = snprintf(why, whysz, "the %s rule at %s names column '%s', which the table does "
			 "not have (its columns:", what, at, col);
	for (size_t i = 0; i < s->ncols && l >= 0 && (size_t)l < whysz; i++)
		l += snprintf(why + l, whysz - (size_t)l, "%s %.*s", i ? "," : "",
			      (int)(s->cols[i].name.n > 64 ? 64 : s->cols[i].name.n),
			      s->cols[i].name.p);
	if (l >= 0 && (size_t)l < whysz)
		snprintf(why + l, whysz - (size_t)l, "): the rule would match nothing of '%s.%s'; "
			 "correct its column, or remove the rule if the column was dropped", db,
			 table);
	return 0;
}

int tf_rules_cols_named(const struct tf_rules *R, const char *db, const char *table,
			const struct mc_rec *s, char *why, size_t whysz)
{
	for (size_t i = 0; R->fixt && i < R->fixt->nmask; i++)
		if (col_lacks(&R->fixt->mask[i].on, &R->fixt->mask[i].column, db, table, s))
			return lacks_why("mask", R->fixt->mask[i].at, R->fixt->mask[i].column.text,
					 db, table, s, why, whysz);
	for (size_t i = 0; i < R->ntypes; i++)
		if (col_lacks(&R->types[i].on, &R->types[i].column, db, table, s))
			return lacks_why("types", R->types[i].where, R->types[i].column.text, db,
					 table, s, why, whysz);
	return 1;
}
