#!/bin/sh
# A live tail that is behind, MINIMAL table maps (no labels in them): the
# ENUM/SET labels come from the server's table as it is now. After ALTER
# TABLE ... CONVERT TO CHARACTER SET the server keeps a label's bytes and
# reads them in the new charset: latin1 'é' (E9) becomes cp1251 'й'. A
# row written before the conversion was written as 'й', exit 0. Now the
# tail reads the server's binlog ahead (SHOW BINLOG EVENTS) when it takes
# labels from the server: an ALTER of the table that may change its
# charsets after the row's table map stops the tail at that map, exit 1,
# one line naming the binlog file and offset, the table, the column, the
# map's and the ALTER's positions and the way out; the transactions before
# it are written, nothing of the refused one. Not refused: the rows after
# the conversion (the labels the server has now are theirs), a table not
# converted, labels that are ASCII (the same text in both charsets), and
# the converted table not selected. The same for ASCII labels an ALTER
# TABLE ... MODIFY redefines after the row ('a','b' to 'b','a': the row's
# index 2 was written as 'a'), and for a table dropped and created again
# with other labels.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start --binlog-row-metadata=MINIMAL
sql "CREATE DATABASE d CHARACTER SET utf8mb4;
CREATE TABLE d.cv (id INT PRIMARY KEY, e ENUM('é','b'), s SET('b','ü')) CHARSET latin1;
CREATE TABLE d.ok (id INT PRIMARY KEY, e ENUM('é','b')) CHARSET latin1;
CREATE TABLE d.as (id INT PRIMARY KEY, e ENUM('a','b')) CHARSET latin1;
CREATE TABLE d.md (id INT PRIMARY KEY, e ENUM('a','b')) CHARSET latin1;
CREATE TABLE d.rc (id INT PRIMARY KEY, e ENUM('a','b')) CHARSET latin1;" ||
	{ fail "setup" "sql failed"; exit 1; }
p0=$(sql "SHOW MASTER STATUS" | awk '{print $1 ":" $2}')
sql "INSERT INTO d.ok VALUES (1, 'é'); INSERT INTO d.as VALUES (1, 'a');
INSERT INTO d.cv VALUES (1, 'é', 'b,ü'); INSERT INTO d.ok VALUES (2, 'b'); INSERT INTO d.md VALUES (1, 'b');
INSERT INTO d.rc VALUES (1, 'b');"
alter=$(sql "SHOW MASTER STATUS" | awk '{print $2}')
# sql_mode '': the server makes a value it cannot convert ''
sql "SET SESSION sql_mode=''; ALTER TABLE d.cv CONVERT TO CHARACTER SET cp1251; ALTER TABLE d.as CONVERT TO CHARACTER SET utf8mb4;
ALTER TABLE d.md MODIFY e ENUM('b','a');
DROP TABLE d.rc; CREATE TABLE d.rc (id INT PRIMARY KEY, e ENUM('b','a')) CHARSET latin1;"
p1=$(sql "SHOW MASTER STATUS" | awk '{print $1 ":" $2}')
sql "INSERT INTO d.cv VALUES (2, 'й', 'b');"
expect_eq "the server reads the label's byte in cp1251 now" \
	"$(sql "SELECT CONCAT(HEX(e), ' ', e) FROM d.cv WHERE id = 2")" "E9 й"

tail_from() { # POS TABLES: the live tail to the server's end, into $T/out.txt and $T/err
	timeout -k 5 30 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
		--stop-at-end --format=text --tables="$2" --start="$1" >"$T/out.txt" 2>"$T/err"
}

expect_code 1 "from before the conversion: refused" tail_from "$p0" '^d[.]'
f=${p0%%:*}
# the ALTER's Query event (after its GTID event)
alter=$(sql "SHOW BINLOG EVENTS IN '$f' FROM $alter" | awk '$3 == "Query" { print $2; exit }')
expect_grep "... one line naming the file, offset, table, column, the map's and the ALTER's positions and the way out" \
	"^mc-binlog-tail: '$f': offset [0-9]+: table \`d\`\.\`cv\`: column 2 \(e\): its ENUM/SET labels are in no table map \(binlog_row_metadata=MINIMAL or NO_LOG\) and come from the server's table as it is now, but a statement that may change its charsets lies after the table map at offset [0-9]+, at '$f': offset $alter \(an ALTER TABLE \.\.\. CONVERT TO CHARACTER SET keeps the bytes of ENUM and SET labels and reads them in the new charset\): their text when the row was written cannot be known; give a --schema snapshot of the table taken after its last change before here, or load a new snapshot of the table and tail from its position, or set binlog_row_metadata=FULL on the server$" \
	"$T/err"
expect_eq "... one line" "$(wc -l <"$T/err")" 1
expect_grep "... the transactions before it written (d.ok's label as it was)" "^  after @2='é'$" "$T/out.txt"
expect_grep "... d.as (ASCII labels) written" "^row insert \`d\`\.\`as\`" "$T/out.txt"
expect_eq "... nothing of the refused transaction or after it" \
	"$(grep -c "^row .*\`d\`\.\`cv\`\|^  after @1=2$" "$T/out.txt")" 0
expect_eq "... the last record ends a transaction" "$(grep -v '^ ' "$T/out.txt" | tail -n 1 | cut -d' ' -f1-2)" "mark txn_end"

expect_code 1 "from before a MODIFY of the ENUM: refused" tail_from "$p0" '^d[.](ok|as|md)$'
modify=$(sql "SHOW BINLOG EVENTS IN '$f'" | awk '$3 == "Query" && /MODIFY/ { print $2; exit }')
expect_grep "... one line naming the table, column, the map's and the ALTER's positions and the way out" \
	"^mc-binlog-tail: '$f': offset [0-9]+: table \`d\`\.\`md\`: column 2 \(e\): its ENUM/SET labels are in no table map \(binlog_row_metadata=MINIMAL or NO_LOG\) and come from the server's table as it is now, but a statement that may redefine its ENUM or SET columns lies after the table map at offset [0-9]+, at '$f': offset $modify: their text when the row was written cannot be known; give a --schema snapshot of the table taken after its last change before here, or load a new snapshot of the table and tail from its position, or set binlog_row_metadata=FULL on the server$" \
	"$T/err"
expect_eq "... nothing of d.md written" "$(grep -c "^row .*\`d\`\.\`md\`" "$T/out.txt")" 0
expect_grep "... the transactions before it written" "^  after @2='b'$" "$T/out.txt"

expect_code 1 "from before a table made again: refused" tail_from "$p0" '^d[.]rc$'
create=$(sql "SHOW BINLOG EVENTS IN '$f'" | awk '$3 == "Query" && /CREATE TABLE d.rc .*b.,.a/ { print $2; exit }')
expect_grep "... naming the CREATE's position" \
	"^mc-binlog-tail: '$f': offset [0-9]+: table \`d\`\.\`rc\`: column 2 \(e\): .* but a statement that may redefine its ENUM or SET columns lies after the table map at offset [0-9]+, at '$f': offset $create: " \
	"$T/err"
expect_eq "... nothing of d.rc written" "$(grep -c "^row " "$T/out.txt")" 0

expect_ok "from before the conversion, d.cv not selected: read" tail_from "$p0" '^d[.](ok|as)$'
expect_eq "... no warning" "$(cat "$T/err")" ""
expect_grep "... d.ok's label as it was" "^  after @2='é'$" "$T/out.txt"

expect_ok "from after the conversion: read" tail_from "$p1" '^d[.]'
expect_eq "... no warning" "$(cat "$T/err")" ""
expect_grep "... the labels as the server holds them now, which the row's map agrees with" \
	"^  col @2 \`e\` enum\('й','b'\)" "$T/out.txt"
expect_grep "... the row's value" "^  after @2='й'$" "$T/out.txt"
