/* hlayout.c: the log layout a stream's header asks for (sink_int.h). */
#include <stdio.h>
#include <string.h>

#include "sink/sink_int.h"
#include "wh/layout.h"

/* The header's log_layout entry (mc-transform's rules, docs/rules.md): the
 * layout of a new ledger, else the one it records; a --log-layout given
 * must say the same. A re-snapshot writes no log: not read. */
int sink_header_layout(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
			 struct mc_err *err)
{
	const struct mc_str *v = rec_header_get(r, "log_layout");
	enum wh_layout l;
	char name[32];
	const char *have;
	if (!v || s->o.resnap)
		return 0;
	snprintf(name, sizeof name, "%.*s", (int)(v->n < 31 ? v->n : 31), v->p);
	if (v->n >= sizeof name || wh_layout_parse(name, &l, err) < 0)
		return mc_errf(err, MC_EXIT_DATA, "record %llu: the header's log_layout '%.*s' is "
			       "not a log layout (mcsync, dts, dts-new, dataworks or "
			       "dataworks-json)", (unsigned long long)rd->recno,
			       (int)(v->n > 40 ? 40 : v->n), v->p);
	if (s->o.log_layout && strcmp(s->o.log_layout, name) != 0)
		return mc_errf(err, MC_EXIT_USAGE, "--log-layout=%s, and the stream's header says "
			       "log_layout: %s (record %llu: the log_layout of mc-transform's rules "
			       "file): give the layout once, in the rules file or with --log-layout",
			       s->o.log_layout, name, (unsigned long long)rd->recno);
	have = s->L.log_layout[0] ? s->L.log_layout : s->had_ledger ? "mcsync" : NULL;
	if (!have) {
		memcpy(s->L.log_layout, name, strlen(name) + 1); /* a layout's name: < 16 */
	} else if (strcmp(have, name) != 0) {
		return mc_errf(err, MC_EXIT_USAGE, "the stream's header says log_layout: %s (record "
			       "%llu: the log_layout of mc-transform's rules file), but the "
			       "warehouse's log tables are in the %s layout (ledger key "
			       "log_layout%s); it cannot change: write the %s layout into a new "
			       "warehouse", name, (unsigned long long)rd->recno, have,
			       s->L.log_layout[0] ? "" : " absent: mcsync", name);
	}
	return 0;
}

int sink_layout(const struct sink *s, int *lay, struct mc_err *err)
{
	enum wh_layout l;
	if (wh_layout_parse(s->L.log_layout, &l, err) < 0)
		return -1;
	*lay = (int)l;
	return 0;
}
