#!/bin/sh
# mc-transform's reject file across kills and reruns: each dirty row listed
# once. A rerun over input a killed run had processed (the pipeline resumed
# from the sink's checkpoint below where mc-transform got, or the same
# command again) used to append the same rows' lines again, so a count of
# the rejected rows counted them twice. A line now carries its source; a
# run lists a row only when the file does not hold its line already (every
# field but the reason; lines alike, of a snapshot chunk's rows, counted).
# A last line cut by a kill is removed and written again.
. "$(dirname "$0")/lib.sh"

# mcgen's streams made dirty: the column c read as a BIGINT, whose value is
# a number except for the rows with id % 4 == 0 ('bad', the same text in
# every such row, so a snapshot chunk's dirty lines are alike); the change
# rows in transactions of three (a txn_end mark after every third row);
# source 7 of the epoch 2:1763683200
prep() { # SOURCE_ID: JSON lines on stdin, on stdout
	python3 -c '
import json, sys
sid = sys.argv[1]
out, rows = [], 0
def fix(img):
    if img is not None:
        img[2] = "bad" if img[0] % 4 == 0 else str(img[0] * 1000)
for l in sys.stdin:
    r = json.loads(l)
    if "mcr" in r:
        r["meta"]["source_id"] = sid
        if sys.argv[2] == "changes":
            r["meta"]["source_epoch"] = "2:1763683200"
        print(json.dumps(r)); continue
    if r.get("kind") == "trailer":
        continue
    if r.get("kind") == "mark" and r.get("mark") == "txn_end":
        continue
    if r.get("kind") == "row":
        fix(r["before"]); fix(r["after"])
    out.append(r)
    if r.get("kind") == "row" and r["op"] != "snapshot":
        rows += 1
        if rows % 3 == 0:
            out.append({"kind": "mark", "mark": "txn_end", "pos": r["pos"], "time": r["time"], "db": "", "table": "", "label": ""})
last = [r for r in out if r.get("kind") == "row"][-1]
if sys.argv[2] == "changes":
    out.append({"kind": "mark", "mark": "txn_end", "pos": last["pos"], "time": last["time"], "db": "", "table": "", "label": ""})
for r in out:
    print(json.dumps(r))
print(json.dumps({"kind": "trailer", "count": len(out)}))' "$@"
}
"$BIN/tools/mcgen" sysbench 40 | mc-cat | prep 7 snapshot | mc-cat --to=mcr >"$T/snap.mcr" &&
	"$BIN/tools/mcgen" changes 40 120 | mc-cat | prep 7 changes | mc-cat --to=mcr >"$T/ch.mcr" &&
	mc-cat "$T/ch.mcr" >"$T/ch.jsonl" || { fail "setup" "the streams"; exit 1; }
printf 'version: 1\ntypes:\n  - {column: c, to: BIGINT}\n' >"$T/r.yaml"
TF="mc-transform --rules=$T/r.yaml --max-dirty=1000"

# the reference: one run that nothing stopped
expect_ok "one run, nothing stopped" sh -c "$TF --reject='$T/ref.txt' '$T/snap.mcr' '$T/ch.mcr' | mc-tunnel-put --dest='$T/ref'"
nref=$(wc -l <"$T/ref.txt")
expect_eq "... lists the dirty rows (snapshot and changes)" "$([ "$nref" -gt 20 ] && echo yes)" "yes"
expect_eq "... snapshot rows of one chunk give lines alike" "$([ "$(sort "$T/ref.txt" | uniq -d | wc -l)" -gt 0 ] && echo yes)" "yes"
expect_eq "... each line ends with its source" "$(cut -f7 "$T/ref.txt" | sort -u | tr '\n' ' ')" "7/- 7/2:1763683200 "

# the pipeline: the snapshot, then the changes killed inside a transaction
# (the input ends there: mc-transform has listed the rows it read, the sink
# commits up to the last whole transaction), then resumed from the sink's
# checkpoint: the rows of the open transaction come again
P="mc-tunnel-put --dest=$T/w --checkpoint-out=$T/w.ckpt"
expect_ok "the snapshot" sh -c "$TF --reject='$T/rej.txt' '$T/snap.mcr' | $P"
# the cut: after a dirty row that does not end its transaction, past the 30th
cut=$(python3 -c '
import json, sys
i = 0
for n, l in enumerate(open(sys.argv[1]), 1):
    r = json.loads(l)
    if r.get("kind") != "row":
        continue
    i += 1
    if i > 30 and i % 3 and "bad" in [img[2] for img in (r["before"], r["after"]) if img]:
        print(n); break' "$T/ch.jsonl")
head -n "$cut" "$T/ch.jsonl" >"$T/cut.jsonl"
expect_ok "the changes, killed inside a transaction (the sink keeps what it has)" \
	sh -c "$TF --reject='$T/rej.txt' '$T/cut.jsonl' | $P --partial-ok"
expect_grep "... mc-transform stopped at the cut" "^mc-transform: .*cut.jsonl': record [0-9]+: truncated" "$T/err"
ck=$(sed -n 's/^pos //p' "$T/w.ckpt")
expect_eq "... the sink committed below where mc-transform got" \
	"$([ -n "$ck" ] && [ "$(grep -c . "$T/rej.txt")" -gt 0 ] && echo yes)" "yes"
# the source resumed at the checkpoint: its header, the schema, what lies above
jsonl_drop 'r.get("kind") != "schema" and r["pos"] <= P' "$ck" <"$T/ch.jsonl" >"$T/resumed.jsonl"
expect_ok "the pipeline resumed from the sink's checkpoint" sh -c "$TF --reject='$T/rej.txt' '$T/resumed.jsonl' | $P"
expect_grep "... says which rows were listed already" "rejected as dirty data .*: listed in .*rej.txt \([0-9]+ of them listed by an earlier run, not again\)" "$T/err"
expect_same "the reject file equals the run that nothing stopped" "$T/ref.txt" "$T/rej.txt"
expect_ok "the same command again (a rerun of the whole change file)" sh -c "$TF --reject='$T/rej.txt' '$T/ch.mcr' | $P"
expect_same "... lists nothing again" "$T/ref.txt" "$T/rej.txt"
expect_ok "... and the snapshot again" sh -c "$TF --reject='$T/rej.txt' '$T/snap.mcr' | $P"
expect_same "... lists nothing again (the lines alike counted)" "$T/ref.txt" "$T/rej.txt"

# a last line cut in its write (a kill, a full disk): removed, written whole
head -n -1 "$T/ref.txt" >"$T/cut.txt"
tail -n 1 "$T/ref.txt" | head -c 20 >>"$T/cut.txt"
expect_ok "a reject file whose last line was cut" sh -c "$TF --reject='$T/cut.txt' '$T/snap.mcr' '$T/ch.mcr' >/dev/null"
expect_grep "... says so" "reject file '.*cut.txt': its last line was cut \(20 bytes" "$T/err"
expect_same "... the line written whole, nothing twice" "$T/ref.txt" "$T/cut.txt"

# another source at the same positions: its rows are other rows
mc-cat "$T/ch.mcr" | sed 's/"source_id":"7"/"source_id":"8"/' | mc-cat --to=mcr >"$T/ch8.mcr"
cp "$T/ref.txt" "$T/two.txt"
expect_ok "the changes of another source, same positions" $TF --reject="$T/two.txt" "$T/ch8.mcr"
expect_eq "... listed as its own" "$(grep -c '	8/2:1763683200$' "$T/two.txt")" "$(grep -c '	7/2:1763683200$' "$T/ref.txt")"
expect_ok "... once" $TF --reject="$T/two.txt" "$T/ch8.mcr"
expect_eq "... also on a rerun" "$(grep -c '	8/2:1763683200$' "$T/two.txt")" "$(grep -c '	7/2:1763683200$' "$T/ref.txt")"

# the default limit 0 with a reject file: the run stops at the first dirty
# row, listed; a rerun stops there again and does not list it twice
expect_code 1 "limit 0: the first dirty row stops the run" mc-transform --rules="$T/r.yaml" --reject="$T/z.txt" "$T/ch.mcr"
expect_code 1 "... and the rerun" mc-transform --rules="$T/r.yaml" --reject="$T/z.txt" "$T/ch.mcr"
expect_eq "... listed once" "$(wc -l <"$T/z.txt")" "1"

# a reject file that is no regular file (a pipe) is only written
expect_ok "--reject=/dev/stderr into a pipe" sh -c "$TF --reject=/dev/stderr '$T/ch.mcr' 2>&1 >/dev/null | grep -c '	7/2:1763683200\$'"
expect_eq "... lists every dirty row" "$(cat "$T/out")" "$(grep -c '	7/2:1763683200$' "$T/ref.txt")"
