#!/bin/sh
# ENUM and SET labels after ALTER TABLE ... CONVERT TO CHARACTER SET.
# MariaDB keeps the bytes of a label as they were and reads them in the
# new charset (its table map and information_schema say the new one):
# latin1 'é' (E9) converted to utf8mb4 is the byte E9 in a utf8mb4 label,
# no character (SHOW CREATE TABLE shows '?'), and the label of a value is
# those bytes. mc-binlog-tail wrote them into the schema record's type
# text and the rows, which then were not UTF-8 (mc-cat: "text is not valid
# UTF-8, it has no JSON form"), exit 0. Now a label that is no text of the
# charset the server reports for it (utf8mb4 or utf8mb3 bytes that are not
# UTF-8 of its characters, utf16 bytes that are no UTF-16) stops the tail
# at the table's map, one line naming the binlog file and offset, the
# table, the column, the label's position and bytes, exit 1, only for a
# selected table; labels that are text of the new charset (latin1 'é' read
# as cp1251 'й', utf8mb4 'é' read as latin1 'Ã©') are written as the server
# holds them, equal to information_schema's COLUMN_TYPE and to the values
# the server's SELECT gives; labels converted to binary that are UTF-8 are
# taken too (the tail refused every binary ENUM: "text not valid in its
# charset binary"). mc-snapshot wrote the '?' information_schema shows for
# such a label (the UTF-8 conversion of its bytes), exit 0, and a binary
# ENUM's values as bytes, which no reader took: it refuses the same labels
# now and reads the same text. A throwaway MariaDB, a snapshot, one ALTER
# per table, the binlog tailed one table at a time, then snapshots.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
# TABLE|CHARSET|COLUMNS|VALUES OF ROW 1 (and of row 2, after)|CONVERT TO|EXPECTED
cat >"$T/cases" <<'EOF2'
le|latin1|e ENUM('é','b'), s SET('b','é')|1, 3|utf8mb4|refuse e ENUM 1 E9 utf8mb4
ls|latin1|s SET('b','é')|3|utf8mb4|refuse s SET 2 E9 utf8mb4
l3|latin1|e ENUM('b','ü')|2|utf8|refuse e ENUM 2 FC utf8mb3
em|utf8mb4|e ENUM('b','😀')|2|utf8mb3|refuse e ENUM 2 F0.9F.98.80 utf8mb3
u16|utf8mb4|e ENUM('é','b')|1|utf16|refuse e ENUM 2 62 utf16
bn|latin1|e ENUM('a','é')|2|binary|refuse e ENUM 2 E9 binary
cy|latin1|e ENUM('é','b'), s SET('b','ü')|1, 3|cp1251|keep
la|utf8mb4|e ENUM('é','b'), s SET('中','b')|1, 3|latin1|keep
as|latin1|e ENUM('a','b'), s SET('a','b')|1, 3|utf8mb4|keep
ba|latin1|e ENUM('a','b'), s SET('a','b')|1, 3|binary|keep
EOF2
{
	echo "CREATE DATABASE d CHARACTER SET utf8mb4;"
	while IFS='|' read -r n cs cols v to x; do
		echo "CREATE TABLE d.$n (id INT PRIMARY KEY, $cols) CHARSET $cs; INSERT INTO d.$n VALUES (1, $v);"
	done <"$T/cases"
} >"$T/setup.sql"
sql "$(cat "$T/setup.sql")" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
{
	echo "SET SESSION sql_mode='';" # the server makes a value it cannot convert ''
	while IFS='|' read -r n cs cols v to x; do
		echo "ALTER TABLE d.$n CONVERT TO CHARACTER SET $to; INSERT INTO d.$n VALUES (2, $v);"
	done <"$T/cases"
	echo "FLUSH BINARY LOGS;"
} >"$T/alter.sql"
sql "$(cat "$T/alter.sql")" || { fail "setup" "the ALTERs failed"; exit 1; }
expect_grep "le: the server shows the converted label as '?'" "^enum\('\?','b'\)$" \
	"$(sql "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_NAME = 'le' AND COLUMN_NAME = 'e'" >"$T/is"; echo "$T/is")"
expect_eq "... and holds its bytes E9 under utf8mb4" \
	"$(sql "SELECT CONCAT(HEX(e), ' ', CHARSET(e)) FROM d.le WHERE id = 2")" "E9 utf8mb4"

set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
from=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1"):$2
tail_one() { # TABLE: the changes of d.TABLE alone, into $T/TABLE.mcr
	mc-binlog-tail --schema="$T/snap.mcr" --tables="^d[.]$1\$" --from="$from" \
		"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/$1.mcr"
}

# label_why BYTES CHARSET: $bytes (the label's bytes, "." between them, as
# spaces) and $why (what the refusal says of them)
label_why() {
	bytes=$(echo "$1" | tr . ' ')
	why="is not valid in the column's charset $2"
	[ "$2" = binary ] && why="is not UTF-8 \(the column's charset is binary\)"
}
row2() { # JSONL: the after image of row 2 in the JSON lines JSONL, "id|e|s"
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("kind") == "row" and r["after"][0] == 2:
        print("|".join(str(x) for x in r["after"]))' "$1"
}

while IFS='|' read -r n cs cols v to x; do
	set -- $x
	case $1 in
	refuse)
		expect_code 1 "$n: $cs labels converted to $to: the tail stops" tail_one "$n"
		label_why "$5" "$6"
		expect_grep "$n: ... naming the file, offset, table, column, label and bytes, the charset and the way out" \
			"^mc-binlog-tail: '.*/mysql-bin\.[0-9]+': offset [0-9]+: table \`d\`\.\`$n\`: column [0-9]+ \($2\): $3 label $4 \(bytes $bytes\) $why at byte 0: its text cannot be known \(an ALTER TABLE \.\.\. CONVERT TO CHARACTER SET keeps the bytes of ENUM and SET labels in another charset as they were, under the new one\); redefine the column's labels on the server \(ALTER TABLE \.\.\. MODIFY\) and load a new snapshot of the table, or leave it out with --tables$" "$T/err"
		[ "$(wc -l <"$T/err")" -eq 1 ] && ok "$n: one line" || fail "$n: one line" "$(cat "$T/err")"
		expect_code 1 "$n: the stream ends without a trailer" mc-cat --check "$T/$n.mcr"
		expect_grep "$n: ... every record in it is UTF-8 (only the end is missing)" \
			"truncated|trailer" "$T/err"
		if grep -q "not valid UTF-8" "$T/err"; then fail "$n: no record without a JSON form" "$(cat "$T/err")"; fi
		;;
	keep)
		expect_ok "$n: $cs labels converted to $to: the tail reads them" tail_one "$n"
		mc-cat "$T/$n.mcr" >"$T/$n.jsonl" 2>"$T/err" || fail "$n: mc-cat shows every record" "$(cat "$T/err")"
		for c in e s; do
			want=$(sql "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'd' AND TABLE_NAME = '$n' AND COLUMN_NAME = '$c'")
			got=$(python3 -c '
import json, sys
t = None
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("kind") == "schema":
        t = [c["mysql_type"] for c in r["columns"] if c["name"] == sys.argv[2]][0]
print(t)' "$T/$n.jsonl" "$c")
			expect_eq "$n: column $c's labels as the server holds them (information_schema)" "$got" "$want"
		done
		expect_eq "$n: row 2 as the server's SELECT gives it" "$(row2 "$T/$n.jsonl")" \
			"$(sql "SELECT CONCAT_WS('|', id, e, s) FROM d.$n WHERE id = 2")"
		;;
	esac
done <"$T/cases"
expect_ok "the tables refused are passed when not selected" \
	mc-binlog-tail --schema="$T/snap.mcr" --tables='^d[.](cy|la|as|ba)$' --from="$from" \
	"$MDB_DIR"/binlog/mysql-bin.[0-9]*

# mc-snapshot after the ALTERs: information_schema shows such a label as
# '?', and the labels read from the server were its UTF-8 conversion, '?'
# too: the snapshot wrote enum('?','b'), a guess, exit 0. Now the label's
# bytes are converted from the column's charset as on the binlog path:
# the same refusal, the same labels.
while IFS='|' read -r n cs cols v to x; do
	set -- $x
	case $1 in
	refuse)
		expect_code 1 "$n: the snapshot stops too" \
			mc-snapshot $MDB_ARGS --databases=d --tables="^d[.]$n\$"
		label_why "$5" "$6"
		expect_grep "$n: ... naming the table, column, label and bytes, the charset and the way out" \
			"^mc-snapshot: table 'd\.$n': column '$2': $3 label $4 \(bytes $bytes\) $why at byte 0: its text cannot be known \(.*\); redefine the column's labels on the server \(ALTER TABLE \.\.\. MODIFY\), or leave the table out$" "$T/err"
		[ "$(wc -l <"$T/err")" -eq 1 ] && ok "$n: one line" || fail "$n: one line" "$(cat "$T/err")"
		;;
	keep)
		expect_ok "$n: the snapshot reads the table" \
			mc-snapshot $MDB_ARGS --databases=d --tables="^d[.]$n\$"
		mc-cat "$T/out" >"$T/$n.snap.jsonl" 2>"$T/err" ||
			fail "$n: ... every record of it shown (ENUM values text, a binary ENUM's too)" "$(cat "$T/err")"
		expect_eq "$n: ... row 2 as the server's SELECT gives it" "$(row2 "$T/$n.snap.jsonl")" \
			"$(sql "SELECT CONCAT_WS('|', id, e, s) FROM d.$n WHERE id = 2")"
		grep '"kind":"schema"' "$T/$n.snap.jsonl" | sed 's/"pos":[^]]*],"time":[0-9]*,//' >"$T/s.snap"
		mc-cat "$T/$n.mcr" 2>/dev/null | grep '"kind":"schema"' | tail -1 |
			sed 's/"pos":[^]]*],"time":[0-9]*,//; s/"version":[0-9]*/"version":1/' >"$T/s.tail"
		expect_same "$n: ... its schema record the tail's" "$T/s.snap" "$T/s.tail"
		;;
	esac
done <"$T/cases"
sql "SET SESSION sql_mode=''; ALTER TABLE d.le MODIFY e ENUM('é','b'), MODIFY s SET('b','é'); INSERT INTO d.le VALUES (3, 1, 3)" ||
	fail "setup" "MODIFY failed"
expect_ok "le: the labels redefined on the server (the way out): the snapshot reads them" \
	mc-snapshot $MDB_ARGS --databases=d --tables='^d[.]le$'
expect_eq "... the row after it" "$(mc-cat --to=csv --table=d.le "$T/out" | grep '^3,')" '3,é,"b,é"'
