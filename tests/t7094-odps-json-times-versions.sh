#!/bin/sh
# The dataworks-json layout's merge in MaxCompute across schema versions
# reads each log row's DATE/DATETIME/TIMESTAMP text by its version; that
# statement said SET odps.sql.udf.getjsonobj.new=true but not the time
# zone its time text is read under (SET odps.sql.timezone=Etc/GMT, which
# the one-version statement says), and the merge failed (found by a
# tester, with a DATETIME type override). Now the same SETs; the merge in
# MaxCompute equals the local one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.tm (id INT PRIMARY KEY, t DATETIME(3), dt DATE);
INSERT INTO d.tm VALUES (1, '2024-01-02 03:04:05.123', '2024-01-02'), (2, '2024-01-03 00:00:00', NULL)" ||
	{ fail "setup" "sql"; exit 1; }
mdb_snap_d
sql "UPDATE d.tm SET t = '2024-02-03 04:05:06.5' WHERE id = 2;
ALTER TABLE d.tm ADD COLUMN k INT NOT NULL DEFAULT 1;
INSERT INTO d.tm VALUES (3, '2025-03-04 05:06:07.089', '2025-03-04', 3); UPDATE d.tm SET k = 9 WHERE id = 1" ||
	{ fail "setup" "sql"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/ch.mcr"
restamp "$T/snap.mcr" 1763596800 >"$T/s1.mcr" &&
	restamp "$T/ch.mcr" 1763683200 1763769600 >"$T/c1.mcr" || { fail "setup" "restamp"; exit 1; }
D=20251121
L=dataworks-json
layout_start
expect_ok "into a local warehouse" mc-tunnel-put --dest="$W" --log-layout=$L "$T/s1.mcr" "$T/c1.mcr"
expect_ok "into MaxCompute" put "$T/s1.mcr" "$T/c1.mcr"
expect_ok "merged locally" mc-merge --warehouse="$W" --table=d__tm --ds=$D
expect_ok "merged in MaxCompute, across the ADD" mc-merge $OD --state="$S" --table=d__tm --ds=$D
same_part "$W" d__tm "id, t, dt, k" tm "the partition in MaxCompute equals the local one, row by row"
