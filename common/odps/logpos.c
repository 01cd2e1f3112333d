/* A log table's position in SQL (logpos.h). */
#include "odps/logpos.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "odps/sql.h"
#include "wh/layout.h"

int odps_logpos_cond(struct mc_buf *q, int layout, const struct mc_pos *p, const char *op,
		     struct mc_err *err)
{
	int rc;
	if (layout != WH_LAYOUT_MCSYNC) {
		int64_t id;
		if (wh_layout_id(p, &id, err) < 0)
			return -1;
		rc = buf_addf(q, "%s %s %" PRId64, wh_layout_role((enum wh_layout)layout, "id"), op,
			      id);
	} else {
		const char *strict = op[0] == '>' ? ">" : "<";
		const char *last = op[1] == '=' ? op : strict;
		rc = buf_addf(q, "(mc_pos_file %s %" PRIu64 " OR (mc_pos_file = %" PRIu64
			      " AND (mc_pos_off %s %" PRIu64 " OR (mc_pos_off = %" PRIu64
			      " AND mc_pos_row %s %" PRIu64 "))))", strict, p->file, p->file, strict,
			      p->off, p->off, last, p->row);
	}
	return rc < 0 ? mc_oom(err, "SQL") : 0;
}

const char *odps_logpos_cols(int layout)
{
	return layout != WH_LAYOUT_MCSYNC ? wh_layout_role((enum wh_layout)layout, "id")
					  : "mc_pos_file, mc_pos_off, mc_pos_row";
}

int odps_logpos_parse(int layout, const char *line, struct mc_pos *p)
{
	if (layout != WH_LAYOUT_MCSYNC) {
		char *end;
		long long id;
		errno = 0;
		id = strtoll(line, &end, 10);
		if (end == line || errno || id < 0 || (*end && *end != '\n' && *end != '\r' &&
						       *end != ','))
			return -1;
		wh_layout_id_pos((int64_t)id, p);
		return 0;
	}
	unsigned long long f, o, r;
	if (sscanf(line, "%llu,%llu,%llu", &f, &o, &r) != 3)
		return -1;
	p->file = f;
	p->off = o;
	p->row = r;
	return 0;
}

int odps_logpos_is_meta(int layout, const char *name)
{
	static const char *const mc[] = { "mc_op", "mc_image", "mc_time", "mc_pos_file",
					   "mc_pos_off", "mc_pos_row" };
	const struct wh_lcol *c;
	size_t n;
	if (layout == WH_LAYOUT_MCSYNC) {
		for (size_t i = 0; i < sizeof mc / sizeof *mc; i++)
			if (!strcasecmp(name, mc[i]))
				return 1;
		return 0;
	}
	for (int k = 0; k < 2; k++) {
		n = k ? wh_layout_tail((enum wh_layout)layout, &c)
		      : wh_layout_head((enum wh_layout)layout, &c);
		for (size_t i = 0; i < n; i++)
			if (!strcasecmp(name, c[i].name))
				return 1;
	}
	return 0;
}

int odps_logpos_layout(const char *name, int has_hist, const char *table, enum wh_layout *lay,
		       const char **settings, struct mc_err *err)
{
	if (wh_layout_parse(name, lay, err) < 0)
		return mc_errctx(err, "the ledger's log_layout: ");
	(void)has_hist; /* schema versions: in every layout (merge_sqllay.c) */
	(void)table;
	if (*lay != WH_LAYOUT_MCSYNC)
		*settings = ODPS_SQL_FULLSCAN ", " ODPS_SQL_SETTINGS;
	return 0;
}
