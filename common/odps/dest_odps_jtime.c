/* dest_odps_jtime.c: the dataworks-json layout's DATE, DATETIME and
 * TIMESTAMP values into MaxCompute, checked one by one: the merge reads
 * each back from its JSON text (wh/merge_sqltime.c) under the session time
 * zone Etc/GMT, which MaxCompute documents as giving the value the Tunnel
 * gives (the mcsync and dataworks layouts) from 1900-01-01 on only
 * (docs/maxcompute.md "Tables", dataworks-json). */
#include <stdio.h>
#include <string.h>

#include "odps/json_odps.h"

/* 1900-01-01 00:00:00 UTC in days, milliseconds and seconds */
#define JT_DAYS (-25567LL)
#define JT_SECS (-2208988800LL)

static int is_time(const struct odps_colmap *m)
{
	return (m->src == ODPS_S_DATE || m->src == ODPS_S_DATETIME || m->src == ODPS_S_TIMESTAMP) &&
	       (m->type == ODPS_T_DATE || m->type == ODPS_T_DATETIME ||
		m->type == ODPS_T_TIMESTAMP);
}

int odps_json_time_ok(const struct mc_rec *s, size_t i, const struct odps_colmap *m,
		      const struct mc_val *v, const struct odps_val *ov, const struct mc_pos *pos,
		      struct mc_err *err)
{
	const char *why = NULL;
	size_t want = m->src == ODPS_S_DATE ? 10 : m->frac ? 20u + m->frac : 19;
	char at[64] = "?";

	if (!is_time(m) || v->kind == MC_V_NULL || v->kind == MC_V_ABSENT)
		return 0;
	if (ov->kind == ODPS_V_NULL)
		why = "a date the column's choice writes as NULL, which the JSON holds as its text";
	else if (v->v.s.n != want)
		why = "not the text of its type that the merge reads (yyyy-mm-dd hh:mi:ss and the "
		      "type's fraction digits)";
	else if ((ov->kind == ODPS_V_DATE && ov->i < JT_DAYS) ||
		 (ov->kind == ODPS_V_MILLIS && ov->i < JT_SECS * 1000) ||
		 (ov->kind == ODPS_V_SECNANO && ov->i < JT_SECS))
		why = "before 1900-01-01, where MaxCompute does not promise that its SQL reads a "
		      "date or time as the Tunnel writes it (343 seconds apart and more)";
	if (!why)
		return 0;
	if (pos)
		pos_format(pos, at, sizeof at);
	return mc_errf(err, MC_EXIT_DATA,
		       "table '%.*s.%.*s': column '%.*s' (%s in MaxCompute) of the dataworks-json "
		       "log layout: value '%.*s' at position %s: %s: use the dataworks layout for "
		       "this table, or STRING for the column",
		       (int)s->db.n, s->db.p, (int)s->table.n, s->table.p, (int)s->cols[i].name.n,
		       s->cols[i].name.p, m->text, (int)(v->v.s.n < 40 ? v->v.s.n : 40), v->v.s.p,
		       at, why);
}
