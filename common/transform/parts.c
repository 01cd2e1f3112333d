/* parts.c: the partitions section of the rules file (rules.h, parts.h;
 * docs/mc-transform.md "Partitions"): per table, the log partition of each
 * row as levels KEY=VALUE, written into an added column that the header
 * entry TF_META_PART_COL names (mc-tunnel-put files the row by it), and
 * the guard on new partitions per day. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/num.h"
#include "base/day.h"
#include "transform/parts.h"
#include "transform/rparse.h"

#define DEFAULT_COL "mc_partition"
#define DEFAULT_MAX 1000
#define MAX_LEVELS 8
#define MAX_SPEC 255

static bool key_ok(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
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

static int parse_levels(struct rctx *c, struct tf_rules *R, struct tf_partrule *p,
			struct fy_node *key, struct fy_node *seq)
{
	void *it = NULL;
	struct fy_node *item;
	if (fy_node_get_type(seq) != FYNT_SEQUENCE)
		return tfr_err(c, seq, "partitions.levels: expected a list of {key, value or const, "
			       "format}");
	while ((item = fy_node_sequence_iterate(seq, &it))) {
		struct tf_plevel *l;
		struct fy_node_pair *pr;
		void *it2 = NULL;
		if (fy_node_get_type(item) != FYNT_MAPPING)
			return tfr_err(c, item, "partitions.levels: a level is a mapping (key, value "
				       "or const, format)");
		if (p->nlv == MAX_LEVELS)
			return tfr_err(c, item, "partitions.levels: at most %d levels", MAX_LEVELS);
		if (mc_push(&p->lv, &p->nlv, &p->caplv, sizeof *p->lv) < 0)
			return mc_oom(c->err, "rules");
		l = &p->lv[p->nlv - 1];
		memset(l, 0, sizeof *l);
		if (!(l->where = tfr_where(c, item)))
			return -1;
		while ((pr = fy_node_mapping_iterate(item, &it2))) {
			struct fy_node *k = fy_node_pair_key(pr), *v = fy_node_pair_value(pr);
			if (tfr_key_is(k, "key")) {
				if (!(l->key = tfr_scalar_dup(c, v, "partitions.levels.key")))
					return -1;
				if (!key_ok(l->key))
					return tfr_err(c, v, "partitions.levels.key: '%s' is not a partition "
						       "key ([a-z0-9_]+, up to 64)", l->key);
			} else if (tfr_key_is(k, "value")) {
				char *s = tfr_scalar_dup(c, v, "partitions.levels.value");
				if (!s)
					return -1;
				l->value = tfr_vexpr_parse(c, v, R, s);
				free(s);
				if (!l->value)
					return -1;
			} else if (tfr_key_is(k, "const")) {
				if (!(l->cnst = tfr_scalar_dup(c, v, "partitions.levels.const")))
					return -1;
			} else if (tfr_key_is(k, "format")) {
				const char *why;
				if (!(l->format = tfr_scalar_dup(c, v, "partitions.levels.format")))
					return -1;
				if ((why = tf_fmt_check(l->format, false)))
					return tfr_err(c, v, "partitions.levels.format: '%s': %s",
						       l->format, why);
			} else {
				return tfr_err(c, k, "partitions.levels: unknown key (want key, value, "
					       "const, format)");
			}
		}
		if (!l->key)
			return tfr_err(c, item, "partitions.levels: a level has a key");
		if (!l->value == !l->cnst)
			return tfr_err(c, item, "partitions.levels: level '%s' has a value or a const "
				       "(one of them)", l->key);
		for (size_t i = 0; i + 1 < p->nlv; i++)
			if (strcmp(p->lv[i].key, l->key) == 0)
				return tfr_err(c, item, "partitions.levels: key '%s' twice", l->key);
	}
	if (!p->nlv) /* an empty list has no place of its own: its key's */
		return tfr_err(c, key, "partitions.levels: at least one level");
	return 0;
}

static int parse_tables(struct rctx *c, struct tf_rules *R, struct fy_node *seq)
{
	void *it = NULL;
	struct fy_node *item;
	if (fy_node_get_type(seq) != FYNT_SEQUENCE)
		return tfr_err(c, seq, "partitions.tables: expected a list of {db, table, levels}");
	while ((item = fy_node_sequence_iterate(seq, &it))) {
		struct tf_partrule *p;
		struct fy_node_pair *pr;
		void *it2 = NULL;
		if (!(p = tfr_entry(c, item, &R->parts, &R->nparts, &R->capparts, sizeof *R->parts,
				    "partitions.tables: an entry is a mapping (db, table, levels)")) ||
		    !(p->where = tfr_where(c, item)))
			return -1;
		while ((pr = fy_node_mapping_iterate(item, &it2))) {
			struct fy_node *k = fy_node_pair_key(pr), *v = fy_node_pair_value(pr);
			int rc;
			if (tfr_key_is(k, "db"))
				rc = tfr_match_parse(c, v, &p->on.db, "partitions.db");
			else if (tfr_key_is(k, "table"))
				rc = tfr_match_parse(c, v, &p->on.table, "partitions.table");
			else if (tfr_key_is(k, "levels"))
				rc = parse_levels(c, R, p, k, v);
			else
				rc = tfr_err(c, k, "partitions.tables: unknown key (want db, table, "
					     "levels)");
			if (rc < 0)
				return -1;
		}
		if (!p->nlv)
			return tfr_err(c, item, "partitions.tables: an entry has levels: [...]");
	}
	return 0;
}

int tfr_parse_parts(struct rctx *c, struct tf_rules *R, struct fy_node *m)
{
	void *it = NULL;
	struct fy_node_pair *p;
	if (fy_node_get_type(m) != FYNT_MAPPING)
		return tfr_err(c, m, "partitions: expected a mapping (column, max_per_day, tables)");
	while ((p = fy_node_mapping_iterate(m, &it))) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
		if (tfr_key_is(k, "column")) {
			free(R->part_col);
			if (!(R->part_col = tfr_scalar_dup(c, v, "partitions.column")))
				return -1;
			if (!colname_ok(R->part_col))
				return tfr_err(c, v, "partitions.column: '%s' is not a column name "
					       "([A-Za-z_][A-Za-z0-9_]*, up to 128)", R->part_col);
		} else if (tfr_key_is(k, "max_per_day")) {
			char *s = tfr_scalar_dup(c, v, "partitions.max_per_day"), *end = NULL;
			if (!s)
				return -1;
			R->part_max = strtoll(s, &end, 10);
			if (!*s || *end || !isdigit((unsigned char)*s) || R->part_max > 1000000) {
				tfr_err(c, v, "partitions.max_per_day: '%s' (want a count, 0 (no limit) "
					"to 1000000)", s);
				free(s);
				return -1;
			}
			free(s);
			free(R->part_max_at);
			if (!(R->part_max_at = tfr_where(c, v)))
				return -1;
		} else if (tfr_key_is(k, "tables")) {
			if (parse_tables(c, R, v) < 0)
				return -1;
		} else {
			return tfr_err(c, k, "partitions: unknown key (want column, max_per_day, "
				       "tables)");
		}
	}
	if (!R->nparts)
		return tfr_err(c, m, "partitions: no tables: [...] entry");
	return 0;
}

static int copy_match(struct tf_match *d, const struct tf_match *s)
{
	memset(d, 0, sizeof *d);
	if (!s->text)
		return 0;
	if (!(d->text = mc_strdup(s->text)))
		return -1;
	if (s->is_re) {
		size_t len = strlen(s->text);
		char *re = malloc(len + 4);
		if (!re)
			return -1;
		snprintf(re, len + 4, "^(%.*s)$", (int)(len - 2), s->text + 1);
		/* compiled before from the same text: it compiles */
		if (regcomp(&d->re, re, REG_EXTENDED | REG_NOSUB) != 0) {
			free(re);
			return -1;
		}
		free(re);
		d->is_re = true;
	}
	return 0;
}

/* After the whole file: each partitions entry becomes an added column
 * (the last ones, after every columns entry). */
int tfr_parts_done(struct rctx *c, struct tf_rules *R)
{
	if (!R->nparts)
		return 0;
	if (!R->part_col && !(R->part_col = mc_strdup(DEFAULT_COL)))
		return mc_oom(c->err, "rules");
	for (size_t i = 0; i < R->nparts; i++) {
		struct tf_addrule *a;
		struct tf_addcol *ac;
		if (mc_push(&R->add, &R->nadd, &R->capadd, sizeof *R->add) < 0)
			return mc_oom(c->err, "rules");
		a = &R->add[R->nadd - 1];
		memset(a, 0, sizeof *a);
		if (copy_match(&a->on.db, &R->parts[i].on.db) < 0 ||
		    copy_match(&a->on.table, &R->parts[i].on.table) < 0 ||
		    mc_push(&a->cols, &a->ncols, &a->capcols, sizeof *a->cols) < 0)
			return mc_oom(c->err, "rules");
		ac = &a->cols[0];
		memset(ac, 0, sizeof *ac);
		ac->part = &R->parts[i];
		if (!(ac->name = mc_strdup(R->part_col)) || !(ac->where = mc_strdup(R->parts[i].where)))
			return mc_oom(c->err, "rules");
		ac->to.t = TF_T_STRING;
		strcpy(ac->to.mc, "STRING");
		strcpy(ac->to.mysql, "longtext");
	}
	return 0;
}

void tfr_parts_free(struct tf_rules *R)
{
	for (size_t i = 0; i < R->nparts; i++) {
		struct tf_partrule *p = &R->parts[i];
		tfr_match_free(&p->on.db), tfr_match_free(&p->on.table);
		for (size_t j = 0; j < p->nlv; j++) {
			free(p->lv[j].key), free(p->lv[j].cnst), free(p->lv[j].format);
			free(p->lv[j].where);
			tf_vexpr_free(p->lv[j].value);
		}
		free(p->lv), free(p->where);
	}
	free(R->parts);
	free(R->part_col);
	free(R->part_max_at);
}

/* ---- a row's partition ---- */

static bool val_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '.' || ch == '-';
}

/* One level's value text into *s, *n: 0, 1 dirty (x->reason), -1. */
static int level_text(struct tf_evctx *x, const struct tf_plevel *l, const char **s, size_t *n)
{
	struct tf_ev ev;
	int rc;
	if (l->cnst) {
		*s = l->cnst, *n = strlen(l->cnst);
	} else {
		if ((rc = tf_vexpr_eval(x, l->value, &ev)) != 0)
			return rc;
		if (ev.k == E_NULL || ev.k == E_ABSENT) {
			snprintf(x->reason, sizeof x->reason, "the partition level '%s' is %s", l->key,
				 ev.k == E_NULL ? "NULL" : "absent from the row's image "
				 "(binlog_row_image=MINIMAL or NOBLOB)");
			return 1;
		}
		if (ev.k == E_BOOL) {
			snprintf(x->reason, sizeof x->reason, "the partition level '%s' is a condition, "
				 "not a value", l->key);
			return 1;
		}
		if (ev.k == E_TIME) {
			if (!(*s = tf_fmt_format(x->ar, l->format ? l->format : "yyyyMMdd", &ev.t, n)))
				return mc_oom(x->err, "a partition");
		} else if (l->format) {
			snprintf(x->reason, sizeof x->reason, "the partition level '%s' has a format, "
				 "but its value is not a time (use parse_time)", l->key);
			return 1;
		} else if (tf_ev_text(x, &ev, s, n) < 0) {
			return -1;
		}
	}
	if (!*n || *n > 128) {
		snprintf(x->reason, sizeof x->reason, "the partition level '%s' is %s", l->key,
			 *n ? "over 128 bytes" : "empty");
		return 1;
	}
	for (size_t i = 0; i < *n; i++)
		if (!val_char((*s)[i])) {
			snprintf(x->reason, sizeof x->reason, "the partition level '%s' is '%.*s', "
				 "which holds '%c' (a partition value is of [A-Za-z0-9_.-])", l->key,
				 (int)(*n > 60 ? 60 : *n), *s,
				 (*s)[i] >= 0x20 && (*s)[i] < 0x7f ? (*s)[i] : '?');
			return 1;
		}
	return 0;
}

bool tf_part_time_only(const struct tf_partrule *p)
{
	for (size_t i = 0; i < p->nlv; i++)
		if (!p->lv[i].cnst && !tf_vexpr_time_only(p->lv[i].value))
			return false;
	return true;
}

int tf_part_eval(struct tf_evctx *x, const struct tf_partrule *p, struct tf_ev *out)
{
	char buf[MAX_LEVELS * 200];
	size_t o = 0;
	/* the before image of an update: its partition is the after image's
	 * (mc-tunnel-put reads that one); the old row's when it has one */
	bool lenient = x->r->after && x->r->before && x->img == x->r->before;
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < p->nlv; i++) {
		const char *s = NULL;
		size_t n = 0;
		int rc = level_text(x, &p->lv[i], &s, &n);
		if (rc > 0 && s && !lenient) { /* the value shown in the reject line */
			out->k = E_TEXT;
			out->s = s;
			out->n = n;
		}
		if (rc > 0 && lenient) {
			out->k = E_NULL;
			x->reason[0] = '\0';
			return 0;
		}
		if (rc)
			return rc;
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s=%.*s", i ? "/" : "",
				      p->lv[i].key, (int)n, s);
	}
	if (o > MAX_SPEC) {
		if (lenient)
			return out->k = E_NULL, 0;
		snprintf(x->reason, sizeof x->reason, "the partition '%.60s...' is over %d bytes",
			 buf, MAX_SPEC);
		return 1;
	}
	char *t = tf_arena_alloc(x->ar, o + 1);
	if (!t)
		return mc_oom(x->err, "a partition");
	memcpy(t, buf, o + 1);
	out->k = E_TEXT;
	out->s = t;
	out->n = o;
	return 0;
}

/* ---- the guard ---- */

struct pg_ent {
	int64_t day;
	char *spec;
	size_t n;
	uint64_t h;
};
struct pg_day {
	int64_t day;
	uint64_t count;
};
struct tf_pguard {
	struct pg_ent *ent;
	size_t nent, capent;
	size_t *slot;      /* open addressing: 1 + index into ent, 0 empty */
	size_t nslot;
	struct pg_day *days;
	size_t ndays, capdays;
	size_t last;       /* 1 + the last entry hit */
};

static uint64_t fnv(int64_t day, const char *s, size_t n)
{
	return num_fnv1a(1469598103934665603ULL ^ (uint64_t)day, s, n);
}

static int rehash(struct tf_pguard *g)
{
	size_t ns = g->nslot ? g->nslot * 2 : 64;
	size_t *sl = calloc(ns, sizeof *sl);
	if (!sl)
		return -1;
	for (size_t i = 0; i < g->nent; i++) {
		size_t k = (size_t)g->ent[i].h & (ns - 1);
		while (sl[k])
			k = (k + 1) & (ns - 1);
		sl[k] = i + 1;
	}
	free(g->slot);
	g->slot = sl;
	g->nslot = ns;
	return 0;
}

/* 1 when (day, spec) is new, 0 when seen, -1 out of memory. */
static int pg_add(struct tf_pguard *g, int64_t day, const char *s, size_t n)
{
	uint64_t h;
	size_t k;
	struct pg_ent *e;
	if (g->last) {
		e = &g->ent[g->last - 1];
		if (e->day == day && e->n == n && memcmp(e->spec, s, n) == 0)
			return 0;
	}
	h = fnv(day, s, n);
	if ((g->nent + 1) * 2 > g->nslot && rehash(g) < 0)
		return -1;
	for (k = (size_t)h & (g->nslot - 1); g->slot[k]; k = (k + 1) & (g->nslot - 1)) {
		e = &g->ent[g->slot[k] - 1];
		if (e->h == h && e->day == day && e->n == n && memcmp(e->spec, s, n) == 0) {
			g->last = g->slot[k];
			return 0;
		}
	}
	if (mc_push(&g->ent, &g->nent, &g->capent, sizeof *g->ent) < 0)
		return -1;
	e = &g->ent[g->nent - 1];
	if (!(e->spec = mc_strndup(s, n))) {
		g->nent--;
		return -1;
	}
	e->day = day, e->n = n, e->h = h;
	g->slot[k] = g->nent;
	g->last = g->nent;
	return 1;
}

int tf_part_guard(const struct tf_rules *R, struct tf_pguard **gp, const struct tf_coltab *t,
		  const struct mc_rec *out, const char *db, const char *table, const char *dest,
		  struct mc_err *err)
{
	const struct tf_addcol *a;
	const struct mc_val *img, *v;
	size_t nimg;
	long long max = R->part_max_at ? R->part_max : DEFAULT_MAX;
	int64_t day;
	struct tf_pguard *g;
	struct pg_day *d = NULL;
	int rc;
	if (!t->nadds || !(a = t->adds[t->nadds - 1])->part || out->op == MC_OP_SNAPSHOT || !max)
		return 0;
	img = out->after ? out->after : out->before;
	nimg = out->after ? out->nafter : out->nbefore;
	if (!img || !nimg || (v = &img[nimg - 1])->kind != MC_V_STR)
		return 0;
	if (!(g = *gp) && !(g = *gp = calloc(1, sizeof *g)))
		return mc_oom(err, "partitions");
	day = out->time >= 0 ? out->time / 86400 : -((-out->time + 86399) / 86400);
	if ((rc = pg_add(g, day, v->v.s.p, v->v.s.n)) < 0)
		return mc_oom(err, "partitions");
	if (!rc)
		return 0;
	for (size_t i = 0; i < g->ndays && !d; i++)
		if (g->days[i].day == day)
			d = &g->days[i];
	if (!d) {
		if (mc_push(&g->days, &g->ndays, &g->capdays, sizeof *g->days) < 0)
			return mc_oom(err, "partitions");
		d = &g->days[g->ndays - 1];
		d->day = day, d->count = 0;
	}
	if (++d->count > (uint64_t)max) {
		char ds[16];
		day_format(day, ds);
		return mc_errf(err, MC_EXIT_DATA, "table '%s.%s' (destination '%s'): partition "
			       "'%.*s' would be partition %llu of the day %s (the rows' event time, "
			       "UTC): over the limit of %lld new partitions a day for a table "
			       "(partitions.max_per_day%s%s; DataWorks' limit is 1000): check the "
			       "partition rule at %s, or raise partitions.max_per_day", db, table,
			       dest, (int)(v->v.s.n > 100 ? 100 : v->v.s.n), v->v.s.p,
			       (unsigned long long)d->count, ds, max,
			       R->part_max_at ? " at " : ", the default",
			       R->part_max_at ? R->part_max_at : "", a->where);
	}
	return 0;
}

void tf_pguard_free(struct tf_pguard *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nent; i++)
		free(g->ent[i].spec);
	free(g->ent), free(g->slot), free(g->days);
	free(g);
}
