#!/bin/sh
# mc-transform's DDL policy per DDL type (issue 14 item 7) on a real
# binlog: every type told apart (create/drop/rename table, truncate,
# add/drop/rename/modify column, other ALTERs, other DDL), and each policy:
# normal (passes), ignore (dropped, marks kept), error (exit 1 at that
# position, naming the input, record, position and statement) and alert
# (passes; a line on stderr and one appended to the alerts file of the
# rules or of --alerts).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE shop; USE shop;
CREATE TABLE t1 (id INT PRIMARY KEY, a INT, b INT);
INSERT INTO t1 VALUES (1, 1, 1);
ALTER TABLE t1 ADD COLUMN c INT;
ALTER TABLE t1 DROP COLUMN b;
ALTER TABLE t1 RENAME COLUMN a TO a2;
ALTER TABLE t1 MODIFY c BIGINT;
ALTER TABLE t1 CHANGE c c2 BIGINT;
ALTER TABLE t1 ADD INDEX ix (c2);
ALTER TABLE t1 ADD COLUMN d INT, ADD INDEX iy (d);
INSERT INTO t1 VALUES (2, 2, 2, 2);
TRUNCATE TABLE t1;
RENAME TABLE t1 TO t2;
DROP TABLE t2;
CREATE DATABASE other;
DROP DATABASE other;" || fail "the statements" "sql failed"
expect_ok "mc-binlog-tail" mc-binlog-tail "$MDB_DIR"/binlog/mysql-bin.0*
cp "$T/out" "$T/tail.mcr"
mc-cat "$T/tail.mcr" >"$T/in.jsonl"

# every type an alert: the alerts file lists each ddl record's type
cat >"$T/alert.yaml" <<YAML
select:
  exclude:
    - db: mysql
names:
  template: "\${table}"
ddl:
  alerts: $T/alerts.log
  create_table: alert
  drop_table: alert
  rename_table: alert
  truncate: alert
  add_column: alert
  drop_column: alert
  rename_column: alert
  modify_column: alert
  alter_other: alert
  other: alert
YAML
echo "an old line" >"$T/alerts.log"
expect_ok "every DDL an alert" mc-transform --rules="$T/alert.yaml" "$T/tail.mcr"
cp "$T/out" "$T/alert.mcr"
cp "$T/err" "$T/alert.err"
sed 's/^alert: [^ ]* DDL \([a-z_]*\) of .\([^ ]*\). at .*/\1 \2/' "$T/alerts.log" >"$T/types.got"
cat >"$T/types.want" <<'EOF2'
an old line
other shop.
create_table shop.t1
add_column shop.t1
drop_column shop.t1
rename_column shop.t1
modify_column shop.t1
rename_column shop.t1
alter_other shop.t1
add_column shop.t1
truncate shop.t1
rename_table shop.t1
rename_table shop.t2
drop_table shop.t2
other other.
drop_table other.
EOF2
expect_same "each statement's type (CHANGE renames and modifies: the first of equals; DROP DATABASE drops tables)" "$T/types.got" "$T/types.want"
expect_eq "one alert line on stderr per alert" "$(grep -c '^mc-transform: alert: ' "$T/alert.err")" 15
expect_grep "an alert names the time, type, table, position, input, record and statement" \
	"^alert: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z DDL drop_column of 'shop.t1' at position [0-9]+:[0-9]+:[0-9]+ \('.*tail.mcr' record [0-9]+\): ALTER TABLE t1 DROP COLUMN b$" "$T/alerts.log"
mc-transform --rules="$T/alert.yaml" "$T/tail.mcr" >"$T/alert2.mcr" 2>/dev/null
expect_same "alerts pass the records: the same bytes each run" "$T/alert.mcr" "$T/alert2.mcr"
mc-cat "$T/alert.mcr" | jq -c 'select(has("kind"))' >"$T/alert.jsonl"
jq -c 'select(has("kind") and .db != "mysql")' "$T/in.jsonl" |
	jq -c 'if .kind == "trailer" then del(.count, .crc32c) else . end' >"$T/all.want"
jq -c 'if .kind == "trailer" then del(.count, .crc32c) else . end' "$T/alert.jsonl" >"$T/all.got"
expect_same "... every record passes unchanged" "$T/all.got" "$T/all.want"

# --alerts overrides the rules' file
expect_ok "--alerts=FILE" mc-transform --rules="$T/alert.yaml" --alerts="$T/other.log" "$T/tail.mcr"
expect_eq "... gets the alerts" "$(wc -l <"$T/other.log" | tr -d ' ')" 15

# ignore: the records are dropped, everything else passes
cat >"$T/ignore.yaml" <<'YAML'
ddl:
  add_column: ignore
  alter_other: ignore
  other: ignore
YAML
expect_ok "ignore" mc-transform --rules="$T/ignore.yaml" "$T/tail.mcr"
mc-cat "$T/out" >"$T/ign.jsonl"
jq -r 'select(.kind == "ddl") | .sql' "$T/ign.jsonl" | grep -v '^ALTER TABLE t1 ADD' | grep -v '^CREATE DATABASE' |
	grep -iv 'mysql' >"$T/ign.sql.want"
jq -r 'select(.kind == "ddl") | .sql' "$T/ign.jsonl" | grep -iv 'mysql' >"$T/ign.sql.got"
expect_same "... no ddl record of an ignored type is left" "$T/ign.sql.got" "$T/ign.sql.want"
expect_eq "... the add column, add index and create database records are gone (other: ignore; not DROP DATABASE, a drop_table)" \
	"$(jq -r 'select(.kind == "ddl" and .db != "mysql") | .sql' "$T/ign.jsonl" | grep -c '')" 10
jq -c 'select(.kind == "mark" or .kind == "row" or .kind == "schema") | del(.table, .src_table)' "$T/in.jsonl" >"$T/ign.rest.want"
jq -c 'select(.kind == "mark" or .kind == "row" or .kind == "schema") | del(.table, .src_table)' "$T/ign.jsonl" >"$T/ign.rest.got"
expect_same "... every mark, row and schema passes" "$T/ign.rest.got" "$T/ign.rest.want"
# a statement of two types gets the stricter: ADD COLUMN d, ADD INDEX iy
printf 'ddl:\n  alter_other: ignore\n' >"$T/two.yaml"
expect_ok "a statement of an ignored and a normal type" mc-transform --rules="$T/two.yaml" "$T/tail.mcr"
expect_eq "... is kept (normal wins over ignore)" \
	"$(mc-cat "$T/out" | jq -r 'select(.kind == "ddl") | .sql' | grep -c 'ADD COLUMN d')" 1

# error: exit 1 at the first such record, the output without a trailer
cat >"$T/error.yaml" <<'YAML'
ddl:
  drop_column: alert
  truncate: error
YAML
expect_code 1 "error" mc-transform --rules="$T/error.yaml" "$T/tail.mcr"
cp "$T/out" "$T/error.mcr"
cp "$T/err" "$T/error.err"
expect_grep "... names the input, record, position, type, rule and statement" \
	"^mc-transform: '.*tail.mcr': record [0-9]+: position [0-9]+:[0-9]+:[0-9]+: DDL truncate of 'shop.t1' refused by the rules \(ddl.truncate: error at .*error.yaml:3:13\): TRUNCATE TABLE t1$" "$T/err"
rec=$(sed -n 's/.*record \([0-9]*\): position.*/\1/p' "$T/err")
expect_eq "... the record it names is that TRUNCATE" "$(sed -n "${rec}p" "$T/in.jsonl" | jq -r .sql)" "TRUNCATE TABLE t1"
expect_code 1 "... the output stops there, without a trailer" mc-cat --check "$T/error.mcr"
expect_eq "... after the records before it" "$(mc-cat "$T/error.mcr" 2>/dev/null | grep -c '')" "$((rec - 1))"
expect_grep "... an alert before it was said" "^mc-transform: alert: .* DDL drop_column of 'shop.t1'" "$T/error.err"

# rules-file errors at their line:column
printf 'ddl:\n  truncate: refuse\n' >"$T/e1.yaml"
expect_code 2 "an unknown policy" mc-transform --rules="$T/e1.yaml" "$T/tail.mcr"
expect_grep "... at its line:column" "e1.yaml:2:13: ddl.truncate: 'refuse' \(want normal, ignore, error or alert\)" "$T/err"
printf 'ddl:\n  add_columns: ignore\n' >"$T/e2.yaml"
expect_code 2 "an unknown DDL type" mc-transform --rules="$T/e2.yaml" "$T/tail.mcr"
expect_grep "... at its line:column" "e2.yaml:2:3: ddl: unknown key \(want alerts, create_table" "$T/err"
printf 'ddl:\n  alerts: /nonexistent/dir/a.log\n  other: alert\n' >"$T/e3.yaml"
expect_code 2 "an alerts file that cannot be opened" mc-transform --rules="$T/e3.yaml" "$T/tail.mcr"
expect_grep "... says which" "alerts file '/nonexistent/dir/a.log'" "$T/err"
