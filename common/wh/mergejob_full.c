/* mergejob_full.c: a merged row carries every column's value. A change
 * from a MINIMAL row image holds only some columns (the others absent);
 * when such a change wins its key, the merge stops (docs/merge.md "Absent
 * values") instead of writing a row with absent values, which no partition
 * or snapshot may hold: it does not take them from older images. */
#include <string.h>

#include "base/alloc.h"
#include "stream/text.h"
#include "wh/merge.h"
#include "wh/mergejob_int.h"

static int has_absent_bytes(const char *p, size_t n)
{
	const char *e = p + n, *q = p;
	while (e - q >= 3 && (q = memchr(q, 0xc7, (size_t)(e - q - 2))) != NULL) {
		if (q[1] == 0 && q[2] == 0)
			return 1;
		q++;
	}
	return 0;
}

int mj_row_full(struct mergejob *j, const char *rec, size_t rlen, struct mc_err *err)
{
	/* An absent value is encoded as ext 0 of no bytes (c7 00 00): rows
	 * without those three bytes hold none, and are not decoded. */
	if (!has_absent_bytes(rec, rlen))
		return 0;
	const struct mc_rec *s = &j->schema.rec;
	struct mc_rec r;
	size_t used, c;
	if (rec_decode(rec, rlen, 0, &used, &r, &j->ksc, err) != 1)
		return mc_errctx(err, "a merged row: ");
	for (c = 0; c < r.nafter && r.after[c].kind != MC_V_ABSENT; c++)
		;
	if (c == r.nafter)
		return 0;
	struct mc_buf vals = { 0 };
	char p[64];
	int bad = 0;
	for (size_t k = 0; k < j->nkey && !bad; k++)
		bad = (k && buf_add(&vals, ", ", 2) < 0) ||
		      (j->keycols[k] < r.nafter && text_val(&vals, &r.after[j->keycols[k]]) < 0);
	if (bad) {
		buf_free(&vals);
		return mc_oom(err, "message");
	}
	pos_format(&r.pos, p, sizeof p);
	mc_errf(err, MC_EXIT_DATA,
		"table '%s': key (%.*s): the change at position %s wins the key with column '%.*s' "
		"absent from its row image (binlog_row_image=MINIMAL or NOBLOB); a merged row needs every "
		"column's value and mc-merge does not take it from older images: set "
		"binlog_row_image=FULL on the source and load a new snapshot",
		j->o.table, (int)vals.len, vals.p ? vals.p : "", p,
		c < s->ncols ? (int)s->cols[c].name.n : 1, c < s->ncols ? s->cols[c].name.p : "?");
	buf_free(&vals);
	return -1;
}
