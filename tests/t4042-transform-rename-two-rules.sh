#!/bin/sh
# RENAME TABLE users TO users_v2 where one mask rule names users and
# another the same mask of users_v2 (and the same with two types rules):
# the rename keeps the rows masked (typed), and passes (t4037 refuses one
# the rules do not cover). (It was refused: found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d; CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(60));
INSERT INTO users VALUES (1,'a@corp.com')" || { fail "setup" "sql"; exit 1; }
mdb_snap_d
a=$(mdb_pos)
sql "USE d; RENAME TABLE users TO users_v2; INSERT INTO users_v2 VALUES (9, 'x@corp.com')" || { fail "setup" "sql"; exit 1; }
mc-binlog-tail --schema="$T/snap.mcr" --from="$MDB_DIR/binlog/mysql-bin.000001:$a" \
	"$MDB_DIR/binlog/mysql-bin.000001" >"$T/ch.mcr" 2>"$T/err" || { fail "setup" "tail"; exit 1; }
printf 'select: {include: [{db: d}]}\nnames: {template: "${table}"}\nmask: [{table: users, column: email, with: hash}, {table: users_v2, column: email, with: hash}]\n' >"$T/m.yaml"
expect_ok "the rename between two masked names passes" mc-transform --rules="$T/m.yaml" "$T/ch.mcr"
if mc-cat "$T/out" 2>/dev/null | grep -q 'x@corp.com'; then fail "users_v2's e-mail masked" "in the clear"; else ok "users_v2's e-mail not in the clear"; fi
printf 'select: {include: [{db: d}]}\nnames: {template: "${table}"}\ntypes: [{table: users, column: id, to: STRING}, {table: users_v2, column: id, to: STRING}]\n' >"$T/t.yaml"
expect_ok "... and between two typed names" mc-transform --rules="$T/t.yaml" "$T/ch.mcr"
