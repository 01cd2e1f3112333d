#!/bin/sh
# An ALTER that leaves the columns as they were (t3090), whose run stopped
# before the next row: a rerun that repeats the ALTER (the stream read
# again from the snapshot) closes it at its first new row, and the day
# merges equal to the source (sink/hist.c sink_hist_repeat). (It stayed
# pending, every merge refused: found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.c (id INT PRIMARY KEY, a TINYINT, b INT); INSERT INTO d.c VALUES (1,1,1),(2,2,2);" ||
	{ fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap.mcr" 2>"$T/err" || { fail setup "mc-snapshot: $(cat "$T/err")"; exit 1; }
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" || { fail setup restamp; exit 1; }
expect_ok "the snapshot loads" mc-tunnel-put --dest="$T/wh" "$T/snap1.mcr"
sql "INSERT INTO d.c VALUES (3,3,3);
     ALTER TABLE d.c MODIFY a TINYINT COMMENT 'the count';
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/c1.mcr"
restamp "$T/c1.mcr" 1763683200 >"$T/c1d.mcr" || { fail setup restamp; exit 1; }
expect_ok "the changes up to the ALTER load" mc-tunnel-put --dest="$T/wh" "$T/c1d.mcr"
sql "INSERT INTO d.c VALUES (4,4,4); UPDATE d.c SET b = 10 WHERE id = 1;
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
# the binlogs read again from the snapshot: the same records, and the rows after the ALTER
mdb_changes "$T/snap.mcr" "$T/c2.mcr"
restamp "$T/c2.mcr" 1763683200 1763769600 >"$T/c2d.mcr" || { fail setup restamp; exit 1; }
expect_ok "the stream read again loads (its new rows)" mc-tunnel-put --dest="$T/wh" "$T/c2d.mcr"
expect_ok "... a second time (nothing new)" mc-tunnel-put --dest="$T/wh" "$T/c2d.mcr"
D=20251121
sql "SELECT id, a, b FROM d.c" | tr '\t' ',' | sort >"$T/truth"
expect_ok "the merge of the day (rows came after the ALTER)" mc-merge --warehouse="$T/wh" --table=d__c --ds=$D
mc-cat --to=csv --table=d.c "$T/wh/d__c/ds=$D"/part-*.mcr.zst 2>/dev/null | tail -n +2 | sort >"$T/got"
expect_same "... equals the source" "$T/truth" "$T/got"
