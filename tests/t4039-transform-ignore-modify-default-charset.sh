#!/bin/sh
# Under modify_column: ignore, a MODIFY or CHANGE of a text column that
# names no charset, after a table option DEFAULT CHARSET latin1 (in the same
# statement, or in an earlier one of the run, itself dropped by
# alter_other: ignore, or a CREATE TABLE's), is refused, exit 1: the column
# takes the new default and the server converts its text ('中文' becomes
# '??'). The same with a default that holds every character (utf8mb4), a
# column that names its own charset, or a column that is not text: dropped.
# (It was dropped as "the type restated", the warehouse keeping '中文' where
# the server holds '??', exit 0: found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
printf 'select: {include: [{db: d}]}\nnames: {template: "${table}"}\nddl: {modify_column: ignore, alter_other: ignore}\n' >"$T/r.yaml"
n=0
try() { # CODE SQL
	n=$((n + 1))
	sql "DROP DATABASE IF EXISTS d; CREATE DATABASE d; USE d; CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(20), i INT);
	INSERT INTO t VALUES (1,'中文',1),(2,'abc',2)" || { fail "setup" "sql"; exit 1; }
	mdb_snap_d
	sql "SET sql_mode=''; USE d; $2; UPDATE t SET id = 20 WHERE id = 2; FLUSH BINARY LOGS" || { fail "setup" "sql: $2"; exit 1; }
	mdb_changes "$T/snap.mcr" "$T/ch$n.mcr"
	expect_code "$1" "$2: exit $1" mc-transform --rules="$T/r.yaml" --schema="$T/snap.mcr" "$T/ch$n.mcr"
	cp "$T/err" "$T/err$n"
}
try 1 "ALTER TABLE t DEFAULT CHARSET latin1, MODIFY s VARCHAR(20)"
expect_grep "... saying why" "column 's': .* takes the table's default charset, 'latin1' \\(this statement's table option\\)" "$T/err1"
try 1 "ALTER TABLE t DEFAULT CHARSET latin1; ALTER TABLE t MODIFY s VARCHAR(20)"
expect_grep "... an earlier statement's" "'latin1' \\(a table option of an earlier statement of this run\\)" "$T/err2"
try 1 "ALTER TABLE t COLLATE = latin1_swedish_ci, CHANGE s s VARCHAR(20) NOT NULL"
try 0 "ALTER TABLE t DEFAULT CHARSET utf8mb4, MODIFY s VARCHAR(20)"
try 0 "ALTER TABLE t DEFAULT CHARSET latin1, MODIFY s VARCHAR(20) CHARACTER SET utf8mb4"
try 0 "ALTER TABLE t DEFAULT CHARSET latin1, MODIFY i INT NOT NULL"
try 0 "ALTER TABLE t DEFAULT CHARSET latin1; ALTER TABLE t DEFAULT CHARSET utf8mb4; ALTER TABLE t MODIFY s VARCHAR(30)"
