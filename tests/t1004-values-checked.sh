#!/bin/sh
# Values are checked against their schema record by every reader (mc-cat
# --check, mc-tunnel-put, mc-merge), and schema records themselves are
# checked: a bad one stops the reader with exit 1, naming the record and the
# byte offset.
. "$(dirname "$0")/lib.sh"

H='{"mcr":1,"meta":{}}'
col() { printf '{"name":"%s","mysql_type":"%s","mc_type":"%s","nullable":%s,"flags":%s}' "$@"; }
COLS="$(col id int INT false 0),$(col k 'tinyint unsigned' SMALLINT true 4),$(col p 'decimal(5,2)' 'DECIMAL(5,2)' true 0),$(col n 'varchar(10)' STRING true 0),$(col t 'datetime(3)' DATETIME true 0)"
S='{"kind":"schema","db":"d","table":"t","version":1,"pos":[1,4,0],"time":0,"flags":0,"columns":['"$COLS"'],"key":[0]}'
R='{"kind":"row","op":"insert","db":"d","table":"t","version":1,"pos":[1,100,0],"time":0,"before":null,"after":[1,255,{"decimal":"-123.45"},"x",{"datetime":"2024-01-01 10:00:00.123"}]}'
Z='{"kind":"trailer","count":2}'
printf '%s\n%s\n%s\n%s\n' "$H" "$S" "$R" "$Z" >"$T/good.jsonl"

# case NAME SED-EXPRESSION MESSAGE: the good stream changed by SED must be
# refused by mc-cat --check and by mc-tunnel-put, which commits nothing.
case_bad() {
	sed "$2" "$T/good.jsonl" >"$T/$1.jsonl"
	if cmp -s "$T/good.jsonl" "$T/$1.jsonl"; then fail "$1" "the edit changed nothing"; return; fi
	expect_code 1 "$1: mc-cat --check exits 1" mc-cat --check "$T/$1.jsonl"
	expect_grep "$1: the message names the record, offset and fault" "$3" "$T/err"
	expect_code 1 "$1: mc-tunnel-put exits 1" mc-tunnel-put --dest="$T/w-$1" "$T/$1.jsonl"
	expect_grep "$1: mc-tunnel-put says why" "$3" "$T/err"
	if [ -d "$T/w-$1/d__t" ]; then fail "$1: mc-tunnel-put commits nothing" "d__t exists"
	else ok "$1: mc-tunnel-put commits nothing"; fi
}

expect_ok "the good stream passes mc-cat --check" mc-cat --check "$T/good.jsonl"
expect_ok "and mc-tunnel-put" mc-tunnel-put --dest="$T/w-good" "$T/good.jsonl"

case_bad str-in-int-key '3s/"after":\[1,/"after":["1",/' \
	"^mc-[a-z-]+: '.*': record 3: offset [0-9]+: row of 'd.t' \(schema version 1\): after value 1 \(column 'id' int\): expected an integer, got str"
case_bad null-in-not-null-key '3s/"after":\[1,/"after":[null,/' \
	"record 3: offset [0-9]+: .*after value 1 \(column 'id' int\): NULL in a NOT NULL column"
case_bad float-in-int '3s/"after":\[1,/"after":[1.5,/' \
	"record 3: .*after value 1 \(column 'id' int\): expected an integer, got f64"
case_bad int-out-of-range '3s/"after":\[1,255,/"after":[1,256,/' \
	"record 3: .*after value 2 \(column 'k' tinyint unsigned\): integer out of the column's range"
case_bad negative-unsigned '3s/"after":\[1,255,/"after":[1,-1,/' \
	"record 3: .*after value 2 .*out of the column's range"
case_bad decimal-too-wide '3s/-123.45/1234.5/' \
	"record 3: .*after value 3 \(column 'p' decimal\(5,2\)\): more integer digits"
case_bad decimal-scale '3s/-123.45/1.455/' \
	"record 3: .*after value 3 .*more fraction digits than the column's scale"
case_bad decimal-in-str '3s/"x"/{"decimal":"1"}/' \
	"record 3: .*after value 4 \(column 'n' varchar\(10\)\): expected text \(str\), got decimal"
case_bad datetime-fraction '3s/10:00:00.123/10:00:00.1234/' \
	"record 3: .*after value 5 .*more fraction digits"
case_bad unknown-mc-type '2s/"mc_type":"STRING"/"mc_type":"TEXT"/' \
	"record 2: offset [0-9]+: schema of 'd.t': column 'n': unknown mc_type 'TEXT'"
case_bad two-columns-one-name '2s/"name":"n"/"name":"ID"/' \
	"record 2: offset [0-9]+: schema of 'd.t': two columns named '(id|ID)'"
case_bad key-column-missing '2s/"key":\[0\]/"key":[9]/' \
	"record 2: .*(key column|column index).*(does not exist|out of range)"
case_bad row-without-schema '3s/"version":1/"version":2/' \
	"record 3: .*row of 'd.t' follows schema version 2, and no schema record before it has that version"
case_bad row-too-short '3s/,"x",/,/' \
	"record 3: .*after image has 4 values, the schema 5 columns"

# --- mc-merge reads what the warehouse holds through the same reader ---
MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 200 >"$T/sb.mcr" && "$MCGEN" changes 200 5000 >"$T/ch.mcr" &&
	mc-tunnel-put --dest="$T/w" "$T/sb.mcr" "$T/ch.mcr" 2>"$T/err" || { fail "setup" "mc-tunnel-put failed"; exit 1; }
D=$T/w/sbtest__sbtest1_log/ds=20251122
f=$(ls "$D"/part-*.mcr.zst | head -1)
# an unknown mc_type in the log file's schema record (the marker's size kept right)
zstd -qdc "$f" | python3 -c "import sys; d=sys.stdin.buffer.read(); sys.stdout.buffer.write(d.replace(b'\xa3INT', b'\xa3INX', 1))" |
	zstd -q -c >"$T/p.zst" && mv "$T/p.zst" "$f"
sz=$(wc -c <"$f")
sed -i "s/^\(file\.$(basename "$f" | sed 's/\./\\./g') [0-9]*\) [0-9]*/\1 $sz/" "$D/_SUCCESS"
expect_code 1 "mc-merge refuses a log file whose schema is unsound" \
	mc-merge --warehouse="$T/w" --table=sbtest__sbtest1 --ds=20251122
expect_grep "and names the file, the record and the offset" \
	"part-[0-9]+\.mcr\.zst': record 2: offset [0-9]+: schema of 'sbtest.sbtest1': column 'id': unknown mc_type 'INX'" "$T/err"
