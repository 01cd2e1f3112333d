/* dest_odps_roll.c: a commit of the MaxCompute destination left in doubt,
 * finished on the rerun before any input is read (rolled forward) from its
 * journal and spool, or its sessions dropped when it was not decided
 * (docs/maxcompute.md "Exactly once"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "odps/dest_odps_int.h"
#include "odps/spool.h"
#include "odps/state.h"
#include "odps/upload.h"
#include "wh/wh.h"

/* Finish partition e of journal j (a commit decided, not complete): its
 * session committed if it is not yet, or its spooled blocks uploaded in a
 * new session (journalled before it is committed) and committed. */
static int finish_part(struct odd *w, struct odps_journal *j, struct odps_jent *e,
		       struct mc_err *err)
{
	char tpart[512];
	struct odps_up u = { &w->c, e->table, NULL, w->o.retry_s, 11, w->o.say, w->o.threads,
			     &w->conns };
	struct odps_session s = { 0 };
	struct mc_buf *blocks = NULL;
	uint32_t *ids = NULL;
	enum trec_comp comp;
	int rc = -1, r;
	snprintf(tpart, sizeof tpart, "%s", e->part);
	for (char *c = tpart; *c; c++)
		if (*c == '/')
			*c = ',';
	u.part = tpart[0] ? tpart : NULL;
	if (!(ids = calloc(e->nblocks + 1, sizeof *ids))) {
		mc_oom(err, "blocks");
		goto out;
	}
	for (uint32_t i = 0; i < e->nblocks; i++)
		ids[i] = i;
	r = odps_up_status(&u, e->session, &s, err);
	if (r < 0)
		goto out;
	if (r == 0 && s.status == ODPS_SS_CLOSED) {
		e->state = ODPS_J_IN;
		rc = 0;
		goto out;
	}
	if (r == 0 && (s.status == ODPS_SS_UNKNOWN || s.status == ODPS_SS_CRITICAL)) {
		mc_errf(err, MC_EXIT_DATA, "upload session %s (%s %s) of commit %llu is '%s': "
			"cannot tell whether its rows are in MaxCompute", e->session, e->table,
			e->part, (unsigned long long)j->seq, s.status_text);
		goto out;
	}
	if (r == 0 && (s.status == ODPS_SS_NORMAL || s.status == ODPS_SS_BUSY)) {
		int whole = s.nblocks == e->nblocks;
		for (size_t i = 0; whole && i < s.nblocks; i++)
			whole = s.blocks[i] == i;
		if (whole || s.status == ODPS_SS_BUSY) {
			r = odps_up_commit(&u, e->session, ids, e->nblocks, err);
			if (r < 0)
				goto out;
			if (r == 0) {
				e->state = ODPS_J_IN;
				rc = 0;
				goto out;
			}
		}
	}
	/* expired, canceled, unknown to the server, or open without all its
	 * blocks: never committed; the spool goes up in a new session */
	if (odps_spool_get(w->o.state, j->seq, e->spool_file, e->spool_size, e->spool_crc,
			   e->nblocks, &blocks, err) < 0)
		goto out;
	/* as they were compressed when spooled, whatever this run's --compress */
	if (!e->spool_enc[0] || trec_comp_parse(e->spool_enc, &comp) < 0)
		comp = w->o.comp;
	for (int tries = 0;; tries++) {
		odps_session_free(&s);
		if (odps_up_create(&u, 1, &s, err) < 0)
			goto out;
		snprintf(e->session, sizeof e->session, "%s", s.id);
		if (odps_journal_write(w->o.state, j, err) < 0)
			goto out;
		r = odps_up_put_all(&u, s.id, comp, blocks, e->nblocks, err);
		if (r == 0)
			r = odps_up_commit(&u, s.id, ids, e->nblocks, err);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		if (tries + 1 >= SESSION_TRIES) {
			err->code = MC_EXIT_TRANSIENT;
			goto out;
		}
		mc_sayf(&w->o.say, "%s; uploading the spooled rows again in a new session", err->msg);
	}
	e->state = ODPS_J_IN;
	rc = 0;
out:
	if (blocks)
		for (uint32_t i = 0; i < e->nblocks; i++)
			buf_free(&blocks[i]);
	free(blocks);
	free(ids);
	odps_session_free(&s);
	return rc;
}

/* A journal of commit seq = ledger + 1 with its spool (a run stopped after
 * deciding the commit, before its ledger): finish the commit without its
 * input, so that the source resumes after it (docs/maxcompute.md "Exactly
 * once"). The state mirror's row of the commit again first (attempt + 1:
 * the run may have stopped before it), then each partition, then the
 * state file and the ledger from the journal. A journal without a spool
 * (--recover's) or of another commit is left to clean. */
int odd_roll_forward(struct odd *w, struct mc_err *err)
{
	struct odps_journal j = { 0 };
	struct mc_ledger l0 = { 0 }, l1 = { 0 };
	struct odps_statefile sf1 = { 0 };
	size_t nin = 0;
	int rc = odps_journal_read(w->o.state, &j, err);
	if (rc < 0)
		return mc_errctx(err, "a commit in doubt: ");
	if (rc == 0) /* a run stopped before its journal: its spool is nothing */
		return odps_spool_remove(w->o.state, err);
	rc = -1;
	if (wh_ledger_read(w->o.state, &l0, err) < 0)
		goto out;
	if (j.seq != l0.seq + 1) {
		/* the directory not behind MaxCompute (dest_odps_stale.c)
		 * before clean resolves anything */
		rc = odd_stale_journal(w, &j, l0.seq, err);
		goto out;
	}
	if (!j.has_after) {
		if (odd_stale_journal(w, &j, l0.seq, err) < 0)
			goto out;
		/* written before the commit was decided: none of its sessions
		 * was committed (they come after the decision); drop them, the
		 * input gives the commit again. (A journal of --recover has
		 * partitions in or out, none in doubt: left to clean.) */
		int undecided = j.n > 0;
		for (size_t i = 0; i < j.n; i++)
			undecided &= j.e[i].state == ODPS_J_DOUBT && j.e[i].spooled;
		if (undecided) {
			for (size_t i = 0; i < j.n; i++)
				j.e[i].state = ODPS_J_OUT;
			j.rolled_back = 1;
			mc_sayf(&w->o.say, "commit %llu was not decided: its upload sessions are "
				"dropped, the input gives it again", (unsigned long long)j.seq);
			if (odps_journal_write(w->o.state, &j, err) < 0 ||
			    odps_spool_remove(w->o.state, err) < 0)
				goto out;
		}
		rc = 0;
		goto out;
	}
	if (ledger_from_ckpt(&j.ledger1, ODPS_JOURNAL, &l1, err) < 0 ||
	    odps_statefile_from_ckpt(&j.state1, ODPS_JOURNAL, &sf1, err) < 0)
		goto out;
	/* --checkpoint-out past the decided commit before its HTTP calls: the
	 * run that decided it may have been killed before renaming FILE.next
	 * over FILE, and a rerun killed while finishing it would leave every
	 * later source to resume a commit behind (its chunks refused) */
	if (w->o.ckpt_out && ledger_checkpoint_write(w->o.ckpt_out, &l1, err) < 0)
		goto out;
	for (size_t i = 0; i < j.n; i++)
		nin += j.e[i].state == ODPS_J_IN;
	mc_sayf(&w->o.say, "commit %llu was decided and not finished (%zu of %zu partitions "
		"known in MaxCompute): finishing it from the journal and the spool before "
		"reading the input", (unsigned long long)j.seq, nin, j.n);
	/* the directory not behind MaxCompute, before anything of the commit
	 * is committed again (dest_odps_stale.c) */
	if (odd_stale_journal(w, &j, l0.seq, err) < 0)
		goto out;
	j.attempt++;
	if (odps_journal_write(w->o.state, &j, err) < 0 || odd_mirror(w, &j, &l1, &sf1, err) < 0)
		goto out;
	for (size_t i = 0; i < j.n; i++)
		if (j.e[i].state != ODPS_J_IN && finish_part(w, &j, &j.e[i], err) < 0) {
			mc_errctx(err, "finishing commit %llu (%s %s): ", (unsigned long long)j.seq,
				  j.e[i].table, j.e[i].part);
			goto out;
		}
	odps_statefile_free(&w->sf);
	w->sf = sf1;
	memset(&sf1, 0, sizeof sf1);
	if (odps_statefile_write(w->o.state, &w->sf, err) < 0 ||
	    wh_ledger_write(w->o.state, &l1, err) < 0 ||
	    odps_journal_remove(w->o.state, err) < 0 || odps_spool_remove(w->o.state, err) < 0)
		goto out;
	rc = 0;
out:
	ledger_free(&l0);
	ledger_free(&l1);
	odps_statefile_free(&sf1);
	odps_journal_free(&j);
	return rc;
}

