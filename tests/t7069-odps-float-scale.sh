#!/bin/sh
# The merge in MaxCompute across a MODIFY into FLOAT(M,D) of a FLOAT
# column (docs/merge.md "Schema changes", tests/t3061 for the local
# merge): the schema records say float before and after it, so the
# statement makes no schema version, and the merge in MaxCompute carried
# 0.123 where the server had rounded it to 0.12, with exit 0. It now stops
# with exit 1 naming the table, the column and the statement; a MODIFY that
# re-states the type (MODIFY f FLOAT) merges.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.fm (id INT PRIMARY KEY, v INT, f FLOAT); INSERT INTO d.fm VALUES (1, 1, 0.123), (2, 2, 0.456);
     CREATE TABLE d.same (id INT PRIMARY KEY, v INT, f FLOAT); INSERT INTO d.same VALUES (1, 1, 0.123), (2, 2, 0.456)" ||
	{ fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "ALTER TABLE d.fm MODIFY f FLOAT(7,2), ALGORITHM=COPY; INSERT INTO d.fm VALUES (3, 3, 0.789);
     ALTER TABLE d.same MODIFY f FLOAT; INSERT INTO d.same VALUES (3, 3, 0.789); UPDATE d.same SET v = 10 WHERE id = 1;
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/changes.mcr"
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/changes.mcr" 1763683200 1763769600 >"$T/changes1.mcr" || { fail "setup" "restamp"; exit 1; }

odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
D=20251121
put() { mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$@"; }
expect_ok "the snapshot goes into MaxCompute" put "$T/snap1.mcr"
expect_ok "the changes too" put "$T/changes1.mcr"

expect_code 1 "fm: the merge in MaxCompute refuses MODIFY f FLOAT(7,2)" \
	mc-merge $OD --state="$T/s" --table=d__fm --ds=$D
expect_grep "fm: the message names the table, the column and the statement" \
	"table 'd__fm': column 3 'f': changed at [0-9]+:[0-9]+:[0-9]+ \\('ALTER TABLE d\\.fm MODIFY f FLOAT\\(7,2\\), ALGORITHM=COPY', in '.*d__fm\\.mcr'\\): FLOAT\\(M,D\\) and DOUBLE\\(M,D\\) round the values" "$T/err"
expect_eq "fm: no partition $D written" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM d__fm WHERE ds = '$D'" 2>/dev/null || echo 0)" 0
expect_ok "same: MODIFY f FLOAT merges in MaxCompute" mc-merge $OD --state="$T/s" --table=d__same --ds=$D
same_source d.same d__same "id, v" "same: the ids and values equal the server's"
