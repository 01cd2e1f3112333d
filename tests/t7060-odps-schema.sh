#!/bin/sh
# Schema changes into MaxCompute and the merge there across them
# (docs/maxcompute.md "Schema changes", docs/merge.md "Schema changes"): a
# throwaway MariaDB, a snapshot, then in one day ADD COLUMN NOT NULL DEFAULT
# 0, DROP, RENAME, MODIFY (INT to BIGINT, a DECIMAL widened), a reorder
# (FIRST / AFTER) and a change of the primary key, each with changes before
# and after it. The same streams go into a local warehouse and into the
# local MaxCompute server: mc-tunnel-put keeps the schema history in its
# --state and evolves the tables there (ADD COLUMNS, CHANGE COLUMN ...
# RENAME TO, CHANGE COLUMN c c TYPE); the day merged in the server equals
# the local mc-merge row by row and the source, and the rows from before
# the ADD have 0 there, not NULL. A type change MaxCompute does not make
# in place (DATETIME(3) to DATETIME(6): DATETIME to TIMESTAMP) makes a new
# table generation (t7065), and the server refuses a narrowing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE d; CREATE DATABASE e;
     CREATE TABLE d.a (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.dr (id INT PRIMARY KEY, v INT, x VARCHAR(10));
     CREATE TABLE d.rn (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.md (id INT PRIMARY KEY, v INT, m DECIMAL(5,1));
     CREATE TABLE d.ro (id INT PRIMARY KEY, v INT, w VARCHAR(10));
     CREATE TABLE d.pk (id INT PRIMARY KEY, u INT NOT NULL, v INT);
     CREATE TABLE e.dt (id INT PRIMARY KEY, t DATETIME(3));
     INSERT INTO d.a VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.dr VALUES (1,1,'a'),(2,2,'b');
     INSERT INTO d.rn VALUES (1,1),(2,2);
     INSERT INTO d.md VALUES (1,1,1.5),(2,2,2.5);
     INSERT INTO d.ro VALUES (1,1,'a'),(2,2,'b');
     INSERT INTO d.pk VALUES (1,10,1),(2,20,2);
     INSERT INTO e.dt VALUES (1,'2024-01-01 00:00:00.123')" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap.mcr" 2>"$T/err" &&
	mc-snapshot $MDB_ARGS --databases=e >"$T/snape.mcr" 2>>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
sql "ALTER TABLE d.pk DROP PRIMARY KEY, ADD PRIMARY KEY (u);
     INSERT INTO d.a VALUES (4,4); UPDATE d.a SET v = 20 WHERE id = 2;
     ALTER TABLE d.a ADD COLUMN n INT NOT NULL DEFAULT 0;
     INSERT INTO d.a VALUES (5,5,7); UPDATE d.a SET n = 9 WHERE id = 3; UPDATE d.a SET v = 10 WHERE id = 1;
     UPDATE d.dr SET x = 'c' WHERE id = 2; ALTER TABLE d.dr DROP COLUMN x;
     INSERT INTO d.dr VALUES (3,3); UPDATE d.dr SET v = 20 WHERE id = 2;
     INSERT INTO d.rn VALUES (3,3); ALTER TABLE d.rn RENAME COLUMN v TO w;
     INSERT INTO d.rn VALUES (4,4); UPDATE d.rn SET w = 10 WHERE id = 1;
     UPDATE d.md SET v = 3 WHERE id = 1; ALTER TABLE d.md MODIFY v BIGINT, MODIFY m DECIMAL(8,3);
     INSERT INTO d.md VALUES (3,5000000000,1.125); UPDATE d.md SET m = 9.999 WHERE id = 2;
     INSERT INTO d.ro VALUES (3,3,'c'); ALTER TABLE d.ro MODIFY w VARCHAR(10) FIRST;
     INSERT INTO d.ro (id, v, w) VALUES (4,4,'d'); ALTER TABLE d.ro MODIFY v INT AFTER w;
     UPDATE d.ro SET v = 10 WHERE id = 1;
     INSERT INTO d.pk VALUES (3,30,3); UPDATE d.pk SET v = 5 WHERE u = 10;
     UPDATE e.dt SET t = '2024-01-02 00:00:00.5'; ALTER TABLE e.dt MODIFY t DATETIME(6);
     INSERT INTO e.dt VALUES (2,'2024-01-03 00:00:00.123456');
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --schema="$T/snap.mcr" --tables='^d\.' --from="$first:$2" \
	"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" &&
	mc-binlog-tail --schema="$T/snape.mcr" --tables='^e\.' --from="$first:$2" \
		"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changese.mcr" 2>>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
# days: the snapshot stamped 2025-11-20, the changes 2025-11-21, and a
# heartbeat at the last position stamped 2025-11-22 (the end of day 21)
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/changes.mcr" 1763683200 1763769600 >"$T/changes1.mcr" &&
	restamp "$T/snape.mcr" 1763596800 >"$T/snape1.mcr" &&
	restamp "$T/changese.mcr" 1763683200 1763769600 >"$T/changese1.mcr" || { fail "setup" "restamp"; exit 1; }
[ "$(mc-cat "$T/changes1.mcr" | grep -c '"kind":"ddl"')" -ge 7 ] &&
	ok "the stream holds the ALTERs" || fail "the ALTERs" "$(mc-cat "$T/changes1.mcr" | grep -c '"kind":"ddl"')"

odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
D=20251121
CLI="$BIN/tools/mcodps $OD"
put() { mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$@"; }

expect_ok "the snapshot goes into the local warehouse" mc-tunnel-put --dest="$T/w" "$T/snap1.mcr"
expect_ok "the changes too" mc-tunnel-put --dest="$T/w" "$T/changes1.mcr"
expect_ok "the snapshot goes into MaxCompute" put "$T/snap1.mcr"
expect_ok "the changes across ADD, DROP, RENAME, MODIFY, reorder and a key change go into MaxCompute" \
	put "$T/changes1.mcr"
for t in a dr rn md ro pk; do
	[ -s "$T/s/_mcsync/hist/d__$t.mcr" ] || fail "d__$t: the schema history in the state" "none"
done
expect_eq "the state keeps the schema history: d__a has two versions" \
	"$(mc-cat "$T/s/_mcsync/hist/d__a.mcr" | grep -c '"kind":"schema"')" 2
cols() { sqlite3 "$DB" "SELECT group_concat(name || ' ' || type, ', ') FROM (SELECT name, type FROM
	_odps_columns WHERE tbl = '$1' AND is_part = 0 ORDER BY pos)"; }
expect_eq "d__a: ADD COLUMNS appended the new column" "$(cols d__a)" \
	"id INT, v INT, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT, n INT"
expect_eq "d__a_log too" "$(cols d__a_log)" \
	"mc_op STRING, mc_image STRING, mc_time BIGINT, id INT, v INT, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT, n INT"
expect_eq "d__rn: the column renamed (CHANGE COLUMN v RENAME TO w)" "$(cols d__rn)" \
	"id INT, w INT, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT"
expect_eq "d__md: INT to BIGINT and DECIMAL(5,1) to DECIMAL(8,3) in place" "$(cols d__md)" \
	"id INT, v BIGINT, m DECIMAL(8,3), mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT"
expect_eq "d__dr: the dropped column stays (older days' merges select it)" "$(cols d__dr)" \
	"id INT, v INT, x STRING, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT"
expect_eq "d__dr_log: rows after the DROP have NULL there" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM d__dr_log WHERE id = 3 AND x IS NULL")" 1
expect_ok "a rerun is a repeat" put "$T/changes1.mcr"
expect_eq "... and alters nothing more" "$(cols d__a)" \
	"id INT, v INT, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT, n INT"

# the merged rows: local (sqlite3 of mchist), in MaxCompute, and the source
for t in a dr rn md ro pk; do
	case $t in
	a) c="id, v, n" ;; dr) c="id, v" ;; rn) c="id, w" ;; md) c="id, v, m" ;; ro) c="id, v, w" ;;
	pk) c="id, u, v" ;;
	esac
	expect_ok "$t: the local merge of $D" mc-merge --warehouse="$T/w" --table=d__$t --ds=$D
	expect_ok "$t: the merge of $D in MaxCompute" mc-merge $OD --state="$T/s" --table=d__$t --ds=$D -v
	expect_grep "$t: -v names the merge's schema version" "schema version [2-9] of [2-9]" "$T/err"
	same_part "$T/w" d__$t "$c" "$t" "$t: the partition in MaxCompute equals the local one, row by row, positions too"
	same_source "d.$t" "d__$t" "$c" "$t: and the server's rows"
done
expect_eq "ADD COLUMN n INT NOT NULL DEFAULT 0: the rows from before it have 0 in MaxCompute, not NULL" \
	"$(sqlite3 "$DB" "SELECT group_concat(id || '=' || ifnull(n, 'NULL'), ' ') FROM (SELECT id, n FROM d__a
		WHERE ds = '$D' ORDER BY id)")" "1=0 2=0 3=9 4=0 5=7"
expect_eq "... while the snapshot's partition keeps them NULL (ADD COLUMNS: NULL before it)" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM d__a WHERE ds = '20251120' AND n IS NULL")" 3

# DATETIME(3) to DATETIME(6) is DATETIME to TIMESTAMP in MaxCompute: refused
expect_ok "e: the snapshot goes into MaxCompute" put --state="$T/se" "$T/snape1.mcr"
# (it was refused at the upload; now a new table generation: t7065)
expect_ok "e.dt: DATETIME(3) to DATETIME(6) makes a new table generation at the upload" \
	put --state="$T/se" "$T/changese1.mcr"
expect_grep "... naming the change and the tables" \
	"does not make in place: generation 2 made \\('e__dt__g2', 'e__dt__g2_log'" "$T/err"
expect_code 1 "the server refuses a narrowing (BIGINT to INT)" \
	$CLI sql "ALTER TABLE d__md CHANGE COLUMN v v INT;"
expect_grep "... as MaxCompute does" "changing column data type from bigint to int is not supported" \
	"$T/err"
expect_code 1 "the server refuses another kind of value (INT to STRING)" \
	$CLI sql "ALTER TABLE d__a CHANGE COLUMN n n STRING;"
expect_ok "the server renames a column back" $CLI sql "ALTER TABLE d__rn CHANGE COLUMN w RENAME TO w2;"
expect_eq "... in its catalog" "$(cols d__rn)" \
	"id INT, w2 INT, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT"
