#!/bin/sh
# tests/bench/run.sh (make bench): run every benchmark, BENCH=pattern for some,
# then write bench/report.md with a chart per benchmark (tests/bench/report.sh).
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BENCH_DATA=$(mktemp "${TMPDIR:-/tmp}/mcbench-data.XXXXXX")
export BENCH_DATA
trap 'rm -f "$BENCH_DATA"' EXIT
for b in "$TOP"/tests/bench/b[0-9]*.sh; do
	case $b in *"${BENCH:-}"*) ;; *) continue ;; esac
	echo "== $(basename "$b" .sh)"
	sh "$b" || echo "bench: $(basename "$b") failed (exit $?)"
done
if [ -s "$BENCH_DATA" ]; then
	sh "$TOP/tests/bench/report.sh" "$BENCH_DATA" "$TOP/bench" || echo "bench: the report failed"
fi
exit 0
