#!/bin/sh
# mc-merge --at=TIME, where the table's own statement (TRUNCATE, DROP and
# CREATE, ALTER) is stamped after the time: the cut was the first row
# change stamped after it, so a statement between the time and that row
# was taken into the state at the time (found by a tester): at 01:30 an
# empty table where the server held 2 rows (a TRUNCATE at 02:00, followed
# by a row at 03:00, or by none), a column added at 02:00. Now the cut is
# also the first statement after the time; --at=POSITION was exact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.tr (id INT PRIMARY KEY, v VARCHAR(20));
CREATE TABLE d.dc (id INT PRIMARY KEY, v VARCHAR(20)); CREATE TABLE d.al (id INT PRIMARY KEY, v VARCHAR(20));
CREATE TABLE d.tz (id INT PRIMARY KEY, v VARCHAR(20)); CREATE TABLE d.m (id INT PRIMARY KEY);
INSERT INTO d.tr VALUES (1,'t1'),(2,'t2'); INSERT INTO d.dc VALUES (1,'old');
INSERT INTO d.al VALUES (1,'a'),(2,'b'); INSERT INTO d.tz VALUES (1,'z1'),(2,'z2')" || { fail "setup" "sql"; exit 1; }
mdb_snap_d
now=$(date +%s)
mid=$((now - now % 86400 + 86400))
sql "SET timestamp=$((mid + 3600)); UPDATE d.tr SET v='t1b' WHERE id=1; UPDATE d.dc SET v='old-b' WHERE id=1;
UPDATE d.al SET v='a1' WHERE id=1; UPDATE d.tz SET v='z1b' WHERE id=1;
SET timestamp=$((mid + 7200)); TRUNCATE TABLE d.tr; DROP TABLE d.dc;
ALTER TABLE d.al ADD COLUMN w VARCHAR(5) NOT NULL DEFAULT 'dw'; TRUNCATE TABLE d.tz;
SET timestamp=$((mid + 7300)); CREATE TABLE d.dc (id INT PRIMARY KEY, v VARCHAR(20));
SET timestamp=$((mid + 10800)); INSERT INTO d.tr VALUES (3,'t3'); INSERT INTO d.dc VALUES (3,'new');
UPDATE d.al SET v='a3' WHERE id=2;
SET timestamp=$((mid + 2*86400)); INSERT INTO d.m VALUES (1)" || { fail "setup" "sql"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/changes.mcr"
expect_ok "loaded" mc-tunnel-put --dest="$T/w" "$T/snap.mcr" "$T/changes.mcr"
at() { date -u -d "@$1" '+%Y-%m-%d %H:%M:%S'; }
state() { # TABLE SECONDS WANT DESC: the merge at mid + SECONDS
	if mc-merge --warehouse="$T/w" --table=d__$1 --at="$(at $((mid + $2)))" --output="$T/$1.mcr" 2>"$T/err"; then
		expect_eq "$4" "$(mc-cat --to=csv --table=d.$1 "$T/$1.mcr" | tr '\n' ' ')" "$3"
	else
		fail "$4" "mc-merge: $(cat "$T/err")"
	fi
}
state tr 5400 "id,v 1,t1b 2,t2 " "at 01:30: the rows before the TRUNCATE at 02:00 (a row at 03:00)"
state dc 5400 "id,v 1,old-b " "... the row before the DROP at 02:00 (CREATE, a row at 03:00)"
state al 5400 "id,v 1,a1 2,b " "... the columns before the ALTER at 02:00"
state tz 5400 "id,v 1,z1b 2,z2 " "... the rows before a TRUNCATE followed by no row of the table"
state tr 9000 "id,v " "at 02:30: after the TRUNCATE"
state al 9000 "id,v,w 1,a1,dw 2,b,dw " "... after the ALTER"
state tr 10800 "id,v 3,t3 " "at 03:00: the row after it"
