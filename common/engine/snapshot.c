/* snapshot.c: the snapshot engine's setup, output and checkpoint (the
 * threads are in snapshot_sched.c). The calling thread is the writer: it
 * takes finished chunks in order off the queue and writes them. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/io.h"
#include "engine/snapshot_int.h"
#include "mysql/snapcheck.h"
#include "stream/ledger.h"
#include "transform/rules.h"

const char *const snapjob_consistency_names[] = { "snapshot", "lock", NULL };

void snapjob_opts_init(struct snapjob_opts *o)
{
	memset(o, 0, sizeof *o);
	o->threads = 4;
	o->chunk_rows = 20000;
	o->chunk_bytes = (uint64_t)64 << 20;
	o->consistency = SNAPJOB_AUTO;
	o->out_name = "standard output";
}

/* ---- selection ---- */

int snapjob_table_arg_ok(const char *arg)
{
	const char *c = strchr(arg, ':'), *dot = strchr(arg, '.');
	return c && c != arg && dot && dot < c && c[1];
}

const char *sj_table_opt(const char *const *arr, size_t n, const char *db, const char *name)
{
	const char *found = NULL;
	size_t dl = strlen(db), nl = strlen(name);
	for (size_t i = 0; i < n; i++) {
		const char *a = arr[i];
		if (strncmp(a, db, dl) == 0 && a[dl] == '.' && strncmp(a + dl + 1, name, nl) == 0 &&
		    a[dl + 1 + nl] == ':')
			found = a + dl + 2 + nl;
	}
	return found;
}

int sj_db_selected(const char *list, const char *db)
{
	if (!list)
		return 1;
	size_t n = strlen(db);
	for (const char *s = list; *s;) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len == n && strncmp(s, db, n) == 0)
			return 1;
		s += len;
		if (*s)
			s++;
	}
	return 0;
}

/* The rules (--rules) for db.name: 0 take it (*where: its full_load
 * condition or NULL, *at: where the rules give it), 1 leave it out (not
 * selected, or its full load skipped: *skipped counts those), -1 with e (two
 * full_load entries match it; a --where and a full_load where both give
 * its condition). */
static int rules_table(const struct snapjob_opts *o, const char *db, const char *name,
		       const char **where, const char **at, size_t *skipped, struct mc_err *e)
{
	const struct tf_fload *f, *f2;
	*at = NULL;
	if (!o->rules)
		return 0;
	if (!tf_selected(o->rules, db, strlen(db), name, strlen(name)))
		return 1;
	if (!(f = tf_full_load(o->rules, db, strlen(db), name, strlen(name), &f2)))
		return 0;
	if (f2)
		return mc_errf(e, MC_EXIT_USAGE, "table '%s.%s': two full_load entries match it "
			       "(%s and %s): give it one", db, name, f->at, f2->at);
	if (*where)
		return mc_errf(e, MC_EXIT_USAGE, "table '%s.%s': --where and the full_load %s at "
			       "%s both give its condition: give it in one place", db, name,
			       f->skip ? "skip" : "where", f->at);
	if (f->skip) {
		(*skipped)++;
		return 1;
	}
	*where = f->where;
	*at = f->at;
	return 0;
}

/* A full_load condition from the rules: the server must take it, before
 * anything is written (exit 1 naming the table and the rules' line). */
static int rules_where_check(MYSQL *m, const struct snap_table *t, const char *at,
			     struct mc_err *e)
{
	struct mc_buf q = { 0 };
	MYSQL_RES *res = NULL;
	int rc;
	if (buf_addf(&q, "SELECT 1 FROM %s WHERE (%s) LIMIT 0", t->qname, t->where) < 0 ||
	    buf_addc(&q, 0) < 0) {
		buf_free(&q);
		return mc_oom(e, "a query");
	}
	rc = my_query(m, q.p, &res, e);
	buf_free(&q);
	if (res)
		mysql_free_result(res);
	if (rc < 0 && e->code == MC_EXIT_DATA)
		return mc_errctx(e, "table '%s.%s': the full_load where at %s (%s) is refused by "
				 "the server: ", t->db, t->name, at, t->where);
	return rc;
}

/* Select and load the tables. */
static int load_tables(struct snapjob *s, MYSQL *m, struct mc_err *e)
{
	const struct snapjob_opts *o = s->o;
	struct mc_buf names = { 0 };
	uint64_t *est = NULL;
	size_t n = 0, skipped = 0;
	int rc = -1;
	if (snap_list_tables(m, &names, &est, &n, e) < 0)
		goto out;
	if (!(s->tables = calloc(n ? n : 1, sizeof *s->tables))) {
		mc_oom(e, "the tables");
		goto out;
	}
	const char *p = names.p;
	for (size_t i = 0; i < n; i++) {
		const char *db = p, *name = p + strlen(p) + 1;
		p = name + strlen(name) + 1;
		char full[1024];
		snprintf(full, sizeof full, "%s.%s", db, name);
		if (!sj_db_selected(o->databases, db) ||
		    (o->tables && regexec(o->tables, full, 0, NULL, 0) != 0) ||
		    (o->exclude && regexec(o->exclude, full, 0, NULL, 0) == 0))
			continue;
		struct snap_table *t = &s->tables[s->ntables];
		const char *where = sj_table_opt(o->wheres, o->nwheres, db, name), *at;
		int r = rules_table(o, db, name, &where, &at, &skipped, e);
		if (r < 0)
			goto out;
		if (r > 0)
			continue;
		if (snap_table_load(m, db, name, sj_table_opt(o->splits, o->nsplits, db, name),
				    where, t, e) < 0 ||
		    (at && rules_where_check(m, t, at, e) < 0)) {
			snap_table_free(t);
			goto out;
		}
		t->est_rows = est[i];
		s->ntables++;
	}
	if (s->ntables == 0) {
		struct mc_buf sel = { 0 };
		int bad = 0;
		if (o->databases)
			bad |= buf_addf(&sel, " --databases=%s", o->databases) < 0;
		if (o->tables)
			bad |= buf_addf(&sel, " --tables=%s", o->tables_text ? o->tables_text : "...") < 0;
		if (o->exclude)
			bad |= buf_addf(&sel, " --exclude=%s",
					o->exclude_text ? o->exclude_text : "...") < 0;
		if (o->rules)
			bad |= buf_addf(&sel, " --rules=%s", o->rules->file) < 0;
		if (skipped)
			bad |= buf_addf(&sel, "; %zu table%s matched but full_load skip%s %s",
					skipped, skipped > 1 ? "s" : "", skipped > 1 ? "" : "s",
					skipped > 1 ? "them" : "it") < 0;
		if (bad || buf_addc(&sel, 0) < 0) {
			buf_free(&sel);
			mc_oom(e, "a message");
			goto out;
		}
		mc_errf(e, MC_EXIT_DATA,
			"no table matches the selection (%s): check the names, and that the user "
			"may SELECT the tables (the server lists only those)",
			sel.len > 1 ? sel.p + 1 : "every database but the system ones");
		buf_free(&sel);
		goto out;
	}
	rc = 0;
out:
	free(est);
	buf_free(&names);
	return rc;
}

/* ---- checkpoint ---- */

static size_t nfields(const char *s, size_t len)
{
	size_t n = 1;
	for (size_t i = 0; i < len; i++)
		n += s[i] == '\t';
	return n;
}

int snapjob_chain_format(int done, const snap_bound after, size_t nsplit, struct mc_buf *out)
{
	struct mc_buf hi = { 0 };
	struct mc_err e = { 0 };
	int rc;
	if (done || !after)
		return ledger_chain_format(out, NULL, 0, &e);
	rc = snap_bound_format(after, nsplit, &hi);
	if (rc == 0)
		rc = ledger_chain_format(out, hi.p, hi.len, &e);
	buf_free(&hi);
	return rc;
}

int snapjob_chain_parse(const char *key, const char *v, size_t nsplit, int *done,
			snap_bound *after, struct mc_err *err)
{
	const char *hi;
	size_t hin;
	enum ledger_chain c = ledger_chain_parse(v, &hi, &hin);
	*done = 0;
	*after = NULL;
	if (c == LEDGER_CHAIN_END) {
		*done = 1;
		return 0;
	}
	if (c == LEDGER_CHAIN_AT && nsplit && nfields(hi, hin) == nsplit) {
		if (!(*after = snap_bound_parse(hi, hin)))
			return mc_oom(err, "a checkpoint's key");
		return 0;
	}
	return mc_errf(err, MC_EXIT_DATA,
		       "bad value for '%s' (want '" LEDGER_CHAIN_DONE "' or 'after', a tab, the "
		       "%zu literals of the split key)",
		       key, nsplit);
}

/* the same key as the sink's ledger and --checkpoint-out (stream/ledger.h) */
static void ckpt_key(const struct snap_table *t, char *out, size_t outsz)
{
	ledger_table_key(t->db, strlen(t->db), t->name, strlen(t->name), out, outsz);
}

/* text into a checkpoint value, one line: a newline as \n, a backslash as
 * \\ (and, with bq, a backquote doubled, as in an identifier) */
static int ckpt_esc(struct mc_buf *b, const char *text, bool bq)
{
	for (const char *p = text; *p; p++) {
		int r = bq && *p == '`' ? buf_adds(b, "``")
			: *p == '\n'    ? buf_adds(b, "\\n")
			: *p == '\\'    ? buf_adds(b, "\\\\")
					: buf_addc(b, *p);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* The split key as the checkpoint records it beside a table's chain
 * (LEDGER_K_SPLIT): each column's name, type and collation, in key order,
 * NUL-terminated. The chain's literals are values of that key, compared
 * in its columns' order and collations: a rerun resumes only on the same. */
static int split_desc(const struct snap_table *t, struct mc_buf *b)
{
	for (size_t i = 0; i < t->nsplit; i++) {
		const struct snap_col *c = &t->cols[t->split[i]];
		if ((i && buf_adds(b, ", ") < 0) || buf_addc(b, '`') < 0 ||
		    ckpt_esc(b, c->name, true) < 0)
			return -1;
		if (buf_adds(b, "` ") < 0 || buf_adds(b, c->mysql_type ? c->mysql_type : "?") < 0 ||
		    (c->collation && *c->collation &&
		     (buf_adds(b, " COLLATE ") < 0 || buf_adds(b, c->collation) < 0)))
			return -1;
	}
	return buf_addc(b, 0);
}

/* A table resumed after a value of its split key: the key the checkpoint
 * records for it must be the table's split key now (an ALTER that moved
 * the primary key between the runs, another --split-key: the values would
 * be taken as the other key's, and rows lost or read twice), exit 1. A
 * checkpoint without it (an older mc-snapshot's, a sink's --checkpoint-out)
 * resumes on the key of now, as before, with a warning. */
static int split_check(struct snapjob *s, const struct snap_table *t, const char *key,
		       const char *path, struct mc_err *e)
{
	char skey[1300];
	struct mc_buf now = { 0 };
	snprintf(skey, sizeof skey, LEDGER_K_SPLIT "%s", key);
	const char *was = ckpt_get(&s->ck, skey);
	if (split_desc(t, &now) < 0) {
		buf_free(&now);
		return mc_oom(e, "a split key");
	}
	int rc = 0;
	if (!was)
		mc_sayf(&s->o->warn, "'%s': table '%s.%s': the checkpoint does not say which split "
			"key its chain is of (written by an older mc-snapshot, or by a sink): resuming "
			"on (%s), which is right only if the table split on it when the chain was "
			"written", path, t->db, t->name, now.p);
	else if (strcmp(was, now.p) != 0)
		rc = mc_errf(e, MC_EXIT_DATA,
			     "'%s': table '%s.%s': the checkpoint resumes its snapshot after a value "
			     "of the split key (%s), but the table splits on (%s) now (its primary key "
			     "changed, or --split-key differs): resuming on another key would lose or "
			     "repeat rows; give --split-key=%s.%s:COLUMNS of the recorded key if it is "
			     "still unique and NOT NULL, or take the table's snapshot again from the "
			     "start: remove the lines '%s' and '%s' from the checkpoint and drop the "
			     "table's chunks that earlier runs wrote (a warehouse that committed some: "
			     "load the table into a new warehouse)",
			     path, t->db, t->name, was, *now.p ? now.p : "none: one chunk", t->db,
			     t->name, key, skey);
	buf_free(&now);
	return rc;
}

/* The condition a table's chain was read under, as the checkpoint records
 * it beside the chain (LEDGER_K_WHERE): --where's or the rules' full_load
 * where, as given, empty for none; NUL-terminated. */
static int where_desc(const struct snap_table *t, struct mc_buf *b)
{
	return (t->where && ckpt_esc(b, t->where, false) < 0) ? -1 : buf_addc(b, 0);
}

/* A table with a chain in the checkpoint (resumed, or done): it was read
 * under the condition the checkpoint records; under another one now (a
 * --where or full_load where changed, added or removed) the chain would
 * hold rows of both, or a done table keep the old one's, exit 1. A
 * checkpoint without the line (an older mc-snapshot's, a sink's
 * --checkpoint-out) cannot tell: a condition now is taken, with a warning. */
static int where_check(struct snapjob *s, const struct snap_table *t, const char *key,
		       const char *path, struct mc_err *e)
{
	char wkey[1300];
	struct mc_buf now = { 0 };
	int rc = 0;
	snprintf(wkey, sizeof wkey, LEDGER_K_WHERE "%s", key);
	const char *was = ckpt_get(&s->ck, wkey);
	if (where_desc(t, &now) < 0) {
		buf_free(&now);
		return mc_oom(e, "a condition");
	}
	if (!was && t->where)
		mc_sayf(&s->o->warn, "'%s': table '%s.%s': the checkpoint does not say under which "
			"condition its chain was read (written by an older mc-snapshot, or by a sink): "
			"taking it as (%s), which is right only if the chain was read under it", path,
			t->db, t->name, now.p);
	else if (was && strcmp(was, now.p) != 0)
		rc = mc_errf(e, MC_EXIT_DATA,
			     "'%s': table '%s.%s': the checkpoint's chain was read under the condition "
			     "(%s), but this run's is (%s) (--where, or the rules' full_load where): "
			     "resuming would keep rows of the old condition beside the new one's; give "
			     "the recorded condition, or take the table's snapshot again from the start: "
			     "remove the lines '%s', '%s' and '" LEDGER_K_SPLIT "%s' from the "
			     "checkpoint and drop the table's chunks that earlier runs wrote (a "
			     "warehouse that committed some: load the table into a new warehouse)",
			     path, t->db, t->name, *was ? was : "none", *now.p ? now.p : "none", key,
			     wkey, key);
	buf_free(&now);
	return rc;
}

/* Which tables are done, and where the others resume. */
static int read_checkpoint(struct snapjob *s, struct mc_err *e)
{
	const char *path = s->o->checkpoint ? s->o->checkpoint : s->o->checkpoint_in;
	s->skip = calloc(s->ntables + 1, sizeof *s->skip);
	s->from = calloc(s->ntables + 1, sizeof *s->from);
	if (!s->skip || !s->from)
		return mc_oom(e, "the tables");
	if (!path)
		return 0;
	if (ckpt_read(path, &s->ck, e) < 0)
		return -1;
	for (size_t i = 0; i < s->ntables; i++) {
		char key[1200];
		ckpt_key(&s->tables[i], key, sizeof key);
		const char *v = ckpt_get(&s->ck, key);
		const char *hi;
		size_t hin;
		/* the key first: another key may have another number of columns */
		if (v && ledger_chain_parse(v, &hi, &hin) == LEDGER_CHAIN_AT &&
		    split_check(s, &s->tables[i], key, path, e) < 0)
			return -1;
		if (v && where_check(s, &s->tables[i], key, path, e) < 0)
			return -1;
		if (v && snapjob_chain_parse(key, v, s->tables[i].nsplit, &s->skip[i], &s->from[i],
					     e) < 0)
			return mc_errctx(e, "'%s': ", path);
	}
	return 0;
}

static int ckpt_done(struct snapjob *s, const struct snap_table *t, const struct sj_job *j,
		     struct mc_err *e)
{
	char key[1200], skey[1300], wkey[1300];
	struct mc_buf v = { 0 }, d = { 0 }, w = { 0 };
	int rc = -1;
	ckpt_key(t, key, sizeof key);
	snprintf(skey, sizeof skey, LEDGER_K_SPLIT "%s", key);
	snprintf(wkey, sizeof wkey, LEDGER_K_WHERE "%s", key);
	/* the split key and the condition beside the chain, in the same write */
	if (snapjob_chain_format(j->last, j->hi, t->nsplit, &v) < 0 || buf_addc(&v, 0) < 0 ||
	    (t->nsplit && split_desc(t, &d) < 0) || where_desc(t, &w) < 0)
		mc_oom(e, "a checkpoint");
	else if ((!t->nsplit || ckpt_set(&s->ck, skey, d.p, e) == 0) &&
		 ckpt_set(&s->ck, wkey, w.p, e) == 0 && ckpt_set(&s->ck, key, v.p, e) == 0 &&
		 ckpt_write(s->o->checkpoint, &s->ck, e) == 0)
		rc = 0;
	buf_free(&v);
	buf_free(&d);
	buf_free(&w);
	return rc;
}

/* ---- output ---- */

static void progress(struct snapjob *s, int final)
{
	if (!s->o->progress)
		return;
	double now = sj_elapsed(s);
	if (!final && now - s->progress_last < 1.0)
		return;
	s->progress_last = now;
	struct snapjob_progress p = { 0 };
	p.rows = s->done_rows;
	p.bytes = s->done_bytes;
	p.seconds = now;
	p.final = final;
	if (s->t_rows) {
		uint64_t cr = s->o->chunk_rows;
		pthread_mutex_lock(&s->mu);
		for (size_t i = 0; i < s->ntables; i++) {
			struct snap_table *t = &s->tables[i];
			uint64_t n = s->t_chunks[i], est = t->est_rows, tot;
			if (s->skip[i])
				continue;
			p.ntables++;
			if (s->t_done[i]) {
				tot = s->t_rows[i];
				p.tables_done++;
			} else {
				/* each chunk covers cr keys of the split key: a
				 * unique one holds cr rows a chunk (fewer under a
				 * --where); a table planned whole, no more (not
				 * when cut by arithmetic: its chunks hold about cr) */
				int exact = t->nsplit && t->split_unique && !t->by_steps;
				if (s->t_planned[i] && exact) {
					uint64_t lo = t->where ? 1 : (n - 1) * cr + 1, hi = n * cr;
					tot = est < lo ? lo : est > hi ? hi : est;
				} else {
					tot = est > n * cr || !exact || t->where ? est : n * cr;
				}
				if (tot <= s->t_rows[i]) {
					/* past the estimate, no bound known: at least one
					 * more row */
					tot = s->t_rows[i] + 1;
					if (!s->t_planned[i] || !exact)
						p.total_open = 1;
				}
			}
			p.total += tot;
			if (i == s->t_cur) {
				p.db = t->db;
				p.table = t->name;
				p.table_rows = s->t_rows[i];
				p.table_total = tot;
			}
		}
		pthread_mutex_unlock(&s->mu);
	}
	s->o->progress(s->o->progress_ctx, &p);
}

/* Rows of table ti written (last: its last chunk). */
static void table_rows(struct snapjob *s, size_t ti, uint64_t rows, int last)
{
	s->t_cur = ti;
	s->t_rows[ti] += rows;
	if (last)
		s->t_done[ti] = 1;
}

/* The header entry MC_META_CHAINS: per table its chain's key, split key
 * and condition, a line each, as the checkpoint records them (the sink
 * keeps them beside the chains it commits, and its --checkpoint-out gives
 * them back to --checkpoint-in). */
static int chains_meta(const struct snapjob *s, struct mc_buf *b)
{
	for (size_t i = 0; i < s->ntables; i++) {
		const struct snap_table *t = &s->tables[i];
		char key[1200];
		ckpt_key(t, key, sizeof key);
		if (buf_adds(b, key) < 0 || buf_addc(b, '\n') < 0)
			return -1;
		/* split_desc and where_desc end with a NUL: a newline instead */
		if (t->nsplit && split_desc(t, b) < 0)
			return -1;
		if (t->nsplit)
			b->p[b->len - 1] = '\n';
		else if (buf_addc(b, '\n') < 0)
			return -1;
		if (where_desc(t, b) < 0)
			return -1;
		b->p[b->len - 1] = '\n';
	}
	return 0;
}

/* The header and every table's schema record (at the schema's position). */
static int write_head(struct snapjob *s, MYSQL *m, const struct mc_pos *wm0, struct mc_err *e)
{
	const struct my_opts *c = &s->o->conn;
	struct stat st;
	if (rio_winit(&s->wr, s->fd, 0, e) < 0)
		return -1;
	s->wr_open = 1;
	s->out_is_file = fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode);
	char host[256];
	snprintf(host, sizeof host, "%s", c->socket ? c->socket : c->host ? c->host : "localhost");
	const char *server = mysql_get_server_info(m);
	char sid[32] = "";
	MYSQL_RES *res;
	MYSQL_ROW row;
	/* the source's identity, as mc-binlog-tail names it (docs/record-format.md) */
	if (my_query(m, "SELECT @@server_id", &res, e) < 0)
		return -1;
	if ((row = mysql_fetch_row(res)) && row[0])
		snprintf(sid, sizeof sid, "%s", row[0]);
	mysql_free_result(res);
	struct mc_buf ch = { 0 };
	if (chains_meta(s, &ch) < 0) {
		buf_free(&ch);
		return mc_oom(e, "the header");
	}
	struct mc_kv meta[5] = {
		{ mc_str_c("program", 7), mc_str_c("mc-snapshot", 11) },
		{ mc_str_c("source", 6), mc_str_c(host, strlen(host)) },
		{ mc_str_c("server", 6), mc_str_c(server, strlen(server)) },
		{ mc_str_c(MC_META_CHAINS, strlen(MC_META_CHAINS)), mc_str_c(ch.p ? ch.p : "", ch.len) },
		{ mc_str_c(MC_META_SOURCE_ID, strlen(MC_META_SOURCE_ID)), mc_str_c(sid, strlen(sid)) },
	};
	int hrc = rio_begin(&s->wr, meta, sid[0] ? 5 : 4, e);
	buf_free(&ch);
	if (hrc < 0)
		return -1;
	size_t nt = s->ntables ? s->ntables : 1;
	if (!(s->t_rows = calloc(nt, sizeof *s->t_rows)) ||
	    !(s->t_chunks = calloc(nt, sizeof *s->t_chunks)) ||
	    !(s->t_planned = calloc(nt, 1)) || !(s->t_done = calloc(nt, 1)))
		return mc_oom(e, "the progress");
	for (size_t i = 0; i < s->ntables; i++) {
		struct snap_table *t = &s->tables[i];
		struct mc_col *cols = calloc(t->ncols ? t->ncols : 1, sizeof *cols);
		struct mc_rec r;
		if (!cols)
			return mc_oom(e, "a schema record");
		snap_schema_rec(t, cols, &r);
		r.pos = *wm0;
		r.time = (int64_t)time(NULL);
		int rc = rio_write(&s->wr, &r, e);
		free(cols);
		if (rc < 0)
			return -1;
		if (!s->skip[i])
			s->total += t->est_rows;
		if (!t->nsplit && !s->skip[i])
			mc_sayf(&s->o->warn, "table '%s.%s' has no usable split key: read as one chunk", t->db,
			     t->name);
	}
	return rio_flush(&s->wr, e);
}

/* A table without a split key is one chunk: rather than hold it in
 * memory, the writer reads it on its own connection and writes its rows as
 * they come, in their place in the output order. */
static int stream_tick(void *ctx, uint64_t rows, uint64_t bytes)
{
	struct snapjob *s = ctx;
	if (sj_tick(s, rows, bytes) < 0)
		return -1;
	if (rio_write_raw(&s->wr, s->stream_buf.p, s->stream_buf.len, rows, &s->stream_err) < 0)
		return -1;
	s->done_bytes += s->stream_buf.len;
	s->done_rows += rows;
	table_rows(s, s->stream_ti, rows, 0);
	s->stream_buf.len = 0;
	if (s->wr.buf.len >= (1u << 20) && rio_flush(&s->wr, &s->stream_err) < 0)
		return -1;
	progress(s, 0);
	return 0;
}

static int run_stream(struct snapjob *s, struct sj_job *j, struct mc_err *e)
{
	struct snap_table *t = &s->tables[j->ti];
	uint64_t n;
	snap_bound last = NULL;
	if (!s->stream_conn && my_connect(&s->o->conn, &s->stream_conn, e) < 0)
		return -1;
	memset(&s->stream_err, 0, sizeof s->stream_err);
	s->stream_ti = j->ti;
	if (snap_begin(s->stream_conn, &j->wm, e) < 0)
		return -1;
	if (snap_read(s->stream_conn, &s->stream_rd, t, NULL, NULL, 0, &j->wm, (int64_t)time(NULL),
		      &s->stream_buf, &n, &last, stream_tick, s, e) < 0) {
		if (s->stream_err.code)
			*e = s->stream_err; /* the write that stopped the read */
		return -1;
	}
	snap_bound_free(last, t->nsplit);
	if (snap_def_check(s->stream_conn, t, NULL, 0, e) < 0 || my_exec(s->stream_conn, "COMMIT", e) < 0 ||
	    sj_add_chunk_end(s, j, e) < 0)
		return -1;
	j->rows = 0; /* counted as they were written */
	table_rows(s, j->ti, 0, 1);
	return 0;
}

/* Write a finished chunk, the table's snapshot_end after its last, and
 * checkpoint it. tmax: the highest watermark of the table's chunks. */
static int write_job(struct snapjob *s, struct sj_job *j, struct mc_pos *tmax, struct mc_err *e)
{
	struct snap_table *t = &s->tables[j->ti];
	if (s->out_is_file)
		io_reserve(s->fd, j->out.len);
	if (rio_write_raw(&s->wr, j->out.p, j->out.len, j->nrecs, e) < 0)
		return -1;
	if (pos_cmp(&j->wm, tmax) > 0)
		*tmax = j->wm;
	if (j->last) {
		struct mc_rec r;
		memset(&r, 0, sizeof r);
		r.kind = MC_R_MARK;
		r.mark = MC_MARK_SNAPSHOT_END;
		r.pos = *tmax;
		r.time = (int64_t)time(NULL);
		r.db = mc_str_c(t->db, strlen(t->db));
		r.table = mc_str_c(t->name, strlen(t->name));
		r.label = mc_str_c("", 0);
		if (rio_write(&s->wr, &r, e) < 0)
			return -1;
		memset(tmax, 0, sizeof *tmax);
	}
	if (rio_flush(&s->wr, e) < 0)
		return -1;
	s->done_rows += j->rows;
	s->done_bytes += j->out.len;
	table_rows(s, j->ti, j->rows, j->last);
	if (s->o->checkpoint) {
		if (s->out_is_file && fsync(s->fd) < 0)
			return mc_errnof(e, errno, "%s", s->o->out_name);
		if (ckpt_done(s, t, j, e) < 0)
			return -1;
	}
	progress(s, 0);
	return 0;
}

/* The writer: chunks in order until the end; -1 once the run failed. */
static int write_loop(struct snapjob *s)
{
	struct mc_pos tmax;
	struct mc_err e = { 0 };
	memset(&tmax, 0, sizeof tmax);
	for (;;) {
		struct sj_job *j;
		int rc = 0;
		switch (sj_take(s, &j)) {
		case SJ_T_FAILED:
			return -1;
		case SJ_T_END:
			return 0;
		case SJ_T_STREAM:
			rc = run_stream(s, j, &e);
			sj_mark_done(s, j);
			break;
		default:
			rc = write_job(s, j, &tmax, &e);
			sj_keep_out(s, j);
			sj_free_job(s, j);
			break;
		}
		if (rc < 0) {
			sj_set_failed(s, &e);
			return -1;
		}
	}
}

/* ---- the run ---- */

static int check_consistency(struct snapjob *s, MYSQL *m, struct mc_err *e)
{
	int maria = my_is_mariadb(m);
	s->consistency = s->o->consistency;
	if (s->consistency == SNAPJOB_AUTO)
		s->consistency = maria ? SNAPJOB_SNAPSHOT : SNAPJOB_LOCK;
	if (s->consistency == SNAPJOB_SNAPSHOT && !maria)
		return mc_errf(e, MC_EXIT_USAGE,
			       "server %s is not MariaDB: --consistency=snapshot needs MariaDB's "
			       "binlog_snapshot_position; use --consistency=lock",
			       mysql_get_server_info(m));
	return 0;
}

/* Open the read views: the schema's position wm0 is a consistent snapshot
 * no later than any chunk's. */
static int open_views(struct snapjob *s, MYSQL *m, struct mc_pos *wm0, struct mc_err *e)
{
	if (s->consistency != SNAPJOB_LOCK)
		return snap_begin(m, wm0, e);
	/* commits stop while every connection opens its read view: all of
	 * them are consistent with the one binlog position */
	static const char begin[] = "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY";
	if (my_exec(m, "FLUSH TABLES WITH READ LOCK", e) < 0)
		return -1;
	for (uint64_t i = 0; i < s->o->threads; i++)
		if (my_exec(s->wconn[i], begin, e) < 0)
			return -1;
	if (my_exec(m, begin, e) < 0 || snap_master_pos(m, wm0, e) < 0 ||
	    my_exec(m, "UNLOCK TABLES", e) < 0)
		return -1;
	s->lock_wm = *wm0;
	return 0;
}

/* A warning of prepared XA transactions (snapcheck_xa). */
static int xa_warn(struct snapjob *s, MYSQL *m)
{
	int k = snapcheck_xa(m);
	if (k > 0)
		mc_sayf(&s->o->warn, "warning: " XA_WHY, k, k == 1 ? "" : "s");
	return 0;
}

static int run(struct snapjob *s, struct mc_err *e)
{
	const struct snapjob_opts *o = s->o;
	struct mc_pos wm0;
	MYSQL *m;
	if (my_connect(&o->conn, &s->plan_conn, e) < 0)
		return -1;
	m = s->plan_conn;
	const struct my_opts *c = &o->conn;
	if (check_consistency(s, m, e) < 0 ||
	    snapcheck_binlog_format(m, c->socket ? c->socket : c->host ? c->host : "localhost",
				    e) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &s->t_start);
	if (!(s->wconn = calloc(o->threads, sizeof *s->wconn)))
		return mc_oom(e, "the connections");
	for (uint64_t i = 0; i < o->threads; i++)
		if (my_connect(&o->conn, &s->wconn[i], e) < 0)
			return -1;
	if (open_views(s, m, &wm0, e) < 0 || load_tables(s, m, e) < 0 ||
	    snapcheck_versioned(s->tables, s->ntables, e) < 0 ||
	    snapcheck_fk(m, s->tables, s->ntables, o->fk_pass ? &o->warn : NULL, e) < 0 ||
	    xa_warn(s, m) < 0 ||
	    my_exec(m, "COMMIT", e) < 0 || read_checkpoint(s, e) < 0 ||
	    write_head(s, m, &wm0, e) < 0)
		return -1;
	/* m goes to the planner */
	if (sj_start(s, e) < 0)
		return -1;
	int rc = write_loop(s);
	sj_join(s);
	if (rc < 0 || s->failed) {
		*e = s->fail_err;
		return -1;
	}
	if (rio_end(&s->wr, e) < 0)
		return -1;
	s->wr_open = 0;
	if (rio_wclose(&s->wr, e) < 0)
		return -1;
	progress(s, 1);
	return 0;
}

static void snapjob_free(struct snapjob *s)
{
	sj_destroy(s);
	if (s->wr_open) {
		/* a failed run: what is not written stays unwritten */
		s->wr.buf.len = 0;
		zout_close(&s->wr.out);
		buf_free(&s->wr.buf);
	}
	if (s->plan_conn)
		mysql_close(s->plan_conn);
	for (uint64_t i = 0; s->wconn && i < s->o->threads; i++)
		if (s->wconn[i])
			mysql_close(s->wconn[i]);
	free(s->wconn);
	free(s->t_rows);
	free(s->t_chunks);
	free(s->t_planned);
	free(s->t_done);
	free(s->workers);
	free(s->targs);
	if (s->stream_conn)
		mysql_close(s->stream_conn);
	snap_reader_free(&s->stream_rd);
	buf_free(&s->stream_buf);
	for (size_t i = 0; i < s->ntables; i++) {
		if (s->from)
			snap_bound_free(s->from[i], s->tables[i].nsplit);
		snap_table_free(&s->tables[i]);
	}
	free(s->tables);
	free(s->skip);
	free(s->from);
	ckpt_free(&s->ck);
}

int snapjob_run(const struct snapjob_opts *o, int fd, struct mc_err *err)
{
	if (!o->threads || !o->chunk_rows)
		return mc_errf(err, MC_EXIT_USAGE, "the threads and the chunk rows must be at least 1");
	struct snapjob *s = malloc(sizeof *s);
	if (!s)
		return mc_oom(err, "the snapshot");
	if (sj_init(s, o) < 0) {
		free(s);
		return mc_oom(err, "the snapshot");
	}
	s->fd = fd;
	int rc = run(s, err);
	snapjob_free(s);
	free(s);
	return rc;
}

int snapjob_precheck(const struct snapjob_opts *o, FILE *out, struct mc_err *err)
{
	struct snapjob *s = malloc(sizeof *s);
	MYSQL *m = NULL;
	int rc = -1;
	if (!s)
		return mc_oom(err, "the snapshot");
	if (sj_init(s, o) < 0) {
		free(s);
		return mc_oom(err, "the snapshot");
	}
	if (my_connect(&o->conn, &m, err) == 0 && load_tables(s, m, err) == 0)
		rc = snapcheck_run(m, s->tables, s->ntables, out, err);
	if (m)
		mysql_close(m);
	snapjob_free(s);
	free(s);
	return rc;
}
