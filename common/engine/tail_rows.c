/* tail_rows.c: the row records of a rows event packed in place: the
 * values go from the binlog's row images to the output buffer with no
 * array of values in between (bl_row_pack), in the bytes tail_emit writes
 * for the same records (fuzz/fuzz_binlog.c holds the two to it). */
#include "engine/tail_int.h"

#include "stream/recpack.h"

int tail_rows_packed(struct tail *T, struct bl_event *ev, struct mc_rec *r, uint64_t off,
		     uint64_t start, struct mc_err *err)
{
	size_t room = 64 + r->db.n + r->table.n + 20 * (size_t)ev->table->ncols;
	char shared[640]; /* the bytes the records share, once packed */
	size_t nshared = 0;
	uint64_t first = T->rowctr;
	int rc;
	r->pos.file = T->fileseq;
	r->pos.off = off;
	for (;;) {
		struct rp k;
		r->pos.row = T->rowctr;
		if (T->head_due && tail_head(T, err) < 0)
			return -1;
		if (rio_pack_begin(&T->w, &k, room, err) < 0)
			return tail_write_fail(err);
		if (nshared) {
			rp_put(&k, shared, nshared);
		} else {
			size_t at = (size_t)(k.w - k.b->p);
			rp_row_shared(&k, r);
			if (!k.failed && (size_t)(k.w - k.b->p) - at <= sizeof shared) {
				nshared = (size_t)(k.w - k.b->p) - at;
				memcpy(shared, k.b->p + at, nshared);
			}
		}
		rp_row_pos(&k, r);
		if ((rc = bl_row_pack(&T->d, ev, &k, err)) <= 0) {
			rp_abort(&k);
			break;
		}
		if (rio_pack_end(&T->w, &k, err) < 0)
			rc = -2;
		else
			T->rowctr++;
		if (rc < 0)
			break;
	}
	if (T->rowctr > first) { /* the rows written: the last one's position */
		T->stats.records += T->rowctr - first;
		r->pos.row = T->rowctr - 1;
		tail_wrote(T, r);
	}
	if (rc == -2)
		return tail_write_fail(err);
	return rc < 0 ? tail_data_error(T, start, err) : 0;
}
