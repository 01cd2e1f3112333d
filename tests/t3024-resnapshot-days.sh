#!/bin/sh
# Re-snapshot generations in day merges (docs/merge.md "Re-snapshots"):
# a day whose cut lies above all of a generation's watermarks is built from
# it, an earlier day from the older chain; both equal the merge of a
# warehouse without the generation, and each partition's marker names the
# generation it comes from. Streams made with mcgen (days 2025-11-20..23)
# and given mc-snapshot's header and chunk labels.
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 100 >"$T/sb.mcr" && "$MCGEN" changes 100 300 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
# as mc-snapshot writes it (one chunk, the whole table), stamped 2025-11-20,
# and the changes of the same source
mc-cat "$T/sb.mcr" | python3 -c '
import json, sys
src = {"program": "mc-snapshot", "source_id": "7", "source_epoch": "1:1763596800"}
for l in sys.stdin:
    r = json.loads(l)
    if "mcr" in r:
        r["meta"].update(src)
    elif r.get("kind") == "trailer":
        print(json.dumps({"kind": "mark", "mark": "chunk_end", "pos": [1, 4, 0],
                          "time": 1763596800, "db": "sbtest", "table": "sbtest1",
                          "label": "(-inf, +inf]"}))
        r = {"kind": "trailer", "count": r["count"] + 1}
    else:
        r["time"] = 1763596800
    print(json.dumps(r))' | mc-cat --to=mcr >"$T/snap.mcr" || { fail "setup" "snap"; exit 1; }
mc-cat "$T/ch.mcr" | sed '1s/"meta":{/"meta":{"source_id":"7","source_epoch":"1:1763596800",/' |
	mc-cat --to=mcr >"$T/changes.mcr" || { fail "setup" "changes"; exit 1; }

W=$T/w W0=$T/w0
for w in "$W" "$W0"; do
	mc-tunnel-put --dest="$w" "$T/snap.mcr" "$T/changes.mcr" 2>"$T/err" || { fail "setup" "put"; exit 1; }
done
# P: the first transaction end stamped on 2025-11-22 (>= 1763769600)
P=$(mc-cat "$T/changes.mcr" | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r.get("mark") == "txn_end" and r["time"] >= 1763769600:
        print("%d:%d:%d" % tuple(r["pos"])); break')
Ptime=$(mc-cat "$T/changes.mcr" | grep "\"pos\":\[$(echo "$P" | tr : ,)\]" | sed 's/.*"time":\([0-9]*\).*/\1/' | head -1)
# the re-snapshot: the state at P, read "at watermark P"
mc-merge --warehouse="$W" --table=sbtest__sbtest1 --at="$P" --output="$T/st.mcr" 2>"$T/err" ||
	{ fail "setup" "state at $P: $(cat "$T/err")"; exit 1; }
mc-cat "$T/st.mcr" | python3 -c '
import json, sys
p = [int(x) for x in sys.argv[1].split(":")]
t = int(sys.argv[2])
src = {"program": "mc-snapshot", "source_id": "7", "source_epoch": "1:1763596800"}
for l in sys.stdin:
    r = json.loads(l)
    if "mcr" in r:
        r["meta"] = src
    elif r.get("kind") == "trailer":
        print(json.dumps({"kind": "mark", "mark": "chunk_end", "pos": p, "time": t,
                          "db": "sbtest", "table": "sbtest1", "label": "(-inf, +inf]"}))
        r = {"kind": "trailer", "count": r["count"] + 1}
    else:
        r["pos"] = p
        r["time"] = t
    if r.get("kind") == "row":
        r["op"] = "snapshot"; r["before"] = None
    print(json.dumps(r))' "$P" "$Ptime" | mc-cat --to=mcr >"$T/resnap.mcr" || { fail "setup" "resnap"; exit 1; }
expect_ok "the re-snapshot at $P loads" mc-tunnel-put --dest="$W" --resnapshot "$T/resnap.mcr"

csv() { mc-cat --to=csv --table=sbtest.sbtest1 "$1/sbtest__sbtest1/ds=$2/part-merged.mcr.zst" 2>/dev/null ||
	mc-cat --to=csv --table=sbtest.sbtest1 "$1"/sbtest__sbtest1/ds=$2/*.mcr.zst; }
for d in 20251121 20251122; do
	expect_ok "day $d merges" mc-merge --warehouse="$W" --table=sbtest__sbtest1 --ds=$d
	expect_ok "... and without the generation" mc-merge --warehouse="$W0" --table=sbtest__sbtest1 --ds=$d
	csv "$W" $d >"$T/got"; csv "$W0" $d >"$T/want"
	expect_same "day $d: the same rows either way" "$T/got" "$T/want"
done
expect_code 1 "day 21 (cut below P) comes from the older chain" \
	grep -q '^gen ' "$W/sbtest__sbtest1/ds=20251121/_SUCCESS"
expect_grep "day 22 (cut above P) from the generation" '^gen [0-9]+$' "$W/sbtest__sbtest1/ds=20251122/_SUCCESS"
mc-merge -v --warehouse="$W" --table=sbtest__sbtest1 --ds=20251122 2>"$T/err"
expect_grep "... which the merge names" "from base 'gen=[0-9]+'" "$T/err"
