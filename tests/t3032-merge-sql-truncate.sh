#!/bin/sh
# Table-replacing DDL in the range of `mc-merge --emit-sql` (docs/merge.md
# "DDL"): a throwaway MariaDB, a snapshot, then TRUNCATE (twice in one
# table), DROP + CREATE of the same schema, a table without DDL, and a
# re-creation with another schema, tailed and loaded. The log table's SQL
# view (mchist loadl: wh_layout_rows) carries a marker row per DDL; the
# emitted SQL run on sqlite3 gives the local merge's rows and positions,
# and the server's, for the day, in the mcsync and dataworks layouts; the
# dts layout (no DDL rows) is refused, exit 1. The other schema: mc-merge
# and --emit-sql follow the schema history (the statement over the
# history's SQL columns, mchist loadh, gives the server's rows).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
need sqlite3

mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.tr (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.dc (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.k (a INT, b INT, v INT, PRIMARY KEY (a, b));
     CREATE TABLE d.nc (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.ds (id INT PRIMARY KEY, v INT);
     INSERT INTO d.tr VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.dc VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.k VALUES (1,1,1),(1,2,2),(2,1,3);
     INSERT INTO d.nc VALUES (1,1),(2,2);
     INSERT INTO d.ds VALUES (1,1)" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "INSERT INTO d.tr VALUES (4,4); UPDATE d.tr SET v = v + 10;
     TRUNCATE TABLE d.tr; INSERT INTO d.tr VALUES (5,5),(1,10); UPDATE d.tr SET v = 50 WHERE id = 5;
     INSERT INTO d.dc VALUES (4,4); DELETE FROM d.dc WHERE id = 2; DROP TABLE d.dc;
     CREATE TABLE d.dc (id INT PRIMARY KEY, v INT); INSERT INTO d.dc VALUES (7,7),(2,20);
     UPDATE d.dc SET id = 8 WHERE id = 7;
     UPDATE d.k SET b = 9 WHERE a = 1 AND b = 1; TRUNCATE TABLE d.k;
     INSERT INTO d.k VALUES (1,1,10),(3,3,30); TRUNCATE TABLE d.k; INSERT INTO d.k VALUES (4,4,40);
     DELETE FROM d.k WHERE a = 9;
     INSERT INTO d.nc VALUES (3,3); UPDATE d.nc SET v = 20 WHERE id = 2; DELETE FROM d.nc WHERE id = 1;
     UPDATE d.ds SET v = 5; DROP TABLE d.ds; CREATE TABLE d.ds (id INT PRIMARY KEY, v INT, w INT); INSERT INTO d.ds VALUES (2,2,2);
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
# days: the snapshot stamped 2025-11-20, the changes 2025-11-21, and a
# heartbeat at the last position stamped 2025-11-22 (the end of day 21)
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/changes.mcr" 1763683200 1763769600 >"$T/changes1.mcr" || { fail "setup" "restamp"; exit 1; }
mc-cat "$T/changes1.mcr" >"$T/changes.jsonl"
[ "$(grep -c '"table":"k",.*"effect":"truncate"' "$T/changes.jsonl")" = 2 ] &&
	ok "the stream holds two TRUNCATEs of k" || fail "two TRUNCATEs of k" "$(grep -c truncate "$T/changes.jsonl")"
expect_grep "and the DROP + CREATE of dc" '"table":"dc",.*"effect":"create"' "$T/changes.jsonl"
# the position of tr's TRUNCATE
posof() { sed 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1:\2:\3/'; }
n=$(grep -n '"table":"tr",.*"effect":"truncate"' "$T/changes.jsonl" | cut -d: -f1)
TRP=$(sed -n "${n}p" "$T/changes.jsonl" | posof)
[ -n "$TRP" ] || { fail "setup" "no position of the TRUNCATE"; exit 1; }

D=20251121
H=$BIN/tools/mchist
for L in mcsync dataworks dts; do
	expect_ok "$L: the snapshot loads" mc-tunnel-put --dest="$T/w$L" --log-layout=$L "$T/snap1.mcr"
	expect_ok "$L: the changes load" mc-tunnel-put --dest="$T/w$L" "$T/changes1.mcr"
done

# The log table's SQL view: a marker per DDL, its position, the rest NULL
W=$T/wmcsync
"$H" loadl mcsync d__tr log "$W/d__tr_log"/ds=*/part-*.mcr.zst >"$T/view.sql" 2>"$T/err" ||
	fail "mchist loadl" "$(cat "$T/err")"
expect_grep "the view has tr's TRUNCATE marker: 'T', its position, the other columns NULL" \
	"^INSERT INTO \"d__tr_log\" \(_op, _image, _time, _pos_file, _pos_off, _pos_row, ds\) VALUES \('T', NULL, NULL, $(echo "$TRP" | sed 's/:/, /g'), 'log'\);" "$T/view.sql"
"$H" loadl mcsync d__dc log "$W/d__dc_log"/ds=*/part-*.mcr.zst >"$T/view.sql" 2>"$T/err"
expect_grep "dc's DROP marker 'X'" "VALUES \('X', NULL, NULL," "$T/view.sql"
expect_grep "and its CREATE marker 'C'" "VALUES \('C', NULL, NULL," "$T/view.sql"

# the rows of a merge as "pos,cols" lines, sorted
local_rows() { # TABLE FILE...
	_t=$1
	shift
	mc-cat --to=csv --with-op --table="d.$_t" "$@" | tail -n +2 | cut -d, -f2- | sort
}
sq_rows() { # DB QUERY: the last three columns are the position
	sqlite3 -csv "$1" "$2" | awk -F, '{ printf "%s:%s:%s", $(NF-2), $(NF-1), $NF
		for (i = 1; i <= NF - 3; i++) printf ",%s", $i; print "" }' | sort
}
load_db() { # LAYOUT TABLE DB
	_w=$T/w$1
	{ "$H" createl "d__$2" "$_w/d__$2/_schema.mcr" "$1" &&
		"$H" load "d__$2" ds=20251120 base "$_w/d__$2/ds=20251120"/part-*.mcr.zst &&
		"$H" loadl "$1" "d__$2" log "$_w/d__$2_log"/ds=*/part-*.mcr.zst; } >"$T/load.sql" 2>"$T/err" &&
		rm -f "$3" && sqlite3 "$3" <"$T/load.sql" 2>>"$T/err"
}
cols() { case $1 in k) echo "a, b, v" ;; *) echo "id, v" ;; esac; }

for L in mcsync dataworks dts; do
	for t in tr dc k nc; do
		W=$T/w$L
		load_db $L $t "$T/$L.$t.db" || { fail "$L $t: the tables load into sqlite3" "$(cat "$T/err")"; continue; }
		mc-merge --warehouse="$W" --table=d__$t --ds=$D 2>"$T/err" || fail "$L $t: mc-merge --ds" "$(cat "$T/err")"
		local_rows $t "$W/d__$t/ds=$D"/part-*.mcr.zst >"$T/got"
		expect_ok "$L $t: --emit-sql --dialect=sqlite --ds=$D" \
			mc-merge --warehouse="$W" --table=d__$t --ds=$D --emit-sql --dialect=sqlite
		cp "$T/out" "$T/$L.$t.sql"
		sqlite3 "$T/$L.$t.db" <"$T/$L.$t.sql" 2>"$T/err" || fail "$L $t: sqlite3 runs it" "$(cat "$T/err")"
		sq_rows "$T/$L.$t.db" "SELECT $(cols $t), _pos_file, _pos_off, _pos_row FROM \"d__$t\" WHERE ds = '$D'" >"$T/sq"
		expect_same "$L $t: the emitted SQL gives the local merge's rows and positions" "$T/got" "$T/sq"
		sql "SELECT $(cols $t) FROM d.$t" | tr '\t' , | sort >"$T/truth"
		cut -d, -f2- "$T/sq" | sort >"$T/sqc"
		expect_same "$L $t: and they are the server's" "$T/truth" "$T/sqc"
	done
	grep -q "the table was emptied at $TRP" "$T/$L.tr.sql" &&
		ok "$L: the statement names tr's TRUNCATE" || fail "$L: the statement names tr's TRUNCATE" "$(head -4 "$T/$L.tr.sql")"
	grep -q "emptied" "$T/$L.nc.sql" && fail "$L: no DDL, no barrier" "$(head -4 "$T/$L.nc.sql")" ||
		ok "$L: a table without DDL keeps its base"
done

# dts: its log table has no row for a DDL; the barrier is in the statement
# (from mcsync's DDL records: in MaxCompute its marker table T_log_ddl),
# which it refused before (docs/merge.md "DDL")
grep -q "its marker is in mcsync's marker table" "$T/dts.tr.sql" &&
	ok "dts: the statement says where the barrier comes from" ||
	fail "dts: the statement says where the barrier comes from" "$(head -4 "$T/dts.tr.sql")"
# a re-creation with another schema: mc-merge follows the table's schema
# history (docs/merge.md "Schema changes"; it refused before); --emit-sql
# follows it too now (it refused before: docs/merge.md "The SQL merge across
# schema versions"), over the history's SQL columns
expect_ok "a re-creation with another schema: mc-merge merges it" \
	mc-merge --warehouse="$T/wmcsync" --table=d__ds --ds=$D
expect_eq "into the server's rows, in the new schema" \
	"$(mc-cat --to=csv --table=d.ds "$T/wmcsync/d__ds/ds=$D"/part-*.mcr.zst | tr -d '"')" \
	"$(printf 'id,v,w\n'; sql "SELECT id, v, w FROM d.ds ORDER BY id" | tr '\t' ,)"
expect_ok "and --emit-sql writes it" \
	mc-merge --warehouse="$T/wmcsync" --table=d__ds --ds=$D --emit-sql --dialect=sqlite
cp "$T/out" "$T/ds.sql"
W=$T/wmcsync
{ "$H" createh d__ds "$W/d__ds/_schemahist.mcr" &&
	"$H" loadh d__ds "$W/d__ds/_schemahist.mcr" ds=20251120 base "$W/d__ds/ds=20251120"/part-*.mcr.zst &&
	"$H" loadh d__ds "$W/d__ds/_schemahist.mcr" log log "$W/d__ds_log"/ds=*/part-*.mcr.zst; } >"$T/load.sql" 2>"$T/err" &&
	sqlite3 "$T/ds.db" <"$T/load.sql" && sqlite3 "$T/ds.db" <"$T/ds.sql" 2>>"$T/err" ||
	fail "ds: the history's SQL columns load and the statement runs" "$(cat "$T/err")"
expect_eq "whose rows are the server's, in the new schema" \
	"$(sqlite3 -csv "$T/ds.db" "SELECT id, v, w FROM d__ds WHERE ds = '$D' ORDER BY id")" \
	"$(sql "SELECT id, v, w FROM d.ds ORDER BY id" | tr '\t' ,)"
