#!/bin/sh
# mc-cat --status=DIR: a warehouse with a merged table, a failed merge, an
# incomplete (chunked) snapshot and a tail far behind: per table the
# snapshot state, the newest full partition and its rows, the last merge
# and its result; per source the committed position, the newest change's
# time and the lag; what needs a person; the same as JSON.
. "$(dirname "$0")/lib.sh"

W=$T/w
"$BIN/tools/mcgen" sysbench 300 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 300 80 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
mc-tunnel-put --dest="$W" "$T/sb.mcr" "$T/ch.mcr" 2>"$T/err" || { fail "load" "$(cat "$T/err")"; exit 1; }
# a second table whose chunked snapshot stops after its first chunk
python3 - >"$T/u.jsonl" <<'PY'
import json
out = [{"mcr": 1, "meta": {}},
       {"kind": "schema", "db": "x", "table": "u", "version": 1, "pos": [2, 4, 0], "time": 1763856000,
        "flags": 0, "key": [0], "columns": [
            {"name": "id", "mysql_type": "int", "mc_type": "INT", "nullable": False, "flags": 0}]}]
for k in (1, 2, 3):
    out.append({"kind": "row", "op": "snapshot", "db": "x", "table": "u", "version": 1,
                "pos": [2, 7954, 0], "time": 1763856000, "before": None, "after": [k]})
out.append({"kind": "mark", "mark": "chunk_end", "pos": [2, 7954, 0], "time": 1763856000,
            "db": "x", "table": "u", "label": "(-inf, 3]"})
for r in out:
    print(json.dumps(r))
PY
mc-cat --from=jsonl --to=mcr "$T/u.jsonl" 2>/dev/null | mc-tunnel-put --dest="$W" --partial-ok 2>"$T/err" ||
	fail "the incomplete snapshot" "$(cat "$T/err")"
expect_ok "merge day 2" mc-merge --warehouse="$W" --table=sbtest__sbtest1 --ds=20251122
expect_ok "status after a good merge" mc-cat --status="$W"
expect_grep "the merged table's newest full partition and rows" \
	"^sbtest__sbtest1 +sbtest\.sbtest1 +done +ds=20251122 \(merge\) +[0-9]+  ds=20251122 ok, " "$T/out"
expect_grep "the incomplete snapshot" "^x__u +x\.u +loading +- +- +-$" "$T/out"
expect_grep "which needs a person" "^  ! x__u: snapshot incomplete$" "$T/out"
expect_code 1 "a merge of a day the log has not passed" mc-merge --warehouse="$W" --table=sbtest__sbtest1 --ds=20251125
expect_ok "status" mc-cat --status="$W"
expect_grep "the failed merge, its exit status and message" \
	"^sbtest__sbtest1 .* ds=20251125 FAILED \(exit 1\), .*: the log has not reached the end of 20251125" "$T/out"
expect_grep "flagged" "^  ! sbtest__sbtest1: last merge failed$" "$T/out"
expect_grep "the source's committed position and lag" \
	"^source 0: committed up to [0-9]+:[0-9]+:0, newest change or heartbeat 2025-11-2[0-9] .* UTC \([0-9]+ d [0-9]+ h behind\), day cut 20251122$" "$T/out"

expect_ok "--json" mc-cat --status="$W" --json
newest=$(mc-cat "$T/ch.mcr" | python3 -c '
import json, sys
print(max(json.loads(l).get("time", 0) for l in sys.stdin))')
rows=$(mc-cat --to=csv --table=sbtest.sbtest1 "$W/sbtest__sbtest1/ds=20251122/part-000000.mcr.zst" | tail -n +2 | wc -l)
python3 - "$T/out" "$newest" "$rows" >"$T/check" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
newest, rows = int(sys.argv[2]), int(sys.argv[3])
t = {x["name"]: x for x in s["tables"]}
src = s["sources"][0]
checks = [
    ("two tables, sorted", [x["name"] for x in s["tables"]] == ["sbtest__sbtest1", "x__u"]),
    ("newest_time is the newest change's time", src["newest_time"] == newest),
    ("lag_seconds is now - newest_time", src["lag_seconds"] == s["now"] - newest),
    ("day_cut", src["day_cut"] == "20251122"),
    ("full_rows are the partition's rows", t["sbtest__sbtest1"]["full_rows"] == rows),
    ("made by mc-merge", t["sbtest__sbtest1"]["full_made_by"] == "mc-merge"),
    ("the last merge failed with exit 1", t["sbtest__sbtest1"]["last_merge"]["result"] == "failed"
     and t["sbtest__sbtest1"]["last_merge"]["exit"] == 1
     and t["sbtest__sbtest1"]["last_merge"]["what"] == "ds=20251125"),
    ("x__u loading, no full partition", t["x__u"]["snapshot"] == "loading" and t["x__u"]["full_partition"] is None),
    ("attention", t["x__u"]["attention"] == "snapshot incomplete"
     and t["sbtest__sbtest1"]["attention"] == "last merge failed"),
]
for name, good in checks:
    print(("ok - t3034-status: json: " if good else "FAIL - t3034-status: json: ") + name)
PY
cat "$T/check"
grep -q '^FAIL' "$T/check" && sed 's/^/#   /' "$T/out" | head -20

expect_ok "a good merge again clears the flag" mc-merge --warehouse="$W" --table=sbtest__sbtest1 --ds=20251122
expect_ok "status" mc-cat --status="$W"
cp "$T/out" "$T/st3"
expect_code 1 "no merge flag" grep -q "sbtest__sbtest1: last merge failed" "$T/st3"
expect_grep "the last merge is the good one" "^sbtest__sbtest1 .* ds=20251122 ok, " "$T/st3"
expect_code 1 "a directory without a ledger: exit 1" mc-cat --status="$T"
expect_grep "says so" "no ledger" "$T/err"
expect_code 2 "--status with a FILE: exit 2" mc-cat --status="$W" "$T/sb.mcr"
expect_code 2 "--json without --status: exit 2" mc-cat --json "$T/sb.mcr"
