#!/bin/sh
# MariaDB's default binlog_row_metadata=NO_LOG: table maps carry neither
# SIGNEDNESS nor charsets. A table whose CREATE TABLE was not read and that
# --schema does not give: an integer value with its top bit set (negative,
# or above the signed range if UNSIGNED) and a CHAR/VARCHAR value with a
# byte outside ASCII are refused, exit 1 naming the file, offset, table and
# column and what to give (--schema for the sign, which schema records
# carry, not the charset; binlog_row_metadata=FULL); values that read the
# same either way pass; with --schema (mc-snapshot's) the integers are
# exact. CREATE TABLE ... LIKE is followed (the columns of the table it
# copies). (INT UNSIGNED 4294967294 was written as -2, latin1 text as its
# raw bytes, and the LIKE copy's 4294967295 as -1, exit 0: found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start --binlog-row-metadata=NO_LOG
sql "CREATE DATABASE d; CREATE TABLE d.u (id INT PRIMARY KEY, n INT UNSIGNED, s VARCHAR(5) CHARACTER SET latin1);
CREATE TABLE d.s (id INT PRIMARY KEY, n INT UNSIGNED, s VARCHAR(5) CHARACTER SET latin1);
INSERT INTO d.u VALUES (1, 4294967295, 'é')"
mdb_snap_d # before the rows read below (its schema records in force there)
sql "FLUSH BINARY LOGS; INSERT INTO d.u VALUES (2, 4294967294, 'x'); INSERT INTO d.s VALUES (1, 7, 'abc')"
B=$MDB_DIR/binlog
row() { mc-cat "$T/out" | grep "\"table\":\"$1\"" | grep '"kind":"row"' | sed 's/.*"after":\(.*\)}$/\1/' | tr '\n' ' '; }
expect_ok "the whole history (the CREATE TABLE read)" mc-binlog-tail "$B/mysql-bin.000001" "$B/mysql-bin.000002"
expect_eq "... the values exact" "$(row u)" '[1,4294967295,"é"] [2,4294967294,"x"] '
expect_code 1 "binlog 2 alone, no schema known: a value the sign changes: exit 1" \
	mc-binlog-tail "$B/mysql-bin.000002"
expect_grep "... naming the place, table, column and what to give" \
	"mysql-bin.000002': offset [0-9]+: table .d.\..u.: column 2: an integer with its top bit set .*whether the column is UNSIGNED.*give --schema FILE .*binlog_row_metadata=FULL" "$T/err"
expect_ok "... the values that read the same either way pass" \
	mc-binlog-tail --tables='^d\.s$' "$B/mysql-bin.000002"
expect_eq "... written" "$(row s)" '[1,7,"abc"] '
sql "INSERT INTO d.s VALUES (2, 8, 'é')"
expect_code 1 "a text the charset changes: exit 1" \
	mc-binlog-tail --tables='^d\.s$' "$B/mysql-bin.000002"
expect_grep "... naming the column and the way (schema records carry no charset)" \
	"table .d.\..s.: column 3: text that is not UTF-8, .*its charset .*read from before the table's CREATE TABLE, or set binlog_row_metadata=FULL" "$T/err"
expect_ok "with --schema (mc-snapshot's): exit 0" mc-binlog-tail --tables='^d\.u$' --schema="$T/snap.mcr" "$B/mysql-bin.000002"
expect_eq "... the values exact" "$(row u)" '[2,4294967294,"x"] '

# CREATE TABLE ... LIKE, in the history read: followed
sql "FLUSH BINARY LOGS; CREATE TABLE d.l2 LIKE d.u; CREATE TABLE d.l3 (LIKE d.u);
INSERT INTO d.l2 VALUES (1, 4294967295, 'a'); INSERT INTO d.l3 VALUES (1, 4294967293, 'ä')"
expect_ok "CREATE TABLE ... LIKE followed" mc-binlog-tail "$B"/mysql-bin.00000[1-3]
expect_eq "... its rows exact" "$(row l2)$(row l3)" '[1,4294967295,"a"] [1,4294967293,"ä"] '
