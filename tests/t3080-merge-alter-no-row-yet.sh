#!/bin/sh
# An ALTER of a table's columns after which no row of the table came yet:
# its new columns are known to the warehouse only from the next row's
# schema record, so the merge took the old version and gave the old
# columns (no column n, whose DEFAULT 7 the older rows hold),
# exit 0, and the same day merged again after the next row came out
# otherwise (found by a tester). Now a merge whose range holds such a
# statement stops, exit 1, saying so and what to do; up to before it, or
# once a row came after it, the merge is exact. Locally and in MaxCompute.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.ad (id INT PRIMARY KEY, v VARCHAR(10));
CREATE TABLE d.o (id INT PRIMARY KEY); INSERT INTO d.ad VALUES (1, 'abcdefgh'), (2, 'b')" ||
	{ fail "setup" "sql"; exit 1; }
mdb_snap_d
a0=$(mdb_pos)
sql "INSERT INTO d.o VALUES (1); SET SESSION sql_mode = '';
ALTER TABLE d.ad ADD COLUMN n INT NOT NULL DEFAULT 7; INSERT INTO d.o VALUES (2)" ||
	{ fail "setup" "sql"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/ch1.mcr"
at1=$(mc-cat --to=summary "$T/ch1.mcr" | sed -n 's/^positions: .* \.\. //p')
before=$(mc-cat "$T/ch1.mcr" | jq -r 'select(.kind == "row") | .pos | map(tostring) | join(":")' | head -1)
expect_ok "loaded locally" mc-tunnel-put --dest="$T/w" "$T/snap.mcr" "$T/ch1.mcr"
expect_code 1 "merged at the end: refused" mc-merge --warehouse="$T/w" --table=d__ad --at="$at1" --output="$T/m.mcr"
expect_grep "... naming the statement and what to do" \
	"table 'd__ad': 'ALTER TABLE d.ad ADD COLUMN n INT NOT NULL DEFAULT 7' at position [0-9:]+ changed its columns, and no row of the table came after it yet: .*--at.*mc-tunnel-put --resnapshot" "$T/err"
expect_ok "merged up to before it (the first change of d.o): exact" \
	mc-merge --warehouse="$T/w" --table=d__ad --at="$before" --output="$T/m0.mcr"
odps_start srv || exit 1
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
expect_ok "loaded into MaxCompute" mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$T/snap.mcr" "$T/ch1.mcr"
expect_code 1 "the merge in MaxCompute at the end: refused" \
	mc-merge $OD --state="$T/s" --table=d__ad --at="$at1" --into=m1
expect_grep "... the same" "table 'd__ad': 'ALTER TABLE d.ad .*' at position [0-9:]+ changed its columns, and no row of the table came after it yet" "$T/err"

# a row of the table comes
sql "INSERT INTO d.ad (id, v) VALUES (3, 'c')" || { fail "setup" "sql"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/ch2.mcr"
at2=$(mc-cat --to=summary "$T/ch2.mcr" | sed -n 's/^positions: .* \.\. //p')
expect_ok "the row loaded locally" mc-tunnel-put --dest="$T/w" "$T/ch2.mcr"
expect_ok "merged at the end" mc-merge --warehouse="$T/w" --table=d__ad --at="$at2" --output="$T/m2.mcr"
expect_eq "... as the server holds it (n = 7 for the older rows)" \
	"$(mc-cat --to=csv --table=d.ad "$T/m2.mcr" | sed 1d | sort | tr '\n' ' ')" \
	"$(sql "SELECT CONCAT_WS(',', id, v, n) FROM d.ad ORDER BY id" | tr '\n' ' ')"
expect_ok "... in MaxCompute too" sh -c "mc-tunnel-put $OD --state='$T/s' --retry-time=0.2 '$T/ch2.mcr' &&
	mc-merge $OD --state='$T/s' --table=d__ad --at='$at2' --into=m2"
