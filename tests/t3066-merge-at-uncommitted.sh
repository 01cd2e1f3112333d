#!/bin/sh
# mc-merge --at=TIME read the log files of a commit the ledger does not
# hold: mc-tunnel-put writes a commit's files and partition markers, then
# the commits record, then the ledger, so a merge running meanwhile (or
# after a kill between the two) saw its files listed. When the table had no
# committed change stamped after the time (the ledger's newest change or
# heartbeat was), the log's range had no end and those files were read:
# the state at the time took changes that were never committed, or
# committed after the time was looked for (stamped after it), exit 0.
# Now only the files of the commits the ledger holds are read (their names
# carry the commit), in every pass; so the state is the same while a
# commit is in flight as before it.
. "$(dirname "$0")/lib.sh"
TB=sbtest__sbtest1
"$BIN/tools/mcgen" sysbench 200 >"$T/snap.mcr" && "$BIN/tools/mcgen" changes 200 300 >"$T/log.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
# the log cut after its 15th transaction: the first part stamped
# 2025-11-22 10:00, a heartbeat at its end stamped 10:05 (the newest
# time committed); the rest stamped 10:01 (binlog times are not in order)
mc-cat "$T/log.mcr" | python3 -c '
import json, sys
a, b = [], []
n = 0
head = None
for l in sys.stdin:
    r = json.loads(l)
    if "mcr" in r:
        head = l.strip(); continue
    if r.get("kind") == "trailer":
        continue
    if r.get("kind") == "schema":
        a.append(r); b.append(r); continue
    if n < 15:
        r["time"] = 1763805600
        a.append(r)
        if r.get("kind") == "mark" and r.get("mark") == "txn_end":
            n += 1
            if n == 15:
                a.append({"kind": "mark", "mark": "heartbeat", "pos": [r["pos"][0], r["pos"][1] + 1, 0], "time": 1763805900,
                          "db": "", "table": "", "label": ""})
    else:
        r["time"] = 1763805660
        b.append(r)
for name, rs in (("part1", a), ("part2", b)):
    with open(sys.argv[1] + "/" + name + ".jsonl", "w") as f:
        f.write(head + "\n")
        for r in rs:
            f.write(json.dumps(r) + "\n")
        f.write(json.dumps({"kind": "trailer", "count": len(rs)}) + "\n")
' "$T" && mc-cat --to=mcr "$T/part1.jsonl" >"$T/part1.mcr" && mc-cat --to=mcr "$T/part2.jsonl" >"$T/part2.mcr" ||
	{ fail "setup" "split"; exit 1; }
expect_ok "the snapshot and the first part load" mc-tunnel-put --dest="$T/w" "$T/snap.mcr" "$T/part1.mcr"
at() { mc-merge --warehouse="$T/w" --table=$TB --at='2025-11-22 10:02:00' --output="$1"; }
expect_ok "--at=10:02 (the heartbeat at 10:05 is committed)" at "$T/want.mcr"
cp "$T/w/_mcsync/ledger" "$T/ledger" && cp "$T/w/${TB}_log/_commits" "$T/commits"
# the second part's commit written up to its partition markers, not yet
# to its commits record and ledger (as while mc-tunnel-put commits, or
# after it was killed there)
expect_ok "the second part loads" mc-tunnel-put --dest="$T/w" "$T/part2.mcr"
at "$T/all.mcr" 2>/dev/null
if cmp -s "$T/want.mcr" "$T/all.mcr"; then fail "setup" "the second part changes no state"; fi
cp "$T/w/_mcsync/ledger" "$T/ledger2" && cp "$T/w/${TB}_log/_commits" "$T/commits2"
cp "$T/ledger" "$T/w/_mcsync/ledger" && cp "$T/commits" "$T/w/${TB}_log/_commits"
expect_ok "--at=10:02 with a commit in flight" at "$T/got.mcr"
expect_same "... the state of what is committed, not the commit in flight's" "$T/want.mcr" "$T/got.mcr"
cp "$T/ledger2" "$T/w/_mcsync/ledger" && cp "$T/commits2" "$T/w/${TB}_log/_commits"
expect_ok "--at=10:02 with the commit done" at "$T/done.mcr"
expect_same "... which holds it now" "$T/all.mcr" "$T/done.mcr"
