/* dest_odps_writer.c: a second state directory into the tables of one
 * source (docs/maxcompute.md "One state directory per source table").
 *
 * The first commit of this state directory that brings rows of source
 * table S (the ledger key name.S, valued the MaxCompute table N) asks the
 * state mirror (odps/mirror.h) whether another writer of the same --dest
 * committed rows of S into N: its newest commit's ledger before the commit
 * (ledger0) names S as N (a commit that completed did), or its ledger
 * after (ledger1) does and a partition of N or N_log in its journal holds
 * rows in the commit's position range beyond those of the commits before
 * (counted as --recover counts). Then the commit is refused before
 * anything of it is committed: its rows beside the other's would be S
 * twice over. A writer that committed nothing of S (killed before its
 * first commit's data, or never got so far) does not count. Another
 * writer whose ledger writes another source table into N is refused too
 * (one table, the rows of either replacing or deleting the other's of one
 * key), unless both ledgers mark N a merge destination (mc-transform's
 * merge rules: shards). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "odps/dest_odps_int.h"
#include "odps/dest_upsert.h"
#include "odps/mirror.h"
#include "odps/sql.h"
#include "odps/tables.h"
#include "stream/ckpt.h"
#include "stream/ledger.h"
#include "wh/layout.h"
#include "wh/wh.h"
#include "wh/whpart.h"

/* Another writer's newest commit in the mirror. */
struct other {
	char writer[64];
	uint64_t seq, attempt;
	struct ckpt k[4]; /* ledger0 ledger1 state1 journal */
};

static const char *const kinds[4] = { "ledger0", "ledger1", "state1", "journal" };

static int u64(const char *s, uint64_t *v)
{
	char *e;
	if (!*s || *s < '0' || *s > '9')
		return -1;
	*v = strtoull(s, &e, 10);
	return *e ? -1 : 0;
}

static int by_writer(const void *a, const void *b)
{
	char *const *x = a, *const *y = b;
	return strcmp(x[0], y[0]);
}

/* The newest commit (its newest attempt) of every writer but this one, in
 * one SQL statement whatever the number of writers: each writer's newest
 * seq (of its journal rows) joined with the rows of that seq. LEFT OUTER
 * so that a writer whose seq matches no row still comes back (its seq is
 * checked as a number; its rows are none). Lines: writer, seq, attempt,
 * kind, body; kind \N is such a writer's line. */
static int others(struct odd *w, const struct odps_sql_opts *so, struct other **o, size_t *n,
		  struct mc_err *err)
{
	struct mc_buf out = { 0 };
	struct odps_mirror_rows res = { 0 };
	char **f, q[1024];
	size_t nrow, cap = 0;
	int rc;
	*o = NULL;
	*n = 0;
	snprintf(q, sizeof q, "SELECT j.writer, j.m, s.attempt, s.kind, s.body FROM (SELECT "
		 "writer, MAX(seq) AS m FROM " ODPS_MIRROR_TABLE " WHERE kind = 'journal' AND "
		 "writer <> '%s' GROUP BY writer) j LEFT OUTER JOIN (SELECT writer, seq, attempt, "
		 "kind, body FROM " ODPS_MIRROR_TABLE " WHERE kind IN ('ledger0', 'ledger1', "
		 "'state1', 'journal') AND writer <> '%s') s ON j.writer = s.writer AND j.m = s.seq",
		 w->sf.writer, w->sf.writer);
	rc = odps_sql_run(&w->c, so, q, ODPS_SQL_IDEMPOTENT, &out, err);
	if (rc == 0)
		rc = odps_mirror_rows_parse(&out, 5, &res, err);
	f = res.f;
	nrow = res.nrow;
	/* a writer's lines side by side */
	if (rc == 0 && nrow > 1)
		qsort(f, nrow, 5 * sizeof *f, by_writer);
	/* the writers and their seqs, then their rows */
	for (size_t i = 0; rc == 0 && i < nrow; i++) {
		struct other *x;
		if (!odps_mirror_writer_ok(f[5 * i]))
			continue; /* not mcsync's: no writer of a state directory */
		if (*n && !strcmp((*o)[*n - 1].writer, f[5 * i]))
			continue;
		if (mc_grow(o, &cap, *n + 1, sizeof **o) < 0) {
			rc = mc_oom(err, "state mirror");
			break;
		}
		x = &(*o)[(*n)++];
		memset(x, 0, sizeof *x);
		snprintf(x->writer, sizeof x->writer, "%s", f[5 * i]);
		if (u64(f[5 * i + 1], &x->seq) < 0)
			rc = mc_errf(err, MC_EXIT_DATA, "the state mirror: seq '%s' of writer %s is "
				     "not a number", f[5 * i + 1], x->writer);
	}
	for (size_t i = 0, r0 = 0; rc == 0 && i < *n; i++) {
		struct other *x = &(*o)[i];
		size_t r1;
		while (strcmp(f[5 * r0], x->writer))
			r0++;
		for (r1 = r0; r1 < nrow && !strcmp(f[5 * r1], x->writer); r1++)
			;
		for (size_t r = r0; rc == 0 && r < r1; r++) {
			uint64_t a;
			if (!strcmp(f[5 * r + 3], "\\N"))
				continue; /* no row of its seq */
			if (u64(f[5 * r + 2], &a) < 0)
				rc = mc_errf(err, MC_EXIT_DATA, "the state mirror: attempt '%s' is "
					     "not a number", f[5 * r + 2]);
			else if (a > x->attempt)
				x->attempt = a;
		}
		for (size_t r = r0; rc == 0 && r < r1; r++) {
			uint64_t a = 0;
			const char *v = f[5 * r + 4];
			size_t k;
			(void)u64(f[5 * r + 2], &a);
			for (k = 0; k < 4 && strcmp(f[5 * r + 3], kinds[k]); k++)
				;
			if (a != x->attempt || k == 4 || x->k[k].n)
				continue;
			if (!strcmp(v, "\\N"))
				v = "";
			rc = odps_mirror_dec(v, strlen(v), kinds[k], &x->k[k], err);
		}
		r0 = r1;
	}
	free(res.f);
	buf_free(&out);
	return rc;
}

static void others_free(struct other *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 4; k++)
			ckpt_free(&o[i].k[k]);
	free(o);
}

/* The other writers as the mirror gave them for the commit under way
 * (w->seq when asked): their newest commits and the --mode=upsert ones.
 * Asked once for the source tables a commit brings first, not once for
 * each (the early thread checks them a partition at a time: two SQL
 * instances a table, seconds each on the service); a later commit asks
 * again. */
struct odd_wcache {
	uint64_t seq;
	struct other *o;
	size_t no;
	struct odps_upowners uo;
};

void odd_writer_cache_free(struct odd *w)
{
	struct odd_wcache *c = w->wcache;
	if (!c)
		return;
	others_free(c->o, c->no);
	odps_upowners_free(&c->uo);
	free(c);
	w->wcache = NULL;
}

static int cache_fill(struct odd *w, const struct odps_sql_opts *so, struct mc_err *err)
{
	struct odd_wcache *c = calloc(1, sizeof *c);
	struct odps_sql_opts all = *so;
	int rc = 0;
	if (!c)
		return mc_oom(err, "state mirror");
	if (!w->mirror_ok) {
		rc = odps_mirror_ensure(&w->c, so, err);
		w->mirror_ok = rc == 0;
	}
	/* the mirror whole: in a project that refuses full scans too */
	all.settings = ODPS_SQL_FULLSCAN;
	if (rc == 0)
		rc = others(w, &all, &c->o, &c->no, err);
	/* and the --mode=upsert ones (dest_upsert_own.c) */
	c->uo.c = &w->c;
	c->uo.so = *so;
	c->uo.dest = w->dest;
	c->uo.me = w->sf.writer;
	if (rc == 0)
		rc = odps_upowners_load(&c->uo, err);
	c->seq = w->seq;
	w->wcache = c;
	if (rc < 0)
		odd_writer_cache_free(w);
	return rc;
}

/* Whether journal table t is N's (N, N_log, a generation N__gK[_log]). */
static int of_table(const char *t, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(t, name, n))
		return 0;
	t += n;
	if (!strncmp(t, "__g", 3))
		for (t += 3; *t >= '0' && *t <= '9'; t++)
			;
	return !*t || !strcmp(t, ODPS_LOG_SUFFIX);
}

/* What the Tunnel says of session e: 1 committed, 0 not (open, expired,
 * cancelled), 2 unknown (forgotten), -1. */
static int session_in(struct odd *w, const struct odps_jent *e, struct mc_err *err)
{
	char tpart[512];
	struct odps_up u = { &w->c, e->table, NULL, w->o.retry_s, 7, w->o.say, 1, NULL };
	struct odps_session ss = { 0 };
	int rc;
	snprintf(tpart, sizeof tpart, "%s", e->part);
	for (char *c = tpart; *c; c++)
		if (*c == '/')
			*c = ',';
	u.part = tpart[0] ? tpart : NULL;
	rc = odps_up_status(&u, e->session, &ss, err);
	if (rc == 0)
		rc = ss.status == ODPS_SS_CLOSED;
	else if (rc == 1)
		rc = 2;
	odps_session_free(&ss);
	return rc;
}

/* Whether writer x committed rows of S (ledger key key) into N: 2 (its
 * ledger or the Tunnel says so) or 1 (rows lie in the range of its
 * newest commit, which another writer's may share) and *seq the commit,
 * 0 (it did not), or -1. */
static int committed(struct odd *w, const struct odps_sql_opts *so, struct other *x,
		     const char *key, const char *name, uint64_t *seq, struct mc_err *err)
{
	const char *v0 = ckpt_get(&x->k[0], key), *v1 = ckpt_get(&x->k[1], key);
	struct odps_journal j = { 0 };
	enum wh_layout lay;
	int rc = 0;
	*seq = x->seq;
	if (v0 && !strcmp(v0, name)) {
		*seq = x->seq - 1;
		return 2;
	}
	if (!v1 || strcmp(v1, name))
		return 0;
	if (wh_layout_parse(ckpt_get(&x->k[1], LEDGER_K_LOG_LAYOUT), &lay, err) < 0 ||
	    odps_journal_from_ckpt(&x->k[3], "the state mirror's journal", &j, err) < 0)
		return -1;
	for (size_t i = 0; rc >= 0 && rc < 2 && i < j.n; i++) {
		const struct odps_jent *e = &j.e[i];
		uint64_t cnt;
		size_t tn = strlen(e->table), ln = strlen(ODPS_LOG_SUFFIX);
		int is_log = tn > ln && !strcmp(e->table + tn - ln, ODPS_LOG_SUFFIX), in;
		if (!of_table(e->table, name) || !e->images || !e->has_tpos)
			continue;
		if (odps_mirror_count(&w->c, so, e, is_log ? (int)lay : 0, &cnt, err) < 0)
			rc = -1;
		else if (cnt > (e->has_before ? e->before : 0) &&
			 (in = session_in(w, e, err)) != 0)
			rc = in < 0 ? -1 : in == 1 ? 2 : 1;
	}
	odps_journal_free(&j);
	return rc;
}

/* Another source table than key's that writer x's ledgers write into N,
 * where not both x and this state write N through the merge rules: its
 * name, or NULL. */
static const char *other_src(const struct other *x, const char *key, const char *name, int merge)
{
	for (int l = 0; l < 2; l++) {
		if (merge && odps_merge_dest(&x->k[l], name))
			return NULL;
		for (size_t i = 0; i < x->k[l].n; i++) {
			const char *k = x->k[l].kv[i].k;
			if (!strncmp(k, LEDGER_K_NAME, strlen(LEDGER_K_NAME)) && strcmp(k, key) != 0 &&
			    !strcmp(x->k[l].kv[i].v, name))
				return k + strlen(LEDGER_K_NAME);
		}
	}
	return NULL;
}

int odd_writer_check(struct odd *w, const struct mc_ledger *l, struct mc_err *err)
{
	return odd_writer_check_names(w, &l->names, err);
}

int odd_writer_check_names(struct odd *w, const struct ckpt *names, struct mc_err *err)
{
	struct ckpt mine = { 0 };
	const struct odps_upowners *uo = NULL;
	struct other *o = NULL;
	struct odps_sql_opts so;
	size_t no = 0;
	int loaded = 0, rc = 0;
	char *path;

	if (!w->sf.writer)
		return 0;
	for (size_t i = 0; rc == 0 && i < names->n; i++) {
		const char *key = names->kv[i].k, *name = names->kv[i].v;
		const char *s = key + strlen(LEDGER_K_NAME);
		if (*name == '=' || ckpt_get(&w->wseen, key))
			continue;
		if (w->wrefused_key && !strcmp(w->wrefused_key, key)) {
			/* refused while the sink read (dest_odps_early.c): a
			 * refusal stands (the evidence of another writer's
			 * commit does not go away) */
			*err = w->wrefused;
			rc = -1;
			break;
		}
		if (!loaded) {
			/* what this state directory committed itself */
			if (!(path = wh_pathf("%s/%s", w->o.state, WH_LEDGER)))
				return mc_oom(err, "path");
			rc = ckpt_read(path, &mine, err) < 0 ? -1 : 0;
			free(path);
			loaded = 1;
		}
		if (rc == 0 && ckpt_get(&mine, key) && !strcmp(ckpt_get(&mine, key), name)) {
			rc = ckpt_set(&w->wseen, key, name, err) < 0 ? -1 : 0;
			continue;
		}
		if (rc == 0 && loaded == 1) {
			/* the other writers, asked once for this commit */
			odd_sql_opts(w, &so, NULL);
			if (w->wcache && w->wcache->seq != w->seq)
				odd_writer_cache_free(w);
			if (!w->wcache)
				rc = cache_fill(w, &so, err);
			if (rc == 0) {
				o = w->wcache->o;
				no = w->wcache->no;
				uo = &w->wcache->uo;
			}
			loaded = 2;
		}
		if (rc == 0) {
			/* the writer the evidence is surest of */
			int best = 0;
			size_t bk = 0;
			uint64_t bseq = 0;
			for (size_t k = 0; rc == 0 && best < 2 && k < no; k++) {
				const char *dest = ckpt_get(&o[k].k[2], "dest");
				uint64_t seq;
				int c;
				if (!dest || strcmp(dest, w->dest))
					continue;
				c = committed(w, &so, &o[k], key, name, &seq, err);
				if (c < 0)
					rc = -1;
				else if (c > best) {
					best = c;
					bk = k;
					bseq = seq;
				}
			}
			const char *uw;
			if (rc == 0 && !best &&
			    (rc = odps_upowners_find(uo, s, name, &uw, &bseq, err)) > 0)
				rc = mc_errf(err, MC_EXIT_DATA,
					     "MaxCompute table '%s.%s' holds rows of %s upserted by "
					     "another state directory (writer %s, --mode=upsert, commit %"
					     PRIu64 "); this --state is writer %s, and its rows beside "
					     "them would be two writers of one table: give the --state "
					     "of writer %s with --mode=upsert, or write this source "
					     "under another --name, table or project", w->t.project,
					     name, s, uw, bseq, w->sf.writer, uw);
			/* another source table in N from another state directory:
			 * one table, whose rows of either replace or delete the
			 * other's of the same key, unless both come through the
			 * merge rules (shards: a shard column or unique keys) */
			const char *s2 = NULL, *w2 = NULL;
			for (size_t k = 0; rc == 0 && !best && !s2 && k < no; k++) {
				const char *dest = ckpt_get(&o[k].k[2], "dest");
				if (dest && !strcmp(dest, w->dest) &&
				    (s2 = other_src(&o[k], key, name, odps_merge_dest(names, name))))
					w2 = o[k].writer;
			}
			if (rc == 0 && !best && !s2 && !odps_merge_dest(names, name) &&
			    (rc = odps_upowners_other(uo, s, name, &w2, &s2, err)) > 0)
				rc = 0;
			if (rc == 0 && s2)
				rc = odps_two_sources(w->t.project, name, s2, w2, s, err);
			if (rc == 0 && best)
				rc = mc_errf(err, MC_EXIT_DATA,
					     "MaxCompute table '%s.%s' holds rows of %s committed "
					     "by another state directory (writer %s, commit %" PRIu64
					     "); this --state is writer %s, and its rows beside "
					     "them would be the table twice over: give the --state "
					     "of writer %s (or --recover=%s into an empty one), or "
					     "write this source under another --name, table or "
					     "project", w->t.project, name, s, o[bk].writer, bseq,
					     w->sf.writer, o[bk].writer, o[bk].writer);
		}
		if (rc == 0 && ckpt_set(&w->wseen, key, name, err) < 0)
			rc = -1;
	}
	ckpt_free(&mine);
	return rc;
}
