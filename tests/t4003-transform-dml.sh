#!/bin/sh
# mc-transform's DML rules (issue 14 item 6) on a real binlog: drop the
# inserts, updates or deletes of the tables a rule matches (by name or
# /RE/), and a row condition (keep_if) over the before or after image.
# Dropped rows never drop marks, positions stay, the same input gives the
# same bytes; a condition that cannot be decided stops the run (exit 1,
# naming the record and the position); a bad rule names its line:column.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE shop; USE shop;
CREATE TABLE order_0 (id INT PRIMARY KEY, amount DECIMAL(10,2), status VARCHAR(10), note VARCHAR(10));
CREATE TABLE order_1 LIKE order_0;
CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20), score DOUBLE);
INSERT INTO order_0 VALUES (1, 1.50, 'new', NULL), (2, 20.00, 'paid', 'x'), (3, 300.25, 'paid', NULL);
INSERT INTO order_1 VALUES (4, 4.00, 'new', 'y');
UPDATE order_0 SET status = 'paid' WHERE id = 1; UPDATE order_1 SET amount = 5.00 WHERE id = 4;
DELETE FROM order_0 WHERE id = 2; DELETE FROM order_1 WHERE id = 4;
INSERT INTO users VALUES (1, 'ann', 1.5), (2, 'bob', NULL), (3, 'it''s', 2.5);
UPDATE users SET name = 'bobby' WHERE id = 2; DELETE FROM users WHERE id = 1;" ||
	fail "the tables" "sql failed"
expect_ok "mc-binlog-tail" mc-binlog-tail "$MDB_DIR"/binlog/mysql-bin.0*
cp "$T/out" "$T/tail.mcr"
mc-cat "$T/tail.mcr" >"$T/in.jsonl"

cat >"$T/dml.yaml" <<'YAML'
select:
  include:
    - db: shop
names:
  template: "${table}"
dml:
  - table: /order_[0-9]+/       # the shards keep no deletes ...
    drop: [delete]
  - table: order_1              # ... and order_1 no updates either
    drop: [update]
  - table: order_0              # the paid orders of 10 or more
    keep_if: "after.status = 'paid' AND amount >= 10 OR before.note IS NOT NULL"
  - db: shop
    table: users                # who is not bob, or whose score is unknown
    keep_if: "NOT (name = 'bob' OR `name` = 'bobby') OR score IS NULL AND id <> 2 OR name = 'it''s'"
YAML
expect_ok "the DML rules" mc-transform --rules="$T/dml.yaml" "$T/tail.mcr"
cp "$T/out" "$T/out.mcr"
expect_ok "the output is a whole stream" mc-cat --check "$T/out.mcr"
mc-transform --rules="$T/dml.yaml" <"$T/tail.mcr" >"$T/again.mcr"
expect_same "the same input and rules give the same bytes" "$T/out.mcr" "$T/again.mcr"
mc-cat "$T/out.mcr" >"$T/out.jsonl"

# the expected rows, by the same rules written in jq: the after image
# unless the row has none
cat >"$T/want.jq" <<'JQ'
def img: if .after then .after else .before end;
def users_keep: (img | .[1]) as $n | (img | .[2]) as $s | (img | .[0]) as $id |
  ((($n == "bob" or $n == "bobby") | not) or ($s == null and $id != 2) or $n == "it's");
select(.kind == "row" and .db == "shop") |
if (.table | test("^order_[0-9]+$")) and .op == "delete" then empty
elif .table == "order_1" and .op == "update" then empty
elif .table == "order_0" and
  ((((.after // [] | .[2]) == "paid" and ((img | .[1].decimal | tonumber) >= 10)) or ((.before // [] | .[3]) != null)) | not)
  then empty
elif .table == "users" and (users_keep | not) then empty
else . end
JQ
jq -c -f "$T/want.jq" "$T/in.jsonl" >"$T/rows.want"
jq -c 'select(.kind == "row")' "$T/out.jsonl" >"$T/rows.got"
expect_same "the rows kept are those the rules keep, with their positions and values" "$T/rows.got" "$T/rows.want"
expect_eq "rows kept" "$(wc -l <"$T/rows.got" | tr -d ' ')" 6
expect_eq "a shard's insert, a paid update, users' kept" \
	"$(jq -r '[.table, .op, (.after // .before | .[0])] | join(" ")' "$T/rows.got" | tr '\n' ,)" \
	"order_0 insert 2,order_0 insert 3,order_1 insert 4,users insert 1,users insert 3,users delete 1,"
jq -c 'select(.kind == "mark")' "$T/in.jsonl" >"$T/marks.want"
jq -c 'select(.kind == "mark")' "$T/out.jsonl" >"$T/marks.got"
expect_same "every mark passes (dropped rows drop no mark)" "$T/marks.got" "$T/marks.want"
jq -c 'select(.kind == "schema" or .kind == "ddl") | del(.table)' "$T/in.jsonl" | grep '"shop"' >"$T/sch.want"
jq -c 'select(.kind == "schema" or .kind == "ddl") | del(.table)' "$T/out.jsonl" >"$T/sch.got"
expect_same "schema and ddl records pass" "$T/sch.got" "$T/sch.want"

# a condition over a column the table has not: exit 1 at the first row
printf 'dml:\n  - table: users\n    keep_if: "nme = 1"\n' >"$T/nocol.yaml"
expect_code 1 "a column the schema has not" mc-transform --rules="$T/nocol.yaml" "$T/tail.mcr"
expect_grep "... names the input, record, position, rule and column" \
	"^mc-transform: '.*tail.mcr': record [0-9]+: position [0-9]+:[0-9]+:[0-9]+: the dml rule at .*nocol.yaml:3:15: table 'shop.users' \(schema version [0-9]+\) has no column 'nme'" "$T/err"
# a text column compared with a number, a number with a text
printf 'dml:\n  - table: users\n    keep_if: name > 3\n' >"$T/mis.yaml"
expect_code 1 "a text column compared with a number" mc-transform --rules="$T/mis.yaml" "$T/tail.mcr"
expect_grep "... says so" "column 'name' holds a str, compared with a number" "$T/err"
printf 'dml:\n  - table: users\n    keep_if: "id = '"'"'1'"'"'"\n' >"$T/mis2.yaml"
expect_code 1 "an integer column compared with a text" mc-transform --rules="$T/mis2.yaml" "$T/tail.mcr"
expect_grep "... says so" "column 'id' holds a int, compared with a text" "$T/err"
# an absent value (binlog_row_image=MINIMAL) cannot be compared
jq -c 'if .kind == "row" and .table == "users" and .op == "update" then .before[1] = {"absent": true} else . end' \
	"$T/in.jsonl" | jq -c 'if .kind == "trailer" then del(.crc32c) else . end' >"$T/min.jsonl"
printf 'dml:\n  - table: users\n    keep_if: before.name IS NULL\n' >"$T/abs.yaml"
expect_code 1 "an absent value in a condition" mc-transform --rules="$T/abs.yaml" "$T/min.jsonl"
expect_grep "... refused, naming the record" "record [0-9]+: position .*column 'name' is absent from the row's image" "$T/err"
printf 'dml:\n  - table: users\n    keep_if: after.name IS NULL\n' >"$T/abs2.yaml"
expect_ok "... a condition over the other image is decided" mc-transform --rules="$T/abs2.yaml" "$T/min.jsonl"

# rules-file errors name the line and column
printf 'dml:\n  - table: users\n    drop: [insert, truncate]\n' >"$T/e1.yaml"
expect_code 2 "drop: an unknown op" mc-transform --rules="$T/e1.yaml" "$T/tail.mcr"
expect_grep "... at its line:column" "e1.yaml:3:20: dml.drop: an entry is insert, update or delete" "$T/err"
printf 'dml:\n  - table: users\n    keep_if: "id = = 2"\n' >"$T/e2.yaml"
expect_code 2 "keep_if: a syntax error" mc-transform --rules="$T/e2.yaml" "$T/tail.mcr"
expect_grep "... at its line:column, with the character" "e2.yaml:3:15: dml.keep_if: a number .* expected at character 6" "$T/err"
printf 'dml:\n  - table: users\n    keep_if: "(id = 2"\n' >"$T/e3.yaml"
expect_code 2 "keep_if: an unclosed parenthesis" mc-transform --rules="$T/e3.yaml" "$T/tail.mcr"
expect_grep "... said" "e3.yaml:3:15: dml.keep_if: '\)' expected" "$T/err"
printf 'dml:\n  - table: users\n' >"$T/e4.yaml"
expect_code 2 "an entry that does nothing" mc-transform --rules="$T/e4.yaml" "$T/tail.mcr"
expect_grep "... said" "e4.yaml:2:5: dml: an entry has drop and/or keep_if" "$T/err"
printf 'dml:\n  - table: users\n    drop: [delete]\n    where: x\n' >"$T/e5.yaml"
expect_code 2 "an unknown key" mc-transform --rules="$T/e5.yaml" "$T/tail.mcr"
expect_grep "... said" "e5.yaml:4:5: dml: unknown key" "$T/err"
