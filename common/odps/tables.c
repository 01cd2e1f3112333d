/* tables.c: the base and log tables in MaxCompute (tables.h). */
#include "odps/tables.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "odps/json_odps.h"
#include "wh/layout.h"

int odps_ident(struct mc_buf *b, const char *p, size_t n)
{
	int rc = buf_addc(b, '`');
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = buf_addc(b, p[i]);
		if (p[i] == '`' && rc == 0)
			rc = buf_addc(b, '`');
	}
	return rc < 0 ? -1 : buf_addc(b, '`');
}

/* A MaxCompute string literal: '...' with \ and ' escaped. */
static int sql_str(struct mc_buf *b, const char *p, size_t n)
{
	int rc = buf_addc(b, '\'');
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (p[i] == '\'' || p[i] == '\\')
			rc = buf_addc(b, '\\');
		if (rc == 0)
			rc = buf_addc(b, (unsigned char)p[i] < 0x20 ? ' ' : p[i]);
	}
	return rc < 0 ? -1 : buf_addc(b, '\'');
}

int odps_part_clause(struct mc_buf *b, const char *spec, struct mc_err *err)
{
	const char *p = spec;
	int rc = buf_addc(b, '(');
	while (rc == 0) {
		const char *eq = strchr(p, '='), *sl = strchr(p, '/');
		if (!eq || (sl && sl < eq) || eq == p)
			return mc_errf(err, MC_EXIT_USAGE, "partition '%s': not key=value[/key=value]",
				       spec);
		size_t vn = sl ? (size_t)(sl - eq - 1) : strlen(eq + 1);
		if (!vn || strspn(eq + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "0123456789_.-") < vn)
			return mc_errf(err, MC_EXIT_USAGE,
				       "partition '%s': a value is not of [A-Za-z0-9_.-]", spec);
		if (p != spec)
			rc |= buf_adds(b, ", ");
		rc |= odps_ident(b, p, (size_t)(eq - p));
		rc |= buf_adds(b, "='");
		rc |= buf_add(b, eq + 1, vn);
		rc |= buf_addc(b, '\'');
		if (!sl)
			break;
		p = sl + 1;
	}
	if (rc || buf_addc(b, ')') < 0)
		return mc_oom(err, "SQL");
	return 0;
}

/* ---- the layout ---- */

struct want {
	size_t n;
	char name[MC_MAX_COLUMNS + 8][200];
	char type[MC_MAX_COLUMNS + 8][32];
	char from[MC_MAX_COLUMNS + 8][220]; /* "column 'c' of d.t, int", for messages */
};

static void add(struct want *w, const char *name, size_t nn, const char *type, const char *from)
{
	size_t k = nn < sizeof w->name[0] - 1 ? nn : sizeof w->name[0] - 1;
	memcpy(w->name[w->n], name, k);
	w->name[w->n][k] = '\0';
	snprintf(w->type[w->n], sizeof w->type[0], "%s", type);
	snprintf(w->from[w->n], sizeof w->from[0], "%s", from);
	w->n++;
}

/* the columns of a log layout's own (head or tail), named from */
static void add_lcols(struct want *w, const struct wh_lcol *c, size_t n, const char *from)
{
	for (size_t i = 0; i < n; i++)
		add(w, c[i].name, strlen(c[i].name), c[i].type, from);
}

int odps_tables_unnamed(const struct mc_rec *s, struct mc_err *err)
{
	if (s->kind != MC_R_SCHEMA || !(s->schema_flags & MC_SF_NAMES_BY_INDEX))
		return 0;
	return mc_errf(err, MC_EXIT_DATA,
		       "%.*s.%.*s (schema version %llu): its column names are unknown (@1, @2, "
		       "...: flag names_by_index; a table map without names, or a statement "
		       "mc-binlog-tail could not follow), and a MaxCompute table needs them: "
		       "tail with --schema FILE (mc-snapshot's schema records of the table) or "
		       "from a server with binlog_row_metadata=FULL (docs/mc-binlog-tail.md "
		       "\"Column names\")", (int)s->db.n, s->db.p, (int)s->table.n, s->table.p,
		       (unsigned long long)s->schema_version);
}

int odps_col_name_ok(const struct mc_rec *s, const struct mc_col *c, int own_cols,
		     struct mc_err *err)
{
	static const char *const own[] = { "mc_op", "mc_image", "mc_time", "mc_pos_file",
					   "mc_pos_off", "mc_pos_row" };
	const char *p = c->name.p;
	size_t n = c->name.n, i = 0;
	int ok = n >= 1 && n <= 128 && ((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z');
	for (i = 1; ok && i < n; i++)
		ok = ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z') || (p[i] >= '0' && p[i] <= '9') ||
		     p[i] == '_';
	if (!ok)
		return mc_errf(err, MC_EXIT_DATA, "column '%.*s' of %.*s.%.*s: a MaxCompute column "
			       "name is a letter, then letters, digits and '_' (at most 128): rename "
			       "the column at the source (and load a new snapshot of the table), or "
			       "load the table elsewhere (a local warehouse takes it)", (int)n, p,
			       (int)s->db.n, s->db.p, (int)s->table.n, s->table.p);
	/* ds: every mcsync table's partition column; mc_rn_*: the names a
	 * rename goes through (tables_hist.c) */
	if ((n == 2 && !strncasecmp(p, "ds", 2)) || (n > 6 && !strncasecmp(p, "mc_rn_", 6)))
		return mc_errf(err, MC_EXIT_DATA, "column '%.*s' of %.*s.%.*s: mcsync's MaxCompute "
			       "tables use the name %s (docs/maxcompute.md \"Tables\"): rename the "
			       "column at the source (and load a new snapshot of the table)", (int)n, p,
			       (int)s->db.n, s->db.p, (int)s->table.n, s->table.p,
			       n == 2 ? "ds for their partitions" : "mc_rn_* for a rename's first stage");
	for (i = own_cols == 1 ? 3 : 0; own_cols && i < sizeof own / sizeof own[0]; i++)
		if (strlen(own[i]) == n && !strncasecmp(own[i], p, n))
			return mc_errf(err, MC_EXIT_DATA, "column '%.*s' of %.*s.%.*s is a column of "
				       "mcsync's own in its MaxCompute tables too (mc_op, mc_image, "
				       "mc_time, mc_pos_file, mc_pos_off, mc_pos_row: docs/maxcompute.md "
				       "\"Tables\"): rename the column at the source (and load a new "
				       "snapshot of the table)", (int)n, p,
				       (int)s->db.n, s->db.p, (int)s->table.n, s->table.p);
	return 0;
}

static int layout(const struct mc_rec *s, int is_log, int lay, const struct odps_colopts *co,
		  struct want *w, struct mc_err *err)
{
	static const char meta[] = "change metadata of the log layout";
	static const char pos[] = "the position column of the layout";
	const struct wh_lcol *head = NULL, *tail = NULL;
	size_t nhead = 0, ntail = 0;
	w->n = 0;
	if (s->ncols > MC_MAX_COLUMNS)
		return mc_errf(err, MC_EXIT_DATA, "too many columns");
	if (odps_tables_unnamed(s, err) < 0)
		return -1;
	if (is_log && lay != WH_LAYOUT_MCSYNC) {
		nhead = wh_layout_head((enum wh_layout)lay, &head);
		ntail = wh_layout_tail((enum wh_layout)lay, &tail);
		for (size_t i = 0; i < s->ncols; i++)
			for (size_t k = 0; k < nhead + ntail; k++) {
				const char *ln = k < nhead ? head[k].name : tail[k - nhead].name;
				if (strlen(ln) == s->cols[i].name.n &&
				    !strncasecmp(ln, s->cols[i].name.p, s->cols[i].name.n))
					return mc_errf(err, MC_EXIT_DATA,
						       "column '%s' of %.*s.%.*s is a column of the %s "
						       "log layout too%s", ln, (int)s->db.n, s->db.p,
						       (int)s->table.n, s->table.p,
						       wh_layout_name((enum wh_layout)lay),
						       lay == WH_LAYOUT_DTS ? ": use the dts-new layout "
						       "(new_dts_sync_ names)" : "");
			}
		add_lcols(w, head, nhead, meta);
		if (wh_layout_is_json((enum wh_layout)lay)) /* dest_odps_json.c */
			add(w, WH_LAYOUT_JSON_COL, strlen(WH_LAYOUT_JSON_COL), "STRING", meta);
	} else if (is_log) {
		add(w, "mc_op", 5, "STRING", meta);
		add(w, "mc_image", 8, "STRING", meta);
		add(w, "mc_time", 7, "BIGINT", meta);
	}
	for (size_t i = 0; i < s->ncols; i++) {
		const struct mc_col *c = &s->cols[i];
		struct odps_colmap m;
		char from[220];
		if (odps_col_name_ok(s, c, is_log ? (lay == WH_LAYOUT_MCSYNC) * 2 : 1, err) < 0)
			return -1;
		if (c->name.n >= sizeof w->name[0])
			return mc_errf(err, MC_EXIT_DATA, "column %zu: name over %zu bytes", i + 1,
				       sizeof w->name[0] - 1);
		if (odps_col_map(c, s->db, s->table, co ? &co[i] : NULL, &m, err) < 0)
			return -1;
		snprintf(from, sizeof from, "column '%.*s' of %.*s.%.*s, %.*s", (int)c->name.n,
			 c->name.p, (int)s->db.n, s->db.p, (int)s->table.n, s->table.p,
			 (int)c->mysql_type.n, c->mysql_type.p);
		if (!is_log || !wh_layout_is_json((enum wh_layout)lay))
			add(w, c->name.p, c->name.n, m.text, from);
		else if (odps_json_col_ok(s, i, &m, err) < 0)
			return -1;
	}
	if (is_log && lay != WH_LAYOUT_MCSYNC) {
		add_lcols(w, tail, ntail, meta);
		return 0;
	}
	add(w, "mc_pos_file", 11, "BIGINT", pos);
	add(w, "mc_pos_off", 10, "BIGINT", pos);
	add(w, "mc_pos_row", 10, "BIGINT", pos);
	return 0;
}

void odps_type_norm(char *out, size_t outsz, const char *t)
{
	size_t k = 0;
	for (; *t && k + 1 < outsz; t++)
		if (!isspace((unsigned char)*t))
			out[k++] = (char)toupper((unsigned char)*t);
	out[k] = '\0';
}

/* ---- DESC ---- */

void odps_desc_free(struct odps_desc *d)
{
	for (size_t i = 0; i < d->ncols; i++) {
		free(d->names[i]);
		free(d->types[i]);
	}
	for (size_t i = 0; i < d->nparts; i++) {
		free(d->pnames[i]);
		free(d->ptypes[i]);
	}
	free(d->names);
	free(d->types);
	free(d->pnames);
	free(d->ptypes);
	free(d->comment);
	memset(d, 0, sizeof *d);
}

/* s in l[0..n): where, or NULL */
static const char *find(const char *l, size_t n, const char *s)
{
	size_t k = strlen(s);
	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(l + i, s, k))
			return l + i;
	return NULL;
}

static char *trimdup(const char *p, size_t n)
{
	while (n && isspace((unsigned char)*p))
		p++, n--;
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	return mc_strndup(p, n);
}

/* Cell i (from 0) of a "| a | b |" line into a copy; NULL when absent. */
static char *cell(const char *l, size_t n, int i)
{
	const char *e = l + n, *p = memchr(l, '|', n);
	while (p && i-- > 0)
		p = memchr(p + 1, '|', (size_t)(e - p - 1));
	if (!p)
		return NULL;
	const char *q = memchr(p + 1, '|', (size_t)(e - p - 1));
	if (!q)
		return NULL;
	return trimdup(p + 1, (size_t)(q - p - 1));
}

int odps_desc_parse(const char *text, size_t n, struct odps_desc *d, struct mc_err *err)
{
	enum { HEAD, NATIVE, PART } sec = HEAD;
	int seps = 0, seen_native = 0; /* separators since the section title */
	size_t capc = 0, capt = 0;
	const char *p = text, *end = text + n;
	memset(d, 0, sizeof *d);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ln = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *l = p;
		p = nl ? nl + 1 : end;
		if (ln && l[ln - 1] == '\r')
			ln--;
		if (ln && l[0] == '+') {
			seps++;
			continue;
		}
		const char *tc = find(l, ln, "TableComment:");
		if (sec == HEAD && tc && !d->comment) {
			const char *s = tc + 13, *e = l + ln;
			if (e > s && e[-1] == '|')
				e--;
			if (!(d->comment = trimdup(s, (size_t)(e - s))))
				goto oom;
			continue;
		}
		if (find(l, ln, "Native Columns:")) {
			sec = NATIVE;
			seen_native = 1;
			seps = 0;
			continue;
		}
		if (find(l, ln, "Partition Columns:")) {
			sec = PART;
			seps = 0;
			continue;
		}
		/* NATIVE: sep, header "| Field | Type |...", sep, rows, sep;
		 * PART: sep, rows, sep */
		if (sec == NATIVE && seps == 2 && ln && l[0] == '|') {
			char *nm = cell(l, ln, 0), *ty = cell(l, ln, 1), tt[64];
			if (!nm || !ty || mc_push(&d->names, &d->ncols, &capc, sizeof *d->names) < 0) {
				free(nm);
				free(ty);
				goto oom;
			}
			d->ncols--;
			if (mc_grow(&d->types, &capt, d->ncols + 1, sizeof *d->types) < 0) {
				free(nm);
				free(ty);
				goto oom;
			}
			odps_type_norm(tt, sizeof tt, ty);
			free(ty);
			d->names[d->ncols] = nm;
			if (!(d->types[d->ncols] = mc_strdup(tt)))
				goto oom_c;
			d->ncols++;
			continue;
		}
		if (sec == PART && seps == 1 && ln && l[0] == '|') {
			char *nm = cell(l, ln, 0), *ty = cell(l, ln, 1), tt[64];
			if (!nm || !ty || mc_resize(&d->pnames, d->nparts + 1, sizeof *d->pnames) < 0 ||
			    mc_resize(&d->ptypes, d->nparts + 1, sizeof *d->ptypes) < 0) {
				free(nm);
				free(ty);
				goto oom;
			}
			odps_type_norm(tt, sizeof tt, ty);
			free(ty);
			d->pnames[d->nparts] = nm;
			d->ptypes[d->nparts] = mc_strdup(tt);
			d->nparts++;
			if (!d->ptypes[d->nparts - 1])
				goto oom;
			continue;
		}
	}
	if (!seen_native) {
		odps_desc_free(d);
		return mc_errf(err, MC_EXIT_DATA,
			       "DESC: the answer has no \"Native Columns:\" section (not the text "
			       "table mcsync reads)");
	}
	if (!d->comment && !(d->comment = mc_strdup("")))
		goto oom;
	return 0;
oom_c:
	d->ncols++; /* the name is freed with the rest */
oom:
	odps_desc_free(d);
	return mc_oom(err, "DESC");
}

int odps_tables_desc(struct odps_client *c, const struct odps_sql_opts *so, const char *name,
		     struct odps_desc *d, struct mc_err *err)
{
	struct mc_buf q = { 0 }, out = { 0 };
	int rc = -1;
	if (buf_adds(&q, "DESC ") < 0 || odps_ident(&q, name, strlen(name)) < 0 ||
	    buf_adds(&q, ";") < 0 || buf_addc(&q, '\0') < 0) {
		mc_oom(err, "SQL");
		goto out;
	}
	if (odps_sql_run(c, so, q.p, ODPS_SQL_IDEMPOTENT, &out, err) < 0)
		goto out;
	if (odps_desc_parse(out.p ? out.p : "", out.len, d, err) < 0) {
		mc_errctx(err, "MaxCompute table '%s.%s': ", c->t->project, name);
		goto out;
	}
	rc = 0;
out:
	buf_free(&q);
	buf_free(&out);
	return rc;
}

int odps_comment_key(const char *comment, uint32_t *key, size_t max, size_t *nkey)
{
	const char *p = strstr(comment, "mcsync: ");
	*nkey = 0;
	if (!p || !(p = strstr(p, ", key columns ")))
		return 0;
	p += 14;
	while (*p >= '1' && *p <= '9') {
		unsigned long v = strtoul(p, (char **)&p, 10);
		if (*nkey == max || v == 0 || v > MC_MAX_COLUMNS)
			return 0;
		key[(*nkey)++] = (uint32_t)(v - 1);
		if (*p != ',')
			break;
		p++;
	}
	return *nkey > 0;
}

/* ---- ensure ---- */

static int create_sql(struct mc_buf *q, const struct mc_rec *s, const char *name,
		      const struct want *w, uint32_t lifecycle)
{
	int rc = buf_adds(q, "CREATE TABLE IF NOT EXISTS ");
	rc |= odps_ident(q, name, strlen(name));
	rc |= buf_adds(q, " (");
	for (size_t i = 0; i < w->n; i++) {
		rc |= buf_adds(q, i ? ", " : "");
		rc |= odps_ident(q, w->name[i], strlen(w->name[i]));
		rc |= buf_addf(q, " %s", w->type[i]);
	}
	rc |= buf_adds(q, ") COMMENT ");
	{
		struct mc_buf c = { 0 };
		rc |= buf_addf(&c, "mcsync: %.*s.%.*s, ", (int)s->db.n, s->db.p, (int)s->table.n,
			       s->table.p);
		if (!s->nkey)
			rc |= buf_adds(&c, "no key");
		else
			rc |= buf_adds(&c, "key columns ");
		for (size_t i = 0; i < s->nkey; i++)
			rc |= buf_addf(&c, "%s%u", i ? "," : "", (unsigned)s->key[i] + 1);
		rc |= sql_str(q, c.p ? c.p : "", c.len);
		buf_free(&c);
	}
	rc |= buf_adds(q, " PARTITIONED BY (ds STRING)");
	if (lifecycle)
		rc |= buf_addf(q, " LIFECYCLE %u", (unsigned)lifecycle);
	rc |= buf_adds(q, ";");
	rc |= buf_addc(q, '\0');
	return rc ? -1 : 0;
}

/* The existing table against the layout: the first difference. */
static int check(struct odps_client *c, const char *name, const struct want *w,
		 const struct odps_desc *d, struct mc_err *err)
{
	char tbl[400];
	snprintf(tbl, sizeof tbl, "MaxCompute table '%s.%s'", c->t->project, name);
	for (size_t i = 0; i < w->n; i++) {
		char wt[64];
		odps_type_norm(wt, sizeof wt, w->type[i]);
		if (i >= d->ncols)
			return mc_errf(err, MC_EXIT_DATA,
				       "%s: has no column %zu '%s' (mcsync writes %s: %s): drop or "
				       "rename the table, or write into another project",
				       tbl, i + 1, w->name[i], w->type[i], w->from[i]);
		if (strcasecmp(d->names[i], w->name[i]) != 0)
			return mc_errf(err, MC_EXIT_DATA,
				       "%s: column %zu is '%s' there, mcsync writes '%s' (%s) at that "
				       "place: drop or rename the table, write into another project, or "
				       "match columns by name with --existing-tables=proceed",
				       tbl, i + 1, d->names[i], w->name[i], w->from[i]);
		if (strcmp(d->types[i], wt) != 0)
			return mc_errf(err, MC_EXIT_DATA,
				       "%s: column %zu '%s' is %s there, mcsync writes %s (%s): drop "
				       "or rename the table, or choose that type for the column "
				       "(docs/types.md)",
				       tbl, i + 1, w->name[i], d->types[i], w->type[i], w->from[i]);
	}
	if (d->ncols > w->n)
		return mc_errf(err, MC_EXIT_DATA,
			       "%s: has a column %zu '%s' (%s) that mcsync does not write: drop or "
			       "rename the table, write into another project, or leave it NULL "
			       "with --existing-tables=proceed",
			       tbl, w->n + 1, d->names[w->n], d->types[w->n]);
	if (d->nparts != 1 || strcasecmp(d->pnames[0], "ds") != 0 || strcmp(d->ptypes[0], "STRING"))
		return mc_errf(err, MC_EXIT_DATA,
			       "%s: is %s, mcsync writes tables partitioned by (ds STRING): drop or "
			       "rename the table, or write into another project",
			       tbl, d->nparts ? "partitioned otherwise" : "not partitioned");
	return 0;
}

/* --existing-tables=proceed: every column mcsync writes is there by name,
 * of its type; the table may have more (left NULL) and another order. */
static int check_proceed(struct odps_client *c, const char *name, const struct want *w,
			 const struct odps_desc *d, struct mc_err *err)
{
	char tbl[400];
	snprintf(tbl, sizeof tbl, "MaxCompute table '%s.%s'", c->t->project, name);
	for (size_t i = 0; i < w->n; i++) {
		char wt[64];
		size_t j;
		odps_type_norm(wt, sizeof wt, w->type[i]);
		for (j = 0; j < d->ncols; j++)
			if (strcasecmp(d->names[j], w->name[i]) == 0)
				break;
		if (j == d->ncols)
			return mc_errf(err, MC_EXIT_DATA,
				       "%s: has no column '%s' (mcsync writes %s: %s), which "
				       "--existing-tables=proceed cannot do without: add it (ALTER TABLE "
				       "... ADD COLUMNS), or write into another project",
				       tbl, w->name[i], w->type[i], w->from[i]);
		if (strcmp(d->types[j], wt) != 0)
			return mc_errf(err, MC_EXIT_DATA,
				       "%s: column '%s' is %s there, mcsync writes %s (%s): change "
				       "its type, or choose that type for the column (docs/types.md)",
				       tbl, w->name[i], d->types[j], w->type[i], w->from[i]);
	}
	if (d->nparts != 1 || strcasecmp(d->pnames[0], "ds") != 0 || strcmp(d->ptypes[0], "STRING"))
		return mc_errf(err, MC_EXIT_DATA,
			       "%s: is %s, mcsync writes tables partitioned by (ds STRING): drop or "
			       "rename the table, or write into another project",
			       tbl, d->nparts ? "partitioned otherwise" : "not partitioned");
	return 0;
}

int odps_add_partition(struct odps_client *c, const struct odps_sql_opts *so, const char *table,
		       const char *part, struct mc_err *err)
{
	struct mc_buf q = { 0 }, out = { 0 };
	int rc = -1;
	if (buf_adds(&q, "ALTER TABLE ") < 0 || odps_ident(&q, table, strlen(table)) < 0 ||
	    buf_adds(&q, " ADD IF NOT EXISTS PARTITION ") < 0) {
		mc_oom(err, "SQL");
		goto out;
	}
	if (odps_part_clause(&q, part, err) < 0)
		goto out;
	if (buf_adds(&q, ";") < 0 || buf_addc(&q, '\0') < 0) {
		mc_oom(err, "SQL");
		goto out;
	}
	rc = odps_sql_run(c, so, q.p, ODPS_SQL_IDEMPOTENT, &out, err) < 0 ? -1 : 0;
out:
	buf_free(&q);
	buf_free(&out);
	return rc;
}

/* Partition part of table name, which this state committed rows into, is
 * there (SHOW PARTITIONS): 0, or -1 with err (exit 1 when it is gone:
 * made anew it would miss them). */
static int part_there(struct odps_client *c, const struct odps_sql_opts *so, const char *name,
		      const char *part, struct mc_err *err)
{
	struct mc_buf q = { 0 }, out = { 0 };
	int rc = -1, found = 0;
	size_t n = strlen(part);
	if (buf_adds(&q, "SHOW PARTITIONS ") < 0 || odps_ident(&q, name, strlen(name)) < 0 ||
	    buf_adds(&q, ";") < 0 || buf_addc(&q, '\0') < 0) {
		mc_oom(err, "SQL");
		goto out;
	}
	if (odps_sql_run(c, so, q.p, ODPS_SQL_IDEMPOTENT, &out, err) < 0)
		goto out;
	for (size_t i = 0; i < out.len && !found;) {
		size_t e = i;
		while (e < out.len && out.p[e] != '\n')
			e++;
		found = e - i == n && !memcmp(out.p + i, part, n);
		i = e + 1;
	}
	rc = found ? 0 : mc_errf(err, MC_EXIT_DATA, "MaxCompute table '%s.%s': its partition "
				 "'%s' is gone, though this --state committed rows into it "
				 "(dropped by hand, or by the table's LIFECYCLE?): made anew, it "
				 "would miss them; restore it, or load the source again into new "
				 "tables", c->t->project, name, part);
out:
	buf_free(&q);
	buf_free(&out);
	return rc;
}

int odps_tables_gone(const struct odps_client *c, const char *name, struct mc_err *err)
{
	if (strstr(err->msg, "ODPS-0130131") || strstr(err->msg, "Table not found"))
		mc_errf(err, MC_EXIT_DATA, "MaxCompute table '%s.%s' is gone, though this --state "
			"committed rows into it (dropped by hand?): made anew, it would miss them; "
			"restore it, or load the source again into new tables (a new --state, and "
			"another --name or the old tables dropped)", c->t->project, name);
	return -1;
}

int odps_tables_ensure(struct odps_client *c, const struct odps_tables_opts *o,
		       const struct mc_rec *schema, const char *name, int is_log, const char *part,
		       struct mc_err *err)
{
	struct want *w = calloc(1, sizeof *w);
	struct mc_buf q = { 0 }, out = { 0 };
	struct odps_desc d = { 0 };
	int rc = -1;
	if (!w)
		return mc_oom(err, "a table's layout");
	if (layout(schema, is_log, o->layout, o->colopts, w, err) < 0)
		goto out;
	if (part) { /* checked before anything is sent */
		struct mc_buf t = { 0 };
		int prc = odps_part_clause(&t, part, err);
		buf_free(&t);
		if (prc < 0)
			goto out;
	}
	if (create_sql(&q, schema, name, w, o->lifecycle) < 0) {
		mc_oom(err, "SQL");
		goto out;
	}
	if (o->must_exist && odps_tables_desc(c, o->sql, name, &d, err) < 0) {
		odps_tables_gone(c, name, err);
		goto out;
	}
	if ((!o->must_exist && (odps_sql_run(c, o->sql, q.p, ODPS_SQL_IDEMPOTENT, &out, err) < 0 ||
				odps_tables_desc(c, o->sql, name, &d, err) < 0)) ||
	    (o->proceed ? check_proceed(c, name, w, &d, err) : check(c, name, w, &d, err)) < 0)
		goto out;
	if (part && o->must_part ? part_there(c, o->sql, name, part, err) < 0
			       : part && odps_add_partition(c, o->sql, name, part, err) < 0)
		goto out;
	rc = 0;
out:
	odps_desc_free(&d);
	buf_free(&q);
	buf_free(&out);
	free(w);
	return rc;
}
