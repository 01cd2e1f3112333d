#!/bin/sh
# A MODIFY or CHANGE that the DDL rules drop (modify_column: ignore) and
# that changes the values the rows hold. The server converts the stored
# values when it alters the table, and writes no row events for it: FLOAT
# to FLOAT(7,2) copied rounds 0.123 to 0.12, a shorter VARCHAR or TEXT
# (sql_mode not strict) cuts the values, a charset without a character
# makes it '?', an ENUM without a label the values hold makes them '', a
# SET in another order rewrites 'a,b' as 'b,a', CHAR drops trailing
# spaces. Dropped, the statement left the warehouse with the old values
# after the merge, exit 0 everywhere. A throwaway MariaDB, a snapshot, one
# ALTER per table, the binlog tailed: mc-transform now stops (exit 1)
# naming the table, the column, the statement, its position and the rule,
# and the way out. The statements that keep every value (a longer
# VARCHAR, INT to BIGINT, a comment, FLOAT to DOUBLE, an ENUM with a label
# added or its labels reordered, ALTER COLUMN SET DEFAULT, NOT NULL: its
# NULLs become the implicit default, as the server made them, tests/t3082)
# are still dropped, and the merge equals the server; those whose changed
# values the new type cannot hold (INT to SMALLINT, DECIMAL scale, DATETIME
# fraction digits, signed to unsigned) pass too, and the merge
# stops at such a value as before. The column's type before the statement
# comes from the stream's schema records, or from --schema=FILE; unknown,
# the statement is refused. A clause in an executable comment
# (slash-star-bang, slash-star-M-bang) is the statement's: the server runs it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
# TABLE|TYPE OF c|THE VALUE OF ROW 1|ALTER TABLE d.TABLE ...|EXPECTED
# keep: dropped, the merge equals the server; merge: dropped, the merge
# stops at the older value; refuse: mc-transform stops at the statement
cat >"$T/cases" <<'EOF2'
fm|FLOAT|0.123|MODIFY c FLOAT(7,2), ALGORITHM=COPY|refuse
ch|FLOAT|0.123|CHANGE c c FLOAT(7,2)|refuse
dm|DOUBLE|0.123|MODIFY COLUMN c DOUBLE(10,2)|refuse
df|DOUBLE|0.1|MODIFY c FLOAT|refuse
vn|VARCHAR(10)|'abcdefgh'|MODIFY c VARCHAR(3)|refuse
cs|VARCHAR(10)|'中文'|MODIFY c VARCHAR(10) CHARACTER SET latin1|refuse
ed|ENUM('a','b','c')|'c'|MODIFY c ENUM('a','b')|refuse
tt|TEXT|REPEAT('x',300)|MODIFY c TINYTEXT|refuse
cb|VARCHAR(10)|'ab  '|MODIFY c CHAR(10)|refuse
sr|SET('a','b')|'a,b'|MODIFY c SET('b','a')|refuse
ts|TIMESTAMP NULL|'2024-01-02 10:11:12'|MODIFY c DATETIME|refuse
iv|INT|5|MODIFY c VARCHAR(10)|refuse
dd|DOUBLE|0.123|MODIFY c DECIMAL(10,2)|refuse
dt|DATETIME|'2024-01-02 10:11:12'|MODIFY c DATE|refuse
two|INT|5|MODIFY a BIGINT, MODIFY c TINYINT, MODIFY b VARCHAR(3)|refuse
vx|VARCHAR(10)|'abcdefgh'|/*!40000 MODIFY c VARCHAR(3) */|refuse
vy|VARCHAR(10)|'abcdefgh'|/*M!100100 MODIFY c VARCHAR(3) */|refuse
vw|VARCHAR(10)|'abc'|MODIFY c VARCHAR(20) COMMENT 'longer'|keep
vz|VARCHAR(10)|'abc'|/*!40000 MODIFY c VARCHAR(20) */|keep
cu|VARCHAR(10) CHARACTER SET latin1|'abé'|MODIFY c VARCHAR(10) CHARACTER SET utf8mb4|keep
er|ENUM('a','b','c')|'a'|MODIFY c ENUM('c','b','a')|keep
ea|ENUM('a','b')|'b'|MODIFY c ENUM('a','b','c')|keep
sa|SET('a','b')|'a,b'|MODIFY c SET('a','b','c')|keep
ib|INT|70000|MODIFY c BIGINT|keep
cm|INT|5|MODIFY c INT COMMENT 'x'|keep
vt|VARCHAR(10)|'abc'|MODIFY c TEXT|keep
fd|FLOAT|0.123|MODIFY c DOUBLE|keep
rs|FLOAT|0.123|MODIFY c FLOAT NOT NULL DEFAULT 0|keep
sd|INT|5|ALTER COLUMN c SET DEFAULT 7|keep
dw|DECIMAL(10,3)|1.235|MODIFY c DECIMAL(12,4)|keep
ds|DECIMAL(10,3)|1.235|MODIFY c DECIMAL(10,2)|merge
tf|DATETIME(6)|'2024-01-02 10:11:12.123456'|MODIFY c DATETIME(3)|merge
nn|INT|NULL|MODIFY c INT NOT NULL|keep
in|INT|70000|MODIFY c SMALLINT|merge
ua|INT|-5|MODIFY c INT UNSIGNED|merge
EOF2
{
	echo "CREATE DATABASE d;"
	while IFS='|' read -r n ty v st x; do
		case $n in
		two) echo "CREATE TABLE d.$n (id INT PRIMARY KEY, a INT, c $ty, b VARCHAR(10)); INSERT INTO d.$n VALUES (1, 1, $v, 'b'), (2, 2, 300, 'bbbbbb');" ;;
		rs) echo "CREATE TABLE d.$n (id INT PRIMARY KEY, c $ty); INSERT INTO d.$n VALUES (1, $v), (2, 2);" ;;
		*) echo "CREATE TABLE d.$n (id INT PRIMARY KEY, c $ty); INSERT INTO d.$n VALUES (1, $v), (2, NULL);" ;;
		esac
	done <"$T/cases"
	echo "CREATE TABLE d.late (id INT PRIMARY KEY, c VARCHAR(10)); INSERT INTO d.late VALUES (1, 'abcdefgh');"
	echo "CREATE TABLE d.latek (id INT PRIMARY KEY, c VARCHAR(10)); INSERT INTO d.latek VALUES (1, 'abcdefgh');"
	echo "CREATE TABLE d.kf (id INT PRIMARY KEY, c VARCHAR(10), z VARCHAR(100)); INSERT INTO d.kf VALUES (1, 'abcdefgh', REPEAT('z', 50));"
} >"$T/setup.sql"
sql "$(cat "$T/setup.sql")" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
{
	echo "SET SESSION sql_mode='';" # the server cuts and clamps, as it does then
	while IFS='|' read -r n ty v st x; do
		echo "ALTER TABLE d.$n $st; INSERT INTO d.$n (id) VALUES (3);"
	done <"$T/cases"
	# rows of the table before the statement: the stream says its type
	echo "INSERT INTO d.late VALUES (2, 'x'); ALTER TABLE d.late MODIFY c VARCHAR(3);"
	echo "INSERT INTO d.latek VALUES (2, 'x'); ALTER TABLE d.latek MODIFY c VARCHAR(30);"
	echo "INSERT INTO d.kf VALUES (2, 'x', 'z'); ALTER TABLE d.kf RENAME COLUMN c TO y, RENAME COLUMN z TO c; ALTER TABLE d.kf MODIFY c VARCHAR(20);"
} >"$T/alter.sql"
sql "$(cat "$T/alter.sql")" || { fail "setup" "the ALTERs failed"; exit 1; }
sql "FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/changes.mcr"
at=$(mc-cat --to=summary "$T/changes.mcr" | sed -n 's/^positions: .* \.\. //p')
mc-snapshot $MDB_ARGS --databases=d >"$T/now.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
mc-cat --to=csv --table=d.fm "$T/now.mcr" | sort >"$T/fm.server"
expect_grep "fm: the server rounded the older rows (a table copy)" '^1,0.12$' "$T/fm.server"

# what dropping them did: the statement taken out of the table's changes,
# loaded and merged: exit 0, and the older rows keep the values the
# server changed
noddl() { # FILE TABLE: the table's records, its ddl records left out
	only "$1" "$2" | mc-cat | python3 -c '
import json, sys
n = 0
for l in sys.stdin:
    r = json.loads(l)
    if r.get("kind") == "ddl":
        continue
    if r.get("kind") == "trailer":
        r["count"] = n
    elif "mcr" not in r:
        n += 1
    print(json.dumps(r))' | mc-cat --to=mcr
}
for n in fm vn cs ed tt cb sr; do
	only "$T/snap.mcr" $n >"$T/s.$n.mcr" && noddl "$T/changes.mcr" $n >"$T/c.$n.mcr" ||
		fail "$n: the streams without the statement" "only, noddl"
	mc-tunnel-put --dest="$T/w0$n" "$T/s.$n.mcr" 2>"$T/err" &&
		mc-tunnel-put --dest="$T/w0$n" "$T/c.$n.mcr" 2>>"$T/err" ||
		fail "$n: the streams without the statement load" "$(cat "$T/err")"
	expect_ok "$n: the statement dropped by hand: the merge exits 0" \
		mc-merge --warehouse="$T/w0$n" --table=d__$n --at="$at" --output="$T/m.mcr"
	mc-cat --to=csv --table=d.$n "$T/m.mcr" | sort >"$T/got"
	mc-cat --to=csv --table=d.$n "$T/now.mcr" | sort >"$T/want"
	cmp -s "$T/got" "$T/want" && fail "$n: ... with other values than the server's" "equal" ||
		ok "$n: ... with other values than the server's ($(grep '^1,' "$T/got") for $(grep '^1,' "$T/want"))"
done

rules() { # FILE TABLE...: modify_column (and alter_other: ALGORITHM=COPY) ignore, the tables named
	_f=$1
	shift
	{
		printf 'names:\n  template: "${db}__${table}"\nddl:\n  modify_column: ignore\n  alter_other: ignore\nselect:\n  include:\n'
		for _t; do printf '    - {db: d, table: %s}\n' "$_t"; done
	} >"$_f"
}

# each refused statement, alone
while IFS='|' read -r n ty v st x; do
	[ "$x" = refuse ] || continue
	rules "$T/$n.yaml" "$n"
	expect_code 1 "$n: '$st' dropped: refused" \
		mc-transform --rules="$T/$n.yaml" --schema="$T/snap.mcr" "$T/changes.mcr"
	col=c
	[ $n = two ] && col=b
	st_re=$(printf '%s' "ALTER TABLE d.$n $st" | sed 's/[][().*+?^$|\\]/\\&/g')
	expect_grep "$n: the message names the place, the table, the column, the statement and the rule" \
		"^mc-transform: '.*changes.mcr': record [0-9]+: position [0-9]+:[0-9]+:0: table 'd.$n': column '$col': '$st_re' changes the values the rows hold, and the rules drop it \(ddl.modify_column: ignore at .*$n.yaml:4:18\): .*; the warehouse would keep the old values. Keep the statement \(ddl.modify_column: normal or alert\), or load a new snapshot of the table taken after it \(mc-tunnel-put --resnapshot\), the table left out of this run's select$" "$T/err"
	[ "$(wc -l <"$T/err")" -eq 1 ] && ok "$n: one line" || fail "$n: one line" "$(cat "$T/err")"
	expect_code 1 "$n: the output ends without a trailer" mc-cat --check "$T/out"
done <"$T/cases"
expect_code 1 "fm again" mc-transform --rules="$T/fm.yaml" --schema="$T/snap.mcr" "$T/changes.mcr"
expect_grep "fm: the reason: FLOAT(M,D) rounds" "FLOAT\(M,D\) and DOUBLE\(M,D\) round the values to D digits when the server copies the table \(the column was 'float'\)" "$T/err"
expect_code 1 "vn again" mc-transform --rules="$T/vn.yaml" --schema="$T/snap.mcr" "$T/changes.mcr"
expect_grep "vn: the reason: the values are cut" "it is shorter: the server cuts the longer values \(sql_mode not strict\) \(the column was 'varchar\(10\)'\)" "$T/err"
expect_code 1 "cs again" mc-transform --rules="$T/cs.yaml" --schema="$T/snap.mcr" "$T/changes.mcr"
expect_grep "cs: the reason: the charset" "a charset other than utf8mb4 converts the text" "$T/err"
expect_code 1 "sr again" mc-transform --rules="$T/sr.yaml" --schema="$T/snap.mcr" "$T/changes.mcr"
expect_grep "sr: the reason: the members' order" "the members move or go" "$T/err"

# the type before it not known: no --schema, no row of the table before it
rules "$T/vw.yaml" vw
expect_code 1 "a widening whose column's type is not known to the run: refused" \
	mc-transform --rules="$T/vw.yaml" "$T/changes.mcr"
expect_grep "... saying why, and what to give" "table 'd.vw': column 'c': 'ALTER TABLE d.vw MODIFY c VARCHAR\(20\) COMMENT 'longer'' may change the values the rows hold, and the rules drop it \(.*\): the column's type before it is not known to this run \(no schema record of the table before it names the column\); the warehouse would keep the old values. Give the tables' schemas before the input with --schema=FILE \(the snapshot, or the stream before this one\); or: Keep the statement" "$T/err"
expect_ok "... the snapshot and the changes in one run know it" \
	mc-transform --rules="$T/vw.yaml" "$T/snap.mcr" "$T/changes.mcr"
expect_eq "... and drop it" "$(mc-cat "$T/out" | grep -c '"kind":"ddl"')" 0
# rows before the statement in the stream: their schema record says it
rules "$T/late.yaml" late
expect_code 1 "late: a shorter VARCHAR after rows of the table in the stream: refused" \
	mc-transform --rules="$T/late.yaml" "$T/changes.mcr"
expect_grep "... naming it" "table 'd.late': column 'c': 'ALTER TABLE d.late MODIFY c VARCHAR\(3\)'" "$T/err"
rules "$T/latek.yaml" latek
expect_ok "latek: a longer VARCHAR after rows of the table: dropped" \
	mc-transform --rules="$T/latek.yaml" "$T/changes.mcr"
expect_eq "... its ddl record is gone" "$(mc-cat "$T/out" | grep -c '"kind":"ddl"')" 0

# a statement that passes and names columns (a swap of names): their
# types are not known until a schema record says them (c is z's
# VARCHAR(100) now, and VARCHAR(20) cuts its values)
rules "$T/kf.yaml" kf
expect_code 1 "kf: a MODIFY dropped after a RENAME COLUMN swap kept, no row between: refused" \
	mc-transform --rules="$T/kf.yaml" --schema="$T/snap.mcr" "$T/changes.mcr"
expect_grep "... the type not known" "table 'd.kf': column 'c': .* may change the values .*not known to this run" "$T/err"

# the way out the message names: keep the statement
printf 'names:\n  template: "${db}__${table}"\nselect:\n  include:\n    - {db: d, table: fm}\nddl:\n  modify_column: alert\n' >"$T/alert.yaml"
expect_ok "fm under modify_column: alert passes" mc-transform --rules="$T/alert.yaml" "$T/changes.mcr"
expect_code 2 "--schema that cannot be read" \
	mc-transform --rules="$T/fm.yaml" --schema="$T/nonexistent.mcr" "$T/changes.mcr"
expect_grep "... names it" "^mc-transform: --schema: '.*nonexistent.mcr': No such file or directory$" "$T/err"

# the statements kept (and those the merge checks): dropped, loaded, merged
keeps=$(awk -F'|' '$5 != "refuse" { print $1 }' "$T/cases")
rules "$T/keep.yaml" $keeps
expect_ok "the statements that keep the values: dropped" \
	mc-transform --rules="$T/keep.yaml" --schema="$T/snap.mcr" "$T/changes.mcr"
cp "$T/out" "$T/changes.t.mcr"
expect_eq "... no ddl record left" "$(mc-cat "$T/changes.t.mcr" | grep -c '"kind":"ddl"')" 0
mc-transform --rules="$T/keep.yaml" "$T/snap.mcr" >"$T/snap.t.mcr" 2>"$T/err" ||
	fail "the snapshot through the rules" "$(cat "$T/err")"
expect_ok "the snapshot loads" mc-tunnel-put --dest="$T/w" "$T/snap.t.mcr"
expect_ok "the changes load" mc-tunnel-put --dest="$T/w" "$T/changes.t.mcr"
while IFS='|' read -r n ty v st x; do
	case $x in
	keep)
		expect_ok "$n: '$st' dropped: merges" \
			mc-merge --warehouse="$T/w" --table=d__$n --at="$at" --output="$T/m.mcr"
		mc-cat --to=csv --table=d.d__$n "$T/m.mcr" | sort >"$T/got"
		mc-cat --to=csv --table=d.$n "$T/now.mcr" | sort >"$T/want"
		expect_same "$n: ... equal to the server" "$T/got" "$T/want" ;;
	merge)
		expect_code 1 "$n: '$st' dropped: the merge stops at a value the new type cannot hold" \
			mc-merge --warehouse="$T/w" --table=d__$n --at="$at" --output="$T/m.mcr"
		expect_grep "$n: ... naming it" "row of 'd.d__$n' \(schema version 1\): after value 2 \(column 'c' " "$T/err" ;;
	esac
done <"$T/cases"
