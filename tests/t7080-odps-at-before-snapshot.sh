#!/bin/sh
# mc-merge --dest=odps:// --at=TIME before the snapshot. The log is
# complete from the snapshot on, so the first change after such a time is
# the first change after the snapshot, and the merge took the snapshot's
# rows as the state at that time: exit 0, the table filled with rows the
# source may not have held then (the local merge refuses it: "--at=... is
# before the base partition"). Now a time before the day of the table's
# oldest partition (a partition's rows are stamped on its day or later) is
# exit 1, nothing written, before and after the first day is merged
# (docs/maxcompute.md "The merge in MaxCompute").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3 sqlite3
"$BIN/tools/mcgen" sysbench 200 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 200 300 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
# the snapshot on 2025-11-20 12:00, the changes on 2025-11-21, the end of day 21
restamp "$T/sb.mcr" 1763640000 >"$T/sb1.mcr" && restamp "$T/ch.mcr" 1763683200 1763769600 >"$T/ch1.mcr" ||
	{ fail "restamp" "failed"; exit 1; }
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
merge() { mc-merge $OD --state="$T/s" --retry-time=0.2 --table=sbtest__sbtest1 "$@"; }
expect_ok "the snapshot into MaxCompute" mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$T/sb1.mcr"
expect_ok "the changes" mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$T/ch1.mcr"
expect_ok "both into a local warehouse" mc-tunnel-put --dest="$T/w" "$T/sb1.mcr" "$T/ch1.mcr"

expect_code 1 "locally, a time the day before the snapshot is refused" \
	mc-merge --warehouse="$T/w" --table=sbtest__sbtest1 --at='2025-11-19 23:59:59' --output="$T/at.mcr"
for when in '2025-11-19 23:59:59' '2024-01-01 00:00:00'; do
	expect_code 1 "--at='$when' --into: refused in MaxCompute" merge --at="$when" --into=early
	expect_grep "... naming the oldest partition" \
		"--at='$when' is before the day of table 'sbtest__sbtest1''s oldest partition 'ds=20251120'" "$T/err"
done
expect_eq "... nothing written" "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_master WHERE name = 'early'")" 0
expect_ok "--at the snapshot's time: the snapshot" merge --at='2025-11-20 12:00:00' --into=atsnap
expect_eq "... its rows" "$(sqlite3 "$DB" "SELECT count(*) FROM atsnap")" 200

expect_ok "day 21 merged" merge --ds=20251121
expect_code 1 "with a merged partition, the time before the snapshot is still refused" \
	merge --at='2025-11-19 23:59:59' --into=early
mc-merge --warehouse="$T/w" --table=sbtest__sbtest1 --at='2025-11-21 23:59:59' --output="$T/at.mcr" 2>"$T/err" ||
	fail "the local --at of the day's end" "$(cat "$T/err")"
expect_ok "--at the day's end in MaxCompute" merge --at='2025-11-21 23:59:59' --into=atend
mc-cat --to=csv --table=sbtest.sbtest1 "$T/at.mcr" | tail -n +2 | sort >"$T/l.csv"
sqlite3 -csv "$DB" "SELECT id, k, c, pad FROM atend" | sort >"$T/o.csv"
expect_same "... equal to the local merge" "$T/l.csv" "$T/o.csv"
