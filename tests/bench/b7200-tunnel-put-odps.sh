#!/bin/sh
# A snapshot (BENCH_ROWS sysbench rows, default 200000, as mc-snapshot
# writes them) loaded by mc-tunnel-put into the local MaxCompute server
# (tests/odps-server, Tunnel upload on --threads=BENCH_THREADS connections,
# default 1 and 4; blocks of BENCH_BLOCK bytes, default 4M, so that there
# are blocks to send at once) beside the same snapshot loaded into the local warehouse
# (--dest=DIR), interleaved, medians of RUNS runs. Goal (issue 13): the
# MaxCompute path at least 0.80 of the local warehouse's rate. The CPU
# seconds of the client (mc-tunnel-put) and of the server (server.py) per
# run tell what bounds the ratio.
. "$(dirname "$0")/lib.sh"
N=${BENCH_ROWS:-200000}
THREADS=${BENCH_THREADS:-1 4}
BLOCK=${BENCH_BLOCK:-4M}
command -v python3 >/dev/null || { echo "bench: no python3"; exit 0; }
mcgen sysbench "$N" >"$W/snap.mcr"
B=$(wc -c <"$W/snap.mcr")

# the local server (as tests/lib.sh's odps_start)
(umask 077 && printf 'access_id=mcsync-bench\naccess_key=%s\n' \
	"$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$W/odps.conf")
mkdir -p "$W/srv"
python3 "$TOP/tests/odps-server/server.py" --port=0 --data="$W/srv" --ready-file="$W/srv/port" \
	--credentials="$W/odps.conf" --project=p1 2>"$W/srv/server.err" &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$W"' EXIT
i=0
while [ ! -s "$W/srv/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$W/srv/port" ] || { echo "bench: the local server did not start: $(tail -3 "$W/srv/server.err")"; exit 0; }
PORT=$(cat "$W/srv/port")
printf 'project_name=p1\nend_point=http://127.0.0.1:%s/api\n' "$PORT" >>"$W/odps.conf"
CLI="python3 $TOP/tests/odps-server/client.py --endpoint=http://127.0.0.1:$PORT/api --credentials=$W/odps.conf --project=p1"
CRC=$(cd "$TOP/tests/odps-server" && python3 -c 'import recstream; print(recstream.CRC32C_IMPL)')

# cpu NAME CMD...: clock CMD; add its CPU seconds (user+sys) to NAME.cpu
# and the server's to NAME.scpu
ticks() { awk '{print $14 + $15}' "/proc/$SRV/stat"; }
cpu() {
	_n=$1
	shift
	_s0=$(ticks)
	clock "$_n" /usr/bin/time -f '%U %S' -o "$W/time.out" "$@"
	_s1=$(ticks)
	awk '{print $1 + $2}' "$W/time.out" >>"$W/$_n.cpu"
	echo "$_s0 $_s1 $(getconf CLK_TCK)" | awk '{printf "%.3f\n", ($2 - $1) / $3}' >>"$W/$_n.scpu"
}
med() { sort -n "$W/$1" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

k=0

echo "input: a snapshot of $N rows, $B bytes of mcr; blocks of $BLOCK; server CRC32C: $CRC; median of $RUNS runs"
for i in $(seq "$RUNS"); do
	rm -rf "$W/wh"
	cpu local mc-tunnel-put --dest="$W/wh" "$W/snap.mcr"
	for t in $THREADS; do
		k=$((k + 1))
		rm -rf "$W/st"
		cpu "odps-t$t" mc-tunnel-put --dest=odps://p1 --odps-config="$W/odps.conf" --state="$W/st" \
			--name=sbtest.sbtest1="t${t}_$k" --threads="$t" --block-size="$BLOCK" "$W/snap.mcr"
	done
done 2>"$W/bench.err"
grep -v '^$' "$W/bench.err" | head -3

# the same rows: the ids in the local warehouse and in the last MaxCompute table
mc-cat --to=csv --table=sbtest.sbtest1 "$W"/wh/sbtest__sbtest1/*/part-*.mcr.zst 2>/dev/null |
	sed 1d | cut -d, -f1 | sort -n >"$W/ids.local"
$CLI sql "SELECT id FROM t${t}_$k" 2>/dev/null | sed 1d | sort -n >"$W/ids.odps"
if [ "$(wc -l <"$W/ids.local")" -eq "$N" ] && cmp -s "$W/ids.local" "$W/ids.odps"; then
	echo "same rows: $N ids in the local warehouse and in MaxCompute table t${t}_$k"
else
	echo "bench: the rows differ: $(wc -l <"$W/ids.local") local, $(wc -l <"$W/ids.odps") in MaxCompute"
fi

echo "(ratios: the local warehouse's time / this one's; 1 is as fast as the local warehouse)"
report local "$N" "$B"
best=
for t in $THREADS; do
	report "odps-t$t" "$N" "$B" | awk -v r="$(awk -v a="$(median local)" -v b="$(median "odps-t$t")" \
		'BEGIN {printf "%.2f", a / b}')" '{print $0 "  " r "x of local"}'
	best=${best:-$t}
	awk -v a="$(median "odps-t$t")" -v b="$(median "odps-t$best")" 'BEGIN {exit !(a < b)}' && best=$t
done
for n in local $(for t in $THREADS; do echo "odps-t$t"; done); do
	awk -v n="$n" -v w="$(median "$n")" -v c="$(med "$n.cpu")" -v s="$(med "$n.scpu")" 'BEGIN {
		printf "cpu %-10s wall %7.3f s  client %7.3f s (%3.0f%%)  server %7.3f s (%3.0f%%)\n",
			n, w, c, 100 * c / w, s, 100 * s / w }'
done
c=$(med "odps-t$best.cpu")
sv=$(med "odps-t$best.scpu")
bound=$(awk -v c="$c" -v s="$sv" 'BEGIN {print (s > c) ? "the local server (Python, one core: the GIL)" : "the client"}')
awk -v a="$(median local)" -v b="$(median "odps-t$best")" -v c="$c" -v s="$sv" -v t="$best" \
	-v bound="$bound" 'BEGIN {
	r = a / b
	printf "goal >= 0.80 of the local warehouse rate: %.2f with --threads=%s (%s)\n", r, t,
		r >= 0.8 ? "met" : "not met"
	printf "bound: %s: server CPU %.2f s = %.0f%% of the wall time, client CPU %.2f s = %.0f%%\n",
		bound, s, 100 * s / b, c, 100 * c / b
}'
