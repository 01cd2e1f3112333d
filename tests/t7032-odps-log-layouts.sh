#!/bin/sh
# The log layouts into MaxCompute (docs/maxcompute.md "Tables",
# docs/warehouse.md "Log layouts"): for each of dts, dts-new and dataworks,
# a real stream (a throwaway MariaDB: inserts, updates, deletes, updates
# that change the key; for dataworks a TRUNCATE and a DROP + CREATE) goes
# into a local warehouse and, with --log-layout, into the local MaxCompute
# server, mc-tunnel-put killed once mid-stream (in a commit) and run again;
# the log tables there have the layout's columns (an update two rows of one
# record_id, a DDL row of dataworks), each change once, and the day merged
# in MaxCompute equals the local mc-merge row by row and the source. A
# table-replacing DDL in the dts layouts, which have no row for it, goes
# into mcsync's marker table T_log_ddl; dataworks-json goes into MaxCompute
# too (t7036 tests it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3 curl

mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.t (id INT PRIMARY KEY, v INT, s VARCHAR(20));
     CREATE TABLE d.k (a INT, b INT, v INT, PRIMARY KEY (a, b));
     CREATE TABLE d.tr (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.dc (id INT PRIMARY KEY, v INT);
     INSERT INTO d.t VALUES (1,1,'a'),(2,2,'b'),(3,3,NULL),(4,4,'d');
     INSERT INTO d.k VALUES (1,1,1),(1,2,2),(2,1,3);
     INSERT INTO d.tr VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.dc VALUES (1,1),(2,2)" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
i=0
while [ $i -lt 30 ]; do
	i=$((i + 1))
	sql "INSERT INTO d.t VALUES ($((i + 100)), $i, 'n$i'); UPDATE d.t SET v = v + 1 WHERE id = 1;
	     UPDATE d.t SET s = 'u$i' WHERE id = $((i + 99))" || { fail "setup" "sql failed"; exit 1; }
done
sql "UPDATE d.t SET id = 20 WHERE id = 2; DELETE FROM d.t WHERE id = 3; UPDATE d.t SET id = 3 WHERE id = 4;
     DELETE FROM d.t WHERE id BETWEEN 110 AND 115; UPDATE d.t SET id = id + 1000, v = 7 WHERE id > 125;
     UPDATE d.k SET b = 9 WHERE a = 1 AND b = 1; DELETE FROM d.k WHERE a = 2; INSERT INTO d.k VALUES (3,3,30);
     INSERT INTO d.tr VALUES (4,4); UPDATE d.tr SET v = v + 10; TRUNCATE TABLE d.tr;
     INSERT INTO d.tr VALUES (5,5),(1,10); UPDATE d.tr SET id = 6 WHERE id = 5;
     INSERT INTO d.dc VALUES (3,3); DROP TABLE d.dc; CREATE TABLE d.dc (id INT PRIMARY KEY, v INT);
     INSERT INTO d.dc VALUES (7,7),(2,20); UPDATE d.dc SET id = 8 WHERE id = 7;
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --tables='^d\.(t|k)$' --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/ch.mcr" 2>"$T/err" &&
	mc-binlog-tail --tables='^d\.' --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/cha.mcr" 2>>"$T/err" &&
	mc-binlog-tail --tables='^d\.(tr|dc)$' --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/chd.mcr" 2>>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
# days: the snapshot stamped 2025-11-20, the changes 2025-11-21, and a
# heartbeat at the last position stamped 2025-11-22 (the end of day 21)
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/ch.mcr" 1763683200 1763769600 >"$T/ch1.mcr" &&
	restamp "$T/chd.mcr" 1763683200 1763769600 >"$T/chd1.mcr" &&
	restamp "$T/cha.mcr" 1763683200 1763769600 >"$T/cha1.mcr" || { fail "setup" "restamp"; exit 1; }
TRP=$(mc-cat "$T/chd1.mcr" | grep '"table":"tr",.*"effect":"truncate"' |
	sed 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1:\2:\3/')
[ -n "$TRP" ] || { fail "setup" "no TRUNCATE in the stream"; exit 1; }

D=20251121
ODPS_PROJECT=p1,p2

for L in dts dts-new dataworks; do
	layout_start
	# the dts layouts: the tables without DDL; dataworks: all
	CH=$T/ch1.mcr
	[ $L = dataworks ] && CH=$T/cha1.mcr
	expect_ok "$L: the stream goes into a local warehouse" \
		mc-tunnel-put --dest="$W" --log-layout=$L "$T/snap1.mcr" "$CH"
	expect_ok "$L: the snapshot goes into MaxCompute" put "$T/snap1.mcr"
	# killed once mid-stream: in a commit (the server does it, then answers
	# late), then run again: the commit in doubt is finished, each row once
	kill_in_commit "$T/srv-$L" 3 "$L: mc-tunnel-put killed in a commit mid-stream" "$L: the kill" \
		mc-tunnel-put $OD --state="$S" --retry-time=0.2 --log-layout=$L --commit-rows=20 "$CH"
	expect_ok "$L: the rerun finishes the stream" put --commit-rows=20 "$CH"
	expect_ok "$L: ... and a rerun again is a repeat" put "$CH"
	case $L in
	dataworks) id=sequence_id af=after_image bf=before_image op=operation_type ;;
	dts) id=record_id af=after_flag bf=before_flag op=operation_flag ;;
	*) id=new_dts_sync_record_id af=new_dts_sync_after_flag bf=new_dts_sync_before_flag
	   op=new_dts_sync_operation_flag ;;
	esac
	expect_eq "$L: no mc_ column in the log table" \
		"$(sqlite3 "$DB" "SELECT count(*) FROM pragma_table_info('d__t_log') WHERE name LIKE 'mc_%'")" 0
	# every change once: the log's rows are the local log's rows in the layout
	expect_eq "$L: each change once (the local log's count)" \
		"$(sqlite3 "$DB" "SELECT count(*) FROM d__t_log")" \
		"$(mc-cat "$T/ch1.mcr" | jq -s '[.[] | select(.kind == "row" and .table == "t") |
			if .op == "update" then 2 else 1 end] | add')"
	expect_eq "$L: an update is two rows of one $id (Y/N, N/Y)" \
		"$(sqlite3 "$DB" "SELECT count(*) FROM d__t_log a JOIN d__t_log b ON a.$id = b.$id
			WHERE a.$op = 'U' AND a.$bf = 'Y' AND a.$af = 'N' AND b.$bf = 'N' AND b.$af = 'Y'")" \
		"$(sqlite3 "$DB" "SELECT count(*) / 2 FROM d__t_log WHERE $op = 'U'")"
	tables="t k"
	if [ $L = dataworks ]; then
		expect_eq "$L: the TRUNCATE is a row of d__tr_log: operation_type TRUNCATE, the statement, the columns NULL" \
			"$(sqlite3 "$DB" "SELECT operation_type, ddl_sql, id IS NULL, before_image, after_image FROM d__tr_log
				WHERE operation_type NOT IN ('I', 'U', 'D')")" "TRUNCATE|TRUNCATE TABLE d.tr|1|N|N"
		expect_eq "$L: the DROP and CREATE rows of d__dc_log" \
			"$(sqlite3 "$DB" "SELECT group_concat(operation_type, ',') FROM (SELECT operation_type FROM d__dc_log
				WHERE operation_type NOT IN ('I', 'U', 'D') ORDER BY sequence_id)")" "ALTER,ALTER"
		tables="t k tr dc"
	else
		# (refused at the upload before mcsync kept its markers in
		# T_log_ddl: tests/t7038-odps-layout-ddl.sh)
		# (into a project of its own: the first state committed d.tr's
		# rows into p1's d__tr, which another state may not add to)
		expect_ok "$L: a TRUNCATE, which the layout has no row for, goes up" \
			mc-tunnel-put --dest=odps://p2 --odps-config="$ODPS_CONF" --state="$S.ddl" \
			--retry-time=0.2 --log-layout=$L "$T/chd1.mcr"
		expect_eq "$L: ... its marker in d__tr_log_ddl, at its position" \
			"$(sqlite3 "$T/srv-$L/p2.db" "SELECT mc_op || ' ' || mc_pos_file || ':' || mc_pos_off || ':' || mc_pos_row
				FROM d__tr_log_ddl")" "T $TRP"
	fi
	for t in $tables; do
		expect_ok "$L $t: the local merge of $D" mc-merge --warehouse="$W" --table=d__$t --ds=$D
		expect_ok "$L $t: the merge of $D in MaxCompute" mc-merge $OD --state="$S" --table=d__$t --ds=$D
		same_part "$W" d__$t "*" "$L $t" "$L $t: the partition in MaxCompute equals the local merge, row by row"
		case $t in k) c="a, b, v" ;; t) c="id, v, s" ;; *) c="id, v" ;; esac
		sql "SELECT $c FROM d.$t" | tr '\t' '|' | sed 's/|NULL$/|/' | sort >"$T/truth"
		sqlite3 "$DB" "SELECT $c FROM d__$t WHERE ds = '$D'" | sort >"$T/got"
		expect_same "$L $t: and the source's rows" "$T/truth" "$T/got"
	done
	if [ $L = dataworks ]; then
		expect_ok "$L: --at the TRUNCATE --into in MaxCompute" \
			mc-merge $OD --state="$S" --table=d__tr --at="$TRP" --into=at_tr
		expect_eq "$L: ... the table is empty there" "$(sqlite3 "$DB" "SELECT count(*) FROM at_tr")" 0
	fi
	odps_stop "$ODPS_PID"
done

# a schema change in the dts layout: its log table gets the column too
# (it was refused while a layout's log table held one schema; t7063 merges
# across such changes)
sql "ALTER TABLE d.t ADD COLUMN w INT; INSERT INTO d.t VALUES (500, 5, 'x', 1); FLUSH BINARY LOGS" ||
	fail "setup" "sql failed"
mc-binlog-tail --tables='^d\.t$' --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/chw.mcr" 2>"$T/err" ||
	fail "setup" "mc-binlog-tail: $(cat "$T/err")"
odps_start srv-alter || exit 1
expect_ok "dts: the snapshot into MaxCompute" mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" \
	--state="$T/sw" --retry-time=0.2 --log-layout=dts "$T/snap.mcr"
expect_ok "dts: an ALTER TABLE of a synced table goes in" \
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/sw" --retry-time=0.2 \
	--log-layout=dts "$T/chw.mcr"
expect_eq "... and adds the column to the log table, after the layout's and the table's" \
	"$(sqlite3 "$T/srv-alter/p1.db" "SELECT group_concat(name, ',') FROM (SELECT name FROM _odps_columns
		WHERE tbl = 'd__t_log' AND is_part = 0 ORDER BY pos)")" \
	"record_id,operation_flag,utc_timestamp,before_flag,after_flag,id,v,s,w"

