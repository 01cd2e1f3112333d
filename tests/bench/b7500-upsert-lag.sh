#!/bin/sh
# b7500: the visibility lag of the real-time path under load (issue 16, "done
# means"): a throwaway MariaDB under `sysbench oltp_write_only`
# (BENCH_UPSERT_THREADS threads, 2; BENCH_UPSERT_RATE transactions/s, 0:
# as fast as it goes; BENCH_UPSERT_SECONDS a run, 60), read live by
#   upsert  mc-binlog-tail --heartbeat=1 | mc-tunnel-put --mode=upsert
#           --commit-interval=CI into PK Delta Tables of the local MaxCompute
#           (tests/odps-server, Python)
#   batch   the same into base + log tables (upload sessions), with the same
#           --commit-interval=CI (its default is none: --commit-rows only;
#           CI makes the two comparable; a reader of the merged table waits
#           for the daily merge on top, docs/maxcompute.md)
# CI = BENCH_UPSERT_INTERVAL (5, the --mode=upsert default). Runs interleave
# (BENCH_UPSERT_RUNS rounds, 2, of both). The lag is mc-tunnel-put's own
# "source commit to visible" (docs/mc-tunnel-put.md "Progress"): per
# transaction, from its commit in MariaDB (binlog time, whole seconds: up to
# 1 s high) to the commit that made it visible, read from its progress line
# every 5 s: p50, p99, max of each window. Prints the windows over time per
# mode, then per mode: the medians over rounds of the run's p50/p99/max,
# whether every window's max after the first stays below 2 x CI, the trend
# (least-squares slope of the windows' p99 over the run, s per minute), the
# catch-up after the load, the transactions/s sysbench made and the CPU of
# mc-tunnel-put, mc-binlog-tail and the Python server (share of one core over
# the run: near 100 % it is the bound). Never fails on a timing.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
TOP=$(cd "$HERE/../.." && pwd)
O=${O:-build}
case $O in /*) BIN=$O ;; *) BIN=$TOP/$O ;; esac
PATH=$BIN:$PATH
export PATH TOP BIN
SECS=${BENCH_UPSERT_SECONDS:-60}
CI=${BENCH_UPSERT_INTERVAL:-5}
THREADS=${BENCH_UPSERT_THREADS:-2}
RATE=${BENCH_UPSERT_RATE:-0}
ROUNDS=${BENCH_UPSERT_RUNS:-2}
W=$T
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
for p in sysbench python3; do
	command -v $p >/dev/null || { echo "bench: no $p: skipping b7500"; exit 0; }
done
MDB_BUFFER_POOL=${BENCH_BUFFER_POOL:-256M}
. "$TOP/tests/mariadb.sh"
mdb_start --max-binlog-size=1G
odps_start srv || exit 0
ODPS_DIR=$T/srv
sql "CREATE DATABASE sbtest"
SB="sysbench oltp_write_only --db-driver=mysql --mysql-socket=$MDB_SOCK --mysql-user=root
	--mysql-db=sbtest --tables=4 --table-size=10000 --threads=$THREADS --rate=$RATE"
$SB prepare >"$W/sysbench.log" 2>&1 ||
	{ echo "bench: sysbench prepare failed: $(tail -3 "$W/sysbench.log")" >&2; exit 0; }

master() { sql "SHOW MASTER STATUS" | cut -f1,2; } # FILE<TAB>POS
cpu_of() { awk '{ print $14 + $15 }' /proc/"$1"/stat 2>/dev/null || echo 0; } # ticks
TCK=$(getconf CLK_TCK)

run() { # MODE ROUND
	m=$1 r=$2
	rm -f "$W/ckpt"
	sql "FLUSH BINARY LOGS"
	set -- $(master)
	file=$1 p0=$2
	names=
	for i in 1 2 3 4; do names="$names --name=sbtest.sbtest$i=${m}${r}_$i"; done
	mode=--mode=$m
	[ "$m" = upsert ] || mode=
	( /usr/bin/time -f '%U %S' -o "$W/time.tail" mc-binlog-tail $MDB_ARGS --server-id=4200500 \
		--heartbeat=1 --tables='^sbtest\.' --start="$file:$p0" |
		/usr/bin/time -f '%U %S' -o "$W/time.sink" mc-tunnel-put --dest=odps://p1 \
			--odps-config="$ODPS_CONF" --state="$W/st.$m.$r" $mode $names \
			--commit-interval="$CI" --checkpoint-out="$W/ckpt" --progress \
			--progress-interval=5 --metrics="$W/m.$m.$r.prom" ) \
		2>"$W/err.$m.$r" &
	pipe=$!
	sleep 1
	c0=$(cpu_of "$ODPS_PID")
	t0=$(date +%s.%N)
	$SB --time="$SECS" --report-interval=0 run >"$W/sb.$m.$r.log" 2>&1
	t1=$(date +%s.%N)
	set -- $(master)
	pend=$2
	# catch-up: until the sink's committed position reaches the last one
	caught=-1
	i=0
	while [ $i -lt 1200 ]; do
		p=$(sed -n 's/^pos [0-9]*:\([0-9]*\):.*/\1/p' "$W/ckpt" 2>/dev/null)
		if [ "${p:-0}" -ge "$pend" ]; then
			caught=$(awk -v a="$t1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	c1=$(cpu_of "$ODPS_PID")
	t2=$(date +%s.%N)
	for c in $(pgrep -P "$pipe"); do
		for d in $(pgrep -P "$c") $c; do
			[ "$(cat /proc/"$d"/comm 2>/dev/null)" = mc-binlog-tail ] && kill -TERM "$d"
		done
	done
	wait "$pipe"
	tps=$(sed -n 's/.*transactions: *[0-9]* *(\([0-9.]*\) per sec.*/\1/p' "$W/sb.$m.$r.log")
	srv=$(awk -v a="$c0" -v b="$c1" -v t="$TCK" -v w0="$t0" -v w1="$t2" \
		'BEGIN { printf "%.0f", 100 * (b - a) / t / (w1 - w0) }')
	set -- $(cat "$W/time.sink") $(cat "$W/time.tail")
	el=$(awk -v a="$t0" -v b="$t2" 'BEGIN { print b - a }')
	sink=$(awk -v u="$1" -v s="$2" -v e="$el" 'BEGIN { printf "%.0f", 100 * (u + s) / e }')
	tail_=$(awk -v u="$3" -v s="$4" -v e="$el" 'BEGIN { printf "%.0f", 100 * (u + s) / e }')
	# the commits: their mean and longest (mc-tunnel-put's metrics), and the
	# server's share: from each commit's status GET to its answer (the
	# server applies the upserts there, sqlite), from its request log
	prom=$W/m.$m.$r.prom
	cmean=$(awk '/^mcsync_commit_seconds_total/ { s = $2 } /^mcsync_commits_total/ { n = $2 }
		END { printf "%.2f", n ? s / n : 0 }' "$prom")
	cmax=$(sed -n 's/^mcsync_commit_max_seconds{[^}]*} //p' "$prom")
	apply=$(awk -v a="$t0" -v b="$t2" -v pre="/tables/${m}${r}_" -v n="$(sed -n 's/^mcsync_commits_total{[^}]*} //p' "$prom")" '
		$1 >= a - 1 && $1 <= b && index($3, pre) && $3 ~ /upserts\?upsertid=/ {
			if ($2 == "GET") g = $1; else if ($2 == "POST" && g) { s += $1 - g; g = 0 } }
		END { printf "%.2f", n ? s / n : 0 }' "$ODPS_DIR/requests.log")
	load=$(cut -d' ' -f1 /proc/loadavg)
	echo "$m $r ${tps:-0} $caught $srv $sink $tail_ $cmean ${cmax:-0} $apply $load" >>"$W/runs"
	grep -v 'source commit to visible\|input ended\|^$' "$W/err.$m.$r" | head -3 | sed "s/^/# $m: /"
}

echo "sysbench oltp_write_only: 4 tables x 10000 rows, $THREADS threads, rate ${RATE} tx/s (0: unbounded), ${SECS} s a run;"
echo "--commit-interval=$CI in both modes; $ROUNDS rounds of upsert and batch, interleaved"
: >"$W/runs"
for r in $(seq "$ROUNDS"); do
	for m in upsert batch; do
		run "$m" "$r"
	done
done
[ -n "${BENCH_KEEP:-}" ] && cp -R "$W" "$BENCH_KEEP"
python3 - "$W" "$ROUNDS" "$CI" "$SECS" <<'PY'
import os, re, statistics as st, sys
W, R, CI, SECS = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
runs = {}
for l in open(os.path.join(W, 'runs')):
    m, r, tps, caught, srv, sink, tail, cmean, cmax, apply, load = l.split()
    runs[(m, int(r))] = dict(tps=float(tps), caught=float(caught), srv=float(srv),
                             sink=float(sink), tail=float(tail), cmean=float(cmean),
                             cmax=float(cmax), apply=float(apply), load=float(load))
pat = re.compile(r'source commit to visible: p50 ([0-9.]+) s, p99 ([0-9.]+) s, max ([0-9.]+) s '
                 r'\((\d+) transactions\), (\d+):(\d+):(\d+) elapsed')
done = re.compile(r'done: .*source commit to visible: p50 ([0-9.]+) s, p99 ([0-9.]+) s, '
                  r'max ([0-9.]+) s \((\d+) transactions\)')
def windows(m, r):
    ws, tot = [], None
    for l in open(os.path.join(W, 'err.%s.%d' % (m, r))):
        g = pat.search(l)
        if g:
            t = int(g[5]) * 3600 + int(g[6]) * 60 + int(g[7])
            ws.append((t, float(g[1]), float(g[2]), float(g[3]), int(g[4])))
        g = done.search(l)
        if g:
            tot = (float(g[1]), float(g[2]), float(g[3]), int(g[4]))
    return ws, tot
med = lambda v: st.median(v) if v else float('nan')
def slope(xs):  # s of p99 per minute
    if len(xs) < 3: return float('nan')
    mt = sum(t for t, _ in xs) / len(xs); mv = sum(v for _, v in xs) / len(xs)
    den = sum((t - mt) ** 2 for t, _ in xs) or 1
    return 60 * sum((t - mt) * (v - mv) for t, v in xs) / den
modes = ('upsert', 'batch')
W_ = {k: windows(*k) for k in runs}
print('the lag over time, round 1 (s from the pipeline\'s start; p50/p99/max of the transactions made visible in the 5 s before):')
print('%6s  %-26s  %-26s' % ('t', 'upsert p50 p99 max (n)', 'batch p50 p99 max (n)'))
w1 = {m: {t: (a, b, c, n) for t, a, b, c, n in W_.get((m, 1), ([], None))[0]} for m in modes}
for t in sorted(set(w1['upsert']) | set(w1['batch'])):
    cell = lambda m: ('%5.1f %5.1f %5.1f (%5d)' % w1[m][t]) if t in w1[m] else ''
    print('%6d  %-26s  %-26s' % (t, cell('upsert'), cell('batch')))
print()
print('%-7s %7s %7s %7s %7s %9s %11s %9s %7s %7s %7s  %s' % ('mode', 'tx/s', 'p50 s', 'p99 s',
      'max s', 'max win', 'p99 trend', 'catch-up', 'sink', 'tail', 'server', 'lag < 2 x CI, not growing'))
print('%-7s %7s %7s %7s %7s %9s %11s %9s %7s %7s %7s' % ('', 'sysbench', 'run', 'run', 'run',
      'after 1st', 's/min', 's', 'CPU %', 'CPU %', 'CPU %'))
for m in modes:
    rs = [(r, runs[(m, r)]) for r in range(1, R + 1) if (m, r) in runs]
    if not rs: continue
    p50, p99, mx, mw, tr, ok = [], [], [], [], [], []
    for r, x in rs:
        ws, tot = W_[(m, r)]
        if tot: p50.append(tot[0]); p99.append(tot[1]); mx.append(tot[2])
        later = [w for w in ws if w[0] > ws[0][0]] if ws else []
        # the load's windows: up to the end of sysbench (+ 1 s start)
        load = [w for w in later if w[0] <= SECS + 1]
        mw.append(max((w[3] for w in load), default=float('nan')))
        s = slope([(w[0], w[2]) for w in load])
        tr.append(s)
        ok.append(bool(load) and mw[-1] < 2 * CI and not (s > CI / 2) and 0 <= x['caught'] < 2 * CI)
    f = lambda k: med([x[k] for _, x in rs])
    print('%-7s %7.0f %7.1f %7.1f %7.1f %9.1f %11.2f %9s %7.0f %7.0f %7.0f  %s' % (m, f('tps'),
          med(p50), med(p99), med(mx), med(mw), med(tr),
          ','.join('%.1f' % x['caught'] if x['caught'] >= 0 else 'never' for _, x in rs),
          f('sink'), f('tail'), f('srv'), 'yes' if all(ok) else 'NO (%d of %d runs)' % (sum(ok), len(ok))))
print()
print('%-7s %12s %12s %22s %10s' % ('mode', 'commit mean', 'commit max', 'server apply / commit', 'load avg'))
for m in modes:
    rs = [runs[(m, r)] for r in range(1, R + 1) if (m, r) in runs]
    if not rs: continue
    f = lambda k: med([x[k] for x in rs])
    print('%-7s %10.2f s %10.2f s %20s %10s' % (m, f('cmean'), f('cmax'),
          ('%.2f s' % f('apply')) if m == 'upsert' else '-', ','.join('%.1f' % x['load'] for x in rs)))
print('(CI = --commit-interval = %g s; "max win": the highest lag of any 5 s window of the load but the first;' % CI)
print(' p99 trend: slope of the windows\' p99 over the load (growing lag > 0); catch-up: after the load, until')
print(' the last position is committed, per round; CPU: share of one core over the run, the server is Python;')
print(' lags from whole-second binlog times: up to 1 s high; commit: from its first request to the ledger')
print(' (mc-tunnel-put\'s metrics); server apply: from each upsert commit\'s status GET to the commit\'s answer,')
print(' where the local server applies the operations to its sqlite table; load avg: the machine\'s, at each run\'s end)')
PY
