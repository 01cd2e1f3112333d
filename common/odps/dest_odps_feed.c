/* dest_odps_feed.c: a partition's rows encoded and PUT into its upload
 * session as the sink reads them (dest_ops.feed), so that the blocks go
 * up while the rest of the commit is read, instead of all of them after
 * its last row (docs/maxcompute.md "Blocks sent as rows settle").
 *
 * Only with --threads > 1 (the pipeline of dest_odps_pipe.c), for one
 * partition at a time (the first one fed in a commit: the pipeline's
 * connections and workers are one), and only in the plain case the
 * append takes the early work of dest_odps_early.c in (its session, made
 * while the sink read, is the one the blocks go into). The append goes on
 * from where the feed stopped: the same encoder, the same blocks, so that
 * the blocks, the spool and the journal are what the append alone would
 * have made. Nothing here is visible before the commit: the session is
 * committed by the commit only. Whatever does not fit (the feed failed,
 * the append's checks do not take the early work, its rows do not begin
 * with the bytes fed) drops the fed work, and the append does everything
 * again in a new session, as without a feed; the dropped session is never
 * committed (it expires).
 *
 * The encoding, the handing of blocks to the workers and the rounds of
 * PUTs are done by a thread of the feed's own, so that the sink's thread
 * reads on meanwhile (on two CPUs, reading and encoding are each about
 * half of the sink's work). The sink's hint says how far the records go
 * (want) and where they are; they stay there until feed_hold (the sink's
 * buffer is about to move: the thread stops at the next record's end,
 * x.brk, and waits for their new place) or until the append. The
 * commit's operations (begin, append, commit, close) end it first
 * (odd_feed_quiet): from there on all is done on the sink's thread as
 * before. What the other operations do while the sink reads (part_open,
 * prepare, part_complete, table_name) shares nothing with the thread but
 * the client's settings, which the early work's thread reads as well. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "odps/dest_odps_int.h"
#include "odps/zpool.h"
#include "wh/layout.h"

struct odd_feed {
	struct dest_part *p;
	struct odd *w;
	struct odps_up u;      /* p's (the pipeline's PUTs point to it) */
	struct odd_enc x;      /* the encoder, x.at: the bytes fed so far */
	struct odd_prep *pr;   /* the early work taken (its session is p's) */
	int failed;            /* stopped: the append sends everything */
	size_t ntail;
	unsigned char tail[64]; /* the last bytes fed: the append's rows must have them */
	/* the thread (live: running; the rest under mu while it does) */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int live;
	const char *recs;      /* where the records are */
	size_t want;           /* how far they go (the last hint) */
	int hold;              /* holds asked: read nothing */
	int busy;              /* the thread is at work (encoding, PUTs) */
	int quit;              /* end at once */
	int tfail;             /* it failed: what was fed is dropped */
	_Atomic int brk;       /* a hold or the end asked: the run under way
				* stops at its next record (x.brk) */
};

/* p's blocks and session of the fed work dropped (with what the encoder
 * counted of p's rows). */
static void unsend(struct odd *w, struct dest_part *p)
{
	for (size_t i = 0; i < p->nblocks; i++) {
		if (w->zp)
			odps_zpool_recycle(w->zp, &p->blocks[i]);
		buf_free(&p->blocks[i]);
	}
	p->nblocks = 0;
	p->freed = 0;
	odps_session_free(&p->sess);
	p->images = p->nthi = 0;
	p->has_tpos = 0;
	p->spooled = 0;
}

/* The thread: encode what the hints gave, and move the PUTs on, until
 * told to quit or it fails. */
static void *feeder(void *arg)
{
	struct odd_feed *f = arg;
	struct odd *w = f->w;
	struct dest_part *p = f->p;
	struct mc_err err = { 0 };
	pthread_mutex_lock(&f->mu);
	for (;;) {
		const char *recs;
		size_t len, n;
		int rc;
		while (!f->quit && (f->hold || (f->want <= f->x.at && odd_pipe_idle(p))))
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->quit)
			break;
		recs = f->recs;
		len = f->want;
		f->busy = 1;
		pthread_mutex_unlock(&f->mu);
		if (len > f->x.at) {
			w->phist = NULL; /* (the plain case: one schema version) */
			/* (short of len where a hold or the end stopped it) */
			rc = odd_enc_run(w, p, &f->x, recs, len, &err) < 0 ||
					     (f->x.at != len && !atomic_load(&f->brk))
				     ? -1 : odd_pipe_pump(p, &err);
			if (rc == 0 && f->x.at) {
				n = f->x.at < sizeof f->tail ? f->x.at : sizeof f->tail;
				memcpy(f->tail, recs + f->x.at - n, n);
				f->ntail = n;
			}
		} else { /* nothing new: the PUTs under way, until one ends, a
			  * block is made, or the sink wakes it */
			rc = odd_pipe_wait(p, 100, &err);
		}
		pthread_mutex_lock(&f->mu);
		f->busy = 0;
		pthread_cond_broadcast(&f->cv);
		if (rc != 0) { /* the append does it all again, and says what fails */
			f->tfail = 1;
			break;
		}
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/* Hold f's thread (return once it reads nothing) / let it go on. */
static void pause_th(struct odd_feed *f)
{
	pthread_mutex_lock(&f->mu);
	f->hold++;
	atomic_store(&f->brk, 1); /* (the run under way stops at its next record) */
	while (f->busy) {
		odd_pipe_wake(f->p); /* (out of its wait for the network) */
		pthread_cond_wait(&f->cv, &f->mu);
	}
	pthread_mutex_unlock(&f->mu);
}

static void resume_th(struct odd_feed *f, const char *recs)
{
	pthread_mutex_lock(&f->mu);
	if (f->hold && !--f->hold && !f->quit)
		atomic_store(&f->brk, 0);
	if (recs)
		f->recs = recs;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

/* End f's thread: what it did is the sink's thread's from here. */
static void end_th(struct odd_feed *f)
{
	if (!f->live)
		return;
	pthread_mutex_lock(&f->mu);
	f->quit = 1;
	atomic_store(&f->brk, 1);
	pthread_cond_broadcast(&f->cv);
	if (f->busy)
		odd_pipe_wake(f->p);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->th, NULL);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	f->live = 0;
	f->x.brk = NULL; /* (the append goes on from x.at, to its end) */
}

static void stop(struct odd *w, struct odd_feed *f)
{
	odd_enc_free(w, &f->x);
	odd_pipe_close(w, f->p, 1);
	unsend(w, f->p);
	odd_prep_free(f->pr);
	f->pr = NULL;
	f->failed = 1;
}

void odd_feed_drop(struct odd *w)
{
	struct odd_feed *f = w->feed;
	if (!f)
		return;
	w->feed = NULL;
	end_th(f);
	if (!f->failed)
		stop(w, f);
	free(f);
}

void odd_feed_quiet(struct odd *w)
{
	struct odd_feed *f = w->feed;
	if (!f || !f->live)
		return;
	end_th(f);
	if (f->tfail && !f->failed)
		stop(w, f);
}

void odd_feed_hold(void *st, struct dest_part *p, const char *recs)
{
	struct odd *w = st;
	struct odd_feed *f = w->feed;
	if (!f || f->p != p || !f->live)
		return;
	if (recs)
		resume_th(f, recs);
	else
		pause_th(f);
}

/* The feed of p started: the early work taken, its session p's, the
 * pipeline open (NULL when p is not for it, or not yet: the early work
 * is not done). */
static struct odd_feed *start(struct odd *w, struct dest_part *p)
{
	const struct odd_prep *r;
	struct odd_feed *f;
	struct mc_err err = { 0 };
	if (w->o.threads <= 1 || w->o.upsert || p->is_ddl)
		return NULL;
	r = odd_early_peek(w, p);
	if (!r || !r->has_sess || (r->ensure && !r->ensured) ||
	    (r->is_log && wh_layout_is_json((enum wh_layout)r->layout)) ||
	    odd_hist_versions(w, p) > 1 || !(f = calloc(1, sizeof *f)))
		return NULL;
	f->p = p;
	f->w = w;
	f->pr = odd_early_take(w, p); /* (the thread is done: at once) */
	w->feed = f;
	odd_part_reset(w, p); /* the last commit's */
	p->sess = f->pr->sess;
	memset(&f->pr->sess, 0, sizeof f->pr->sess);
	p->layout = f->pr->layout;
	f->u = odd_up_of(w, p);
	if (odd_pipe_open(w, p, &f->u, &err) < 0 || odd_enc_start(w, p, &f->x, &err) < 0)
		stop(w, f);
	else
		f->x.brk = &f->brk;
	return f;
}

void odd_feed(void *st, struct dest_part *p, const char *recs, size_t len)
{
	struct odd *w = st;
	struct odd_feed *f = w->feed;
	struct mc_err err = { 0 };
	size_t n;
	if (!recs || !len) {
		if (f && f->p == p)
			odd_feed_drop(w);
		return;
	}
	if (f && (f->p != p || f->failed))
		return;
	if (f && f->live) { /* the thread's: how far, and where */
		pthread_mutex_lock(&f->mu);
		f->recs = recs;
		if (len > f->want) {
			f->want = len;
			if (f->busy) /* (out of a wait for the network) */
				odd_pipe_wake(p);
		}
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
		return;
	}
	if (!f && !(f = start(w, p)))
		return;
	if (f->failed)
		return;
	if (!f->x.at && !f->live) { /* its thread, if one can be had (else all here) */
		f->recs = recs;
		f->want = len;
		if (pthread_mutex_init(&f->mu, NULL) == 0) {
			if (pthread_cond_init(&f->cv, NULL) == 0) {
				if (pthread_create(&f->th, NULL, feeder, f) == 0) {
					f->live = 1;
					return;
				}
				pthread_cond_destroy(&f->cv);
			}
			pthread_mutex_destroy(&f->mu);
		}
	}
	if (len <= f->x.at) { /* a tick: the PUTs under way move on */
		if (odd_pipe_pump(p, &err) != 0)
			stop(w, f);
		return;
	}
	w->phist = NULL; /* (the plain case: one schema version) */
	if (odd_enc_run(w, p, &f->x, recs, len, &err) < 0 || f->x.at != len ||
	    odd_pipe_pump(p, &err) != 0) {
		stop(w, f); /* the append does it all again, and says what fails */
		return;
	}
	n = len < sizeof f->tail ? len : sizeof f->tail;
	memcpy(f->tail, recs + len - n, n);
	f->ntail = n;
}

struct odd_feed *odd_feed_of(struct odd *w, const struct dest_part *p, struct odd_prep **pr)
{
	struct odd_feed *f = w->feed;
	*pr = NULL;
	if (!f || f->p != p)
		return NULL;
	*pr = f->pr;
	f->pr = NULL;
	return f;
}

int odd_feed_fits(const struct odd *w, const struct dest_part *p, const struct dest_rows *rows)
{
	const struct odd_feed *f = w->feed;
	/* (the rows not beginning with the bytes fed: never, by the sink's
	 * contract; checked all the same) */
	return f && f->p == p && !f->failed && rows->len >= f->x.at &&
	       !memcmp(rows->recs + f->x.at - f->ntail, f->tail, f->ntail);
}

int odd_feed_send(struct odd *w, struct dest_part *p, const struct dest_rows *rows, size_t idx,
		  struct mc_err *err)
{
	struct odd_feed *f = w->feed;
	int rc;
	w->feed = NULL;
	rc = odd_enc_run(w, p, &f->x, rows->recs, rows->len, err);
	if (rc == 0)
		rc = odd_enc_end(w, p, &f->x, err);
	odd_enc_free(w, &f->x);
	if (rc == 0)
		rc = odd_pipe_finish(w, p, idx, err);
	odd_pipe_close(w, p, rc >= 0);
	free(f);
	return rc;
}

const struct dest_part *odd_feed_part(const struct odd *w)
{
	return w->feed ? w->feed->p : NULL;
}

