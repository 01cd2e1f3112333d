/* blrepl.c: a replica connection handing out raw binlog events (blrepl.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <mariadb_rpl.h>

#include "binlog.h"
#include "blrepl.h"
#include "buf.h"
#include "num.h"

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

static int open_dump(struct blr *r, const struct my_opts *o, const char *file, uint64_t pos,
		     const char *gtid, uint32_t server_id, int flags, unsigned heartbeat_ms,
		     struct mc_err *err)
{
	MARIADB_RPL *rpl;
	char q[128];
	const char *dbg = getenv("MC_BLR_DEBUG");

	memset(r, 0, sizeof *r);
	r->debug = dbg && *dbg && strcmp(dbg, "0") != 0;
	if (strlen(file) >= sizeof r->file)
		return mc_errf(err, MC_EXIT_USAGE, "binlog file name too long");
	if (pos < 4 || pos > UINT32_MAX)
		return mc_errf(err, MC_EXIT_USAGE, "bad binlog position %" PRIu64, pos);
	if (gtid && !blr_gtid_ok(gtid))
		return mc_errf(err, MC_EXIT_USAGE, "bad GTID set '%s' (want D-S-N[,D-S-N]...)", gtid);
	snprintf(r->file, sizeof r->file, "%s", file);
	r->opts = o;
	r->fileseq = blr_file_seq(file);
	r->pos = pos;
	r->gtid_mode = gtid != NULL;
	if (my_connect(o, &r->m, err) < 0)
		return -1;
	if (gtid) {
		/* What a MariaDB replica with MASTER_USE_GTID says: the server
		 * finds the binlog from the set and leaves out what it holds. */
		struct mc_buf b = { 0 };
		int rc = buf_addf(&b, "SET @slave_connect_state = '%s'%c", gtid, 0);
		if (rc < 0) {
			mc_errnof(err, ENOMEM, "GTID set");
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
	if (mariadb_rpl_open(rpl) != 0) {
		my_fail(r->m, err, "binlog dump");
		goto fail;
	}
	return 0;
fail:
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

/* The server cannot send the binlog from where it was asked (purged, or a
 * name or position it does not have): say which binlogs it has. */
static int purged(struct blr *r, struct mc_err *err)
{
	char what[512], first[256] = "", last[256] = "";
	MYSQL *m = NULL;
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	struct mc_err e2 = { 0 };
	snprintf(what, sizeof what, "%s", mysql_error(r->m));
	if (r->opts && my_connect(r->opts, &m, &e2) == 0 &&
	    my_query(m, "SHOW BINARY LOGS", &res, &e2) == 0) {
		while ((row = mysql_fetch_row(res)))
			if (row[0]) {
				if (!first[0])
					snprintf(first, sizeof first, "%s", row[0]);
				snprintf(last, sizeof last, "%s", row[0]);
			}
	}
	if (res)
		mysql_free_result(res);
	if (m)
		mysql_close(m);
	if (r->gtid_mode && !r->file[0])
		return mc_errf(err, MC_EXIT_DATA, "cannot read the binlog from the GTID set "
			       "(purged, or not there): the server has %s to %s; it says: %s",
			       first[0] ? first : "none", last[0] ? last : "none", what);
	if (first[0])
		return mc_errf(err, MC_EXIT_DATA,
			       "cannot read the binlog from %s:%" PRIu64 " (purged, or not there): "
			       "the server has %s to %s; it says: %s", r->file, r->pos, first, last,
			       what);
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
