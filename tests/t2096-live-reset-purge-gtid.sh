#!/bin/sh
# A live tail down with its checkpoint in binlog 2 (gtid 0-S-6); the
# server's binlog reset (RESET MASTER: its GTIDs start at 1 again) and
# grown to binlog 3, past that sequence number; binlogs purged up to 3.
# The rerun found no binlog 2 and resumed from the checkpoint's GTID set,
# which the new history holds: it started after 0-S-6 of the new history,
# its first inserts never read, tail and sink exit 0 (found by a tester).
# Now the GTID fallback first checks that the server's first binlog
# begins at the checkpoint's state (BINLOG_GTID_POS), as one history
# does: a state before it is a reset since, exit 1. The fallback of one
# history is t2041. A new history fed from a GTID set into --new-history
# is refused too (the advice for a new binlog base name led there).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
S=$MDB_SERVER_ID
sql "CREATE DATABASE d; USE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(20));
INSERT INTO d.t SELECT seq, 'v' FROM seq_1_to_20" || { fail "setup" "sql"; exit 1; }
C=$T/c.ckpt
put() { mc-tunnel-put --dest="$T/wh" --checkpoint-out="$C" "$@" 2>>"$T/put.err"; }
tailrun() {
	: >"$T/put.err"
	{ mc-binlog-tail $MDB_ARGS --server-id=$((S + 1)) --checkpoint-in="$C" --stop-at-end 2>"$T/tail.err"
		echo $? >"$T/tail.rc"; } | put
}
mc-snapshot $MDB_ARGS --databases=d --checkpoint-in="$C" 2>"$T/snap.err" | put
sql "UPDATE d.t SET v='a' WHERE id=1; FLUSH BINARY LOGS" || { fail "setup" "sql"; exit 1; }
for i in 2 3 4 5; do sql "UPDATE d.t SET v='a' WHERE id=$i"; done
tailrun
expect_eq "the tail reads binlog 2" "$(cat "$T/tail.rc")" 0
sql "RESET MASTER; INSERT INTO d.t VALUES (101,'new'); FLUSH BINARY LOGS;
INSERT INTO d.t VALUES (102,'new'); FLUSH BINARY LOGS" || { fail "setup" "sql"; exit 1; }
for i in 103 104 105 106 107 108 109 110; do sql "INSERT INTO d.t VALUES ($i,'new')"; done
i=0 # (a binlog a dump thread still holds is kept: again until it goes)
while sql "PURGE BINARY LOGS TO 'mysql-bin.000003'" && sql "SHOW BINARY LOGS" | grep -q 'mysql-bin.00000[12]' &&
	[ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "binlogs 1 and 2 of the new history purged" "$(sql "SHOW BINARY LOGS" | cut -f1 | tr '\n' ' ')" "mysql-bin.000003 "
tailrun
expect_eq "the rerun after the reset and the purge: the tail exits 1" "$(cat "$T/tail.rc")" 1
expect_grep "... saying why" "mysql-bin.000003': offset 4: the binlog state where the server's binlogs begin \(BINLOG_GTID_POS\) ends domain 0 at 0-$S-2, but the checkpoint's committed changes end there at 0-$S-[0-9]+: the binlog is not the one the checkpoint was written of \(a RESET MASTER since" "$T/tail.err"
expect_eq "... nothing of the new history loaded" \
	"$(find "$T/wh" -path '*_log*' -name '*.mcr.zst' | xargs cat | mc-cat --to=jsonl | grep -c '"new"\]')" 0

# a new history (RESET MASTER again: its binlog 1 is not the warehouse's)
# fed from a GTID set into --new-history: refused (its transactions
# before the set would be nowhere)
sleep 1 # (binlog 1 created in another second than the first history's)
sql "RESET MASTER; INSERT INTO d.t VALUES (201,'new2'); INSERT INTO d.t VALUES (202,'new2')" ||
	{ fail "setup" "sql"; exit 1; }
g=$(sql "SELECT @@gtid_binlog_pos")
sql "INSERT INTO d.t VALUES (203,'new2')" || { fail "setup" "sql"; exit 1; }
mc-binlog-tail $MDB_ARGS --server-id=$((S + 1)) --start-gtid="$g" --stop-at-end >"$T/g.mcr" 2>"$T/err" ||
	{ fail "setup" "tail: $(cat "$T/err")"; exit 1; }
expect_code 1 "a new history from a GTID set into --new-history: refused" \
	mc-tunnel-put --dest="$T/wh" --new-history "$T/g.mcr"
expect_grep "... saying why" "starts a new binlog history \(--new-history\) from a GTID set \(source_start_gtid\): the history's transactions before the set would be nowhere; read the new history from its first binlog" "$T/err"
