/* hrules.c: the rules a stream came through (sink_int.h;
 * docs/mc-tunnel-put.md "Rules"). mc-transform writes its rules
 * fingerprint into the header (rules_fp, and rules_file: the path); the
 * ledger records, per source (key rules.SERVERID, "-" for the unnamed
 * one), the fingerprint of the first stream of it ("FP FILE"), or "none"
 * for a stream that did not come through mc-transform. A later stream of
 * the source must say the same: other rules name, shape or partition its
 * tables otherwise, and its changes would land in other tables than the
 * ones its snapshot is in (the merge of those would stay stale). Refused
 * before anything of the stream is kept. A ledger of an older sink
 * records none: the first stream sets it. */
#include <stdio.h>
#include <string.h>

#include "sink/sink_int.h"

/* A header value fit for the ledger and a message: printable, no newline,
 * at most n bytes; else "". */
static void take(const struct mc_str *v, char *out, size_t n)
{
	out[0] = 0;
	if (!v || v->n == 0 || v->n >= n || memchr(v->p, '\n', v->n) || memchr(v->p, '\0', v->n))
		return;
	memcpy(out, v->p, v->n);
	out[v->n] = 0;
}

/* "rules FP ('FILE')", or "no mc-transform", of a ledger or header value
 * (a long path cut: the message is one line of at most 512 bytes). */
static void says(const char *fp, const char *file, char *out, size_t n)
{
	if (strcmp(fp, "none") == 0)
		snprintf(out, n, "no mc-transform");
	else if (*file)
		snprintf(out, n, "rules %s ('%.80s')", fp, file);
	else
		snprintf(out, n, "rules %s", fp);
}

int sink_header_rules(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		      struct mc_err *err)
{
	const struct mc_ledger *l = sink_src(s);
	const char *id = l->src_id ? l->src_id : "-", *have, *sp;
	char fp[64], file[1024], val[1100], hfp[64], hfile[1024], a[1200], b[1200];
	take(rec_header_get(r, "rules_fp"), fp, sizeof fp);
	take(rec_header_get(r, "rules_file"), file, sizeof file);
	if (rec_header_get(r, "rules_fp") && !*fp)
		return mc_errf(err, MC_EXIT_DATA, "record %llu: bad header entry 'rules_fp'",
			       (unsigned long long)rd->recno);
	if (*fp && strchr(fp, ' '))
		return mc_errf(err, MC_EXIT_DATA, "record %llu: bad header entry 'rules_fp': '%s'",
			       (unsigned long long)rd->recno, fp);
	if (!*fp)
		snprintf(val, sizeof val, "none");
	else
		snprintf(val, sizeof val, "%s%s%s", fp, *file ? " " : "", file);
	have = ledger_rules_get(s->has_M ? &s->M : &s->L, id);
	if (!have) {
		if (s->o.resnap)
			return 0;
		if (ledger_rules_set(&s->L, id, val, err) < 0)
			return -1;
		s->dirty = 1;
		return 0;
	}
	sp = strchr(have, ' ');
	snprintf(hfp, sizeof hfp, "%.*s", (int)(sp ? (size_t)(sp - have) : strlen(have)), have);
	snprintf(hfile, sizeof hfile, "%s", sp ? sp + 1 : "");
	if (strcmp(hfp, *fp ? fp : "none") == 0)
		return 0;
	says(*fp ? fp : "none", file, a, sizeof a);
	says(hfp, hfile, b, sizeof b);
	return mc_errf(err, MC_EXIT_DATA,
		       "record %llu: source server_id %s: this stream came through %s, the "
		       "warehouse's tables of it through %s (ledger key " LEDGER_K_RULES "%s): its "
		       "rows would go to other tables; use the same rules, or load it into a new "
		       "warehouse, replaying the saved streams with these rules "
		       "(pipelines/replay.sh --fresh)",
		       (unsigned long long)rd->recno, l->src_id ? l->src_id : "(unnamed)", a, b, id);
}
