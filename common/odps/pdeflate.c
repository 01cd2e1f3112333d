/* pdeflate.c: a zlib stream deflated in segments (pdeflate.h).
 *
 * The stream's input waits in cur ([the 32 KiB before it | the bytes not
 * yet cut]); once more than a segment waits, the segment is cut: its
 * buffer becomes the segment's (nothing is copied but the next
 * dictionary and what came past the cut) and goes to the ring of
 * segments under way, in order. Workers take the oldest not started;
 * the caller takes the finished ones off the ring's head, so the output
 * is in order whatever finishes first. With no worker the caller deflates
 * each segment as it is cut. One mutex guards the ring; nobody holds it
 * while deflating. */
#include "odps/pdeflate.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "base/alloc.h"

#define DICT ((size_t)32 << 10) /* deflate's window: the dictionary of a segment */
#define MAXTH 8

struct seg {
	struct mc_buf in; /* [dictionary | the segment's bytes] */
	size_t dict;
	int final;
	int state; /* 0 waiting, 1 being deflated, 2 done */
	int rc;    /* 0, or a zlib error / -1 out of memory */
	struct mc_buf out;
	uLong adler; /* of the segment's bytes */
};

struct pdeflate {
	int level, nth, want; /* workers running, asked for (started at the
			       * first segment that is not the last: a stream
			       * of one segment starts none) */
	z_stream z; /* the caller's, with no worker */
	int zok;
	struct mc_buf cur;
	size_t curdict;
	int header;  /* the stream's header is out */
	uLong adler; /* of the input whose segments are out */
	/* the segments under way, oldest first: ring[(head + i) % cap] */
	struct seg **ring;
	size_t head, count, cap;
	struct seg **spare; /* done with, their buffers kept */
	size_t nspare;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	int stop;
	pthread_t th[MAXTH];
};

static int zinit(z_stream *z, int level)
{
	memset(z, 0, sizeof *z);
	return deflateInit2(z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}

/* s deflated with z: its output and Adler-32; 0 or the zlib error. */
static int seg_deflate(z_stream *z, struct seg *s)
{
	size_t n = s->in.len - s->dict;
	const unsigned char *p = (const unsigned char *)s->in.p + s->dict;
	int rc;
	s->out.len = 0;
	s->adler = adler32(adler32(0L, Z_NULL, 0), p, (uInt)n);
	if (deflateReset(z) != Z_OK)
		return Z_STREAM_ERROR;
	if (s->dict && (rc = deflateSetDictionary(z, (const unsigned char *)s->in.p, (uInt)s->dict)) != Z_OK)
		return rc;
	z->next_in = (unsigned char *)p;
	z->avail_in = (uInt)n;
	for (;;) {
		size_t room = deflateBound(z, (uLong)n) + 64;
		if (s->out.cap - s->out.len < room && buf_grow(&s->out, room) < 0)
			return Z_MEM_ERROR;
		room = s->out.cap - s->out.len;
		z->next_out = (unsigned char *)s->out.p + s->out.len;
		z->avail_out = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
		rc = deflate(z, s->final ? Z_FINISH : Z_SYNC_FLUSH);
		s->out.len += room - z->avail_out;
		if (rc == Z_STREAM_ERROR)
			return rc;
		if (s->final ? rc == Z_STREAM_END : z->avail_in == 0 && z->avail_out != 0)
			return Z_OK;
	}
}

static void *worker(void *arg)
{
	struct pdeflate *pd = arg;
	z_stream z;
	int ok = zinit(&z, pd->level) == Z_OK;
	pthread_mutex_lock(&pd->mu);
	while (!pd->stop) {
		struct seg *s = NULL;
		for (size_t i = 0; i < pd->count && !s; i++) {
			struct seg *t = pd->ring[(pd->head + i) % pd->cap];
			if (t->state == 0)
				s = t;
		}
		if (!s) {
			pthread_cond_wait(&pd->work, &pd->mu);
			continue;
		}
		s->state = 1;
		pthread_mutex_unlock(&pd->mu);
		if (!ok) /* (out of memory at the start: tried again) */
			ok = zinit(&z, pd->level) == Z_OK;
		s->rc = ok ? seg_deflate(&z, s) : Z_MEM_ERROR;
		pthread_mutex_lock(&pd->mu);
		s->state = 2;
		pthread_cond_broadcast(&pd->done);
	}
	pthread_mutex_unlock(&pd->mu);
	if (ok)
		deflateEnd(&z);
	return NULL;
}

static void seg_free(struct seg *s)
{
	if (!s)
		return;
	buf_free(&s->in);
	buf_free(&s->out);
	free(s);
}

int pdeflate_new(struct pdeflate **out, int level, int threads, struct mc_err *err)
{
	struct pdeflate *pd = calloc(1, sizeof *pd);
	int rc;
	*out = NULL;
	if (level < 1 || level > 9) {
		free(pd);
		return mc_errf(err, MC_EXIT_USAGE, "deflate level %d: not valid (1 to 9)", level);
	}
	if (!pd)
		return mc_oom(err, "a deflate compressor");
	pd->level = level;
	pd->adler = adler32(0L, Z_NULL, 0);
	if ((rc = zinit(&pd->z, level)) != Z_OK) {
		free(pd);
		return rc == Z_MEM_ERROR ? mc_oom(err, "a deflate compressor")
					 : mc_errf(err, MC_EXIT_USAGE, "deflate level %d: not valid", level);
	}
	pd->zok = 1;
	pthread_mutex_init(&pd->mu, NULL);
	pthread_cond_init(&pd->work, NULL);
	pthread_cond_init(&pd->done, NULL);
	if (threads > MAXTH)
		threads = MAXTH;
	pd->want = threads > 0 ? threads : 0;
	pd->cap = threads > 0 ? 2 * (size_t)threads + 2 : 1;
	if (!(pd->ring = calloc(pd->cap, sizeof *pd->ring)) ||
	    !(pd->spare = calloc(pd->cap + 1, sizeof *pd->spare))) {
		pdeflate_free(pd);
		return mc_oom(err, "a deflate compressor");
	}
	*out = pd;
	return 0;
}

/* The workers asked for, once: fewer when a thread cannot start (none:
 * the caller deflates). */
static void start_workers(struct pdeflate *pd)
{
	for (; pd->nth < pd->want; pd->nth++)
		if (pthread_create(&pd->th[pd->nth], NULL, worker, pd) != 0)
			break;
	pd->want = 0;
}

enum { TAKE_DONE, TAKE_ONE, TAKE_ALL };

/* Take the finished segments off the ring's head, in order, into out:
 * those done (TAKE_DONE), at least one, waiting for the oldest
 * (TAKE_ONE), or every one (TAKE_ALL). */
static int collect(struct pdeflate *pd, struct mc_buf *out, int how, struct mc_err *err)
{
	int took = 0;
	pthread_mutex_lock(&pd->mu);
	for (;;) {
		struct seg *s;
		int rc;
		if (!pd->count)
			break;
		s = pd->ring[pd->head];
		if (s->state != 2) {
			if (how == TAKE_DONE || (how == TAKE_ONE && took))
				break;
			pthread_cond_wait(&pd->done, &pd->mu);
			continue;
		}
		took = 1;
		pd->head = (pd->head + 1) % pd->cap;
		pd->count--;
		pthread_mutex_unlock(&pd->mu);
		rc = s->rc;
		if (rc == Z_OK && !pd->header) {
			/* zlib's header for the level (RFC 1950: CM 8, CINFO 7,
			 * FLEVEL as zlib sets it, FCHECK) */
			unsigned h = (0x78u << 8) |
				     (unsigned)(pd->level < 2 ? 0 : pd->level < 6 ? 1 : pd->level == 6 ? 2 : 3)
					     << 6;
			unsigned char hb[2];
			h += 31 - h % 31;
			hb[0] = (unsigned char)(h >> 8);
			hb[1] = (unsigned char)h;
			if (buf_add(out, (const char *)hb, 2) < 0)
				rc = Z_MEM_ERROR;
			pd->header = 1;
		}
		if (rc == Z_OK && buf_add(out, s->out.p, s->out.len) < 0)
			rc = Z_MEM_ERROR;
		if (rc == Z_OK)
			pd->adler = adler32_combine(pd->adler, s->adler, (z_off_t)(s->in.len - s->dict));
		pd->spare[pd->nspare++] = s;
		if (rc != Z_OK)
			return rc == Z_MEM_ERROR ? mc_oom(err, "a deflate stream")
						 : mc_errf(err, MC_EXIT_DATA, "deflate failed (zlib error %d)", rc);
		pthread_mutex_lock(&pd->mu);
	}
	pthread_mutex_unlock(&pd->mu);
	return 0;
}

/* A segment: the bytes of cur up to its dictionary + len (final: all of
 * them), the stream's last with final; cur keeps the next dictionary and
 * the rest. */
static int cut(struct pdeflate *pd, size_t len, int final, struct mc_buf *out, struct mc_err *err)
{
	struct seg *s;
	size_t end = pd->curdict + len, rest = pd->cur.len - end;
	size_t nd = len < DICT ? len : DICT;
	struct mc_buf next;
	/* room on the ring */
	if (pd->count == pd->cap && collect(pd, out, TAKE_ONE, err) < 0)
		return -1;
	s = pd->nspare ? pd->spare[--pd->nspare] : calloc(1, sizeof *s);
	if (!s)
		return mc_oom(err, "a deflate segment");
	/* the segment takes cur's buffer; the next cur is s's old input
	 * buffer, given the dictionary and the rest */
	next = s->in;
	next.len = 0;
	if (!final && (buf_grow(&next, nd + rest + PDEFLATE_SEG + DICT) < 0 ||
		       buf_add(&next, pd->cur.p + end - nd, nd + rest) < 0)) {
		buf_free(&next);
		memset(&s->in, 0, sizeof s->in);
		pd->spare[pd->nspare++] = s;
		return mc_oom(err, "a deflate segment");
	}
	s->in = pd->cur;
	s->in.len = end;
	s->dict = pd->curdict;
	s->final = final;
	s->rc = Z_OK;
	pd->cur = next;
	pd->curdict = final ? 0 : nd;
	if (!final && pd->want)
		start_workers(pd);
	if (!pd->nth) {
		s->rc = seg_deflate(&pd->z, s);
		s->state = 2;
	} else {
		s->state = 0;
	}
	pthread_mutex_lock(&pd->mu);
	pd->ring[(pd->head + pd->count) % pd->cap] = s;
	pd->count++;
	pthread_cond_signal(&pd->work);
	pthread_mutex_unlock(&pd->mu);
	return collect(pd, out, TAKE_DONE, err);
}

int pdeflate_add(struct pdeflate *pd, const void *in, size_t n, struct mc_buf *out,
		 struct mc_err *err)
{
	const char *p = in;
	while (n) {
		/* at most a segment and one byte waiting: a cut segment is
		 * never the last (the last holds 1..SEG bytes) */
		size_t have = pd->cur.len - pd->curdict;
		size_t take = PDEFLATE_SEG + 1 - have;
		if (take > n)
			take = n;
		if (buf_add(&pd->cur, p, take) < 0)
			return mc_oom(err, "a deflate segment");
		p += take;
		n -= take;
		if (pd->cur.len - pd->curdict > PDEFLATE_SEG && cut(pd, PDEFLATE_SEG, 0, out, err) < 0)
			return -1;
	}
	return 0;
}

int pdeflate_end(struct pdeflate *pd, struct mc_buf *out, struct mc_err *err)
{
	unsigned char t[4];
	int rc = cut(pd, pd->cur.len - pd->curdict, 1, out, err);
	if (rc == 0)
		rc = collect(pd, out, TAKE_ALL, err);
	if (rc == 0) {
		t[0] = (unsigned char)(pd->adler >> 24);
		t[1] = (unsigned char)(pd->adler >> 16);
		t[2] = (unsigned char)(pd->adler >> 8);
		t[3] = (unsigned char)pd->adler;
		if (buf_add(out, (const char *)t, 4) < 0)
			rc = mc_oom(err, "a deflate stream");
	}
	pdeflate_reset(pd);
	return rc;
}

void pdeflate_reset(struct pdeflate *pd)
{
	/* the segments under way dropped: those not started at once, those
	 * a worker deflates once it is done with them */
	pthread_mutex_lock(&pd->mu);
	for (size_t i = 0; i < pd->count; i++) {
		struct seg *t = pd->ring[(pd->head + i) % pd->cap];
		if (t->state == 0)
			t->state = 2; /* no worker takes it now */
	}
	while (pd->count) {
		struct seg *s = pd->ring[pd->head];
		if (s->state != 2) {
			pthread_cond_wait(&pd->done, &pd->mu);
			continue;
		}
		pd->head = (pd->head + 1) % pd->cap;
		pd->count--;
		pd->spare[pd->nspare++] = s;
	}
	pthread_mutex_unlock(&pd->mu);
	pd->cur.len = 0;
	pd->curdict = 0;
	pd->header = 0;
	pd->adler = adler32(0L, Z_NULL, 0);
}

void pdeflate_free(struct pdeflate *pd)
{
	if (!pd)
		return;
	pthread_mutex_lock(&pd->mu);
	pd->stop = 1;
	pthread_cond_broadcast(&pd->work);
	pthread_mutex_unlock(&pd->mu);
	for (int i = 0; i < pd->nth; i++)
		pthread_join(pd->th[i], NULL);
	for (; pd->count; pd->count--) {
		seg_free(pd->ring[pd->head]);
		pd->head = (pd->head + 1) % pd->cap;
	}
	for (size_t i = 0; i < pd->nspare; i++)
		seg_free(pd->spare[i]);
	pthread_cond_destroy(&pd->work);
	pthread_cond_destroy(&pd->done);
	pthread_mutex_destroy(&pd->mu);
	if (pd->zok)
		deflateEnd(&pd->z);
	buf_free(&pd->cur);
	free(pd->ring);
	free(pd->spare);
	free(pd);
}
