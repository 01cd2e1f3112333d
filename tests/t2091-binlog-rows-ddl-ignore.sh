#!/bin/sh
# Two more ALTERs that remove rows with no row events (tests/t2086, found
# by a tester): ALTER IGNORE TABLE ... ADD UNIQUE (or PRIMARY KEY), where
# the server drops the rows whose key repeats (also written ALTER
# /*!50500 IGNORE */ TABLE), and ALTER TABLE ... ENGINE=BLACKHOLE, after
# which the table holds no row. They were plain alter records, and the
# merge kept the rows, exit 0. Now refused as the others (exit 1, the way
# out), and passed with --rows-ddl=pass; an engine that keeps the rows
# passes silently. Then (a second tester): any other ALTER IGNORE that
# copies the table drops rows too, with no warning (a unique column's
# collation made case-insensitive dropped 'A' beside 'a'), and REORGANIZE
# PARTITION of LIST partitions drops the rows of values the new lists
# leave out: both are refused now; a REORGANIZE of RANGE partitions,
# which must keep their range, passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
f=mysql-bin.000001
B=$MDB_DIR/binlog/$f
sql "CREATE DATABASE d; CREATE TABLE d.ig (id INT PRIMARY KEY, v INT); CREATE TABLE d.ig2 LIKE d.ig;
CREATE TABLE d.bh (id INT PRIMARY KEY, v INT);
INSERT INTO d.ig VALUES (1, 1), (2, 1), (3, 2); INSERT INTO d.ig2 SELECT * FROM d.ig;
INSERT INTO d.bh VALUES (1, 1)" || { fail "setup" "sql"; exit 1; }
bh=0
sql "INSTALL SONAME 'ha_blackhole'" >/dev/null 2>&1 || true
[ "$(sql "SELECT COUNT(*) FROM information_schema.ENGINES WHERE ENGINE = 'BLACKHOLE' AND SUPPORT IN ('YES', 'DEFAULT')")" = 1 ] && bh=1
one() { # CODE SQL ...: the statement alone, read from the files
	a=$(mdb_pos)
	sql "$2" || { fail "setup" "sql: $2"; exit 1; }
	b=$(mdb_pos)
	expect_code "$1" "$2" mc-binlog-tail --format=text --from="$B:$a" --stop-position="$b" "$B"
}
one 1 "ALTER IGNORE TABLE d.ig ADD UNIQUE (v)"
expect_grep "... naming the table, the statement and the way out" \
	"offset [0-9]+: \`d\`\.\`ig\`: ALTER IGNORE TABLE d\.ig ADD UNIQUE \(v\) \(ALTER IGNORE \.\.\. UNIQUE\) removes or replaces rows with no row events.*--rows-ddl=pass$" "$T/err"
expect_eq "... which the server did: row 2 is gone" "$(sql "SELECT GROUP_CONCAT(id ORDER BY id) FROM d.ig")" "1,3"
one 1 "ALTER /*!50500 IGNORE */ TABLE d.ig2 ADD PRIMARY KEY (id, v), DROP PRIMARY KEY"
sql "CREATE TABLE d.ci (id INT PRIMARY KEY, u VARCHAR(5) COLLATE utf8mb4_bin UNIQUE);
INSERT INTO d.ci VALUES (1, 'a'), (2, 'A');
CREATE TABLE d.pl (id INT PRIMARY KEY) PARTITION BY LIST (id) (PARTITION p0 VALUES IN (1, 2), PARTITION p1 VALUES IN (3));
INSERT INTO d.pl VALUES (1), (2), (3);
CREATE TABLE d.pr (id INT PRIMARY KEY) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN MAXVALUE);
INSERT INTO d.pr VALUES (1), (5), (20)" || { fail "setup" "sql"; exit 1; }
one 1 "ALTER IGNORE TABLE d.ci MODIFY u VARCHAR(5) COLLATE utf8mb4_general_ci"
expect_grep "... any ALTER IGNORE" "\`d\`\.\`ci\`: ALTER IGNORE TABLE d\.ci MODIFY .* \(ALTER IGNORE\) removes or replaces rows" "$T/err"
expect_eq "... which the server did: 'A' is gone" "$(sql "SELECT GROUP_CONCAT(id ORDER BY id) FROM d.ci")" "1"
one 1 "ALTER IGNORE TABLE d.ig ADD INDEX iv2 (v)"
one 1 "ALTER TABLE d.pl REORGANIZE PARTITION p0 INTO (PARTITION p0 VALUES IN (1))"
expect_grep "... REORGANIZE of LIST partitions" "\`d\`\.\`pl\`: .* \(REORGANIZE PARTITION \.\.\. VALUES IN\) removes or replaces rows" "$T/err"
expect_eq "... which the server did: row 2 is gone" "$(sql "SELECT GROUP_CONCAT(id ORDER BY id) FROM d.pl")" "1,3"
one 0 "ALTER TABLE d.pr REORGANIZE PARTITION p0 INTO (PARTITION p0a VALUES LESS THAN (3), PARTITION p0b VALUES LESS THAN (10))"
expect_eq "... a REORGANIZE of RANGE partitions kept every row" "$(sql "SELECT GROUP_CONCAT(id ORDER BY id) FROM d.pr")" "1,5,20"
one 0 "ALTER TABLE d.bh ENGINE=InnoDB"
if [ $bh = 1 ]; then
	one 1 "ALTER TABLE d.bh ENGINE = BLACKHOLE"
	expect_grep "... ENGINE=BLACKHOLE" "\`d\`\.\`bh\`: ALTER TABLE d\.bh ENGINE = BLACKHOLE \(ENGINE=BLACKHOLE\) removes" "$T/err"
	expect_code 0 "... passed with --rows-ddl=pass" mc-binlog-tail --format=text --rows-ddl=pass \
		--from="$B:$a" --stop-position="$b" "$B"
else
	echo "# no BLACKHOLE engine in this MariaDB: ENGINE=BLACKHOLE not tried"
fi
