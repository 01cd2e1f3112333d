#!/bin/sh
# mc-tunnel-put --recover with the log tables in the dts layout (docs/
# maxcompute.md "Tables", "Recovering a lost state directory"): a commit
# left in doubt is resolved by counting the log partition's rows by its
# record_id (the position packed), not by mc_pos_* (which the layout has
# not). mc-tunnel-put --log-layout=dts is killed (SIGKILL) in windows of a
# commit whose partitions are then in or out, the state directory removed,
# --recover run, the same input given again: every row is in MaxCompute
# once (the base as the input's rows, the log as many rows as the input's
# images, no (record_id, after_flag) twice).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"

need python3 sqlite3 curl
odps_start srv || exit 1
DB=$T/srv/p1.db

"$BIN/tools/mcgen" sysbench 3000 >"$T/sb.mcr" || { fail "mcgen" "failed"; exit 1; }
"$BIN/tools/mcgen" changes 3000 600 >"$T/ch.mcr" || { fail "mcgen" "failed"; exit 1; }
"$BIN/tools/mchist" csv X base "$T/sb.mcr" | sed 's/,X$//' | tr -d '"' | sort >"$T/want.base"
NLOG=$("$BIN/tools/mchist" csv X log "$T/ch.mcr" | wc -l)
check() { # NAME DESC
	sqlite3 -csv "$DB" "SELECT * FROM $1" | sed 's/,[0-9]*$//' | tr -d '"' | sort >"$T/got.base"
	n=$(sqlite3 "$DB" "SELECT count(*) FROM $1_log")
	d=$(sqlite3 "$DB" "SELECT count(DISTINCT record_id || after_flag) FROM $1_log")
	if cmp -s "$T/want.base" "$T/got.base" && [ "$n" = "$NLOG" ] && [ "$d" = "$NLOG" ]; then
		ok "$2"
	else
		fail "$2" "base $(wc -l <"$T/got.base")/$(wc -l <"$T/want.base") rows, log $n rows ($d distinct)/$NLOG"
	fi
}
ARGS="--block-size=30000 --commit-rows=5000 --log-layout=dts"
writer() { sed -n 's/^writer //p' "$T/$1/_mcsync/odps"; }

expect_ok "a clean load in the dts layout" put c1 sc1 $ARGS "$T/sb.mcr" "$T/ch.mcr"
check c1 "the clean load: every row once"
expect_eq "the log table is of the dts layout" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM pragma_table_info('c1_log') WHERE name IN ('record_id', 'after_flag')
		OR name LIKE 'mc_%'")" 2

# the windows of tests/t7024-odps-recover.sh (the same input, the same commits)
window() { # NAME RULE DESC
	: >"$T/srv/faults.log"
	faults "$2"
	put_ "$1" "s$1" $ARGS "$T/sb.mcr" "$T/ch.mcr" >/dev/null 2>"$T/kill.err" &
	_p=$!
	if wait_for "slow" "$T/srv/faults.log" 100; then
		kill -9 "$_p"
		wait "$_p" 2>/dev/null
		nofaults
		_w=$(writer "s$1")
		rm -rf "$T/s$1"
		if ! rec "s$1" "$_w" >"$T/out" 2>"$T/err"; then
			fail "$3" "--recover failed: $(cat "$T/err")"
			return
		fi
		cp "$T/out" "$T/rec.$1"
		put "$1" "s$1" $ARGS "$T/sb.mcr" "$T/ch.mcr" >"$T/out" 2>"$T/err" ||
			fail "$3" "the rerun failed: $(cat "$T/err")"
		check "$1" "$3"
	else
		kill -9 "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
		nofaults
		fail "$3" "the fault did not fire"
	fi
}
window w5 "commit slow=30 skip=4" "killed after the mirror's commit, before the data commits: every row once"
window w6 "commit slow=30 skip=5" "killed after the first data commit: every row once"
window w7 "commit slow=30 skip=6" "killed between data commits: every row once"
window w8 "commit slow=30 skip=7" "killed after the data commits, before the ledger: every row once"
grep -h ": in (" "$T"/rec.w* >/dev/null && grep -h ": out (" "$T"/rec.w* >/dev/null &&
	ok "log partitions were counted both in and out" ||
	fail "log partitions were counted both in and out" "$(cat "$T"/rec.w*)"
grep -h "_log .*: in (" "$T"/rec.w* >/dev/null &&
	ok "... a log partition of the layout among them" ||
	fail "... a log partition of the layout among them" "$(cat "$T"/rec.w*)"
