#!/bin/sh
# RENAME COLUMN v TO w, then ADD COLUMN v (the old name again), into
# MaxCompute: v renamed to w, the new v added (a) of the same type: the
# first upload goes through, the day merged equals the source; (b) of
# another type (VARCHAR): no type change, the snapshot day's rows have v
# NULL (the column came later), the day merged equals the source. (The
# stale DESC took the new v for the old: (a) exit 1 with a false "recreate
# the table", (b) a needless generation whose copy filled the new v with the
# old values, exit 0: found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.rn (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.rs (id INT PRIMARY KEY, v INT);
     INSERT INTO d.rn VALUES (1,1),(2,2);
     INSERT INTO d.rs VALUES (1,1),(2,2);" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap.mcr" 2>"$T/err" || { fail setup "mc-snapshot: $(cat "$T/err")"; exit 1; }
sql "INSERT INTO d.rn VALUES (3,3);
     ALTER TABLE d.rn RENAME COLUMN v TO w;
     ALTER TABLE d.rn ADD COLUMN v INT DEFAULT 5;
     INSERT INTO d.rn VALUES (4,4,44); UPDATE d.rn SET w = 10 WHERE id = 1;
     INSERT INTO d.rs VALUES (3,3);
     ALTER TABLE d.rs RENAME COLUMN v TO w;
     ALTER TABLE d.rs ADD COLUMN v VARCHAR(5) DEFAULT 'q';
     INSERT INTO d.rs VALUES (4,4,'zz'); UPDATE d.rs SET w = 10 WHERE id = 1;
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --schema="$T/snap.mcr" --tables='^d\.' --from="$first:$2" \
	"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/changes.mcr" 1763683200 1763769600 >"$T/changes1.mcr" || { fail "setup" "restamp"; exit 1; }
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
D=20251121

# (a) the same type
only "$T/snap1.mcr" rn >"$T/sn.mcr" && only "$T/changes1.mcr" rn >"$T/cn.mcr"
expect_ok "rn: the snapshot goes into MaxCompute" mc-tunnel-put $OD --state="$T/sn" "$T/sn.mcr"
expect_ok "rn: RENAME v TO w, ADD v INT go into MaxCompute at the first run" \
	mc-tunnel-put $OD --state="$T/sn" "$T/cn.mcr"
if mc-merge $OD --state="$T/sn" --table=d__rn --ds=$D 2>"$T/err"; then
	sql "SELECT id, w, v FROM d.rn" | tr '\t' '|' | sort >"$T/truth"
	sqlite3 "$DB" "SELECT id, w, v FROM d__rn WHERE ds = '$D'" | sort >"$T/got"
	expect_same "rn: the day merged equals the source" "$T/truth" "$T/got"
else
	fail "rn: the merge" "$(head -c 300 "$T/err")"
fi

# (b) another type
only "$T/snap1.mcr" rs >"$T/ss.mcr" && only "$T/changes1.mcr" rs >"$T/cs.mcr"
expect_ok "rs: the snapshot goes into MaxCompute" mc-tunnel-put $OD --state="$T/ss" "$T/ss.mcr"
expect_ok "rs: RENAME v TO w, ADD v VARCHAR go into MaxCompute" mc-tunnel-put $OD --state="$T/ss" "$T/cs.mcr"
t=d__rs
sqlite3 "$DB" "SELECT count(*) FROM _odps_columns WHERE tbl = 'd__rs__g2'" | grep -qv '^0$' && t=d__rs__g2
expect_eq "rs: the snapshot day's rows in $t: w the old values, v NULL (the column came later)" \
	"$(sqlite3 "$DB" "SELECT group_concat(id || ':' || w || ':' || ifnull(v, 'NULL'), ' ') FROM
		(SELECT * FROM $t WHERE ds = '20251120' ORDER BY id)")" "1:1:NULL 2:2:NULL"
if mc-merge $OD --state="$T/ss" --table=d__rs --ds=$D 2>"$T/err"; then
	sql "SELECT id, w, v FROM d.rs" | tr '\t' '|' | sort >"$T/truth"
	sqlite3 "$DB" "SELECT id, w, v FROM $t WHERE ds = '$D'" | sort >"$T/got"
	expect_same "rs: the day merged equals the source" "$T/truth" "$T/got"
else
	fail "rs: the merge" "$(head -c 300 "$T/err")"
fi
