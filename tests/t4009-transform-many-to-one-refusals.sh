#!/bin/sh
# Many tables into one: what is refused (docs/mc-transform.md "Many tables
# into one"). Shards with different schemas (exit 1 naming both shards and
# the first differing column); a merge rule with neither shard_column nor
# keys_unique (exit 2, the rules' line); keys_unique: true over keys that
# do collide (mc-merge refuses the base); a name collision the rules do not
# declare (still refused, as in t3022) and a table into a merge
# destination without the rules; a DDL on a shard (exit 1).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE shop; USE shop;
CREATE TABLE order_0 (id INT PRIMARY KEY, amount INT, note VARCHAR(10));
CREATE TABLE order_1 LIKE order_0;
CREATE TABLE order_2 (id INT PRIMARY KEY, amount BIGINT, note VARCHAR(10));
CREATE DATABASE shop2; CREATE TABLE shop2.order_0 LIKE shop.order_0;
INSERT INTO order_0 SELECT seq, seq, 'a' FROM seq_1_to_20;
INSERT INTO order_1 SELECT seq, seq, 'b' FROM seq_10_to_30;
INSERT INTO order_2 SELECT seq, seq, 'c' FROM seq_1_to_5;
INSERT INTO shop2.order_0 SELECT seq, seq, 'd' FROM seq_1_to_5;" || { fail "setup" "sql failed"; exit 1; }

rules() { # FILE TABLES-RE KEYS-LINE
	printf 'version: 1\nselect:\n  include:\n    - db: /shop2?/\nmerge:\n  - into: orders\n    tables:\n      - {table: "%s"}\n%s\n' "$2" "$3" >"$1"
}
rules "$T/diff.yaml" "/order_[0-9]+/" "    shard_column: src"
mc-snapshot $MDB_ARGS --databases=shop >"$T/snap.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
expect_code 1 "shards with different schemas" mc-transform --rules="$T/diff.yaml" "$T/snap.mcr"
expect_grep "... names both shards and the first differing column" \
	"'shop.order_0' and 'shop.order_2', both merged into 'orders'.*column 2 is 'amount' bigint" "$T/err"

rules "$T/nokey.yaml" "/order_[01]/" ""
expect_code 2 "a merge with neither shard_column nor keys_unique" mc-transform --rules="$T/nokey.yaml" "$T/snap.mcr"
expect_grep "... names the rules' line and what to give" \
	"nokey.yaml:6:5: merge: 'orders': the keys of its tables may collide: give shard_column" "$T/err"
rules "$T/both.yaml" "/order_[01]/" "    shard_column: src
    keys_unique: true"
expect_code 2 "shard_column and keys_unique both" mc-transform --rules="$T/both.yaml" "$T/snap.mcr"

# keys_unique: true over keys that collide (order_0 and order_1 share
# ids 10..20): the merge relies on it and refuses the base
rules "$T/uniq.yaml" "/order_[01]/" "    keys_unique: true"
mc-transform --rules="$T/uniq.yaml" "$T/snap.mcr" >"$T/uniq.mcr" 2>"$T/err" || fail "setup" "uniq: $(cat "$T/err")"
expect_ok "keys_unique: the stream goes in" mc-tunnel-put --dest="$T/wu" "$T/uniq.mcr"
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
sql "INSERT INTO shop.order_0 VALUES (50, 5, 'e'); FLUSH BINARY LOGS" || fail "setup" "sql"
mc-binlog-tail --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/ch0.mcr" 2>"$T/err" ||
	fail "setup" "mc-binlog-tail: $(cat "$T/err")"
mc-transform --rules="$T/uniq.yaml" "$T/ch0.mcr" | mc-tunnel-put --dest="$T/wu" 2>"$T/err" || fail "setup" "changes: $(cat "$T/err")"
at=$(mc-cat --to=summary "$T/ch0.mcr" | sed -n 's/^positions: .* \.\. \([0-9]*:[0-9]*:[0-9]*\).*/\1/p')
expect_code 1 "... colliding keys: mc-merge refuses the base" mc-merge --warehouse="$T/wu" --table=orders --at="$at" --output="$T/u.out"
expect_grep "... naming the key" "table .orders.: the key .id. is not unique: .10." "$T/err"

# a collision the rules do not declare: two tables onto one name
cat >"$T/coll.yaml" <<'YAML'
version: 1
select:
  include:
    - {table: order_0}
names:
  template: "${table}"
YAML
mc-snapshot $MDB_ARGS --databases=shop,shop2 >"$T/both.mcr" 2>"$T/err" || fail "setup" "snapshot 2"
mc-transform --rules="$T/coll.yaml" "$T/both.mcr" >"$T/coll.mcr" 2>"$T/err" || fail "setup" "coll"
expect_code 2 "an undeclared collision is refused (as with --name)" mc-tunnel-put --dest="$T/wc" "$T/coll.mcr"
expect_grep "... naming the other table" "'shop2.order_0' would be written as 'order_0', which this warehouse holds another table under" "$T/err"
# a table into a merge destination without the rules
rules "$T/m.yaml" "/order_[01]/" "    shard_column: src"
mc-transform --rules="$T/m.yaml" "$T/snap.mcr" >"$T/m.mcr" 2>"$T/err" || fail "setup" "m"
expect_ok "the merged shards go in" mc-tunnel-put --dest="$T/wm" "$T/m.mcr"
# (of the same source, the stream is refused first as not through the
# warehouse's rules, docs/mc-tunnel-put.md "Rules"; the table check is for
# a stream of another source: its source_id changed here)
expect_code 1 "a stream of the source not through its rules" \
	mc-tunnel-put --dest="$T/wm" --name=shop.order_2=orders "$T/snap.mcr"
expect_grep "... refused as such" "this stream came through no mc-transform, the warehouse's tables of it through rules r1:" "$T/err"
mc-cat "$T/snap.mcr" | jq -c 'if .mcr then .meta.source_id = "999999" else . end' |
	mc-cat --from=jsonl --to=mcr >"$T/snap.other.mcr" || fail "setup" "other source"
expect_code 1 "a table named like the merge destination, not by its rules" \
	mc-tunnel-put --dest="$T/wm" --name=shop.order_2=orders "$T/snap.other.mcr"
expect_grep "... refused" "destination of several tables merged into one" "$T/err"

# a DDL on a shard
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
sql "ALTER TABLE shop.order_1 ADD COLUMN extra INT; INSERT INTO shop.order_1 VALUES (99, 1, 'x', 2);
FLUSH BINARY LOGS" || fail "setup" "sql"
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/ch.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
expect_code 1 "a DDL on a shard is refused" mc-transform --rules="$T/m.yaml" "$T/snap.mcr" "$T/ch.mcr"
expect_grep "... naming the shard and the statement" "DDL of 'shop.order_1', a table merged into 'orders'.*ALTER TABLE shop.order_1 ADD COLUMN extra" "$T/err"
cat >>"$T/m.yaml" <<'YAML'
ddl:
  add_column: ignore
YAML
expect_code 1 "... ignored, its new schema is refused" mc-transform --rules="$T/m.yaml" "$T/snap.mcr" "$T/ch.mcr"
expect_grep "... as a schema change" "the schema of 'shop.order_1', a table merged into 'orders'.*changed" "$T/err"
