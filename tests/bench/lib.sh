# tests/bench/lib.sh: helpers of the benchmarks. Timings are wall-clock
# medians of RUNS runs, interleaved between ours and the peers' so that the
# machine's drift hits both alike. Benchmarks print; they never fail on a
# timing.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-build}
case $O in /*) BIN=$O ;; *) BIN=$TOP/$O ;; esac
PATH=$BIN:$BIN/tools:$PATH
_o=$O O=$BIN
. "$TOP/tests/python.sh"
O=$_o
RUNS=${RUNS:-5}
W=$(mktemp -d "${BENCH_TMP:-/tmp}/mcbench.XXXXXX")
trap 'rm -rf "$W"' EXIT

# now: nanoseconds
now() { date +%s%N; }

# clock NAME CMD...: run CMD once (stdout to /dev/null), append seconds to
# $W/NAME.times
clock() {
	_n=$1
	shift
	_t0=$(now)
	"$@" >/dev/null || echo "bench: '$*' failed" >&2
	_t1=$(now)
	echo "$_t0 $_t1" | awk '{printf "%.6f\n", ($2-$1)/1e9}' >>"$W/$_n.times"
}

# median NAME: the median of NAME's times
median() {
	sort -n "$W/$1.times" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}

# report NAME ROWS BYTES [BASE...]: one line: median, rows/s, MB/s, and the
# ratio of each BASE's median to this one (>1: we are faster than BASE)
report() {
	_n=$1 _rows=$2 _bytes=$3
	shift 3
	_m=$(median "$_n")
	_line=$(awk -v m="$_m" -v r="$_rows" -v b="$_bytes" -v n="$_n" \
		'BEGIN {printf "%-28s %8.3f s %12.0f rows/s %9.1f MB/s", n, m, r/m, b/m/1e6}')
	for _b in "$@"; do
		_bm=$(median "$_b")
		_line="$_line$(awk -v m="$_m" -v bm="$_bm" -v b="$_b" 'BEGIN {printf "  %.2fx %s", m/bm, b}')"
	done
	echo "$_line"
	bench_data "$_n" "$_m" "$_rows" "$_bytes" "$*"
}

# bench_data NAME SECONDS [ROWS BYTES [PEERS]]: one line for the report of
# make bench (tests/bench/report.sh): the benchmark, NAME, its median
# seconds, and the names (space-separated) of the peers NAME is compared with
bench_data() {
	[ -n "${BENCH_DATA:-}" ] || return 0
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(basename "$0" .sh)" "$1" "$2" "${3:-0}" "${4:-0}" \
		"${5:-}" >>"$BENCH_DATA"
}
