#define _GNU_SOURCE /* strcasestr */
#include "mysql/snap.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stream/mctype.h"
#include "mysql/myconn.h"
#include "mysql/myschema.h"
#include "base/alloc.h"
#include "base/num.h"

/* A copy of s, NULL for NULL (a NULL column of information_schema). */
static char *strdup_or_null(const char *s)
{
	return s ? mc_strdup(s) : NULL;
}

static int add_strlit(MYSQL *m, struct mc_buf *b, const char *s)
{
	size_t n = strlen(s);
	if (buf_grow(b, 2 * n + 3) < 0)
		return -1;
	b->p[b->len++] = '\'';
	b->len += mysql_real_escape_string(m, b->p + b->len, s, (unsigned long)n);
	b->p[b->len++] = '\'';
	return 0;
}

/* ---- tables ---- */

int snap_list_tables(MYSQL *m, struct mc_buf *names, uint64_t **est, size_t *count,
		     struct mc_err *err)
{
	MYSQL_RES *res;
	if (my_query(m,
		     "SELECT TABLE_SCHEMA, TABLE_NAME, IFNULL(TABLE_ROWS,0) "
		     "FROM information_schema.TABLES WHERE TABLE_TYPE IN ('BASE TABLE','SYSTEM VERSIONED') AND "
		     "TABLE_SCHEMA NOT IN ('mysql','information_schema','performance_schema','sys') "
		     "ORDER BY TABLE_SCHEMA, TABLE_NAME",
		     &res, err) < 0)
		return -1;
	size_t n = mysql_num_rows(res), i = 0;
	*est = calloc(n ? n : 1, sizeof **est);
	if (!*est) {
		mysql_free_result(res);
		return mc_oom(err, "the table list");
	}
	MYSQL_ROW row;
	while ((row = mysql_fetch_row(res))) {
		if (buf_add(names, row[0], strlen(row[0]) + 1) < 0 ||
		    buf_add(names, row[1], strlen(row[1]) + 1) < 0) {
			mysql_free_result(res);
			return mc_oom(err, "the table list");
		}
		if (num_u64(row[2], &(*est)[i]) < 0)
			(*est)[i] = 0;
		i++;
	}
	*count = i;
	mysql_free_result(res);
	return 0;
}

static const char *const int_types[] = { "tinyint", "smallint", "mediumint", "int", "bigint",
					 "year", NULL };
static const char *const str_types[] = { "char", "varchar", "tinytext", "text", "mediumtext",
					 "longtext", "enum", "set", NULL };
static const char *const bin_types[] = {
	"binary",     "varbinary",  "tinyblob",	       "blob",	       "mediumblob",
	"longblob",   "geometry",   "point",	       "linestring",   "polygon",
	"multipoint", "multilinestring", "multipolygon", "geometrycollection", "vector",
	NULL
};

static int in_list(const char *s, const char *const *l)
{
	for (; *l; l++)
		if (strcasecmp(s, *l) == 0)
			return 1;
	return 0;
}

static void classify(struct snap_col *c)
{
	const char *d = c->data_type;
	c->kk = SNAP_K_NONE;
	if (in_list(d, int_types)) {
		c->vk = MC_V_INT;
		c->kk = SNAP_K_NUM;
	} else if (strcasecmp(d, "decimal") == 0) {
		c->vk = MC_V_DECIMAL;
		c->kk = SNAP_K_NUM;
	} else if (strcasecmp(d, "float") == 0) {
		c->vk = MC_V_F32;
	} else if (strcasecmp(d, "double") == 0 || strcasecmp(d, "real") == 0) {
		c->vk = MC_V_F64;
	} else if (strcasecmp(d, "date") == 0) {
		c->vk = MC_V_DATE;
		c->kk = SNAP_K_TEMPORAL;
	} else if (strcasecmp(d, "datetime") == 0) {
		c->vk = MC_V_DATETIME;
		c->kk = SNAP_K_TEMPORAL;
	} else if (strcasecmp(d, "timestamp") == 0) {
		c->vk = MC_V_TIMESTAMP;
		c->kk = SNAP_K_TEMPORAL;
	} else if (strcasecmp(d, "time") == 0) {
		c->vk = MC_V_TIME;
		c->kk = SNAP_K_TEMPORAL;
	} else if (strcasecmp(d, "bit") == 0) {
		c->vk = MC_V_BIT;
	} else if (strcasecmp(d, "json") == 0) {
		c->vk = MC_V_JSON;
	} else if (in_list(d, bin_types)) {
		c->vk = MC_V_BIN;
		if (strcasecmp(d, "binary") == 0 || strcasecmp(d, "varbinary") == 0)
			c->kk = SNAP_K_STR;
	} else if (in_list(d, str_types)) {
		/* ENUM and SET are labels, text as on the binlog path, binary
		 * ones too (CONVERT TO CHARACTER SET binary) */
		c->vk = (c->charset && strcmp(c->charset, "binary") != 0) ||
				strcasecmp(d, "enum") == 0 || strcasecmp(d, "set") == 0
			? MC_V_STR
			: MC_V_BIN;
		/* not a CHAR under MariaDB's NO PAD collations: its index
		 * orders the values space-padded ('a\t' before 'a') where a
		 * bound compares them unpadded ('a' < 'a\t'), so a chunk's
		 * bound skips rows (a table split on it is read in one chunk) */
		if (strcasecmp(d, "varchar") == 0 ||
		    (strcasecmp(d, "char") == 0 && !(c->collation && strstr(c->collation, "_nopad_"))))
			c->kk = SNAP_K_STR;
	} else {
		c->vk = c->charset ? MC_V_STR : MC_V_BIN;
	}
}

static int find_col(const struct snap_table *t, const char *name, size_t n)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strlen(t->cols[i].name) == n && strncasecmp(t->cols[i].name, name, n) == 0)
			return (int)i;
	return -1;
}


static int in_split(const struct snap_table *t, uint32_t ci)
{
	for (size_t i = 0; i < t->nsplit; i++)
		if (t->split[i] == ci)
			return 1;
	return 0;
}

const char *snap_split_names(const struct snap_table *t, size_t n, char *out, size_t outsz)
{
	size_t at = 0;
	out[0] = 0;
	for (size_t i = 0; i < n && at < outsz; i++) {
		int w = snprintf(out + at, outsz - at, "%s%s", i ? ", " : "", t->cols[t->split[i]].name);
		if (w < 0)
			break;
		at += (size_t)w;
	}
	return out;
}

/* --split-key=DB.T:COL[,COL]: columns that exist, can bound a range, and
 * are NOT NULL (a NULL is outside every range: its row would be lost). */
static int parse_split(struct snap_table *t, const char *spec, struct mc_err *err)
{
	const char *s = spec;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		int ci = find_col(t, s, len);
		if (ci < 0)
			return mc_errf(err, MC_EXIT_USAGE, "table '%s.%s': split key column '%.*s' not found",
				       t->db, t->name, (int)len, s);
		if (t->nsplit == SNAP_MAX_KEY)
			return mc_errf(err, MC_EXIT_USAGE, "table '%s.%s': split key too long", t->db,
				       t->name);
		if (t->cols[ci].kk == SNAP_K_NONE)
			return mc_errf(err, MC_EXIT_USAGE,
				       "table '%s.%s': column '%s' of type %s cannot be a split key", t->db,
				       t->name, t->cols[ci].name, t->cols[ci].mysql_type);
		if (t->cols[ci].nullable)
			return mc_errf(err, MC_EXIT_USAGE,
				       "table '%s.%s': split key column '%s' may be NULL (rows where it "
				       "is NULL would be missed): name NOT NULL columns in --split-key, "
				       "or make it NOT NULL",
				       t->db, t->name, t->cols[ci].name);
		if (in_split(t, (uint32_t)ci))
			return mc_errf(err, MC_EXIT_USAGE,
				       "table '%s.%s': split key column '%s' named twice", t->db, t->name,
				       t->cols[ci].name);
		t->split[t->nsplit++] = (uint32_t)ci;
		s += len;
		if (*s == ',')
			s++;
	}
	if (t->nsplit == 0)
		return mc_errf(err, MC_EXIT_USAGE, "table '%s.%s': empty --split-key", t->db, t->name);
	return 0;
}

/* A split key that no unique key lies within, on a table with a key:
 * append the key's other columns, so that every bound is exact. */
static int extend_split(struct snap_table *t, struct mc_err *err)
{
	char names[512];
	size_t named = t->nsplit;
	snap_split_names(t, named, names, sizeof names);
	for (size_t i = 0; i < t->nkey; i++) {
		uint32_t ci = t->key[i];
		if (in_split(t, ci))
			continue;
		if (t->nsplit == SNAP_MAX_KEY || t->cols[ci].kk == SNAP_K_NONE)
			return mc_errf(err, MC_EXIT_USAGE,
				       "table '%s.%s': split key (%s) is not unique and the table's key "
				       "cannot complete it (column '%s'): name the columns of a unique "
				       "NOT NULL key in --split-key",
				       t->db, t->name, names, t->cols[ci].name);
		t->split[t->nsplit++] = ci;
	}
	t->split_named = named;
	t->split_unique = 1;
	return 0;
}

/* The column type as MySQL 8 spells it and the binlog decoder rebuilds it
 * ("int(10) unsigned" -> "int unsigned"), so both sources agree. */
static char *canon_type(const char *t)
{
	struct mc_buf b = { 0 };
	if (mctype_canon(t, strlen(t), &b) < 0 || buf_addc(&b, 0) < 0) {
		buf_free(&b);
		return NULL;
	}
	return b.p;
}

static int build_sql(struct snap_table *t, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	int bad = buf_adds(&b, "SELECT ") < 0;
	for (size_t i = 0; i < t->ncols && !bad; i++)
		bad = (i && buf_addc(&b, ',') < 0) || snap_text_select(&b, &t->cols[i]) < 0;
	for (size_t i = 0; i < t->nsplit && !bad; i++) {
		const struct snap_col *c = &t->cols[t->split[i]];
		if (c->kk == SNAP_K_STR)
			bad = buf_adds(&b, ",HEX(") < 0 || snap_quote_ident(&b, c->name) < 0 ||
			      buf_addc(&b, ')') < 0;
	}
	bad = bad || buf_adds(&b, " FROM ") < 0 || buf_adds(&b, t->qname) < 0 ||
	      buf_addc(&b, 0) < 0;
	t->select_sql = b.p;
	struct mc_buf o = { 0 }, k = { 0 };
	bad = bad || buf_adds(&o, " ORDER BY ") < 0 || buf_adds(&k, "SELECT ") < 0;
	for (size_t i = 0; i < t->nsplit && !bad; i++) {
		const struct snap_col *c = &t->cols[t->split[i]];
		bad = (i && (buf_addc(&o, ',') < 0 || buf_addc(&k, ',') < 0)) ||
		      snap_quote_ident(&o, c->name) < 0;
		if (c->kk == SNAP_K_STR)
			bad = bad || buf_adds(&k, "HEX(") < 0 || snap_quote_ident(&k, c->name) < 0 ||
			      buf_addc(&k, ')') < 0;
		else
			bad = bad || snap_quote_ident(&k, c->name) < 0;
	}
	bad = bad || buf_adds(&k, " FROM ") < 0 || buf_adds(&k, t->qname) < 0 ||
	      buf_addc(&o, 0) < 0 || buf_addc(&k, 0) < 0;
	t->order_sql = o.p;
	t->key_sql = k.p;
	return bad ? mc_oom(err, "a table's queries") : 0;
}

int snap_table_load(MYSQL *m, const char *db, const char *name, const char *split_spec,
		    const char *where, struct snap_table *t, struct mc_err *err)
{
	struct mc_buf q = { 0 };
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	memset(t, 0, sizeof *t);
	t->db = strdup_or_null(db);
	t->name = strdup_or_null(name);
	t->where = strdup_or_null(where);
	if (!t->db || !t->name || (where && !t->where) || snap_quote_ident(&q, db) < 0 ||
	    buf_addc(&q, '.') < 0 || snap_quote_ident(&q, name) < 0 || buf_addc(&q, 0) < 0)
		return mc_oom(err, "a table's definition");
	t->qname = q.p;
	memset(&q, 0, sizeof q);

	if (buf_adds(&q, "SELECT COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, EXTRA, "
			 "CHARACTER_SET_NAME, COLLATION_NAME, IFNULL(DATETIME_PRECISION,0) "
			 "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA=") < 0 ||
	    add_strlit(m, &q, db) < 0 || buf_adds(&q, " AND TABLE_NAME=") < 0 ||
	    add_strlit(m, &q, name) < 0 || buf_adds(&q, " ORDER BY ORDINAL_POSITION") < 0 ||
	    buf_addc(&q, 0) < 0)
		return mc_oom(err, "a table's definition");
	if (my_query(m, q.p, &res, err) < 0)
		goto fail;
	size_t n = mysql_num_rows(res);
	if (n == 0) {
		mc_errf(err, MC_EXIT_DATA, "table '%s.%s': no such table", db, name);
		goto fail;
	}
	if (n > MC_MAX_COLUMNS) {
		mc_errf(err, MC_EXIT_DATA, "table '%s.%s': %zu columns, at most %d", db, name, n,
			MC_MAX_COLUMNS);
		goto fail;
	}
	t->cols = calloc(n, sizeof *t->cols);
	if (!t->cols) {
		mc_oom(err, "a table's definition");
		goto fail;
	}
	struct mc_buf def = { 0 };
	while ((row = mysql_fetch_row(res))) {
		struct snap_col *c = &t->cols[t->ncols++];
		char mct[64];
		int dbad = snap_def_line(&def, row[0], row[1], row[3], row[6], row[4]);
		t->def = def.p; /* freed with t */
		if (dbad < 0) {
			mc_oom(err, "a table's definition");
			goto fail;
		}
		c->name = strdup_or_null(row[0]);
		c->mysql_type = canon_type(row[1]);
		c->data_type = strdup_or_null(row[2]);
		c->nullable = strcmp(row[3], "YES") == 0;
		c->charset = strdup_or_null(row[5]);
		c->collation = strdup_or_null(row[6]);
		uint64_t fr = 0;
		if (num_u64(row[7], &fr) < 0 || fr > 6)
			fr = 0;
		c->frac = (unsigned)fr;
		if (row[4] && strcasestr(row[4], "INVISIBLE")) {
			c->flags |= MC_CF_INVISIBLE;
			t->has_invisible = 1;
		}
		if (row[4] && strcasestr(row[4], "GENERATED"))
			c->flags |= MC_CF_GENERATED;
		if (mys_is_unsigned(row[2], row[1]))
			c->flags |= MC_CF_UNSIGNED;
		const char *bt = mys_binlog_type(c->data_type, (c->flags & MC_CF_UNSIGNED) != 0);
		if (bt) {
			free(c->mysql_type);
			c->mysql_type = strdup_or_null(bt);
		}
		c->mc_type = strdup_or_null(mctype_for(row[1], strlen(row[1]), mct, sizeof mct));
		if (!c->name || !c->mysql_type || !c->data_type || !c->mc_type) {
			mc_oom(err, "a table's definition");
			goto fail;
		}
		classify(c);
		snap_text_setup(c);
		if (snap_labels_exact(m, db, name, c, err) < 0)
			goto fail;
	}
	mysql_free_result(res);
	res = NULL;
	int dbad = buf_addc(&def, 0);
	t->def = def.p;
	if (dbad < 0) {
		mc_oom(err, "a table's definition");
		goto fail;
	}

	/* a system-versioned table (listed so that it is not passed over in
	 * silence): mc-snapshot refuses it (snapcheck_versioned) */
	q.len = 0;
	if (buf_adds(&q, "SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA=") < 0 ||
	    add_strlit(m, &q, db) < 0 || buf_adds(&q, " AND TABLE_NAME=") < 0 ||
	    add_strlit(m, &q, name) < 0 || buf_addc(&q, 0) < 0) {
		mc_oom(err, "a table's definition");
		goto fail;
	}
	if (my_query(m, q.p, &res, err) < 0)
		goto fail;
	row = mysql_fetch_row(res);
	t->versioned = row && row[0] && strcmp(row[0], "SYSTEM VERSIONED") == 0;
	mysql_free_result(res);
	res = NULL;

	/* the split key the user names, checked against the columns */
	if (split_spec && parse_split(t, split_spec, err) < 0)
		goto fail;

	/* keys, in the server's order (SHOW INDEX: the primary key first, then
	 * unique keys of NOT NULL columns, ...): the key is the first one whose
	 * columns are all NOT NULL and whole, which the server itself takes as
	 * the primary key when the table declares none (and writes so into the
	 * binlog's table maps), so the schema says primary key either way; and
	 * whether some unique key lies within the named split key (it is then
	 * unique) */
	q.len = 0;
	if (buf_adds(&q, "SHOW INDEX FROM ") < 0 || buf_adds(&q, t->qname) < 0 ||
	    buf_addc(&q, 0) < 0) {
		mc_oom(err, "a table's definition");
		goto fail;
	}
	if (my_query(m, q.p, &res, err) < 0)
		goto fail;
	if (mysql_num_fields(res) < 8) {
		mc_errf(err, MC_EXIT_DATA, "table '%s.%s': SHOW INDEX has %u columns", db, name,
			mysql_num_fields(res));
		goto fail;
	}
	char cur[200] = "";
	size_t nk = 0;
	uint32_t k[SNAP_MAX_KEY];
	int usable = 0, done = 0, within = 0, covered = 0;
	for (;;) {
		MYSQL_ROW srow = mysql_fetch_row(res);
		/* Key_name, Non_unique, Column_name, whether whole (no Sub_part) */
		char *rv[4];
		row = NULL;
		if (srow) {
			if (!srow[1] || !srow[2] || !srow[4])
				continue;
			rv[0] = srow[2];
			rv[1] = srow[1];
			rv[2] = srow[4];
			rv[3] = srow[7] ? "0" : "1";
			row = rv;
		}
		if (!row || strcmp(row[0], cur) != 0) {
			if (!done && usable && nk > 0) {
				t->nkey = nk;
				memcpy(t->key, k, nk * sizeof *k);
				t->key_flags = 0;
				done = 1;
			}
			covered |= within;
			if (!row)
				break;
			snprintf(cur, sizeof cur, "%s", row[0]);
			nk = 0;
			usable = strcmp(row[1], "0") == 0;
			within = usable && t->nsplit > 0;
		}
		int ci = find_col(t, row[2], strlen(row[2]));
		if (ci < 0 || strcmp(row[3], "1") != 0 || !in_split(t, (uint32_t)ci))
			within = 0;
		if (ci < 0 || nk == SNAP_MAX_KEY || strcmp(row[3], "1") != 0 || t->cols[ci].nullable)
			usable = 0;
		else
			k[nk++] = (uint32_t)ci;
	}
	mysql_free_result(res);
	res = NULL;

	if (split_spec) {
		if (covered) {
			t->split_unique = 1;
		} else if (t->nkey > 0) {
			/* not unique: the table's key makes it so (chunks of equal
			 * values would otherwise lose rows at their bounds) */
			if (extend_split(t, err) < 0)
				goto fail;
		}
		if (t->nkey == 0) {
			t->nkey = t->nsplit;
			memcpy(t->key, t->split, t->nsplit * sizeof *t->split);
			t->key_flags = MC_SF_KEY_DECLARED;
		}
	} else {
		int ok = t->nkey > 0;
		for (size_t i = 0; i < t->nkey; i++)
			ok = ok && t->cols[t->key[i]].kk != SNAP_K_NONE;
		if (ok) {
			t->nsplit = t->nkey;
			memcpy(t->split, t->key, t->nkey * sizeof *t->key);
			t->split_unique = 1;
		}
	}
	buf_free(&q);
	if (build_sql(t, err) < 0)
		return -1;
	return 0;
fail:
	mysql_free_result(res); /* NULL is fine */
	buf_free(&q);
	return -1;
}

void snap_table_free(struct snap_table *t)
{
	for (size_t i = 0; i < t->ncols; i++) {
		struct snap_col *c = &t->cols[i];
		free(c->name);
		free(c->mysql_type);
		free(c->mc_type);
		free(c->data_type);
		free(c->charset);
		free(c->collation);
	}
	free(t->cols);
	free(t->db);
	free(t->name);
	free(t->qname);
	free(t->where);
	free(t->select_sql);
	free(t->order_sql);
	free(t->key_sql);
	free(t->def);
	memset(t, 0, sizeof *t);
}

void snap_schema_rec(const struct snap_table *t, struct mc_col *cols, struct mc_rec *r)
{
	memset(r, 0, sizeof *r);
	r->kind = MC_R_SCHEMA;
	r->db = mc_str_c(t->db, strlen(t->db));
	r->table = mc_str_c(t->name, strlen(t->name));
	r->schema_version = 1;
	r->schema_flags = t->key_flags;
	r->ncols = t->ncols;
	r->cols = cols;
	for (size_t i = 0; i < t->ncols; i++) {
		const struct snap_col *c = &t->cols[i];
		cols[i].name = mc_str_c(c->name, strlen(c->name));
		cols[i].mysql_type = mc_str_c(c->mysql_type, strlen(c->mysql_type));
		cols[i].mc_type = mc_str_c(c->mc_type, strlen(c->mc_type));
		cols[i].nullable = c->nullable;
		cols[i].flags = c->flags;
	}
	r->nkey = t->nkey;
	r->key = (uint32_t *)t->key;
}

/* ---- predicates ---- */

static int add_cmp(struct mc_buf *b, const struct snap_table *t, const snap_bound v, size_t i,
		   int upper)
{
	const char *name = t->cols[t->split[i]].name;
	int last = i + 1 == t->nsplit;
	int bad = buf_addc(b, '(') < 0 || snap_quote_ident(b, name) < 0 ||
		  buf_adds(b, last ? (upper ? "<=" : ">") : (upper ? "<" : ">")) < 0 ||
		  buf_adds(b, v[i]) < 0;
	if (!last)
		bad = bad || buf_adds(b, " OR (") < 0 || snap_quote_ident(b, name) < 0 ||
		      buf_addc(b, '=') < 0 || buf_adds(b, v[i]) < 0 || buf_adds(b, " AND ") < 0 ||
		      add_cmp(b, t, v, i + 1, upper) < 0 || buf_addc(b, ')') < 0;
	return bad || buf_addc(b, ')') < 0 ? -1 : 0;
}

/* " AND k1 >= lo1 AND (k,..) > (lo)" for lo, the same for hi; the first
 * comparison (for the optimizer's range) only on a composite key: the
 * server evaluates each one for every row */
static int add_range(struct mc_buf *b, const struct snap_table *t, const snap_bound lo,
		     const snap_bound hi)
{
	const char *first = t->cols[t->split[0]].name;
	int comp = t->nsplit > 1;
	if (lo && (buf_adds(b, " AND ") < 0 ||
		   (comp && (snap_quote_ident(b, first) < 0 || buf_adds(b, ">=") < 0 ||
			     buf_adds(b, lo[0]) < 0 || buf_adds(b, " AND ") < 0)) ||
		   add_cmp(b, t, lo, 0, 0) < 0))
		return -1;
	if (hi && (buf_adds(b, " AND ") < 0 ||
		   (comp && (snap_quote_ident(b, first) < 0 || buf_adds(b, "<=") < 0 ||
			     buf_adds(b, hi[0]) < 0 || buf_adds(b, " AND ") < 0)) ||
		   add_cmp(b, t, hi, 0, 1) < 0))
		return -1;
	return 0;
}

/* A literal for key column c from text: digits, temporal text, or hex of
 * the bytes. */
char *snap_make_lit(const struct snap_col *c, const char *s, size_t n)
{
	struct mc_buf b = { 0 };
	int bad = 0;
	switch (c->kk) {
	case SNAP_K_NUM:
		bad = buf_add(&b, s, n) < 0;
		break;
	case SNAP_K_TEMPORAL:
		bad = buf_addc(&b, '\'') < 0 || buf_add(&b, s, n) < 0 || buf_addc(&b, '\'') < 0;
		break;
	default:
		if (!c->charset || strcmp(c->charset, "binary") == 0)
			bad = buf_adds(&b, "_binary X'") < 0 || buf_add(&b, s, n) < 0 ||
			      buf_addc(&b, '\'') < 0;
		else
			bad = buf_addf(&b, "_%s X'", c->charset) < 0 || buf_add(&b, s, n) < 0 ||
			      buf_addf(&b, "' COLLATE %s", c->collation) < 0;
		break;
	}
	if (bad || buf_addc(&b, 0) < 0) {
		buf_free(&b);
		return NULL;
	}
	return b.p;
}

int snap_next_bound(MYSQL *m, const struct snap_table *t, const snap_bound lo, uint64_t rows,
		    snap_bound *hi, struct mc_err *err)
{
	struct mc_buf q = { 0 };
	MYSQL_RES *res;
	*hi = NULL;
	if (buf_adds(&q, t->key_sql) < 0 || buf_adds(&q, " WHERE 1") < 0 ||
	    add_range(&q, t, lo, NULL) < 0 || buf_adds(&q, t->order_sql) < 0 ||
	    buf_addf(&q, " LIMIT 1 OFFSET %" PRIu64, rows ? rows - 1 : 0) < 0 || buf_addc(&q, 0) < 0) {
		buf_free(&q);
		return mc_oom(err, "a chunk bound query");
	}
	int rc = my_query(m, q.p, &res, err);
	buf_free(&q);
	if (rc < 0)
		return mc_errctx(err, "table '%s.%s': ", t->db, t->name);
	MYSQL_ROW row = mysql_fetch_row(res);
	if (!row) {
		mysql_free_result(res);
		return 0;
	}
	unsigned long *lens = mysql_fetch_lengths(res);
	char **b = calloc(t->nsplit, sizeof *b);
	for (size_t i = 0; b && i < t->nsplit; i++)
		if (!row[i] || !(b[i] = snap_make_lit(&t->cols[t->split[i]], row[i], lens[i]))) {
			snap_bound_free(b, t->nsplit);
			b = NULL;
		}
	mysql_free_result(res);
	if (!b)
		return mc_errf(err, MC_EXIT_DATA, "table '%s.%s': cannot read a key (NULL in the split key?)",
			       t->db, t->name);
	*hi = b;
	return 1;
}

/* ---- reading rows ---- */

void snap_reader_free(struct snap_reader *rd)
{
	for (size_t i = 0; i < rd->nbind; i++) {
		free(rd->bufs[i]);
		buf_free(&rd->text[i]);
	}
	free(rd->text);
	buf_free(&rd->head);
	snap_sock_free(&rd->sock);
	cs_set_free(&rd->cs);
	free(rd->bind);
	free(rd->len);
	free(rd->row);
	free(rd->isnull);
	free(rd->error);
	free(rd->bufs);
	free(rd->bufsz);
	free(rd->vals);
	memset(rd, 0, sizeof *rd);
}

static int reader_size(struct snap_reader *rd, size_t n)
{
	if (n <= rd->nbind)
		return 0;
	/* parallel arrays of exactly nbind items (nbind is their count too) */
	if (mc_resize(&rd->bind, n, sizeof *rd->bind) < 0 ||
	    mc_resize(&rd->len, n, sizeof *rd->len) < 0 ||
	    mc_resize(&rd->row, n, sizeof *rd->row) < 0 ||
	    mc_resize(&rd->isnull, n, sizeof *rd->isnull) < 0 ||
	    mc_resize(&rd->error, n, sizeof *rd->error) < 0 ||
	    mc_resize(&rd->bufs, n, sizeof *rd->bufs) < 0 ||
	    mc_resize(&rd->bufsz, n, sizeof *rd->bufsz) < 0 ||
	    mc_resize(&rd->vals, n, sizeof *rd->vals) < 0 ||
	    mc_resize(&rd->text, n, sizeof *rd->text) < 0)
		return -1;
	for (size_t i = rd->nbind; i < n; i++) {
		rd->bufs[i] = NULL;
		rd->bufsz[i] = 0;
		memset(&rd->text[i], 0, sizeof rd->text[i]);
	}
	rd->nbind = n;
	return 0;
}

static int ensure_buf(struct snap_reader *rd, size_t i, size_t need)
{
	/* at least 64 bytes, doubling */
	return mc_grow(&rd->bufs[i], &rd->bufsz[i], need < 64 ? 64 : need, 1);
}

static int is_tm(uint8_t vk)
{
	return vk == MC_V_DATE || vk == MC_V_DATETIME || vk == MC_V_TIMESTAMP || vk == MC_V_TIME;
}

static char *row_lit(const struct snap_table *t, struct snap_reader *rd, MYSQL_ROW row,
		     const unsigned long *len, size_t i, size_t *hexcol)
{
	(void)row, (void)len;
	size_t ci = t->split[i];
	const struct snap_col *c = &t->cols[ci];
	char tmp[64];
	size_t n;
	if (c->kk == SNAP_K_STR) {
		size_t h = (*hexcol)++;
		return snap_make_lit(c, rd->bufs[h], rd->len[h]);
	}
	if (is_tm(c->vk)) {
		n = snap_fmt_time((const MYSQL_TIME *)rd->bufs[ci], c->vk, c->frac, tmp);
		return snap_make_lit(c, tmp, n);
	}
	if (c->vk == MC_V_DECIMAL)
		return snap_make_lit(c, rd->bufs[ci], rd->len[ci]);
	if (c->flags & MC_CF_UNSIGNED)
		n = (size_t)snprintf(tmp, sizeof tmp, "%" PRIu64, *(uint64_t *)rd->bufs[ci]);
	else
		n = (size_t)snprintf(tmp, sizeof tmp, "%" PRId64, *(int64_t *)rd->bufs[ci]);
	return snap_make_lit(c, tmp, n);
}

/* A read of a declared key (not known to be unique) that stopped at key
 * last after n rows: when (lo, last] holds more rows, others share the
 * value last and the next chunk, after last, would miss them: read (lo,
 * last] again, whole (the chunk then holds every row of that value). */
static int read_ties(MYSQL *m, struct snap_reader *rd, const struct snap_table *t,
		     const snap_bound lo, const snap_bound last, const struct mc_pos *wm, int64_t tm,
		     struct mc_buf *out, size_t start_len, uint64_t *nrows, struct mc_err *err)
{
	struct mc_buf q = { 0 };
	MYSQL_RES *res;
	uint64_t count = 0;
	if (buf_adds(&q, "SELECT COUNT(*) FROM ") < 0 || buf_adds(&q, t->qname) < 0 ||
	    buf_adds(&q, " WHERE 1") < 0 || add_range(&q, t, lo, last) < 0 ||
	    (t->where && (buf_adds(&q, " AND (") < 0 || buf_adds(&q, t->where) < 0 ||
			  buf_addc(&q, ')') < 0)) ||
	    buf_addc(&q, 0) < 0) {
		buf_free(&q);
		return mc_oom(err, "a chunk query");
	}
	int rc = my_query(m, q.p, &res, err);
	buf_free(&q);
	if (rc < 0)
		return mc_errctx(err, "table '%s.%s': ", t->db, t->name);
	MYSQL_ROW row = mysql_fetch_row(res);
	if (!row || !row[0] || num_u64(row[0], &count) < 0)
		count = UINT64_MAX;
	mysql_free_result(res);
	if (count == *nrows)
		return 0;
	out->len = start_len;
	size_t max_bytes = rd->max_bytes;
	snap_bound none = NULL;
	rd->max_bytes = 0;
	rc = snap_read(m, rd, t, lo, last, 0, wm, tm, out, nrows, &none, NULL, NULL, err);
	rd->max_bytes = max_bytes;
	snap_bound_free(none, t->nsplit);
	return rc;
}

int snap_read(MYSQL *m, struct snap_reader *rd, const struct snap_table *t, const snap_bound lo,
	      const snap_bound hi, uint64_t limit, const struct mc_pos *wm, int64_t tm,
	      struct mc_buf *out, uint64_t *nrows, snap_bound *last, snap_tick_fn tick,
	      void *tick_ctx, struct mc_err *err)
{
	struct mc_buf q = { 0 };
	MYSQL_STMT *st = NULL;
	size_t nhex = 0, start_len = out->len;
	*nrows = 0;
	*last = NULL;
	for (size_t i = 0; i < t->nsplit; i++)
		nhex += t->cols[t->split[i]].kk == SNAP_K_STR;
	size_t nb = t->ncols + nhex;
	if (reader_size(rd, nb) < 0)
		return mc_oom(err, "the chunk reader");
	if (buf_adds(&q, t->select_sql) < 0 || buf_adds(&q, " WHERE 1") < 0 ||
	    (t->nsplit && add_range(&q, t, lo, hi) < 0) ||
	    (t->where && (buf_adds(&q, " AND (") < 0 || buf_adds(&q, t->where) < 0 ||
			  buf_addc(&q, ')') < 0)) ||
	    (t->nsplit && buf_adds(&q, t->order_sql) < 0) ||
	    (limit && buf_addf(&q, " LIMIT %" PRIu64, limit) < 0)) {
		buf_free(&q);
		return mc_oom(err, "a chunk query");
	}
	if (snap_use_text(t)) {
		int rc = snap_read_text(m, rd, t, q.p, q.len, limit, wm, tm, out, nrows, last, tick,
					tick_ctx, err);
		buf_free(&q);
		if (rc < 0)
			return mc_errctx(err, "table '%s.%s': ", t->db, t->name);
		goto ties;
	}
	st = mysql_stmt_init(m);
	if (!st) {
		buf_free(&q);
		return my_fail(m, err, "mysql_stmt_init");
	}
	if (mysql_stmt_prepare(st, q.p, q.len) != 0) {
		my_stmt_fail(st, err, "preparing the chunk query");
		goto fail;
	}
	if (mysql_stmt_field_count(st) != nb) {
		mc_errf(err, MC_EXIT_DATA, "the chunk query returns %u columns, expected %zu",
			mysql_stmt_field_count(st), nb);
		goto fail;
	}
	if (mysql_stmt_execute(st) != 0) {
		my_stmt_fail(st, err, "reading a chunk");
		goto fail;
	}
	memset(rd->bind, 0, nb * sizeof *rd->bind);
	for (size_t i = 0; i < nb; i++) {
		MYSQL_BIND *b = &rd->bind[i];
		uint8_t vk = i < t->ncols ? t->cols[i].vk : MC_V_STR;
		size_t need = 64;
		b->length = &rd->len[i];
		b->is_null = &rd->isnull[i];
		b->error = &rd->error[i];
		if (vk == MC_V_INT) {
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->is_unsigned = (t->cols[i].flags & MC_CF_UNSIGNED) != 0;
			need = 8;
		} else if (vk == MC_V_F32) {
			b->buffer_type = MYSQL_TYPE_FLOAT;
			need = 4;
		} else if (vk == MC_V_F64) {
			b->buffer_type = MYSQL_TYPE_DOUBLE;
			need = 8;
		} else if (is_tm(vk)) {
			b->buffer_type = vk == MC_V_DATE ? MYSQL_TYPE_DATE
				       : vk == MC_V_TIME ? MYSQL_TYPE_TIME
				       : vk == MC_V_TIMESTAMP ? MYSQL_TYPE_TIMESTAMP
							      : MYSQL_TYPE_DATETIME;
			need = sizeof(MYSQL_TIME);
		} else {
			b->buffer_type = MYSQL_TYPE_BLOB;
			need = rd->bufsz[i] > 256 ? rd->bufsz[i] : 256;
		}
		if (ensure_buf(rd, i, need) < 0) {
			mc_oom(err, "a column buffer");
			goto fail;
		}
		b->buffer = rd->bufs[i];
		b->buffer_length = (unsigned long)rd->bufsz[i];
	}
	if (mysql_stmt_bind_result(st, rd->bind) != 0) {
		my_stmt_fail(st, err, "binding the chunk's columns");
		goto fail;
	}
	struct mc_rec r;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_ROW;
	r.op = MC_OP_SNAPSHOT;
	r.db = mc_str_c(t->db, strlen(t->db));
	r.table = mc_str_c(t->name, strlen(t->name));
	r.schema_version = 1;
	r.pos = *wm;
	r.time = tm;
	r.nafter = t->ncols;
	r.after = rd->vals;
	if (snap_rows_head(rd, &r, err) < 0)
		goto fail;
	uint64_t n = 0;
	struct snap_ticks tk = { tick, tick_ctx, 0, out->len };
	char tmtext[4096];
	for (;;) {
		int rc = mysql_stmt_fetch(st);
		if (rc == MYSQL_NO_DATA)
			break;
		if (rc == 1) {
			my_stmt_fail(st, err, "reading a chunk");
			goto fail;
		}
		if (rc == MYSQL_DATA_TRUNCATED) {
			int rebind = 0;
			for (size_t i = 0; i < nb; i++) {
				if (rd->isnull[i] || rd->len[i] <= rd->bufsz[i])
					continue;
				if (ensure_buf(rd, i, rd->len[i]) < 0) {
					mc_oom(err, "a column buffer");
					goto fail;
				}
				rd->bind[i].buffer = rd->bufs[i];
				rd->bind[i].buffer_length = (unsigned long)rd->bufsz[i];
				if (mysql_stmt_fetch_column(st, &rd->bind[i], (unsigned)i, 0) != 0) {
					my_stmt_fail(st, err, "reading a long value");
					goto fail;
				}
				rebind = 1;
			}
			if (rebind && mysql_stmt_bind_result(st, rd->bind) != 0) {
				my_stmt_fail(st, err, "binding the chunk's columns");
				goto fail;
			}
		}
		size_t tat = 0;
		for (size_t i = 0; i < t->ncols; i++) {
			struct mc_val *v = &rd->vals[i];
			uint8_t vk = t->cols[i].vk;
			if (rd->isnull[i]) {
				v->kind = MC_V_NULL;
				continue;
			}
			v->kind = vk;
			switch (vk) {
			case MC_V_INT:
				if (t->cols[i].flags & MC_CF_UNSIGNED) {
					v->v.u = *(uint64_t *)rd->bufs[i];
					v->kind = v->v.u > INT64_MAX ? MC_V_UINT : MC_V_INT;
				} else {
					v->v.i = *(int64_t *)rd->bufs[i];
				}
				break;
			case MC_V_F32: /* -0 as 0, as the binlog's (binlog_value.c) */
				memcpy(&v->v.f32, rd->bufs[i], 4);
				if (v->v.f32 == 0)
					v->v.f32 = 0;
				break;
			case MC_V_F64:
				memcpy(&v->v.f64, rd->bufs[i], 8);
				if (v->v.f64 == 0)
					v->v.f64 = 0;
				break;
			case MC_V_DATE:
			case MC_V_DATETIME:
			case MC_V_TIMESTAMP:
			case MC_V_TIME: {
				if (tat + 48 > sizeof tmtext)
					tat = 0; /* cannot happen below 85 temporal columns */
				size_t len = snap_fmt_time((const MYSQL_TIME *)rd->bufs[i], vk,
						      t->cols[i].frac, tmtext + tat);
				v->v.s = mc_str_c(tmtext + tat, len);
				tat += len;
				break;
			}
			default:
				v->v.s = mc_str_c(rd->bufs[i], rd->len[i]);
				if (t->cols[i].cs && snap_text_value(rd, t, i, n + 1, v, err) < 0)
					goto fail;
				break;
			}
		}
		if (snap_rows_put(rd, t->ncols, out, err) < 0)
			goto fail;
		int e = snap_row_end(t, rd, row_lit, NULL, NULL, ++n, limit, start_len, out, &tk, last,
				     err);
		if (e == -1)
			goto fail;
		if (e == -2)
			goto stopped;
		if (e)
			break;
	}
	if (snap_tick_end(&tk, out->len) < 0)
		goto stopped;
	mysql_stmt_close(st);
	buf_free(&q);
	*nrows = n;
ties:
	if (*last && !t->split_unique && read_ties(m, rd, t, lo, *last, wm, tm, out, start_len,
						    nrows, err) < 0) {
		snap_bound_free(*last, t->nsplit);
		*last = NULL;
		return -1;
	}
	return 0;
stopped:
	mc_errf(err, MC_EXIT_DATA, "read stopped");
fail:
	if (*last) {
		snap_bound_free(*last, t->nsplit);
		*last = NULL;
	}
	mysql_stmt_close(st);
	buf_free(&q);
	return mc_errctx(err, "table '%s.%s': ", t->db, t->name);
}
