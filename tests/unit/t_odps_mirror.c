/* t_odps_mirror: the answers of SQL about the state mirror
 * (odps_mirror_rows_parse, common/odps/mirror.h): fields split, bad lines
 * refused, and an answer as long as MaxCompute's limit on a query's
 * result refused as possibly cut short (docs/maxcompute.md "One state
 * directory per source table"). */
#define TAP_NAME "t_odps_mirror"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "odps/mirror.h"

static int parse(const char *text, size_t ncol, struct odps_mirror_rows *r, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	int rc;
	if (buf_adds(&b, text) < 0)
		return -2;
	rc = odps_mirror_rows_parse(&b, ncol, r, err);
	free(r->f);
	r->f = NULL;
	buf_free(&b);
	return rc;
}

/* An answer of n rows of two fields after the header line. */
static int rows(size_t n, struct odps_mirror_rows *r, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	int rc = buf_adds(&b, "writer,s\n");
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = buf_addf(&b, "w%zu,%zu\n", i, i);
	if (rc < 0)
		return -2;
	rc = odps_mirror_rows_parse(&b, 2, r, err);
	free(r->f);
	r->f = NULL;
	buf_free(&b);
	return rc;
}

int main(void)
{
	struct odps_mirror_rows r = { 0 };
	struct mc_err err = { 0 };

	tap_check(parse("a,b\nx,1\ny,2\n", 2, &r, &err) == 0 && r.nrow == 2, "two rows",
		  "rc/rows %zu: %s", r.nrow, err.msg);
	tap_check(parse("a,b\nx\n", 2, &r, &err) == -1 && strstr(err.msg, "fewer than 2"),
		  "a short line is refused", "%s", err.msg);
	tap_check(parse("a,b\nx,1,2\n", 2, &r, &err) == -1 && strstr(err.msg, "more than 2"),
		  "a long line is refused", "%s", err.msg);
	tap_check(rows(ODPS_SQL_ROWS_SHOWN - 1, &r, &err) == 0 &&
			  r.nrow == ODPS_SQL_ROWS_SHOWN - 1,
		  "an answer one row under the limit is read", "rows %zu: %s", r.nrow, err.msg);
	tap_check(rows(ODPS_SQL_ROWS_SHOWN, &r, &err) == -1 && err.code == MC_EXIT_DATA &&
			  strstr(err.msg, "may be cut short") && strstr(err.msg, "10000 rows"),
		  "an answer as long as the limit is refused: it may be cut", "%s", err.msg);
	return tap_done();
}
