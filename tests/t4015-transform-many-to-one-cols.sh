#!/bin/sh
# Many tables into one with added columns and type overrides
# (docs/mc-transform.md "Many tables into one"): the shards of a throwaway
# MariaDB, shop.order_0..order_3, whose source schemas differ in a type
# (order_3's amount is BIGINT, the others' INT) that a type override makes
# one, get added columns (a --param, the source table, a time read from a
# text column) and go into one table `orders`. The shards' schemas are
# checked after the rules: they are the destination's. The merge of
# `orders` equals, row by row, the union of the shards read from the
# server with the same conversions; a rule that gives one shard a column
# the others lack is refused naming both shards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE shop; USE shop;
CREATE TABLE order_0 (id INT PRIMARY KEY, amount INT, created VARCHAR(19), note VARCHAR(10));
CREATE TABLE order_1 LIKE order_0; CREATE TABLE order_2 LIKE order_0;
CREATE TABLE order_3 (id INT PRIMARY KEY, amount BIGINT, created VARCHAR(19), note VARCHAR(10));
INSERT INTO order_0 SELECT seq, seq % 23, CONCAT('2024/01/', LPAD(seq % 28 + 1, 2, '0'), ' 10:00:00'), 'a' FROM seq_1_to_60;
INSERT INTO order_1 SELECT seq, seq % 17, CONCAT('2024/02/', LPAD(seq % 28 + 1, 2, '0'), ' 11:30:00'), 'b' FROM seq_1_to_50;
INSERT INTO order_2 SELECT seq, seq % 5, CONCAT('2024/03/', LPAD(seq % 28 + 1, 2, '0'), ' 00:00:01'), 'c' FROM seq_20_to_90;
INSERT INTO order_3 SELECT seq, seq % 31, CONCAT('2023/12/', LPAD(seq % 28 + 1, 2, '0'), ' 23:59:59'), NULL FROM seq_1_to_45;" ||
	{ fail "setup" "sql failed"; exit 1; }

cat >"$T/sync.yaml" <<'YAML'
version: 1
select:
  include:
    - db: shop
      table: /order_[0-9]+/
merge:
  - into: orders
    tables:
      - {db: shop, table: "/order_[0-9]+/"}
    shard_column: src
columns:
  - table: /order_[0-9]+/
    add:
      - {name: biz_date, value: "${bizdate}"}
      - {name: src_tab, value: SRC_TABLE}
types:
  - {table: "/order_[0-9]+/", column: amount, to: BIGINT}
  - {table: "/order_[0-9]+/", column: created, to: DATETIME, format: "yyyy/MM/dd HH:mm:ss"}
YAML

mc-snapshot $MDB_ARGS --rules="$T/sync.yaml" --chunk-rows=9 >"$T/snap.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
expect_ok "mc-transform takes the shards with added columns and type overrides" \
	mc-transform --rules="$T/sync.yaml" --param bizdate=20240102 "$T/snap.mcr"
cp "$T/out" "$T/snap.t.mcr"
expect_ok "... a whole, valid stream" mc-cat --check "$T/snap.t.mcr"
mc-cat "$T/snap.t.mcr" >"$T/snap.t.jsonl"
expect_eq "every shard's schema is the destination's: the overrides, the added columns, then the shard column in the key" \
	"$(jq -c 'select(.kind == "schema") | [[.columns[] | .name + ":" + .mysql_type], .key]' "$T/snap.t.jsonl" | sort | uniq -c | sed 's/^ *//')" \
	'4 [["id:int","amount:bigint","created:datetime(3)","note:varchar(10)","biz_date:longtext","src_tab:longtext","src:varchar(129)"],[0,6]]'
expect_eq "a row: converted, with the added columns and the shard column" \
	"$(jq -c 'select(.kind == "row" and .table == "orders/order_3" and .after[0] == 7) | .after' "$T/snap.t.jsonl")" \
	'[7,7,{"datetime":"2023-12-08 23:59:59.000"},null,"20240102","order_3","shop.order_3"]'
W=$T/w
expect_ok "the snapshot goes in" mc-tunnel-put --dest="$W" --commit-rows=40 "$T/snap.t.mcr"

sql "USE shop;
INSERT INTO order_0 VALUES (100, 1, '2024/05/06 07:08:09', 'new0'), (101, 2, '2024/05/06 07:08:10', 'new0');
UPDATE order_1 SET amount = amount + 1000 WHERE id <= 10;
DELETE FROM order_2 WHERE id BETWEEN 30 AND 40;
UPDATE order_3 SET id = id + 500, amount = 9000000000 WHERE id = 7;
INSERT INTO order_2 VALUES (1, 9, '2024/06/30 12:00:00', 'dup_of_1');
UPDATE order_0 SET note = 'upd', created = '2024/07/01 00:00:00' WHERE id = 1;
FLUSH BINARY LOGS" || fail "setup" "sql failed"
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/ch.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
mc-transform --rules="$T/sync.yaml" --param bizdate=20240102 "$T/ch.mcr" | mc-tunnel-put --dest="$W" 2>"$T/err"
expect_eq "the changes go in" "$?" 0
last=$(mc-cat --to=summary "$T/ch.mcr" | sed -n 's/^positions: .* \.\. \([0-9]*:[0-9]*:[0-9]*\).*/\1/p')
mc-merge --warehouse="$W" --table=orders --at="$last" --output=- 2>"$T/merr" |
	mc-cat --to=csv --table=shop.orders | tail -n +2 | sort >"$T/got.csv"
test -s "$T/got.csv" || echo "# merge: $(cat "$T/merr")"
{
	for i in 0 1 2 3; do
		sql "SELECT CONCAT_WS(',', id, amount, DATE_FORMAT(STR_TO_DATE(created, '%Y/%m/%d %H:%i:%s'), '%Y-%m-%d %H:%i:%s.000'), IFNULL(note, ''), '20240102', 'order_$i', 'shop.order_$i') FROM shop.order_$i"
	done
} | sort >"$T/want.csv"
expect_ok "the merge has rows" test "$(wc -l <"$T/want.csv")" -gt 200
expect_same "the merge of orders is the union of the shards, converted, with the added columns" "$T/got.csv" "$T/want.csv"
expect_grep "... the BIGINT value of order_3 kept exactly" '^507,9000000000,' "$T/got.csv"

# a rule that gives one shard a column the others lack: the destination
# schemas differ (checked after the rules), refused naming both shards
sed 's|      - {name: src_tab, value: SRC_TABLE}|      - {name: src_tab, value: SRC_TABLE}\n  - table: order_2\n    add:\n      - {name: extra, const: x}|' \
	"$T/sync.yaml" >"$T/bad.yaml"
expect_code 1 "an added column on one shard only is refused" \
	mc-transform --rules="$T/bad.yaml" --param bizdate=20240102 "$T/snap.mcr"
expect_grep "... naming both shards and the column" "'shop.order_0' and 'shop.order_2', both merged into 'orders' [(]merge rule at .*bad.yaml:7:5[)], have different schemas: in 'shop.order_2' 7 columns, not 6" "$T/err"
# a type that one shard's override misses: the source schemas differ
grep -v 'column: amount, to: BIGINT' "$T/sync.yaml" >"$T/bad3.yaml"
expect_code 1 "without the override making amount one type, the shards differ" \
	mc-transform --rules="$T/bad3.yaml" --param bizdate=20240102 "$T/snap.mcr"
expect_grep "... naming the shards and the column" "'shop.order_0' and 'shop.order_3'.*have different schemas.*amount" "$T/err"
