/* t_common: unit tests of common/: buffers, full writes, atomic files,
 * checkpoints, zstd streams, option values. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/buf.h"
#include "base/charset.h"
#include "base/err.h"
#include "stream/ckpt.h"
#include "base/io.h"
#include "stream/mctype.h"
#include "stream/opt.h"
#include "base/zio.h"
#include "mysql/myschema.h"

#define TAP_NAME "t_common"
#include "tap.h"

static char dir[] = "/tmp/t_common.XXXXXX";

static void result(int good, const char *desc, const char *why)
{
	tap_check(good, desc, "%s", why);
}

static char *path(const char *name)
{
	static char p[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
	return p[i];
}

static int count_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n;
}

static size_t slurp(const char *p, char *out, size_t max)
{
	int fd = open(p, O_RDONLY);
	ssize_t n;
	if (fd < 0)
		return 0;
	n = io_read_full(fd, out, max);
	close(fd);
	return n < 0 ? 0 : (size_t)n;
}

static void test_buf(void)
{
	struct mc_buf b = { 0 };
	int good = 1;
	for (int i = 0; i < 100000; i++)
		good &= buf_addc(&b, (char)('a' + i % 26)) == 0;
	good &= b.len == 100000 && b.p[99999] == (char)('a' + 99999 % 26);
	good &= buf_addf(&b, "%d-%s", 42, "x") == 0 && memcmp(b.p + 100000, "42-x", 4) == 0;
	buf_consume(&b, 100000);
	good &= b.len == 4 && memcmp(b.p, "42-x", 4) == 0;
	buf_free(&b);
	result(good && b.p == NULL, "growable buffers grow, format, consume", "wrong");
}

/* A message longer than struct mc_err holds ends in "...", whichever way
 * it was made; one that fits is whole. */
static void test_err(void)
{
	struct mc_err e;
	char big[2000];
	size_t n, cap = sizeof e.msg;
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	mc_errf(&e, MC_EXIT_DATA, "short %d", 7);
	tap_check(!strcmp(e.msg, "short 7"), "a message that fits is whole", "got '%s'", e.msg);
	mc_errf(&e, MC_EXIT_DATA, "%s", big);
	n = strlen(e.msg);
	tap_check(n == cap - 1 && !strcmp(e.msg + n - 3, "..."), "a cut message ends in ...",
		  "length %zu, end '%s'", n, e.msg + (n > 3 ? n - 3 : 0));
	mc_errf(&e, MC_EXIT_DATA, "%.*s", (int)(cap - 10), big);
	mc_errnof(&e, ENOSPC, "%.*s", (int)(cap - 10), big);
	n = strlen(e.msg);
	tap_check(n == cap - 1 && !strcmp(e.msg + n - 3, "..."), "a cut errno message ends in ...",
		  "length %zu, end '%s'", n, e.msg + (n > 3 ? n - 3 : 0));
	mc_errf(&e, MC_EXIT_DATA, "%.*s", (int)(cap - 10), big);
	mc_errctx(&e, "'%s': ", "some/file.mcr");
	n = strlen(e.msg);
	tap_check(n == cap - 1 && !strncmp(e.msg, "'some/file.mcr': xx", 19) && !strcmp(e.msg + n - 3, "..."),
		  "a context in front of a long message: cut at the end, marked", "length %zu", n);
	mc_errf(&e, MC_EXIT_DATA, "tail");
	mc_errctx(&e, "'%s': ", "f");
	tap_check(!strcmp(e.msg, "'f': tail"), "a context in front of a short one", "got '%s'", e.msg);
}

static void test_io(void)
{
	int fds[2];
	pid_t pid;
	size_t big = 4u << 20;
	char *p = malloc(big);
	int st, good;

	memset(p, 'x', big);
	if (pipe(fds) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		/* a slow reader: forces short writes on the other side */
		char b[1000];
		size_t got = 0;
		ssize_t r;
		close(fds[1]);
		while ((r = read(fds[0], b, sizeof b)) > 0)
			got += (size_t)r;
		_exit(got == big ? 0 : 1);
	}
	close(fds[0]);
	good = io_write_all(fds[1], p, big) == 0;
	close(fds[1]);
	waitpid(pid, &st, 0);
	result(good && WIFEXITED(st) && WEXITSTATUS(st) == 0, "io_write_all writes 4 MiB through a pipe",
	       "short");

	signal(SIGPIPE, SIG_IGN);
	if (pipe(fds) < 0)
		return;
	close(fds[0]);
	good = io_write_all(fds[1], p, 10) < 0 && errno == EPIPE;
	close(fds[1]);
	result(good, "a closed reader gives EPIPE", strerror(errno));
	free(p);
}

static void test_afile(void)
{
	struct mc_err err = { 0 };
	struct afile af;
	char got[64];
	size_t n;

	result(afile_write(path("a"), "one", 3, &err) == 0, "afile_write creates a file", err.msg);
	n = slurp(path("a"), got, sizeof got);
	result(n == 3 && memcmp(got, "one", 3) == 0, "... with its content", "wrong");
	result(afile_open(&af, path("a"), &err) == 0, "afile_open", err.msg);
	io_write_all(af.fd, "two!", 4);
	n = slurp(path("a"), got, sizeof got);
	result(n == 3 && count_files() == 2, "before commit readers see the old file", "changed");
	result(afile_commit(&af, &err) == 0, "afile_commit", err.msg);
	n = slurp(path("a"), got, sizeof got);
	result(n == 4 && memcmp(got, "two!", 4) == 0 && count_files() == 1,
	       "after commit the new content, no temporary left", "wrong");
	afile_open(&af, path("a"), &err);
	io_write_all(af.fd, "three", 5);
	afile_abort(&af);
	n = slurp(path("a"), got, sizeof got);
	result(n == 4 && count_files() == 1, "afile_abort keeps the old file, removes the temporary",
	       "wrong");
	result(afile_write("/nonexistent-dir/x", "a", 1, &err) < 0 && strstr(err.msg, "nonexistent"),
	       "a failed write names the file", err.msg);
}

static void test_ckpt(void)
{
	struct mc_err err = { 0 };
	struct ckpt c = { 0 }, d;
	int rc;

	result(ckpt_read(path("none"), &d, &err) == 0 && d.n == 0, "a missing checkpoint reads as empty",
	       err.msg);
	ckpt_set(&c, "position", "3:1200:4", &err);
	ckpt_set(&c, "file", "mysql-bin.000003", &err);
	ckpt_set(&c, "position", "3:1300:0", &err);
	result(ckpt_set(&c, "Bad Key", "x", &err) < 0 && ckpt_set(&c, "k", "a\nb", &err) < 0,
	       "bad keys and values with newlines are refused", "accepted");
	result(ckpt_write(path("ck"), &c, &err) == 0, "ckpt_write", err.msg);
	rc = ckpt_read(path("ck"), &d, &err);
	result(rc == 1 && d.n == 2 && strcmp(ckpt_get(&d, "position"), "3:1300:0") == 0 &&
		       strcmp(ckpt_get(&d, "file"), "mysql-bin.000003") == 0 && !ckpt_get(&d, "x"),
	       "a checkpoint reads back, last value of a key wins", err.msg);
	ckpt_free(&d);
	ckpt_free(&c);
	afile_write(path("bad"), "mcsync-checkpoint 1\nok 1\nnospace\n", 33, &err);
	result(ckpt_read(path("bad"), &d, &err) < 0 && strstr(err.msg, "line 3"),
	       "a malformed checkpoint names the line", err.msg);
	afile_write(path("bad"), "mcsync-checkpoint 1\nok 1", 24, &err);
	result(ckpt_read(path("bad"), &d, &err) < 0 && strstr(err.msg, "line 2: no newline"),
	       "a checkpoint cut inside a line is refused", err.msg);
	afile_write(path("bad"), "hello\n", 6, &err);
	result(ckpt_read(path("bad"), &d, &err) < 0 && strstr(err.msg, "not a mcsync checkpoint"),
	       "another file is not a checkpoint", err.msg);
}

/* Write data through zout (level), read it back through zin. */
static int zround(int level, const char *data, size_t n, int flush_each, char *back, size_t *nback)
{
	struct mc_err err = { 0 };
	struct zout zo;
	struct zin zi;
	int fd = open(path("z"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t r;

	zout_init(&zo, fd, level, &err);
	for (size_t i = 0; i < n; i += 1000) {
		zout_write(&zo, data + i, n - i < 1000 ? n - i : 1000, &err);
		if (flush_each)
			zout_flush(&zo, &err);
	}
	zout_end(&zo, &err);
	zout_close(&zo);
	close(fd);
	fd = open(path("z"), O_RDONLY);
	zin_init(&zi, fd);
	*nback = 0;
	while ((r = zin_read(&zi, back + *nback, 777, &err)) > 0)
		*nback += (size_t)r;
	zin_close(&zi);
	close(fd);
	return r < 0 ? -1 : 0;
}

static void test_zio(void)
{
	size_t n = 300000, nb;
	char *data = malloc(n), *back = malloc(n + 1000);
	struct mc_err err = { 0 };
	struct zin zi;
	char tmp[100];
	int fd;

	for (size_t i = 0; i < n; i++)
		data[i] = (char)("abcdefgh"[i % 8] + (i % 1000 == 0));
	result(zround(0, data, n, 0, back, &nb) == 0 && nb == n && memcmp(back, data, n) == 0,
	       "plain output reads back", "differs");
	result(zround(3, data, n, 0, back, &nb) == 0 && nb == n && memcmp(back, data, n) == 0,
	       "zstd output reads back", "differs");
	result(zround(1, data, n, 1, back, &nb) == 0 && nb == n && memcmp(back, data, n) == 0,
	       "zstd output flushed every 1000 bytes reads back", "differs");
	/* a truncated frame */
	zround(3, data, n, 0, back, &nb);
	truncate(path("z"), 100);
	fd = open(path("z"), O_RDONLY);
	zin_init(&zi, fd);
	while (zin_read(&zi, tmp, sizeof tmp, &err) > 0)
		;
	result(strstr(err.msg, "truncated") != NULL, "a cut zstd frame is an error", err.msg);
	zin_close(&zi);
	close(fd);
	/* reading ahead in a thread: the same bytes, the same error */
	for (int cut = 0; cut < 2; cut++) {
		ssize_t r;
		zround(3, data, n, 0, back, &nb);
		if (cut) {
			struct stat st;
			stat(path("z"), &st);
			truncate(path("z"), st.st_size / 2);
		}
		fd = open(path("z"), O_RDONLY);
		zin_init(&zi, fd);
		memset(&err, 0, sizeof err);
		nb = 0;
		if (zin_read_ahead(&zi, &err) == 0)
			while ((r = zin_read(&zi, back + nb, 777, &err)) > 0)
				nb += (size_t)r;
		if (cut)
			result(strstr(err.msg, "truncated") != NULL && nb < n,
			       "reading ahead: a cut zstd frame is an error", err.msg);
		else
			result(err.code == 0 && nb == n && memcmp(back, data, n) == 0,
			       "reading ahead reads back", err.msg);
		zin_close(&zi);
		close(fd);
	}
	/* the input consumed, for a progress: rising to the file's size,
	 * plain or zstd, read directly or ahead */
	for (int mode = 0; mode < 4; mode++) {
		struct stat st;
		uint64_t prev = 0, c, mid = 0;
		int rising = 1;
		ssize_t r;
		zround(mode & 1 ? 3 : 0, data, n, 0, back, &nb);
		stat(path("z"), &st);
		fd = open(path("z"), O_RDONLY);
		zin_init(&zi, fd);
		memset(&err, 0, sizeof err);
		if (mode & 2)
			zin_read_ahead(&zi, &err);
		nb = 0;
		while ((r = zin_read(&zi, back + nb, 777, &err)) > 0) {
			nb += (size_t)r;
			c = zin_consumed(&zi);
			rising &= c >= prev && c <= (uint64_t)st.st_size;
			if (nb < n / 2 || !mid)
				mid = c;
			prev = c;
		}
		c = zin_consumed(&zi);
		result(rising && nb == n && c == (uint64_t)st.st_size && mid < c,
		       mode == 0 ? "zin_consumed: plain, rises to the file's size" :
		       mode == 1 ? "zin_consumed: zstd, rises to the file's size" :
		       mode == 2 ? "zin_consumed: plain read ahead, rises to the file's size" :
				   "zin_consumed: zstd read ahead, rises to the file's size",
		       err.msg);
		zin_close(&zi);
		close(fd);
	}
	/* closed before the end: the thread stops */
	fd = open(path("z"), O_RDONLY);
	zin_init(&zi, fd);
	zin_read_ahead(&zi, &err);
	zin_read(&zi, tmp, sizeof tmp, &err);
	zin_close(&zi);
	close(fd);
	free(data);
	free(back);
}

static void test_opt(void)
{
	static const char *const names[] = { "a", "bb", NULL };
	struct mc_err err = { 0 };
	uint64_t v;
	struct mc_pos p;
	int c;
	result(opt_u64("--n", "5", 1, 10, &v, &err) == 0 && v == 5, "opt_u64 accepts", err.msg);
	result(opt_u64("--n", "11", 1, 10, &v, &err) < 0 && err.code == MC_EXIT_USAGE &&
		       strstr(err.msg, "--n: '11'"), "opt_u64 refuses out of range, exit 2", err.msg);
	result(opt_size("--memory", "200M", 1, UINT64_MAX, &v, &err) == 0 && v == 200u << 20,
	       "opt_size", err.msg);
	result(opt_pos("--at", "1:2:3", &p, &err) == 0 && p.off == 2 && opt_pos("--at", "1:2", &p, &err) < 0,
	       "opt_pos", err.msg);
	result(opt_choice("--to", "bb", names, &c, &err) == 0 && c == 1 &&
		       opt_choice("--to", "x", names, &c, &err) < 0 && strstr(err.msg, "one of: a, bb"),
	       "opt_choice lists the choices", err.msg);
}

static void test_mctype(void)
{
	static const char *const cases[][2] = {
		{ "tinyint(4)", "TINYINT" }, { "tinyint(3) unsigned", "SMALLINT" },
		{ "INT UNSIGNED", "BIGINT" }, { "int(11)", "INT" }, { "mediumint unsigned", "INT" },
		{ "bigint(20) unsigned zerofill", "DECIMAL(20,0)" }, { "bigint", "BIGINT" },
		{ "decimal(10,2)", "DECIMAL(10,2)" }, { "decimal(65,30)", "DECIMAL(38,18)" },
		{ "decimal(38,18) unsigned", "DECIMAL(38,18)" }, { "decimal", "DECIMAL(10,0)" },
		{ "float", "FLOAT" }, { "double unsigned", "DOUBLE" }, { "varchar(255)", "STRING" },
		{ "enum('a','int')", "STRING" }, { "set('x')", "STRING" }, { "json", "STRING" },
		{ "time(6)", "STRING" }, { "datetime(6)", "TIMESTAMP" }, { "timestamp", "TIMESTAMP" },
		{ "date", "DATE" }, { "year(4)", "INT" }, { "bit(1)", "BIGINT" },
		{ "varbinary(16)", "BINARY" }, { "longblob", "BINARY" }, { "geometry", "BINARY" },
		{ "vector(3)", "BINARY" }, { "integer", "INT" }, { "datetimex", "STRING" },
		{ "bit(64)", "DECIMAL(20,0)" }, { "datetime(3)", "DATETIME" }, { "decimal(40,2)", "DECIMAL(38,2)" },
	};
	char out[64], why[200] = "";
	int good = 1;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		mctype_for(cases[i][0], strlen(cases[i][0]), out, sizeof out);
		if (strcmp(out, cases[i][1]) != 0) {
			snprintf(why, sizeof why, "'%s' -> '%s', want '%s'", cases[i][0], out, cases[i][1]);
			good = 0;
		}
	}
	result(good, "MySQL types map to MaxCompute types", why);
	{
		static const char *const canon[][2] = {
			{ "int(10) unsigned", "int unsigned" }, { "INT(11)", "int" },
			{ "bigint(20) unsigned zerofill", "bigint unsigned" }, { "year(4)", "year" },
			{ "tinyint(1)", "tinyint" }, { "decimal(10,2) unsigned", "decimal(10,2) unsigned" },
			{ "varchar(20)", "varchar(20)" }, { "ENUM('A b','it''s')", "enum('A b','it''s')" },
			{ "datetime(6)", "datetime(6)" }, { "  double   unsigned ", "double unsigned" },
			{ "VARCHAR(300) /*M!100301 COMPRESSED*/", "varchar(300) /*M!100301 COMPRESSED*/" },
			{ "blob /*M!100301 COMPRESSED*/", "blob /*M!100301 COMPRESSED*/" },
			{ "timestamp(3) /* mariadb-5.3 */", "timestamp(3) /* mariadb-5.3 */" },
			{ "text /*M!100301 COMPRESSED", "text /*M!100301 COMPRESSED" },
		};
		good = 1;
		for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++) {
			struct mc_buf b = { 0 };
			mctype_canon(canon[i][0], strlen(canon[i][0]), &b);
			if (b.len != strlen(canon[i][1]) || memcmp(b.p, canon[i][1], b.len) != 0) {
				snprintf(why, sizeof why, "'%s' -> '%.*s'", canon[i][0], (int)b.len, b.p);
				good = 0;
			}
			buf_free(&b);
		}
		result(good, "type texts have one canonical spelling", why);
		result(mctype_same("point", 5, "geometry", 8) && mctype_same("int(10)", 7, "int", 3) &&
			       !mctype_same("int", 3, "bigint", 6) &&
			       !mctype_same("enum('a')", 9, "enum('A')", 9),
		       "mctype_same: canonical spellings, geometry family", "wrong");
	}
}

/* cs_utf8_valid: the ENUM/SET labels of utf8mb3, utf8mb4 and binary
 * columns (tests/t2078): the length of the valid start */
static void test_utf8_valid(void)
{
	static const struct {
		const char *s;
		unsigned max;
		size_t want;
	} c[] = {
		{ "", 4, 0 },
		{ "ab", 4, 2 },
		{ "\xc3\xa9", 4, 2 },                /* é */
		{ "\xe4\xb8\xad", 3, 3 },            /* 中 in utf8mb3 */
		{ "a\xf0\x9f\x98\x80", 4, 5 },       /* an emoji in utf8mb4 */
		{ "a\xf0\x9f\x98\x80", 3, 1 },       /* ... not in utf8mb3 */
		{ "\xe9", 4, 0 },                    /* latin1 é */
		{ "ab\xe9", 4, 2 },
		{ "\xc3", 4, 0 },                    /* cut short */
		{ "\xc3" "a", 4, 0 },
		{ "\xc0\x80", 4, 0 },                /* overlong NUL */
		{ "\xe0\x80\xaf", 4, 0 },            /* overlong '/' */
		{ "\xf0\x8f\xbf\xbf", 4, 0 },        /* overlong U+FFFF */
		{ "\xed\xa0\x80", 4, 0 },            /* a surrogate */
		{ "\xef\xbf\xbf", 3, 3 },            /* U+FFFF */
		{ "\xf4\x8f\xbf\xbf", 4, 4 },        /* U+10FFFF */
		{ "\xf4\x90\x80\x80", 4, 0 },        /* above it */
		{ "\xf5\x80\x80\x80", 4, 0 },
		{ "\x80", 4, 0 },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		size_t got = cs_utf8_valid(c[i].s, strlen(c[i].s), c[i].max);
		tap_check(got == c[i].want, "cs_utf8_valid", "case %zu: got %zu, want %zu", i, got,
			  c[i].want);
	}
}

/* cs_label_utf8: one label's bytes in its column's charset to UTF-8, or
 * the words of its refusal (every path that reads labels: tests/t2078,
 * t2079) */
static void test_label_utf8(void)
{
	static const struct {
		const char *cs, *s;
		size_t n;
		int rc;
		const char *want; /* the UTF-8, or the refusal */
	} c[] = {
		{ "latin1", "\xe9", 1, 0, "\xc3\xa9" },
		{ "cp1251", "\xe9", 1, 0, "\xd0\xb9" },
		{ "utf8mb4", "\xc3\xa9", 2, 0, "\xc3\xa9" },
		{ "utf8mb4", "\xe9", 1, -2, "(bytes E9) is not valid in the column's charset utf8mb4 at "
		  "byte 0" },
		{ "utf8mb3", "a\xf0\x9f\x98\x80", 5, -2, "(bytes 61 F0 9F 98 80) is not valid in the "
		  "column's charset utf8mb3 at byte 1" },
		{ "binary", "ab", 2, 0, "ab" },
		{ "binary", "\xe9", 1, -2, "(bytes E9) is not UTF-8 (the column's charset is binary) "
		  "at byte 0" },
		{ NULL, "\xe9", 1, -2, "(bytes E9) is not UTF-8 (the column's charset not known) at "
		  "byte 0" },
		{ "utf8mb4", "a\0b", 3, -2, "(bytes 61 00 62) holds a NUL at byte 1 of its text, which "
		  "the type text cannot carry" },
		{ "latin1", "a\0b", 3, -2, "(bytes 61 00 62) holds a NUL at byte 1 of its text, which "
		  "the type text cannot carry" },
		{ "utf16", "\0a\0\0", 4, -2, "(bytes 00 61 00 00) holds a NUL at byte 1 of its text, "
		  "which the type text cannot carry" },
		{ "utf16", "b", 1, -2, "(bytes 62) is not valid in the column's charset utf16 at byte 0" },
		{ "latin1", "123456789", 9, 0, "123456789" },
		{ "utf8mb4", "\xff" "23456789", 9, -2, "(bytes FF 32 33 34 35 36 37 38...) is not valid in "
		  "the column's charset utf8mb4 at byte 0" },
	};
	struct cs_set set = { 0 };
	struct mc_buf out = { 0 };
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		struct mc_err err = { 0 };
		char why[160] = "";
		int rc = cs_label_utf8(&set, c[i].cs ? cs_by_name(c[i].cs) : NULL, c[i].s, c[i].n, &out,
				       why, sizeof why, &err);
		const char *got = rc == 0 ? (buf_addc(&out, 0) < 0 ? "" : out.p) : why;
		tap_check(rc == c[i].rc && strcmp(got, c[i].want) == 0, "cs_label_utf8",
			  "case %zu: rc %d, '%s'", i, rc, got);
	}
	buf_free(&out);
	cs_set_free(&set);
}

/* cs_from_utf8: a statement's label (UTF-8) into its column's charset, or
 * where it has no form there (tests/t2081); mc_labels_parse without
 * escapes: the snapshot's type text, a backslash as it is */
static void test_from_utf8(void)
{
	static const struct {
		const char *cs, *s;
		int rc;
		const char *want; /* the bytes, or "@N": refused at byte N */
	} c[] = {
		{ "latin1", "\xc3\xa9", 0, "\xe9" },
		{ "latin1", "\xe2\x82\xac", 0, "\x80" }, /* cp1252's euro */
		{ "latin1", "a\xe4\xb8\xad", -2, "@1" },
		{ "cp1251", "\xd0\xb9", 0, "\xe9" },
		{ "utf8mb3", "\xf0\x9f\x98\x80", -2, "@0" },
		{ "utf8mb4", "\xf0\x9f\x98\x80", 0, "\xf0\x9f\x98\x80" },
		{ "ascii", "\xc3\xa9", -2, "@0" },
	};
	struct mc_buf out = { 0 };
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		struct mc_err err = { 0 };
		const struct cs_info *cs = cs_by_name(c[i].cs);
		char got[32];
		size_t bad = 0;
		int rc = cs ? cs_from_utf8(cs, c[i].s, strlen(c[i].s), &out, &bad, &err) : -3;
		if (rc == 0 && buf_addc(&out, 0) == 0)
			snprintf(got, sizeof got, "%s", out.p);
		else
			snprintf(got, sizeof got, "@%zu", bad);
		tap_check(rc == c[i].rc && strcmp(got, c[i].want) == 0, "cs_from_utf8",
			  "case %zu: rc %d, '%s'", i, rc, got);
		out.len = 0;
	}
	buf_free(&out);
	struct mc_labels l;
	tap_check(mc_labels_parse("set('a\\b','c''d')", 17, 0, &l) == 0 && l.is_set && l.n == 2 &&
			  l.v[0].n == 3 && l.v[0].p[1] == '\\' && l.v[1].n == 3 && !l.flags,
		  "mc_labels_parse", "a snapshot's type text: a backslash as it is");
	mc_labels_free(&l);
	tap_check(mc_labels_parse("enum()", 6, 0, &l) < 0 && mc_labels_parse("enum('a')x", 10, 0, &l) < 0,
		  "mc_labels_parse", "no label, or more after it: refused");
	/* labels appended at the end keep every value (tests/t3076) */
	static const struct {
		const char *a, *b;
		int want;
	} ap[] = {
		{ "enum('é','b')", "enum('é','b','ç')", 1 },
		{ "ENUM('a','b''c')", "enum('a','b''c','d')", 1 },
		{ "set('x','é')", "set('x','é','ü')", 1 },
		{ "enum('a','b')", "enum('a','b')", 1 },
		{ "enum('a','b')", "enum('a')", 0 },         /* removed */
		{ "enum('a','b')", "enum('b','a')", 0 },     /* reordered */
		{ "enum('a','b')", "enum('a','c','b')", 0 }, /* inserted */
		{ "enum('a','b')", "enum('a','B','c')", 0 }, /* renamed */
		{ "enum('a','b')", "enum('a','bc')", 0 },
		{ "enum('a','b')", "set('a','b','c')", 0 },
		{ "set('a','b')", "enum('a','b','c')", 0 },
		{ "enum()", "enum('a')", 0 },
		{ "varchar(10)", "enum('a')", 0 },
	};
	for (size_t i = 0; i < sizeof ap / sizeof ap[0]; i++)
		tap_check(mc_labels_appended(ap[i].a, strlen(ap[i].a), ap[i].b, strlen(ap[i].b)) ==
				  ap[i].want,
			  "mc_labels_appended", "'%s' to '%s': %d", ap[i].a, ap[i].b, ap[i].want);
	/* a SET has at most 64 members */
	struct mc_buf s63 = { 0 }, s64 = { 0 }, s65 = { 0 };
	struct mc_str m[65];
	char nm[65][16];
	for (int i = 0; i < 65; i++) {
		snprintf(nm[i], sizeof nm[i], "m%d", i);
		m[i] = mc_str_c(nm[i], strlen(nm[i]));
	}
	if (mc_labels_type(&s63, 1, m, 63) < 0 || mc_labels_type(&s64, 1, m, 64) < 0 ||
	    mc_labels_type(&s65, 1, m, 65) < 0)
		tap_check(0, "mc_labels_type", "out of memory");
	tap_check(mc_labels_appended(s63.p, s63.len, s64.p, s64.len) == 1 &&
			  mc_labels_appended(s64.p, s64.len, s65.p, s65.len) == 0,
		  "mc_labels_appended", "a SET to 64 members: yes; past 64: no");
	buf_free(&s63);
	buf_free(&s64);
	buf_free(&s65);
}

/* mys_parse_labels: COLUMN_TYPE as MariaDB escapes it; '?' and NUL mark
 * labels information_schema may have lost (read exactly then) */
static void test_parse_labels(void)
{
	static const struct {
		const char *ct, *want; /* the labels, joined by '|' (NUL as '@') */
		int lossy, escaped;
	} c[] = {
		{ "enum('a','b''c')", "a|b'c", 0, 0 },
		{ "set('\xc3\xa9','b')", "\xc3\xa9|b", 0, 0 },
		{ "enum('a\\\\b','n\\nl','c\\r')", "a\\b|n\nl|c\r", 0, 1 },
		{ "enum('?','b')", "?|b", 1, 0 },
		{ "enum('a\\0b','c')", "a@b|c", 1, 1 },
		{ "enum('a\\zb')", "azb", 1, 1 },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		struct mys_labels l;
		char got[64] = "";
		size_t k = 0;
		int rc = mys_parse_labels(c[i].ct, &l);
		for (uint32_t j = 0; rc == 0 && j < l.n; j++) {
			if (j && k < sizeof got - 1)
				got[k++] = '|';
			for (size_t b = 0; b < l.v[j].n && k < sizeof got - 1; b++)
				got[k++] = l.v[j].p[b] ? l.v[j].p[b] : '@';
		}
		got[k] = 0;
		tap_check(rc == 0 && strcmp(got, c[i].want) == 0 && l.lossy == c[i].lossy &&
			  l.escaped == c[i].escaped, "mys_parse_labels", "case %zu: rc %d, '%s', "
			  "lossy %d, escaped %d", i, rc, got, l.lossy, l.escaped);
		mys_labels_free(&l, 1);
	}
	struct mys_labels l;
	tap_check(mys_parse_labels("enum('a", &l) < 0 && mys_parse_labels("int", &l) < 0,
		  "mys_parse_labels", "a cut or other type is refused");
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_buf();
	test_err();
	test_io();
	test_afile();
	test_ckpt();
	test_zio();
	test_opt();
	test_mctype();
	test_utf8_valid();
	test_label_utf8();
	test_from_utf8();
	test_parse_labels();
	for (const char *n = "a\0ck\0bad\0z\0"; *n; n += strlen(n) + 1)
		unlink(path(n));
	rmdir(dir);
	return tap_done();
}
