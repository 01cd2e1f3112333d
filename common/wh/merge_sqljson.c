/* merge_sqljson.c: the dataworks-json log layout's SQL (docs/merge.md "Log
 * layouts"): the table's columns read back from data_columns, the JSON
 * text of wh_layout_json, in sqlite (json_extract) and in MaxCompute
 * (GET_JSON_OBJECT under odps.sql.udf.getjsonobj.new=true). */
#include "wh/merge_sql.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "wh/layout.h"

/* The log table's data_columns in place of the table's columns. */
int merge_sqljson_create_col(struct mc_buf *b, int d)
{
	return buf_addf(b, "%s %s, ", WH_LAYOUT_JSON_COL,
			d == MERGE_SQL_SQLITE ? "TEXT" : "STRING");
}

static int ident(struct mc_buf *b, const struct mc_str *n, int d)
{
	char q = d == MERGE_SQL_SQLITE ? '"' : '`';
	int rc = buf_addc(b, q);
	for (size_t i = 0; i < n->n && rc == 0; i++)
		rc = n->p[i] == q ? buf_addc(b, q) | buf_addc(b, q) : buf_addc(b, n->p[i]);
	return rc < 0 ? -1 : buf_addc(b, q);
}

static int type_is(const struct mc_str *t, const char *name)
{
	size_t n = strlen(name);
	return t->n >= n && strncmp(t->p, name, n) == 0 &&
	       (t->n == n || (t->p[n] == '(' && strcmp(name, "DECIMAL") == 0));
}

/* A MaxCompute name: letters, digits, '_' (which "$.name" paths and the
 * literal '<sep>"name":null' hold as they are). */
static int plain_name(const struct mc_str *n)
{
	if (!n->n)
		return 0;
	for (size_t i = 0; i < n->n; i++) {
		char c = n->p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return 0;
	}
	return 1;
}

int merge_sqljson_odps_read(struct mc_buf *b, const struct mc_col *c, size_t i, const char *table,
			    struct mc_err *err)
{
	static const char *const casts[] = { "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT",
					     "DOUBLE", "DECIMAL" };
	const struct mc_str *t = &c->mc_type;
	const char *why = NULL, *cast = NULL;
	char g[200];
	int bin = 0, str = 0, tm = 0, rc;

	for (size_t k = 0; k < sizeof casts / sizeof *casts; k++)
		if (type_is(t, casts[k]))
			cast = casts[k];
	if (type_is(t, "STRING"))
		str = 1;
	else if (type_is(t, "BINARY"))
		bin = 1;
	if (!plain_name(&c->name))
		why = "its name is not letters, digits and '_' (no JSON path in MaxCompute names it)";
	else if (c->mysql_type.n >= 8 && !strncmp(c->mysql_type.p, "geometry", 8))
		why = "a GEOMETRY's JSON text is MySQL's internal form (SRID + WKB), the table's "
		      "value WKB";
	else if ((tm = merge_sqltime_col(c)) != 0) /* merge_sqltime.c */
		merge_sqltime_read(NULL, c, NULL, &why);
	else if (!cast && !str && !bin)
		why = "MaxCompute SQL has no exact reading of its JSON text for this type";
	if (why)
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s': column '%.*s' (%.*s in MaxCompute) of the dataworks-json "
			       "log layout: %s: use the dataworks layout for this table",
			       table, (int)c->name.n, c->name.p, (int)t->n, t->p, why);
	/* a JSON null is the literal '<sep>"c":null' in data_columns (the
	 * separator '{' for the first column, ',' for the others): no string
	 * holds it, as every '"' inside one is escaped; the reading does not
	 * depend on what GET_JSON_OBJECT makes of a null */
	rc = buf_addf(b, "CASE WHEN INSTR(%s, '%c\"%.*s\":null') > 0 THEN NULL ELSE %s",
		      WH_LAYOUT_JSON_COL, i ? ',' : '{', (int)c->name.n, c->name.p,
		      cast ? "CAST(" : bin ? "UNHEX(" : "");
	snprintf(g, sizeof g, "GET_JSON_OBJECT(%s, '$.%.*s')", WH_LAYOUT_JSON_COL,
		 (int)(c->name.n < 160 ? c->name.n : 160), c->name.p);
	rc |= tm ? merge_sqltime_read(b, c, g, &why) : buf_adds(b, g);
	if (cast)
		rc |= buf_addf(b, " AS %.*s)", (int)t->n, t->p);
	else if (bin)
		rc |= buf_addc(b, ')');
	rc |= buf_adds(b, " END");
	return rc < 0 ? mc_oom(err, "sql") : 0;
}

int merge_sqljson_odps_col(struct mc_buf *b, const struct mc_col *c, size_t i, const char *table,
			   struct mc_err *err)
{
	if (merge_sqljson_odps_read(b, c, i, table, err) < 0)
		return -1;
	if (buf_adds(b, " AS ") < 0 || ident(b, &c->name, MERGE_SQL_MAXCOMPUTE) < 0)
		return mc_oom(err, "sql");
	return 0;
}

int merge_sqljson_check(const struct merge_sql *q, struct mc_err *err)
{
	const struct mc_rec *s = q->schema;
	struct mc_buf t = { 0 };
	for (size_t i = 0; i < s->ncols; i++) {
		if (q->dialect == MERGE_SQL_MAXCOMPUTE) {
			t.len = 0;
			if (merge_sqljson_odps_col(&t, &s->cols[i], i, q->table, err) < 0) {
				buf_free(&t);
				return -1;
			}
		} else if (memchr(s->cols[i].name.p, '"', s->cols[i].name.n) ||
			   memchr(s->cols[i].name.p, '\\', s->cols[i].name.n)) {
			return mc_errf(err, MC_EXIT_DATA,
				       "table '%s': column '%.*s': a name with '\"' or '\\' has no "
				       "path in the dataworks-json layout's SQL (use the dataworks "
				       "layout)", q->table, (int)s->cols[i].name.n, s->cols[i].name.p);
		}
	}
	buf_free(&t);
	return 0;
}

/* sqlite: json_extract(data_columns, '$."c"') AS "c", bytes (hex digits in
 * the JSON) through unhex(). */
static int sqlite_col(struct mc_buf *b, const struct mc_col *c)
{
	int bin = type_is(&c->mc_type, "BINARY"), rc;
	rc = buf_addf(b, "%sjson_extract(%s, '$.\"", bin ? "unhex(" : "", WH_LAYOUT_JSON_COL);
	for (size_t k = 0; k < c->name.n && rc == 0; k++)
		rc |= c->name.p[k] == '\'' ? buf_adds(b, "''") : buf_addc(b, c->name.p[k]);
	rc |= buf_adds(b, bin ? "\"')) AS " : "\"') AS ");
	return rc | ident(b, &c->name, MERGE_SQL_SQLITE);
}

int merge_sqljson_cols(struct mc_buf *b, const struct merge_sql *q, struct mc_err *err)
{
	const struct mc_rec *s = q->schema;
	int rc = 0;
	for (size_t i = 0; i < s->ncols && rc == 0; i++) {
		rc = buf_adds(b, i ? ", " : "");
		if (rc == 0 && q->dialect == MERGE_SQL_SQLITE)
			rc = sqlite_col(b, &s->cols[i]);
		else if (rc == 0 && merge_sqljson_odps_col(b, &s->cols[i], i, q->table, err) < 0)
			return -1;
	}
	return rc < 0 ? mc_oom(err, "sql") : 0;
}
