#!/bin/sh
# pipelines/replay.sh merges a table that mc-transform's merge rules build
# from shards (d.order_0, d.order_1 into orders, the streams' table fields
# orders/order_0, orders/order_1): the day partition of orders is built
# once and equals the union of the shards, also with --fresh.
# (It took orders/order_0 for a name, said "not a plain name, not merged"
# and exited 0 with no day of orders: found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d; CREATE TABLE order_0 (id INT PRIMARY KEY, amt INT); CREATE TABLE order_1 LIKE order_0;
INSERT INTO order_0 VALUES (1,1),(2,2); INSERT INTO order_1 VALUES (1,10)" || { fail "setup" "sql"; exit 1; }
mdb_snap_d
sql "USE d; UPDATE order_0 SET amt = 3 WHERE id = 1; DELETE FROM order_0 WHERE id = 2; INSERT INTO order_1 VALUES (5,50);
FLUSH BINARY LOGS" || { fail "setup" "sql"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/ch.mcr"
# the snapshot on 2025-11-20, the changes on 2025-11-21 (a heartbeat on 2025-11-22 ends the day)
restamp "$T/snap.mcr" 1763596800 >"$T/s.mcr" && restamp "$T/ch.mcr" 1763683200 1763769600 >"$T/c.mcr" ||
	{ fail "setup" "restamp"; exit 1; }
cat >"$T/r.yaml" <<'YAML'
select: {include: [{db: d}]}
names: {template: "${table}"}
merge:
  - into: orders
    tables: [{db: d, table: "/order_[0-9]+/"}]
    shard_column: src
YAML
mc-transform --rules="$T/r.yaml" "$T/s.mcr" >"$T/s.t.mcr" && mc-transform --rules="$T/r.yaml" "$T/c.mcr" >"$T/c.t.mcr" ||
	{ fail "setup" "transform"; exit 1; }
expect_ok "replay.sh of the merged shards" sh "$TOP/pipelines/replay.sh" --dest="$T/w" "$T/s.t.mcr" "$T/c.t.mcr"
cp "$T/err" "$T/replay.err"
if grep -q "not merged" "$T/replay.err"; then fail "... no table left unmerged" "$(grep 'not merged' "$T/replay.err")"; else ok "... no table left unmerged"; fi
expect_ok "... the day 20251121 of orders is merged" test -f "$T/w/orders/ds=20251121/_SUCCESS"
expect_eq "... and equals the union of the shards" \
	"$(mc-cat --to=csv --table=d.orders "$T"/w/orders/ds=20251121/part-*.mcr.zst 2>/dev/null | tail -n +2 | sort | tr '\n' ' ')" \
	"1,10,d.order_1 1,3,d.order_0 5,50,d.order_1 "
# the rule-fix replay: --fresh swaps in a warehouse with the merged day
expect_ok "replay.sh --fresh of the merged shards" sh "$TOP/pipelines/replay.sh" --fresh --dest="$T/w2" "$T/s.t.mcr" "$T/c.t.mcr"
expect_ok "... the day 20251121 of orders is merged" test -f "$T/w2/orders/ds=20251121/_SUCCESS"
