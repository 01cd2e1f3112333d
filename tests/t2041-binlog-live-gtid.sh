#!/bin/sh
# mc-binlog-tail live from a MariaDB GTID set (--start-gtid): the stream
# equals the file decoding from the end of the named transaction (positions
# included), across a rotation; a domain the set names ahead has its
# transactions left out; --checkpoint-in falls back to the checkpoint's
# GTID set when its binlog was purged.
. "$(dirname "$0")/lib.sh"

expect_grep "--help lists --start-gtid" '^ *--start-gtid=SET' "$(mc-binlog-tail --help >"$T/help"; echo "$T/help")"
expect_code 2 "bad --start-gtid" mc-binlog-tail --socket=/x --start-gtid=0-1
# MySQL sets: parsed before connecting (a bad one is a usage error naming
# the bad part); against this MariaDB server a clear refusal, exit 1
expect_code 2 "bad MySQL GTID set: exit 2" mc-binlog-tail --socket=/x \
	--start-gtid=3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7-3
expect_grep "bad MySQL GTID set: the bad part named" "bad MySQL GTID set: want an interval N-M .*at '7-3'" "$T/err"
expect_code 2 "tagged MySQL GTID: exit 2" mc-binlog-tail --socket=/x \
	--start-gtid=3e11fa47-71ca-11e1-9e33-c80aa9429562:mytag:1-5
expect_grep "tagged MySQL GTID: said so" "tagged GTIDs .UUID:tag:N, MySQL 8.3.. are not supported" "$T/err"
expect_code 2 "--start and --start-gtid" mc-binlog-tail --socket=/x --start=b.000001:4 \
	--start-gtid=0-1-1

. "$(dirname "$0")/mariadb.sh"
mdb_start
BL=$MDB_DIR/binlog/mysql-bin
S=$MDB_SERVER_ID
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(20), d DECIMAL(10,2));
INSERT INTO d.t VALUES (1, 'a', 1.5);
BEGIN; INSERT INTO d.t VALUES (2, 'b', NULL); UPDATE d.t SET v = 'aa' WHERE id = 1; COMMIT;
FLUSH BINARY LOGS;
DELETE FROM d.t WHERE id = 2; INSERT INTO d.t VALUES (3, 'c', 3);
SET gtid_domain_id = 5; INSERT INTO d.t VALUES (50, 'other domain', 0); SET gtid_domain_id = 0;
UPDATE d.t SET d = d + 1"
expect_eq "the server's GTID state" "$(sql 'SELECT @@gtid_binlog_pos')" "0-$S-7,5-$S-1"

live() {
	timeout -k 5 20 mc-binlog-tail $MDB_ARGS --server-id=$((S + 1)) --heartbeat=0 --stop-at-end "$@" \
		>"$T/live.mcr" 2>"$T/live.err"
}
# the end of transaction $1 (its GTID) in the file decoding
mc-binlog-tail --format=text "$BL".000001 "$BL".000002 >"$T/all.txt"
end_of() {
	grep "^mark txn_end .* label=$1\$" "$T/all.txt" | awk '{print $3}' | cut -d: -f1,2
}

# from the middle of file 1: 0-S-3 is the second row transaction
p=$(end_of "0-$S-3")
case $p in 1:*) ok "0-$S-3 ends in file 1 ($p)" ;; *) fail "0-$S-3 ends in file 1" "$p" ;; esac
if live --start-gtid="0-$S-3"; then ok "live from GTID 0-$S-3"
else fail "live from GTID 0-$S-3" "$(head -3 "$T/live.err")"; fi
mc-cat --to=jsonl "$T/live.mcr" >"$T/live.jsonl" 2>&1
# (a stream started from a GTID set has no source_start: the set says where;
# compared without it, and without the trailer's checksum of the bytes)
nostart() { sed '1s/,"source_start":"[0-9:]*"//; 1s/,"source_start_gtid":"[^"]*"//; $s/,"crc32c":[0-9]*//' "$1" >"$1.cmp"; }
mc-binlog-tail --lower-case-table-names=0 --from="$BL.000001:${p#1:}" "$BL".000001 "$BL".000002 | mc-cat --to=jsonl >"$T/file.jsonl" 2>&1
nostart "$T/live.jsonl"; nostart "$T/file.jsonl"
expect_same "GTID start = files from the end of 0-$S-3 (across the rotation)" "$T/live.jsonl.cmp" "$T/file.jsonl.cmp"
expect_grep "the rows of file 2 come" '\[2,[0-9]+,0\]' "$T/live.jsonl"

# a set that is ahead in domain 5: its transaction is left out, the rest
# is what the files hold, at the same positions
p=$(end_of "0-$S-5")
case $p in 2:*) ok "0-$S-5 ends in file 2 ($p)" ;; *) fail "0-$S-5 ends in file 2" "$p" ;; esac
if live --start-gtid="0-$S-5,5-$S-1"; then ok "live from GTID 0-$S-5,5-$S-1"
else fail "live from GTID 0-$S-5,5-$S-1" "$(head -3 "$T/live.err")"; fi
mc-binlog-tail --format=text --from="$BL.000002:${p#2:}" "$BL".000001 "$BL".000002 >"$T/f2.txt"
mc-cat --to=jsonl "$T/live.mcr" >/dev/null 2>&1 && ok "two domains: a valid stream" ||
	fail "two domains: a valid stream"
mc-binlog-tail --format=text $MDB_ARGS --server-id=$((S + 1)) --heartbeat=0 --stop-at-end \
	--start-gtid="0-$S-5,5-$S-1" >"$T/l2.txt" 2>&1
expect_eq "two domains: domain 5's transaction left out" "$(grep -c "label=5-$S-1" "$T/l2.txt")" 0
# the file decoding without domain 5's transaction (the lines between the
# txn_end before it and its own txn_end)
awk -v d="label=5-$S-1" '{ buf = buf $0 "\n" } /^mark txn_end/ { if (index($0, d) == 0) printf "%s", buf; buf = "" }
	END { printf "%s", buf }' "$T/f2.txt" | grep -v '^schema\|^  col' >"$T/f2-no5.txt"
grep -v '^schema\|^  col' "$T/l2.txt" >"$T/l2-rows.txt"
expect_same "two domains: the rest = the files' (positions too)" "$T/l2-rows.txt" "$T/f2-no5.txt"

# following from that set, the server ends the connection: it reconnects
# with the set of what it read (domain 5 still at 5-S-1), so nothing the
# set holds comes, and nothing is lost or doubled; a new domain 5
# transaction comes
mc-binlog-tail $MDB_ARGS --server-id=$((S + 4)) --heartbeat=0.3 --format=text \
	--start-gtid="0-$S-5,5-$S-1" >"$T/re.txt" 2>"$T/re.err" &
tp=$!
wait_for "label=0-$S-7\$" "$T/re.txt"
id=$(sql "SELECT id FROM information_schema.processlist WHERE command LIKE 'Binlog Dump%'" | head -1)
sql "KILL $id"
sleep 0.3
sql "INSERT INTO d.t VALUES (10, 'after', 10); SET gtid_domain_id = 5; INSERT INTO d.t VALUES (51, 'd5', 0)"
wait_for "label=5-$S-2\$" "$T/re.txt"
sleep 0.7
kill -TERM $tp
wait $tp
expect_eq "GTID reconnect: exit 0 at SIGTERM" "$?" 0
expect_grep "GTID reconnect: with the set of what was read" \
	"reconnecting in 1 s from GTID 0-$S-7,5-$S-1\$" "$T/re.err"
mc-binlog-tail --format=text --from="$BL.000002:${p#2:}" "$BL".000001 "$BL".000002 |
	awk -v d="label=5-$S-1" '{ buf = buf $0 "\n" } /^mark txn_end/ { if (index($0, d) == 0) printf "%s", buf; buf = "" }
	END { printf "%s", buf }' | grep -v '^schema\|^  col\|^mark heartbeat' >"$T/re-file.txt"
grep -v '^schema\|^  col\|^mark heartbeat' "$T/re.txt" >"$T/re-rows.txt"
expect_same "GTID reconnect: output = the files' without 5-$S-1" "$T/re-rows.txt" "$T/re-file.txt"
expect_grep "GTID reconnect: the new domain 5 transaction came" "label=5-$S-2\$" "$T/re.txt"
end=$(stat -c %s "$BL.000002")
expect_grep "GTID reconnect: heartbeats at the end of the binlog" "^mark heartbeat 2:$end:0 " "$T/re.txt"
# a heartbeat says all before its position was read: never below a record
# before it (one at an earlier end of the binlog, before the INSERT came,
# is right: a loaded machine waits 0.3 s there)
expect_eq "GTID reconnect: no heartbeat below what was written" \
	"$(awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+:[0-9]+:[0-9]+$/) break
		if (i > NF) next
		split($i, p, ":"); k = sprintf("%012d%015d%09d", p[1], p[2], p[3])
		if ($1 == "mark" && $2 == "heartbeat") { if (k < hi) bad++ } else if (k > hi) hi = k }
		END { print bad + 0 }' "$T/re.txt")" 0

# from the server's whole GTID state, idle: the heartbeats are at the end
# of the binlog (past what the server passed over), not before it
g=$(sql "SELECT @@gtid_binlog_pos")
end=$(stat -c %s "$BL.000002")
timeout --foreground -k 5 20 mc-binlog-tail $MDB_ARGS --server-id=$((S + 5)) --heartbeat=0.3 --format=text \
	--start-gtid="$g" >"$T/idle.txt" 2>"$T/idle.err" &
tp=$!
wait_for '^mark heartbeat' "$T/idle.txt"
kill -TERM $tp
wait $tp
expect_eq "idle at the server's GTID state: exit 0 at SIGTERM" "$?" 0
expect_grep "idle at the server's GTID state: heartbeats at the end, 2:$end" "^mark heartbeat 2:$end:0 " "$T/idle.txt"
expect_eq "idle at the server's GTID state: only heartbeats, all at the end" \
	"$(grep -vc "^mark heartbeat 2:$end:0 " "$T/idle.txt")" 0

# a GTID the server does not have in its binlogs: exit 1
expect_code 1 "a GTID set ahead of the server: exit 1" timeout -k 5 20 mc-binlog-tail $MDB_ARGS \
	--server-id=$((S + 2)) --stop-at-end --start-gtid="0-$S-99"

# --checkpoint-in: the binlog of its resume position was purged: it
# resumes from the checkpoint's GTID set, said on stderr
p=$(end_of "0-$S-3")
printf 'mcsync-checkpoint 1\npos %s:0\nresume %s:0\ngtid 0-%s-3\n' "$p" "$p" "$S" >"$T/c.ckpt"
if live --checkpoint-in="$T/c.ckpt"; then ok "--checkpoint-in: resume from $p"
else fail "--checkpoint-in: resume from $p" "$(head -3 "$T/live.err")"; fi
mc-cat --to=jsonl "$T/live.mcr" >"$T/ck.jsonl" 2>&1
mc-binlog-tail --lower-case-table-names=0 --from="$BL.000001:${p#1:}" "$BL".000001 "$BL".000002 | mc-cat --to=jsonl >"$T/file.jsonl" 2>&1
expect_same "--checkpoint-in = files from its resume position" "$T/ck.jsonl" "$T/file.jsonl"
# 0-S-4 is the last transaction of file 1
p=$(end_of "0-$S-4")
printf 'mcsync-checkpoint 1\npos %s:0\nresume %s:0\ngtid 0-%s-4,5-%s-0\n' "$p" "$p" "$S" "$S" >"$T/c.ckpt"
sql "FLUSH BINARY LOGS"
# the server purges a binlog only once its binlog checkpoint passed it
i=0
while sql "PURGE BINARY LOGS TO 'mysql-bin.000002'; SHOW BINARY LOGS" | grep -q 'mysql-bin.000001' &&
	[ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "mysql-bin.000001 purged" "$(sql 'SHOW BINARY LOGS' | grep -c mysql-bin.000001)" 0
sql "INSERT INTO d.t VALUES (4, 'after the purge', 4)"
if live --checkpoint-in="$T/c.ckpt"; then ok "--checkpoint-in, binlog purged: GTID fallback"
else fail "--checkpoint-in, binlog purged: GTID fallback" "$(head -3 "$T/live.err")"; fi
expect_grep "GTID fallback: said on stderr" "the server has no binlog number 1 .it has mysql-bin.000002 to mysql-bin.000003.: resuming from its GTID set 0-$S-4,5-$S-0" "$T/live.err"
mc-cat --to=jsonl "$T/live.mcr" >"$T/fb.jsonl" 2>&1
mc-binlog-tail --lower-case-table-names=0 "$BL".000002 "$BL".000003 | mc-cat --to=jsonl >"$T/file3.jsonl" 2>&1
nostart "$T/fb.jsonl"; nostart "$T/file3.jsonl"
expect_same "GTID fallback = files 2 and 3" "$T/fb.jsonl.cmp" "$T/file3.jsonl.cmp"
# a MySQL set against MariaDB: exit 1, saying what to give
expect_code 1 "a MySQL GTID set against MariaDB: exit 1" timeout -k 5 20 mc-binlog-tail $MDB_ARGS \
	--server-id=$((S + 3)) --stop-at-end \
	--start-gtid="3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5, 3E11FA4771CA11E19E33C80AA9429563:7"
expect_grep "a MySQL GTID set against MariaDB: said so" "the server is MariaDB: give a D-S-N set" "$T/err"
expect_eq "a MySQL GTID set against MariaDB: one line" "$(wc -l <"$T/err")" 1
# a checkpoint of a MySQL source whose binlog was purged: no fallback (its
# 'gtid' is the last GTID per UUID, not the executed set), exit 1
printf 'mcsync-checkpoint 1\npos %s:0\nresume %s:0\ngtid 3e11fa47-71ca-11e1-9e33-c80aa9429562:17\n' "$p" "$p" >"$T/cm.ckpt"
expect_code 1 "--checkpoint-in, purged, MySQL GTIDs: exit 1" timeout -k 5 20 mc-binlog-tail $MDB_ARGS \
	--server-id=$((S + 3)) --stop-at-end --checkpoint-in="$T/cm.ckpt"
expect_grep "purged, MySQL GTIDs: says what to give" "give --start-gtid with the executed set" "$T/err"
# a set whose next transaction was purged: exit 1
printf 'mcsync-checkpoint 1\npos 1:900:0\nresume 1:900:0\ngtid 0-%s-3\n' "$S" >"$T/c3.ckpt"
expect_code 1 "--checkpoint-in, purged, GTID purged too: exit 1" timeout -k 5 20 mc-binlog-tail $MDB_ARGS \
	--server-id=$((S + 3)) --stop-at-end --checkpoint-in="$T/c3.ckpt"
# without a GTID in the checkpoint: exit 1 naming the binlogs there are
printf 'mcsync-checkpoint 1\npos %s:0\nresume %s:0\n' "$p" "$p" >"$T/c2.ckpt"
expect_code 1 "--checkpoint-in, purged, no GTID: exit 1" timeout -k 5 20 mc-binlog-tail $MDB_ARGS \
	--server-id=$((S + 3)) --stop-at-end --checkpoint-in="$T/c2.ckpt"
expect_grep "purged, no GTID: the binlogs named" "no binlog number 1 .purged..: it has mysql-bin.000002 to mysql-bin.000003" "$T/err"
