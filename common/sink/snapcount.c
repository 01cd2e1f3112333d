/* Snapshot rows kept or dropped by count (docs/mc-tunnel-put.md "Streams
 * of other writers"): the rows of a stream without labelled chunks (no
 * chunk marks at all, or labels other than "(LO, HI]") are counted per
 * table, with a hash of them; the ledger keeps, per table, how many were
 * committed and their hash (LEDGER_K_SNAPROWS). A rerun of the same input
 * drops the rows below the count and checks, at the count, that they hash
 * the same; any other input of the table is refused (exit 1) rather than
 * skipped. A table of a ledger older than these counts, which that ledger
 * named, goes by the old count of every table's rows (snapshot_legacy). */
#include <stdio.h>
#include <string.h>

#include "sink/sink_int.h"
#include "stream/crc32c.h"

#define HASH_START 0xcbf29ce484222325ULL
#define HASH_MUL 0x9e3779b97f4a7c15ULL

/* The running hash h with one record's bytes: the record's CRC-32C (the
 * CPU's crc32 instruction, tens of GB/s) and length mixed into h. A
 * byte-at-a-time hash cost 0.06 to 0.08 CPU s per 300,000 rows (66 MB),
 * a fifth of a load's. */
static uint64_t hash_add(uint64_t h, const unsigned char *p, size_t n)
{
	h ^= (uint64_t)crc32c(0, p, n) | (uint64_t)n << 32;
	h *= HASH_MUL;
	return h ^ h >> 29;
}

/* What the ledger holds of t's count, once per run. */
static void cnt_init(struct sink *s, struct sink_tab *t)
{
	if (t->cnt_init)
		return;
	t->cnt_init = 1;
	t->hash = HASH_START;
	/* malformed values were refused when the ledger was read */
	t->has_cnt = ledger_snaprows_get(&s->L, t->key, &t->cnt_n, &t->cnt_h) > 0;
	if (!t->has_cnt)
		t->cnt_n = t->cnt_h = 0;
	t->legacy = !t->has_cnt && t->named && s->L.snapshot_legacy > 0;
}

static const char *kind(const struct sink *s)
{
	return sink_local(s) ? "warehouse" : "destination";
}

int sink_cnt_row(struct sink *s, const struct rio_reader *rd, const struct mc_rec *r,
		 struct sink_tab *t, struct mc_err *err)
{
	if (s->labelled)
		return 0;
	cnt_init(s, t);
	/* the rows below the count were dropped as repeats: they must be
	 * the ones committed */
	if (t->has_cnt && t->cnt_n && t->n_read == t->cnt_n && t->hash != t->cnt_h)
		return mc_errf(err, MC_EXIT_DATA,
			       "record %llu: the first %llu snapshot rows of '%s.%s' differ from "
			       "the %llu this %s committed of the table from another input "
			       "(ledger key " LEDGER_K_SNAPROWS "%s): another snapshot of it, "
			       "which this %s cannot take in place of that one; nothing of it is "
			       "taken: feed the input fed before to finish that one, or load this "
			       "one into a new %s",
			       (unsigned long long)rd->recno, (unsigned long long)t->n_read, t->db,
			       t->table, (unsigned long long)t->cnt_n, kind(s), t->key, kind(s),
			       kind(s));
	if (rd->fmt == RIO_MCR && !s->mdest) {
		size_t n;
		const char *raw = rio_raw(rd, &n);
		t->hash = hash_add(t->hash, (const unsigned char *)raw, n);
	} else {
		/* the same bytes as the record's in a record stream */
		s->cnt_buf.len = 0;
		if (rec_encode(&s->cnt_buf, r, err) < 0)
			return -1;
		t->hash = hash_add(t->hash, (const unsigned char *)s->cnt_buf.p, s->cnt_buf.len);
	}
	t->n_read++;
	return 0;
}

int sink_cnt_cut(struct sink *s, struct sink_tab *t)
{
	if (s->labelled)
		return 0;
	cnt_init(s, t);
	if (t->legacy)
		return s->snap_seen == s->skip_snap && !ledger_chain_get(&s->L, t->key);
	return t->has_cnt && t->n_read == t->cnt_n;
}

int sink_cnt_repeat(struct sink *s, struct sink_tab *t)
{
	cnt_init(s, t);
	return t->legacy ? t->open_start < s->skip_snap : t->open_n < t->cnt_n;
}

int sink_cnt_done(struct sink *s, const struct sink_tab *t, struct mc_err *err)
{
	char had[96];
	if (t->has_cnt)
		snprintf(had, sizeof had, "%llu rows without labelled chunks",
			 (unsigned long long)t->cnt_n);
	else
		snprintf(had, sizeof had, "%s", t->legacy ? "counted by an older version"
							  : "of labelled chunks");
	return mc_errf(err, MC_EXIT_DATA,
		       "snapshot row %llu of '%s.%s' is past the snapshot of the table this %s "
		       "holds complete (%s): another snapshot of it, which this %s cannot take "
		       "in place of that one; nothing of it is taken: load it into a new %s",
		       (unsigned long long)t->open_n + 1, t->db,
		       t->table, kind(s), had, kind(s), kind(s));
}

int sink_cnt_keep(struct sink *s, struct sink_tab *t, struct mc_err *err)
{
	uint64_t n, h;
	if (s->labelled)
		return 0;
	cnt_init(s, t);
	if (ledger_snaprows_get(&s->L, t->key, &n, &h) > 0 && n >= t->n_read)
		return 0;
	return ledger_snaprows_set(&s->L, t->key, t->n_read, t->hash, err);
}

int sink_cnt_end(struct sink *s, const struct rio_reader *rd, struct sink_tab *t,
		 struct mc_err *err)
{
	if (s->labelled || !t->snap_in_stream)
		return 0;
	cnt_init(s, t);
	if (t->legacy || !t->has_cnt || t->n_read > t->cnt_n ||
	    (t->n_read == t->cnt_n && t->hash == t->cnt_h))
		return 0;
	return mc_errf(err, MC_EXIT_DATA,
		       "record %llu: the snapshot of '%s.%s' ends after %llu rows, %s the %llu "
		       "this %s committed of the table from another input (ledger key "
		       LEDGER_K_SNAPROWS "%s): another snapshot of it, which this %s cannot take "
		       "in place of that one; nothing of it is taken: feed the input fed before "
		       "to finish that one, or load this one into a new %s",
		       (unsigned long long)rd->recno, t->db, t->table,
		       (unsigned long long)t->n_read,
		       t->n_read < t->cnt_n ? "below" : "which differ from",
		       (unsigned long long)t->cnt_n, kind(s), t->key, kind(s), kind(s));
}
