#!/bin/sh
# A snapshot (BENCH_ROWS sysbench rows, default 200000, as mc-snapshot
# writes them) loaded by mc-tunnel-put into the local MaxCompute server
# (tests/odps-server, Tunnel upload on --threads=BENCH_THREADS connections,
# default 1 and 4; blocks of BENCH_BLOCK bytes, default 4M, so that there
# are blocks to send at once) beside the same snapshot loaded into the local warehouse
# (--dest=DIR), interleaved, medians of RUNS runs. Goal (issue 13): the
# MaxCompute path at least 0.80 of the local warehouse's rate. The server
# checks blocks with its C decoder at the PUT (make builds it; the same checks
# as the Python reference, tests/t7033) and stores the body as received,
# decoded at the table's first read; a second server decoding in Python
# (the reference) runs --threads=1 beside it (BENCH_PY=0: not). The CPU
# seconds of the client (mc-tunnel-put) and of the server per run, and the
# server's by step (inflate, decode, store a block, commit), tell where
# the time goes. The server's commit copies no row (tests/odps-server/
# committed.py): the rows reach its sqlite table at the table's first read,
# so the first SQL read after each load (SELECT COUNT(*)) is measured apart
# (wall, server CPU, its "materialise" step), and a second ratio counts it
# with the load.
. "$(dirname "$0")/lib.sh"
N=${BENCH_ROWS:-200000}
# 4z: --threads=4 --compress=zstd (the C server inflates in process, blockinf.c; the Python
# reference server with the zstd command); 4n: --threads=4 --compress=none; d: every option
# at its default (one connection, deflate, blocks of 64M: what a user gets without tuning)
THREADS=${BENCH_THREADS:-1 4$(command -v zstd >/dev/null && echo " 4z") 4n d}
BLOCK=${BENCH_BLOCK:-4M}
command -v python3 >/dev/null || { echo "bench: no python3"; exit 0; }
mcgen sysbench "$N" >"$W/snap.mcr"
B=$(wc -c <"$W/snap.mcr")

# the local servers (as tests/lib.sh's odps_start): C decoder, Python decoder
(umask 077 && printf 'access_id=mcsync-bench\naccess_key=%s\n' \
	"$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$W/odps.conf")
SO=$BIN/tools/odps-blockdec.so
[ -f "$SO" ] || { echo "bench: no $SO (make)"; exit 0; }
PYDEC=${BENCH_PY:-1}
start_srv() { # NAME DECODER: sets SRV_NAME, PORT_NAME
	mkdir -p "$W/srv-$1"
	python3 "$TOP/tests/odps-server/server.py" --port=0 --data="$W/srv-$1" --ready-file="$W/srv-$1/port" \
		--credentials="$W/odps.conf" --project=p1 --block-decoder="$2" 2>"$W/srv-$1/server.err" &
	eval "SRV_$1=$!"
	_i=0
	while [ ! -s "$W/srv-$1/port" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	[ -s "$W/srv-$1/port" ] || { echo "bench: the local server did not start: $(tail -3 "$W/srv-$1/server.err")"; exit 0; }
	eval "PORT_$1=$(cat "$W/srv-$1/port")"
	eval "_p=\$PORT_$1"
	grep -v '^end_point=' "$W/odps.conf" >"$W/odps-$1.conf"
	printf 'project_name=p1\nend_point=http://127.0.0.1:%s/api\n' "$_p" >>"$W/odps-$1.conf"
	chmod 600 "$W/odps-$1.conf"
}
SRV_py=
trap 'kill $SRV_c $SRV_py 2>/dev/null; rm -rf "$W"' EXIT
start_srv c "$SO"
[ "$PYDEC" = 0 ] || start_srv py python
SRV=$SRV_c
PORT=$PORT_c
CLI="python3 $TOP/tests/odps-server/client.py --endpoint=http://127.0.0.1:$PORT/api --credentials=$W/odps-c.conf --project=p1"
CRC=$(cd "$TOP/tests/odps-server" && python3 -c 'import recstream; print(recstream.CRC32C_IMPL)')

# cpu NAME SERVERPID PORT CMD...: clock CMD; add its CPU seconds
# (user+sys) to NAME.cpu, the server's to NAME.scpu, and the server's by
# step (its /_mcsync/stats) to NAME.steps
# (the server's own and its waited-for children's: the zstd command)
ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat"; }
cpu() {
	_n=$1 _pid=$2 _port=$3
	shift 3
	curl -s -X DELETE "http://127.0.0.1:$_port/_mcsync/stats" >/dev/null
	sync # the last run's dirty pages written back before this one, not during it
	_s0=$(ticks "$_pid")
	clock "$_n" /usr/bin/time -f '%U %S' -o "$W/time.out" "$@"
	_s1=$(ticks "$_pid")
	awk '{print $1 + $2}' "$W/time.out" >>"$W/$_n.cpu"
	echo "$_s0 $_s1 $(getconf CLK_TCK)" | awk '{printf "%.3f\n", ($2 - $1) / $3}' >>"$W/$_n.scpu"
	curl -s "http://127.0.0.1:$_port/_mcsync/stats" | python3 -c 'import json, sys
c = json.load(sys.stdin)["cpu"]
print(" ".join("%.3f" % c[k] for k in ("inflate", "decode", "store", "commit", "materialise")))' >>"$W/$_n.steps"
}
# opts T: mc-tunnel-put's options of setting T (above: 4z, 4n, d, ...)
opts() {
	case $1 in
	d) ;;
	*) echo "--threads=${1%[zn]} --block-size=$BLOCK --compress=$(case $1 in
		*z) echo zstd ;; *n) echo none ;; *) echo deflate ;; esac)" ;;
	esac
}
med() { sort -n "$W/$1" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

k=0

echo "input: a snapshot of $N rows, $B bytes of mcr; blocks of $BLOCK (odps-td: of 64M, the default); median of $RUNS runs"
NCPU=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
W4=$((NCPU < 4 ? NCPU : 4))
echo "compression, the same level both ways: local: zstd level 1 (mc-tunnel-put's default), a" \
	"commit's data file of 4 MiB or more on zstd's $W4 worker threads (one per CPU, 1..4);" \
	"odps-tN: --compress=deflate (no suffix), zstd (z) or none (n), level 1, with N > 1 each block compressed on" \
	"min(N, CPUs) worker threads ($((NCPU < 4 ? NCPU : 4)) with N=4) while the next is encoded and" \
	"the finished ones go up (common/odps/dest_odps_pipe.c); $NCPU CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "servers: odps-tN: blocks checked in C at the PUT ($SO: every CRC, every record against the schema," \
	"the body stored as received; a commit records the blocks, the first read decodes them and copies their rows into sqlite)${SRV_py:+; odps-py-t1: decoded in Python}" \
	"(recstream.py, CRC32C: $CRC)"
for i in $(seq "$RUNS"); do
	rm -rf "$W/wh"
	cpu local "$SRV" "$PORT" mc-tunnel-put --dest="$W/wh" "$W/snap.mcr"
	for t in $THREADS; do
		k=$((k + 1))
		rm -rf "$W/st"
		cpu "odps-t$t" "$SRV_c" "$PORT_c" mc-tunnel-put --dest=odps://p1 --odps-config="$W/odps-c.conf" \
			--state="$W/st" --name=sbtest.sbtest1="t${t}_$k" $(opts "$t") "$W/snap.mcr"
		cpu "odps-t$t.read" "$SRV_c" "$PORT_c" $CLI sql "SELECT COUNT(*) FROM t${t}_$k"
	done
	if [ -n "$SRV_py" ]; then
		rm -rf "$W/st"
		cpu "odps-py-t1" "$SRV_py" "$PORT_py" mc-tunnel-put --dest=odps://p1 --odps-config="$W/odps-py.conf" \
			--state="$W/st" --name=sbtest.sbtest1="py_$i" --threads=1 --block-size="$BLOCK" "$W/snap.mcr"
		cpu "odps-py-t1.read" "$SRV_py" "$PORT_py" python3 "$TOP/tests/odps-server/client.py" \
			--endpoint="http://127.0.0.1:$PORT_py/api" --credentials="$W/odps-py.conf" --project=p1 \
			sql "SELECT COUNT(*) FROM py_$i"
	fi
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
PEERS="$(for t in $THREADS; do echo "odps-t$t"; done)${SRV_py:+ odps-py-t1}"
[ -z "$SRV_py" ] || report odps-py-t1 "$N" "$B" | awk -v r="$(awk -v a="$(median local)" \
	-v b="$(median odps-py-t1)" 'BEGIN {printf "%.2f", a / b}')" '{print $0 "  " r "x of local"}'
for n in local $PEERS; do
	awk -v n="$n" -v w="$(median "$n")" -v c="$(med "$n.cpu")" -v s="$(med "$n.scpu")" 'BEGIN {
		printf "cpu %-10s wall %7.3f s  client %7.3f s (%3.0f%%)  server %7.3f s (%3.0f%%)\n",
			n, w, c, 100 * c / w, s, 100 * s / w }'
done
# the server's CPU by step: medians of each column
steps() {
	for col in 1 2 3 4 5; do
		cut -d' ' -f$col "$W/$1.steps" | sort -n | awk '{a[NR]=$1} END {printf "%.3f ", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
	done
}
for n in $PEERS; do
	set -- $(steps "$n")
	echo "server $n by step (CPU s): inflate $1  decode $2  store blocks $3  commit $4"
	set -- $(steps "$n.read")
	awk -v n="$n" -v w="$(median "$n.read")" -v s="$(med "$n.read.scpu")" -v m="$5" -v a="$(median local)" \
		-v b="$(median "$n")" 'BEGIN {
		printf "first read after the %s load (SELECT COUNT(*) by client.py): wall %.3f s, server CPU %.3f s, of which decoding the blocks and copying the rows into sqlite %.3f s; load + that copy %.3f s: %.2fx of local\n",
			n, w, s, m, b + m, a / (b + m) }'
done
c=$(med "odps-t$best.cpu")
sv=$(med "odps-t$best.scpu")
rd=$(steps "odps-t$best.read" | awk '{print $5}')
set -- $(steps "odps-t$best")
bound=$(awk -v c="$c" -v s="$sv" 'BEGIN {print (s > c) ? "the local server" : "the client"}')
awk -v a="$(median local)" -v b="$(median "odps-t$best")" -v c="$c" -v s="$sv" -v t="$best" \
	-v bound="$bound" -v cm="$4" -v rd="$rd" 'BEGIN {
	r = a / b
	printf "goal >= 0.80 of the local warehouse rate: %.2f with odps-t%s (%s); counting the copy of the rows at the first read: %.2f\n", r, t,
		r >= 0.8 ? "met" : "not met", a / (b + rd)
	printf "bound: %s: server CPU %.2f s = %.0f%% of the wall time (its commits: %.2f s; the copy at the first read, apart: %.2f s),",
		bound, s, 100 * s / b, cm, rd
	printf " client CPU %.2f s = %.0f%%\n", c, 100 * c / b
}'

# The live path, what the goal names and what users run: mc-snapshot from a
# throwaway MariaDB (the same N sysbench rows, --threads=2) piped into
# mc-tunnel-put, into the local warehouse and into the local server (the
# best setting above, and every option at its default), interleaved, RUNS
# runs (BENCH_LIVE=0: not). The sink commits every --commit-rows (100000)
# rows here, as the snapshot's chunks end: two commits, each one block of
# 22 MB at the default block size.
if [ "${BENCH_LIVE:-1}" != 0 ] && command -v sysbench >/dev/null && command -v mariadbd >/dev/null; then
	T=$W
	fail() { echo "bench: $1: $2" >&2; }
	_at_exit=
	at_exit() { _at_exit="$1; $_at_exit"; }
	trap 'eval "$_at_exit"; kill $SRV_c $SRV_py 2>/dev/null; rm -rf "$W"' EXIT
	. "$TOP/tests/mariadb.sh"
	mdb_start
	sql "CREATE DATABASE sbtest"
	sysbench oltp_read_only --db-driver=mysql --mysql-socket="$MDB_SOCK" --mysql-user=root \
		--mysql-db=sbtest --tables=1 --table-size="$N" prepare >"$W/sysbench.log" 2>&1 ||
		{ echo "bench: sysbench prepare failed: $(tail -3 "$W/sysbench.log")"; exit 0; }
	LB=$(mc-snapshot $MDB_ARGS --databases=sbtest --threads=2 | wc -c) # the buffer pool warm
	# the same snapshot saved as mc-snapshot writes it (chunk marks every
	# 20,000 rows, where the sink settles rows: the MaxCompute path sends
	# blocks while it reads, docs/maxcompute.md "Blocks sent as rows settle")
	mc-snapshot $MDB_ARGS --databases=sbtest --threads=2 >"$W/saved.mcr"
	saved() { # WHERE OPTIONS...
		_where=$1
		shift
		rm -rf "$W/wh" "$W/st"
		case $_where in
		local) mc-tunnel-put --dest="$W/wh" "$W/saved.mcr" ;;
		*) k=$((k + 1))
		   mc-tunnel-put --dest=odps://p1 --odps-config="$W/odps-c.conf" --state="$W/st" \
			--name=sbtest.sbtest1="saved_$k" "$@" "$W/saved.mcr" ;;
		esac
	}
	live() { # WHERE OPTIONS...: one run (not _n: clock's)
		_where=$1
		shift
		rm -rf "$W/wh" "$W/st"
		case $_where in
		local) mc-snapshot $MDB_ARGS --databases=sbtest --threads=2 | mc-tunnel-put --dest="$W/wh" ;;
		*) k=$((k + 1))
		   mc-snapshot $MDB_ARGS --databases=sbtest --threads=2 | mc-tunnel-put --dest=odps://p1 \
			--odps-config="$W/odps-c.conf" --state="$W/st" --name=sbtest.sbtest1="live_$k" "$@" ;;
		esac
	}
	for i in $(seq "$RUNS"); do
		sync && clock live-local live local
		sync && clock "live-odps-t$best" live odps $(opts "$best")
		sync && clock live-odps-td live odps
		sync && clock saved-local saved local
		sync && clock "saved-odps-t$best" saved odps $(opts "$best")
	done
	echo "live: mc-snapshot --threads=2 | mc-tunnel-put, $N rows ($LB bytes of stream) from MariaDB $(mariadbd --version 2>/dev/null |
		sed -n 's/.* Ver \([^ ]*\).*/\1/p'); medians of $RUNS interleaved runs"
	report live-local "$N" "$LB"
	for n in "live-odps-t$best" live-odps-td; do
		report "$n" "$N" "$LB" | awk -v r="$(awk -v a="$(median live-local)" -v b="$(median "$n")" \
			'BEGIN {printf "%.2f", a / b}')" '{print $0 "  " r "x of live-local"}'
	done
	awk -v a="$(median live-local)" -v b="$(median "live-odps-t$best")" -v t="$best" 'BEGIN {
		r = a / b
		printf "goal >= 0.80 on the snapshot'"'"'s path (live): %.2f with odps-t%s (%s)\n", r, t,
			r >= 0.8 ? "met" : "not met" }'
	echo "saved: that snapshot saved by mc-snapshot (chunk marks), $(wc -c <"$W/saved.mcr") bytes, loaded from the file; medians of $RUNS interleaved runs"
	report saved-local "$N" "$(wc -c <"$W/saved.mcr")"
	report "saved-odps-t$best" "$N" "$(wc -c <"$W/saved.mcr")" | awk -v r="$(awk -v a="$(median saved-local)" \
		-v b="$(median "saved-odps-t$best")" 'BEGIN {printf "%.2f", a / b}')" '{print $0 "  " r "x of saved-local"}'
	awk -v a="$(median saved-local)" -v b="$(median "saved-odps-t$best")" -v t="$best" 'BEGIN {
		r = a / b
		printf "goal >= 0.80 on a saved mc-snapshot stream: %.2f with odps-t%s (%s)\n", r, t,
			r >= 0.8 ? "met" : "not met" }'
fi
