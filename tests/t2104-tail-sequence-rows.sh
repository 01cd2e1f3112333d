#!/bin/sh
# A MariaDB SEQUENCE: mc-snapshot leaves it out (not a base table), and so
# does mc-binlog-tail: the Write_rows event of each cache refill (NEXTVAL)
# is not written as an insert of a keyless table. A map without column
# names (binlog_row_metadata=NO_LOG) with a sequence's columns, of a table
# no schema is known for, is refused (exit 1, naming the table and what to
# do); --tables leaving it out reads on. (Every cache refill was written as
# an insert of a keyless table d.sq with no snapshot, and mc-merge failed
# on it forever: found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start --binlog-row-metadata=FULL
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY); CREATE SEQUENCE d.sq CACHE 2"
mdb_snap_d
expect_eq "mc-snapshot leaves the sequence out" \
	"$(mc-cat --to=summary "$T/snap.mcr" | grep -c '^d\.sq ')" 0
for i in 1 2 3 4 5 6; do sql "SELECT NEXTVAL(d.sq)" >/dev/null; done
sql "INSERT INTO d.t VALUES (1)"
mdb_changes "$T/snap.mcr" "$T/changes.mcr"
expect_eq "the sequence's cache refills are not written" \
	"$(mc-cat --to=summary "$T/changes.mcr" | grep -c '^d\.sq ')" 0
expect_eq "... the table's row is" \
	"$(mc-cat --to=csv --table=d.t "$T/changes.mcr" | tail -n +2)" 1
mdb_restart --binlog-row-metadata=NO_LOG
sql "FLUSH BINARY LOGS; SELECT NEXTVAL(d.sq); SELECT NEXTVAL(d.sq); SELECT NEXTVAL(d.sq); INSERT INTO d.t VALUES (2)" >/dev/null
last=$(ls "$MDB_DIR"/binlog/mysql-bin.0* | tail -1)
expect_code 1 "no column names, no schema known: refused" mc-binlog-tail "$last"
expect_grep "... naming the table and what to do" \
	"offset [0-9]+: table .d.\..sq.: its table map \(no column names: .*\) has a MariaDB SEQUENCE's columns.*leave it out with --tables" "$T/err"
expect_ok "--tables leaving it out: read" mc-binlog-tail --tables='^d\.t$' "$last"
expect_eq "... the table's row" "$(mc-cat --to=csv --table=d.t "$T/out" | tail -n +2)" 2
