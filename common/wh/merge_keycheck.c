/* merge_keycheck.c: a key declared with --key, checked over the log
 * (merge_keycheck.h, docs/mc-merge.md "--key"). */
#include "wh/merge_keycheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "stream/text.h"
#include "wh/merge.h"

/* An event's record in the merger: its kind and position. The merger's
 * own position is the complement, so that its order (position descending)
 * gives the events in position order, a base row (at 0) first. */
struct kev {
	uint8_t kind;
	struct mc_pos pos;
};
#define KEV_LEN (1 + 3 * 8)

struct keycheck {
	struct merger *m;
	struct merge_iter *it;
	int started, stop;
	/* the next event of the iterator (has), its key in nkey */
	int has;
	struct mc_buf nkey;
	struct kev next;
	/* the key whose events are being run, and its state */
	struct mc_buf key;
	int has_key, live, has_floor, has_last, live_base;
	struct mc_pos floor, last, livepos;
	/* the last key of keycheck_base */
	struct mc_buf bkey;
	int has_bkey;
	/* the first conflict */
	int conflict;
	struct mc_buf ckey;
	struct mc_pos first, second;
	int first_base;
};

struct keycheck *keycheck_new(uint64_t memory, const char *tmpdir, const char *name,
			      struct mc_err *err)
{
	struct keycheck *kc = calloc(1, sizeof *kc);
	if (!kc) {
		mc_oom(err, "key check");
		return NULL;
	}
	if (!(kc->m = merger_new(memory, tmpdir, err))) {
		free(kc);
		return NULL;
	}
	merger_keep_all(kc->m);
	if (name)
		merger_tmp_name(kc->m, name);
	return kc;
}

static void put64(char *p, uint64_t u)
{
	for (int i = 0; i < 8; i++)
		p[i] = (char)(u >> (56 - 8 * i));
}

static uint64_t get64(const char *p)
{
	uint64_t u = 0;
	for (int i = 0; i < 8; i++)
		u = u << 8 | (unsigned char)p[i];
	return u;
}

int keycheck_add(struct keycheck *kc, const char *key, size_t klen, const struct mc_pos *pos,
		 int kind, struct mc_err *err)
{
	char rec[KEV_LEN];
	struct mc_pos inv = { ~pos->file, ~pos->off, ~pos->row };
	if (kind == KC_BASE)
		inv.file = inv.off = inv.row = UINT64_MAX;
	rec[0] = (char)kind;
	put64(rec + 1, pos->file);
	put64(rec + 9, pos->off);
	put64(rec + 17, pos->row);
	return merger_add(kc->m, key, klen, &inv, kind != KC_BASE, 1, rec, sizeof rec, err);
}

/* The iterator's next event into kc->next (has). */
static int pull(struct keycheck *kc, struct mc_err *err)
{
	const char *k, *r;
	size_t klen, rlen;
	int rc = merger_iter_next(kc->it, &k, &klen, &r, &rlen, err);
	kc->has = 0;
	if (rc <= 0)
		return rc;
	if (rlen != KEV_LEN)
		return mc_errf(err, MC_EXIT_DATA, "key check: a malformed event");
	kc->nkey.len = 0;
	if (buf_add(&kc->nkey, k, klen) < 0)
		return mc_oom(err, "key check");
	kc->next.kind = (uint8_t)r[0];
	kc->next.pos.file = get64(r + 1);
	kc->next.pos.off = get64(r + 9);
	kc->next.pos.row = get64(r + 17);
	kc->has = 1;
	return 1;
}

int keycheck_start(struct keycheck *kc, struct mc_err *err)
{
	if (!(kc->it = merger_iter(kc->m, err)))
		return -1;
	kc->started = 1;
	return pull(kc, err);
}

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

/* One event of key k, in position order. */
static int event(struct keycheck *kc, const char *k, size_t klen, int kind,
		 const struct mc_pos *pos, struct mc_err *err)
{
	if (kc->stop)
		return 0;
	if (!kc->has_key || key_cmp(k, klen, kc->key.p, kc->key.len) != 0) {
		kc->key.len = 0;
		if (buf_add(&kc->key, k, klen) < 0)
			return mc_oom(err, "key check");
		kc->has_key = 1;
		kc->live = kc->has_floor = kc->has_last = 0;
	}
	if (kind == KC_BASE) {
		if (kc->has_floor) { /* two base rows: the merge says so itself */
			kc->stop = 1;
			return 0;
		}
		kc->live = kc->has_floor = kc->live_base = 1;
		kc->floor = kc->livepos = *pos;
		return 0;
	}
	/* in the base row already, or one record read twice */
	if ((kc->has_floor && pos_cmp(pos, &kc->floor) <= 0) ||
	    (kc->has_last && pos_cmp(pos, &kc->last) == 0))
		return 0;
	kc->has_last = 1;
	kc->last = *pos;
	switch (kind) {
	case KC_ADD:
		if (kc->live) {
			kc->conflict = kc->stop = 1;
			kc->first = kc->livepos;
			kc->first_base = kc->live_base;
			kc->second = *pos;
			kc->ckey.len = 0;
			if (buf_add(&kc->ckey, k, klen) < 0)
				return mc_oom(err, "key check");
			return 0;
		}
		/* fall through */
	case KC_KEEP:
		if (!kc->live) {
			kc->live = 1;
			kc->live_base = 0;
			kc->livepos = *pos;
		}
		return 0;
	default:
		kc->live = 0;
		return 0;
	}
}

/* The iterator's events of keys below k (all: k NULL), or up to and with k
 * (with: 1). */
static int drain(struct keycheck *kc, const char *k, size_t klen, int with, struct mc_err *err)
{
	while (kc->has && !kc->stop) {
		int c = k ? key_cmp(kc->nkey.p, kc->nkey.len, k, klen) : -1;
		if (c > 0 || (c == 0 && !with))
			return 0;
		if (event(kc, kc->nkey.p, kc->nkey.len, kc->next.kind, &kc->next.pos, err) < 0 ||
		    pull(kc, err) < 0)
			return -1;
	}
	return 0;
}

int keycheck_base(struct keycheck *kc, const char *key, size_t klen, const struct mc_pos *pos,
		  struct mc_err *err)
{
	if (kc->stop)
		return 0;
	if (kc->has_bkey && key_cmp(key, klen, kc->bkey.p, kc->bkey.len) <= 0)
		return 0;
	kc->bkey.len = 0;
	if (buf_add(&kc->bkey, key, klen) < 0)
		return mc_oom(err, "key check");
	kc->has_bkey = 1;
	/* the keys before it, then its base row, then its changes */
	if (drain(kc, key, klen, 0, err) < 0 || event(kc, key, klen, KC_BASE, pos, err) < 0)
		return -1;
	return drain(kc, key, klen, 1, err);
}

int keycheck_end(struct keycheck *kc, struct mc_err *err)
{
	if (!kc->started && keycheck_start(kc, err) < 0)
		return -1;
	if (drain(kc, NULL, 0, 1, err) < 0)
		return -1;
	return kc->conflict;
}

void keycheck_conflict(const struct keycheck *kc, const char **key, size_t *klen,
		       struct mc_pos *first, int *first_base, struct mc_pos *second)
{
	*key = kc->ckey.p;
	*klen = kc->ckey.len;
	*first = kc->first;
	*first_base = kc->first_base;
	*second = kc->second;
}

void keycheck_free(struct keycheck *kc)
{
	if (!kc)
		return;
	merger_iter_free(kc->it);
	merger_free(kc->m);
	buf_free(&kc->nkey);
	buf_free(&kc->key);
	buf_free(&kc->bkey);
	buf_free(&kc->ckey);
	free(kc);
}

/* ---- the key as text ---- */

int keycheck_key_text(struct mc_buf *b, const char *k, size_t n)
{
	size_t i = 0;
	int first = 1;
	while (i < n) {
		struct mc_val v;
		struct mc_buf s = { 0 };
		unsigned char tag = (unsigned char)k[i++];
		int rc = 0;
		memset(&v, 0, sizeof v);
		if (tag == 0) {
			v.kind = MC_V_NULL;
		} else if (tag >= 0x10 && tag <= 0x21) {
			uint64_t u;
			if (n - i < 8)
				return buf_adds(b, "?");
			u = get64(k + i);
			i += 8;
			if (tag == 0x10) {
				v.kind = MC_V_INT;
				v.v.i = (int64_t)(u ^ (1ull << 63));
			} else if (tag == 0x11) {
				v.kind = MC_V_UINT;
				v.v.u = u;
			} else if (tag == 0x20) {
				uint32_t w = (uint32_t)u;
				w = (w & 0x80000000u) ? w & 0x7fffffffu : ~w;
				v.kind = MC_V_F32;
				memcpy(&v.v.f32, &w, 4);
			} else {
				u = (u >> 63) ? u & ~(1ull << 63) : ~u;
				v.kind = MC_V_F64;
				memcpy(&v.v.f64, &u, 8);
			}
		} else if (tag >= 0x30 && tag < 0x30 + MC_V_NKINDS) {
			/* escaped bytes up to 0 0 */
			v.kind = (uint8_t)(tag - 0x30);
			while (i < n && rc == 0) {
				if (k[i] == 0 && i + 1 < n && k[i + 1] == 0) {
					i += 2;
					break;
				}
				rc = buf_addc(&s, k[i]);
				i += k[i] == 0 ? 2 : 1;
			}
			v.v.s.p = s.p ? s.p : "";
			v.v.s.n = s.len;
		} else {
			return buf_adds(b, "?");
		}
		if (rc == 0 && !first)
			rc = buf_adds(b, ", ");
		if (rc == 0)
			rc = text_val(b, &v);
		buf_free(&s);
		if (rc < 0)
			return -1;
		first = 0;
	}
	return 0;
}
