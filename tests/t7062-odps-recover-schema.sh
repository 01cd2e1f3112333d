#!/bin/sh
# The schema history in the state mirror (docs/maxcompute.md "Recovering
# a lost state directory", "Schema changes"): a day with ADD COLUMN NOT
# NULL DEFAULT 0, a RENAME, a MODIFY INT to BIGINT and a change of the key
# (changes under the old key too) goes into the local MaxCompute server;
# the --state directory is deleted; --recover writes the tables' schema
# histories back (byte for byte) from the mirror's "hist.T" rows, and the
# merge of the day in MaxCompute across the changes with the recovered
# state equals the local merge row by row. The recovered state goes on:
# the next day's upload with one more ALTER, and a second loss and
# --recover, give the history its third version.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.a (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.pk (id INT PRIMARY KEY, u INT NOT NULL, v INT);
     INSERT INTO d.a VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.pk VALUES (1,10,1),(2,20,2),(3,30,3)" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "INSERT INTO d.a VALUES (4,4); UPDATE d.a SET v = 20 WHERE id = 2;
     ALTER TABLE d.a ADD COLUMN n INT NOT NULL DEFAULT 0;
     INSERT INTO d.a VALUES (5,5,7); UPDATE d.a SET n = 9 WHERE id = 3;
     ALTER TABLE d.a RENAME COLUMN v TO w; UPDATE d.a SET w = 10 WHERE id = 1;
     ALTER TABLE d.a MODIFY w BIGINT; INSERT INTO d.a VALUES (6,5000000000,1);
     DELETE FROM d.pk WHERE id = 1; UPDATE d.pk SET id = 12 WHERE id = 2;
     ALTER TABLE d.pk DROP PRIMARY KEY, ADD PRIMARY KEY (u);
     INSERT INTO d.pk VALUES (4,10,4); UPDATE d.pk SET v = 5 WHERE u = 30;
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
foff=$2
mc-binlog-tail --schema="$T/snap.mcr" --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/changes.mcr" 1763683200 1763769600 >"$T/changes1.mcr" ||
	{ fail "setup" "restamp"; exit 1; }

odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
D=20251121
put() { mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$@"; }

expect_ok "the snapshot goes into the local warehouse" mc-tunnel-put --dest="$T/w" "$T/snap1.mcr"
expect_ok "the changes too" mc-tunnel-put --dest="$T/w" "$T/changes1.mcr"
expect_ok "the snapshot goes into MaxCompute" put "$T/snap1.mcr"
expect_ok "the day across the changes too" put "$T/changes1.mcr"
mkdir -p "$T/orig" && cp "$T/s/_mcsync/hist/"*.mcr "$T/orig/" || fail "setup" "no history"
expect_eq "d__a's history has four versions" "$(mc-cat "$T/orig/d__a.mcr" | grep -c '"kind":"schema"')" 4

rm -rf "$T/s"
expect_ok "--recover rebuilds the lost state directory" put --recover
cat "$T/out" "$T/err" >"$T/rep"
for t in a pk; do
	expect_grep "d__$t: it says it wrote the schema history" "hist/d__$t.mcr: written \([0-9]+ schema versions" "$T/rep"
	if cmp -s "$T/orig/d__$t.mcr" "$T/s/_mcsync/hist/d__$t.mcr"; then
		ok "d__$t: the recovered history is the lost one, byte for byte"
	else
		fail "d__$t: the recovered history is the lost one, byte for byte" "differs or absent"
	fi
done

for t in a pk; do
	case $t in a) c="id, w, n" ;; pk) c="id, u, v" ;; esac
	expect_ok "$t: the local merge of $D" mc-merge --warehouse="$T/w" --table=d__$t --ds=$D
	expect_ok "$t: the merge of $D in MaxCompute with the recovered state, across the changes" \
		mc-merge $OD --state="$T/s" --table=d__$t --ds=$D
	same_part "$T/w" d__$t "$c" "$t" "$t: the partition in MaxCompute equals the local one, row by row, positions too"
	same_source "d.$t" "d__$t" "$c" "$t: and the source's rows"
done

# the recovered state goes on: one more ALTER the next day, lost again
sql "ALTER TABLE d.a ADD COLUMN z INT NOT NULL DEFAULT 3; INSERT INTO d.a VALUES (7,7,7,7);
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
at=$(mc-cat --to=summary "$T/changes.mcr" | sed -n 's/^positions: .* \.\. //p')
mc-binlog-tail --schema="$T/snap.mcr" --from="$first:$foff" "$MDB_DIR"/binlog/mysql-bin.[0-9]* 2>"$T/err2" |
	mc-cat --to=jsonl | from_pos "$at" | restamp - 1763769600 >"$T/changes2.mcr" ||
	{ fail "setup" "day 2: $(cat "$T/err2")"; exit 1; }
expect_ok "the next day goes in with the recovered state" put "$T/changes2.mcr"
rm -rf "$T/s"
expect_ok "--recover again" put --recover
expect_eq "d__a: the recovered history has the next day's version too" \
	"$(mc-cat "$T/s/_mcsync/hist/d__a.mcr" | grep -c '"kind":"schema"')" 5
