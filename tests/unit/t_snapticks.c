/* t_snapticks: the snapshot read's progress ticks (common/mysql/snap.h
 * snap_tick_row, snap_tick_end; both protocols' loops use them) and the
 * chunk-end bound built from the last row by a literal function
 * (snap_last_bound): every 256 rows, the row that stops a read at once
 * with the rows before it, the rest at the end, a failing tick stops. */
#include <stdlib.h>
#include <string.h>

#include "mysql/snap.h"

#define TAP_NAME "t_snapticks"
#include "tap.h"

struct log {
	uint64_t rows[16], bytes[16];
	int n, fail_at;
};

static int tick(void *ctx, uint64_t rows, uint64_t bytes)
{
	struct log *l = ctx;
	if (l->n < 16) {
		l->rows[l->n] = rows;
		l->bytes[l->n] = bytes;
	}
	return ++l->n == l->fail_at ? -1 : 0;
}

/* a read of nrows rows of 10 bytes each, stopped at its last row when
 * stop; returns what the loop returns (-1 on a stopping tick) */
static int read_rows(struct log *l, int nrows, int stop)
{
	struct snap_ticks k = { tick, l, 0, 100 };
	size_t len = 100;
	for (int i = 1; i <= nrows; i++) {
		len += 10;
		if (stop && i == nrows)
			return snap_tick_row(&k, len, 1);
		if (snap_tick_row(&k, len, 0) < 0)
			return -1;
	}
	return snap_tick_end(&k, len);
}

static char *lit(const struct snap_table *t, struct snap_reader *rd, MYSQL_ROW row,
		 const unsigned long *len, size_t i, size_t *hexcol)
{
	(void)t, (void)rd, (void)len;
	if (i == 1 && !row)
		return NULL;
	char *s = malloc(8);
	if (s)
		s[0] = (char)('a' + i), s[1] = (char)('0' + (*hexcol)++), s[2] = 0;
	return s;
}

int main(void)
{
	struct log l = { .fail_at = 0 };
	tap_check(read_rows(&l, 600, 0) == 0 && l.n == 3 && l.rows[0] == 256 &&
			  l.bytes[0] == 2560 && l.rows[1] == 256 && l.rows[2] == 88 &&
			  l.bytes[2] == 880,
		  "600 rows: 256, 256, 88", "%d ticks, %llu %llu %llu", l.n,
		  (unsigned long long)l.rows[0], (unsigned long long)l.rows[1],
		  (unsigned long long)l.rows[2]);
	memset(&l, 0, sizeof l);
	tap_check(read_rows(&l, 512, 0) == 0 && l.n == 2 && l.rows[1] == 256,
		  "512 rows: two ticks, none empty at the end", "%d ticks", l.n);
	memset(&l, 0, sizeof l);
	tap_check(read_rows(&l, 300, 1) == 0 && l.n == 2 && l.rows[0] == 256 &&
			  l.rows[1] == 44 && l.bytes[1] == 440,
		  "a read stopped at its 300th row ticks its last 44 at once", "%d ticks",
		  l.n);
	memset(&l, 0, sizeof l);
	l.fail_at = 2;
	tap_check(read_rows(&l, 1000, 0) == -1 && l.n == 2, "a failing tick stops the read",
		  "%d ticks", l.n);
	struct log none = { .n = 0 };
	struct snap_ticks k0 = { NULL, &none, 0, 0 };
	tap_check(snap_tick_row(&k0, 1, 1) == 0 && snap_tick_end(&k0, 2) == 0 && none.n == 0,
		  "no tick function: no calls", "%d", none.n);

	struct snap_table t;
	memset(&t, 0, sizeof t);
	t.ncols = 4;
	t.nsplit = 2;
	char *row[1] = { "x" };
	snap_bound b = NULL;
	struct mc_err e = { 0 };
	tap_check(snap_last_bound(&t, NULL, lit, row, NULL, &b, &e) == 0 && b &&
			  strcmp(b[0], "a4") == 0 && strcmp(b[1], "b5") == 0,
		  "the bound: each split column's literal, hex columns after the columns",
		  "%s %s", b ? b[0] : "-", b ? b[1] : "-");
	snap_bound_free(b, 2);
	b = NULL;
	tap_check(snap_last_bound(&t, NULL, lit, NULL, NULL, &b, &e) == -1 && !b,
		  "a literal that fails: no bound, an error", "%p", (void *)b);
	return tap_done();
}
