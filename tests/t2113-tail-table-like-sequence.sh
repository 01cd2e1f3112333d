#!/bin/sh
# An ordinary table with a sequence's columns (CREATE TABLE d.seq_state AS
# SELECT * FROM d.s) whose CREATE TABLE the tail read: its rows are
# written (a sequence's are left out, t2104) (docs/mc-binlog-tail.md
# "Sequences"). (Every row was dropped, exit 0: found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start --binlog-row-metadata=FULL
sql "CREATE DATABASE d; CREATE SEQUENCE d.s;
SELECT NEXTVAL(d.s);
CREATE TABLE d.seq_state AS SELECT * FROM d.s;
INSERT INTO d.seq_state SELECT * FROM d.s;" >/dev/null
expect_eq "the server holds d.seq_state as a base table" \
	"$(sql "SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA='d' AND TABLE_NAME='seq_state'")" "BASE TABLE"
expect_eq "... with 2 rows" "$(sql "SELECT COUNT(*) FROM d.seq_state")" 2
B=$MDB_DIR/binlog
expect_ok "the binlog is read" mc-binlog-tail --tables='^d\.seq_state$' "$B/mysql-bin.000001"
expect_eq "... the table's 2 inserts are written" \
	"$(mc-cat "$T/out" 2>/dev/null | grep '"kind":"row"' | grep -c '"seq_state"')" 2
