/* mc-binlog-tail: MySQL/MariaDB binary log files to the record stream
 * (docs/mc-binlog-tail.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "binlog/binlog.h"
#include "mysql/blrepl.h"
#include "stream/ckpt.h"
#include "binlog/ddl.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/io.h"
#include "stream/mctype.h"
#include "mysql/myschema.h"
#include "base/num.h"
#include "stream/opt.h"
#include "prog.h"
#include "stream/rec.h"
#include "stream/recio.h"
#include "base/zio.h"

static const char *prog = "mc-binlog-tail";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTION]... FILE...\n"
		"  or:  %s --start=FILE:POS|--start-gtid=SET|--checkpoint-in=FILE\n"
		"          --socket=PATH|--host=HOST|--defaults-file=FILE [OPTION]...\n"
		"Decode MySQL/MariaDB binary log FILEs (in order of their sequence number;\n"
		"zstd-compressed ones too; - is standard input) and write schema, row, ddl\n"
		"and mark records to standard output.\n"
		"\n"
		"  -f, --from=FILE:POS        start at byte POS of FILE (an event boundary)\n"
		"      --stop-position=N      stop before the first event at or after offset N\n"
		"                             of the last file\n"
		"      --stop-datetime=T      stop before the first event at or after T\n"
		"                             ('YYYY-MM-DD hh:mm:ss', UTC)\n"
		"      --index=FILE           also read the binlogs FILE lists (a binlog\n"
		"                             index: one name a line, relative to its folder)\n"
		"  -s, --schema=FILE          column names (and key) for table maps without\n"
		"                             them: the schema records of FILE, a record\n"
		"                             stream; the one in force at each position\n"
		"  -t, --tables=REGEX         only tables whose `db.table` matches REGEX\n"
		"                             (POSIX extended, unanchored)\n"
		"      --format=FMT           mcr (default): the record stream;\n"
		"                             text: one line per record and value, for people\n"
		"      --txn-memory=SIZE      buffer a transaction in memory up to SIZE\n"
		"                             (default 256M), then in a zstd temporary file\n"
		"      --no-checksum          do not verify event checksums\n"
		"      --partial-json=WHAT    a partial JSON update whose column is not in the\n"
		"                             before image (binlog_row_image=MINIMAL): error\n"
		"                             (default) or absent (emit the column as absent)\n"
		"  -h, --help                 show this help and exit\n"
		"  -V, --version              show the version and exit\n"
		"\n"
		"\n"
		"Live, as a replica of a server (instead of FILEs):\n"
		"      --start=FILE:POS       start at byte POS of the server's binlog FILE\n"
		"      --start-gtid=SET       start after the transactions of a GTID set:\n"
		"                             MariaDB D-S-N[,D-S-N]... (leaves out the ones\n"
		"                             of a domain the set is ahead in), or MySQL\n"
		"                             UUID:N-M[:N-M][,UUID:...] as @@gtid_executed\n"
		"                             prints it (leaves out the ones it holds; no\n"
		"                             tagged GTIDs; not tested against MySQL)\n"
		"      --checkpoint-in=FILE   resume from the checkpoint mc-tunnel-put\n"
		"                             --checkpoint-out writes (its 'resume'\n"
		"                             position; its 'gtid' set when that binlog was\n"
		"                             purged); without FILE yet, --start or\n"
		"                             --start-gtid is where the first run starts\n"
		"      --socket=PATH          connect through this Unix socket\n"
		"      --host=HOST            connect to HOST (--port=N, default 3306)\n"
		"      --port=N               TCP port\n"
		"      --user=NAME            user\n"
		"      --defaults-file=FILE   read the [client] group of FILE (host, port,\n"
		"                             socket, user, password, ssl-*) like the mysql\n"
		"                             clients; without it the password comes from\n"
		"                             MYSQL_PWD\n"
		"      --ssl-ca=FILE, --ssl-cert=FILE, --ssl-key=FILE\n"
		"                             TLS certificate authority, client certificate\n"
		"                             and key\n"
		"      --ssl-mode=MODE        DISABLED, PREFERRED, REQUIRED, VERIFY_CA or\n"
		"                             VERIFY_IDENTITY (as mc-snapshot)\n"
		"      --server-id=N          replica server id, unique among the server's\n"
		"                             replicas (default 4200001)\n"
		"      --heartbeat=SECONDS    ask the server for a heartbeat after SECONDS\n"
		"                             without events (default 30, 0: none) and write\n"
		"                             it as a heartbeat mark between transactions\n"
		"      --retry-time=MINUTES   on a lost connection, reconnect with backoff\n"
		"                             from the last complete transaction for up to\n"
		"                             MINUTES (default 720, 0: exit 3 at once;\n"
		"                             fractions too: 0.05 is 3 s)\n"
		"      --stop-at-end          stop at the end of the server's last binlog\n"
		"                             instead of waiting for more\n"
		"      --column-names=FROM    names of columns in table maps without them\n"
		"                             (binlog_row_metadata MINIMAL or NO_LOG):\n"
		"                             binlog: @1, @2...; schema (default for\n"
		"                             FILEs): --schema and DDL in the binlog;\n"
		"                             server (default live): those, else\n"
		"                             information_schema when it matches the map\n"
		"\n"
		"Exit status: 0 ok, 1 bad or truncated input, 2 usage, 3 connection lost.\n",
		prog, prog);
}

/* Tables seen, for schema versions and the filter. */
struct tabinfo {
	char *key;      /* "db.table" */
	size_t keylen;
	struct mc_buf sig;
	struct mc_buf def; /* the table map's definition bytes last seen */
	long known;        /* the --schema record used last (-1: none) */
	/* --column-names=server: the table map definition last looked up */
	struct mc_buf srv_def;
	int srv_ok;                 /* information_schema matched it */
	struct mys_labels *labels;  /* ... with these ENUM/SET labels */
	uint32_t nlabels;
	uint64_t version;
	int selected;
};

struct tail {
	struct bl_decoder d;
	struct rio_writer w;
	int text;
	struct mc_buf tout; /* text output */
	regex_t re;
	int have_re;

	uint64_t fileseq;
	const char *fname;

	/* the open transaction: [u64 off][u64 start][u8 in_payload][u32 len][bytes]... */
	struct mc_buf txn;
	int in_txn;
	int dry;             /* decode an incomplete transaction, write nothing */
	uint64_t force_off;  /* replay at this offset (XA COMMIT), rows numbered across */
	char xa_id[256];     /* the XA transaction being read (XA START ...) */
	uint64_t txn_memory; /* --txn-memory */
	int spill_fd;        /* -1 unless the open transaction spilled */
	struct zout spill;
	uint64_t spilled;    /* bytes written to the spill file */
	char gtid[128];

	struct tabinfo *tabs;
	size_t ntabs, ctabs;

	struct mc_val before[MC_MAX_COLUMNS], after[MC_MAX_COLUMNS];
	struct mc_col cols[MC_MAX_COLUMNS];
	uint32_t key[MC_MAX_COLUMNS];
	struct mc_buf colbuf;

	/* replay */
	uint64_t last_off;
	uint64_t rowctr;
	int last_payload;
};

static struct tail T;

/* Prepared XA transactions waiting for their XA COMMIT or XA ROLLBACK. */
struct held {
	char id[256];
	struct mc_buf txn;
	int spill_fd;
	struct zout spill;
	uint64_t spilled;
};
static struct held *held;
static size_t nheld;

/* Schema records from --schema=FILE: names for table maps without them. */
struct known {
	char *db, *table;
	struct mc_pos pos;
	struct ddl_cols cols; /* n == 0: the column list is not known from here on */
	uint32_t key_flags;   /* MC_SF_KEY_UNIQUE | MC_SF_KEY_DECLARED */
};
static struct known *known;
static size_t nknown;

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(MC_EXIT_DATA);
	}
	return p;
}

static char *xstrndup(const char *p, size_t n)
{
	char *s = xmalloc(n + 1);
	memcpy(s, p, n);
	s[n] = 0;
	return s;
}

static void load_schema(const char *path)
{
	struct rio_reader r;
	struct mc_rec rec;
	struct mc_err err = { 0 };
	int fd = open(path, O_RDONLY), rc;
	if (fd < 0) {
		fprintf(stderr, "%s: '%s': %s\n", prog, path, strerror(errno));
		exit(MC_EXIT_USAGE);
	}
	rio_init(&r, fd, RIO_AUTO);
	while ((rc = rio_next(&r, &rec, &err)) == 1) {
		struct known *k, *nk;
		if (rec.kind != MC_R_SCHEMA || (rec.schema_flags & MC_SF_NAMES_BY_INDEX))
			continue;
		nk = realloc(known, (nknown + 1) * sizeof *nk);
		if (!nk) {
			fprintf(stderr, "%s: out of memory\n", prog);
			exit(MC_EXIT_DATA);
		}
		known = nk;
		k = &known[nknown++];
		memset(k, 0, sizeof *k);
		k->db = xstrndup(rec.db.p, rec.db.n);
		k->table = xstrndup(rec.table.p, rec.table.n);
		k->pos = rec.pos;
		k->cols.n = (uint32_t)rec.ncols;
		k->cols.names = xmalloc(rec.ncols * sizeof *k->cols.names);
		for (size_t i = 0; i < rec.ncols; i++)
			k->cols.names[i] = xstrndup(rec.cols[i].name.p, rec.cols[i].name.n);
		k->cols.uns = xmalloc(rec.ncols);
		for (size_t i = 0; i < rec.ncols; i++)
			k->cols.uns[i] = (rec.cols[i].flags & MC_CF_UNSIGNED) != 0;
		k->cols.nkey = (uint32_t)rec.nkey;
		k->cols.key = xmalloc(rec.nkey * sizeof *k->cols.key);
		memcpy(k->cols.key, rec.key, rec.nkey * sizeof *k->cols.key);
		k->key_flags = rec.schema_flags & (MC_SF_KEY_UNIQUE | MC_SF_KEY_DECLARED);
	}
	rio_close(&r);
	close(fd);
	if (rc < 0) {
		fprintf(stderr, "%s: '%s': %s\n", prog, path, err.msg);
		exit(MC_EXIT_USAGE);
	}
}

static int str_is(const char *s, struct mc_str m)
{
	return strlen(s) == m.n && memcmp(s, m.p, m.n) == 0;
}

/* The column list of db.table in force at pos: the entry with the highest
 * position at or before pos (strictly before when `before`); of entries at
 * the same position, the last one. */
static long find_known_at(struct mc_str db, struct mc_str table, const struct mc_pos *pos,
			  int before)
{
	long best = -1;
	for (size_t i = 0; i < nknown; i++) {
		const struct known *k = &known[i];
		int c;
		if (!str_is(k->db, db) || !str_is(k->table, table))
			continue;
		c = pos_cmp(&k->pos, pos);
		if (c > 0 || (before && c == 0))
			continue;
		if (best < 0 || pos_cmp(&k->pos, &known[best].pos) >= 0)
			best = (long)i;
	}
	return best;
}

/* ... if its column count matches the table map's. */
static long find_known(const struct bl_table *t, const struct mc_pos *pos)
{
	long best = find_known_at(t->db, t->name, pos, 0);
	if (best >= 0 && known[best].cols.n != t->ncols)
		return -1;
	return best;
}

static void add_known(struct mc_str db, struct mc_str table, const struct mc_pos *pos,
		      struct ddl_cols *cols)
{
	struct known *nk = realloc(known, (nknown + 1) * sizeof *nk), *k;
	if (!nk) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(MC_EXIT_DATA);
	}
	known = nk;
	k = &known[nknown++];
	memset(k, 0, sizeof *k);
	k->db = xstrndup(db.p, db.n);
	k->table = xstrndup(table.p, table.n);
	k->pos = *pos;
	if (cols) {
		k->cols = *cols;
		memset(cols, 0, sizeof *cols);
	}
}

static int copy_cols(const struct ddl_cols *in, struct ddl_cols *out)
{
	memset(out, 0, sizeof *out);
	out->n = in->n;
	out->names = xmalloc(in->n * sizeof *out->names);
	for (uint32_t i = 0; i < in->n; i++)
		out->names[i] = xstrndup(in->names[i], strlen(in->names[i]));
	out->uns = xmalloc(in->n);
	for (uint32_t i = 0; i < in->n; i++)
		out->uns[i] = in->uns ? in->uns[i] : 0;
	out->cs = xmalloc(in->n * sizeof *out->cs);
	for (uint32_t i = 0; i < in->n; i++) {
		if (in->cs)
			memcpy(out->cs[i], in->cs[i], DDL_CS_LEN);
		else
			out->cs[i][0] = 0;
	}
	memcpy(out->table_cs, in->table_cs, DDL_CS_LEN);
	out->nkey = in->nkey;
	out->key = xmalloc(in->nkey * sizeof *out->key);
	memcpy(out->key, in->key, in->nkey * sizeof *out->key);
	return 0;
}

/* A collation id standing for a charset name from DDL, -1 if not one the
 * decoder converts. */
static int charset_id(const char *cs)
{
	static const struct {
		const char *name;
		int id;
	} map[] = { { "binary", 63 }, { "latin1", 8 }, { "utf8mb3", 33 }, { "utf8mb4", 45 },
		    { "ascii", 11 }, { "ucs2", 35 }, { "utf16", 54 }, { "utf16le", 56 },
		    { "utf32", 60 } };
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(cs, map[i].name) == 0)
			return map[i].id;
	return -1;
}

static int is_text_col(uint8_t type)
{
	switch (type) {
	case BL_T_STRING: case BL_T_VARCHAR: case BL_T_VAR_STRING: case BL_T_BLOB:
	case BL_T_TINY_BLOB: case BL_T_MEDIUM_BLOB: case BL_T_LONG_BLOB:
		return 1;
	}
	return 0;
}

/* Follow a DDL statement: the column lists of the tables it creates,
 * alters, renames or drops, from its position on. A statement that cannot
 * be followed makes the table's names unknown (named by index) rather than
 * wrong. */
/* Default charsets of databases, from CREATE/ALTER DATABASE. */
struct dbcs {
	char *db;
	char cs[DDL_CS_LEN];
};
static struct dbcs *dbcs;
static size_t ndbcs;

static const char *db_charset(struct mc_str db)
{
	for (size_t i = ndbcs; i-- > 0;)
		if (str_is(dbcs[i].db, db))
			return dbcs[i].cs;
	return "";
}

static void track_ddl(struct mc_str defdb, struct mc_str sql, const struct mc_pos *pos)
{
	struct ddl_target t;
	int kind;
	{
		struct mc_str db;
		char cs[DDL_CS_LEN];
		if (ddl_database(sql.p, sql.n, &db, cs)) {
			struct dbcs *nd = realloc(dbcs, (ndbcs + 1) * sizeof *nd);
			if (!nd) {
				fprintf(stderr, "%s: out of memory\n", prog);
				exit(MC_EXIT_DATA);
			}
			dbcs = nd;
			dbcs[ndbcs].db = db.n ? xstrndup(db.p, db.n) : xstrndup(defdb.p, defdb.n);
			memcpy(dbcs[ndbcs].cs, cs, DDL_CS_LEN);
			ndbcs++;
			return;
		}
	}
	kind = ddl_target(sql.p, sql.n, &t);
	for (size_t i = 0; kind != DDL_NONE && i < t.ntables; i++) {
		struct mc_str db = t.db[i].n ? t.db[i] : defdb, tab = t.table[i];
		struct ddl_cols out;
		long base = find_known_at(db, tab, pos, 1), at = find_known_at(db, tab, pos, 0);
		if (at >= 0 && pos_cmp(&known[at].pos, pos) == 0)
			continue; /* --schema says what the table is after this statement */
		switch (kind) {
		case DDL_CREATE:
			if (ddl_apply_cs(sql.p, sql.n, NULL, db_charset(db), &out) == 0)
				add_known(db, tab, pos, &out);
			else
				add_known(db, tab, pos, NULL);
			break;
		case DDL_ALTER:
			if (base < 0)
				break; /* never known: still unknown */
			if (known[base].cols.n && ddl_apply(sql.p, sql.n, &known[base].cols, &out) == 0) {
				if (t.renamed) {
					add_known(t.new_db[0].n ? t.new_db[0] : defdb, t.new_table[0], pos, &out);
					add_known(db, tab, pos, NULL);
				} else {
					add_known(db, tab, pos, &out);
				}
			} else {
				add_known(db, tab, pos, NULL);
			}
			break;
		case DDL_DROP:
			if (base >= 0)
				add_known(db, tab, pos, NULL);
			break;
		case DDL_RENAME:
			if (base >= 0 && known[base].cols.n) {
				copy_cols(&known[base].cols, &out);
				add_known(t.new_db[i].n ? t.new_db[i] : defdb, t.new_table[i], pos, &out);
			}
			if (base >= 0)
				add_known(db, tab, pos, NULL);
			break;
		}
	}
}

#define TXN_HDR 21

/* Output ------------------------------------------------------------ */

static void out_fail(struct mc_err *err)
{
	mc_errctx(err, "standard output: ");
	prog_fail(err);
}

static void text_flush(void)
{
	if (T.tout.len && io_write_all(1, T.tout.p, T.tout.len) < 0) {
		struct mc_err e = { 0 };
		mc_errnof(&e, errno, "write error");
		out_fail(&e);
	}
	T.tout.len = 0;
}

static void text_str(const char *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	buf_addc(&T.tout, '\'');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20) {
			char e[4] = { '\\', 'x', hx[c >> 4], hx[c & 15] };
			buf_add(&T.tout, e, 4);
		} else {
			buf_addc(&T.tout, (char)c);
		}
	}
	buf_addc(&T.tout, '\'');
}

static void text_val(const struct mc_val *v)
{
	static const char hx[] = "0123456789abcdef";
	char t[64];
	switch (v->kind) {
	case MC_V_NULL: buf_adds(&T.tout, "NULL"); break;
	case MC_V_ABSENT: buf_adds(&T.tout, "ABSENT"); break;
	case MC_V_INT: buf_addf(&T.tout, "%" PRId64, v->v.i); break;
	case MC_V_UINT: buf_addf(&T.tout, "%" PRIu64, v->v.u); break;
	case MC_V_F32:
		for (int p = 1; p <= 9; p++) {
			snprintf(t, sizeof t, "%.*g", p, (double)v->v.f32);
			if (strtof(t, NULL) == v->v.f32)
				break;
		}
		buf_addf(&T.tout, "f32:%s", t);
		break;
	case MC_V_F64:
		for (int p = 1; p <= 17; p++) {
			snprintf(t, sizeof t, "%.*g", p, v->v.f64);
			if (strtod(t, NULL) == v->v.f64)
				break;
		}
		buf_addf(&T.tout, "f64:%s", t);
		break;
	case MC_V_STR: text_str(v->v.s.p, v->v.s.n); break;
	case MC_V_BIN:
		buf_adds(&T.tout, "x'");
		for (size_t i = 0; i < v->v.s.n; i++) {
			unsigned char c = (unsigned char)v->v.s.p[i];
			buf_addc(&T.tout, hx[c >> 4]);
			buf_addc(&T.tout, hx[c & 15]);
		}
		buf_addc(&T.tout, '\'');
		break;
	case MC_V_BIT:
		buf_adds(&T.tout, "bit:");
		for (size_t i = 0; i < v->v.s.n; i++) {
			unsigned char c = (unsigned char)v->v.s.p[i];
			buf_addc(&T.tout, hx[c >> 4]);
			buf_addc(&T.tout, hx[c & 15]);
		}
		break;
	default:
		buf_addf(&T.tout, "%s:", rec_vkind_name(v->kind));
		text_str(v->v.s.p, v->v.s.n);
	}
}

static void text_pos(const struct mc_pos *p)
{
	char t[80];
	pos_format(p, t, sizeof t);
	buf_adds(&T.tout, t);
}

static void text_image(const char *name, const struct mc_val *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		buf_addf(&T.tout, "  %s @%zu=", name, i + 1);
		text_val(&v[i]);
		buf_addc(&T.tout, '\n');
	}
}

static void text_rec(const struct mc_rec *r)
{
	switch (r->kind) {
	case MC_R_SCHEMA:
		buf_addf(&T.tout, "schema `%.*s`.`%.*s` v%" PRIu64 " ", (int)r->db.n, r->db.p,
			 (int)r->table.n, r->table.p, r->schema_version);
		text_pos(&r->pos);
		buf_addf(&T.tout, " flags=%u key=", r->schema_flags);
		for (size_t i = 0; i < r->nkey; i++)
			buf_addf(&T.tout, "%s%u", i ? "," : "", r->key[i] + 1);
		buf_addc(&T.tout, '\n');
		for (size_t i = 0; i < r->ncols; i++)
			buf_addf(&T.tout, "  col @%zu `%.*s` %.*s %.*s%s flags=%u\n", i + 1,
				 (int)r->cols[i].name.n, r->cols[i].name.p,
				 (int)r->cols[i].mysql_type.n, r->cols[i].mysql_type.p,
				 (int)r->cols[i].mc_type.n, r->cols[i].mc_type.p,
				 r->cols[i].nullable ? "" : " not null", r->cols[i].flags);
		break;
	case MC_R_ROW:
		buf_addf(&T.tout, "row %s `%.*s`.`%.*s` v%" PRIu64 " ", rec_op_name(r->op),
			 (int)r->db.n, r->db.p, (int)r->table.n, r->table.p, r->schema_version);
		text_pos(&r->pos);
		buf_addf(&T.tout, " time=%" PRId64 "\n", r->time);
		if (r->before)
			text_image("before", r->before, r->nbefore);
		if (r->after)
			text_image("after", r->after, r->nafter);
		break;
	case MC_R_DDL:
		buf_addf(&T.tout, "ddl `%.*s`.`%.*s` ", (int)r->db.n, r->db.p, (int)r->table.n,
			 r->table.p);
		text_pos(&r->pos);
		buf_addf(&T.tout, " time=%" PRId64 " ", r->time);
		text_str(r->sql.p, r->sql.n);
		buf_addc(&T.tout, '\n');
		break;
	case MC_R_MARK:
		buf_addf(&T.tout, "mark %s ", rec_mark_name(r->mark));
		text_pos(&r->pos);
		buf_addf(&T.tout, " time=%" PRId64 " label=%.*s\n", r->time, (int)r->label.n,
			 r->label.p);
		break;
	default:
		break;
	}
	if (T.tout.len > 65536)
		text_flush();
}

static void emit(const struct mc_rec *r)
{
	struct mc_err err = { 0 };
	if (T.text) {
		text_rec(r);
		return;
	}
	if (rio_write(&T.w, r, &err) < 0) {
		if (err.errnum)
			out_fail(&err);
		fprintf(stderr, "%s: internal error: %s\n", prog, err.msg);
		exit(MC_EXIT_DATA);
	}
}

static void out_flush(void)
{
	struct mc_err err = { 0 };
	if (T.text)
		text_flush();
	else if (rio_flush(&T.w, &err) < 0)
		out_fail(&err);
}

/* Errors in input ----------------------------------------------------- */

static void data_error(uint64_t off, const struct mc_err *err)
{
	out_flush();
	if (off == UINT64_MAX)
		fprintf(stderr, "%s: '%s': %s\n", prog, T.fname, err->msg);
	else
		fprintf(stderr, "%s: '%s': offset %" PRIu64 ": %s\n", prog, T.fname, off, err->msg);
	exit(err->code == MC_EXIT_USAGE ? MC_EXIT_USAGE : MC_EXIT_DATA);
}

/* Schemas ------------------------------------------------------------- */

static struct tabinfo *tab_get(const struct bl_table *tc)
{
	struct bl_table *t = (struct bl_table *)tc;
	char key[600];
	int n;
	struct tabinfo *ti;
	if (t->user)
		return &T.tabs[(uintptr_t)t->user - 1];
	n = snprintf(key, sizeof key, "%.*s.%.*s", (int)t->db.n, t->db.p, (int)t->name.n,
		     t->name.p);
	for (size_t i = 0; i < T.ntabs; i++)
		if (T.tabs[i].keylen == (size_t)n && memcmp(T.tabs[i].key, key, (size_t)n) == 0) {
			t->user = (void *)(uintptr_t)(i + 1);
			return &T.tabs[i];
		}
	if (T.ntabs == T.ctabs) {
		size_t nc = T.ctabs ? T.ctabs * 2 : 64;
		struct tabinfo *nt = realloc(T.tabs, nc * sizeof *nt);
		if (!nt) {
			fprintf(stderr, "%s: out of memory\n", prog);
			exit(MC_EXIT_DATA);
		}
		T.tabs = nt;
		T.ctabs = nc;
	}
	ti = &T.tabs[T.ntabs++];
	memset(ti, 0, sizeof *ti);
	ti->key = strdup(key);
	ti->keylen = (size_t)n;
	t->user = (void *)(uintptr_t)T.ntabs;
	ti->known = -1;
	ti->selected = !T.have_re || regexec(&T.re, key, 0, NULL, 0) == 0;
	return ti;
}

/* --column-names: where the names of a table map without them come from. */
enum { CN_DEFAULT, CN_BINLOG, CN_SCHEMA, CN_SERVER };
static const char *const colnames_names[] = { "binlog", "schema", "server", NULL };
static int colnames;
static const struct my_opts *srv_opts; /* live: the connection options */
static MYSQL *srv;                     /* the second connection, opened when needed */

static noreturn void live_fail(const struct mc_err *err);

/* --column-names=server: names, UNSIGNED, charsets and primary key of a
 * table map without names from information_schema, as known from pos on
 * (DDL tracking takes them from there), and the labels of ENUM/SET
 * columns. A table the server no longer has as the map says gets @N names
 * and one warning per definition. */
static void server_describe(struct bl_table *t, struct tabinfo *ti, const struct mc_pos *pos)
{
	const char *def = t->raw + t->def_off;
	size_t dn = t->raw_len - t->def_off;
	int need_names = find_known(t, pos) < 0, need_labels = 0, rc = -1;
	struct ddl_cols cols;
	struct mc_err err = { 0 };
	char why[400];

	for (uint32_t i = 0; i < t->ncols; i++)
		if ((t->cols[i].type == BL_T_ENUM || t->cols[i].type == BL_T_SET) &&
		    !t->cols[i].nlabels)
			need_labels = 1;
	if (!need_names && !need_labels)
		return;
	if (!(ti->srv_def.len == dn && memcmp(ti->srv_def.p, def, dn) == 0) ||
	    (need_names && ti->srv_ok)) {
		mys_labels_free(ti->labels, ti->nlabels);
		free(ti->labels);
		ti->labels = calloc(t->ncols ? t->ncols : 1, sizeof *ti->labels);
		ti->nlabels = t->ncols;
		ti->srv_def.len = 0;
		if (!ti->labels || buf_add(&ti->srv_def, def, dn) < 0) {
			fprintf(stderr, "%s: out of memory\n", prog);
			exit(MC_EXIT_DATA);
		}
		for (int again = 0; again < 2; again++) {
			if (!srv && my_connect(srv_opts, &srv, &err) < 0)
				break;
			rc = mys_lookup(srv, t, &cols, ti->labels, why, sizeof why, &err);
			if (rc >= 0 || err.code != MC_EXIT_TRANSIENT)
				break;
			mysql_close(srv); /* lost: once more on a new connection */
			srv = NULL;
			memset(&err, 0, sizeof err);
		}
		if (rc < 0) {
			mc_errctx(&err, "information_schema for `%.*s`.`%.*s`: ", (int)t->db.n,
				  t->db.p, (int)t->name.n, t->name.p);
			live_fail(&err);
		}
		ti->srv_ok = rc == 1;
		if (rc == 0)
			fprintf(stderr,
				"%s: warning: `%.*s`.`%.*s` at %" PRIu64 ":%" PRIu64
				": information_schema does not describe the table map (%s); %s\n",
				prog, (int)t->db.n, t->db.p, (int)t->name.n, t->name.p, pos->file,
				pos->off, why,
				need_names ? "its columns are named by index"
					   : "its ENUM/SET values stay numbers");
		else if (need_names)
			add_known(t->db, t->name, pos, &cols);
		else
			ddl_cols_free(&cols);
	}
	if (!ti->srv_ok)
		return;
	for (uint32_t i = 0; i < t->ncols && i < ti->nlabels; i++)
		if (ti->labels[i].n && !t->cols[i].nlabels) {
			t->cols[i].nlabels = ti->labels[i].n;
			t->cols[i].labels = ti->labels[i].v;
		}
}

/* Emit a schema record when this table map differs from the last one of
 * its table. */
static int has_any_charset(const struct bl_table *t)
{
	for (uint32_t i = 0; i < t->ncols; i++)
		if (t->cols[i].has_charset)
			return 1;
	return 0;
}

static void table_schema(struct bl_table *t, const struct mc_pos *pos, uint32_t when)
{
	struct tabinfo *ti = tab_get(t);
	struct mc_buf sig = { 0 };
	size_t *off;
	struct mc_rec r;
	char tmp[64];
	long kn = -1;
	const struct known *k = NULL;
	uint32_t npk, *pk, kflags = 0;

	if (!ti->selected)
		return;
	if (!t->has_names && colnames == CN_SERVER)
		server_describe(t, ti, pos);
	if ((!t->has_names || !t->has_signedness || !has_any_charset(t)) && nknown &&
	    colnames != CN_BINLOG) {
		kn = find_known(t, pos);
		k = kn >= 0 ? &known[kn] : NULL;
	}
	/* Without SIGNEDNESS metadata, UNSIGNED comes from the DDL or --schema
	 * (the rows decoded after this map use it). */
	if (k && !t->has_signedness && k->cols.uns)
		for (uint32_t i = 0; i < t->ncols; i++)
			t->cols[i].is_unsigned = k->cols.uns[i];
	/* Without charset metadata, the charset (or binary) from the DDL. */
	if (k && k->cols.cs)
		for (uint32_t i = 0; i < t->ncols; i++) {
			struct bl_col *c = &t->cols[i];
			int id = charset_id(k->cols.cs[i]);
			if (c->has_charset || id < 0 || !is_text_col(c->type))
				continue;
			c->has_charset = 1;
			c->charset = (uint16_t)id;
			bl_col_setup(c);
		}
	if (k && t->has_names)
		k = NULL; /* names from the map itself */
	/* The same definition bytes as last time: nothing changed (fast path). */
	if (ti->version && ti->known == kn && ti->def.len == t->raw_len - t->def_off &&
	    memcmp(ti->def.p, t->raw + t->def_off, ti->def.len) == 0)
		return;
	ti->known = kn;
	ti->def.len = 0;
	if (buf_add(&ti->def, t->raw + t->def_off, t->raw_len - t->def_off) < 0) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(MC_EXIT_DATA);
	}
	T.colbuf.len = 0;
	off = calloc(t->ncols * 3 + 1, sizeof *off);
	if (!off) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(MC_EXIT_DATA);
	}
	for (uint32_t i = 0; i < t->ncols; i++) {
		const struct bl_col *c = &t->cols[i];
		off[3 * i] = T.colbuf.len;
		if (t->has_names)
			buf_add(&T.colbuf, c->name.p, c->name.n);
		else if (k)
			buf_adds(&T.colbuf, k->cols.names[i]);
		else
			buf_addf(&T.colbuf, "@%u", i + 1);
		off[3 * i + 1] = T.colbuf.len;
		bl_col_mysql_type(c, &T.colbuf);
		off[3 * i + 2] = T.colbuf.len;
		/* one MySQL -> MaxCompute mapping for every source (mctype.c) */
		buf_adds(&T.colbuf, mctype_for(T.colbuf.p + off[3 * i + 1],
					       T.colbuf.len - off[3 * i + 1], tmp, sizeof tmp));
		buf_addf(&T.colbuf, "|%d%d%d%d;", c->nullable, c->invisible, c->is_unsigned,
			 c->has_charset ? c->charset : -1);
	}
	off[3 * t->ncols] = T.colbuf.len;
	if (t->npk || !k) {
		npk = t->npk;
		pk = t->pk;
	} else {
		npk = k->cols.nkey;
		pk = k->cols.key;
		kflags = k->key_flags;
	}
	for (uint32_t i = 0; i < npk; i++)
		buf_addf(&T.colbuf, "k%u", pk[i]);
	buf_addf(&T.colbuf, "f%u", kflags);
	buf_add(&sig, T.colbuf.p, T.colbuf.len);
	if (ti->version && ti->sig.len == sig.len && memcmp(ti->sig.p, sig.p, sig.len) == 0) {
		buf_free(&sig);
		free(off);
		return;
	}
	buf_free(&ti->sig);
	ti->sig = sig;
	ti->version++;
	for (uint32_t i = 0; i < t->ncols; i++) {
		const struct bl_col *c = &t->cols[i];
		const char *b = T.colbuf.p;
		size_t e = off[3 * (i + 1)];
		const char *bar = memchr(b + off[3 * i + 2], '|', e - off[3 * i + 2]);
		T.cols[i].name = mc_str_c(b + off[3 * i], off[3 * i + 1] - off[3 * i]);
		T.cols[i].mysql_type = mc_str_c(b + off[3 * i + 1], off[3 * i + 2] - off[3 * i + 1]);
		T.cols[i].mc_type = mc_str_c(b + off[3 * i + 2], (size_t)(bar - (b + off[3 * i + 2])));
		T.cols[i].nullable = c->nullable;
		T.cols[i].flags = (c->invisible ? MC_CF_INVISIBLE : 0) |
				  (c->is_unsigned && c->type != BL_T_YEAR ? MC_CF_UNSIGNED : 0);
	}
	for (uint32_t i = 0; i < npk; i++)
		T.key[i] = pk[i] < t->ncols ? pk[i] : 0;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_SCHEMA;
	r.db = t->db;
	r.table = t->name;
	r.schema_version = ti->version;
	r.pos = *pos;
	r.time = when;
	r.schema_flags = (t->has_names || k ? 0 : MC_SF_NAMES_BY_INDEX) | kflags;
	r.ncols = t->ncols;
	r.cols = T.cols;
	r.nkey = npk;
	r.key = T.key;
	emit(&r);
	free(off);
}

/* Replaying a committed transaction ------------------------------------ */

static void skip_ws_comments(const char **s, const char *end);
static void ddl_emit(const struct bl_event *ev, const char *s, size_t n, uint64_t off,
		     uint64_t row);

static void replay_event(const uint8_t *p, size_t n, uint64_t start, uint64_t off, int in_payload)
{
	struct bl_event ev;
	struct mc_err err = { 0 };
	struct mc_pos pos;
	int rc;

	/* Rows are numbered across the events of a payload, and across a
	 * prepared XA transaction replayed at its XA COMMIT. */
	int across = in_payload || T.force_off;
	if (!(across && T.last_payload && T.last_off == off))
		T.rowctr = 0;
	T.last_off = off;
	T.last_payload = across;
	{
		/* Checksums were verified when the event was read. */
		int saved_ck = T.d.fde.checksum, saved_v = T.d.verify_checksum;
		if (in_payload)
			T.d.fde.checksum = 0;
		T.d.verify_checksum = 0;
		rc = bl_decode(&T.d, p, n, &ev, &err);
		T.d.fde.checksum = saved_ck;
		T.d.verify_checksum = saved_v;
		if (rc < 0)
			data_error(start, &err);
	}
	pos.file = T.fileseq;
	pos.off = off;
	if (T.dry) {
		while ((rc = bl_row_next(&T.d, &ev, T.before, T.after, &err)) == 1)
			;
		if (rc < 0)
			data_error(start, &err);
		return;
	}
	if (ev.type == BL_TABLE_MAP) {
		pos.row = T.rowctr;
		table_schema(ev.table, &pos, ev.when);
		return;
	}
	if (ev.type == BL_QUERY || ev.type == BL_MARIA_QUERY_COMPRESSED) {
		const char *s = ev.sql.p, *e = s + ev.sql.n;
		skip_ws_comments(&s, e);
		ddl_emit(&ev, s, (size_t)(e - s), off, T.rowctr);
		return;
	}
	if (!ev.rows_op || !ev.table)
		return;
	{
		struct tabinfo *ti = tab_get(ev.table);
		struct mc_rec r;
		uint32_t nc = ev.table->ncols;
		if (!ti->selected) {
			return;
		}
		if (!ti->version)
			table_schema(ev.table, &(struct mc_pos){ T.fileseq, off, T.rowctr }, ev.when);
		memset(&r, 0, sizeof r);
		r.kind = MC_R_ROW;
		r.op = (enum mc_op)ev.rows_op;
		r.db = ev.table->db;
		r.table = ev.table->name;
		r.schema_version = ti->version;
		r.time = ev.when;
		if (ev.rows_op != MC_OP_INSERT) {
			r.before = T.before;
			r.nbefore = nc;
		}
		if (ev.rows_op != MC_OP_DELETE) {
			r.after = T.after;
			r.nafter = nc;
		}
		while ((rc = bl_row_next(&T.d, &ev, T.before, T.after, &err)) == 1) {
			r.pos.file = T.fileseq;
			r.pos.off = off;
			r.pos.row = T.rowctr++;
			emit(&r);
		}
		if (rc < 0)
			data_error(start, &err);
	}
}

/* Spill the open transaction to a zstd temporary file once it holds more
 * than --txn-memory bytes; it is read back at its commit. */
static void spill_fail(const struct mc_err *err)
{
	fprintf(stderr, "%s: temporary file: %s\n", prog, err->msg);
	exit(MC_EXIT_DATA);
}

static void spill_start(void)
{
	struct mc_err err = { 0 };
	char path[4096];
	const char *dir = getenv("TMPDIR");
	int fd;
	snprintf(path, sizeof path, "%s/mc-binlog-tail.XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0) {
		fprintf(stderr, "%s: '%s': %s\n", prog, path, strerror(errno));
		exit(MC_EXIT_DATA);
	}
	unlink(path);
	T.spill_fd = fd;
	if (zout_init(&T.spill, fd, 1, &err) < 0 ||
	    zout_write(&T.spill, T.txn.p, T.txn.len, &err) < 0)
		spill_fail(&err);
	T.spilled = T.txn.len;
	T.txn.len = 0;
}

static void spill_drop(void)
{
	if (T.spill_fd >= 0) {
		zout_close(&T.spill);
		close(T.spill_fd);
		T.spill_fd = -1;
	}
	T.spilled = 0;
}

static void txn_add(const uint8_t *p, size_t n, uint64_t start, uint64_t off, int in_payload)
{
	uint8_t h[TXN_HDR];
	for (int i = 0; i < 8; i++) {
		h[i] = (uint8_t)(off >> (8 * i));
		h[8 + i] = (uint8_t)(start >> (8 * i));
	}
	h[16] = (uint8_t)in_payload;
	for (int i = 0; i < 4; i++)
		h[17 + i] = (uint8_t)(n >> (8 * i));
	if (T.spill_fd >= 0) {
		struct mc_err err = { 0 };
		if (zout_write(&T.spill, h, sizeof h, &err) < 0 ||
		    zout_write(&T.spill, p, n, &err) < 0)
			spill_fail(&err);
		T.spilled += sizeof h + n;
		return;
	}
	if (buf_add(&T.txn, h, sizeof h) < 0 || buf_add(&T.txn, p, n) < 0) {
		fprintf(stderr, "%s: '%s': out of memory buffering a transaction\n", prog, T.fname);
		exit(MC_EXIT_DATA);
	}
	if (T.txn.len > T.txn_memory)
		spill_start();
}

static void replay_one(const uint8_t *h)
{
	uint64_t eoff = 0, start = 0;
	uint32_t n = 0;
	for (int k = 0; k < 8; k++) {
		eoff |= (uint64_t)h[k] << (8 * k);
		start |= (uint64_t)h[8 + k] << (8 * k);
	}
	for (int k = 0; k < 4; k++)
		n |= (uint32_t)h[17 + k] << (8 * k);
	if (T.force_off) /* a prepared XA transaction: at its XA COMMIT */
		replay_event(h + TXN_HDR, n, start, T.force_off, h[16]);
	else
		replay_event(h + TXN_HDR, n, start, eoff, h[16]);
}

static uint32_t hdr_len(const uint8_t *h)
{
	uint32_t n = 0;
	for (int k = 0; k < 4; k++)
		n |= (uint32_t)h[17 + k] << (8 * k);
	return n;
}

static void zin_full(struct zin *z, void *dst, size_t n)
{
	struct mc_err err = { 0 };
	size_t got = 0;
	while (got < n) {
		ssize_t r = zin_read(z, (char *)dst + got, n - got, &err);
		if (r <= 0) {
			if (r == 0)
				mc_errf(&err, MC_EXIT_DATA, "truncated");
			spill_fail(&err);
		}
		got += (size_t)r;
	}
}

static void replay_spilled(void)
{
	struct mc_err err = { 0 };
	struct zin z;
	uint64_t done = 0;
	if (zout_end(&T.spill, &err) < 0)
		spill_fail(&err);
	zout_close(&T.spill);
	if (lseek(T.spill_fd, 0, SEEK_SET) < 0) {
		mc_errnof(&err, errno, "seek");
		spill_fail(&err);
	}
	zin_init(&z, T.spill_fd);
	while (done < T.spilled) {
		uint32_t n;
		T.txn.len = 0;
		if (buf_grow(&T.txn, TXN_HDR) < 0) {
			mc_errnof(&err, ENOMEM, "reading back");
			spill_fail(&err);
		}
		zin_full(&z, T.txn.p, TXN_HDR);
		n = hdr_len((const uint8_t *)T.txn.p);
		if (buf_grow(&T.txn, TXN_HDR + (size_t)n) < 0) {
			mc_errnof(&err, ENOMEM, "reading back");
			spill_fail(&err);
		}
		zin_full(&z, T.txn.p + TXN_HDR, n);
		replay_one((const uint8_t *)T.txn.p);
		done += TXN_HDR + (uint64_t)n;
	}
	zin_close(&z);
	close(T.spill_fd);
	T.spill_fd = -1;
	T.spilled = 0;
	T.txn.len = 0;
}

/* Forget the open transaction's events (keep its GTID label). A buffer
 * grown by a large transaction is given back. */
static void txn_discard(void)
{
	spill_drop();
	T.txn.len = 0;
	if (T.txn.cap > (16u << 20))
		buf_free(&T.txn);
	T.in_txn = 0;
}

static void commit(uint64_t off, int in_payload, uint32_t when)
{
	size_t i = 0;
	struct mc_rec r;
	if (T.spill_fd >= 0) {
		replay_spilled();
	} else {
		while (i < T.txn.len) {
			const uint8_t *h = (const uint8_t *)T.txn.p + i;
			replay_one(h);
			i += TXN_HDR + (size_t)hdr_len(h);
		}
	}
	if (!(in_payload && T.last_payload && T.last_off == off))
		T.rowctr = 0;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_MARK;
	r.mark = MC_MARK_TXN_END;
	r.pos.file = T.fileseq;
	r.pos.off = off;
	r.pos.row = T.rowctr;
	r.time = when;
	r.db = r.table = mc_str_c("", 0);
	r.label = mc_str_c(T.gtid, strlen(T.gtid));
	emit(&r);
	out_flush();
	txn_discard();
	T.gtid[0] = 0;
	T.last_payload = 0;
}

static void rollback(void)
{
	txn_discard();
	T.gtid[0] = 0;
}

/* Statements --------------------------------------------------------- */

static int kw(const char *s, size_t n, const char *word)
{
	size_t k = strlen(word);
	if (n < k || strncasecmp(s, word, k) != 0)
		return 0;
	return n == k || !((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
			   (s[k] >= '0' && s[k] <= '9') || s[k] == '_');
}

static void skip_ws_comments(const char **s, const char *end)
{
	for (;;) {
		while (*s < end && (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r'))
			(*s)++;
		if (end - *s >= 2 && (*s)[0] == '/' && (*s)[1] == '*' &&
		    !(end - *s >= 3 && ((*s)[2] == '!' || (*s)[2] == 'M'))) {
			const char *e = *s + 2;
			while (end - e >= 2 && !(e[0] == '*' && e[1] == '/'))
				e++;
			*s = end - e >= 2 ? e + 2 : end;
			continue;
		}
		break;
	}
}

/* Table a DDL statement changes, when it is simple to tell. */
static void ddl_table(const char *s, size_t n, struct mc_str *db, struct mc_str *tab)
{
	const char *p = s, *end = s + n;
	static const char *lead[] = { "CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME", "OR",
				      "REPLACE", "TEMPORARY", "ONLINE", "IGNORE", "TABLE",
				      "IF", "NOT", "EXISTS", NULL };
	int saw_table = 0;
	for (;;) {
		int hit = 0;
		skip_ws_comments(&p, end);
		for (int i = 0; lead[i]; i++)
			if (kw(p, (size_t)(end - p), lead[i])) {
				if (strcmp(lead[i], "TABLE") == 0)
					saw_table = 1;
				p += strlen(lead[i]);
				hit = 1;
				break;
			}
		if (!hit)
			break;
	}
	if (!saw_table && !kw(s, n, "TRUNCATE"))
		return;
	for (int part = 0; part < 2 && p < end; part++) {
		const char *st;
		struct mc_str name;
		if (*p == '`') {
			st = ++p;
			while (p < end && *p != '`')
				p++;
			name = mc_str_c(st, (size_t)(p - st));
			if (p < end)
				p++;
		} else {
			st = p;
			while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					   (*p >= '0' && *p <= '9') || *p == '_' || *p == '$'))
				p++;
			name = mc_str_c(st, (size_t)(p - st));
		}
		if (!name.n)
			return;
		if (p < end && *p == '.' && part == 0) {
			*db = name;
			p++;
			continue;
		}
		*tab = name;
		return;
	}
}

/* The xid text after "XA START", "XA COMMIT" ...: the server writes it in
 * one canonical form (X'..',X'..',N), so text equality is identity. */
static void xa_id(const char *s, size_t n, size_t skip, char *out, size_t outsz)
{
	size_t a = skip, b = n;
	while (a < n && (s[a] == ' ' || s[a] == '\t'))
		a++;
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == ';'))
		b--;
	if (b - a >= 10 && strncasecmp(s + b - 9, "ONE PHASE", 9) == 0)
		for (b -= 9; b > a && s[b - 1] == ' '; b--)
			;
	if (b - a >= outsz)
		b = a + outsz - 1;
	memcpy(out, s + a, b - a);
	out[b - a] = 0;
}

static void xa_hold(void)
{
	struct held *nh = realloc(held, (nheld + 1) * sizeof *nh), *h;
	if (!nh) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(MC_EXIT_DATA);
	}
	held = nh;
	h = &held[nheld++];
	memcpy(h->id, T.xa_id, sizeof h->id);
	h->txn = T.txn;
	h->spill_fd = T.spill_fd;
	h->spill = T.spill;
	h->spilled = T.spilled;
	memset(&T.txn, 0, sizeof T.txn);
	T.spill_fd = -1;
	T.spilled = 0;
	T.in_txn = 0;
	T.xa_id[0] = 0;
}

static long xa_find(const char *id)
{
	for (size_t i = 0; i < nheld; i++)
		if (strcasecmp(held[i].id, id) == 0)
			return (long)i;
	return -1;
}

static void xa_query(const struct bl_event *ev, const char *s, size_t n, uint64_t off,
		     int in_payload)
{
	char id[256];
	long k;
	if (n > 9 && strncasecmp(s, "XA START", 8) == 0) {
		txn_discard();
		T.in_txn = 1;
		xa_id(s, n, 8, T.xa_id, sizeof T.xa_id);
		return;
	}
	if (n > 10 && strncasecmp(s, "XA COMMIT", 9) == 0) {
		xa_id(s, n, 9, id, sizeof id);
		if (T.in_txn && strcmp(id, T.xa_id) == 0) { /* XA COMMIT ... ONE PHASE */
			commit(off, in_payload, ev->when);
			return;
		}
		if ((k = xa_find(id)) < 0) {
			/* prepared before the start of the input: its rows were not read */
			T.gtid[0] = 0;
			return;
		}
		txn_discard();
		buf_free(&T.txn);
		T.txn = held[k].txn;
		T.spill_fd = held[k].spill_fd;
		T.spill = held[k].spill;
		T.spilled = held[k].spilled;
		held[k] = held[--nheld];
		T.force_off = off;
		T.last_payload = 0;
		commit(off, 1, ev->when);
		T.force_off = 0;
		return;
	}
	if (n > 12 && strncasecmp(s, "XA ROLLBACK", 11) == 0) {
		xa_id(s, n, 11, id, sizeof id);
		if ((k = xa_find(id)) >= 0) {
			buf_free(&held[k].txn);
			if (held[k].spill_fd >= 0) {
				zout_close(&held[k].spill);
				close(held[k].spill_fd);
			}
			held[k] = held[--nheld];
		}
		if (T.in_txn && strcmp(id, T.xa_id) == 0)
			txn_discard();
		T.gtid[0] = 0;
		return;
	}
	/* XA END, XA PREPARE (a statement: the event follows), XA RECOVER */
}

/* XA_PREPARE event: one phase commits now; two phases wait for XA COMMIT.
 * Its body: one_phase (1), formatID (4), gtrid length (4), bqual length
 * (4), gtrid and bqual; the transaction is held under the text the server
 * writes in XA COMMIT: X'gtrid',X'bqual',formatID. */
static void xa_prepare(const struct bl_event *ev, uint64_t off, int in_payload)
{
	static const char hx[] = "0123456789abcdef";
	const uint8_t *b = ev->body;
	uint32_t fmt, gl, bl;
	size_t k = 0;
	if (!T.in_txn)
		return;
	if (ev->body_len >= 1 && b[0]) {
		commit(off, in_payload, ev->when);
		return;
	}
	if (ev->body_len < 13)
		return;
	fmt = (uint32_t)b[1] | (uint32_t)b[2] << 8 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 24;
	gl = (uint32_t)b[5] | (uint32_t)b[6] << 8 | (uint32_t)b[7] << 16 | (uint32_t)b[8] << 24;
	bl = (uint32_t)b[9] | (uint32_t)b[10] << 8 | (uint32_t)b[11] << 16 | (uint32_t)b[12] << 24;
	if (gl > 64 || bl > 64 || 13 + (size_t)gl + bl > ev->body_len)
		return;
	T.xa_id[k++] = 'X';
	T.xa_id[k++] = '\'';
	for (uint32_t i = 0; i < gl; i++) {
		T.xa_id[k++] = hx[b[13 + i] >> 4];
		T.xa_id[k++] = hx[b[13 + i] & 15];
	}
	memcpy(T.xa_id + k, "',X'", 4);
	k += 4;
	for (uint32_t i = 0; i < bl; i++) {
		T.xa_id[k++] = hx[b[13 + gl + i] >> 4];
		T.xa_id[k++] = hx[b[13 + gl + i] & 15];
	}
	snprintf(T.xa_id + k, sizeof T.xa_id - k, "',%u", fmt);
	xa_hold();
	T.gtid[0] = 0;
}

static int is_ddl(const char *s, size_t n)
{
	return kw(s, n, "CREATE") || kw(s, n, "ALTER") || kw(s, n, "DROP") || kw(s, n, "RENAME") ||
	       kw(s, n, "TRUNCATE");
}

/* Write the ddl record of a DDL statement at (file, off, row) and follow
 * what it does to column lists. */
static void ddl_emit(const struct bl_event *ev, const char *s, size_t n, uint64_t off, uint64_t row)
{
	struct mc_rec r;
	struct mc_str db = ev->db, tab = mc_str_c("", 0);
	struct mc_pos dpos = { T.fileseq, off, row };
	track_ddl(ev->db, mc_str_c(s, n), &dpos);
	ddl_table(s, n, &db, &tab);
	if (T.have_re && tab.n) {
		char key[600];
		snprintf(key, sizeof key, "%.*s.%.*s", (int)db.n, db.p, (int)tab.n, tab.p);
		if (regexec(&T.re, key, 0, NULL, 0) != 0)
			return;
	}
	memset(&r, 0, sizeof r);
	r.kind = MC_R_DDL;
	r.db = ev->db;
	r.table = tab;
	r.pos = dpos;
	r.time = ev->when;
	r.sql = ev->sql;
	emit(&r);
}

static void query(const struct bl_event *ev, const uint8_t *p, size_t pn, uint64_t start,
		  uint64_t off, int in_payload)
{
	const char *s = ev->sql.p, *end = s + ev->sql.n;
	size_t n;
	skip_ws_comments(&s, end);
	n = (size_t)(end - s);
	if (kw(s, n, "BEGIN") || (kw(s, n, "START") && n >= 17 && kw(s + 6, n - 6, "TRANSACTION"))) {
		txn_discard(); /* events of a transaction that never ended */
		T.in_txn = 1;
		return;
	}
	if (kw(s, n, "COMMIT")) {
		commit(off, in_payload, ev->when);
		return;
	}
	if (kw(s, n, "ROLLBACK") && !(n > 9 && strncasecmp(s + 9, "TO", 2) == 0)) {
		rollback();
		return;
	}
	if (kw(s, n, "XA")) {
		xa_query(ev, s, n, off, in_payload);
		return;
	}
	if (kw(s, n, "SAVEPOINT") || kw(s, n, "ROLLBACK"))
		return;
	if (is_ddl(s, n)) {
		if (T.in_txn) {
			/* CREATE TABLE ... SELECT: the DDL goes out with the rows, in
			 * order, at the commit. */
			txn_add(p, pn, start, off, in_payload);
			return;
		}
		ddl_emit(ev, s, n, off, 0);
		commit(off, in_payload, ev->when);
		return;
	}
	if (!T.in_txn)
		T.gtid[0] = 0; /* a statement outside transactions: GRANT, ... */
	/* statement-based DML inside a transaction: not decoded */
}

/* Events -------------------------------------------------------------- */

static void event(const uint8_t *p, size_t n, uint64_t start, uint64_t off, int in_payload);

static void payload(const struct bl_event *ev, uint64_t start, uint64_t off)
{
	const uint8_t *p = ev->payload, *end = p + ev->payload_len;
	/* The decoder's payload buffer is reused by nothing but another
	 * payload, which cannot nest; inner events are copied into the
	 * transaction buffer as they come. */
	while (p < end) {
		uint32_t len = bl_event_len(p, (size_t)(end - p));
		if ((size_t)(end - p) < BL_HEADER_LEN || len < BL_HEADER_LEN ||
		    len > (size_t)(end - p)) {
			struct mc_err err;
			mc_errf(&err, MC_EXIT_DATA, "transaction payload: truncated inner event");
			data_error(start, &err);
		}
		event(p, len, start, off, 1);
		p += len;
	}
}

static void event(const uint8_t *p, size_t n, uint64_t start, uint64_t off, int in_payload)
{
	struct bl_event ev;
	struct mc_err err = { 0 };
	int saved_ck = T.d.fde.checksum;

	/* Events inside a payload carry no checksum. */
	if (in_payload)
		T.d.fde.checksum = 0;
	/* Table maps and rows are decoded at the commit only: check them now. */
	if (n > 4 && (p[4] == BL_TABLE_MAP || bl_is_rows(p[4]))) {
		uint16_t fl;
		int rc = bl_check(&T.d, p, n, &fl, &err);
		if (in_payload)
			T.d.fde.checksum = saved_ck;
		if (rc < 0) {
			if (in_payload)
				mc_errctx(&err, "in transaction payload: ");
			data_error(start, &err);
		}
		txn_add(p, n, start, off, in_payload);
		if (rc != BL_TABLE_MAP && !T.in_txn && (fl & BL_ROWS_STMT_END))
			commit(off, in_payload, (uint32_t)p[0] | (uint32_t)p[1] << 8 |
						    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		return;
	}
	if (bl_decode(&T.d, p, n, &ev, &err) < 0) {
		if (in_payload) {
			T.d.fde.checksum = saved_ck;
			mc_errctx(&err, "in transaction payload: ");
		}
		data_error(start, &err);
	}
	if (in_payload)
		T.d.fde.checksum = saved_ck;

	if (ev.rows_op) {
		txn_add(p, n, start, off, in_payload);
		if (!T.in_txn && (ev.rows_flags & BL_ROWS_STMT_END))
			commit(off, in_payload, ev.when);
		return;
	}
	switch (ev.type) {
	case BL_TABLE_MAP:
		txn_add(p, n, start, off, in_payload);
		return;
	case BL_QUERY:
	case BL_MARIA_QUERY_COMPRESSED:
		query(&ev, p, n, start, off, in_payload);
		return;
	case BL_XID:
		commit(off, in_payload, ev.when);
		return;
	case BL_GTID:
	case BL_ANONYMOUS_GTID:
	case BL_GTID_TAGGED:
		txn_discard();
		memcpy(T.gtid, ev.gtid, sizeof T.gtid);
		return;
	case BL_MARIA_GTID:
		rollback();
		memcpy(T.gtid, ev.gtid, sizeof T.gtid);
		T.in_txn = !ev.gtid_standalone;
		return;
	case BL_XA_PREPARE:
		xa_prepare(&ev, off, in_payload);
		return;
	case BL_TRANSACTION_PAYLOAD:
		if (in_payload) {
			mc_errf(&err, MC_EXIT_DATA, "transaction payload inside a payload");
			data_error(start, &err);
		}
		payload(&ev, start, off);
		return;
	case BL_FDE: case BL_ROTATE: case BL_STOP: case BL_INTVAR: case BL_RAND:
	case BL_USER_VAR: case BL_INCIDENT: case BL_HEARTBEAT: case BL_HEARTBEAT_V2:
	case BL_IGNORABLE: case BL_ROWS_QUERY: case BL_PREVIOUS_GTIDS:
	case BL_TRANSACTION_CONTEXT: case BL_VIEW_CHANGE:
	case BL_MARIA_ANNOTATE_ROWS: case BL_MARIA_BINLOG_CHECKPOINT: case BL_MARIA_GTID_LIST:
	case 6: case 7: case 8: case 9: case 10: case 11: case 12: case 17: case 18:
		return;
	}
	if (ev.flags & BL_F_IGNORABLE)
		return;
	mc_errf(&err, MC_EXIT_DATA, "unknown event type %u (not marked ignorable)", ev.type);
	data_error(start, &err);
}

/* Files --------------------------------------------------------------- */

struct input {
	const char *name;
	uint64_t seq;
	int has_seq;
	size_t argi;
};

static void file_seq(struct input *in)
{
	const char *b = strrchr(in->name, '/');
	const char *dot;
	b = b ? b + 1 : in->name;
	dot = strrchr(b, '.');
	in->has_seq = dot && dot[1] && num_u64(dot + 1, &in->seq) == 0;
	if (!in->has_seq && dot && dot > b && strcmp(dot, ".zst") == 0) {
		/* mysql-bin.000042.zst */
		const char *d2 = dot - 1;
		while (d2 > b && *d2 != '.')
			d2--;
		if (*d2 == '.' && num_u64n(d2 + 1, (size_t)(dot - d2 - 1), &in->seq) == 0)
			in->has_seq = 1;
	}
	if (!in->has_seq)
		in->seq = 0;
}

static int input_cmp(const void *a, const void *b)
{
	const struct input *x = a, *y = b;
	if (x->has_seq && y->has_seq && x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->argi < y->argi ? -1 : x->argi > y->argi;
}

struct stop {
	int have_pos, have_time;
	uint64_t pos;
	int64_t time;
};

/* Returns 1 when a stop condition ended the input. */
static int read_file(const struct input *in, uint64_t from, const struct stop *st, int last)
{
	struct zin z;
	struct bl_file f;
	struct mc_err err = { 0 };
	const uint8_t *p;
	size_t n;
	uint64_t start;
	int fd, rc;

	T.fname = in->name;
	T.fileseq = in->seq;
	fd = strcmp(in->name, "-") == 0 ? 0 : open(in->name, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "%s: '%s': %s\n", prog, in->name, strerror(errno));
		exit(MC_EXIT_DATA);
	}
	zin_init(&z, fd);
	bl_file_init_zin(&f, &z);
	if (bl_file_magic(&f, &err) < 0)
		data_error(UINT64_MAX, &err);
	bl_forget_tables(&T.d);
	rollback();
	while ((rc = bl_file_next(&f, &p, &n, &start, &err)) == 1) {
		uint64_t off = start + n;
		if (from > 4 && start < from) {
			/* Before the start position: only the format matters. */
			if (p[4] == BL_FDE) {
				struct bl_event ev;
				if (bl_decode(&T.d, p, n, &ev, &err) < 0)
					data_error(start, &err);
			} else if (off > from) {
				mc_errf(&err, MC_EXIT_USAGE,
					"--from position %" PRIu64 " is inside an event", from);
				data_error(start, &err);
			}
			continue;
		}
		if (st->have_pos && last && start >= st->pos)
			rc = 2;
		else if (st->have_time && p[4] != BL_FDE &&
			 (int64_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				   (uint32_t)p[3] << 24) >= st->time && p[0] | p[1] | p[2] | p[3])
			rc = 2;
		if (rc == 2)
			break;
		event(p, n, start, off, 0);
		if (n > (1u << 20)) {
			bl_trim(&T.d);
			bl_file_trim(&f);
		}
	}
	if (rc < 0)
		data_error(UINT64_MAX, &err);
	if (rc == 1 && from > 4 && f.base + f.pos < from) {
		mc_errf(&err, MC_EXIT_USAGE, "--from position %" PRIu64 " is beyond the end", from);
		data_error(UINT64_MAX, &err);
	}
	bl_file_free(&f);
	zin_close(&z);
	if (fd != 0)
		close(fd);
	/* A transaction never spans files: an incomplete one is not written,
	 * but its events are decoded, so that bad data in them is reported. */
	if (rc == 0 && (T.txn.len || T.spill_fd >= 0)) {
		T.dry = 1;
		if (T.spill_fd >= 0) {
			replay_spilled();
		} else {
			for (size_t i = 0; i < T.txn.len;) {
				const uint8_t *h = (const uint8_t *)T.txn.p + i;
				replay_one(h);
				i += TXN_HDR + (size_t)hdr_len(h);
			}
		}
		T.dry = 0;
	}
	rollback();
	return rc == 2;
}

/* Live: the server's binlog through a replica connection ----------- */

static volatile sig_atomic_t got_stop;
static volatile sig_atomic_t live_fd = -1;

/* SIGTERM/SIGINT: end the stream; the transaction being read is not
 * written, the ones before it are (and were flushed). Connector/C retries
 * a read cut by a signal, so the connection is shut down. */
static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
	if (live_fd >= 0)
		shutdown(live_fd, SHUT_RDWR);
}

static noreturn void live_fail(const struct mc_err *err)
{
	out_flush();
	if (T.fname && T.fname[0])
		fprintf(stderr, "%s: server binlog '%s': %s\n", prog, T.fname, err->msg);
	else
		fprintf(stderr, "%s: %s\n", prog, err->msg);
	exit(err->code ? err->code : MC_EXIT_DATA);
}

/* A heartbeat mark: the source is alive and everything before pos was
 * read (only between transactions: a checkpoint may resume from it). */
static void heartbeat(uint64_t pos)
{
	struct mc_rec r;
	if (T.in_txn || T.txn.len || T.spill_fd >= 0)
		return;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_MARK;
	r.mark = MC_MARK_HEARTBEAT;
	r.pos.file = T.fileseq;
	r.pos.off = pos;
	r.pos.row = 0;
	r.time = (uint32_t)time(NULL);
	r.db = r.table = mc_str_c("", 0);
	r.label = mc_str_c("", 0);
	emit(&r);
	out_flush();
}

static char resume_file[512];
static uint64_t resume_pos;
static time_t lost_at;
static unsigned backoff = 1;
static double retry_sec = 720 * 60.0;
static const char *live_gtid; /* start from this GTID set (no file) */
static char gtid_state[65536];  /* started from a GTID set: it, and the GTIDs
				* of the transactions read since */
static uint64_t out_seq, out_pos; /* the highest position between transactions */

/* Events until a stop (1), the end (0) or an error (-1). */
static int live_loop(struct blr *r, unsigned heartbeat_ms, const struct stop *st,
		     struct mc_err *err)
{
	const uint8_t *p;
	size_t n;
	uint64_t start;
	int rc = 0;
	while (!got_stop && (rc = blr_next(r, &p, &n, &start, err)) >= 1) {
		if (r->new_file) {
			/* A transaction never spans files. */
			bl_forget_tables(&T.d);
			rollback();
			T.fname = r->file;
			T.fileseq = r->fileseq;
		}
		if (rc == 2) {
			/* not below what was written (from a GTID set the server
			 * may still be passing over what the set holds) */
			if (heartbeat_ms && (T.fileseq > out_seq || (T.fileseq == out_seq &&
								     start >= out_pos)))
				heartbeat(start);
			continue;
		}
		if (start == UINT64_MAX) {
			/* the format description re-sent when starting past 4 */
			struct bl_event ev;
			if (p[4] != BL_FDE || bl_decode(&T.d, p, n, &ev, err) < 0) {
				if (!err->code)
					mc_errf(err, MC_EXIT_DATA, "unexpected event without position");
				data_error(UINT64_MAX, err);
			}
			continue;
		}
		if (st->have_pos && start >= st->pos)
			return 1;
		if (st->have_time && p[4] != BL_FDE &&
		    (int64_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			      (uint32_t)p[3] << 24) >= st->time && (p[0] | p[1] | p[2] | p[3]))
			return 1;
		if (gtid_state[0] && T.gtid[0]) {
			/* the transaction's GTID, for the set to reconnect with */
			char g[sizeof T.gtid];
			memcpy(g, T.gtid, sizeof g);
			event(p, n, start, start + n, 0);
			if (!T.gtid[0] && !T.in_txn &&
			    (blr_gtid_is_mysql(gtid_state)
				     ? blr_mygtid_add(gtid_state, sizeof gtid_state, g)
				     : blr_gtid_add(gtid_state, sizeof gtid_state, g)) < 0) {
				mc_errf(err, MC_EXIT_DATA, "GTID set too long, or GTID '%s' not of "
					"the set's kind (D-S-N or UUID:N)", g);
				live_fail(err);
			}
		} else {
			event(p, n, start, start + n, 0);
		}
		if (n > (1u << 20))
			bl_trim(&T.d);
		if (!T.in_txn && !T.txn.len && T.spill_fd < 0 &&
		    (r->fileseq > out_seq || (r->fileseq == out_seq && r->pos >= out_pos))) {
			/* between transactions: a reconnection resumes here */
			snprintf(resume_file, sizeof resume_file, "%s", r->file);
			resume_pos = r->pos;
			out_seq = r->fileseq;
			out_pos = r->pos;
			lost_at = 0;
			backoff = 1;
		}
	}
	return got_stop ? 1 : rc;
}

static void read_live(const struct my_opts *o, const char *file, uint64_t pos, uint32_t sid,
		      int flags, unsigned heartbeat_ms, const struct stop *st)
{
	static struct blr r;
	struct mc_err err = { 0 };
	int rc = 0, opened = 0;
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop; /* no SA_RESTART: a blocked read returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	T.fname = NULL;
	snprintf(resume_file, sizeof resume_file, "%s", file ? file : "");
	resume_pos = pos;
	if (!file && snprintf(gtid_state, sizeof gtid_state, "%s", live_gtid) >=
		     (int)sizeof gtid_state)
		prog_usage_error("%s", "GTID set too long");
	if (!file && blr_gtid_is_mysql(gtid_state)) {
		/* one line, sorted and merged, for messages and reconnections */
		struct blr_gtset gs = { 0 };
		struct mc_buf b = { 0 };
		if (blr_gtset_parse(live_gtid, &gs, &err) < 0 || blr_gtset_format(&gs, &b) < 0 ||
		    b.len >= sizeof gtid_state)
			prog_usage_error("bad or too long GTID set: %s", err.msg);
		memcpy(gtid_state, b.p, b.len);
		gtid_state[b.len] = 0;
		blr_gtset_free(&gs);
		buf_free(&b);
	}
	for (;;) {
		/* from a GTID set: always (reconnecting with the set of what
		 * was read), so that what the set holds stays left out */
		if ((!gtid_state[0] ? blr_open(&r, o, resume_file, resume_pos, sid, flags,
					       heartbeat_ms, &err)
				    : blr_open_gtid(&r, o, gtid_state, sid, flags, heartbeat_ms,
						    &err)) == 0) {
			live_fd = blr_socket(&r);
			opened = 1;
			T.fname = r.file;
			T.fileseq = r.fileseq;
			rc = live_loop(&r, heartbeat_ms, st, &err);
			live_fd = -1;
			if (rc >= 0 || got_stop)
				break;
		}
		/* A lost connection: again from the end of the last complete
		 * transaction (what was written), with backoff, within
		 * --retry-time. */
		if (err.code != MC_EXIT_TRANSIENT || got_stop || !opened)
			live_fail(&err); /* the first connection is not retried */
		{
			time_t now = time(NULL);
			if (lost_at == 0)
				lost_at = now;
			if ((double)(now - lost_at) >= retry_sec)
				live_fail(&err);
			if (!gtid_state[0])
				fprintf(stderr, "%s: %s; reconnecting in %u s from %s:%" PRIu64 "\n",
					prog, err.msg, backoff, resume_file, resume_pos);
			else
				fprintf(stderr, "%s: %s; reconnecting in %u s from GTID %s\n", prog,
					err.msg, backoff, gtid_state);
		}
		blr_close(&r);
		rollback();
		for (unsigned i = 0; i < backoff * 10 && !got_stop; i++)
			nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
		if (got_stop)
			break;
		backoff = backoff < 30 ? backoff * 2 : 60;
		memset(&err, 0, sizeof err);
	}
	/* An open transaction is not written (stop, or the end of the binlog). */
	rollback();
	blr_close(&r);
	out_flush();
}

/* Where a live tail starts: the checkpoint's resume position (the binlog
 * named by its sequence number on the server), else its GTID set when that
 * binlog is gone; without a checkpoint file, --start or --start-gtid. Sets
 * file and pos, or file NULL and live_gtid. */
static void live_resume(const struct my_opts *o, const char *ckpt_in, const char *start_at,
			const char *start_gtid, char **file, uint64_t *pos)
{
	struct ckpt c;
	struct mc_err err = { 0 };
	const char *v, *g;
	struct mc_pos rp;
	char name[512], first[256], last[256];
	int rc;

	*file = NULL;
	if (ckpt_in) {
		rc = ckpt_read(ckpt_in, &c, &err);
		if (rc < 0)
			prog_fail(&err);
		if (rc > 0 && (v = ckpt_get(&c, "resume"))) {
			if (pos_parse(v, &rp, &err) < 0 || rp.off < 4 || rp.off > UINT32_MAX) {
				fprintf(stderr, "%s: '%s': bad resume position '%s'\n", prog, ckpt_in, v);
				exit(MC_EXIT_DATA);
			}
			g = ckpt_get(&c, "gtid");
			rc = blr_find_file(o, rp.file, name, sizeof name, first, last, sizeof first,
					   &err);
			if (rc < 0)
				live_fail(&err);
			if (rc > 0) {
				*file = strdup(name);
				*pos = rp.off;
			} else if (g && *g && blr_gtid_is_mysql(g)) {
				/* The sink keeps the last GTID per UUID; the set
				 * executed up to there is UUID:1-N only when that
				 * server's transactions have no gaps: not assumed. */
				fprintf(stderr, "%s: '%s': the server has no binlog number %" PRIu64
					" (it has %s to %s), and resuming from the checkpoint's MySQL "
					"GTIDs %s is not done (they are the last per UUID, not the "
					"executed set): give --start-gtid with the executed set (e.g. "
					"UUID:1-N per UUID when there are no gaps) and no --checkpoint-in\n",
					prog, ckpt_in, rp.file, first[0] ? first : "none",
					last[0] ? last : "none", g);
				exit(MC_EXIT_DATA);
			} else if (g && *g && blr_gtid_ok(g)) {
				fprintf(stderr, "%s: '%s': the server has no binlog number %" PRIu64
					" (it has %s to %s): resuming from its GTID set %s\n", prog,
					ckpt_in, rp.file, first[0] ? first : "none",
					last[0] ? last : "none", g);
				live_gtid = strdup(g);
				if (!live_gtid)
					exit(MC_EXIT_DATA);
			} else {
				fprintf(stderr, "%s: '%s': cannot resume from %s: the server has no "
					"binlog number %" PRIu64 " (purged?): it has %s to %s\n", prog,
					ckpt_in, v, rp.file, first[0] ? first : "none",
					last[0] ? last : "none");
				exit(MC_EXIT_DATA);
			}
			if (*file == NULL && live_gtid == NULL)
				exit(MC_EXIT_DATA);
			ckpt_free(&c);
			return;
		}
		if (rc > 0 && !start_at && !start_gtid)
			prog_usage_error("'%s' has no resume position (only a snapshot, or an "
					 "older mc-tunnel-put): give --start or --start-gtid", ckpt_in);
		if (rc == 0 && !start_at && !start_gtid)
			prog_usage_error("no checkpoint '%s' yet: the first run needs --start or "
					 "--start-gtid", ckpt_in);
		if (rc > 0)
			ckpt_free(&c);
	}
	if (start_gtid) {
		live_gtid = start_gtid;
		return;
	}
	{
		const char *colon = strrchr(start_at, ':');
		if (!colon || colon == start_at || num_u64(colon + 1, pos) < 0 || *pos < 4 ||
		    *pos > UINT32_MAX)
			prog_usage_error("bad --start '%s' (want FILE:POS)", start_at);
		*file = strndup(start_at, (size_t)(colon - start_at));
		if (!*file)
			exit(MC_EXIT_DATA);
		if (strchr(*file, '/'))
			prog_usage_error("bad --start '%s': FILE is a binlog name on the server",
					 start_at);
	}
}

/* The decoder's settings, and the output stream's header (mcr). */
static void begin(int nocheck, int partial_absent)
{
	struct mc_err err = { 0 };
	bl_init(&T.d);
	T.d.verify_checksum = !nocheck;
	T.d.partial_json_absent = partial_absent;
	if (!T.text) {
		struct mc_kv meta[2] = {
			{ mc_str_c("program", 7), mc_str_c(prog, strlen(prog)) },
			{ mc_str_c("version", 7), mc_str_c(MC_VERSION, strlen(MC_VERSION)) },
		};
		if (rio_winit(&T.w, 1, 0, &err) < 0 || rio_begin(&T.w, meta, 2, &err) < 0)
			out_fail(&err);
	}
}

static const char *base_name(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

/* A binlog index file: one binlog name a line; relative names are relative
 * to the index file's folder. */
static void read_index(const char *path, char ***names, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	if (!f) {
		fprintf(stderr, "%s: '%s': %s\n", prog, path, strerror(errno));
		exit(MC_EXIT_USAGE);
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *name, **nn;
		const char *l = line;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (len == 0)
			continue;
		if (l[0] == '.' && l[1] == '/')
			l += 2;
		if (l[0] == '/' || dirlen == 0) {
			name = strdup(l);
		} else {
			size_t ln = strlen(l);
			name = malloc(dirlen + ln + 1);
			if (name) {
				memcpy(name, path, dirlen);
				memcpy(name + dirlen, l, ln + 1);
			}
		}
		nn = realloc(*names, (*n + 1) * sizeof *nn);
		if (!name || !nn) {
			fprintf(stderr, "%s: out of memory\n", prog);
			exit(MC_EXIT_DATA);
		}
		*names = nn;
		nn[(*n)++] = name;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: '%s': read error\n", prog, path);
		exit(MC_EXIT_USAGE);
	}
	free(line);
	fclose(f);
}

static int parse_datetime(const char *s, int64_t *out)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return -1;
	if (s[n]) {
		int m = 0;
		if (sscanf(s + n, " %2d:%2d:%2d%n", &h, &mi, &se, &m) != 3 || s[n + m])
			return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*out = (int64_t)timegm(&tm);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "stop-position", required_argument, NULL, 'P' },
		{ "stop-datetime", required_argument, NULL, 'D' },
		{ "tables", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ "no-checksum", no_argument, NULL, 'C' },
		{ "partial-json", required_argument, NULL, 'J' },
		{ "index", required_argument, NULL, 'I' },
		{ "schema", required_argument, NULL, 's' },
		{ "txn-memory", required_argument, NULL, 'M' },
		{ "start", required_argument, NULL, 'A' },
		MY_LONGOPTS,
		{ "server-id", required_argument, NULL, 'i' },
		{ "stop-at-end", no_argument, NULL, 'E' },
		{ "heartbeat", required_argument, NULL, 'B' },
		{ "retry-time", required_argument, NULL, 'R' },
		{ "column-names", required_argument, NULL, 'N' },
		{ "checkpoint-in", required_argument, NULL, 'K' },
		{ "start-gtid", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct stop st = { 0 };
	const char *from = NULL;
	char *from_file = NULL;
	uint64_t from_pos = 0;
	struct input *in = NULL;
	size_t nin, first = 0;
	int c, nocheck = 0, partial_absent = 0;
	const char *index_file = NULL;
	char **names = NULL;
	size_t nnames = 0;
	struct mc_err err = { 0 };
	struct my_opts mo = { 0 };
	const char *start_at = NULL, *ckpt_in = NULL, *start_gtid = NULL;
	char *live_file = NULL;
	uint64_t live_pos = 0, sid = 4200001;
	int live_flags = 0, live_conn = 0;
	double hb_sec = 30;

	prog_init(prog);
	T.spill_fd = -1;
	T.txn_memory = 256ull << 20;
	while ((c = getopt_long(argc, argv, "f:s:t:hV", lo, NULL)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 'P':
			if (num_u64(optarg, &st.pos) < 0)
				prog_usage_error("bad --stop-position '%s'", optarg);
			st.have_pos = 1;
			break;
		case 'D':
			if (parse_datetime(optarg, &st.time) < 0)
				prog_usage_error("bad --stop-datetime '%s' (want 'YYYY-MM-DD hh:mm:ss')", optarg);
			st.have_time = 1;
			break;
		case 't': {
			int rc = regcomp(&T.re, optarg, REG_EXTENDED | REG_NOSUB);
			if (rc != 0)
				prog_usage_error("bad --tables regular expression '%s'", optarg);
			T.have_re = 1;
			break;
		}
		case 'F':
			if (strcmp(optarg, "text") == 0)
				T.text = 1;
			else if (strcmp(optarg, "mcr") == 0)
				T.text = 0;
			else
				prog_usage_error("bad --format '%s' (want mcr or text)", optarg);
			break;
		case 'C': nocheck = 1; break;
		case 'I': index_file = optarg; break;
		case 's': load_schema(optarg); break;
		case 'M':
			if (num_size(optarg, &T.txn_memory) < 0)
				prog_usage_error("bad --txn-memory '%s'", optarg);
			break;
		case 'J':
			if (strcmp(optarg, "absent") == 0)
				partial_absent = 1;
			else if (strcmp(optarg, "error") == 0)
				partial_absent = 0;
			else
				prog_usage_error("bad --partial-json '%s' (want error or absent)", optarg);
			break;
		case 'A': start_at = optarg; break;
		case 'K': ckpt_in = optarg; break;
		case 'G': start_gtid = optarg; break;
		case MY_O_HOST: case MY_O_PORT: case MY_O_SOCKET: case MY_O_USER:
		case MY_O_DEFAULTS: case MY_O_SSL_CA: case MY_O_SSL_CERT: case MY_O_SSL_KEY:
		case MY_O_SSL_MODE:
			/* the connection options of the mysql clients (myconn.h) */
			if (my_opt(&mo, c, optarg, &err) < 0)
				prog_usage_error("%s", err.msg);
			if (c == MY_O_HOST || c == MY_O_PORT || c == MY_O_SOCKET || c == MY_O_DEFAULTS)
				live_conn = 1;
			break;
		case 'i':
			if (num_u64(optarg, &sid) < 0 || sid == 0 || sid > UINT32_MAX)
				prog_usage_error("bad --server-id '%s' (want 1 to 4294967295)", optarg);
			break;
		case 'E': live_flags |= BLR_NON_BLOCK; break;
		case 'N': {
			int i;
			if (opt_choice("column-names", optarg, colnames_names, &i, &err) < 0)
				prog_usage_error("%s", err.msg);
			colnames = CN_BINLOG + i;
			break;
		}
		case 'R': {
			char *e;
			errno = 0;
			retry_sec = strtod(optarg, &e) * 60;
			if (errno || e == optarg || *e || !(retry_sec >= 0 && retry_sec < 1e9))
				prog_usage_error("bad --retry-time '%s' (want minutes, 0 for none)", optarg);
			break;
		}
		case 'B': {
			char *e;
			errno = 0;
			hb_sec = strtod(optarg, &e);
			if (errno || e == optarg || *e || !(hb_sec >= 0 && hb_sec <= 4294967))
				prog_usage_error("bad --heartbeat '%s' (want seconds, 0 for none)", optarg);
			break;
		}
		case 'h': usage(stdout); return fflush(stdout) == 0 ? 0 : MC_EXIT_DATA;
		case 'V': printf("%s %s\n", prog, MC_VERSION); return 0;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n", prog);
			return MC_EXIT_USAGE;
		}
	}
	if (from) {
		const char *colon = strrchr(from, ':');
		if (!colon || colon == from || num_u64(colon + 1, &from_pos) < 0 || from_pos < 4)
			prog_usage_error("bad --from '%s' (want FILE:POS)", from);
		from_file = strndup(from, (size_t)(colon - from));
	}
	if (start_at || live_conn || ckpt_in || start_gtid) {
		if (!start_at && !ckpt_in && !start_gtid)
			prog_usage_error("%s", "a server connection needs --start=FILE:POS, "
					 "--start-gtid=SET or --checkpoint-in=FILE");
		if (start_at && start_gtid)
			prog_usage_error("%s", "--start and --start-gtid: give one");
		if (start_gtid && blr_gtid_is_mysql(start_gtid)) {
			struct blr_gtset gs = { 0 };
			struct mc_err e = { 0 };
			int bad = blr_gtset_parse(start_gtid, &gs, &e) < 0;
			blr_gtset_free(&gs);
			if (bad)
				prog_usage_error("--start-gtid: %s", e.msg);
		} else if (start_gtid && !blr_gtid_ok(start_gtid)) {
			prog_usage_error("bad --start-gtid '%s' (want a MariaDB GTID set "
					 "D-S-N[,D-S-N]... or a MySQL one UUID:N-M[,UUID:N-M]...)",
					 start_gtid);
		}
		if (!live_conn)
			prog_usage_error("%s", "--start, --start-gtid and --checkpoint-in need "
					 "--socket, --host or --defaults-file");
		if (optind < argc || index_file || from)
			prog_usage_error("%s", "--start reads from the server: no FILE, --from or --index");
		if (colnames == CN_DEFAULT)
			colnames = CN_SERVER;
		srv_opts = &mo;
		live_resume(&mo, ckpt_in, start_at, start_gtid, &live_file, &live_pos);
		begin(nocheck, partial_absent);
		read_live(&mo, live_file, live_pos, (uint32_t)sid, live_flags,
			  (unsigned)(hb_sec * 1000), &st);
		if (srv)
			mysql_close(srv);
		goto end;
	}
	if (colnames == CN_SERVER)
		prog_usage_error("%s", "--column-names=server needs a server (--start)");
	nin = (size_t)(argc - optind);
	if (index_file)
		read_index(index_file, &names, &nnames);
	if (nin + nnames == 0 && !from_file)
		prog_usage_error("%s", "no binlog FILE given");
	in = calloc(nin + nnames ? nin + nnames : 1, sizeof *in);
	if (!in)
		return MC_EXIT_DATA;
	for (size_t i = 0; i < nin + nnames; i++) {
		in[i].name = i < nin ? argv[optind + (int)i] : names[i - nin];
		in[i].argi = i;
		file_seq(&in[i]);
	}
	nin += nnames;
	if (nin == 0) {
		in[0].name = from_file;
		file_seq(&in[0]);
		nin = 1;
	}
	qsort(in, nin, sizeof *in, input_cmp);
	for (size_t i = 1; i < nin; i++)
		if (in[i].seq == in[i - 1].seq)
			prog_usage_error("'%s' and '%s' have the same file number %llu: their positions "
				  "would collide", in[i - 1].name, in[i].name,
				  (unsigned long long)in[i].seq);
	if (from_file) {
		size_t i;
		for (i = 0; i < nin; i++)
			if (strcmp(in[i].name, from_file) == 0)
				break;
		if (i == nin)
			for (i = 0; i < nin; i++)
				if (strcmp(base_name(in[i].name), base_name(from_file)) == 0)
					break;
		if (i == nin)
			prog_usage_error("--from file '%s' is not among the FILEs", from_file);
		first = i;
	}

	begin(nocheck, partial_absent);
	for (size_t i = first; i < nin; i++)
		if (read_file(&in[i], i == first ? from_pos : 0, &st, i + 1 == nin))
			break;
end:
	if (!T.text) {
		if (rio_end(&T.w, &err) < 0 || rio_wclose(&T.w, &err) < 0)
			out_fail(&err);
	} else {
		text_flush();
	}
	if (close(1) < 0 && errno != EINTR) {
		fprintf(stderr, "%s: standard output: %s\n", prog, strerror(errno));
		return MC_EXIT_DATA;
	}
	bl_free(&T.d);
	free(in);
	free(from_file);
	free(live_file);
	return 0;
}
