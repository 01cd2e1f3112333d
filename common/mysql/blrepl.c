/* blrepl.c: a replica connection handing out raw binlog events (blrepl.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <mariadb_rpl.h>

#include "binlog/binlog.h"
#include "mysql/blrepl.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/num.h"

uint64_t blr_file_seq(const char *name)
{
	const char *dot = strrchr(name, '.');
	uint64_t v;
	if (!dot || !dot[1] || num_u64(dot + 1, &v) < 0)
		return 0;
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int blr_gtid_ok(const char *s)
{
	/* D-S-N: domain and server id 32-bit, sequence 64-bit */
	for (;;) {
		for (int part = 0; part < 3; part++) {
			uint64_t v = 0;
			const char *b = s;
			while (*s >= '0' && *s <= '9') {
				unsigned d = (unsigned)(*s++ - '0');
				if (v > (UINT64_MAX - d) / 10)
					return 0;
				v = v * 10 + d;
			}
			if (s == b || (part < 2 && v > UINT32_MAX) || (part < 2 && *s++ != '-'))
				return 0;
		}
		if (*s != ',')
			return *s == 0;
		s++;
	}
}

int blr_gtid_add(char *set, size_t setsz, const char *gtid)
{
	char out[4096];
	size_t o = 0, dn, gl = strlen(gtid);
	const char *s = set;
	int replaced = 0;
	if (!blr_gtid_ok(gtid) || strchr(gtid, ','))
		return -1;
	dn = (size_t)(strchr(gtid, '-') - gtid);
	while (*s) {
		const char *e = strchr(s, ',');
		size_t en = e ? (size_t)(e - s) : strlen(s);
		const char *item = s;
		size_t in = en;
		if (en > dn && s[dn] == '-' && memcmp(s, gtid, dn) == 0) {
			item = gtid;
			in = gl;
			replaced = 1;
		}
		if (o + in + 2 > sizeof out)
			return -1;
		if (o)
			out[o++] = ',';
		memcpy(out + o, item, in);
		o += in;
		s += en + (e ? 1 : 0);
	}
	if (!replaced) {
		if (o + gl + 2 > sizeof out)
			return -1;
		if (o)
			out[o++] = ',';
		memcpy(out + o, gtid, gl);
		o += gl;
	}
	if (o + 1 > setsz)
		return -1;
	memcpy(set, out, o);
	set[o] = 0;
	return 0;
}

/* MySQL GTID sets */

int blr_gtid_is_mysql(const char *s)
{
	return strchr(s, ':') != NULL;
}

void blr_gtset_free(struct blr_gtset *set)
{
	free(set->v);
	set->v = NULL;
	set->n = set->cap = 0;
}


static int is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A UUID at *sp: 32 hex digits, with dashes after digits 8, 12, 16 and 20
 * or with none. */
static int parse_uuid(const char **sp, uint8_t u[16])
{
	const char *s = *sp;
	int dashes = s[8] == '-';
	for (int i = 0; i < 32; i++) {
		int hi, lo;
		if (dashes && (i == 8 || i == 12 || i == 16 || i == 20)) {
			if (*s != '-')
				return -1;
			s++;
		}
		if (i % 2 == 0) {
			if ((hi = num_hexval(s[0])) < 0 || (lo = num_hexval(s[1])) < 0)
				return -1;
			u[i / 2] = (uint8_t)(hi << 4 | lo);
			s += 2;
		}
	}
	*sp = s;
	return 0;
}

static int parse_gno(const char **sp, uint64_t *v)
{
	const char *s = *sp;
	uint64_t x = 0;
	while (*s >= '0' && *s <= '9') {
		unsigned d = (unsigned)(*s++ - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	/* MySQL's GNOs: 1 to 2^63 - 2 (the exclusive end must fit in int64) */
	if (s == *sp || x < 1 || x >= (uint64_t)INT64_MAX)
		return -1;
	*sp = s;
	*v = x;
	return 0;
}

static int iv_cmp(const void *a, const void *b)
{
	const struct blr_gtiv *x = a, *y = b;
	int c = memcmp(x->uuid, y->uuid, 16);
	if (c)
		return c;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort, and merge the overlapping or adjacent intervals of a UUID. */
static void gtset_normalize(struct blr_gtset *set)
{
	size_t o = 0;
	if (!set->n)
		return;
	qsort(set->v, set->n, sizeof *set->v, iv_cmp);
	for (size_t i = 1; i < set->n; i++) {
		struct blr_gtiv *last = &set->v[o];
		if (memcmp(last->uuid, set->v[i].uuid, 16) == 0 && set->v[i].lo <= last->hi) {
			if (set->v[i].hi > last->hi)
				last->hi = set->v[i].hi;
		} else {
			set->v[++o] = set->v[i];
		}
	}
	set->n = o + 1;
}

static int gtset_push(struct blr_gtset *set, const uint8_t u[16], uint64_t lo, uint64_t hi)
{
	struct blr_gtiv *iv;
	if (mc_push(&set->v, &set->n, &set->cap, sizeof *set->v) < 0)
		return -1;
	iv = &set->v[set->n - 1];
	memcpy(iv->uuid, u, 16);
	iv->lo = lo;
	iv->hi = hi;
	return 0;
}

/* The part of s from b: up to the next ',' or ':' after it, for errors. */
static int bad_part(struct mc_err *err, const char *b, const char *what)
{
	size_t n = strcspn(b, ",\n");
	while (n && is_ws((unsigned char)b[n - 1]))
		n--;
	if (n > 80)
		n = 80;
	return mc_errf(err, MC_EXIT_USAGE, "bad MySQL GTID set: %s at '%.*s'", what, (int)n, b);
}

int blr_gtset_parse(const char *s, struct blr_gtset *set, struct mc_err *err)
{
	for (;;) {
		const char *b;
		uint8_t u[16];
		while (is_ws((unsigned char)*s))
			s++;
		b = s;
		if (strnlen(s, 36) < 32 || parse_uuid(&s, u) < 0)
			return bad_part(err, b, "want a UUID (32 hex digits, with or without dashes)");
		if (*s != ':')
			return bad_part(err, b, "want UUID:N[-M][:N[-M]]...");
		while (*s == ':') {
			const char *ib = ++s;
			uint64_t lo, hi;
			if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')
				return bad_part(err, b, "tagged GTIDs (UUID:tag:N, MySQL 8.3+) are not "
						"supported");
			if (parse_gno(&s, &lo) < 0)
				return bad_part(err, ib, "want an interval N or N-M, 1 <= N < 2^63-1");
			hi = lo;
			if (*s == '-') {
				s++;
				if (parse_gno(&s, &hi) < 0 || hi < lo)
					return bad_part(err, ib, "want an interval N-M with N <= M < 2^63-1");
			}
			if (gtset_push(set, u, lo, hi + 1) < 0)
				return mc_oom(err, "GTID set");
		}
		while (is_ws((unsigned char)*s))
			s++;
		if (*s == 0)
			break;
		if (*s != ',')
			return bad_part(err, s, "want ',' between UUIDs");
		s++;
	}
	gtset_normalize(set);
	return 0;
}

int blr_gtset_format(const struct blr_gtset *set, struct mc_buf *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < set->n; i++) {
		const struct blr_gtiv *v = &set->v[i];
		if (i == 0 || memcmp(v->uuid, set->v[i - 1].uuid, 16) != 0) {
			char t[37];
			size_t o = 0;
			for (int k = 0; k < 16; k++) {
				if (k == 4 || k == 6 || k == 8 || k == 10)
					t[o++] = '-';
				t[o++] = hx[v->uuid[k] >> 4];
				t[o++] = hx[v->uuid[k] & 15];
			}
			t[o] = 0;
			if ((i && buf_addc(out, ',') < 0) || buf_adds(out, t) < 0)
				return -1;
		}
		if (v->hi - v->lo == 1 ? buf_addf(out, ":%" PRIu64, v->lo) < 0
				       : buf_addf(out, ":%" PRIu64 "-%" PRIu64, v->lo, v->hi - 1) < 0)
			return -1;
	}
	return 0;
}

static int add_le64(struct mc_buf *b, uint64_t v)
{
	uint8_t x[8];
	for (int i = 0; i < 8; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	return buf_add(b, x, 8);
}

int blr_gtset_encode(const struct blr_gtset *set, struct mc_buf *out)
{
	uint64_t nsids = 0;
	for (size_t i = 0; i < set->n; i++)
		if (i == 0 || memcmp(set->v[i].uuid, set->v[i - 1].uuid, 16) != 0)
			nsids++;
	if (add_le64(out, nsids) < 0)
		return -1;
	for (size_t i = 0, j; i < set->n; i = j) {
		for (j = i + 1; j < set->n && memcmp(set->v[j].uuid, set->v[i].uuid, 16) == 0; j++)
			;
		if (buf_add(out, set->v[i].uuid, 16) < 0 || add_le64(out, j - i) < 0)
			return -1;
		for (size_t k = i; k < j; k++)
			if (add_le64(out, set->v[k].lo) < 0 || add_le64(out, set->v[k].hi) < 0)
				return -1;
	}
	return 0;
}

int blr_mygtid_add(char *set, size_t setsz, const char *gtid)
{
	struct blr_gtset gs = { 0 };
	struct mc_err e = { 0 };
	struct mc_buf b = { 0 };
	int rc = -1;
	if (strchr(gtid, ',') || strchr(gtid, ':') == NULL ||
	    strchr(gtid, ':') != strrchr(gtid, ':'))
		return -1; /* one UUID:N, not a set */
	if ((set[0] && blr_gtset_parse(set, &gs, &e) < 0) || blr_gtset_parse(gtid, &gs, &e) < 0)
		goto out;
	if (blr_gtset_format(&gs, &b) < 0 || b.len + 1 > setsz)
		goto out;
	memcpy(set, b.p, b.len);
	set[b.len] = 0;
	rc = 0;
out:
	blr_gtset_free(&gs);
	buf_free(&b);
	return rc;
}

int blr_find_file(const struct my_opts *o, uint64_t seq, char *out, size_t outsz, char *first,
		  char *last, size_t namesz, struct mc_err *err)
{
	MYSQL *m = NULL;
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	int found = 0;
	if (first)
		first[0] = 0;
	if (last)
		last[0] = 0;
	if (my_connect(o, &m, err) < 0)
		return -1;
	if (my_query(m, "SHOW BINARY LOGS", &res, err) < 0) {
		mysql_close(m);
		return -1;
	}
	while ((row = mysql_fetch_row(res))) {
		if (!row[0])
			continue;
		if (first && !first[0])
			snprintf(first, namesz, "%s", row[0]);
		if (last)
			snprintf(last, namesz, "%s", row[0]);
		if (!found && blr_file_seq(row[0]) == seq && strlen(row[0]) < outsz) {
			snprintf(out, outsz, "%s", row[0]);
			found = 1;
		}
	}
	mysql_free_result(res);
	mysql_close(m);
	return found;
}

/* COM_BINLOG_DUMP_GTID, which Connector/C does not send (mariadb_rpl_open
 * sends COM_BINLOG_DUMP only; MARIADB_RPL_GTID_DATA is not used): as MySQL
 * documents it, after the command byte 0x1e: flags u16 LE, server id u32
 * LE, the file name's length u32 LE and the name (none here), the position
 * u64 LE (4), and with BINLOG_THROUGH_GTID the data's length u32 LE and the
 * encoded set. Its answer is read by mariadb_rpl_fetch as a COM_BINLOG_DUMP's. */
#define BLR_COM_BINLOG_DUMP_GTID 0x1e
#define BLR_THROUGH_GTID 0x04
#define BLR_DUMP_NON_BLOCK 0x01

int blr_dump_gtid_packet(const struct blr_gtset *gs, uint32_t server_id, int flags,
			 struct mc_buf *b)
{
	struct mc_buf data = { 0 };
	uint16_t fl = BLR_THROUGH_GTID | ((flags & BLR_NON_BLOCK) ? BLR_DUMP_NON_BLOCK : 0);
	uint8_t h[2 + 4 + 4];
	int rc;
	if (blr_gtset_encode(gs, &data) < 0 || data.len > UINT32_MAX) {
		buf_free(&data);
		return -1;
	}
	h[0] = (uint8_t)fl;
	h[1] = (uint8_t)(fl >> 8);
	for (int i = 0; i < 4; i++) {
		h[2 + i] = (uint8_t)(server_id >> (8 * i));
		h[6 + i] = 0; /* no file name */
	}
	rc = buf_add(b, h, sizeof h);
	if (rc == 0)
		rc = add_le64(b, 4);
	if (rc == 0) {
		uint8_t l[4];
		for (int i = 0; i < 4; i++)
			l[i] = (uint8_t)(data.len >> (8 * i));
		rc = buf_add(b, l, 4);
	}
	if (rc == 0)
		rc = buf_add(b, data.p, data.len);
	buf_free(&data);
	return rc;
}

static int dump_gtid_mysql(struct blr *r, const struct blr_gtset *gs, uint32_t server_id,
			   int flags, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	int rc;
	/* as mariadb_rpl_open: a non-blocking dump needs a server id */
	if ((flags & BLR_NON_BLOCK) && !server_id)
		server_id = 1;
	if (blr_dump_gtid_packet(gs, server_id, flags, &b) < 0) {
		buf_free(&b);
		return mc_oom(err, "COM_BINLOG_DUMP_GTID");
	}
	rc = r->m->methods->db_command(r->m, (enum enum_server_command)BLR_COM_BINLOG_DUMP_GTID,
				       b.p, b.len, 1, NULL);
	buf_free(&b);
	return rc ? my_fail(r->m, err, "binlog dump (COM_BINLOG_DUMP_GTID)") : 0;
}

static int open_dump(struct blr *r, const struct my_opts *o, const char *file, uint64_t pos,
		     const char *gtid, uint32_t server_id, int flags, unsigned heartbeat_ms,
		     struct mc_err *err)
{
	MARIADB_RPL *rpl;
	char q[128];
	const char *dbg = getenv("MC_BLR_DEBUG");
	int mysql_set = gtid && blr_gtid_is_mysql(gtid);
	struct blr_gtset gs = { 0 };

	memset(r, 0, sizeof *r);
	r->debug = dbg && *dbg && strcmp(dbg, "0") != 0;
	if (strlen(file) >= sizeof r->file)
		return mc_errf(err, MC_EXIT_USAGE, "binlog file name too long");
	if (pos < 4 || pos > UINT32_MAX)
		return mc_errf(err, MC_EXIT_USAGE, "bad binlog position %" PRIu64, pos);
	if (gtid && mysql_set && blr_gtset_parse(gtid, &gs, err) < 0) {
		blr_gtset_free(&gs);
		return -1;
	}
	if (gtid && !mysql_set && !blr_gtid_ok(gtid))
		return mc_errf(err, MC_EXIT_USAGE, "bad GTID set '%s' (want D-S-N[,D-S-N]... or "
			       "UUID:N-M[,UUID:N-M]...)", gtid);
	snprintf(r->file, sizeof r->file, "%s", file);
	r->opts = o;
	r->fileseq = blr_file_seq(file);
	r->pos = pos;
	r->gtid_mode = gtid != NULL;
	if (my_connect(o, &r->m, err) < 0) {
		blr_gtset_free(&gs);
		return -1;
	}
	if (gtid && mariadb_connection(r->m) && mysql_set) {
		mc_errf(err, MC_EXIT_DATA, "the server is MariaDB: give a D-S-N set, not the "
			"MySQL GTID set '%.200s'", gtid);
		goto fail;
	}
	if (gtid && !mariadb_connection(r->m) && !mysql_set) {
		mc_errf(err, MC_EXIT_DATA, "the server is MySQL: give a UUID:N-M set, not the "
			"MariaDB GTID set '%.200s'", gtid);
		goto fail;
	}
	if (gtid && !mysql_set) {
		/* What a MariaDB replica with MASTER_USE_GTID says: the server
		 * finds the binlog from the set and leaves out what it holds. */
		struct mc_buf b = { 0 };
		int rc = buf_addf(&b, "SET @slave_connect_state = '%s'%c", gtid, 0);
		if (rc < 0) {
			mc_oom(err, "GTID set");
			goto fail;
		}
		rc = my_exec(r->m, b.p, err);
		buf_free(&b);
		if (rc < 0 || my_exec(r->m, "SET @slave_gtid_strict_mode = 0", err) < 0 ||
		    my_exec(r->m, "SET @slave_gtid_ignore_duplicates = 0", err) < 0)
			goto fail;
	}
	/* What a replica says about itself: checksums as the server writes
	 * them (so events are byte for byte those of the file), MariaDB's
	 * GTID capability (MARIA_SLAVE_CAPABILITY_GTID), heartbeats. */
	if (my_exec(r->m, "SET @master_binlog_checksum = @@global.binlog_checksum", err) < 0 ||
	    my_exec(r->m, "SET @mariadb_slave_capability = 4", err) < 0)
		goto fail;
	snprintf(q, sizeof q, "SET @master_heartbeat_period = %" PRIu64,
		 (uint64_t)heartbeat_ms * 1000000u);
	if (heartbeat_ms && my_exec(r->m, q, err) < 0)
		goto fail;
	{
		MYSQL_RES *res;
		MYSQL_ROW row;
		if (my_query(r->m, "SELECT @@global.binlog_checksum", &res, err) < 0)
			goto fail;
		row = mysql_fetch_row(res);
		r->checksum = row && row[0] && strcmp(row[0], "NONE") != 0;
		mysql_free_result(res);
	}
	rpl = mariadb_rpl_init(r->m);
	if (!rpl) {
		mc_errf(err, MC_EXIT_DATA, "mariadb_rpl_init failed");
		goto fail;
	}
	r->rpl = rpl;
	{
		/* MariaDB leaves out ANNOTATE_ROWS events unless asked: ask, so
		 * that every event of the file comes, and positions add up. */
		unsigned int fl = MARIADB_RPL_BINLOG_SEND_ANNOTATE_ROWS;
		if (flags & BLR_NON_BLOCK)
			fl |= MARIADB_RPL_BINLOG_DUMP_NON_BLOCK;
		if (mariadb_rpl_optionsv(rpl, MARIADB_RPL_FILENAME, r->file, strlen(r->file)) ||
		    mariadb_rpl_optionsv(rpl, MARIADB_RPL_START, (unsigned long)pos) ||
		    mariadb_rpl_optionsv(rpl, MARIADB_RPL_SERVER_ID, (uint32_t)server_id) ||
		    mariadb_rpl_optionsv(rpl, MARIADB_RPL_FLAGS, fl)) {
			mc_errf(err, MC_EXIT_DATA, "replication options: %s", mysql_error(r->m));
			goto fail;
		}
	}
	if (mysql_set ? dump_gtid_mysql(r, &gs, server_id, flags, err) < 0
		      : mariadb_rpl_open(rpl) != 0) {
		if (!err->code)
			my_fail(r->m, err, "binlog dump");
		goto fail;
	}
	blr_gtset_free(&gs);
	return 0;
fail:
	blr_gtset_free(&gs);
	blr_close(r);
	return -1;
}

int blr_open(struct blr *r, const struct my_opts *o, const char *file, uint64_t pos,
	     uint32_t server_id, int flags, unsigned heartbeat_ms, struct mc_err *err)
{
	return open_dump(r, o, file, pos, NULL, server_id, flags, heartbeat_ms, err);
}

int blr_open_gtid(struct blr *r, const struct my_opts *o, const char *gtid, uint32_t server_id,
		  int flags, unsigned heartbeat_ms, struct mc_err *err)
{
	return open_dump(r, o, "", 4, gtid, server_id, flags, heartbeat_ms, err);
}

/* The server cannot send the binlog from where it was asked (error 1236):
 * its own words, and which binlogs it has; "purged" only when the binlog
 * asked for is not among them and older than its first (a binlog it has,
 * cut by a crash, say, is not purged). */
static int purged(struct blr *r, struct mc_err *err)
{
	char what[512], first[256] = "", last[256] = "";
	MYSQL *m = NULL;
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	struct mc_err e2 = { 0 };
	int has = 0;
	snprintf(what, sizeof what, "%s", mysql_error(r->m));
	if (r->opts && my_connect(r->opts, &m, &e2) == 0 &&
	    my_query(m, "SHOW BINARY LOGS", &res, &e2) == 0) {
		while ((row = mysql_fetch_row(res)))
			if (row[0]) {
				if (!first[0])
					snprintf(first, sizeof first, "%s", row[0]);
				snprintf(last, sizeof last, "%s", row[0]);
				has |= strcmp(row[0], r->file) == 0;
			}
	}
	if (res)
		mysql_free_result(res);
	if (m)
		mysql_close(m);
	if (r->gtid_mode && !r->file[0])
		return mc_errf(err, MC_EXIT_DATA, "cannot read the binlog from the GTID set: the "
			       "server says: %s (it has %s to %s)", what, first[0] ? first : "none",
			       last[0] ? last : "none");
	if (first[0] && !has && blr_file_seq(r->file) < blr_file_seq(first))
		return mc_errf(err, MC_EXIT_DATA,
			       "cannot read the binlog from %s:%" PRIu64 ": purged (the server "
			       "has %s to %s); it says: %s", r->file, r->pos, first, last, what);
	if (first[0] && !has)
		return mc_errf(err, MC_EXIT_DATA,
			       "cannot read the binlog from %s:%" PRIu64 ": the server has no such "
			       "binlog (it has %s to %s); it says: %s", r->file, r->pos, first,
			       last, what);
	if (first[0])
		return mc_errf(err, MC_EXIT_DATA,
			       "cannot read the binlog from %s:%" PRIu64 ": the server says: %s "
			       "(it has that binlog, %s to %s)", r->file, r->pos, what, first, last);
	return mc_errf(err, MC_EXIT_DATA, "cannot read the binlog from %s:%" PRIu64 ": %s",
		       r->file, r->pos, what);
}

static void apply_rotate(struct blr *r)
{
	memcpy(r->file, r->rot_file, sizeof r->file);
	r->fileseq = blr_file_seq(r->file);
	r->pos = r->rot_pos;
	r->new_file = 1;
	r->rot_pending = 0;
}

int blr_next(struct blr *r, const uint8_t **evp, size_t *np, uint64_t *start,
	     struct mc_err *err)
{
	MARIADB_RPL *rpl = r->rpl;
	r->new_file = 0;
	if (r->rot_pending)
		apply_rotate(r);
	for (;;) {
		MARIADB_RPL_EVENT *ev;
		/* A fresh event each time: reusing one across a failed fetch
		 * crashed Connector/C 3.3 at the end of a non-blocking dump. */
		if (r->ev) {
			mariadb_free_rpl_event(r->ev);
			r->ev = NULL;
		}
		ev = mariadb_rpl_fetch(rpl, NULL);
		const uint8_t *p;
		size_t n;
		uint32_t len, log_pos;
		uint16_t flags;
		uint8_t type;
		if (!ev) {
			unsigned e = mysql_errno(r->m);
			if (e == 0 && rpl->error_no == 0)
				return 0; /* end of the binlog (non-blocking dump) */
			if (e == 1236 /* ER_MASTER_FATAL_ERROR_READING_BINLOG */)
				return purged(r, err);
			if (e == 5017 || rpl->error_no == 5017) /* CR_ERR_BINLOG_UNCOMPRESS */
				return mc_errf(err, MC_EXIT_DATA, "reading the binlog stream at %s:%"
					       PRIu64 ": the client library (Connector/C) cannot "
					       "uncompress the compressed event there (log_bin_compress=ON; "
					       "it refuses one over 16 MB): read the binlog files instead "
					       "(mc-binlog-tail FILE... with --checkpoint-in, or --from at "
					       "the stream's last position), or set log_bin_compress=OFF "
					       "on the server", r->file, r->pos);
			if (e)
				return my_fail(r->m, err, "reading the binlog stream");
			return mc_errf(err, MC_EXIT_DATA, "reading the binlog stream: %s",
				       rpl->error_msg);
		}
		r->ev = ev;
		p = ev->raw_data;
		n = ev->raw_data_size;
		/* The packet may still carry its leading OK byte. */
		if (n >= BL_HEADER_LEN + 1 && p[0] == 0 && bl_event_len(p + 1, n - 1) == n - 1) {
			p++;
			n--;
		}
		len = bl_event_len(p, n);
		if (n < BL_HEADER_LEN || len != n)
			return mc_errf(err, MC_EXIT_DATA,
				       "binlog stream: event of %zu bytes, its header says %" PRIu32,
				       n, len);
		type = p[4];
		log_pos = le32(p + 13);
		flags = (uint16_t)(p[17] | p[18] << 8);
		if (r->debug)
			fprintf(stderr, "blr: type %u len %zu log_pos %" PRIu32 " flags %#x at %s:%" PRIu64
				"%s\n", type, n, log_pos, flags, r->file, r->pos,
				ev->raw_data_size != n ? " (ok byte)" : "");
		if (type == BL_FDE && n >= BL_HEADER_LEN + 57 + 5)
			/* the checksums of this binlog's events (its own: a
			 * restart may change binlog_checksum), ROTATE's too */
			r->checksum = p[n - 5] == 1;
		if (type == BL_ROTATE) {
			/* [u64 position][file name][CRC32 when checksums are on] */
			const uint8_t *b = p + BL_HEADER_LEN;
			size_t bl = n - BL_HEADER_LEN, nl;
			uint64_t rp = 0;
			if (bl < 8)
				return mc_errf(err, MC_EXIT_DATA, "binlog stream: short ROTATE event");
			for (int i = 7; i >= 0; i--)
				rp = rp << 8 | b[i];
			nl = bl - 8 - (r->checksum && bl >= 12 ? 4 : 0);
			if (nl == 0 || nl >= sizeof r->rot_file)
				return mc_errf(err, MC_EXIT_DATA, "binlog stream: bad ROTATE name");
			memcpy(r->rot_file, b + 8, nl);
			r->rot_file[nl] = 0;
			r->rot_pos = rp;
			if (!(flags & BL_F_ARTIFICIAL) && log_pos) {
				/* A real ROTATE is the last event of its file: hand it
				 * out there; the next call moves to the new file. */
				r->rot_pending = 1;
				*evp = p;
				*np = n;
				*start = r->pos;
				r->pos += n;
				return 1;
			}
			apply_rotate(r);
			continue;
		}
		if (type == BL_HEARTBEAT || type == BL_HEARTBEAT_V2) {
			/* No data: the server is alive, and has sent everything up
			 * to the position computed here. */
			r->heartbeats++;
			*evp = p;
			*np = n;
			*start = r->pos;
			return 2;
		}
		if (flags & BL_F_ARTIFICIAL || (log_pos == 0 && type != BL_FDE)) {
			/* From a GTID set, the server ends a stretch it left out
			 * with a made-up GTID_LIST whose log_pos is where it goes
			 * on: the position moves there (so that a heartbeat after
			 * it is not below what was passed over). */
			if (r->gtid_mode && type == BL_MARIA_GTID_LIST && (flags & BL_F_ARTIFICIAL) &&
			    log_pos > r->pos)
				r->pos = log_pos;
			continue; /* made up by the server (fake GTID_LIST, ...) */
		}
		if (type == BL_FDE && r->pos != 4) {
			/* The format description re-sent when starting past offset 4:
			 * the decoder needs it; it is not at this position. */
			*evp = p;
			*np = n;
			*start = UINT64_MAX;
			return 1;
		}
		/* From a GTID set the server leaves out the transactions the set
		 * holds: their bytes are a gap, known from the next one's header
		 * (only forwards). */
		if (r->gtid_mode && log_pos && log_pos > r->pos + n)
			r->pos = log_pos - n;
		/* log_pos is not trusted for positions, but an event the server
		 * left out would shift every position after it: check. */
		if (log_pos && log_pos != (uint32_t)(r->pos + n))
			return mc_errf(err, MC_EXIT_DATA,
				       "binlog stream: event at %s:%" PRIu64 " of %zu bytes says it ends at %" PRIu32,
				       r->file, r->pos, n, log_pos);
		*evp = p;
		*np = n;
		*start = r->pos;
		r->pos += n;
		return 1;
	}
}

int blr_socket(const struct blr *r)
{
	return r->m ? (int)mysql_get_socket(r->m) : -1;
}

void blr_close(struct blr *r)
{
	if (r->ev)
		mariadb_free_rpl_event(r->ev);
	if (r->rpl)
		mariadb_rpl_close(r->rpl);
	if (r->m)
		mysql_close(r->m);
	r->ev = NULL;
	r->rpl = NULL;
	r->m = NULL;
}
