#!/bin/sh
# mc-binlog-tail --checkpoint-in into a binlog of another history whose
# file number, offset and GTID sequence numbers have passed the
# checkpoint's (RESET MASTER and more transactions, a restored backup,
# another server with the same binlog base name), or with no GTID to
# compare (GTIDs not in use, MySQL): t2073's checks pass, and the tail
# read the new history from the resume offset as the old one's next
# changes, exit 0, its first transactions lost. Now the checkpoint holds
# resume_epoch, the resume's binlog number and creation time (the time in
# its Format_description's header) when a stream of the history started
# in that binlog (since t2075 also when one read into it), and the tail
# refuses a file of that number created at another time (or by another
# server_id): exit 1, nothing written. A checkpoint without the line
# (older) is read as before. Rotation, a restart of the server and a
# resume in the same history still work. docs/mc-binlog-tail.md
# "Description".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start

sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(255)); INSERT INTO d.t VALUES (1,'')"
mdb_live_ck "$T/ck"
expect_eq "the first run: exit 0" "$?/$put_rc" 0/0
T1=$(binlog_created "$MDB_BL".000001)
expect_grep "the checkpoint holds binlog 1's creation time" "^resume_epoch 1:$T1\$" "$T/ck"

# the same history: FILEs and live resume inside binlog 1
sql "INSERT INTO d.t VALUES (2,'')"
mkdir "$T/old" "$T/new"
cp "$MDB_BL".000001 "$T/old/"
mc-binlog-tail --checkpoint-in="$T/ck" "$T/old/mysql-bin.000001" >"$T/old.mcr" 2>"$T/old.err"
expect_eq "FILEs, the same history: exit 0" "$?" 0
expect_eq "its stream holds row 2" "$(first_ids "$T/old.mcr")" "2 "
grep -v '^resume_epoch ' "$T/ck" >"$T/ck.older"
mc-binlog-tail --checkpoint-in="$T/ck.older" "$T/old/mysql-bin.000001" >"$T/older.mcr" 2>"$T/older.err"
expect_eq "FILEs, a checkpoint without resume_epoch (older): exit 0, read as before" "$?/$(first_ids "$T/older.mcr")" "0/2 "
mdb_live_ck "$T/ck"
expect_eq "live, the same history: exit 0" "$?/$put_rc" 0/0
R=$(sed -n 's/^resume 1:\([0-9]*\):0$/\1/p' "$T/ck")
expect_eq "the resume lies inside binlog 1" "$([ "${R:-0}" -gt 4 ] && echo inside)" inside
cp "$T/ck" "$T/ck1"

# a rotation: a stream that started in binlog 1 and resumes in binlog 2
# (no stream started in it: its binlog_start mark gives the sink binlog
# 2's creation time, t2075), then one started there
sql "FLUSH BINARY LOGS"
sql "INSERT INTO d.t VALUES (3,'')"
mdb_live_ck "$T/ck"
expect_eq "live, on into binlog 2: exit 0" "$?/$put_rc" 0/0
expect_grep "the checkpoint holds binlog 2's creation time (was none)" "^resume_epoch 2:$(binlog_created "$MDB_BL".000002)\$" "$T/ck"
sql "INSERT INTO d.t VALUES (4,'')"
mdb_live_ck "$T/ck"
expect_eq "live, resumed in binlog 2: exit 0" "$?/$put_rc" 0/0
expect_grep "... and still, resumed there" "^resume_epoch 2:$(binlog_created "$MDB_BL".000002)\$" "$T/ck"
# a restart of the server: it begins binlog 3; the resume in binlog 2 holds
mdb_restart
sql "INSERT INTO d.t VALUES (5,'')"
mdb_live_ck "$T/ck"
expect_eq "live, after a restart of the server: exit 0" "$?/$put_rc" 0/0
expect_eq "the warehouse holds rows 1 to 5" "$(first_ids "$T"/wh/d__t_log/ds=*/part-*.mcr.zst)" "1 2 3 4 5 "

# RESET MASTER; the new history's GTIDs pass the checkpoint's at once
# (gtid_seq_no), and its binlog 1 gets an event boundary at the resume of
# ck1: a transaction padded to end there (REPEAT keeps the statement's
# length, the row grows by the count)
mdb_new_history "$R" 1 "SET gtid_seq_no = 1000"
expect_eq "the new history's binlog 1 has an event boundary at $R" "$(mdb_pos)" "$R"
sql "INSERT INTO d.t VALUES (100,''),(101,'')"
cp "$MDB_BL".000001 "$T/new/"
T2=$(binlog_created "$MDB_BL".000001)
expect_eq "the new binlog 1 was created at another time" "$([ "$T2" != "$T1" ] && echo other)" other

cp "$T/ck1" "$T/ck1.old"
mc-binlog-tail --checkpoint-in="$T/ck1" "$T/new/mysql-bin.000001" >"$T/new.mcr" 2>"$T/new.err"
expect_eq "FILEs, resume $R in the new history's binlog 1, its GTIDs past: exit 1 (was 0, rows 10 to $((i - 1)) lost)" "$?" 1
expect_grep "the tail names the file and both creation times" \
	"^mc-binlog-tail: '.*new/mysql-bin.000001': offset 4: the checkpoint's resume 1:$R:0 lies in binlog number 1 created at [0-9: -]* UTC \\($T1\\) by server_id $MDB_SERVER_ID \\(its resume_epoch 1:$T1\\), but this file was created at [0-9: -]* UTC \\($T2\\) by server_id $MDB_SERVER_ID \\(its Format_description\\): $MDB_WHY_HISTORY\$" \
	"$T/new.err"
expect_eq "nothing written" "$(first_ids "$T/new.mcr")" ""

grep -v '^gtid ' "$T/ck1" >"$T/ck.nogtid"
mc-binlog-tail --checkpoint-in="$T/ck.nogtid" "$T/new/mysql-bin.000001" >"$T/ng.mcr" 2>"$T/ng.err"
expect_eq "FILEs, a checkpoint without gtid (GTIDs not in use, MySQL): exit 1 (was 0)" "$?" 1
expect_grep "... by the file's creation time" "but this file was created at .*--new-history\$" "$T/ng.err"

sed "s/^source_id .*/source_id 4242/; s/^resume_epoch .*/resume_epoch 1:$T2/" "$T/ck1" >"$T/ck.sid"
mc-binlog-tail --checkpoint-in="$T/ck.sid" "$T/new/mysql-bin.000001" >"$T/sid.mcr" 2>"$T/sid.err"
expect_eq "FILEs, the same creation time by another server_id: exit 1" "$?" 1
expect_grep "... named" "created at .* by server_id 4242 .*by server_id $MDB_SERVER_ID \\(its Format_description\\)" "$T/sid.err"

timeout -k 5 20 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
	--stop-at-end --checkpoint-in="$T/ck1" >"$T/l.mcr" 2>"$T/l.err"
expect_eq "live, the same resume: exit 1 (was 0)" "$?" 1
expect_grep "the tail names the binlog and both creation times" \
	"^mc-binlog-tail: 'mysql-bin.000001': offset 4: the checkpoint's resume 1:$R:0 lies in binlog number 1 created at .*\\($T1\\).* but this file was created at .*\\($T2\\).*--new-history\$" \
	"$T/l.err"
expect_eq "nothing written" "$(first_ids "$T/l.mcr")" ""
expect_same "the checkpoint has not moved" "$T/ck1" "$T/ck1.old"

# the documented limit: a checkpoint without resume_epoch (an older one)
# is read as before
grep -v '^resume_epoch ' "$T/ck1" >"$T/ck.older2"
mc-binlog-tail --checkpoint-in="$T/ck.older2" "$T/new/mysql-bin.000001" >"$T/o2.mcr" 2>"$T/o2.err"
expect_eq "FILEs, the same without resume_epoch: exit 0 (not told apart, as before)" "$?" 0

# the new history read from its start into --new-history: the new
# checkpoint holds the new binlog 1's creation time
mc-binlog-tail --start=mysql-bin.000001:4 $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
	--stop-at-end >"$T/nh.mcr" 2>"$T/nh.err"
mc-tunnel-put --dest="$T/wh" --checkpoint-out="$T/ck" --new-history <"$T/nh.mcr" 2>"$T/put.err"
expect_eq "the new history into --new-history: exit 0" "$?" 0
expect_grep "its checkpoint holds the new binlog 1's creation time" "^resume_epoch 1:$T2\$" "$T/ck"
mdb_live_ck "$T/ck"
expect_eq "live, resumed in the new history: exit 0" "$?/$put_rc" 0/0
