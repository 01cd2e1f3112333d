#!/bin/sh
# Many tables into one (docs/mc-transform.md "Many tables into one"): the
# sharded tables shop.order_0..order_3 of a throwaway MariaDB go into one
# warehouse table `orders` through a merge rule with a shard column. The
# chunked snapshot (mc-snapshot --rules | mc-transform | mc-tunnel-put),
# with mc-tunnel-put killed mid-snapshot and rerun, then the binlog
# (mc-binlog-tail | mc-transform | mc-tunnel-put): the merge of `orders`
# equals, row by row, the union of the shards read from the server. Each
# shard keeps its own chunk chain in the ledger; the base is complete only
# when every shard's snapshot is.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE shop; USE shop;
CREATE TABLE order_0 (id INT PRIMARY KEY, amount INT, note VARCHAR(10));
CREATE TABLE order_1 LIKE order_0; CREATE TABLE order_2 LIKE order_0;
CREATE TABLE order_3 LIKE order_0;
CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20));
INSERT INTO order_0 SELECT seq, seq % 23, 'a' FROM seq_1_to_60;
INSERT INTO order_1 SELECT seq, seq % 17, 'b' FROM seq_1_to_50;
INSERT INTO order_2 SELECT seq, seq % 5, 'c' FROM seq_20_to_90;
INSERT INTO order_3 SELECT seq, seq % 31, NULL FROM seq_1_to_45;
INSERT INTO users VALUES (1, 'ann'), (2, 'bob');" || { fail "setup" "sql failed"; exit 1; }

cat >"$T/sync.yaml" <<'YAML'
version: 1
select:
  include:
    - db: shop
merge:
  - into: orders
    tables:
      - {db: shop, table: "/order_[0-9]+/"}
    shard_column: src_table
YAML

mc-snapshot $MDB_ARGS --rules="$T/sync.yaml" --chunk-rows=7 --threads=2 >"$T/snap.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
expect_ok "mc-transform takes the snapshot" mc-transform --rules="$T/sync.yaml" "$T/snap.mcr"
cp "$T/out" "$T/snap.t.mcr"
expect_eq "the shards keep their names, with their destination" \
	"$(mc-cat "$T/snap.t.mcr" | grep '"kind":"schema"' | sed 's/.*"table":"\([^"]*\)".*/\1/' | sort | tr '\n' ' ')" \
	"orders/order_0 orders/order_1 orders/order_2 orders/order_3 shop_users "
mc-cat "$T/snap.t.mcr" >"$T/snap.t.jsonl"
expect_grep "the shard column is in the key" '"name":"src_table","mysql_type":"varchar.129.".*"key":\[0,3\]' "$T/snap.t.jsonl"
expect_ok "--check shows the mapping" mc-transform --rules="$T/sync.yaml" --check --schema="$T/snap.mcr"
expect_grep "... merged" '^shop.order_2 -> orders .merged.$' "$T/out"

# a kill mid-snapshot: the stream cut after half its records (no trailer),
# small commits so that some chunks are committed
n=$(mc-cat "$T/snap.t.mcr" | wc -l)
mc-cat --to=mcr "$T/snap.t.mcr" >/dev/null 2>&1 # (the format check)
python3 - "$T/snap.t.mcr" "$T/half.mcr" <<'PY' || fail "setup" "cut"
import sys
d = open(sys.argv[1], 'rb').read()
open(sys.argv[2], 'wb').write(d[:len(d) * 55 // 100])
PY
W=$T/w
expect_code 1 "a cut snapshot stream (from a pipe) is an error" sh -c "cat '$T/half.mcr' | mc-tunnel-put --dest='$W' --commit-rows=10"
expect_ok "... some shards' chains are committed" grep -q '^table\.shop\.order_[0-9] ' "$W/_mcsync/ledger"
expect_eq "... not all of them done" "$(grep -c '^table\.shop\.order_[0-9] done$' "$W/_mcsync/ledger")" \
	"$(grep -c '^table\.shop\.order_[0-9] done$' "$W/_mcsync/ledger" | awk '$1 < 4')"
expect_code 1 "... and the base is not complete" sh -c "ls '$W'/orders/ds=*/ 2>/dev/null | grep -q -i complete"
# mc-tunnel-put killed in the middle of the whole stream, then the rerun
cat "$T/snap.t.mcr" | (sleep 0.2; exec cat) | mc-tunnel-put --dest="$W" --commit-rows=10 >/dev/null 2>&1 &
pid=$!
sleep 0.1
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
expect_ok "the rerun over the whole snapshot" mc-tunnel-put --dest="$W" --commit-rows=10 "$T/snap.t.mcr"
for i in 0 1 2 3; do
	expect_grep "order_$i: its own chain, done" "^table\\.shop\\.order_$i done\$" "$W/_mcsync/ledger"
	expect_grep "order_$i: named orders" "^name\\.shop\\.order_$i orders\$" "$W/_mcsync/ledger"
done
expect_ok "the users table on its own" test -d "$W/shop_users"

# the changes, from the snapshot's low watermark
sql "USE shop;
INSERT INTO order_0 VALUES (100, 1, 'new0'), (101, 2, 'new0');
UPDATE order_1 SET amount = amount + 1000 WHERE id <= 10;
DELETE FROM order_2 WHERE id BETWEEN 30 AND 40;
UPDATE order_3 SET id = id + 500 WHERE id = 7;
INSERT INTO order_2 VALUES (1, 9, 'dup_of_1');
UPDATE order_0 SET note = 'upd' WHERE id = 1;
FLUSH BINARY LOGS" || fail "setup" "sql failed"
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/ch.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
mc-transform --rules="$T/sync.yaml" "$T/ch.mcr" | mc-tunnel-put --dest="$W" 2>"$T/err"
expect_eq "the changes go in" "$?" 0
expect_ok "into one log" test -d "$W/orders_log"
last=$(mc-cat --to=summary "$T/ch.mcr" | sed -n 's/^positions: .* \.\. \([0-9]*:[0-9]*:[0-9]*\).*/\1/p')
mc-merge --warehouse="$W" --table=orders --at="$last" --output=- 2>"$T/merr" |
	mc-cat --to=csv --table=shop.orders | tail -n +2 | sort >"$T/got.csv"
test -s "$T/got.csv" || echo "# merge: $(cat "$T/merr")"
{
	for i in 0 1 2 3; do
		sql "SELECT CONCAT_WS(',', id, amount, IFNULL(note, ''), 'shop.order_$i') FROM shop.order_$i"
	done
} | sort >"$T/want.csv"
expect_ok "the merge has rows" test "$(wc -l <"$T/want.csv")" -gt 200
expect_same "the merge of orders is the union of the shards" "$T/got.csv" "$T/want.csv"
