#!/bin/sh
# One stream holding a table's snapshot and, later, a schema change on a
# later day (a saved file replayed with pipelines/replay.sh): the base
# partition is the snapshot's day; no empty base partition of the later day
# is marked complete, and the later day is merged.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
	export TMPDIR
fi
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
R=$TOP/pipelines/replay.sh
TB=sbtest__sbtest1
"$MCGEN" sysbench 300 >"$T/sb.mcr" && "$MCGEN" changes 300 400 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
# the changes with a schema change (version 2) at the first change of
# 2025-11-22 (1763769600), as JSON lines without header and trailer
mc-cat --to=jsonl "$T/ch.mcr" | sed '1d;$d' | awk '
/"kind":"schema"/ { if (!schema) schema = $0; next }
/"kind":"row"/ {
	match($0, /"time":[0-9]+/); t = substr($0, RSTART + 7, RLENGTH - 7) + 0
	if (t >= 1763769600) {
		if (!v2) {
			x = schema; sub(/"version":1/, "\"version\":2", x)
			sub(/"time":[0-9]+/, "\"time\":" t, x); print x; v2 = 1
		}
		sub(/"version":1/, "\"version\":2")
	}
}
{ print }' >"$T/body.jsonl"
{ mc-cat --to=jsonl "$T/ch.mcr" | head -1
  mc-cat --to=jsonl "$T/ch.mcr" | sed -n 2p; cat "$T/body.jsonl"; } >"$T/changes.jsonl"
n=$(grep -c . "$T/changes.jsonl")
echo "{\"kind\":\"trailer\",\"count\":$((n - 1))}" >>"$T/changes.jsonl"
mc-cat --from=jsonl --to=mcr "$T/changes.jsonl" >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "the change stream"; exit 1; }
# one stream: the snapshot, then those changes
{ mc-cat --to=jsonl "$T/sb.mcr" | sed '$d'; sed '1,2d;$d' "$T/changes.jsonl"; } >"$T/one.jsonl"
n=$(grep -c . "$T/one.jsonl")
echo "{\"kind\":\"trailer\",\"count\":$((n - 1))}" >>"$T/one.jsonl"
mc-cat --from=jsonl --to=mcr "$T/one.jsonl" >"$T/one.mcr" 2>"$T/err" ||
	{ fail "setup" "the one stream"; exit 1; }
expect_grep "the stream has the schema change" '"version":2' "$T/one.jsonl"

expect_ok "replay of the one stream" sh "$R" --dest="$T/w" "$T/one.mcr"
expect_grep "the snapshot is the base of its own day" '^rows 300$' "$T/w/$TB/ds=20251121/_SUCCESS"
expect_grep "the later day is merged, not taken for the snapshot" '^made_by mc-merge' \
	"$T/w/$TB/ds=20251122/_SUCCESS"
expect_ok "the merged day has its data file" test -f "$T/w/$TB/ds=20251122/part-000000.mcr.zst"

# the same data as two files: the snapshot, then the changes
expect_ok "replay of the two files" sh "$R" --dest="$T/ref" "$T/sb.mcr" "$T/changes.mcr"
mc-cat --to=csv --table=sbtest.sbtest1 "$T/ref/$TB/ds=20251122"/part-*.mcr.zst >"$T/want.csv" 2>>"$T/err"
mc-cat --to=csv --table=sbtest.sbtest1 "$T/w/$TB/ds=20251122"/part-*.mcr.zst >"$T/got.csv" 2>>"$T/err"
expect_ok "the reference day has rows" test "$(wc -l <"$T/want.csv")" -gt 100
expect_same "the newest partition holds what the two files give" "$T/want.csv" "$T/got.csv"

# mc-tunnel-put alone: no base partition of the later day
expect_ok "mc-tunnel-put of the one stream" mc-tunnel-put --dest="$T/p" "$T/one.mcr"
expect_code 1 "writes no base partition of the later day" test -e "$T/p/$TB/ds=20251122"
expect_grep "and completes the snapshot's day" '^rows 300$' "$T/p/$TB/ds=20251121/_SUCCESS"
