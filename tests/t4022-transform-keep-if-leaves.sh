#!/bin/sh
# mc-transform's keep_if on an UPDATE that takes a row out of the
# condition (its old row passes, its new row does not): the warehouse may
# hold the old row, so the update goes out as a delete of the old row;
# dropped, it left the old row there with its old values, exit 0, unlike a
# fresh snapshot through the same rules. An update dropped by op (drop:
# [update]), or one whose old row's delete the rules would drop too, stays
# dropped; an update into the condition passes (the merge makes its key
# live).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE shop; USE shop;
CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(10), amount INT);
INSERT INTO orders VALUES (1,'paid',10),(2,'paid',20),(3,'new',30),(4,'paid',40),(5,'paid',50),(6,'new',60);" ||
	{ fail "the table" "sql failed"; exit 1; }
cat >"$T/r.yaml" <<'YAML'
select:
  include:
    - db: shop
names:
  template: "${table}"
dml:
  - table: orders
    keep_if: "status = 'paid'"
YAML
mc-snapshot $MDB_ARGS --databases=shop --rules="$T/r.yaml" | mc-transform --rules="$T/r.yaml" >"$T/snap.mcr" ||
	fail "the snapshot" "exit $?"
expect_ok "the snapshot into the warehouse" mc-tunnel-put --dest="$T/wh" --checkpoint-out="$T/ck" "$T/snap.mcr"
# out of the condition (1), into it (3), out with a new key (4 -> 40),
# within it (5), outside it throughout (6)
sql "USE shop; UPDATE orders SET status='refunded' WHERE id=1; UPDATE orders SET status='paid' WHERE id=3;
UPDATE orders SET id=40, status='void' WHERE id=4; UPDATE orders SET amount=55 WHERE id=5;
UPDATE orders SET amount=66 WHERE id=6; FLUSH BINARY LOGS" || fail "the changes" "sql failed"
mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --tables='^shop\.' --checkpoint-in="$T/ck" \
	--stop-at-end >"$T/tail.mcr" || fail "the tail" "exit $?"
expect_ok "the changes through the rules" mc-transform --rules="$T/r.yaml" "$T/tail.mcr"
cp "$T/out" "$T/changes.mcr"
expect_eq "the updates out of the condition are deletes of the old rows; into and within it, updates" \
	"$(mc-cat "$T/changes.mcr" | jq -r 'select(.kind == "row") | "\(.op) \((.before // .after)[0])"' | tr '\n' ,)" \
	"delete 1,update 3,delete 4,update 5,"
expect_ok "the changes into the warehouse" mc-tunnel-put --dest="$T/wh" --checkpoint-out="$T/ck" "$T/changes.mcr"
at=$(sed -n 's/^pos //p' "$T/ck")
expect_ok "the merge at the last change" mc-merge --warehouse="$T/wh" --table=orders --at="$at" --output="$T/m.mcr"
mc-snapshot $MDB_ARGS --databases=shop --rules="$T/r.yaml" | mc-transform --rules="$T/r.yaml" >"$T/fresh.mcr"
mc-cat --to=csv --table=shop.orders "$T/m.mcr" | sort >"$T/wh.csv"
mc-cat --to=csv --table=shop.orders "$T/fresh.mcr" | sort >"$T/fresh.csv"
expect_same "the warehouse equals a fresh snapshot through the same rules" "$T/wh.csv" "$T/fresh.csv"
expect_eq "... the paid orders" "$(grep -c paid "$T/wh.csv")" 3

# updates dropped by op stay dropped, whatever their images
printf 'dml:\n  - table: orders\n    keep_if: "status = '"'"'paid'"'"'"\n  - table: orders\n    drop: [update]\n' >"$T/op.yaml"
expect_ok "drop: [update] with the condition" mc-transform --rules="$T/op.yaml" "$T/tail.mcr"
expect_eq "... no row" "$(mc-cat "$T/out" | grep -c '"kind":"row"')" 0
# the delete of the old row dropped by the rules (drop: [delete], or a
# condition on the after image, which a delete has not): the update is dropped
printf 'dml:\n  - table: orders\n    keep_if: "status = '"'"'paid'"'"'"\n    drop: [delete]\n' >"$T/del.yaml"
expect_ok "drop: [delete] with the condition" mc-transform --rules="$T/del.yaml" "$T/tail.mcr"
expect_eq "... the updates into and within the condition only" \
	"$(mc-cat "$T/out" | jq -r 'select(.kind == "row") | "\(.op) \((.before // .after)[0])"' | tr '\n' ,)" \
	"update 3,update 5,"
printf 'dml:\n  - table: orders\n    keep_if: "after.status = '"'"'paid'"'"'"\n' >"$T/after.yaml"
expect_ok "a condition on after.status" mc-transform --rules="$T/after.yaml" "$T/tail.mcr"
expect_eq "... keeps the updates whose after image passes, as they are" \
	"$(mc-cat "$T/out" | jq -r 'select(.kind == "row") | "\(.op) \((.before // .after)[0])"' | tr '\n' ,)" \
	"update 3,update 5,"
