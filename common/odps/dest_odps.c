/* dest_odps.c: MaxCompute as a sink destination (dest_odps.h). The
 * argument that this is exactly once, window by window, is in
 * docs/maxcompute.md "Exactly once". */
#include "odps/dest_odps.h"
#include "odps/dest_odps_int.h"
#include "odps/dest_upsert.h"
#include "odps/sql.h"
#include "odps/tables.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "odps/client.h"
#include "odps/ddlmark.h"
#include "odps/endpoint.h"
#include "odps/mirror.h"
#include "odps/spool.h"
#include "odps/state.h"
#include "odps/types.h"
#include "odps/upload.h"
#include "odps/zpool.h"
#include "wh/layout.h"
#include "wh/wh.h"
#include "wh/whpart.h"

#define USER_AGENT "mcsync/" MC_VERSION

struct odps_up odd_up_of(struct odd *w, const struct dest_part *p)
{
	struct odps_up u = { &w->c, p->table, p->tpart, w->o.retry_s, (uint64_t)(uintptr_t)p,
			     w->o.say, w->o.threads, &w->conns };
	return u;
}

void odd_part_reset(struct odd *w, struct dest_part *p)
{
	for (size_t i = 0; i < p->nblocks; i++) {
		if (w->zp) /* memory for the next commit's blocks */
			odps_zpool_recycle(w->zp, &p->blocks[i]);
		buf_free(&p->blocks[i]);
	}
	p->nblocks = 0;
	p->freed = 0;
	p->used = p->skip = p->complete = 0;
	p->rows = 0;
	p->has_pos = 0;
	p->images = p->nthi = 0;
	p->has_tpos = 0;
	p->spooled = 0;
	odps_session_free(&p->sess);
}

struct posstr {
	char s[64];
};

static struct posstr fmt_pos(const struct mc_pos *p)
{
	struct posstr r;
	pos_format(p, r.s, sizeof r.s);
	return r;
}

static int is_log_name(const char *table)
{
	size_t n = strlen(table), k = strlen(ODPS_LOG_SUFFIX), d = strlen(ODPS_LOG_SUFFIX ODPS_DDL_SUFFIX);
	return (n > k && !strcmp(table + n - k, ODPS_LOG_SUFFIX)) ||
	       (n > d && !strcmp(table + n - d, ODPS_LOG_SUFFIX ODPS_DDL_SUFFIX));
}

/* The options of the SQL this destination runs: its retry time and
 * settings; to (may be NULL): the tables' lifecycle and --existing-tables. */
void odd_sql_opts(const struct odd *w, struct odps_sql_opts *so, struct odps_tables_opts *to)
{
	memset(so, 0, sizeof *so);
	so->retry_s = w->o.retry_s;
	so->settings = ODPS_SQL_SETTINGS;
	so->say = w->o.say;
	if (to)
		*to = (struct odps_tables_opts){ .sql = so, .lifecycle = w->o.lifecycle,
						 .proceed = w->o.proceed, .state = w->o.state };
}


static size_t part_index(const struct odd *w, const struct dest_part *p);

static int upload(struct odd *w, struct dest_part *p, struct mc_err *err)
{
	struct odps_up u = odd_up_of(w, p);
	if (odd_blocks_reload(w, p, part_index(w, p), err) < 0) /* (the pipeline's) */
		return -1;
	for (int tries = 0;; tries++) {
		int rc = 0;
		if (odps_up_create(&u, 1, &p->sess, err) < 0)
			return -1;
		rc = odps_up_put_all(&u, p->sess.id, w->o.comp, p->blocks, p->nblocks, err);
		if (rc <= 0)
			return rc;
		/* the session was closed under us (expired): a new one */
		if (tries + 1 >= SESSION_TRIES)
			return mc_errf(err, MC_EXIT_TRANSIENT, "%s (%d sessions in a row)", err->msg,
				       SESSION_TRIES);
		mc_sayf(&w->o.say, "%s; uploading the rows again in a new session", err->msg);
	}
}

/* ---- the operations ---- */

static int odd_begin(void *st, uint64_t seq, struct mc_err *err)
{
	struct odd *w = st;
	odd_feed_quiet(w); /* (the commit's work is this thread's) */
	w->seq = seq;
	for (size_t i = 0; i < w->nparts; i++)
		if (odd_feed_part(w) != w->parts[i]) /* (fed: reset as its feed began) */
			odd_part_reset(w, w->parts[i]);
	if (odps_spool_remove_wait(&w->sprm, err) < 0)
		return -1;
	return odps_spool_reset(w->o.state, err);
}

/* The index of p in w->parts: its spool file's number. */
static size_t part_index(const struct odd *w, const struct dest_part *p)
{
	size_t i = 0;
	while (i < w->nparts && w->parts[i] != p)
		i++;
	return i;
}

static int odd_append(void *st, struct dest_part *p, const struct dest_rows *rows,
		      struct mc_err *err);

/* p's rows, pr: p's work done while the sink read (or NULL) */
static int append_rows(struct odd *w, struct dest_part *p, const struct dest_rows *rows,
		       struct odd_prep *pr, struct mc_err *err)
{
	void *st = w;
	const struct odps_jent *je;
	struct odd_hist *h = NULL;
	int pre = p->ensured, take = 0, fed;
	if (rows->complete)
		p->complete = 1;
	/* the schema history first (an ALTER may come with no row yet), in
	 * every log layout (docs/maxcompute.md "Schema changes") */
	if (!p->is_ddl && odd_hist_add(w, p, rows, &h, err) < 0)
		return -1;
	if (rows->rows == 0) {
		/* a table empty at its snapshot: its base table and partition,
		 * and its log table, made all the same, for the merge in
		 * MaxCompute to read (none was made: every merge of the table
		 * failed, "Table not found") */
		if (rows->complete && !p->is_log && !p->is_ddl && !w->o.upsert && !p->ensured) {
			p->layout = rows->layout; /* (its log table's) */
			if (rows->schemas_len)
				return odd_ensure_table(w, p, rows->schemas, rows->schemas_len, err);
			if (h && h->h.n)
				return odd_ensure_rec(w, p, &h->h.v[h->h.n - 1].s.rec, err);
		}
		return 0;
	}
	if (p->is_log && !p->is_ddl && rows->layout != WH_LAYOUT_MCSYNC) {
		/* the table-replacing DDL's markers into T_log_ddl (dest_odps_ddl.c) */
		struct mc_buf b = { 0 };
		struct dest_rows dr;
		struct dest_part *q;
		int k = odd_ddl_split(w, p, h, rows, &b, &q, &dr, err);
		if (k > 0 && odd_append(st, q, &dr, err) < 0)
			k = -1;
		buf_free(&b);
		if (k < 0)
			return -1;
		if ((uint64_t)k == rows->rows && !wh_layout_has_ddl((enum wh_layout)rows->layout))
			return 0; /* no row of T_log's own (dts) */
	}
	if (p->ensured && p->layout != rows->layout)
		return mc_errf(err, MC_EXIT_DATA, "internal: %s in two log layouts", p->table);
	p->layout = rows->layout;
	if (p->used)
		return mc_errf(err, MC_EXIT_DATA, "internal: two appends to %s %s in commit %llu",
			       p->table, p->part, (unsigned long long)w->seq);
	p->used = 1;
	p->rows = rows->rows;
	p->has_pos = rows->has_pos;
	p->lo = rows->lo;
	p->hi = rows->hi;
	je = w->doubt.seq == w->seq ? odps_journal_find(&w->doubt, p->table, p->part) : NULL;
	if (je && je->state == ODPS_J_IN) {
		/* this commit's rows of p are in MaxCompute already */
		if (je->rows != rows->rows || je->has_pos != rows->has_pos ||
		    (je->has_pos && (pos_cmp(&je->lo, &rows->lo) || pos_cmp(&je->hi, &rows->hi))))
			return mc_errf(err, MC_EXIT_DATA, "commit %llu of %s %s is in MaxCompute with "
				       "%llu rows, and the input gives it %llu other rows: give the "
				       "same input as the run that stopped",
				       (unsigned long long)w->seq, p->table, p->part,
				       (unsigned long long)je->rows,
				       (unsigned long long)rows->rows);
		p->skip = 1;
		return 0;
	}
	w->phist = h && h->has_x ? h : NULL;
	if (p->ensured && w->phist && p->hist_gen != h->gen)
		p->ensured = 0; /* a new version since: the tables evolve */
	if (!p->ensured && w->phist && odd_hist_ensure(w, p, h, err) < 0)
		return -1;
	if (!p->ensured && p->is_ddl && odd_ddl_table(w, NULL, 1, p->is_ddl, p, err) < 0)
		return -1;
	/* the tables made sure of while the sink read (dest_odps_early.c),
	 * when that was this: the plain case, the same table, layout and
	 * schema records */
	if (pr && !w->phist && !p->is_ddl && !strcmp(pr->table, p->table) &&
	    pr->layout == p->layout && pr->is_log == p->is_log &&
	    (pr->ensure ? !p->ensured && pr->ensured && pr->schemas.len == rows->schemas_len &&
			      !memcmp(pr->schemas.p, rows->schemas, rows->schemas_len)
			: pre && p->ensured)) {
		p->ensured = 1;
		take = pr->has_sess;
	}
	/* p's rows fed as the sink read (dest_odps_feed.c): their session is
	 * p's already, and the append goes on from there, when it takes the
	 * early work in; else the fed work is dropped, with the session it
	 * took (a new one is made below) */
	fed = take && odd_feed_fits(w, p, rows);
	if (!fed && odd_feed_part(w) == p) {
		odd_feed_drop(w);
		take = 0;
	}
	if (!p->ensured && odd_ensure_table(w, p, rows->schemas, rows->schemas_len, err) < 0)
		return -1;
	if (!p->ensured && p->is_log && !rows->schemas_len && odd_log_from_base(w, p, err) < 0)
		return -1; /* DDL markers only */
	if (fed) {
		/* (its session is p's) */
	} else if (take) {
		/* the session made while the sink read, after the tables */
		odps_session_free(&p->sess);
		p->sess = pr->sess;
		memset(&pr->sess, 0, sizeof pr->sess);
		pr->has_sess = 0;
	} else {
		/* the session first: its schema is what the records are encoded by */
		struct odps_up u = odd_up_of(w, p);
		if (odps_up_create(&u, 1, &p->sess, err) < 0)
			return -1;
	}
	{
		/* encoded, spooled, PUT (dest_odps_pipe.c) */
		struct odps_up u = odd_up_of(w, p);
		int rc = fed ? odd_feed_send(w, p, rows, part_index(w, p), err)
			     : odd_send(w, p, rows, &u, part_index(w, p), err);
		if (rc < 0)
			return -1;
		if (rc == 1) /* expired under us: all of it again in a new session */
			return upload(w, p, err);
	}
	return 0;
}

static int odd_append(void *st, struct dest_part *p, const struct dest_rows *rows,
		      struct mc_err *err)
{
	struct odd *w = st;
	struct odd_prep *pr = NULL;
	odd_feed_quiet(w);
	if (!p->is_ddl && !odd_feed_of(w, p, &pr))
		pr = odd_early_take(w, p);
	/* a state behind MaxCompute found early uploads nothing (a DDL
	 * partition's append is inside its table's, after the take) */
	int rc = !p->is_ddl && w->stale_refused ? odd_stale_commit(w, err)
						: append_rows(w, p, rows, pr, err);
	odd_prep_free(pr);
	return rc;
}

static void odd_prepare(void *st, struct dest_part *p, const char *schemas, size_t len,
			int layout, const char *nkey, const char *name)
{
	odd_early_prepare(st, p, schemas, len, layout, nkey, name);
}

/* ---- the state mirror (odps/mirror.h) ---- */

/* Commit j's row into the state mirror: the ledger and state file before
 * this commit and after it, and the journal. */
int odd_mirror(struct odd *w, const struct odps_journal *j, const struct mc_ledger *l,
		  const struct odps_statefile *sf1, struct mc_err *err)
{
	struct ckpt c[5];
	struct odps_mirror_row rows[5];
	char *lp = NULL;
	size_t n = 0;
	int rc = -1;
	memset(c, 0, sizeof c);
	if (!w->mirror_ok) {
		struct odps_sql_opts so;
		odd_sql_opts(w, &so, NULL);
		if (odps_mirror_ensure(&w->c, &so, err) < 0)
			return -1;
		w->mirror_ok = 1;
	}
	if (!(lp = wh_pathf("%s/%s", w->o.state, WH_LEDGER))) {
		mc_oom(err, "state");
		goto out;
	}
	if (ckpt_read(lp, &c[0], err) < 0 || ledger_to_ckpt(l, &c[1], err) < 0 ||
	    odps_statefile_to_ckpt(&w->sf, &c[2], err) < 0 ||
	    odps_statefile_to_ckpt(sf1, &c[3], err) < 0 || odps_journal_to_ckpt(j, &c[4], err) < 0)
		goto out;
	{
		static const char *const kinds[5] = { "ledger0", "ledger1", "state0", "state1",
						      "journal" };
		for (int k = 0; k < 5; k++) {
			if (k == 0 && c[0].n == 0)
				continue; /* no ledger yet */
			rows[n].kind = kinds[k];
			rows[n++].body = &c[k];
		}
	}
	rc = odps_mirror_put(&w->c, w->o.retry_s, w->o.say, w->sf.writer, j->seq, j->attempt, rows,
			     n, err);
	if (rc == 0) /* the schema histories (dest_odps_hist.c) */
		rc = odd_hist_mirror(w, j->seq, j->attempt, err);
out:
	for (int k = 0; k < 5; k++)
		ckpt_free(&c[k]);
	free(lp);
	return rc;
}

/* The decided journal j, then --checkpoint-out of l: the checkpoint is
 * written durably beside (FILE.next) first and renamed over FILE right
 * after the journal, so that a source started in between (a kill there)
 * is as short a window as the rename (docs/maxcompute.md "Exactly once"). */
struct early {
	struct odd *w;
	const struct odps_journal *j;
};

static int early_journal(void *arg, struct mc_err *err)
{
	const struct early *e = arg;
	return odps_journal_write(e->w->o.state, e->j, err);
}

static int ckpt_early(struct odd *w, const struct odps_journal *j, const struct mc_ledger *l,
		      struct mc_err *err)
{
	struct early e = { w, j };
	return ledger_checkpoint_decide(w->o.ckpt_out, l, early_journal, &e, err);
}

static int odd_commit(void *st, const struct mc_ledger *l, struct mc_err *err)
{
	struct odd *w = st;
	struct odps_journal j = { 0 };
	struct odps_statefile sf1 = { 0 };
	struct mc_pos at;
	int rc = -1;
	uint32_t *ids = NULL;
	size_t nids = 0;

	odd_early_drop(w); /* what no append took */
	odd_feed_drop(w);  /* rows fed that no append took (the sink took them back) */
	if (odd_stale_commit(w, err) < 0) /* a state directory put back */
		return -1;
	j.seq = w->seq;
	j.attempt = w->doubt.seq == w->seq ? w->doubt.attempt + 1 : 0;
	/* a partition of this commit known to be in MaxCompute that the input
	 * does not give again would be rows the ledger does not describe */
	if (w->doubt.seq == w->seq)
		for (size_t i = 0; i < w->doubt.n; i++) {
			const struct odps_jent *e = &w->doubt.e[i];
			size_t k;
			if (e->state != ODPS_J_IN &&
			    (e->state != ODPS_J_OUT || w->doubt.has_after || w->doubt.rolled_back))
				continue;
			for (k = 0; k < w->nparts; k++)
				if (w->parts[k]->used && !strcmp(w->parts[k]->table, e->table) &&
				    !strcmp(w->parts[k]->part, e->part))
					break;
			if (k == w->nparts && e->state == ODPS_J_OUT) {
				/* a journal rebuilt by --recover (no spool): a change
				 * partition of the commit not in MaxCompute must come
				 * again, or the input starts past it (a checkpoint
				 * written once the commit was decided) */
				if (w->doubt.has_after || w->doubt.rolled_back || !e->has_pos ||
				    !is_log_name(e->table))
					continue;
				return mc_errf(err, MC_EXIT_DATA, "commit %llu of %s %s (positions from "
					       "%s) is not in MaxCompute, its spool was lost with the "
					       "state directory, and the input does not give it again: "
					       "start the source from the checkpoint of commit %llu "
					       "(mc-tunnel-put --checkpoint-out wrote it at its start: "
					       "run the same command again)",
					       (unsigned long long)w->seq, e->table, e->part,
					       fmt_pos(&e->lo).s, (unsigned long long)w->seq - 1);
			}
			if (k < w->nparts && e->state == ODPS_J_OUT) {
				const struct dest_part *q = w->parts[k];
				if (w->doubt.rolled_back || !e->has_pos || !is_log_name(e->table) ||
				    (q->has_pos && !pos_cmp(&q->lo, &e->lo)))
					continue;
				return mc_errf(err, MC_EXIT_DATA, "commit %llu of %s %s (positions from "
					       "%s) is not in MaxCompute, its spool was lost with the "
					       "state directory, and the input gives it rows from %s: "
					       "start the source from the checkpoint of commit %llu "
					       "(mc-tunnel-put --checkpoint-out wrote it at its start: "
					       "run the same command again)",
					       (unsigned long long)w->seq, e->table, e->part,
					       fmt_pos(&e->lo).s, q->has_pos ? fmt_pos(&q->lo).s : "no position",
					       (unsigned long long)w->seq - 1);
			}
			if (k == w->nparts)
				return mc_errf(err, MC_EXIT_DATA, "commit %llu put %llu rows into %s %s "
					       "(session %s), and the input does not give them again: "
					       "give the same input as the run that stopped",
					       (unsigned long long)w->seq,
					       (unsigned long long)e->rows, e->table, e->part,
					       e->session);
		}
	for (size_t i = 0; i < w->nparts; i++) {
		struct dest_part *p = w->parts[i];
		struct odps_jent *e;
		if (!p->used)
			continue;
		if (odps_journal_add(&j, p->table, p->part, &e, err) < 0)
			goto out;
		if (p->skip) {
			const struct odps_jent *old =
				odps_journal_find(&w->doubt, p->table, p->part);
			snprintf(e->session, sizeof e->session, "%s", old->session);
			e->nblocks = old->nblocks;
			e->rows = old->rows;
			e->has_pos = old->has_pos;
			e->lo = old->lo;
			e->hi = old->hi;
			e->images = old->images;
			e->nthi = old->nthi;
			e->has_tpos = old->has_tpos;
			e->tlo = old->tlo;
			e->thi = old->thi;
			e->has_before = old->has_before;
			e->before = old->before;
			e->state = ODPS_J_IN;
			continue;
		}
		snprintf(e->session, sizeof e->session, "%s", p->sess.id);
		e->nblocks = (uint32_t)p->nblocks;
		e->spooled = p->spooled;
		e->spool_size = p->spool_size;
		e->spool_crc = p->spool_crc;
		e->spool_file = part_index(w, p);
		snprintf(e->spool_enc, sizeof e->spool_enc, "%s",
			 trec_comp_name(w->o.comp) ? trec_comp_name(w->o.comp) : "none");
		e->rows = p->rows;
		e->has_pos = p->has_pos;
		e->lo = p->lo;
		e->hi = p->hi;
		e->images = p->images;
		e->nthi = p->nthi;
		e->has_tpos = p->has_tpos;
		e->tlo = p->tlo;
		e->thi = p->thi;
		odps_statefile_before(&w->sf, e);
		e->state = ODPS_J_DOUBT;
	}
	/* the state file as this commit leaves it: completed base partitions,
	 * each partition's highest position */
	if (odps_statefile_copy(&sf1, &w->sf, err) < 0)
		goto out;
	for (size_t i = 0; i < w->nparts; i++)
		if (w->parts[i]->complete &&
		    odps_statefile_done(&sf1, w->parts[i]->table, w->parts[i]->part, w->seq, err) < 0)
			goto out;
	/* (a state file written by this commit before a crash that kept its
	 * ledger from being written holds its partitions' rows already: all
	 * of them, since it is written after every session is committed) */
	for (size_t i = 0; i < j.n; i++)
		if (j.e[i].has_tpos && (w->sf.seq != w->seq || j.e[i].state != ODPS_J_IN) &&
		    odps_statefile_pmax_add(&sf1, j.e[i].table, j.e[i].part, &j.e[i].thi,
					    j.e[i].nthi, err) < 0)
			goto out;
	sf1.seq = w->seq;
	if (odps_prune_at(l, &at))
		odps_statefile_prune(&sf1, &at);
	if (odd_writer_check(w, l, err) < 0) /* another state's rows of a source */
		goto out;
	/* 1. the journal: every session of this commit and its spool, before
	 * any commit (a rerun finding it so drops the sessions: roll_forward) */
	if (j.n && (odps_spool_sync(w->o.state, err) < 0 ||
		    odps_journal_write(w->o.state, &j, err) < 0))
		goto out;
	/* 2. the state mirror: what --recover rebuilds the directory from */
	if (odd_mirror(w, &j, l, &sf1, err) < 0)
		goto out;
	/* 3. the decision: the journal again, with the ledger and state file
	 * after the commit; from here on a rerun finishes the commit
	 * (roll_forward), and the source may resume after it (the sink
	 * writes the checkpoint again after the ledger) */
	j.has_after = 1;
	if (ledger_to_ckpt(l, &j.ledger1, err) < 0 ||
	    odps_statefile_to_ckpt(&sf1, &j.state1, err) < 0)
		goto out;
	if (j.n && ckpt_early(w, &j, l, err) < 0)
		goto out;
	/* 3. commit each session */
	for (size_t i = 0; i < w->nparts; i++) {
		struct dest_part *p = w->parts[i];
		struct odps_up u = odd_up_of(w, p);
		struct odps_jent *e;
		if (!p->used || p->skip)
			continue;
		e = odps_journal_find(&j, p->table, p->part);
		if (mc_grow(&ids, &nids, p->nblocks + 1, sizeof *ids) < 0) {
			mc_oom(err, "blocks");
			goto out;
		}
		for (size_t b = 0; b < p->nblocks; b++)
			ids[b] = (uint32_t)b;
		for (int tries = 0;; tries++) {
			int r = odps_up_commit(&u, p->sess.id, ids, p->nblocks, err);
			if (r < 0)
				goto out;
			if (r == 0)
				break;
			/* expired before its commit: never committed; a new session,
			 * journalled before it is committed */
			if (tries + 1 >= SESSION_TRIES) {
				err->code = MC_EXIT_TRANSIENT;
				goto out;
			}
			mc_sayf(&w->o.say, "%s; uploading the rows again in a new session", err->msg);
			if (upload(w, p, err) < 0)
				goto out;
			snprintf(e->session, sizeof e->session, "%s", p->sess.id);
			if (odps_journal_write(w->o.state, &j, err) < 0)
				goto out;
		}
		e->state = ODPS_J_IN;
	}
	/* 4. the state file, then the ledger: the commit point */
	odps_statefile_free(&w->sf);
	w->sf = sf1;
	memset(&sf1, 0, sizeof sf1);
	if (odps_statefile_write(w->o.state, &w->sf, err) < 0 ||
	    wh_ledger_write(w->o.state, l, err) < 0)
		goto out;
	odps_journal_free(&w->doubt);
	rc = odps_journal_remove(w->o.state, err);
	if (rc == 0)
		rc = odps_spool_remove_start(&w->sprm, w->o.state, err);
	for (size_t i = 0; i < w->nparts; i++)
		odd_part_reset(w, w->parts[i]);
out:
	free(ids);
	odps_journal_free(&j);
	odps_statefile_free(&sf1);
	return rc;
}

static int odd_read_ledger(void *st, struct mc_ledger *l, struct mc_err *err)
{
	struct odd *w = st;
	int rc;
	odd_early_drain(w);
	if (odps_spool_remove_wait(&w->sprm, err) < 0 || odd_roll_forward(w, err) < 0)
		return -1;
	rc = wh_ledger_read(w->o.state, l, err);
	w->lseq = l->seq;
	return rc;
}

/* What became of session e of a commit the ledger does not hold. */
static int resolve(struct odd *w, struct odps_jent *e, struct mc_err *err)
{
	char tpart[512];
	struct odps_up u = { &w->c, e->table, NULL, w->o.retry_s, 7, w->o.say, 1, NULL };
	struct odps_session s = { 0 };
	uint32_t *ids = NULL;
	int rc;
	snprintf(tpart, sizeof tpart, "%s", e->part);
	for (char *c = tpart; *c; c++)
		if (*c == '/')
			*c = ',';
	u.part = tpart[0] ? tpart : NULL;
	rc = odps_up_status(&u, e->session, &s, err);
	if (rc == 1) {
		e->state = ODPS_J_OUT;
		rc = 0;
		goto out;
	}
	if (rc < 0)
		goto out;
	if (s.status == ODPS_SS_CLOSED) {
		e->state = ODPS_J_IN;
	} else if (s.status == ODPS_SS_EXPIRED || s.status == ODPS_SS_CANCELED) {
		e->state = ODPS_J_OUT;
	} else if (s.status == ODPS_SS_NORMAL || s.status == ODPS_SS_BUSY) {
		int whole = s.nblocks == e->nblocks;
		for (size_t i = 0; whole && i < s.nblocks; i++)
			whole = s.blocks[i] == i;
		if (!whole && s.status == ODPS_SS_NORMAL) {
			/* never committed, and never will be: abandoned */
			e->state = ODPS_J_OUT;
			goto out;
		}
		if (!(ids = calloc(e->nblocks + 1, sizeof *ids))) {
			rc = mc_oom(err, "blocks");
			goto out;
		}
		for (uint32_t i = 0; i < e->nblocks; i++)
			ids[i] = i;
		rc = odps_up_commit(&u, e->session, ids, e->nblocks, err);
		if (rc >= 0) {
			e->state = rc == 0 ? ODPS_J_IN : ODPS_J_OUT;
			rc = 0;
		}
	} else {
		rc = mc_errf(err, MC_EXIT_DATA, "upload session %s (%s %s) of commit %llu is '%s': "
			     "cannot tell whether its rows are in MaxCompute", e->session, e->table,
			     e->part, (unsigned long long)w->doubt.seq, s.status_text);
	}
out:
	free(ids);
	odps_session_free(&s);
	return rc;
}

static int odd_clean(void *st, const struct mc_ledger *l, struct mc_err *err)
{
	struct odd *w = st;
	int rc;
	size_t k = 0;
	odd_early_drain(w);
	if (odps_spool_new_remove(w->o.state, err) < 0) /* (what killed runs left) */
		return -1;
	/* completions of commits above the ledger did not happen */
	for (size_t i = 0; i < w->sf.ndone; i++) {
		if (w->sf.done[i].seq > l->seq) {
			free(w->sf.done[i].table);
			free(w->sf.done[i].part);
			continue;
		}
		w->sf.done[k++] = w->sf.done[i];
	}
	if (k != w->sf.ndone) {
		w->sf.ndone = k;
		if (odps_statefile_write(w->o.state, &w->sf, err) < 0)
			return -1;
	}
	odps_journal_free(&w->doubt);
	rc = odps_journal_read(w->o.state, &w->doubt, err);
	if (rc <= 0)
		return rc;
	if (w->doubt.seq <= l->seq) { /* its ledger was written */
		odps_journal_free(&w->doubt);
		if (odps_journal_remove(w->o.state, err) < 0)
			return -1;
		return odps_spool_remove(w->o.state, err);
	}
	if (w->doubt.seq != l->seq + 1)
		return mc_errf(err, MC_EXIT_DATA, "'%s/%s' is of commit %llu, the ledger of commit "
			       "%llu: the state directory is damaged", w->o.state, ODPS_JOURNAL,
			       (unsigned long long)w->doubt.seq, (unsigned long long)l->seq);
	for (size_t i = 0; i < w->doubt.n; i++)
		if (w->doubt.e[i].state == ODPS_J_DOUBT && resolve(w, &w->doubt.e[i], err) < 0)
			return mc_errctx(err, "a commit in doubt: ");
	return odps_journal_write(w->o.state, &w->doubt, err);
}

static int odd_table_name(void *st, const struct mc_str *db, const struct mc_str *table,
			  const char *given, char *out, size_t outsz, struct mc_err *err)
{
	(void)st;
	return odps_table_name(db, table, given, 124, out, outsz, err);
}

static int odd_part_open(void *st, const char *table, int is_log, const char *part,
			 struct dest_part **pp, struct mc_err *err)
{
	struct odd *w = st;
	struct dest_part *p;
	struct mc_buf n = { 0 };
	for (size_t i = 0; i < w->nparts; i++) {
		p = w->parts[i];
		/* (a T_log_ddl companion, dest_odps_ddl.c, has no sink name) */
		if (!p->is_ddl && p->is_log == is_log && !strcmp(p->part, part) &&
		    !strncmp(p->sname, table, strlen(table)) &&
		    !strcmp(p->sname + strlen(table), is_log ? "_log" : "")) {
			*pp = p;
			return 0;
		}
	}
	if (mc_grow(&w->parts, &w->cap, w->nparts + 1, sizeof *w->parts) < 0 ||
	    !(p = calloc(1, sizeof *p)))
		return mc_oom(err, "partition");
	if (buf_addf(&n, "%s%s%c", table, is_log ? "_log" : "", 0) < 0 ||
	    !(p->part = mc_strdup(part)) || !(p->tpart = mc_strdup(part)) ||
	    odd_gen_table(w, table, is_log, &p->table, err) < 0) {
		buf_free(&n);
		free(p->part);
		free(p->tpart);
		free(p);
		return err->code ? -1 : mc_oom(err, "partition");
	}
	for (char *c = p->tpart; *c; c++)
		if (*c == '/')
			*c = ',';
	p->sname = n.p;
	p->is_log = is_log;
	w->parts[w->nparts++] = p;
	*pp = p;
	return 0;
}

static int odd_part_complete(void *st, struct dest_part *p, uint64_t seq, struct mc_err *err)
{
	struct odd *w = st;
	(void)err;
	for (size_t i = 0; i < w->sf.ndone; i++)
		if (w->sf.done[i].seq <= seq && !strcmp(w->sf.done[i].table, p->table) &&
		    !strcmp(w->sf.done[i].part, p->part))
			return 1;
	return 0;
}

static void odd_close(void *st)
{
	struct odd *w = st;
	if (!w)
		return;
	odd_feed_drop(w);
	odd_early_free(w);
	odps_zpool_stop(w->zp);
	w->zp = NULL;
	buf_free(&w->zraw);
	buf_free(&w->eraw);
	for (size_t i = 0; i < w->nparts; i++) {
		odd_part_reset(w, w->parts[i]);
		free(w->parts[i]->blocks);
		free(w->parts[i]->table);
		free(w->parts[i]->sname);
		free(w->parts[i]->part);
		free(w->parts[i]->tpart);
		free(w->parts[i]);
	}
	free(w->parts);
	odps_conns_free(w->conns);
	if (w->client_ok)
		odps_client_free(&w->c);
	odps_target_free(&w->t);
	odps_journal_free(&w->doubt);
	odps_statefile_free(&w->sf);
	rec_scratch_free(&w->sc);
	rec_scratch_free(&w->jsc);
	buf_free(&w->jbuf);
	ckpt_free(&w->wseen);
	odd_writer_cache_free(w);
	free(w->wrefused_key);
	odd_hist_free(w);
	free(w->maps);
	free(w->plan);
	free(w->ov);
	free(w->tv);
	free(w->dest);
	{
		/* the last commit's spool, removed while the rest was freed;
		 * under the lock still. A failure is said, not an error: the
		 * commit is done, and the next run removes what is left */
		struct mc_err e = { 0 };
		if (odps_spool_remove_wait(&w->sprm, &e) < 0)
			mc_sayf(&w->o.say, "%s (removed at the next run)", e.msg);
	}
	if (w->lockfd >= 0)
		close(w->lockfd);
	free(w);
}

static const struct dest_ops odd_ops = {
	.kind = "MaxCompute",
	.read_ledger = odd_read_ledger,
	.read_main = NULL,
	.table_name = odd_table_name,
	.clean = odd_clean,
	.part_open = odd_part_open,
	.part_complete = odd_part_complete,
	.prepare = odd_prepare,
	.feed = odd_feed,
	.feed_hold = odd_feed_hold,
	.begin = odd_begin,
	.append = odd_append,
	.commit = odd_commit,
	.close = odd_close,
};

int dest_odps_open(const char *dest, const struct dest_opts *o, struct dest *d,
		   struct mc_err *err)
{
	struct odd *w;
	struct odps_http_opts ho = { 0 };
	char *sdir = NULL, *lock = NULL;
	int rc;

	if ((rc = dest_upsert_dispatch(dest, o, d, err)) != 1)
		return rc;
	if (!o->odps || !o->odps->state)
		return mc_errf(err, MC_EXIT_USAGE, "--dest=%s needs --state=DIR (a local directory "
			       "for the ledger and the upload journal)", dest);
	if (o->resnap)
		return mc_errf(err, MC_EXIT_USAGE, "--resnapshot: not yet with a MaxCompute "
			       "destination");
	if (!(w = calloc(1, sizeof *w)))
		return mc_oom(err, "destination");
	w->lockfd = -1;
	w->o = *o->odps;
	w->dopts = *o;
	w->o.conn.dest = dest;
	if (w->o.retry_s <= 0)
		w->o.retry_s = 15 * 60;
	if (!(w->dest = mc_strdup(dest))) {
		free(w);
		return mc_oom(err, "destination");
	}
	if (odps_target_resolve(&w->o.conn, &w->t, err) < 0)
		goto fail;
	ho.ca_file = w->o.ca_file;
	if (odps_client_init(&w->c, &w->t, &ho, USER_AGENT, err) < 0)
		goto fail;
	w->client_ok = 1;
	if (!(sdir = wh_pathf("%s/%s", w->o.state, WH_STATE)) ||
	    !(lock = wh_pathf("%s/%s", w->o.state, WH_LOCK))) {
		mc_oom(err, "state");
		goto fail;
	}
	if (wh_mkdirs(sdir, err) < 0 || wh_lock(lock, &w->lockfd, err) < 0)
		goto fail;
	rc = odps_statefile_read(w->o.state, &w->sf, err);
	if (rc < 0 || (rc == 0 && odps_state_check_not_wh(w->o.state, err) < 0))
		goto fail;
	if (rc > 0 && strcmp(w->sf.dest, dest) != 0) {
		mc_errf(err, MC_EXIT_USAGE, "--state=%s holds the state of --dest=%s, not of %s",
			w->o.state, w->sf.dest, dest);
		goto fail;
	}
	if (rc == 0 && !(w->sf.dest = mc_strdup(dest))) {
		mc_oom(err, "state");
		goto fail;
	}
	if (rc == 0 || !w->sf.writer) {
		/* this state's name in the state mirror (odps/mirror.h) */
		unsigned char r[8];
		char hex[17];
		if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
			mc_errnof(err, errno, "getrandom");
			goto fail;
		}
		for (int i = 0; i < 8; i++)
			snprintf(hex + 2 * i, 3, "%02x", r[i]);
		if (!(w->sf.writer = mc_strdup(hex))) {
			mc_oom(err, "state");
			goto fail;
		}
		if (odps_statefile_write(w->o.state, &w->sf, err) < 0)
			goto fail;
	}
	free(sdir);
	free(lock);
	d->ops = &odd_ops;
	d->st = w;
	return 0;
fail:
	free(sdir);
	free(lock);
	odd_close(w);
	return -1;
}
