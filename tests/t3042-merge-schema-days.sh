#!/bin/sh
# Daily merges across schema changes (docs/merge.md "Schema changes"): a
# throwaway MariaDB whose statements are stamped on three days (SET
# timestamp); day 2 has changes before and after ADD COLUMN (NOT NULL
# DEFAULT 0), RENAME COLUMN and MODIFY (INT to BIGINT); day 3 more changes
# and a DROP COLUMN. mc-merge --ds of day 2 (from the snapshot) and of day
# 3 (from day 2's partition) equal the server at the end of each day, in
# the schema in force then; the table's _schema.mcr ends with it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE d; CREATE DATABASE marks; CREATE TABLE marks.p (i INT PRIMARY KEY);
     CREATE TABLE d.t (id INT PRIMARY KEY, v INT, c VARCHAR(5), x INT);
     INSERT INTO d.t VALUES (1,1,'a',1),(2,2,'b',2),(3,3,'c',3)" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
now=$(date +%s)
d1=$(date -u -d "@$now" +%Y%m%d) d2=$(date -u -d "@$((now + 86400))" +%Y%m%d) d3=$(date -u -d "@$((now + 2 * 86400))" +%Y%m%d)
at() { echo "SET timestamp = $((now + $1 * 86400));"; }
state() { sql "SELECT * FROM d.t ORDER BY id" >"$T/want.$1"
	sql "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='d' AND TABLE_NAME='t'" >"$T/cols.$1"; }
sql "$(at 1) INSERT INTO d.t VALUES (4,4,'d',4); UPDATE d.t SET v = 20 WHERE id = 2;
     ALTER TABLE d.t ADD COLUMN n INT NOT NULL DEFAULT 0; UPDATE d.t SET n = 5 WHERE id = 3;
     ALTER TABLE d.t RENAME COLUMN c TO cc; INSERT INTO d.t VALUES (5,5,'e',5,6);
     ALTER TABLE d.t MODIFY v BIGINT; UPDATE d.t SET v = 10000000000 WHERE id = 1; DELETE FROM d.t WHERE id = 4" &&
	state 2 &&
	sql "$(at 2) UPDATE d.t SET n = 7 WHERE id = 2; ALTER TABLE d.t DROP COLUMN x; INSERT INTO d.t VALUES (6,6,'f',0)" &&
	state 3 &&
	sql "$(at 3) REPLACE INTO marks.p VALUES (1); FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --schema="$T/snap.mcr" --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* \
	>"$T/changes.mcr" 2>"$T/err" || { fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
expect_ok "the snapshot loads" mc-tunnel-put --dest="$T/w" "$T/snap.mcr"
expect_ok "the changes load" mc-tunnel-put --dest="$T/w" "$T/changes.mcr"
[ -d "$T/w/d__t/ds=$d1" ] && ok "the snapshot is day $d1" || fail "the snapshot is day $d1" "$(ls "$T/w/d__t")"

rows_of() { # FILE: rows as the server prints them, header as its columns
	mc-cat --to=jsonl "$1" | python3 -c '
import sys, json
for l in sys.stdin:
    r = json.loads(l)
    if r.get("kind") == "schema":
        print(",".join(c["name"] for c in r["columns"]), file=sys.stderr)
    elif r.get("kind") == "row":
        print("\t".join("NULL" if v is None else str(list(v.values())[0]) if isinstance(v, dict) else str(v) for v in r["after"]))
' 2>"$T/cols" | sort -n
}
for D in 2 3; do
	eval ds=\$d$D
	expect_ok "day $D: mc-merge --ds=$ds" mc-merge --warehouse="$T/w" --table=d__t --ds=$ds
	rows_of "$T/w/d__t/ds=$ds/part-000000.mcr.zst" >"$T/got.$D"
	expect_same "day $D: the partition equals the server at the end of the day" "$T/got.$D" "$T/want.$D"
	expect_eq "day $D: in the schema of the end of the day" "$(cat "$T/cols")" "$(cat "$T/cols.$D")"
done
expect_eq "the table's _schema.mcr ends with the last version" \
	"$(mc-cat --to=jsonl "$T/w/d__t/_schema.mcr" | grep '"kind":"schema"' | tail -1 | python3 -c '
import sys, json; print(",".join(c["name"] for c in json.loads(sys.stdin.read())["columns"]))')" "$(cat "$T/cols.3")"
expect_eq "old rows got 0 for n (NOT NULL DEFAULT 0)" "$(awk -F'\t' '$1 == 1 { print $NF }' "$T/got.2")" 0
