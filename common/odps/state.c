/* state.c: the journal and state file of the MaxCompute destination
 * (state.h). Journal keys: "seq", "parts", then per entry i "p.I.table",
 * "p.I.part", "p.I.session", "p.I.blocks", "p.I.rows", "p.I.lo", "p.I.hi"
 * (positions, optional), "p.I.images", "p.I.tlo", "p.I.thi", "p.I.before"
 * (for --recover; optional), "p.I.spool" = "SIZE CRC FILE [ENC]" (CRC hex; ENC none, deflate or zstd,
 * how the blocks are compressed, absent in older journals; optional),
 * "p.I.state" (doubt, in, out); "attempt" (optional); "after" 1 and the
 * ledger and state file after the commit as "after.l.K", "after.s.K"
 * (optional: odps_journal_write). State file: "dest", "writer", "pruned" (a position),
 * "done.I" = "SEQ TABLE PART", "max.I" = "POS N TABLE PART". */
#include "odps/state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/num.h"
#include "stream/ckpt.h"
#include "stream/ledger.h"

static char *path_of(const char *dir, const char *name, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	if (buf_addf(&b, "%s/%s%c", dir, name, 0) < 0) {
		buf_free(&b);
		mc_oom(err, "state");
		return NULL;
	}
	return b.p;
}

static const char *const jstates[] = { "doubt", "in", "out" };

struct odps_jent *odps_journal_find(const struct odps_journal *j, const char *table,
				    const char *part)
{
	for (size_t i = 0; i < j->n; i++)
		if (!strcmp(j->e[i].table, table) && !strcmp(j->e[i].part, part))
			return &j->e[i];
	return NULL;
}

int odps_journal_add(struct odps_journal *j, const char *table, const char *part,
		     struct odps_jent **e, struct mc_err *err)
{
	struct odps_jent *x;
	if (mc_push(&j->e, &j->n, &j->cap, sizeof *j->e) < 0)
		return mc_oom(err, "journal");
	x = &j->e[j->n - 1];
	memset(x, 0, sizeof *x);
	x->table = mc_strdup(table);
	x->part = mc_strdup(part);
	if (!x->table || !x->part) {
		free(x->table);
		free(x->part);
		j->n--;
		return mc_oom(err, "journal");
	}
	*e = x;
	return 0;
}

void odps_journal_free(struct odps_journal *j)
{
	for (size_t i = 0; i < j->n; i++) {
		free(j->e[i].table);
		free(j->e[i].part);
	}
	free(j->e);
	ckpt_free(&j->ledger1);
	ckpt_free(&j->state1);
	memset(j, 0, sizeof *j);
}

static int jbad(const char *path, const char *key, struct mc_err *err)
{
	return mc_errf(err, MC_EXIT_DATA, "'%s': key '%s' is missing or bad (the state of "
		       "the MaxCompute destination is damaged)", path, key);
}

static int get_u64(const struct ckpt *c, const char *path, const char *key, uint64_t *v,
		   struct mc_err *err)
{
	const char *s = ckpt_get(c, key);
	if (!s || num_u64(s, v) < 0)
		return jbad(path, key, err);
	return 0;
}

static int get_pos(const struct ckpt *c, const char *what, const char *k, int *has,
		   struct mc_pos *p, struct mc_err *err)
{
	const char *v = ckpt_get(c, k);
	*has = 0;
	if (!v)
		return 0;
	if (pos_parse(v, p, err) < 0)
		return jbad(what, k, err);
	*has = 1;
	return 0;
}

int odps_journal_from_ckpt(const struct ckpt *c, const char *path, struct odps_journal *j,
			   struct mc_err *err)
{
	uint64_t n, v;
	char k[64];
	int has;
	memset(j, 0, sizeof *j);
	if (get_u64(c, path, "seq", &j->seq, err) < 0 || get_u64(c, path, "parts", &n, err) < 0)
		goto bad;
	if (ckpt_get(c, "attempt") && get_u64(c, path, "attempt", &j->attempt, err) < 0)
		goto bad;
	for (uint64_t i = 0; i < n; i++) {
		struct odps_jent *e;
		const char *t, *p, *s;
		snprintf(k, sizeof k, "p.%llu.table", (unsigned long long)i);
		t = ckpt_get(c, k);
		snprintf(k, sizeof k, "p.%llu.part", (unsigned long long)i);
		p = ckpt_get(c, k);
		if (!t || !p) {
			jbad(path, k, err);
			goto bad;
		}
		if (odps_journal_add(j, t, p, &e, err) < 0)
			goto bad;
		snprintf(k, sizeof k, "p.%llu.session", (unsigned long long)i);
		if (!(s = ckpt_get(c, k)) || strlen(s) >= sizeof e->session) {
			jbad(path, k, err);
			goto bad;
		}
		memcpy(e->session, s, strlen(s) + 1);
		snprintf(k, sizeof k, "p.%llu.blocks", (unsigned long long)i);
		if (get_u64(c, path, k, &v, err) < 0)
			goto bad;
		if (v > 20000) {
			jbad(path, k, err);
			goto bad;
		}
		e->nblocks = (uint32_t)v;
		snprintf(k, sizeof k, "p.%llu.rows", (unsigned long long)i);
		if (get_u64(c, path, k, &e->rows, err) < 0)
			goto bad;
		snprintf(k, sizeof k, "p.%llu.lo", (unsigned long long)i);
		if (get_pos(c, path, k, &e->has_pos, &e->lo, err) < 0)
			goto bad;
		snprintf(k, sizeof k, "p.%llu.hi", (unsigned long long)i);
		if (get_pos(c, path, k, &has, &e->hi, err) < 0)
			goto bad;
		if (has != e->has_pos) {
			jbad(path, k, err);
			goto bad;
		}
		snprintf(k, sizeof k, "p.%llu.images", (unsigned long long)i);
		if (ckpt_get(c, k) && get_u64(c, path, k, &e->images, err) < 0)
			goto bad;
		snprintf(k, sizeof k, "p.%llu.tlo", (unsigned long long)i);
		if (get_pos(c, path, k, &e->has_tpos, &e->tlo, err) < 0)
			goto bad;
		snprintf(k, sizeof k, "p.%llu.thi", (unsigned long long)i);
		if (get_pos(c, path, k, &has, &e->thi, err) < 0)
			goto bad;
		if (has != e->has_tpos) {
			jbad(path, k, err);
			goto bad;
		}
		snprintf(k, sizeof k, "p.%llu.nthi", (unsigned long long)i);
		if (ckpt_get(c, k) && get_u64(c, path, k, &e->nthi, err) < 0)
			goto bad;
		snprintf(k, sizeof k, "p.%llu.before", (unsigned long long)i);
		if (ckpt_get(c, k)) {
			if (get_u64(c, path, k, &e->before, err) < 0)
				goto bad;
			e->has_before = 1;
		}
		snprintf(k, sizeof k, "p.%llu.spool", (unsigned long long)i);
		if ((s = ckpt_get(c, k))) {
			unsigned long long sz, f;
			unsigned int crc;
			char tail, enc[8] = "";
			int nf = sscanf(s, "%llu %8x %llu %7s%c", &sz, &crc, &f, enc, &tail);
			if ((nf != 3 && nf != 4) ||
			    (nf == 4 && strcmp(enc, "none") && strcmp(enc, "deflate") && strcmp(enc, "zstd"))) {
				jbad(path, k, err);
				goto bad;
			}
			memcpy(e->spool_enc, enc, sizeof e->spool_enc);
			e->spooled = 1;
			e->spool_size = sz;
			e->spool_crc = crc;
			e->spool_file = f;
		}
		snprintf(k, sizeof k, "p.%llu.state", (unsigned long long)i);
		if (!(s = ckpt_get(c, k))) {
			jbad(path, k, err);
			goto bad;
		}
		for (v = 0; v < 3 && strcmp(s, jstates[v]); v++)
			;
		if (v == 3) {
			jbad(path, k, err);
			goto bad;
		}
		e->state = (enum odps_jstate)v;
	}
	j->rolled_back = ckpt_get(c, "rolledback") != NULL;
	if (ckpt_get(c, "after")) {
		if (strcmp(ckpt_get(c, "after"), "1") != 0) {
			jbad(path, "after", err);
			goto bad;
		}
		for (size_t i = 0; i < c->n; i++) {
			struct ckpt *to = !strncmp(c->kv[i].k, "after.l.", 8)   ? &j->ledger1
					  : !strncmp(c->kv[i].k, "after.s.", 8) ? &j->state1
										: NULL;
			if (to && ckpt_append(to, c->kv[i].k + 8, c->kv[i].v, err) < 0)
				goto bad;
		}
		for (size_t i = 0; i < j->n; i++)
			if (!j->e[i].spooled && j->e[i].state != ODPS_J_IN) {
				snprintf(k, sizeof k, "p.%zu.spool", i);
				jbad(path, k, err);
				goto bad;
			}
		if (!j->ledger1.n || !j->state1.n) {
			jbad(path, j->ledger1.n ? "after.s" : "after.l", err);
			goto bad;
		}
		j->has_after = 1;
	}
	return 0;
bad:
	odps_journal_free(j);
	return -1;
}

int odps_journal_read(const char *dir, struct odps_journal *j, struct mc_err *err)
{
	char *path = path_of(dir, ODPS_JOURNAL, err);
	struct ckpt c;
	int rc;
	memset(j, 0, sizeof *j);
	if (!path)
		return -1;
	rc = ckpt_read(path, &c, err);
	if (rc > 0) {
		rc = odps_journal_from_ckpt(&c, path, j, err) < 0 ? -1 : 1;
		ckpt_free(&c);
	}
	free(path);
	return rc;
}

static int add_pos(struct ckpt *c, const char *k, const struct mc_pos *p, struct mc_err *err)
{
	char v[96];
	pos_format(p, v, sizeof v);
	return ckpt_append(c, k, v, err);
}

int odps_journal_to_ckpt(const struct odps_journal *j, struct ckpt *c, struct mc_err *err)
{
	char k[64], v[128];
	int rc = 0;
	memset(c, 0, sizeof *c);
	snprintf(v, sizeof v, "%llu", (unsigned long long)j->seq);
	rc |= ckpt_append(c, "seq", v, err);
	snprintf(v, sizeof v, "%llu", (unsigned long long)j->attempt);
	rc |= ckpt_append(c, "attempt", v, err);
	snprintf(v, sizeof v, "%zu", j->n);
	rc |= ckpt_append(c, "parts", v, err);
	for (size_t i = 0; i < j->n && rc == 0; i++) {
		const struct odps_jent *e = &j->e[i];
		snprintf(k, sizeof k, "p.%zu.table", i);
		rc |= ckpt_append(c, k, e->table, err);
		snprintf(k, sizeof k, "p.%zu.part", i);
		rc |= ckpt_append(c, k, e->part, err);
		snprintf(k, sizeof k, "p.%zu.session", i);
		rc |= ckpt_append(c, k, e->session, err);
		snprintf(k, sizeof k, "p.%zu.blocks", i);
		snprintf(v, sizeof v, "%u", e->nblocks);
		rc |= ckpt_append(c, k, v, err);
		snprintf(k, sizeof k, "p.%zu.rows", i);
		snprintf(v, sizeof v, "%llu", (unsigned long long)e->rows);
		rc |= ckpt_append(c, k, v, err);
		if (e->has_pos) {
			snprintf(k, sizeof k, "p.%zu.lo", i);
			rc |= add_pos(c, k, &e->lo, err);
			snprintf(k, sizeof k, "p.%zu.hi", i);
			rc |= add_pos(c, k, &e->hi, err);
		}
		snprintf(k, sizeof k, "p.%zu.images", i);
		snprintf(v, sizeof v, "%llu", (unsigned long long)e->images);
		rc |= ckpt_append(c, k, v, err);
		if (e->has_tpos) {
			snprintf(k, sizeof k, "p.%zu.tlo", i);
			rc |= add_pos(c, k, &e->tlo, err);
			snprintf(k, sizeof k, "p.%zu.thi", i);
			rc |= add_pos(c, k, &e->thi, err);
			snprintf(k, sizeof k, "p.%zu.nthi", i);
			snprintf(v, sizeof v, "%llu", (unsigned long long)e->nthi);
			rc |= ckpt_append(c, k, v, err);
		}
		if (e->has_before) {
			snprintf(k, sizeof k, "p.%zu.before", i);
			snprintf(v, sizeof v, "%llu", (unsigned long long)e->before);
			rc |= ckpt_append(c, k, v, err);
		}
		if (e->spooled) {
			snprintf(k, sizeof k, "p.%zu.spool", i);
			snprintf(v, sizeof v, "%llu %08x %llu%s%s", (unsigned long long)e->spool_size,
				 (unsigned)e->spool_crc, (unsigned long long)e->spool_file,
				 e->spool_enc[0] ? " " : "", e->spool_enc);
			rc |= ckpt_append(c, k, v, err);
		}
		snprintf(k, sizeof k, "p.%zu.state", i);
		rc |= ckpt_append(c, k, jstates[e->state], err);
	}
	if (rc) {
		ckpt_free(c);
		return -1;
	}
	return 0;
}

int odps_journal_write(const char *dir, const struct odps_journal *j, struct mc_err *err)
{
	char *path = path_of(dir, ODPS_JOURNAL, err);
	struct ckpt c = { 0 };
	int rc;
	if (!path)
		return -1;
	rc = odps_journal_to_ckpt(j, &c, err);
	if (rc == 0 && j->rolled_back)
		rc |= ckpt_append(&c, "rolledback", "1", err);
	if (rc == 0 && j->has_after) {
		struct mc_buf k = { 0 };
		rc |= ckpt_append(&c, "after", "1", err);
		for (int f = 0; f < 2 && rc == 0; f++) {
			const struct ckpt *from = f ? &j->state1 : &j->ledger1;
			for (size_t i = 0; i < from->n && rc == 0; i++) {
				k.len = 0;
				if (buf_addf(&k, "after.%c.%s%c", f ? 's' : 'l', from->kv[i].k, 0) < 0)
					rc = mc_oom(err, "journal");
				else
					rc |= ckpt_append(&c, k.p, from->kv[i].v, err);
			}
		}
		buf_free(&k);
	}
	if (rc == 0)
		rc = ckpt_write(path, &c, err);
	ckpt_free(&c);
	free(path);
	return rc ? -1 : 0;
}

int odps_journal_remove(const char *dir, struct mc_err *err)
{
	char *path = path_of(dir, ODPS_JOURNAL, err);
	int rc = 0;
	if (!path)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT)
		rc = mc_errnof(err, errno, "'%s'", path);
	free(path);
	return rc;
}

/* ---- the state file ---- */

void odps_statefile_free(struct odps_statefile *s)
{
	for (size_t i = 0; i < s->ndone; i++) {
		free(s->done[i].table);
		free(s->done[i].part);
	}
	for (size_t i = 0; i < s->npm; i++) {
		free(s->pm[i].table);
		free(s->pm[i].part);
	}
	free(s->done);
	free(s->pm);
	free(s->dest);
	free(s->writer);
	memset(s, 0, sizeof *s);
}

int odps_statefile_done(struct odps_statefile *s, const char *table, const char *part,
			uint64_t seq, struct mc_err *err)
{
	struct odps_done *d;
	if (mc_push(&s->done, &s->ndone, &s->cap, sizeof *s->done) < 0)
		return mc_oom(err, "state");
	d = &s->done[s->ndone - 1];
	d->seq = seq;
	d->table = mc_strdup(table);
	d->part = mc_strdup(part);
	if (!d->table || !d->part) {
		free(d->table);
		free(d->part);
		s->ndone--;
		return mc_oom(err, "state");
	}
	return 0;
}

struct odps_pmax *odps_statefile_pmax(const struct odps_statefile *s, const char *table,
				      const char *part)
{
	for (size_t i = 0; i < s->npm; i++)
		if (!strcmp(s->pm[i].table, table) && !strcmp(s->pm[i].part, part))
			return &s->pm[i];
	return NULL;
}

int odps_statefile_pmax_add(struct odps_statefile *s, const char *table, const char *part,
			    const struct mc_pos *hi, uint64_t nhi, struct mc_err *err)
{
	struct odps_pmax *m = odps_statefile_pmax(s, table, part);
	if (!m) {
		if (mc_push(&s->pm, &s->npm, &s->pmcap, sizeof *s->pm) < 0)
			return mc_oom(err, "state");
		m = &s->pm[s->npm - 1];
		memset(m, 0, sizeof *m);
		m->table = mc_strdup(table);
		m->part = mc_strdup(part);
		if (!m->table || !m->part) {
			free(m->table);
			free(m->part);
			s->npm--;
			return mc_oom(err, "state");
		}
		m->max = *hi;
		m->n = nhi;
		return 0;
	}
	int c = pos_cmp(hi, &m->max);
	if (c > 0) {
		m->max = *hi;
		m->n = nhi;
	} else if (c == 0) {
		m->n += nhi;
	}
	return 0;
}

void odps_statefile_prune(struct odps_statefile *s, const struct mc_pos *below)
{
	size_t k = 0;
	if (s->has_pruned && pos_cmp(below, &s->pruned) <= 0)
		return;
	for (size_t i = 0; i < s->npm; i++) {
		if (pos_cmp(&s->pm[i].max, below) < 0) {
			free(s->pm[i].table);
			free(s->pm[i].part);
			continue;
		}
		s->pm[k++] = s->pm[i];
	}
	s->npm = k;
	s->pruned = *below;
	s->has_pruned = 1;
}

int odps_statefile_copy(struct odps_statefile *to, const struct odps_statefile *from,
			struct mc_err *err)
{
	struct ckpt c;
	int rc;
	if (odps_statefile_to_ckpt(from, &c, err) < 0)
		return -1;
	rc = odps_statefile_from_ckpt(&c, "state", to, err);
	ckpt_free(&c);
	return rc;
}

int odps_statefile_from_ckpt(const struct ckpt *c, const char *path, struct odps_statefile *s,
			     struct mc_err *err)
{
	int rc = 0;
	memset(s, 0, sizeof *s);
	if (!ckpt_get(c, "dest") || !(s->dest = mc_strdup(ckpt_get(c, "dest"))))
		rc = jbad(path, "dest", err);
	if (rc == 0 && ckpt_get(c, "writer") && !(s->writer = mc_strdup(ckpt_get(c, "writer"))))
		rc = mc_oom(err, "state");
	if (rc == 0 && ckpt_get(c, "seq") && num_u64(ckpt_get(c, "seq"), &s->seq) < 0)
		rc = jbad(path, "seq", err);
	if (rc == 0 && ckpt_get(c, "pruned")) {
		if (pos_parse(ckpt_get(c, "pruned"), &s->pruned, err) < 0)
			rc = jbad(path, "pruned", err);
		s->has_pruned = 1;
	}
	for (size_t i = 0; i < c->n && rc == 0; i++) {
		char t[256], p[512], q[96];
		unsigned long long seq;
		struct mc_pos pos;
		if (strncmp(c->kv[i].k, "done.", 5) == 0) {
			if (sscanf(c->kv[i].v, "%llu %255s %511s", &seq, t, p) != 3 ||
			    odps_statefile_done(s, t, p, seq, err) < 0)
				rc = err->code ? -1 : jbad(path, c->kv[i].k, err);
		} else if (strncmp(c->kv[i].k, "max.", 4) == 0) {
			if (sscanf(c->kv[i].v, "%95s %llu %255s %511s", q, &seq, t, p) != 4 ||
			    pos_parse(q, &pos, err) < 0 || odps_statefile_pmax(s, t, p) ||
			    odps_statefile_pmax_add(s, t, p, &pos, seq, err) < 0)
				rc = err->code == MC_EXIT_DATA || !err->code ? jbad(path, c->kv[i].k, err) : -1;
		}
	}
	if (rc < 0)
		odps_statefile_free(s);
	return rc < 0 ? -1 : 0;
}

int odps_statefile_read(const char *dir, struct odps_statefile *s, struct mc_err *err)
{
	char *path = path_of(dir, ODPS_STATEFILE, err);
	struct ckpt c;
	int rc;
	memset(s, 0, sizeof *s);
	if (!path)
		return -1;
	rc = ckpt_read(path, &c, err);
	if (rc > 0) {
		rc = odps_statefile_from_ckpt(&c, path, s, err) < 0 ? -1 : 1;
		ckpt_free(&c);
	}
	free(path);
	return rc;
}

int odps_statefile_to_ckpt(const struct odps_statefile *s, struct ckpt *c, struct mc_err *err)
{
	struct mc_buf v = { 0 };
	char k[64], q[96];
	int rc = 0;
	memset(c, 0, sizeof *c);
	rc |= ckpt_append(c, "dest", s->dest, err);
	if (s->writer)
		rc |= ckpt_append(c, "writer", s->writer, err);
	if (s->seq) {
		snprintf(q, sizeof q, "%llu", (unsigned long long)s->seq);
		rc |= ckpt_append(c, "seq", q, err);
	}
	if (s->has_pruned)
		rc |= add_pos(c, "pruned", &s->pruned, err);
	for (size_t i = 0; i < s->ndone && rc == 0; i++) {
		v.len = 0;
		if (buf_addf(&v, "%llu %s %s%c", (unsigned long long)s->done[i].seq,
			     s->done[i].table, s->done[i].part, 0) < 0) {
			rc = mc_oom(err, "state");
			break;
		}
		snprintf(k, sizeof k, "done.%zu", i);
		rc |= ckpt_append(c, k, v.p, err);
	}
	for (size_t i = 0; i < s->npm && rc == 0; i++) {
		v.len = 0;
		pos_format(&s->pm[i].max, q, sizeof q);
		if (buf_addf(&v, "%s %llu %s %s%c", q, (unsigned long long)s->pm[i].n,
			     s->pm[i].table, s->pm[i].part, 0) < 0) {
			rc = mc_oom(err, "state");
			break;
		}
		snprintf(k, sizeof k, "max.%zu", i);
		rc |= ckpt_append(c, k, v.p, err);
	}
	buf_free(&v);
	if (rc) {
		ckpt_free(c);
		return -1;
	}
	return 0;
}

int odps_statefile_write(const char *dir, const struct odps_statefile *s, struct mc_err *err)
{
	char *path = path_of(dir, ODPS_STATEFILE, err);
	struct ckpt c = { 0 };
	int rc;
	if (!path)
		return -1;
	rc = odps_statefile_to_ckpt(s, &c, err);
	if (rc == 0)
		rc = ckpt_write(path, &c, err);
	ckpt_free(&c);
	free(path);
	return rc ? -1 : 0;
}

/* ---- for the state mirror (odps/mirror.h) ---- */

/* How many rows of earlier commits e's partition holds in [tlo, thi],
 * from the state file of the commit before (0 unknown). */
void odps_statefile_before(const struct odps_statefile *sf, struct odps_jent *e)
{
	const struct odps_pmax *m = odps_statefile_pmax(sf, e->table, e->part);
	e->has_before = 0;
	if (!e->has_tpos)
		return;
	if (!m) {
		/* none since `pruned`: every row of it lies below */
		if (!sf->has_pruned || pos_cmp(&e->tlo, &sf->pruned) >= 0) {
			e->before = 0;
			e->has_before = 1;
		}
		return;
	}
	int c = pos_cmp(&m->max, &e->tlo);
	if (c < 0) {
		e->before = 0;
		e->has_before = 1;
	} else if (c == 0) {
		e->before = m->n;
		e->has_before = 1;
	}
}

/* The lowest position a later commit may bring (the lowest of the
 * sources' committed positions and of the snapshot's watermarks): what the
 * state file's partitions below it are dropped at. 0 when there is none. */
int odps_prune_at(const struct mc_ledger *l, struct mc_pos *at)
{
	int any = 0;
	for (size_t i = 0; i <= l->nmore; i++) {
		const struct mc_ledger *s = i ? &l->more[i - 1] : l;
		if (!s->has_pos)
			return 0;
		if (!any || pos_cmp(&s->pos, at) < 0)
			*at = s->pos;
		any = 1;
	}
	if (l->has_snap_low && pos_cmp(&l->snap_low, at) < 0)
		*at = l->snap_low;
	return any;
}
