#!/bin/sh
# mc-tunnel-put keeps positions per source (docs/mc-tunnel-put.md
# "Sources"): change files out of order are refused, a second source server
# into the same warehouse is loaded whole, and after RESET MASTER a tail
# started at FILE:4 is loaded (a new history); repeats are counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
B=$MDB_DIR/binlog
sql "CREATE DATABASE a; CREATE TABLE a.t (id INT PRIMARY KEY, v INT);
     INSERT INTO a.t VALUES (1,1),(2,2); FLUSH BINARY LOGS;
     INSERT INTO a.t VALUES (3,3); UPDATE a.t SET v=20 WHERE id=2; FLUSH BINARY LOGS" ||
	{ fail "setup" "sql failed"; exit 1; }
mc-binlog-tail "$B/mysql-bin.000001" >"$T/day1.mcr" &&
	mc-binlog-tail "$B/mysql-bin.000002" >"$T/day2.mcr" ||
	{ fail "setup" "mc-binlog-tail failed"; exit 1; }

# rows (insert/update/delete records) in the data files of a warehouse's tables
rows_in() { # DIR TABLE-GLOB
	n=0
	for f in "$1"/$2/*/part-*.mcr.zst; do
		[ -f "$f" ] || continue
		n=$((n + $(mc-cat --to=jsonl "$f" | grep -c '"kind":"row"')))
	done
	echo $n
}

# --- files out of order ---
expect_code 1 "change files out of order exit 1" \
	mc-tunnel-put --dest="$T/w1" "$T/day2.mcr" "$T/day1.mcr"
expect_grep "the message names the file and the record" "'.*day1.mcr': record [0-9]+: position 1:[0-9]+:[0-9]+ is below" "$T/err"
# (day2.mcr read binlog 2 to its ROTATE: the warehouse holds it up to 3:4:0)
expect_grep "and both positions" "\(2:[0-9]+:[0-9]+ to 3:4:0\)" "$T/err"
expect_ok "in order they load" mc-tunnel-put --dest="$T/w2" "$T/day1.mcr" "$T/day2.mcr"
expect_eq "every change is there" 4 "$(rows_in "$T/w2" a__t_log)"
expect_ok "a rerun of both files" mc-tunnel-put --dest="$T/w2" "$T/day1.mcr" "$T/day2.mcr"
expect_grep "says what it dropped as committed" "^mc-tunnel-put: [0-9]+ records already in the warehouse, skipped$" "$T/err"
expect_eq "and adds nothing" 4 "$(rows_in "$T/w2" a__t_log)"
expect_ok "a rerun of the second file alone" mc-tunnel-put --dest="$T/w2" "$T/day2.mcr"
expect_eq "adds nothing either" 4 "$(rows_in "$T/w2" a__t_log)"

# --- a second source into the same warehouse ---
F=$FIXTURES/binlog/generated-here-mariadb-10.11
mc-binlog-tail "$F"/mariadb-bin.00000[1-5] >"$T/other.mcr" || { fail "setup" "fixture"; exit 1; }
want=$(mc-cat --to=jsonl "$T/other.mcr" | grep -c '"kind":"row"')
expect_ok "a second server's stream" mc-tunnel-put --dest="$T/w2" "$T/other.mcr"
expect_eq "all of its changes are there" "$want" "$(rows_in "$T/w2" 't__*_log')"
expect_eq "the first server's are intact" 4 "$(rows_in "$T/w2" a__t_log)"
expect_grep "the ledger keeps its positions apart" "^src\.1\.source_id 1$" "$T/w2/_mcsync/ledger"
expect_ok "the second server again" mc-tunnel-put --dest="$T/w2" "$T/other.mcr"
expect_eq "is all repeats" "$want" "$(rows_in "$T/w2" 't__*_log')"
expect_ok "and the first again" mc-tunnel-put --dest="$T/w2" "$T/day2.mcr"
expect_eq "is all repeats too" 4 "$(rows_in "$T/w2" a__t_log)"

# --- RESET MASTER, then --start=FILE:4 ---
live() { mc-binlog-tail $MDB_ARGS --start=mysql-bin.000001:4 --stop-at-end --heartbeat=0 |
	mc-tunnel-put --dest="$T/w3" --checkpoint-out="$T/w3.ckpt" ${NEWH:-}; }
expect_ok "the live tail from the first binlog" live
expect_eq "loads every change" 4 "$(rows_in "$T/w3" a__t_log)"
sleep 1.1 # the new first binlog is created in a later second than the old one
sql "RESET MASTER; INSERT INTO a.t VALUES (4,4),(5,5); DELETE FROM a.t WHERE id=1"
NEWH=--new-history
expect_ok "after RESET MASTER, --start=FILE:4 again" live
expect_eq "loads the changes of the new history" 7 "$(rows_in "$T/w3" a__t_log)"
expect_grep "the old history is closed in the ledger" "^source_closed 1$" "$T/w3/_mcsync/ledger"
pos=$(sql "SHOW MASTER STATUS" | cut -f2)
expect_grep "--checkpoint-out follows the new history" "^resume 1:$pos:0$" "$T/w3.ckpt"
expect_ok "a rerun of the new history" live
expect_grep "drops its changes as committed" "records already in the warehouse, skipped" "$T/err"
expect_eq "and adds nothing" 7 "$(rows_in "$T/w3" a__t_log)"
