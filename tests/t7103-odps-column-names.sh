#!/bin/sh
# Source column names MaxCompute or mcsync's own MaxCompute columns cannot
# take, into MaxCompute (mcsync layout): a column named mc_pos_file (one of
# the base and log tables' own columns) and one starting with '_'
# (_version: MaxCompute column names start with a letter) are exit 1,
# naming the table and the column, before any SQL. (The upload failed at
# the server's CREATE TABLE with its raw "bad or repeated column name",
# naming no table and no way out: found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3 curl
mdb_start
sql "CREATE DATABASE shop; USE shop;
CREATE TABLE a (id INT PRIMARY KEY, mc_pos_file INT); INSERT INTO a VALUES (1,1);
CREATE TABLE b (id INT PRIMARY KEY, _version INT); INSERT INTO b VALUES (1,1)" || { fail "setup" "sql"; exit 1; }
for t in a b; do
	mc-snapshot $MDB_ARGS --databases=shop --tables="^shop[.]$t\$" >"$T/$t.mcr" || { fail "setup" "snapshot"; exit 1; }
done
ODPS_PROJECT=p1,p2
L=mcsync
layout_start
n=0
for t in a b; do
	n=$((n + 1))
	expect_code 1 "shop.$t into MaxCompute: refused by mcsync" \
		mc-tunnel-put --dest=odps://p$n --odps-config="$ODPS_CONF" --state="$S.$t" "$T/$t.mcr"
	col=$([ $t = a ] && echo mc_pos_file || echo _version)
	expect_grep "... naming the table and the column, not the server's error" \
		"^mc-tunnel-put: .*column '$col' of shop\.$t" "$T/err"
	expect_eq "... before any table is made" \
		"$(sqlite3 "$T/srv-$L/p$n.db" "SELECT count(*) FROM _odps_columns WHERE tbl LIKE 'shop%'")" 0
done
