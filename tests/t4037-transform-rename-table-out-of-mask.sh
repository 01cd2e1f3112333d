#!/bin/sh
# A RENAME TABLE (or ALTER TABLE ... RENAME TO) of a table a mask or types
# rule names, to a name the rule does not name, is refused by
# mc-transform, exit 1, naming the rename and the rule, whatever the
# rename_table policy: the new table's rows would go out in the clear. A
# rename to a name the rule names too, or to a table left out of select,
# passes.
# (RENAME TABLE users TO users_v2 passed, and users_v2's e-mails went out
# in the clear, exit 0: found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d; CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(60));
INSERT INTO users VALUES (1,'a@corp.com')" || { fail "setup" "sql"; exit 1; }
mdb_snap_d
rules() { printf 'select: {include: [{db: d}], exclude: [{table: old_users}]}\nnames: {template: "${table}"}\n%s\n' "$1" >"$T/r.yaml"; }
n=0
try() { # CODE RULES SQL UNDO
	n=$((n + 1))
	rules "$2"
	a=$(mdb_pos)
	sql "USE d; $3" || { fail "setup" "sql: $3"; exit 1; }
	mc-binlog-tail --schema="$T/snap.mcr" --from="$MDB_DIR/binlog/mysql-bin.000001:$a" \
		"$MDB_DIR/binlog/mysql-bin.000001" >"$T/ch$n.mcr" 2>"$T/err" || { fail "setup" "tail"; exit 1; }
	expect_code "$1" "$3 under $2: exit $1" mc-transform --rules="$T/r.yaml" "$T/ch$n.mcr"
	cp "$T/err" "$T/err$n"
	sql "USE d; $4" || { fail "setup" "sql: $4"; exit 1; }
}
M="mask: [{table: users, column: email, with: hash}]"
try 1 "$M" "RENAME TABLE users TO users_v2; INSERT INTO users_v2 VALUES (9, 'x@corp.com')" \
	"DELETE FROM users_v2 WHERE id = 9; RENAME TABLE users_v2 TO users"
expect_grep "the refusal names the rename and the rule" \
	"rename of table 'd.users' to 'd.users_v2'.*mask rule at .*r.yaml:3:[0-9]* names 'd.users', not 'd.users_v2'" "$T/err1"
if mc-cat "$T/out" 2>/dev/null | grep -q 'x@corp.com'; then fail "no e-mail in the clear" "$(mc-cat "$T/out" | grep x@)"; else ok "no e-mail in the clear"; fi
try 1 "$M
ddl: {rename_table: ignore}" "ALTER TABLE users RENAME TO users_v2" "RENAME TABLE users_v2 TO users"
try 1 "types: [{table: users, column: id, to: STRING}]" "RENAME TABLE users TO u2" "RENAME TABLE u2 TO users"
expect_grep "a types rule: named" "types rule at .*names 'd.users', not 'd.u2'" "$T/err3"
try 0 "mask: [{table: /users.*/, column: email, with: hash}]" "RENAME TABLE users TO users_v2" "RENAME TABLE users_v2 TO users"
try 0 "$M" "RENAME TABLE users TO old_users" "RENAME TABLE old_users TO users"
try 0 "$M" "CREATE TABLE t (id INT PRIMARY KEY); RENAME TABLE t TO t2" "DROP TABLE t2"
