#!/bin/sh
# ADD COLUMN defaults and column renames in one statement, merged across
# the ALTER (docs/merge.md "Schema changes"): a throwaway MariaDB, a
# snapshot, then ALTERs whose DEFAULT the server stores otherwise than it is
# written (a YEAR '0' is 2000, 5 is 2005; 'a' 'b' is one literal 'ab'; CHAR
# drops trailing spaces; -0 and TIME '-00:00:00' are 0) and a swap of two column names in one
# statement (RENAME COLUMN v TO w, RENAME COLUMN w TO v: each clause names
# the columns as they were before it; also after MariaDB's WAIT n, which
# hid the clauses: the merge refused "its statements do not add it"), merged by mc-merge --ds (and its
# --emit-sql run in sqlite3): the day's partition equals the server. The
# defaults whose stored value mcsync does not compute exactly (an ENUM label
# in other case, SET members out of order, a number into a string column in
# another form than MySQL writes it, AUTO_INCREMENT, a string longer than
# what mcsync keeps of it, FLOAT(M,D) rounding, a backslash, which is an
# escape or not by the statement's sql_mode NO_BACKSLASH_ESCAPES, which the
# ddl record does not carry) stop the merge and
# --emit-sql with exit 1 naming the column, as does the swap when the
# rules' rename_column: ignore dropped its statement, and a MODIFY of a FLOAT
# into DOUBLE(M,D) (rounded, or not, by how the server altered the table).
# Before, each of these merged
# with exit 0 and other values than the server's in the older rows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
need sqlite3

mdb_start
long=$(printf 'x%.0s' $(seq 300))
ex="ok sw rot ws"
refs="en st num exp lz ai long fl bs"
{
	echo "CREATE DATABASE d;"
	echo "CREATE TABLE d.md (id INT PRIMARY KEY, f FLOAT); INSERT INTO d.md VALUES (1, 0.123);"
	echo "CREATE TABLE d.ig (id INT PRIMARY KEY, v INT, w INT); INSERT INTO d.ig VALUES (1, 1, 2);"
	for t in $ex $refs; do
		echo "CREATE TABLE d.$t (id INT PRIMARY KEY, v INT DEFAULT 1, w INT DEFAULT 2, x INT DEFAULT 3);"
		echo "INSERT INTO d.$t (id) VALUES (1), (2); INSERT INTO d.$t VALUES (3, 30, 31, 32);"
	done
} >"$T/setup.sql"
sql "$(cat "$T/setup.sql")" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "ALTER TABLE d.ok ADD COLUMN y0 YEAR DEFAULT '0', ADD COLUMN y5 YEAR DEFAULT 5, ADD COLUMN y00 YEAR DEFAULT '0000',
       ADD COLUMN y70 YEAR NOT NULL DEFAULT '70', ADD COLUMN cat VARCHAR(10) DEFAULT 'a' 'b' 'c',
       ADD COLUMN ch CHAR(5) DEFAULT 'a  ', ADD COLUMN en ENUM('a','b') DEFAULT 'b', ADD COLUMN st SET('a','b','c') DEFAULT 'a,c',
       ADD COLUMN dz DECIMAL(5,2) DEFAULT -0, ADD COLUMN fz DOUBLE DEFAULT -0, ADD COLUMN sn VARCHAR(10) DEFAULT 1.50,
       ADD COLUMN fl FLOAT(7,2) DEFAULT 3, ADD COLUMN tz TIME(2) DEFAULT '-00:00:00.0';
     INSERT INTO d.ok (id) VALUES (4); UPDATE d.ok SET v = 10 WHERE id = 3;
     ALTER TABLE d.sw RENAME COLUMN v TO w, RENAME COLUMN w TO v; INSERT INTO d.sw VALUES (4, 40, 41, 42);
     ALTER TABLE d.ws WAIT 5 RENAME COLUMN v TO w, RENAME COLUMN w TO v; INSERT INTO d.ws VALUES (4, 40, 41, 42);
     UPDATE d.sw SET v = 11 WHERE id = 1;
     ALTER TABLE d.rot CHANGE v w INT, CHANGE w x INT, CHANGE x v INT, ADD COLUMN n INT DEFAULT 5;
     INSERT INTO d.rot VALUES (4, 40, 41, 42, 43);
     ALTER TABLE d.en ADD COLUMN c ENUM('a','b') DEFAULT 'B'; INSERT INTO d.en (id) VALUES (4);
     ALTER TABLE d.st ADD COLUMN c SET('a','b') DEFAULT 'b,a'; INSERT INTO d.st (id) VALUES (4);
     ALTER TABLE d.num ADD COLUMN c VARCHAR(10) DEFAULT .5; INSERT INTO d.num (id) VALUES (4);
     ALTER TABLE d.exp ADD COLUMN c VARCHAR(10) DEFAULT 1e2; INSERT INTO d.exp (id) VALUES (4);
     ALTER TABLE d.lz ADD COLUMN c VARCHAR(10) DEFAULT 007; INSERT INTO d.lz (id) VALUES (4);
     ALTER TABLE d.ai ADD COLUMN c INT NOT NULL AUTO_INCREMENT UNIQUE; INSERT INTO d.ai (id) VALUES (4);
     ALTER TABLE d.long ADD COLUMN c VARCHAR(400) DEFAULT '$long'; INSERT INTO d.long (id) VALUES (4);
     ALTER TABLE d.fl ADD COLUMN c FLOAT(7,2) DEFAULT 1.005; INSERT INTO d.fl (id) VALUES (4);
     ALTER TABLE d.ig RENAME COLUMN v TO w, RENAME COLUMN w TO v; INSERT INTO d.ig VALUES (2, 20, 21);
     ALTER TABLE d.md MODIFY f DOUBLE(10,2); INSERT INTO d.md VALUES (2, 0.5);
     SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES');
     ALTER TABLE d.bs ADD COLUMN c VARCHAR(10) DEFAULT 'a\\b'; INSERT INTO d.bs (id) VALUES (4);
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/now.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/changes.mcr"
# the snapshot on 2025-11-20, the changes on 2025-11-21, a heartbeat at
# their last position on 2025-11-22 (the end of day 21)
W=$T/w
load_two_days "$W"
D=20251121
H=$BIN/tools/mchist

load_db() { # TABLE DB
	{ "$H" createh "d__$1" "$W/d__$1/_schemahist.mcr" &&
		"$H" loadh "d__$1" "$W/d__$1/_schemahist.mcr" ds=20251120 base "$W/d__$1/ds=20251120"/part-*.mcr.zst &&
		"$H" loadh "d__$1" "$W/d__$1/_schemahist.mcr" log log "$W/d__$1_log"/ds=*/part-*.mcr.zst; } >"$T/load.sql" 2>"$T/err" &&
		rm -f "$2" && sqlite3 "$2" <"$T/load.sql" 2>>"$T/err"
}
for t in $ex; do
	expect_ok "$t: mc-merge --ds=$D across the ALTER" mc-merge --warehouse="$W" --table=d__$t --ds=$D
	mc-cat --to=csv --table=d.$t "$W/d__$t/ds=$D"/part-*.mcr.zst | sort >"$T/got"
	mc-cat --to=csv --table=d.$t "$T/now.mcr" | sort >"$T/want"
	expect_same "$t: the day's partition equals the server" "$T/got" "$T/want"
	load_db $t "$T/$t.db" || { fail "$t: the tables load into sqlite3" "$(cat "$T/err")"; continue; }
	expect_ok "$t: --emit-sql --dialect=sqlite --ds=$D" \
		mc-merge --warehouse="$W" --table=d__$t --ds=$D --emit-sql --dialect=sqlite
	sqlite3 "$T/$t.db" <"$T/out" 2>"$T/err" || fail "$t: sqlite3 runs it" "$(cat "$T/err")"
	cols=$(mc-cat --to=csv --table=d.$t "$T/now.mcr" | head -1 | sed 's/"//g; s/\([^,][^,]*\)/"\1"/g')
	sqlite3 -csv "$T/$t.db" "SELECT $cols FROM \"d__$t\" WHERE ds = '$D'" | tr -d '"' |
		sed 's/\.0\(,\|$\)/\1/g' | sort >"$T/sq" # sqlite prints the doubles 0 and 3 as 0.0, 3.0
	grep -v '^id,' "$T/want" | tr -d '"' | sort >"$T/want2"
	expect_same "$t: the emitted SQL gives the server's rows" "$T/sq" "$T/want2"
done
mc-cat --to=csv --table=d.ok "$W/d__ok/ds=$D"/part-*.mcr.zst >"$T/ok.csv"
expect_grep "ok: YEAR '0' is 2000, 5 is 2005, '0000' 0, '70' 1970; 'a' 'b' 'c' is abc; CHAR drops spaces; -0 is 0, TIME -00:00:00 too" \
	'^1,1,2,3,2000,2005,0,1970,abc,a,b,"a,c",0.00,0,1.50,3,00:00:00.00$' "$T/ok.csv"

for t in $refs; do
	expect_code 1 "$t: mc-merge --ds=$D refuses the default" mc-merge --warehouse="$W" --table=d__$t --ds=$D
	expect_grep "$t: the message names the column and the statement's place" "column 5: added at [0-9]+:[0-9]+:[0-9]+: " "$T/err"
	[ -e "$W/d__$t/ds=$D" ] && fail "$t: no partition written" "$(ls "$W/d__$t")" || ok "$t: no partition written"
	expect_code 1 "$t: --emit-sql refuses it too" \
		mc-merge --warehouse="$W" --table=d__$t --ds=$D --emit-sql --dialect=sqlite
done
mc-merge --warehouse="$W" --table=d__en --ds=$D 2>"$T/err"
expect_grep "en: an ENUM label in other case" "DEFAULT 'B' is not written as the server keeps" "$T/err"
mc-merge --warehouse="$W" --table=d__exp --ds=$D 2>"$T/err"
expect_grep "exp: 1e2 into a VARCHAR" "DEFAULT 1e2 is a number whose text" "$T/err"
mc-merge --warehouse="$W" --table=d__ai --ds=$D 2>"$T/err"
expect_grep "ai: AUTO_INCREMENT" "it is AUTO_INCREMENT: the server numbered the older rows" "$T/err"
mc-merge --warehouse="$W" --table=d__long --ds=$D 2>"$T/err"
expect_grep "long: a DEFAULT longer than kept" "DEFAULT string is longer than the 255 bytes" "$T/err"
mc-merge --warehouse="$W" --table=d__fl --ds=$D 2>"$T/err"
expect_grep "fl: FLOAT(7,2) rounds" "rounded by the server to the column's D digits" "$T/err"
mc-merge --warehouse="$W" --table=d__bs --ds=$D 2>"$T/err"
expect_grep "bs: a backslash (written under NO_BACKSLASH_ESCAPES)" "holds a backslash, an escape or itself by the statement's sql_mode" "$T/err"
# FLOAT to DOUBLE(10,2): the server rounded 0.123 to 0.12 (a table copy);
# it keeps the values when it alters in place: the binlog does not say
expect_code 1 "md: MODIFY FLOAT to DOUBLE(M,D) is refused" mc-merge --warehouse="$W" --table=d__md --ds=$D
expect_grep "md: the message says why" "table 'd__md': column 2 'f': changed at .*MODIFY f DOUBLE\\(10,2\\).*FLOAT\\(M,D\\) and DOUBLE\\(M,D\\) round the values" "$T/err"

# The swap through mc-transform with rename_column: ignore: the statement
# is dropped, columns are matched by name, and a swap looks like a move;
# refused (before: each value under its old name, exit 0)
printf 'version: 1\nddl:\n  rename_column: ignore\n' >"$T/ign.yaml"
mc-transform --rules="$T/ign.yaml" "$T/snap1.mcr" >"$T/tsnap.mcr" 2>"$T/err" &&
	mc-transform --rules="$T/ign.yaml" "$T/changes1.mcr" >"$T/tchanges.mcr" 2>>"$T/err" ||
	fail "ignore: mc-transform" "$(cat "$T/err")"
expect_ok "ignore: the transformed streams load" mc-tunnel-put --dest="$T/w2" "$T/tsnap.mcr" "$T/tchanges.mcr"
ig=$(cd "$T/w2" && ls -d *ig | head -1)
expect_code 1 "ignore: the swap without its statement is refused" mc-merge --warehouse="$T/w2" --table="$ig" --ds=$D
expect_grep "ignore: the message says why" "it moved in the version from .* a move and a swap of column names look alike without it" "$T/err"
