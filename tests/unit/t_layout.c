/* wh/layout.c: the id is the position packed, order kept, and back; a
 * position it cannot hold is refused, not wrapped; the rows of an update;
 * a table column named like a layout column is refused by the SQL. */
#define TAP_NAME "t_layout"
#include "tap.h"

#include <string.h>

#include "wh/layout.h"
#include "wh/merge_sql.h"

static int nrows;
static struct wh_lrow rows[4];

static int keep(void *ctx, const struct wh_lrow *w, struct mc_err *err)
{
	(void)ctx;
	(void)err;
	if (nrows < 4)
		rows[nrows] = *w;
	nrows++;
	return 0;
}

int main(void)
{
	struct mc_err err = { 0 };
	int64_t a = 0, b = 0;
	struct mc_pos p = { 999999, 4294967295u, 2047 }, q = { 1000000, 4, 0 }, back;

	tap_check(wh_layout_id(&p, &a, &err) == 0 && wh_layout_id(&q, &b, &err) == 0 && a < b && a > 0,
		  "the highest ids keep the order and stay positive", "%lld %lld", (long long)a,
		  (long long)b);
	wh_layout_id_pos(a, &back);
	tap_check(pos_cmp(&back, &p) == 0, "the position comes back", "%s", "no");
	struct mc_pos bad[] = { { 1u << 20, 4, 0 }, { 1, 1ull << 32, 0 }, { 1, 4, 2048 } };
	for (int i = 0; i < 3; i++) {
		memset(&err, 0, sizeof err);
		tap_check(wh_layout_id(&bad[i], &a, &err) < 0 && strstr(err.msg, "has no record_id"),
			  "a position beyond the id's bits is refused", "%s", err.msg);
	}

	/* an update: two rows, one id, flags Y/N then N/Y */
	struct mc_val bv[1] = { { .kind = MC_V_INT } }, av[1] = { { .kind = MC_V_INT } };
	struct mc_rec r;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_ROW;
	r.op = MC_OP_UPDATE;
	r.pos = (struct mc_pos){ 3, 100, 1 };
	r.time = 1700000000;
	r.before = bv;
	r.nbefore = 1;
	r.after = av;
	r.nafter = 1;
	nrows = 0;
	tap_check(wh_layout_rows(WH_LAYOUT_DTS, &r, NULL, keep, NULL, &err) == 0 && nrows == 2,
		  "an update is two rows", "%d", nrows);
	tap_check(rows[0].head[0].v.i == rows[1].head[0].v.i &&
			  rows[0].head[0].v.i == ((int64_t)3 << 43 | 100 << 11 | 1),
		  "sharing the id of the position", "%s", "no");
	tap_check(rows[0].head[3].v.s.p[0] == 'Y' && rows[0].head[4].v.s.p[0] == 'N' &&
			  rows[1].head[3].v.s.p[0] == 'N' && rows[1].head[4].v.s.p[0] == 'Y' &&
			  rows[0].img == bv && rows[1].img == av && rows[0].head[1].v.s.p[0] == 'U',
		  "before Y/N, then after N/Y", "%s", "no");
	nrows = 0;
	tap_check(wh_layout_rows(WH_LAYOUT_DATAWORKS, &r, "ds1", keep, NULL, &err) == 0 &&
			  nrows == 2 && rows[0].nhead == 8 && rows[0].ntail == 1 &&
			  rows[0].head[2].v.i == 1700000000000,
		  "dataworks: eight columns before, ddl_sql after, milliseconds", "%s", "no");

	/* a column named like the layout's */
	struct mc_col cols[2];
	memset(cols, 0, sizeof cols);
	cols[0].name = (struct mc_str){ "id", 2 };
	cols[0].mc_type = (struct mc_str){ "BIGINT", 6 };
	cols[1].name = (struct mc_str){ "Record_ID", 9 };
	cols[1].mc_type = (struct mc_str){ "BIGINT", 6 };
	struct mc_rec s;
	memset(&s, 0, sizeof s);
	s.kind = MC_R_SCHEMA;
	s.cols = cols;
	s.ncols = 2;
	struct mc_buf bb = { 0 };
	memset(&err, 0, sizeof err);
	tap_check(merge_sql_create_layout(&bb, &s, "t", MERGE_SQL_SQLITE, WH_LAYOUT_DTS, &err) < 0 &&
			  strstr(err.msg, "use the dts-new layout"),
		  "a column named record_id is refused under dts", "%s", err.msg);
	bb.len = 0;
	tap_check(merge_sql_create_layout(&bb, &s, "t", MERGE_SQL_SQLITE, WH_LAYOUT_DTS_NEW, &err) == 0,
		  "and taken under dts-new", "%s", err.msg);
	buf_free(&bb);
	return tap_done();
}
