/* The status view of a warehouse (status.h): read-only, from the ledger,
 * the partitions' markers and the merge records. */
#include "wh/status.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/day.h"
#include "stream/ckpt.h"
#include "stream/ledger.h"
#include "wh/wh.h"

#define MERGED "merged."

int wh_merge_record(const char *dir, const char *table, const struct wh_merge_rec *r,
		    struct mc_err *err)
{
	struct ckpt c = { 0 };
	char path[4096], num[32], msg[512];
	size_t i;
	int rc = 0;
	snprintf(path, sizeof path, "%s/_mcsync/" MERGED "%s", dir, table);
	/* the first line of the message, printable */
	for (i = 0; r->message[i] && r->message[i] != '\n' && i < sizeof msg - 1; i++)
		msg[i] = (unsigned char)r->message[i] < 0x20 ? ' ' : r->message[i];
	msg[i] = 0;
	rc |= ckpt_append(&c, "what", r->what, err);
	rc |= ckpt_append(&c, "result", r->code ? "failed" : "ok", err);
	snprintf(num, sizeof num, "%d", r->code);
	rc |= ckpt_append(&c, "exit", num, err);
	rc |= ckpt_append(&c, "message", msg, err);
	snprintf(num, sizeof num, "%" PRId64, r->started);
	rc |= ckpt_append(&c, "started", num, err);
	snprintf(num, sizeof num, "%" PRId64, r->ended);
	rc |= ckpt_append(&c, "ended", num, err);
	if (rc == 0)
		rc = ckpt_write(path, &c, err);
	ckpt_free(&c);
	return rc < 0 ? -1 : 0;
}

/* ---- gathering ---- */

struct tstat {
	const char *name;       /* the ledger's */
	char db[256], table[256];
	size_t src;
	enum ledger_chain chain;
	char full[256];         /* newest complete partition of NAME, "" none */
	uint64_t full_rows;
	int full_by_merge;
	int loading;            /* a partition with _PENDING: snapshot under way */
	size_t nlog;            /* complete log partitions */
	struct ckpt merged;     /* the last merge's record (empty: none) */
	char unfollowed[64];    /* not read by its source's tail since (or "") */
};

static int unhex(const char *s, size_t n, char *out, size_t outsz)
{
	size_t k = 0;
	if (n % 2 || n / 2 >= outsz)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		unsigned v;
		if (sscanf(s + i, "%2x", &v) != 1)
			return -1;
		out[k++] = (char)v;
	}
	out[k] = 0;
	return 0;
}

/* "name.DB.TABLE" or "name.hex.HEXDB.HEXTABLE" to db and table. */
static void source_of(const char *key, struct tstat *t)
{
	const char *p = key + strlen(LEDGER_K_NAME), *dot;
	t->db[0] = t->table[0] = 0;
	if (strncmp(p, LEDGER_K_HEX, strlen(LEDGER_K_HEX)) == 0) {
		p += strlen(LEDGER_K_HEX);
		if ((dot = strchr(p, '.')) && unhex(p, (size_t)(dot - p), t->db, sizeof t->db) == 0 &&
		    unhex(dot + 1, strlen(dot + 1), t->table, sizeof t->table) == 0)
			return;
		t->db[0] = t->table[0] = 0;
		return;
	}
	if ((dot = strchr(p, '.'))) {
		snprintf(t->db, sizeof t->db, "%.*s", (int)(dot - p), p);
		snprintf(t->table, sizeof t->table, "%s", dot + 1);
	}
}

static int gather(const char *dir, const struct mc_ledger *l, const char *key, const char *name,
		  struct tstat *t, struct mc_err *err)
{
	char path[4096], tk[640];
	char **parts = NULL;
	size_t n = 0;
	memset(t, 0, sizeof *t);
	t->name = name;
	source_of(key, t);
	snprintf(path, sizeof path, LEDGER_K_UNFOLLOWED "%s", name);
	snprintf(t->unfollowed, sizeof t->unfollowed, "%s",
		 ckpt_get(&l->rules, path) ? ckpt_get(&l->rules, path) : "");
	if (ledger_tsrc_get(l, name, &t->src) < 0)
		t->src = 0;
	ledger_table_key(t->db, strlen(t->db), t->table, strlen(t->table), tk, sizeof tk);
	{
		const char *hi;
		size_t hin;
		t->chain = ledger_chain_parse(ledger_chain_get(l, tk), &hi, &hin);
	}
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (wh_list_parts(path, 1, &parts, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct wh_manifest m = { 0 };
		char mp[4608];
		int r;
		snprintf(mp, sizeof mp, "%s/%s/_PENDING", path, parts[i]);
		if (access(mp, F_OK) == 0)
			t->loading = 1;
		snprintf(mp, sizeof mp, "%s/%s/_SUCCESS", path, parts[i]);
		if ((r = wh_manifest_read(mp, &m, err)) < 0) {
			wh_free_list(parts, n);
			return -1;
		}
		if (r == 1) { /* sorted by spec: the last complete one is the newest */
			snprintf(t->full, sizeof t->full, "%s", parts[i]);
			t->full_rows = wh_manifest_rows(&m);
			t->full_by_merge = m.by == WH_BY_MERGE;
		}
		wh_manifest_free(&m);
	}
	wh_free_list(parts, n);
	parts = NULL;
	n = 0;
	snprintf(path, sizeof path, "%s/%s_log", dir, name);
	if (wh_list_parts(path, 0, &parts, &n, err) < 0)
		return -1;
	t->nlog = n;
	wh_free_list(parts, n);
	snprintf(path, sizeof path, "%s/_mcsync/" MERGED "%s", dir, name);
	if (ckpt_read(path, &t->merged, err) < 0)
		return -1;
	return 0;
}

/* ---- printing ---- */

static int put_json_str(struct mc_buf *b, const char *s)
{
	int e = buf_addc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			e |= buf_addf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			e |= buf_addf(b, "\\u%04x", c);
		else
			e |= buf_addc(b, (char)c);
	}
	return e | buf_addc(b, '"');
}

static void fmt_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, 32, "%" PRId64, t);
}

/* A duration as "S s", "M min S s", "H h M min" or "D d H h". */
static void fmt_dur(int64_t s, char out[40])
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, 40, "%" PRId64 " s", s);
	else if (s < 3600)
		snprintf(out, 40, "%" PRId64 " min %" PRId64 " s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, 40, "%" PRId64 " h %" PRId64 " min", s / 3600, s / 60 % 60);
	else
		snprintf(out, 40, "%" PRId64 " d %" PRId64 " h", s / 86400, s / 3600 % 24);
}

static void fmt_pos(const struct mc_pos *p, char out[72])
{
	snprintf(out, 72, "%" PRIu64 ":%" PRIu64 ":%" PRIu64, p->file, p->off, p->row);
}

static const char *chain_name(enum ledger_chain c)
{
	switch (c) {
	case LEDGER_CHAIN_END: return "done";
	case LEDGER_CHAIN_AT: return "loading";
	case LEDGER_CHAIN_NONE: return "none";
	default: return "bad";
	}
}

/* The newest day cut of a source: 1 and *day, or 0. */
static int last_cut(const struct mc_ledger *s, int64_t *day)
{
	if (!s->ncuts)
		return 0;
	*day = s->cuts[0].day;
	for (size_t i = 1; i < s->ncuts; i++)
		if (s->cuts[i].day > *day)
			*day = s->cuts[i].day;
	return 1;
}

/* What needs a person, one short phrase each, into out ("" none). */
static void attention(const struct tstat *t, char *out, size_t outsz)
{
	const char *res = ckpt_get(&t->merged, "result");
	out[0] = 0;
	if (res && strcmp(res, "ok") != 0)
		snprintf(out + strlen(out), outsz - strlen(out), "%slast merge failed",
			 out[0] ? ", " : "");
	if (t->chain == LEDGER_CHAIN_AT || t->loading)
		snprintf(out + strlen(out), outsz - strlen(out), "%ssnapshot incomplete",
			 out[0] ? ", " : "");
	if (!t->full[0] && t->chain != LEDGER_CHAIN_AT && !t->loading)
		snprintf(out + strlen(out), outsz - strlen(out), "%sno full partition",
			 out[0] ? ", " : "");
	if (t->unfollowed[0]) /* (its tail's --tables changed: mergejob) */
		snprintf(out + strlen(out), outsz - strlen(out), "%snot read by its tail since %s",
			 out[0] ? ", " : "", t->unfollowed);
}

static int print_human(struct mc_buf *b, const char *dir, const struct mc_ledger *l,
			const struct tstat *ts, size_t nt, int64_t now)
{
	int e = 0;
	char when[32], pos[72];
	fmt_time(now, when);
	e |= buf_addf(b, "warehouse %s: %zu table%s, commit %" PRIu64 ", days at UTC%+03d:%02d, now %s UTC\n",
		 dir, nt, nt == 1 ? "" : "s", l->seq, (int)(l->utc_off / 3600),
		 (int)(llabs(l->utc_off) % 3600 / 60), when);
	for (size_t n = 0; n <= l->nmore; n++) {
		const struct mc_ledger *s = n ? &l->more[n - 1] : l;
		int64_t day;
		e |= buf_addf(b, "source %zu%s%s%s:", n, s->src_id ? " (server_id " : "",
			 s->src_id ? s->src_id : "", s->src_id ? ")" : "");
		if (s->closed)
			e |= buf_addf(b, " an older history, closed;");
		if (s->has_pos) {
			fmt_pos(&s->pos, pos);
			e |= buf_addf(b, " committed up to %s", pos);
		} else
			e |= buf_addf(b, " no change committed yet");
		if (s->has_hw) {
			char lag[40];
			fmt_time(s->hw_time, when);
			fmt_dur(now - s->hw_time, lag);
			e |= buf_addf(b, ", newest change or heartbeat %s UTC (%s behind)", when, lag);
		}
		if (last_cut(s, &day)) {
			char d[16];
			day_format(day, d);
			e |= buf_addf(b, ", day cut %s", d);
		}
		e |= buf_addc(b, '\n');
	}
	e |= buf_addf(b, "%-24s %-28s %-8s %-22s %12s  %s\n", "TABLE", "SOURCE", "SNAPSHOT",
		 "FULL PARTITION", "ROWS", "LAST MERGE");
	for (size_t i = 0; i < nt; i++) {
		const struct tstat *t = &ts[i];
		char src[520], full[300], rows[24], merge[700], att[160];
		const char *what = ckpt_get(&t->merged, "what"), *res = ckpt_get(&t->merged, "result"),
			   *ended = ckpt_get(&t->merged, "ended"), *msg = ckpt_get(&t->merged, "message"),
			   *ex = ckpt_get(&t->merged, "exit");
		snprintf(src, sizeof src, "%s.%s", t->db, t->table);
		if (t->full[0])
			snprintf(full, sizeof full, "%s (%s)", t->full,
				 t->full_by_merge ? "merge" : "snapshot");
		else
			snprintf(full, sizeof full, "-");
		if (t->full[0])
			snprintf(rows, sizeof rows, "%" PRIu64, t->full_rows);
		else
			snprintf(rows, sizeof rows, "-");
		if (what && res) {
			fmt_time(ended ? strtoll(ended, NULL, 10) : 0, when);
			if (strcmp(res, "ok") == 0)
				snprintf(merge, sizeof merge, "%s ok, %s", what, when);
			else
				snprintf(merge, sizeof merge, "%s FAILED (exit %s), %s: %s", what,
					 ex ? ex : "?", when, msg ? msg : "");
		} else
			snprintf(merge, sizeof merge, "-");
		e |= buf_addf(b, "%-24s %-28s %-8s %-22s %12s  %s\n", t->name, src,
			 chain_name(t->chain == LEDGER_CHAIN_NONE && t->loading ? LEDGER_CHAIN_AT
										: t->chain),
			 full, rows, merge);
		attention(t, att, sizeof att);
		if (att[0])
			e |= buf_addf(b, "  ! %s: %s\n", t->name, att);
	}
	return e;
}

static int print_json(struct mc_buf *b, const char *dir, const struct mc_ledger *l,
		       const struct tstat *ts, size_t nt, int64_t now)
{
	int e = 0;
	char pos[72], d[16];
	e |= buf_adds(b, "{\"dir\":");
	e |= put_json_str(b, dir);
	e |= buf_addf(b, ",\"now\":%" PRId64 ",\"commit\":%" PRIu64 ",\"utc_offset_seconds\":%" PRId64
		    ",\"sources\":[",
		 now, l->seq, l->utc_off);
	for (size_t n = 0; n <= l->nmore; n++) {
		const struct mc_ledger *s = n ? &l->more[n - 1] : l;
		int64_t day;
		e |= buf_addf(b, "%s{\"source\":%zu,\"server_id\":", n ? "," : "", n);
		if (s->src_id)
			e |= put_json_str(b, s->src_id);
		else
			e |= buf_adds(b, "null");
		e |= buf_addf(b, ",\"closed\":%s,\"position\":", s->closed ? "true" : "false");
		if (s->has_pos) {
			fmt_pos(&s->pos, pos);
			e |= put_json_str(b, pos);
		} else
			e |= buf_adds(b, "null");
		if (s->has_hw)
			e |= buf_addf(b, ",\"newest_time\":%" PRId64 ",\"lag_seconds\":%" PRId64, s->hw_time,
				 now > s->hw_time ? now - s->hw_time : 0);
		else
			e |= buf_adds(b, ",\"newest_time\":null,\"lag_seconds\":null");
		if (last_cut(s, &day)) {
			day_format(day, d);
			e |= buf_addf(b, ",\"day_cut\":\"%s\"}", d);
		} else
			e |= buf_adds(b, ",\"day_cut\":null}");
	}
	e |= buf_adds(b, "],\"tables\":[");
	for (size_t i = 0; i < nt; i++) {
		const struct tstat *t = &ts[i];
		char att[160];
		e |= buf_adds(b, i ? ",{\"name\":" : "{\"name\":");
		e |= put_json_str(b, t->name);
		e |= buf_adds(b, ",\"db\":");
		e |= put_json_str(b, t->db);
		e |= buf_adds(b, ",\"table\":");
		e |= put_json_str(b, t->table);
		e |= buf_addf(b, ",\"source\":%zu,\"snapshot\":\"%s\",\"full_partition\":", t->src,
			 chain_name(t->chain == LEDGER_CHAIN_NONE && t->loading ? LEDGER_CHAIN_AT
										: t->chain));
		if (t->full[0]) {
			e |= put_json_str(b, t->full);
			e |= buf_addf(b, ",\"full_rows\":%" PRIu64 ",\"full_made_by\":\"%s\"", t->full_rows,
				 t->full_by_merge ? "mc-merge" : "mc-tunnel-put");
		} else
			e |= buf_adds(b, "null,\"full_rows\":null,\"full_made_by\":null");
		e |= buf_addf(b, ",\"log_partitions\":%zu,\"last_merge\":", t->nlog);
		if (ckpt_get(&t->merged, "result")) {
			const char *ex = ckpt_get(&t->merged, "exit"),
				   *st = ckpt_get(&t->merged, "started"),
				   *en = ckpt_get(&t->merged, "ended");
			e |= buf_adds(b, "{\"what\":");
			e |= put_json_str(b, ckpt_get(&t->merged, "what") ? ckpt_get(&t->merged, "what") : "");
			e |= buf_adds(b, ",\"result\":");
			e |= put_json_str(b, ckpt_get(&t->merged, "result"));
			e |= buf_addf(b, ",\"exit\":%d,\"started\":%" PRId64 ",\"ended\":%" PRId64
				    ",\"message\":",
				 ex ? atoi(ex) : 0, st ? (int64_t)strtoll(st, NULL, 10) : 0,
				 en ? (int64_t)strtoll(en, NULL, 10) : 0);
			e |= put_json_str(b, ckpt_get(&t->merged, "message") ? ckpt_get(&t->merged, "message")
									 : "");
			e |= buf_addc(b, '}');
		} else
			e |= buf_adds(b, "null");
		attention(t, att, sizeof att);
		e |= buf_adds(b, ",\"attention\":");
		e |= put_json_str(b, att);
		e |= buf_addc(b, '}');
	}
	e |= buf_adds(b, "]}\n");
	return e;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct tstat *)a)->name, ((const struct tstat *)b)->name);
}

int wh_status(const char *dir, int64_t now, int json, struct mc_buf *out, struct mc_err *err)
{
	struct mc_ledger l;
	struct tstat *ts = NULL;
	size_t nt = 0;
	int rc = -1, r;
	memset(&l, 0, sizeof l);
	if ((r = wh_ledger_read(dir, &l, err)) < 0)
		return -1;
	if (r == 0) {
		ledger_free(&l);
		return mc_errf(err, MC_EXIT_DATA,
			       "'%s': no ledger (_mcsync/ledger): not a warehouse or a state "
			       "directory mc-tunnel-put has committed to", dir);
	}
	if (l.names.n && !(ts = calloc(l.names.n, sizeof *ts))) {
		mc_oom(err, "status");
		goto out;
	}
	for (size_t i = 0; i < l.names.n; i++) {
		if (l.names.kv[i].v[0] == '=') /* a merge destination's mark, no table */
			continue;
		if (gather(dir, &l, l.names.kv[i].k, l.names.kv[i].v, &ts[nt], err) < 0)
			goto out;
		nt++;
	}
	if (nt > 1)
		qsort(ts, nt, sizeof *ts, cmp_name);
	if ((json ? print_json(out, dir, &l, ts, nt, now) : print_human(out, dir, &l, ts, nt, now)) <
	    0) {
		mc_oom(err, "status");
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < nt; i++)
		ckpt_free(&ts[i].merged);
	free(ts);
	ledger_free(&l);
	return rc;
}
