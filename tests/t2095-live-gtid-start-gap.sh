#!/bin/sh
# A live tail started from a GTID set wrote no source_start, so the sink
# could not check it for a gap: --start-gtid=@@gtid_binlog_pos after a
# snapshot (or past what the warehouse holds, its binlogs purged) was
# taken, exit 0, and the transactions in between were lost (found by a
# tester). Now the stream's header says the set (source_start_gtid) and
# the sink refuses one that reaches past the ledger's last GTIDs, or that
# it cannot place (the ledger holds no GTID of a domain of the set yet).
# A start from the warehouse's own GTIDs is taken.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.a (id INT PRIMARY KEY, v INT); INSERT INTO d.a VALUES (1,1),(2,2)" ||
	{ fail "setup" "sql"; exit 1; }
C=$T/c.ckpt
mc-snapshot $MDB_ARGS --databases=d | mc-tunnel-put --dest="$T/w" --checkpoint-out="$C" ||
	{ fail "setup" "snapshot"; exit 1; }
sql "INSERT INTO d.a VALUES (3,3); DELETE FROM d.a WHERE id = 1" || { fail "setup" "sql"; exit 1; }
g=$(sql "SELECT @@gtid_binlog_pos")
sql "INSERT INTO d.a VALUES (4,4)" || { fail "setup" "sql"; exit 1; }
live() { # ARGS: a live tail to the server's end
	timeout -k 5 30 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 --stop-at-end "$@"
}
live --start-gtid="$g" >"$T/g.mcr" 2>"$T/te" || { fail "setup" "tail: $(cat "$T/te")"; exit 1; }
expect_eq "the stream's header says the GTID set it starts from" \
	"$(mc-cat "$T/g.mcr" | head -1 | jq -r '.meta.source_start_gtid')" "$g"
expect_code 1 "after the snapshot only: refused" mc-tunnel-put --dest="$T/w" "$T/g.mcr"
expect_grep "... a gap, saying what to do" \
	"starts from the GTID set '$g' \(source_start_gtid\), but the warehouse holds server_id [0-9]+'s changes only up to .*: the transactions of 0 after those are nowhere, a gap; start the tail from the warehouse's position" "$T/err"
expect_ok "the changes from the warehouse's position" sh -c "timeout -k 5 30 mc-binlog-tail $MDB_ARGS \
	--server-id=$((MDB_SERVER_ID + 2)) --heartbeat=0 --stop-at-end --checkpoint-in='$C' |
	mc-tunnel-put --dest='$T/w' --checkpoint-out='$C'"
lg=$(sed -n 's/^gtid //p' "$T/w/_mcsync/ledger")
expect_ok "a start from the warehouse's own GTIDs ($lg): taken" sh -c "timeout -k 5 30 mc-binlog-tail \
	$MDB_ARGS --server-id=$((MDB_SERVER_ID + 3)) --heartbeat=0 --stop-at-end --start-gtid='$lg' |
	mc-tunnel-put --dest='$T/w'"
sql "INSERT INTO d.a VALUES (5,5)" || { fail "setup" "sql"; exit 1; }
g2=$(sql "SELECT @@gtid_binlog_pos")
sql "INSERT INTO d.a VALUES (6,6)" || { fail "setup" "sql"; exit 1; }
live --start-gtid="$g2" >"$T/g2.mcr" 2>"$T/te" || { fail "setup" "tail: $(cat "$T/te")"; exit 1; }
expect_code 1 "a start past the ledger's last GTIDs: refused" mc-tunnel-put --dest="$T/w" "$T/g2.mcr"
expect_grep "... naming the ledger's GTIDs" "its last GTIDs '$lg'" "$T/err"
expect_ok "into a new warehouse: taken (nothing to compare)" mc-tunnel-put --dest="$T/w9" "$T/g2.mcr"
