#!/bin/sh
# Foreign-key cascades (InnoDB ON DELETE CASCADE / SET NULL, ON UPDATE
# CASCADE) change child rows that the binlog never shows, even in ROW
# format: the test checks that fact on the server, and that --precheck lists
# every selected table such a cascade changes (an error), and no other.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE k; USE k;
CREATE TABLE p (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
CREATE TABLE c1 (id INT PRIMARY KEY, pid INT,
  CONSTRAINT fk1 FOREIGN KEY (pid) REFERENCES p(id) ON DELETE CASCADE ON UPDATE CASCADE) ENGINE=InnoDB;
CREATE TABLE c2 (id INT PRIMARY KEY, pid INT,
  CONSTRAINT fk2 FOREIGN KEY (pid) REFERENCES p(id) ON DELETE SET NULL) ENGINE=InnoDB;
CREATE TABLE c3 (id INT PRIMARY KEY, pid INT,
  CONSTRAINT fk3 FOREIGN KEY (pid) REFERENCES p(id) ON DELETE RESTRICT ON UPDATE NO ACTION) ENGINE=InnoDB;
INSERT INTO p VALUES (1,1),(2,2),(3,3);
INSERT INTO c1 VALUES (10,1),(11,2),(12,3);
INSERT INTO c2 VALUES (20,1),(21,2);
FLUSH BINARY LOGS;
DELETE FROM p WHERE id=1;
UPDATE p SET id=30 WHERE id=3;
FLUSH BINARY LOGS;" 2>"$T/err" || { fail "create tables" "$(cat "$T/err")"; exit 1; }

# the fact: the server's tables changed, its binlog holds only the parent's rows
expect_eq "the cascades changed the child tables" "$(sql 'SELECT COUNT(*) FROM k.c1; SELECT pid FROM k.c1 WHERE id=12; SELECT IFNULL(pid,0) FROM k.c2 WHERE id=20' | tr '\n' ' ')" "2 30 0 "
expect_ok "the binlog of those statements decodes" mc-binlog-tail --format=text "$MDB_DIR/binlog/mysql-bin.000002"
expect_grep "... it holds the parent's delete" '^row delete `k`.`p`' "$T/out"
expect_grep "... and the parent's update" '^row update `k`.`p`' "$T/out"
expect_eq "... but no row of the child tables (ROW format)" "$(grep -c '^row .*`k`.`c[12]`' "$T/out")" 0

expect_code 1 "--precheck: cascades block" mc-snapshot $MDB_ARGS --precheck --databases=k
expect_grep "... naming k.c1, its key, the rules and the fix" \
	"^error: table 'k.c1': foreign key 'fk1' to 'k.p' is ON DELETE CASCADE ON UPDATE CASCADE: the changes the cascade makes to 'k.c1' are not in the binlog.*--exclude" "$T/out"
expect_grep "... naming k.c2 (ON DELETE SET NULL)" "^error: table 'k.c2': foreign key 'fk2' to 'k.p' is ON DELETE SET NULL:" "$T/out"
expect_eq "... not k.c3 (RESTRICT, NO ACTION) nor k.p" "$(grep -c "^error: table 'k.\(c3\|p\)'" "$T/out")" 0
expect_grep "... two errors" '^2 errors$' "$T/out"
expect_ok "--precheck without the child tables passes" mc-snapshot $MDB_ARGS --precheck --databases=k --exclude='^k\.c[12]$'
expect_eq "... and lists no cascade" "$(grep -c 'foreign key' "$T/out")" 0
