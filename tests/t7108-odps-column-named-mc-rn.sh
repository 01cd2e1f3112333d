#!/bin/sh
# A source column named mc_rn_* (the names a rename goes through in
# mcsync's MaxCompute tables): refused at the snapshot by mcsync, naming
# the table and column (docs/maxcompute.md "Tables"). (With RENAME a TO b
# and a column mc_rn_b every run failed with the server's raw error: found
# by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.s1 (id INT PRIMARY KEY, a INT, mc_rn_b INT);
     INSERT INTO d.s1 VALUES (1,1,100),(2,2,200);" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap.mcr" 2>"$T/err" || { fail setup "mc-snapshot: $(cat "$T/err")"; exit 1; }
sql "INSERT INTO d.s1 VALUES (3,3,300);
     ALTER TABLE d.s1 RENAME COLUMN a TO b;
     INSERT INTO d.s1 (id,b,mc_rn_b) VALUES (4,4,400); UPDATE d.s1 SET b = b + 10 WHERE id = 1;
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --schema="$T/snap.mcr" --tables='^d\.' --from="$first:$2" \
	"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
load_two_days "$T/w"
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
D=20251121
put() { mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$@"; }
expect_code 1 "a source column named mc_rn_b is refused at the snapshot" put "$T/snap1.mcr"
expect_grep "... naming it" "column 'mc_rn_b' of d.s1: mcsync's MaxCompute tables use the name mc_rn_" "$T/err"
