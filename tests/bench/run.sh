#!/bin/sh
# tests/bench/run.sh (make bench): run every benchmark script in
# tests/bench/ in turn. Benchmarks print their own ratios against the peers
# measured in the same run and never fail on a timing.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
for b in "$dir"/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	echo "== $(basename "$b" .sh)"
	sh "$b" || echo "bench: $(basename "$b") exited $?"
done
