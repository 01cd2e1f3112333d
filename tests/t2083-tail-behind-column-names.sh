#!/bin/sh
# A live tail that is behind, MINIMAL table maps (no column names in
# them): the names come from the server's table as it is now, and are in
# force from the row's table map on. Two columns of one type swapped by
# name after the row (CHANGE a a0, CHANGE b a; CHANGE a0 b) passed the
# check of the map's types against the server's, and both rows were
# written with their values under each other's names, exit 0. Now the tail
# reads the server's binlog ahead (SHOW BINLOG EVENTS) when it takes names
# from the server, and a statement after the map that changes the table's
# columns (followed from the server's list with the code that follows DDL
# in the binlog; a CREATE, DROP or RENAME naming the table) stops the tail
# at that map, exit 1, one line naming the binlog file and offset, the
# table, the map's and the statement's positions and the way out; the
# transactions before it are written, nothing of the refused one. A move
# to where the column is now, an ADD ... IF NOT EXISTS of one the table
# has and a DROP ... IF EXISTS of one it has not are taken as changes (the
# list of now may have them done already). Not
# refused: an ALTER that keeps the names (an index, a column's
# attributes), a statement of a same-named table of another database, the
# table not selected, and a tail from after the change (the server's names
# are the rows').
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start --binlog-row-metadata=MINIMAL
sql "CREATE DATABASE d; CREATE DATABASE e;
CREATE TABLE d.sw (id INT PRIMARY KEY, a INT, b INT);
CREATE TABLE d.ix (id INT PRIMARY KEY, a INT, b INT);
CREATE TABLE d.if (id INT PRIMARY KEY, a INT, b INT);
CREATE TABLE d.mv (id INT PRIMARY KEY, a INT, b INT);
CREATE TABLE d.rc (id INT PRIMARY KEY, a INT, b INT);
CREATE TABLE d.gh (id INT PRIMARY KEY, a INT, b INT);
CREATE TABLE d.ot (id INT PRIMARY KEY, a INT, b INT);
CREATE TABLE e.ot (id INT PRIMARY KEY, a INT, b INT);
CREATE TABLE d.da (id INT PRIMARY KEY, a INT, b INT);
CREATE TABLE d.rt (id INT PRIMARY KEY, a INT, b INT); CREATE TABLE d.ri (id INT PRIMARY KEY, a INT, b INT);
CREATE TABLE d.rw (id INT PRIMARY KEY, a INT, b INT); CREATE TABLE d.aq (id INT PRIMARY KEY, a INT, b INT);
CREATE TABLE d.w15 (id INT PRIMARY KEY, a INT, b INT);
CREATE DATABASE e2; CREATE TABLE e2.cp (id INT PRIMARY KEY, a INT, b INT);" || { fail "setup" "sql failed"; exit 1; }
p0=$(sql "SHOW MASTER STATUS" | awk '{print $1 ":" $2}')
sql "INSERT INTO d.ix VALUES (1, 10, 20); INSERT INTO d.sw VALUES (1, 10, 20);
INSERT INTO d.mv VALUES (1, 10, 20); INSERT INTO d.if VALUES (1, 10, 20); INSERT INTO d.rc VALUES (1, 10, 20);
INSERT INTO d.gh VALUES (1, 10, 20); INSERT INTO d.ot VALUES (1, 10, 20);
INSERT INTO d.da VALUES (1, 10, 20); INSERT INTO d.rt VALUES (1, 10, 20); INSERT INTO d.ri VALUES (1, 10, 20);
INSERT INTO d.rw VALUES (1, 10, 20); INSERT INTO d.aq VALUES (1, 10, 20); INSERT INTO d.w15 VALUES (1, 10, 20);
INSERT INTO e2.cp VALUES (1, 10, 20);"
sql "ALTER TABLE d.sw CHANGE a a0 INT, CHANGE b a INT; ALTER TABLE d.sw CHANGE a0 b INT;
ALTER TABLE d.if DROP COLUMN IF EXISTS a, ADD COLUMN IF NOT EXISTS z INT;
USE d; ALTER TABLE ix ADD INDEX (a), MODIFY b INT DEFAULT 0; CREATE INDEX ib ON d.ix (b);
ALTER TABLE d.mv MODIFY a INT AFTER b;
DROP TABLE d.rc; CREATE TABLE d.rc (id INT PRIMARY KEY, b INT, a INT);
CREATE TABLE d.gh_new (id INT PRIMARY KEY, b INT, a INT); RENAME TABLE d.gh TO d.gh_old, d.gh_new TO d.gh;
ALTER TABLE e.ot CHANGE a a0 INT, CHANGE b a INT; ALTER TABLE e.ot CHANGE a0 b INT;
ALTER TABLE ix DROP INDEX IF EXISTS a, ADD INDEX IF NOT EXISTS ia (a);
ALTER TABLE d.da DROP COLUMN a, ADD COLUMN a INT;
CREATE TABLE d.rt_new (id INT PRIMARY KEY, b INT, a INT); RENAME TABLES d.rt TO d.rt_old, d.rt_new TO d.rt;
CREATE TABLE d.ri_new (id INT PRIMARY KEY, b INT, a INT); RENAME TABLE IF EXISTS d.ri TO d.ri_old, d.ri_new TO d.ri;
CREATE TABLE d.rw_new (id INT PRIMARY KEY, b INT, a INT); RENAME TABLE d.rw WAIT 2 TO d.rw_old, d.rw_new TO d.rw;
SET SESSION sql_mode = 'ANSI_QUOTES'; ALTER TABLE \"d\".\"aq\" CHANGE \"a\" \"a0\" INT, CHANGE \"b\" \"a\" INT;
ALTER TABLE \"d\".\"aq\" CHANGE \"a0\" \"b\" INT; SET SESSION sql_mode = DEFAULT;
ALTER TABLE d.w15 WAIT 1.5 RENAME COLUMN a TO c;
DROP DATABASE e2; CREATE DATABASE e2;
CREATE TABLE e2.src (id INT PRIMARY KEY, b INT, a INT)
  PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (20));
INSERT INTO e2.src VALUES (1, 10, 20); ALTER TABLE e2.src CONVERT PARTITION p0 TO TABLE e2.cp;"
p1=$(sql "SHOW MASTER STATUS" | awk '{print $1 ":" $2}')
sql "INSERT INTO d.sw VALUES (2, 30, 40);"
expect_eq "the server's d.sw has its columns swapped by name" \
	"$(sql "SELECT id, a, b FROM d.sw ORDER BY id" | tr '\t\n' ' ')" "1 20 10 2 40 30 "

tail_from() { # POS TABLES: the live tail to the server's end, into $T/out.txt and $T/err
	timeout -k 5 30 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
		--stop-at-end --format=text --tables="$2" --start="$1" >"$T/out.txt" 2>"$T/err"
}
f=${p0%%:*}
# the offset of the first Query event whose text matches ERE $1
stmt_at() { sql "SHOW BINLOG EVENTS IN '$f'" | awk -v re="$1" '$3 == "Query" && $0 ~ re { print $2; exit }'; }
# refused T ERE: tail_from p0 with table d.T (and d.ix first) refused at
# its map for the statement matching ERE
refused() {
	expect_code 1 "from before the change of d.$1: refused" tail_from "$p0" "^d[.](ix|$1)\$"
	expect_grep "... one line naming the file, offset, table, the map's and the statement's positions and the way out" \
		"^mc-binlog-tail: '$f': offset [0-9]+: table \`d\`\.\`$1\`: its column names are in no table map \(binlog_row_metadata=MINIMAL or NO_LOG\) and come from the server's table as it is now, but a statement that may change its columns lies after the table map at offset [0-9]+, at '$f': offset $(stmt_at "$2"): their names when the row was written cannot be known; give a --schema snapshot of the table taken after its last change before here, or load a new snapshot of the table and tail from its position, or set binlog_row_metadata=FULL on the server$" \
		"$T/err"
	expect_eq "... one line" "$(wc -l <"$T/err")" 1
	expect_grep "... the transactions before it written (d.ix)" "^row insert \`d\`\.\`ix\`" "$T/out.txt"
	expect_eq "... nothing of d.$1" "$(grep -c "^row .*\`d\`\.\`$1\`" "$T/out.txt")" 0
	expect_eq "... the last record ends a transaction" \
		"$(grep -v '^ ' "$T/out.txt" | tail -n 1 | cut -d' ' -f1-2)" "mark txn_end"
}
refused sw "CHANGE a a0 INT, CHANGE b a INT"
refused mv "MODIFY a INT AFTER b"
refused if "DROP COLUMN IF EXISTS a"
refused rc "DROP TABLE"
refused gh "RENAME TABLE d.gh TO"
refused da "DROP COLUMN a, ADD COLUMN a INT"
refused rt "RENAME TABLES d.rt"
refused ri "RENAME TABLE IF EXISTS d.ri"
refused rw "RENAME TABLE d.rw WAIT"
refused aq 'ALTER TABLE "d"."aq" CHANGE "a" "a0"'
refused w15 "WAIT 1.5 RENAME COLUMN"
expect_code 1 "from before e2.cp dropped with its database and made of a partition: refused" \
	tail_from "$p0" '^e2[.]cp$'
expect_grep "... naming the CONVERT PARTITION" \
	"^mc-binlog-tail: '$f': offset [0-9]+: table \`e2\`\.\`cp\`: its column names .* lies after the table map at offset [0-9]+, at '$f': offset $(stmt_at "CONVERT PARTITION"): " \
	"$T/err"

expect_ok "from before them, indexes (IF EXISTS, IF NOT EXISTS) and a column's attributes changed (d.ix), e.ot swapped: read" \
	tail_from "$p0" '^d[.](ix|ot)$'
expect_eq "... no warning" "$(cat "$T/err")" ""
expect_eq "... d.ix's row under its names" \
	"$(grep -A3 "^row insert \`d\`\.\`ix\`" "$T/out.txt" | sed -n 's/^  after //p' | tr '\n' ' ')" \
	"@1=1 @2=10 @3=20 "
expect_grep "... d.ix's names (the schema record)" "^  col @3 \`b\` int INT" "$T/out.txt"
expect_grep "... d.ot (another database's ot swapped)" "^  col @2 \`a\` int INT" "$T/out.txt"

expect_ok "from before the swap, d.sw not selected: read" tail_from "$p0" '^d[.]ix$'
expect_eq "... no warning" "$(cat "$T/err")" ""

expect_ok "from after the swap: read" tail_from "$p1" '^d[.]sw$'
expect_eq "... no warning" "$(cat "$T/err")" ""
expect_grep "... the names as the server holds them now (the row's)" "^  col @2 \`b\` int INT" "$T/out.txt"
expect_eq "... the row's values under them: b=30, a=40" \
	"$(sed -n 's/^  after //p' "$T/out.txt" | tr '\n' ' ')" "@1=2 @2=30 @3=40 "

