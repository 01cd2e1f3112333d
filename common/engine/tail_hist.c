/* tail_hist.c: are the binlogs read of one history? The GTID list
 * that begins a MariaDB binlog file is the server's binlog state when it
 * began the file: the last GTID of each domain and server_id. The last one
 * of each read from the FILEs before must be there, the same (the
 * checkpoint's, there or later); else the files are of two histories (a
 * RESET MASTER between them, another server's binlogs), and the changes
 * between them would be lost without a gap in the numbers
 * (docs/mc-binlog-tail.md "Description"). */
#include "engine/tail_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/num.h"

void tail_gtid_read(struct tail *T, const struct bl_event *ev)
{
	tail_gtid_done(T, 0, 0); /* the group before it is whole */
	T->gpend = (struct tail_gtid_seen){ ev->gtid_domain, ev->server_id, ev->gtid_seq, 0 };
	T->gpend_set = 1;
}

void tail_gtid_done(struct tail *T, int cut, uint64_t txn_start)
{
	uint64_t seq = T->gpend.seq;
	uint32_t domain = T->gpend.domain, server = T->gpend.server;
	size_t i;
	if (!T->gpend_set)
		return;
	T->gpend_set = 0;
	if (cut) {
		T->cut = T->gpend;
		T->cut_set = 1;
		T->cut_off = txn_start;
		snprintf(T->cut_name, sizeof T->cut_name, "%s", T->fname);
		return;
	}
	for (i = 0; i < T->ngseen; i++)
		if (T->gseen[i].domain == domain && T->gseen[i].server == server)
			break;
	if (i == T->ngseen) {
		if (i == sizeof T->gseen / sizeof T->gseen[0]) {
			T->gseen_full = 1;
			return;
		}
		T->ngseen++;
	}
	T->gseen[i] = (struct tail_gtid_seen){ domain, server, seq, 0 };
}

int tail_gtid_next(const char **v, unsigned long long *d, unsigned long long *s,
		   unsigned long long *n)
{
	while (*v && **v) {
		const char *p = *v;
		int len = 0, ok = sscanf(p, "%llu-%llu-%llu%n", d, s, n, &len) == 3 &&
				  (p[len] == ',' || p[len] == 0);
		*v = strchr(p, ',');
		if (*v)
			(*v)++;
		if (ok)
			return 1;
	}
	return 0;
}

void tail_gtid_floor(struct tail *T, const char *v)
{
	unsigned long long d, s, n;
	while (tail_gtid_next(&v, &d, &s, &n)) {
		if (d > UINT32_MAX || s > UINT32_MAX)
			continue;
		if (T->ngseen == sizeof T->gseen / sizeof T->gseen[0]) {
			T->gseen_full = 1;
			return;
		}
		T->gseen[T->ngseen++] = (struct tail_gtid_seen){ (uint32_t)d, (uint32_t)s, n, 1 };
		if (T->nrgtid < sizeof T->rgtid / sizeof T->rgtid[0])
			T->rgtid[T->nrgtid++] = (struct tail_resume_gtid){ (uint32_t)d, (uint32_t)s, n,
									   0, 0 };
	}
}

/* The FILE before ended inside the group of GTID T->cut: did it commit? */
static int cut_check(struct tail *T, const struct bl_event *ev, uint64_t start,
		     struct mc_err *err)
{
	const struct tail_gtid_seen *c = &T->cut;
	uint64_t seq = 0;
	int e = bl_gtid_list_get(ev, c->domain, c->server, &seq);
	T->cut_set = 0;
	if (e < 0) {
		mc_errf(err, MC_EXIT_DATA, "GTID list event too short");
		return tail_data_error(T, start, err);
	}
	if (!e || seq < c->seq)
		return 0; /* it never committed (the server crashed there) */
	mc_errf(err, MC_EXIT_DATA, "the transaction %" PRIu32 "-%" PRIu32 "-%" PRIu64 " that "
		"begins at '%s': offset %" PRIu64 " is cut by that file's end (no COMMIT or "
		"XID), but this file's GTID list says it committed: its changes would be lost "
		"(a copy of the binlog taken while the server wrote it); give the whole file",
		c->domain, c->server, c->seq, T->cut_name, T->cut_off);
	return tail_data_error(T, start, err);
}

int tail_gtid_list(struct tail *T, const struct bl_event *ev, uint64_t start,
		   struct mc_err *err)
{
	if (T->cut_set && cut_check(T, ev, start, err) < 0)
		return -1;
	if (T->gseen_full || T->ngseen == 0)
		return 0;
	for (size_t i = 0; i < T->ngseen; i++) {
		const struct tail_gtid_seen *g = &T->gseen[i];
		uint64_t seq = 0;
		int e = bl_gtid_list_get(ev, g->domain, g->server, &seq);
		if (e < 0) {
			mc_errf(err, MC_EXIT_DATA, "GTID list event too short");
			return tail_data_error(T, start, err);
		}
		if (e && (seq == g->seq || (g->floor && seq > g->seq)))
			continue;
		if (e)
			mc_errf(err, MC_EXIT_DATA, "its GTID list (the binlog state when the server "
				"began the file) ends domain %" PRIu32 " of server_id %" PRIu32 " at "
				"%" PRIu32 "-%" PRIu32 "-%" PRIu64 ", but %s end there at "
				"%" PRIu32 "-%" PRIu32 "-%" PRIu64 ": the files are not of one binlog "
				"history (a RESET MASTER between them, or another server's binlogs; "
				"changes would be lost or repeated): give the binlogs of one server, "
				"in order (after RESET MASTER: the new history from its first binlog, "
				"into mc-tunnel-put --new-history)", g->domain, g->server, g->domain,
				g->server, seq,
				g->floor ? "the checkpoint's committed changes" : "the FILEs before it",
				g->domain, g->server, g->seq);
		else
			mc_errf(err, MC_EXIT_DATA, "its GTID list (the binlog state when the server "
				"began the file) has no GTID of domain %" PRIu32 " and server_id %" PRIu32
				", but %s end there at %" PRIu32 "-%" PRIu32 "-%" PRIu64
				": the files are not of one binlog history (a RESET MASTER between "
				"them, or another server's binlogs; changes would be lost or "
				"repeated): give the binlogs of one server, in order (after RESET "
				"MASTER: the new history from its first binlog, into mc-tunnel-put "
				"--new-history)", g->domain, g->server,
				g->floor ? "the checkpoint's committed changes" : "the FILEs before it",
				g->domain, g->server, g->seq);
		return tail_data_error(T, start, err);
	}
	return 0;
}

/* A checkpoint's resume inside a file (FILEs): after RESET MASTER the
 * server writes a binlog of the same name again, and its events up to the
 * resume offset are the new history's. The state there, the file's GTID
 * list and its GTIDs before the offset, must hold each of the
 * checkpoint's GTIDs at that sequence number or later (as at a file's
 * start: the set may lag behind resume); sequence numbers start again
 * after RESET MASTER. A resume that falls inside an event is of another
 * file too. */
int tail_resume_note(struct tail *T, const uint8_t *p, size_t n, uint64_t start,
		     struct mc_err *err)
{
	struct bl_event ev;
	if (n < 5 || (p[4] != BL_MARIA_GTID && (p[4] != BL_MARIA_GTID_LIST || T->resume_list)))
		return 0;
	if (bl_decode(&T->d, p, n, &ev, err) < 0)
		return tail_data_error(T, start, err);
	if (ev.type == BL_MARIA_GTID_LIST) {
		T->resume_list = 1; /* the first, which begins the file */
		for (size_t i = 0; i < T->nrgtid; i++) {
			uint64_t seq = 0;
			int e = bl_gtid_list_get(&ev, T->rgtid[i].domain, T->rgtid[i].server, &seq);
			if (e < 0) {
				mc_errf(err, MC_EXIT_DATA, "GTID list event too short");
				return tail_data_error(T, start, err);
			}
			if (e) {
				T->rgtid[i].at = seq;
				T->rgtid[i].seen = 1;
			}
		}
		return 0;
	}
	for (size_t i = 0; i < T->nrgtid; i++)
		if (T->rgtid[i].domain == ev.gtid_domain && T->rgtid[i].server == ev.server_id) {
			T->rgtid[i].at = ev.gtid_seq;
			T->rgtid[i].seen = 1;
		}
	return 0;
}

#define RESUME_WHY "the file is not the binlog the checkpoint was written of (a RESET " \
	"MASTER since, or another server's binlog; its changes would be lost): read the new " \
	"history from its first binlog, into mc-tunnel-put --new-history"

int tail_resume_check(struct tail *T, uint64_t from, uint64_t start, uint64_t end,
		      int inside, struct mc_err *err)
{
	T->resume_ck = 0;
	for (size_t i = 0; i < T->nrgtid; i++) {
		const struct tail_resume_gtid *g = &T->rgtid[i];
		if (g->want == 0 || (g->seen && g->at >= g->want))
			continue; /* (sequence number 0: nothing of the domain) */
		if (g->seen)
			mc_errf(err, MC_EXIT_DATA, "the checkpoint's resume offset %" PRIu64 " lies "
				"where the file's binlog state (its GTID list, and its GTIDs before "
				"the offset) ends domain %" PRIu32 " of server_id %" PRIu32 " at %"
				PRIu32 "-%" PRIu32 "-%" PRIu64 ", but the checkpoint's committed "
				"changes end there at %" PRIu32 "-%" PRIu32 "-%" PRIu64 ": " RESUME_WHY,
				from, g->domain, g->server, g->domain, g->server, g->at, g->domain,
				g->server, g->want);
		else
			mc_errf(err, MC_EXIT_DATA, "the checkpoint's resume offset %" PRIu64 " lies "
				"where the file's binlog state (its GTID list, and its GTIDs before "
				"the offset) has no GTID of domain %" PRIu32 " and server_id %" PRIu32
				", but the checkpoint's committed changes end there at %" PRIu32 "-%"
				PRIu32 "-%" PRIu64 ": " RESUME_WHY, from, g->domain, g->server,
				g->domain, g->server, g->want);
		return tail_data_error(T, start, err);
	}
	if (!inside)
		return 0;
	if (end == UINT64_MAX)
		mc_errf(err, MC_EXIT_DATA, "the checkpoint's resume offset %" PRIu64 " lies past "
			"the file's end (%" PRIu64 "): " RESUME_WHY, from, start);
	else
		mc_errf(err, MC_EXIT_DATA, "the checkpoint's resume offset %" PRIu64 " lies inside "
			"the event at offset %" PRIu64 " (it ends at %" PRIu64 "): " RESUME_WHY,
			from, start, end);
	return tail_data_error(T, start, err);
}

/* The identity of a binlog file: the time in the header of its
 * Format_description event, when the server created it (live too: the
 * server re-sends it with its header time), and its server_id. Binlog
 * numbers, offsets and GTIDs of a new history (RESET MASTER, a restored
 * backup, another server with the same base name) may pass the
 * checkpoint's; the file's creation time does not repeat. */
int tail_ident_note(struct tail *T, const char *ck, const char *epoch, const char *prev,
		    const char *sid, const char *resume, struct mc_err *err)
{
	uint64_t f, s;
	int64_t t;
	struct mc_pos rp;
	struct mc_err pe = { 0 };
	T->ck_ident = T->ck_prev = 0;
	if (!epoch && prev && resume && pos_parse(resume, &rp, &pe) == 0 && rp.off == 4 &&
	    rp.row == 0) {
		/* resume at the start of a binlog no stream read: the binlog
		 * before it, whose ROTATE named it, is held to its identity */
		if (rec_epoch_parse(prev, strlen(prev), &f, &t) < 0 || t <= 0 || t > UINT32_MAX ||
		    f + 1 != rp.file)
			return mc_errf(err, MC_EXIT_DATA, "'%s': bad resume_prev '%s' (want F:T, F "
				       "the binlog before resume's)", ck, prev);
		T->ck_prev = 1;
		epoch = prev;
	}
	if (!epoch || !resume)
		return 0; /* an older checkpoint: not checked */
	if (rec_epoch_parse(epoch, strlen(epoch), &f, &t) < 0 || t <= 0 || t > UINT32_MAX)
		return mc_errf(err, MC_EXIT_DATA, "'%s': bad resume_epoch '%s' (want F:T)", ck,
			       epoch);
	if (sid && (num_u64(sid, &s) < 0 || s > UINT32_MAX))
		return mc_errf(err, MC_EXIT_DATA, "'%s': bad source_id '%s'", ck, sid);
	T->ck_ident = 1;
	T->ck_file = f;
	T->ck_when = t;
	T->ck_has_sid = sid != NULL;
	T->ck_sid = sid ? (uint32_t)s : 0;
	snprintf(T->ck_resume, sizeof T->ck_resume, "%s", resume);
	return 0;
}

static void utc_text(int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, outsz, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(out, outsz, "%" PRId64, t);
}

int tail_file_ident(struct tail *T, const uint8_t *p, size_t n, uint64_t start,
		    struct mc_err *err)
{
	uint32_t when, sid;
	char a[40], b[40], by[32] = "", lies[128];
	if (!T->ck_ident || n < 19 || p[4] != BL_FDE || T->fileseq != T->ck_file)
		return 0;
	T->ck_ident = 0; /* the file's first one */
	when = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	sid = (uint32_t)p[5] | (uint32_t)p[6] << 8 | (uint32_t)p[7] << 16 | (uint32_t)p[8] << 24;
	if ((int64_t)when == T->ck_when && (!T->ck_has_sid || sid == T->ck_sid))
		return 0;
	utc_text(T->ck_when, a, sizeof a);
	utc_text(when, b, sizeof b);
	if (T->ck_has_sid)
		snprintf(by, sizeof by, " by server_id %" PRIu32, T->ck_sid);
	if (T->ck_prev) /* the binlog before resume's (resume_prev) */
		snprintf(lies, sizeof lies, "lies at the start of binlog number %" PRIu64 ", which "
			 "follows binlog number %" PRIu64, T->ck_file + 1, T->ck_file);
	else
		snprintf(lies, sizeof lies, "lies in binlog number %" PRIu64, T->ck_file);
	mc_errf(err, MC_EXIT_DATA, "the checkpoint's resume %s %s created at %s (%" PRId64 ")%s "
		"(its %s %" PRIu64 ":%" PRId64 "), but this file was created at %s (%" PRIu32 ") "
		"by server_id %" PRIu32 " (its Format_description): " RESUME_WHY, T->ck_resume,
		lies, a, T->ck_when, by, T->ck_prev ? "resume_prev" : "resume_epoch", T->ck_file,
		T->ck_when, b, when, sid);
	return tail_data_error(T, start == UINT64_MAX ? 4 : start, err);
}

int tail_prev_missing(struct tail *T, const char *ck, const char *where,
		      struct mc_err *err)
{
	char a[40];
	utc_text(T->ck_when, a, sizeof a);
	return mc_errf(err, MC_EXIT_DATA, "'%s': the checkpoint's resume %s lies at the start of "
		       "binlog number %" PRIu64 ", which no stream read (it follows binlog %"
		       PRIu64 ", closed by its ROTATE or STOP): the checkpoint holds binlog %"
		       PRIu64 "'s identity instead, created at %s (%" PRId64 ") (its resume_prev %"
		       PRIu64 ":%" PRId64 "), but %s: give "
		       "binlog %" PRIu64 " too (only its Format_description is read)", ck,
		       T->ck_resume, T->ck_file + 1, T->ck_file, T->ck_file, a, T->ck_when,
		       T->ck_file, T->ck_when, where, T->ck_file);
}

int tail_binlog_start(struct tail *T, const struct bl_event *ev, struct mc_err *err)
{
	struct mc_rec r;
	char ep[48];
	/* the stream's first binlog is its header's source_epoch; a file
	 * without a creation time has no identity to keep */
	if (!T->have_src || T->fileseq <= T->mark_seq || !ev->when)
		return 0;
	T->mark_seq = T->fileseq;
	snprintf(ep, sizeof ep, "%" PRIu64 ":%" PRIu32, T->fileseq, ev->when);
	memset(&r, 0, sizeof r);
	r.kind = MC_R_MARK;
	r.mark = MC_MARK_BINLOG_START;
	r.pos.file = T->fileseq;
	r.pos.off = 4;
	r.time = ev->when;
	r.db = r.table = mc_str_c("", 0);
	r.label = mc_str_c(ep, strlen(ep));
	return tail_emit(T, &r, err);
}
