/* t_resume: unit tests of the resume state: MariaDB GTID sets
 * (common/blrepl.c) and the ledger's resume position and GTIDs
 * (common/wh.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mysql/blrepl.h"
#include "wh/wh.h"

#define TAP_NAME "t_resume"
#include "tap.h"


static void result(int good, const char *desc, const char *why)
{
	tap_check(good, desc, "%s", why);
}

static void expect_str(const char *desc, const char *got, const char *want)
{
	char why[512];
	snprintf(why, sizeof why, "got '%s', expected '%s'", got ? got : "(null)", want);
	result(got && strcmp(got, want) == 0, desc, why);
}

static void test_gtid_ok(void)
{
	static const char *good[] = { "0-1-1", "0-1-5,5-1-17", "4294967295-4294967295-18446744073709551615" };
	static const char *bad[] = { "", "0-1", "0-1-", "a-1-1", "0-1-1,", ",0-1-1", "0-1-1 ",
				     "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", "4294967296-1-1",
				     "0-1-18446744073709551616" };
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		result(blr_gtid_ok(good[i]), good[i], "not accepted");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char d[128];
		snprintf(d, sizeof d, "'%s' is not a MariaDB GTID set", bad[i]);
		result(!blr_gtid_ok(bad[i]), d, "accepted");
	}
}

static void test_gtid_add(void)
{
	char set[64] = "";
	result(blr_gtid_add(set, sizeof set, "0-1-5") == 0, "add to an empty set", "failed");
	expect_str("add to an empty set: the set", set, "0-1-5");
	blr_gtid_add(set, sizeof set, "5-1-1");
	expect_str("a new domain is appended", set, "0-1-5,5-1-1");
	blr_gtid_add(set, sizeof set, "0-2-6");
	expect_str("a GTID replaces its domain's, in place", set, "0-2-6,5-1-1");
	blr_gtid_add(set, sizeof set, "50-1-3");
	blr_gtid_add(set, sizeof set, "5-1-2");
	expect_str("domain 5 is not domain 50", set, "0-2-6,5-1-2,50-1-3");
	result(blr_gtid_add(set, sizeof set, "0-1") < 0, "a bad GTID is refused", "accepted");
	result(blr_gtid_add(set, sizeof set, "0-1-1,1-1-1") < 0, "a set is not one GTID", "accepted");
	result(blr_gtid_add(set, 20, "7-1-1") < 0, "a set that would not fit is refused", "accepted");
	expect_str("a refused add leaves the set", set, "0-2-6,5-1-2,50-1-3");
}

static void test_ledger(void)
{
	char dir[] = "/tmp/t_resume.XXXXXX", sub[64];
	struct mc_ledger l = { 0 }, r;
	struct mc_err err = { 0 };
	struct mc_pos p1 = { 3, 1200, 2 }, p2 = { 3, 1500, 0 };
	if (!mkdtemp(dir)) {
		result(0, "temporary directory", "mkdtemp failed");
		return;
	}
	snprintf(sub, sizeof sub, "%s/_mcsync", dir);
	result(wh_mkdirs(sub, &err) == 0, "ledger directory", err.msg);
	ledger_mark(&l, &p1, "0-1-41", 6, &err);
	ledger_mark(&l, &p1, "5-1-7", 5, &err);
	ledger_mark(&l, &p1, "0-1-42", 6, &err);
	expect_str("txn_end labels: the last GTID per domain", l.gtid, "0-1-42,5-1-7");
	ledger_mark(&l, &p2, "", 0, &err);
	result(l.has_resume && pos_cmp(&l.resume, &p2) == 0, "a heartbeat moves resume",
	       "resume not the heartbeat's position");
	expect_str("a heartbeat leaves the GTIDs", l.gtid, "0-1-42,5-1-7");
	ledger_mark(&l, &p2, "3e11fa47-71ca-11e1-9e33-c80aa9429562:17", 39, &err);
	ledger_mark(&l, &p2, "3e11fa47-71ca-11e1-9e33-c80aa9429562:18", 39, &err);
	expect_str("MySQL GTIDs: the last per server UUID", l.gtid,
		   "0-1-42,5-1-7,3e11fa47-71ca-11e1-9e33-c80aa9429562:18");
	result(ledger_mark(&l, &p2, "0-1-1,1-1-1", 11, &err) < 0, "a label with a comma is an error",
	       "accepted");
	l.seq = 4;
	result(wh_ledger_write(dir, &l, &err) == 0, "ledger written", err.msg);
	result(wh_ledger_read(dir, &r, &err) == 1, "ledger read back", err.msg);
	result(r.has_resume && pos_cmp(&r.resume, &p2) == 0, "resume read back", "differs");
	expect_str("gtid read back", r.gtid, l.gtid);
	ledger_free(&r);
	ledger_free(&l);
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			result(0, "cleanup", dir);
	}
}

/* ledger_gtid_seq: the highest number of a domain in a set, MariaDB's
 * and MySQL's (a UUID's dashes are not a domain's end) */
static void test_gtid_seq(void)
{
	const char *m = "0-1-41, 5-2-7,0-3-9";
	const char *u = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7-12,3e11fa47-71ca-11e1-9e33-"
			"c80aa9429563:1-3";
	uint64_t n = 0;
	tap_check(ledger_gtid_seq(m, strlen(m), "0", 1, &n) && n == 41, "MariaDB: domain 0's highest",
		  "%llu", (unsigned long long)n);
	tap_check(ledger_gtid_seq(m, strlen(m), "5", 1, &n) && n == 7, "MariaDB: domain 5",
		  "%llu", (unsigned long long)n);
	tap_check(!ledger_gtid_seq(m, strlen(m), "1", 1, &n), "MariaDB: no domain 1", "%d", 0);
	tap_check(ledger_gtid_seq(u, strlen(u), "3e11fa47-71ca-11e1-9e33-c80aa9429562", 36, &n) &&
			  n == 12, "MySQL: a UUID's last interval's end", "%llu", (unsigned long long)n);
	tap_check(ledger_gtid_seq(u, strlen(u), "3e11fa47-71ca-11e1-9e33-c80aa9429563", 36, &n) &&
			  n == 3, "MySQL: another UUID of the same prefix", "%llu", (unsigned long long)n);
	tap_check(!ledger_gtid_seq(u, strlen(u), "3e11fa47", 8, &n), "MySQL: a UUID's prefix is none",
		  "%d", 0);
}

int main(void)
{
	test_gtid_seq();
	test_gtid_ok();
	test_gtid_add();
	test_ledger();
	return tap_done();
}
