#!/bin/sh
# mc-merge across ALTER TABLE ... MODIFY of an ENUM or SET column that
# appends labels at the end (ENUM('é','b') to ENUM('é','b','ç'), SET('x','é')
# to SET('x','é','ü')): every existing value keeps its text, and its index
# (its bit), so the older rows merge as they are. The merge refused it, exit
# 1: "'enum('é','b')' to 'enum('é','b','ç')' is not a widening mcsync
# converts exactly". Now the new labels beginning with all the old ones, in
# order and byte for byte, ENUM to ENUM or SET to SET, merge: equal to the
# server row by row (a snapshot taken after), rows inserted before and after
# the ALTER, an old row updated to a new label; also an ENUM of 255 labels
# to 300 (its index becomes 2 bytes) and a SET of 63 members to 64. A label
# removed, renamed, reordered or inserted in the middle, and ENUM to SET
# or SET to ENUM, are still refused, naming the column and the statement.
# A throwaway MariaDB, a snapshot, the changes tailed, loaded into a local
# warehouse, merged (and by --emit-sql, run in sqlite3); and the same
# loaded into MaxCompute (the local
# server), where ENUM and SET are STRING: the merge there takes the same
# changes and refuses the same.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"

labels() { # PREFIX N: 'P1','P2',...,'PN'
	i=1 s=
	while [ "$i" -le "$2" ]; do s="$s${s:+,}'$1$i'"; i=$((i + 1)); done
	printf '%s' "$s"
}
mdb_start
sql "CREATE DATABASE d CHARACTER SET utf8mb4;
CREATE TABLE d.t (id INT PRIMARY KEY, e ENUM('é','b') NOT NULL, s SET('x','é'), n INT);
INSERT INTO d.t VALUES (1, 'é', 'x,é', 1), (2, 'b', '', 2), (5, 'b', 'é', 5);
CREATE TABLE d.big (id INT PRIMARY KEY, e ENUM($(labels l 255)), s SET($(labels m 63)));
INSERT INTO d.big VALUES (1, 'l255', 'm1,m63'), (2, 'l1', 'm2');" ||
	{ fail "setup" "sql failed"; exit 1; }
# TABLE|COLUMN BEFORE|THE MODIFY
cat >"$T/bad" <<'EOF2'
r1|c ENUM('a','b','c')|MODIFY c ENUM('a','b')
r2|c ENUM('a','b')|MODIFY c ENUM('a','x')
r3|c ENUM('a','b')|MODIFY c ENUM('b','a')
r4|c ENUM('a','b')|MODIFY c ENUM('a','c','b')
r5|c ENUM('a','b')|MODIFY c SET('a','b')
r6|c SET('a','b')|MODIFY c ENUM('a','b')
r7|c SET('a','b')|MODIFY c SET('a','c','b')
r8|c SET('a','b')|MODIFY c SET('b','a','c')
r9|c ENUM('a','b')|MODIFY c ENUM('a','B','c')
EOF2
while IFS='|' read -r n col st; do
	sql "CREATE TABLE d.$n (id INT PRIMARY KEY, $col); INSERT INTO d.$n VALUES (1, 'a')" ||
		{ fail "setup" "sql failed"; exit 1; }
done <"$T/bad"
mdb_snap_d
sql "INSERT INTO d.t VALUES (3, 'é', 'é', 3); UPDATE d.t SET n = 20 WHERE id = 2;
ALTER TABLE d.t MODIFY e ENUM('é','b','ç') NOT NULL, MODIFY s SET('x','é','ü');
INSERT INTO d.t VALUES (4, 'ç', 'ü,x', 4);
UPDATE d.t SET e = 'ç', s = 'é,ü' WHERE id = 1; UPDATE d.t SET n = 30 WHERE id = 3;
DELETE FROM d.t WHERE id = 5;
INSERT INTO d.big VALUES (3, 'l200', 'm63');
ALTER TABLE d.big MODIFY e ENUM($(labels l 300)), MODIFY s SET($(labels m 64));
INSERT INTO d.big VALUES (4, 'l300', 'm64,m1'); UPDATE d.big SET e = 'l256', s = 'm64' WHERE id = 1;" ||
	{ fail "setup" "the ALTER failed"; exit 1; }
while IFS='|' read -r n col st; do
	sql "ALTER TABLE d.$n $st; INSERT INTO d.$n VALUES (2, 'a')" || { fail "setup" "$n: $st failed"; exit 1; }
done <"$T/bad"
sql "FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
mdb_load_d

for t in t big; do
	rm -f "$T/m.mcr"
	expect_ok "$t: the merge across labels appended runs" \
		mc-merge --warehouse="$T/w" --table=d__$t --at="$at" --output="$T/m.mcr"
	mc-cat --to=csv --table=d.$t "$T/m.mcr" | sort >"$T/got"
	mc-cat --to=csv --table=d.$t "$T/now.mcr" | sort >"$T/want"
	expect_same "$t: ... equal to the server row by row" "$T/got" "$T/want"
	expect_eq "$t: ... four rows" "$(grep -c '^[0-9]' "$T/got")" 4
done
rm -f "$T/m.mcr"
mc-merge --warehouse="$T/w" --table=d__t --at="$at" --output="$T/m.mcr" 2>/dev/null
mc-cat "$T/m.mcr" | grep '"kind":"schema"' >"$T/ms"
expect_grep "t: ... under the types after it" \
	"\"name\":\"e\",\"mysql_type\":\"enum\('é','b','ç'\)\".*\"name\":\"s\",\"mysql_type\":\"set\('x','é','ü'\)\"" "$T/ms"
mc-cat --to=csv --table=d.t "$T/m.mcr" | sort >"$T/got"
expect_grep "t: ... the old row updated to the new labels" '^1,ç,"?é,ü"?,1$' "$T/got"

while IFS='|' read -r n col st; do
	rm -f "$T/m.mcr"
	expect_code 1 "$n: $st: the merge refuses it" \
		mc-merge --warehouse="$T/w" --table=d__$n --at="$at" --output="$T/m.mcr"
	st_re=$(printf '%s' "$st" | sed 's/[][().*+?^$|\\]/\\&/g')
	expect_grep "$n: ... naming the column, the statement and why" \
		"^mc-merge: '.*/d__$n/ds=[0-9]+/part-[0-9]+\.mcr\.zst': record [0-9]+: the row at [0-9:]+: column 2: changed at [0-9]+:[0-9]+:0 \('ALTER TABLE d\.$n $st_re'\): '(enum|set)\(.*\)' to '(enum|set)\(.*\)' is not a widening mcsync converts exactly \(it narrows, or changes the kind of value\)$" "$T/err"
	expect_code 1 "$n: ... nothing written" test -e "$T/m.mcr"
done <"$T/bad"

# --emit-sql, run in sqlite3 over the tables of a warehouse of two days
# (the snapshot on 2025-11-20, the changes on 2025-11-21): the same rows
W=$T/w2
D=20251121
load_two_days "$W"
H=$BIN/tools/mchist
for t in t big; do
	{ "$H" createh "d__$t" "$W/d__$t/_schemahist.mcr" &&
		"$H" loadh "d__$t" "$W/d__$t/_schemahist.mcr" ds=20251120 base "$W/d__$t/ds=20251120"/part-*.mcr.zst &&
		"$H" loadh "d__$t" "$W/d__$t/_schemahist.mcr" log log "$W/d__${t}_log"/ds=*/part-*.mcr.zst; } \
		>"$T/load.sql" 2>"$T/err" && sqlite3 "$T/$t.db" <"$T/load.sql" 2>>"$T/err" ||
		{ fail "$t: the tables load into sqlite3" "$(cat "$T/err")"; continue; }
	expect_ok "$t: --emit-sql --dialect=sqlite --ds=$D across labels appended" \
		mc-merge --warehouse="$W" --table=d__$t --ds=$D --emit-sql --dialect=sqlite
	sqlite3 "$T/$t.db" <"$T/out" 2>"$T/err" || fail "$t: sqlite3 runs it" "$(cat "$T/err")"
	cols=$(mc-cat --to=csv --table=d.$t "$T/now.mcr" | head -1 | sed 's/"//g; s/\([^,][^,]*\)/"\1"/g')
	sqlite3 -csv "$T/$t.db" "SELECT $cols FROM \"d__$t\" WHERE ds = '$D'" | tr -d '"' | sort >"$T/sq"
	mc-cat --to=csv --table=d.$t "$T/now.mcr" | grep -v '^id,' | tr -d '"' | sort >"$T/want2"
	expect_same "$t: ... the emitted SQL gives the server's rows" "$T/sq" "$T/want2"
done
expect_code 1 "r3: --emit-sql refuses the labels reordered" \
	mc-merge --warehouse="$W" --table=d__r3 --ds=$D --emit-sql --dialect=sqlite
expect_grep "r3: ... saying why" "'enum\('a','b'\)' to 'enum\('b','a'\)' is not a widening mcsync converts exactly" "$T/err"

# the merge in MaxCompute: the same
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
D=20251121
put() { mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$@"; }
expect_ok "MaxCompute: the snapshot goes in" put "$T/snap1.mcr"
expect_ok "MaxCompute: the changes too" put "$T/changes1.mcr"
expect_ok "MaxCompute: t: the merge across labels appended runs" mc-merge $OD --state="$T/s" --table=d__t --ds=$D
same_source d.t d__t "id, e, s, n" "MaxCompute: t: ... equal to the server row by row"
expect_ok "MaxCompute: big: the merge across labels appended runs" \
	mc-merge $OD --state="$T/s" --table=d__big --ds=$D
same_source d.big d__big "id, e, s" "MaxCompute: big: ... equal to the server row by row"
for n in r3 r5 r7; do
	expect_code 1 "MaxCompute: $n: the merge refuses it" mc-merge $OD --state="$T/s" --table=d__$n --ds=$D
	expect_grep "MaxCompute: $n: ... naming the column, the statement and why" \
		"table 'd__$n', the merge in MaxCompute: rows of schema version 1: column 2 \\('c'\\): changed at [0-9]+:[0-9]+:[0-9]+ \\('ALTER TABLE d\\.$n MODIFY c .*'\\): '(enum|set)\\(.*\\)' to '(enum|set)\\(.*\\)' is not a widening mcsync converts exactly" "$T/err"
	expect_eq "MaxCompute: $n: ... no partition $D written" \
		"$(sqlite3 "$DB" "SELECT count(*) FROM d__$n WHERE ds = '$D'" 2>/dev/null || echo 0)" 0
done
