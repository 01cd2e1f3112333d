#!/bin/sh
# Rules that match nothing of a snapshot stream are refused, exit 1: a
# select none of the snapshot's tables matches (select.include {db: Shop}
# for the database shop) at its end, naming a table; a mask or types rule
# that names a table and a column exactly where the table's schema record
# has no such column (a typo: emial), at that record, naming the rule and
# the table's columns. A rule by /RE/ or of any table, and a change
# stream, are not checked (a column may come later).
# (Both were silent, exit 0: an empty sync, the e-mails in the clear:
# found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE shop; USE shop; CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(60));
INSERT INTO users VALUES (1,'alice@corp.com')" || { fail "setup" "sql"; exit 1; }
mc-snapshot $MDB_ARGS --databases=shop >"$T/snap.mcr" || { fail "setup" "snapshot"; exit 1; }
printf 'select: {include: [{db: Shop}]}\nnames: {template: "${table}"}\n' >"$T/sel.yaml"
expect_code 1 "a select that matches no table of the snapshot: refused" \
	mc-transform --rules="$T/sel.yaml" "$T/snap.mcr"
expect_grep "... naming the select and a table" "select .*sel.yaml. matched none of the snapshot's tables \\(1: shop.users\\)" "$T/err"
printf 'names: {template: "${table}"}\nmask: [{table: users, column: emial, with: hash}]\n' >"$T/mask.yaml"
expect_code 1 "a mask of a column users has not: refused at its schema" \
	mc-transform --rules="$T/mask.yaml" "$T/snap.mcr"
expect_grep "... naming the rule, the column and the table's columns" \
	"record 2: table 'shop.users': the mask rule at .*mask.yaml:2:9 names column 'emial', which the table does not have \\(its columns: id, email\\)" "$T/err"
if mc-cat "$T/out" 2>/dev/null | grep -q alice; then fail "no e-mail in the clear" "in the output"; else ok "no e-mail in the clear"; fi
printf 'names: {template: "${table}"}\ntypes: [{db: shop, table: users, column: nope, to: STRING}]\n' >"$T/ty.yaml"
expect_code 1 "a types rule of a column users has not: refused" \
	mc-transform --rules="$T/ty.yaml" "$T/snap.mcr"
# what passes: a select that matches a table, a rule of a column in another
# case, by /RE/ (a column to come), of any table, or in a change stream
printf 'select: {include: [{db: shop}, {db: other}]}\nnames: {template: "${table}"}\nmask: [{table: users, column: EMAIL, with: hash}, {table: users, column: "/^tel$/", with: hash}, {column: emial, with: hash}]\n' >"$T/ok.yaml"
expect_ok "a select of one table, mask EMAIL, /^tel$/ and of any table: passed" \
	mc-transform --rules="$T/ok.yaml" "$T/snap.mcr"
a=$(mdb_pos)
sql "USE shop; INSERT INTO users VALUES (2,'bob@corp.com')" || exit 1
mc-binlog-tail --schema="$T/snap.mcr" --from="$MDB_DIR/binlog/mysql-bin.000001:$a" \
	"$MDB_DIR/binlog/mysql-bin.000001" >"$T/ch.mcr" 2>"$T/err" || { fail "setup" "tail"; exit 1; }
printf 'select: {include: [{db: Shop}]}\nnames: {template: "${table}"}\nmask: [{table: users, column: tel, with: hash}]\n' >"$T/ch.yaml"
expect_ok "a change stream: a select of none of its tables, a mask of a column to come: passed" \
	mc-transform --rules="$T/ch.yaml" "$T/ch.mcr"
