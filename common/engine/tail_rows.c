/* tail_rows.c: the row records of a rows event packed in place: the
 * values go from the binlog's row images to the output buffer with no
 * array of values in between (bl_row_pack), in the bytes tail_emit writes
 * for the same records (fuzz/fuzz_binlog.c holds the two to it). The
 * records follow each other in one packing of the writer's buffer, ended
 * (counted, and the buffer written when it is full) every BATCH bytes, or
 * where the room for the next record's fixed part runs short. */
#include "engine/tail_int.h"

#include "stream/recpack.h"

#define BATCH (64 * 1024)

int tail_rows_packed(struct tail *T, struct bl_event *ev, struct mc_rec *r, uint64_t off,
		     uint64_t start, struct mc_err *err)
{
	size_t room = 64 + r->db.n + r->table.n + 20 * (size_t)ev->table->ncols;
	char shared[640] = { 0 }; /* the bytes the records share, once packed */
	size_t nshared = 0;
	uint64_t first = T->rowctr, nb = 0;
	struct rp k;
	int rc, open = 0;
	r->pos.file = T->fileseq;
	r->pos.off = off;
	if (T->head_due && tail_head(T, err) < 0)
		return -1;
	for (;;) {
		size_t at;
		if (open && (k.failed || (size_t)(k.end - k.w) < room ||
			     (size_t)(k.w - k.b->p) - k.start >= BATCH)) {
			open = 0;
			if (rio_pack_endn(&T->w, &k, nb, err) < 0) {
				rc = -2;
				break;
			}
		}
		if (!open) {
			if (rio_pack_begin(&T->w, &k, room, err) < 0) {
				rc = -2;
				break;
			}
			open = 1;
			nb = 0;
		}
		if (nshared) {
			size_t n = bl_pack_rows(&T->d, ev, &k, shared, nshared, T->rowctr, r->time,
						k.start + BATCH);
			if (n) {
				nb += n;
				T->rowctr += n;
				continue;
			}
		}
		at = (size_t)(k.w - k.b->p);
		r->pos.row = T->rowctr;
		if (nshared > 0 && nshared <= 64) {
			memcpy(k.w, shared, 64); /* room >= 64: one fixed-size copy */
			k.w += nshared;
		} else if (nshared) {
			rp_put(&k, shared, nshared);
		} else {
			rp_row_shared(&k, r);
			if (!k.failed && (size_t)(k.w - k.b->p) - at <= sizeof shared) {
				nshared = (size_t)(k.w - k.b->p) - at;
				memcpy(shared, k.b->p + at, nshared);
			}
		}
		rp_row_pos(&k, r);
		if ((rc = bl_row_pack(&T->d, ev, &k, err)) <= 0) {
			k.w = k.b->p + at; /* this record dropped, those before kept */
			break;
		}
		nb++;
		T->rowctr++;
	}
	if (open && rio_pack_endn(&T->w, &k, nb, err) < 0)
		rc = -2;
	if (T->rowctr > first) { /* the rows written: the last one's position */
		T->stats.records += T->rowctr - first;
		r->pos.row = T->rowctr - 1;
		tail_wrote(T, r);
	}
	if (rc == -2)
		return tail_write_fail(err);
	return rc < 0 ? tail_data_error(T, start, err) : 0;
}
