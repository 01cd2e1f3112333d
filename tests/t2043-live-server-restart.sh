#!/bin/sh
# mc-binlog-tail live across a restart of the server under a writer: it
# reconnects (backoff, within --retry-time) from the last complete
# transaction, and its output equals the decoding of the server's binlog
# files (nothing lost or doubled); a server that stays down ends it with
# exit 3 once --retry-time (minutes, fractions allowed) has passed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
S=$MDB_SERVER_ID
BL=$MDB_DIR/binlog/mysql-bin
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(20), n INT)"

mc-binlog-tail $MDB_ARGS --server-id=$((S + 1)) --heartbeat=0 --format=text \
	--start=mysql-bin.000001:4 >"$T/live.txt" 2>"$T/live.err" &
tp=$!

# a writer of single statements and transactions; what fails while the
# server is down is simply not in the binlog
(
	i=1
	while [ $i -le 120 ]; do
		sql "INSERT INTO d.t VALUES ($i, 'v$i', 0);
		BEGIN; UPDATE d.t SET n = n + 1 WHERE id > $i - 5; DELETE FROM d.t WHERE id = $i - 3; COMMIT" \
			2>/dev/null
		i=$((i + 1))
		sleep 0.02
	done
) &
wp=$!
sleep 1
mdb_restart
expect_ok "the server restarted" kill -0 "$MDB_PID"
wait $wp
sql "INSERT INTO d.t VALUES (999999, 'last', 0)"
wait_for '^  after @1=999999$' "$T/live.txt" 200
expect_grep "after the restart: the last row came" '^  after @1=999999$' "$T/live.txt"
expect_ok "the tail is still running" kill -0 $tp
kill -TERM $tp
wait $tp
expect_eq "SIGTERM: exit 0" "$?" 0
expect_grep "the lost connection and the reconnection said on stderr" \
	'reconnecting in [0-9]+ s from mysql-bin.000001:[0-9]+' "$T/live.err"
expect_ok "the server wrote a new binlog at its restart" test -f "$BL.000002"
mc-binlog-tail --format=text "$BL".0* >"$T/file.txt"
expect_eq "rows written before and after the restart" \
	"$(grep -c '^row' "$T/live.txt")" "$(grep -c '^row' "$T/file.txt")"
expect_same "live across the restart = the files (nothing lost or doubled)" "$T/live.txt" "$T/file.txt"

# the server stays down: exit 3 after --retry-time (0.05 minutes = 3 s)
mc-binlog-tail $MDB_ARGS --server-id=$((S + 2)) --heartbeat=0 --format=text --retry-time=0.05 \
	--start=mysql-bin.000001:4 >"$T/down.txt" 2>"$T/down.err" &
tp=$!
wait_for '^  after @1=999999$' "$T/down.txt"
t0=$(date +%s)
mdb_stop
wait_exit $tp 300
t1=$(date +%s)
if kill -0 $tp 2>/dev/null; then fail "server down: the tail ends" "still running after 30 s"; kill -KILL $tp; fi
wait $tp
expect_eq "server down past --retry-time: exit 3 ($(tail -1 "$T/down.err"))" "$?" 3
expect_ok "within the window and its last backoff ($((t1 - t0)) s)" test $((t1 - t0)) -ge 2 -a $((t1 - t0)) -le 20
expect_grep "it tried to reconnect" 'reconnecting in' "$T/down.err"
expect_grep "what came before was written" '^  after @1=999999$' "$T/down.txt"
