#!/bin/sh
# An ALTER of a column that leaves the columns as they were (MODIFY a
# TINYINT COMMENT '...'), with rows after it: the tail writes no schema
# record after it, so mc-tunnel-put closes the statement with the table's
# schema at the next row (docs/warehouse.md "Schema history"), and the day
# merges, locally and in MaxCompute, equal to the source. (The statement
# stayed pending for good and every merge of the day was exit 1: found by
# a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.c (id INT PRIMARY KEY, a TINYINT, b INT); INSERT INTO d.c VALUES (1,1,1),(2,2,2);" ||
	{ fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap.mcr" 2>"$T/err" || { fail setup "mc-snapshot: $(cat "$T/err")"; exit 1; }
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" || { fail setup restamp; exit 1; }
expect_ok "the snapshot loads" mc-tunnel-put --dest="$T/wh" --checkpoint-out="$T/ck" "$T/snap1.mcr"
sql "INSERT INTO d.c VALUES (3,3,3);
     ALTER TABLE d.c MODIFY a TINYINT COMMENT 'the count';
     INSERT INTO d.c VALUES (4,4,4); UPDATE d.c SET b = 10 WHERE id = 1;
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
timeout -k 5 30 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 --stop-at-end \
	--checkpoint-in="$T/ck" >"$T/live.mcr" 2>"$T/tail.err" || { fail setup "mc-binlog-tail: $(cat "$T/tail.err")"; exit 1; }
restamp "$T/live.mcr" 1763683200 1763769600 >"$T/live1.mcr" || { fail setup restamp; exit 1; }
expect_ok "the changes load" mc-tunnel-put --dest="$T/wh" --checkpoint-out="$T/ck" "$T/live1.mcr"
D=20251121
sql "SELECT id, a, b FROM d.c" | tr '\t' ',' | sort >"$T/truth"
expect_ok "the local merge of the day" mc-merge --warehouse="$T/wh" --table=d__c --ds=$D
mc-cat --to=csv --table=d.c "$T/wh/d__c/ds=$D"/part-*.mcr.zst 2>/dev/null | tail -n +2 | sort >"$T/got"
expect_same "... equals the source" "$T/truth" "$T/got"
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
expect_ok "the snapshot goes into MaxCompute" mc-tunnel-put $OD --state="$T/s" "$T/snap1.mcr"
expect_ok "the changes too" mc-tunnel-put $OD --state="$T/s" "$T/live1.mcr"
expect_ok "the merge of the day in MaxCompute" mc-merge $OD --state="$T/s" --table=d__c --ds=$D
sqlite3 -separator , "$DB" "SELECT id, a, b FROM d__c WHERE ds = '$D'" | sort >"$T/goto"
expect_same "... equals the source" "$T/truth" "$T/goto"
