#!/bin/sh
# A new table generation in MaxCompute in the dts and dataworks log layouts
# (docs/maxcompute.md "Table generations"): a throwaway MariaDB, a
# snapshot, a TRUNCATE in one commit, then DATETIME(3) to DATETIME(6)
# (DATETIME to TIMESTAMP in MaxCompute, which ALTER does not make in
# place). For each layout, into the local server: mc-tunnel-put makes
# e__dt__g2, e__dt__g2_log (the layout's columns) and e__dt__g2_log_ddl,
# copies the older generation's partitions by name (record_id /
# sequence_id as they were, the TRUNCATE's marker with them), stopped at
# each SQL instance in turn (every T7066_STEP-th: default 1, the sanitizer
# run 2) and killed (SIGKILL) once, then run again; the
# day merged there (the barrier taken from the copied marker) equals the
# local merge of the same log and the source row by row, --at --into too,
# and again after --recover. Then (dts) a second generation (INT UNSIGNED
# to BIGINT UNSIGNED) with a TRUNCATE after the ALTER in the same commit,
# whose marker goes into the new generation's companion: first refused
# (exit 3) while a merge holds the table's lock.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3 curl

mdb_start
sql "CREATE DATABASE e;
     CREATE TABLE e.dt (id INT PRIMARY KEY, t DATETIME(3), u INT UNSIGNED);
     INSERT INTO e.dt VALUES (1,'2024-01-01 00:00:00.123',1),(2,'2024-01-01 00:00:01',2)" ||
	{ fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=e >"$T/snap0.mcr" 2>"$T/err" || { fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
restamp "$T/snap0.mcr" 1763596800 >"$T/snap.mcr" || { fail "setup" "restamp"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
foff=$2
tail_from() { # POS OUT TIME [HB]: the changes from POS (and the schema records), stamped
	mc-binlog-tail --schema="$T/snap.mcr" --from="$first:$foff" "$MDB_DIR"/binlog/mysql-bin.[0-9]* 2>"$T/err" |
		mc-cat --to=jsonl | jsonl_drop 'r["pos"] < P and r["kind"] != "schema"' "$1" |
		restamp - "$3" ${4:-} >"$2" ||
		{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
}
# A: a TRUNCATE (its marker in the older generation's companion)
sql "INSERT INTO e.dt VALUES (10,'2024-01-02 00:00:00.5',10); UPDATE e.dt SET u = 5 WHERE id = 1;
     TRUNCATE e.dt; INSERT INTO e.dt VALUES (11,'2024-01-02 00:00:01.25',11),(12,'2024-01-02 00:00:02',12);
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
tail_from 0:0:0 "$T/a.mcr" 1763683200
# B: DATETIME(3) to DATETIME(6), changes before and after
at=$(mc-cat --to=summary "$T/a.mcr" | sed -n 's/^positions: .* \.\. //p')
sql "UPDATE e.dt SET u = 111 WHERE id = 11; ALTER TABLE e.dt MODIFY t DATETIME(6);
     INSERT INTO e.dt VALUES (13,'2024-01-03 00:00:00.123456',13);
     UPDATE e.dt SET t = '2024-01-04 00:00:00.000001' WHERE id = 12; DELETE FROM e.dt WHERE id = 11;
     INSERT INTO e.dt VALUES (14,'2024-01-03 00:00:00.5',14); FLUSH BINARY LOGS" ||
	{ fail "setup" "sql failed"; exit 1; }
tail_from "$at" "$T/b.mcr" 1763683200 1763769600
D=20251121
sql "SELECT id, t, u FROM e.dt" | tr '\t' '|' | sort >"$T/truth.$D"
# the server holds TIMESTAMP with nine digits, the local merge six
n9() { sed 's/\(\.[0-9]\{6\}\)000\([|]\|$\)/\1\2/g'; }
cols() { sqlite3 "$DB" "SELECT group_concat(name || ' ' || type, ', ') FROM (SELECT name, type FROM
	_odps_columns WHERE tbl = '$1' AND is_part = 0 ORDER BY pos)"; }
check_day() { # BASE DS WHAT: the day merged in BASE equals the local merge and the source
	expect_ok "$3: the merge of $2 in MaxCompute" mc-merge $OD --state="$S" --table=e__dt --ds=$2 -v
	expect_grep "$3: ... into $1, past the TRUNCATE" "'$1': emptied at" "$T/err"
	local_load "$W" e__dt "$3" "$2"
	sqlite3 "$T/loc.db" "SELECT id, t, u, _pos_file || ':' || _pos_off || ':' || _pos_row FROM e__dt
		WHERE ds = '$2'" | sort >"$T/l.rows"
	sqlite3 "$DB" "SELECT id, t, u, mc_pos_file || ':' || mc_pos_off || ':' || mc_pos_row FROM $1
		WHERE ds = '$2'" | n9 | sort >"$T/o.rows"
	[ -s "$T/l.rows" ] || fail "$3: the local merge has rows" "none"
	expect_same "$3: the partition in the newest generation equals the local merge, row by row" \
		"$T/l.rows" "$T/o.rows"
	sqlite3 "$DB" "SELECT id, t, u FROM $1 WHERE ds = '$2'" | n9 | sort >"$T/got"
	expect_same "$3: and the source's rows" "$T/truth.$2" "$T/got"
}

for L in dts dataworks; do
	layout_start
	case $L in
	dataworks) id=sequence_id af=after_image
	   head="sequence_id BIGINT, operation_type STRING, execute_time BIGINT, before_image STRING, after_image STRING, src_datasource STRING, src_database STRING, src_table STRING"
	   tail=", ddl_sql STRING" ;;
	*) id=record_id af=after_flag
	   head="record_id BIGINT, operation_flag STRING, utc_timestamp BIGINT, before_flag STRING, after_flag STRING"
	   tail= ;;
	esac
	hcols=$(echo "$head$tail" | sed 's/ [A-Z]*,/,/g; s/ [A-Z]*$//; s/^, //')
	expect_ok "$L: the stream goes into a local warehouse" \
		mc-tunnel-put --dest="$W" --log-layout=$L "$T/snap.mcr" "$T/a.mcr" "$T/b.mcr"
	expect_ok "$L: the snapshot and the TRUNCATE go into MaxCompute" put "$T/snap.mcr" "$T/a.mcr"
	logsel() { sqlite3 "$DB" "SELECT $hcols, id, substr(t, 1, 19), u FROM $1 WHERE $id <= $2" | sort; }
	maxid=$(sqlite3 "$DB" "SELECT max($id) FROM e__dt_log")
	logsel e__dt_log "$maxid" >"$T/log1"
	# killed (SIGKILL) in the generation's making, then stopped at each SQL
	# instance in turn (the server fails it), then run again
	: >"$T/srv-$L/faults.log"
	faults "submit slow=30 times=1 skip=8"
	mc-tunnel-put $OD --state="$S" --retry-time=0.2 --retry-delay=0.05 --log-layout=$L "$T/b.mcr" >/dev/null 2>"$T/kill.err" &
	kp=$!
	if wait_for "slow" "$T/srv-$L/faults.log" 150; then
		kill -9 $kp; wait $kp 2>/dev/null
		ok "$L: mc-tunnel-put killed (SIGKILL) in the generation's making"
	else
		kill -9 $kp 2>/dev/null; wait $kp 2>/dev/null
		fail "$L: the kill" "the fault did not fire: $(tail -2 "$T/kill.err")"
	fi
	nofaults
	k=0; stops=0
	while [ $k -le 40 ]; do
		faults "submit 500 times=1000 skip=$k"
		mc-tunnel-put $OD --state="$S" --retry-time=0.005 --log-layout=$L "$T/b.mcr" >"$T/out" 2>"$T/err"
		rc=$?
		nofaults
		cat "$T/err" >>"$T/errs-$L"
		[ $rc -eq 0 ] && break
		[ $rc -eq 3 ] || fail "$L: stopped at SQL instance $k: exit 3" "exit $rc: $(cat "$T/err")"
		stops=$((stops + 1)); k=$((k + ${T7066_STEP:-1}))
	done
	[ $stops -ge 8 ] && ok "$L: the upload stopped at each of $stops SQL instances and ran again" ||
		fail "$L: stops" "$stops"
	expect_grep "$L: ... the generation made, with its companion" \
		"generation 2 made \\('e__dt__g2', 'e__dt__g2_log', 'e__dt__g2_log_ddl'" "$T/errs-$L"
	expect_ok "$L: a rerun is a repeat" put "$T/b.mcr"
	expect_eq "$L: generation 2 is recorded in the state" "$(cut -d' ' -f1 "$S/_mcsync/hist/e__dt.gen")" 2
	expect_eq "$L: e__dt__g2_log: the layout's columns, TIMESTAMP" "$(cols e__dt__g2_log)" \
		"$head, id INT, t TIMESTAMP, u BIGINT$tail"
	expect_eq "$L: e__dt__g2_log_ddl: the companion's columns" "$(cols e__dt__g2_log_ddl)" \
		"mc_op STRING, $id BIGINT, mc_time BIGINT, ddl_sql STRING, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT"
	logsel e__dt__g2_log "$maxid" >"$T/log2"
	[ "$(wc -l <"$T/log1")" -ge 5 ] || fail "$L: the older log has rows" "$(wc -l <"$T/log1")"
	expect_same "$L: the older log's rows are copied, $id and every column as they were" "$T/log1" "$T/log2"
	expect_eq "$L: the TRUNCATE's marker is copied into the new companion" \
		"$(sqlite3 "$DB" "SELECT group_concat(mc_op || '=' || ($id = (SELECT $id FROM e__dt_log_ddl)), ' ') FROM e__dt__g2_log_ddl")" "T=1"
	expect_eq "$L: no row of the day went into the older log table after the change" \
		"$(sqlite3 "$DB" "SELECT count(*) FROM e__dt_log WHERE id IN (13, 14)")" 0
	expect_eq "$L: every row once" "$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT $id FROM e__dt__g2_log
		GROUP BY $id, $af HAVING count(*) > 1)")" 0
	expect_ok "$L: the local merge of $D" mc-merge --warehouse="$W" --table=e__dt --ds=$D
	check_day e__dt__g2 $D "$L"
	expect_eq "$L: nothing is written into the older generation" \
		"$(sqlite3 "$DB" "SELECT count(*) FROM e__dt WHERE ds = '$D'")" 0
	expect_ok "$L: --at --into at the day's end" mc-merge $OD --state="$S" --table=e__dt \
		--at='2025-11-21 12:00:00' --into=e_at
	sqlite3 "$DB" "SELECT id, t, u FROM e_at" | n9 | sort >"$T/at"
	expect_same "$L: ... the state equals the source's" "$T/truth.$D" "$T/at"
	# --recover after losing --state
	cp "$S/_mcsync/hist/e__dt.gen" "$T/gen.orig"
	mv "$S" "$S.lost"
	expect_ok "$L: --recover rebuilds the lost state directory" put --recover
	cmp -s "$T/gen.orig" "$S/_mcsync/hist/e__dt.gen" && ok "$L: --recover wrote the generations back" ||
		fail "$L: --recover wrote the generations back" "differs or absent"
	sqlite3 "$DB" "DELETE FROM e__dt__g2 WHERE ds = '$D'"
	check_day e__dt__g2 $D "$L after --recover"
	[ $L = dts ] || { odps_stop "$ODPS_PID"; continue; }

	# a second generation, a TRUNCATE after its ALTER in the same commit
	sql "ALTER TABLE e.dt MODIFY u BIGINT UNSIGNED; INSERT INTO e.dt VALUES (15,'2024-01-05 00:00:00',15);
	     TRUNCATE e.dt; INSERT INTO e.dt VALUES (4,'2024-01-05 00:00:00',18446744073709551615),(5,'2024-01-06 00:00:00.25',5);
	     UPDATE e.dt SET u = 6 WHERE id = 5; FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
	sql "SELECT id, t, u FROM e.dt" | tr '\t' '|' | sort >"$T/truth.20251122"
	at=$(mc-cat --to=summary "$T/b.mcr" | sed -n 's/^positions: .* \.\. //p')
	tail_from "$at" "$T/c.mcr" 1763769600 1763856000
	expect_ok "$L: the next day goes into the local warehouse" mc-tunnel-put --dest="$W" --log-layout=$L "$T/c.mcr"
	flock -o "$S/merge.e__dt.lock" sleep 30 &
	lk=$!
	i=0
	while [ $i -lt 100 ] && flock -n "$S/merge.e__dt.lock" true; do sleep 0.1; i=$((i + 1)); done
	expect_code 3 "$L: a new generation while a merge of the table holds its lock: exit 3" put "$T/c.mcr"
	expect_grep "$L: ... saying why" "table 'e__dt' is being merged by mc-merge, and its new generation waits" "$T/err"
	pkill -P $lk 2>/dev/null; kill $lk 2>/dev/null
	wait $lk 2>/dev/null
	expect_ok "$L: the next day: a second generation" put "$T/c.mcr"
	expect_grep "$L: ... generation 3" "generation 3 made \\('e__dt__g3', 'e__dt__g3_log', 'e__dt__g3_log_ddl'" "$T/err"
	expect_eq "$L: the TRUNCATE after the ALTER went into the new companion" \
		"$(sqlite3 "$DB" "SELECT count(*) FROM e__dt__g3_log_ddl WHERE ds = '20251122'") $(sqlite3 "$DB" \
		"SELECT count(*) FROM e__dt__g2_log_ddl WHERE ds = '20251122'")" "1 0"
	expect_ok "$L: the local merge of 20251122" mc-merge --warehouse="$W" --table=e__dt --ds=20251122
	check_day e__dt__g3 20251122 "$L generation 3"
	odps_stop "$ODPS_PID"
done
