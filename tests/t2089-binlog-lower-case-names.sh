#!/bin/sh
# A server with lower_case_table_names=1 (Alibaba Cloud RDS's default,
# Windows, macOS) keeps and maps its tables in lower case, and logs DDL
# statements as they were typed: TRUNCATE TABLE d.TR, RENAME TABLE d.RN
# ... were ddl records of tables named TR and RN, which the warehouse's
# d__tr and d__rn never saw: the truncated rows and those of the table
# renamed away came back, exit 0. mc-binlog-tail now reads the server's
# lower_case_table_names live and writes the statements' table names in
# lower case when it is 1 or 2; reading FILEs it takes
# --lower-case-table-names=N, and without it a statement that names a
# table only in another case than a table seen (its maps, --schema) is
# exit 1, saying so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start --lower-case-table-names=1
expect_eq "the server's lower_case_table_names" "$(sql "SELECT @@lower_case_table_names")" 1
sql "CREATE DATABASE d; CREATE TABLE d.TR (id INT PRIMARY KEY); INSERT INTO d.TR VALUES (1), (2);
CREATE TABLE d.RN (id INT PRIMARY KEY); INSERT INTO d.RN VALUES (1), (2);
CREATE DATABASE Dx; CREATE TABLE Dx.T (id INT PRIMARY KEY); INSERT INTO Dx.T VALUES (1), (2);
CREATE DATABASE Dy; CREATE TABLE Dy.T (id INT PRIMARY KEY); INSERT INTO Dy.T VALUES (1), (2);
CREATE DATABASE Dz; CREATE TABLE Dz.T (id INT PRIMARY KEY); INSERT INTO Dz.T VALUES (1), (2);" ||
	{ fail "setup" "sql"; exit 1; }
expect_eq "... which keeps the tables in lower case" \
	"$(sql "SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'd'")" "rn,tr"
mc-snapshot $MDB_ARGS --databases=d,dx,dy,dz >"$T/snap.mcr" &&
	mc-tunnel-put --dest="$T/wh" --checkpoint-out="$T/ck" "$T/snap.mcr" || { fail "snapshot" "failed"; exit 1; }
cp "$T/ck" "$T/ck0"
sql "TRUNCATE TABLE d.TR; INSERT INTO d.TR VALUES (9);
RENAME TABLE d.RN TO d.RN_OLD; CREATE TABLE d.RN (id INT PRIMARY KEY); INSERT INTO d.RN VALUES (7);
DROP DATABASE Dx; CREATE DATABASE Dx; CREATE TABLE Dx.T (id INT PRIMARY KEY); INSERT INTO Dx.T VALUES (5);
DROP DATABASE Dy; CREATE OR REPLACE DATABASE Dz;"
f=$(sql "SHOW MASTER STATUS" | awk '{print $1}')

expect_code 1 "files, --schema, no --lower-case-table-names: a DDL naming d.TR, whose maps say tr: exit 1" \
	mc-binlog-tail --checkpoint-in="$T/ck0" --schema="$T/snap.mcr" "$MDB_DIR/binlog/$f"
expect_grep "... saying why and what to give" \
	'`d`.`TR`: this statement names a table whose rows come under another case of its name: give the server.s lower_case_table_names .* as --lower-case-table-names=N' "$T/err"
expect_ok "files with --lower-case-table-names=1" sh -c "mc-binlog-tail --checkpoint-in='$T/ck0' \
	--schema='$T/snap.mcr' --lower-case-table-names=1 '$MDB_DIR/binlog/$f' >'$T/f.mcr'"
expect_eq "... the TRUNCATE and the RENAME under the tables' names" \
	"$(mc-cat "$T/f.mcr" | grep '"kind":"ddl"' | sed 's/.*"table":"\([^"]*\)".*"effect":"\([a-z_]*\)".*/\1:\2/' | tr '\n' ' ')" \
	"tr:truncate rn:rename_from rn_old:rename_to rn:create :other :other t:create :other :other "
expect_ok "live: the server's setting read" sh -c "timeout -k 5 30 mc-binlog-tail $MDB_ARGS \
	--server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 --stop-at-end --checkpoint-in='$T/ck0' >'$T/l.mcr'"
expect_eq "... the same records" \
	"$(mc-cat "$T/l.mcr" | grep '"kind":"ddl"' | sed 's/.*"table":"\([^"]*\)".*"effect":"\([a-z_]*\)".*/\1:\2/' | tr '\n' ' ')" \
	"tr:truncate rn:rename_from rn_old:rename_to rn:create :other :other t:create :other :other "
expect_ok "... loaded" mc-tunnel-put --dest="$T/wh" --checkpoint-out="$T/ck" "$T/l.mcr"
end=$(sed -n 's/^pos //p' "$T/ck")
for tb in d.tr d.rn dx.t; do
	expect_ok "$tb merged at the end" mc-merge --warehouse="$T/wh" --table="$(echo $tb | sed 's/[.]/__/')" \
		--at="$end" --output="$T/$tb.mcr"
	expect_eq "... as the server holds it (a DROP DATABASE Dx too)" \
		"$(mc-cat --to=csv --table=$tb "$T/$tb.mcr" | sed 1d | sort | tr '\n' ' ')" \
		"$(sql "SELECT id FROM $tb ORDER BY id" | tr '\n' ' ')"
done
expect_code 1 "dy.t merged after DROP DATABASE Dy (its name in another case): gone" \
	mc-merge --warehouse="$T/wh" --table=dy__t --at="$end" --output="$T/dy.mcr"
expect_grep "... naming the DROP DATABASE" "'DROP DATABASE Dy' at position .*the table is gone" "$T/err"
expect_code 1 "dz.t merged after CREATE OR REPLACE DATABASE Dz (MariaDB: a DROP first): gone" \
	mc-merge --warehouse="$T/wh" --table=dz__t --at="$end" --output="$T/dz.mcr"
expect_grep "... naming it" "'CREATE OR REPLACE DATABASE Dz' at position .*the table is gone" "$T/err"
expect_ok "files, --lower-case-table-names=0: as written (no check)" sh -c "mc-binlog-tail \
	--checkpoint-in='$T/ck0' --schema='$T/snap.mcr' --lower-case-table-names=0 '$MDB_DIR/binlog/$f' >/dev/null"

# files with no --schema and no --lower-case-table-names, from the
# snapshot's checkpoint: the TRUNCATE of d.TR comes before any trace of
# d.tr in the stream, so the tail cannot tell; its header says it did not
# know the setting, and the sink, which holds d.tr, refuses the statement
# (the truncated rows came back, exit 0). The streams that knew say so.
expect_ok "files, no --schema, no --lower-case-table-names: the tail cannot tell" \
	sh -c "mc-binlog-tail --checkpoint-in='$T/ck0' '$MDB_DIR/binlog/$f' >'$T/n.mcr'"
expect_eq "... its header has no lower_case_table_names" \
	"$(mc-cat "$T/n.mcr" | head -1 | grep -c lower_case_table_names)" 0
expect_grep "... the live stream's says 1" '"lower_case_table_names":"1"' \
	"$(mc-cat "$T/l.mcr" | head -1 >"$T/lh"; echo "$T/lh")"
expect_grep "... and that of files with --lower-case-table-names=1" '"lower_case_table_names":"1"' \
	"$(mc-cat "$T/f.mcr" | head -1 >"$T/fh"; echo "$T/fh")"
expect_ok "a warehouse of the snapshot" mc-tunnel-put --dest="$T/wh2" "$T/snap.mcr"
expect_code 1 "... the stream that did not know: refused at TRUNCATE TABLE d.TR" \
	mc-tunnel-put --dest="$T/wh2" "$T/n.mcr"
expect_grep "... naming both names and what to give" \
	"'TRUNCATE TABLE d.TR' names .d.\\..TR. where the warehouse holds .d.\\..tr., and the stream's mc-binlog-tail did not know the server's lower_case_table_names .*--lower-case-table-names=N" "$T/err"
expect_ok "... the stream of files with --lower-case-table-names=1 loads" \
	mc-tunnel-put --dest="$T/wh2" "$T/f.mcr"
