#!/bin/sh
# A MaxCompute table a state directory committed rows into, dropped by
# hand between two runs: CREATE TABLE IF NOT EXISTS made it anew, empty,
# and the next run went on with exit 0: the PK table (--mode=upsert) held
# only the later keys, and a merge with the log table dropped lost the
# rows of the changes before (found by a tester). Now the next run stops,
# exit 1, naming the table, before it writes anything: a log or PK table
# (a base table dropped so is named by the merge, which cannot read it),
# or a log partition (found by a second tester). A table the state has not committed into yet is made as
# before. And --mode=upsert refuses a table whose only key was declared
# by mc-snapshot --split-key, which the tail's changes do not carry (it
# took the snapshot, and the tail then stopped: never continued).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(20));
INSERT INTO d.t VALUES (1,'a'),(2,'b'),(3,'c')" || { fail "setup" "sql"; exit 1; }
mdb_snap_d
s0=$(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\2/p')
sql "INSERT INTO d.t VALUES (4,'d'); UPDATE d.t SET v='bb' WHERE id=2" || { fail "setup" "sql"; exit 1; }
p1=$(mdb_pos)
sql "DELETE FROM d.t WHERE id=1; INSERT INTO d.t VALUES (5,'e')" || { fail "setup" "sql"; exit 1; }
BL=$MDB_DIR/binlog/mysql-bin.000001
mc-binlog-tail --schema="$T/snap.mcr" --from="$BL:$s0" --stop-position="$p1" "$BL" >"$T/a.mcr" &&
	mc-binlog-tail --schema="$T/snap.mcr" --from="$BL:$p1" "$BL" >"$T/b.mcr" || { fail "setup" "tail"; exit 1; }
odps_srv
put() { mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --retry-time=0.2 "$@"; }
gone="MaxCompute table 'p1.%s' is gone, though this --state committed rows into it \\(dropped by hand\\?\\): made anew, it would miss them; restore it, or load the source again"
expect_ok "batch: the snapshot" put --state="$T/s-b" --name=d.t=bt "$T/snap.mcr"
expect_ok "batch: the first changes" put --state="$T/s-b" --name=d.t=bt "$T/a.mcr"
$CLI sql "DROP TABLE bt_log" >/dev/null 2>&1
expect_code 1 "batch: the log table dropped by hand: the next changes are refused" \
	put --state="$T/s-b" --name=d.t=bt "$T/b.mcr"
expect_grep "... naming it" "$(printf "$gone" bt_log)" "$T/err"
expect_eq "... the table is not made anew" "$(sqlite3 "$T/srv/p1.db" "SELECT COUNT(*) FROM sqlite_master WHERE name = 'bt_log'")" 0
# a log partition dropped by hand (or by a LIFECYCLE): the same
expect_ok "batch: the snapshot into bp" put --state="$T/s-p" --name=d.t=bp "$T/snap.mcr"
expect_ok "... the first changes" put --state="$T/s-p" --name=d.t=bp "$T/a.mcr"
dp=$(sqlite3 "$T/srv/p1.db" "SELECT DISTINCT ds FROM bp_log" | head -1)
$CLI sql "ALTER TABLE bp_log DROP PARTITION (ds='$dp')" >/dev/null 2>&1
expect_code 1 "... its log partition dropped by hand: the next changes are refused" \
	put --state="$T/s-p" --name=d.t=bp "$T/b.mcr"
expect_grep "... naming it" "MaxCompute table 'p1.bp_log': its partition 'ds=$dp' is gone, though this --state committed rows into it \(dropped by hand, or by the table's LIFECYCLE\?\): made anew, it would miss them" "$T/err"
U() { put --state="$T/s-u" --mode=upsert --name=d.t=h "$@"; }
expect_ok "upsert: the snapshot" U "$T/snap.mcr"
expect_ok "upsert: the first changes" U "$T/a.mcr"
$CLI sql "DROP TABLE h" >/dev/null 2>&1
expect_code 1 "upsert: the PK table dropped by hand: the next input is refused" U "$T/b.mcr"
expect_grep "... naming it" "$(printf "$gone" h)" "$T/err"
expect_ok "a table not committed into yet is made" put --state="$T/s-v" --mode=upsert --name=d.t=h2 "$T/snap.mcr"

sql "CREATE TABLE d.nk (a INT NOT NULL, b INT); INSERT INTO d.nk VALUES (1, 1)" || { fail "setup" "sql"; exit 1; }
mc-snapshot $MDB_ARGS --tables='^d\.nk$' --split-key=d.nk:a >"$T/nk.mcr" || { fail "setup" "snapshot"; exit 1; }
expect_code 1 "upsert: a key declared by --split-key only: refused" \
	put --state="$T/s-nk" --mode=upsert --name=d.nk=nk "$T/nk.mcr"
expect_grep "... saying why" "d.nk has only a key declared by mc-snapshot --split-key, which mc-binlog-tail's changes do not carry: a PK Delta Table needs a key that the binlog's changes carry too" "$T/err"
