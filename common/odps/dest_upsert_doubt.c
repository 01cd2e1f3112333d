/* dest_upsert_doubt.c: the journal of a --mode=upsert commit, its kept
 * bodies and next ledger, and a rerun's resolution of a commit in doubt
 * (dest_upsert.h; docs/maxcompute.md "--mode=upsert"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/alloc.h"
#include "odps/dest_upsert_int.h"
#include "wh/wh.h"
#include "wh/whpart.h"

char *ups_spath(const struct ud *w, const char *name)
{
	return wh_pathf("%s/%s", w->o.state, name);
}

/* A whole file into b (appended). */
int ups_read_file(struct mc_buf *b, const char *path, struct mc_err *err)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;
	if (!f)
		return mc_errnof(err, errno, "%s", path);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_add(b, chunk, n) < 0) {
			fclose(f);
			return mc_oom(err, path);
		}
	if (ferror(f)) {
		fclose(f);
		return mc_errnof(err, EIO, "read %s", path);
	}
	fclose(f);
	return 0;
}

/* ---- the journal ---- */

int ups_journal_write(struct ud *w, const char *phase, struct mc_err *err)
{
	struct mc_buf j = { 0 };
	char *path = ups_spath(w, UPS_JOURNAL);
	int r = buf_addf(&j, "mcsync-upsert-journal 1\nseq %llu\nphase %s\n",
			 (unsigned long long)w->seq, phase), rc;
	for (size_t i = 0; i < w->nparts; i++) {
		const struct dest_part *p = w->parts[i];
		if (p->nops)
			r |= buf_addf(&j, "s %s %s %s %u %zu\n", p->table, p->part[0] ? p->part : "-",
				      p->sess.id, p->sess.nbuckets, p->nbodies);
	}
	if (r || !path) {
		free(path);
		buf_free(&j);
		return mc_oom(err, "journal");
	}
	rc = afile_write(path, j.p, j.len, err);
	free(path);
	buf_free(&j);
	return rc;
}

/* The bodies, for a rerun that finds a session of this commit lost. */
int ups_bodies_write(struct ud *w, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	char *path = wh_pathf("%s/%s/bodies", w->o.state, UPS_NEXT);
	int r = 0, rc;
	size_t n = 0;
	for (size_t i = 0; i < w->nparts; i++) {
		const struct dest_part *p = w->parts[i];
		if (!p->nops)
			continue;
		for (size_t k = 0; k < p->nbodies; k++) {
			r |= buf_addf(&b, "b %zu %u %llu %zu %s\n", n, p->bodies[k].bucket,
				      (unsigned long long)p->bodies[k].records, p->bodies[k].b.len,
				      ups_comp(w) == TREC_RAW ? "none" : "deflate");
			r |= buf_add(&b, p->bodies[k].b.p, p->bodies[k].b.len);
		}
		n++;
	}
	if (r || !path) {
		free(path);
		buf_free(&b);
		return mc_oom(err, "bodies");
	}
	rc = afile_write(path, b.p ? b.p : "", b.len, err);
	free(path);
	buf_free(&b);
	return rc;
}

void ups_next_remove(struct ud *w)
{
	char *a = ups_spath(w, UPS_JOURNAL), *b = wh_pathf("%s/%s/bodies", w->o.state, UPS_NEXT);
	if (a)
		unlink(a);
	if (b)
		unlink(b);
	free(a);
	free(b);
}

/* --checkpoint-out of commit l at the moment it is decided (the journal's
 * "commit": a rerun rolls it forward before it reads its input), as the
 * batch upload does it (dest_odps.c ckpt_early): FILE.next durably before
 * decide(w, phase) writes the journal, renamed over FILE right after it. A
 * source started by a rerun then resumes after this commit, which that
 * rerun finishes first; the window in which a kill leaves FILE one commit
 * behind a decided commit is the rename, not the sessions' commits (a
 * source resumed from one commit early may repeat chunks bounded otherwise,
 * which the chain rule refuses at snapshot_end: docs/maxcompute.md). With
 * phase NULL, decide writes the ledger itself (a commit without rows). */
struct decide {
	struct ud *w;
	const struct mc_ledger *l;
	const char *phase;
};

static int decide_step(void *arg, struct mc_err *err)
{
	const struct decide *d = arg;
	return d->phase ? ups_journal_write(d->w, d->phase, err)
			: wh_ledger_write(d->w->o.state, d->l, err);
}

int ups_ckpt_decide(struct ud *w, const struct mc_ledger *l, const char *phase,
		    struct mc_err *err)
{
	struct decide d = { w, l, phase };
	return ledger_checkpoint_decide(w->o.ckpt_out, l, decide_step, &d, err);
}

/* The next ledger over the ledger: the commit point. */
int ups_ledger_move(struct ud *w, struct mc_err *err)
{
	char *from = wh_pathf("%s/%s/%s", w->o.state, UPS_NEXT, WH_LEDGER),
	     *to = ups_spath(w, WH_LEDGER);
	int rc = 0;
	if (!from || !to)
		rc = mc_oom(err, "state");
	else if (rename(from, to) < 0)
		rc = mc_errnof(err, errno, "rename %s", from);
	else
		rc = afile_sync_dir(to, err);
	free(from);
	free(to);
	return rc;
}

/* ---- a rerun: the commit in doubt ---- */

struct jent {
	char table[256], part[512], id[128];
	uint32_t nbuckets;
	size_t nbodies;
};

/* Read the journal: 1 (seq, phase, entries), 0 none, -1. */
static int journal_read(struct ud *w, uint64_t *seq, char *phase, struct jent **e, size_t *n,
			struct mc_err *err)
{
	char *path = ups_spath(w, UPS_JOURNAL), *text = NULL;
	size_t len = 0, cap = 0;
	int rc = 1;
	FILE *f;
	*e = NULL;
	*n = 0;
	if (!path)
		return mc_oom(err, "journal");
	if (!(f = fopen(path, "r"))) {
		rc = errno == ENOENT ? 0 : mc_errnof(err, errno, "%s", path);
		free(path);
		return rc;
	}
	unsigned long long s = 0;
	char line[1200];
	if (!fgets(line, sizeof line, f) || strcmp(line, "mcsync-upsert-journal 1\n") ||
	    !fgets(line, sizeof line, f) || sscanf(line, "seq %llu", &s) != 1 ||
	    !fgets(line, sizeof line, f) || sscanf(line, "phase %15s", phase) != 1)
		rc = mc_errf(err, MC_EXIT_DATA, "'%s': not a journal of mcsync (damaged)", path);
	while (rc == 1 && fgets(line, sizeof line, f)) {
		struct jent x = { 0 };
		if (sscanf(line, "s %255s %511s %127s %u %zu", x.table, x.part, x.id, &x.nbuckets,
			   &x.nbodies) != 5) {
			rc = mc_errf(err, MC_EXIT_DATA, "'%s': line '%.60s' (damaged)", path, line);
			break;
		}
		if (!strcmp(x.part, "-"))
			x.part[0] = '\0';
		if (mc_grow(e, &cap, *n + 1, sizeof **e) < 0) {
			rc = mc_oom(err, "journal");
			break;
		}
		(*e)[(*n)++] = x;
	}
	(void)len;
	fclose(f);
	free(text);
	free(path);
	*seq = s;
	return rc;
}

/* Session x again: the kept bodies of entry idx in a new session,
 * committed. */
static int resend(struct ud *w, const struct jent *x, size_t idx, struct mc_err *err)
{
	char *path = wh_pathf("%s/%s/bodies", w->o.state, UPS_NEXT), tp[512];
	struct odps_ups u = { 0 };
	struct odps_ups_session s = { 0 };
	struct mc_buf all = { 0 };
	int rc = -1;
	size_t at = 0;
	snprintf(tp, sizeof tp, "%s", x->part);
	for (char *c = tp; *c; c++)
		if (*c == '/')
			*c = ',';
	u.c = &w->c;
	u.table = x->table;
	u.part = tp[0] ? tp : NULL;
	u.slotnum = 1;
	u.retry_s = w->o.retry_s;
	u.seed = 11;
	u.say = w->o.say;
	if (!path) {
		mc_oom(err, "state");
		goto out;
	}
	if (ups_read_file(&all, path, err) < 0)
		goto out;
	if (odps_ups_create(&u, &s, err) < 0)
		goto out;
	if (s.nbuckets != x->nbuckets) {
		mc_errf(err, MC_EXIT_DATA, "%s: the bucket count changed (%u, now %u): the changes of "
			"the commit in doubt cannot go again", x->table, x->nbuckets, s.nbuckets);
		goto out;
	}
	while (at < all.len) {
		size_t i, blen;
		unsigned b;
		unsigned long long recs;
		int hl = 0;
		enum trec_comp comp;
		const char *rest, *nl = memchr(all.p + at, '\n', all.len - at);
		if (!nl || sscanf(all.p + at, "b %zu %u %llu %zu%n", &i, &b, &recs, &blen, &hl) != 4 ||
		    (size_t)(nl - all.p) + 1 + blen > all.len) {
			mc_errf(err, MC_EXIT_DATA, "'%s': damaged at byte %zu", path, at);
			goto out;
		}
		/* as the body was compressed when kept (" none" or " deflate" after
		 * its length; nothing in the files of a version that did not say:
		 * this run's --compress), whatever this run's option */
		rest = all.p + at + hl;
		if ((size_t)(nl - rest) == 5 && !memcmp(rest, " none", 5))
			comp = TREC_RAW;
		else if ((size_t)(nl - rest) == 8 && !memcmp(rest, " deflate", 8))
			comp = TREC_DEFLATE;
		else if (nl == rest)
			comp = ups_comp(w);
		else {
			mc_errf(err, MC_EXIT_DATA, "'%s': damaged at byte %zu", path, at);
			goto out;
		}
		at = (size_t)(nl - all.p) + 1;
		if (i == idx && odps_ups_put(&u, &s, b, comp, all.p + at, blen, recs, err) != 0)
			goto out;
		at += blen;
	}
	if (ups_own_resend(w, x->table, tp, s.id, err) < 0) /* named before committed */
		goto out;
	if (odps_ups_commit(&u, &s, false, err) != 0) {
		err->code = MC_EXIT_TRANSIENT;
		goto out;
	}
	mc_sayf(&w->o.say, "commit %llu in doubt: the changes of %s went again in session %s",
		(unsigned long long)w->seq, x->table, s.id);
	rc = 0;
out:
	odps_ups_free(&s);
	buf_free(&all);
	free(path);
	return rc;
}

/* What became of session x of the commit in doubt: made committed. */
static int resolve(struct ud *w, const struct jent *x, size_t idx, int phase_commit,
		   struct mc_err *err)
{
	char tp[512];
	struct odps_ups u = { 0 };
	struct odps_ups_session s = { 0 };
	int rc;
	snprintf(tp, sizeof tp, "%s", x->part);
	for (char *c = tp; *c; c++)
		if (*c == '/')
			*c = ',';
	u.c = &w->c;
	u.table = x->table;
	u.part = tp[0] ? tp : NULL;
	u.slotnum = 1;
	u.retry_s = w->o.retry_s;
	u.seed = 7;
	u.say = w->o.say;
	rc = odps_ups_get(&u, x->id, &s, err);
	if (rc < 0)
		goto out;
	if (!phase_commit) {
		/* killed before its bodies were all in: never committed */
		if (rc == 0 && s.status == ODPS_UPS_NORMAL)
			rc = odps_ups_abort(&u, &s, err);
		else
			rc = 0;
		goto out;
	}
	if (rc == 0 && (s.status == ODPS_UPS_NORMAL || s.status == ODPS_UPS_COMMITTING ||
			s.status == ODPS_UPS_COMMITTED)) {
		int sent = s.status != ODPS_UPS_NORMAL;
		rc = odps_ups_commit(&u, &s, sent, err);
		if (rc <= 0) {
			if (rc == 0)
				mc_sayf(&w->o.say, "commit %llu in doubt: session %s of %s %s",
					(unsigned long long)w->seq, x->id, x->table,
					sent ? "was committed" : "committed now");
			goto out;
		}
	}
	/* expired, aborted, critical, or forgotten by the server (committed
	 * long ago, or never): the same changes again, the newest of their keys */
	rc = resend(w, x, idx, err);
out:
	odps_ups_free(&s);
	return rc;
}

/* --checkpoint-out past the decided commit (its next ledger) before the
 * HTTP calls that finish it: the run that decided it may have been killed
 * before renaming FILE.next over FILE, and a rerun killed while finishing
 * it would leave every later source to resume a commit behind (its chunks
 * refused), as the batch upload's roll-forward (dest_odps_roll.c). */
static int ckpt_past(struct ud *w, struct mc_err *err)
{
	struct mc_ledger nl = { 0 };
	char *nd;
	int rc;
	if (!w->o.ckpt_out)
		return 0;
	if (!(nd = wh_pathf("%s/%s", w->o.state, UPS_NEXT)))
		return mc_oom(err, "state");
	rc = wh_ledger_read(nd, &nl, err);
	if (rc == 0)
		rc = mc_errf(err, MC_EXIT_DATA, "'%s/%s' says commit %llu was decided, and its "
			     "ledger is missing from '%s': the state directory is damaged",
			     w->o.state, UPS_JOURNAL, (unsigned long long)w->seq, nd);
	else if (rc > 0)
		rc = ledger_checkpoint_write(w->o.ckpt_out, &nl, err);
	ledger_free(&nl);
	free(nd);
	return rc < 0 ? -1 : 0;
}

static int read_ledger(struct ud *w, struct mc_ledger *l, struct mc_err *err);

int ups_read_ledger(void *st, struct mc_ledger *l, struct mc_err *err)
{
	struct ud *w = st;
	int rc = read_ledger(w, l, err);
	/* the claims of a commit now complete are owned; others dropped */
	return rc < 0 || ups_own_settle(w, l->seq, err) < 0 ? -1 : rc;
}

static int read_ledger(struct ud *w, struct mc_ledger *l, struct mc_err *err)
{
	struct jent *e = NULL;
	size_t n = 0;
	uint64_t seq = 0;
	char phase[16] = "";
	int rc = wh_ledger_read(w->o.state, l, err), jr;
	if (rc < 0)
		return -1;
	jr = journal_read(w, &seq, phase, &e, &n, err);
	if (jr <= 0) {
		free(e);
		return jr < 0 ? -1 : rc;
	}
	if (seq <= l->seq) { /* its ledger was written */
		free(e);
		ups_next_remove(w);
		return rc;
	}
	if (seq != l->seq + 1) {
		free(e);
		return mc_errf(err, MC_EXIT_DATA, "'%s/%s' is of commit %llu, the ledger of commit "
			       "%llu: the state directory is damaged", w->o.state, UPS_JOURNAL,
			       (unsigned long long)seq, (unsigned long long)l->seq);
	}
	w->seq = seq;
	if (!strcmp(phase, "commit") && ckpt_past(w, err) < 0) {
		free(e);
		return -1;
	}
	if (!strcmp(phase, "commit") && ups_own_recheck(w, err) < 0) {
		free(e); /* another state took a table while this commit lay killed */
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (resolve(w, &e[i], i, !strcmp(phase, "commit"), err) < 0) {
			free(e);
			return mc_errctx(err, "the commit in doubt (%s/%s): ", w->o.state,
					 UPS_JOURNAL);
		}
	free(e);
	if (!strcmp(phase, "commit")) {
		/* every session in: the commit's ledger is the ledger */
		if (ups_ledger_move(w, err) < 0)
			return -1;
		ledger_free(l);
		memset(l, 0, sizeof *l);
		if ((rc = wh_ledger_read(w->o.state, l, err)) < 0)
			return -1;
	}
	ups_next_remove(w);
	return rc;
}

