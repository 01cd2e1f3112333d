#!/bin/sh
# pipelines/merge-daily.sh catches up: a day whose merge failed (the log
# had not reached its end: the tail was down) is merged by the next run,
# which merges every day from MCSYNC_CATCHUP_DAYS back up to yesterday,
# oldest first, with mc-merge --skip-merged: a day merged already is left
# as it is (not rewritten: its files keep their inode and mtime), a day
# before the table's snapshot is nothing to do. Each partition made equals
# a plain mc-merge --ds of that day in a warehouse loaded in one go.
# mc-merge --skip-merged itself: exit 0 for a merged day, the snapshot's
# day and a day before the oldest full partition (without it, exit 1
# there); a day not complete on disk is merged again; a day the log has not
# reached is still exit 1; the options it does not go with. mc-merge --all
# -v says of each table whether it merged it or skipped it, and why (it
# said "merged" of a table it skipped).
. "$(dirname "$0")/lib.sh"
need python3 stat date
P=$TOP/pipelines
TB=h__t00000
mkdir -p "$T/h"
"$BIN/tools/mchist" gen 7 1 60 "$T/h" >/dev/null && [ "$(cat "$T/h/tables")" = "$TB -" ] ||
	{ fail "setup" "mchist gen"; exit 1; }
# the snapshot is of 2026-11-21; the log's changes run into 2026-11-23.
# part1: the log up to its first transaction of 2026-11-23 (the tail
# stopped there); full: all of it and a heartbeat on 2026-11-25 (the tail
# back)
mc-cat "$T/h/log.mcr" >"$T/log.jsonl" || { fail "setup" "mc-cat"; exit 1; }
d23=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("mark") == "txn_end" and r["time"] >= 20780 * 86400:
        print(":".join(map(str, r["pos"]))); break' "$T/log.jsonl")
[ -n "$d23" ] || { fail "setup" "no change on 2026-11-23"; exit 1; }
jsonl_drop 'r["pos"] > P' "$d23" <"$T/log.jsonl" | mc-cat --to=mcr >"$T/part1.mcr" &&
	python3 -c '
import json, sys
last = None
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("kind") == "trailer":
        print(json.dumps({"kind": "mark", "mark": "heartbeat", "pos": last, "time": 20782 * 86400 + 10,
                          "db": "", "table": "", "label": ""}))
        r = {"kind": "trailer", "count": r["count"] + 1}
    elif "pos" in r:
        last = r["pos"]
    print(json.dumps(r))' "$T/log.jsonl" | mc-cat --to=mcr >"$T/full.mcr" ||
	{ fail "setup" "the log's parts"; exit 1; }

# the reference: everything loaded in one go, each day merged plainly
mc-tunnel-put --dest="$T/ref" "$T/h/snap.mcr" "$T/full.mcr" 2>"$T/e" || { fail "setup" "$(cat "$T/e")"; exit 1; }
for d in 20261122 20261123 20261124; do
	mc-merge --warehouse="$T/ref" --table=$TB --ds=$d 2>"$T/e" || { fail "reference merge $d" "$(cat "$T/e")"; exit 1; }
done

daily() { env MCSYNC_DEST="$T/w" MCSYNC_TZ=UTC "$@" "$P/merge-daily.sh"; }
id() { stat -c '%i %y' "$T/w/$TB/ds=$1/part-000000.mcr.zst" "$T/w/$TB/ds=$1/_SUCCESS"; }

# --- 2026-11-24: the log stopped early on 2026-11-23 ---
expect_ok "the snapshot and the log up to 2026-11-23 load" mc-tunnel-put --dest="$T/w" "$T/h/snap.mcr" "$T/part1.mcr"
expect_code 1 "merge-daily on 2026-11-24: 2026-11-23 fails, exit 1" daily MCSYNC_TODAY=20261124
expect_grep "... the log not at its end" "has not reached the end of 20261123" "$T/err"
expect_ok "... 2026-11-22 merged" test -f "$T/w/$TB/ds=20261122/_SUCCESS"
expect_ok "... the days before the snapshot nothing to do" test ! -e "$T/w/$TB/ds=20261120"
expect_ok "... 2026-11-23 not made" test ! -e "$T/w/$TB/ds=20261123"
expect_same "... 2026-11-22 as a plain merge" "$T/ref/$TB/ds=20261122/part-000000.mcr.zst" \
	"$T/w/$TB/ds=20261122/part-000000.mcr.zst"
id 20261122 >"$T/id22"

# mc-merge --skip-merged on its own
expect_ok "--skip-merged: a merged day, exit 0" \
	mc-merge --warehouse="$T/w" --table=$TB --ds=20261122 --skip-merged -v
expect_grep "... said with -v" "'$TB/ds=20261122' is merged already: nothing to do \(--skip-merged\)" "$T/err"
expect_eq "... not rewritten" "$(id 20261122)" "$(cat "$T/id22")"
expect_ok "... said nothing without -v" mc-merge --warehouse="$T/w" --table=$TB --ds=20261122 --skip-merged
expect_eq "... (standard error empty)" "$(cat "$T/err")" ""
expect_ok "--skip-merged: the snapshot's day, exit 0" \
	mc-merge --warehouse="$T/w" --table=$TB --ds=20261121 --skip-merged
expect_ok "--skip-merged: a day before the oldest full partition, exit 0" \
	mc-merge --warehouse="$T/w" --table=$TB --ds=20261119 --skip-merged -v
expect_grep "... said with -v" "'$TB/ds=20261119' is before the table's oldest full partition 'ds=20261121': nothing to do" "$T/err"
expect_code 1 "without it that day is exit 1 as before" mc-merge --warehouse="$T/w" --table=$TB --ds=20261119
expect_grep "... the snapshot is of a later day" "has no full partition before 20261119" "$T/err"
expect_code 1 "--skip-merged: a day the log has not reached is still exit 1" \
	mc-merge --warehouse="$T/w" --table=$TB --ds=20261123 --skip-merged
expect_grep "... saying so" "has not reached the end of 20261123" "$T/err"
expect_ok "--all --skip-merged: every table's merged day, exit 0" \
	mc-merge --warehouse="$T/w" --all --ds=20261122 --skip-merged -v
expect_eq "... not rewritten" "$(id 20261122)" "$(cat "$T/id22")"
# -v said "merged" of a table it skipped
expect_grep "... -v says the table was skipped, and why" \
	"^mc-merge: --all: $TB: skipped: already merged \(--skip-merged\)$" "$T/err"
expect_grep "... nor in the count" "^mc-merge: --all: 1 tables: 0 merged, 1 with nothing to do$" "$T/err"
cp "$T/err" "$T/all.err"
expect_code 1 "... not that it was merged" grep -E -e "--all: $TB: merged|: 1 merged" "$T/all.err"
expect_ok "--all --skip-merged: a day before the oldest full partition, exit 0" \
	mc-merge --warehouse="$T/w" --all --ds=20261119 --skip-merged -v
expect_grep "... -v says so" \
	"^mc-merge: --all: $TB: skipped: before the table's oldest full partition \(--skip-merged\)$" "$T/err"
expect_ok "--all: the snapshot's day, exit 0" mc-merge --warehouse="$T/w" --all --ds=20261121 -v
expect_grep "... -v says there was nothing to merge" \
	"^mc-merge: --all: $TB: nothing to merge: the day is the snapshot's$" "$T/err"
for a in "--table=$TB" "--table=$TB --at=1:4:0 --output=$T/o" "--table=$TB --ds=20261122 --emit-sql"; do
	# shellcheck disable=SC2086
	expect_code 2 "--skip-merged with $a: usage" mc-merge --warehouse="$T/w" $a --skip-merged
	expect_grep "... naming it" "^mc-merge: --skip-merged goes with --ds" "$T/err"
done

# --- 2026-11-25: the tail is back (the rest of the log, a heartbeat on 2026-11-25) ---
expect_ok "the rest of the log loads" mc-tunnel-put --dest="$T/w" "$T/full.mcr"
expect_ok "merge-daily on 2026-11-25 catches up: exit 0" daily MCSYNC_TODAY=20261125
for d in 20261122 20261123 20261124; do
	expect_same "... ds=$d as a plain merge" "$T/ref/$TB/ds=$d/part-000000.mcr.zst" \
		"$T/w/$TB/ds=$d/part-000000.mcr.zst"
done
expect_eq "... 2026-11-22, merged already, not rewritten" "$(id 20261122)" "$(cat "$T/id22")"
tree "$T/w" >"$T/w.before"
id 20261124 >"$T/id24"
expect_ok "a rerun on the same day: exit 0" daily MCSYNC_TODAY=20261125
tree "$T/w" >"$T/w.after"
expect_same "... changes nothing" "$T/w.before" "$T/w.after"
expect_eq "... yesterday not rewritten either" "$(id 20261124)" "$(cat "$T/id24")"
expect_ok "MCSYNC_CATCHUP_DAYS=1: yesterday alone, remade as before" daily MCSYNC_TODAY=20261125 MCSYNC_CATCHUP_DAYS=1
expect_ok "... (a new partition)" test "$(id 20261124)" != "$(cat "$T/id24")"
expect_same "... the same rows" "$T/ref/$TB/ds=20261124/part-000000.mcr.zst" "$T/w/$TB/ds=20261124/part-000000.mcr.zst"

# a partition not whole on disk is not taken for merged
: >"$T/w/$TB/ds=20261124/part-000000.mcr.zst"
expect_ok "--skip-merged: a day whose data file is not the size its marker says is merged again" \
	mc-merge --warehouse="$T/w" --table=$TB --ds=20261124 --skip-merged -v
expect_grep "... saying why" "not of the size its marker says: merging the day again" "$T/err"
expect_same "... as a plain merge" "$T/ref/$TB/ds=20261124/part-000000.mcr.zst" \
	"$T/w/$TB/ds=20261124/part-000000.mcr.zst"
