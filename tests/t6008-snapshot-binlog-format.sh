#!/bin/sh
# mc-snapshot on a server whose binlog_format is not ROW (STATEMENT, MIXED)
# stops at start with exit 1, naming the setting and the fix, and writes
# nothing: the tail could not follow the changes after the snapshot.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE f; CREATE TABLE f.t (id INT PRIMARY KEY, v INT); INSERT INTO f.t VALUES (1,1),(2,2);"
for fmt in STATEMENT MIXED; do
	sql "SET GLOBAL binlog_format = '$fmt'"
	expect_code 1 "binlog_format=$fmt: mc-snapshot exits 1" mc-snapshot $MDB_ARGS --databases=f
	expect_grep "... naming the setting and the fix" \
		"^mc-snapshot: server '.*': binlog_format is $fmt \(global\): .*set binlog_format=ROW" "$T/err"
	expect_eq "... writing nothing" "$(wc -c <"$T/out" | tr -d ' ')" 0
	expect_code 1 "binlog_format=$fmt: --precheck blocks too" mc-snapshot $MDB_ARGS --precheck --databases=f
	expect_grep "... naming it" "^error: binlog_format is $fmt" "$T/out"
done
sql "SET GLOBAL binlog_format = 'ROW'"
expect_ok "binlog_format=ROW: the snapshot runs" mc-snapshot $MDB_ARGS --databases=f
expect_eq "... with its rows" "$(mc-cat --to=jsonl "$T/out" | grep -c '"kind":"row"')" 2
