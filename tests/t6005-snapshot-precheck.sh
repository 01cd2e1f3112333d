#!/bin/sh
# mc-snapshot --precheck: one line per finding, exit 1 when one blocks.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE p;
CREATE TABLE p.good (id INT PRIMARY KEY, v INT);
CREATE TABLE p.uniq (a INT NOT NULL, b INT, UNIQUE KEY (a));
SET GLOBAL binlog_expire_logs_seconds = 0; SET GLOBAL expire_logs_days = 7;"
expect_ok "a ready server passes" mc-snapshot $MDB_ARGS --precheck
expect_grep "... saying binlog_format is ROW" '^ok: binlog_format is ROW' "$T/out"
expect_grep "... with the retention" '^ok: binlogs are kept 604800 s' "$T/out"
expect_grep "... and no errors" '^0 errors' "$T/out"

sql "CREATE TABLE p.nokey (a INT NOT NULL, b INT);
CREATE TABLE p.inv (id INT PRIMARY KEY, secret INT INVISIBLE);
SET GLOBAL binlog_format = 'STATEMENT'; SET GLOBAL binlog_row_image = 'MINIMAL';
SET GLOBAL binlog_expire_logs_seconds = 600;
CREATE USER lim@localhost; GRANT SELECT ON p.* TO lim@localhost;"
expect_code 1 "a misconfigured server fails the precheck" mc-snapshot $MDB_ARGS --precheck
expect_grep "binlog_format=STATEMENT blocks" '^error: binlog_format is STATEMENT' "$T/out"
expect_grep "binlog_row_image=MINIMAL blocks" '^error: binlog_row_image is MINIMAL' "$T/out"
expect_grep "a table without a key blocks" "^error: table 'p.nokey' has no primary key" "$T/out"
expect_grep "a short retention warns" '^warning: binlogs are purged after 600 s' "$T/out"
expect_grep "invisible columns are named" "^warning: table 'p.inv' has invisible columns" "$T/out"
mc-snapshot $MDB_ARGS --precheck --tables='^p\.nokey$' --split-key=p.nokey:a >"$T/out" 2>&1
expect_grep "a declared key satisfies the key check" "^ok: table 'p.nokey': declared key" "$T/out"
expect_code 1 "a user without replication grants fails" mc-snapshot --socket="$MDB_SOCK" --user=lim --precheck --databases=p
expect_grep "... naming REPLICATION SLAVE" '^error: the user lacks REPLICATION SLAVE' "$T/out"

mdb_restart --skip-log-bin
expect_code 1 "without a binary log the precheck fails" mc-snapshot $MDB_ARGS --precheck
expect_grep "... naming log_bin" '^error: log_bin is OFF' "$T/out"
expect_code 1 "without a binary log a snapshot exits 1 (no watermark)" mc-snapshot $MDB_ARGS
expect_grep "... saying why" 'binlog' "$T/err"
