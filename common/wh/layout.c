/* The log layouts (layout.h, docs/warehouse.md "Log layouts"). */
#include "wh/layout.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/numfmt.h"
#include "base/utf8.h"

const char *const wh_layout_names[] = { "mcsync", "dts", "dts-new", "dataworks", "dataworks-json",
					NULL };

int wh_layout_parse(const char *s, enum wh_layout *l, struct mc_err *err)
{
	if (!s || !*s) {
		*l = WH_LAYOUT_MCSYNC;
		return 0;
	}
	for (int i = 0; wh_layout_names[i]; i++)
		if (strcmp(s, wh_layout_names[i]) == 0) {
			*l = (enum wh_layout)i;
			return 0;
		}
	return mc_errf(err, MC_EXIT_DATA,
		       "unknown log layout '%s' (want mcsync, dts, dts-new, dataworks or "
		       "dataworks-json)", s);
}

const char *wh_layout_name(enum wh_layout l)
{
	return (unsigned)l <= WH_LAYOUT_DATAWORKS_JSON ? wh_layout_names[l] : "?";
}

int wh_layout_is_json(enum wh_layout l)
{
	return l == WH_LAYOUT_DATAWORKS_JSON;
}

int wh_layout_has_ddl(enum wh_layout l)
{
	return l == WH_LAYOUT_DATAWORKS || l == WH_LAYOUT_DATAWORKS_JSON;
}

int wh_layout_id(const struct mc_pos *p, int64_t *id, struct mc_err *err)
{
	if (p->file >> WH_ID_FILE_BITS || p->off >> WH_ID_OFF_BITS || p->row >> WH_ID_ROW_BITS) {
		char a[64];
		pos_format(p, a, sizeof a);
		return mc_errf(err, MC_EXIT_DATA,
			       "position %s has no record_id (binlog file number below 2^20, "
			       "offset below 2^32 and row index below 2^11 only): use the "
			       "mcsync log layout for this source",
			       a);
	}
	*id = (int64_t)(p->file << (WH_ID_OFF_BITS + WH_ID_ROW_BITS) | p->off << WH_ID_ROW_BITS |
			p->row);
	return 0;
}

void wh_layout_id_pos(int64_t id, struct mc_pos *p)
{
	uint64_t u = (uint64_t)id;
	p->file = u >> (WH_ID_OFF_BITS + WH_ID_ROW_BITS);
	p->off = (u >> WH_ID_ROW_BITS) & ((UINT64_C(1) << WH_ID_OFF_BITS) - 1);
	p->row = u & ((UINT64_C(1) << WH_ID_ROW_BITS) - 1);
}

static const struct wh_lcol head_mcsync[] = {
	{ "_op", "STRING" }, { "_image", "STRING" }, { "_time", "BIGINT" }
};
static const struct wh_lcol tail_mcsync[] = {
	{ "_pos_file", "BIGINT" }, { "_pos_off", "BIGINT" }, { "_pos_row", "BIGINT" }
};
static const struct wh_lcol head_dts[] = {
	{ "record_id", "BIGINT" }, { "operation_flag", "STRING" }, { "utc_timestamp", "BIGINT" },
	{ "before_flag", "STRING" }, { "after_flag", "STRING" }
};
static const struct wh_lcol head_dts_new[] = {
	{ "new_dts_sync_record_id", "BIGINT" },     { "new_dts_sync_operation_flag", "STRING" },
	{ "new_dts_sync_utc_timestamp", "BIGINT" }, { "new_dts_sync_before_flag", "STRING" },
	{ "new_dts_sync_after_flag", "STRING" }
};
static const struct wh_lcol head_dw[] = {
	{ "sequence_id", "BIGINT" },    { "operation_type", "STRING" }, { "execute_time", "BIGINT" },
	{ "before_image", "STRING" },   { "after_image", "STRING" },    { "src_datasource", "STRING" },
	{ "src_database", "STRING" },   { "src_table", "STRING" }
};
static const struct wh_lcol tail_dw[] = { { "ddl_sql", "STRING" } };

#define N(a) (sizeof a / sizeof a[0])

size_t wh_layout_head(enum wh_layout l, const struct wh_lcol **cols)
{
	switch (l) {
	case WH_LAYOUT_DTS:
		*cols = head_dts;
		return N(head_dts);
	case WH_LAYOUT_DTS_NEW:
		*cols = head_dts_new;
		return N(head_dts_new);
	case WH_LAYOUT_DATAWORKS:
	case WH_LAYOUT_DATAWORKS_JSON:
		*cols = head_dw;
		return N(head_dw);
	default:
		*cols = head_mcsync;
		return N(head_mcsync);
	}
}

size_t wh_layout_tail(enum wh_layout l, const struct wh_lcol **cols)
{
	switch (l) {
	case WH_LAYOUT_DTS:
	case WH_LAYOUT_DTS_NEW:
		*cols = NULL;
		return 0;
	case WH_LAYOUT_DATAWORKS:
	case WH_LAYOUT_DATAWORKS_JSON:
		*cols = tail_dw;
		return N(tail_dw);
	default:
		*cols = tail_mcsync;
		return N(tail_mcsync);
	}
}

const char *wh_layout_role(enum wh_layout l, const char *role)
{
	static const char *const roles[] = { "id", "op", "time", "before", "after" };
	const struct wh_lcol *h;
	if (l == WH_LAYOUT_MCSYNC)
		return NULL;
	wh_layout_head(l, &h);
	for (size_t i = 0; i < N(roles); i++)
		if (strcmp(role, roles[i]) == 0)
			return h[i].name;
	return NULL;
}

static struct mc_val vi(int64_t i)
{
	struct mc_val v = { .kind = MC_V_INT };
	v.v.i = i;
	return v;
}

static struct mc_val vs(const char *p, size_t n)
{
	struct mc_val v = { .kind = MC_V_STR };
	v.v.s.p = p;
	v.v.s.n = n;
	return v;
}

static struct mc_val vc(const char *s)
{
	return vs(s, strlen(s));
}

/* One row: op, flags "YN"/"NY", the image; ddl: the statement (dataworks). */
static int one(enum wh_layout l, const struct mc_rec *r, int64_t id, const char *op, int before,
	       const struct mc_val *img, size_t nimg, const char *ds,
	       int (*fn)(void *, const struct wh_lrow *, struct mc_err *), void *ctx,
	       struct mc_err *err)
{
	struct wh_lrow w;
	memset(&w, 0, sizeof w);
	w.img = img;
	w.nimg = nimg;
	if (l == WH_LAYOUT_MCSYNC) {
		w.head[0] = vc(op);
		w.head[1] = vc(before ? "B" : "A");
		w.head[2] = vi(r->time);
		w.nhead = 3;
		w.tail[0] = vi((int64_t)r->pos.file);
		w.tail[1] = vi((int64_t)r->pos.off);
		w.tail[2] = vi((int64_t)r->pos.row);
		w.ntail = 3;
	} else {
		w.head[0] = vi(id);
		w.head[1] = vc(op);
		w.head[2] = vi(wh_layout_has_ddl(l) ? r->time * 1000 : r->time);
		w.head[3] = vc(before ? "Y" : "N");
		w.head[4] = vc(before ? "N" : "Y");
		w.nhead = 5;
		if (r->kind == MC_R_DDL)
			w.head[3] = w.head[4] = vc("N");
		if (wh_layout_has_ddl(l)) {
			w.head[5] = ds ? vc(ds) : (struct mc_val){ .kind = MC_V_NULL };
			w.head[6] = vs(r->db.p, r->db.n);
			w.head[7] = vs(r->table.p, r->table.n);
			w.nhead = 8;
			w.tail[0] = r->kind == MC_R_DDL ? vs(r->sql.p, r->sql.n)
							: (struct mc_val){ .kind = MC_V_NULL };
			w.ntail = 1;
		}
	}
	return fn(ctx, &w, err);
}

const char *wh_layout_marker(enum mc_ddl_effect e)
{
	switch (e) {
	case MC_DDL_TRUNCATE: return "T";
	case MC_DDL_DROP: case MC_DDL_RENAME_FROM: return "X";
	case MC_DDL_CREATE: return "C";
	case MC_DDL_RENAME_TO: return "R";
	default: return NULL;
	}
}

int wh_layout_barrier(const char *const *ops, size_t n, long *at, long *bad)
{
	long gone = -1;
	*at = -1;
	*bad = -1;
	for (size_t i = 0; i < n; i++) {
		switch (ops[i][0]) {
		case 'T':
			*at = (long)i;
			break;
		case 'X':
			gone = (long)i;
			break;
		case 'C': /* after a DROP: a new table; else (IF NOT EXISTS) nothing */
			if (gone >= 0)
				*at = (long)i;
			gone = -1;
			break;
		case 'R':
			*bad = (long)i;
			return -1;
		default:
			break;
		}
	}
	if (gone >= 0) {
		*bad = gone;
		return -1;
	}
	return 0;
}

int wh_layout_rows(enum wh_layout l, const struct mc_rec *r, const char *datasource,
		   int (*fn)(void *ctx, const struct wh_lrow *row, struct mc_err *err), void *ctx,
		   struct mc_err *err)
{
	return wh_layout_rows_schema(l, r, NULL, datasource, NULL, fn, ctx, err);
}

/* the image as its JSON text, in *v (pointing into scratch) */
static int json_img(const struct mc_rec *r, const struct mc_rec *schema, struct mc_buf *scratch,
		    const struct mc_val *img, size_t n, struct mc_val *v, struct mc_err *err)
{
	scratch->len = 0;
	if (wh_layout_json(scratch, schema, img, n, &r->pos, err) < 0)
		return -1;
	*v = vs(scratch->p, scratch->len);
	return 0;
}

int wh_layout_rows_schema(enum wh_layout l, const struct mc_rec *r, const struct mc_rec *schema,
			  const char *datasource, struct mc_buf *scratch,
			  int (*fn)(void *ctx, const struct wh_lrow *row, struct mc_err *err),
			  void *ctx, struct mc_err *err)
{
	static const char *const mc_ops[] = { "S", "I", "U", "D" };
	int64_t id = 0;
	if (r->kind == MC_R_DDL && l == WH_LAYOUT_MCSYNC) {
		/* a marker: its op and position, the other columns NULL */
		struct wh_lrow w;
		const char *m = wh_layout_marker(r->effect);
		if (!m)
			return 0;
		memset(&w, 0, sizeof w);
		w.head[0] = vc(m);
		w.head[1] = w.head[2] = (struct mc_val){ .kind = MC_V_NULL };
		w.nhead = 3;
		w.tail[0] = vi((int64_t)r->pos.file);
		w.tail[1] = vi((int64_t)r->pos.off);
		w.tail[2] = vi((int64_t)r->pos.row);
		w.ntail = 3;
		return fn(ctx, &w, err);
	}
	if (r->kind != MC_R_ROW && (r->kind != MC_R_DDL || !wh_layout_has_ddl(l)))
		return 0;
	if (l != WH_LAYOUT_MCSYNC && wh_layout_id(&r->pos, &id, err) < 0)
		return -1;
	if (r->kind == MC_R_DDL) {
		const char *t = r->effect == MC_DDL_TRUNCATE ? "TRUNCATE"
				: r->effect == MC_DDL_RENAME_FROM || r->effect == MC_DDL_RENAME_TO
					? "RENAME"
					: "ALTER";
		return one(l, r, id, t, 0, NULL, 0, datasource, fn, ctx, err);
	}
	const char *op = l == WH_LAYOUT_MCSYNC ? mc_ops[r->op]
			 : r->op == MC_OP_UPDATE ? "U"
			 : r->op == MC_OP_DELETE ? "D"
						 : "I";
	if (wh_layout_is_json(l)) {
		struct mc_val j;
		char a[64];
		if (!schema || !scratch) {
			pos_format(&r->pos, a, sizeof a);
			return mc_errf(err, MC_EXIT_DATA,
				       "position %s: the dataworks-json log layout needs the "
				       "table's schema for its JSON column", a);
		}
		if (r->before && (json_img(r, schema, scratch, r->before, r->nbefore, &j, err) < 0 ||
				  one(l, r, id, op, 1, &j, 1, datasource, fn, ctx, err) < 0))
			return -1;
		if (r->after && (json_img(r, schema, scratch, r->after, r->nafter, &j, err) < 0 ||
				 one(l, r, id, op, 0, &j, 1, datasource, fn, ctx, err) < 0))
			return -1;
		return 0;
	}
	if (r->before && one(l, r, id, op, 1, r->before, r->nbefore, datasource, fn, ctx, err) < 0)
		return -1;
	if (r->after && one(l, r, id, op, 0, r->after, r->nafter, datasource, fn, ctx, err) < 0)
		return -1;
	return 0;
}

/* ---- the JSON form's data_columns (layout.h: wh_layout_json) ---- */

/* s as a JSON string; -1 when s is not UTF-8 (b then holds part of it). */
static int jstr(struct mc_buf *b, const char *s0, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)s0;
	if (buf_grow(b, n + 2) < 0)
		return -2;
	b->p[b->len++] = '"';
	for (size_t i = 0; i < n;) {
		size_t run = i, k;
		while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
			i++;
		if (i > run && buf_add(b, s + run, i - run) < 0)
			return -2;
		if (i == n)
			break;
		if (s[i] >= 0x80) {
			if (!(k = s[i] < 0x80 ? 1 : utf8_seq(s + i, n - i)))
				return -1;
			if (buf_add(b, s + i, k) < 0)
				return -2;
			i += k;
			continue;
		}
		char e[6] = { '\\', (char)s[i], 0 };
		size_t en = 2;
		switch (s[i]) {
		case '"': case '\\': break;
		case '\n': e[1] = 'n'; break;
		case '\t': e[1] = 't'; break;
		case '\r': e[1] = 'r'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		default:
			e[1] = 'u', e[2] = '0', e[3] = '0', e[4] = hx[s[i] >> 4], e[5] = hx[s[i] & 15];
			en = 6;
		}
		if (buf_add(b, e, en) < 0)
			return -2;
		i++;
	}
	return buf_addc(b, '"') < 0 ? -2 : 0;
}

/* Whether the MaxCompute type t is an integer type. */
static int int_type(const struct mc_str *t)
{
	static const char *const ints[] = { "TINYINT", "SMALLINT", "INT", "BIGINT" };
	for (size_t i = 0; i < N(ints); i++)
		if (t->n == strlen(ints[i]) && memcmp(t->p, ints[i], t->n) == 0)
			return 1;
	return 0;
}

int wh_layout_json(struct mc_buf *b, const struct mc_rec *schema, const struct mc_val *img,
		   size_t n, const struct mc_pos *pos, struct mc_err *err)
{
	static const char hx[] = "0123456789ABCDEF";
	char a[64], t[64];
	const char *why = NULL;
	size_t i = 0;
	int rc = 0;

	if (n != schema->ncols) {
		pos_format(pos, a, sizeof a);
		return mc_errf(err, MC_EXIT_DATA,
			       "position %s: a row image of %zu values in a table of %zu columns "
			       "has no data_columns JSON", a, n, schema->ncols);
	}
	rc = buf_addc(b, '{');
	for (i = 0; i < n && rc == 0; i++) {
		const struct mc_val *v = &img[i];
		const struct mc_col *c = &schema->cols[i];
		uint64_t u = 0;
		if (i)
			rc = buf_addc(b, ',');
		if (rc == 0 && (rc = jstr(b, c->name.p, c->name.n)) == -1) {
			why = "its name is not UTF-8";
			break;
		}
		if (rc == 0)
			rc = buf_addc(b, ':');
		if (rc)
			break;
		switch (v->kind) {
		case MC_V_NULL:
			rc = buf_adds(b, "null");
			break;
		case MC_V_ABSENT:
			why = "the value is absent (a MINIMAL row image)";
			break;
		case MC_V_INT:
		case MC_V_UINT:
		case MC_V_BIT:
			if (v->kind == MC_V_BIT)
				for (size_t k = 0; k < v->v.s.n; k++)
					u = u << 8 | (unsigned char)v->v.s.p[k];
			else
				u = v->v.u; /* the same bits as v.i */
			if (v->kind == MC_V_INT && v->v.i < 0)
				snprintf(t, sizeof t, "%" PRId64, v->v.i);
			else
				snprintf(t, sizeof t, "%" PRIu64, u);
			if (int_type(&c->mc_type) && (v->kind == MC_V_INT || u <= INT64_MAX))
				rc = buf_adds(b, t);
			else
				rc = buf_addf(b, "\"%s\"", t);
			break;
		case MC_V_F32:
			rc = buf_add(b, t, numfmt_f32(v->v.f32, t));
			break;
		case MC_V_F64:
			rc = buf_add(b, t, numfmt_f64(v->v.f64, t));
			break;
		case MC_V_BIN:
			if ((rc = buf_grow(b, 2 * v->v.s.n + 2)) < 0)
				break;
			b->p[b->len++] = '"';
			for (size_t k = 0; k < v->v.s.n; k++) {
				unsigned char x = (unsigned char)v->v.s.p[k];
				b->p[b->len++] = hx[x >> 4];
				b->p[b->len++] = hx[x & 15];
			}
			b->p[b->len++] = '"';
			break;
		default: /* text, DECIMAL, dates and times, JSON: the text */
			if ((rc = jstr(b, v->v.s.p, v->v.s.n)) == -1)
				why = "its text is not UTF-8";
			break;
		}
		if (why)
			break;
	}
	if (why) {
		pos_format(pos, a, sizeof a);
		return mc_errf(err, MC_EXIT_DATA,
			       "position %s, column '%.*s' (value %zu): %s: it has no data_columns "
			       "JSON text (use the dataworks layout)",
			       a, (int)schema->cols[i].name.n, schema->cols[i].name.p, i + 1, why);
	}
	if (rc < 0 || buf_addc(b, '}') < 0)
		return mc_oom(err, "data_columns JSON");
	return 0;
}
