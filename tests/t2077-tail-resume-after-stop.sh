#!/bin/sh
# t2076's check on the good path, run after run: FILEs whose last binlog
# closes with its ROTATE (FLUSH BINARY LOGS) or its STOP (a restart of the
# server) end at the next binlog's start, and the checkpoint holds
# resume_prev, the identity of the binlog before it; each next run gives
# that binlog too and goes on, exit 0, every row once; live resumes there
# too. Without the binlog before, exit 1. docs/mc-binlog-tail.md
# "Description".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start

sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(255)); INSERT INTO d.t VALUES (1,'')"
sql "FLUSH BINARY LOGS"
sql "INSERT INTO d.t VALUES (2,'')"
mdb_restart
sql "INSERT INTO d.t VALUES (3,'')"
T1=$(binlog_created "$MDB_BL".000001)
T2=$(binlog_created "$MDB_BL".000002)
# (a STOP event: 19 bytes of header, 4 of checksum; type 3)
expect_eq "binlog 2 closes with its STOP" "$(od -An -tu1 -j$(($(stat -c %s "$MDB_BL".000002) - 23 + 4)) -N1 "$MDB_BL".000002 | tr -d ' ')" 3

# run 1: binlog 1 (ROTATE): resume 2:4, resume_prev 1
mc-binlog-tail "$MDB_BL".000001 >"$T/1.mcr" 2>"$T/1.err" &&
	mc-tunnel-put --dest="$T/wh" --checkpoint-out="$T/ck" <"$T/1.mcr" 2>"$T/put.err"
expect_eq "run 1: exit 0" "$?" 0
expect_eq "... resume 2:4, resume_prev binlog 1's" \
	"$(grep '^resume' "$T/ck" | tr '\n' ' ')" "resume 2:4:0 resume_prev 1:$T1 "
# run 2: binlogs 1 and 2 (STOP): resume 3:4, resume_prev 2
mc-binlog-tail --checkpoint-in="$T/ck" "$MDB_BL".000001 "$MDB_BL".000002 >"$T/2.mcr" 2>"$T/2.err" &&
	mc-tunnel-put --dest="$T/wh" --checkpoint-out="$T/ck" <"$T/2.mcr" 2>"$T/put.err"
expect_eq "run 2, with binlog 1: exit 0" "$?" 0
expect_eq "... resume 3:4, resume_prev binlog 2's (a STOP closes it)" \
	"$(grep '^resume' "$T/ck" | tr '\n' ' ')" "resume 3:4:0 resume_prev 2:$T2 "
mc-binlog-tail --checkpoint-in="$T/ck" "$MDB_BL".000003 >"$T/3x.mcr" 2>"$T/3x.err"
expect_eq "run 3 without binlog 2: exit 1, nothing written" "$?/$(first_ids "$T/3x.mcr")" "1/"
expect_grep "... binlog 2 asked for" "but no FILE is binlog number 2: give binlog 2 too" "$T/3x.err"
# run 3: live from there
mdb_live_ck "$T/ck"
expect_eq "run 3, live: exit 0" "$?/$put_rc" 0/0
expect_eq "the warehouse holds rows 1 to 3, each once" \
	"$(first_ids "$T"/wh/d__t_log/ds=*/part-*.mcr.zst)" "1 2 3 "
expect_eq "... the live run read binlog 3: resume_epoch" \
	"$(grep -c "^resume_epoch 3:$(binlog_created "$MDB_BL".000003)\$" "$T/ck")/$(grep -c '^resume_prev' "$T/ck")" "1/0"
