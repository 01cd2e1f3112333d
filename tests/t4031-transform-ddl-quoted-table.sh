#!/bin/sh
# mc-transform's DDL rules read an ALTER TABLE clause by clause whatever the
# way its table name is written: `t`, `d`.`t`, d.`t`, a quoted name with a
# space or a reserved word (`my t`, `select`). Each statement is refused
# (exit 1) as its unquoted form is: modify_column: error, add_column:
# error, a masked column ADDed with a DEFAULT, a MODIFY that cuts the
# values under modify_column: ignore.
# (A quoted table name made the whole statement alter_other and skipped
# every policy and check, exit 0: found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d; CREATE TABLE t (id INT PRIMARY KEY, v INT, s VARCHAR(20));
INSERT INTO t VALUES (1,1,'abcdef'),(2,2,'ghijkl');
CREATE TABLE \`my t\` (id INT PRIMARY KEY, v INT); CREATE TABLE \`select\` (id INT PRIMARY KEY, v INT)" || { fail "setup" "sql"; exit 1; }
mdb_snap_d
n=0
try() { # CODE RULES SQL UNDO: the statement through the rules
	n=$((n + 1))
	printf 'select: {include: [{db: d}]}\nnames: {template: "${table}", replace: [{from: " ", to: _}]}\n%s\n' "$2" >"$T/r$n.yaml"
	a=$(mdb_pos)
	sql "SET sql_mode=''; USE d; $3" || { fail "setup" "sql: $3"; exit 1; }
	mc-binlog-tail --schema="$T/snap.mcr" --from="$MDB_DIR/binlog/mysql-bin.000001:$a" \
		"$MDB_DIR/binlog/mysql-bin.000001" >"$T/ch$n.mcr" 2>"$T/err" ||
		{ fail "setup" "tail: $(cat "$T/err")"; exit 1; }
	expect_code "$1" "$3 under $2" mc-transform --rules="$T/r$n.yaml" --schema="$T/snap.mcr" "$T/ch$n.mcr"
	[ -z "$4" ] || sql "USE d; $4" || { fail "setup" "sql: $4"; exit 1; }
	mdb_snap_d
}
try 1 "ddl: {modify_column: error}" "ALTER TABLE t MODIFY v BIGINT" "ALTER TABLE t MODIFY v INT"
try 1 "ddl: {modify_column: error}" 'ALTER TABLE `t` MODIFY v BIGINT' "ALTER TABLE t MODIFY v INT"
try 1 "ddl: {modify_column: error}" 'ALTER TABLE `d`.`t` MODIFY v BIGINT' "ALTER TABLE t MODIFY v INT"
try 1 "ddl: {modify_column: error}" 'ALTER TABLE d.`t` MODIFY v BIGINT' "ALTER TABLE t MODIFY v INT"
try 1 "ddl: {modify_column: error}" 'ALTER TABLE `d`.t MODIFY v BIGINT' "ALTER TABLE t MODIFY v INT"
try 1 "ddl: {add_column: error}" 'ALTER TABLE `t` ADD x INT' "ALTER TABLE t DROP COLUMN x"
try 1 "ddl: {modify_column: error}" 'ALTER TABLE /* c */ `my t` MODIFY v BIGINT' 'ALTER TABLE `my t` MODIFY v INT'
try 1 "ddl: {modify_column: error}" 'ALTER TABLE `select` MODIFY v BIGINT' 'ALTER TABLE `select` MODIFY v INT'
try 0 "ddl: {modify_column: error}" 'ALTER TABLE `select` ADD INDEX (v)' ""
try 1 "mask: [{table: t, column: email, with: hash}]" \
	'ALTER TABLE `t` ADD COLUMN email VARCHAR(40) NOT NULL DEFAULT '"'secret@corp.com'" "ALTER TABLE t DROP COLUMN email"

# the cut values: refused unquoted, dropped quoted; the warehouse then differs from the server
try 1 "ddl: {modify_column: ignore, alter_other: ignore}" "ALTER TABLE t MODIFY s VARCHAR(2)" ""
sql "USE d; ALTER TABLE t MODIFY s VARCHAR(20); UPDATE t SET s = 'abcdef' WHERE id = 1; UPDATE t SET s = 'ghijkl' WHERE id = 2" || exit 1
mdb_snap_d
printf 'select: {include: [{db: d}]}\nnames: {template: "${table}", replace: [{from: " ", to: _}]}\nddl: {modify_column: ignore, alter_other: ignore}\n' >"$T/ig.yaml"
mc-transform --rules="$T/ig.yaml" "$T/snap.mcr" >"$T/s.t.mcr" || { fail "setup" "transform"; exit 1; }
sql "SET sql_mode=''; USE d; ALTER TABLE \`t\` MODIFY s VARCHAR(2); UPDATE t SET v = 20 WHERE id = 2; FLUSH BINARY LOGS" || exit 1
mdb_changes "$T/snap.mcr" "$T/ch.mcr"
expect_code 1 "ALTER TABLE \`t\` MODIFY s VARCHAR(2) under modify_column: ignore (cuts the values)" \
	mc-transform --rules="$T/ig.yaml" --schema="$T/snap.mcr" "$T/ch.mcr"
expect_grep "the refusal names the column" "VARCHAR" "$T/err"
