#!/bin/sh
# mc-merge --dest=odps:// --at=TIME --into=TABLE with TIME after a table's
# last row change but before an ALTER TABLE ... DROP COLUMN s (stamped after
# TIME, in the state's schema history): the point is that statement (as the
# local merge's --at), so the --into table has the columns and rows of the
# local --at: (id, v, s), the source at TIME. (The point was the first log
# row after TIME, past the ALTER: the version it made, the values of s lost,
# exit 0: found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.a (id INT PRIMARY KEY, v INT, s VARCHAR(10));
     INSERT INTO d.a VALUES (1,1,'a'),(2,2,'b');" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap.mcr" 2>"$T/err" || { fail setup "mc-snapshot: $(cat "$T/err")"; exit 1; }
sql "UPDATE d.a SET v = 20 WHERE id = 2;
     ALTER TABLE d.a DROP COLUMN s;
     UPDATE d.a SET v = 10 WHERE id = 1;
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --schema="$T/snap.mcr" --tables='^d\.' --from="$first:$2" \
	"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" || { fail setup restamp; exit 1; }
# the changes of 2025-11-20 from 22:00 UTC on, each transaction and DDL 10
# minutes after the one before (UPDATE 22:00, its end 22:10, the ALTER 22:20,
# the next UPDATE 22:30 ...), and a heartbeat on 2025-11-22
mc-cat "$T/changes.mcr" | python3 -c '
import json, sys
t = 1763676000; last = None; n = 0
for l in sys.stdin:
    r = json.loads(l)
    if r.get("kind") == "trailer":
        print(json.dumps({"kind": "mark", "mark": "heartbeat", "pos": last, "time": 1763769600,
                          "db": "", "table": "", "label": ""}))
        r = {"kind": "trailer", "count": n + 1}
    elif "mcr" not in r:
        if (r.get("kind") == "mark" and r.get("mark") == "txn_end") or r.get("kind") == "ddl":
            t += 600
        r["time"] = t; last = r["pos"]; n += 1
    print(json.dumps(r))' | mc-cat --to=mcr >"$T/changes1.mcr" || { fail setup "restamp"; exit 1; }
expect_ok "the snapshot loads" mc-tunnel-put --dest="$T/w" "$T/snap1.mcr"
expect_ok "the changes load" mc-tunnel-put --dest="$T/w" "$T/changes1.mcr"
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
put() { mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$@"; }
expect_ok "the snapshot goes into MaxCompute" put "$T/snap1.mcr"
expect_ok "the changes go into MaxCompute" put "$T/changes1.mcr"
AT='2025-11-20 22:15:00'
expect_ok "the local --at='$AT' (after the first UPDATE, before the DROP)" \
	sh -c "mc-merge --warehouse='$T/w' --table=d__a --at='$AT' --output='$T/at.mcr'"
mc-cat --to=csv --table=d.a "$T/at.mcr" >"$T/local.csv"
expect_eq "... is the table then: (id, v, s), with s" "$(tr '\n' ' ' <"$T/local.csv")" "id,v,s 1,1,a 2,20,b "
expect_ok "the merge in MaxCompute --at='$AT' --into=atx" \
	mc-merge $OD --state="$T/s" --table=d__a --at="$AT" --into=atx
cols=$(sqlite3 "$DB" "SELECT group_concat(name, ',') FROM (SELECT name FROM _odps_columns
	WHERE tbl = 'atx' AND is_part = 0 AND name NOT LIKE 'mc_pos%' ORDER BY pos)")
rows=$(sqlite3 -separator , "$DB" "SELECT * FROM atx ORDER BY id" | cut -d, -f1-3 | tr '\n' ' ')
expect_eq "... equals the local --at: the columns" "$cols" "id,v,s"
expect_eq "... and the rows" "$rows" "1,1,a 2,20,b "
