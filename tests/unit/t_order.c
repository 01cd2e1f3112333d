/* t_order: the reader's check of change positions inside one stream
 * (rio_check_order, common/stream/recio.c): a change row or DDL record
 * below a change row, DDL record, txn_end or heartbeat mark before it in
 * the same stream is refused; equal positions, marks below (they hold no
 * data), snapshot rows and chunk marks pass, and a new header starts again
 * (a rerun concatenated). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stream/recio.h"

#define TAP_NAME "t_order"
#include "tap.h"

#define HDR "{\"mcr\":1,\"meta\":{}}\n"
#define SCHEMA                                                                              \
	"{\"kind\":\"schema\",\"db\":\"d\",\"table\":\"t\",\"version\":1,\"pos\":[1,4,0],"  \
	"\"time\":1,\"flags\":0,\"columns\":[{\"name\":\"id\",\"mysql_type\":\"int\","      \
	"\"mc_type\":\"INT\",\"nullable\":false,\"flags\":0}],\"key\":[0]}\n"
#define ROW(op, f, o, r)                                                                    \
	"{\"kind\":\"row\",\"op\":\"" op "\",\"db\":\"d\",\"table\":\"t\",\"version\":1,"   \
	"\"pos\":[" #f "," #o "," #r "],\"time\":1,\"before\":null,\"after\":[1]}\n"
#define MARK(m, f, o)                                                                       \
	"{\"kind\":\"mark\",\"mark\":\"" m "\",\"pos\":[" #f "," #o ",0],\"time\":1,"       \
	"\"db\":\"\",\"table\":\"\",\"label\":\"\"}\n"
#define CHUNK(f, o)                                                                         \
	"{\"kind\":\"mark\",\"mark\":\"chunk_end\",\"pos\":[" #f "," #o ",0],\"time\":1,"   \
	"\"db\":\"d\",\"table\":\"t\",\"label\":\"\"}\n"
#define DDL(f, o)                                                                           \
	"{\"kind\":\"ddl\",\"db\":\"d\",\"table\":\"t\",\"pos\":[" #f "," #o ",0],"         \
	"\"time\":1,\"sql\":\"ALTER TABLE t ADD x INT\",\"effect\":\"alter\"}\n"
#define TRAILER(n) "{\"kind\":\"trailer\",\"count\":" #n "}\n"

/* Read text (JSON lines) through a reader, the order checked when check:
 * 0 when it reads to its end, else the number of the record refused (its
 * message in msg). */
static unsigned long long read_all(const char *text, int check, char *msg, size_t msgsz)
{
	char path[] = "/tmp/t_order.XXXXXX";
	int fd = mkstemp(path);
	struct rio_reader rd;
	struct mc_rec r;
	struct mc_err err = { 0 };
	int rc;
	unsigned long long bad = 0;
	msg[0] = 0;
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		snprintf(msg, msgsz, "temporary file");
		return ~0ULL;
	}
	unlink(path);
	rio_init(&rd, fd, RIO_JSONL);
	if (check)
		rio_check_order(&rd);
	while ((rc = rio_next(&rd, &r, &err)) > 0)
		;
	if (rc < 0) {
		bad = rd.recno;
		snprintf(msg, msgsz, "%s", err.msg);
	}
	rio_close(&rd);
	close(fd);
	return bad;
}

static void expect(const char *what, const char *text, unsigned long long want,
		   const char *want_msg)
{
	char msg[1100];
	unsigned long long got = read_all(text, 1, msg, sizeof msg);
	if (!want_msg && want)
		want_msg = "input out of order";
	tap_check(got == want && (!want_msg || strstr(msg, want_msg)), what,
		  "refused at record %llu, want %llu: %s", got, want, msg);
}

int main(void)
{
	char msg[1100];

	expect("changes in order, marks at the position before them",
	       HDR SCHEMA ROW("insert", 1, 100, 0) ROW("insert", 1, 100, 1) MARK("txn_end", 1, 130)
		       DDL(1, 200) MARK("txn_end", 1, 200) MARK("heartbeat", 1, 200)
			       MARK("heartbeat", 2, 4) TRAILER(8),
	       0, NULL);
	expect("snapshot rows and chunk marks carry watermarks, not change positions",
	       HDR SCHEMA ROW("insert", 1, 500, 0) MARK("txn_end", 1, 530) ROW("snapshot", 1, 90, 0)
		       CHUNK(1, 90) ROW("insert", 1, 600, 0) TRAILER(6),
	       0, NULL);
	expect("a row below a change before it",
	       HDR SCHEMA ROW("insert", 1, 300, 0) MARK("txn_end", 1, 330) ROW("insert", 1, 200, 0)
		       MARK("txn_end", 1, 230) TRAILER(5),
	       5, NULL);
	read_all(HDR SCHEMA ROW("insert", 1, 300, 0) MARK("txn_end", 1, 330) ROW("insert", 1, 200, 0)
			 MARK("txn_end", 1, 230) TRAILER(5),
		 1, msg, sizeof msg);
	tap_check(strstr(msg, "position 1:200:0 is below position 1:330:0 of record 4, earlier in "
			      "this stream: input out of order") != NULL,
		  "the message names both positions and the earlier record", "%s", msg);
	expect("a row below within one event", HDR SCHEMA ROW("insert", 1, 100, 1)
		       ROW("insert", 1, 100, 0) TRAILER(3),
	       4, NULL);
	expect("a DDL record below", HDR SCHEMA ROW("insert", 1, 300, 0) DDL(1, 200) TRAILER(3), 4,
	       NULL);
	expect("a row below a txn_end mark", HDR SCHEMA ROW("insert", 1, 100, 0)
		       MARK("txn_end", 1, 300) ROW("insert", 1, 200, 0) TRAILER(4),
	       5, NULL);
	expect("a row below a heartbeat", HDR SCHEMA MARK("heartbeat", 2, 4) ROW("insert", 1, 900, 0)
		       TRAILER(3),
	       4, NULL);
	expect("a txn_end at row 0 of the rows event before it (MySQL 5.1, MyISAM) passes",
	       HDR SCHEMA ROW("insert", 1, 516, 0) ROW("insert", 1, 516, 1) MARK("txn_end", 1, 516)
		       ROW("insert", 1, 626, 0) MARK("txn_end", 1, 626) TRAILER(6),
	       0, NULL);
	expect("marks below pass (no data: a sink drops them)",
	       HDR MARK("heartbeat", 2, 4) MARK("heartbeat", 1, 900) MARK("txn_end", 1, 800)
		       TRAILER(3),
	       0, NULL);
	expect("a new header starts again (a rerun after the stream)",
	       HDR SCHEMA ROW("insert", 1, 300, 0) MARK("txn_end", 1, 330) TRAILER(3)
		       HDR SCHEMA ROW("insert", 1, 300, 0) MARK("txn_end", 1, 330) TRAILER(3),
	       0, NULL);
	expect("and the stream after it is checked again",
	       HDR SCHEMA ROW("insert", 1, 300, 0) TRAILER(2) HDR SCHEMA ROW("insert", 1, 300, 0)
		       ROW("insert", 1, 100, 0) TRAILER(3),
	       8, NULL);
	tap_check(read_all(HDR SCHEMA ROW("insert", 1, 300, 0) ROW("insert", 1, 200, 0) TRAILER(3),
			   0, msg, sizeof msg) == 0,
		  "without rio_check_order a reader passes it (mc-cat converting)", "%s", msg);
	return tap_done();
}
