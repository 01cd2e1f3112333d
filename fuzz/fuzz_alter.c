/* fuzz_alter.c: the ALTER TABLE reader of the schema history
 * (wh/schemaconv.c) over arbitrary statements: wh_alter_parse, then the
 * statement as the one between two versions of a small table, planned
 * and applied to a row (defaults read from the text, renames followed). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wh/schemahist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mc_col col(const char *name, const char *type, int nullable)
{
	struct mc_col c;
	memset(&c, 0, sizeof c);
	c.name = mc_str_c(name, strlen(name));
	c.mysql_type = mc_str_c(type, strlen(type));
	c.mc_type = mc_str_c("STRING", 6);
	c.nullable = nullable;
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wh_alter a;
	struct mc_err e = { 0 };
	struct mc_col c0[] = { col("a", "int", 0), col("b", "varchar(5)", 1) };
	struct mc_col c1[] = { col("a", "bigint", 0), col("c", "varchar(9)", 1),
			       col("n", "decimal(6,2)", 0), col("t", "datetime(3)", 0),
			       col("e", "enum('x','y')", 0), col("s", "text", 0) };
	uint32_t key[] = { 0 };
	struct mc_rec s0, s1, d;
	struct wh_hist h = { 0 };
	struct wh_step st;
	struct mc_val in[2] = { { .kind = MC_V_INT, .v.i = 5 },
				{ .kind = MC_V_STR, .v.s = { "abc", 3 } } };
	struct mc_val out[6];
	struct mc_buf scr = { 0 };
	char *sql = malloc(size ? size : 1);
	if (!sql)
		return 0;
	memcpy(sql, data, size);
	wh_alter_parse(sql, size, &a, &e);
	memset(&s0, 0, sizeof s0);
	s0.kind = MC_R_SCHEMA;
	s0.db = mc_str_c("d", 1);
	s0.table = mc_str_c("t", 1);
	s0.cols = c0;
	s0.ncols = 2;
	s0.key = key;
	s0.nkey = 1;
	s1 = s0;
	s1.cols = c1;
	s1.ncols = 6;
	s1.pos.off = 20;
	memset(&d, 0, sizeof d);
	d.kind = MC_R_DDL;
	d.pos.off = 10;
	d.sql = mc_str_c(sql, size);
	if (wh_hist_push(&h, &s0, &e) == 0 && wh_hist_push(&h, &d, &e) == 0 &&
	    wh_hist_push(&h, &s1, &e) == 0 && h.n == 2 && wh_step_plan(&h, 0, &st, &e) == 0) {
		wh_step_image(&st, in, 2, out, &scr, &e);
		wh_step_free(&st);
	}
	buf_free(&scr);
	wh_hist_free(&h);
	free(sql);
	return 0;
}
