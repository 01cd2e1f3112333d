#!/bin/sh
# mc-tunnel-put starting while mc-merge runs on the same warehouse (a tail
# service restarted during the nightly merge): the sink's start removes
# what a killed sink left behind, every '*.tmp.*' file in the table
# directories and in _mcsync, and so removed the merge's own temporary
# files too: its status record (mc-cat --status then showed an older
# result) and a schema record it was appending (the merge failed, exit 1,
# on a confusing rename error). A merge holds _mcsync/merge-TABLE.lock
# while it runs; the sink now leaves the temporary files of a table whose
# merge holds it (and of its log), and its status record, and removes
# them at a start when no merge runs. The merge is stood in for by
# flock(1) holding its lock.
. "$(dirname "$0")/lib.sh"
command -v flock >/dev/null || { fail "flock(1)" "not installed (util-linux)"; exit 1; }
W=$T/wh
"$BIN/tools/mcgen" sysbench 200 >"$T/sb.mcr" || { fail "mcgen" "failed"; exit 1; }
expect_ok "a warehouse" mc-tunnel-put --dest="$W" "$T/sb.mcr"
tb=sbtest__sbtest1
mkdir -p "$W/${tb}_log" "$W/other"
tmps() { # the temporary files the test put there, that are still there
	for f in "$W/$tb/_schema.mcr.tmp.aaaaaa" "$W/${tb}_log/_schema.mcr.tmp.bbbbbb" \
		"$W/_mcsync/merged.$tb.tmp.cccccc" "$W/_mcsync/ledger.tmp.dddddd" \
		"$W/other/x.tmp.eeeeee"; do
		[ -e "$f" ] && printf '%s ' "${f#"$W"/}"
	done
}
put_tmps() {
	for f in "$W/$tb/_schema.mcr.tmp.aaaaaa" "$W/${tb}_log/_schema.mcr.tmp.bbbbbb" \
		"$W/_mcsync/merged.$tb.tmp.cccccc" "$W/_mcsync/ledger.tmp.dddddd" \
		"$W/other/x.tmp.eeeeee"; do
		echo x >"$f"
	done
}
put_tmps
# the lock held by this subshell alone (its sleeps do not inherit it)
(
	exec 9>"$W/_mcsync/merge-$tb.lock"
	flock 9
	while :; do sleep 0.1 9>&-; done
) &
holder=$!
at_exit "kill $holder 2>/dev/null"
i=0
while flock -n "$W/_mcsync/merge-$tb.lock" true && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
expect_ok "the sink starts while the table's merge holds its lock" mc-tunnel-put --dest="$W" "$T/sb.mcr"
expect_eq "... the merge's temporary files kept, a killed sink's removed" "$(tmps)" \
	"$tb/_schema.mcr.tmp.aaaaaa ${tb}_log/_schema.mcr.tmp.bbbbbb _mcsync/merged.$tb.tmp.cccccc "
kill $holder 2>/dev/null
wait $holder 2>/dev/null
put_tmps
expect_ok "the sink starts with no merge running" mc-tunnel-put --dest="$W" "$T/sb.mcr"
expect_eq "... every temporary file removed" "$(tmps)" ""
