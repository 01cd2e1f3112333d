#!/bin/sh
# Schema changes into MaxCompute in the log layouts other than mcsync's
# (docs/maxcompute.md "Schema changes", docs/merge.md "Log layouts"): a
# throwaway MariaDB, a snapshot, then in one day ADD COLUMN NOT NULL DEFAULT
# 0, DROP, RENAME, MODIFY INT to BIGINT, a reorder and a change of the key
# with changes under the old key before it, each with changes before and
# after. For each of dts, dts-new and dataworks the same streams go into a
# local warehouse and, with --log-layout, into the local MaxCompute server,
# mc-tunnel-put killed (SIGKILL) once in a commit mid-stream and run again
# (across ALTERs): the log tables keep the layout's columns and get the
# history's (ADD COLUMNS, CHANGE COLUMN ... RENAME TO, INT to BIGINT), an
# id is its row's position packed (its order is the position order), the
# day merged in the server (the layout's recipe, per version) equals the
# local mc-merge row by row and the source, 0 (not NULL) for the rows
# before the ADD. The --state directory lost, --recover writes the
# histories back from the mirror and the merge gives the same rows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3 curl jq

mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.a (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.dr (id INT PRIMARY KEY, v INT, x VARCHAR(10));
     CREATE TABLE d.rn (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.md (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.ro (id INT PRIMARY KEY, v INT, w VARCHAR(10));
     CREATE TABLE d.pk (id INT PRIMARY KEY, u INT NOT NULL, v INT);
     INSERT INTO d.a VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.dr VALUES (1,1,'a'),(2,2,'b');
     INSERT INTO d.rn VALUES (1,1),(2,2);
     INSERT INTO d.md VALUES (1,1),(2,2);
     INSERT INTO d.ro VALUES (1,1,'a'),(2,2,'b');
     INSERT INTO d.pk VALUES (1,10,1),(2,20,2),(3,30,3)" || { fail "setup" "sql failed"; exit 1; }
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
     UPDATE d.md SET v = 3 WHERE id = 1; ALTER TABLE d.md MODIFY v BIGINT;
     INSERT INTO d.md VALUES (3,5000000000); UPDATE d.md SET v = 6000000000 WHERE id = 2;
     INSERT INTO d.ro VALUES (3,3,'c'); ALTER TABLE d.ro MODIFY w VARCHAR(10) FIRST;
     INSERT INTO d.ro (id, v, w) VALUES (4,4,'d'); ALTER TABLE d.ro MODIFY v INT AFTER w;
     UPDATE d.ro SET v = 10 WHERE id = 1; DELETE FROM d.ro WHERE id = 2;
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --schema="$T/snap.mcr" --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* \
	>"$T/changes.mcr" 2>"$T/err" || { fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
# days: the snapshot stamped 2025-11-20, the changes 2025-11-21, and a
# heartbeat at the last position stamped 2025-11-22 (the end of day 21)
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/changes.mcr" 1763683200 1763769600 >"$T/changes1.mcr" || { fail "setup" "restamp"; exit 1; }
[ "$(mc-cat "$T/changes1.mcr" | grep -c '"kind":"ddl"')" -ge 7 ] &&
	ok "the stream holds the ALTERs" || fail "the ALTERs" "$(mc-cat "$T/changes1.mcr" | grep -c '"kind":"ddl"')"
# the positions of d.a's changes, f:o:r
mc-cat "$T/changes1.mcr" | jq -r 'select(.kind == "row" and .table == "a") | .pos | map(tostring) | join(":")' |
	sort -u >"$T/a.pos"

D=20251121
TABLES="a dr rn md ro pk"
nver() { cat "$1"/_mcsync/hist/*.mcr 2>/dev/null | mc-cat 2>/dev/null | grep -c '"kind":"schema"'; }
colsof() { # TABLE: the data columns, in order, "name TYPE, ..."
	sqlite3 "$DB" "SELECT group_concat(name || ' ' || type, ', ') FROM (SELECT name, type FROM
		_odps_columns WHERE tbl = '$1' AND is_part = 0 ORDER BY pos)"
}
# TABLE COLS STATE-LABEL: the day merged in MaxCompute against the local merge and the source
compare() {
	same_part "$W" d__$1 "$2" "$L $1" \
		"$L $1$3: the partition in MaxCompute equals the local merge, row by row, positions too"
	same_source "d.$1" "d__$1" "$2" "$L $1$3: and the source's rows"
}
colsel() {
	case $1 in
	a) echo "id, v, n" ;; dr) echo "id, v" ;; rn) echo "id, w" ;; md) echo "id, v" ;;
	ro) echo "id, v, w" ;; pk) echo "id, u, v" ;;
	esac
}

for L in dts dts-new dataworks; do
	layout_start
	case $L in
	dataworks) id=sequence_id af=after_image
	   head="sequence_id BIGINT, operation_type STRING, execute_time BIGINT, before_image STRING, after_image STRING, src_datasource STRING, src_database STRING, src_table STRING"
	   tail=", ddl_sql STRING" ;;
	dts) id=record_id af=after_flag
	   head="record_id BIGINT, operation_flag STRING, utc_timestamp BIGINT, before_flag STRING, after_flag STRING"
	   tail= ;;
	*) id=new_dts_sync_record_id af=new_dts_sync_after_flag
	   head="new_dts_sync_record_id BIGINT, new_dts_sync_operation_flag STRING, new_dts_sync_utc_timestamp BIGINT, new_dts_sync_before_flag STRING, new_dts_sync_after_flag STRING"
	   tail= ;;
	esac
	expect_ok "$L: the stream goes into a local warehouse" \
		mc-tunnel-put --dest="$W" --log-layout=$L "$T/snap1.mcr" "$T/changes1.mcr"
	expect_ok "$L: the snapshot goes into MaxCompute" put "$T/snap1.mcr"
	# killed in a commit mid-stream (the server does it, then answers
	# late), then run again: across ALTERs, each row once
	kill_in_commit "$T/srv-$L" 4 "$L: mc-tunnel-put killed (SIGKILL) in a commit mid-stream" "$L: the kill" \
		mc-tunnel-put $OD --state="$S" --retry-time=0.2 --log-layout=$L --commit-rows=3 "$T/changes1.mcr"
	v1=$(nver "$S")
	expect_ok "$L: the rerun finishes the stream across the ALTERs" put --commit-rows=3 "$T/changes1.mcr"
	v2=$(nver "$S")
	[ "$v1" -lt "$v2" ] && ok "$L: the kill came before some ALTERs ($v1 of $v2 schema versions kept)" ||
		fail "$L: the kill came before some ALTERs" "$v1 of $v2 schema versions"
	expect_ok "$L: ... and a rerun again is a repeat" put "$T/changes1.mcr"
	expect_eq "$L: d__a_log: the layout's columns, the table's, ADD COLUMNS appended n" \
		"$(colsof d__a_log)" "$head, id INT, v INT$tail, n INT"
	expect_eq "$L: d__a: the base table as in mcsync's layout" "$(colsof d__a)" \
		"id INT, v INT, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT, n INT"
	expect_eq "$L: d__rn_log: the column renamed (CHANGE COLUMN v RENAME TO w)" \
		"$(colsof d__rn_log)" "$head, id INT, w INT$tail"
	expect_eq "$L: d__md_log: INT to BIGINT in place" "$(colsof d__md_log)" "$head, id INT, v BIGINT$tail"
	expect_eq "$L: d__dr_log: the dropped column stays, NULL after the DROP" \
		"$(sqlite3 "$DB" "SELECT count(*) FROM d__dr_log WHERE id = 3 AND x IS NULL")" 1
	expect_eq "$L: each change of d.a once" "$(sqlite3 "$DB" "SELECT count(*) FROM d__a_log")" \
		"$(mc-cat "$T/changes1.mcr" | jq -s '[.[] | select(.kind == "row" and .table == "a") |
			if .op == "update" then 2 else 1 end] | add')"
	sqlite3 "$DB" "SELECT DISTINCT ($id >> 43) || ':' || (($id >> 11) & 4294967295) || ':' || ($id & 2047)
		FROM d__a_log" | sort >"$T/ids"
	expect_same "$L: $id is the row's position packed (its order is the position order)" "$T/a.pos" "$T/ids"
	for t in $TABLES; do
		expect_ok "$L $t: the local merge of $D" mc-merge --warehouse="$W" --table=d__$t --ds=$D
		expect_ok "$L $t: the merge of $D in MaxCompute across the changes" \
			mc-merge $OD --state="$S" --table=d__$t --ds=$D -v
		expect_grep "$L $t: -v names the merge's schema version" "schema version [2-9] of [2-9]" "$T/err"
		[ $t = pk ] && expect_grep "$L pk: the key change with changes under the old key: in steps" \
			"merged in two steps there" "$T/err"
		compare $t "$(colsel $t)" ""
	done
	expect_eq "$L: ADD COLUMN n INT NOT NULL DEFAULT 0: the rows from before it have 0, not NULL" \
		"$(sqlite3 "$DB" "SELECT group_concat(id || '=' || ifnull(n, 'NULL'), ' ') FROM (SELECT id, n FROM d__a
			WHERE ds = '$D' ORDER BY id)")" "1=0 2=0 3=9 4=0 5=7"
	# the state directory lost: --recover, then the merge again
	mkdir -p "$T/orig-$L" && cp "$S/_mcsync/hist/"*.mcr "$T/orig-$L/"
	rm -rf "$S"
	expect_ok "$L: --recover rebuilds the lost state directory" put --recover
	n=0
	for f in "$T/orig-$L"/*.mcr; do
		cmp -s "$f" "$S/_mcsync/hist/$(basename "$f")" || n=$((n + 1))
	done
	expect_eq "$L: the recovered histories are the lost ones, byte for byte" "$n" 0
	sqlite3 "$DB" "DELETE FROM d__a WHERE ds = '$D'; DELETE FROM d__pk WHERE ds = '$D'"
	for t in a pk; do
		expect_ok "$L $t: the merge of $D with the recovered state" \
			mc-merge $OD --state="$S" --table=d__$t --ds=$D
		compare $t "$(colsel $t)" " (recovered)"
	done
	odps_stop "$ODPS_PID"
done
