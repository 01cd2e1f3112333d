#include "wh/merge.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#include "base/alloc.h"
#include "base/io.h"

#define CHUNK (8u << 20) /* entry memory comes in chunks of this (or less) */
#define HUGE_PAGE (2u << 20)
#define RUN_WLOG 17
#define RUN_IN (32u << 10)
#define RUN_OUT (64u << 10)
#define RUN_COST (((size_t)1 << RUN_WLOG) * 2 + RUN_IN + RUN_OUT + (96u << 10))

/* An entry: this header, then key bytes, then record bytes. */
struct ent {
	uint64_t f, o, r;
	uint64_t seq;
	uint32_t klen : 29;
	uint32_t flags : 3; /* 1 live, 2 change, 4 a base row lost to it */
	uint32_t rlen;
};

/* The index sorted: the key's first 16 bytes (zero-padded, big-endian,
 * so that integer order is byte order) and the entry. */
struct ix {
	uint64_t k0, k1;
	struct ent *e;
};

struct chunk {
	struct chunk *next;
	size_t used, cap;
	size_t mapped; /* bytes mmap'ed (0: malloc'ed) */
	char data[];
};

struct run {
	char *path;
	int fd;
	ZSTD_DCtx *d;
	char *in, *out;
	size_t in_len, in_pos, out_len, out_pos;
	int eof;
	struct mc_buf cur; /* the current entry */
	int has;
};

struct merger {
	uint64_t memory, sort_budget;
	char *tmpdir; /* created on the first spill */
	const char *tmpbase;
	char tmpname[160];     /* ".tmp-merge[.NAME]" */
	struct chunk *chunks;
	size_t chunk_bytes;
	struct ix *ix;
	size_t nix, capix;
	uint64_t seq;
	char **runs;
	size_t nruns, capruns;
	uint64_t nrun_names;
	struct merge_stats st;
	int unique_base;      /* two base rows with one key are an error */
	int keep_all;         /* every entry kept, none reduced (merger_iter) */
	struct mc_buf dup;    /* the key of such two */
};

static uint64_t prefix_of(const char *k, size_t n)
{
	uint64_t p = 0;
	for (size_t i = 0; i < 8; i++)
		p = p << 8 | (i < n ? (unsigned char)k[i] : 0);
	return p;
}

static const char *ent_key(const struct ent *e)
{
	return (const char *)(e + 1);
}

static const char *ent_rec(const struct ent *e)
{
	return (const char *)(e + 1) + e->klen;
}

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

/* An entry is, or stands for, a row of the base: added with change 0,
 * pulled, or the winner of a key that had one. */
static int has_base(const struct ent *e)
{
	return (e->flags & 6) != 2;
}

/* Two base rows with key k: an error when unique_base. */
static int dup_base(struct merger *m, const char *k, size_t klen, struct mc_err *err)
{
	m->st.duplicate = 1;
	m->dup.len = 0;
	if (buf_add(&m->dup, k, klen) < 0)
		return mc_oom(err, "merge");
	return mc_errf(err, MC_EXIT_DATA, "the base has two rows with one key");
}

/* The sorted index from i: the end of the entries of its key, marking its
 * winner when a base row is among them (two: an error when unique_base). */
static int group_end(struct merger *m, size_t i, size_t *end, struct mc_err *err)
{
	struct ent *w = m->ix[i].e;
	size_t j = i + 1, nbase = has_base(w);
	while (j < m->nix && key_cmp(ent_key(m->ix[j].e), m->ix[j].e->klen, ent_key(w), w->klen) == 0)
		nbase += has_base(m->ix[j++].e);
	*end = j;
	if (nbase > 1 && m->unique_base)
		return dup_base(m, ent_key(w), w->klen, err);
	if (nbase)
		w->flags |= 4;
	return 0;
}

/* Key ascending, then the winner first: position, change, arrival
 * descending. */
static int ent_cmp(const struct ent *a, const struct ent *b)
{
	int c = key_cmp(ent_key(a), a->klen, ent_key(b), b->klen);
	if (c)
		return c;
	if (a->f != b->f)
		return a->f > b->f ? -1 : 1;
	if (a->o != b->o)
		return a->o > b->o ? -1 : 1;
	if (a->r != b->r)
		return a->r > b->r ? -1 : 1;
	if ((a->flags & 2) != (b->flags & 2))
		return (a->flags & 2) ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq > b->seq ? -1 : 1;
	return 0;
}

static int ix_cmp(const void *x, const void *y)
{
	const struct ix *a = x, *b = y;
	if (a->k0 != b->k0)
		return a->k0 < b->k0 ? -1 : 1;
	if (a->k1 != b->k1)
		return a->k1 < b->k1 ? -1 : 1;
	return ent_cmp(a->e, b->e);
}

/* Sort the index: least-significant-digit radix sort on the 16 prefix
 * bytes, skipping the byte positions where every key has the same byte
 * (most of them for integer keys), then the runs of equal prefixes by
 * ix_cmp (the whole key, then the winner first). tmp holds n entries. */
static void ix_sort(struct ix *a, struct ix *tmp, size_t n)
{
	size_t cnt[16][256]; /* 32 KiB */
	struct ix *src = a, *dst = tmp;
	memset(cnt, 0, sizeof cnt);
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 8; b++) {
			cnt[b][(a[i].k1 >> (8 * b)) & 0xff]++;
			cnt[8 + b][(a[i].k0 >> (8 * b)) & 0xff]++;
		}
	for (int b = 0; b < 16; b++) {
		size_t sum = 0, *c = cnt[b];
		int shift = 8 * (b & 7), skip = 0;
		for (int v = 0; v < 256 && !skip; v++)
			skip = c[v] == n;
		if (skip || n == 0)
			continue;
		for (int v = 0; v < 256; v++) {
			size_t t = c[v];
			c[v] = sum;
			sum += t;
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t k = b < 8 ? src[i].k1 : src[i].k0;
			dst[c[(k >> shift) & 0xff]++] = src[i];
		}
		{
			struct ix *t = src;
			src = dst;
			dst = t;
		}
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && a[j].k0 == a[i].k0 && a[j].k1 == a[i].k1)
			j++;
		if (j - i > 1)
			qsort(a + i, j - i, sizeof *a, ix_cmp);
		i = j;
	}
}

struct merger *merger_new(uint64_t memory, const char *tmpdir, struct mc_err *err)
{
	struct merger *m = calloc(1, sizeof *m);
	if (!m) {
		mc_oom(err, "merge");
		return NULL;
	}
	if (memory < (256u << 10))
		memory = 256u << 10;
	m->memory = memory;
	/* entries get half the memory, three quarters when the fixed costs
	 * (buffers, zstd contexts, a few MB) are small beside it */
	m->sort_budget = memory >= (256u << 20) ? memory / 4 * 3 : memory / 2;
	m->tmpbase = tmpdir ? tmpdir : "/tmp";
	snprintf(m->tmpname, sizeof m->tmpname, ".tmp-merge");
	return m;
}

static void free_chunks(struct merger *m)
{
	while (m->chunks) {
		struct chunk *n = m->chunks->next;
		if (m->chunks->mapped)
			munmap(m->chunks, m->chunks->mapped);
		else
			free(m->chunks);
		m->chunks = n;
	}
	m->chunk_bytes = 0;
	free(m->ix);
	m->ix = NULL;
	m->nix = m->capix = 0;
}

/* ---- runs on disk ---- */

static int tmp_ready(struct merger *m, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	if (m->tmpdir)
		return 0;
	if (buf_addf(&b, "%s/%s.XXXXXX%c", m->tmpbase, m->tmpname, 0) < 0)
		return mc_oom(err, "merge");
	if (!mkdtemp(b.p)) {
		int e = errno;
		buf_free(&b);
		return mc_errnof(err, e, "'%s': creating a temporary directory", m->tmpbase);
	}
	m->tmpdir = b.p;
	return 0;
}

struct run_writer {
	int fd;
	ZSTD_CCtx *c;
	char *out;
	const char *path;
};

static int rw_open(struct merger *m, struct run_writer *w, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	memset(w, 0, sizeof *w);
	w->fd = -1;
	if (tmp_ready(m, err) < 0)
		return -1;
	if (buf_addf(&b, "%s/run-%06llu.zst%c", m->tmpdir, (unsigned long long)m->nrun_names++, 0) < 0)
		return mc_oom(err, "merge");
	if (mc_grow(&m->runs, &m->capruns, m->nruns + 1, sizeof *m->runs) < 0) {
		buf_free(&b);
		return mc_oom(err, "merge");
	}
	w->fd = open(b.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		int e = errno;
		buf_free(&b);
		return mc_errnof(err, e, "'%s'", m->tmpdir);
	}
	m->runs[m->nruns++] = b.p;
	w->path = b.p;
	w->c = ZSTD_createCCtx();
	w->out = malloc(RUN_OUT);
	if (!w->c || !w->out)
		return mc_oom(err, "merge");
	ZSTD_CCtx_setParameter(w->c, ZSTD_c_compressionLevel, 1);
	ZSTD_CCtx_setParameter(w->c, ZSTD_c_windowLog, RUN_WLOG);
	/* compressed by two workers (the main thread only feeds them) once
	 * memory allows their buffers */
	if (m->memory >= (64u << 20))
		ZSTD_CCtx_setParameter(w->c, ZSTD_c_nbWorkers, 2);
	return 0;
}

static int rw_push(struct run_writer *w, const void *p, size_t n, ZSTD_EndDirective mode,
		   struct mc_err *err)
{
	ZSTD_inBuffer in = { p, n, 0 };
	for (;;) {
		ZSTD_outBuffer out = { w->out, RUN_OUT, 0 };
		size_t rem = ZSTD_compressStream2(w->c, &out, &in, mode);
		if (ZSTD_isError(rem))
			return mc_errf(err, MC_EXIT_DATA, "'%s': zstd: %s", w->path,
				       ZSTD_getErrorName(rem));
		if (out.pos && io_write_all(w->fd, w->out, out.pos) < 0)
			return mc_errnof(err, errno, "'%s': write", w->path);
		if (mode == ZSTD_e_continue ? in.pos == in.size : rem == 0)
			return 0;
	}
}

static int rw_ent(struct run_writer *w, const struct ent *e, struct mc_err *err)
{
	return rw_push(w, e, sizeof *e + e->klen + e->rlen, ZSTD_e_continue, err);
}

static int rw_close(struct run_writer *w, int ok, struct mc_err *err)
{
	int rc = 0;
	if (ok && w->c)
		rc = rw_push(w, "", 0, ZSTD_e_end, err);
	if (w->fd >= 0 && close(w->fd) < 0 && rc == 0 && ok)
		rc = mc_errnof(err, errno, "'%s'", w->path);
	ZSTD_freeCCtx(w->c);
	free(w->out);
	w->c = NULL;
	w->out = NULL;
	w->fd = -1;
	return rc;
}

static int run_open(struct run *r, const char *path, struct mc_err *err)
{
	memset(r, 0, sizeof *r);
	r->path = (char *)path;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return mc_errnof(err, errno, "'%s'", path);
	r->d = ZSTD_createDCtx();
	r->in = malloc(RUN_IN);
	r->out = malloc(RUN_OUT);
	if (!r->d || !r->in || !r->out)
		return mc_oom(err, "merge");
	ZSTD_DCtx_setParameter(r->d, ZSTD_d_windowLogMax, RUN_WLOG);
	return 0;
}

static void run_close(struct run *r)
{
	if (r->fd >= 0)
		close(r->fd);
	ZSTD_freeDCtx(r->d);
	free(r->in);
	free(r->out);
	buf_free(&r->cur);
	r->fd = -1;
	r->d = NULL;
	r->in = r->out = NULL;
}

/* Copy n bytes of the decompressed run to dst: n copied, less at the end. */
static ssize_t run_read(struct run *r, char *dst, size_t n, struct mc_err *err)
{
	size_t got = 0;
	while (got < n) {
		if (r->out_pos < r->out_len) {
			size_t k = r->out_len - r->out_pos;
			if (k > n - got)
				k = n - got;
			memcpy(dst + got, r->out + r->out_pos, k);
			r->out_pos += k;
			got += k;
			continue;
		}
		if (r->in_pos == r->in_len && !r->eof) {
			ssize_t k = io_read(r->fd, r->in, RUN_IN);
			if (k < 0)
				return mc_errnof(err, errno, "'%s'", r->path);
			if (k == 0)
				r->eof = 1;
			r->in_len = (size_t)k;
			r->in_pos = 0;
		}
		{
			ZSTD_inBuffer in = { r->in, r->in_len, r->in_pos };
			ZSTD_outBuffer out = { r->out, RUN_OUT, 0 };
			size_t rc = ZSTD_decompressStream(r->d, &out, &in);
			if (ZSTD_isError(rc))
				return mc_errf(err, MC_EXIT_DATA, "'%s': zstd: %s", r->path,
					       ZSTD_getErrorName(rc));
			r->in_pos = in.pos;
			r->out_len = out.pos;
			r->out_pos = 0;
			if (out.pos == 0 && r->eof && r->in_pos == r->in_len)
				break;
		}
	}
	return (ssize_t)got;
}

/* Next entry into r->cur: 1, 0 at the end, -1. */
static int run_next(struct run *r, struct mc_err *err)
{
	struct ent h;
	ssize_t k = run_read(r, (char *)&h, sizeof h, err);
	r->has = 0;
	if (k < 0)
		return -1;
	if (k == 0)
		return 0;
	if ((size_t)k != sizeof h)
		return mc_errf(err, MC_EXIT_DATA, "'%s': truncated run", r->path);
	r->cur.len = 0;
	if (buf_grow(&r->cur, sizeof h + h.klen + h.rlen) < 0)
		return mc_oom(err, "merge");
	memcpy(r->cur.p, &h, sizeof h);
	k = run_read(r, r->cur.p + sizeof h, (size_t)h.klen + h.rlen, err);
	if (k < 0)
		return -1;
	if ((size_t)k != (size_t)h.klen + h.rlen)
		return mc_errf(err, MC_EXIT_DATA, "'%s': truncated run", r->path);
	r->cur.len = sizeof h + h.klen + h.rlen;
	r->has = 1;
	return 1;
}

/* ---- adding and spilling ---- */

static int sort_ix(struct merger *m, struct mc_err *err)
{
	/* the sort's buffer is counted in mem_used */
	struct ix *tmp = malloc((m->nix ? m->nix : 1) * sizeof *tmp);
	if (!tmp)
		return mc_oom(err, "merge");
	ix_sort(m->ix, tmp, m->nix);
	free(tmp);
	return 0;
}

static int spill(struct merger *m, struct mc_err *err)
{
	struct run_writer w;
	int rc = 0;
	if (m->nix == 0)
		return 0;
	if (sort_ix(m, err) < 0)
		return -1;
	if (rw_open(m, &w, err) < 0) {
		rw_close(&w, 0, err);
		return -1;
	}
	for (size_t i = 0, end = 1; i < m->nix && rc == 0; i = end, end = i + 1)
		if (m->keep_all || (rc = group_end(m, i, &end, err)) == 0) /* the winner of its key */
			rc = rw_ent(&w, m->ix[i].e, err);
	if (rw_close(&w, rc == 0, err) < 0)
		rc = -1;
	free_chunks(m);
	m->st.runs++;
	return rc;
}

/* A chunk for n bytes of entries. Large ones are mapped (so that they go
 * back to the system when freed, whatever malloc's thresholds) on huge
 * pages where the system allows: one page fault per 2 MiB instead of 512. */
static struct chunk *chunk_alloc(size_t n)
{
	struct chunk *c;
	size_t len = sizeof *c + n;
	if (len < HUGE_PAGE) {
		if ((c = malloc(len)))
			c->mapped = 0;
		return c;
	}
	c = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(c, len, MADV_HUGEPAGE);
#endif
	c->mapped = len;
	return c;
}

static uint64_t mem_used(const struct merger *m)
{
	return m->chunk_bytes + 2 * m->capix * sizeof(struct ix); /* and the sort's */
}

int merger_add(struct merger *m, const char *key, size_t klen, const struct mc_pos *pos,
	       int change, int live, const char *rec, size_t rlen, struct mc_err *err)
{
	size_t need = sizeof(struct ent) + klen + (live ? rlen : 0);
	struct ent *e;
	need = (need + 7) & ~(size_t)7;
	if (klen >= (1u << 29) || rlen > UINT32_MAX / 2)
		return mc_errf(err, MC_EXIT_DATA, "merge: key or row too large");
	if (!m->chunks || m->chunks->cap - m->chunks->used < need || m->nix == m->capix) {
		size_t ncap = m->nix == m->capix ? (m->capix ? m->capix * 2 : 4096) : m->capix;
		size_t chunk = m->sort_budget / 16 < CHUNK ? (size_t)m->sort_budget / 16 : CHUNK;
		size_t csz = need > chunk ? need : chunk;
		uint64_t extra = (m->nix == m->capix ? 2 * (ncap - m->capix) * sizeof(struct ix) : 0) +
				 (!m->chunks || m->chunks->cap - m->chunks->used < need ? csz : 0);
		if (m->nix > 0 && mem_used(m) + extra > m->sort_budget) {
			if (spill(m, err) < 0)
				return -1;
			return merger_add(m, key, klen, pos, change, live, rec, rlen, err);
		}
		/* exactly ncap, as counted against the budget above; the new
		 * items are not zeroed, so pages are touched only when used */
		if (m->nix == m->capix) {
			if (mc_resize(&m->ix, ncap, sizeof *m->ix) < 0)
				return mc_oom(err, "merge");
			m->capix = ncap;
		}
		if (!m->chunks || m->chunks->cap - m->chunks->used < need) {
			struct chunk *c = chunk_alloc(csz);
			if (!c)
				return mc_oom(err, "merge");
			c->next = m->chunks;
			c->used = 0;
			c->cap = csz;
			m->chunks = c;
			m->chunk_bytes += csz;
		}
	}
	e = (struct ent *)(m->chunks->data + m->chunks->used);
	m->chunks->used += need;
	e->f = pos->file;
	e->o = pos->off;
	e->r = pos->row;
	e->seq = ++m->seq;
	e->klen = (uint32_t)klen;
	e->rlen = live ? (uint32_t)rlen : 0;
	e->flags = (live ? 1u : 0) | (change ? 2u : 0);
	memcpy((char *)(e + 1), key, klen);
	if (live && rlen)
		memcpy((char *)(e + 1) + klen, rec, rlen);
	m->ix[m->nix].k0 = prefix_of(key, klen);
	m->ix[m->nix].k1 = klen > 8 ? prefix_of(key + 8, klen - 8) : 0;
	m->ix[m->nix].e = e;
	m->nix++;
	m->st.entries++;
	return 0;
}

/* ---- merging ---- */

/* A source of entries in order: a run, the in-memory index, or the pull
 * source (a sorted base). */
struct src {
	int kind; /* 0 run, 1 memory, 2 pull */
	struct run run;
	size_t at;
	struct merger *m;
	merge_pull_fn pull;
	void *pctx;
	struct mc_buf pb[2]; /* the pull source's entry and the one before, */
	int pi, pulled;      /* which stays valid for kway and the order check */
	const struct ent *cur;
};

static int src_next(struct src *s, struct mc_err *err)
{
	s->cur = NULL;
	switch (s->kind) {
	case 0: {
		int rc = run_next(&s->run, err);
		if (rc > 0)
			s->cur = (const struct ent *)s->run.cur.p;
		return rc;
	}
	case 1:
		/* the winner of the next key; its losers never win */
		if (s->at < s->m->nix) {
			size_t end = s->at + 1;
			if (!s->m->keep_all && group_end(s->m, s->at, &end, err) < 0)
				return -1;
			s->cur = s->m->ix[s->at].e;
			s->at = end;
			return 1;
		}
		return 0;
	default: {
		const char *key, *rec;
		size_t klen, rlen;
		struct mc_pos pos;
		struct ent h;
		int rc = s->pull(s->pctx, &key, &klen, &pos, &rec, &rlen, err);
		struct mc_buf *nb = &s->pb[s->pi ^ 1];
		if (rc <= 0)
			return rc;
		if (s->pulled) {
			const struct ent *pe = (const struct ent *)s->pb[s->pi].p;
			int c = key_cmp(key, klen, ent_key(pe), pe->klen);
			if (c == 0 && s->m->unique_base)
				return dup_base(s->m, key, klen, err);
			if (c <= 0) {
				s->m->st.unordered = 1;
				return mc_errf(err, MC_EXIT_DATA,
					       "the base partition is not in key order (or has a key twice)");
			}
		}
		if (klen >= (1u << 29) || rlen > UINT32_MAX / 2)
			return mc_errf(err, MC_EXIT_DATA, "merge: key or row too large");
		memset(&h, 0, sizeof h);
		h.f = pos.file;
		h.o = pos.off;
		h.r = pos.row;
		h.seq = 0;
		h.klen = (uint32_t)klen;
		h.rlen = (uint32_t)rlen;
		h.flags = 1 | 4;
		nb->len = 0;
		if (buf_add(nb, &h, sizeof h) < 0 || buf_add(nb, key, klen) < 0 ||
		    buf_add(nb, rec, rlen) < 0)
			return mc_oom(err, "merge");
		s->pi ^= 1;
		s->pulled = 1;
		s->cur = (const struct ent *)nb->p;
		return 1;
	}
	}
}

static void src_free(struct src *s)
{
	if (s->kind == 0)
		run_close(&s->run);
	buf_free(&s->pb[0]);
	buf_free(&s->pb[1]);
}

/* A binary heap of sources by their current entry. */
static int heap_less(struct src **h, size_t a, size_t b)
{
	return ent_cmp(h[a]->cur, h[b]->cur) < 0;
}

static void heap_down(struct src **h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, s = i;
		if (l < n && heap_less(h, l, s))
			s = l;
		if (r < n && heap_less(h, r, s))
			s = r;
		if (s == i)
			return;
		struct src *t = h[i];
		h[i] = h[s];
		h[s] = t;
		i = s;
	}
}

/* Merge the sources; for each key call out with the winner (dead ones
 * too when keep_dead). */
static int kway(struct merger *m, struct src **srcs, size_t n, int keep_dead,
		int (*out)(void *, const struct ent *, struct mc_err *), void *octx,
		struct mc_err *err)
{
	struct src **h = malloc((n ? n : 1) * sizeof *h);
	size_t hn = 0;
	struct mc_buf win = { 0 };
	int rc = 0;
	if (!h)
		return mc_oom(err, "merge");
	for (size_t i = 0; i < n; i++) {
		int k = src_next(srcs[i], err);
		if (k < 0) {
			free(h);
			return -1;
		}
		if (k > 0)
			h[hn++] = srcs[i];
	}
	for (size_t i = hn; i-- > 0;)
		heap_down(h, hn, i);
	while (hn > 0 && rc == 0) {
		const struct ent *top = h[0]->cur, *w = top;
		size_t nbase = 0;
		/* the in-memory entries stay, and a pulled one until the next
		 * but one src_next (never two on one key); runs' are overwritten */
		if (h[0]->kind == 0) {
			win.len = 0;
			if (buf_add(&win, top, sizeof *top + top->klen + top->rlen) < 0) {
				rc = mc_oom(err, "merge");
				break;
			}
			w = (const struct ent *)win.p;
		}
		/* advance every source sitting on this key (keep_all: this entry's) */
		for (size_t adv = 0; hn > 0 && (!m->keep_all || adv++ == 0) &&
				     key_cmp(ent_key(h[0]->cur), h[0]->cur->klen, ent_key(w), w->klen) == 0;) {
			int k;
			nbase += has_base(h[0]->cur);
			if (nbase > 1 && m->unique_base) {
				rc = dup_base(m, ent_key(w), w->klen, err);
				break;
			}
			k = src_next(h[0], err);
			if (k < 0) {
				rc = -1;
				break;
			}
			if (k == 0)
				h[0] = h[--hn];
			heap_down(h, hn, 0);
		}
		if (nbase && w == (const struct ent *)win.p)
			((struct ent *)win.p)->flags |= 4; /* for the next pass */
		if (rc == 0 && ((w->flags & 1) || keep_dead))
			rc = out(octx, w, err);
	}
	buf_free(&win);
	free(h);
	return rc;
}

struct emit_ctx {
	merge_emit_fn emit;
	void *ectx;
	struct merger *m;
};

static int out_emit(void *ctx, const struct ent *e, struct mc_err *err)
{
	struct emit_ctx *c = ctx;
	struct mc_pos pos = { e->f, e->o, e->r };
	c->m->st.out++;
	return c->emit(c->ectx, &pos, ent_rec(e), e->rlen, err);
}

static int out_run(void *ctx, const struct ent *e, struct mc_err *err)
{
	return rw_ent(ctx, e, err);
}

/* Sort what is in memory (or spill it) and merge runs in passes until
 * the runs, the memory and the pull source (pull) can be merged at once. */
static int prepare(struct merger *m, int pull, struct mc_err *err)
{
	size_t fanin = (size_t)(m->memory * 6 / 10 / RUN_COST);
	struct src *pool = NULL, **ps = NULL;
	size_t n = 0;
	int rc = 0;

	if (fanin < 2)
		fanin = 2;
	if (m->nruns > 0) {
		/* The last entries stay in memory as one more sorted source when
		 * what memory they leave still opens every run at once; else
		 * they are spilled too. */
		uint64_t used = mem_used(m), left = m->memory > used ? m->memory - used : 0;
		size_t f2 = (size_t)(left * 6 / 10 / RUN_COST);
		if (m->nix == 0 || f2 < m->nruns + 1 + (pull ? 1 : 0)) {
			if (spill(m, err) < 0)
				return -1;
		} else {
			fanin = f2;
		}
	}
	if (m->nix > 0 && sort_ix(m, err) < 0)
		return -1;
	/* Passes: merge the oldest fanin runs into one until few are left. */
	while (m->nruns + (pull ? 1 : 0) > fanin) {
		struct run_writer w;
		size_t k = fanin;
		pool = calloc(k, sizeof *pool);
		ps = calloc(k, sizeof *ps);
		if (!pool || !ps)
			return mc_oom(err, "merge");
		for (size_t i = 0; i < k && rc == 0; i++) {
			ps[i] = &pool[i];
			rc = run_open(&pool[i].run, m->runs[i], err);
			n = i + 1;
		}
		if (rc == 0)
			rc = rw_open(m, &w, err);
		if (rc == 0) {
			rc = kway(m, ps, k, 1, out_run, &w, err);
			if (rw_close(&w, rc == 0, err) < 0)
				rc = -1;
		}
		for (size_t i = 0; i < n; i++)
			src_free(&pool[i]);
		free(pool);
		free(ps);
		pool = NULL;
		ps = NULL;
		if (rc < 0)
			return -1;
		for (size_t i = 0; i < k; i++) {
			unlink(m->runs[i]);
			free(m->runs[i]);
		}
		memmove(m->runs, m->runs + k, (m->nruns - k) * sizeof *m->runs);
		m->nruns -= k;
		m->st.passes++;
	}
	return 0;
}

/* The final sources: every run, the memory; room for one more in *pool
 * and *ps (n: how many). */
static int sources(struct merger *m, struct src **pool, struct src ***ps, size_t *n,
		   struct mc_err *err)
{
	int rc = 0;
	*n = 0;
	*pool = calloc(m->nruns + 2, sizeof **pool);
	*ps = calloc(m->nruns + 2, sizeof **ps);
	if (!*pool || !*ps)
		return mc_oom(err, "merge");
	for (size_t i = 0; i < m->nruns && rc == 0; i++) {
		(*ps)[*n] = &(*pool)[*n];
		(*pool)[*n].kind = 0;
		rc = run_open(&(*pool)[*n].run, m->runs[i], err);
		++*n;
	}
	if (rc == 0 && m->nix > 0) {
		(*ps)[*n] = &(*pool)[*n];
		(*pool)[*n].kind = 1;
		(*pool)[(*n)++].m = m;
	}
	return rc;
}

int merger_finish(struct merger *m, merge_pull_fn pull, void *pctx, merge_emit_fn emit,
		  void *ectx, struct mc_err *err)
{
	struct emit_ctx ec = { emit, ectx, m };
	struct src *pool = NULL, **ps = NULL;
	size_t n = 0;
	int rc = prepare(m, pull != NULL, err);
	if (rc == 0)
		rc = sources(m, &pool, &ps, &n, err);
	if (rc == 0 && pull) {
		ps[n] = &pool[n];
		pool[n].kind = 2;
		pool[n].m = m;
		pool[n].pull = pull;
		pool[n].pctx = pctx;
		n++;
	}
	if (rc == 0)
		rc = kway(m, ps, n, 0, out_emit, &ec, err);
	for (size_t i = 0; i < n; i++)
		src_free(&pool[i]);
	free(pool);
	free(ps);
	return rc;
}

/* ---- every entry in order (keep_all) ---- */

struct merge_iter {
	struct src *pool, **ps, **h;
	size_t n, hn;
	struct mc_buf cur;
};

void merger_keep_all(struct merger *m)
{
	m->keep_all = 1;
}

void merger_iter_free(struct merge_iter *it)
{
	if (!it)
		return;
	for (size_t i = 0; i < it->n; i++)
		src_free(&it->pool[i]);
	free(it->pool);
	free(it->ps);
	free(it->h);
	buf_free(&it->cur);
	free(it);
}

struct merge_iter *merger_iter(struct merger *m, struct mc_err *err)
{
	struct merge_iter *it = calloc(1, sizeof *it);
	int rc = it ? prepare(m, 0, err) : mc_oom(err, "merge");
	if (rc == 0)
		rc = sources(m, &it->pool, &it->ps, &it->n, err);
	if (rc == 0 && !(it->h = calloc(it->n + 1, sizeof *it->h)))
		rc = mc_oom(err, "merge");
	for (size_t i = 0; rc == 0 && i < it->n; i++) {
		int k = src_next(it->ps[i], err);
		if (k < 0)
			rc = -1;
		else if (k > 0)
			it->h[it->hn++] = it->ps[i];
	}
	if (rc < 0) {
		merger_iter_free(it);
		return NULL;
	}
	for (size_t i = it->hn; i-- > 0;)
		heap_down(it->h, it->hn, i);
	return it;
}

int merger_iter_next(struct merge_iter *it, const char **key, size_t *klen, const char **rec,
		     size_t *rlen, struct mc_err *err)
{
	const struct ent *e;
	int k;
	if (it->hn == 0)
		return 0;
	e = it->h[0]->cur;
	it->cur.len = 0;
	if (buf_add(&it->cur, e, sizeof *e + e->klen + e->rlen) < 0)
		return mc_oom(err, "merge");
	if ((k = src_next(it->h[0], err)) < 0)
		return -1;
	if (k == 0)
		it->h[0] = it->h[--it->hn];
	heap_down(it->h, it->hn, 0);
	e = (const struct ent *)it->cur.p;
	*key = ent_key(e);
	*klen = e->klen;
	*rec = ent_rec(e);
	*rlen = e->rlen;
	return 1;
}

void merger_stats(const struct merger *m, struct merge_stats *st)
{
	*st = m->st;
}

void merger_tmp_name(struct merger *m, const char *name)
{
	snprintf(m->tmpname, sizeof m->tmpname, ".tmp-merge.%s", name);
}

void merger_unique_base(struct merger *m)
{
	m->unique_base = 1;
}

int merger_dup_key(const struct merger *m, const char **key, size_t *klen)
{
	if (!m->st.duplicate)
		return 0;
	*key = m->dup.p;
	*klen = m->dup.len;
	return 1;
}

void merger_free(struct merger *m)
{
	if (!m)
		return;
	free_chunks(m);
	buf_free(&m->dup);
	for (size_t i = 0; i < m->nruns; i++) {
		unlink(m->runs[i]);
		free(m->runs[i]);
	}
	free(m->runs);
	if (m->tmpdir) {
		rmdir(m->tmpdir);
		free(m->tmpdir);
	}
	free(m);
}
