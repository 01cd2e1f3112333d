#!/bin/sh
# Two tables of one database that the names rules give one destination
# name (names.replace, names.case, a template without ${table}): the sink
# keys a table by its source database and destination name, so it took
# them for one table: the second's snapshot was dropped as "already
# committed", exit 0, and its changes would land on the first's rows.
# mc-transform refuses the second at its first record (exit 1, both tables
# and the name); --check --schema says the same; a merge entry sending them
# into one table, or names that stay apart, pass.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE a;
CREATE TABLE a.x_y (id INT PRIMARY KEY, v INT); INSERT INTO a.x_y VALUES (1,1),(2,2);
CREATE TABLE a.x__y (id INT PRIMARY KEY, v INT); INSERT INTO a.x__y VALUES (2,20),(3,30);
CREATE TABLE a.Users (id INT PRIMARY KEY); INSERT INTO a.Users VALUES (1);
CREATE TABLE a.users (id INT PRIMARY KEY); INSERT INTO a.users VALUES (2);" ||
	{ fail "the tables" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=a >"$T/snap.mcr" || fail "the snapshot" "exit $?"

printf 'select:\n  include:\n    - {db: a, table: "/x_+y/"}\nnames:\n  replace:\n    - {from: "_", to: ""}\n' >"$T/repl.yaml"
expect_code 1 "two tables under one name (names.replace)" mc-transform --rules="$T/repl.yaml" "$T/snap.mcr"
expect_grep "... names both tables and the name" \
	"^mc-transform: '.*snap.mcr': record [0-9]+: tables 'a.x_y' and 'a.x__y' would both be written as 'axy' \(the names rules of '.*repl.yaml' give them one destination name\): a sink could not tell them apart" "$T/err"
expect_eq "... before any row" "$(mc-cat "$T/out" 2>/dev/null | grep -c '"kind":"row"')" 0
expect_code 1 "--check --schema says the same" mc-transform --check --rules="$T/repl.yaml" --schema="$T/snap.mcr"
expect_grep "... naming both" "tables 'a.x_y' and 'a.x__y' would both be written as 'axy'" "$T/err"
# into a warehouse: nothing of either table is taken as the other's
mc-transform --rules="$T/repl.yaml" "$T/snap.mcr" 2>/dev/null | mc-tunnel-put --dest="$T/wh" 2>"$T/put.err"
expect_eq "the pipeline fails (the sink sees no trailer)" "$?" 1
expect_eq "... no row of a.x__y under 'axy'" \
	"$(find "$T/wh" -name 'part-*' 2>/dev/null | xargs -r -n1 mc-cat | grep -c '"after":\[[23],[23]0\]')" 0

printf 'select:\n  include:\n    - {db: a, table: "/[Uu]sers/"}\nnames:\n  case: lower\n' >"$T/case.yaml"
expect_code 1 "two tables under one name (names.case: lower)" mc-transform --rules="$T/case.yaml" "$T/snap.mcr"
expect_grep "... names both" "tables 'a.(Users|users)' and 'a.(Users|users)' would both be written as 'a_users'" "$T/err"
printf 'names:\n  template: "t"\n' >"$T/tmpl.yaml"
expect_code 1 "every table under one name (a template without \${table})" mc-transform --rules="$T/tmpl.yaml" "$T/snap.mcr"

printf 'select:\n  include:\n    - {db: a, table: "/x_+y/"}\nnames:\n  replace:\n    - {from: "_", to: "0"}\n' >"$T/apart.yaml"
expect_ok "names that stay apart" mc-transform --rules="$T/apart.yaml" "$T/snap.mcr"
cp "$T/out" "$T/apart.mcr"
expect_ok "... into a warehouse" mc-tunnel-put --dest="$T/wh2" "$T/apart.mcr"
expect_eq "... both tables whole" "$(ls "$T/wh2" | grep -v _mcsync | tr '\n' ' ')" "a0x00y a0x0y "
printf 'select:\n  include:\n    - {db: a, table: "/x_+y/"}\nnames:\n  replace:\n    - {from: "_", to: ""}\nmerge:\n  - into: xy\n    tables:\n      - {db: a, table: "/x_+y/"}\n    shard_column: src\n' >"$T/merge.yaml"
expect_ok "one table by a merge entry" mc-transform --rules="$T/merge.yaml" "$T/snap.mcr"
cp "$T/out" "$T/merge.mcr"
expect_ok "... into a warehouse" mc-tunnel-put --dest="$T/wh3" "$T/merge.mcr"
expect_eq "... the four rows in its base, each with its table" \
	"$(find "$T/wh3/xy" -name 'part-*' | xargs -n1 mc-cat | jq -r 'select(.kind == "row") | "\(.after[2]):\(.after[0])"' | sort | tr '\n' ' ')" \
	"a.x__y:2 a.x__y:3 a.x_y:1 a.x_y:2 "

# a merge entry's into that is another table's destination name (found by
# a tester: --check passed it, the sink refused it naming neither table)
sql "CREATE DATABASE shop; CREATE TABLE shop.order_0 (id INT PRIMARY KEY, v INT);
CREATE TABLE shop.order_1 LIKE shop.order_0; CREATE TABLE shop.users LIKE shop.order_0;
INSERT INTO shop.order_0 VALUES (1,1); INSERT INTO shop.users VALUES (1,100)" ||
	{ fail "the tables" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=shop >"$T/shop.mcr" || fail "the snapshot" "exit $?"
cat >"$T/into.yaml" <<'YAML'
select: {include: [{db: shop}]}
merge:
  - into: shop_users
    tables: [{db: shop, table: "/order_[0-9]/"}]
    keys_unique: true
YAML
expect_code 1 "a merge's into that is another table's name: refused" \
	mc-transform --rules="$T/into.yaml" "$T/shop.mcr"
expect_grep "... naming both tables and the name" \
	"tables 'shop.order_0' and 'shop.users' would both be written as 'shop_users' \(the names and merge rules of '.*into.yaml' give them one destination name\)" "$T/err"
expect_code 1 "... --check --schema says the same" mc-transform --rules="$T/into.yaml" --check --schema="$T/shop.mcr"
