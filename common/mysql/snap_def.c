/* snap_def.c: a table's definition kept from its load and checked after
 * every chunk (docs/mc-snapshot.md "DDL during a snapshot"). A chunk's
 * SELECT holds the table's metadata lock until its transaction ends, so an
 * ALTER TABLE cannot complete while the chunk is read: if the definition
 * read before the COMMIT is the one loaded, the chunk's rows are in the
 * schema record's columns; if not, the rows were read under another
 * definition than the one the stream describes (an added column missing
 * from them), and the snapshot stops instead of writing them.
 *
 * information_schema.COLUMNS costs the server about 0.3 ms a query (a
 * temporary table filled and sorted), SHOW CREATE TABLE about a sixth of
 * that. A worker keeps the SHOW CREATE TABLE text it read in the same
 * transaction as a check that passed (both under the chunk's metadata
 * lock, so of one definition); while a later chunk's text is the same, the
 * definition is that one, and information_schema is not read again. The
 * text is a function of the definition (the session's sql_mode is the same
 * on every connection) and shows every column's name, type, nullability,
 * collation (or the table's default) and extra; only the table's
 * AUTO_INCREMENT counter, which inserts move, is left out of it. A text
 * that differs (an index added, a comment changed, or a change of the
 * columns) falls back to the exact check. */
#include "mysql/snap.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mysql/myconn.h"
#include "base/alloc.h"

/* The columns as information_schema shows them now, one line each:
 * name, type, nullability, collation, extra, tab-separated (not the
 * key flag: an index added during the snapshot changes no row). */
static int def_read(MYSQL *m, const char *db, const char *name, struct mc_buf *out,
		    struct mc_err *err)
{
	struct mc_buf q = { 0 };
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	const char *lit[2] = { db, name };
	int bad = buf_adds(&q, "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, "
			       "IFNULL(COLLATION_NAME,''), EXTRA "
			       "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='") < 0;
	for (int i = 0; i < 2 && !bad; i++) {
		size_t n = strlen(lit[i]);
		bad = (i && buf_adds(&q, "' AND TABLE_NAME='") < 0) || buf_grow(&q, 2 * n + 1) < 0;
		if (!bad)
			q.len += mysql_real_escape_string(m, q.p + q.len, lit[i], (unsigned long)n);
	}
	if (bad || buf_adds(&q, "' ORDER BY ORDINAL_POSITION") < 0 || buf_addc(&q, 0) < 0) {
		buf_free(&q);
		return mc_oom(err, "a table's definition");
	}
	int rc = my_query(m, q.p, &res, err);
	buf_free(&q);
	if (rc < 0)
		return -1;
	out->len = 0;
	while (!bad && (row = mysql_fetch_row(res)))
		bad = snap_def_line(out, row[0], row[1], row[2], row[3], row[4]) < 0;
	mysql_free_result(res);
	return bad || buf_addc(out, 0) < 0 ? mc_oom(err, "a table's definition") : 0;
}

int snap_def_line(struct mc_buf *out, const char *name, const char *type, const char *nullable,
		  const char *collation, const char *extra)
{
	const char *f[5] = { name, type, nullable, collation, extra };
	for (int i = 0; i < 5; i++)
		if (buf_adds(out, f[i] ? f[i] : "") < 0 || buf_addc(out, i < 4 ? '\t' : '\n') < 0)
			return -1;
	return 0;
}

/* The 1-based line where a and b first differ, its text in each (up to
 * its tab-separated name and type), "" past the end. */
static size_t first_diff(const char *a, const char *b, char *wa, char *wb, size_t sz)
{
	size_t line = 1;
	while (*a || *b) {
		const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
		size_t na = ea ? (size_t)(ea - a) : strlen(a), nb = eb ? (size_t)(eb - b) : strlen(b);
		if (na != nb || memcmp(a, b, na) != 0) {
			snprintf(wa, sz, "%.*s", (int)na, a);
			snprintf(wb, sz, "%.*s", (int)nb, b);
			for (char *p = wa; *p; p++)
				*p = *p == '\t' ? ' ' : *p;
			for (char *p = wb; *p; p++)
				*p = *p == '\t' ? ' ' : *p;
			for (size_t k = strlen(wa); k && wa[k - 1] == ' ';)
				wa[--k] = 0;
			for (size_t k = strlen(wb); k && wb[k - 1] == ' ';)
				wb[--k] = 0;
			return line;
		}
		a += na + (ea != NULL);
		b += nb + (eb != NULL);
		line++;
	}
	return 0;
}

static int def_refuse(const struct snap_table *t, const char *now, const char *when,
		      struct mc_err *err)
{
	char was[160] = "", is[160] = "";
	size_t col = first_diff(t->def, now, was, is, sizeof was);
	return mc_errf(err, MC_EXIT_DATA,
		       "table '%s.%s' was changed (ALTER TABLE) %s: information_schema shows its "
		       "column %zu as '%s', its schema record as '%s'; its rows read since are "
		       "not in the columns the stream describes, so nothing of them is written: "
		       "rerun the same command (it resumes after what was written, under the new "
		       "definition) and make schema changes between snapshots, not during one",
		       t->db, t->name, when, col, is[0] ? is : "(none)", was[0] ? was : "(none)");
}

/* SHOW CREATE TABLE's text of t, its table option AUTO_INCREMENT=N
 * left out (in the options after the last column or index line) */
static int create_read(MYSQL *m, const struct snap_table *t, struct mc_buf *out,
		       struct mc_err *err)
{
	struct mc_buf q = { 0 };
	MYSQL_RES *res = NULL;
	if (buf_adds(&q, "SHOW CREATE TABLE ") < 0 || buf_adds(&q, t->qname) < 0 ||
	    buf_addc(&q, 0) < 0) {
		buf_free(&q);
		return mc_oom(err, "a table's definition");
	}
	int rc = my_query(m, q.p, &res, err);
	buf_free(&q);
	if (rc < 0)
		return -1;
	MYSQL_ROW row = mysql_fetch_row(res);
	unsigned long *len = row ? mysql_fetch_lengths(res) : NULL;
	if (!row || mysql_num_fields(res) < 2 || !row[1]) {
		mysql_free_result(res);
		return mc_errf(err, MC_EXIT_DATA, "SHOW CREATE TABLE %s: no definition", t->qname);
	}
	out->len = 0;
	const char *p = row[1], *end = p + len[1], *opts = NULL;
	for (const char *s = p; (s = memchr(s, '\n', (size_t)(end - s))); s++)
		if (s + 1 < end && s[1] == ')')
			opts = s;
	static const char ai[] = " AUTO_INCREMENT=";
	const char *at = NULL;
	for (const char *s = opts; s && s + sizeof ai - 1 <= end; s++)
		if (memcmp(s, ai, sizeof ai - 1) == 0) {
			at = s + sizeof ai - 1;
			break;
		}
	int bad;
	if (at) {
		const char *e = at;
		while (e < end && *e >= '0' && *e <= '9')
			e++;
		bad = buf_add(out, p, (size_t)(at - p)) < 0 || buf_add(out, e, (size_t)(end - e)) < 0;
	} else {
		bad = buf_add(out, p, (size_t)(end - p)) < 0;
	}
	mysql_free_result(res);
	return bad || buf_addc(out, 0) < 0 ? mc_oom(err, "a table's definition") : 0;
}

/* Whether the n columns cols of t hold every column of a unique index in
 * idx ("name\tcolumn\n" lines of one index after another; an index with a
 * prefix part is left out by the query): then no two rows share them. */
static bool holds_unique(const struct snap_table *t, const uint32_t *cols, size_t n, const char *idx)
{
	while (*idx) {
		const char *tab = strchr(idx, '\t'), *end;
		size_t nl = (size_t)(tab - idx);
		bool all = true;
		const char *name = idx;
		while (*idx && strncmp(idx, name, nl) == 0 && idx[nl] == '\t') {
			const char *col = idx + nl + 1;
			bool in = false;
			end = strchr(col, '\n');
			for (size_t i = 0; i < n && !in; i++)
				in = strlen(t->cols[cols[i]].name) == (size_t)(end - col) &&
				     memcmp(t->cols[cols[i]].name, col, (size_t)(end - col)) == 0;
			all &= in;
			idx = end + 1;
		}
		if (all)
			return true;
	}
	return false;
}

/* The keys a snapshot relies on, checked with the columns: the schema
 * record's key (primary or unique) must still be unique, and so must a
 * split key the chunks take as unique: a chunk that stops at its row limit
 * inside a run of rows sharing the split key's value leaves the rest of
 * them to no chunk (the next starts after the value). An ALTER TABLE that
 * moves the primary key to other columns lets the old key's values repeat,
 * and then rows were lost with exit 0. */
static int keys_check(MYSQL *m, const struct snap_table *t, struct mc_err *err)
{
	struct mc_buf q = { 0 }, idx = { 0 };
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	const char *lit[2] = { t->db, t->name }, *what = NULL;
	char names[400];
	int rc, bad;
	bool key = t->nkey && !(t->key_flags & MC_SF_KEY_DECLARED), split = t->nsplit && t->split_unique;
	if (!key && !split)
		return 0;
	bad = buf_adds(&q, "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS s "
			   "WHERE NON_UNIQUE = 0 AND TABLE_SCHEMA='") < 0;
	for (int i = 0; i < 2 && !bad; i++) {
		size_t n = strlen(lit[i]);
		bad = (i && buf_adds(&q, "' AND TABLE_NAME='") < 0) || buf_grow(&q, 2 * n + 1) < 0;
		if (!bad)
			q.len += mysql_real_escape_string(m, q.p + q.len, lit[i], (unsigned long)n);
	}
	if (bad || buf_adds(&q, "' AND NOT EXISTS (SELECT 1 FROM information_schema.STATISTICS p "
			       "WHERE p.TABLE_SCHEMA = s.TABLE_SCHEMA AND p.TABLE_NAME = s.TABLE_NAME "
			       "AND p.INDEX_NAME = s.INDEX_NAME AND p.SUB_PART IS NOT NULL) "
			       "ORDER BY INDEX_NAME, SEQ_IN_INDEX") < 0 || buf_addc(&q, 0) < 0) {
		buf_free(&q);
		return mc_oom(err, "a table's keys");
	}
	rc = my_query(m, q.p, &res, err);
	buf_free(&q);
	if (rc < 0)
		return -1;
	while (!bad && (row = mysql_fetch_row(res)))
		bad = buf_adds(&idx, row[0] ? row[0] : "") < 0 || buf_addc(&idx, '\t') < 0 ||
		      buf_adds(&idx, row[1] ? row[1] : "") < 0 || buf_addc(&idx, '\n') < 0;
	mysql_free_result(res);
	if (bad || buf_addc(&idx, 0) < 0) {
		buf_free(&idx);
		return mc_oom(err, "a table's keys");
	}
	if (key && !holds_unique(t, t->key, t->nkey, idx.p)) {
		size_t o = 0;
		names[0] = 0;
		for (size_t i = 0; i < t->nkey && o < sizeof names; i++)
			o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", i ? ", " : "",
					      t->cols[t->key[i]].name);
		what = "key";
	} else if (split && !holds_unique(t, t->split, t->nsplit, idx.p)) {
		snap_split_names(t, t->nsplit, names, sizeof names);
		what = "split key";
	}
	buf_free(&idx);
	if (what)
		return mc_errf(err, MC_EXIT_DATA,
			       "table '%s.%s' was changed (ALTER TABLE) while it was being "
			       "snapshotted: its %s (%s) is no longer a unique key of it (the primary "
			       "or unique key moved or was dropped), so its values may repeat and the "
			       "chunks, split on it, can miss rows; nothing of them is written: the "
			       "chunks already written are split on the old key, which a rerun cannot "
			       "continue, so take the table's snapshot again from the start (drop its "
			       "line from the checkpoint, or load it into a new warehouse) and make "
			       "key changes between snapshots, not during one",
			       t->db, t->name, what, names);
	return 0;
}

int snap_def_check(MYSQL *m, const struct snap_table *t, struct snap_def_seen *seen, int more,
		   struct mc_err *err)
{
	struct mc_buf now = { 0 }, text = { 0 };
	int rc = 0, have = 0;
	if (seen && seen->t == t) {
		rc = create_read(m, t, &text, err);
		if (rc == 0 && strcmp(text.p, seen->create.p) == 0) {
			buf_free(&text);
			return 0;
		}
		have = rc == 0;
	}
	if (rc == 0)
		rc = def_read(m, t->db, t->name, &now, err);
	if (rc == 0 && t->def && strcmp(t->def, now.p) != 0)
		rc = def_refuse(t, now.p, "while it was being snapshotted", err);
	if (rc == 0 && t->def)
		rc = keys_check(m, t, err);
	/* passed: the text read in this transaction is of the loaded definition */
	if (rc == 0 && seen && more && t->def && (have || (rc = create_read(m, t, &text, err)) == 0)) {
		struct mc_buf old = seen->create;
		seen->create = text;
		seen->t = t;
		text = old;
	}
	buf_free(&now);
	buf_free(&text);
	return rc;
}

void snap_def_seen_free(struct snap_def_seen *seen)
{
	buf_free(&seen->create);
	seen->t = NULL;
}
