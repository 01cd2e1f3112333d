#include "stream/ledger.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/alloc.h"
#include "base/day.h"
#include "base/num.h"

/* ---- table keys and chains ---- */

void ledger_table_key(const char *db, size_t dbn, const char *table, size_t tn, char *out,
		      size_t outsz)
{
	int plain = 1;
	size_t at;
	for (size_t i = 0; i < dbn + tn && plain; i++) {
		char ch = i < dbn ? db[i] : table[i - dbn];
		plain = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
	}
	if (plain) {
		snprintf(out, outsz, LEDGER_K_TABLE "%.*s.%.*s", (int)dbn, db, (int)tn, table);
		return;
	}
	at = (size_t)snprintf(out, outsz, LEDGER_K_HEX);
	for (size_t i = 0; i < dbn && at + 3 < outsz; i++)
		at += (size_t)snprintf(out + at, outsz - at, "%02x", (unsigned char)db[i]);
	if (at + 2 < outsz)
		out[at++] = '.';
	for (size_t i = 0; i < tn && at + 3 < outsz; i++)
		at += (size_t)snprintf(out + at, outsz - at, "%02x", (unsigned char)table[i]);
	out[at] = 0;
}

void ledger_name_key(const char *db, size_t dbn, const char *table, size_t tn, char *out,
		     size_t outsz)
{
	char k[600];
	ledger_table_key(db, dbn, table, tn, k, sizeof k);
	snprintf(out, outsz, LEDGER_K_NAME "%s",
		 strncmp(k, LEDGER_K_TABLE, sizeof LEDGER_K_TABLE - 1) == 0
			 ? k + sizeof LEDGER_K_TABLE - 1
			 : k);
}

void ledger_merge_key(const char *dest, size_t n, char *out, size_t outsz)
{
	size_t o = (size_t)snprintf(out, outsz, LEDGER_K_NAME "hex.");
	for (size_t i = 0; i < n && o + 3 < outsz; i++)
		o += (size_t)snprintf(out + o, outsz - o, "%02x", (unsigned char)dest[i]);
}

int ledger_is_table_key(const char *k)
{
	return strncmp(k, LEDGER_K_TABLE, sizeof LEDGER_K_TABLE - 1) == 0 ||
	       strncmp(k, LEDGER_K_HEX, sizeof LEDGER_K_HEX - 1) == 0;
}

enum ledger_chain ledger_chain_parse(const char *v, const char **hi, size_t *hin)
{
	if (!v)
		return LEDGER_CHAIN_NONE;
	if (strcmp(v, LEDGER_CHAIN_DONE) == 0)
		return LEDGER_CHAIN_END;
	if (strncmp(v, LEDGER_CHAIN_AFTER, sizeof LEDGER_CHAIN_AFTER - 1) == 0) {
		*hi = v + sizeof LEDGER_CHAIN_AFTER - 1;
		*hin = strlen(*hi);
		return LEDGER_CHAIN_AT;
	}
	return LEDGER_CHAIN_BAD;
}

int ledger_chain_format(struct mc_buf *b, const char *hi, size_t hin, struct mc_err *err)
{
	int rc;
	if (!hi)
		rc = buf_adds(b, LEDGER_CHAIN_DONE);
	else
		rc = buf_adds(b, LEDGER_CHAIN_AFTER) < 0 ? -1 : buf_add(b, hi, hin);
	if (rc < 0 || buf_addc(b, 0) < 0)
		return mc_oom(err, "snapshot chain");
	b->len--; /* the NUL is not counted: b may grow on */
	return 0;
}

const char *ledger_chain_get(const struct mc_ledger *l, const char *key)
{
	return ckpt_get(&l->snap, key);
}

int ledger_chain_set(struct mc_ledger *l, const char *key, const char *val, struct mc_err *err)
{
	return ckpt_set(&l->snap, key, val, err);
}

int ledger_chain_after(struct mc_ledger *l, const char *key, const char *hi, size_t n,
		       struct mc_err *err)
{
	struct mc_buf v = { 0 };
	int rc = ledger_chain_format(&v, hi, n, err);
	if (rc == 0)
		rc = ledger_chain_set(l, key, v.p, err);
	buf_free(&v);
	return rc;
}

int ledger_snapw_get(const struct mc_ledger *l, const char *key, size_t *src, struct mc_pos *w)
{
	char k[640];
	const char *v, *tab;
	uint64_t u;
	struct mc_err e;
	snprintf(k, sizeof k, LEDGER_K_SNAPW "%s", key);
	if (!(v = ckpt_get(&l->snapw, k)) || !(tab = strchr(v, '\t')) ||
	    num_u64n(v, (size_t)(tab - v), &u) < 0 || u > l->nmore || pos_parse(tab + 1, w, &e) < 0)
		return 0;
	*src = (size_t)u;
	return 1;
}

int ledger_snapw_set(struct mc_ledger *l, const char *key, size_t src, const struct mc_pos *w,
		     struct mc_err *err)
{
	char k[640], v[128];
	int n;
	snprintf(k, sizeof k, LEDGER_K_SNAPW "%s", key);
	n = snprintf(v, sizeof v, "%zu\t", src);
	pos_format(w, v + n, sizeof v - (size_t)n);
	return ckpt_set(&l->snapw, k, v, err);
}

/* The value of key pre + name in one of the ledger's stores c; set it. */
static const char *pget(const struct ckpt *c, const char *pre, const char *name)
{
	char k[640];
	snprintf(k, sizeof k, "%s%s", pre, name);
	return ckpt_get(c, k);
}

static int pset(struct ckpt *c, const char *pre, const char *name, const char *v,
		struct mc_err *err)
{
	char k[640];
	snprintf(k, sizeof k, "%s%s", pre, name);
	return ckpt_set(c, k, v, err);
}

const char *ledger_chainmeta_get(const struct mc_ledger *l, const char *kind, const char *key)
{
	return pget(&l->snapw, kind, key);
}

int ledger_chainmeta_set(struct mc_ledger *l, const char *kind, const char *key, const char *v,
			 struct mc_err *err)
{
	return pset(&l->snapw, kind, key, v, err);
}

static int is_chainmeta(const char *k)
{
	return strncmp(k, LEDGER_K_SPLIT, sizeof LEDGER_K_SPLIT - 1) == 0 ||
	       strncmp(k, LEDGER_K_WHERE, sizeof LEDGER_K_WHERE - 1) == 0;
}

void ledger_chain_clear(struct mc_ledger *l, const char *key)
{
	char k[640];
	ckpt_del(&l->snap, key);
	snprintf(k, sizeof k, LEDGER_K_SPLIT "%s", key);
	ckpt_del(&l->snapw, k);
	snprintf(k, sizeof k, LEDGER_K_WHERE "%s", key);
	ckpt_del(&l->snapw, k);
	snprintf(k, sizeof k, LEDGER_K_SNAPW "%s", key);
	ckpt_del(&l->snapw, k);
	snprintf(k, sizeof k, LEDGER_K_SNAPROWS "%s", key);
	ckpt_del(&l->snapw, k);
}

/* A snaprows value: 0, or -1 when it is not "N<TAB>HHHHHHHHHHHHHHHH". */
static int snaprows_parse(const char *v, uint64_t *n, uint64_t *h)
{
	const char *tab = strchr(v, '\t');
	if (!tab || num_u64n(v, (size_t)(tab - v), n) < 0 || strlen(tab + 1) != 16 ||
	    strspn(tab + 1, "0123456789abcdef") != 16)
		return -1;
	*h = strtoull(tab + 1, NULL, 16);
	return 0;
}

int ledger_snaprows_get(const struct mc_ledger *l, const char *key, uint64_t *n, uint64_t *h)
{
	char k[640];
	const char *v;
	snprintf(k, sizeof k, LEDGER_K_SNAPROWS "%s", key);
	if (!(v = ckpt_get(&l->snapw, k)))
		return 0;
	return snaprows_parse(v, n, h) < 0 ? -1 : 1;
}

int ledger_snaprows_set(struct mc_ledger *l, const char *key, uint64_t n, uint64_t h,
			struct mc_err *err)
{
	char k[640], v[64];
	snprintf(k, sizeof k, LEDGER_K_SNAPROWS "%s", key);
	snprintf(v, sizeof v, "%llu\t%016llx", (unsigned long long)n, (unsigned long long)h);
	return ckpt_set(&l->snapw, k, v, err);
}

int ledger_gen_get(const struct mc_ledger *l, const char *key, uint64_t *gen)
{
	char k[640];
	const char *v;
	snprintf(k, sizeof k, LEDGER_K_GEN "%s", key);
	return (v = ckpt_get(&l->snapw, k)) && num_u64(v, gen) == 0;
}

int ledger_gen_set(struct mc_ledger *l, const char *key, uint64_t gen, struct mc_err *err)
{
	char k[640], v[32];
	snprintf(k, sizeof k, LEDGER_K_GEN "%s", key);
	snprintf(v, sizeof v, "%llu", (unsigned long long)gen);
	return ckpt_set(&l->snapw, k, v, err);
}

const char *ledger_name_get(const struct mc_ledger *l, const char *key)
{
	return ckpt_get(&l->names, key);
}

int ledger_name_set(struct mc_ledger *l, const char *key, const char *name, struct mc_err *err)
{
	return ckpt_set(&l->names, key, name, err);
}

const char *ledger_rules_get(const struct mc_ledger *l, const char *id)
{
	return pget(&l->rules, LEDGER_K_RULES, id);
}

int ledger_rules_set(struct mc_ledger *l, const char *id, const char *v, struct mc_err *err)
{
	return pset(&l->rules, LEDGER_K_RULES, id, v, err);
}

const char *ledger_tables_get(const struct mc_ledger *l, const char *id)
{
	return pget(&l->rules, LEDGER_K_TABLES, id);
}

int ledger_tables_set(struct mc_ledger *l, const char *id, const char *v, struct mc_err *err)
{
	return pset(&l->rules, LEDGER_K_TABLES, id, v, err);
}

int ledger_tsrc_get(const struct mc_ledger *l, const char *name, size_t *n)
{
	char k[160];
	const char *v;
	uint64_t u;
	snprintf(k, sizeof k, LEDGER_K_TSRC "%s", name);
	if (!(v = ckpt_get(&l->tsrc, k)) || num_u64(v, &u) < 0 || u > l->nmore)
		return 0;
	*n = (size_t)u;
	return 1;
}

const char *ledger_srctab_get(const struct mc_ledger *l, const char *name)
{
	return pget(&l->tsrc, LEDGER_K_SRCTAB, name);
}

int ledger_srctab_set(struct mc_ledger *l, const char *name, const char *v, struct mc_err *err)
{
	return pset(&l->tsrc, LEDGER_K_SRCTAB, name, v, err);
}

const char *ledger_upart_get(const struct mc_ledger *l, const char *name)
{
	return pget(&l->tsrc, LEDGER_K_UPART, name);
}

int ledger_upart_set(struct mc_ledger *l, const char *name, const char *part, struct mc_err *err)
{
	return pset(&l->tsrc, LEDGER_K_UPART, name, part, err);
}

int ledger_tsrc_set(struct mc_ledger *l, const char *name, size_t n, struct mc_err *err)
{
	char k[160], v[32];
	snprintf(k, sizeof k, LEDGER_K_TSRC "%s", name);
	snprintf(v, sizeof v, "%zu", n);
	return ckpt_set(&l->tsrc, k, v, err);
}

int ledger_commits_get(const struct mc_ledger *l, const char *name, uint64_t *from,
		       uint64_t *lines)
{
	char k[160];
	const char *v, *sp;
	snprintf(k, sizeof k, LEDGER_K_COMMITS "%s", name);
	if (!(v = ckpt_get(&l->wcommits, k)))
		return 0;
	if (!(sp = strchr(v, ' ')) || num_u64n(v, (size_t)(sp - v), from) < 0 ||
	    num_u64(sp + 1, lines) < 0)
		return -1;
	return 1;
}

int ledger_commits_add(struct mc_ledger *l, const char *name, uint64_t seq, uint64_t k,
		       struct mc_err *err)
{
	char key[160], v[48];
	uint64_t from = seq, n = 0;
	if (ledger_commits_get(l, name, &from, &n) < 0)
		return mc_errf(err, MC_EXIT_DATA, "ledger: malformed " LEDGER_K_COMMITS "%s", name);
	snprintf(key, sizeof key, LEDGER_K_COMMITS "%s", name);
	snprintf(v, sizeof v, "%llu %llu", (unsigned long long)from, (unsigned long long)(n + k));
	return ckpt_set(&l->wcommits, key, v, err);
}

int ledger_src_same(struct mc_ledger *l, size_t a, size_t b)
{
	const struct mc_ledger *x, *y;
	if (a == b)
		return 1;
	if (a > l->nmore || b > l->nmore)
		return 0;
	x = ledger_src(l, a);
	y = ledger_src(l, b);
	return x->src_id && y->src_id && strcmp(x->src_id, y->src_id) == 0;
}

/* ---- accounting ---- */

int ledger_note(struct mc_ledger *l, const struct mc_pos *pos, const struct mc_pos *txn, int64_t t,
		struct mc_err *err)
{
	int64_t day = day_of(t, l->utc_off);
	if (!l->has_first) {
		l->has_first = 1;
		l->first_pos = *pos;
		l->first_time = t;
	}
	if (l->has_hw) {
		int64_t hd = day_of(l->hw_time, l->utc_off);
		for (int64_t d = hd; d < day; d++) {
			if (mc_grow(&l->cuts, &l->cap, l->ncuts + 1, sizeof *l->cuts) < 0)
				return mc_oom(err, "ledger");
			l->cuts[l->ncuts].day = d;
			l->cuts[l->ncuts].pos = *txn;
			l->ncuts++;
			if (day - hd > 366 * 10) /* a clock jump: record the first day only */
				break;
		}
	}
	if (!l->has_hw || t > l->hw_time)
		l->hw_time = t;
	l->has_hw = 1;
	return 0;
}

/* The domain part of one GTID: before ':' (MySQL) or the first '-'. */
static size_t gtid_domain(const char *g, size_t n)
{
	const char *c = memchr(g, ':', n);
	if (!c)
		c = memchr(g, '-', n);
	return c ? (size_t)(c - g) : n;
}

size_t ledger_gtid_item(const char *g, size_t n, size_t *at, size_t *dn)
{
	size_t i = *at, e = i;
	while (e < n && g[e] != ',')
		e++;
	while (i < e && (g[i] == ' ' || g[i] == '\n'))
		i++;
	*at = i;
	*dn = gtid_domain(g + i, e - i);
	return e - i;
}

int ledger_gtid_seq(const char *g, size_t n, const char *dom, size_t dn, uint64_t *seq)
{
	int found = 0;
	for (size_t at = 0, in, idn; at < n; at += in + 1) {
		const char *it;
		size_t j;
		uint64_t v = 0;
		in = ledger_gtid_item(g, n, &at, &idn);
		it = g + at;
		if (idn != dn || memcmp(it, dom, dn) != 0)
			continue;
		/* the item's last number: N, or the end of its last interval */
		for (j = in; j > idn && it[j - 1] >= '0' && it[j - 1] <= '9'; j--)
			;
		for (; j < in; j++)
			v = v * 10 + (uint64_t)(it[j] - '0');
		if (!found || v > *seq)
			*seq = v;
		found = 1;
	}
	return found;
}

int ledger_mark(struct mc_ledger *l, const struct mc_pos *pos, const char *label, size_t n,
		struct mc_err *err)
{
	struct mc_buf b = { 0 };
	const char *s = l->gtid ? l->gtid : "";
	size_t dn = gtid_domain(label, n);
	int replaced = 0;

	l->resume = *pos;
	l->has_resume = 1;
	if (n == 0)
		return 0;
	if (memchr(label, ',', n) || memchr(label, '\n', n) || memchr(label, ' ', n))
		return mc_errf(err, MC_EXIT_DATA, "bad GTID '%.*s' in a txn_end mark", (int)n, label);
	while (*s) {
		const char *e = strchr(s, ',');
		size_t en = e ? (size_t)(e - s) : strlen(s);
		int rc;
		if (gtid_domain(s, en) == dn && memcmp(s, label, dn) == 0) {
			rc = buf_addf(&b, "%s%.*s", b.len ? "," : "", (int)n, label);
			replaced = 1;
		} else {
			rc = buf_addf(&b, "%s%.*s", b.len ? "," : "", (int)en, s);
		}
		if (rc < 0)
			goto oom;
		s += en + (e ? 1 : 0);
	}
	if (!replaced && buf_addf(&b, "%s%.*s", b.len ? "," : "", (int)n, label) < 0)
		goto oom;
	if (buf_add(&b, "", 1) < 0)
		goto oom;
	free(l->gtid);
	l->gtid = b.p;
	return 0;
oom:
	buf_free(&b);
	return mc_oom(err, "ledger");
}

int ledger_mark_rec(struct mc_ledger *l, const struct mc_rec *r, struct mc_err *err)
{
	struct mc_pos at = rec_mark_resume(r);
	return ledger_mark(l, &at, r->label.p, r->has_resume ? 0 : r->label.n, err);
}

int ledger_mark_moves(const struct mc_ledger *l, const struct mc_rec *r)
{
	struct mc_pos at = rec_mark_resume(r);
	return !l->has_resume || pos_cmp(&at, &l->resume) != 0;
}

int ledger_cut(const struct mc_ledger *l, int64_t day, struct mc_pos *cut)
{
	if (l->has_first && day < day_of(l->first_time, l->utc_off)) {
		*cut = l->first_pos;
		return 1;
	}
	for (size_t i = 0; i < l->ncuts; i++)
		if (l->cuts[i].day == day) {
			*cut = l->cuts[i].pos;
			return 1;
		}
	return 0;
}

/* ---- to and from checkpoint lines ---- */

static int put_pos(struct ckpt *c, const char *k, const struct mc_pos *p, struct mc_err *err)
{
	char v[64];
	pos_format(p, v, sizeof v);
	return ckpt_append(c, k, v, err);
}

static int put_u64(struct ckpt *c, const char *k, uint64_t u, struct mc_err *err)
{
	char v[32];
	snprintf(v, sizeof v, "%" PRIu64, u);
	return ckpt_append(c, k, v, err);
}

static int put_i64(struct ckpt *c, const char *k, int64_t i, struct mc_err *err)
{
	char v[32];
	snprintf(v, sizeof v, "%" PRId64, i);
	return ckpt_append(c, k, v, err);
}

static int put_chains(const struct mc_ledger *l, struct ckpt *c, struct mc_err *err)
{
	for (size_t i = 0; i < l->snap.n; i++)
		if (ckpt_append(c, l->snap.kv[i].k, l->snap.kv[i].v, err) < 0)
			return -1;
	return 0;
}

static int put_names(const struct mc_ledger *l, struct ckpt *c, struct mc_err *err)
{
	for (size_t i = 0; i < l->names.n; i++)
		if (ckpt_append(c, l->names.kv[i].k, l->names.kv[i].v, err) < 0)
			return -1;
	for (size_t i = 0; i < l->tsrc.n; i++)
		if (ckpt_append(c, l->tsrc.kv[i].k, l->tsrc.kv[i].v, err) < 0)
			return -1;
	for (size_t i = 0; i < l->snapw.n; i++)
		if (ckpt_append(c, l->snapw.kv[i].k, l->snapw.kv[i].v, err) < 0)
			return -1;
	for (size_t i = 0; i < l->rules.n; i++)
		if (ckpt_append(c, l->rules.kv[i].k, l->rules.kv[i].v, err) < 0)
			return -1;
	for (size_t i = 0; i < l->wcommits.n; i++)
		if (ckpt_append(c, l->wcommits.kv[i].k, l->wcommits.kv[i].v, err) < 0)
			return -1;
	return 0;
}

/* One source's keys, each prefixed with pre ("" or "src.N."). */
static int put_src(const struct mc_ledger *l, const char *pre, struct ckpt *c,
		   struct mc_err *err)
{
	char k[64];
#define K(name) (snprintf(k, sizeof k, "%s%s", pre, name), k)
	if ((l->src_id && ckpt_append(c, K(LEDGER_K_SOURCE), l->src_id, err) < 0) ||
	    (l->src_epoch && ckpt_append(c, K(LEDGER_K_EPOCH), l->src_epoch, err) < 0) ||
	    (l->closed && ckpt_append(c, K(LEDGER_K_CLOSED), "1", err) < 0) ||
	    (l->src_files && ckpt_append(c, K(LEDGER_K_FILES), l->src_files, err) < 0) ||
	    (l->src_rotated && ckpt_append(c, K(LEDGER_K_ROTATED), l->src_rotated, err) < 0) ||
	    (l->has_pos && put_pos(c, K(LEDGER_K_POS), &l->pos, err) < 0) ||
	    (l->has_resume && put_pos(c, K(LEDGER_K_RESUME), &l->resume, err) < 0) ||
	    (l->gtid && ckpt_append(c, K(LEDGER_K_GTID), l->gtid, err) < 0))
		return -1;
	if (*pre && l->has_hw && put_i64(c, K(LEDGER_K_HW_TIME), l->hw_time, err) < 0)
		return -1;
	return 0;
}

static int put_src_rest(const struct mc_ledger *l, const char *pre, struct ckpt *c,
			struct mc_err *err)
{
	char k[64], d[16];
	if (l->has_first && (put_pos(c, K(LEDGER_K_FIRST_POS), &l->first_pos, err) < 0 ||
			     put_i64(c, K(LEDGER_K_FIRST_TIME), l->first_time, err) < 0))
		return -1;
	for (size_t i = 0; i < l->ncuts; i++) {
		day_format(l->cuts[i].day, d);
		snprintf(k, sizeof k, "%s" LEDGER_K_CUT "%s", pre, d);
		if (put_pos(c, k, &l->cuts[i].pos, err) < 0)
			return -1;
	}
	if ((l->has_snap_low && put_pos(c, K(LEDGER_K_SNAPSHOT_LOW), &l->snap_low, err) < 0) ||
	    (l->has_log_from && put_pos(c, K(LEDGER_K_LOG_FROM), &l->log_from, err) < 0))
		return -1;
#undef K
	return 0;
}

int ledger_to_ckpt(const struct mc_ledger *l, struct ckpt *c, struct mc_err *err)
{
	char pre[32];
	if (put_u64(c, LEDGER_K_SEQ, l->seq, err) < 0 || put_src(l, "", c, err) < 0 ||
	    put_u64(c, LEDGER_K_SNAPSHOT_ROWS, l->snapshot_rows, err) < 0 ||
	    /* only where it tells something: with no snapshot rows it is 0 */
	    (l->snapshot_rows &&
	     put_u64(c, LEDGER_K_SNAPSHOT_LEGACY, l->snapshot_legacy, err) < 0) ||
	    put_i64(c, LEDGER_K_UTC_OFFSET, l->utc_off, err) < 0 ||
	    (l->log_layout[0] && ckpt_set(c, LEDGER_K_LOG_LAYOUT, l->log_layout, err) < 0) ||
	    (l->route[0] && ckpt_set(c, LEDGER_K_ROUTE, l->route, err) < 0) ||
	    (l->has_hw && put_i64(c, LEDGER_K_HW_TIME, l->hw_time, err) < 0) ||
	    put_src_rest(l, "", c, err) < 0)
		return -1;
	for (size_t i = 0; i < l->nmore; i++) {
		snprintf(pre, sizeof pre, LEDGER_K_SRC "%zu.", i + 1);
		if (put_src(&l->more[i], pre, c, err) < 0 ||
		    put_src_rest(&l->more[i], pre, c, err) < 0)
			return -1;
	}
	if (l->src_last && put_u64(c, LEDGER_K_SRC_LAST, l->src_last, err) < 0)
		return -1;
	return put_chains(l, c, err) < 0 ? -1 : put_names(l, c, err);
}

/* A position value of key k into *p (and *has): 0, or -1 when bad. */
static int get_pos(const struct ckpt *c, const char *k, int *has, struct mc_pos *p)
{
	const char *v = ckpt_get(c, k);
	struct mc_err e;
	if (!v)
		return 0;
	if (has)
		*has = 1;
	return pos_parse(v, p, &e);
}

/* One source's keys (prefixed with pre) into l: 0, -1 malformed. */
static int get_src(const struct ckpt *c, const char *pre, struct mc_ledger *l)
{
	char k[64];
	const char *v;
	size_t pn = strlen(pre);
#define K(name) (snprintf(k, sizeof k, "%s%s", pre, name), k)
	if (get_pos(c, K(LEDGER_K_POS), &l->has_pos, &l->pos) < 0 ||
	    get_pos(c, K(LEDGER_K_RESUME), &l->has_resume, &l->resume) < 0 ||
	    get_pos(c, K(LEDGER_K_SNAPSHOT_LOW), &l->has_snap_low, &l->snap_low) < 0 ||
	    get_pos(c, K(LEDGER_K_LOG_FROM), &l->has_log_from, &l->log_from) < 0)
		return -1;
	if ((v = ckpt_get(c, K(LEDGER_K_HW_TIME)))) {
		l->has_hw = 1;
		if (num_i64(v, &l->hw_time) < 0)
			return -1;
	}
	if ((v = ckpt_get(c, K(LEDGER_K_GTID))) && *v && !(l->gtid = mc_strdup(v)))
		return -2;
	if ((v = ckpt_get(c, K(LEDGER_K_SOURCE))) && !(l->src_id = mc_strdup(v)))
		return -2;
	if ((v = ckpt_get(c, K(LEDGER_K_EPOCH))) && !(l->src_epoch = mc_strdup(v)))
		return -2;
	if ((v = ckpt_get(c, K(LEDGER_K_FILES))) && !(l->src_files = mc_strdup(v)))
		return -2;
	if ((v = ckpt_get(c, K(LEDGER_K_ROTATED))) && !(l->src_rotated = mc_strdup(v)))
		return -2;
	if (l->src_files || l->src_rotated) {
		/* both lists well formed (one pass reads them) */
		size_t nf;
		uint64_t lo, hi;
		int64_t t;
		if (ledger_hist_file(l, 0, &t, &nf, &lo, &hi) < 0)
			return -1;
	}
	if ((v = ckpt_get(c, K(LEDGER_K_CLOSED))))
		l->closed = strcmp(v, "1") == 0 ? 1 : -1;
	if (l->closed < 0)
		return -1;
	if ((v = ckpt_get(c, K(LEDGER_K_FIRST_POS)))) {
		const char *t = ckpt_get(c, K(LEDGER_K_FIRST_TIME));
		if (get_pos(c, K(LEDGER_K_FIRST_POS), &l->has_first, &l->first_pos) < 0 || !t ||
		    num_i64(t, &l->first_time) < 0)
			return -1;
	}
#undef K
	for (size_t i = 0; i < c->n; i++) {
		struct ledger_cut cut;
		struct mc_err e;
		const char *key = c->kv[i].k;
		if (strncmp(key, pre, pn) != 0 ||
		    strncmp(key + pn, LEDGER_K_CUT, sizeof LEDGER_K_CUT - 1) != 0)
			continue;
		if (day_parse(key + pn + sizeof LEDGER_K_CUT - 1, &cut.day) < 0 ||
		    pos_parse(c->kv[i].v, &cut.pos, &e) < 0)
			return -1;
		if (mc_push(&l->cuts, &l->ncuts, &l->cap, sizeof *l->cuts) < 0)
			return -2;
		l->cuts[l->ncuts - 1] = cut;
	}
	return 0;
}

int ledger_from_ckpt(const struct ckpt *c, const char *what, struct mc_ledger *l,
		     struct mc_err *err)
{
	const char *v;
	int rc;

	memset(l, 0, sizeof *l);
	if (!(v = ckpt_get(c, LEDGER_K_SEQ)) || num_u64(v, &l->seq) < 0)
		goto bad;
	if ((v = ckpt_get(c, LEDGER_K_SNAPSHOT_ROWS)) && num_u64(v, &l->snapshot_rows) < 0)
		goto bad;
	/* a ledger older than the per-table counts: all of its count is */
	l->snapshot_legacy = l->snapshot_rows;
	if ((v = ckpt_get(c, LEDGER_K_SNAPSHOT_LEGACY)) && num_u64(v, &l->snapshot_legacy) < 0)
		goto bad;
	if ((v = ckpt_get(c, LEDGER_K_UTC_OFFSET)) && num_i64(v, &l->utc_off) < 0)
		goto bad;
	if ((v = ckpt_get(c, LEDGER_K_LOG_LAYOUT)) &&
	    snprintf(l->log_layout, sizeof l->log_layout, "%s", v) >= (int)sizeof l->log_layout)
		goto bad;
	if ((v = ckpt_get(c, LEDGER_K_ROUTE)) &&
	    snprintf(l->route, sizeof l->route, "%s", v) >= (int)sizeof l->route)
		goto bad;
	if ((rc = get_src(c, "", l)) < 0)
		goto rc;
	for (size_t i = 0; i < c->n; i++)
		if ((ledger_is_table_key(c->kv[i].k) &&
		     ckpt_append(&l->snap, c->kv[i].k, c->kv[i].v, err) < 0) ||
		    (strncmp(c->kv[i].k, LEDGER_K_NAME, sizeof LEDGER_K_NAME - 1) == 0 &&
		     ckpt_append(&l->names, c->kv[i].k, c->kv[i].v, err) < 0) ||
		    ((strncmp(c->kv[i].k, LEDGER_K_TSRC, sizeof LEDGER_K_TSRC - 1) == 0 ||
		      strncmp(c->kv[i].k, LEDGER_K_SRCTAB, sizeof LEDGER_K_SRCTAB - 1) == 0 ||
		      strncmp(c->kv[i].k, LEDGER_K_UPART, sizeof LEDGER_K_UPART - 1) == 0) &&
		     ckpt_append(&l->tsrc, c->kv[i].k, c->kv[i].v, err) < 0) ||
		    (strncmp(c->kv[i].k, LEDGER_K_COMMITS, sizeof LEDGER_K_COMMITS - 1) == 0 &&
		     ckpt_append(&l->wcommits, c->kv[i].k, c->kv[i].v, err) < 0) ||
		    ((strncmp(c->kv[i].k, LEDGER_K_RULES, sizeof LEDGER_K_RULES - 1) == 0 ||
		      strncmp(c->kv[i].k, LEDGER_K_UNFOLLOWED, sizeof LEDGER_K_UNFOLLOWED - 1) == 0 ||
		      strncmp(c->kv[i].k, LEDGER_K_TABLES, sizeof LEDGER_K_TABLES - 1) == 0) &&
		     ckpt_append(&l->rules, c->kv[i].k, c->kv[i].v, err) < 0) ||
		    ((strncmp(c->kv[i].k, LEDGER_K_SNAPW, sizeof LEDGER_K_SNAPW - 1) == 0 ||
		      strncmp(c->kv[i].k, LEDGER_K_SNAPROWS, sizeof LEDGER_K_SNAPROWS - 1) == 0 ||
		      strncmp(c->kv[i].k, LEDGER_K_GEN, sizeof LEDGER_K_GEN - 1) == 0 ||
		      is_chainmeta(c->kv[i].k)) &&
		     ckpt_append(&l->snapw, c->kv[i].k, c->kv[i].v, err) < 0))
			goto fail;
	for (size_t i = 0; i < c->n; i++) {
		uint64_t n, h;
		if (strncmp(c->kv[i].k, LEDGER_K_SNAPROWS, sizeof LEDGER_K_SNAPROWS - 1) == 0 &&
		    snaprows_parse(c->kv[i].v, &n, &h) < 0)
			goto bad;
	}
	for (;;) {
		char pre[32], k[64];
		snprintf(pre, sizeof pre, LEDGER_K_SRC "%zu.", l->nmore + 1);
		snprintf(k, sizeof k, "%s" LEDGER_K_SOURCE, pre);
		if (!ckpt_get(c, k))
			break;
		if (mc_push(&l->more, &l->nmore, &l->morecap, sizeof *l->more) < 0) {
			rc = -2;
			goto rc;
		}
		l->more[l->nmore - 1].utc_off = l->utc_off;
		if ((rc = get_src(c, pre, &l->more[l->nmore - 1])) < 0)
			goto rc;
	}
	if ((v = ckpt_get(c, LEDGER_K_SRC_LAST)) &&
	    (num_u64(v, &l->src_last) < 0 || l->src_last > l->nmore))
		goto bad;
	return 1;
rc:
	if (rc == -2) {
		mc_oom(err, "ledger");
		goto fail;
	}
bad:
	mc_errf(err, MC_EXIT_DATA, "'%s': malformed ledger", what);
fail:
	ledger_free(l);
	return -1;
}

int ledger_checkpoint(const struct mc_ledger *L, struct ckpt *c, struct mc_err *err)
{
	/* the positions of the source of the last commit, every chain */
	const struct mc_ledger *l = L->src_last ? &L->more[L->src_last - 1] : L;
	if (!l->has_pos && !L->snap.n && !l->snap.n && !l->has_snap_low)
		return 0;
	if (l->has_pos && put_pos(c, LEDGER_K_POS, &l->pos, err) < 0)
		return -1;
	/* resume: the last transaction boundary committed; before any, the
	 * lowest watermark of the committed snapshot chunks (the binlog tail
	 * starts at or below it, docs/mc-tunnel-put.md) */
	if ((l->has_resume || l->has_snap_low) &&
	    put_pos(c, LEDGER_K_RESUME, l->has_resume ? &l->resume : &l->snap_low, err) < 0)
		return -1;
	if (l->gtid && ckpt_append(c, LEDGER_K_GTID, l->gtid, err) < 0)
		return -1;
	/* the identity of resume's binlog, when a stream of the history
	 * started in it or read into it (binlog_start): a tail resumes only
	 * in that file (after RESET MASTER one of that name is another,
	 * docs/mc-binlog-tail.md) */
	if (l->has_resume || l->has_snap_low) {
		const struct mc_pos *rp = l->has_resume ? &l->resume : &l->snap_low;
		char v[48];
		int64_t t;
		size_t nf;
		uint64_t lo, hi;
		if (ledger_hist_file(l, rp->file, &t, &nf, &lo, &hi) == 1 && t > 0) {
			snprintf(v, sizeof v, "%" PRIu64 ":%" PRId64, rp->file, t);
			if (ckpt_append(c, LEDGER_K_RESUME_EPOCH, v, err) < 0)
				return -1;
		} else if (rp->off == 4 && rp->row == 0 && rp->file > 1 &&
			   ledger_hist_file(l, rp->file - 1, &t, &nf, &lo, &hi) == 1 && t > 0) {
			/* resume at the start of a binlog no stream read (the
			 * end heartbeat after its predecessor's closing ROTATE
			 * or STOP): the identity of that predecessor, which a
			 * tail holds the binlog before resume's to (tail_hist.c
			 * tail_ident_note) */
			snprintf(v, sizeof v, "%" PRIu64 ":%" PRId64, rp->file - 1, t);
			if (ckpt_append(c, LEDGER_K_RESUME_PREV, v, err) < 0)
				return -1;
		}
	}
	if (l->src_id && ckpt_append(c, LEDGER_K_SOURCE, l->src_id, err) < 0)
		return -1;
	/* each table's committed snapshot chain, and what it was read by:
	 * mc-snapshot --checkpoint-in */
	if (put_chains(L, c, err) < 0)
		return -1;
	for (size_t i = 0; i < L->snapw.n; i++)
		if (is_chainmeta(L->snapw.kv[i].k) &&
		    ckpt_append(c, L->snapw.kv[i].k, L->snapw.kv[i].v, err) < 0)
			return -1;
	return 0;
}

int ledger_checkpoint_write(const char *path, const struct mc_ledger *l, struct mc_err *err)
{
	struct ckpt c = { 0 };
	int rc = ledger_checkpoint(l, &c, err);
	if (rc == 0 && c.n)
		rc = ckpt_write(path, &c, err);
	ckpt_free(&c);
	return rc;
}

int ledger_copy(struct mc_ledger *dst, const struct mc_ledger *src, struct mc_err *err)
{
	struct ckpt c = { 0 };
	int rc = ledger_to_ckpt(src, &c, err);
	if (rc == 0)
		rc = ledger_from_ckpt(&c, "ledger copy", dst, err) < 0 ? -1 : 0;
	ckpt_free(&c);
	return rc;
}

struct mc_ledger *ledger_src(struct mc_ledger *l, size_t n)
{
	return n ? &l->more[n - 1] : l;
}

int ledger_src_set(char **field, const char *v, struct mc_err *err)
{
	char *c = NULL;
	if (v && !(c = mc_strdup(v)))
		return mc_oom(err, "ledger");
	free(*field);
	*field = c;
	return 0;
}

int ledger_src_add(struct mc_ledger *l, const char *id, const char *epoch, struct mc_err *err)
{
	struct mc_ledger *n;
	if (mc_push(&l->more, &l->nmore, &l->morecap, sizeof *l->more) < 0)
		return mc_oom(err, "ledger");
	n = &l->more[l->nmore - 1];
	n->utc_off = l->utc_off;
	if (ledger_src_set(&n->src_id, id, err) < 0 || ledger_src_set(&n->src_epoch, epoch, err) < 0)
		return -1;
	return (int)l->nmore;
}

void ledger_free(struct mc_ledger *l)
{
	for (size_t i = 0; i < l->nmore; i++)
		ledger_free(&l->more[i]);
	free(l->more);
	free(l->src_id);
	free(l->src_epoch);
	free(l->src_files);
	free(l->src_rotated);
	ckpt_free(&l->snap);
	ckpt_free(&l->names);
	ckpt_free(&l->tsrc);
	ckpt_free(&l->rules);
	ckpt_free(&l->wcommits);
	ckpt_free(&l->snapw);
	free(l->cuts);
	free(l->gtid);
	memset(l, 0, sizeof *l);
}

/* The files of list s ("F:T,...", NULL: none) into ledger_hist_file's
 * results (*nf, *min, *max go on from what they hold). */
static int hist_scan(const char *s, uint64_t f, int64_t *t, int *found, size_t *nf,
		     uint64_t *min, uint64_t *max)
{
	while (s && *s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		uint64_t ef;
		int64_t et;
		if (rec_epoch_parse(s, n, &ef, &et) < 0)
			return -1;
		if (!*nf || ef < *min)
			*min = ef;
		if (!*nf || ef > *max)
			*max = ef;
		++*nf;
		if (ef == f && !*found) {
			*t = et;
			*found = 1;
		}
		s += n + (e ? 1 : 0);
	}
	return 0;
}

int ledger_hist_file(const struct mc_ledger *l, uint64_t f, int64_t *t, size_t *nf,
		     uint64_t *min, uint64_t *max)
{
	int found = 0;
	*nf = 0;
	*min = *max = 0;
	if (hist_scan(l->src_files ? l->src_files : l->src_epoch, f, t, &found, nf, min, max) < 0 ||
	    hist_scan(l->src_rotated, f, t, &found, nf, min, max) < 0)
		return -1;
	return found;
}

int ledger_hist_add(struct mc_ledger *l, uint64_t f, int64_t t, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	const char *old = l->src_files ? l->src_files : l->src_epoch;
	size_t nf = 0;
	uint64_t lo, hi;
	int64_t et;
	int found = 0;
	/* the files streams started in only: src_rotated forgets */
	if (hist_scan(old, f, &et, &found, &nf, &lo, &hi) < 0)
		return mc_errf(err, MC_EXIT_DATA, "malformed '" LEDGER_K_FILES "' in the ledger");
	if (found)
		return 0;
	if (buf_addf(&b, "%s%s%" PRIu64 ":%" PRId64, old ? old : "", old && *old ? "," : "", f,
		     t) < 0 ||
	    buf_add(&b, "", 1) < 0) {
		buf_free(&b);
		return mc_oom(err, "ledger");
	}
	free(l->src_files);
	l->src_files = b.p;
	return 0;
}

int ledger_rotated_add(struct mc_ledger *l, uint64_t f, int64_t t, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	const char *s = l->src_rotated;
	uint64_t floor = l->has_resume ? l->resume.file : l->has_snap_low ? l->snap_low.file : 0;
	int found = 0, rc = 0;
	while (s && *s && rc == 0) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		uint64_t ef;
		int64_t et;
		if (rec_epoch_parse(s, n, &ef, &et) < 0) {
			buf_free(&b);
			return mc_errf(err, MC_EXIT_DATA, "malformed '" LEDGER_K_ROTATED
				       "' in the ledger");
		}
		found |= ef == f;
		if (ef >= floor || ef == f)
			rc = buf_addf(&b, "%s%.*s", b.len ? "," : "", (int)n, s);
		s += n + (e ? 1 : 0);
	}
	if (rc == 0 && !found)
		rc = buf_addf(&b, "%s%" PRIu64 ":%" PRId64, b.len ? "," : "", f, t);
	if (rc < 0 || buf_add(&b, "", 1) < 0) {
		buf_free(&b);
		return mc_oom(err, "ledger");
	}
	free(l->src_rotated);
	l->src_rotated = b.p;
	return 0;
}

int ledger_checkpoint_decide(const char *path, const struct mc_ledger *l,
			     int (*decide)(void *arg, struct mc_err *err), void *arg,
			     struct mc_err *err)
{
	size_t n;
	char *next;
	int rc = -1;
	if (!path)
		return decide(arg, err);
	n = strlen(path) + sizeof ".next";
	if (!(next = malloc(n)))
		return mc_oom(err, "checkpoint");
	snprintf(next, n, "%s.next", path);
	if (ledger_checkpoint_write(next, l, err) < 0 || decide(arg, err) < 0)
		goto out;
	if (access(next, F_OK) == 0 && rename(next, path) < 0) {
		mc_errnof(err, errno, "'%s'", path);
		goto out;
	}
	rc = afile_sync_dir(path, err);
out:
	free(next);
	return rc;
}
