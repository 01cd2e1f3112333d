/* sqlhist.h: a table's schema history as the SQL tables hold it
 * (docs/merge.md "Schema changes: the SQL merge").
 *
 * The base and log tables of the SQL side have one column per column of
 * the history, followed through its versions (a RENAME or CHANGE keeps the
 * column, an ADD makes a new one): named as in the newest version that has
 * it, with that version's type. A row written in version v has v's values
 * in the columns of v, NULL in the others. A row's version is the one in
 * force at its position (wh_hist_at). */
#ifndef MC_SQLHIST_H
#define MC_SQLHIST_H

#include <stddef.h>

#include "base/err.h"
#include "wh/schemahist.h"

struct wh_sqlhist {
	const struct wh_hist *h;
	struct wh_step *steps;      /* step k: version k to k + 1 (h->n - 1 of them) */
	size_t nphys;
	const struct mc_col **pcol; /* per SQL column: its column in the newest
				     * version that has it (name, type) */
	size_t **phys;              /* phys[v][i]: the SQL column of version v's column i */
};

/* -1 when two columns of the history would share one SQL column name (a
 * column dropped, or renamed away, and another added under its name). */
int wh_sqlhist_build(const struct wh_hist *h, struct wh_sqlhist *x, struct mc_err *err);
void wh_sqlhist_free(struct wh_sqlhist *x);

/* Can the rows of versions lo .. t-1 be converted to version t by SQL: 0,
 * or -1 naming the step and the column (as mc-merge would refuse a row of
 * them; and a type change without its statement, whose values mc-merge
 * checks row by row, which SQL cannot). */
int wh_sqlhist_check(const struct wh_sqlhist *x, size_t lo, size_t t, struct mc_err *err);

/* Version w's column (index) of SQL column p, -1 when w does not have it. */
long wh_sqlhist_col(const struct wh_sqlhist *x, size_t w, size_t p);

#endif
