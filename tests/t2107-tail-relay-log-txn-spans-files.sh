#!/bin/sh
# Relay logs: a replica's IO thread rotates its relay log when it passes
# max_relay_log_size, at any event, so one transaction of the primary is
# split across two relay logs (its GTID and rows in one, its XID in the
# next). mc-binlog-tail carries the open transaction into the next FILE
# when the ROTATE that closes a file is of another server_id than the
# transaction's (MariaDB GTIDs): the relay logs of a real replica read as
# the primary's changes, each once. (Every run stopped at the first such
# rotation, exit 1, calling the relay logs "a damaged or cut binlog":
# found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mdb_start --skip-networking=0 --port="$PORT" --bind-address=127.0.0.1
sql "CREATE USER repl@'%' IDENTIFIED BY 'r'; GRANT REPLICATION SLAVE ON *.* TO repl@'%'"

# the replica: IO thread only (its relay logs are what is read)
R=$T/replica
mkdir -p "$R/data" "$R/tmp" "$R/relay"
cp -R "$BIN/test-mdb-template/." "$R/data/" && rm -f "$R/data/.done"
"$MDB_SERVER" --no-defaults --user="$(id -un)" --datadir="$R/data" --socket="$R/sock" \
	--skip-networking --tmpdir="$R/tmp" --pid-file="$R/pid" --log-error="$R/error.log" \
	--server-id=$((MDB_SERVER_ID + 7)) --relay-log="$R/relay/relay-bin" --max-relay-log-size=4096 \
	--innodb-buffer-pool-size=32M --skip-name-resolve --performance-schema=OFF \
	--skip-slave-start >>"$R/error.log" 2>&1 &
RPID=$!
stop_replica() { kill -TERM "$RPID" 2>/dev/null; wait_exit "$RPID" 300 || kill -KILL "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null; }
at_exit stop_replica
rsql() { "$MDB_CLIENT" --no-defaults --socket="$R/sock" --user=root --batch --skip-column-names -e "$1"; }
rstatus() { "$MDB_CLIENT" --no-defaults --socket="$R/sock" --user=root -e "SHOW SLAVE STATUS\G"; }
i=0
until rsql "SELECT 1" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 300 ] && { fail "setup" "replica not up: $(tail -5 "$R/error.log")"; exit 1; }
	sleep 0.1
done
rsql "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$PORT, MASTER_USER='repl',
	MASTER_PASSWORD='r', MASTER_LOG_FILE='mysql-bin.000001', MASTER_LOG_POS=4, MASTER_USE_GTID=no;
	START SLAVE IO_THREAD" 2>"$T/cm.err" || { fail "setup" "CHANGE MASTER: $(cat "$T/cm.err")"; exit 1; }
sql "CREATE DATABASE d; CREATE TABLE d.rl (id INT PRIMARY KEY, v TEXT);
INSERT INTO d.rl VALUES (1, 'a');
INSERT INTO d.rl SELECT seq + 1, REPEAT('x', 200) FROM d.seq_1_to_100;
INSERT INTO d.rl VALUES (500, 'b'); UPDATE d.rl SET v = 'y' WHERE id < 50;
INSERT INTO d.rl VALUES (501, 'c')"
want=$(sql "SHOW MASTER STATUS" | cut -f2)
i=0
until rstatus | grep -q "Read_Master_Log_Pos: $want\$"; do
	i=$((i + 1)); [ $i -gt 100 ] && { fail "setup" "replica did not catch up to $want: $(rstatus | grep -E "Read_Master_Log_Pos|Last_IO_Error|IO_Running")"; exit 1; }
	sleep 0.1
done
n=$(ls "$R/relay"/relay-bin.0* | wc -l)
[ "$n" -gt 2 ] && ok "the replica wrote $n relay logs" || fail "the replica wrote relay logs" "$n"

expect_ok "the replica's relay logs (transactions split across them): exit 0" \
	mc-binlog-tail --index="$R/relay/relay-bin.index"
expect_eq "... the rows of d.rl as on the primary" \
	"$(mc-cat --to=csv --table=d.rl "$T/out" | tail -n +2 | cut -d, -f1 | sort -n | uniq | wc -l)" \
	"$(sql "SELECT COUNT(*) FROM d.rl")"
expect_eq "... each change once (103 inserts, 49 updates)" \
	"$(mc-cat --to=summary "$T/out" | awk '$1 == "d.rl" { print $3, $4 }')" "103 49"
