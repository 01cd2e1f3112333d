#!/bin/sh
# mc-transform given its own output: the rules matched the destination
# names as source names (a second prefix: sbtest_sbtest_sbtest1) and masked
# the masked values again, and the header got the same fingerprint, so the
# sink took the changes as of the same rules: the snapshot through the rules
# once, the changes twice, went into two tables, the merged one stale, exit 0
# everywhere. Now a stream whose header has rules_fp is refused (exit 1,
# naming it), in a pipe and from a file (docs/mc-transform.md "What flows
# through").
. "$(dirname "$0")/lib.sh"
need jq
"$BIN/tools/mcgen" sysbench 200 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 200 300 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
cat >"$T/r.yaml" <<'Y'
version: 1
mask:
  - {column: c, with: hash, key: "k1"}
Y
expect_ok "the snapshot through the rules" sh -c "mc-transform --rules='$T/r.yaml' '$T/sb.mcr' >'$T/sb.t.mcr'"
expect_ok "... into a warehouse" mc-tunnel-put --dest="$T/w" "$T/sb.t.mcr"
expect_ok "the changes through the rules" sh -c "mc-transform --rules='$T/r.yaml' '$T/ch.mcr' >'$T/ch.t.mcr'"
expect_code 1 "... and through them again: refused" sh -c "mc-transform --rules='$T/r.yaml' '$T/ch.t.mcr' >'$T/ch.tt.mcr'"
expect_grep "... naming the file and the header" "^mc-transform: '$T/ch.t.mcr': record 1: this stream went through mc-transform already \(its header has rules_fp 'r1:[0-9a-f]{32}'\)" "$T/err"
expect_eq "... nothing written" "$(wc -c <"$T/ch.tt.mcr")" "0"
expect_code 1 "... in a pipe too" sh -c "mc-transform --rules='$T/r.yaml' '$T/ch.mcr' | mc-transform --rules='$T/r.yaml' >/dev/null"
expect_grep "... naming it" "'\(stdin\)': record 1: this stream went through mc-transform already" "$T/err"
# the stream transformed once goes on as before
expect_ok "the changes transformed once into the warehouse" mc-tunnel-put --dest="$T/w" "$T/ch.t.mcr"
expect_eq "... one table and its log" "$(ls "$T/w" | tr '\n' ' ')" "_mcsync sbtest_sbtest1 sbtest_sbtest1_log "
expect_ok "... merged" mc-merge --warehouse="$T/w" --table=sbtest_sbtest1 --ds=20251122
# the masked values of the merge are those of the source's merge, masked once
expect_ok "the source's own" mc-tunnel-put --dest="$T/s" "$T/sb.mcr" "$T/ch.mcr"
expect_ok "... merged" mc-merge --warehouse="$T/s" --table=sbtest__sbtest1 --ds=20251122
for f in "$T"/w/sbtest_sbtest1/ds=20251122/*.mcr*; do mc-cat --to=csv --table=sbtest.sbtest_sbtest1 "$f" | sed 1d; done |
	cut -d, -f1,2,4 | sort >"$T/w.csv"
for f in "$T"/s/sbtest__sbtest1/ds=20251122/*.mcr*; do mc-cat --to=csv --table=sbtest.sbtest1 "$f" | sed 1d; done |
	cut -d, -f1,2,4 | sort >"$T/s.csv"
expect_same "... the same rows but the masked column" "$T/s.csv" "$T/w.csv"
