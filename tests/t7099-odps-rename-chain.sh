#!/bin/sh
# A chain of renames in one upload (RENAME COLUMN b TO c, a row, RENAME
# COLUMN a TO b) into MaxCompute: the table's columns are renamed as the
# history goes (b to c before a to b, through a temporary name), the load
# goes through (and its rerun), and the day merged in MaxCompute equals the
# source. (Every run stopped, exit 1, saying falsely that no version of the
# history has the column 'a': found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.ch (id INT PRIMARY KEY, a INT, b INT);
     INSERT INTO d.ch VALUES (1,1,100),(2,2,200);" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap.mcr" 2>"$T/err" || { fail setup "mc-snapshot: $(cat "$T/err")"; exit 1; }
sql "INSERT INTO d.ch VALUES (3,3,300);
     ALTER TABLE d.ch RENAME COLUMN b TO c;
     INSERT INTO d.ch VALUES (4,4,400);
     ALTER TABLE d.ch RENAME COLUMN a TO b;
     INSERT INTO d.ch VALUES (5,5,500); UPDATE d.ch SET b = b + 1 WHERE id = 1;
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --schema="$T/snap.mcr" --tables='^d\.' --from="$first:$2" \
	"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
load_two_days "$T/w"
D=20251121
sql "SELECT id, b, c FROM d.ch" | tr '\t' ',' | sort >"$T/truth"
expect_ok "the local merge" mc-merge --warehouse="$T/w" --table=d__ch --ds=$D
mc-cat --to=csv --table=d.ch "$T/w/d__ch/ds=$D"/part-*.mcr.zst | tail -n +2 | sort >"$T/local"
expect_same "the local merge equals the source" "$T/truth" "$T/local"
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
put() { mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$@"; }
expect_ok "the snapshot goes into MaxCompute" put "$T/snap1.mcr"
expect_ok "the changes across the renames go into MaxCompute" put "$T/changes1.mcr"
expect_ok "... (a rerun)" put "$T/changes1.mcr"
if mc-merge $OD --state="$T/s" --table=d__ch --ds=$D 2>"$T/err"; then
	sqlite3 -separator , "$DB" "SELECT id, b, c FROM d__ch WHERE ds = '$D'" | sort >"$T/got"
	expect_same "the day merged in MaxCompute equals the source" "$T/truth" "$T/got"
else
	fail "the merge in MaxCompute" "$(head -c 300 "$T/err")"
fi
