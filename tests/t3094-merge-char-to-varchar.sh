#!/bin/sh
# ALTER TABLE t MODIFY c VARCHAR(10) of a CHAR(3) column: the server keeps
# every value (CHAR values are read without their trailing spaces, as the
# snapshot and the binlog carry them); the merge converts across it, locally
# and in MaxCompute, equal to the source (docs/merge.md "Schema changes").
# (It was refused for good, "not a widening": found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.c (id INT PRIMARY KEY, c CHAR(3));
     INSERT INTO d.c VALUES (1,'ab'),(2,'a b'),(3,NULL);" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "UPDATE d.c SET c = 'xy' WHERE id = 3;
     ALTER TABLE d.c MODIFY c VARCHAR(10);
     INSERT INTO d.c VALUES (4, 'long value');
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/changes.mcr"
load_two_days "$T/w"
D=20251121
sql "SELECT id, c FROM d.c" | tr '\t' ',' | sort >"$T/truth"
expect_ok "the local merge across CHAR(3) to VARCHAR(10)" mc-merge --warehouse="$T/w" --table=d__c --ds=$D
mc-cat --to=csv --table=d.c "$T/w/d__c/ds=$D"/part-*.mcr.zst 2>/dev/null | tail -n +2 | sort >"$T/got"
expect_same "... equals the source" "$T/truth" "$T/got"
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
expect_ok "the snapshot goes into MaxCompute" mc-tunnel-put $OD --state="$T/s" "$T/snap1.mcr"
expect_ok "the changes too" mc-tunnel-put $OD --state="$T/s" "$T/changes1.mcr"
expect_ok "the merge in MaxCompute" mc-merge $OD --state="$T/s" --table=d__c --ds=$D
sqlite3 -separator , "$DB" "SELECT id, c FROM d__c WHERE ds = '$D'" | sort >"$T/goto"
expect_same "... equals the source" "$T/truth" "$T/goto"
