#!/bin/sh
# A rerun of mc-merge --ds=D dropped the old partition ds=D, then renamed
# the new one in: a run killed (or a rename failing) between the two left
# the day with no partition, exit 1 or a signal; the next day's merge with
# --lifecycle then dropped the base ds=D could be made from again, and the
# day was lost for good ("no full partition before D"). Now the new
# partition and the old one are swapped in one step (renameat2
# RENAME_EXCHANGE) and the old one removed after; the day always has its
# partition. The kill and the failure are put at that step with strace's
# syscall fault injection.
. "$(dirname "$0")/lib.sh"
need strace python3
TB=sbtest__sbtest1
"$BIN/tools/mcgen" sysbench 200 >"$T/snap.mcr" && "$BIN/tools/mcgen" changes 200 300 >"$T/log.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
# the changes stamped 1000 s apart from 2025-11-22 00:00: days 22 to 25
mc-cat "$T/log.mcr" | python3 -c '
import json, sys
i = 0
for l in sys.stdin:
    r = json.loads(l)
    if "mcr" not in r and r.get("kind") != "trailer":
        r["time"] = 1763769600 + i * 1000
        i += 1
    print(json.dumps(r))' | mc-cat --to=mcr >"$T/days.mcr" || { fail "setup" "restamp"; exit 1; }
W=$T/w
expect_ok "load" mc-tunnel-put --dest="$W" "$T/snap.mcr" "$T/days.mcr"
for d in 20251122 20251123; do
	expect_ok "merge day $d" mc-merge --warehouse="$W" --table=$TB --ds=$d
done
P=$W/$TB/ds=20251123
cp "$P/part-000000.mcr.zst" "$T/day23.zst"
# the rerun's renames: the data file, the marker, then the partition (in
# one exchange now; before, a rename after the old partition was dropped)
inject() { # FAULT: the rerun of day 23 with FAULT at the partition's rename
	strace -f -qq -o /dev/null -e trace=rename,renameat2 \
		-e inject=rename:"$1":when=3 -e inject=renameat2:"$1":when=1 \
		mc-merge --warehouse="$W" --table=$TB --ds=20251123
}
expect_code 1 "a rerun whose rename of the partition fails: exit 1" inject error=EIO
expect_same "... day 23 keeps its partition" "$T/day23.zst" "$P/part-000000.mcr.zst"
expect_grep "... complete" "^file\\.part-000000\\.mcr\\.zst " "$P/_SUCCESS"
inject signal=KILL >/dev/null 2>&1
expect_same "a rerun killed at the rename: day 23 keeps its partition" "$T/day23.zst" "$P/part-000000.mcr.zst"
expect_grep "... complete" "^file\\.part-000000\\.mcr\\.zst " "$P/_SUCCESS"
while_locked mc-merge --warehouse="$W" --table=$TB --ds=20251122
expect_ok "the next day, keeping two days" mc-merge --warehouse="$W" --table=$TB --ds=20251124 --lifecycle=2
expect_same "... day 23 is still there (before, gone for good: its base 22 dropped)" \
	"$T/day23.zst" "$P/part-000000.mcr.zst"
if ls -a "$W/$TB" | grep -q '^\.tmp'; then fail "no temporaries left" "$(ls -a "$W/$TB")"; else ok "no temporaries left"; fi
