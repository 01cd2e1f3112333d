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

static int origin_check(struct sink *s, const char *sid, const struct mc_rec *r, const char *name,
			int record, struct mc_err *err);

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
	const char *g = NULL, *slash, *held;
	struct mc_str dest = r->table;
	int byopt = 0;
	if (r->kind == MC_R_HEADER) {
		sc->names = meta_is(r, "dest_names", "table");
		sc->merge = meta_is(r, "dest_merge", "dest/table");
		const struct mc_str *id = rec_header_get(r, MC_META_SOURCE_ID);
		snprintf(sc->sid, sizeof sc->sid, "%.*s", id ? (int)id->n : 0, id ? id->p : "");
		return 0;
	}
	if (r->kind == MC_R_DDL && (sink_ddl_replaces(r->effect) || r->effect == MC_DDL_ALTER) &&
	    r->table.n &&
	    !(sc->merge && memchr(r->table.p, '/', r->table.n))) {
		/* a replacing DDL or an ALTER of a table the warehouse holds:
		 * of its source table and server (sink_ddl_origin) */
		ledger_name_key(r->db.p, r->db.n, r->table.p, r->table.n, nk, sizeof nk);
		if ((held = ledger_name_get(&s->L, nk)) &&
		    sink_ddl_origin(s, sc->sid, sc->names, r, held, err) < 0)
			return mc_errctx(err, "record %llu: ", recno);
		return 0;
	}
	if (r->kind == MC_R_DDL && !r->table.n)
		return sink_dropdb_scan(s, sc->sid, r, recno, err);
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
	if ((held = ledger_name_get(&s->L, nk))) {
		/* a table the warehouse holds: of the same source table */
		if (!g && held[0] != '=' && origin_check(s, sc->sid, r, held, 0, err) < 0)
			return mc_errctx(err, "record %llu: ", recno);
		return 0;
	}
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

/* ---- the source table a warehouse table holds ----
 * mc-transform's names rules may give two source tables one name (in
 * two runs; in one it refuses them itself), and two servers may bring
 * tables of one name: the sink keys a table by its db and its table
 * field, so it took the second for the first (its snapshot dropped as
 * committed, its changes applied to the first's rows, exit 0). Each
 * warehouse table records the source table it holds (LEDGER_K_SRCTAB:
 * the server_id, "-" for none, and the table's key), from its schema
 * records, whose src_table names the source table where mc-transform
 * renamed it; another source table for it is refused. */

/* A stream's server for the entry: its source_id; none: the warehouse's
 * first source's (a stream without it is taken as that), or "-". */
static const char *origin_sid(struct sink *s, const char *sid)
{
	const char *f;
	if (sid && *sid)
		return sid;
	f = ledger_src(&s->L, 0)->src_id;
	return f ? f : "-";
}

static void origin_val(const char *sid, const struct mc_rec *r, char *v, size_t vsz)
{
	const struct mc_str *tb = r->src_table.n ? &r->src_table : &r->table;
	char k[700];
	ledger_table_key(r->db.p, r->db.n, tb->p, tb->n, k, sizeof k);
	snprintf(v, vsz, "%s %s", sid, k);
}

/* Whether entries a (recorded) and b (this stream's) are one source table:
 * one key, and one server (a "-" recorded before the first source was
 * named is that source). */
static int origin_same(struct sink *s, const char *a, const char *b)
{
	const char *ak = strchr(a, ' '), *bk = strchr(b, ' '), *f;
	size_t al, bl;
	if (!ak || !bk || strcmp(ak, bk) != 0)
		return 0;
	al = (size_t)(ak - a);
	bl = (size_t)(bk - b);
	if (al == bl && memcmp(a, b, al) == 0)
		return 1;
	f = ledger_src(&s->L, 0)->src_id;
	return al == 1 && a[0] == '-' && (!f || (strlen(f) == bl && memcmp(f, b, bl) == 0));
}

/* The table of a key for a message: "DB.TABLE" from "table.DB.TABLE". */
static const char *origin_show(const char *v)
{
	const char *k = strchr(v, ' ');
	k = k ? k + 1 : v;
	return strncmp(k, LEDGER_K_TABLE, sizeof LEDGER_K_TABLE - 1) == 0
		       ? k + sizeof LEDGER_K_TABLE - 1 : k;
}

static int origin_check(struct sink *s, const char *sid, const struct mc_rec *r, const char *name,
			int record, struct mc_err *err)
{
	char v[800];
	const char *had, *sp;
	const struct mc_str *tb = r->src_table.n ? &r->src_table : &r->table;
	sid = origin_sid(s, sid);
	origin_val(sid, r, v, sizeof v);
	if (!(had = ledger_srctab_get(&s->L, name)))
		return record ? ledger_srctab_set(&s->L, name, v, err) : 0;
	if (origin_same(s, had, v))
		return 0;
	sp = strchr(had, ' ');
	return mc_errf(err, MC_EXIT_DATA,
		       "'%.*s.%.*s' of server_id %s would be written as '%s', which holds '%s' of "
		       "server_id %.*s (ledger key '" LEDGER_K_SRCTAB "%s'): the two source tables' "
		       "rows would mix in one table (the second's snapshot dropped as committed, its "
		       "changes applied to the first's rows); give it another name with a names "
		       "rule of mc-transform (for another server, in the rules file of its streams; "
		       "for the same server, replaying its saved streams into a new warehouse: "
		       "pipelines/replay.sh --fresh), or load it into another warehouse",
		       (int)r->db.n, r->db.p, (int)tb->n, tb->p, sid, name, origin_show(had),
		       sp ? (int)(sp - had) : 1, sp ? had : "-", name);
}

int sink_ddl_origin(struct sink *s, const char *sid, int dest_names, const struct mc_rec *r,
		    const char *name, struct mc_err *err)
{
	char v[800], k[800], p[64];
	const char *had, *sp;
	const struct mc_str *tb = r->src_table.n ? &r->src_table : &r->table;
	if (name[0] == '=' || !(had = ledger_srctab_get(&s->L, name)))
		return 0;
	sid = origin_sid(s, sid);
	origin_val(sid, r, v, sizeof v);
	if (origin_same(s, had, v))
		return 0;
	sp = strchr(had, ' ');
	if (!r->src_table.n && dest_names && sp) {
		/* an older mc-transform's record: its source table is not
		 * known, its server is */
		snprintf(k, sizeof k, "%s%s", sid, sp);
		if (origin_same(s, had, k))
			return 0;
	}
	pos_format(&r->pos, p, sizeof p);
	return mc_errf(err, MC_EXIT_DATA,
		       "position %s: '%.*s' (effect %s) of '%.*s.%.*s' of server_id %s would be kept %s "
		       "'%s', which holds '%s' of server_id %.*s (ledger key '"
		       LEDGER_K_SRCTAB "%s'): the merge would take it for that table's%s; give it "
		       "another name with a names rule of mc-transform (for another server, in the "
		       "rules file of its streams; for the same server, replaying its saved streams "
		       "into a new warehouse: pipelines/replay.sh --fresh), or load it into another "
		       "warehouse",
		       p, (int)(r->sql.n > 200 ? 200 : r->sql.n), r->sql.p,
		       rec_ddl_effect_name(r->effect), (int)r->db.n, r->db.p, (int)tb->n, tb->p, sid,
		       r->effect == MC_DDL_ALTER ? "in the schema history of" : "as a marker of", name,
		       origin_show(had), sp ? (int)(sp - had) : 1, sp ? had : "-", name,
		       r->effect == MC_DDL_ALTER ? "" : " (a DROP + CREATE or a TRUNCATE empties it)");
}

int sink_tab_origin(struct sink *s, const struct rio_reader *rd, const struct sink_tab *t,
		    const struct mc_rec *r, struct mc_err *err)
{
	const struct mc_ledger *l;
	if (s->mdest || t->merge)
		return 0; /* a merge destination holds several (shard.c) */
	l = ledger_src(&s->L, s->src);
	if (origin_check(s, l->src_id, r, t->name, 1, err) < 0)
		return mc_errctx(err, "record %llu: ", (unsigned long long)rd->recno);
	return 0;
}

int sink_schema_keep(struct sink_tab *t, const struct mc_rec *r, struct mc_err *err)
{
	struct mc_rec c = *r;
	c.src_table.n = 0; /* the warehouse's files name the table by its own name */
	return schema_copy_set(&t->schema, &c, err);
}
