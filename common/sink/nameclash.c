/* nameclash.c: a table's destination name that is a name the destination
 * derives from another table's (docs/mc-tunnel-put.md "What goes where"):
 * the base table of 's.o_log', 's__o_log', is the log table of 's.o', so
 * the two tables' files would mix in one table (one directory, one
 * MaxCompute table), whose merge then fails or comes out wrong. Refused in
 * either order, in one stream or across runs (the ledger's names); a
 * regular file is checked whole before anything of it is committed
 * (sink_scan_rec, in the read that checks it), a pipe as its tables
 * come. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "sink/sink_int.h"

static int is_odps(const struct sink *s)
{
	return s->d->ops->kind && strcmp(s->d->ops->kind, "MaxCompute") == 0;
}

/* Whether the destination derives a table named `name` from the table
 * named `base` (what it is into what): the local warehouse base_log;
 * MaxCompute's batch mode also base_log_ddl (the DDL markers of the other
 * log layouts) and each generation's base__gN, base__gN_log and
 * base__gN_log_ddl (docs/maxcompute.md "Schema changes"), whatever the
 * layout and generation now: they may come later. --mode=upsert writes
 * one table per source table and derives none. */
static int derives(const struct sink *s, const char *base, const char *name, char *what,
		   size_t sz)
{
	const char *kind = s->d->ops->kind ? s->d->ops->kind : "", *r, *e;
	int odps = is_odps(s), gl;
	size_t bl = strlen(base);
	if ((!odps && strcmp(kind, "warehouse") != 0) || strncmp(name, base, bl) != 0)
		return 0;
	r = name + bl;
	if (strcmp(r, "_log") == 0)
		return snprintf(what, sz, "log table"), 1;
	if (!odps)
		return 0;
	if (strcmp(r, "_log_ddl") == 0)
		return snprintf(what, sz, "log's DDL marker table"), 1;
	if (strncmp(r, "__g", 3) != 0 || r[3] < '1' || r[3] > '9')
		return 0;
	for (e = r + 3; *e >= '0' && *e <= '9'; e++)
		;
	gl = (int)(e - r - 3);
	if (!*e)
		return snprintf(what, sz, "generation %.*s table", gl, r + 3), 1;
	if (strcmp(e, "_log") == 0)
		return snprintf(what, sz, "generation %.*s log table", gl, r + 3), 1;
	if (strcmp(e, "_log_ddl") == 0)
		return snprintf(what, sz, "generation %.*s log's DDL marker table", gl, r + 3), 1;
	return 0;
}

static int refuse(const char *db, const char *table, const char *name,
		  int byopt, const char *okey, const char *oname, int mine, const char *what,
		  struct mc_err *err)
{
	const char *osrc = okey + (sizeof LEDGER_K_NAME - 1);
	char rel[600];
	if (mine) /* name is derived from the other's */
		snprintf(rel, sizeof rel, "which is the %s of '%s'", what, oname);
	else
		snprintf(rel, sizeof rel, "whose %s is '%s'", what, oname);
	return mc_errf(err, byopt ? MC_EXIT_USAGE : MC_EXIT_DATA,
		       "'%s.%s' would be written as '%s', %s, the name of '%s' (ledger key "
		       "'%s'): the two tables' rows would mix in one table; give one of them "
		       "another name: --name=%s.%s=NAME, or a names rule of mc-transform "
		       "(names: replace: [{from: %s, to: NAME}])",
		       db, table, name, rel, osrc, okey, db, table, mine ? name : oname);
}

/* One name against another table's: -1 (err set) when one derives from the
 * other. */
static int clash1(const struct sink *s, const char *db, const char *table, const char *name,
		  int byopt, const char *okey, const char *oname, struct mc_err *err)
{
	char what[80];
	if (oname[0] == '=' || strcmp(oname, name) == 0)
		return 0; /* a merge's mark; one name: the caller's check */
	if (derives(s, oname, name, what, sizeof what))
		return refuse(db, table, name, byopt, okey, oname, 1, what, err);
	if (derives(s, name, oname, what, sizeof what))
		return refuse(db, table, name, byopt, okey, oname, 0, what, err);
	return 0;
}

int sink_name_clash(const struct sink *s, const char *db, const char *table, const char *name,
		    int byopt, const struct sink_named *x, size_t nx, struct mc_err *err)
{
	char nk[700];
	ledger_name_key(db, strlen(db), table, strlen(table), nk, sizeof nk);
	for (size_t i = 0; i < s->L.names.n; i++)
		if (strcmp(s->L.names.kv[i].k, nk) != 0 &&
		    clash1(s, db, table, name, byopt, s->L.names.kv[i].k, s->L.names.kv[i].v,
			   err) < 0)
			return -1;
	for (size_t i = 0; i < nx; i++)
		if (strcmp(x[i].key, nk) != 0 &&
		    clash1(s, db, table, name, byopt, x[i].key, x[i].name, err) < 0)
			return -1;
	return 0;
}

static int meta_is(const struct mc_rec *r, const char *k, const char *v)
{
	for (size_t i = 0; i < r->nmeta; i++)
		if (r->meta[i].k.n == strlen(k) && memcmp(r->meta[i].k.p, k, r->meta[i].k.n) == 0 &&
		    r->meta[i].v.n == strlen(v) && memcmp(r->meta[i].v.p, v, r->meta[i].v.n) == 0)
			return 1;
	return 0;
}

void sink_scan_free(struct sink_scan *sc)
{
	free(sc->v);
	memset(sc, 0, sizeof *sc);
}

/* One record of a regular file read whole before it is handled: each new
 * table named as sink_tab_find will name it, against the ledger's names
 * and those of the tables before it in the file. */
int sink_scan_rec(struct sink *s, struct sink_scan *sc, const struct mc_rec *r,
		  unsigned long long recno, struct mc_err *err)
{
	char db[256], tb[256], given[256], name[256], nk[700];
	const char *g = NULL, *slash;
	struct mc_str dest = r->table;
	int byopt = 0;
	if (r->kind == MC_R_HEADER) {
		sc->names = meta_is(r, "dest_names", "table");
		sc->merge = meta_is(r, "dest_merge", "dest/table");
		return 0;
	}
	if (r->kind != MC_R_SCHEMA || !r->table.n || r->db.n >= sizeof db ||
	    r->table.n >= sizeof tb)
		return 0;
	snprintf(db, sizeof db, "%.*s", (int)r->db.n, r->db.p);
	snprintf(tb, sizeof tb, "%.*s", (int)r->table.n, r->table.p);
	if (sc->merge && (slash = memchr(r->table.p, '/', r->table.n))) {
		dest.n = (size_t)(slash - r->table.p);
		snprintf(given, sizeof given, "%.*s", (int)dest.n, dest.p);
		snprintf(tb, sizeof tb, "%.*s", (int)(r->table.n - dest.n - 1), slash + 1);
		g = given;
	}
	ledger_name_key(db, strlen(db), tb, strlen(tb), nk, sizeof nk);
	for (size_t i = 0; i < sc->n; i++)
		if (strcmp(sc->v[i].key, nk) == 0)
			return 0;
	if (ledger_name_get(&s->L, nk))
		return 0;
	if (!g) {
		g = sink_renamed(s, db, tb);
		byopt = g != NULL;
		if (!g && sc->names)
			g = tb;
	}
	if (s->d->ops->table_name(s->d->st, &r->db, &dest, g, name, sizeof name, err) < 0 ||
	    sink_name_clash(s, db, tb, name, byopt, sc->v, sc->n, err) < 0)
		return mc_errctx(err, "record %llu: ", recno);
	if (mc_grow(&sc->v, &sc->cap, sc->n + 1, sizeof *sc->v) < 0)
		return mc_oom(err, "tables");
	snprintf(sc->v[sc->n].key, sizeof sc->v[sc->n].key, "%s", nk);
	snprintf(sc->v[sc->n].name, sizeof sc->v[sc->n].name, "%s", name);
	sc->n++;
	return 0;
}
