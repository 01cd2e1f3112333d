#!/bin/sh
# Schema changes into MaxCompute in the dataworks-json log layout
# (docs/maxcompute.md "Schema changes", docs/merge.md "Log layouts"): a
# throwaway MariaDB, a snapshot, then in one day ADD COLUMN NOT NULL DEFAULT
# 0, DROP, RENAME, MODIFY INT to BIGINT and a DECIMAL widened, a reorder and
# a change of the key with changes under the old key before it, each with
# changes before and after. The same streams go into a local warehouse and
# into the local MaxCompute server, mc-tunnel-put killed (SIGKILL) in a
# commit between ALTERs and run again: T_log keeps the layout's columns
# (no ALTER of it), each row's data_columns the local layout's text byte
# for byte (made by the row's own version); T gets the history's columns;
# the day merged in the server (each row read out of data_columns by the
# version in force at its sequence_id) equals the local mc-merge row by row
# and the source, 0 (the DDL's default) for the rows before the ADD; --at
# --into between ALTERs equals the local --at; a kill after the ALTER's
# upload, before the merge, changes nothing (so does one in the commit of
# the ADD). A change of type MaxCompute
# does not make in place (INT to VARCHAR) is refused at the upload.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3 curl jq

mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.a (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.dr (id INT PRIMARY KEY, v INT, x VARCHAR(10));
     CREATE TABLE d.rn (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.md (id INT PRIMARY KEY, v INT, dc DECIMAL(6,2));
     CREATE TABLE d.ro (id INT PRIMARY KEY, v INT, w VARCHAR(10));
     CREATE TABLE d.pk (id INT PRIMARY KEY, u INT NOT NULL, v INT);
     CREATE TABLE d.ty (id INT PRIMARY KEY, v INT);
     INSERT INTO d.a VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.dr VALUES (1,1,'a'),(2,2,'b');
     INSERT INTO d.rn VALUES (1,1),(2,2);
     INSERT INTO d.md VALUES (1,1,1.5),(2,2,NULL);
     INSERT INTO d.ro VALUES (1,1,'a'),(2,2,'b');
     INSERT INTO d.pk VALUES (1,10,1),(2,20,2),(3,30,3);
     INSERT INTO d.ty VALUES (1,1)" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "INSERT INTO d.a VALUES (4,4); UPDATE d.a SET v = 20 WHERE id = 2;
     DELETE FROM d.pk WHERE id = 1; UPDATE d.pk SET id = 12 WHERE id = 2;
     ALTER TABLE d.a ADD COLUMN n INT NOT NULL DEFAULT 0;
     INSERT INTO d.a VALUES (5,5,7); UPDATE d.a SET n = 9 WHERE id = 3; UPDATE d.a SET v = 10 WHERE id = 1;
     UPDATE d.dr SET x = 'c' WHERE id = 2; ALTER TABLE d.dr DROP COLUMN x;
     INSERT INTO d.dr VALUES (3,3); UPDATE d.dr SET v = 20 WHERE id = 2;
     ALTER TABLE d.pk DROP PRIMARY KEY, ADD PRIMARY KEY (u);
     INSERT INTO d.pk VALUES (4,10,4); UPDATE d.pk SET v = 5 WHERE u = 30;
     INSERT INTO d.rn VALUES (3,3); ALTER TABLE d.rn RENAME COLUMN v TO w;
     INSERT INTO d.rn VALUES (4,4); UPDATE d.rn SET w = 10 WHERE id = 1;
     UPDATE d.md SET v = 3, dc = 2.25 WHERE id = 1; ALTER TABLE d.md MODIFY v BIGINT, MODIFY dc DECIMAL(10,3);
     INSERT INTO d.md VALUES (3,5000000000,1.125); UPDATE d.md SET v = 6000000000 WHERE id = 2;
     INSERT INTO d.ro VALUES (3,3,'c'); ALTER TABLE d.ro MODIFY w VARCHAR(10) FIRST;
     INSERT INTO d.ro (id, v, w) VALUES (4,4,'d'); ALTER TABLE d.ro MODIFY v INT AFTER w;
     UPDATE d.ro SET v = 10 WHERE id = 1; DELETE FROM d.ro WHERE id = 2;
     UPDATE d.ty SET v = 2; ALTER TABLE d.ty MODIFY v VARCHAR(10); UPDATE d.ty SET v = 'x';
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --schema="$T/snap.mcr" --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* \
	>"$T/changes.mcr" 2>"$T/err" || { fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
# days: the snapshot stamped 2025-11-20, the changes 2025-11-21, and a
# heartbeat at the last position stamped 2025-11-22 (the end of day 21);
# d.ty apart (its change of type is refused)
but "$T/snap.mcr" ty >"$T/snapm.mcr" && but "$T/changes.mcr" ty >"$T/chm.mcr" &&
only "$T/snap.mcr" ty >"$T/snapty.mcr" && only "$T/changes.mcr" ty >"$T/chty.mcr" &&
	restamp "$T/snapm.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/chm.mcr" 1763683200 1763769600 >"$T/changes1.mcr" || { fail "setup" "restamp"; exit 1; }
[ "$(mc-cat "$T/changes1.mcr" | grep -c '"kind":"ddl"')" -ge 7 ] &&
	ok "the stream holds the ALTERs" || fail "the ALTERs" "$(mc-cat "$T/changes1.mcr" | grep -c '"kind":"ddl"')"

D=20251121
H=$BIN/tools/mchist
L=dataworks-json
TABLES="a dr rn md ro pk"
layout_start
nver() { cat "$1"/_mcsync/hist/*.mcr 2>/dev/null | mc-cat 2>/dev/null | grep -c '"kind":"schema"'; }
colsof() { # TABLE: the data columns, in order, "name TYPE, ..."
	sqlite3 "$DB" "SELECT group_concat(name || ' ' || type, ', ') FROM (SELECT name, type FROM
		_odps_columns WHERE tbl = '$1' AND is_part = 0 ORDER BY pos)"
}
colsel() {
	case $1 in
	a) echo "id, v, n" ;; dr) echo "id, v" ;; rn) echo "id, w" ;; md) echo "id, v, ifnull(dc, 'N')" ;;
	ro) echo "id, v, w" ;; pk) echo "id, u, v" ;;
	esac
}
compare() { # TABLE LABEL
	same_part "$W" d__$1 "$(colsel $1)" "$1" \
		"$1$2: the partition merged in MaxCompute equals the local merge, row by row, positions too"
	same_source "d.$1" "d__$1" "$(colsel $1)" "$1$2: and the source's rows"
}

expect_ok "the stream goes into a local warehouse in $L" \
	mc-tunnel-put --dest="$W" --log-layout=$L "$T/snap1.mcr" "$T/changes1.mcr"
expect_ok "the snapshot goes into MaxCompute in $L" put "$T/snap1.mcr"
# the changes up to d.a's ADD, then killed (SIGKILL) in the commit that
# carries the ADD (its history kept, d__a evolved, the Tunnel commit not
# answered), then run again
APOS=$(mc-cat "$T/changes1.mcr" | jq -r 'select(.kind == "ddl" and .table == "a") | .pos | map(tostring) | join(":")')
mc-cat "$T/changes1.mcr" | jsonl_drop 'r["pos"] >= P' "$APOS" | mc-cat --to=mcr >"$T/before_a.mcr" || fail "setup" "before the ADD"
expect_ok "the changes before d.a's ADD go in" put "$T/before_a.mcr"
kill_in_commit "$T/srv-$L" 0 "mc-tunnel-put killed (SIGKILL) in the commit of d.a's ADD" "the kill" \
	mc-tunnel-put $OD --state="$S" --retry-time=0.2 --log-layout=$L --commit-rows=3 "$T/changes1.mcr"
expect_eq "... its history kept in --state before the commit" \
	"$(mc-cat "$S/_mcsync/hist/d__a.mcr" | grep -c '"kind":"schema"')" 2
expect_eq "... none of its rows of the new version committed yet" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM d__a_log WHERE data_columns LIKE '%\"n\":%'")" 0
# the rerun finishes the ADD's commit, goes on, and is killed again
# mid-stream, across later ALTERs; then run again
kill_in_commit "$T/srv-$L" 2 "the rerun killed (SIGKILL) in a later commit" "the kill" \
	mc-tunnel-put $OD --state="$S" --retry-time=0.2 --log-layout=$L --commit-rows=3 "$T/changes1.mcr"
v1=$(nver "$S")
expect_ok "the rerun takes the ALTERs (once refused in this layout)" put --commit-rows=3 "$T/changes1.mcr"
v2=$(nver "$S")
[ "$v1" -lt "$v2" ] && ok "the kill came before some ALTERs ($v1 of $v2 schema versions kept)" ||
	fail "the kill came before some ALTERs" "$v1 of $v2 schema versions"
expect_ok "... and a rerun again is a repeat" put "$T/changes1.mcr"

head="sequence_id BIGINT, operation_type STRING, execute_time BIGINT, before_image STRING, after_image STRING, src_datasource STRING, src_database STRING, src_table STRING, data_columns STRING, ddl_sql STRING"
for t in $TABLES; do
	expect_eq "d__${t}_log: the layout's columns only, no ALTER of it" "$(colsof d__${t}_log)" "$head"
done
expect_eq "d__a: the base table gets the added column" "$(colsof d__a)" \
	"id INT, v INT, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT, n INT"
expect_eq "d__rn: the column renamed" "$(colsof d__rn)" \
	"id INT, w INT, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT"
expect_eq "d__md: INT to BIGINT, DECIMAL(6,2) to DECIMAL(10,3), in place" "$(colsof d__md)" \
	"id INT, v BIGINT, dc DECIMAL(10,3), mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT"
expect_eq "each change of d.a once" "$(sqlite3 "$DB" "SELECT count(*) FROM d__a_log")" \
	"$(mc-cat "$T/changes1.mcr" | jq -s '[.[] | select(.kind == "row" and .table == "a") |
		if .op == "update" then 2 else 1 end] | add')"
# every log row as the local layout writes it, byte for byte (data_columns
# in its row's version: '{"id":5,"v":5,"n":7}' after the ADD, '{"id":1,"v":1}' before)
for t in $TABLES; do
	{ "$H" createl d__$t "$W/d__$t/_schema.mcr" $L &&
		"$H" loadl $L d__$t log "$W/d__${t}_log"/ds=*/part-*.mcr.zst; } >"$T/l.load" 2>"$T/err" ||
		fail "mchist $t" "$(cat "$T/err")"
	rm -f "$T/l.db"
	sqlite3 "$T/l.db" ".read $T/l.load" 2>"$T/err" || fail "load $t" "$(cat "$T/err")"
	q="SELECT sequence_id, operation_type, before_image, after_image, src_database, src_table,
		hex(data_columns), quote(ddl_sql) FROM d__${t}_log"
	sqlite3 "$T/l.db" "$q" | sort >"$T/lj"
	sqlite3 "$DB" "$q WHERE ds = '$D'" | sort >"$T/oj"
	[ -s "$T/lj" ] || fail "the local log of $t has rows" "none"
	expect_same "d__${t}_log in MaxCompute is the local layout's, row by row (data_columns by each row's version)" \
		"$T/lj" "$T/oj"
done
expect_eq "... data_columns before and after the ADD" \
	"$(sqlite3 "$DB" "SELECT data_columns FROM d__a_log WHERE data_columns LIKE '{\"id\":5,%' OR
		(data_columns LIKE '{\"id\":4,%' AND operation_type = 'I')" | sort | tr '\n' ' ')" \
	'{"id":4,"v":4} {"id":5,"v":5,"n":7} '

# a kill after the ALTER's upload, before the merge: nothing to redo
expect_ok "a rerun after the uploads (before any merge) is a repeat" put "$T/changes1.mcr"
for t in $TABLES; do
	expect_ok "$t: the local merge of $D" mc-merge --warehouse="$W" --table=d__$t --ds=$D
	expect_ok "$t: the merge of $D in MaxCompute across the ALTERs" \
		mc-merge $OD --state="$S" --table=d__$t --ds=$D -v
	expect_grep "$t: -v names the merge's schema version" "schema version [2-9] of [2-9]" "$T/err"
	[ $t = pk ] && expect_grep "pk: the key change with changes under the old key: in steps" \
		"merged in two steps there" "$T/err"
	compare $t ""
done
expect_eq "ADD COLUMN n INT NOT NULL DEFAULT 0: the rows from before it have 0, not NULL" \
	"$(sqlite3 "$DB" "SELECT group_concat(id || '=' || ifnull(n, 'NULL'), ' ') FROM (SELECT id, n FROM d__a
		WHERE ds = '$D' ORDER BY id)")" "1=0 2=0 3=9 4=0 5=7"
expect_eq "the DECIMAL widened: older rows with the new scale" \
	"$(sqlite3 "$DB" "SELECT group_concat(id || '=' || ifnull(dc, 'NULL'), ' ') FROM (SELECT id, dc FROM d__md
		WHERE ds = '$D' ORDER BY id)")" "1=2.250 2=NULL 3=1.125"

# --emit-sql for MaxCompute on the local warehouse: the statement across versions
expect_ok "--emit-sql --dialect=maxcompute across the ADD" \
	mc-merge --warehouse="$W" --table=d__a --ds=$D --emit-sql --dialect=maxcompute
expect_grep "... under odps.sql.udf.getjsonobj.new=true" "^SET odps.sql.udf.getjsonobj.new=true;" "$T/out"
expect_grep "... n read by the row's version: NULL before the ADD" \
	"CASE WHEN sequence_id < [0-9]* THEN CAST[(]NULL AS INT[)] ELSE CASE WHEN INSTR[(]data_columns, ',\"n\":null'[)] > 0" "$T/out"

# --at --into between ALTERs: the state there, in that point's version
mc-cat "$T/changes1.mcr" | jq -r 'select(.kind == "row" and .table == "a" and .op == "update" and
	.after[2] == 9) | .pos | map(tostring) | join(":")' >"$T/atpos"
AT=$(cat "$T/atpos")
[ -n "$AT" ] || fail "setup" "no position of d.a's update"
for t in a rn; do
	expect_ok "$t: --at=$AT --into in MaxCompute" \
		mc-merge $OD --state="$S" --table=d__$t --at="$AT" --into=at_$t
	expect_ok "$t: the local --at=$AT" mc-merge --warehouse="$W" --table=d__$t --at="$AT" --output="$T/at_$t.mcr"
	mc-cat "$T/at_$t.mcr" | jq -r 'select(.kind == "row") | .after | map(tostring) | join("|")' |
		sort >"$T/l.rows"
	c=$(sqlite3 "$DB" "SELECT group_concat(name, ', ') FROM (SELECT name FROM _odps_columns
		WHERE tbl = 'at_$t' AND name NOT LIKE 'mc_pos_%' ORDER BY pos)")
	sqlite3 "$DB" "SELECT $c FROM at_$t" | sort >"$T/o.rows"
	[ -s "$T/l.rows" ] || fail "$t: the local --at has rows" "none"
	expect_same "$t: --at --into in MaxCompute equals the local --at (its version's columns: $c)" \
		"$T/l.rows" "$T/o.rows"
done

# the state directory lost: --recover, then the merge again
mkdir -p "$T/orig" && cp "$S/_mcsync/hist/"*.mcr "$T/orig/"
rm -rf "$S"
expect_ok "--recover rebuilds the lost state directory" put --recover
n=0
for f in "$T/orig"/*.mcr; do
	cmp -s "$f" "$S/_mcsync/hist/$(basename "$f")" || n=$((n + 1))
done
expect_eq "the recovered histories are the lost ones, byte for byte" "$n" 0
sqlite3 "$DB" "DELETE FROM d__md WHERE ds = '$D'; DELETE FROM d__pk WHERE ds = '$D'"
for t in md pk; do
	expect_ok "$t: the merge of $D with the recovered state" \
		mc-merge $OD --state="$S" --table=d__$t --ds=$D
	compare $t " (recovered)"
done

# a change of type MaxCompute does not make in place: refused at the upload
restamp "$T/snapty.mcr" 1763596800 >"$T/snapty1.mcr" &&
	restamp "$T/chty.mcr" 1763683200 1763769600 >"$T/chty1.mcr" || fail "setup" "restamp ty"
putty() { mc-tunnel-put $OD --state="$T/sty" --retry-time=0.2 --log-layout=$L "$@"; }
expect_ok "d.ty's snapshot goes in (a state of its own)" putty "$T/snapty1.mcr"
expect_code 1 "INT to VARCHAR in $L: exit 1" putty "$T/chty1.mcr"
expect_grep "... naming the table, the column and both types" \
	"MaxCompute table 'p1.d__ty': column 'v' is INT there, and the table's schema history makes it STRING .*a change MaxCompute does not make in place" "$T/err"
expect_eq "... and nothing of that commit written" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM d__ty_log WHERE data_columns LIKE '%\"x\"%'")" 0
odps_stop "$ODPS_PID"
