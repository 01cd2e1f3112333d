#!/bin/sh
# mc-binlog-tail --checkpoint-in whose resume lies at offset 4 of a binlog
# that no stream read: FILEs whose last file closes with its ROTATE end
# with a heartbeat at the next binlog's start (F+1:4), so the checkpoint
# has no resume_epoch for it (its creation time was never read). After
# RESET MASTER and a new history that grows to binlog F+1 (its GTIDs past
# the checkpoint's, or a checkpoint without gtid), the tail read the new
# history's binlog F+1 from its start as the old one's next changes, exit
# 0, the new history's first binlogs lost; FILEs and live. Now
# mc-tunnel-put writes resume_prev F:T, the identity of the binlog whose
# ROTATE named the resume's (when the history has it and not the
# resume's), and the tail holds binlog F to it: FILEs, binlog F must be
# among the FILEs; live, the server's binlog F (its Format_description,
# read once at the start). Else exit 1, nothing written. A resume in the
# same history still works. docs/mc-binlog-tail.md "Description".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start

# the old history: row 1 in binlog 1, closed by FLUSH BINARY LOGS (its
# ROTATE names binlog 2); FILEs: binlog 1 alone, into the warehouse
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(255)); INSERT INTO d.t VALUES (1,'')"
sql "FLUSH BINARY LOGS"
mkdir "$T/old" "$T/new"
cp "$MDB_BL".000001 "$T/old/"
T1=$(binlog_created "$MDB_BL".000001)
mc-binlog-tail "$T/old/mysql-bin.000001" >"$T/f.mcr" 2>"$T/f.err" &&
	mc-tunnel-put --dest="$T/wh" --checkpoint-out="$T/ck" <"$T/f.mcr" 2>"$T/put.err"
expect_eq "FILEs, binlog 1 closed by its ROTATE: exit 0" "$?" 0
expect_eq "the checkpoint resumes at binlog 2's start" "$(grep '^resume ' "$T/ck")" "resume 2:4:0"
expect_eq "... without resume_epoch (binlog 2 was not read)" "$(grep -c '^resume_epoch' "$T/ck")" 0
expect_grep "... with resume_prev, binlog 1's creation time" "^resume_prev 1:$T1\$" "$T/ck"
cp "$T/ck" "$T/ck.old"

# the same history: row 2 in binlog 2; FILEs with binlog 1 too, and live
sql "INSERT INTO d.t VALUES (2,'')"
cp "$MDB_BL".000002 "$T/old/"
mc-binlog-tail --checkpoint-in="$T/ck" "$T/old/mysql-bin.000001" "$T/old/mysql-bin.000002" \
	>"$T/s.mcr" 2>"$T/s.err"
expect_eq "FILEs, the same history: exit 0, row 2" "$?/$(first_ids "$T/s.mcr")" "0/2 "
command -v zstd >/dev/null || { fail "zstd" "no zstd command (make deps)"; exit 1; }
mkdir "$T/z"
zstd -q "$T/old/mysql-bin.000001" -o "$T/z/mysql-bin.000001.zst"
mc-binlog-tail --checkpoint-in="$T/ck" "$T/z/mysql-bin.000001.zst" "$T/old/mysql-bin.000002" \
	>"$T/sz.mcr" 2>"$T/sz.err"
expect_eq "FILEs, binlog 1 compressed (zstd): exit 0, row 2" "$?/$(first_ids "$T/sz.mcr")" "0/2 "
mc-binlog-tail --checkpoint-in="$T/ck" "$T/old/mysql-bin.000002" >"$T/s2.mcr" 2>"$T/s2.err"
expect_eq "FILEs without binlog 1: exit 1" "$?" 1
expect_grep "... named, and what to do" \
	"^mc-binlog-tail: '.*/ck': the checkpoint's resume 2:4:0 lies at the start of binlog number 2, which no stream read \\(it follows binlog 1, closed by its ROTATE or STOP\\): the checkpoint holds binlog 1's identity instead, created at .* \\($T1\\) \\(its resume_prev 1:$T1\\), but no FILE is binlog number 1: give binlog 1 too \\(only its Format_description is read\\)\$" \
	"$T/s2.err"
timeout -k 5 20 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
	--stop-at-end --checkpoint-in="$T/ck" >"$T/l.mcr" 2>"$T/l.err"
expect_eq "live, the same history: exit 0, row 2" "$?/$(first_ids "$T/l.mcr")" "0/2 "

# RESET MASTER; the new history's GTIDs pass the checkpoint's at once
# (gtid_seq_no): rows 10 and 11 in its binlog 1, closed by FLUSH BINARY
# LOGS, row 12 in its binlog 2
sleep 1
sql "RESET MASTER"
sql "SET gtid_seq_no = 1000; INSERT INTO d.t VALUES (10,'')"
sql "INSERT INTO d.t VALUES (11,'')"
sql "FLUSH BINARY LOGS"
sql "INSERT INTO d.t VALUES (12,'')"
cp "$MDB_BL".000001 "$MDB_BL".000002 "$T/new/"
N1=$(binlog_created "$MDB_BL".000001)
expect_eq "the new binlog 1 was created at another time" "$([ "$N1" != "$T1" ] && echo other)" other

mc-binlog-tail --checkpoint-in="$T/ck" "$T/new/mysql-bin.000001" "$T/new/mysql-bin.000002" \
	>"$T/n.mcr" 2>"$T/n.err"
rc=$?
expect_eq "nothing written (was rows 12, 10 and 11 lost)" "$(first_ids "$T/n.mcr")" ""
expect_eq "FILEs, resume 2:4 in the new history: exit 1 (was 0)" "$rc" 1
expect_grep "the tail names binlog 1 and both creation times" \
	"^mc-binlog-tail: '.*new/mysql-bin.000001': offset 4: the checkpoint's resume 2:4:0 lies at the start of binlog number 2, which follows binlog number 1 created at [0-9: -]* UTC \\($T1\\) by server_id $MDB_SERVER_ID \\(its resume_prev 1:$T1\\), but this file was created at [0-9: -]* UTC \\($N1\\) by server_id $MDB_SERVER_ID \\(its Format_description\\): $MDB_WHY_HISTORY\$" \
	"$T/n.err"
grep -v '^gtid ' "$T/ck" >"$T/ck.nogtid"
mc-binlog-tail --checkpoint-in="$T/ck.nogtid" "$T/new/mysql-bin.000001" "$T/new/mysql-bin.000002" \
	>"$T/ng.mcr" 2>"$T/ng.err"
expect_eq "FILEs, the same without gtid (MySQL, no GTIDs): exit 1 (was 0)" "$?/$(first_ids "$T/ng.mcr")" "1/"
mc-binlog-tail --checkpoint-in="$T/ck" "$T/new/mysql-bin.000002" >"$T/n2.mcr" 2>"$T/n2.err"
expect_eq "FILEs, binlog 2 alone: exit 1 (was 0)" "$?/$(first_ids "$T/n2.mcr")" "1/"
expect_grep "... binlog 1 asked for" "give binlog 1 too" "$T/n2.err"

for c in ck ck.nogtid; do
	timeout -k 5 20 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
		--stop-at-end --checkpoint-in="$T/$c" >"$T/l.mcr" 2>"$T/l.err"
	rc=$?
	expect_eq "live, $c: nothing written (was row 12, rows 10 and 11 lost)" "$(first_ids "$T/l.mcr")" ""
	expect_eq "live, $c: exit 1 (was 0)" "$rc" 1
	expect_grep "live, $c: the tail names the server's binlog 1 and both creation times" \
		"^mc-binlog-tail: 'mysql-bin.000001': offset 4: the checkpoint's resume 2:4:0 lies at the start of binlog number 2, which follows binlog number 1 created at .*\\($T1\\).* but this file was created at .*\\($N1\\).*--new-history\$" \
		"$T/l.err"
done
mc-tunnel-put --dest="$T/wh" --checkpoint-out="$T/ck" <"$T/l.mcr" 2>"$T/put.err"
expect_same "the checkpoint has not moved" "$T/ck" "$T/ck.old"
expect_eq "the warehouse still holds row 1" "$(first_ids "$T"/wh/d__t_log/ds=*/part-*.mcr.zst)" "1 "

# the server's binlog 1 purged: live cannot check, exit 1
# (a binlog a dump thread still reads is not purged: retried)
for _ in $(seq 50); do
	sql "PURGE BINARY LOGS TO 'mysql-bin.000002'"
	[ "$(sql "SHOW BINARY LOGS" | head -n 1 | cut -f1)" = mysql-bin.000002 ] && break
	sleep 0.1
done
expect_eq "binlog 1 purged" "$(sql "SHOW BINARY LOGS" | cut -f1 | tr '\n' ' ')" "mysql-bin.000002 "
timeout -k 5 20 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
	--stop-at-end --checkpoint-in="$T/ck" >"$T/l.mcr" 2>"$T/l.err"
expect_eq "live, binlog 1 purged: exit 1" "$?/$(first_ids "$T/l.mcr")" "1/"
expect_grep "... named" "but the server has no binlog number 1 \\(it has mysql-bin.000002 to mysql-bin.000002: purged\\): give binlog 1 too" "$T/l.err"
