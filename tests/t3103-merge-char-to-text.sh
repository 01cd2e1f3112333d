#!/bin/sh
# MODIFY of CHAR(n) columns to TEXT kinds that hold n characters of 4 bytes
# (CHAR(3) to TEXT, CHAR(20) to MEDIUMTEXT): the server keeps the text as
# read; the merge converts, equal to the source (docs/merge.md "Schema
# changes"). (Refused for good: found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.c (id INT PRIMARY KEY, c CHAR(3), m CHAR(20));
     INSERT INTO d.c VALUES (1,'ab','x'),(2,'a b','y  '),(3,NULL,'n');" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "UPDATE d.c SET c = 'xy' WHERE id = 3;
     ALTER TABLE d.c MODIFY c TEXT, MODIFY m MEDIUMTEXT;
     INSERT INTO d.c VALUES (4, 'long value', 'z');
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/changes.mcr"
load_two_days "$T/w"
D=20251121
sql "SELECT id, c, m FROM d.c" | tr '\t' ',' | sort >"$T/truth"
expect_ok "the local merge across CHAR(3) to TEXT, CHAR(20) to MEDIUMTEXT" mc-merge --warehouse="$T/w" --table=d__c --ds=$D
mc-cat --to=csv --table=d.c "$T/w/d__c/ds=$D"/part-*.mcr.zst 2>/dev/null | tail -n +2 | sort >"$T/got"
expect_same "... equals the source" "$T/truth" "$T/got"
