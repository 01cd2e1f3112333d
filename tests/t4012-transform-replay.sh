#!/bin/sh
# Replaying a day of saved changes through fixed rules gives the same
# warehouse as running live (issue 14, "Done means"): a throwaway MariaDB
# with sharded tables, time strings and Unix times; live, the snapshot
# (mc-snapshot | mc-transform | mc-tunnel-put) and a live tail of the day
# (mc-binlog-tail --start ... | mc-transform | mc-tunnel-put); then the
# same binlog files, saved, read again (mc-binlog-tail FILE...) through the
# same rules and replayed with pipelines/replay.sh into a second
# warehouse: identical files, and identical merges.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE dev_shop; USE dev_shop;
CREATE TABLE order_0 (id INT PRIMARY KEY, amount DECIMAL(10,2), created VARCHAR(19), paid_s BIGINT,
  email VARCHAR(40), status ENUM('new','paid','gone'));
CREATE TABLE order_1 LIKE order_0; CREATE TABLE order_2 LIKE order_0; CREATE TABLE order_3 LIKE order_0;
INSERT INTO order_0 SELECT seq, seq * 1.25, CONCAT('2024/01/', LPAD(seq % 28 + 1, 2, '0'), ' 10:00:00'),
  1704067200 + seq * 3600, CONCAT('a', seq, '@x.org'), 'new' FROM seq_1_to_80;
INSERT INTO order_1 SELECT id + 1000, amount, created, paid_s, email, status FROM order_0;
INSERT INTO order_2 SELECT id + 2000, amount, created, paid_s, email, status FROM order_0;
INSERT INTO order_3 SELECT id + 3000, amount, created, paid_s, email, status FROM order_0;
CREATE TABLE tmp_x (id INT PRIMARY KEY);" || { fail "setup" "sql failed"; exit 1; }

cat >"$T/rules.yaml" <<'YAML'
version: 1
select:
  include: [ {db: dev_shop, table: "/order_[0-9]+/"} ]
names:
  template: "${db}_${table}"
  replace: [ {from: dev_, to: prd_} ]
dml:
  - {table: order_3, drop: [delete]}
columns:
  - add:
      - {name: biz_date, value: "${bizdate}"}
      - {name: etl_time, type: DATETIME, value: EVENT_TIME}
types:
  - {column: created, to: DATETIME, format: "yyyy/MM/dd HH:mm:ss"}
  - {column: paid_s, to: DATETIME, unix: seconds}
partitions:
  tables:
    - levels: [ {key: ds, value: EVENT_TIME}, {key: st, value: status} ]
mask:
  - {column: email, with: hash, key: "${k}"}
sample:
  - {table: "/order_[0-9]+/", percent: 60}
YAML
TF="mc-transform --rules=$T/rules.yaml --param bizdate=20240102 --param k=key1"
L=$T/live R=$T/replay

# live: the snapshot, then the tail of the day, each piped through
mc-snapshot $MDB_ARGS --chunk-rows=30 >"$T/snap.mcr" 2>"$T/err" || { fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
expect_ok "live: the snapshot through the rules into a warehouse" \
	sh -c "$TF <'$T/snap.mcr' | mc-tunnel-put --dest='$L'"
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
start=$(printf 'mysql-bin.%06d:%s' "$1" "$2")
sql "USE dev_shop;
UPDATE order_0 SET status = 'paid', amount = amount + 1 WHERE id % 4 = 0;
UPDATE order_1 SET id = id + 500 WHERE id % 5 = 0;
DELETE FROM order_2 WHERE id % 6 = 0;
DELETE FROM order_3 WHERE id % 7 = 0;
INSERT INTO order_3 SELECT seq, 9.99, '2024/02/01 00:00:00', 1706745600, CONCAT('n', seq, '@y.org'), 'new' FROM seq_5000_to_5040;
INSERT INTO tmp_x VALUES (1);
UPDATE order_2 SET created = '2024/03/01 12:30:00' WHERE id < 2020;
FLUSH BINARY LOGS" || fail "setup" "sql failed"
timeout -k 5 60 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 --stop-at-end \
	--start="$start" 2>"$T/tail.err" | $TF 2>"$T/tf.err" | mc-tunnel-put --dest="$L" 2>"$T/put.err"
expect_eq "live: the tail of the day through the rules into the warehouse" "$?" 0
test -s "$T/put.err" && echo "# $(cat "$T/tail.err" "$T/tf.err" "$T/put.err" | head -5)"

# replay: the saved binlog files, read again through the same rules
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/day.mcr" 2>"$T/err" ||
	fail "setup" "mc-binlog-tail: $(cat "$T/err")"
$TF "$T/snap.mcr" >"$T/snap.t.mcr" && $TF "$T/day.mcr" >"$T/day.t.mcr" || fail "setup" "mc-transform"
# (one replay per saved stream, as the live pipeline committed them: one
# mc-tunnel-put of both files keeps the snapshot's schema record, with its
# position, as the log's first schema)
expect_ok "replay: pipelines/replay.sh of the transformed snapshot" \
	"$TOP/pipelines/replay.sh" --dest="$R" --no-merge "$T/snap.t.mcr"
expect_ok "replay: pipelines/replay.sh of the transformed day" \
	"$TOP/pipelines/replay.sh" --dest="$R" --no-merge "$T/day.t.mcr"
tree "$L" >"$T/live.tree"
tree "$R" >"$T/replay.tree"
expect_ok "the live warehouse has the log partitions of the rules" grep -q '/ds=[0-9]\{8\}/st=paid/' "$T/live.tree"
expect_same "the replayed warehouse's files are the live one's, byte for byte" "$T/replay.tree" "$T/live.tree"
last=$(mc-cat --to=summary "$T/day.mcr" | sed -n 's/^positions: .* \.\. \([0-9]*:[0-9]*:[0-9]*\).*/\1/p')
for t in prd_shop_order_0 prd_shop_order_1 prd_shop_order_2 prd_shop_order_3; do
	mc-merge --warehouse="$L" --table=$t --at="$last" --output=- 2>"$T/merr" | mc-cat --to=csv --table=dev_shop.$t >"$T/live.csv"
	mc-merge --warehouse="$R" --table=$t --at="$last" --output=- 2>"$T/merr" | mc-cat --to=csv --table=dev_shop.$t >"$T/replay.csv"
	expect_ok "$t: the merge has rows" test "$(wc -l <"$T/live.csv")" -gt 10
	expect_same "$t: the merges agree" "$T/replay.csv" "$T/live.csv"
done
