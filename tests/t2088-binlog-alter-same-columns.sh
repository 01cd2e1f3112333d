#!/bin/sh
# ALTERs after which a table's columns are the same as before (no new
# schema version) but whose older rows the server changed: the statement
# stayed pending in the warehouse's schema history and the merge gave the
# older rows their values from before it, exit 0:
# - a column dropped and added again (one statement, or two with no row
#   between): the server's DEFAULT, where the merge kept 'a' and 'b';
# - a generated column's expression changed (MODIFY g INT AS (a * 3)):
#   the server recomputed it, the merge kept a * 2;
# - a text column converted into a narrower charset under a non-strict
#   sql_mode (MODIFY c ... CHARACTER SET latin1; utf8mb3): the server
#   stored '?' for what the charset cannot hold, the merge kept the text.
# Now the sink keeps the schema record after an ALTER of a table's
# columns as a version of the history even when it is the same, the merge
# crosses the statement by position (its clauses applied to the older
# rows: the DEFAULT, the server's '?'), and a column a statement made
# generated is refused for the older rows (their values are the server's).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v INT, w VARCHAR(5));
INSERT INTO d.t VALUES (1, 1, 'a'), (2, 2, 'b');
CREATE TABLE d.u (id INT PRIMARY KEY, v INT, w INT); INSERT INTO d.u VALUES (1, 1, 1);
CREATE TABLE d.g (id INT PRIMARY KEY, a INT, g INT AS (a * 2) STORED);
INSERT INTO d.g (id, a) VALUES (1, 1), (2, 2);
CREATE TABLE d.m (id INT PRIMARY KEY, c VARCHAR(10) CHARACTER SET utf8mb4, e VARCHAR(10));
INSERT INTO d.m VALUES (1, '中x', 'a😀'), (2, 'é', 'b');" || { fail "setup" "sql"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap.mcr" &&
	mc-tunnel-put --dest="$T/wh" --checkpoint-out="$T/ck" "$T/snap.mcr" ||
	{ fail "snapshot" "failed"; exit 1; }
sql "ALTER TABLE d.t DROP COLUMN w, ADD COLUMN w VARCHAR(5) DEFAULT 'zz';
ALTER TABLE d.u DROP COLUMN v; ALTER TABLE d.u ADD COLUMN v INT DEFAULT 5 AFTER id;
ALTER TABLE d.g MODIFY g INT AS (a * 3) STORED;
SET SESSION sql_mode = ''; ALTER TABLE d.m MODIFY c VARCHAR(10) CHARACTER SET latin1;
ALTER TABLE d.m MODIFY e VARCHAR(10) CHARACTER SET utf8mb3; SET SESSION sql_mode = DEFAULT;
INSERT INTO d.m VALUES (3, 'z', 'y');
INSERT INTO d.t VALUES (3, 3, 'c'); INSERT INTO d.u VALUES (2, 2, 2); INSERT INTO d.g (id, a) VALUES (3, 3);"
f=$(sql "SHOW MASTER STATUS" | awk '{print $1}')
expect_ok "the changes are tailed and loaded" sh -c "mc-binlog-tail --checkpoint-in='$T/ck' \
	'$MDB_DIR/binlog/$f' >'$T/ch.mcr' && mc-tunnel-put --dest='$T/wh' --checkpoint-out='$T/ck' '$T/ch.mcr'"
expect_eq "d.t's schema history: a version after the statement, the same columns" \
	"$(mc-cat "$T/wh/d__t/_schemahist.mcr" | sed -n 's/^{"kind":"\([a-z]*\)".*/\1/p' | tr '\n' ' ')" \
	"schema ddl schema trailer "
end=$(sed -n 's/^pos //p' "$T/ck")
for tb in t u m; do
	expect_ok "d.$tb merged at the end" \
		mc-merge --warehouse="$T/wh" --table=d__$tb --at="$end" --output="$T/$tb.mcr"
	expect_eq "... as the server holds it" \
		"$(mc-cat --to=csv --table=d.$tb "$T/$tb.mcr" | sed 1d | tr -d '"' | sort | tr '\n' ';')" \
		"$(sql "SELECT * FROM d.$tb ORDER BY id" | tr '\t' ',' | tr '\n' ';')"
done
expect_grep "the server holds d.u's new column's DEFAULT for the older row" '^1	5	1$' \
	"$(sql "SELECT * FROM d.u" >"$T/u.txt"; echo "$T/u.txt")"
expect_code 1 "d.g: the merge refuses the older rows of a column a statement made generated" \
	mc-merge --warehouse="$T/wh" --table=d__g --at="$end" --output="$T/g.mcr"
expect_grep "... saying why" "made it a generated column: the older rows' values are the server's" "$T/err"
