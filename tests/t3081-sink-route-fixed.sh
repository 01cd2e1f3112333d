#!/bin/sh
# --route is the warehouse's (ledger key route, none: op), as --log-layout
# is: a snapshot loaded with --route=log by mistake, then again as the
# merge's message says (without it), had every row taken for a repeat and
# an empty base partition made complete; the merge then gave 3,630 rows of
# 19,695, exit 0 (found by a tester). Now a run with another --route is a
# usage error, exit 2, naming both and what to do.
. "$(dirname "$0")/lib.sh"
MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 2000 >"$T/s.mcr" && "$MCGEN" changes 2000 500 >"$T/l.mcr" || { fail "mcgen" "failed"; exit 1; }
expect_ok "the snapshot with --route=log" mc-tunnel-put --dest="$T/w" --route=log "$T/s.mcr"
expect_grep "... recorded" "^route log$" "$T/w/_mcsync/ledger"
expect_code 2 "then without --route: refused" mc-tunnel-put --dest="$T/w" "$T/s.mcr"
expect_grep "... naming both and what to do" \
	"^mc-tunnel-put: --route=op: the warehouse's rows were routed by --route=log \(ledger key route\); it cannot change: load the streams with --route=log, or into a new warehouse$" "$T/err"
expect_ok "... nothing made" test ! -e "$T/w/sbtest__sbtest1/_SUCCESS" -a -z "$(ls -d "$T"/w/sbtest__sbtest1/ds=* 2>/dev/null)"
expect_ok "the changes with --route=log" mc-tunnel-put --dest="$T/w" --route=log "$T/l.mcr"
expect_ok "a warehouse of the default route" mc-tunnel-put --dest="$T/w2" "$T/s.mcr"
expect_code 1 "... no route key" grep -q "^route " "$T/w2/_mcsync/ledger"
expect_code 2 "... then --route=base: refused" mc-tunnel-put --dest="$T/w2" --route=base "$T/l.mcr"
expect_grep "... (absent: op)" "the warehouse's rows were routed by --route=op \(ledger key route absent: op\)" "$T/err"
expect_ok "... the default again" mc-tunnel-put --dest="$T/w2" "$T/l.mcr"
# --route=base of changes: an update or delete is refused (the merge of
# such a base partition failed, every time)
expect_code 1 "--route=base of a change stream: refused at its first update or delete" \
	mc-tunnel-put --dest="$T/w3" --route=base "$T/l.mcr"
expect_grep "... naming the record, position and what to do" \
	"record [0-9]+: position [0-9:]+: an (update|delete) of 'sbtest.sbtest1' and --route=base: a base partition holds rows, not changes" "$T/err"
