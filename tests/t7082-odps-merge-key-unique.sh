#!/bin/sh
# mc-merge --dest=odps:// --key=COL of a table without a key, where the base
# partition holds two rows with one value of COL: the merge by key kept one
# of them and dropped the other, exit 0 (the local merge refuses: "the key
# (a) is not unique"). Now exit 1 before anything is written, for --ds and
# for --at --into; a --key unique in the base merges as before
# (docs/maxcompute.md "The merge in MaxCompute").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.t (a INT, b INT, v INT);
INSERT INTO d.t VALUES (1,1,1),(1,2,2),(2,1,3),(3,3,3)" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap.mcr" 2>"$T/err" || { fail "setup" "$(cat "$T/err")"; exit 1; }
sql "INSERT INTO d.t VALUES (4,4,4); UPDATE d.t SET v = 30 WHERE a = 3; FLUSH BINARY LOGS" ||
	{ fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/ch.mcr" 2>"$T/err" ||
	{ fail "setup" "$(cat "$T/err")"; exit 1; }
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" && restamp "$T/ch.mcr" 1763683200 1763769600 >"$T/ch1.mcr" ||
	{ fail "setup" "restamp"; exit 1; }
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
merge() { mc-merge $OD --state="$T/s" --retry-time=0.2 --table=d__t "$@"; }
expect_ok "the snapshot and the changes into MaxCompute" mc-tunnel-put $OD --state="$T/s" "$T/snap1.mcr" "$T/ch1.mcr"
expect_ok "... and into a local warehouse" mc-tunnel-put --dest="$T/w" "$T/snap1.mcr" "$T/ch1.mcr"
expect_code 1 "locally, --key=a (two base rows with a = 1) is refused" \
	mc-merge --warehouse="$T/w" --table=d__t --ds=20251121 --key=a

expect_code 1 "in MaxCompute, --ds with --key=a: refused" merge --ds=20251121 --key=a
expect_grep "... naming the key and the base partition" \
	"table 'd__t': the key \(a\) is not unique: 1 of its values are taken by more than one row of the base partition 'ds=20251120'" "$T/err"
expect_eq "... no partition written" "$(sqlite3 "$DB" "SELECT count(*) FROM d__t WHERE ds = '20251121'")" 0
expect_code 1 "--at --into with --key=a: refused" merge --at='2025-11-21 12:00:00' --key=a --into=x
expect_eq "... no table made" "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_master WHERE name = 'x'")" 0

expect_ok "--key=a,b (unique): merged" merge --ds=20251121 --key=a,b
sql "SELECT a, b, v FROM d.t" | tr '\t' '|' | sort >"$T/truth"
sqlite3 "$DB" "SELECT a, b, v FROM d__t WHERE ds = '20251121'" | sort >"$T/got"
expect_same "... equal to the source" "$T/truth" "$T/got"
