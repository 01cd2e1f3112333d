#!/bin/sh
# Table-replacing DDL into MaxCompute and merged there (docs/maxcompute.md
# "The merge in MaxCompute", docs/merge.md "DDL"): a throwaway MariaDB, a
# snapshot, then in one day TRUNCATE (twice in one table, and once in a
# table with no other change), DROP + CREATE of the same schema, a table
# without DDL, and a DROP with no CREATE. The same streams go into a local
# warehouse and into the local MaxCompute server (mc-tunnel-put writes a
# marker row per DDL into T_log); the day merged in the server equals the
# local mc-merge row by row, and so does --at --into before, at and after a
# TRUNCATE; the DROP with no CREATE is refused by both. A re-creation with
# another schema is a new version of the table's schema history, merged in
# MaxCompute as locally.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3

mdb_start
sql "CREATE DATABASE d; CREATE DATABASE e;
     CREATE TABLE d.tr (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.tz (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.dc (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.k (a INT, b INT, v INT, PRIMARY KEY (a, b));
     CREATE TABLE d.nc (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.gone (id INT PRIMARY KEY, v INT);
     CREATE TABLE e.ds (id INT PRIMARY KEY, v INT);
     INSERT INTO d.tr VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.tz VALUES (1,1),(2,2);
     INSERT INTO d.dc VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.k VALUES (1,1,1),(1,2,2),(2,1,3);
     INSERT INTO d.nc VALUES (1,1),(2,2);
     INSERT INTO d.gone VALUES (1,1);
     INSERT INTO e.ds VALUES (1,1)" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap.mcr" 2>"$T/err" &&
	mc-snapshot $MDB_ARGS --databases=e >"$T/snape.mcr" 2>>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
sql "INSERT INTO d.tr VALUES (4,4); UPDATE d.tr SET v = v + 10;
     TRUNCATE TABLE d.tr; INSERT INTO d.tr VALUES (5,5),(1,10); UPDATE d.tr SET v = 50 WHERE id = 5;
     TRUNCATE TABLE d.tz;
     INSERT INTO d.dc VALUES (4,4); DELETE FROM d.dc WHERE id = 2; DROP TABLE d.dc;
     CREATE TABLE d.dc (id INT PRIMARY KEY, v INT); INSERT INTO d.dc VALUES (7,7),(2,20);
     UPDATE d.dc SET id = 8 WHERE id = 7;
     UPDATE d.k SET b = 9 WHERE a = 1 AND b = 1; TRUNCATE TABLE d.k;
     INSERT INTO d.k VALUES (1,1,10),(3,3,30); TRUNCATE TABLE d.k; INSERT INTO d.k VALUES (4,4,40);
     INSERT INTO d.nc VALUES (3,3); UPDATE d.nc SET v = 20 WHERE id = 2; DELETE FROM d.nc WHERE id = 1;
     DROP TABLE d.gone;
     UPDATE e.ds SET v = 5; DROP TABLE e.ds; CREATE TABLE e.ds (id INT PRIMARY KEY, v INT, w INT);
     INSERT INTO e.ds VALUES (2,2,2);
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --tables='^d\.' --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" &&
	mc-binlog-tail --tables='^e\.' --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changese.mcr" 2>>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
# days: the snapshot stamped 2025-11-20, the changes 2025-11-21, and a
# heartbeat at the last position stamped 2025-11-22 (the end of day 21)
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/changes.mcr" 1763683200 1763769600 >"$T/changes1.mcr" &&
	restamp "$T/snape.mcr" 1763596800 >"$T/snape1.mcr" &&
	restamp "$T/changese.mcr" 1763683200 1763769600 >"$T/changese1.mcr" || { fail "setup" "restamp"; exit 1; }
mc-cat "$T/changes1.mcr" >"$T/changes.jsonl"
[ "$(grep -c '"effect":"truncate"' "$T/changes.jsonl")" = 4 ] &&
	ok "the stream holds four TRUNCATEs" || fail "four TRUNCATEs" "$(grep -c truncate "$T/changes.jsonl")"
posof() { sed 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1:\2:\3/'; }
n=$(grep -n '"table":"tr",.*"effect":"truncate"' "$T/changes.jsonl" | cut -d: -f1)
TRP=$(sed -n "${n}p" "$T/changes.jsonl" | posof)
BEFORE=$(sed -n "1,$((n - 1))p" "$T/changes.jsonl" | grep '"kind":"row"' | tail -1 | posof)
AFTER=$(sed -n "$((n + 1)),\$p" "$T/changes.jsonl" | grep '"kind":"row"' | head -1 | posof)
[ -n "$TRP" ] && [ -n "$BEFORE" ] && [ -n "$AFTER" ] || { fail "setup" "positions '$TRP' '$BEFORE' '$AFTER'"; exit 1; }

odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
D=20251121
H=$BIN/tools/mchist
put() { mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$@"; }

expect_ok "the snapshot goes into the local warehouse" mc-tunnel-put --dest="$T/w" "$T/snap1.mcr"
expect_ok "the changes too" mc-tunnel-put --dest="$T/w" "$T/changes1.mcr"
expect_ok "the snapshot goes into MaxCompute" put "$T/snap1.mcr"
expect_ok "the changes with their TRUNCATEs, DROPs and CREATE go into MaxCompute" put "$T/changes1.mcr"
sqlite3 "$DB" "SELECT mc_op, mc_image IS NULL, mc_time IS NULL, id IS NULL, v IS NULL,
	mc_pos_file || ':' || mc_pos_off || ':' || mc_pos_row FROM d__tr_log WHERE mc_op = 'T'" >"$T/mk"
expect_eq "d__tr_log holds the TRUNCATE's marker: 'T', its position, the other columns NULL" \
	"$(cat "$T/mk")" "T|1|1|1|1|$TRP"
expect_eq "d__dc_log: a DROP marker 'X' and a CREATE marker 'C'" \
	"$(sqlite3 "$DB" "SELECT group_concat(mc_op, '') FROM (SELECT mc_op FROM d__dc_log WHERE mc_image IS NULL
		ORDER BY mc_pos_file, mc_pos_off, mc_pos_row)")" XC
expect_eq "d__tz_log: the marker of a TRUNCATE with no other change" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM d__tz_log WHERE mc_op = 'T' AND mc_image IS NULL")" 1
expect_ok "a rerun is a repeat" put "$T/changes1.mcr"
expect_eq "... the markers are there once" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM d__k_log WHERE mc_op = 'T'")" 2

# mc-merge reads the ledger of mc-tunnel-put's state (STATE/_mcsync/ledger)
MS=$T/s
# the merged rows of a table, local (sqlite3 of mchist) and in MaxCompute
cmp_tables() { # LOCALDB SERVERQUERY LOCALQUERY DESC
	sqlite3 "$1" "$3" | sort >"$T/l.rows"
	sqlite3 "$DB" "$2" | sort >"$T/o.rows"
	[ -s "$T/l.rows" ] || [ "${5:-}" = empty ] || fail "$4: the local merge has rows" "none"
	expect_same "$4" "$T/l.rows" "$T/o.rows"
}
for t in tr tz dc k nc; do
	expect_ok "$t: the local merge of $D" mc-merge --warehouse="$T/w" --table=d__$t --ds=$D
	expect_ok "$t: the merge of $D in MaxCompute" mc-merge $OD --state="$MS" --table=d__$t --ds=$D -v
	[ $t = tr ] && expect_grep "-v names the barrier" "'d__tr': emptied at $TRP" "$T/err"
	{ "$H" create d__$t "$T/w/d__$t/_schema.mcr" | head -1
	  "$H" load d__$t "ds=$D" base "$T/w/d__$t/ds=$D"/part-*.mcr.zst; } >"$T/loc.sql"
	rm -f "$T/loc.db"
	sqlite3 "$T/loc.db" ".read $T/loc.sql" 2>"$T/err" || fail "$t: load" "$(cat "$T/err")"
	e=
	[ $t = tz ] && e=empty
	cmp_tables "$T/loc.db" "SELECT * FROM d__$t WHERE ds = '$D'" "SELECT * FROM d__$t WHERE ds = '$D'" \
		"$t: the partition in MaxCompute equals the local one, row by row" $e
	case $t in k) c="a, b, v" ;; *) c="id, v" ;; esac
	same_source "d.$t" "d__$t" "$c" "$t: and the server's rows"
done
[ "$(sqlite3 "$DB" "SELECT count(*) FROM d__tz WHERE ds = '$D'")" = 0 ] &&
	ok "tz: empty after its TRUNCATE" || fail "tz: empty after its TRUNCATE" "rows there"

# --at --into before, at and after tr's TRUNCATE
i=0
for P in "$BEFORE" "$TRP" "$AFTER"; do
	i=$((i + 1))
	mc-merge --warehouse="$T/w" --table=d__tr --at="$P" --output="$T/at.mcr" 2>"$T/err" ||
		fail "--at=$P: local" "$(cat "$T/err")"
	expect_ok "--at=$P --into=at$i in MaxCompute" \
		mc-merge $OD --state="$MS" --table=d__tr --at="$P" --into=at$i
	{ "$H" create at "$T/w/d__tr/_schema.mcr" | head -1; "$H" load at x base "$T/at.mcr"; } >"$T/loc.sql"
	rm -f "$T/loc.db"
	sqlite3 "$T/loc.db" ".read $T/loc.sql"
	e=
	[ $i = 2 ] && e=empty
	cmp_tables "$T/loc.db" "SELECT * FROM at$i" "SELECT id, v, _pos_file, _pos_off, _pos_row FROM at" \
		"--at=$P: the state in MaxCompute equals the local --at" $e
done
[ "$(sqlite3 "$DB" "SELECT count(*) FROM at1 WHERE id = 2")" = 1 ] &&
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM at2")" = 0 ] &&
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM at3")" = 1 ] &&
	ok "before the TRUNCATE the rows, at it none, after it the first insert" ||
	fail "the points" "$(sqlite3 "$DB" "SELECT count(*) FROM at1; SELECT count(*) FROM at2; SELECT count(*) FROM at3")"

# a DROP with no CREATE: refused by both, naming the position
expect_code 1 "a DROP with no CREATE: the local merge exits 1" \
	mc-merge --warehouse="$T/w" --table=d__gone --ds=$D
expect_code 1 "and the merge in MaxCompute" mc-merge $OD --state="$MS" --table=d__gone --ds=$D
expect_grep "naming the position and why" \
	"table 'd__gone': a DROP \(or a rename away\) at position [0-9]+:[0-9]+:[0-9]+ .*the table is gone" "$T/err"

# a re-creation with another schema: a new version of the table's schema
# history (docs/maxcompute.md "Schema changes"; it was refused at the upload
# before the history was kept in MaxCompute): its column added to the
# tables, and the day merged there equals the local merge and the source
expect_ok "e: the snapshot goes into MaxCompute" put --state="$T/se" "$T/snape1.mcr"
expect_ok "e: DROP + CREATE with another schema goes up (a new version of its history)" \
	put --state="$T/se" "$T/changese1.mcr"
expect_ok "e: the local warehouse too" mc-tunnel-put --dest="$T/we" "$T/snape1.mcr"
expect_ok "e: ... its changes" mc-tunnel-put --dest="$T/we" "$T/changese1.mcr"
expect_ok "e: the local merge" mc-merge --warehouse="$T/we" --table=e__ds --ds=$D
expect_ok "e: the merge in MaxCompute" mc-merge $OD --state="$T/se" --table=e__ds --ds=$D
{ "$H" create e__ds "$T/we/e__ds/_schema.mcr" | head -1
  "$H" load e__ds "ds=$D" base "$T/we/e__ds/ds=$D"/part-*.mcr.zst; } >"$T/loc.sql"
rm -f "$T/loc.db"
sqlite3 "$T/loc.db" ".read $T/loc.sql" 2>"$T/err" || fail "e: load" "$(cat "$T/err")"
cmp_tables "$T/loc.db" "SELECT id, v, w, mc_pos_file, mc_pos_off, mc_pos_row FROM e__ds WHERE ds = '$D'" \
	"SELECT id, v, w, _pos_file, _pos_off, _pos_row FROM e__ds WHERE ds = '$D'" \
	"e: the re-created table merged in MaxCompute equals the local merge"
expect_eq "e: ... and the source" "$(sqlite3 "$DB" "SELECT id, v, w FROM e__ds WHERE ds = '$D'")" \
	"$(sql "SELECT id, v, w FROM e.ds" | tr '\t' '|')"
