#!/bin/sh
# No program loads libcurl and its TLS libraries at start
# (docs/conventions.md "Libraries opened when needed"): they are opened by
# dlopen at the first HTTP request (cmd/lib/curl_lazy.c), so that a run
# into a local warehouse, a local merge and the programs that never talk
# to MaxCompute do not pay a few hundred page faults and 10 to 25 ms of
# every start (seen: mc-binlog-tail on the sakila binlog, 10 ms of CPU to
# 25, when the option code came to call into the HTTP error code). The
# MaxCompute tests (t70*) run the programs through the lazily opened
# library.
. "$(dirname "$0")/lib.sh"
need ldd
for p in mc-binlog-tail mc-cat mc-snapshot mc-transform mc-tunnel-put mc-merge; do
	if ldd "$BIN/$p" >"$T/ldd" 2>&1; then
		if grep -q 'libcurl' "$T/ldd"; then
			fail "$p does not load libcurl at start" "$(grep libcurl "$T/ldd" | tr -s ' \t' ' ')"
		else
			ok "$p does not load libcurl at start"
		fi
	else
		fail "$p does not load libcurl at start" "ldd failed: $(head -1 "$T/ldd")"
	fi
done
ldd "$BIN/tools/odpsreq" >"$T/ldd" 2>&1
expect_grep "a test tool linked with it shows libcurl (the check sees it where it is)" 'libcurl' "$T/ldd"
"$BIN/tools/mcgen" sysbench 10 >"$T/s.mcr" || fail "mcgen" "failed"
expect_ok "mc-tunnel-put --dest=DIR runs without it" mc-tunnel-put --dest="$T/w" "$T/s.mcr"
