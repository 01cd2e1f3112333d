/* tail_xa.c: XA transactions. A prepared (two-phase) transaction's rows
 * are in its XA PREPARE's event group; its XA COMMIT, later, is written
 * from them. While one is held, every heartbeat and txn_end mark says in
 * its field 'resume' that a rerun must start no later than the oldest held
 * one's event group (docs/record-format.md "4 mark"), so that the sink's
 * checkpoint keeps the PREPARE readable. An XA COMMIT whose PREPARE lies
 * before the start (--from, --start, a checkpoint's resume from an older
 * sink, the first file's start) has no rows to write: refused, never
 * passed over (docs/mc-binlog-tail.md "XA transactions"). On files, the
 * events before --from are read for the PREPAREs still open at it, to name
 * where. */
#include "engine/tail_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"

void tail_xa_id(const char *s, size_t n, size_t skip, char *out, size_t outsz)
{
	size_t a = skip, b = n;
	while (a < n && (s[a] == ' ' || s[a] == '\t'))
		a++;
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == ';'))
		b--;
	if (b - a >= 10 && strncasecmp(s + b - 9, "ONE PHASE", 9) == 0)
		for (b -= 9; b > a && s[b - 1] == ' '; b--)
			;
	if (b - a >= outsz)
		b = a + outsz - 1;
	memcpy(out, s + a, b - a);
	out[b - a] = 0;
}

int tail_xa_prepared_id(const struct bl_event *ev, char *out, size_t outsz)
{
	static const char hx[] = "0123456789abcdef";
	const uint8_t *b = ev->body;
	uint32_t fmt, gl, bl;
	size_t k = 0;
	if (ev->body_len < 13 || b[0])
		return -1;
	fmt = (uint32_t)b[1] | (uint32_t)b[2] << 8 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 24;
	gl = (uint32_t)b[5] | (uint32_t)b[6] << 8 | (uint32_t)b[7] << 16 | (uint32_t)b[8] << 24;
	bl = (uint32_t)b[9] | (uint32_t)b[10] << 8 | (uint32_t)b[11] << 16 | (uint32_t)b[12] << 24;
	if (gl > 64 || bl > 64 || 13 + (size_t)gl + bl > ev->body_len || 2 * ((size_t)gl + bl) + 20 > outsz)
		return -1;
	out[k++] = 'X';
	out[k++] = '\'';
	for (uint32_t i = 0; i < gl; i++) {
		out[k++] = hx[b[13 + i] >> 4];
		out[k++] = hx[b[13 + i] & 15];
	}
	memcpy(out + k, "',X'", 4);
	k += 4;
	for (uint32_t i = 0; i < bl; i++) {
		out[k++] = hx[b[13 + gl + i] >> 4];
		out[k++] = hx[b[13 + gl + i] & 15];
	}
	snprintf(out + k, outsz - k, "',%u", fmt);
	return 0;
}

int tail_xa_before(struct tail *T, const struct bl_event *ev, uint64_t open, uint64_t start,
		   struct mc_err *err)
{
	struct tail_xa_open *x;
	char id[300];
	size_t k;
	if (ev->type == BL_XA_PREPARE) {
		if (tail_xa_prepared_id(ev, id, sizeof id) < 0)
			return 0;
		if (mc_push(&T->xa_before, &T->nxa_before, &T->cap_xa_before,
			    sizeof *T->xa_before) < 0)
			return mc_oom(err, "XA transactions");
		x = &T->xa_before[T->nxa_before - 1];
		snprintf(x->id, sizeof x->id, "%s", id);
		x->began = open ? open : start;
		x->prepare = start;
		return 0;
	}
	/* a QUERY: XA COMMIT / XA ROLLBACK resolve one */
	if (ev->sql.n > 10 && strncasecmp(ev->sql.p, "XA COMMIT", 9) == 0)
		tail_xa_id(ev->sql.p, ev->sql.n, 9, id, sizeof id);
	else if (ev->sql.n > 12 && strncasecmp(ev->sql.p, "XA ROLLBACK", 11) == 0)
		tail_xa_id(ev->sql.p, ev->sql.n, 11, id, sizeof id);
	else
		return 0;
	for (k = 0; k < T->nxa_before; k++)
		if (strcasecmp(T->xa_before[k].id, id) == 0) {
			T->xa_before[k] = T->xa_before[--T->nxa_before];
			break;
		}
	return 0;
}

int tail_xa_unread(struct tail *T, const char *id, uint64_t start, struct mc_err *err)
{
	const struct tail_opts *o = T->o;
	char from[600], prep[200] = "", what[64];
	/* a position the user gave: --from past 4, --start, --start-gtid */
	int user = o->live ? T->start_user : o->from_file && o->from_pos > 4;
	if (T->have_start)
		snprintf(from, sizeof from, "%" PRIu64 ":%" PRIu64, T->start_seq, T->start_off);
	else
		snprintf(from, sizeof from, "GTID set %.500s", T->live_gtid ? T->live_gtid : "?");
	snprintf(what, sizeof what, "%s",
		 o->live ? (user ? (o->start_gtid ? "--start-gtid" : "--start")
				 : o->ckpt_in ? "the checkpoint's resume" : "the start")
			 : user ? "--from" : o->ckpt_in ? "the checkpoint's resume"
				: "the first file's start");
	for (size_t k = 0; k < T->nxa_before; k++)
		if (strcasecmp(T->xa_before[k].id, id) == 0)
			snprintf(prep, sizeof prep, " (at offset %" PRIu64 ", its XA PREPARE "
				 "at offset %" PRIu64 ")",
				 T->xa_before[k].began, T->xa_before[k].prepare);
	mc_errf(err, user ? MC_EXIT_USAGE : MC_EXIT_DATA,
		"XA COMMIT %s at %" PRIu64 ":%" PRIu64 " commits a transaction prepared before "
		"the stream's start %s (%s): its rows, in its XA PREPARE's event group%s, were "
		"not read: start at or before that group (%s)", id, T->fileseq, start, from, what,
		prep, o->live ? "without --checkpoint-in, --start=FILE:POS; SHOW BINLOG EVENTS "
			"shows it: what the sink committed is dropped again by position"
			: "an earlier --from, or the file before");
	return tail_data_error(T, start, err);
}

/* The prepared transaction id is no longer held. */
static void held_drop(struct tail *T, const char *id)
{
	for (size_t k = 0; k < T->nxa_held; k++)
		if (strcasecmp(T->xa_held[k].id, id) == 0) {
			memmove(&T->xa_held[k], &T->xa_held[k + 1],
				(T->nxa_held - k - 1) * sizeof *T->xa_held);
			T->nxa_held--;
			return;
		}
}

void tail_xa_resume(const struct tail *T, struct mc_rec *r)
{
	struct mc_pos lo;
	if (!T->nxa_held)
		return;
	/* held in the order read: the first is the oldest */
	lo.file = T->xa_held[0].seq;
	lo.off = T->xa_held[0].off;
	lo.row = 0;
	if (pos_cmp(&lo, &r->pos) >= 0)
		return;
	r->has_resume = 1;
	r->resume = lo;
}

int tail_xa_query(struct tail *T, const struct bl_event *ev, const char *s, size_t n,
		  const struct txn_at *at, struct mc_err *err)
{
	uint64_t off = at->off;
	int inner = at->inner;
	char id[300];
	if (n > 9 && strncasecmp(s, "XA START", 8) == 0) {
		if (tail_began(T, "XA START", at->start, err) < 0)
			return -1;
		tail_xa_id(s, n, 8, T->xa_id, sizeof T->xa_id);
		return 0;
	}
	if (n > 10 && strncasecmp(s, "XA COMMIT", 9) == 0) {
		int rc;
		tail_xa_id(s, n, 9, id, sizeof id);
		if (T->in_txn && strcmp(id, T->xa_id) == 0) /* XA COMMIT ... ONE PHASE */
			return tail_commit(T, off, inner, ev->when, err);
		if (!txn_xa_take(&T->xa, id, &T->txn)) /* prepared before the start */
			return tail_xa_unread(T, id, at->start, err);
		held_drop(T, id); /* its txn_end mark resumes past it */
		T->in_txn = 0;
		T->force_off = off;
		T->last_payload = 0;
		rc = tail_commit(T, off, 1, ev->when, err);
		T->force_off = 0;
		return rc;
	}
	if (n > 12 && strncasecmp(s, "XA ROLLBACK", 11) == 0) {
		tail_xa_id(s, n, 11, id, sizeof id);
		txn_xa_drop(&T->xa, id);
		held_drop(T, id);
		if (T->in_txn && strcmp(id, T->xa_id) == 0)
			tail_txn_forget(T);
		T->gtid[0] = 0;
		return 0;
	}
	/* XA END, XA PREPARE (a statement: the event follows), XA RECOVER */
	return 0;
}

/* XA_PREPARE event: one phase commits now; two phases wait for XA COMMIT.
 * Its body: one_phase (1), formatID (4), gtrid length (4), bqual length
 * (4), gtrid and bqual; the transaction is held under the text the server
 * writes in XA COMMIT: X'gtrid',X'bqual',formatID, and where its event
 * group began: the GTID event before its XA START (MySQL's comes before the
 * transaction's start, MariaDB's is it), else the XA START. */
int tail_xa_prepare(struct tail *T, const struct bl_event *ev, uint64_t off, int inner,
		    struct mc_err *err)
{
	struct tail_xa_held *h;
	if (!T->in_txn)
		return 0;
	if (ev->body_len >= 1 && ev->body[0])
		return tail_commit(T, off, inner, ev->when, err);
	if (tail_xa_prepared_id(ev, T->xa_id, sizeof T->xa_id) < 0)
		return 0;
	if (txn_xa_hold(&T->xa, T->xa_id, &T->txn, err) < 0)
		return -1;
	T->nsp = 0; /* its savepoints went with it (tail_sp.c) */
	T->sp_lost = NULL;
	held_drop(T, T->xa_id); /* an id prepared again after an unseen end */
	if (mc_push(&T->xa_held, &T->nxa_held, &T->cap_xa_held, sizeof *T->xa_held) < 0)
		return mc_oom(err, "XA transactions");
	h = &T->xa_held[T->nxa_held - 1];
	snprintf(h->id, sizeof h->id, "%s", T->xa_id);
	h->seq = T->fileseq;
	h->off = T->gtid[0] && T->gtid_off < T->txn_start ? T->gtid_off : T->txn_start;
	T->in_txn = 0;
	T->xa_id[0] = 0;
	T->gtid[0] = 0;
	return 0;
}

void tail_xa_free(struct tail *T)
{
	free(T->xa_before);
	T->xa_before = NULL;
	T->nxa_before = T->cap_xa_before = 0;
	free(T->xa_held);
	T->xa_held = NULL;
	T->nxa_held = T->cap_xa_held = 0;
}
