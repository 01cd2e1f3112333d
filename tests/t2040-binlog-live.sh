#!/bin/sh
# mc-binlog-tail as a live replica of a throwaway MariaDB: the stream read
# from the server (--socket, --start) is the same, byte for byte after
# mc-cat --to=jsonl, as the one decoded from the server's binlog files,
# positions included: from offset 4, from a later position, and across a
# rotation to the next file.
. "$(dirname "$0")/lib.sh"

expect_grep "--help lists --start" '^ *--start=FILE:POS' "$(mc-binlog-tail --help >"$T/help"; echo "$T/help")"
for o in --socket --host --port --user --server-id --heartbeat --retry-time --stop-at-end; do
	expect_grep "--help lists $o" "^ *$o" "$T/help"
done
expect_code 2 "--start without a connection" mc-binlog-tail --start=mysql-bin.000001:4
expect_code 2 "--socket without --start" mc-binlog-tail --socket=/nonexistent
expect_code 2 "--start with a FILE" mc-binlog-tail --socket=/x --start=b.000001:4 b.000001
expect_code 3 "no server: exit 3" mc-binlog-tail --socket="$T/none.sock" --user=root \
	--start=mysql-bin.000001:4 --stop-at-end

. "$(dirname "$0")/mariadb.sh"
mdb_start
BL=$MDB_DIR/binlog/mysql-bin
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(20), j JSON, ts TIMESTAMP(3) NULL);
INSERT INTO d.t VALUES (1, 'a', '{\"x\": 1}', '2020-01-02 03:04:05.678');
BEGIN; INSERT INTO d.t VALUES (2, 'b', NULL, NULL); UPDATE d.t SET v='aa' WHERE id=1; COMMIT;
DELETE FROM d.t WHERE id=2;
BEGIN; INSERT INTO d.t VALUES (3, 'c', NULL, NULL); ROLLBACK;"
sql "FLUSH BINARY LOGS"
sql "INSERT INTO d.t VALUES (4, 'd', '[]', NULL); CREATE TABLE d.u (a INT PRIMARY KEY);
INSERT INTO d.u VALUES (1), (2); UPDATE d.u SET a = a + 10;"

live() {
	timeout -k 5 20 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 --stop-at-end "$@" \
		>"$T/live.mcr" 2>"$T/live.err"
}

# whole binlogs: files 1 and 2, across the rotation
if live --start=mysql-bin.000001:4; then ok "live from mysql-bin.000001:4"
else fail "live from mysql-bin.000001:4" "$(head -3 "$T/live.err")"; fi
mc-cat --to=jsonl "$T/live.mcr" >"$T/live.jsonl" 2>&1
mc-binlog-tail --lower-case-table-names=0 "$BL".000001 "$BL".000002 | mc-cat --to=jsonl >"$T/file.jsonl" 2>&1
expect_same "live = files, byte for byte (jsonl)" "$T/live.jsonl" "$T/file.jsonl"
expect_eq "rows in the live stream" "$(grep -c '"row"' "$T/live.jsonl")" \
	"$(grep -c '"row"' "$T/file.jsonl")"
expect_grep "positions in file 2" '\[2,[0-9]+,0\]' "$T/live.jsonl"

# from a later position: the end of the first transaction of file 1
mc-binlog-tail --format=text "$BL".000001 >"$T/f1.txt"
p=$(grep -m2 '^mark txn_end' "$T/f1.txt" | tail -1 | awk '{print $3}' | cut -d: -f2)
if live --start=mysql-bin.000001:"$p"; then ok "live from mysql-bin.000001:$p"
else fail "live from mysql-bin.000001:$p" "$(head -3 "$T/live.err")"; fi
mc-cat --to=jsonl "$T/live.mcr" >"$T/live2.jsonl" 2>&1
mc-binlog-tail --lower-case-table-names=0 --from="$BL.000001:$p" "$BL".000001 "$BL".000002 | mc-cat --to=jsonl >"$T/file2.jsonl" 2>&1
expect_same "live = files from a later position" "$T/live2.jsonl" "$T/file2.jsonl"

# following: a transaction written while the tail waits comes out, flushed
mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 2)) --format=text \
	--start=mysql-bin.000002:4 >"$T/follow.txt" 2>"$T/follow.err" &
pid=$!
sleep 0.5
sql "INSERT INTO d.t VALUES (99, 'late', NULL, NULL)"
wait_for "after @1=99" "$T/follow.txt"
expect_grep "following: the new row is written and flushed" '^  after @1=99$' "$T/follow.txt"
kill -TERM $pid
if ! wait_exit $pid 50; then
	fail "SIGTERM: exits" "still running after 5 s"
	kill -KILL $pid
fi
wait $pid
expect_eq "SIGTERM: exit 0" "$?" 0

# a start file the server does not have: the server's error, exit 1
expect_code 1 "a binlog the server does not have: exit 1" timeout -k 5 20 mc-binlog-tail $MDB_ARGS \
	--server-id=$((MDB_SERVER_ID + 3)) --stop-at-end --start=mysql-bin.000099:4

# the server ends the replica's connection: exit 3, what came before written
timeout -k 5 20 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 4)) --format=text --retry-time=0 \
	--start=mysql-bin.000002:4 >"$T/kill.txt" 2>"$T/kill.err" &
pid=$!
wait_for "after @1=99" "$T/kill.txt"
id=$(sql "SELECT id FROM information_schema.processlist WHERE command LIKE 'Binlog Dump%'" | head -1)
sql "KILL $id"
wait $pid
expect_eq "connection killed by the server: exit 3 ($(head -1 "$T/kill.err"))" "$?" 3
expect_grep "connection killed: the rows before were written" '^  after @1=99$' "$T/kill.txt"

# the server ends the replica's connection, --retry-time: it reconnects
# from the last complete transaction; nothing lost or doubled
mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 7)) --format=text --heartbeat=0 \
	--start=mysql-bin.000002:4 >"$T/re.txt" 2>"$T/re.err" &
pid=$!
wait_for "after @1=99" "$T/re.txt"
id=$(sql "SELECT id FROM information_schema.processlist WHERE command LIKE 'Binlog Dump%'" | head -1)
sql "KILL $id"
sleep 0.3
sql "INSERT INTO d.t VALUES (100, 'after', NULL, NULL)"
wait_for "after @1=100" "$T/re.txt"
kill -TERM $pid
wait $pid
expect_eq "reconnect: exit 0 at SIGTERM" "$?" 0
expect_grep "reconnect: said on stderr" "reconnecting in 1 s from mysql-bin.000002:" "$T/re.err"
mc-binlog-tail --format=text $(ls "$BL".0* | sed 1d) >"$T/re-file.txt"
expect_same "reconnect: output = the files' (nothing lost or doubled)" "$T/re.txt" "$T/re-file.txt"

# heartbeats: an idle server sends one each --heartbeat seconds; it becomes
# a heartbeat mark at the end of what was read. The SIGTERM goes to timeout
# --foreground, which passes it on alone (see "timeout" in tests/lib.sh).
end=$(stat -c %s "$(ls "$BL".0* | tail -1)")
last=$(ls "$BL".0* | tail -1); last=$(echo "${last##*.}" | sed "s/^0*//")
timeout --foreground -k 5 20 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 5)) --heartbeat=0.5 \
	--start=mysql-bin.000001:4 >"$T/hb.mcr" 2>"$T/hb.err" &
pid=$!
sleep 2
kill -TERM $pid
wait $pid
expect_eq "heartbeat run: SIGTERM exit 0" "$?" 0
mc-cat --to=jsonl "$T/hb.mcr" >"$T/hb.jsonl" 2>&1
expect_grep "heartbeat marks at the end of the last binlog [$last,$end,0]" \
	"\"mark\":\"heartbeat\",\"pos\":\\[$last,$end,0\\]" "$T/hb.jsonl"

# a purged start position: exit 1, naming the binlogs the server has
sql "FLUSH BINARY LOGS; PURGE BINARY LOGS TO 'mysql-bin.000002'"
expect_code 1 "purged start position: exit 1" timeout -k 5 20 mc-binlog-tail $MDB_ARGS \
	--server-id=$((MDB_SERVER_ID + 6)) --stop-at-end --start=mysql-bin.000001:4
expect_grep "purged start position: the earliest binlog is named" \
	"mysql-bin.000001:4: purged \\(the server has mysql-bin.000002 to" "$T/err"
