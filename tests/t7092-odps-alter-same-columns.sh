#!/bin/sh
# The ALTERs after which a table's columns are the same as before
# (tests/t2088) with MaxCompute as the destination: the state's schema
# history keeps the version after each, and the merge run in MaxCompute
# crosses it by position as the local merge does:
# - DROP w, ADD w ... DEFAULT 'zz' (one statement): two columns named w in
#   the schema history, which the SQL tables cannot hold apart: the load
#   is refused, exit 1, naming the table and the way out (a re-snapshot);
# - MODIFY g INT AS (a * 3): the older rows' values are the server's, which
#   no merge can compute: refused, exit 1, saying why, no partition;
# - MODIFY c ... CHARACTER SET latin1 under a non-strict sql_mode: the
#   server stored '?'; the SQL merge does not compute it: refused, exit 1
#   (the local merge applies it: t2088).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v INT, w VARCHAR(5));
INSERT INTO d.t VALUES (1, 1, 'a'), (2, 2, 'b');
CREATE TABLE d.g (id INT PRIMARY KEY, a INT, g INT AS (a * 2) STORED);
INSERT INTO d.g (id, a) VALUES (1, 1), (2, 2);
CREATE TABLE d.m (id INT PRIMARY KEY, c VARCHAR(10) CHARACTER SET utf8mb4);
INSERT INTO d.m VALUES (1, '中x'), (2, 'é')" || { fail "setup" "sql"; exit 1; }
mdb_snap_d
sql "ALTER TABLE d.t DROP COLUMN w, ADD COLUMN w VARCHAR(5) DEFAULT 'zz';
ALTER TABLE d.g MODIFY g INT AS (a * 3) STORED;
SET SESSION sql_mode = ''; ALTER TABLE d.m MODIFY c VARCHAR(10) CHARACTER SET latin1;
SET SESSION sql_mode = DEFAULT;
INSERT INTO d.t VALUES (3, 3, 'c'); INSERT INTO d.g (id, a) VALUES (3, 3);
INSERT INTO d.m VALUES (3, 'z')" || { fail "setup" "sql"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/changes.mcr"
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/changes.mcr" 1763683200 1763769600 >"$T/changes1.mcr" || { fail "setup" "restamp"; exit 1; }

odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
D=20251121
put() { mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$@"; }
expect_ok "the snapshot and the changes go into the local warehouse" \
	mc-tunnel-put --dest="$T/w" "$T/snap1.mcr" "$T/changes1.mcr"
expect_ok "the snapshot goes into MaxCompute" put "$T/snap1.mcr"
expect_code 1 "the changes: refused at d.t's DROP w, ADD w" put --retry-time=0.2 "$T/changes1.mcr"
expect_grep "... naming the table, the column and the way out" \
	"table 'd__t': two columns of the schema history are named 'w' .*mc-tunnel-put --resnapshot" "$T/err"
# the changes of the other tables only
but "$T/changes1.mcr" t >"$T/changes2.mcr" || { fail "setup" "filter"; exit 1; }
expect_ok "the changes of d.g and d.m go into MaxCompute" put "$T/changes2.mcr"

expect_code 1 "d__g: MODIFY g ... AS (a * 3): refused in MaxCompute" \
	mc-merge $OD --state="$T/s" --table=d__g --ds=$D
expect_grep "... saying why" "made it a generated column: the older rows' values are the server's" "$T/err"
expect_eq "... no partition $D" "$(sqlite3 "$DB" "SELECT count(*) FROM d__g WHERE ds = '$D'")" 0
expect_code 1 "d__g: refused locally too" mc-merge --warehouse="$T/w" --table=d__g --ds=$D

expect_code 1 "d__m: a charset narrowed under a non-strict sql_mode: refused in MaxCompute" \
	mc-merge $OD --state="$T/s" --table=d__m --ds=$D
expect_grep "... naming the column, the position and the ways out" "column 2 \(.c.\): a statement before [0-9:]+ converted its text into another charset.*mc-merge \(without --emit-sql\), or load a re-snapshot .*--resnapshot" "$T/err"
expect_eq "... no partition $D" "$(sqlite3 "$DB" "SELECT count(*) FROM d__m WHERE ds = '$D'")" 0
expect_ok "d__m: merged locally (the server's '?')" mc-merge --warehouse="$T/w" --table=d__m --ds=$D
