/* Unit tests of the binlog decoder (common/binlog*.c).
 * With "--read FILE.mcr" it is instead a small checker used by the shell
 * tests: it reads a record stream strictly and prints the count of each
 * record kind ("schema N row N ddl N mark N"). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include "binlog/binlog.h"
#include "binlog/binlog_int.h"
#include "base/num.h"
#include "stream/rec.h"
#include "stream/recio.h"

#define TAP_NAME "t_binlog"
#include "tap.h"

/* One check of the group name ("json diff", "bytewise", ...). */
static void check(int ok, const char *name, const char *desc, const char *why)
{
	char what[512];
	snprintf(what, sizeof what, "%s: %s", name, desc);
	tap_check(ok, what, "%s", why);
}

static int read_stream(const char *path)
{
	struct rio_reader r;
	struct mc_rec rec;
	struct mc_err err = { 0 };
	unsigned long n[MC_R_NKINDS] = { 0 };
	int fd = open(path, O_RDONLY), rc;
	if (fd < 0) {
		perror(path);
		return 1;
	}
	rio_init(&r, fd, RIO_AUTO);
	while ((rc = rio_next(&r, &rec, &err)) == 1)
		n[rec.kind]++;
	rio_close(&r);
	close(fd);
	if (rc < 0) {
		fprintf(stderr, "t_binlog: '%s': %s\n", path, err.msg);
		return 1;
	}
	if (n[MC_R_HEADER] != 1 || n[MC_R_TRAILER] != 1) {
		fprintf(stderr, "t_binlog: '%s': %lu headers, %lu trailers\n", path, n[MC_R_HEADER],
			n[MC_R_TRAILER]);
		return 1;
	}
	printf("schema %lu row %lu ddl %lu mark %lu\n", n[MC_R_SCHEMA], n[MC_R_ROW], n[MC_R_DDL],
	       n[MC_R_MARK]);
	return 0;
}

/* --schema-out FILE [DB TABLE FILE:OFF:ROW NAME,NAME,... KEY]...: write a
 * record stream of schema records (KEY: 1-based column numbers, comma
 * separated, or "-"), for the --schema tests of mc-binlog-tail. */
static int write_schema(int argc, char **argv)
{
	struct rio_writer w;
	struct mc_err err = { 0 };
	int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || rio_winit(&w, fd, 0, &err) < 0 || rio_begin(&w, NULL, 0, &err) < 0)
		return 1;
	for (int i = 3; i + 4 < argc; i += 5) {
		struct mc_rec r;
		struct mc_col cols[64];
		uint32_t key[64];
		size_t nc = 0, nk = 0;
		char *names = argv[i + 3], *tok, *save;
		memset(&r, 0, sizeof r);
		r.kind = MC_R_SCHEMA;
		r.db = mc_str_c(argv[i], strlen(argv[i]));
		r.table = mc_str_c(argv[i + 1], strlen(argv[i + 1]));
		r.schema_version = (uint64_t)(i / 5 + 1);
		if (pos_parse(argv[i + 2], &r.pos, &err) < 0)
			return 1;
		for (tok = strtok_r(names, ",", &save); tok && nc < 64; tok = strtok_r(NULL, ",", &save)) {
			memset(&cols[nc], 0, sizeof cols[nc]);
			cols[nc].name = mc_str_c(tok, strlen(tok));
			cols[nc].mysql_type = mc_str_c("int", 3);
			cols[nc].mc_type = mc_str_c("INT", 3);
			cols[nc].nullable = true;
			nc++;
		}
		if (strcmp(argv[i + 4], "-") != 0)
			for (tok = strtok_r(argv[i + 4], ",", &save); tok && nk < 64;
			     tok = strtok_r(NULL, ",", &save)) {
				uint64_t k;
				if (num_u64(tok, &k) < 0 || k == 0 || k > nc)
					return 1;
				key[nk++] = (uint32_t)k - 1;
			}
		r.cols = cols;
		r.ncols = nc;
		r.key = key;
		r.nkey = nk;
		if (rio_write(&w, &r, &err) < 0) {
			fprintf(stderr, "t_binlog: %s\n", err.msg);
			return 1;
		}
	}
	if (rio_end(&w, &err) < 0 || rio_wclose(&w, &err) < 0)
		return 1;
	return close(fd) < 0;
}

static void t_decimal(void)
{
	/* DECIMAL(10,2) 1234567.89: intg 8 = one partial group of 8 digits (4
	 * bytes) then frac 2 digits (1 byte); sign bit set for positive. */
	uint8_t pos[5] = { 0x80, 0x12, 0xd6, 0x87, 89 };
	uint8_t neg[5];
	char out[80];
	size_t n;
	n = bl_decimal_text(pos, 10, 2, out);
	out[n] = 0;
	check(strcmp(out, "1234567.89") == 0, "decimal", "positive DECIMAL(10,2)", out);
	for (int i = 0; i < 5; i++)
		neg[i] = (uint8_t)~pos[i];
	n = bl_decimal_text(neg, 10, 2, out);
	out[n] = 0;
	check(strcmp(out, "-1234567.89") == 0, "decimal", "negative DECIMAL(10,2)", out);
	{
		uint8_t z[5] = { 0x80, 0, 0, 0, 5 };
		n = bl_decimal_text(z, 10, 2, out);
		out[n] = 0;
		check(strcmp(out, "0.05") == 0, "decimal", "leading zeros dropped, scale kept", out);
	}
	{
		/* every DECIMAL(p,s) of up to 8 digits each side, random values
		 * of each sign: encoded here as MySQL does, and back */
		static const unsigned nbytes[10] = { 0, 1, 1, 2, 2, 3, 3, 4, 4, 4 };
		uint32_t seed = 99;
		char want[80], got[80];
		int bad = 0;
		for (unsigned prec = 1; prec <= 16 && !bad; prec++)
			for (unsigned scale = 0; scale <= prec && !bad; scale++) {
				unsigned intg = prec - scale, nbi, nbf, size;
				if (intg > 8 || scale > 8)
					continue;
				nbi = nbytes[intg];
				nbf = nbytes[scale];
				size = nbi + nbf;
				for (int r = 0; r < 200 && !bad; r++) {
					uint64_t pi = 1, pf = 1, vi, vf, x;
					uint8_t b[8];
					int minus;
					for (unsigned i = 0; i < intg; i++)
						pi *= 10;
					for (unsigned i = 0; i < scale; i++)
						pf *= 10;
					seed = seed * 1103515245u + 12345u;
					vi = r < 3 ? 0 : (seed >> 4) % pi;
					seed = seed * 1103515245u + 12345u;
					vf = r < 2 ? 0 : (seed >> 4) % pf;
					minus = r % 2;
					x = vi << (8 * nbf) | vf;
					for (unsigned i = 0; i < size; i++)
						b[i] = (uint8_t)(x >> (8 * (size - 1 - i)));
					b[0] ^= 0x80;
					if (minus)
						for (unsigned i = 0; i < size; i++)
							b[i] = (uint8_t)~b[i];
					if (scale)
						snprintf(want, sizeof want, "%s%llu.%0*llu",
							 minus && (vi || vf) ? "-" : "",
							 (unsigned long long)vi, (int)scale,
							 (unsigned long long)vf);
					else
						snprintf(want, sizeof want, "%s%llu", minus && vi ? "-" : "",
							 (unsigned long long)vi);
					n = bl_decimal_text(b, prec, scale, got);
					got[n] = 0;
					if (strcmp(got, want) != 0) {
						bad = 1;
						printf("# DECIMAL(%u,%u): %s, want %s\n", prec, scale, got,
						       want);
					}
				}
			}
		check(!bad, "decimal", "small DECIMALs of each sign to their text", "differs");
	}
}

/* One value of type `type` (meta) from bytes p: 0 and its text, or -1
 * and the error. */
static int one_value(uint8_t type, uint16_t meta, const uint8_t *p, size_t n, char *out,
		     size_t outsz)
{
	struct bl_decoder d;
	struct bl_col c;
	struct mc_val v;
	struct mc_err err = { 0 };
	size_t used;
	int rc;
	bl_init(&d);
	memset(&c, 0, sizeof c);
	c.type = c.wire_type = type;
	c.meta = meta;
	rc = bl_value(&d, &c, p, n, &used, &v, &err);
	if (rc == 0)
		snprintf(out, outsz, "%.*s", (int)v.v.s.n, v.v.s.p);
	else
		snprintf(out, outsz, "%.200s", err.msg);
	bl_free(&d);
	return rc;
}

/* The temporal ranges the decoder checks itself (rec_encode_decoded
 * relies on them): what MySQL writes decodes, what it cannot store stops. */
static void t_ranges(void)
{
	char out[256];
	/* DATETIME2(0): 1 sign bit, 17 bits year*13+month, 5 day, 5 hour, 6
	 * minute, 6 second, big-endian, offset 0x8000000000 */
	uint64_t ym = 2024 * 13 + 2, ok = ((((ym << 5 | 29) << 5 | 23) << 6 | 59) << 6 | 59);
	uint64_t bad = ((((ym << 5 | 29) << 5 | 24) << 6 | 0) << 6 | 0);
	uint8_t b[8];
	for (int i = 0; i < 5; i++)
		b[i] = (uint8_t)((ok + 0x8000000000ULL) >> (8 * (4 - i)));
	check(one_value(BL_T_DATETIME2, 0, b, 5, out, sizeof out) == 0 &&
		      strcmp(out, "2024-02-29 23:59:59") == 0,
	      "ranges", "DATETIME2 23:59:59 decodes", out);
	for (int i = 0; i < 5; i++)
		b[i] = (uint8_t)((bad + 0x8000000000ULL) >> (8 * (4 - i)));
	check(one_value(BL_T_DATETIME2, 0, b, 5, out, sizeof out) < 0 && strstr(out, "out of range"),
	      "ranges", "DATETIME2 with hour 24 is refused", out);
	/* DATETIME2(6) with a fraction of 1,000,000 us */
	for (int i = 0; i < 5; i++)
		b[i] = (uint8_t)((ok + 0x8000000000ULL) >> (8 * (4 - i)));
	b[5] = 0x0f, b[6] = 0x42, b[7] = 0x40; /* 1000000 */
	check(one_value(BL_T_DATETIME2, 6, b, 8, out, sizeof out) < 0 && strstr(out, "out of range"),
	      "ranges", "DATETIME2(6) with 1000000 microseconds is refused (was wrapped to .000000)",
	      out);
	/* DATE: 15 bits year, 4 month, 5 day, little-endian */
	{
		uint32_t x = 2024u << 9 | 12u << 5 | 31u, y = 2024u << 9 | 13u << 5 | 1u;
		uint8_t d3[3] = { (uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16) };
		check(one_value(BL_T_DATE, 0, d3, 3, out, sizeof out) == 0 && strcmp(out, "2024-12-31") == 0,
		      "ranges", "DATE 2024-12-31 decodes", out);
		d3[0] = (uint8_t)y, d3[1] = (uint8_t)(y >> 8), d3[2] = (uint8_t)(y >> 16);
		check(one_value(BL_T_DATE, 0, d3, 3, out, sizeof out) < 0 && strstr(out, "month 13"),
		      "ranges", "DATE with month 13 is refused", out);
	}
	/* TIME2(0): 1 sign, 1 unused, 10 hour, 6 minute, 6 second, offset 0x800000 */
	{
		uint32_t t = 838u << 12 | 59u << 6 | 59u, u = 839u << 12;
		uint8_t t3[3];
		t3[0] = (uint8_t)((t + 0x800000) >> 16), t3[1] = (uint8_t)((t + 0x800000) >> 8),
		t3[2] = (uint8_t)(t + 0x800000);
		check(one_value(BL_T_TIME2, 0, t3, 3, out, sizeof out) == 0 && strcmp(out, "838:59:59") == 0,
		      "ranges", "TIME2 838:59:59 decodes", out);
		t3[0] = (uint8_t)((u + 0x800000) >> 16), t3[1] = (uint8_t)((u + 0x800000) >> 8),
		t3[2] = (uint8_t)(u + 0x800000);
		check(one_value(BL_T_TIME2, 0, t3, 3, out, sizeof out) < 0 && strstr(out, "out of range"),
		      "ranges", "TIME2 839:00:00 is refused", out);
	}
}

/* TIMESTAMP texts through one decoder, which keeps the last second's and
 * day's text: each value is its own, whatever came before. */
static void t_timestamps(void)
{
	static const struct {
		uint32_t sec, usec;
		const char *want;
	} tv[] = {
		{ 0, 5, "1970-01-01 00:00:00.000005" },
		{ 0, 0, "0000-00-00 00:00:00.000000" },
		{ 86399, 0, "1970-01-01 23:59:59.000000" },
		{ 86400, 0, "1970-01-02 00:00:00.000000" },
		{ 86400, 7, "1970-01-02 00:00:00.000007" },
		{ 86401, 0, "1970-01-02 00:00:01.000000" },
		{ 1700000000, 0, "2023-11-14 22:13:20.000000" },
		{ 1700000000, 999999, "2023-11-14 22:13:20.999999" },
		{ 0, 1, "1970-01-01 00:00:00.000001" },
		{ 1709251199, 0, "2024-02-29 23:59:59.000000" },
		{ 1709251200, 0, "2024-03-01 00:00:00.000000" },
	};
	struct bl_decoder d;
	struct bl_col c;
	bl_init(&d);
	memset(&c, 0, sizeof c);
	c.type = c.wire_type = BL_T_TIMESTAMP2;
	c.meta = 6;
	for (size_t i = 0; i < sizeof tv / sizeof tv[0]; i++) {
		uint8_t b[7] = { (uint8_t)(tv[i].sec >> 24), (uint8_t)(tv[i].sec >> 16),
				 (uint8_t)(tv[i].sec >> 8), (uint8_t)tv[i].sec,
				 (uint8_t)(tv[i].usec >> 16), (uint8_t)(tv[i].usec >> 8),
				 (uint8_t)tv[i].usec };
		struct mc_val v;
		struct mc_err err = { 0 };
		size_t used;
		char out[64];
		int rc = bl_value(&d, &c, b, sizeof b, &used, &v, &err);
		snprintf(out, sizeof out, "%.*s", rc == 0 ? (int)v.v.s.n : 0, rc == 0 ? v.v.s.p : "");
		check(rc == 0 && v.kind == MC_V_TIMESTAMP && strcmp(out, tv[i].want) == 0,
		      "timestamps", tv[i].want, rc == 0 ? out : err.msg);
	}
	bl_free(&d);
}

static void t_json(void)
{
	/* {"a": [1, true], "b": "x"} as MySQL binary JSON (small object). */
	static const uint8_t doc[] = {
		0x00,                   /* small object */
		0x02, 0x00, 0x20, 0x00, /* 2 members, 32 bytes */
		0x12, 0x00, 0x01, 0x00, /* key "a" at 18 */
		0x13, 0x00, 0x01, 0x00, /* key "b" at 19 */
		0x02, 0x14, 0x00,       /* small array at 20 */
		0x0c, 0x1e, 0x00,       /* string at 30 */
		'a', 'b',
		0x02, 0x00, 0x0a, 0x00, /* array: 2 elements, 10 bytes */
		0x05, 0x01, 0x00,       /* int16 1 */
		0x04, 0x01, 0x00,       /* true */
		0x01, 'x',
	};
	struct mc_buf b = { 0 };
	struct mc_err err = { 0 };
	int rc;
	/* offsets are relative to the byte after the type byte */
	uint8_t d[64];
	memcpy(d, doc, sizeof doc);
	rc = bl_json_text(d, sizeof doc, &b, &err);
	buf_addc(&b, 0);
	check(rc == 0 && strcmp(b.p, "{\"a\": [1, true], \"b\": \"x\"}") == 0, "json",
	      "object, array, literal, string", rc == 0 ? b.p : err.msg);
	buf_free(&b);

	/* Every prefix of the document is an error, never a crash. */
	{
		int bad = 0;
		for (size_t k = 1; k < sizeof doc; k++) {
			struct mc_buf o = { 0 };
			if (bl_json_text(d, k, &o, &err) == 0)
				bad = 1;
			buf_free(&o);
		}
		check(!bad, "json", "truncated documents are errors", "a prefix decoded");
	}
}

static void t_diff(void)
{
	struct mc_buf out = { 0 };
	struct mc_err err = { 0 };
	/* REPLACE $.age with int16 25; INSERT $.z with "q"; REMOVE $.data */
	static const uint8_t diff[] = {
		0x00, 5, '$', '.', 'a', 'g', 'e', 3, 0x05, 25, 0,
		0x01, 3, '$', '.', 'z', 3, 0x0c, 1, 'q',
		0x02, 6, '$', '.', 'd', 'a', 't', 'a',
	};
	const char *old = "{\"age\": 24, \"data\": \"xx\", \"name\": \"Joe\"}";
	int rc = bl_json_apply_diff(old, strlen(old), diff, sizeof diff, &out, &err);
	buf_addc(&out, 0);
	check(rc == 0 && strcmp(out.p, "{\"z\": \"q\", \"age\": 25, \"name\": \"Joe\"}") == 0, "json diff",
	      "replace, insert (key order by length), remove", rc == 0 ? out.p : err.msg);
	buf_free(&out);
	{
		static const uint8_t arr[] = { 0x01, 4, '$', '[', '1', ']', 2, 0x04, 0x02 };
		const char *a = "[1, 2]";
		rc = bl_json_apply_diff(a, strlen(a), arr, sizeof arr, &out, &err);
		buf_addc(&out, 0);
		check(rc == 0 && strcmp(out.p, "[1, false, 2]") == 0, "json diff", "array insert",
		      rc == 0 ? out.p : err.msg);
		buf_free(&out);
	}
	{
		static const uint8_t miss[] = { 0x02, 4, '$', '.', 'n', 'o' };
		rc = bl_json_apply_diff(old, strlen(old), miss, sizeof miss, &out, &err);
		check(rc < 0, "json diff", "a path not in the document is an error", "accepted");
		buf_free(&out);
	}
}

/* A fixture read through a pipe one byte at a time decodes to the same
 * events as read from the file. */
static const char *fixture(const char *rel, char *buf, size_t n)
{
	const char *fix = getenv("FIXTURES");
	snprintf(buf, n, "%s/binlog/%s", fix ? fix : "tests/fixtures", rel);
	return buf;
}

static int count_events(int fd, unsigned long *nev, unsigned long *nrows, struct mc_err *err)
{
	struct bl_file f;
	struct bl_decoder d;
	const uint8_t *p;
	size_t n;
	uint64_t start;
	int rc;
	static struct mc_val before[MC_MAX_COLUMNS], after[MC_MAX_COLUMNS];
	*nev = *nrows = 0;
	bl_init(&d);
	bl_file_init(&f, fd, 0);
	if (bl_file_magic(&f, err) < 0)
		return -1;
	while ((rc = bl_file_next(&f, &p, &n, &start, err)) == 1) {
		struct bl_event ev;
		if (bl_decode(&d, p, n, &ev, err) < 0) {
			rc = -1;
			break;
		}
		(*nev)++;
		while ((rc = bl_row_next(&d, &ev, before, after, err)) == 1) {
			struct mc_rec r;
			struct mc_buf b = { 0 };
			memset(&r, 0, sizeof r);
			r.kind = MC_R_ROW;
			r.op = (enum mc_op)ev.rows_op;
			r.db = ev.table->db;
			r.table = ev.table->name;
			r.schema_version = 1;
			if (ev.rows_op != MC_OP_INSERT) {
				r.before = before;
				r.nbefore = ev.table->ncols;
			}
			if (ev.rows_op != MC_OP_DELETE) {
				r.after = after;
				r.nafter = ev.table->ncols;
			}
			if (rec_encode(&b, &r, err) < 0) {
				buf_free(&b);
				rc = -1;
				break;
			}
			buf_free(&b);
			(*nrows)++;
		}
		if (rc < 0)
			break;
	}
	bl_file_free(&f);
	bl_free(&d);
	return rc;
}

static void t_bytewise(void)
{
	char path[1024];
	const char *rels[] = {
		"generated-here-mariadb-10.11/mariadb-bin.000001",
		"generated-here-mariadb-10.11/mariadb-bin.000005",
		"mysql-binlog-connector-java/src/test/resources/mysql-bin.checksum-none",
		"rust_mysql_common/test-data/binlogs/json-opaque.binlog",
	};
	for (size_t i = 0; i < sizeof rels / sizeof rels[0]; i++) {
		unsigned long e1, r1, e2, r2;
		struct mc_err err = { 0 };
		int fd = open(fixture(rels[i], path, sizeof path), O_RDONLY), pfd[2], rc1, rc2;
		pid_t pid;
		char desc[256];
		snprintf(desc, sizeof desc, "%s: file and 1-byte pipe agree", rels[i]);
		if (fd < 0) {
			check(0, "bytewise", desc, strerror(errno));
			continue;
		}
		rc1 = count_events(fd, &e1, &r1, &err);
		lseek(fd, 0, SEEK_SET);
		if (pipe(pfd) < 0 || (pid = fork()) < 0) {
			check(0, "bytewise", desc, "pipe/fork");
			close(fd);
			continue;
		}
		if (pid == 0) {
			char c;
			close(pfd[0]);
			while (read(fd, &c, 1) == 1)
				if (write(pfd[1], &c, 1) != 1)
					_exit(1);
			_exit(0);
		}
		close(pfd[1]);
		rc2 = count_events(pfd[0], &e2, &r2, &err);
		close(pfd[0]);
		waitpid(pid, NULL, 0);
		close(fd);
		check(rc1 == 0 && rc2 == 0 && e1 == e2 && r1 == r2 && e1 > 0, "bytewise", desc,
		      err.msg[0] ? err.msg : "counts differ");
	}
}

/* Every truncation of every event of a fixture is an error or a clean
 * decode, never a crash (run under ASan in make asan). */
static void t_prefixes(void)
{
	char path[1024];
	struct mc_err err = { 0 };
	int fd = open(fixture("generated-here-mariadb-10.11/mariadb-bin.000001", path, sizeof path),
		      O_RDONLY);
	struct bl_file f;
	struct bl_decoder d;
	const uint8_t *p;
	size_t n;
	uint64_t start;
	unsigned long tried = 0;
	static struct mc_val b[MC_MAX_COLUMNS], a[MC_MAX_COLUMNS];
	if (fd < 0) {
		check(0, "prefixes", "event prefixes", strerror(errno));
		return;
	}
	bl_init(&d);
	d.verify_checksum = 0;
	bl_file_init(&f, fd, 0);
	bl_file_magic(&f, &err);
	while (bl_file_next(&f, &p, &n, &start, &err) == 1) {
		struct bl_event ev;
		uint8_t *copy = malloc(n);
		memcpy(copy, p, n);
		for (size_t k = BL_HEADER_LEN; k < n; k++) {
			/* Claim the shorter length in the header, as a framing layer would. */
			copy[9] = (uint8_t)k;
			copy[10] = (uint8_t)(k >> 8);
			copy[11] = copy[12] = 0;
			if (copy[4] == BL_FDE)
				continue;
			if (bl_decode(&d, copy, k, &ev, &err) == 0)
				while (bl_row_next(&d, &ev, b, a, &err) == 1)
					;
			tried++;
		}
		if (p[4] == BL_FDE || p[4] == BL_TABLE_MAP) {
			struct bl_event full;
			bl_decode(&d, p, n, &full, &err);
		}
		free(copy);
	}
	bl_file_free(&f);
	bl_free(&d);
	close(fd);
	check(tried > 1000, "prefixes", "every prefix of every event decodes or fails cleanly",
	      "too few tried");
}

static void t_crc(void)
{
	static uint8_t buf[5000];
	uint32_t seed = 12345;
	int bad = 0;
	for (size_t i = 0; i < sizeof buf; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
	for (size_t n = 0; n <= sizeof buf && !bad; n += n < 300 ? 1 : 97)
		for (size_t off = 0; off < 8 && n + off <= sizeof buf; off += 3)
			if (bl_crc32(0, buf + off, n) != (uint32_t)crc32(0L, buf + off, (uInt)n))
				bad = 1;
	check(!bad, "crc32", "same as zlib for lengths 0..5000 and unaligned starts", "differs");
	check(bl_crc32(bl_crc32(0, buf, 100), buf + 100, 900) == bl_crc32(0, buf, 1000), "crc32",
	      "can be continued", "differs");
	{ /* long runs: the folds over 256 bytes a step (512-bit form where the CPU has it) */
		static uint8_t big[200003];
		for (size_t i = 0; i < sizeof big; i++) {
			seed = seed * 1103515245u + 12345u;
			big[i] = (uint8_t)(seed >> 16);
		}
		for (size_t n = 256; n <= sizeof big - 3 && !bad; n = n * 5 / 4 + 13)
			if (bl_crc32(0, big + 3, n) != (uint32_t)crc32(0L, big + 3, (uInt)n))
				bad = 1;
		check(!bad, "crc32", "same as zlib on runs up to 200 KB", "differs");
	}
}

/* The reader keeps the bytes from f.keep on (an open transaction's, held
 * by reference) while it reads past its buffer's end: moved to its front
 * or into a grown buffer, never dropped or changed. Groups of events of
 * 100 bytes to 700 KB ("transactions" of up to 5 MB), read from a file and
 * through a pipe; every kept event is checked at every step. */
static void t_keep(void)
{
	char path[] = "/tmp/t_binlog_keep.XXXXXX";
	int fd = mkstemp(path), bad = 0, moved = 0;
	uint8_t *img;
	size_t size = 4, cap = 24u << 20;
	uint32_t seed = 777;
	if (fd < 0 || !(img = malloc(cap))) {
		check(0, "keep", "kept events stay", strerror(errno));
		return;
	}
	unlink(path);
	memcpy(img, "\xfe" "bin", 4);
	while (size < (20u << 20)) {
		uint32_t len;
		seed = seed * 1103515245u + 12345u;
		len = (seed >> 8) % 8 == 0 ? 100000 + (seed >> 4) % 600000 : 19 + (seed >> 6) % 5000;
		for (uint32_t i = 0; i < len; i++)
			img[size + i] = (uint8_t)(seed >> (i % 24)) ^ (uint8_t)i;
		for (int i = 0; i < 4; i++)
			img[size + 9 + i] = (uint8_t)(len >> (8 * i));
		size += len;
	}
	if (write(fd, img, size) != (ssize_t)size) {
		check(0, "keep", "kept events stay", "write");
		close(fd);
		free(img);
		return;
	}
	for (int pass = 0; pass < 2 && !bad; pass++) {
		struct bl_file f;
		struct mc_err err = { 0 };
		const uint8_t *p;
		size_t n;
		uint64_t start, group = 4, held = 0;
		const char *was = NULL;
		int rfd = fd, pfd[2], rc;
		pid_t pid = -1;
		lseek(fd, 0, SEEK_SET);
		if (pass == 1) { /* through a pipe: short reads */
			if (pipe(pfd) < 0 || (pid = fork()) < 0)
				break;
			if (pid == 0) {
				close(pfd[0]);
				for (size_t o = 0; o < size; o += 70000)
					if (write(pfd[1], img + o, size - o < 70000 ? size - o : 70000) < 0)
						_exit(1);
				_exit(0);
			}
			close(pfd[1]);
			rfd = pfd[0];
		}
		bl_file_init(&f, rfd, 0);
		rc = bl_file_magic(&f, &err);
		while (rc == 0 && (f.keep = held ? group : UINT64_MAX,
				   rc = bl_file_next(&f, &p, &n, &start, &err)) == 1) {
			rc = 0;
			if (held && f.buf.p != was)
				moved++;
			if (!held)
				group = start;
			held += n;
			if (f.base > group || start + n - group != held ||
			    memcmp(f.buf.p + (group - f.base), img + group, held) != 0)
				bad = 1;
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 8) % 16 == 0 || held > (5u << 20))
				held = 0; /* the "commit" */
			was = f.buf.p;
		}
		if (rc != 0 || err.msg[0])
			bad = 1;
		bl_file_free(&f);
		if (pid > 0) {
			close(rfd);
			waitpid(pid, NULL, 0);
		}
	}
	check(!bad && moved > 0, "keep", "kept events stay in the reader's buffer, moved or grown",
	      bad ? "a kept event dropped or changed" : "the buffer never moved");
	close(fd);
	free(img);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--read") == 0)
		return read_stream(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "--schema-out") == 0)
		return write_schema(argc, argv);
	t_crc();
	t_decimal();
	t_ranges();
	t_timestamps();
	t_json();
	t_diff();
	t_bytewise();
	t_prefixes();
	t_keep();
	return tap_done();
}
