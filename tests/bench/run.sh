#!/bin/sh
# tests/bench/run.sh (make bench): run every benchmark, BENCH=pattern for some.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
for b in "$TOP"/tests/bench/b[0-9]*.sh; do
	case $b in *"${BENCH:-}"*) ;; *) continue ;; esac
	echo "== $(basename "$b" .sh)"
	sh "$b" || echo "bench: $(basename "$b") failed (exit $?)"
done
exit 0
