#!/bin/sh
# An idle source gets its day cut: a heartbeat mark at the last committed
# position, stamped after midnight, cuts the day there (docs/merge.md "The
# day cut"), once a day; repeated marks are not counted as rows dropped.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
	export TMPDIR
fi
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
TB=sbtest__sbtest1
W=$T/w
"$MCGEN" sysbench 300 >"$T/sb.mcr" && "$MCGEN" changes 300 400 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
# the changes end on 2025-11-23 at P, the position of their last txn_end
P=$(mc-cat --to=jsonl "$T/ch.mcr" | grep '"kind":"mark"' | tail -1 |
	sed 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1:\2:\3/')
pj=$(echo "$P" | tr : ,)
# heartbeats of an idle source at P: TIME... (seconds UTC)
beats() {
	echo '{"mcr":1,"meta":{"writer":"mc-binlog-tail"}}'
	for t in "$@"; do
		echo "{\"kind\":\"mark\",\"mark\":\"heartbeat\",\"pos\":[$pj],\"time\":$t,\"db\":\"\",\"table\":\"\",\"label\":\"\"}"
	done
	echo "{\"kind\":\"trailer\",\"count\":$#}"
}
seq_of() { sed -n 's/^seq //p' "$W/_mcsync/ledger"; }

expect_ok "snapshot and changes" mc-tunnel-put --dest="$W" "$T/sb.mcr" "$T/ch.mcr"
expect_code 1 "the last day of changes is not cut yet" \
	mc-merge --warehouse="$W" --table=$TB --ds=20251123
expect_grep "(the log has not reached its end)" "has not reached the end of 20251123" "$T/err"

# 2025-11-23 12:00, 23:59:59: the same day
beats 1763899200 1763942399 | mc-cat --from=jsonl --to=mcr >"$T/hb1.mcr"
s0=$(seq_of)
expect_ok "heartbeats of the same day" mc-tunnel-put --dest="$W" "$T/hb1.mcr"
expect_eq "cost no commit" "$(seq_of)" "$s0"
expect_code 1 "and cut no day" mc-merge --warehouse="$W" --table=$TB --ds=20251123

# 2025-11-24 00:00:05, 00:00:10, 06:00
beats 1763942405 1763942410 1763964000 | mc-cat --from=jsonl --to=mcr >"$T/hb2.mcr"
expect_ok "heartbeats after midnight" mc-tunnel-put --dest="$W" "$T/hb2.mcr"
expect_eq "commit once" "$(seq_of)" "$((s0 + 1))"
expect_grep "and cut the day just past the last change" "^cut\.20251123 ${P%:*}:$((${P##*:} + 1))$" "$W/_mcsync/ledger"
expect_ok "merge of the day before" mc-merge --warehouse="$W" --table=$TB --ds=20251122
expect_ok "the cron merge of the day the source went quiet" \
	mc-merge --warehouse="$W" --table=$TB --ds=20251123
mc-cat --to=csv --table=sbtest.sbtest1 "$W/$TB/ds=20251123"/part-*.mcr.zst >"$T/got.csv" 2>>"$T/err"
mc-merge --warehouse="$W" --table=$TB --at="$P" --output=- |
	mc-cat --to=csv --table=sbtest.sbtest1 >"$T/want.csv" 2>>"$T/err"
expect_ok "(a state with rows)" test "$(wc -l <"$T/want.csv")" -gt 100
expect_same "it holds every change up to the last one" "$T/want.csv" "$T/got.csv"
s1=$(seq_of)
expect_ok "the same heartbeats again" mc-tunnel-put --dest="$W" "$T/hb2.mcr"
expect_eq "commit nothing" "$(seq_of)" "$s1"

# a rerun counts the rows it drops, not the marks
rows=$(mc-cat --to=jsonl "$T/ch.mcr" | grep -c '"kind":"row"')
expect_ok "a rerun of the changes" mc-tunnel-put --dest="$W" "$T/ch.mcr" "$T/hb1.mcr" "$T/hb2.mcr"
expect_grep "counts its rows only as dropped" "^mc-tunnel-put: $rows records already in the warehouse, skipped$" "$T/err"
