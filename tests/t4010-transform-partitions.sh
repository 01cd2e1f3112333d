#!/bin/sh
# mc-transform's partitions rule (issue 14 item 5) on a real binlog and
# snapshot: a constant and ${bizdate}, a source column's value (an ENUM), a
# source time string read with a format, EVENT_TIME, several levels. The
# header names the partition column, every image carries its spec, and
# mc-tunnel-put files each log row by it (a delete by its before image).
# The merge over rule-chosen log partitions equals the merge over day
# partitions; the 1,000 new partitions a day guard; every rules-file error
# of the section with its line:column; the sink's refusals.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

# a fixed-string expect_grep (the messages hold parentheses and brackets)
expect_fgrep() {
	if grep -Fq -- "$2" "$3"; then ok "$1"; return 0; fi
	fail "$1" "no line holds '$2' in $(basename "$3"): $(head -c 400 "$3" | tr '\n' ' ')"
}

mdb_start
sql "CREATE DATABASE shop; USE shop;
CREATE TABLE ord (id INT PRIMARY KEY, region ENUM('cn-hangzhou','cn-beijing','us-west'), created VARCHAR(30), amount INT);
CREATE TABLE ev (id INT PRIMARY KEY, note VARCHAR(20));
INSERT INTO ord VALUES (1, 'cn-hangzhou', '2024/01/02 10:00:00', 5), (2, 'us-west', '2024/03/04 23:59:59', 7);
INSERT INTO ev VALUES (1, 'a b');
INSERT INTO ord VALUES (3, 'cn-beijing', '2024/03/04 00:00:00', 1);
UPDATE ord SET amount = 8, region = 'cn-beijing' WHERE id = 2; DELETE FROM ord WHERE id = 1;
INSERT INTO ev VALUES (2, 'x');" || fail "the tables" "sql failed"
expect_ok "mc-binlog-tail" mc-binlog-tail "$MDB_DIR"/binlog/mysql-bin.0*
cp "$T/out" "$T/tail.mcr"
expect_ok "mc-snapshot" mc-snapshot $MDB_ARGS --databases=shop
cp "$T/out" "$T/snap.mcr"

cat >"$T/p.yaml" <<'YAML'
names: {template: "${table}"}
partitions:
  tables:
    - table: ord
      levels:
        - {key: pt, value: "${bizdate}"}
        - {key: region, value: region}
        - {key: ds, value: "parse_time(created, 'yyyy/MM/dd HH:mm:ss')", format: yyyyMMdd}
    - table: ev
      levels:
        - {key: ds, value: EVENT_TIME}
        - {key: hh, value: EVENT_TIME, format: HH}
        - {key: src, const: mysql-1}
YAML
expect_ok "the partitions" mc-transform --rules="$T/p.yaml" --param bizdate=20240102 "$T/tail.mcr"
cp "$T/out" "$T/out.mcr"
expect_ok "... a whole, valid stream" mc-cat --check "$T/out.mcr"
mc-transform --rules="$T/p.yaml" --param bizdate=20240102 <"$T/tail.mcr" >"$T/again.mcr"
expect_same "replay: the same input and rules give the same bytes" "$T/out.mcr" "$T/again.mcr"
mc-cat "$T/out.mcr" >"$T/out.jsonl"
expect_eq "the header names the partition column" \
	"$(jq -r 'select(.mcr) | .meta.partition_column' "$T/out.jsonl")" mc_partition
expect_eq "the schema records end with it (a STRING)" \
	"$(jq -r 'select(.kind == "schema") | .columns[-1] | .name + " " + .mc_type' "$T/out.jsonl" | sort -u)" "mc_partition STRING"
expect_eq "each image of ord: \${bizdate}, the ENUM's label, the time string's day" \
	"$(jq -r 'select(.kind == "row" and .table == "ord") | .op + " " + ((.before // [])[-1] // "-") + " " + ((.after // [])[-1] // "-")' "$T/out.jsonl")" \
"insert - pt=20240102/region=cn-hangzhou/ds=20240102
insert - pt=20240102/region=us-west/ds=20240304
insert - pt=20240102/region=cn-beijing/ds=20240304
update pt=20240102/region=us-west/ds=20240304 pt=20240102/region=cn-beijing/ds=20240304
delete pt=20240102/region=cn-hangzhou/ds=20240102 -"
et=$(jq -r 'select(.kind == "row" and .table == "ev") | .time' "$T/out.jsonl" | head -1)
expect_eq "ev: EVENT_TIME as a day and an hour, a constant" \
	"$(jq -r 'select(.kind == "row" and .table == "ev") | .after[-1]' "$T/out.jsonl" | head -1)" \
	"ds=$(date -u -d "@$et" +%Y%m%d)/hh=$(date -u -d "@$et" +%H)/src=mysql-1"
jq -c 'select(.kind == "mark")' "$T/out.jsonl" >"$T/marks.got"
mc-cat "$T/tail.mcr" | jq -c 'select(.kind == "mark")' >"$T/marks.want"
expect_same "every mark passes" "$T/marks.got" "$T/marks.want"

# into the warehouse: each change row in its partition, the snapshot in its day
expect_ok "the snapshot through the rules" mc-transform --rules="$T/p.yaml" --param bizdate=20240102 "$T/snap.mcr"
cp "$T/out" "$T/snapout.mcr"
expect_ok "the sink takes both" mc-tunnel-put --dest="$T/w" "$T/snapout.mcr" "$T/out.mcr"
rows_in() { for f in "$T/w/$1"/*.mcr*; do mc-cat "$f"; done | jq -r 'select(.kind == "row") | .op + ":" + (((.after // .before))[0] | tostring)' | sort | tr '\n' ' '; }
expect_eq "the log of ord: the inserts and the update by their after image" \
	"$(rows_in 'ord_log/pt=20240102/region=cn-beijing/ds=20240304')" "insert:3 update:2 "
expect_eq "... a delete by its before image" \
	"$(rows_in 'ord_log/pt=20240102/region=cn-hangzhou/ds=20240102')" "delete:1 insert:1 "
today=$(date -u +%Y%m%d)
expect_eq "... no other partition (the DDL records: the day's)" "$(cd "$T/w/ord_log" && find . -name _SUCCESS | sort | tr '\n' ' ')" \
	"./ds=$today/_SUCCESS ./pt=20240102/region=cn-beijing/ds=20240304/_SUCCESS ./pt=20240102/region=cn-hangzhou/ds=20240102/_SUCCESS ./pt=20240102/region=us-west/ds=20240304/_SUCCESS "
expect_eq "... which holds no row" "$(rows_in "ord_log/ds=$today")" ""
expect_eq "the base table keeps its day partition (the merge's unit)" "$(ls "$T/w/ord" | grep -v '^_')" "ds=$today"
expect_ok "ev's log: by EVENT_TIME" test -f "$T/w/ev_log/ds=$(date -u -d "@$et" +%Y%m%d)/hh=$(date -u -d "@$et" +%H)/src=mysql-1/_SUCCESS"

# the sink's refusals
expect_code 2 "--route=base with partitions from the stream" mc-tunnel-put --dest="$T/w2" --route=base "$T/out.mcr"
expect_fgrep "... says why" "record 9: the stream chooses the partition of 'shop.ord' (its header's partition_column 'mc_partition'), but --route=base" "$T/err"
expect_code 2 "--partition with partitions from the stream" mc-tunnel-put --dest="$T/w3" --partition=ds=1 "$T/out.mcr"
expect_grep "... says why" "and --partition names one: give one of them" "$T/err"

# a value that is no partition value is dirty data
cat >"$T/bad.yaml" <<'YAML'
partitions:
  tables:
    - table: ev
      levels: [ {key: n, value: note} ]
YAML
expect_code 1 "a value with a space" mc-transform --rules="$T/bad.yaml" "$T/tail.mcr"
expect_fgrep "... is dirty data, named" "record 13: position 1:1498:0: dirty value: 'shop.ev' column 'mc_partition (added)' (after image): a b: the partition level 'n' is 'a b', which holds ' ' (a partition value is of [A-Za-z0-9_.-]) (the rule at $T/bad.yaml:3:7); the dirty limit is 0" "$T/err"
expect_ok "... rejected under a limit" mc-transform --rules="$T/bad.yaml" --max-dirty=5 --reject="$T/rej" "$T/tail.mcr"
expect_eq "... listed" "$(cut -f2,3,4 "$T/rej")" "shop.ev	mc_partition (added)	after"

# the merge over rule-chosen log partitions equals the merge over days
MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 300 >"$T/sb.mcr" && "$MCGEN" changes 300 2000 >"$T/ch.mcr" || fail "mcgen" "failed"
cat >"$T/m.yaml" <<'YAML'
names: {template: "${db}__${table}"}
partitions:
  column: part
  tables:
    - levels:
        - {key: ds, value: EVENT_TIME}
        - {key: hh, value: EVENT_TIME, format: HH}
        - {key: b, value: "hash_mod(id, 3)"}
YAML
for f in sb ch; do mc-transform --rules="$T/m.yaml" "$T/$f.mcr" >"$T/$f.t.mcr" 2>"$T/err" || fail "mc-transform" "$(cat "$T/err")"; done
expect_ok "the sink files the changes by hour and bucket" mc-tunnel-put --dest="$T/pw" "$T/sb.t.mcr" "$T/ch.t.mcr"
expect_ok "... 3 levels deep" test -f "$T/pw/sbtest__sbtest1_log/ds=20251122/hh=07/b=2/_SUCCESS"
mc-tunnel-put --dest="$T/ref" "$T/sb.mcr" "$T/ch.mcr" 2>"$T/err" || fail "setup" "ref"
mc-merge --warehouse="$T/pw" --table=sbtest__sbtest1 --at='2025-11-22 12:00:00' --output=- 2>"$T/err" | mc-cat | jq -c 'select(.kind == "row") | .after[:4]' >"$T/pw.at"
mc-merge --warehouse="$T/ref" --table=sbtest__sbtest1 --at='2025-11-22 12:00:00' --output=- 2>"$T/err" | mc-cat | jq -c 'select(.kind == "row") | .after[:4]' >"$T/ref.at"
expect_ok "--at has rows" test "$(wc -l <"$T/ref.at")" -gt 200
expect_same "the state at a point is the same whatever the log's partitions" "$T/pw.at" "$T/ref.at"
expect_ok "merge a day" mc-merge --warehouse="$T/pw" --table=sbtest__sbtest1 --ds=20251122 --lifecycle=1
expect_ok "... the reference" mc-merge --warehouse="$T/ref" --table=sbtest__sbtest1 --ds=20251122
for w in pw ref; do mc-cat "$T/$w/sbtest__sbtest1/ds=20251122/"*.mcr* | jq -c 'select(.kind == "row") | .after[:4]' >"$T/$w.rows"; done
expect_ok "... has rows" test "$(wc -l <"$T/ref.rows")" -gt 200
expect_same "the day's base is the same whatever the log's partitions" "$T/pw.rows" "$T/ref.rows"
expect_ok "--lifecycle keeps the log partitions it cannot date (none lost)" test -f "$T/pw/sbtest__sbtest1_log/ds=20251121/hh=12/b=0/_SUCCESS"

# the guard: more than max_per_day new partitions a day for a table
cat >"$T/g.yaml" <<'YAML'
partitions:
  tables:
    - table: sbtest1
      levels: [ {key: p, value: "replace(POSITION, ':', '_')"} ]
YAML
expect_code 1 "the 1,001st new partition of a day stops the run" mc-transform --rules="$T/g.yaml" "$T/ch.mcr"
expect_fgrep "... with a clear message" "'$T/ch.mcr': record 1826: position 2:165804:0: table 'sbtest.sbtest1' (destination 'sbtest_sbtest1'): partition 'p=2_165804_0' would be partition 1001 of the day 20251122 (the rows' event time, UTC): over the limit of 1000 new partitions a day for a table (partitions.max_per_day, the default; DataWorks' limit is 1000): check the partition rule at $T/g.yaml:3:7, or raise partitions.max_per_day" "$T/err"
cp "$T/out" "$T/guard.mcr"
expect_code 1 "... the output ends before it, without a trailer" mc-cat "$T/guard.mcr"
expect_grep "... truncated" "truncated at offset" "$T/err"
printf 'partitions:\n  max_per_day: 2\n  tables:\n    - table: sbtest1\n      levels: [ {key: b, value: "hash_mod(id, 3)"} ]\n' >"$T/g3.yaml"
expect_code 1 "configurable: 2" mc-transform --rules="$T/g3.yaml" "$T/ch.mcr"
expect_fgrep "... named" "record 6: position 2:304:0: table 'sbtest.sbtest1' (destination 'sbtest_sbtest1'): partition 'b=1' would be partition 3 of the day 20251121 (the rows' event time, UTC): over the limit of 2 new partitions a day for a table (partitions.max_per_day at $T/g3.yaml:2:16; DataWorks' limit is 1000): check the partition rule at $T/g3.yaml:4:7" "$T/err"
printf 'partitions:\n  max_per_day: 0\n  tables:\n    - table: sbtest1\n      levels: [ {key: p, value: "replace(POSITION, '"':', '_'"')"} ]\n' >"$T/g0.yaml"
expect_ok "0: no limit" mc-transform --rules="$T/g0.yaml" "$T/ch.mcr"
expect_ok "snapshot rows are not counted (they go to the base's day)" mc-transform --rules="$T/g.yaml" "$T/sb.mcr"

# every rules-file error of the section names its line and column
bad() { # name, yaml, expected message
	printf '%s\n' "$2" >"$T/e.yaml"
	expect_code 2 "$1" mc-transform --rules="$T/e.yaml" --check
	expect_fgrep "... at its line:column" "$3" "$T/err"
}
bad "not a mapping" "partitions: [1]" "e.yaml:1:14: partitions: expected a mapping (column, max_per_day, tables)"
bad "unknown key" "partitions: {tables: [{levels: [{key: a, const: b}]}], colum: x}" "e.yaml:1:56: partitions: unknown key (want column, max_per_day, tables)"
bad "no tables" "partitions: {column: p}" "e.yaml:1:14: partitions: no tables: [...] entry"
bad "bad column name" "partitions: {column: 1p, tables: []}" "e.yaml:1:22: partitions.column: '1p' is not a column name"
bad "bad max" "partitions: {max_per_day: -1, tables: []}" "e.yaml:1:27: partitions.max_per_day: '-1' (want a count, 0 (no limit) to 1000000)"
bad "tables not a list" "partitions: {tables: {a: 1}}" "e.yaml:1:23: partitions.tables: expected a list of {db, table, levels}"
bad "an entry not a mapping" "partitions: {tables: [x]}" "e.yaml:1:23: partitions.tables: an entry is a mapping (db, table, levels)"
bad "entry unknown key" "partitions: {tables: [{tabel: x}]}" "e.yaml:1:24: partitions.tables: unknown key (want db, table, levels)"
bad "entry without levels" "partitions: {tables: [{table: x}]}" "e.yaml:1:24: partitions.tables: an entry has levels: [...]"
bad "bad regular expression" "partitions: {tables: [{table: /a(/, levels: []}]}" "e.yaml:1:31: partitions.table: bad regular expression /a(/"
bad "levels not a list" "partitions: {tables: [{levels: x}]}" "e.yaml:1:32: partitions.levels: expected a list"
bad "empty levels" "partitions: {tables: [{levels: []}]}" "e.yaml:1:24: partitions.levels: at least one level"
bad "a level not a mapping" "partitions: {tables: [{levels: [x]}]}" "e.yaml:1:33: partitions.levels: a level is a mapping"
bad "level unknown key" "partitions: {tables: [{levels: [{kye: a}]}]}" "e.yaml:1:34: partitions.levels: unknown key (want key, value, const, format)"
bad "level without key" "partitions: {tables: [{levels: [{const: a}]}]}" "e.yaml:1:34: partitions.levels: a level has a key"
bad "bad key" "partitions: {tables: [{levels: [{key: DS, const: a}]}]}" "e.yaml:1:39: partitions.levels.key: 'DS' is not a partition key ([a-z0-9_]+, up to 64)"
bad "neither value nor const" "partitions: {tables: [{levels: [{key: ds}]}]}" "e.yaml:1:34: partitions.levels: level 'ds' has a value or a const (one of them)"
bad "both" "partitions: {tables: [{levels: [{key: ds, const: a, value: b}]}]}" "e.yaml:1:34: partitions.levels: level 'ds' has a value or a const (one of them)"
bad "a key twice" "partitions: {tables: [{levels: [{key: ds, const: a}, {key: ds, const: b}]}]}" "e.yaml:1:55: partitions.levels: key 'ds' twice"
bad "bad format" "partitions: {tables: [{levels: [{key: ds, value: EVENT_TIME, format: yyyyQQ}]}]}" "e.yaml:1:70: partitions.levels.format: 'yyyyQQ'"
bad "bad value expression" "partitions: {tables: [{levels: [{key: ds, value: 'concat(a'}]}]}" "e.yaml:1:51: columns.add.value: ',' or ')' expected at character 9"
printf '%s\n' "partitions: {tables: [{levels: [{key: ds, value: '\${bizdate}'}]}]}" >"$T/e.yaml"
expect_code 2 "a \${NAME} no --param gives" mc-transform --rules="$T/e.yaml" "$T/tail.mcr"
expect_fgrep "... at its line:column" "e.yaml:1:51: \${bizdate}: no such parameter" "$T/err"
