#!/bin/sh
# A table empty at its snapshot, into MaxCompute: the base table was made
# at a partition's first rows only, so such a table never got its base
# table nor its (empty) base partition, and every merge of it in
# MaxCompute failed, "ODPS-0130131:Table not found" (--all too), where the
# local warehouse merges it (found by a tester). Now the snapshot's end
# makes them, with its log table: the merges equal the source, with
# changes after the snapshot and without.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.e (id INT PRIMARY KEY, v INT); CREATE TABLE d.g (id INT PRIMARY KEY, v INT);
CREATE TABLE d.f (id INT PRIMARY KEY, v INT); INSERT INTO d.f VALUES (1, 1)" || { fail "setup" "sql"; exit 1; }
mdb_snap_d
sql "INSERT INTO d.e VALUES (1, 1), (2, 2); UPDATE d.e SET v = 20 WHERE id = 2; INSERT INTO d.f VALUES (2, 2);
FLUSH BINARY LOGS" || { fail "setup" "sql"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/ch.mcr"
restamp "$T/snap.mcr" 1763596800 >"$T/s1.mcr" &&
	restamp "$T/ch.mcr" 1763683200 1763769600 >"$T/c1.mcr" || { fail "setup" "restamp"; exit 1; }
D=20251121
for L in mcsync dts dataworks; do
	layout_start
	expect_ok "$L: the snapshot into MaxCompute" put "$T/s1.mcr"
	expect_eq "$L: ... the empty tables' base and log tables are there" \
		"$(sqlite3 "$DB" "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('d__e', 'd__e_log', 'd__g', 'd__g_log') ORDER BY name" | tr '\n' ' ')" \
		"d__e d__e_log d__g d__g_log "
	expect_ok "$L: the changes" put "$T/c1.mcr"
	for t in e f g; do
		expect_ok "$L: d__$t merged in MaxCompute" mc-merge $OD --state="$S" --table=d__$t --ds=$D
		same_source "d.$t" "d__$t" "id, v" "$L: ... equals the source"
	done
	expect_ok "$L: --all merges them" mc-merge $OD --state="$S" --all --ds=$D
done
