#!/bin/sh
# Only the programs that talk to MaxCompute (mc-tunnel-put, mc-merge) load
# libcurl and its TLS libraries: in mc-binlog-tail, mc-cat, mc-snapshot
# and mc-transform they would cost every start a few hundred page faults
# and 10 to 20 ms on this VM (seen: mc-binlog-tail on the sakila binlog,
# 10 ms of CPU to 25, when a shared option file came to call into the
# HTTP error code; common/odps/retry.h).
. "$(dirname "$0")/lib.sh"
need ldd
for p in mc-binlog-tail mc-cat mc-snapshot mc-transform; do
	if ldd "$BIN/$p" >"$T/ldd" 2>&1; then
		if grep -q 'libcurl' "$T/ldd"; then
			fail "$p does not load libcurl" "$(grep libcurl "$T/ldd" | tr -s ' \t' ' ')"
		else
			ok "$p does not load libcurl"
		fi
	else
		fail "$p does not load libcurl" "ldd failed: $(head -1 "$T/ldd")"
	fi
done
ldd "$BIN/mc-tunnel-put" >"$T/ldd" 2>&1
expect_grep "mc-tunnel-put loads libcurl (the check sees it where it is)" 'libcurl' "$T/ldd"
