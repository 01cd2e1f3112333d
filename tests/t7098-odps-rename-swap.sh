#!/bin/sh
# Two columns swapping names (RENAME a TO b, b TO a in one statement; or
# through a third name: a TO t, b TO a, then t TO b), loaded into MaxCompute
# after the snapshot: the table's columns are found by their names as of
# the version it holds (the state's _mcsync/evolved/NAME), renamed through
# a temporary name, and the day merged in MaxCompute equals the source and
# the local merge. (The column was looked up by its newest name, the other
# column's old one: a and b swapped for every row untouched since, exit 0:
# found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
command -v python3 >/dev/null || { ok "skipped: no python3"; exit 0; }
mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.s1 (id INT PRIMARY KEY, a INT, b INT);
     CREATE TABLE d.s2 (id INT PRIMARY KEY, a INT, b INT);
     INSERT INTO d.s1 VALUES (1,1,100),(2,2,200);
     INSERT INTO d.s2 VALUES (1,1,100),(2,2,200);" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap.mcr" 2>"$T/err" || { fail setup "mc-snapshot: $(cat "$T/err")"; exit 1; }
sql "INSERT INTO d.s1 VALUES (3,3,300);
     ALTER TABLE d.s1 RENAME COLUMN a TO b, RENAME COLUMN b TO a;
     INSERT INTO d.s1 (id,a,b) VALUES (4,400,4); UPDATE d.s1 SET a = a + 1 WHERE id = 1;
     INSERT INTO d.s2 VALUES (3,3,300);
     ALTER TABLE d.s2 RENAME COLUMN a TO t, RENAME COLUMN b TO a;
     ALTER TABLE d.s2 RENAME COLUMN t TO b;
     INSERT INTO d.s2 (id,a,b) VALUES (4,400,4); UPDATE d.s2 SET a = a + 1 WHERE id = 1;
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --schema="$T/snap.mcr" --tables='^d\.' --from="$first:$2" \
	"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
load_two_days "$T/w"
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
D=20251121
put() { mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$@"; }
expect_ok "the snapshot goes into MaxCompute" put "$T/snap1.mcr"
expect_ok "the changes across the swaps go into MaxCompute" put "$T/changes1.mcr"
for t in s1 s2; do
	sql "SELECT id, a, b FROM d.$t" | tr '\t' '|' | sort >"$T/truth.$t"
	expect_ok "$t: the local merge" mc-merge --warehouse="$T/w" --table=d__$t --ds=$D
	mc-cat --to=csv --table=d.$t "$T/w/d__$t/ds=$D"/part-*.mcr.zst | python3 -c '
import csv, sys
rows = list(csv.reader(sys.stdin)); h = rows[0]
for r in rows[1:]:
    d = dict(zip(h, r)); print("%s|%s|%s" % (d["id"], d["a"], d["b"]))' | sort >"$T/local.$t"
	expect_same "$t: the local merge equals the source (id|a|b)" "$T/truth.$t" "$T/local.$t"
	expect_ok "$t: the merge in MaxCompute" mc-merge $OD --state="$T/s" --table=d__$t --ds=$D
	sqlite3 "$DB" "SELECT id, a, b FROM d__$t WHERE ds = '$D'" | sort >"$T/got.$t"
	expect_same "$t: the day merged in MaxCompute equals the source (id|a|b), not a and b swapped" \
		"$T/truth.$t" "$T/got.$t"
done
# A run cut short in its renames (the state's _mcsync/evolved/NAME says how
# far: stage 0, to the temporary names, one of them made; stage 1, all
# made): the rerun carries on, and the day merged equals the source.
CLI="python3 $TOP/tests/odps-server/client.py --endpoint=$ODPS_ENDPOINT --credentials=$ODPS_CONF --project=p1"
only "$T/snap1.mcr" s1 >"$T/c.snap.mcr" && only "$T/changes1.mcr" s1 >"$T/c.ch.mcr" ||
	{ fail setup "only"; exit 1; }
for st in 0 1; do
	n=c$st
	expect_ok "$n: the snapshot of s1 goes into MaxCompute" \
		mc-tunnel-put $OD --state="$T/$n" --retry-time=0.2 --name=d.s1=$n "$T/c.snap.mcr"
	for tb in $n ${n}_log; do
		$CLI sql "ALTER TABLE $tb CHANGE COLUMN a RENAME TO mc_rn_b;" >/dev/null 2>"$T/sql.err" ||
			fail "$tb: ALTER" "$(cat "$T/sql.err")"
		[ $st = 0 ] || $CLI sql "ALTER TABLE $tb CHANGE COLUMN b RENAME TO mc_rn_a;" >/dev/null 2>"$T/sql.err" ||
			fail "$tb: ALTER" "$(cat "$T/sql.err")"
		echo "2 1 $st" >"$T/$n/_mcsync/evolved/$tb"
	done
	# (the run cut short had written the schema history of the commit)
	cp "$T/s/_mcsync/hist/d__s1.mcr" "$T/$n/_mcsync/hist/$n.mcr" || fail "$n: setup" "cp"
	expect_ok "$n: the changes across the swap, after renames cut short at stage $st" \
		mc-tunnel-put $OD --state="$T/$n" --retry-time=0.2 --name=d.s1=$n "$T/c.ch.mcr"
	expect_eq "$n: ... the state records the version the table holds" "$(cat "$T/$n/_mcsync/evolved/$n")" 2
	expect_ok "$n: the merge in MaxCompute" mc-merge $OD --state="$T/$n" --table=$n --ds=$D
	sqlite3 "$DB" "SELECT id, a, b FROM $n WHERE ds = '$D'" | sort >"$T/got.$n"
	expect_same "$n: the day merged in MaxCompute equals the source" "$T/truth.s1" "$T/got.$n"
done
# Without the state's record, a table whose columns fit two versions with
# other columns under the same names is refused (the names cannot say).
expect_ok "the snapshot of s1 into c2" \
	mc-tunnel-put $OD --state="$T/c2" --retry-time=0.2 --name=d.s1=c2 "$T/c.snap.mcr"
rm -rf "$T/c2/_mcsync/evolved"
expect_code 1 "c2: the changes across the swap without the record: refused" \
	mc-tunnel-put $OD --state="$T/c2" --retry-time=0.2 --name=d.s1=c2 "$T/c.ch.mcr"
expect_grep "... saying why" "its columns fit versions 1 and 2 of the schema history of d\.s1, with other columns under the same names" "$T/err"
