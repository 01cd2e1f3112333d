#!/bin/sh
# mc-tunnel-put --dest=odps:// --threads=N (N > 1) reading a regular file
# (checked whole before a row is taken) feeds its rows to the destination
# as they are read, without waiting for a mark, and the destination
# encodes them on a thread of the feed's own, held while the sink's buffer
# moves (dest_ops.feed_hold; docs/maxcompute.md "Blocks sent as rows
# settle"). Each load here equals a load with one connection (no feed):
# a snapshot without marks, the same as JSON lines, changes over several
# commits (each session fed is the one committed), reruns, a refusal
# while it feeds (nothing of it visible), and a partition not fed
# appended while the fed one's PUTs are under way on the same connections.
# When the hints come is checked by tests/unit/t_sink.c (a destination in
# memory: hints as a file is read, the records moved only inside a hold);
# the server cannot tell a fed block from an appended one, and how early
# the feed starts depends on when the table's SQL is done.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"

need python3
need curl
odps_srv
LOG=$T/srv/requests.log
opts="--threads=4 --compress=zstd --block-size=65536"
srows() { $CLI sql "SELECT id, k, c, pad FROM $1 ORDER BY id" 2>&1; }
cols="mc_op, mc_image, mc_pos_file, mc_pos_off, mc_pos_row, id, k, c, pad"
lrows() { $CLI sql "SELECT $cols FROM $1 ORDER BY mc_pos_file, mc_pos_off, mc_pos_row, mc_image" 2>&1; }

# --- a snapshot without marks: one commit, fed as it is read ---
"$BIN/tools/mcgen" sysbench 30000 >"$T/snap.mcr" || { fail "mcgen" "failed"; exit 1; }
expect_ok "the snapshot with one connection" sb_put s0 st0 --threads=1 "$T/snap.mcr"
srows s0 >"$T/want"
[ "$(wc -l <"$T/want")" -eq 30001 ] || fail "the reference" "$(wc -l <"$T/want") lines"
expect_ok "the snapshot with four connections" sb_put s1 st1 $opts "$T/snap.mcr"
srows s1 >"$T/got"
expect_same "it holds what the load with one connection holds" "$T/want" "$T/got"
expect_ok "the same file again into the same state" sb_put s1 st1 $opts "$T/snap.mcr"
srows s1 >"$T/got"
expect_same "the rerun committed nothing twice" "$T/want" "$T/got"

# the same rows as JSON lines (each record encoded by the sink, apart
# from the buffer the feed reads)
mc-cat "$T/snap.mcr" >"$T/snap.jsonl"
expect_ok "the snapshot as JSON lines, four connections" sb_put s2 st2 $opts "$T/snap.jsonl"
srows s2 >"$T/got"
expect_same "JSON lines: what the load with one connection holds" "$T/want" "$T/got"

# --- changes in transactions of 10 rows, committed every 10000 rows: a
# commit after the first is fed as its rows are read (its table made, only
# its session is made while the sink reads) ---
"$BIN/tools/mcgen" changes 1000 40000 >"$T/ch0.mcr" || { fail "mcgen" "failed"; exit 1; }
restamp "$T/ch0.mcr" 1763683200 >"$T/ch.mcr" || { fail "restamp" "failed"; exit 1; }
expect_ok "the changes with one connection" sb_put c0 sc0 --threads=1 --commit-rows=10000 "$T/ch.mcr"
lrows c0_log >"$T/want"
[ "$(wc -l <"$T/want")" -gt 40000 ] || fail "the reference" "$(wc -l <"$T/want") lines"
# sessions with blocks PUT that were never committed, after line $1 of the log
unsent() {
	tail -n +$(($1 + 1)) "$LOG" | grep " /projects/p1/tables/$2[?]uploadid=" | awk '
	{ match($0, /uploadid=[^&]*/); id = substr($0, RSTART + 9, RLENGTH - 9) }
	/ PUT / && /blockid=/ { put[id]++ }
	/ POST / && !/getblockid/ { done[id] = 1 }
	END { n = 0; for (i in put) if (!(i in done) && put[i] >= 2) n++; print n }'
}
n0=$(wc -l <"$LOG")
expect_ok "the changes with four connections" sb_put c1 sc1 $opts --commit-rows=10000 "$T/ch.mcr"
lrows c1_log >"$T/got"
expect_same "each commit holds what the load with one connection holds" "$T/want" "$T/got"
expect_eq "every session fed was the one committed" "$(unsent "$n0" c1_log)" "0"
expect_ok "the changes again into the same state" sb_put c1 sc1 $opts --commit-rows=10000 "$T/ch.mcr"
lrows c1_log >"$T/got"
expect_same "the rerun committed nothing twice" "$T/want" "$T/got"

# --- a refusal at the file's last record, while the rows after the last
# commit (30000 of 40000 committed) are being fed: nothing of them is
# visible, and the feed's thread ends before the sink's buffer goes ---
# (all the changes, then a TRUNCATE whose record does not say what it does)
mc-cat "$T/ch.mcr" | python3 -c '
import json, sys
n = 0
for l in sys.stdin:
    r = json.loads(l)
    if r.get("kind") == "trailer":
        break
    n += "kind" in r
    print(l, end="")
print(json.dumps({"kind": "ddl", "db": "sbtest", "table": "sbtest1", "pos": [9, 4, 0],
                  "time": 1763690000, "sql": "TRUNCATE TABLE sbtest1"}))
print(json.dumps({"kind": "trailer", "count": n + 1}))' | mc-cat --to=mcr >"$T/trunc.mcr" ||
	fail "the refused input" "failed"
expect_code 1 "one connection: all of them, then that TRUNCATE: exit 1" \
	sb_put c2 sc2 --threads=1 --commit-rows=15000 "$T/trunc.mcr"
lrows c2_log >"$T/want2"
[ "$(wc -l <"$T/want2")" -gt 20000 ] || fail "the reference" "$(wc -l <"$T/want2") lines"
expect_code 1 "four connections: the same, exit 1" \
	sb_put c3 sc3 $opts --commit-rows=15000 "$T/trunc.mcr"
grep -q "record [0-9]*: position 9:4:0: .*does not say how" "$T/err" ||
	fail "the refusal names the record" "$(cat "$T/err")"
lrows c3_log >"$T/got"
expect_same "nothing of them visible: what one connection committed" "$T/want2" "$T/got"

# --- a partition not fed (a snapshot's 3 rows: its base table) appended
# before the fed one (the changes' log), every PUT slow: the fed
# partition's PUTs are still under way on the shared connections when the
# other partition's run goes on them (before: the other run took the fed
# one's ends as its own, and the load hung) ---
"$BIN/tools/mcgen" sysbench 3 >"$T/s3.mcr" || { fail "mcgen" "failed"; exit 1; }
{ mc-cat "$T/s3.mcr"; mc-cat "$T/ch.mcr"; } | python3 -c '
import json, sys
n, schema, out = 0, False, []
for l in sys.stdin:
    r = json.loads(l)
    if "mcr" in r:
        if not out:
            out.append(l)
        continue
    if r.get("kind") == "trailer":
        continue
    if r.get("kind") == "schema":
        if schema:
            continue
        schema = True
    n += 1
    out.append(l)
out.append(json.dumps({"kind": "trailer", "count": n}) + "\n")
sys.stdout.write("".join(out))' | mc-cat --to=mcr >"$T/two.mcr" || fail "the two partitions' input" "failed"
expect_ok "base and log partitions, one connection" sb_put a0 sa0 --threads=1 "$T/two.mcr"
faults "put slow=0.2 p=1"
# (a hang's guard: a sanitizer build runs it several times slower, and on
# a loaded machine took over 120 s, CPU-bound, twice in nine runs)
lim=120
case $O in *asan* | *ubsan* | *tsan*) lim=600 ;; esac
expect_ok "the same, four connections, every PUT slow (in $lim s)" \
	timeout $lim mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/sa1" \
	--name=sbtest.sbtest1=a1 --threads=4 --compress=zstd --block-size=524288 "$T/two.mcr"
nofaults
srows a0 >"$T/want"
srows a1 >"$T/got"
expect_same "the base partition (not fed) holds its rows" "$T/want" "$T/got"
lrows a0_log >"$T/want"
lrows a1_log >"$T/got"
expect_same "the log partition (fed) holds its rows" "$T/want" "$T/got"
