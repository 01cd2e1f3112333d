#include "mysql/myschema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"

/* Does information_schema's DATA_TYPE dt agree with the map's type? */
static int type_agrees(const char *dt, const struct bl_col *c)
{
	static const struct {
		const char *dt;
		uint8_t t1, t2;
	} map[] = {
		{ "tinyint", BL_T_TINY, BL_T_TINY }, { "smallint", BL_T_SHORT, BL_T_SHORT },
		{ "mediumint", BL_T_INT24, BL_T_INT24 }, { "int", BL_T_LONG, BL_T_LONG },
		{ "integer", BL_T_LONG, BL_T_LONG }, { "bigint", BL_T_LONGLONG, BL_T_LONGLONG },
		{ "float", BL_T_FLOAT, BL_T_FLOAT }, { "double", BL_T_DOUBLE, BL_T_DOUBLE },
		{ "real", BL_T_DOUBLE, BL_T_DOUBLE },
		{ "decimal", BL_T_NEWDECIMAL, BL_T_DECIMAL }, { "numeric", BL_T_NEWDECIMAL, BL_T_DECIMAL },
		{ "date", BL_T_DATE, BL_T_NEWDATE }, { "time", BL_T_TIME2, BL_T_TIME },
		{ "datetime", BL_T_DATETIME2, BL_T_DATETIME },
		{ "timestamp", BL_T_TIMESTAMP2, BL_T_TIMESTAMP }, { "year", BL_T_YEAR, BL_T_YEAR },
		{ "char", BL_T_STRING, BL_T_STRING }, { "binary", BL_T_STRING, BL_T_STRING },
		{ "varchar", BL_T_VARCHAR, BL_T_VAR_STRING },
		{ "varbinary", BL_T_VARCHAR, BL_T_VAR_STRING },
		{ "enum", BL_T_ENUM, BL_T_ENUM }, { "set", BL_T_SET, BL_T_SET },
		{ "bit", BL_T_BIT, BL_T_BIT }, { "json", BL_T_JSON, BL_T_BLOB },
		{ "vector", BL_T_VECTOR, BL_T_VECTOR },
		{ "tinyblob", BL_T_BLOB, BL_T_TINY_BLOB }, { "tinytext", BL_T_BLOB, BL_T_TINY_BLOB },
		{ "blob", BL_T_BLOB, BL_T_BLOB }, { "text", BL_T_BLOB, BL_T_BLOB },
		{ "mediumblob", BL_T_BLOB, BL_T_MEDIUM_BLOB },
		{ "mediumtext", BL_T_BLOB, BL_T_MEDIUM_BLOB },
		{ "longblob", BL_T_BLOB, BL_T_LONG_BLOB }, { "longtext", BL_T_BLOB, BL_T_LONG_BLOB },
		{ "geometry", BL_T_GEOMETRY, BL_T_GEOMETRY }, { "point", BL_T_GEOMETRY, BL_T_GEOMETRY },
		{ "linestring", BL_T_GEOMETRY, BL_T_GEOMETRY },
		{ "polygon", BL_T_GEOMETRY, BL_T_GEOMETRY },
		{ "multipoint", BL_T_GEOMETRY, BL_T_GEOMETRY },
		{ "multilinestring", BL_T_GEOMETRY, BL_T_GEOMETRY },
		{ "multipolygon", BL_T_GEOMETRY, BL_T_GEOMETRY },
		{ "geometrycollection", BL_T_GEOMETRY, BL_T_GEOMETRY },
		{ "geomcollection", BL_T_GEOMETRY, BL_T_GEOMETRY },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(dt, map[i].dt) == 0)
			return c->type == map[i].t1 || c->type == map[i].t2;
	/* a type of the server's own (MariaDB INET6, UUID...): not checked */
	return 1;
}

int mys_is_unsigned(const char *dt, const char *ct)
{
	static const char *const num[] = { "tinyint", "smallint", "mediumint", "int", "integer",
					   "bigint", "decimal", "numeric", "float", "double",
					   "real" };
	for (size_t i = 0; i < sizeof num / sizeof num[0]; i++)
		if (strcasecmp(dt, num[i]) == 0)
			return strstr(ct, " unsigned") != NULL;
	return 0;
}

const char *mys_binlog_type(const char *dt, int is_unsigned)
{
	static const char *const geo[] = { "point", "linestring", "polygon", "multipoint",
					   "multilinestring", "multipolygon",
					   "geometrycollection", "geomcollection" };
	if (strcasecmp(dt, "float") == 0)
		return is_unsigned ? "float unsigned" : "float";
	if (strcasecmp(dt, "double") == 0)
		return is_unsigned ? "double unsigned" : "double";
	for (size_t i = 0; i < sizeof geo / sizeof geo[0]; i++)
		if (strcasecmp(dt, geo[i]) == 0)
			return "geometry";
	return NULL;
}

/* The BLOB length bytes a TEXT/BLOB type has. */
static unsigned blob_bytes(const char *dt)
{
	if (strncasecmp(dt, "tiny", 4) == 0)
		return 1;
	if (strncasecmp(dt, "medium", 6) == 0)
		return 3;
	if (strncasecmp(dt, "long", 4) == 0 || strcasecmp(dt, "json") == 0)
		return 4;
	return 2;
}

static int is_binary_type(const char *dt)
{
	return strcasecmp(dt, "binary") == 0 || strcasecmp(dt, "varbinary") == 0 ||
	       (strlen(dt) >= 4 && strcasecmp(dt + strlen(dt) - 4, "blob") == 0);
}

static unsigned long num(const char *s)
{
	return s ? strtoul(s, NULL, 10) : 0;
}

/* Why column i (server row r) does not match the map's column c, or NULL. */
static const char *col_mismatch(const struct bl_col *c, MYSQL_ROW r, int has_signedness)
{
	const char *dt = r[1], *ct = r[2];
	if (!type_agrees(dt, c))
		return "type";
	if ((strcmp(r[3], "YES") == 0) != (c->nullable != 0))
		return "nullability";
	if (has_signedness && mys_is_unsigned(dt, ct) != (c->is_unsigned != 0) &&
	    c->type != BL_T_YEAR)
		return "signedness";
	switch (c->type) {
	case BL_T_VARCHAR: case BL_T_STRING:
		if (r[5] && num(r[5]) != c->maxlen)
			return "length";
		break;
	case BL_T_BLOB:
		if (c->maxlen != blob_bytes(dt))
			return "length";
		break;
	case BL_T_NEWDECIMAL:
		if (num(r[6]) != (unsigned long)(c->meta >> 8) ||
		    num(r[7]) != (unsigned long)(c->meta & 0xff))
			return "precision or scale";
		break;
	case BL_T_TIME2: case BL_T_DATETIME2: case BL_T_TIMESTAMP2:
		if (num(r[8]) != c->meta)
			return "fractional seconds";
		break;
	case BL_T_TIME: case BL_T_DATETIME: case BL_T_TIMESTAMP:
		/* MariaDB's old format: still so on the server (not converted) */
		if (c->dec_ext && !strstr(ct, "mariadb-5.3"))
			return "storage format";
		break;
	}
	return NULL;
}

/* "WHERE TABLE_SCHEMA = '...' AND TABLE_NAME = '...'" for t into q. */
static int where_table(MYSQL *m, const struct bl_table *t, char *q, size_t qsz,
		       struct mc_err *err)
{
	char db[2 * 256 + 1], tab[2 * 256 + 1];
	if (t->db.n > 256 || t->name.n > 256)
		return mc_errf(err, MC_EXIT_DATA, "table name too long");
	mysql_real_escape_string(m, db, t->db.p, (unsigned long)t->db.n);
	mysql_real_escape_string(m, tab, t->name.p, (unsigned long)t->name.n);
	snprintf(q, qsz, "WHERE TABLE_SCHEMA = '%s' AND TABLE_NAME = '%s'", db, tab);
	return 0;
}

/* Does s hold w (upper case), in any case? */
static int has_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (; *s; s++)
		if (strncasecmp(s, w, n) == 0)
			return 1;
	return 0;
}

int mys_lookup(MYSQL *m, const struct bl_table *t, struct ddl_cols *out,
	       struct mys_labels *labels, char *why, size_t whysz, struct mc_err *err)
{
	char where[1200], q[1600], db[257], tab[257];
	MYSQL_RES *res;
	MYSQL_ROW r;
	uint64_t nrows;
	uint32_t i = 0;
	memset(out, 0, sizeof *out);
	why[0] = 0;
	if (where_table(m, t, where, sizeof where, err) < 0)
		return -1;
	snprintf(db, sizeof db, "%.*s", (int)t->db.n, t->db.p);
	snprintf(tab, sizeof tab, "%.*s", (int)t->name.n, t->name.p);
	snprintf(q, sizeof q,
		 "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, CHARACTER_SET_NAME, "
		 "CHARACTER_OCTET_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, "
		 "EXTRA FROM information_schema.COLUMNS %s ORDER BY ORDINAL_POSITION",
		 where);
	if (my_query(m, q, &res, err) < 0)
		return -1;
	nrows = mysql_num_rows(res);
	if (nrows != t->ncols) {
		if (nrows == 0)
			snprintf(why, whysz, "the server has no such table, or the user cannot see it");
		else
			snprintf(why, whysz, "%llu columns on the server, %u in the table map",
				 (unsigned long long)nrows, t->ncols);
		mysql_free_result(res);
		return 0;
	}
	out->n = t->ncols;
	out->names = calloc(t->ncols ? t->ncols : 1, sizeof *out->names);
	out->uns = calloc(t->ncols ? t->ncols : 1, sizeof *out->uns);
	out->cs = calloc(t->ncols ? t->ncols : 1, sizeof *out->cs);
	if (!out->names || !out->uns || !out->cs)
		goto oom;
	while ((r = mysql_fetch_row(res)) && i < t->ncols) {
		const struct bl_col *c = &t->cols[i];
		const char *bad;
		if (!r[0] || !r[1] || !r[2] || !r[3]) {
			snprintf(why, whysz, "column %u: no name or type on the server", i + 1);
			goto refuse;
		}
		if ((bad = col_mismatch(c, r, t->has_signedness))) {
			snprintf(why, whysz, "column %u `%s` %s: %s differs from the table map", i + 1,
				 r[0], r[2], bad);
			goto refuse;
		}
		if (!(out->names[i] = strdup(r[0])))
			goto oom;
		/* EXTRA as mc-snapshot reads it (snap.c): "VIRTUAL GENERATED",
		 * "STORED GENERATED", "INVISIBLE" */
		out->uns[i] = (uint16_t)((mys_is_unsigned(r[1], r[2]) ? DDL_UNSIGNED : 0) |
					ddl_temporal(r[2], strlen(r[2])) |
					(r[9] && has_word(r[9], "INVISIBLE") ? DDL_INVISIBLE : 0) |
					(r[9] && has_word(r[9], "GENERATED") ? DDL_GENERATED : 0) |
					(!strcasecmp(r[1], "inet6")  ? DDL_INET6
					 : !strcasecmp(r[1], "uuid") ? DDL_UUID
					 : !strcasecmp(r[1], "inet4") ? DDL_INET4 : 0));
		if (labels && (c->type == BL_T_ENUM || c->type == BL_T_SET)) {
			if (mys_parse_labels(r[2], &labels[i]) < 0) {
				snprintf(why, whysz, "column %u `%s`: cannot read the values of %s",
					 i + 1, r[0], r[2]);
				goto refuse;
			}
			/* a '?' may be a label lost: read them exactly, or say why
			 * not (labels[i].bad: the caller refuses the table) */
			int lr = mys_labels_exact(m, db, tab, r[0], c->type == BL_T_SET, r[4],
						  &labels[i], err);
			if (lr == -2 && !(labels[i].name = strdup(r[0])))
				goto oom;
			if (lr == -1) {
				mysql_free_result(res);
				ddl_cols_free(out);
				mys_labels_free(labels, t->ncols);
				return -1;
			}
		}
		if (is_binary_type(r[1]))
			snprintf(out->cs[i], DDL_CS_LEN, "binary");
		else if (r[4])
			snprintf(out->cs[i], DDL_CS_LEN, "%s",
				 strcmp(r[4], "utf8") == 0 ? "utf8mb3" : r[4]);
		i++;
	}
	mysql_free_result(res);
	if (i != t->ncols) {
		snprintf(why, whysz, "the server's column list changed while read");
		ddl_cols_free(out);
		mys_labels_free(labels, labels ? t->ncols : 0);
		return 0;
	}
	snprintf(q, sizeof q,
		 "SELECT COLUMN_NAME FROM information_schema.STATISTICS %s AND INDEX_NAME = 'PRIMARY' "
		 "ORDER BY SEQ_IN_INDEX",
		 where);
	if (my_query(m, q, &res, err) < 0) {
		ddl_cols_free(out);
		mys_labels_free(labels, labels ? t->ncols : 0);
		return -1;
	}
	out->key = calloc(mysql_num_rows(res) + 1, sizeof *out->key);
	if (!out->key) {
		mysql_free_result(res);
		goto oom_nores;
	}
	while ((r = mysql_fetch_row(res))) {
		uint32_t k;
		for (k = 0; k < out->n && r[0]; k++)
			if (strcmp(out->names[k], r[0]) == 0)
				break;
		if (!r[0] || k == out->n) {
			snprintf(why, whysz, "primary key column `%s` is not among the columns",
				 r[0] ? r[0] : "");
			mysql_free_result(res);
			ddl_cols_free(out);
			mys_labels_free(labels, labels ? t->ncols : 0);
			return 0;
		}
		out->key[out->nkey++] = k;
	}
	mysql_free_result(res);
	return 1;
refuse:
	mysql_free_result(res);
	ddl_cols_free(out);
	mys_labels_free(labels, labels ? t->ncols : 0);
	return 0;
oom:
	mysql_free_result(res);
oom_nores:
	ddl_cols_free(out);
	mys_labels_free(labels, labels ? t->ncols : 0);
	return mc_oom(err, "information_schema");
}
