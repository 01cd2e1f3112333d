#!/bin/sh
# A snapshot loaded with --partition naming another day than its own (a
# load script's --partition=ds=$(date +%Y%m%d), a saved snapshot loaded
# days later): refused, exit 1, naming both days, nothing kept; into its
# own day it loads, and the later day merges to its end's state
# (docs/mc-tunnel-put.md "Partition"). (The merge took it for the later
# day's state, without the changes between, exit 0: found by a tester.)
. "$(dirname "$0")/lib.sh"

H=$T/h
mkdir -p "$H"
"$BIN/tools/mchist" gen 7 3 60 "$H" >/dev/null || { fail "setup" "mchist"; exit 1; }
W=$T/w
TB=h__t00000
expect_code 1 "a snapshot of 20261121 into --partition=ds=20261123 is refused" \
	mc-tunnel-put --dest="$W" --partition=ds=20261123 "$H/snap.mcr"
expect_grep "... naming both days" "a snapshot of 'h.t00000' taken on 20261121 .* into --partition=ds=20261123: a base partition is the table's state at the end of its day" "$T/err"
expect_eq "nothing of it kept" "$(find "$W" -name 'part-*' 2>/dev/null | wc -l)" 0
expect_ok "into its own day's partition, named" mc-tunnel-put --dest="$W" --partition=ds=20261121 "$H/snap.mcr"
expect_ok "the log loads" mc-tunnel-put --dest="$W" "$H/log.mcr"
expect_ok "the merge of day 23" mc-merge --warehouse="$W" --table=$TB --ds=20261123
mc-cat --to=csv --with-op --table=h.t00000 "$W/$TB"/ds=20261123/part-*.mcr.zst 2>/dev/null | tail -n +2 | sort >"$T/got"
sort "$H/expect/$TB.20261123.csv" >"$T/want"
expect_same "the partition is the state at the end of 20261123" "$T/want" "$T/got"
