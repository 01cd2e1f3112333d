/* ddl.c: DDL records in the sink. Those that replace the rows of a table
 * the warehouse holds (TRUNCATE, DROP, CREATE, RENAME of it or onto its
 * name) are kept in its log at their position (docs/merge.md "DDL"); a
 * DROP DATABASE is a DROP of each table of that database the warehouse
 * holds; an ALTER TABLE goes to the table's schema history (hist.c). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/charset.h"
#include "sink/sink_int.h"

static int keep(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		struct sink_tab *t, int check, struct mc_err *err);
static int drop_db(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		   const char *name, unsigned long long recno, const char *dry, struct mc_err *err);
static int lower_held(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		      struct mc_err *err);

int sink_ddl_replaces(enum mc_ddl_effect e)
{
	return e == MC_DDL_TRUNCATE || e == MC_DDL_DROP || e == MC_DDL_CREATE ||
	       e == MC_DDL_RENAME_FROM || e == MC_DDL_RENAME_TO;
}

static int ddl_refuse(const struct rio_reader *rd, const struct mc_rec *r, const char *why,
		      const char *todo, struct mc_err *err)
{
	char p[64];
	pos_format(&r->pos, p, sizeof p);
	return mc_errf(err, MC_EXIT_DATA, "record %llu: position %s: '%.*s' %s: %s",
		       (unsigned long long)rd->recno, p, (int)(r->sql.n > 200 ? 200 : r->sql.n),
		       r->sql.p, why, todo);
}

/* An accepted DDL record: one that replaces the rows of a table the
 * warehouse holds (TRUNCATE, DROP, CREATE, RENAME of it or onto its
 * name) goes into the table's log partition at its position, counted as
 * a change, for mc-merge to apply or refuse (docs/merge.md "DDL"). */
int sink_on_ddl(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		struct mc_err *err)
{
	struct sink_tab *t;
	char nk[700], db[256];
	/* a record without its effect (an older tail): refused when it
	 * looks like one that replaces a table the warehouse holds */
	int unmarked = r->effect == MC_DDL_UNKNOWN &&
		       (sink_sql_starts(r->sql, "TRUNCATE") || sink_sql_starts(r->sql, "DROP") ||
			sink_sql_starts(r->sql, "RENAME") || sink_sql_starts(r->sql, "CREATE"));

	if (r->effect == MC_DDL_ALTER && r->table.n) {
		ledger_name_key(r->db.p, r->db.n, r->table.p, r->table.n, nk, sizeof nk);
		if (!s->lctn_known && !ledger_name_get(&s->L, nk) && lower_held(s, rd, r, err) < 0)
			return -1;
		if (s->o.upsert)
			return sink_ups_alter(s, rd, r, err);
		return sink_hist_ddl(s, r, err) < 0
			       ? mc_errctx(err, "record %llu: ", (unsigned long long)rd->recno) : 0;
	}
	/* DROP DATABASE: a DROP of each table of it the warehouse holds (its
	 * record has no table; its effect is other, none from an older
	 * tail: whatever it says, the statement decides) */
	if (!r->table.n && mc_sql_drop_database(r->sql, db, sizeof db))
		return drop_db(s, rd, r, db, (unsigned long long)rd->recno, NULL, err);
	if (!unmarked && !sink_ddl_replaces(r->effect))
		return 0;
	if (!r->table.n) {
		if (unmarked)
			return 0;
		return ddl_refuse(rd, r, "names more tables than mcsync follows (64)",
				  "split the statement, or load a new snapshot of its tables", err);
	}
	ledger_name_key(r->db.p, r->db.n, r->table.p, r->table.n, nk, sizeof nk);
	if (!(t = sink_tab_find(s, r, 0, err))) {
		if (!ledger_name_get(&s->L, nk))
			return lower_held(s, rd, r, err); /* a table the warehouse does not hold */
		if (!(t = sink_tab_find(s, r, 1, err)))
			return mc_errctx(err, "record %llu: ", (unsigned long long)rd->recno);
	}
	if (unmarked)
		return ddl_refuse(rd, r, "replaces a table of this warehouse, but its record does "
				  "not say how (a stream of an older mc-binlog-tail)",
				  "write the stream again with this mc-binlog-tail", err);
	return keep(s, rd, r, t, 1, err);
}

/* A statement naming d.TR where the warehouse holds d.tr, from a tail
 * that did not know the server's lower_case_table_names (files without
 * --lower-case-table-names, and no trace of the table in the stream
 * before it: tail_ddl_case): under 1 or 2 it is d.tr (its rows would come
 * back), under 0 another table. Exit 1; else 0 (nothing of it held). */
static int lower_held(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		      struct mc_err *err)
{
	char db[256], tb[256], nk[700], why[800];
	size_t upper;
	if (s->lctn_known || s->dest_names || s->dest_merge || r->db.n >= sizeof db ||
	    r->table.n >= sizeof tb)
		return 0;
	upper = cs_ascii_lower(db, r->db.p, r->db.n) + cs_ascii_lower(tb, r->table.p, r->table.n);
	db[r->db.n] = tb[r->table.n] = 0;
	ledger_name_key(db, r->db.n, tb, r->table.n, nk, sizeof nk);
	if (!upper || !ledger_name_get(&s->L, nk))
		return 0;
	snprintf(why, sizeof why, "names `%.*s`.`%.*s` where the warehouse holds `%s`.`%s`, and "
		 "the stream's mc-binlog-tail did not know the server's lower_case_table_names "
		 "(1 or 2: the same table, whose rows would come back; 0: another)",
		 (int)r->db.n, r->db.p, (int)r->table.n, r->table.p, db, tb);
	return ddl_refuse(rd, r, why, "tail the files again with --lower-case-table-names=N "
			  "(SHOW VARIABLES LIKE 'lower_case_table_names' on the server)", err);
}

/* Record r (table-replacing) of held table t kept in its log partition;
 * check: of the source table and server t holds (a DROP DATABASE's own
 * choice of tables is of them) */
static int keep(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		struct sink_tab *t, int check, struct mc_err *err)
{
	struct sink_pbuf *p;
	struct mc_rec c;
	char part[512];
	/* of the source table and server the warehouse table holds, checked
	 * here, before its marker is kept: a pipe may commit it before that
	 * table's schema record comes, and a DROP or TRUNCATE may have none */
	if (check && !s->mdest && !t->merge &&
	    (sink_ddl_source(s, r, t, err) < 0 ||
	     sink_ddl_origin(s, sink_src(s)->src_id, s->dest_names, r, t->name, err) < 0))
		return mc_errctx(err, "record %llu: ", (unsigned long long)rd->recno);
	if (s->o.upsert)
		return ddl_refuse(rd, r, "replaces the table's rows, which --mode=upsert cannot "
				  "apply to a PK table", "recreate the table and load it again", err);
	if (s->o.route == SINK_ROUTE_BASE)
		return ddl_refuse(rd, r, "replaces the table's rows, which --route=base cannot keep",
				  "route changes to the log table", err);
	sink_part_for(s, t, 1, part, sizeof part);
	if (!(p = t->last_log) || strcmp(p->part, part) != 0) {
		if (!(p = sink_pbuf_get(s, t->name, 1, part, err)))
			return -1;
		t->last_log = p;
	}
	if (t->schema.have && sink_pbuf_schema(s, p, t) < 0)
		return mc_oom(err, "rows");
	c = *r;
	c.src_table.n = 0; /* the warehouse's files name the table by its own name */
	if (sink_pbuf_add_rec(s, p, &c, err) < 0)
		return -1;
	sink_pbuf_note(s, p, r, 1);
	return 0;
}


/* ---- DROP DATABASE ---- */

/* The table field of name key k when it is a table of database db (the
 * key's prefixes pre, plain, and hpre, its hex form): into tb, 1; else 0. */
static int key_of_db(const char *k, const char *pre, const char *hpre, char *tb, size_t tbsz)
{
	size_t n = strlen(pre), o = 0;
	if (pre[0] && strncmp(k, pre, n) == 0) {
		snprintf(tb, tbsz, "%s", k + n);
		return tb[0] != 0;
	}
	n = strlen(hpre);
	if (strncmp(k, hpre, n) != 0)
		return 0;
	for (k += n; k[0] && k[1] && o + 1 < tbsz; k += 2) {
		unsigned v;
		if (sscanf(k, "%2x", &v) != 1)
			return 0;
		tb[o++] = (char)v;
	}
	tb[o] = 0;
	return !k[0] && o > 0;
}

/* Whether warehouse table name holds the changes of another server than
 * the one of source_id sid (a regular file's header, read whole before
 * it is handled: "" the first source's). */
static int other_server(struct sink *s, const char *name, const char *sid)
{
	size_t n;
	const char *id;
	if (!ledger_tsrc_get(&s->L, name, &n))
		return 0;
	id = ledger_src(&s->L, n)->src_id;
	if (!sid[0])
		sid = ledger_src(&s->L, 0)->src_id ? ledger_src(&s->L, 0)->src_id : "";
	return id && sid[0] && strcmp(id, sid) != 0;
}

/* A DROP DATABASE name at r (a ddl record without a table): a DROP (effect
 * drop, the statement's text) of each table of it the warehouse holds of
 * the stream's server, as a DROP TABLE record of it would be, at r's
 * position. Each name key of the ledger is of a source database (the db
 * field, which no rule renames) and table field (the source table's, or
 * mc-transform's destination name): the warehouse tables of the keys of
 * that database. A table merged into one with tables of other databases
 * is refused: its marker would empty the others too. dry (a regular
 * file's scan before anything of it is committed: its header's source_id)
 * only refuses; else NULL. */
static int drop_db(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		   const char *name, unsigned long long recno, const char *dry, struct mc_err *err)
{
	char db[256], pre[300], hpre[600], tb[300], v[256], k2[300];
	size_t dn = strlen(name), o, nk = s->L.names.n;
	int plain = 1;
	/* the server's spelling (the record's db is the database dropped) */
	snprintf(db, sizeof db, "%s", name);
	if (r->db.n == dn && strncasecmp(r->db.p, name, dn) == 0)
		memcpy(db, r->db.p, dn);
	for (size_t i = 0; i < dn && plain; i++)
		plain = (db[i] >= 'a' && db[i] <= 'z') || (db[i] >= '0' && db[i] <= '9') ||
			db[i] == '_' || db[i] == '-';
	pre[0] = 0;
	if (plain)
		snprintf(pre, sizeof pre, LEDGER_K_NAME "%s.", db);
	o = (size_t)snprintf(hpre, sizeof hpre, LEDGER_K_NAME "hex.");
	for (size_t i = 0; i < dn && o + 3 < sizeof hpre; i++)
		o += (size_t)snprintf(hpre + o, sizeof hpre - o, "%02x", (unsigned char)db[i]);
	snprintf(hpre + o, sizeof hpre - o, ".");
	for (size_t i = 0; i < nk; i++) {
		struct sink_tab *t;
		struct mc_rec c;
		size_t src;
		int merge, dup = 0, rc;
		if (!key_of_db(s->L.names.kv[i].k, pre, hpre, tb, sizeof tb))
			continue;
		snprintf(v, sizeof v, "%s", s->L.names.kv[i].v);
		/* another server's table of a database of that name: untouched */
		if (v[0] == '=' || (dry ? other_server(s, v, dry)
				       : ledger_tsrc_get(&s->L, v, &src) &&
						 !ledger_src_same(&s->L, src, s->src)))
			continue;
		merge = sink_merge_dest(s, v);
		for (size_t j = 0; j < nk && merge; j++) {
			if (strcmp(s->L.names.kv[j].v, v) != 0)
				continue;
			if (!key_of_db(s->L.names.kv[j].k, pre, hpre, k2, sizeof k2)) {
				char p[64];
				pos_format(&r->pos, p, sizeof p);
				return mc_errf(err, MC_EXIT_DATA,
					       "record %llu: position %s: '%.*s' drops '%s.%s', one of the "
					       "tables merged into '%s' with tables of other databases "
					       "(ledger key '%s'): a DROP of '%s' would empty theirs too; "
					       "load the merged tables into another warehouse",
					       recno, p,
					       (int)(r->sql.n > 200 ? 200 : r->sql.n), r->sql.p, db, tb, v,
					       s->L.names.kv[j].k, v);
			}
			dup |= j < i; /* one marker per merged table */
		}
		if (dup || dry)
			continue;
		c = *r;
		c.db = mc_str_c(db, dn);
		c.table = mc_str_c(tb, strlen(tb));
		c.src_table.n = 0;
		c.effect = MC_DDL_DROP;
		if (merge) { /* as sink_merge_split makes a record of "DEST/TABLE" */
			s->mdest = v;
			s->mdestn = strlen(v);
			s->mshard = c.table;
			c.table = mc_str_c(v, s->mdestn);
		}
		t = sink_tab_find(s, &c, 1, err);
		rc = t ? keep(s, rd, &c, t, 0, err) : -1;
		s->mdest = NULL;
		if (!t)
			return mc_errctx(err, "record %llu: ", recno);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int sink_dropdb_scan(struct sink *s, const char *sid, const struct mc_rec *r,
		     unsigned long long recno, struct mc_err *err)
{
	char db[256];
	if (r->table.n || !mc_sql_drop_database(r->sql, db, sizeof db))
		return 0;
	return drop_db(s, NULL, r, db, recno, sid, err);
}
