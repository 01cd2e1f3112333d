#!/bin/sh
# sql_mode=ANSI_QUOTES: MariaDB logs SAVEPOINT "a b" and ROLLBACK TO "a b";
# the tail reads double-quoted names, and the copy holds the server's rows
# (docs/mc-binlog-tail.md "Savepoints"). (Both names were read as '"a', a
# rolled-back row written as committed: found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d;
CREATE TABLE audit (id INT PRIMARY KEY, v INT) ENGINE=MyISAM;
CREATE TABLE x (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
CREATE TRIGGER x_ai AFTER INSERT ON x FOR EACH ROW INSERT INTO audit VALUES (NEW.id, NEW.v);
SET sql_mode='ANSI_QUOTES';
BEGIN; INSERT INTO x VALUES (11,1); SAVEPOINT \"a b\"; INSERT INTO x VALUES (12,2);
SAVEPOINT \"a c\"; INSERT INTO x VALUES (13,3); ROLLBACK TO \"a b\"; COMMIT;"
srv=$(sql "SELECT id FROM d.x ORDER BY id" | tr '\n' ' ')
expect_eq "the server kept row 11 only" "$srv" "11 "
B=$MDB_DIR/binlog
expect_ok "the binlog is read" mc-binlog-tail "$B/mysql-bin.000001"
expect_eq "... the copy holds the server's rows" \
	"$(mc-cat --to=csv --table=d.x "$T/out" 2>/dev/null | tail -n +2 | cut -d, -f1 | sort -n | tr '\n' ' ')" "$srv"
