/* txn.c: the open transaction, in memory or spilled, decoded once at its
 * replay (txn.h). */
#define _GNU_SOURCE /* O_TMPFILE */
#include "binlog/txn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/alloc.h"

#define TXN_HDR 21
#define TXN_HUGE_FROM (128u << 10)
#define TXN_INNER 1 /* flags: inside a transaction payload */
#define TXN_QUERY 2 /* flags: a decoded statement, not raw bytes */
#define TXN_REF 4   /* flags: a pointer to the bytes is held (txn_add_ref) */

void txn_init(struct bl_txn *t, uint64_t memory, const char *name)
{
	memset(t, 0, sizeof *t);
	t->memory = memory;
	t->name = name;
	t->spill_fd = -1;
}

int txn_empty(const struct bl_txn *t)
{
	return t->buf.len == 0 && t->spill_fd < 0;
}

static int spill_fail(struct mc_err *err)
{
	mc_errctx(err, "temporary file: ");
	err->code = MC_EXIT_DATA;
	return -1;
}

/* An entry at h: its length, and where its bytes are. */
static uint32_t entry_len(const uint8_t *h)
{
	return (uint32_t)h[17] | (uint32_t)h[18] << 8 | (uint32_t)h[19] << 16 |
	       (uint32_t)h[20] << 24;
}

static const uint8_t *entry_bytes(const uint8_t *h, int ref)
{
	const uint8_t *p = h + TXN_HDR;
	if (ref)
		memcpy(&p, h + TXN_HDR, sizeof p);
	return p;
}

/* Move what is held to a zstd temporary file: it is read back at the
 * commit. */
static int spill_start(struct bl_txn *t, struct mc_err *err)
{
	char path[4096];
	const char *dir = getenv("TMPDIR");
	int fd;
	dir = dir && *dir ? dir : "/tmp";
#ifdef O_TMPFILE
	/* a file with no name: nothing is left behind whatever ends the
	 * program (SIGTERM, SIGINT, SIGKILL, a crash) */
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return mc_errf(err, MC_EXIT_DATA, "'%s': %s", dir, strerror(errno));
	if (fd < 0)
#endif
	{
		/* a file system without O_TMPFILE: the name lives between
		 * mkstemp and unlink only */
		snprintf(path, sizeof path, "%s/%s.XXXXXX", dir, t->name ? t->name : "mcsync-txn");
		fd = mkstemp(path);
		if (fd < 0)
			return mc_errf(err, MC_EXIT_DATA, "'%s': %s", path, strerror(errno));
		unlink(path);
	}
	t->spill_fd = fd;
	if (zout_init(&t->spill, fd, 1, err) < 0)
		return spill_fail(err);
	t->spilled = 0;
	for (size_t i = 0; i < t->buf.len;) {
		uint8_t *h = (uint8_t *)t->buf.p + i;
		uint32_t n = entry_len(h);
		int ref = (h[16] & TXN_REF) != 0;
		h[16] &= (uint8_t)~TXN_REF;
		if (zout_write(&t->spill, h, TXN_HDR, err) < 0 ||
		    zout_write(&t->spill, entry_bytes(h, ref), n, err) < 0)
			return spill_fail(err);
		t->spilled += TXN_HDR + (uint64_t)n;
		i += TXN_HDR + (ref ? sizeof(const uint8_t *) : n);
	}
	t->buf.len = 0;
	t->refs = 0;
	t->ref_bytes = 0;
	t->first_ref = NULL;
	return 0;
}

static void spill_drop(struct bl_txn *t)
{
	if (t->spill_fd >= 0) {
		zout_close(&t->spill);
		close(t->spill_fd);
		t->spill_fd = -1;
	}
	t->spilled = 0;
}

static void put_hdr(uint8_t *h, const struct txn_at *at, int flags, size_t n)
{
	for (int i = 0; i < 8; i++) {
		h[i] = (uint8_t)(at->off >> (8 * i));
		h[8 + i] = (uint8_t)(at->start >> (8 * i));
	}
	h[16] = (uint8_t)(flags | (at->inner ? TXN_INNER : 0));
	for (int i = 0; i < 4; i++)
		h[17 + i] = (uint8_t)(n >> (8 * i));
}

static void get_hdr(const uint8_t *h, struct txn_at *at, int *flags, uint32_t *n)
{
	at->off = at->start = 0;
	*n = 0;
	for (int k = 0; k < 8; k++) {
		at->off |= (uint64_t)h[k] << (8 * k);
		at->start |= (uint64_t)h[8 + k] << (8 * k);
	}
	for (int k = 0; k < 4; k++)
		*n |= (uint32_t)h[17 + k] << (8 * k);
	*flags = h[16];
	at->inner = (h[16] & TXN_INNER) != 0;
}

/* One entry of up to three parts. */
static int add(struct bl_txn *t, const struct txn_at *at, int flags, const void *a, size_t an,
	       const void *b, size_t bn, const void *c, size_t cn, struct mc_err *err)
{
	uint8_t h[TXN_HDR];
	put_hdr(h, at, flags, an + bn + cn);
	if (t->spill_fd >= 0) {
		if (zout_write(&t->spill, h, sizeof h, err) < 0 ||
		    zout_write(&t->spill, a, an, err) < 0 || zout_write(&t->spill, b, bn, err) < 0 ||
		    zout_write(&t->spill, c, cn, err) < 0)
			return spill_fail(err);
		t->spilled += sizeof h + an + bn + cn;
		return 0;
	}
	/* past 128 KB the buffer goes to huge pages (buf.h): a transaction of
	 * bulk rows (a MB or more) costs one page fault, not hundreds */
	if (t->buf.len + sizeof h + an + bn + cn > t->buf.cap &&
	    t->buf.len + sizeof h + an + bn + cn > TXN_HUGE_FROM &&
	    buf_grow_huge(&t->buf, sizeof h + an + bn + cn) < 0)
		return mc_oom(err, "buffering a transaction");
	if (buf_add(&t->buf, h, sizeof h) < 0 || buf_add(&t->buf, a, an) < 0 ||
	    buf_add(&t->buf, b, bn) < 0 || buf_add(&t->buf, c, cn) < 0)
		return mc_oom(err, "buffering a transaction");
	if (t->buf.len > t->memory)
		return spill_start(t, err);
	return 0;
}

int txn_add(struct bl_txn *t, const uint8_t *p, size_t n, const struct txn_at *at,
	    struct mc_err *err)
{
	return add(t, at, 0, p, n, NULL, 0, NULL, 0, err);
}

int txn_add_ref(struct bl_txn *t, const uint8_t *p, size_t n, const struct txn_at *at,
		struct mc_err *err)
{
	uint8_t h[TXN_HDR];
	if (t->spill_fd >= 0)
		return add(t, at, 0, p, n, NULL, 0, NULL, 0, err);
	put_hdr(h, at, TXN_REF, n);
	if (buf_add(&t->buf, h, sizeof h) < 0 || buf_add(&t->buf, &p, sizeof p) < 0)
		return mc_oom(err, "buffering a transaction");
	if (t->refs == 0)
		t->first_ref = p;
	t->refs++;
	t->ref_bytes += n;
	/* spilled as if held in memory: the same bound on the pages of the
	 * mapping that the replay touches again */
	if (t->buf.len + t->ref_bytes > t->memory)
		return spill_start(t, err);
	return 0;
}

int txn_unref(struct bl_txn *t, struct mc_err *err)
{
	struct mc_buf nb = { 0 };
	if (t->refs == 0)
		return 0;
	for (size_t i = 0; i < t->buf.len;) {
		const uint8_t *h = (const uint8_t *)t->buf.p + i;
		uint32_t n = entry_len(h);
		int ref = (h[16] & TXN_REF) != 0;
		size_t at = nb.len;
		if (buf_add(&nb, h, TXN_HDR) < 0 || buf_add(&nb, entry_bytes(h, ref), n) < 0) {
			buf_free(&nb);
			return mc_oom(err, "buffering a transaction");
		}
		nb.p[at + 16] = (char)(h[16] & ~TXN_REF);
		i += TXN_HDR + (ref ? sizeof(const uint8_t *) : n);
	}
	buf_free(&t->buf);
	t->buf = nb;
	t->refs = 0;
	t->ref_bytes = 0;
	t->first_ref = NULL;
	return 0;
}

void txn_moved(struct bl_txn *t, uintptr_t delta)
{
	if (t->refs == 0 || delta == 0)
		return;
	for (size_t i = 0; i < t->buf.len;) {
		uint8_t *h = (uint8_t *)t->buf.p + i;
		uint32_t n = entry_len(h);
		if (h[16] & TXN_REF) {
			const uint8_t *a;
			memcpy(&a, h + TXN_HDR, sizeof a);
			a = (const uint8_t *)((uintptr_t)a + delta);
			memcpy(h + TXN_HDR, &a, sizeof a);
			i += TXN_HDR + sizeof(const uint8_t *);
		} else {
			i += TXN_HDR + n;
		}
	}
	t->first_ref = (const uint8_t *)((uintptr_t)t->first_ref + delta);
}

int txn_add_query(struct bl_txn *t, uint32_t when, struct mc_str db, struct mc_str sql,
		  const struct txn_at *at, struct mc_err *err)
{
	uint8_t h[8];
	for (int i = 0; i < 4; i++) {
		h[i] = (uint8_t)(when >> (8 * i));
		h[4 + i] = (uint8_t)(db.n >> (8 * i));
	}
	return add(t, at, TXN_QUERY, h, sizeof h, db.p, db.n, sql.p, sql.n, err);
}

/* Decode one entry (its bytes at p[0..n)) and hand it to fn. */
static int replay_one(struct bl_txn *t, struct bl_decoder *d, const uint8_t *p, uint32_t n,
		      const struct txn_at *at, int flags, txn_fn fn, void *ctx,
		      struct mc_err *err)
{
	struct bl_event ev;
	if (flags & TXN_QUERY) {
		uint32_t when = 0, dbn = 0;
		for (int i = 0; i < 4; i++) {
			when |= (uint32_t)p[i] << (8 * i);
			dbn |= (uint32_t)p[4 + i] << (8 * i);
		}
		memset(&ev, 0, sizeof ev);
		ev.type = BL_QUERY;
		ev.when = when;
		ev.db = mc_str_c((const char *)p + 8, dbn);
		ev.sql = mc_str_c((const char *)p + 8 + dbn, n - 8 - dbn);
	} else if (bl_decode_as(d, p, n, BL_AS_CHECKED | (at->inner ? BL_AS_INNER : 0), &ev,
				err) < 0) {
		t->bad_start = at->start;
		return -1;
	}
	return fn(ctx, &ev, at, err);
}

static int zin_full(struct zin *z, void *dst, size_t n, struct mc_err *err)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = zin_read(z, (char *)dst + got, n - got, err);
		if (r <= 0) {
			if (r == 0)
				mc_errf(err, MC_EXIT_DATA, "truncated");
			return spill_fail(err);
		}
		got += (size_t)r;
	}
	return 0;
}

/* The spilled entries, read back one at a time into t->buf. */
static int replay_spilled(struct bl_txn *t, struct bl_decoder *d, txn_fn fn, void *ctx,
			  struct mc_err *err)
{
	struct zin z;
	uint64_t done = 0;
	int rc = 0;
	if (zout_end(&t->spill, err) < 0)
		return spill_fail(err);
	zout_close(&t->spill);
	if (lseek(t->spill_fd, 0, SEEK_SET) < 0) {
		mc_errnof(err, errno, "seek");
		return spill_fail(err);
	}
	zin_init(&z, t->spill_fd);
	while (rc == 0 && done < t->spilled) {
		struct txn_at at;
		int flags;
		uint32_t n;
		t->buf.len = 0;
		if (buf_grow(&t->buf, TXN_HDR) < 0) {
			mc_oom(err, "reading back");
			rc = spill_fail(err);
			break;
		}
		if ((rc = zin_full(&z, t->buf.p, TXN_HDR, err)) < 0)
			break;
		get_hdr((const uint8_t *)t->buf.p, &at, &flags, &n);
		if (buf_grow(&t->buf, TXN_HDR + (size_t)n) < 0) {
			mc_oom(err, "reading back");
			rc = spill_fail(err);
			break;
		}
		if ((rc = zin_full(&z, t->buf.p + TXN_HDR, n, err)) < 0)
			break;
		rc = replay_one(t, d, (const uint8_t *)t->buf.p + TXN_HDR, n, &at, flags, fn, ctx, err);
		done += TXN_HDR + (uint64_t)n;
	}
	zin_close(&z);
	close(t->spill_fd);
	t->spill_fd = -1;
	t->spilled = 0;
	t->buf.len = 0;
	return rc;
}

int txn_replay(struct bl_txn *t, struct bl_decoder *d, txn_fn fn, void *ctx, struct mc_err *err)
{
	int rc = 0;
	t->bad_start = UINT64_MAX;
	if (t->spill_fd >= 0) {
		rc = replay_spilled(t, d, fn, ctx, err);
	} else {
		for (size_t i = 0; rc == 0 && i < t->buf.len;) {
			const uint8_t *h = (const uint8_t *)t->buf.p + i;
			struct txn_at at;
			int flags;
			uint32_t n;
			get_hdr(h, &at, &flags, &n);
			rc = replay_one(t, d, entry_bytes(h, flags & TXN_REF), n, &at, flags, fn, ctx,
					err);
			i += TXN_HDR + ((flags & TXN_REF) ? sizeof(const uint8_t *) : (size_t)n);
		}
	}
	txn_discard(t);
	return rc;
}

uint64_t txn_mark(const struct bl_txn *t)
{
	return t->spill_fd >= 0 ? UINT64_MAX : t->buf.len;
}

int txn_cut(struct bl_txn *t, uint64_t mark)
{
	if (mark == UINT64_MAX || t->spill_fd >= 0 || mark > t->buf.len)
		return -1;
	/* the entries held by reference past the mark no longer count */
	for (size_t i = (size_t)mark; i < t->buf.len;) {
		const uint8_t *h = (const uint8_t *)t->buf.p + i;
		uint32_t n = entry_len(h);
		int ref = (h[16] & TXN_REF) != 0;
		if (ref) {
			t->refs--;
			t->ref_bytes -= n;
		}
		i += TXN_HDR + (ref ? sizeof(const uint8_t *) : n);
	}
	t->buf.len = (size_t)mark;
	if (t->refs == 0)
		t->first_ref = NULL;
	return 0;
}

void txn_discard(struct bl_txn *t)
{
	spill_drop(t);
	t->buf.len = 0;
	t->refs = 0;
	t->ref_bytes = 0;
	t->first_ref = NULL;
	if (t->buf.cap > (16u << 20))
		buf_free(&t->buf);
}

void txn_free(struct bl_txn *t)
{
	spill_drop(t);
	buf_free(&t->buf);
}

static long xa_find(const struct txn_xa *x, const char *id)
{
	for (size_t i = 0; i < x->n; i++)
		if (strcasecmp(x->v[i].id, id) == 0)
			return (long)i;
	return -1;
}

int txn_xa_hold(struct txn_xa *x, const char *id, struct bl_txn *t, struct mc_err *err)
{
	struct txn_held *h;
	/* held across files: the bytes are copied out of the file's mapping */
	if (txn_unref(t, err) < 0)
		return -1;
	if (mc_push(&x->v, &x->n, &x->cap, sizeof *x->v) < 0)
		return mc_oom(err, "XA transactions");
	h = &x->v[x->n - 1];
	snprintf(h->id, sizeof h->id, "%s", id);
	h->txn = *t;
	txn_init(t, h->txn.memory, h->txn.name);
	return 0;
}

int txn_xa_take(struct txn_xa *x, const char *id, struct bl_txn *t)
{
	long k = xa_find(x, id);
	if (k < 0)
		return 0;
	txn_free(t);
	*t = x->v[k].txn;
	x->v[k] = x->v[--x->n];
	return 1;
}

void txn_xa_drop(struct txn_xa *x, const char *id)
{
	long k = xa_find(x, id);
	if (k < 0)
		return;
	txn_free(&x->v[k].txn);
	x->v[k] = x->v[--x->n];
}

void txn_xa_free(struct txn_xa *x)
{
	for (size_t i = 0; i < x->n; i++)
		txn_free(&x->v[i].txn);
	free(x->v);
	memset(x, 0, sizeof *x);
}
