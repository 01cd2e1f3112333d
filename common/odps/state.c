/* state.c: the journal and state file of the MaxCompute destination
 * (state.h). Journal keys: "seq", "parts", then per entry i "p.I.table",
 * "p.I.part", "p.I.session", "p.I.blocks", "p.I.rows", "p.I.lo", "p.I.hi"
 * (positions, optional), "p.I.state" (doubt, in, out). State file: "dest",
 * "done.I" = "SEQ TABLE PART". */
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

int odps_journal_read(const char *dir, struct odps_journal *j, struct mc_err *err)
{
	char *path = path_of(dir, ODPS_JOURNAL, err);
	struct ckpt c;
	uint64_t n, v;
	char k[64];
	int rc;
	memset(j, 0, sizeof *j);
	if (!path)
		return -1;
	rc = ckpt_read(path, &c, err);
	if (rc <= 0) {
		free(path);
		return rc;
	}
	rc = -1;
	if (get_u64(&c, path, "seq", &j->seq, err) < 0 || get_u64(&c, path, "parts", &n, err) < 0)
		goto out;
	for (uint64_t i = 0; i < n; i++) {
		struct odps_jent *e;
		const char *t, *p, *s;
		snprintf(k, sizeof k, "p.%llu.table", (unsigned long long)i);
		t = ckpt_get(&c, k);
		snprintf(k, sizeof k, "p.%llu.part", (unsigned long long)i);
		p = ckpt_get(&c, k);
		if (!t || !p) {
			jbad(path, k, err);
			goto out;
		}
		if (odps_journal_add(j, t, p, &e, err) < 0)
			goto out;
		snprintf(k, sizeof k, "p.%llu.session", (unsigned long long)i);
		if (!(s = ckpt_get(&c, k)) || strlen(s) >= sizeof e->session) {
			jbad(path, k, err);
			goto out;
		}
		memcpy(e->session, s, strlen(s) + 1);
		snprintf(k, sizeof k, "p.%llu.blocks", (unsigned long long)i);
		if (get_u64(&c, path, k, &v, err) < 0)
			goto out;
		if (v > 20000) {
			jbad(path, k, err);
			goto out;
		}
		e->nblocks = (uint32_t)v;
		snprintf(k, sizeof k, "p.%llu.rows", (unsigned long long)i);
		if (get_u64(&c, path, k, &e->rows, err) < 0)
			goto out;
		snprintf(k, sizeof k, "p.%llu.lo", (unsigned long long)i);
		if ((s = ckpt_get(&c, k))) {
			const char *h;
			snprintf(k, sizeof k, "p.%llu.hi", (unsigned long long)i);
			if (pos_parse(s, &e->lo, err) < 0 || !(h = ckpt_get(&c, k)) ||
			    pos_parse(h, &e->hi, err) < 0) {
				jbad(path, k, err);
				goto out;
			}
			e->has_pos = 1;
		}
		snprintf(k, sizeof k, "p.%llu.state", (unsigned long long)i);
		if (!(s = ckpt_get(&c, k))) {
			jbad(path, k, err);
			goto out;
		}
		for (v = 0; v < 3 && strcmp(s, jstates[v]); v++)
			;
		if (v == 3) {
			jbad(path, k, err);
			goto out;
		}
		e->state = (enum odps_jstate)v;
	}
	rc = 1;
out:
	if (rc < 0)
		odps_journal_free(j);
	ckpt_free(&c);
	free(path);
	return rc;
}

int odps_journal_write(const char *dir, const struct odps_journal *j, struct mc_err *err)
{
	char *path = path_of(dir, ODPS_JOURNAL, err);
	struct ckpt c = { 0 };
	char k[64], v[128];
	int rc = 0;
	if (!path)
		return -1;
	snprintf(v, sizeof v, "%llu", (unsigned long long)j->seq);
	rc |= ckpt_append(&c, "seq", v, err);
	snprintf(v, sizeof v, "%zu", j->n);
	rc |= ckpt_append(&c, "parts", v, err);
	for (size_t i = 0; i < j->n && rc == 0; i++) {
		const struct odps_jent *e = &j->e[i];
		snprintf(k, sizeof k, "p.%zu.table", i);
		rc |= ckpt_append(&c, k, e->table, err);
		snprintf(k, sizeof k, "p.%zu.part", i);
		rc |= ckpt_append(&c, k, e->part, err);
		snprintf(k, sizeof k, "p.%zu.session", i);
		rc |= ckpt_append(&c, k, e->session, err);
		snprintf(k, sizeof k, "p.%zu.blocks", i);
		snprintf(v, sizeof v, "%u", e->nblocks);
		rc |= ckpt_append(&c, k, v, err);
		snprintf(k, sizeof k, "p.%zu.rows", i);
		snprintf(v, sizeof v, "%llu", (unsigned long long)e->rows);
		rc |= ckpt_append(&c, k, v, err);
		if (e->has_pos) {
			snprintf(k, sizeof k, "p.%zu.lo", i);
			pos_format(&e->lo, v, sizeof v);
			rc |= ckpt_append(&c, k, v, err);
			snprintf(k, sizeof k, "p.%zu.hi", i);
			pos_format(&e->hi, v, sizeof v);
			rc |= ckpt_append(&c, k, v, err);
		}
		snprintf(k, sizeof k, "p.%zu.state", i);
		rc |= ckpt_append(&c, k, jstates[e->state], err);
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
	free(s->done);
	free(s->dest);
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

int odps_statefile_read(const char *dir, struct odps_statefile *s, struct mc_err *err)
{
	char *path = path_of(dir, ODPS_STATEFILE, err);
	struct ckpt c;
	int rc;
	memset(s, 0, sizeof *s);
	if (!path)
		return -1;
	rc = ckpt_read(path, &c, err);
	if (rc <= 0) {
		free(path);
		return rc;
	}
	rc = 1;
	if (!ckpt_get(&c, "dest") || !(s->dest = mc_strdup(ckpt_get(&c, "dest"))))
		rc = jbad(path, "dest", err);
	for (size_t i = 0; i < c.n && rc > 0; i++) {
		char t[256], p[512];
		unsigned long long seq;
		if (strncmp(c.kv[i].k, "done.", 5) != 0)
			continue;
		if (sscanf(c.kv[i].v, "%llu %255s %511s", &seq, t, p) != 3 ||
		    odps_statefile_done(s, t, p, seq, err) < 0)
			rc = err->code ? -1 : jbad(path, c.kv[i].k, err);
	}
	if (rc < 0)
		odps_statefile_free(s);
	ckpt_free(&c);
	free(path);
	return rc;
}

int odps_statefile_write(const char *dir, const struct odps_statefile *s, struct mc_err *err)
{
	char *path = path_of(dir, ODPS_STATEFILE, err);
	struct ckpt c = { 0 };
	struct mc_buf v = { 0 };
	char k[64];
	int rc = 0;
	if (!path)
		return -1;
	rc |= ckpt_append(&c, "dest", s->dest, err);
	for (size_t i = 0; i < s->ndone && rc == 0; i++) {
		v.len = 0;
		if (buf_addf(&v, "%llu %s %s%c", (unsigned long long)s->done[i].seq,
			     s->done[i].table, s->done[i].part, 0) < 0) {
			rc = mc_oom(err, "state");
			break;
		}
		snprintf(k, sizeof k, "done.%zu", i);
		rc |= ckpt_append(&c, k, v.p, err);
	}
	if (rc == 0)
		rc = ckpt_write(path, &c, err);
	buf_free(&v);
	ckpt_free(&c);
	free(path);
	return rc ? -1 : 0;
}
