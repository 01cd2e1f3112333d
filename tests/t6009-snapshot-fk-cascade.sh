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

# a run refuses them too (it was silent: only --precheck said it, found by
# a tester), naming the first, how many, and the ways out; --fk-cascades=pass
# takes them with a warning each; --exclude leaves them out
expect_code 1 "a snapshot of tables a cascade changes: refused" mc-snapshot $MDB_ARGS --databases=k
expect_grep "... one line naming k.c1, the ways out, how many" \
	"^mc-snapshot: table 'k.c1': foreign key 'fk1' to 'k.p' is ON DELETE CASCADE ON UPDATE CASCADE: the changes the cascade makes to 'k.c1' are not in the binlog, .*--exclude.*; or --fk-cascades=pass, to take the table as it is when the cascade never fires \(2 such keys of a selected table: mc-snapshot --precheck lists them\)$" "$T/err"
expect_eq "... one line" "$(wc -l <"$T/err")" 1
expect_eq "... nothing written" "$(wc -c <"$T/out")" 0
expect_ok "--fk-cascades=pass: taken" mc-snapshot $MDB_ARGS --databases=k --fk-cascades=pass
expect_eq "... a warning each" "$(grep -c "^mc-snapshot: warning: table 'k.c[12]': foreign key .*; passed (--fk-cascades=pass)$" "$T/err")" 2
expect_eq "... with the child tables' rows" \
	"$(mc-cat "$T/out" | jq -r 'select(.kind == "row") | .table' | sort | uniq -c | tr -s ' \n' '  ')" \
	" 2 c1 2 c2 2 p "
expect_ok "--exclude the child tables: taken" mc-snapshot $MDB_ARGS --databases=k --exclude='^k\.c[12]$'
expect_eq "... no warning" "$(wc -c <"$T/err")" 0
expect_code 2 "--fk-cascades=other: a usage error" mc-snapshot $MDB_ARGS --databases=k --fk-cascades=yes

# the tail: a CREATE or ALTER TABLE that makes such a key on a selected
# table is refused the same way (--fk-cascades=pass: a warning)
B1=$MDB_DIR/binlog/mysql-bin.000001
expect_code 1 "the tail: CREATE TABLE k.c1 ... ON DELETE CASCADE refused" mc-binlog-tail --format=text "$B1"
expect_grep "... one line naming the table, the statement, the ways out" \
	"^mc-binlog-tail: '[^']*mysql-bin.000001': offset [0-9]+: \`k\`\.\`c1\`: CREATE TABLE c1 .*: a foreign key ON DELETE or UPDATE CASCADE or SET NULL: the changes its cascade makes to the table are not in the binlog, .*--tables.*--fk-cascades=pass when the cascade never fires" "$T/err"
expect_ok "... not selected: taken" mc-binlog-tail --format=text --tables='^k\.(p|c3)$' "$B1"
expect_ok "... --fk-cascades=pass: taken" mc-binlog-tail --format=text --fk-cascades=pass "$B1"
expect_eq "... a warning for c1 and c2" "$(grep -c '^mc-binlog-tail: warning: `k`\.`c[12]` at 1:[0-9]*: CREATE TABLE .*passed (--fk-cascades=pass)' "$T/err")" 2
a=$(mdb_pos)
sql "CREATE TABLE k.c4 (id INT PRIMARY KEY, pid INT, t TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP);
ALTER TABLE k.c4 ADD CONSTRAINT fk4 FOREIGN KEY (pid) REFERENCES k.p (id) ON UPDATE SET NULL" ||
	{ fail "setup" "sql"; exit 1; }
B3=$(ls "$MDB_DIR"/binlog/mysql-bin.[0-9]* | tail -1)
expect_code 1 "... ALTER TABLE ADD FOREIGN KEY ... ON UPDATE SET NULL refused" \
	mc-binlog-tail --format=text --from="$B3:$a" "$B3"
expect_grep "... the ALTER, not the CREATE (ON UPDATE CURRENT_TIMESTAMP)" "\`k\`\.\`c4\`: ALTER TABLE k.c4 ADD CONSTRAINT fk4" "$T/err"
a=$(mdb_pos)
sql "CREATE TABLE k.c5 (id INT PRIMARY KEY, pid INT REFERENCES k.p (id) ON DELETE CASCADE) ENGINE=MyISAM" ||
	{ fail "setup" "sql"; exit 1; }
expect_ok "... a MyISAM table, whose engine ignores foreign keys: taken (a second tester)" \
	mc-binlog-tail --format=text --from="$B3:$a" "$B3"
