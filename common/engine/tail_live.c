/* tail_live.c: mc-binlog-tail as a replica of a server (tail_int.h): where
 * to start (--start, --start-gtid, a checkpoint), the event loop with
 * heartbeats, reconnection with backoff from the last complete
 * transaction, the GTID set read so far, and --column-names=server. */
#include "engine/tail_int.h"

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/alloc.h"
#include "base/num.h"
#include "mysql/myschema.h"
#include "stream/ckpt.h"
#include "stream/ledger.h"

/* SIGTERM/SIGINT: end the stream; the transaction being read is not
 * written, the ones before it are (and were flushed). Connector/C retries
 * a read cut by a signal, so the handler shuts the connection down: the
 * signal's state is the one thing kept outside struct tail. */
static volatile sig_atomic_t got_stop;
static volatile sig_atomic_t live_fd = -1;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
	if (live_fd >= 0)
		shutdown(live_fd, SHUT_RDWR);
}

/* flags 0 (no SA_RESTART): a blocked read on the server returns */
static void catch_stop(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

void tail_catch_stop(void)
{
	catch_stop(SA_RESTART); /* reading the checkpoint, files: carry on */
}

/* --column-names=server ---------------------------------------------- */

struct srv_col {
	char name[65];
	char cs[DDL_CS_LEN];
};

/* What information_schema said of a table, for the definition last looked
 * up (st_table.user). */
struct srv_tab {
	struct mc_buf def;
	int ok;                    /* it matched the map */
	struct mys_labels *labels; /* ... with these ENUM/SET labels */
	uint32_t nlabels;
	uint16_t *tflags;           /* ... and per column DDL_TEMPORAL() (ddl.h) */
	struct srv_col *col;        /* ... and per column its name and charset now */
	struct mc_pos ahead;        /* ... the server's binlog ending there */
	char why[400];              /* how it did not match, when not ok */
};

static void srv_tab_free(struct srv_tab *s)
{
	if (!s)
		return;
	mys_labels_free(s->labels, s->nlabels);
	free(s->labels);
	free(s->tflags);
	free(s->col);
	buf_free(&s->def);
	free(s);
}

void tail_live_free(struct tail *T)
{
	for (size_t i = 0; i < T->st.ntabs; i++) {
		srv_tab_free(T->st.tabs[i].user);
		T->st.tabs[i].user = NULL;
	}
	if (T->srv)
		mysql_close(T->srv);
	T->srv = NULL;
	tail_ahead_free(T);
	blr_close(&T->r);
}

static int label_col(const struct bl_col *c)
{
	return c->type == BL_T_ENUM || c->type == BL_T_SET;
}

void tail_table_bad(struct bl_table *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->bad, sizeof t->bad, fmt, ap);
	va_end(ap);
}

/* Refuse t's rows (t->bad): column i's ENUM/SET labels are in no table
 * map, --schema record or DDL followed, and the server's table does not
 * describe the map (why: how). */
static void labels_unknown(struct bl_table *t, uint32_t i, const char *why)
{
	char where[256];
	bl_col_where(where, sizeof where, t, i, NULL);
	tail_table_bad(t,
		 "%s: its ENUM/SET labels cannot be known exactly: the table map carries none "
		 "(binlog_row_metadata=NO_LOG or MINIMAL), neither --schema nor the DDL followed "
		 "gives them, and information_schema does not describe the table map (%s: the "
		 "table changed since); " TAIL_LABELS_WAY_OUT, where, why);
}

/* Names, UNSIGNED, charsets and primary key of a table map without names,
 * as known from pos on (DDL tracking takes them from there), the labels of
 * ENUM/SET columns, and the fraction digits of MariaDB's old-format
 * TIME/DATETIME/TIMESTAMP columns not known otherwise. A table the server no longer has as the map
 * says gets @N names and one warning per definition. */
int tail_server_describe(struct tail *T, struct bl_table *t, struct st_table *ti,
			 const struct mc_pos *pos, struct mc_err *err)
{
	const char *def = t->raw + t->def_off;
	size_t dn = t->raw_len - t->def_off;
	int need_names = !t->has_names && st_find_known(&T->st, t, pos) < 0, need_labels = 0;
	int need_digits = 0, need_fbt = tail_fbt_candidate(t), rc = -1;
	long names_stmt = -1; /* a statement after pos that changes the names taken */
	struct srv_tab *s = ti->user;
	struct ddl_cols cols;
	char why[400];

	for (uint32_t i = 0; i < t->ncols; i++)
		if ((t->cols[i].type == BL_T_ENUM || t->cols[i].type == BL_T_SET) &&
		    !t->cols[i].nlabels)
			need_labels = 1;
	for (uint32_t i = 0; i < t->ncols; i++)
		if (t->cols[i].dec_ext && !t->cols[i].dec_known)
			need_digits = 1;
	if (!need_names && !need_labels && !need_digits && !need_fbt)
		return 0;
	/* (the types of BINARY(16)/(4) columns only: no labels read, nothing
	 * read ahead; what a statement after the map did to the type is the
	 * same bytes, as the server shows them now) */
	int fbt_only = !need_names && !need_labels && !need_digits;
	if (!s && !(ti->user = s = calloc(1, sizeof *s)))
		return mc_oom(err, "information_schema");
	if (!(s->def.len == dn && memcmp(s->def.p, def, dn) == 0) || (need_names && s->ok)) {
		mys_labels_free(s->labels, s->nlabels);
		free(s->labels);
		s->labels = calloc(t->ncols ? t->ncols : 1, sizeof *s->labels);
		s->nlabels = s->labels ? t->ncols : 0;
		free(s->tflags);
		s->tflags = calloc(t->ncols ? t->ncols : 1, sizeof *s->tflags);
		free(s->col);
		s->col = calloc(t->ncols ? t->ncols : 1, sizeof *s->col);
		s->def.len = 0;
		if (!s->labels || !s->tflags || !s->col || buf_add(&s->def, def, dn) < 0)
			return mc_oom(err, "information_schema");
		for (int again = 0; again < 2; again++) {
			if (!T->srv && my_connect(T->o->conn, &T->srv, err) < 0)
				break;
			rc = mys_lookup(T->srv, t, &cols, fbt_only ? NULL : s->labels, why, sizeof why,
					err);
			if (rc >= 0 || err->code != MC_EXIT_TRANSIENT)
				break;
			mysql_close(T->srv); /* lost: once more on a new connection */
			T->srv = NULL;
			memset(err, 0, sizeof *err);
		}
		if (rc < 0) {
			mc_errctx(err, "information_schema for `%.*s`.`%.*s`: ", (int)t->db.n,
				  t->db.p, (int)t->name.n, t->name.p);
			return tail_live_error(T, err);
		}
		s->ok = rc == 1;
		snprintf(s->why, sizeof s->why, "%s", rc == 1 ? "" : why);
		/* the labels read now: the statements that may have changed
		 * them up to now, read ahead (after the lookup: what changed
		 * the labels read lies before) */
		int some_labels = 0;
		for (uint32_t i = 0; i < t->ncols; i++)
			some_labels |= label_col(&t->cols[i]);
		if (rc == 1 && !fbt_only && (some_labels || need_names) &&
		    tail_ahead_read(T, pos->off, &s->ahead, err) < 0) {
			ddl_cols_free(&cols);
			s->def.len = 0; /* looked up again, if ever */
			mc_errctx(err, "`%.*s`.`%.*s` at %" PRIu64 ":%" PRIu64 ": reading the "
				  "server's binlog after the table map, to know whether the "
				  "column names or ENUM/SET labels read from the server are the row's (SHOW "
				  "BINLOG EVENTS: it needs the privilege BINLOG MONITOR on MariaDB, "
				  "REPLICATION SLAVE on MySQL; or set binlog_row_metadata=FULL on "
				  "the server): ", (int)t->db.n, t->db.p, (int)t->name.n,
				  t->name.p, pos->file, pos->off);
			return tail_live_error(T, err);
		}
		for (uint32_t i = 0; s->ok && i < t->ncols; i++) {
			s->tflags[i] = cols.uns ? (uint16_t)(cols.uns[i] & (DDL_TMASK | DDL_FBT)) : 0;
			if (cols.cs)
				memcpy(s->col[i].cs, cols.cs[i], DDL_CS_LEN);
			if (cols.names && cols.names[i])
				snprintf(s->col[i].name, sizeof s->col[i].name, "%s", cols.names[i]);
		}
		if (rc == 0) {
			/* (ENUM/SET labels not known so are refused below, no warning) */
			if (!need_labels)
				mc_sayf(&T->o->warn, "warning: `%.*s`.`%.*s` at %" PRIu64 ":%" PRIu64
				     ": information_schema does not describe the table map (%s); %s",
				     (int)t->db.n, t->db.p, (int)t->name.n, t->name.p, pos->file,
				     pos->off, why, need_names ? "its columns are named by index"
				     : need_digits ? "its old-format temporal columns cannot be decoded"
				     : "its BINARY(16) and BINARY(4) columns are written as bytes (MariaDB's "
				       "UUID, INET6 and INET4 as text need --schema)");
		} else if (need_names) {
			names_stmt = tail_ahead_names(T, t, pos, &s->ahead);
			if (st_add_known(&T->st, t->db, t->name, pos, &cols, err) < 0)
				return -1;
		} else {
			ddl_cols_free(&cols);
		}
	}
	if (!s->ok) {
		/* labels neither the map, --schema, the DDL nor the server give:
		 * refused, never written as index numbers */
		for (uint32_t i = 0; need_labels && !t->bad[0] && i < t->ncols; i++)
			if (label_col(&t->cols[i]) && !t->cols[i].nlabels)
				labels_unknown(t, i, s->why);
		return 0;
	}
	for (uint32_t i = 0; i < t->ncols && i < s->nlabels; i++) {
		if (s->labels[i].n && !t->cols[i].nlabels && !t->bad[0])
			tail_ahead_check(T, t, i, s->col[i].name, s->col[i].cs, &s->labels[i], pos,
					 &s->ahead);
		if (s->labels[i].bad && !t->cols[i].nlabels) {
			/* a label information_schema lost and that could not be read
			 * exactly: refused as the map's own label would be (the
			 * first such column named) */
			if (!t->bad[0])
				bl_table_label_bad(t, i, s->labels[i].name, s->labels[i].bad);
			continue;
		}
		if (s->labels[i].n && !t->cols[i].nlabels) {
			t->cols[i].nlabels = s->labels[i].n;
			t->cols[i].labels = s->labels[i].v;
		}
	}
	/* (after the labels' checks: a table whose labels a statement may
	 * have redefined is refused for that, the more precise reason) */
	if (names_stmt >= 0 && !t->bad[0])
		tail_ahead_names_bad(T, t, names_stmt, pos);
	/* MariaDB's UUID, INET6, INET4 (BINARY(16)/(4) in the map): the
	 * server's type, its values as text (as mc-snapshot reads them) */
	for (uint32_t i = 0; need_fbt && i < t->ncols && i < s->nlabels; i++) {
		uint8_t was = t->cols[i].conv;
		if (s->tflags[i] & DDL_FBT)
			bl_col_fbt(&t->cols[i], (s->tflags[i] & DDL_FBT) >> 3);
		if (t->cols[i].conv != was)
			t->plan_ok = 0;
	}
	for (uint32_t i = 0; i < t->ncols; i++) {
		struct bl_col *c = &t->cols[i];
		unsigned want = c->type == BL_T_TIME ? DDL_T_TIME
				: c->type == BL_T_DATETIME ? DDL_T_DATETIME : DDL_T_TIMESTAMP;
		if (c->dec_ext && !c->dec_known && DDL_TKIND(s->tflags[i]) == want) {
			c->meta = (uint16_t)DDL_TDEC(s->tflags[i]);
			c->dec_known = 1;
		}
	}
	return 0;
}

/* Where to start ------------------------------------------------------- */

/* The resume position and GTID set a checkpoint holds (NULL when absent):
 * the one place that knows their keys. */
static void ckpt_resume(const struct ckpt *c, const char **resume, const char **gtid)
{
	*resume = ckpt_get(c, LEDGER_K_RESUME);
	*gtid = ckpt_get(c, LEDGER_K_GTID);
}

#define RESUME_WHY "the binlog is not the one the checkpoint was written of (a RESET " \
	"MASTER since, or another server's binlog; its changes would be lost): read the new " \
	"history from its first binlog, into mc-tunnel-put --new-history"

/* A resume inside the server's binlog name (offset past 4): after RESET
 * MASTER the server writes a binlog of that name again, and would send
 * the new history's events from that offset as the old one's next ones.
 * The binlog state there (BINLOG_GTID_POS: the file's GTID list and its
 * GTIDs before the offset; NULL when no event begins there) must hold the
 * checkpoint's MariaDB gtid g, each domain at its sequence number or later
 * (the set may lag behind resume); sequence numbers start again after
 * RESET MASTER. Without a gtid, the event boundary only; a MySQL server
 * (or gtid) is not checked. 0, or -1 with err. */
static int state_holds(struct tail *T, const char *name, uint64_t off, const char *g,
		       const char *where, struct mc_err *err);

static int resume_inside(struct tail *T, const char *name, uint64_t off, const char *g,
			 struct mc_err *err)
{
	if (off <= 4)
		return 0;
	return state_holds(T, name, off, g, "the checkpoint resumes", err);
}

/* The check of resume_inside at offset off of binlog name (where: the
 * place in the message). */
static int state_holds(struct tail *T, const char *name, uint64_t off, const char *g,
		       const char *where, struct mc_err *err)
{
	char esc[2 * 256 + 1], q[700], at[4096] = "";
	unsigned long long d, sv, n, d2 = 0, s2 = 0, n2 = 0;
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	int null = 1;
	if ((g && *g && blr_gtid_is_mysql(g)) || strlen(name) > 256)
		return 0;
	if (!T->srv && my_connect(T->o->conn, &T->srv, err) < 0)
		return tail_live_error(T, err);
	if (!my_is_mariadb(T->srv))
		return 0; /* MySQL: no BINLOG_GTID_POS */
	mysql_real_escape_string(T->srv, esc, name, (unsigned long)strlen(name));
	snprintf(q, sizeof q, "SELECT BINLOG_GTID_POS('%s', %" PRIu64 ")", esc, off);
	if (my_query(T->srv, q, &res, err) < 0)
		return tail_live_error(T, err);
	if ((row = mysql_fetch_row(res)) && row[0]) {
		null = 0;
		snprintf(at, sizeof at, "%s", row[0]);
	}
	mysql_free_result(res);
	if (null)
		return mc_errf(err, MC_EXIT_DATA, "'%s': offset %" PRIu64 ": the checkpoint's "
			       "resume offset is not where an event of the server's binlog begins "
			       "(BINLOG_GTID_POS is NULL: inside an event, or past the binlog's end): "
			       RESUME_WHY, name, off);
	/* no gtid: the event boundary only */
	for (const char *v = g; tail_gtid_next(&v, &d, &sv, &n);) {
		const char *w = at;
		int found = 0;
		if (n == 0)
			continue;
		while (!found && tail_gtid_next(&w, &d2, &s2, &n2))
			found = d2 == d;
		if (!found)
			return mc_errf(err, MC_EXIT_DATA, "'%s': offset %" PRIu64 ": the "
				       "binlog state where %s (BINLOG_GTID_POS '%s') has no GTID of "
				       "domain %llu, but the checkpoint's committed changes end "
				       "there at %llu-%llu-%llu: " RESUME_WHY,
				       name, off, where, at, d, d, sv, n);
		if (n2 < n)
			return mc_errf(err, MC_EXIT_DATA, "'%s': offset %" PRIu64 ": the "
				       "binlog state where %s (BINLOG_GTID_POS) ends domain %llu at "
				       "%llu-%llu-%llu, but the checkpoint's committed changes end "
				       "there at %llu-%llu-%llu: " RESUME_WHY,
				       name, off, where, d, d2, s2, n2, d, sv, n);
	}
	return 0;
}

/* From the checkpoint's resume position v (its binlog on the server by
 * sequence number), else its GTID set g when that binlog is gone. */
static int resume_from(struct tail *T, const char *v, const char *g, struct mc_err *err)
{
	const char *ckpt_in = T->o->ckpt_in;
	struct mc_pos rp;
	char name[512], first[256], last[256];
	int rc;
	if (pos_parse(v, &rp, err) < 0 || rp.off < 4 || rp.off > UINT32_MAX)
		return mc_errf(err, MC_EXIT_DATA, "'%s': bad resume position '%s'", ckpt_in, v);
	rc = blr_find_file(T->o->conn, rp.file, name, sizeof name, first, last, sizeof first, err);
	if (rc < 0)
		return tail_live_error(T, err);
	if (rc > 0) {
		if (!(T->live_file = mc_strdup(name)))
			return mc_oom(err, "--checkpoint-in");
		T->live_pos = rp.off;
		tail_gtid_floor(T, g);
		return resume_inside(T, name, rp.off, g, err);
	}
	if (last[0] && blr_file_seq(last) < rp.file)
		/* Not purged: one history numbers its binlogs up only. From
		 * the gtid, a new history past its sequence numbers would be
		 * read from there, its first transactions left out. */
		return mc_errf(err, MC_EXIT_DATA,
			       "'%s': the server's binlogs (%s to %s) all lie before the "
			       "checkpoint's resume %s (binlog number %" PRIu64 "), which one binlog "
			       "history never does: the server's binlog was reset since (RESET "
			       "MASTER), or it is another server (its changes would be lost): read "
			       "the new history from its first binlog, into mc-tunnel-put "
			       "--new-history (a new binlog base name too: MariaDB's GTIDs start "
			       "again there)", ckpt_in, first, last, v, rp.file);
	if (g && *g && blr_gtid_is_mysql(g))
		/* The sink keeps the last GTID per UUID; the set executed up
		 * to there is UUID:1-N only when that server's transactions
		 * have no gaps: not assumed. */
		return mc_errf(err, MC_EXIT_DATA,
			       "'%s': the server has no binlog number %" PRIu64
			       " (it has %s to %s), and resuming from the checkpoint's MySQL GTIDs "
			       "%s is not done (they are the last per UUID, not the executed set): "
			       "give --start-gtid with the executed set (e.g. UUID:1-N per UUID "
			       "when there are no gaps) and no --checkpoint-in",
			       ckpt_in, rp.file, first[0] ? first : "none", last[0] ? last : "none", g);
	/* its binlogs all after the checkpoint's (purged): the first begins
	 * at the checkpoint's gtid in one history; at a state before it, the
	 * binlog was reset since, and the gtid lies in the new history (its
	 * first transactions would be left out) */
	if (g && *g && blr_gtid_ok(g) && first[0] &&
	    state_holds(T, first, 4, g, "the server's binlogs begin", err) < 0)
		return -1;
	if (g && *g && blr_gtid_ok(g)) {
		mc_sayf(&T->o->warn, "'%s': the server has no binlog number %" PRIu64
		     " (it has %s to %s): resuming from its GTID set %s", ckpt_in, rp.file,
		     first[0] ? first : "none", last[0] ? last : "none", g);
		if (!(T->live_gtid = T->live_gtid_own = mc_strdup(g)))
			return mc_oom(err, "--checkpoint-in");
		return 0;
	}
	return mc_errf(err, MC_EXIT_DATA,
		       "'%s': cannot resume from %s: the server has no binlog number %" PRIu64
		       " (purged?): it has %s to %s", ckpt_in, v, rp.file,
		       first[0] ? first : "none", last[0] ? last : "none");
}

/* Where a live tail starts: the checkpoint's resume position, else its
 * GTID set when that binlog is gone; without a checkpoint file, --start or
 * --start-gtid. Sets live_file and live_pos, or live_gtid. */
static int live_resume(struct tail *T, struct mc_err *err)
{
	const struct tail_opts *o = T->o;
	const char *colon;
	if (o->ckpt_in) {
		struct ckpt c;
		const char *v, *g;
		int rc = ckpt_read(o->ckpt_in, &c, err);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			ckpt_resume(&c, &v, &g);
			if (v) {
				rc = tail_ident_note(T, o->ckpt_in,
						     ckpt_get(&c, LEDGER_K_RESUME_EPOCH),
						     ckpt_get(&c, LEDGER_K_RESUME_PREV),
						     ckpt_get(&c, LEDGER_K_SOURCE), v, err);
				if (rc == 0)
					rc = resume_from(T, v, g, err);
				ckpt_free(&c);
				return rc;
			}
			ckpt_free(&c);
			if (!o->start_at && !o->start_gtid) {
				mc_errf(err, MC_EXIT_USAGE, "'%s' has no resume position (only a "
					"snapshot, or an older mc-tunnel-put): give --start or "
					"--start-gtid", o->ckpt_in);
				return TAIL_EUSAGE;
			}
		} else if (!o->start_at && !o->start_gtid) {
			mc_errf(err, MC_EXIT_USAGE, "no checkpoint '%s' yet: the first run needs "
				"--start or --start-gtid", o->ckpt_in);
			return TAIL_EUSAGE;
		}
	}
	T->start_user = 1;
	if (o->start_gtid) {
		T->live_gtid = o->start_gtid;
		return 0;
	}
	colon = strrchr(o->start_at, ':');
	if (!colon || colon == o->start_at || num_u64(colon + 1, &T->live_pos) < 0 ||
	    T->live_pos < 4 || T->live_pos > UINT32_MAX) {
		mc_errf(err, MC_EXIT_USAGE, "bad --start '%s' (want FILE:POS)", o->start_at);
		return TAIL_EUSAGE;
	}
	if (!(T->live_file = mc_strndup(o->start_at, (size_t)(colon - o->start_at))))
		return mc_oom(err, "--start");
	T->live_check = T->live_pos > 4;
	if (strchr(T->live_file, '/')) {
		mc_errf(err, MC_EXIT_USAGE, "bad --start '%s': FILE is a binlog name on the server",
			o->start_at);
		return TAIL_EUSAGE;
	}
	return 0;
}

/* The checkpoint's resume_prev (tail_ident_note): the server's binlog
 * before resume's, whose ROTATE named it, held to that identity by its
 * Format_description (one short dump from its offset 4, before the
 * stream's). 0, or -1 with err (exit 1). */
static int live_prev_ident(struct tail *T, struct mc_err *err)
{
	const struct tail_opts *o = T->o;
	char name[512], first[256], last[256], why[600];
	struct blr r;
	const uint8_t *p;
	size_t n;
	uint64_t start;
	int rc = blr_find_file(o->conn, T->ck_file, name, sizeof name, first, last, sizeof first,
			       err);
	if (rc < 0)
		return tail_live_error(T, err);
	if (rc == 0) {
		snprintf(why, sizeof why, "the server has no binlog number %" PRIu64 " (it has %s "
			 "to %s: purged)", T->ck_file, first[0] ? first : "none",
			 last[0] ? last : "none");
		return tail_prev_missing(T, o->ckpt_in, why, err);
	}
	memset(&r, 0, sizeof r);
	if (blr_open(&r, o->conn, name, 4, o->server_id, BLR_NON_BLOCK, 0, err) < 0)
		return tail_live_error(T, err);
	T->fname = name;
	T->fileseq = T->ck_file;
	while ((rc = blr_next(&r, &p, &n, &start, err)) >= 1)
		if (rc == 1 && n > 4 && p[4] == BL_FDE) {
			rc = tail_file_ident(T, p, n, start, err);
			break;
		}
	if (rc == 0 && T->ck_ident) {
		mc_errf(err, MC_EXIT_DATA, "no Format_description at the binlog's start (which "
			"the checkpoint's resume_prev is held to)");
		rc = tail_data_error(T, 4, err);
	} else if (rc < 0 && !T->ck_ident) {
		rc = -1; /* tail_file_ident's */
	} else if (rc < 0) {
		rc = tail_live_error(T, err);
	}
	blr_close(&r);
	T->fname = NULL;
	T->fileseq = 0;
	return rc < 0 ? -1 : 0;
}

/* Reading -------------------------------------------------------------- */

/* A heartbeat mark: the source is alive and everything before pos was
 * read (only between transactions: a checkpoint may resume from it). */
static int heartbeat(struct tail *T, uint64_t pos, struct mc_err *err)
{
	struct mc_rec r;
	if (T->in_txn || !txn_empty(&T->txn))
		return 0;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_MARK;
	r.mark = MC_MARK_HEARTBEAT;
	r.pos.file = T->fileseq;
	r.pos.off = pos;
	r.pos.row = 0;
	r.time = (uint32_t)time(NULL);
	r.db = r.table = mc_str_c("", 0);
	r.label = mc_str_c("", 0);
	tail_xa_resume(T, &r);
	if (tail_emit(T, &r, err) < 0)
		return -1;
	return tail_flush(T, err);
}

/* One event; started from a GTID set, the transaction's GTID joins the
 * set to reconnect with once the transaction is complete. */
static int live_event(struct tail *T, const uint8_t *p, size_t n, uint64_t start,
		      struct mc_err *err)
{
	char g[sizeof T->gtid];
	int rc;
	if (!T->gtid_state[0] || !T->gtid[0])
		return tail_event(T, p, n, start, start + n, 0, err);
	memcpy(g, T->gtid, sizeof g);
	if (tail_event(T, p, n, start, start + n, 0, err) < 0)
		return -1;
	if (T->gtid[0] || T->in_txn)
		return 0;
	rc = blr_gtid_is_mysql(T->gtid_state)
		     ? blr_mygtid_add(T->gtid_state, sizeof T->gtid_state, g)
		     : blr_gtid_add(T->gtid_state, sizeof T->gtid_state, g);
	if (rc < 0) {
		mc_errf(err, MC_EXIT_DATA, "GTID set too long, or GTID '%s' not of the set's kind "
			"(D-S-N or UUID:N)", g);
		return tail_live_error(T, err);
	}
	return 0;
}

/* The first event at --start (past 4): one that only a transaction holds
 * (a table map, rows, an annotation, an XID, a COMMIT) with none begun
 * means the position is inside a transaction, whose events before it
 * would be lost: an error (err set, MC_EXIT_USAGE). The server's events
 * that begin nothing (a ROTATE, a GTID list, a checkpoint) are passed. */
static int tail_live_inside(struct tail *T, const uint8_t *p, size_t n, uint64_t start,
			    struct mc_err *err)
{
	struct bl_event ev;
	int inside = 0;
	const char *what = p[4] == BL_XID ? "an XID" : p[4] == BL_TABLE_MAP ? "a table map"
			   : p[4] == BL_QUERY ? "a COMMIT or ROLLBACK" : p[4] == 160 ? "an annotation"
			   : bl_is_rows(p[4]) ? "a rows event" : "an event";
	switch (p[4]) {
	case BL_XID: case BL_XA_PREPARE: case BL_TABLE_MAP:
	case 5: case 13: case 14: case 160: /* INTVAR, RAND, USER_VAR, ANNOTATE_ROWS */
		inside = 1;
		break;
	case BL_QUERY:
		if (bl_decode(&T->d, p, n, &ev, err) < 0)
			return -1;
		inside = ev.sql.n >= 6 && (strncasecmp(ev.sql.p, "COMMIT", 6) == 0 ||
					   (ev.sql.n >= 8 && strncasecmp(ev.sql.p, "ROLLBACK", 8) == 0));
		T->live_check = 0;
		break;
	case BL_GTID: case BL_ANONYMOUS_GTID: case BL_GTID_TAGGED: case BL_MARIA_GTID:
		T->live_check = 0;
		return 0;
	default:
		if (!bl_is_rows(p[4]))
			return 0;
		inside = 1;
	}
	T->live_check = 0;
	if (inside && !T->in_txn)
		return mc_errf(err, MC_EXIT_USAGE, "--start position %" PRIu64 " is inside a "
			       "transaction (the event there, %s, belongs to one begun before it, "
			       "whose events before the position would be lost): give a position "
			       "where a transaction begins or ends", start, what);
	return 0;
}

/* Events until a stop (1), the end (0) or an error (-1; a lost connection
 * is MC_EXIT_TRANSIENT and not yet reported: *lost is set). */
static int live_loop(struct tail *T, int *lost, struct mc_err *err)
{
	const struct tail_opts *o = T->o;
	struct blr *r = &T->r;
	const uint8_t *p;
	size_t n;
	uint64_t start;
	int rc = 0;
	while (!got_stop && (rc = blr_next(r, &p, &n, &start, err)) >= 1) {
		if (r->new_file) {
			/* A transaction never spans files. */
			bl_forget_tables(&T->d);
			tail_rollback(T);
			T->fname = r->file;
			T->fileseq = r->fileseq;
		}
		if (rc == 2) {
			/* not below what was written (from a GTID set the server
			 * may still be passing over what the set holds) */
			if (o->heartbeat_ms && (T->fileseq > T->out_seq ||
						(T->fileseq == T->out_seq && start >= T->out_pos)) &&
			    heartbeat(T, start, err) < 0)
				return -1;
			T->stats.caught_up = 1; /* the server has nothing more now */
			tail_report(T);
			continue;
		}
		if (T->ck_ident && tail_file_ident(T, p, n, start, err) < 0)
			return -1; /* resume's binlog: the checkpoint's file? */
		if (start == UINT64_MAX) {
			/* the format description re-sent when starting past 4 */
			struct bl_event ev;
			if (p[4] != BL_FDE || bl_decode(&T->d, p, n, &ev, err) < 0) {
				if (!err->code)
					mc_errf(err, MC_EXIT_DATA, "unexpected event without position");
				return tail_data_error(T, UINT64_MAX, err);
			}
			tail_note_fde(T, &ev);
			if (tail_binlog_start(T, &ev, err) < 0)
				return -1;
			continue;
		}
		/* a stop option: the stream ends for good before this event */
		if (o->have_stop_pos && start >= o->stop_pos)
			return T->done_final = 1;
		if (o->have_stop_time && p[4] != BL_FDE &&
		    (int64_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			      (uint32_t)p[3] << 24) >= o->stop_time && (p[0] | p[1] | p[2] | p[3]))
			return T->done_final = 1;
		if (T->live_check && tail_live_inside(T, p, n, start, err) < 0)
			return tail_data_error(T, start, err);
		if (live_event(T, p, n, start, err) < 0)
			return -1;
		if (n > (1u << 20))
			bl_trim(&T->d);
		if (!T->in_txn && txn_empty(&T->txn) &&
		    (r->fileseq > T->out_seq || (r->fileseq == T->out_seq && r->pos >= T->out_pos))) {
			/* between transactions: a reconnection resumes here */
			snprintf(T->resume_file, sizeof T->resume_file, "%s", r->file);
			T->resume_pos = r->pos;
			T->out_seq = r->fileseq;
			T->out_pos = r->pos;
			tail_note_done(T, r->fileseq, r->pos,
				       (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
					       (uint32_t)p[3] << 24);
			T->lost_at = 0;
			T->backoff = 1;
		}
	}
	if (got_stop)
		return 1;
	if (rc < 0)
		*lost = 1;
	return rc;
}

int tail_fbt_candidate(const struct bl_table *t)
{
	for (uint32_t i = 0; i < t->ncols; i++)
		if (bl_col_fbt_candidate(&t->cols[i]))
			return 1;
	return 0;
}

/* A server that logs changes as statements (binlog_format STATEMENT or
 * MIXED) is refused at the start: their rows would not be in its binlog. A
 * session that sets its own format is caught at its first statement. */
static int check_format(struct tail *T, struct mc_err *err)
{
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	char fmt[32] = "";
	if (!T->srv && my_connect(T->o->conn, &T->srv, err) < 0)
		return tail_live_error(T, err);
	/* and how it names tables (lower_case_table_names: DDL in the case
	 * the statement gives, maps in the server's), unless told */
	if (my_query(T->srv, "SELECT @@GLOBAL.binlog_format, @@lower_case_table_names", &res,
		     err) < 0)
		return tail_live_error(T, err);
	if ((row = mysql_fetch_row(res)) && row[0])
		snprintf(fmt, sizeof fmt, "%s", row[0]);
	if (row && row[1] && T->o->lctn < 0 && row[1][0] >= '0' && row[1][0] <= '2')
		T->lctn = row[1][0] - '0';
	mysql_free_result(res);
	if (strcasecmp(fmt, "ROW") == 0)
		return 0;
	mc_errf(err, MC_EXIT_DATA, "the server's binlog_format is %s, not ROW: its changes "
		"would be logged as statements, whose rows mc-binlog-tail cannot read; set "
		"binlog_format=ROW (SET GLOBAL binlog_format='ROW' and in the server's option "
		"file), then start from a position after the change", fmt[0] ? fmt : "unknown");
	return -1;
}

/* The set to start from, as given; a MySQL one on one line, sorted and
 * merged, for messages and reconnections. */
static int gtid_start(struct tail *T, struct mc_err *err)
{
	struct blr_gtset gs = { 0 };
	struct mc_buf b = { 0 };
	int bad;
	if (snprintf(T->gtid_state, sizeof T->gtid_state, "%s", T->live_gtid) >=
	    (int)sizeof T->gtid_state) {
		mc_errf(err, MC_EXIT_USAGE, "GTID set too long");
		return TAIL_EUSAGE;
	}
	if (!blr_gtid_is_mysql(T->gtid_state))
		return 0;
	bad = blr_gtset_parse(T->live_gtid, &gs, err) < 0 || blr_gtset_format(&gs, &b) < 0 ||
	      b.len >= sizeof T->gtid_state;
	if (!bad) {
		memcpy(T->gtid_state, b.p, b.len);
		T->gtid_state[b.len] = 0;
	}
	blr_gtset_free(&gs);
	buf_free(&b);
	if (bad) {
		char m[sizeof err->msg];
		snprintf(m, sizeof m, "%s", err->msg);
		mc_errf(err, MC_EXIT_USAGE, "bad or too long GTID set: %s", m);
		return TAIL_EUSAGE;
	}
	return 0;
}

int tail_live(struct tail *T, struct mc_err *err)
{
	const struct tail_opts *o = T->o;
	int rc, opened = 0, flags = o->stop_at_end ? BLR_NON_BLOCK : 0;

	if ((rc = live_resume(T, err)) < 0 || (rc = tail_begin(T, err)) < 0)
		return rc;
	if (T->ck_prev && T->live_file && !T->live_gtid && live_prev_ident(T, err) < 0)
		return -1;
	/* from a position, the stream starts there (header source_start);
	 * from a GTID set the set says where, not a position */
	if (T->live_file && !T->live_gtid) {
		T->have_start = 1;
		T->start_seq = blr_file_seq(T->live_file);
		T->start_off = T->live_pos;
	}
	catch_stop(0);

	T->fname = NULL;
	snprintf(T->resume_file, sizeof T->resume_file, "%s", T->live_file ? T->live_file : "");
	T->resume_pos = T->live_pos;
	if (!T->live_file && (rc = gtid_start(T, err)) < 0)
		return rc;
	for (;;) {
		int lost = 0;
		if (got_stop) /* before connecting: nothing read, a clean stop */
			break;
		/* from a GTID set: always (reconnecting with the set of what
		 * was read), so that what the set holds stays left out */
		if ((!T->gtid_state[0] ? blr_open(&T->r, o->conn, T->resume_file, T->resume_pos,
						  o->server_id, flags, o->heartbeat_ms, err)
				       : blr_open_gtid(&T->r, o->conn, T->gtid_state, o->server_id,
						       flags, o->heartbeat_ms, err)) == 0) {
			live_fd = blr_socket(&T->r);
			if (!opened && check_format(T, err) < 0) {
				live_fd = -1;
				if (!got_stop)
					return -1;
				memset(err, 0, sizeof *err); /* stopped while asking */
				break;
			}
			opened = 1;
			T->fname = T->r.file;
			T->fileseq = T->r.fileseq;
			rc = live_loop(T, &lost, err);
			live_fd = -1;
			if (rc < 0 && !lost)
				return -1;
			if (rc >= 0 || got_stop)
				break;
		}
		if (got_stop) { /* a stop while connecting: as before it */
			memset(err, 0, sizeof *err);
			break;
		}
		/* A lost connection: again from the end of the last complete
		 * transaction (what was written), with backoff, within
		 * --retry-time. The first connection is not retried. */
		if (err->code != MC_EXIT_TRANSIENT || got_stop || !opened)
			return tail_live_error(T, err);
		{
			time_t now = time(NULL);
			if (T->lost_at == 0)
				T->lost_at = now;
			if ((double)(now - T->lost_at) >= o->retry_sec) {
				T->stats.retry_exhausted = 1;
				tail_report(T);
				return tail_live_error(T, err);
			}
			if (!T->gtid_state[0])
				mc_sayf(&T->o->warn, "%s; reconnecting in %u s from %s:%" PRIu64, err->msg,
				     T->backoff, T->resume_file, T->resume_pos);
			else
				mc_sayf(&T->o->warn, "%s; reconnecting in %u s from GTID %s", err->msg, T->backoff,
				     T->gtid_state);
		}
		blr_close(&T->r);
		tail_rollback(T);
		T->stats.reconnects++;
		tail_report(T);
		for (unsigned i = 0; i < T->backoff * 10 && !got_stop; i++)
			nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
		if (got_stop)
			break;
		T->backoff = T->backoff < 30 ? T->backoff * 2 : 60;
		memset(err, 0, sizeof *err);
	}
	/* An open transaction is not written (stop, or the end of the binlog). */
	tail_rollback(T);
	blr_close(&T->r);
	return tail_flush(T, err);
}
