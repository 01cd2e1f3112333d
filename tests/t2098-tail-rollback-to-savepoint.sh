#!/bin/sh
# ROLLBACK TO SAVEPOINT in a transaction that also changed a
# non-transactional table (an audit trigger writing a MyISAM table):
# MariaDB logs the rows after the savepoint, then `SAVEPOINT s` ...
# `ROLLBACK TO s` (the MyISAM rows go out in their own event group, before
# the transaction). mc-binlog-tail cuts the rows the rollback undid from
# the buffered transaction: the copy of each table is what the server holds
# (the MyISAM rows kept, nested savepoints, a savepoint set again); a
# transaction spilled to its temporary file past its SAVEPOINT is refused,
# exit 1 naming the file, offset and statement. (The rows between SAVEPOINT
# and ROLLBACK TO were written as committed, exit 0: found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d;
CREATE TABLE audit (id INT PRIMARY KEY, v INT) ENGINE=MyISAM;
CREATE TABLE t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW INSERT INTO audit VALUES (NEW.id, NEW.v);
BEGIN;
INSERT INTO t VALUES (3, 3);
SAVEPOINT s;
INSERT INTO t VALUES (4, 4);
ROLLBACK TO SAVEPOINT s;
INSERT INTO t VALUES (5, 5);
COMMIT;
BEGIN;
INSERT INTO t VALUES (10, 10);
SAVEPOINT a;
INSERT INTO t VALUES (11, 11);
SAVEPOINT b;
INSERT INTO t VALUES (12, 12);
ROLLBACK TO b;
INSERT INTO t VALUES (13, 13);
ROLLBACK TO a;
INSERT INTO t VALUES (14, 14);
SAVEPOINT b;
INSERT INTO t VALUES (15, 15);
SAVEPOINT a;
INSERT INTO t VALUES (16, 16);
ROLLBACK TO b;
INSERT INTO t VALUES (17, 17);
COMMIT;"
ids() { mc-cat --to=csv --table="$1" "$T/out" 2>/dev/null | tail -n +2 | cut -d, -f1 | sort -n | tr '\n' ' '; }
srv() { sql "SELECT id FROM $1 ORDER BY id" | tr '\n' ' '; }
expect_eq "the server committed" "$(srv d.t)" "3 5 10 14 17 "
expect_ok "the binlog is read" mc-binlog-tail "$MDB_DIR"/binlog/mysql-bin.000001
expect_eq "the copy of the InnoDB table holds the committed rows" "$(ids d.t)" "$(srv d.t)"
expect_eq "the copy of the MyISAM table holds its rows, none undone" "$(ids d.audit)" "$(srv d.audit)"

# a transaction that spilled after its SAVEPOINT: refused, never written
sql "USE d; CREATE TABLE big (id INT PRIMARY KEY, b LONGBLOB) ENGINE=InnoDB;
BEGIN; INSERT INTO big VALUES (0, 0); SAVEPOINT s; INSERT INTO t VALUES (20, 20);
INSERT INTO big VALUES (1, REPEAT('x', 20000)); ROLLBACK TO s; COMMIT;"
expect_code 1 "a transaction spilled past its SAVEPOINT: exit 1" \
	mc-binlog-tail --txn-memory=4096 "$MDB_DIR"/binlog/mysql-bin.000001
expect_grep "... naming the file, offset and statement" \
	"mysql-bin.000001': offset [0-9]+: 'ROLLBACK TO .s.' in a transaction: the transaction outgrew --txn-memory" "$T/err"
