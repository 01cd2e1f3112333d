#!/bin/sh
# A new table generation in MaxCompute (docs/maxcompute.md "Schema
# changes"): a throwaway MariaDB, a snapshot, then DATETIME(3) to
# DATETIME(6) (DATETIME to TIMESTAMP in MaxCompute, which ALTER does not
# make in place) issued while a writer runs. Into the local server:
# mc-tunnel-put makes e__dt__g2 and e__dt__g2_log, copies the older
# generation's partitions (each value CAST to its new type), records
# generation 2 in STATE/_mcsync/hist/e__dt.gen; the day merged there
# (written into the newest generation) equals the local merge and the
# source row by row; a rerun is a repeat; a run stopped before the record
# (the tables made, the copy done) carries on; --recover after losing
# --state finds the generation; --at --into across it; a second generation
# (INT UNSIGNED to BIGINT UNSIGNED: BIGINT to DECIMAL(20,0)).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE e;
     CREATE TABLE e.dt (id INT PRIMARY KEY, t DATETIME(3), u INT UNSIGNED);
     INSERT INTO e.dt VALUES (1,'2024-01-01 00:00:00.123',1),(2,'2024-01-01 00:00:01',2)" ||
	{ fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=e >"$T/snap.mcr" 2>"$T/err" || { fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
# a writer runs while the ALTER is issued
( i=100; while [ $i -lt 160 ]; do
	sql "INSERT INTO e.dt (id, t, u) VALUES ($i, '2024-01-02 00:00:00.5', $i); UPDATE e.dt SET u = u + 1 WHERE id = 1" || exit 1
	i=$((i + 1)); done ) &
wpid=$!
sleep 0.3
sql "UPDATE e.dt SET t = '2024-01-02 00:00:00.5' WHERE id = 2; ALTER TABLE e.dt MODIFY t DATETIME(6)" ||
	fail "setup" "ALTER"
wait $wpid || fail "setup" "the writer failed"
sql "INSERT INTO e.dt VALUES (3,'2024-01-03 00:00:00.123456',3); UPDATE e.dt SET t = '2024-01-04 00:00:00.000001' WHERE id = 1;
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
foff=$2
mc-binlog-tail --schema="$T/snap.mcr" --from="$first:$foff" \
	"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/changes.mcr" 1763683200 1763769600 >"$T/changes1.mcr" || { fail "setup" "restamp"; exit 1; }

odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
D=20251121
put() { mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 --retry-delay=0.05 "$@"; }
cols() { sqlite3 "$DB" "SELECT group_concat(name || ' ' || type, ', ') FROM (SELECT name, type FROM
	_odps_columns WHERE tbl = '$1' AND is_part = 0 ORDER BY pos)"; }
# the server holds TIMESTAMP with nine digits, the local merge six
n9() { sed 's/\(\.[0-9]\{6\}\)000\([|]\|$\)/\1\2/g'; }

expect_ok "the snapshot goes into the local warehouse" mc-tunnel-put --dest="$T/w" "$T/snap1.mcr"
expect_ok "the changes too" mc-tunnel-put --dest="$T/w" "$T/changes1.mcr"
expect_ok "the snapshot goes into MaxCompute" put "$T/snap1.mcr"
# stopped at each SQL instance in turn around the generation's making (the
# server fails it; one is a SIGKILL), then run again: exactly once
k=0; stops=0
while [ $k -le 24 ]; do
	faults "submit 500 times=1000 skip=$k"
	# a budget of 0.3 s: the 500s go on past it, so it ends in exit 3 (at 0.2
	# minutes each stop cost 12 s of retries)
	mc-tunnel-put $OD --state="$T/s" --retry-time=0.005 --retry-delay=0.05 "$T/changes1.mcr" >"$T/out" 2>"$T/err"
	rc=$?
	nofaults
	[ $rc -eq 0 ] && break
	[ $rc -eq 3 ] || fail "stopped at SQL instance $k: exit 3" "exit $rc: $(cat "$T/err")"
	stops=$((stops + 1)); k=$((k + 3))
done
[ $stops -ge 3 ] && ok "the upload stopped at $stops places and ran again" || fail "stops" "$stops"
: >"$T/srv/faults.log"
faults "submit slow=4 times=1"
mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 --retry-delay=0.05 "$T/changes1.mcr" >"$T/out" 2>"$T/err" &
ppid=$!
# SIGKILL while the server holds the submission
wait_for "slow" "$T/srv/faults.log" 150 || fail "the kill in a held submission" "the fault did not fire: $(tail -2 "$T/err")"
kill -9 $ppid 2>/dev/null; wait $ppid 2>/dev/null
nofaults
expect_ok "the changes across DATETIME(3) to DATETIME(6) go into MaxCompute: a new generation" \
	put "$T/changes1.mcr"
expect_eq "generation 2 is recorded in the state" "$(cut -d' ' -f1 "$T/s/_mcsync/hist/e__dt.gen")" 2
expect_eq "e__dt keeps DATETIME" "$(cols e__dt)" \
	"id INT, t DATETIME, u BIGINT, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT"
expect_eq "e__dt__g2 has TIMESTAMP" "$(cols e__dt__g2)" \
	"id INT, t TIMESTAMP, u BIGINT, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT"
expect_eq "the snapshot's partition is copied, its DATETIME held as TIMESTAMP" \
	"$(sqlite3 "$DB" "SELECT group_concat(id || '=' || t, ' ') FROM (SELECT id, t FROM e__dt__g2 WHERE ds = '20251120' ORDER BY id)")" \
	"1=2024-01-01 00:00:00.123000000 2=2024-01-01 00:00:01.000000000"
expect_eq "no row of the day went into the older log table after the change" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM e__dt_log WHERE t LIKE '%.______'")" 0
n2=$(sqlite3 "$DB" "SELECT count(*) FROM e__dt__g2_log")
expect_ok "a rerun is a repeat" put "$T/changes1.mcr"
expect_eq "... nothing more in the new generation" "$(sqlite3 "$DB" "SELECT count(*) FROM e__dt__g2_log")" "$n2"
expect_eq "... and no third one" "$(wc -l <"$T/s/_mcsync/hist/e__dt.gen")" 1

check_day() { # WHAT: the day merged in the server equals the local merge and the source
	expect_ok "$1: the merge of $D in MaxCompute" mc-merge $OD --state="$T/s" --table=e__dt --ds=$D -v
	local_load "$T/w" e__dt "$1"
	sqlite3 "$T/loc.db" "SELECT id, t, u, _pos_file || ':' || _pos_off || ':' || _pos_row FROM e__dt
		WHERE ds = '$D'" | sort >"$T/l.rows"
	sqlite3 "$DB" "SELECT id, t, u, mc_pos_file || ':' || mc_pos_off || ':' || mc_pos_row FROM e__dt__g2
		WHERE ds = '$D'" | n9 | sort >"$T/o.rows"
	[ "$(wc -l <"$T/l.rows")" -gt 60 ] || fail "$1: the local merge has the rows" "$(wc -l <"$T/l.rows")"
	expect_same "$1: the partition in the newest generation equals the local one, row by row" \
		"$T/l.rows" "$T/o.rows"
	sql "SELECT id, t, u FROM e.dt" | tr '\t' '|' | sort >"$T/truth"
	sqlite3 "$DB" "SELECT id, t, u FROM e__dt__g2 WHERE ds = '$D'" | n9 | sort >"$T/got"
	expect_same "$1: and the source's rows" "$T/truth" "$T/got"
	expect_eq "$1: nothing is written into the older generation" \
		"$(sqlite3 "$DB" "SELECT count(*) FROM e__dt WHERE ds = '$D'")" 0
}
expect_ok "the local merge of $D" mc-merge --warehouse="$T/w" --table=e__dt --ds=$D
check_day "across the generations"
check_day "a rerun of the merge"

# --at --into across the generation boundary
expect_ok "--at --into at the day's end" mc-merge $OD --state="$T/s" --table=e__dt \
	--at='2025-11-21 12:00:00' --into=e_at
sqlite3 "$DB" "SELECT id, t, u FROM e_at" | n9 | sort >"$T/at"
expect_same "... the state equals the source's" "$T/truth" "$T/at"

expect_eq "the ledger has every row once: the generation's log has no repeat" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT mc_pos_file, mc_pos_off, mc_pos_row, mc_image FROM e__dt__g2_log
		GROUP BY 1, 2, 3, 4 HAVING count(*) > 1)")" 0

# --recover after losing --state
cp "$T/s/_mcsync/hist/e__dt.gen" "$T/gen.orig"
mv "$T/s" "$T/s.lost"
expect_ok "--recover rebuilds the lost state directory" put --recover
if cmp -s "$T/gen.orig" "$T/s/_mcsync/hist/e__dt.gen"; then
	ok "--recover wrote the generations back, byte for byte"
else
	fail "--recover wrote the generations back, byte for byte" "differs or absent"
fi
check_day "after --recover"

# a second generation: INT UNSIGNED to BIGINT UNSIGNED (BIGINT to DECIMAL(20,0))
sql "ALTER TABLE e.dt MODIFY u BIGINT UNSIGNED; INSERT INTO e.dt VALUES (4,'2024-01-05 00:00:00',18446744073709551615);
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
at=$(mc-cat --to=summary "$T/changes.mcr" | sed -n 's/^positions: .* \.\. //p')
mc-binlog-tail --schema="$T/snap.mcr" --from="$first:$foff" "$MDB_DIR"/binlog/mysql-bin.[0-9]* 2>"$T/err2" |
	mc-cat --to=jsonl | from_pos "$at" | restamp - 1763769600 1763856000 >"$T/changes2.mcr" ||
	{ fail "setup" "day 2: $(cat "$T/err2")"; exit 1; }
expect_ok "the next day goes into the local warehouse" mc-tunnel-put --dest="$T/w" "$T/changes2.mcr"
# a merge of the table running: the generation waits for it (exit 3)
flock -o "$T/s/merge.e__dt.lock" sleep 30 &
lk=$!
i=0
while [ $i -lt 100 ] && flock -n "$T/s/merge.e__dt.lock" true; do sleep 0.1; i=$((i + 1)); done
expect_code 3 "a new generation while a merge of the table holds its lock: exit 3" put "$T/changes2.mcr"
expect_grep "... saying why" "table 'e__dt' is being merged by mc-merge, and its new generation waits for that" "$T/err"
expect_eq "... and no generation 3 made" "$(wc -l <"$T/s/_mcsync/hist/e__dt.gen")" 1
pkill -P $lk 2>/dev/null; kill $lk 2>/dev/null
wait $lk 2>/dev/null
expect_ok "the next day: a second generation" put "$T/changes2.mcr"
expect_grep "... generation 3, named" "generation 3 made \\('e__dt__g3', 'e__dt__g3_log'" "$T/err"
expect_eq "e__dt__g3 has DECIMAL(20,0)" "$(cols e__dt__g3)" \
	"id INT, t TIMESTAMP, u DECIMAL(20,0), mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT"
D2=20251122
expect_ok "the local merge of $D2" mc-merge --warehouse="$T/w" --table=e__dt --ds=$D2
expect_ok "the merge of $D2 in MaxCompute, from the base copied into generation 3" \
	mc-merge $OD --state="$T/s" --table=e__dt --ds=$D2
sql "SELECT id, t, u FROM e.dt" | tr '\t' '|' | sort >"$T/truth"
sqlite3 "$DB" "SELECT id, t, u FROM e__dt__g3 WHERE ds = '$D2'" | n9 | sort >"$T/got"
expect_same "$D2 in generation 3 equals the source's rows" "$T/truth" "$T/got"
local_load "$T/w" e__dt "$D2" "$D2"
sqlite3 "$T/loc.db" "SELECT id, t, u, _pos_file || ':' || _pos_off || ':' || _pos_row FROM e__dt
	WHERE ds = '$D2'" | sort >"$T/l.rows"
sqlite3 "$DB" "SELECT id, t, u, mc_pos_file || ':' || mc_pos_off || ':' || mc_pos_row FROM e__dt__g3
	WHERE ds = '$D2'" | n9 | sort >"$T/o.rows"
expect_same "... and the local merge, row by row" "$T/l.rows" "$T/o.rows"
