#!/bin/sh
# mc-binlog-tail: binlog FILEs of two histories (a RESET MASTER between
# them, or another server's) whose numbers still follow each other are
# refused, exit 1, at the second file's GTID list (MariaDB: the server's
# binlog state when it began the file), instead of a stream that leaves
# out the changes of the files not given and exits 0.
# docs/mc-binlog-tail.md "Description".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
BL=$MDB_DIR/binlog/mysql-bin
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v INT); INSERT INTO d.t VALUES (1,1)"
sql "FLUSH BINARY LOGS"
sql "INSERT INTO d.t VALUES (2,2)"
sql "FLUSH BINARY LOGS"
mkdir "$T/old" "$T/new" "$T/mix" "$T/mix2"
cp "$BL".000001 "$BL".000002 "$T/old/"
sql "RESET MASTER"
sql "INSERT INTO d.t VALUES (3,3)"
sql "FLUSH BINARY LOGS"
sql "INSERT INTO d.t VALUES (4,4)"
sql "FLUSH BINARY LOGS"
cp "$BL".000001 "$BL".000002 "$T/new/"

expect_ok "one history, files 1 and 2: exit 0" mc-binlog-tail "$T/old/mysql-bin.000001" "$T/old/mysql-bin.000002"
expect_ok "the other history, files 1 and 2: exit 0" mc-binlog-tail "$T/new/mysql-bin.000001" "$T/new/mysql-bin.000002"

# the old history's 000001 (row 1), the new one's 000002 (row 4): rows 2
# and 3 would be lost
cp "$T/old/mysql-bin.000001" "$T/new/mysql-bin.000002" "$T/mix/"
expect_code 1 "old 000001 then new 000002: exit 1" mc-binlog-tail "$T/mix/mysql-bin.000001" "$T/mix/mysql-bin.000002"
expect_grep "naming the file, its GTID list and the last GTID before it" \
	"^mc-binlog-tail: '.*mix/mysql-bin.000002': offset [0-9]*: its GTID list \\(the binlog state when the server began the file\\) ends domain 0 of server_id [0-9]* at 0-[0-9]*-1, but the FILEs before it end there at 0-[0-9]*-3: the files are not of one binlog history" "$T/err"
expect_eq "row 4 is not written" "$(mc-cat --to=jsonl "$T/out" 2>/dev/null | grep -c '"after":\[4,4\]')" 0
mc-binlog-tail "$T/mix/mysql-bin.000001" "$T/mix/mysql-bin.000002" 2>/dev/null |
	mc-tunnel-put --dest="$T/wh" 2>"$T/put.err"
expect_eq "into the sink: not a complete stream (exit 1)" "$?" 1

# the new history's 000001, the old one's 000002 (repeats 1 of the new as 3)
cp "$T/new/mysql-bin.000001" "$T/old/mysql-bin.000002" "$T/mix2/"
expect_code 1 "new 000001 then old 000002: exit 1" mc-binlog-tail "$T/mix2/mysql-bin.000001" "$T/mix2/mysql-bin.000002"
expect_grep "the old file's list is past the new file's last GTID" "at 0-[0-9]*-3, but the FILEs before it end there at 0-[0-9]*-1" "$T/err"

# from a checkpoint in the old history's 000001: its resume is 000002's
# start, past every GTID of the old history; a 000002 of the new one
mc-binlog-tail "$T/old/mysql-bin.000001" | mc-tunnel-put --dest="$T/wh2" --checkpoint-out="$T/ck"
expect_code 1 "--checkpoint-in (resume at 000002's start), a 000002 of the new history: exit 1" \
	mc-binlog-tail --checkpoint-in="$T/ck" "$T/mix/mysql-bin.000001" "$T/mix/mysql-bin.000002"
expect_grep "its list is before the checkpoint's gtid" \
	"at 0-[0-9]*-1, but the checkpoint's committed changes end there at 0-[0-9]*-3: the files are not of one binlog history" "$T/err"
expect_ok "--checkpoint-in, the old history's 000002: exit 0" \
	mc-binlog-tail --checkpoint-in="$T/ck" "$T/old/mysql-bin.000001" "$T/old/mysql-bin.000002"
mc-tunnel-put --dest="$T/wh2" --checkpoint-out="$T/ck" <"$T/out"
expect_eq "and the sink takes it" "$?" 0
expect_eq "the warehouse holds rows 1 and 2" \
	"$(mc-cat --to=jsonl "$T"/wh2/d__t_log/ds=*/part-*.mcr.zst | grep -o '"after":\[[0-9]*' | sort | tr '\n' ' ')" \
	'"after":[1 "after":[2 '
