#!/bin/sh
# Schema changes within a merge's range (docs/merge.md "Schema changes"):
# a throwaway MariaDB, a snapshot, then ADD COLUMN (NOT NULL DEFAULT 0, a
# string DEFAULT, nullable without DEFAULT, NOT NULL enum without DEFAULT),
# DROP COLUMN, RENAME COLUMN and CHANGE, MODIFY to wider types (INT to
# BIGINT, VARCHAR(n) to VARCHAR(m), DECIMAL widening, DATETIME precision
# up), a reorder (AFTER / FIRST), with changes on both sides of each
# statement, tailed and loaded. The merged tables equal the server's, row by
# row; the warehouse's schema history holds each version with its
# statement. A narrowing MODIFY and an added generated column are refused
# (exit 1), naming the column; a key change with changes before it merges.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.ad (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.dr (id INT PRIMARY KEY, v INT, gone VARCHAR(5));
     CREATE TABLE d.rn (id INT PRIMARY KEY, v INT, c VARCHAR(5));
     CREATE TABLE d.md (id INT PRIMARY KEY, v INT, s VARCHAR(5), m DECIMAL(5,2), t DATETIME, f FLOAT);
     CREATE TABLE d.ro (id INT PRIMARY KEY, a INT, b VARCHAR(5));
     CREATE TABLE d.nr (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.gc (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.pk (id INT PRIMARY KEY, u INT NOT NULL);
     INSERT INTO d.ad VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.dr VALUES (1,1,'a'),(2,2,'b');
     INSERT INTO d.rn VALUES (1,1,'a'),(2,2,'b');
     INSERT INTO d.md VALUES (1,1,'a',1.5,'2024-01-02 03:04:05',0.1),(2,-2,'bb',-99.99,'2024-05-06 07:08:09',2.5);
     INSERT INTO d.ro VALUES (1,1,'a'),(2,2,'b');
     INSERT INTO d.nr VALUES (1,1),(2,2);
     INSERT INTO d.gc VALUES (1,1),(2,2);
     INSERT INTO d.pk VALUES (1,10),(2,20)" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "INSERT INTO d.ad VALUES (4,4); UPDATE d.ad SET v = 20 WHERE id = 2;
     ALTER TABLE d.ad ADD COLUMN n INT NOT NULL DEFAULT 0, ADD COLUMN s VARCHAR(10) DEFAULT 'it''s',
       ADD z INT, ADD COLUMN e ENUM('p','q') NOT NULL, ADD COLUMN k DECIMAL(6,2) NOT NULL DEFAULT '1.5' FIRST;
     INSERT INTO d.ad (id, v, n, s, z, e) VALUES (5,5,7,'new',9,'q'); UPDATE d.ad SET n = 3 WHERE id = 3;
     INSERT INTO d.dr VALUES (3,3,'c'); ALTER TABLE d.dr DROP COLUMN gone; INSERT INTO d.dr VALUES (4,4);
     UPDATE d.dr SET v = 10 WHERE id = 1;
     INSERT INTO d.rn VALUES (3,3,'c'); ALTER TABLE d.rn RENAME COLUMN v TO w;
     INSERT INTO d.rn VALUES (4,4,'d'); ALTER TABLE d.rn CHANGE c cc VARCHAR(9);
     INSERT INTO d.rn VALUES (5,5,'eeeeeeeee'); UPDATE d.rn SET w = 30 WHERE id = 2;
     INSERT INTO d.md VALUES (3,3,'c',3.25,'2024-07-08 09:10:11',1.25);
     ALTER TABLE d.md MODIFY v BIGINT, MODIFY s VARCHAR(20), MODIFY m DECIMAL(9,4), MODIFY t DATETIME(3), MODIFY f DOUBLE;
     INSERT INTO d.md VALUES (4,12345678901,'long string here',12345.6789,'2024-09-10 11:12:13.456',0.3);
     UPDATE d.md SET s = 'x' WHERE id = 3;
     INSERT INTO d.ro VALUES (3,3,'c'); ALTER TABLE d.ro MODIFY b VARCHAR(5) FIRST, MODIFY a INT AFTER id;
     ALTER TABLE d.ro MODIFY id INT AFTER b; INSERT INTO d.ro (id, a, b) VALUES (4,4,'d');
     INSERT INTO d.nr VALUES (3,3); ALTER TABLE d.nr MODIFY v SMALLINT; INSERT INTO d.nr VALUES (4,4);
     INSERT INTO d.gc VALUES (3,3); ALTER TABLE d.gc ADD COLUMN g INT AS (v * 2) STORED; INSERT INTO d.gc (id, v) VALUES (4,4);
     INSERT INTO d.pk VALUES (3,30); ALTER TABLE d.pk DROP PRIMARY KEY, ADD PRIMARY KEY (u); INSERT INTO d.pk VALUES (4,40);
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --schema="$T/snap.mcr" --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
expect_ok "the snapshot loads" mc-tunnel-put --dest="$T/w" "$T/snap.mcr"
expect_ok "the changes load" mc-tunnel-put --dest="$T/w" "$T/changes.mcr"
at=$(mc-cat --to=summary "$T/changes.mcr" | sed -n 's/^positions: .* \.\. //p')

merged() { # TABLE: the merged rows as tab-separated text, NULL as NULL, sorted
	mc-merge --warehouse="$T/w" --table="d__$1" --at="$at" --output="$T/$1.mcr" 2>"$T/err" &&
		mc-cat --to=jsonl "$T/$1.mcr" | python3 -c '
import sys, json
cols = None
rows = []
for l in sys.stdin:
    r = json.loads(l)
    if r.get("kind") == "schema":
        cols = [c["name"] for c in r["columns"]]
    elif r.get("kind") == "row":
        out = []
        for v in r["after"]:
            if v is None: out.append("NULL")
            elif isinstance(v, dict): out.append(str(list(v.values())[0]))
            else: out.append(str(v))
        rows.append(out)
print("\t".join(cols))
for r in sorted(rows, key=lambda x: int(x[cols.index("id")])):
    print("\t".join(r))
'
}
truth() { # TABLE: the server's rows, the same way
	sql "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='d' AND TABLE_NAME='$1'" | tr , '\t'
	sql "SELECT * FROM d.$1 ORDER BY id"
}
for t in ad dr rn md ro; do
	expect_eq "$t: the merge across its DDL equals the source" "$(merged $t)" "$(truth $t)"
done

# an ADD COLUMN ... NOT NULL DEFAULT 0 gives 0 to the rows before it
expect_eq "ad: rows before ADD COLUMN n INT NOT NULL DEFAULT 0 have 0, not NULL" \
	"$(merged ad | awk -F'\t' '$2 == 1 || $2 == 4 { print $4 }' | tr '\n' ' ')" "0 0 "

# the history: each version with the statement that made it
mc-cat --to=jsonl "$T/w/d__ad/_schemahist.mcr" >"$T/hist.jsonl"
expect_eq "ad: two versions in the history" "$(grep -c '"kind":"schema"' "$T/hist.jsonl")" 2
expect_grep "ad: the ALTER between them" '"kind":"ddl",.*"sql":"ALTER TABLE d.ad ADD COLUMN n INT NOT NULL DEFAULT 0' "$T/hist.jsonl"
mc-cat --to=jsonl "$T/w/d__rn/_schemahist.mcr" >"$T/hist.jsonl"
expect_eq "rn: three versions, two statements" \
	"$(grep -o '"kind":"\(schema\|ddl\)"' "$T/hist.jsonl" | tr '\n' ' ')" \
	'"kind":"schema" "kind":"ddl" "kind":"schema" "kind":"ddl" "kind":"schema" '

# mc-snapshot after the statements and mc-binlog-tail across them agree
# on each table's schema (the tail's last, the snapshot's)
mc-snapshot $MDB_ARGS --databases=d >"$T/snap2.mcr" 2>"$T/err" ||
	fail "a second snapshot" "$(cat "$T/err")"
mc-cat --to=jsonl "$T/snap2.mcr" >"$T/snap2.jsonl"
mc-cat --to=jsonl "$T/changes.mcr" >"$T/changes.jsonl"
python3 "$TOP/tests/schemacmp.py" "$T/changes.jsonl" "$T/snap2.jsonl" >"$T/cmp" 2>&1
expect_eq "the tail's schemas after the DDL equal a snapshot's taken after it" "$(cat "$T/cmp")" ""

# refused, naming the column or the statement
expect_code 1 "a narrowing MODIFY is refused" \
	mc-merge --warehouse="$T/w" --table=d__nr --at="$at" --output="$T/x.mcr"
expect_grep "naming the column and why" "column 2: changed at [0-9:]+ \('ALTER TABLE d.nr MODIFY v SMALLINT'\): 'int' to 'smallint' is not a widening" "$T/err"
expect_code 1 "an added generated column is refused" \
	mc-merge --warehouse="$T/w" --table=d__gc --at="$at" --output="$T/x.mcr"
expect_grep "naming it" "column 3: added at [0-9:]+: it is a generated column" "$T/err"
# a key change with changes before it in the range: merged in steps
# (tests/t3044-merge-key-change.sh)
expect_eq "pk: the merge across its key change equals the source" "$(merged pk)" "$(truth pk)"
