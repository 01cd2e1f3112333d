#!/bin/sh
# A MODIFY or CHANGE into FLOAT(M,D), DOUBLE(M,D) or REAL(M,D) of a column
# of the same type (docs/merge.md "Schema changes"): the schema records say
# float or double before and after it (the binlog's table map carries no
# M,D), so the statement makes no schema version, and the merge kept the
# older rows' values (0.123) while the server, copying the table, had
# rounded them (0.12): exit 0, other values than the server's. A throwaway
# MariaDB, a snapshot, the ALTERs, tailed and loaded: the merge (--at with
# --output, --ds, --emit-sql) now stops with exit 1 naming the table, the
# column, the statement and its position, and writes nothing. A statement
# that re-states the type (MODIFY f FLOAT), an added FLOAT(7,2) column and a
# change of another column merge, equal to the server. An added DATETIME
# column whose DEFAULT the server reads in a form mcsync does not keep
# ('2024-01-02 3:04:05') is refused naming the column and the statement's
# place (before: "after value 3: malformed datetime value", no place).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
refs="fm dm rm ch"
goods="same add oth"
{
	echo "CREATE DATABASE d;"
	for t in fm ch same add oth; do
		echo "CREATE TABLE d.$t (id INT PRIMARY KEY, v INT, f FLOAT); INSERT INTO d.$t VALUES (1, 1, 0.123), (2, 2, 0.456);"
	done
	for t in dm rm; do
		echo "CREATE TABLE d.$t (id INT PRIMARY KEY, v INT, f DOUBLE); INSERT INTO d.$t VALUES (1, 1, 0.123), (2, 2, 0.456);"
	done
	echo "CREATE TABLE d.fi (id INT PRIMARY KEY, v INT, f FLOAT); INSERT INTO d.fi VALUES (1, 1, 0.123), (2, 2, 0.456);"
	echo "CREATE TABLE d.dt (id INT PRIMARY KEY, v INT); INSERT INTO d.dt VALUES (1, 1), (2, 2);"
} >"$T/setup.sql"
sql "$(cat "$T/setup.sql")" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "ALTER TABLE d.fm MODIFY f FLOAT(7,2), ALGORITHM=COPY; INSERT INTO d.fm VALUES (3, 3, 0.789);
     ALTER TABLE d.dm MODIFY f DOUBLE(10,2), ALGORITHM=COPY; INSERT INTO d.dm VALUES (3, 3, 0.789);
     ALTER TABLE d.rm MODIFY COLUMN f REAL(10,2); INSERT INTO d.rm VALUES (3, 3, 0.789);
     ALTER TABLE d.ch CHANGE f f FLOAT(7,2); INSERT INTO d.ch VALUES (3, 3, 0.789);
     ALTER TABLE d.same MODIFY f FLOAT; INSERT INTO d.same VALUES (3, 3, 0.789);
     ALTER TABLE d.add ADD COLUMN g FLOAT(7,2); INSERT INTO d.add VALUES (3, 3, 0.789, 1.25);
     ALTER TABLE d.oth MODIFY v BIGINT; INSERT INTO d.oth VALUES (3, 12345678901, 0.789);
     ALTER TABLE d.dt ADD COLUMN c DATETIME DEFAULT '2024-01-02 3:04:05'; INSERT INTO d.dt (id, v) VALUES (3, 3)" ||
	{ fail "setup" "sql failed"; exit 1; }
# in place, where the server allows it (it keeps the values then: the
# binlog says the same either way)
if sql "ALTER TABLE d.fi MODIFY f FLOAT(7,2), ALGORITHM=INPLACE" >/dev/null 2>&1; then
	refs="$refs fi"
else
	ok "fi: the server refuses FLOAT to FLOAT(7,2) in place (nothing to check)"
fi
sql "FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/now.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --schema="$T/snap.mcr" --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
at=$(mc-cat --to=summary "$T/changes.mcr" | sed -n 's/^positions: .* \.\. //p')
# the snapshot on 2025-11-20, the changes on 2025-11-21, a heartbeat at
# their last position on 2025-11-22 (the end of day 21)
W=$T/w
load_two_days "$W"
D=20251121

mc-cat --to=csv --table=d.fm "$T/now.mcr" | sort >"$T/fm.server"
expect_grep "fm: the server rounded the older rows (a table copy)" '^1,1,0.12$' "$T/fm.server"

for t in $refs; do
	expect_code 1 "$t: mc-merge --at refuses the statement" \
		mc-merge --warehouse="$W" --table=d__$t --at="$at" --output="$T/$t.mcr"
	expect_grep "$t: the message names the table, the column, the statement and its place" \
		"table 'd__$t': column 3 'f': changed at [0-9]+:[0-9]+:[0-9]+ \\('ALTER TABLE d\\.$t .*\\(10,2\\)|\\(7,2\\).*_schemahist\\.mcr'\\): FLOAT\\(M,D\\) and DOUBLE\\(M,D\\) round the values" "$T/err"
	expect_grep "$t: the message points to a new snapshot" "load a new snapshot of the table taken after it \\(mc-tunnel-put --resnapshot\\)" "$T/err"
	[ -e "$T/$t.mcr" ] && fail "$t: no output file left" "$(ls -l "$T/$t.mcr")" || ok "$t: no output file left"
	expect_code 1 "$t: mc-merge --ds refuses it" mc-merge --warehouse="$W" --table=d__$t --ds=$D
	[ -e "$W/d__$t/ds=$D" ] && fail "$t: no partition written" "$(ls "$W/d__$t")" || ok "$t: no partition written"
	expect_code 1 "$t: --emit-sql refuses it" \
		mc-merge --warehouse="$W" --table=d__$t --ds=$D --emit-sql --dialect=sqlite
	expect_grep "$t: --emit-sql says why" "column 3 'f': changed at .*FLOAT\\(M,D\\) and DOUBLE\\(M,D\\)" "$T/err"
done
# a range that ends before the statement holds none of it
set -- $(mc-cat --to=jsonl "$T/changes.mcr" | sed -n 's/.*"kind":"ddl","db":"d","table":"fm","pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1 \2 \3/p')
expect_ok "fm: a merge up to a point before the statement still runs" \
	mc-merge --warehouse="$W" --table=d__fm --at="$1:$(($2 - 1)):0" --output="$T/fm-before.mcr"
mc-cat --to=csv --table=d.fm "$T/fm-before.mcr" | sort >"$T/got"
mc-cat --to=csv --table=d.fm "$T/snap.mcr" | sort >"$T/want"
expect_same "fm: there, the rows are the snapshot's" "$T/got" "$T/want"

for t in $goods; do
	expect_ok "$t: mc-merge --at across the ALTER" \
		mc-merge --warehouse="$W" --table=d__$t --at="$at" --output="$T/$t.mcr"
	mc-cat --to=csv --table=d.$t "$T/$t.mcr" | sort >"$T/got"
	mc-cat --to=csv --table=d.$t "$T/now.mcr" | sort >"$T/want"
	expect_same "$t: the merged rows equal the server's" "$T/got" "$T/want"
	expect_ok "$t: mc-merge --ds=$D" mc-merge --warehouse="$W" --table=d__$t --ds=$D
	mc-cat --to=csv --table=d.$t "$W/d__$t/ds=$D"/part-*.mcr.zst | sort >"$T/got"
	expect_same "$t: the day's partition equals the server" "$T/got" "$T/want"
	expect_ok "$t: --emit-sql runs" mc-merge --warehouse="$W" --table=d__$t --ds=$D --emit-sql --dialect=sqlite
done

# the DEFAULT the server reads as 2024-01-02 03:04:05
expect_code 1 "dt: a DATETIME DEFAULT in another form is refused" \
	mc-merge --warehouse="$W" --table=d__dt --at="$at" --output="$T/dt.mcr"
expect_grep "dt: the message names the file, the column and the statement's place" \
	"d__dt.*column 3: added at [0-9]+:[0-9]+:[0-9]+: its DEFAULT '2024-01-02 3:04:05' is not written in the form" "$T/err"
[ -e "$T/dt.mcr" ] && fail "dt: no output file left" "$(ls -l "$T/dt.mcr")" || ok "dt: no output file left"
