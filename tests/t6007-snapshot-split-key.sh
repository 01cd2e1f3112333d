#!/bin/sh
# mc-snapshot --split-key on columns that are not a unique key: every row is
# written once. On a table with a key the split key is completed with the
# key's columns; on a table without one (a declared key) a chunk that stops
# inside a run of equal values is read again whole up to that value. A
# column that may be NULL is refused (exit 2, naming table and column).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE s; USE s;
CREATE TABLE s.t (id INT PRIMARY KEY, g INT NOT NULL, v INT);
INSERT INTO s.t VALUES (1,1,10),(2,1,20),(3,1,30),(4,2,40),(5,2,50),(6,2,60);
CREATE TABLE s.big (id INT PRIMARY KEY, g INT NOT NULL, v INT);
INSERT INTO s.big SELECT seq, seq % 7, seq FROM seq_1_to_1000;
CREATE TABLE s.nk (g INT NOT NULL, v INT);
INSERT INTO s.nk VALUES (1,10),(1,20),(1,30),(2,40),(2,50),(3,60);
CREATE TABLE s.ci (k VARCHAR(10) COLLATE utf8mb4_general_ci NOT NULL, v INT);
INSERT INTO s.ci VALUES ('a',1),('A',2),('a',3),('b',4),('B',5),('c',6);
CREATE TABLE s.u2 (id INT PRIMARY KEY, a INT NOT NULL, b INT NOT NULL, UNIQUE KEY (a, b));
INSERT INTO s.u2 SELECT seq, seq % 3, seq FROM seq_1_to_30;
CREATE TABLE s.nl (g INT, v INT);
INSERT INTO s.nl VALUES (NULL,1),(1,2),(2,3);" 2>"$T/err" || { fail "create tables" "$(cat "$T/err")"; exit 1; }

rows() { grep -c '"kind":"row"' "$1"; }
for th in 1 3; do
	expect_ok "a non-unique --split-key on a table with a key (--threads=$th)" \
		mc-snapshot $MDB_ARGS --tables='^s\.t$' --split-key=s.t:g --chunk-rows=1 --threads=$th
	mc-cat "$T/out" >"$T/t.jsonl"
	expect_eq "... keeps all 6 rows" "$(rows "$T/t.jsonl")" 6
	sql "SELECT id, g, v FROM s.t" >"$T/t.tsv"
	expect_ok "... each once, as the table has them" python3 "$TOP/tests/snapcmp.py" "$T/t.jsonl" s t "$T/t.tsv"
	expect_grep "... split on g, then the primary key (labels of two literals)" \
		'"label":"\(1\\t1, 1\\t2\]"' "$T/t.jsonl"
	expect_grep "... the schema's key is still the primary key" '"kind":"schema".*"key":\[0\]' "$T/t.jsonl"
done

expect_ok "a non-unique --split-key on 1000 rows, 4 threads, chunks of 10" \
	mc-snapshot $MDB_ARGS --tables='^s\.big$' --split-key=s.big:g --chunk-rows=10 --threads=4
mc-cat "$T/out" >"$T/big.jsonl"
sql "SELECT id, g, v FROM s.big" >"$T/big.tsv"
expect_ok "... holds every row once" python3 "$TOP/tests/snapcmp.py" "$T/big.jsonl" s big "$T/big.tsv"

expect_ok "a declared key with repeated values (no key on the table)" \
	mc-snapshot $MDB_ARGS --tables='^s\.nk$' --split-key=s.nk:g --chunk-rows=1 --threads=2
mc-cat "$T/out" >"$T/nk.jsonl"
expect_eq "... keeps all 6 rows" "$(rows "$T/nk.jsonl")" 6
expect_eq "... each once" "$(grep '"kind":"row"' "$T/nk.jsonl" | grep -o '"after":\[[^]]*\]' | sort -u | wc -l)" 6

expect_ok "a declared string key equal under its collation ('a' = 'A')" \
	mc-snapshot $MDB_ARGS --tables='^s\.ci$' --split-key=s.ci:k --chunk-rows=1
mc-cat "$T/out" >"$T/ci.jsonl"
expect_eq "... keeps all 6 rows" "$(rows "$T/ci.jsonl")" 6

expect_ok "a --split-key that a unique key lies within is used as named" \
	mc-snapshot $MDB_ARGS --tables='^s\.u2$' --split-key=s.u2:a,b --chunk-rows=4
mc-cat "$T/out" >"$T/u2.jsonl"
expect_eq "... all 30 rows" "$(rows "$T/u2.jsonl")" 30
expect_grep "... its labels have two literals (a, b), not the id" '"label":"\(-inf, 0\\t12\]"' "$T/u2.jsonl"

expect_code 2 "a --split-key column that may be NULL is refused" \
	mc-snapshot $MDB_ARGS --tables='^s\.nl$' --split-key=s.nl:g --chunk-rows=1
expect_grep "... naming the table, the column and what to do" \
	"table 's.nl': split key column 'g' may be NULL.*NOT NULL" "$T/err"
expect_eq "... and writing nothing" "$(wc -c <"$T/out" | tr -d ' ')" 0

expect_code 2 "--precheck says it too" mc-snapshot $MDB_ARGS --precheck --tables='^s\.nl$' --split-key=s.nl:g
expect_grep "... naming the table and the column" "table 's.nl': split key column 'g' may be NULL" "$T/err"
mc-snapshot $MDB_ARGS --precheck --tables='^s\.(t|nk)$' --split-key=s.t:g --split-key=s.nk:g >"$T/out" 2>"$T/err"
expect_grep "--precheck: a completed split key is named" \
	"^ok: table 's.t': --split-key \\(g\\) is not unique: split on \\(g, id\\)" "$T/out"
expect_grep "--precheck: a declared key no unique key backs is a warning" \
	"^warning: table 's.nk': declared key \\(g\\) is not a unique key" "$T/out"
