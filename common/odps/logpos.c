/* A log table's position in SQL (logpos.h). */
#include "odps/logpos.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
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
