/* merge_odps_key.c: a key declared with mc-merge --key, checked in
 * MaxCompute before the merge (docs/mc-merge.md "--key",
 * docs/maxcompute.md "The merge in MaxCompute"): unique over the base
 * partition, and no change in the range making a second row live. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/day.h"
#include "odps/merge_odps.h"
#include "odps/merge_odps_int.h"
#include "wh/layout.h"
#include "wh/merge_sql.h"

/* A --key must be unique over the base partition's rows, as locally
 * (docs/mc-merge.md): the merge keeps one row per key value and would drop
 * the others, with exit 0. (The source's own key is unique there.) */
int odps_mo_key_unique(struct mo *m, struct mc_err *err)
{
	struct mc_buf q = { 0 }, out = { 0 }, kq = { 0 }, kn = { 0 };
	char d[16];
	int rc = -1;
	if (!m->key_given || m->has_barrier)
		return 0; /* emptied: no base row counts */
	day_format(m->base, d);
	for (size_t i = 0; i < m->nkey; i++) {
		const struct mc_str *nm = &m->schema.cols[m->key[i]].name;
		if (buf_addf(&kq, "%s`%.*s`", i ? ", " : "", (int)nm->n, nm->p) < 0 ||
		    buf_addf(&kn, "%s%.*s", i ? ", " : "", (int)nm->n, nm->p) < 0) {
			mc_oom(err, "SQL");
			goto out;
		}
	}
	if (buf_addc(&kq, '\0') < 0 || buf_addc(&kn, '\0') < 0 ||
	    buf_addf(&q, "SELECT COUNT(*) AS n FROM (SELECT %s, COUNT(*) AS c FROM `%s` WHERE ds = "
			 "'%s' GROUP BY %s HAVING COUNT(*) > 1) d;%c",
		     kq.p, m->o->table, d, kq.p, 0) < 0) {
		mc_oom(err, "SQL");
		goto out;
	}
	if (odps_mo_sql(m, q.p, &out, err) < 0 || buf_addc(&out, '\0') < 0)
		goto out;
	{
		char *l = strchr(out.p, '\n');
		unsigned long long n = l ? strtoull(l + 1, NULL, 10) : 0;
		if (n) {
			mc_errf(err, MC_EXIT_DATA,
				"table '%s': the key (%s) is not unique: %llu of its values are taken "
				"by more than one row of the base partition 'ds=%s'; give --key columns "
				"that are unique together", m->o->table, kn.p, n, d);
			goto out;
		}
	}
	rc = 0;
out:
	buf_free(&q);
	buf_free(&out);
	buf_free(&kq);
	buf_free(&kn);
	return rc;
}

/* A key declared with --key: no change in the range makes a second row
 * live with one value of it (docs/mc-merge.md "--key"), by a query run
 * before the merge. */
int odps_mo_key_check(struct mo *m, const struct merge_sql *q, struct mc_err *err)
{
	struct mc_buf s = { 0 }, out = { 0 };
	unsigned long long v[7];
	const char *l;
	char *e;
	int rc;
	if (m->lay != WH_LAYOUT_MCSYNC)
		return mc_errf(err, MC_EXIT_USAGE,
			       "--key: table '%s' has no primary or unique key at the source, and "
			       "the merge in MaxCompute checks that the columns given are unique "
			       "over the log in the mcsync log layout only (this log is '%s'): "
			       "merge the table in a local warehouse, or give it a key at the "
			       "source", m->o->table, wh_layout_name(m->lay));
	if (merge_sql_keycheck(&s, q, err) < 0 || buf_addc(&s, '\0') < 0) {
		buf_free(&s);
		return err->code ? -1 : mc_oom(err, "SQL");
	}
	odps_mo_say(m, "'%s': the key is --key's: checking it over the log", m->o->table);
	rc = odps_mo_sql(m, s.p, &out, err);
	buf_free(&s);
	if (rc == 0 && buf_addc(&out, '\0') < 0)
		rc = mc_oom(err, "SQL");
	l = rc == 0 && out.p ? strchr(out.p, '\n') : NULL;
	if (rc < 0 || !l || !l[1]) {
		buf_free(&out);
		return rc;
	}
	l++;
	for (int i = 0; i < 7; i++) {
		v[i] = strtoull(l, &e, 10);
		if (e == l || *e != ',') {
			rc = mc_errf(err, MC_EXIT_DATA, "table '%s': the key check's answer: '%.80s'",
				     m->o->table, l);
			buf_free(&out);
			return rc;
		}
		l = e + 1;
	}
	{
		struct mc_buf cols = { 0 };
		struct mc_pos a = { v[0], v[1], v[2] }, b = { v[3], v[4], v[5] };
		char pa[64], pb[64], d[16];
		size_t n = strcspn(l, "\r\n");
		for (size_t i = 0; i < m->nkey; i++)
			if (buf_addf(&cols, "%s%.*s", i ? "," : "", (int)m->schema.cols[m->key[i]].name.n,
				     m->schema.cols[m->key[i]].name.p) < 0) {
				buf_free(&cols);
				buf_free(&out);
				return mc_oom(err, "message");
			}
		pos_format(&a, pa, sizeof pa);
		pos_format(&b, pb, sizeof pb);
		day_format(m->base, d);
		if (v[6])
			mc_errf(err, MC_EXIT_DATA,
				"table '%s': the key (%s) is not unique: the change at position %s makes "
				"a second row with (%.*s) beside the row at %s of the base partition "
				"'ds=%s' (the merge would keep one); give --key columns that are unique "
				"together", m->o->table, cols.p, pa, (int)n, l, pb, d);
		else
			mc_errf(err, MC_EXIT_DATA,
				"table '%s': the key (%s) is not unique: the change at position %s makes "
				"a second row with (%.*s) beside the one of the change at %s (the merge "
				"would keep one); give --key columns that are unique together",
				m->o->table, cols.p, pa, (int)n, l, pb);
		buf_free(&cols);
	}
	buf_free(&out);
	return -1;
}
