#!/bin/sh
# mc-merge --emit-sql across schema changes (docs/merge.md "Schema changes:
# the SQL merge"): a throwaway MariaDB, a snapshot, then ADD COLUMN (NOT
# NULL DEFAULT 0, a string DEFAULT with a quote, nullable without DEFAULT,
# NOT NULL enum without DEFAULT, a DECIMAL default FIRST), DROP, RENAME and
# CHANGE, MODIFY widenings (INT to BIGINT, VARCHAR, DECIMAL scale, DATETIME
# precision), a reorder, an ADD then a MODIFY of the added column, a key
# change with no change before it, a key change with changes before it (in
# steps: tests/t3045-merge-sql-key-change.sh), with changes on both sides, tailed and
# loaded. The warehouse's rows load into sqlite3 in the history's SQL
# columns (mchist loadh); the emitted statement run there gives the local
# merge's rows and positions (the oracle), in both the day's merge and a
# merge up to a point between two ALTERs; MaxCompute's statement names its
# columns and CASTs. What mc-merge refuses (a narrowing) --emit-sql
# refuses too, and a name taken by two columns
# of the history, exit 1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
need sqlite3

mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.ad (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.dr (id INT PRIMARY KEY, v INT, gone VARCHAR(5));
     CREATE TABLE d.rn (id INT PRIMARY KEY, v INT, c VARCHAR(5));
     CREATE TABLE d.md (id INT PRIMARY KEY, v INT, s VARCHAR(5), m DECIMAL(5,2), t DATETIME);
     CREATE TABLE d.ro (id INT PRIMARY KEY, a INT, b VARCHAR(5));
     CREATE TABLE d.am (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.kc (id INT PRIMARY KEY, u INT NOT NULL);
     CREATE TABLE d.nr (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.pk (id INT PRIMARY KEY, u INT NOT NULL);
     CREATE TABLE d.re (id INT PRIMARY KEY, v INT);
     INSERT INTO d.ad VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.dr VALUES (1,1,'a'),(2,2,'b');
     INSERT INTO d.rn VALUES (1,1,'a'),(2,2,'b');
     INSERT INTO d.md VALUES (1,1,'a',1.5,'2024-01-02 03:04:05'),(2,-2,'bb',-99.99,'2024-05-06 07:08:09');
     INSERT INTO d.ro VALUES (1,1,'a'),(2,2,'b');
     INSERT INTO d.am VALUES (1,1),(2,2);
     INSERT INTO d.kc VALUES (1,10),(2,20);
     INSERT INTO d.nr VALUES (1,1),(2,2);
     INSERT INTO d.pk VALUES (1,10),(2,20);
     INSERT INTO d.re VALUES (1,1),(2,2)" || { fail "setup" "sql failed"; exit 1; }
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
     INSERT INTO d.md VALUES (3,3,'c',3.25,'2024-07-08 09:10:11');
     ALTER TABLE d.md MODIFY v BIGINT, MODIFY s VARCHAR(20), MODIFY m DECIMAL(9,4), MODIFY t DATETIME(3);
     INSERT INTO d.md VALUES (4,12345678901,'long string here',12345.6789,'2024-09-10 11:12:13.456');
     UPDATE d.md SET s = 'x' WHERE id = 3;
     INSERT INTO d.ro VALUES (3,3,'c'); ALTER TABLE d.ro MODIFY b VARCHAR(5) FIRST, MODIFY a INT AFTER id;
     ALTER TABLE d.ro MODIFY id INT AFTER b; INSERT INTO d.ro (id, a, b) VALUES (4,4,'d');
     INSERT INTO d.am VALUES (3,3); ALTER TABLE d.am ADD COLUMN x DECIMAL(5,1) NOT NULL DEFAULT 2.5;
     INSERT INTO d.am VALUES (4,4,4.5); ALTER TABLE d.am MODIFY x DECIMAL(8,3) NOT NULL DEFAULT 2.5;
     INSERT INTO d.am VALUES (5,5,5.125); UPDATE d.am SET v = 10 WHERE id = 1;
     ALTER TABLE d.kc DROP PRIMARY KEY, ADD PRIMARY KEY (u); INSERT INTO d.kc VALUES (3,30);
     UPDATE d.kc SET id = 9 WHERE u = 10;
     INSERT INTO d.nr VALUES (3,3); ALTER TABLE d.nr MODIFY v SMALLINT; INSERT INTO d.nr VALUES (4,4);
     INSERT INTO d.pk VALUES (3,30); ALTER TABLE d.pk DROP PRIMARY KEY, ADD PRIMARY KEY (u); INSERT INTO d.pk VALUES (4,40);
     ALTER TABLE d.re DROP COLUMN v; INSERT INTO d.re VALUES (3); ALTER TABLE d.re ADD COLUMN v INT NOT NULL DEFAULT 7;
     UPDATE d.re SET v = 3 WHERE id = 3;
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --schema="$T/snap.mcr" --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
# days: the snapshot stamped 2025-11-20, the changes 2025-11-21, and a
# heartbeat at the last position stamped 2025-11-22 (the end of day 21)
W=$T/w
load_two_days "$W"
D=20251121
H=$BIN/tools/mchist

# the rows of a merge as "pos,cols" lines, sorted
local_rows() { # TABLE FILE...
	_t=$1
	shift
	mc-cat --to=csv --with-op --table="d.$_t" "$@" | tail -n +2 | cut -d, -f2- | tr -d '"' | sort
}
sq_rows() { # DB QUERY: the last three columns are the position
	sqlite3 -csv "$1" "$2" | awk -F, '{ printf "%s:%s:%s", $(NF-2), $(NF-1), $NF
		for (i = 1; i <= NF - 3; i++) printf ",%s", $i; print "" }' | tr -d '"' | sort
}
load_db() { # TABLE DB
	{ "$H" createh "d__$1" "$W/d__$1/_schemahist.mcr" &&
		"$H" loadh "d__$1" "$W/d__$1/_schemahist.mcr" ds=20251120 base "$W/d__$1/ds=20251120"/part-*.mcr.zst &&
		"$H" loadh "d__$1" "$W/d__$1/_schemahist.mcr" log log "$W/d__$1_log"/ds=*/part-*.mcr.zst; } >"$T/load.sql" 2>"$T/err" &&
		rm -f "$2" && sqlite3 "$2" <"$T/load.sql" 2>>"$T/err"
}
# the target's column names (the local merge's output header)
tcols() { mc-cat --to=csv --table="d.$1" "$2" | head -1 | sed 's/"//g; s/\([^,][^,]*\)/"\1"/g'; }

for t in ad dr rn md ro am kc pk; do
	load_db $t "$T/$t.db" || { fail "$t: the tables load into sqlite3" "$(cat "$T/err")"; continue; }
	mc-merge --warehouse="$W" --table=d__$t --ds=$D 2>"$T/err" || { fail "$t: mc-merge --ds" "$(cat "$T/err")"; continue; }
	f=$(ls "$W/d__$t/ds=$D"/part-*.mcr.zst)
	local_rows $t $f >"$T/got"
	expect_ok "$t: --emit-sql --dialect=sqlite --ds=$D across its DDL" \
		mc-merge --warehouse="$W" --table=d__$t --ds=$D --emit-sql --dialect=sqlite
	cp "$T/out" "$T/$t.sql"
	sqlite3 "$T/$t.db" <"$T/$t.sql" 2>"$T/err" || fail "$t: sqlite3 runs it" "$(cat "$T/err")"
	sq_rows "$T/$t.db" "SELECT $(tcols $t $f), _pos_file, _pos_off, _pos_row FROM \"d__$t\" WHERE ds = '$D'" >"$T/sq"
	expect_same "$t: the emitted SQL gives the local merge's rows and positions" "$T/got" "$T/sq"
	[ "$(wc -l <"$T/sq")" -ge 2 ] && ok "$t: rows compared" || fail "$t: rows compared" "$(cat "$T/sq")"
done

# an ADD COLUMN ... NOT NULL DEFAULT 0 gives 0 to the rows before it in SQL too
expect_eq "ad: the SQL gives the rows before ADD COLUMN n INT NOT NULL DEFAULT 0 n = 0, k = 1.50" \
	"$(sqlite3 "$T/ad.db" "SELECT id, n, k, s FROM d__ad WHERE ds = '$D' AND id IN (1, 4) ORDER BY id" | tr '\n' ' ')" \
	"1|0|1.50|it's 4|0|1.50|it's "
expect_grep "am: the default of a column added then widened is the widened one's" "THEN '2.500' WHEN" "$T/am.sql"
expect_grep "md: DECIMAL and DATETIME widenings pad their digits (sqlite)" "substr\\('0000', 1, 4 - " "$T/md.sql"
expect_grep "rn: the renamed column is the one SQL column" 'INSERT INTO "d__rn" \("id", "w", "cc",' "$T/rn.sql"

# a day that ends between rn's two ALTERs: the changes from the CHANGE on
# stamped a day later; the day's merge is in the middle version, whose cc is c
at=$(mc-cat "$T/changes1.mcr" | grep '"table":"rn"' | grep '"kind":"ddl"' | grep CHANGE |
	sed 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1:\2:\3/')
[ -n "$at" ] || fail "setup" "no position of rn's CHANGE"
restamp "$T/changes.mcr" 1763683200 1763856000 "$at" 1763769600 >"$T/changes2.mcr" || fail "setup" "restamp"
W=$T/w2
expect_ok "the snapshot loads (w2)" mc-tunnel-put --dest="$W" "$T/snap1.mcr"
expect_ok "the changes load, over two days (w2)" mc-tunnel-put --dest="$W" "$T/changes2.mcr"
load_db rn "$T/rn2.db" || fail "rn: w2 loads into sqlite3" "$(cat "$T/err")"
expect_ok "rn: mc-merge --ds=$D (the middle version)" mc-merge --warehouse="$W" --table=d__rn --ds=$D
f=$(ls "$W/d__rn/ds=$D"/part-*.mcr.zst)
local_rows rn $f >"$T/got"
expect_eq "rn: whose columns are id, w, c" "$(mc-cat --to=csv --table=d.rn $f | head -1 | tr -d '"')" 'id,w,c'
expect_ok "rn: --emit-sql --ds=$D" mc-merge --warehouse="$W" --table=d__rn --ds=$D --emit-sql --dialect=sqlite
cp "$T/out" "$T/rn2.sql"
sqlite3 "$T/rn2.db" <"$T/rn2.sql" 2>"$T/err" || fail "rn: sqlite3 runs it" "$(cat "$T/err")"
sq_rows "$T/rn2.db" "SELECT \"id\", \"w\", \"cc\", _pos_file, _pos_off, _pos_row FROM \"d__rn\" WHERE ds = '$D'" >"$T/sq"
expect_same "rn: the SQL of the middle version gives the local merge's rows" "$T/got" "$T/sq"
expect_grep "writing c into the SQL column cc" 'INSERT INTO "d__rn" \("id", "w", "cc",' "$T/rn2.sql"
expect_grep "reading it as c" '"cc" AS "c"' "$T/rn2.sql"
W=$T/w

# MaxCompute's statement: the SQL columns named, the widenings CAST
expect_ok "md: --emit-sql for MaxCompute" mc-merge --warehouse="$W" --table=d__md --ds=$D --emit-sql
expect_grep "names its columns" "PARTITION \(ds = '$D'\) \(\`id\`, \`v\`, \`s\`, \`m\`, \`t\`, mc_pos_file" "$T/out"
expect_grep "CASTs the DECIMAL of the rows before" "THEN CAST\(\`m\` AS DECIMAL\(9,4\)\)" "$T/out"
expect_grep "positions in its own names" "WHEN \(mc_pos_file < " "$T/out"
expect_ok "ad: --emit-sql for MaxCompute" mc-merge --warehouse="$W" --table=d__ad --ds=$D --emit-sql
expect_grep "the string default with MaxCompute's escape" "THEN CAST\('it\\\\'s' AS STRING\)" "$T/out"

# refused as mc-merge refuses, and a name two columns of the history take
for t in nr; do
	mc-merge --warehouse="$W" --table=d__$t --ds=$D 2>"$T/err.local" &&
		fail "$t: mc-merge refuses" "exit 0" || ok "$t: mc-merge refuses"
	expect_code 1 "$t: --emit-sql refuses too" \
		mc-merge --warehouse="$W" --table=d__$t --ds=$D --emit-sql --dialect=sqlite
	[ -s "$T/out" ] && fail "$t: no SQL written" "$(head -2 "$T/out")" || ok "$t: no SQL written"
	cp "$T/err" "$T/err.$t"
done
expect_grep "nr: naming the column and why" "column 2: changed at [0-9:]+ \('ALTER TABLE d.nr MODIFY v SMALLINT'\): 'int' to 'smallint' is not a widening" "$T/err.nr"
expect_ok "re: mc-merge merges a DROP and an ADD of the same name" mc-merge --warehouse="$W" --table=d__re --ds=$D
expect_eq "re: the rows before the ADD have its default" \
	"$(mc-cat --to=csv --table=d.re "$W/d__re/ds=$D"/part-*.mcr.zst | tr -d '"' | sort | tr '\n' ' ')" "1,7 2,7 3,3 id,v "
expect_code 1 "re: --emit-sql refuses it" mc-merge --warehouse="$W" --table=d__re --ds=$D --emit-sql --dialect=sqlite
expect_grep "naming the column" "two columns of the schema history are named 'v'" "$T/err"
