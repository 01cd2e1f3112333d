#!/bin/sh
# mc-merge across ALTER TABLE ... CONVERT TO CHARACTER SET utf8mb4 of a
# latin1 table: the server keeps each column's length in bytes, so
# TINYTEXT becomes TEXT, TEXT MEDIUMTEXT, MEDIUMTEXT LONGTEXT, and a
# VARCHAR(20000) MEDIUMTEXT (a Note, under a sql_mode that is not
# strict; strict, the ALTER fails). The merge took
# each for a type change it cannot convert exactly ("'tinytext' to 'text'
# is not a widening mcsync converts exactly"), exit 1, though the values
# stay the same text. Now a TEXT or BLOB kind to a larger one of the same
# kind, and VARCHAR(n) (VARBINARY(n)) to a TEXT (BLOB) kind that holds n
# characters of 4 bytes (n bytes), are widenings: the merge equals the
# server row by row (a snapshot taken after the changes). Narrowings are
# still refused, naming the column and the statement: MEDIUMTEXT to TEXT,
# BLOB to TINYBLOB, TEXT to VARCHAR, TEXT to BLOB, and VARCHAR(20000) of
# utf8mb4 to TEXT (80,000 bytes into 65,535), each MODIFY in a table of its
# own. A throwaway MariaDB, a snapshot, the changes tailed, loaded into a
# local warehouse, merged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE d CHARACTER SET utf8mb4;
CREATE TABLE d.t (id INT PRIMARY KEY, tt TINYTEXT, t TEXT, mt MEDIUMTEXT, v VARCHAR(100),
  vl VARCHAR(20000), tb TINYBLOB, b BLOB, vb VARBINARY(300)) CHARSET latin1;
INSERT INTO d.t VALUES (1, 'é1', REPEAT('é€', 100), 'ü3', 'ä4', REPEAT('x', 19000), X'00FF', X'E9', X'80'),
  (2, 'x', 'y', 'z', 'w', 'q', 'c', 'd', 'e'), (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);" ||
	{ fail "setup" "sql failed"; exit 1; }
# TABLE|COLUMN BEFORE|THE MODIFY|EXPECTED
cat >"$T/narrow" <<'EOF2'
n1|c MEDIUMTEXT|MODIFY c TEXT|refuse
n2|c BLOB|MODIFY c TINYBLOB|refuse
n3|c TEXT|MODIFY c VARCHAR(100)|refuse
n4|c TEXT|MODIFY c BLOB|refuse
n5|c VARCHAR(100)|MODIFY c TINYTEXT|refuse
w1|c VARCHAR(60)|MODIFY c TINYTEXT|keep
w2|c VARBINARY(255)|MODIFY c TINYBLOB|keep
w3|c TINYBLOB|MODIFY c LONGBLOB|keep
EOF2
while IFS='|' read -r n col st x; do
	sql "CREATE TABLE d.$n (id INT PRIMARY KEY, $col) CHARSET utf8mb4; INSERT INTO d.$n VALUES (1, 'a')" ||
		{ fail "setup" "sql failed"; exit 1; }
done <"$T/narrow"
mdb_snap_d
sql "INSERT INTO d.t VALUES (3, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'); UPDATE d.t SET t = 'é before' WHERE id = 2;
SET SESSION sql_mode = ''; ALTER TABLE d.t CONVERT TO CHARACTER SET utf8mb4; SET SESSION sql_mode = DEFAULT;
INSERT INTO d.t VALUES (4, 'ü', '中文😀', 'ü', 'ü', REPEAT('中', 19000), 'h', 'i', 'j');
UPDATE d.t SET t = 'two', vl = CONCAT(vl, '€') WHERE id IN (1, 2); DELETE FROM d.t WHERE id = 5;" ||
	{ fail "setup" "the ALTER failed"; exit 1; }
while IFS='|' read -r n col st x; do
	sql "ALTER TABLE d.$n $st; INSERT INTO d.$n VALUES (2, 'b')" || { fail "setup" "$n: $st failed"; exit 1; }
done <"$T/narrow"
sql "FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
expect_eq "the server made the TEXT kinds larger, VARCHAR(20000) MEDIUMTEXT" \
	"$(sql "SELECT GROUP_CONCAT(COLUMN_TYPE ORDER BY ORDINAL_POSITION) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'd' AND TABLE_NAME = 't'")" \
	"int(11),text,mediumtext,longtext,varchar(100),mediumtext,tinyblob,blob,varbinary(300)"
mdb_load_d

expect_ok "t: the merge across CONVERT TO CHARACTER SET utf8mb4 runs" \
	mc-merge --warehouse="$T/w" --table=d__t --at="$at" --output="$T/m.mcr"
mc-cat --to=csv --table=d.t "$T/m.mcr" | sort >"$T/got"
mc-cat --to=csv --table=d.t "$T/now.mcr" | sort >"$T/want"
expect_same "... equal to the server row by row" "$T/got" "$T/want"
expect_eq "... four rows" "$(grep -c '^[0-9]' "$T/got")" 4
mc-cat "$T/m.mcr" | grep '"kind":"schema"' >"$T/ms"
expect_grep "... under the types after it" \
	'"name":"tt","mysql_type":"text".*"name":"t","mysql_type":"mediumtext".*"name":"mt","mysql_type":"longtext".*"name":"vl","mysql_type":"mediumtext"' "$T/ms"

while IFS='|' read -r n col st x; do
	from=$(echo "$col" | sed 's/^c //' | tr 'A-Z' 'a-z')
	to=$(echo "$st" | sed 's/^MODIFY c //' | tr 'A-Z' 'a-z')
	rm -f "$T/m.mcr"
	if [ "$x" = keep ]; then
		expect_ok "$n: $from to $to: merges" \
			mc-merge --warehouse="$T/w" --table=d__$n --at="$at" --output="$T/m.mcr"
		mc-cat --to=csv --table=d.$n "$T/m.mcr" | sort >"$T/got"
		mc-cat --to=csv --table=d.$n "$T/now.mcr" | sort >"$T/want"
		expect_same "$n: ... equal to the server" "$T/got" "$T/want"
		continue
	fi
	expect_code 1 "$n: $from to $to: the merge refuses it" \
		mc-merge --warehouse="$T/w" --table=d__$n --at="$at" --output="$T/m.mcr"
	st_re=$(printf '%s' "$st" | sed 's/[][().*+?^$|\\]/\\&/g')
	to_re=$(printf '%s' "$to" | sed 's/[][().*+?^$|\\]/\\&/g')
	from_re=$(printf '%s' "$from" | sed 's/[][().*+?^$|\\]/\\&/g')
	expect_grep "$n: ... naming the column, the statement and why" \
		"^mc-merge: '.*/d__$n/ds=[0-9]+/part-[0-9]+\.mcr\.zst': record [0-9]+: the row at [0-9:]+: column 2: changed at [0-9]+:[0-9]+:0 \('ALTER TABLE d\.$n $st_re'\): '$from_re' to '$to_re' is not a widening mcsync converts exactly \(it narrows, or changes the kind of value\)$" "$T/err"
	expect_code 1 "$n: ... nothing written" test -e "$T/m.mcr"
done <"$T/narrow"
