#!/bin/sh
# A second, newer snapshot of a table fed to the MaxCompute writer of its
# changes (batch and --mode=upsert) is refused (exit 1, nothing of it
# written), as into a local warehouse. The message sent the user to
# `mc-tunnel-put --resnapshot`, which a MaxCompute destination refuses
# (exit 2, "not yet with a MaxCompute destination"): it now says what to
# do there; the local warehouse's message keeps its --resnapshot hint
# (docs/mc-tunnel-put.md "Snapshot chunks").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v INT);
INSERT INTO d.t SELECT seq, seq FROM d.seq_1_to_50" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap.mcr" 2>"$T/err" || { fail "setup" "$(cat "$T/err")"; exit 1; }
sql "UPDATE d.t SET v = v + 100 WHERE id < 10; FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap2.mcr" 2>"$T/err" || { fail "setup" "$(cat "$T/err")"; exit 1; }
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
hint="a MaxCompute destination takes no --resnapshot yet: load the new snapshot and its tail into a new table .--name. with a new --state"

expect_ok "batch: the first snapshot" mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$T/snap.mcr"
expect_code 1 "batch: a second snapshot is refused" mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$T/snap2.mcr"
expect_grep "... is of a new snapshot of the table" "is of a new snapshot of the table" "$T/err"
expect_grep "... saying what to do with MaxCompute" "$hint" "$T/err"
expect_code 2 "... (--resnapshot is refused there)" mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 --resnapshot "$T/snap2.mcr"
expect_eq "... the base partition keeps the first snapshot's rows" \
	"$(sqlite3 "$DB" "SELECT count(*), sum(v) FROM d__t")" "50|1275"

expect_ok "upsert: the first snapshot" mc-tunnel-put $OD --state="$T/u" --retry-time=0.2 --mode=upsert --name=d.t=up "$T/snap.mcr"
expect_code 1 "upsert: a second snapshot is refused" mc-tunnel-put $OD --state="$T/u" --retry-time=0.2 --mode=upsert --name=d.t=up "$T/snap2.mcr"
expect_grep "... saying what to do with MaxCompute" "$hint" "$T/err"

expect_ok "a local warehouse: the first snapshot" mc-tunnel-put --dest="$T/w" "$T/snap.mcr"
expect_code 1 "... a second one is refused" mc-tunnel-put --dest="$T/w" "$T/snap2.mcr"
expect_grep "... pointing at --resnapshot" "load it with mc-tunnel-put --resnapshot: a new generation" "$T/err"
