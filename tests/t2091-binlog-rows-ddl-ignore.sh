#!/bin/sh
# Two more ALTERs that remove rows with no row events (tests/t2086, found
# by a tester): ALTER IGNORE TABLE ... ADD UNIQUE (or PRIMARY KEY), where
# the server drops the rows whose key repeats (also written ALTER
# /*!50500 IGNORE */ TABLE), and ALTER TABLE ... ENGINE=BLACKHOLE, after
# which the table holds no row. They were plain alter records, and the
# merge kept the rows, exit 0. Now refused as the others (exit 1, the way
# out), and passed with --rows-ddl=pass; an ALTER IGNORE of no key and an
# engine that keeps the rows pass silently.
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
one 0 "ALTER IGNORE TABLE d.ig ADD INDEX iv2 (v)"
one 0 "ALTER TABLE d.bh ENGINE=InnoDB"
if [ $bh = 1 ]; then
	one 1 "ALTER TABLE d.bh ENGINE = BLACKHOLE"
	expect_grep "... ENGINE=BLACKHOLE" "\`d\`\.\`bh\`: ALTER TABLE d\.bh ENGINE = BLACKHOLE \(ENGINE=BLACKHOLE\) removes" "$T/err"
	expect_code 0 "... passed with --rows-ddl=pass" mc-binlog-tail --format=text --rows-ddl=pass \
		--from="$B:$a" --stop-position="$b" "$B"
else
	echo "# no BLACKHOLE engine in this MariaDB: ENGINE=BLACKHOLE not tried"
fi
