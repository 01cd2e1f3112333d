/* tail_ahead.c: a live tail's column names and ENUM/SET labels taken from
 * the server's table of now (tail_live.c, --column-names=server), for
 * table maps that carry none (binlog_row_metadata=MINIMAL or NO_LOG). A
 * tail that is behind reads rows written before they changed, so the
 * server's binlog is read ahead for the statements that may have changed
 * them (tail_int.h). */
#include "engine/tail_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/charset.h"
#include "binlog/ddl.h"
#include "mysql/myschema.h"

/* Is w at s[i] a word of q (no letter, digit, _ or $ either side)? */
static int word_at(const char *q, size_t i, size_t n)
{
	int before = i > 0 ? (unsigned char)q[i - 1] : ' ', after = (unsigned char)q[i + n];
	return !(isalnum(before) || before == '_' || before == '$' || before >= 0x80) &&
	       !(isalnum(after) || after == '_' || after == '$' || after >= 0x80);
}

static int has_word_ci(const char *q, const char *w, size_t n)
{
	for (size_t i = 0; q[i]; i++)
		if (strncasecmp(q + i, w, n) == 0 && word_at(q, i, n))
			return 1;
	return 0;
}

/* The statements that may change a table's ENUM/SET labels: an ALTER
 * with CONVERT, CHARACTER SET, CHARSET or COLLATE (ALTER_CS: the server
 * keeps the labels' bytes and reads them in the new charset), or with an
 * ENUM(...) or SET(...) definition (ALTER_LABELS); a CREATE with them; a
 * RENAME (alter_kind). Those that may change its column names: a CREATE,
 * ALTER, DROP or RENAME of a table (ALTER_COLS, ddl_target; which table,
 * and whether the names change, is seen per table: changes_cols). Read
 * ahead in the server's binlog (SHOW BINLOG EVENTS, a page at a time)
 * from the first table map whose names or labels the server gave, to the
 * binlog's end when the server was last asked for them. */
enum { ALTER_CS = 1, ALTER_LABELS = 2, ALTER_COLS = 4 };

struct alter_seen {
	uint64_t seq, off;
	int kind; /* ALTER_* */
	char *file, *info;
};

struct alters {
	struct alter_seen *v;
	size_t n, cap;
	int started;
	char file[256]; /* read up to here */
	uint64_t off;
};

void tail_ahead_free(struct tail *T)
{
	struct alters *a = T->alters;
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].file);
		free(a->v[i].info);
	}
	free(a->v);
	free(a);
	T->alters = NULL;
}

/* Does q hold the word SET followed by "(" (blanks between)? */
static int has_set_def(const char *q)
{
	for (size_t i = 0; q[i]; i++)
		if (strncasecmp(q + i, "SET", 3) == 0 && word_at(q, i, 3)) {
			size_t j = i + 3;
			while (q[j] == ' ' || q[j] == '\t' || q[j] == '\n' || q[j] == '\r')
				j++;
			if (q[j] == '(')
				return 1;
		}
	return 0;
}

/* What a statement info may change of a table's labels (ALTER_*): an
 * ALTER, or a CREATE (a table dropped and made again), with the words
 * above; a RENAME (a table swapped in under the name: gh-ost,
 * pt-online-schema-change) may bring any labels. */
static int alter_kind(const char *info)
{
	if (has_word_ci(info, "RENAME", 6))
		return ALTER_LABELS | ALTER_CS;
	if (!has_word_ci(info, "ALTER", 5) && !has_word_ci(info, "CREATE", 6))
		return 0;
	return (has_word_ci(info, "CONVERT", 7) || has_word_ci(info, "CHARACTER", 9) ||
		has_word_ci(info, "CHARSET", 7) || has_word_ci(info, "COLLATE", 7)
		? ALTER_CS : 0) |
	       (has_word_ci(info, "ENUM", 4) || has_set_def(info) ? ALTER_LABELS : 0);
}

/* The statement of a Query event's info, past the "use `db`; " SHOW BINLOG
 * EVENTS puts before it when it had a default database (*db: that one,
 * empty when none). */
static const char *stmt_of(const char *info, struct mc_str *db)
{
	const char *e;
	db->p = "";
	db->n = 0;
	if (strncmp(info, "use `", 5) != 0)
		return info;
	for (e = info + 5; *e; e++) {
		if (*e != '`')
			continue;
		if (e[1] == '`') { /* a doubled one is part of the name */
			e++;
			continue;
		}
		if (e[1] == ';' && e[2] == ' ') {
			db->p = info + 5;
			db->n = (size_t)(e - db->p);
			return e + 3;
		}
		break;
	}
	return info;
}

/* The modes a statement read ahead is read under: SHOW BINLOG EVENTS does
 * not say its sql_mode, so one with a " is read both ways ("x" a string,
 * and under ANSI_QUOTES a name). */
static int nmodes(const char *q)
{
	return strchr(q, '"') ? 2 : 1;
}
static const int modes[2] = { 0, DDL_MODE_ANSI_QUOTES };

/* What a statement info may change of a table (ALTER_*). */
static int stmt_kind(const char *info)
{
	struct ddl_target tg;
	struct mc_str db;
	const char *q = stmt_of(info, &db);
	int cols = 0;
	for (int m = 0; m < nmodes(q) && !cols; m++) {
		int k = ddl_target_mode(q, strlen(q), modes[m], &tg);
		cols = k == DDL_CREATE || k == DDL_ALTER || k == DDL_DROP || k == DDL_RENAME;
	}
	return alter_kind(info) | (cols ? ALTER_COLS : 0);
}

/* Events a page of SHOW BINLOG EVENTS (its rows held in memory: about
 * 100 bytes each) */
#ifndef AHEAD_PAGE
#define AHEAD_PAGE 20000
#endif

/* One binlog f from off on into a: 0, or -1 with err (the query's). */
static int alters_scan_file(struct tail *T, struct alters *a, const char *f, uint64_t off,
			    struct mc_err *err)
{
	char q[800], esc[2 * 255 + 1];
	uint64_t seq = blr_file_seq(f);
	mysql_real_escape_string(T->srv, esc, f, (unsigned long)strlen(f));
	for (;;) {
		MYSQL_RES *res;
		MYSQL_ROW r;
		uint64_t last = off;
		unsigned long rows = 0;
		snprintf(q, sizeof q, "SHOW BINLOG EVENTS IN '%s' FROM %" PRIu64 " LIMIT %d", esc,
			 off, AHEAD_PAGE);
		if (my_query(T->srv, q, &res, err) < 0)
			return -1;
		while ((r = mysql_fetch_row(res))) {
			rows++;
			if (r[4])
				last = strtoull(r[4], NULL, 10);
			/* Query, and MariaDB's Query_compressed */
			int kind;
			if (!r[1] || !r[2] || !r[5] || strncmp(r[2], "Query", 5) != 0 ||
			    !(kind = stmt_kind(r[5])))
				continue;
			if (mc_grow(&a->v, &a->cap, a->n + 1, sizeof *a->v) < 0 ||
			    !(a->v[a->n].file = mc_strdup(f)) ||
			    !(a->v[a->n].info = mc_strdup(r[5]))) {
				mysql_free_result(res);
				if (a->n < a->cap && a->v)
					free(a->v[a->n].file);
				return mc_oom(err, "the binlog's statements");
			}
			a->v[a->n].seq = seq;
			a->v[a->n].kind = kind;
			a->v[a->n++].off = strtoull(r[1], NULL, 10);
		}
		mysql_free_result(res);
		snprintf(a->file, sizeof a->file, "%s", f);
		a->off = last > off ? last : off;
		if (rows < AHEAD_PAGE || last <= off)
			return 0;
		off = last;
	}
}

/* The statements (alter_kind) from where the last read ended (the first
 * time: the server's binlog fname at off) to the server's binlog end now,
 * *end. 0, or -1 with err. */
int tail_ahead_read(struct tail *T, uint64_t off, struct mc_pos *end, struct mc_err *err)
{
	struct alters *a = T->alters;
	MYSQL_RES *res;
	MYSQL_ROW r;
	char (*files)[256] = NULL;
	size_t nf = 0, cf = 0;
	uint64_t from_seq;
	int rc = 0;
	if (!a) {
		if (!(T->alters = a = calloc(1, sizeof *a)))
			return mc_oom(err, "the binlog's statements");
	}
	if (!a->started) {
		if (!T->fname || strlen(T->fname) > 255)
			return mc_errf(err, MC_EXIT_DATA, "no binlog name to read ahead from");
		snprintf(a->file, sizeof a->file, "%s", T->fname);
		a->off = off;
		a->started = 1;
	}
	/* the statements at or before here concern no later lookup (the
	 * tail reads on): dropped, so that a long tail keeps only those ahead */
	if (T->fname) {
		struct mc_pos here = { blr_file_seq(T->fname), off, 0 };
		size_t k = 0;
		for (size_t i = 0; i < a->n; i++) {
			if (a->v[i].seq > here.file || (a->v[i].seq == here.file && a->v[i].off > here.off)) {
				a->v[k++] = a->v[i];
				continue;
			}
			free(a->v[i].file);
			free(a->v[i].info);
		}
		a->n = k;
	}
	from_seq = blr_file_seq(a->file);
	if (my_query(T->srv, "SHOW BINARY LOGS", &res, err) < 0)
		return -1;
	while ((r = mysql_fetch_row(res)))
		if (r[0] && strlen(r[0]) < 256 && blr_file_seq(r[0]) >= from_seq) {
			if (mc_grow(&files, &cf, nf + 1, sizeof *files) < 0) {
				mysql_free_result(res);
				free(files);
				return mc_oom(err, "the binlog's statements");
			}
			snprintf(files[nf++], sizeof *files, "%s", r[0]);
		}
	mysql_free_result(res);
	for (size_t i = 0; i < nf && rc == 0; i++) {
		int same = blr_file_seq(files[i]) == from_seq;
		rc = alters_scan_file(T, a, files[i], same ? a->off : 4, err);
	}
	free(files);
	end->file = blr_file_seq(a->file);
	end->off = a->off;
	end->row = 0;
	return rc;
}

/* Is statement v read ahead after pos and before end? */
static int between(const struct alter_seen *v, const struct mc_pos *pos, const struct mc_pos *end)
{
	return (v->seq > pos->file || (v->seq == pos->file && v->off > pos->off)) &&
	       (v->seq < end->file || (v->seq == end->file && v->off < end->off));
}

/* The first statement of a kind in kinds read ahead that names table t
 * (a word of the statement, any database: a same-named table elsewhere
 * refuses too) and lies after pos and before end; NULL when none. */
static const struct alter_seen *alter_after(const struct tail *T, const struct bl_table *t,
					    const struct mc_pos *pos, const struct mc_pos *end,
					    int kinds)
{
	const struct alters *a = T->alters;
	char tab[257];
	if (!a || t->name.n > 256)
		return NULL;
	snprintf(tab, sizeof tab, "%.*s", (int)t->name.n, t->name.p);
	for (size_t i = 0; i < a->n; i++)
		if ((a->v[i].kind & kinds) && between(&a->v[i], pos, end) &&
		    has_word_ci(a->v[i].info, tab, strlen(tab)))
			return &a->v[i];
	return NULL;
}

/* Is name q of a statement (a doubled ` in it one `) name b, without case? */
static int str_eq_ci(struct mc_str q, struct mc_str b)
{
	size_t i = 0, j = 0;
	for (; i < q.n && j < b.n; i++, j++) {
		if (q.p[i] == '`' && i + 1 < q.n && q.p[i + 1] == '`')
			i++;
		if (tolower((unsigned char)q.p[i]) != tolower((unsigned char)b.p[j]))
			return 0;
	}
	return i == q.n && j == b.n;
}

/* Does table db.tab of a statement (db empty: the statement's default
 * database def, or any when it had none) name t? Names are compared
 * without the case of ASCII letters (lower_case_table_names may be set: a
 * refusal too many rather than one too few); other letters in another
 * case are not matched. */
static int names_table(struct mc_str db, struct mc_str tab, struct mc_str def,
		       const struct bl_table *t)
{
	if (!str_eq_ci(tab, t->name))
		return 0;
	if (!db.n)
		db = def;
	return !db.n || str_eq_ci(db, t->db);
}

/* Does statement q (read under mode; def: its default database) change
 * the column list of t? A CREATE, DROP or RENAME naming it (the table made
 * again, or another swapped in under its name), an ALTER that renames it
 * or makes a table of that name of a partition (CONVERT PARTITION ... TO
 * TABLE), one naming it that adds, drops, renames or moves a column
 * (ddl_alter_cols: by its text, whatever the columns are now: a list of
 * now is no sound test, DROP a, ADD a makes (id,a,b) the (id,b,a) it
 * gives again), and one too long to read whole (its start read: ddl_target)
 * that has the table's name as a word. An ALTER that keeps the names (an index,
 * a partition, a column's type or attributes: the server's table of now
 * is checked against the map's types) does not. */
static int changes_mode(const char *q, struct mc_str def, int mode, const struct bl_table *t)
{
	struct ddl_target tg;
	int kind = ddl_target_mode(q, strlen(q), mode, &tg), hit = 0, brought = 0;
	for (size_t k = 0; k < tg.ntables && !hit; k++) {
		brought = tg.new_table[k].n && names_table(tg.new_db[k], tg.new_table[k], def, t);
		hit = brought || names_table(tg.db[k], tg.table[k], def, t);
	}
	if ((tg.more || tg.cut) && !hit) {
		char tab[257];
		snprintf(tab, sizeof tab, "%.*s", (int)(t->name.n < 256 ? t->name.n : 256), t->name.p);
		brought = hit = has_word_ci(q, tab, strlen(tab));
	}
	if (!hit)
		return 0;
	if (kind != DDL_ALTER || brought || tg.renamed || tg.more || tg.cut)
		return 1;
	return ddl_alter_cols(q, strlen(q), mode) != 0;
}

static int changes_cols(const char *info, const struct bl_table *t)
{
	struct mc_str def;
	const char *q = stmt_of(info, &def);
	for (int m = 0; m < nmodes(q); m++)
		if (changes_mode(q, def, modes[m], t))
			return 1;
	return 0;
}

/* Labels l, as information_schema gives them, that are ASCII, no NUL, in
 * a charset that holds ASCII as it is (cs): the same text in every such
 * charset, so a conversion between them keeps it. */
static int labels_ascii(const struct mys_labels *l, const char *cs)
{
	const struct cs_info *now = cs[0] ? cs_by_name(cs) : NULL;
	if (!now)
		return 0;
	for (uint32_t k = 0; k < l->n; k++) {
		if (!cs_same(now, l->v[k].p, l->v[k].n))
			return 0;
		for (size_t b = 0; b < l->v[k].n; b++)
			if ((unsigned char)l->v[k].p[b] >= 0x80 || !l->v[k].p[b])
				return 0;
	}
	return 1;
}

/* Column i of t (name) takes the labels l the server's table has now, in
 * charset cs: where a statement that may change them lies after pos
 * in the binlog, their text when the row was written is not known:
 * refused (t->bad). An ALTER that may redefine ENUM/SET columns; one that
 * may change the table's charsets (ALTER TABLE ... CONVERT TO CHARACTER
 * SET, a column's CHARACTER SET: the server keeps the labels' bytes and
 * reads them in the new charset), unless the labels are ASCII in an ASCII
 * charset. */
void tail_ahead_check(struct tail *T, struct bl_table *t, uint32_t i, const char *name,
		      const char *cs, const struct mys_labels *l, const struct mc_pos *pos,
		      const struct mc_pos *end)
{
	const struct alter_seen *a;
	char where[256];
	if (!(a = alter_after(T, t, pos, end, ALTER_LABELS | (labels_ascii(l, cs) ? 0 : ALTER_CS))))
		return;
	bl_col_where(where, sizeof where, t, i, name && name[0] ? name : NULL);
	if (a->kind & ALTER_LABELS) {
		tail_table_bad(t,
			  "%s: its ENUM/SET labels are in no table map (binlog_row_metadata="
			  "MINIMAL or NO_LOG) and come from the server's table as it is now, but a "
			  "statement that may redefine its ENUM or SET columns lies after the table map "
			  "at offset %" PRIu64 ", at '%s': offset %" PRIu64 ": their text when the "
			  "row was written cannot be known; " TAIL_LABELS_WAY_OUT,
			  where, pos->off, a->file, a->off);
		return;
	}
	tail_table_bad(t,
		  "%s: its ENUM/SET labels are in no table map (binlog_row_metadata=MINIMAL or "
		  "NO_LOG) and come from the server's table as it is now, but a statement that "
		  "may change its charsets lies after the table map at offset %" PRIu64 ", at "
		  "'%s': offset %" PRIu64 " (an ALTER TABLE ... CONVERT TO CHARACTER SET keeps "
		  "the bytes of ENUM and SET labels and reads them in the new charset): their "
		  "text when the row was written cannot be known; " TAIL_LABELS_WAY_OUT,
		  where, pos->off, a->file, a->off);
}

long tail_ahead_names(struct tail *T, const struct bl_table *t, const struct mc_pos *pos,
		      const struct mc_pos *end)
{
	const struct alters *a = T->alters;
	for (size_t i = 0; a && i < a->n; i++) {
		const struct alter_seen *v = &a->v[i];
		if ((v->kind & ALTER_COLS) && between(v, pos, end) && changes_cols(v->info, t))
			return (long)i;
	}
	return -1;
}

void tail_ahead_names_bad(struct tail *T, struct bl_table *t, long i, const struct mc_pos *pos)
{
	const struct alter_seen *v = &((const struct alters *)T->alters)->v[i];
	tail_table_bad(t,
		       "table `%.*s`.`%.*s`: its column names are in no table map "
		       "(binlog_row_metadata=MINIMAL or NO_LOG) and come from the server's table as "
		       "it is now, but a statement that may change its columns lies after the table "
		       "map at offset %" PRIu64 ", at '%s': offset %" PRIu64 ": their names when "
		       "the row was written cannot be known; " TAIL_LABELS_WAY_OUT,
		       (int)t->db.n, t->db.p, (int)t->name.n, t->name.p, pos->off, v->file, v->off);
}
