/* The log layouts (layout.h, docs/warehouse.md "Log layouts"). */
#include "wh/layout.h"

#include <inttypes.h>
#include <string.h>

const char *const wh_layout_names[] = { "mcsync", "dts", "dts-new", "dataworks", NULL };

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
		       "unknown log layout '%s' (want mcsync, dts, dts-new or dataworks)", s);
}

const char *wh_layout_name(enum wh_layout l)
{
	return (unsigned)l <= WH_LAYOUT_DATAWORKS ? wh_layout_names[l] : "?";
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
		w.head[2] = vi(l == WH_LAYOUT_DATAWORKS ? r->time * 1000 : r->time);
		w.head[3] = vc(before ? "Y" : "N");
		w.head[4] = vc(before ? "N" : "Y");
		w.nhead = 5;
		if (r->kind == MC_R_DDL)
			w.head[3] = w.head[4] = vc("N");
		if (l == WH_LAYOUT_DATAWORKS) {
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
	if (r->kind != MC_R_ROW && (r->kind != MC_R_DDL || l != WH_LAYOUT_DATAWORKS))
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
	if (r->before && one(l, r, id, op, 1, r->before, r->nbefore, datasource, fn, ctx, err) < 0)
		return -1;
	if (r->after && one(l, r, id, op, 0, r->after, r->nafter, datasource, fn, ctx, err) < 0)
		return -1;
	return 0;
}
