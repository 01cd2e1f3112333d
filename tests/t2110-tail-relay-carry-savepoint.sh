#!/bin/sh
# A relay log rotated between a SAVEPOINT and its ROLLBACK TO: the carried
# transaction's savepoint marks are of the buffer before the carry, so the
# ROLLBACK TO is refused with a clear message (docs/mc-binlog-tail.md
# "Savepoints"). (It failed with a nonsense offset, and could cut the
# wrong rows: found by a tester.)
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
sql "CREATE DATABASE d; USE d;
CREATE TABLE audit (id INT PRIMARY KEY, v TEXT) ENGINE=MyISAM;
CREATE TABLE x (id INT PRIMARY KEY, v TEXT) ENGINE=InnoDB;
CREATE TRIGGER x_ai AFTER INSERT ON x FOR EACH ROW INSERT INTO audit VALUES (NEW.id, 'a');
BEGIN; INSERT INTO x VALUES (1, 'one'); SAVEPOINT s;
INSERT INTO x VALUES (21, REPEAT('x', 1500)); INSERT INTO x VALUES (22, REPEAT('x', 1500));
INSERT INTO x VALUES (23, REPEAT('x', 1500)); INSERT INTO x VALUES (24, REPEAT('x', 1500));
INSERT INTO x VALUES (25, REPEAT('x', 1500)); INSERT INTO x VALUES (26, REPEAT('x', 1500));
INSERT INTO x VALUES (27, REPEAT('x', 1500)); INSERT INTO x VALUES (28, REPEAT('x', 1500));
ROLLBACK TO s; INSERT INTO x VALUES (3, 'three'); COMMIT;"
want=$(sql "SHOW MASTER STATUS" | cut -f2)
i=0
until rstatus | grep -q "Read_Master_Log_Pos: $want\$"; do
	i=$((i + 1)); [ $i -gt 100 ] && { fail "setup" "replica did not catch up to $want: $(rstatus | grep -E "Read_Master_Log_Pos|Last_IO_Error|IO_Running")"; exit 1; }
	sleep 0.1
done
n=$(ls "$R/relay"/relay-bin.0* | wc -l)
[ "$n" -gt 2 ] && ok "the replica wrote $n relay logs" || fail "the replica wrote relay logs" "$n"
srv=$(sql "SELECT id FROM d.x ORDER BY id" | tr '\n' ' ')
expect_eq "the primary committed rows 1 and 3" "$srv" "1 3 "
mc-binlog-tail --index="$R/relay/relay-bin.index" >"$T/out" 2>"$T/err"
rc=$?
echo "# mc-binlog-tail exit $rc: $(head -c 300 "$T/err")"
got=$(mc-cat --to=csv --table=d.x "$T/out" 2>/dev/null | tail -n +2 | cut -d, -f1 | sort -n | tr '\n' ' ')
if [ $rc -eq 0 ]; then
	expect_eq "the relay logs read, exit 0: the copy holds the primary's rows" "$got" "$srv"
else
	expect_grep "refused (exit $rc) with a clear savepoint message" "ROLLBACK TO" "$T/err"
fi
