#!/bin/sh
# Binlog tail throughput under a `sysbench oltp_write_only` load: does the
# live tail keep up at zero growing lag? A throwaway MariaDB; per run,
# sysbench writes for BENCH_TAIL_SECONDS (default 30) with
# BENCH_TAIL_THREADS (4) threads while one consumer reads the binlog live
# from the run's start position:
#   pipeline  mc-binlog-tail | mc-tunnel-put --dest=WH (the real pipeline;
#             its position: the sink's --checkpoint-out after each commit,
#             --commit-rows=BENCH_TAIL_COMMIT_ROWS (10000), --heartbeat=1)
#   tail      mc-binlog-tail --format=text > FILE (the tail alone, decoding
#             to text like the peer; its position: the last mark in FILE)
#   peer      mariadb-binlog --read-from-remote-server --stop-never
#             --base64-output=decode-rows -vv > FILE (its position: the
#             last end_log_pos in FILE)
# Every second the sampler reads the server's SHOW MASTER STATUS and the
# consumer's position (file offsets: one binlog file a run): lag = the bytes of binlog written but not yet
# consumed (and in seconds at the run's mean write rate). After the load,
# catch-up = the time until the consumer reaches the server's last position.
# Right after the load one transaction writes BENCH_TAIL_COMMIT_ROWS rows
# into tick.t, so that the sink commits at its end: mc-tunnel-put does not
# commit at a heartbeat whose position equals the last transaction end's,
# which is what an idle server's heartbeats carry (a bug, reported), so
# without it the pipeline's last rows wait for the next transaction.
# Runs interleave (BENCH_TAIL_RUNS rounds, default 3, of the three
# consumers). Prints per consumer: binlog MB/s, events/s, rows/s, lag max,
# median and the trend of the last 10 s, catch-up, CPU seconds and peak
# RSS of the decoding process; ratios against the peer; "keeps up: yes/no".
# Never fails on a timing.
. "$(dirname "$0")/lib.sh"
SECS=${BENCH_TAIL_SECONDS:-30}
CROWS=${BENCH_TAIL_COMMIT_ROWS:-10000}
THREADS=${BENCH_TAIL_THREADS:-4}
ROUNDS=${BENCH_TAIL_RUNS:-3}
# outputs of the text consumers go to memory when we may
OUT=$W/out
if [ -z "${BENCH_TMP:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	OUT=$(mktemp -d /dev/shm/mcbench-out.XXXXXX)
fi
mkdir -p "$OUT"
# tests/mariadb.sh expects the test library's T, BIN and fail
T=$W
fail() { echo "bench: $1: $2" >&2; }
_exit_cmds=
at_exit() { _exit_cmds="$1; $_exit_cmds"; }
trap 'eval "$_exit_cmds"; rm -rf "$W"; [ "$OUT" = "$W/out" ] || rm -rf "$OUT"' EXIT
trap 'exit 130' INT TERM
MDB_BUFFER_POOL=${BENCH_BUFFER_POOL:-256M}
. "$TOP/tests/mariadb.sh"
for p in sysbench mariadb-binlog; do
	command -v $p >/dev/null || { echo "bench: no $p: skipping b2100"; exit 0; }
done
mdb_start --max-binlog-size=1G
sql "CREATE DATABASE sbtest; CREATE DATABASE tick; CREATE TABLE tick.t (id INT AUTO_INCREMENT PRIMARY KEY, v INT)"
SB="sysbench oltp_write_only --db-driver=mysql --mysql-socket=$MDB_SOCK --mysql-user=root
	--mysql-db=sbtest --tables=4 --table-size=20000 --threads=$THREADS"
$SB prepare >"$W/sysbench.log" 2>&1 ||
	{ echo "bench: sysbench prepare failed: $(tail -3 "$W/sysbench.log")" >&2; exit 0; }

master() { sql "SHOW MASTER STATUS" | cut -f1,2; } # FILE<TAB>POS
# pos_of KIND: the consumer's binlog offset (0: none yet)
pos_of() {
	case $1 in
	pipeline) sed -n 's/^pos [0-9]*:\([0-9]*\):.*/\1/p' "$W/sink.ckpt" 2>/dev/null ;;
	tail) tail -c 65536 "$OUT/tail.txt" 2>/dev/null | grep -ao '^mark [a-z_]* [0-9]*:[0-9]*' | tail -1 | sed 's/.*://' ;;
	peer) tail -c 65536 "$OUT/peer.txt" 2>/dev/null | grep -ao 'end_log_pos [0-9]*' | tail -1 | sed 's/.* //' ;;
	esac | { read -r p && echo "${p:-0}" || echo 0; }
}

start_consumer() { # KIND FILE POS
	rm -rf "$W/wh" "$W/sink.ckpt" "$W/time.sink" "$OUT"/*
	case $1 in
	pipeline)
		( /usr/bin/time -f '%U %S %M' -o "$W/time" mc-binlog-tail $MDB_ARGS --server-id=4200100 \
			--heartbeat=1 --tables='^(sbtest|tick)\.' --start="$2:$3" |
			/usr/bin/time -f '%U %S %M' -o "$W/time.sink" mc-tunnel-put --dest="$W/wh" \
				--commit-rows="$CROWS" --checkpoint-out="$W/sink.ckpt" ) 2>"$W/consumer.err" &
		;;
	tail)
		/usr/bin/time -f '%U %S %M' -o "$W/time" mc-binlog-tail $MDB_ARGS --server-id=4200100 \
			--heartbeat=1 --tables='^(sbtest|tick)\.' --start="$2:$3" --format=text \
			>"$OUT/tail.txt" 2>"$W/consumer.err" &
		;;
	peer)
		/usr/bin/time -f '%U %S %M' -o "$W/time" mariadb-binlog --no-defaults --read-from-remote-server \
			--socket="$MDB_SOCK" --user=root --stop-never --stop-never-slave-server-id=4200100 \
			--start-position="$3" --base64-output=decode-rows -vv "$2" \
			>"$OUT/peer.txt" 2>"$W/consumer.err" &
		;;
	esac
	consumer=$!
}
# stop_consumer: SIGTERM the decoding process (the tail finishes its
# transaction and exits 0; the sink then commits and exits), wait for all
stop_consumer() {
	for c in $(pgrep -P "$consumer" 2>/dev/null) $consumer; do
		for d in $(pgrep -P "$c" 2>/dev/null); do
			case $(cat /proc/"$d"/comm 2>/dev/null) in
			mc-binlog-tail | mariadb-binlog) kill -TERM "$d" ;;
			esac
		done
		case $(cat /proc/"$c"/comm 2>/dev/null) in
		mc-binlog-tail | mariadb-binlog) kill -TERM "$c" ;;
		esac
	done
	wait "$consumer" 2>/dev/null
}
at_exit 'stop_consumer 2>/dev/null'
consumer=

run() { # KIND
	k=$1
	sql "FLUSH BINARY LOGS"
	set -- $(master)
	file=$1 p0=$2
	start_consumer "$k" "$file" "$p0"
	sleep 1
	$SB --time="$SECS" --report-interval=0 run >"$W/sb.$k.log" 2>&1 &
	sb=$!
	t0=$(now)
	: >"$W/lag.$k.r$ROUND"
	while kill -0 $sb 2>/dev/null; do
		sp=$(master | cut -f2)
		cp=$(pos_of "$k")
		echo "$(( ($(now) - t0) / 1000000000 )) $sp $cp" >>"$W/lag.$k.r$ROUND"
		sleep 1
	done
	wait $sb
	t_end=$(now)
	sql "USE tick; INSERT INTO t (v) SELECT seq FROM seq_1_to_$CROWS"
	set -- $(master)
	pend=$2
	# catch-up: until the consumer reaches the last position (20 s at most)
	caught=-1
	while [ $(( ($(now) - t_end) / 1000000000 )) -lt 20 ]; do
		if [ "$(pos_of "$k")" -ge "$pend" ]; then
			caught=$(awk -v a="$t_end" -v b="$(now)" 'BEGIN {printf "%.2f", (b - a) / 1e9}')
			break
		fi
		sleep 0.05
	done
	stop_consumer
	set -- $(tail -1 "$W/time" 2>/dev/null)
	u=${1:-0} s=${2:-0} rss=${3:-0}
	set -- $(tail -1 "$W/time.sink" 2>/dev/null)
	sink=$(awk -v u="${1:-0}" -v s="${2:-0}" 'BEGIN {print u + s}')
	bytes=$((pend - p0))
	# the run's binlog: events and rows, decoded afterwards
	bl=$MDB_DIR/binlog/$file
	nev=$(python3 - "$bl" "$p0" "$pend" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb'); lo, hi = int(sys.argv[2]), int(sys.argv[3])
b.seek(lo); n = 0; at = lo
while at < hi:
    h = b.read(19)
    if len(h) < 19: break
    l = struct.unpack('<I', h[9:13])[0]
    b.seek(l - 19, 1); at += l; n += 1
print(n)
PY
)
	rows=$(mc-binlog-tail --from="$bl:$p0" --stop-position="$pend" "$bl" 2>/dev/null | mc-cat --to=summary |
		awk '$1 ~ /^sbtest\./ {n += $3 + $4 + $5} END {print n + 0}')
	el=$(awk -v a="$t0" -v b="$t_end" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
	echo "$k $el $bytes $nev $rows $caught $u $s $rss $sink" >>"$W/runs"
	[ -s "$W/consumer.err" ] && grep -v '^$' "$W/consumer.err" | head -2 | sed "s/^/# $k: /"
}

echo "sysbench oltp_write_only: 4 tables x 20000 rows, $THREADS threads, ${SECS} s a run; $ROUNDS rounds of 3 consumers"
ROUND=0
: >"$W/runs"
for r in $(seq "$ROUNDS"); do
	ROUND=$r
	for k in pipeline tail peer; do
		run "$k"
	done
done

# the report: medians over rounds
sed 's/^/# run (consumer seconds bytes events rows catch-up user sys rss sink-cpu): /' "$W/runs"
[ -n "${BENCH_KEEP:-}" ] && cp -R "$W" "$BENCH_KEEP"
python3 - "$W" "$ROUNDS" "$CROWS" "$(df --output=source "$W" | tail -1)" <<'PY'
import os, statistics as st, sys
W, R = sys.argv[1], int(sys.argv[2])
runs = {}
for l in open(os.path.join(W, 'runs')):
    k, el, by, ev, rows, caught, u, s, rss, sink = l.split()
    runs.setdefault(k, []).append(dict(el=float(el), by=int(by), ev=int(ev), rows=int(rows),
        caught=float(caught), cpu=float(u) + float(s), rss=int(rss), sink=float(sink)))
def lagstats(k, r):
    xs = []
    for l in open(os.path.join(W, 'lag.%s.r%d' % (k, r))):
        t, sp, cp = map(int, l.split())
        if cp > 0: xs.append((t, max(0, sp - cp)))
    return xs
med = lambda v: st.median(v) if v else float('nan')
out = {}
print('%-9s %8s %9s %9s %9s %9s %9s %11s %9s %7s %8s  %s' % ('consumer', 'MB/s', 'events/s', 'rows/s',
      'lag max', 'lag med', 'lag med', 'last 10 s', 'catch-up', 'CPU s', 'RSS MB', 'keeps up'))
print('%-9s %8s %9s %9s %9s %9s %9s %11s %9s %7s %8s' % ('', 'binlog', '', '', 'KB', 'KB', 's', 'KB/s trend', 's', '', ''))
for k in ('pipeline', 'tail', 'peer'):
    rs = runs.get(k, [])
    if not rs: continue
    lmax, lmed, trend, ok = [], [], [], []
    for i, r in enumerate(rs, 1):
        xs = lagstats(k, i)
        lags = [x for _, x in xs]
        lmax.append(max(lags) if lags else float('nan'))
        lmed.append(med(lags))
        last = [(t, x) for t, x in xs if t >= xs[-1][0] - 10] if xs else []
        # trend: least-squares slope of the lag over the last 10 s, bytes/s
        if len(last) >= 3:
            mt = sum(t for t, _ in last) / len(last); mx = sum(x for _, x in last) / len(last)
            den = sum((t - mt) ** 2 for t, _ in last) or 1
            slope = sum((t - mt) * (x - mx) for t, x in last) / den
        else:
            slope = float('nan')
        trend.append(slope)
        rate = r['by'] / r['el']
        # keeps up: caught up within 5 s after the load, and over the last
        # 10 s of load the lag grew by less than 1 s of writes and its
        # median stayed under 5 s of writes
        ok.append(r['caught'] >= 0 and r['caught'] < 5 and not slope * 10 >= rate
                  and (lmed[-1] if lags else 0) < 5 * rate)
    el = med([r['el'] for r in rs])
    by = med([r['by'] / r['el'] for r in rs]); ev = med([r['ev'] / r['el'] for r in rs])
    ro = med([r['rows'] / r['el'] for r in rs])
    cpu = med([r['cpu'] for r in rs]); rss = med([r['rss'] for r in rs])
    caught = [r['caught'] for r in rs]
    out[k] = dict(cpu=cpu, cpu_mb=cpu / (med([r['by'] for r in rs]) / 1e6), lag=med(lmed), caught=med(caught))
    print('%-9s %8.2f %9.0f %9.0f %9.0f %9.0f %9.3f %11.1f %9s %7.2f %8.1f  %s' % (k, by / 1e6, ev, ro,
          med(lmax) / 1e3, med(lmed) / 1e3, med(lmed) / by if by else 0, med(trend) / 1e3,
          ','.join('%.2f' % c if c >= 0 else 'never' for c in caught), cpu, rss / 1024,
          'yes' if all(ok) else 'NO (%d of %d runs)' % (sum(ok), len(ok))))
print('(lag: binlog bytes written but not consumed, sampled every second; "s": at the mean write rate;')
print(' trend: slope of the lag over the last 10 s of load; catch-up: after the load, per round;')
print(' CPU and RSS: of the decoding process only: mc-binlog-tail, or mariadb-binlog;')
print(' keeps up: caught up within 5 s; over the last 10 s the lag grew by < 1 s of writes, median < 5 s of writes)')
if 'pipeline' in runs:
    print('pipeline  mc-tunnel-put CPU %.2f s a run (commit every %s rows, warehouse on %s)' % (
          med([r['sink'] for r in runs['pipeline']]), sys.argv[3], sys.argv[4]))
if 'peer' in out:
    for k in ('pipeline', 'tail'):
        if k in out and out['peer']['cpu_mb'] > 0:
            print('%-9s CPU per binlog MB %.3f s, %.2fx mariadb-binlog -vv (%.3f s); median lag %.0f KB, the peer\'s %.0f KB' % (
                k, out[k]['cpu_mb'], out[k]['cpu_mb'] / out['peer']['cpu_mb'], out['peer']['cpu_mb'],
                out[k]['lag'] / 1e3, out['peer']['lag'] / 1e3))
print('goal (issue 6): the tail keeps up with the load at zero growing lag: see "keeps up"')
PY
