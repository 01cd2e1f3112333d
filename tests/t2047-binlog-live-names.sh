#!/bin/sh
# mc-binlog-tail live with binlog_row_metadata=NO_LOG and MINIMAL (table
# maps without column names): --column-names=server (the live default)
# takes names, UNSIGNED, charsets and the primary key from
# information_schema, then follows DDL from there; the stream equals what
# FULL metadata gives for the same changes (positions and times aside).
# A table the server has changed since the table map: a warning and @N
# names, but where ENUM/SET labels are then not known (NO_LOG maps carry
# none) the tail stops at the map, exit 1, one line naming the table,
# column, position and the way out (it wrote the values as index numbers
# with the same warning, exit 0); --column-names=binlog: @N names, and a
# table with ENUM/SET columns whose labels are not known so is refused
# (its values were index numbers, no warning). A table dropped and made
# again after its map: its names from the server refused (tests/t2083).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

expect_code 2 "--column-names=server without a server" mc-binlog-tail --column-names=server x.000001
expect_code 2 "bad --column-names" mc-binlog-tail --column-names=maybe x.000001

mdb_start --binlog-row-metadata=NO_LOG
SETUP="CREATE DATABASE d CHARACTER SET utf8mb4;
CREATE TABLE d.t (id INT UNSIGNED NOT NULL PRIMARY KEY, v VARCHAR(20), c CHAR(3) CHARACTER SET latin1,
  n DECIMAL(10,2), dt DATETIME(3), ts TIMESTAMP(6) NULL, b BLOB, tx TEXT, j JSON, bi BIGINT UNSIGNED,
  vb VARBINARY(8), f DOUBLE, y YEAR, bt BIT(5), ti TINYINT, e ENUM('x','it''s, (a) ü'), st SET('a','b''c'));
CREATE TABLE d.k (a INT NOT NULL, s VARCHAR(5) NOT NULL, x SMALLINT UNSIGNED, PRIMARY KEY (s, a));
CREATE TABLE d.nopk (a INT, s TEXT);"
CHANGES1="INSERT INTO d.t VALUES (1, 'été', 'abc', 12.5, '2020-01-02 03:04:05.678',
  '2021-02-03 04:05:06.123456', x'00ff', 'text ü', '{\"a\": [1, 2]}', 18446744073709551615,
  x'0102', 1.5, 2024, b'10101', -5, 'it''s, (a) ü', 'a,b''c');
INSERT INTO d.t (id, v) VALUES (4294967295, 'max');
BEGIN; INSERT INTO d.k VALUES (1, 'a', 65535), (2, 'b', 0); UPDATE d.k SET s = 'c' WHERE a = 2; COMMIT;
INSERT INTO d.nopk VALUES (1, 'x'), (NULL, NULL);
UPDATE d.t SET v = 'changed', bi = 1 WHERE id = 1;
DELETE FROM d.nopk WHERE a = 1;"
ALTER="ALTER TABLE d.t ADD COLUMN z INT AFTER v; ALTER TABLE d.nopk ADD COLUMN w INT"
CHANGES2="UPDATE d.t SET z = 7 WHERE id = 1; DELETE FROM d.t WHERE id = 4294967295;
INSERT INTO d.k VALUES (9, 'end', 9);"

binlog_now() { sql "SHOW MASTER STATUS" | awk '{print $1 ":" $2}'; }
# positions and times differ between the runs; so does the DDL that the
# runs start with
norm() { sed -E 's/ [0-9]+:[0-9]+:[0-9]+ / P /; s/time=[0-9]+/time=T/; s/label=[^ ]*/label=L/' "$1" |
	grep -v '^mark'; }

# following the server, so that each table map is looked up while the
# server's table is still as the map says (information_schema shows the
# table as it is now)
live_run() { # MODE: the changes written with binlog_row_metadata=MODE, tailed live
	sql "SET GLOBAL binlog_row_metadata = $1; FLUSH BINARY LOGS; DROP DATABASE IF EXISTS d; $SETUP"
	_p=$(binlog_now)
	mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 --format=text \
		--start="$_p" >"$T/$1.txt" 2>"$T/$1.err" &
	_pid=$!
	sql "$CHANGES1"
	wait_for "^row delete \`d\`.\`nopk\`" "$T/$1.txt" 200
	sql "$ALTER; $CHANGES2"
	wait_for "^  after @3=9$" "$T/$1.txt" 200
	kill -TERM $_pid
	wait $_pid
	expect_eq "$1: the tail exits 0" "$?" 0
	expect_eq "$1: no warning" "$(cat "$T/$1.err")" ""
	expect_grep "$1: names from information_schema" '^  col @1 `id` int unsigned' "$T/$1.txt"
	expect_grep "$1: composite key from information_schema" '^schema `d`.`k` .* key=2,1' "$T/$1.txt"
	expect_grep "$1: the column the ALTER adds, by DDL tracking" '^  col @3 `z` int ' "$T/$1.txt"
	live_pos=$_p
}
live_run NO_LOG
p_nolog=$live_pos
live_run MINIMAL
n_min=$(echo "$live_pos" | sed 's/.*\.0*\([0-9]*\):.*/\1/')

# the same with FULL metadata, from the binlog files
sql "SET GLOBAL binlog_row_metadata = FULL; FLUSH BINARY LOGS; DROP DATABASE d; $SETUP"
p2=$(binlog_now)
sql "$CHANGES1; $ALTER; $CHANGES2"
f2=${p2%%:*}
mc-binlog-tail --format=text --from="$MDB_DIR/binlog/$p2" "$MDB_DIR/binlog/$f2" >"$T/full.txt" 2>"$T/full.err"
expect_grep "FULL: names in the map" '^  col @1 `id` int unsigned' "$T/full.txt"
norm "$T/full.txt" >"$T/full.norm"
for m in NO_LOG MINIMAL; do
	norm "$T/$m.txt" >"$T/$m.norm"
	expect_same "$m + information_schema = FULL" "$T/$m.norm" "$T/full.norm"
done

# The server's d.t now has z: the NO_LOG table maps of d.t from before the
# ALTER do not match it, and carry no ENUM/SET labels, which neither DDL
# (the CREATE TABLE lies before the start) nor the server can give: the
# tail stops at the first of them, before any record of it.
f1=${p_nolog%%:*}
late() { # [OPTION...]: tail from the NO_LOG part to the end, into $T/late.txt and $T/late.err
	timeout -k 5 30 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 2)) --heartbeat=0 \
		--format=text --stop-at-end --start="$p_nolog" "$@" >"$T/late.txt" 2>"$T/late.err"
}
expect_code 1 "changed since, ENUM/SET labels not known: refused" late
expect_grep "... one line naming the file, offset, table, column, why and the way out" \
	"^mc-binlog-tail: '$f1': offset [0-9]+: table \`d\`\.\`t\`: column 16: its ENUM/SET labels cannot be known exactly: the table map carries none \(binlog_row_metadata=NO_LOG or MINIMAL\), neither --schema nor the DDL followed gives them, and information_schema does not describe the table map \(18 columns on the server, 17 in the table map: the table changed since\); give a --schema snapshot of the table taken after its last change before here, or load a new snapshot of the table and tail from its position, or set binlog_row_metadata=FULL on the server$" \
	"$T/late.err"
expect_eq "... one line, no warning" "$(wc -l <"$T/late.err")" 1
expect_eq "... nothing written of the refused transaction (d.t's map is the first)" \
	"$(grep -c '^row \|^schema ' "$T/late.txt")" 0
# The tables without ENUM/SET: d.nopk changed since too (w): a warning,
# @N names until its ALTER. d.k has the names of its map on the server,
# but was dropped and made again after it (the MINIMAL part's DROP
# DATABASE and CREATE TABLE): what it was named at its map cannot be known
# (tests/t2083), so the tail stops at its map.
expect_code 0 "changed since, no ENUM/SET: read" late --tables='^d[.]nopk$'
expect_grep "... one warning naming the table and why" \
	'^mc-binlog-tail: warning: `d`.`nopk` at [0-9]+:[0-9]+: information_schema does not describe the table map \(3 columns on the server, 2 in the table map\); its columns are named by index$' \
	"$T/late.err"
expect_eq "... one warning (the NO_LOG map of d.nopk; the MINIMAL one known from DDL)" \
	"$(wc -l <"$T/late.err")" 1
expect_grep "... @N names before the ALTER" '^  col @1 `@1` int' "$T/late.txt"
expect_code 1 "d.k, made again after its map: the server's names refused" late --tables='^d[.]k$'
expect_grep "... naming the table and why" \
	"^mc-binlog-tail: '$f1': offset [0-9]+: table \`d\`\.\`k\`: its column names are in no table map \(binlog_row_metadata=MINIMAL or NO_LOG\) and come from the server's table as it is now, but a statement that may change its columns lies after the table map at offset [0-9]+, at 'mysql-bin\.[0-9]+': offset [0-9]+: " \
	"$T/late.err"
# From the MINIMAL part's binlog on: its CREATE TABLE gives names and the
# ENUM/SET labels of d.t's maps before the ALTER (no lookup, no warning;
# the labels were numbers before, with a warning)
f_min=$(printf 'mysql-bin.%06d' "$n_min")
timeout -k 5 30 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 2)) --heartbeat=0 --format=text \
	--stop-at-end --start="$f_min:4" >"$T/late.txt" 2>"$T/late.err"
expect_eq "MINIMAL part: exit 0" "$?" 0
expect_eq "MINIMAL part: no warning" "$(cat "$T/late.err")" ""
# the MINIMAL part's records (those at its binlog's positions)
sed -n "/ $n_min:[0-9]*:[0-9]* /,/ $((n_min + 1)):[0-9]*:[0-9]* /p" "$T/late.txt" >"$T/late.min"
expect_grep "MINIMAL part: the ENUM labels of the MINIMAL map from its CREATE TABLE" \
	"^  col @16 \`e\` enum\\('x','it''s, \\(a\\) ü'\\)" "$T/late.min"
expect_grep "MINIMAL part: ... its value as the label" "^  after @16='it's, \\(a\\) ü'$" "$T/late.min"
expect_grep "MINIMAL part: ... and a SET's" "^  after @17='a,b'c'$" "$T/late.min"
expect_grep "MINIMAL part: the map after the ALTER has names" '^  col @3 `z` int' "$T/late.min"

# --column-names=binlog: no lookup; ENUM/SET labels not known so refused
late_bin() { late --column-names=binlog "$@"; }
expect_code 1 "--column-names=binlog, ENUM/SET labels not known: refused" late_bin
expect_grep "... one line naming the file, offset, table, column and the way out" \
	"^mc-binlog-tail: '$f1': offset [0-9]+: table \`d\`\.\`t\`: column 16: .*: its ENUM/SET labels cannot be known exactly \(the table map carries none: binlog_row_metadata=NO_LOG or MINIMAL\), and --column-names=binlog does not read them from the server; tail with --column-names=server \(the default live\), or give a --schema snapshot of the table taken after its last change before here, or set binlog_row_metadata=FULL on the server$" \
	"$T/late.err"
expect_eq "... nothing written" "$(grep -c '^row \|^schema ' "$T/late.txt")" 0
# (d.k's SMALLINT UNSIGNED 65535: whether it is UNSIGNED is in neither the
# NO_LOG map nor what is known: refused, never written as -1; t2102)
expect_code 1 "--column-names=binlog, tables without ENUM/SET: a sign not known refused" \
	late_bin --tables='^d[.](k|nopk)$'
expect_grep "... naming the column" "table .d.\..k.: column 3: an integer with its top bit set" "$T/late.err"
expect_grep "--column-names=binlog: @N names" '^  col @2 `@2` varchar' "$T/late.txt"
expect_grep "--column-names=binlog: no names after the ALTER either" '^  col @3 `@3` smallint' "$T/late.txt"
