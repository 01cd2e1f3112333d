/* dest_odps_stale.c: a state directory behind MaxCompute (docs/maxcompute.md
 * "A state directory behind MaxCompute"). A copy of the directory older
 * than its last commit (a backup restored, a volume snapshot rolled back)
 * has a ledger behind the commits its writer made since, and a run from it
 * would upload them again (T_log twice over, exit 0). The state mirror
 * (odps/mirror.h) holds every commit of the writer before its data
 * sessions are committed: its newest seq M against the ledger's L, once
 * per run, before this run commits anything:
 *
 *   M <= L           the mirror is not ahead (or aged out, or new): taken;
 *   M == L + 1       a commit decided or begun after the ledger: taken when
 *                    the directory holds its journal (seq M, an attempt no
 *                    lower than the mirror's newest: a rerun rolls it
 *                    forward or resolves it), or when the mirror's newest
 *                    attempt of M has no partition (nothing of it is in
 *                    MaxCompute);
 *   else             refused, exit 1, before anything is committed.
 *
 * One SQL statement (and the mirror's CREATE TABLE IF NOT EXISTS, which the
 * first commit runs anyway): at the start when the directory holds a
 * journal (dest_odps_roll.c: before the roll-forward commits anything,
 * after it has moved --checkpoint-out past a decided commit), else on the
 * thread of dest_odps_early.c beside the first partition's tables, or at
 * the first commit before its journal. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "odps/dest_odps_int.h"
#include "odps/mirror.h"
#include "odps/sql.h"
#include "odps/state.h"
#include "stream/ckpt.h"

static int num(const char *s, uint64_t *v)
{
	char *e;
	if (*s < '0' || *s > '9')
		return -1;
	*v = strtoull(s, &e, 10);
	return *e ? -1 : 0;
}

/* The writer's newest journal row: *m its seq (0: none), *a its attempt,
 * *empty whether that journal has no partition. */
static int newest(struct odd *w, uint64_t *m, uint64_t *a, int *empty, struct mc_err *err)
{
	struct odps_sql_opts so;
	struct mc_buf out = { 0 };
	struct odps_mirror_rows r = { 0 };
	char q[384];
	int rc = 0;
	*m = *a = 0;
	*empty = 0;
	odd_sql_opts(w, &so, NULL);
	if (!w->mirror_ok) {
		if (odps_mirror_ensure(&w->c, &so, err) < 0)
			return -1;
		w->mirror_ok = 1;
	}
	so.settings = ODPS_SQL_FULLSCAN; /* the mirror whole */
	snprintf(q, sizeof q, "SELECT seq, attempt, body FROM " ODPS_MIRROR_TABLE " WHERE writer = "
		 "'%s' AND kind = 'journal' ORDER BY seq DESC, attempt DESC LIMIT 1", w->sf.writer);
	if (odps_sql_run(&w->c, &so, q, ODPS_SQL_IDEMPOTENT, &out, err) < 0) {
		rc = mc_errctx(err, "the state mirror: ");
	} else if (odps_mirror_rows_parse(&out, 3, &r, err) < 0) {
		rc = -1;
	} else if (r.nrow) {
		const char *b = r.f[2];
		struct ckpt c = { 0 };
		struct odps_journal j = { 0 };
		if (num(r.f[0], m) < 0 || num(r.f[1], a) < 0)
			rc = mc_errf(err, MC_EXIT_DATA, "the state mirror: seq '%s' or attempt '%s' "
				     "of writer %s is not a number", r.f[0], r.f[1], w->sf.writer);
		else if (odps_mirror_dec(b, strcmp(b, "\\N") ? strlen(b) : 0, "journal", &c, err) < 0 ||
			 odps_journal_from_ckpt(&c, "the state mirror's journal", &j, err) < 0)
			rc = -1;
		else
			*empty = j.n == 0;
		ckpt_free(&c);
		odps_journal_free(&j);
	}
	free(r.f);
	buf_free(&out);
	return rc;
}

/* The check, j the directory's journal (NULL: none); the ledger is of
 * commit w->lseq. A refusal is kept (w->stale_refused, w->stale_err). */
static int check(struct odd *w, const struct odps_journal *j, struct mc_err *err)
{
	uint64_t m, a, l = w->lseq;
	int empty;
	if (newest(w, &m, &a, &empty, err) < 0)
		return -1;
	w->stale_done = 1;
	if (m <= l || (m == l + 1 && (empty || (j && j->seq == m && j->attempt >= a))))
		return 0;
	mc_errf(err, MC_EXIT_DATA, "--state=%s is behind MaxCompute: its ledger is of commit %"
		PRIu64 ", the state mirror holds commit %" PRIu64 " of its writer %s (a copy of the "
		"directory older than its last commit, put back?), and a run from it would upload "
		"those commits again; nothing was committed: rebuild the state with --recover=%s "
		"into an empty --state (not this one), then run with that one",
		w->o.state, l, m, w->sf.writer, w->sf.writer);
	w->stale_refused = 1;
	w->stale_err = *err;
	return -1;
}

int odd_stale_journal(struct odd *w, const struct odps_journal *j, uint64_t lseq,
		      struct mc_err *err)
{
	w->lseq = lseq;
	return check(w, j, err);
}

void odd_stale_early(struct odd *w)
{
	struct mc_err e = { 0 };
	if (w->stale_done || w->stale_tried)
		return;
	w->stale_tried = 1; /* a failure is the commit's to ask again and say */
	(void)check(w, NULL, &e);
}

int odd_stale_commit(struct odd *w, struct mc_err *err)
{
	if (w->stale_refused) {
		*err = w->stale_err;
		return -1;
	}
	if (w->stale_done)
		return 0;
	return check(w, NULL, err);
}
