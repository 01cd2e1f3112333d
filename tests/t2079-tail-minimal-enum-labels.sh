#!/bin/sh
# ENUM and SET labels of a live tail whose table maps carry none
# (binlog_row_metadata=MINIMAL, MariaDB's default): they come from
# information_schema, which shows a label through utf8mb3, what that
# cannot hold as '?' (the bytes ALTER TABLE ... CONVERT TO CHARACTER SET
# leaves in a label, latin1 'é' as the byte E9 under utf8mb4; an emoji),
# and escapes a backslash, LF, CR and NUL (\\, \n, \r, \0). The tail wrote
# those: the label '?' and the values '?', 'a\\b' for a\b, 'a\0b' for a
# NUL, exit 0. Now a label shown as '?' or with a NUL is read exactly from
# the server (its bytes, converted from the column's charset by the code
# of the binlog's table maps), the escapes are undone: the labels are the
# server's, those FULL metadata gives and mc-snapshot reads, or the table
# is refused at its map, one line naming the binlog file and offset, the
# table, the column, the label and its bytes, exit 1, as with FULL
# metadata (tests/t2078). mc-snapshot refuses a label with a NUL too (it
# wrote 'a\0b' in the type text and the NUL in the values), and writes
# escaped labels as the tail does. A throwaway MariaDB with MINIMAL
# metadata, each table converted or not, a row after; each table tailed
# live alone, the same rows with FULL metadata from the files, snapshots.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start --binlog-row-metadata=MINIMAL
expect_eq "the server writes MINIMAL table maps" "$(sql "SELECT @@GLOBAL.binlog_row_metadata")" MINIMAL
# TABLE|CHARSET|COLUMNS|VALUES OF THE ROWS AFTER|CONVERT TO (- none)|EXPECTED
cat >"$T/cases" <<'EOF2'
le|latin1|e ENUM('é','b'), s SET('b','é')|1, 3|utf8mb4|refuse e ENUM 1 E9 utf8mb4
ls|latin1|s SET('b','é')|3|utf8mb4|refuse s SET 2 E9 utf8mb4
l3|latin1|e ENUM('b','ü')|2|utf8|refuse e ENUM 2 FC utf8mb3
nu|utf8mb4|e ENUM('a\0b','c')|1|-|nul e ENUM 1 61.00.62 -
cy|latin1|e ENUM('é','b'), s SET('b','ü')|1, 3|cp1251|keep
em|utf8mb4|e ENUM('b','😀'), s SET('😀','b')|2, 3|-|keep
qm|utf8mb4|e ENUM('?','b'), s SET('b','?')|1, 3|-|keep
bs|utf8mb4|e ENUM('a\\b','n\nl','c''d'), s SET('x\ry','\\')|1, 3|-|keep
EOF2
{
	echo "CREATE DATABASE d CHARACTER SET utf8mb4;"
	while IFS='|' read -r n cs cols v to x; do # printf: sh's echo takes \0 as an escape
		printf '%s\n' "CREATE TABLE d.$n (id INT PRIMARY KEY, $cols) CHARSET $cs; INSERT INTO d.$n VALUES (1, $v);"
	done <"$T/cases"
	echo "SET SESSION sql_mode='';" # the server makes a value it cannot convert ''
	while IFS='|' read -r n cs cols v to x; do
		[ "$to" = - ] || echo "ALTER TABLE d.$n CONVERT TO CHARACTER SET $to;"
	done <"$T/cases"
} >"$T/setup.sql"
sql "$(cat "$T/setup.sql")" || { fail "setup" "sql failed"; exit 1; }
start=$(sql "SHOW MASTER STATUS" | awk '{print $1 ":" $2}')
while IFS='|' read -r n cs cols v to x; do
	echo "INSERT INTO d.$n VALUES (2, $v);"
done <"$T/cases" >"$T/rows.sql"
sql "$(cat "$T/rows.sql")" || { fail "setup" "the rows failed"; exit 1; }
expect_eq "le: information_schema shows the converted label as '?'" \
	"$(sql "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_NAME = 'le' AND COLUMN_NAME = 'e'")" "enum('?','b')"
expect_eq "nu: ... and a NUL as \\0" \
	"$(sql "SELECT COLUMN_TYPE = CONCAT('enum(''a', CHAR(92), '0b'',''c'')') FROM information_schema.COLUMNS WHERE TABLE_NAME = 'nu' AND COLUMN_NAME = 'e'")" 1
# each table tailed live alone (its MINIMAL maps) to the server's end, into
# $T/TABLE.mcr, stderr $T/TABLE.live, exit status $T/TABLE.rc
while IFS='|' read -r n cs cols v to x; do
	timeout -k 5 30 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
		--stop-at-end --tables="^d[.]$n\$" --start="$start" >"$T/$n.mcr" 2>"$T/$n.live"
	echo $? >"$T/$n.rc"
done <"$T/cases"
live_one() { # TABLE: the live tail's exit status, its stderr in $T/err
	cp "$T/$1.live" "$T/err"
	return "$(cat "$T/$1.rc")"
}
# the same rows once more, with FULL metadata, read from the files below
sql "SET GLOBAL binlog_row_metadata = FULL; FLUSH BINARY LOGS;"
full=$(sql "SHOW MASTER STATUS" | awk '{print $1 ":" $2}')
sql "$(sed 's/VALUES (2,/VALUES (3,/' "$T/rows.sql")" || { fail "setup" "the FULL rows failed"; exit 1; }
full_one() { # TABLE: d.TABLE's FULL maps from the binlog files, into $T/TABLE.full.mcr
	mc-binlog-tail --tables="^d[.]$1\$" --from="$MDB_DIR/binlog/$full" \
		"$MDB_DIR/binlog/${full%%:*}" >"$T/$1.full.mcr"
}
# JSONL ID: the values of row ID (its after image), each as the hex of its
# UTF-8, "|"-separated; SQL the same from the server
row_hex() {
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("kind") in ("row",) and r["after"][0] == int(sys.argv[2]):
        print("|".join(str(x).encode().hex().upper() for x in r["after"][1:]))' "$1" "$2"
}
types() { # JSONL: the type text of each ENUM/SET column of its (last) schema record
	python3 -c '
import json, sys
t = []
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("kind") == "schema":
        t = [c["name"] + " " + c["mysql_type"] for c in r["columns"]
             if c["mysql_type"].startswith(("enum(", "set("))]
print("\n".join(t))' "$1"
}
server_hex() { # TABLE ID COLUMNS...
	_t=$1 _i=$2
	shift 2
	_e=
	for _c; do _e="${_e:+$_e, '|', }IFNULL(HEX(CONVERT($_c USING utf8mb4)), '')"; done
	sql "SELECT CONCAT($_e) FROM d.$_t WHERE id = $_i"
}
server_types() { # TABLE: information_schema's type texts, its escapes undone
	sql "SELECT CONCAT(COLUMN_NAME, ' ', HEX(COLUMN_TYPE)) FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = 'd' AND TABLE_NAME = '$1' AND DATA_TYPE IN ('enum', 'set')
		ORDER BY ORDINAL_POSITION" |
		python3 -c '
import re, sys
esc = {"0": "\0", "n": "\n", "r": "\r", "\\": "\\"}
for l in sys.stdin:
    n, h = l.split()
    t = bytes.fromhex(h).decode()
    print(n, re.sub(r"\\(.)", lambda m: esc[m.group(1)], t))'
}

while IFS='|' read -r n cs cols v to x; do
	set -- $x
	cols_of=$(printf '%s\n' "$cols" | sed -E "s/ (ENUM|SET)\([^)]*\)//g; s/,//g")
	case $1 in
	refuse | nul)
		expect_code 1 "$n: live, MINIMAL maps: the tail stops at the table's map" live_one "$n"
		bytes=$(echo "$5" | tr . ' ')
		if [ "$1" = nul ]; then
			why="holds a NUL at byte 1 of its text, which the type text cannot carry"
		else
			why="is not valid in the column's charset $6 at byte 0"
		fi
		expect_grep "$n: ... naming the binlog file, offset, table, column, label and bytes, and the way out" \
			"^mc-binlog-tail: 'mysql-bin\.[0-9]+': offset [0-9]+: table \`d\`\.\`$n\`: column [0-9]+ \($2\): $3 label $4 \(bytes $bytes\) $why: its text cannot be known \(an ALTER TABLE \.\.\. CONVERT TO CHARACTER SET keeps the bytes of ENUM and SET labels in another charset as they were, under the new one\); redefine the column's labels on the server \(ALTER TABLE \.\.\. MODIFY\) and load a new snapshot of the table, or leave it out with --tables$" "$T/err"
		[ "$(wc -l <"$T/err")" -eq 1 ] && ok "$n: one line" || fail "$n: one line" "$(cat "$T/err")"
		sed -E "s/^mc-binlog-tail: '[^']*': offset [0-9]+: //" "$T/err" >"$T/$n.live.err"
		expect_eq "$n: ... no row of the table written" \
			"$(mc-cat "$T/$n.mcr" 2>/dev/null | grep -c '"kind":"row"')" 0
		expect_code 1 "$n: FULL maps: the same refusal" full_one "$n"
		sed -E "s/^mc-binlog-tail: '[^']*': offset [0-9]+: //" "$T/err" >"$T/$n.full.err"
		expect_same "$n: ... word for word" "$T/$n.live.err" "$T/$n.full.err"
		expect_code 1 "$n: mc-snapshot refuses it too" \
			mc-snapshot $MDB_ARGS --databases=d --tables="^d[.]$n\$"
		expect_grep "$n: ... the same label, bytes and reason" \
			"^mc-snapshot: table 'd\.$n': column '$2': $3 label $4 \(bytes $bytes\) $why: its text cannot be known \(.*\); redefine the column's labels on the server \(ALTER TABLE \.\.\. MODIFY\), or leave the table out$" "$T/err"
		;;
	keep)
		expect_ok "$n: live, MINIMAL maps: the tail reads the table" live_one "$n"
		mc-cat "$T/$n.mcr" >"$T/$n.jsonl" 2>"$T/err" || fail "$n: mc-cat shows every record" "$(cat "$T/err")"
		types "$T/$n.jsonl" >"$T/$n.types"
		server_types "$n" >"$T/$n.server"
		# (a '?' there may be a label it lost: the values below tell)
		grep -q '?' "$T/$n.server" ||
			expect_same "$n: the labels are information_schema's, its escapes undone" \
				"$T/$n.types" "$T/$n.server"
		expect_eq "$n: row 2's values are the server's" "$(row_hex "$T/$n.jsonl" 2)" \
			"$(server_hex "$n" 2 $cols_of)"
		expect_ok "$n: FULL maps from the files" full_one "$n"
		mc-cat "$T/$n.full.mcr" >"$T/$n.full.jsonl"
		types "$T/$n.full.jsonl" >"$T/$n.full.types"
		expect_same "$n: ... the same labels" "$T/$n.types" "$T/$n.full.types"
		expect_eq "$n: ... row 3 as the server holds it" "$(row_hex "$T/$n.full.jsonl" 3)" \
			"$(server_hex "$n" 3 $cols_of)"
		expect_ok "$n: mc-snapshot reads the table" \
			mc-snapshot $MDB_ARGS --databases=d --tables="^d[.]$n\$"
		mc-cat "$T/out" >"$T/$n.snap.jsonl"
		types "$T/$n.snap.jsonl" >"$T/$n.snap.types"
		expect_same "$n: ... the same labels" "$T/$n.types" "$T/$n.snap.types"
		expect_eq "$n: ... row 2 as the tail wrote it" "$(row_hex "$T/$n.snap.jsonl" 2)" \
			"$(row_hex "$T/$n.jsonl" 2)"
		;;
	esac
done <"$T/cases"
expect_ok "the tables refused pass when not selected" \
	timeout -k 5 30 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
	--stop-at-end --tables='^d[.](cy|em|qm|bs)$' --start="$start"
