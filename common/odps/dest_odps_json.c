/* dest_odps_json.c: the dataworks-json log layout into MaxCompute: the
 * columns data_columns can carry (json_odps.h), the schema its rows are
 * made with, each value checked as the table's column would take it. */
#include "odps/dest_odps_int.h"
#include "odps/json_odps.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "wh/layout.h"
#include "wh/merge_sql.h"

int odps_json_col_ok(const struct mc_rec *s, size_t i, const struct odps_colmap *m,
		     struct mc_err *err)
{
	const struct mc_col *c = &s->cols[i];
	struct mc_col x = *c;
	struct mc_buf b = { 0 };
	char tn[300];
	const char *why = NULL;
	int rc;
	int isint = m->type == ODPS_T_TINYINT || m->type == ODPS_T_SMALLINT ||
		    m->type == ODPS_T_INT || m->type == ODPS_T_BIGINT;
	switch (m->src) {
	case ODPS_S_INT: case ODPS_S_YEAR: case ODPS_S_BIT:
		if (!isint && m->type != ODPS_T_DECIMAL)
			why = "the JSON holds its number, not the text MaxCompute's column takes";
		break;
	case ODPS_S_F32:
		if (m->type != ODPS_T_FLOAT)
			why = "the JSON holds the FLOAT's shortest text, which reads as another DOUBLE";
		break;
	case ODPS_S_DECIMAL:
		if (m->type != ODPS_T_DECIMAL && m->type != ODPS_T_STRING)
			why = "the JSON holds the DECIMAL's text";
		break;
	case ODPS_S_GEO:
		if (m->geo != ODPS_GEO_INTERNAL)
			why = "a GEOMETRY's JSON text is MySQL's internal form (SRID + WKB), the "
			      "table's value WKB";
		break;
	case ODPS_S_BIN:
		break;
	case ODPS_S_OTHER:
		if (m->type != ODPS_T_STRING && m->type != ODPS_T_BINARY)
			why = "the JSON holds its text";
		break;
	case ODPS_S_DATETIME: case ODPS_S_TIMESTAMP: /* merge_sqltime.c, dest_odps_jtime.c */
		if (m->wall_offset && m->src == ODPS_S_DATETIME &&
		    (m->type == ODPS_T_DATETIME || m->type == ODPS_T_TIMESTAMP))
			why = "its wall clock is an instant at a UTC offset other than 0 (the "
			      "column's choice), the merge reads its text at UTC";
		else if (m->type == ODPS_T_DATETIME && m->frac > 3)
			why = "the merge reads at most three fraction digits as a DATETIME";
		break;
	default: /* F64, the dates, TIME, JSON, text: the merge's rules */
		break;
	}
	snprintf(tn, sizeof tn, "%.*s.%.*s", (int)s->db.n, s->db.p, (int)s->table.n, s->table.p);
	if (why)
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s': column '%.*s' (%s in MaxCompute) of the dataworks-json "
			       "log layout: %s: use the dataworks layout for this table",
			       tn, (int)c->name.n, c->name.p, m->text, why);
	x.mc_type = mc_str_c(m->text, strlen(m->text));
	if (m->src == ODPS_S_GEO) /* the internal form: its bytes as they are */
		x.mysql_type = mc_str_c("", 0);
	rc = merge_sqljson_odps_col(&b, &x, i, tn, err);
	buf_free(&b);
	return rc;
}

int odd_lay_json_schema(struct odd *w, const char *p, size_t n, struct mc_err *err)
{
	size_t used;
	if (rec_decode(p, n, 0, &used, &w->jschema, &w->jsc, err) != 1 ||
	    w->jschema.kind != MC_R_SCHEMA)
		return mc_errf(err, MC_EXIT_DATA, "internal: a schema record that does not decode");
	return 0;
}

/* The image's values as the table's columns would take them (the checks
 * of the dataworks layout: BIGINT's range, DECIMAL's digits, the size of
 * text), none kept: data_columns holds the record's text. */
static int check_img(struct odd *w, const struct mc_val *img, size_t n, const struct mc_pos *pos,
		     struct mc_err *err)
{
	struct odps_val ov;
	for (size_t i = 0; i < n && i < w->nmaps; i++)
		if (odps_val_conv(&w->maps[i], &img[i], pos, &ov, err) < 0 ||
		    odps_json_time_ok(&w->jschema, i, &w->maps[i], &img[i], &ov, pos, err) < 0)
			return -1;
	return 0;
}

int odd_lay_json_rows(struct odd *w, const struct mc_rec *r,
		      int (*fn)(void *ctx, const struct wh_lrow *row, struct mc_err *err), void *ctx,
		      struct mc_err *err)
{
	if (r->kind == MC_R_ROW &&
	    ((r->before && check_img(w, r->before, r->nbefore, &r->pos, err) < 0) ||
	     (r->after && check_img(w, r->after, r->nafter, &r->pos, err) < 0)))
		return -1;
	return wh_layout_rows_schema(WH_LAYOUT_DATAWORKS_JSON, r,
				     r->kind == MC_R_ROW ? &w->jschema : NULL, NULL, &w->jbuf, fn,
				     ctx, err);
}
