/* dest_odps_pipe.c: a partition's blocks encoded, compressed, spooled and
 * PUT for the MaxCompute destination (dest_odps.c's odd_append), in a
 * pipeline with --threads > 1 (docs/maxcompute.md "Connections"): the
 * thread of the sink encodes the records (protobuf and CRCs) block by
 * block; workers compress each block (odps/zpool.h, one per CPU up to the
 * connections); each compressed block goes up at once on a free
 * connection (odps_put_step) while the next ones are being encoded. The
 * blocks and their bytes are those of the encoder alone. Each compressed
 * block goes to the spool as it is made, in order (odps/spool.h
 * odps_spool_stream_*: a thread of the spool's own writes it and starts
 * its writeback); a block both in the spool and PUT gives its memory back
 * to the workers (give_back), so that the blocks in flight, not the
 * commit's, are in memory; a session that expires under the PUTs has
 * them read back from the spool to go up again (odd_blocks_reload). The
 * spool is fsync'd and named as the commit's once the last block is in,
 * before the journal as always (a run killed before it has no journal:
 * its session is never committed, and what it spooled is removed at the
 * next start). With one connection the spool is written while all the
 * blocks go up, as before. */
#include "odps/dest_odps_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "odps/spool.h"
#include "odps/zpool.h"

struct odd_pipe {
	struct odps_put_run *run;
	struct odps_zpool *zp;
	struct odps_spool_stream *ss; /* the spool, written as blocks are made */
	struct mc_buf raw;      /* the encoder's next block's memory */
	unsigned char *ready;   /* per block: compressed */
	size_t rcap, nready;    /* blocks[0..nready) compressed */
	size_t npushed;         /* blocks[0..npushed) handed to the spool */
	size_t lo;              /* blocks[0..lo) given back */
	int closed;             /* the session closed under us: no more PUTs */
	int nworkers;
	size_t nconns;          /* the connections */
	size_t block_size;
};

/* The blocks both in the spool and on the server give their memory back
 * to the workers for the next ones: the blocks in flight, not the whole
 * commit, are in memory (and the pages of those given back are not
 * cleared again). After the session closed, none: they all go up again. */
static void give_back(struct dest_part *p)
{
	struct odd_pipe *q = p->pipe;
	size_t sp = odps_spool_stream_written(q->ss);
	if (q->closed)
		return;
	for (size_t k = q->lo; k < sp && k < q->nready; k++)
		if (p->blocks[k].cap && odps_put_block_in(q->run, k)) {
			odps_zpool_recycle(q->zp, &p->blocks[k]);
			p->freed = 1;
		}
	while (q->lo < sp && q->lo < q->nready && !p->blocks[q->lo].cap)
		q->lo++;
}

/* Take the compressed blocks, then a round of the PUTs (waiting up to ms
 * for the network or a block). */
static int pump(struct dest_part *p, int last, int ms, struct mc_err *err)
{
	struct odd_pipe *q = p->pipe;
	size_t k;
	int rc;
	for (;;) {
		struct mc_buf b = { 0 };
		rc = odps_zpool_take(q->zp, &k, &b, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		buf_free(&p->blocks[k]);
		p->blocks[k] = b;
		q->ready[k] = 1;
	}
	while (q->nready < p->nblocks && q->ready[q->nready])
		q->nready++;
	for (; q->npushed < q->nready; q->npushed++) /* (in order) */
		if (odps_spool_stream_push(q->ss, p->blocks[q->npushed].p, p->blocks[q->npushed].len,
					   err) < 0)
			return -1;
	if (q->closed) {
		if (ms > 0)
			odps_zpool_wait(q->zp);
		return 0;
	}
	rc = odps_put_step(q->run, p->blocks, q->nready, last, ms, err);
	if (rc == 1) /* the blocks are still made: all of them go up again, in a new session */
		q->closed = 1;
	if (rc >= 0)
		give_back(p);
	return rc < 0 ? -1 : 0;
}

int odd_pipe_block(struct dest_part *p, struct trec_enc *e, struct mc_err *err)
{
	struct odd_pipe *q = p->pipe;
	size_t head = trec_enc_staged(e);
	if (mc_grow(&p->blocks, &p->bcap, p->nblocks + 1, sizeof *p->blocks) < 0 ||
	    mc_grow(&q->ready, &q->rcap, p->nblocks + 1, 1) < 0)
		return mc_oom(err, "blocks");
	memset(&p->blocks[p->nblocks], 0, sizeof p->blocks[0]);
	q->ready[p->nblocks] = 0;
	/* at most one block waiting per worker: the record streams' memory is
	 * that of a few blocks, filled again (the PUTs go on meanwhile) */
	while (odps_zpool_left(q->zp) > (size_t)q->nworkers)
		if (pump(p, 0, 1000, err) < 0)
			return -1;
	/* and at most one compressed block waiting for its PUT per
	 * connection: when the server takes them slower than the workers
	 * make them, what goes up sets the pace, and the memory is that of
	 * the blocks in flight (give_back) */
	while (!q->closed && q->nready > odps_put_in(q->run) + q->nconns)
		if (pump(p, 0, 1000, err) < 0)
			return -1;
	/* q->raw: a spent block's memory (room for a whole block: no copy as
	 * it grows), the encoder's for the next block */
	if (buf_grow(&q->raw, q->block_size + (64u << 10)) < 0)
		return mc_oom(err, "blocks");
	if (trec_enc_finish(e, &q->raw, NULL, err) < 0 ||
	    odps_zpool_add(q->zp, p->nblocks, &q->raw, head, err) < 0)
		return -1;
	p->nblocks++;
	return pump(p, 0, 0, err);
}

int odd_cpus(int most)
{
	static long n; /* (counted once: the destination's thread asks) */
	if (!n && (n = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		n = 1;
	return (int)(n < most ? n : most < 1 ? 1 : most);
}

int odd_pipe_open(struct odd *w, struct dest_part *p, const struct odps_up *u,
		  struct mc_err *err)
{
	struct odd_pipe *q = calloc(1, sizeof *q);
	if (!q)
		return mc_oom(err, "blocks");
	/* the workers and the blocks' memory of the last send, if any: their
	 * pages are not cleared again (zpool.h) */
	q->zp = w->zp;
	q->raw = w->zraw;
	memset(&w->zraw, 0, sizeof w->zraw);
	w->zp = NULL;
	p->pipe = q;
	q->nworkers = odd_cpus(u->threads);
	q->nconns = (size_t)u->threads;
	q->block_size = w->o.block_size ? w->o.block_size : TREC_BLOCK_SIZE;
	if (odps_spool_stream_open(&q->ss, w->o.state, err) < 0 ||
	    odps_put_begin(u, p->sess.id, w->o.comp, &q->run, err) < 0)
		return -1;
	if (q->zp)
		odps_zpool_bind(q->zp, odps_put_wake, q->run);
	else if (odps_zpool_start(&q->zp, w->o.comp, 0, q->nworkers, odps_put_wake, q->run, err) < 0)
		return -1;
	return 0;
}

int odd_pipe_pump(struct dest_part *p, struct mc_err *err)
{
	return pump(p, 0, 0, err) < 0 ? -1 : p->pipe->closed;
}

int odd_pipe_wait(struct dest_part *p, int ms, struct mc_err *err)
{
	return pump(p, 0, ms, err) < 0 ? -1 : p->pipe->closed;
}

int odd_pipe_idle(const struct dest_part *p)
{
	const struct odd_pipe *q = p->pipe;
	return q->closed || (!odps_zpool_left(q->zp) && odps_put_in(q->run) >= p->nblocks);
}

void odd_pipe_wake(struct dest_part *p)
{
	odps_put_wake(p->pipe->run);
}

int odd_pipe_finish(struct odd *w, struct dest_part *p, size_t idx, struct mc_err *err)
{
	struct odd_pipe *q = p->pipe;
	while (odps_zpool_left(q->zp) > 0)
		if (pump(p, 0, 1000, err) < 0)
			return -1;
	if (pump(p, 0, 0, err) < 0)
		return -1;
	if (q->nready != p->nblocks)
		return mc_errf(err, MC_EXIT_DATA, "internal: %zu blocks of %s, %zu compressed",
			       p->nblocks, p->table, q->nready);
	/* every block made and handed to the spool's thread: the last ones
	 * up, then the spool's end (fsync'd, named as partition idx of the
	 * commit) before the journal can be written */
	while (!q->closed && odps_put_in(q->run) < p->nblocks)
		if (pump(p, 1, 1000, err) < 0)
			return -1;
	{
		struct odps_spool_stream *ss = q->ss;
		q->ss = NULL; /* (freed by the close, whatever it gives) */
		if (odps_spool_stream_close(ss, w->seq, idx, &p->spool_size, &p->spool_crc, err) < 0)
			return -1;
	}
	p->spooled = 1;
	return q->closed;
}

int odd_blocks_reload(struct odd *w, struct dest_part *p, size_t idx, struct mc_err *err)
{
	struct mc_buf *bl = NULL;
	if (!p->freed)
		return 0;
	if (!p->spooled)
		return mc_errf(err, MC_EXIT_DATA, "internal: the blocks of %s given back unspooled",
			       p->table);
	if (odps_spool_get(w->o.state, w->seq, idx, p->spool_size, p->spool_crc, p->nblocks, &bl,
			   err) < 0)
		return -1;
	for (size_t i = 0; i < p->nblocks; i++) {
		buf_free(&p->blocks[i]);
		p->blocks[i] = bl[i];
	}
	free(bl);
	p->freed = 0;
	return 0;
}

void odd_pipe_close(struct odd *w, struct dest_part *p, int ok)
{
	struct odd_pipe *q = p->pipe;
	if (!q)
		return;
	p->pipe = NULL;
	odps_spool_stream_drop(q->ss); /* (not finished: its file goes) */
	if (q->zp) {
		if (q->run)
			odps_zpool_bind(q->zp, NULL, NULL); /* before the run ends: the workers wake it */
		if (ok && !w->zp && odps_zpool_idle(q->zp))
			w->zp = q->zp; /* for the next send */
		else
			odps_zpool_stop(q->zp);
	}
	odps_put_end(q->run);
	q->raw.len = 0;
	if (!w->zraw.cap)
		w->zraw = q->raw;
	else
		buf_free(&q->raw);
	free(q->ready);
	free(q);
}

int odd_send(struct odd *w, struct dest_part *p, const struct dest_rows *rows,
	     const struct odps_up *u, size_t idx, struct mc_err *err)
{
	int rc;
	if (u->threads <= 1 || !u->conns) {
		struct odps_spool_job sj;
		if (odd_encode(w, p, rows, err) < 0)
			return -1;
		/* the blocks to local disk (what a rerun finishes the commit
		 * from once its journal is written) on a thread of its own while
		 * they go up; joined before the journal can be written */
		if (odps_spool_start(&sj, w->o.state, w->seq, idx, p->blocks, p->nblocks, err) < 0)
			return -1;
		rc = odps_up_put_all(u, p->sess.id, w->o.comp, p->blocks, p->nblocks, err);
		if (odps_spool_wait(&sj, &p->spool_size, &p->spool_crc, rc < 0 ? NULL : err) < 0 ||
		    rc < 0)
			return -1;
		p->spooled = 1;
		return rc;
	}
	rc = odd_pipe_open(w, p, u, err);
	if (rc == 0)
		rc = odd_encode(w, p, rows, err);
	if (rc == 0)
		rc = odd_pipe_finish(w, p, idx, err);
	odd_pipe_close(w, p, rc >= 0);
	return rc;
}
