/* merge_odps.c: the merge in MaxCompute (merge_odps.h). */
#include "odps/merge_odps.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/day.h"
#include "stream/ckpt.h"
#include "stream/ledger.h"
#include "odps/gen.h"
#include "odps/merge_odps_int.h"
#include "odps/mirror.h"
#include "odps/state.h"
#include "odps/tables.h"
#include "odps/logpos.h"
#include "odps/ddlmark.h"
#include "wh/layout.h"
#include "wh/merge_sql.h"
#include "wh/mergejob.h"
#include "wh/wh.h"
#include "wh/whpart.h"

#define REC_DS "ds."


void odps_mo_say(struct mo *m, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	if (!m->o->verbose || !m->o->say.fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	m->o->say.fn(m->o->say.ctx, line);
}

int odps_mo_sql(struct mo *m, const char *q, struct mc_buf *out, struct mc_err *err)
{
	struct mc_buf tmp = { 0 };
	int rc = odps_sql_run(m->c, &m->so, q, ODPS_SQL_IDEMPOTENT, out ? out : &tmp, err);
	buf_free(&tmp);
	return rc;
}

/* ---- state ---- */

static int lock_and_read(struct mo *m, struct mc_err *err)
{
	struct mc_buf p = { 0 };
	struct ckpt c;
	int rc;
	/* the generation read before the lock is the one merged (gen.h) */
	m->lockfd = odps_gen_lock(m->o->state, m->lo->table, "is being merged by another mc-merge",
				  err);
	if (m->lockfd < 0 || odps_gen_same(m->o->state, m->lo->table, m->o->table, err) < 0 ||
	    odps_merge_state_check(m->o->state, m->o->dest, m->lo->table, err) < 0)
		return -1;
	if (buf_addf(&p, "%s/_mcsync/ledger%c", m->o->state, 0) < 0)
		return mc_oom(err, "path");
	rc = ckpt_read(p.p, &c, err);
	if (rc == 0)
		mc_errf(err, MC_EXIT_DATA,
			"--state: '%s' does not exist: nothing was uploaded into MaxCompute with this "
			"state directory (give the --state of mc-tunnel-put --dest=odps://...)", p.p);
	if (rc > 0) {
		rc = ledger_from_ckpt(&c, p.p, &m->L, err);
		ckpt_free(&c);
	}
	buf_free(&p);
	if (rc <= 0)
		return -1;
	if (!(m->recpath = wh_pathf("%s/merge.%s", m->o->state, m->lo->table)))
		return mc_oom(err, "path");
	return ckpt_read(m->recpath, &m->rec, err) < 0 ? -1 : 0;
}

/* The table's source: one history (as --emit-sql: a SQL range over the
 * log's positions cannot tell histories apart). */
static int source(struct mo *m, struct mc_err *err)
{
	size_t t = 0, n = 0;
	ledger_tsrc_get(&m->L, m->lo->table, &t);
	for (size_t i = 0; i <= m->L.nmore; i++)
		if (ledger_src_same(&m->L, t, i))
			n++;
	if (n > 1)
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s''s source has %zu binlog histories in the ledger (RESET "
			       "MASTER or a new history): its log's positions repeat, which the "
			       "merge in MaxCompute (a SQL range) cannot tell apart",
			       m->o->table, n);
	m->src = ledger_src(&m->L, t);
	return 0;
}

/* ---- the table ---- */

/* T not in mcsync's layout (no mcsync comment: a table someone else made,
 * used with mc-tunnel-put --existing-tables=proceed): its data columns are
 * those T_log has too, in T's order; the others are left NULL by naming
 * the columns the INSERT writes. A column of T_log that T lacks is exit 1. */
static int columns_by_name(struct mo *m, size_t *n, struct mc_err *err)
{
	char log[300];
	int havepos = 0;
	snprintf(log, sizeof log, "%s_log", m->o->table);
	if (odps_tables_desc(m->c, &m->so, log, &m->dl, err) < 0)
		return -1;
	*n = 0;
	for (size_t i = 0; i < m->d.ncols; i++) {
		if (odps_is_pos_name(m->d.names[i])) {
			havepos++;
			continue;
		}
		for (size_t j = 0; j < m->dl.ncols; j++)
			if (!strcasecmp(m->d.names[i], m->dl.names[j])) {
				if (*n == MC_MAX_COLUMNS)
					return mc_errf(err, MC_EXIT_DATA, "MaxCompute table '%s': too "
						       "many columns", m->o->table);
				m->cols[*n].name = mc_str_c(m->d.names[i], strlen(m->d.names[i]));
				m->cols[*n].mc_type = mc_str_c(m->d.types[i], strlen(m->d.types[i]));
				(*n)++;
				break;
			}
	}
	if (havepos != 3)
		return mc_errf(err, MC_EXIT_DATA,
			       "MaxCompute table '%s': has not mc_pos_file, mc_pos_off and "
			       "mc_pos_row: not a base table of mcsync (docs/maxcompute.md \"Tables\")",
			       m->o->table);
	for (size_t j = 0; j < m->dl.ncols; j++) {
		size_t i;
		if (odps_logpos_is_meta(m->lay, m->dl.names[j]))
			continue;
		for (i = 0; i < *n; i++)
			if (!strcasecmp(m->dl.names[j], m->cols[i].name.p))
				break;
		if (i == *n)
			return mc_errf(err, MC_EXIT_DATA,
				       "MaxCompute table '%s_log' has a column '%s' that '%s' has not: "
				       "add it to '%s' (ALTER TABLE ... ADD COLUMNS) or merge elsewhere",
				       m->o->table, m->dl.names[j], m->o->table, m->o->table);
	}
	m->named_insert = 1;
	return 0;
}

/* --key's columns k are not a key the source has: its schema (the state's
 * history, docs/maxcompute.md "Schema changes") has none, or another, or
 * there is no history to tell. */
static int declared_key(const struct mo *m, const uint32_t *k, size_t nk)
{
	const struct mc_rec *S;
	if (m->mh.h.n == 0)
		return 1;
	S = &m->mh.h.v[m->mh.h.n - 1].s.rec;
	if (S->nkey != nk)
		return 1;
	for (size_t i = 0; i < nk; i++) {
		const struct mc_str *a, *b = &m->cols[k[i]].name;
		if (S->key[i] >= S->ncols)
			return 1;
		a = &S->cols[S->key[i]].name;
		if (a->n != b->n || strncasecmp(a->p, b->p, a->n) != 0)
			return 1;
	}
	return 0;
}

static int columns(struct mo *m, struct mc_err *err)
{
	static const char *const pos[3] = { "mc_pos_file", "mc_pos_off", "mc_pos_row" };
	size_t n;
	if (odps_tables_desc(m->c, &m->so, m->o->table, &m->d, err) < 0)
		return -1;
	if (!strstr(m->d.comment, "mcsync: ")) {
		if (columns_by_name(m, &n, err) < 0)
			return -1;
	} else {
		if (m->d.ncols < 4 || m->d.ncols - 3 > MC_MAX_COLUMNS)
			return mc_errf(err, MC_EXIT_DATA,
				       "MaxCompute table '%s': not a base table of mcsync "
				       "(docs/maxcompute.md \"Tables\")", m->o->table);
		n = m->d.ncols - 3;
		for (int i = 0; i < 3; i++)
			if (strcasecmp(m->d.names[n + (size_t)i], pos[i]) != 0)
				return mc_errf(err, MC_EXIT_DATA,
					       "MaxCompute table '%s': column %zu is '%s', not '%s': not a "
					       "base table of mcsync (docs/maxcompute.md \"Tables\")",
					       m->o->table, n + (size_t)i + 1, m->d.names[n + (size_t)i],
					       pos[i]);
		for (size_t i = 0; i < n; i++) {
			m->cols[i].name = mc_str_c(m->d.names[i], strlen(m->d.names[i]));
			m->cols[i].mc_type = mc_str_c(m->d.types[i], strlen(m->d.types[i]));
		}
	}
	m->schema.kind = MC_R_SCHEMA;
	m->schema.cols = m->cols;
	m->schema.ncols = n;
	/* the key: the table's comment, or --key (which must agree) */
	uint32_t k[MC_MAX_COLUMNS];
	size_t nk = 0;
	int has = odps_comment_key(m->d.comment, m->key, MC_MAX_COLUMNS, &m->nkey);
	for (size_t i = 0; has && i < m->nkey; i++)
		if (m->key[i] >= n)
			has = 0, m->nkey = 0;
	if (m->o->key) {
		const char *p = m->o->key;
		while (*p) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p), i;
			for (i = 0; i < n; i++)
				if (m->cols[i].name.n == len && !strncmp(m->cols[i].name.p, p, len))
					break;
			if (i == n)
				return mc_errf(err, MC_EXIT_USAGE, "--key: table '%s' has no column '%.*s'",
					       m->o->table, (int)len, p);
			if (nk == MC_MAX_COLUMNS)
				return mc_errf(err, MC_EXIT_USAGE, "--key: too many columns");
			k[nk++] = (uint32_t)i;
			p += len + (e ? 1 : 0);
			if (e && !*p)
				return mc_errf(err, MC_EXIT_USAGE, "--key: empty column name");
		}
		if (has && (nk != m->nkey || memcmp(k, m->key, nk * sizeof *k) != 0))
			return mc_errf(err, MC_EXIT_USAGE, "--key: table '%s' has a key already",
				       m->o->table);
		m->declared = !has && declared_key(m, k, nk);
		memcpy(m->key, k, nk * sizeof *k);
		m->nkey = nk;
		m->key_given = !has;
	} else if (!has) {
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s' has no primary or unique key: declare one with "
			       "--key=COL[,COL]", m->o->table);
	}
	return 0;
}

/* Across schema versions: the columns and key of the version in force at
 * upto (the tables hold the history's SQL columns, by name). */
static int hist_columns(struct mo *m, struct mc_err *err)
{
	struct odps_mhist *h = &m->mh;
	const struct mc_rec *T;
	size_t t;
	for (t = h->h.n - 1; t > 0 && !m->upto_inf && pos_cmp(&h->h.v[t].start, &m->upto) >= 0; t--)
		;
	h->target = h->lo = t;
	T = &h->h.v[t].s.rec;
	if (T->ncols > MC_MAX_COLUMNS)
		return mc_errf(err, MC_EXIT_DATA, "table '%s': too many columns", m->o->table);
	m->schema = *T;
	m->nkey = T->nkey;
	memcpy(m->key, T->key, T->nkey * sizeof *m->key);
	if (!m->nkey && m->o->key)
		return mc_errf(err, MC_EXIT_USAGE,
			       "--key: table '%s' has a schema history; its key is the source's "
			       "(schema version %zu has none): give the table a key at the source",
			       m->o->table, t + 1);
	if (!m->nkey)
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s' has no primary or unique key in schema version %zu",
			       m->o->table, t + 1);
	if (t > 0) {
		char p[64];
		pos_format(&h->h.v[t].start, p, sizeof p);
		odps_mo_say(m, "'%s': schema version %zu of %zu (from %s) is the merge's", m->o->table, t + 1,
		    h->h.n, p);
	}
	return 0;
}

static int partitions(struct mo *m, struct mc_err *err)
{
	struct mc_buf q = { 0 }, out = { 0 };
	int rc = -1;
	if (buf_adds(&q, "SHOW PARTITIONS ") < 0 ||
	    odps_ident(&q, m->o->table, strlen(m->o->table)) < 0 || buf_adds(&q, ";") < 0 ||
	    buf_addc(&q, '\0') < 0) {
		mc_oom(err, "SQL");
		goto out;
	}
	if (odps_mo_sql(m, q.p, &out, err) < 0 || buf_addc(&out, '\0') < 0)
		goto out;
	for (char *l = out.p, *nl; l && *l; l = nl) {
		int64_t d;
		if ((nl = strchr(l, '\n')))
			*nl++ = '\0';
		if (!*l)
			continue;
		if (strncmp(l, "ds=", 3) != 0 || day_parse(l + 3, &d) < 0) {
			mc_errf(err, MC_EXIT_DATA,
				"MaxCompute table '%s': partition '%s' is not ds=YYYYMMDD",
				m->o->table, l);
			goto out;
		}
		size_t i = m->ndays;
		if (mc_push(&m->days, &m->ndays, &m->capdays, sizeof *m->days) < 0) {
			mc_oom(err, "partitions");
			goto out;
		}
		while (i > 0 && m->days[i - 1] > d) { /* keep them sorted */
			m->days[i] = m->days[i - 1];
			i--;
		}
		m->days[i] = d;
	}
	rc = 0;
out:
	buf_free(&q);
	buf_free(&out);
	return rc;
}

/* ---- the plan ---- */

/* mc-merge made partition day: 1 and its from (= the upto it was built
 * with); 0: not one of ours (the snapshot's). */
static int recorded(struct mo *m, int64_t day, struct mc_pos *from, struct mc_err *err)
{
	char k[32], d[16];
	day_format(day, d);
	snprintf(k, sizeof k, REC_DS "%s", d);
	const char *v = ckpt_get(&m->rec, k);
	if (!v)
		return 0;
	if (pos_parse(v, from, err) < 0)
		return mc_errctx(err, "'%s': %s: ", m->recpath, k);
	return 1;
}

/* The snapshot's partition is a base once the table's snapshot is
 * complete in the ledger (its chain "done"); the log applies from the
 * lowest committed chunk watermark. */
static int snapshot_from(struct mo *m, int64_t day, struct mc_pos *from, struct mc_err *err)
{
	int found = 0, done = 0;
	char d[16];
	day_format(day, d);
	for (size_t i = 0; i < m->L.snap.n; i++) {
		const char *k = m->L.snap.kv[i].k, *dot;
		char nk[700], def[300];
		if (strncmp(k, "table.", 6) != 0 || !(dot = strchr(k + 6, '.')))
			continue; /* hex keys: named in the ledger's names, below */
		snprintf(nk, sizeof nk, LEDGER_K_NAME "%s", k + 6);
		const char *nm = ledger_name_get(&m->L, nk);
		if (!nm) {
			struct mc_str db = mc_str_c(k + 6, (size_t)(dot - k - 6));
			struct mc_str tb = mc_str_c(dot + 1, strlen(dot + 1));
			struct mc_err e2 = { 0 };
			if (wh_default_name(&db, &tb, def, sizeof def, &e2) < 0)
				continue;
			nm = def;
		}
		if (strcmp(nm, m->lo->table) != 0)
			continue;
		/* every table of the name (several: many -> one) done */
		done = (!found || done) &&
		       ledger_chain_parse(m->L.snap.kv[i].v, NULL, NULL) == LEDGER_CHAIN_END;
		found = 1;
	}
	for (size_t i = 0, found1 = (size_t)found; i < m->L.names.n; i++)
		if (!strcmp(m->L.names.kv[i].v, m->lo->table) &&
		    (!found1 || !strncmp(m->L.names.kv[i].k + strlen(LEDGER_K_NAME), "hex.", 4))) {
			const char *tk = m->L.names.kv[i].k + strlen(LEDGER_K_NAME);
			const char *v = ledger_chain_get(&m->L, tk);
			done = (!found || done) && v && ledger_chain_parse(v, NULL, NULL) == LEDGER_CHAIN_END;
			found = 1;
		}
	if (!found)
		return mc_errf(err, MC_EXIT_DATA,
			       "'%s/ds=%s': not made by mc-merge ('%s' does not name it) and the "
			       "ledger has no snapshot of table '%s': no full partition to start from",
			       m->o->table, d, m->recpath, m->o->table);
	if (!done)
		return mc_errf(err, MC_EXIT_DATA,
			       "'%s/ds=%s': the snapshot of table '%s' is not complete in the ledger: "
			       "the partition is incomplete (finish loading the snapshot)",
			       m->o->table, d, m->o->table);
	/* the lowest of the snapshot's rows' watermarks and the ledger's
	 * lowest chunk watermark (chunks without rows): the log is complete
	 * from there, and a change below a row's watermark loses to it */
	{
		struct mc_buf q = { 0 }, out = { 0 };
		unsigned long long f, o, r;
		int rc = -1;
		if (buf_addf(&q, "SELECT mc_pos_file, mc_pos_off, mc_pos_row FROM `%s` WHERE ds = '%s' "
				 "ORDER BY mc_pos_file, mc_pos_off, mc_pos_row LIMIT 1;%c",
			     m->o->table, d, 0) < 0) {
			mc_oom(err, "SQL");
			goto out;
		}
		if (odps_mo_sql(m, q.p, &out, err) < 0 || buf_addc(&out, '\0') < 0)
			goto out;
		memset(from, 0, sizeof *from);
		char *l = strchr(out.p, '\n');
		if (l && sscanf(l + 1, "%llu,%llu,%llu", &f, &o, &r) == 3) {
			from->file = f;
			from->off = o;
			from->row = r;
			if (m->L.has_snap_low && pos_cmp(&m->L.snap_low, from) < 0)
				*from = m->L.snap_low;
		} else if (m->L.has_snap_low) {
			*from = m->L.snap_low;
		}
		rc = 0;
	out:
		buf_free(&q);
		buf_free(&out);
		return rc;
	}
}

static int part_from(struct mo *m, int64_t day, struct mc_pos *from, struct mc_err *err)
{
	int r = recorded(m, day, from, err);
	if (r < 0)
		return -1;
	return r ? 0 : snapshot_from(m, day, from, err);
}

static int has_day(const struct mo *m, int64_t day)
{
	for (size_t i = 0; i < m->ndays; i++)
		if (m->days[i] == day)
			return 1;
	return 0;
}

/* --at=TIME: the first change of the table stamped after t. */
static int cut_at_time(struct mo *m, int64_t t, struct mc_err *err)
{
	struct mc_buf q = { 0 }, out = { 0 };
	int rc = -1;
	if (!m->src->has_hw || m->src->hw_time <= t) {
		char last[24];
		datetime_format(m->src->hw_time + m->L.utc_off, last);
		return mc_errf(err, MC_EXIT_DATA, "the log has not reached %s yet (%s%s)", m->o->at,
			       m->src->has_hw ? "its last change is at " : "no change loaded",
			       m->src->has_hw ? last : "");
	}
	/* dataworks' time in ms (time * 1000 > t * 1000 when time > t); its
	 * DDL rows no change, as mcsync's markers (mc_time NULL) */
	if (buf_addf(&q, "SELECT %s FROM `%s_log` WHERE %s > %" PRId64 "%s ORDER BY %s LIMIT 1;%c",
		     odps_logpos_cols(m->lay), m->o->table,
		     m->lay ? wh_layout_role(m->lay, "time") : "mc_time",
		     wh_layout_has_ddl(m->lay) ? t * 1000 : t,
		     wh_layout_has_ddl(m->lay) ? " AND operation_type IN ('I', 'U', 'D')" : "",
		     odps_logpos_cols(m->lay), 0) < 0) {
		mc_oom(err, "SQL");
		goto out;
	}
	if (odps_mo_sql(m, q.p, &out, err) < 0 || buf_addc(&out, '\0') < 0)
		goto out;
	{
		char *l = strchr(out.p, '\n'); /* after the header line */
		if (!l || odps_logpos_parse(m->lay, l + 1, &m->upto) < 0)
			m->upto_inf = 1;
	}
	/* or the first statement of the table's schema history stamped after
	 * t, if before (an ALTER after t is not in the state at t, whatever
	 * row comes after it: as the local merge, mergejob_plan.c hist_after) */
	for (size_t v = 0; v <= m->mh.h.n; v++) {
		const struct wh_hddl *d = v < m->mh.h.n ? m->mh.h.v[v].ddl : m->mh.h.pend;
		size_t n = v < m->mh.h.n ? m->mh.h.v[v].nddl : m->mh.h.npend;
		for (size_t i = 0; i < n; i++)
			if (d[i].time > t && (m->upto_inf || pos_cmp(&d[i].pos, &m->upto) < 0)) {
				m->upto = d[i].pos;
				m->upto_inf = 0;
			}
	}
	rc = 0;
out:
	buf_free(&q);
	buf_free(&out);
	return rc;
}

static int plan_at(struct mo *m, struct mc_err *err)
{
	const struct odps_merge_opts *o = m->o;
	if (o->at_is_pos) {
		struct mc_pos c = { 0, 0, 0 }, p = o->at_pos;
		int have = 0;
		char a[64];
		if (m->src->has_pos) {
			c = m->src->pos;
			have = 1;
		}
		if (m->src->has_resume && (!have || pos_cmp(&m->src->resume, &c) > 0)) {
			c = m->src->resume;
			have = 1;
		}
		if (p.row == UINT64_MAX)
			p.row = have && p.file == c.file && p.off == c.off ? c.row : UINT64_MAX;
		if (!have || pos_cmp(&p, &c) > 0) {
			pos_format(&c, a, sizeof a);
			return mc_errf(err, MC_EXIT_DATA,
				       "--at=%s is beyond what MaxCompute has committed (%s): the state "
				       "there can still change; merge at or below it, or wait for the log "
				       "to pass it", o->at, have ? a : "no change yet");
		}
		m->upto = p; /* the position after the point (as mergejob.c) */
		if (pos_next(&m->upto) < 0)
			m->upto_inf = 1;
	} else if (m->ndays > 0 && day_of(o->at_time - m->L.utc_off, m->L.utc_off) < m->days[0]) {
		/* the log is complete from the snapshot on: a time before it has
		 * no change after it that is not also after the snapshot, so the
		 * cut below would take the snapshot as the state then. The base
		 * table keeps no times; every row of a partition is stamped on
		 * its day or later (the oldest: the snapshot's day) */
		char d[16];
		day_format(m->days[0], d);
		return mc_errf(err, MC_EXIT_DATA,
			       "--at='%s' is before the day of table '%s''s oldest partition "
			       "'ds=%s' (its rows are stamped on that day or later): no partition "
			       "holds the state then", o->at, o->table, d);
	} else if (cut_at_time(m, o->at_time - m->L.utc_off, err) < 0) {
		return -1;
	}
	/* the newest partition that starts at or below the point */
	for (size_t i = m->ndays; i-- > 0;) {
		struct mc_pos f;
		if (part_from(m, m->days[i], &f, err) < 0)
			return -1;
		if (m->upto_inf || pos_cmp(&f, &m->upto) <= 0) {
			m->base = m->days[i];
			m->from = f;
			return 0;
		}
	}
	return mc_errf(err, MC_EXIT_DATA, "table '%s' has no full partition before the point",
		       o->table);
}

/* --skip-merged: 1 when ds needs no merge: mc-merge made its partition
 * (STATE/merge.T names it, and SHOW PARTITIONS lists it: the record is
 * written before the INSERT OVERWRITE, which makes the partition whole or
 * not at all), or the day is before the table's oldest partition (before
 * the snapshot's day, or dropped by the lifecycle). 0: as usual (the
 * snapshot's own day is "nothing to do" there). */
static int skip_day(struct mo *m, struct mc_err *err)
{
	struct mc_pos f;
	char d[16];
	if (has_day(m, m->o->day)) {
		int r = recorded(m, m->o->day, &f, err);
		if (r > 0)
			odps_mo_say(m, "'%s/ds=%s' is merged already: nothing to do (--skip-merged)",
				    m->o->table, m->o->ds);
		return r > 0 ? MJ_SKIP_MERGED : r;
	}
	if (m->ndays && m->days[0] > m->o->day) {
		day_format(m->days[0], d);
		odps_mo_say(m, "'%s/ds=%s' is before the table's oldest partition 'ds=%s' in "
			    "MaxCompute: nothing to do (--skip-merged)", m->o->table, m->o->ds, d);
		return MJ_SKIP_BEFORE;
	}
	return 0;
}

/* 1: ds is the snapshot itself (nothing to do). */
static int plan_day(struct mo *m, struct mc_err *err)
{
	struct mc_pos f;
	size_t i;
	if (!ledger_cut(m->src, m->o->day, &m->upto)) {
		char d[16];
		day_format(m->o->day + 1, d);
		return mc_errf(err, MC_EXIT_DATA,
			       "the log has not reached the end of %s yet: no change stamped on %s or "
			       "later has been committed (see docs/merge.md; or use --at)",
			       m->o->ds, d);
	}
	if (has_day(m, m->o->day)) {
		int r = recorded(m, m->o->day, &f, err);
		if (r < 0)
			return -1;
		if (!r && snapshot_from(m, m->o->day, &f, err) == 0)
			return 1;
	}
	for (i = m->ndays; i-- > 0 && m->days[i] >= m->o->day;)
		;
	if (i == (size_t)-1 && m->ndays) { /* the ones before dropped (lifecycle) */
		char d[16];
		day_format(m->days[0], d);
		if (m->days[0] == m->o->day)
			return mc_errf(err, MC_EXIT_DATA,
				       "table '%s': 'ds=%s' is merged already and no full partition "
				       "before it is left in MaxCompute (dropped by the lifecycle): "
				       "it cannot be merged again; it is kept as it is",
				       m->o->table, d);
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s' has no full partition before %s in MaxCompute: its oldest "
			       "is 'ds=%s' (older ones dropped by the lifecycle, or the snapshot is of "
			       "a later day), so that day's state cannot be made again: merge a day "
			       "after it",
			       m->o->table, m->o->ds, d);
	}
	if (i == (size_t)-1)
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s' has no full partition before %s in MaxCompute (the first "
			       "day's base is the snapshot: load it with mc-tunnel-put)",
			       m->o->table, m->o->ds);
	m->base = m->days[i];
	if (part_from(m, m->base, &m->from, err) < 0)
		return -1;
	if (pos_cmp(&m->from, &m->upto) > 0) {
		char a[64], b[64], d[16];
		pos_format(&m->from, a, sizeof a);
		pos_format(&m->upto, b, sizeof b);
		day_format(m->base, d);
		return mc_errf(err, MC_EXIT_DATA,
			       "the base partition 'ds=%s' starts at %s, after the point asked (%s)", d,
			       a, b);
	}
	return 0;
}

/* The base must hold nothing read at or after upto (a snapshot's chunks
 * read after the point): no partition holds the state there. */
static int base_before_point(struct mo *m, struct mc_err *err)
{
	struct mc_buf q = { 0 }, out = { 0 };
	char d[16], b[64];
	int rc = -1;
	if (m->upto_inf)
		return 0;
	day_format(m->base, d);
	pos_format(&m->upto, b, sizeof b);
	if (buf_addf(&q, "SELECT COUNT(*) AS n FROM `%s` WHERE ds = '%s' AND (mc_pos_file > %" PRIu64
			 " OR (mc_pos_file = %" PRIu64 " AND (mc_pos_off > %" PRIu64 " OR (mc_pos_off = %"
			 PRIu64 " AND mc_pos_row >= %" PRIu64 "))));%c",
		     m->o->table, d, m->upto.file, m->upto.file, m->upto.off, m->upto.off,
		     m->upto.row, 0) < 0) {
		mc_oom(err, "SQL");
		goto out;
	}
	if (odps_mo_sql(m, q.p, &out, err) < 0 || buf_addc(&out, '\0') < 0)
		goto out;
	{
		char *l = strchr(out.p, '\n');
		if (!l || strtoull(l + 1, NULL, 10) != 0) {
			mc_errf(err, MC_EXIT_DATA,
				"the base partition 'ds=%s' holds rows read at or after %s: no partition "
				"holds the state there", d, b);
			goto out;
		}
	}
	rc = 0;
out:
	buf_free(&q);
	buf_free(&out);
	return rc;
}

/* ---- table-replacing DDL ---- */

/* The barrier of the log's table-replacing DDL in [from, upto)
 * (odps/ddlmark.h, docs/merge.md "DDL"). */
static int plan_ddl(struct mo *m, struct mc_err *err)
{
	char p[64];
	int rc = odps_ddlmark_plan(m->c, &m->so, m->o->table, m->lay, &m->from,
				   m->upto_inf ? NULL : &m->upto, &m->has_barrier, &m->barrier, err);
	if (rc == -2 && m->o->ds && m->o->skip_merged && m->o->skipped) {
		/* the daily run: a table dropped for good is nothing to do
		 * (err keeps the statement's words for the caller to say) */
		*m->o->skipped = MJ_SKIP_DROPPED;
		return 1;
	}
	if (rc < 0)
		return -1;
	if (m->has_barrier) {
		pos_format(&m->barrier, p, sizeof p);
		odps_mo_say(m, "'%s': emptied at %s (a TRUNCATE, or DROP + CREATE): the base and "
		    "the log up to it do not count", m->o->table, p);
	}
	return 0;
}

/* ---- the lifecycle (docs/mc-merge.md: the same rule as locally) ---- */

static int lifecycle(struct mo *m, struct mc_err *err)
{
	struct mc_buf q = { 0 }, out = { 0 };
	struct mc_pos lo = { 0, 0, 0 };
	int have_lo = 0, rc = -1;
	char d[16], hw[16];
	if (!m->o->lifecycle)
		return 0;
	for (size_t i = 0; i < m->ndays; i++) {
		struct mc_pos f;
		if (m->days[i] + (int64_t)m->o->lifecycle <= m->o->day) {
			day_format(m->days[i], d);
			q.len = 0;
			if (buf_addf(&q, "ALTER TABLE `%s` DROP IF EXISTS PARTITION (ds='%s');%c",
				     m->o->table, d, 0) < 0) {
				mc_oom(err, "SQL");
				goto out;
			}
			if (odps_mo_sql(m, q.p, NULL, err) < 0)
				goto out;
			odps_mo_say(m, "'%s/ds=%s': dropped (lifecycle %" PRIu64 " days)", m->o->table, d,
			    m->o->lifecycle);
			continue;
		}
		if (part_from(m, m->days[i], &f, err) < 0)
			goto out;
		if (!have_lo || pos_cmp(&f, &lo) < 0)
			lo = f;
		have_lo = 1;
	}
	/* the log partitions before the high water's day whose rows all lie
	 * below the lowest from of the partitions kept */
	if (!have_lo || !m->src->has_hw) {
		rc = 0;
		goto out;
	}
	day_format(day_of(m->src->hw_time, m->L.utc_off), hw);
	q.len = 0;
	if (buf_addf(&q, "SELECT ds FROM `%s_log` WHERE ds < '%s' GROUP BY ds HAVING SUM(CASE WHEN ",
		     m->o->table, hw) < 0 || odps_logpos_cond(&q, m->lay, &lo, ">=", err) < 0 ||
	    buf_addf(&q, " THEN 1 ELSE 0 END) = 0 ORDER BY ds;%c", 0) < 0) {
		if (!err->code)
			mc_oom(err, "SQL");
		goto out;
	}
	if (odps_mo_sql(m, q.p, &out, err) < 0 || buf_addc(&out, '\0') < 0)
		goto out;
	{
		char *l = strchr(out.p, '\n'), *nl;
		for (l = l ? l + 1 : NULL; l && *l; l = nl) {
			int64_t day;
			if ((nl = strchr(l, '\n')))
				*nl++ = '\0';
			if (day_parse(l, &day) < 0)
				continue;
			q.len = 0;
			if (buf_addf(&q, "ALTER TABLE `%s_log` DROP IF EXISTS PARTITION (ds='%s');%c",
				     m->o->table, l, 0) < 0) {
				mc_oom(err, "SQL");
				goto out;
			}
			if (odps_mo_sql(m, q.p, NULL, err) < 0)
				goto out;
			odps_mo_say(m, "'%s_log/ds=%s': dropped (no kept partition needs it)", m->o->table, l);
		}
	}
	rc = 0;
out:
	buf_free(&q);
	buf_free(&out);
	return rc;
}

/* ---- the run ---- */

static int create_into(struct mo *m, struct mc_err *err)
{
	struct mc_buf q = { 0 };
	int rc = buf_adds(&q, "CREATE TABLE IF NOT EXISTS ");
	rc |= odps_ident(&q, m->o->into, strlen(m->o->into));
	rc |= buf_adds(&q, " (");
	if (m->mh.active) { /* the target version's columns */
		for (size_t i = 0; i < m->schema.ncols && rc == 0; i++) {
			struct odps_colmap cm;
			const struct mc_col *c = &m->schema.cols[i];
			if (odps_col_map(c, m->schema.db, m->schema.table, NULL, &cm, err) < 0) {
				buf_free(&q);
				return -1;
			}
			rc |= odps_ident(&q, c->name.p, c->name.n);
			rc |= buf_addf(&q, " %s, ", cm.text);
		}
		rc |= buf_adds(&q, "mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT");
	}
	for (size_t i = 0; i < m->d.ncols && !m->mh.active; i++) {
		rc |= buf_adds(&q, i ? ", " : "");
		rc |= odps_ident(&q, m->d.names[i], strlen(m->d.names[i]));
		rc |= buf_addf(&q, " %s", m->d.types[i]);
	}
	rc |= buf_adds(&q, ");");
	rc |= buf_addc(&q, '\0');
	if (rc)
		rc = mc_oom(err, "SQL");
	else
		rc = odps_mo_sql(m, q.p, NULL, err);
	buf_free(&q);
	return rc;
}

/* The record into the state mirror too (odps/mirror.h), for
 * mc-tunnel-put --recover: as the writer of the state directory's
 * uploads ("-" when it has none), the ledger's seq, the time in ms. */
static int mirror_record(struct mo *m, struct mc_err *err)
{
	struct odps_statefile sf;
	char kind[160];
	struct timespec ts;
	int rc = odps_statefile_read(m->o->state, &sf, err);
	if (rc < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(kind, sizeof kind, "merge.%s", m->lo->table);
	rc = odps_mirror_ensure(m->c, &m->so, err);
	if (rc == 0)
		rc = odps_mirror_insert(m->c, &m->so, sf.writer ? sf.writer : "-", m->L.seq,
					(uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000,
					kind, &m->rec, err);
	odps_statefile_free(&sf);
	return rc;
}

static int run(struct mo *m, struct mc_err *err)
{
	struct merge_sql q;
	struct mc_buf s = { 0 };
	char bp[32], d[16], a[64];
	int rc;

	if (lock_and_read(m, err) < 0 || source(m, err) < 0 ||
	    odps_mhist_load(m->o->state, m->lo->table, NULL, 1, &m->mh, err) < 0 ||
	    odps_logpos_layout(m->L.log_layout, m->mh.active, m->o->table, &m->lay,
			       &m->so.settings, err) < 0)
		return -1;
	if ((!m->mh.active && columns(m, err) < 0) || partitions(m, err) < 0)
		return -1;
	if (m->o->ds && m->o->skip_merged && (rc = skip_day(m, err)) != 0) {
		if (rc > 0 && m->o->skipped)
			*m->o->skipped = rc;
		return rc < 0 ? -1 : 0;
	}
	if (m->o->ds) {
		if ((rc = plan_day(m, err)) < 0)
			return -1;
		if (rc > 0) {
			odps_mo_say(m, "'%s/ds=%s' is the snapshot: nothing to do", m->o->table, m->o->ds);
			if (m->o->nothing)
				*m->o->nothing = 1;
			return 0;
		}
	} else if (plan_at(m, err) < 0 || base_before_point(m, err) < 0) {
		return -1;
	}
	if ((rc = plan_ddl(m, err)) != 0)
		return rc < 0 ? -1 : 0;
	if (odps_mo_key_unique(m, err) < 0)
		return -1;
	/* a MODIFY into FLOAT(M,D)/DOUBLE(M,D) in the range, also one that
	 * made no version (the schema records say float before and after) */
	char *hp = wh_pathf("%s/" ODPS_HISTDIR "/%s.mcr", m->o->state, m->lo->table);
	if (!hp)
		return mc_oom(err, "path");
	rc = wh_hist_fscale(&m->mh.h, m->o->table, hp, &m->from, &m->upto, m->upto_inf, err);
	free(hp);
	if (rc < 0)
		return -1;
	day_format(m->base, d);
	if (m->mh.active &&
	    (hist_columns(m, err) < 0 ||
	     odps_mhist_plan(m->c, &m->so, m->o->table, d, &m->from, &m->upto, m->upto_inf,
			     m->has_barrier ? &m->barrier : NULL, (int)m->lay, &m->mh, err) < 0))
		return -1;
	snprintf(bp, sizeof bp, "ds=%s", d);
	memset(&q, 0, sizeof q);
	q.schema = &m->schema;
	q.key = m->key;
	q.nkey = m->nkey;
	q.table = m->o->table;
	q.base_part = bp;
	q.ds = m->o->ds;
	q.into = m->o->into;
	q.from = m->from;
	q.upto = m->upto;
	q.upto_inf = m->upto_inf;
	q.has_barrier = m->has_barrier;
	q.barrier = m->barrier;
	q.dialect = MERGE_SQL_MAXCOMPUTE;
	q.named_insert = m->named_insert;
	q.layout = (int)m->lay;
	if (m->mh.active) { /* the history's SQL columns, by name */
		q.hist = &m->mh.x;
		q.hist_lo = m->mh.lo;
		q.hist_target = m->mh.target;
		q.kph = m->mh.kph; /* in steps at changes of the key */
		q.nkph = m->mh.nkph;
		for (size_t i = 0; i < q.nkph; i++) {
			pos_format(&q.kph[i].at, a, sizeof a);
			odps_mo_say(m, "'%s': the key changes at %s with changes under the old key before "
			       "it: merged in two steps there", m->o->table, a);
		}
	}
	if (m->declared && odps_mo_key_check(m, &q, err) < 0)
		return -1;
	if (merge_sql_emit(&s, &q, err) < 0 || buf_addc(&s, '\0') < 0) {
		buf_free(&s);
		return err->code ? -1 : mc_oom(err, "SQL");
	}
	if (m->o->ds) {
		/* recorded before the partition is written: a run killed
		 * between leaves a record whose partition is absent or the
		 * same merge (INSERT OVERWRITE replaces it whole), never a
		 * merged partition taken for a snapshot */
		char k[32];
		pos_format(&m->upto, a, sizeof a);
		snprintf(k, sizeof k, REC_DS "%s", m->o->ds);
		if (ckpt_set(&m->rec, k, a, err) < 0 || ckpt_write(m->recpath, &m->rec, err) < 0 ||
		    mirror_record(m, err) < 0) {
			buf_free(&s);
			return -1;
		}
	} else if (create_into(m, err) < 0) {
		buf_free(&s);
		return -1;
	}
	pos_format(&m->from, a, sizeof a);
	odps_mo_say(m, "'%s': base partition %s, log from %s", m->o->table, bp, a);
	rc = odps_mo_sql(m, s.p, NULL, err);
	buf_free(&s);
	if (rc < 0)
		return -1;
	if (m->o->ds) {
		odps_mo_say(m, "'%s/ds=%s': written", m->o->table, m->o->ds);
		if (!has_day(m, m->o->day)) {
			size_t i = m->ndays;
			if (mc_push(&m->days, &m->ndays, &m->capdays, sizeof *m->days) < 0)
				return mc_oom(err, "partitions");
			while (i > 0 && m->days[i - 1] > m->o->day) {
				m->days[i] = m->days[i - 1];
				i--;
			}
			m->days[i] = m->o->day;
		}
		return lifecycle(m, err);
	}
	odps_mo_say(m, "'%s': the state at %s", m->o->into, m->o->at);
	return 0;
}

int odps_merge_run(struct odps_client *c, const struct odps_merge_opts *o, struct mc_err *err)
{
	struct mo *m = calloc(1, sizeof *m);
	struct odps_merge_opts og = *o;
	char gb[300];
	int rc;
	if (!m)
		return mc_oom(err, "a merge");
	m->c = c;
	m->o = &og;
	m->lo = o;
	m->so = *o->sql;
	/* the log is selected by position, not by partition */
	m->so.settings = ODPS_SQL_FULLSCAN;
	m->lockfd = -1;
	rc = (og.table = odps_gen_base(o->state, o->table, gb, sizeof gb, err)) ? run(m, err) : -1;
	if (m->lockfd >= 0)
		close(m->lockfd);
	ledger_free(&m->L);
	odps_mhist_free(&m->mh);
	odps_desc_free(&m->d);
	odps_desc_free(&m->dl);
	ckpt_free(&m->rec);
	free(m->recpath);
	free(m->days);
	free(m);
	return rc;
}
