/* pday.c: the partition of a table's rows (sink_part_for), its day's name
 * made once per day, not once per row. */
#include <stdio.h>
#include <string.h>

#include "base/day.h"
#include "sink/sink_int.h"

int sink_part_check_base(struct sink *s, struct sink_tab *t, const struct rio_reader *rd,
			 struct mc_err *err)
{
	char own[24];
	const char *p = s->o.part;
	/* (a day: ds=YYYYMMDD; another scheme, ds=1, is the user's) */
	if (t->part_checked || !p || s->o.upsert || s->o.resnap || strncmp(p, "ds=", 3) != 0 ||
	    strspn(p + 3, "0123456789") != 8 || (p[11] && p[11] != '/'))
		return 0;
	t->part_checked = 1;
	memcpy(own, "ds=", 3);
	day_format(day_of(t->base_time, s->L.utc_off), own + 3);
	if (strncmp(p, own, 11) == 0 && (p[11] == 0 || p[11] == '/'))
		return 0;
	return mc_errf(err, MC_EXIT_DATA,
		       "record %llu: a snapshot of '%s.%s' taken on %s (its schema record's "
		       "time) into --partition=%s: a base partition is the table's state at "
		       "the end of its day, and the merges of the days between would take "
		       "this one as theirs; load the snapshot without --partition (its own "
		       "day, %s), then merge the later days", (unsigned long long)rd->recno,
		       t->db, t->table, own + 3, p, own);
}

/* The partition of t's rows: the option, or the day (auto). */
void sink_part_for(struct sink *s, const struct sink_tab *t, int is_log, char *out, size_t outsz)
{
	if (s->o.resnap && !is_log) {
		sink_resnap_part(s, t, out, outsz);
		return;
	}
	if (s->o.part || s->o.upsert) { /* upsert: a PK table of one partition, or none */
		snprintf(out, outsz, "%s", s->o.part ? s->o.part : "");
		return;
	}
	const struct mc_ledger *l = s->src ? &s->L.more[s->src - 1] : &s->L;
	int64_t day = day_of(is_log ? l->hw_time : t->base_time, s->L.utc_off);
	if (!s->pday.ok || s->pday.day != day) { /* "ds=" and the 8 digits */
		memcpy(s->pday.ds, "ds=", 3);
		day_format(day, s->pday.ds + 3);
		s->pday.day = day;
		s->pday.ok = 1;
	}
	if (outsz) { /* as snprintf would */
		size_t k = outsz < 12 ? outsz - 1 : 11;
		memcpy(out, s->pday.ds, k);
		out[k] = 0;
	}
}
