#!/bin/sh
# Statement-based changes (binlog_format STATEMENT or MIXED) carry no rows:
# mc-binlog-tail refuses one on a selected table (exit 1, the file, the
# offset and the fix), lets one on a table --tables leaves out pass, and
# the live tail refuses a server whose binlog_format is not ROW at start.
# (They were skipped with exit 0: only txn_end marks came out.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
R=$FIXTURES/binlog/rust_mysql_common/test-data/binlogs

# MySQL 5.1, STATEMENT: BEGIN; insert into t1 (test); insert into t2 (USE mysql)
expect_code 1 "STATEMENT binlog: exit 1" mc-binlog-tail "$R/binlog_transaction.000001"
expect_grep "... naming the file, the statement's offset and the fix" \
	"binlog_transaction.000001': offset 368: statement-based insert on \`test\`.\`t1\` .*binlog_format=ROW" "$T/err"
expect_eq "... one line" "$(wc -l <"$T/err")" 1
# MIXED: rows events first (written), then statements
expect_code 1 "MIXED binlog: exit 1" mc-binlog-tail --format=text "$R/ver_5_1_23.001"
expect_grep "... at the first statement" "ver_5_1_23.001': offset 776: statement-based INSERT on \`test\`.\`t2\`" "$T/err"
expect_grep "... the rows before it are written" '^row insert `test`.`t1`' "$T/out"
# a LOAD DATA logged as a statement (EXECUTE_LOAD_QUERY event)
expect_code 1 "LOAD DATA as a statement: exit 1" mc-binlog-tail --tables='^$' "$R/ver_5_1-wl2325_r.001"
expect_grep "... named" "offset 549: statement-based LOAD DATA .*binlog_format=ROW" "$T/err"

# --tables decides: statements on tables it leaves out pass
expect_code 0 "statements on tables left out by --tables pass" \
	mc-binlog-tail --format=text --tables='^other\.' "$R/binlog_transaction.000001"
expect_grep "... their transactions end" '^mark txn_end' "$T/out"
expect_code 1 "a statement's table is in its default database (USE mysql)" \
	mc-binlog-tail --tables='^mysql\.t2$' "$R/binlog_transaction.000001"
expect_grep "... named so" 'offset 460: statement-based insert on `mysql`.`t2`' "$T/err"
expect_code 1 "a statement with its database written (db1.t1)" \
	mc-binlog-tail --tables='^db1\.t1$' "$R/binlog_savepoint.000001"
expect_grep "... named so" 'statement-based INSERT on `db1`.`t1`' "$T/err"

# live: the server's binlog_format is checked at the start
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY)"
for f in STATEMENT MIXED; do
	sql "SET GLOBAL binlog_format='$f'"
	expect_code 1 "live: binlog_format=$f refused at the start" timeout -k 5 60 \
		mc-binlog-tail $MDB_ARGS --start=mysql-bin.000001:4 --stop-at-end
	expect_grep "... with the fix" "binlog_format is $f, not ROW.*set binlog_format=ROW" "$T/err"
done
sql "SET GLOBAL binlog_format='ROW'"
expect_code 0 "live: a ROW server is read" timeout -k 5 60 \
	mc-binlog-tail $MDB_ARGS --start=mysql-bin.000001:4 --stop-at-end
# a session that logs its own statements is caught at its first one
sql "SET SESSION binlog_format='STATEMENT'; INSERT INTO d.t VALUES (1)"
expect_code 1 "live: a session's statement-based INSERT: exit 1" timeout -k 5 60 \
	mc-binlog-tail $MDB_ARGS --start=mysql-bin.000001:4 --stop-at-end
expect_grep "... naming the server's binlog, the offset and the fix" \
	"'mysql-bin.000001': offset [0-9]*: statement-based INSERT on \`d\`.\`t\`.*binlog_format=ROW" "$T/err"
expect_code 0 "live: ... and passes when --tables leaves the table out" timeout -k 5 60 \
	mc-binlog-tail $MDB_ARGS --tables='^x\.' --start=mysql-bin.000001:4 --stop-at-end
