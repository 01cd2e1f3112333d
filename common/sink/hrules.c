/* hrules.c: the rules a stream came through, and the tables its
 * mc-binlog-tail read (sink_int.h; docs/mc-tunnel-put.md "Rules",
 * "Tables a tail reads"). mc-transform writes its rules
 * fingerprint into the header (rules_fp, and rules_file: the path); the
 * ledger records, per source (key rules.SERVERID, "-" for the unnamed
 * one), the fingerprint of the first stream of it ("FP FILE"), or "none"
 * for a stream that did not come through mc-transform. A later stream of
 * the source must say the same: other rules name, shape or partition its
 * tables otherwise, and its changes would land in other tables than the
 * ones its snapshot is in (the merge of those would stay stale). Refused
 * before anything of the stream is kept. A ledger of an older sink
 * records none: the first stream sets it. */
#include <regex.h>
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

/* "--tables='REGEX'" or "no --tables" of a ledger value ("re:REGEX",
 * "all", either followed by " rows:FP"), cut for a one-line message. */
static void filter_says(const char *v, char *out, size_t n)
{
	const char *rows = strstr(v, " rows:");
	int k = rows ? (int)(rows - v) : (int)strlen(v);
	if (strncmp(v, "re:", 3) == 0)
		snprintf(out, n, "--tables='%.*s'", k - 3 < 200 ? k - 3 : 200, v + 3);
	else
		snprintf(out, n, "every table (no --tables)");
	if (rows && strlen(out) + 40 < n)
		snprintf(out + strlen(out), n - strlen(out), " and rules selecting rows %.40s",
			 rows + 6);
}

/* mc-binlog-tail's --tables (header entry MC_META_TABLES; absent: every
 * table) is recorded per source (ledger key tables.SERVERID, "re:REGEX"
 * or "all") by its first stream; a later one must hold the same tables.
 * A table a later run adds would get only the changes after that run's
 * start: those before it were never read (the committed positions, and
 * a --checkpoint-in, are past them), and nothing else would tell; a
 * table it leaves out would go stale. --tables-changed takes the new
 * filter (after a snapshot of the tables it adds). Streams of other
 * programs (a snapshot's, a generator's) say nothing of it. */
/* "DB.TABLE" of a ledger table key (ledger_table_key), into out: 0, -1. */
static int table_of_key(const char *k, char *out, size_t outsz)
{
	size_t n = sizeof LEDGER_K_TABLE - 1, o = 0;
	if (strncmp(k, LEDGER_K_TABLE, n) != 0)
		return -1;
	k += n;
	if (strncmp(k, LEDGER_K_HEX, sizeof LEDGER_K_HEX - 1) != 0)
		return snprintf(out, outsz, "%s", k) < (int)outsz ? 0 : -1;
	for (k += sizeof LEDGER_K_HEX - 1; *k && o + 1 < outsz;) {
		unsigned v;
		if (*k == '.') {
			out[o++] = *k++;
			continue;
		}
		if (sscanf(k, "%2x", &v) != 1 || !k[1])
			return -1;
		out[o++] = (char)v;
		k += 2;
	}
	out[o] = 0;
	return *k ? -1 : 0;
}

/* --tables-changed: the tables of source id the warehouse holds that the
 * new filter (val: "re:REGEX", or "all", and a rows fingerprint) no longer
 * reads get LEDGER_K_UNFOLLOWED + NAME, where the log of them stops (the
 * source's committed position): a merge past it would be stale
 * (mergejob). Those it reads again lose it (a snapshot of them first). */
static int mark_unfollowed(struct sink *s, const char *id, const char *val, struct mc_err *err)
{
	const struct mc_ledger *l = sink_src(s);
	char re_s[1200], full[700], pos[64], k[700];
	const char *sp;
	regex_t re;
	int has_re = strncmp(val, "re:", 3) == 0, rc = 0;
	if (has_re) {
		snprintf(re_s, sizeof re_s, "%s", val + 3);
		if ((sp = strstr(re_s, " rows:")))
			re_s[sp - re_s] = 0;
		if (regcomp(&re, re_s, REG_EXTENDED | REG_NOSUB) != 0)
			return 0; /* (the tail compiled it; another regex library) */
	}
	pos_format(l->has_resume ? &l->resume : &l->pos, pos, sizeof pos);
	for (size_t i = 0; i < s->L.tsrc.n; i++) {
		const char *key = s->L.tsrc.kv[i].k, *v = s->L.tsrc.kv[i].v, *name, *sp2;
		if (strncmp(key, LEDGER_K_SRCTAB, sizeof LEDGER_K_SRCTAB - 1) != 0 ||
		    !(sp2 = strchr(v, ' ')) || (size_t)(sp2 - v) != strlen(id) ||
		    strncmp(v, id, strlen(id)) != 0 || table_of_key(sp2 + 1, full, sizeof full) < 0)
			continue;
		name = key + sizeof LEDGER_K_SRCTAB - 1;
		snprintf(k, sizeof k, LEDGER_K_UNFOLLOWED "%s", name);
		if (!has_re || regexec(&re, full, 0, NULL, 0) == 0)
			ckpt_del(&s->L.rules, k);
		else if (!ckpt_get(&s->L.rules, k) && (l->has_pos || l->has_resume) &&
			 (rc = ckpt_set(&s->L.rules, k, pos, err)) < 0)
			break;
	}
	if (has_re)
		regfree(&re);
	return rc < 0 ? -1 : 0;
}

int sink_header_tables(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		       struct mc_err *err)
{
	const struct mc_ledger *l = sink_src(s);
	const struct mc_str *tv = rec_header_get(r, MC_META_TABLES);
	const struct mc_str *rv = rec_header_get(r, "rows_fp");
	const char *id = l->src_id ? l->src_id : "-", *have;
	char re[1024], rows[64], val[1200], a[400], b[400];
	if (s->o.resnap || !sink_tail_header(r))
		return 0;
	take(tv, re, sizeof re);
	take(rv, rows, sizeof rows);
	if ((tv && !*re) || (rv && (!*rows || strchr(rows, ' '))))
		return mc_errf(err, MC_EXIT_DATA, "record %llu: bad header entry '%s'",
			       (unsigned long long)rd->recno, tv && !*re ? MC_META_TABLES : "rows_fp");
	if (tv)
		snprintf(val, sizeof val, "re:%s", re);
	else
		snprintf(val, sizeof val, "all");
	if (*rows) /* mc-transform's select, dml and limit (rows_fp) */
		snprintf(val + strlen(val), sizeof val - strlen(val), " rows:%s", rows);
	have = ledger_tables_get(s->has_M ? &s->M : &s->L, id);
	if (have && strcmp(have, val) == 0)
		return 0;
	/* a ledger of an older sink says no rows: the same --tables takes
	 * the stream's rows fingerprint */
	if (have && !strstr(have, " rows:") && *rows &&
	    strncmp(have, val, strlen(have)) == 0 && val[strlen(have)] == ' ')
		have = NULL;
	if (!have || s->o.tables_changed) {
		if (ledger_tables_set(&s->L, id, val, err) < 0 ||
		    (have && mark_unfollowed(s, id, val, err) < 0))
			return -1;
		s->dirty = 1;
		return 0;
	}
	filter_says(val, a, sizeof a);
	filter_says(have, b, sizeof b);
	return mc_errf(err, MC_EXIT_DATA,
		       "record %llu: source server_id %s: this stream's mc-binlog-tail read %s, the "
		       "warehouse's streams of it %s (ledger key " LEDGER_K_TABLES "%s): a table "
		       "one reads and the other not would lose the changes before this stream's "
		       "start (never read) or go stale, and changes committed are not done again "
		       "under other rules; use the same --tables and rules, or, to change them "
		       "from here on, load a snapshot taken now of the tables it adds first, then "
		       "put this stream with --tables-changed (replaying saved streams under new "
		       "rules: pipelines/replay.sh --fresh)", (unsigned long long)rd->recno,
		       l->src_id ? l->src_id : "(unnamed)", a, b, id);
}
