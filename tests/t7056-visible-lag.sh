#!/bin/sh
# mc-tunnel-put reports the visibility lag: from a source commit (the time of
# a transaction end in the record stream) to the commit of its that made the
# transaction's rows visible, in --progress lines, the summary and --metrics
# (a histogram, the last commit's, the run's highest), in --mode=upsert into a
# PK table of the local MaxCompute and in the batch path into a warehouse.
# A writer of known commit times checks it against the truth: its source
# commits happen D seconds before the writer sends them (stamp floor(now - D):
# the source's times are whole seconds, so the reported lag is at most 1 s
# above the truth, never below), on a schedule whose commits are known
# (docs/mc-tunnel-put.md "Progress").
# runs beside the pool
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/t7051-odps-upsert.lib"

# writer.py PLAN: a change stream of table d.t on standard output; PLAN is
# items "N GAP D [empty]" (;-separated): N transactions of one insert each,
# GAP seconds apart, each a source commit D seconds before it is sent; with
# "empty", without rows (a transaction of a table not in the stream). No
# trailer (a source stopped).
cat >"$T/writer.py" <<'PY'
import json, math, sys, time
out = sys.stdout
def put(o): out.write(json.dumps(o, separators=(",", ":")) + "\n")
put({"mcr": 1, "meta": {"writer": "t7056"}})
put({"kind": "schema", "db": "d", "table": "t", "version": 1, "pos": [1, 4, 0], "time": 0, "flags": 0,
     "columns": [{"name": "id", "mysql_type": "int", "mc_type": "INT", "nullable": False, "flags": 0},
                 {"name": "v", "mysql_type": "int", "mc_type": "INT", "nullable": False, "flags": 0}],
     "key": [0]})
out.flush()
i = 0
for line in sys.argv[1].split(";"):
    n, gap, d = line.split()[:3]
    empty = line.split()[3:] == ["empty"]
    for _ in range(int(n)):
        i += 1
        stamp = int(math.floor(time.time() - float(d)))
        if not empty: put({"kind": "row", "op": "insert", "db": "d", "table": "t", "version": 1,
             "pos": [2, 100 * i, 0], "time": stamp, "before": None, "after": [i, i]})
        put({"kind": "mark", "mark": "txn_end", "pos": [2, 100 * i + 50, 0], "time": stamp,
             "db": "", "table": "", "label": ""})
        out.flush()
        time.sleep(float(gap))
PY
metric() { sed -n "s/^mcsync_$1{program=\"mc-tunnel-put\"} //p" "$2"; }
# within LO HI VALUE: yes when LO <= VALUE <= HI
within() { awk -v lo="$1" -v hi="$2" -v v="$3" 'BEGIN { print (v != "" && v >= lo && v <= hi) ? "yes" : "no: " v }'; }
run_upsert() { # STATE NAME PLAN ARGS...
	_s=$1 _n=$2 _p=$3
	shift 3
	python3 "$T/writer.py" "$_p" | mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" \
		--state="$T/$_s" --mode=upsert --retry-time=0.2 --retry-delay=0.05 --name=d.t="$_n" --partial-ok "$@"
}

# --- the steady state: a transaction every 0.1 s, a commit every second: each
# transaction visible 0..1 s (and the commit's time) after its source commit ---
expect_ok "upsert: 40 transactions, one every 0.1 s, --commit-interval=1" \
	run_upsert s1 t1 "40 0.1 0" --commit-interval=1 --progress --progress-interval=0.5 \
	--metrics="$T/m1.prom"
cp "$T/err" "$T/err1"
expect_eq "every transaction is counted once" \
	"$(sed -n 's/^mcsync_visible_lag_seconds_count{program="mc-tunnel-put"} //p' "$T/m1.prom")" 40
expect_eq "... in the +Inf bucket too" \
	"$(sed -n 's/^mcsync_visible_lag_seconds_bucket{program="mc-tunnel-put",le="+Inf"} //p' "$T/m1.prom")" 40
expect_eq "the highest lag is under the commit interval, the 1 s of the stamps and a slack" \
	"$(within 0 3.5 "$(metric visible_lag_max_seconds "$T/m1.prom")")" yes
expect_eq "the mean lag (sum / count) is that of a commit a second: 0..2.5 s" \
	"$(within 0.05 2.5 "$(awk '/^mcsync_visible_lag_seconds_sum/ { print $2 / 40 }' "$T/m1.prom")")" yes
expect_eq "the histogram's buckets rise to the count" \
	"$(awk -F'[ ]' '/^mcsync_visible_lag_seconds_bucket/ { if ($2 < p) bad = 1; p = $2 } END { print bad ? "no" : "yes" }' "$T/m1.prom")" yes
expect_grep "the progress lines say it, percentiles since the last line" \
	'^mc-tunnel-put: .*source commit to visible: p50 [0-9.]+ s, p99 [0-9.]+ s, max [0-9.]+ s \([0-9]+ transactions\), ' "$T/err1"
expect_grep "... and the summary, over the run" \
	'^mc-tunnel-put: done: .*, source commit to visible: p50 [0-9.]+ s, p99 [0-9.]+ s, max [0-9.]+ s \(40 transactions\)$' "$T/err1"
$CLI sql "SELECT COUNT(*) FROM t1" >"$T/cnt" 2>&1
expect_grep "the PK table holds the 40 rows" '^40$' "$T/cnt"

# --- a known lag: the source commits 30 s before they come; then a commit
# waits: B comes 0.3 s after A (committed at once), C 3 s after B: B is
# visible with C, 3 s after it came, 33 s after its source commit ---
expect_ok "upsert: transactions 30 s late, the last but one waiting 3 s" \
	run_upsert s2 t2 "1 0.3 30;1 3 30;1 0 30" --commit-interval=1 --metrics="$T/m2.prom"
expect_eq "3 transactions" "$(sed -n 's/^mcsync_visible_lag_seconds_count{program="mc-tunnel-put"} //p' "$T/m2.prom")" 3
expect_eq "none visible within 30 s of its source commit" \
	"$(sed -n 's/^mcsync_visible_lag_seconds_bucket{program="mc-tunnel-put",le="30"} //p' "$T/m2.prom")" 0
expect_eq "the run's highest: B's 33 s (truth), up to 1 s of stamps and a slack above" \
	"$(within 33.0 35.5 "$(metric visible_lag_max_seconds "$T/m2.prom")")" yes
expect_eq "the last commit's (B and C: its oldest, B)" \
	"$(within 33.0 35.5 "$(metric visible_lag_last_seconds "$T/m2.prom")")" yes
expect_eq "the mean: (30.x + 33.x + 30.x) / 3" \
	"$(within 31.0 33.0 "$(awk '/^mcsync_visible_lag_seconds_sum/ { print $2 / 3 }' "$T/m2.prom")")" yes

# --- slow commits: each takes 3 s (the server waits), --commit-interval=4
# counts from a commit's start to the next one's: a transaction that just
# missed a commit is visible with the next one, 4 + 3 = 7 s after it came
# (counted from the end it would be 4 + 2 x 3 = 10 s) ---
faults "ucommit slow=3 times=100"
expect_ok "upsert: a transaction every 0.1 s for 10 s, commits of 3 s, --commit-interval=4" \
	run_upsert s4 t4 "100 0.1 0" --commit-interval=4 --metrics="$T/m6.prom"
nofaults
expect_eq "the commits took the 3 s" "$(within 3.0 5.0 "$(metric commit_max_seconds "$T/m6.prom")")" yes
expect_eq "the highest lag: interval + one commit (7 s), up to 1 s of stamps and a slack above, under 10 s" \
	"$(within 6.5 9.5 "$(metric visible_lag_max_seconds "$T/m6.prom")")" yes

# --- the batch path, into a warehouse: the same numbers ---
expect_ok "batch: the same plan into a warehouse, --commit-interval=1" \
	sh -c "python3 '$T/writer.py' '1 0.3 30;1 3 30;1 0 30' | mc-tunnel-put --dest='$T/wh' \
		--partial-ok --commit-interval=1 --metrics='$T/m3.prom'"
expect_eq "batch: 3 transactions" "$(sed -n 's/^mcsync_visible_lag_seconds_count{program="mc-tunnel-put"} //p' "$T/m3.prom")" 3
expect_eq "batch: the run's highest, B's 33 s" \
	"$(within 33.0 35.5 "$(metric visible_lag_max_seconds "$T/m3.prom")")" yes

# --- transactions of other tables (no rows here) make nothing visible; a
# stream without transaction ends (mcgen's snapshot) reports no lag ---
"$BIN/tools/mcgen" sysbench 20 >"$T/sb.mcr"
expect_ok "batch: a snapshot stream" mc-tunnel-put --dest="$T/wh2" --metrics="$T/m4.prom" "$T/sb.mcr"
expect_eq "... no transaction counted" \
	"$(sed -n 's/^mcsync_visible_lag_seconds_count{program="mc-tunnel-put"} //p' "$T/m4.prom")" 0
expect_eq "... no lag gauge" "$(metric visible_lag_max_seconds "$T/m4.prom")" ""
expect_ok "batch: 3 transactions with rows between 4 without" \
	sh -c "python3 '$T/writer.py' '2 0 0 empty;1 0 0;1 0 0 empty;2 0 0;1 0 0 empty' |
		mc-tunnel-put --dest='$T/wh3' --partial-ok --metrics='$T/m5.prom'"
expect_eq "... only the 3 with rows are counted" \
	"$(sed -n 's/^mcsync_visible_lag_seconds_count{program="mc-tunnel-put"} //p' "$T/m5.prom")" 3
