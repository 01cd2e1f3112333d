#!/bin/sh
# mc-merge --dest=odps://P --skip-merged (as pipelines/merge-daily.sh runs
# it to catch up on days that failed): a day whose partition mc-merge made
# (recorded in --state and listed by SHOW PARTITIONS) is left as it is,
# exit 0; so are the snapshot's day and a day before the table's oldest
# partition (without the option, exit 1 there as before); a day not merged
# yet is merged; a day the log has not reached is still exit 1.
# merge-daily.sh with MCSYNC_ODPS catches up the same way. mc-merge --all
# -v says of a table it skipped that it skipped it, and why.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3 sqlite3
"$BIN/tools/mcgen" sysbench 200 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 200 300 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
# the snapshot on 2025-11-20, the changes on 2025-11-21, a heartbeat on 2025-11-22
restamp "$T/sb.mcr" 1763640000 >"$T/sb1.mcr" && restamp "$T/ch.mcr" 1763683200 1763769600 >"$T/ch1.mcr" ||
	{ fail "restamp" "failed"; exit 1; }
odps_start srv || exit 1
C="--odps-config=$ODPS_CONF --retry-time=0.2"
TB=sbtest__sbtest1
merge() { mc-merge --dest=odps://p1 --state="$T/s" $C --table=$TB "$@"; }
q() { sqlite3 "$T/srv/p1.db" "$1"; }
rows21() { q "SELECT id, k, c, pad FROM $TB WHERE ds = '20251121'" | sort | cksum; }
expect_ok "the snapshot and the changes load" mc-tunnel-put --dest=odps://p1 $C --state="$T/s" "$T/sb1.mcr" "$T/ch1.mcr"

expect_ok "--skip-merged: a day not merged yet is merged" merge --ds=20251121 --skip-merged
expect_ok "... its partition there" test "$(q "SELECT count(*) FROM $TB WHERE ds = '20251121'")" -gt 0
want=$(rows21)
# a mark in the partition: gone when the day is merged again
q "UPDATE $TB SET pad = 'marked' WHERE ds = '20251121' AND id = (SELECT min(id) FROM $TB WHERE ds = '20251121')"
marked=$(rows21)
expect_ok "--skip-merged: the day again, exit 0" merge --ds=20251121 --skip-merged -v
expect_grep "... said with -v" "'$TB/ds=20251121' is merged already: nothing to do \(--skip-merged\)" "$T/err"
expect_eq "... the partition not rewritten" "$(rows21)" "$marked"
expect_ok "--all --skip-merged: the same" mc-merge --dest=odps://p1 --state="$T/s" $C --all --ds=20251121 --skip-merged -v
expect_eq "... not rewritten" "$(rows21)" "$marked"
expect_grep "... -v says the table was skipped, and why (it said merged)" \
	"^mc-merge: --all: $TB: skipped: already merged \(--skip-merged\)$" "$T/err"
expect_ok "--all --skip-merged: a day before the oldest partition, exit 0" \
	mc-merge --dest=odps://p1 --state="$T/s" $C --all --ds=20251118 --skip-merged -v
expect_grep "... -v says so" \
	"^mc-merge: --all: $TB: skipped: before the table's oldest full partition \(--skip-merged\)$" "$T/err"
expect_ok "--skip-merged: the snapshot's day, exit 0" merge --ds=20251120 --skip-merged
expect_ok "--skip-merged: a day before the oldest partition, exit 0" merge --ds=20251118 --skip-merged -v
expect_grep "... said with -v" "'$TB/ds=20251118' is before the table's oldest partition 'ds=20251120' in MaxCompute: nothing to do" "$T/err"
expect_code 1 "without it, exit 1 as before" merge --ds=20251118
expect_grep "... saying why" "has no full partition before 20251118 in MaxCompute" "$T/err"
expect_code 1 "--skip-merged: a day the log has not reached, exit 1" merge --ds=20251122 --skip-merged
expect_grep "... saying so" "has not reached the end of 20251122" "$T/err"
expect_code 2 "--skip-merged with --at --into: usage" merge --at=1:4:0 --into=x --skip-merged
expect_grep "... naming it" "^mc-merge: --skip-merged goes with --ds" "$T/err"
expect_ok "without it the day is merged again" merge --ds=20251121
expect_eq "... (the mark gone)" "$(rows21)" "$want"

# merge-daily.sh: the days up to yesterday, the merged one left as it is
q "UPDATE $TB SET pad = 'marked' WHERE ds = '20251121' AND id = (SELECT min(id) FROM $TB WHERE ds = '20251121')"
daily() {
	env MCSYNC_ODPS=odps://p1 MCSYNC_STATE="$T/s" MCSYNC_ODPS_ARGS="$C" MCSYNC_TZ=UTC "$@" \
		"$TOP/pipelines/merge-daily.sh"
}
expect_ok "merge-daily.sh on 2025-11-22 (7 days back): exit 0" daily MCSYNC_TODAY=20251122
expect_eq "... the merged day left as it is" "$(rows21)" "$marked"
expect_code 1 "merge-daily.sh on 2025-11-23: 2025-11-22 not over in the log, exit 1" daily MCSYNC_TODAY=20251123
expect_grep "... saying so" "has not reached the end of 20251122" "$T/err"
