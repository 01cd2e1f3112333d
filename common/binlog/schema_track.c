/* schema_track.c: table maps to schema records, with what --schema and
 * the binlog's DDL say of their columns (schema_track.h). */
#include "binlog/schema_track.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/charset.h"
#include "stream/mctype.h"
#include "stream/recio.h"

void st_init(struct schema_track *s)
{
	memset(s, 0, sizeof *s);
}

void st_free(struct schema_track *s)
{
	for (size_t i = 0; i < s->nknown; i++) {
		free(s->known[i].db);
		free(s->known[i].table);
		ddl_cols_free(&s->known[i].cols);
	}
	free(s->known);
	for (size_t i = 0; i < s->ndbcs; i++)
		free(s->dbcs[i].db);
	free(s->dbcs);
	for (size_t i = 0; i < s->ntabs; i++) {
		free(s->tabs[i].key);
		buf_free(&s->tabs[i].sig);
		buf_free(&s->tabs[i].def);
		ddl_cols_free(&s->tabs[i].seed);
	}
	free(s->tabs);
	buf_free(&s->colbuf);
	s->known = NULL;
	s->dbcs = NULL;
	s->tabs = NULL;
	s->nknown = s->ndbcs = s->ntabs = 0;
}

static void *alloc0(size_t n)
{
	return calloc(n ? n : 1, 1);
}

/* A new known entry for db.table at pos, its column list empty. */
static struct st_known *known_new(struct schema_track *s, struct mc_str db, struct mc_str table,
				  const struct mc_pos *pos)
{
	struct st_known *k;
	char *d = mc_strndup(db.p, db.n), *t = mc_strndup(table.p, table.n);
	if (!d || !t || mc_push(&s->known, &s->nknown, &s->cknown, sizeof *s->known) < 0) {
		free(d);
		free(t);
		return NULL;
	}
	k = &s->known[s->nknown - 1];
	k->db = d;
	k->table = t;
	k->pos = *pos;
	return k;
}

/* DDL_INET6, DDL_UUID, DDL_INET4 of a schema record's type text. */
static uint8_t fbt_of(struct mc_str t)
{
	return t.n == 5 && memcmp(t.p, "inet6", 5) == 0	  ? DDL_INET6
	       : t.n == 4 && memcmp(t.p, "uuid", 4) == 0  ? DDL_UUID
	       : t.n == 5 && memcmp(t.p, "inet4", 5) == 0 ? DDL_INET4
							  : 0;
}

/* ddl_cols.lab of a schema record's type text t: the labels when it is
 * an ENUM or SET that has them, "=" before them (as the server holds them:
 * mc-snapshot and the table maps give them so), "!WHY" when it has none
 * ("enum()", from table maps without labels), NULL for other types. 0,
 * -1 out of memory. */
static int lab_of(struct mc_str t, char **lab)
{
	struct mc_labels l;
	*lab = NULL;
	if (!(t.n >= 5 && strncasecmp(t.p, "enum(", 5) == 0) &&
	    !(t.n >= 4 && strncasecmp(t.p, "set(", 4) == 0))
		return 0;
	if (mc_labels_parse(t.p, t.n, 0, &l) == 0) {
		mc_labels_free(&l);
		if ((*lab = malloc(t.n + 2))) {
			(*lab)[0] = '=';
			memcpy(*lab + 1, t.p, t.n);
			(*lab)[t.n + 1] = 0;
		}
	} else {
		char why[200];
		snprintf(why, sizeof why, "!the schema record's type text '%.*s' holds no labels (a "
			 "stream written from table maps without them)", (int)(t.n > 64 ? 64 : t.n),
			 t.p);
		*lab = mc_strdup(why);
	}
	return *lab ? 0 : -1;
}

/* The column list of schema record rec (names, UNSIGNED, INVISIBLE,
 * GENERATED, temporal kinds, INET6/UUID/INET4, ENUM/SET labels, key) into
 * c (zeroed first); -1 when out of memory (c freed). */
static int cols_from_rec(const struct mc_rec *rec, struct ddl_cols *c)
{
	memset(c, 0, sizeof *c);
	c->names = alloc0(rec->ncols * sizeof *c->names);
	c->uns = alloc0(rec->ncols * sizeof *c->uns);
	c->key = alloc0(rec->nkey * sizeof *c->key);
	c->lab = alloc0(rec->ncols * sizeof *c->lab);
	if (!c->names || !c->uns || !c->key || !c->lab)
		goto oom;
	c->n = (uint32_t)rec->ncols;
	for (size_t i = 0; i < rec->ncols; i++) {
		if (!(c->names[i] = mc_strndup(rec->cols[i].name.p, rec->cols[i].name.n)) ||
		    lab_of(rec->cols[i].mysql_type, &c->lab[i]) < 0)
			goto oom;
		c->uns[i] = (uint16_t)(((rec->cols[i].flags & MC_CF_UNSIGNED) ? DDL_UNSIGNED : 0) |
				       ((rec->cols[i].flags & MC_CF_INVISIBLE) ? DDL_INVISIBLE : 0) |
				       ((rec->cols[i].flags & MC_CF_GENERATED) ? DDL_GENERATED : 0) |
				       ddl_temporal(rec->cols[i].mysql_type.p,
						    rec->cols[i].mysql_type.n) |
				       fbt_of(rec->cols[i].mysql_type));
	}
	c->nkey = (uint32_t)rec->nkey;
	if (rec->nkey) /* (a keyless table's key is NULL) */
		memcpy(c->key, rec->key, rec->nkey * sizeof *c->key);
	return 0;
oom:
	ddl_cols_free(c);
	return -1;
}

int st_load(struct schema_track *s, const char *path, struct mc_err *err)
{
	struct rio_reader r;
	struct mc_rec rec;
	int fd = open(path, O_RDONLY), rc;
	if (fd < 0) {
		mc_errf(err, MC_EXIT_USAGE, "'%s': %s", path, strerror(errno));
		return -1;
	}
	rio_init(&r, fd, RIO_AUTO);
	while ((rc = rio_next(&r, &rec, err)) == 1) {
		struct st_known *k;
		if (rec.kind != MC_R_SCHEMA || (rec.schema_flags & MC_SF_NAMES_BY_INDEX))
			continue;
		if (!(k = known_new(s, rec.db, rec.table, &rec.pos)))
			goto oom;
		if (cols_from_rec(&rec, &k->cols) < 0)
			goto oom;
		k->key_flags = rec.schema_flags & (MC_SF_KEY_UNIQUE | MC_SF_KEY_DECLARED);
	}
	rio_close(&r);
	close(fd);
	if (rc < 0) {
		mc_errctx(err, "'%s': ", path);
		err->code = MC_EXIT_USAGE;
		return -1;
	}
	return 0;
oom:
	rio_close(&r);
	close(fd);
	return mc_oom(err, "--schema");
}

static int str_is(const char *s, struct mc_str m)
{
	return strlen(s) == m.n && memcmp(s, m.p, m.n) == 0;
}

/* The column list of db.table in force at pos: the entry with the highest
 * position at or before pos (strictly before when `before`); of entries at
 * the same position, the last one. */
static long find_known_at(const struct schema_track *s, struct mc_str db, struct mc_str table,
			  const struct mc_pos *pos, int before)
{
	long best = -1;
	for (size_t i = 0; i < s->nknown; i++) {
		const struct st_known *k = &s->known[i];
		int c;
		if (!str_is(k->db, db) || !str_is(k->table, table))
			continue;
		c = pos_cmp(&k->pos, pos);
		if (c > 0 || (before && c == 0))
			continue;
		if (best < 0 || pos_cmp(&k->pos, &s->known[best].pos) >= 0)
			best = (long)i;
	}
	return best;
}

long st_find_known(const struct schema_track *s, const struct bl_table *t,
		   const struct mc_pos *pos)
{
	long best = find_known_at(s, t->db, t->name, pos, 0);
	if (best >= 0 && s->known[best].cols.n != t->ncols)
		return -1;
	return best;
}

int st_add_known(struct schema_track *s, struct mc_str db, struct mc_str table,
		 const struct mc_pos *pos, struct ddl_cols *cols, struct mc_err *err)
{
	struct st_known *k = known_new(s, db, table, pos);
	if (!k) {
		if (cols)
			ddl_cols_free(cols);
		return mc_oom(err, "schema tracking");
	}
	if (cols) {
		k->cols = *cols;
		memset(cols, 0, sizeof *cols);
	}
	return 0;
}

static int copy_cols(const struct ddl_cols *in, struct ddl_cols *out)
{
	int oom = 0;
	memset(out, 0, sizeof *out);
	out->lab = ddl_labs_copy(in->lab, in->n, &oom);
	if (oom)
		return -1;
	out->names = alloc0(in->n * sizeof *out->names);
	out->uns = alloc0(in->n * sizeof *out->uns);
	out->cs = alloc0(in->n * sizeof *out->cs);
	out->key = alloc0(in->nkey * sizeof *out->key);
	if (!out->names || !out->uns || !out->cs || !out->key)
		goto oom;
	out->n = in->n;
	for (uint32_t i = 0; i < in->n; i++) {
		if (!(out->names[i] = mc_strdup(in->names[i])))
			goto oom;
		out->uns[i] = in->uns ? in->uns[i] : 0;
		if (in->cs)
			memcpy(out->cs[i], in->cs[i], DDL_CS_LEN);
	}
	memcpy(out->table_cs, in->table_cs, DDL_CS_LEN);
	out->nkey = in->nkey;
	memcpy(out->key, in->key, in->nkey * sizeof *out->key);
	return 0;
oom:
	ddl_cols_free(out);
	return -1;
}

/* A collation id standing for a charset name from DDL, -1 if not one
 * known (base/charset.c). */
static int charset_id(const char *name)
{
	const struct cs_info *cs = cs_by_name(name);
	return cs ? (int)cs_collation(cs) : -1;
}

static int is_text_col(uint8_t type)
{
	switch (type) {
	case BL_T_STRING: case BL_T_VARCHAR: case BL_T_VAR_STRING: case BL_T_BLOB:
	case BL_T_TINY_BLOB: case BL_T_MEDIUM_BLOB: case BL_T_LONG_BLOB:
		return 1;
	}
	return 0;
}

static const char *db_charset(const struct schema_track *s, struct mc_str db)
{
	for (size_t i = s->ndbcs; i-- > 0;)
		if (str_is(s->dbcs[i].db, db))
			return s->dbcs[i].cs;
	return "";
}

/* The seed of db.table (st_table.seed) for an ALTER at pos when no list
 * is known there (base: the entry in force, -1 or one without columns):
 * a map with names read after that entry and before pos, else NULL. */
static const struct ddl_cols *seed_of(const struct schema_track *s, struct mc_str db,
				      struct mc_str tab, long base, const struct mc_pos *pos)
{
	for (size_t i = 0; i < s->ntabs; i++) {
		const struct st_table *ti = &s->tabs[i];
		if (ti->keylen != db.n + 1 + tab.n || memcmp(ti->key, db.p, db.n) != 0 ||
		    ti->key[db.n] != '.' || memcmp(ti->key + db.n + 1, tab.p, tab.n) != 0)
			continue;
		if (!ti->seed.n || pos_cmp(&ti->seed_pos, pos) >= 0 ||
		    (base >= 0 && pos_cmp(&ti->seed_pos, &s->known[base].pos) <= 0))
			return NULL;
		return &ti->seed;
	}
	return NULL;
}

/* db.table has no table of that name from pos on (dropped, renamed away). */
static int gone(struct schema_track *s, struct mc_str db, struct mc_str table,
		const struct mc_pos *pos, struct mc_err *err)
{
	if (st_add_known(s, db, table, pos, NULL, err) < 0)
		return -1;
	s->known[s->nknown - 1].gone = 1;
	return 0;
}

int st_ddl(struct schema_track *s, struct mc_str defdb, struct mc_str sql, int mode,
	   const struct ddl_target *t, const struct mc_pos *pos, struct mc_err *err)
{
	struct mc_str dbn;
	char cs[DDL_CS_LEN], ldb[200], ltab[200];
	if (ddl_database(sql.p, sql.n, &dbn, cs)) {
		struct st_dbcs *d;
		char *name = dbn.n ? mc_strndup(dbn.p, dbn.n) : mc_strndup(defdb.p, defdb.n);
		if (!name || mc_push(&s->dbcs, &s->ndbcs, &s->cdbcs, sizeof *s->dbcs) < 0) {
			free(name);
			return mc_oom(err, "schema tracking");
		}
		d = &s->dbcs[s->ndbcs - 1];
		d->db = name;
		memcpy(d->cs, cs, DDL_CS_LEN);
		return 0;
	}
	long lost = -1;
	for (size_t i = 0; i < t->ntables; i++) {
		struct mc_str db = t->db[i].n ? t->db[i] : defdb, tab = t->table[i];
		struct ddl_cols out;
		const struct ddl_cols *in;
		long base = find_known_at(s, db, tab, pos, 1), at = find_known_at(s, db, tab, pos, 0);
		int rc = 0;
		if (at >= 0 && pos_cmp(&s->known[at].pos, pos) == 0)
			continue; /* --schema says what the table is after this statement */
		switch (t->kind) {
		case DDL_CREATE:
			/* CREATE TABLE IF NOT EXISTS of a table that is there does
			 * nothing; MySQL 8 logs it all the same (MariaDB does not):
			 * its columns are not the table's */
			if (t->if_not_exists && base >= 0 && !s->known[base].gone)
				break;
			if (ddl_create_like(sql.p, sql.n, mode, ldb, sizeof ldb, ltab, sizeof ltab)) {
				/* LIKE: the columns of the table it copies, if known */
				struct mc_str sdb = *ldb ? mc_str_c(ldb, strlen(ldb)) : defdb;
				long sb = find_known_at(s, sdb, mc_str_c(ltab, strlen(ltab)), pos, 1);
				if (sb >= 0 && !s->known[sb].gone && s->known[sb].cols.n) {
					if (copy_cols(&s->known[sb].cols, &out) < 0)
						return mc_oom(err, "schema tracking");
					rc = st_add_known(s, db, tab, pos, &out, err);
				} else {
					rc = st_add_known(s, db, tab, pos, NULL, err);
				}
			} else if (ddl_apply_mode(sql.p, sql.n, NULL, db_charset(s, db), mode, &out) == 0)
				rc = st_add_known(s, db, tab, pos, &out, err);
			else
				rc = st_add_known(s, db, tab, pos, NULL, err);
			break;
		case DDL_ALTER:
			in = base >= 0 && s->known[base].cols.n ? &s->known[base].cols
								: seed_of(s, db, tab, base, pos);
			if (base < 0 && !in)
				break; /* never known: still unknown */
			if (in && ddl_apply_mode(sql.p, sql.n, in, "", mode, &out) == 0) {
				if (t->renamed) {
					rc = st_add_known(s, t->new_db[0].n ? t->new_db[0] : defdb,
							  t->new_table[0], pos, &out, err);
					if (rc == 0)
						rc = gone(s, db, tab, pos, err);
				} else {
					rc = st_add_known(s, db, tab, pos, &out, err);
				}
			} else {
				rc = st_add_known(s, db, tab, pos, NULL, err);
				if (rc == 0 && in && lost < 0)
					lost = (long)i; /* a list known, not followed */
			}
			break;
		case DDL_DROP:
			if (base >= 0)
				rc = gone(s, db, tab, pos, err);
			break;
		case DDL_RENAME:
			if (base >= 0 && s->known[base].cols.n) {
				if (copy_cols(&s->known[base].cols, &out) < 0)
					return mc_oom(err, "schema tracking");
				rc = st_add_known(s, t->new_db[i].n ? t->new_db[i] : defdb,
						  t->new_table[i], pos, &out, err);
			}
			if (rc == 0 && base >= 0)
				rc = gone(s, db, tab, pos, err);
			break;
		default:
			break; /* TRUNCATE: the columns stay */
		}
		/* a table made of a partition: as its table's was, but that is
		 * not followed here (unknown, not another table's of that name) */
		if (rc == 0 && t->kind == DDL_ALTER && t->converted)
			rc = st_add_known(s, t->new_db[0].n ? t->new_db[0] : defdb, t->new_table[0],
					  pos, NULL, err);
		/* a table made a partition of this one: gone */
		if (rc == 0 && t->kind == DDL_ALTER && t->absorbed) {
			struct mc_str odb = t->other_db.n ? t->other_db : defdb;
			if (find_known_at(s, odb, t->other_table, pos, 1) >= 0)
				rc = gone(s, odb, t->other_table, pos, err);
		}
		if (rc < 0)
			return -1;
	}
	return lost < 0 ? 0 : (int)lost + 1;
}

int st_case_clash(const struct schema_track *s, struct mc_str db, struct mc_str tab)
{
	int other = 0;
	for (size_t i = 0; i < s->ntabs; i++) {
		const struct st_table *ti = &s->tabs[i];
		if (ti->keylen != db.n + 1 + tab.n || ti->key[db.n] != '.' ||
		    strncasecmp(ti->key, db.p, db.n) || strncasecmp(ti->key + db.n + 1, tab.p, tab.n))
			continue;
		if (!memcmp(ti->key, db.p, db.n) && !memcmp(ti->key + db.n + 1, tab.p, tab.n))
			return 0; /* that very name */
		other = 1;
	}
	for (size_t i = 0; i < s->nknown; i++) {
		const struct st_known *k = &s->known[i];
		if (strlen(k->db) != db.n || strlen(k->table) != tab.n ||
		    strncasecmp(k->db, db.p, db.n) || strncasecmp(k->table, tab.p, tab.n))
			continue;
		if (!memcmp(k->db, db.p, db.n) && !memcmp(k->table, tab.p, tab.n))
			return 0;
		other = 1;
	}
	return other;
}

static int key_selected(const struct schema_track *s, const char *key)
{
	return !s->re || regexec(s->re, key, 0, NULL, 0) == 0;
}

int st_selected(const struct schema_track *s, struct mc_str db, struct mc_str table)
{
	char key[600];
	if (!s->re)
		return 1;
	snprintf(key, sizeof key, "%.*s.%.*s", (int)db.n, db.p, (int)table.n, table.p);
	return key_selected(s, key);
}

int st_table(struct schema_track *s, struct bl_table *t, struct st_table **out,
	     struct mc_err *err)
{
	char key[600];
	int n;
	struct st_table *ti;
	char *k;
	if (t->user) {
		*out = &s->tabs[(uintptr_t)t->user - 1];
		return 0;
	}
	n = snprintf(key, sizeof key, "%.*s.%.*s", (int)t->db.n, t->db.p, (int)t->name.n,
		     t->name.p);
	for (size_t i = 0; i < s->ntabs; i++)
		if (s->tabs[i].keylen == (size_t)n && memcmp(s->tabs[i].key, key, (size_t)n) == 0) {
			t->user = (void *)(uintptr_t)(i + 1);
			*out = &s->tabs[i];
			return 0;
		}
	if (!(k = mc_strdup(key)) || mc_push(&s->tabs, &s->ntabs, &s->ctabs, sizeof *s->tabs) < 0) {
		free(k);
		return mc_oom(err, "schema tracking");
	}
	ti = &s->tabs[s->ntabs - 1];
	ti->key = k;
	ti->keylen = (size_t)n;
	t->user = (void *)(uintptr_t)s->ntabs;
	ti->known = -1;
	ti->selected = key_selected(s, key);
	*out = ti;
	return 0;
}

/* The INVISIBLE and GENERATED flags (MC_CF_*) of column i from what is
 * known of the table (DDL followed, --schema), which a MariaDB table map
 * does not carry; 0 when nothing is known. */
static uint32_t known_flags(const struct st_known *kf, uint32_t i)
{
	if (!kf || !kf->cols.uns)
		return 0;
	return ((kf->cols.uns[i] & DDL_INVISIBLE) ? MC_CF_INVISIBLE : 0) |
	       ((kf->cols.uns[i] & DDL_GENERATED) ? MC_CF_GENERATED : 0);
}

/* The known entry kn when it describes map t's columns (the same count,
 * and the same names when the map has names), else NULL. */
static const struct st_known *known_same(const struct schema_track *s, const struct bl_table *t,
					 long kn)
{
	const struct st_known *k = kn >= 0 ? &s->known[kn] : NULL;
	if (!k || k->cols.n != t->ncols)
		return NULL;
	for (uint32_t i = 0; t->has_names && i < t->ncols; i++)
		if (!str_is(k->cols.names[i], t->cols[i].name))
			return NULL;
	return k;
}

int st_temporal(const struct schema_track *s, struct bl_table *t, const struct mc_pos *pos)
{
	const struct st_known *k = NULL;
	int unknown = 0;
	for (uint32_t i = 0; i < t->ncols; i++) {
		struct bl_col *c = &t->cols[i];
		unsigned want = c->type == BL_T_TIME ? DDL_T_TIME
				: c->type == BL_T_DATETIME ? DDL_T_DATETIME : DDL_T_TIMESTAMP;
		if (!c->dec_ext)
			continue;
		if (!k && s->nknown)
			k = known_same(s, t, st_find_known(s, t, pos));
		c->dec_known = 0;
		c->meta = 0;
		if (k && k->cols.uns && DDL_TKIND(k->cols.uns[i]) == want) {
			c->meta = (uint16_t)DDL_TDEC(k->cols.uns[i]);
			c->dec_known = 1;
		}
		unknown += !c->dec_known;
	}
	return unknown; /* plans are not changed: temporals have none */
}

static int has_any_charset(const struct bl_table *t)
{
	for (uint32_t i = 0; i < t->ncols; i++)
		if (t->cols[i].has_charset)
			return 1;
	return 0;
}

/* Without SIGNEDNESS metadata, UNSIGNED from the DDL or --schema (the
 * rows decoded after this map use it); without charset metadata, the
 * charset (or binary) from them. */
static void apply_known(struct bl_table *t, const struct st_known *k)
{
	for (uint32_t i = 0; !t->has_signedness && k->cols.uns && k->cols.n == t->ncols &&
			     i < t->ncols; i++) {
		uint8_t u = (k->cols.uns[i] & DDL_UNSIGNED) != 0;
		if (t->cols[i].is_unsigned != u || (t->cols[i].guess & BL_GUESS_SIGN))
			t->plan_ok = 0;
		t->cols[i].is_unsigned = u;
		t->cols[i].guess &= (uint8_t)~BL_GUESS_SIGN;
	}
	for (uint32_t i = 0; k->cols.cs && k->cols.n == t->ncols && i < t->ncols; i++) {
		struct bl_col *c = &t->cols[i];
		int id = charset_id(k->cols.cs[i]);
		if (c->has_charset || id < 0 || !is_text_col(c->type))
			continue;
		c->has_charset = 1;
		c->charset = (uint16_t)id;
		bl_col_setup(c);
		t->plan_ok = 0;
	}
}

void st_fill(const struct schema_track *s, struct bl_table *t, const struct mc_pos *pos)
{
	if (!s->nknown || s->names_from_binlog)
		return;
	long kn = st_find_known(s, t, pos);
	if (kn < 0)
		return;
	apply_known(t, &s->known[kn]);
}

int st_schema(struct schema_track *s, struct bl_table *t, struct st_table *ti,
	      const struct mc_pos *pos, uint32_t when, struct mc_rec *r, struct mc_err *err)
{
	struct mc_buf sig = { 0 };
	size_t *off;
	char tmp[64];
	long kn = -1;
	const struct st_known *k = NULL;
	uint32_t npk, *pk, kflags = 0;
	struct mc_buf *cb = &s->colbuf;
	int rc = 0;

	const struct st_known *kf = NULL;
	if (s->nknown && !s->names_from_binlog) {
		kn = st_find_known(s, t, pos);
		kf = known_same(s, t, kn);
		if (!t->has_names || !t->has_signedness || !has_any_charset(t))
			k = kn >= 0 ? &s->known[kn] : NULL;
	}
	if (k)
		apply_known(t, k);
	/* INET6, UUID, INET4 (BINARY in the map) from the DDL or --schema */
	for (uint32_t i = 0; kf && kf->cols.uns && i < t->ncols; i++)
		if (kf->cols.uns[i] & DDL_FBT) {
			uint8_t was = t->cols[i].conv;
			bl_col_fbt(&t->cols[i], (kf->cols.uns[i] & DDL_FBT) >> 3);
			if (t->cols[i].conv != was)
				t->plan_ok = 0;
		}
	if (k && t->has_names)
		k = NULL; /* names from the map itself */
	/* The same definition bytes as last time: nothing changed (fast path). */
	if (ti->version && ti->known == kn && ti->def.len == t->raw_len - t->def_off &&
	    memcmp(ti->def.p, t->raw + t->def_off, ti->def.len) == 0)
		return 0;
	ti->known = kn;
	ti->def.len = 0;
	if (buf_add(&ti->def, t->raw + t->def_off, t->raw_len - t->def_off) < 0)
		return mc_oom(err, "schema record");
	cb->len = 0;
	if (!(off = calloc(t->ncols * 3 + 1, sizeof *off)))
		return mc_oom(err, "schema record");
	for (uint32_t i = 0; i < t->ncols; i++) {
		const struct bl_col *c = &t->cols[i];
		off[3 * i] = cb->len;
		if (t->has_names)
			rc |= buf_add(cb, c->name.p, c->name.n);
		else if (k)
			rc |= buf_adds(cb, k->cols.names[i]);
		else
			rc |= buf_addf(cb, "@%u", i + 1);
		off[3 * i + 1] = cb->len;
		rc |= bl_col_mysql_type(c, cb);
		off[3 * i + 2] = cb->len;
		/* one MySQL -> MaxCompute mapping for every source (mctype.c) */
		rc |= buf_adds(cb, mctype_for(cb->p + off[3 * i + 1], cb->len - off[3 * i + 1], tmp,
					      sizeof tmp));
		rc |= buf_addf(cb, "|%d%d%d%u%d;", c->nullable, c->invisible, c->is_unsigned,
			       known_flags(kf, i), c->has_charset ? c->charset : -1);
	}
	off[3 * t->ncols] = cb->len;
	if (t->npk || !k) {
		npk = t->npk;
		pk = t->pk;
	} else {
		npk = k->cols.nkey;
		pk = k->cols.key;
		kflags = k->key_flags;
	}
	for (uint32_t i = 0; i < npk; i++)
		rc |= buf_addf(cb, "k%u", pk[i]);
	rc |= buf_addf(cb, "f%u", kflags);
	rc |= buf_add(&sig, cb->p, cb->len);
	if (rc < 0) {
		buf_free(&sig);
		free(off);
		return mc_oom(err, "schema record");
	}
	if (ti->version && ti->sig.len == sig.len && memcmp(ti->sig.p, sig.p, sig.len) == 0) {
		buf_free(&sig);
		free(off);
		return 0;
	}
	buf_free(&ti->sig);
	ti->sig = sig;
	ti->version++;
	for (uint32_t i = 0; i < t->ncols; i++) {
		const struct bl_col *c = &t->cols[i];
		const char *b = cb->p;
		size_t e = off[3 * (i + 1)];
		const char *bar = memchr(b + off[3 * i + 2], '|', e - off[3 * i + 2]);
		s->cols[i].name = mc_str_c(b + off[3 * i], off[3 * i + 1] - off[3 * i]);
		s->cols[i].mysql_type = mc_str_c(b + off[3 * i + 1], off[3 * i + 2] - off[3 * i + 1]);
		s->cols[i].mc_type = mc_str_c(b + off[3 * i + 2], (size_t)(bar - (b + off[3 * i + 2])));
		s->cols[i].nullable = c->nullable;
		s->cols[i].flags = (c->invisible ? MC_CF_INVISIBLE : 0) | known_flags(kf, i) |
				   (c->is_unsigned && c->type != BL_T_YEAR ? MC_CF_UNSIGNED : 0);
	}
	for (uint32_t i = 0; i < npk; i++)
		s->key[i] = pk[i] < t->ncols ? pk[i] : 0;
	free(off);
	memset(r, 0, sizeof *r);
	r->kind = MC_R_SCHEMA;
	r->db = t->db;
	r->table = t->name;
	r->schema_version = ti->version;
	r->pos = *pos;
	r->time = when;
	r->schema_flags = (t->has_names || k ? 0 : MC_SF_NAMES_BY_INDEX) | kflags;
	r->ncols = t->ncols;
	r->cols = s->cols;
	r->nkey = npk;
	r->key = s->key;
	/* a map with names: where no list is known, an ALTER starts from it */
	ddl_cols_free(&ti->seed);
	if (t->has_names && !kf && cols_from_rec(r, &ti->seed) < 0)
		return mc_oom(err, "schema record");
	ti->seed_pos = *pos;
	return 1;
}

/* Label k of column c (UTF-8 l, as a statement wrote it) as the server
 * holds it: into its charset cs and back (cs_label_utf8, the FULL maps'
 * check), into out; 1 with what when it does not come back the same.
 * exact: l is the server's already (a schema record's). */
static int label_exact(struct cs_set *css, const struct cs_info *cs, const struct bl_col *c,
		       uint32_t k, struct mc_str l, int exact, struct mc_buf *out, char *what,
		       size_t whatsz, struct mc_err *err)
{
	const char *kind = c->type == BL_T_SET ? "SET" : "ENUM";
	struct mc_buf b = { 0 };
	char why[200];
	size_t bad = 0;
	int rc = 0;
	out->len = 0;
	if (exact)
		return buf_add(out, l.p, l.n) < 0 ? mc_oom(err, "a column's labels") : 0;
	if (!cs) {
		for (size_t j = 0; j < l.n; j++)
			if ((unsigned char)l.p[j] >= 0x80) {
				snprintf(what, whatsz, "%s label %u ('%.*s') is not ASCII and the column's "
					 "charset is not known", kind, k + 1, (int)(l.n > 64 ? 64 : l.n), l.p);
				return 1;
			}
		return buf_add(out, l.p, l.n) < 0 ? mc_oom(err, "a column's labels") : 0;
	}
	if ((rc = cs_from_utf8(cs, l.p, l.n, &b, &bad, err)) == -2)
		snprintf(what, whatsz, "%s label %u ('%.*s') has no form in the column's charset %s "
			 "(at byte %zu): the server keeps another text", kind, k + 1,
			 (int)(l.n > 64 ? 64 : l.n), l.p, cs->name, bad);
	else if (rc == 0 && (rc = cs_label_utf8(css, cs, b.p, b.len, out, why, sizeof why,
						  err)) == -2)
		snprintf(what, whatsz, "%s label %u %s", kind, k + 1, why);
	else if (rc == 0 && (out->len != l.n || memcmp(out->p, l.p, l.n) != 0)) {
		snprintf(what, whatsz, "%s label %u ('%.*s') is another text in the column's charset "
			 "%s", kind, k + 1, (int)(l.n > 64 ? 64 : l.n), l.p, cs->name);
		rc = -2;
	}
	buf_free(&b);
	return rc == -2 ? 1 : rc;
}

/* Why the labels of column i of map t are not known from k (the entry in
 * force, NULL: none matches the map; kn: the table's entry at pos, any
 * column count), into what; else 0 with l parsed. */
static int lab_known(const struct schema_track *s, const struct bl_table *t, long kn,
		     const struct st_known *k, uint32_t i, struct mc_labels *l, char *what,
		     size_t whatsz)
{
	const struct bl_col *c = &t->cols[i];
	const char *lab = k && k->cols.lab ? k->cols.lab[i] : NULL;
	lab += lab && lab[0] == '=';
	unsigned nb = c->meta & 0xff, want;
	memset(l, 0, sizeof *l);
	if (kn < 0)
		snprintf(what, whatsz, "no schema of the table is known here (no --schema record "
			 "of it before, no CREATE TABLE of it read since)");
	else if (!s->known[kn].cols.n)
		snprintf(what, whatsz, "the table's columns are not known here (a DDL statement of "
			 "it was not followed)");
	else if (!k)
		snprintf(what, whatsz, "the schema known here has %u columns, the table map %u",
			 s->known[kn].cols.n, t->ncols);
	else if (!lab)
		snprintf(what, whatsz, "the schema known here does not give it as an ENUM or SET");
	else if (lab[0] == '!')
		snprintf(what, whatsz, "%s", lab + 1);
	else if (mc_labels_parse(lab, strlen(lab), 0, l) < 0)
		snprintf(what, whatsz, "the schema known here gives it as '%.64s'", lab);
	else if (l->is_set != (c->type == BL_T_SET))
		snprintf(what, whatsz, "the schema known here gives it as '%.64s'", lab);
	else if (want = c->type == BL_T_SET ? ((l->n + 7) / 8 > 4 ? 8 : (l->n + 7) / 8)
					  : l->n < 256 ? 1 : 2, want != nb)
		snprintf(what, whatsz, "the %u labels known (%.64s) do not fit the table map's "
			 "values of %u bytes: the table changed in a way not followed", l->n, lab, nb);
	else
		return 0;
	mc_labels_free(l);
	return 1;
}

int st_labels(const struct schema_track *s, struct bl_table *t, struct cs_set *css,
	      const struct mc_pos *pos, char *why, size_t whysz, struct mc_err *err)
{
	const struct st_known *k;
	struct mc_buf text = { 0 }, one = { 0 };
	struct mc_str *v = NULL;
	size_t nv = 0, cv = 0, *at = NULL, cat = 0;
	long kn;
	int rc = 0, some = 0;
	char what[400];
	if (t->has_labels)
		return 0;
	/* the map seen again under the same knowledge: its labels as they were
	 * set (a column the server gave them to live keeps them) */
	kn = find_known_at(s, t->db, t->name, pos, 0);
	if (t->labels_tag == (uint64_t)(kn + 2) << 1)
		return 0;
	for (uint32_t i = 0; i < t->ncols; i++)
		if (t->cols[i].type == BL_T_ENUM || t->cols[i].type == BL_T_SET) {
			some = 1;
			t->cols[i].nlabels = 0;
			t->cols[i].labels = NULL;
		}
	free(t->labels);
	t->labels = NULL;
	if (!some) {
		t->labels_tag = (uint64_t)(kn + 2) << 1;
		return 0;
	}
	k = known_same(s, t, kn);
	for (uint32_t i = 0; i < t->ncols && rc >= 0; i++) {
		struct bl_col *c = &t->cols[i];
		const struct cs_info *cs = c->has_charset ? cs_by_collation(c->charset)
				       : k && k->cols.cs && k->cols.cs[i][0] ? cs_by_name(k->cols.cs[i])
									    : NULL;
		struct mc_labels l;
		size_t first = nv;
		int bad = 0;
		if (c->type != BL_T_ENUM && c->type != BL_T_SET)
			continue;
		if (lab_known(s, t, kn, k, i, &l, what, sizeof what))
			bad = 1;
		for (uint32_t j = 0; !bad && j < l.n; j++) {
			int lr = label_exact(css, cs, c, j, l.v[j], k->cols.lab[i][0] == '=', &one,
					     what, sizeof what, err);
			if (lr < 0 || mc_grow(&at, &cat, nv + 1, sizeof *at) < 0 ||
			    mc_grow(&v, &cv, nv + 1, sizeof *v) < 0 ||
			    buf_add(&text, one.p ? one.p : "", one.len) < 0) {
				rc = lr < 0 ? -1 : mc_oom(err, "a column's labels");
				break;
			}
			bad = lr;
			at[nv] = text.len - one.len;
			v[nv++] = mc_str_c(NULL, one.len);
		}
		mc_labels_free(&l);
		if (!bad && rc == 0) {
			c->nlabels = (uint32_t)(nv - first);
			c->labels = (struct mc_str *)(uintptr_t)first; /* made pointers below */
			continue;
		}
		nv = first;
		if (rc == 0 && some != 2) {
			char where[256];
			bl_col_where(where, sizeof where, t, i, k ? k->cols.names[i] : NULL);
			snprintf(why, whysz, "%s: %s", where, what);
			some = 2;
		}
	}
	if (rc == 0 && nv) {
		/* one block, freed with t->labels: the array, then the text */
		struct mc_str *l = malloc(nv * sizeof *l + text.len);
		if (!l) {
			rc = mc_oom(err, "a column's labels");
		} else {
			char *p = (char *)(l + nv);
			memcpy(p, text.p, text.len);
			for (size_t j = 0; j < nv; j++)
				l[j] = mc_str_c(p + at[j], v[j].n);
			t->labels = l;
			for (uint32_t i = 0; i < t->ncols; i++)
				if (t->cols[i].nlabels)
					t->cols[i].labels = l + (uintptr_t)t->cols[i].labels;
		}
	}
	if (rc < 0)
		for (uint32_t i = 0; i < t->ncols; i++)
			if (t->cols[i].type == BL_T_ENUM || t->cols[i].type == BL_T_SET) {
				t->cols[i].nlabels = 0;
				t->cols[i].labels = NULL;
			}
	buf_free(&text);
	buf_free(&one);
	free(v);
	free(at);
	t->labels_tag = rc < 0 ? 0 : (uint64_t)(kn + 2) << 1 | (some == 2);
	return rc < 0 ? -1 : some == 2;
}
