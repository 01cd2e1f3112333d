#!/bin/sh
# mc-transform on real streams: a throwaway MariaDB with sharded tables
# order_0..order_3 in a dev_ schema, read by mc-snapshot and by
# mc-binlog-tail. Selection (names, regexes, exclusions) and destination
# names (dev_ -> prd_, lower/upper case, the old db__table); every mark
# passes (dropped rows never drop marks), rows keep their positions, times
# and values, the header keeps its metadata, and the same input and rules
# give the same bytes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE dev_shop; USE dev_shop;
CREATE TABLE order_0 (id INT PRIMARY KEY, amount DECIMAL(10,2), ts VARCHAR(19), unix_ts BIGINT);
CREATE TABLE order_1 LIKE order_0; CREATE TABLE order_2 LIKE order_0;
CREATE TABLE order_3 LIKE order_0; CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20));
CREATE DATABASE tmp; CREATE TABLE tmp.scratch (id INT PRIMARY KEY);
INSERT INTO order_0 VALUES (1, 1.50, '2024-01-02 03:04:05', 1704164645);
INSERT INTO order_1 VALUES (2, 2.50, '2024-01-03 03:04:05', 1704251045);
INSERT INTO order_2 VALUES (3, 3.50, '2024-01-04 03:04:05', 1704337445);
INSERT INTO order_3 VALUES (4, 4.50, '2024-01-05 03:04:05', 1704423845);
INSERT INTO users VALUES (1, 'ann'), (2, 'bob'); INSERT INTO tmp.scratch VALUES (1), (2);
UPDATE order_1 SET amount = 9.99 WHERE id = 2; DELETE FROM order_3 WHERE id = 4;
DELETE FROM tmp.scratch WHERE id = 1; ALTER TABLE order_0 ADD COLUMN note VARCHAR(5);
INSERT INTO order_0 VALUES (5, 5.50, '2024-01-06 03:04:05', 1704510245, 'x');" ||
	fail "the tables" "sql failed"

expect_ok "mc-snapshot" mc-snapshot $MDB_ARGS --databases=dev_shop,tmp
cp "$T/out" "$T/snap.mcr"
expect_ok "mc-binlog-tail" mc-binlog-tail "$MDB_DIR"/binlog/mysql-bin.0*
cp "$T/out" "$T/tail.mcr"

cat >"$T/sync.yaml" <<'YAML'
# the DataWorks-like default name, dev_ -> prd_, the shards but order_3
version: 1
select:
  include:
    - db: dev_shop
      table: /order_[0-9]+/
    - db: dev_shop
      table: users
  exclude:
    - table: order_3
names:
  template: "${db}_${table}"
  replace:
    - {from: dev_, to: prd_}
YAML

expect_ok "--check on the snapshot's schema records" mc-transform --rules="$T/sync.yaml" --check --schema="$T/snap.mcr"
sort "$T/out" >"$T/map"
cat >"$T/map.want" <<'EOF2'
dev_shop.order_0 -> prd_shop_order_0
dev_shop.order_1 -> prd_shop_order_1
dev_shop.order_2 -> prd_shop_order_2
dev_shop.order_3 (not selected)
dev_shop.users -> prd_shop_users
tmp.scratch (not selected)
EOF2
expect_same "--check prints the mapping" "$T/map" "$T/map.want"

for s in snap tail; do
	expect_ok "$s: mc-transform" mc-transform --rules="$T/sync.yaml" "$T/$s.mcr"
	cp "$T/out" "$T/$s.out.mcr"
	expect_ok "$s: the output is a whole stream" mc-cat --check "$T/$s.out.mcr"
	mc-transform --rules="$T/sync.yaml" <"$T/$s.mcr" >"$T/$s.again.mcr"
	expect_same "$s: the same input and rules give the same bytes" "$T/$s.out.mcr" "$T/$s.again.mcr"
	mc-cat "$T/$s.mcr" >"$T/$s.in.jsonl"
	mc-cat "$T/$s.out.mcr" >"$T/$s.out.jsonl"
	# marks: every one passes, in order, a selected table's under its new name
	jq -c 'select(.kind=="mark") | .table |= (if . == "" or (test("^(order_[012]|users)$") | not) then . else "prd_shop_" + . end)' \
		"$T/$s.in.jsonl" >"$T/$s.marks.want"
	jq -c 'select(.kind=="mark")' "$T/$s.out.jsonl" >"$T/$s.marks.got"
	expect_same "$s: every mark passes (dropped rows drop no mark)" "$T/$s.marks.got" "$T/$s.marks.want"
	# rows, schema and ddl records of the selected tables: the same but the
	# table (a schema record, and a ddl record with its effect, naming its
	# source table, src_table); a ddl of no table (CREATE DATABASE) passes
	# as it is, but of a database no table of which is selected (tmp:
	# dropped, t4041)
	jq -c 'if (.kind=="row" or .kind=="schema" or .kind=="ddl") and .db=="dev_shop" and (.table | test("^(order_[012]|users)$")) then (if .kind=="schema" or (.kind=="ddl" and .effect) then .src_table = .table else . end) | .table = "prd_shop_" + .table elif .kind=="ddl" and .table=="" and .db!="tmp" then . else empty end' \
		"$T/$s.in.jsonl" >"$T/$s.rows.want"
	jq -c 'select(.kind=="row" or .kind=="schema" or .kind=="ddl")' "$T/$s.out.jsonl" >"$T/$s.rows.got"
	expect_same "$s: the selected tables' records, positions and values kept, renamed" \
		"$T/$s.rows.got" "$T/$s.rows.want"
	expect_eq "$s: nothing of order_3 or tmp passes but marks" \
		"$(jq -c 'select(.kind!="mark" and .table!="" and (.table=="order_3" or .db=="tmp"))' "$T/$s.out.jsonl")" ""
	jq -c 'select(.mcr) | .meta' "$T/$s.in.jsonl" >"$T/$s.meta.in"
	jq -c 'select(.mcr) | .meta | del(.dest_names, .rules_fp, .rows_fp, .rules_file)' "$T/$s.out.jsonl" >"$T/$s.meta.out"
	expect_same "$s: the header's metadata is kept" "$T/$s.meta.out" "$T/$s.meta.in"
	expect_eq "$s: the header says the table field is the destination name" \
		"$(jq -r 'select(.mcr) | .meta.dest_names' "$T/$s.out.jsonl" | sort -u)" "table"
done
expect_grep "the tail's rows of order_1 include the update" '"op":"update","db":"dev_shop","table":"prd_shop_order_1"' "$T/tail.out.jsonl"

# the old db__table name, upper case, and a name the warehouse cannot hold
printf 'names:\n  template: "${db}__${table}"\n  case: upper\nselect:\n  include: [ {db: tmp} ]\n' >"$T/old.yaml"
expect_ok "db__table, upper" mc-transform --rules="$T/old.yaml" "$T/snap.mcr"
expect_eq "... names tmp.scratch TMP__SCRATCH" \
	"$(mc-cat "$T/out" | jq -r 'select(.kind=="row") | .table' | sort -u)" "TMP__SCRATCH"
printf 'names:\n  template: "${db}.${table}"\n' >"$T/dot.yaml"
expect_code 1 "a destination name with a '.': exit 1" mc-transform --rules="$T/dot.yaml" "$T/snap.mcr"
expect_grep "... naming the file, record and table" "^mc-transform: '$T/snap.mcr': record [0-9]+: table 'dev_shop.order_0': its destination name 'dev_shop.order_0' holds '.'" "$T/err"
