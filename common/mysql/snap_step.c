/* snap_step.c: the chunk bounds of a dense integer key by arithmetic. A
 * split key of one unique integer column whose range of values is at most
 * SNAP_STEP_DENSE times the table's row estimate is cut into ranges of
 * `step` values, step chosen for about chunk_rows rows a chunk, with no
 * query per bound (snap_next_bound reads chunk_rows index entries for each
 * one, a tenth of the server's work of a snapshot). The bounds only cut
 * the key space: every value lies in one range, the last range is open,
 * and a range that holds more rows than planned is split by its read
 * (snap_read's limit), so a wrong estimate costs chunk sizes, never rows.
 * Values are kept in an order-preserving unsigned form (signed: the sign
 * bit flipped). */
#include "mysql/snap.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mysql/myconn.h"
#include "base/alloc.h"
#include "base/num.h"

#define SNAP_STEP_DENSE 4.0
#define SIGN_BIT (UINT64_C(1) << 63)

static int to_ord(const struct snap_steps *p, const char *s, uint64_t *out)
{
	int64_t v;
	if (p->is_unsigned)
		return num_u64(s, out);
	if (num_i64(s, &v) < 0)
		return -1;
	*out = (uint64_t)v ^ SIGN_BIT;
	return 0;
}

int snap_steps_init(MYSQL *m, const struct snap_table *t, const snap_bound from,
		    uint64_t chunk_rows, struct snap_steps *p, struct mc_err *err)
{
	memset(p, 0, sizeof *p);
	if (t->nsplit != 1 || !t->split_unique || t->est_rows == 0 || chunk_rows == 0)
		return 0;
	const struct snap_col *c = &t->cols[t->split[0]];
	if (c->kk != SNAP_K_NUM || c->vk != MC_V_INT)
		return 0;
	p->is_unsigned = (c->flags & MC_CF_UNSIGNED) != 0;
	struct mc_buf q = { 0 };
	MYSQL_RES *res;
	if (buf_adds(&q, "SELECT MIN(") < 0 || snap_quote_ident(&q, c->name) < 0 ||
	    buf_adds(&q, "),MAX(") < 0 || snap_quote_ident(&q, c->name) < 0 ||
	    buf_adds(&q, ") FROM ") < 0 || buf_adds(&q, t->qname) < 0 || buf_addc(&q, 0) < 0) {
		buf_free(&q);
		return mc_oom(err, "a chunk bound query");
	}
	int rc = my_query(m, q.p, &res, err);
	buf_free(&q);
	if (rc < 0)
		return mc_errctx(err, "table '%s.%s': ", t->db, t->name);
	MYSQL_ROW row = mysql_fetch_row(res);
	uint64_t lo, hi;
	int ok = row && row[0] && row[1] && to_ord(p, row[0], &lo) == 0 &&
		 to_ord(p, row[1], &hi) == 0 && lo <= hi;
	mysql_free_result(res);
	if (!ok)
		return 0; /* empty (or unreadable): one query of the planner ends it */
	double range = (double)(hi - lo) + 1.0;
	if (range > SNAP_STEP_DENSE * (double)t->est_rows)
		return 0;
	double step = (double)chunk_rows * range / (double)t->est_rows;
	/* a unique key: a range of chunk_rows values holds at most chunk_rows
	 * rows, so a step below it only makes chunks smaller */
	p->step = step < (double)chunk_rows ? chunk_rows
		  : step >= 1.8e19	   ? UINT64_MAX
					   : (uint64_t)step;
	p->max = hi;
	p->cur = lo;
	if (from) {
		if (!from[0] || to_ord(p, from[0], &p->cur) < 0)
			return 0;
		p->started = 1;
	}
	return 1;
}

int snap_steps_next(struct snap_steps *p, snap_bound *hi, struct mc_err *err)
{
	*hi = NULL;
	/* the first range starts at the smallest value: it ends step - 1 on */
	uint64_t add = p->started ? p->step : p->step - 1;
	if (p->cur >= p->max || p->max - p->cur <= add)
		return 0; /* the last range: open, for rows past the largest value */
	p->cur += add;
	p->started = 1;
	char d[32];
	if (p->is_unsigned)
		snprintf(d, sizeof d, "%" PRIu64, p->cur);
	else
		snprintf(d, sizeof d, "%" PRId64, (int64_t)(p->cur ^ SIGN_BIT));
	char **b = calloc(1, sizeof *b);
	if (!b || !(b[0] = mc_strdup(d))) {
		free(b);
		return mc_oom(err, "a chunk bound");
	}
	*hi = b;
	return 1;
}
