#!/bin/sh
# Savepoint names outside ASCII (`É`, `é`: one savepoint to the server,
# which compares names in utf8mb3_general_ci): a ROLLBACK TO in such a
# transaction is refused, exit 1, never cut at the wrong mark
# (docs/mc-binlog-tail.md "Savepoints"). (The tail cut at the first `É`
# and lost a committed row, exit 0: found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d;
CREATE TABLE audit (id INT PRIMARY KEY, v INT) ENGINE=MyISAM;
CREATE TABLE x (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
CREATE TRIGGER x_ai AFTER INSERT ON x FOR EACH ROW INSERT INTO audit VALUES (NEW.id, NEW.v);
BEGIN; INSERT INTO x VALUES (1,1); SAVEPOINT \`É\`; INSERT INTO x VALUES (2,2);
SAVEPOINT \`é\`; INSERT INTO x VALUES (3,3); ROLLBACK TO \`É\`; COMMIT;"
srv=$(sql "SELECT id FROM d.x ORDER BY id" | tr '\n' ' ')
expect_eq "the server kept rows 1 and 2 (É and é are one savepoint)" "$srv" "1 2 "
B=$MDB_DIR/binlog
expect_code 1 "the ROLLBACK TO is refused, not guessed" mc-binlog-tail "$B/mysql-bin.000001"
expect_grep "... saying why" "a savepoint's name has a character outside ASCII" "$T/err"
