#!/bin/sh
# mc-binlog-tail live with --checkpoint-in after RESET MASTER: the server
# has a binlog of the checkpoint's resume number again, of the new history;
# its GTID list (before the checkpoint's gtid) makes the tail stop, exit 1,
# instead of reading it as the old history's next binlog and leaving out
# the new history's first one (exit 0). docs/mc-binlog-tail.md
# "Description", t2070 for FILEs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v INT); INSERT INTO d.t VALUES (1,1)"
sql "FLUSH BINARY LOGS"
live() {
	timeout -k 5 20 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
		--stop-at-end --checkpoint-in="$T/ck" --start=mysql-bin.000001:4 2>"$T/tail.err" |
		mc-tunnel-put --dest="$T/wh" --checkpoint-out="$T/ck" 2>"$T/put.err"
}
live
expect_eq "the first run: exit 0" "$?" 0
expect_grep "its resume is binlog 2's start" '^resume 2:4:0$' "$T/ck"
cp "$T/ck" "$T/ck.before"
sql "INSERT INTO d.t VALUES (2,2)"
live
expect_eq "the same history: exit 0" "$?" 0
expect_grep "resume moves on" '^resume 2:[0-9]*:0$' "$T/ck"
sql "FLUSH BINARY LOGS"
live
sql "RESET MASTER"
sql "INSERT INTO d.t VALUES (3,3)"
sql "FLUSH BINARY LOGS"
sql "INSERT INTO d.t VALUES (4,4)"
sql "FLUSH BINARY LOGS"
sql "INSERT INTO d.t VALUES (5,5)"
sql "FLUSH BINARY LOGS"
cp "$T/ck" "$T/ck.old"
live
expect_eq "after RESET MASTER, resume 3:4 in the new history's binlog 3: not exit 0" "$?" 1
# (the checkpoint's resume_epoch holds binlog 3's creation time, t2075: a
# new binlog 3 created in another second is refused by it, at offset 4)
expect_grep "the tail names binlog 3's creation times, or its GTID list" \
	"^mc-binlog-tail: 'mysql-bin.000003': offset (4: the checkpoint's resume 3:4:0 lies in binlog number 3 created at .* but this file was created at .*--new-history\$|[0-9]*: its GTID list )" \
	"$T/tail.err"
expect_same "the checkpoint has not moved" "$T/ck" "$T/ck.old"
# a checkpoint without resume_epoch (an older mc-tunnel-put's): the GTID list
grep -v '^resume_epoch ' "$T/ck" >"$T/ck.noepoch"
timeout -k 5 20 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
	--stop-at-end --checkpoint-in="$T/ck.noepoch" >"$T/ne.mcr" 2>"$T/tail.err"
expect_eq "... without resume_epoch: not exit 0 either" "$?" 1
expect_grep "the tail names the GTID list and the checkpoint's gtid" \
	"^mc-binlog-tail: 'mysql-bin.000003': offset [0-9]*: its GTID list \(the binlog state when the server began the file\) ends domain 0 of server_id [0-9]* at 0-[0-9]*-2, but the checkpoint's committed changes end there at 0-[0-9]*-4: the files are not of one binlog history" \
	"$T/tail.err"
expect_same "the checkpoint has not moved" "$T/ck" "$T/ck.old"
expect_eq "the warehouse holds rows 1 and 2 only" \
	"$(mc-cat --to=jsonl "$T"/wh/d__t_log/ds=*/part-*.mcr.zst | grep -o '"after":\[[0-9]*' | sort | tr '\n' ' ')" \
	'"after":[1 "after":[2 '
