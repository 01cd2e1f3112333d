/* tables_lay.c: the log table of a layout other than mcsync's (dts,
 * dts-new, dataworks) across schema versions (tables.h,
 * docs/maxcompute.md "Schema changes"): it holds the layout's own columns
 * and the history's SQL columns, evolved by odps_tables_evolve as the
 * mcsync layout's are. */
#include "odps/tables.h"

#include <string.h>
#include <strings.h>

#include "wh/layout.h"

int odps_evolve_lay_clash(int layout, const struct mc_col *pc, const struct mc_rec *s,
			  struct mc_err *err)
{
	const struct wh_lcol *c;
	for (int k = 0; k < 2; k++) {
		size_t n = k ? wh_layout_tail((enum wh_layout)layout, &c)
			     : wh_layout_head((enum wh_layout)layout, &c);
		for (size_t i = 0; i < n; i++)
			if (strlen(c[i].name) == pc->name.n &&
			    !strncasecmp(c[i].name, pc->name.p, pc->name.n))
				return mc_errf(err, MC_EXIT_DATA,
					       "column '%s' of %.*s.%.*s (in its schema history) is a "
					       "column of the %s log layout too%s", c[i].name,
					       (int)s->db.n, s->db.p, (int)s->table.n, s->table.p,
					       wh_layout_name((enum wh_layout)layout),
					       layout == WH_LAYOUT_DTS ? ": use the dts-new layout "
					       "(new_dts_sync_ names)" : "");
	}
	return 0;
}

int odps_evolve_lay_check(const struct odps_desc *d, int layout, const char *tbl,
			  struct mc_err *err)
{
	const struct wh_lcol *c;
	for (int k = 0; k < 2; k++) {
		size_t n = k ? wh_layout_tail((enum wh_layout)layout, &c)
			     : wh_layout_head((enum wh_layout)layout, &c);
		for (size_t i = 0; i < n; i++) {
			size_t j = 0;
			while (j < d->ncols && strcasecmp(d->names[j], c[i].name))
				j++;
			if (j == d->ncols)
				return mc_errf(err, MC_EXIT_DATA, "%s: has no column '%s': not a log "
					       "table of the %s layout (docs/maxcompute.md \"Tables\")",
					       tbl, c[i].name, wh_layout_name((enum wh_layout)layout));
		}
	}
	return 0;
}
