/* dest_upsert_own.c: one state directory per source table in --mode=upsert
 * (docs/maxcompute.md "One state directory per source table").
 *
 * An upsert state directory has a name in the state mirror (odps/mirror.h),
 * its writer, kept with what it owns in DIR/_mcsync/upsert-owner (a
 * checkpoint file):
 *
 *   writer W          this state directory's name
 *   own.S N           it committed rows of source table S into table N
 *   claim.S SEQ N     commit SEQ, under way, brings the first rows of S into N
 *
 * A commit bringing rows of S into N that this state does not own yet asks
 * the mirror first (before any session of the commit is made): another
 * writer of the same --dest owning S in N refuses the commit. Then, after
 * its PUTs and before the commit is decided (the journal's "commit"), the
 * claim goes into the file and into the mirror: a row of kind "upsert" of
 * (W, SEQ) whose body names the dest, every pair owned ("o.S" = N) and the
 * new ones with the session that brings their rows ("u.S" = "N PART ID").
 * Every session that may bring those rows is named in such a row before it
 * is committed (a session made again, a rerun's resend), so rows in N
 * always have a claim in the mirror. A claim owns N when the Tunnel says
 * its session was committed (committing, committed, or forgotten: 404); a
 * session normal, expired, aborted or critical brought nothing. Once the
 * ledger is past SEQ the claim is "own." here. A run writes a row (every
 * pair owned) at its first commit and each new UTC day, so that an active
 * writer stays in the mirror (LIFECYCLE). A rerun that finds a decided
 * commit with a claim asks again before it commits (another state may have
 * taken N while it lay killed). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/day.h"
#include "odps/dest_upsert.h"
#include "odps/dest_upsert_int.h"
#include "odps/mirror.h"
#include "odps/sql.h"
#include "stream/ledger.h"
#include "wh/wh.h"
#include "wh/whpart.h"

#define OWN_FILE "_mcsync/upsert-owner"

/* The mark of an upsert state: "mcsync-upsert DEST\n". 1 read into
 * out, 0 none, -1. */
int ups_mark_read(const char *state, char *out, size_t outsz, struct mc_err *err)
{
	char *path = wh_pathf("%s/%s", state, UPS_MARK);
	struct mc_buf b = { 0 };
	int rc;
	if (!path)
		return mc_oom(err, "state");
	if (access(path, F_OK) < 0) {
		free(path);
		return 0;
	}
	rc = ups_read_file(&b, path, err);
	if (rc == 0) {
		if (b.len < 15 || memcmp(b.p, "mcsync-upsert ", 14) || b.p[b.len - 1] != '\n')
			rc = mc_errf(err, MC_EXIT_DATA, "'%s': damaged", path);
		else
			snprintf(out, outsz, "%.*s", (int)(b.len - 15), b.p + 14);
	}
	buf_free(&b);
	free(path);
	return rc < 0 ? -1 : 1;
}


static int own_write(struct ud *w, struct mc_err *err)
{
	char *path = ups_spath(w, OWN_FILE);
	int rc;
	if (!path)
		return mc_oom(err, "state");
	rc = ckpt_write(path, &w->own, err);
	free(path);
	return rc;
}

int ups_own_open(struct ud *w, struct mc_err *err)
{
	char *path = ups_spath(w, OWN_FILE), hex[17];
	unsigned char r[8];
	int rc;
	if (!path)
		return mc_oom(err, "state");
	rc = ckpt_read(path, &w->own, err);
	free(path);
	if (rc < 0)
		return -1;
	if (ckpt_get(&w->own, "writer"))
		return odps_mirror_writer_ok(ckpt_get(&w->own, "writer")) ? 0 : mc_errf(err, MC_EXIT_DATA,
			"'%s/" OWN_FILE "': writer '%s' is not of mcsync (damaged)", w->o.state,
			ckpt_get(&w->own, "writer"));
	/* this state's name in the state mirror */
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		return mc_errnof(err, errno, "getrandom");
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	if (ckpt_set(&w->own, "writer", hex, err) < 0)
		return -1;
	return own_write(w, err);
}

static const char *me(const struct ud *w)
{
	return ckpt_get(&w->own, "writer");
}

static void sql_opts(struct ud *w, struct odps_sql_opts *so)
{
	memset(so, 0, sizeof *so);
	so->retry_s = w->o.retry_s;
	so->settings = ODPS_SQL_SETTINGS;
	so->say = w->o.say;
}

static int mirror_ensure(struct ud *w, struct mc_err *err)
{
	struct odps_sql_opts so;
	if (w->own_mirror)
		return 0;
	sql_opts(w, &so);
	if (odps_mirror_ensure(&w->c, &so, err) < 0)
		return -1;
	w->own_mirror = 1;
	return 0;
}

/* ---- the other writers (also asked by the batch upload) ---- */

struct orow {
	const char *writer;
	uint64_t seq;
	struct ckpt body;
};

int odps_upowners_load(struct odps_upowners *o, struct mc_err *err)
{
	char q[256];
	snprintf(q, sizeof q, "SELECT writer, seq, body FROM " ODPS_MIRROR_TABLE
		 " WHERE kind = 'upsert' AND writer <> '%s'", o->me);
	struct odps_sql_opts all = o->so; /* the mirror whole: in a project that refuses
					   * full scans too */
	all.settings = ODPS_SQL_FULLSCAN;
	if (odps_sql_run(o->c, &all, q, ODPS_SQL_IDEMPOTENT, &o->out, err) < 0)
		return -1;
	return odps_upowners_parse(o, err);
}

int odps_upowners_parse(struct odps_upowners *o, struct mc_err *err)
{
	char *p, *nl;
	size_t cap = 0;
	if (buf_addc(&o->out, '\0') < 0)
		return mc_oom(err, "state mirror");
	for (p = strchr(o->out.p, '\n'); p && *++p; p = nl) {
		char *c1, *c2, *e;
		struct orow x = { 0 };
		const char *dest;
		if ((nl = strchr(p, '\n')))
			*nl = 0;
		if (!(c1 = strchr(p, ',')) || !(c2 = strchr(c1 + 1, ',')))
			continue;
		*c1 = *c2 = 0;
		x.writer = p;
		x.seq = strtoull(c1 + 1, &e, 10);
		if (!odps_mirror_writer_ok(p) || *e || e == c1 + 1)
			continue; /* not mcsync's */
		if (odps_mirror_dec(c2 + 1, strlen(c2 + 1), "upsert", &x.body, err) < 0)
			return -1;
		dest = ckpt_get(&x.body, "dest");
		if (!dest || strcmp(dest, o->dest)) {
			ckpt_free(&x.body);
			continue;
		}
		if (mc_grow(&o->r, &cap, o->n + 1, sizeof *o->r) < 0) {
			ckpt_free(&x.body);
			return mc_oom(err, "state mirror");
		}
		o->r[o->n++] = x;
	}
	return 0;
}

const char *odps_upowners_writer(const struct odps_upowners *o, size_t i)
{
	return i < o->n ? o->r[i].writer : NULL;
}

void odps_upowners_free(struct odps_upowners *o)
{
	for (size_t i = 0; i < o->n; i++)
		ckpt_free(&o->r[i].body);
	free(o->r);
	buf_free(&o->out);
	o->r = NULL;
	o->n = 0;
}

/* Whether the session of claim v ("N PART ID") of row x brought rows into
 * N: 1 (the Tunnel says committed, or forgot it), 0, -1. (Not "its writer
 * went on to a later commit": a claim killed before its decision is
 * dropped, and the commit of the same seq made again may hold no rows of
 * N; the session that brought them is always named in a row.) */
static int claim_in(const struct odps_upowners *o, size_t x, const char *v, struct mc_err *err)
{
	char table[256], part[512], id[128];
	struct odps_ups u = { 0 };
	struct odps_ups_session s = { 0 };
	int rc;
	if (sscanf(v, "%255s %511s %127s", table, part, id) != 3)
		return mc_errf(err, MC_EXIT_DATA, "the state mirror: claim '%s' of writer %s is "
			       "not mcsync's", v, o->r[x].writer);
	u.c = o->c;
	u.table = table;
	u.part = strcmp(part, "-") ? part : NULL;
	u.slotnum = 1;
	u.retry_s = o->so.retry_s;
	u.seed = 13;
	u.say = o->so.say;
	rc = odps_ups_get(&u, id, &s, err);
	if (rc == 0)
		rc = s.status == ODPS_UPS_COMMITTING || s.status == ODPS_UPS_COMMITTED;
	odps_ups_free(&s);
	return rc;
}

int odps_upowners_find(const struct odps_upowners *o, const char *s, const char *name,
		       const char **writer, uint64_t *seq, struct mc_err *err)
{
	char ok[300], uk[300];
	size_t nl = strlen(name);
	snprintf(ok, sizeof ok, "o.%s", s);
	snprintf(uk, sizeof uk, "u.%s", s);
	for (size_t i = 0; i < o->n; i++) {
		const char *ov = ckpt_get(&o->r[i].body, ok), *uv = ckpt_get(&o->r[i].body, uk);
		int in = ov && !strcmp(ov, name);
		if (!in && uv && !strncmp(uv, name, nl) && uv[nl] == ' ')
			in = claim_in(o, i, uv, err);
		if (in < 0)
			return -1;
		if (in) {
			*writer = o->r[i].writer;
			*seq = o->r[i].seq;
			return 1;
		}
	}
	return 0;
}

int odps_merge_dest(const struct ckpt *l, const char *name)
{
	char k[600];
	ledger_merge_key(name, strlen(name), k, sizeof k);
	return ckpt_get(l, k) != NULL;
}

int odps_two_sources(const char *project, const char *name, const char *s2, const char *w2,
		     const char *s, struct mc_err *err)
{
	return mc_errf(err, MC_EXIT_DATA, "MaxCompute table '%s.%s' holds rows of %s written by "
		       "another state directory (writer %s); this --state writes %s into it: two "
		       "source tables in one table, whose rows of one key replace or delete the "
		       "other's: give this source another --name, or write both through "
		       "mc-transform's merge rules (merge.into, with shard_column or keys_unique)",
		       project, name, s2, w2, s);
}

int odps_upowners_other(const struct odps_upowners *o, const char *s, const char *name,
			const char **writer, const char **src, struct mc_err *err)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < o->n; i++)
		for (size_t k = 0; k < o->r[i].body.n; k++) {
			const char *bk = o->r[i].body.kv[k].k, *v = o->r[i].body.kv[k].v;
			int in = 0;
			if ((strncmp(bk, "o.", 2) && strncmp(bk, "u.", 2)) || !strcmp(bk + 2, s))
				continue;
			if (bk[0] == 'o')
				in = !strcmp(v, name);
			else if (!strncmp(v, name, nl) && v[nl] == ' ')
				in = claim_in(o, i, v, err); /* a claim its session made good */
			if (in < 0)
				return -1;
			if (in) {
				*writer = o->r[i].writer;
				*src = bk + 2;
				return 1;
			}
		}
	return 0;
}

/* Refuse pairs c (S -> N, keys "name.S") that another writer owns, or
 * whose N another writer fills from another source table (unless the
 * ledger names say N is a merge destination; names NULL: not asked). */
static int check(struct ud *w, const struct ckpt *c, const struct ckpt *names, struct mc_err *err)
{
	struct odps_upowners o = { 0 };
	int rc = 0;
	if (!c->n)
		return 0;
	o.c = &w->c;
	sql_opts(w, &o.so);
	o.dest = w->dest;
	o.me = me(w);
	if (mirror_ensure(w, err) < 0 || odps_upowners_load(&o, err) < 0)
		rc = -1;
	for (size_t k = 0; rc == 0 && k < c->n; k++) {
		const char *s = c->kv[k].k + strlen(LEDGER_K_NAME), *name = c->kv[k].v, *wr, *s2;
		uint64_t seq;
		int in = odps_upowners_find(&o, s, name, &wr, &seq, err);
		if (in < 0)
			rc = -1;
		else if (in)
			rc = mc_errf(err, MC_EXIT_DATA,
				     "MaxCompute table '%s.%s' holds rows of %s committed by "
				     "another state directory (writer %s, commit %" PRIu64 "); this "
				     "--state is writer %s, and its upserts over them would be two "
				     "writers of one table: give the --state of writer %s, or write "
				     "this source under another --name, table or project",
				     w->t.project, name, s, wr, seq, me(w), wr);
		else if (names && !odps_merge_dest(names, name) &&
			 (rc = odps_upowners_other(&o, s, name, &wr, &s2, err)) > 0)
			rc = odps_two_sources(w->t.project, name, s2, wr, s, err);
	}
	odps_upowners_free(&o);
	return rc;
}

/* ---- this writer ---- */

static int is_today(struct ud *w)
{
	char d[16];
	day_format(day_of((int64_t)time(NULL), 0), d);
	if (!strcmp(d, w->own_day))
		return 1;
	snprintf(w->own_day, sizeof w->own_day, "%s", d);
	return 0;
}

int ups_own_check(struct ud *w, const struct mc_ledger *l, struct mc_err *err)
{
	ckpt_free(&w->own_new);
	for (size_t i = 0; i < w->nparts; i++) {
		const struct dest_part *p = w->parts[i];
		if (!p->nops)
			continue;
		for (size_t k = 0; k < l->names.n; k++) {
			const char *key = l->names.kv[k].k, *name = l->names.kv[k].v, *o;
			char ok[300];
			if (strcmp(name, p->table))
				continue;
			snprintf(ok, sizeof ok, "own.%s", key + strlen(LEDGER_K_NAME));
			o = ckpt_get(&w->own, ok);
			if ((!o || strcmp(o, name)) && ckpt_set(&w->own_new, key, name, err) < 0)
				return -1;
		}
	}
	return check(w, &w->own_new, &l->names, err);
}

/* The session of this commit (or of entry table/part/id of a rerun) that
 * brings rows into N: "N PART ID" into v. */
static int sess_of(struct ud *w, const char *name, char *v, size_t vsz)
{
	for (size_t i = 0; i < w->nparts; i++) {
		const struct dest_part *p = w->parts[i];
		if (p->nops && !strcmp(p->table, name)) {
			snprintf(v, vsz, "%s %s %s", name, p->tpart[0] ? p->tpart : "-", p->sess.id);
			return 1;
		}
	}
	return 0;
}

/* One row of kind "upsert" into the mirror: every pair owned, and the
 * claims in c ("u.S" values). */
static int row(struct ud *w, const struct ckpt *c, struct mc_err *err)
{
	struct ckpt b = { 0 };
	struct odps_mirror_row mr = { "upsert", &b };
	int rc = ckpt_set(&b, "dest", w->dest, err);
	for (size_t i = 0; rc == 0 && i < w->own.n; i++) {
		char k[300];
		if (strncmp(w->own.kv[i].k, "own.", 4))
			continue;
		snprintf(k, sizeof k, "o.%s", w->own.kv[i].k + 4);
		rc = ckpt_set(&b, k, w->own.kv[i].v, err);
	}
	for (size_t i = 0; rc == 0 && i < c->n; i++)
		rc = ckpt_set(&b, c->kv[i].k, c->kv[i].v, err);
	if (rc == 0)
		rc = mirror_ensure(w, err);
	if (rc == 0)
		rc = odps_mirror_put(&w->c, w->o.retry_s, w->o.say, me(w), w->seq, ++w->own_rows,
				     &mr, 1, err);
	ckpt_free(&b);
	return rc;
}

int ups_own_claim(struct ud *w, struct mc_err *err)
{
	struct ckpt c = { 0 };
	int rc = 0, fresh = is_today(w) && w->own_rows;
	if (!w->own_new.n && fresh)
		return 0;
	for (size_t i = 0; rc == 0 && i < w->own_new.n; i++) {
		const char *s = w->own_new.kv[i].k + strlen(LEDGER_K_NAME), *name = w->own_new.kv[i].v;
		char ck[300], uk[300], cv[300], v[900];
		if (!sess_of(w, name, v, sizeof v))
			continue;
		snprintf(ck, sizeof ck, "claim.%s", s);
		snprintf(uk, sizeof uk, "u.%s", s);
		snprintf(cv, sizeof cv, "%" PRIu64 " %s", w->seq, name);
		if (ckpt_set(&c, uk, v, err) < 0 || ckpt_set(&w->own, ck, cv, err) < 0)
			rc = -1;
	}
	/* the file first: a rerun settles, or names again, what the mirror may hold */
	if (rc == 0 && c.n)
		rc = own_write(w, err);
	if (rc == 0)
		rc = row(w, &c, err);
	ckpt_free(&c);
	return rc;
}

/* The claims of the commit under way (w->seq) of table (NULL: any) as
 * pairs "name.S" -> N into c. */
static int claims(struct ud *w, const char *table, struct ckpt *c, struct mc_err *err)
{
	for (size_t i = 0; i < w->own.n; i++) {
		const char *k = w->own.kv[i].k, *v = w->own.kv[i].v, *sp;
		char key[300], *e;
		if (strncmp(k, "claim.", 6) || !(sp = strchr(v, ' ')) ||
		    strtoull(v, &e, 10) != w->seq || e != sp || (table && strcmp(sp + 1, table)))
			continue;
		snprintf(key, sizeof key, LEDGER_K_NAME "%s", k + 6);
		if (ckpt_set(c, key, sp + 1, err) < 0)
			return -1;
	}
	return 0;
}

int ups_own_recheck(struct ud *w, struct mc_err *err)
{
	struct ckpt c = { 0 };
	int rc = claims(w, NULL, &c, err);
	if (rc == 0)
		rc = check(w, &c, NULL, err); /* (the other sources: checked before) */
	ckpt_free(&c);
	return rc;
}

int ups_own_resend(struct ud *w, const char *table, const char *tpart, const char *id,
		   struct mc_err *err)
{
	struct ckpt c = { 0 }, u = { 0 };
	int rc = claims(w, table, &c, err);
	for (size_t i = 0; rc == 0 && i < c.n; i++) {
		char uk[300], v[900];
		snprintf(uk, sizeof uk, "u.%s", c.kv[i].k + strlen(LEDGER_K_NAME));
		snprintf(v, sizeof v, "%s %s %s", table, tpart && tpart[0] ? tpart : "-", id);
		rc = ckpt_set(&u, uk, v, err);
	}
	if (rc == 0 && u.n)
		rc = row(w, &u, err);
	ckpt_free(&c);
	ckpt_free(&u);
	return rc;
}

int ups_own_settle(struct ud *w, uint64_t seq, struct mc_err *err)
{
	int changed = 0;
	for (size_t i = 0; i < w->own.n;) {
		const char *k = w->own.kv[i].k, *v = w->own.kv[i].v, *sp = strchr(v, ' ');
		char ok[300], n[260];
		if (strncmp(k, "claim.", 6) || !sp) {
			i++;
			continue;
		}
		changed = 1;
		if (strtoull(v, NULL, 10) <= seq) {
			/* its commit is complete: S's rows are in N */
			snprintf(ok, sizeof ok, "own.%s", k + 6);
			snprintf(n, sizeof n, "%s", sp + 1);
			ckpt_del(&w->own, k);
			if (ckpt_set(&w->own, ok, n, err) < 0)
				return -1;
			i = 0;
		} else {
			ckpt_del(&w->own, k); /* its commit was dropped */
		}
	}
	ckpt_free(&w->own_new);
	return changed ? own_write(w, err) : 0;
}
