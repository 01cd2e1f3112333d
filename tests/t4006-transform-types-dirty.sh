#!/bin/sh
# mc-transform's type overrides and dirty data (issue 14 item 3) on a real
# binlog: per source type and per column, checked conversions (time
# strings with a format, Unix times in INT, BIGINT and VARCHAR, texts to
# numbers and decimals); a value that does not convert is dirty data: the
# row goes to the reject file with its position and the reason, counted;
# the run fails past the limit (default 0: the first, exit 1, naming its
# position), never coerced; rows rejected under the limit are dropped while
# every mark passes; the same input gives the same bytes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE shop; USE shop;
CREATE TABLE ev (id INT PRIMARY KEY, ts VARCHAR(30), d VARCHAR(10), ui INT, ub BIGINT, us VARCHAR(13), n VARCHAR(20), amt VARCHAR(20), flag TINYINT);
INSERT INTO ev VALUES (1, '2024-01-02 03:04:05', '2024/01/02', 1704164645, 1704164645123, '1704164645', '42', '12.5', 1);
INSERT INTO ev VALUES (2, 'not a time', '2024/02/30', 1709251199, 1709251199999, '17092511x9', '4.2', '1.255', 2);
INSERT INTO ev VALUES (3, '2024-03-01 00:00:00', '2024/03/01', -1, 0, '0', '-7', '-0.50', 3);
INSERT INTO ev VALUES (4, '2024-03-01 00:00:00', '2024/03/01', 5, 5, '5', '99999999999', '100000', 4);
UPDATE ev SET ts = '2024-01-02 03:04:06' WHERE id = 1;" ||
	fail "the tables" "sql failed"
expect_ok "mc-binlog-tail" mc-binlog-tail "$MDB_DIR"/binlog/mysql-bin.0*
cp "$T/out" "$T/tail.mcr"
mc-cat "$T/tail.mcr" >"$T/in.jsonl"

cat >"$T/types.yaml" <<'YAML'
names: {template: "${table}"}
types:
  - {table: ev, column: ts, to: DATETIME}                      # yyyy-MM-dd HH:mm:ss
  - {table: ev, column: d, to: DATE, format: "yyyy/MM/dd"}
  - {table: ev, column: ui, to: DATETIME, unix: seconds}       # INT
  - {table: ev, column: ub, to: DATETIME, unix: millis}        # BIGINT
  - {table: ev, column: us, to: DATETIME, unix: seconds}       # VARCHAR of digits
  - {table: ev, column: n, to: INT}
  - {table: ev, column: amt, to: "DECIMAL(5,2)"}
  - {source_type: /tinyint.*/, to: STRING}                     # by source type
YAML
# the default limit: the first dirty value stops the run
expect_code 1 "a dirty value with the default limit 0" mc-transform --rules="$T/types.yaml" "$T/tail.mcr"
expect_grep "... names the position, table, column, value and reason" \
	"^mc-transform: '.*tail.mcr': record [0-9]+: position 1:[0-9]+:0: dirty value: 'shop.ev' column 'ts' \(after image\): not a time: the text 'not a time' is not a time of the form yyyy-MM-dd HH:mm:ss \(the rule at .*types.yaml:3:6\); the dirty limit is 0" "$T/err"
cp "$T/out" "$T/part.mcr"
expect_code 1 "... the output ends without a trailer" mc-cat --check "$T/part.mcr"

# a limit: the rows rejected are listed and dropped, marks pass
rm -f "$T/rej.txt"
expect_ok "dirty rows under the limit" mc-transform --rules="$T/types.yaml" --max-dirty=2 --reject="$T/rej.txt" "$T/tail.mcr"
cp "$T/out" "$T/out.mcr"
expect_grep "... counted on stderr" "^mc-transform: 2 rows rejected as dirty data \(limit 2\), the first at position 1:[0-9]+:0: listed in .*rej.txt" "$T/err"
expect_ok "... the output is a whole, valid stream" mc-cat --check "$T/out.mcr"
mc-cat "$T/out.mcr" >"$T/out.jsonl"
expect_eq "the reject file: one line per row, its position, table, column, image, value, reason" \
	"$(cut -f2- "$T/rej.txt" | sed 's/ (the rule at .*//')" \
	"$(printf 'shop.ev\tts\tafter\tnot a time\tthe text '"'"'not a time'"'"' is not a time of the form yyyy-MM-dd HH:mm:ss\nshop.ev\tn\tafter\t99999999999\tthe text '"'"'99999999999'"'"' is outside INT')"
expect_eq "... the positions are the rows'" "$(cut -f1 "$T/rej.txt" | tr '\n' ' ')" \
	"$(jq -r 'select(.kind == "row" and .op == "insert" and (.after[0] == 2 or .after[0] == 4)) | .pos | map(tostring) | join(":")' "$T/in.jsonl" | tr '\n' ' ')"
expect_eq "the rows kept, converted" \
	"$(jq -c 'select(.kind == "row") | .after' "$T/out.jsonl" | tr '\n' ' ')" \
	'[1,{"datetime":"2024-01-02 03:04:05.000"},{"date":"2024-01-02"},{"datetime":"2024-01-02 03:04:05.000"},{"datetime":"2024-01-02 03:04:05.123"},{"datetime":"2024-01-02 03:04:05.000"},42,{"decimal":"12.50"},"1"] [3,{"datetime":"2024-03-01 00:00:00.000"},{"date":"2024-03-01"},{"datetime":"1969-12-31 23:59:59.000"},{"datetime":"1970-01-01 00:00:00.000"},{"datetime":"1970-01-01 00:00:00.000"},-7,{"decimal":"-0.50"},"3"] [1,{"datetime":"2024-01-02 03:04:06.000"},{"date":"2024-01-02"},{"datetime":"2024-01-02 03:04:05.000"},{"datetime":"2024-01-02 03:04:05.123"},{"datetime":"2024-01-02 03:04:05.000"},42,{"decimal":"12.50"},"1"] '
expect_eq "the schema record says the new types" \
	"$(jq -r 'select(.kind == "schema") | [.columns[] | .mc_type + "/" + .mysql_type] | join(" ")' "$T/out.jsonl")" \
	"INT/int DATETIME/datetime(3) DATE/date DATETIME/datetime(3) DATETIME/datetime(3) DATETIME/datetime(3) INT/int DECIMAL(5,2)/decimal(5,2) STRING/longtext"
jq -c 'select(.kind == "mark")' "$T/in.jsonl" >"$T/marks.want"
jq -c 'select(.kind == "mark")' "$T/out.jsonl" >"$T/marks.got"
expect_same "every mark passes, the dropped rows' too (exactly-once downstream)" "$T/marks.got" "$T/marks.want"
mc-transform --rules="$T/types.yaml" --max-dirty=2 --reject="$T/rej2.txt" <"$T/tail.mcr" >"$T/again.mcr" 2>/dev/null
expect_same "replay: the same input gives the same bytes" "$T/out.mcr" "$T/again.mcr"
expect_eq "... and the same reject lines" "$(cut -f2- "$T/rej2.txt")" "$(cut -f2- "$T/rej.txt")"

# past the limit: exit 1 naming the first dirty value's position
expect_code 1 "the 2nd dirty row past a limit of 1" mc-transform --rules="$T/types.yaml" --max-dirty=1 --reject="$T/rej3.txt" "$T/tail.mcr"
first=$(head -1 "$T/rej.txt" | cut -f1)
expect_grep "... names it and the first" "the 2nd dirty row is over the limit of 1 \(the first at position $first\)" "$T/err"
# the limit and the reject file from the rules file
printf 'dirty:\n  limit: 5\n  reject: %s\n' "$T/rej4.txt" >"$T/dirty.yaml"
cat "$T/types.yaml" >>"$T/dirty.yaml"
expect_ok "dirty.limit and dirty.reject in the rules" mc-transform --rules="$T/dirty.yaml" "$T/tail.mcr"
expect_eq "... the reject file written" "$(wc -l <"$T/rej4.txt" | tr -d ' ')" 2
printf 'dirty:\n  limit: 5\n' >"$T/nor.yaml"
expect_code 2 "a limit above 0 without a reject file" mc-transform --rules="$T/nor.yaml" "$T/tail.mcr"
expect_grep "... is refused" "a dirty limit above 0 needs a reject file" "$T/err"

# checked conversions: a decimal that does not fit, a fraction in INT, a
# bad date (February 30th), digits that are no Unix time: each one dirty
for rule in "column: amt, to: \"DECIMAL(3,1)\"|'1.255' has more than 1 digits after the point" \
	"column: n, to: BIGINT|'4.2' has a fraction" \
	"column: d, to: DATE, format: yyyy/MM/dd|'2024/02/30' is not a time of the form yyyy/MM/dd" \
	"column: us, to: DATETIME, unix: seconds|'17092511x9' is not a Unix time" \
	"column: ui, to: DATE, unix: seconds|has a time of day: not a DATE"; do
	r=${rule%%|*} want=${rule#*|}
	printf 'types:\n  - {table: ev, %s}\n' "$r" >"$T/one.yaml"
	expect_code 1 "dirty: $r" mc-transform --rules="$T/one.yaml" "$T/tail.mcr"
	expect_grep "... $want" "$want" "$T/err"
done
