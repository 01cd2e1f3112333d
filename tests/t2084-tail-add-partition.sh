#!/bin/sh
# Following DDL in the binlog (common/binlog/ddl.c) where it went wrong,
# exit 0, no warning, for a tail whose table maps carry no names
# (MINIMAL):
# - ALTER TABLE ... ADD PARTITION changes no column; PARTITION was taken for
#   the name of a column added, and a tail of binlog files went on with a
#   schema record of a new version whose columns were named @1, @2, ... and
#   whose primary key was lost. Now the schema stays the one its CREATE
#   TABLE gave, in files and live, and the partitioning's other
#   statements (TRUNCATE, REORGANIZE PARTITION) change nothing either.
# - MariaDB's ALTER TABLE t WAIT n / NOWAIT: the clauses after it were not
#   read (a column added was missed: @N names again). Now followed.
# - MariaDB's WAIT 1.5 (a decimal), sql_mode ANSI_QUOTES ("a" a name, not
#   a string), RENAME TABLES and RENAME TABLE IF EXISTS / ... WAIT n TO
#   were not read: the names stayed those before the statement. A table
#   made of a partition (ALTER TABLE ... CONVERT PARTITION p TO TABLE t)
#   has unknown names (@N), not those of an older table of its name.
# - An ALTER's clauses name columns by their names before the statement:
#   RENAME COLUMN a TO b, RENAME COLUMN b TO a swaps them; it was followed
#   one clause after the other (a to b, then that b back to a: nothing
#   changed), and the rows after it were written with each value under
#   the other's name. Now such a statement (a clause naming a name another
#   one gave) is not followed: the names are unknown from there (@N, flag
#   names_by_index, as for any statement not followed), never swapped,
#   and reading files a warning names the table and the statement's place
#   (live, the server's names are looked up at the next map).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start --binlog-row-metadata=MINIMAL
p0=$(sql "SHOW MASTER STATUS" | awk '{print $1 ":" $2}')
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, a INT, b INT)
  PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10));
CREATE TABLE d.w (id INT PRIMARY KEY, a INT);
CREATE TABLE d.s (id INT PRIMARY KEY, a INT, b INT);
INSERT INTO d.t VALUES (1, 10, 20);
ALTER TABLE d.t ADD PARTITION (PARTITION p1 VALUES LESS THAN (20));
INSERT INTO d.t VALUES (12, 30, 40);
ALTER TABLE d.t TRUNCATE PARTITION p0;
ALTER TABLE d.t REORGANIZE PARTITION p1 INTO (PARTITION p1a VALUES LESS THAN (15), PARTITION p1b VALUES LESS THAN (20));
INSERT INTO d.t VALUES (13, 50, 60);
ALTER TABLE d.w WAIT 5 ADD c INT; ALTER TABLE d.w NOWAIT ADD e INT;
INSERT INTO d.w VALUES (1, 2, 3, 4);
ALTER TABLE d.s RENAME COLUMN a TO b, RENAME COLUMN b TO a;
INSERT INTO d.s VALUES (1, 10, 20);
CREATE TABLE d.w2 (id INT PRIMARY KEY, a INT, b INT); ALTER TABLE d.w2 WAIT 1.5 RENAME COLUMN a TO c;
SET SESSION sql_mode = 'ANSI_QUOTES'; CREATE TABLE \"d\".\"aq\" (\"id\" INT PRIMARY KEY, \"a\" INT, \"b\" INT);
ALTER TABLE \"d\".\"aq\" RENAME COLUMN \"a\" TO \"c\"; SET SESSION sql_mode = DEFAULT;
CREATE TABLE d.rt (id INT PRIMARY KEY, a INT, b INT); CREATE TABLE d.rt_new (id INT PRIMARY KEY, b INT, a INT);
RENAME TABLES d.rt TO d.rt_old, d.rt_new TO d.rt;
CREATE TABLE d.src (id INT PRIMARY KEY, b INT, a INT)
  PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (20));
INSERT INTO d.src VALUES (1, 10, 20); ALTER TABLE d.src CONVERT PARTITION p0 TO TABLE d.cp;
INSERT INTO d.w2 VALUES (1, 10, 20); INSERT INTO d.aq VALUES (1, 10, 20); INSERT INTO d.rt VALUES (1, 10, 20);
INSERT INTO d.cp VALUES (2, 30, 40);" || { fail "setup" "sql failed"; exit 1; }
expect_eq "the server swapped d.s's columns" \
	"$(sql "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = 'd' AND TABLE_NAME = 's'")" "id,b,a"
f=${p0%%:*}

# (TRUNCATE and CONVERT PARTITION remove rows with no row events: passed
# with --rows-ddl=pass, each with its warning, tests/t2086)
check() { # WHAT: the text stream in $T/out.txt, $T/err (its warnings apart)
	expect_eq "$1: the warnings of --rows-ddl=pass: TRUNCATE and CONVERT PARTITION" \
		"$(grep -c '^mc-binlog-tail: warning: .* passed (--rows-ddl=pass)' "$T/err")" 2
	grep -v '^mc-binlog-tail: warning: `d`.`s` \|passed (--rows-ddl=pass)' "$T/err" >"$T/err.other"
	expect_eq "$1: no other warning" "$(cat "$T/err.other")" ""
	expect_eq "$1: one schema record of d.t (no new version for the partitions)" \
		"$(grep -c '^schema `d`.`t`' "$T/out.txt")" 1
	expect_grep "$1: ... with its names and key" '^schema `d`.`t` v1 .* key=1$' "$T/out.txt"
	expect_grep "$1: ... column b" '^  col @3 `b` int INT' "$T/out.txt"
	expect_eq "$1: the three rows in version 1" "$(grep -c '^row insert `d`.`t` v1 ' "$T/out.txt")" 3
	expect_grep "$1: d.w after WAIT 5 ADD c, NOWAIT ADD e: its names" '^  col @4 `e` int INT' \
		"$T/out.txt"
}
expect_ok "files: read" sh -c "mc-binlog-tail --format=text --rows-ddl=pass --from='$MDB_DIR/binlog/$p0' \
	'$MDB_DIR/binlog/$f' >'$T/out.txt' 2>'$T/err'"
check files
expect_grep "files: one warning for d.s's swap, not followed, naming the table and position" \
	'^mc-binlog-tail: warning: `d`.`s` at 1:[0-9]+: its column names were known and this statement cannot be followed from them \(docs/mc-binlog-tail.md "Column names"\): they are unknown from here, the columns named @1, @2, \.\.\. \(flag names_by_index\); give a --schema snapshot of the table taken after it$' \
	"$T/err"
expect_eq "... one" "$(grep -c '`d`.`s`' "$T/err")" 1
expect_eq "files: d.s after the swap: no names (not followed), never a and b swapped" \
	"$(sed -n '/^schema `d`.`s`/,/^row/p' "$T/out.txt" | grep -c '`a`\|`b`')" 0
expect_grep "files: ... its schema record says so (names_by_index)" '^schema `d`.`s` v1 .* flags=1 ' \
	"$T/out.txt"
expect_grep "files: d.w2 after WAIT 1.5 RENAME COLUMN a TO c: c" '^  col @2 `c` int INT' "$T/out.txt"
expect_grep "files: d.aq after an ANSI_QUOTES RENAME COLUMN \"a\" TO \"c\": c" \
	"$(printf '^  col @2 `c` int INT')" "$T/out.txt"
sed -n '/^schema `d`.`rt`/,/^row/p' "$T/out.txt" >"$T/rt.txt"
expect_grep "files: d.rt swapped in by RENAME TABLES: its new columns (b before a)" '^  col @2 `b` int INT' \
	"$T/rt.txt"
expect_grep "files: d.cp made of a partition (CONVERT PARTITION ... TO TABLE): names unknown, not guessed" \
	'^schema `d`.`cp` v1 .* flags=1 ' "$T/out.txt"
expect_ok "live: read" sh -c "timeout -k 5 30 mc-binlog-tail $MDB_ARGS \
	--server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 --stop-at-end --format=text \
	--rows-ddl=pass --tables='^d[.]' --start='$p0' >'$T/out.txt' 2>'$T/err'"
check live
expect_eq "live: no other warning (the server's names after it)" "$(cat "$T/err.other")" ""
expect_grep "live: d.s after the swap, from the server: b before a" '^  col @2 `b` int INT' "$T/out.txt"
