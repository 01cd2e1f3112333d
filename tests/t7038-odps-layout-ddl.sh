#!/bin/sh
# Table-replacing DDL into MaxCompute in the dts, dts-new and dataworks log
# layouts (docs/maxcompute.md "Table-replacing DDL", docs/merge.md "DDL"):
# a throwaway MariaDB; in one day TRUNCATE (twice in one table), DROP +
# CREATE of the same schema, a rename away followed by a CREATE of the
# name, a rename onto the name (a swap) and a DROP with no CREATE. For each
# layout the stream goes into a local warehouse and into the local
# MaxCompute server: the log table keeps the layout's shape (no DDL row in
# dts; DataWorks' row in dataworks), mcsync's markers go into T_log_ddl,
# and the day merged there equals the local merge and the source; the
# rename onto the name and the DROP with no CREATE are refused by both
# merges. A DROP + CREATE with another schema (a schema change, which a
# log table of these layouts does not follow in MaxCompute): refused at
# the upload.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3

mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.tr (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.dc (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.ra (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.ro (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.gone (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.os (id INT PRIMARY KEY, v INT);
     INSERT INTO d.tr VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.dc VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.ra VALUES (1,1),(2,2);
     INSERT INTO d.ro VALUES (1,1),(2,2);
     INSERT INTO d.gone VALUES (1,1);
     INSERT INTO d.os VALUES (1,1)" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "INSERT INTO d.tr VALUES (4,4); UPDATE d.tr SET v = v + 10; TRUNCATE TABLE d.tr;
     INSERT INTO d.tr VALUES (5,5),(1,10); UPDATE d.tr SET v = 50 WHERE id = 5; TRUNCATE TABLE d.tr;
     INSERT INTO d.tr VALUES (6,6),(2,20);
     INSERT INTO d.dc VALUES (4,4); DELETE FROM d.dc WHERE id = 2; DROP TABLE d.dc;
     CREATE TABLE d.dc (id INT PRIMARY KEY, v INT); INSERT INTO d.dc VALUES (7,7),(2,20);
     UPDATE d.dc SET id = 8 WHERE id = 7;
     UPDATE d.ra SET v = 9; RENAME TABLE d.ra TO d.ra_old; CREATE TABLE d.ra (id INT PRIMARY KEY, v INT);
     INSERT INTO d.ra VALUES (3,3),(1,11);
     CREATE TABLE d.ro_new (id INT PRIMARY KEY, v INT); INSERT INTO d.ro_new VALUES (9,9);
     UPDATE d.ro SET v = 5 WHERE id = 1; RENAME TABLE d.ro TO d.ro_old, d.ro_new TO d.ro;
     INSERT INTO d.gone VALUES (2,2); DROP TABLE d.gone;
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
sql "UPDATE d.os SET v = 2; DROP TABLE d.os; CREATE TABLE d.os (id INT PRIMARY KEY, v INT, w INT);
     INSERT INTO d.os VALUES (2,2,2); FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --tables='^d\.(tr|dc|ra|ro|gone)$' --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* \
	>"$T/ch.mcr" 2>"$T/err" &&
	mc-binlog-tail --tables='^d\.os$' --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* \
	>"$T/chos.mcr" 2>>"$T/err" || { fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
# days: the snapshot stamped 2025-11-20, the changes 2025-11-21, and a
# heartbeat at the last position stamped 2025-11-22 (the end of day 21)
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/ch.mcr" 1763683200 1763769600 >"$T/ch1.mcr" &&
	restamp "$T/chos.mcr" 1763683200 1763769600 >"$T/chos1.mcr" || { fail "setup" "restamp"; exit 1; }
mc-cat "$T/ch1.mcr" >"$T/ch.jsonl"
posof() { sed 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1:\2:\3/'; }
TRP=$(grep '"table":"tr",.*"effect":"truncate"' "$T/ch.jsonl" | tail -1 | posof)
ROP=$(grep '"table":"ro",.*"effect":"rename_to"' "$T/ch.jsonl" | posof)
[ "$(grep -c '"table":"tr",.*"effect":"truncate"' "$T/ch.jsonl")" = 2 ] && [ -n "$ROP" ] &&
	grep -q '"table":"ra",.*"effect":"rename_from"' "$T/ch.jsonl" &&
	ok "the stream: two TRUNCATEs of tr, ra renamed away, a rename onto ro" ||
	{ fail "setup" "the stream's DDL: $(grep '"kind":"ddl"' "$T/ch.jsonl")"; exit 1; }

D=20251121
ODPS_PROJECT=p1,p2
for L in dts dts-new dataworks; do
	layout_start
	expect_ok "$L: the stream goes into a local warehouse" \
		mc-tunnel-put --dest="$W" --log-layout=$L "$T/snap1.mcr" "$T/ch1.mcr"
	expect_ok "$L: the snapshot goes into MaxCompute" put "$T/snap1.mcr"
	expect_ok "$L: the changes with their TRUNCATEs, DROPs, CREATEs and RENAMEs go into MaxCompute" \
		put "$T/ch1.mcr"
	expect_ok "$L: a rerun is a repeat" put "$T/ch1.mcr"
	case $L in
	dataworks) id=sequence_id op=operation_type ;;
	dts) id=record_id op=operation_flag ;;
	*) id=new_dts_sync_record_id op=new_dts_sync_operation_flag ;;
	esac
	if [ $L = dataworks ]; then
		expect_eq "$L: the log table keeps DataWorks' DDL rows (TRUNCATE twice)" \
			"$(sqlite3 "$DB" "SELECT count(*) FROM d__tr_log WHERE $op = 'TRUNCATE'")" 2
	else
		expect_eq "$L: the log table has no DDL row (DTS's shape: I, U, D only)" \
			"$(sqlite3 "$DB" "SELECT count(*) FROM d__tr_log WHERE $op NOT IN ('I', 'U', 'D')")" 0
	fi
	expect_eq "$L: the markers of tr in d__tr_log_ddl: T twice, with the id, time and statement" \
		"$(sqlite3 "$DB" "SELECT mc_op, $id = (mc_pos_file << 43) + (mc_pos_off << 11) + mc_pos_row,
			mc_time, ddl_sql FROM d__tr_log_ddl ORDER BY $id")" \
		"$(printf 'T|1|1763683200|TRUNCATE TABLE d.tr\nT|1|1763683200|TRUNCATE TABLE d.tr')"
	expect_eq "$L: ... the last one at the TRUNCATE's position" \
		"$(sqlite3 "$DB" "SELECT mc_pos_file || ':' || mc_pos_off || ':' || mc_pos_row FROM d__tr_log_ddl
			ORDER BY $id DESC LIMIT 1")" "$TRP"
	expect_eq "$L: dc's markers X C, ra's X C, ro's X R" \
		"$(for t in dc ra ro; do sqlite3 "$DB" "SELECT group_concat(mc_op, '') FROM (SELECT mc_op
			FROM d__${t}_log_ddl ORDER BY $id, mc_op DESC)"; done | tr '\n' ' ')" "XC XC XR "
	for t in tr dc ra; do
		expect_ok "$L $t: the local merge of $D" mc-merge --warehouse="$W" --table=d__$t --ds=$D
		expect_ok "$L $t: the merge of $D in MaxCompute" mc-merge $OD --state="$S" --table=d__$t --ds=$D -v
		[ $t = tr ] && expect_grep "$L: -v names the barrier" "'d__tr': emptied at $TRP" "$T/err"
		same_part "$W" d__$t "*" "$L $t" "$L $t: the partition in MaxCompute equals the local merge, row by row"
		same_source "d.$t" "d__$t" "id, v" "$L $t: and the source's rows"
	done
	expect_ok "$L: --at tr's last TRUNCATE --into in MaxCompute" \
		mc-merge $OD --state="$S" --table=d__tr --at="$TRP" --into=at_tr
	expect_eq "$L: ... the table is empty there" "$(sqlite3 "$DB" "SELECT count(*) FROM at_tr")" 0
	# a rename onto the name, a DROP with no CREATE: refused by both merges
	expect_code 1 "$L ro: a rename onto the name: the local merge exits 1" \
		mc-merge --warehouse="$W" --table=d__ro --ds=$D
	expect_code 1 "$L ro: and the merge in MaxCompute" mc-merge $OD --state="$S" --table=d__ro --ds=$D
	expect_grep "$L ro: ... naming its position" "table 'd__ro': a RENAME onto its name at position $ROP" "$T/err"
	expect_code 1 "$L gone: a DROP with no CREATE: the local merge exits 1" \
		mc-merge --warehouse="$W" --table=d__gone --ds=$D
	expect_code 1 "$L gone: and the merge in MaxCompute" mc-merge $OD --state="$S" --table=d__gone --ds=$D
	expect_grep "$L gone: ... naming the position and why" \
		"table 'd__gone': a DROP \(or a rename away\) at position [0-9]+:[0-9]+:[0-9]+ .*the table is gone" "$T/err"
	# a re-creation with another schema
	# (into a project of its own: $S committed the snapshot's rows into
	# p1's tables, which another state may not add to)
	OD="--dest=odps://p2 --odps-config=$ODPS_CONF" DB=$T/srv-$L/p2.db
	expect_ok "$L os: the snapshot" put --state="$S.os" "$T/snap1.mcr"
	# (a new version of the table's schema history, which the log table of
	# these layouts follows in MaxCompute as mcsync's does: the merge takes
	# the new table's rows in its new schema)
	expect_ok "$L os: DROP + CREATE with another schema goes into MaxCompute" \
		put --state="$S.os" "$T/chos1.mcr"
	expect_ok "$L os: and into a local warehouse" \
		mc-tunnel-put --dest="$W.os" --log-layout=$L "$T/snap1.mcr" "$T/chos1.mcr"
	expect_ok "$L os: the local merge of $D" mc-merge --warehouse="$W.os" --table=d__os --ds=$D
	expect_ok "$L os: the merge of $D in MaxCompute" \
		mc-merge $OD --state="$S.os" --table=d__os --ds=$D
	same_source d.os d__os "id, v, w" "$L os: the new table's rows in its new schema, as the source's"
	local_load "$W.os" d__os "$L os"
	sqlite3 "$T/loc.db" "SELECT id, v, w FROM d__os WHERE ds = '$D'" | sort >"$T/l.rows"
	expect_same "$L os: ... and the local merge's" "$T/l.rows" "$T/got"
	odps_stop "$ODPS_PID"
done
