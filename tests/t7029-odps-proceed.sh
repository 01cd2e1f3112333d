#!/bin/sh
# mc-tunnel-put --dest=odps:// into tables that exist already:
# --existing-tables=check (the default) refuses one whose columns differ,
# naming the column; --existing-tables=proceed uploads into one that has
# every column mcsync writes (by name, any order, more columns left NULL),
# and mc-merge --dest=odps:// merges it (INSERT naming its columns), equal
# to the local merge; a missing column or another type stays refused;
# --table-lifecycle gives the tables mcsync creates their LIFECYCLE.
. "$(dirname "$0")/lib.sh"

"$BIN/tools/mcgen" sysbench 400 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 400 120 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
odps_start srv || exit 1
DB=$T/srv/p1.db
CLI="$BIN/tools/mcodps --dest=odps://p1 --odps-config=$ODPS_CONF"
put() { # NAME STATE ARGS...
	_n=$1 _s=$2
	shift 2
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/$_s" \
		--name=sbtest.sbtest1="$_n" --retry-time=0.2 "$@"
}
merge() { # NAME STATE DAY ARGS...
	_n=$1 _s=$2 _d=$3
	shift 3
	mc-merge --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/$_s" --table="$_n" --ds="$_d" \
		--retry-time=0.2 "$@"
}

# the reference: the local warehouse, merged
mc-tunnel-put --dest="$T/w" "$T/sb.mcr" "$T/ch.mcr" 2>"$T/err" || fail "local load" "$(cat "$T/err")"
mc-merge --warehouse="$T/w" --table=sbtest__sbtest1 --ds=20251122 2>"$T/err" || fail "local merge" "$(cat "$T/err")"
mc-cat --to=csv --table=sbtest.sbtest1 "$T/w/sbtest__sbtest1/ds=20251122/part-000000.mcr.zst" | sed 1d |
	tr -d '"' | sort >"$T/want"

# --- a table of someone else's: columns in another order, one more, no mcsync comment ---
$CLI sql "CREATE TABLE t1 (note STRING, pad STRING, c STRING, mc_pos_row BIGINT, k INT, id INT, mc_pos_file BIGINT, mc_pos_off BIGINT) PARTITIONED BY (ds STRING)" >/dev/null ||
	fail "create t1" "failed"
expect_code 1 "--existing-tables=check (default): exit 1" put t1 s1 "$T/sb.mcr" "$T/ch.mcr"
expect_grep "naming the column at its place" "MaxCompute table 'p1.t1': column 1 is 'note' there, mcsync writes 'id'.*--existing-tables=proceed" "$T/err"
expect_eq "nothing was uploaded" "$(sqlite3 "$DB" 'SELECT count(*) FROM t1')" 0
rm -rf "$T/s1"
expect_ok "--existing-tables=proceed uploads" put t1 s1 --existing-tables=proceed "$T/sb.mcr" "$T/ch.mcr"
expect_eq "the snapshot's rows are there" "$(sqlite3 "$DB" "SELECT count(*) FROM t1 WHERE ds='20251121'")" 400
expect_eq "the extra column is NULL in every row" "$(sqlite3 "$DB" 'SELECT count(*) FROM t1 WHERE note IS NOT NULL')" 0
expect_eq "each column by name (id and k not swapped)" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM t1 WHERE ds='20251121' AND (id IS NULL OR k IS NULL OR id < 1 OR id > 400)")" 0
expect_ok "the merge in MaxCompute of such a table (--key: no mcsync comment)" merge t1 s1 20251122 --key=id -v
sqlite3 -csv "$DB" "SELECT id, k, c, pad FROM t1 WHERE ds='20251122'" |
	tr -d '"' | sort >"$T/got"
expect_same "the merged partition equals the local merge, row by row" "$T/want" "$T/got"
expect_eq "and the extra column is NULL there too" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM t1 WHERE ds='20251122' AND note IS NOT NULL")" 0

# --- what proceed still refuses ---
$CLI sql "CREATE TABLE t2 (id INT, k INT, c STRING, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT) PARTITIONED BY (ds STRING)" >/dev/null
expect_code 1 "a column mcsync writes missing (pad): exit 1 with proceed" put t2 s2 --existing-tables=proceed "$T/sb.mcr"
expect_grep "naming it" "MaxCompute table 'p1.t2': has no column 'pad'" "$T/err"
$CLI sql "CREATE TABLE t3 (id INT, k STRING, c STRING, pad STRING, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT) PARTITIONED BY (ds STRING)" >/dev/null
expect_code 1 "a column of another type: exit 1 with proceed" put t3 s3 --existing-tables=proceed "$T/sb.mcr"
expect_grep "naming it and both types" "column 'k' is STRING there, mcsync writes INT" "$T/err"
$CLI sql "CREATE TABLE t4 (id INT, k INT, c STRING, pad STRING, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT)" >/dev/null
expect_code 1 "not partitioned by ds: exit 1 with proceed" put t4 s4 --existing-tables=proceed "$T/sb.mcr"
expect_eq "nothing went into the refused tables" \
	"$(sqlite3 "$DB" 'SELECT (SELECT count(*) FROM t2) + (SELECT count(*) FROM t3) + (SELECT count(*) FROM t4)')" 0
expect_code 2 "--existing-tables=maybe: exit 2" put t5 s5 --existing-tables=maybe "$T/sb.mcr"
expect_code 2 "--existing-tables with a local --dest: exit 2" mc-tunnel-put --dest="$T/w2" --existing-tables=proceed "$T/sb.mcr"

# --- --table-lifecycle ---
expect_ok "--table-lifecycle=7" put t6 s6 --table-lifecycle=7 "$T/sb.mcr" "$T/ch.mcr"
$CLI sql "DESC t6" >"$T/desc6" 2>&1
expect_grep "the base table made has LIFECYCLE 7" "Lifecycle: +7 " "$T/desc6"
$CLI sql "DESC t6_log" >"$T/desc6l" 2>&1
expect_grep "and its log table" "Lifecycle: +7 " "$T/desc6l"
expect_code 2 "--table-lifecycle=0: exit 2" put t7 s7 --table-lifecycle=0 "$T/sb.mcr"

# --- a table none of whose changes has come: its log table exists, empty ---
printf '%s\n' '{"mcr":1,"meta":{}}' \
	'{"kind":"schema","db":"x","table":"quiet","version":1,"pos":[1,4,0],"time":1763683200,"flags":0,"columns":[{"name":"id","mysql_type":"int","mc_type":"INT","nullable":false,"flags":0}],"key":[0]}' \
	'{"kind":"row","op":"snapshot","db":"x","table":"quiet","version":1,"pos":[1,4,0],"time":1763683200,"before":null,"after":[1]}' \
	'{"kind":"row","op":"snapshot","db":"x","table":"quiet","version":1,"pos":[1,4,0],"time":1763683200,"before":null,"after":[2]}' \
	'{"kind":"trailer","count":3}' >"$T/quiet.jsonl"
expect_ok "a quiet table's snapshot, then another table's changes" \
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/sq" --retry-time=0.2 \
	"$T/quiet.jsonl" "$T/sb.mcr" "$T/ch.mcr"
expect_eq "its log table is made with it, empty" "$(sqlite3 "$DB" 'SELECT count(*) FROM x__quiet_log')" 0
expect_ok "and the merge in MaxCompute of its next day runs" merge x__quiet sq 20251122
expect_eq "with the snapshot's rows" "$(sqlite3 "$DB" "SELECT group_concat(id) FROM (SELECT id FROM x__quiet WHERE ds='20251122' ORDER BY id)")" "1,2"
odps_stop srv
