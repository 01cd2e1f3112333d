#!/bin/sh
# SQL instances (common/odps/sql.c, the protocol's §8.2-8.3), table
# migration (common/odps/tables.c) and the merge in MaxCompute
# (common/odps/merge_odps.c, mc-merge --dest=odps://) against the strict
# local server (tests/odps-server): base and log tables created from schema
# records of every MySQL type (the server parses each type), an
# incompatible existing table refused naming the column, partitions, a
# failing SQL's error text, and mc-merge in "MaxCompute" of tables loaded
# into the server equal to the local mc-merge of the same data.
. "$(dirname "$0")/lib.sh"

O=$BIN/tools/mcodps
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
q() { sqlite3 "$DB" "$1"; }

# ---- SQL instances ----
expect_ok "a query runs and its result comes back" $O $OD -v sql "SELECT 1 AS x, 'a]]>b' AS y"
printf 'x,y\n1,a]]>b\n' >"$T/want"
expect_same "the result is the server's text (a ]]> in the query survives CDATA)" "$T/want" "$T/out"
expect_grep "-v names the instance and its Logview URL (t7031)" \
	'SQL instance ([0-9a-f]+): Logview http://127\.0\.0\.1:[0-9]+/logview/\?h=.*&i=[0-9a-f]+&token=' "$T/err"
expect_code 1 "a failing SQL is exit 1" $O $OD sql "DESC nosuch"
expect_grep "with the task's error text" \
	'SQL instance [0-9a-f]+: task Failed: ODPS-0130131:Table not found - table p1.nosuch' "$T/err"
expect_code 1 "a parse error too" $O $OD sql "SELEC 1"
expect_grep "its text" 'task Failed: ODPS-0130161:\[1,1\] Parse exception' "$T/err"
grep -Ec 'POST /api/projects/p1/instances( |\?)' "$T/srv/requests.log" >"$T/n"
expect_eq "one submission per statement (no resubmission)" "$(cat "$T/n")" 3

# a 503 on the poll and on the submission: retried within --retry-time
curl -s -X POST --data-binary 'poll 503 times=2
submit 500 times=1' "http://127.0.0.1:$ODPS_PORT/_mcsync/faults" >/dev/null
expect_ok "5xx on submit and poll are retried" $O $OD --retry-time=20 sql "SELECT 2 AS z"
printf 'z\n2\n' >"$T/want"
expect_same "and the result is there" "$T/want" "$T/out"
curl -s -X POST --data-binary 'submit 503 p=1' "http://127.0.0.1:$ODPS_PORT/_mcsync/faults" >/dev/null
expect_code 3 "retries spent: exit 3" $O $OD --retry-time=2 sql "SELECT 3"
expect_grep "naming the status" 'SQL instance: submit: HTTP 503' "$T/err"
curl -s -X DELETE "http://127.0.0.1:$ODPS_PORT/_mcsync/faults" >/dev/null

# ---- tables from schema records of every MySQL type ----
TYPES="tinyint|tinyint unsigned|smallint|smallint unsigned|mediumint|mediumint unsigned|int|int unsigned|bigint|bigint unsigned|decimal(10,2)|decimal(38,18)|decimal(65,30)|decimal(20,0) unsigned|float|double|float unsigned|bit(1)|bit(64)|year|date|datetime|datetime(3)|datetime(6)|timestamp|timestamp(6)|time|time(3)|char(10)|varchar(255)|tinytext|text|mediumtext|longtext|binary(16)|varbinary(100)|tinyblob|blob|mediumblob|longblob|enum('a','b')|set('x','y')|json|geometry|point|inet6|inet4|uuid"
cols= i=0
IFS='|'
for t in $TYPES; do
	mc=$($O mctype "$t")
	cols="$cols${cols:+,}{\"name\":\"c$i\",\"mysql_type\":\"$t\",\"mc_type\":\"$mc\",\"nullable\":true,\"flags\":0}"
	i=$((i + 1))
done
unset IFS
NT=$i
printf '%s\n' '{"mcr":1,"meta":{}}' \
	'{"kind":"schema","db":"d","table":"all","version":1,"pos":[1,4,0],"time":0,"flags":0,"columns":['"$cols"'],"key":[8]}' \
	'{"kind":"trailer","count":1}' >"$T/all.jsonl"
expect_ok "the base table of every MySQL type is created, with a partition" \
	$O $OD --lifecycle=30 --part=ds=20240101 ensure "$T/all.jsonl"
expect_ok "and its log table" $O $OD --log --lifecycle=30 --part=ds=20240101 ensure "$T/all.jsonl"
expect_eq "the base has every column plus the three position columns" \
	"$(q "SELECT COUNT(*) FROM _odps_columns WHERE tbl='d__all' AND is_part=0")" $((NT + 3))
expect_eq "the log has them plus _op, _image, _time" \
	"$(q "SELECT COUNT(*) FROM _odps_columns WHERE tbl='d__all_log' AND is_part=0")" $((NT + 6))
expect_eq "columns in order, of the mapped types (a few)" \
	"$(q "SELECT group_concat(name || ' ' || type, ', ') FROM (SELECT * FROM _odps_columns WHERE tbl='d__all_log' AND pos IN (0,1,2,3,12,14,21,$((NT + 3))) ORDER BY pos)")" \
	"mc_op STRING, mc_image STRING, mc_time BIGINT, c0 TINYINT, c9 DECIMAL(20,0), c11 DECIMAL(38,18), c18 DECIMAL(20,0), mc_pos_file BIGINT"
expect_eq "partitioned by ds, LIFECYCLE 30, the key in the comment" \
	"$(q "SELECT t.lifecycle, t.comment, p.spec FROM _odps_tables t JOIN _odps_partitions p ON p.tbl = t.name WHERE t.name = 'd__all'")" \
	"30|mcsync: d.all, key columns 9|ds=20240101"
expect_ok "ensure again: nothing changes, another partition added" \
	$O $OD --lifecycle=30 --part=ds=20240102 ensure "$T/all.jsonl"
expect_eq "both partitions" "$(q "SELECT group_concat(spec) FROM _odps_partitions WHERE tbl='d__all'")" \
	"ds=20240101,ds=20240102"
expect_code 2 "a bad partition value is refused before anything is sent" \
	$O $OD --part="ds=2024'01" ensure "$T/all.jsonl"

# an existing table of another layout is refused, naming the column
mk() {
	printf '%s\n' '{"mcr":1,"meta":{}}' \
		'{"kind":"schema","db":"d","table":"'"$1"'","version":1,"pos":[1,4,0],"time":0,"flags":0,"columns":[{"name":"id","mysql_type":"int","mc_type":"INT","nullable":false,"flags":0},{"name":"v","mysql_type":"bigint","mc_type":"BIGINT","nullable":true,"flags":0}],"key":[0]}' \
		'{"kind":"trailer","count":1}' >"$T/$1.jsonl"
}
mk x1
$O $OD sql "CREATE TABLE d__x1 (id INT, v STRING, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT) PARTITIONED BY (ds STRING)" >/dev/null
expect_code 1 "a column of another type: exit 1" $O $OD ensure "$T/x1.jsonl"
expect_grep "naming the column and both types" \
	"MaxCompute table 'p1.d__x1': column 2 'v' is STRING there, mcsync writes BIGINT \(column 'v' of d.x1, bigint\)" "$T/err"
mk x2
$O $OD sql "CREATE TABLE d__x2 (id INT, w BIGINT, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT) PARTITIONED BY (ds STRING)" >/dev/null
expect_code 1 "another column at a place: exit 1" $O $OD ensure "$T/x2.jsonl"
expect_grep "naming it" "column 2 is 'w' there, mcsync writes 'v'" "$T/err"
mk x3
$O $OD sql "CREATE TABLE d__x3 (id INT, v BIGINT, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT, extra STRING) PARTITIONED BY (ds STRING)" >/dev/null
expect_code 1 "a column mcsync does not write: exit 1" $O $OD ensure "$T/x3.jsonl"
expect_grep "naming it" "has a column 6 'extra' \(STRING\) that mcsync does not write" "$T/err"
mk x4
$O $OD sql "CREATE TABLE d__x4 (id INT, v BIGINT, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT)" >/dev/null
expect_code 1 "not partitioned: exit 1" $O $OD ensure "$T/x4.jsonl"
expect_grep "saying so" "is not partitioned, mcsync writes tables partitioned by \(ds STRING\)" "$T/err"
expect_eq "nothing was added to the refused tables" \
	"$(q "SELECT COUNT(*) FROM _odps_partitions WHERE tbl LIKE 'd__x%'")" 0

# ---- the merge in MaxCompute equals the local merge ----
H=$BIN/tools/mchist
mkdir -p "$T/h" "$T/state"
"$H" gen "${MERGE_SEED:-7}" 3 30 "$T/h" || { fail "mchist gen" "failed"; exit 1; }
set -- $(cat "$T/h/days")
D1=$1 D2=$2 D3=$3
expect_ok "mc-tunnel-put loads the local warehouse" \
	mc-tunnel-put --dest="$T/w" "$T/h/snap.mcr" "$T/h/log.mcr" || exit 1
mkdir -p "$T/state/_mcsync" && cp "$T/w/_mcsync/ledger" "$T/state/_mcsync/ledger"
: >"$T/load.sql"
while read -r t k; do
	$O $OD --name="$t" --part="ds=$D1" ensure "$T/w/$t/_schema.mcr" >/dev/null 2>>"$T/err.e" ||
		fail "ensure $t" "$(cat "$T/err.e")"
	$O $OD --name="$t" --log ensure "$T/w/$t/_schema.mcr" >/dev/null 2>>"$T/err.e" ||
		fail "ensure ${t}_log" "$(cat "$T/err.e")"
	"$H" load "$t" "ds=$D1" base "$T/w/$t/ds=$D1"/part-*.mcr.zst >>"$T/load.sql"
	for p in "$T/w/${t}_log"/ds=*; do
		"$H" load "${t}_log" "${p##*/}" log "$p"/part-*.mcr.zst | sed 's/INSERT INTO "[^"]*_log"/INSERT INTO "'"${t}_log"'"/' >>"$T/load.sql"
		echo "INSERT OR IGNORE INTO _odps_partitions VALUES ('${t}_log', '${p##*/}');" >>"$T/load.sql"
	done
done <"$T/h/tables"
expect_ok "base and log rows loaded into the server" sqlite3 "$DB" ".read $T/load.sql"

run_both() { # DAY: both merges of every table; the rows compared
	bad=0
	: >"$T/l.$1" ; : >"$T/o.$1"
	while read -r t k; do
		[ "$k" = - ] && k=
		mc-merge --warehouse="$T/w" --table="$t" --ds="$1" $k 2>>"$T/err.l" || bad=$((bad + 1))
		mc-merge $OD --state="$T/state" --table="$t" --ds="$1" $k -v 2>>"$T/err.o" || bad=$((bad + 1))
		{ "$H" create "$t" "$T/w/$t/_schema.mcr" | head -1
		  "$H" load "$t" "ds=$1" base "$T/w/$t/ds=$1"/part-*.mcr.zst; } >"$T/loc.sql"
		rm -f "$T/loc.db"
		sqlite3 "$T/loc.db" ".read $T/loc.sql" 2>>"$T/err.l" || bad=$((bad + 1))
		sqlite3 "$T/loc.db" "SELECT '$t', * FROM \"$t\" WHERE ds = '$1'" | sort >>"$T/l.$1"
		sqlite3 "$DB" "SELECT '$t', * FROM \"$t\" WHERE ds = '$1'" | sort >>"$T/o.$1"
	done <"$T/h/tables"
	cat "$T/err.l" "$T/err.o" >"$T/err"
	expect_eq "day $1: every merge exits 0, local and in MaxCompute" "$bad" 0
	[ -s "$T/l.$1" ] || fail "day $1: the local merge wrote rows" "none"
	expect_same "day $1: the partition in MaxCompute equals the local one, row by row" \
		"$T/l.$1" "$T/o.$1"
}
run_both "$D2"
run_both "$D3"
expect_grep "-v: the base partition and the log's start" "base partition ds=$D2, log from" "$T/err.o"

# a rerun is idempotent
cp "$T/o.$D3" "$T/o.first"
run_both "$D3"
expect_same "a rerun of day 3 leaves the same rows" "$T/o.first" "$T/o.$D3"
set -- $(head -1 "$T/h/tables")
t=$1 k=$2
[ "$k" = - ] && k=
expect_ok "the snapshot's day: nothing to do, exit 0" \
	mc-merge $OD --state="$T/state" --table="$t" --ds="$D1" $k
D5=$(date -u -d "${D3%??}-${D3#??????}-01 +0 day" +%Y%m%d 2>/dev/null)
expect_code 1 "a day the log has not passed: exit 1" \
	mc-merge $OD --state="$T/state" --table="$t" --ds=20991231 $k
expect_grep "saying so" "the log has not reached the end of 20991231 yet" "$T/err"
cat "$T/state/merge.$t" >"$T/rec"
expect_grep "mc-merge records the partitions it made, with their positions" "^ds\.$D2 [0-9]+:[0-9]+:[0-9]+$" "$T/rec"

# --at=POINT --into=TABLE: the state at a point, as locally
AT=$(sed -n "s/^cut\.$D2 //p" "$T/state/_mcsync/ledger")
f=${AT%%:*} r=${AT##*:} o=${AT#*:}; o=${o%:*}
P=$f:$o:$((r - 1))
[ "$r" -eq 0 ] && P=$f:$((o - 1)):0
mc-merge --warehouse="$T/w" --table="$t" --at="$P" --output="$T/at.mcr" $k 2>"$T/err" ||
	fail "local --at" "$(cat "$T/err")"
expect_ok "--at=POSITION --into=TABLE" \
	mc-merge $OD --state="$T/state" --table="$t" --at="$P" --into=at_state $k
"$H" create at_state "$T/w/$t/_schema.mcr" | head -1 >"$T/loc.sql"
"$H" load at_state x base "$T/at.mcr" >>"$T/loc.sql"
rm -f "$T/loc.db"; sqlite3 "$T/loc.db" ".read $T/loc.sql"
sqlite3 "$T/loc.db" "SELECT * FROM at_state" | sed 's/|x$//' | sort >"$T/at.l"
sqlite3 "$DB" "SELECT * FROM at_state" | sort >"$T/at.o"
[ -s "$T/at.l" ] || fail "--at: rows" "none"
expect_same "the state at the point equals the local --at" "$T/at.l" "$T/at.o"

# lifecycle: old partitions dropped, as locally
mc-merge $OD --state="$T/state" --table="$t" --ds="$D3" --lifecycle=1 $k -v 2>"$T/err" ||
	fail "lifecycle" "$(cat "$T/err")"
expect_eq "--lifecycle=1 keeps only the day merged" \
	"$(q "SELECT group_concat(spec) FROM _odps_partitions WHERE tbl='$t'")" "ds=$D3"
expect_grep "and drops the log partitions no kept partition needs" "'${t}_log/ds=$D1': dropped" "$T/err"
expect_code 1 "the day merged cannot be merged again once its base is dropped" \
	mc-merge $OD --state="$T/state" --table="$t" --ds="$D3" --lifecycle=1 $k
expect_grep "saying it is merged and kept" "'ds=$D3' is merged already and no full partition before it is left in MaxCompute \(dropped by the lifecycle\).*kept as it is" "$T/err"
expect_eq "and it is still there" \
	"$(q "SELECT group_concat(spec) FROM _odps_partitions WHERE tbl='$t'")" "ds=$D3"
