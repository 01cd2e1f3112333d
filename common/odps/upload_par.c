/* upload_par.c: the blocks of a session PUT on several connections at
 * once (odps_up_put_all, upload.h; docs/maxcompute.md "Connections").
 *
 * One thread drives N easy handles through libcurl's multi interface: no
 * locks, and the retry, the messages and the error of each block are
 * those of odps_up_put. A block is sent at most once at a time; a block
 * whose try failed with what retrying can fix waits its backoff (the
 * block's own budget, --retry-time) while the other connections go on. */
#include "odps/upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "base/alloc.h"
#include "odps/httperr.h"
#include "odps/upload_int.h"

struct conn {
	struct odps_http h;
	int ok;                    /* h was made */
	long blk;                  /* the block under way, -1: idle */
	/* the run whose block it is: the connections are shared by the runs
	 * of a destination (a partition fed while the sink read keeps its run
	 * open while another partition's append runs), and a run may read
	 * the end of another's transfer (the multi handle is one): it leaves
	 * it here for that run (fin, fin_cc) */
	struct odps_put_run *owner;
	int fin, fin_cc;
	struct odps_http_xfer x;
	struct odps_http_resp r;
	struct up_put q;
};

struct odps_conns {
	CURLM *m;
	struct conn *c;
	size_t n;
};

void odps_conns_free(struct odps_conns *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < cs->n; i++) {
		if (cs->c[i].ok)
			odps_http_free(&cs->c[i].h);
		odps_http_resp_free(&cs->c[i].r);
	}
	if (cs->m)
		curl_multi_cleanup(cs->m);
	free(cs->c);
	free(cs);
}

/* The connections of u: made with the options of u->c's own. */
static struct odps_conns *conns_of(const struct odps_up *u, struct mc_err *err)
{
	struct odps_conns *cs = *u->conns;
	size_t n = (size_t)u->threads;
	if (cs && cs->n == n)
		return cs;
	odps_conns_free(cs);
	*u->conns = NULL;
	if (!(cs = calloc(1, sizeof *cs)) || !(cs->c = calloc(n, sizeof *cs->c))) {
		free(cs);
		mc_oom(err, "connections");
		return NULL;
	}
	cs->n = n;
	if (!(cs->m = curl_multi_init())) {
		odps_conns_free(cs);
		mc_errf(err, MC_EXIT_DATA, "libcurl: cannot make a multi handle");
		return NULL;
	}
	/* one connection per handle, kept between requests */
	curl_multi_setopt(cs->m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)n);
	curl_multi_setopt(cs->m, CURLMOPT_MAXCONNECTS, (long)n);
	for (size_t i = 0; i < n; i++) {
		cs->c[i].blk = -1;
		if (odps_http_init(&cs->c[i].h, &u->c->http.o, err) < 0) {
			odps_conns_free(cs);
			return NULL;
		}
		cs->c[i].ok = 1;
	}
	*u->conns = cs;
	return cs;
}

struct blk {
	int started; /* r holds a budget */
	int in;      /* PUT: the server has it */
	double at;   /* waiting its retry: not before */
	struct odps_retry r;
};

struct odps_put_run {
	const struct odps_up *u;
	const char *id;
	enum trec_comp comp;
	const struct mc_buf *blocks;
	struct blk *b;
	size_t n, done; /* blocks[0..n) may go up (more may come: odps_put_step) */
	size_t fresh;   /* the next block never sent */
	size_t *retry;  /* the blocks waiting their retry */
	size_t nretry;
	size_t bcap, rcap;
	struct odps_conns *cs;
};
#define run odps_put_run

/* Start block k on idle connection c. */
static int start(struct run *rn, struct conn *c, size_t k, struct mc_err *err)
{
	const struct odps_up *u = rn->u;
	if (up_put_init(u, rn->id, (uint32_t)k, rn->comp, &c->q, err) < 0 ||
	    up_put_res(u, &c->q, err) < 0) {
		up_put_free(&c->q);
		return -1;
	}
	if (odps_call_setup(u->c, &c->h, ODPS_TUNNEL, "PUT", c->q.res.p, c->q.ps, c->q.np,
			    c->q.hs, c->q.nh, rn->blocks[k].p, rn->blocks[k].len, 1, &c->r, &c->x,
			    err) < 0) {
		up_put_free(&c->q);
		return -1;
	}
	if (curl_multi_add_handle(rn->cs->m, c->h.curl) != CURLM_OK) {
		odps_http_finish(&c->h, &c->x, CURLE_OK, NULL);
		up_put_free(&c->q);
		return mc_errf(err, MC_EXIT_DATA, "libcurl: cannot add a transfer");
	}
	c->blk = (long)k;
	c->owner = rn;
	c->fin = 0;
	return 0;
}

/* Stop the transfer of c, if it is rn's. */
static void stop(struct run *rn, struct conn *c)
{
	if (c->blk < 0 || c->owner != rn)
		return;
	curl_multi_remove_handle(rn->cs->m, c->h.curl);
	odps_http_finish(&c->h, &c->x, CURLE_ABORTED_BY_CALLBACK, NULL);
	up_put_free(&c->q);
	c->blk = -1;
}

/* The transfer of c ended with cc: 0 (the block is in, or waits its
 * retry), 1 (the session is no longer open), -1 with err. */
static int ended(struct run *rn, struct conn *c, CURLcode cc, struct mc_err *err)
{
	const struct odps_up *u = rn->u;
	struct blk *b = &rn->b[c->blk];
	long hold = 0;
	double w, now;
	int rc;

	curl_multi_remove_handle(rn->cs->m, c->h.curl);
	rc = odps_http_finish(&c->h, &c->x, (int)cc, err);
	if (rc == 0 && c->r.status / 100 == 2) {
		rn->done++;
		b->in = 1;
		rc = 0;
		goto out;
	}
	if (rc == 0 && !odps_retryable_status(c->r.status)) {
		rc = up_is_conflict(&c->r) ? 1 : -1;
		odps_http_fail(&c->r, c->q.what, err);
		goto out;
	}
	if (rc < 0 && err->code != MC_EXIT_TRANSIENT)
		goto out;
	if (rc == 0) {
		struct odps_error e;
		odps_error_parse(c->r.body.p, c->r.body.len, &e);
		hold = e.hold_ms;
		odps_http_fail(&c->r, c->q.what, err);
	} else {
		mc_errctx(err, "%s: ", c->q.what);
	}
	now = odps_now();
	if (!b->started) {
		odps_retry_start(&b->r, u->retry_s, now,
				 u->seed ^ (uint64_t)time(NULL) ^ ((uint64_t)c->blk * 0x9e3779b97f4a7c15u));
		b->started = 1;
	}
	w = odps_retry_next(&b->r, now, hold);
	if (w < 0) {
		mc_errctx(err, "gave up after %.0f s of retries (--retry-time): ", u->retry_s);
		err->code = MC_EXIT_TRANSIENT;
		rc = -1;
		goto out;
	}
	mc_sayf(&u->say, "%s; retrying in %.1f s", err->msg, w);
	b->at = now + w;
	rn->retry[rn->nretry++] = (size_t)c->blk;
	rc = 0;
out:
	up_put_free(&c->q);
	c->blk = -1;
	return rc;
}

/* Fill the idle connections with the blocks that may go now: a block
 * whose backoff is over first, then the next block never sent. *wait:
 * the seconds until the next waiting block may go (0..1; 1 when none
 * waits). 0, -1 with err. */
static int fill(struct run *rn, double *wait, struct mc_err *err)
{
	double now = odps_now(), soonest = 1;
	for (size_t i = 0; i < rn->cs->n; i++) {
		struct conn *c = &rn->cs->c[i];
		size_t k = rn->n, best = rn->nretry;
		if (c->blk >= 0)
			continue;
		for (size_t j = 0; j < rn->nretry; j++)
			if (rn->b[rn->retry[j]].at <= now &&
			    (best == rn->nretry || rn->retry[j] < rn->retry[best]))
				best = j;
		if (best < rn->nretry) {
			k = rn->retry[best];
			rn->retry[best] = rn->retry[--rn->nretry];
		} else if (rn->fresh < rn->n) {
			k = rn->fresh++;
		} else {
			break;
		}
		if (start(rn, c, k, err) < 0)
			return -1;
	}
	for (size_t j = 0; j < rn->nretry; j++)
		if (rn->b[rn->retry[j]].at - now < soonest)
			soonest = rn->b[rn->retry[j]].at - now;
	*wait = soonest < 0 ? 0 : soonest;
	return 0;
}

/* One round: start what may start, move the transfers on, take what
 * ended; then, unless every block of the last lot is in, wait up to ms
 * for the network, a backoff's end or odps_put_wake. */
static int step(struct run *rn, int last, int ms, struct mc_err *err)
{
	int rc = 0, running = 0, left;
	CURLMsg *msg;
	double wait;
	size_t idle = 0;
	if (fill(rn, &wait, err) < 0)
		return -1;
	if (curl_multi_perform(rn->cs->m, &running) != CURLM_OK)
		return mc_errf(err, MC_EXIT_DATA, "libcurl: the transfers failed");
	while ((msg = curl_multi_info_read(rn->cs->m, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		for (size_t i = 0; i < rn->cs->n; i++) {
			struct conn *c = &rn->cs->c[i];
			if (c->blk >= 0 && c->h.curl == msg->easy_handle) {
				c->fin = 1; /* (taken below if it is rn's, else by its run) */
				c->fin_cc = (int)msg->data.result;
				break;
			}
		}
	}
	for (size_t i = 0; i < rn->cs->n && rc == 0; i++) {
		struct conn *c = &rn->cs->c[i];
		if (c->blk >= 0 && c->owner == rn && c->fin) {
			c->fin = 0;
			rc = ended(rn, c, (CURLcode)c->fin_cc, err);
		}
	}
	if (rc != 0 || (last && rn->done == rn->n) || ms <= 0)
		return rc;
	for (size_t i = 0; i < rn->cs->n; i++)
		idle += rn->cs->c[i].blk < 0;
	if (!idle) /* woken by the transfers; no block can start before one ends */
		wait = 1;
	if (running || idle == rn->cs->n) {
		/* (with no transfer: the backoff of the blocks left, or until more
		 * blocks come) */
		int w = (int)(wait * 1000);
		w = w < 1 ? 1 : w > ms ? ms : w;
		curl_multi_poll(rn->cs->m, NULL, 0, w, NULL);
	}
	return 0;
}

int odps_put_begin(const struct odps_up *u, const char *id, enum trec_comp comp,
		   struct odps_put_run **out, struct mc_err *err)
{
	struct run *rn = calloc(1, sizeof *rn);
	*out = NULL;
	if (!rn)
		return mc_oom(err, "blocks");
	rn->u = u;
	rn->id = id;
	rn->comp = comp;
	if (!(rn->cs = conns_of(u, err))) {
		free(rn);
		return -1;
	}
	*out = rn;
	return 0;
}

int odps_put_step(struct odps_put_run *rn, const struct mc_buf *blocks, size_t n, int last, int ms,
		  struct mc_err *err)
{
	if (n > ODPS_MAX_BLOCKS)
		return mc_errf(err, MC_EXIT_DATA, "block %u of %s: a session holds blocks 0..19999 "
			       "(commit fewer rows at once, or cut bigger blocks)", ODPS_MAX_BLOCKS,
			       rn->u->table);
	if (mc_grow(&rn->b, &rn->bcap, n + 1, sizeof *rn->b) < 0 ||
	    mc_grow(&rn->retry, &rn->rcap, n + 1, sizeof *rn->retry) < 0)
		return mc_oom(err, "blocks");
	rn->blocks = blocks;
	rn->n = n;
	return step(rn, last, ms, err);
}

int odps_put_block_in(const struct odps_put_run *rn, size_t k)
{
	return k < rn->n && rn->b[k].in;
}

size_t odps_put_in(const struct odps_put_run *rn)
{
	return rn->done;
}

void odps_put_wake(void *arg)
{
	struct run *rn = arg;
	curl_multi_wakeup(rn->cs->m);
}

void odps_put_end(struct odps_put_run *rn)
{
	if (!rn)
		return;
	for (size_t i = 0; i < rn->cs->n; i++)
		stop(rn, &rn->cs->c[i]);
	free(rn->b);
	free(rn->retry);
	free(rn);
}

int odps_up_put_all(const struct odps_up *u, const char *id, enum trec_comp comp,
		    const struct mc_buf *blocks, size_t n, struct mc_err *err)
{
	struct run *rn;
	int rc;
	if (u->threads <= 1 || n <= 1 || !u->conns) {
		for (size_t i = 0; i < n; i++) {
			rc = odps_up_put(u, id, (uint32_t)i, comp, blocks[i].p, blocks[i].len, err);
			if (rc != 0)
				return rc;
		}
		return 0;
	}
	if (odps_put_begin(u, id, comp, &rn, err) < 0)
		return -1;
	do
		rc = odps_put_step(rn, blocks, n, 1, 1000, err);
	while (rc == 0 && rn->done < n);
	odps_put_end(rn);
	return rc;
}
