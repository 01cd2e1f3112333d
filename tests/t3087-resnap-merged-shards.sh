#!/bin/sh
# A re-snapshot (mc-tunnel-put --resnapshot) of tables that mc-transform
# merges into one: refused, of one shard or of all of them. The message
# said the earlier stream had completed the base without the shard, and
# to load the snapshots in one stream, which this one was (found by a
# tester); now it says re-snapshots of merged tables are not taken.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE shop; USE shop;
CREATE TABLE o_1 (id INT PRIMARY KEY, v VARCHAR(20)); CREATE TABLE o_2 LIKE o_1;
INSERT INTO o_1 VALUES (1,'a'),(2,'b'); INSERT INTO o_2 VALUES (1,'A'),(3,'C')" || { fail "setup" "sql"; exit 1; }
cat >"$T/r.yaml" <<'YAML'
select: {include: [{db: shop}]}
merge:
  - into: orders
    tables: [{db: shop, table: "/o_[0-9]+/"}]
    shard_column: src
YAML
mc-snapshot $MDB_ARGS --rules="$T/r.yaml" | mc-transform --rules="$T/r.yaml" >"$T/snap.mcr" ||
	{ fail "setup" "snapshot"; exit 1; }
sql "UPDATE shop.o_1 SET v='a2' WHERE id=1" || { fail "setup" "sql"; exit 1; }
mc-snapshot $MDB_ARGS --rules="$T/r.yaml" | mc-transform --rules="$T/r.yaml" >"$T/re.mcr" ||
	{ fail "setup" "snapshot"; exit 1; }
expect_ok "the shards' snapshot, in one stream" mc-tunnel-put --dest="$T/w" "$T/snap.mcr"
expect_code 1 "their re-snapshot, in one stream: refused" mc-tunnel-put --dest="$T/w" --resnapshot "$T/re.mcr"
expect_grep "... saying so" "snapshot rows of 'shop.o_1', which goes into 'orders' with other tables: a re-snapshot \(--resnapshot\) of tables merged into one is not taken; load a snapshot of all of them, and their changes, into a new warehouse" "$T/err"
